//! Distribution between the client's own team and the provider (issue 15)
//! through the API of a real server with the demo data: the deterministic
//! share over 100 cases, overflow by queue and by service hours, the live
//! move of open cases, what the provider's agents see (case, list, search,
//! live events), validation, versions, audit and isolation.

use std::time::Duration;

use crate::common::{self, Api, TestServer};
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};

const CA_ACME: &str = "kadmin@acme-energie.example";
const CA_NORD: &str = "kadmin@nordlicht.example";
const LEAD: &str = "lead@zezaro.example";
const ANNA: &str = "anna.schmidt@acme-energie.example"; // Acme's own agent
const BASIC: &str = "basic.agent@zezaro.example"; // provider, Team Basic: ACME, NORD
const PRO: &str = "pro.agent@zezaro.example"; // provider, Team Pro: ACME, ACMEGAS

async fn project(ts: &TestServer, key: &str) -> i64 {
    ts.id_of("/api/v1/projects", "key", key).await
}

async fn topic(ts: &TestServer, project_id: i64, name: &str) -> i64 {
    ts.id_of(
        &format!("/api/v1/projects/{project_id}/topics"),
        "name",
        name,
    )
    .await
}

async fn save(api: &Api, project_id: i64, body: Value) -> Value {
    let (status, saved) = api
        .put(&format!("/api/v1/projects/{project_id}/distribution"), body)
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    saved
}

async fn new_case(api: &Api, project_id: i64, topic_id: Option<i64>, subject: &str) -> Value {
    let (status, case) = api
        .post(
            "/api/v1/cases",
            json!({"project_id": project_id, "subject": subject, "channel": "email",
                   "topic_id": topic_id,
                   "message": {"kind": "inbound", "body_text": "Bitte prüfen Sie meine Rechnung."}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    case
}

fn team(case: &Value) -> String {
    match (
        case["handling_team"].as_str(),
        case["handling_tariff"].as_str(),
    ) {
        (Some("client"), _) => "client".into(),
        (Some("provider"), Some(t)) => format!("provider-{t}"),
        other => format!("{other:?}"),
    }
}

async fn status_of(api: &Api, case_id: i64) -> StatusCode {
    api.get(&format!("/api/v1/cases/{case_id}")).await.0
}

/// Waits (20 s at most) until the background move of plan `version` is
/// done; returns how many cases it moved.
pub(crate) async fn settled_move(api: &Api, project_id: i64, version: i64) -> i64 {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (status, versions) = api
            .get(&format!(
                "/api/v1/projects/{project_id}/distribution/versions"
            ))
            .await;
        assert_eq!(status, StatusCode::OK, "{versions}");
        let v = versions["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["version"] == version)
            .unwrap_or_else(|| panic!("no version {version}: {versions}"))
            .clone();
        if v["moving"] == false {
            return v["moved"].as_i64().unwrap();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "move still running: {v}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn sixty_percent_of_rechnung_mails_go_to_the_provider_exactly_over_100_cases() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    let basic = ts.token_client(BASIC);
    let pro = ts.token_client(PRO);
    let acme = project(&ts, "ACME").await;
    let rechnung = topic(&ts, acme, "Rechnung").await;
    let saved = save(
        &admin,
        acme,
        json!({"entries": [
                  {"topic_id": rechnung, "channel": "email", "team": "provider-basic", "share_percent": 60},
                  {"topic_id": rechnung, "channel": "email", "team": "client", "share_percent": 40}],
               "overflow": [], "open_cases": "leave", "expected_version": 0}),
    )
    .await;
    assert_eq!(saved["plan"]["version"], 1);
    assert_eq!(saved["moved"], 0);

    let mut teams = Vec::new();
    let mut ids = Vec::new();
    for n in 0..100 {
        let case = new_case(&anna, acme, Some(rechnung), &format!("Verteilprobe {n}")).await;
        teams.push(team(&case));
        ids.push(case["id"].as_i64().unwrap());
    }
    let provider = teams.iter().filter(|t| *t == "provider-basic").count();
    let client = teams.iter().filter(|t| *t == "client").count();
    assert_eq!((provider, client), (60, 40), "{teams:?}");
    // Smooth: never three provider cases in a row at 60/40.
    assert!(
        !teams
            .windows(3)
            .any(|w| w.iter().all(|t| t == "provider-basic")),
        "{teams:?}"
    );
    // Another topic has no row: the own team.
    let other = topic(&ts, acme, "Umzug").await;
    let umzug = new_case(&anna, acme, Some(other), "Verteilprobe Umzug").await;
    assert_eq!(team(&umzug), "client");

    // The provider's Team Basic agent sees exactly the 60, by id and in
    // the list; Team Pro none of them; Acme's own agent all.
    for (id, t) in ids.iter().zip(&teams) {
        let want = if t == "provider-basic" {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(status_of(&basic, *id).await, want, "case {id} of {t}");
        assert_eq!(status_of(&anna, *id).await, StatusCode::OK);
    }
    assert_eq!(
        status_of(
            &pro,
            ids[teams.iter().position(|t| t == "provider-basic").unwrap()]
        )
        .await,
        StatusCode::NOT_FOUND
    );
    let umzug_id = umzug["id"].as_i64().unwrap();
    assert_eq!(status_of(&basic, umzug_id).await, StatusCode::NOT_FOUND);
    let (status, page) = basic
        .get(&format!(
            "/api/v1/cases?project_id={acme}&topic_id={rechnung}&limit=200"
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    let items = page["items"].as_array().unwrap();
    assert!(
        items.iter().all(|c| c["handling_team"] == "provider"),
        "{page}"
    );
    let listed = items
        .iter()
        .filter(|c| c["subject"].as_str().unwrap().starts_with("Verteilprobe"))
        .count();
    assert_eq!(listed, 60);
    // Search: the own team's cases are not found by the provider's agent.
    let (_, found) = basic.get("/api/v1/search?q=Verteilprobe&limit=100").await;
    let hits = found["cases"].as_array().expect("cases");
    assert!(!hits.is_empty(), "{found}");
    for hit in hits {
        let id = hit["id"].as_i64().or(hit["case_id"].as_i64()).unwrap();
        let i = ids.iter().position(|x| *x == id);
        assert!(
            i.is_some_and(|i| teams[i] == "provider-basic"),
            "search showed {hit}"
        );
    }
    // Counts as the provider agent sees them.
    let (_, counts) = basic
        .get(&format!("/api/v1/cases/counts?project_id={acme}"))
        .await;
    assert!(!counts.to_string().is_empty());
}

#[actix_web::test]
async fn overflow_by_queue_and_outside_service_hours() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(CA_ACME);
    let acme_client = ts
        .id_of("/api/v1/clients", "name", "Acme Energie GmbH")
        .await;
    // A fresh project of Acme: its own queue starts empty.
    let (status, p) = admin
        .post(
            "/api/v1/projects",
            json!({"client_id": acme_client, "name": "Überlauf", "key": "UEBER"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let id = p["id"].as_i64().unwrap();
    save(
        &admin,
        id,
        json!({"entries": [], "open_cases": "leave", "expected_version": 0,
               "overflow": [{"kind": "queue-over", "threshold": 2, "to_team": "provider-pro"}]}),
    )
    .await;
    let mut teams = Vec::new();
    for n in 0..4 {
        teams.push(team(
            &new_case(&admin, id, None, &format!("Überlauf {n}")).await,
        ));
    }
    // Queue 0, 1, 2: own team; then 3 > 2: Team Pro (and the queue stays 3).
    assert_eq!(teams, ["client", "client", "client", "provider-pro"]);

    // Outside the own team's hours: a calendar open only on a day that is
    // not today.
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Berlin)
        .format("%u")
        .to_string()
        .parse::<i64>()
        .unwrap()
        - 1;
    let other_day = (today + 3) % 7;
    let (status, cal) = admin
        .post(
            "/api/v1/calendars",
            json!({"client_id": acme_client, "name": "Servicezeiten", "time_zone": "Europe/Berlin",
                   "hours": [{"weekday": other_day, "start": "08:00", "end": "18:00"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{cal}");
    let closed = cal["id"].as_i64().unwrap();
    let (status, open_cal) = admin
        .post(
            "/api/v1/calendars",
            json!({"client_id": acme_client, "name": "Rund um die Uhr", "time_zone": "Europe/Berlin",
                   "hours": (0..7).map(|d| json!({"weekday": d, "start": "00:00", "end": "24:00"})).collect::<Vec<_>>()}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{open_cal}");
    let always = open_cal["id"].as_i64().unwrap();
    save(
        &admin,
        id,
        json!({"entries": [], "open_cases": "leave", "expected_version": 1,
               "overflow": [{"kind": "outside-hours", "calendar_id": always, "to_team": "provider-pro"}]}),
    )
    .await;
    assert_eq!(
        team(&new_case(&admin, id, None, "Zur Servicezeit").await),
        "client"
    );
    save(
        &admin,
        id,
        json!({"entries": [], "open_cases": "leave", "expected_version": 2,
               "overflow": [{"kind": "outside-hours", "calendar_id": closed, "to_team": "provider-basic"}]}),
    )
    .await;
    assert_eq!(
        team(&new_case(&admin, id, None, "Außerhalb der Servicezeit").await),
        "provider-basic"
    );
    // The calendar in a current plan cannot be deleted.
    let (status, body) = admin.delete(&format!("/api/v1/calendars/{closed}")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "calendar-in-use");
    // Versions: who and when, newest first.
    let (_, versions) = admin
        .get(&format!("/api/v1/projects/{id}/distribution/versions"))
        .await;
    let items = versions["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["version"], 3);
    assert!(items[0]["changed_by_name"].as_str().unwrap().len() > 1);
}

/// The `case` frames (type, case id) arriving within `wait`.
async fn case_frames(
    api: &Api,
    wait: Duration,
    until: impl Fn(&[(String, i64)]) -> bool,
) -> Vec<(String, i64)> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    let response = api
        .raw(reqwest::Method::GET, "/api/v1/events", None, &[])
        .await;
    assert_eq!(response.status(), 200);
    let mut stream = Box::pin(response.bytes_stream());
    let mut buffer = String::new();
    while let Ok(Some(Ok(chunk))) = tokio::time::timeout_at(deadline, stream.next()).await {
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if let Some(data) = frame.strip_prefix("event: case\ndata: ").map(str::trim) {
                let v: Value = serde_json::from_str(data).unwrap();
                seen.push((
                    v["type"].as_str().unwrap_or("").to_string(),
                    v["case_id"].as_i64().unwrap_or(0),
                ));
                if until(&seen) {
                    return seen;
                }
            }
        }
    }
    seen
}

#[actix_web::test]
async fn a_live_move_of_open_cases_and_the_live_events_follow_the_team() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    let basic = ts.token_client(BASIC);
    let acme = project(&ts, "ACME").await;
    let vertrag = topic(&ts, acme, "Vertrag").await;
    // Everything to the own team first; three open Vertrag cases, one
    // assigned to Anna.
    save(
        &admin,
        acme,
        json!({"entries": [{"topic_id": null, "channel": null, "team": "client", "share_percent": 100}],
               "overflow": [], "open_cases": "leave", "expected_version": 0}),
    )
    .await;
    let a = new_case(&anna, acme, Some(vertrag), "Umzugsvertrag A").await;
    let b = new_case(&anna, acme, Some(vertrag), "Umzugsvertrag B").await;
    let c = new_case(&anna, acme, Some(vertrag), "Umzugsvertrag C").await;
    let (a, b, c) = (
        a["id"].as_i64().unwrap(),
        b["id"].as_i64().unwrap(),
        c["id"].as_i64().unwrap(),
    );
    let anna_id = ts.id_of("/api/v1/users", "email", ANNA).await;
    let (status, _) = anna
        .patch(
            &format!("/api/v1/cases/{c}"),
            json!({"assignee_id": anna_id, "force": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for id in [a, b, c] {
        assert_eq!(status_of(&basic, id).await, StatusCode::NOT_FOUND);
    }

    // The provider agent's workspace is open while the admin moves the
    // unassigned Vertrag cases to Team Basic.
    let listener = {
        let basic = ts.token_client(BASIC);
        tokio::spawn(async move {
            case_frames(&basic, Duration::from_secs(20), |seen| {
                seen.iter().any(|s| s.0 == "created")
            })
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let saved = save(
        &admin,
        acme,
        json!({"entries": [
                  {"topic_id": null, "channel": null, "team": "client", "share_percent": 100},
                  {"topic_id": vertrag, "channel": null, "team": "provider-basic", "share_percent": 100}],
               "overflow": [], "open_cases": "move-unassigned", "expected_version": 1}),
    )
    .await;
    assert_eq!(saved["moving"], true, "{saved}");
    assert!(settled_move(&admin, acme, 2).await >= 2);
    for id in [a, b] {
        assert_eq!(status_of(&basic, id).await, StatusCode::OK);
    }
    // The assigned one stays with the own team.
    assert_eq!(status_of(&basic, c).await, StatusCode::NOT_FOUND);
    // A new own-team case: its event does not reach the provider agent; a
    // new Vertrag case does.
    let own = new_case(&anna, acme, None, "Zählerstand").await;
    let own = own["id"].as_i64().unwrap();
    let next = new_case(&anna, acme, Some(vertrag), "Vertragswechsel").await;
    assert_eq!(team(&next), "provider-basic");
    let next = next["id"].as_i64().unwrap();
    let seen = listener.await.unwrap();
    assert!(seen.contains(&("updated".into(), a)), "{seen:?}");
    assert!(seen.contains(&("updated".into(), b)), "{seen:?}");
    assert!(seen.contains(&("created".into(), next)), "{seen:?}");
    assert!(!seen.iter().any(|s| s.1 == own || s.1 == c), "{seen:?}");

    // Move all: the assigned case goes too, without its assignee.
    save(
        &admin,
        acme,
        json!({"entries": [
                  {"topic_id": null, "channel": null, "team": "client", "share_percent": 100},
                  {"topic_id": vertrag, "channel": null, "team": "provider-basic", "share_percent": 100}],
               "overflow": [], "open_cases": "move-all", "expected_version": 2}),
    )
    .await;
    settled_move(&admin, acme, 3).await;
    let (status, moved) = basic.get(&format!("/api/v1/cases/{c}")).await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert!(moved["case"]["assignee_id"].is_null(), "{moved}");
    assert_eq!(moved["case"]["handling_tariff"], "basic");
    let history = moved["history"].as_array().unwrap();
    assert!(
        history
            .iter()
            .any(|h| h["field"] == "handling_team" && h["new_value"] == "provider-basic"),
        "{moved}"
    );

    // Audited, with the choice.
    let (_, audit) = admin.get("/api/v1/audit?object_type=project").await;
    let text = audit.to_string();
    assert!(text.contains("distribution.change"), "{audit}");
    assert!(text.contains("move-all"), "{audit}");
}

#[actix_web::test]
async fn who_may_read_and_change_a_plan_and_what_is_refused() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(CA_ACME);
    let nord_admin = ts.token_client(CA_NORD);
    let lead = ts.token_client(LEAD);
    let anna = ts.token_client(ANNA);
    let acme = project(&ts, "ACME").await;
    let nord = project(&ts, "NORD").await;
    let path = format!("/api/v1/projects/{acme}/distribution");
    let body = json!({"entries": [{"topic_id": null, "channel": "email", "team": "provider-pro", "share_percent": 100}],
                      "overflow": [], "open_cases": "leave", "expected_version": 0});
    // Another client's admin: as if the project did not exist.
    assert_eq!(nord_admin.get(&path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        nord_admin.put(&path, body.clone()).await.0,
        StatusCode::NOT_FOUND
    );
    // The lead reads, does not change; an agent neither.
    assert_eq!(lead.get(&path).await.0, StatusCode::OK);
    assert_eq!(lead.put(&path, body.clone()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(anna.get(&path).await.0, StatusCode::FORBIDDEN);
    // Shares must sum to 100; a team once per group; overflow complete;
    // a topic of another project; a calendar of another client.
    let bad = [
        json!([{"topic_id": null, "channel": "email", "team": "client", "share_percent": 50}]),
        json!([{"topic_id": null, "channel": null, "team": "client", "share_percent": 50},
               {"topic_id": null, "channel": null, "team": "client", "share_percent": 50}]),
        json!([{"topic_id": topic(&ts, nord, "Rechnung").await, "channel": null, "team": "client", "share_percent": 100}]),
    ];
    for entries in bad {
        let (status, problem) = admin
            .put(
                &path,
                json!({"entries": entries, "open_cases": "leave", "expected_version": 0}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{entries} {problem}"
        );
    }
    for overflow in [
        json!([{"kind": "queue-over", "to_team": "provider-basic"}]),
        json!([{"kind": "queue-over", "threshold": 5, "to_team": "client"}]),
        json!([{"kind": "outside-hours", "to_team": "provider-basic"}]),
    ] {
        let (status, problem) = admin
            .put(
                &path,
                json!({"overflow": overflow, "open_cases": "leave", "expected_version": 0}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{overflow} {problem}"
        );
    }
    let nord_client = ts
        .id_of("/api/v1/clients", "name", "Nordlicht Versand AG")
        .await;
    let (status, cal) = nord_admin
        .post(
            "/api/v1/calendars",
            json!({"client_id": nord_client, "name": "Nord", "hours": [{"weekday": 0, "start": "08:00", "end": "17:00"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{cal}");
    let (status, problem) = admin
        .put(
            &path,
            json!({"overflow": [{"kind": "outside-hours", "calendar_id": cal["id"], "to_team": "provider-basic"}],
                   "open_cases": "leave", "expected_version": 0}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    // Saved once; a save on the old version is a conflict.
    assert_eq!(admin.put(&path, body.clone()).await.0, StatusCode::OK);
    let (status, problem) = admin.put(&path, body).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(problem["code"], "version-conflict");
    let (_, plan) = lead.get(&path).await;
    assert_eq!(plan["version"], 1);
    assert_eq!(plan["entries"][0]["team"], "provider-pro");
}

/// The case form's team picker through the API: the tariff is set with the
/// provider as handling team, recorded in the history; a provider agent
/// limited to Team Basic's share may give a case back to the own team but
/// not to Team Pro (or to "any" provider team); the client's own agent may.
#[actix_web::test]
async fn the_handling_tariff_in_the_case_update_and_who_may_change_it() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    let basic = ts.token_client(BASIC);
    let pro = ts.token_client(PRO);
    let acme = project(&ts, "ACME").await;
    save(
        &admin,
        acme,
        json!({"entries": [{"topic_id": null, "channel": null, "team": "provider-basic", "share_percent": 100}],
               "overflow": [], "open_cases": "leave", "expected_version": 0}),
    )
    .await;
    let case = new_case(&anna, acme, None, "Zählerwechsel").await;
    assert_eq!(team(&case), "provider-basic");
    let id = case["id"].as_i64().unwrap();
    let path = format!("/api/v1/cases/{id}");
    assert_eq!(status_of(&pro, id).await, StatusCode::NOT_FOUND);

    // The Basic agent may not hand it to Team Pro, nor to any provider team.
    for tariff in [json!("pro"), Value::Null] {
        let (status, problem) = basic
            .patch(&path, json!({"handling_tariff": tariff, "force": true}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
        assert_eq!(problem["code"], "tariff-not-allowed", "{problem}");
    }
    // A tariff without the provider: refused.
    let (status, problem) = anna
        .patch(
            &path,
            json!({"handling_team": "client", "handling_tariff": "pro", "force": true}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["field"], "handling_tariff", "{problem}");

    // The client's own agent gives it to Team Pro.
    let (status, changed) = anna
        .patch(&path, json!({"handling_tariff": "pro", "force": true}))
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(team(&changed), "provider-pro");
    assert_eq!(status_of(&basic, id).await, StatusCode::NOT_FOUND);
    let (status, seen) = pro.get(&path).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert!(
        seen["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["field"] == "handling_tariff"
                && h["old_value"] == "basic"
                && h["new_value"] == "pro"),
        "{seen}"
    );
    // The Pro agent gives it back to the own team: allowed, the tariff goes.
    let (status, back) = pro
        .patch(&path, json!({"handling_team": "client", "force": true}))
        .await;
    assert_eq!(status, StatusCode::OK, "{back}");
    assert_eq!(team(&back), "client");
    assert!(back["handling_tariff"].is_null(), "{back}");
    assert_eq!(status_of(&pro, id).await, StatusCode::NOT_FOUND);
    // Anna: provider with Team Basic in one change.
    let (status, again) = anna
        .patch(
            &path,
            json!({"handling_team": "provider", "handling_tariff": "basic", "force": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(team(&again), "provider-basic");
    assert_eq!(status_of(&basic, id).await, StatusCode::OK);
}

/// Removing a plan: only the client's admin (the lead 403, another client
/// 404), with a version check; afterwards new cases go to the own team,
/// the provider agents see every provider case of the project again, and
/// the removal is audited.
#[actix_web::test]
async fn removing_a_plan_lifts_the_provider_agents_limitation() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(CA_ACME);
    let nord_admin = ts.token_client(CA_NORD);
    let lead = ts.token_client(LEAD);
    let anna = ts.token_client(ANNA);
    let basic = ts.token_client(BASIC);
    let acme = project(&ts, "ACME").await;
    let path = format!("/api/v1/projects/{acme}/distribution");
    assert_eq!(admin.delete(&path).await.0, StatusCode::NOT_FOUND);
    save(
        &admin,
        acme,
        json!({"entries": [{"topic_id": null, "channel": null, "team": "provider-pro", "share_percent": 100}],
               "overflow": [], "open_cases": "leave", "expected_version": 0}),
    )
    .await;
    let case = new_case(&anna, acme, None, "Abschlagsänderung").await;
    assert_eq!(team(&case), "provider-pro");
    let id = case["id"].as_i64().unwrap();
    assert_eq!(status_of(&basic, id).await, StatusCode::NOT_FOUND);

    assert_eq!(nord_admin.delete(&path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(lead.delete(&path).await.0, StatusCode::FORBIDDEN);
    assert_eq!(basic.delete(&path).await.0, StatusCode::FORBIDDEN);
    let (status, problem) = admin.delete(&format!("{path}?expected_version=7")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "version-conflict");
    let (status, body) = admin.delete(&format!("{path}?expected_version=1")).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    // No limitation any more: the Basic agent sees the Pro case.
    assert_eq!(status_of(&basic, id).await, StatusCode::OK);
    let (_, plan) = admin.get(&path).await;
    assert_eq!(plan["version"], 0, "{plan}");
    assert_eq!(plan["entries"], json!([]), "{plan}");
    let fresh = new_case(&anna, acme, None, "Neuer Abschlag").await;
    assert_eq!(team(&fresh), "client");
    let (status, problem) = admin.delete(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    assert_eq!(problem["code"], "plan-not-found");
    let (_, audit) = admin.get("/api/v1/audit?object_type=project").await;
    assert!(audit.to_string().contains("distribution.remove"), "{audit}");
}

/// Cases per (handling team, tariff).
type TeamCount = (String, Option<String>, i64);

/// The move of open cases in batches: 450 open cases (more than two
/// batches) of a fresh project, moved at 50/50 between the own team and
/// Team Basic: exactly half move, each with its history row, the count is
/// right, and nothing is left pending.
#[actix_web::test]
async fn a_batched_move_moves_exactly_the_share() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(CA_ACME);
    let acme = project(&ts, "ACME").await;
    let (_, acme) = admin.get(&format!("/api/v1/projects/{acme}")).await;
    let (status, project) = admin
        .post(
            "/api/v1/projects",
            json!({"client_id": acme["client_id"], "name": "Verteilung im Stapel", "key": "STAPEL"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{project}");
    let project_id = project["id"].as_i64().unwrap();
    const N: i64 = 450;
    ts.server
        .state
        .db
        .write(move |tx| {
            let mut stmt = tx.prepare(
                "INSERT INTO cases (project_id, number, subject, channel, status, priority,
                     handling_team, created_at, updated_at)
                 VALUES (?1, ?2, 'Stapel', 'email', 'new', 'normal', 'client', ?3, ?3)",
            )?;
            let at = zezaro::db::now();
            for n in 1..=N {
                stmt.execute(rusqlite::params![project_id, n, at])?;
            }
            // One solved case: not open, never moved.
            tx.execute(
                "INSERT INTO cases (project_id, number, subject, channel, status, priority,
                     handling_team, created_at, updated_at)
                 VALUES (?1, ?2, 'Erledigt', 'email', 'solved', 'normal', 'client', ?3, ?3)",
                rusqlite::params![project_id, N + 1, at],
            )?;
            Ok::<_, zezaro::db::StoreError>(())
        })
        .await
        .unwrap();
    let saved = save(
        &admin,
        project_id,
        json!({"entries": [
                  {"topic_id": null, "channel": null, "team": "client", "share_percent": 50},
                  {"topic_id": null, "channel": null, "team": "provider-basic", "share_percent": 50}],
               "overflow": [], "open_cases": "move-all", "expected_version": 0}),
    )
    .await;
    assert_eq!(saved["moving"], true, "{saved}");
    assert_eq!(settled_move(&admin, project_id, 1).await, N / 2);
    let (teams, history, pending): (Vec<TeamCount>, i64, i64) = ts
        .server
        .state
        .db
        .read(move |conn| {
            let teams = conn
                .prepare(
                    "SELECT handling_team, handling_tariff, COUNT(*) FROM cases
                     WHERE project_id = ?1 GROUP BY 1, 2 ORDER BY 1, 2",
                )?
                .query_map([project_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let history = conn.query_row(
                "SELECT COUNT(*) FROM case_history h JOIN cases c ON c.id = h.case_id
                 WHERE c.project_id = ?1 AND h.field = 'handling_team'",
                [project_id],
                |r| r.get(0),
            )?;
            let pending = conn.query_row(
                "SELECT COUNT(*) FROM distribution_plans WHERE move_after IS NOT NULL",
                [],
                |r| r.get(0),
            )?;
            Ok::<_, zezaro::db::StoreError>((teams, history, pending))
        })
        .await
        .unwrap();
    assert_eq!(
        teams,
        vec![
            ("client".to_string(), None, N / 2 + 1),
            ("provider".to_string(), Some("basic".to_string()), N / 2),
        ]
    );
    assert_eq!(history, N / 2);
    assert_eq!(pending, 0);
}

/// A plan version saved with "move all" whose move had not run when the
/// server stopped (the mark is in the store): the next start moves the
/// cases.
#[actix_web::test]
async fn a_pending_move_is_resumed_at_the_start() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    let acme = project(&ts, "ACME").await;
    let vertrag = topic(&ts, acme, "Vertrag").await;
    save(
        &admin,
        acme,
        json!({"entries": [{"topic_id": null, "channel": null, "team": "client", "share_percent": 100}],
               "overflow": [], "open_cases": "leave", "expected_version": 0}),
    )
    .await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let case = new_case(&anna, acme, Some(vertrag), &format!("Vertrag {n}")).await;
        assert_eq!(team(&case), "client");
        ids.push(case["id"].as_i64().unwrap());
    }
    let common::TestServer { server, dir, .. } = ts;
    server.stop().await;

    // What the plan's PUT commits, without the move after it.
    {
        let (db, _) = zezaro::db::Db::open(dir.path()).expect("store");
        let entries = [zezaro::distribution::model::Entry {
            topic_id: Some(vertrag),
            channel: None,
            team: zezaro::distribution::model::Team::ProviderPro,
            share_percent: 100,
        }];
        db.write_blocking(|tx| {
            zezaro::distribution::store::insert(
                tx,
                &zezaro::distribution::store::NewPlan {
                    project_id: zezaro::ids::ProjectId::from(acme),
                    version: 2,
                    open_cases: zezaro::distribution::model::OpenCases::MoveAll,
                    changed_by_id: None,
                    changed_by_name: "Test",
                    changed_at: &zezaro::db::now(),
                    entries: &entries,
                    overflow: &[],
                },
            )
        })
        .expect("plan version");
    }

    let ts = common::start_again(dir).await;
    let admin = ts.token_client(CA_ACME);
    let pro = ts.token_client(PRO);
    assert!(settled_move(&admin, acme, 2).await >= 3);
    for id in ids {
        let (status, case) = pro.get(&format!("/api/v1/cases/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{case}");
        assert_eq!(team(&case["case"]), "provider-pro");
    }
}
