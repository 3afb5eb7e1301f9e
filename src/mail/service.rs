//! The rules of mailboxes: who may manage them (platform admins and the
//! client's admins), what a valid mailbox is, passwords sealed and never
//! answered, audit entries in the same transaction.

use crate::ids::{CaseId, ProjectId};
use rusqlite::Connection;
use serde_json::json;

use super::error::MailError;
use super::fetcher::{parse_schedule, security_allowed};
use super::model::{
    AfterFetch, AutoAck, ImapSettings, InboundMail, InboundQuery, Mailbox, MailboxCheck,
    MailboxFields, MailboxPatch, NewMailbox, Security,
};
use super::secrets::Sealer;
use super::smtp::SmtpSettings;
use super::store;
use crate::audit::{self, Actor};
use crate::auth::Principal;
use crate::auth::policy::{self, ProjectRef};
use crate::db::StoreError;
use crate::net::HostPolicy;
use crate::validation::{self, Invalid, optional_text, required_text};

pub const IMAP_CONTEXT: &str = "mailbox-imap";
pub const SMTP_CONTEXT: &str = "mailbox-smtp";
const DEFAULT_SCHEDULE: &str = "0 * * * * *";

/// The project, after checking the caller may manage its mailboxes: a
/// project they cannot see is 404, one they see but may not manage 403.
fn managed_project(
    conn: &Connection,
    who: &Principal,
    project_id: ProjectId,
) -> Result<ProjectRef, MailError> {
    let project = crate::projects::store::get(conn, project_id)?.ok_or(MailError::NotFound)?;
    let project = project.as_ref();
    policy::view_project(who, project).map_err(|_| MailError::NotFound)?;
    policy::manage_projects_of(who, project.client_id)?;
    Ok(project)
}

/// A mailbox the caller may manage.
pub fn get(conn: &Connection, who: &Principal, id: i64) -> Result<Mailbox, MailError> {
    let mailbox = store::get(conn, id)?.ok_or(MailError::NotFound)?;
    managed_project(conn, who, mailbox.project_id)?;
    Ok(mailbox)
}

pub fn list(
    conn: &Connection,
    who: &Principal,
    project_id: ProjectId,
) -> Result<Vec<Mailbox>, MailError> {
    managed_project(conn, who, project_id)?;
    Ok(store::list_for_project(conn, project_id)?)
}

pub(crate) fn port(value: Option<u16>, default: u16, field: &'static str) -> Result<u16, Invalid> {
    match value.unwrap_or(default) {
        0 => Err(Invalid::new(field, "must be between 1 and 65535")),
        p => Ok(p),
    }
}

pub(crate) fn host(field: &'static str, value: &str) -> Result<String, Invalid> {
    let value = required_text(field, value, 253)?;
    if value
        .chars()
        .any(|c| c.is_whitespace() || c == '/' || c == '@')
    {
        return Err(Invalid::new(field, "is not a valid host name"));
    }
    Ok(value)
}

pub(crate) fn password(field: &'static str, value: &str) -> Result<String, Invalid> {
    if value.is_empty() {
        return Err(Invalid::new(field, "must not be empty"));
    }
    if value.chars().count() > 1000 || value.chars().any(|c| c == '\r' || c == '\n') {
        return Err(Invalid::new(field, "is not a usable password"));
    }
    Ok(value.to_string())
}

fn folder(field: &'static str, value: &str) -> Result<String, Invalid> {
    let value = required_text(field, value, 200)?;
    if value.contains('"') || value.contains('\\') {
        return Err(Invalid::new(
            field,
            "must not contain quotes or backslashes",
        ));
    }
    Ok(value)
}

/// The acknowledgment's texts: a one-line subject, a bounded text.
fn auto_ack(a: AutoAck) -> Result<AutoAck, Invalid> {
    let subject = a.subject.trim().to_string();
    if subject.chars().count() > 200 || subject.chars().any(char::is_control) {
        return Err(Invalid::new(
            "auto_ack.subject",
            "must be one line of at most 200 characters",
        ));
    }
    if a.body.chars().count() > 10_000 {
        return Err(Invalid::new(
            "auto_ack.body",
            "must be at most 10,000 characters",
        ));
    }
    Ok(AutoAck {
        enabled: a.enabled,
        subject,
        body: a.body.trim_end().to_string(),
    })
}

/// The checks across fields.
fn check(f: &MailboxFields, hosts: &HostPolicy) -> Result<(), Invalid> {
    const PLAIN: &str = "plain connections go only to hosts the platform admin allowed \
        (mail_allowed_hosts); use tls or starttls";
    if !security_allowed(hosts, f.imap_security, &f.imap_host) {
        return Err(Invalid::new("imap_security", PLAIN));
    }
    if !security_allowed(hosts, f.smtp_security, &f.smtp_host) {
        return Err(Invalid::new("smtp_security", PLAIN));
    }
    if f.after_fetch == AfterFetch::Move && f.move_to_folder.is_none() {
        return Err(Invalid::new(
            "move_to_folder",
            "name the folder that taken messages are moved to",
        ));
    }
    if parse_schedule(&f.fetch_schedule).is_none() {
        return Err(Invalid::new(
            "fetch_schedule",
            "must be a cron expression in UTC, e.g. \"0 * * * * *\" (every minute; seconds first) or \"*/5 * * * *\"",
        ));
    }
    Ok(())
}

fn default_port(security: Security, imap: bool) -> u16 {
    match (imap, security) {
        (true, Security::Tls) => 993,
        (true, _) => 143,
        (false, Security::Tls) => 465,
        (false, Security::Starttls) => 587,
        (false, Security::Plain) => 25,
    }
}

fn optional_folder(value: Option<&str>) -> Result<Option<String>, Invalid> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => folder("move_to_folder", v).map(Some),
    }
}

pub fn create(
    conn: &Connection,
    who: &Principal,
    sealer: &Sealer,
    hosts: &HostPolicy,
    project_id: ProjectId,
    input: NewMailbox,
) -> Result<Mailbox, MailError> {
    let project = managed_project(conn, who, project_id)?;
    let smtp_password = match input.smtp_password.as_deref() {
        None | Some("") => None,
        Some(p) => Some(sealer.seal(SMTP_CONTEXT, &password("smtp_password", p)?)?),
    };
    let fields = MailboxFields {
        name: required_text("name", &input.name, 100)?,
        address: validation::email("address", &input.address)?,
        sender_name: optional_text(
            "sender_name",
            input.sender_name.as_deref().unwrap_or(""),
            200,
            false,
        )?,
        signature: optional_text(
            "signature",
            input.signature.as_deref().unwrap_or(""),
            10_000,
            true,
        )?,
        imap_host: host("imap_host", &input.imap_host)?,
        imap_port: port(
            input.imap_port,
            default_port(input.imap_security, true),
            "imap_port",
        )?,
        imap_security: input.imap_security,
        imap_tls_verify: input.imap_tls_verify.unwrap_or(true),
        imap_username: required_text("imap_username", &input.imap_username, 200)?,
        imap_password_sealed: sealer.seal(
            IMAP_CONTEXT,
            &password("imap_password", &input.imap_password)?,
        )?,
        imap_folder: folder(
            "imap_folder",
            input.imap_folder.as_deref().unwrap_or("INBOX"),
        )?,
        after_fetch: input.after_fetch.unwrap_or(AfterFetch::Seen),
        move_to_folder: optional_folder(input.move_to_folder.as_deref())?,
        smtp_host: host("smtp_host", &input.smtp_host)?,
        smtp_port: port(
            input.smtp_port,
            default_port(input.smtp_security, false),
            "smtp_port",
        )?,
        smtp_security: input.smtp_security,
        smtp_tls_verify: input.smtp_tls_verify.unwrap_or(true),
        smtp_username: optional_text(
            "smtp_username",
            input.smtp_username.as_deref().unwrap_or(""),
            200,
            false,
        )?,
        smtp_password_sealed: smtp_password,
        fetch_schedule: input
            .fetch_schedule
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or(DEFAULT_SCHEDULE)
            .to_string(),
        paused: input.paused,
        auto_ack: auto_ack(input.auto_ack.unwrap_or_default())?,
    };
    check(&fields, hosts)?;
    let id = store::insert(conn, project.id, &fields).map_err(taken)?;
    audit::record(
        conn,
        &Actor::from(who),
        "mailbox.create",
        "mailbox",
        Some(id),
        Some(project.client_id),
        json!({ "project_id": project.id, "address": fields.address }),
    )?;
    store::get(conn, id)?.ok_or(MailError::NotFound)
}

fn taken(err: StoreError) -> MailError {
    match err {
        StoreError::Conflict(_) => MailError::AddressTaken,
        other => other.into(),
    }
}

pub fn update(
    conn: &Connection,
    who: &Principal,
    sealer: &Sealer,
    hosts: &HostPolicy,
    id: i64,
    patch: MailboxPatch,
) -> Result<Mailbox, MailError> {
    let before = get(conn, who, id)?;
    let (imap_sealed, smtp_sealed) =
        store::sealed_passwords(conn, id)?.ok_or(MailError::NotFound)?;
    let imap_security = patch.imap_security.unwrap_or(before.imap_security);
    let smtp_security = patch.smtp_security.unwrap_or(before.smtp_security);
    let mut changed: Vec<&str> = Vec::new();
    let fields = MailboxFields {
        name: match &patch.name {
            Some(v) => required_text("name", v, 100)?,
            None => before.name.clone(),
        },
        address: match &patch.address {
            Some(v) => validation::email("address", v)?,
            None => before.address.clone(),
        },
        sender_name: match &patch.sender_name {
            Some(v) => optional_text("sender_name", v, 200, false)?,
            None => before.sender_name.clone(),
        },
        signature: match &patch.signature {
            Some(v) => optional_text("signature", v, 10_000, true)?,
            None => before.signature.clone(),
        },
        imap_host: match &patch.imap_host {
            Some(v) => host("imap_host", v)?,
            None => before.imap_host.clone(),
        },
        imap_port: match patch.imap_port {
            Some(p) => port(Some(p), 0, "imap_port")?,
            None if patch.imap_security.is_some()
                && patch.imap_security != Some(before.imap_security) =>
            {
                default_port(imap_security, true)
            }
            None => before.imap_port,
        },
        imap_security,
        imap_tls_verify: patch.imap_tls_verify.unwrap_or(before.imap_tls_verify),
        imap_username: match &patch.imap_username {
            Some(v) => required_text("imap_username", v, 200)?,
            None => before.imap_username.clone(),
        },
        imap_password_sealed: match &patch.imap_password {
            Some(p) => {
                changed.push("imap_password");
                sealer.seal(IMAP_CONTEXT, &password("imap_password", p)?)?
            }
            None => imap_sealed,
        },
        imap_folder: match &patch.imap_folder {
            Some(v) => folder("imap_folder", v)?,
            None => before.imap_folder.clone(),
        },
        after_fetch: patch.after_fetch.unwrap_or(before.after_fetch),
        move_to_folder: match &patch.move_to_folder {
            Some(v) => optional_folder(Some(v))?,
            None => before.move_to_folder.clone(),
        },
        smtp_host: match &patch.smtp_host {
            Some(v) => host("smtp_host", v)?,
            None => before.smtp_host.clone(),
        },
        smtp_port: match patch.smtp_port {
            Some(p) => port(Some(p), 0, "smtp_port")?,
            None if patch.smtp_security.is_some()
                && patch.smtp_security != Some(before.smtp_security) =>
            {
                default_port(smtp_security, false)
            }
            None => before.smtp_port,
        },
        smtp_security,
        smtp_tls_verify: patch.smtp_tls_verify.unwrap_or(before.smtp_tls_verify),
        smtp_username: match &patch.smtp_username {
            Some(v) => optional_text("smtp_username", v, 200, false)?,
            None => before.smtp_username.clone(),
        },
        smtp_password_sealed: match patch.smtp_password.as_deref() {
            Some("") => {
                changed.push("smtp_password");
                None
            }
            Some(p) => {
                changed.push("smtp_password");
                Some(sealer.seal(SMTP_CONTEXT, &password("smtp_password", p)?)?)
            }
            None => smtp_sealed,
        },
        fetch_schedule: match &patch.fetch_schedule {
            Some(v) => v.trim().to_string(),
            None => before.fetch_schedule.clone(),
        },
        paused: patch.paused.unwrap_or(before.paused),
        auto_ack: match &patch.auto_ack {
            Some(a) => auto_ack(a.clone())?,
            None => before.auto_ack.clone(),
        },
    };
    check(&fields, hosts)?;
    store::update(conn, id, &fields).map_err(taken)?;
    // Field names only (no values: no secrets, no personal data).
    let mut fields_named: Vec<&str> = [
        ("name", patch.name.is_some()),
        ("address", patch.address.is_some()),
        ("sender_name", patch.sender_name.is_some()),
        ("signature", patch.signature.is_some()),
        ("imap_host", patch.imap_host.is_some()),
        ("imap_port", patch.imap_port.is_some()),
        ("imap_security", patch.imap_security.is_some()),
        ("imap_tls_verify", patch.imap_tls_verify.is_some()),
        ("imap_username", patch.imap_username.is_some()),
        ("imap_folder", patch.imap_folder.is_some()),
        ("after_fetch", patch.after_fetch.is_some()),
        ("move_to_folder", patch.move_to_folder.is_some()),
        ("smtp_host", patch.smtp_host.is_some()),
        ("smtp_port", patch.smtp_port.is_some()),
        ("smtp_security", patch.smtp_security.is_some()),
        ("smtp_tls_verify", patch.smtp_tls_verify.is_some()),
        ("smtp_username", patch.smtp_username.is_some()),
        ("fetch_schedule", patch.fetch_schedule.is_some()),
        ("paused", patch.paused.is_some()),
        ("auto_ack", patch.auto_ack.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, given)| given.then_some(name))
    .collect();
    fields_named.extend(changed);
    audit::record(
        conn,
        &Actor::from(who),
        "mailbox.update",
        "mailbox",
        Some(id),
        Some(before.client_id),
        json!({ "fields": fields_named }),
    )?;
    store::get(conn, id)?.ok_or(MailError::NotFound)
}

pub fn set_paused(
    conn: &Connection,
    who: &Principal,
    sealer: &Sealer,
    hosts: &HostPolicy,
    id: i64,
    paused: bool,
) -> Result<Mailbox, MailError> {
    update(
        conn,
        who,
        sealer,
        hosts,
        id,
        MailboxPatch {
            paused: Some(paused),
            ..MailboxPatch::default()
        },
    )
}

/// Deletes the mailbox; its cases, records and raw messages stay.
pub fn delete(conn: &Connection, who: &Principal, id: i64) -> Result<(), MailError> {
    let mailbox = get(conn, who, id)?;
    store::delete(conn, id)?;
    audit::record(
        conn,
        &Actor::from(who),
        "mailbox.delete",
        "mailbox",
        Some(id),
        Some(mailbox.client_id),
        json!({ "project_id": mailbox.project_id }),
    )?;
    Ok(())
}

/// The settings to connect with (for "check connection").
/// The settings of a connection test in project `project_id` (issue 17),
/// checked as a mailbox's are; a password left empty is the stored one of
/// `mailbox_id` (a mailbox of that project the caller manages).
pub fn check_settings(
    conn: &Connection,
    who: &Principal,
    sealer: &Sealer,
    project_id: ProjectId,
    input: MailboxCheck,
) -> Result<(ImapSettings, SmtpSettings), MailError> {
    managed_project(conn, who, project_id)?;
    let stored = match input.mailbox_id {
        Some(id) => {
            let mailbox = get(conn, who, id)?;
            if mailbox.project_id != project_id {
                return Err(MailError::NotFound);
            }
            store::sealed_passwords(conn, id)?
        }
        None => None,
    };
    let imap_password = if input.imap_password.is_empty() {
        match &stored {
            Some((sealed, _)) => sealer.open(IMAP_CONTEXT, sealed)?,
            None => password("imap_password", "")?,
        }
    } else {
        password("imap_password", &input.imap_password)?
    };
    let smtp_password = match input.smtp_password.as_deref() {
        Some(p) if !p.is_empty() => Some(password("smtp_password", p)?),
        _ => match stored.as_ref().and_then(|(_, smtp)| smtp.as_ref()) {
            Some(sealed) if !sealed.is_empty() => Some(sealer.open(SMTP_CONTEXT, sealed)?),
            _ => None,
        },
    };
    let imap = ImapSettings {
        mailbox_id: input.mailbox_id.unwrap_or(0),
        host: host("imap_host", &input.imap_host)?,
        port: port(
            input.imap_port,
            default_port(input.imap_security, true),
            "imap_port",
        )?,
        security: input.imap_security,
        tls_verify: input.imap_tls_verify.unwrap_or(true),
        username: required_text("imap_username", &input.imap_username, 200)?,
        password: imap_password,
        folder: folder(
            "imap_folder",
            input.imap_folder.as_deref().unwrap_or("INBOX"),
        )?,
        after_fetch: AfterFetch::Seen,
        move_to_folder: None,
    };
    let smtp = SmtpSettings {
        host: host("smtp_host", &input.smtp_host)?,
        port: port(
            input.smtp_port,
            default_port(input.smtp_security, false),
            "smtp_port",
        )?,
        // The sender's own spelling of the same choice.
        security: super::smtp::Security::parse(input.smtp_security.as_str())
            .ok_or_else(|| Invalid::new("smtp_security", "must be tls, starttls or plain"))?,
        tls_verify: input.smtp_tls_verify.unwrap_or(true),
        username: optional_text(
            "smtp_username",
            input.smtp_username.as_deref().unwrap_or(""),
            200,
            false,
        )?,
        password: smtp_password,
    };
    Ok((imap, smtp))
}

pub fn imap_settings(
    conn: &Connection,
    who: &Principal,
    sealer: &Sealer,
    id: i64,
) -> Result<ImapSettings, MailError> {
    let m = get(conn, who, id)?;
    let (sealed, _) = store::sealed_passwords(conn, id)?.ok_or(MailError::NotFound)?;
    Ok(super::fetcher::settings_of(
        m,
        sealer.open(IMAP_CONTEXT, &sealed)?,
    ))
}

/// Messages taken from a mailbox, newest first (flagged ones only with
/// `flagged`).
pub fn inbound(
    conn: &Connection,
    who: &Principal,
    id: i64,
    query: &InboundQuery,
) -> Result<Vec<InboundMail>, MailError> {
    get(conn, who, id)?;
    let limit = query.limit.unwrap_or(100).clamp(1, 500);
    Ok(store::inbound_of_mailbox(
        conn,
        id,
        query.flagged,
        query.before_id,
        limit,
    )?)
}

/// The e-mail records of a case's messages (for the case screen).
pub fn case_mail(
    conn: &Connection,
    who: &Principal,
    case_id: CaseId,
) -> Result<Vec<InboundMail>, MailError> {
    crate::cases::service::visible_case(conn, who, case_id)?;
    Ok(store::inbound_of_case(conn, case_id)?)
}

/// The raw message of a case message: (sha256, file name).
/// Where the raw e-mail of a thread message is, and its download name.
pub fn raw_message(
    conn: &Connection,
    blobs: &crate::blobs::BlobStore,
    who: &Principal,
    case_id: CaseId,
    message_id: i64,
) -> Result<(crate::blobs::Location, String), MailError> {
    crate::cases::service::visible_case(conn, who, case_id).map_err(|e| match e {
        crate::cases::CaseError::NotFound => MailError::MessageNotFound,
        other => other.into(),
    })?;
    let (sha256, _subject) =
        store::raw_of_message(conn, case_id, message_id)?.ok_or(MailError::MessageNotFound)?;
    let location =
        crate::blobs::store::locate(conn, blobs, &sha256)?.ok_or(MailError::MessageNotFound)?;
    Ok((location, format!("message-{message_id}.eml")))
}
