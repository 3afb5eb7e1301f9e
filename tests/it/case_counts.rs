//! `/cases/counts` from the counts the triggers keep (issue 16, migration
//! 0037): after every kind of case write through the API (create, each
//! counted field changed, tags, bulk change, merge, a distribution plan's
//! move of open cases, erasure), every role's counts, with and without a
//! project, are those of a count of the visible cases themselves (the query
//! before the kept counts), and `zezaro check`'s recount finds nothing.

use crate::common::{self, Api, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};
use zezaro::auth::Principal;

const V1: &str = "/api/v1";
const ADMIN: &str = "admin@zezaro.example";
const CA_ACME: &str = "kadmin@acme-energie.example";
const CA_NORD: &str = "kadmin@nordlicht.example";
const LEAD: &str = "lead@zezaro.example";
const ANNA: &str = "anna.schmidt@acme-energie.example";
const BASIC: &str = "basic.agent@zezaro.example"; // provider, Team Basic: ACME, NORD
const TOM: &str = "tom.berger@zezaro.example";

const USERS: [&str; 7] = [ADMIN, CA_ACME, CA_NORD, LEAD, ANNA, BASIC, TOM];

fn principal(conn: &rusqlite::Connection, email: &str) -> Principal {
    let user = zezaro::users::store::by_email(conn, email)
        .unwrap()
        .expect("user");
    Principal {
        user_id: Some(user.id),
        email: user.email,
        name: user.name,
        role: user.role,
        client_id: user.client_id,
        memberships: zezaro::auth::store::memberships(conn, user.id).unwrap(),
        session: None,
        ip: None,
    }
}

/// Every user's counts without a project and for each project, from the
/// API, against the count of the cases; and the store's recount.
async fn same_as_a_count_of_the_cases(ts: &TestServer, projects: &[i64], after: &str) {
    let mut scopes = vec![None];
    scopes.extend(projects.iter().map(|&p| Some(p)));
    for email in USERS {
        let api = ts.token_client(email);
        for &project in &scopes {
            let path = match project {
                None => format!("{V1}/cases/counts"),
                Some(p) => format!("{V1}/cases/counts?project_id={p}"),
            };
            let (status, body) = api.get(&path).await;
            assert_eq!(status, StatusCode::OK, "{after}: {email} {path}: {body}");
            let counted = ts
                .server
                .state
                .db
                .read_blocking(|conn| {
                    let who = principal(conn, email);
                    zezaro::cases::service::counts_by_scan(
                        conn,
                        &who,
                        project.map(zezaro::ids::ProjectId::from),
                    )
                })
                .expect("counted");
            assert_eq!(
                body,
                serde_json::to_value(counted).unwrap(),
                "{after}: {email} {path}"
            );
        }
    }
    let problems = ts
        .server
        .state
        .db
        .read_blocking(zezaro::cases::counts::verify)
        .unwrap();
    assert!(problems.is_empty(), "{after}: {problems:?}");
}

async fn open_of(api: &Api, project: i64) -> i64 {
    let (_, body) = api
        .get(&format!("{V1}/cases/counts?project_id={project}"))
        .await;
    body["open"].as_i64().expect("open")
}

async fn patch(api: &Api, id: i64, body: Value) {
    let mut body = body;
    body["force"] = json!(true);
    let (status, changed) = api.patch(&format!("{V1}/cases/{id}"), body).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
}

#[actix_web::test]
async fn counts_follow_every_case_write_for_every_role() {
    let ts = common::demo_server().await;
    let acme = ts.id_of("/api/v1/projects", "key", "ACME").await;
    let nord = ts.id_of("/api/v1/projects", "key", "NORD").await;
    let acmegas = ts.id_of("/api/v1/projects", "key", "ACMEGAS").await;
    let projects = [acme, nord, acmegas];
    let topics = |p: i64| format!("/api/v1/projects/{p}/topics");
    let rechnung = ts.id_of(&topics(acme), "name", "Rechnung").await;
    let vertrag = ts.id_of(&topics(acme), "name", "Vertrag").await;
    let anna_id = ts.id_of("/api/v1/users", "email", ANNA).await;
    let admin = ts.token_client(ADMIN);
    let ca = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    same_as_a_count_of_the_cases(&ts, &projects, "the demo data").await;

    // Created: channels, topics, an assignee, the provider team, a due date
    // in the past and one tomorrow, one case already solved.
    let open_before = open_of(&ca, acme).await;
    let mut ids = Vec::new();
    for (n, (channel, topic, assignee, team, due)) in [
        ("email", Some(rechnung), None, "client", None),
        (
            "call",
            Some(vertrag),
            Some(anna_id),
            "client",
            Some("2020-01-01T08:00:00Z"),
        ),
        ("chat", None, None, "provider", None),
        ("letter", Some(rechnung), Some(anna_id), "client", None),
        (
            "webform",
            None,
            None,
            "client",
            Some("2099-01-01T08:00:00Z"),
        ),
        ("email", Some(vertrag), None, "provider", None),
    ]
    .into_iter()
    .enumerate()
    {
        // The fourth case is of the first one's customer (merged below).
        let customer = if n == 3 { 0 } else { n };
        let mut body = json!({
            "project_id": acme, "subject": format!("Zählprobe {n}"), "channel": channel,
            "topic_id": topic, "assignee_id": assignee, "handling_team": team,
            "contact": {"name": format!("Zähl Kundin {customer}"), "email": format!("zaehl{customer}@example.de")},
            "message": {"kind": "inbound", "body_text": "Bitte prüfen Sie meinen Abschlag."}});
        if let Some(due) = due {
            body["due_at"] = json!(due);
        }
        let (status, case) = anna.post(&format!("{V1}/cases"), body).await;
        assert_eq!(status, StatusCode::CREATED, "{case}");
        ids.push(case["id"].as_i64().expect("id"));
    }
    assert_eq!(open_of(&ca, acme).await, open_before + 6);
    same_as_a_count_of_the_cases(&ts, &projects, "creates").await;

    // Each counted field changed, and the status through open, waiting,
    // solved, closed and back.
    patch(
        &anna,
        ids[0],
        json!({"status": "open", "assignee_id": anna_id}),
    )
    .await;
    patch(
        &anna,
        ids[1],
        json!({"status": "pending-customer", "topic_id": null}),
    )
    .await;
    patch(&anna, ids[2], json!({"status": "solved"})).await;
    patch(
        &anna,
        ids[3],
        json!({"assignee_id": null, "topic_id": vertrag}),
    )
    .await;
    patch(
        &ca,
        ids[4],
        json!({"handling_team": "provider", "handling_tariff": "basic"}),
    )
    .await;
    patch(&anna, ids[5], json!({"status": "closed"})).await;
    patch(&anna, ids[5], json!({"status": "open"})).await;
    patch(&anna, ids[0], json!({"tags": ["vip", "zaehlung"]})).await;
    patch(&anna, ids[0], json!({"subject": "Nur der Betreff"})).await;
    same_as_a_count_of_the_cases(&ts, &projects, "updates").await;

    let (status, body) = anna
        .post(
            &format!("{V1}/cases/bulk"),
            json!({"case_ids": [ids[0], ids[3]], "status": "pending-third-party",
                   "assignee_id": anna_id, "add_tags": ["stapel"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    same_as_a_count_of_the_cases(&ts, &projects, "a bulk change").await;

    // Merged: the merged case is closed into the other.
    let (status, body) = anna
        .post(
            &format!("{V1}/cases/{}/merge", ids[3]),
            json!({"into_id": ids[0]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    same_as_a_count_of_the_cases(&ts, &projects, "a merge").await;

    // A distribution plan moves the open cases to the provider's Team
    // Basic: Basic's agent now counts only that share of ACME.
    let (status, saved) = ca
        .put(
            &format!("{V1}/projects/{acme}/distribution"),
            json!({"entries": [
                      {"topic_id": null, "channel": null, "team": "client", "share_percent": 50},
                      {"topic_id": null, "channel": null, "team": "provider-basic", "share_percent": 50}],
                   "overflow": [], "open_cases": "move-all", "expected_version": 0}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    crate::distribution::settled_move(&ca, acme, 1).await;
    same_as_a_count_of_the_cases(&ts, &projects, "a distribution move").await;
    // Cases created under the plan, some to the provider.
    let mut planned = Vec::new();
    for n in 0..4 {
        let (status, case) = anna
            .post(
                &format!("{V1}/cases"),
                json!({"project_id": acme, "subject": format!("Verteilt {n}"), "channel": "email",
                       "message": {"kind": "inbound", "body_text": "Hallo"}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{case}");
        planned.push(case["id"].as_i64().expect("id"));
    }
    same_as_a_count_of_the_cases(&ts, &projects, "creates under a plan").await;
    // Provider cases of the other tariff (Pro: not Basic's share) and of
    // no tariff (any provider team: Basic's share too).
    patch(
        &ca,
        planned[0],
        json!({"handling_team": "provider", "handling_tariff": "pro"}),
    )
    .await;
    patch(
        &ca,
        planned[1],
        json!({"handling_team": "provider", "handling_tariff": null}),
    )
    .await;
    same_as_a_count_of_the_cases(&ts, &projects, "tariffs under a plan").await;

    // Erasure: the contact's cases deleted.
    let (_, case) = admin.get(&format!("{V1}/cases/{}", ids[5])).await;
    let contact = case["case"]["contact_id"].as_i64().expect("contact");
    let (status, erasure) = ca
        .post(
            &format!("{V1}/contacts/{contact}/erase"),
            json!({"mode": "delete"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{erasure}");
    let (status, _) = admin.get(&format!("{V1}/cases/{}", ids[5])).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    same_as_a_count_of_the_cases(&ts, &projects, "an erasure").await;
}

/// A count changed behind the triggers' back is reported by `zezaro check`
/// (the real binary on a generated store): exit 1, the row named.
#[test]
fn check_reports_a_count_that_differs() {
    use common::process::{run, text};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let out = run(&["demo", "--data-dir", d, "--cases", "300"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&["check", "--data-dir", d], "");
    assert!(out.status.success(), "{}", text(&out.stdout));
    let conn = rusqlite::Connection::open(dir.path().join("zezaro.db")).unwrap();
    let changed = conn
        .execute(
            "UPDATE case_counts SET total = total + 3
             WHERE (dimension, project_id, value, handling_team, handling_tariff) =
               (SELECT dimension, project_id, value, handling_team, handling_tariff
                FROM case_counts WHERE dimension = 'status' AND value = 'open' LIMIT 1)",
            [],
        )
        .unwrap();
    assert_eq!(changed, 1);
    drop(conn);
    let out = run(&["check", "--data-dir", d], "");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let report = text(&out.stdout);
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines.len(), 1, "{report}");
    assert!(
        lines[0].starts_with("case counts: project ") && lines[0].contains("status \"open\""),
        "{report}"
    );
    assert!(
        text(&out.stderr).contains("1 problem(s) found"),
        "{}",
        text(&out.stderr)
    );
}
