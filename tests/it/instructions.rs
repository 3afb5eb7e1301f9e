//! Work instructions (issue 14) through the API of a real server with the
//! demo data: publishing reaches the targeted agents' open workspaces as a
//! live event, banners, acknowledgments, targeting by project, team and
//! validity, and isolation between clients.

use std::time::Duration;

use crate::common::{self, Api, TestServer};
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};

const CA_ACME: &str = "kadmin@acme-energie.example";
const CA_NORD: &str = "kadmin@nordlicht.example";
const LEAD: &str = "lead@zezaro.example";
const ANNA: &str = "anna.schmidt@acme-energie.example";
const JONAS: &str = "jonas.weber@nordlicht.example";
const BASIC: &str = "basic.agent@zezaro.example";
const PRO: &str = "pro.agent@zezaro.example";
const TOM: &str = "tom.berger@zezaro.example";

async fn acme(ts: &TestServer) -> i64 {
    ts.id_of("/api/v1/clients", "name", "Acme Energie GmbH")
        .await
}

async fn project(ts: &TestServer, key: &str) -> i64 {
    ts.id_of("/api/v1/projects", "key", key).await
}

async fn draft(api: &Api, body: Value) -> Value {
    let (status, found) = api.post("/api/v1/instructions", body).await;
    assert_eq!(status, StatusCode::CREATED, "{found}");
    found
}

async fn publish(api: &Api, id: i64) -> Value {
    let (status, found) = api
        .post(&format!("/api/v1/instructions/{id}/publish"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    found
}

async fn mine(api: &Api) -> Vec<Value> {
    let (status, body) = api.get("/api/v1/instructions/mine").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"].as_array().unwrap().clone()
}

fn find(items: &[Value], id: i64) -> Option<&Value> {
    items.iter().find(|i| i["id"] == id)
}

type Events =
    std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>;

async fn subscribe(ts: &TestServer, email: &str) -> Events {
    let response = ts
        .token_client(email)
        .raw(reqwest::Method::GET, "/api/v1/events", None, &[])
        .await;
    assert_eq!(response.status(), 200);
    Box::pin(response.bytes_stream())
}

/// The `knowledge` frames that arrive within `wait`.
async fn knowledge_frames(mut stream: Events, wait: Duration) -> Vec<Value> {
    let mut frames = Vec::new();
    let mut buffer = String::new();
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(Some(Ok(chunk))) = tokio::time::timeout_at(deadline, stream.next()).await {
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if let Some(data) = frame
                .strip_prefix("event: knowledge\ndata: ")
                .map(str::trim)
            {
                frames.push(serde_json::from_str(data).unwrap());
            }
        }
    }
    frames
}

#[actix_web::test]
async fn a_published_instruction_reaches_its_agents_live_and_editors_see_who_acknowledged() {
    let ts = common::demo_server().await;
    let client_id = acme(&ts).await;
    let strom = project(&ts, "ACME").await;
    let editor = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);

    let found = draft(
        &editor,
        json!({"client_id": client_id, "title": "Neue Abschlagsregel", "urgency": "acknowledge",
               "body": "Ab sofort **immer** die Zählernummer prüfen.<script>alert(1)</script>",
               "project_ids": [strom]}),
    )
    .await;
    let id = found["id"].as_i64().unwrap();
    assert_eq!(found["state"], "draft");
    assert!(
        found["body_html"]
            .as_str()
            .unwrap()
            .contains("<strong>immer</strong>")
    );
    assert!(!found["body_html"].as_str().unwrap().contains("<script"));
    assert!(
        find(&mine(&anna).await, id).is_none(),
        "a draft reaches nobody"
    );

    let anna_events = subscribe(&ts, ANNA).await;
    let jonas_events = subscribe(&ts, JONAS).await;
    let anna_frames = tokio::spawn(knowledge_frames(anna_events, Duration::from_secs(2)));
    let jonas_frames = tokio::spawn(knowledge_frames(jonas_events, Duration::from_secs(2)));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let published = publish(&editor, id).await;
    assert_eq!(published["state"], "published");
    let anna_frames = anna_frames.await.unwrap();
    assert_eq!(
        anna_frames,
        vec![json!({"type": "instruction", "id": id, "action": "published"})]
    );
    assert!(
        jonas_frames.await.unwrap().is_empty(),
        "Nordlicht heard of Acme's instruction"
    );

    let item = find(&mine(&anna).await, id).cloned().expect("Anna sees it");
    assert_eq!(item["banner"], true);
    assert_eq!(item["urgency"], "acknowledge");
    assert!(find(&mine(&ts.token_client(JONAS)).await, id).is_none());

    // Who it applies to: the ACME project's agents.
    let (_, acks) = editor
        .get(&format!("/api/v1/instructions/{id}/acknowledgments"))
        .await;
    let pending: Vec<&str> = acks["pending"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["email"].as_str().unwrap())
        .collect();
    assert_eq!(pending.len(), 3, "{acks}");
    for who in [ANNA, BASIC, PRO] {
        assert!(pending.contains(&who), "{who} missing in {acks}");
    }

    let (status, acked) = anna
        .post(&format!("/api/v1/instructions/{id}/acknowledge"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{acked}");
    assert!(acked["acknowledged_at"].is_string());
    // Again: harmless, the first moment stays.
    let (_, again) = anna
        .post(&format!("/api/v1/instructions/{id}/acknowledge"), json!({}))
        .await;
    assert_eq!(again["acknowledged_at"], acked["acknowledged_at"]);
    assert_eq!(find(&mine(&anna).await, id).unwrap()["banner"], false);

    let (_, acks) = editor
        .get(&format!("/api/v1/instructions/{id}/acknowledgments"))
        .await;
    assert_eq!(acks["acknowledged"][0]["email"], ANNA);
    assert_eq!(acks["pending"].as_array().unwrap().len(), 2);
    let (_, listed) = editor
        .get(&format!("/api/v1/instructions?client_id={client_id}"))
        .await;
    let row = find(listed["items"].as_array().unwrap(), id)
        .unwrap()
        .clone();
    assert_eq!(
        (
            row["agent_count"].clone(),
            row["acknowledged_count"].clone()
        ),
        (json!(3), json!(1))
    );

    // Withdrawn: gone from the workspace, announced.
    let events = subscribe(&ts, BASIC).await;
    let frames = tokio::spawn(knowledge_frames(events, Duration::from_secs(2)));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (status, withdrawn) = editor
        .post(&format!("/api/v1/instructions/{id}/withdraw"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{withdrawn}");
    assert_eq!(
        frames.await.unwrap(),
        vec![json!({"type": "instruction", "id": id, "action": "withdrawn"})]
    );
    assert!(find(&mine(&ts.token_client(BASIC)).await, id).is_none());
    let (status, problem) = anna
        .post(&format!("/api/v1/instructions/{id}/acknowledge"), json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");

    let (_, audit) = editor
        .get(&format!(
            "/api/v1/audit?object_type=instruction&object_id={id}"
        ))
        .await;
    let mut actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    actions.sort_unstable();
    assert_eq!(
        actions,
        [
            "instruction.acknowledge",
            "instruction.publish",
            "instruction.withdraw"
        ]
    );
    ts.server.stop().await;
}

#[actix_web::test]
async fn info_is_dismissed_for_good_and_a_put_off_one_returns_at_the_next_sign_in() {
    let ts = common::demo_server().await;
    let client_id = acme(&ts).await;
    let editor = ts.token_client(CA_ACME);
    let info = draft(
        &editor,
        json!({"client_id": client_id, "title": "Kantine geschlossen", "urgency": "info", "body": "Heute keine Kantine."}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let must = draft(
        &editor,
        json!({"client_id": client_id, "title": "Datenschutz", "urgency": "acknowledge", "body": "Bitte lesen.", "remind_hours": 2}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    publish(&editor, info).await;
    publish(&editor, must).await;

    let first = ts.session_client(ANNA).await;
    for id in [info, must] {
        let (status, body) = first
            .post(&format!("/api/v1/instructions/{id}/dismiss"), json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let now = mine(&first).await;
    assert_eq!(find(&now, info).unwrap()["banner"], false);
    assert_eq!(
        find(&now, must).unwrap()["banner"],
        false,
        "put off in this session"
    );

    let second = ts.session_client(ANNA).await;
    let later = mine(&second).await;
    assert_eq!(
        find(&later, info).unwrap()["banner"],
        false,
        "info stays dismissed"
    );
    assert_eq!(
        find(&later, must).unwrap()["banner"],
        true,
        "back at the next sign-in"
    );
    ts.server.stop().await;
}

#[actix_web::test]
async fn teams_projects_and_validity_decide_whom_it_applies_to() {
    let ts = common::demo_server().await;
    let client_id = acme(&ts).await;
    let gas = project(&ts, "ACMEGAS").await;
    let pro_team = ts
        .id_of("/api/v1/teams", "name", "zezaro Services – Team Pro")
        .await;
    let editor = ts.token_client(CA_ACME);

    // Team Pro only: Pro sees it, Anna (Acme's own team) and Basic do not.
    let team_only = draft(
        &editor,
        json!({"client_id": client_id, "title": "Nur Pro", "urgency": "info", "body": "x", "team_ids": [pro_team]}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    // ACMEGAS only: Anna and Pro, not Basic.
    let gas_only = draft(
        &editor,
        json!({"client_id": client_id, "title": "Gas", "urgency": "info", "body": "x", "project_ids": [gas]}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    // Valid from tomorrow: nobody yet.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let future = draft(
        &editor,
        json!({"client_id": client_id, "title": "Morgen", "urgency": "info", "body": "x", "valid_from": tomorrow}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    for id in [team_only, gas_only, future] {
        publish(&editor, id).await;
    }
    let sees = |items: &[Value]| [team_only, gas_only, future].map(|id| find(items, id).is_some());
    assert_eq!(
        sees(&mine(&ts.token_client(PRO)).await),
        [true, true, false]
    );
    assert_eq!(
        sees(&mine(&ts.token_client(ANNA)).await),
        [false, true, false]
    );
    assert_eq!(
        sees(&mine(&ts.token_client(BASIC)).await),
        [false, false, false]
    );
    assert_eq!(
        sees(&mine(&ts.token_client(TOM)).await),
        [false, false, false]
    );

    // Bad input, with the field named.
    for (body, field) in [
        (
            json!({"client_id": client_id, "title": "", "urgency": "info", "body": "x"}),
            "title",
        ),
        (
            json!({"client_id": client_id, "title": "t", "urgency": "info", "body": "x", "valid_from": "morgen"}),
            "valid_from",
        ),
        (
            json!({"client_id": client_id, "title": "t", "urgency": "info", "body": "x",
                "valid_from": "2026-12-02T00:00:00Z", "valid_to": "2026-12-01T00:00:00Z"}),
            "valid_to",
        ),
        (
            json!({"client_id": client_id, "title": "t", "urgency": "info", "body": "x", "remind_hours": 0}),
            "remind_hours",
        ),
    ] {
        let (status, problem) = editor.post("/api/v1/instructions", body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(problem["field"], field, "{problem}");
    }
    ts.server.stop().await;
}

#[actix_web::test]
async fn nothing_of_an_instruction_reaches_another_client_and_agents_only_read() {
    let ts = common::demo_server().await;
    let client_id = acme(&ts).await;
    let strom = project(&ts, "ACME").await;
    let qa_like = project(&ts, "ACMEGAS").await;
    let nord_project = project(&ts, "NORD").await;
    let nord_team = ts
        .id_of("/api/v1/teams", "client_name", "Nordlicht Versand AG")
        .await;
    let editor = ts.token_client(CA_ACME);
    let id = draft(
        &editor,
        json!({"client_id": client_id, "title": "Geheim", "urgency": "acknowledge", "body": "Nur Acme."}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    publish(&editor, id).await;

    // Nordlicht's admin and agent: 404 everywhere, nothing listed.
    for email in [CA_NORD, JONAS] {
        let api = ts.token_client(email);
        for (method, path) in [
            ("GET", format!("/api/v1/instructions/{id}")),
            ("PUT", format!("/api/v1/instructions/{id}")),
            ("DELETE", format!("/api/v1/instructions/{id}")),
            ("POST", format!("/api/v1/instructions/{id}/publish")),
            ("POST", format!("/api/v1/instructions/{id}/withdraw")),
            ("GET", format!("/api/v1/instructions/{id}/acknowledgments")),
            ("POST", format!("/api/v1/instructions/{id}/acknowledge")),
            ("POST", format!("/api/v1/instructions/{id}/dismiss")),
            ("GET", format!("/api/v1/instructions?client_id={client_id}")),
        ] {
            let body =
                (method == "PUT").then(|| json!({"title": "x", "urgency": "info", "body": "x"}));
            let (status, problem) = api.call(method.parse().unwrap(), &path, body).await;
            assert_eq!(
                status,
                StatusCode::NOT_FOUND,
                "{email} {method} {path}: {problem}"
            );
            assert!(!problem.to_string().contains("Geheim"));
        }
        assert!(find(&mine(&api).await, id).is_none());
        let (status, _) = api
            .post(
                "/api/v1/instructions",
                json!({"client_id": client_id, "title": "x", "urgency": "info", "body": "x"}),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{email} wrote for Acme");
    }
    // Acme's editor cannot name Nordlicht's projects or teams.
    for (body, field) in [
        (
            json!({"client_id": client_id, "title": "x", "urgency": "info", "body": "x", "project_ids": [nord_project]}),
            "project_ids",
        ),
        (
            json!({"client_id": client_id, "title": "x", "urgency": "info", "body": "x", "team_ids": [nord_team]}),
            "team_ids",
        ),
    ] {
        let (status, problem) = editor.post("/api/v1/instructions", body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(problem["field"], field);
    }

    // An agent of the client reads what applies to them, writes nothing.
    let anna = ts.token_client(ANNA);
    for (method, path) in [
        ("GET", format!("/api/v1/instructions/{id}")),
        ("POST", format!("/api/v1/instructions/{id}/withdraw")),
        ("GET", format!("/api/v1/instructions/{id}/acknowledgments")),
        ("GET", format!("/api/v1/instructions?client_id={client_id}")),
    ] {
        let (status, _) = anna.call(method.parse().unwrap(), &path, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}");
    }

    // The lead writes only for projects they lead, never for all of Acme.
    let lead = ts.token_client(LEAD);
    let (status, _) = lead
        .post(
            "/api/v1/instructions",
            json!({"client_id": client_id, "title": "x", "urgency": "info", "body": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = lead
        .post("/api/v1/instructions", json!({"client_id": client_id, "title": "x", "urgency": "info", "body": "x", "project_ids": [strom, qa_like]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // …and may not withdraw the client admin's instruction for all projects.
    let (status, _) = lead
        .post(&format!("/api/v1/instructions/{id}/withdraw"), json!({}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    ts.server.stop().await;
}
