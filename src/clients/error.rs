use crate::auth::policy::Denied;
use crate::db::StoreError;
use crate::problem::{Answer, Problem};
use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("no such client")]
    NotFound,
    #[error("a client with this name exists already")]
    NameTaken,
    #[error(
        "the client still has projects, users, contacts, organizations or erasure records; remove them first"
    )]
    NotEmpty,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for ClientError {
    fn from(err: rusqlite::Error) -> Self {
        ClientError::Store(err.into())
    }
}

impl Problem for ClientError {
    fn problem(&self) -> Answer {
        match self {
            ClientError::NotFound => Answer::not_found(self),
            ClientError::NameTaken => Answer::conflict("duplicate", self).field("name"),
            ClientError::NotEmpty => Answer::conflict("client-not-empty", self),
            ClientError::Invalid(invalid) => invalid.problem(),
            ClientError::Denied(denied) => denied.problem(),
            ClientError::Store(store) => store.problem(),
        }
    }
}
