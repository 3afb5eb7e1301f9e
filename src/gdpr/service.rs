//! The steps of an erasure outside its transaction, in one place for the
//! API and `zezaro restore`: after the commit, the ledger line is written,
//! the client's export archives are deleted, the erased files are removed
//! and the WAL is emptied; at start, the ledger catches up with the store;
//! after a restore, every erasure newer than the backup is re-applied.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::erase::{self, Done};
use super::error::GdprError;
use super::ledger::Ledger;
use super::model::Erasure;
use crate::db::{Db, StoreError};
use crate::export::{Exports, Removal};

/// Finishes a committed erasure: the ledger line (a failure is logged; the
/// store keeps the record and [`sync_ledger`] writes it at the next start),
/// the client's export archives (they hold the person), the files no row
/// names any more, and a truncating checkpoint of the WAL.
pub async fn after_erasure(
    db: &Db,
    data_dir: &Path,
    ledger: Arc<Ledger>,
    exports: Option<Arc<Exports>>,
    done: Done,
) -> Result<Erasure, StoreError> {
    let data_dir = data_dir.to_path_buf();
    db.read(move |conn| {
        if let Err(err) = ledger.append(&done.entry) {
            tracing::error!(error = %err, "cannot write the erasure ledger; written at the next start");
        }
        if let Some(exports) = exports {
            let removed = exports.remove_client(done.erasure.client_id, Removal::Erasure);
            if removed > 0 {
                tracing::info!(
                    client = done.erasure.client_id.get(),
                    exports = removed,
                    "deleted the client's export archives after an erasure"
                );
            }
        }
        erase::remove_files(conn, &data_dir, &done.orphans);
        erase::checkpoint(conn);
        Ok::<_, StoreError>(done.erasure)
    })
    .await
}

/// Writes the store's erasure records that the ledger lacks (at start).
pub async fn sync_ledger(db: &Db, ledger: Arc<Ledger>) -> Result<usize, StoreError> {
    db.read(move |conn| ledger.sync(conn)).await
}

/// Re-applies every erasure of the ledger made after `since` (the backup's
/// time) to a restored store; returns the erasures done again, oldest
/// first. An erasure the store holds already, or whose person is not in
/// the store, is skipped.
pub fn replay_after_restore(
    db: &Db,
    data_dir: &Path,
    ledger: &Ledger,
    since: &str,
) -> Result<Vec<Erasure>, GdprError> {
    let since = chrono::DateTime::parse_from_rfc3339(since).ok();
    let newer = ledger.entries().into_iter().filter(|entry| {
        match (since, chrono::DateTime::parse_from_rfc3339(&entry.at).ok()) {
            (Some(since), Some(at)) => at >= since,
            // Replaying is idempotent: when in doubt, replay.
            _ => true,
        }
    });
    let mut replayed = Vec::new();
    let data_dir: PathBuf = data_dir.to_path_buf();
    for entry in newer {
        let done = db.write_blocking(move |tx| erase::replay(tx, &entry))?;
        if let Some(done) = done {
            db.read_blocking(|conn| {
                erase::remove_files(conn, &data_dir, &done.orphans);
                Ok::<_, StoreError>(())
            })?;
            replayed.push(done.erasure);
        }
    }
    db.read_blocking(|conn| {
        erase::checkpoint(conn);
        Ok::<_, StoreError>(())
    })?;
    Ok(replayed)
}
