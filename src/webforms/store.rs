use crate::ids::ProjectId;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::db::{StoreResult, now};

/// A form's row as stored.
#[derive(Debug, Clone)]
pub struct FormRow {
    pub project_id: ProjectId,
    pub public_id: String,
    pub enabled: bool,
    pub title: String,
    pub intro: String,
    pub confirmation: String,
    pub topic_id: Option<i64>,
    pub updated_at: String,
    /// Mail the sender a confirmation (case number and `confirmation`).
    pub send_confirmation: bool,
    /// Proof-of-work: leading zero bits asked for; 0 = off.
    pub pow_bits: u8,
    pub privacy_notice: String,
    pub accent_color: String,
    pub logo: String,
}

const COLUMNS: &str =
    "project_id, public_id, enabled, title, intro, confirmation, topic_id, updated_at,
    send_confirmation, pow_bits, privacy_notice, accent_color, logo";

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
        send_confirmation: row.get(8)?,
        pow_bits: row.get(9)?,
        privacy_notice: row.get(10)?,
        accent_color: row.get(11)?,
        logo: row.get(12)?,
    })
}

pub fn get(conn: &Connection, project_id: ProjectId) -> StoreResult<Option<FormRow>> {
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
        "INSERT INTO web_forms (project_id, public_id, enabled, title, intro, confirmation, topic_id,
             updated_at, send_confirmation, pow_bits, privacy_notice, accent_color, logo)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (project_id) DO UPDATE SET enabled = excluded.enabled, title = excluded.title,
             intro = excluded.intro, confirmation = excluded.confirmation,
             topic_id = excluded.topic_id, updated_at = excluded.updated_at,
             send_confirmation = excluded.send_confirmation, pow_bits = excluded.pow_bits,
             privacy_notice = excluded.privacy_notice, accent_color = excluded.accent_color,
             logo = excluded.logo",
    )?
    .execute(params![
        form.project_id,
        form.public_id,
        form.enabled,
        form.title,
        form.intro,
        form.confirmation,
        form.topic_id,
        now(),
        form.send_confirmation,
        form.pow_bits,
        form.privacy_notice,
        form.accent_color,
        form.logo,
    ])?;
    Ok(())
}

pub fn set_public_id(conn: &Connection, project_id: ProjectId, public_id: &str) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE web_forms SET public_id = ?2, updated_at = ?3 WHERE project_id = ?1",
    )?
    .execute(params![project_id, public_id, now()])?;
    Ok(())
}

/// The number the project's next case will get (read only).
pub fn peek_case_number(conn: &Connection, project_id: ProjectId) -> StoreResult<i64> {
    Ok(conn
        .prepare_cached("SELECT next_case_number FROM projects WHERE id = ?1")?
        .query_row([project_id], |row| row.get(0))?)
}

/// Marks a render token as used until `expires_at`; `false` when it was
/// used already. Drops the marks of tokens past their lifetime.
pub fn use_token(conn: &Connection, token_id: &str, expires_at: &str) -> StoreResult<bool> {
    conn.prepare_cached("DELETE FROM web_form_used_tokens WHERE expires_at < ?1")?
        .execute([now()])?;
    let inserted = conn
        .prepare_cached(
            "INSERT INTO web_form_used_tokens (token_id, expires_at) VALUES (?1, ?2)
             ON CONFLICT (token_id) DO NOTHING",
        )?
        .execute(params![token_id, expires_at])?;
    Ok(inserted == 1)
}

/// A submission held for review (the form was over its hourly limit).
#[derive(Debug, Clone)]
pub struct HeldRow {
    pub id: i64,
    pub project_id: ProjectId,
    pub name: String,
    pub email: String,
    pub subject: String,
    pub message: String,
    pub ip: Option<String>,
    pub received_at: String,
}

const HELD_COLUMNS: &str = "id, project_id, name, email, subject, message, ip, received_at";

fn held_row(row: &Row) -> rusqlite::Result<HeldRow> {
    Ok(HeldRow {
        id: row.get(0)?,
        project_id: row.get(1)?,
        name: row.get(2)?,
        email: row.get(3)?,
        subject: row.get(4)?,
        message: row.get(5)?,
        ip: row.get(6)?,
        received_at: row.get(7)?,
    })
}

pub fn hold(conn: &Connection, held: &HeldRow) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO web_form_held (project_id, name, email, subject, message, ip, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        held.project_id,
        held.name,
        held.email,
        held.subject,
        held.message,
        held.ip,
        now()
    ])?;
    Ok(conn.last_insert_rowid())
}

/// The project's held submissions, oldest first (at most `limit`).
pub fn held(conn: &Connection, project_id: ProjectId, limit: u32) -> StoreResult<Vec<HeldRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {HELD_COLUMNS} FROM web_form_held WHERE project_id = ?1 ORDER BY id LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![project_id, limit], held_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn held_count(conn: &Connection, project_id: ProjectId) -> StoreResult<i64> {
    Ok(conn
        .prepare_cached("SELECT COUNT(*) FROM web_form_held WHERE project_id = ?1")?
        .query_row([project_id], |row| row.get(0))?)
}

pub fn held_one(conn: &Connection, project_id: ProjectId, id: i64) -> StoreResult<Option<HeldRow>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {HELD_COLUMNS} FROM web_form_held WHERE project_id = ?1 AND id = ?2"
        ))?
        .query_row(params![project_id, id], held_row)
        .optional()?)
}

pub fn unhold(conn: &Connection, id: i64) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM web_form_held WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}
