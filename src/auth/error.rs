use super::policy::Denied;
use crate::db::StoreError;
use crate::problem::{Answer, Problem};
use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("e-mail address or password is wrong")]
    InvalidCredentials,
    #[error("too many failed logins; try again in {0} seconds")]
    Throttled(u64),
    #[error("sign in first (session cookie or Authorization: Bearer token)")]
    Unauthenticated,
    #[error("missing or wrong X-CSRF-Token header")]
    Csrf,
    #[error("no such token")]
    TokenNotFound,
    #[error("current_password: the current password is wrong")]
    WrongPassword,
    #[error(transparent)]
    Password(#[from] super::strength::PasswordRejected),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for AuthError {
    fn from(err: rusqlite::Error) -> Self {
        AuthError::Store(err.into())
    }
}

impl Problem for AuthError {
    fn problem(&self) -> Answer {
        match self {
            AuthError::InvalidCredentials => Answer::new(401, "invalid-credentials", self),
            AuthError::Throttled(seconds) => {
                Answer::new(429, "too-many-attempts", self).retry_after(*seconds)
            }
            AuthError::Unauthenticated => Answer::new(401, "unauthenticated", self),
            AuthError::Csrf => Answer::new(403, "csrf", self),
            AuthError::TokenNotFound => Answer::not_found(self),
            AuthError::WrongPassword => {
                Answer::unprocessable("wrong-password", self).field("current_password")
            }
            AuthError::Password(rejected) => rejected.problem(),
            AuthError::Invalid(invalid) => invalid.problem(),
            AuthError::Denied(denied) => denied.problem(),
            AuthError::Store(store) => store.problem(),
        }
    }
}
