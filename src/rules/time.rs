//! Time-based rules (`"event": "time-based"` with a `schedule`): the
//! `rules.time` pass finds the open cases whose moment (`since`) lies at
//! least `minutes` back — business minutes on the schedule's calendar when
//! it names one, wall-clock minutes otherwise — and fires the rule on each
//! whose conditions hold, once per case and moment (`rule_time_marks`).
//!
//! Efficient: the wall-clock cut `moment <= now - minutes` is a range of a
//! partial index over open cases (business minutes are never more than
//! wall-clock minutes, so the cut loses nothing); cases marked for their
//! moment are left out in the query. Bounded: pages of [`PAGE`] cases, each
//! page one short write transaction; at most [`MAX_PER_RUN`] cases per
//! rule and run, the next run going on from where this one stopped.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use rusqlite::Connection;

use super::engine::{self, Context};
use super::model::{RuleEvent, Schedule};
use super::store;
use crate::cases::CaseHub;
use crate::cases::events::{Announcements, CaseEvent, Event};
use crate::db::{Db, StoreError, StoreResult};
use crate::ids::CaseId;
use crate::sla::calendar::BusinessCalendar;

/// Key of the pass in the registry of background services.
pub const SERVICE: &str = "rules.time";
/// Cases per write transaction.
pub const PAGE: i64 = 200;
/// Cases looked at per rule and run.
pub const MAX_PER_RUN: usize = 10_000;

/// Whether a case whose moment was `since` is due at `now`: `minutes`
/// business minutes on `calendar` (when given) or wall-clock minutes.
pub fn is_due(
    since: DateTime<Utc>,
    now: DateTime<Utc>,
    minutes: i64,
    calendar: Option<&BusinessCalendar>,
) -> bool {
    if now < since {
        return false;
    }
    match calendar {
        None => now - since >= Duration::minutes(minutes),
        Some(cal) => cal.between(since, now) >= Duration::minutes(minutes),
    }
}

/// Where each rule's walk through its candidates stands between runs
/// (rule version id → last (moment, case id) looked at).
#[derive(Default)]
pub struct Cursors(Mutex<HashMap<i64, (String, i64)>>);

impl Cursors {
    fn get(&self, key: i64) -> Option<(String, i64)> {
        match self.0.lock() {
            Ok(m) => m.get(&key).cloned(),
            Err(p) => p.into_inner().get(&key).cloned(),
        }
    }

    fn set(&self, key: i64, value: Option<(String, i64)>) {
        let mut m = match self.0.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        match value {
            Some(v) => m.insert(key, v),
            None => m.remove(&key),
        };
    }
}

/// One pass over every active time-based rule; answers how many times
/// rules fired.
pub async fn run_due(
    db: &Db,
    hub: &CaseHub,
    cursors: &Cursors,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let rules = db.read(store::time_rules).await?;
    let mut fired = 0;
    for rule in rules {
        let Some(schedule) = rule.schedule else {
            continue;
        };
        let cutoff = crate::sla::clock::stamp(now - Duration::minutes(schedule.minutes));
        let mut examined = 0;
        loop {
            let cursor = cursors.get(rule.version_id);
            let (rule_id, client, projects, cut) = (
                rule.id,
                rule.client_id,
                rule.project_ids.clone(),
                cutoff.clone(),
            );
            let page = db
                .read(move |conn| {
                    store::time_candidates(
                        conn,
                        rule_id,
                        client,
                        &projects,
                        schedule.since,
                        &cut,
                        cursor.as_ref().map(|(s, id)| (s.as_str(), *id)),
                        PAGE,
                    )
                })
                .await?;
            let full = page.len() as i64 == PAGE;
            cursors.set(
                rule.version_id,
                if full {
                    page.last().map(|(id, s)| (s.clone(), id.get()))
                } else {
                    None
                },
            );
            if page.is_empty() {
                break;
            }
            examined += page.len();
            let (rule_id, version_id) = (rule.id, rule.version_id);
            fired += hub
                .write(db, move |tx, announce| {
                    fire_page(tx, rule_id, version_id, schedule, &page, now, announce)
                })
                .await?;
            if !full || examined >= MAX_PER_RUN {
                break;
            }
        }
    }
    Ok(fired)
}

/// Fires the rule on the due cases of one page, in one transaction.
pub fn fire_page(
    conn: &Connection,
    rule_id: i64,
    version_id: i64,
    schedule: Schedule,
    page: &[(CaseId, String)],
    now: DateTime<Utc>,
    announce: &mut Announcements,
) -> StoreResult<u64> {
    let Some(client_id) = store::rule_client(conn, rule_id)? else {
        return Ok(0);
    };
    // The client's active rules as the chain sees them: this time-based
    // rule (if still active in this version), and the others of its
    // client that a change may chain to, but no other time-based rule.
    let all = engine::active_rules(conn, client_id)?;
    if !all
        .iter()
        .any(|r| r.id == rule_id && r.version_id == version_id)
    {
        return Ok(0);
    }
    let rules: Vec<_> = all
        .iter()
        .filter(|r| r.id == rule_id || r.event != RuleEvent::TimeBased)
        .cloned()
        .collect();
    let calendar = match schedule.calendar_id {
        Some(id) => match crate::sla::service::load_calendar(conn, id)? {
            Some(cal) => Some(cal),
            // The calendar is gone: nothing is due on it.
            None => return Ok(0),
        },
        None => None,
    };
    let at = crate::sla::clock::stamp(now);
    let mut fired = 0;
    for (case_id, since_at) in page {
        let Some(case) = crate::cases::store::get(conn, *case_id)? else {
            continue;
        };
        if matches!(
            case.status,
            crate::cases::Status::Solved | crate::cases::Status::Closed
        ) || engine::is_spam(&case)
        {
            continue;
        }
        // The moment moved since the page was read: the next pass sees it.
        if store::since_of(conn, *case_id, schedule.since)?.as_deref() != Some(since_at.as_str()) {
            continue;
        }
        let Some(since) = crate::sla::clock::parse(since_at) else {
            continue;
        };
        if !is_due(since, now, schedule.minutes, calendar.as_deref()) {
            continue;
        }
        let ran = engine::run(
            conn,
            client_id,
            &rules,
            RuleEvent::TimeBased,
            Some(&case),
            &case,
            now,
            Context::default(),
        )?;
        if !ran.fired.iter().any(|(id, _, _)| *id == rule_id) {
            continue;
        }
        store::mark_time(conn, rule_id, *case_id, since_at, &at)?;
        fired += 1;
        announce.push(Event::Case(CaseEvent {
            kind: "updated",
            case_id: case.id,
            project_id: case.project_id,
            client_id,
            version: ran.case.version,
            by_user_id: None,
            by_name: None,
            handling: Some(crate::cases::service::handling(&ran.case)),
        }));
    }
    Ok(fired)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sla::calendar::Interval;
    use chrono::{TimeZone, Weekday};
    use chrono_tz::Europe::Berlin;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Berlin
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("a local time")
            .with_timezone(&Utc)
    }

    /// Mon–Fri 9–17, Berlin, holidays of Nordrhein-Westfalen.
    fn office() -> BusinessCalendar {
        let week = [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ]
        .into_iter()
        .map(|d| {
            (
                d,
                Interval {
                    start: 540,
                    end: 1020,
                },
            )
        });
        BusinessCalendar::new(
            Berlin,
            week,
            crate::sla::holidays::State::parse("NW"),
            Vec::new(),
        )
    }

    #[test]
    fn wall_clock_minutes() {
        let since = at(2026, 12, 4, 16, 0);
        assert!(!is_due(since, at(2026, 12, 4, 16, 59), 60, None));
        assert!(is_due(since, at(2026, 12, 4, 17, 0), 60, None));
        assert!(
            !is_due(since, since - Duration::minutes(5), 0, None),
            "a moment ahead is never due"
        );
    }

    #[test]
    fn three_business_days_over_a_weekend() {
        let cal = office();
        // Pending since Thursday 3 December 2026, 15:00: three business
        // days (3 × 480 minutes) end Tuesday 8 December 15:00 (Thu 2 h,
        // Fri 8 h, Mon 8 h, Tue 6 h).
        let since = at(2026, 12, 3, 15, 0);
        let three_days = 3 * 8 * 60;
        assert!(!is_due(
            since,
            at(2026, 12, 8, 14, 59),
            three_days,
            Some(&cal)
        ));
        assert!(is_due(
            since,
            at(2026, 12, 8, 15, 0),
            three_days,
            Some(&cal)
        ));
        // Wall-clock the same span is due on Sunday already.
        assert!(is_due(since, at(2026, 12, 6, 15, 0), three_days, None));
    }

    #[test]
    fn holidays_do_not_count() {
        let cal = office();
        // Christmas: Thu 24 December is a working day in NRW, 25 and 26
        // are holidays (Fri, Sat). From Thu 24th 16:00, 2 business hours:
        // 1 h on the 24th, then Mon 28th 9:00–10:00.
        let since = at(2026, 12, 24, 16, 0);
        assert!(!is_due(since, at(2026, 12, 28, 9, 59), 120, Some(&cal)));
        assert!(is_due(since, at(2026, 12, 28, 10, 0), 120, Some(&cal)));
    }
}
