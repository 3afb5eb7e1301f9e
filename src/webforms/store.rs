use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::db::{StoreResult, now};

/// A form's row as stored.
#[derive(Debug, Clone)]
pub struct FormRow {
    pub project_id: i64,
    pub public_id: String,
    pub enabled: bool,
    pub title: String,
    pub intro: String,
    pub confirmation: String,
    pub topic_id: Option<i64>,
    pub updated_at: String,
}

const COLUMNS: &str =
    "project_id, public_id, enabled, title, intro, confirmation, topic_id, updated_at";

fn from_row(row: &Row) -> rusqlite::Result<FormRow> {
    Ok(FormRow {
        project_id: row.get(0)?,
        public_id: row.get(1)?,
        enabled: row.get(2)?,
        title: row.get(3)?,
        intro: row.get(4)?,
        confirmation: row.get(5)?,
        topic_id: row.get(6)?,
        updated_at: row.get(7)?,
    })
}

pub fn get(conn: &Connection, project_id: i64) -> StoreResult<Option<FormRow>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM web_forms WHERE project_id = ?1"
        ))?
        .query_row([project_id], from_row)
        .optional()?)
}

pub fn by_public_id(conn: &Connection, public_id: &str) -> StoreResult<Option<FormRow>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM web_forms WHERE public_id = ?1"
        ))?
        .query_row([public_id], from_row)
        .optional()?)
}

/// Inserts or replaces the settings; the public id is only set on insert.
pub fn upsert(conn: &Connection, form: &FormRow) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO web_forms (project_id, public_id, enabled, title, intro, confirmation, topic_id, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (project_id) DO UPDATE SET enabled = excluded.enabled, title = excluded.title,
             intro = excluded.intro, confirmation = excluded.confirmation,
             topic_id = excluded.topic_id, updated_at = excluded.updated_at",
    )?
    .execute(params![
        form.project_id,
        form.public_id,
        form.enabled,
        form.title,
        form.intro,
        form.confirmation,
        form.topic_id,
        now()
    ])?;
    Ok(())
}

pub fn set_public_id(conn: &Connection, project_id: i64, public_id: &str) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE web_forms SET public_id = ?2, updated_at = ?3 WHERE project_id = ?1",
    )?
    .execute(params![project_id, public_id, now()])?;
    Ok(())
}

/// The number the project's next case will get (read only).
pub fn peek_case_number(conn: &Connection, project_id: i64) -> StoreResult<i64> {
    Ok(conn
        .prepare_cached("SELECT next_case_number FROM projects WHERE id = ?1")?
        .query_row([project_id], |row| row.get(0))?)
}
