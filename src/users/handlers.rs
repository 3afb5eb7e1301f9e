use actix_web::{HttpResponse, delete, get, patch, post, web};

use super::model::{NewUser, User, UserPatch, UserQuery};
use super::service;
use crate::auth::Principal;
use crate::db::blocking;
use crate::http::{ApiError, ItemList, ProblemBody, ValidJson};
use crate::ids::UserId;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(get_one)
        .service(update)
        .service(deactivate);
}

#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserQuery),
    responses((status = 200, body = ItemList<User>)))]
#[get("/users")]
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    query: web::Query<UserQuery>,
) -> Result<HttpResponse, ApiError> {
    let client_id = query.client_id;
    let items = state
        .db
        .read(move |conn| service::list(conn, &who, client_id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = User), (status = 403, body = ProblemBody), (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[post("/users")]
pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<NewUser>,
) -> Result<HttpResponse, ApiError> {
    let preparer = who.clone();
    let new = blocking(move || service::prepare(&preparer, body.into_inner())).await?;
    let user = state
        .db
        .write(move |tx| service::create(tx, &who, new))
        .await?;
    Ok(HttpResponse::Created().json(user))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i64, Path)),
    responses((status = 200, body = User), (status = 404, body = ProblemBody)))]
#[get("/users/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let user = state
        .db
        .read(move |conn| service::get(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(user))
}

#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", request_body = UserPatch,
    params(("id" = i64, Path)),
    responses((status = 200, body = User), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[patch("/users/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<UserId>,
    body: ValidJson<UserPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let preparer = who.clone();
    let patch = blocking(move || service::prepare_patch(&preparer, body.into_inner())).await?;
    let user = state
        .db
        .write(move |tx| service::update(tx, &who, id, patch))
        .await?;
    Ok(HttpResponse::Ok().json(user))
}

/// Deactivates the user and ends their sessions (users are never deleted).
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[delete("/users/{id}")]
pub async fn deactivate(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db
        .write(move |tx| service::deactivate(tx, &who, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
