use crate::ids::UserId;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::authenticate::SESSION_COOKIE;
use super::model::{LoginInput, Me, NewToken, PasswordChange, Principal, TokenCreated, TokenInfo};
use super::service::{self, ClientInfo};
use crate::audit::Actor;
use crate::config::SecureCookies;
use crate::http::{ApiError, ItemList, ProblemBody, ValidJson};
use crate::state::AppState;
use crate::users::{Locale, User};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(login)
        .service(logout)
        .service(me)
        .service(update_me)
        .service(list_tokens)
        .service(create_token)
        .service(revoke_token)
        .service(change_password)
        .service(list_user_tokens)
        .service(revoke_user_token);
}

fn cookie_secure(req: &HttpRequest, state: &AppState) -> bool {
    match state.config.secure_cookies {
        SecureCookies::Always => true,
        SecureCookies::Never => false,
        SecureCookies::Auto => req.connection_info().scheme() == "https",
    }
}

/// Signs in with e-mail and password and sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginInput,
    responses((status = 200, body = Me), (status = 401, body = ProblemBody), (status = 429, body = ProblemBody)),
    security(()))]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ValidJson<LoginInput>,
) -> Result<HttpResponse, ApiError> {
    let client = ClientInfo {
        ip: crate::http::client_ip::of_request(&req).map(|ip| ip.to_string()),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(300).collect()),
    };
    let outcome = service::login(
        &state.db,
        &state.throttle,
        state.config.session_hours,
        body.into_inner(),
        client,
    )
    .await?;
    let cookie = Cookie::build(SESSION_COOKIE, outcome.session_token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(cookie_secure(&req, &state))
        .max_age(CookieDuration::hours(i64::from(state.config.session_hours)))
        .finish();
    Ok(HttpResponse::Ok().cookie(cookie).json(outcome.me))
}

/// Ends the session and clears the cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204)))]
#[post("/auth/logout")]
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
) -> Result<HttpResponse, ApiError> {
    // The agent's state change is announced after the commit.
    state
        .cases
        .write(&state.db, move |tx, _| service::logout(tx, &who))
        .await?;
    let mut cookie = Cookie::build(SESSION_COOKIE, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(cookie_secure(&req, &state))
        .finish();
    cookie.make_removal();
    Ok(HttpResponse::NoContent().cookie(cookie).finish())
}

/// The signed-in user, their client, projects and permissions.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = ProblemBody)))]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    let me = state.db.read(move |conn| service::me(conn, &who)).await?;
    Ok(HttpResponse::Ok().json(me))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MePatch {
    pub locale: Locale,
}

/// Saves the user's language.
#[utoipa::path(patch, path = "/api/v1/me", tag = "auth", request_body = MePatch,
    responses((status = 200, body = User)))]
#[patch("/me")]
pub async fn update_me(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<MePatch>,
) -> Result<HttpResponse, ApiError> {
    let locale = body.into_inner().locale;
    let user = state
        .db
        .write(move |tx| crate::users::service::set_own_locale(tx, &who, locale))
        .await?;
    Ok(HttpResponse::Ok().json(user))
}

/// The signed-in user's API tokens (never the secrets).
#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "auth",
    responses((status = 200, body = ItemList<TokenInfo>)))]
#[get("/me/tokens")]
pub async fn list_tokens(
    state: web::Data<AppState>,
    who: Principal,
) -> Result<HttpResponse, ApiError> {
    let items = state
        .db
        .read(move |conn| service::list_tokens(conn, &who))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// Creates an API token for the signed-in user; the token is shown once.
/// It expires after `expires_in_days` (default 365; `0`: never).
#[utoipa::path(post, path = "/api/v1/me/tokens", tag = "auth", request_body = NewToken,
    responses((status = 201, body = TokenCreated), (status = 422, body = ProblemBody)))]
#[post("/me/tokens")]
pub async fn create_token(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<NewToken>,
) -> Result<HttpResponse, ApiError> {
    let created = state
        .db
        .write(move |tx| {
            service::create_token(tx, &Actor::from(&who), who.user()?, body.into_inner())
        })
        .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", tag = "auth",
    responses((status = 204), (status = 404, body = ProblemBody)))]
#[delete("/me/tokens/{id}")]
pub async fn revoke_token(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db
        .write(move |tx| service::revoke_token(tx, &who, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Changes the signed-in user's password. The current password is
/// required; every other session and every API token of the user is
/// revoked, the calling session stays signed in.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth", request_body = PasswordChange,
    responses((status = 204), (status = 401, body = ProblemBody), (status = 422, body = ProblemBody),
        (status = 429, body = ProblemBody)))]
#[post("/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    service::change_password(&state.db, &state.throttle, who, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A user's API tokens, for their admin: platform admins see anyone's,
/// client admins those of their client's users.
#[utoipa::path(get, path = "/api/v1/users/{id}/tokens", tag = "users",
    params(("id" = i64, Path)),
    responses((status = 200, body = ItemList<TokenInfo>), (status = 403, body = ProblemBody),
        (status = 404, body = ProblemBody)))]
#[get("/users/{id}/tokens")]
pub async fn list_user_tokens(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let user_id = id.into_inner();
    let items = state
        .db
        .read(move |conn| service::list_user_tokens(conn, &who, user_id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// Revokes one of a user's API tokens (their admin); audited.
#[utoipa::path(delete, path = "/api/v1/users/{id}/tokens/{token_id}", tag = "users",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[delete("/users/{id}/tokens/{token_id}")]
pub async fn revoke_user_token(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(UserId, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (user_id, token_id) = path.into_inner();
    state
        .db
        .write(move |tx| service::revoke_user_token(tx, &who, user_id, token_id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
