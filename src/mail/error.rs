use crate::auth::policy::Denied;
use crate::db::StoreError;
use crate::problem::{Answer, Problem};
use crate::validation::Invalid;

/// Errors of mailboxes and ingestion. Mapped to problem details only in
/// `http/errors.rs`.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("no such mailbox")]
    NotFound,
    #[error("no such message")]
    MessageNotFound,
    #[error("this project has a mailbox with this address already")]
    AddressTaken,
    /// A sealed password could not be opened (the data directory's key
    /// changed); the admin must enter it again.
    #[error("the stored password cannot be read; enter it again")]
    Secret(#[from] crate::mail::secrets::SecretError),
    #[error(transparent)]
    Case(#[from] crate::cases::CaseError),
    #[error("cannot store the message: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for MailError {
    fn from(err: rusqlite::Error) -> Self {
        MailError::Store(err.into())
    }
}

impl From<crate::contacts::ContactError> for MailError {
    fn from(err: crate::contacts::ContactError) -> Self {
        MailError::Case(err.into())
    }
}

impl Problem for MailError {
    fn problem(&self) -> Answer {
        match self {
            MailError::NotFound | MailError::MessageNotFound => Answer::not_found(self),
            MailError::AddressTaken => Answer::conflict("duplicate", self).field("address"),
            MailError::Secret(_) => Answer::conflict("secret-unreadable", self),
            MailError::Case(case) => case.problem(),
            MailError::Io(io) => Answer::internal("the message could not be read or stored", io),
            MailError::Invalid(invalid) => invalid.problem(),
            MailError::Denied(denied) => denied.problem(),
            MailError::Store(store) => store.problem(),
        }
    }
}
