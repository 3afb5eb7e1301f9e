use actix_web::{HttpResponse, get, patch, post, web};

use super::{NewTopic, Topic, TopicPatch};
use crate::auth::Principal;
use crate::http::{ApiError, ItemList, ProblemBody, ValidJson};
use crate::ids::ProjectId;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(create).service(update);
}

#[utoipa::path(get, path = "/api/v1/projects/{id}/topics", tag = "projects",
    params(("id" = i64, Path)),
    responses((status = 200, body = ItemList<Topic>), (status = 404, body = ProblemBody)))]
#[get("/projects/{id}/topics")]
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db
        .read(move |conn| super::list(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

#[utoipa::path(post, path = "/api/v1/projects/{id}/topics", tag = "projects", request_body = NewTopic,
    params(("id" = i64, Path)),
    responses((status = 201, body = Topic), (status = 403, body = ProblemBody), (status = 409, body = ProblemBody)))]
#[post("/projects/{id}/topics")]
pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
    body: ValidJson<NewTopic>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let topic = state
        .db
        .write(move |tx| super::create(tx, &who, id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(topic))
}

/// Renames, reorders or deactivates a topic (topics are never deleted:
/// cases and time records refer to them).
#[utoipa::path(patch, path = "/api/v1/topics/{id}", tag = "projects", request_body = TopicPatch,
    responses((status = 200, body = Topic), (status = 404, body = ProblemBody)))]
#[patch("/topics/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ValidJson<TopicPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let topic = state
        .db
        .write(move |tx| super::update(tx, &who, id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(topic))
}
