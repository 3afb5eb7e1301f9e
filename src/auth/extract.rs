//! `Principal` as a request extractor: a bearer token or the session cookie,
//! and for a cookie on a state-changing request, the CSRF header.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use super::error::AuthError;
use super::model::Principal;
use super::{service, store, tokens};
use crate::http::ApiError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "zezaro_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

enum Credential {
    Bearer(String),
    Session(String),
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let credential = credential(req);
        let ip = crate::http::client_ip::of_request(req).map(|ip| ip.to_string());
        let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        let csrf_header = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::from(AuthError::Unauthenticated))?;
            let credential = credential.ok_or(AuthError::Unauthenticated)?;
            let principal = authenticate(&state, credential, ip).await?;
            if unsafe_method && let Some(session) = &principal.session {
                let sent = csrf_header.unwrap_or_default();
                if !tokens::secrets_equal(&sent, &session.csrf_token) {
                    return Err(AuthError::Csrf.into());
                }
            }
            Ok(principal)
        })
    }
}

fn credential(req: &HttpRequest) -> Option<Credential> {
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let value = value.to_str().ok()?;
        let (scheme, token) = value.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| Credential::Bearer(token.trim().to_string()));
    }
    req.cookie(SESSION_COOKIE)
        .map(|c| Credential::Session(c.value().to_string()))
}

async fn authenticate(
    state: &AppState,
    credential: Credential,
    ip: Option<String>,
) -> Result<Principal, AuthError> {
    let key = match &credential {
        Credential::Bearer(token) => format!("t:{}", tokens::token_hash(token)),
        Credential::Session(token) => format!("s:{}", tokens::token_hash(token)),
    };
    let generation = state.db.generation();
    if let Some(mut principal) = state.principals.get(&key, generation) {
        principal.ip = ip;
        return Ok(principal);
    }
    let lookup = key.clone();
    let (principal, stale_token) = state
        .db
        .read(move |conn| {
            let (session, hash) = (lookup.starts_with("s:"), &lookup[2..]);
            let row = if session {
                store::by_session(conn, hash)?
            } else {
                store::by_api_token(conn, hash)?
            };
            let row = row.ok_or(AuthError::Unauthenticated)?;
            let stale_token = (!session && service::token_use_stale(row.extra.as_deref()))
                .then_some(row.credential_id);
            Ok::<_, AuthError>((service::principal(conn, row, session, None)?, stale_token))
        })
        .await?;
    state.principals.insert(key, principal.clone(), generation);
    if let Some(token_id) = stale_token {
        // Recorded in the background: the request does not wait for a write.
        let db = state.db.clone();
        actix_web::rt::spawn(async move {
            let _ = db
                .write(move |tx| store::touch_token(tx, token_id).map_err(AuthError::from))
                .await;
        });
    }
    Ok(Principal { ip, ..principal })
}
