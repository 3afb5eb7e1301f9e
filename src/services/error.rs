use super::registry::ControlError;
use crate::auth::policy::Denied;
use crate::db::StoreError;
use crate::problem::{Answer, Problem};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("no such service")]
    NotFound,
    #[error("unknown action {0:?}; expected start, stop, pause, resume, restart or run")]
    UnknownAction(String),
    #[error("the service is running right now; try again when it is done")]
    Busy,
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for ServiceError {
    fn from(err: rusqlite::Error) -> Self {
        ServiceError::Store(err.into())
    }
}

impl From<ControlError> for ServiceError {
    fn from(err: ControlError) -> Self {
        match err {
            ControlError::NotFound => ServiceError::NotFound,
            ControlError::AlreadyRunning => ServiceError::Busy,
            other => ServiceError::Store(StoreError::Task(other.to_string())),
        }
    }
}

impl Problem for ServiceError {
    fn problem(&self) -> Answer {
        match self {
            ServiceError::NotFound | ServiceError::UnknownAction(_) => Answer::not_found(self),
            ServiceError::Busy => Answer::conflict("service-busy", self),
            ServiceError::Denied(denied) => denied.problem(),
            ServiceError::Store(store) => store.problem(),
        }
    }
}
