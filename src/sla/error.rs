use crate::auth::policy::Denied;
use crate::db::StoreError;
use crate::problem::{Answer, Problem};
use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum SlaError {
    #[error("no such calendar")]
    CalendarNotFound,
    #[error("no such SLA policy")]
    PolicyNotFound,
    #[error("no such project")]
    ProjectNotFound,
    #[error("no such case")]
    CaseNotFound,
    #[error("the calendar is used by SLA policies; change them first")]
    CalendarInUse,
    #[error("a calendar or policy with this name exists already")]
    NameTaken,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for SlaError {
    fn from(err: rusqlite::Error) -> Self {
        SlaError::Store(err.into())
    }
}

impl Problem for SlaError {
    fn problem(&self) -> Answer {
        match self {
            SlaError::CalendarNotFound
            | SlaError::PolicyNotFound
            | SlaError::ProjectNotFound
            | SlaError::CaseNotFound => Answer::not_found(self),
            SlaError::CalendarInUse => Answer::conflict("calendar-in-use", self),
            SlaError::NameTaken => Answer::conflict("name-taken", self),
            SlaError::Invalid(invalid) => invalid.problem(),
            SlaError::Denied(denied) => denied.problem(),
            SlaError::Store(store) => store.problem(),
        }
    }
}
