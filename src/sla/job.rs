//! The `sla.marks` background service: every ten seconds it stamps the
//! warnings and breaches that fell due, writes them into the case history,
//! hands them to the rule engine's hook ([`fire`]) and sends a live `case`
//! event of type `sla` so that open workspaces repaint the timers.

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use super::SlaError;
use super::clock::stamp;
use super::model::Target;
use super::store;
use crate::cases::events::{Announcements, CaseEvent, Event};
use crate::db::StoreResult;
use crate::ids::CaseId;

/// Key of the service in the registry.
pub const SERVICE: &str = "sla.marks";
/// Key of the background recompute of deadlines after a calendar change.
pub const RECOMPUTE_SERVICE: &str = "sla.recompute";

/// A calendar changed (its recompute is marked pending in the store): run
/// the recompute now (call after the commit). Without the poke it runs at
/// its next schedule; the start pokes it too, so a recompute cut off by a
/// stop is resumed.
pub fn wake_recompute(services: &crate::services::Registry) {
    services.poke(RECOMPUTE_SERVICE);
}

/// At most this many marks per run; the rest follow ten seconds later.
const MAX_PER_RUN: i64 = 5000;

/// The events the SLA clocks give to the rule engine (issue 15's rules:
/// "SLA warning" and "SLA breached" as triggers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleEvent {
    SlaWarning { case_id: CaseId, target: Target },
    SlaBreached { case_id: CaseId, target: Target },
}

/// Records an SLA event in the case history (the case screen shows it)
/// and runs the rules of the event (`rules::fire_sla`), in the
/// transaction that marked it.
pub fn fire(conn: &Connection, event: RuleEvent) -> StoreResult<()> {
    let (case_id, field, target) = match event {
        RuleEvent::SlaWarning { case_id, target } => (case_id, "sla-warning", target),
        RuleEvent::SlaBreached { case_id, target } => (case_id, "sla-breached", target),
    };
    crate::cases::store::insert_history(conn, case_id, None, field, None, Some(target.as_str()))?;
    let event = match event {
        RuleEvent::SlaWarning { .. } => crate::rules::model::RuleEvent::SlaWarning,
        RuleEvent::SlaBreached { .. } => crate::rules::model::RuleEvent::SlaBreached,
    };
    crate::rules::fire_sla(conn, case_id, event)
}

/// Whether anything falls due at `now` (a read, so that an idle store sees
/// no write every ten seconds).
pub fn anything_due(conn: &Connection, now: DateTime<Utc>) -> StoreResult<bool> {
    Ok(!store::due_marks(conn, &stamp(now), 1)?.is_empty())
}

/// Marks what fell due at `now`; returns how many marks were made.
pub fn mark_due(
    conn: &Connection,
    now: DateTime<Utc>,
    announce: &mut Announcements,
) -> Result<u64, SlaError> {
    let at = stamp(now);
    let mut made = 0;
    let mut touched: Vec<CaseId> = Vec::new();
    for (id, case_id, target, breach) in store::due_marks(conn, &at, MAX_PER_RUN)? {
        let marked = if breach {
            store::mark_breached(conn, id, &at)?
        } else {
            store::mark_warned(conn, id, &at)?
        };
        if !marked {
            continue;
        }
        made += 1;
        fire(
            conn,
            if breach {
                RuleEvent::SlaBreached { case_id, target }
            } else {
                RuleEvent::SlaWarning { case_id, target }
            },
        )?;
        touched.push(case_id);
    }
    touched.sort_unstable();
    touched.dedup();
    for case_id in touched {
        let Some(case) = crate::cases::store::get(conn, case_id)? else {
            continue;
        };
        let Some(client_id) = store::project_client(conn, case.project_id)? else {
            continue;
        };
        announce.push(Event::Case(CaseEvent {
            kind: "sla",
            case_id,
            project_id: case.project_id,
            client_id,
            version: case.version,
            by_user_id: None,
            by_name: None,
            handling: Some(crate::cases::service::handling(&case)),
        }));
    }
    Ok(made)
}
