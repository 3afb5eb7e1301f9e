//! Every SQL statement of training.

use rusqlite::{Connection, OptionalExtension, params};

use super::model::{Assignment, Choice, CourseCandidate, CourseSummary, Question};
use crate::db::StoreResult;
use crate::ids::{ClientId, TeamId, UserId};

pub struct CourseRow {
    pub id: i64,
    pub client_id: ClientId,
    pub title: String,
    pub description: String,
    pub pass_mark: i64,
    pub created_at: String,
    pub updated_at: String,
}

pub fn course(conn: &Connection, id: i64) -> StoreResult<Option<CourseRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, client_id, title, description, pass_mark, created_at, updated_at
             FROM courses WHERE id = ?1 AND deleted_at IS NULL",
        )?
        .query_row([id], |r| {
            Ok(CourseRow {
                id: r.get(0)?,
                client_id: r.get(1)?,
                title: r.get(2)?,
                description: r.get(3)?,
                pass_mark: r.get(4)?,
                created_at: r.get(5)?,
                updated_at: r.get(6)?,
            })
        })
        .optional()?)
}

/// The active agents (project role `agent` at the client) a course is
/// assigned to, directly or by team, with their earliest due date; `only`
/// narrows to one user.
const ASSIGNED: &str = "SELECT u.id, u.name, u.email, MIN(a.due_on) FROM course_assignments a
    JOIN courses c ON c.id = a.course_id
    JOIN users u ON (u.id = a.user_id OR (a.team_id IS NOT NULL AND u.team_id = a.team_id))
    WHERE a.course_id = ?1 AND u.active = 1 AND (?2 IS NULL OR u.id = ?2)
      AND EXISTS (SELECT 1 FROM project_members pm JOIN projects p ON p.id = pm.project_id
                  WHERE pm.user_id = u.id AND pm.role = 'agent' AND p.client_id = c.client_id)
    GROUP BY u.id ORDER BY u.name, u.id";

pub struct AssignedAgent {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub due_on: Option<String>,
}

pub fn assigned_agents(
    conn: &Connection,
    course_id: i64,
    only: Option<UserId>,
) -> StoreResult<Vec<AssignedAgent>> {
    let mut stmt = conn.prepare_cached(ASSIGNED)?;
    let rows = stmt.query_map(params![course_id, only], |r| {
        Ok(AssignedAgent {
            user_id: r.get(0)?,
            name: r.get(1)?,
            email: r.get(2)?,
            due_on: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn list(conn: &Connection, client_id: ClientId) -> StoreResult<Vec<CourseSummary>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.client_id, c.title, c.pass_mark,
                (SELECT count(*) FROM course_articles WHERE course_id = c.id),
                (SELECT count(*) FROM course_questions WHERE course_id = c.id),
                c.updated_at
         FROM courses c WHERE c.client_id = ?1 AND c.deleted_at IS NULL ORDER BY c.id DESC LIMIT 500",
    )?;
    let rows = stmt
        .query_map([client_id], |r| {
            Ok(CourseSummary {
                id: r.get(0)?,
                client_id: r.get(1)?,
                title: r.get(2)?,
                pass_mark: r.get(3)?,
                article_count: r.get(4)?,
                question_count: r.get(5)?,
                updated_at: r.get(6)?,
                agent_count: 0,
                passed_count: 0,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut passed = conn.prepare_cached(
        "SELECT count(*) FROM course_results WHERE course_id = ?1 AND passed_at IS NOT NULL AND user_id = ?2",
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for mut c in rows {
        let agents = assigned_agents(conn, c.id, None)?;
        c.agent_count = agents.len() as i64;
        for a in &agents {
            c.passed_count += passed.query_row(params![c.id, a.user_id], |r| r.get::<_, i64>(0))?;
        }
        out.push(c);
    }
    Ok(out)
}

pub fn insert(
    conn: &Connection,
    client_id: ClientId,
    title: &str,
    description: &str,
    pass_mark: i64,
    user_id: Option<UserId>,
    now: &str,
) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO courses (client_id, title, description, pass_mark, created_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )?
    .execute(params![client_id, title, description, pass_mark, user_id, now])?;
    Ok(conn.last_insert_rowid())
}

pub fn update(
    conn: &Connection,
    id: i64,
    title: &str,
    description: &str,
    pass_mark: i64,
    now: &str,
) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE courses SET title = ?2, description = ?3, pass_mark = ?4, updated_at = ?5 WHERE id = ?1",
    )?
    .execute(params![id, title, description, pass_mark, now])?;
    Ok(())
}

pub fn delete(conn: &Connection, id: i64, user_id: Option<UserId>, now: &str) -> StoreResult<()> {
    conn.prepare_cached("UPDATE courses SET deleted_at = ?3, deleted_by = ?2 WHERE id = ?1")?
        .execute(params![id, user_id, now])?;
    Ok(())
}

/// Which of `ids` are live articles of the client.
pub fn client_articles(conn: &Connection, client_id: ClientId, ids: &[i64]) -> StoreResult<usize> {
    let mut stmt = conn.prepare_cached(
        "SELECT 1 FROM kb_articles WHERE id = ?1 AND client_id = ?2 AND deleted_at IS NULL",
    )?;
    let mut n = 0;
    for id in ids {
        if stmt.exists(params![id, client_id])? {
            n += 1;
        }
    }
    Ok(n)
}

pub fn set_articles(conn: &Connection, id: i64, article_ids: &[i64]) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM course_articles WHERE course_id = ?1")?
        .execute([id])?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO course_articles (course_id, article_id, position) VALUES (?1, ?2, ?3)",
    )?;
    for (position, article) in article_ids.iter().enumerate() {
        stmt.execute(params![id, article, position as i64])?;
    }
    Ok(())
}

/// The course's articles in order (deleted ones included: the editor sees
/// them as gone).
pub fn articles(conn: &Connection, id: i64) -> StoreResult<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT article_id FROM course_articles WHERE course_id = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map([id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The published title and HTML of a live article, in `language` if there
/// is one, else in the other.
pub fn published_text(
    conn: &Connection,
    article_id: i64,
    language: &str,
) -> StoreResult<Option<(String, String, String)>> {
    Ok(conn
        .prepare_cached(
            "SELECT v.language, v.title, v.body_html FROM kb_article_versions v
             JOIN kb_articles a ON a.id = v.article_id AND a.deleted_at IS NULL
             WHERE v.article_id = ?1 AND v.state = 'published'
             ORDER BY v.language = ?2 DESC, v.language LIMIT 1",
        )?
        .query_row(params![article_id, language], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?)
}

pub fn set_questions(
    conn: &Connection,
    id: i64,
    questions: &[(String, Vec<Choice>)],
) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM course_questions WHERE course_id = ?1")?
        .execute([id])?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO course_questions (course_id, position, text, choices) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (position, (text, choices)) in questions.iter().enumerate() {
        let choices = serde_json::to_string(choices)
            .map_err(|e| crate::db::StoreError::Task(e.to_string()))?;
        stmt.execute(params![id, position as i64, text, choices])?;
    }
    Ok(())
}

pub fn questions(conn: &Connection, id: i64) -> StoreResult<Vec<Question>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, text, choices FROM course_questions WHERE course_id = ?1 ORDER BY position, id",
    )?;
    let rows = stmt
        .query_map([id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(id, text, choices)| {
            let choices: Vec<Choice> = serde_json::from_str(&choices).map_err(|e| {
                crate::db::StoreError::Task(format!(
                    "course question {id}: choices unreadable: {e}"
                ))
            })?;
            Ok(Question { id, text, choices })
        })
        .collect()
}

/// Assigns the course to the user or the team (exactly one `Some`): a new
/// row, or the existing one of the same user or team gets the new due date
/// (and who and when assigned it).
pub fn upsert_assignment(
    conn: &Connection,
    course_id: i64,
    user_id: Option<UserId>,
    team_id: Option<TeamId>,
    due_on: Option<&str>,
    by: Option<UserId>,
    now: &str,
) -> StoreResult<i64> {
    let existing: Option<i64> = conn
        .prepare_cached(
            "SELECT id FROM course_assignments
             WHERE course_id = ?1 AND user_id IS ?2 AND team_id IS ?3 ORDER BY id LIMIT 1",
        )?
        .query_row(params![course_id, user_id, team_id], |r| r.get(0))
        .optional()?;
    match existing {
        Some(id) => {
            conn.prepare_cached(
                "UPDATE course_assignments SET due_on = ?2, assigned_by = ?3, assigned_at = ?4 WHERE id = ?1",
            )?
            .execute(params![id, due_on, by, now])?;
            Ok(id)
        }
        None => insert_assignment(conn, course_id, user_id, team_id, due_on, by, now),
    }
}

fn insert_assignment(
    conn: &Connection,
    course_id: i64,
    user_id: Option<UserId>,
    team_id: Option<TeamId>,
    due_on: Option<&str>,
    by: Option<UserId>,
    now: &str,
) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO course_assignments (course_id, user_id, team_id, due_on, assigned_by, assigned_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![course_id, user_id, team_id, due_on, by, now])?;
    Ok(conn.last_insert_rowid())
}

pub fn assignments(conn: &Connection, course_id: i64) -> StoreResult<Vec<Assignment>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, a.user_id, u.name, a.team_id, t.name, a.due_on, a.assigned_at
         FROM course_assignments a LEFT JOIN users u ON u.id = a.user_id LEFT JOIN teams t ON t.id = a.team_id
         WHERE a.course_id = ?1 ORDER BY a.id",
    )?;
    let rows = stmt.query_map([course_id], |r| {
        Ok(Assignment {
            id: r.get(0)?,
            user_id: r.get(1)?,
            user_name: r.get(2)?,
            team_id: r.get(3)?,
            team_name: r.get(4)?,
            due_on: r.get(5)?,
            assigned_at: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn delete_assignment(conn: &Connection, course_id: i64, id: i64) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM course_assignments WHERE course_id = ?1 AND id = ?2")?
        .execute(params![course_id, id])?
        == 1)
}

/// Which of `ids` are active users with an agent membership in a project
/// of the client.
pub fn client_agents(conn: &Connection, client_id: ClientId, ids: &[UserId]) -> StoreResult<usize> {
    let mut stmt = conn.prepare_cached(
        "SELECT 1 FROM users u WHERE u.id = ?1 AND u.active = 1 AND EXISTS (
             SELECT 1 FROM project_members pm JOIN projects p ON p.id = pm.project_id
             WHERE pm.user_id = u.id AND pm.role = 'agent' AND p.client_id = ?2)",
    )?;
    let mut n = 0;
    for id in ids {
        if stmt.exists(params![id, client_id])? {
            n += 1;
        }
    }
    Ok(n)
}

/// Courses assigned to the user (live ones), newest first.
pub fn assigned_to(conn: &Connection, user_id: UserId) -> StoreResult<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT c.id FROM courses c
         JOIN course_assignments a ON a.course_id = c.id
         JOIN users u ON u.id = ?1 AND (a.user_id = u.id OR (a.team_id IS NOT NULL AND a.team_id = u.team_id))
         WHERE c.deleted_at IS NULL ORDER BY c.id DESC LIMIT 200",
    )?;
    let rows = stmt.query_map([user_id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn user_locale(conn: &Connection, user_id: UserId) -> StoreResult<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT locale FROM users WHERE id = ?1")?
        .query_row([user_id], |r| r.get(0))
        .optional()?
        .flatten())
}

#[derive(Debug, Clone, Default)]
pub struct ResultRow {
    pub started_at: Option<String>,
    pub read_at: Option<String>,
    pub attempts: i64,
    pub score: Option<i64>,
    pub last_attempt_at: Option<String>,
    pub passed_at: Option<String>,
}

pub fn result(conn: &Connection, course_id: i64, user_id: UserId) -> StoreResult<ResultRow> {
    Ok(conn
        .prepare_cached(
            "SELECT started_at, read_at, attempts, score, last_attempt_at, passed_at
             FROM course_results WHERE course_id = ?1 AND user_id = ?2",
        )?
        .query_row(params![course_id, user_id], |r| {
            Ok(ResultRow {
                started_at: r.get(0)?,
                read_at: r.get(1)?,
                attempts: r.get(2)?,
                score: r.get(3)?,
                last_attempt_at: r.get(4)?,
                passed_at: r.get(5)?,
            })
        })
        .optional()?
        .unwrap_or_default())
}

pub fn start(conn: &Connection, course_id: i64, user_id: UserId, now: &str) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO course_results (course_id, user_id, started_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
    )?
    .execute(params![course_id, user_id, now])?;
    Ok(())
}

pub fn mark_read(
    conn: &Connection,
    course_id: i64,
    user_id: UserId,
    article_id: i64,
    now: &str,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO course_reads (course_id, user_id, article_id, at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
    )?
    .execute(params![course_id, user_id, article_id, now])?;
    Ok(())
}

/// Article id → read at, for the user.
pub fn reads(
    conn: &Connection,
    course_id: i64,
    user_id: UserId,
) -> StoreResult<Vec<(i64, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.article_id, r.at FROM course_reads r
         JOIN course_articles ca ON ca.course_id = r.course_id AND ca.article_id = r.article_id
         WHERE r.course_id = ?1 AND r.user_id = ?2",
    )?;
    let rows = stmt.query_map(params![course_id, user_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn set_read_at(
    conn: &Connection,
    course_id: i64,
    user_id: UserId,
    now: &str,
) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE course_results SET read_at = COALESCE(read_at, ?3) WHERE course_id = ?1 AND user_id = ?2",
    )?
    .execute(params![course_id, user_id, now])?;
    Ok(())
}

pub fn set_passed(
    conn: &Connection,
    course_id: i64,
    user_id: UserId,
    now: &str,
) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE course_results SET passed_at = COALESCE(passed_at, ?3) WHERE course_id = ?1 AND user_id = ?2",
    )?
    .execute(params![course_id, user_id, now])?;
    Ok(())
}

pub fn record_attempt(
    conn: &Connection,
    course_id: i64,
    user_id: UserId,
    score: i64,
    passed: bool,
    now: &str,
) -> StoreResult<i64> {
    conn.prepare_cached(
        "UPDATE course_results SET attempts = attempts + 1, score = ?3, last_attempt_at = ?4,
             passed_at = CASE WHEN ?5 THEN COALESCE(passed_at, ?4) ELSE passed_at END
         WHERE course_id = ?1 AND user_id = ?2",
    )?
    .execute(params![course_id, user_id, score, now, passed])?;
    Ok(conn
        .prepare_cached(
            "SELECT attempts FROM course_results WHERE course_id = ?1 AND user_id = ?2",
        )?
        .query_row(params![course_id, user_id], |r| r.get(0))?)
}

/// Active agents of the client's projects whose name or e-mail contains
/// `needle` (a `LIKE` pattern body, escaped with `\\`), by name, at most
/// `limit`; `assigned` for those assigned to the course by name.
pub fn candidates(
    conn: &Connection,
    course_id: i64,
    client_id: ClientId,
    needle: &str,
    limit: i64,
) -> StoreResult<Vec<CourseCandidate>> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.id, u.name, u.email, u.team_id, t.name,
                EXISTS (SELECT 1 FROM course_assignments a WHERE a.course_id = ?1 AND a.user_id = u.id)
         FROM users u LEFT JOIN teams t ON t.id = u.team_id
         WHERE u.active = 1
           AND EXISTS (SELECT 1 FROM project_members pm JOIN projects p ON p.id = pm.project_id
                       WHERE pm.user_id = u.id AND pm.role = 'agent' AND p.client_id = ?2)
           AND (?3 = '' OR u.name LIKE '%' || ?3 || '%' ESCAPE '\\'
                OR u.email LIKE '%' || ?3 || '%' ESCAPE '\\')
         ORDER BY u.name COLLATE NOCASE, u.id LIMIT ?4",
    )?;
    let rows = stmt.query_map(params![course_id, client_id, needle, limit], |r| {
        Ok(CourseCandidate {
            user_id: r.get(0)?,
            name: r.get(1)?,
            email: r.get(2)?,
            team_id: r.get(3)?,
            team_name: r.get(4)?,
            assigned: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
