use crate::ids::{ClientId, ProjectId};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::model::{CustomField, Entity, Kind, Width};
use crate::db::{StoreResult, now};

const COLUMNS: &str = "id, project_id, entity, key, label, kind, options, required, position,
    help, width, section, active, created_at, updated_at";

fn from_row(row: &Row) -> rusqlite::Result<CustomField> {
    let entity: Entity = row.get(2)?;
    let kind: Kind = row.get(5)?;
    let options: String = row.get(6)?;
    let width: String = row.get(10)?;
    Ok(CustomField {
        id: row.get(0)?,
        project_id: row.get(1)?,
        entity,
        key: row.get(3)?,
        label: row.get(4)?,
        kind,
        options: serde_json::from_str(&options).unwrap_or_default(),
        required: row.get(7)?,
        position: row.get(8)?,
        help: row.get(9)?,
        width: if width == "half" {
            Width::Half
        } else {
            Width::Full
        },
        section: row.get(11)?,
        active: row.get(12)?,
        created_at: row.get(13)?,
        updated_at: row.get(14)?,
    })
}

/// A project's fields in form order, inactive ones included.
pub fn list(
    conn: &Connection,
    project_id: ProjectId,
    entity: Option<Entity>,
) -> StoreResult<Vec<CustomField>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM custom_fields WHERE project_id = ?1 AND (?2 IS NULL OR entity = ?2)
         ORDER BY entity, position, id"
    ))?;
    let rows = stmt.query_map(params![project_id, entity.map(Entity::as_str)], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The fields of one entity over all projects of a client; fields of
/// archived projects count as inactive.
pub fn list_of_client(
    conn: &Connection,
    client_id: ClientId,
    entity: Entity,
) -> StoreResult<Vec<CustomField>> {
    let mut stmt = conn.prepare_cached(
        "SELECT f.id, f.project_id, f.entity, f.key, f.label, f.kind, f.options, f.required,
                f.position, f.help, f.width, f.section, f.active AND p.active, f.created_at,
                f.updated_at
         FROM custom_fields f JOIN projects p ON p.id = f.project_id
         WHERE p.client_id = ?1 AND f.entity = ?2
         ORDER BY p.id, f.position, f.id",
    )?;
    let rows = stmt.query_map(params![client_id, entity.as_str()], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn get(conn: &Connection, id: i64) -> StoreResult<Option<CustomField>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM custom_fields WHERE id = ?1"
        ))?
        .query_row([id], from_row)
        .optional()?)
}

pub fn key_taken(
    conn: &Connection,
    project_id: ProjectId,
    entity: Entity,
    key: &str,
) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM custom_fields WHERE project_id = ?1 AND entity = ?2 AND key = ?3",
        )?
        .query_row(params![project_id, entity.as_str(), key], |_| Ok(()))
        .optional()?
        .is_some())
}

pub fn next_position(conn: &Connection, project_id: ProjectId, entity: Entity) -> StoreResult<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT COALESCE(MAX(position) + 1, 0) FROM custom_fields
             WHERE project_id = ?1 AND entity = ?2",
        )?
        .query_row(params![project_id, entity.as_str()], |row| row.get(0))?)
}

pub fn insert(conn: &Connection, f: &CustomField) -> StoreResult<i64> {
    let at = now();
    conn.prepare_cached(
        "INSERT INTO custom_fields (project_id, entity, key, label, kind, options, required,
             position, help, width, section, active, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
    )?
    .execute(params![
        f.project_id,
        f.entity.as_str(),
        f.key,
        f.label,
        f.kind.as_str(),
        serde_json::to_string(&f.options).unwrap_or_else(|_| "[]".into()),
        f.required,
        f.position,
        f.help,
        f.width.as_str(),
        f.section,
        f.active,
        at,
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn update(conn: &Connection, f: &CustomField) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE custom_fields SET label = ?2, kind = ?3, options = ?4, required = ?5,
             position = ?6, help = ?7, width = ?8, section = ?9, active = ?10, updated_at = ?11
         WHERE id = ?1",
    )?
    .execute(params![
        f.id,
        f.label,
        f.kind.as_str(),
        serde_json::to_string(&f.options).unwrap_or_else(|_| "[]".into()),
        f.required,
        f.position,
        f.help,
        f.width.as_str(),
        f.section,
        f.active,
        now(),
    ])?;
    Ok(())
}
