//! The case list's plan chosen from the store's numbers (issue 16,
//! `cases::plan`): for every filter × sort of `GET /cases` — read from the
//! generated OpenAPI document, not a hand-written list — × role × project
//! given or not, on a store with skewed values (one assignee with a third
//! of all cases, one with a single case), the chosen plan returns the same
//! ids in the same order, page by page, as SQLite's own unforced plan, and
//! its `EXPLAIN QUERY PLAN` never reads all cases of a range to sort them
//! without an index.

use std::collections::BTreeMap;

use rusqlite::{Connection, params};
use serde_json::{Value, json};
use utoipa::OpenApi;
use zezaro::auth::{Principal, Role};
use zezaro::cases::CaseQuery;
use zezaro::cases::service::filter_for;
use zezaro::cases::store::{self, Sort};
use zezaro::db::Db;

const PAGE: u32 = 7;
const PAGES: usize = 4;

fn one<T: rusqlite::types::FromSql>(conn: &Connection, sql: &str) -> T {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn principal(conn: &Connection, email: &str) -> Principal {
    let (id, name, role, client_id): (i64, String, String, Option<i64>) = conn
        .query_row(
            "SELECT id, name, role, client_id FROM users WHERE email = ?1",
            [email],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    Principal {
        user_id: Some(id.into()),
        email: email.into(),
        name,
        role: Role::parse(&role).unwrap(),
        client_id: client_id.map(Into::into),
        memberships: zezaro::auth::store::memberships(conn, id.into()).unwrap(),
        session: None,
        ip: None,
    }
}

/// Backticked words of a parameter's description (`view`, `due`, `sort`).
fn described_values(description: &str) -> Vec<String> {
    description
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// Every value the test sends for each `/cases` parameter, from the
/// OpenAPI document; the ids and the tag from the store. A parameter the
/// test does not know fails it, so a new filter is covered or noticed.
fn parameter_values(conn: &Connection, doc: &Value) -> (BTreeMap<String, Vec<Value>>, Vec<String>) {
    let list = &doc["paths"]["/api/v1/cases"]["get"]["parameters"];
    let enum_of = |name: &str| -> Vec<Value> {
        doc["components"]["schemas"][name]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("enum {name}"))
            .clone()
    };
    let mut values = BTreeMap::new();
    let mut sorts = Vec::new();
    for p in list.as_array().expect("parameters") {
        let name = p["name"].as_str().unwrap().to_string();
        let description = p["description"].as_str().unwrap_or("");
        let reference = p["schema"]["oneOf"]
            .as_array()
            .and_then(|o| o.iter().find_map(|s| s["$ref"].as_str()))
            .map(|r| r.rsplit('/').next().unwrap().to_string());
        let v: Vec<Value> = match (name.as_str(), reference) {
            ("project_id" | "limit" | "cursor", _) => continue,
            ("sort", _) => {
                sorts = described_values(description);
                continue;
            }
            (_, Some(schema)) => enum_of(&schema),
            ("view" | "due", _) => described_values(description)
                .into_iter()
                .map(Value::from)
                .collect(),
            ("status", _) => {
                let all = enum_of("Status");
                let mut v = all.clone();
                v.push(Value::from(format!(
                    "{},{}",
                    all[0].as_str().unwrap(),
                    all[1].as_str().unwrap()
                )));
                v
            }
            ("assignee_id", _) => vec![
                json!(one::<i64>(
                    conn,
                    "SELECT assignee_id FROM cases WHERE assignee_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
                )),
                json!(one::<i64>(
                    conn,
                    "SELECT assignee_id FROM cases WHERE assignee_id IS NOT NULL GROUP BY 1 ORDER BY count(*), 1 LIMIT 1"
                )),
            ],
            ("topic_id", _) => vec![json!(one::<i64>(
                conn,
                "SELECT topic_id FROM cases WHERE topic_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            ))],
            ("contact_id", _) => vec![json!(one::<i64>(
                conn,
                "SELECT contact_id FROM cases WHERE contact_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            ))],
            ("tag", _) => vec![json!(one::<String>(
                conn,
                "SELECT tag FROM case_tags GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            ))],
            ("ref", _) => vec![json!(one::<String>(
                conn,
                "SELECT p.key || '-' || c.number FROM cases c JOIN projects p ON p.id = c.project_id ORDER BY c.id LIMIT 1"
            ))],
            (other, _) => panic!("/cases has a parameter this test does not cover: {other}"),
        };
        assert!(!v.is_empty(), "no values for {name}");
        values.insert(name, v);
    }
    assert_eq!(sorts.len(), 7, "the sorts of the description: {sorts:?}");
    (values, sorts)
}

/// Up to PAGES pages of the list, following the cursors.
fn pages(conn: &Connection, who: &Principal, query: &CaseQuery, planned: bool) -> Vec<i64> {
    let sort = Sort::parse(query.sort.as_deref()).unwrap();
    let mut ids = Vec::new();
    let mut cursor: Option<(String, i64)> = None;
    for _ in 0..PAGES {
        let filter = filter_for(who, query).unwrap();
        let filter = if planned { filter } else { filter.unplanned() };
        let page = store::list(conn, filter, sort, cursor.clone(), PAGE).unwrap();
        ids.extend(page.iter().map(|c| i64::from(c.id)));
        match page.last() {
            Some(last) if page.len() == PAGE as usize => {
                let value = sort.cursor_of(last);
                let (key, id) = value.rsplit_once('|').unwrap();
                cursor = Some((key.to_string(), id.parse().unwrap()));
            }
            _ => break,
        }
    }
    ids
}

#[test]
fn every_filter_sort_and_role_lists_as_sqlite_does_and_never_sorts_a_scan() {
    let dir = tempfile::tempdir().unwrap();
    let options = zezaro::demo::generate::Options {
        cases: 700,
        messages: 1,
        seed: 16,
    };
    zezaro::demo::generate::generate(dir.path(), &options, &mut |_| {}).unwrap();
    // Skew: one agent handles a third of all cases, another one case.
    {
        let conn = Connection::open(dir.path().join("zezaro.db")).unwrap();
        let agents: Vec<i64> = conn
            .prepare("SELECT DISTINCT assignee_id FROM cases WHERE assignee_id IS NOT NULL ORDER BY 1 LIMIT 2")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let (huge, tiny) = (agents[0], agents[1]);
        conn.execute(
            "UPDATE cases SET assignee_id = ?1 WHERE id % 3 = 0 OR assignee_id = ?2",
            params![huge, tiny],
        )
        .unwrap();
        conn.execute(
            "UPDATE cases SET assignee_id = ?1 WHERE id = (SELECT max(id) FROM cases)",
            params![tiny],
        )
        .unwrap();
    }
    let (db, _) = Db::open(dir.path()).unwrap();
    let doc = serde_json::to_value(zezaro::http::ApiDoc::openapi()).unwrap();
    db.read_blocking(|conn| {
        let (values, sorts) = parameter_values(conn, &doc);
        let acme: i64 = one(conn, "SELECT id FROM projects WHERE key = 'ACME'");
        let roles = [
            "admin@zezaro.example",
            "kadmin@acme-energie.example",
            "lead@zezaro.example",
            "tom.berger@zezaro.example",
            "basic.agent@zezaro.example",
        ];
        // No filter, each parameter's each value, and two pairs.
        let mut filters: Vec<Vec<(String, Value)>> = vec![vec![]];
        for (name, vs) in &values {
            for v in vs {
                filters.push(vec![(name.clone(), v.clone())]);
            }
        }
        filters.push(vec![
            ("assignee_id".into(), values["assignee_id"][0].clone()),
            ("channel".into(), json!("email")),
        ]);
        filters.push(vec![
            ("view".into(), json!("open")),
            ("team".into(), json!("provider")),
        ]);
        let mut combinations = 0;
        let mut sought = 0;
        let mut nonempty = 0;
        for email in roles {
            let who = principal(conn, email);
            for project in [None, Some(acme)] {
                for filter in &filters {
                    for sort in &sorts {
                        let mut q = serde_json::Map::new();
                        if let Some(p) = project {
                            q.insert("project_id".into(), json!(p));
                        }
                        for (k, v) in filter {
                            q.insert(k.clone(), v.clone());
                        }
                        q.insert("sort".into(), json!(sort));
                        let query: CaseQuery = serde_json::from_value(Value::Object(q.clone())).unwrap();
                        let expected = pages(conn, &who, &query, false);
                        let got = pages(conn, &who, &query, true);
                        assert_eq!(got, expected, "{email} {q:?}");
                        combinations += 1;
                        nonempty += usize::from(!got.is_empty());
                        let plan = store::explain_list(
                            conn,
                            filter_for(&who, &query).unwrap(),
                            Sort::parse(Some(sort)).unwrap(),
                            None,
                            PAGE,
                        )
                        .unwrap();
                        let scans = plan.iter().any(|l| l.starts_with("SCAN c") && !l.contains("COVERING"));
                        let sorts_all = plan.iter().any(|l| l.contains("TEMP B-TREE FOR ORDER BY"));
                        assert!(
                            !plan.iter().any(|l| l == "SCAN c"),
                            "a full table scan: {email} {q:?} {plan:#?}"
                        );
                        assert!(
                            !(scans && sorts_all),
                            "a whole index read and sorted: {email} {q:?} {plan:#?}"
                        );
                        sought += usize::from(sorts_all);
                    }
                }
            }
        }
        eprintln!("{combinations} combinations, {nonempty} with cases, {sought} read by a filter index and sorted");
        assert!(combinations > 1_000, "{combinations}");
        assert!(nonempty > combinations / 2, "{nonempty} of {combinations} lists have cases");
        // Both strategies are exercised.
        assert!(sought > 50 && sought < combinations - 50, "{sought} sorted of {combinations}");
        Ok::<_, zezaro::db::StoreError>(())
    })
    .unwrap();
}

/// A measurement, not a check: the plans the chooser takes on a real store,
/// and what they cost without HTTP (issue 16, docs/perf16.md). On a copy of
/// a generated store:
///
/// ```text
/// ZEZARO_PLAN_DIR=/tmp/s1m ZEZARO_PLAN_QUERIES=queries.txt \
///   cargo test --test it list_plans::on_a_store -- --ignored --nocapture
/// ```
///
/// `queries.txt`: one request per line, `user e-mail<TAB>query string` of
/// `GET /api/v1/cases` (e.g. `status=new&sort=-created_at`). Prints per
/// request the median and the worst of 7 runs (the plan's choice included),
/// the page's size and the plan's steps.
#[test]
#[ignore = "a measurement on the store given by ZEZARO_PLAN_DIR"]
fn on_a_store() {
    let (Ok(dir), Ok(queries)) = (
        std::env::var("ZEZARO_PLAN_DIR"),
        std::env::var("ZEZARO_PLAN_QUERIES"),
    ) else {
        panic!("set ZEZARO_PLAN_DIR and ZEZARO_PLAN_QUERIES");
    };
    let (db, _) = Db::open(std::path::Path::new(&dir)).unwrap();
    let queries = std::fs::read_to_string(queries).unwrap();
    db.read_blocking(|conn| -> Result<(), zezaro::db::StoreError> {
        for line in queries.lines().filter(|l| !l.trim().is_empty()) {
            let (email, qs) = line.split_once('\t').expect("e-mail<TAB>query");
            let who = principal(conn, email);
            let query: CaseQuery = serde_urlencoded::from_str(qs).unwrap();
            let mut times = Vec::new();
            let mut n = 0;
            for _ in 0..7 {
                let t = std::time::Instant::now();
                n = zezaro::cases::service::list(conn, &who, &query)
                    .unwrap()
                    .items
                    .len();
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            times.sort_by(|a, b| a.total_cmp(b));
            let sort = Sort::parse(query.sort.as_deref()).unwrap();
            let plan =
                store::explain_list(conn, filter_for(&who, &query).unwrap(), sort, None, 50)?;
            println!(
                "{:7.2} {:7.2} ms {n:3} rows  {email} {qs}\n        {}",
                times[3],
                times[6],
                plan.join(" | ")
            );
        }
        Ok(())
    })
    .unwrap();
}
