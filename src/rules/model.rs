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
    NotifyUsers {
        user_ids: Vec<UserId>,
        text: String,
    },
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
