use crate::auth::policy::Denied;
use crate::cases::CaseError;
use crate::db::StoreError;
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
