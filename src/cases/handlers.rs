use std::time::Duration;

use crate::ids::CaseId;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use tokio::sync::broadcast::error::RecvError;

use super::events::{Event, PresenceEvent};
use super::model::{
    BulkResult, BulkUpdate, Case, CaseCounts, CaseDetail, CasePage, CasePatch, CaseQuery,
    CountsQuery, FiguresQuery, MessageCreated, MyFigures, NewCase, NewMessage, NewTimeEntry,
    Presence, TimeEntry,
};
use super::service;
use crate::auth::Principal;

use crate::http::{ApiError, ProblemBody, ValidJson};
use crate::state::AppState;

/// Runs a write that changes cases and, once it is committed, tells the
/// workspace about every changed case (live events never announce a change
/// that could still roll back).
async fn change<R, F>(
    state: &AppState,
    who: Principal,
    kind: &'static str,
    f: F,
) -> Result<R, ApiError>
where
    R: Send + 'static,
    F: FnOnce(&rusqlite::Transaction, &Principal) -> Result<(R, Vec<Case>), super::CaseError>
        + Send
        + 'static,
{
    state
        .cases
        .write(&state.db, move |tx, announce| {
            let (result, cases) = f(tx, &who)?;
            for case in &cases {
                announce.case(kind, case, service::client_of(tx, case.project_id)?, &who);
            }
            Ok::<_, super::CaseError>(result)
        })
        .await
        .map_err(ApiError::from)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(counts)
        .service(my_figures)
        .service(create)
        .service(bulk)
        .service(get_one)
        .service(update)
        .service(add_message)
        .service(add_time)
        .service(presence)
        .service(events)
        .service(log_call)
        .service(upload)
        .service(download)
        .service(merge)
        .service(link)
        .service(unlink)
        .service(list_views)
        .service(create_view)
        .service(delete_view);
}

#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(CaseQuery),
    responses((status = 200, body = CasePage), (status = 422, body = ProblemBody)))]
#[get("/cases")]
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    query: web::Query<CaseQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = state
        .db
        .read(move |conn| service::list(conn, &who, &query))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Counts of open cases for the workspace's views.
#[utoipa::path(get, path = "/api/v1/cases/counts", tag = "cases", params(CountsQuery),
    responses((status = 200, body = CaseCounts)))]
#[get("/cases/counts")]
pub async fn counts(
    state: web::Data<AppState>,
    who: Principal,
    query: web::Query<CountsQuery>,
) -> Result<HttpResponse, ApiError> {
    let project_id = query.project_id;
    let counts = state
        .db
        .read(move |conn| service::counts(conn, &who, project_id))
        .await?;
    Ok(HttpResponse::Ok().json(counts))
}

/// The caller's own figures of one local day: cases solved, replies sent,
/// time recorded (the start page's "my figures today").
#[utoipa::path(get, path = "/api/v1/me/figures", tag = "cases", params(FiguresQuery),
    responses((status = 200, body = MyFigures), (status = 422, body = ProblemBody)))]
#[get("/me/figures")]
pub async fn my_figures(
    state: web::Data<AppState>,
    who: Principal,
    query: web::Query<FiguresQuery>,
) -> Result<HttpResponse, ApiError> {
    let user = who.user()?;
    let query = query.into_inner();
    let figures = state
        .db
        .read(move |conn| service::my_figures(conn, user, &query, chrono::Utc::now()))
        .await?;
    Ok(HttpResponse::Ok().json(figures))
}

#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = NewCase,
    responses((status = 201, body = Case), (status = 422, body = ProblemBody)))]
#[post("/cases")]
pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<NewCase>,
) -> Result<HttpResponse, ApiError> {
    let case = change(&state, who, "created", move |tx, who| {
        let case = service::create(tx, who, body.into_inner())?;
        Ok((case.clone(), vec![case]))
    })
    .await?;
    Ok(HttpResponse::Created().json(case))
}

/// Changes many cases at once (assign, status, topic, tags).
#[utoipa::path(post, path = "/api/v1/cases/bulk", tag = "cases", request_body = BulkUpdate,
    responses((status = 200, body = BulkResult), (status = 404, body = ProblemBody)))]
#[post("/cases/bulk")]
pub async fn bulk(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<BulkUpdate>,
) -> Result<HttpResponse, ApiError> {
    let updated = change(&state, who, "updated", move |tx, who| {
        let cases = service::bulk(tx, who, body.into_inner())?;
        Ok((cases.len(), cases))
    })
    .await?;
    Ok(HttpResponse::Ok().json(BulkResult { updated }))
}

/// Everything the case screen shows.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases",
    params(("id" = i64, Path)),
    responses((status = 200, body = CaseDetail), (status = 404, body = ProblemBody)))]
#[get("/cases/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<CaseId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let viewers = state.cases.viewers(id);
    let detail = state
        .db
        .read(move |conn| service::detail(conn, &who, id, viewers))
        .await?;
    Ok(HttpResponse::Ok().json(detail))
}

#[utoipa::path(patch, path = "/api/v1/cases/{id}", tag = "cases", request_body = CasePatch,
    params(("id" = i64, Path)),
    responses((status = 200, body = Case), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody, description = "case-changed")))]
#[patch("/cases/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<CaseId>,
    body: ValidJson<CasePatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let case = change(&state, who, "updated", move |tx, who| {
        let case = service::update(tx, who, id, body.into_inner())?;
        Ok((case.clone(), vec![case]))
    })
    .await?;
    Ok(HttpResponse::Ok().json(case))
}

/// Adds a reply, an internal note or a recorded inbound message.
#[utoipa::path(post, path = "/api/v1/cases/{id}/messages", tag = "cases", request_body = NewMessage,
    params(("id" = i64, Path)),
    responses((status = 201, body = MessageCreated), (status = 409, body = ProblemBody, description = "case-changed")))]
#[post("/cases/{id}/messages")]
pub async fn add_message(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<CaseId>,
    body: ValidJson<NewMessage>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let created = change(&state, who, "message", move |tx, who| {
        let mut created = service::add_message(tx, who, id, body.into_inner())?;
        // Its channel's consumer takes an outbound message in this
        // transaction (a reply by mail is queued with it, and the thread
        // shows where it went).
        crate::channels::dispatch(tx)?;
        created.message = service::message(tx, id, created.message.id)?;
        let case = created.case.clone();
        Ok((created, vec![case]))
    })
    .await?;
    // A reply by mail was queued with it: send it now.
    state.outbox.wake();
    Ok(HttpResponse::Created().json(created))
}

/// Records handling time on the case.
#[utoipa::path(post, path = "/api/v1/cases/{id}/time", tag = "cases", request_body = NewTimeEntry,
    params(("id" = i64, Path)),
    responses((status = 201, body = TimeEntry)))]
#[post("/cases/{id}/time")]
pub async fn add_time(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<CaseId>,
    body: ValidJson<NewTimeEntry>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let entry = state
        .db
        .write(move |tx| service::add_time(tx, &who, id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(entry))
}

/// "I am looking at this case": returns who else is.
#[utoipa::path(post, path = "/api/v1/cases/{id}/presence", tag = "cases",
    params(("id" = i64, Path)),
    responses((status = 200, body = Presence)))]
#[post("/cases/{id}/presence")]
pub async fn presence(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<CaseId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let reader = who.clone();
    let (project_id, client_id) = state
        .db
        .read(move |conn| {
            let case = service::visible_case(conn, &reader, id)?;
            Ok::<_, super::CaseError>((case.project_id, service::client_of(conn, case.project_id)?))
        })
        .await?;
    let (others, all) = state.cases.heartbeat(id, who.user()?, &who.name);
    state.cases.publish(Event::Presence(PresenceEvent {
        case_id: id,
        project_id,
        client_id,
        viewers: all,
    }));
    Ok(HttpResponse::Ok().json(Presence { viewers: others }))
}

/// How long one event stream lasts before the browser reconnects (and is
/// authorized afresh).
const STREAM_LIFETIME: Duration = Duration::from_secs(60);
/// A closed tab's stream is noticed only when a write to it fails, and holds
/// one of the user's stream slots until then: every page of the app now
/// listens (the instruction banner), so a few reloads within the interval
/// would otherwise reach the per-user limit (a write to a closed socket
/// succeeds once, so a closed stream goes after one to two pings). The
/// live monitor's project switch closes a stream each time, hence short.
const PING_EVERY: Duration = Duration::from_secs(2);

/// `GET /events`' query.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// A live monitor of this project (workforce): the stream carries only
    /// its `monitor` events (the client's admin, the project's lead, the
    /// platform admin).
    #[serde(default)]
    pub monitor: Option<crate::ids::ProjectId>,
}

/// Server-Sent Events: `case`, `presence`, `knowledge`, `notification` and
/// `agent-state` events of the projects the caller can see; with
/// `monitor={project}` only that project's `monitor` snapshots (the last
/// one first).
/// At most `event_streams_per_user` streams per user (429 beyond) and
/// `event_streams_total` in all (503 beyond) are open at once.
#[utoipa::path(get, path = "/api/v1/events", tag = "cases", params(EventsQuery),
    responses((status = 200, content_type = "text/event-stream", description = "event: case / event: presence / event: knowledge / event: agent-state / event: monitor"),
        (status = 403, body = ProblemBody, description = "a monitor the caller may not watch"),
        (status = 404, body = ProblemBody, description = "a monitor of a project the caller does not see"),
        (status = 429, body = ProblemBody, description = "the caller's streams are at their limit"),
        (status = 503, body = ProblemBody, description = "the server's streams are at their limit")))]
#[get("/events")]
pub async fn events(
    state: web::Data<AppState>,
    who: Principal,
    query: web::Query<EventsQuery>,
) -> Result<HttpResponse, ApiError> {
    let monitor = match query.into_inner().monitor {
        Some(project_id) => {
            let checking = who.clone();
            state
                .db
                .read(move |conn| crate::workforce::monitor::authorize(conn, &checking, project_id))
                .await?;
            Some(project_id)
        }
        None => None,
    };
    // Held by the stream: the slot is given back when the stream ends.
    let slot = state.cases.open_stream(who.user()?)?;
    let receiver = state.cases.subscribe();
    let closing = state.cases.closing();
    let deadline = tokio::time::Instant::now() + STREAM_LIFETIME;
    let (watch, latest) = match monitor {
        Some(project_id) => {
            let (watch, latest) = state.monitor.watch(project_id);
            (Some(watch), latest)
        }
        None => (None, None),
    };
    let mut first = b"retry: 1000\n: connected\n\n".to_vec();
    if let Some(frame) = latest {
        first.extend_from_slice(&frame);
    }
    let first = Bytes::from(first);
    let stream = futures_util::stream::unfold(
        (receiver, closing, who, Some(first), (slot, watch)),
        move |(mut receiver, mut closing, who, pending, held)| async move {
            if let Some(bytes) = pending {
                return Some((
                    Ok::<_, actix_web::Error>(bytes),
                    (receiver, closing, who, None, held),
                ));
            }
            loop {
                // What to send next; `None` ends the stream.
                let next: Option<Bytes> = tokio::select! {
                    _ = tokio::time::sleep_until(deadline) => None,
                    _ = closing.wait_for(|closed| *closed) => None,
                    _ = tokio::time::sleep(PING_EVERY) => Some(Bytes::from_static(b": ping\n\n")),
                    received = receiver.recv() => match received {
                        Ok(event) => match monitor {
                            // The frame is serialised once for every monitor.
                            Some(project_id) => match &event {
                                Event::Monitor(m) if event.for_monitor(project_id) => Some(m.frame.clone()),
                                _ => continue,
                            },
                            None => {
                                if !event.visible_to(&who) {
                                    continue;
                                }
                                Some(Bytes::from(event.frame()))
                            }
                        },
                        // Too slow a reader: tell it to re-read everything.
                        Err(RecvError::Lagged(_)) => Some(Bytes::from_static(b"event: resync\ndata: {}\n\n")),
                        Err(RecvError::Closed) => None,
                    }
                };
                return next.map(|bytes| (Ok(bytes), (receiver, closing, who, None, held)));
            }
        },
    );
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/event-stream"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        // Compression would hold events back in its buffer.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(stream))
}

/// Logs a phone call as a new case, with wait, talk and after-work time.
#[utoipa::path(post, path = "/api/v1/calls", tag = "cases", request_body = super::calls::NewCall,
    responses((status = 201, body = Case), (status = 422, body = ProblemBody)))]
#[post("/calls")]
pub async fn log_call(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<super::calls::NewCall>,
) -> Result<HttpResponse, ApiError> {
    let case = change(&state, who, "created", move |tx, who| {
        let case = super::calls::log_call(tx, who, body.into_inner())?;
        Ok((case.clone(), vec![case]))
    })
    .await?;
    Ok(HttpResponse::Created().json(case))
}

/// The caller's saved views.
#[utoipa::path(get, path = "/api/v1/views", tag = "cases",
    responses((status = 200, body = crate::http::ItemList<super::views::SavedView>)))]
#[get("/views")]
pub async fn list_views(
    state: web::Data<AppState>,
    who: Principal,
) -> Result<HttpResponse, ApiError> {
    let items = state
        .db
        .read(move |conn| super::views::list(conn, &who))
        .await?;
    Ok(HttpResponse::Ok().json(crate::http::ItemList { items }))
}

#[utoipa::path(post, path = "/api/v1/views", tag = "cases", request_body = super::views::NewView,
    responses((status = 201, body = super::views::SavedView), (status = 422, body = ProblemBody)))]
#[post("/views")]
pub async fn create_view(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<super::views::NewView>,
) -> Result<HttpResponse, ApiError> {
    let view = state
        .db
        .write(move |tx| super::views::create(tx, &who, body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

#[utoipa::path(delete, path = "/api/v1/views/{id}", tag = "cases",
    responses((status = 204), (status = 404, body = ProblemBody)))]
#[delete("/views/{id}")]
pub async fn delete_view(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db
        .write(move |tx| super::views::delete(tx, &who, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadParams {
    /// The file's name.
    pub filename: String,
}

/// Uploads a file to the case (the request body is the file; its
/// Content-Type is kept). Send its id in `attachment_ids` with a message.
#[utoipa::path(post, path = "/api/v1/cases/{id}/attachments", tag = "cases", params(UploadParams, ("id" = i64, Path)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = super::Attachment), (status = 413, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[post("/cases/{id}/attachments")]
pub async fn upload(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<CaseId>,
    params: web::Query<UploadParams>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    // Nobody stores files on a case they cannot see.
    let checker = who.clone();
    state
        .db
        .read(move |conn| service::visible_case(conn, &checker, id).map(|_| ()))
        .await?;
    let content_type = super::attachments::clean_content_type(
        req.headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
    );
    let filename = super::attachments::clean_filename(&params.filename);
    let stored = crate::blobs::BlobStore::new(&state.config.data_dir)
        .store_stream(payload, state.config.max_attachment_bytes)
        .await?;
    let attachment = state
        .db
        .write(move |tx| super::attachments::add(tx, &who, id, &stored, &filename, &content_type))
        .await?;
    Ok(HttpResponse::Created().json(attachment))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DownloadParams {
    /// Show plain images in the browser instead of downloading.
    pub inline: Option<bool>,
}

/// Downloads an attachment. Always sent as a download (plain images may be
/// shown inline), sandboxed, with its type not sniffed.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "cases", params(DownloadParams),
    responses((status = 200, description = "the file"), (status = 404, body = ProblemBody)))]
#[get("/attachments/{id}")]
pub async fn download(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    params: web::Query<DownloadParams>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let blobs = crate::blobs::BlobStore::new(&state.config.data_dir);
    let reader = blobs.clone();
    let mut file = state
        .db
        .read(move |conn| super::attachments::for_download(conn, &reader, &who, id))
        .await?;
    let location = file.location.take().ok_or_else(ApiError::not_found)?;
    let inline = params.inline == Some(true) && super::attachments::inline_safe(&file.content_type);
    crate::http::files::send_stored(
        blobs,
        location,
        &file.filename,
        &file.content_type,
        inline,
        format!("attachment {id}"),
    )
    .await
}

/// Merges this case into another case of the same customer.
#[utoipa::path(post, path = "/api/v1/cases/{id}/merge", tag = "cases", request_body = super::MergeInput,
    params(("id" = i64, Path)),
    responses((status = 200, body = Case, description = "the case merged into"), (status = 422, body = ProblemBody)))]
#[post("/cases/{id}/merge")]
pub async fn merge(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<CaseId>,
    body: ValidJson<super::MergeInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let into = body.into_inner().into_id;
    let target = change(&state, who, "updated", move |tx, who| {
        let (source, target) = super::relations::merge(tx, who, id, into)?;
        Ok((target.clone(), vec![source, target]))
    })
    .await?;
    Ok(HttpResponse::Ok().json(target))
}

/// Links a related case.
#[utoipa::path(post, path = "/api/v1/cases/{id}/links", tag = "cases", request_body = super::LinkInput,
    params(("id" = i64, Path)),
    responses((status = 204), (status = 422, body = ProblemBody)))]
#[post("/cases/{id}/links")]
pub async fn link(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<CaseId>,
    body: ValidJson<super::LinkInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let other = body.into_inner().case_id;
    state
        .db
        .write(move |tx| super::relations::link(tx, &who, id, other))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(delete, path = "/api/v1/cases/{id}/links/{other_id}", tag = "cases",
    params(("id" = i64, Path), ("other_id" = i64, Path)),
    responses((status = 204), (status = 404, body = ProblemBody)))]
#[delete("/cases/{id}/links/{other_id}")]
pub async fn unlink(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(CaseId, CaseId)>,
) -> Result<HttpResponse, ApiError> {
    let (id, other) = path.into_inner();
    state
        .db
        .write(move |tx| super::relations::unlink(tx, &who, id, other))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
