//! Rule evaluation for one event with 500 active rules (issue 15: p95 <
//! 1 ms). Run: `cargo bench --bench rules` (release).
//!
//! On a fresh store with the demo data, RULES_BENCH_RULES active rules
//! (default 500) of client Acme, each `case-updated` with a realistic tree
//! (a text condition — every tenth a regular expression —, a channel list,
//! an `any` group of priority / tag / custom value, a contact field), about
//! one in a hundred matching every case. Then RULES_BENCH_EVENTS times
//! (default 2,000) a `case-updated` event on one Acme case, measured two
//! ways:
//!
//! - `evaluate`: the evaluator alone on the compiled rules and the case's
//!   snapshot (what one event costs once the rules are in memory);
//! - `fire`: the whole hook as the case service calls it inside its write
//!   transaction — load the client's active rules from the store, compile
//!   them, build the snapshot (contact, organization, mailbox, message),
//!   evaluate, write the changes, history and runs — on a savepoint rolled
//!   back after each event.

use std::time::Instant;

use zezaro::db::{Db, StoreError};
use zezaro::rules::engine::{DbEnv, Trigger, compile_rules, snapshot};
use zezaro::rules::eval::run_chain;
use zezaro::rules::model::RuleEvent;
use zezaro::rules::store::{NewVersion, insert_rule, insert_version, set_active};

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
    "rechnung",
    "abschlag",
    "zähler",
    "umzug",
    "kündigung",
    "tarif",
    "gutschrift",
    "mahnung",
    "vertrag",
    "lastschrift",
    "störung",
    "netz",
    "ablesung",
    "preis",
    "bonus",
    "wechsel",
];

fn report(name: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    println!(
        "{name:>9}: p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms, max {:.3} ms ({} events)",
        percentile(&ms, 50.0),
        percentile(&ms, 95.0),
        percentile(&ms, 99.0),
        ms[ms.len() - 1],
        ms.len()
    );
}

fn main() {
    let n_rules = env("RULES_BENCH_RULES", 500);
    let events = env("RULES_BENCH_EVENTS", 2000);
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, _) = Db::open(dir.path()).expect("store");
    zezaro::demo::seed(&db).expect("demo data");
    let (client, case_id): (i64, i64) = db
        .read_blocking(|conn| {
            conn.query_row(
                "SELECT p.client_id, c.id FROM cases c JOIN projects p ON p.id = c.project_id
                 WHERE p.key = 'ACME' AND c.contact_id IS NOT NULL AND c.channel = 'email'
                 ORDER BY c.id LIMIT 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .map_err(StoreError::from)
        })
        .expect("an Acme case");
    let client = zezaro::ids::ClientId(client);
    let case_id = zezaro::ids::CaseId(case_id);

    db.write_blocking(|tx| {
        for i in 0..n_rules {
            let word = WORDS[i % WORDS.len()];
            let text = if i % 10 == 0 {
                serde_json::json!({"field": "text", "op": "matches",
                    "value": format!(r"\b{word}\w*\s+(nr\.?|nummer)\s*\d{{3,}}")})
            } else {
                serde_json::json!({"field": "text", "op": "contains", "value": format!("{word} {i}")})
            };
            let priority = ["low", "normal", "high"][i % 3];
            let conditions = serde_json::json!({"all": [
                text,
                {"field": "channel", "op": "in", "value": ["email", "webform", "letter"]},
                {"any": [
                    {"field": "priority", "op": "is", "value": priority},
                    {"field": "tags", "op": "contains", "value": word},
                    {"field": "custom.vertragsnummer", "op": "matches", "value": format!("^{}", i % 10)}
                ]},
                {"field": "contact.language", "op": "is-not", "value": "xx"}
            ]});
            // One rule in a hundred matches every case.
            let conditions = if i % 100 == 7 {
                serde_json::json!({"all": [{"field": "subject", "op": "is-set"}]})
            } else {
                conditions
            };
            let actions = serde_json::json!([
                {"type": "add-tags", "tags": [format!("regel-{i}")]},
                {"type": "add-note", "text": format!("Regel {i} hat gegriffen.")}
            ]);
            let name = format!("Bench-Regel {i}");
            let id = insert_rule(tx, client, &name, i as i64)?;
            insert_version(
                tx,
                &NewVersion {
                    rule_id: id,
                    name: &name,
                    project_ids: &[],
                    event: RuleEvent::CaseUpdated,
                    conditions: &conditions.to_string(),
                    actions: &actions.to_string(),
                    schedule: None,
                    created_by: None,
                },
            )?;
            set_active(tx, id, true)?;
        }
        Ok::<_, StoreError>(())
    })
    .expect("rules");

    // The evaluator alone.
    let (evaluate, fired) = db
        .write_blocking(|tx| {
            let rows = zezaro::rules::store::active_rows(tx, client)?;
            let rules = compile_rules(&rows);
            assert_eq!(rules.len(), n_rules, "every rule compiles");
            let always = rows
                .iter()
                .filter(|r| {
                    serde_json::to_string(&r.conditions)
                        .unwrap_or_default()
                        .contains("is-set")
                })
                .count();
            println!("{always} rules match every case");
            let case = zezaro::cases::store::get(tx, case_id)?.expect("case");
            let text = zezaro::rules::store::last_message_text(tx, case_id)?;
            let before = snapshot(tx, &case, text.clone(), None)?;
            let after = snapshot(tx, &case, text, None)?;
            let env = DbEnv::new(
                tx,
                client,
                chrono::Utc::now(),
                zezaro::rules::Context::default(),
            );
            let mut ms = Vec::with_capacity(events);
            let mut fired = 0;
            for _ in 0..events {
                let mut snap = after.clone();
                let t = Instant::now();
                let f = run_chain(
                    &rules,
                    RuleEvent::CaseUpdated,
                    Some(&before),
                    &mut snap,
                    &env,
                    "2026-12-03T10:00:00.000Z",
                );
                ms.push(t.elapsed().as_secs_f64() * 1000.0);
                fired = f.len();
            }
            Ok::<_, StoreError>((ms, fired))
        })
        .expect("evaluate");
    println!("{n_rules} active rules, {fired} fire on the case per event");
    report("evaluate", evaluate);

    // The whole hook, in a write transaction, rolled back each time.
    let fire = db
        .write_blocking(|tx| {
            let case = zezaro::cases::store::get(tx, case_id)?.expect("case");
            let mut ms = Vec::with_capacity(events);
            for _ in 0..events {
                tx.execute_batch("SAVEPOINT bench")?;
                let t = Instant::now();
                zezaro::rules::fire(tx, Trigger::Updated, Some(&case), &case)?;
                ms.push(t.elapsed().as_secs_f64() * 1000.0);
                tx.execute_batch("ROLLBACK TO bench; RELEASE bench")?;
            }
            Ok::<_, StoreError>(ms)
        })
        .expect("fire");
    report("fire", fire);
}
