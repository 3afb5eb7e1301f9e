//! Mailboxes and inbound mail records: types and API shapes. Passwords are
//! write-only: no type that is serialised carries one.

use crate::ids::{CaseId, ClientId, ProjectId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How a connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// TLS from the first byte (IMAPS, port 993).
    Tls,
    /// Plain connection upgraded with STARTTLS (port 143).
    Starttls,
    /// No encryption: allowed only to a loopback address.
    Plain,
}

impl Security {
    pub fn as_str(self) -> &'static str {
        match self {
            Security::Tls => "tls",
            Security::Starttls => "starttls",
            Security::Plain => "plain",
        }
    }
    pub fn parse(s: &str) -> Option<Security> {
        match s {
            "tls" => Some(Security::Tls),
            "starttls" => Some(Security::Starttls),
            "plain" => Some(Security::Plain),
            _ => None,
        }
    }
}

/// What happens on the IMAP server after a message's case is committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AfterFetch {
    /// Mark it seen (only unseen messages are taken).
    Seen,
    /// Move it to `move_to_folder`.
    Move,
    /// Delete it (expunge).
    Delete,
}

impl AfterFetch {
    pub fn as_str(self) -> &'static str {
        match self {
            AfterFetch::Seen => "seen",
            AfterFetch::Move => "move",
            AfterFetch::Delete => "delete",
        }
    }
    pub fn parse(s: &str) -> Option<AfterFetch> {
        match s {
            "seen" => Some(AfterFetch::Seen),
            "move" => Some(AfterFetch::Move),
            "delete" => Some(AfterFetch::Delete),
            _ => None,
        }
    }
}

/// A mailbox as the API shows it (never with a password).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Mailbox {
    pub id: i64,
    pub project_id: ProjectId,
    pub client_id: ClientId,
    pub name: String,
    pub address: String,
    pub sender_name: String,
    pub signature: String,
    pub imap_host: String,
    #[schema(minimum = 1, maximum = 65535)]
    pub imap_port: u16,
    pub imap_security: Security,
    /// Whether the server's certificate is checked (TLS and STARTTLS).
    pub imap_tls_verify: bool,
    pub imap_username: String,
    pub imap_folder: String,
    pub after_fetch: AfterFetch,
    pub move_to_folder: Option<String>,
    pub smtp_host: String,
    #[schema(minimum = 1, maximum = 65535)]
    pub smtp_port: u16,
    pub smtp_security: Security,
    /// Whether the SMTP server's certificate is checked (TLS and STARTTLS).
    pub smtp_tls_verify: bool,
    pub smtp_username: String,
    /// Whether an SMTP password is stored (the password itself never leaves).
    pub smtp_password_set: bool,
    /// Six-field cron expression (seconds first).
    pub fetch_schedule: String,
    pub paused: bool,
    /// The automatic acknowledgment of new cases by mail.
    pub auto_ack: AutoAck,
    pub fetcher: FetcherState,
    pub created_at: String,
    pub updated_at: String,
}

/// The fetcher's state, for admins.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct FetcherState {
    pub last_run_at: Option<String>,
    pub last_success_at: Option<String>,
    /// Messages taken in so far.
    pub messages_taken: i64,
    pub last_error: Option<String>,
    /// Messages flagged for an admin (malformed, oversized parts, …).
    pub flagged: i64,
    /// Whether a fetch loop runs for the mailbox in this server.
    pub running: bool,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMailbox {
    #[schema(max_length = 100)]
    pub name: String,
    pub address: String,
    #[schema(max_length = 200)]
    pub sender_name: Option<String>,
    #[schema(max_length = 10000)]
    pub signature: Option<String>,
    pub imap_host: String,
    #[schema(minimum = 1, maximum = 65535)]
    pub imap_port: Option<u16>,
    pub imap_security: Security,
    pub imap_tls_verify: Option<bool>,
    #[schema(max_length = 200)]
    pub imap_username: String,
    pub imap_password: String,
    pub imap_folder: Option<String>,
    pub after_fetch: Option<AfterFetch>,
    pub move_to_folder: Option<String>,
    pub smtp_host: String,
    #[schema(minimum = 1, maximum = 65535)]
    pub smtp_port: Option<u16>,
    pub smtp_security: Security,
    pub smtp_tls_verify: Option<bool>,
    #[schema(max_length = 200)]
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    pub fetch_schedule: Option<String>,
    #[serde(default)]
    pub paused: bool,
    pub auto_ack: Option<AutoAck>,
}

/// Absent fields stay; a password given replaces the stored one.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailboxPatch {
    #[schema(max_length = 100)]
    pub name: Option<String>,
    pub address: Option<String>,
    #[schema(max_length = 200)]
    pub sender_name: Option<String>,
    #[schema(max_length = 10000)]
    pub signature: Option<String>,
    pub imap_host: Option<String>,
    #[schema(minimum = 1, maximum = 65535)]
    pub imap_port: Option<u16>,
    pub imap_security: Option<Security>,
    pub imap_tls_verify: Option<bool>,
    #[schema(max_length = 200)]
    pub imap_username: Option<String>,
    pub imap_password: Option<String>,
    pub imap_folder: Option<String>,
    pub after_fetch: Option<AfterFetch>,
    /// `""` clears it.
    pub move_to_folder: Option<String>,
    pub smtp_host: Option<String>,
    #[schema(minimum = 1, maximum = 65535)]
    pub smtp_port: Option<u16>,
    pub smtp_security: Option<Security>,
    pub smtp_tls_verify: Option<bool>,
    #[schema(max_length = 200)]
    pub smtp_username: Option<String>,
    /// `""` removes the stored SMTP password.
    pub smtp_password: Option<String>,
    pub fetch_schedule: Option<String>,
    pub paused: Option<bool>,
    pub auto_ack: Option<AutoAck>,
}

/// The automatic acknowledgment a client admin writes for a mailbox: sent
/// to the sender of each new case by mail, never to auto-submitted or bulk
/// mail. Placeholders: `{case_number}`, `{subject}`, `{name}`. An empty
/// subject means `Re: <subject> [ACME-1042]`; an empty text a short
/// standard one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoAck {
    pub enabled: bool,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub body: String,
}

/// Checked settings of a mailbox, as stored (passwords sealed).
#[derive(Debug, Clone)]
pub struct MailboxFields {
    pub name: String,
    pub address: String,
    pub sender_name: String,
    pub signature: String,
    pub imap_host: String,
    pub imap_port: u16,
    pub imap_security: Security,
    pub imap_tls_verify: bool,
    pub imap_username: String,
    pub imap_password_sealed: Vec<u8>,
    pub imap_folder: String,
    pub after_fetch: AfterFetch,
    pub move_to_folder: Option<String>,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_security: Security,
    pub smtp_tls_verify: bool,
    pub smtp_username: String,
    pub smtp_password_sealed: Option<Vec<u8>>,
    pub fetch_schedule: String,
    pub paused: bool,
    pub auto_ack: AutoAck,
}

/// What the fetcher needs to connect: the settings with the opened password.
#[derive(Clone)]
pub struct ImapSettings {
    pub mailbox_id: i64,
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub tls_verify: bool,
    pub username: String,
    pub password: String,
    pub folder: String,
    pub after_fetch: AfterFetch,
    pub move_to_folder: Option<String>,
}

impl std::fmt::Debug for ImapSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapSettings")
            .field("mailbox_id", &self.mailbox_id)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("folder", &self.folder)
            .finish_non_exhaustive()
    }
}

/// Settings to try before saving ("Verbindung testen", issue 17): the
/// receiving and the sending side of a mailbox form.
#[derive(Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailboxCheck {
    /// The mailbox being edited: its stored passwords stand in for the
    /// ones left empty.
    pub mailbox_id: Option<i64>,
    pub imap_host: String,
    #[schema(minimum = 1, maximum = 65535)]
    pub imap_port: Option<u16>,
    pub imap_security: Security,
    pub imap_tls_verify: Option<bool>,
    pub imap_username: String,
    #[serde(default)]
    pub imap_password: String,
    pub imap_folder: Option<String>,
    pub smtp_host: String,
    #[schema(minimum = 1, maximum = 65535)]
    pub smtp_port: Option<u16>,
    pub smtp_security: Security,
    pub smtp_tls_verify: Option<bool>,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
}

/// Both sides of a connection test.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConnectionCheck {
    /// Receiving: reasons as `CheckResult`'s.
    pub imap: CheckResult,
    /// Sending: `reason` is a delivery's `error_code` (`smtp-refused`,
    /// `smtp-timeout`, `smtp-tls`, `smtp-connection`, `host-unknown`,
    /// `host-not-allowed`, …).
    pub smtp: CheckResult,
}

/// The answer of "check connection".
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckResult {
    pub ok: bool,
    /// `dns`, `refused`, `timeout`, `tls`, `login`, `folder`, `protocol`,
    /// `host-not-allowed`, `plain-not-allowed`, or `null` when all went well.
    pub reason: Option<String>,
    /// A sentence for the admin.
    pub detail: String,
    /// Messages in the folder, when it could be opened.
    pub messages: Option<u32>,
}

/// Why an inbound message is flagged, as a stable code (the UI names it in
/// the reader's language; the record's `problem` has the detail).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MailFlag {
    /// A charset the message names is unknown (or cannot be decoded): its
    /// text is shown as far as readable; the raw message is kept.
    UnknownCharset,
    /// No blank line between header and body: the text was recovered.
    NoHeaderSeparator,
    /// A multipart whose boundary is missing, cut or wrong.
    BrokenMultipart,
    /// Another message with this Message-ID was taken before.
    MessageIdReused,
    /// The sender's address is one of the platform's own users.
    SenderIsUser,
}

impl MailFlag {
    pub const ALL: [MailFlag; 5] = [
        MailFlag::UnknownCharset,
        MailFlag::NoHeaderSeparator,
        MailFlag::BrokenMultipart,
        MailFlag::MessageIdReused,
        MailFlag::SenderIsUser,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MailFlag::UnknownCharset => "unknown-charset",
            MailFlag::NoHeaderSeparator => "no-header-separator",
            MailFlag::BrokenMultipart => "broken-multipart",
            MailFlag::MessageIdReused => "message-id-reused",
            MailFlag::SenderIsUser => "sender-is-user",
        }
    }

    pub fn parse(s: &str) -> Option<MailFlag> {
        MailFlag::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// The column's form: codes separated by spaces.
    pub fn join(flags: &[MailFlag]) -> String {
        flags
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Reads the column; `None` on a code this build does not know.
    pub fn split(column: &str) -> Option<Vec<MailFlag>> {
        column.split_whitespace().map(MailFlag::parse).collect()
    }
}

/// One message taken from a mailbox.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InboundMail {
    pub id: i64,
    pub mailbox_id: Option<i64>,
    pub message_id: Option<String>,
    pub from_address: Option<String>,
    pub subject: Option<String>,
    pub case_id: Option<CaseId>,
    pub thread_message_id: Option<i64>,
    /// `new`, `references`, `subject`, `bounce` or `message-id` (a reused
    /// Message-ID, threaded as it says).
    #[schema(value_type = String)]
    pub threaded_by: ThreadedBy,
    pub auto_reply: bool,
    pub bulk: bool,
    pub bounce: bool,
    pub flagged: bool,
    /// Why it is flagged, as stable codes (empty for the older records
    /// whose `problem` alone says it).
    pub flags: Vec<MailFlag>,
    pub problem: Option<String>,
    pub raw_size: i64,
    /// Download address of the raw message (`message/rfc822`), when it
    /// belongs to a case message.
    pub raw_url: Option<String>,
    pub received_at: String,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InboundQuery {
    /// Only flagged messages.
    #[serde(default)]
    pub flagged: bool,
    /// 1–500, default 100.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    pub before_id: Option<i64>,
}

/// How an inbound message found its case (`mail_inbound.threaded_by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThreadedBy {
    New,
    References,
    Subject,
    Bounce,
    MessageId,
}

impl ThreadedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            ThreadedBy::New => "new",
            ThreadedBy::References => "references",
            ThreadedBy::Subject => "subject",
            ThreadedBy::Bounce => "bounce",
            ThreadedBy::MessageId => "message-id",
        }
    }

    pub fn parse(s: &str) -> Option<ThreadedBy> {
        match s {
            "new" => Some(ThreadedBy::New),
            "references" => Some(ThreadedBy::References),
            "subject" => Some(ThreadedBy::Subject),
            "bounce" => Some(ThreadedBy::Bounce),
            "message-id" => Some(ThreadedBy::MessageId),
            _ => None,
        }
    }
}

crate::db::text_enum!(Security, AfterFetch, ThreadedBy);
