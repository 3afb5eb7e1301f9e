//! SQL of the rules: rules and their versions, runs, notifications, the
//! history rows a rule writes, and what a snapshot needs of a case.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::Value;

use super::model::{Change, Rule, RuleEvent, RuleRun, RuleVersion};
use crate::db::{StoreResult, now};
use crate::ids::{CaseId, ClientId, ProjectId, UserId};

const SELECT: &str = "SELECT r.id, r.client_id, r.name, r.position, r.active, v.version, v.id,
        v.project_ids, v.event, v.conditions, v.actions, r.created_at, r.updated_at
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
    })
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
    pub created_by: Option<UserId>,
}

/// Writes the next version and makes it current.
pub fn insert_version(conn: &Connection, v: &NewVersion<'_>) -> StoreResult<(i64, i64)> {
    let at = now();
    let (id, version): (i64, i64) = conn
        .prepare_cached(
            "INSERT INTO rule_versions (rule_id, version, name, project_ids, event, conditions, actions,
                 created_by, created_at)
             VALUES (?1, (SELECT COALESCE(MAX(version), 0) + 1 FROM rule_versions WHERE rule_id = ?1),
                 ?2, ?3, ?4, ?5, ?6, ?7, ?8)
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
                at
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
                v.created_by, v.created_at, u.name
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
            created_by_name: row.get(9)?,
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
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO rule_notifications (user_id, case_id, rule_id, text, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![user_id, case_id, rule_id, text, now()])?;
    Ok(())
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
