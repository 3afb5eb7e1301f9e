use crate::ids::{ClientId, ProjectId, UserId};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::model::{Member, Project};
use crate::auth::policy::{ProjectRef, Visibility};
use crate::auth::{MemberRole, Role};
use crate::db::{StoreResult, now};
use crate::teams::TeamKind;
use crate::users::Tariff;

const SELECT: &str = "SELECT p.id, p.client_id, c.name, p.name, p.key, p.description, p.active,
        (SELECT COUNT(*) FROM project_members m WHERE m.project_id = p.id), p.created_at, p.updated_at
     FROM projects p JOIN clients c ON c.id = p.client_id";

fn from_row(row: &Row) -> rusqlite::Result<Project> {
    Ok(Project {
        id: row.get(0)?,
        client_id: row.get(1)?,
        client_name: row.get(2)?,
        name: row.get(3)?,
        key: row.get(4)?,
        description: row.get(5)?,
        active: row.get(6)?,
        member_count: row.get(7)?,
        created_at: row.get(8)?,
        updated_at: row.get(9)?,
    })
}

pub fn get(conn: &Connection, id: ProjectId) -> StoreResult<Option<Project>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE p.id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

pub fn list(conn: &Connection, visibility: &Visibility) -> StoreResult<Vec<Project>> {
    let (clients, projects) = match visibility {
        Visibility::All => (None, None),
        Visibility::Clients(ids) => (Some(serde_json::to_string(ids).unwrap_or_default()), None),
        Visibility::Projects(ids) => (None, Some(serde_json::to_string(ids).unwrap_or_default())),
    };
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE (?1 IS NULL OR p.client_id IN (SELECT value FROM json_each(?1)))
           AND (?2 IS NULL OR p.id IN (SELECT value FROM json_each(?2)))
         ORDER BY c.name COLLATE NOCASE, p.name COLLATE NOCASE"
    ))?;
    let rows = stmt.query_map(params![clients, projects], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn key_taken(conn: &Connection, key: &str) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM projects WHERE key = ?1")?
        .query_row([key], |_| Ok(()))
        .optional()?
        .is_some())
}

pub fn name_taken(
    conn: &Connection,
    client_id: ClientId,
    name: &str,
    except: Option<ProjectId>,
) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM projects WHERE client_id = ?1 AND name = ?2 COLLATE NOCASE AND id IS NOT ?3",
        )?
        .query_row(params![client_id, name, except], |_| Ok(()))
        .optional()?
        .is_some())
}

pub fn insert(
    conn: &Connection,
    client_id: ClientId,
    name: &str,
    key: &str,
    description: &str,
) -> StoreResult<ProjectId> {
    let at = now();
    conn.prepare_cached(
        "INSERT INTO projects (client_id, name, key, description, active, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5)",
    )?
    .execute(params![client_id, name, key, description, at])?;
    Ok(ProjectId(conn.last_insert_rowid()))
}

pub fn update(conn: &Connection, p: &Project) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE projects SET name = ?2, description = ?3, active = ?4, updated_at = ?5 WHERE id = ?1",
    )?
    .execute(params![p.id, p.name, p.description, p.active, now()])?;
    Ok(())
}

/// Whether the project holds cases or booked time (kept, never cascaded).
pub fn has_dependents(conn: &Connection, id: ProjectId) -> StoreResult<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM cases WHERE project_id = ?1)
             OR EXISTS (SELECT 1 FROM time_entries WHERE project_id = ?1)",
        [id],
        |row| row.get(0),
    )?)
}

pub fn delete(conn: &Connection, id: ProjectId) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM projects WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

const MEMBER_SELECT: &str =
    "SELECT m.project_id, u.id, u.name, u.email, u.role, t.kind, u.tariff, m.role, m.created_at
     FROM project_members m JOIN users u ON u.id = m.user_id LEFT JOIN teams t ON t.id = u.team_id";

fn member_from_row(row: &Row) -> rusqlite::Result<Member> {
    let user_role: Role = row.get(4)?;
    let team_kind: Option<TeamKind> = row.get(5)?;
    let tariff: Option<Tariff> = row.get(6)?;
    let member_role: MemberRole = row.get(7)?;
    Ok(Member {
        project_id: row.get(0)?,
        user_id: row.get(1)?,
        user_name: row.get(2)?,
        user_email: row.get(3)?,
        user_role,
        team_kind,
        tariff,
        member_role,
        created_at: row.get(8)?,
    })
}

pub fn members(conn: &Connection, project_id: ProjectId) -> StoreResult<Vec<Member>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{MEMBER_SELECT} WHERE m.project_id = ?1 ORDER BY m.role DESC, u.name COLLATE NOCASE"
    ))?;
    let rows = stmt.query_map([project_id], member_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn member(
    conn: &Connection,
    project_id: ProjectId,
    user_id: UserId,
) -> StoreResult<Option<Member>> {
    Ok(conn
        .prepare_cached(&format!(
            "{MEMBER_SELECT} WHERE m.project_id = ?1 AND m.user_id = ?2"
        ))?
        .query_row(params![project_id, user_id], member_from_row)
        .optional()?)
}

/// Adds the member or changes their role.
pub fn upsert_member(
    conn: &Connection,
    project_id: ProjectId,
    user_id: UserId,
    role: MemberRole,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO project_members (project_id, user_id, role, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (project_id, user_id) DO UPDATE SET role = excluded.role",
    )?
    .execute(params![project_id, user_id, role.as_str(), now()])?;
    Ok(())
}

pub fn remove_member(
    conn: &Connection,
    project_id: ProjectId,
    user_id: UserId,
) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM project_members WHERE project_id = ?1 AND user_id = ?2")?
        .execute(params![project_id, user_id])?
        > 0)
}

impl Project {
    pub fn as_ref(&self) -> ProjectRef {
        ProjectRef {
            id: self.id,
            client_id: self.client_id,
        }
    }
}
