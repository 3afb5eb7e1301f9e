use super::policy::Denied;
use crate::db::StoreError;
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
