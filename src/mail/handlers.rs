use crate::ids::{CaseId, ProjectId};
use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};

use super::error::MailError;
use super::fetcher::RunReport;
use super::model::{
    CheckResult, ConnectionCheck, ImapSettings, InboundMail, InboundQuery, Mailbox, MailboxCheck,
    MailboxPatch, NewMailbox,
};
use super::service;
use crate::auth::Principal;
use crate::http::{ApiError, ItemList, ProblemBody, ValidJson};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(get_one)
        .service(update)
        .service(remove)
        .service(check)
        .service(check_settings)
        .service(pause)
        .service(resume)
        .service(fetch_now)
        .service(inbound)
        .service(case_mail)
        .service(raw_message);
}

/// The fetcher state says whether a loop runs in this server.
fn with_running(state: &AppState, mut mailbox: Mailbox) -> Mailbox {
    mailbox.fetcher.running = state.mail.is_running(mailbox.id);
    mailbox
}

/// Mailboxes of a project (platform admins and the client's admins).
#[utoipa::path(get, path = "/api/v1/projects/{id}/mailboxes", tag = "mail",
    params(("id" = i64, Path)),
    responses((status = 200, body = ItemList<Mailbox>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/projects/{id}/mailboxes")]
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db
        .read(move |conn| service::list(conn, &who, id))
        .await?;
    let items = items.into_iter().map(|m| with_running(&state, m)).collect();
    Ok(HttpResponse::Ok().json(ItemList::<Mailbox> { items }))
}

/// Adds a mailbox; its passwords are sealed and never answered.
#[utoipa::path(post, path = "/api/v1/projects/{id}/mailboxes", tag = "mail", request_body = NewMailbox,
    params(("id" = i64, Path)),
    responses((status = 201, body = Mailbox), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[post("/projects/{id}/mailboxes")]
pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
    body: ValidJson<NewMailbox>,
) -> Result<HttpResponse, ApiError> {
    let project_id = id.into_inner();
    let sealer = state.sealer.clone();
    let hosts = state.config.mail_allowed_hosts.clone();
    let mailbox = state
        .db
        .write(move |tx| service::create(tx, &who, &sealer, &hosts, project_id, body.into_inner()))
        .await?;
    state.mail.sync(mailbox.id).await;
    Ok(HttpResponse::Created().json(with_running(&state, mailbox)))
}

#[utoipa::path(get, path = "/api/v1/mailboxes/{id}", tag = "mail",
    responses((status = 200, body = Mailbox), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/mailboxes/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let mailbox = state
        .db
        .read(move |conn| service::get(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(with_running(&state, mailbox)))
}

/// Changes settings; a password given replaces the stored one.
#[utoipa::path(patch, path = "/api/v1/mailboxes/{id}", tag = "mail", request_body = MailboxPatch,
    responses((status = 200, body = Mailbox), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[patch("/mailboxes/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ValidJson<MailboxPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let sealer = state.sealer.clone();
    let hosts = state.config.mail_allowed_hosts.clone();
    let mailbox = state
        .db
        .write(move |tx| service::update(tx, &who, &sealer, &hosts, id, body.into_inner()))
        .await?;
    state.mail.sync(id).await;
    Ok(HttpResponse::Ok().json(with_running(&state, mailbox)))
}

/// Deletes the mailbox; cases and raw messages taken from it stay.
#[utoipa::path(delete, path = "/api/v1/mailboxes/{id}", tag = "mail",
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[delete("/mailboxes/{id}")]
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
    state.mail.sync(id).await;
    Ok(HttpResponse::NoContent().finish())
}

/// Connects, logs in and opens the folder with the stored settings; on
/// failure `reason` says why: dns, refused, timeout, tls, login, folder,
/// protocol, host-not-allowed (a private or local network the platform does
/// not allow), plain-not-allowed. `detail` is a fixed sentence per reason:
/// nothing the remote side sent is passed on.
#[utoipa::path(post, path = "/api/v1/mailboxes/{id}/check", tag = "mail",
    responses((status = 200, body = CheckResult), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[post("/mailboxes/{id}/check")]
pub async fn check(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let sealer = state.sealer.clone();
    let settings = state
        .db
        .read(move |conn| service::imap_settings(conn, &who, &sealer, id))
        .await?;
    let result = imap_result(&settings, state.mail.check(&settings).await);
    Ok(HttpResponse::Ok().json(result))
}

fn imap_result(
    settings: &ImapSettings,
    outcome: Result<u32, super::imap::ImapError>,
) -> CheckResult {
    match outcome {
        Ok(messages) => CheckResult {
            ok: true,
            reason: None,
            detail: format!(
                "connected; the folder {:?} has {messages} messages",
                settings.folder
            ),
            messages: Some(messages),
        },
        Err(err) => {
            // What the server said stays in the log.
            tracing::info!(mailbox = settings.mailbox_id, error = ?err, "mailbox check failed");
            CheckResult {
                ok: false,
                reason: Some(err.reason().to_string()),
                detail: err.to_string(),
                messages: None,
            }
        }
    }
}

/// "Verbindung testen" before saving (issue 17): tries the receiving
/// (IMAP: log in, open the folder) and the sending side (SMTP: connect,
/// TLS, log in; nothing is sent) of settings not saved yet, each host
/// checked against the platform's policy first (no private, loopback or
/// link-local network unless `mail_allowed_hosts` allows it). Passwords
/// left empty are the stored ones of `mailbox_id`. Nothing is stored.
#[utoipa::path(post, path = "/api/v1/projects/{id}/mailboxes/check", tag = "mail", request_body = MailboxCheck,
    params(("id" = i64, Path)),
    responses((status = 200, body = ConnectionCheck), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[post("/projects/{id}/mailboxes/check")]
pub async fn check_settings(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
    body: ValidJson<MailboxCheck>,
) -> Result<HttpResponse, ApiError> {
    let project_id = id.into_inner();
    let sealer = state.sealer.clone();
    let input = body.into_inner();
    let (imap, smtp) = state
        .db
        .read(move |conn| service::check_settings(conn, &who, &sealer, project_id, input))
        .await?;
    let imap_outcome = state.mail.check(&imap).await;
    let hosts = state.config.mail_allowed_hosts.clone();
    // We greet with the login's domain, or our own name.
    let hello = smtp
        .username
        .rsplit_once('@')
        .map(|(_, domain)| domain.to_string())
        .unwrap_or_else(|| "localhost".into());
    let smtp_result = match super::smtp::check(&smtp, &hosts, &hello).await {
        Ok(()) => CheckResult {
            ok: true,
            reason: None,
            detail: "connected".into(),
            messages: None,
        },
        Err(err) => CheckResult {
            ok: false,
            reason: Some(super::smtp::failure_code(&err.message).to_string()),
            detail: err.message,
            messages: None,
        },
    };
    Ok(HttpResponse::Ok().json(ConnectionCheck {
        imap: imap_result(&imap, imap_outcome),
        smtp: smtp_result,
    }))
}

async fn set_paused(
    state: web::Data<AppState>,
    who: Principal,
    id: i64,
    paused: bool,
) -> Result<HttpResponse, ApiError> {
    let sealer = state.sealer.clone();
    let hosts = state.config.mail_allowed_hosts.clone();
    let mailbox = state
        .db
        .write(move |tx| service::set_paused(tx, &who, &sealer, &hosts, id, paused))
        .await?;
    state.mail.sync(id).await;
    Ok(HttpResponse::Ok().json(with_running(&state, mailbox)))
}

/// Stops fetching (the mailbox and its settings stay).
#[utoipa::path(post, path = "/api/v1/mailboxes/{id}/pause", tag = "mail",
    responses((status = 200, body = Mailbox), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[post("/mailboxes/{id}/pause")]
pub async fn pause(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    set_paused(state, who, id.into_inner(), true).await
}

#[utoipa::path(post, path = "/api/v1/mailboxes/{id}/resume", tag = "mail",
    responses((status = 200, body = Mailbox), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[post("/mailboxes/{id}/resume")]
pub async fn resume(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    set_paused(state, who, id.into_inner(), false).await
}

/// Fetches now (also when paused) and answers what the run did; a failed
/// connection is 502 `mail-server` with the reason.
#[utoipa::path(post, path = "/api/v1/mailboxes/{id}/fetch", tag = "mail",
    responses((status = 200, body = RunReport), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 502, body = ProblemBody)))]
#[post("/mailboxes/{id}/fetch")]
pub async fn fetch_now(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db
        .read(move |conn| service::get(conn, &who, id))
        .await?;
    let report = state.mail.fetch_now(id).await?;
    Ok(HttpResponse::Ok().json(report))
}

/// Messages taken from the mailbox, newest first; `flagged=true` lists the
/// ones an admin should look at.
#[utoipa::path(get, path = "/api/v1/mailboxes/{id}/inbound", tag = "mail", params(InboundQuery),
    responses((status = 200, body = ItemList<InboundMail>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/mailboxes/{id}/inbound")]
pub async fn inbound(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    query: web::Query<InboundQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let query = query.into_inner();
    let items = state
        .db
        .read(move |conn| service::inbound(conn, &who, id, &query))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList::<InboundMail> { items }))
}

/// The e-mails of a case's thread: marks (auto-reply, bulk, bounce,
/// flagged) and the address of each raw message.
#[utoipa::path(get, path = "/api/v1/cases/{id}/mail", tag = "mail",
    params(("id" = i64, Path)),
    responses((status = 200, body = ItemList<InboundMail>), (status = 404, body = ProblemBody)))]
#[get("/cases/{id}/mail")]
pub async fn case_mail(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<CaseId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db
        .read(move |conn| service::case_mail(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList::<InboundMail> { items }))
}

/// The raw e-mail of a thread message, as received (`message/rfc822`,
/// always a download).
#[utoipa::path(get, path = "/api/v1/cases/{case_id}/messages/{message_id}/raw", tag = "mail",
    params(("case_id" = i64, Path)),
    responses((status = 200, description = "the raw message", content_type = "message/rfc822"), (status = 404, body = ProblemBody)))]
#[get("/cases/{case_id}/messages/{message_id}/raw")]
pub async fn raw_message(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(CaseId, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (case_id, message_id) = path.into_inner();
    let blobs = crate::blobs::BlobStore::new(&state.config.data_dir);
    let reader = blobs.clone();
    let (location, filename) = state
        .db
        .read(move |conn| service::raw_message(conn, &reader, &who, case_id, message_id))
        .await?;
    let missing = |err: std::io::Error| {
        tracing::error!(case = case_id.get(), message = message_id, error = %err, "raw message missing");
        ApiError::from(MailError::Io(err))
    };
    // Read off the async threads; from a pack only the message's range.
    let bytes = tokio::task::spawn_blocking(move || blobs.read(&location))
        .await
        .map_err(|err| missing(std::io::Error::other(err)))?
        .map_err(missing)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "message/rfc822"))
        .insert_header(header::ContentDisposition {
            disposition: header::DispositionType::Attachment,
            parameters: vec![header::DispositionParam::Filename(filename)],
        })
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "sandbox; default-src 'none'",
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .body(bytes))
}
