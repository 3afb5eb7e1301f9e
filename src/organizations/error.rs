use crate::auth::policy::Denied;
use crate::db::StoreError;
use crate::problem::{Answer, Problem};
use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum OrganizationError {
    #[error("no such organization")]
    NotFound,
    /// A merge that cannot be done (other client, itself, merged already).
    #[error("{0}")]
    MergeInvalid(&'static str),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for OrganizationError {
    fn from(err: rusqlite::Error) -> Self {
        OrganizationError::Store(err.into())
    }
}

impl Problem for OrganizationError {
    fn problem(&self) -> Answer {
        match self {
            OrganizationError::NotFound => Answer::not_found(self),
            OrganizationError::MergeInvalid(_) => Answer::unprocessable("merge-invalid", self),
            OrganizationError::Invalid(invalid) => invalid.problem(),
            OrganizationError::Denied(denied) => denied.problem(),
            OrganizationError::Store(store) => store.problem(),
        }
    }
}
