//! The plans' SQL.

use rusqlite::{Connection, OptionalExtension, params};

use super::model::{Entry, OpenCases, Overflow, PlanVersion};
use crate::cases::Channel;
use crate::db::StoreResult;
use crate::ids::{CaseId, ProjectId, UserId};

/// The id and version of the project's current plan.
pub fn current(conn: &Connection, project_id: ProjectId) -> StoreResult<Option<(i64, i64)>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, version FROM distribution_plans WHERE project_id = ?1
             ORDER BY version DESC LIMIT 1",
        )?
        .query_row([project_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

pub fn entries(conn: &Connection, plan_id: i64) -> StoreResult<Vec<Entry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT topic_id, channel, team, share_percent FROM distribution_entries
         WHERE plan_id = ?1 ORDER BY rowid",
    )?;
    let rows = stmt.query_map([plan_id], |r| {
        let channel: Option<String> = r.get(1)?;
        Ok(Entry {
            topic_id: r.get(0)?,
            channel: channel.as_deref().and_then(Channel::parse),
            team: r.get(2)?,
            share_percent: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn overflow(conn: &Connection, plan_id: i64) -> StoreResult<Vec<Overflow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind, threshold, calendar_id, to_team FROM distribution_overflow
         WHERE plan_id = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map([plan_id], |r| {
        Ok(Overflow {
            kind: r.get(0)?,
            threshold: r.get(1)?,
            calendar_id: r.get(2)?,
            to_team: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One saved version without its rows.
pub fn head(conn: &Connection, plan_id: i64) -> StoreResult<Option<PlanVersion>> {
    Ok(conn
        .prepare_cached(
            "SELECT version, open_cases, moved, changed_by_id, changed_by_name, changed_at,
                    move_after IS NOT NULL
             FROM distribution_plans WHERE id = ?1",
        )?
        .query_row([plan_id], |r| {
            Ok(PlanVersion {
                version: r.get(0)?,
                open_cases: r.get(1)?,
                moved: r.get(2)?,
                changed_by_id: r.get(3)?,
                changed_by_name: r.get(4)?,
                changed_at: r.get(5)?,
                moving: r.get(6)?,
                entries: Vec::new(),
                overflow: Vec::new(),
            })
        })
        .optional()?)
}

/// Every saved version, newest first.
pub fn versions(conn: &Connection, project_id: ProjectId) -> StoreResult<Vec<PlanVersion>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, version, open_cases, moved, changed_by_id, changed_by_name, changed_at,
                move_after IS NOT NULL
         FROM distribution_plans WHERE project_id = ?1 ORDER BY version DESC",
    )?;
    let heads = stmt
        .query_map([project_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, OpenCases>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<UserId>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, bool>(7)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(heads.len());
    for (id, version, open_cases, moved, changed_by_id, changed_by_name, changed_at, moving) in
        heads
    {
        out.push(PlanVersion {
            version,
            open_cases,
            moved,
            changed_by_id,
            changed_by_name,
            changed_at,
            moving,
            entries: entries(conn, id)?,
            overflow: overflow(conn, id)?,
        });
    }
    Ok(out)
}

pub struct NewPlan<'a> {
    pub project_id: ProjectId,
    pub version: i64,
    pub open_cases: OpenCases,
    pub changed_by_id: Option<UserId>,
    pub changed_by_name: &'a str,
    pub changed_at: &'a str,
    pub entries: &'a [Entry],
    pub overflow: &'a [Overflow],
}

pub fn insert(conn: &Connection, p: &NewPlan<'_>) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO distribution_plans (project_id, version, open_cases, changed_by_id,
             changed_by_name, changed_at, move_after)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, CASE WHEN ?3 = 'leave' THEN NULL ELSE 0 END)",
    )?
    .execute(params![
        p.project_id,
        p.version,
        p.open_cases.as_str(),
        p.changed_by_id,
        p.changed_by_name,
        p.changed_at
    ])?;
    let id = conn.last_insert_rowid();
    let mut entry = conn.prepare_cached(
        "INSERT INTO distribution_entries (plan_id, topic_id, channel, team, share_percent)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for e in p.entries {
        entry.execute(params![
            id,
            e.topic_id,
            e.channel.map(Channel::as_str),
            e.team.as_str(),
            e.share_percent
        ])?;
    }
    let mut rule = conn.prepare_cached(
        "INSERT INTO distribution_overflow (plan_id, position, kind, threshold, calendar_id, to_team)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (i, o) in p.overflow.iter().enumerate() {
        rule.execute(params![
            id,
            i as i64,
            o.kind.as_str(),
            o.threshold,
            o.calendar_id,
            o.to_team.as_str()
        ])?;
    }
    Ok(id)
}

/// Removes every version of the project's plan (rows, overflow and
/// counters go with them); the project is back to "no plan".
pub fn delete_all(conn: &Connection, project_id: ProjectId) -> StoreResult<usize> {
    Ok(conn
        .prepare_cached("DELETE FROM distribution_plans WHERE project_id = ?1")?
        .execute([project_id])?)
}

/// Where a plan version's move of open cases stands.
pub struct MoveState {
    pub project_id: ProjectId,
    pub open_cases: OpenCases,
    /// Open cases with an id above this are still to do; `None`: done.
    pub move_after: Option<i64>,
    pub changed_by_id: Option<UserId>,
    pub changed_by_name: String,
}

pub fn move_state(conn: &Connection, plan_id: i64) -> StoreResult<Option<MoveState>> {
    Ok(conn
        .prepare_cached(
            "SELECT project_id, open_cases, move_after, changed_by_id, changed_by_name
             FROM distribution_plans WHERE id = ?1",
        )?
        .query_row([plan_id], |r| {
            Ok(MoveState {
                project_id: r.get(0)?,
                open_cases: r.get(1)?,
                move_after: r.get(2)?,
                changed_by_id: r.get(3)?,
                changed_by_name: r.get(4)?,
            })
        })
        .optional()?)
}

/// Plan versions with a pending move, oldest first.
pub fn pending_moves(conn: &Connection) -> StoreResult<Vec<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM distribution_plans WHERE move_after IS NOT NULL ORDER BY id",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Records a batch of the move: the mark (`None`: done) and the cases it
/// moved.
pub fn advance_move(
    conn: &Connection,
    plan_id: i64,
    after: Option<i64>,
    moved: i64,
) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE distribution_plans SET move_after = ?2, moved = moved + ?3 WHERE id = ?1",
    )?
    .execute(params![plan_id, after, moved])?;
    Ok(())
}

/// The project's open cases with an id above `after`, in id order.
pub fn open_case_ids(
    conn: &Connection,
    project_id: ProjectId,
    after: i64,
) -> StoreResult<Vec<CaseId>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM cases WHERE project_id = ?1 AND id > ?2
               AND status NOT IN ('solved', 'closed') AND merged_into_id IS NULL
             ORDER BY id",
        )?
        .query_map(params![project_id, after], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// The next number of a share group (0 for the first case), counted up.
pub fn next_seq(
    conn: &Connection,
    plan_id: i64,
    topic_id: Option<i64>,
    channel: Option<Channel>,
) -> StoreResult<i64> {
    let topic_key = topic_id.unwrap_or(0);
    let channel = channel.map(Channel::as_str).unwrap_or("");
    let seq: i64 = conn
        .prepare_cached(
            "INSERT INTO distribution_counters (plan_id, topic_key, channel, seq)
             VALUES (?1, ?2, ?3, 1)
             ON CONFLICT (plan_id, topic_key, channel) DO UPDATE SET seq = seq + 1
             RETURNING seq",
        )?
        .query_row(params![plan_id, topic_key, channel], |r| r.get(0))?;
    Ok(seq - 1)
}

/// Open cases of the project handled by the own team.
pub fn own_queue(conn: &Connection, project_id: ProjectId) -> StoreResult<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT COUNT(*) FROM cases WHERE project_id = ?1 AND handling_team = 'client'
             AND status NOT IN ('solved', 'closed') AND merged_into_id IS NULL",
        )?
        .query_row([project_id], |r| r.get(0))?)
}

/// Whether the calendar is in a current plan's overflow rule.
pub fn calendar_in_use(conn: &Connection, calendar_id: i64) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM distribution_overflow o
                 JOIN distribution_plans p ON p.id = o.plan_id
                 WHERE o.calendar_id = ?1
                   AND p.version = (SELECT MAX(version) FROM distribution_plans q
                                    WHERE q.project_id = p.project_id))",
        )?
        .query_row([calendar_id], |r| r.get(0))?)
}
