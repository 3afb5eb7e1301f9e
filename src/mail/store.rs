//! SQL of mailboxes and inbound mail records (prepared, cached statements).

use crate::ids::{CaseId, ClientId, ContactId, ProjectId};
use rusqlite::{Connection, OptionalExtension, Row, ToSql, params};

use super::model::{
    AfterFetch, AutoAck, FetcherState, InboundMail, MailFlag, Mailbox, MailboxFields, Security,
};
use crate::db::{StoreResult, now};

const COLUMNS: &str =
    "m.id, m.project_id, p.client_id, m.name, m.address, m.sender_name, m.signature,
     m.imap_host, m.imap_port, m.imap_security, m.imap_tls_verify, m.imap_username, m.imap_folder,
     m.after_fetch, m.move_to_folder, m.smtp_host, m.smtp_port, m.smtp_security, m.smtp_username,
     m.smtp_password_sealed IS NOT NULL, m.fetch_schedule, m.paused, m.last_run_at,
     m.last_success_at, m.messages_taken, m.last_error,
     (SELECT count(*) FROM mail_inbound i WHERE i.mailbox_id = m.id AND i.flagged = 1),
     m.created_at, m.updated_at, m.smtp_tls_verify, m.auto_ack_enabled, m.auto_ack_subject,
     m.auto_ack_body";

fn from_row(row: &Row) -> rusqlite::Result<Mailbox> {
    let security = |i: usize| -> rusqlite::Result<Security> { row.get(i) };
    let after: AfterFetch = row.get(13)?;
    Ok(Mailbox {
        id: row.get(0)?,
        project_id: row.get(1)?,
        client_id: row.get(2)?,
        name: row.get(3)?,
        address: row.get(4)?,
        sender_name: row.get(5)?,
        signature: row.get(6)?,
        imap_host: row.get(7)?,
        imap_port: row.get(8)?,
        imap_security: security(9)?,
        imap_tls_verify: row.get(10)?,
        imap_username: row.get(11)?,
        imap_folder: row.get(12)?,
        after_fetch: after,
        move_to_folder: row.get(14)?,
        smtp_host: row.get(15)?,
        smtp_port: row.get(16)?,
        smtp_security: security(17)?,
        smtp_tls_verify: row.get(29)?,
        smtp_username: row.get(18)?,
        smtp_password_set: row.get(19)?,
        fetch_schedule: row.get(20)?,
        paused: row.get(21)?,
        auto_ack: AutoAck {
            enabled: row.get(30)?,
            subject: row.get(31)?,
            body: row.get(32)?,
        },
        fetcher: FetcherState {
            last_run_at: row.get(22)?,
            last_success_at: row.get(23)?,
            messages_taken: row.get(24)?,
            last_error: row.get(25)?,
            flagged: row.get(26)?,
            running: false,
        },
        created_at: row.get(27)?,
        updated_at: row.get(28)?,
    })
}

pub fn get(conn: &Connection, id: i64) -> StoreResult<Option<Mailbox>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM mailboxes m JOIN projects p ON p.id = m.project_id WHERE m.id = ?1"
        ))?
        .query_row([id], from_row)
        .optional()?)
}

pub fn list_for_project(conn: &Connection, project_id: ProjectId) -> StoreResult<Vec<Mailbox>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM mailboxes m JOIN projects p ON p.id = m.project_id
         WHERE m.project_id = ?1 ORDER BY m.name, m.id"
    ))?;
    let rows = stmt.query_map([project_id], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every mailbox (each has a fetcher service, running or not).
pub fn all_ids(conn: &Connection) -> StoreResult<Vec<i64>> {
    let mut stmt = conn.prepare_cached("SELECT id FROM mailboxes ORDER BY id")?;
    let rows = stmt.query_map([], |row| row.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Pauses or resumes fetching (chosen on the services page).
pub fn set_paused(conn: &Connection, id: i64, paused: bool) -> StoreResult<()> {
    conn.prepare_cached("UPDATE mailboxes SET paused = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(rusqlite::params![id, paused, crate::db::now()])?;
    Ok(())
}

/// A mailbox's sealed passwords: IMAP, and SMTP if one is stored.
pub type SealedPasswords = (Vec<u8>, Option<Vec<u8>>);

pub fn sealed_passwords(conn: &Connection, id: i64) -> StoreResult<Option<SealedPasswords>> {
    Ok(conn
        .prepare_cached(
            "SELECT imap_password_sealed, smtp_password_sealed FROM mailboxes WHERE id = ?1",
        )?
        .query_row([id], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?)
}

/// Binds a mailbox's settings as named parameters, `:column` each, and
/// hands them to `run`. INSERT and UPDATE are both written from this one
/// list, so neither can bind a column to another field's value.
fn with_settings<R>(f: &MailboxFields, run: impl FnOnce(&[(&str, &dyn ToSql)]) -> R) -> R {
    let imap_security = f.imap_security.as_str();
    let after_fetch = f.after_fetch.as_str();
    let smtp_security = f.smtp_security.as_str();
    run(&[
        (":name", &f.name),
        (":address", &f.address),
        (":sender_name", &f.sender_name),
        (":signature", &f.signature),
        (":imap_host", &f.imap_host),
        (":imap_port", &f.imap_port),
        (":imap_security", &imap_security),
        (":imap_tls_verify", &f.imap_tls_verify),
        (":imap_username", &f.imap_username),
        (":imap_password_sealed", &f.imap_password_sealed),
        (":imap_folder", &f.imap_folder),
        (":after_fetch", &after_fetch),
        (":move_to_folder", &f.move_to_folder),
        (":smtp_host", &f.smtp_host),
        (":smtp_port", &f.smtp_port),
        (":smtp_security", &smtp_security),
        (":smtp_tls_verify", &f.smtp_tls_verify),
        (":smtp_username", &f.smtp_username),
        (":smtp_password_sealed", &f.smtp_password_sealed),
        (":fetch_schedule", &f.fetch_schedule),
        (":paused", &f.paused),
        (":auto_ack_enabled", &f.auto_ack.enabled),
        (":auto_ack_subject", &f.auto_ack.subject),
        (":auto_ack_body", &f.auto_ack.body),
    ])
}

/// The column of a `:column` parameter.
fn column(param: &str) -> &str {
    param.trim_start_matches(':')
}

pub fn insert(conn: &Connection, project_id: ProjectId, f: &MailboxFields) -> StoreResult<i64> {
    let at = now();
    with_settings(f, |settings| {
        let columns: Vec<&str> = settings.iter().map(|(p, _)| column(p)).collect();
        let values: Vec<&str> = settings.iter().map(|(p, _)| *p).collect();
        let sql = format!(
            "INSERT INTO mailboxes (project_id, created_at, updated_at, {})
             VALUES (:project_id, :at, :at, {})",
            columns.join(", "),
            values.join(", ")
        );
        let mut params = settings.to_vec();
        params.extend([(":project_id", &project_id as &dyn ToSql), (":at", &at)]);
        conn.prepare_cached(&sql)?.execute(&params[..])
    })?;
    Ok(conn.last_insert_rowid())
}

pub fn update(conn: &Connection, id: i64, f: &MailboxFields) -> StoreResult<()> {
    let at = now();
    with_settings(f, |settings| {
        let assignments: Vec<String> = settings
            .iter()
            .map(|(p, _)| format!("{} = {p}", column(p)))
            .collect();
        let sql = format!(
            "UPDATE mailboxes SET {}, updated_at = :at WHERE id = :id",
            assignments.join(", ")
        );
        let mut params = settings.to_vec();
        params.extend([(":id", &id as &dyn ToSql), (":at", &at)]);
        conn.prepare_cached(&sql)?.execute(&params[..])
    })?;
    Ok(())
}

pub fn delete(conn: &Connection, id: i64) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM mailboxes WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Records the start of a fetch run.
pub fn mark_run(conn: &Connection, id: i64) -> StoreResult<()> {
    conn.prepare_cached("UPDATE mailboxes SET last_run_at = ?2 WHERE id = ?1")?
        .execute(params![id, now()])?;
    Ok(())
}

/// Records the end of a fetch run: success (error `None`) or the reason.
pub fn finish_run(conn: &Connection, id: i64, error: Option<&str>) -> StoreResult<()> {
    match error {
        None => conn
            .prepare_cached(
                "UPDATE mailboxes SET last_success_at = ?2, last_error = NULL WHERE id = ?1",
            )?
            .execute(params![id, now()])?,
        Some(error) => conn
            .prepare_cached("UPDATE mailboxes SET last_error = ?2 WHERE id = ?1")?
            .execute(params![id, error])?,
    };
    Ok(())
}

pub fn add_taken(conn: &Connection, id: i64, n: i64) -> StoreResult<()> {
    conn.prepare_cached("UPDATE mailboxes SET messages_taken = messages_taken + ?2 WHERE id = ?1")?
        .execute(params![id, n])?;
    Ok(())
}

pub fn set_uid_validity(conn: &Connection, id: i64, uid_validity: u32) -> StoreResult<()> {
    conn.prepare_cached("UPDATE mailboxes SET imap_uid_validity = ?2 WHERE id = ?1")?
        .execute(params![id, uid_validity])?;
    Ok(())
}

// ---- inbound records -------------------------------------------------------

/// What the store knows of a message about to be filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Not taken before.
    New,
    /// This very message was taken before (this record).
    Taken(i64),
    /// Its Message-ID was taken before, with other content (this record).
    IdReused(i64),
}

/// A message as [`seen_before`] looks it up.
pub struct Lookup<'a> {
    pub uid_validity: Option<u32>,
    pub uid: Option<u32>,
    /// The Message-ID, or `sha256:<hex of raw>` without one.
    pub message_key: &'a str,
    /// Whether `message_key` is a Message-ID.
    pub has_message_id: bool,
    pub raw_sha256: &'a str,
    pub content_sha256: &'a str,
}

/// Whether this message was taken from this mailbox before: by
/// (UIDVALIDITY, UID), then by Message-ID **and** content. A message whose
/// Message-ID is known but whose content is not is [`Seen::IdReused`]: a
/// different message, to be filed. The content index is read only then.
pub fn seen_before(conn: &Connection, mailbox_id: i64, m: &Lookup) -> StoreResult<Seen> {
    if let (Some(v), Some(u)) = (m.uid_validity, m.uid)
        && let Some(id) = conn
            .prepare_cached(
                "SELECT id FROM mail_inbound WHERE mailbox_id = ?1 AND uid_validity = ?2 AND uid = ?3",
            )?
            .query_row(params![mailbox_id, v, u], |row| row.get(0))
            .optional()?
    {
        return Ok(Seen::Taken(id));
    }
    let by_key: Option<(i64, String, Option<String>)> = conn
        .prepare_cached(
            "SELECT id, raw_sha256, content_sha256 FROM mail_inbound
             WHERE mailbox_id = ?1 AND message_key = ?2",
        )?
        .query_row(params![mailbox_id, m.message_key], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?;
    let by_content = || -> StoreResult<Option<i64>> {
        Ok(conn
            .prepare_cached(
                "SELECT id FROM mail_inbound WHERE mailbox_id = ?1 AND content_sha256 = ?2
                 ORDER BY id LIMIT 1",
            )?
            .query_row(params![mailbox_id, m.content_sha256], |row| row.get(0))
            .optional()?)
    };
    let Some((id, raw, content)) = by_key else {
        // Without a Message-ID, a copy by another route has other raw
        // bytes (its key) but the same content.
        return Ok(match m.has_message_id {
            false => by_content()?.map_or(Seen::New, Seen::Taken),
            true => Seen::New,
        });
    };
    if !m.has_message_id || raw == m.raw_sha256 || content.as_deref() == Some(m.content_sha256) {
        return Ok(Seen::Taken(id));
    }
    // Another copy of an earlier message that reused this Message-ID.
    Ok(by_content()?.map_or(Seen::IdReused(id), Seen::Taken))
}

/// The record key of a message that reuses a Message-ID: the ID and its
/// content hash (a Message-ID has no white space, so it cannot collide).
pub fn reused_key(message_id: &str, content_sha256: &str) -> String {
    format!("{message_id} sha256:{content_sha256}")
}

/// UIDs of this UIDVALIDITY already taken, among `uids`.
pub fn known_uids(
    conn: &Connection,
    mailbox_id: i64,
    uid_validity: u32,
    uids: &[u32],
) -> StoreResult<Vec<u32>> {
    let mut stmt = conn.prepare_cached(
        "SELECT 1 FROM mail_inbound WHERE mailbox_id = ?1 AND uid_validity = ?2 AND uid = ?3",
    )?;
    let mut known = Vec::new();
    for &uid in uids {
        if stmt
            .query_row(params![mailbox_id, uid_validity, uid], |_| Ok(()))
            .optional()?
            .is_some()
        {
            known.push(uid);
        }
    }
    Ok(known)
}

pub struct NewInbound<'a> {
    pub mailbox_id: i64,
    pub uid_validity: Option<u32>,
    pub uid: Option<u32>,
    pub message_key: &'a str,
    pub message_id: Option<&'a str>,
    pub raw_sha256: &'a str,
    pub raw_size: i64,
    pub from_address: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub case_id: Option<CaseId>,
    pub thread_message_id: Option<i64>,
    pub threaded_by: &'a str,
    pub auto_reply: bool,
    pub bulk: bool,
    pub bounce: bool,
    pub problem: Option<&'a str>,
    /// [`MailFlag::join`]ed codes.
    pub flags: &'a str,
    pub content_sha256: Option<&'a str>,
}

pub fn insert_inbound(conn: &Connection, r: &NewInbound) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO mail_inbound (mailbox_id, uid_validity, uid, message_key, message_id, raw_sha256,
             raw_size, from_address, subject, case_id, thread_message_id, threaded_by, auto_reply, bulk,
             bounce, flagged, problem, received_at, flags, content_sha256)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
    )?
    .execute(params![
        r.mailbox_id,
        r.uid_validity,
        r.uid,
        r.message_key,
        r.message_id,
        r.raw_sha256,
        r.raw_size,
        r.from_address,
        r.subject,
        r.case_id,
        r.thread_message_id,
        r.threaded_by,
        r.auto_reply,
        r.bulk,
        r.bounce,
        r.problem.is_some() || !r.flags.is_empty(),
        r.problem,
        now(),
        r.flags,
        r.content_sha256
    ])?;
    Ok(conn.last_insert_rowid())
}

const INBOUND_COLUMNS: &str = "id, mailbox_id, message_id, from_address, subject, case_id,
     thread_message_id, threaded_by, auto_reply, bulk, bounce, flagged, problem, raw_size, received_at,
     flags";

fn inbound_from_row(row: &Row) -> rusqlite::Result<InboundMail> {
    let case_id: Option<CaseId> = row.get(5)?;
    let message: Option<i64> = row.get(6)?;
    let flags: String = row.get(15)?;
    let flags = MailFlag::split(&flags).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            15,
            rusqlite::types::Type::Text,
            format!("unknown mail flag in {flags:?}").into(),
        )
    })?;
    Ok(InboundMail {
        id: row.get(0)?,
        mailbox_id: row.get(1)?,
        message_id: row.get(2)?,
        from_address: row.get(3)?,
        subject: row.get(4)?,
        case_id,
        thread_message_id: message,
        threaded_by: row.get(7)?,
        auto_reply: row.get(8)?,
        bulk: row.get(9)?,
        bounce: row.get(10)?,
        flagged: row.get(11)?,
        flags,
        problem: row.get(12)?,
        raw_size: row.get(13)?,
        raw_url: match (case_id, message) {
            (Some(c), Some(m)) => Some(format!("/api/v1/cases/{c}/messages/{m}/raw")),
            _ => None,
        },
        received_at: row.get(14)?,
    })
}

pub fn inbound_of_mailbox(
    conn: &Connection,
    mailbox_id: i64,
    flagged_only: bool,
    before_id: Option<i64>,
    limit: u32,
) -> StoreResult<Vec<InboundMail>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {INBOUND_COLUMNS} FROM mail_inbound
         WHERE mailbox_id = ?1 AND (?2 = 0 OR flagged = 1) AND id < ?3
         ORDER BY id DESC LIMIT ?4"
    ))?;
    let rows = stmt.query_map(
        params![
            mailbox_id,
            flagged_only,
            before_id.unwrap_or(i64::MAX),
            limit
        ],
        inbound_from_row,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn inbound_of_case(conn: &Connection, case_id: CaseId) -> StoreResult<Vec<InboundMail>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {INBOUND_COLUMNS} FROM mail_inbound WHERE case_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([case_id], inbound_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The raw message of a case message: (sha256, subject).
pub fn raw_of_message(
    conn: &Connection,
    case_id: CaseId,
    message_id: i64,
) -> StoreResult<Option<(String, Option<String>)>> {
    Ok(conn
        .prepare_cached(
            "SELECT raw_sha256, subject FROM mail_inbound
             WHERE case_id = ?1 AND thread_message_id = ?2 ORDER BY id LIMIT 1",
        )?
        .query_row(params![case_id, message_id], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?)
}

// ---- threading ---------------------------------------------------------------

/// The case (not merged away) that a Message-ID seen before belongs to,
/// within this client only.
pub fn case_by_message_id(
    conn: &Connection,
    client_id: ClientId,
    message_id: &str,
) -> StoreResult<Option<CaseId>> {
    Ok(conn
        .prepare_cached(
            "SELECT c.id FROM mail_message_ids x
             JOIN cases c ON c.id = x.case_id JOIN projects p ON p.id = c.project_id
             WHERE x.message_id = ?1 AND p.client_id = ?2
             ORDER BY x.created_at DESC LIMIT 1",
        )?
        .query_row(params![message_id, client_id], |row| row.get(0))
        .optional()?)
}

/// CROSS JOIN keeps the address index first: with the statistics of a
/// large store SQLite otherwise walked all of the client's contacts
/// (156 ms a mail at 1M cases; 0.02 ms this way).
const CONTACT_BY_EMAIL: &str =
    "SELECT c.id FROM contact_emails e CROSS JOIN contacts c ON c.id = e.contact_id
     WHERE e.email = ?2 AND c.client_id = ?1 AND c.merged_into_id IS NULL
     ORDER BY c.id LIMIT 1";

/// The client's contact (not merged away) with this address, the first
/// by id: what `contacts::service::lookup` answers first, in one indexed
/// step (the sender of nearly every message is known).
pub fn contact_by_email(
    conn: &Connection,
    client_id: ClientId,
    email: &str,
) -> StoreResult<Option<ContactId>> {
    Ok(conn
        .prepare_cached(CONTACT_BY_EMAIL)?
        .query_row(params![client_id, email], |row| row.get(0))
        .optional()?)
}

/// Whether `email` is the address of one of the platform's own users who
/// work on this project: the provider's staff (no client), the client's
/// users, or members of the project. A user of another client may well be
/// this client's customer.
pub fn is_own_user(
    conn: &Connection,
    client_id: ClientId,
    project_id: ProjectId,
    email: &str,
) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM users u WHERE u.email = ?1
                 AND (u.client_id IS NULL OR u.client_id = ?2
                      OR EXISTS (SELECT 1 FROM project_members m
                                 WHERE m.project_id = ?3 AND m.user_id = u.id)))",
        )?
        .query_row(params![email, client_id, project_id], |row| row.get(0))?)
}

/// The case `KEY-number` of a project of this client.
pub fn case_by_reference(
    conn: &Connection,
    client_id: ClientId,
    key: &str,
    number: i64,
) -> StoreResult<Option<CaseId>> {
    Ok(conn
        .prepare_cached(
            "SELECT c.id FROM cases c JOIN projects p ON p.id = c.project_id
             WHERE p.key = ?1 AND c.number = ?2 AND p.client_id = ?3",
        )?
        .query_row(params![key, number, client_id], |row| row.get(0))
        .optional()?)
}

/// Follows merges to the case that lives on.
pub fn surviving_case(conn: &Connection, mut case_id: CaseId) -> StoreResult<CaseId> {
    let mut stmt = conn.prepare_cached("SELECT merged_into_id FROM cases WHERE id = ?1")?;
    for _ in 0..16 {
        let next: Option<CaseId> = stmt
            .query_row([case_id], |row| row.get(0))
            .optional()?
            .flatten();
        match next {
            Some(next) => case_id = next,
            None => break,
        }
    }
    Ok(case_id)
}

/// The project keys of a client (to find case numbers in subjects).
pub fn project_keys(conn: &Connection, client_id: ClientId) -> StoreResult<Vec<String>> {
    let mut stmt = conn.prepare_cached("SELECT key FROM projects WHERE client_id = ?1")?;
    let rows = stmt.query_map([client_id], |row| row.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn remember_message_id(
    conn: &Connection,
    message_id: &str,
    case_id: CaseId,
    thread_message_id: i64,
    mailbox_id: i64,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO mail_message_ids (message_id, case_id, thread_message_id, mailbox_id, direction, created_at)
         VALUES (?1, ?2, ?3, ?4, 'in', ?5)",
    )?
    .execute(params![message_id, case_id, thread_message_id, mailbox_id, now()])?;
    Ok(())
}

/// The HTML of a thread message, once its inline images' links name
/// their attachments.
pub fn set_message_html(conn: &Connection, message_id: i64, html: &str) -> StoreResult<()> {
    conn.prepare_cached("UPDATE messages SET body_html = ?2 WHERE id = ?1")?
        .execute(params![message_id, html])?;
    Ok(())
}

pub fn insert_attachment(
    conn: &Connection,
    case_id: CaseId,
    message_id: i64,
    stored: &crate::blobs::Stored,
    filename: &str,
    content_type: &str,
) -> StoreResult<i64> {
    crate::blobs::store::insert_row(conn, stored)?;
    conn.prepare_cached(
        "INSERT INTO attachments (case_id, message_id, sha256, filename, content_type, size, uploaded_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7)",
    )?
    .execute(params![
        case_id,
        message_id,
        stored.sha256,
        filename,
        content_type,
        stored.size as i64,
        now()
    ])?;
    Ok(conn.last_insert_rowid())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Settings with a different value in every field, per variant.
    fn settings(v: u8) -> MailboxFields {
        let a = v == 0;
        MailboxFields {
            name: format!("name {v}"),
            address: format!("box{v}@example.com"),
            sender_name: format!("sender {v}"),
            signature: format!("signature {v}"),
            imap_host: format!("imap{v}.example.com"),
            imap_port: if a { 993 } else { 1143 },
            imap_security: if a { Security::Tls } else { Security::Starttls },
            imap_tls_verify: a,
            imap_username: format!("imap user {v}"),
            imap_password_sealed: vec![1, v],
            imap_folder: format!("folder {v}"),
            after_fetch: if a {
                AfterFetch::Move
            } else {
                AfterFetch::Delete
            },
            move_to_folder: Some(format!("done {v}")),
            smtp_host: format!("smtp{v}.example.com"),
            smtp_port: if a { 465 } else { 1587 },
            smtp_security: if a { Security::Plain } else { Security::Tls },
            smtp_tls_verify: !a,
            smtp_username: format!("smtp user {v}"),
            smtp_password_sealed: Some(vec![2, v]),
            fetch_schedule: format!("0 {v} * * * *"),
            paused: !a,
            auto_ack: AutoAck {
                enabled: a,
                subject: format!("ack subject {v}"),
                body: format!("ack body {v}"),
            },
        }
    }

    /// The settings as stored, read back through the store's own queries.
    fn stored(conn: &Connection, id: i64) -> MailboxFields {
        let m = get(conn, id).unwrap().unwrap();
        let (imap_password_sealed, smtp_password_sealed) =
            sealed_passwords(conn, id).unwrap().unwrap();
        MailboxFields {
            name: m.name,
            address: m.address,
            sender_name: m.sender_name,
            signature: m.signature,
            imap_host: m.imap_host,
            imap_port: m.imap_port,
            imap_security: m.imap_security,
            imap_tls_verify: m.imap_tls_verify,
            imap_username: m.imap_username,
            imap_password_sealed,
            imap_folder: m.imap_folder,
            after_fetch: m.after_fetch,
            move_to_folder: m.move_to_folder,
            smtp_host: m.smtp_host,
            smtp_port: m.smtp_port,
            smtp_security: m.smtp_security,
            smtp_tls_verify: m.smtp_tls_verify,
            smtp_username: m.smtp_username,
            smtp_password_sealed,
            fetch_schedule: m.fetch_schedule,
            paused: m.paused,
            auto_ack: m.auto_ack,
        }
    }

    /// Every setting written by the INSERT, and again by the UPDATE, reads
    /// back in its own column; and every column of the table that is no
    /// bookkeeping is one of the bound settings.
    #[test]
    fn mailbox_settings_bind_every_column_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = crate::db::Db::open(dir.path()).unwrap();
        crate::demo::seed(&db).unwrap();
        db.write_blocking(|tx| {
            let project: ProjectId =
                tx.query_row("SELECT min(id) FROM projects", [], |r| r.get(0))?;
            let id = insert(tx, project, &settings(0))?;
            assert_eq!(
                format!("{:?}", stored(tx, id)),
                format!("{:?}", settings(0))
            );
            update(tx, id, &settings(1))?;
            assert_eq!(
                format!("{:?}", stored(tx, id)),
                format!("{:?}", settings(1))
            );

            let mut columns: Vec<String> = tx
                .prepare("SELECT name FROM pragma_table_info('mailboxes') ORDER BY name")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let bookkeeping = [
                "id",
                "project_id",
                "created_at",
                "updated_at",
                "last_run_at",
                "last_success_at",
                "messages_taken",
                "last_error",
                "imap_uid_validity",
            ];
            columns.retain(|c| !bookkeeping.contains(&c.as_str()));
            let mut bound: Vec<String> = with_settings(&settings(0), |s| {
                s.iter().map(|(p, _)| column(p).to_string()).collect()
            });
            bound.sort();
            assert_eq!(bound, columns);
            Ok::<_, crate::db::StoreError>(())
        })
        .unwrap();
    }

    /// The sender look-up runs for nearly every mail: it must start from
    /// the address, whatever the statistics say about the client's size.
    #[test]
    fn the_sender_look_up_starts_from_the_address() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = crate::db::Db::open(dir.path()).unwrap();
        let plan: Vec<String> = db
            .read_blocking(|conn| {
                // Statistics that make the client index look selective.
                conn.execute_batch(
                    "ANALYZE; INSERT OR REPLACE INTO sqlite_stat1 VALUES ('contacts', 'contacts_number', '1000000 2 1');
                     INSERT OR REPLACE INTO sqlite_stat1 VALUES ('contact_emails', 'contact_emails_email', '1000000 1000');
                     ANALYZE sqlite_schema;",
                )?;
                let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {CONTACT_BY_EMAIL}"))?;
                let rows = stmt.query_map(params![1, "a@b.example"], |row| row.get::<_, String>(3))?;
                Ok::<_, crate::db::StoreError>(rows.collect::<Result<_, _>>()?)
            })
            .unwrap();
        assert!(
            plan.first()
                .is_some_and(|step| step.contains("contact_emails_email")),
            "{plan:?}"
        );
    }
}
