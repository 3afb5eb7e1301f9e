use actix_web::{HttpResponse, get, post, put, web};

use super::model::{
    AgentRouting, AgentRoutingInput, AvailabilityInput, ChannelMode, ModeInput, MyAvailability,
    ProjectRouting, QueuedCase, RoutingSettings,
};
use super::{RoutingError, service};
use crate::auth::Principal;
use crate::cases::Channel;
use crate::http::{ApiError, ItemList, ProblemBody, ValidJson};
use crate::ids::{ProjectId, UserId};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(project_routing)
        .service(set_mode)
        .service(queue)
        .service(get_agent)
        .service(set_agent)
        .service(get_me)
        .service(set_me)
        .service(activity)
        .service(get_settings)
        .service(set_settings);
}

/// Runs a routing write; the cases it assigned are announced after the
/// commit (`CaseHub::write`).
async fn write<T, F>(state: &web::Data<AppState>, f: F) -> Result<T, RoutingError>
where
    T: Send + 'static,
    F: FnOnce(&rusqlite::Transaction) -> Result<T, RoutingError> + Send + 'static,
{
    state.cases.write(&state.db, move |tx, _| f(tx)).await
}

/// A project's routing: the mode per channel, its agents with availability,
/// skills, capacities and open cases, the queue's length (client admins and
/// the project's lead).
#[utoipa::path(get, path = "/api/v1/projects/{id}/routing", tag = "routing",
    params(("id" = i64, Path)),
    responses((status = 200, body = ProjectRouting), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/projects/{id}/routing")]
pub async fn project_routing(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let routing = state
        .db
        .read(move |conn| service::project_routing(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(routing))
}

/// Sets how new cases of a channel reach the project's agents. A push mode
/// routes the channel's open unassigned cases at once; `pull` empties the
/// channel's queue. Audited.
#[utoipa::path(put, path = "/api/v1/projects/{id}/routing/{channel}", tag = "routing",
    params(("id" = i64, Path), ("channel" = Channel, Path)), request_body = ModeInput,
    responses((status = 200, body = ItemList<ChannelMode>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
#[put("/projects/{id}/routing/{channel}")]
pub async fn set_mode(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(ProjectId, Channel)>,
    body: ValidJson<ModeInput>,
) -> Result<HttpResponse, ApiError> {
    let (id, channel) = path.into_inner();
    let items = write(&state, move |tx| {
        service::set_mode(tx, &who, id, channel, body.into_inner())
    })
    .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// The project's cases waiting for an agent, oldest first, with the reason.
#[utoipa::path(get, path = "/api/v1/projects/{id}/routing/queue", tag = "routing",
    params(("id" = i64, Path)),
    responses((status = 200, body = ItemList<QueuedCase>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/projects/{id}/routing/queue")]
pub async fn queue(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db
        .read(move |conn| service::queue(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// An agent's skills, capacities (every channel, defaults filled in) and
/// availability: the platform admin, the agent's client admin (and the
/// client admins of the projects a provider agent works in, reading), the
/// leads of the agent's projects, the agent.
#[utoipa::path(get, path = "/api/v1/routing/agents/{id}", tag = "routing",
    params(("id" = i64, Path)),
    responses((status = 200, body = AgentRouting), (status = 404, body = ProblemBody)))]
#[get("/routing/agents/{id}")]
pub async fn get_agent(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let agent = state
        .db
        .read(move |conn| service::agent(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(agent))
}

/// Replaces an agent's skills and capacities (channels not named: the
/// default); the queue of the agent's projects is routed again. Audited.
#[utoipa::path(put, path = "/api/v1/routing/agents/{id}", tag = "routing",
    params(("id" = i64, Path)), request_body = AgentRoutingInput,
    responses((status = 200, body = AgentRouting), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
#[put("/routing/agents/{id}")]
pub async fn set_agent(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<UserId>,
    body: ValidJson<AgentRoutingInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let agent = write(&state, move |tx| {
        service::set_agent(tx, &who, id, body.into_inner())
    })
    .await?;
    Ok(HttpResponse::Ok().json(agent))
}

/// One's own availability.
#[utoipa::path(get, path = "/api/v1/routing/me", tag = "routing",
    responses((status = 200, body = MyAvailability)))]
#[get("/routing/me")]
pub async fn get_me(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    let me = state.db.read(move |conn| service::me(conn, &who)).await?;
    Ok(HttpResponse::Ok().json(me))
}

/// Sets one's own availability (`available`, `away`, `offline`); becoming
/// available routes the waiting cases of one's projects.
#[utoipa::path(put, path = "/api/v1/routing/me", tag = "routing",
    request_body = AvailabilityInput,
    responses((status = 200, body = MyAvailability), (status = 422, body = ProblemBody)))]
#[put("/routing/me")]
pub async fn set_me(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<AvailabilityInput>,
) -> Result<HttpResponse, ApiError> {
    let me = write(&state, move |tx| {
        service::set_me(tx, &who, body.into_inner())
    })
    .await?;
    Ok(HttpResponse::Ok().json(me))
}

/// The workspace's activity ping (at most once a minute on input): keeps
/// an available agent from going away when idle; one marked away by the
/// idle job is available again.
#[utoipa::path(post, path = "/api/v1/routing/me/activity", tag = "routing",
    responses((status = 200, body = MyAvailability)))]
#[post("/routing/me/activity")]
pub async fn activity(
    state: web::Data<AppState>,
    who: Principal,
) -> Result<HttpResponse, ApiError> {
    let me = write(&state, move |tx| service::activity(tx, &who)).await?;
    Ok(HttpResponse::Ok().json(me))
}

/// The platform's routing settings (platform admins).
#[utoipa::path(get, path = "/api/v1/routing/settings", tag = "routing",
    responses((status = 200, body = RoutingSettings), (status = 403, body = ProblemBody)))]
#[get("/routing/settings")]
pub async fn get_settings(
    state: web::Data<AppState>,
    who: Principal,
) -> Result<HttpResponse, ApiError> {
    let settings = state
        .db
        .read(move |conn| service::settings(conn, &who))
        .await?;
    Ok(HttpResponse::Ok().json(settings))
}

/// Changes the platform's routing settings (platform admins). Audited.
#[utoipa::path(put, path = "/api/v1/routing/settings", tag = "routing",
    request_body = RoutingSettings,
    responses((status = 200, body = RoutingSettings), (status = 403, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[put("/routing/settings")]
pub async fn set_settings(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<RoutingSettings>,
) -> Result<HttpResponse, ApiError> {
    let settings = write(&state, move |tx| {
        service::set_settings(tx, &who, body.into_inner())
    })
    .await?;
    Ok(HttpResponse::Ok().json(settings))
}
