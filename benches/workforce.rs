//! Productive time (issue 18): the report for 200 agents over a month,
//! computed from the raw state log (docs/benchmarks.md). Run:
//! `cargo bench --bench workforce` (release).
//!
//! On a fresh store with the demo data: a new Acme project with 200 agents,
//! each with a working day of 34 state changes (available, on-case,
//! after-work, breaks, back office, offline at night) on each of 31 days,
//! written through the state log's own store function — 210,800 rows — and
//! one handling-time record per agent and day. Then the report over the
//! month for the project (every agent, every day) with
//! `workforce::productive::compute`, the function behind
//! `GET /workforce/productive-time`. Asserts one row per agent and day and
//! the productive time of one agent-day to the second. Median and p95 over
//! WORKFORCE_BENCH_RUNS runs (default 7).

use std::time::Instant;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use zezaro::db::{Db, StoreError};
use zezaro::ids::{ProjectId, UserId};
use zezaro::workforce::model::{StateSource, WorkState};
use zezaro::workforce::store::{NewLogRow, append};

const AGENTS: usize = 200;
const DAYS: i64 = 31;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// One working day: (minute of the day in UTC, state).
fn day_plan() -> Vec<(i64, WorkState)> {
    let mut plan = vec![(7 * 60, WorkState::Available)];
    // Ten cases: 25 minutes on the case, 3 of after-work, 2 available.
    let mut m = 7 * 60 + 5;
    for _ in 0..10 {
        plan.push((m, WorkState::OnCase));
        plan.push((m + 25, WorkState::AfterWork));
        plan.push((m + 28, WorkState::Available));
        m += 30;
    }
    plan.push((12 * 60 + 30, WorkState::Break));
    plan.push((13 * 60, WorkState::BackOffice));
    plan.push((15 * 60 + 30, WorkState::Offline));
    plan
}

fn main() {
    let runs: usize = std::env::var("WORKFORCE_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, _) = Db::open(dir.path()).expect("store");
    zezaro::demo::seed(&db).expect("demo data");
    let first = NaiveDate::from_ymd_opt(2026, 3, 1).expect("day");
    let plan = day_plan();
    let started = Instant::now();
    let (project, users) = db
        .write_blocking(|tx| {
            let (client, team): (i64, i64) = tx.query_row(
                "SELECT c.id, t.id FROM clients c JOIN teams t ON t.client_id = c.id
                 WHERE c.name = 'Acme Energie GmbH' ORDER BY t.id LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let now = zezaro::db::now();
            tx.execute(
                "INSERT INTO projects (client_id, key, name, created_at, updated_at)
                 VALUES (?1, 'WFB', 'Workforce bench', ?2, ?2)",
                rusqlite::params![client, now],
            )?;
            let project = ProjectId::from(tx.last_insert_rowid());
            tx.execute(
                "INSERT INTO cases (project_id, number, subject, channel, status, priority, created_at, updated_at)
                 VALUES (?1, 1, 'Bench', 'call', 'solved', 'normal', ?2, ?2)",
                rusqlite::params![project, now],
            )?;
            let case = tx.last_insert_rowid();
            let mut users = Vec::new();
            for a in 0..AGENTS {
                tx.execute(
                    "INSERT INTO users (email, name, role, client_id, team_id, password_hash, active, created_at, updated_at)
                     VALUES (?1, ?2, 'agent', ?3, ?4, 'x', 1, ?5, ?5)",
                    rusqlite::params![format!("wfb-{a}@acme-energie.example"), format!("Bench {a:03}"), client, team, now],
                )?;
                let user = UserId::from(tx.last_insert_rowid());
                tx.execute(
                    "INSERT INTO project_members (project_id, user_id, role, created_at) VALUES (?1, ?2, 'agent', ?3)",
                    rusqlite::params![project, user, now],
                )?;
                users.push(user);
                let mut from = WorkState::Offline;
                for d in 0..DAYS {
                    let day = first + Duration::days(d);
                    let midnight = Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).expect("time"));
                    for &(minute, state) in &plan {
                        // Agents start a few seconds apart.
                        let at = (midnight + Duration::minutes(minute) + Duration::seconds(a as i64 % 60))
                            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
                        append(
                            tx,
                            &NewLogRow {
                                user_id: user,
                                at: &at,
                                from,
                                to: state,
                                reason_id: None,
                                reason: None,
                                project_id: Some(project),
                                client_id: Some(zezaro::ids::ClientId::from(client)),
                                case_id: None,
                                source: StateSource::Agent,
                                by: Some(user),
                            },
                        )?;
                        from = state;
                    }
                    // A call recorded on a case during the break (10 min).
                    let call = (midnight + Duration::minutes(12 * 60 + 40))
                        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
                    tx.execute(
                        "INSERT INTO time_entries (case_id, project_id, user_id, channel, kind, started_at, seconds, created_at)
                         VALUES (?1, ?2, ?3, 'call', 'call-talk', ?4, 600, ?4)",
                        rusqlite::params![case, project, user, call],
                    )?;
                }
            }
            Ok::<_, StoreError>((project, users))
        })
        .expect("setup");
    let rows: i64 = db
        .read_blocking(|conn| {
            Ok::<_, StoreError>(conn.query_row(
                "SELECT count(*) FROM agent_state_log",
                [],
                |r| r.get(0),
            )?)
        })
        .expect("count");
    println!(
        "workforce: {rows} state-log rows, {AGENTS} agents × {DAYS} days (set-up {:.1} s)",
        started.elapsed().as_secs_f64()
    );
    let last = first + Duration::days(DAYS - 1);
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let report = db
            .read_blocking(|conn| {
                let p =
                    zezaro::workforce::productive::report_project(conn, project)?.expect("project");
                zezaro::workforce::productive::compute(conn, &[p], None, first, last, Utc::now())
            })
            .expect("report");
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(report.len(), AGENTS * DAYS as usize);
        // Default productive states: available, on-case, after-work, back
        // office: 07:00–12:30 (19,800 s) and 13:00–15:30 (9,000 s), plus the
        // call inside the break (600 s).
        let row = report.iter().find(|r| r.user_id == users[0]).expect("row");
        assert_eq!(row.productive_seconds, 19_800 + 9_000 + 600, "{row:?}");
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "productive-time report, {AGENTS} agents × {DAYS} days from the raw log: median {:.1} ms, p95 {:.1} ms ({runs} runs)",
        percentile(&times, 50.0),
        percentile(&times, 95.0)
    );
}
