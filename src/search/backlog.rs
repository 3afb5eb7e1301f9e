//! Full-text rows a crash left unwritten: under a sustained write load the
//! writer puts the batches' index tasks off to a later batch
//! (`db::batch_end`) and keeps their keys in `search_backlog` until they
//! ran. What is still there at start was never indexed; it is, before the
//! server answers.

use crate::cases::store as cases;
use crate::contacts::store as contacts;
use crate::db::{Db, StoreError, StoreResult, batch_end};
use crate::ids::{CaseId, ContactId};

/// Indexes the cases and contacts `search_backlog` names, in one write,
/// and empties it; returns how many rows it held.
pub fn resume(db: &Db) -> StoreResult<usize> {
    db.write_blocking(|tx| {
        let rows = batch_end::stored(tx)?;
        for (task, id) in &rows {
            match task.as_str() {
                cases::SEARCH_TABLE => cases::index_case(tx, CaseId::new(*id))?,
                contacts::SEARCH_TABLE => contacts::sync_search(tx, ContactId::new(*id))?,
                // A task of a later version's; its row stays for that version.
                other => {
                    tracing::warn!(task = other, id, "unknown task in the search backlog");
                    continue;
                }
            }
            batch_end::forget(tx, task, *id)?;
        }
        Ok::<_, StoreError>(rows.len())
    })
}
