//! Logging a phone call as a case: the caller looked up (or recorded) as a
//! contact, the conversation as the first message, and wait, talk and
//! after-work time as time records.

use crate::ids::{ContactId, ProjectId};
use rusqlite::Connection;
use serde::Deserialize;
use utoipa::ToSchema;

use super::error::CaseError;
use super::model::{
    Case, Channel, FirstMessage, InlineContact, MessageKind, NewCase, NewTimeEntry, TimeKind,
};
use super::service;
use crate::auth::Principal;
use crate::contacts;
use crate::validation::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CallDirection {
    Inbound,
    Outbound,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCall {
    pub project_id: ProjectId,
    pub direction: CallDirection,
    /// The caller's (or called) number as typed.
    pub phone: String,
    /// The contact, when known; otherwise looked up by `phone`.
    pub contact_id: Option<ContactId>,
    /// Creates a contact with this name and number when none matches.
    pub contact_name: Option<String>,
    pub subject: String,
    pub topic_id: Option<i64>,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub wait_seconds: i64,
    #[serde(default)]
    pub talk_seconds: i64,
    #[serde(default)]
    pub after_work_seconds: i64,
}

pub fn log_call(conn: &Connection, who: &Principal, input: NewCall) -> Result<Case, CaseError> {
    let project = crate::projects::store::get(conn, input.project_id)?
        .ok_or(Invalid::new("project_id", "no such project"))?;
    let phone = input.phone.trim();
    if contacts::phone_digits(phone).len() < 3 {
        return Err(Invalid::new("phone", "has too few digits").into());
    }
    let contact_id = match input.contact_id {
        Some(id) => Some(id),
        None => service::resolve_contact(
            conn,
            who,
            project.client_id,
            &InlineContact {
                name: input.contact_name.clone().unwrap_or_default(),
                email: None,
                phone: Some(phone.to_string()),
            },
        )?,
    };
    let direction = match input.direction {
        CallDirection::Inbound => "Inbound call",
        CallDirection::Outbound => "Outbound call",
    };
    let notes = input.notes.trim();
    let body = if notes.is_empty() {
        format!("{direction} {phone}")
    } else {
        format!("{direction} {phone}\n\n{notes}")
    };
    let case = service::create_incoming(
        conn,
        who,
        NewCase {
            project_id: input.project_id,
            subject: input.subject,
            channel: Channel::Call,
            topic_id: input.topic_id,
            priority: None,
            handling_team: None,
            assignee_id: None,
            contact_id,
            contact: None,
            tags: vec![],
            due_at: None,
            custom: None,
            message: Some(FirstMessage {
                kind: MessageKind::Note,
                body_text: body,
                mail: None,
            }),
        },
    )?;
    for (kind, seconds) in [
        (TimeKind::CallWait, input.wait_seconds),
        (TimeKind::CallTalk, input.talk_seconds),
        (TimeKind::AfterWork, input.after_work_seconds),
    ] {
        if seconds != 0 {
            service::add_time(
                conn,
                who,
                case.id,
                NewTimeEntry {
                    kind,
                    seconds,
                    started_at: None,
                    note: String::new(),
                },
            )?;
        }
    }
    Ok(case)
}
