use crate::auth::policy::Denied;
use crate::db::StoreError;
use crate::problem::{Answer, Problem};
use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum ForecastError {
    #[error("no such project")]
    ProjectNotFound,
    #[error("the forecast was changed meanwhile; reload it")]
    VersionConflict,
    /// A month whose deadline has passed (`field`: the entry).
    #[error("the forecast for {month} can no longer be changed (deadline {deadline})")]
    DeadlinePassed {
        month: String,
        deadline: String,
        field: String,
    },
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for ForecastError {
    fn from(err: rusqlite::Error) -> Self {
        ForecastError::Store(err.into())
    }
}

impl Problem for ForecastError {
    fn problem(&self) -> Answer {
        match self {
            ForecastError::ProjectNotFound => Answer::not_found(self),
            ForecastError::VersionConflict => Answer::conflict("version-conflict", self),
            ForecastError::DeadlinePassed { field, .. } => {
                Answer::conflict("forecast-deadline-passed", self).field(field.clone())
            }
            ForecastError::Invalid(invalid) => invalid.problem(),
            ForecastError::Denied(denied) => denied.problem(),
            ForecastError::Store(store) => store.problem(),
        }
    }
}
