//! SQL of the rules: rules and their versions, runs, notifications, the
//! history rows a rule writes, and what a snapshot needs of a case.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::Value;

use super::model::{
    Change, Notification, NotifyTeam, Rule, RuleEvent, RuleRun, RuleVersion, Schedule,
};
use crate::cases::{Case, HandlingTeam};
use crate::db::{StoreResult, now};
use crate::ids::{CaseId, ClientId, ProjectId, UserId};

const SELECT: &str = "SELECT r.id, r.client_id, r.name, r.position, r.active, v.version, v.id,
        v.project_ids, v.event, v.conditions, v.actions, r.created_at, r.updated_at, v.schedule
     FROM rules r JOIN rule_versions v ON v.id = r.current_version_id";

fn json<T: serde::de::DeserializeOwned + Default>(s: &str) -> T {
    serde_json::from_str(s).unwrap_or_default()
}

fn event_of(s: &str) -> RuleEvent {
    RuleEvent::parse(s).unwrap_or(RuleEvent::CaseUpdated)
}

fn rule_row(row: &Row<'_>) -> rusqlite::Result<Rule> {
    let project_ids: String = row.get(7)?;
    let event: String = row.get(8)?;
    let conditions: String = row.get(9)?;
    let actions: String = row.get(10)?;
    Ok(Rule {
        id: row.get(0)?,
        client_id: row.get(1)?,
        name: row.get(2)?,
        position: row.get(3)?,
        active: row.get(4)?,
        version: row.get(5)?,
        version_id: row.get(6)?,
        project_ids: json(&project_ids),
        event: event_of(&event),
        conditions: json(&conditions),
        actions: json(&actions),
        created_at: row.get(11)?,
        updated_at: row.get(12)?,
        schedule: schedule_of(row.get(13)?),
    })
}

fn schedule_of(s: Option<String>) -> Option<Schedule> {
    s.and_then(|s| serde_json::from_str(&s).ok())
}

pub fn get(conn: &Connection, id: i64) -> StoreResult<Option<Rule>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE r.id = ?1"))?
        .query_row([id], rule_row)
        .optional()?)
}

/// The rules of a client (every client: `None`), in evaluation order.
pub fn list(conn: &Connection, client_id: Option<ClientId>) -> StoreResult<Vec<Rule>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE (?1 IS NULL OR r.client_id = ?1) ORDER BY r.client_id, r.position, r.id"
    ))?;
    let rows = stmt.query_map([client_id], rule_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The active rules of a client as stored (JSON unparsed), in order.
pub fn active_rows(conn: &Connection, client_id: ClientId) -> StoreResult<Vec<Rule>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE r.client_id = ?1 AND r.active = 1 ORDER BY r.position, r.id"
    ))?;
    let rows = stmt.query_map([client_id], rule_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn next_position(conn: &Connection, client_id: ClientId) -> StoreResult<i64> {
    Ok(conn
        .prepare_cached("SELECT COALESCE(MAX(position) + 1, 0) FROM rules WHERE client_id = ?1")?
        .query_row([client_id], |r| r.get(0))?)
}

pub fn insert_rule(
    conn: &Connection,
    client_id: ClientId,
    name: &str,
    position: i64,
) -> StoreResult<i64> {
    let at = now();
    Ok(conn
        .prepare_cached(
            "INSERT INTO rules (client_id, name, position, active, created_at, updated_at)
             VALUES (?1, ?2, ?3, 0, ?4, ?4) RETURNING id",
        )?
        .query_row(params![client_id, name, position, at], |r| r.get(0))?)
}

fn bump_rule(conn: &Connection, rule_id: i64) -> StoreResult<()> {
    let client: Option<ClientId> = conn
        .prepare_cached("SELECT client_id FROM rules WHERE id = ?1")?
        .query_row([rule_id], |r| r.get(0))
        .optional()?;
    match client {
        Some(c) => bump(conn, c),
        None => Ok(()),
    }
}

pub struct NewVersion<'a> {
    pub rule_id: i64,
    pub name: &'a str,
    pub project_ids: &'a [ProjectId],
    pub event: RuleEvent,
    pub conditions: &'a str,
    pub actions: &'a str,
    pub schedule: Option<&'a str>,
    pub created_by: Option<UserId>,
}

/// Writes the next version and makes it current.
pub fn insert_version(conn: &Connection, v: &NewVersion<'_>) -> StoreResult<(i64, i64)> {
    let at = now();
    let (id, version): (i64, i64) = conn
        .prepare_cached(
            "INSERT INTO rule_versions (rule_id, version, name, project_ids, event, conditions, actions,
                 created_by, created_at, schedule)
             VALUES (?1, (SELECT COALESCE(MAX(version), 0) + 1 FROM rule_versions WHERE rule_id = ?1),
                 ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             RETURNING id, version",
        )?
        .query_row(
            params![
                v.rule_id,
                v.name,
                serde_json::to_string(v.project_ids).unwrap_or_else(|_| "[]".into()),
                v.event.as_str(),
                v.conditions,
                v.actions,
                v.created_by,
                at,
                v.schedule
            ],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
    conn.prepare_cached(
        "UPDATE rules SET current_version_id = ?2, name = ?3, updated_at = ?4 WHERE id = ?1",
    )?
    .execute(params![v.rule_id, id, v.name, at])?;
    bump_rule(conn, v.rule_id)?;
    Ok((id, version))
}

pub fn versions(conn: &Connection, rule_id: i64) -> StoreResult<Vec<RuleVersion>> {
    let mut stmt = conn.prepare_cached(
        "SELECT v.id, v.version, v.name, v.project_ids, v.event, v.conditions, v.actions,
                v.created_by, v.created_at, v.schedule, u.name
         FROM rule_versions v LEFT JOIN users u ON u.id = v.created_by
         WHERE v.rule_id = ?1 ORDER BY v.version DESC",
    )?;
    let rows = stmt.query_map([rule_id], |row| {
        let project_ids: String = row.get(3)?;
        let event: String = row.get(4)?;
        let conditions: String = row.get(5)?;
        let actions: String = row.get(6)?;
        Ok(RuleVersion {
            id: row.get(0)?,
            version: row.get(1)?,
            name: row.get(2)?,
            project_ids: json(&project_ids),
            event: event_of(&event),
            conditions: json(&conditions),
            actions: json(&actions),
            created_by: row.get(7)?,
            created_at: row.get(8)?,
            schedule: schedule_of(row.get(9)?),
            created_by_name: row.get(10)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Makes an older version current again (a rollback).
pub fn set_current(
    conn: &Connection,
    rule_id: i64,
    version_id: i64,
    name: &str,
) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE rules SET current_version_id = ?2, name = ?3, updated_at = ?4 WHERE id = ?1",
    )?
    .execute(params![rule_id, version_id, name, now()])?;
    bump_rule(conn, rule_id)
}

pub fn set_active(conn: &Connection, rule_id: i64, active: bool) -> StoreResult<()> {
    conn.prepare_cached("UPDATE rules SET active = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![rule_id, active, now()])?;
    bump_rule(conn, rule_id)
}

pub fn set_position(conn: &Connection, rule_id: i64, position: i64) -> StoreResult<()> {
    conn.prepare_cached("UPDATE rules SET position = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![rule_id, position, now()])?;
    bump_rule(conn, rule_id)
}

pub fn delete(conn: &Connection, rule_id: i64) -> StoreResult<()> {
    bump_rule(conn, rule_id)?;
    conn.prepare_cached("DELETE FROM rules WHERE id = ?1")?
        .execute([rule_id])?;
    Ok(())
}

pub fn rule_ids_of_client(conn: &Connection, client_id: ClientId) -> StoreResult<Vec<i64>> {
    let mut stmt =
        conn.prepare_cached("SELECT id FROM rules WHERE client_id = ?1 ORDER BY position, id")?;
    let rows = stmt.query_map([client_id], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn project_client(conn: &Connection, project_id: ProjectId) -> StoreResult<Option<ClientId>> {
    Ok(conn
        .prepare_cached("SELECT client_id FROM projects WHERE id = ?1")?
        .query_row([project_id], |r| r.get(0))
        .optional()?)
}

// ---- runs ------------------------------------------------------------------------

#[allow(clippy::too_many_arguments)]
pub fn insert_run(
    conn: &Connection,
    rule_id: i64,
    rule_version_id: i64,
    case_id: CaseId,
    event: RuleEvent,
    at: &str,
    changes: &[Change],
    depth: i64,
) -> StoreResult<i64> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO rule_runs (rule_id, rule_version_id, case_id, event, at, changes, depth)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
        )?
        .query_row(
            params![
                rule_id,
                rule_version_id,
                case_id,
                event.as_str(),
                at,
                serde_json::to_string(changes).unwrap_or_else(|_| "[]".into()),
                depth
            ],
            |r| r.get(0),
        )?)
}

/// The latest runs of a case (newest first).
pub fn runs_of_case(conn: &Connection, case_id: CaseId, limit: i64) -> StoreResult<Vec<RuleRun>> {
    let mut stmt = conn.prepare_cached(
        "SELECT rr.id, rr.rule_id, rr.rule_version_id, v.name, rr.case_id, rr.event, rr.at, rr.depth,
                rr.changes
         FROM rule_runs rr LEFT JOIN rule_versions v ON v.id = rr.rule_version_id
         WHERE rr.case_id = ?1 ORDER BY rr.id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![case_id, limit], |row| {
        let changes: String = row.get(8)?;
        Ok(RuleRun {
            id: row.get(0)?,
            rule_id: row.get(1)?,
            rule_version_id: row.get(2)?,
            rule_name: row.get(3)?,
            case_id: row.get(4)?,
            event: row.get(5)?,
            at: row.get(6)?,
            depth: row.get(7)?,
            changes: json(&changes),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn insert_notification(
    conn: &Connection,
    user_id: UserId,
    case_id: CaseId,
    rule_id: i64,
    text: &str,
) -> StoreResult<i64> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO rule_notifications (user_id, case_id, rule_id, text, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
        )?
        .query_row(params![user_id, case_id, rule_id, text, now()], |r| {
            r.get(0)
        })?)
}

/// Whether `user_id` is an active member of the project (whom a rule may
/// notify about its cases).
pub fn is_member(conn: &Connection, project_id: ProjectId, user_id: UserId) -> StoreResult<bool> {
    crate::cases::store::is_member(conn, project_id, user_id)
}

/// A case history row written by a rule.
pub fn insert_history(
    conn: &Connection,
    case_id: CaseId,
    field: &str,
    old: Option<&str>,
    new: Option<&str>,
    rule_name: &str,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO case_history (case_id, user_id, at, field, old_value, new_value, rule_name)
         VALUES (?1, NULL, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![case_id, now(), field, old, new, rule_name])?;
    Ok(())
}

// ---- snapshots -------------------------------------------------------------------

/// A contact's fields as conditions read them (`custom` inside).
pub fn contact_fields(conn: &Connection, id: crate::ids::ContactId) -> StoreResult<Option<Value>> {
    Ok(conn
        .prepare_cached(
            "SELECT name, customer_number, language, city, country, postal_code, custom,
                 (SELECT email FROM contact_emails WHERE contact_id = c.id ORDER BY position LIMIT 1),
                 (SELECT phone FROM contact_phones WHERE contact_id = c.id ORDER BY position LIMIT 1)
             FROM contacts c WHERE id = ?1",
        )?
        .query_row([id], |r| {
            let custom: String = r.get(6)?;
            Ok(serde_json::json!({
                "name": r.get::<_, String>(0)?,
                "customer_number": r.get::<_, Option<String>>(1)?,
                "language": r.get::<_, Option<String>>(2)?,
                "city": r.get::<_, String>(3)?,
                "country": r.get::<_, String>(4)?,
                "postal_code": r.get::<_, String>(5)?,
                "custom": serde_json::from_str::<Value>(&custom).unwrap_or(Value::Null),
                "email": r.get::<_, Option<String>>(7)?,
                "phone": r.get::<_, Option<String>>(8)?,
            }))
        })
        .optional()?)
}

pub fn organization_fields(
    conn: &Connection,
    id: crate::ids::OrganizationId,
) -> StoreResult<Option<Value>> {
    Ok(conn
        .prepare_cached(
            "SELECT name, customer_number, domain, city, country, postal_code, custom
             FROM organizations WHERE id = ?1",
        )?
        .query_row([id], |r| {
            let custom: String = r.get(6)?;
            Ok(serde_json::json!({
                "name": r.get::<_, String>(0)?,
                "customer_number": r.get::<_, Option<String>>(1)?,
                "domain": r.get::<_, Option<String>>(2)?,
                "city": r.get::<_, String>(3)?,
                "country": r.get::<_, String>(4)?,
                "postal_code": r.get::<_, String>(5)?,
                "custom": serde_json::from_str::<Value>(&custom).unwrap_or(Value::Null),
            }))
        })
        .optional()?)
}

/// The mailbox the case's first e-mail came in by.
pub fn mailbox_of(conn: &Connection, case_id: CaseId) -> StoreResult<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT mailbox_id FROM mail_inbound WHERE case_id = ?1 ORDER BY id LIMIT 1",
        )?
        .query_row([case_id], |r| r.get(0))
        .optional()?
        .flatten())
}

/// The text of the case's newest message (what a message event is about).
pub fn last_message_text(conn: &Connection, case_id: CaseId) -> StoreResult<String> {
    Ok(conn
        .prepare_cached(
            "SELECT body_text FROM messages WHERE case_id = ?1 ORDER BY id DESC LIMIT 1",
        )?
        .query_row([case_id], |r| r.get(0))
        .optional()?
        .unwrap_or_default())
}

/// The calendar `id` if it belongs to `client_id`.
pub fn calendar_of_client(conn: &Connection, id: i64, client_id: ClientId) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM business_calendars WHERE id = ?1 AND client_id = ?2")?
        .query_row(params![id, client_id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Marks a change to the client's rules (the engine's cache key).
pub fn bump(conn: &Connection, client_id: ClientId) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO rules_state (client_id, token, generation) VALUES (?1, lower(hex(randomblob(16))), 1)
         ON CONFLICT (client_id) DO UPDATE SET generation = generation + 1",
    )?
    .execute([client_id])?;
    Ok(())
}

/// The client's (token, generation); none while it never had a rule.
pub fn generation(conn: &Connection, client_id: ClientId) -> StoreResult<Option<(String, i64)>> {
    Ok(conn
        .prepare_cached("SELECT token, generation FROM rules_state WHERE client_id = ?1")?
        .query_row([client_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

// ---- what the new actions ask ------------------------------------------------------

/// Whether the case's latest recorded mail was automatic (auto-reply, bulk
/// or bounce); `false` without any.
pub fn last_mail_automatic(conn: &Connection, case_id: CaseId) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT auto_reply OR bulk OR bounce FROM mail_inbound WHERE case_id = ?1
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row([case_id], |r| r.get(0))
        .optional()?
        .unwrap_or(false))
}

/// How many replies rules sent on the case since `since`.
pub fn rule_replies_since(conn: &Connection, case_id: CaseId, since: &str) -> StoreResult<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM rule_runs r, json_each(r.changes) j
             WHERE r.case_id = ?1 AND r.at >= ?2
               AND json_extract(j.value, '$.field') = 'reply'
               AND json_extract(j.value, '$.skipped') IS NULL",
        )?
        .query_row(params![case_id, since], |r| r.get(0))?)
}

/// The active members of the case's project in `team`: `client` the
/// client's own agents, `provider` the provider's agents (of the case's
/// provider team when it has one), `leads` the project leads.
pub fn team_members(conn: &Connection, case: &Case, team: NotifyTeam) -> StoreResult<Vec<UserId>> {
    let sql = match team {
        NotifyTeam::Client => {
            "SELECT u.id FROM project_members m JOIN users u ON u.id = m.user_id
             JOIN projects p ON p.id = m.project_id
             WHERE m.project_id = ?1 AND m.role = 'agent' AND u.active = 1
               AND u.client_id = p.client_id AND ?2 IS NOT NULL ORDER BY u.id"
        }
        NotifyTeam::Provider => {
            "SELECT u.id FROM project_members m JOIN users u ON u.id = m.user_id
             WHERE m.project_id = ?1 AND m.role = 'agent' AND u.active = 1
               AND u.role = 'agent' AND u.client_id IS NULL
               AND (?2 IS NULL OR coalesce(u.tariff, 'basic') = ?2) ORDER BY u.id"
        }
        NotifyTeam::Leads => {
            "SELECT u.id FROM project_members m JOIN users u ON u.id = m.user_id
             WHERE m.project_id = ?1 AND m.role = 'lead' AND u.active = 1
               AND ?2 IS NOT NULL ORDER BY u.id"
        }
    };
    let tariff: Option<&str> = match team {
        NotifyTeam::Provider if case.handling_team == HandlingTeam::Provider => {
            case.handling_tariff.map(|t| t.as_str())
        }
        NotifyTeam::Provider => None,
        // Any non-null value: the parameter is unused there.
        _ => Some(""),
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![case.project_id, tariff], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The principal of an active user (as a request of theirs would have it),
/// for checks made on their behalf; `None` for an unknown or inactive user.
pub fn principal_of(
    conn: &Connection,
    user_id: UserId,
) -> StoreResult<Option<crate::auth::Principal>> {
    let row: Option<(String, String, crate::auth::Role, Option<ClientId>)> = conn
        .prepare_cached(
            "SELECT email, name, role, client_id FROM users WHERE id = ?1 AND active = 1",
        )?
        .query_row([user_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((email, name, role, client_id)) = row else {
        return Ok(None);
    };
    Ok(Some(crate::auth::Principal {
        user_id: Some(user_id),
        email,
        name,
        role,
        client_id,
        memberships: crate::auth::store::memberships(conn, user_id)?,
        session: None,
        ip: None,
    }))
}

/// Whether the user would see the case (`policy::view_case`, the
/// provider team's share included).
pub fn user_sees_case(
    conn: &Connection,
    user_id: UserId,
    case: &Case,
    client_id: ClientId,
) -> StoreResult<bool> {
    let Some(who) = principal_of(conn, user_id)? else {
        return Ok(false);
    };
    Ok(crate::auth::policy::view_case(
        &who,
        crate::auth::policy::ProjectRef {
            id: case.project_id,
            client_id,
        },
        crate::cases::service::handling(case),
    )
    .is_ok())
}

// ---- notifications -----------------------------------------------------------------

/// A notification with its case (id, project, client, handling) for the
/// read-time visibility check.
pub struct NotificationRow {
    pub notification: Notification,
    pub project_id: ProjectId,
    pub client_id: ClientId,
    pub handling: crate::auth::policy::CaseHandling,
}

/// The user's notifications, newest first, older than `before`.
pub fn notifications(
    conn: &Connection,
    user_id: UserId,
    before: Option<i64>,
    unread_only: bool,
    limit: i64,
) -> StoreResult<Vec<NotificationRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT n.id, n.case_id, p.key || '-' || c.number, c.subject, r.name, n.text, n.created_at,
                n.read_at, c.project_id, p.client_id, c.handling_team, c.handling_tariff
         FROM rule_notifications n JOIN cases c ON c.id = n.case_id
         JOIN projects p ON p.id = c.project_id LEFT JOIN rules r ON r.id = n.rule_id
         WHERE n.user_id = ?1 AND (?2 IS NULL OR n.id < ?2) AND (?3 = 0 OR n.read_at IS NULL)
         ORDER BY n.id DESC LIMIT ?4",
    )?;
    let rows = stmt.query_map(params![user_id, before, unread_only, limit], |r| {
        let team: String = r.get(10)?;
        Ok(NotificationRow {
            notification: Notification {
                id: r.get(0)?,
                case_id: r.get(1)?,
                case_reference: r.get(2)?,
                case_subject: r.get(3)?,
                rule_name: r.get(4)?,
                text: r.get(5)?,
                created_at: r.get(6)?,
                read_at: r.get(7)?,
            },
            project_id: r.get(8)?,
            client_id: r.get(9)?,
            handling: crate::auth::policy::CaseHandling {
                provider: team == "provider",
                tariff: r.get(11)?,
            },
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The user's unread notifications with their case's visibility facts.
pub fn unread(
    conn: &Connection,
    user_id: UserId,
) -> StoreResult<Vec<(i64, ProjectId, ClientId, crate::auth::policy::CaseHandling)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT n.id, c.project_id, p.client_id, c.handling_team, c.handling_tariff
         FROM rule_notifications n JOIN cases c ON c.id = n.case_id
         JOIN projects p ON p.id = c.project_id
         WHERE n.user_id = ?1 AND n.read_at IS NULL",
    )?;
    let rows = stmt.query_map([user_id], |r| {
        let team: String = r.get(3)?;
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            crate::auth::policy::CaseHandling {
                provider: team == "provider",
                tariff: r.get(4)?,
            },
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The owner and case of a notification.
pub fn notification_case(conn: &Connection, id: i64) -> StoreResult<Option<(UserId, CaseId)>> {
    Ok(conn
        .prepare_cached("SELECT user_id, case_id FROM rule_notifications WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Marks notifications read (those already read stay as they were).
pub fn mark_read(conn: &Connection, ids: &[i64]) -> StoreResult<i64> {
    let mut stmt = conn.prepare_cached(
        "UPDATE rule_notifications SET read_at = ?2 WHERE id = ?1 AND read_at IS NULL",
    )?;
    let at = now();
    let mut n = 0;
    for id in ids {
        n += stmt.execute(params![id, at])? as i64;
    }
    Ok(n)
}

// ---- time-based rules ----------------------------------------------------------------

/// Every active time-based rule (all clients), in order.
pub fn time_rules(conn: &Connection) -> StoreResult<Vec<Rule>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE r.active = 1 AND v.event = 'time-based' ORDER BY r.client_id, r.position, r.id"
    ))?;
    let rows = stmt.query_map([], rule_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Open cases of the client (of `projects`, empty: all) whose moment
/// `since` is at most `cutoff`, without a mark of the rule for that
/// moment, after the cursor `(moment, id)`, in moment order.
#[allow(clippy::too_many_arguments)]
pub fn time_candidates(
    conn: &Connection,
    rule_id: i64,
    client_id: ClientId,
    projects: &[ProjectId],
    since: super::model::Since,
    cutoff: &str,
    after: Option<(&str, i64)>,
    limit: i64,
) -> StoreResult<Vec<(CaseId, String)>> {
    let m = since.expr();
    // The open filter is the partial indexes' WHERE clause.
    let sql = format!(
        "SELECT c.id, {m} FROM cases c
         WHERE c.status NOT IN ('solved', 'closed') AND {m} IS NOT NULL AND {m} <= ?1
           AND (?2 IS NULL OR {m} > ?2 OR ({m} = ?2 AND c.id > ?3))
           AND c.project_id IN (SELECT id FROM projects WHERE client_id = ?4)
           AND (?5 = '[]' OR c.project_id IN (SELECT value FROM json_each(?5)))
           AND NOT EXISTS (SELECT 1 FROM rule_time_marks t
                           WHERE t.rule_id = ?6 AND t.case_id = c.id AND t.since_at = {m})
         ORDER BY {m}, c.id LIMIT ?7"
    );
    let projects = serde_json::to_string(projects).unwrap_or_else(|_| "[]".into());
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            cutoff,
            after.map(|a| a.0),
            after.map(|a| a.1).unwrap_or(0),
            client_id,
            projects,
            rule_id,
            limit
        ],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The moment `since` of a case now (none when it has none).
pub fn since_of(
    conn: &Connection,
    case_id: CaseId,
    since: super::model::Since,
) -> StoreResult<Option<String>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {} FROM cases c WHERE c.id = ?1",
            since.expr()
        ))?
        .query_row([case_id], |r| r.get(0))
        .optional()?
        .flatten())
}

/// Marks that the rule fired on the case for this moment; false when it
/// had already.
pub fn mark_time(
    conn: &Connection,
    rule_id: i64,
    case_id: CaseId,
    since_at: &str,
    at: &str,
) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "INSERT OR IGNORE INTO rule_time_marks (rule_id, case_id, since_at, fired_at)
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![rule_id, case_id, since_at, at])?
        == 1)
}

/// The client of a rule.
pub fn rule_client(conn: &Connection, rule_id: i64) -> StoreResult<Option<ClientId>> {
    Ok(conn
        .prepare_cached("SELECT client_id FROM rules WHERE id = ?1")?
        .query_row([rule_id], |r| r.get(0))
        .optional()?)
}

/// Whether the user could work on the client's cases at all: a user of
/// the client, or a member of one of its projects (the provider's staff).
pub fn works_for_client(
    conn: &Connection,
    user_id: UserId,
    client_id: ClientId,
) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM users u WHERE u.id = ?1 AND (u.client_id = ?2 OR EXISTS (
                 SELECT 1 FROM project_members m JOIN projects p ON p.id = m.project_id
                 WHERE m.user_id = u.id AND p.client_id = ?2))",
        )?
        .query_row(params![user_id, client_id], |_| Ok(()))
        .optional()?
        .is_some())
}
