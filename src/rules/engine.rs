//! Runs the rules inside the writing transaction of the event that fired
//! them: builds the case's snapshot, runs the evaluator's chain, writes the
//! case's new state, one history row per applied action ("set by rule
//! 'NAME'", `case_history.rule_name`), the notes and notifications, and a
//! `rule_runs` row per rule that fired; the SLA clocks follow the rules'
//! changes in the same transaction.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde_json::Value;

use super::eval::{self, CompiledRule, Env, Fired, Snapshot};
use super::model::{Action, Change, Rule, RuleEvent};
use super::store;
use crate::cases::{Case, MessageKind};
use crate::db::{StoreError, StoreResult};
use crate::ids::{CaseId, ClientId, ProjectId, UserId};
use crate::sla::calendar::BusinessCalendar;

/// Compiles stored rules; a version that no longer compiles (it cannot be
/// saved so, but the language may tighten) is left out.
pub fn compile_rules(rows: &[Rule]) -> Vec<CompiledRule> {
    rows.iter()
        .filter_map(|r| {
            Some(CompiledRule {
                id: r.id,
                version_id: r.version_id,
                name: r.name.clone(),
                project_ids: r.project_ids.clone(),
                event: r.event,
                conditions: eval::compile(&r.conditions).ok()?,
                actions: r.actions.clone(),
            })
        })
        .collect()
}

/// Compiled active rules per (client, store token, generation): compiling
/// 500 rules (JSON, regular expressions) per event would cost more than
/// evaluating them. A process-wide map, not app state, because the hook
/// runs below the case service, which only has a connection; the key's
/// random per-store token keeps stores (tests run several per process)
/// apart, and `rules_state.generation` moves with every committed change.
/// (An uncommitted change read by a rule firing in the same transaction
/// and then rolled back could leave a stale entry under a generation
/// number that is used again; nothing does both in one transaction.)
type Key = (ClientId, String, i64);
static COMPILED: std::sync::OnceLock<std::sync::Mutex<HashMap<Key, Arc<Vec<CompiledRule>>>>> =
    std::sync::OnceLock::new();

/// The client's active rules, compiled, in order.
pub fn active_rules(conn: &Connection, client_id: ClientId) -> StoreResult<Arc<Vec<CompiledRule>>> {
    let Some((token, generation)) = store::generation(conn, client_id)? else {
        return Ok(Arc::new(Vec::new()));
    };
    let map = COMPILED.get_or_init(Default::default);
    let key = (client_id, token, generation);
    {
        let cached = match map.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(rules) = cached.get(&key) {
            return Ok(rules.clone());
        }
    }
    let rules = Arc::new(compile_rules(&store::active_rows(conn, client_id)?));
    let mut cached = match map.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    // Older generations of the same client and store are of no use.
    cached.retain(|k, _| !(k.0 == key.0 && k.1 == key.1));
    if cached.len() > 1000 {
        cached.clear();
    }
    cached.insert(key, rules.clone());
    Ok(rules)
}

/// The store's answers for the evaluator.
pub struct DbEnv<'c> {
    conn: &'c Connection,
    client_id: ClientId,
    now: DateTime<Utc>,
    calendars: RefCell<HashMap<i64, Option<BusinessCalendar>>>,
}

impl<'c> DbEnv<'c> {
    pub fn new(conn: &'c Connection, client_id: ClientId, now: DateTime<Utc>) -> Self {
        DbEnv {
            conn,
            client_id,
            now,
            calendars: RefCell::new(HashMap::new()),
        }
    }
}

impl Env for DbEnv<'_> {
    fn is_open(&self, calendar_id: i64) -> Option<bool> {
        let mut cals = self.calendars.borrow_mut();
        let cal = cals.entry(calendar_id).or_insert_with(|| {
            // Only the case's own client's calendars: another client's id
            // matches nothing.
            match store::calendar_of_client(self.conn, calendar_id, self.client_id) {
                Ok(true) => crate::sla::service::load_calendar(self.conn, calendar_id)
                    .ok()
                    .flatten(),
                _ => None,
            }
        });
        let cal = cal.as_ref()?;
        Some(
            cal.between(self.now, self.now + chrono::Duration::minutes(1))
                > chrono::Duration::zero(),
        )
    }

    fn topic_ok(&self, project_id: ProjectId, topic_id: i64) -> bool {
        crate::cases::store::topic_project(self.conn, topic_id)
            .ok()
            .flatten()
            == Some(project_id)
    }

    fn assignee_ok(&self, project_id: ProjectId, user_id: UserId) -> bool {
        crate::cases::store::is_member(self.conn, project_id, user_id).unwrap_or(false)
    }

    fn custom(&self, case: &Case, key: &str, value: &Value) -> Result<Value, String> {
        let mask = crate::fields::service::case_mask(self.conn, case.project_id)
            .map_err(|e| e.to_string())?;
        let mut patch = serde_json::Map::new();
        patch.insert(key.to_string(), value.clone());
        crate::fields::validate(&mask, &Value::Object(patch), Some(&case.custom))
            .map_err(|e| e.message)
    }
}

/// The snapshot of a case as conditions see it.
pub fn snapshot(conn: &Connection, case: &Case, text: String) -> StoreResult<Snapshot> {
    Ok(Snapshot::new(
        case.clone(),
        match case.contact_id {
            Some(id) => store::contact_fields(conn, id)?,
            None => None,
        },
        match case.organization_id {
            Some(id) => store::organization_fields(conn, id)?,
            None => None,
        },
        store::mailbox_of(conn, case.id)?,
        &text,
    ))
}

/// Which rule event a case write is.
pub enum Trigger {
    Created,
    Updated,
    Message(MessageKind),
}

impl Trigger {
    fn event(&self) -> Option<RuleEvent> {
        match self {
            Trigger::Created => Some(RuleEvent::CaseCreated),
            Trigger::Updated => Some(RuleEvent::CaseUpdated),
            Trigger::Message(MessageKind::Inbound) => Some(RuleEvent::MessageReceived),
            Trigger::Message(MessageKind::Outbound) => Some(RuleEvent::ReplySent),
            // A note changes nothing a rule reacts to, unless the case's
            // fields changed with it (then it is an update).
            Trigger::Message(MessageKind::Note) => None,
        }
    }
}

/// What ran, for the caller (a dry run shows it; a real write only needs
/// to know the case may have changed).
pub struct Ran {
    /// Each fired rule's (id, name) and what it did.
    pub fired: Vec<(i64, String, Fired)>,
    pub case: Case,
}

/// Runs the client's active rules for a case write, in the caller's
/// transaction. `before`: the case before the write (none at creation).
pub fn fire(
    conn: &Connection,
    trigger: Trigger,
    before: Option<&Case>,
    after: &Case,
) -> StoreResult<Option<Case>> {
    let event = match trigger.event() {
        Some(e) => e,
        None if before.is_some_and(|b| fields_differ(b, after)) => RuleEvent::CaseUpdated,
        None => return Ok(None),
    };
    let Some(client_id) = store::project_client(conn, after.project_id)? else {
        return Ok(None);
    };
    let rules = active_rules(conn, client_id)?;
    if !rules.iter().any(|r| r.event == event) {
        return Ok(None);
    }
    let ran = run(conn, client_id, &rules, event, before, after, Utc::now())?;
    Ok((!ran.fired.is_empty()).then_some(ran.case))
}

/// The hook of the SLA marks (`sla::job::fire`): runs the `sla-warning` /
/// `sla-breached` rules of the case.
pub fn fire_sla(conn: &Connection, case_id: CaseId, event: RuleEvent) -> StoreResult<()> {
    let Some(case) = crate::cases::store::get(conn, case_id)? else {
        return Ok(());
    };
    let Some(client_id) = store::project_client(conn, case.project_id)? else {
        return Ok(());
    };
    let rules = active_rules(conn, client_id)?;
    if rules.iter().any(|r| r.event == event) {
        run(
            conn,
            client_id,
            &rules,
            event,
            Some(&case),
            &case,
            Utc::now(),
        )?;
    }
    Ok(())
}

fn fields_differ(a: &Case, b: &Case) -> bool {
    a.status != b.status
        || a.priority != b.priority
        || a.topic_id != b.topic_id
        || a.handling_team != b.handling_team
        || a.assignee_id != b.assignee_id
        || a.contact_id != b.contact_id
        || a.custom != b.custom
        || a.tags != b.tags
        || a.subject != b.subject
}

/// Evaluates `rules` for `event` on the case and writes what they changed.
pub fn run(
    conn: &Connection,
    client_id: ClientId,
    rules: &[CompiledRule],
    event: RuleEvent,
    before: Option<&Case>,
    after: &Case,
    now: DateTime<Utc>,
) -> StoreResult<Ran> {
    let text = store::last_message_text(conn, after.id)?;
    let before_snap = match before {
        Some(b) => Some(snapshot(conn, b, text.clone())?),
        None => None,
    };
    let mut snap = snapshot(conn, after, text)?;
    let env = DbEnv::new(conn, client_id, now);
    let at = crate::sla::clock::stamp(now);
    let fired = eval::run_chain(rules, event, before_snap.as_ref(), &mut snap, &env, &at);
    if fired.is_empty() {
        return Ok(Ran {
            fired: Vec::new(),
            case: after.clone(),
        });
    }
    let changed = snap.case.clone();
    if fields_differ(after, &changed) {
        crate::cases::store::update(conn, &changed)?;
        if changed.tags != after.tags {
            crate::cases::store::set_tags(conn, changed.id, &changed.tags)?;
        }
    }
    for f in &fired {
        let rule = &rules[f.rule];
        write_effects(conn, rule, after, &f.changes)?;
        store::insert_run(
            conn,
            rule.id,
            rule.version_id,
            after.id,
            f.event,
            &at,
            &f.changes,
            f.depth as i64,
        )?;
    }
    let fresh = crate::cases::store::get(conn, after.id)?
        .ok_or(StoreError::Sqlite(rusqlite::Error::QueryReturnedNoRows))?;
    if fields_differ(after, &fresh) {
        crate::sla::clock::after_case_write(
            conn,
            Some(after),
            &fresh,
            crate::sla::clock::Write::Changed,
            now,
        )?;
    }
    let case = crate::cases::store::get(conn, after.id)?
        .ok_or(StoreError::Sqlite(rusqlite::Error::QueryReturnedNoRows))?;
    Ok(Ran {
        fired: fired
            .into_iter()
            .map(|f| (rules[f.rule].id, rules[f.rule].name.clone(), f))
            .collect(),
        case,
    })
}

/// History rows, notes and notifications of one rule's changes.
fn write_effects(
    conn: &Connection,
    rule: &CompiledRule,
    case: &Case,
    changes: &[Change],
) -> StoreResult<()> {
    for c in changes.iter().filter(|c| c.skipped.is_none()) {
        match c.field.as_str() {
            "note" => {
                let text = c.new.as_deref().unwrap_or_default();
                crate::cases::store::insert_message(
                    conn,
                    &crate::cases::store::NewMessageRow {
                        case_id: case.id,
                        kind: MessageKind::Note,
                        channel: case.channel,
                        author_user_id: None,
                        author_contact_id: None,
                        body_text: text,
                        mail: None,
                    },
                )?;
                store::insert_history(conn, case.id, "note", None, Some(text), &rule.name)?;
            }
            "notify" => {
                let Some(Action::NotifyUsers { user_ids, text }) = rule
                    .actions
                    .iter()
                    .find(|a| matches!(a, Action::NotifyUsers { text, .. } if Some(text.as_str()) == c.new.as_deref()))
                else {
                    continue;
                };
                // Only people who work in the case's project hear of it.
                for &user in user_ids {
                    if store::is_member(conn, case.project_id, user)? {
                        store::insert_notification(conn, user, case.id, rule.id, text)?;
                    }
                }
                store::insert_history(
                    conn,
                    case.id,
                    "notify",
                    c.old.as_deref(),
                    Some(text),
                    &rule.name,
                )?;
            }
            "tags" => store::insert_history(
                conn,
                case.id,
                "tags",
                c.old.as_deref(),
                c.new.as_deref(),
                &rule.name,
            )?,
            field if field.starts_with("custom.") => store::insert_history(
                conn,
                case.id,
                "custom",
                c.old.as_deref(),
                c.new.as_deref(),
                &rule.name,
            )?,
            field => store::insert_history(
                conn,
                case.id,
                field,
                c.old.as_deref(),
                c.new.as_deref(),
                &rule.name,
            )?,
        }
    }
    Ok(())
}
