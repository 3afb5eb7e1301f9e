use actix_web::{HttpResponse, delete, get, patch, post, web};

use super::model::{
    NewOrganization, Organization, OrganizationPage, OrganizationPatch, OrganizationQuery,
};
use super::service;
use crate::auth::Principal;
use crate::contacts::Contact;
use crate::contacts::model::MergeInput;
use crate::http::{ApiError, ItemList, ProblemBody, ValidJson};
use crate::ids::OrganizationId;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(get_one)
        .service(update)
        .service(remove)
        .service(contacts)
        .service(merge);
}

/// Merges the organization into `into_id` (same client): its contacts and
/// cases move, empty fields of the target are filled; the merged
/// organization stays with `merged_into_id` set and is hidden from lists and
/// search. Answers the target.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/merge", tag = "customers", request_body = MergeInput,
    params(("id" = i64, Path)),
    responses((status = 200, body = Organization), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[post("/organizations/{id}/merge")]
pub async fn merge(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<OrganizationId>,
    body: ValidJson<MergeInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    // The contacts' merge body, shared in the document: its id names an
    // organization here.
    let into_id = OrganizationId(body.into_inner().into_id.get());
    let organization = state
        .db
        .write(move |tx| service::merge(tx, &who, id, into_id))
        .await?;
    Ok(HttpResponse::Ok().json(organization))
}

/// Organizations of the visible clients, newest first.
#[utoipa::path(get, path = "/api/v1/organizations", tag = "customers", params(OrganizationQuery),
    responses((status = 200, body = OrganizationPage), (status = 404, body = ProblemBody)))]
#[get("/organizations")]
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    query: web::Query<OrganizationQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = state
        .db
        .read(move |conn| service::list(conn, &who, &query))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

#[utoipa::path(post, path = "/api/v1/organizations", tag = "customers", request_body = NewOrganization,
    responses((status = 201, body = Organization), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[post("/organizations")]
pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<NewOrganization>,
) -> Result<HttpResponse, ApiError> {
    let org = state
        .db
        .write(move |tx| service::create(tx, &who, body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(org))
}

#[utoipa::path(get, path = "/api/v1/organizations/{id}", tag = "customers",
    params(("id" = i64, Path)),
    responses((status = 200, body = Organization), (status = 404, body = ProblemBody)))]
#[get("/organizations/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<OrganizationId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let org = state
        .db
        .read(move |conn| service::get(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(org))
}

#[utoipa::path(patch, path = "/api/v1/organizations/{id}", tag = "customers", request_body = OrganizationPatch,
    params(("id" = i64, Path)),
    responses((status = 200, body = Organization), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[patch("/organizations/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<OrganizationId>,
    body: ValidJson<OrganizationPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let org = state
        .db
        .write(move |tx| service::update(tx, &who, id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(org))
}

/// Deletes the organization; its contacts and cases stay, without it.
#[utoipa::path(delete, path = "/api/v1/organizations/{id}", tag = "customers",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[delete("/organizations/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<OrganizationId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db
        .write(move |tx| service::delete(tx, &who, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The organization's contacts.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/contacts", tag = "customers",
    params(("id" = i64, Path)),
    responses((status = 200, body = ItemList<Contact>), (status = 404, body = ProblemBody)))]
#[get("/organizations/{id}/contacts")]
pub async fn contacts(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<OrganizationId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db
        .read(move |conn| service::contacts(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}
