use actix_web::{HttpResponse, delete, get, patch, post, web};

use super::model::{NewTeam, Team, TeamPatch};
use super::service;
use crate::auth::Principal;
use crate::http::{ApiError, ItemList, ProblemBody, ValidJson};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(get_one)
        .service(rename)
        .service(remove);
}

#[utoipa::path(get, path = "/api/v1/teams", tag = "teams",
    responses((status = 200, body = ItemList<Team>)))]
#[get("/teams")]
pub async fn list(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    let items = state.db.read(move |conn| service::list(conn, &who)).await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

#[utoipa::path(post, path = "/api/v1/teams", tag = "teams", request_body = NewTeam,
    responses((status = 201, body = Team), (status = 403, body = ProblemBody), (status = 409, body = ProblemBody)))]
#[post("/teams")]
pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<NewTeam>,
) -> Result<HttpResponse, ApiError> {
    let team = state
        .db
        .write(move |tx| service::create(tx, &who, body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(team))
}

#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "teams",
    responses((status = 200, body = Team), (status = 404, body = ProblemBody)))]
#[get("/teams/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let team = state
        .db
        .read(move |conn| service::get(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(team))
}

/// Renames a team; sets a provider team's tariff (Team Pro / Basic).
#[utoipa::path(patch, path = "/api/v1/teams/{id}", tag = "teams", request_body = TeamPatch,
    responses((status = 200, body = Team), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "pro-agent-exclusive"), (status = 422, body = ProblemBody)))]
#[patch("/teams/{id}")]
pub async fn rename(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ValidJson<TeamPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let team = state
        .db
        .write(move |tx| service::rename(tx, &who, id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(team))
}

#[utoipa::path(delete, path = "/api/v1/teams/{id}", tag = "teams",
    responses((status = 204), (status = 409, body = ProblemBody)))]
#[delete("/teams/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db
        .write(move |tx| service::delete(tx, &who, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
