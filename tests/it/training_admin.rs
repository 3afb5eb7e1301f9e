//! Issue 14, the editors' side of training and instructions through the API
//! of a real server with the demo data: a course changed and reordered,
//! assigned to single agents found by name and unassigned, each agent's
//! progress only in the client's own courses, and the client's default
//! remind hours that instructions without their own follow.

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

async fn client(ts: &TestServer, name: &str) -> i64 {
    ts.id_of("/api/v1/clients", "name", name).await
}

async fn user(ts: &TestServer, email: &str) -> i64 {
    ts.id_of("/api/v1/users", "email", email).await
}

/// A published article of the client; returns its id.
async fn article(api: &Api, client_id: i64, title: &str) -> i64 {
    let (status, saved) = api
        .post(
            "/api/v1/knowledge/articles",
            json!({"client_id": client_id, "language": "de", "title": title, "body": format!("Text zu {title}")}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    let (id, version) = (
        saved["article_id"].as_i64().unwrap(),
        saved["version"]["id"].as_i64().unwrap(),
    );
    let (status, body) = api
        .post(
            &format!("/api/v1/knowledge/articles/{id}/versions/{version}/publish"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    id
}

fn one_question() -> Value {
    json!([{"text": "Ja?", "choices": [{"text": "ja", "correct": true}, {"text": "nein", "correct": false}]}])
}

async fn new_course(editor: &Api, client_id: i64, articles: &[i64]) -> Value {
    let (status, course) = editor
        .post(
            "/api/v1/courses",
            json!({"client_id": client_id, "title": "Kurs", "pass_mark": 100,
                   "article_ids": articles, "questions": one_question()}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{course}");
    course
}

fn ids(list: &Value, key: &str) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v[key].as_i64().unwrap())
        .collect()
}

fn emails(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["email"].as_str().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn a_course_is_changed_and_reordered_and_bad_input_is_named_at_its_field() {
    let ts = common::demo_server().await;
    let acme = client(&ts, "Acme Energie GmbH").await;
    let nord = client(&ts, "Nordlicht Versand AG").await;
    let editor = ts.token_client(CA_ACME);
    let a = article(&editor, acme, "Erstens").await;
    let b = article(&editor, acme, "Zweitens").await;
    let c = article(&editor, acme, "Drittens").await;
    let course = new_course(&editor, acme, &[a, b]).await;
    let id = course["id"].as_i64().unwrap();
    let path = format!("/api/v1/courses/{id}");

    // Reordered, one removed, one added, a second question.
    let (status, changed) = editor
        .put(
            &path,
            json!({"title": "Kurs neu", "description": "Neu.", "pass_mark": 50, "article_ids": [c, b],
                   "questions": [
                       {"text": "Ja?", "choices": [{"text": "ja", "correct": true}, {"text": "nein", "correct": false}]},
                       {"text": "Zwei?", "choices": [{"text": "eins", "correct": false}, {"text": "zwei", "correct": true}, {"text": "drei", "correct": true}]}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    let (_, got) = editor.get(&path).await;
    assert_eq!(ids(&got["articles"], "article_id"), [c, b]);
    assert_eq!(got["articles"][0]["title"], "Drittens");
    assert_eq!(got["title"], "Kurs neu");
    assert_eq!(got["pass_mark"], 50);
    assert_eq!(got["questions"][1]["choices"][2]["correct"], true);

    // Each problem names its field, as the form shows it there.
    let bad = [
        (
            json!({"title": " ", "pass_mark": 50, "article_ids": [a]}),
            "title",
        ),
        (
            json!({"title": "K", "pass_mark": 101, "article_ids": [a]}),
            "pass_mark",
        ),
        (
            json!({"title": "K", "pass_mark": 50, "article_ids": []}),
            "article_ids",
        ),
        (
            json!({"title": "K", "pass_mark": 50, "article_ids": [a],
                   "questions": [{"text": "Q", "choices": [{"text": "x", "correct": false}, {"text": "y", "correct": false}]}]}),
            "questions[0].choices",
        ),
        (
            json!({"title": "K", "pass_mark": 50, "article_ids": [a],
                   "questions": [{"text": "Q", "choices": [{"text": "x", "correct": true}, {"text": " ", "correct": false}]}]}),
            "questions[0].choices[1].text",
        ),
        (
            json!({"title": "K", "pass_mark": 50, "article_ids": [a],
                   "questions": [{"text": "", "choices": [{"text": "x", "correct": true}, {"text": "y", "correct": false}]}]}),
            "questions[0].text",
        ),
    ];
    for (body, field) in bad {
        let (status, problem) = editor.put(&path, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(problem["field"], field, "{problem}");
    }
    // A Nordlicht article is answered like a missing one.
    let foreign = article(&ts.token_client(CA_NORD), nord, "Fremd").await;
    let (status, problem) = editor
        .put(
            &path,
            json!({"title": "K", "pass_mark": 50, "article_ids": [a, foreign]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["field"], "article_ids");
    // Nothing of that was saved.
    let (_, still) = editor.get(&path).await;
    assert_eq!(still["title"], "Kurs neu");

    // Another client's admin: 404 for reading and changing.
    let other = ts.token_client(CA_NORD);
    let (status, _) = other.get(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = other
        .put(
            &path,
            json!({"title": "X", "pass_mark": 50, "article_ids": [foreign]}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    ts.server.stop().await;
}

#[actix_web::test]
async fn single_agents_are_found_by_name_assigned_and_unassigned() {
    let ts = common::demo_server().await;
    let acme = client(&ts, "Acme Energie GmbH").await;
    let editor = ts.token_client(CA_ACME);
    let a = article(&editor, acme, "Einzeln").await;
    let id = new_course(&editor, acme, &[a]).await["id"]
        .as_i64()
        .unwrap();
    let candidates = |api: Api, q: &'static str| async move {
        api.get(&format!("/api/v1/courses/{id}/candidates?q={q}"))
            .await
    };

    let (status, found) = candidates(ts.token_client(CA_ACME), "schmidt").await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(emails(&found), [ANNA]);
    assert_eq!(found["items"][0]["assigned"], false);
    // A provider agent who works for Acme is a candidate; Nordlicht's
    // agent is not, nor are admins and leads.
    let (_, found) = candidates(ts.token_client(CA_ACME), "basic").await;
    assert_eq!(emails(&found), [BASIC]);
    let (_, found) = candidates(ts.token_client(CA_ACME), "weber").await;
    assert!(emails(&found).is_empty(), "{found}");
    let (_, everybody) = candidates(ts.token_client(CA_ACME), "").await;
    let everybody = emails(&everybody);
    assert!(everybody.contains(&ANNA.to_string()), "{everybody:?}");
    assert!(!everybody.contains(&JONAS.to_string()), "{everybody:?}");
    assert!(!everybody.contains(&LEAD.to_string()), "{everybody:?}");
    assert!(!everybody.contains(&CA_ACME.to_string()), "{everybody:?}");
    // `%` and `_` are taken literally.
    let (_, found) = candidates(ts.token_client(CA_ACME), "%25").await;
    assert!(emails(&found).is_empty(), "{found}");
    let (status, _) = candidates(ts.token_client(LEAD), "schmidt").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = candidates(ts.token_client(ANNA), "schmidt").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = candidates(ts.token_client(CA_NORD), "schmidt").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = candidates(ts.token_client(JONAS), "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Assign Anna by name with a due date; Jonas is refused at user_ids.
    let anna = user(&ts, ANNA).await;
    let jonas = user(&ts, JONAS).await;
    let path = format!("/api/v1/courses/{id}/assignments");
    let (status, problem) = editor
        .post(&path, json!({"user_ids": [jonas], "due_on": "2031-03-01"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["field"], "user_ids");
    let (status, problem) = editor
        .post(&path, json!({"user_ids": [anna], "due_on": "1.3.2031"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["field"], "due_on");
    let (status, course) = editor
        .post(&path, json!({"user_ids": [anna], "due_on": "2031-03-01"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{course}");
    let assignment = &course["assignments"][0];
    assert_eq!(assignment["user_name"], "Anna Schmidt");
    assert_eq!(assignment["due_on"], "2031-03-01");
    let assignment_id = assignment["id"].as_i64().unwrap();
    let (_, found) = candidates(ts.token_client(CA_ACME), "schmidt").await;
    assert_eq!(found["items"][0]["assigned"], true);
    // Assigned again: still one assignment, with the new due date.
    let (status, again) = editor
        .post(&path, json!({"user_ids": [anna], "due_on": "2031-04-15"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(ids(&again["assignments"], "id"), [assignment_id]);
    assert_eq!(again["assignments"][0]["due_on"], "2031-04-15");
    let (_, status) = editor.get(&format!("/api/v1/courses/{id}/status")).await;
    assert_eq!(emails(&status), [ANNA]);
    assert_eq!(status["items"][0]["due_on"], "2031-04-15");
    assert_eq!(status["items"][0]["progress"], "not-started");

    // Another client's admin cannot remove it; the editor can.
    let (status, _) = ts
        .token_client(CA_NORD)
        .delete(&format!("{path}/{assignment_id}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = editor.delete(&format!("{path}/{assignment_id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, status) = editor.get(&format!("/api/v1/courses/{id}/status")).await;
    assert!(emails(&status).is_empty(), "{status}");
    let (status, _) = ts
        .token_client(ANNA)
        .get(&format!("/api/v1/courses/{id}/lesson"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Assigning and removing are in the audit log.
    let (_, audit) = editor
        .get(&format!("/api/v1/audit?object_type=course&object_id={id}"))
        .await;
    let items = audit["items"].as_array().unwrap();
    let mut actions: Vec<&str> = items
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    actions.sort_unstable();
    assert_eq!(
        actions,
        ["course.assign", "course.assign", "course.unassign"],
        "{audit}"
    );
    let removed = items
        .iter()
        .find(|e| e["action"] == "course.unassign")
        .unwrap();
    assert_eq!(removed["details"]["user_id"], anna);
    assert_eq!(removed["details"]["due_on"], "2031-04-15");
    ts.server.stop().await;
}

#[actix_web::test]
async fn a_provider_agents_progress_shows_only_in_the_clients_own_courses() {
    let ts = common::demo_server().await;
    let acme = client(&ts, "Acme Energie GmbH").await;
    let nord = client(&ts, "Nordlicht Versand AG").await;
    let acme_editor = ts.token_client(CA_ACME);
    let nord_editor = ts.token_client(CA_NORD);
    let basic_id = user(&ts, BASIC).await;
    let acme_article = article(&acme_editor, acme, "Acme-Wissen").await;
    let nord_article = article(&nord_editor, nord, "Nordlicht-Wissen").await;
    let acme_course = new_course(&acme_editor, acme, &[acme_article]).await["id"]
        .as_i64()
        .unwrap();
    let nord_course = new_course(&nord_editor, nord, &[nord_article]).await;
    let nord_id = nord_course["id"].as_i64().unwrap();
    let question = nord_course["questions"][0]["id"].as_i64().unwrap();
    for (api, id) in [(&acme_editor, acme_course), (&nord_editor, nord_id)] {
        let (status, body) = api
            .post(
                &format!("/api/v1/courses/{id}/assignments"),
                json!({"user_ids": [basic_id]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // The provider agent passes Nordlicht's course.
    let basic = ts.token_client(BASIC);
    let (status, body) = basic
        .post(
            &format!("/api/v1/courses/{nord_id}/articles/{nord_article}/read"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, result) = basic
        .post(
            &format!("/api/v1/courses/{nord_id}/check"),
            json!({"answers": [{"question_id": question, "choices": [0]}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!(result["passed"], true);

    // Nordlicht sees it; Acme sees the agent in its own course only, not
    // started, and nothing of Nordlicht's course.
    let (_, status) = nord_editor
        .get(&format!("/api/v1/courses/{nord_id}/status"))
        .await;
    assert_eq!(status["items"][0]["progress"], "passed");
    assert!(status["items"][0]["passed_at"].is_string());
    let (_, status) = acme_editor
        .get(&format!("/api/v1/courses/{acme_course}/status"))
        .await;
    assert_eq!(emails(&status), [BASIC]);
    assert_eq!(status["items"][0]["progress"], "not-started");
    assert!(status["items"][0]["passed_at"].is_null());
    for path in [
        format!("/api/v1/courses/{nord_id}/status"),
        format!("/api/v1/courses/{nord_id}"),
        format!("/api/v1/courses/{nord_id}/candidates"),
        format!("/api/v1/courses?client_id={nord}"),
    ] {
        let (status, body) = acme_editor.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    let (_, list) = acme_editor
        .get(&format!("/api/v1/courses?client_id={acme}"))
        .await;
    let mine = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == acme_course)
        .unwrap();
    assert_eq!(mine["passed_count"], 0);
    ts.server.stop().await;
}

/// Moves the caller's put-off of instruction `id` `hours` into the past.
async fn put_off_hours_ago(ts: &TestServer, id: i64, hours: i64) {
    let at = (chrono::Utc::now() - chrono::Duration::hours(hours))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    ts.server
        .state
        .db
        .write(move |tx| {
            tx.execute(
                "UPDATE instruction_dismissals SET at = ?2 WHERE instruction_id = ?1",
                rusqlite::params![id, at],
            )
            .map_err(zezaro::db::StoreError::from)
        })
        .await
        .unwrap();
}

async fn banner(api: &Api, id: i64) -> bool {
    let (status, mine) = api.get("/api/v1/instructions/mine").await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .map(|i| i["banner"] == true)
        .expect("the instruction applies")
}

#[actix_web::test]
async fn instructions_without_own_hours_follow_the_clients_default() {
    let ts = common::demo_server().await;
    let acme = client(&ts, "Acme Energie GmbH").await;
    let editor = ts.token_client(CA_ACME);
    let path = format!("/api/v1/clients/{acme}/instruction-settings");

    let (status, settings) = editor.get(&path).await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    assert!(settings["remind_hours"].is_null());
    assert_eq!(settings["effective_remind_hours"], 4);

    // Who may: the client admin sets; a lead reads; an agent and another
    // client's admin do not.
    let (status, _) = ts.token_client(LEAD).get(&path).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = ts
        .token_client(LEAD)
        .put(&path, json!({"remind_hours": 2}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = ts.token_client(ANNA).get(&path).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for (status, _) in [
        ts.token_client(CA_NORD).get(&path).await,
        ts.token_client(CA_NORD)
            .put(&path, json!({"remind_hours": 2}))
            .await,
        ts.token_client(CA_ACME)
            .get("/api/v1/clients/999999/instruction-settings")
            .await,
    ] {
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    for bad in [json!({"remind_hours": 0}), json!({"remind_hours": 169})] {
        let (status, problem) = editor.put(&path, bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(problem["field"], "remind_hours");
    }

    let (status, settings) = editor.put(&path, json!({"remind_hours": 30})).await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    assert_eq!(settings["remind_hours"], 30);
    assert_eq!(settings["effective_remind_hours"], 30);
    assert_eq!(settings["updated_by_name"], "Katrin Adler");

    // One instruction follows the default, one has its own hours.
    let mut ids = Vec::new();
    for own in [Value::Null, json!(2)] {
        let (status, made) = editor
            .post(
                "/api/v1/instructions",
                json!({"client_id": acme, "title": "Standard", "urgency": "acknowledge",
                       "body": "Bitte lesen.", "remind_hours": own}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        let id = made["id"].as_i64().unwrap();
        let (status, body) = editor
            .post(&format!("/api/v1/instructions/{id}/publish"), json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        ids.push(id);
    }
    let (follows, own) = (ids[0], ids[1]);
    let (_, got) = editor.get(&format!("/api/v1/instructions/{follows}")).await;
    assert_eq!(got["remind_hours"], 30);
    assert!(got["remind_hours_own"].is_null());
    let (_, got) = editor.get(&format!("/api/v1/instructions/{own}")).await;
    assert_eq!(got["remind_hours"], 2);
    assert_eq!(got["remind_hours_own"], 2);

    // Anna puts both off; ten hours later (an API token has no session, so
    // only the hours bring them back) the own 2 hours have passed, the
    // client's 30 not.
    let anna = ts.token_client(ANNA);
    for id in [follows, own] {
        let (status, body) = anna
            .post(&format!("/api/v1/instructions/{id}/dismiss"), json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(!banner(&anna, id).await);
        put_off_hours_ago(&ts, id, 10).await;
    }
    assert!(banner(&anna, own).await);
    assert!(!banner(&anna, follows).await);
    // The default goes down to 8: the instruction following it is back at
    // once; removing the default means the built-in 4.
    let (status, _) = editor.put(&path, json!({"remind_hours": 8})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(banner(&anna, follows).await);
    let (_, got) = editor.get(&format!("/api/v1/instructions/{follows}")).await;
    assert_eq!(got["remind_hours"], 8);
    let (status, settings) = editor.put(&path, json!({"remind_hours": null})).await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    assert!(settings["remind_hours"].is_null());
    let (_, got) = editor.get(&format!("/api/v1/instructions/{follows}")).await;
    assert_eq!(got["remind_hours"], 4);

    // Audited: each change, with from and to.
    let (_, audit) = editor
        .get(&format!(
            "/api/v1/audit?object_type=client&object_id={acme}"
        ))
        .await;
    let changes: Vec<&Value> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "instruction.settings")
        .collect();
    assert_eq!(changes.len(), 3, "{audit}");
    assert_eq!(changes[0]["details"]["remind_hours"]["from"], 8);
    assert!(changes[0]["details"]["remind_hours"]["to"].is_null());
    ts.server.stop().await;
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
async fn an_agents_progress_reaches_the_open_status_table_live_and_only_the_client() {
    let ts = common::demo_server().await;
    let acme = client(&ts, "Acme Energie GmbH").await;
    let editor = ts.token_client(CA_ACME);
    let a = article(&editor, acme, "Live").await;
    let id = new_course(&editor, acme, &[a]).await["id"]
        .as_i64()
        .unwrap();
    let anna = user(&ts, ANNA).await;
    let (status, body) = editor
        .post(
            &format!("/api/v1/courses/{id}/assignments"),
            json!({"user_ids": [anna]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let acme_frames = tokio::spawn(knowledge_frames(
        subscribe(&ts, CA_ACME).await,
        Duration::from_secs(2),
    ));
    let nord_frames = tokio::spawn(knowledge_frames(
        subscribe(&ts, CA_NORD).await,
        Duration::from_secs(2),
    ));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (status, body) = ts
        .token_client(ANNA)
        .post(
            &format!("/api/v1/courses/{id}/articles/{a}/read"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let seen = acme_frames.await.unwrap();
    assert!(
        seen.iter()
            .any(|f| f["type"] == "course" && f["id"] == id && f["action"] == "changed"),
        "{seen:?}"
    );
    // Only ids go out.
    assert!(
        seen.iter().all(|f| f.get("client_id").is_none()),
        "{seen:?}"
    );
    let other = nord_frames.await.unwrap();
    assert!(
        other.iter().all(|f| f["type"] != "course"),
        "Nordlicht heard of Acme's course: {other:?}"
    );
    ts.server.stop().await;
}
