//! Every SQL statement of calendars, SLA policies and case clocks.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::model::{
    Calendar, CalendarClosure, CaseClock, ClockResult, ClockState, OpeningInterval, Policy, Target,
};
use crate::db::StoreResult;
use crate::ids::{CaseId, ClientId, ProjectId};

// ---- calendars ----------------------------------------------------------------

const CALENDAR_COLUMNS: &str = "id, client_id, name, time_zone, state, version, created_at,
    updated_at, recompute_after IS NOT NULL";

fn calendar_row(row: &Row) -> rusqlite::Result<Calendar> {
    let state: Option<String> = row.get(4)?;
    Ok(Calendar {
        id: row.get(0)?,
        client_id: row.get(1)?,
        name: row.get(2)?,
        time_zone: row.get(3)?,
        state: match state {
            None => None,
            Some(s) => Some(super::holidays::State::parse(&s).ok_or_else(|| {
                rusqlite::Error::FromSqlConversionFailure(
                    4,
                    rusqlite::types::Type::Text,
                    format!("unknown state {s:?}").into(),
                )
            })?),
        },
        hours: Vec::new(),
        closures: Vec::new(),
        version: row.get(5)?,
        created_at: row.get(6)?,
        updated_at: row.get(7)?,
        recompute_pending: row.get(8)?,
    })
}

pub(crate) fn hhmm(minute: i64) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

fn complete(conn: &Connection, mut cal: Calendar) -> StoreResult<Calendar> {
    let mut stmt = conn.prepare_cached(
        "SELECT weekday, start_minute, end_minute FROM business_calendar_hours
         WHERE calendar_id = ?1 ORDER BY weekday, start_minute",
    )?;
    cal.hours = stmt
        .query_map([cal.id], |r| {
            Ok(OpeningInterval {
                weekday: r.get(0)?,
                start: hhmm(r.get(1)?),
                end: hhmm(r.get(2)?),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT name, from_date, to_date FROM business_calendar_closures
         WHERE calendar_id = ?1 ORDER BY from_date, id",
    )?;
    cal.closures = stmt
        .query_map([cal.id], |r| {
            Ok(CalendarClosure {
                name: r.get(0)?,
                from: r.get(1)?,
                to: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(cal)
}

pub fn calendar(conn: &Connection, id: i64) -> StoreResult<Option<Calendar>> {
    let found = conn
        .prepare_cached(&format!(
            "SELECT {CALENDAR_COLUMNS} FROM business_calendars WHERE id = ?1"
        ))?
        .query_row([id], calendar_row)
        .optional()?;
    found.map(|c| complete(conn, c)).transpose()
}

/// Calendars of some clients (`None`: all), by name.
pub fn calendars(conn: &Connection, client_id: Option<ClientId>) -> StoreResult<Vec<Calendar>> {
    let rows = conn
        .prepare_cached(&format!(
            "SELECT {CALENDAR_COLUMNS} FROM business_calendars
             WHERE ?1 IS NULL OR client_id = ?1 ORDER BY name, id LIMIT 500"
        ))?
        .query_map([client_id], calendar_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(|c| complete(conn, c)).collect()
}

pub struct CalendarRow<'a> {
    pub name: &'a str,
    pub time_zone: &'a str,
    pub state: Option<&'a str>,
    /// (weekday, start minute, end minute)
    pub hours: &'a [(u8, u16, u16)],
    pub closures: &'a [CalendarClosure],
}

pub fn insert_calendar(
    conn: &Connection,
    client_id: ClientId,
    row: &CalendarRow,
    now: &str,
) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO business_calendars (client_id, name, time_zone, state, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
    )?
    .execute(params![client_id, row.name, row.time_zone, row.state, now])?;
    let id = conn.last_insert_rowid();
    write_parts(conn, id, row)?;
    Ok(id)
}

pub fn update_calendar(
    conn: &Connection,
    id: i64,
    row: &CalendarRow,
    now: &str,
) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE business_calendars SET name = ?2, time_zone = ?3, state = ?4,
             version = version + 1, updated_at = ?5, recompute_after = 0 WHERE id = ?1",
    )?
    .execute(params![id, row.name, row.time_zone, row.state, now])?;
    conn.prepare_cached("DELETE FROM business_calendar_hours WHERE calendar_id = ?1")?
        .execute([id])?;
    conn.prepare_cached("DELETE FROM business_calendar_closures WHERE calendar_id = ?1")?
        .execute([id])?;
    write_parts(conn, id, row)
}

fn write_parts(conn: &Connection, id: i64, row: &CalendarRow) -> StoreResult<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO business_calendar_hours (calendar_id, weekday, start_minute, end_minute)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (day, start, end) in row.hours {
        stmt.execute(params![id, day, start, end])?;
    }
    let mut stmt = conn.prepare_cached(
        "INSERT INTO business_calendar_closures (calendar_id, name, from_date, to_date)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    for c in row.closures {
        stmt.execute(params![id, c.name, c.from, c.to])?;
    }
    Ok(())
}

/// Calendars whose running deadlines still wait for their recompute.
pub fn pending_recomputes(conn: &Connection) -> StoreResult<Vec<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM business_calendars WHERE recompute_after IS NOT NULL ORDER BY id",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// A calendar's version and where its recompute stands (`None`: no such
/// calendar; inner `None`: nothing pending).
pub fn recompute_state(conn: &Connection, id: i64) -> StoreResult<Option<(i64, Option<i64>)>> {
    Ok(conn
        .prepare_cached("SELECT version, recompute_after FROM business_calendars WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Records the recompute's progress (`None`: done).
pub fn set_recompute_after(conn: &Connection, id: i64, after: Option<i64>) -> StoreResult<()> {
    conn.prepare_cached("UPDATE business_calendars SET recompute_after = ?2 WHERE id = ?1")?
        .execute(params![id, after])?;
    Ok(())
}

pub fn delete_calendar(conn: &Connection, id: i64) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM business_calendars WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

pub fn calendar_in_use(conn: &Connection, id: i64) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM sla_policies WHERE calendar_id = ?1)")?
        .query_row([id], |r| r.get::<_, bool>(0))?
        // An overflow rule of a project's current distribution plan.
        || crate::distribution::store::calendar_in_use(conn, id)?)
}

// ---- policies -------------------------------------------------------------------

const POLICY_COLUMNS: &str = "id, project_id, name, position, active, calendar_id, priorities,
    channels, topic_ids, organization_ids, first_response_minutes, next_response_minutes,
    resolution_minutes, warn_percent, created_at, updated_at";

fn json_list<T: serde::de::DeserializeOwned>(row: &Row, i: usize) -> rusqlite::Result<Vec<T>> {
    let text: String = row.get(i)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn policy_row(row: &Row) -> rusqlite::Result<Policy> {
    Ok(Policy {
        id: row.get(0)?,
        project_id: row.get(1)?,
        name: row.get(2)?,
        position: row.get(3)?,
        active: row.get(4)?,
        calendar_id: row.get(5)?,
        priorities: json_list(row, 6)?,
        channels: json_list(row, 7)?,
        topic_ids: json_list(row, 8)?,
        organization_ids: json_list(row, 9)?,
        first_response_minutes: row.get(10)?,
        next_response_minutes: row.get(11)?,
        resolution_minutes: row.get(12)?,
        warn_percent: row.get(13)?,
        created_at: row.get(14)?,
        updated_at: row.get(15)?,
    })
}

pub fn policy(conn: &Connection, id: i64) -> StoreResult<Option<Policy>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {POLICY_COLUMNS} FROM sla_policies WHERE id = ?1"
        ))?
        .query_row([id], policy_row)
        .optional()?)
}

/// A project's policies in evaluation order.
pub fn policies(conn: &Connection, project_id: ProjectId) -> StoreResult<Vec<Policy>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {POLICY_COLUMNS} FROM sla_policies WHERE project_id = ?1 ORDER BY position, id"
        ))?
        .query_map([project_id], policy_row)?
        .collect::<rusqlite::Result<_>>()?)
}

pub fn next_position(conn: &Connection, project_id: ProjectId) -> StoreResult<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT coalesce(max(position) + 1, 0) FROM sla_policies WHERE project_id = ?1",
        )?
        .query_row([project_id], |r| r.get(0))?)
}

pub fn save_policy(conn: &Connection, id: Option<i64>, p: &Policy) -> StoreResult<i64> {
    let list = |v: serde_json::Result<String>| v.unwrap_or_else(|_| "[]".into());
    let values = params![
        p.project_id,
        p.name,
        p.position,
        p.active,
        p.calendar_id,
        list(serde_json::to_string(&p.priorities)),
        list(serde_json::to_string(&p.channels)),
        list(serde_json::to_string(&p.topic_ids)),
        list(serde_json::to_string(&p.organization_ids)),
        p.first_response_minutes,
        p.next_response_minutes,
        p.resolution_minutes,
        p.warn_percent,
        p.updated_at,
    ];
    match id {
        None => {
            conn.prepare_cached(
                "INSERT INTO sla_policies (project_id, name, position, active, calendar_id, priorities,
                     channels, topic_ids, organization_ids, first_response_minutes,
                     next_response_minutes, resolution_minutes, warn_percent, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)",
            )?
            .execute(values)?;
            Ok(conn.last_insert_rowid())
        }
        Some(id) => {
            conn.prepare_cached(
                "UPDATE sla_policies SET project_id = ?1, name = ?2, position = ?3, active = ?4,
                     calendar_id = ?5, priorities = ?6, channels = ?7, topic_ids = ?8,
                     organization_ids = ?9, first_response_minutes = ?10,
                     next_response_minutes = ?11, resolution_minutes = ?12, warn_percent = ?13,
                     updated_at = ?14
                 WHERE id = ?15",
            )?
            .execute(params![
                p.project_id,
                p.name,
                p.position,
                p.active,
                p.calendar_id,
                list(serde_json::to_string(&p.priorities)),
                list(serde_json::to_string(&p.channels)),
                list(serde_json::to_string(&p.topic_ids)),
                list(serde_json::to_string(&p.organization_ids)),
                p.first_response_minutes,
                p.next_response_minutes,
                p.resolution_minutes,
                p.warn_percent,
                p.updated_at,
                id
            ])?;
            Ok(id)
        }
    }
}

pub fn delete_policy(conn: &Connection, id: i64) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM sla_policies WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

pub fn project_client(conn: &Connection, project_id: ProjectId) -> StoreResult<Option<ClientId>> {
    Ok(conn
        .prepare_cached("SELECT client_id FROM projects WHERE id = ?1")?
        .query_row([project_id], |r| r.get(0))
        .optional()?)
}

pub fn topic_in_project(
    conn: &Connection,
    topic_id: i64,
    project_id: ProjectId,
) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM topics WHERE id = ?1 AND project_id = ?2)")?
        .query_row(params![topic_id, project_id], |r| r.get(0))?)
}

pub fn organization_of_client(
    conn: &Connection,
    organization_id: i64,
    client_id: ClientId,
) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM organizations WHERE id = ?1 AND client_id = ?2)",
        )?
        .query_row(params![organization_id, client_id], |r| r.get(0))?)
}

// ---- case clocks ------------------------------------------------------------------

const CLOCK_COLUMNS: &str = "id, case_id, target, cycle, policy_id, target_minutes, started_at,
    paused_minutes, state, due_at, warn_at, warned_at, breached_at, achieved_at, result,
    warn_minutes, paused_since, calendar_id";

/// A clock with the columns the arithmetic needs beside the API shape.
#[derive(Debug, Clone)]
pub struct ClockRow {
    pub clock: CaseClock,
    pub warn_minutes: i64,
    pub paused_since: Option<String>,
    pub calendar_id: Option<i64>,
}

fn clock_row(row: &Row) -> rusqlite::Result<ClockRow> {
    Ok(ClockRow {
        clock: CaseClock {
            id: row.get(0)?,
            case_id: row.get(1)?,
            target: row.get(2)?,
            cycle: row.get(3)?,
            policy_id: row.get(4)?,
            target_minutes: row.get(5)?,
            started_at: row.get(6)?,
            paused_minutes: row.get(7)?,
            state: row.get(8)?,
            due_at: row.get(9)?,
            warn_at: row.get(10)?,
            warned_at: row.get(11)?,
            breached_at: row.get(12)?,
            achieved_at: row.get(13)?,
            result: row.get(14)?,
        },
        warn_minutes: row.get(15)?,
        paused_since: row.get(16)?,
        calendar_id: row.get(17)?,
    })
}

pub fn clocks(conn: &Connection, case_id: CaseId) -> StoreResult<Vec<ClockRow>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {CLOCK_COLUMNS} FROM case_sla WHERE case_id = ?1 ORDER BY id"
        ))?
        .query_map([case_id], clock_row)?
        .collect::<rusqlite::Result<_>>()?)
}

pub fn insert_clock(conn: &Connection, c: &ClockRow) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO case_sla (case_id, target, cycle, policy_id, calendar_id, target_minutes,
             warn_minutes, started_at, state, due_at, warn_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        c.clock.case_id,
        c.clock.target.as_str(),
        c.clock.cycle,
        c.clock.policy_id,
        c.calendar_id,
        c.clock.target_minutes,
        c.warn_minutes,
        c.clock.started_at,
        c.clock.state.as_str(),
        c.clock.due_at,
        c.clock.warn_at,
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Writes every changeable column of a clock.
pub fn save_clock(conn: &Connection, c: &ClockRow) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE case_sla SET policy_id = ?2, calendar_id = ?3, target_minutes = ?4,
             warn_minutes = ?5, paused_minutes = ?6, paused_since = ?7, state = ?8, due_at = ?9,
             warn_at = ?10, warned_at = ?11, breached_at = ?12, achieved_at = ?13, result = ?14
         WHERE id = ?1",
    )?
    .execute(params![
        c.clock.id,
        c.clock.policy_id,
        c.calendar_id,
        c.clock.target_minutes,
        c.warn_minutes,
        c.clock.paused_minutes,
        c.paused_since,
        c.clock.state.as_str(),
        c.clock.due_at,
        c.clock.warn_at,
        c.clock.warned_at,
        c.clock.breached_at,
        c.clock.achieved_at,
        c.clock.result.map(ClockResult::as_str),
    ])?;
    Ok(())
}

/// New deadlines of many clocks (one prepared statement, row by row: as
/// fast here as one `UPDATE … FROM json_each`, which pays for the JSON).
pub fn set_deadlines_many(
    conn: &Connection,
    rows: &[(i64, Option<String>, Option<String>)],
) -> StoreResult<()> {
    let mut stmt =
        conn.prepare_cached("UPDATE case_sla SET due_at = ?2, warn_at = ?3 WHERE id = ?1")?;
    for (id, due, warn) in rows {
        stmt.execute(params![id, due, warn])?;
    }
    Ok(())
}

/// The next running deadline of many cases in one statement (as
/// [`refresh_case_deadline`] for one).
pub fn refresh_case_deadlines(conn: &Connection, case_ids: &[CaseId]) -> StoreResult<()> {
    if case_ids.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = case_ids.iter().map(|c| c.0).collect();
    let json =
        serde_json::to_string(&ids).map_err(|e| crate::db::StoreError::Task(e.to_string()))?;
    conn.prepare_cached(
        "UPDATE cases SET (sla_due_at, sla_target) = (
             SELECT s.due_at, s.target FROM case_sla s
             WHERE s.case_id = cases.id AND s.state = 'running' AND s.due_at IS NOT NULL
             ORDER BY s.due_at LIMIT 1)
         WHERE id IN (SELECT value FROM json_each(?1))",
    )?
    .execute([json])?;
    Ok(())
}

/// The case's next running deadline, as the case list shows it.
pub fn refresh_case_deadline(
    conn: &Connection,
    case_id: CaseId,
) -> StoreResult<(Option<String>, Option<Target>)> {
    let next: Option<(String, Target)> = conn
        .prepare_cached(
            "SELECT due_at, target FROM case_sla
             WHERE case_id = ?1 AND state = 'running' AND due_at IS NOT NULL
             ORDER BY due_at LIMIT 1",
        )?
        .query_row([case_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (due, target) = match next {
        Some((due, target)) => (Some(due), Some(target)),
        None => (None, None),
    };
    conn.prepare_cached("UPDATE cases SET sla_due_at = ?2, sla_target = ?3 WHERE id = ?1")?
        .execute(params![case_id, due, target.map(Target::as_str)])?;
    Ok((due, target))
}

/// A running clock as the recompute needs it.
#[derive(Debug, Clone)]
pub struct RunningClock {
    pub id: i64,
    pub case_id: CaseId,
    pub started_at: String,
    /// Target plus paused business minutes.
    pub due_minutes: i64,
    /// Warning share plus paused business minutes.
    pub warn_minutes: i64,
    pub due_at: Option<String>,
    pub warn_at: Option<String>,
}

/// Running clocks of a calendar after `after_id`, for the recompute in
/// batches.
pub fn running_of_calendar(
    conn: &Connection,
    calendar_id: i64,
    after_id: i64,
    limit: i64,
) -> StoreResult<Vec<RunningClock>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, case_id, started_at, target_minutes + paused_minutes,
                    warn_minutes + paused_minutes, due_at, warn_at
             FROM case_sla WHERE calendar_id = ?1 AND state = 'running' AND id > ?2
             ORDER BY id LIMIT ?3",
        )?
        .query_map(params![calendar_id, after_id, limit], |r| {
            Ok(RunningClock {
                id: r.get(0)?,
                case_id: r.get(1)?,
                started_at: r.get(2)?,
                due_minutes: r.get(3)?,
                warn_minutes: r.get(4)?,
                due_at: r.get(5)?,
                warn_at: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// Running clocks whose warning or breach is due at `now`: (clock id, case
/// id, target, warning (false) or breach (true)).
pub fn due_marks(
    conn: &Connection,
    now: &str,
    limit: i64,
) -> StoreResult<Vec<(i64, CaseId, Target, bool)>> {
    let mut out: Vec<(i64, CaseId, Target, bool)> = conn
        .prepare_cached(
            "SELECT id, case_id, target FROM case_sla
             WHERE state = 'running' AND breached_at IS NULL AND due_at <= ?1 LIMIT ?2",
        )?
        .query_map(params![now, limit], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, true))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let warnings: Vec<(i64, CaseId, Target, bool)> = conn
        .prepare_cached(
            "SELECT id, case_id, target FROM case_sla
             WHERE state = 'running' AND warned_at IS NULL AND warn_at <= ?1 LIMIT ?2",
        )?
        .query_map(params![now, limit], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, false))
        })?
        .collect::<rusqlite::Result<_>>()?;
    out.extend(warnings);
    Ok(out)
}

pub fn mark_breached(conn: &Connection, id: i64, at: &str) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE case_sla SET breached_at = due_at, result = 'breached',
                 warned_at = coalesce(warned_at, ?2)
             WHERE id = ?1 AND breached_at IS NULL AND state = 'running'",
        )?
        .execute(params![id, at])?
        == 1)
}

pub fn mark_warned(conn: &Connection, id: i64, at: &str) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE case_sla SET warned_at = ?2 WHERE id = ?1 AND warned_at IS NULL AND state = 'running'",
        )?
        .execute(params![id, at])?
        == 1)
}

pub fn clock_state(s: ClockState) -> &'static str {
    s.as_str()
}
