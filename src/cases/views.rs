//! Saved views: an agent's own filters and sort for the case list.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::CaseError;
use crate::auth::Principal;
use crate::db::{StoreError, now};
use crate::validation::{Invalid, required_text};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SavedView {
    pub id: i64,
    pub name: String,
    /// The list's filters and `sort`, as the UI sends them to `/cases`.
    #[schema(value_type = Object)]
    pub query: serde_json::Value,
    pub position: i64,
    pub created_at: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewView {
    #[schema(max_length = 80)]
    pub name: String,
    #[schema(value_type = Object)]
    pub query: serde_json::Value,
}

const MAX_VIEWS: i64 = 50;

pub fn list(conn: &Connection, who: &Principal) -> Result<Vec<SavedView>, CaseError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, query, position, created_at FROM saved_views WHERE user_id = ?1 ORDER BY position, id",
    )?;
    let rows = stmt.query_map([who.user_id], |row| {
        let query: String = row.get(2)?;
        Ok(SavedView {
            id: row.get(0)?,
            name: row.get(1)?,
            query: serde_json::from_str(&query).unwrap_or_else(|_| serde_json::json!({})),
            position: row.get(3)?,
            created_at: row.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>().map_err(StoreError::from)?)
}

pub fn create(conn: &Connection, who: &Principal, input: NewView) -> Result<SavedView, CaseError> {
    let name = required_text("name", &input.name, 80)?;
    if !input.query.is_object() || input.query.to_string().len() > 4000 {
        return Err(Invalid::new(
            "query",
            "must be an object of list filters (at most 4000 bytes)",
        )
        .into());
    }
    let count: i64 = conn.query_row(
        "SELECT COUNT(*) FROM saved_views WHERE user_id = ?1",
        [who.user_id],
        |r| r.get(0),
    )?;
    if count >= MAX_VIEWS {
        return Err(Invalid::new("name", format!("at most {MAX_VIEWS} saved views")).into());
    }
    let taken = conn
        .prepare_cached("SELECT 1 FROM saved_views WHERE user_id = ?1 AND name = ?2")?
        .query_row(params![who.user_id, name], |_| Ok(()))
        .optional()?
        .is_some();
    if taken {
        return Err(Invalid::new("name", "you have a view with this name already").into());
    }
    conn.prepare_cached("INSERT INTO saved_views (user_id, name, query, position, created_at) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![who.user_id, name, input.query.to_string(), count, now()])?;
    let id = conn.last_insert_rowid();
    list(conn, who)?
        .into_iter()
        .find(|v| v.id == id)
        .ok_or(CaseError::NotFound)
}

/// Deletes one of the caller's own views; others' views do not exist.
pub fn delete(conn: &Connection, who: &Principal, id: i64) -> Result<(), CaseError> {
    let deleted = conn
        .prepare_cached("DELETE FROM saved_views WHERE id = ?1 AND user_id = ?2")?
        .execute(rusqlite::params![id, who.user_id])?;
    if deleted == 0 {
        Err(CaseError::NotFound)
    } else {
        Ok(())
    }
}
