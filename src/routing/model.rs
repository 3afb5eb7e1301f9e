use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::cases::Channel;
use crate::ids::{CaseId, ProjectId, UserId};

/// How new cases of a project and channel reach agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = RoutingMode)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Agents take cases from their views (the default).
    Pull,
    /// Pushed to the next available agent in turn.
    RoundRobin,
    /// Pushed to the available agent with the fewest open cases of the
    /// channel (tie: the one without a routed case for longest).
    LeastLoaded,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Pull => "pull",
            Mode::RoundRobin => "round-robin",
            Mode::LeastLoaded => "least-loaded",
        }
    }

    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "pull" => Some(Mode::Pull),
            "round-robin" => Some(Mode::RoundRobin),
            "least-loaded" => Some(Mode::LeastLoaded),
            _ => None,
        }
    }

    pub fn pushes(self) -> bool {
        self != Mode::Pull
    }
}

/// An agent's availability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Availability {
    Available,
    Away,
    Offline,
}

impl Availability {
    pub fn as_str(self) -> &'static str {
        match self {
            Availability::Available => "available",
            Availability::Away => "away",
            Availability::Offline => "offline",
        }
    }

    pub fn parse(s: &str) -> Option<Availability> {
        match s {
            "available" => Some(Availability::Available),
            "away" => Some(Availability::Away),
            "offline" => Some(Availability::Offline),
            _ => None,
        }
    }
}

/// Why a case waits in the routing queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum QueueReason {
    /// No agent of the case's handling team works in the project.
    NoAgent,
    /// Agents exist, none is available.
    NobodyAvailable,
    /// Available agents exist, none has the skills the case needs.
    NoSkillMatch,
    /// The matching available agents are all at their capacity.
    AtCapacity,
}

impl QueueReason {
    pub fn as_str(self) -> &'static str {
        match self {
            QueueReason::NoAgent => "no-agent",
            QueueReason::NobodyAvailable => "nobody-available",
            QueueReason::NoSkillMatch => "no-skill-match",
            QueueReason::AtCapacity => "at-capacity",
        }
    }

    pub fn parse(s: &str) -> Option<QueueReason> {
        match s {
            "no-agent" => Some(QueueReason::NoAgent),
            "nobody-available" => Some(QueueReason::NobodyAvailable),
            "no-skill-match" => Some(QueueReason::NoSkillMatch),
            "at-capacity" => Some(QueueReason::AtCapacity),
            _ => None,
        }
    }
}

crate::db::text_enum!(Mode, Availability, QueueReason);

/// The mode of one channel of a project.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChannelMode {
    pub channel: Channel,
    pub mode: Mode,
}

/// `PUT /projects/{id}/routing/{channel}`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ModeInput {
    pub mode: Mode,
}

/// A skill: a language (e.g. `de`, as a contact's language) or a topic of
/// one of the client's projects, with a level 1 (basic) to 3 (expert).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Skill {
    /// `language` or `topic`.
    #[schema(pattern = "^(language|topic)$")]
    pub kind: String,
    /// For `language`: the language code (2–8 letters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, max_length = 8)]
    pub language: Option<String>,
    /// For `topic`: the topic's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub topic_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub topic_name: Option<String>,
    #[schema(minimum = 1, maximum = 3)]
    pub level: i64,
}

/// At most `max_open` open cases of the channel assigned to the agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Capacity {
    pub channel: Channel,
    #[schema(minimum = 0, maximum = 100)]
    pub max_open: i64,
}

/// An agent's routing settings: skills and capacities (every channel, the
/// defaults filled in where none is set).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgentRouting {
    pub user_id: UserId,
    pub name: String,
    pub availability: Availability,
    pub since: Option<String>,
    pub last_activity_at: Option<String>,
    pub skills: Vec<Skill>,
    pub capacity: Vec<Capacity>,
    /// Open cases assigned to the agent per channel (every channel, in every
    /// project: capacity counts them all).
    pub open: Vec<ChannelCount>,
    /// Whether the caller may change the skills and capacities.
    pub editable: bool,
}

/// How many of something per channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ChannelCount {
    pub channel: Channel,
    pub count: i64,
}

/// `PUT /routing/agents/{id}`: replaces the skills and capacities.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AgentRoutingInput {
    #[schema(max_items = 200)]
    pub skills: Vec<Skill>,
    /// Channels not named use the default.
    #[schema(max_items = 5)]
    pub capacity: Vec<Capacity>,
}

/// One's own availability.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyAvailability {
    pub state: Availability,
    pub since: Option<String>,
    /// True when the idle job set `away` (activity makes one available
    /// again).
    pub auto_away: bool,
    /// Minutes without activity after which an available agent is away.
    pub away_after_minutes: i64,
}

/// `PUT /routing/me`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AvailabilityInput {
    pub state: Availability,
}

/// A case waiting in a project's routing queue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueuedCase {
    pub case_id: CaseId,
    #[serde(rename = "ref")]
    pub reference: String,
    pub subject: String,
    pub channel: Channel,
    pub queued_at: String,
    pub reason: QueueReason,
}

/// A project's routing: the mode per channel (every channel), the project's
/// agents with their routing state, and how many cases wait.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectRouting {
    pub project_id: ProjectId,
    pub modes: Vec<ChannelMode>,
    pub agents: Vec<AgentRouting>,
    pub queued: i64,
}

/// The platform's routing settings.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RoutingSettings {
    /// Minutes without activity after which an available agent is marked
    /// away.
    #[schema(minimum = 1, maximum = 1440)]
    pub away_after_minutes: i64,
    /// Seconds without a sign of life from an agent's workspace (heartbeat,
    /// activity) after which the agent is offline: a closed or crashed
    /// browser never stays available.
    #[serde(default = "default_offline_after_seconds")]
    #[schema(minimum = 60, maximum = 86400)]
    pub offline_after_seconds: i64,
}

fn default_offline_after_seconds() -> i64 {
    120
}
