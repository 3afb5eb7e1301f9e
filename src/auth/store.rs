use crate::ids::{ClientId, UserId};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::model::{MemberRole, Membership, Role, TokenInfo};
use crate::db::{StoreResult, now};

/// The user fields a principal is built from.
pub struct PrincipalRow {
    pub user_id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub client_id: Option<ClientId>,
    /// Session id or API token id.
    pub credential_id: i64,
    /// The session's CSRF token, or the token's last use.
    pub extra: Option<String>,
}

fn principal_from_row(row: &Row) -> rusqlite::Result<PrincipalRow> {
    let role: Role = row.get(2)?;
    Ok(PrincipalRow {
        user_id: row.get(0)?,
        email: row.get(1)?,
        role,
        client_id: row.get(3)?,
        credential_id: row.get(4)?,
        extra: row.get(5)?,
        name: row.get(6)?,
    })
}

pub fn by_session(conn: &Connection, token_hash: &str) -> StoreResult<Option<PrincipalRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT u.id, u.email, u.role, u.client_id, s.id, s.csrf_token, u.name
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND u.active = 1",
        )?
        .query_row(params![token_hash, now()], principal_from_row)
        .optional()?)
}

pub fn by_api_token(conn: &Connection, token_hash: &str) -> StoreResult<Option<PrincipalRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT u.id, u.email, u.role, u.client_id, t.id, t.last_used_at, u.name
             FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = ?1 AND u.active = 1
               AND (t.expires_at IS NULL OR t.expires_at > ?2)",
        )?
        .query_row(params![token_hash, now()], principal_from_row)
        .optional()?)
}

pub fn memberships(conn: &Connection, user_id: UserId) -> StoreResult<Vec<Membership>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.project_id, p.client_id, m.role,
                EXISTS (SELECT 1 FROM knowledge_editors k
                        WHERE k.project_id = m.project_id AND k.user_id = m.user_id),
                CASE WHEN u.role = 'agent' AND u.client_id IS NULL
                      AND EXISTS (SELECT 1 FROM distribution_plans d WHERE d.project_id = m.project_id)
                     THEN coalesce(u.tariff, 'basic') END
         FROM project_members m
         JOIN projects p ON p.id = m.project_id
         JOIN users u ON u.id = m.user_id WHERE m.user_id = ?1",
    )?;
    let rows = stmt.query_map([user_id], |row| {
        let role: MemberRole = row.get(2)?;
        Ok(Membership {
            project_id: row.get(0)?,
            client_id: row.get(1)?,
            role,
            edits_knowledge: row.get(3)?,
            provider_share: row.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// For the login: id, password hash and whether the account is active.
pub fn login_record(conn: &Connection, email: &str) -> StoreResult<Option<(UserId, String, bool)>> {
    Ok(conn
        .prepare_cached("SELECT id, password_hash, active FROM users WHERE email = ?1")?
        .query_row([email], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .optional()?)
}

pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: UserId,
    pub csrf_token: &'a str,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub expires_at: &'a str,
}

pub fn insert_session(conn: &Connection, s: &NewSession) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, ip, user_agent, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        s.token_hash,
        s.user_id,
        s.csrf_token,
        s.ip,
        s.user_agent,
        now(),
        s.expires_at
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn delete_session(conn: &Connection, session_id: i64) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM sessions WHERE id = ?1")?
        .execute([session_id])?;
    Ok(())
}

pub fn purge_expired_sessions(conn: &Connection) -> StoreResult<usize> {
    Ok(conn.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now()])?)
}

pub fn tokens(conn: &Connection, user_id: UserId) -> StoreResult<Vec<TokenInfo>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, created_at, last_used_at, expires_at FROM api_tokens
         WHERE user_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([user_id], |row| {
        Ok(TokenInfo {
            id: row.get(0)?,
            name: row.get(1)?,
            created_at: row.get(2)?,
            last_used_at: row.get(3)?,
            expires_at: row.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn insert_token(
    conn: &Connection,
    user_id: UserId,
    name: &str,
    token_hash: &str,
    expires_at: Option<&str>,
) -> StoreResult<(i64, String)> {
    let at = now();
    conn.prepare_cached(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![user_id, name, token_hash, at, expires_at])?;
    Ok((conn.last_insert_rowid(), at))
}

pub fn delete_token(conn: &Connection, user_id: UserId, token_id: i64) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM api_tokens WHERE id = ?1 AND user_id = ?2")?
        .execute(params![token_id, user_id])?
        > 0)
}

/// Revokes every API token of a user; returns how many there were.
pub fn delete_tokens_of(conn: &Connection, user_id: UserId) -> StoreResult<usize> {
    Ok(conn
        .prepare_cached("DELETE FROM api_tokens WHERE user_id = ?1")?
        .execute([user_id])?)
}

/// Ends every session of a user but `keep` (the caller's own).
pub fn delete_sessions_of(
    conn: &Connection,
    user_id: UserId,
    keep: Option<i64>,
) -> StoreResult<usize> {
    Ok(conn
        .prepare_cached("DELETE FROM sessions WHERE user_id = ?1 AND id IS NOT ?2")?
        .execute(params![user_id, keep])?)
}

pub fn touch_token(conn: &Connection, token_id: i64) -> StoreResult<()> {
    conn.prepare_cached("UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1")?
        .execute(params![token_id, now()])?;
    Ok(())
}
