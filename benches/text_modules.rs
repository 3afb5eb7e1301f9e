//! The `::` picker's list of text modules (issue 14): what loading a
//! client's whole list once costs, at 5,000 published modules. Run:
//! `cargo bench --bench text_modules` (or `--profile dev` for a quick run:
//! the dependencies — SQLite, serde_json, flate2 — are optimised there too).
//!
//! Measures, on a fresh store with the demo data plus TM_BENCH_N modules
//! (default 5000; German words, 2–6-word titles, 150–600-character bodies
//! with placeholders) for Acme:
//!
//! 1. the server's answer to `GET /api/v1/cases/{id}/text-modules`: the
//!    query and the JSON (`service::picks` + serialisation), median and p95
//!    over TM_BENCH_RUNS runs (default 200);
//! 2. its size: raw JSON and gzip (level 6), as the server's `Compress`
//!    middleware sends it to a browser that asks for gzip (one that asks
//!    for br gets less).
//!
//! TM_BENCH_DUMP=path writes the list there (for the filter benchmark).
//!
//! The browser-side filtering of that list (2 letters after `::`) is
//! measured by `node benches/text_modules_filter.mjs` (see there).

use std::io::Write;
use std::time::Instant;

use zezaro::auth::Principal;
use zezaro::cases::NewCase;
use zezaro::cases::events::Announcements;
use zezaro::db::{Db, StoreError};
use zezaro::text_modules::model::{Language, NewTextModule};
use zezaro::text_modules::service;

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

const WORDS: &[&str] = &[
    "Abschlag",
    "Zählerstand",
    "Rechnung",
    "Vertrag",
    "Kündigung",
    "Umzug",
    "Tarif",
    "Gutschrift",
    "Lastschrift",
    "Bankverbindung",
    "Netzbetreiber",
    "Störung",
    "Ablesung",
    "Jahresabrechnung",
    "Preisänderung",
    "Bonus",
    "Wechsel",
    "Kundenportal",
    "Rückruf",
    "Mahnung",
    "Ratenzahlung",
    "Ökostrom",
    "Grundversorgung",
    "Sonderkündigung",
    "Zähler",
    "Einzug",
    "Auszug",
    "Neukunde",
    "Bestätigung",
    "Anfrage",
    "bitte",
    "vielen",
    "Dank",
    "für",
    "Ihre",
    "Nachricht",
    "wir",
    "prüfen",
    "den",
    "Vorgang",
    "und",
    "melden",
    "uns",
    "innerhalb",
    "von",
    "zwei",
    "Werktagen",
    "freundlichen",
    "Grüßen",
    "Ihr",
    "Kundenservice",
    "Strom",
    "Gas",
    "Angebot",
    "Formular",
];

fn words(rng: &mut fastrand::Rng, n: usize) -> String {
    (0..n)
        .map(|_| WORDS[rng.usize(..WORDS.len())])
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() {
    let n = env("TM_BENCH_N", 5000);
    let runs = env("TM_BENCH_RUNS", 200);
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, _) = Db::open(dir.path()).expect("store");
    zezaro::demo::seed(&db).expect("demo data");
    let op = Principal::operator();
    let (client, project): (i64, i64) = db
        .read_blocking(|conn| {
            conn.query_row(
                "SELECT client_id, id FROM projects WHERE key = 'ACME'",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .map_err(StoreError::from)
        })
        .expect("project");
    let started = Instant::now();
    let case_id = db
        .write_blocking(|tx| {
            let mut rng = fastrand::Rng::with_seed(14);
            let mut events = Announcements::default();
            for i in 0..n {
                let title_words = 2 + rng.usize(..5);
                let title = words(&mut rng, title_words);
                let mut body = String::from("Hallo {{contact.first_name}},\n\n");
                let target = 150 + rng.usize(..450);
                while body.len() < target {
                    body.push_str(&words(&mut rng, 8));
                    body.push_str(". ");
                }
                body.push_str("\n\nViele Grüße\n{{agent.name}}");
                let module = service::create(
                    tx,
                    &op,
                    NewTextModule {
                        client_id: client.into(),
                        shortcut: format!("{}-{i}", WORDS[rng.usize(..WORDS.len())].to_lowercase()),
                        language: if i % 5 == 0 {
                            Language::En
                        } else {
                            Language::De
                        },
                        title,
                        body,
                        project_ids: Vec::new(),
                    },
                )
                .map_err(|e| StoreError::Task(e.to_string()))?;
                service::publish(tx, &op, module.id, &mut events)
                    .map_err(|e| StoreError::Task(e.to_string()))?;
            }
            drop(events);
            let case = zezaro::cases::service::create(
                tx,
                &op,
                serde_json::from_value::<NewCase>(serde_json::json!({
                    "project_id": project, "subject": "Bench", "channel": "email"
                }))
                .map_err(|e| StoreError::Task(e.to_string()))?,
            )
            .map_err(|e| StoreError::Task(e.to_string()))?;
            Ok::<_, StoreError>(case.id)
        })
        .expect("modules");
    eprintln!(
        "{n} modules created and published in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    #[derive(serde::Serialize)]
    struct Items<'a> {
        items: &'a [zezaro::text_modules::model::TextModulePick],
    }
    let mut times = Vec::with_capacity(runs);
    let mut query_times = Vec::with_capacity(runs);
    let mut body = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let items = db
            .read_blocking(|conn| {
                service::picks(conn, &op, case_id).map_err(|e| StoreError::Task(e.to_string()))
            })
            .expect("picks");
        query_times.push(t.elapsed().as_secs_f64() * 1000.0);
        body = serde_json::to_vec(&Items { items: &items }).expect("json");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    query_times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "list query alone: median {:.2} ms, p95 {:.2} ms",
        percentile(&query_times, 50.0),
        percentile(&query_times, 95.0)
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    gz.write_all(&body).expect("gzip");
    let gzipped = gz.finish().expect("gzip").len();
    let count = serde_json::from_slice::<serde_json::Value>(&body).expect("json")["items"]
        .as_array()
        .map_or(0, Vec::len);
    println!("text modules in the list: {count}");
    println!(
        "list query + JSON: median {:.2} ms, p95 {:.2} ms, max {:.2} ms ({runs} runs)",
        percentile(&times, 50.0),
        percentile(&times, 95.0),
        times[times.len() - 1]
    );
    println!(
        "payload: {:.1} KB JSON, {:.1} KB gzip",
        body.len() as f64 / 1024.0,
        gzipped as f64 / 1024.0
    );
    if let Ok(path) = std::env::var("TM_BENCH_DUMP") {
        std::fs::write(&path, &body).expect("dump");
        println!("list written to {path}");
    }
}
