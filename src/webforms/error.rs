use crate::auth::policy::Denied;
use crate::cases::CaseError;
use crate::db::StoreError;
use crate::problem::{Answer, Problem};
use crate::projects::ProjectError;

/// Errors of the held-submission review.
#[derive(Debug, thiserror::Error)]
pub enum WebFormError {
    #[error("no such held submission")]
    HeldNotFound,
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error(transparent)]
    Case(#[from] CaseError),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Problem for WebFormError {
    fn problem(&self) -> Answer {
        match self {
            WebFormError::HeldNotFound => Answer::not_found(self),
            WebFormError::Project(e) => e.problem(),
            WebFormError::Case(e) => e.problem(),
            WebFormError::Denied(denied) => denied.problem(),
            WebFormError::Store(store) => store.problem(),
        }
    }
}
