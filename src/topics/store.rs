use crate::ids::ProjectId;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::Topic;
use crate::db::{StoreResult, now};

fn from_row(row: &Row) -> rusqlite::Result<Topic> {
    Ok(Topic {
        id: row.get(0)?,
        project_id: row.get(1)?,
        name: row.get(2)?,
        active: row.get(3)?,
        position: row.get(4)?,
    })
}

pub fn list(conn: &Connection, project_id: ProjectId) -> StoreResult<Vec<Topic>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, project_id, name, active, position FROM topics WHERE project_id = ?1
         ORDER BY position, name COLLATE NOCASE",
    )?;
    let rows = stmt.query_map([project_id], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn get(conn: &Connection, id: i64) -> StoreResult<Option<Topic>> {
    Ok(conn
        .prepare_cached("SELECT id, project_id, name, active, position FROM topics WHERE id = ?1")?
        .query_row([id], from_row)
        .optional()?)
}

pub fn name_taken(
    conn: &Connection,
    project_id: ProjectId,
    name: &str,
    except: Option<i64>,
) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM topics WHERE project_id = ?1 AND name = ?2 COLLATE NOCASE AND id IS NOT ?3")?
        .query_row(params![project_id, name, except], |_| Ok(()))
        .optional()?
        .is_some())
}

pub fn insert(
    conn: &Connection,
    project_id: ProjectId,
    name: &str,
    position: i64,
) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO topics (project_id, name, position, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![project_id, name, position, now()])?;
    Ok(conn.last_insert_rowid())
}

pub fn update(conn: &Connection, t: &Topic) -> StoreResult<()> {
    conn.prepare_cached("UPDATE topics SET name = ?2, active = ?3, position = ?4 WHERE id = ?1")?
        .execute(params![t.id, t.name, t.active, t.position])?;
    Ok(())
}
