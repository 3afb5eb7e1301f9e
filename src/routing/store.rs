//! Routing's SQL.

use rusqlite::{Connection, OptionalExtension, params};

use super::model::{Availability, Capacity, Mode, QueueReason, QueuedCase, Skill};
use crate::cases::Channel;
use crate::db::{StoreResult, now};
use crate::ids::{CaseId, ProjectId, UserId};

/// The mode of a project's channel and round-robin's cursor; `None`: pull.
pub fn mode(
    conn: &Connection,
    project_id: ProjectId,
    channel: Channel,
) -> StoreResult<Option<(Mode, Option<UserId>)>> {
    Ok(conn
        .prepare_cached(
            "SELECT mode, cursor_user_id FROM routing_modes WHERE project_id = ?1 AND channel = ?2",
        )?
        .query_row(params![project_id, channel.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?)
}

pub fn modes(conn: &Connection, project_id: ProjectId) -> StoreResult<Vec<(Channel, Mode)>> {
    let mut stmt =
        conn.prepare_cached("SELECT channel, mode FROM routing_modes WHERE project_id = ?1")?;
    let rows = stmt.query_map([project_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn set_mode(
    conn: &Connection,
    project_id: ProjectId,
    channel: Channel,
    mode: Mode,
    by: Option<UserId>,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO routing_modes (project_id, channel, mode, changed_by_id, changed_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (project_id, channel) DO UPDATE
         SET mode = excluded.mode, changed_by_id = excluded.changed_by_id,
             changed_at = excluded.changed_at",
    )?
    .execute(params![
        project_id,
        channel.as_str(),
        mode.as_str(),
        by,
        now()
    ])?;
    Ok(())
}

pub fn set_cursor(
    conn: &Connection,
    project_id: ProjectId,
    channel: Channel,
    user_id: UserId,
) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE routing_modes SET cursor_user_id = ?3 WHERE project_id = ?1 AND channel = ?2",
    )?
    .execute(params![project_id, channel.as_str(), user_id])?;
    Ok(())
}

/// An agent who could take a case of the project: a member with the agent
/// role on the case's handling team.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub user_id: UserId,
    pub state: Availability,
    pub last_assigned_at: Option<String>,
    /// Open cases of the channel assigned to the agent (every project).
    pub open: i64,
    /// The agent's capacity for the channel, if set.
    pub max_open: Option<i64>,
}

/// Which agents are on the case's handling team.
#[derive(Debug, Clone, Copy)]
pub enum Pool<'a> {
    /// The client's own agents; with `true` also the provider's (a project
    /// without a distribution plan, where they work every case).
    Client(crate::ids::ClientId, bool),
    /// The provider's agents, of one tariff's team where given.
    Provider(Option<&'a str>),
}

/// The candidates with their open cases in the channel (?2).
const CANDIDATES_SQL: &str = "SELECT u.id, coalesce(a.state, 'offline'), a.last_assigned_at,
            coalesce((SELECT l.open FROM agent_open_loads l
                      WHERE l.assignee_id = u.id AND l.channel = ?2), 0),
            (SELECT k.max_open FROM agent_capacity k WHERE k.user_id = u.id AND k.channel = ?2)
     FROM project_members m
     JOIN users u ON u.id = m.user_id
     LEFT JOIN agent_availability a ON a.user_id = u.id
     WHERE m.project_id = ?1 AND m.role = 'agent' AND u.role = 'agent' AND u.active = 1
       AND CASE WHEN ?4 THEN u.client_id IS NULL
                             AND (?5 IS NULL OR coalesce(u.tariff, 'basic') = ?5)
                ELSE u.client_id = ?3 OR (?6 AND u.client_id IS NULL) END
     ORDER BY u.id";

/// The project's agents on the handling team, by user id, with their open
/// cases in the channel as the triggers keep them (`agent_open_loads`,
/// migration 0053), never counted per case routed.
pub fn candidates(
    conn: &Connection,
    project_id: ProjectId,
    channel: Channel,
    pool: Pool<'_>,
) -> StoreResult<Vec<Candidate>> {
    let (own_client, provider, tariff, with_provider) = match pool {
        Pool::Client(c, with_provider) => (Some(c), false, None, with_provider),
        Pool::Provider(t) => (None, true, t, false),
    };
    let mut stmt = conn.prepare_cached(CANDIDATES_SQL)?;
    let rows = stmt.query_map(
        params![
            project_id,
            channel.as_str(),
            own_client,
            provider,
            tariff,
            with_provider
        ],
        |r| {
            Ok(Candidate {
                user_id: r.get(0)?,
                state: r.get(1)?,
                last_assigned_at: r.get(2)?,
                open: r.get(3)?,
                max_open: r.get(4)?,
            })
        },
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The skills of the project's agent members: (user, language, topic,
/// level).
pub type SkillRow = (UserId, Option<String>, Option<i64>, i64);

pub fn project_skills(conn: &Connection, project_id: ProjectId) -> StoreResult<Vec<SkillRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.user_id, s.language, s.topic_id, s.level
         FROM project_members m JOIN agent_skills s ON s.user_id = m.user_id
         WHERE m.project_id = ?1 AND m.role = 'agent'",
    )?;
    let rows = stmt.query_map([project_id], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Whether the project has a distribution plan (then each team works only
/// its own cases).
pub fn has_plan(conn: &Connection, project_id: ProjectId) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM distribution_plans WHERE project_id = ?1)")?
        .query_row([project_id], |r| r.get(0))?)
}

pub fn contact_language(conn: &Connection, contact_id: i64) -> StoreResult<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT language FROM contacts WHERE id = ?1")?
        .query_row([contact_id], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .flatten())
}

pub fn touch_assigned(conn: &Connection, user_id: UserId, at: &str) -> StoreResult<()> {
    conn.prepare_cached("UPDATE agent_availability SET last_assigned_at = ?2 WHERE user_id = ?1")?
        .execute(params![user_id, at])?;
    Ok(())
}

// ---- queue -------------------------------------------------------------------

/// Puts the case into the queue (keeping its place when it is there).
pub fn enqueue(
    conn: &Connection,
    case_id: CaseId,
    project_id: ProjectId,
    channel: Channel,
    reason: QueueReason,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO routing_queue (case_id, project_id, channel, queued_at, reason)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (case_id) DO UPDATE SET reason = excluded.reason,
             project_id = excluded.project_id, channel = excluded.channel
         WHERE reason != excluded.reason OR project_id != excluded.project_id
            OR channel != excluded.channel",
    )?
    .execute(params![
        case_id,
        project_id,
        channel.as_str(),
        now(),
        reason.as_str()
    ])?;
    Ok(())
}

pub fn dequeue(conn: &Connection, case_id: CaseId) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM routing_queue WHERE case_id = ?1")?
        .execute([case_id])?;
    Ok(())
}

pub fn clear_queue(
    conn: &Connection,
    project_id: ProjectId,
    channel: Channel,
) -> StoreResult<usize> {
    Ok(conn
        .prepare_cached("DELETE FROM routing_queue WHERE project_id = ?1 AND channel = ?2")?
        .execute(params![project_id, channel.as_str()])?)
}

/// Queued cases, oldest first: of these projects (all when `None`) and
/// channel (all when `None`).
pub fn queued_ids(
    conn: &Connection,
    projects: Option<&[ProjectId]>,
    channel: Option<Channel>,
    limit: i64,
) -> StoreResult<Vec<CaseId>> {
    let projects_json = projects.map(|p| {
        serde_json::to_string(&p.iter().map(|id| id.get()).collect::<Vec<_>>()).unwrap_or_default()
    });
    let mut stmt = conn.prepare_cached(
        "SELECT case_id FROM routing_queue
         WHERE (?1 IS NULL OR project_id IN (SELECT value FROM json_each(?1)))
           AND (?2 IS NULL OR channel = ?2)
         ORDER BY queued_at, case_id LIMIT ?3",
    )?;
    let rows = stmt.query_map(
        params![projects_json, channel.map(Channel::as_str), limit],
        |r| r.get(0),
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Open cases of the project and channel without assignee, oldest first:
/// what a switch to a push mode routes.
pub fn unassigned_open(
    conn: &Connection,
    project_id: ProjectId,
    channel: Channel,
    limit: i64,
) -> StoreResult<Vec<CaseId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM cases WHERE project_id = ?1 AND channel = ?2 AND assignee_id IS NULL
           AND status NOT IN ('solved', 'closed') AND merged_into_id IS NULL
         ORDER BY id LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![project_id, channel.as_str(), limit], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn queue(conn: &Connection, project_id: ProjectId, limit: i64) -> StoreResult<Vec<QueuedCase>> {
    let mut stmt = conn.prepare_cached(
        "SELECT q.case_id, p.key || '-' || c.number, c.subject, c.channel, q.queued_at, q.reason
         FROM routing_queue q JOIN cases c ON c.id = q.case_id JOIN projects p ON p.id = c.project_id
         WHERE q.project_id = ?1 ORDER BY q.queued_at, q.case_id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![project_id, limit], |r| {
        Ok(QueuedCase {
            case_id: r.get(0)?,
            reference: r.get(1)?,
            subject: r.get(2)?,
            channel: r.get(3)?,
            queued_at: r.get(4)?,
            reason: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn queue_len(conn: &Connection, project_id: ProjectId) -> StoreResult<i64> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM routing_queue WHERE project_id = ?1")?
        .query_row([project_id], |r| r.get(0))?)
}

// ---- announcements -----------------------------------------------------------

pub fn announce(conn: &Connection, case_id: CaseId) -> StoreResult<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO routing_announcements (case_id) VALUES (?1)")?
        .execute([case_id])?;
    Ok(())
}

/// Takes the cases waiting for their live event.
pub fn take_announced(conn: &Connection) -> StoreResult<Vec<CaseId>> {
    let ids: Vec<CaseId> = {
        let mut stmt = conn.prepare_cached("SELECT case_id FROM routing_announcements")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    if !ids.is_empty() {
        conn.prepare_cached("DELETE FROM routing_announcements")?
            .execute([])?;
    }
    Ok(ids)
}

// ---- availability ------------------------------------------------------------

/// (state, since, auto_away, last_activity_at)
pub type AvailabilityRow = (Availability, String, bool, String);

pub fn availability(conn: &Connection, user_id: UserId) -> StoreResult<Option<AvailabilityRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT state, since, auto_away, last_activity_at FROM agent_availability
             WHERE user_id = ?1",
        )?
        .query_row([user_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?)
}

/// Notes activity; true when the idle job had marked the agent away (the
/// caller makes them available again).
pub fn activity(conn: &Connection, user_id: UserId, at: &str) -> StoreResult<bool> {
    conn.prepare_cached("UPDATE agent_availability SET last_activity_at = ?2 WHERE user_id = ?1")?
        .execute(params![user_id, at])?;
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM agent_availability
                            WHERE user_id = ?1 AND work_state = 'away' AND auto_away = 1)",
        )?
        .query_row([user_id], |r| r.get(0))?)
}

/// Available agents idle since before `cutoff`.
pub fn idle(conn: &Connection, cutoff: &str) -> StoreResult<Vec<UserId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT user_id FROM agent_availability
         WHERE state = 'available' AND last_activity_at < ?1",
    )?;
    let rows = stmt.query_map([cutoff], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn any_idle(conn: &Connection, cutoff: &str) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM agent_availability
                            WHERE state = 'available' AND last_activity_at < ?1)",
        )?
        .query_row([cutoff], |r| r.get(0))?)
}

// ---- skills and capacity -------------------------------------------------------

pub fn skills(conn: &Connection, user_id: UserId) -> StoreResult<Vec<Skill>> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.kind, s.language, s.topic_id, t.name, s.level
         FROM agent_skills s LEFT JOIN topics t ON t.id = s.topic_id
         WHERE s.user_id = ?1 ORDER BY s.kind, s.language, t.name, s.topic_id",
    )?;
    let rows = stmt.query_map([user_id], |r| {
        Ok(Skill {
            kind: r.get(0)?,
            language: r.get(1)?,
            topic_id: r.get(2)?,
            topic_name: r.get(3)?,
            level: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn set_skills(conn: &Connection, user_id: UserId, skills: &[Skill]) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM agent_skills WHERE user_id = ?1")?
        .execute([user_id])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO agent_skills (user_id, kind, language, topic_id, level)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for s in skills {
        insert.execute(params![user_id, s.kind, s.language, s.topic_id, s.level])?;
    }
    Ok(())
}

/// The capacities set for the agent (channels without a row use the
/// default).
pub fn capacities(conn: &Connection, user_id: UserId) -> StoreResult<Vec<(Channel, i64)>> {
    let mut stmt =
        conn.prepare_cached("SELECT channel, max_open FROM agent_capacity WHERE user_id = ?1")?;
    let rows = stmt.query_map([user_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn set_capacities(
    conn: &Connection,
    user_id: UserId,
    capacity: &[Capacity],
) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM agent_capacity WHERE user_id = ?1")?
        .execute([user_id])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO agent_capacity (user_id, channel, max_open) VALUES (?1, ?2, ?3)",
    )?;
    for c in capacity {
        insert.execute(params![user_id, c.channel.as_str(), c.max_open])?;
    }
    Ok(())
}

/// Open cases assigned to the agent per channel, as the triggers keep them
/// (`agent_open_loads`, migration 0053); channels without any left out.
pub fn open_per_channel(conn: &Connection, user_id: UserId) -> StoreResult<Vec<(Channel, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT channel, open FROM agent_open_loads WHERE assignee_id = ?1 AND open > 0
         ORDER BY channel",
    )?;
    let rows = stmt.query_map([user_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The projects the user works in as an agent.
pub fn agent_projects(conn: &Connection, user_id: UserId) -> StoreResult<Vec<ProjectId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT project_id FROM project_members WHERE user_id = ?1 AND role = 'agent'",
    )?;
    let rows = stmt.query_map([user_id], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The project's agent members (id, name), by name.
pub fn project_agents(
    conn: &Connection,
    project_id: ProjectId,
) -> StoreResult<Vec<(UserId, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.id, u.name FROM project_members m JOIN users u ON u.id = m.user_id
         WHERE m.project_id = ?1 AND m.role = 'agent' AND u.role = 'agent' AND u.active = 1
         ORDER BY u.name, u.id",
    )?;
    let rows = stmt.query_map([project_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

// ---- settings ------------------------------------------------------------------

pub fn away_after_minutes(conn: &Connection) -> StoreResult<i64> {
    Ok(conn
        .prepare_cached("SELECT away_after_minutes FROM routing_settings WHERE id = 1")?
        .query_row([], |r| r.get(0))
        .optional()?
        .unwrap_or(10))
}

pub fn set_away_after_minutes(conn: &Connection, minutes: i64) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO routing_settings (id, away_after_minutes) VALUES (1, ?1)
         ON CONFLICT (id) DO UPDATE SET away_after_minutes = excluded.away_after_minutes",
    )?
    .execute([minutes])?;
    Ok(())
}

/// The kept open loads (`agent_open_loads`) against a recount of the open
/// cases: one line per difference (for `zezaro check`).
pub fn verify_open_loads(conn: &Connection) -> StoreResult<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT assignee_id, channel, sum(kept), sum(held) FROM (
             SELECT assignee_id, channel, open AS kept, 0 AS held FROM agent_open_loads
             UNION ALL
             SELECT assignee_id, channel, 0, count(*) FROM cases
             WHERE assignee_id IS NOT NULL AND status NOT IN ('solved', 'closed')
             GROUP BY assignee_id, channel)
         GROUP BY assignee_id, channel HAVING sum(kept) <> sum(held)
         ORDER BY assignee_id, channel",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(format!(
            "open loads: user {}, channel {}: kept {}, the cases hold {}",
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, i64>(3)?
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Db, StoreError};

    /// Each candidate's open cases in the channel are read from the kept
    /// loads (migration 0053), one row per agent, not counted from the
    /// cases or their index.
    #[test]
    fn open_load_is_read_not_counted() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Db::open(dir.path()).unwrap();
        let plan = db
            .read_blocking(|conn| {
                let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {CANDIDATES_SQL}"))?;
                let rows = stmt.query_map(
                    params![1, "email", 1, false, None::<String>, false],
                    |row| row.get::<_, String>(3),
                )?;
                Ok::<_, StoreError>(rows.collect::<Result<Vec<_>, _>>()?.join("\n"))
            })
            .unwrap();
        assert!(
            plan.contains("SEARCH l USING PRIMARY KEY (assignee_id=? AND channel=?)"),
            "{plan}"
        );
        assert!(!plan.contains("cases"), "no case is counted: {plan}");
    }
}
