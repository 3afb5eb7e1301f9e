//! The rules of calendars and SLA policies: validation, authorization
//! through `auth::policy`, audit; reading a case's clocks; the recompute of
//! running deadlines after a calendar change.

use std::sync::Arc;

use chrono::{NaiveDate, Weekday};
use chrono_tz::Tz;
use rusqlite::Connection;
use serde_json::json;

use super::SlaError;
use super::calendar::{BusinessCalendar, Closure, Interval};
use super::clock;
use super::holidays::{self, State};
use super::model::{Calendar, CalendarInput, CaseSla, HolidayOut, Policy, PolicyInput, Recomputed};
use super::store::{self, CalendarRow};
use crate::audit::{self, Actor};
use crate::auth::Principal;
use crate::auth::policy::{self, ProjectRef};
use crate::cases::Channel;
use crate::db::config_cache::ConfigCache;
use crate::db::{StoreError, StoreResult, now};
use crate::ids::{CaseId, ClientId, ProjectId};
use crate::validation::{Invalid, required_text};

fn weekday(n: u8) -> Option<Weekday> {
    Some(match n {
        0 => Weekday::Mon,
        1 => Weekday::Tue,
        2 => Weekday::Wed,
        3 => Weekday::Thu,
        4 => Weekday::Fri,
        5 => Weekday::Sat,
        6 => Weekday::Sun,
        _ => return None,
    })
}

/// `HH:MM` → minutes after midnight (`24:00` → 1440).
fn minutes(field: &'static str, s: &str) -> Result<u16, Invalid> {
    let bad = || Invalid::new(field, format!("{s:?} is no time of day (HH:MM)"));
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m < 60 && (h < 24 || (h == 24 && m == 0)) {
        Ok(h * 60 + m)
    } else {
        Err(bad())
    }
}

fn date(field: &'static str, s: &str) -> Result<NaiveDate, Invalid> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| Invalid::new(field, format!("{s:?} is no date (YYYY-MM-DD)")))
}

/// A calendar as the arithmetic uses it (`None`: no such calendar); kept
/// while the configuration is unchanged (`db::config_cache`).
pub fn load_calendar(conn: &Connection, id: i64) -> StoreResult<Option<Arc<BusinessCalendar>>> {
    static CALENDARS: ConfigCache<i64, Option<Arc<BusinessCalendar>>> = ConfigCache::new();
    CALENDARS.get_or_load(conn, id, |conn| {
        Ok(store::calendar(conn, id)?.map(|c| Arc::new(to_business(&c))))
    })
}

/// A project's SLA policies in order, as case writes match them; kept
/// while the configuration is unchanged (`db::config_cache`).
pub fn project_policies(conn: &Connection, project_id: ProjectId) -> StoreResult<Arc<Vec<Policy>>> {
    static POLICIES: ConfigCache<ProjectId, Arc<Vec<Policy>>> = ConfigCache::new();
    POLICIES.get_or_load(conn, project_id, |conn| {
        Ok(Arc::new(store::policies(conn, project_id)?))
    })
}

/// The arithmetic's view of a stored calendar. Stored values were checked
/// on write; anything unreadable counts as closed rather than failing a
/// case write.
pub fn to_business(c: &Calendar) -> BusinessCalendar {
    let zone: Tz = c.time_zone.parse().unwrap_or(chrono_tz::Europe::Berlin);
    let week = c.hours.iter().filter_map(|h| {
        Some((
            weekday(h.weekday)?,
            Interval {
                start: minutes("start", &h.start).ok()?,
                end: minutes("end", &h.end).ok()?,
            },
        ))
    });
    let closures = c
        .closures
        .iter()
        .filter_map(|x| {
            Some(Closure {
                from: date("from", &x.from).ok()?,
                to: date("to", &x.to).ok()?,
            })
        })
        .collect();
    BusinessCalendar::new(zone, week.collect::<Vec<_>>(), c.state, closures)
}

struct Checked {
    name: String,
    time_zone: String,
    state: Option<State>,
    hours: Vec<(u8, u16, u16)>,
    closures: Vec<super::model::CalendarClosure>,
}

fn check_calendar(input: &CalendarInput) -> Result<Checked, Invalid> {
    let name = required_text("name", &input.name, 120)?;
    let time_zone = input.time_zone.trim().to_string();
    if time_zone.parse::<Tz>().is_err() {
        return Err(Invalid::new(
            "time_zone",
            format!("{time_zone:?} is no IANA time zone"),
        ));
    }
    let mut hours = Vec::with_capacity(input.hours.len());
    for h in &input.hours {
        if weekday(h.weekday).is_none() {
            return Err(Invalid::new("hours", "weekday is 0 (Monday) to 6 (Sunday)"));
        }
        let start = minutes("hours", &h.start)?;
        let end = minutes("hours", &h.end)?;
        if start >= end || start >= 1440 {
            return Err(Invalid::new(
                "hours",
                format!("{}–{} is no interval (start before end)", h.start, h.end),
            ));
        }
        hours.push((h.weekday, start, end));
    }
    hours.sort_unstable();
    for pair in hours.windows(2) {
        if pair[0].0 == pair[1].0 && pair[1].1 < pair[0].2 {
            return Err(Invalid::new("hours", "intervals of one day overlap"));
        }
    }
    let mut closures = Vec::with_capacity(input.closures.len());
    for c in &input.closures {
        let name = required_text("closures", &c.name, 120)?;
        let from = date("closures", &c.from)?;
        let to = date("closures", &c.to)?;
        if to < from {
            return Err(Invalid::new(
                "closures",
                format!("{name}: ends before it starts"),
            ));
        }
        if (to - from).num_days() > 366 {
            return Err(Invalid::new(
                "closures",
                format!("{name}: longer than a year"),
            ));
        }
        closures.push(super::model::CalendarClosure {
            name,
            from: from.to_string(),
            to: to.to_string(),
        });
    }
    Ok(Checked {
        name,
        time_zone,
        state: input.state,
        hours,
        closures,
    })
}

fn taken(err: StoreError) -> SlaError {
    match err {
        StoreError::Conflict(_) => SlaError::NameTaken,
        other => SlaError::Store(other),
    }
}

fn record(
    conn: &Connection,
    who: &Principal,
    action: &str,
    kind: &str,
    id: i64,
    client_id: ClientId,
    details: serde_json::Value,
) -> Result<(), SlaError> {
    audit::record(
        conn,
        &Actor::from(who),
        action,
        kind,
        Some(id),
        Some(client_id),
        details,
    )?;
    Ok(())
}

// ---- calendars -------------------------------------------------------------------

/// A calendar the caller may see (foreign: not found).
fn visible_calendar(conn: &Connection, who: &Principal, id: i64) -> Result<Calendar, SlaError> {
    let cal = store::calendar(conn, id)?.ok_or(SlaError::CalendarNotFound)?;
    policy::view_client(who, cal.client_id).map_err(|_| SlaError::CalendarNotFound)?;
    policy::view_calendars(who, cal.client_id)?;
    Ok(cal)
}

pub fn list_calendars(
    conn: &Connection,
    who: &Principal,
    client_id: Option<ClientId>,
) -> Result<Vec<Calendar>, SlaError> {
    let client = match (who.is_admin(), client_id, who.client_id) {
        (true, filter, _) => filter,
        (false, Some(asked), _) => Some(asked),
        (false, None, Some(own)) => Some(own),
        (false, None, None) => {
            // A project lead of the provider: the clients they lead for.
            let mut out = Vec::new();
            let mut clients: Vec<ClientId> = who.memberships.iter().map(|m| m.client_id).collect();
            clients.sort_unstable();
            clients.dedup();
            for c in clients {
                if policy::view_calendars(who, c).is_ok() {
                    out.extend(store::calendars(conn, Some(c))?);
                }
            }
            return Ok(out);
        }
    };
    if let Some(c) = client {
        policy::view_calendars(who, c)?;
    }
    Ok(store::calendars(conn, client)?)
}

pub fn get_calendar(conn: &Connection, who: &Principal, id: i64) -> Result<Calendar, SlaError> {
    visible_calendar(conn, who, id)
}

pub fn create_calendar(
    conn: &Connection,
    who: &Principal,
    input: CalendarInput,
) -> Result<Calendar, SlaError> {
    // A client admin's own client unless named; another client is 404.
    let client_id = input
        .client_id
        .or(who.client_id)
        .ok_or(Invalid::new("client_id", "name the client"))?;
    policy::manage_sla(who, client_id)?;
    let checked = check_calendar(&input)?;
    let id = store::insert_calendar(conn, client_id, &row(&checked), &now()).map_err(taken)?;
    record(
        conn,
        who,
        "calendar.created",
        "business_calendar",
        id,
        client_id,
        json!({"name": checked.name}),
    )?;
    store::calendar(conn, id)?.ok_or(SlaError::CalendarNotFound)
}

fn row(c: &Checked) -> CalendarRow<'_> {
    CalendarRow {
        name: &c.name,
        time_zone: &c.time_zone,
        state: c.state.map(State::as_str),
        hours: &c.hours,
        closures: &c.closures,
    }
}

/// Replaces a calendar and marks its running deadlines for the recompute
/// (in this transaction); the background service `sla.recompute` does it
/// ([`recompute_pending`], in batches) once the caller pokes it.
pub fn update_calendar(
    conn: &Connection,
    who: &Principal,
    id: i64,
    input: CalendarInput,
) -> Result<Calendar, SlaError> {
    let before = visible_calendar(conn, who, id)?;
    policy::manage_sla(who, before.client_id)?;
    let checked = check_calendar(&input)?;
    store::update_calendar(conn, id, &row(&checked), &now()).map_err(taken)?;
    record(
        conn,
        who,
        "calendar.updated",
        "business_calendar",
        id,
        before.client_id,
        json!({"name": checked.name}),
    )?;
    store::calendar(conn, id)?.ok_or(SlaError::CalendarNotFound)
}

pub fn delete_calendar(conn: &Connection, who: &Principal, id: i64) -> Result<(), SlaError> {
    let before = visible_calendar(conn, who, id)?;
    policy::manage_sla(who, before.client_id)?;
    if store::calendar_in_use(conn, id)? {
        return Err(SlaError::CalendarInUse);
    }
    store::delete_calendar(conn, id)?;
    record(
        conn,
        who,
        "calendar.deleted",
        "business_calendar",
        id,
        before.client_id,
        json!({"name": before.name}),
    )?;
    Ok(())
}

/// The public holidays a calendar counts in a year.
pub fn calendar_holidays(
    conn: &Connection,
    who: &Principal,
    id: i64,
    year: i32,
) -> Result<Vec<HolidayOut>, SlaError> {
    let cal = visible_calendar(conn, who, id)?;
    if !(1900..=2200).contains(&year) {
        return Err(Invalid::new("year", "between 1900 and 2200").into());
    }
    Ok(cal
        .state
        .map(|s| holidays::holidays(year, s))
        .unwrap_or_default()
        .into_iter()
        .map(|h| HolidayOut {
            date: h.date.to_string(),
            name: h.name.to_string(),
        })
        .collect())
}

/// How many running clocks one write transaction of the recompute moves:
/// small enough that other writers wait well under 50 ms (500: longest
/// batch 38 ms on the shared 2-core VM under load 4–6, where 1,000 took up
/// to 83 ms; docs/benchmarks.md, "SLA recompute after a calendar change").
pub const RECOMPUTE_BATCH: i64 = 500;
/// The pause between two batches, in which waiting writers get the lock.
pub const BATCH_PAUSE: std::time::Duration = std::time::Duration::from_millis(1);

/// What one batch of the recompute did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Batch {
    /// Clocks recomputed (of them, cases whose deadlines moved).
    Progress { clocks: u64, cases: u64 },
    /// Nothing (more) pending: the mark is cleared.
    Done,
    /// The calendar changed again since it was loaded: load it anew (its
    /// change started the recompute over).
    Stale,
}

/// One batch of the pending recompute of a calendar (`version`: the one
/// `calendar` was loaded at): the next `limit` running clocks after the
/// stored mark, their new deadlines where they moved, the cases' next
/// deadlines, and the mark advanced — all in the caller's transaction, so
/// the mark and the deadlines never disagree.
pub fn recompute_batch(
    conn: &Connection,
    calendar: &BusinessCalendar,
    calendar_id: i64,
    version: i64,
    limit: i64,
) -> StoreResult<Batch> {
    let after = match store::recompute_state(conn, calendar_id)? {
        None | Some((_, None)) => return Ok(Batch::Done),
        Some((v, _)) if v != version => return Ok(Batch::Stale),
        Some((_, Some(after))) => after,
    };
    let rows = store::running_of_calendar(conn, calendar_id, after, limit)?;
    let Some(last) = rows.last().map(|r| r.id) else {
        store::set_recompute_after(conn, calendar_id, None)?;
        return Ok(Batch::Done);
    };
    let mut changed = Vec::with_capacity(rows.len());
    let mut cases: Vec<CaseId> = Vec::with_capacity(rows.len());
    for r in &rows {
        let (due, warn) = match clock::parse(&r.started_at) {
            Some(started) => (
                calendar.add(started, r.due_minutes).map(clock::stamp),
                calendar.add(started, r.warn_minutes).map(clock::stamp),
            ),
            None => (None, None),
        };
        // A change far from these deadlines (a closure next year) moves none.
        if due != r.due_at || warn != r.warn_at {
            changed.push((r.id, due, warn));
            cases.push(r.case_id);
        }
    }
    store::set_deadlines_many(conn, &changed)?;
    cases.sort_unstable();
    cases.dedup();
    store::refresh_case_deadlines(conn, &cases)?;
    store::set_recompute_after(conn, calendar_id, Some(last))?;
    Ok(Batch::Progress {
        clocks: rows.len() as u64,
        cases: cases.len() as u64,
    })
}

/// Recomputes what is pending of one calendar, batch by batch: each batch
/// a short write transaction of its own, not synced at commit
/// (`Db::write_unsynced`: the mark makes a lost batch redone after a
/// crash), with a pause between in which other writes go. A change of the
/// calendar meanwhile starts it over on the new version.
pub async fn recompute_calendar(
    db: &crate::db::Db,
    calendar_id: i64,
) -> Result<Recomputed, SlaError> {
    let mut total = Recomputed {
        clocks: 0,
        cases: 0,
    };
    loop {
        let Some(loaded) = db
            .read(move |conn| store::calendar(conn, calendar_id).map_err(SlaError::from))
            .await?
        else {
            return Ok(total);
        };
        let version = loaded.version;
        let cal = std::sync::Arc::new(to_business(&loaded));
        loop {
            let c = cal.clone();
            let done = db
                .write_unsynced(move |tx| {
                    recompute_batch(tx, &c, calendar_id, version, RECOMPUTE_BATCH)
                        .map_err(SlaError::from)
                })
                .await?;
            match done {
                Batch::Progress { clocks, cases } => {
                    total.clocks += clocks;
                    total.cases += cases;
                    // The writer's lock is not fair: without a pause this
                    // loop takes it again at once and other writes starve.
                    tokio::time::sleep(BATCH_PAUSE).await;
                }
                Batch::Done => return Ok(total),
                Batch::Stale => break,
            }
        }
    }
}

/// Every pending recompute (the background service `sla.recompute`: poked
/// after a calendar change and at the start, so a stop in the middle is
/// resumed).
pub async fn recompute_pending(db: &crate::db::Db) -> Result<Recomputed, SlaError> {
    let mut total = Recomputed {
        clocks: 0,
        cases: 0,
    };
    loop {
        let pending = db
            .read(|conn| store::pending_recomputes(conn).map_err(SlaError::from))
            .await?;
        if pending.is_empty() {
            return Ok(total);
        }
        for id in pending {
            let done = recompute_calendar(db, id).await?;
            tracing::info!(
                calendar = id,
                clocks = done.clocks,
                cases = done.cases,
                "recomputed SLA deadlines"
            );
            total.clocks += done.clocks;
            total.cases += done.cases;
        }
    }
}

// ---- policies --------------------------------------------------------------------------

fn project_ref(conn: &Connection, project_id: ProjectId) -> Result<ProjectRef, SlaError> {
    let client_id = store::project_client(conn, project_id)?.ok_or(SlaError::ProjectNotFound)?;
    Ok(ProjectRef {
        id: project_id,
        client_id,
    })
}

fn visible_policy(
    conn: &Connection,
    who: &Principal,
    id: i64,
) -> Result<(Policy, ProjectRef), SlaError> {
    let p = store::policy(conn, id)?.ok_or(SlaError::PolicyNotFound)?;
    let project = project_ref(conn, p.project_id)?;
    policy::view_project(who, project).map_err(|_| SlaError::PolicyNotFound)?;
    policy::view_sla_policies(who, project)?;
    Ok((p, project))
}

pub fn list_policies(
    conn: &Connection,
    who: &Principal,
    project_id: ProjectId,
) -> Result<Vec<Policy>, SlaError> {
    let project = project_ref(conn, project_id)?;
    policy::view_project(who, project).map_err(|_| SlaError::ProjectNotFound)?;
    policy::view_sla_policies(who, project)?;
    Ok(store::policies(conn, project_id)?)
}

pub fn get_policy(conn: &Connection, who: &Principal, id: i64) -> Result<Policy, SlaError> {
    Ok(visible_policy(conn, who, id)?.0)
}

fn checked_policy(
    conn: &Connection,
    project: ProjectRef,
    input: PolicyInput,
    position: i64,
    created_at: String,
) -> Result<Policy, SlaError> {
    let name = required_text("name", &input.name, 120)?;
    let cal = store::calendar(conn, input.calendar_id)?
        .filter(|c| c.client_id == project.client_id)
        .ok_or(Invalid::new(
            "calendar_id",
            "no such calendar of this client",
        ))?;
    if input.channels.contains(&Channel::Call) {
        return Err(
            Invalid::new("channels", "SLAs apply to written channels only, not calls").into(),
        );
    }
    for t in &input.topic_ids {
        if !store::topic_in_project(conn, *t, project.id)? {
            return Err(Invalid::new("topic_ids", format!("no topic {t} in this project")).into());
        }
    }
    for o in &input.organization_ids {
        if !store::organization_of_client(conn, o.0, project.client_id)? {
            return Err(
                Invalid::new("organization_ids", format!("no organization {}", o.0)).into(),
            );
        }
    }
    if input.first_response_minutes.is_none()
        && input.next_response_minutes.is_none()
        && input.resolution_minutes.is_none()
    {
        return Err(Invalid::new("first_response_minutes", "set at least one target").into());
    }
    for (field, v) in [
        ("first_response_minutes", input.first_response_minutes),
        ("next_response_minutes", input.next_response_minutes),
        ("resolution_minutes", input.resolution_minutes),
    ] {
        if v.is_some_and(|m| !(1..=5_256_000).contains(&m)) {
            return Err(Invalid::new(field, "1 minute to 10 years").into());
        }
    }
    if !(1..=99).contains(&input.warn_percent) {
        return Err(Invalid::new("warn_percent", "1 to 99").into());
    }
    let dedup = |mut v: Vec<i64>| {
        v.sort_unstable();
        v.dedup();
        v
    };
    Ok(Policy {
        id: 0,
        project_id: project.id,
        name,
        position,
        active: input.active,
        calendar_id: cal.id,
        priorities: input.priorities,
        channels: input.channels,
        topic_ids: dedup(input.topic_ids),
        organization_ids: input.organization_ids,
        first_response_minutes: input.first_response_minutes,
        next_response_minutes: input.next_response_minutes,
        resolution_minutes: input.resolution_minutes,
        warn_percent: input.warn_percent,
        created_at,
        updated_at: now(),
    })
}

pub fn create_policy(
    conn: &Connection,
    who: &Principal,
    input: PolicyInput,
) -> Result<Policy, SlaError> {
    let project = project_ref(conn, input.project_id)?;
    policy::view_project(who, project).map_err(|_| SlaError::ProjectNotFound)?;
    policy::manage_sla(who, project.client_id)?;
    let position = match input.position {
        Some(p) => p,
        None => store::next_position(conn, project.id)?,
    };
    let p = checked_policy(conn, project, input, position, now())?;
    let id = store::save_policy(conn, None, &p).map_err(taken)?;
    record(
        conn,
        who,
        "sla_policy.created",
        "sla_policy",
        id,
        project.client_id,
        json!({"name": p.name, "project_id": project.id}),
    )?;
    store::policy(conn, id)?.ok_or(SlaError::PolicyNotFound)
}

/// Replaces a policy. Applies to new cases and to cases whose fields change
/// later; running clocks keep the targets they started with.
pub fn update_policy(
    conn: &Connection,
    who: &Principal,
    id: i64,
    input: PolicyInput,
) -> Result<Policy, SlaError> {
    let (before, project) = visible_policy(conn, who, id)?;
    policy::manage_sla(who, project.client_id)?;
    if input.project_id != before.project_id {
        return Err(Invalid::new("project_id", "a policy stays in its project").into());
    }
    let position = input.position.unwrap_or(before.position);
    let p = checked_policy(conn, project, input, position, before.created_at.clone())?;
    store::save_policy(conn, Some(id), &p).map_err(taken)?;
    record(
        conn,
        who,
        "sla_policy.updated",
        "sla_policy",
        id,
        project.client_id,
        json!({"name": p.name, "project_id": project.id}),
    )?;
    store::policy(conn, id)?.ok_or(SlaError::PolicyNotFound)
}

pub fn delete_policy(conn: &Connection, who: &Principal, id: i64) -> Result<(), SlaError> {
    let (before, project) = visible_policy(conn, who, id)?;
    policy::manage_sla(who, project.client_id)?;
    store::delete_policy(conn, id)?;
    record(
        conn,
        who,
        "sla_policy.deleted",
        "sla_policy",
        id,
        project.client_id,
        json!({"name": before.name, "project_id": project.id}),
    )?;
    Ok(())
}

// ---- a case's SLA ------------------------------------------------------------------------

/// The SLA of a case the caller sees.
pub fn case_sla(conn: &Connection, who: &Principal, case_id: CaseId) -> Result<CaseSla, SlaError> {
    let case = crate::cases::service::visible_case(conn, who, case_id)
        .map_err(|_| SlaError::CaseNotFound)?;
    let clocks: Vec<_> = store::clocks(conn, case_id)?
        .into_iter()
        .map(|c| c.clock)
        .collect();
    let policies = project_policies(conn, case.project_id)?;
    let current = clock::matching_policy(&policies, (&case).into());
    Ok(CaseSla {
        case_id,
        policy_id: current.map(|p| p.id),
        policy_name: current.map(|p| p.name.clone()),
        next_due_at: case.sla_due_at.clone(),
        clocks,
    })
}
