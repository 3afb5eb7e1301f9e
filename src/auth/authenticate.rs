//! Who a request is: a bearer token or a session, looked up through the
//! principal cache. The request extractor (`http/extract.rs`) reads the
//! credential from the request and checks the CSRF header.

use super::cache::PrincipalCache;
use super::error::AuthError;
use super::model::Principal;
use super::{service, store, tokens};
use crate::db::Db;

pub const SESSION_COOKIE: &str = "zezaro_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The credential a request carries.
pub enum Credential {
    Bearer(String),
    Session(String),
}

/// The principal of a credential (cached per credential until a write to
/// the principal tables); `ip` is the request's client address.
pub async fn authenticate(
    db: &Db,
    principals: &PrincipalCache,
    credential: Credential,
    ip: Option<String>,
) -> Result<Principal, AuthError> {
    let key = match &credential {
        Credential::Bearer(token) => format!("t:{}", tokens::token_hash(token)),
        Credential::Session(token) => format!("s:{}", tokens::token_hash(token)),
    };
    let generation = db.generation();
    if let Some(mut principal) = principals.get(&key, generation) {
        principal.ip = ip;
        return Ok(principal);
    }
    let lookup = key.clone();
    let (principal, stale_token) = db
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
    principals.insert(key, principal.clone(), generation);
    if let Some(token_id) = stale_token {
        // Recorded in the background: the request does not wait for a write.
        let db = db.clone();
        actix_web::rt::spawn(async move {
            let _ = db
                .write(move |tx| store::touch_token(tx, token_id).map_err(AuthError::from))
                .await;
        });
    }
    Ok(Principal { ip, ..principal })
}
