//! `routing.away`: marks available agents who were idle longer than the
//! platform's `away_after_minutes` as away (every minute).

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use super::{service, store};
use crate::db::StoreResult;

/// Key of the service in the registry.
pub const SERVICE: &str = "routing.away";

/// Whether any available agent is idle past the limit (a read, so that the
/// job takes the writer only when there is something to do).
pub fn anything_idle(conn: &Connection, now: DateTime<Utc>) -> StoreResult<bool> {
    let minutes = store::away_after_minutes(conn)?;
    store::any_idle(conn, &service::idle_cutoff(now, minutes))
}

/// Marks the idle agents away; how many.
pub fn mark_away(conn: &Connection, now: DateTime<Utc>) -> StoreResult<usize> {
    let minutes = store::away_after_minutes(conn)?;
    store::mark_idle_away(
        conn,
        &service::idle_cutoff(now, minutes),
        &crate::sla::clock::stamp(now),
    )
}
