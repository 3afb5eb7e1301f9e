use crate::auth::policy::Denied;
use crate::db::StoreError;
use crate::problem::{Answer, Problem};
use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum GdprError {
    /// No such contact or project (or one of another client).
    #[error("no such resource")]
    NotFound,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for GdprError {
    fn from(err: rusqlite::Error) -> Self {
        GdprError::Store(err.into())
    }
}

impl Problem for GdprError {
    fn problem(&self) -> Answer {
        match self {
            GdprError::NotFound => Answer::not_found(self),
            GdprError::Invalid(invalid) => invalid.problem(),
            GdprError::Denied(denied) => denied.problem(),
            GdprError::Store(store) => store.problem(),
        }
    }
}
