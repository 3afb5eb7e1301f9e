//! Moving the open cases of a project after a distribution plan change
//! (issue 15): 100,000 open cases, moved in batches as the background
//! service `distribution.move` does. Run: `cargo bench --bench
//! distribution` (release).
//!
//! On a fresh store with the demo data plus DIST_BENCH_CASES open cases
//! (default 100,000) of a new project of Acme, all with the own team, a
//! plan version is stored that gives every case 50/50 to the own team and
//! Team Basic with "move all"; the move then runs batch by batch
//! (`distribution::service::move_batch`, `MOVE_BATCH` cases each, each its
//! own unsynced write transaction as `Db::write_unsynced`), while another
//! thread writes a small row every 2 ms through the same writer. Each run
//! stores a new version with the two rows swapped: the first run moves
//! half of the cases to Team Basic, every later run moves every case (the
//! dealt pattern flips). Reports, over DIST_BENCH_RUNS runs (default 3): total time
//! (median), the longest single write transaction, the other writer's
//! longest wait, and the cases moved.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use zezaro::cases::events::Announcements;
use zezaro::db::{Db, StoreError};
use zezaro::distribution::model::{Entry, OpenCases, Team};
use zezaro::distribution::service::{MOVE_BATCH, move_batch, pending_move};
use zezaro::distribution::store::{NewPlan, insert};
use zezaro::ids::ProjectId;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let n = env("DIST_BENCH_CASES", 100_000);
    let runs = env("DIST_BENCH_RUNS", 3);
    let batch = env("DIST_BENCH_BATCH", MOVE_BATCH);
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, _) = Db::open(dir.path()).expect("store");
    zezaro::demo::seed(&db).expect("demo data");
    let started = Instant::now();
    let project: i64 = db
        .write_blocking(|tx| {
            let client: i64 = tx.query_row(
                "SELECT client_id FROM projects WHERE key = 'ACME'",
                [],
                |r| r.get(0),
            )?;
            let at = zezaro::db::now();
            tx.execute(
                "INSERT INTO projects (client_id, name, key, created_at, updated_at)
                 VALUES (?1, 'Verteilung Bench', 'DBENCH', ?2, ?2)",
                rusqlite::params![client, at],
            )?;
            let project = tx.last_insert_rowid();
            let mut case = tx.prepare(
                "INSERT INTO cases (project_id, number, subject, channel, status, priority,
                     handling_team, created_at, updated_at)
                 VALUES (?1, ?2, 'Abschlag zu hoch', 'email', 'new', 'normal', 'client', ?3, ?3)",
            )?;
            for i in 0..n {
                case.execute(rusqlite::params![project, i as i64 + 1, at])?;
            }
            Ok::<_, StoreError>(project)
        })
        .expect("cases");
    eprintln!(
        "{n} open cases created in {:.1} s",
        started.elapsed().as_secs_f64()
    );

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
    let mut moved_per_run = Vec::with_capacity(runs);
    for run in 0..runs {
        let (first, second) = if run % 2 == 0 {
            (Team::ProviderBasic, Team::Client)
        } else {
            (Team::Client, Team::ProviderBasic)
        };
        let entries = [
            Entry {
                topic_id: None,
                channel: None,
                team: first,
                share_percent: 50,
            },
            Entry {
                topic_id: None,
                channel: None,
                team: second,
                share_percent: 50,
            },
        ];
        let plan_id = db
            .write_blocking(|tx| {
                insert(
                    tx,
                    &NewPlan {
                        project_id: ProjectId::from(project),
                        version: run as i64 + 1,
                        open_cases: OpenCases::MoveAll,
                        changed_by_id: None,
                        changed_by_name: "Bench",
                        changed_at: &zezaro::db::now(),
                        entries: &entries,
                        overflow: &[],
                    },
                )
            })
            .expect("plan");
        measuring.store(true, Ordering::Relaxed);
        let t = Instant::now();
        // As `distribution::mover`: the ids on a reader, then batches.
        let ids = db
            .read_blocking(|conn| pending_move(conn, plan_id))
            .expect("pending")
            .expect("a pending move");
        let mut moved = 0;
        for chunk in ids.chunks(batch) {
            let tx_start = Instant::now();
            let done = db
                .write_unsynced_blocking(|tx| {
                    let mut announce = Announcements::default();
                    let done = move_batch(tx, plan_id, chunk, &mut announce);
                    drop(announce);
                    done
                })
                .expect("batch");
            longest_tx = longest_tx.max(tx_start.elapsed());
            moved += done.expect("still current");
            std::thread::sleep(Duration::from_millis(1));
        }
        db.write_blocking(|tx| zezaro::distribution::service::finish_move(tx, plan_id))
            .expect("finish");
        totals.push(t.elapsed().as_secs_f64() * 1000.0);
        measuring.store(false, Ordering::Relaxed);
        eprintln!(
            "run {run}: {} open cases, {moved} moved in {:.0} ms",
            ids.len(),
            totals[run]
        );
        moved_per_run.push(moved);
    }
    stop.store(true, Ordering::Relaxed);
    let (worst_wait, writes) = writer.join().expect("writer");
    totals.sort_by(f64::total_cmp);
    println!(
        "Distribution move after a plan change: {n} open cases, batches of {batch}, moved per run {moved_per_run:?}"
    );
    println!(
        "  total: median {:.0} ms, min {:.0} ms, max {:.0} ms ({runs} runs)",
        totals[totals.len() / 2],
        totals[0],
        totals[totals.len() - 1]
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
