use crate::auth::policy::Denied;
use crate::db::StoreError;
use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error("no such project")]
    NotFound,
    #[error("no such user")]
    UserNotFound,
    #[error("the project key is taken by another project")]
    KeyTaken,
    #[error("the client has a project with this name already")]
    NameTaken,
    #[error(
        "a Team Pro agent works exclusively for one client and is already a member of another client's project"
    )]
    ProAgentExclusive,
    #[error("the project still has cases; it cannot be deleted")]
    NotEmpty,
    #[error("{0}")]
    MembershipInvalid(&'static str),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for ProjectError {
    fn from(err: rusqlite::Error) -> Self {
        ProjectError::Store(err.into())
    }
}
