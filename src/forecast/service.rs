//! The forecast's rules (docs/architecture.md, "Forecast and staffing"):
//! versions and deadlines of the planned volumes, learning the profiles,
//! actual against forecast with its corridors, the staffing per day and
//! interval, and the daily job that records deviations past the limit.
//!
//! Days and months are the project's local ones (the time zone of the
//! client's first business calendar, else Europe/Berlin), each day as long
//! as it really is ([`super::day`]); public holidays are that calendar's.
//! The store keeps UTC.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use rusqlite::Connection;
use serde_json::json;

use super::day::{self, LocalDay, Repeat, day_start};
use super::erlang::CallTarget;
use super::error::ForecastError;
use super::model::{
    ActualDay, Actuals, AhtOverride, ChannelProfile, ChannelVolume, Comparison, Corridor,
    DayChannel, DayIntervals, Deviation, Entry, Forecast, ForecastInput, HolidaySource, Interval,
    IntervalChannel, IntervalRepeat, Month, Profiles, Settings, SettingsInput, Source, Staffing,
    StaffingDay, Version,
};
use super::profile::{self, Arrival, Profile, SLOTS};
use super::staffing::{self, ChannelResult, Params};
use super::store::{self, NewVersion, ProfileRow, SeatRow};
use crate::audit::{Actor, record};
use crate::auth::Principal;
use crate::auth::policy;
use crate::cases::Channel;
use crate::ids::ProjectId;
use crate::projects::Project;
use crate::sla::holidays::{self, State};
use crate::validation::Invalid;

/// Where a project's days are counted without a business calendar.
pub const DEFAULT_ZONE: &str = "Europe/Berlin";
/// Months before the current one the planning grid shows.
const MONTHS_BACK: i64 = 2;
/// Cells in one save.
const MAX_ENTRIES: usize = 24 * 5 * 2;
/// Fewer cases with handling time than this: no learned handling time.
pub const MIN_AHT_CASES: i64 = 20;
/// Complete months the daily job rechecks for deviations.
const DEVIATION_MONTHS: u32 = 3;

/// Handling time (incl. after-work) per channel when neither history nor
/// an override says one, seconds.
pub fn default_aht(channel: Channel) -> i64 {
    match channel {
        Channel::Call => 300,
        Channel::Email | Channel::Webform => 480,
        Channel::Chat => 360,
        Channel::Letter => 900,
    }
}

fn project(conn: &Connection, id: ProjectId) -> Result<Project, ForecastError> {
    crate::projects::store::get(conn, id)?.ok_or(ForecastError::ProjectNotFound)
}

fn zone(name: &str) -> Tz {
    name.parse::<Tz>().unwrap_or(chrono_tz::Europe::Berlin)
}

/// The public holidays of a calendar's state in `[from, to]`, with their
/// (German) names; none without a state.
fn holidays_between(
    state: Option<State>,
    from: NaiveDate,
    to: NaiveDate,
) -> BTreeMap<NaiveDate, &'static str> {
    let Some(state) = state else {
        return BTreeMap::new();
    };
    (from.year()..=to.year())
        .flat_map(|year| holidays::holidays(year, state))
        .filter(|h| from <= h.date && h.date <= to)
        .map(|h| (h.date, h.name))
        .collect()
}

fn settings_of(conn: &Connection, project: &Project) -> Result<Settings, ForecastError> {
    let calendar = store::client_calendar(conn, project.client_id)?;
    let time_zone = calendar
        .as_ref()
        .map_or_else(|| DEFAULT_ZONE.into(), |c| c.time_zone.clone());
    let calendar_name = calendar.as_ref().map(|c| c.name.clone());
    let holiday_state = calendar.and_then(|c| c.state);
    let aht_overrides = store::aht_overrides(conn, project.id)?;
    let s = match store::settings(conn, project.id)? {
        Some(row) => Settings {
            project_id: project.id,
            interval_minutes: row.interval_minutes,
            deadline_day: row.deadline_day,
            horizon_months: row.horizon_months,
            normal_percent: row.normal_percent,
            limit_percent: row.limit_percent,
            service_level_percent: row.service_level_percent,
            answer_seconds: row.answer_seconds,
            patience_seconds: row.patience_seconds,
            max_occupancy_percent: row.max_occupancy_percent,
            shrinkage_percent: row.shrinkage_percent,
            response_minutes: row.response_minutes,
            fte_minutes: row.fte_minutes,
            aht_overrides,
            time_zone,
            calendar_name,
            holiday_state,
            version: row.version,
        },
        None => Settings {
            project_id: project.id,
            interval_minutes: 30,
            deadline_day: 20,
            horizon_months: 6,
            normal_percent: 10,
            limit_percent: 20,
            service_level_percent: 80,
            answer_seconds: 20,
            patience_seconds: None,
            max_occupancy_percent: 90,
            shrinkage_percent: 30,
            response_minutes: 240,
            fte_minutes: 480,
            aht_overrides,
            time_zone,
            calendar_name,
            holiday_state,
            version: 0,
        },
    };
    Ok(s)
}

fn params_of(s: &Settings) -> Params {
    Params {
        interval_minutes: s.interval_minutes,
        target: CallTarget {
            service_level: s.service_level_percent as f64 / 100.0,
            answer_seconds: s.answer_seconds as f64,
            max_occupancy: s.max_occupancy_percent as f64 / 100.0,
        },
        patience: s.patience_seconds.map(|p| p as f64),
        shrinkage: s.shrinkage_percent as f64 / 100.0,
        response_minutes: s.response_minutes,
        fte_minutes: s.fte_minutes,
    }
}

// ---- calendar arithmetic ------------------------------------------------------

fn month_key(first: NaiveDate) -> String {
    first.format("%Y-%m").to_string()
}

/// `YYYY-MM` → its first day.
fn parse_month(text: &str) -> Option<NaiveDate> {
    let (y, m) = text.split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)
}

fn add_months(first: NaiveDate, n: i64) -> NaiveDate {
    let shifted = if n >= 0 {
        first.checked_add_months(Months::new(n as u32))
    } else {
        first.checked_sub_months(Months::new(n.unsigned_abs() as u32))
    };
    shifted.unwrap_or(first)
}

fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The last day a month's volumes can be changed: `deadline_day` of the
/// month before.
fn deadline(first: NaiveDate, deadline_day: i64) -> NaiveDate {
    let before = add_months(first, -1);
    before
        .with_day(deadline_day.clamp(1, 28) as u32)
        .unwrap_or(before)
}

/// Whether a month is still open for changes on `today`: a future month
/// up to its deadline.
fn editable(first: NaiveDate, today: NaiveDate, deadline_day: i64) -> bool {
    first > month_of(today) && today <= deadline(first, deadline_day)
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn today(tz: &Tz, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(tz).date_naive()
}

/// A case's local day and quarter hour.
fn local_arrival(tz: &Tz, created_at: &str) -> Option<Arrival> {
    let at = DateTime::parse_from_rfc3339(created_at)
        .ok()?
        .with_timezone(tz);
    Some(Arrival {
        date: at.date_naive(),
        slot: ((at.hour() * 60 + at.minute()) / 15) as usize,
    })
}

// ---- settings ------------------------------------------------------------------

pub fn get_settings(
    conn: &Connection,
    who: &Principal,
    id: ProjectId,
) -> Result<Settings, ForecastError> {
    let project = project(conn, id)?;
    policy::view_forecast(who, project.as_ref())?;
    settings_of(conn, &project)
}

fn check_settings(input: &SettingsInput) -> Result<(), ForecastError> {
    if !matches!(input.interval_minutes, 15 | 30) {
        return Err(Invalid::new("interval_minutes", "15 or 30 minutes").into());
    }
    if input.limit_percent < input.normal_percent {
        return Err(Invalid::new(
            "limit_percent",
            "the agreed limit is at least the normal corridor",
        )
        .into());
    }
    let mut seen = BTreeSet::new();
    for o in &input.aht_overrides {
        if !seen.insert(o.channel.as_str()) {
            return Err(Invalid::new("aht_overrides", "one handling time per channel").into());
        }
    }
    Ok(())
}

pub fn save_settings(
    conn: &Connection,
    who: &Principal,
    id: ProjectId,
    input: SettingsInput,
) -> Result<Settings, ForecastError> {
    let project = project(conn, id)?;
    policy::manage_forecast(who, project.as_ref())?;
    check_settings(&input)?;
    store::save_settings(conn, id, &input, &crate::db::now())?;
    let saved = settings_of(conn, &project)?;
    record(
        conn,
        &Actor::from(who),
        "forecast.settings",
        "project",
        Some(id.get()),
        Some(project.client_id),
        json!({"version": saved.version}),
    )?;
    Ok(saved)
}

// ---- the planned volumes ----------------------------------------------------------

fn current_entries(
    conn: &Connection,
    id: ProjectId,
) -> Result<(Option<store::Head>, Vec<Entry>), ForecastError> {
    let head = store::current(conn, id)?;
    let entries = match &head {
        Some(h) => store::volumes(conn, h.id)?,
        None => Vec::new(),
    };
    Ok((head, entries))
}

fn forecast_of(
    conn: &Connection,
    project: &Project,
    now: DateTime<Utc>,
) -> Result<Forecast, ForecastError> {
    let settings = settings_of(conn, project)?;
    let tz = zone(&settings.time_zone);
    let today = today(&tz, now);
    let this_month = month_of(today);
    let (head, entries) = current_entries(conn, project.id)?;
    let months = (-MONTHS_BACK..=settings.horizon_months)
        .map(|k| {
            let first = add_months(this_month, k);
            let key = month_key(first);
            Month {
                deadline: deadline(first, settings.deadline_day).to_string(),
                editable: editable(first, today, settings.deadline_day),
                volumes: entries
                    .iter()
                    .filter(|e| e.month == key)
                    .map(|e| ChannelVolume {
                        channel: e.channel,
                        volume: e.volume,
                    })
                    .collect(),
                month: key,
            }
        })
        .collect();
    Ok(Forecast {
        project_id: project.id,
        version: head.as_ref().map_or(0, |h| h.version),
        changed_by_name: head.as_ref().map(|h| h.created_by_name.clone()),
        changed_at: head.as_ref().map(|h| h.created_at.clone()),
        time_zone: settings.time_zone,
        today: today.to_string(),
        channels: Channel::ALL.to_vec(),
        months,
    })
}

/// The current forecast: client admins and the project's lead.
pub fn get(
    conn: &Connection,
    who: &Principal,
    id: ProjectId,
    now: DateTime<Utc>,
) -> Result<Forecast, ForecastError> {
    let project = project(conn, id)?;
    policy::view_forecast(who, project.as_ref())?;
    forecast_of(conn, &project, now)
}

/// Saves a new version: the given cells over the current ones. A month
/// past its deadline (or the current or a past month) keeps its values:
/// sending them unchanged is fine, changing one answers 409
/// `forecast-deadline-passed`. Months past the horizon are refused.
pub fn save(
    conn: &Connection,
    who: &Principal,
    id: ProjectId,
    input: ForecastInput,
    now: DateTime<Utc>,
) -> Result<Forecast, ForecastError> {
    let project = project(conn, id)?;
    policy::manage_forecast(who, project.as_ref())?;
    let settings = settings_of(conn, &project)?;
    let today = today(&zone(&settings.time_zone), now);
    let this_month = month_of(today);
    let last = add_months(this_month, settings.horizon_months);
    let (head, entries) = current_entries(conn, id)?;
    if head.as_ref().map_or(0, |h| h.version) != input.expected_version {
        return Err(ForecastError::VersionConflict);
    }
    let note = input.note.trim();
    if note.chars().count() > 500 {
        return Err(Invalid::new("note", "at most 500 characters").into());
    }
    if input.entries.len() > MAX_ENTRIES {
        return Err(Invalid::new("entries", format!("at most {MAX_ENTRIES} cells")).into());
    }
    let mut cells: BTreeMap<(String, &'static str), Entry> = entries
        .into_iter()
        .map(|e| ((e.month.clone(), e.channel.as_str()), e))
        .collect();
    let mut seen = BTreeSet::new();
    let mut changed = BTreeSet::new();
    for (i, e) in input.entries.iter().enumerate() {
        let Some(first) = parse_month(&e.month) else {
            return Err(Invalid::new(format!("entries[{i}].month"), "a month as YYYY-MM").into());
        };
        if !(0..=10_000_000).contains(&e.volume) {
            return Err(Invalid::new(format!("entries[{i}].volume"), "0 to 10000000 cases").into());
        }
        let key = (month_key(first), e.channel.as_str());
        if !seen.insert(key.clone()) {
            return Err(
                Invalid::new(format!("entries[{i}]"), "each month and channel once").into(),
            );
        }
        if first > last {
            return Err(Invalid::new(
                format!("entries[{i}].month"),
                format!(
                    "beyond the planning horizon of {} months",
                    settings.horizon_months
                ),
            )
            .into());
        }
        let before = cells.get(&key).map(|c| c.volume);
        if before == Some(e.volume) {
            continue;
        }
        if !editable(first, today, settings.deadline_day) {
            return Err(ForecastError::DeadlinePassed {
                month: key.0,
                deadline: deadline(first, settings.deadline_day).to_string(),
                field: format!("entries[{i}].volume"),
            });
        }
        changed.insert(key.0.clone());
        cells.insert(
            key.clone(),
            Entry {
                month: key.0,
                channel: e.channel,
                volume: e.volume,
            },
        );
    }
    let version = head.as_ref().map_or(1, |h| h.version + 1);
    let cells: Vec<Entry> = cells.into_values().collect();
    store::insert_version(
        conn,
        &NewVersion {
            project_id: id,
            version,
            note,
            created_by_id: who.user_id,
            created_by_name: &who.name,
            created_at: &crate::db::now(),
            entries: &cells,
        },
    )?;
    record(
        conn,
        &Actor::from(who),
        "forecast.save",
        "project",
        Some(id.get()),
        Some(project.client_id),
        json!({"version": version, "months": changed}),
    )?;
    forecast_of(conn, &project, now)
}

/// Every saved version, newest first.
pub fn versions(
    conn: &Connection,
    who: &Principal,
    id: ProjectId,
) -> Result<Vec<Version>, ForecastError> {
    let project = project(conn, id)?;
    policy::view_forecast(who, project.as_ref())?;
    Ok(store::versions(conn, id)?)
}

// ---- profiles ------------------------------------------------------------------------

/// What staffing uses of a channel.
struct ChannelInput {
    channel: Channel,
    profile: Profile,
    source: Source,
    cases: i64,
    aht: i64,
    aht_source: Source,
    learned_aht: Option<i64>,
    aht_cases: i64,
}

/// A stored profile: seven weekday shares, and an eighth for public
/// holidays when the window held any; seven curves, and an eighth for
/// holidays when they had enough cases.
fn stored_profile(row: &ProfileRow) -> Option<Profile> {
    let shares = row.weekday_shares.as_ref()?;
    let weekday: [f64; 7] = shares.get(..7)?.try_into().ok()?;
    let mut intraday = row
        .intraday_shares
        .as_ref()?
        .iter()
        .map(|d| <[f64; SLOTS]>::try_from(d.as_slice()).ok())
        .collect::<Option<Vec<_>>>()?;
    if !(7..=8).contains(&shares.len()) || !(7..=8).contains(&intraday.len()) {
        return None;
    }
    let holiday_intraday = intraday.get(7).copied();
    intraday.truncate(7);
    Some(Profile {
        weekday,
        intraday,
        holiday: shares.get(7).copied(),
        holiday_intraday,
    })
}

fn channel_inputs(rows: &[ProfileRow], overrides: &[AhtOverride]) -> Vec<ChannelInput> {
    Channel::ALL
        .iter()
        .map(|&channel| {
            let row = rows.iter().find(|r| r.channel == channel);
            let learned = row.and_then(stored_profile);
            let learned_aht = row.and_then(|r| r.aht_seconds);
            let (aht, aht_source) =
                match (overrides.iter().find(|o| o.channel == channel), learned_aht) {
                    (Some(o), _) => (o.seconds, Source::Override),
                    (None, Some(s)) => (s, Source::Learned),
                    (None, None) => (default_aht(channel), Source::Default),
                };
            ChannelInput {
                channel,
                source: if learned.is_some() {
                    Source::Learned
                } else {
                    Source::Default
                },
                profile: learned.unwrap_or_else(profile::default_profile),
                cases: row.map_or(0, |r| r.cases),
                aht,
                aht_source,
                learned_aht,
                aht_cases: row.map_or(0, |r| r.aht_cases),
            }
        })
        .collect()
}

fn profiles_of(
    conn: &Connection,
    project: &Project,
    settings: &Settings,
) -> Result<Profiles, ForecastError> {
    let rows = store::profiles(conn, project.id)?;
    let channels = channel_inputs(&rows, &settings.aht_overrides)
        .into_iter()
        .map(|c| ChannelProfile {
            channel: c.channel,
            source: c.source,
            cases: c.cases,
            weekday_shares: c.profile.weekday.to_vec(),
            intraday_shares: (0..7)
                .map(|w| profile::intervals(&c.profile, w, settings.interval_minutes))
                .collect(),
            holiday_source: if c.profile.holiday.is_some() {
                HolidaySource::Learned
            } else {
                HolidaySource::Sunday
            },
            holiday_share: c.profile.holiday.unwrap_or(c.profile.weekday[6]),
            holiday_intraday_shares: profile::clock_intervals(
                c.profile
                    .holiday_intraday
                    .as_ref()
                    .unwrap_or(&c.profile.intraday[6]),
                settings.interval_minutes,
            ),
            aht_seconds: c.aht,
            aht_source: c.aht_source,
            learned_aht_seconds: c.learned_aht,
            aht_cases: c.aht_cases,
        })
        .collect();
    let first = rows.first();
    Ok(Profiles {
        project_id: project.id,
        time_zone: settings.time_zone.clone(),
        interval_minutes: settings.interval_minutes,
        learned_at: first.map(|r| r.learned_at.clone()),
        from_day: first.map(|r| r.from_day.clone()),
        to_day: first.map(|r| r.to_day.clone()),
        channels,
    })
}

pub fn profiles(
    conn: &Connection,
    who: &Principal,
    id: ProjectId,
) -> Result<Profiles, ForecastError> {
    let project = project(conn, id)?;
    policy::view_forecast(who, project.as_ref())?;
    let settings = settings_of(conn, &project)?;
    profiles_of(conn, &project, &settings)
}

/// Learns the project's profiles from the last [`profile::LOOKBACK_DAYS`]
/// complete local days: arrivals per channel, and the handling time per
/// case from the time records. Rewrites the stored profiles; returns how
/// many channels were learned (had enough cases).
pub fn learn_project(
    conn: &Connection,
    project: &Project,
    now: DateTime<Utc>,
) -> Result<usize, ForecastError> {
    let settings = settings_of(conn, project)?;
    let tz = zone(&settings.time_zone);
    let today = today(&tz, now);
    let to = today - Duration::days(1);
    let from = today - Duration::days(profile::LOOKBACK_DAYS);
    let from_utc = stamp(day_start(&tz, from));
    let holidays: BTreeSet<NaiveDate> = holidays_between(settings.holiday_state, from, to)
        .into_keys()
        .collect();
    let mut per_channel: BTreeMap<&'static str, (Channel, Vec<Arrival>)> = BTreeMap::new();
    for (channel, created_at) in
        store::arrivals(conn, project.id, &from_utc, &stamp(day_start(&tz, today)))?
    {
        if let Some(a) = local_arrival(&tz, &created_at) {
            per_channel
                .entry(channel.as_str())
                .or_insert_with(|| (channel, Vec::new()))
                .1
                .push(a);
        }
    }
    let times = store::handling_times(conn, project.id, &from_utc)?;
    let learned_at = crate::db::now();
    let mut rows = Vec::new();
    let mut learned = 0;
    for &channel in Channel::ALL {
        let arrivals = per_channel
            .get(channel.as_str())
            .map_or(&[][..], |c| c.1.as_slice());
        let time = times.iter().find(|t| t.0 == channel);
        if arrivals.is_empty() && time.is_none() {
            continue;
        }
        let p = profile::learn(arrivals, from, to, &tz, &holidays);
        learned += usize::from(p.is_some());
        let (aht_seconds, aht_cases) = match time {
            Some(&(_, seconds, cases)) if cases >= MIN_AHT_CASES => {
                (Some((seconds as f64 / cases as f64).round() as i64), cases)
            }
            Some(&(_, _, cases)) => (None, cases),
            None => (None, 0),
        };
        rows.push(ProfileRow {
            channel,
            cases: arrivals.len() as i64,
            weekday_shares: p
                .as_ref()
                .map(|p| p.weekday.iter().chain(&p.holiday).copied().collect()),
            intraday_shares: p.as_ref().map(|p| {
                p.intraday
                    .iter()
                    .chain(&p.holiday_intraday)
                    .map(|d| d.to_vec())
                    .collect()
            }),
            aht_seconds,
            aht_cases,
            from_day: from.to_string(),
            to_day: to.to_string(),
            learned_at: learned_at.clone(),
        });
    }
    store::replace_profiles(conn, project.id, &rows)?;
    Ok(learned)
}

/// Learns the profiles now (client admins).
pub fn learn(
    conn: &Connection,
    who: &Principal,
    id: ProjectId,
    now: DateTime<Utc>,
) -> Result<Profiles, ForecastError> {
    let project = project(conn, id)?;
    policy::manage_forecast(who, project.as_ref())?;
    learn_project(conn, &project, now)?;
    let settings = settings_of(conn, &project)?;
    profiles_of(conn, &project, &settings)
}

// ---- actual against forecast --------------------------------------------------------

/// The corridor of a deviation.
pub fn corridor(forecast: f64, actual: f64, normal: i64, limit: i64) -> (Option<f64>, Corridor) {
    if forecast <= 0.0 {
        return if actual > 0.0 {
            (None, Corridor::BeyondLimit)
        } else {
            (None, Corridor::Normal)
        };
    }
    let deviation = (actual - forecast) / forecast * 100.0;
    let c = if deviation.abs() <= normal as f64 {
        Corridor::Normal
    } else if deviation.abs() <= limit as f64 {
        Corridor::Attention
    } else {
        Corridor::BeyondLimit
    };
    (Some(deviation), c)
}

/// Cases per local day and channel in a month.
fn actual_counts(
    conn: &Connection,
    id: ProjectId,
    tz: &Tz,
    first: NaiveDate,
) -> Result<BTreeMap<(NaiveDate, &'static str), i64>, ForecastError> {
    let from = stamp(day_start(tz, first));
    let to = stamp(day_start(tz, add_months(first, 1)));
    let mut counts = BTreeMap::new();
    for (channel, created_at) in store::arrivals(conn, id, &from, &to)? {
        if let Some(a) = local_arrival(tz, &created_at) {
            *counts.entry((a.date, channel.as_str())).or_insert(0) += 1;
        }
    }
    Ok(counts)
}

fn month_param(text: Option<&str>, today: NaiveDate) -> Result<NaiveDate, ForecastError> {
    match text {
        None => Ok(month_of(today)),
        Some(t) => parse_month(t).ok_or_else(|| Invalid::new("month", "a month as YYYY-MM").into()),
    }
}

/// Actual against forecast per day and channel of a month. A day not over
/// yet has no corridor; the month's totals of a month in progress compare
/// the days so far.
pub fn actuals(
    conn: &Connection,
    who: &Principal,
    id: ProjectId,
    month: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Actuals, ForecastError> {
    let project = project(conn, id)?;
    policy::view_forecast(who, project.as_ref())?;
    let settings = settings_of(conn, &project)?;
    let tz = zone(&settings.time_zone);
    let today = today(&tz, now);
    let first = month_param(month, today)?;
    let key = month_key(first);
    let (_, entries) = current_entries(conn, id)?;
    let inputs = channel_inputs(&store::profiles(conn, id)?, &settings.aht_overrides);
    let counts = actual_counts(conn, id, &tz, first)?;
    let planned: BTreeMap<&str, i64> = entries
        .iter()
        .filter(|e| e.month == key)
        .map(|e| (e.channel.as_str(), e.volume))
        .collect();
    let channels: Vec<&ChannelInput> = inputs
        .iter()
        .filter(|c| {
            planned.contains_key(c.channel.as_str())
                || counts.keys().any(|k| k.1 == c.channel.as_str())
        })
        .collect();
    let names = holidays_between(
        settings.holiday_state,
        first,
        add_months(first, 1) - Duration::days(1),
    );
    let holiday_days: BTreeSet<NaiveDate> = names.keys().copied().collect();
    let spreads: Vec<Vec<(NaiveDate, f64)>> = channels
        .iter()
        .map(|c| profile::month_days(&c.profile, first, &holiday_days))
        .collect();
    let dates = profile::days_of_month(first);
    let (normal, limit) = (settings.normal_percent, settings.limit_percent);
    let mut totals: Vec<(f64, i64, f64, i64)> = vec![(0.0, 0, 0.0, 0); channels.len()];
    let days = dates
        .iter()
        .enumerate()
        .map(|(di, &date)| {
            let open = date >= today;
            let per = channels
                .iter()
                .enumerate()
                .map(|(ci, c)| {
                    let planned = planned.get(c.channel.as_str());
                    let forecast = planned.map(|&v| v as f64 * spreads[ci][di].1);
                    let actual = counts
                        .get(&(date, c.channel.as_str()))
                        .copied()
                        .unwrap_or(0);
                    let t = &mut totals[ci];
                    t.1 += actual;
                    if !open {
                        t.2 += forecast.unwrap_or(0.0);
                        t.3 += actual;
                    }
                    t.0 += forecast.unwrap_or(0.0);
                    let (deviation_percent, corridor) = match forecast {
                        Some(f) if !open => corridor(f, actual as f64, normal, limit),
                        _ => (None, Corridor::None),
                    };
                    Comparison {
                        channel: c.channel,
                        forecast,
                        actual,
                        deviation_percent,
                        corridor,
                    }
                })
                .collect();
            ActualDay {
                date: date.to_string(),
                open,
                holiday: names.get(&date).map(|n| (*n).to_string()),
                channels: per,
            }
        })
        .collect();
    let month_open = add_months(first, 1) > today;
    let totals = channels
        .iter()
        .zip(totals)
        .map(|(c, (forecast, actual, so_far_forecast, so_far_actual))| {
            let planned = planned.get(c.channel.as_str()).copied();
            let (deviation_percent, corridor) = match planned {
                None => (None, Corridor::None),
                Some(_) if month_open => {
                    if so_far_forecast > 0.0 || so_far_actual > 0 {
                        corridor(so_far_forecast, so_far_actual as f64, normal, limit)
                    } else {
                        (None, Corridor::None)
                    }
                }
                Some(v) => corridor(v as f64, actual as f64, normal, limit),
            };
            Comparison {
                channel: c.channel,
                forecast: planned.map(|_| forecast),
                actual,
                deviation_percent,
                corridor,
            }
        })
        .collect();
    Ok(Actuals {
        recorded: store::deviations(conn, id, Some(&key))?,
        month: key,
        normal_percent: normal,
        limit_percent: limit,
        days,
        totals,
    })
}

/// Recorded deviations past the agreed limit, newest month first.
pub fn deviations(
    conn: &Connection,
    who: &Principal,
    id: ProjectId,
) -> Result<Vec<Deviation>, ForecastError> {
    let project = project(conn, id)?;
    policy::view_forecast(who, project.as_ref())?;
    Ok(store::deviations(conn, id, None)?)
}

/// Records (or updates, or drops) the deviations of the last complete
/// months of a project. Idempotent: a second run with the same cases
/// changes nothing. Returns the rows written or dropped.
pub fn record_deviations(
    conn: &Connection,
    project: &Project,
    now: DateTime<Utc>,
) -> Result<usize, ForecastError> {
    let settings = settings_of(conn, project)?;
    let tz = zone(&settings.time_zone);
    let this_month = month_of(today(&tz, now));
    let (head, entries) = current_entries(conn, project.id)?;
    let Some(head) = head else {
        return Ok(0);
    };
    let at = crate::db::now();
    let mut changed = 0;
    for back in 1..=DEVIATION_MONTHS {
        let first = add_months(this_month, -i64::from(back));
        let key = month_key(first);
        let counts = actual_counts(conn, project.id, &tz, first)?;
        for &channel in Channel::ALL {
            let Some(planned) = entries
                .iter()
                .find(|e| e.month == key && e.channel == channel)
            else {
                continue;
            };
            let actual: i64 = counts
                .iter()
                .filter(|(k, _)| k.1 == channel.as_str())
                .map(|(_, n)| n)
                .sum();
            let (deviation_percent, c) = corridor(
                planned.volume as f64,
                actual as f64,
                settings.normal_percent,
                settings.limit_percent,
            );
            let wrote = if c == Corridor::BeyondLimit {
                store::put_deviation(
                    conn,
                    project.id,
                    &Deviation {
                        month: key.clone(),
                        channel,
                        forecast_volume: planned.volume,
                        actual_volume: actual,
                        deviation_percent,
                        limit_percent: settings.limit_percent,
                        forecast_version: head.version,
                        recorded_at: at.clone(),
                    },
                )?
            } else {
                store::drop_deviation(conn, project.id, &key, channel)?
            };
            changed += usize::from(wrote);
        }
    }
    Ok(changed)
}

/// The daily job: relearn the profiles and record the deviations of every
/// project with a forecast. Returns (projects, deviation rows changed).
pub fn run_daily(conn: &Connection, now: DateTime<Utc>) -> Result<(usize, usize), ForecastError> {
    let ids = store::forecast_projects(conn)?;
    let mut changed = 0;
    for id in &ids {
        let Some(project) = crate::projects::store::get(conn, *id)? else {
            continue;
        };
        learn_project(conn, &project, now)?;
        changed += record_deviations(conn, &project, now)?;
    }
    Ok((ids.len(), changed))
}

// ---- staffing ------------------------------------------------------------------------

/// A channel with a volume in the month.
struct Planned {
    input: ChannelInput,
    /// The month's volume.
    volume: i64,
    /// Each day of the month with its share of the volume.
    days: Vec<(NaiveDate, f64)>,
}

/// Everything a day's staffing needs, gathered once per request.
struct Plan {
    settings: Settings,
    params: Params,
    tz: Tz,
    version: i64,
    /// Channels with a volume this month.
    channels: Vec<Planned>,
    /// The month's public holidays.
    holidays: BTreeMap<NaiveDate, &'static str>,
    seats: Vec<SeatRow>,
}

fn plan(conn: &Connection, project: &Project, first: NaiveDate) -> Result<Plan, ForecastError> {
    let settings = settings_of(conn, project)?;
    let key = month_key(first);
    let (head, entries) = current_entries(conn, project.id)?;
    let inputs = channel_inputs(&store::profiles(conn, project.id)?, &settings.aht_overrides);
    let last = add_months(first, 1) - Duration::days(1);
    let seats = store::seats(conn, project.id, &first.to_string(), &last.to_string())?;
    let volumes = inputs
        .into_iter()
        .filter_map(|c| {
            let volume = entries
                .iter()
                .find(|e| e.month == key && e.channel == c.channel)?
                .volume;
            (volume > 0).then_some((c, volume))
        })
        .collect();
    Ok(plan_of(
        settings,
        head.map_or(0, |h| h.version),
        first,
        volumes,
        seats,
    ))
}

fn plan_of(
    settings: Settings,
    version: i64,
    first: NaiveDate,
    volumes: Vec<(ChannelInput, i64)>,
    seats: Vec<SeatRow>,
) -> Plan {
    let last = add_months(first, 1) - Duration::days(1);
    let holidays = holidays_between(settings.holiday_state, first, last);
    let holiday_days: BTreeSet<NaiveDate> = holidays.keys().copied().collect();
    let channels = volumes
        .into_iter()
        .map(|(input, volume)| Planned {
            days: profile::month_days(&input.profile, first, &holiday_days),
            input,
            volume,
        })
        .collect();
    Plan {
        params: params_of(&settings),
        tz: zone(&settings.time_zone),
        settings,
        version,
        channels,
        holidays,
        seats,
    }
}

/// Whether a seat counts on a day: valid then, and a Team Basic seat only
/// on a weekday its service window opens and not on a public holiday of
/// that window's calendar.
fn seat_on(seat: &SeatRow, date: NaiveDate, weekday: usize) -> bool {
    let day = date.to_string();
    seat.valid_from <= day
        && seat.valid_to.as_ref().is_none_or(|to| *to >= day)
        && (seat.team_pro
            || (seat.open_weekdays & (1 << weekday) != 0
                && !seat.holiday_state.is_some_and(|state| {
                    holidays_between(Some(state), date, date).contains_key(&date)
                })))
}

/// The staffing of each channel with a volume on `day` (day index `di`
/// of the month), per real interval of the day.
fn day_results(plan: &Plan, day: &LocalDay, di: usize, detail: bool) -> Vec<ChannelResult> {
    let holiday = plan.holidays.contains_key(&day.date);
    let shares: Vec<Vec<f64>> = plan
        .channels
        .iter()
        .map(|p| profile::day_shares(&p.input.profile, day, holiday, plan.params.interval_minutes))
        .collect();
    let len = shares.first().map_or(0, Vec::len);
    let working: Vec<bool> = (0..len)
        .map(|i| shares.iter().any(|s| s.get(i).is_some_and(|v| *v > 0.0)))
        .collect();
    plan.channels
        .iter()
        .zip(&shares)
        .map(|(p, shares)| {
            let c = &p.input;
            let day_volume = p.volume as f64 * p.days.get(di).map_or(0.0, |d| d.1);
            let volumes: Vec<f64> = shares.iter().map(|s| s * day_volume).collect();
            staffing::staff_channel(
                c.channel,
                &volumes,
                c.aht as f64,
                &working,
                &plan.params,
                detail,
            )
        })
        .collect()
}

fn staffing_day(plan: &Plan, date: NaiveDate, di: usize) -> StaffingDay {
    let weekday = date.weekday().num_days_from_monday() as usize;
    let local = day::local_day(&plan.tz, date);
    let results = day_results(plan, &local, di, false);
    let seats: Vec<&SeatRow> = plan
        .seats
        .iter()
        .filter(|s| seat_on(s, date, weekday))
        .collect();
    let channels: Vec<DayChannel> = plan
        .channels
        .iter()
        .zip(&results)
        .map(|(Planned { input: c, .. }, r)| DayChannel {
            channel: c.channel,
            model: r.model,
            volume: r.intervals.iter().map(|i| i.volume).sum(),
            aht_seconds: c.aht,
            productive_minutes: r.productive_minutes,
            required_fte: r.required_fte,
            required_seats: r.required_seats,
            planned_seats: seats
                .iter()
                .filter(|s| s.channel == Some(c.channel))
                .count() as i64,
        })
        .collect();
    let required_seats = staffing::peak_seats(&results, &plan.params);
    let planned_seats = seats.len() as i64;
    StaffingDay {
        date: date.to_string(),
        holiday: plan.holidays.get(&date).map(|n| (*n).to_string()),
        day_minutes: local.minutes(),
        required_fte: channels.iter().map(|c| c.required_fte).sum(),
        channels,
        required_seats,
        planned_seats,
        planned_productive_minutes: seats
            .iter()
            .map(|s| {
                if s.team_pro {
                    plan.settings.fte_minutes
                } else {
                    s.productive_minutes.unwrap_or(0)
                }
            })
            .sum(),
        seat_gap: planned_seats - required_seats,
    }
}

/// The month's staffing per day: required FTE and seats per channel
/// against the planned seats.
pub fn staffing(
    conn: &Connection,
    who: &Principal,
    id: ProjectId,
    month: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Staffing, ForecastError> {
    let project = project(conn, id)?;
    policy::view_forecast(who, project.as_ref())?;
    let tz = zone(&settings_of(conn, &project)?.time_zone);
    let first = month_param(month, today(&tz, now))?;
    let plan = plan(conn, &project, first)?;
    Ok(month_staffing(&plan, first))
}

fn month_staffing(plan: &Plan, first: NaiveDate) -> Staffing {
    let days: Vec<StaffingDay> = profile::days_of_month(first)
        .iter()
        .enumerate()
        .map(|(di, date)| staffing_day(plan, *date, di))
        .collect();
    Staffing {
        month: month_key(first),
        interval_minutes: plan.settings.interval_minutes,
        forecast_version: plan.version,
        required_fte: days.iter().map(|d| d.required_fte).sum(),
        days,
    }
}

/// One day's staffing per interval and channel.
pub fn staffing_intervals(
    conn: &Connection,
    who: &Principal,
    id: ProjectId,
    date: &str,
) -> Result<DayIntervals, ForecastError> {
    let project = project(conn, id)?;
    policy::view_forecast(who, project.as_ref())?;
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map_err(|_| Invalid::new("date", "a day as YYYY-MM-DD"))?;
    let plan = plan(conn, &project, month_of(date))?;
    Ok(day_intervals(&plan, date))
}

fn day_intervals(plan: &Plan, date: NaiveDate) -> DayIntervals {
    let local = day::local_day(&plan.tz, date);
    let spans = local.spans(plan.params.interval_minutes);
    let results = day_results(plan, &local, date.day0() as usize, true);
    let channels = plan
        .channels
        .iter()
        .zip(results)
        .map(|(Planned { input: c, .. }, r)| IntervalChannel {
            channel: c.channel,
            model: r.model,
            aht_seconds: c.aht,
            intervals: r
                .intervals
                .iter()
                .zip(&spans)
                .map(|(x, span)| Interval {
                    start: span.label.clone(),
                    starts_at: stamp(span.start),
                    utc_offset_minutes: i64::from(span.offset_minutes),
                    repeat: span.repeat.map(|r| match r {
                        Repeat::First => IntervalRepeat::First,
                        Repeat::Second => IntervalRepeat::Second,
                    }),
                    volume: x.volume,
                    agents: x.agents,
                    scheduled: staffing::scheduled(x.agents, plan.params.shrinkage),
                    service_level: x.metrics.map(|m| m.service_level),
                    asa_seconds: x.metrics.map(|m| m.asa_seconds).filter(|v| v.is_finite()),
                    occupancy: x.metrics.map(|m| m.occupancy),
                    abandon_rate: x
                        .metrics
                        .filter(|_| c.channel == Channel::Call && plan.params.patience.is_some())
                        .map(|m| m.abandon_rate),
                    erlang_c_agents: x.erlang_c_agents.map(i64::from),
                })
                .collect(),
        })
        .collect();
    DayIntervals {
        date: date.to_string(),
        interval_minutes: plan.params.interval_minutes,
        day_minutes: local.minutes(),
        holiday: plan.holidays.get(&date).map(|n| (*n).to_string()),
        channels,
    }
}

fn bench_settings(interval_minutes: i64, patience: Option<i64>) -> Settings {
    Settings {
        project_id: ProjectId::from(0),
        interval_minutes,
        deadline_day: 20,
        horizon_months: 6,
        normal_percent: 10,
        limit_percent: 20,
        service_level_percent: 80,
        answer_seconds: 20,
        patience_seconds: patience,
        max_occupancy_percent: 90,
        shrinkage_percent: 30,
        response_minutes: 240,
        fte_minutes: 480,
        aht_overrides: Vec::new(),
        time_zone: DEFAULT_ZONE.into(),
        calendar_name: None,
        holiday_state: None,
        version: 0,
    }
}

/// For the benchmark: a month's staffing from given volumes, with default
/// profiles and settings (`interval_minutes`, `patience`), Europe/Berlin,
/// no holidays, no store. Returns the FTE and the intervals computed.
pub fn bench_month(
    first: NaiveDate,
    volumes: &[(Channel, i64)],
    interval_minutes: i64,
    patience: Option<i64>,
) -> (f64, usize) {
    let volumes = channel_inputs(&[], &[])
        .into_iter()
        .filter_map(|c| {
            let v = volumes.iter().find(|v| v.0 == c.channel)?.1;
            Some((c, v))
        })
        .collect();
    let plan = plan_of(
        bench_settings(interval_minutes, patience),
        1,
        first,
        volumes,
        Vec::new(),
    );
    let s = month_staffing(&plan, first);
    let per_day: usize = s
        .days
        .iter()
        .map(|d| (d.day_minutes / interval_minutes) as usize)
        .sum();
    (s.required_fte, per_day * plan.channels.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn deadlines_lock_months() {
        let july = d("2026-07-01");
        assert_eq!(deadline(july, 20), d("2026-06-20"));
        assert!(editable(july, d("2026-06-20"), 20));
        assert!(!editable(july, d("2026-06-21"), 20));
        // The current and past months never.
        assert!(!editable(d("2026-06-01"), d("2026-06-01"), 20));
        assert!(!editable(d("2026-05-01"), d("2026-06-01"), 28));
        // January's deadline is in December.
        assert_eq!(deadline(d("2027-01-01"), 5), d("2026-12-05"));
    }

    #[test]
    fn months_parse_strictly() {
        assert_eq!(parse_month("2026-07"), Some(d("2026-07-01")));
        assert_eq!(parse_month("2026-13"), None);
        assert_eq!(parse_month("2026-7"), None);
        assert_eq!(parse_month("26-07"), None);
    }

    #[test]
    fn corridors() {
        assert_eq!(corridor(100.0, 109.0, 10, 20).1, Corridor::Normal);
        assert_eq!(corridor(100.0, 90.0, 10, 20).1, Corridor::Normal);
        assert_eq!(corridor(100.0, 115.0, 10, 20).1, Corridor::Attention);
        assert_eq!(corridor(100.0, 79.0, 10, 20).1, Corridor::BeyondLimit);
        assert_eq!(
            corridor(100.0, 121.0, 10, 20),
            (Some(21.0), Corridor::BeyondLimit)
        );
        assert_eq!(corridor(0.0, 0.0, 10, 20), (None, Corridor::Normal));
        assert_eq!(corridor(0.0, 3.0, 10, 20), (None, Corridor::BeyondLimit));
    }

    #[test]
    fn local_days_start_in_the_zone() {
        let berlin = zone("Europe/Berlin");
        // Summer: UTC+2.
        assert_eq!(
            stamp(day_start(&berlin, d("2026-07-01"))),
            "2026-06-30T22:00:00.000Z"
        );
        let a = local_arrival(&berlin, "2026-06-30T22:20:00.000Z").expect("arrival");
        assert_eq!((a.date, a.slot), (d("2026-07-01"), 1));
    }

    #[test]
    fn bench_month_counts_its_intervals() {
        let (fte, n) = bench_month(
            d("2026-03-01"),
            &[(Channel::Call, 40_000), (Channel::Email, 20_000)],
            15,
            None,
        );
        // 29 March is 23 hours long in Berlin.
        assert_eq!(n, (30 * 96 + 92) * 2);
        assert!(fte > 0.0);
    }

    /// A channel staffed around the clock, every day alike.
    fn around_the_clock(channel: Channel) -> ChannelInput {
        ChannelInput {
            channel,
            profile: Profile {
                weekday: [1.0 / 7.0; 7],
                intraday: vec![[1.0 / SLOTS as f64; SLOTS]; 7],
                holiday: None,
                holiday_intraday: None,
            },
            source: Source::Learned,
            cases: 1000,
            aht: 180,
            aht_source: Source::Override,
            learned_aht: None,
            aht_cases: 0,
        }
    }

    #[test]
    fn staffing_follows_the_25_hour_day() {
        // October 2026, 4,800 calls a day around the clock, 15 minutes.
        let mut settings = bench_settings(15, None);
        settings.service_level_percent = 80;
        let first = d("2026-10-01");
        let plan = plan_of(
            settings,
            1,
            first,
            vec![
                (around_the_clock(Channel::Call), 31 * 4800),
                (around_the_clock(Channel::Email), 31 * 960),
            ],
            Vec::new(),
        );
        let normal = day_intervals(&plan, d("2026-10-24"));
        let long = day_intervals(&plan, d("2026-10-25"));
        assert_eq!(normal.day_minutes, 1440);
        assert_eq!(long.day_minutes, 1500);
        let calls = &long.channels[0];
        assert_eq!(calls.channel, Channel::Call);
        assert_eq!(calls.intervals.len(), 100);
        assert_eq!(normal.channels[0].intervals.len(), 96);
        // No call lost or doubled: the day's 4,800 over 100 real quarter
        // hours, 48 each (50 on an ordinary day).
        let sum: f64 = calls.intervals.iter().map(|i| i.volume).sum();
        assert!((sum - 4800.0).abs() < 1e-6, "{sum}");
        assert!(
            calls
                .intervals
                .iter()
                .all(|i| (i.volume - 48.0).abs() < 1e-9)
        );
        assert!((normal.channels[0].intervals[8].volume - 50.0).abs() < 1e-9);
        // 02:00 twice, an hour apart, each staffed like the other.
        let two: Vec<&Interval> = calls
            .intervals
            .iter()
            .filter(|i| i.start == "02:00")
            .collect();
        assert_eq!(two.len(), 2);
        assert_eq!(two[0].repeat, Some(IntervalRepeat::First));
        assert_eq!(two[1].repeat, Some(IntervalRepeat::Second));
        assert_eq!(two[0].starts_at, "2026-10-25T00:00:00.000Z");
        assert_eq!(two[1].starts_at, "2026-10-25T01:00:00.000Z");
        assert_eq!(
            (two[0].utc_offset_minutes, two[1].utc_offset_minutes),
            (120, 60)
        );
        assert_eq!(two[0].agents, two[1].agents);
        assert!(two[0].agents >= 9.0, "{}", two[0].agents); // 48 calls × 3 min in 15 min
        assert_eq!(calls.intervals[99].start, "23:45");
        // The e-mail of the day is all worked: its agent minutes equal
        // 960 × 3 min over the 25 hours.
        let mails = &long.channels[1];
        let minutes: f64 = mails.intervals.iter().map(|i| i.agents * 15.0).sum();
        assert!((minutes - 960.0 * 3.0).abs() < 1e-6, "{minutes}");
        // The day's staffing: agents over 100 intervals, and the month
        // keeps its volume.
        let staffing = month_staffing(&plan, first);
        let day = &staffing.days[24];
        assert_eq!(day.date, "2026-10-25");
        assert_eq!(day.day_minutes, 1500);
        let erlang: f64 = calls.intervals.iter().map(|i| i.agents * 15.0).sum();
        assert!((day.channels[0].productive_minutes - erlang).abs() < 1e-9);
        let month: f64 = staffing.days.iter().map(|d| d.channels[0].volume).sum();
        assert!((month - 31.0 * 4800.0).abs() < 1e-6);
        // March: 92 quarter hours, 02:00 missing, the day's calls kept.
        let march = plan_of(
            bench_settings(30, None),
            1,
            d("2026-03-01"),
            vec![(around_the_clock(Channel::Call), 31 * 4600)],
            Vec::new(),
        );
        let short = day_intervals(&march, d("2026-03-29"));
        assert_eq!(short.day_minutes, 1380);
        let calls = &short.channels[0].intervals;
        assert_eq!(calls.len(), 46);
        assert_eq!(
            (calls[3].start.as_str(), calls[4].start.as_str()),
            ("01:30", "03:00")
        );
        assert!((calls.iter().map(|i| i.volume).sum::<f64>() - 4600.0).abs() < 1e-6);
    }

    #[test]
    fn team_basic_seats_rest_on_their_calendars_holidays() {
        let seat = |team_pro: bool, state: Option<State>| SeatRow {
            channel: None,
            team_pro,
            productive_minutes: (!team_pro).then_some(180),
            valid_from: "2026-01-01".into(),
            valid_to: None,
            open_weekdays: 0b1_1111,
            holiday_state: state,
        };
        let ascension = d("2026-05-14"); // a Thursday
        assert!(!seat_on(&seat(false, Some(State::NW)), ascension, 3));
        assert!(seat_on(&seat(false, Some(State::NW)), d("2026-05-13"), 2));
        assert!(seat_on(&seat(false, None), ascension, 3));
        assert!(seat_on(&seat(true, None), ascension, 3));
        // Corpus Christi (4 June) is a holiday in NW, not in Berlin.
        assert!(!seat_on(&seat(false, Some(State::NW)), d("2026-06-04"), 3));
        assert!(seat_on(&seat(false, Some(State::BE)), d("2026-06-04"), 3));
    }

    #[test]
    fn holidays_in_the_month() {
        // Bavaria, May 2026: 1 May, Ascension 14 May, Whit Monday 25 May,
        // Corpus Christi 4 June (not in May). The default profile: nothing
        // on a holiday, the month's volume on the 18 other weekdays.
        let mut settings = bench_settings(30, None);
        settings.holiday_state = Some(State::BY);
        let inputs = channel_inputs(&[], &[]);
        let call = inputs
            .into_iter()
            .find(|c| c.channel == Channel::Call)
            .expect("call");
        let plan = plan_of(
            settings,
            1,
            d("2026-05-01"),
            vec![(call, 18_000)],
            Vec::new(),
        );
        assert_eq!(
            plan.holidays
                .keys()
                .map(|d| d.to_string())
                .collect::<Vec<_>>(),
            ["2026-05-01", "2026-05-14", "2026-05-25"]
        );
        let s = month_staffing(&plan, d("2026-05-01"));
        let day = |date: &str| s.days.iter().find(|d| d.date == date).expect("day");
        assert_eq!(
            day("2026-05-14").holiday.as_deref(),
            Some("Christi Himmelfahrt")
        );
        assert_eq!(day("2026-05-14").channels[0].volume, 0.0);
        assert_eq!(day("2026-05-14").required_seats, 0);
        assert!((day("2026-05-13").channels[0].volume - 1000.0).abs() < 1e-9);
        assert_eq!(day("2026-05-13").holiday, None);
        let total: f64 = s.days.iter().map(|d| d.channels[0].volume).sum();
        assert!((total - 18_000.0).abs() < 1e-6);
        // A calendar without a state: no holidays.
        let plan = plan_of(
            bench_settings(30, None),
            1,
            d("2026-05-01"),
            vec![(around_the_clock(Channel::Call), 0)],
            Vec::new(),
        );
        assert!(plan.holidays.is_empty());
    }
}
