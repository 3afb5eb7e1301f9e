//! What "erasure leaves nothing behind" costs (issue 12). Run:
//! `cargo bench --bench erasure` (release build). In one sitting, each
//! figure the median of several runs on fresh stores with the demo data:
//!
//! 1. case creation with `secure_delete` on (as the server runs) and off
//!    (as before), alternating: cases per second from 16 concurrent
//!    writers (group commits, like the API under load);
//! 2. one erasure of a contact with 10 cases (3 messages and a file each)
//!    and 5 messages in other contacts' cases, end to end: the erasing
//!    transaction, then the ledger line, the files and the WAL checkpoint;
//! 3. the one-time rewrite (VACUUM) of a store made before `secure_delete`
//!    was always on, for a store of ERASURE_BENCH_CASES cases.
//!
//! Mail ingestion with `secure_delete` on and off:
//! `MAIL_BENCH_COMPARE_SECURE_DELETE=1 MAIL_BENCH_E2E=0 cargo bench --bench mail`.
//!
//! Options (environment): ERASURE_BENCH_RUNS (default 5),
//! ERASURE_BENCH_N (cases per creation run, default 2000),
//! ERASURE_BENCH_CASES (store size for the rewrite, default 100000).

use std::sync::Arc;
use std::time::Instant;

use zezaro::auth::Principal;
use zezaro::cases::{NewCase, NewMessage};
use zezaro::db::{Db, StoreError};
use zezaro::gdpr::{Ledger, Mode};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

struct Store {
    dir: tempfile::TempDir,
    db: Db,
    project: i64,
    client: i64,
}

fn store(secure_delete: bool) -> Store {
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, _) = Db::open(dir.path()).expect("store");
    zezaro::demo::seed(&db).expect("demo data");
    if !secure_delete {
        // The writer connection keeps the setting after the transaction.
        db.write_blocking(|tx| {
            tx.execute_batch("PRAGMA secure_delete = OFF")
                .map_err(StoreError::from)
        })
        .expect("pragma");
    }
    let (project, client) = db
        .read_blocking(|c| {
            Ok::<_, StoreError>(c.query_row(
                "SELECT id, client_id FROM projects WHERE key = 'ACME'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .expect("ACME");
    Store {
        dir,
        db,
        project,
        client,
    }
}

fn new_case(project: i64, i: usize, contact_id: Option<zezaro::ids::ContactId>) -> NewCase {
    serde_json::from_value(serde_json::json!({
        "project_id": project,
        "subject": format!("Abschlag {i}: Frage zur Rechnung"),
        "channel": "email",
        "contact_id": contact_id,
        "message": { "kind": "inbound", "body_text": "Sehr geehrte Damen und Herren, bitte prüfen Sie meinen Abschlag. ".repeat(8) }
    }))
    .expect("case")
}

/// Cases per second from 16 concurrent writers.
fn create_cases(runtime: &tokio::runtime::Runtime, secure_delete: bool, n: usize) -> f64 {
    let s = store(secure_delete);
    let _ = std::process::Command::new("sync").status();
    let started = Instant::now();
    runtime.block_on(async {
        let mut tasks = Vec::new();
        for worker in 0..16 {
            let db = s.db.clone();
            let project = s.project;
            tasks.push(tokio::spawn(async move {
                for i in (worker..n).step_by(16) {
                    db.write(move |tx| {
                        zezaro::cases::service::create(
                            tx,
                            &Principal::operator(),
                            new_case(project, i, None),
                        )
                    })
                    .await
                    .expect("case");
                }
            }));
        }
        for task in tasks {
            task.await.expect("task");
        }
    });
    n as f64 / started.elapsed().as_secs_f64()
}

/// Milliseconds for one erasure (transaction and what follows it).
fn erase_once(runtime: &tokio::runtime::Runtime) -> f64 {
    let s = store(true);
    let op = Principal::operator();
    let client = s.client;
    let project = s.project;
    let contact =
        s.db.write_blocking(|tx| {
            let input = serde_json::from_value(serde_json::json!({
                "client_id": client, "name": "Bench Person", "emails": ["bench.person@example.org"],
                "phones": ["+49 30 123456"], "notes": "Benchmark"
            }))
            .expect("contact");
            zezaro::contacts::service::create(tx, &op, input)
        })
        .expect("contact")
        .id;
    let other = s
        .db
        .write_blocking(|tx| zezaro::cases::service::create(tx, &op, new_case(project, 0, None)))
        .expect("other case")
        .id;
    for i in 0..10 {
        s.db.write_blocking(|tx| {
            let case = zezaro::cases::service::create(tx, &op, new_case(project, i, Some(contact)))?;
            for _ in 0..2 {
                let message: NewMessage = serde_json::from_value(serde_json::json!({
                    "kind": "note", "body_text": "Rückruf vereinbart, Kunde informiert."
                }))
                .expect("message");
                zezaro::cases::service::add_message(tx, &op, case.id, message)?;
            }
            let sha = format!("{:064x}", i + 1);
            tx.execute(
                "INSERT INTO blobs (sha256, size, created_at) VALUES (?1, 5, '2026-01-01T00:00:00.000Z')",
                [&sha],
            )?;
            tx.execute(
                "INSERT INTO attachments (case_id, sha256, filename, content_type, size, created_at)
                 VALUES (?1, ?2, 'beleg.pdf', 'application/pdf', 5, '2026-01-01T00:00:00.000Z')",
                rusqlite::params![case.id, sha],
            )?;
            Ok::<_, zezaro::cases::CaseError>(())
        })
        .expect("cases");
    }
    for _ in 0..5 {
        s.db.write_blocking(|tx| {
            tx.execute(
                "INSERT INTO messages (case_id, kind, channel, author_contact_id, from_address, body_text, created_at)
                 VALUES (?1, 'inbound', 'email', ?2, 'bench.person@example.org', 'Ich auch.', '2026-01-01T00:00:00.000Z')",
                rusqlite::params![other, contact],
            )
            .map_err(StoreError::from)
        })
        .expect("message elsewhere");
    }
    let ledger = Arc::new(Ledger::new(s.dir.path(), &s.dir.path().join("backups")));
    let started = Instant::now();
    runtime.block_on(async {
        let done = s
            .db
            .write(move |tx| zezaro::gdpr::erase::erase_contact(tx, &op, contact, Mode::Anonymize))
            .await
            .expect("erased");
        assert_eq!(done.erasure.cases_affected, 10);
        zezaro::gdpr::service::after_erasure(&s.db, s.dir.path(), ledger, None, done)
            .await
            .expect("after");
    });
    started.elapsed().as_secs_f64() * 1000.0
}

/// Seconds and megabytes of the one-time rewrite of a store of `cases`.
fn rewrite_once(cases: u64) -> (f64, f64) {
    let dir = tempfile::tempdir().expect("temp dir");
    zezaro::demo::generate::generate(
        dir.path(),
        &zezaro::demo::generate::Options {
            cases,
            messages: 3,
            seed: 7,
        },
        &mut |_| {},
    )
    .expect("generated");
    {
        // As a store from before: the rewrite has not happened.
        let (db, _) = Db::open(dir.path()).expect("store");
        db.write_blocking(|tx| {
            tx.execute(
                "DELETE FROM settings WHERE key = 'store.secure_delete_since'",
                [],
            )
            .map_err(StoreError::from)
        })
        .expect("reset");
    }
    let size = std::fs::metadata(dir.path().join("zezaro.db"))
        .map(|m| m.len())
        .unwrap_or(0) as f64
        / 1e6;
    let _ = std::process::Command::new("sync").status();
    let started = Instant::now();
    let (_db, _) = Db::open(dir.path()).expect("reopened");
    (started.elapsed().as_secs_f64(), size)
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let runs = env("ERASURE_BENCH_RUNS", 5);
    let n = env("ERASURE_BENCH_N", 2000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (mut on, mut off) = (Vec::new(), Vec::new());
    for run in 1..=runs {
        // Alternating, so that the machine's drift hits both alike.
        let (a, b) = if run % 2 == 1 {
            let a = create_cases(&runtime, true, n);
            (a, create_cases(&runtime, false, n))
        } else {
            let b = create_cases(&runtime, false, n);
            (create_cases(&runtime, true, n), b)
        };
        println!("run {run}: case creation {a:.0}/s with secure_delete, {b:.0}/s without");
        on.push(a);
        off.push(b);
    }
    let (on, off) = (median(on), median(off));
    println!(
        "median: case creation {on:.0}/s with secure_delete, {off:.0}/s without ({:+.1} %)",
        (on / off - 1.0) * 100.0
    );
    let erasures: Vec<f64> = (0..runs).map(|_| erase_once(&runtime)).collect();
    println!(
        "erasure of a contact with 10 cases and 5 messages elsewhere: median {:.1} ms ({:?})",
        median(erasures.clone()),
        erasures
            .iter()
            .map(|v| format!("{v:.1}"))
            .collect::<Vec<_>>()
    );
    let cases = env("ERASURE_BENCH_CASES", 100_000) as u64;
    let (seconds, megabytes) = rewrite_once(cases);
    println!(
        "one-time rewrite (VACUUM) of a store from before: {cases} cases, {megabytes:.0} MB, {seconds:.1} s"
    );
}
