//! `zezaro restore --from-replica CONFIG --data-dir DIR [--at TIME]`: a new
//! machine from the replica. Runs `litestream restore` (to a point in time
//! with `-timestamp`), copies the replica's blobs back into
//! `attachments/`, re-applies erasures from the erasure ledger made after
//! the restored moment, then the full store check and the blob check
//! (every `blobs` row finds its bytes, hash verified).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::settings::{Replication, SEAL_CONTEXT, Target};
use crate::db::{Db, STORE_FILE};

#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("{0}")]
    Invalid(String),
    #[error("the data directory {0} is not empty: restore into a new, empty directory")]
    NotEmpty(String),
    #[error("the data directory {0} is in use by a running server")]
    Locked(String),
    #[error("litestream restore failed: {0}")]
    Litestream(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("the restored store fails the check: {0}")]
    Check(String),
    #[error(transparent)]
    Store(#[from] crate::db::StoreError),
}

fn io_at(path: &Path) -> impl FnOnce(std::io::Error) -> RestoreError + '_ {
    move |source| RestoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

#[derive(Debug)]
pub struct Restored {
    /// Files copied from the replica's `blobs/`.
    pub blob_files: u64,
    /// `blobs` rows checked (all found, hashes right).
    pub blobs_checked: u64,
    pub cases: i64,
    pub reapplied: usize,
}

/// `--at`: RFC 3339 (`2026-12-04T03:10:00Z`), normalised to UTC.
pub fn parse_at(at: &str) -> Result<String, RestoreError> {
    chrono::DateTime::parse_from_rfc3339(at.trim())
        .map(|t| {
            t.with_timezone(&chrono::Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        })
        .map_err(|_| {
            RestoreError::Invalid(format!(
                "--at {at:?}: expected a time like 2026-12-04T03:10:00Z"
            ))
        })
}

pub fn restore(
    settings: &Replication,
    data_dir: &Path,
    at: Option<&str>,
    secret_key: Option<&Path>,
    backup_dir: &Path,
) -> Result<Restored, RestoreError> {
    let at = at.map(parse_at).transpose()?;
    let secret = match secret_key {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(io_at(path))?;
            if bytes.len() != 32 {
                return Err(RestoreError::Invalid(format!(
                    "{}: a secret key has 32 bytes",
                    path.display()
                )));
            }
            Some(bytes)
        }
        None => None,
    };
    if let Target::File { dir } = &settings.target
        && !dir.join("db").is_dir()
    {
        return Err(RestoreError::Invalid(format!(
            "no replica at {}: the directory holds no db/ written by Litestream",
            dir.display()
        )));
    }
    crate::db::files::create_private_dir_all(data_dir).map_err(io_at(data_dir))?;
    let _lock = crate::db::lock_data_dir(data_dir).map_err(|err| match err {
        crate::db::LockError::Locked(path) => RestoreError::Locked(path.display().to_string()),
        other => RestoreError::Invalid(other.to_string()),
    })?;
    let occupied = std::fs::read_dir(data_dir)
        .map_err(io_at(data_dir))?
        .flatten()
        .any(|e| e.file_name() != "zezaro.lock");
    if occupied {
        return Err(RestoreError::NotEmpty(data_dir.display().to_string()));
    }
    let data_dir = std::fs::canonicalize(data_dir).map_err(io_at(data_dir))?;
    if let Some(bytes) = &secret {
        write_private(&data_dir.join(crate::mail::secrets::KEY_FILE), bytes)?;
    }
    // Secrets of the target open with the original key (copied in above).
    let sealer = match &secret {
        Some(bytes) => crate::mail::secrets::Sealer::from_key(bytes),
        None => None,
    };
    let store = data_dir.join(STORE_FILE);
    let open = |sealed: &super::settings::Sealed| {
        let sealer = sealer.as_ref().ok_or_else(|| {
            "the target's secret is sealed: pass --secret-key with the original data directory's secret.key".to_string()
        })?;
        sealer
            .open(SEAL_CONTEXT, &sealed.0)
            .map_err(|_| "the target's sealed secret does not open with --secret-key".to_string())
    };
    let yaml =
        super::litestream::config_yaml(&store, settings, &open).map_err(RestoreError::Invalid)?;
    let config = data_dir.join("litestream-restore.yml");
    write_private(&config, yaml.as_bytes())?;
    let result = run_litestream(&settings.litestream, &config, &store, at.as_deref());
    let _ = std::fs::remove_file(&config);
    result?;
    // The attachments and mail packs, from the same target.
    let mirror = super::blobs::Mirror::for_target(settings, &data_dir, &open)
        .map_err(RestoreError::Invalid)?;
    let attachments = data_dir.join("attachments");
    let copied = mirror.copy_back(&attachments);
    if let super::blobs::Mirror::Remote(remote) = &mirror {
        // Written for the copy only: `serve` writes its own at start.
        let _ = std::fs::remove_file(&remote.config);
    }
    let blob_files = copied.map_err(io_at(&attachments))?;
    std::fs::File::open(&data_dir)
        .and_then(|d| d.sync_all())
        .map_err(io_at(&data_dir))?;
    let (db, _) = Db::open(&data_dir)?;
    let mut problems = crate::db::check(&db)?;
    // Erasures made after the restored moment come back out (GDPR Art. 17).
    let ledger = crate::gdpr::Ledger::new(&data_dir, backup_dir);
    let reapplied = crate::gdpr::service::replay_after_restore(
        &db,
        &data_dir,
        &ledger,
        at.as_deref().unwrap_or(""),
    )
    .map_err(|err| RestoreError::Check(format!("re-applying erasures: {err}")))?;
    let blobs = crate::blobs::BlobStore::new(&data_dir);
    let (blob_problems, blobs_checked) =
        db.read_blocking(move |conn| super::blobs::check(conn, &blobs))?;
    problems.extend(blob_problems);
    if !problems.is_empty() {
        return Err(RestoreError::Check(problems.join("; ")));
    }
    let cases = db.read_blocking(|conn| {
        Ok::<_, crate::db::StoreError>(
            conn.query_row("SELECT count(*) FROM cases", [], |r| r.get::<_, i64>(0))?,
        )
    })?;
    Ok(Restored {
        blob_files,
        blobs_checked,
        cases,
        reapplied: reapplied.len(),
    })
}

fn run_litestream(
    binary: &PathBuf,
    config: &Path,
    store: &Path,
    at: Option<&str>,
) -> Result<(), RestoreError> {
    let mut command = Command::new(binary);
    command
        .arg("restore")
        .arg("-config")
        .arg(config)
        .arg("-no-expand-env")
        .arg("-o")
        .arg(store);
    if let Some(at) = at {
        command.arg("-timestamp").arg(at);
    }
    command.arg(store).stdin(Stdio::null());
    super::litestream::ca_bundle_for_go(&mut command);
    let output = command
        .output()
        .map_err(|e| RestoreError::Litestream(format!("cannot run {}: {e}", binary.display())))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let line = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no output")
            .trim()
            .to_string();
        return Err(RestoreError::Litestream(line));
    }
    if !store.is_file() {
        return Err(RestoreError::Litestream(
            "no store was restored: the replica holds no snapshot (yet)".into(),
        ));
    }
    Ok(())
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), RestoreError> {
    use std::io::Write;
    let mut file = crate::db::files::create_private_file(path, false).map_err(io_at(path))?;
    file.write_all(bytes).map_err(io_at(path))?;
    file.sync_all().map_err(io_at(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_is_rfc3339() {
        assert_eq!(
            parse_at("2026-12-04T04:10:00+01:00").expect("valid"),
            "2026-12-04T03:10:00Z"
        );
        assert!(matches!(
            parse_at("yesterday"),
            Err(RestoreError::Invalid(_))
        ));
    }
}
