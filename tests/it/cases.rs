//! Cases through the API: creation, the thread, history, versions, views
//! and counts, bulk changes, time, live events — and that no foreign case is
//! reachable by id, list or event.

use crate::common;

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};

const ANNA: &str = "anna.schmidt@acme-energie.example"; // Acme's own agent: ACME, ACMEGAS
const BASIC: &str = "basic.agent@zezaro.example"; // provider, Team Basic: ACME, NORD
const JONAS: &str = "jonas.weber@nordlicht.example"; // Nordlicht's own agent: NORD

async fn project(ts: &common::TestServer, key: &str) -> i64 {
    ts.id_of("/api/v1/projects", "key", key).await
}

#[actix_web::test]
async fn a_case_from_creation_to_solved() {
    let ts = common::demo_server().await;
    let anna = ts.token_client(ANNA);
    let acme = project(&ts, "ACME").await;
    let (_, topics) = anna.get(&format!("/api/v1/projects/{acme}/topics")).await;
    let topic = topics["items"][0]["id"].as_i64().unwrap();

    let (status, case) = anna
        .post(
            "/api/v1/cases",
            json!({"project_id": acme, "subject": "Zähler defekt", "channel": "email", "topic_id": topic,
                   "tags": ["Zähler", "zähler", "dringend"], "message": {"kind": "inbound", "body_text": "Mein Zähler zeigt nichts mehr an."}}),
        )
        .await;
    assert_eq!(status, 201, "{case}");
    assert_eq!(case["status"], "new");
    assert!(case["ref"].as_str().unwrap().starts_with("ACME-"));
    assert_eq!(
        case["tags"],
        json!(["dringend", "zähler"]),
        "normalised, deduplicated, sorted"
    );
    assert_eq!(case["message_count"], 1);
    // Written with its first message as its last, at its creation.
    assert_eq!(case["last_message_at"], case["created_at"], "{case}");
    let id = case["id"].as_i64().unwrap();
    let version = case["version"].as_i64().unwrap();

    // Numbers count up per project.
    let (_, second) = anna
        .post(
            "/api/v1/cases",
            json!({"project_id": acme, "subject": "Zweiter Fall", "channel": "call"}),
        )
        .await;
    assert_eq!(
        second["number"].as_i64().unwrap(),
        case["number"].as_i64().unwrap() + 1
    );
    assert_eq!(second["message_count"], 0);
    assert!(second["last_message_at"].is_null(), "{second}");

    // Assign to me: status moves to open; the history says so.
    let me = anna.get("/api/v1/me").await.1["user"]["id"]
        .as_i64()
        .unwrap();
    let (status, updated) = anna
        .patch(
            &format!("/api/v1/cases/{id}"),
            json!({"assignee_id": me, "priority": "high", "expected_version": version}),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["status"], "open");
    assert_eq!(updated["assignee_name"], "Anna Schmidt");
    assert!(updated["version"].as_i64().unwrap() > version);

    // A change made on the old version is refused unless forced.
    let (status, problem) = anna
        .patch(
            &format!("/api/v1/cases/{id}"),
            json!({"priority": "low", "expected_version": version}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), problem["code"].as_str()),
        (409, Some("case-changed"))
    );
    let (status, problem) = anna
        .post(
            &format!("/api/v1/cases/{id}/messages"),
            json!({"kind": "outbound", "body_text": "x", "expected_version": version}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), problem["code"].as_str()),
        (409, Some("case-changed"))
    );

    // Reply and set pending; first response time is kept.
    let (status, created) = anna
        .post(
            &format!("/api/v1/cases/{id}/messages"),
            json!({"kind": "outbound", "body_text": "Wir schicken einen Techniker.", "set_status": "pending-customer",
                   "expected_version": version, "force": true}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["case"]["status"], "pending-customer");
    assert!(created["case"]["first_response_at"].is_string());
    assert_eq!(created["message"]["author_name"], "Anna Schmidt");

    // The customer writes again: reopened.
    let (_, created) = anna
        .post(
            &format!("/api/v1/cases/{id}/messages"),
            json!({"kind": "inbound", "body_text": "Danke, wann kommt er?"}),
        )
        .await;
    assert_eq!(created["case"]["status"], "open");
    anna.post(
        &format!("/api/v1/cases/{id}/messages"),
        json!({"kind": "note", "body_text": "Termin Di 10 Uhr"}),
    )
    .await;
    let (_, solved) = anna
        .patch(
            &format!("/api/v1/cases/{id}"),
            json!({"status": "solved", "due_at": null}),
        )
        .await;
    assert!(solved["solved_at"].is_string());

    // Time, exactly, per kind.
    for (kind, seconds) in [("handling", 300), ("after-work", 45), ("handling", 60)] {
        let (status, _) = anna
            .post(
                &format!("/api/v1/cases/{id}/time"),
                json!({"kind": kind, "seconds": seconds}),
            )
            .await;
        assert_eq!(status, 201);
    }
    let (status, problem) = anna
        .post(
            &format!("/api/v1/cases/{id}/time"),
            json!({"kind": "handling", "seconds": -1}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), problem["field"].as_str()),
        (422, Some("seconds"))
    );

    // The case screen: thread, history, time, in one answer.
    let (status, detail) = anna.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(status, 200);
    let kinds: Vec<&str> = detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["inbound", "outbound", "inbound", "note"]);
    assert_eq!(detail["time"]["total_seconds"], 405);
    assert_eq!(detail["time"]["by_kind"]["after-work"], 45);
    let fields: Vec<(String, Value)> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["field"].as_str().unwrap().to_string(),
                h["new_value"].clone(),
            )
        })
        .collect();
    for expected in ["created", "assignee_id", "priority", "status"] {
        assert!(
            fields.iter().any(|(f, _)| f == expected),
            "{expected} missing in {fields:?}"
        );
    }
    let statuses: Vec<&Value> = fields
        .iter()
        .filter(|(f, _)| f == "status")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(
        statuses,
        [
            &json!("open"),
            &json!("pending-customer"),
            &json!("open"),
            &json!("solved")
        ]
    );
    assert_eq!(detail["history"][1]["user_name"], "Anna Schmidt");

    // Bad input: named fields.
    for (body, field) in [
        (
            json!({"project_id": acme, "subject": " ", "channel": "email"}),
            "subject",
        ),
        (
            json!({"project_id": acme, "subject": "x", "channel": "email", "topic_id": 999999}),
            "topic_id",
        ),
        (
            json!({"project_id": acme, "subject": "x", "channel": "email", "due_at": "tomorrow"}),
            "due_at",
        ),
        (
            json!({"project_id": acme, "subject": "x", "channel": "email", "custom": [1]}),
            "custom",
        ),
    ] {
        let (status, problem) = anna.post("/api/v1/cases", body).await;
        assert_eq!(
            (status.as_u16(), problem["field"].as_str()),
            (422, Some(field)),
            "{problem}"
        );
    }
    let (status, problem) = anna
        .post(
            "/api/v1/cases",
            json!({"project_id": acme, "subject": "x", "channel": "fax"}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), problem["field"].as_str()),
        (400, Some("channel"))
    );
    ts.server.stop().await;
}

#[actix_web::test]
async fn views_counts_sorting_paging_and_bulk() {
    let ts = common::demo_server().await;
    let anna = ts.token_client(ANNA);
    let acme = project(&ts, "ACME").await;
    let me = anna.get("/api/v1/me").await.1["user"]["id"]
        .as_i64()
        .unwrap();
    // The demo assigns some cases to Anna already.
    let (_, before) = anna
        .get(&format!("/api/v1/cases/counts?project_id={acme}"))
        .await;
    let mine_before = before["mine"].as_i64().unwrap();
    let mut ids = Vec::new();
    for i in 0..7 {
        let (_, case) = anna
            .post(
                "/api/v1/cases",
                json!({"project_id": acme, "subject": format!("Paging {i}"), "channel": "chat"}),
            )
            .await;
        ids.push(case["id"].as_i64().unwrap());
    }
    let (status, result) = anna
        .post(
            "/api/v1/cases/bulk",
            json!({"case_ids": &ids[..3], "assignee_id": me, "add_tags": ["bulk"]}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), result["updated"].as_i64()),
        (200, Some(3))
    );

    let (_, mine) = anna
        .get(&format!("/api/v1/cases?project_id={acme}&view=mine"))
        .await;
    let mine: Vec<i64> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(mine.len() as i64, mine_before + 3);
    assert!(ids[..3].iter().all(|id| mine.contains(id)));
    let (_, tagged) = anna.get("/api/v1/cases?tag=bulk").await;
    assert_eq!(tagged["items"].as_array().unwrap().len(), 3);
    let (_, chats) = anna
        .get(&format!(
            "/api/v1/cases?project_id={acme}&channel=chat&view=unassigned"
        ))
        .await;
    assert_eq!(chats["items"].as_array().unwrap().len(), 4);

    let (_, counts) = anna
        .get(&format!("/api/v1/cases/counts?project_id={acme}"))
        .await;
    assert_eq!(counts["mine"].as_i64().unwrap(), mine_before + 3);
    assert_eq!(counts["by_channel"]["chat"], 7);
    let (_, all_open) = anna
        .get(&format!(
            "/api/v1/cases?project_id={acme}&view=open&limit=200"
        ))
        .await;
    assert_eq!(
        counts["open"].as_u64().unwrap() as usize,
        all_open["items"].as_array().unwrap().len()
    );

    // Overdue: open cases with a due date in the past, per project (read by
    // its own index) and across projects; solved ones never appear.
    let overdue_ids = &ids[3..6];
    for (i, id) in overdue_ids.iter().enumerate() {
        let due = format!("2020-01-0{}T08:00:00Z", i + 1);
        let (status, body) = anna
            .patch(&format!("/api/v1/cases/{id}"), json!({"due_at": due}))
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = anna
        .patch(
            &format!("/api/v1/cases/{}", overdue_ids[2]),
            json!({"status": "solved"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, counts) = anna
        .get(&format!("/api/v1/cases/counts?project_id={acme}"))
        .await;
    for path in [
        format!("/api/v1/cases?project_id={acme}&due=overdue&limit=200"),
        "/api/v1/cases?due=overdue&limit=200".to_string(),
    ] {
        let (status, overdue) = anna.get(&path).await;
        assert_eq!(status, 200, "{overdue}");
        let listed: Vec<i64> = overdue["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["project_id"] == acme)
            .map(|c| c["id"].as_i64().unwrap())
            .collect();
        assert!(listed.contains(&overdue_ids[0]) && listed.contains(&overdue_ids[1]));
        assert!(
            !listed.contains(&overdue_ids[2]),
            "a solved case is not overdue"
        );
        assert_eq!(counts["overdue"].as_u64().unwrap() as usize, listed.len());
    }

    // Keyset paging walks every case once, in order, for each sort.
    for sort in [
        "-updated_at",
        "updated_at",
        "-created_at",
        "created_at",
        "due_at",
        "-priority",
    ] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/api/v1/cases?project_id={acme}&sort={sort}&limit=4");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={}", common::urlencode(c)));
            }
            let (status, page) = anna.get(&path).await;
            assert_eq!(status, 200, "{sort}: {page}");
            seen.extend(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["id"].as_i64().unwrap()),
            );
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "{sort}: duplicates");
        assert_eq!(seen.len(), 6 + 7, "{sort}: demo cases plus ours");
    }
    let (status, problem) = anna.get("/api/v1/cases?sort=colour").await;
    assert_eq!(
        (status.as_u16(), problem["field"].as_str()),
        (422, Some("sort"))
    );
    let (status, _) = anna.get("/api/v1/cases?status=open,bogus").await;
    assert_eq!(status, 422);
    ts.server.stop().await;
}

#[actix_web::test]
async fn no_foreign_case_by_id_list_or_event() {
    let ts = common::demo_server().await;
    let anna = ts.token_client(ANNA);
    let jonas = ts.token_client(JONAS);
    let acme = project(&ts, "ACME").await;
    let nord = project(&ts, "NORD").await;
    let (_, acme_case) = anna
        .post(
            "/api/v1/cases",
            json!({"project_id": acme, "subject": "Acme only", "channel": "email"}),
        )
        .await;
    let id = acme_case["id"].as_i64().unwrap();

    // Jonas (Nordlicht) cannot reach it in any way.
    for (method, path, body) in [
        ("GET", format!("/api/v1/cases/{id}"), None),
        (
            "PATCH",
            format!("/api/v1/cases/{id}"),
            Some(json!({"priority": "low"})),
        ),
        (
            "POST",
            format!("/api/v1/cases/{id}/messages"),
            Some(json!({"kind": "note", "body_text": "x"})),
        ),
        (
            "POST",
            format!("/api/v1/cases/{id}/time"),
            Some(json!({"kind": "manual", "seconds": 1})),
        ),
        ("POST", format!("/api/v1/cases/{id}/presence"), None),
        (
            "POST",
            "/api/v1/cases/bulk".to_string(),
            Some(json!({"case_ids": [id], "status": "closed"})),
        ),
    ] {
        let (status, problem) = jonas.call(method.parse().unwrap(), &path, body).await;
        assert_eq!(
            (status.as_u16(), problem["code"].as_str()),
            (404, Some("not-found")),
            "{method} {path}"
        );
    }
    let (_, list) = jonas.get("/api/v1/cases?limit=200").await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["project_id"] == nord),
        "{list}"
    );
    let (_, list) = jonas.get(&format!("/api/v1/cases?project_id={acme}")).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let (status, problem) = jonas
        .post(
            "/api/v1/cases",
            json!({"project_id": acme, "subject": "x", "channel": "email"}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), problem["field"].as_str()),
        (422, Some("project_id"))
    );
    let (_, counts) = jonas
        .get(&format!("/api/v1/cases/counts?project_id={acme}"))
        .await;
    assert_eq!(counts["open"], 0);
    // The case was not changed by any of it.
    let (_, detail) = anna.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(detail["case"]["version"], acme_case["version"]);
    assert_eq!(detail["case"]["status"], "new");

    // Live events: the Team Basic agent (ACME and NORD) sees both projects'
    // events, Jonas only Nordlicht's.
    let basic_events = subscribe(&ts, BASIC).await;
    let jonas_events = subscribe(&ts, JONAS).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    anna.post(
        &format!("/api/v1/cases/{id}/messages"),
        json!({"kind": "note", "body_text": "live"}),
    )
    .await;
    let (_, nord_case) = jonas
        .post(
            "/api/v1/cases",
            json!({"project_id": nord, "subject": "Nord case", "channel": "email"}),
        )
        .await;
    let basic_seen = collect(basic_events, 2).await;
    assert!(basic_seen.iter().any(|e| e.contains(&format!("\"case_id\":{id}")) && e.contains("\"type\":\"message\"")), "{basic_seen:?}");
    assert!(
        basic_seen
            .iter()
            .any(|e| e.contains(&format!("\"case_id\":{}", nord_case["id"]))),
        "{basic_seen:?}"
    );
    let jonas_seen = collect(jonas_events, 1).await;
    assert!(
        jonas_seen
            .iter()
            .all(|e| !e.contains(&format!("\"case_id\":{id},"))),
        "foreign event leaked: {jonas_seen:?}"
    );
    assert!(
        jonas_seen
            .iter()
            .any(|e| e.contains(&format!("\"case_id\":{}", nord_case["id"])))
    );

    // Presence: who else is looking.
    let basic = ts.token_client(BASIC);
    basic
        .post(&format!("/api/v1/cases/{id}/presence"), json!({}))
        .await;
    let (_, presence) = anna
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/cases/{id}/presence"),
            None,
        )
        .await;
    assert_eq!(presence["viewers"][0]["name"], "Mehmet Yilmaz");
    ts.server.stop().await;
}

type Events =
    std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>;

async fn subscribe(ts: &common::TestServer, email: &str) -> Events {
    let api = ts.token_client(email);
    let response = api
        .raw(reqwest::Method::GET, "/api/v1/events", None, &[])
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    Box::pin(response.bytes_stream())
}

/// Reads `event: case` frames until `want` arrived or a second passed.
async fn collect(mut stream: Events, want: usize) -> Vec<String> {
    let mut frames = Vec::new();
    let mut buffer = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while frames.len() < want {
        let Ok(Some(Ok(chunk))) = tokio::time::timeout_at(deadline, stream.next()).await else {
            break;
        };
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if frame.starts_with("event: case") {
                frames.push(frame);
            }
        }
    }
    frames
}

#[actix_web::test]
async fn full_text_search_within_permissions() {
    let ts = common::demo_server().await;
    let anna = ts.token_client(ANNA);
    let jonas = ts.token_client(JONAS);
    let acme = project(&ts, "ACME").await;
    let acme_client = ts
        .id_of("/api/v1/clients", "name", "Acme Energie GmbH")
        .await;
    let (status, contact) = anna
        .post("/api/v1/contacts", json!({"client_id": acme_client, "name": "Greta Grünwald", "emails": ["greta@example.de"]}))
        .await;
    assert_eq!(status, 201, "{contact}");
    let (_, case) = anna
        .post(
            "/api/v1/cases",
            json!({"project_id": acme, "subject": "Heizung ausgefallen", "channel": "email", "contact_id": contact["id"],
                   "message": {"kind": "inbound", "body_text": "Seit gestern ist der Wärmepumpenzähler kaputt. Bitte schnell helfen!"}}),
        )
        .await;
    let id = case["id"].as_i64().unwrap();
    let found = |results: &Value| {
        results["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id)
    };
    for q in [
        "wärmepumpenzähler",
        "warmepumpenzahler",            // umlauts folded
        "Wärmepumpen*",                 // prefix
        "\"wärmepumpenzähler kaputt\"", // phrase
        "heizung status:new",           // text and filter
        "from:greta@example.de",        // filter only
        "grünwald",                     // the contact's name
        "project:acme kaputt",
    ] {
        let (status, results) = anna
            .get(&format!("/api/v1/search?q={}", common::urlencode(q)))
            .await;
        assert_eq!(status, 200, "{q}: {results}");
        assert!(found(&results), "{q} did not find the case: {results}");
    }
    let (_, results) = anna
        .get(&format!("/api/v1/search?q={}", common::urlencode("kaputt")))
        .await;
    let hit = results["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap();
    assert!(
        hit["snippet"].as_str().unwrap().contains("«kaputt»"),
        "{hit}"
    );
    // The directory too.
    let (_, results) = anna
        .get(&format!("/api/v1/search?q={}", common::urlencode("Grünw")))
        .await;
    assert!(
        results["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == contact["id"]),
        "{results}"
    );
    // Not found where it does not match, nor by anyone of another client.
    for q in [
        "heizung status:solved",
        "wärme* channel:call",
        "\"kaputt wärmepumpenzähler\"",
    ] {
        let (_, results) = anna
            .get(&format!("/api/v1/search?q={}", common::urlencode(q)))
            .await;
        assert!(!found(&results), "{q} should not match");
    }
    for q in ["kaputt", "grünwald", "from:greta@example.de"] {
        let (_, results) = jonas
            .get(&format!("/api/v1/search?q={}", common::urlencode(q)))
            .await;
        assert!(!found(&results), "{q}: foreign case found");
        assert!(
            results["contacts"].as_array().unwrap().is_empty(),
            "{q}: foreign contact found"
        );
    }
    // Hostile input is just text.
    for q in ["\"", "a OR b NEAR(c", "***", "status:"] {
        let (status, _) = anna
            .get(&format!("/api/v1/search?q={}", common::urlencode(q)))
            .await;
        assert_eq!(status, 200, "{q:?}");
    }
    // Except NUL, which the document refuses for every query value (and
    // `a\0` once broke the index: a 500).
    for q in ["\u{0}", "a\u{0}"] {
        let (status, problem) = anna
            .get(&format!("/api/v1/search?q={}", common::urlencode(q)))
            .await;
        assert_eq!(status, 400, "{q:?}: {problem}");
    }
    ts.server.stop().await;
}

#[actix_web::test]
async fn calls_inline_contacts_and_saved_views() {
    let ts = common::demo_server().await;
    let anna = ts.token_client(ANNA);
    let acme = project(&ts, "ACME").await;

    // A call from an unknown number with a name: contact created, time kept.
    let (status, case) = anna
        .post(
            "/api/v1/calls",
            json!({"project_id": acme, "direction": "inbound", "phone": "+49 351 4711 0815", "contact_name": "Paul Pieper",
                   "subject": "Rückruf wegen Tarif", "notes": "Möchte Ökostrom", "wait_seconds": 40, "talk_seconds": 300, "after_work_seconds": 60}),
        )
        .await;
    assert_eq!(status, 201, "{case}");
    assert_eq!(case["channel"], "call");
    assert_eq!(case["contact_name"], "Paul Pieper");
    let (_, detail) = anna.get(&format!("/api/v1/cases/{}", case["id"])).await;
    assert_eq!(detail["time"]["by_kind"]["call-wait"], 40);
    assert_eq!(detail["time"]["by_kind"]["call-talk"], 300);
    assert_eq!(detail["time"]["total_seconds"], 400);
    assert!(
        detail["messages"][0]["body_text"]
            .as_str()
            .unwrap()
            .contains("Ökostrom")
    );
    // The same caller again, written differently: the same contact.
    let (_, again) = anna
        .post("/api/v1/calls", json!({"project_id": acme, "direction": "inbound", "phone": "0049 351 47110815", "subject": "Nochmal"}))
        .await;
    assert_eq!(again["contact_id"], case["contact_id"]);

    // A case with an inline contact by e-mail: found or created once.
    let new_case = |subject: &str| {
        json!({"project_id": acme, "subject": subject, "channel": "webform",
        "contact": {"name": "Lisa Lang", "email": "Lisa.Lang@example.org"}})
    };
    let (_, first) = anna.post("/api/v1/cases", new_case("Erste Anfrage")).await;
    let (_, second) = anna.post("/api/v1/cases", new_case("Zweite Anfrage")).await;
    assert!(first["contact_id"].is_i64());
    assert_eq!(first["contact_id"], second["contact_id"]);
    let (_, history) = anna
        .get(&format!("/api/v1/cases?contact_id={}", first["contact_id"]))
        .await;
    assert_eq!(history["items"].as_array().unwrap().len(), 2);

    // Saved views are the user's own.
    let (status, view) = anna
        .post(
            "/api/v1/views",
            json!({"name": "Meine Anrufe", "query": {"channel": "call", "sort": "-created_at"}}),
        )
        .await;
    assert_eq!(status, 201, "{view}");
    let (status, _) = anna
        .post(
            "/api/v1/views",
            json!({"name": "Meine Anrufe", "query": {}}),
        )
        .await;
    assert_eq!(status, 422);
    let (_, views) = anna.get("/api/v1/views").await;
    assert_eq!(views["items"][0]["query"]["channel"], "call");
    let other = ts.token_client(BASIC);
    assert!(
        other.get("/api/v1/views").await.1["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        other
            .delete(&format!("/api/v1/views/{}", view["id"]))
            .await
            .0,
        404
    );
    assert_eq!(
        anna.delete(&format!("/api/v1/views/{}", view["id"]))
            .await
            .0,
        204
    );
    ts.server.stop().await;
}

#[actix_web::test]
async fn attachments_are_stored_once_and_served_safely() {
    let ts = common::server_with(true, |c| c.max_attachment_bytes = 64 * 1024).await;
    let anna = ts.token_client(ANNA);
    let jonas = ts.token_client(JONAS);
    let acme = project(&ts, "ACME").await;
    let (_, case) = anna
        .post(
            "/api/v1/cases",
            json!({"project_id": acme, "subject": "Mit Anhang", "channel": "email"}),
        )
        .await;
    let id = case["id"].as_i64().unwrap();
    let pdf = b"%PDF-1.4 Rechnung".to_vec();
    let (status, first) = upload(
        &anna,
        id,
        "../Rechnung März.pdf",
        "application/pdf",
        pdf.clone(),
    )
    .await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["filename"], "Rechnung März.pdf");
    let (_, second) = upload(&anna, id, "copy.pdf", "application/pdf", pdf.clone()).await;
    let (_, html) = upload(
        &anna,
        id,
        "x.html",
        "text/html",
        b"<script>alert(1)</script>".to_vec(),
    )
    .await;
    // One stored copy for the same content.
    let blobs: i64 = ts
        .server
        .state
        .db
        .read_blocking(|c| {
            c.query_row("SELECT COUNT(*) FROM blobs", [], |r| r.get(0))
                .map_err(zezaro::db::StoreError::from)
        })
        .unwrap();
    assert_eq!(blobs, 2);
    // Too large, empty, foreign: refused, nothing stored.
    let (status, problem) = upload(
        &anna,
        id,
        "big.bin",
        "application/octet-stream",
        vec![7u8; 65 * 1024],
    )
    .await;
    assert_eq!(
        (status.as_u16(), problem["code"].as_str()),
        (413, Some("payload-too-large"))
    );
    let (status, _) = upload(&anna, id, "empty.txt", "text/plain", vec![]).await;
    assert_eq!(status, 422);
    let (status, _) = upload(&jonas, id, "evil.txt", "text/plain", b"evil".to_vec()).await;
    assert_eq!(status, 404);
    let blobs_after: i64 = ts
        .server
        .state
        .db
        .read_blocking(|c| {
            c.query_row("SELECT COUNT(*) FROM blobs", [], |r| r.get(0))
                .map_err(zezaro::db::StoreError::from)
        })
        .unwrap();
    assert_eq!(blobs_after, 2);

    // Download: the bytes, as a download, sandboxed.
    let response = anna
        .raw(
            reqwest::Method::GET,
            first["url"].as_str().unwrap(),
            None,
            &[],
        )
        .await;
    assert_eq!(response.status(), 200);
    let h = response.headers().clone();
    assert_eq!(h["content-type"], "application/pdf");
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment"),
        "{:?}",
        h["content-disposition"]
    );
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .contains("UTF-8''Rechnung%20M%C3%A4rz.pdf")
    );
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("sandbox")
    );
    assert_eq!(response.bytes().await.unwrap().to_vec(), pdf);
    let response = anna
        .raw(
            reqwest::Method::GET,
            &format!("{}?inline=true", html["url"].as_str().unwrap()),
            None,
            &[],
        )
        .await;
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment"),
        "HTML is never inline"
    );
    let response = jonas
        .raw(
            reqwest::Method::GET,
            first["url"].as_str().unwrap(),
            None,
            &[],
        )
        .await;
    assert_eq!(response.status(), 404);

    // Sent with a reply: listed on the message; cannot be attached twice.
    let (status, sent) = anna
        .post(&format!("/api/v1/cases/{id}/messages"), json!({"kind": "outbound", "body_text": "Anbei die Rechnung", "attachment_ids": [first["id"], second["id"]]}))
        .await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["message"]["attachments"].as_array().unwrap().len(), 2);
    let (status, problem) = anna
        .post(
            &format!("/api/v1/cases/{id}/messages"),
            json!({"kind": "note", "body_text": "nochmal", "attachment_ids": [first["id"]]}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), problem["field"].as_str()),
        (422, Some("attachment_ids"))
    );
    ts.server.stop().await;
}

#[actix_web::test]
async fn merge_and_link_cases_of_one_customer() {
    let ts = common::demo_server().await;
    let anna = ts.token_client(ANNA);
    let acme = project(&ts, "ACME").await;
    let gas = project(&ts, "ACMEGAS").await;
    let contact = json!({"name": "Doppel Dora", "email": "dora@example.net"});
    let new_case = |project: i64, subject: &str, body: &str| {
        json!({"project_id": project, "subject": subject, "channel": "email",
        "contact": contact, "message": {"kind": "inbound", "body_text": body}})
    };
    let (_, a) = anna
        .post(
            "/api/v1/cases",
            new_case(acme, "Rechnung falsch", "Die Rechnung stimmt nicht."),
        )
        .await;
    let (_, b) = anna
        .post(
            "/api/v1/cases",
            new_case(
                gas,
                "Nochmal Rechnung",
                "Ich schreibe nochmal wegen Quittenmus.",
            ),
        )
        .await;
    let (_, other) = anna
        .post(
            "/api/v1/cases",
            json!({"project_id": acme, "subject": "Andere Kundin", "channel": "email",
        "contact": {"name": "Olga", "email": "olga@example.net"}}),
        )
        .await;
    let (a_id, b_id) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());

    let (status, problem) = anna
        .post(
            &format!("/api/v1/cases/{b_id}/merge"),
            json!({"into_id": other["id"]}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), problem["field"].as_str()),
        (422, Some("into_id")),
        "different customers"
    );
    let (status, merged) = anna
        .post(
            &format!("/api/v1/cases/{b_id}/merge"),
            json!({"into_id": a_id}),
        )
        .await;
    assert_eq!(status, 200, "{merged}");
    assert_eq!(merged["id"], a_id);
    assert_eq!(merged["message_count"], 2);
    let (_, source) = anna.get(&format!("/api/v1/cases/{b_id}")).await;
    assert_eq!(source["case"]["status"], "closed");
    assert_eq!(source["case"]["merged_into_id"], a_id);
    assert_eq!(source["case"]["message_count"], 0);
    // Search finds the moved text in the target only.
    let (_, results) = anna.get("/api/v1/search?q=quittenmus").await;
    let ids: Vec<i64> = results["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [a_id]);
    let (status, _) = anna
        .post(
            &format!("/api/v1/cases/{b_id}/merge"),
            json!({"into_id": a_id}),
        )
        .await;
    assert_eq!(status, 422, "merged once only");

    // Links, both ways, once.
    for _ in 0..2 {
        assert_eq!(
            anna.post(
                &format!("/api/v1/cases/{a_id}/links"),
                json!({"case_id": other["id"]})
            )
            .await
            .0,
            204
        );
    }
    let (_, detail) = anna.get(&format!("/api/v1/cases/{}", other["id"])).await;
    assert_eq!(detail["links"].as_array().unwrap().len(), 1);
    assert_eq!(detail["links"][0]["id"], a_id);
    // A case of another client cannot be linked or merged, and Jonas sees none of it.
    let jonas = ts.token_client(JONAS);
    let nord = project(&ts, "NORD").await;
    let (_, foreign) = jonas
        .post(
            "/api/v1/cases",
            json!({"project_id": nord, "subject": "Nord", "channel": "email"}),
        )
        .await;
    let (status, _) = anna
        .post(
            &format!("/api/v1/cases/{a_id}/links"),
            json!({"case_id": foreign["id"]}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        jonas
            .post(
                &format!("/api/v1/cases/{}/links", foreign["id"]),
                json!({"case_id": a_id})
            )
            .await
            .0,
        422
    );
    assert_eq!(
        jonas
            .delete(&format!("/api/v1/cases/{a_id}/links/{}", other["id"]))
            .await
            .0,
        404
    );
    assert_eq!(
        anna.delete(&format!("/api/v1/cases/{a_id}/links/{}", other["id"]))
            .await
            .0,
        204
    );
    ts.server.stop().await;
}

async fn upload(
    api: &common::Api,
    case_id: i64,
    name: &str,
    ctype: &str,
    bytes: Vec<u8>,
) -> (reqwest::StatusCode, Value) {
    let path = format!(
        "/api/v1/cases/{case_id}/attachments?filename={}",
        common::urlencode(name)
    );
    let response = api
        .raw(reqwest::Method::POST, &path, Some((ctype, bytes)), &[])
        .await;
    let status = response.status();
    (status, response.json::<Value>().await.unwrap_or_default())
}
