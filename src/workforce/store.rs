//! The workforce's SQL: agent states and their log, the clients' state
//! settings and break reasons, corrections, seats, and the monitor's reads.

use rusqlite::{Connection, OptionalExtension, params};

use super::model::{
    AfterWorkExpiry, BreakReason, CalendarChoice, Correction, LogEntry, MonitorQueue, NearBreach,
    Seat, SeatAgent, SeatAssignment, SeatTariff, StateSource, WorkState,
};
use crate::cases::Channel;
use crate::db::StoreResult;
use crate::ids::{CaseId, ClientId, ProjectId, UserId};

// ---- current state -------------------------------------------------------------

/// An agent's state row (routing's availability row with the workforce's
/// columns).
#[derive(Debug, Clone, PartialEq)]
pub struct StateRow {
    pub state: WorkState,
    pub reason_id: Option<i64>,
    pub reason: Option<String>,
    pub project_id: Option<ProjectId>,
    pub case_id: Option<CaseId>,
    pub since: String,
    pub overrun: bool,
    pub auto_away: bool,
}

pub fn current(conn: &Connection, user_id: UserId) -> StoreResult<Option<StateRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT a.work_state, a.reason_id, r.name, a.project_id, a.case_id, a.since,
                    a.overrun, a.auto_away
             FROM agent_availability a LEFT JOIN break_reasons r ON r.id = a.reason_id
             WHERE a.user_id = ?1",
        )?
        .query_row([user_id], |r| {
            Ok(StateRow {
                state: r.get(0)?,
                reason_id: r.get(1)?,
                reason: r.get(2)?,
                project_id: r.get(3)?,
                case_id: r.get(4)?,
                since: r.get(5)?,
                overrun: r.get(6)?,
                auto_away: r.get(7)?,
            })
        })
        .optional()?)
}

/// Writes the agent's state: the detailed one and routing's view of it.
/// A change of state is also a sign of life.
pub fn set_current(
    conn: &Connection,
    user_id: UserId,
    row: &StateRow,
    at: &str,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO agent_availability (user_id, state, since, auto_away, last_activity_at,
             work_state, reason_id, project_id, case_id, heartbeat_at, overrun)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?5, ?10)
         ON CONFLICT (user_id) DO UPDATE SET
             state = excluded.state, since = excluded.since, auto_away = excluded.auto_away,
             last_activity_at = excluded.last_activity_at, work_state = excluded.work_state,
             reason_id = excluded.reason_id, project_id = excluded.project_id,
             case_id = excluded.case_id, heartbeat_at = excluded.heartbeat_at,
             overrun = excluded.overrun",
    )?
    .execute(params![
        user_id,
        row.state.routing().as_str(),
        row.since,
        row.auto_away,
        at,
        row.state.as_str(),
        row.reason_id,
        row.project_id,
        row.case_id,
        row.overrun,
    ])?;
    Ok(())
}

pub fn set_overrun(conn: &Connection, user_id: UserId) -> StoreResult<()> {
    conn.prepare_cached("UPDATE agent_availability SET overrun = 1 WHERE user_id = ?1")?
        .execute([user_id])?;
    Ok(())
}

/// A sign of life of the open workspace.
pub fn heartbeat(conn: &Connection, user_id: UserId, at: &str) -> StoreResult<()> {
    conn.prepare_cached("UPDATE agent_availability SET heartbeat_at = ?2 WHERE user_id = ?1")?
        .execute(params![user_id, at])?;
    Ok(())
}

/// Agents not offline without a sign of life (heartbeat, activity, state
/// change) since `cutoff`.
pub fn silent(conn: &Connection, cutoff: &str) -> StoreResult<Vec<UserId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT user_id FROM agent_availability
         WHERE work_state <> 'offline'
           AND max(coalesce(heartbeat_at, ''), since, last_activity_at) < ?1",
    )?;
    let rows = stmt.query_map([cutoff], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Agents in after-work not yet flagged: (user, since, the client whose
/// settings apply).
pub fn in_after_work(conn: &Connection) -> StoreResult<Vec<(UserId, String, Option<ClientId>)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.user_id, a.since, coalesce(p.client_id, u.client_id)
         FROM agent_availability a
         JOIN users u ON u.id = a.user_id
         LEFT JOIN projects p ON p.id = a.project_id
         WHERE a.work_state = 'after-work' AND a.overrun = 0",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn offline_after_seconds(conn: &Connection) -> StoreResult<i64> {
    Ok(conn
        .prepare_cached("SELECT offline_after_seconds FROM routing_settings WHERE id = 1")?
        .query_row([], |r| r.get(0))
        .optional()?
        .unwrap_or(120))
}

pub fn set_offline_after_seconds(conn: &Connection, seconds: i64) -> StoreResult<()> {
    conn.prepare_cached("UPDATE routing_settings SET offline_after_seconds = ?1 WHERE id = 1")?
        .execute([seconds])?;
    Ok(())
}

// ---- the log -------------------------------------------------------------------

/// One state change to append.
#[derive(Debug, Clone)]
pub struct NewLogRow<'a> {
    pub user_id: UserId,
    pub at: &'a str,
    pub from: WorkState,
    pub to: WorkState,
    pub reason_id: Option<i64>,
    pub reason: Option<&'a str>,
    pub project_id: Option<ProjectId>,
    pub client_id: Option<ClientId>,
    pub case_id: Option<CaseId>,
    pub source: StateSource,
    pub by: Option<UserId>,
}

pub fn append(conn: &Connection, row: &NewLogRow<'_>) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO agent_state_log (user_id, at, from_state, to_state, reason_id, reason,
             project_id, client_id, case_id, source, by_user_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        row.user_id,
        row.at,
        row.from.as_str(),
        row.to.as_str(),
        row.reason_id,
        row.reason,
        row.project_id,
        row.client_id,
        row.case_id,
        row.source.as_str(),
        row.by,
    ])?;
    Ok(conn.last_insert_rowid())
}

/// A log row as the productive-time computation reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub at: String,
    pub state: WorkState,
    pub project_id: Option<ProjectId>,
}

/// A user's log rows in [from, to), with the last one before `from` (the
/// state the period starts in), oldest first.
pub fn spans(conn: &Connection, user_id: UserId, from: &str, to: &str) -> StoreResult<Vec<Span>> {
    let map = |r: &rusqlite::Row<'_>| {
        Ok(Span {
            at: r.get(0)?,
            state: r.get(1)?,
            project_id: r.get(2)?,
        })
    };
    let mut out: Vec<Span> = conn
        .prepare_cached(
            "SELECT at, to_state, project_id FROM agent_state_log
             WHERE user_id = ?1 AND at < ?2 ORDER BY at DESC, id DESC LIMIT 1",
        )?
        .query_row(params![user_id, from], map)
        .optional()?
        .into_iter()
        .collect();
    let mut stmt = conn.prepare_cached(
        "SELECT at, to_state, project_id FROM agent_state_log
         WHERE user_id = ?1 AND at >= ?2 AND at < ?3 ORDER BY at, id",
    )?;
    for row in stmt.query_map(params![user_id, from, to], map)? {
        out.push(row?);
    }
    Ok(out)
}

/// Users with log rows of these projects in [from, to).
pub fn logged_users(
    conn: &Connection,
    projects: &[ProjectId],
    from: &str,
    to: &str,
) -> StoreResult<Vec<UserId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT user_id FROM agent_state_log
         WHERE project_id IN (SELECT value FROM json_each(?1)) AND at >= ?2 AND at < ?3",
    )?;
    let rows = stmt.query_map(params![ids_json(projects), from, to], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The agent members of these projects.
pub fn member_agents(conn: &Connection, projects: &[ProjectId]) -> StoreResult<Vec<UserId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT user_id FROM project_members
         WHERE role = 'agent' AND project_id IN (SELECT value FROM json_each(?1))",
    )?;
    let rows = stmt.query_map([ids_json(projects)], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A recorded handling time: (user, project, start, seconds).
pub type TimeRow = (UserId, ProjectId, String, i64);

/// Time entries of these projects starting in [from, to).
pub fn time_entries(
    conn: &Connection,
    projects: &[ProjectId],
    from: &str,
    to: &str,
) -> StoreResult<Vec<TimeRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT user_id, project_id, started_at, seconds FROM time_entries
         WHERE project_id IN (SELECT value FROM json_each(?1))
           AND started_at >= ?2 AND started_at < ?3",
    )?;
    let rows = stmt.query_map(params![ids_json(projects), from, to], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Log rows for the log view, newest first (at most `limit`).
pub fn log(
    conn: &Connection,
    projects: &[ProjectId],
    user_id: Option<UserId>,
    from: &str,
    to: &str,
    limit: i64,
) -> StoreResult<Vec<LogEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.id, l.user_id, u.name, l.at, l.from_state, l.to_state, l.reason, l.project_id,
                l.case_id, l.source, l.by_user_id, b.name
         FROM agent_state_log l JOIN users u ON u.id = l.user_id
         LEFT JOIN users b ON b.id = l.by_user_id
         WHERE l.project_id IN (SELECT value FROM json_each(?1))
           AND (?2 IS NULL OR l.user_id = ?2) AND l.at >= ?3 AND l.at < ?4
         ORDER BY l.at DESC, l.id DESC LIMIT ?5",
    )?;
    let rows = stmt.query_map(params![ids_json(projects), user_id, from, to, limit], |r| {
        Ok(LogEntry {
            id: r.get(0)?,
            user_id: r.get(1)?,
            user_name: r.get(2)?,
            at: r.get(3)?,
            from_state: r.get(4)?,
            to_state: r.get(5)?,
            reason: r.get(6)?,
            project_id: r.get(7)?,
            case_id: r.get(8)?,
            source: r.get(9)?,
            by_user_id: r.get(10)?,
            by_name: r.get(11)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn ids_json(ids: &[ProjectId]) -> String {
    let plain: Vec<i64> = ids.iter().map(|p| p.get()).collect();
    serde_json::to_string(&plain).unwrap_or_else(|_| "[]".into())
}

// ---- corrections ---------------------------------------------------------------

/// A correction to append.
pub struct NewCorrection<'a> {
    pub user_id: UserId,
    pub project_id: ProjectId,
    pub day: &'a str,
    pub seconds: i64,
    pub reason: &'a str,
    pub by: Option<UserId>,
    pub at: &'a str,
}

pub fn insert_correction(conn: &Connection, c: &NewCorrection<'_>) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO productive_time_corrections
             (user_id, project_id, day, seconds, reason, created_by_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        c.user_id,
        c.project_id,
        c.day,
        c.seconds,
        c.reason,
        c.by,
        c.at
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Corrections of these projects on days in [from, to] (inclusive).
pub fn corrections(
    conn: &Connection,
    projects: &[ProjectId],
    from_day: &str,
    to_day: &str,
) -> StoreResult<Vec<Correction>> {
    let mut stmt = conn.prepare_cached(
        "SELECT k.id, k.user_id, k.project_id, k.day, k.seconds, k.reason, k.created_by_id,
                b.name, k.created_at
         FROM productive_time_corrections k LEFT JOIN users b ON b.id = k.created_by_id
         WHERE k.project_id IN (SELECT value FROM json_each(?1)) AND k.day >= ?2 AND k.day <= ?3
         ORDER BY k.id",
    )?;
    let rows = stmt.query_map(params![ids_json(projects), from_day, to_day], |r| {
        Ok(Correction {
            id: r.get(0)?,
            user_id: r.get(1)?,
            project_id: r.get(2)?,
            day: r.get(3)?,
            seconds: r.get(4)?,
            reason: r.get(5)?,
            created_by_id: r.get(6)?,
            created_by_name: r.get(7)?,
            created_at: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

// ---- settings and reasons ------------------------------------------------------

/// A client's settings row.
#[derive(Debug, Clone)]
pub struct SettingsRow {
    pub after_work_max_seconds: i64,
    pub after_work_expiry: AfterWorkExpiry,
    /// JSON array of states.
    pub productive_states: String,
    pub time_zone: String,
    pub sign_in_state: WorkState,
}

pub fn settings(conn: &Connection, client_id: ClientId) -> StoreResult<Option<SettingsRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT after_work_max_seconds, after_work_expiry, productive_states, time_zone,
                    sign_in_state
             FROM workforce_settings WHERE client_id = ?1",
        )?
        .query_row([client_id], |r| {
            Ok(SettingsRow {
                after_work_max_seconds: r.get(0)?,
                after_work_expiry: r.get(1)?,
                productive_states: r.get(2)?,
                time_zone: r.get(3)?,
                sign_in_state: r.get(4)?,
            })
        })
        .optional()?)
}

pub fn put_settings(
    conn: &Connection,
    client_id: ClientId,
    row: &SettingsRow,
    by: Option<UserId>,
    at: &str,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO workforce_settings (client_id, after_work_max_seconds, after_work_expiry,
             productive_states, time_zone, sign_in_state, changed_by_id, changed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (client_id) DO UPDATE SET
             after_work_max_seconds = excluded.after_work_max_seconds,
             after_work_expiry = excluded.after_work_expiry,
             productive_states = excluded.productive_states, time_zone = excluded.time_zone,
             sign_in_state = excluded.sign_in_state,
             changed_by_id = excluded.changed_by_id, changed_at = excluded.changed_at",
    )?
    .execute(params![
        client_id,
        row.after_work_max_seconds,
        row.after_work_expiry.as_str(),
        row.productive_states,
        row.time_zone,
        row.sign_in_state.as_str(),
        by,
        at
    ])?;
    Ok(())
}

pub fn reasons(conn: &Connection, client_id: ClientId) -> StoreResult<Vec<BreakReason>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, active FROM break_reasons WHERE client_id = ?1 ORDER BY position, id",
    )?;
    let rows = stmt.query_map([client_id], |r| {
        Ok(BreakReason {
            id: r.get(0)?,
            name: r.get(1)?,
            active: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A reason's (client, name, active).
pub fn reason(conn: &Connection, id: i64) -> StoreResult<Option<(ClientId, String, bool)>> {
    Ok(conn
        .prepare_cached("SELECT client_id, name, active FROM break_reasons WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?)
}

pub fn insert_reason(
    conn: &Connection,
    client_id: ClientId,
    name: &str,
    active: bool,
    position: i64,
) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO break_reasons (client_id, name, active, position) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![client_id, name, active, position])?;
    Ok(conn.last_insert_rowid())
}

pub fn update_reason(
    conn: &Connection,
    id: i64,
    name: &str,
    active: bool,
    position: i64,
) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE break_reasons SET name = ?2, active = ?3, position = ?4 WHERE id = ?1",
    )?
    .execute(params![id, name, active, position])?;
    Ok(())
}

/// A reason of the client by name.
pub fn reason_by_name(
    conn: &Connection,
    client_id: ClientId,
    name: &str,
) -> StoreResult<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM break_reasons WHERE client_id = ?1 AND name = ?2")?
        .query_row(params![client_id, name], |r| r.get(0))
        .optional()?)
}

// ---- seats ---------------------------------------------------------------------

fn seat_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Seat> {
    Ok(Seat {
        id: r.get(0)?,
        project_id: r.get(1)?,
        name: r.get(2)?,
        tariff: r.get(3)?,
        channel: r.get(4)?,
        calendar_id: r.get(5)?,
        calendar_name: r.get(6)?,
        productive_minutes: r.get(7)?,
        valid_from: r.get(8)?,
        valid_to: r.get(9)?,
        version: r.get(10)?,
        assignments: Vec::new(),
    })
}

const SEAT_COLUMNS: &str = "s.id, s.project_id, s.name, s.tariff, s.channel, s.calendar_id, \
     c.name, s.productive_minutes, s.valid_from, s.valid_to, s.version";

pub fn seats(conn: &Connection, project_id: ProjectId) -> StoreResult<Vec<Seat>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {SEAT_COLUMNS} FROM seats s LEFT JOIN business_calendars c ON c.id = s.calendar_id
         WHERE s.project_id = ?1 ORDER BY s.valid_from, s.name, s.id"
    ))?;
    let rows = stmt.query_map([project_id], seat_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn seat(conn: &Connection, id: i64) -> StoreResult<Option<Seat>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {SEAT_COLUMNS} FROM seats s
             LEFT JOIN business_calendars c ON c.id = s.calendar_id WHERE s.id = ?1"
        ))?
        .query_row([id], seat_row)
        .optional()?)
}

/// The fields a seat is written with.
pub struct SeatRow<'a> {
    pub name: &'a str,
    pub tariff: SeatTariff,
    pub channel: Option<Channel>,
    pub calendar_id: Option<i64>,
    pub productive_minutes: Option<i64>,
    pub valid_from: &'a str,
    pub valid_to: Option<&'a str>,
}

pub fn insert_seat(
    conn: &Connection,
    project_id: ProjectId,
    s: &SeatRow<'_>,
    at: &str,
) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO seats (project_id, name, tariff, channel, calendar_id, productive_minutes,
             valid_from, valid_to, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
    )?
    .execute(params![
        project_id,
        s.name,
        s.tariff.as_str(),
        s.channel.map(Channel::as_str),
        s.calendar_id,
        s.productive_minutes,
        s.valid_from,
        s.valid_to,
        at
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Changes a seat at `version`; false when it is at another version.
pub fn update_seat(
    conn: &Connection,
    id: i64,
    version: i64,
    s: &SeatRow<'_>,
    at: &str,
) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE seats SET name = ?3, tariff = ?4, channel = ?5, calendar_id = ?6,
                 productive_minutes = ?7, valid_from = ?8, valid_to = ?9, updated_at = ?10,
                 version = version + 1
             WHERE id = ?1 AND version = ?2",
        )?
        .execute(params![
            id,
            version,
            s.name,
            s.tariff.as_str(),
            s.channel.map(Channel::as_str),
            s.calendar_id,
            s.productive_minutes,
            s.valid_from,
            s.valid_to,
            at
        ])?
        == 1)
}

pub fn delete_seat(conn: &Connection, id: i64) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM seats WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

pub fn seat_name_taken(
    conn: &Connection,
    project_id: ProjectId,
    name: &str,
    except: Option<i64>,
) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM seats WHERE project_id = ?1 AND name = ?2
                            AND (?3 IS NULL OR id <> ?3))",
        )?
        .query_row(params![project_id, name, except], |r| r.get(0))?)
}

pub fn assignments(conn: &Connection, seat_id: i64) -> StoreResult<Vec<SeatAssignment>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, a.seat_id, a.user_id, u.name, a.valid_from, a.valid_to, a.created_at
         FROM seat_assignments a JOIN users u ON u.id = a.user_id
         WHERE a.seat_id = ?1 ORDER BY a.valid_from, a.id",
    )?;
    let rows = stmt.query_map([seat_id], |r| {
        Ok(SeatAssignment {
            id: r.get(0)?,
            seat_id: r.get(1)?,
            user_id: r.get(2)?,
            user_name: r.get(3)?,
            valid_from: r.get(4)?,
            valid_to: r.get(5)?,
            created_at: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// An assignment's seat.
pub fn assignment_seat(conn: &Connection, id: i64) -> StoreResult<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT seat_id FROM seat_assignments WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

pub fn insert_assignment(
    conn: &Connection,
    seat_id: i64,
    user_id: UserId,
    valid_from: &str,
    valid_to: Option<&str>,
    by: Option<UserId>,
    at: &str,
) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO seat_assignments (seat_id, user_id, valid_from, valid_to, created_by_id,
             created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![seat_id, user_id, valid_from, valid_to, by, at])?;
    Ok(conn.last_insert_rowid())
}

pub fn delete_assignment(conn: &Connection, id: i64) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM seat_assignments WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Days overlap: both periods inclusive, an open end is open.
const OVERLAPS: &str = "a.valid_from <= coalesce(?3, '9999-12-31')
                        AND ?2 <= coalesce(a.valid_to, '9999-12-31')";

/// Whether another assignment of the seat overlaps the period.
pub fn seat_overlaps(
    conn: &Connection,
    seat_id: i64,
    from: &str,
    to: Option<&str>,
) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT EXISTS (SELECT 1 FROM seat_assignments a WHERE a.seat_id = ?1 AND {OVERLAPS})"
        ))?
        .query_row(params![seat_id, from, to], |r| r.get(0))?)
}

/// Whether the user holds a seat of another client than `client_id` in
/// the period.
pub fn other_client_seat(
    conn: &Connection,
    user_id: UserId,
    client_id: ClientId,
    from: &str,
    to: Option<&str>,
) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT EXISTS (SELECT 1 FROM seat_assignments a JOIN seats s ON s.id = a.seat_id
                            JOIN projects p ON p.id = s.project_id
                            WHERE a.user_id = ?1 AND p.client_id <> ?4 AND {OVERLAPS})"
        ))?
        .query_row(params![user_id, from, to, client_id], |r| r.get(0))?)
}

/// Assignments of the seat outside the period (after a change of it).
pub fn assignments_outside(
    conn: &Connection,
    seat_id: i64,
    from: &str,
    to: Option<&str>,
) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM seat_assignments a WHERE a.seat_id = ?1
               AND (a.valid_from < ?2 OR coalesce(a.valid_to, '9999-12-31') > coalesce(?3, '9999-12-31')))",
        )?
        .query_row(params![seat_id, from, to], |r| r.get(0))?)
}

/// The project's provider agents (who seats go to).
pub fn provider_agents(conn: &Connection, project_id: ProjectId) -> StoreResult<Vec<SeatAgent>> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.id, u.name, u.tariff FROM project_members m JOIN users u ON u.id = m.user_id
         WHERE m.project_id = ?1 AND m.role = 'agent' AND u.role = 'agent'
           AND u.client_id IS NULL AND u.active = 1
         ORDER BY u.name, u.id",
    )?;
    let rows = stmt.query_map([project_id], |r| {
        Ok(SeatAgent {
            user_id: r.get(0)?,
            name: r.get(1)?,
            tariff: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn calendars(conn: &Connection, client_id: ClientId) -> StoreResult<Vec<CalendarChoice>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name FROM business_calendars WHERE client_id = ?1 ORDER BY name, id",
    )?;
    let rows = stmt.query_map([client_id], |r| {
        Ok(CalendarChoice {
            id: r.get(0)?,
            name: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn calendar_client(conn: &Connection, id: i64) -> StoreResult<Option<ClientId>> {
    Ok(conn
        .prepare_cached("SELECT client_id FROM business_calendars WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

// ---- monitor -------------------------------------------------------------------

/// An agent member of a project with their state, as the monitor reads it.
#[derive(Debug, Clone)]
pub struct MonitorRow {
    pub user_id: UserId,
    pub name: String,
    pub client_id: Option<ClientId>,
    pub tariff: Option<crate::users::Tariff>,
    pub state: Option<WorkState>,
    pub reason: Option<String>,
    pub since: Option<String>,
    pub overrun: bool,
    pub project_id: Option<ProjectId>,
    pub project_client_id: Option<ClientId>,
    pub case_id: Option<CaseId>,
    pub case_ref: Option<String>,
    pub case_client_id: Option<ClientId>,
    pub open_cases: i64,
}

pub fn monitor_agents(conn: &Connection, project_id: ProjectId) -> StoreResult<Vec<MonitorRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.id, u.name, u.client_id, u.tariff, a.work_state, r.name, a.since,
                coalesce(a.overrun, 0), a.project_id, ap.client_id, a.case_id,
                cp.key || '-' || c.number, cp.client_id,
                (SELECT count(*) FROM cases o WHERE o.assignee_id = u.id AND o.project_id = ?1
                   AND o.status NOT IN ('solved', 'closed'))
         FROM project_members m
         JOIN users u ON u.id = m.user_id
         LEFT JOIN agent_availability a ON a.user_id = u.id
         LEFT JOIN break_reasons r ON r.id = a.reason_id
         LEFT JOIN projects ap ON ap.id = a.project_id
         LEFT JOIN cases c ON c.id = a.case_id
         LEFT JOIN projects cp ON cp.id = c.project_id
         WHERE m.project_id = ?1 AND m.role = 'agent' AND u.role = 'agent' AND u.active = 1
         ORDER BY u.name, u.id",
    )?;
    let rows = stmt.query_map([project_id], |r| {
        Ok(MonitorRow {
            user_id: r.get(0)?,
            name: r.get(1)?,
            client_id: r.get(2)?,
            tariff: r.get(3)?,
            state: r.get(4)?,
            reason: r.get(5)?,
            since: r.get(6)?,
            overrun: r.get(7)?,
            project_id: r.get(8)?,
            project_client_id: r.get(9)?,
            case_id: r.get(10)?,
            case_ref: r.get(11)?,
            case_client_id: r.get(12)?,
            open_cases: r.get(13)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Open unassigned cases per channel and topic.
pub fn monitor_queues(conn: &Connection, project_id: ProjectId) -> StoreResult<Vec<MonitorQueue>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.channel, c.topic_id, t.name, count(*), min(c.created_at)
         FROM cases c LEFT JOIN topics t ON t.id = c.topic_id
         WHERE c.project_id = ?1 AND c.assignee_id IS NULL AND c.merged_into_id IS NULL
           AND c.status NOT IN ('solved', 'closed')
         GROUP BY c.channel, c.topic_id ORDER BY min(c.created_at)",
    )?;
    let rows = stmt.query_map([project_id], |r| {
        Ok(MonitorQueue {
            channel: r.get(0)?,
            topic_id: r.get(1)?,
            topic_name: r.get(2)?,
            size: r.get(3)?,
            oldest_at: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// SLA targets met in time and breached since `since`.
pub fn sla_today(conn: &Connection, project_id: ProjectId, since: &str) -> StoreResult<(i64, i64)> {
    Ok(conn
        .prepare_cached(
            "SELECT coalesce(sum(s.result = 'achieved' AND s.achieved_at >= ?2), 0),
                    coalesce(sum(s.breached_at >= ?2), 0)
             FROM case_sla s JOIN cases c ON c.id = s.case_id
             WHERE c.project_id = ?1 AND (s.achieved_at >= ?2 OR s.breached_at >= ?2)",
        )?
        .query_row(params![project_id, since], |r| Ok((r.get(0)?, r.get(1)?)))?)
}

/// Running deadlines past their warning (not yet breached), soonest first.
pub fn near_breach(
    conn: &Connection,
    project_id: ProjectId,
    now: &str,
    limit: i64,
) -> StoreResult<Vec<NearBreach>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, p.key || '-' || c.number, c.subject, s.target, s.due_at, c.assignee_id
         FROM case_sla s JOIN cases c ON c.id = s.case_id JOIN projects p ON p.id = c.project_id
         WHERE c.project_id = ?1 AND s.state = 'running' AND s.breached_at IS NULL
           AND s.warn_at <= ?2 AND s.due_at IS NOT NULL
         ORDER BY s.due_at LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![project_id, now, limit], |r| {
        Ok(NearBreach {
            case_id: r.get(0)?,
            reference: r.get(1)?,
            subject: r.get(2)?,
            target: r.get(3)?,
            due_at: r.get(4)?,
            assignee_id: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Cases solved since `since` per (handling team, tariff).
pub fn handled_since(
    conn: &Connection,
    project_id: ProjectId,
    since: &str,
) -> StoreResult<Vec<(String, Option<String>, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT handling_team, handling_tariff, count(*) FROM cases
         WHERE project_id = ?1 AND solved_at >= ?2
         GROUP BY handling_team, handling_tariff ORDER BY 1, 2",
    )?;
    let rows = stmt.query_map(params![project_id, since], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
