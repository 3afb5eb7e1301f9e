use crate::auth::policy::Denied;
use crate::db::StoreError;
use crate::problem::{Answer, Problem};
use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum TextModuleError {
    #[error("no such text module")]
    NotFound,
    #[error("no such version of the text module")]
    VersionNotFound,
    #[error("no such attachment")]
    AttachmentNotFound,
    #[error("no such case")]
    CaseNotFound,
    #[error("another text module of this client and language has the shortcut `{0}`")]
    ShortcutTaken(String),
    #[error("the text module is not published")]
    NotPublished,
    #[error("the text module does not apply to this case's project")]
    NotForProject,
    #[error("a text module has at most {0} attachments")]
    TooManyAttachments(usize),
    #[error(transparent)]
    Case(#[from] crate::cases::CaseError),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for TextModuleError {
    fn from(err: rusqlite::Error) -> Self {
        TextModuleError::Store(err.into())
    }
}

impl Problem for TextModuleError {
    fn problem(&self) -> Answer {
        match self {
            TextModuleError::NotFound
            | TextModuleError::AttachmentNotFound
            | TextModuleError::VersionNotFound
            | TextModuleError::CaseNotFound => Answer::not_found(self),
            TextModuleError::ShortcutTaken(_) => {
                Answer::conflict("shortcut-taken", self).field("shortcut")
            }
            TextModuleError::NotPublished => Answer::conflict("not-published", self),
            TextModuleError::NotForProject => Answer::conflict("not-for-project", self),
            TextModuleError::TooManyAttachments(_) => {
                Answer::unprocessable("validation", self).field("attachments")
            }
            TextModuleError::Case(case) => case.problem(),
            TextModuleError::Invalid(invalid) => invalid.problem(),
            TextModuleError::Denied(denied) => denied.problem(),
            TextModuleError::Store(store) => store.problem(),
        }
    }
}
