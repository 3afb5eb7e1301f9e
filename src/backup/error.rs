use super::crypt::CryptError;
use crate::auth::policy::Denied;
use crate::db::StoreError;
use crate::problem::{Answer, Problem};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("no store at {0}")]
    NoStore(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0} exists already")]
    Exists(String),
    #[error("the backup is encrypted; give its key (--key-file, or backup_key_file in the config)")]
    KeyNeeded,
    #[error(transparent)]
    Crypt(#[from] CryptError),
    #[error("the backup is not valid: {0}")]
    Invalid(String),
    #[error("data directory {0} is not empty; restore into an empty directory or pass --force")]
    NotEmpty(String),
    #[error("data directory {0} is in use by a running zezaro; stop it first")]
    Locked(String),
    #[error("no such backup")]
    NotFound,
    #[error("a backup is running already")]
    Busy,
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for BackupError {
    fn from(err: rusqlite::Error) -> Self {
        BackupError::Store(err.into())
    }
}

impl Problem for BackupError {
    fn problem(&self) -> Answer {
        match self {
            BackupError::NotFound => Answer::not_found(self),
            BackupError::Busy => Answer::conflict("backup-running", self),
            BackupError::Denied(denied) => denied.problem(),
            BackupError::Store(store) => store.problem(),
            // The cause names paths of the server: the log has it.
            other => Answer::internal_as(
                "backup-failed",
                "the backup failed; see the server log",
                other,
            ),
        }
    }
}
