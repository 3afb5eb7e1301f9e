use crate::auth::policy::Denied;
use crate::db::StoreError;
use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    #[error("no such category")]
    CategoryNotFound,
    #[error("no such article")]
    ArticleNotFound,
    #[error("no such version")]
    VersionNotFound,
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
