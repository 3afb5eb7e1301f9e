//! Calendars, SLA policies and per-case SLA clocks: types and API shapes.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::holidays::State;
use crate::cases::{Channel, Priority};
use crate::ids::{CaseId, ClientId, OrganizationId, ProjectId};

/// One open interval of a weekday, local time as `HH:MM` (end up to `24:00`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpeningInterval {
    /// 0 = Monday … 6 = Sunday.
    #[schema(minimum = 0, maximum = 6)]
    pub weekday: u8,
    #[schema(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$", example = "08:00")]
    pub start: String,
    #[schema(
        pattern = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$",
        example = "17:00"
    )]
    pub end: String,
}

/// A closure of the client's own (company holiday): local dates, inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarClosure {
    #[schema(min_length = 1, max_length = 120)]
    pub name: String,
    /// `YYYY-MM-DD`.
    #[schema(pattern = r"^\d{4}-\d{2}-\d{2}$")]
    pub from: String,
    /// `YYYY-MM-DD`, not before `from`.
    #[schema(pattern = r"^\d{4}-\d{2}-\d{2}$")]
    pub to: String,
}

/// A business calendar of a client.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = BusinessCalendar)]
pub struct Calendar {
    pub id: i64,
    pub client_id: ClientId,
    pub name: String,
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// Whose public holidays count; absent: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub state: Option<State>,
    pub hours: Vec<OpeningInterval>,
    pub closures: Vec<CalendarClosure>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    /// The deadlines of the open cases on this calendar are still being
    /// recomputed after its last change (in the background, batch by batch).
    pub recompute_pending: bool,
}

/// A new calendar, or the whole of a changed one.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarInput {
    /// Only the platform admin names it; others create for their own client.
    #[serde(default)]
    pub client_id: Option<ClientId>,
    #[schema(min_length = 1, max_length = 120)]
    pub name: String,
    #[serde(default = "default_zone")]
    #[schema(max_length = 64, example = "Europe/Berlin")]
    pub time_zone: String,
    #[serde(default)]
    pub state: Option<State>,
    #[schema(max_items = 70)]
    pub hours: Vec<OpeningInterval>,
    #[serde(default)]
    #[schema(max_items = 200)]
    pub closures: Vec<CalendarClosure>,
}

fn default_zone() -> String {
    "Europe/Berlin".into()
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    /// The platform admin's filter; everyone else sees their own client.
    pub client_id: Option<ClientId>,
}

/// A public holiday as the calendar counts it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = PublicHoliday)]
pub struct HolidayOut {
    pub date: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HolidayQuery {
    #[param(minimum = 1900, maximum = 2200)]
    pub year: i32,
}

/// One SLA target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
#[schema(as = SlaTarget)]
pub enum Target {
    FirstResponse,
    NextResponse,
    Resolution,
}

impl Target {
    pub const ALL: [Target; 3] = [
        Target::FirstResponse,
        Target::NextResponse,
        Target::Resolution,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Target::FirstResponse => "first-response",
            Target::NextResponse => "next-response",
            Target::Resolution => "resolution",
        }
    }

    pub fn parse(s: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

impl FromSql for Target {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let s = value.as_str()?;
        Target::parse(s)
            .ok_or_else(|| FromSqlError::Other(format!("unknown SLA target {s:?}").into()))
    }
}

/// Where a clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
#[schema(as = SlaClockState)]
pub enum ClockState {
    Running,
    /// Pending on the customer: the clock stands still.
    Paused,
    Done,
}

impl ClockState {
    pub fn as_str(self) -> &'static str {
        match self {
            ClockState::Running => "running",
            ClockState::Paused => "paused",
            ClockState::Done => "done",
        }
    }
}

impl FromSql for ClockState {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value.as_str()? {
            "running" => Ok(ClockState::Running),
            "paused" => Ok(ClockState::Paused),
            "done" => Ok(ClockState::Done),
            other => Err(FromSqlError::Other(
                format!("unknown SLA clock state {other:?}").into(),
            )),
        }
    }
}

/// What became of a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
#[schema(as = SlaResult)]
pub enum ClockResult {
    Achieved,
    Breached,
    /// The case was solved before a reply was due (no result for reports).
    Cancelled,
}

impl ClockResult {
    pub fn as_str(self) -> &'static str {
        match self {
            ClockResult::Achieved => "achieved",
            ClockResult::Breached => "breached",
            ClockResult::Cancelled => "cancelled",
        }
    }
}

impl FromSql for ClockResult {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value.as_str()? {
            "achieved" => Ok(ClockResult::Achieved),
            "breached" => Ok(ClockResult::Breached),
            "cancelled" => Ok(ClockResult::Cancelled),
            other => Err(FromSqlError::Other(
                format!("unknown SLA result {other:?}").into(),
            )),
        }
    }
}

/// An SLA policy of a project.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = SlaPolicy)]
pub struct Policy {
    pub id: i64,
    pub project_id: ProjectId,
    pub name: String,
    /// Order of evaluation: the first active policy whose conditions match wins.
    pub position: i64,
    pub active: bool,
    pub calendar_id: i64,
    /// Empty: any.
    pub priorities: Vec<Priority>,
    /// Written channels only (a call has no SLA); empty: any written one.
    pub channels: Vec<Channel>,
    pub topic_ids: Vec<i64>,
    pub organization_ids: Vec<OrganizationId>,
    /// Targets in business minutes; absent: no such target.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub first_response_minutes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub next_response_minutes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub resolution_minutes: Option<i64>,
    /// Warn at this share of a target, in percent.
    pub warn_percent: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// A new policy, or the whole of a changed one.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SlaPolicyInput)]
pub struct PolicyInput {
    pub project_id: ProjectId,
    #[schema(min_length = 1, max_length = 120)]
    pub name: String,
    /// Absent on create: after the project's last policy.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 10000)]
    pub position: Option<i64>,
    #[serde(default = "yes")]
    pub active: bool,
    pub calendar_id: i64,
    #[serde(default)]
    #[schema(max_items = 4)]
    pub priorities: Vec<Priority>,
    #[serde(default)]
    #[schema(max_items = 5)]
    pub channels: Vec<Channel>,
    #[serde(default)]
    #[schema(max_items = 200)]
    pub topic_ids: Vec<i64>,
    #[serde(default)]
    #[schema(max_items = 200)]
    pub organization_ids: Vec<OrganizationId>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 5256000)]
    pub first_response_minutes: Option<i64>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 5256000)]
    pub next_response_minutes: Option<i64>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 5256000)]
    pub resolution_minutes: Option<i64>,
    #[serde(default = "default_warn")]
    #[schema(minimum = 1, maximum = 99)]
    pub warn_percent: i64,
}

fn yes() -> bool {
    true
}

fn default_warn() -> i64 {
    80
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PolicyQuery {
    pub project_id: ProjectId,
}

/// One SLA clock of a case.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = SlaClock)]
pub struct CaseClock {
    pub id: i64,
    pub case_id: CaseId,
    pub target: Target,
    /// 1 for first response and resolution; next response counts up.
    pub cycle: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub policy_id: Option<i64>,
    pub target_minutes: i64,
    pub started_at: String,
    /// Business minutes paused while pending on the customer.
    pub paused_minutes: i64,
    pub state: ClockState,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub due_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub warn_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub warned_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub breached_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub achieved_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub result: Option<ClockResult>,
}

/// A case's SLA: the policy that applies and every clock.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseSla {
    pub case_id: CaseId,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub policy_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub policy_name: Option<String>,
    /// The next running deadline (as in the case list).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub next_due_at: Option<String>,
    pub clocks: Vec<CaseClock>,
}

/// Answer of a recompute after a calendar change.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Recomputed {
    pub clocks: u64,
    pub cases: u64,
}
