use crate::auth::policy::Denied;
use crate::db::StoreError;
use crate::problem::{Answer, Problem};
use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum TrainingError {
    #[error("no such course")]
    NotFound,
    #[error("no such assignment")]
    AssignmentNotFound,
    #[error("this article is not part of the course")]
    ArticleNotInCourse,
    #[error("this course has no check")]
    NoCheck,
    #[error("the course is already passed")]
    AlreadyPassed,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for TrainingError {
    fn from(err: rusqlite::Error) -> Self {
        TrainingError::Store(err.into())
    }
}

impl Problem for TrainingError {
    fn problem(&self) -> Answer {
        match self {
            TrainingError::NotFound | TrainingError::AssignmentNotFound => Answer::not_found(self),
            TrainingError::ArticleNotInCourse => Answer::not_found(self),
            TrainingError::NoCheck => Answer::conflict("course-without-check", self),
            TrainingError::AlreadyPassed => Answer::conflict("course-passed", self),
            TrainingError::Invalid(invalid) => invalid.problem(),
            TrainingError::Denied(denied) => denied.problem(),
            TrainingError::Store(store) => store.problem(),
        }
    }
}
