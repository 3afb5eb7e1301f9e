use actix_web::{HttpResponse, delete, get, put, web};

use super::model::{Plan, PlanInput, PlanSaved, PlanVersion};
use super::service;
use crate::auth::Principal;
use crate::http::{ApiError, ItemList, ProblemBody, ValidJson};
use crate::ids::ProjectId;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get_plan)
        .service(save_plan)
        .service(remove_plan)
        .service(plan_versions);
}

/// The project's distribution plan: which team takes new cases of each
/// topic and channel (client admins; the project's lead reads).
#[utoipa::path(get, path = "/api/v1/projects/{id}/distribution", tag = "distribution",
    params(("id" = i64, Path)),
    responses((status = 200, body = Plan), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/projects/{id}/distribution")]
pub async fn get_plan(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let plan = state
        .db
        .read(move |conn| service::get(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(plan))
}

/// A new version of the plan, in force for new cases at once; the project's
/// open cases stay, or their unassigned ones or all move as `open_cases`
/// says: after the answer, in the background in short batches (`moving`;
/// live `case` events for each moved case).
#[utoipa::path(put, path = "/api/v1/projects/{id}/distribution", tag = "distribution",
    params(("id" = i64, Path)), request_body = PlanInput,
    responses((status = 200, body = PlanSaved), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "version-conflict"), (status = 422, body = ProblemBody)))]
#[put("/projects/{id}/distribution")]
pub async fn save_plan(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
    body: ValidJson<PlanInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let saved = state
        .db
        .write(move |tx| service::save(tx, &who, id, body.into_inner()))
        .await?;
    if saved.moving {
        super::mover::wake(&state.services);
    }
    // Open live monitors show the plan in force now.
    state.monitor.mark(id);
    Ok(HttpResponse::Ok().json(saved))
}

/// Every saved version of the plan, newest first: who changed it when, and
/// what it did to the open cases.
#[utoipa::path(get, path = "/api/v1/projects/{id}/distribution/versions", tag = "distribution",
    params(("id" = i64, Path)),
    responses((status = 200, body = ItemList<PlanVersion>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/projects/{id}/distribution/versions")]
pub async fn plan_versions(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db
        .read(move |conn| service::versions(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RemoveQuery {
    /// The version the caller saw; another current version answers 409
    /// `version-conflict`.
    pub expected_version: Option<i64>,
}

/// Removes the project's plan and all its versions: new cases go to the
/// own team, and the provider agents of the project see every provider
/// case again. The open cases keep their teams.
#[utoipa::path(delete, path = "/api/v1/projects/{id}/distribution", tag = "distribution",
    params(("id" = i64, Path), RemoveQuery),
    responses((status = 204), (status = 403, body = ProblemBody),
        (status = 404, body = ProblemBody, description = "no such project, or plan-not-found"),
        (status = 409, body = ProblemBody, description = "version-conflict")))]
#[delete("/projects/{id}/distribution")]
pub async fn remove_plan(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
    query: web::Query<RemoveQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let expected = query.expected_version;
    state
        .db
        .write(move |tx| service::remove(tx, &who, id, expected))
        .await?;
    state.monitor.mark(id);
    Ok(HttpResponse::NoContent().finish())
}
