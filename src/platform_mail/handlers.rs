use actix_web::{HttpRequest, HttpResponse, get, post, put, web};

use super::model::{
    Invitation, LatestInvitation, LinkCheck, PasswordLink, ResetRequest, SenderInput, SenderState,
    SetPassword, TestMailInput, TestMailResult,
};
use super::{PlatformMailError, service, worker};
use crate::auth::{Principal, password, policy, strength};
use crate::db::blocking;
use crate::http::{ApiError, ProblemBody, ValidJson};
use crate::ids::UserId;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get_sender)
        .service(save_sender)
        .service(test_sender)
        .service(invite)
        .service(invitation)
        .service(request_reset)
        .service(check_link)
        .service(set_password);
}

fn client_ip(req: &HttpRequest) -> Option<String> {
    crate::http::client_ip::of_request(req).map(|ip| ip.to_string())
}

/// The platform sender (platform admins only); its password is never
/// answered.
#[utoipa::path(get, path = "/api/v1/platform/mail-sender", tag = "platform-mail",
    responses((status = 200, body = SenderState), (status = 403, body = ProblemBody)))]
#[get("/platform/mail-sender")]
pub async fn get_sender(
    state: web::Data<AppState>,
    who: Principal,
) -> Result<HttpResponse, ApiError> {
    let url = state.config.public_url.clone();
    let answer = state
        .db
        .read(move |conn| service::get_sender(conn, &who, url.as_deref()))
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// Sets the platform sender: the SMTP account the platform's own mail
/// (invitations, password resets) goes out from.
#[utoipa::path(put, path = "/api/v1/platform/mail-sender", tag = "platform-mail", request_body = SenderInput,
    responses((status = 200, body = SenderState), (status = 403, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[put("/platform/mail-sender")]
pub async fn save_sender(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<SenderInput>,
) -> Result<HttpResponse, ApiError> {
    let url = state.config.public_url.clone();
    let sealer = state.sealer.clone();
    let hosts = state.config.mail_allowed_hosts.clone();
    let input = body.into_inner();
    let answer = state
        .db
        .write(move |tx| service::save_sender(tx, &who, &sealer, &hosts, url.as_deref(), input))
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// Sends a test mail through the saved sender at once and answers how it
/// went (the reason when it failed).
#[utoipa::path(post, path = "/api/v1/platform/mail-sender/test", tag = "platform-mail", request_body = TestMailInput,
    responses((status = 200, body = TestMailResult), (status = 403, body = ProblemBody), (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[post("/platform/mail-sender/test")]
pub async fn test_sender(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<TestMailInput>,
) -> Result<HttpResponse, ApiError> {
    policy::manage_platform_mail(&who).map_err(PlatformMailError::from)?;
    let to =
        crate::validation::email("to", &body.into_inner().to).map_err(PlatformMailError::from)?;
    let user_id = who.user_id;
    let locale = state
        .db
        .read(move |conn| -> Result<_, PlatformMailError> {
            if !super::store::has_sender(conn)? {
                return Err(PlatformMailError::NoSender);
            }
            Ok(match user_id {
                Some(id) => crate::users::store::get(conn, id)?.and_then(|u| u.locale),
                None => None,
            })
        })
        .await?;
    let result = match worker::send_test(&state.platform_mail, &to, locale).await {
        Ok(()) => TestMailResult {
            sent: true,
            error: None,
            error_code: None,
        },
        Err(err) => TestMailResult {
            error_code: Some(service::failure_code(&err.message).to_string()),
            error: Some(err.message),
            sent: false,
        },
    };
    Ok(HttpResponse::Ok().json(result))
}

/// Sends the user an invitation: a one-time link (valid 72 hours) to set
/// their password, in their language. Voids the user's earlier links.
/// Allowed to whoever may edit the user.
#[utoipa::path(post, path = "/api/v1/users/{id}/invitation", tag = "users",
    params(("id" = i64, Path)),
    responses((status = 202, body = Invitation), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)))]
#[post("/users/{id}/invitation")]
pub async fn invite(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let sealer = state.sealer.clone();
    let url = state.config.public_url.clone();
    let answer = state
        .db
        .write(move |tx| service::invite(tx, &who, &sealer, url.as_deref(), id))
        .await?;
    state.services.poke(worker::SERVICE_KEY);
    Ok(HttpResponse::Accepted().json(answer))
}

/// The user's latest invitation and its delivery (queued, sent, failed
/// with the reason); `invitation` is null when none was sent.
#[utoipa::path(get, path = "/api/v1/users/{id}/invitation", tag = "users",
    params(("id" = i64, Path)),
    responses((status = 200, body = LatestInvitation), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/users/{id}/invitation")]
pub async fn invitation(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let answer = state
        .db
        .read(move |conn| service::latest_invitation(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// "Forgot password": sends an active user with this address a one-time
/// link (valid one hour). Answered 202 at once whether or not the address
/// is known (the look-up runs after the answer); limited per address and
/// per client address.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "auth", request_body = ResetRequest,
    responses((status = 202), (status = 422, body = ProblemBody), (status = 429, body = ProblemBody)),
    security(()))]
#[post("/auth/password-reset")]
pub async fn request_reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ValidJson<ResetRequest>,
) -> Result<HttpResponse, ApiError> {
    let email = crate::validation::email("email", &body.into_inner().email)
        .map_err(PlatformMailError::from)?;
    let ip = client_ip(&req);
    state
        .reset_throttle
        .take(&email, ip.as_deref())
        .map_err(PlatformMailError::Throttled)?;
    let db = state.db.clone();
    let sealer = state.sealer.clone();
    let url = state.config.public_url.clone();
    let services = state.services.clone();
    actix_web::rt::spawn(async move {
        let queued = db
            .write(move |tx| {
                service::request_reset(tx, &sealer, url.as_deref(), &email, ip.as_deref())
            })
            .await;
        match queued {
            Ok(Some(_)) => services.poke(worker::SERVICE_KEY),
            Ok(None) => {}
            Err(err) => tracing::error!(error = %err, "queueing a password reset failed"),
        }
    });
    Ok(HttpResponse::Accepted().finish())
}

/// Whom an open one-time link is for (the token in the body, not the
/// URL, so it stays out of logs); `410` as for setting the password when
/// the link does not work (any more). Uses nothing up.
#[utoipa::path(post, path = "/api/v1/auth/password-link", tag = "auth", request_body = LinkCheck,
    responses((status = 200, body = PasswordLink), (status = 410, body = ProblemBody)),
    security(()))]
#[post("/auth/password-link")]
pub async fn check_link(
    state: web::Data<AppState>,
    body: ValidJson<LinkCheck>,
) -> Result<HttpResponse, ApiError> {
    let token = body.into_inner().token;
    let link = state
        .db
        .read(move |conn| {
            service::check_token(conn, &token).map(|(row, user)| PasswordLink {
                email: user.email,
                name: user.name,
                purpose: row.purpose,
                expires_at: row.expires_at,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(link))
}

/// Sets a new password through a one-time link (invitation or reset):
/// the link is used up, the user's other links are voided and all their
/// sessions and API tokens end. `410` with `token-invalid`, `token-used`
/// or `token-expired` when the link does not work (any more).
#[utoipa::path(post, path = "/api/v1/auth/set-password", tag = "auth", request_body = SetPassword,
    responses((status = 204), (status = 410, body = ProblemBody), (status = 422, body = ProblemBody)),
    security(()))]
#[post("/auth/set-password")]
pub async fn set_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ValidJson<SetPassword>,
) -> Result<HttpResponse, ApiError> {
    let SetPassword { token, password } = body.into_inner();
    let check = token.clone();
    let user = state
        .db
        .read(move |conn| service::check_token(conn, &check).map(|(_, user)| user))
        .await?;
    // Checked and hashed (slowly) outside the write transaction.
    let hash = blocking(move || -> Result<String, PlatformMailError> {
        strength::check_new("password", &password, &[&user.email, &user.name])?;
        Ok(password::hash(&password))
    })
    .await?;
    let ip = client_ip(&req);
    state
        .db
        .write(move |tx| service::set_password(tx, &token, &hash, ip.as_deref()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
