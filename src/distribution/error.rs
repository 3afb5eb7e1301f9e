use crate::auth::policy::Denied;
use crate::cases::CaseError;
use crate::db::StoreError;
use crate::problem::{Answer, Problem};
use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum DistributionError {
    #[error("no such project")]
    ProjectNotFound,
    #[error("the project has no distribution plan")]
    NoPlan,
    #[error("the plan was changed meanwhile; reload it")]
    VersionConflict,
    #[error(transparent)]
    Case(#[from] CaseError),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for DistributionError {
    fn from(err: rusqlite::Error) -> Self {
        DistributionError::Store(err.into())
    }
}

impl Problem for DistributionError {
    fn problem(&self) -> Answer {
        match self {
            DistributionError::ProjectNotFound => Answer::not_found(self),
            DistributionError::NoPlan => Answer::new(404, "plan-not-found", self),
            DistributionError::VersionConflict => Answer::conflict("version-conflict", self),
            DistributionError::Case(case) => case.problem(),
            DistributionError::Invalid(invalid) => invalid.problem(),
            DistributionError::Denied(denied) => denied.problem(),
            DistributionError::Store(store) => store.problem(),
        }
    }
}
