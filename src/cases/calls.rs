//! Logging a phone call as a case: the caller looked up (or recorded) as a
//! contact, the conversation as the first message (worded in the agent's
//! language), wait, talk and after-work time as time records of that
//! message, and the agent who took the call as the assignee.

use crate::ids::{ContactId, ProjectId};
use rusqlite::Connection;
use serde::Deserialize;
use utoipa::ToSchema;

use super::error::CaseError;
use super::model::{
    Case, Channel, FirstMessage, InlineContact, MessageKind, NewCase, NewTimeEntry, TimeKind,
};
use super::{service, store};
use crate::auth::Principal;
use crate::contacts;
use crate::users::Locale;
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
    /// The language of the recorded message (the UI's language); default:
    /// the caller's profile language, else German.
    pub language: Option<Locale>,
}

/// The first line of a logged call's message, e.g. "Eingehender Anruf
/// +49 40 1234".
pub fn call_line(language: Locale, direction: CallDirection, phone: &str) -> String {
    let words = match (language, direction) {
        (Locale::De, CallDirection::Inbound) => "Eingehender Anruf",
        (Locale::De, CallDirection::Outbound) => "Ausgehender Anruf",
        (Locale::En, CallDirection::Inbound) => "Inbound call",
        (Locale::En, CallDirection::Outbound) => "Outbound call",
    };
    format!("{words} {phone}")
}

/// The language the call's message is written in.
fn language_of(
    conn: &Connection,
    who: &Principal,
    asked: Option<Locale>,
) -> Result<Locale, CaseError> {
    if let Some(language) = asked {
        return Ok(language);
    }
    let profile = match who.user_id {
        Some(user_id) => crate::users::store::get(conn, user_id)?.and_then(|u| u.locale),
        None => None,
    };
    Ok(profile.unwrap_or(Locale::De))
}

pub fn log_call(conn: &Connection, who: &Principal, input: NewCall) -> Result<Case, CaseError> {
    let project = crate::projects::store::get(conn, input.project_id)?
        .ok_or(Invalid::new("project_id", "no such project"))?;
    let phone = input.phone.trim();
    check_call(
        phone,
        input.wait_seconds,
        input.talk_seconds,
        input.after_work_seconds,
    )?;
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
    let body = call_body(
        conn,
        who,
        input.language,
        input.direction,
        phone,
        &input.notes,
    )?;
    // Who took the call handles it, when they may (a member of the
    // project); the case is then open, not new.
    let assignee_id = match who.user_id {
        Some(user_id) if store::is_member(conn, project.id, user_id)? => Some(user_id),
        _ => None,
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
            assignee_id,
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
    let message_id = store::first_message_id(conn, case.id)?;
    record_times(
        conn,
        who,
        case.id,
        message_id,
        [
            input.wait_seconds,
            input.talk_seconds,
            input.after_work_seconds,
        ],
        false,
    )?;
    Ok(case)
}

/// A call's number and times as the store takes them.
pub fn check_call(
    phone: &str,
    wait_seconds: i64,
    talk_seconds: i64,
    after_work_seconds: i64,
) -> Result<(), CaseError> {
    if contacts::phone_digits(phone).len() < 3 {
        return Err(Invalid::new("phone", "has too few digits").into());
    }
    for (field, seconds) in [
        ("wait_seconds", wait_seconds),
        ("talk_seconds", talk_seconds),
        ("after_work_seconds", after_work_seconds),
    ] {
        if !(0..=24 * 3600).contains(&seconds) {
            return Err(Invalid::new(field, "must be between 0 and 86400").into());
        }
    }
    Ok(())
}

/// A call message's text: the call's line in `language` ("Ausgehender
/// Anruf +49 …"), then the agent's notes.
pub fn call_body(
    conn: &Connection,
    who: &Principal,
    language: Option<Locale>,
    direction: CallDirection,
    phone: &str,
    notes: &str,
) -> Result<String, CaseError> {
    let line = call_line(language_of(conn, who, language)?, direction, phone);
    let notes = notes.trim();
    Ok(if notes.is_empty() {
        line
    } else {
        format!("{line}\n\n{notes}")
    })
}

/// The wait, talk and after-work seconds of a call as time records of its
/// message (`[wait, talk, after_work]`; zeros are not recorded, except the
/// talk time when `always_talk`: a call on a case is known as one by its
/// records, even a call of 0:00).
pub fn record_times(
    conn: &Connection,
    who: &Principal,
    case_id: crate::ids::CaseId,
    message_id: Option<i64>,
    [wait, talk, after_work]: [i64; 3],
    always_talk: bool,
) -> Result<(), CaseError> {
    for (kind, seconds) in [
        (TimeKind::CallWait, wait),
        (TimeKind::CallTalk, talk),
        (TimeKind::AfterWork, after_work),
    ] {
        if seconds != 0 || (always_talk && kind == TimeKind::CallTalk) {
            service::add_time_of(
                conn,
                who,
                case_id,
                NewTimeEntry {
                    kind,
                    seconds,
                    started_at: None,
                    note: String::new(),
                },
                message_id,
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[rustfmt::skip]
    #[test]
    fn the_call_line_speaks_the_language() {
        let table = [
            (Locale::De, CallDirection::Inbound,  "Eingehender Anruf +49 40 1234"),
            (Locale::De, CallDirection::Outbound, "Ausgehender Anruf +49 40 1234"),
            (Locale::En, CallDirection::Inbound,  "Inbound call +49 40 1234"),
            (Locale::En, CallDirection::Outbound, "Outbound call +49 40 1234"),
        ];
        for (language, direction, line) in table {
            assert_eq!(call_line(language, direction, "+49 40 1234"), line);
        }
    }
}
