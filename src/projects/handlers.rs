use actix_web::{HttpResponse, delete, get, patch, post, put, web};

use super::model::{Member, MemberInput, NewProject, Project, ProjectPatch};
use super::service;
use crate::auth::Principal;
use crate::http::{ApiError, ItemList, ProblemBody, ValidJson};
use crate::ids::{ProjectId, UserId};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(get_one)
        .service(update)
        .service(remove)
        .service(members)
        .service(put_member)
        .service(remove_member);
}

#[utoipa::path(get, path = "/api/v1/projects", tag = "projects",
    responses((status = 200, body = ItemList<Project>)))]
#[get("/projects")]
pub async fn list(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    let items = state.db.read(move |conn| service::list(conn, &who)).await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", request_body = NewProject,
    responses((status = 201, body = Project), (status = 403, body = ProblemBody), (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[post("/projects")]
pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<NewProject>,
) -> Result<HttpResponse, ApiError> {
    let project = state
        .db
        .write(move |tx| service::create(tx, &who, body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(project))
}

#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "projects",
    params(("id" = i64, Path)),
    responses((status = 200, body = Project), (status = 404, body = ProblemBody)))]
#[get("/projects/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let project = state
        .db
        .read(move |conn| service::get(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(project))
}

#[utoipa::path(patch, path = "/api/v1/projects/{id}", tag = "projects", request_body = ProjectPatch,
    params(("id" = i64, Path)),
    responses((status = 200, body = Project), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[patch("/projects/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
    body: ValidJson<ProjectPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let project = state
        .db
        .write(move |tx| service::update(tx, &who, id, body.into_inner()))
        .await?;
    // An inactive project's mailboxes are not fetched.
    state.mail.sync_all().await;
    Ok(HttpResponse::Ok().json(project))
}

#[utoipa::path(delete, path = "/api/v1/projects/{id}", tag = "projects",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[delete("/projects/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db
        .write(move |tx| service::delete(tx, &who, id))
        .await?;
    // The project's mailboxes went with it.
    state.mail.sync_all().await;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(get, path = "/api/v1/projects/{id}/members", tag = "projects",
    params(("id" = i64, Path)),
    responses((status = 200, body = ItemList<Member>), (status = 404, body = ProblemBody)))]
#[get("/projects/{id}/members")]
pub async fn members(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db
        .read(move |conn| service::members(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// Adds the user to the project, or changes their role in it.
#[utoipa::path(put, path = "/api/v1/projects/{id}/members/{user_id}", tag = "projects", request_body = MemberInput,
    params(("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 200, body = Member), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "pro-agent-exclusive"), (status = 422, body = ProblemBody)))]
#[put("/projects/{id}/members/{user_id}")]
pub async fn put_member(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(ProjectId, UserId)>,
    body: ValidJson<MemberInput>,
) -> Result<HttpResponse, ApiError> {
    let (id, user_id) = path.into_inner();
    let member = state
        .db
        .write(move |tx| service::put_member(tx, &who, id, user_id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(member))
}

#[utoipa::path(delete, path = "/api/v1/projects/{id}/members/{user_id}", tag = "projects",
    params(("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[delete("/projects/{id}/members/{user_id}")]
pub async fn remove_member(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(ProjectId, UserId)>,
) -> Result<HttpResponse, ApiError> {
    let (id, user_id) = path.into_inner();
    state
        .db
        .write(move |tx| service::remove_member(tx, &who, id, user_id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
