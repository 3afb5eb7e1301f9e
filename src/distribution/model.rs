use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::cases::{Channel, HandlingTeam};
use crate::ids::{ProjectId, UserId};
use crate::users::Tariff;

/// A team that takes cases in a distribution plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[schema(as = DistributionTeam)]
#[serde(rename_all = "kebab-case")]
pub enum Team {
    /// The client's own team.
    Client,
    /// The provider's Team Basic.
    ProviderBasic,
    /// The provider's Team Pro.
    ProviderPro,
}

impl Team {
    pub fn as_str(self) -> &'static str {
        match self {
            Team::Client => "client",
            Team::ProviderBasic => "provider-basic",
            Team::ProviderPro => "provider-pro",
        }
    }

    pub fn parse(s: &str) -> Option<Team> {
        match s {
            "client" => Some(Team::Client),
            "provider-basic" => Some(Team::ProviderBasic),
            "provider-pro" => Some(Team::ProviderPro),
            _ => None,
        }
    }

    /// The case's `handling_team` and `handling_tariff`.
    pub fn handling(self) -> (HandlingTeam, Option<Tariff>) {
        match self {
            Team::Client => (HandlingTeam::Client, None),
            Team::ProviderBasic => (HandlingTeam::Provider, Some(Tariff::Basic)),
            Team::ProviderPro => (HandlingTeam::Provider, Some(Tariff::Pro)),
        }
    }

    pub fn of_case(team: HandlingTeam, tariff: Option<Tariff>) -> Option<Team> {
        match (team, tariff) {
            (HandlingTeam::Client, _) => Some(Team::Client),
            (HandlingTeam::Provider, Some(Tariff::Basic)) => Some(Team::ProviderBasic),
            (HandlingTeam::Provider, Some(Tariff::Pro)) => Some(Team::ProviderPro),
            // A provider case from before plans: any provider team.
            (HandlingTeam::Provider, None) => None,
        }
    }
}

crate::db::text_enum!(Team);

/// What a plan change does to the project's open cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = DistributionOpenCases)]
#[serde(rename_all = "kebab-case")]
pub enum OpenCases {
    /// They stay with the team they have.
    Leave,
    /// Open cases without an assignee go where the new plan puts them.
    MoveUnassigned,
    /// Every open case goes where the new plan puts it; a moved case loses
    /// its assignee (of the team it left).
    MoveAll,
}

impl OpenCases {
    pub fn as_str(self) -> &'static str {
        match self {
            OpenCases::Leave => "leave",
            OpenCases::MoveUnassigned => "move-unassigned",
            OpenCases::MoveAll => "move-all",
        }
    }

    pub fn parse(s: &str) -> Option<OpenCases> {
        match s {
            "leave" => Some(OpenCases::Leave),
            "move-unassigned" => Some(OpenCases::MoveUnassigned),
            "move-all" => Some(OpenCases::MoveAll),
            _ => None,
        }
    }
}

crate::db::text_enum!(OpenCases);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = DistributionOverflowKind)]
#[serde(rename_all = "kebab-case")]
pub enum OverflowKind {
    /// The own team's open queue holds more than `threshold` cases.
    QueueOver,
    /// The calendar (`calendar_id`) is closed: outside the own team's
    /// service hours.
    OutsideHours,
}

impl OverflowKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OverflowKind::QueueOver => "queue-over",
            OverflowKind::OutsideHours => "outside-hours",
        }
    }

    pub fn parse(s: &str) -> Option<OverflowKind> {
        match s {
            "queue-over" => Some(OverflowKind::QueueOver),
            "outside-hours" => Some(OverflowKind::OutsideHours),
            _ => None,
        }
    }
}

crate::db::text_enum!(OverflowKind);

/// One share of a topic and channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = DistributionEntry)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// `null`: any topic (the row for topics without their own).
    pub topic_id: Option<i64>,
    /// `null`: any channel.
    pub channel: Option<Channel>,
    pub team: Team,
    /// 1–100; the shares of one topic and channel sum to 100.
    #[schema(minimum = 1, maximum = 100)]
    pub share_percent: i64,
}

/// An overflow rule: applies, in order, to cases the plan gives the own team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = DistributionOverflow)]
#[serde(deny_unknown_fields)]
pub struct Overflow {
    pub kind: OverflowKind,
    /// `queue-over`: more than this many open own-team cases.
    #[serde(default)]
    pub threshold: Option<i64>,
    /// `outside-hours`: a business calendar of the project's client.
    #[serde(default)]
    pub calendar_id: Option<i64>,
    /// `provider-basic` or `provider-pro`.
    pub to_team: Team,
}

/// A project's current distribution plan.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = DistributionPlan)]
pub struct Plan {
    pub project_id: ProjectId,
    /// 0: the project has no plan (every new case to the own team).
    pub version: i64,
    pub entries: Vec<Entry>,
    pub overflow: Vec<Overflow>,
    pub changed_by_id: Option<UserId>,
    pub changed_by_name: Option<String>,
    pub changed_at: Option<String>,
}

/// A saved plan version: who changed it when, and what it did to open cases.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = DistributionPlanVersion)]
pub struct PlanVersion {
    pub version: i64,
    pub open_cases: OpenCases,
    /// Open cases the save moved to another team (so far, while `moving`).
    pub moved: i64,
    /// The move of open cases is still running (in the background, in
    /// batches).
    pub moving: bool,
    pub changed_by_id: Option<UserId>,
    pub changed_by_name: String,
    pub changed_at: String,
    pub entries: Vec<Entry>,
    pub overflow: Vec<Overflow>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = DistributionPlanInput)]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    #[serde(default)]
    pub entries: Vec<Entry>,
    #[serde(default)]
    pub overflow: Vec<Overflow>,
    /// What to do with the project's open cases.
    pub open_cases: OpenCases,
    /// The version this change is based on (0 for a project without plan);
    /// a different current version answers 409 `version-conflict`.
    pub expected_version: i64,
}

/// The answer to a save: the new plan and how many open cases moved.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = DistributionPlanSaved)]
pub struct PlanSaved {
    pub plan: Plan,
    /// Open cases moved by the save itself: 0, the move runs after the
    /// answer (`moving`); the versions list counts them as they go.
    pub moved: i64,
    /// Open cases are being moved in the background (`open_cases` not
    /// `leave`); `GET …/distribution/versions` says when it is done.
    pub moving: bool,
}
