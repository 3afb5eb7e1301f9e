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
    assert!(saved["moved"].as_i64().unwrap() >= 2, "{saved}");
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
