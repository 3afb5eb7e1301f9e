use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::cases::Channel;
use crate::ids::{CaseId, ClientId, ProjectId, UserId};
use crate::routing::model::Availability;

/// An agent's state (docs/architecture.md, "Workforce").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum WorkState {
    /// Ready for cases.
    Available,
    /// A case is open in the workspace and being worked.
    OnCase,
    /// After-work (Nachbearbeitung) of the last case.
    AfterWork,
    /// A break, with one of the client's reasons.
    Break,
    Training,
    Meeting,
    BackOffice,
    /// Signed in but idle (set by idle detection or routing's `away`).
    Away,
    Offline,
}

impl WorkState {
    pub const ALL: [WorkState; 9] = [
        WorkState::Available,
        WorkState::OnCase,
        WorkState::AfterWork,
        WorkState::Break,
        WorkState::Training,
        WorkState::Meeting,
        WorkState::BackOffice,
        WorkState::Away,
        WorkState::Offline,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WorkState::Available => "available",
            WorkState::OnCase => "on-case",
            WorkState::AfterWork => "after-work",
            WorkState::Break => "break",
            WorkState::Training => "training",
            WorkState::Meeting => "meeting",
            WorkState::BackOffice => "back-office",
            WorkState::Away => "away",
            WorkState::Offline => "offline",
        }
    }

    pub fn parse(s: &str) -> Option<WorkState> {
        WorkState::ALL.into_iter().find(|w| w.as_str() == s)
    }

    /// Routing's view: an agent on a case still takes pushed cases up to
    /// their capacity (capacity limits the load, not the state); after-work,
    /// breaks and the rest take none.
    pub fn routing(self) -> Availability {
        match self {
            WorkState::Available | WorkState::OnCase => Availability::Available,
            WorkState::Offline => Availability::Offline,
            _ => Availability::Away,
        }
    }

    /// The state routing's own API (`PUT /routing/me`) means.
    pub fn from_routing(a: Availability) -> WorkState {
        match a {
            Availability::Available => WorkState::Available,
            Availability::Away => WorkState::Away,
            Availability::Offline => WorkState::Offline,
        }
    }
}

/// What wrote a state change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StateSource {
    /// The agent chose it (the state switcher).
    Agent,
    /// The workspace (a case opened or left).
    Workspace,
    /// Sign-in (the client's `sign_in_state`).
    SignIn,
    SignOut,
    /// Idle detection (routing's idle job).
    Idle,
    /// Input after idle detection brought the agent back.
    Activity,
    /// The workspace's heartbeat stopped (a closed or crashed browser).
    Heartbeat,
    /// After-work reached the client's maximum.
    AfterWork,
    /// A project lead or admin from the live monitor.
    Lead,
    /// Routing's availability API (`PUT /routing/me`).
    RoutingApi,
}

impl StateSource {
    pub fn as_str(self) -> &'static str {
        match self {
            StateSource::Agent => "agent",
            StateSource::Workspace => "workspace",
            StateSource::SignIn => "sign-in",
            StateSource::SignOut => "sign-out",
            StateSource::Idle => "idle",
            StateSource::Activity => "activity",
            StateSource::Heartbeat => "heartbeat",
            StateSource::AfterWork => "after-work",
            StateSource::Lead => "lead",
            StateSource::RoutingApi => "routing-api",
        }
    }

    pub fn parse(s: &str) -> Option<StateSource> {
        [
            StateSource::Agent,
            StateSource::Workspace,
            StateSource::SignIn,
            StateSource::SignOut,
            StateSource::Idle,
            StateSource::Activity,
            StateSource::Heartbeat,
            StateSource::AfterWork,
            StateSource::Lead,
            StateSource::RoutingApi,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// What happens when after-work reaches the client's maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AfterWorkExpiry {
    /// Back to `available` (written to the log as `after-work`).
    Available,
    /// Stays in after-work, flagged as overrun in the monitor.
    Flag,
}

impl AfterWorkExpiry {
    pub fn as_str(self) -> &'static str {
        match self {
            AfterWorkExpiry::Available => "available",
            AfterWorkExpiry::Flag => "flag",
        }
    }

    pub fn parse(s: &str) -> Option<AfterWorkExpiry> {
        match s {
            "available" => Some(AfterWorkExpiry::Available),
            "flag" => Some(AfterWorkExpiry::Flag),
            _ => None,
        }
    }
}

/// A seat's tariff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SeatTariff {
    /// Shared agents, a service window and a daily productive time.
    TeamBasic,
    /// Exclusive agents; service time equals productive time.
    TeamPro,
}

impl SeatTariff {
    pub fn as_str(self) -> &'static str {
        match self {
            SeatTariff::TeamBasic => "team-basic",
            SeatTariff::TeamPro => "team-pro",
        }
    }

    pub fn parse(s: &str) -> Option<SeatTariff> {
        match s {
            "team-basic" => Some(SeatTariff::TeamBasic),
            "team-pro" => Some(SeatTariff::TeamPro),
            _ => None,
        }
    }

    /// The provider team whose agents fill such a seat.
    pub fn agent_tariff(self) -> crate::users::Tariff {
        match self {
            SeatTariff::TeamBasic => crate::users::Tariff::Basic,
            SeatTariff::TeamPro => crate::users::Tariff::Pro,
        }
    }
}

crate::db::text_enum!(WorkState, StateSource, AfterWorkExpiry, SeatTariff);

/// The states counted as productive time when a client set none.
pub const DEFAULT_PRODUCTIVE: [WorkState; 4] = [
    WorkState::Available,
    WorkState::OnCase,
    WorkState::AfterWork,
    WorkState::BackOffice,
];
pub const DEFAULT_AFTER_WORK_SECONDS: i64 = 120;
pub const DEFAULT_TIME_ZONE: &str = "Europe/Berlin";
/// Not ready until the agent chooses.
pub const DEFAULT_SIGN_IN_STATE: WorkState = WorkState::Away;

fn default_sign_in_state() -> WorkState {
    DEFAULT_SIGN_IN_STATE
}

// ---- states --------------------------------------------------------------------

/// An agent's current state.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AgentState {
    pub user_id: UserId,
    pub state: WorkState,
    /// A break's reason.
    pub reason_id: Option<i64>,
    pub reason: Option<String>,
    /// The project worked for.
    pub project_id: Option<ProjectId>,
    pub case_id: Option<CaseId>,
    /// When the state began (UTC).
    pub since: Option<String>,
    /// After-work past the client's maximum, left standing.
    pub overrun: bool,
}

/// A break reason of a client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BreakReason {
    /// Absent for a new one.
    #[serde(default)]
    pub id: Option<i64>,
    #[schema(max_length = 80)]
    pub name: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// One's own state, what the switcher offers and how often to send a sign
/// of life.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyState {
    #[serde(flatten)]
    pub current: AgentState,
    /// The active break reasons of the current project's client.
    pub reasons: Vec<BreakReason>,
    /// The client's longest after-work, seconds.
    pub after_work_max_seconds: i64,
    /// Send `POST /workforce/me/heartbeat` at least this often (seconds);
    /// without one for `offline_after_seconds` the agent goes offline.
    pub heartbeat_seconds: i64,
    pub offline_after_seconds: i64,
    /// Productive time today (in the project's client's zone), all
    /// projects, seconds.
    pub productive_today_seconds: i64,
}

/// `PUT /workforce/me`: a state change.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StateInput {
    pub state: WorkState,
    /// For `break`: one of the client's active reasons (required when the
    /// client has any).
    #[serde(default)]
    pub reason_id: Option<i64>,
    /// The project to work for (one of one's projects); absent: the current
    /// one (for `on-case`: the case's).
    #[serde(default)]
    pub project_id: Option<ProjectId>,
    /// For `on-case` (required) and `after-work`: the case.
    #[serde(default)]
    pub case_id: Option<CaseId>,
}

/// The `agent-state` event on `/api/v1/events`: the receiver's own state
/// changed (another tab, the monitor, a timeout).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgentStateEvent {
    pub state: AgentState,
    /// The receiver; not sent.
    #[serde(skip)]
    pub user_id: UserId,
    /// The projects the agent works in (whose monitors show them); not sent.
    #[serde(skip)]
    pub project_ids: Vec<ProjectId>,
}

/// A client's state settings.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StateSettings {
    pub client_id: ClientId,
    pub after_work_max_seconds: i64,
    pub after_work_expiry: AfterWorkExpiry,
    /// The states counted as productive time.
    pub productive_states: Vec<WorkState>,
    /// IANA zone whose days cut productive time.
    pub time_zone: String,
    /// The state an agent starts in after signing in: `away` (not ready
    /// until they choose) or `available`.
    pub sign_in_state: WorkState,
    /// Every reason, inactive ones too, in order.
    pub break_reasons: Vec<BreakReason>,
    /// Whether the caller may change them.
    pub editable: bool,
}

/// `PUT /clients/{id}/workforce-settings`. Reasons with an id are renamed
/// or (de)activated, without one added; a reason left out is deactivated
/// (the log keeps its name).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StateSettingsInput {
    #[schema(minimum = 0, maximum = 7200)]
    pub after_work_max_seconds: i64,
    pub after_work_expiry: AfterWorkExpiry,
    #[schema(max_items = 9)]
    pub productive_states: Vec<WorkState>,
    #[schema(max_length = 64)]
    pub time_zone: String,
    /// `away` (the default) or `available`.
    #[serde(default = "default_sign_in_state")]
    pub sign_in_state: WorkState,
    #[schema(max_items = 50)]
    pub break_reasons: Vec<BreakReason>,
}

/// One row of the state log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LogEntry {
    pub id: i64,
    pub user_id: UserId,
    pub user_name: String,
    pub at: String,
    pub from_state: WorkState,
    pub to_state: WorkState,
    pub reason: Option<String>,
    pub project_id: Option<ProjectId>,
    pub case_id: Option<CaseId>,
    pub source: StateSource,
    pub by_user_id: Option<UserId>,
    /// The name of who set it (`null`: the system, or a deleted user).
    pub by_name: Option<String>,
}

/// `GET /workforce/state-log` and `GET /workforce/productive-time`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// First day (YYYY-MM-DD, in the client's zone).
    pub from: String,
    /// Last day, inclusive (at most 31 days after `from`).
    pub to: String,
    /// One project; absent: every project the caller may report on.
    #[serde(default)]
    pub project_id: Option<ProjectId>,
    /// One agent; an agent sees only themselves.
    #[serde(default)]
    pub user_id: Option<UserId>,
}

// ---- productive time -----------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StateSeconds {
    pub state: WorkState,
    pub seconds: i64,
}

/// Productive time of one agent in one project on one day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductiveRow {
    pub user_id: UserId,
    pub user_name: String,
    pub project_id: ProjectId,
    pub project_name: String,
    /// YYYY-MM-DD in the client's zone.
    pub day: String,
    /// Time per state from the log (every state, counted or not).
    pub states: Vec<StateSeconds>,
    /// Handling time recorded on cases (time entries).
    pub handling_seconds: i64,
    /// Union of the counted states' time and the recorded handling time
    /// (none counted twice).
    pub productive_seconds: i64,
    /// The lead's corrections (signed).
    pub correction_seconds: i64,
    /// `productive_seconds + correction_seconds`.
    pub total_seconds: i64,
    pub corrections: Vec<Correction>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductiveReport {
    pub from: String,
    pub to: String,
    pub rows: Vec<ProductiveRow>,
    /// Whether the caller may add corrections (to some of the rows'
    /// projects).
    pub may_correct: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Correction {
    pub id: i64,
    pub user_id: UserId,
    pub project_id: ProjectId,
    pub day: String,
    pub seconds: i64,
    pub reason: String,
    pub created_by_id: Option<UserId>,
    pub created_by_name: Option<String>,
    pub created_at: String,
}

/// `POST /workforce/productive-time/corrections`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionInput {
    pub user_id: UserId,
    pub project_id: ProjectId,
    /// YYYY-MM-DD.
    pub day: String,
    /// Signed, not 0, at most a day.
    #[schema(minimum = -86400, maximum = 86400)]
    pub seconds: i64,
    #[schema(max_length = 500)]
    pub reason: String,
}

// ---- seats ---------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Seat {
    pub id: i64,
    pub project_id: ProjectId,
    pub name: String,
    pub tariff: SeatTariff,
    /// `None`: every channel.
    pub channel: Option<Channel>,
    /// Team Basic's service window: a business calendar of the client.
    pub calendar_id: Option<i64>,
    pub calendar_name: Option<String>,
    /// Team Basic's daily productive time per seat.
    pub productive_minutes: Option<i64>,
    pub valid_from: String,
    pub valid_to: Option<String>,
    pub version: i64,
    pub assignments: Vec<SeatAssignment>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeatInput {
    #[schema(max_length = 120)]
    pub name: String,
    pub tariff: SeatTariff,
    #[serde(default)]
    pub channel: Option<Channel>,
    /// Team Basic only (required there).
    #[serde(default)]
    pub calendar_id: Option<i64>,
    /// Team Basic only (required there), 1–1440.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 1440)]
    pub productive_minutes: Option<i64>,
    pub valid_from: String,
    #[serde(default)]
    pub valid_to: Option<String>,
    /// For a change: the version it is based on (409 `version-conflict`).
    #[serde(default)]
    pub expected_version: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SeatAssignment {
    pub id: i64,
    pub seat_id: i64,
    pub user_id: UserId,
    pub user_name: String,
    pub valid_from: String,
    pub valid_to: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentInput {
    pub user_id: UserId,
    pub valid_from: String,
    #[serde(default)]
    pub valid_to: Option<String>,
}

/// A project's seats and who may fill them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectSeats {
    pub project_id: ProjectId,
    pub seats: Vec<Seat>,
    /// The project's provider agents (who a seat can be given to).
    pub agents: Vec<SeatAgent>,
    /// The client's business calendars (Team Basic's service window).
    pub calendars: Vec<CalendarChoice>,
    pub editable: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SeatAgent {
    pub user_id: UserId,
    pub name: String,
    pub tariff: Option<crate::users::Tariff>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CalendarChoice {
    pub id: i64,
    pub name: String,
}

// ---- monitor -------------------------------------------------------------------

/// An agent as the monitor shows them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonitorAgent {
    pub user_id: UserId,
    pub name: String,
    /// `client`, `basic` or `pro`.
    pub team: String,
    /// `None` while the agent works for another client (`elsewhere`).
    pub state: Option<WorkState>,
    pub reason: Option<String>,
    pub since: Option<String>,
    pub overrun: bool,
    /// Works for another client's project right now: nothing more is shown.
    pub elsewhere: bool,
    /// Works for another project of this client.
    pub other_project_id: Option<ProjectId>,
    pub case_id: Option<CaseId>,
    #[serde(rename = "case_ref")]
    pub case_reference: Option<String>,
    /// Open cases assigned in this project.
    pub open_cases: i64,
}

/// Waiting (open, unassigned) cases of one channel and topic.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonitorQueue {
    pub channel: Channel,
    pub topic_id: Option<i64>,
    pub topic_name: Option<String>,
    pub size: i64,
    pub oldest_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NearBreach {
    pub case_id: CaseId,
    #[serde(rename = "ref")]
    pub reference: String,
    pub subject: String,
    /// `first-response`, `next-response` or `resolution`.
    pub target: String,
    pub due_at: String,
    pub assignee_id: Option<UserId>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonitorSla {
    /// SLA targets due or met today (UTC day) within target.
    pub achieved_today: i64,
    pub breached_today: i64,
    /// achieved / (achieved + breached); `None` with neither.
    pub within_target_share: Option<f64>,
    /// Running deadlines past their warning, soonest first (at most 20).
    pub near_breach: Vec<NearBreach>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TeamCount {
    /// `client`, `provider`, `provider-basic` or `provider-pro`.
    pub team: String,
    pub count: i64,
}

/// Everything the live monitor of a project shows.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonitorSnapshot {
    pub project_id: ProjectId,
    pub project_name: String,
    /// When it was computed (UTC).
    pub at: String,
    pub agents: Vec<MonitorAgent>,
    pub queues: Vec<MonitorQueue>,
    pub sla: MonitorSla,
    /// Cases solved today (UTC day), per handling team.
    pub handled_today: Vec<TeamCount>,
    pub plan: crate::distribution::model::Plan,
}

/// The `monitor` event on `/api/v1/events?monitor={project}`: the snapshot
/// as JSON, serialised once for every open monitor.
#[derive(Debug, Clone)]
pub struct MonitorEvent {
    pub project_id: ProjectId,
    /// The SSE frame, shared by every stream.
    pub frame: actix_web::web::Bytes,
}

/// `POST /projects/{id}/monitor/reassign`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReassignInput {
    pub case_id: CaseId,
    /// `null`: back to the queue.
    pub assignee_id: Option<UserId>,
}

/// `PUT /projects/{id}/monitor/agents/{user_id}`: sets an agent's state
/// and/or moves them to another of their projects.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentMoveInput {
    pub state: WorkState,
    #[serde(default)]
    pub reason_id: Option<i64>,
    /// Another project of the agent's (that the caller monitors too).
    #[serde(default)]
    pub project_id: Option<ProjectId>,
}

/// `POST /projects/{id}/monitor/broadcast`: a message to the project's
/// agents, shown like a work instruction (it is one, published at once).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BroadcastInput {
    #[schema(max_length = 200)]
    pub title: String,
    #[schema(max_length = 5000)]
    pub body: String,
    /// Agents must acknowledge it (else: a banner they may dismiss).
    #[serde(default)]
    pub acknowledge: bool,
}
