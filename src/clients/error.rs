use crate::auth::policy::Denied;
use crate::db::StoreError;
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
