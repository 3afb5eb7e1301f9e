use crate::auth::policy::Denied;
use crate::cases::CaseError;
use crate::db::StoreError;
use crate::problem::{Answer, Problem};
use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum RoutingError {
    #[error("no such project")]
    ProjectNotFound,
    #[error("no such user")]
    UserNotFound,
    #[error("routing is for agents: this user is no agent")]
    NotAnAgent,
    #[error(transparent)]
    Case(#[from] CaseError),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for RoutingError {
    fn from(err: rusqlite::Error) -> Self {
        RoutingError::Store(err.into())
    }
}

impl Problem for RoutingError {
    fn problem(&self) -> Answer {
        match self {
            RoutingError::ProjectNotFound | RoutingError::UserNotFound => Answer::not_found(self),
            RoutingError::NotAnAgent => Answer::unprocessable("not-an-agent", self),
            RoutingError::Case(case) => case.problem(),
            RoutingError::Invalid(invalid) => invalid.problem(),
            RoutingError::Denied(denied) => denied.problem(),
            RoutingError::Store(store) => store.problem(),
        }
    }
}

/// Routing inside a case write (`route_case` from the case service): what
/// it can fail with is the case's or the store's error.
impl From<RoutingError> for CaseError {
    fn from(err: RoutingError) -> Self {
        match err {
            RoutingError::Case(case) => case,
            RoutingError::Store(store) => CaseError::Store(store),
            RoutingError::Invalid(invalid) => CaseError::Invalid(invalid),
            RoutingError::Denied(denied) => CaseError::Denied(denied),
            RoutingError::ProjectNotFound
            | RoutingError::UserNotFound
            | RoutingError::NotAnAgent => CaseError::NotFound,
        }
    }
}
