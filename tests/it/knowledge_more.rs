//! The knowledge base's second slice (docs/knowledge.md) through a real
//! server with the demo data: files of articles, editing granted to agents
//! per project, the public help center, suggestions beside a case and the
//! record of articles used.

use crate::common::{self, Api, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const ADMIN: &str = "admin@zezaro.example";
const CA_ACME: &str = "kadmin@acme-energie.example";
const CA_NORD: &str = "kadmin@nordlicht.example";
const LEAD: &str = "lead@zezaro.example";
const ANNA: &str = "anna.schmidt@acme-energie.example";
const JONAS: &str = "jonas.weber@nordlicht.example";
const TOM: &str = "tom.berger@zezaro.example";

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 0,
    1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89, 0, 0, 0, 0x0a, 0x49, 0x44, 0x41, 0x54,
    0x78, 0x9c, 0x63, 0, 1, 0, 0, 5, 0, 1, 0x0d, 0x0a, 0x2d, 0xb4, 0, 0, 0, 0, 0x49, 0x45, 0x4e,
    0x44, 0xae, 0x42, 0x60, 0x82,
];

async fn client_id(ts: &TestServer, name: &str) -> i64 {
    ts.id_of("/api/v1/clients", "name", name).await
}

async fn project(ts: &TestServer, key: &str) -> i64 {
    ts.id_of("/api/v1/projects", "key", key).await
}

async fn user(ts: &TestServer, email: &str) -> i64 {
    ts.id_of("/api/v1/users", "email", email).await
}

/// A new article as `api`: (article id, first version id, its state).
async fn create(api: &Api, body: Value) -> (i64, i64, String) {
    let (status, saved) = api.post("/api/v1/knowledge/articles", body).await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    (
        saved["article_id"].as_i64().unwrap(),
        saved["version"]["id"].as_i64().unwrap(),
        saved["version"]["state"].as_str().unwrap().to_string(),
    )
}

async fn publish(api: &Api, article: i64, version: i64) -> StatusCode {
    api.post(
        &format!("/api/v1/knowledge/articles/{article}/versions/{version}/publish"),
        json!({}),
    )
    .await
    .0
}

/// Creates and publishes an article as `api` (an editor); its id.
async fn published(api: &Api, body: Value) -> i64 {
    let (id, version, _) = create(api, body).await;
    assert_eq!(publish(api, id, version).await, StatusCode::OK);
    id
}

async fn translate(api: &Api, article: i64, language: &str, title: &str, body: &str) {
    let (status, saved) = api
        .post(
            &format!("/api/v1/knowledge/articles/{article}/versions"),
            json!({"language": language, "title": title, "body": body}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    let version = saved["version"]["id"].as_i64().unwrap();
    assert_eq!(publish(api, article, version).await, StatusCode::OK);
}

async fn upload(
    api: &Api,
    article: i64,
    name: &str,
    mime: &str,
    bytes: &[u8],
) -> (StatusCode, Value) {
    let response = api
        .raw(
            Method::POST,
            &format!("/api/v1/knowledge/articles/{article}/attachments?filename={name}"),
            Some((mime, bytes.to_vec())),
            &[],
        )
        .await;
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// GET as a browser would: (status, headers, text).
async fn page(
    api: &Api,
    path: &str,
    language: &str,
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let response = api
        .raw(Method::GET, path, None, &[("Accept-Language", language)])
        .await;
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap_or_default())
}

#[actix_web::test]
async fn article_files_are_read_by_who_reads_the_article_only() {
    let ts = common::demo_server().await;
    let acme = client_id(&ts, "Acme Energie GmbH").await;
    let editor = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    let (id, v1, _) = create(
        &editor,
        json!({"client_id": acme, "language": "de", "title": "Zähler ablesen", "body": "Entwurf"}),
    )
    .await;

    // A draft: agents do not learn of it; a foreign client neither.
    assert_eq!(
        upload(&anna, id, "x.png", "image/png", PNG).await.0,
        StatusCode::NOT_FOUND
    );
    let nord = ts.token_client(CA_NORD);
    assert_eq!(
        upload(&nord, id, "x.png", "image/png", PNG).await.0,
        StatusCode::NOT_FOUND
    );

    let (status, image) = upload(&editor, id, "../zähler.png", "image/png", PNG).await;
    assert_eq!(status, StatusCode::CREATED, "{image}");
    assert_eq!(image["filename"], "zähler.png");
    assert_eq!(image["size"], PNG.len());
    let image_id = image["id"].as_i64().unwrap();
    let url = image["url"].as_str().unwrap().to_string();
    assert_eq!(url, format!("/api/v1/knowledge/attachments/{image_id}"));
    let (_, page_file) = upload(&editor, id, "x.html", "text/html", b"<script>1</script>").await;
    let html_url = page_file["url"].as_str().unwrap().to_string();

    // The image in the Markdown keeps its source.
    let (_, saved) = editor
        .post(
            &format!("/api/v1/knowledge/articles/{id}/versions"),
            json!({"language": "de", "title": "Zähler ablesen", "body": format!("So: ![Zähler]({url})")}),
        )
        .await;
    assert!(
        saved["version"]["body_html"]
            .as_str()
            .unwrap()
            .contains(&format!("src=\"{url}\""))
    );

    // A draft: the agent sees neither the article nor its files.
    assert_eq!(anna.get(&url).await.0, StatusCode::NOT_FOUND);
    let files = format!("/api/v1/knowledge/articles/{id}/attachments");
    assert_eq!(anna.get(&files).await.0, StatusCode::NOT_FOUND);
    let newest = saved["version"]["id"].as_i64().unwrap();
    assert!(newest > v1);
    assert_eq!(publish(&editor, id, newest).await, StatusCode::OK);

    // Readers read the files but add none.
    assert_eq!(
        upload(&anna, id, "x.png", "image/png", PNG).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, list) = anna.get(&files).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let response = anna.raw(Method::GET, &url, None, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline")
    );
    assert!(
        response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), PNG);
    // Anything but a plain image is a download.
    let response = anna.raw(Method::GET, &html_url, None, &[]).await;
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );

    // Other clients, people without a project at Acme: 404.
    for outsider in [CA_NORD, JONAS, TOM] {
        let api = ts.token_client(outsider);
        assert_eq!(api.get(&url).await.0, StatusCode::NOT_FOUND, "{outsider}");
        assert_eq!(api.get(&files).await.0, StatusCode::NOT_FOUND, "{outsider}");
        assert_eq!(
            api.delete(&url).await.0,
            StatusCode::NOT_FOUND,
            "{outsider}"
        );
    }
    assert_eq!(anna.delete(&url).await.0, StatusCode::FORBIDDEN);

    // Removed: gone for everybody, audited.
    assert_eq!(editor.delete(&url).await.0, StatusCode::NO_CONTENT);
    assert_eq!(editor.get(&url).await.0, StatusCode::NOT_FOUND);
    let (_, audit) = editor
        .get(&format!(
            "/api/v1/audit?object_type=kb_attachment&object_id={image_id}"
        ))
        .await;
    assert_eq!(
        audit["items"][0]["action"], "knowledge.attachment.delete",
        "{audit}"
    );
}

#[actix_web::test]
async fn a_granted_agent_edits_and_publishes_the_articles_of_their_project() {
    let ts = common::demo_server().await;
    let acme = client_id(&ts, "Acme Energie GmbH").await;
    let acme_project = project(&ts, "ACME").await;
    let gas = project(&ts, "ACMEGAS").await;
    let anna_id = user(&ts, ANNA).await;
    let lead = ts.token_client(LEAD);
    let anna = ts.token_client(ANNA);
    let editors = format!("/api/v1/knowledge/projects/{acme_project}/editors");
    let limited = |title: &str, projects: Vec<i64>| {
        json!({"client_id": acme, "language": "de", "title": title, "body": "Text",
               "project_ids": projects})
    };

    // Not granted: an agent's article is a suggestion in review.
    let (_, _, state) = create(&anna, limited("Vorschlag", vec![acme_project])).await;
    assert_eq!(state, "review");

    // Who grants: the project's lead, the client admin; not agents, not
    // another client's admin; only agents of the project are granted.
    assert_eq!(
        anna.put(&format!("{editors}/{anna_id}"), json!({})).await.0,
        StatusCode::FORBIDDEN
    );
    let nord = ts.token_client(CA_NORD);
    assert_eq!(
        nord.put(&format!("{editors}/{anna_id}"), json!({})).await.0,
        StatusCode::NOT_FOUND
    );
    let jonas_id = user(&ts, JONAS).await;
    let (status, problem) = lead.put(&format!("{editors}/{jonas_id}"), json!({})).await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("user_id"))
    );
    let (status, granted) = lead.put(&format!("{editors}/{anna_id}"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{granted}");
    assert_eq!(granted["user_id"], anna_id);
    let (_, list) = lead.get(&editors).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(anna.get(&editors).await.0, StatusCode::FORBIDDEN);

    // Granted: drafts and publishing within the project.
    let (own, v1, state) = create(&anna, limited("Abschlag im Projekt", vec![acme_project])).await;
    assert_eq!(state, "draft");
    let (status, article) = anna.get(&format!("/api/v1/knowledge/articles/{own}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        article["project_ids"],
        json!([acme_project]),
        "the editor's view"
    );
    assert_eq!(publish(&anna, own, v1).await, StatusCode::OK);
    assert_eq!(
        upload(&anna, own, "a.png", "image/png", PNG).await.0,
        StatusCode::CREATED
    );
    // Never beyond it: opening the article to every project, articles of
    // all projects or of another project, deleting.
    let (status, _) = anna
        .patch(
            &format!("/api/v1/knowledge/articles/{own}"),
            json!({"project_ids": []}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let editor = ts.token_client(CA_ACME);
    let (everyone, ev1, _) = create(
        &editor,
        json!({"client_id": acme, "language": "de", "title": "Für alle", "body": "x"}),
    )
    .await;
    assert_eq!(publish(&editor, everyone, ev1).await, StatusCode::OK);
    let (_, v2) = {
        let (_, saved) = editor
            .post(
                &format!("/api/v1/knowledge/articles/{everyone}/versions"),
                json!({"language": "de", "title": "Für alle", "body": "y"}),
            )
            .await;
        (everyone, saved["version"]["id"].as_i64().unwrap())
    };
    assert_eq!(publish(&anna, everyone, v2).await, StatusCode::FORBIDDEN);
    let (gas_only, gv1, _) = create(&editor, limited("Nur Gas", vec![gas])).await;
    assert_eq!(
        publish(&anna, gas_only, gv1).await,
        StatusCode::NOT_FOUND,
        "a draft of another project"
    );
    assert_eq!(
        anna.delete(&format!("/api/v1/knowledge/articles/{own}"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (_, audit) = editor
        .get(&format!(
            "/api/v1/audit?object_type=project&object_id={acme_project}"
        ))
        .await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "knowledge.editor.grant"),
        "{audit}"
    );

    // Revoked: back to suggestions.
    assert_eq!(
        lead.delete(&format!("{editors}/{anna_id}")).await.0,
        StatusCode::NO_CONTENT
    );
    let (_, _, state) = create(&anna, limited("Wieder Vorschlag", vec![acme_project])).await;
    assert_eq!(state, "review");
    let (_, saved) = anna
        .post(
            &format!("/api/v1/knowledge/articles/{own}/versions"),
            json!({"language": "de", "title": "t", "body": "b"}),
        )
        .await;
    assert_eq!(saved["version"]["state"], "review", "{saved}");
    let newest = saved["version"]["id"].as_i64().unwrap();
    assert_eq!(publish(&anna, own, newest).await, StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn the_help_center_shows_public_articles_of_the_project_and_nothing_else() {
    let ts = common::demo_server().await;
    let acme = client_id(&ts, "Acme Energie GmbH").await;
    let nordlicht = client_id(&ts, "Nordlicht Versand AG").await;
    let gas = project(&ts, "ACMEGAS").await;
    let editor = ts.token_client(CA_ACME);
    let anon = ts.anonymous();

    // No public article (Nordlicht has none yet): no help center, and its
    // web form does not link one.
    assert_eq!(
        page(&anon, "/help/NORD", "de").await.0,
        StatusCode::NOT_FOUND
    );
    let nord_project = project(&ts, "NORD").await;
    let (status, form) = ts
        .token_client(CA_NORD)
        .put(
            &format!("/api/v1/projects/{nord_project}/webform"),
            json!({"enabled": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{form}");
    let form_page = format!("/f/{}", form["public_id"].as_str().unwrap());
    let (_, _, before) = page(&anon, &form_page, "de").await;
    assert!(!before.contains("/help/"), "{before}");

    let public = published(&editor, json!({"client_id": acme, "language": "de", "visibility": "public",
        "title": "Wolkenstand online melden", "body": "Den **Wolkenstand** melden Sie im Kundenportal."})).await;
    translate(
        &editor,
        public,
        "en",
        "Submit your meter reading",
        "Submit the meter reading in the portal.",
    )
    .await;
    let (_, image) = upload(&editor, public, "portal.png", "image/png", PNG).await;
    let image_id = image["id"].as_i64().unwrap();
    let internal = published(
        &editor,
        json!({"client_id": acme, "language": "de",
        "title": "Interne Wolkenstand-Prüfung", "body": "Wolkenstand intern prüfen"}),
    )
    .await;
    let (_, internal_file) = upload(&editor, internal, "intern.png", "image/png", PNG).await;
    let (draft, _, _) = create(
        &editor,
        json!({"client_id": acme, "language": "de", "visibility": "public",
        "title": "Entwurf Wolkenstand", "body": "Wolkenstand Entwurf"}),
    )
    .await;
    let gas_only = published(
        &editor,
        json!({"client_id": acme, "language": "de", "visibility": "public",
        "project_ids": [gas], "title": "Gaswolkenstand melden", "body": "Wolkenstand Gas"}),
    )
    .await;
    let nord_editor = ts.token_client(CA_NORD);
    let foreign = published(
        &nord_editor,
        json!({"client_id": nordlicht, "language": "de", "visibility": "public",
        "title": "Nordlicht Wolkenstand", "body": "Wolkenstand Versand"}),
    )
    .await;

    let (status, headers, html) = page(&anon, "/help/ACME", "de-DE,de;q=0.9").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(!html.contains("<script"), "works without JavaScript");
    assert!(html.contains("Wolkenstand online melden"), "{html}");
    assert!(html.contains("lang=\"de\""));
    for hidden in [
        "Interne Wolkenstand-Prüfung",
        "Entwurf Wolkenstand",
        "Gaswolkenstand melden",
        "Nordlicht Wolkenstand",
    ] {
        assert!(!html.contains(hidden), "{hidden} leaked: {html}");
    }
    // English: by the browser and by the switch link.
    let (_, _, english) = page(&anon, "/help/ACME", "en-GB,en;q=0.9").await;
    assert!(
        english.contains("Submit your meter reading") && english.contains("Help center"),
        "{english}"
    );
    assert!(html.contains("/help/ACME?lang=en"), "the switch link");
    let (_, _, switched) = page(&anon, "/help/ACME?lang=en", "de").await;
    assert!(switched.contains("Submit your meter reading"));

    // The article, its image under the help center.
    let (status, _, article) = page(&anon, &format!("/help/ACME/articles/{public}"), "de").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        article.contains("<strong>Wolkenstand</strong>"),
        "{article}"
    );
    let (status, _, _) = page(&anon, &format!("/help/ACME/attachments/{image_id}"), "de").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        page(
            &anon,
            &format!("/help/ACME/attachments/{}", internal_file["id"]),
            "de"
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );

    // Nothing else by id: internal, draft, another project's, another client's.
    for hidden in [internal, draft, gas_only, foreign] {
        let (status, _, body) = page(&anon, &format!("/help/ACME/articles/{hidden}"), "de").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "article {hidden}");
        assert!(!body.contains("Wolkenstand"), "{body}");
    }
    assert_eq!(
        page(&anon, &format!("/help/ACMEGAS/articles/{gas_only}"), "de")
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        page(&anon, &format!("/help/NORD/articles/{public}"), "de")
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    // Nordlicht has a public article now, but its help center starts off
    // (migration 0024): still none until its admin switches it on.
    let (_, _, still) = page(&anon, &form_page, "de").await;
    assert!(!still.contains("/help/"), "{still}");
    assert_eq!(
        page(&anon, "/help/NORD", "de").await.0,
        StatusCode::NOT_FOUND
    );
    let (status, switched) = ts
        .token_client(CA_NORD)
        .put(
            &format!("/api/v1/knowledge/projects/{nord_project}/help-center"),
            json!({"enabled": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{switched}");
    // Switched on: its web form links its help center.
    let (_, _, after) = page(&anon, &form_page, "de").await;
    assert!(after.contains("href=\"/help/NORD?lang=de\""), "{after}");
    assert_eq!(page(&anon, "/help/NORD", "de").await.0, StatusCode::OK);
    assert_eq!(
        page(&anon, "/help/BERG", "de").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        page(&anon, "/help/NOPE", "de").await.0,
        StatusCode::NOT_FOUND
    );

    // Search: the same FTS, only the help center's articles.
    let (status, _, hits) = page(&anon, "/help/ACME/search?q=wolkenstand", "de").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        hits.contains(&format!("/help/ACME/articles/{public}")),
        "{hits}"
    );
    for hidden in [internal, draft, gas_only, foreign] {
        assert!(
            !hits.contains(&format!("/articles/{hidden}?")),
            "{hidden} in {hits}"
        );
    }
    let (_, _, escaped) = page(
        &anon,
        "/help/ACME/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "de",
    )
    .await;
    assert!(!escaped.contains("<script>"), "{escaped}");

    // Unpublished: gone at once.
    let (status, _) = editor
        .post(
            &format!("/api/v1/knowledge/articles/{public}/unpublish"),
            json!({"language": "de"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, after) = page(&anon, "/help/ACME/search?q=wolkenstand&lang=de", "de").await;
    assert!(!after.contains("Wolkenstand online melden"), "{after}");
}

#[actix_web::test]
async fn suggestions_follow_the_case_and_stay_in_its_project() {
    let ts = common::demo_server().await;
    let acme = client_id(&ts, "Acme Energie GmbH").await;
    let nordlicht = client_id(&ts, "Nordlicht Versand AG").await;
    let acme_project = project(&ts, "ACME").await;
    let gas = project(&ts, "ACMEGAS").await;
    let editor = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);

    let meter = published(&editor, json!({"client_id": acme, "language": "de", "visibility": "public",
        "title": "Wolkenstand falsch abgelesen", "body": "Wenn der Wolkenstand falsch ist, korrigieren wir die Abrechnung."})).await;
    let moving = published(
        &editor,
        json!({"client_id": acme, "language": "de",
        "title": "Umzug melden", "body": "Beim Umzug den Wolkenstand notieren."}),
    )
    .await;
    let _unrelated = published(
        &editor,
        json!({"client_id": acme, "language": "de",
        "title": "Tarifwechsel", "body": "Tarife vergleichen."}),
    )
    .await;
    let gas_only = published(
        &editor,
        json!({"client_id": acme, "language": "de", "project_ids": [gas],
        "title": "Gaswolkenstand falsch", "body": "Wolkenstand falsch beim Gas"}),
    )
    .await;
    let (draft, _, _) = create(
        &editor,
        json!({"client_id": acme, "language": "de",
        "title": "Wolkenstand falsch Entwurf", "body": "Wolkenstand falsch abgelesen"}),
    )
    .await;
    let nord = published(
        &ts.token_client(CA_NORD),
        json!({"client_id": nordlicht, "language": "de",
        "title": "Wolkenstand falsch abgelesen", "body": "Wolkenstand falsch"}),
    )
    .await;

    let (status, case) = anna
        .post(
            "/api/v1/cases",
            json!({"project_id": acme_project, "subject": "Wolkenstand falsch abgelesen",
            "channel": "email", "message": {"kind": "inbound",
            "body_text": "Guten Tag, mein Wolkenstand wurde falsch abgelesen. Was nun?"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let case_id = case["id"].as_i64().unwrap();
    let path = format!("/api/v1/cases/{case_id}/knowledge-suggestions");

    for who in [ANNA, CA_ACME, LEAD, ADMIN] {
        let (status, list) = ts.token_client(who).get(&path).await;
        assert_eq!(status, StatusCode::OK, "{who}: {list}");
        let ids: Vec<i64> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["article_id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids.first(), Some(&meter), "{who}: best first: {list}");
        assert!(ids.contains(&moving), "{who}: {list}");
        assert!(ids.len() <= 5);
        for hidden in [gas_only, draft, nord] {
            assert!(!ids.contains(&hidden), "{who}: {hidden} suggested: {list}");
        }
        assert_eq!(
            list["items"][0]["public_url"],
            format!("/help/ACME/articles/{meter}?lang=de")
        );
    }
    for outsider in [CA_NORD, JONAS, TOM] {
        assert_eq!(
            ts.token_client(outsider).get(&path).await.0,
            StatusCode::NOT_FOUND,
            "{outsider}"
        );
    }

    // Used: recorded for reports; only articles the case may use.
    let uses = format!("/api/v1/cases/{case_id}/knowledge-uses");
    let (status, used) = anna
        .post(
            &uses,
            json!({"article_id": meter, "language": "de", "how": "text"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{used}");
    assert_eq!(used["how"], "text");
    assert!(used["version_id"].is_i64());
    for (article, language) in [(nord, "de"), (gas_only, "de"), (draft, "de"), (meter, "en")] {
        let (status, problem) = anna
            .post(
                &uses,
                json!({"article_id": article, "language": language, "how": "link"}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{article}: {problem}"
        );
    }
    assert_eq!(
        ts.token_client(JONAS)
            .post(
                &uses,
                json!({"article_id": meter, "language": "de", "how": "link"})
            )
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, list) = anna.get(&uses).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
}

async fn backup(admin: &Api) -> Value {
    let (status, job) = admin.post("/api/v1/backups", json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let (_, job) = admin.get("/api/v1/backups/job").await;
        if job["state"] == "done" || job["state"] == "failed" {
            return job;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "backup did not finish: {job}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn a_backup_holds_the_knowledge_files_and_its_check_asks_for_them() {
    let ts = common::demo_server().await;
    let acme = client_id(&ts, "Acme Energie GmbH").await;
    let editor = ts.token_client(CA_ACME);
    let admin = ts.token_client(ADMIN);
    let article = published(
        &editor,
        json!({"client_id": acme, "language": "de",
        "title": "Mit Bild", "body": "Bild folgt"}),
    )
    .await;
    let (status, file) = upload(&editor, article, "bild.png", "image/png", PNG).await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    let job = backup(&admin).await;
    assert_eq!(job["state"], "done", "{job}");

    // The file's content gone from the disk: the next backup's check fails.
    let id = file["id"].as_i64().unwrap();
    let sha: String = ts
        .server
        .state
        .db
        .read_blocking(|c| {
            c.query_row(
                "SELECT sha256 FROM kb_attachments WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .map_err(zezaro::db::StoreError::from)
        })
        .unwrap();
    let path = zezaro::blobs::BlobStore::new(ts.dir.path())
        .path(&sha)
        .unwrap();
    std::fs::remove_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let job = backup(&admin).await;
    assert_eq!(job["state"], "failed", "{job}");
}
