//! Every SQL statement of the platform sender, the one-time links and the
//! platform's outbox.

use rusqlite::{Connection, OptionalExtension, params};

use super::model::{Invitation, MailKind, MailState, Purpose};
use crate::db::StoreResult;
use crate::ids::UserId;
use crate::mail::model::Security;

/// The stored sender, its password still sealed.
pub struct SenderRow {
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_security: Security,
    pub smtp_tls_verify: bool,
    pub smtp_username: String,
    pub smtp_password_sealed: Option<Vec<u8>>,
    pub from_address: String,
    pub from_name: String,
    pub updated_at: String,
}

pub fn sender(conn: &Connection) -> StoreResult<Option<SenderRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT smtp_host, smtp_port, smtp_security, smtp_tls_verify, smtp_username,
                    smtp_password_sealed, from_address, from_name, updated_at
             FROM platform_sender WHERE id = 1",
        )?
        .query_row([], |r| {
            Ok(SenderRow {
                smtp_host: r.get(0)?,
                smtp_port: r.get(1)?,
                smtp_security: r.get(2)?,
                smtp_tls_verify: r.get(3)?,
                smtp_username: r.get(4)?,
                smtp_password_sealed: r.get(5)?,
                from_address: r.get(6)?,
                from_name: r.get(7)?,
                updated_at: r.get(8)?,
            })
        })
        .optional()?)
}

pub fn has_sender(conn: &Connection) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM platform_sender WHERE id = 1)")?
        .query_row([], |r| r.get(0))?)
}

pub fn save_sender(conn: &Connection, s: &SenderRow, by: Option<UserId>) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO platform_sender (id, smtp_host, smtp_port, smtp_security, smtp_tls_verify,
             smtp_username, smtp_password_sealed, from_address, from_name, updated_at, updated_by)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (id) DO UPDATE SET smtp_host = ?1, smtp_port = ?2, smtp_security = ?3,
             smtp_tls_verify = ?4, smtp_username = ?5, smtp_password_sealed = ?6,
             from_address = ?7, from_name = ?8, updated_at = ?9, updated_by = ?10",
    )?
    .execute(params![
        s.smtp_host,
        s.smtp_port,
        s.smtp_security.as_str(),
        s.smtp_tls_verify,
        s.smtp_username,
        s.smtp_password_sealed,
        s.from_address,
        s.from_name,
        s.updated_at,
        by
    ])?;
    Ok(())
}

/// Voids the user's open links; the number voided.
pub fn void_open_tokens(conn: &Connection, user_id: UserId, at: &str) -> StoreResult<usize> {
    Ok(conn
        .prepare_cached(
            "UPDATE password_tokens SET voided_at = ?2
             WHERE user_id = ?1 AND used_at IS NULL AND voided_at IS NULL",
        )?
        .execute(params![user_id, at])?)
}

pub struct NewToken<'a> {
    pub user_id: UserId,
    pub purpose: Purpose,
    pub token_hash: &'a str,
    pub expires_at: &'a str,
    pub created_at: &'a str,
    pub created_by: Option<UserId>,
}

pub fn insert_token(conn: &Connection, t: &NewToken) -> StoreResult<i64> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO password_tokens (user_id, purpose, token_hash, expires_at, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        )?
        .query_row(
            params![
                t.user_id,
                t.purpose.as_str(),
                t.token_hash,
                t.expires_at,
                t.created_at,
                t.created_by
            ],
            |r| r.get(0),
        )?)
}

/// A link as found by its token's hash.
pub struct TokenRow {
    pub id: i64,
    pub user_id: UserId,
    pub purpose: Purpose,
    pub expires_at: String,
    pub used_at: Option<String>,
    pub voided_at: Option<String>,
}

pub fn token_by_hash(conn: &Connection, token_hash: &str) -> StoreResult<Option<TokenRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, user_id, purpose, expires_at, used_at, voided_at
             FROM password_tokens WHERE token_hash = ?1",
        )?
        .query_row([token_hash], |r| {
            Ok(TokenRow {
                id: r.get(0)?,
                user_id: r.get(1)?,
                purpose: r.get(2)?,
                expires_at: r.get(3)?,
                used_at: r.get(4)?,
                voided_at: r.get(5)?,
            })
        })
        .optional()?)
}

/// Deletes links that ended (expired) more than 30 days ago, with their
/// mails; the number deleted.
pub fn purge_old_tokens(conn: &Connection) -> StoreResult<usize> {
    let cutoff = crate::sla::clock::stamp(chrono::Utc::now() - chrono::Duration::days(30));
    Ok(conn
        .prepare_cached("DELETE FROM password_tokens WHERE expires_at <= ?1")?
        .execute([cutoff])?)
}

/// Marks an open, unexpired link used; false when it no longer was open
/// (a second use racing the first).
pub fn use_token(conn: &Connection, id: i64, at: &str) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE password_tokens SET used_at = ?2
             WHERE id = ?1 AND used_at IS NULL AND voided_at IS NULL AND expires_at > ?2",
        )?
        .execute(params![id, at])?
        == 1)
}

pub struct NewMail<'a> {
    pub kind: MailKind,
    pub user_id: UserId,
    pub token_id: i64,
    pub link_sealed: &'a [u8],
    pub to_address: &'a str,
    pub at: &'a str,
}

pub fn insert_mail(conn: &Connection, m: &NewMail) -> StoreResult<i64> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO platform_mail (kind, user_id, token_id, link_sealed, to_address, state,
                 next_attempt_at, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6, ?6, ?6) RETURNING id",
        )?
        .query_row(
            params![
                m.kind.as_str(),
                m.user_id,
                m.token_id,
                m.link_sealed,
                m.to_address,
                m.at
            ],
            |r| r.get(0),
        )?)
}

const INVITATION_COLUMNS: &str = "m.id, m.user_id, m.kind, m.state, m.to_address, m.attempts,
    m.next_attempt_at, m.last_error, m.sent_at, m.created_at, t.expires_at, t.used_at
    FROM platform_mail m JOIN password_tokens t ON t.id = m.token_id";

fn invitation_row(r: &rusqlite::Row) -> rusqlite::Result<Invitation> {
    let last_error: Option<String> = r.get(7)?;
    Ok(Invitation {
        id: r.get(0)?,
        user_id: r.get(1)?,
        kind: r.get(2)?,
        state: r.get(3)?,
        to_address: r.get(4)?,
        attempts: r.get(5)?,
        next_attempt_at: r.get(6)?,
        error_code: last_error
            .as_deref()
            .map(|e| super::service::failure_code(e).to_string()),
        last_error,
        sent_at: r.get(8)?,
        created_at: r.get(9)?,
        expires_at: r.get(10)?,
        used_at: r.get(11)?,
    })
}

pub fn mail(conn: &Connection, id: i64) -> StoreResult<Option<Invitation>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {INVITATION_COLUMNS} WHERE m.id = ?1"))?
        .query_row([id], invitation_row)
        .optional()?)
}

/// The user's latest invitation mail.
pub fn latest_invitation(conn: &Connection, user_id: UserId) -> StoreResult<Option<Invitation>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {INVITATION_COLUMNS} WHERE m.user_id = ?1 AND m.kind = 'invitation'
             ORDER BY m.id DESC LIMIT 1"
        ))?
        .query_row([user_id], invitation_row)
        .optional()?)
}

/// A due mail with what writing and sending it needs.
pub struct DueRow {
    pub id: i64,
    pub kind: MailKind,
    pub attempts: i64,
    pub link_sealed: Option<Vec<u8>>,
    pub to_address: String,
    pub user_name: String,
    pub user_locale: Option<String>,
    pub user_active: bool,
    /// The link is still open (unused, not voided, not expired).
    pub link_open: bool,
    pub expires_at: String,
}

pub fn next_due(conn: &Connection, at: &str) -> StoreResult<Option<DueRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT m.id, m.kind, m.attempts, m.link_sealed, m.to_address, u.name, u.locale, u.active,
                    t.used_at IS NULL AND t.voided_at IS NULL AND t.expires_at > ?1, t.expires_at
             FROM platform_mail m JOIN users u ON u.id = m.user_id
             JOIN password_tokens t ON t.id = m.token_id
             WHERE m.state IN ('queued', 'retrying') AND m.next_attempt_at <= ?1
             ORDER BY m.next_attempt_at, m.id LIMIT 1",
        )?
        .query_row([at], |r| {
            Ok(DueRow {
                id: r.get(0)?,
                kind: r.get(1)?,
                attempts: r.get(2)?,
                link_sealed: r.get(3)?,
                to_address: r.get(4)?,
                user_name: r.get(5)?,
                user_locale: r.get(6)?,
                user_active: r.get(7)?,
                link_open: r.get(8)?,
                expires_at: r.get(9)?,
            })
        })
        .optional()?)
}

pub fn mark_sent(conn: &Connection, id: i64, attempts: i64, at: &str) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE platform_mail SET state = 'sent', attempts = ?2, sent_at = ?3, next_attempt_at = NULL,
             last_error = NULL, link_sealed = NULL, updated_at = ?3 WHERE id = ?1",
    )?
    .execute(params![id, attempts, at])?;
    Ok(())
}

/// A failed attempt: `next` the next try, `None` given up (the sealed
/// link is dropped then).
pub fn mark_failed(
    conn: &Connection,
    id: i64,
    attempts: i64,
    next: Option<&str>,
    error: &str,
    at: &str,
) -> StoreResult<()> {
    let state = if next.is_some() {
        MailState::Retrying
    } else {
        MailState::Failed
    };
    conn.prepare_cached(
        "UPDATE platform_mail SET state = ?2, attempts = ?3, next_attempt_at = ?4, last_error = ?5,
             link_sealed = CASE WHEN ?4 IS NULL THEN NULL ELSE link_sealed END, updated_at = ?6
         WHERE id = ?1",
    )?
    .execute(params![id, state.as_str(), attempts, next, error, at])?;
    Ok(())
}
