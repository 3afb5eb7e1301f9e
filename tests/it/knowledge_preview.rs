//! The knowledge editor's preview (`POST /api/v1/knowledge/preview`) and the
//! names beside a version's stamps, which the knowledge UI shows ("who,
//! when"): real server, demo data.

use crate::common::{self, TestServer};
use reqwest::StatusCode;
use serde_json::json;

const CA_ACME: &str = "kadmin@acme-energie.example";
const CA_NORD: &str = "kadmin@nordlicht.example";
const ANNA: &str = "anna.schmidt@acme-energie.example";
const JONAS: &str = "jonas.weber@nordlicht.example";

async fn acme(ts: &TestServer) -> i64 {
    ts.id_of("/api/v1/clients", "name", "Acme Energie GmbH")
        .await
}

/// The preview renders and sanitises like a save, stores nothing, and is
/// for the client's readers only (a foreign client is 404).
#[actix_web::test]
async fn preview_renders_sanitised_html_for_the_clients_readers_only() {
    let ts = common::demo_server().await;
    let client_id = acme(&ts).await;
    let articles = format!("/api/v1/knowledge/articles?client_id={client_id}");
    let (_, before) = ts.token_client(CA_ACME).get(&articles).await;
    let body = "# Zählerstand\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) ~~alt~~";

    for who in [CA_ACME, ANNA] {
        let (status, out) = ts
            .token_client(who)
            .post(
                "/api/v1/knowledge/preview",
                json!({ "client_id": client_id, "body": body }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{who}: {out}");
        let html = out["html"].as_str().expect("html");
        assert!(html.contains("<h1>Zählerstand</h1>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<del>alt</del>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }

    // Nothing was saved (the demo's knowledge base is there before and after).
    let (_, after) = ts.token_client(CA_ACME).get(&articles).await;
    assert_eq!(before, after, "a preview must not save");

    // Another client's admin and agent: 404.
    for who in [CA_NORD, JONAS] {
        let (status, out) = ts
            .token_client(who)
            .post(
                "/api/v1/knowledge/preview",
                json!({ "client_id": client_id, "body": "x" }),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}: {out}");
    }
    let (status, out) = ts
        .anonymous()
        .post(
            "/api/v1/knowledge/preview",
            json!({ "client_id": client_id, "body": "x" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{out}");

    // Too long: 422 on body, like a save.
    let (status, out) = ts
        .token_client(CA_ACME)
        .post(
            "/api/v1/knowledge/preview",
            json!({ "client_id": client_id, "body": "a".repeat(200_001) }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    assert_eq!(out["code"], "validation", "{out}");
    assert_eq!(out["field"], "body", "{out}");
    ts.server.stop().await;
}

/// A version carries the names of who saved, submitted and published it.
#[actix_web::test]
async fn versions_name_who_saved_submitted_and_published() {
    let ts = common::demo_server().await;
    let client_id = acme(&ts).await;
    let editor = ts.token_client(CA_ACME);
    let (_, me) = editor.get("/api/v1/me").await;
    let name = me["user"]["name"].as_str().expect("name").to_string();
    let (status, saved) = editor
        .post(
            "/api/v1/knowledge/articles",
            json!({ "client_id": client_id, "language": "de", "title": "Abschlag", "body": "Text" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    let article = saved["article_id"].as_i64().unwrap();
    let version = saved["version"]["id"].as_i64().unwrap();
    assert_eq!(saved["version"]["created_by_name"], name.as_str());
    assert!(saved["version"]["published_by_name"].is_null());

    let (status, published) = editor
        .post(
            &format!("/api/v1/knowledge/articles/{article}/versions/{version}/publish"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{published}");
    assert_eq!(published["published_by_name"], name.as_str());

    let (_, history) = editor
        .get(&format!("/api/v1/knowledge/articles/{article}/versions"))
        .await;
    assert_eq!(history["items"][0]["created_by_name"], name.as_str());
    assert_eq!(history["items"][0]["published_by_name"], name.as_str());

    // The agent reading the published version sees who published it.
    let (status, read) = ts
        .token_client(ANNA)
        .get(&format!("/api/v1/knowledge/articles/{article}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert_eq!(
        read["translations"][0]["published"]["published_by_name"],
        name.as_str()
    );
    ts.server.stop().await;
}
