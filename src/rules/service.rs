//! The rules of rules: validation, authorization through `auth::policy`,
//! versions, activation, order, audit, and the dry run.

use rusqlite::Connection;
use serde_json::json;

use super::RuleError;
use super::engine;
use super::eval;
use super::model::{
    Action, DryRun, DryRunInput, DryRunRule, Reorder, Rule, RuleEvent, RuleInput, RuleRun,
    RuleVersion,
};
use super::store::{self, NewVersion};
use crate::audit::{self, Actor};
use crate::auth::Principal;
use crate::auth::policy;
use crate::ids::{CaseId, ClientId, ProjectId};
use crate::validation::{Invalid, required_text};

const MAX_RULES_PER_CLIENT: usize = 2000;

fn record(
    conn: &Connection,
    who: &Principal,
    action: &str,
    rule: &Rule,
    details: serde_json::Value,
) -> Result<(), RuleError> {
    audit::record(
        conn,
        &Actor::from(who),
        action,
        "rule",
        Some(rule.id),
        Some(rule.client_id),
        details,
    )?;
    Ok(())
}

/// A rule the caller may read, else 404 (another client's) or 403.
fn readable(conn: &Connection, who: &Principal, id: i64) -> Result<Rule, RuleError> {
    let rule = store::get(conn, id)?.ok_or(RuleError::NotFound)?;
    policy::view_client(who, rule.client_id).map_err(|_| RuleError::NotFound)?;
    policy::view_rule(who, rule.client_id, &rule.project_ids)?;
    Ok(rule)
}

/// A rule the caller may change, else 404 (another client's) or 403.
fn writable(conn: &Connection, who: &Principal, id: i64) -> Result<Rule, RuleError> {
    let rule = store::get(conn, id)?.ok_or(RuleError::NotFound)?;
    policy::view_client(who, rule.client_id).map_err(|_| RuleError::NotFound)?;
    policy::manage_rules(who, rule.client_id)?;
    Ok(rule)
}

pub fn list(
    conn: &Connection,
    who: &Principal,
    client_id: Option<ClientId>,
) -> Result<Vec<Rule>, RuleError> {
    let client_id = match client_id {
        Some(c) => {
            policy::view_client(who, c).map_err(|_| RuleError::ClientNotFound)?;
            Some(c)
        }
        None if who.is_admin() => None,
        None => who
            .client_id
            .or_else(|| who.memberships.first().map(|m| m.client_id)),
    };
    let Some(client) = client_id else {
        return Ok(store::list(conn, None)?);
    };
    // Agents: 403 at a client they work for (they read no rules).
    policy::view_rule(who, client, &[])?;
    Ok(store::list(conn, Some(client))?
        .into_iter()
        .filter(|r| policy::view_rule(who, r.client_id, &r.project_ids).is_ok())
        .collect())
}

pub fn get(conn: &Connection, who: &Principal, id: i64) -> Result<Rule, RuleError> {
    readable(conn, who, id)
}

pub fn versions(
    conn: &Connection,
    who: &Principal,
    id: i64,
) -> Result<Vec<RuleVersion>, RuleError> {
    readable(conn, who, id)?;
    Ok(store::versions(conn, id)?)
}

/// Validated parts of an input: name, projects, the JSON to store.
struct Checked {
    name: String,
    project_ids: Vec<ProjectId>,
    conditions: String,
    actions: String,
    schedule: Option<String>,
}

fn check(conn: &Connection, client_id: ClientId, input: &RuleInput) -> Result<Checked, RuleError> {
    let name = required_text("name", &input.name, 200)?;
    let mut project_ids = input.project_ids.clone();
    project_ids.sort_unstable();
    project_ids.dedup();
    for &p in &project_ids {
        if store::project_client(conn, p)? != Some(client_id) {
            return Err(Invalid::new("project_ids", format!("no such project {p}")).into());
        }
    }
    eval::compile(&input.conditions)?;
    eval::check_actions(&input.actions)?;
    check_targets(conn, client_id, &input.actions)?;
    match (input.event, &input.schedule) {
        (RuleEvent::TimeBased, None) => {
            return Err(Invalid::new("schedule", "a time-based rule needs a schedule").into());
        }
        (RuleEvent::TimeBased, Some(s)) => {
            if !(1..=525_600).contains(&s.minutes) {
                return Err(Invalid::new("schedule", "minutes are 1 to 525,600 (a year)").into());
            }
            if let Some(cal) = s.calendar_id
                && !store::calendar_of_client(conn, cal, client_id)?
            {
                return Err(Invalid::new("schedule", format!("no such calendar {cal}")).into());
            }
        }
        (_, Some(_)) => {
            return Err(Invalid::new("schedule", "only time-based rules have a schedule").into());
        }
        (_, None) => {}
    }
    Ok(Checked {
        name,
        project_ids,
        conditions: serde_json::to_string(&input.conditions).unwrap_or_default(),
        actions: serde_json::to_string(&input.actions).unwrap_or_default(),
        schedule: input
            .schedule
            .as_ref()
            .map(|s| serde_json::to_string(s).unwrap_or_default()),
    })
}

/// The objects actions name belong to the rule's client: a text module,
/// webhook or user of another client is refused as if it did not exist.
fn check_targets(
    conn: &Connection,
    client_id: ClientId,
    actions: &[Action],
) -> Result<(), RuleError> {
    for action in actions {
        match action {
            Action::ReplyWithTextModule { module_id } => {
                let ok = crate::text_modules::store::get(conn, *module_id)?
                    .is_some_and(|m| m.client_id == client_id && m.deleted_at.is_none());
                if !ok {
                    return Err(Invalid::new(
                        "actions",
                        format!("no such text module {module_id}"),
                    )
                    .into());
                }
            }
            Action::CallWebhook { webhook_id } => {
                let ok = crate::webhooks::store::webhook(conn, *webhook_id)?
                    .is_some_and(|w| w.client_id == client_id);
                if !ok {
                    return Err(
                        Invalid::new("actions", format!("no such webhook {webhook_id}")).into(),
                    );
                }
            }
            Action::NotifyUsers { user_ids, .. } => {
                for &user in user_ids {
                    if !store::works_for_client(conn, user, client_id)? {
                        return Err(
                            Invalid::new("actions", format!("no such user {}", user.0)).into()
                        );
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Creates a rule (inactive) with its first version.
pub fn create(conn: &Connection, who: &Principal, input: RuleInput) -> Result<Rule, RuleError> {
    let client_id = input
        .client_id
        .or(who.client_id)
        .ok_or(Invalid::new("client_id", "name the client"))?;
    policy::view_client(who, client_id).map_err(|_| RuleError::ClientNotFound)?;
    policy::manage_rules(who, client_id)?;
    let c = check(conn, client_id, &input)?;
    if store::rule_ids_of_client(conn, client_id)?.len() >= MAX_RULES_PER_CLIENT {
        return Err(Invalid::new(
            "client_id",
            format!("at most {MAX_RULES_PER_CLIENT} rules per client"),
        )
        .into());
    }
    let position = store::next_position(conn, client_id)?;
    let id = store::insert_rule(conn, client_id, &c.name, position)?;
    store::insert_version(
        conn,
        &NewVersion {
            rule_id: id,
            name: &c.name,
            project_ids: &c.project_ids,
            event: input.event,
            conditions: &c.conditions,
            actions: &c.actions,
            schedule: c.schedule.as_deref(),
            created_by: who.user_id,
        },
    )?;
    let rule = store::get(conn, id)?.ok_or(RuleError::NotFound)?;
    record(
        conn,
        who,
        "rule.created",
        &rule,
        json!({"name": rule.name, "version": rule.version}),
    )?;
    Ok(rule)
}

/// Saves a new version; an active rule runs it from the commit on.
pub fn update(
    conn: &Connection,
    who: &Principal,
    id: i64,
    input: RuleInput,
) -> Result<Rule, RuleError> {
    let before = writable(conn, who, id)?;
    if let Some(v) = input.expected_version
        && v != before.version
    {
        return Err(RuleError::VersionConflict);
    }
    if input.client_id.is_some_and(|c| c != before.client_id) {
        return Err(Invalid::new("client_id", "a rule stays with its client").into());
    }
    let rule = save_version(conn, who, id, before.client_id, &input)?;
    record(
        conn,
        who,
        "rule.updated",
        &rule,
        json!({"name": rule.name, "version": rule.version}),
    )?;
    Ok(rule)
}

/// Checks `input` and saves it as the rule's next version.
fn save_version(
    conn: &Connection,
    who: &Principal,
    id: i64,
    client_id: ClientId,
    input: &RuleInput,
) -> Result<Rule, RuleError> {
    let c = check(conn, client_id, input)?;
    store::insert_version(
        conn,
        &NewVersion {
            rule_id: id,
            name: &c.name,
            project_ids: &c.project_ids,
            event: input.event,
            conditions: &c.conditions,
            actions: &c.actions,
            schedule: c.schedule.as_deref(),
            created_by: who.user_id,
        },
    )?;
    store::get(conn, id)?.ok_or(RuleError::NotFound)
}

/// Restores an older version as a new one (the history stays whole).
pub fn restore(
    conn: &Connection,
    who: &Principal,
    id: i64,
    version: i64,
) -> Result<Rule, RuleError> {
    let before = writable(conn, who, id)?;
    let old = store::versions(conn, id)?
        .into_iter()
        .find(|v| v.version == version)
        .ok_or(RuleError::VersionNotFound)?;
    let input = RuleInput {
        name: old.name,
        client_id: None,
        project_ids: old.project_ids,
        event: old.event,
        conditions: old.conditions,
        actions: old.actions,
        schedule: old.schedule,
        expected_version: None,
    };
    let rule = save_version(conn, who, id, before.client_id, &input)?;
    record(
        conn,
        who,
        "rule.restored",
        &rule,
        json!({"from_version": version, "version": rule.version}),
    )?;
    Ok(rule)
}

pub fn set_active(
    conn: &Connection,
    who: &Principal,
    id: i64,
    active: bool,
) -> Result<Rule, RuleError> {
    let before = writable(conn, who, id)?;
    if before.active != active {
        store::set_active(conn, id, active)?;
    }
    let rule = store::get(conn, id)?.ok_or(RuleError::NotFound)?;
    let action = if active {
        "rule.activated"
    } else {
        "rule.deactivated"
    };
    record(
        conn,
        who,
        action,
        &rule,
        json!({"name": rule.name, "version": rule.version}),
    )?;
    Ok(rule)
}

pub fn delete(conn: &Connection, who: &Principal, id: i64) -> Result<(), RuleError> {
    let rule = writable(conn, who, id)?;
    record(conn, who, "rule.deleted", &rule, json!({"name": rule.name}))?;
    store::delete(conn, id)?;
    Ok(())
}

/// Puts all of a client's rules in the given order.
pub fn reorder(
    conn: &Connection,
    who: &Principal,
    client_id: Option<ClientId>,
    input: Reorder,
) -> Result<Vec<Rule>, RuleError> {
    let client_id = client_id
        .or(who.client_id)
        .ok_or(Invalid::new("client_id", "name the client"))?;
    policy::view_client(who, client_id).map_err(|_| RuleError::ClientNotFound)?;
    policy::manage_rules(who, client_id)?;
    let mut have = store::rule_ids_of_client(conn, client_id)?;
    let mut given = input.rule_ids.clone();
    have.sort_unstable();
    given.sort_unstable();
    if have != given {
        return Err(Invalid::new("rule_ids", "name every rule of the client exactly once").into());
    }
    for (position, id) in input.rule_ids.iter().enumerate() {
        store::set_position(conn, *id, position as i64)?;
    }
    audit::record(
        conn,
        &Actor::from(who),
        "rule.reordered",
        "rule",
        None,
        Some(client_id),
        json!({"rule_ids": input.rule_ids}),
    )?;
    Ok(store::list(conn, Some(client_id))?)
}

/// The rule runs of a case the caller sees (agents see the effects on
/// their cases).
pub fn runs_of_case(
    conn: &Connection,
    who: &Principal,
    case_id: CaseId,
) -> Result<Vec<RuleRun>, RuleError> {
    crate::cases::service::visible_case(conn, who, case_id).map_err(|_| RuleError::CaseNotFound)?;
    Ok(store::runs_of_case(conn, case_id, 200)?)
}

/// Which rules would fire on the case for the event and what they would
/// change: the real engine on a savepoint that is rolled back.
pub fn dry_run(
    conn: &Connection,
    who: &Principal,
    input: DryRunInput,
) -> Result<DryRun, RuleError> {
    let case_id = CaseId(input.case_id);
    let case = crate::cases::store::get(conn, case_id)?.ok_or(RuleError::CaseNotFound)?;
    let client_id = store::project_client(conn, case.project_id)?.ok_or(RuleError::CaseNotFound)?;
    policy::view_client(who, client_id).map_err(|_| RuleError::CaseNotFound)?;
    crate::cases::service::visible_case(conn, who, case_id).map_err(|_| RuleError::CaseNotFound)?;
    policy::manage_rules(who, client_id)?;
    let event = input.event.unwrap_or(RuleEvent::CaseUpdated);
    let rows = match input.rule_id {
        Some(rule_id) => {
            let one = store::get(conn, rule_id)?
                .filter(|r| r.client_id == client_id)
                .ok_or(RuleError::NotFound)?;
            // The chosen rule, with the active ones it may chain to.
            let mut rows: Vec<Rule> = store::active_rows(conn, client_id)?
                .into_iter()
                .filter(|r| r.id != rule_id)
                .collect();
            rows.insert(0, one);
            rows
        }
        None => store::active_rows(conn, client_id)?,
    };
    let rules = engine::compile_rules(&rows);
    conn.execute_batch("SAVEPOINT rules_dry_run")?;
    // The case as it is stands for "before" too: nothing changed yet.
    let ran = engine::run(
        conn,
        client_id,
        &rules,
        event,
        Some(&case),
        &case,
        chrono::Utc::now(),
        engine::Context::default(),
    );
    let undone = conn.execute_batch("ROLLBACK TO rules_dry_run; RELEASE rules_dry_run");
    // Nothing of it happened: no live event either.
    crate::cases::events::discard_announced();
    let ran = ran?;
    undone?;
    Ok(DryRun {
        case_id: case_id.0,
        event,
        runs: ran
            .fired
            .into_iter()
            .map(|(rule_id, rule_name, f)| DryRunRule {
                rule_id,
                rule_name,
                depth: f.depth as i64,
                changes: f.changes,
            })
            .collect(),
    })
}
