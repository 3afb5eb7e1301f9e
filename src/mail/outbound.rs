//! Outbound e-mail: replies of agents, automatic acknowledgments and web-form
//! confirmations. Each is queued in `mail_outbox` in the transaction that
//! creates it (so a committed reply is never lost and a rolled-back one never
//! sent); the worker (`worker`) sends it through the SMTP of the mailbox the
//! case's mail came in through, retrying with backoff.
//!
//! Which mailbox: the one of the case's latest inbound mail, else the
//! project's first mailbox, and always one of the case's own client. No
//! mailbox: the reply stays a plain outbound message, its delivery `no-mailbox`.
//!
//! Headers: our Message-ID `<random@domain of the mailbox address>` is
//! recorded in `mail_message_ids` (direction `out`), so a customer's answer
//! threads back; In-Reply-To is the latest inbound Message-ID of the case and
//! References the case's chain. Subjects carry the case number once
//! (`Re: Strom [ACME-1042]`); control characters never reach a header, and
//! addresses with line breaks are rejected.

pub mod handlers;
pub mod worker;

use crate::ids::{CaseId, ClientId, ContactId, ProjectId};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::cases::{CaseError, Channel, MessageKind};
use crate::db::{StoreError, now};
use crate::validation::Invalid;

pub use worker::Outbox;

/// Attempts before a delivery is marked failed (about three hours).
pub const MAX_ATTEMPTS: i64 = 10;
const FIRST_RETRY_SECS: i64 = 30;
const MAX_RETRY_SECS: i64 = 3600;

#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    #[error("no such delivery")]
    NotFound,
    #[error("the delivery is {0}; it cannot be sent (again) now")]
    NotRetryable(DeliveryState),
    #[error(transparent)]
    Case(#[from] CaseError),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for OutboundError {
    fn from(err: rusqlite::Error) -> Self {
        OutboundError::Store(err.into())
    }
}

impl crate::problem::Problem for OutboundError {
    fn problem(&self) -> crate::problem::Answer {
        use crate::problem::Answer;
        match self {
            OutboundError::NotFound => Answer::not_found(self),
            OutboundError::NotRetryable(_) => Answer::conflict("delivery-not-retryable", self),
            OutboundError::Case(case) => case.problem(),
            OutboundError::Invalid(invalid) => invalid.problem(),
            OutboundError::Store(store) => store.problem(),
        }
    }
}

/// The cases service calls in here; its callers see case errors.
impl From<OutboundError> for CaseError {
    fn from(err: OutboundError) -> Self {
        match err {
            OutboundError::NotFound => CaseError::NotFound,
            OutboundError::NotRetryable(state) => {
                CaseError::Invalid(Invalid::new("delivery", format!("the delivery is {state}")))
            }
            OutboundError::Case(case) => case,
            OutboundError::Invalid(invalid) => CaseError::Invalid(invalid),
            OutboundError::Store(store) => CaseError::Store(store),
        }
    }
}

/// What a queued mail is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MailKind {
    Reply,
    AutoAck,
    WebformConfirmation,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Reply => "reply",
            MailKind::AutoAck => "auto-ack",
            MailKind::WebformConfirmation => "webform-confirmation",
        }
    }

    pub fn parse(s: &str) -> Option<MailKind> {
        match s {
            "reply" => Some(MailKind::Reply),
            "auto-ack" => Some(MailKind::AutoAck),
            "webform-confirmation" => Some(MailKind::WebformConfirmation),
            _ => None,
        }
    }
}

/// Where a delivery stands (`mail_outbox.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeliveryState {
    Queued,
    Retrying,
    Sent,
    Failed,
    NoMailbox,
    NoRecipient,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Queued => "queued",
            DeliveryState::Retrying => "retrying",
            DeliveryState::Sent => "sent",
            DeliveryState::Failed => "failed",
            DeliveryState::NoMailbox => "no-mailbox",
            DeliveryState::NoRecipient => "no-recipient",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryState> {
        match s {
            "queued" => Some(DeliveryState::Queued),
            "retrying" => Some(DeliveryState::Retrying),
            "sent" => Some(DeliveryState::Sent),
            "failed" => Some(DeliveryState::Failed),
            "no-mailbox" => Some(DeliveryState::NoMailbox),
            "no-recipient" => Some(DeliveryState::NoRecipient),
            _ => None,
        }
    }
}

impl std::fmt::Display for DeliveryState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

crate::db::text_enum!(MailKind, DeliveryState);

/// The delivery of one outbound message, as the case screen shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Delivery {
    pub id: i64,
    pub case_id: CaseId,
    /// The outbound message of the thread this mail carries.
    pub message_id: Option<i64>,
    /// `reply`, `auto-ack` or `webform-confirmation`.
    #[schema(value_type = String)]
    pub kind: MailKind,
    /// `queued`, `retrying` (see `next_attempt_at`, `last_error`), `sent`,
    /// `failed` (retry by hand), `no-mailbox` (the project has no mailbox;
    /// nothing is sent) or `no-recipient` (no e-mail address to send to).
    #[schema(value_type = String)]
    pub state: DeliveryState,
    pub to_address: String,
    pub from_address: String,
    pub subject: String,
    pub attempts: i64,
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
    /// The stable code of `last_error` (`smtp-refused`, `smtp-deferred`,
    /// `smtp-timeout`, `smtp-tls`, `smtp-connection`, `host-unknown`,
    /// `host-not-allowed`, `no-mailbox`, `bad-recipient`,
    /// `mailbox-settings`, `attachment` or `other`), which the UI words in
    /// the reader's language.
    pub error_code: Option<String>,
    pub sent_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

// ---- small rules, unit-tested ----------------------------------------------

/// One header line: every control character (CR, LF, TAB …) becomes a space,
/// runs of spaces collapse. Nothing typed into a subject can add a header.
pub fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The subject of a reply: `Re: <subject> [REF]`, the case number and the
/// `Re:` each once.
pub fn reply_subject(subject: &str, reference: &str) -> String {
    let subject = with_reference(&one_line(subject), reference);
    let lower = subject.to_ascii_lowercase();
    if lower.starts_with("re:") || lower.starts_with("aw:") {
        subject
    } else {
        format!("Re: {subject}")
    }
}

/// `subject [REF]` unless the subject names the case already.
pub fn with_reference(subject: &str, reference: &str) -> String {
    let tag = format!("[{reference}]");
    if subject.contains(&tag) {
        subject.to_string()
    } else if subject.is_empty() {
        tag
    } else {
        format!("{subject} {tag}")
    }
}

/// Fills `{case_number}`, `{subject}` and `{name}`; other braces stay.
pub fn fill_placeholders(template: &str, reference: &str, subject: &str, name: &str) -> String {
    template
        .replace("{case_number}", reference)
        .replace("{subject}", subject)
        .replace("{name}", name)
}

/// The body with the mailbox's signature under the standard `-- ` line.
pub fn with_signature(body: &str, signature: &str) -> String {
    let signature = signature.trim_end();
    if signature.is_empty() {
        body.to_string()
    } else {
        format!("{}\n\n-- \n{signature}\n", body.trim_end())
    }
}

/// A recipient or sender address fit for a header: one address, no line
/// breaks or other control characters, `local@domain`.
pub fn clean_address(address: &str) -> Option<String> {
    let address = address.trim();
    if address.is_empty()
        || address.chars().any(|c| c.is_control() || c.is_whitespace())
        || address.contains(['<', '>', ',', ';', '"'])
    {
        return None;
    }
    let (local, domain) = address.rsplit_once('@')?;
    (!local.is_empty() && domain_ok(domain)).then(|| address.to_string())
}

fn domain_ok(domain: &str) -> bool {
    !domain.is_empty()
        && domain.len() <= 253
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        && !domain.starts_with(['.', '-'])
        && !domain.ends_with(['.', '-'])
}

/// A Message-ID (without brackets) safe to put into a header.
pub fn message_id_ok(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 250
        && id.contains('@')
        && id
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '"' | '\\' | ','))
}

/// A new Message-ID of ours, without brackets: random and unguessable, in
/// the mailbox's domain.
pub fn new_message_id(mailbox_address: &str) -> String {
    let domain = mailbox_address
        .rsplit_once('@')
        .map(|(_, d)| d.trim().to_ascii_lowercase())
        .filter(|d| domain_ok(d))
        .unwrap_or_else(|| "zezaro.invalid".into());
    let token = crate::auth::tokens::random_token().replace(['-', '_'], "");
    let token: String = token.chars().take(24).collect();
    format!(
        "{}.{token}@{domain}",
        chrono::Utc::now().format("%Y%m%d%H%M%S")
    )
}

/// Waiting time before attempt `attempts + 1` after `attempts` failures:
/// 30 s, 1 min, 2 min … capped at an hour.
pub fn backoff_secs(attempts: i64) -> i64 {
    backoff_from(FIRST_RETRY_SECS, attempts)
}

/// The same doubling backoff from another first wait (the webhook sender's
/// 10 s), capped at an hour.
pub fn backoff_from(first_secs: i64, attempts: i64) -> i64 {
    let exponent = (attempts.max(1) - 1).min(20) as u32;
    (first_secs.saturating_mul(1i64 << exponent)).min(MAX_RETRY_SECS)
}

// ---- what the queue needs to know ------------------------------------------

/// The case, as the mail needs it.
struct CaseInfo {
    id: CaseId,
    project_id: ProjectId,
    client_id: ClientId,
    reference: String,
    subject: String,
    channel: Channel,
    contact_id: Option<ContactId>,
}

fn case_info(conn: &Connection, case_id: CaseId) -> Result<CaseInfo, OutboundError> {
    conn.prepare_cached(
        "SELECT c.id, c.project_id, p.client_id, p.key || '-' || c.number, c.subject, c.channel, c.contact_id
         FROM cases c JOIN projects p ON p.id = c.project_id WHERE c.id = ?1",
    )?
    .query_row([case_id], |row| {
        Ok(CaseInfo {
            id: row.get(0)?,
            project_id: row.get(1)?,
            client_id: row.get(2)?,
            reference: row.get(3)?,
            subject: row.get(4)?,
            channel: row.get(5)?,
            contact_id: row.get(6)?,
        })
    })
    .optional()?
    .ok_or(OutboundError::NotFound)
}

/// A mailbox's sending side.
struct Sender {
    id: i64,
    address: String,
    sender_name: String,
    signature: String,
    auto_ack_enabled: bool,
    auto_ack_subject: String,
    auto_ack_body: String,
}

/// The mailbox `id` if it belongs to a project of `client_id`: a case of
/// client A never sends through client B's mailbox.
fn sender_of_client(
    conn: &Connection,
    id: i64,
    client_id: ClientId,
) -> Result<Option<Sender>, OutboundError> {
    Ok(conn
        .prepare_cached(
            "SELECT m.id, m.address, m.sender_name, m.signature, m.auto_ack_enabled,
                    m.auto_ack_subject, m.auto_ack_body
             FROM mailboxes m JOIN projects p ON p.id = m.project_id
             WHERE m.id = ?1 AND p.client_id = ?2",
        )?
        .query_row(params![id, client_id], |row| {
            Ok(Sender {
                id: row.get(0)?,
                address: row.get(1)?,
                sender_name: row.get(2)?,
                signature: row.get(3)?,
                auto_ack_enabled: row.get(4)?,
                auto_ack_subject: row.get(5)?,
                auto_ack_body: row.get(6)?,
            })
        })
        .optional()?)
}

/// The mailbox a case's mail goes out through: the one its latest inbound
/// mail came in by, else the project's first mailbox.
fn sender_for_case(conn: &Connection, case: &CaseInfo) -> Result<Option<Sender>, OutboundError> {
    let inbound: Option<i64> = conn
        .prepare_cached(
            "SELECT mailbox_id FROM mail_message_ids
             WHERE case_id = ?1 AND direction = 'in' AND mailbox_id IS NOT NULL
             ORDER BY created_at DESC, rowid DESC LIMIT 1",
        )?
        .query_row([case.id], |row| row.get(0))
        .optional()?;
    if let Some(id) = inbound
        && let Some(sender) = sender_of_client(conn, id, case.client_id)?
    {
        return Ok(Some(sender));
    }
    let first: Option<i64> = conn
        .prepare_cached("SELECT id FROM mailboxes WHERE project_id = ?1 ORDER BY id LIMIT 1")?
        .query_row([case.project_id], |row| row.get(0))
        .optional()?;
    match first {
        Some(id) => sender_of_client(conn, id, case.client_id),
        None => Ok(None),
    }
}

/// Whom a mail about the case goes to: the sender of `message_id` (an
/// inbound mail), else of the case's latest inbound mail, else the contact's
/// first address. `None` when nothing fits a header.
fn recipient(
    conn: &Connection,
    case: &CaseInfo,
    message_id: Option<i64>,
) -> Result<Option<String>, OutboundError> {
    if let Some(message_id) = message_id {
        let from: Option<Option<String>> = conn
            .prepare_cached(
                "SELECT from_address FROM messages WHERE id = ?1 AND case_id = ?2 AND kind = 'inbound'",
            )?
            .query_row(params![message_id, case.id], |row| row.get(0))
            .optional()?;
        if let Some(address) = from.flatten().as_deref().and_then(clean_address) {
            return Ok(Some(address));
        }
    }
    let latest: Option<String> = conn
        .prepare_cached(
            "SELECT from_address FROM messages
             WHERE case_id = ?1 AND kind = 'inbound' AND from_address IS NOT NULL AND from_address <> ''
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row([case.id], |row| row.get(0))
        .optional()?;
    if let Some(address) = latest.as_deref().and_then(clean_address) {
        return Ok(Some(address));
    }
    let Some(contact_id) = case.contact_id else {
        return Ok(None);
    };
    let email: Option<String> = conn
        .prepare_cached(
            "SELECT email FROM contact_emails WHERE contact_id = ?1 ORDER BY position, email LIMIT 1",
        )?
        .query_row([contact_id], |row| row.get(0))
        .optional()?;
    Ok(email.as_deref().and_then(clean_address))
}

fn contact_name(conn: &Connection, case: &CaseInfo) -> Result<String, OutboundError> {
    let Some(contact_id) = case.contact_id else {
        return Ok(String::new());
    };
    Ok(conn
        .prepare_cached("SELECT name FROM contacts WHERE id = ?1")?
        .query_row([contact_id], |row| row.get::<_, String>(0))
        .optional()?
        .map(|n| one_line(&n))
        .unwrap_or_default())
}

/// In-Reply-To and References for a mail on the case: the Message-ID of
/// `answering` (an inbound message), else of the case's latest inbound
/// mail; References the case's known Message-IDs up to it, oldest first.
fn threading(
    conn: &Connection,
    case_id: CaseId,
    answering: Option<i64>,
) -> Result<(Option<String>, Vec<String>), OutboundError> {
    let mut in_reply_to: Option<String> = None;
    if let Some(message_id) = answering {
        in_reply_to = conn
            .prepare_cached(
                "SELECT message_id FROM mail_message_ids
                 WHERE case_id = ?1 AND thread_message_id = ?2 AND direction = 'in'
                 ORDER BY rowid DESC LIMIT 1",
            )?
            .query_row(params![case_id, message_id], |row| row.get(0))
            .optional()?;
    }
    if in_reply_to.is_none() {
        in_reply_to = conn
            .prepare_cached(
                "SELECT message_id FROM mail_message_ids WHERE case_id = ?1 AND direction = 'in'
                 ORDER BY created_at DESC, rowid DESC LIMIT 1",
            )?
            .query_row([case_id], |row| row.get(0))
            .optional()?;
    }
    let in_reply_to = in_reply_to.filter(|id| message_id_ok(id));
    let mut chain: Vec<String> = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT message_id FROM mail_message_ids WHERE case_id = ?1 ORDER BY created_at, rowid",
    )?;
    for id in stmt.query_map([case_id], |row| row.get::<_, String>(0))? {
        let id = id?;
        if message_id_ok(&id) && !chain.contains(&id) {
            chain.push(id);
        }
    }
    // The chain ends with the mail we answer; later ones are not its parents.
    if let Some(parent) = &in_reply_to
        && let Some(at) = chain.iter().position(|id| id == parent)
    {
        chain.truncate(at + 1);
    }
    // Long threads: the first and the last few, as mail clients do.
    if chain.len() > 20 {
        let tail = chain.split_off(chain.len() - 19);
        chain.truncate(1);
        chain.extend(tail);
    }
    Ok((in_reply_to, chain))
}

/// One mail to queue.
struct Queued<'a> {
    case: &'a CaseInfo,
    message_id: Option<i64>,
    sender: Option<&'a Sender>,
    kind: MailKind,
    to: Option<String>,
    subject: String,
    body_text: String,
    body_html: Option<String>,
    answering: Option<i64>,
    auto_submitted: bool,
}

/// Writes the outbox row (and our Message-ID) and returns the row's id.
fn queue(conn: &Connection, mail: Queued) -> Result<i64, OutboundError> {
    let at = now();
    let state = match (&mail.sender, &mail.to) {
        (None, _) => DeliveryState::NoMailbox,
        (Some(_), None) => DeliveryState::NoRecipient,
        (Some(_), Some(_)) => DeliveryState::Queued,
    };
    let (in_reply_to, references) = threading(conn, mail.case.id, mail.answering)?;
    let mail_message_id = mail
        .sender
        .filter(|_| state == DeliveryState::Queued)
        .map(|s| new_message_id(&s.address));
    conn.prepare_cached(
        "INSERT INTO mail_outbox (case_id, message_id, mailbox_id, kind, state, mail_message_id,
             from_address, from_name, to_address, subject, body_text, body_html, in_reply_to,
             references_ids, auto_submitted, attempts, next_attempt_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, 0, ?16, ?17, ?17)",
    )?
    .execute(params![
        mail.case.id,
        mail.message_id,
        mail.sender.map(|s| s.id),
        mail.kind.as_str(),
        state.as_str(),
        mail_message_id,
        mail.sender.map(|s| s.address.trim()).unwrap_or(""),
        mail.sender
            .map(|s| one_line(&s.sender_name))
            .unwrap_or_default(),
        mail.to.as_deref().unwrap_or(""),
        one_line(&mail.subject),
        mail.body_text,
        mail.body_html,
        in_reply_to,
        references.join(" "),
        mail.auto_submitted,
        (state == DeliveryState::Queued).then_some(&at),
        at,
    ])?;
    let outbox_id = conn.last_insert_rowid();
    if let Some(id) = &mail_message_id {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO mail_message_ids (message_id, case_id, thread_message_id, mailbox_id, direction, created_at)
             VALUES (?1, ?2, ?3, ?4, 'out', ?5)",
        )?
        .execute(params![id, mail.case.id, mail.message_id, mail.sender.map(|s| s.id), at])?;
    }
    if let Some(message_id) = mail.message_id {
        // The thread shows what went where.
        conn.prepare_cached(
            "UPDATE messages SET from_address = ?2, to_address = ?3, subject = ?4 WHERE id = ?1",
        )?
        .execute(params![
            message_id,
            mail.sender.map(|s| s.address.trim()),
            mail.to,
            one_line(&mail.subject)
        ])?;
    }
    Ok(outbox_id)
}

/// Adds an automatic outbound message to the thread (what the customer
/// got, for the agents to see).
fn automatic_message(conn: &Connection, case: &CaseInfo, body: &str) -> Result<i64, OutboundError> {
    Ok(crate::cases::store::insert_message(
        conn,
        &crate::cases::store::NewMessageRow {
            case_id: case.id,
            kind: MessageKind::Outbound,
            channel: case.channel,
            author_user_id: None,
            author_contact_id: None,
            body_text: body,
            mail: None,
        },
    )?)
}

// ---- the hooks ---------------------------------------------------------------

/// Queues the automatic acknowledgment of a new case that came in by mail
/// through `mailbox_id`, answering the inbound message `thread_message_id`
/// (record its Message-ID in `mail_message_ids` first, so the answer threads).
/// Does nothing when the mailbox has acknowledgments off, belongs to another
/// client, or the sender is the mailbox itself. The ingestion calls it only
/// for normal mail (not auto-submitted, not bulk). Sent with
/// `Auto-Submitted: auto-replied`.
pub fn enqueue_auto_ack(
    tx: &rusqlite::Transaction,
    mailbox_id: i64,
    case_id: CaseId,
    thread_message_id: i64,
) -> Result<(), OutboundError> {
    let conn: &Connection = tx;
    let case = case_info(conn, case_id)?;
    let Some(sender) = sender_of_client(conn, mailbox_id, case.client_id)? else {
        return Ok(());
    };
    if !sender.auto_ack_enabled {
        return Ok(());
    }
    let Some(to) = recipient(conn, &case, Some(thread_message_id))? else {
        return Ok(());
    };
    // Never answer ourselves: that is how mail loops start.
    if to.eq_ignore_ascii_case(sender.address.trim()) {
        return Ok(());
    }
    let name = contact_name(conn, &case)?;
    let subject_line = one_line(&case.subject);
    let subject = if sender.auto_ack_subject.trim().is_empty() {
        reply_subject(&case.subject, &case.reference)
    } else {
        with_reference(
            &one_line(&fill_placeholders(
                &sender.auto_ack_subject,
                &case.reference,
                &subject_line,
                &name,
            )),
            &case.reference,
        )
    };
    let template = if sender.auto_ack_body.trim().is_empty() {
        "Thank you for your message. We have received your request and will answer as soon as possible.\n\nYour reference: {case_number}"
    } else {
        sender.auto_ack_body.as_str()
    };
    let body = with_signature(
        &fill_placeholders(template, &case.reference, &subject_line, &name),
        &sender.signature,
    );
    let message_id = automatic_message(conn, &case, &body)?;
    queue(
        conn,
        Queued {
            case: &case,
            message_id: Some(message_id),
            sender: Some(&sender),
            kind: MailKind::AutoAck,
            to: Some(to),
            subject,
            body_text: body,
            body_html: None,
            answering: Some(thread_message_id),
            auto_submitted: true,
        },
    )?;
    Ok(())
}

/// Queues the mail of an agent's outbound message on a case answered by
/// e-mail (channel `email`, or `webform`, whose sender gave an address).
/// Other channels (a call's notes) send nothing. The mail is the message's
/// text (and HTML) with the mailbox's signature and the message's
/// attachments. Returns the outbox row, if one was written.
pub fn enqueue_reply(
    conn: &Connection,
    case_id: CaseId,
    message_id: i64,
) -> Result<Option<i64>, OutboundError> {
    let case = case_info(conn, case_id)?;
    // The message's channel, not the case's: a phone case's written reply
    // goes out by e-mail (`Channel::reply_channel`).
    let (kind, channel, body_text, body_html): (String, String, String, Option<String>) = conn
        .prepare_cached(
            "SELECT kind, channel, body_text, body_html FROM messages WHERE id = ?1 AND case_id = ?2",
        )?
        .query_row(params![message_id, case_id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .optional()?
        .ok_or(OutboundError::NotFound)?;
    if kind != MessageKind::Outbound.as_str() || !CHANNELS.iter().any(|c| c.as_str() == channel) {
        return Ok(None);
    }
    let sender = sender_for_case(conn, &case)?;
    let to = recipient(conn, &case, None)?;
    let signature = sender.as_ref().map(|s| s.signature.as_str()).unwrap_or("");
    let body_html = body_html.map(|html| html_with_signature(&html, signature));
    let id = queue(
        conn,
        Queued {
            subject: reply_subject(&case.subject, &case.reference),
            case: &case,
            message_id: Some(message_id),
            sender: sender.as_ref(),
            kind: MailKind::Reply,
            to,
            body_text: with_signature(&body_text, signature),
            body_html,
            answering: None,
            auto_submitted: false,
        },
    )?;
    Ok(Some(id))
}

/// Queues the mail of a rule's automatic reply (`reply-with-text-module`),
/// outbound message `message_id` of the case: as [`enqueue_reply`] (the
/// case's mailbox, the customer's address, the threading headers), but
/// sent with `Auto-Submitted: auto-replied` (RFC 3834), so that other
/// systems' autoresponders do not answer it.
pub fn enqueue_rule_reply(
    conn: &Connection,
    case_id: CaseId,
    message_id: i64,
) -> Result<Option<i64>, OutboundError> {
    let id = enqueue_reply(conn, case_id, message_id)?;
    if let Some(id) = id {
        conn.prepare_cached("UPDATE mail_outbox SET auto_submitted = 1 WHERE id = ?1")?
            .execute([id])?;
    }
    Ok(id)
}

/// The mailbox mail about the case goes out through (id, address, sender
/// name): the one its latest inbound mail came in by, else the project's
/// first; `None` when the project has none.
pub fn mailbox_for_case(
    conn: &Connection,
    case_id: CaseId,
) -> Result<Option<(i64, String, String)>, OutboundError> {
    let case = case_info(conn, case_id)?;
    Ok(sender_for_case(conn, &case)?.map(|s| (s.id, s.address, s.sender_name)))
}

fn html_with_signature(html: &str, signature: &str) -> String {
    let signature = signature.trim_end();
    if signature.is_empty() {
        return html.to_string();
    }
    let escaped = signature
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\n', "<br>\n");
    format!("{html}\n<p>-- <br>\n{escaped}</p>")
}

/// Queues the confirmation of a web-form submission to its sender, when the
/// project has a mailbox (its first) and the form asks for it. Sent with
/// `Auto-Submitted: auto-replied`. It carries the case number and the
/// project's fixed confirmation text only: nothing the sender typed (name,
/// subject, message), so that the form cannot be used to send mail with
/// attacker-chosen text to any address from the client's real mailbox.
pub fn enqueue_webform_confirmation(
    conn: &Connection,
    case_id: CaseId,
    email: &str,
    confirmation: &str,
) -> Result<(), OutboundError> {
    let case = case_info(conn, case_id)?;
    let Some(sender) = sender_for_case(conn, &case)? else {
        return Ok(());
    };
    let Some(to) = clean_address(email) else {
        return Ok(());
    };
    if to.eq_ignore_ascii_case(sender.address.trim()) {
        return Ok(());
    }
    let mut body = format!(
        "Guten Tag,\n\nvielen Dank für Ihre Nachricht. Wir haben Ihre Anfrage erhalten und antworten so bald wie möglich.\n\nIhre Vorgangsnummer: {reference}\n\n\
         Hello,\n\nthank you for your message. We have received your request and will answer as soon as possible.\n\nYour reference: {reference}\n",
        reference = case.reference,
    );
    if !confirmation.trim().is_empty() {
        body = format!("{body}\n{}\n", confirmation.trim());
    }
    let body = with_signature(&body, &sender.signature);
    let message_id = automatic_message(conn, &case, &body)?;
    queue(
        conn,
        Queued {
            subject: with_reference(
                "Ihre Anfrage ist eingegangen / We received your request",
                &case.reference,
            ),
            case: &case,
            message_id: Some(message_id),
            sender: Some(&sender),
            kind: MailKind::WebformConfirmation,
            to: Some(to),
            body_text: body,
            body_html: None,
            answering: None,
            auto_submitted: true,
        },
    )?;
    Ok(())
}

/// The channels whose outbound messages leave by mail (a web form's sender
/// gave an address).
pub const CHANNELS: &[Channel] = &[Channel::Email, Channel::Webform];

/// The mail channel's consumer of the cases' outbox: every outbound message
/// of an e-mail or web-form case waiting there becomes its mail (the
/// `mail_outbox` delivery the sender sends), in the caller's transaction.
/// Answers how many were taken.
pub fn take_outbox(conn: &Connection) -> Result<usize, OutboundError> {
    let taken = crate::cases::outbox::take(conn, CHANNELS)?;
    for queued in &taken {
        enqueue_reply(conn, queued.case_id, queued.message_id)?;
    }
    Ok(taken.len())
}

// ---- the case screen -----------------------------------------------------------

const DELIVERY_COLUMNS: &str =
    "id, case_id, message_id, kind, state, to_address, from_address, subject,
    attempts, next_attempt_at, last_error, sent_at, created_at, updated_at";

fn delivery_row(row: &rusqlite::Row) -> rusqlite::Result<Delivery> {
    Ok(Delivery {
        id: row.get(0)?,
        case_id: row.get(1)?,
        message_id: row.get(2)?,
        kind: row.get(3)?,
        state: row.get(4)?,
        to_address: row.get(5)?,
        from_address: row.get(6)?,
        subject: row.get(7)?,
        attempts: row.get(8)?,
        next_attempt_at: row.get(9)?,
        last_error: row.get(10)?,
        error_code: row
            .get::<_, Option<String>>(10)?
            .map(|e| super::smtp::failure_code(&e).to_string()),
        sent_at: row.get(11)?,
        created_at: row.get(12)?,
        updated_at: row.get(13)?,
    })
}

/// The deliveries of a case the caller may see (404 otherwise).
pub fn deliveries(
    conn: &Connection,
    who: &Principal,
    case_id: CaseId,
) -> Result<Vec<Delivery>, OutboundError> {
    crate::cases::service::visible_case(conn, who, case_id)?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM mail_outbox WHERE case_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([case_id], delivery_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

pub fn delivery(conn: &Connection, id: i64) -> Result<Option<Delivery>, OutboundError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM mail_outbox WHERE id = ?1"
        ))?
        .query_row([id], delivery_row)
        .optional()?)
}

/// "Retry now": a failed or retrying delivery of a case the caller may
/// reply on is due at once (a failed one with a fresh set of attempts); a
/// reply that found no mailbox or address is planned again (a new delivery)
/// once there is one.
pub fn retry(
    conn: &Connection,
    who: &Principal,
    case_id: CaseId,
    delivery_id: i64,
) -> Result<Delivery, OutboundError> {
    let case = crate::cases::service::visible_case(conn, who, case_id)?;
    let found = delivery(conn, delivery_id)?
        .filter(|d| d.case_id == case_id)
        .ok_or(OutboundError::NotFound)?;
    let delivery_id = match found.state {
        DeliveryState::Failed | DeliveryState::Retrying => {
            conn.prepare_cached(
                "UPDATE mail_outbox SET state = 'queued', next_attempt_at = ?2, updated_at = ?2,
                     attempts = CASE state WHEN 'failed' THEN 0 ELSE attempts END
                 WHERE id = ?1",
            )?
            .execute(params![delivery_id, now()])?;
            delivery_id
        }
        // A reply written before the project had a mailbox (or the contact
        // an address): planned afresh, if it can go out now.
        DeliveryState::NoMailbox | DeliveryState::NoRecipient if found.kind == MailKind::Reply => {
            let info = case_info(conn, case_id)?;
            let message_id = found.message_id.ok_or(OutboundError::NotFound)?;
            if sender_for_case(conn, &info)?.is_none() || recipient(conn, &info, None)?.is_none() {
                return Err(OutboundError::NotRetryable(found.state));
            }
            conn.prepare_cached("DELETE FROM mail_outbox WHERE id = ?1")?
                .execute([delivery_id])?;
            enqueue_reply(conn, case_id, message_id)?
                .ok_or(OutboundError::NotRetryable(found.state))?
        }
        _ => return Err(OutboundError::NotRetryable(found.state)),
    };
    let client_id = crate::cases::service::client_of(conn, case.project_id)?;
    crate::audit::record(
        conn,
        &crate::audit::Actor::from(who),
        "mail.retry",
        "mail_outbox",
        Some(delivery_id),
        Some(client_id),
        json!({ "case_id": case_id, "state_before": found.state, "attempts": found.attempts }),
    )?;
    delivery(conn, delivery_id)?.ok_or(OutboundError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_carry_the_case_number_once() {
        assert_eq!(
            reply_subject("Stromzähler defekt", "ACME-1042"),
            "Re: Stromzähler defekt [ACME-1042]"
        );
        assert_eq!(
            reply_subject("Re: Stromzähler [ACME-1042]", "ACME-1042"),
            "Re: Stromzähler [ACME-1042]"
        );
        assert_eq!(
            reply_subject("AW: Frage [ACME-7]", "ACME-7"),
            "AW: Frage [ACME-7]"
        );
        // Another case's number is not ours.
        assert_eq!(
            reply_subject("Frage [ACME-7]", "ACME-8"),
            "Re: Frage [ACME-7] [ACME-8]"
        );
    }

    #[test]
    fn no_line_break_reaches_a_header() {
        assert_eq!(
            reply_subject("Hi\r\nBcc: victim@example.org", "X-1"),
            "Re: Hi Bcc: victim@example.org [X-1]"
        );
        assert_eq!(one_line("a\tb\n\nc\u{0}d"), "a b c d");
        assert_eq!(
            clean_address("kunde@example.org"),
            Some("kunde@example.org".into())
        );
        assert_eq!(clean_address("kunde@example.org\r\nBcc: x@y.z"), None);
        assert_eq!(clean_address("a@b.c, d@e.f"), None);
        assert_eq!(clean_address("Name <a@b.c>"), None);
        assert_eq!(clean_address("no-at-sign"), None);
        assert_eq!(clean_address("a@-bad.org"), None);
        assert!(message_id_ok("abc.123@mail.example"));
        assert!(!message_id_ok("abc@x>\r\nBcc: y"));
        assert!(!message_id_ok("no-domain"));
    }

    #[test]
    fn message_ids_are_ours_and_unique() {
        let a = new_message_id("Service <not-an-address");
        assert!(a.ends_with("@zezaro.invalid"), "{a}");
        let b = new_message_id("service@Acme-Energie.example");
        let c = new_message_id("service@acme-energie.example");
        assert!(b.ends_with("@acme-energie.example"), "{b}");
        assert!(message_id_ok(&b) && message_id_ok(&c));
        assert_ne!(b, c);
    }

    #[test]
    fn placeholders_and_signature() {
        assert_eq!(
            fill_placeholders(
                "{name}: {case_number} – {subject} {other}",
                "A-1",
                "Zähler",
                "Eva"
            ),
            "Eva: A-1 – Zähler {other}"
        );
        assert_eq!(with_signature("Hallo\n\n", ""), "Hallo\n\n");
        assert_eq!(
            with_signature("Hallo\n", "Ihr Team\nACME"),
            "Hallo\n\n-- \nIhr Team\nACME\n"
        );
        assert_eq!(
            html_with_signature("<p>Hi</p>", "A & <B>"),
            "<p>Hi</p>\n<p>-- <br>\nA &amp; &lt;B&gt;</p>"
        );
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let waits: Vec<i64> = (1..=9).map(backoff_secs).collect();
        assert_eq!(waits, vec![30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff_secs(0), 30);
        assert_eq!(backoff_secs(1000), 3600);
    }

    #[test]
    fn delivery_names_read_loudly_and_serialize_as_before() {
        let conn = Connection::open_in_memory().unwrap();
        let read =
            |text: &str| conn.query_row("SELECT ?1", [text], |r| r.get::<_, DeliveryState>(0));
        assert_eq!(read("no-mailbox").unwrap(), DeliveryState::NoMailbox);
        assert!(
            read("lost").is_err(),
            "an unknown state is an error, not a default"
        );
        let kind: MailKind = conn
            .query_row("SELECT 'webform-confirmation'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kind, MailKind::WebformConfirmation);
        for state in [
            DeliveryState::Queued,
            DeliveryState::Retrying,
            DeliveryState::Sent,
            DeliveryState::Failed,
            DeliveryState::NoMailbox,
            DeliveryState::NoRecipient,
        ] {
            assert_eq!(
                serde_json::to_value(state).unwrap(),
                serde_json::json!(state.as_str())
            );
            assert_eq!(DeliveryState::parse(state.as_str()), Some(state));
        }
        for kind in [
            MailKind::Reply,
            MailKind::AutoAck,
            MailKind::WebformConfirmation,
        ] {
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.as_str())
            );
            assert_eq!(MailKind::parse(kind.as_str()), Some(kind));
        }
        for how in [
            crate::mail::model::ThreadedBy::New,
            crate::mail::model::ThreadedBy::References,
            crate::mail::model::ThreadedBy::Subject,
            crate::mail::model::ThreadedBy::Bounce,
            crate::mail::model::ThreadedBy::MessageId,
        ] {
            assert_eq!(
                serde_json::to_value(how).unwrap(),
                serde_json::json!(how.as_str())
            );
            assert_eq!(
                crate::mail::model::ThreadedBy::parse(how.as_str()),
                Some(how)
            );
        }
    }
}
