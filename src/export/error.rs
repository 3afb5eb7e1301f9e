use crate::auth::policy::Denied;
use crate::db::StoreError;
use crate::problem::{Answer, Problem};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// No such client or export job (or one of another client).
    #[error("no such export")]
    NotFound,
    /// An export of this client is running already.
    #[error("an export of this client is running already")]
    Running,
    /// The archive is not ready (still running, failed or cancelled).
    #[error("the export is not finished")]
    NotReady,
    #[error("the export was cancelled")]
    Cancelled,
    /// The server deleted the archive (expired, or a contact was erased).
    #[error("the archive was deleted: {}", match .0 {
        super::jobs::Removal::Expired => "it expired",
        super::jobs::Removal::Erasure => "a contact of the client was erased (GDPR Art. 17); make a new export",
    })]
    Removed(super::jobs::Removal),
    #[error("writing the export failed: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for ExportError {
    fn from(err: rusqlite::Error) -> Self {
        ExportError::Store(err.into())
    }
}

impl Problem for ExportError {
    fn problem(&self) -> Answer {
        match self {
            ExportError::NotFound => Answer::not_found(self),
            ExportError::Running => Answer::conflict("export-running", self),
            ExportError::NotReady | ExportError::Cancelled => {
                Answer::conflict("export-not-ready", self)
            }
            ExportError::Removed(_) => Answer::new(410, "export-removed", self),
            ExportError::Io(io) => Answer::internal("the export could not be written", io),
            ExportError::Denied(denied) => denied.problem(),
            ExportError::Store(store) => store.problem(),
        }
    }
}
