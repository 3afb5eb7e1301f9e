//! Push routing (issue 15): 1,000 new e-mail cases routed to 50 available
//! agents (capacity 20 each, so every case finds a place), round-robin and
//! least-loaded. Run: `cargo bench --bench routing` (release).
//!
//! On a fresh store with the demo data, each run makes a new Acme project
//! with 50 new agents of Acme's team (available, e-mail capacity 20) and
//! 1,000 unassigned e-mail cases, then routes every case with
//! `routing::route_case` — once all in one write transaction (the routing
//! work itself), once one write transaction per case as the server does it
//! when cases arrive one by one (with the commit, `synchronous=FULL`).
//! Asserts after every run: every case assigned once (one `routed` history
//! row), no agent above 20. Reports the median and p95 over
//! ROUTING_BENCH_RUNS runs (default 5).

use std::time::Instant;

use zezaro::cases::Channel;
use zezaro::db::{Db, StoreError};
use zezaro::ids::{CaseId, ProjectId};
use zezaro::routing::model::Mode;

const AGENTS: usize = 50;
const CASES: usize = 1_000;
const CAPACITY: i64 = 20;

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

/// A new project with AGENTS available agents and CASES unassigned cases.
fn setup(db: &Db, run: usize, mode: Mode) -> (ProjectId, Vec<CaseId>) {
    db.write_blocking(|tx| {
        let (client, team): (i64, i64) = tx.query_row(
            "SELECT c.id, t.id FROM clients c JOIN teams t ON t.client_id = c.id
             WHERE c.name = 'Acme Energie GmbH' ORDER BY t.id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let now = zezaro::db::now();
        tx.execute(
            "INSERT INTO projects (client_id, key, name, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?4)",
            rusqlite::params![client, format!("RB{run}{}", mode.as_str().len()), format!("Bench {run} {}", mode.as_str()), now],
        )?;
        let project = ProjectId::from(tx.last_insert_rowid());
        for a in 0..AGENTS {
            tx.execute(
                "INSERT INTO users (email, name, role, client_id, team_id, password_hash, active, created_at, updated_at)
                 VALUES (?1, ?2, 'agent', ?3, ?4, 'x', 1, ?5, ?5)",
                rusqlite::params![
                    format!("bench-{run}-{}-{a}@acme-energie.example", mode.as_str()),
                    format!("Bench {a}"),
                    client,
                    team,
                    now
                ],
            )?;
            let user = zezaro::ids::UserId::from(tx.last_insert_rowid());
            tx.execute(
                "INSERT INTO project_members (project_id, user_id, role, created_at) VALUES (?1, ?2, 'agent', ?3)",
                rusqlite::params![project, user, now],
            )?;
            zezaro::workforce::states::transition(
                tx,
                user,
                zezaro::workforce::states::Change::to(zezaro::workforce::model::WorkState::Available),
                zezaro::workforce::model::StateSource::Agent,
                Some(user),
                &now,
            )
            .map_err(|e| StoreError::Task(e.to_string()))?;
            zezaro::routing::store::set_capacities(
                tx,
                user,
                &[zezaro::routing::model::Capacity {
                    channel: Channel::Email,
                    max_open: CAPACITY,
                }],
            )?;
        }
        zezaro::routing::store::set_mode(tx, project, Channel::Email, mode, None)?;
        let mut cases = Vec::with_capacity(CASES);
        for i in 0..CASES {
            tx.execute(
                "INSERT INTO cases (project_id, number, subject, channel, status, priority, created_at, updated_at)
                 VALUES (?1, ?2, 'Bench', 'email', 'new', 'normal', ?3, ?3)",
                rusqlite::params![project, 1_000 + i as i64, now],
            )?;
            cases.push(CaseId::from(tx.last_insert_rowid()));
        }
        Ok::<_, StoreError>((project, cases))
    })
    .expect("setup")
}

/// Asserts: every case assigned, once; nobody above capacity.
fn check(db: &Db, project: ProjectId) {
    let (unassigned, doubled, over): (i64, i64, i64) = db
        .read_blocking(move |conn| {
            Ok::<_, StoreError>(conn.query_row(
                "SELECT
                   (SELECT count(*) FROM cases WHERE project_id = ?1 AND assignee_id IS NULL),
                   (SELECT count(*) FROM (SELECT h.case_id FROM case_history h JOIN cases c ON c.id = h.case_id
                      WHERE c.project_id = ?1 AND h.field = 'routed' GROUP BY h.case_id HAVING count(*) > 1)),
                   (SELECT count(*) FROM (SELECT assignee_id FROM cases WHERE project_id = ?1
                      AND assignee_id IS NOT NULL GROUP BY assignee_id HAVING count(*) > ?2))",
                rusqlite::params![project, CAPACITY],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?)
        })
        .expect("check");
    assert_eq!(unassigned, 0, "cases left unassigned");
    assert_eq!(doubled, 0, "cases routed twice");
    assert_eq!(over, 0, "agents above capacity");
}

fn main() {
    let runs = env("ROUTING_BENCH_RUNS", 5);
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, _) = Db::open(dir.path()).expect("store");
    zezaro::demo::seed(&db).expect("demo data");
    let mut run = 0;
    for mode in [Mode::RoundRobin, Mode::LeastLoaded] {
        let mut one_tx = Vec::new();
        let mut per_case = Vec::new();
        for _ in 0..runs {
            run += 1;
            let (project, cases) = setup(&db, run, mode);
            let started = Instant::now();
            db.write_blocking(|tx| {
                for &id in &cases {
                    zezaro::routing::route_case(tx, id)
                        .map_err(|e| StoreError::Task(e.to_string()))?;
                }
                Ok::<_, StoreError>(())
            })
            .expect("route");
            one_tx.push(started.elapsed().as_secs_f64() * 1000.0);
            check(&db, project);

            run += 1;
            let (project, cases) = setup(&db, run, mode);
            let started = Instant::now();
            for &id in &cases {
                db.write_blocking(|tx| {
                    zezaro::routing::route_case(tx, id).map_err(|e| StoreError::Task(e.to_string()))
                })
                .expect("route");
            }
            per_case.push(started.elapsed().as_secs_f64() * 1000.0);
            check(&db, project);
        }
        for (what, times) in [
            ("one transaction", &mut one_tx),
            ("one write per case", &mut per_case),
        ] {
            times.sort_by(|a, b| a.total_cmp(b));
            println!(
                "{:<13} {:<19} {CASES} cases → {AGENTS} agents: median {:.0} ms, p95 {:.0} ms (runs: {:?})",
                mode.as_str(),
                what,
                percentile(times, 50.0),
                percentile(times, 95.0),
                times.iter().map(|t| t.round() as i64).collect::<Vec<_>>()
            );
        }
    }
}
