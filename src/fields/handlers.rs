use actix_web::{HttpResponse, get, patch, post, web};

use super::model::{CustomField, FieldPatch, FieldQuery, NewField};
use crate::auth::Principal;
use crate::http::{ApiError, ItemList, ProblemBody, ValidJson};
use crate::ids::{ClientId, ProjectId};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(update)
        .service(contact_mask);
}

/// The project's data masks (custom fields of cases and contacts) in form
/// order, inactive fields included; everyone who sees the project may read
/// them.
#[utoipa::path(get, path = "/api/v1/projects/{id}/fields", tag = "projects", params(FieldQuery, ("id" = i64, Path)),
    responses((status = 200, body = ItemList<CustomField>), (status = 404, body = ProblemBody)))]
#[get("/projects/{id}/fields")]
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
    query: web::Query<FieldQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let entity = query.into_inner().entity;
    let items = state
        .db
        .read(move |conn| super::service::list(conn, &who, id, entity))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// Adds a field to a data mask (admins and the client's admins).
#[utoipa::path(post, path = "/api/v1/projects/{id}/fields", tag = "projects", request_body = NewField,
    params(("id" = i64, Path)),
    responses((status = 201, body = CustomField), (status = 403, body = ProblemBody),
        (status = 404, body = ProblemBody), (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[post("/projects/{id}/fields")]
pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
    body: ValidJson<NewField>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let field = state
        .db
        .write(move |tx| super::service::create(tx, &who, id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(field))
}

/// Changes, reorders, deactivates or reactivates a field. The key never
/// changes; stored values are never rewritten (deactivated fields keep
/// their values).
#[utoipa::path(patch, path = "/api/v1/fields/{id}", tag = "projects", request_body = FieldPatch,
    responses((status = 200, body = CustomField), (status = 403, body = ProblemBody),
        (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[patch("/fields/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ValidJson<FieldPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let field = state
        .db
        .write(move |tx| super::service::update(tx, &who, id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(field))
}

/// The contact mask of a client: the contact fields of all its projects
/// (where projects share a key, the active, older definition), as used to
/// check contacts' `custom` values.
#[utoipa::path(get, path = "/api/v1/clients/{id}/contact-fields", tag = "customers",
    params(("id" = i64, Path)),
    responses((status = 200, body = ItemList<CustomField>), (status = 404, body = ProblemBody)))]
#[get("/clients/{id}/contact-fields")]
pub async fn contact_mask(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ClientId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db
        .read(move |conn| super::service::client_contact_mask(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}
