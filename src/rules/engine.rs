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
use super::model::{Action, NotifyTeam, Rule, RuleEvent};
use super::store;
use crate::cases::{Case, MessageKind, MessageMail};
use crate::db::{StoreError, StoreResult};
use crate::ids::{CaseId, ClientId, ProjectId, UserId};
use crate::sla::calendar::BusinessCalendar;

/// At most this many automatic replies by rules to one case in 24 hours:
/// the guard against a loop with an autoresponder that does not mark its
/// mail as automatic.
pub const MAX_RULE_REPLIES_PER_DAY: i64 = 3;

/// What the firing write knows beyond the case: the mail that fired it
/// (its mailbox, whether it was automatic), before the ingest records it
/// in `mail_inbound`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Context {
    pub mailbox_id: Option<i64>,
    pub automatic: bool,
}

impl Context {
    pub fn of_mail(mail: Option<&MessageMail>) -> Context {
        mail.map_or_else(Context::default, |m| Context {
            mailbox_id: m.mailbox_id,
            automatic: m.automatic,
        })
    }
}

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
                schedule: r.schedule,
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
    context: Context,
    calendars: RefCell<HashMap<i64, Option<Arc<BusinessCalendar>>>>,
}

impl<'c> DbEnv<'c> {
    pub fn new(
        conn: &'c Connection,
        client_id: ClientId,
        now: DateTime<Utc>,
        context: Context,
    ) -> Self {
        DbEnv {
            conn,
            client_id,
            now,
            context,
            calendars: RefCell::new(HashMap::new()),
        }
    }

    fn reply_check(&self, case: &Case, module_id: i64) -> StoreResult<Result<String, String>> {
        if !crate::mail::outbound::CHANNELS.contains(&case.channel) {
            return Ok(Err(format!(
                "the case's channel ({}) has no written reply path",
                case.channel.as_str()
            )));
        }
        // The mail that fired this write, else the case's latest mail.
        let automatic = match self.context.mailbox_id {
            Some(_) => self.context.automatic,
            None => store::last_mail_automatic(self.conn, case.id)?,
        };
        if automatic {
            return Ok(Err(
                "the customer's last mail was automatic (auto-reply, bulk or bounce): rules do not answer it"
                    .into(),
            ));
        }
        let since = crate::sla::clock::stamp(self.now - chrono::Duration::hours(24));
        if store::rule_replies_since(self.conn, case.id, &since)? >= MAX_RULE_REPLIES_PER_DAY {
            return Ok(Err(format!(
                "rules replied {MAX_RULE_REPLIES_PER_DAY} times to this case in 24 hours (mail loop guard)"
            )));
        }
        crate::text_modules::service::text_for_rule(self.conn, case, module_id)
            .map_err(|e| StoreError::Task(e.to_string()))
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

    fn reply_text(&self, case: &Case, module_id: i64) -> Result<String, String> {
        self.reply_check(case, module_id)
            .unwrap_or_else(|e| Err(format!("cannot read the text module: {e}")))
    }

    fn webhook_ok(&self, webhook_id: i64) -> Result<(), String> {
        match crate::webhooks::store::webhook(self.conn, webhook_id) {
            Ok(Some(hook)) if hook.client_id == self.client_id => {
                if hook.active {
                    Ok(())
                } else {
                    Err(format!("the webhook {webhook_id} is inactive"))
                }
            }
            Ok(_) => Err(format!("no such webhook {webhook_id}")),
            Err(e) => Err(format!("cannot read the webhook: {e}")),
        }
    }

    fn recipients(&self, case: &Case, users: &[UserId], team: Option<NotifyTeam>) -> Vec<UserId> {
        let mut candidates = match team {
            Some(team) => store::team_members(self.conn, case, team).unwrap_or_default(),
            None => users.to_vec(),
        };
        candidates.sort_unstable();
        candidates.dedup();
        candidates
            .into_iter()
            .filter(|&u| store::user_sees_case(self.conn, u, case, self.client_id).unwrap_or(false))
            .collect()
    }
}

/// The snapshot of a case as conditions see it; `mailbox`: the mailbox of
/// the mail that fired the write, if known (else the case's first mail's).
pub fn snapshot(
    conn: &Connection,
    case: &Case,
    text: String,
    mailbox: Option<i64>,
) -> StoreResult<Snapshot> {
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
        match store::mailbox_of(conn, case.id)? {
            Some(first) => Some(first),
            None => mailbox,
        },
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
    fire_with(conn, trigger, before, after, Context::default())
}

/// [`fire`] with what the firing mail tells (mailbox, automatic).
pub fn fire_with(
    conn: &Connection,
    trigger: Trigger,
    before: Option<&Case>,
    after: &Case,
    context: Context,
) -> StoreResult<Option<Case>> {
    let event = match trigger.event() {
        Some(e) => e,
        None if before.is_some_and(|b| fields_differ(b, after)) => RuleEvent::CaseUpdated,
        None => return Ok(None),
    };
    if is_spam(after) {
        return Ok(None);
    }
    let Some(client_id) = store::project_client(conn, after.project_id)? else {
        return Ok(None);
    };
    let rules = active_rules(conn, client_id)?;
    if !rules.iter().any(|r| r.event == event) {
        return Ok(None);
    }
    let ran = run(
        conn,
        client_id,
        &rules,
        event,
        before,
        after,
        Utc::now(),
        context,
    )?;
    Ok((!ran.fired.is_empty()).then_some(ran.case))
}

/// A case marked as spam (the tag): no rule acts on it while it stays.
pub fn is_spam(case: &Case) -> bool {
    case.tags.iter().any(|t| t == eval::SPAM_TAG)
}

/// The hook of the SLA marks (`sla::job::fire`): runs the `sla-warning` /
/// `sla-breached` rules of the case.
pub fn fire_sla(conn: &Connection, case_id: CaseId, event: RuleEvent) -> StoreResult<()> {
    let Some(case) = crate::cases::store::get(conn, case_id)? else {
        return Ok(());
    };
    if is_spam(&case) {
        return Ok(());
    }
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
            Context::default(),
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
#[allow(clippy::too_many_arguments)]
pub fn run(
    conn: &Connection,
    client_id: ClientId,
    rules: &[CompiledRule],
    event: RuleEvent,
    before: Option<&Case>,
    after: &Case,
    now: DateTime<Utc>,
    context: Context,
) -> StoreResult<Ran> {
    let text = store::last_message_text(conn, after.id)?;
    let before_snap = match before {
        Some(b) => Some(snapshot(conn, b, text.clone(), context.mailbox_id)?),
        None => None,
    };
    let mut snap = snapshot(conn, after, text, context.mailbox_id)?;
    let env = DbEnv::new(conn, client_id, now, context);
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
        let run_id = store::insert_run(
            conn,
            rule.id,
            rule.version_id,
            after.id,
            f.event,
            &at,
            &f.changes,
            f.depth as i64,
        )?;
        write_effects(conn, rule, after, f, run_id, client_id)?;
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

fn task(e: impl std::fmt::Display) -> StoreError {
    StoreError::Task(e.to_string())
}

/// History rows, notes, notifications, replies and webhook deliveries of
/// one rule's changes.
fn write_effects(
    conn: &Connection,
    rule: &CompiledRule,
    case: &Case,
    fired: &Fired,
    run_id: i64,
    client_id: ClientId,
) -> StoreResult<()> {
    for (c, &n) in fired.changes.iter().zip(&fired.actions) {
        if c.skipped.is_some() {
            continue;
        }
        let action = rule.actions.get(n);
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
                let (text, email) = match action {
                    Some(Action::NotifyUsers { text, email, .. })
                    | Some(Action::NotifyTeam { text, email, .. }) => (text.as_str(), *email),
                    _ => continue,
                };
                let users: Vec<UserId> = c
                    .old
                    .as_deref()
                    .unwrap_or_default()
                    .split(',')
                    .filter_map(|u| u.parse().ok().map(UserId))
                    .collect();
                for user in users {
                    let id = store::insert_notification(conn, user, case.id, rule.id, text)?;
                    crate::cases::events::announce_after_commit(
                        crate::cases::events::Event::Notification(
                            crate::cases::events::NotificationEvent {
                                id,
                                case_id: case.id,
                                user_id: user,
                            },
                        ),
                    );
                    if email {
                        super::notify::queue_mail(conn, id, user, case, text)?;
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
            "reply" => {
                let text = c.new.as_deref().unwrap_or_default();
                let message_id = crate::cases::store::insert_message(
                    conn,
                    &crate::cases::store::NewMessageRow {
                        case_id: case.id,
                        kind: MessageKind::Outbound,
                        channel: case.channel,
                        author_user_id: None,
                        author_contact_id: None,
                        body_text: text,
                        mail: None,
                    },
                )?;
                crate::mail::outbound::enqueue_rule_reply(conn, case.id, message_id)
                    .map_err(task)?;
                store::insert_history(conn, case.id, "reply", None, c.old.as_deref(), &rule.name)?;
            }
            // After the case's own changes are written, so that routing
            // sees the topic, team and assignee the rules set.
            "route" => {
                crate::routing::route_case(conn, case.id).map_err(task)?;
            }
            "webhook" => {
                let Some(Action::CallWebhook { webhook_id }) = action else {
                    continue;
                };
                let Some((owner, payload)) = crate::webhooks::store::case_payload(conn, case.id)?
                else {
                    continue;
                };
                if owner != client_id {
                    continue;
                }
                let event = crate::webhooks::model::WebhookEvent::RuleFired(Box::new(
                    crate::webhooks::model::RuleFiredData {
                        rule_id: rule.id,
                        rule_name: rule.name.clone(),
                        trigger: fired.event.as_str().to_string(),
                        case: payload,
                        changes: fired.changes.clone(),
                    },
                ));
                crate::webhooks::service::enqueue(conn, *webhook_id, event, Some(run_id))
                    .map_err(task)?;
                store::insert_history(
                    conn,
                    case.id,
                    "webhook",
                    None,
                    Some(&webhook_id.to_string()),
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
