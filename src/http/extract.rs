//! `Principal` as a request extractor: a bearer token or the session cookie,
//! and for a cookie on a state-changing request, the CSRF header. Who the
//! credential is, is `auth::authenticate`'s answer.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use super::ApiError;
use crate::auth::authenticate::{CSRF_HEADER, Credential, SESSION_COOKIE, authenticate};
use crate::auth::{AuthError, Principal, tokens};
use crate::state::AppState;

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
            let principal = authenticate(&state.db, &state.principals, credential, ip).await?;
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
