use actix_web::{HttpResponse, delete, get, post, put, web};

use super::model::{
    AgentMoveInput, AgentState, AssignmentInput, BroadcastInput, Correction, CorrectionInput,
    LogEntry, MonitorSnapshot, MyState, ProductiveReport, ProjectSeats, ReassignInput, ReportQuery,
    Seat, SeatInput, StateInput, StateSettings, StateSettingsInput,
};
use super::{WorkforceError, monitor, productive, seats, settings, states};
use crate::auth::Principal;
use crate::http::{ApiError, ItemList, ProblemBody, ValidJson};
use crate::ids::{ClientId, ProjectId, UserId};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get_me)
        .service(set_me)
        .service(heartbeat)
        .service(get_settings)
        .service(set_settings)
        .service(state_log)
        .service(productive_time)
        .service(add_correction)
        .service(list_seats)
        .service(create_seat)
        .service(update_seat)
        .service(delete_seat)
        .service(assign_seat)
        .service(unassign_seat)
        .service(get_monitor)
        .service(reassign)
        .service(move_agent)
        .service(broadcast);
}

/// A write whose live events (state changes, cases) go out after the commit.
async fn write<T, F>(state: &web::Data<AppState>, f: F) -> Result<T, WorkforceError>
where
    T: Send + 'static,
    F: FnOnce(
            &rusqlite::Transaction,
            &mut crate::cases::events::Announcements,
        ) -> Result<T, WorkforceError>
        + Send
        + 'static,
{
    state.cases.write(&state.db, f).await
}

/// One's own state, the break reasons to choose from, productive time today.
#[utoipa::path(get, path = "/api/v1/workforce/me", tag = "workforce",
    responses((status = 200, body = MyState)))]
#[get("/workforce/me")]
pub async fn get_me(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    let me = state.db.read(move |conn| states::mine(conn, &who)).await?;
    Ok(HttpResponse::Ok().json(me))
}

/// Sets one's own state (the switcher; the workspace sets `on-case` while
/// a case is open and `after-work` after it). Becoming available routes
/// the waiting cases of one's projects.
#[utoipa::path(put, path = "/api/v1/workforce/me", tag = "workforce", request_body = StateInput,
    responses((status = 200, body = MyState), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[put("/workforce/me")]
pub async fn set_me(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<StateInput>,
) -> Result<HttpResponse, ApiError> {
    let me = write(&state, move |tx, _| {
        states::set_mine(tx, &who, body.into_inner())
    })
    .await?;
    Ok(HttpResponse::Ok().json(me))
}

/// The open workspace's sign of life (every `heartbeat_seconds`); without
/// one for the platform's `offline_after_seconds` the agent goes offline.
#[utoipa::path(post, path = "/api/v1/workforce/me/heartbeat", tag = "workforce",
    responses((status = 204)))]
#[post("/workforce/me/heartbeat")]
pub async fn heartbeat(
    state: web::Data<AppState>,
    who: Principal,
) -> Result<HttpResponse, ApiError> {
    // A lost heartbeat is harmless: no sync to disk for it.
    state
        .db
        .write_unsynced(move |tx| states::heartbeat(tx, &who))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A client's state settings and break reasons (its admin, the leads of
/// its projects).
#[utoipa::path(get, path = "/api/v1/clients/{id}/workforce-settings", tag = "workforce",
    params(("id" = i64, Path)),
    responses((status = 200, body = StateSettings), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/clients/{id}/workforce-settings")]
pub async fn get_settings(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ClientId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let s = state
        .db
        .read(move |conn| settings::get(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(s))
}

/// Changes a client's state settings and break reasons (its admin).
/// Audited.
#[utoipa::path(put, path = "/api/v1/clients/{id}/workforce-settings", tag = "workforce",
    params(("id" = i64, Path)), request_body = StateSettingsInput,
    responses((status = 200, body = StateSettings), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
#[put("/clients/{id}/workforce-settings")]
pub async fn set_settings(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ClientId>,
    body: ValidJson<StateSettingsInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let s = state
        .db
        .write(move |tx| settings::set(tx, &who, id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(s))
}

/// The state log, newest first (at most 5,000 rows): the client's admin and
/// the project's lead see their projects' agents, an agent themselves.
#[utoipa::path(get, path = "/api/v1/workforce/state-log", tag = "workforce", params(ReportQuery),
    responses((status = 200, body = ItemList<LogEntry>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
#[get("/workforce/state-log")]
pub async fn state_log(
    state: web::Data<AppState>,
    who: Principal,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let items = state
        .db
        .read(move |conn| productive::log(conn, &who, &query))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// Productive time per agent, project and day (at most 31 days), with the
/// lead's corrections: the client's admin and the project's lead see their
/// projects' agents, an agent themselves.
#[utoipa::path(get, path = "/api/v1/workforce/productive-time", tag = "workforce", params(ReportQuery),
    responses((status = 200, body = ProductiveReport), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
#[get("/workforce/productive-time")]
pub async fn productive_time(
    state: web::Data<AppState>,
    who: Principal,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let report = state
        .db
        .read(move |conn| productive::report(conn, &who, &query, chrono::Utc::now()))
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// Corrects an agent's productive time on a day, with a reason (the
/// project's lead); the log stays as it is. Audited.
#[utoipa::path(post, path = "/api/v1/workforce/productive-time/corrections", tag = "workforce",
    request_body = CorrectionInput,
    responses((status = 201, body = Correction), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
#[post("/workforce/productive-time/corrections")]
pub async fn add_correction(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<CorrectionInput>,
) -> Result<HttpResponse, ApiError> {
    let c = state
        .db
        .write(move |tx| productive::correct(tx, &who, body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(c))
}

/// The project's seats with their agents (the client's admin, the lead).
#[utoipa::path(get, path = "/api/v1/projects/{id}/seats", tag = "workforce",
    params(("id" = i64, Path)),
    responses((status = 200, body = ProjectSeats), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/projects/{id}/seats")]
pub async fn list_seats(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let s = state
        .db
        .read(move |conn| seats::list(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(s))
}

/// A new seat (the project's lead). Audited.
#[utoipa::path(post, path = "/api/v1/projects/{id}/seats", tag = "workforce",
    params(("id" = i64, Path)), request_body = SeatInput,
    responses((status = 201, body = Seat), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
#[post("/projects/{id}/seats")]
pub async fn create_seat(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
    body: ValidJson<SeatInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let seat = state
        .db
        .write(move |tx| seats::create(tx, &who, id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(seat))
}

/// Changes a seat (the project's lead). Audited.
#[utoipa::path(put, path = "/api/v1/seats/{id}", tag = "workforce",
    params(("id" = i64, Path)), request_body = SeatInput,
    responses((status = 200, body = Seat), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[put("/seats/{id}")]
pub async fn update_seat(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ValidJson<SeatInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let seat = state
        .db
        .write(move |tx| seats::update(tx, &who, id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(seat))
}

/// Deletes a seat with its assignments (the project's lead). Audited.
#[utoipa::path(delete, path = "/api/v1/seats/{id}", tag = "workforce",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[delete("/seats/{id}")]
pub async fn delete_seat(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db
        .write(move |tx| seats::delete(tx, &who, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Gives the seat to a provider agent of its team for a period: 409
/// `seat-taken` when it is filled then, `pro-exclusive` when a Team Pro
/// agent holds another client's seat then. Audited.
#[utoipa::path(post, path = "/api/v1/seats/{id}/assignments", tag = "workforce",
    params(("id" = i64, Path)), request_body = AssignmentInput,
    responses((status = 201, body = Seat), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[post("/seats/{id}/assignments")]
pub async fn assign_seat(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ValidJson<AssignmentInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let seat = state
        .db
        .write(move |tx| seats::assign(tx, &who, id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(seat))
}

/// Ends an assignment (removes it). Audited.
#[utoipa::path(delete, path = "/api/v1/seat-assignments/{id}", tag = "workforce",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[delete("/seat-assignments/{id}")]
pub async fn unassign_seat(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db
        .write(move |tx| seats::unassign(tx, &who, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The project's live monitor now (the client's admin, the lead, the
/// platform admin); changes follow on `GET /events?monitor={id}`.
#[utoipa::path(get, path = "/api/v1/projects/{id}/monitor", tag = "workforce",
    params(("id" = i64, Path)),
    responses((status = 200, body = MonitorSnapshot), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/projects/{id}/monitor")]
pub async fn get_monitor(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let s = state
        .db
        .read(move |conn| monitor::get(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(s))
}

/// From the monitor: gives a case of the project to an agent (`null`: back
/// to the queue). Audited.
#[utoipa::path(post, path = "/api/v1/projects/{id}/monitor/reassign", tag = "workforce",
    params(("id" = i64, Path)), request_body = ReassignInput,
    responses((status = 200, body = crate::cases::Case), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
#[post("/projects/{id}/monitor/reassign")]
pub async fn reassign(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
    body: ValidJson<ReassignInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let case = write(&state, move |tx, announce| {
        monitor::reassign(tx, &who, id, body.into_inner(), announce)
    })
    .await?;
    Ok(HttpResponse::Ok().json(case))
}

/// From the monitor: sets an agent's state, or moves them to another of
/// their projects. Audited.
#[utoipa::path(put, path = "/api/v1/projects/{id}/monitor/agents/{user_id}", tag = "workforce",
    params(("id" = i64, Path), ("user_id" = i64, Path)), request_body = AgentMoveInput,
    responses((status = 200, body = AgentState), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
#[put("/projects/{id}/monitor/agents/{user_id}")]
pub async fn move_agent(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(ProjectId, UserId)>,
    body: ValidJson<AgentMoveInput>,
) -> Result<HttpResponse, ApiError> {
    let (id, user_id) = path.into_inner();
    let s = write(&state, move |tx, _| {
        monitor::move_agent(tx, &who, id, user_id, body.into_inner())
    })
    .await?;
    Ok(HttpResponse::Ok().json(s))
}

/// From the monitor: a message to the project's agents, published as a
/// work instruction of the project. Audited.
#[utoipa::path(post, path = "/api/v1/projects/{id}/monitor/broadcast", tag = "workforce",
    params(("id" = i64, Path)), request_body = BroadcastInput,
    responses((status = 201, body = crate::instructions::model::Instruction), (status = 403, body = ProblemBody),
        (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[post("/projects/{id}/monitor/broadcast")]
pub async fn broadcast(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
    body: ValidJson<BroadcastInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let sent = write(&state, move |tx, announce| {
        monitor::broadcast(tx, &who, id, body.into_inner(), announce)
    })
    .await?;
    Ok(HttpResponse::Created().json(sent))
}
