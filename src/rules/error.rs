use crate::auth::policy::Denied;
use crate::db::StoreError;
use crate::problem::{Answer, Problem};
use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("no such rule")]
    NotFound,
    #[error("no such version")]
    VersionNotFound,
    #[error("no such case")]
    CaseNotFound,
    #[error("no such client")]
    ClientNotFound,
    #[error("no such notification")]
    NotificationNotFound,
    #[error("a newer version of the rule was saved in the meantime; reload and merge")]
    VersionConflict,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for RuleError {
    fn from(err: rusqlite::Error) -> Self {
        RuleError::Store(err.into())
    }
}

impl Problem for RuleError {
    fn problem(&self) -> Answer {
        match self {
            RuleError::NotFound
            | RuleError::VersionNotFound
            | RuleError::CaseNotFound
            | RuleError::ClientNotFound
            | RuleError::NotificationNotFound => Answer::not_found(self),
            // Stable code: `rule-version-conflict`.
            RuleError::VersionConflict => Answer::conflict("rule-version-conflict", self),
            RuleError::Invalid(invalid) => invalid.problem(),
            RuleError::Denied(denied) => denied.problem(),
            RuleError::Store(store) => store.problem(),
        }
    }
}
