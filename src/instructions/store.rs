//! Every SQL statement of work instructions.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::model::{
    Acknowledged, Instruction, InstructionState, MyInstruction, NotAcknowledged, Urgency,
};
use crate::db::StoreResult;
use crate::ids::{ClientId, ProjectId, TeamId, UserId};

/// The columns written for a draft.
pub struct DraftRow<'a> {
    pub title: &'a str,
    pub body_md: &'a str,
    pub body_html: &'a str,
    pub urgency: Urgency,
    pub valid_from: Option<&'a str>,
    pub valid_to: Option<&'a str>,
    /// `None`: the client's default (`instruction_settings`).
    pub remind_hours: Option<i64>,
}

/// The instruction's own hours (`NULL` when it follows the client's
/// default) and the client's default (`NULL` when none is set), for `i`.
const REMIND_COLUMNS: &str = "CASE WHEN i.remind_own = 1 THEN i.remind_hours END,
    (SELECT s.remind_hours FROM instruction_settings s WHERE s.client_id = i.client_id)";

/// Whether user `?U` (an active agent in a project of the instruction's
/// client) is targeted by instruction `i`: a targeted project (or any, if
/// none is named) and a targeted team (or any).
const TARGETS_USER: &str = "EXISTS (
    SELECT 1 FROM project_members pm
    JOIN projects p ON p.id = pm.project_id
    JOIN users u ON u.id = pm.user_id
    WHERE pm.user_id = ?U AND pm.role = 'agent' AND u.active = 1 AND p.client_id = i.client_id
      AND (NOT EXISTS (SELECT 1 FROM instruction_targets t WHERE t.instruction_id = i.id AND t.project_id IS NOT NULL)
           OR pm.project_id IN (SELECT t.project_id FROM instruction_targets t WHERE t.instruction_id = i.id AND t.project_id IS NOT NULL))
      AND (NOT EXISTS (SELECT 1 FROM instruction_targets t WHERE t.instruction_id = i.id AND t.team_id IS NOT NULL)
           OR u.team_id IN (SELECT t.team_id FROM instruction_targets t WHERE t.instruction_id = i.id AND t.team_id IS NOT NULL)))";

/// The active agents instruction `i` applies to (`?I` its id).
const TARGETED_AGENTS: &str = "SELECT DISTINCT u.id, u.name, u.email FROM instructions i
    JOIN projects p ON p.client_id = i.client_id
    JOIN project_members pm ON pm.project_id = p.id AND pm.role = 'agent'
    JOIN users u ON u.id = pm.user_id AND u.active = 1
    WHERE i.id = ?I
      AND (NOT EXISTS (SELECT 1 FROM instruction_targets t WHERE t.instruction_id = i.id AND t.project_id IS NOT NULL)
           OR pm.project_id IN (SELECT t.project_id FROM instruction_targets t WHERE t.instruction_id = i.id AND t.project_id IS NOT NULL))
      AND (NOT EXISTS (SELECT 1 FROM instruction_targets t WHERE t.instruction_id = i.id AND t.team_id IS NOT NULL)
           OR u.team_id IN (SELECT t.team_id FROM instruction_targets t WHERE t.instruction_id = i.id AND t.team_id IS NOT NULL))";

const COLUMNS: &str = "i.id, i.client_id, i.title, i.body_md, i.body_html, i.urgency, i.state,
    i.valid_from, i.valid_to, i.created_at, i.updated_at, i.published_at,
    (SELECT name FROM users WHERE id = i.published_by), i.withdrawn_at";

fn from_row(row: &Row) -> rusqlite::Result<Instruction> {
    Ok(Instruction {
        id: row.get(0)?,
        client_id: row.get(1)?,
        title: row.get(2)?,
        body: row.get(3)?,
        body_html: row.get(4)?,
        urgency: row.get(5)?,
        state: row.get(6)?,
        valid_from: row.get(7)?,
        valid_to: row.get(8)?,
        created_at: row.get(9)?,
        updated_at: row.get(10)?,
        published_at: row.get(11)?,
        published_by_name: row.get(12)?,
        withdrawn_at: row.get(13)?,
        remind_hours_own: row.get(14)?,
        remind_hours: super::service::effective_remind_hours(row.get(14)?, row.get(15)?),
        project_ids: Vec::new(),
        team_ids: Vec::new(),
        agent_count: 0,
        acknowledged_count: 0,
        can: None,
    })
}

/// Targets and counts.
fn complete(conn: &Connection, mut i: Instruction) -> StoreResult<Instruction> {
    let mut stmt = conn.prepare_cached(
        "SELECT project_id, team_id FROM instruction_targets WHERE instruction_id = ?1
         ORDER BY project_id, team_id",
    )?;
    let rows = stmt.query_map([i.id], |r| {
        Ok((
            r.get::<_, Option<ProjectId>>(0)?,
            r.get::<_, Option<TeamId>>(1)?,
        ))
    })?;
    for row in rows {
        match row? {
            (Some(p), _) => i.project_ids.push(p),
            (None, Some(t)) => i.team_ids.push(t),
            (None, None) => {}
        }
    }
    let agents = targeted_agents(conn, i.id)?;
    i.agent_count = agents.len() as i64;
    let acked = acknowledged(conn, i.id)?;
    i.acknowledged_count = acked
        .iter()
        .filter(|a| agents.iter().any(|g| g.user_id == a.user_id))
        .count() as i64;
    Ok(i)
}

/// A live (not deleted) instruction.
pub fn get(conn: &Connection, id: i64) -> StoreResult<Option<Instruction>> {
    let found = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS}, {REMIND_COLUMNS} FROM instructions i WHERE i.id = ?1 AND i.deleted_at IS NULL"
        ))?
        .query_row([id], from_row)
        .optional()?;
    found.map(|i| complete(conn, i)).transpose()
}

pub fn list(
    conn: &Connection,
    client_id: ClientId,
    state: Option<InstructionState>,
) -> StoreResult<Vec<Instruction>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS}, {REMIND_COLUMNS} FROM instructions i
         WHERE i.client_id = ?1 AND i.deleted_at IS NULL AND (?2 IS NULL OR i.state = ?2)
         ORDER BY i.id DESC LIMIT 500"
    ))?;
    let rows = stmt
        .query_map(params![client_id, state.map(|s| s.as_str())], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(|i| complete(conn, i)).collect()
}

pub fn insert(
    conn: &Connection,
    client_id: ClientId,
    draft: &DraftRow,
    user_id: Option<UserId>,
    now: &str,
) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO instructions (client_id, title, body_md, body_html, urgency, state,
             valid_from, valid_to, remind_hours, remind_own, created_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'draft', ?6, ?7, COALESCE(?8, 4), ?8 IS NOT NULL, ?9, ?10, ?10)",
    )?
    .execute(params![
        client_id,
        draft.title,
        draft.body_md,
        draft.body_html,
        draft.urgency.as_str(),
        draft.valid_from,
        draft.valid_to,
        draft.remind_hours,
        user_id,
        now
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn update(conn: &Connection, id: i64, draft: &DraftRow, now: &str) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE instructions SET title = ?2, body_md = ?3, body_html = ?4, urgency = ?5,
             valid_from = ?6, valid_to = ?7, remind_hours = COALESCE(?8, remind_hours),
             remind_own = ?8 IS NOT NULL, updated_at = ?9
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        draft.title,
        draft.body_md,
        draft.body_html,
        draft.urgency.as_str(),
        draft.valid_from,
        draft.valid_to,
        draft.remind_hours,
        now
    ])?;
    Ok(())
}

pub fn set_targets(
    conn: &Connection,
    id: i64,
    project_ids: &[ProjectId],
    team_ids: &[TeamId],
) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM instruction_targets WHERE instruction_id = ?1")?
        .execute([id])?;
    let mut project = conn.prepare_cached(
        "INSERT INTO instruction_targets (instruction_id, project_id) VALUES (?1, ?2)",
    )?;
    for p in project_ids {
        project.execute(params![id, p])?;
    }
    let mut team = conn.prepare_cached(
        "INSERT INTO instruction_targets (instruction_id, team_id) VALUES (?1, ?2)",
    )?;
    for t in team_ids {
        team.execute(params![id, t])?;
    }
    Ok(())
}

pub fn publish(conn: &Connection, id: i64, user_id: Option<UserId>, now: &str) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE instructions SET state = 'published', published_by = ?2, published_at = ?3, updated_at = ?3
         WHERE id = ?1",
    )?
    .execute(params![id, user_id, now])?;
    Ok(())
}

pub fn withdraw(conn: &Connection, id: i64, user_id: Option<UserId>, now: &str) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE instructions SET state = 'withdrawn', withdrawn_by = ?2, withdrawn_at = ?3, updated_at = ?3
         WHERE id = ?1",
    )?
    .execute(params![id, user_id, now])?;
    Ok(())
}

pub fn delete(conn: &Connection, id: i64, user_id: Option<UserId>, now: &str) -> StoreResult<()> {
    conn.prepare_cached("UPDATE instructions SET deleted_at = ?3, deleted_by = ?2 WHERE id = ?1")?
        .execute(params![id, user_id, now])?;
    Ok(())
}

/// Which of `ids` are projects of the client.
pub fn client_projects(
    conn: &Connection,
    client_id: ClientId,
    ids: &[ProjectId],
) -> StoreResult<Vec<ProjectId>> {
    let mut stmt =
        conn.prepare_cached("SELECT 1 FROM projects WHERE id = ?1 AND client_id = ?2")?;
    let mut found = Vec::new();
    for id in ids {
        if stmt.exists(params![id, client_id])? {
            found.push(*id);
        }
    }
    Ok(found)
}

/// Which of `ids` are teams an instruction of the client may name: the
/// client's own teams and the provider's.
pub fn usable_teams(
    conn: &Connection,
    client_id: ClientId,
    ids: &[TeamId],
) -> StoreResult<Vec<TeamId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT 1 FROM teams WHERE id = ?1 AND (client_id = ?2 OR (kind = 'provider' AND client_id IS NULL))",
    )?;
    let mut found = Vec::new();
    for id in ids {
        if stmt.exists(params![id, client_id])? {
            found.push(*id);
        }
    }
    Ok(found)
}

pub fn targeted_agents(conn: &Connection, id: i64) -> StoreResult<Vec<NotAcknowledged>> {
    let sql = format!(
        "{} ORDER BY u.name, u.id",
        TARGETED_AGENTS.replace("?I", "?1")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([id], |r| {
        Ok(NotAcknowledged {
            user_id: r.get(0)?,
            name: r.get(1)?,
            email: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn acknowledged(conn: &Connection, id: i64) -> StoreResult<Vec<Acknowledged>> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.id, u.name, u.email, a.at FROM instruction_acks a JOIN users u ON u.id = a.user_id
         WHERE a.instruction_id = ?1 ORDER BY a.at, u.id",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok(Acknowledged {
            user_id: r.get(0)?,
            name: r.get(1)?,
            email: r.get(2)?,
            at: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Whether the instruction applies to the user now.
pub fn targets(conn: &Connection, id: i64, user_id: UserId) -> StoreResult<bool> {
    let sql = format!(
        "SELECT 1 FROM instructions i WHERE i.id = ?1 AND {}",
        TARGETS_USER.replace("?U", "?2")
    );
    Ok(conn.prepare_cached(&sql)?.exists(params![id, user_id])?)
}

/// Returns the moment of the acknowledgment (the first one stays).
pub fn acknowledge(
    conn: &Connection,
    id: i64,
    user_id: UserId,
    now: &str,
) -> StoreResult<(String, bool)> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO instruction_acks (instruction_id, user_id, at) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![id, user_id, now])?;
    let at: String = conn
        .prepare_cached(
            "SELECT at FROM instruction_acks WHERE instruction_id = ?1 AND user_id = ?2",
        )?
        .query_row(params![id, user_id], |r| r.get(0))?;
    Ok((at, inserted == 1))
}

pub fn dismiss(
    conn: &Connection,
    id: i64,
    user_id: UserId,
    session_id: Option<i64>,
    now: &str,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO instruction_dismissals (instruction_id, user_id, at, session_id) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (instruction_id, user_id) DO UPDATE SET at = excluded.at, session_id = excluded.session_id",
    )?
    .execute(params![id, user_id, now, session_id])?;
    Ok(())
}

/// One published, currently valid instruction that applies to the user,
/// with the user's acknowledgment and dismissal (at, session).
pub struct Mine {
    pub item: MyInstruction,
    pub dismissed_session: Option<i64>,
    /// The instruction's own hours, `None` when it follows the client's.
    pub own_remind_hours: Option<i64>,
    /// The client's default, `None` when none is set.
    pub client_remind_hours: Option<i64>,
}

/// Published instructions valid at `now` that apply to `user_id`, newest
/// first; `only` narrows to one.
pub fn mine(
    conn: &Connection,
    user_id: UserId,
    now: &str,
    only: Option<i64>,
) -> StoreResult<Vec<Mine>> {
    let sql = format!(
        "SELECT i.id, i.client_id, i.title, i.body_html, i.urgency, i.valid_from, i.valid_to,
                i.published_at, a.at, d.at, d.session_id, {}
         FROM instructions i
         LEFT JOIN instruction_acks a ON a.instruction_id = i.id AND a.user_id = ?1
         LEFT JOIN instruction_dismissals d ON d.instruction_id = i.id AND d.user_id = ?1
         WHERE i.state = 'published' AND i.deleted_at IS NULL
           AND (i.valid_from IS NULL OR i.valid_from <= ?2)
           AND (i.valid_to IS NULL OR i.valid_to > ?2)
           AND (?3 IS NULL OR i.id = ?3)
           AND {}
         ORDER BY i.published_at DESC, i.id DESC LIMIT 200",
        REMIND_COLUMNS,
        TARGETS_USER.replace("?U", "?1")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![user_id, now, only], |r| {
        Ok(Mine {
            item: MyInstruction {
                id: r.get(0)?,
                client_id: r.get(1)?,
                title: r.get(2)?,
                body_html: r.get(3)?,
                urgency: r.get(4)?,
                valid_from: r.get(5)?,
                valid_to: r.get(6)?,
                published_at: r.get(7)?,
                acknowledged_at: r.get(8)?,
                dismissed_at: r.get(9)?,
                banner: false,
            },
            dismissed_session: r.get(10)?,
            own_remind_hours: r.get(11)?,
            client_remind_hours: r.get(12)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The client's default remind hours: (hours, updated at, by whom).
pub fn settings(
    conn: &Connection,
    client_id: ClientId,
) -> StoreResult<Option<(i64, String, Option<String>)>> {
    Ok(conn
        .prepare_cached(
            "SELECT s.remind_hours, s.updated_at, (SELECT name FROM users WHERE id = s.updated_by)
             FROM instruction_settings s WHERE s.client_id = ?1",
        )?
        .query_row([client_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?)
}

/// Sets (`Some`) or removes (`None`) the client's default remind hours.
pub fn set_settings(
    conn: &Connection,
    client_id: ClientId,
    remind_hours: Option<i64>,
    by: Option<UserId>,
    now: &str,
) -> StoreResult<()> {
    match remind_hours {
        Some(hours) => conn
            .prepare_cached(
                "INSERT INTO instruction_settings (client_id, remind_hours, updated_by, updated_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (client_id) DO UPDATE SET remind_hours = excluded.remind_hours,
                     updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            )?
            .execute(params![client_id, hours, by, now])?,
        None => conn
            .prepare_cached("DELETE FROM instruction_settings WHERE client_id = ?1")?
            .execute([client_id])?,
    };
    Ok(())
}
