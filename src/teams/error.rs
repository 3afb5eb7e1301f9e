use crate::auth::policy::Denied;
use crate::db::StoreError;
use crate::problem::{Answer, Problem};
use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error("no such team")]
    NotFound,
    #[error("a team with this name exists already")]
    NameTaken,
    #[error("the team still has members; move them to another team first")]
    NotEmpty,
    #[error(
        "a Team Pro team works exclusively for one client, and this team's agents work for several"
    )]
    ProExclusive,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for TeamError {
    fn from(err: rusqlite::Error) -> Self {
        TeamError::Store(err.into())
    }
}

impl Problem for TeamError {
    fn problem(&self) -> Answer {
        match self {
            TeamError::NotFound => Answer::not_found(self),
            TeamError::NameTaken => Answer::conflict("duplicate", self).field("name"),
            TeamError::NotEmpty => Answer::conflict("team-not-empty", self),
            TeamError::ProExclusive => Answer::conflict("pro-agent-exclusive", self),
            TeamError::Invalid(invalid) => invalid.problem(),
            TeamError::Denied(denied) => denied.problem(),
            TeamError::Store(store) => store.problem(),
        }
    }
}
