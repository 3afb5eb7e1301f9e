//! The SLA clocks of one case, moved by the case's own writes (in the same
//! transaction): created → first response and resolution start; an agent's
//! reply achieves the response clocks; a customer message after a reply
//! starts a next-response cycle; pending on the customer pauses every
//! running clock (the paused business minutes are added to its target);
//! solved achieves the resolution and cancels the response clocks still
//! running; a change of priority, topic, channel or organization applies
//! the policy that matches now to the running clocks.
//!
//! A reopened case keeps its resolution result (no second cycle): reports
//! count the first resolution. Breaches and warnings are marked by the job
//! (`job.rs`); an achievement after the deadline that the job has not yet
//! seen is marked breached here.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::Connection;

use super::calendar::BusinessCalendar;
use super::model::{CaseClock, ClockResult, ClockState, Policy, Target};
use super::service::{load_calendar, project_policies};
use super::store::{self, ClockRow};
use crate::cases::{Case, Channel, MessageKind, Priority, Status};
use crate::db::StoreResult;
use crate::ids::{CaseId, OrganizationId, ProjectId};

/// What the case's write was, besides the field changes `before`/`after` show.
/// (A new case's clocks are [`FirstClocks`].)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    Changed,
    Message(MessageKind),
}

/// What the conditions of a policy read of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conditions {
    pub channel: Channel,
    pub priority: Priority,
    pub topic_id: Option<i64>,
    pub organization_id: Option<OrganizationId>,
}

impl From<&Case> for Conditions {
    fn from(case: &Case) -> Self {
        Conditions {
            channel: case.channel,
            priority: case.priority,
            topic_id: case.topic_id,
            organization_id: case.organization_id,
        }
    }
}

/// The policy that applies to a case: the first active one of its project
/// whose conditions all match. A call has no SLA (written channels only).
pub fn matching_policy(policies: &[Policy], case: Conditions) -> Option<&Policy> {
    if case.channel == Channel::Call {
        return None;
    }
    policies.iter().find(|p| {
        p.active
            && (p.priorities.is_empty() || p.priorities.contains(&case.priority))
            && (p.channels.is_empty() || p.channels.contains(&case.channel))
            && (p.topic_ids.is_empty() || case.topic_id.is_some_and(|t| p.topic_ids.contains(&t)))
            && (p.organization_ids.is_empty()
                || case
                    .organization_id
                    .is_some_and(|o| p.organization_ids.contains(&o)))
    })
}

fn minutes_of(policy: &Policy, target: Target) -> Option<i64> {
    match target {
        Target::FirstResponse => policy.first_response_minutes,
        Target::NextResponse => policy.next_response_minutes,
        Target::Resolution => policy.resolution_minutes,
    }
}

pub(crate) fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn parse(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The deadlines of a running clock: (due, warn).
pub fn deadlines(
    cal: &BusinessCalendar,
    started: DateTime<Utc>,
    target_minutes: i64,
    warn_minutes: i64,
    paused_minutes: i64,
) -> (Option<String>, Option<String>) {
    (
        cal.add(started, target_minutes + paused_minutes).map(stamp),
        cal.add(started, warn_minutes + paused_minutes).map(stamp),
    )
}

fn warn_minutes(target: i64, percent: i64) -> i64 {
    (target * percent / 100).max(0)
}

/// Calendars loaded once per write.
struct Calendars<'c> {
    conn: &'c Connection,
    loaded: HashMap<i64, Option<Arc<BusinessCalendar>>>,
}

impl<'c> Calendars<'c> {
    fn new(conn: &'c Connection) -> Self {
        Calendars {
            conn,
            loaded: HashMap::new(),
        }
    }

    fn get(&mut self, id: Option<i64>) -> StoreResult<Option<&BusinessCalendar>> {
        let Some(id) = id else { return Ok(None) };
        if !self.loaded.contains_key(&id) {
            let cal = load_calendar(self.conn, id)?;
            self.loaded.insert(id, cal);
        }
        Ok(self.loaded.get(&id).and_then(Option::as_deref))
    }
}

/// Brings the case's clocks up to date after a write of the case (same
/// transaction) and returns its next running deadline for the case list.
pub fn after_case_write(
    conn: &Connection,
    before: Option<&Case>,
    after: &Case,
    write: Write,
    now: DateTime<Utc>,
) -> StoreResult<(Option<String>, Option<Target>)> {
    let policies = project_policies(conn, after.project_id)?;
    let policy = matching_policy(&policies, after.into());
    let mut clocks = store::clocks(conn, after.id)?;
    if policies.is_empty() && clocks.is_empty() {
        // Nothing to keep: the common case of a project without SLAs.
        return Ok((None, None));
    }
    let mut cals = Calendars::new(conn);
    let now_s = stamp(now);
    let was_pending = before.is_some_and(|b| b.status == Status::PendingCustomer);
    let is_pending = after.status == Status::PendingCustomer;
    let was_open = before.is_none_or(|b| b.status.is_open());

    // Leaving "pending on the customer": resume, the pause added to the targets.
    if was_pending && !is_pending {
        for c in clocks
            .iter_mut()
            .filter(|c| c.clock.state == ClockState::Paused)
        {
            let cal = cals.get(c.calendar_id)?;
            let since = c.paused_since.as_deref().and_then(parse);
            if let (Some(cal), Some(since)) = (cal, since) {
                c.clock.paused_minutes += cal.minutes_between(since, now);
            }
            c.paused_since = None;
            c.clock.state = ClockState::Running;
            reschedule(c, cal);
            store::save_clock(conn, c)?;
        }
    }

    // A change of the fields the conditions read: the policy of now applies.
    let conditions_changed = before.is_some_and(|b| {
        b.priority != after.priority
            || b.topic_id != after.topic_id
            || b.channel != after.channel
            || b.organization_id != after.organization_id
    });
    if conditions_changed {
        for c in clocks
            .iter_mut()
            .filter(|c| c.clock.state != ClockState::Done)
        {
            if c.clock.policy_id == policy.map(|p| p.id) {
                continue;
            }
            match policy.and_then(|p| minutes_of(p, c.clock.target).map(|m| (p, m))) {
                Some((p, minutes)) => {
                    c.clock.policy_id = Some(p.id);
                    c.calendar_id = Some(p.calendar_id);
                    c.clock.target_minutes = minutes;
                    c.warn_minutes = warn_minutes(minutes, p.warn_percent);
                    if c.clock.state == ClockState::Running {
                        let cal = cals.get(c.calendar_id)?;
                        reschedule(c, cal);
                    }
                }
                None => finish(c, &now_s, Some(ClockResult::Cancelled)),
            }
            store::save_clock(conn, c)?;
        }
    }

    match write {
        Write::Message(MessageKind::Outbound) => {
            for c in clocks.iter_mut().filter(|c| {
                c.clock.state != ClockState::Done
                    && matches!(c.clock.target, Target::FirstResponse | Target::NextResponse)
            }) {
                achieve(c, now, &now_s);
                store::save_clock(conn, c)?;
            }
        }
        Write::Message(MessageKind::Inbound) if after.first_response_at.is_some() => {
            // A customer message after a reply: the next response is owed,
            // unless one is owed already.
            let owed = clocks.iter().any(|c| {
                c.clock.target == Target::NextResponse && c.clock.state != ClockState::Done
            });
            if !owed {
                let cycle = clocks
                    .iter()
                    .filter(|c| c.clock.target == Target::NextResponse)
                    .map(|c| c.clock.cycle)
                    .max()
                    .unwrap_or(0)
                    + 1;
                if let Some(mut c) =
                    new_clock(policy, after.id, Target::NextResponse, cycle, &now_s)
                {
                    let cal = cals.get(c.calendar_id)?;
                    reschedule(&mut c, cal);
                    c.clock.id = store::insert_clock(conn, &c)?;
                    clocks.push(c);
                }
            }
        }
        _ => {}
    }

    // Solved or closed: the resolution is achieved, owed replies lapse.
    if was_open && !after.status.is_open() {
        for c in clocks
            .iter_mut()
            .filter(|c| c.clock.state != ClockState::Done)
        {
            if c.clock.target == Target::Resolution {
                achieve(c, now, &now_s);
            } else {
                let result = if c.clock.breached_at.is_some() {
                    Some(ClockResult::Breached)
                } else {
                    Some(ClockResult::Cancelled)
                };
                finish(c, &now_s, result);
            }
            store::save_clock(conn, c)?;
        }
    }

    // Entering "pending on the customer": every running clock stands still.
    if is_pending && !was_pending {
        for c in clocks
            .iter_mut()
            .filter(|c| c.clock.state == ClockState::Running)
        {
            c.clock.state = ClockState::Paused;
            c.paused_since = Some(now_s.clone());
            c.clock.due_at = None;
            c.clock.warn_at = None;
            store::save_clock(conn, c)?;
        }
    }

    store::refresh_case_deadline(conn, after.id)
}

/// A running clock of `policy`'s `target` from `started`; `None` without
/// a policy or when the policy has no such target.
fn new_clock(
    policy: Option<&Policy>,
    case_id: CaseId,
    target: Target,
    cycle: i64,
    started: &str,
) -> Option<ClockRow> {
    let p = policy?;
    let minutes = minutes_of(p, target)?;
    Some(ClockRow {
        clock: CaseClock {
            id: 0,
            case_id,
            target,
            cycle,
            policy_id: Some(p.id),
            target_minutes: minutes,
            started_at: started.to_string(),
            paused_minutes: 0,
            state: ClockState::Running,
            due_at: None,
            warn_at: None,
            warned_at: None,
            breached_at: None,
            achieved_at: None,
            result: None,
        },
        warn_minutes: warn_minutes(minutes, p.warn_percent),
        paused_since: None,
        calendar_id: Some(p.calendar_id),
    })
}

/// The clocks a new case starts with: first response and resolution of the
/// policy that matches it, from its creation. Planned before the case is
/// written, so that the case is written with its first deadline at once
/// (a second write of the new row moved it in every index holding the
/// deadline).
#[derive(Debug)]
pub struct FirstClocks {
    clocks: Vec<ClockRow>,
}

impl FirstClocks {
    pub fn plan(
        conn: &Connection,
        project_id: ProjectId,
        case: Conditions,
        created_at: &str,
    ) -> StoreResult<Self> {
        let policies = project_policies(conn, project_id)?;
        let policy = matching_policy(&policies, case);
        let mut cals = Calendars::new(conn);
        let mut clocks = Vec::new();
        for target in [Target::FirstResponse, Target::Resolution] {
            if let Some(mut c) = new_clock(policy, CaseId(0), target, 1, created_at) {
                let cal = cals.get(c.calendar_id)?;
                reschedule(&mut c, cal);
                clocks.push(c);
            }
        }
        Ok(FirstClocks { clocks })
    }

    /// The earliest deadline of the clocks and its target, as the case
    /// list shows it (`store::refresh_case_deadline`; on a tie the first
    /// started).
    pub fn next_deadline(&self) -> (Option<String>, Option<Target>) {
        self.clocks
            .iter()
            .filter(|c| c.clock.state == ClockState::Running)
            .filter_map(|c| c.clock.due_at.as_ref().map(|due| (due, c.clock.target)))
            .min_by(|a, b| a.0.cmp(b.0))
            .map_or((None, None), |(due, target)| {
                (Some(due.clone()), Some(target))
            })
    }

    /// Writes the clocks of the new case `case_id`.
    pub fn start(self, conn: &Connection, case_id: CaseId) -> StoreResult<()> {
        for mut c in self.clocks {
            c.clock.case_id = case_id;
            store::insert_clock(conn, &c)?;
        }
        Ok(())
    }
}

/// Due and warning instants of a running clock from its start, target and
/// pauses (no calendar: none).
fn reschedule(c: &mut ClockRow, cal: Option<&BusinessCalendar>) {
    let started = parse(&c.clock.started_at);
    let (due, warn) = match (cal, started) {
        (Some(cal), Some(started)) => deadlines(
            cal,
            started,
            c.clock.target_minutes,
            c.warn_minutes,
            c.clock.paused_minutes,
        ),
        _ => (None, None),
    };
    c.clock.due_at = due;
    c.clock.warn_at = warn;
}

fn achieve(c: &mut ClockRow, now: DateTime<Utc>, now_s: &str) {
    let late = c
        .clock
        .due_at
        .as_deref()
        .and_then(parse)
        .is_some_and(|due| due < now);
    if late && c.clock.breached_at.is_none() {
        c.clock.breached_at = c.clock.due_at.clone();
    }
    c.clock.achieved_at = Some(now_s.to_string());
    let result = if c.clock.breached_at.is_some() {
        ClockResult::Breached
    } else {
        ClockResult::Achieved
    };
    finish(c, now_s, Some(result));
}

fn finish(c: &mut ClockRow, _now_s: &str, result: Option<ClockResult>) {
    c.clock.state = ClockState::Done;
    c.clock.result = result;
    c.paused_since = None;
}
