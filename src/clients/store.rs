use rusqlite::{Connection, OptionalExtension, Row, params};

use super::model::Client;
use crate::auth::policy::Visibility;
use crate::db::{StoreResult, now};
use crate::ids::ClientId;

const SELECT: &str =
    "SELECT c.id, c.name, (SELECT COUNT(*) FROM projects p WHERE p.client_id = c.id),
        c.created_at, c.updated_at
     FROM clients c";

fn from_row(row: &Row) -> rusqlite::Result<Client> {
    Ok(Client {
        id: row.get(0)?,
        name: row.get(1)?,
        project_count: row.get(2)?,
        created_at: row.get(3)?,
        updated_at: row.get(4)?,
    })
}

pub fn get(conn: &Connection, id: ClientId) -> StoreResult<Option<Client>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE c.id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

pub fn by_name(conn: &Connection, name: &str) -> StoreResult<Option<Client>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE c.name = ?1 COLLATE NOCASE"))?
        .query_row([name], from_row)
        .optional()?)
}

pub fn list(conn: &Connection, visibility: &Visibility) -> StoreResult<Vec<Client>> {
    let ids = match visibility {
        Visibility::All => None,
        Visibility::Clients(ids) => Some(serde_json::to_string(ids).unwrap_or_default()),
        Visibility::Projects(_) => Some("[]".into()),
    };
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE ?1 IS NULL OR c.id IN (SELECT value FROM json_each(?1)) ORDER BY c.name COLLATE NOCASE"
    ))?;
    let rows = stmt.query_map([ids], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn name_taken(conn: &Connection, name: &str, except: Option<ClientId>) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM clients WHERE name = ?1 COLLATE NOCASE AND id IS NOT ?2")?
        .query_row(params![name, except], |_| Ok(()))
        .optional()?
        .is_some())
}

pub fn insert(conn: &Connection, name: &str) -> StoreResult<ClientId> {
    let at = now();
    conn.prepare_cached("INSERT INTO clients (name, created_at, updated_at) VALUES (?1, ?2, ?2)")?
        .execute(params![name, at])?;
    Ok(ClientId(conn.last_insert_rowid()))
}

pub fn rename(conn: &Connection, id: ClientId, name: &str) -> StoreResult<()> {
    conn.prepare_cached("UPDATE clients SET name = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, name, now()])?;
    Ok(())
}

/// Whether anything still belongs to the client besides empty teams.
pub fn has_dependents(conn: &Connection, id: ClientId) -> StoreResult<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM projects WHERE client_id = ?1)
             OR EXISTS (SELECT 1 FROM users WHERE client_id = ?1)
             OR EXISTS (SELECT 1 FROM contacts WHERE client_id = ?1)
             OR EXISTS (SELECT 1 FROM organizations WHERE client_id = ?1)
             OR EXISTS (SELECT 1 FROM gdpr_erasures WHERE client_id = ?1)",
        [id],
        |row| row.get(0),
    )?)
}

/// Deletes the client with its (empty) teams.
pub fn delete(conn: &Connection, id: ClientId) -> StoreResult<()> {
    conn.execute("DELETE FROM teams WHERE client_id = ?1", [id])?;
    conn.execute("DELETE FROM clients WHERE id = ?1", [id])?;
    Ok(())
}
