//! The background service `distribution.move`: carries out the move of
//! open cases that a plan save marked (`distribution_plans.move_after`),
//! batch by batch. The open cases still to do are found on a reader; each
//! batch of [`service::MOVE_BATCH`] cases is one short write transaction
//! (not synced at commit: the mark is written with the batch, so a batch
//! lost in a crash is done again at the next start), with a pause between
//! in which other writes go. Live `case` events go out after each batch's
//! commit.

use std::sync::Arc;

use super::DistributionError;
use super::service;
use crate::cases::CaseHub;
use crate::db::Db;
use crate::services::Registry;

/// Registry key of the mover.
pub const SERVICE: &str = "distribution.move";

/// The pause between two batches, in which waiting writers get the lock.
const BATCH_PAUSE: std::time::Duration = std::time::Duration::from_millis(1);

/// A plan save marked a move: run it now (call after the commit). The
/// start pokes it too, so a move cut off by a stop is resumed.
pub fn wake(services: &Registry) {
    services.poke(SERVICE);
}

/// Every pending move, to the end; returns how many cases moved.
pub async fn run_pending(db: &Db, hub: &Arc<CaseHub>) -> Result<i64, DistributionError> {
    let mut total = 0;
    loop {
        let pending = db.read(service::pending_moves).await?;
        if pending.is_empty() {
            return Ok(total);
        }
        for plan_id in pending {
            total += run_one(db, hub, plan_id).await?;
        }
    }
}

async fn run_one(db: &Db, hub: &Arc<CaseHub>, plan_id: i64) -> Result<i64, DistributionError> {
    let Some(ids) = db
        .read(move |conn| service::pending_move(conn, plan_id))
        .await?
    else {
        return Ok(0);
    };
    let mut moved = 0;
    for chunk in ids.chunks(service::MOVE_BATCH) {
        let chunk = chunk.to_vec();
        let done = hub
            .write_unsynced(db, move |tx, announce| {
                service::move_batch(tx, plan_id, &chunk, announce)
            })
            .await?;
        match done {
            Some(n) => moved += n,
            // Superseded by a newer version or the plan's removal.
            None => return Ok(moved),
        }
        tokio::time::sleep(BATCH_PAUSE).await;
    }
    db.write(move |tx| service::finish_move(tx, plan_id))
        .await?;
    tracing::info!(
        plan = plan_id,
        moved,
        "moved open cases after a plan change"
    );
    Ok(moved)
}
