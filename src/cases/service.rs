//! The rules of cases: who may touch which case, what a change records in
//! the history, how statuses move, how the thread and search stay current.

use crate::ids::{CaseId, ClientId, ContactId, OrganizationId, ProjectId, UserId};
use crate::sla::clock::Write;
use chrono::Utc;
use rusqlite::Connection;
use rusqlite::types::Value;

use super::error::CaseError;
use super::events::CaseEvent;
use super::model::{
    BulkUpdate, Case, CaseCounts, CaseDetail, CasePage, CasePatch, CaseQuery, Channel, Due,
    FiguresQuery, HandlingTeam, InlineContact, ListView, Message, MessageCreated, MessageKind,
    MyFigures, NewCase, NewMessage, NewTimeEntry, Priority, Status, TimeEntry, Viewer,
};
use super::store::{self, Filter, Key, NewCaseRow, NewMessageRow, NewTimeRow, Sort};
use crate::auth::Principal;
use crate::auth::policy;
use crate::db::now;
use crate::projects::Project;
use crate::validation::{Invalid, required_text};

const MAX_BODY_CHARS: usize = 200_000;
const MAX_TAGS: usize = 20;

/// A case the caller may see, or `NotFound`.
pub fn visible_case(conn: &Connection, who: &Principal, id: CaseId) -> Result<Case, CaseError> {
    let case = store::get(conn, id)?.ok_or(CaseError::NotFound)?;
    let project = crate::projects::store::get(conn, case.project_id)?.ok_or(CaseError::NotFound)?;
    policy::view_case(who, project.as_ref(), handling(&case)).map_err(|_| CaseError::NotFound)?;
    Ok(case)
}

/// The case's handling team, for `policy::view_case` and live events.
pub fn handling(case: &Case) -> policy::CaseHandling {
    policy::CaseHandling {
        provider: case.handling_team == HandlingTeam::Provider,
        tariff: case.handling_tariff,
    }
}

fn project_for_work(
    conn: &Connection,
    who: &Principal,
    project_id: ProjectId,
) -> Result<Project, CaseError> {
    let project = crate::projects::store::get(conn, project_id)?
        .filter(|p| policy::view_project(who, p.as_ref()).is_ok())
        .ok_or(Invalid::new("project_id", "no such project"))?;
    if !project.active {
        return Err(Invalid::new("project_id", "the project is archived").into());
    }
    Ok(project)
}

/// The event telling the workspace about a change.
pub fn event(kind: &'static str, case: &Case, client_id: ClientId, who: &Principal) -> CaseEvent {
    CaseEvent {
        kind,
        case_id: case.id,
        project_id: case.project_id,
        client_id,
        version: case.version,
        by_user_id: who.user_id,
        by_name: Some(who.name.clone()),
        handling: Some(handling(case)),
    }
}

pub fn client_of(conn: &Connection, project_id: ProjectId) -> Result<ClientId, CaseError> {
    crate::projects::store::get(conn, project_id)?
        .map(|p| p.client_id)
        .ok_or(CaseError::NotFound)
}

fn normalize_tags(tags: &[String]) -> Result<Vec<String>, Invalid> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty() {
            continue;
        }
        if tag.chars().count() > 50 || tag.chars().any(|c| c.is_control() || c == ',') {
            return Err(Invalid::new(
                "tags",
                "a tag has at most 50 characters, no commas",
            ));
        }
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    if out.len() > MAX_TAGS {
        return Err(Invalid::new("tags", format!("at most {MAX_TAGS} tags")));
    }
    Ok(out)
}

fn normalize_time(field: &'static str, value: &str) -> Result<String, Invalid> {
    chrono::DateTime::parse_from_rfc3339(value.trim())
        .map(|t| {
            t.with_timezone(&chrono::Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        })
        .map_err(|_| Invalid::new(field, "must be an RFC 3339 time, e.g. 2026-12-01T09:00:00Z"))
}

fn check_topic(conn: &Connection, project_id: ProjectId, topic_id: i64) -> Result<(), CaseError> {
    if store::topic_project(conn, topic_id)? == Some(project_id) {
        Ok(())
    } else {
        Err(Invalid::new("topic_id", "no such topic in this project").into())
    }
}

fn check_assignee(
    conn: &Connection,
    project_id: ProjectId,
    user_id: UserId,
) -> Result<(), CaseError> {
    if store::is_member(conn, project_id, user_id)? {
        Ok(())
    } else {
        Err(Invalid::new(
            "assignee_id",
            "the assignee must be an active member of the project",
        )
        .into())
    }
}

/// The contact's organization, after checking the contact belongs to the
/// project's client.
fn check_contact(
    conn: &Connection,
    client_id: ClientId,
    contact_id: ContactId,
) -> Result<Option<OrganizationId>, CaseError> {
    match store::contact_client(conn, contact_id)? {
        Some((owner, organization)) if owner == client_id => Ok(organization),
        _ => Err(Invalid::new("contact_id", "no such contact").into()),
    }
}

pub fn create(conn: &Connection, who: &Principal, input: NewCase) -> Result<Case, CaseError> {
    create_checked(conn, who, input, true)
}

/// A case arriving by a channel (a logged call, an e-mail, a web form): its
/// `custom` values are checked against the project's data mask, but
/// required fields are left for the agent to fill in.
pub fn create_incoming(
    conn: &Connection,
    who: &Principal,
    input: NewCase,
) -> Result<Case, CaseError> {
    create_checked(conn, who, input, false)
}

fn create_checked(
    conn: &Connection,
    who: &Principal,
    input: NewCase,
    require_fields: bool,
) -> Result<Case, CaseError> {
    let project = project_for_work(conn, who, input.project_id)?;
    let subject = required_text("subject", &input.subject, 300)?;
    if let Some(topic_id) = input.topic_id {
        check_topic(conn, project.id, topic_id)?;
    }
    if let Some(assignee) = input.assignee_id {
        check_assignee(conn, project.id, assignee)?;
    }
    let contact_id = match (input.contact_id, &input.contact) {
        (Some(id), _) => Some(id),
        (None, Some(inline)) => resolve_contact(conn, who, project.client_id, inline)?,
        (None, None) => None,
    };
    let organization_id = match contact_id {
        Some(contact_id) => check_contact(conn, project.client_id, contact_id)?,
        None => None,
    };
    let tags = normalize_tags(&input.tags)?;
    let due_at = input
        .due_at
        .as_deref()
        .map(|d| normalize_time("due_at", d))
        .transpose()?;
    let custom = input.custom.unwrap_or_else(|| serde_json::json!({}));
    let mask = crate::fields::service::case_mask(conn, project.id)?;
    let custom = if require_fields {
        crate::fields::validate(&mask, &custom, None)?
    } else {
        crate::fields::validate_incoming(&mask, &custom)?
    };
    let first = match input.message {
        Some(m) if matches!(m.kind, MessageKind::Inbound | MessageKind::Note) => {
            Some((m.kind, body_text(&m.body_text)?, m.mail))
        }
        Some(_) => {
            return Err(Invalid::new(
                "message.kind",
                "a new case starts with an inbound message or a note",
            )
            .into());
        }
        None => None,
    };
    // The project's distribution plan decides the team when the caller
    // named none (issue 15), in this transaction.
    let (handling_team, handling_tariff) = match input.handling_team {
        Some(team) => (team, None),
        None => crate::distribution::service::team_for_new_case(
            conn,
            project.id,
            input.topic_id,
            input.channel,
            Utc::now(),
        )?
        .map_or((HandlingTeam::Client, None), |t| t.handling()),
    };
    // What the rules know of the first message's mail (its mailbox,
    // whether it was automatic) before the ingest records it.
    let rule_context =
        crate::rules::Context::of_mail(first.as_ref().and_then(|(_, _, mail)| mail.as_ref()));
    let number = store::next_number(conn, project.id)?;
    let priority = input.priority.unwrap_or(Priority::Normal);
    let created_at = crate::db::now();
    // The SLA clocks start with the case (same transaction), planned first
    // so that the case is written with its first deadline.
    let clocks = crate::sla::clock::FirstClocks::plan(
        conn,
        project.id,
        crate::sla::clock::Conditions {
            channel: input.channel,
            priority,
            topic_id: input.topic_id,
            organization_id,
        },
        &created_at,
    )?;
    let (sla_due_at, sla_target) = clocks.next_deadline();
    let id = store::insert(
        conn,
        &NewCaseRow {
            project_id: project.id,
            number,
            subject: &subject,
            channel: input.channel,
            topic_id: input.topic_id,
            priority,
            handling_team,
            handling_tariff,
            assignee_id: input.assignee_id,
            contact_id,
            organization_id,
            due_at: due_at.as_deref(),
            custom: &custom.to_string(),
            created_by_id: user_id(who),
            status: if input.assignee_id.is_some() {
                Status::Open
            } else {
                Status::New
            },
            created_at: &created_at,
            sla_due_at: sla_due_at.as_deref(),
            sla_target,
            with_message: first.is_some(),
        },
    )?;
    clocks.start(conn, id)?;
    store::add_tags(conn, id, &tags)?;
    store::insert_history(conn, id, user_id(who), "created", None, Some(&subject))?;
    if let Some((kind, body, mail)) = first {
        store::insert_message_row(
            conn,
            &NewMessageRow {
                case_id: id,
                kind,
                channel: input.channel,
                author_user_id: (kind == MessageKind::Note).then(|| user_id(who)).flatten(),
                author_contact_id: (kind == MessageKind::Inbound)
                    .then_some(contact_id)
                    .flatten(),
                body_text: &body,
                mail: mail.as_ref(),
            },
            &created_at,
        )?;
    }
    store::index_case(conn, id)?;
    // The rules of "case created" (issue 15), same transaction.
    let created = store::get(conn, id)?.ok_or(CaseError::NotFound)?;
    let ruled = crate::rules::fire_with(
        conn,
        crate::rules::Trigger::Created,
        None,
        &created,
        rule_context,
    )?;
    // Routing to agents (issue 15), after the rules so that their changes
    // count; same transaction. A case no rule acted on is routed as read
    // above and, unless routing assigned it, is still that case: it is not
    // read a third time.
    if ruled.is_none() {
        return match crate::routing::route_loaded(conn, &created)? {
            crate::routing::RouteOutcome::Assigned(_) => {
                store::get(conn, id)?.ok_or(CaseError::NotFound)
            }
            _ => Ok(created),
        };
    }
    crate::routing::route_case(conn, id)?;
    store::get(conn, id)?.ok_or(CaseError::NotFound)
}

/// The client's contact with this e-mail (first) or phone number; created
/// from the given details when there is none. `None` when nothing
/// identifies a contact.
pub fn resolve_contact(
    conn: &Connection,
    who: &Principal,
    client_id: ClientId,
    inline: &InlineContact,
) -> Result<Option<ContactId>, CaseError> {
    let email = inline
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty());
    let phone = inline
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    for (email, phone) in [(email, None), (None, phone)] {
        if email.is_none() && phone.is_none() {
            continue;
        }
        let query = crate::contacts::model::LookupQuery {
            client_id: Some(client_id),
            email: email.map(str::to_string),
            phone: phone.map(str::to_string),
        };
        if let Some(found) = crate::contacts::service::lookup_first(conn, who, &query)? {
            return Ok(Some(found));
        }
    }
    let name = match (inline.name.trim(), email) {
        ("", Some(email)) => email.to_string(),
        ("", None) => return Ok(None),
        (name, _) => name.to_string(),
    };
    let created = crate::contacts::service::create_incoming(
        conn,
        who,
        crate::contacts::NewContact {
            client_id,
            name,
            emails: email.map(str::to_string).into_iter().collect(),
            phones: phone.map(str::to_string).into_iter().collect(),
            organization_id: None,
            customer_number: None,
            language: None,
            street: None,
            postal_code: None,
            city: None,
            country: None,
            notes: None,
            custom: None,
        },
    )?;
    Ok(Some(created.id))
}

fn user_id(who: &Principal) -> Option<UserId> {
    who.user_id
}

fn body_text(text: &str) -> Result<String, Invalid> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(Invalid::new("body_text", "must not be empty"));
    }
    if trimmed.chars().count() > MAX_BODY_CHARS {
        return Err(Invalid::new(
            "body_text",
            format!("must be at most {MAX_BODY_CHARS} characters"),
        ));
    }
    Ok(trimmed.to_string())
}

fn check_version(case: &Case, expected: Option<i64>, force: bool) -> Result<(), CaseError> {
    match expected {
        Some(v) if v != case.version && !force => Err(CaseError::Changed {
            current: case.version,
        }),
        _ => Ok(()),
    }
}

/// Moves a case to `status`, keeping the solved/closed times.
fn set_status(case: &mut Case, status: Status) {
    if case.status == status {
        return;
    }
    let at = now();
    case.status = status;
    match status {
        Status::Solved => case.solved_at = Some(at),
        Status::Closed => {
            case.closed_at = Some(at.clone());
            case.solved_at.get_or_insert(at);
        }
        _ => {
            case.solved_at = None;
            case.closed_at = None;
        }
    }
}

pub fn update(
    conn: &Connection,
    who: &Principal,
    id: CaseId,
    patch: CasePatch,
) -> Result<Case, CaseError> {
    let before = visible_case(conn, who, id)?;
    check_version(&before, patch.expected_version, patch.force)?;
    let client_id = client_of(conn, before.project_id)?;
    let mut after = before.clone();
    if let Some(subject) = &patch.subject {
        after.subject = required_text("subject", subject, 300)?;
    }
    if let Some(status) = patch.status {
        set_status(&mut after, status);
    }
    if let Some(priority) = patch.priority {
        after.priority = priority;
    }
    if let Some(topic) = patch.topic_id {
        if let Some(topic_id) = topic {
            check_topic(conn, after.project_id, topic_id)?;
        }
        after.topic_id = topic;
    }
    if let Some(team) = patch.handling_team {
        after.handling_team = team;
        if team == HandlingTeam::Client {
            after.handling_tariff = None;
        }
    }
    if let Some(tariff) = patch.handling_tariff {
        if tariff.is_some() && after.handling_team != HandlingTeam::Provider {
            return Err(Invalid::new(
                "handling_tariff",
                "a provider team needs the provider as handling team",
            )
            .into());
        }
        after.handling_tariff = tariff;
    }
    if handling(&after) != handling(&before)
        && !policy::change_handling(who, after.project_id, handling(&after))
    {
        return Err(CaseError::TariffNotAllowed);
    }
    if let Some(assignee) = patch.assignee_id {
        if let Some(user) = assignee {
            check_assignee(conn, after.project_id, user)?;
            if after.status == Status::New {
                set_status(&mut after, Status::Open);
            }
        }
        after.assignee_id = assignee;
    }
    if let Some(contact) = patch.contact_id {
        after.organization_id = match contact {
            Some(contact_id) => check_contact(conn, client_id, contact_id)?,
            None => None,
        };
        after.contact_id = contact;
    }
    if let Some(due) = &patch.due_at {
        after.due_at = due
            .as_deref()
            .map(|d| normalize_time("due_at", d))
            .transpose()?;
    }
    if let Some(custom) = &patch.custom {
        let mask = crate::fields::service::case_mask(conn, after.project_id)?;
        after.custom = crate::fields::validate(&mask, custom, Some(&before.custom))?;
    }
    let tags = patch.tags.as_deref().map(normalize_tags).transpose()?;
    record_changes(conn, who, &before, &after, tags.as_deref())?;
    store::update(conn, &after)?;
    if let Some(tags) = &tags {
        store::set_tags(conn, id, tags)?;
    }
    if before.subject != after.subject || before.contact_id != after.contact_id {
        store::index_case(conn, id)?;
    }
    crate::sla::clock::after_case_write(conn, Some(&before), &after, Write::Changed, Utc::now())?;
    let updated = store::get(conn, id)?.ok_or(CaseError::NotFound)?;
    crate::rules::fire(
        conn,
        crate::rules::Trigger::Updated,
        Some(&before),
        &updated,
    )?;
    // Freed capacity routes the queue; an unassigned open case is routed
    // (issue 15), same transaction.
    let updated = store::get(conn, id)?.ok_or(CaseError::NotFound)?;
    crate::routing::service::after_case_change(conn, &before, &updated)?;
    store::get(conn, id)?.ok_or(CaseError::NotFound)
}

/// One history row per changed field: old → new.
fn record_changes(
    conn: &Connection,
    who: &Principal,
    before: &Case,
    after: &Case,
    tags: Option<&[String]>,
) -> Result<(), CaseError> {
    let user = user_id(who);
    fn text<T: std::fmt::Display>(v: Option<T>) -> Option<String> {
        v.map(|v| v.to_string())
    }
    let mut changes: Vec<(&str, Option<String>, Option<String>)> = Vec::new();
    if before.subject != after.subject {
        changes.push((
            "subject",
            Some(before.subject.clone()),
            Some(after.subject.clone()),
        ));
    }
    if before.status != after.status {
        changes.push((
            "status",
            Some(before.status.as_str().into()),
            Some(after.status.as_str().into()),
        ));
    }
    if before.priority != after.priority {
        changes.push((
            "priority",
            Some(before.priority.as_str().into()),
            Some(after.priority.as_str().into()),
        ));
    }
    if before.topic_id != after.topic_id {
        changes.push(("topic_id", text(before.topic_id), text(after.topic_id)));
    }
    if before.handling_team != after.handling_team {
        changes.push((
            "handling_team",
            Some(before.handling_team.as_str().into()),
            Some(after.handling_team.as_str().into()),
        ));
    }
    if before.handling_tariff != after.handling_tariff {
        changes.push((
            "handling_tariff",
            before.handling_tariff.map(|t| t.as_str().into()),
            after.handling_tariff.map(|t| t.as_str().into()),
        ));
    }
    if before.assignee_id != after.assignee_id {
        changes.push((
            "assignee_id",
            text(before.assignee_id),
            text(after.assignee_id),
        ));
    }
    if before.contact_id != after.contact_id {
        changes.push((
            "contact_id",
            text(before.contact_id),
            text(after.contact_id),
        ));
    }
    if before.due_at != after.due_at {
        changes.push(("due_at", before.due_at.clone(), after.due_at.clone()));
    }
    if before.custom != after.custom {
        changes.push((
            "custom",
            Some(before.custom.to_string()),
            Some(after.custom.to_string()),
        ));
    }
    if let Some(tags) = tags
        && tags != before.tags.as_slice()
    {
        changes.push(("tags", Some(before.tags.join(", ")), Some(tags.join(", "))));
    }
    for (field, old, new) in changes {
        store::insert_history(conn, after.id, user, field, old.as_deref(), new.as_deref())?;
    }
    Ok(())
}

pub fn add_message(
    conn: &Connection,
    who: &Principal,
    id: CaseId,
    input: NewMessage,
) -> Result<MessageCreated, CaseError> {
    let before = visible_case(conn, who, id)?;
    check_version(&before, input.expected_version, input.force)?;
    // A call on the case is a message of the call channel, sent nowhere; a
    // written reply goes out on the channel that can carry it; the rest
    // stays on the case's channel.
    let (body, channel) = match &input.call {
        Some(call) => {
            let direction = match input.kind {
                MessageKind::Outbound => super::calls::CallDirection::Outbound,
                MessageKind::Inbound => super::calls::CallDirection::Inbound,
                MessageKind::Note => {
                    return Err(Invalid::new("call", "needs an inbound or outbound message").into());
                }
            };
            let phone = call.phone.trim();
            super::calls::check_call(
                phone,
                call.wait_seconds,
                call.talk_seconds,
                call.after_work_seconds,
            )?;
            let body = super::calls::call_body(
                conn,
                who,
                call.language,
                direction,
                phone,
                &input.body_text,
            )?;
            (body_text(&body)?, Channel::Call)
        }
        None if input.kind == MessageKind::Outbound => {
            (body_text(&input.body_text)?, before.channel.reply_channel())
        }
        None => (body_text(&input.body_text)?, before.channel),
    };
    let mut after = before.clone();
    let message_id = store::insert_message(
        conn,
        &NewMessageRow {
            case_id: id,
            kind: input.kind,
            channel,
            author_user_id: (input.kind != MessageKind::Inbound)
                .then(|| user_id(who))
                .flatten(),
            author_contact_id: (input.kind == MessageKind::Inbound)
                .then_some(before.contact_id)
                .flatten(),
            body_text: &body,
            mail: input.mail.as_ref(),
        },
    )?;
    match input.kind {
        // A customer writing again reopens the case.
        MessageKind::Inbound if !matches!(before.status, Status::New | Status::Open) => {
            set_status(&mut after, Status::Open)
        }
        MessageKind::Outbound => {
            after.first_response_at.get_or_insert_with(now);
            if before.status == Status::New {
                set_status(&mut after, Status::Open);
            }
        }
        _ => {}
    }
    if let Some(status) = input.set_status {
        set_status(&mut after, status);
    }
    super::attachments::attach_to_message(conn, id, message_id, &input.attachment_ids)?;
    if let Some(call) = &input.call {
        super::calls::record_times(
            conn,
            who,
            id,
            Some(message_id),
            [
                call.wait_seconds,
                call.talk_seconds,
                call.after_work_seconds,
            ],
            true,
        )?;
    } else if input.kind == MessageKind::Outbound {
        // Queued for the reply's channel in this transaction; the channel's
        // consumer sends it (`crate::channels`).
        super::outbox::push(conn, channel, id, message_id)?;
    }
    record_changes(conn, who, &before, &after, None)?;
    store::update(conn, &after)?;
    store::index_case(conn, id)?;
    crate::sla::clock::after_case_write(
        conn,
        Some(&before),
        &after,
        Write::Message(input.kind),
        Utc::now(),
    )?;
    let updated = store::get(conn, id)?.ok_or(CaseError::NotFound)?;
    crate::rules::fire_with(
        conn,
        crate::rules::Trigger::Message(input.kind),
        Some(&before),
        &updated,
        crate::rules::Context::of_mail(input.mail.as_ref()),
    )?;
    let message = store::message(conn, id, message_id)?.ok_or(CaseError::NotFound)?;
    let case = store::get(conn, id)?.ok_or(CaseError::NotFound)?;
    Ok(MessageCreated { message, case })
}

/// One message of a case, as stored now (after a channel's consumer wrote
/// what went where).
pub fn message(conn: &Connection, case_id: CaseId, message_id: i64) -> Result<Message, CaseError> {
    store::message(conn, case_id, message_id)?.ok_or(CaseError::NotFound)
}

pub fn detail(
    conn: &Connection,
    who: &Principal,
    id: CaseId,
    viewers: Vec<Viewer>,
) -> Result<CaseDetail, CaseError> {
    let case = visible_case(conn, who, id)?;
    let client_id = crate::projects::store::get(conn, case.project_id)?
        .ok_or(CaseError::NotFound)?
        .client_id;
    let contact = match case.contact_id {
        Some(contact_id) => store::contact_card(conn, contact_id)?,
        None => None,
    };
    let contact_cases = match case.contact_id {
        Some(contact_id) => {
            let mut filter = Filter::default();
            filter.visible_to(who);
            filter.push("c.contact_id = ?", vec![Value::from(contact_id)]);
            filter.push("c.id <> ?", vec![Value::from(id)]);
            store::list(conn, filter, Sort::CreatedDesc, None, 20)?
        }
        None => Vec::new(),
    };
    Ok(CaseDetail {
        messages: store::messages(conn, id)?,
        history: super::history::resolve(conn, client_id, store::history(conn, id)?)?,
        time: store::time_summary(conn, id)?,
        contact,
        contact_cases,
        links: super::relations::links(conn, who, id)?,
        viewers,
        case,
    })
}

/// The filters of a list query, within the caller's visibility.
/// The list's filter for this caller and query (visibility included).
pub fn filter_for(who: &Principal, query: &CaseQuery) -> Result<Filter, CaseError> {
    let mut filter = Filter::default();
    filter.visible_to(who);
    if let Some(project_id) = query.project_id {
        filter.project(project_id);
    }
    let view = match query.view.as_deref() {
        None => ListView::All,
        Some(view) => ListView::parse(view).ok_or(Invalid::new(
            "view",
            "must be mine, unassigned, open or all",
        ))?,
    };
    match view {
        ListView::All => {}
        ListView::Open => filter.open(),
        ListView::Mine => {
            filter.open();
            match who.user_id {
                Some(user_id) => filter.key(Key::Assignee(user_id)),
                None => filter.push("c.assignee_id = ?", vec![Value::Null]),
            }
        }
        ListView::Unassigned => {
            filter.open();
            filter.push("c.assignee_id IS NULL", vec![]);
        }
    }
    if let Some(statuses) = &query.status {
        let mut list = Vec::new();
        for s in statuses.split(',').filter(|s| !s.is_empty()) {
            let status = Status::parse(s.trim())
                .ok_or(Invalid::new("status", format!("unknown status {s:?}")))?;
            list.push(status);
        }
        // Open statuses only: the open filter is implied, and with it the
        // open cases' indexes (smaller, and in the project's SLA and
        // priority orders) may serve the list.
        if !list.is_empty() && list.iter().all(|s| s.is_open()) {
            filter.open();
        }
        match list.as_slice() {
            [] => {}
            // One status as an equality, so the (project, status, time)
            // index gives the page in order.
            [one] => filter.key(Key::Status(one.as_str().to_string())),
            _ => filter.statuses(&list),
        }
    }
    if let Some(assignee) = query.assignee_id {
        filter.key(Key::Assignee(assignee));
    }
    if let Some(team) = query.team {
        filter.key(Key::Team(team.as_str().into()));
    }
    if let Some(topic) = query.topic_id {
        filter.key(Key::Topic(topic));
    }
    if let Some(channel) = query.channel {
        filter.key(Key::Channel(channel.as_str().into()));
    }
    if let Some(reference) = &query.reference {
        let (key, number) = reference
            .trim()
            .rsplit_once('-')
            .and_then(|(key, n)| Some((key.to_ascii_uppercase(), n.parse::<i64>().ok()?)))
            .ok_or(Invalid::new("ref", "a case number looks like ACME-1042"))?;
        filter.push(
            "p.key = ? AND c.number = ?",
            vec![Value::Text(key), Value::from(number)],
        );
    }
    if let Some(contact) = query.contact_id {
        filter.key(Key::Contact(contact));
    }
    if let Some(tag) = &query.tag {
        filter.tag(tag.trim().to_lowercase());
    }
    // The plan from the store's numbers (`cases::plan`); a case number
    // (`ref`) is one row by the (project, number) key: SQLite's own plan.
    if query.reference.is_none() {
        filter.plan_from_statistics();
    }
    let due = match query.due.as_deref() {
        None => None,
        Some(due) => Some(Due::parse(due).ok_or(Invalid::new("due", "must be overdue or soon"))?),
    };
    match due {
        None => {}
        Some(Due::Overdue) => {
            // The open-cases filter and the due date checked per row, the
            // plan from the store's numbers: a walk in the list's order (the
            // status is tested in the walk index's entries, migration 0040),
            // or a narrower filter's index (an assignee) read and sorted.
            // A forced range of the project's overdue cases read and sorted
            // all of them (17,000 of a big project at 1M cases: 145 ms).
            filter.open();
            let now = now();
            filter.push(
                "c.due_at IS NOT NULL AND +c.due_at < ?",
                vec![Value::Text(now.clone())],
            );
            filter.key(Key::Due(None, now));
        }
        Some(Due::Soon) => {
            let soon = (chrono::Utc::now() + chrono::Duration::hours(24))
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            filter.open();
            let now = now();
            filter.push(
                "c.due_at >= ? AND c.due_at < ?",
                vec![Value::Text(now.clone()), Value::Text(soon.clone())],
            );
            filter.key(Key::Due(Some(now), soon));
        }
    }
    Ok(filter)
}

pub fn list(conn: &Connection, who: &Principal, query: &CaseQuery) -> Result<CasePage, CaseError> {
    let sort =
        Sort::parse(query.sort.as_deref()).ok_or(Invalid::new("sort", "unknown sort order"))?;
    let limit = query.limit.unwrap_or(50).clamp(1, 200);
    let cursor = match &query.cursor {
        Some(c) => {
            let (key, id) = c
                .rsplit_once('|')
                .ok_or(Invalid::new("cursor", "malformed cursor"))?;
            Some((
                key.to_string(),
                id.parse::<i64>()
                    .map_err(|_| Invalid::new("cursor", "malformed cursor"))?,
            ))
        }
        None => None,
    };
    let filter = filter_for(who, query)?;
    let items = store::list(conn, filter, sort, cursor, limit)?;
    let next_cursor = (items.len() == limit as usize)
        .then(|| items.last().map(|c| sort.cursor_of(c)))
        .flatten();
    Ok(CasePage { items, next_cursor })
}

/// The user's own figures of one local day (`/me/figures`): only rows the
/// user wrote count, so no other user's or client's work can appear.
pub fn my_figures(
    conn: &Connection,
    user: UserId,
    query: &FiguresQuery,
    at: chrono::DateTime<Utc>,
) -> Result<MyFigures, CaseError> {
    let zone_name = query.tz.as_deref().unwrap_or("UTC");
    let zone: chrono_tz::Tz = zone_name
        .parse()
        .map_err(|_| Invalid::new("tz", "must be an IANA time zone such as Europe/Berlin"))?;
    let date = match &query.date {
        Some(d) => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| Invalid::new("date", "must be a day such as 2026-12-04"))?,
        None => at.with_timezone(&zone).date_naive(),
    };
    let next = date
        .succ_opt()
        .ok_or(Invalid::new("date", "must be a day such as 2026-12-04"))?;
    let (from, to) = (local_midnight(zone, date), local_midnight(zone, next));
    let (from, to) = (stored(from), stored(to));
    let (solved, replies, handled_seconds) = store::figures(conn, user, &from, &to)?;
    Ok(MyFigures {
        date: date.format("%Y-%m-%d").to_string(),
        time_zone: zone.name().to_string(),
        from,
        to,
        solved,
        replies,
        handled_seconds,
    })
}

/// The first instant of `date` in `zone`. Where a clock change skips
/// midnight (e.g. America/Santiago), the day begins when the clock
/// resumes; where midnight happens twice, at the first.
fn local_midnight(zone: chrono_tz::Tz, date: chrono::NaiveDate) -> chrono::DateTime<Utc> {
    use chrono::TimeZone;
    let midnight = date.and_time(chrono::NaiveTime::MIN);
    (0..=24)
        .find_map(|hour| {
            zone.from_local_datetime(&(midnight + chrono::Duration::hours(hour)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| midnight.and_utc())
}

/// A UTC instant in the store's format (`db::now`'s).
fn stored(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The workspace's counts (`/cases/counts`), from the counts the triggers
/// keep (`cases::counts::read`): a sum over the visible projects.
pub fn counts(
    conn: &Connection,
    who: &Principal,
    project_id: Option<ProjectId>,
) -> Result<CaseCounts, CaseError> {
    Ok(super::counts::read(conn, who, project_id)?)
}

/// The same counts read from the cases themselves (every visible open case,
/// the query before the kept counts): what `counts` must equal; the tests
/// compare the two.
pub fn counts_by_scan(
    conn: &Connection,
    who: &Principal,
    project_id: Option<ProjectId>,
) -> Result<CaseCounts, CaseError> {
    let query = CaseQuery {
        project_id,
        ..CaseQuery::default()
    };
    Ok(store::counts(conn, filter_for(who, &query)?, who.user_id)?)
}

/// Applies one change to many cases; each is checked and recorded as if
/// changed alone. Returns the changed cases.
pub fn bulk(conn: &Connection, who: &Principal, input: BulkUpdate) -> Result<Vec<Case>, CaseError> {
    if input.case_ids.is_empty() || input.case_ids.len() > 500 {
        return Err(Invalid::new("case_ids", "give 1 to 500 case ids").into());
    }
    let add_tags = normalize_tags(&input.add_tags)?;
    let mut changed = Vec::new();
    for &id in &input.case_ids {
        let case = visible_case(conn, who, id)?;
        let mut tags = case.tags.clone();
        tags.extend(add_tags.iter().cloned());
        let patch = CasePatch {
            status: input.status,
            topic_id: input.topic_id.map(Some),
            assignee_id: input.assignee_id,
            tags: (!add_tags.is_empty()).then_some(tags),
            force: true,
            ..CasePatch::default()
        };
        changed.push(update(conn, who, id, patch)?);
    }
    Ok(changed)
}

pub fn add_time(
    conn: &Connection,
    who: &Principal,
    id: CaseId,
    input: NewTimeEntry,
) -> Result<TimeEntry, CaseError> {
    add_time_of(conn, who, id, input, None)
}

/// [`add_time`], the time belonging to message `message_id` of the case
/// (a logged call's times, shown on its message).
pub fn add_time_of(
    conn: &Connection,
    who: &Principal,
    id: CaseId,
    input: NewTimeEntry,
    message_id: Option<i64>,
) -> Result<TimeEntry, CaseError> {
    let case = visible_case(conn, who, id)?;
    if !(0..=24 * 3600).contains(&input.seconds) {
        return Err(Invalid::new("seconds", "must be between 0 and 86400").into());
    }
    let started_at = match &input.started_at {
        Some(t) => normalize_time("started_at", t)?,
        None => (chrono::Utc::now() - chrono::Duration::seconds(input.seconds))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    };
    let note = input.note.trim();
    if note.chars().count() > 1000 {
        return Err(Invalid::new("note", "must be at most 1000 characters").into());
    }
    let user = user_id(who).ok_or(Invalid::new("user", "time is recorded for signed-in users"))?;
    let entry_id = store::insert_time(
        conn,
        &NewTimeRow {
            case_id: id,
            project_id: case.project_id,
            user_id: user,
            channel: case.channel,
            topic_id: case.topic_id,
            kind: input.kind,
            started_at: &started_at,
            seconds: input.seconds,
            note,
            message_id,
        },
    )?;
    Ok(TimeEntry {
        id: entry_id,
        case_id: id,
        user_id: user,
        kind: input.kind,
        started_at,
        seconds: input.seconds,
        note: note.to_string(),
    })
}
