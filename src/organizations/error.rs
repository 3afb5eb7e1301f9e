use crate::auth::policy::Denied;
use crate::db::StoreError;
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
