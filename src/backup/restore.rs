//! `zezaro restore`: unpacks a verified archive into a data directory that
//! no server uses, checks the result like `zezaro check`, and re-applies
//! every erasure (GDPR Art. 17) made after the backup, from the erasure
//! ledger in the data directory, next to the archive and in the backup
//! directory (`gdpr/ledger.rs`): a restore never brings an erased person
//! back.

use std::path::{Path, PathBuf};

use super::archive::{self, Manifest};
use super::crypt::BackupKey;
use super::error::BackupError;
use crate::db::{Db, STORE_FILE};

#[derive(Debug, Default)]
pub struct RestoreOptions {
    /// Replace the store and attachments of a non-empty data directory.
    pub force: bool,
    pub key: Option<BackupKey>,
    /// The original data directory's `secret.key`, copied in.
    pub secret_key: Option<PathBuf>,
    /// The configured backup directory (one more place of the erasure
    /// ledger).
    pub backup_dir: Option<PathBuf>,
}

#[derive(Debug)]
pub struct Restored {
    pub manifest: Manifest,
    /// Whether the data directory has a `secret.key` now.
    pub secret_key_present: bool,
    /// Erasures made after the backup, done again on the restored store.
    pub reapplied: Vec<crate::gdpr::Erasure>,
}

fn io_at(path: &Path) -> impl Fn(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.display().to_string(),
        source,
    }
}

pub fn restore(
    data_dir: &Path,
    from: &Path,
    options: &RestoreOptions,
    progress: archive::Progress,
) -> Result<Restored, BackupError> {
    if !from.is_file() {
        return Err(BackupError::Io {
            path: from.display().to_string(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such backup file"),
        });
    }
    let secret = match &options.secret_key {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(io_at(path))?;
            if bytes.len() != 32 {
                return Err(BackupError::Invalid(format!(
                    "{}: a secret key has 32 bytes",
                    path.display()
                )));
            }
            Some(bytes)
        }
        None => None,
    };
    // The lock keeps a server from starting on the directory meanwhile.
    let _lock = crate::db::lock_data_dir(data_dir).map_err(|err| match err {
        crate::db::LockError::Locked(path) => BackupError::Locked(path.display().to_string()),
        other => BackupError::Invalid(other.to_string()),
    })?;
    let occupied = std::fs::read_dir(data_dir)
        .map_err(io_at(data_dir))?
        .flatten()
        .any(|e| e.file_name() != "zezaro.lock");
    if occupied && !options.force {
        return Err(BackupError::NotEmpty(data_dir.display().to_string()));
    }
    let staging = archive::scratch_dir(data_dir, "restore")?;
    let result = (|| {
        let unpacked = archive::unpack(from, options.key.as_ref(), &staging, true, progress)?;
        for name in [
            STORE_FILE.to_string(),
            format!("{STORE_FILE}-wal"),
            format!("{STORE_FILE}-shm"),
        ] {
            let path = data_dir.join(name);
            if path.exists() {
                std::fs::remove_file(&path).map_err(io_at(&path))?;
            }
        }
        let attachments = data_dir.join("attachments");
        if attachments.exists() {
            std::fs::remove_dir_all(&attachments).map_err(io_at(&attachments))?;
        }
        let staged = staging.join("attachments");
        if staged.exists() {
            std::fs::rename(&staged, &attachments).map_err(io_at(&attachments))?;
        }
        let store = data_dir.join(STORE_FILE);
        std::fs::rename(&unpacked.store, &store).map_err(io_at(&store))?;
        if let Some(bytes) = &secret {
            write_secret(&data_dir.join(crate::mail::secrets::KEY_FILE), bytes)?;
        }
        std::fs::File::open(data_dir)
            .and_then(|d| d.sync_all())
            .map_err(io_at(data_dir))?;
        Ok::<_, BackupError>(unpacked.manifest)
    })();
    let _ = std::fs::remove_dir_all(&staging);
    let manifest = result?;
    // Migrations of a newer binary apply here; then the full check.
    let (db, _) = Db::open(data_dir)?;
    let problems = crate::db::check(&db)?;
    if !problems.is_empty() {
        return Err(BackupError::Invalid(problems.join("; ")));
    }
    let mut ledger = crate::gdpr::Ledger::new(data_dir, from.parent().unwrap_or(data_dir));
    if let Some(dir) = &options.backup_dir {
        ledger = ledger.with_dir(dir);
    }
    let reapplied =
        crate::gdpr::service::replay_after_restore(&db, data_dir, &ledger, &manifest.created_at)
            .map_err(|err| BackupError::Invalid(format!("re-applying erasures: {err}")))?;
    // The restored store's own records are in the ledger too from now on.
    db.read_blocking(|conn| ledger.sync(conn))?;
    Ok(Restored {
        reapplied,
        manifest,
        secret_key_present: data_dir.join(crate::mail::secrets::KEY_FILE).exists(),
    })
}

fn write_secret(path: &Path, bytes: &[u8]) -> Result<(), BackupError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io_at(path))?;
    file.write_all(bytes).map_err(io_at(path))?;
    file.sync_all().map_err(io_at(path))
}
