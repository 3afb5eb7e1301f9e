use crate::auth::policy::Denied;
use crate::db::StoreError;
use crate::problem::{Answer, Problem};
use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    #[error("no such category")]
    CategoryNotFound,
    #[error("no such article")]
    ArticleNotFound,
    #[error("no such version")]
    VersionNotFound,
    #[error("no such attachment")]
    AttachmentNotFound,
    #[error("no such case")]
    CaseNotFound,
    #[error("no such project")]
    ProjectNotFound,
    #[error("the category still has sub-categories or articles; it cannot be deleted")]
    CategoryNotEmpty,
    #[error("a category cannot be moved below itself")]
    CategoryCycle,
    #[error("a newer version was saved in the meantime; reload and merge the changes")]
    VersionConflict,
    #[error("only the newest version, as a draft or in review, can be {0}")]
    NotCurrent(&'static str),
    #[error("nothing is published in this language")]
    NotPublished,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for KnowledgeError {
    fn from(err: rusqlite::Error) -> Self {
        KnowledgeError::Store(err.into())
    }
}

impl Problem for KnowledgeError {
    fn problem(&self) -> Answer {
        match self {
            KnowledgeError::CategoryNotFound
            | KnowledgeError::ArticleNotFound
            | KnowledgeError::VersionNotFound
            | KnowledgeError::AttachmentNotFound
            | KnowledgeError::CaseNotFound
            | KnowledgeError::ProjectNotFound => Answer::not_found(self),
            KnowledgeError::CategoryNotEmpty => Answer::conflict("category-not-empty", self),
            KnowledgeError::CategoryCycle => {
                Answer::unprocessable("validation", self).field("parent_id")
            }
            KnowledgeError::VersionConflict => Answer::conflict("version-conflict", self),
            KnowledgeError::NotCurrent(_) => Answer::conflict("version-not-current", self),
            KnowledgeError::NotPublished => Answer::conflict("not-published", self),
            KnowledgeError::Invalid(invalid) => invalid.problem(),
            KnowledgeError::Denied(denied) => denied.problem(),
            KnowledgeError::Store(store) => store.problem(),
        }
    }
}
