use crate::auth::policy::Denied;
use crate::db::StoreError;
use crate::problem::{Answer, Problem};
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

impl Problem for ProjectError {
    fn problem(&self) -> Answer {
        match self {
            ProjectError::NotFound | ProjectError::UserNotFound => Answer::not_found(self),
            ProjectError::KeyTaken => Answer::conflict("duplicate", self).field("key"),
            ProjectError::NameTaken => Answer::conflict("duplicate", self).field("name"),
            ProjectError::ProAgentExclusive => Answer::conflict("pro-agent-exclusive", self),
            ProjectError::NotEmpty => Answer::conflict("project-not-empty", self),
            ProjectError::MembershipInvalid(_) => Answer::unprocessable("membership-invalid", self),
            ProjectError::Invalid(invalid) => invalid.problem(),
            ProjectError::Denied(denied) => denied.problem(),
            ProjectError::Store(store) => store.problem(),
        }
    }
}
