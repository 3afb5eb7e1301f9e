use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::cases::Channel;
use crate::ids::{ProjectId, UserId};
use crate::sla::holidays::State;

/// A project's forecast settings (defaults for a project that has none).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = ForecastSettings)]
pub struct Settings {
    pub project_id: ProjectId,
    /// 15 or 30.
    pub interval_minutes: i64,
    /// A month can be changed until the end of this day (1–28, the
    /// project's time zone) of the month before.
    pub deadline_day: i64,
    /// Months ahead the client plans (1–24).
    pub horizon_months: i64,
    /// Deviation within ± this percent: normal.
    pub normal_percent: i64,
    /// Deviation past ± this percent: beyond the agreed limit (recorded).
    pub limit_percent: i64,
    /// Calls: percent answered within `answer_seconds`.
    pub service_level_percent: i64,
    pub answer_seconds: i64,
    /// Calls: average patience of a caller; set: Erlang A (callers hang
    /// up), null: Erlang C (callers wait).
    pub patience_seconds: Option<i64>,
    pub max_occupancy_percent: i64,
    /// Share of paid time not on cases (breaks, meetings, training).
    pub shrinkage_percent: i64,
    /// Written channels: every message answered within this time.
    pub response_minutes: i64,
    /// Paid minutes of one full-time equivalent per day.
    pub fte_minutes: i64,
    /// Handling times (incl. after-work) set by hand, over the learned.
    pub aht_overrides: Vec<AhtOverride>,
    /// IANA time zone the project's days and months are counted in: the
    /// client's first business calendar's, else Europe/Berlin.
    pub time_zone: String,
    /// That calendar's name; null: the client has none.
    pub calendar_name: Option<String>,
    /// Whose public holidays the calendar counts (they are kept out of
    /// the weekday profiles and spread as holidays); null: none.
    pub holiday_state: Option<State>,
    /// 0: the defaults (never saved).
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = ForecastAhtOverride)]
#[serde(deny_unknown_fields)]
pub struct AhtOverride {
    pub channel: Channel,
    #[schema(minimum = 1, maximum = 86400)]
    pub seconds: i64,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = ForecastSettingsInput)]
#[serde(deny_unknown_fields)]
pub struct SettingsInput {
    #[schema(minimum = 15, maximum = 30)]
    pub interval_minutes: i64,
    #[schema(minimum = 1, maximum = 28)]
    pub deadline_day: i64,
    #[schema(minimum = 1, maximum = 24)]
    pub horizon_months: i64,
    #[schema(minimum = 1, maximum = 100)]
    pub normal_percent: i64,
    #[schema(minimum = 1, maximum = 200)]
    pub limit_percent: i64,
    #[schema(minimum = 1, maximum = 99)]
    pub service_level_percent: i64,
    #[schema(minimum = 1, maximum = 3600)]
    pub answer_seconds: i64,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 3600)]
    pub patience_seconds: Option<i64>,
    #[schema(minimum = 50, maximum = 100)]
    pub max_occupancy_percent: i64,
    #[schema(minimum = 0, maximum = 80)]
    pub shrinkage_percent: i64,
    #[schema(minimum = 15, maximum = 10080)]
    pub response_minutes: i64,
    #[schema(minimum = 60, maximum = 720)]
    pub fte_minutes: i64,
    #[serde(default)]
    pub aht_overrides: Vec<AhtOverride>,
}

/// One cell of the forecast: a month's planned volume of a channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = ForecastEntry)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The calendar month, `YYYY-MM`.
    #[schema(pattern = r"^\d{4}-(0[1-9]|1[0-2])$")]
    pub month: String,
    pub channel: Channel,
    #[schema(minimum = 0, maximum = 10000000)]
    pub volume: i64,
}

/// A month of the forecast as the planning grid shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ForecastMonth)]
pub struct Month {
    /// `YYYY-MM`.
    pub month: String,
    /// The last day the month can be changed (`YYYY-MM-DD`, local).
    pub deadline: String,
    /// Still before its deadline.
    pub editable: bool,
    /// The volumes entered (channels without one are absent).
    pub volumes: Vec<ChannelVolume>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = ForecastChannelVolume)]
pub struct ChannelVolume {
    pub channel: Channel,
    pub volume: i64,
}

/// The project's current forecast: the months from two back to the
/// horizon.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ForecastCurrent)]
pub struct Forecast {
    pub project_id: ProjectId,
    /// 0: nothing saved yet.
    pub version: i64,
    pub changed_by_name: Option<String>,
    pub changed_at: Option<String>,
    pub time_zone: String,
    /// Today in the project's time zone, `YYYY-MM-DD`.
    pub today: String,
    pub channels: Vec<Channel>,
    pub months: Vec<Month>,
}

/// A save: the cells to set (other months are carried over).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = ForecastInput)]
#[serde(deny_unknown_fields)]
pub struct ForecastInput {
    /// The version this change is based on (0: none yet); another current
    /// version answers 409 `version-conflict`.
    pub expected_version: i64,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: String,
    pub entries: Vec<Entry>,
}

/// A saved version with all its cells.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ForecastVersion)]
pub struct Version {
    pub version: i64,
    pub note: String,
    pub created_by_id: Option<UserId>,
    pub created_by_name: String,
    pub created_at: String,
    pub entries: Vec<Entry>,
}

/// Where a figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = ForecastSource)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// The project's own history.
    Learned,
    /// Too little history: the documented default.
    Default,
    /// Set by hand in the settings.
    Override,
}

/// A channel's profiles and handling time.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ForecastChannelProfile)]
pub struct ChannelProfile {
    pub channel: Channel,
    /// Where the weekday and intraday shares come from.
    pub source: Source,
    /// Cases the profile was learned from.
    pub cases: i64,
    /// Share of the week's volume per weekday, Monday first (sums to 1).
    pub weekday_shares: Vec<f64>,
    /// Per weekday (Monday first) the share of the day's volume per
    /// interval of the project's length, from 00:00 local, as a 24-hour
    /// day shows it (a daylight-saving day weighs its real intervals by
    /// these and scales them to the day's volume).
    pub intraday_shares: Vec<Vec<f64>>,
    /// Whether public holidays follow a pattern of their own.
    pub holiday_source: HolidaySource,
    /// A public holiday's weight on the scale of `weekday_shares`.
    pub holiday_share: f64,
    /// A public holiday's share per interval.
    pub holiday_intraday_shares: Vec<f64>,
    /// The handling time used, seconds, incl. after-work.
    pub aht_seconds: i64,
    pub aht_source: Source,
    /// The handling time the history shows, when it shows one.
    pub learned_aht_seconds: Option<i64>,
    /// Cases with handling time it was learned from.
    pub aht_cases: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ForecastProfiles)]
pub struct Profiles {
    pub project_id: ProjectId,
    pub time_zone: String,
    pub interval_minutes: i64,
    /// Last learning run; null: never (defaults throughout).
    pub learned_at: Option<String>,
    /// The days learned from, `YYYY-MM-DD` local.
    pub from_day: Option<String>,
    pub to_day: Option<String>,
    pub channels: Vec<ChannelProfile>,
}

/// What a public holiday's volume follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = ForecastHolidaySource)]
#[serde(rename_all = "kebab-case")]
pub enum HolidaySource {
    /// The holidays in the learning window (their mean volume; their own
    /// curve from 50 cases on, else Sunday's).
    Learned,
    /// No holidays learned from: Sunday's share and curve.
    Sunday,
}

/// How far the actual volume is off the forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = ForecastCorridor)]
#[serde(rename_all = "kebab-case")]
pub enum Corridor {
    /// No forecast to compare with.
    None,
    /// Within ± `normal_percent`.
    Normal,
    /// Past normal, within ± `limit_percent`.
    Attention,
    /// Past the agreed limit (recorded for the contract).
    BeyondLimit,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ForecastComparison)]
pub struct Comparison {
    pub channel: Channel,
    /// The forecast volume (a day's: the month's spread by the weekday
    /// profile, so not whole).
    pub forecast: Option<f64>,
    pub actual: i64,
    /// (actual − forecast) / forecast · 100; null without a forecast > 0.
    pub deviation_percent: Option<f64>,
    pub corridor: Corridor,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ForecastActualDay)]
pub struct ActualDay {
    /// `YYYY-MM-DD`, local.
    pub date: String,
    /// Not over yet (today or later): its actual is partial.
    pub open: bool,
    /// A public holiday of the project's calendar: its (German) name.
    pub holiday: Option<String>,
    pub channels: Vec<Comparison>,
}

/// A recorded deviation past the agreed limit.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ForecastDeviation)]
pub struct Deviation {
    pub month: String,
    pub channel: Channel,
    pub forecast_volume: i64,
    pub actual_volume: i64,
    pub deviation_percent: Option<f64>,
    pub limit_percent: i64,
    pub forecast_version: i64,
    pub recorded_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ForecastActuals)]
pub struct Actuals {
    pub month: String,
    pub normal_percent: i64,
    pub limit_percent: i64,
    pub days: Vec<ActualDay>,
    /// The whole month per channel.
    pub totals: Vec<Comparison>,
    /// The month's recorded deviations (complete months, by the daily job).
    pub recorded: Vec<Deviation>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// `YYYY-MM`; default: the current month.
    #[param(pattern = r"^\d{4}-(0[1-9]|1[0-2])$")]
    pub month: Option<String>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DayQuery {
    /// `YYYY-MM-DD`, local.
    #[param(pattern = r"^\d{4}-\d{2}-\d{2}$")]
    pub date: String,
}

/// How a channel is staffed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = ForecastModel)]
#[serde(rename_all = "kebab-case")]
pub enum Model {
    /// Calls, callers wait.
    ErlangC,
    /// Calls, callers hang up after their patience.
    ErlangA,
    /// Written channels: workload within the response time.
    Workload,
}

/// A channel's staffing on one day.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ForecastStaffingChannel)]
pub struct DayChannel {
    pub channel: Channel,
    pub model: Model,
    /// The day's forecast volume.
    pub volume: f64,
    pub aht_seconds: i64,
    /// Agent minutes on cases the day needs (before shrinkage).
    pub productive_minutes: f64,
    /// Full-time equivalents to schedule: productive minutes plus
    /// shrinkage, over the paid minutes per FTE.
    pub required_fte: f64,
    /// Most agents needed at once (after shrinkage, rounded up).
    pub required_seats: i64,
    /// Seats planned for this channel alone on the day.
    pub planned_seats: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ForecastStaffingDay)]
pub struct StaffingDay {
    pub date: String,
    /// A public holiday of the project's calendar: its (German) name.
    pub holiday: Option<String>,
    /// Minutes the local day really lasts: 1440, or 1380 / 1500 on a
    /// daylight-saving change.
    pub day_minutes: i64,
    pub channels: Vec<DayChannel>,
    pub required_fte: f64,
    /// Most agents needed at once over all channels.
    pub required_seats: i64,
    /// Every seat of the project valid that day (also those for every
    /// channel), Team Basic ones only on the weekdays their service window
    /// opens.
    pub planned_seats: i64,
    /// Productive minutes the planned seats give (Team Basic: their daily
    /// productive time; Team Pro: the paid minutes of an FTE).
    pub planned_productive_minutes: i64,
    /// Planned seats minus required (negative: too few).
    pub seat_gap: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ForecastStaffing)]
pub struct Staffing {
    pub month: String,
    pub interval_minutes: i64,
    /// The forecast version the figures rest on (0: none).
    pub forecast_version: i64,
    pub days: Vec<StaffingDay>,
    pub required_fte: f64,
}

/// One interval of one channel.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ForecastInterval)]
pub struct Interval {
    /// Local start, `HH:MM`. A day the clocks go back shows the repeated
    /// hour's starts twice (see `repeat`); one they go forward lacks them.
    pub start: String,
    /// The real start, UTC.
    pub starts_at: String,
    /// The zone's offset from UTC at the start, minutes.
    pub utc_offset_minutes: i64,
    /// Set when the day shows this local start twice.
    pub repeat: Option<IntervalRepeat>,
    pub volume: f64,
    /// Agents on cases (before shrinkage); written: fractional workload.
    pub agents: f64,
    /// Staff to schedule (after shrinkage), rounded up.
    pub scheduled: i64,
    /// Calls: share answered within the target.
    pub service_level: Option<f64>,
    pub asa_seconds: Option<f64>,
    pub occupancy: Option<f64>,
    /// Erlang A: share of callers who hang up.
    pub abandon_rate: Option<f64>,
    /// Calls with patience: the agents Erlang C would want.
    pub erlang_c_agents: Option<i64>,
}

/// Which of a local start that happens twice (the clocks go back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = ForecastIntervalRepeat)]
#[serde(rename_all = "kebab-case")]
pub enum IntervalRepeat {
    /// The earlier, before the change (summer time).
    First,
    /// The later, after it (standard time).
    Second,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ForecastIntervalChannel)]
pub struct IntervalChannel {
    pub channel: Channel,
    pub model: Model,
    pub aht_seconds: i64,
    pub intervals: Vec<Interval>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ForecastStaffingIntervals)]
pub struct DayIntervals {
    pub date: String,
    pub interval_minutes: i64,
    /// Minutes the local day really lasts (its intervals cover them).
    pub day_minutes: i64,
    /// A public holiday of the project's calendar: its (German) name.
    pub holiday: Option<String>,
    pub channels: Vec<IntervalChannel>,
}
