//! The rules of work instructions: who writes and publishes them
//! (`policy::manage_instruction`), whom they apply to, the banner, the
//! acknowledgments; audit entries and live events.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rusqlite::Connection;
use serde_json::json;

use super::error::InstructionError;
use super::model::{
    Acknowledgments, Instruction, InstructionDraft, InstructionQuery, InstructionSettings,
    InstructionSettingsInput, InstructionState, MyInstruction, NewInstruction, Urgency,
};
use super::store::{self, DraftRow, Mine};
use crate::audit::{self, Actor};
use crate::auth::Principal;
use crate::auth::policy::{self, Denied};
use crate::cases::events::{Announcements, Event, KnowledgeEvent};
use crate::ids::{ClientId, ProjectId, TeamId, UserId};
use crate::knowledge::render;
use crate::validation::{Invalid, optional_text, required_text};

const MAX_BODY_CHARS: usize = 50_000;
const MAX_TARGETS: usize = 100;
/// Hours after which a put-off must-acknowledge instruction comes back.
/// Hours after which a put-off must-acknowledge instruction comes back,
/// when neither the instruction nor its client names others.
pub const DEFAULT_REMIND_HOURS: i64 = 4;

/// The hours a put-off must-acknowledge instruction stays away: its own,
/// else the client's default (`instruction_settings`), else 4.
pub fn effective_remind_hours(own: Option<i64>, client_default: Option<i64>) -> i64 {
    own.or(client_default).unwrap_or(DEFAULT_REMIND_HOURS)
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A time in RFC 3339 with any offset, stored as UTC (the store compares
/// the text).
fn utc(field: &'static str, value: Option<&str>) -> Result<Option<String>, Invalid> {
    let Some(text) = value.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    DateTime::parse_from_rfc3339(text)
        .map(|t| {
            Some(
                t.with_timezone(&Utc)
                    .to_rfc3339_opts(SecondsFormat::Millis, true),
            )
        })
        .map_err(|_| {
            Invalid::new(
                field,
                "must be a date and time in RFC 3339, e.g. 2026-12-01T08:00:00Z",
            )
        })
}

/// A client the caller may see knowledge of; a platform admin asking for a
/// missing client gets 404 too.
fn visible_client(
    conn: &Connection,
    who: &Principal,
    client_id: ClientId,
) -> Result<(), InstructionError> {
    policy::knowledge_reader(who, client_id)?;
    if who.is_admin() && crate::clients::store::get(conn, client_id)?.is_none() {
        return Err(Denied::NotFound.into());
    }
    Ok(())
}

/// A live instruction the caller may edit: 404 when the client is foreign,
/// 403 for the client's readers.
fn editable(conn: &Connection, who: &Principal, id: i64) -> Result<Instruction, InstructionError> {
    let found = store::get(conn, id)?.ok_or(InstructionError::NotFound)?;
    match policy::edit_knowledge(who, found.client_id) {
        Err(Denied::NotFound) => Err(InstructionError::NotFound),
        Err(denied) => Err(denied.into()),
        Ok(()) => Ok(found),
    }
}

struct Checked {
    title: String,
    body_md: String,
    body_html: String,
    urgency: Urgency,
    valid_from: Option<String>,
    valid_to: Option<String>,
    remind_hours: Option<i64>,
    project_ids: Vec<ProjectId>,
    team_ids: Vec<TeamId>,
}

impl Checked {
    fn row(&self) -> DraftRow<'_> {
        DraftRow {
            title: &self.title,
            body_md: &self.body_md,
            body_html: &self.body_html,
            urgency: self.urgency,
            valid_from: self.valid_from.as_deref(),
            valid_to: self.valid_to.as_deref(),
            remind_hours: self.remind_hours,
        }
    }
}

fn dedup<T: Ord>(mut ids: Vec<T>) -> Vec<T> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn check(
    conn: &Connection,
    client_id: ClientId,
    input: InstructionDraft,
) -> Result<Checked, InstructionError> {
    let title = required_text("title", &input.title, 200)?;
    let body_md = optional_text("body", &input.body, MAX_BODY_CHARS, true)?;
    if body_md.is_empty() {
        return Err(Invalid::new("body", "must not be empty").into());
    }
    let valid_from = utc("valid_from", input.valid_from.as_deref())?;
    let valid_to = utc("valid_to", input.valid_to.as_deref())?;
    if let (Some(from), Some(to)) = (&valid_from, &valid_to)
        && to <= from
    {
        return Err(Invalid::new("valid_to", "must be after valid_from").into());
    }
    let remind_hours = input.remind_hours;
    if remind_hours.is_some_and(|h| !(1..=168).contains(&h)) {
        return Err(Invalid::new("remind_hours", "must be between 1 and 168").into());
    }
    let project_ids = dedup(input.project_ids);
    let team_ids = dedup(input.team_ids);
    if project_ids.len() > MAX_TARGETS || team_ids.len() > MAX_TARGETS {
        return Err(Invalid::new(
            "project_ids",
            format!("at most {MAX_TARGETS} projects and teams"),
        )
        .into());
    }
    // A foreign project or team is answered like a missing one.
    if store::client_projects(conn, client_id, &project_ids)?.len() != project_ids.len() {
        return Err(Invalid::new("project_ids", "no such project at this client").into());
    }
    if store::usable_teams(conn, client_id, &team_ids)?.len() != team_ids.len() {
        return Err(
            Invalid::new("team_ids", "no such team of this client or of the provider").into(),
        );
    }
    let body_html = render::to_html(&body_md);
    Ok(Checked {
        title,
        body_md,
        body_html,
        urgency: input.urgency,
        valid_from,
        valid_to,
        remind_hours,
        project_ids,
        team_ids,
    })
}

pub fn list(
    conn: &Connection,
    who: &Principal,
    query: &InstructionQuery,
) -> Result<Vec<Instruction>, InstructionError> {
    visible_client(conn, who, query.client_id)?;
    policy::edit_knowledge(who, query.client_id)?;
    Ok(store::list(conn, query.client_id, query.state)?
        .into_iter()
        .map(|i| with_actions(who, i))
        .collect())
}

/// The instruction with what `who` may do with it (the UI offers only that).
fn with_actions(who: &Principal, mut i: Instruction) -> Instruction {
    i.can = Some(crate::auth::model::InstructionActions {
        manage: policy::manage_instruction(who, i.client_id, &i.project_ids).is_ok(),
    });
    i
}

pub fn get(conn: &Connection, who: &Principal, id: i64) -> Result<Instruction, InstructionError> {
    editable(conn, who, id).map(|i| with_actions(who, i))
}

pub fn create(
    conn: &Connection,
    who: &Principal,
    input: NewInstruction,
) -> Result<Instruction, InstructionError> {
    let client_id = input.client_id;
    visible_client(conn, who, client_id)?;
    policy::edit_knowledge(who, client_id)?;
    let checked = check(
        conn,
        client_id,
        InstructionDraft {
            title: input.title,
            body: input.body,
            urgency: input.urgency,
            valid_from: input.valid_from,
            valid_to: input.valid_to,
            remind_hours: input.remind_hours,
            project_ids: input.project_ids,
            team_ids: input.team_ids,
        },
    )?;
    policy::manage_instruction(who, client_id, &checked.project_ids)?;
    let id = store::insert(conn, client_id, &checked.row(), who.user_id, &now())?;
    store::set_targets(conn, id, &checked.project_ids, &checked.team_ids)?;
    store::get(conn, id)?
        .map(|i| with_actions(who, i))
        .ok_or(InstructionError::NotFound)
}

pub fn update(
    conn: &Connection,
    who: &Principal,
    id: i64,
    input: InstructionDraft,
) -> Result<Instruction, InstructionError> {
    let found = editable(conn, who, id)?;
    policy::manage_instruction(who, found.client_id, &found.project_ids)?;
    if found.state != InstructionState::Draft {
        return Err(InstructionError::NotDraft("changed"));
    }
    let checked = check(conn, found.client_id, input)?;
    policy::manage_instruction(who, found.client_id, &checked.project_ids)?;
    store::update(conn, id, &checked.row(), &now())?;
    store::set_targets(conn, id, &checked.project_ids, &checked.team_ids)?;
    store::get(conn, id)?
        .map(|i| with_actions(who, i))
        .ok_or(InstructionError::NotFound)
}

fn event(found: &Instruction, action: &'static str) -> Event {
    Event::Knowledge(KnowledgeEvent {
        kind: "instruction",
        id: found.id,
        action,
        client_id: found.client_id,
        project_ids: found.project_ids.clone(),
    })
}

fn record(
    conn: &Connection,
    who: &Principal,
    action: &str,
    found: &Instruction,
    details: serde_json::Value,
) -> Result<(), InstructionError> {
    audit::record(
        conn,
        &Actor::from(who),
        action,
        "instruction",
        Some(found.id),
        Some(found.client_id),
        details,
    )?;
    Ok(())
}

/// Draft → published; the agents it applies to see it at once.
pub fn publish(
    conn: &Connection,
    who: &Principal,
    id: i64,
    announce: &mut Announcements,
) -> Result<Instruction, InstructionError> {
    let found = editable(conn, who, id)?;
    policy::manage_instruction(who, found.client_id, &found.project_ids)?;
    if found.state != InstructionState::Draft {
        return Err(InstructionError::NotDraft("published"));
    }
    store::publish(conn, id, who.user_id, &now())?;
    let published = store::get(conn, id)?.ok_or(InstructionError::NotFound)?;
    record(
        conn,
        who,
        "instruction.publish",
        &published,
        json!({ "title": published.title, "urgency": published.urgency.as_str(), "agents": published.agent_count }),
    )?;
    announce.push(event(&published, "published"));
    Ok(with_actions(who, published))
}

/// Published → withdrawn; the banners go.
pub fn withdraw(
    conn: &Connection,
    who: &Principal,
    id: i64,
    announce: &mut Announcements,
) -> Result<Instruction, InstructionError> {
    let found = editable(conn, who, id)?;
    policy::manage_instruction(who, found.client_id, &found.project_ids)?;
    if found.state != InstructionState::Published {
        return Err(InstructionError::NotPublished);
    }
    store::withdraw(conn, id, who.user_id, &now())?;
    let withdrawn = store::get(conn, id)?.ok_or(InstructionError::NotFound)?;
    record(
        conn,
        who,
        "instruction.withdraw",
        &withdrawn,
        json!({ "title": withdrawn.title, "acknowledged": withdrawn.acknowledged_count }),
    )?;
    announce.push(event(&withdrawn, "withdrawn"));
    Ok(with_actions(who, withdrawn))
}

/// Soft delete, in any state (the acknowledgments stay for the export).
pub fn delete(
    conn: &Connection,
    who: &Principal,
    id: i64,
    announce: &mut Announcements,
) -> Result<(), InstructionError> {
    let found = editable(conn, who, id)?;
    policy::manage_instruction(who, found.client_id, &found.project_ids)?;
    store::delete(conn, id, who.user_id, &now())?;
    record(
        conn,
        who,
        "instruction.delete",
        &found,
        json!({ "title": found.title, "state": found.state.as_str() }),
    )?;
    if found.state == InstructionState::Published {
        announce.push(event(&found, "withdrawn"));
    }
    Ok(())
}

/// Who acknowledged (of the agents it applies to now, and those who have
/// left since) and who has not yet.
pub fn acknowledgments(
    conn: &Connection,
    who: &Principal,
    id: i64,
) -> Result<Acknowledgments, InstructionError> {
    let found = editable(conn, who, id)?;
    let acknowledged = store::acknowledged(conn, found.id)?;
    let pending = store::targeted_agents(conn, found.id)?
        .into_iter()
        .filter(|a| !acknowledged.iter().any(|k| k.user_id == a.user_id))
        .collect();
    Ok(Acknowledgments {
        acknowledged,
        pending,
    })
}

/// Whether the workspace shows the instruction as a banner: not once
/// acknowledged; an info one until dismissed; a must-acknowledge one put off
/// comes back in another session (the next sign-in) or after its hours.
pub fn shows_banner(mine: &Mine, session: Option<i64>, now: DateTime<Utc>) -> bool {
    let item = &mine.item;
    if item.acknowledged_at.is_some() {
        return false;
    }
    let Some(dismissed) = &item.dismissed_at else {
        return true;
    };
    match item.urgency {
        Urgency::Info => false,
        Urgency::Acknowledge => {
            let other_session = session.is_some() && session != mine.dismissed_session;
            let due = DateTime::parse_from_rfc3339(dismissed)
                .map(|at| {
                    let hours =
                        effective_remind_hours(mine.own_remind_hours, mine.client_remind_hours);
                    at.with_timezone(&Utc) + Duration::hours(hours) <= now
                })
                .unwrap_or(true);
            other_session || due
        }
    }
}

fn session_of(who: &Principal) -> Option<i64> {
    who.session.as_ref().map(|s| s.session_id)
}

/// The published instructions that apply to the caller now.
pub fn mine(conn: &Connection, who: &Principal) -> Result<Vec<MyInstruction>, InstructionError> {
    let Some(user_id) = who.user_id else {
        return Ok(Vec::new());
    };
    let at = Utc::now();
    let session = session_of(who);
    Ok(store::mine(
        conn,
        user_id,
        &at.to_rfc3339_opts(SecondsFormat::Millis, true),
        None,
    )?
    .into_iter()
    .map(|m| {
        let banner = shows_banner(&m, session, at);
        MyInstruction { banner, ..m.item }
    })
    .collect())
}

/// One instruction that applies to the caller now; 404 otherwise (an
/// editor who is not targeted: 409).
fn my_one(conn: &Connection, who: &Principal, id: i64) -> Result<(UserId, Mine), InstructionError> {
    let user_id = who.user_id.ok_or(InstructionError::NotFound)?;
    let found = store::mine(conn, user_id, &now(), Some(id))?
        .into_iter()
        .next();
    match found {
        Some(m) => Ok((user_id, m)),
        None => match store::get(conn, id)? {
            Some(i) if policy::edit_knowledge(who, i.client_id).is_ok() => {
                Err(InstructionError::NotTargeted)
            }
            _ => Err(InstructionError::NotFound),
        },
    }
}

/// The agent confirms having read it; audited once, repeating is harmless.
/// The editors' open acknowledgment lists hear of it (`changed`).
pub fn acknowledge(
    conn: &Connection,
    who: &Principal,
    id: i64,
    announce: &mut Announcements,
) -> Result<MyInstruction, InstructionError> {
    let (user_id, m) = my_one(conn, who, id)?;
    let (at, first) = store::acknowledge(conn, id, user_id, &now())?;
    if first {
        if let Some(found) = store::get(conn, id)? {
            announce.push(event(&found, "changed"));
        }
        audit::record(
            conn,
            &Actor::from(who),
            "instruction.acknowledge",
            "instruction",
            Some(id),
            Some(m.item.client_id),
            json!({ "title": m.item.title }),
        )?;
    }
    Ok(MyInstruction {
        acknowledged_at: Some(at),
        banner: false,
        ..m.item
    })
}

/// Info: gone for good. Must-acknowledge: put off until the next sign-in or
/// `remind_hours`.
pub fn dismiss(
    conn: &Connection,
    who: &Principal,
    id: i64,
) -> Result<MyInstruction, InstructionError> {
    let (user_id, m) = my_one(conn, who, id)?;
    let at = now();
    store::dismiss(conn, id, user_id, session_of(who), &at)?;
    Ok(MyInstruction {
        dismissed_at: Some(at),
        banner: false,
        ..m.item
    })
}

fn settings_of(
    conn: &Connection,
    client_id: ClientId,
) -> Result<InstructionSettings, InstructionError> {
    let found = store::settings(conn, client_id)?;
    let remind_hours = found.as_ref().map(|(h, _, _)| *h);
    let (updated_at, updated_by_name) = match found {
        Some((_, at, by)) => (Some(at), by),
        None => (None, None),
    };
    Ok(InstructionSettings {
        client_id,
        remind_hours,
        default_remind_hours: DEFAULT_REMIND_HOURS,
        effective_remind_hours: effective_remind_hours(None, remind_hours),
        updated_at,
        updated_by_name,
    })
}

/// The client's instruction defaults, for its editors (the instruction
/// form shows what an instruction without own hours gets).
pub fn settings(
    conn: &Connection,
    who: &Principal,
    client_id: ClientId,
) -> Result<InstructionSettings, InstructionError> {
    visible_client(conn, who, client_id)?;
    policy::edit_knowledge(who, client_id)?;
    settings_of(conn, client_id)
}

/// Sets the client's default remind hours (client admin, platform admin);
/// audited. Instructions without their own hours follow it at once.
pub fn set_settings(
    conn: &Connection,
    who: &Principal,
    client_id: ClientId,
    input: InstructionSettingsInput,
) -> Result<InstructionSettings, InstructionError> {
    visible_client(conn, who, client_id)?;
    policy::set_client_defaults(who, client_id)?;
    if input.remind_hours.is_some_and(|h| !(1..=168).contains(&h)) {
        return Err(Invalid::new("remind_hours", "must be between 1 and 168").into());
    }
    let before = store::settings(conn, client_id)?.map(|(h, _, _)| h);
    store::set_settings(conn, client_id, input.remind_hours, who.user_id, &now())?;
    if before != input.remind_hours {
        audit::record(
            conn,
            &Actor::from(who),
            "instruction.settings",
            "client",
            Some(client_id.0),
            Some(client_id),
            json!({ "remind_hours": { "from": before, "to": input.remind_hours } }),
        )?;
    }
    settings_of(conn, client_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mine(urgency: Urgency, acked: bool, dismissed: Option<&str>, session: Option<i64>) -> Mine {
        Mine {
            item: MyInstruction {
                id: 1,
                client_id: ClientId(1),
                title: "t".into(),
                body_html: String::new(),
                urgency,
                valid_from: None,
                valid_to: None,
                published_at: None,
                acknowledged_at: acked.then(|| "2026-12-01T08:00:00.000Z".into()),
                dismissed_at: dismissed.map(String::from),
                banner: false,
            },
            dismissed_session: session,
            own_remind_hours: Some(4),
            client_remind_hours: None,
        }
    }

    #[test]
    fn own_hours_then_the_clients_then_four() {
        assert_eq!(effective_remind_hours(Some(2), Some(24)), 2);
        assert_eq!(effective_remind_hours(None, Some(24)), 24);
        assert_eq!(effective_remind_hours(None, None), DEFAULT_REMIND_HOURS);
    }

    #[test]
    fn a_put_off_banner_follows_the_clients_default() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let at = "2026-12-01T08:00:00.000Z";
        let mut put_off = mine(Urgency::Acknowledge, false, Some(at), Some(1));
        put_off.own_remind_hours = None;
        put_off.client_remind_hours = Some(24);
        // Same session: 4 hours are not enough when the client says 24.
        assert!(!shows_banner(&put_off, Some(1), t("2026-12-01T12:30:00Z")));
        assert!(shows_banner(&put_off, Some(1), t("2026-12-02T08:00:00Z")));
        // No default: the built-in 4 hours.
        put_off.client_remind_hours = None;
        assert!(shows_banner(&put_off, Some(1), t("2026-12-01T12:00:00Z")));
        assert!(!shows_banner(&put_off, Some(1), t("2026-12-01T11:59:00Z")));
        // The instruction's own hours win over the client's.
        put_off.own_remind_hours = Some(1);
        put_off.client_remind_hours = Some(24);
        assert!(shows_banner(&put_off, Some(1), t("2026-12-01T09:00:00Z")));
    }

    #[test]
    fn banners_follow_urgency_dismissal_session_and_hours() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let at = "2026-12-01T08:00:00.000Z";
        let soon = t("2026-12-01T09:00:00Z");
        let later = t("2026-12-01T12:00:00Z");
        assert!(shows_banner(
            &mine(Urgency::Info, false, None, None),
            Some(1),
            soon
        ));
        assert!(!shows_banner(
            &mine(Urgency::Info, false, Some(at), Some(1)),
            Some(2),
            later
        ));
        assert!(!shows_banner(
            &mine(Urgency::Acknowledge, true, None, None),
            Some(1),
            soon
        ));
        let put_off = mine(Urgency::Acknowledge, false, Some(at), Some(1));
        assert!(
            !shows_banner(&put_off, Some(1), soon),
            "same session, within the hours"
        );
        assert!(shows_banner(&put_off, Some(2), soon), "signed in again");
        assert!(shows_banner(&put_off, Some(1), later), "hours passed");
        assert!(
            !shows_banner(&put_off, None, soon),
            "an API token has no session"
        );
    }

    #[test]
    fn times_are_stored_as_utc() {
        assert_eq!(
            utc("valid_from", Some("2026-12-01T09:00:00+01:00")).unwrap(),
            Some("2026-12-01T08:00:00.000Z".into())
        );
        assert_eq!(utc("valid_from", Some(" ")).unwrap(), None);
        assert!(utc("valid_from", Some("morgen")).is_err());
    }
}
