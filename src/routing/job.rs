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

/// Marks the idle agents away (a state change in the workforce's log);
/// how many.
pub fn mark_away(conn: &Connection, now: DateTime<Utc>) -> Result<usize, super::RoutingError> {
    use crate::workforce::model::{StateSource, WorkState};
    use crate::workforce::states::{Change, transition};
    let minutes = store::away_after_minutes(conn)?;
    let at = crate::sla::clock::stamp(now);
    let idle = store::idle(conn, &service::idle_cutoff(now, minutes))?;
    for &user in &idle {
        transition(
            conn,
            user,
            Change::to(WorkState::Away),
            StateSource::Idle,
            None,
            &at,
        )?;
    }
    Ok(idle.len())
}
