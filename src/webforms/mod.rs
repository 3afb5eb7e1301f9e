//! Web forms (Webformulare): one public, embeddable contact form per
//! project. The project's managers set it up; anybody may send it, and
//! each accepted submission becomes a case (channel `webform`) with the
//! sender found or created as a contact. Spam protection lives in `guard`.

pub mod guard;
pub mod handlers;
pub mod public;
pub mod store;

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

pub use guard::FormGuard;
pub use handlers::configure;
use store::FormRow;

pub const MAX_TITLE: usize = 200;
pub const MAX_INTRO: usize = 4000;
pub const MAX_CONFIRMATION: usize = 2000;

/// A project's web form settings.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebForm {
    pub project_id: i64,
    /// The unguessable id in the public address; `null` until first saved.
    pub public_id: Option<String>,
    /// `/f/{public_id}`, relative to the server's address.
    pub public_path: Option<String>,
    pub enabled: bool,
    /// Heading of the form; the project's name when empty.
    pub title: String,
    /// Text above the fields (plain text; line breaks kept).
    pub intro: String,
    /// Shown to the sender after sending, with the case reference.
    pub confirmation: String,
    /// Topic of the cases the form creates.
    pub topic_id: Option<i64>,
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
}

impl WebForm {
    fn from_row(project_id: i64, row: Option<FormRow>) -> WebForm {
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
pub fn get(conn: &Connection, who: &Principal, project_id: i64) -> Result<WebForm, ProjectError> {
    crate::projects::service::get(conn, who, project_id)?;
    Ok(WebForm::from_row(project_id, store::get(conn, project_id)?))
}

pub fn put(
    conn: &Connection,
    who: &Principal,
    project_id: i64,
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
        },
    )?;
    audit::record(
        conn,
        &Actor::from(who),
        "webform.update",
        "web_form",
        Some(project_id),
        Some(project.client_id),
        json!({ "enabled": input.enabled, "topic_id": input.topic_id, "created": created }),
    )?;
    get(conn, who, project_id)
}

/// A new public id: the old address stops working (e.g. after spam).
pub fn rotate(
    conn: &Connection,
    who: &Principal,
    project_id: i64,
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
            },
        )?,
    }
    audit::record(
        conn,
        &Actor::from(who),
        "webform.rotate",
        "web_form",
        Some(project_id),
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
    pub project_id: i64,
    pub project_key: String,
    /// The form's title, or the project's name.
    pub title: String,
    pub intro: String,
    pub confirmation: String,
    pub topic_id: Option<i64>,
}

pub fn public_form(conn: &Connection, public_id: &str) -> Result<Option<PublicForm>, CaseError> {
    let Some(row) = store::by_public_id(conn, public_id)?.filter(|r| r.enabled) else {
        return Ok(None);
    };
    let Some(project) = crate::projects::store::get(conn, row.project_id)?.filter(|p| p.active)
    else {
        return Ok(None);
    };
    Ok(Some(PublicForm {
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

/// Creates the case of an accepted submission. `None` when the form is
/// gone or disabled meanwhile.
pub fn submit(
    conn: &Connection,
    who: &Principal,
    public_id: &str,
    sub: Submission,
) -> Result<Option<(Case, i64, PublicForm)>, CaseError> {
    let Some(form) = public_form(conn, public_id)? else {
        return Ok(None);
    };
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
    // The sender's confirmation by mail, if the project has a mailbox.
    crate::mail::outbound::enqueue_webform_confirmation(conn, case.id, &email, &form.confirmation)?;
    let case = crate::cases::store::get(conn, case.id)?.ok_or(CaseError::NotFound)?;
    let client_id = crate::cases::service::client_of(conn, case.project_id)?;
    Ok(Some((case, client_id, form)))
}

/// A plausible reference for an answer to spam, so that bots cannot tell
/// they were caught; nothing is created.
pub fn decoy_reference(conn: &Connection, form: &PublicForm) -> Result<String, CaseError> {
    let number = store::peek_case_number(conn, form.project_id)?;
    Ok(format!("{}-{number}", form.project_key))
}
