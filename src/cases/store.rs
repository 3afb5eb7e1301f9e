use crate::ids::{CaseId, ClientId, ContactId, OrganizationId, ProjectId, UserId};
use std::collections::HashMap;

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use super::model::{
    Attachment, CallTimes, Case, CaseCounts, Channel, ContactCard, HandlingTeam, HistoryEntry,
    Message, MessageKind, MessageMail, Priority, RefKind, Status, TimeKind, TimeSummary,
    TopicCount,
};
use crate::auth::policy::Visibility;
use crate::db::{StoreResult, now};
use crate::search::newest::Since;

const TAG_SEPARATOR: char = '\u{1f}';

/// How many columns `COLUMNS` names: what a query selects after them
/// (a snippet) is read at this index.
const COLUMN_COUNT: usize = 32;

const COLUMNS: &str =
    "c.id, c.project_id, p.key, c.number, c.subject, c.channel, c.topic_id, t.name,
        c.status, c.priority, c.handling_team, c.assignee_id, u.name, c.contact_id, ct.name,
        c.organization_id, o.name,
        (SELECT group_concat(tag, char(31)) FROM case_tags WHERE case_id = c.id),
        c.due_at, c.custom, c.merged_into_id, c.version, c.message_count, c.last_message_at,
        c.first_response_at, c.solved_at, c.closed_at, c.created_at, c.updated_at,
        c.sla_due_at, c.sla_target, c.handling_tariff";

const JOINS: &str = "JOIN projects p ON p.id = c.project_id
     LEFT JOIN topics t ON t.id = c.topic_id
     LEFT JOIN users u ON u.id = c.assignee_id
     LEFT JOIN contacts ct ON ct.id = c.contact_id
     LEFT JOIN organizations o ON o.id = c.organization_id";

/// `SELECT <case columns> FROM cases c <joins>`
fn select() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| format!("SELECT {COLUMNS} FROM cases c {JOINS}"))
}

fn from_row(row: &Row) -> rusqlite::Result<Case> {
    let key: String = row.get(2)?;
    let number: i64 = row.get(3)?;
    let tags: Option<String> = row.get(17)?;
    let custom: String = row.get(19)?;
    Ok(Case {
        id: row.get(0)?,
        project_id: row.get(1)?,
        reference: format!("{key}-{number}"),
        project_key: key,
        number,
        subject: row.get(4)?,
        channel: row.get(5)?,
        topic_id: row.get(6)?,
        topic_name: row.get(7)?,
        status: row.get(8)?,
        priority: row.get(9)?,
        handling_team: row.get(10)?,
        assignee_id: row.get(11)?,
        assignee_name: row.get(12)?,
        contact_id: row.get(13)?,
        contact_name: row.get(14)?,
        organization_id: row.get(15)?,
        organization_name: row.get(16)?,
        tags: {
            let mut tags: Vec<String> = tags
                .map(|t| t.split(TAG_SEPARATOR).map(str::to_string).collect())
                .unwrap_or_default();
            tags.sort();
            tags
        },
        due_at: row.get(18)?,
        custom: serde_json::from_str(&custom).unwrap_or_else(|_| serde_json::json!({})),
        merged_into_id: row.get(20)?,
        version: row.get(21)?,
        message_count: row.get(22)?,
        last_message_at: row.get(23)?,
        first_response_at: row.get(24)?,
        solved_at: row.get(25)?,
        closed_at: row.get(26)?,
        created_at: row.get(27)?,
        updated_at: row.get(28)?,
        sla_due_at: row.get(29)?,
        sla_target: row.get(30)?,
        handling_tariff: row.get(31)?,
    })
}

pub fn get(conn: &Connection, id: CaseId) -> StoreResult<Option<Case>> {
    Ok(conn
        .prepare_cached(&format!("{} WHERE c.id = ?1", select()))?
        .query_row([id], from_row)
        .optional()?)
}

/// Takes the project's next case number. Not counted as a change of
/// `projects` for the principal cache (`crate::db::untracked`): no
/// principal depends on the counter, and every created case writes it.
pub fn next_number(conn: &Connection, project_id: ProjectId) -> StoreResult<i64> {
    let mut stmt = conn.prepare_cached(
        "UPDATE projects SET next_case_number = next_case_number + 1 WHERE id = ?1
         RETURNING next_case_number - 1",
    )?;
    Ok(crate::db::untracked(|| {
        stmt.query_row([project_id], |row| row.get(0))
    })?)
}

pub struct NewCaseRow<'a> {
    pub project_id: ProjectId,
    pub number: i64,
    pub subject: &'a str,
    pub channel: Channel,
    pub topic_id: Option<i64>,
    pub priority: Priority,
    pub handling_team: HandlingTeam,
    /// The provider team of a provider case (issue 15's distribution).
    pub handling_tariff: Option<crate::users::Tariff>,
    pub assignee_id: Option<UserId>,
    pub contact_id: Option<ContactId>,
    pub organization_id: Option<OrganizationId>,
    pub due_at: Option<&'a str>,
    pub custom: &'a str,
    pub created_by_id: Option<UserId>,
    pub status: Status,
    pub created_at: &'a str,
    /// The first SLA deadline and its target (`sla::clock::FirstClocks`).
    pub sla_due_at: Option<&'a str>,
    pub sla_target: Option<crate::sla::model::Target>,
    /// Whether the case starts with a message (written by
    /// [`insert_message_row`]): counted as its last, at its creation.
    pub with_message: bool,
}

/// A new case, written once: with its first SLA deadline and its first
/// message counted, so that no second write moves the new row in the
/// indexes holding them.
pub fn insert(conn: &Connection, c: &NewCaseRow) -> StoreResult<CaseId> {
    conn.prepare_cached(
        "INSERT INTO cases (project_id, number, subject, channel, topic_id, status, priority, handling_team,
             assignee_id, contact_id, organization_id, due_at, custom, created_by_id, created_at, updated_at,
             handling_tariff, sla_due_at, sla_target, message_count, last_message_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15, ?16, ?17, ?18,
             CASE WHEN ?19 THEN 1 ELSE 0 END, CASE WHEN ?19 THEN ?15 END)",
    )?
    .execute(params![
        c.project_id,
        c.number,
        c.subject,
        c.channel.as_str(),
        c.topic_id,
        c.status.as_str(),
        c.priority.as_str(),
        c.handling_team.as_str(),
        c.assignee_id,
        c.contact_id,
        c.organization_id,
        c.due_at,
        c.custom,
        c.created_by_id,
        c.created_at,
        c.handling_tariff.map(crate::users::Tariff::as_str),
        c.sla_due_at,
        c.sla_target.map(crate::sla::model::Target::as_str),
        c.with_message,
    ])?;
    Ok(CaseId(conn.last_insert_rowid()))
}

/// Writes the changeable fields and bumps the version. The update time
/// is never before the creation time, even with the clock set back: the
/// lists newest created first rely on it (`UpdateWindows`).
pub fn update(conn: &Connection, c: &Case) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE cases SET subject = ?2, status = ?3, priority = ?4, topic_id = ?5, handling_team = ?6,
             handling_tariff = CASE WHEN ?6 = 'provider' THEN ?17 END,
             assignee_id = ?7, contact_id = ?8, organization_id = ?9, due_at = ?10, custom = ?11,
             first_response_at = ?12, solved_at = ?13, closed_at = ?14, merged_into_id = ?15,
             version = version + 1, updated_at = max(?16, created_at)
         WHERE id = ?1",
    )?
    .execute(params![
        c.id,
        c.subject,
        c.status.as_str(),
        c.priority.as_str(),
        c.topic_id,
        c.handling_team.as_str(),
        c.assignee_id,
        c.contact_id,
        c.organization_id,
        c.due_at,
        c.custom.to_string(),
        c.first_response_at,
        c.solved_at,
        c.closed_at,
        c.merged_into_id,
        now(),
        c.handling_tariff.map(crate::users::Tariff::as_str)
    ])?;
    Ok(())
}

pub fn set_tags(conn: &Connection, case_id: CaseId, tags: &[String]) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM case_tags WHERE case_id = ?1")?
        .execute([case_id])?;
    add_tags(conn, case_id, tags)
}

pub fn add_tags(conn: &Connection, case_id: CaseId, tags: &[String]) -> StoreResult<()> {
    let mut stmt =
        conn.prepare_cached("INSERT OR IGNORE INTO case_tags (case_id, tag) VALUES (?1, ?2)")?;
    for tag in tags {
        stmt.execute(params![case_id, tag])?;
    }
    Ok(())
}

pub fn insert_history(
    conn: &Connection,
    case_id: CaseId,
    user_id: Option<UserId>,
    field: &str,
    old: Option<&str>,
    new: Option<&str>,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO case_history (case_id, user_id, at, field, old_value, new_value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![case_id, user_id, now(), field, old, new])?;
    Ok(())
}

pub fn history(conn: &Connection, case_id: CaseId) -> StoreResult<Vec<HistoryEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT h.id, h.user_id, u.name, h.at, h.field, h.old_value, h.new_value, h.rule_name
         FROM case_history h LEFT JOIN users u ON u.id = h.user_id WHERE h.case_id = ?1 ORDER BY h.id",
    )?;
    let rows = stmt.query_map([case_id], |row| {
        Ok(HistoryEntry {
            id: row.get(0)?,
            user_id: row.get(1)?,
            user_name: row.get(2)?,
            at: row.get(3)?,
            field: row.get(4)?,
            old_value: row.get(5)?,
            new_value: row.get(6)?,
            rule_name: row.get(7)?,
            refers_to: None,
            old_refs: Vec::new(),
            new_refs: Vec::new(),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The name of the record `id` of `kind`, if it exists and belongs to
/// `client_id` (users: or to no client, the provider's staff); a case's
/// name is its number. A soft-deleted text module has none.
pub fn referent_name(
    conn: &Connection,
    kind: RefKind,
    id: i64,
    client_id: ClientId,
) -> StoreResult<Option<String>> {
    let sql = match kind {
        RefKind::User => {
            "SELECT name FROM users WHERE id = ?1 AND (client_id IS NULL OR client_id = ?2)"
        }
        RefKind::Topic => {
            "SELECT t.name FROM topics t JOIN projects p ON p.id = t.project_id
             WHERE t.id = ?1 AND p.client_id = ?2"
        }
        RefKind::Contact => "SELECT name FROM contacts WHERE id = ?1 AND client_id = ?2",
        RefKind::Webhook => "SELECT name FROM webhooks WHERE id = ?1 AND client_id = ?2",
        RefKind::TextModule => {
            "SELECT title FROM text_modules WHERE id = ?1 AND client_id = ?2 AND deleted_at IS NULL"
        }
        RefKind::Case => {
            "SELECT p.key || '-' || c.number FROM cases c JOIN projects p ON p.id = c.project_id
             WHERE c.id = ?1 AND p.client_id = ?2"
        }
    };
    Ok(conn
        .prepare_cached(sql)?
        .query_row(params![id, client_id], |row| row.get(0))
        .optional()?)
}

pub struct NewMessageRow<'a> {
    pub case_id: CaseId,
    pub kind: MessageKind,
    pub channel: Channel,
    pub author_user_id: Option<UserId>,
    pub author_contact_id: Option<ContactId>,
    pub body_text: &'a str,
    pub mail: Option<&'a MessageMail>,
}

/// Adds a message and keeps the case's thread counters current.
pub fn insert_message(conn: &Connection, m: &NewMessageRow) -> StoreResult<i64> {
    let at = now();
    let id = insert_message_row(conn, m, &at)?;
    conn.prepare_cached(
        "UPDATE cases SET message_count = message_count + 1, last_message_at = ?2 WHERE id = ?1",
    )?
    .execute(params![m.case_id, at])?;
    Ok(id)
}

/// The message row alone, written at `at`; the case's count and last
/// message are the caller's (a new case is written with them).
pub fn insert_message_row(conn: &Connection, m: &NewMessageRow, at: &str) -> StoreResult<i64> {
    let mail = m.mail;
    let author_contact_id = mail
        .and_then(|mail| mail.author_contact_id)
        .or(m.author_contact_id);
    conn.prepare_cached(
        "INSERT INTO messages (case_id, kind, channel, author_user_id, author_contact_id, from_address,
             to_address, subject, body_text, body_html, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        m.case_id,
        m.kind.as_str(),
        m.channel.as_str(),
        m.author_user_id,
        author_contact_id,
        mail.and_then(|mail| mail.from_address.as_deref()),
        mail.and_then(|mail| mail.to_address.as_deref()),
        mail.and_then(|mail| mail.subject.as_deref()),
        m.body_text,
        mail.and_then(|mail| mail.body_html.as_deref()),
        at
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn messages(conn: &Connection, case_id: CaseId) -> StoreResult<Vec<Message>> {
    let mut attachments = conn.prepare_cached(
        "SELECT id, message_id, filename, content_type, size FROM attachments WHERE case_id = ?1 ORDER BY id",
    )?;
    let mut by_message: std::collections::HashMap<i64, Vec<Attachment>> =
        std::collections::HashMap::new();
    for row in attachments.query_map([case_id], |row| {
        let id: i64 = row.get(0)?;
        Ok((
            row.get::<_, Option<i64>>(1)?,
            Attachment {
                id,
                filename: row.get(2)?,
                content_type: row.get(3)?,
                size: row.get(4)?,
                url: format!("/api/v1/attachments/{id}"),
            },
        ))
    })? {
        let (message_id, attachment) = row?;
        by_message
            .entry(message_id.unwrap_or(0))
            .or_default()
            .push(attachment);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT m.id, m.case_id, m.kind, m.channel, m.author_user_id, COALESCE(u.name, ct.name), m.author_contact_id,
                m.from_address, m.to_address, m.subject, m.body_text, m.body_html, m.created_at
         FROM messages m LEFT JOIN users u ON u.id = m.author_user_id
         LEFT JOIN contacts ct ON ct.id = m.author_contact_id
         WHERE m.case_id = ?1 ORDER BY m.id",
    )?;
    let rows = stmt.query_map([case_id], |row| {
        let id: i64 = row.get(0)?;
        Ok(Message {
            id,
            case_id: row.get(1)?,
            kind: row.get(2)?,
            channel: row.get(3)?,
            author_user_id: row.get(4)?,
            author_name: row.get(5)?,
            author_contact_id: row.get(6)?,
            from_address: row.get(7)?,
            to_address: row.get(8)?,
            subject: row.get(9)?,
            body_text: row.get(10)?,
            body_html: row.get(11)?,
            created_at: row.get(12)?,
            attachments: Vec::new(),
            call: None,
        })
    })?;
    let mut messages: Vec<Message> = rows.collect::<Result<_, _>>()?;
    let mut calls = call_times(conn, case_id)?;
    for message in &mut messages {
        message.attachments = by_message.remove(&message.id).unwrap_or_default();
        message.call = calls.remove(&message.id);
    }
    Ok(messages)
}

/// The case's first message, if any.
pub fn first_message_id(conn: &Connection, case_id: CaseId) -> StoreResult<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT MIN(id) FROM messages WHERE case_id = ?1")?
        .query_row([case_id], |row| row.get(0))?)
}

/// The call times of the case's messages: their time records by message.
fn call_times(conn: &Connection, case_id: CaseId) -> StoreResult<HashMap<i64, CallTimes>> {
    let mut stmt = conn.prepare_cached(
        "SELECT message_id, kind, SUM(seconds) FROM time_entries
         WHERE case_id = ?1 AND message_id IS NOT NULL GROUP BY message_id, kind",
    )?;
    let mut calls: HashMap<i64, CallTimes> = HashMap::new();
    for row in stmt.query_map([case_id], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, TimeKind>(1)?,
            row.get::<_, i64>(2)?,
        ))
    })? {
        let (message_id, kind, seconds) = row?;
        let times = calls.entry(message_id).or_default();
        match kind {
            TimeKind::CallWait => times.wait_seconds += seconds,
            TimeKind::CallTalk => times.talk_seconds += seconds,
            TimeKind::AfterWork => times.after_work_seconds += seconds,
            TimeKind::Handling | TimeKind::Manual => {}
        }
    }
    Ok(calls)
}

pub fn message(
    conn: &Connection,
    case_id: CaseId,
    message_id: i64,
) -> StoreResult<Option<Message>> {
    Ok(messages(conn, case_id)?
        .into_iter()
        .find(|m| m.id == message_id))
}

pub struct NewTimeRow<'a> {
    pub case_id: CaseId,
    pub project_id: ProjectId,
    pub user_id: UserId,
    pub channel: Channel,
    pub topic_id: Option<i64>,
    pub kind: TimeKind,
    pub started_at: &'a str,
    pub seconds: i64,
    pub note: &'a str,
    /// The message the time belongs to (a logged call's).
    pub message_id: Option<i64>,
}

pub fn insert_time(conn: &Connection, t: &NewTimeRow) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO time_entries (case_id, project_id, user_id, channel, topic_id, kind, started_at, seconds, note,
             created_at, message_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        t.case_id,
        t.project_id,
        t.user_id,
        t.channel.as_str(),
        t.topic_id,
        t.kind.as_str(),
        t.started_at,
        t.seconds,
        t.note,
        now(),
        t.message_id
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn time_summary(conn: &Connection, case_id: CaseId) -> StoreResult<TimeSummary> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind, SUM(seconds) FROM time_entries WHERE case_id = ?1 GROUP BY kind",
    )?;
    let mut summary = TimeSummary::default();
    for kind in TimeKind::ALL {
        summary.by_kind.insert(kind.as_str().to_string(), 0);
    }
    for row in stmt.query_map([case_id], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
    })? {
        let (kind, seconds) = row?;
        summary.total_seconds += seconds;
        summary.by_kind.insert(kind, seconds);
    }
    Ok(summary)
}

/// What `user` did in `[from, to)` (UTC, the stored format): cases set to
/// solved, replies sent, seconds recorded. Each count walks one index by
/// user and time (migration 0042, `time_entries_user_started`).
pub fn figures(
    conn: &Connection,
    user: UserId,
    from: &str,
    to: &str,
) -> StoreResult<(i64, i64, i64)> {
    let solved = conn
        .prepare_cached(
            "SELECT COUNT(DISTINCT case_id) FROM case_history
             WHERE user_id = ?1 AND at >= ?2 AND at < ?3 AND field = 'status' AND new_value = 'solved'",
        )?
        .query_row(params![user, from, to], |r| r.get(0))?;
    let replies = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM messages
             WHERE author_user_id = ?1 AND created_at >= ?2 AND created_at < ?3 AND kind = 'outbound'",
        )?
        .query_row(params![user, from, to], |r| r.get(0))?;
    let seconds = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(seconds), 0) FROM time_entries
             WHERE user_id = ?1 AND started_at >= ?2 AND started_at < ?3",
        )?
        .query_row(params![user, from, to], |r| r.get(0))?;
    Ok((solved, replies, seconds))
}

pub fn contact_card(conn: &Connection, contact_id: ContactId) -> StoreResult<Option<ContactCard>> {
    let card = conn
        .prepare_cached(
            "SELECT ct.id, ct.name, ct.organization_id, o.name, ct.customer_number, ct.language, ct.city, ct.notes
             FROM contacts ct LEFT JOIN organizations o ON o.id = ct.organization_id WHERE ct.id = ?1",
        )?
        .query_row([contact_id], |row| {
            Ok(ContactCard {
                id: row.get(0)?,
                name: row.get(1)?,
                emails: Vec::new(),
                phones: Vec::new(),
                organization_id: row.get(2)?,
                organization_name: row.get(3)?,
                customer_number: row.get(4)?,
                language: row.get(5)?,
                city: row.get(6)?,
                notes: row.get(7)?,
            })
        })
        .optional()?;
    let Some(mut card) = card else {
        return Ok(None);
    };
    card.emails = column(
        conn,
        "SELECT email FROM contact_emails WHERE contact_id = ?1 ORDER BY position, email",
        contact_id,
    )?;
    card.phones = column(
        conn,
        "SELECT phone FROM contact_phones WHERE contact_id = ?1 ORDER BY position, phone",
        contact_id,
    )?;
    Ok(Some(card))
}

fn column(conn: &Connection, sql: &str, id: ContactId) -> StoreResult<Vec<String>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([id], |row| row.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The client a contact or topic must share with a case's project.
pub fn contact_client(
    conn: &Connection,
    contact_id: ContactId,
) -> StoreResult<Option<(ClientId, Option<OrganizationId>)>> {
    Ok(conn
        .prepare_cached("SELECT client_id, organization_id FROM contacts WHERE id = ?1 AND merged_into_id IS NULL")?
        .query_row([contact_id], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?)
}

pub fn topic_project(conn: &Connection, topic_id: i64) -> StoreResult<Option<ProjectId>> {
    Ok(conn
        .prepare_cached("SELECT project_id FROM topics WHERE id = ?1")?
        .query_row([topic_id], |row| row.get(0))
        .optional()?)
}

pub fn is_member(conn: &Connection, project_id: ProjectId, user_id: UserId) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM project_members m JOIN users u ON u.id = m.user_id
             WHERE m.project_id = ?1 AND m.user_id = ?2 AND u.active = 1",
        )?
        .query_row(params![project_id, user_id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Rebuilds the case's full-text row (subject, people, all message text)
/// at the end of the write's group commit (`db::batch_end`: one FTS5
/// segment for the batch instead of one per case), from the case as it is
/// then.
pub fn index_case(conn: &Connection, case_id: CaseId) -> StoreResult<()> {
    crate::db::at_batch_end(conn, SEARCH_TABLE, case_id.get(), |conn, id| {
        write_case_index(conn, CaseId::new(id))
    })
}

/// [`index_case`] now. A merged case has no row (its thread lives in the
/// target), nor has a deleted one.
fn write_case_index(conn: &Connection, case_id: CaseId) -> StoreResult<()> {
    let row: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT c.subject,
                    COALESCE(ct.name, '') || ' ' ||
                    COALESCE((SELECT group_concat(email, ' ') FROM contact_emails WHERE contact_id = c.contact_id), '')
             FROM cases c LEFT JOIN contacts ct ON ct.id = c.contact_id
             WHERE c.id = ?1 AND c.merged_into_id IS NULL",
        )?
        .query_row([case_id], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let Some((subject, people)) = row else {
        return Ok(());
    };
    let body: String = conn
        .prepare_cached("SELECT COALESCE(group_concat(body_text, char(10)), '') FROM messages WHERE case_id = ?1")?
        .query_row([case_id], |row| row.get(0))?;
    // The word pairs first: the old ones go with case_search's old row.
    crate::search::pairs::replace(conn, case_id.get(), Some([&subject, &people, &body]))?;
    conn.prepare_cached("DELETE FROM case_search WHERE rowid = ?1")?
        .execute([case_id])?;
    conn.prepare_cached(
        "INSERT INTO case_search (rowid, subject, people, body) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![case_id, subject, people, body])?;
    Ok(())
}

/// The words of the full-text index that start with `stem`, in order; `None`
/// when there are more than `max`, or when the stem is not one token of the
/// index's tokenizer. The stem is folded by that tokenizer (lower case,
/// diacritics removed: `Kün` → `kun`), as FTS5 folds a prefix query's.
pub fn prefix_words(conn: &Connection, stem: &str, max: usize) -> StoreResult<Option<Vec<String>>> {
    let tokens = crate::search::pairs::tokenize(
        conn,
        &[stem],
        rusqlite::ffi::FTS5_TOKENIZE_QUERY | rusqlite::ffi::FTS5_TOKENIZE_PREFIX,
    )?;
    let [token] = tokens.first().map(Vec::as_slice).unwrap_or_default() else {
        return Ok(None);
    };
    let stem = token.clone();
    // The first string after every word with the stem.
    let Some(end) = crate::search::fold::successor(&stem) else {
        return Ok(None);
    };
    let words_table = crate::search::fold::words_table(conn, SEARCH_TABLE)?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT term FROM {words_table} WHERE term >= ?1 AND term < ?2 LIMIT 1"
    ))?;
    let mut words: Vec<String> = Vec::new();
    let mut from = stem;
    while let Some(word) = stmt
        .query_row(params![from, end], |row| row.get::<_, String>(0))
        .optional()?
    {
        if words.len() == max {
            return Ok(None);
        }
        // Words hold no control characters: the next one is after this.
        from = format!("{word}\u{1}");
        words.push(word);
    }
    Ok(Some(words))
}

// ---- lists -----------------------------------------------------------------

/// The list's open filter; the partial indexes' WHERE spells it exactly.
pub const OPEN: &str = "c.status NOT IN ('solved', 'closed')";

/// A compiled list query: a WHERE clause with its arguments.
#[derive(Default, Clone)]
pub struct Filter {
    clauses: Vec<String>,
    args: Vec<Value>,
    /// The argument number of the project filter (`?N`).
    project_arg: Option<usize>,
    /// The tag filter: its clause's position and argument number, so that
    /// a list by time can read it from case_tags' own index instead.
    tag: Option<(usize, usize)>,
    /// The filters the plan chooser knows, each with its clause's position
    /// (`cases::plan`); only lists built by `cases::service::filter_for`
    /// set `planned`, other users of `Filter` keep SQLite's own plan.
    keys: Vec<(Key, usize)>,
    /// The open filter is one of the clauses (partial indexes apply).
    open: bool,
    /// The visibility's clause position and the projects or clients.
    visible: Option<(usize, Visibility)>,
    project_id: Option<ProjectId>,
    planned: bool,
    /// The statuses of a filter by several (`statuses`).
    statuses: Option<Vec<Status>>,
}

/// A filter with an index of its own, which the list may read instead of
/// walking the sort's order (`cases::plan`).
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    Project(ProjectId),
    Assignee(UserId),
    Contact(ContactId),
    /// Within the given project (the indexes lead with the project).
    Team(String),
    Channel(String),
    Topic(i64),
    Status(String),
    Tag(String),
    /// Due from (inclusive) to (exclusive), as a range of the due order's
    /// index (`COALESCE(c.due_at, '9999')`; dates sort before '9999'). Its
    /// clause is implied by the due filter's own, added beside it.
    Due(Option<String>, String),
}

impl Filter {
    /// Adds a condition; each `?` in it takes the next argument.
    pub fn push(&mut self, clause: &str, values: Vec<Value>) {
        let mut sql = String::new();
        let mut values = values.into_iter();
        for part in clause.split('?').enumerate() {
            if part.0 > 0 {
                if let Some(v) = values.next() {
                    self.args.push(v);
                }
                sql.push_str(&format!("?{}", self.args.len()));
            }
            sql.push_str(part.1);
        }
        self.clauses.push(sql);
    }

    /// The caller's visibility. The `+` keeps SQLite from driving the
    /// query by the list of projects (many index ranges, then a sort of all
    /// their rows): it walks an index in the list's order, or the more
    /// selective one of another filter, and checks the project per row.
    pub fn visibility(&mut self, visibility: &Visibility) {
        if !matches!(visibility, Visibility::All) {
            self.visible = Some((self.clauses.len(), visibility.clone()));
        }
        match visibility {
            Visibility::All => {}
            Visibility::Clients(ids) => self.push(
                "+c.project_id IN (SELECT id FROM projects WHERE client_id IN (SELECT value FROM json_each(?)))",
                vec![Value::Text(serde_json::to_string(ids).unwrap_or_default())],
            ),
            Visibility::Projects(ids) => self.push(
                "+c.project_id IN (SELECT value FROM json_each(?))",
                vec![Value::Text(serde_json::to_string(ids).unwrap_or_default())],
            ),
        }
    }

    /// The visibility clause at `at` as a range SQLite may seek (without
    /// the `+` that keeps it a per-row check).
    fn seek_visibility(&mut self, at: usize) {
        let c = &mut self.clauses[at];
        if let Some(rest) = c.strip_prefix('+') {
            *c = rest.to_string();
        }
    }

    /// Cases a provider agent sees in projects with a distribution plan:
    /// only their team's share there (`policy::provider_shares`).
    pub fn provider_shares(&mut self, shares: &[(ProjectId, crate::users::Tariff)]) {
        let Some(&(_, tariff)) = shares.first() else {
            return;
        };
        let projects: Vec<ProjectId> = shares.iter().map(|s| s.0).collect();
        self.push(
            "(+c.project_id NOT IN (SELECT value FROM json_each(?))
              OR (+c.handling_team = 'provider' AND coalesce(c.handling_tariff, ?) = ?))",
            vec![
                Value::Text(serde_json::to_string(&projects).unwrap_or_default()),
                Value::Text(tariff.as_str().into()),
                Value::Text(tariff.as_str().into()),
            ],
        );
    }

    /// The principal's visibility: the projects, and the provider shares.
    pub fn visible_to(&mut self, who: &crate::auth::Principal) {
        self.visibility(&crate::auth::policy::project_visibility(who));
        self.provider_shares(&crate::auth::policy::provider_shares(who));
    }

    /// Cases of one project.
    pub fn project(&mut self, project_id: ProjectId) {
        if self.project_id.is_none() {
            self.project_id = Some(project_id);
            self.keys
                .push((Key::Project(project_id), self.clauses.len()));
        }
        self.push("c.project_id = ?", vec![Value::from(project_id)]);
        self.project_arg.get_or_insert(self.args.len());
    }

    /// Only open cases (the clause the partial indexes are made for).
    pub fn open(&mut self) {
        if !self.open {
            self.open = true;
            self.push(OPEN, vec![]);
        }
    }

    /// A filter the plan chooser can weigh: its equality clause, recorded.
    pub fn key(&mut self, key: Key) {
        let (clause, value) = match &key {
            Key::Project(id) => return self.project(*id),
            Key::Tag(tag) => return self.tag(tag.clone()),
            Key::Assignee(id) => ("c.assignee_id = ?", Value::from(*id)),
            Key::Contact(id) => ("c.contact_id = ?", Value::from(*id)),
            Key::Team(team) => ("c.handling_team = ?", Value::Text(team.clone())),
            Key::Channel(channel) => ("c.channel = ?", Value::Text(channel.clone())),
            Key::Topic(id) => ("c.topic_id = ?", Value::from(*id)),
            Key::Status(status) => ("c.status = ?", Value::Text(status.clone())),
            Key::Due(from, to) => {
                self.keys.push((key.clone(), self.clauses.len()));
                match from {
                    Some(from) => self.push(
                        "COALESCE(c.due_at, '9999') >= ? AND COALESCE(c.due_at, '9999') < ?",
                        vec![Value::Text(from.clone()), Value::Text(to.clone())],
                    ),
                    None => self.push(
                        "COALESCE(c.due_at, '9999') < ?",
                        vec![Value::Text(to.clone())],
                    ),
                }
                return;
            }
        };
        self.keys.push((key, self.clauses.len()));
        self.push(clause, vec![value]);
    }

    /// The same filter with SQLite's own plan (the reference the plan
    /// choice is tested against).
    pub fn unplanned(mut self) -> Filter {
        self.planned = false;
        self
    }

    /// Lets `list` choose the plan from the store's numbers (`cases::plan`):
    /// every clause of this filter is one the chooser knows.
    pub fn plan_from_statistics(&mut self) {
        self.planned = true;
    }

    /// Cases in any of these statuses (one status is a `Key::Status`).
    pub fn statuses(&mut self, list: &[Status]) {
        let names: Vec<&str> = list.iter().map(|s| s.as_str()).collect();
        self.push(
            "c.status IN (SELECT value FROM json_each(?))",
            vec![Value::Text(
                serde_json::to_string(&names).unwrap_or_default(),
            )],
        );
        self.statuses = Some(list.to_vec());
    }

    /// Cases with this tag.
    pub fn tag(&mut self, tag: String) {
        if self.tag.is_none() {
            self.tag = Some((self.clauses.len(), self.args.len() + 1));
            self.keys.push((Key::Tag(tag.clone()), self.clauses.len()));
        }
        self.push(
            "EXISTS (SELECT 1 FROM case_tags g WHERE g.case_id = c.id AND g.tag = ?)",
            vec![Value::Text(tag)],
        );
    }

    /// Rows after the cursor `(key, id)` in the order of `key_expr`, then
    /// `id_expr`. The first condition is implied by the second; it is there
    /// as a range SQLite can seek in an index led by the sort key, so a deep
    /// page starts at the cursor instead of passing the earlier pages.
    fn after_cursor(&mut self, key_expr: &str, id_expr: &str, cmp: &str, (key, id): (String, i64)) {
        self.push(
            &format!(
                "{key_expr} {cmp}= ? AND ({key_expr} {cmp} ? OR ({key_expr} = ? AND {id_expr} {cmp} ?))"
            ),
            vec![
                Value::Text(key.clone()),
                Value::Text(key.clone()),
                Value::Text(key),
                Value::from(id),
            ],
        );
    }

    /// ` WHERE` and the `conjunction`, or nothing.
    fn where_sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conjunction())
        }
    }

    /// The clauses as one condition (`1` for none), the cheap ones first:
    /// SQLite tests a row's conditions in the order written, so a walk's
    /// entry that fails a comparison costs one comparison, not a look-up in
    /// a list or a subquery first (docs/perf16.md, "Lists after growth").
    fn conjunction(&self) -> String {
        if self.clauses.is_empty() {
            return "1".to_string();
        }
        // Comparisons first, then lists (`NOT IN ('solved', 'closed')` is a
        // look-up in a temporary index per row), then subqueries; a stable
        // sort keeps the order within each.
        let cost = |c: &String| {
            if c.contains("SELECT") {
                2
            } else if c.contains(" IN (") {
                1
            } else {
                0
            }
        };
        let mut all: Vec<&String> = self.clauses.iter().collect();
        all.sort_by_key(|c| cost(c));
        all.iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(" AND ")
    }
}

/// Sort orders of the list: the SQL expression and its direction.
#[derive(Debug, Clone, Copy)]
pub enum Sort {
    UpdatedDesc,
    UpdatedAsc,
    CreatedDesc,
    CreatedAsc,
    DueAsc,
    /// The next SLA deadline first (breached ones lead); none last.
    SlaAsc,
    PriorityDesc,
}

impl Sort {
    pub fn parse(s: Option<&str>) -> Option<Sort> {
        Some(match s.unwrap_or("-updated_at") {
            "-updated_at" => Sort::UpdatedDesc,
            "updated_at" => Sort::UpdatedAsc,
            "-created_at" => Sort::CreatedDesc,
            "created_at" => Sort::CreatedAsc,
            "due_at" => Sort::DueAsc,
            "sla_due_at" => Sort::SlaAsc,
            "-priority" => Sort::PriorityDesc,
            _ => return None,
        })
    }

    fn expr(self) -> &'static str {
        match self {
            Sort::UpdatedDesc | Sort::UpdatedAsc => "c.updated_at",
            Sort::CreatedDesc | Sort::CreatedAsc => "c.created_at",
            Sort::DueAsc => "COALESCE(c.due_at, '9999')",
            Sort::SlaAsc => "COALESCE(c.sla_due_at, '9999')",
            Sort::PriorityDesc => {
                "(CASE c.priority WHEN 'urgent' THEN '3' WHEN 'high' THEN '2' WHEN 'normal' THEN '1' ELSE '0' END || c.updated_at)"
            }
        }
    }

    /// The index of case_tags in this order (migrations 0012, 0050) and
    /// its copy of the sort key.
    fn tag_order(self) -> (&'static str, &'static str) {
        match self {
            Sort::UpdatedDesc | Sort::UpdatedAsc => ("case_tags_updated", "g.case_updated_at"),
            Sort::CreatedDesc | Sort::CreatedAsc => ("case_tags_created", "g.case_created_at"),
            Sort::DueAsc => ("case_tags_due", "g.case_due_key"),
            Sort::SlaAsc => ("case_tags_sla", "g.case_sla_key"),
            Sort::PriorityDesc => ("case_tags_priority", "g.case_priority_key"),
        }
    }

    /// The comparison that moves past a key in this order, and the order's
    /// direction in SQL.
    fn direction(self) -> (&'static str, &'static str) {
        if self.descending() {
            ("<", "DESC")
        } else {
            (">", "ASC")
        }
    }

    fn descending(self) -> bool {
        matches!(
            self,
            Sort::UpdatedDesc | Sort::CreatedDesc | Sort::PriorityDesc
        )
    }

    /// The cursor value of a case: the sort key and the id.
    pub fn cursor_of(self, c: &Case) -> String {
        let key = match self {
            Sort::UpdatedDesc | Sort::UpdatedAsc => c.updated_at.clone(),
            Sort::CreatedDesc | Sort::CreatedAsc => c.created_at.clone(),
            Sort::DueAsc => c.due_at.clone().unwrap_or_else(|| "9999".into()),
            Sort::SlaAsc => c.sla_due_at.clone().unwrap_or_else(|| "9999".into()),
            Sort::PriorityDesc => {
                let rank = match c.priority {
                    Priority::Urgent => '3',
                    Priority::High => '2',
                    Priority::Normal => '1',
                    Priority::Low => '0',
                };
                format!("{rank}{}", c.updated_at)
            }
        };
        format!("{key}|{}", c.id)
    }
}

/// One page of cases in the sort order, after `cursor` (`key|id`).
pub fn list(
    conn: &Connection,
    filter: Filter,
    sort: Sort,
    cursor: Option<(String, i64)>,
    limit: u32,
) -> StoreResult<Vec<Case>> {
    let plan = list_plan(conn, &filter, sort, cursor.as_ref(), limit)?;
    list_by(conn, filter, sort, cursor, limit, plan)
}

/// The list read by this plan.
fn list_by(
    conn: &Connection,
    filter: Filter,
    sort: Sort,
    cursor: Option<(String, i64)>,
    limit: u32,
    plan: Option<Plan>,
) -> StoreResult<Vec<Case>> {
    if let Some(windows) = update_windows(conn, &filter, sort, plan.as_ref())? {
        // Rounds of growing windows of the newest updates; each answer is
        // checked, so a window too small costs a round, never a wrong page.
        let mut window = u64::from(limit) * 8;
        for _ in 0..3 {
            let Some(from) = windows.start(conn, &filter, sort, cursor.clone(), window)? else {
                break;
            };
            let (sql, args) = list_sql(
                filter.clone(),
                sort,
                cursor.clone(),
                limit,
                plan.as_ref(),
                Some((&windows, &from)),
            );
            let page = run_list(conn, &sql, &args)?;
            let last = page.last().map(|c| match sort {
                Sort::UpdatedDesc => c.updated_at.as_str(),
                _ => c.created_at.as_str(),
            });
            if super::plan::bounded_page_is_whole(page.len(), limit, last, &from) {
                return Ok(page);
            }
            window *= 8;
        }
    }
    let (sql, args) = list_sql(filter, sort, cursor, limit, plan.as_ref(), None);
    run_list(conn, &sql, &args)
}

fn run_list(conn: &Connection, sql: &str, args: &[Value]) -> StoreResult<Vec<Case>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params_from_iter(args.iter()), from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A seek in update order read for a list newest created first, in
/// windows of the newest updates (`plan::bounded_page_is_whole`): a case is
/// never updated before it was created (`update` keeps it so, migration
/// 0056), so the cases updated before a time were all created before it.
struct UpdateWindows {
    index: &'static str,
    /// The ranges the seek reads, each in update order.
    ranges: Vec<WindowRange>,
}

/// One range of a seek read in update windows.
#[derive(Debug, Clone, Copy)]
enum WindowRange {
    /// The filter's own equality prefix.
    Whole,
    /// One visible project's (an index led by the project).
    Project(ProjectId),
    /// One status's of an assignee (`cases_assignee_status_updated`
    /// without a status filter): the bounded read names every status, so
    /// that each is a range with the window's start.
    Status(Status),
}

/// The windows for this list's plan; `None` for other plans.
fn update_windows(
    conn: &Connection,
    filter: &Filter,
    sort: Sort,
    plan: Option<&Plan>,
) -> StoreResult<Option<UpdateWindows>> {
    let Some(&Plan::Seek { index, how, .. }) = plan else {
        return Ok(None);
    };
    if !read_in_update_windows(index, how, filter, sort) {
        return Ok(None);
    }
    let by_status = filter.keys.iter().any(|(k, _)| matches!(k, Key::Status(_)));
    let ranges = match (index, filter.project_id) {
        ("cases_assignee_status_updated", _) if !by_status => filter
            .statuses
            .as_deref()
            .unwrap_or(Status::ALL)
            .iter()
            .map(|s| WindowRange::Status(*s))
            .collect(),
        ("cases_assignee_status_updated" | "cases_open_assignee_updated", _) | (_, Some(_)) => {
            vec![WindowRange::Whole]
        }
        (_, None) => {
            let visibility = filter
                .visible
                .as_ref()
                .map_or(Visibility::All, |(_, v)| v.clone());
            let projects = super::counts::projects_of(conn, &visibility, None)?;
            if projects.len() > MAX_WINDOW_RANGES {
                return Ok(None);
            }
            projects.into_iter().map(WindowRange::Project).collect()
        }
    };
    Ok(Some(UpdateWindows { index, ranges }))
}

/// A window costs a probe per project: past this many visible projects
/// the plain seek is read.
const MAX_WINDOW_RANGES: usize = 16;

/// Whether a seek of `index` by `how` is read in update windows for this
/// list: newest created first, by an index whose column after (project,
/// value) or the assignee (and status) is the update time, in one range
/// (the project given, the assignee's) or one per visible project or
/// status. Such a seek comes about in the list's order, and the chooser
/// weighs it so (`plan::Candidate`'s `in_order`).
fn read_in_update_windows(index: &str, how: SeekBy, filter: &Filter, sort: Sort) -> bool {
    const BY_PROJECT: [&str; 4] = [
        "cases_project_status_updated",
        "cases_project_team_updated",
        "cases_project_topic_updated",
        "cases_project_channel_updated",
    ];
    const BY_ASSIGNEE: [&str; 2] = [
        "cases_open_assignee_updated",
        "cases_assignee_status_updated",
    ];
    let by_projects =
        how == SeekBy::Projects && BY_PROJECT.contains(&index) && filter.project_id.is_none();
    match sort {
        Sort::CreatedDesc => {
            by_projects
                || how == SeekBy::Clause
                    && (BY_ASSIGNEE.contains(&index)
                        || (BY_PROJECT.contains(&index) && filter.project_id.is_some()))
        }
        // One range is read in update order as it is; several (projects,
        // an assignee's statuses) would be merged by a sort of all.
        Sort::UpdatedDesc => {
            by_projects
                || how == SeekBy::Clause
                    && index == "cases_assignee_status_updated"
                    && !filter.keys.iter().any(|(k, _)| matches!(k, Key::Status(_)))
        }
        _ => false,
    }
}

impl UpdateWindows {
    /// The update time from which the newest `window` matching cases of
    /// the busiest range were updated (each range read in update order, its
    /// matches tested in the index entries): the window's start. `None`
    /// when no range has that many matches, so the whole seek is small.
    fn start(
        &self,
        conn: &Connection,
        filter: &Filter,
        sort: Sort,
        cursor: Option<(String, i64)>,
        window: u64,
    ) -> StoreResult<Option<String>> {
        let mut from: Option<String> = None;
        for range in &self.ranges {
            let mut probe = filter.clone();
            if let Some(cursor) = cursor.clone() {
                let (cmp, _) = sort.direction();
                probe.after_cursor(sort.expr(), "c.id", cmp, cursor);
            }
            match range {
                WindowRange::Whole => {}
                WindowRange::Project(project) => {
                    probe.push("c.project_id = ?", vec![Value::from(*project)]);
                }
                WindowRange::Status(status) => {
                    probe.push("c.status = ?", vec![Value::Text(status.as_str().into())]);
                }
            }
            let sql = format!(
                "SELECT c.updated_at FROM cases c INDEXED BY {} JOIN projects p ON p.id = c.project_id{}
                 ORDER BY c.updated_at DESC LIMIT 1 OFFSET {}",
                self.index,
                probe.where_sql(),
                window.saturating_sub(1)
            );
            let at: Option<String> = conn
                .prepare_cached(&sql)?
                .query_row(params_from_iter(probe.args.iter()), |r| r.get(0))
                .optional()?;
            if let Some(at) = at
                && from.as_ref().is_none_or(|f| at > *f)
            {
                from = Some(at);
            }
        }
        Ok(from)
    }

    /// Bounds the filter to the window from `from`: every range read from
    /// there (a status range only when its status is named).
    fn bound(&self, filter: &mut Filter, from: &str) {
        let statuses: Vec<&str> = self
            .ranges
            .iter()
            .filter_map(|r| match r {
                WindowRange::Status(s) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        if !statuses.is_empty() {
            // Names from the closed set of statuses, not from the request.
            filter.push(
                &format!("c.status IN ('{}')", statuses.join("', '")),
                vec![],
            );
        }
        filter.push("c.updated_at >= ?", vec![Value::Text(from.to_string())]);
    }
}

/// SQLite's plan of the inner id query `list` runs (`EXPLAIN QUERY PLAN`,
/// the steps under its `LIST SUBQUERY`; the outer query only sorts the
/// page), for the tests and benchmarks of the plan choice.
pub fn explain_list(
    conn: &Connection,
    filter: Filter,
    sort: Sort,
    cursor: Option<(String, i64)>,
    limit: u32,
) -> StoreResult<Vec<String>> {
    let (sql, args) = list_query(conn, filter, sort, cursor, limit)?;
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
    let rows = stmt.query_map(params_from_iter(args.iter()), |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let rows: Vec<(i64, i64, String)> = rows.collect::<Result<_, _>>()?;
    let mut inner: Vec<i64> = rows
        .iter()
        .filter(|r| r.2.starts_with("LIST SUBQUERY"))
        .map(|r| r.0)
        .take(1)
        .collect();
    let mut lines = Vec::new();
    for (id, parent, detail) in &rows {
        if inner.contains(parent) {
            inner.push(*id);
            lines.push(detail.clone());
        }
    }
    Ok(lines)
}

/// The list's SQL and arguments, with the plan chosen for them.
fn list_query(
    conn: &Connection,
    filter: Filter,
    sort: Sort,
    cursor: Option<(String, i64)>,
    limit: u32,
) -> StoreResult<(String, Vec<Value>)> {
    let plan = list_plan(conn, &filter, sort, cursor.as_ref(), limit)?;
    Ok(list_sql(filter, sort, cursor, limit, plan.as_ref(), None))
}

/// The plan the chooser picks for a planned filter (`None`: a tag list by
/// time, read from case_tags, or a filter SQLite plans alone).
fn list_plan(
    conn: &Connection,
    filter: &Filter,
    sort: Sort,
    cursor: Option<&(String, i64)>,
    limit: u32,
) -> StoreResult<Option<Plan>> {
    let by_updated = matches!(sort, Sort::UpdatedDesc | Sort::UpdatedAsc);
    Ok(match (filter.tag, filter.planned) {
        (Some(_), _) if by_updated => None,
        (_, true) => Some(choose_plan(conn, filter, sort, limit, cursor)?),
        _ => None,
    })
}

/// The list's SQL for its plan; with a window of `UpdateWindows`, only
/// the cases updated from its start on.
fn list_sql(
    mut filter: Filter,
    sort: Sort,
    cursor: Option<(String, i64)>,
    limit: u32,
    chosen: Option<&Plan>,
    window: Option<(&UpdateWindows, &str)>,
) -> (String, Vec<Value>) {
    let (cmp, dir) = sort.direction();
    // A tag list can walk the tag's rows in case_tags in the sort's order
    // (they carry the case's project and sort keys, migrations 0012 and
    // 0050) and look up only cases with the tag: walking the cases in that
    // order and checking each for the tag costs one step per case without
    // it. By update time always (the common tag view); in the other orders
    // when the plan chooses it, from the tag's first entries in that order.
    let by_updated = matches!(sort, Sort::UpdatedDesc | Sort::UpdatedAsc);
    let by_tag = match (filter.tag, chosen) {
        (Some(tag), _) if by_updated => Some(tag),
        (
            Some(tag),
            Some(Plan::Seek {
                how: SeekBy::Tag, ..
            }),
        ) => Some(tag),
        _ => None,
    };
    if let Some((windows, from)) = window {
        windows.bound(&mut filter, from);
    }
    let (key_expr, id_expr) = match by_tag {
        Some(_) => (sort.tag_order().1, "g.case_id"),
        None => (sort.expr(), "c.id"),
    };
    if let Some(cursor) = cursor {
        filter.after_cursor(key_expr, id_expr, cmp, cursor);
    }
    let index_clause = match (chosen, by_tag) {
        (Some(plan), None) => apply_plan(&mut filter, plan),
        _ => String::new(),
    };
    let from = match by_tag {
        // CROSS JOIN keeps case_tags the outer loop.
        Some((clause, arg)) => {
            filter.clauses[clause] = format!("g.tag = ?{arg}");
            // The project is tested in the tag's entry; by update time it
            // is the prefix of an index of its own.
            let index = match filter.project_arg {
                Some(project) => {
                    filter
                        .clauses
                        .push(format!("g.case_project_id = ?{project}"));
                    if by_updated {
                        "case_tags_project_updated"
                    } else {
                        sort.tag_order().0
                    }
                }
                None => sort.tag_order().0,
            };
            format!(
                "case_tags g INDEXED BY {index} CROSS JOIN cases c ON c.id = g.case_id
                 CROSS JOIN projects p ON p.id = c.project_id"
            )
        }
        None => format!("cases c{index_clause} JOIN projects p ON p.id = c.project_id"),
    };
    // The page's ids first, from the indexes alone where possible; the
    // columns (joins, tags) only for those: a sort never computes them for
    // every matching case.
    let expr = sort.expr();
    let sql = format!(
        "{} WHERE c.id IN (SELECT c.id FROM {from}{}
             ORDER BY {key_expr} {dir}, {id_expr} {dir} LIMIT {limit})
         ORDER BY {expr} {dir}, c.id {dir}",
        select(),
        filter.where_sql(),
    );
    (sql, filter.args)
}

/// How the list reads its cases (`cases::plan`).
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Walk this index in the sort's order.
    Walk(&'static str),
    /// Read this index by the filter at this clause position, then sort.
    Seek {
        index: &'static str,
        clause: usize,
        how: SeekBy,
    },
    /// SQLite's own choice.
    Sqlite,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SeekBy {
    /// The clause is the index's equality prefix as it is.
    Clause,
    /// The visibility, without the `+` that keeps it a per-row check.
    Visibility,
    /// The tag's rows in case_tags, in the sort's order (its index of
    /// migration 0050), each case looked up.
    Tag,
    /// The clause as the second column of a (project, value, …) index, one
    /// range per visible project: the visibility without its `+`.
    Projects,
    /// The due range of open cases (`cases_open_due`): the key's clause
    /// with the plain due date (the same rows: a range of dates excludes
    /// '9999'), within the project or one range per visible project.
    OpenDue,
    /// The open cases with a due date walked in the sort's order
    /// (`dated_walk`), the key's clause with the plain due date (which
    /// implies the index's `due_at IS NOT NULL`), the project and the
    /// visibility tested in the entries.
    DatedWalk,
}

/// The index a walk in the sort's order reads, and whether the project is
/// its prefix. The open-case indexes only with the open filter (their WHERE
/// must be implied); the ones without project prefix are migration 0036's.
pub fn walk_index(sort: Sort, project: bool, open: bool) -> (&'static str, bool) {
    match (sort, project, open) {
        (Sort::UpdatedDesc | Sort::UpdatedAsc, true, true) => ("cases_open_project_updated", true),
        (Sort::UpdatedDesc | Sort::UpdatedAsc, true, false) => ("cases_project_updated", true),
        (Sort::UpdatedDesc | Sort::UpdatedAsc, false, true) => ("cases_open_updated", false),
        (Sort::UpdatedDesc | Sort::UpdatedAsc, false, false) => ("cases_updated", false),
        (Sort::CreatedDesc | Sort::CreatedAsc, true, _) => ("cases_project_created", true),
        (Sort::CreatedDesc | Sort::CreatedAsc, false, true) => ("cases_open_created", false),
        (Sort::CreatedDesc | Sort::CreatedAsc, false, false) => ("cases_created", false),
        (Sort::DueAsc, _, _) => ("cases_due_order", false),
        (Sort::SlaAsc, true, true) => ("cases_open_project_sla", true),
        (Sort::SlaAsc, _, _) => ("cases_sla_order", false),
        (Sort::PriorityDesc, true, true) => ("cases_open_project_priority", true),
        (Sort::PriorityDesc, _, _) => ("cases_priority_order", false),
    }
}

/// The range a filter's estimate counts: an index, its prefix condition
/// (`?1`, `?2`), the arguments, and whether the open filter belongs to it.
/// Open cases are counted from the open-case indexes alone.
struct Range {
    index: &'static str,
    prefix: &'static str,
    args: Vec<Value>,
    open: bool,
}

fn range_of(key: &Key, project: Option<ProjectId>, open: bool) -> Option<Range> {
    let p = project.map(Value::from);
    let text = |v: &String| Value::Text(v.clone());
    let (index, prefix, args, open) = match (key, &p) {
        (Key::Project(id), _) => (
            if open {
                "cases_open_project_updated"
            } else {
                "cases_project_updated"
            },
            "c.project_id = ?1",
            vec![Value::from(*id)],
            open,
        ),
        (Key::Assignee(id), _) => (
            if open {
                "cases_open_assignee_updated"
            } else {
                "cases_assignee_status_updated"
            },
            "c.assignee_id = ?1",
            vec![Value::from(*id)],
            open,
        ),
        (Key::Contact(id), _) => (
            "cases_contact",
            "c.contact_id = ?1",
            vec![Value::from(*id)],
            open,
        ),
        // Within the project; without one, SQLite skips over the project
        // column of the same index (its statistics say how).
        (Key::Team(v), Some(p)) => (
            if open {
                "cases_open_counts"
            } else {
                "cases_project_team_updated"
            },
            "c.project_id = ?1 AND c.handling_team = ?2",
            vec![p.clone(), text(v)],
            open,
        ),
        (Key::Channel(v), Some(p)) => (
            if open {
                "cases_open_counts"
            } else {
                "cases_project_channel_updated"
            },
            "c.project_id = ?1 AND c.channel = ?2",
            vec![p.clone(), text(v)],
            open,
        ),
        (Key::Topic(v), Some(p)) => (
            if open {
                "cases_open_counts"
            } else {
                "cases_project_topic_updated"
            },
            "c.project_id = ?1 AND c.topic_id = ?2",
            vec![p.clone(), Value::from(*v)],
            open,
        ),
        (Key::Status(v), Some(p)) => (
            if open {
                "cases_open_counts"
            } else {
                "cases_project_status_updated"
            },
            "c.project_id = ?1 AND c.status = ?2",
            vec![p.clone(), text(v)],
            open,
        ),
        (Key::Team(v), None) => (
            "cases_project_team_updated",
            "c.handling_team = ?1",
            vec![text(v)],
            false,
        ),
        (Key::Channel(v), None) => (
            "cases_project_channel_updated",
            "c.channel = ?1",
            vec![text(v)],
            false,
        ),
        (Key::Topic(v), None) => (
            "cases_project_topic_updated",
            "c.topic_id = ?1",
            vec![Value::from(*v)],
            false,
        ),
        (Key::Status(v), None) => (
            "cases_project_status_updated",
            "c.status = ?1",
            vec![text(v)],
            false,
        ),
        // Open cases due in a range: the project's range of its open
        // cases by due date (what `/cases/counts` counts overdue by), one
        // range per project without one. The key's clause spells the due
        // date as the due order does; `SeekBy::OpenDue` rewrites it.
        (Key::Due(Some(from), to), Some(p)) if open => (
            "cases_open_due",
            "c.project_id = ?1 AND c.due_at >= ?2 AND c.due_at < ?3",
            vec![p.clone(), text(from), text(to)],
            true,
        ),
        (Key::Due(None, to), Some(p)) if open => (
            "cases_open_due",
            "c.project_id = ?1 AND c.due_at < ?2",
            vec![p.clone(), text(to)],
            true,
        ),
        (Key::Due(Some(from), to), None) if open => (
            "cases_open_due",
            "c.project_id IN (SELECT id FROM projects) AND c.due_at >= ?1 AND c.due_at < ?2",
            vec![text(from), text(to)],
            true,
        ),
        (Key::Due(None, to), None) if open => (
            "cases_open_due",
            "c.project_id IN (SELECT id FROM projects) AND c.due_at < ?1",
            vec![text(to)],
            true,
        ),
        // The range of the index a seek reads, closed cases included.
        (Key::Due(Some(from), to), _) => (
            "cases_due_order",
            "COALESCE(c.due_at, '9999') >= ?1 AND COALESCE(c.due_at, '9999') < ?2",
            vec![text(from), text(to)],
            false,
        ),
        (Key::Due(None, to), _) => (
            "cases_due_order",
            "COALESCE(c.due_at, '9999') < ?1",
            vec![text(to)],
            false,
        ),
        (Key::Tag(_), _) => return None,
    };
    Some(Range {
        index,
        prefix,
        args,
        open,
    })
}

/// The estimated rows of one filter (within `project` for the keys whose
/// indexes lead with the project), counted up to `bound` by a bounded probe
/// of its own index; None where the store cannot tell cheaply. The one
/// place an estimate comes from: a maintained count (`case_counts`) can
/// answer here first when it exists.
pub fn estimate(
    conn: &Connection,
    key: &Key,
    project: Option<ProjectId>,
    open: bool,
    bound: u64,
) -> StoreResult<Option<u64>> {
    let n: i64 = match (key, range_of(key, project, open)) {
        (Key::Tag(tag), _) => conn
            .prepare_cached(&format!(
                "SELECT count(*) FROM (SELECT 1 FROM case_tags WHERE tag = ?1 LIMIT {bound})"
            ))?
            .query_row([tag], |r| r.get(0))?,
        (_, Some(r)) => {
            let open = if r.open {
                format!(" AND {OPEN}")
            } else {
                String::new()
            };
            conn.prepare_cached(&format!(
                "SELECT count(*) FROM (SELECT 1 FROM cases c INDEXED BY {} WHERE {}{open} LIMIT {bound})",
                r.index, r.prefix
            ))?
            .query_row(params_from_iter(r.args.iter()), |row| row.get(0))?
        }
        (_, None) => return Ok(None),
    };
    Ok(Some(n.max(0) as u64))
}

/// Rows of a sample: the first SAMPLE rows of a filter's range, and how
/// many of them pass the whole filter (visibility and every condition).
const SAMPLE: u64 = 256;

fn sample(
    conn: &Connection,
    filter: &Filter,
    inner: &str,
    inner_args: &[Value],
) -> StoreResult<u64> {
    // The inner range's arguments follow the filter's.
    let n = filter.args.len();
    let inner = inner
        .replace("?3", &format!("?{}", n + 3))
        .replace("?2", &format!("?{}", n + 2))
        .replace("?1", &format!("?{}", n + 1));
    let sql = format!(
        "SELECT count(*) FROM ({inner} LIMIT {SAMPLE}) s CROSS JOIN cases c ON c.id = s.sid
         JOIN projects p ON p.id = c.project_id{}",
        filter.where_sql()
    );
    let args = filter.args.iter().chain(inner_args.iter());
    let m: i64 = conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(args), |r| r.get(0))?;
    Ok(m.max(0) as u64)
}

/// The index a filter is read by, and whether its column after the
/// equality prefix is `sort`'s key.
fn seek_index(
    key: &Key,
    project: Option<ProjectId>,
    open: bool,
    sort: Sort,
) -> (&'static str, bool) {
    let by_updated = matches!(sort, Sort::UpdatedDesc | Sort::UpdatedAsc);
    let with_project = project.is_some();
    match key {
        Key::Project(_) => {
            let (walk, prefixed) = walk_index(sort, true, open);
            if prefixed {
                (walk, true)
            } else {
                ("cases_project_updated", by_updated)
            }
        }
        Key::Assignee(_) if open => ("cases_open_assignee_updated", by_updated),
        Key::Assignee(_) => ("cases_assignee_status_updated", false),
        Key::Contact(_) => (
            "cases_contact",
            matches!(sort, Sort::CreatedDesc | Sort::CreatedAsc),
        ),
        Key::Team(_) => ("cases_project_team_updated", by_updated && with_project),
        Key::Channel(_) => ("cases_project_channel_updated", by_updated && with_project),
        Key::Topic(_) => ("cases_project_topic_updated", by_updated && with_project),
        Key::Status(_) => ("cases_project_status_updated", by_updated && with_project),
        Key::Tag(_) => (sort.tag_order().0, true),
        Key::Due(..) if open => ("cases_open_due", false),
        Key::Due(..) => ("cases_due_order", matches!(sort, Sort::DueAsc)),
    }
}

/// The index of the open cases with a due date in the sort's order
/// (migration 0057), for a due-date list by update or creation time.
fn dated_walk(sort: Sort) -> Option<&'static str> {
    match sort {
        Sort::UpdatedDesc | Sort::UpdatedAsc => Some("cases_open_dated_updated"),
        Sort::CreatedDesc | Sort::CreatedAsc => Some("cases_open_dated_created"),
        _ => None,
    }
}

/// The walk of the open cases with a due date as a candidate: its entries
/// (to the probe's bound) and a pilot of its first entries in the list's
/// order, tested against the whole filter, which tells how far the walk
/// goes for a page (`plan::Candidate::pilot`).
fn dated_candidate(
    conn: &Connection,
    filter: &Filter,
    sort: Sort,
    index: &str,
    bound: u64,
) -> StoreResult<super::plan::Candidate> {
    let range = format!("{OPEN} AND c.due_at IS NOT NULL");
    let n: i64 = conn
        .prepare_cached(&format!(
            "SELECT count(*) FROM (SELECT 1 FROM cases c INDEXED BY {index} WHERE {range} LIMIT {bound})"
        ))?
        .query_row([], |r| r.get(0))?;
    let rows = n.max(0) as u64;
    let (_, dir) = sort.direction();
    let key = sort.expr();
    let matched = sample(
        conn,
        filter,
        &format!(
            "SELECT c.id AS sid FROM cases c INDEXED BY {index} WHERE {range}
             ORDER BY {key} {dir}, c.id {dir}"
        ),
        &[],
    )?;
    Ok(super::plan::Candidate {
        rows,
        at_bound: rows >= bound,
        in_order: true,
        sampled: rows.min(SAMPLE),
        matched,
        pilot: true,
        covers: !tested_on_the_row(filter),
    })
}

/// The filter as the kept counts (`cases::counts`) count it; `None` for a
/// filter they do not count (project, contact, tag, due date) or a value
/// they cannot hold.
fn counted_as(key: &Key) -> Option<super::counts::Counted> {
    use super::counts::Counted;
    match key {
        Key::Status(v) => Status::parse(v).map(Counted::Status),
        Key::Channel(v) => Channel::parse(v).map(Counted::Channel),
        Key::Team(v) => HandlingTeam::parse(v).map(Counted::Team),
        Key::Topic(v) => Some(Counted::Topic(Some(*v))),
        Key::Assignee(v) => Some(Counted::Assignee(Some(*v))),
        Key::Project(_) | Key::Contact(_) | Key::Tag(_) | Key::Due(..) => None,
    }
}

/// The entries a seek of `index` by a counted filter reads, from the kept
/// counts (`cases::counts`): the filter's cases in the project (the
/// index's prefix), or in every project for an assignee's index; the open
/// ones for an open-cases index. `None` for a filter not counted.
fn kept_rows(
    conn: &Connection,
    key: &Key,
    project: Option<ProjectId>,
    index: &str,
) -> StoreResult<Option<u64>> {
    use super::counts::{estimate, projects_of};
    let Some(counted) = counted_as(key) else {
        return Ok(None);
    };
    // An assignee's index is not led by the project.
    let scope = match key {
        Key::Assignee(_) => None,
        _ => project,
    };
    let projects = projects_of(conn, &Visibility::All, scope)?;
    Ok(estimate(
        conn,
        &projects,
        counted,
        index.starts_with("cases_open"),
    ))
}

/// Whether a seek of `index` finds the list's ids and their sort keys in
/// its entries (migration 0051 gave the filters' indexes every sort key and
/// filtered column): not when a contact or a tag is tested on the row.
fn seek_covers(index: &str, filter: &Filter) -> bool {
    const COVERING: [&str; 7] = [
        "cases_project_status_updated",
        "cases_project_team_updated",
        "cases_project_topic_updated",
        "cases_project_channel_updated",
        "cases_assignee_status_updated",
        "cases_open_assignee_updated",
        "cases_open_due",
    ];
    COVERING.contains(&index) && !tested_on_the_row(filter)
}

/// A contact or a tag is in no list index's entries: it is tested on the
/// case's row (or the tag's).
fn tested_on_the_row(filter: &Filter) -> bool {
    filter
        .keys
        .iter()
        .any(|(k, _)| matches!(k, Key::Contact(_) | Key::Tag(_)))
}

/// Chooses walk or seek for this list from the store's numbers.
fn choose_plan(
    conn: &Connection,
    filter: &Filter,
    sort: Sort,
    limit: u32,
    cursor: Option<&(String, i64)>,
) -> StoreResult<Plan> {
    use super::plan::{Candidate, Inputs, probe_bound};
    let project = filter.project_id;
    let (walk, prefixed) = walk_index(sort, project.is_some(), filter.open);
    // Nothing but the project (or nothing at all) and a walk led by it:
    // the walk is the answer, no probe needed.
    let others = filter
        .keys
        .iter()
        .filter(|(k, _)| !matches!(k, Key::Project(_)))
        .count();
    if others == 0 && (prefixed || (project.is_none() && filter.visible.is_none())) {
        return Ok(Plan::Walk(walk));
    }
    if let Some(plan) = choose_from_counts(conn, filter, sort, limit, cursor)? {
        return Ok(plan);
    }
    let total: u64 = conn
        .prepare_cached("SELECT coalesce(max(id), 0) FROM cases")?
        .query_row([], |r| r.get::<_, i64>(0))?
        .max(0) as u64;
    let bound = probe_bound(u64::from(limit), total);
    let mut candidates = Vec::new();
    let mut seeks = Vec::new();
    let mut walk_range = total;
    for (key, clause) in &filter.keys {
        let (index, in_order) = seek_index(key, project, filter.open, sort);
        let in_order = in_order || read_in_update_windows(index, SeekBy::Clause, filter, sort);
        let Some(mut rows) = estimate(conn, key, project, filter.open, bound)? else {
            continue;
        };
        let mut at_bound = rows >= bound;
        // Past the bound, a seek that reads only index entries may still
        // win (a lead's 27,844 open cases, 8,157 of them overdue: read and
        // sorted in a few ms, against a walk past the 100,000 new cases):
        // the kept count of a counted filter tells how many it reads.
        if at_bound
            && seek_covers(index, filter)
            && let Some(kept) = kept_rows(conn, key, project, index)?
        {
            rows = kept;
            at_bound = false;
        }
        if matches!(key, Key::Project(_)) && prefixed {
            walk_range = rows.max(1);
        }
        let matched = match (key, range_of(key, project, filter.open)) {
            // The tag's first entries in the list's order: its pilot.
            (Key::Tag(tag), _) => {
                let (index, key) = sort.tag_order();
                let (_, dir) = sort.direction();
                sample(
                    conn,
                    filter,
                    &format!(
                        "SELECT g.case_id AS sid FROM case_tags g INDEXED BY {index}
                         WHERE g.tag = ?1 ORDER BY {key} {dir}, g.case_id {dir}"
                    ),
                    &[Value::Text(tag.clone())],
                )?
            }
            (_, Some(r)) => {
                let open = if r.open {
                    format!(" AND {OPEN}")
                } else {
                    String::new()
                };
                sample(
                    conn,
                    filter,
                    &format!(
                        "SELECT c.id AS sid FROM cases c INDEXED BY {} WHERE {}{open}",
                        r.index, r.prefix
                    ),
                    &r.args,
                )?
            }
            (_, None) => continue,
        };
        candidates.push(Candidate {
            rows,
            at_bound,
            in_order,
            sampled: rows.min(SAMPLE),
            matched,
            pilot: matches!(key, Key::Tag(_)),
            covers: seek_covers(index, filter),
        });
        let how = match key {
            Key::Tag(_) => SeekBy::Tag,
            Key::Due(..) if filter.open => SeekBy::OpenDue,
            _ => SeekBy::Clause,
        };
        seeks.push((index, *clause, how));
        if let (Key::Due(..), true, Some(index)) = (key, filter.open, dated_walk(sort)) {
            candidates.push(dated_candidate(conn, filter, sort, index, bound)?);
            seeks.push((index, *clause, SeekBy::DatedWalk));
        }
    }
    // Without a project: the visible projects are a filter too (an agent
    // in a few small projects reads them and sorts).
    if let (None, Some((clause, visible))) = (project, &filter.visible) {
        let (index, _) = walk_index(sort, true, filter.open);
        let seek = if index.starts_with("cases_project") || index.starts_with("cases_open_project")
        {
            index
        } else {
            "cases_project_updated"
        };
        let count = if filter.open {
            "cases_open_project_updated"
        } else {
            "cases_project_updated"
        };
        let (prefix, arg) = match visible {
            Visibility::Projects(ids) => (
                "c.project_id IN (SELECT value FROM json_each(?1))",
                serde_json::to_string(ids).unwrap_or_default(),
            ),
            Visibility::Clients(ids) => (
                "c.project_id IN (SELECT id FROM projects WHERE client_id IN (SELECT value FROM json_each(?1)))",
                serde_json::to_string(ids).unwrap_or_default(),
            ),
            Visibility::All => ("1", String::new()),
        };
        let open = if filter.open {
            format!(" AND {OPEN}")
        } else {
            String::new()
        };
        let args = [Value::Text(arg)];
        let n: i64 = conn
            .prepare_cached(&format!(
                "SELECT count(*) FROM (SELECT 1 FROM cases c INDEXED BY {count} WHERE {prefix}{open} LIMIT {bound})"
            ))?
            .query_row(params_from_iter(args.iter()), |r| r.get(0))?;
        let rows = n.max(0) as u64;
        let matched = sample(
            conn,
            filter,
            &format!("SELECT c.id AS sid FROM cases c INDEXED BY {count} WHERE {prefix}{open}"),
            &args,
        )?;
        candidates.push(Candidate {
            rows,
            at_bound: rows >= bound,
            in_order: false,
            sampled: rows.min(SAMPLE),
            matched,
            pilot: false,
            covers: false,
        });
        seeks.push((seek, *clause, SeekBy::Visibility));
    }
    // Every walk index carries the project, status, team, channel, topic,
    // assignee and due date after its sort key (migration 0040).
    let walk_covers = !tested_on_the_row(filter);
    let inputs = Inputs {
        limit: u64::from(limit),
        walk_range,
        walk_exists: true,
        walk_covers,
        candidates,
        counted_matches: None,
        walk_pilot: None,
    };
    decide(conn, filter, sort, cursor, inputs, (walk, prefixed), &seeks)
}

/// The plan from the kept counts (`cases::counts`, migration 0037), when
/// every filter is a counted one (status, channel, topic, team, assignee,
/// within the caller's projects): each filter's rows and the walk's range
/// are sums of a few counter rows, the matches their product (filters taken
/// as independent within the visible projects); no probe of an index, no
/// sample of rows. None when a filter is not counted (contact, tag, due
/// date): the probes decide.
fn choose_from_counts(
    conn: &Connection,
    filter: &Filter,
    sort: Sort,
    limit: u32,
    cursor: Option<&(String, i64)>,
) -> StoreResult<Option<Plan>> {
    use super::counts::{cases_in, estimate, projects_of};
    use super::plan::{Candidate, Inputs};
    let mut counted = Vec::new();
    for (key, clause) in &filter.keys {
        if matches!(key, Key::Project(_)) {
            continue;
        }
        let Some(c) = counted_as(key) else {
            return Ok(None);
        };
        counted.push((key, *clause, c));
    }
    let project = filter.project_id;
    let open = filter.open;
    let visibility = filter
        .visible
        .as_ref()
        .map_or(Visibility::All, |(_, v)| v.clone());
    let visible = projects_of(conn, &visibility, project)?;
    let Some(visible_rows) = cases_in(conn, &visible, open) else {
        return Ok(None);
    };
    let (walk, prefixed) = walk_index(sort, project.is_some(), open);
    // A walk without the project as its prefix passes every project's
    // entries; a partial index only the open cases.
    let walk_range = if prefixed {
        visible_rows
    } else {
        let partial = walk.starts_with("cases_open");
        match cases_in(conn, &projects_of(conn, &Visibility::All, None)?, partial) {
            Some(n) => n,
            None => return Ok(None),
        }
    };
    let mut matches = visible_rows as f64;
    let mut candidates = Vec::new();
    let mut seeks = Vec::new();
    for (key, clause, c) in counted {
        let Some(rows) = estimate(conn, &visible, c, open) else {
            return Ok(None);
        };
        if visible_rows > 0 {
            matches *= rows as f64 / visible_rows as f64;
        }
        let (index, in_order) = seek_index(key, project, open, sort);
        // An index over all cases reads the closed ones of its range too.
        let read = if open && !index.starts_with("cases_open") {
            match estimate(conn, &visible, c, false) {
                Some(n) => n,
                None => return Ok(None),
            }
        } else {
            rows
        };
        // Without a project, the filter's index (project, value, time) is
        // read one range per visible project.
        let how = match (key, project) {
            (Key::Assignee(_), _) | (_, Some(_)) => SeekBy::Clause,
            (_, None) => SeekBy::Projects,
        };
        let windowed = read_in_update_windows(index, how, filter, sort)
            && (how == SeekBy::Clause || visible.len() <= MAX_WINDOW_RANGES);
        candidates.push(Candidate {
            rows: read,
            at_bound: false,
            in_order: in_order || windowed,
            sampled: 0,
            matched: 0,
            pilot: false,
            // Every counted filter is in the entries.
            covers: seek_covers(index, filter),
        });
        seeks.push((index, clause, how));
    }
    let inputs = Inputs {
        limit: u64::from(limit),
        walk_range,
        walk_exists: true,
        // The counted filters are all in the walk indexes (migration 0040).
        walk_covers: true,
        candidates,
        counted_matches: Some(matches),
        walk_pilot: None,
    };
    decide(conn, filter, sort, cursor, inputs, (walk, prefixed), &seeks).map(Some)
}

/// The chooser's plan; where the walk won but could lose to a seek, and
/// tests its filters in the index, after a pilot of the walk
/// (`plan::Pilot`).
fn decide(
    conn: &Connection,
    filter: &Filter,
    sort: Sort,
    cursor: Option<&(String, i64)>,
    mut inputs: super::plan::Inputs,
    (walk, prefixed): (&'static str, bool),
    seeks: &[(&'static str, usize, SeekBy)],
) -> StoreResult<Plan> {
    use super::plan::{choose, worth_a_pilot};
    if inputs.walk_covers && worth_a_pilot(&inputs) {
        inputs.walk_pilot = Some(walk_pilot(conn, filter, sort, (walk, prefixed), cursor)?);
    }
    let choice = choose(&inputs);
    tracing::debug!(?inputs, ?choice, walk, ?seeks, "case list plan");
    Ok(plan_of(choice, walk, seeks))
}

/// The walk's first `plan::PILOT` entries (from the cursor on a later
/// page), each tested against the whole filter. The columns the filters
/// test are the walk index's own (migration 0040), so no case is looked up
/// (but for a provider's tariff, which the index does not carry).
fn walk_pilot(
    conn: &Connection,
    filter: &Filter,
    sort: Sort,
    (walk, prefixed): (&'static str, bool),
    cursor: Option<&(String, i64)>,
) -> StoreResult<super::plan::Pilot> {
    use super::plan::{PILOT, Pilot};
    let (cmp, dir) = sort.direction();
    let key = sort.expr();
    // The walk's range and cursor, their arguments after the filter's.
    let mut range = Filter {
        args: filter.args.clone(),
        ..Filter::default()
    };
    if let (true, Some(project)) = (prefixed, filter.project_id) {
        range.push("c.project_id = ?", vec![Value::from(project)]);
    }
    // A partial index is read only under its own WHERE.
    if walk.starts_with("cases_open") {
        range.push(OPEN, vec![]);
    }
    if let Some(cursor) = cursor {
        range.after_cursor(key, "c.id", cmp, cursor.clone());
    }
    let tariff = if filter.clauses.iter().any(|c| c.contains("handling_tariff")) {
        ", c.handling_tariff"
    } else {
        ""
    };
    let sql = format!(
        "SELECT count(*), total(CASE WHEN {} THEN 1 ELSE 0 END)
         FROM (SELECT c.id, c.project_id, c.status, c.handling_team, c.channel, c.topic_id,
                      c.assignee_id, c.due_at{tariff}
               FROM cases c INDEXED BY {walk}{}
               ORDER BY {key} {dir}, c.id {dir} LIMIT {PILOT}) AS c",
        filter.conjunction(),
        range.where_sql()
    );
    let (passed, matched): (i64, f64) = conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(range.args.iter()), |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let passed = passed.max(0) as u64;
    Ok(Pilot {
        passed,
        matched: matched.max(0.0) as u64,
        whole: passed < PILOT,
    })
}

/// The plan for the chooser's choice: the walk's index, or the seek it
/// picked.
fn plan_of(
    choice: super::plan::Choice,
    walk: &'static str,
    seeks: &[(&'static str, usize, SeekBy)],
) -> Plan {
    use super::plan::Choice;
    match choice {
        Choice::Walk => Plan::Walk(walk),
        Choice::Seek(i) => {
            let (index, clause, how) = seeks[i];
            Plan::Seek { index, clause, how }
        }
        Choice::Sqlite => Plan::Sqlite,
    }
}

/// Rewrites the filter for the plan; returns the FROM's index clause.
fn apply_plan(filter: &mut Filter, plan: &Plan) -> String {
    match plan {
        Plan::Walk(index) => format!(" INDEXED BY {index}"),
        Plan::Sqlite => String::new(),
        Plan::Seek { index, clause, how } => match how {
            SeekBy::Clause => format!(" INDEXED BY {index}"),
            SeekBy::Visibility => {
                filter.seek_visibility(*clause);
                format!(" INDEXED BY {index}")
            }
            SeekBy::Projects => {
                match filter.visible.as_ref().map(|(at, _)| *at) {
                    Some(at) => filter.seek_visibility(at),
                    // Everything visible: the projects are the ranges.
                    None => filter.push("c.project_id IN (SELECT id FROM projects)", vec![]),
                }
                format!(" INDEXED BY {index}")
            }
            // `list_query` reads the tag's rows from case_tags itself.
            SeekBy::Tag => String::new(),
            SeekBy::DatedWalk => {
                let c = &mut filter.clauses[*clause];
                *c = c.replace("COALESCE(c.due_at, '9999')", "c.due_at");
                format!(" INDEXED BY {index}")
            }
            SeekBy::OpenDue => {
                let c = &mut filter.clauses[*clause];
                *c = c.replace("COALESCE(c.due_at, '9999')", "c.due_at");
                if filter.project_id.is_none() {
                    match filter.visible.as_ref().map(|(at, _)| *at) {
                        Some(at) => filter.seek_visibility(at),
                        None => filter.push("c.project_id IN (SELECT id FROM projects)", vec![]),
                    }
                }
                format!(" INDEXED BY {index}")
            }
        },
    }
}

pub fn counts(
    conn: &Connection,
    filter: Filter,
    user_id: Option<UserId>,
) -> StoreResult<CaseCounts> {
    let mut filter = filter;
    filter.push("c.status NOT IN ('solved', 'closed')", vec![]);
    let where_sql = filter.where_sql();
    let args = &filter.args;
    let mut counts = CaseCounts::default();
    let soon = (chrono::Utc::now() + chrono::Duration::hours(24))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let n = args.len();
    let sql = format!(
        "SELECT COUNT(*),
                COALESCE(SUM(c.assignee_id = ?{}), 0),
                COALESCE(SUM(c.assignee_id IS NULL), 0),
                COALESCE(SUM(c.due_at IS NOT NULL AND c.due_at < ?{}), 0),
                COALESCE(SUM(c.due_at IS NOT NULL AND c.due_at >= ?{} AND c.due_at < ?{}), 0)
         FROM cases c INDEXED BY cases_open_counts{where_sql}",
        n + 1,
        n + 2,
        n + 2,
        n + 3
    );
    let mut all: Vec<Value> = args.clone();
    all.push(Value::from(user_id));
    all.push(Value::Text(now()));
    all.push(Value::Text(soon));
    conn.prepare_cached(&sql)?
        .query_row(params_from_iter(all.iter()), |row| {
            counts.open = row.get(0)?;
            counts.mine = row.get(1)?;
            counts.unassigned = row.get(2)?;
            counts.overdue = row.get(3)?;
            counts.due_soon = row.get(4)?;
            Ok(())
        })?;
    for team in HandlingTeam::ALL {
        counts.by_team.insert(team.as_str().into(), 0);
    }
    for channel in Channel::ALL {
        counts.by_channel.insert(channel.as_str().into(), 0);
    }
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT c.handling_team, COUNT(*) FROM cases c INDEXED BY cases_open_counts{where_sql} GROUP BY 1"
    ))?;
    for row in stmt.query_map(params_from_iter(args.iter()), |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })? {
        let (team, n) = row?;
        counts.by_team.insert(team, n);
    }
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT c.channel, COUNT(*) FROM cases c INDEXED BY cases_open_counts{where_sql} GROUP BY 1"
    ))?;
    for row in stmt.query_map(params_from_iter(args.iter()), |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })? {
        let (channel, n) = row?;
        counts.by_channel.insert(channel, n);
    }
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT c.topic_id, t.name, COUNT(*) FROM cases c INDEXED BY cases_open_counts JOIN topics t ON t.id = c.topic_id{where_sql}
         GROUP BY c.topic_id ORDER BY t.position, t.name, t.id"
    ))?;
    for row in stmt.query_map(params_from_iter(args.iter()), |r| {
        Ok(TopicCount {
            topic_id: r.get(0)?,
            name: r.get(1)?,
            count: r.get(2)?,
        })
    })? {
        counts.by_topic.push(row?);
    }
    Ok(counts)
}

/// The cases' full-text table (rowid = case id).
pub const SEARCH_TABLE: &str = "case_search";

/// How many of the newest matching cases are ranked against each other.
const SEARCH_WINDOW: u32 = 2000;

/// Full-text search over cases within `filter`: the best matches among the
/// newest `SEARCH_WINDOW` matching cases the caller may see, with a snippet
/// of the matching text (matches between « and »).
///
/// Ranking every match of a common word in a large store costs seconds;
/// walking the index newest-first is cheap, and in a helpdesk the recent
/// cases are the ones looked for. One pass walks the window and ranks it;
/// only the page's cases are then read in full, with their snippets.
///
/// Where it likely lies in the newest cases, the window is found walking up
/// from a lower bound (`search::newest`): FTS5 walks a `secure-delete`
/// table newest-first only by reading each term's whole document list
/// first.
///
/// A query with a prefix term (`Gutschr*`, `newest_first`) lists its newest
/// matches first: BM25 would count the documents of every word the prefix
/// stands for across the whole store, and each pass merges those words'
/// lists again, which at scale costs many times the search.
///
/// The rank is `zezaro_rank` (search::rank): bm25's order, without bm25's
/// whole-store count of the matches when the query is one phrase or word.
/// That count cost more than the rest of such a search: at 1.1 M cases the
/// ranking pass of "Vertrag kündigen" took 65 ms with bm25, 5 ms without.
///
/// `phrase_counts`: how many cases match each phrase of `fts`, in order
/// (see `search::rarest_first`); the ranking then counts nothing itself.
/// When they say the window holds every match (the rarest term in no more
/// cases than the window), the matches are all walked up, led by the
/// rarest term: the same window, without reading the common terms' whole
/// document lists newest-first.
pub fn search(
    conn: &Connection,
    mut filter: Filter,
    fts: &str,
    newest_first: bool,
    phrase_counts: Option<&PhraseCounts>,
    limit: u32,
) -> StoreResult<Vec<(Case, String)>> {
    filter.push("case_search MATCH ?", vec![Value::Text(fts.to_string())]);
    if newest_first {
        let sql = format!(
            "SELECT {COLUMNS}, snippet(case_search, -1, '«', '»', '…', 12)
             FROM case_search JOIN cases c ON c.id = case_search.rowid {JOINS}{}
             ORDER BY case_search.rowid DESC LIMIT {limit}",
            filter.where_sql()
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(filter.args.iter()), |row| {
            Ok((from_row(row)?, row.get(COLUMN_COUNT)?))
        })?;
        return Ok(rows.collect::<Result<_, _>>()?);
    }
    // The ranking window, the newest SEARCH_WINDOW matches the caller may
    // see: every match when the counts say there are no more, walked up led
    // by the rarest term; as a rowid range found walking up the newest rows
    // when they likely hold it (search::newest); otherwise newest-first.
    let last = crate::search::newest::last_rowid(conn, SEARCH_TABLE)?;
    let each = phrase_counts
        .map(|c| c.each.as_slice())
        .filter(|c| !c.is_empty());
    let first: Option<i64> = if phrase_counts
        .is_some_and(|counts| counts.matches_at_most <= i64::from(SEARCH_WINDOW))
    {
        Some(i64::MIN)
    } else if phrase_counts
        .and_then(|counts| counts.matches_likely)
        .is_some_and(|likely| likely.saturating_mul(LIKELY_MARGIN) <= i64::from(SEARCH_WINDOW))
    {
        // The terms' samples hold few of the AND's own matches (words
        // seldom or never together): likely no more than the window in
        // all. Walked up they are found at about half the cost of a walk
        // newest-first (see search::newest); more than the window after
        // all, and it is read newest-first, the walk up paid in vain.
        let sql = format!(
            "SELECT case_search.rowid FROM case_search JOIN cases c ON c.id = case_search.rowid{}
             ORDER BY case_search.rowid LIMIT {}",
            filter.where_sql(),
            SEARCH_WINDOW + 1
        );
        let found: Vec<i64> = conn
            .prepare_cached(&sql)?
            .query_map(params_from_iter(filter.args.iter()), |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        match found.first() {
            None => return Ok(Vec::new()),
            Some(&first) if found.len() <= SEARCH_WINDOW as usize => Some(first),
            Some(_) => None,
        }
    } else if likely_in_first_window(each, last) {
        let found = crate::search::newest::in_first_window(
            last,
            SEARCH_WINDOW as usize,
            |from, below, most| {
                let mut window = filter.clone();
                window.push(
                    "case_search.rowid >= ? AND case_search.rowid < ?",
                    vec![Value::from(from), Value::from(below)],
                );
                let sql = format!(
                    "SELECT case_search.rowid FROM case_search JOIN cases c ON c.id = case_search.rowid{} LIMIT {most}",
                    window.where_sql()
                );
                let mut stmt = conn.prepare_cached(&sql)?;
                let rows =
                    stmt.query_map(params_from_iter(window.args.iter()), |row| row.get(0))?;
                Ok(rows.collect::<Result<_, _>>()?)
            },
        )?;
        match found {
            Some(Since::All(0)) => return Ok(Vec::new()),
            Some(Since::All(_)) => Some(i64::MIN),
            Some(Since::Rowid(first)) => Some(first),
            None => None,
        }
    } else {
        None
    };
    let window = match first {
        Some(first) => {
            filter.push(
                "case_search.rowid BETWEEN ? AND ?",
                vec![Value::from(first), Value::from(last)],
            );
            String::new()
        }
        None => format!("ORDER BY case_search.rowid DESC LIMIT {SEARCH_WINDOW}"),
    };
    // The window and the ranking read `cases` only, for the filter (whose
    // clauses name no joined table): one look-up less per ranked match.
    // The page's cases are read with their joins below.
    // bm25's order without its whole-store count for a lone phrase, nor
    // for phrases whose counts are given (bound after the column weights,
    // 1 each as bm25's default).
    crate::search::rank::ensure(conn)?;
    let where_sql = filter.where_sql();
    let mut args = filter.args;
    let mut given = String::new();
    if let Some(counts) = each {
        given.push_str(", 1.0, 1.0, 1.0");
        for &count in counts {
            args.push(Value::from(count));
            given.push_str(&format!(", ?{}", args.len()));
        }
    }
    let ranked: Vec<i64> = conn
        .prepare_cached(&format!(
            "SELECT id FROM (SELECT case_search.rowid AS id,
                    zezaro_rank(case_search{given}) AS score
               FROM case_search JOIN cases c ON c.id = case_search.rowid{where_sql}
               {window})
             ORDER BY score, id DESC LIMIT {limit}"
        ))?
        .query_map(params_from_iter(args.iter()), |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    if ranked.is_empty() {
        return Ok(Vec::new());
    }
    let mut snippets = crate::search::snippets::of_cases(conn, fts, &ranked, last)?;
    let ids = serde_json::to_string(&ranked).unwrap_or_default();
    let mut stmt = conn.prepare_cached(&format!(
        "{} WHERE c.id IN (SELECT value FROM json_each(?1))",
        select()
    ))?;
    let mut found: HashMap<CaseId, (Case, String)> = HashMap::with_capacity(ranked.len());
    for case in stmt.query_map(params![ids], from_row)? {
        let case = case?;
        if let Some(snippet) = snippets.remove(&case.id.get()) {
            found.insert(case.id, (case, snippet));
        }
    }
    Ok(ranked
        .iter()
        .filter_map(|&id| found.remove(&CaseId(id)))
        .collect())
}

/// How far under the window an AND's likely matches must be for its
/// matches to be walked up first: the estimate scales the rarest term's
/// count, itself estimated from the newest rows, and a wrong guess costs
/// a walk up to the window's end before the walk newest-first. On the
/// grown 1.45M store the ANDs with no match were estimated at 3–109, those
/// with 1,900–4,800 matches at 577–1,942 (docs/perf16.md, session 24).
const LIKELY_MARGIN: i64 = 4;

/// What the counts of a ranked query's phrases say (`search::rarest_first`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhraseCounts {
    /// How many cases match each phrase of the query, in its order: the
    /// ranking's IDF.
    pub each: Vec<i64>,
    /// No more cases than this match the query: its rarest term's count
    /// (the sum of its spellings'), as an AND matches no more cases than
    /// any of its terms.
    pub matches_at_most: i64,
    /// About this many cases match the query, as the samples its terms
    /// were counted from say (`search::stats::Overlap::estimate`): an
    /// estimate, which only chooses the walk. `None`: not known.
    pub matches_likely: Option<i64>,
}

/// Whether the newest `search::newest::FIRST_WINDOW` cases likely hold the
/// ranking window: for one phrase (no counts) its walk is cheap to try;
/// for several, when they would if they occurred independently at their
/// counted rates. An AND that is rarer (words seldom together, or in no
/// case at all) is read newest-first: FTS5 would begin each walk up by
/// finding the words' oldest common case, walking from the first.
fn likely_in_first_window(counts: Option<&[i64]>, last: i64) -> bool {
    let Some(counts) = counts else {
        return true;
    };
    let rows = last.max(1) as f64;
    let share: f64 = counts
        .iter()
        .map(|&count| (count as f64 / rows).clamp(0.0, 1.0))
        .product();
    share * crate::search::newest::FIRST_WINDOW as f64 >= f64::from(SEARCH_WINDOW)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Db, StoreError};

    #[test]
    fn column_count_is_the_columns_named() {
        // A column added to COLUMNS moves what follows it (the search's
        // snippet was read as the SLA deadline once).
        let mut depth = 0i32;
        let mut count = 1;
        for c in COLUMNS.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => count += 1,
                _ => {}
            }
        }
        assert_eq!(count, COLUMN_COUNT);
    }

    /// A status the code does not know (a store written by a newer
    /// version, a hand edit) fails the read instead of showing the case as
    /// open; the same for a message's kind.
    #[test]
    fn an_unknown_enum_value_fails_the_read_loudly() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Db::open(dir.path()).unwrap();
        crate::demo::seed(&db).unwrap();
        let (case_id, read_before) = db
            .write_blocking(|tx| {
                let case_id: CaseId = tx.query_row(
                    "SELECT case_id FROM messages ORDER BY id LIMIT 1",
                    [],
                    |r| r.get(0),
                )?;
                let before = get(tx, case_id)?.map(|c| c.status);
                tx.execute_batch("PRAGMA ignore_check_constraints = ON")?;
                tx.execute(
                    "UPDATE cases SET status = 'archived' WHERE id = ?1",
                    [case_id],
                )?;
                tx.execute(
                    "UPDATE messages SET kind = 'whisper' WHERE case_id = ?1",
                    [case_id],
                )?;
                tx.execute_batch("PRAGMA ignore_check_constraints = OFF")?;
                Ok::<_, StoreError>((case_id, before))
            })
            .unwrap();
        assert!(read_before.is_some());
        let case = db.read_blocking(|conn| get(conn, case_id));
        let err = case.expect_err("an unknown status was read as a default");
        assert!(
            err.to_string().contains("unknown Status \"archived\""),
            "{err}"
        );
        let messages = db.read_blocking(|conn| messages(conn, case_id));
        let err = messages.expect_err("an unknown kind was read as a default");
        assert!(err.to_string().contains("unknown MessageKind"), "{err}");
    }

    /// A generated store: tags written by the generator, so the sort keys
    /// come from the triggers of migration 0012.
    fn generated() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let options = crate::demo::generate::Options {
            cases: 1_500,
            messages: 2,
            seed: 11,
        };
        crate::demo::generate::generate(dir.path(), &options, &mut |_| {}).unwrap();
        let (db, _) = Db::open(dir.path()).unwrap();
        (dir, db)
    }

    fn project_id(conn: &Connection, key: &str) -> ProjectId {
        conn.query_row("SELECT id FROM projects WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .unwrap()
    }

    const PAGE: u32 = 5;

    /// Every page of a list, following the cursors: by the plan the list
    /// chooses, or by `plan`'s.
    fn pages(
        conn: &Connection,
        make: &dyn Fn() -> Filter,
        plan: Option<&dyn Fn(&Filter) -> Plan>,
        sort: Sort,
        limit: u32,
    ) -> Vec<CaseId> {
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let f = make();
            let page = match plan {
                Some(plan) => {
                    let p = plan(&f);
                    list_by(conn, f, sort, cursor.clone(), limit, Some(p))
                }
                None => list(conn, f, sort, cursor.clone(), limit),
            }
            .unwrap();
            seen.extend(page.iter().map(|c| c.id));
            match page.last() {
                Some(last) if page.len() == limit as usize => {
                    let value = sort.cursor_of(last);
                    let (key, id) = value.rsplit_once('|').unwrap();
                    cursor = Some((key.to_string(), id.parse().unwrap()));
                }
                _ => return seen,
            }
        }
    }

    fn all_pages(conn: &Connection, make: &dyn Fn() -> Filter, sort: Sort) -> Vec<CaseId> {
        pages(conn, make, None, sort, PAGE)
    }

    #[test]
    fn tag_lists_read_by_case_tags_match_the_case_filter() {
        let (_dir, db) = generated();
        // Changes after generation: a tagged case changed (newest now), one
        // moved to another project, tags added and replaced.
        db.write_blocking(|tx| {
            let acme = project_id(tx, "ACME");
            let nord = project_id(tx, "NORD");
            let tagged: Vec<CaseId> = tx
                .prepare("SELECT DISTINCT case_id FROM case_tags WHERE tag = 'vip' ORDER BY case_id LIMIT 3")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let mut case = get(tx, tagged[0])?.ok_or(StoreError::Task("no case".into()))?;
            case.subject = "changed".into();
            update(tx, &case)?;
            tx.execute(
                "UPDATE cases SET project_id = ?2 WHERE id = ?1",
                params![tagged[1], if case.project_id == acme { nord } else { acme }],
            )?;
            set_tags(tx, tagged[2], &["presse".to_string()])?;
            let untagged: CaseId = tx.query_row(
                "SELECT id FROM cases WHERE id NOT IN (SELECT case_id FROM case_tags) LIMIT 1",
                [],
                |r| r.get(0),
            )?;
            add_tags(tx, untagged, &["vip".to_string(), "neu".to_string()])?;
            Ok::<_, StoreError>(())
        })
        .unwrap();
        db.read_blocking(|conn| {
            let stale: i64 = conn.query_row(
                &format!(
                    "SELECT COUNT(*) FROM case_tags g JOIN cases c ON c.id = g.case_id
                     WHERE g.case_project_id IS NOT c.project_id OR g.case_updated_at IS NOT c.updated_at
                        OR g.case_created_at IS NOT c.created_at OR g.case_due_key IS NOT {}
                        OR g.case_sla_key IS NOT {} OR g.case_priority_key IS NOT {}",
                    Sort::DueAsc.expr(),
                    Sort::SlaAsc.expr(),
                    Sort::PriorityDesc.expr()
                ),
                [],
                |r| r.get(0),
            )?;
            assert_eq!(stale, 0, "sort keys follow the cases");
            let acme = project_id(conn, "ACME");
            let nord = project_id(conn, "NORD");
            let visible = Visibility::Projects(vec![acme, nord]);
            for tag in ["vip", "presse", "VIP", "none-such"] {
                for project in [Some(acme), None] {
                    for open in [false, true] {
                        // By the tag's rows where the list chooses (planned),
                        // by update time also where it does not.
                        let filter = |by_tag: bool| {
                            let mut f = Filter::default();
                            f.visibility(&visible);
                            if let Some(p) = project {
                                f.project(p);
                            }
                            if open {
                                f.open();
                            }
                            if by_tag {
                                f.tag(tag.to_string());
                                f.plan_from_statistics();
                            } else {
                                f.push(
                                    "EXISTS (SELECT 1 FROM case_tags g WHERE g.case_id = c.id AND g.tag = ?)",
                                    vec![Value::Text(tag.to_string())],
                                );
                            }
                            f
                        };
                        for sort in [
                            Sort::UpdatedDesc,
                            Sort::UpdatedAsc,
                            Sort::CreatedDesc,
                            Sort::CreatedAsc,
                            Sort::DueAsc,
                            Sort::SlaAsc,
                            Sort::PriorityDesc,
                        ] {
                            let expected = all_pages(conn, &|| filter(false), sort);
                            let got = all_pages(conn, &|| filter(true), sort);
                            assert_eq!(got, expected, "{tag} {project:?} open={open} {sort:?}");
                            // A tag on a few per cent of the cases: its own
                            // rows in the sort's order beat a walk of every
                            // case checking each for the tag.
                            if tag == "vip" {
                                let plan = explain_list(conn, filter(true), sort, None, PAGE)?;
                                let (index, _) = sort.tag_order();
                                let read = if project.is_some() && matches!(sort, Sort::UpdatedDesc | Sort::UpdatedAsc) {
                                    "case_tags_project_updated"
                                } else {
                                    index
                                };
                                assert!(
                                    plan.iter().any(|l| l.contains(read)) && !plan.iter().any(|l| l.contains("TEMP B-TREE")),
                                    "{sort:?} {project:?} open={open}: {plan:?}"
                                );
                            }
                            if tag == "vip" && project.is_some() && !open {
                                assert!(
                                    expected.len() > 3 * PAGE as usize,
                                    "several pages: {}",
                                    expected.len()
                                );
                            }
                        }
                    }
                }
            }
            Ok::<_, StoreError>(())
        })
        .unwrap();
    }

    /// ACME with a backlog: its newest cases new and unworked, and its 20
    /// oldest open cases worked (updated) just now.
    fn with_a_backlog(db: &Db) -> ProjectId {
        db.write_blocking(|tx| {
            let acme = project_id(tx, "ACME");
            tx.execute(
                "UPDATE cases SET status = 'new' WHERE id IN (
                     SELECT id FROM cases WHERE project_id = ?1 ORDER BY created_at DESC LIMIT 300)",
                [acme],
            )?;
            // A third of the rest open.
            tx.execute(
                "UPDATE cases SET status = 'open' WHERE project_id = ?1 AND status <> 'new' AND id % 3 = 0",
                [acme],
            )?;
            // Worked one after another (distinct update times, as the
            // clock runs), not in one millisecond.
            let worked = tx.execute(
                "UPDATE cases SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+' || id || ' seconds')
                 WHERE id IN (SELECT id FROM cases WHERE project_id = ?1 AND status = 'open'
                              ORDER BY created_at LIMIT 20)",
                [acme],
            )?;
            let open: usize = tx.query_row(
                "SELECT count(*) FROM cases WHERE project_id = ?1 AND status = 'open'",
                [acme],
                |r| r.get(0),
            )?;
            assert!(open > worked + 10, "{open} open cases, {worked} worked");
            Ok::<_, StoreError>(acme)
        })
        .unwrap()
    }

    #[test]
    fn lists_newest_created_first_read_in_windows_of_updates_give_every_page_whole() {
        // Pages of two: the first window (16) and more hold only worked cases.
        const LIMIT: u32 = 2;
        let (_dir, db) = generated();
        let acme = with_a_backlog(&db);
        db.read_blocking(|conn| {
            let clients = Visibility::Clients(vec![conn.query_row(
                "SELECT client_id FROM projects WHERE id = ?1",
                [acme],
                |r| r.get(0),
            )?]);
            for (status, project) in [
                ("open", Some(acme)),
                ("open", None),
                ("pending-customer", None),
            ] {
                let make = |planned: bool| {
                    let mut f = Filter::default();
                    f.visibility(&clients);
                    if let Some(p) = project {
                        f.project(p);
                    }
                    f.key(Key::Status(status.into()));
                    if planned {
                        f.planned = true;
                    }
                    f
                };
                // The status's seek in update order, forced: each range
                // read in windows of its newest updates.
                let seek = |f: &Filter| Plan::Seek {
                    index: "cases_project_status_updated",
                    clause: f.keys.last().map(|k| k.1).unwrap_or_default(),
                    how: if project.is_some() {
                        SeekBy::Clause
                    } else {
                        SeekBy::Projects
                    },
                };
                let windowed = pages(conn, &|| make(true), Some(&seek), Sort::CreatedDesc, LIMIT);
                let sqlite = all_pages(conn, &|| make(false), Sort::CreatedDesc);
                assert!(
                    sqlite.len() > 3 * LIMIT as usize,
                    "{status}: {} cases",
                    sqlite.len()
                );
                assert_eq!(windowed, sqlite, "{status} in {project:?}");
                // Past the backlog, the first page comes from the first
                // window, without reading the whole seek.
                let f = make(true);
                let plan = seek(&f);
                let windows = update_windows(conn, &f, Sort::CreatedDesc, Some(&plan))?
                    .expect("windows for the status's seek");
                let from = windows
                    .start(conn, &f, Sort::CreatedDesc, None, u64::from(LIMIT) * 2)?
                    .expect("more matches than a window");
                let (sql, args) = list_sql(
                    f,
                    Sort::CreatedDesc,
                    None,
                    LIMIT,
                    Some(&plan),
                    Some((&windows, &from)),
                );
                let page = run_list(conn, &sql, &args)?;
                let last = page.last().map(|c| c.created_at.as_str());
                // The open cases' newest updates are the old ones worked:
                // that window's page is rejected (and a larger one read).
                assert_eq!(
                    super::super::plan::bounded_page_is_whole(page.len(), LIMIT, last, &from),
                    status != "open",
                    "{status}"
                );
                // Newest updated first across the projects: their ranges
                // merged by the windows too.
                if project.is_none() {
                    let windowed =
                        pages(conn, &|| make(true), Some(&seek), Sort::UpdatedDesc, LIMIT);
                    let sqlite = all_pages(conn, &|| make(false), Sort::UpdatedDesc);
                    assert_eq!(windowed, sqlite, "{status} by update");
                }
                // Not for other sorts or plans.
                let f = make(true);
                assert!(update_windows(conn, &f, Sort::CreatedAsc, Some(&seek(&f)))?.is_none());
                assert!(
                    update_windows(
                        conn,
                        &f,
                        Sort::CreatedDesc,
                        Some(&Plan::Walk("cases_created"))
                    )?
                    .is_none()
                );
            }
            Ok::<_, StoreError>(())
        })
        .unwrap();
    }

    #[test]
    fn an_assignees_cases_newest_created_first_are_read_in_windows_of_each_status() {
        let (_dir, db) = generated();
        let acme = with_a_backlog(&db);
        // The busiest assignee of ACME's worked cases, so that the windows
        // of the open status are its worked ones.
        let assignee: UserId = db
            .write_blocking(|tx| {
                let assignee: UserId = tx.query_row(
                    "SELECT assignee_id FROM cases WHERE project_id = ?1 AND assignee_id IS NOT NULL
                     GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
                    [acme],
                    |r| r.get(0),
                )?;
                tx.execute(
                    "UPDATE cases SET assignee_id = ?2 WHERE project_id = ?1 AND status IN ('open', 'closed')",
                    params![acme, assignee],
                )?;
                Ok::<_, StoreError>(assignee)
            })
            .unwrap();
        db.read_blocking(|conn| {
            let statuses: [Option<&[Status]>; 3] = [
                None,
                Some(&[Status::Open, Status::Closed]),
                Some(&[Status::Open, Status::New]),
            ];
            for (i, only) in statuses.into_iter().enumerate() {
                let make = |planned: bool| {
                    let mut f = Filter::default();
                    f.visibility(&Visibility::All);
                    f.key(Key::Assignee(assignee));
                    if let Some(list) = only {
                        f.statuses(list);
                    }
                    f.planned = planned;
                    f
                };
                let seek = |f: &Filter| Plan::Seek {
                    index: "cases_assignee_status_updated",
                    clause: f.keys[0].1,
                    how: SeekBy::Clause,
                };
                // Newest created first, and newest updated first (the
                // statuses' ranges merged by their windows, not a sort).
                for sort in [Sort::CreatedDesc, Sort::UpdatedDesc] {
                    for limit in [2, 7] {
                        let windowed = pages(conn, &|| make(true), Some(&seek), sort, limit);
                        let sqlite = all_pages(conn, &|| make(false), sort);
                        assert!(sqlite.len() > 20, "{i}: {} cases", sqlite.len());
                        assert_eq!(windowed, sqlite, "statuses {i}, {sort:?}, pages of {limit}");
                    }
                    let f = make(true);
                    assert!(update_windows(conn, &f, sort, Some(&seek(&f)))?.is_some());
                }
                // One range per status the filter allows.
                let f = make(true);
                let windows = update_windows(conn, &f, Sort::CreatedDesc, Some(&seek(&f)))?
                    .expect("windows for the assignee's seek");
                assert_eq!(
                    windows.ranges.len(),
                    only.map_or(Status::ALL.len(), <[Status]>::len)
                );
            }
            Ok::<_, StoreError>(())
        })
        .unwrap();
    }

    #[test]
    fn due_date_lists_walk_the_open_dated_cases_in_their_order_as_sqlite_lists_them() {
        let (_dir, db) = generated();
        let acme = with_a_backlog(&db);
        // Half of ACME's open cases due in the future.
        db.write_blocking(|tx| {
            tx.execute(
                "UPDATE cases SET due_at = '2998-06-01T00:00:00.000Z'
                 WHERE project_id = ?1 AND status = 'open' AND id % 2 = 0",
                [acme],
            )?;
            Ok::<_, StoreError>(())
        })
        .unwrap();
        db.read_blocking(|conn| {
            let now = crate::db::now();
            let soon = "2999-01-01T00:00:00.000Z".to_string();
            let sorts = [
                Sort::UpdatedDesc,
                Sort::UpdatedAsc,
                Sort::CreatedDesc,
                Sort::CreatedAsc,
            ];
            for (due, project) in [
                (Key::Due(None, now.clone()), Some(acme)),
                (Key::Due(None, now.clone()), None),
                (Key::Due(Some(now.clone()), soon.clone()), None),
            ] {
                for sort in sorts {
                    let make = |planned: bool| {
                        let mut f = Filter::default();
                        f.visibility(&Visibility::Projects(vec![acme]));
                        if let Some(p) = project {
                            f.project(p);
                        }
                        f.open();
                        f.key(due.clone());
                        f.planned = planned;
                        f
                    };
                    let index = dated_walk(sort).expect("a dated walk for the time orders");
                    let plan = |f: &Filter| Plan::Seek {
                        index,
                        clause: f.keys.last().map(|k| k.1).unwrap_or_default(),
                        how: SeekBy::DatedWalk,
                    };
                    let walked = pages(conn, &|| make(true), Some(&plan), sort, PAGE);
                    let sqlite = all_pages(conn, &|| make(false), sort);
                    assert!(!sqlite.is_empty(), "{due:?} {sort:?}");
                    assert_eq!(walked, sqlite, "{due:?} in {project:?} by {sort:?}");
                    // The walk reads the index in its order: no sort.
                    let f = make(true);
                    let p = plan(&f);
                    let (sql, args) = list_sql(f, sort, None, PAGE, Some(&p), None);
                    let steps: Vec<String> = conn
                        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?
                        .query_map(params_from_iter(args.iter()), |r| r.get::<_, String>(3))?
                        .collect::<Result<_, _>>()?;
                    assert!(
                        steps.iter().any(|s| s.contains(index)),
                        "{index} not used: {steps:?}"
                    );
                    let sorted = steps.iter().filter(|s| s.contains("TEMP B-TREE")).count();
                    assert_eq!(sorted, 1, "only the page is sorted: {steps:?}");
                }
            }
            Ok::<_, StoreError>(())
        })
        .unwrap();
    }

    #[test]
    fn a_case_is_never_updated_before_it_was_created() {
        let (_dir, db) = generated();
        db.write_blocking(|tx| {
            // Created "in the future", as after the clock was set back.
            tx.execute(
                "UPDATE cases SET created_at = '2999-01-01T00:00:00.000Z', updated_at = '2999-01-01T00:00:00.000Z' WHERE id = 1",
                [],
            )?;
            let mut case = get(tx, CaseId(1))?.ok_or(StoreError::Task("no case".into()))?;
            case.subject = "changed with the clock behind".into();
            update(tx, &case)?;
            let after = get(tx, CaseId(1))?.ok_or(StoreError::Task("no case".into()))?;
            assert_eq!(after.subject, "changed with the clock behind");
            assert_eq!(after.updated_at, after.created_at);
            let wrong: i64 =
                tx.query_row("SELECT count(*) FROM cases WHERE updated_at < created_at", [], |r| r.get(0))?;
            assert_eq!(wrong, 0);
            Ok::<_, StoreError>(())
        })
        .unwrap();
    }
}
