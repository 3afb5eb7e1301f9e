//! Rules: the stored shapes (API in and out) and the condition and action
//! language (docs/workflows.md "Rules").

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::cases::{HandlingTeam, Priority, Status};
use crate::ids::{ClientId, ProjectId, UserId};

/// What fires a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RuleEvent {
    CaseCreated,
    CaseUpdated,
    MessageReceived,
    ReplySent,
    TimeBased,
    SlaWarning,
    SlaBreached,
}

impl RuleEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleEvent::CaseCreated => "case-created",
            RuleEvent::CaseUpdated => "case-updated",
            RuleEvent::MessageReceived => "message-received",
            RuleEvent::ReplySent => "reply-sent",
            RuleEvent::TimeBased => "time-based",
            RuleEvent::SlaWarning => "sla-warning",
            RuleEvent::SlaBreached => "sla-breached",
        }
    }

    pub fn parse(s: &str) -> Option<RuleEvent> {
        [
            RuleEvent::CaseCreated,
            RuleEvent::CaseUpdated,
            RuleEvent::MessageReceived,
            RuleEvent::ReplySent,
            RuleEvent::TimeBased,
            RuleEvent::SlaWarning,
            RuleEvent::SlaBreached,
        ]
        .into_iter()
        .find(|e| e.as_str() == s)
    }
}

/// A node of the condition tree: `{"all": [...]}`, `{"any": [...]}` or one
/// condition `{"field": ..., "op": ..., "value": ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ConditionNode {
    All {
        #[schema(no_recursion)]
        all: Vec<ConditionNode>,
    },
    Any {
        #[schema(no_recursion)]
        any: Vec<ConditionNode>,
    },
    Leaf(Condition),
}

impl Default for ConditionNode {
    fn default() -> Self {
        ConditionNode::All { all: Vec::new() }
    }
}

/// One condition. Fields: `subject`, `status`, `priority`, `channel`,
/// `topic_id`, `handling_team`, `assignee_id`, `contact_id`,
/// `organization_id`, `mailbox_id`, `tags`, `custom.<key>`,
/// `contact.<name|email|language|city|country|customer_number|custom.<key>>`,
/// `organization.<name|customer_number|domain|city|country|custom.<key>>`,
/// `text` (the subject and the message that fired), `business_hours`
/// (value: a calendar id; ops `is-open`, `is-closed`).
/// Ops: `is`, `is-not`, `in`, `not-in`, `contains`, `not-contains`,
/// `matches` (a regular expression), `is-empty`, `is-set`, `gt`, `lt`,
/// `changed`, `changed-from`, `changed-to`, `is-open`, `is-closed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: String,
    pub op: String,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
}

/// One action of a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Action {
    SetTopic {
        topic_id: Option<i64>,
    },
    SetPriority {
        priority: Priority,
    },
    SetStatus {
        status: Status,
    },
    AddTags {
        tags: Vec<String>,
    },
    RemoveTags {
        tags: Vec<String>,
    },
    SetHandlingTeam {
        team: HandlingTeam,
    },
    SetAssignee {
        user_id: Option<UserId>,
    },
    SetCustom {
        key: String,
        #[schema(value_type = Object)]
        value: serde_json::Value,
    },
    AddNote {
        text: String,
    },
    /// A notification in the UI (the bell) for each named user who sees the
    /// case; with `email`, also an e-mail to each of them.
    NotifyUsers {
        user_ids: Vec<UserId>,
        text: String,
        #[serde(default)]
        email: bool,
    },
    /// Notifies the members of the case's project in one team who see the
    /// case: `client` (the client's own agents), `provider` (the provider
    /// agents of the case's provider team), `leads` (the project leads).
    NotifyTeam {
        team: NotifyTeam,
        text: String,
        #[serde(default)]
        email: bool,
    },
    /// Replies to the customer with the text module's published text
    /// (placeholders filled) through the case's channel, like an agent's
    /// reply (e-mail and web-form cases; others: skipped).
    ReplyWithTextModule {
        module_id: i64,
    },
    /// Queues a `rule.fired` delivery for the webhook (same transaction).
    CallWebhook {
        webhook_id: i64,
    },
    /// Tags the case `spam` and closes it; the chain stops there and later
    /// events fire no rules on it while the tag stays.
    MarkSpam {},
    /// Hands an unassigned open case to routing (`routing::route_case`):
    /// pushed to an agent by the project's mode for its channel, or queued.
    Route {},
}

/// Which team of the case's project a `notify-team` action reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NotifyTeam {
    Client,
    Provider,
    Leads,
}

/// The moment a time-based rule counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Since {
    StatusChanged,
    Created,
    LastMessage,
    Updated,
}

impl Since {
    /// The SQL expression of the moment on `cases c` (as the partial
    /// indexes of migration 0033 have it).
    pub fn expr(self) -> &'static str {
        match self {
            Since::StatusChanged => "coalesce(c.status_changed_at, c.created_at)",
            Since::Created => "c.created_at",
            Since::LastMessage => "c.last_message_at",
            Since::Updated => "c.updated_at",
        }
    }
}

/// When a `time-based` rule fires: for an open case, once `minutes` have
/// passed since the moment (business minutes on the calendar when one is
/// named, wall-clock minutes otherwise) and the conditions hold; once per
/// case and moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    pub since: Since,
    /// 1 to 525,600 (a year).
    pub minutes: i64,
    /// A business calendar of the rule's client; `null`: wall-clock time.
    #[serde(default)]
    pub calendar_id: Option<i64>,
}

/// What a client admin sends to create a rule or save a new version.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    #[schema(max_length = 200)]
    pub name: String,
    /// Only for creating: the client (platform admins; a client admin's own
    /// client otherwise).
    pub client_id: Option<ClientId>,
    #[serde(default)]
    pub project_ids: Vec<ProjectId>,
    pub event: RuleEvent,
    #[serde(default)]
    pub conditions: ConditionNode,
    #[serde(default)]
    pub actions: Vec<Action>,
    /// Required for `time-based` rules, refused for every other event.
    #[serde(default)]
    pub schedule: Option<Schedule>,
    /// For a new version: the version it was made on (409
    /// `rule-version-conflict` when a newer one exists).
    pub expected_version: Option<i64>,
}

/// A rule with its current version.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Rule {
    pub id: i64,
    pub client_id: ClientId,
    pub name: String,
    pub position: i64,
    pub active: bool,
    pub version: i64,
    pub version_id: i64,
    pub project_ids: Vec<ProjectId>,
    pub event: RuleEvent,
    pub conditions: ConditionNode,
    pub actions: Vec<Action>,
    /// Set for `time-based` rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub schedule: Option<Schedule>,
    pub created_at: String,
    pub updated_at: String,
}

/// One saved version of a rule.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleVersion {
    pub id: i64,
    pub version: i64,
    pub name: String,
    pub project_ids: Vec<ProjectId>,
    pub event: RuleEvent,
    pub conditions: ConditionNode,
    pub actions: Vec<Action>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub schedule: Option<Schedule>,
    pub created_by: Option<UserId>,
    /// The name of who saved it (for the versions list), if the user exists.
    pub created_by_name: Option<String>,
    pub created_at: String,
}

/// One change a rule made (or would make, in a dry run).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Change {
    /// The action's `type`.
    pub action: String,
    /// The case field changed (`status`, `tags`, `custom.<key>`, `note`,
    /// `notify`).
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
    /// Set when the action could not apply (e.g. the assignee is no member
    /// of the project): nothing changed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[schema(nullable = false)]
    pub skipped: Option<String>,
}

/// One rule that fired on a case.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleRun {
    pub id: i64,
    pub rule_id: Option<i64>,
    pub rule_version_id: Option<i64>,
    pub rule_name: Option<String>,
    pub case_id: i64,
    pub event: String,
    pub at: String,
    pub depth: i64,
    pub changes: Vec<Change>,
}

/// The answer of a dry run: which rules would fire, what they would change.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DryRun {
    pub case_id: i64,
    pub event: RuleEvent,
    pub runs: Vec<DryRunRule>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DryRunRule {
    pub rule_id: i64,
    pub rule_name: String,
    pub depth: i64,
    pub changes: Vec<Change>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DryRunInput {
    pub case_id: i64,
    /// The event to simulate; default `case-updated`.
    pub event: Option<RuleEvent>,
    /// Only this rule (and what it chains to); default: all active rules.
    /// An inactive rule can be tried this way before it is activated.
    pub rule_id: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reorder {
    /// The client's rule ids in the new order.
    pub rule_ids: Vec<i64>,
}

#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RuleQuery {
    /// The client; default: the caller's own.
    pub client_id: Option<ClientId>,
}

/// A notification a rule sent to the caller (the bell).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Notification {
    pub id: i64,
    pub case_id: i64,
    /// The case's reference, e.g. `ACME-1042`.
    pub case_reference: String,
    pub case_subject: String,
    /// The rule's name as it is now (none once the rule was deleted).
    pub rule_name: Option<String>,
    pub text: String,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub read_at: Option<String>,
}

/// A page of the caller's notifications, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotificationPage {
    pub items: Vec<Notification>,
    /// Unread notifications about cases the caller sees, in all.
    pub unread: i64,
    /// Pass as `before` for the next (older) page; none on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub next_before: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// At most this many (default 20, at most 100).
    pub limit: Option<u32>,
    /// Only notifications older than this id (the previous page's
    /// `next_before`).
    pub before: Option<i64>,
    /// Only unread ones.
    #[serde(default)]
    pub unread: bool,
}

/// How many were marked read.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MarkedRead {
    pub marked: i64,
    pub unread: i64,
}
