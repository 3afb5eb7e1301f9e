//! Recomputing SLA deadlines after a calendar change (issue 15): 100,000
//! open cases, each with a running first-response and resolution clock on
//! the changed calendar. Run: `cargo bench --bench sla` (release).
//!
//! On a fresh store with the demo data (Acme's calendar "Kundenservice
//! Köln", NW) plus SLA_BENCH_CASES open cases (default 100,000) created
//! over the last five days (in id order, as the store creates them;
//! SLA_BENCH_RANDOM_ORDER=1: start times at random), each run changes the calendar (state and hours
//! alternate) and recomputes every running deadline in batches of
//! `sla::service::RECOMPUTE_BATCH` clocks (SLA_BENCH_BATCH), each its own
//! write transaction as the background service runs them
//! (`Db::write_unsynced`; SLA_BENCH_SYNCED=1: synced commits as before),
//! while another thread writes a small row every 2 ms through the same
//! writer. Reports, over SLA_BENCH_RUNS runs (default 7): the recompute's
//! total time (median, p95), the longest single write transaction of it,
//! and the longest wait of the other writer for its write.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use zezaro::db::{Db, StoreError};
use zezaro::sla::service::{
    BATCH_PAUSE, Batch, RECOMPUTE_BATCH, load_calendar, recompute_batch, to_business,
};
use zezaro::sla::store::{CalendarRow, update_calendar};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn main() {
    let n = env("SLA_BENCH_CASES", 100_000);
    let runs = env("SLA_BENCH_RUNS", 7);
    let batch = env("SLA_BENCH_BATCH", RECOMPUTE_BATCH as usize) as i64;
    let synced = std::env::var("SLA_BENCH_SYNCED").is_ok();
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, _) = Db::open(dir.path()).expect("store");
    zezaro::demo::seed(&db).expect("demo data");
    let (project, calendar): (i64, i64) = db
        .read_blocking(|conn| {
            conn.query_row(
                "SELECT p.id, c.id FROM projects p, business_calendars c
                 WHERE p.key = 'ACME' AND c.name = 'Kundenservice Köln'",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .map_err(StoreError::from)
        })
        .expect("demo calendar");

    let started = Instant::now();
    db.write_blocking(|tx| {
        let now = chrono::Utc::now();
        let mut case = tx.prepare(
            "INSERT INTO cases (project_id, number, subject, channel, status, priority, created_at, updated_at)
             VALUES (?1, ?2, 'Bench', 'email', 'open', 'normal', ?3, ?3)",
        )?;
        let mut clock = tx.prepare(
            "INSERT INTO case_sla (case_id, target, cycle, calendar_id, target_minutes, warn_minutes, started_at, state)
             VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, 'running')",
        )?;
        let mut rng = fastrand::Rng::with_seed(15);
        // The store numbers cases and clocks as they are created, so ids
        // follow the start times; SLA_BENCH_RANDOM_ORDER=1 takes the start
        // times at random instead (as the first version of this bench did),
        // which spreads every batch's index updates over the whole index.
        let mut minutes: Vec<i64> = (0..n).map(|_| rng.i64(0..5 * 24 * 60)).collect();
        if std::env::var("SLA_BENCH_RANDOM_ORDER").is_err() {
            minutes.sort_unstable_by(|a, b| b.cmp(a));
        }
        for (i, ago) in minutes.into_iter().enumerate() {
            let at = now - chrono::Duration::minutes(ago);
            let at = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            case.execute(rusqlite::params![project, 100_000 + i as i64, at])?;
            let id = tx.last_insert_rowid();
            clock.execute(rusqlite::params![id, "first-response", calendar, 240, 192, at])?;
            clock.execute(rusqlite::params![id, "resolution", calendar, 3000, 2400, at])?;
        }
        Ok::<_, StoreError>(())
    })
    .expect("cases");
    eprintln!(
        "{n} open cases with {} running clocks created in {:.1} s",
        2 * n,
        started.elapsed().as_secs_f64()
    );

    if std::env::var("SLA_BENCH_PHASES").is_ok() {
        phases(&db, calendar);
    }

    // The other writer: one small write every 2 ms; its longest wait.
    let stop = Arc::new(AtomicBool::new(false));
    let measuring = Arc::new(AtomicBool::new(false));
    let writer = {
        let db = db.clone();
        let stop = stop.clone();
        let measuring = measuring.clone();
        std::thread::spawn(move || {
            let mut worst = Duration::ZERO;
            let mut count = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                db.write_blocking(|tx| {
                    tx.execute(
                        "INSERT INTO settings (key, value) VALUES ('bench', ?1)
                         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        [count.to_string()],
                    )
                    .map_err(StoreError::from)
                })
                .expect("other write");
                if measuring.load(Ordering::Relaxed) {
                    worst = worst.max(t.elapsed());
                    count += 1;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            (worst, count)
        })
    };

    let mut totals = Vec::with_capacity(runs);
    let mut longest_tx = Duration::ZERO;
    let mut clocks_done = 0;
    for run in 0..runs {
        let (state, end) = if run % 2 == 0 {
            ("BY", 1020)
        } else {
            ("NW", 1080)
        };
        let hours: Vec<(u8, u16, u16)> = (0..5)
            .map(|d| (d, 480, end))
            .chain([(5, 540, 780)])
            .collect();
        db.write_blocking(|tx| {
            update_calendar(
                tx,
                calendar,
                &CalendarRow {
                    name: "Kundenservice Köln",
                    time_zone: "Europe/Berlin",
                    state: Some(state),
                    hours: &hours,
                    closures: &[],
                },
                &zezaro::db::now(),
            )
        })
        .expect("calendar change");
        measuring.store(true, Ordering::Relaxed);
        let t = Instant::now();
        // As `sla::service::recompute_calendar`, with each transaction timed.
        let loaded = db
            .read_blocking(|conn| zezaro::sla::store::calendar(conn, calendar))
            .expect("calendar")
            .expect("exists");
        let version = loaded.version;
        let cal = Arc::new(to_business(&loaded));
        let mut clocks = 0;
        loop {
            let c = cal.clone();
            let tx_start = Instant::now();
            let work =
                move |tx: &rusqlite::Transaction| recompute_batch(tx, &c, calendar, version, batch);
            let done = if synced {
                db.write_blocking(work)
            } else {
                db.write_unsynced_blocking(work)
            }
            .expect("batch");
            longest_tx = longest_tx.max(tx_start.elapsed());
            match done {
                Batch::Progress { clocks: n, .. } => {
                    clocks += n;
                    std::thread::sleep(BATCH_PAUSE);
                }
                Batch::Done => break,
                Batch::Stale => panic!("the calendar changed during the run"),
            }
        }
        totals.push(t.elapsed().as_secs_f64() * 1000.0);
        measuring.store(false, Ordering::Relaxed);
        clocks_done = clocks;
        eprintln!("run {run}: {clocks} clocks in {:.0} ms", totals[run]);
    }
    stop.store(true, Ordering::Relaxed);
    let (worst_wait, writes) = writer.join().expect("writer");
    totals.sort_by(f64::total_cmp);
    println!(
        "SLA recompute after a calendar change: {n} open cases, {clocks_done} running clocks, batches of {batch}, {} commits, {}",
        if synced { "synced" } else { "unsynced" },
        if std::env::var("SLA_BENCH_RANDOM_ORDER").is_ok() {
            "start times at random"
        } else {
            "start times in id order"
        }
    );
    println!(
        "  total: median {:.0} ms, p95 {:.0} ms ({runs} runs)",
        percentile(&totals, 50.0),
        percentile(&totals, 95.0)
    );
    println!(
        "  longest single write transaction: {:.1} ms",
        longest_tx.as_secs_f64() * 1000.0
    );
    println!(
        "  other writer meanwhile: {writes} writes, longest wait {:.1} ms",
        worst_wait.as_secs_f64() * 1000.0
    );
}

/// Where a batch's time goes (SLA_BENCH_PHASES=1): the query plans and one
/// pass over every clock, phase by phase, in one transaction rolled back.
fn phases(db: &Db, calendar: i64) {
    db.write_blocking(|tx| {
        for sql in [
            "SELECT id FROM case_sla WHERE calendar_id = 1 AND state = 'running' AND id > 0 ORDER BY id LIMIT 2000",
            "SELECT due_at, target FROM case_sla WHERE case_id = 1 AND state = 'running' AND due_at IS NOT NULL ORDER BY due_at LIMIT 1",
            "UPDATE cases SET (sla_due_at, sla_target) = (SELECT s.due_at, s.target FROM case_sla s WHERE s.case_id = cases.id AND s.state = 'running' AND s.due_at IS NOT NULL ORDER BY s.due_at LIMIT 1) WHERE id IN (SELECT value FROM json_each('[]'))",
        ] {
            let mut stmt = tx.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
            let plan: Vec<String> = stmt
                .query_map([], |r| r.get::<_, String>(3))?
                .collect::<rusqlite::Result<_>>()?;
            eprintln!("{sql}\n  -> {}", plan.join(" / "));
        }
        let cal = load_calendar(tx, calendar)?.expect("calendar");
        let t = Instant::now();
        let rows = zezaro::sla::store::running_of_calendar(tx, calendar, 0, 1_000_000)?;
        eprintln!("select {} clocks: {:?}", rows.len(), t.elapsed());
        let t = Instant::now();
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let started = chrono::DateTime::parse_from_rfc3339(&r.started_at)
                .expect("time")
                .with_timezone(&chrono::Utc);
            let due = cal.add(started, r.due_minutes).map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
            let warn = cal.add(started, r.warn_minutes).map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
            out.push((r.id, due, warn));
        }
        eprintln!("arithmetic: {:?}", t.elapsed());
        let t = Instant::now();
        for chunk in out.chunks(RECOMPUTE_BATCH as usize) {
            zezaro::sla::store::set_deadlines_many(tx, chunk)?;
        }
        eprintln!("update clocks: {:?}", t.elapsed());
        let t = Instant::now();
        let mut cases: Vec<_> = rows.iter().map(|r| r.case_id).collect();
        cases.dedup();
        for chunk in cases.chunks(RECOMPUTE_BATCH as usize) {
            zezaro::sla::store::refresh_case_deadlines(tx, chunk)?;
        }
        eprintln!("refresh {} cases: {:?}", cases.len(), t.elapsed());
        Err::<(), StoreError>(StoreError::Task("rolled back".into()))
    })
    .ok();
}
