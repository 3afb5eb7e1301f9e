use crate::auth::policy::Denied;
use crate::cases::CaseError;
use crate::db::StoreError;
use crate::instructions::InstructionError;
use crate::problem::{Answer, Problem};
use crate::routing::RoutingError;
use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum WorkforceError {
    #[error("no such project")]
    ProjectNotFound,
    #[error("no such client")]
    ClientNotFound,
    #[error("no such user")]
    UserNotFound,
    #[error("no such seat")]
    SeatNotFound,
    #[error("no such seat assignment")]
    AssignmentNotFound,
    #[error("states are for agents: this user works in no project as an agent")]
    NotAnAgent,
    #[error("the seat was changed meanwhile; reload it")]
    VersionConflict,
    #[error("the seat is taken in this period")]
    SeatTaken,
    #[error(
        "a Team Pro agent works for one client only: this agent holds a seat of another client in this period"
    )]
    ProExclusive,
    #[error(transparent)]
    Case(#[from] CaseError),
    #[error(transparent)]
    Instruction(#[from] InstructionError),
    #[error(transparent)]
    Distribution(#[from] crate::distribution::DistributionError),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for WorkforceError {
    fn from(err: rusqlite::Error) -> Self {
        WorkforceError::Store(err.into())
    }
}

impl From<RoutingError> for WorkforceError {
    fn from(err: RoutingError) -> Self {
        match err {
            RoutingError::ProjectNotFound => WorkforceError::ProjectNotFound,
            RoutingError::UserNotFound => WorkforceError::UserNotFound,
            RoutingError::NotAnAgent => WorkforceError::NotAnAgent,
            RoutingError::Case(case) => WorkforceError::Case(case),
            RoutingError::Invalid(invalid) => WorkforceError::Invalid(invalid),
            RoutingError::Denied(denied) => WorkforceError::Denied(denied),
            RoutingError::Store(store) => WorkforceError::Store(store),
        }
    }
}

/// State changes made by routing's API and jobs: what they fail with is
/// routing's error.
impl From<WorkforceError> for RoutingError {
    fn from(err: WorkforceError) -> Self {
        match err {
            WorkforceError::ProjectNotFound => RoutingError::ProjectNotFound,
            WorkforceError::UserNotFound | WorkforceError::ClientNotFound => {
                RoutingError::UserNotFound
            }
            WorkforceError::NotAnAgent => RoutingError::NotAnAgent,
            WorkforceError::Case(case) => RoutingError::Case(case),
            WorkforceError::Invalid(invalid) => RoutingError::Invalid(invalid),
            WorkforceError::Denied(denied) => RoutingError::Denied(denied),
            WorkforceError::Store(store) => RoutingError::Store(store),
            other => RoutingError::Store(StoreError::Task(other.to_string())),
        }
    }
}

impl Problem for WorkforceError {
    fn problem(&self) -> Answer {
        match self {
            WorkforceError::ProjectNotFound
            | WorkforceError::ClientNotFound
            | WorkforceError::UserNotFound
            | WorkforceError::SeatNotFound
            | WorkforceError::AssignmentNotFound => Answer::not_found(self),
            WorkforceError::NotAnAgent => Answer::unprocessable("not-an-agent", self),
            WorkforceError::VersionConflict => Answer::conflict("version-conflict", self),
            WorkforceError::SeatTaken => Answer::conflict("seat-taken", self),
            WorkforceError::ProExclusive => Answer::conflict("pro-exclusive", self),
            WorkforceError::Case(case) => case.problem(),
            WorkforceError::Instruction(e) => e.problem(),
            WorkforceError::Distribution(e) => e.problem(),
            WorkforceError::Invalid(invalid) => invalid.problem(),
            WorkforceError::Denied(denied) => denied.problem(),
            WorkforceError::Store(store) => store.problem(),
        }
    }
}
