use crate::ids::{ClientId, ProjectId, TeamId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `info`: a banner the agent may dismiss; `acknowledge`: stays until the
/// agent acknowledges it (put off, it comes back at the next sign-in or
/// after `remind_hours`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Urgency {
    Info,
    Acknowledge,
}

impl Urgency {
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Info => "info",
            Urgency::Acknowledge => "acknowledge",
        }
    }

    pub fn parse(text: &str) -> Option<Urgency> {
        match text {
            "info" => Some(Urgency::Info),
            "acknowledge" => Some(Urgency::Acknowledge),
            _ => None,
        }
    }
}

/// `draft` → `published` → `withdrawn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum InstructionState {
    Draft,
    Published,
    Withdrawn,
}

impl InstructionState {
    pub fn as_str(self) -> &'static str {
        match self {
            InstructionState::Draft => "draft",
            InstructionState::Published => "published",
            InstructionState::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(text: &str) -> Option<InstructionState> {
        match text {
            "draft" => Some(InstructionState::Draft),
            "published" => Some(InstructionState::Published),
            "withdrawn" => Some(InstructionState::Withdrawn),
            _ => None,
        }
    }
}

crate::db::text_enum!(Urgency, InstructionState);

/// A work instruction as its editors (client admin, project leads) see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Instruction {
    pub id: i64,
    pub client_id: ClientId,
    pub title: String,
    /// The Markdown as written.
    pub body: String,
    /// Rendered and sanitised.
    pub body_html: String,
    pub urgency: Urgency,
    pub state: InstructionState,
    /// UTC, RFC 3339; `null`: from publishing on.
    pub valid_from: Option<String>,
    /// UTC, RFC 3339; `null`: until withdrawn.
    pub valid_to: Option<String>,
    /// The hours a put-off must-acknowledge instruction stays away: its own
    /// (`remind_hours_own`), else the client's default, else 4.
    pub remind_hours: i64,
    /// The instruction's own hours; `null`: it follows the client's default
    /// (`GET /clients/{id}/instruction-settings`).
    pub remind_hours_own: Option<i64>,
    /// Empty: every project of the client.
    pub project_ids: Vec<ProjectId>,
    /// Empty: every team.
    pub team_ids: Vec<TeamId>,
    pub created_at: String,
    pub updated_at: String,
    pub published_at: Option<String>,
    pub published_by_name: Option<String>,
    pub withdrawn_at: Option<String>,
    /// Agents it applies to, and how many of them acknowledged.
    pub agent_count: i64,
    pub acknowledged_count: i64,
    /// What the caller may do with it (the UI offers only that).
    pub can: Option<crate::auth::model::InstructionActions>,
}

/// A published instruction that applies to the caller, with their state.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyInstruction {
    pub id: i64,
    pub client_id: ClientId,
    pub title: String,
    pub body_html: String,
    pub urgency: Urgency,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    pub published_at: Option<String>,
    pub acknowledged_at: Option<String>,
    /// Dismissed (info) or put off (must-acknowledge) at.
    pub dismissed_at: Option<String>,
    /// Whether the workspace shows it as a banner now.
    pub banner: bool,
}

/// A new instruction (a draft).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInstruction {
    pub client_id: ClientId,
    #[schema(max_length = 200)]
    pub title: String,
    /// Markdown.
    #[schema(max_length = 50000)]
    pub body: String,
    pub urgency: Urgency,
    /// UTC or with an offset, RFC 3339.
    #[serde(default)]
    pub valid_from: Option<String>,
    #[serde(default)]
    pub valid_to: Option<String>,
    /// 1–168; absent or `null`: the client's default (else 4), which then
    /// also applies when the default changes later.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 168)]
    pub remind_hours: Option<i64>,
    /// The client's projects; empty: all.
    #[serde(default)]
    pub project_ids: Vec<ProjectId>,
    /// The client's teams or the provider's; empty: all.
    #[serde(default)]
    pub team_ids: Vec<TeamId>,
}

/// The whole draft again (only a draft can be changed).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstructionDraft {
    #[schema(max_length = 200)]
    pub title: String,
    #[schema(max_length = 50000)]
    pub body: String,
    pub urgency: Urgency,
    #[serde(default)]
    pub valid_from: Option<String>,
    #[serde(default)]
    pub valid_to: Option<String>,
    /// 1–168; absent or `null`: the client's default.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 168)]
    pub remind_hours: Option<i64>,
    #[serde(default)]
    pub project_ids: Vec<ProjectId>,
    #[serde(default)]
    pub team_ids: Vec<TeamId>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InstructionQuery {
    pub client_id: ClientId,
    #[serde(default)]
    pub state: Option<InstructionState>,
}

/// An agent who acknowledged, and when.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Acknowledged {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub at: String,
}

/// An agent it applies to who has not acknowledged yet.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotAcknowledged {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Acknowledgments {
    pub acknowledged: Vec<Acknowledged>,
    pub pending: Vec<NotAcknowledged>,
}

/// A client's defaults for its work instructions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InstructionSettings {
    pub client_id: ClientId,
    /// The client's default hours after which a put-off must-acknowledge
    /// instruction comes back (for instructions without their own);
    /// `null`: none set, the built-in `default_remind_hours` apply.
    pub remind_hours: Option<i64>,
    /// The built-in default (4).
    pub default_remind_hours: i64,
    /// What applies to an instruction without its own hours now.
    pub effective_remind_hours: i64,
    pub updated_at: Option<String>,
    pub updated_by_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstructionSettingsInput {
    /// 1–168; `null`: back to the built-in default.
    #[schema(minimum = 1, maximum = 168)]
    pub remind_hours: Option<i64>,
}
