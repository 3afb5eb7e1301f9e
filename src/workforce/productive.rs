//! Productive time per agent, project and day (docs/architecture.md,
//! "Workforce"), derived from the raw state log and the handling-time
//! records, exact to the second:
//!
//! - the log's rows are intervals (a row's `at` to the agent's next row, the
//!   last one to now), each of the project it names;
//! - an interval in one of the client's *productive states* (settings,
//!   default available, on-case, after-work, back-office) counts, cut at the
//!   days of the client's zone;
//! - a time entry of a case (`time_entries`: handling, after-work, call
//!   time, manual) counts too, from its start for its seconds, so that work
//!   recorded on a case while the state said otherwise is not lost;
//! - overlaps count once (the union of both), so a case worked while
//!   on-case is never counted twice;
//! - the lead's corrections are added on top, never changing the log.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use rusqlite::Connection;
use serde_json::json;

use super::error::WorkforceError;
use super::model::{
    Correction, CorrectionInput, LogEntry, ProductiveReport, ProductiveRow, ReportQuery,
    StateSeconds, WorkState,
};
use super::states::{Settings, settings_of};
use super::store;
use crate::audit::{Actor, record};
use crate::auth::model::{MemberRole, Role};
use crate::auth::{Principal, policy};
use crate::db::StoreResult;
use crate::ids::{ClientId, ProjectId, UserId};
use crate::validation::Invalid;

/// The longest report period, in days.
pub const MAX_DAYS: i64 = 31;
const LOG_LIMIT: i64 = 5000;

/// A project of a report with what its computation needs.
#[derive(Debug, Clone)]
pub struct ReportProject {
    pub id: ProjectId,
    pub name: String,
    pub client_id: ClientId,
    pub zone: Tz,
    pub productive: Vec<WorkState>,
}

#[derive(Default)]
struct Acc {
    /// Milliseconds per state (`WorkState::ALL` order).
    states: [i64; 9],
    handling: i64,
    /// Counted intervals (ms since the epoch) for the union.
    counted: Vec<(i64, i64)>,
}

fn state_index(s: WorkState) -> usize {
    WorkState::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

fn millis(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// The UTC instant (ms) where local `day` begins in `zone`.
fn day_start(zone: Tz, day: NaiveDate) -> i64 {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    match zone.from_local_datetime(&midnight).earliest() {
        Some(t) => t.timestamp_millis(),
        // Midnight skipped by a clock change: an hour later exists.
        None => zone
            .from_local_datetime(&(midnight + Duration::hours(1)))
            .earliest()
            .map_or(midnight.and_utc().timestamp_millis(), |t| {
                t.timestamp_millis()
            }),
    }
}

/// Cuts [start, end) at the local days of `zone`: (day, start, end) pieces.
fn split_days(zone: Tz, start: i64, end: i64, out: &mut Vec<(NaiveDate, i64, i64)>) {
    out.clear();
    let mut at = start;
    while at < end {
        let Some(utc) = DateTime::<Utc>::from_timestamp_millis(at) else {
            return;
        };
        let day = utc.with_timezone(&zone).date_naive();
        let next = day
            .succ_opt()
            .map_or(end, |d| day_start(zone, d))
            .max(at + 1);
        let piece_end = next.min(end);
        out.push((day, at, piece_end));
        at = piece_end;
    }
}

/// Length of the union of intervals, ms.
fn union_len(intervals: &mut [(i64, i64)]) -> i64 {
    intervals.sort_unstable();
    let mut total = 0;
    let mut current: Option<(i64, i64)> = None;
    for &(s, e) in intervals.iter() {
        match current {
            Some((cs, ce)) if s <= ce => current = Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                total += ce - cs;
                current = Some((s, e));
            }
            None => current = Some((s, e)),
        }
    }
    if let Some((cs, ce)) = current {
        total += ce - cs;
    }
    total
}

/// Productive time of `projects` on the local days `from..=to`, for one user
/// or everyone who worked in them. Pure computation over the store's rows.
pub fn compute(
    conn: &Connection,
    projects: &[ReportProject],
    user: Option<UserId>,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> StoreResult<Vec<ProductiveRow>> {
    if projects.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<ProjectId> = projects.iter().map(|p| p.id).collect();
    let by_id: HashMap<ProjectId, &ReportProject> = projects.iter().map(|p| (p.id, p)).collect();
    // The query window covers every zone's days; pieces are kept by day.
    let window_from = stamp_ms(day_start(Tz::UTC, from) - 86_400_000);
    let window_to = stamp_ms(day_start(Tz::UTC, to) + 2 * 86_400_000);
    let now_ms = now.timestamp_millis();
    let users: Vec<UserId> = match user {
        Some(u) => vec![u],
        None => {
            let mut set: HashSet<UserId> = store::member_agents(conn, &ids)?.into_iter().collect();
            set.extend(store::logged_users(conn, &ids, &window_from, &window_to)?);
            let mut v: Vec<UserId> = set.into_iter().collect();
            v.sort_unstable();
            v
        }
    };
    let end_ms = millis(&window_to).unwrap_or(now_ms).min(now_ms);
    let mut acc: HashMap<(UserId, ProjectId, NaiveDate), Acc> = HashMap::new();
    let mut pieces = Vec::new();
    for &u in &users {
        let spans = store::spans(conn, u, &window_from, &window_to)?;
        for (i, span) in spans.iter().enumerate() {
            let Some(project) = span.project_id.and_then(|p| by_id.get(&p)) else {
                continue;
            };
            let Some(start) = millis(&span.at) else {
                continue;
            };
            let end = match spans.get(i + 1) {
                Some(next) => millis(&next.at).unwrap_or(start),
                None => end_ms,
            };
            let counted = project.productive.contains(&span.state);
            split_days(project.zone, start, end, &mut pieces);
            for &(day, s, e) in &pieces {
                if day < from || day > to {
                    continue;
                }
                let a = acc.entry((u, project.id, day)).or_default();
                a.states[state_index(span.state)] += e - s;
                if counted {
                    a.counted.push((s, e));
                }
            }
        }
    }
    let wanted: Option<HashSet<UserId>> = user.map(|u| [u].into_iter().collect());
    for (u, p, started, seconds) in store::time_entries(conn, &ids, &window_from, &window_to)? {
        if wanted.as_ref().is_some_and(|w| !w.contains(&u)) {
            continue;
        }
        let (Some(project), Some(start)) = (by_id.get(&p), millis(&started)) else {
            continue;
        };
        split_days(project.zone, start, start + seconds * 1000, &mut pieces);
        for &(day, s, e) in &pieces {
            if day < from || day > to {
                continue;
            }
            let a = acc.entry((u, p, day)).or_default();
            a.handling += e - s;
            a.counted.push((s, e));
        }
    }
    let mut corrections: HashMap<(UserId, ProjectId, NaiveDate), Vec<Correction>> = HashMap::new();
    for c in store::corrections(conn, &ids, &from.to_string(), &to.to_string())? {
        if wanted.as_ref().is_some_and(|w| !w.contains(&c.user_id)) {
            continue;
        }
        let Ok(day) = NaiveDate::parse_from_str(&c.day, "%Y-%m-%d") else {
            continue;
        };
        acc.entry((c.user_id, c.project_id, day)).or_default();
        corrections
            .entry((c.user_id, c.project_id, day))
            .or_default()
            .push(c);
    }
    let names = user_names(conn, acc.keys().map(|k| k.0))?;
    let mut sorted: BTreeMap<(String, UserId, ProjectId, NaiveDate), Acc> = BTreeMap::new();
    for ((u, p, d), a) in acc {
        let name = names.get(&u).cloned().unwrap_or_default();
        sorted.insert((name, u, p, d), a);
    }
    let mut rows = Vec::with_capacity(sorted.len());
    for ((name, u, p, day), mut a) in sorted {
        let productive_seconds = union_len(&mut a.counted) / 1000;
        let corrections = corrections.remove(&(u, p, day)).unwrap_or_default();
        let correction_seconds: i64 = corrections.iter().map(|c| c.seconds).sum();
        rows.push(ProductiveRow {
            user_id: u,
            user_name: name,
            project_id: p,
            project_name: by_id.get(&p).map(|x| x.name.clone()).unwrap_or_default(),
            day: day.to_string(),
            states: WorkState::ALL
                .iter()
                .zip(a.states)
                .filter(|(_, ms)| *ms > 0)
                .map(|(s, ms)| StateSeconds {
                    state: *s,
                    seconds: ms / 1000,
                })
                .collect(),
            handling_seconds: a.handling / 1000,
            productive_seconds,
            correction_seconds,
            total_seconds: productive_seconds + correction_seconds,
            corrections,
        });
    }
    Ok(rows)
}

fn stamp_ms(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn user_names(
    conn: &Connection,
    ids: impl Iterator<Item = UserId>,
) -> StoreResult<HashMap<UserId, String>> {
    let mut out = HashMap::new();
    for id in ids {
        if let std::collections::hash_map::Entry::Vacant(slot) = out.entry(id)
            && let Some(user) = crate::users::store::get(conn, id)?
        {
            slot.insert(user.name);
        }
    }
    Ok(out)
}

/// The report project for a project id.
pub fn report_project(conn: &Connection, id: ProjectId) -> StoreResult<Option<ReportProject>> {
    let Some(project) = crate::projects::store::get(conn, id)? else {
        return Ok(None);
    };
    let settings: Settings = settings_of(conn, Some(project.client_id))?;
    Ok(Some(ReportProject {
        id,
        name: project.name,
        client_id: project.client_id,
        zone: settings.time_zone.parse().unwrap_or(Tz::Europe__Berlin),
        productive: settings.productive,
    }))
}

/// One's productive time today (the first project's client's day), seconds.
pub fn today(
    conn: &Connection,
    user: UserId,
    projects: &[ProjectId],
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    let mut list = Vec::new();
    for &p in projects {
        if let Some(rp) = report_project(conn, p)? {
            list.push(rp);
        }
    }
    let Some(first) = list.first() else {
        return Ok(0);
    };
    let day = now.with_timezone(&first.zone).date_naive();
    Ok(compute(conn, &list, Some(user), day, day, now)?
        .iter()
        .map(|r| r.total_seconds)
        .sum())
}

// ---- the API -------------------------------------------------------------------

/// Who the caller may report on in a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    Everyone,
    Oneself,
}

/// The caller's reach in a project: the platform admin, the client's admin
/// and the project's lead see everyone; an agent member only themselves.
fn reach(who: &Principal, project: policy::ProjectRef) -> Option<Reach> {
    policy::view_project(who, project).ok()?;
    if policy::view_sla_policies(who, project).is_ok() {
        return Some(Reach::Everyone);
    }
    who.memberships
        .iter()
        .any(|m| m.project_id == project.id && m.role == MemberRole::Agent)
        .then_some(Reach::Oneself)
}

fn parse_day(field: &'static str, text: &str) -> Result<NaiveDate, Invalid> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| Invalid::new(field, "a day is YYYY-MM-DD"))
}

fn period(query: &ReportQuery) -> Result<(NaiveDate, NaiveDate), WorkforceError> {
    let from = parse_day("from", &query.from)?;
    let to = parse_day("to", &query.to)?;
    if to < from {
        return Err(Invalid::new("to", "the last day is not before the first").into());
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(Invalid::new("to", format!("at most {MAX_DAYS} days")).into());
    }
    Ok((from, to))
}

/// The projects in the query's scope with the caller's reach in each.
fn scope(
    conn: &Connection,
    who: &Principal,
    query: &ReportQuery,
) -> Result<Vec<(ReportProject, Reach)>, WorkforceError> {
    let ids: Vec<ProjectId> = match query.project_id {
        Some(id) => vec![id],
        None => crate::projects::store::list(conn, &policy::project_visibility(who))?
            .into_iter()
            .map(|p| p.id)
            .collect(),
    };
    let mut out = Vec::new();
    for id in ids {
        let Some(project) = report_project(conn, id)? else {
            if query.project_id.is_some() {
                return Err(WorkforceError::ProjectNotFound);
            }
            continue;
        };
        let r = policy::ProjectRef {
            id,
            client_id: project.client_id,
        };
        match reach(who, r) {
            Some(reach) => out.push((project, reach)),
            None if query.project_id.is_some() => {
                policy::view_project(who, r).map_err(|_| WorkforceError::ProjectNotFound)?;
                return Err(policy::Denied::Forbidden.into());
            }
            None => {}
        }
    }
    Ok(out)
}

/// The productive-time report.
pub fn report(
    conn: &Connection,
    who: &Principal,
    query: &ReportQuery,
    now: DateTime<Utc>,
) -> Result<ProductiveReport, WorkforceError> {
    let (from, to) = period(query)?;
    let scoped = scope(conn, who, query)?;
    let me = who.user_id;
    let mut rows = Vec::new();
    let everyone: Vec<ReportProject> = scoped
        .iter()
        .filter(|(_, r)| *r == Reach::Everyone)
        .map(|(p, _)| p.clone())
        .collect();
    let oneself: Vec<ReportProject> = scoped
        .iter()
        .filter(|(_, r)| *r == Reach::Oneself)
        .map(|(p, _)| p.clone())
        .collect();
    rows.extend(compute(conn, &everyone, query.user_id, from, to, now)?);
    if let Some(me) = me
        && query.user_id.is_none_or(|u| u == me)
    {
        rows.extend(compute(conn, &oneself, Some(me), from, to, now)?);
    }
    let may_correct = scoped.iter().any(|(p, _)| {
        may_correct(
            who,
            policy::ProjectRef {
                id: p.id,
                client_id: p.client_id,
            },
        )
    });
    Ok(ProductiveReport {
        from: from.to_string(),
        to: to.to_string(),
        rows,
        may_correct,
    })
}

/// The state log of the scope, newest first (at most 5,000 rows).
pub fn log(
    conn: &Connection,
    who: &Principal,
    query: &ReportQuery,
) -> Result<Vec<LogEntry>, WorkforceError> {
    let (from, to) = period(query)?;
    let scoped = scope(conn, who, query)?;
    let window = (
        stamp_ms(day_start(Tz::UTC, from) - 86_400_000),
        stamp_ms(day_start(Tz::UTC, to) + 2 * 86_400_000),
    );
    let everyone: Vec<ProjectId> = scoped
        .iter()
        .filter(|(_, r)| *r == Reach::Everyone)
        .map(|(p, _)| p.id)
        .collect();
    let oneself: Vec<ProjectId> = scoped
        .iter()
        .filter(|(_, r)| *r == Reach::Oneself)
        .map(|(p, _)| p.id)
        .collect();
    let mut rows = store::log(
        conn,
        &everyone,
        query.user_id,
        &window.0,
        &window.1,
        LOG_LIMIT,
    )?;
    if let Some(me) = who.user_id
        && query.user_id.is_none_or(|u| u == me)
        && !oneself.is_empty()
    {
        rows.extend(store::log(
            conn,
            &oneself,
            Some(me),
            &window.0,
            &window.1,
            LOG_LIMIT,
        )?);
        rows.sort_by(|a, b| b.at.cmp(&a.at).then(b.id.cmp(&a.id)));
    }
    Ok(rows)
}

/// Corrections: the project's lead and the platform admin.
fn may_correct(who: &Principal, project: policy::ProjectRef) -> bool {
    policy::view_project(who, project).is_ok()
        && (who.role == Role::Admin
            || who
                .memberships
                .iter()
                .any(|m| m.project_id == project.id && m.role == MemberRole::Lead))
}

/// Records a correction (never changing the log). Audited.
pub fn correct(
    conn: &Connection,
    who: &Principal,
    input: CorrectionInput,
) -> Result<Correction, WorkforceError> {
    let project = crate::projects::store::get(conn, input.project_id)?
        .ok_or(WorkforceError::ProjectNotFound)?;
    let r = project.as_ref();
    policy::view_project(who, r).map_err(|_| WorkforceError::ProjectNotFound)?;
    if !may_correct(who, r) {
        return Err(policy::Denied::Forbidden.into());
    }
    let day = parse_day("day", &input.day)?;
    if input.seconds == 0 || input.seconds.abs() > 86_400 {
        return Err(Invalid::new("seconds", "a correction is ±1 second to ±1 day").into());
    }
    let reason = input.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(
            Invalid::new("reason", "a correction gives its reason (1–500 characters)").into(),
        );
    }
    let agents = store::member_agents(conn, &[input.project_id])?;
    if !agents.contains(&input.user_id) {
        return Err(Invalid::new("user_id", "not an agent of the project").into());
    }
    let at = crate::db::now();
    let id = store::insert_correction(
        conn,
        &store::NewCorrection {
            user_id: input.user_id,
            project_id: input.project_id,
            day: &day.to_string(),
            seconds: input.seconds,
            reason,
            by: who.user_id,
            at: &at,
        },
    )?;
    record(
        conn,
        &Actor::from(who),
        "workforce.correction",
        "user",
        Some(input.user_id.get()),
        Some(project.client_id),
        json!({"project_id": input.project_id, "day": day.to_string(),
               "seconds": input.seconds, "reason": reason}),
    )?;
    store::corrections(
        conn,
        &[input.project_id],
        &day.to_string(),
        &day.to_string(),
    )?
    .into_iter()
    .find(|c| c.id == id)
    .ok_or(WorkforceError::UserNotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(text: &str) -> i64 {
        millis(text).unwrap()
    }

    #[test]
    fn union_counts_overlaps_once() {
        let mut v = vec![(0, 10), (5, 15), (20, 30), (30, 31), (40, 41)];
        assert_eq!(union_len(&mut v), 15 + 11 + 1);
        assert_eq!(union_len(&mut []), 0);
    }

    #[test]
    fn days_are_cut_in_the_clients_zone() {
        let zone: Tz = "Europe/Berlin".parse().unwrap();
        let mut out = Vec::new();
        // 22:30 to 23:30 UTC in winter: 23:30 to 00:30 Berlin time.
        split_days(
            zone,
            ms("2026-01-10T22:30:00.000Z"),
            ms("2026-01-10T23:30:00.000Z"),
            &mut out,
        );
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].0.to_string(), "2026-01-10");
        assert_eq!(out[0].2 - out[0].1, 30 * 60 * 1000);
        assert_eq!(out[1].0.to_string(), "2026-01-11");
        assert_eq!(out[1].2 - out[1].1, 30 * 60 * 1000);
        // The day of the clock change has 23 hours.
        split_days(
            zone,
            ms("2026-03-28T23:00:00.000Z"),
            ms("2026-03-30T00:00:00.000Z"),
            &mut out,
        );
        assert_eq!(out[0].0.to_string(), "2026-03-29");
        assert_eq!(out[0].2 - out[0].1, 23 * 3600 * 1000);
    }
}
