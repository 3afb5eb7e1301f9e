//! Web forms (Webformulare): one public, embeddable contact form per
//! project. The project's managers set it up; anybody may send it, and
//! each accepted submission becomes a case (channel `webform`) with the
//! sender found or created as a contact. Spam protection lives in `guard`:
//! render tokens are single-use, an optional proof-of-work, rate limits;
//! past the form's hourly limit submissions are held for review (listed,
//! released into cases or discarded by the project's people) rather than
//! refused. The sender's confirmation mail is sent only when the project
//! asks for it, and echoes nothing the sender typed.

pub mod branding;
mod error;
pub mod guard;
pub mod handlers;
pub mod public;
pub mod store;

use crate::ids::{ClientId, ProjectId};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::{SecureRandom, SystemRandom};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::audit::{self, Actor};
use crate::auth::{Principal, policy};
use crate::cases::{Case, CaseError, Channel, FirstMessage, InlineContact, MessageKind, NewCase};
use crate::projects::ProjectError;
use crate::validation::{Invalid, optional_text};

pub use error::WebFormError;
pub use guard::FormGuard;
pub use handlers::configure;
use store::{FormRow, HeldRow};

pub const MAX_TITLE: usize = 200;
pub const MAX_INTRO: usize = 4000;
pub const MAX_CONFIRMATION: usize = 2000;
/// Highest proof-of-work difficulty (leading zero bits): 2^24 hashes take a
/// phone about a minute.
pub const MAX_POW_BITS: u8 = 24;
/// Held submissions kept per project at most; past that a flood is dropped
/// (logged), so that it cannot grow the store without end.
pub const MAX_HELD: i64 = 1000;

/// A project's web form settings.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebForm {
    pub project_id: ProjectId,
    /// The unguessable id in the public address; `null` until first saved.
    pub public_id: Option<String>,
    /// `/f/{public_id}`, relative to the server's address.
    pub public_path: Option<String>,
    pub enabled: bool,
    /// Heading of the form; the project's name when empty.
    pub title: String,
    /// Text above the fields (plain text; line breaks kept).
    pub intro: String,
    /// Shown to the sender after sending, with the case reference; also the
    /// project's fixed text in the confirmation mail.
    pub confirmation: String,
    /// Topic of the cases the form creates.
    pub topic_id: Option<i64>,
    /// Mail the sender a confirmation (the case number and `confirmation`
    /// only, nothing they typed), from the project's mailbox. Off for new
    /// forms.
    pub send_confirmation: bool,
    /// Proof-of-work asked of the sender's browser (leading zero bits of
    /// SHA-256, 0–24; 0 = off). Needs JavaScript; about 2^n hashes.
    pub pow_bits: u8,
    /// Plain text under the fields (line breaks kept); '' = none.
    pub privacy_notice: String,
    /// `#rrggbb` for the heading rule and the send button; '' = default.
    pub accent_color: String,
    /// The client's logo above the form: a PNG, JPEG, WebP or GIF data
    /// URL of at most 150 KB; '' = none.
    pub logo: String,
    /// Submissions held for review because the form was over its hourly
    /// limit (see `GET …/webform/held`).
    pub held: i64,
    pub updated_at: Option<String>,
    /// Submissions caught as spam (honeypot, too fast, forged token) since
    /// the server started; nothing was created for them.
    pub spam_caught: u64,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebFormInput {
    pub enabled: bool,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub intro: String,
    #[serde(default)]
    pub confirmation: String,
    #[serde(default)]
    pub topic_id: Option<i64>,
    #[serde(default)]
    pub send_confirmation: bool,
    /// 0–24.
    #[serde(default)]
    #[schema(maximum = 24)]
    pub pow_bits: u8,
    #[serde(default)]
    pub privacy_notice: String,
    #[serde(default)]
    pub accent_color: String,
    #[serde(default)]
    pub logo: String,
}

/// A submission held for review.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HeldSubmission {
    pub id: i64,
    pub project_id: ProjectId,
    pub name: String,
    pub email: String,
    pub subject: String,
    pub message: String,
    pub received_at: String,
}

impl From<HeldRow> for HeldSubmission {
    fn from(r: HeldRow) -> Self {
        HeldSubmission {
            id: r.id,
            project_id: r.project_id,
            name: r.name,
            email: r.email,
            subject: r.subject,
            message: r.message,
            received_at: r.received_at,
        }
    }
}

impl WebForm {
    fn from_row(project_id: ProjectId, row: Option<FormRow>, held: i64) -> WebForm {
        match row {
            Some(r) => WebForm {
                project_id,
                public_path: Some(format!("/f/{}", r.public_id)),
                public_id: Some(r.public_id),
                enabled: r.enabled,
                title: r.title,
                intro: r.intro,
                confirmation: r.confirmation,
                topic_id: r.topic_id,
                send_confirmation: r.send_confirmation,
                pow_bits: r.pow_bits,
                privacy_notice: r.privacy_notice,
                accent_color: r.accent_color,
                logo: r.logo,
                held,
                updated_at: Some(r.updated_at),
                spam_caught: 0,
            },
            None => WebForm {
                project_id,
                public_id: None,
                public_path: None,
                enabled: false,
                title: String::new(),
                intro: String::new(),
                confirmation: String::new(),
                topic_id: None,
                send_confirmation: false,
                pow_bits: 0,
                privacy_notice: String::new(),
                accent_color: String::new(),
                logo: String::new(),
                held,
                updated_at: None,
                spam_caught: 0,
            },
        }
    }
}

/// 16 random bytes, base64url: 22 characters nobody can guess.
pub fn new_public_id() -> String {
    let mut bytes = [0u8; 16];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("system random source");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Project members see the settings; the project's managers change them.
pub fn get(
    conn: &Connection,
    who: &Principal,
    project_id: ProjectId,
) -> Result<WebForm, ProjectError> {
    crate::projects::service::get(conn, who, project_id)?;
    let held = store::held_count(conn, project_id)?;
    Ok(WebForm::from_row(
        project_id,
        store::get(conn, project_id)?,
        held,
    ))
}

pub fn put(
    conn: &Connection,
    who: &Principal,
    project_id: ProjectId,
    input: WebFormInput,
) -> Result<WebForm, ProjectError> {
    let project = crate::projects::service::get(conn, who, project_id)?;
    policy::manage_projects_of(who, project.client_id)?;
    let title = optional_text("title", &input.title, MAX_TITLE, false)?;
    let intro = optional_text("intro", &input.intro, MAX_INTRO, true)?;
    let confirmation = optional_text("confirmation", &input.confirmation, MAX_CONFIRMATION, true)?;
    if let Some(topic_id) = input.topic_id {
        let topic = crate::topics::store::get(conn, topic_id)?;
        if topic.is_none_or(|t| t.project_id != project_id) {
            return Err(Invalid::new("topic_id", "no such topic in this project").into());
        }
    }
    if input.pow_bits > MAX_POW_BITS {
        return Err(Invalid::new("pow_bits", "must be between 0 and 24").into());
    }
    let privacy_notice = optional_text(
        "privacy_notice",
        &input.privacy_notice,
        branding::MAX_PRIVACY,
        true,
    )?;
    let accent_color = branding::accent_color(&input.accent_color)?;
    let logo = branding::logo(&input.logo)?;
    let existing = store::get(conn, project_id)?;
    let created = existing.is_none();
    let public_id = existing.map(|r| r.public_id).unwrap_or_else(new_public_id);
    store::upsert(
        conn,
        &FormRow {
            project_id,
            public_id,
            enabled: input.enabled,
            title,
            intro,
            confirmation,
            topic_id: input.topic_id,
            updated_at: String::new(),
            send_confirmation: input.send_confirmation,
            pow_bits: input.pow_bits,
            privacy_notice,
            accent_color: accent_color.clone(),
            logo,
        },
    )?;
    audit::record(
        conn,
        &Actor::from(who),
        "webform.update",
        "web_form",
        Some(project_id.get()),
        Some(project.client_id),
        json!({ "enabled": input.enabled, "topic_id": input.topic_id, "created": created,
                "send_confirmation": input.send_confirmation, "pow_bits": input.pow_bits,
                "accent_color": accent_color }),
    )?;
    get(conn, who, project_id)
}

/// A new public id: the old address stops working (e.g. after spam).
pub fn rotate(
    conn: &Connection,
    who: &Principal,
    project_id: ProjectId,
) -> Result<WebForm, ProjectError> {
    let project = crate::projects::service::get(conn, who, project_id)?;
    policy::manage_projects_of(who, project.client_id)?;
    let public_id = new_public_id();
    match store::get(conn, project_id)? {
        Some(_) => store::set_public_id(conn, project_id, &public_id)?,
        None => store::upsert(
            conn,
            &FormRow {
                project_id,
                public_id: public_id.clone(),
                enabled: false,
                title: String::new(),
                intro: String::new(),
                confirmation: String::new(),
                topic_id: None,
                updated_at: String::new(),
                send_confirmation: false,
                pow_bits: 0,
                privacy_notice: String::new(),
                accent_color: String::new(),
                logo: String::new(),
            },
        )?,
    }
    audit::record(
        conn,
        &Actor::from(who),
        "webform.rotate",
        "web_form",
        Some(project_id.get()),
        Some(project.client_id),
        json!({}),
    )?;
    get(conn, who, project_id)
}

// ---- the public side -------------------------------------------------------

/// An enabled form of an active project, as the public sees it.
#[derive(Debug, Clone)]
pub struct PublicForm {
    pub public_id: String,
    pub project_id: ProjectId,
    pub project_key: String,
    /// The form's title, or the project's name.
    pub title: String,
    pub intro: String,
    pub confirmation: String,
    pub topic_id: Option<i64>,
    pub send_confirmation: bool,
    pub pow_bits: u8,
    pub privacy_notice: String,
    /// `#rrggbb` or ''.
    pub accent_color: String,
    /// A data URL or ''.
    pub logo: String,
    /// The project's help center (`/help/{key}`), linked from the page when
    /// the project has one (docs/knowledge.md).
    pub help_center: Option<String>,
}

pub fn public_form(conn: &Connection, public_id: &str) -> Result<Option<PublicForm>, CaseError> {
    let Some(row) = store::by_public_id(conn, public_id)?.filter(|r| r.enabled) else {
        return Ok(None);
    };
    let Some(project) = crate::projects::store::get(conn, row.project_id)?.filter(|p| p.active)
    else {
        return Ok(None);
    };
    let help_center = crate::knowledge::help::key_of_project(conn, project.id)
        .map_err(|err| CaseError::Store(crate::db::StoreError::Task(err.to_string())))?;
    Ok(Some(PublicForm {
        help_center,
        public_id: row.public_id,
        project_id: project.id,
        project_key: project.key,
        title: if row.title.is_empty() {
            project.name
        } else {
            row.title
        },
        intro: row.intro,
        confirmation: row.confirmation,
        topic_id: row.topic_id,
        send_confirmation: row.send_confirmation,
        pow_bits: row.pow_bits,
        privacy_notice: row.privacy_notice,
        accent_color: row.accent_color,
        logo: row.logo,
    }))
}

/// What the sender filled in, already checked (see `public::check`).
#[derive(Debug, Clone)]
pub struct Submission {
    pub name: String,
    pub email: String,
    pub subject: String,
    pub message: String,
}

/// Who creates the cases of web forms: the system, not a user. The audit
/// log names it `webform`, with the sender's address.
pub fn system_principal(ip: Option<String>) -> Principal {
    Principal {
        email: "webform".into(),
        name: "Web form".into(),
        ip,
        ..Principal::operator()
    }
}

/// What became of a submission that passed the checks.
pub enum Filed {
    /// A case (with its client's id).
    Case(Box<Case>, ClientId, PublicForm),
    /// Held for review: the form is over its hourly limit.
    Held(PublicForm),
    /// The token was used already: the form must be fetched again.
    TokenUsed(PublicForm),
    /// The form is gone or disabled meanwhile.
    Gone,
}

/// Files an accepted submission: uses up its token (in the same
/// transaction, so a token makes one case or held entry at most), then
/// creates the case, or holds the submission when `hold` is set.
pub fn submit(
    conn: &Connection,
    who: &Principal,
    public_id: &str,
    sub: Submission,
    token: &str,
    hold: bool,
) -> Result<Filed, CaseError> {
    let Some(form) = public_form(conn, public_id)? else {
        return Ok(Filed::Gone);
    };
    let Some((token_id, until)) = FormGuard::token_id(token) else {
        return Ok(Filed::TokenUsed(form));
    };
    if !store::use_token(conn, &token_id, &until)? {
        return Ok(Filed::TokenUsed(form));
    }
    if hold {
        if store::held_count(conn, form.project_id)? >= MAX_HELD {
            tracing::warn!(
                project = form.project_id.get(),
                "web form: {MAX_HELD} submissions held already; this one is dropped"
            );
            return Ok(Filed::Held(form));
        }
        store::hold(
            conn,
            &HeldRow {
                id: 0,
                project_id: form.project_id,
                name: sub.name,
                email: sub.email,
                subject: sub.subject,
                message: sub.message,
                ip: who.ip.clone(),
                received_at: String::new(),
            },
        )?;
        return Ok(Filed::Held(form));
    }
    let (case, client_id) = create_case(conn, who, &form, sub)?;
    Ok(Filed::Case(Box::new(case), client_id, form))
}

/// The case of a submission, and the sender's confirmation mail when the
/// form asks for it (with the project's mailbox).
fn create_case(
    conn: &Connection,
    who: &Principal,
    form: &PublicForm,
    sub: Submission,
) -> Result<(Case, ClientId), CaseError> {
    // A topic that was deactivated meanwhile is not assigned.
    let topic_id = match form.topic_id {
        Some(id) => crate::topics::store::get(conn, id)?
            .filter(|t| t.active && t.project_id == form.project_id)
            .map(|t| t.id),
        None => None,
    };
    let email = sub.email.clone();
    let case = crate::cases::service::create_incoming(
        conn,
        who,
        NewCase {
            project_id: form.project_id,
            subject: sub.subject,
            channel: Channel::Webform,
            topic_id,
            priority: None,
            handling_team: None,
            assignee_id: None,
            contact_id: None,
            contact: Some(InlineContact {
                name: sub.name,
                email: Some(sub.email),
                phone: None,
            }),
            tags: Vec::new(),
            due_at: None,
            custom: None,
            message: Some(FirstMessage {
                kind: MessageKind::Inbound,
                body_text: sub.message,
                mail: None,
            }),
        },
    )?;
    if form.send_confirmation {
        crate::mail::outbound::enqueue_webform_confirmation(
            conn,
            case.id,
            &email,
            &form.confirmation,
        )?;
    }
    let case = crate::cases::store::get(conn, case.id)?.ok_or(CaseError::NotFound)?;
    let client_id = crate::cases::service::client_of(conn, case.project_id)?;
    Ok((case, client_id))
}

// ---- held submissions ------------------------------------------------------

/// The project's held submissions, for the people who work in it.
pub fn held(
    conn: &Connection,
    who: &Principal,
    project_id: ProjectId,
) -> Result<Vec<HeldSubmission>, WebFormError> {
    let project = crate::projects::service::get(conn, who, project_id)?;
    policy::review_held_submissions(who, project.as_ref())?;
    Ok(store::held(conn, project_id, 500)?
        .into_iter()
        .map(HeldSubmission::from)
        .collect())
}

/// Files a held submission as a case (as the web form, like any
/// submission; the audit log names who released it). The confirmation
/// mail goes out now, when the form asks for it.
pub fn release(
    conn: &Connection,
    who: &Principal,
    project_id: ProjectId,
    held_id: i64,
) -> Result<(Case, ClientId), WebFormError> {
    let project = crate::projects::service::get(conn, who, project_id)?;
    policy::review_held_submissions(who, project.as_ref())?;
    let row = store::held_one(conn, project_id, held_id)?.ok_or(WebFormError::HeldNotFound)?;
    let row_form = store::get(conn, project_id)?;
    let form = PublicForm {
        public_id: row_form
            .as_ref()
            .map(|f| f.public_id.clone())
            .unwrap_or_default(),
        project_id,
        project_key: project.key.clone(),
        title: project.name.clone(),
        intro: String::new(),
        confirmation: row_form
            .as_ref()
            .map(|f| f.confirmation.clone())
            .unwrap_or_default(),
        topic_id: row_form.as_ref().and_then(|f| f.topic_id),
        send_confirmation: row_form.as_ref().is_some_and(|f| f.send_confirmation),
        pow_bits: 0,
        privacy_notice: String::new(),
        accent_color: String::new(),
        logo: String::new(),
        help_center: None,
    };
    let system = system_principal(row.ip.clone());
    let (case, client_id) = create_case(
        conn,
        &system,
        &form,
        Submission {
            name: row.name,
            email: row.email,
            subject: row.subject,
            message: row.message,
        },
    )?;
    store::unhold(conn, held_id)?;
    audit::record(
        conn,
        &Actor::from(who),
        "webform.release",
        "web_form",
        Some(project_id.get()),
        Some(project.client_id),
        json!({ "held_id": held_id, "case_id": case.id }),
    )?;
    Ok((case, client_id))
}

/// Drops a held submission.
pub fn discard(
    conn: &Connection,
    who: &Principal,
    project_id: ProjectId,
    held_id: i64,
) -> Result<(), WebFormError> {
    let project = crate::projects::service::get(conn, who, project_id)?;
    policy::review_held_submissions(who, project.as_ref())?;
    store::held_one(conn, project_id, held_id)?.ok_or(WebFormError::HeldNotFound)?;
    store::unhold(conn, held_id)?;
    audit::record(
        conn,
        &Actor::from(who),
        "webform.discard",
        "web_form",
        Some(project_id.get()),
        Some(project.client_id),
        json!({ "held_id": held_id }),
    )?;
    Ok(())
}

/// A plausible reference for an answer to spam, so that bots cannot tell
/// they were caught; nothing is created.
pub fn decoy_reference(conn: &Connection, form: &PublicForm) -> Result<String, CaseError> {
    let number = store::peek_case_number(conn, form.project_id)?;
    Ok(format!("{}-{number}", form.project_key))
}
