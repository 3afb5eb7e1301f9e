use crate::auth::policy::Denied;
use crate::db::StoreError;
use crate::problem::{Answer, Problem};
use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("no such case")]
    NotFound,
    #[error("the case was changed meanwhile (now version {current}); reload it or send with force")]
    Changed { current: i64 },
    #[error(
        "you work on this project's share of one provider team: you may give a case back to the client's own team, not to another provider team"
    )]
    TariffNotAllowed,
    #[error(transparent)]
    Contact(#[from] crate::contacts::ContactError),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for CaseError {
    fn from(err: rusqlite::Error) -> Self {
        CaseError::Store(err.into())
    }
}

impl Problem for CaseError {
    fn problem(&self) -> Answer {
        match self {
            CaseError::NotFound => Answer::not_found(self),
            CaseError::Changed { .. } => Answer::conflict("case-changed", self),
            CaseError::TariffNotAllowed => Answer::new(403, "tariff-not-allowed", self),
            CaseError::Contact(contact) => contact.problem(),
            CaseError::Invalid(invalid) => invalid.problem(),
            CaseError::Denied(denied) => denied.problem(),
            CaseError::Store(store) => store.problem(),
        }
    }
}
