//! The evaluator, plain Rust without a store: conditions over a case
//! snapshot, actions applied to the case in memory producing a change
//! list, and the chain (a change fires `case-updated` again) with its loop
//! safety: at most [`MAX_DEPTH`] rounds, each rule at most once per event
//! per case.

use std::collections::HashSet;

use regex::{Regex, RegexBuilder};
use serde_json::Value;

use super::model::{Action, Change, Condition, ConditionNode, NotifyTeam, RuleEvent};
use crate::cases::{Case, Status};
use crate::ids::ProjectId;
use crate::validation::Invalid;

/// Rounds of a chain: the firing event, then up to four `case-updated`
/// rounds caused by rules' changes.
pub const MAX_DEPTH: usize = 5;
/// Compiled size limit of one regular expression (bytes): room for a
/// few Unicode classes (`\w` alone is tens of KiB), not for repeated ones.
const REGEX_SIZE_LIMIT: usize = 1024 * 1024;
const MAX_PATTERN_CHARS: usize = 500;
const MAX_CONDITIONS: usize = 100;
const MAX_TREE_DEPTH: usize = 5;
const MAX_ACTIONS: usize = 20;

/// A field a condition reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Subject,
    Status,
    Priority,
    Channel,
    TopicId,
    HandlingTeam,
    AssigneeId,
    ContactId,
    OrganizationId,
    MailboxId,
    Tags,
    Custom(String),
    Contact(String),
    Organization(String),
    Text,
    BusinessHours,
}

const CONTACT_FIELDS: &[&str] = &[
    "name",
    "email",
    "phone",
    "language",
    "city",
    "country",
    "postal_code",
    "customer_number",
];
const ORGANIZATION_FIELDS: &[&str] = &[
    "name",
    "customer_number",
    "domain",
    "city",
    "country",
    "postal_code",
];

impl Field {
    fn parse(s: &str) -> Option<Field> {
        Some(match s {
            "subject" => Field::Subject,
            "status" => Field::Status,
            "priority" => Field::Priority,
            "channel" => Field::Channel,
            "topic_id" => Field::TopicId,
            "handling_team" => Field::HandlingTeam,
            "assignee_id" => Field::AssigneeId,
            "contact_id" => Field::ContactId,
            "organization_id" => Field::OrganizationId,
            "mailbox_id" => Field::MailboxId,
            "tags" => Field::Tags,
            "text" => Field::Text,
            "business_hours" => Field::BusinessHours,
            _ => {
                if let Some(key) = s.strip_prefix("custom.") {
                    return (!key.is_empty()).then(|| Field::Custom(key.to_string()));
                }
                if let Some(key) = s.strip_prefix("contact.") {
                    let ok = CONTACT_FIELDS.contains(&key)
                        || key.strip_prefix("custom.").is_some_and(|k| !k.is_empty());
                    return ok.then(|| Field::Contact(key.to_string()));
                }
                if let Some(key) = s.strip_prefix("organization.") {
                    let ok = ORGANIZATION_FIELDS.contains(&key)
                        || key.strip_prefix("custom.").is_some_and(|k| !k.is_empty());
                    return ok.then(|| Field::Organization(key.to_string()));
                }
                return None;
            }
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Is,
    IsNot,
    In,
    NotIn,
    Contains,
    NotContains,
    Matches,
    IsEmpty,
    IsSet,
    Gt,
    Lt,
    Changed,
    ChangedFrom,
    ChangedTo,
    IsOpen,
    IsClosed,
}

impl Op {
    fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "is" => Op::Is,
            "is-not" => Op::IsNot,
            "in" => Op::In,
            "not-in" => Op::NotIn,
            "contains" => Op::Contains,
            "not-contains" => Op::NotContains,
            "matches" => Op::Matches,
            "is-empty" => Op::IsEmpty,
            "is-set" => Op::IsSet,
            "gt" => Op::Gt,
            "lt" => Op::Lt,
            "changed" => Op::Changed,
            "changed-from" => Op::ChangedFrom,
            "changed-to" => Op::ChangedTo,
            "is-open" => Op::IsOpen,
            "is-closed" => Op::IsClosed,
            _ => return None,
        })
    }
}

/// A condition tree checked and ready: fields and ops parsed, regular
/// expressions compiled.
#[derive(Debug, Clone)]
pub enum Compiled {
    All(Vec<Compiled>),
    Any(Vec<Compiled>),
    Leaf(Leaf),
}

#[derive(Debug, Clone)]
pub struct Leaf {
    field: Field,
    op: Op,
    value: Value,
    regex: Option<Regex>,
}

/// Checks a condition tree; the error names the offending part.
pub fn compile(node: &ConditionNode) -> Result<Compiled, Invalid> {
    let mut count = 0;
    compile_at(node, 0, &mut count)
}

fn compile_at(node: &ConditionNode, depth: usize, count: &mut usize) -> Result<Compiled, Invalid> {
    if depth > MAX_TREE_DEPTH {
        return Err(Invalid::new(
            "conditions",
            format!("groups nest at most {MAX_TREE_DEPTH} deep"),
        ));
    }
    match node {
        ConditionNode::All { all } => Ok(Compiled::All(
            all.iter()
                .map(|n| compile_at(n, depth + 1, count))
                .collect::<Result<_, _>>()?,
        )),
        ConditionNode::Any { any } => Ok(Compiled::Any(
            any.iter()
                .map(|n| compile_at(n, depth + 1, count))
                .collect::<Result<_, _>>()?,
        )),
        ConditionNode::Leaf(c) => {
            *count += 1;
            if *count > MAX_CONDITIONS {
                return Err(Invalid::new(
                    "conditions",
                    format!("at most {MAX_CONDITIONS} conditions"),
                ));
            }
            compile_leaf(c).map(Compiled::Leaf)
        }
    }
}

fn compile_leaf(c: &Condition) -> Result<Leaf, Invalid> {
    let field = Field::parse(&c.field)
        .ok_or_else(|| Invalid::new("conditions", format!("unknown field {:?}", c.field)))?;
    let op = Op::parse(&c.op)
        .ok_or_else(|| Invalid::new("conditions", format!("unknown op {:?}", c.op)))?;
    let bad = |why: &str| Invalid::new("conditions", format!("{} {}: {why}", c.field, c.op));
    match (&field, op) {
        (Field::BusinessHours, Op::IsOpen | Op::IsClosed) if c.value.as_i64().is_none() => {
            return Err(bad("the value is a calendar id"));
        }
        (Field::BusinessHours, Op::IsOpen | Op::IsClosed) => {}
        (Field::BusinessHours, _) | (_, Op::IsOpen | Op::IsClosed) => {
            return Err(bad(
                "business_hours takes is-open or is-closed, nothing else",
            ));
        }
        (Field::Text, op) if !matches!(op, Op::Contains | Op::NotContains | Op::Matches) => {
            return Err(bad("text takes contains, not-contains or matches"));
        }
        (_, Op::In | Op::NotIn) if !c.value.is_array() => {
            return Err(bad("the value is a list"));
        }
        (_, Op::Matches | Op::Contains | Op::NotContains) if !c.value.is_string() => {
            return Err(bad("the value is a text"));
        }
        _ => {}
    }
    let regex = if op == Op::Matches {
        let pattern = c.value.as_str().unwrap_or_default();
        if pattern.chars().count() > MAX_PATTERN_CHARS {
            return Err(bad("the pattern is too long (at most 500 characters)"));
        }
        Some(
            RegexBuilder::new(pattern)
                .case_insensitive(true)
                .size_limit(REGEX_SIZE_LIMIT)
                .dfa_size_limit(REGEX_SIZE_LIMIT)
                .build()
                .map_err(|e| bad(&format!("not a valid pattern ({e})")))?,
        )
    } else {
        None
    };
    Ok(Leaf {
        field,
        op,
        value: c.value.clone(),
        regex,
    })
}

/// Checks a rule's actions.
pub fn check_actions(actions: &[Action]) -> Result<(), Invalid> {
    if actions.is_empty() {
        return Err(Invalid::new("actions", "a rule needs at least one action"));
    }
    if actions.len() > MAX_ACTIONS {
        return Err(Invalid::new(
            "actions",
            format!("at most {MAX_ACTIONS} actions"),
        ));
    }
    for action in actions {
        match action {
            Action::AddNote { text } | Action::NotifyUsers { text, .. }
                if text.trim().is_empty() || text.chars().count() > 10_000 =>
            {
                return Err(Invalid::new(
                    "actions",
                    "a note or notification has 1 to 10,000 characters",
                ));
            }
            Action::NotifyTeam { text, .. }
                if text.trim().is_empty() || text.chars().count() > 10_000 =>
            {
                return Err(Invalid::new(
                    "actions",
                    "a note or notification has 1 to 10,000 characters",
                ));
            }
            Action::NotifyUsers { user_ids, .. } if user_ids.is_empty() || user_ids.len() > 50 => {
                return Err(Invalid::new("actions", "notify 1 to 50 users"));
            }
            Action::AddTags { tags } | Action::RemoveTags { tags } if tags.is_empty() => {
                return Err(Invalid::new("actions", "name at least one tag"));
            }
            Action::SetCustom { key, .. } if key.trim().is_empty() => {
                return Err(Invalid::new("actions", "set-custom needs a key"));
            }
            _ => {}
        }
    }
    Ok(())
}

/// A rule ready to run.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    pub id: i64,
    pub version_id: i64,
    pub name: String,
    pub project_ids: Vec<ProjectId>,
    pub event: RuleEvent,
    pub conditions: Compiled,
    pub actions: Vec<Action>,
    /// Set for `time-based` rules.
    pub schedule: Option<super::model::Schedule>,
}

/// What a condition sees of a case: the case itself, its contact's and
/// organization's fields (`custom.<key>` inside), its mailbox and the text
/// of the message that fired.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub case: Case,
    pub contact: Option<Value>,
    pub organization: Option<Value>,
    pub mailbox_id: Option<i64>,
    /// The subject and the message, as `text` conditions read it, and in
    /// lower case for `contains` (made once, not once per rule).
    text: String,
    text_lower: String,
}

impl Snapshot {
    pub fn new(
        case: Case,
        contact: Option<Value>,
        organization: Option<Value>,
        mailbox_id: Option<i64>,
        message: &str,
    ) -> Snapshot {
        let text = format!("{}\n{message}", case.subject);
        Snapshot {
            text_lower: text.to_lowercase(),
            text,
            case,
            contact,
            organization,
            mailbox_id,
        }
    }
}

/// Answers what needs more than the snapshot: business hours now, and
/// whether an action's target is valid for the case's project.
pub trait Env {
    /// Whether calendar `id` (of the case's client) is open now; `None`:
    /// no such calendar (the condition fails).
    fn is_open(&self, calendar_id: i64) -> Option<bool>;
    fn topic_ok(&self, project_id: ProjectId, topic_id: i64) -> bool;
    fn assignee_ok(&self, project_id: ProjectId, user_id: crate::ids::UserId) -> bool;
    /// The case's custom values with `key` set to `value`, checked against
    /// the project's data mask; the error says why not.
    fn custom(&self, case: &Case, key: &str, value: &Value) -> Result<Value, String>;
    /// The text a `reply-with-text-module` action would send on the case
    /// (the module's published text, placeholders filled), or why it
    /// cannot reply (channel, automatic mail, module, placeholders).
    fn reply_text(&self, case: &Case, module_id: i64) -> Result<String, String>;
    /// Whether the webhook can take a delivery for the case's client, or why not.
    fn webhook_ok(&self, webhook_id: i64) -> Result<(), String>;
    /// Who of `users` (or of `team` in the case's project) is notified:
    /// active users who see the case, in id order.
    fn recipients(
        &self,
        case: &Case,
        users: &[crate::ids::UserId],
        team: Option<NotifyTeam>,
    ) -> Vec<crate::ids::UserId>;
}

fn field_value(s: &Snapshot, field: &Field) -> Value {
    let c = &s.case;
    let opt = |v: Option<i64>| v.map(Value::from).unwrap_or(Value::Null);
    match field {
        Field::Subject => Value::from(c.subject.as_str()),
        Field::Status => Value::from(c.status.as_str()),
        Field::Priority => Value::from(c.priority.as_str()),
        Field::Channel => Value::from(c.channel.as_str()),
        Field::TopicId => opt(c.topic_id),
        Field::HandlingTeam => Value::from(c.handling_team.as_str()),
        Field::AssigneeId => opt(c.assignee_id.map(|u| u.0)),
        Field::ContactId => opt(c.contact_id.map(|u| u.0)),
        Field::OrganizationId => opt(c.organization_id.map(|u| u.0)),
        Field::MailboxId => opt(s.mailbox_id),
        Field::Tags => Value::from(c.tags.clone()),
        Field::Custom(key) => c.custom.get(key).cloned().unwrap_or(Value::Null),
        Field::Contact(key) => nested(s.contact.as_ref(), key),
        Field::Organization(key) => nested(s.organization.as_ref(), key),
        Field::Text => Value::from(s.text.as_str()),
        Field::BusinessHours => Value::Null,
    }
}

fn nested(v: Option<&Value>, key: &str) -> Value {
    let Some(v) = v else { return Value::Null };
    match key.strip_prefix("custom.") {
        Some(k) => v
            .get("custom")
            .and_then(|c| c.get(k))
            .cloned()
            .unwrap_or(Value::Null),
        None => v.get(key).cloned().unwrap_or(Value::Null),
    }
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

/// Equality as a person means it: numbers by value, texts without case.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        (Value::Array(xs), y) if !y.is_array() => xs.iter().any(|x| same(x, y)),
        _ => match (text_of(a), text_of(b)) {
            (Some(x), Some(y)) => x.to_lowercase() == y.to_lowercase(),
            _ => false,
        },
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

fn contains(hay: &Value, needle: &str) -> bool {
    let needle = needle.to_lowercase();
    match hay {
        Value::Array(items) => items
            .iter()
            .any(|i| text_of(i).is_some_and(|t| t.to_lowercase() == needle)),
        other => text_of(other).is_some_and(|t| t.to_lowercase().contains(&needle)),
    }
}

fn order(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x.partial_cmp(&y),
        _ => match (a.as_str(), b.as_str()) {
            (Some(x), Some(y)) => Some(x.cmp(y)),
            _ => None,
        },
    }
}

/// Whether the tree holds for `after` (and `before`, for changes; `None`
/// at creation, where nothing "changed").
pub fn matches(
    node: &Compiled,
    before: Option<&Snapshot>,
    after: &Snapshot,
    env: &dyn Env,
) -> bool {
    match node {
        Compiled::All(nodes) => nodes.iter().all(|n| matches(n, before, after, env)),
        Compiled::Any(nodes) => nodes.iter().any(|n| matches(n, before, after, env)),
        Compiled::Leaf(leaf) => leaf_matches(leaf, before, after, env),
    }
}

fn leaf_matches(leaf: &Leaf, before: Option<&Snapshot>, after: &Snapshot, env: &dyn Env) -> bool {
    if leaf.field == Field::BusinessHours {
        let Some(open) = leaf.value.as_i64().and_then(|id| env.is_open(id)) else {
            return false;
        };
        return if leaf.op == Op::IsOpen { open } else { !open };
    }
    if leaf.field == Field::Text {
        // The common case of many rules: no copy of the text per rule.
        let needle = leaf.value.as_str().unwrap_or_default();
        return match leaf.op {
            Op::Contains => after.text_lower.contains(&needle.to_lowercase()),
            Op::NotContains => !after.text_lower.contains(&needle.to_lowercase()),
            Op::Matches => leaf
                .regex
                .as_ref()
                .is_some_and(|re| re.is_match(&after.text)),
            _ => false,
        };
    }
    let now = field_value(after, &leaf.field);
    let v = &leaf.value;
    match leaf.op {
        Op::Is => same(&now, v),
        Op::IsNot => !same(&now, v),
        Op::In => v
            .as_array()
            .is_some_and(|vs| vs.iter().any(|x| same(&now, x))),
        Op::NotIn => !v
            .as_array()
            .is_some_and(|vs| vs.iter().any(|x| same(&now, x))),
        Op::Contains => contains(&now, v.as_str().unwrap_or_default()),
        Op::NotContains => !contains(&now, v.as_str().unwrap_or_default()),
        Op::Matches => leaf.regex.as_ref().is_some_and(|re| match &now {
            Value::Array(items) => items
                .iter()
                .any(|i| text_of(i).is_some_and(|t| re.is_match(&t))),
            other => text_of(other).is_some_and(|t| re.is_match(&t)),
        }),
        Op::IsEmpty => is_empty(&now),
        Op::IsSet => !is_empty(&now),
        Op::Gt => order(&now, v) == Some(std::cmp::Ordering::Greater),
        Op::Lt => order(&now, v) == Some(std::cmp::Ordering::Less),
        Op::Changed | Op::ChangedFrom | Op::ChangedTo => {
            let Some(before) = before else { return false };
            let was = field_value(before, &leaf.field);
            if was == now {
                return false;
            }
            match leaf.op {
                Op::ChangedFrom => same(&was, v),
                Op::ChangedTo => same(&now, v),
                _ => true,
            }
        }
        Op::IsOpen | Op::IsClosed => false,
    }
}

/// Moves a case to `status`, keeping the solved/closed times (as the case
/// service does).
pub fn set_status(case: &mut Case, status: Status, at: &str) {
    if case.status == status {
        return;
    }
    case.status = status;
    match status {
        Status::Solved => case.solved_at = Some(at.to_string()),
        Status::Closed => {
            case.closed_at = Some(at.to_string());
            case.solved_at.get_or_insert(at.to_string());
        }
        _ => {
            case.solved_at = None;
            case.closed_at = None;
        }
    }
}

fn action_name(a: &Action) -> &'static str {
    match a {
        Action::SetTopic { .. } => "set-topic",
        Action::SetPriority { .. } => "set-priority",
        Action::SetStatus { .. } => "set-status",
        Action::AddTags { .. } => "add-tags",
        Action::RemoveTags { .. } => "remove-tags",
        Action::SetHandlingTeam { .. } => "set-handling-team",
        Action::SetAssignee { .. } => "set-assignee",
        Action::SetCustom { .. } => "set-custom",
        Action::AddNote { .. } => "add-note",
        Action::NotifyUsers { .. } => "notify-users",
        Action::NotifyTeam { .. } => "notify-team",
        Action::ReplyWithTextModule { .. } => "reply-with-text-module",
        Action::CallWebhook { .. } => "call-webhook",
        Action::MarkSpam {} => "mark-spam",
        Action::Route {} => "route",
    }
}

fn change(action: &Action, field: &str, old: Option<String>, new: Option<String>) -> Change {
    Change {
        action: action_name(action).to_string(),
        field: field.to_string(),
        old,
        new,
        skipped: None,
    }
}

fn skipped(action: &Action, field: &str, why: impl Into<String>) -> Change {
    Change {
        skipped: Some(why.into()),
        ..change(action, field, None, None)
    }
}

fn norm_tag(t: &str) -> Option<String> {
    let t = t.trim().to_lowercase();
    (!t.is_empty() && t.chars().count() <= 50 && !t.chars().any(|c| c.is_control() || c == ','))
        .then_some(t)
}

/// Applies one action to the case in memory; returns what changed (none
/// when the case already was so). Notes and notifications change no field:
/// they come back as a change for the caller to write.
pub fn apply(case: &mut Case, action: &Action, env: &dyn Env, at: &str) -> Option<Change> {
    let opt = |v: Option<i64>| v.map(|v| v.to_string());
    match action {
        Action::SetTopic { topic_id } => {
            if case.topic_id == *topic_id {
                return None;
            }
            if let Some(t) = topic_id
                && !env.topic_ok(case.project_id, *t)
            {
                return Some(skipped(
                    action,
                    "topic_id",
                    "no such topic in the case's project",
                ));
            }
            let old = opt(case.topic_id);
            case.topic_id = *topic_id;
            Some(change(action, "topic_id", old, opt(*topic_id)))
        }
        Action::SetPriority { priority } => (case.priority != *priority).then(|| {
            let old = case.priority.as_str().to_string();
            case.priority = *priority;
            change(
                action,
                "priority",
                Some(old),
                Some(priority.as_str().into()),
            )
        }),
        Action::SetStatus { status } => (case.status != *status).then(|| {
            let old = case.status.as_str().to_string();
            set_status(case, *status, at);
            change(action, "status", Some(old), Some(status.as_str().into()))
        }),
        Action::AddTags { tags } | Action::RemoveTags { tags } => {
            let adding = matches!(action, Action::AddTags { .. });
            let mut next = case.tags.clone();
            for tag in tags.iter().filter_map(|t| norm_tag(t)) {
                if adding && !next.contains(&tag) {
                    next.push(tag);
                } else if !adding {
                    next.retain(|t| *t != tag);
                }
            }
            if next == case.tags {
                return None;
            }
            if next.len() > 20 {
                return Some(skipped(action, "tags", "a case has at most 20 tags"));
            }
            let old = case.tags.join(", ");
            case.tags = next;
            Some(change(
                action,
                "tags",
                Some(old),
                Some(case.tags.join(", ")),
            ))
        }
        Action::SetHandlingTeam { team } => (case.handling_team != *team).then(|| {
            let old = case.handling_team.as_str().to_string();
            case.handling_team = *team;
            change(
                action,
                "handling_team",
                Some(old),
                Some(team.as_str().into()),
            )
        }),
        Action::SetAssignee { user_id } => {
            if case.assignee_id == *user_id {
                return None;
            }
            if let Some(u) = user_id
                && !env.assignee_ok(case.project_id, *u)
            {
                return Some(skipped(
                    action,
                    "assignee_id",
                    "the assignee is no active member of the case's project",
                ));
            }
            let old = opt(case.assignee_id.map(|u| u.0));
            case.assignee_id = *user_id;
            if user_id.is_some() && case.status == Status::New {
                set_status(case, Status::Open, at);
            }
            Some(change(
                action,
                "assignee_id",
                old,
                opt(user_id.map(|u| u.0)),
            ))
        }
        Action::SetCustom { key, value } => {
            let field = format!("custom.{key}");
            if case.custom.get(key) == Some(value) {
                return None;
            }
            match env.custom(case, key, value) {
                Ok(custom) => {
                    let old = case.custom.get(key).and_then(text_of);
                    case.custom = custom;
                    Some(change(action, &field, old, text_of(value)))
                }
                Err(why) => Some(skipped(action, &field, why)),
            }
        }
        Action::AddNote { text } => Some(change(action, "note", None, Some(text.clone()))),
        Action::NotifyUsers { user_ids, text, .. } => {
            notify(action, env.recipients(case, user_ids, None), text)
        }
        Action::NotifyTeam { team, text, .. } => {
            notify(action, env.recipients(case, &[], Some(*team)), text)
        }
        Action::ReplyWithTextModule { module_id } => Some(match env.reply_text(case, *module_id) {
            Ok(text) => change(action, "reply", Some(module_id.to_string()), Some(text)),
            Err(why) => skipped(action, "reply", why),
        }),
        Action::CallWebhook { webhook_id } => Some(match env.webhook_ok(*webhook_id) {
            Ok(()) => change(action, "webhook", None, Some(webhook_id.to_string())),
            Err(why) => skipped(action, "webhook", why),
        }),
        Action::Route {} => Some(if case.assignee_id.is_some() {
            skipped(action, "route", "the case has an assignee already")
        } else {
            change(action, "route", None, None)
        }),
        Action::MarkSpam {} => {
            let mut changes = mark_spam(case, at);
            // The tag and the status: the status change stands for both
            // here; `run_chain` records both.
            changes.pop()
        }
    }
}

/// A notification's change: `old` the recipients' ids, `new` the text.
fn notify(action: &Action, recipients: Vec<crate::ids::UserId>, text: &str) -> Option<Change> {
    if recipients.is_empty() {
        return Some(skipped(
            action,
            "notify",
            "nobody to notify who sees the case",
        ));
    }
    Some(change(
        action,
        "notify",
        Some(
            recipients
                .iter()
                .map(|u| u.0.to_string())
                .collect::<Vec<_>>()
                .join(","),
        ),
        Some(text.to_string()),
    ))
}

/// The tag that marks spam.
pub const SPAM_TAG: &str = "spam";

/// Tags the case `spam` and closes it: the changes (tags, status) that
/// made a difference.
pub fn mark_spam(case: &mut Case, at: &str) -> Vec<Change> {
    let action = Action::MarkSpam {};
    let mut out = Vec::new();
    if !case.tags.iter().any(|t| t == SPAM_TAG) {
        if case.tags.len() >= 20 {
            out.push(skipped(&action, "tags", "a case has at most 20 tags"));
        } else {
            let old = case.tags.join(", ");
            case.tags.push(SPAM_TAG.to_string());
            out.push(change(
                &action,
                "tags",
                Some(old),
                Some(case.tags.join(", ")),
            ));
        }
    }
    if case.status != Status::Closed {
        let old = case.status.as_str().to_string();
        set_status(case, Status::Closed, at);
        out.push(change(
            &action,
            "status",
            Some(old),
            Some(Status::Closed.as_str().into()),
        ));
    }
    out
}

/// One rule that fired in a chain.
#[derive(Debug, Clone)]
pub struct Fired {
    /// Index into the rules given to [`run_chain`].
    pub rule: usize,
    pub event: RuleEvent,
    pub depth: usize,
    pub changes: Vec<Change>,
    /// For each change, the index of the rule's action that made it.
    pub actions: Vec<usize>,
}

/// Whether a change touched a case field (notes, notifications, replies
/// and webhook calls do not).
fn changes_case(c: &Change) -> bool {
    c.skipped.is_none() && !matches!(c.field.as_str(), "note" | "notify" | "reply" | "webhook")
}

/// Runs `rules` (ordered) for `event` on the case in `after` (changed in
/// place): every rule of the event whose projects and conditions match
/// applies its actions, later rules seeing earlier rules' effects. When
/// rules changed the case, `case-updated` rules run on the result, up to
/// [`MAX_DEPTH`] rounds; no rule fires twice in one chain.
pub fn run_chain(
    rules: &[CompiledRule],
    event: RuleEvent,
    before: Option<&Snapshot>,
    after: &mut Snapshot,
    env: &dyn Env,
    at: &str,
) -> Vec<Fired> {
    let mut fired: Vec<Fired> = Vec::new();
    let mut done: HashSet<i64> = HashSet::new();
    let mut round_before: Option<Snapshot> = before.cloned();
    let mut event = event;
    let (mut replied, mut spam) = (false, false);
    for depth in 0..MAX_DEPTH {
        let start = after.clone();
        let mut changed = false;
        for (i, rule) in rules.iter().enumerate() {
            if rule.event != event || done.contains(&rule.id) {
                continue;
            }
            if !rule.project_ids.is_empty() && !rule.project_ids.contains(&after.case.project_id) {
                continue;
            }
            if !matches(&rule.conditions, round_before.as_ref(), after, env) {
                continue;
            }
            done.insert(rule.id);
            let mut changes: Vec<Change> = Vec::new();
            let mut actions: Vec<usize> = Vec::new();
            for (n, a) in rule.actions.iter().enumerate() {
                let made: Vec<Change> = match a {
                    Action::MarkSpam {} => {
                        spam = true;
                        mark_spam(&mut after.case, at)
                    }
                    // One automatic answer per chain, whatever the rules.
                    Action::ReplyWithTextModule { .. } if replied => {
                        vec![skipped(a, "reply", "a rule replied in this chain already")]
                    }
                    _ => apply(&mut after.case, a, env, at).into_iter().collect(),
                };
                for c in made {
                    replied |= c.field == "reply" && c.skipped.is_none();
                    changes.push(c);
                    actions.push(n);
                }
                if spam {
                    break;
                }
            }
            changed |= changes.iter().any(changes_case);
            fired.push(Fired {
                rule: i,
                event,
                depth,
                changes,
                actions,
            });
            if spam {
                // Spam: no later rule acts on the case.
                return fired;
            }
        }
        if !changed {
            break;
        }
        round_before = Some(start);
        event = RuleEvent::CaseUpdated;
    }
    fired
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::{Channel, HandlingTeam, Priority};
    use crate::ids::{CaseId, UserId};
    use serde_json::json;

    struct TestEnv {
        open: bool,
    }

    impl Env for TestEnv {
        fn is_open(&self, calendar_id: i64) -> Option<bool> {
            (calendar_id == 1).then_some(self.open)
        }
        fn topic_ok(&self, _: ProjectId, topic_id: i64) -> bool {
            topic_id < 100
        }
        fn assignee_ok(&self, _: ProjectId, user_id: UserId) -> bool {
            user_id.0 == 7
        }
        fn custom(&self, case: &Case, key: &str, value: &Value) -> Result<Value, String> {
            if key == "forbidden" {
                return Err("no such field".into());
            }
            let mut c = case.custom.clone();
            c[key] = value.clone();
            Ok(c)
        }
        fn reply_text(&self, case: &Case, module_id: i64) -> Result<String, String> {
            match (case.channel, module_id) {
                (Channel::Call, _) => Err("no written reply on a call".into()),
                (_, 1) => Ok(format!("Guten Tag, Ihr Vorgang {}.", case.reference)),
                _ => Err("no such text module".into()),
            }
        }
        fn webhook_ok(&self, webhook_id: i64) -> Result<(), String> {
            if webhook_id == 1 {
                Ok(())
            } else {
                Err("no such webhook".into())
            }
        }
        fn recipients(&self, _: &Case, users: &[UserId], team: Option<NotifyTeam>) -> Vec<UserId> {
            match team {
                Some(NotifyTeam::Leads) => vec![UserId(9)],
                Some(_) => Vec::new(),
                None => users.iter().copied().filter(|u| u.0 == 7).collect(),
            }
        }
    }

    fn case() -> Case {
        Case {
            id: CaseId(1),
            project_id: ProjectId(3),
            project_key: "ACME".into(),
            number: 1000,
            reference: "ACME-1000".into(),
            subject: "Rechnung doppelt abgebucht".into(),
            channel: Channel::Email,
            topic_id: None,
            topic_name: None,
            status: Status::New,
            priority: Priority::Normal,
            handling_team: HandlingTeam::Client,
            assignee_id: None,
            assignee_name: None,
            contact_id: None,
            contact_name: None,
            organization_id: None,
            organization_name: None,
            tags: vec!["vip".into()],
            due_at: None,
            custom: json!({"vertrag": "Strom Basis", "kwh": 3500}),
            merged_into_id: None,
            version: 1,
            message_count: 1,
            last_message_at: None,
            first_response_at: None,
            solved_at: None,
            closed_at: None,
            created_at: "2026-12-01T09:00:00.000Z".into(),
            updated_at: "2026-12-01T09:00:00.000Z".into(),
            sla_due_at: None,
            sla_target: None,
            handling_tariff: None,
        }
    }

    fn snap() -> Snapshot {
        Snapshot::new(
            case(),
            Some(json!({"name": "Erika Muster", "email": "erika@example.de",
                "language": "de", "custom": {"kundenart": "privat"}})),
            Some(json!({"name": "Stadtwerke Nord", "custom": {"tarif": "gewerbe"}})),
            Some(4),
            "Sehr geehrte Damen und Herren, die Rechnung Nr. 12345 ist falsch.",
        )
    }

    fn tree(v: Value) -> Compiled {
        compile(&serde_json::from_value(v).expect("tree parses")).expect("tree compiles")
    }

    fn rule(id: i64, event: RuleEvent, cond: Value, actions: Value) -> CompiledRule {
        CompiledRule {
            id,
            version_id: id * 10,
            name: format!("Regel {id}"),
            project_ids: vec![],
            event,
            conditions: tree(cond),
            actions: serde_json::from_value(actions).expect("actions parse"),
            schedule: None,
        }
    }

    fn holds(cond: Value) -> bool {
        matches(&tree(cond), None, &snap(), &TestEnv { open: true })
    }

    #[test]
    fn case_contact_organization_and_custom_fields() {
        assert!(holds(
            json!({"field": "status", "op": "is", "value": "new"})
        ));
        assert!(holds(
            json!({"field": "channel", "op": "in", "value": ["call", "email"]})
        ));
        assert!(!holds(
            json!({"field": "priority", "op": "is", "value": "high"})
        ));
        assert!(holds(
            json!({"field": "custom.vertrag", "op": "contains", "value": "strom"})
        ));
        assert!(holds(
            json!({"field": "custom.kwh", "op": "gt", "value": 3000})
        ));
        assert!(!holds(
            json!({"field": "custom.kwh", "op": "lt", "value": 3000})
        ));
        assert!(holds(
            json!({"field": "contact.custom.kundenart", "op": "is", "value": "Privat"})
        ));
        assert!(holds(
            json!({"field": "contact.email", "op": "matches", "value": "@example\\.de$"})
        ));
        assert!(holds(
            json!({"field": "organization.custom.tarif", "op": "is", "value": "gewerbe"})
        ));
        assert!(holds(
            json!({"field": "mailbox_id", "op": "is", "value": 4})
        ));
        assert!(holds(json!({"field": "topic_id", "op": "is-empty"})));
        assert!(holds(
            json!({"field": "tags", "op": "contains", "value": "VIP"})
        ));
        assert!(!holds(
            json!({"field": "tags", "op": "contains", "value": "vi"})
        ));
        assert!(holds(
            json!({"field": "text", "op": "matches", "value": "rechnung nr\\. \\d{5}"})
        ));
        assert!(holds(
            json!({"field": "text", "op": "not-contains", "value": "kündigung"})
        ));
        assert!(holds(json!({"field": "custom.missing", "op": "is-empty"})));
        // Unicode classes fit the size limit.
        assert!(holds(
            json!({"field": "text", "op": "matches", "value": "\\b\\w+\\s+nr\\.\\s*\\d{3,}"})
        ));
    }

    #[test]
    fn all_and_any_groups() {
        let yes = json!({"field": "status", "op": "is", "value": "new"});
        let no = json!({"field": "status", "op": "is", "value": "closed"});
        assert!(holds(json!({"all": [yes, {"any": [no, yes]}]})));
        assert!(!holds(json!({"all": [yes, {"any": [no, no]}]})));
        assert!(
            holds(json!({"all": []})),
            "an empty group matches every case"
        );
        assert!(!holds(json!({"any": [no]})));
    }

    #[test]
    fn business_hours_ask_the_calendar() {
        let open = json!({"field": "business_hours", "op": "is-open", "value": 1});
        let closed = json!({"field": "business_hours", "op": "is-closed", "value": 1});
        let env = TestEnv { open: false };
        assert!(!matches(&tree(open.clone()), None, &snap(), &env));
        assert!(matches(&tree(closed), None, &snap(), &env));
        assert!(matches(&tree(open), None, &snap(), &TestEnv { open: true }));
        let unknown = json!({"field": "business_hours", "op": "is-closed", "value": 99});
        assert!(!holds(unknown), "an unknown calendar matches nothing");
    }

    #[test]
    fn changed_from_and_to_compare_with_before() {
        let before = snap();
        let mut after = snap();
        after.case.priority = Priority::Urgent;
        let env = TestEnv { open: true };
        let t = |v: Value| matches(&tree(v), Some(&before), &after, &env);
        assert!(t(json!({"field": "priority", "op": "changed"})));
        assert!(t(
            json!({"field": "priority", "op": "changed-from", "value": "normal"})
        ));
        assert!(t(
            json!({"field": "priority", "op": "changed-to", "value": "urgent"})
        ));
        assert!(!t(
            json!({"field": "priority", "op": "changed-to", "value": "high"})
        ));
        assert!(!t(json!({"field": "status", "op": "changed"})));
        // At creation nothing changed.
        assert!(!matches(
            &tree(json!({"field": "priority", "op": "changed"})),
            None,
            &after,
            &env
        ));
    }

    #[test]
    fn bad_trees_are_refused_with_reasons() {
        let bad = |v: Value| {
            let node: ConditionNode = serde_json::from_value(v).expect("parses");
            compile(&node).expect_err("refused").message
        };
        assert!(bad(json!({"field": "nope", "op": "is", "value": 1})).contains("unknown field"));
        assert!(bad(json!({"field": "status", "op": "like", "value": 1})).contains("unknown op"));
        assert!(bad(json!({"field": "status", "op": "in", "value": "new"})).contains("list"));
        assert!(bad(json!({"field": "text", "op": "is", "value": "x"})).contains("text takes"));
        assert!(
            bad(json!({"field": "text", "op": "matches", "value": "(unclosed"}))
                .contains("pattern")
        );
        // A pattern whose automaton exceeds the size limit.
        assert!(
            bad(json!({"field": "text", "op": "matches", "value": "\\w{1000}\\w{1000}"}))
                .contains("pattern")
        );
        assert!(
            bad(json!({"field": "contact.password", "op": "is", "value": "x"}))
                .contains("unknown field")
        );
        let mut deep = json!({"field": "status", "op": "is", "value": "new"});
        for _ in 0..7 {
            deep = json!({"all": [deep]});
        }
        assert!(bad(deep).contains("nest"));
    }

    #[test]
    fn actions_produce_a_change_list() {
        let mut s = snap();
        let env = TestEnv { open: true };
        let rules = vec![rule(
            1,
            RuleEvent::CaseCreated,
            json!({"field": "text", "op": "contains", "value": "rechnung"}),
            json!([
                {"type": "set-topic", "topic_id": 5},
                {"type": "set-priority", "priority": "high"},
                {"type": "add-tags", "tags": ["Rechnung", "vip"]},
                {"type": "set-handling-team", "team": "provider"},
                {"type": "set-assignee", "user_id": 7},
                {"type": "set-custom", "key": "vertrag", "value": "Gas"},
                {"type": "set-custom", "key": "forbidden", "value": 1},
                {"type": "set-assignee", "user_id": 8},
                {"type": "add-note", "text": "Bitte Buchhaltung fragen"},
            ]),
        )];
        let fired = run_chain(
            &rules,
            RuleEvent::CaseCreated,
            None,
            &mut s,
            &env,
            "2026-12-01T10:00:00.000Z",
        );
        assert_eq!(fired.len(), 1);
        let fields: Vec<&str> = fired[0].changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "topic_id",
                "priority",
                "tags",
                "handling_team",
                "assignee_id",
                "custom.vertrag",
                "custom.forbidden",
                "assignee_id",
                "note"
            ]
        );
        assert_eq!(s.case.topic_id, Some(5));
        assert_eq!(s.case.priority, Priority::High);
        assert_eq!(s.case.tags, vec!["vip".to_string(), "rechnung".to_string()]);
        assert_eq!(s.case.handling_team, HandlingTeam::Provider);
        assert_eq!(s.case.assignee_id, Some(UserId(7)));
        assert_eq!(s.case.status, Status::Open, "assigning opens a new case");
        assert_eq!(s.case.custom["vertrag"], json!("Gas"));
        assert!(fired[0].changes[6].skipped.is_some());
        assert!(
            fired[0].changes[7].skipped.is_some(),
            "no member: skipped, not applied"
        );
    }

    #[test]
    fn rules_chain_with_depth_limit_and_each_rule_once() {
        let env = TestEnv { open: true };
        // Rule 1 on creation sets high; rule 2 reacts to the change to high
        // and sets urgent; rule 3 flips the status back and forth and would
        // loop forever, but runs once.
        let rules = vec![
            rule(
                1,
                RuleEvent::CaseCreated,
                json!({"all": []}),
                json!([{"type": "set-priority", "priority": "high"}]),
            ),
            rule(
                2,
                RuleEvent::CaseUpdated,
                json!({"field": "priority", "op": "changed-to", "value": "high"}),
                json!([{"type": "set-priority", "priority": "urgent"}]),
            ),
            rule(
                3,
                RuleEvent::CaseUpdated,
                json!({"field": "priority", "op": "changed"}),
                json!([{"type": "set-priority", "priority": "low"}]),
            ),
        ];
        let mut s = snap();
        let fired = run_chain(&rules, RuleEvent::CaseCreated, None, &mut s, &env, "t");
        let order: Vec<(i64, usize)> = fired.iter().map(|f| (rules[f.rule].id, f.depth)).collect();
        // Depth 1: rule 2 sets urgent, rule 3 (sees priority changed) sets low.
        assert_eq!(order, [(1, 0), (2, 1), (3, 1)]);
        assert_eq!(s.case.priority, Priority::Low);

        // A ping-pong of many rules stops at the depth limit.
        let many: Vec<CompiledRule> = (0..20)
            .map(|i| rule(100 + i, RuleEvent::CaseUpdated, json!({"field": "priority", "op": "changed"}),
                json!([{"type": "set-priority", "priority": if i % 2 == 0 { "low" } else { "urgent" }}])))
            .collect();
        let mut s = snap();
        let before = snap();
        s.case.priority = Priority::High;
        let fired = run_chain(
            &many,
            RuleEvent::CaseUpdated,
            Some(&before),
            &mut s,
            &env,
            "t",
        );
        assert!(fired.iter().all(|f| f.depth < MAX_DEPTH));
        let mut ids: Vec<i64> = fired.iter().map(|f| many[f.rule].id).collect();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "no rule twice");
    }

    #[test]
    fn project_limits_and_events_select_rules() {
        let env = TestEnv { open: true };
        let mut other = rule(
            1,
            RuleEvent::CaseCreated,
            json!({"all": []}),
            json!([{"type": "add-tags", "tags": ["x"]}]),
        );
        other.project_ids = vec![ProjectId(99)];
        let wrong_event = rule(
            2,
            RuleEvent::ReplySent,
            json!({"all": []}),
            json!([{"type": "add-tags", "tags": ["y"]}]),
        );
        let mut s = snap();
        assert!(
            run_chain(
                &[other, wrong_event],
                RuleEvent::CaseCreated,
                None,
                &mut s,
                &env,
                "t"
            )
            .is_empty()
        );
        assert_eq!(s.case.tags, vec!["vip".to_string()]);
    }

    #[test]
    fn actions_are_checked() {
        assert!(check_actions(&[]).is_err());
        let note: Vec<Action> =
            serde_json::from_value(json!([{"type": "add-note", "text": " "}])).expect("parses");
        assert!(check_actions(&note).is_err());
        let ok: Vec<Action> =
            serde_json::from_value(json!([{"type": "set-status", "status": "closed"}]))
                .expect("parses");
        assert!(check_actions(&ok).is_ok());
        assert!(serde_json::from_value::<Vec<Action>>(json!([{"type": "explode"}])).is_err());
    }

    #[test]
    fn replies_once_per_chain_and_spam_ends_the_chain() {
        let env = TestEnv { open: true };
        let rules = vec![
            rule(
                1,
                RuleEvent::CaseCreated,
                json!({"all": []}),
                json!([
                    {"type": "reply-with-text-module", "module_id": 1},
                    {"type": "reply-with-text-module", "module_id": 1},
                    {"type": "reply-with-text-module", "module_id": 2},
                    {"type": "call-webhook", "webhook_id": 1},
                    {"type": "notify-users", "user_ids": [7, 8], "text": "Bitte ansehen", "email": true},
                    {"type": "notify-team", "team": "leads", "text": "Neu"},
                    {"type": "notify-team", "team": "provider", "text": "Neu"},
                ]),
            ),
            rule(
                2,
                RuleEvent::CaseCreated,
                json!({"field": "text", "op": "contains", "value": "rechnung"}),
                json!([
                    {"type": "mark-spam"},
                    {"type": "set-priority", "priority": "urgent"},
                ]),
            ),
            rule(
                3,
                RuleEvent::CaseCreated,
                json!({"all": []}),
                json!([{"type": "set-priority", "priority": "high"}]),
            ),
        ];
        let mut s = snap();
        let fired = run_chain(&rules, RuleEvent::CaseCreated, None, &mut s, &env, "t");
        assert_eq!(fired.len(), 2, "rule 3 comes after the spam mark");
        let first = &fired[0];
        let got: Vec<(&str, bool)> = first
            .changes
            .iter()
            .map(|c| (c.field.as_str(), c.skipped.is_none()))
            .collect();
        assert_eq!(
            got,
            [
                ("reply", true),
                ("reply", false),
                ("reply", false),
                ("webhook", true),
                ("notify", true),
                ("notify", true),
                ("notify", false),
            ]
        );
        assert_eq!(
            first.changes[0].new.as_deref(),
            Some("Guten Tag, Ihr Vorgang ACME-1000.")
        );
        assert_eq!(
            first.changes[4].old.as_deref(),
            Some("7"),
            "8 does not see the case"
        );
        assert_eq!(first.changes[5].old.as_deref(), Some("9"));
        assert_eq!(first.actions, vec![0, 1, 2, 3, 4, 5, 6]);
        let spam = &fired[1];
        assert_eq!(spam.changes.len(), 2, "tag and status, then nothing");
        assert_eq!(s.case.status, Status::Closed);
        assert!(s.case.tags.contains(&"spam".to_string()));
        assert_eq!(
            s.case.priority,
            Priority::Normal,
            "actions after mark-spam do not run"
        );

        // A call has no written reply.
        let mut call = snap();
        call.case.channel = Channel::Call;
        let fired = run_chain(
            &rules[..1],
            RuleEvent::CaseCreated,
            None,
            &mut call,
            &env,
            "t",
        );
        assert!(fired[0].changes[0].skipped.is_some());
    }

    #[test]
    fn new_actions_parse_in_their_exact_shapes() {
        let ok: Vec<Action> = serde_json::from_value(json!([
            {"type": "reply-with-text-module", "module_id": 3},
            {"type": "notify-team", "team": "client", "text": "x", "email": false},
            {"type": "notify-users", "user_ids": [1], "text": "x"},
            {"type": "call-webhook", "webhook_id": 2},
            {"type": "mark-spam"},
        ]))
        .expect("parses");
        assert!(matches!(ok[2], Action::NotifyUsers { email: false, .. }));
        assert!(check_actions(&ok).is_ok());
        for bad in [
            json!({"type": "mark-spam", "close": true}),
            json!({"type": "notify-team", "team": "everyone", "text": "x"}),
            json!({"type": "call-webhook", "webhook_id": 2, "url": "x"}),
        ] {
            assert!(serde_json::from_value::<Action>(bad).is_err());
        }
    }
}
