use crate::auth::policy::Denied;
use crate::db::StoreError;
use crate::problem::{Answer, Problem};
use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum InstructionError {
    #[error("no such instruction")]
    NotFound,
    #[error("only a draft can be {0}")]
    NotDraft(&'static str),
    #[error("only a published instruction can be withdrawn")]
    NotPublished,
    #[error("this instruction does not apply to you")]
    NotTargeted,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for InstructionError {
    fn from(err: rusqlite::Error) -> Self {
        InstructionError::Store(err.into())
    }
}

impl Problem for InstructionError {
    fn problem(&self) -> Answer {
        match self {
            InstructionError::NotFound => Answer::not_found(self),
            InstructionError::NotDraft(_) => Answer::conflict("instruction-not-draft", self),
            InstructionError::NotPublished => Answer::conflict("instruction-not-published", self),
            InstructionError::NotTargeted => Answer::conflict("instruction-not-targeted", self),
            InstructionError::Invalid(invalid) => invalid.problem(),
            InstructionError::Denied(denied) => denied.problem(),
            InstructionError::Store(store) => store.problem(),
        }
    }
}
