use crate::ids::{ClientId, TeamId, UserId};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::model::{Locale, Tariff, User};
use crate::auth::Role;
use crate::auth::policy::{UserRef, UserVisibility};
use crate::db::{StoreResult, now};

const SELECT: &str = "SELECT u.id, u.email, u.name, u.role, u.client_id, c.name, u.team_id, t.name,
        u.tariff, u.locale, u.active, u.created_at, u.updated_at
     FROM users u
     LEFT JOIN clients c ON c.id = u.client_id
     LEFT JOIN teams t ON t.id = u.team_id";

fn from_row(row: &Row) -> rusqlite::Result<User> {
    let role: Role = row.get(3)?;
    let tariff: Option<Tariff> = row.get(8)?;
    let locale: Option<Locale> = row.get(9)?;
    Ok(User {
        id: row.get(0)?,
        email: row.get(1)?,
        name: row.get(2)?,
        role,
        client_id: row.get(4)?,
        client_name: row.get(5)?,
        team_id: row.get(6)?,
        team_name: row.get(7)?,
        tariff,
        locale,
        active: row.get(10)?,
        created_at: row.get(11)?,
        updated_at: row.get(12)?,
        can: None,
    })
}

/// SQL condition on `u` for a visibility, with its one JSON/int argument.
fn visibility_clause(v: &UserVisibility) -> (&'static str, rusqlite::types::Value) {
    match v {
        UserVisibility::All => ("?1 IS NULL", rusqlite::types::Value::Null),
        UserVisibility::ClientAndItsProjects(c) => (
            "(u.client_id = ?1 OR u.id IN (SELECT pm.user_id FROM project_members pm
               JOIN projects p ON p.id = pm.project_id WHERE p.client_id = ?1))",
            (*c).into(),
        ),
        UserVisibility::ProviderAndClients(ids) => (
            "((u.client_id IS NULL AND u.role <> 'admin')
               OR u.client_id IN (SELECT value FROM json_each(?1)))",
            serde_json::to_string(ids)
                .unwrap_or_else(|_| "[]".into())
                .into(),
        ),
        UserVisibility::Oneself(id) => ("u.id = ?1", (*id).into()),
    }
}

pub fn get(conn: &Connection, id: UserId) -> StoreResult<Option<User>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE u.id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

pub fn get_visible(conn: &Connection, v: &UserVisibility, id: UserId) -> StoreResult<Option<User>> {
    let (clause, arg) = visibility_clause(v);
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE {clause} AND u.id = ?2"))?
        .query_row(params![arg, id], from_row)
        .optional()?)
}

pub fn list(
    conn: &Connection,
    v: &UserVisibility,
    client_id: Option<ClientId>,
) -> StoreResult<Vec<User>> {
    let (clause, arg) = visibility_clause(v);
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE {clause} AND (?2 IS NULL OR u.client_id = ?2) ORDER BY u.name COLLATE NOCASE, u.id"
    ))?;
    let rows = stmt.query_map(params![arg, client_id], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn email_taken(conn: &Connection, email: &str) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM users WHERE email = ?1")?
        .query_row([email], |_| Ok(()))
        .optional()?
        .is_some())
}

pub fn by_email(conn: &Connection, email: &str) -> StoreResult<Option<User>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE u.email = ?1"))?
        .query_row([email], from_row)
        .optional()?)
}

pub struct NewUserRow<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub client_id: Option<ClientId>,
    pub team_id: Option<TeamId>,
    pub tariff: Option<Tariff>,
    pub locale: Option<Locale>,
    pub password_hash: &'a str,
}

pub fn insert(conn: &Connection, u: &NewUserRow) -> StoreResult<UserId> {
    let at = now();
    conn.prepare_cached(
        "INSERT INTO users (email, name, role, client_id, team_id, tariff, locale, password_hash, active, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9, ?9)",
    )?
    .execute(params![
        u.email,
        u.name,
        u.role.as_str(),
        u.client_id,
        u.team_id,
        u.tariff.map(Tariff::as_str),
        u.locale.map(Locale::as_str),
        u.password_hash,
        at
    ])?;
    Ok(UserId(conn.last_insert_rowid()))
}

/// Writes the whole changeable state of a user.
pub fn update(conn: &Connection, user: &User, password_hash: Option<&str>) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE users SET name = ?2, role = ?3, team_id = ?4, tariff = ?5, active = ?6, locale = ?7,
             password_hash = COALESCE(?8, password_hash), updated_at = ?9
         WHERE id = ?1",
    )?
    .execute(params![
        user.id,
        user.name,
        user.role.as_str(),
        user.team_id,
        user.tariff.map(Tariff::as_str),
        user.active,
        user.locale.map(Locale::as_str),
        password_hash,
        now()
    ])?;
    Ok(())
}

/// A new password (through a one-time link).
pub fn set_password(conn: &Connection, user_id: UserId, password_hash: &str) -> StoreResult<()> {
    conn.prepare_cached("UPDATE users SET password_hash = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![user_id, password_hash, now()])?;
    Ok(())
}

pub fn password_hash(conn: &Connection, user_id: UserId) -> StoreResult<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT password_hash FROM users WHERE id = ?1")?
        .query_row([user_id], |row| row.get(0))
        .optional()?)
}

pub fn count_active_admins(conn: &Connection) -> StoreResult<i64> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1",
        [],
        |row| row.get(0),
    )?)
}

pub fn count_active_client_admins(conn: &Connection, client_id: ClientId) -> StoreResult<i64> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM users WHERE role = 'client-admin' AND active = 1 AND client_id = ?1",
        [client_id],
        |row| row.get(0),
    )?)
}

/// The distinct clients of the projects a user is a member of.
pub fn member_clients(conn: &Connection, user_id: UserId) -> StoreResult<Vec<ClientId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT p.client_id FROM project_members pm JOIN projects p ON p.id = pm.project_id
         WHERE pm.user_id = ?1",
    )?;
    let rows = stmt.query_map([user_id], |row| row.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

impl User {
    pub fn as_ref(&self) -> UserRef {
        UserRef {
            id: self.id,
            role: self.role,
            client_id: self.client_id,
        }
    }
}
