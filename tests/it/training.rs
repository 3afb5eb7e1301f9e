//! Training (issue 14) through the API of a real server with the demo
//! data: courses of knowledge articles with a check graded on the server,
//! assignments to agents and teams, each agent's progress for the editors,
//! and isolation between clients.

use crate::common::{self, Api, TestServer};
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

async fn client(ts: &TestServer, name: &str) -> i64 {
    ts.id_of("/api/v1/clients", "name", name).await
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

fn questions() -> Value {
    json!([
        {"text": "Wann wird der Abschlag fällig?", "choices": [
            {"text": "Am Monatsersten", "correct": true}, {"text": "Nie", "correct": false}]},
        {"text": "Was prüfen Sie immer?", "choices": [
            {"text": "Zählernummer", "correct": true}, {"text": "Kundennummer", "correct": true}, {"text": "Wetter", "correct": false}]},
        {"text": "Wer darf kündigen?", "choices": [
            {"text": "Der Vertragspartner", "correct": true}, {"text": "Der Nachbar", "correct": false}]}
    ])
}

/// A course of three fresh articles and three questions (pass mark 60).
async fn course(editor: &Api, client_id: i64) -> (i64, Vec<i64>, Vec<i64>) {
    let mut articles = Vec::new();
    for title in ["Abschlag", "Zähler", "Kündigung"] {
        articles.push(article(editor, client_id, title).await);
    }
    let (status, course) = editor
        .post(
            "/api/v1/courses",
            json!({"client_id": client_id, "title": "Einarbeitung Strom", "description": "Die Grundlagen.",
                   "pass_mark": 60, "article_ids": articles, "questions": questions()}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{course}");
    let ids = course["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_i64().unwrap())
        .collect();
    (course["id"].as_i64().unwrap(), articles, ids)
}

fn status_of<'a>(status: &'a Value, email: &str) -> Option<&'a Value> {
    status["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["email"] == email)
}

#[actix_web::test]
async fn an_agent_reads_the_articles_passes_the_check_and_the_editors_see_it() {
    let ts = common::demo_server().await;
    let acme = client(&ts, "Acme Energie GmbH").await;
    let editor = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    let (id, articles, q) = course(&editor, acme).await;

    // Not assigned yet: Anna does not learn it exists.
    let (status, _) = anna.get(&format!("/api/v1/courses/{id}/lesson")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let anna_id = ts.id_of("/api/v1/users", "email", ANNA).await;
    let basic_team = ts
        .id_of("/api/v1/teams", "name", "zezaro Services – Team Basic")
        .await;
    let (status, assigned) = editor
        .post(
            &format!("/api/v1/courses/{id}/assignments"),
            json!({"user_ids": [anna_id], "team_ids": [basic_team], "due_on": "2020-01-31"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{assigned}");

    // The agent's page: the published text, the questions, no answers.
    let (status, lesson) = anna.get(&format!("/api/v1/courses/{id}/lesson")).await;
    assert_eq!(status, StatusCode::OK, "{lesson}");
    assert_eq!(lesson["articles"].as_array().unwrap().len(), 3);
    assert_eq!(lesson["articles"][0]["title"], "Abschlag");
    assert_eq!(
        lesson["questions"][1]["choices"],
        json!(["Zählernummer", "Kundennummer", "Wetter"])
    );
    assert!(
        !lesson.to_string().contains("correct"),
        "answers leaked: {lesson}"
    );
    assert_eq!(lesson["progress"], "not-started");
    let (_, mine) = anna.get("/api/v1/courses/mine").await;
    assert_eq!(mine["items"][0]["id"], id);
    assert_eq!(mine["items"][0]["overdue"], true);

    let (status, started) = anna
        .post(&format!("/api/v1/courses/{id}/start"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{started}");
    assert_eq!(started["progress"], "in-progress");
    for a in &articles {
        let (status, body) = anna
            .post(
                &format!("/api/v1/courses/{id}/articles/{a}/read"),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (_, lesson) = anna.get(&format!("/api/v1/courses/{id}/lesson")).await;
    assert_eq!(lesson["progress"], "read");

    // One of two right answers is not right: 1 of 3 → 33 %, failed.
    let (status, result) = anna
        .post(
            &format!("/api/v1/courses/{id}/check"),
            json!({"answers": [{"question_id": q[0], "choices": [0]}, {"question_id": q[1], "choices": [0]},
                               {"question_id": q[2], "choices": [1]}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!(
        (result["score"].clone(), result["passed"].clone()),
        (json!(33), json!(false))
    );
    assert_eq!(result["correct_question_ids"], json!([q[0]]));
    let (status, result) = anna
        .post(
            &format!("/api/v1/courses/{id}/check"),
            json!({"answers": [{"question_id": q[0], "choices": [0]}, {"question_id": q[1], "choices": [1, 0]},
                               {"question_id": q[2], "choices": [0]}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!(
        (
            result["score"].clone(),
            result["passed"].clone(),
            result["attempts"].clone()
        ),
        (json!(100), json!(true), json!(2))
    );
    let (status, problem) = anna
        .post(
            &format!("/api/v1/courses/{id}/check"),
            json!({"answers": []}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].clone()),
        (StatusCode::CONFLICT, json!("course-passed"))
    );

    // The client admin and the lead see each agent: Anna passed; Basic
    // (Team Basic, works in ACME) not started; Tom (Team Basic, Bergblick
    // only) is not Acme's.
    for who in [CA_ACME, LEAD] {
        let (status, st) = ts
            .token_client(who)
            .get(&format!("/api/v1/courses/{id}/status"))
            .await;
        assert_eq!(status, StatusCode::OK, "{st}");
        let a = status_of(&st, ANNA).expect("Anna listed");
        assert_eq!(
            (
                a["progress"].clone(),
                a["score"].clone(),
                a["articles_read"].clone()
            ),
            (json!("passed"), json!(100), json!(3))
        );
        assert_eq!(a["overdue"], false, "passed is never overdue");
        let b = status_of(&st, BASIC).expect("Basic listed by his team");
        assert_eq!(
            (b["progress"].clone(), b["overdue"].clone()),
            (json!("not-started"), json!(true))
        );
        assert!(status_of(&st, TOM).is_none());
        assert!(status_of(&st, PRO).is_none());
    }
    let (_, audit) = editor
        .get(&format!("/api/v1/audit?object_type=course&object_id={id}"))
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in ["course.assign", "course.failed", "course.passed"] {
        assert!(actions.contains(&action), "{action} not in {actions:?}");
    }
    ts.server.stop().await;
}

#[actix_web::test]
async fn courses_stay_with_their_client_and_bad_input_is_named() {
    let ts = common::demo_server().await;
    let acme = client(&ts, "Acme Energie GmbH").await;
    let nord = client(&ts, "Nordlicht Versand AG").await;
    let editor = ts.token_client(CA_ACME);
    let (id, articles, q) = course(&editor, acme).await;
    let nord_article = article(&ts.token_client(CA_NORD), nord, "Versand").await;
    let jonas_id = ts.id_of("/api/v1/users", "email", JONAS).await;
    let anna_id = ts.id_of("/api/v1/users", "email", ANNA).await;

    for email in [CA_NORD, JONAS] {
        let api = ts.token_client(email);
        for (method, path, body) in [
            ("GET", format!("/api/v1/courses/{id}"), None),
            (
                "PUT",
                format!("/api/v1/courses/{id}"),
                Some(json!({"title": "x", "pass_mark": 1, "article_ids": [nord_article]})),
            ),
            ("DELETE", format!("/api/v1/courses/{id}"), None),
            (
                "POST",
                format!("/api/v1/courses/{id}/assignments"),
                Some(json!({"user_ids": [jonas_id]})),
            ),
            ("GET", format!("/api/v1/courses/{id}/status"), None),
            ("GET", format!("/api/v1/courses/{id}/lesson"), None),
            ("POST", format!("/api/v1/courses/{id}/start"), None),
            (
                "POST",
                format!("/api/v1/courses/{id}/articles/{}/read", articles[0]),
                None,
            ),
            (
                "POST",
                format!("/api/v1/courses/{id}/check"),
                Some(json!({"answers": []})),
            ),
            ("GET", format!("/api/v1/courses?client_id={acme}"), None),
        ] {
            let (status, problem) = api.call(method.parse().unwrap(), &path, body).await;
            assert_eq!(
                status,
                StatusCode::NOT_FOUND,
                "{email} {method} {path}: {problem}"
            );
            assert!(!problem.to_string().contains("Einarbeitung"));
        }
        let (_, mine) = api.get("/api/v1/courses/mine").await;
        assert!(
            mine["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["id"] != id)
        );
    }

    // Acme's editor cannot use Nordlicht's articles or agents.
    let (status, problem) = editor
        .post("/api/v1/courses", json!({"client_id": acme, "title": "x", "pass_mark": 50, "article_ids": [nord_article]}))
        .await;
    assert_eq!(
        (status, problem["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("article_ids"))
    );
    let (status, problem) = editor
        .post(
            &format!("/api/v1/courses/{id}/assignments"),
            json!({"user_ids": [jonas_id]}),
        )
        .await;
    assert_eq!(
        (status, problem["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("user_ids"))
    );
    for (questions, field) in [
        (
            json!([{"text": "Ohne richtige Antwort", "choices": [{"text": "a", "correct": false}, {"text": "b", "correct": false}]}]),
            "questions[0].choices",
        ),
        (
            json!([{"text": "Eine Antwort", "choices": [{"text": "a", "correct": true}]}]),
            "questions[0].choices",
        ),
    ] {
        let (status, problem) = editor
            .post("/api/v1/courses", json!({"client_id": acme, "title": "x", "pass_mark": 50, "article_ids": articles, "questions": questions}))
            .await;
        assert_eq!(
            (status, problem["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!(field)),
            "{problem}"
        );
    }

    // An agent of the client: no editing, and answers out of range are named.
    let anna = ts.token_client(ANNA);
    for (method, path) in [
        ("GET", format!("/api/v1/courses/{id}")),
        ("GET", format!("/api/v1/courses/{id}/status")),
        ("GET", format!("/api/v1/courses?client_id={acme}")),
    ] {
        let (status, _) = anna.call(method.parse().unwrap(), &path, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}");
    }
    editor
        .post(
            &format!("/api/v1/courses/{id}/assignments"),
            json!({"user_ids": [anna_id]}),
        )
        .await;
    let (status, problem) = anna
        .post(
            &format!("/api/v1/courses/{id}/check"),
            json!({"answers": [{"question_id": q[0], "choices": [7]}]}),
        )
        .await;
    assert_eq!(
        (status, problem["field"].clone()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!("answers[0].choices")
        )
    );
    let (status, _) = anna
        .post(
            &format!("/api/v1/courses/{id}/articles/{nord_article}/read"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    ts.server.stop().await;
}
