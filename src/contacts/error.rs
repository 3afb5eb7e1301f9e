use crate::auth::policy::Denied;
use crate::db::StoreError;
use crate::organizations::OrganizationError;
use crate::problem::{Answer, Problem};
use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum ContactError {
    #[error("no such contact")]
    NotFound,
    /// A merge that cannot be done (other client, itself, merged already).
    #[error("{0}")]
    MergeInvalid(&'static str),
    /// A CSV file that cannot be read at all (rows with errors are reported
    /// in the import report instead).
    #[error("{0}")]
    ImportInvalid(String),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for ContactError {
    fn from(err: rusqlite::Error) -> Self {
        ContactError::Store(err.into())
    }
}

impl From<OrganizationError> for ContactError {
    fn from(err: OrganizationError) -> Self {
        match err {
            OrganizationError::NotFound => {
                ContactError::Invalid(Invalid::new("organization_id", "no such organization"))
            }
            OrganizationError::Invalid(invalid) => ContactError::Invalid(invalid),
            OrganizationError::MergeInvalid(why) => ContactError::MergeInvalid(why),
            OrganizationError::Denied(denied) => ContactError::Denied(denied),
            OrganizationError::Store(store) => ContactError::Store(store),
        }
    }
}

impl Problem for ContactError {
    fn problem(&self) -> Answer {
        match self {
            ContactError::NotFound => Answer::not_found(self),
            ContactError::MergeInvalid(_) => Answer::unprocessable("merge-invalid", self),
            ContactError::ImportInvalid(_) => Answer::unprocessable("import-invalid", self),
            ContactError::Invalid(invalid) => invalid.problem(),
            ContactError::Denied(denied) => denied.problem(),
            ContactError::Store(store) => store.problem(),
        }
    }
}
