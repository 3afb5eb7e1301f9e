//! The knowledge base (issue 14, docs/knowledge.md) through the API of a
//! real server over a real SQLite store with the demo data: versions and
//! their states, what agents see, project limits, isolation between
//! clients, search.

use crate::common::{self, Api, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

const CA_ACME: &str = "kadmin@acme-energie.example";
const CA_NORD: &str = "kadmin@nordlicht.example";
const LEAD: &str = "lead@zezaro.example";
const ANNA: &str = "anna.schmidt@acme-energie.example";
const JONAS: &str = "jonas.weber@nordlicht.example";
const BASIC: &str = "basic.agent@zezaro.example";
const TOM: &str = "tom.berger@zezaro.example";

async fn acme(ts: &TestServer) -> i64 {
    ts.id_of("/api/v1/clients", "name", "Acme Energie GmbH")
        .await
}

/// Creates an article as `api` and returns (article id, first version id).
async fn create(api: &Api, body: Value) -> (i64, i64) {
    let (status, saved) = api.post("/api/v1/knowledge/articles", body).await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    (
        saved["article_id"].as_i64().unwrap(),
        saved["version"]["id"].as_i64().unwrap(),
    )
}

async fn publish(api: &Api, article: i64, version: i64) -> Value {
    let (status, body) = api
        .post(
            &format!("/api/v1/knowledge/articles/{article}/versions/{version}/publish"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn translation<'a>(article: &'a Value, language: &str) -> &'a Value {
    article["translations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["language"] == language)
        .unwrap()
}

/// The articles the demo seeded (`src/demo/knowledge.rs`), as the editor
/// lists them.
async fn demo_articles(editor: &Api, client_id: i64) -> Vec<i64> {
    let (status, list) = editor
        .get(&format!(
            "/api/v1/knowledge/articles?client_id={client_id}&limit=200"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect()
}

async fn audit_actions(api: &Api, article: i64) -> Vec<String> {
    let (status, page) = api
        .get(&format!(
            "/api/v1/audit?object_type=kb_article&object_id={article}"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn every_save_is_a_version_and_agents_see_only_the_published_one() {
    let ts = common::demo_server().await;
    let client_id = acme(&ts).await;
    let editor = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);

    let (id, v1) = create(
        &editor,
        json!({"client_id": client_id, "language": "de", "title": "Abschlag ändern",
               "body": "Erster Entwurf", "tags": ["Abschlag", "strom"]}),
    )
    .await;
    let article = format!("/api/v1/knowledge/articles/{id}");
    let versions = format!("{article}/versions");

    // A draft only: the agent does not learn the article exists.
    assert_eq!(anna.get(&article).await.0, StatusCode::NOT_FOUND);
    let (_, list) = anna
        .get(&format!("/api/v1/knowledge/articles?client_id={client_id}"))
        .await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["id"] != id)
    );
    let (_, list) = editor
        .get(&format!("/api/v1/knowledge/articles?client_id={client_id}"))
        .await;
    let listed = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id);
    assert_eq!(listed.unwrap()["titles"][0]["pending"], "draft", "{list}");

    // Every save a new version; a save on a stale version is refused.
    let (status, saved) = editor
        .post(
            &versions,
            json!({"language": "de", "title": "Abschlag ändern", "body": "Zweiter **Entwurf**", "based_on": v1}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    let v2 = saved["version"]["id"].as_i64().unwrap();
    assert_eq!(saved["version"]["number"], 2);
    assert_eq!(saved["version"]["state"], "draft");
    assert!(
        saved["version"]["body_html"]
            .as_str()
            .unwrap()
            .contains("<strong>Entwurf</strong>")
    );
    let (status, conflict) = editor
        .post(
            &versions,
            json!({"language": "de", "title": "X", "body": "Y", "based_on": v1}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(conflict["code"], "version-conflict");

    // Only the newest version moves on.
    let (status, stale) = editor
        .post(&format!("{versions}/{v1}/submit"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(stale["code"], "version-not-current");
    let (status, submitted) = editor
        .post(&format!("{versions}/{v2}/submit"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{submitted}");
    assert_eq!(submitted["state"], "review");
    assert!(submitted["submitted_at"].is_string());

    // An agent may neither publish nor read the history.
    assert_eq!(
        anna.post(&format!("{versions}/{v2}/publish"), json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND,
        "not published yet: the agent cannot see the article"
    );
    let published = publish(&editor, id, v2).await;
    assert_eq!(published["state"], "published");
    assert!(published["published_by"].is_i64());
    assert!(published["published_at"].is_string());
    assert_eq!(
        anna.post(&format!("{versions}/{v2}/publish"), json!({}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(anna.get(&versions).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        anna.get(&format!("{versions}/{v1}")).await.0,
        StatusCode::FORBIDDEN
    );

    // The agent reads the published version; English is missing.
    let (status, read) = anna.get(&article).await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert_eq!(translation(&read, "de")["published"]["id"], v2);
    assert!(translation(&read, "de")["head"].is_null());
    assert!(translation(&read, "en")["published"].is_null());
    assert_eq!(read["tags"], json!(["abschlag", "strom"]));

    // A newer draft stays the editor's until published.
    let (_, saved) = editor
        .post(
            &versions,
            json!({"language": "de", "title": "Abschlag anpassen", "body": "Dritte Fassung"}),
        )
        .await;
    let v3 = saved["version"]["id"].as_i64().unwrap();
    let (_, read) = anna.get(&article).await;
    assert_eq!(translation(&read, "de")["published"]["id"], v2);
    assert!(translation(&read, "de")["head"].is_null());
    let (_, seen) = editor.get(&article).await;
    assert_eq!(translation(&seen, "de")["head"]["id"], v3);
    assert_eq!(translation(&seen, "de")["published"]["id"], v2);
    publish(&editor, id, v3).await;
    let (_, read) = anna.get(&article).await;
    assert_eq!(
        translation(&read, "de")["published"]["title"],
        "Abschlag anpassen"
    );

    // Restore the first text as a new draft.
    let (status, restored) = editor
        .post(&format!("{versions}/{v1}/restore"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{restored}");
    assert_eq!(restored["version"]["number"], 4);
    assert_eq!(restored["version"]["state"], "draft");
    assert_eq!(restored["version"]["restored_from"], v1);
    assert_eq!(restored["version"]["body_md"], "Erster Entwurf");

    let (_, history) = editor.get(&versions).await;
    let states: Vec<(i64, String)> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["number"].as_i64().unwrap(),
                v["state"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        states,
        vec![
            (4, "draft".into()),
            (3, "published".into()),
            (2, "archived".into()),
            (1, "archived".into()),
        ]
    );

    // Unpublish: the agent no longer sees it; delete: nobody does.
    let (status, after) = editor
        .post(&format!("{article}/unpublish"), json!({"language": "de"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert!(translation(&after, "de")["published"].is_null());
    assert_eq!(anna.get(&article).await.0, StatusCode::NOT_FOUND);
    let (status, again) = editor
        .post(&format!("{article}/unpublish"), json!({"language": "de"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(again["code"], "not-published");
    assert_eq!(editor.delete(&article).await.0, StatusCode::NO_CONTENT);
    assert_eq!(editor.get(&article).await.0, StatusCode::NOT_FOUND);

    let actions = audit_actions(&editor, id).await;
    for action in [
        "knowledge.article.publish",
        "knowledge.article.unpublish",
        "knowledge.article.delete",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "knowledge.article.publish")
            .count(),
        2
    );
    ts.server.stop().await;
}

#[actix_web::test]
async fn an_agent_suggests_a_change_that_an_editor_publishes() {
    let ts = common::demo_server().await;
    let client_id = acme(&ts).await;
    // A provider project lead of Acme's projects edits Acme's knowledge.
    let lead = ts.token_client(LEAD);
    let anna = ts.token_client(ANNA);
    let (id, v1) = create(
        &lead,
        json!({"client_id": client_id, "language": "de", "title": "Umzug melden", "body": "Alt"}),
    )
    .await;
    publish(&lead, id, v1).await;
    let versions = format!("/api/v1/knowledge/articles/{id}/versions");

    let (status, suggested) = anna
        .post(
            &versions,
            json!({"language": "de", "title": "Umzug melden", "body": "Neu, mit Zählerstand"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{suggested}");
    assert_eq!(suggested["version"]["state"], "review");
    let suggestion = suggested["version"]["id"].as_i64().unwrap();
    let (_, read) = anna.get(&format!("/api/v1/knowledge/articles/{id}")).await;
    assert_eq!(translation(&read, "de")["published"]["body_md"], "Alt");
    assert_eq!(
        anna.post(&format!("{versions}/{suggestion}/publish"), json!({}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // Agents may not change the frame or delete either.
    assert_eq!(
        anna.patch(
            &format!("/api/v1/knowledge/articles/{id}"),
            json!({"tags": ["x"]})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        anna.delete(&format!("/api/v1/knowledge/articles/{id}"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );

    let (_, seen) = lead.get(&format!("/api/v1/knowledge/articles/{id}")).await;
    assert_eq!(translation(&seen, "de")["head"]["state"], "review");
    publish(&lead, id, suggestion).await;
    let (_, read) = anna.get(&format!("/api/v1/knowledge/articles/{id}")).await;
    assert_eq!(
        translation(&read, "de")["published"]["body_md"],
        "Neu, mit Zählerstand"
    );

    // A new article from an agent is a suggestion, invisible to agents.
    let (id, version) = create(
        &anna,
        json!({"client_id": client_id, "language": "en", "title": "Moving house", "body": "Tell us"}),
    )
    .await;
    let (_, seen) = lead.get(&format!("/api/v1/knowledge/articles/{id}")).await;
    assert_eq!(translation(&seen, "en")["head"]["id"], version);
    assert_eq!(translation(&seen, "en")["head"]["state"], "review");
    assert_eq!(
        anna.get(&format!("/api/v1/knowledge/articles/{id}"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    ts.server.stop().await;
}

#[actix_web::test]
async fn an_article_limited_to_a_project_is_read_only_in_that_project() {
    let ts = common::demo_server().await;
    let client_id = acme(&ts).await;
    let gas = ts.id_of("/api/v1/projects", "key", "ACMEGAS").await;
    let nord_project = ts.id_of("/api/v1/projects", "key", "NORD").await;
    let editor = ts.token_client(CA_ACME);
    // Anna works in both Acme projects; the Basic agent only in the
    // electricity project (and at Nordlicht).
    let anna = ts.token_client(ANNA);
    let basic = ts.token_client(BASIC);

    let (status, refused) = editor
        .post(
            "/api/v1/knowledge/articles",
            json!({"client_id": client_id, "language": "de", "title": "T", "body": "B", "project_ids": [nord_project]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["field"], "project_ids");

    let (id, v1) = create(
        &editor,
        json!({"client_id": client_id, "language": "de", "title": "Gastarif Wechselbonus",
               "body": "Nur im Gasvertrieb", "project_ids": [gas]}),
    )
    .await;
    publish(&editor, id, v1).await;
    let article = format!("/api/v1/knowledge/articles/{id}");
    assert_eq!(anna.get(&article).await.0, StatusCode::OK);
    assert_eq!(basic.get(&article).await.0, StatusCode::NOT_FOUND);
    let search = format!("/api/v1/knowledge/search?client_id={client_id}&q=Wechselbonus");
    let (_, hits) = anna.get(&search).await;
    assert_eq!(hits["items"].as_array().unwrap().len(), 1, "{hits}");
    let (status, hits) = basic.get(&search).await;
    assert_eq!(status, StatusCode::OK);
    assert!(hits["items"].as_array().unwrap().is_empty(), "{hits}");
    let (_, list) = basic
        .get(&format!("/api/v1/knowledge/articles?client_id={client_id}"))
        .await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["id"] != id)
    );
    // Lifting the limit opens it to every project of the client.
    let (status, _) = editor.patch(&article, json!({"project_ids": []})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(basic.get(&article).await.0, StatusCode::OK);

    // Deleting the only project an article is limited to does not open it
    // to the client's other projects.
    let (status, project) = editor
        .post(
            "/api/v1/projects",
            json!({"client_id": client_id, "name": "Wärmepumpen", "key": "ACMEWP"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{project}");
    let project = project["id"].as_i64().unwrap();
    let anna_id = ts.id_of("/api/v1/users", "email", ANNA).await;
    let (status, member) = editor
        .put(
            &format!("/api/v1/projects/{project}/members/{anna_id}"),
            json!({"role": "agent"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{member}");
    let (id, v1) = create(
        &editor,
        json!({"client_id": client_id, "language": "de", "title": "Wärmepumpe entstören",
               "body": "Nur für das Wärmepumpen-Team", "project_ids": [project]}),
    )
    .await;
    publish(&editor, id, v1).await;
    let article = format!("/api/v1/knowledge/articles/{id}");
    assert_eq!(anna.get(&article).await.0, StatusCode::OK);
    assert_eq!(basic.get(&article).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        editor
            .delete(&format!("/api/v1/projects/{project}"))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(anna.get(&article).await.0, StatusCode::NOT_FOUND);
    assert_eq!(basic.get(&article).await.0, StatusCode::NOT_FOUND);
    let (_, seen) = editor.get(&article).await;
    assert_eq!(seen["limited"], true, "{seen}");
    assert_eq!(seen["project_ids"], json!([]));
    let (_, hits) = anna
        .get(&format!(
            "/api/v1/knowledge/search?client_id={client_id}&q=entstoren"
        ))
        .await;
    assert!(hits["items"].as_array().unwrap().is_empty(), "{hits}");
    ts.server.stop().await;
}

#[actix_web::test]
async fn nothing_of_one_client_is_reachable_by_another_clients_users() {
    let ts = common::demo_server().await;
    let client_id = acme(&ts).await;
    let editor = ts.token_client(CA_ACME);
    let (_, category) = editor
        .post(
            "/api/v1/knowledge/categories",
            json!({"client_id": client_id, "name": "Abrechnung"}),
        )
        .await;
    let category = category["id"].as_i64().unwrap();
    let (id, v1) = create(
        &editor,
        json!({"client_id": client_id, "category_id": category, "language": "de",
               "title": "Rechnung erklären", "body": "Abschlag und Jahresabrechnung"}),
    )
    .await;
    publish(&editor, id, v1).await;
    let (_, saved) = editor
        .post(
            &format!("/api/v1/knowledge/articles/{id}/versions"),
            json!({"language": "de", "title": "Rechnung", "body": "Neu"}),
        )
        .await;
    let v2 = saved["version"]["id"].as_i64().unwrap();

    let a = format!("/api/v1/knowledge/articles/{id}");
    let reads = [
        format!("/api/v1/knowledge/categories?client_id={client_id}"),
        format!("/api/v1/knowledge/articles?client_id={client_id}"),
        format!("/api/v1/knowledge/search?client_id={client_id}&q=Rechnung"),
        a.clone(),
        format!("{a}/versions"),
        format!("{a}/versions/{v1}"),
        format!("/api/v1/knowledge/review?client_id={client_id}"),
        format!("/api/v1/knowledge/articles?client_id={client_id}&deleted=true"),
    ];
    let writes = [
        (
            "POST",
            "/api/v1/knowledge/categories".to_string(),
            json!({"client_id": client_id, "name": "X"}),
        ),
        (
            "PATCH",
            format!("/api/v1/knowledge/categories/{category}"),
            json!({"name": "X"}),
        ),
        (
            "DELETE",
            format!("/api/v1/knowledge/categories/{category}"),
            Value::Null,
        ),
        (
            "POST",
            "/api/v1/knowledge/articles".to_string(),
            json!({"client_id": client_id, "language": "de", "title": "X", "body": "Y"}),
        ),
        ("PATCH", a.clone(), json!({"tags": ["x"]})),
        (
            "POST",
            format!("{a}/versions"),
            json!({"language": "de", "title": "X", "body": "Y"}),
        ),
        ("POST", format!("{a}/versions/{v2}/submit"), json!({})),
        ("POST", format!("{a}/versions/{v2}/publish"), json!({})),
        ("POST", format!("{a}/versions/{v1}/restore"), json!({})),
        ("POST", format!("{a}/unpublish"), json!({"language": "de"})),
        ("DELETE", a.clone(), Value::Null),
        ("POST", format!("{a}/undelete"), json!({})),
    ];
    // Another client's admin, its agent, and an agent of a third client.
    for email in [CA_NORD, JONAS, TOM] {
        let foreign = ts.token_client(email);
        for path in &reads {
            let (status, body) = foreign.get(path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{email} GET {path}: {body}");
        }
        for (method, path, body) in &writes {
            let (status, answer) = match *method {
                "POST" => foreign.post(path, body.clone()).await,
                "PATCH" => foreign.patch(path, body.clone()).await,
                _ => foreign.delete(path).await,
            };
            assert_eq!(
                status,
                StatusCode::NOT_FOUND,
                "{email} {method} {path}: {answer}"
            );
        }
    }
    // A client that does not exist is missing for the platform admin too.
    let admin = ts.token_client("admin@zezaro.example");
    let (status, body) = admin
        .get("/api/v1/knowledge/categories?client_id=999999")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = admin
        .post(
            "/api/v1/knowledge/categories",
            json!({"client_id": 999999, "name": "X"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    // All of it is still there for the owner.
    let (_, seen) = editor.get(&a).await;
    assert_eq!(translation(&seen, "de")["published"]["id"], v1);
    assert_eq!(translation(&seen, "de")["head"]["id"], v2);
    assert_eq!(
        editor.get(&format!("{a}/versions")).await.1["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    ts.server.stop().await;
}

#[actix_web::test]
async fn search_finds_published_articles_by_folded_umlauts_and_never_drafts() {
    let ts = common::demo_server().await;
    let client_id = acme(&ts).await;
    let editor = ts.token_client(CA_ACME);
    // The demo's own knowledge base is left out: only this test's articles.
    let demo = demo_articles(&editor, client_id).await;
    let anna = ts.token_client(ANNA);
    let (_, category) = editor
        .post(
            "/api/v1/knowledge/categories",
            json!({"client_id": client_id, "name": "Zähler"}),
        )
        .await;
    let category = category["id"].as_i64().unwrap();
    let (published_id, v1) = create(
        &editor,
        json!({"client_id": client_id, "category_id": category, "language": "de",
               "title": "Zählerstand melden", "tags": ["Zähler"],
               "body": "Den **Zählerstand** nehmen wir telefonisch oder über das Kundenportal entgegen."}),
    )
    .await;
    publish(&editor, published_id, v1).await;
    let (draft_id, _) = create(
        &editor,
        json!({"client_id": client_id, "language": "de", "title": "Zählerwechsel planen",
               "body": "Entwurf: Zählerwechsel durch den Messstellenbetreiber."}),
    )
    .await;
    let search = |q: &str| format!("/api/v1/knowledge/search?client_id={client_id}&q={q}");
    let ids = |hits: &Value| -> Vec<i64> {
        hits["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["article_id"].as_i64().unwrap())
            .filter(|id| !demo.contains(id))
            .collect()
    };

    for who in [&editor, &anna] {
        // Folded umlaut, prefix, phrase; the snippet marks the match.
        let (status, hits) = who.get(&search("zahlerstand")).await;
        assert_eq!(status, StatusCode::OK, "{hits}");
        assert_eq!(ids(&hits), vec![published_id], "{hits}");
        assert!(hits["items"][0]["snippet"].as_str().unwrap().contains('«'));
        assert_eq!(hits["items"][0]["language"], "de");
        let (_, hits) = who.get(&search("Z%C3%A4hl*")).await;
        assert_eq!(ids(&hits), vec![published_id], "{hits}");
        let (_, hits) = who.get(&search("%22telefonisch%20oder%22")).await;
        assert_eq!(ids(&hits), vec![published_id], "{hits}");
        // The draft's own words find nothing, for editors too.
        let (_, hits) = who.get(&search("Zahlerwechsel")).await;
        assert!(ids(&hits).is_empty(), "{hits}");
        let (_, hits) = who.get(&search("Messstellenbetreiber")).await;
        assert!(ids(&hits).is_empty(), "{hits}");
    }
    // Filters: tag (parameter and in the query), category, language.
    let (_, hits) = anna
        .get(&format!("{}&tag=z%C3%A4hler", search("Kundenportal")))
        .await;
    assert_eq!(ids(&hits), vec![published_id]);
    let (_, hits) = anna.get(&search("Kundenportal%20tag:strom")).await;
    assert!(ids(&hits).is_empty());
    let (_, hits) = anna
        .get(&format!(
            "{}&category_id={category}",
            search("Kundenportal")
        ))
        .await;
    assert_eq!(ids(&hits), vec![published_id]);
    let (_, hits) = anna
        .get(&format!("{}&language=en", search("Kundenportal")))
        .await;
    assert!(ids(&hits).is_empty());

    // A newer draft of the published article is not searched until it is
    // published; then the old text is gone from the index.
    let (_, saved) = editor
        .post(
            &format!("/api/v1/knowledge/articles/{published_id}/versions"),
            json!({"language": "de", "title": "Zählerstand melden", "body": "Jetzt auch per Postkarte."}),
        )
        .await;
    let v2 = saved["version"]["id"].as_i64().unwrap();
    let (_, hits) = anna.get(&search("Postkarte")).await;
    assert!(ids(&hits).is_empty());
    publish(&editor, published_id, v2).await;
    let (_, hits) = anna.get(&search("Postkarte")).await;
    assert_eq!(ids(&hits), vec![published_id]);
    let (_, hits) = anna.get(&search("Kundenportal")).await;
    assert!(ids(&hits).is_empty(), "{hits}");

    // Publishing the draft article makes it findable; unpublishing and
    // deleting take articles out again.
    let (_, seen) = editor
        .get(&format!("/api/v1/knowledge/articles/{draft_id}"))
        .await;
    let draft_version = translation(&seen, "de")["head"]["id"].as_i64().unwrap();
    publish(&editor, draft_id, draft_version).await;
    let (_, hits) = anna.get(&search("zahlerwechsel")).await;
    assert_eq!(ids(&hits), vec![draft_id]);
    editor
        .post(
            &format!("/api/v1/knowledge/articles/{draft_id}/unpublish"),
            json!({"language": "de"}),
        )
        .await;
    let (_, hits) = anna.get(&search("zahlerwechsel")).await;
    assert!(ids(&hits).is_empty());
    editor
        .delete(&format!("/api/v1/knowledge/articles/{published_id}"))
        .await;
    let (_, hits) = editor.get(&search("Postkarte")).await;
    assert!(ids(&hits).is_empty());
    ts.server.stop().await;
}

#[actix_web::test]
async fn categories_nest_in_order_and_markdown_is_sanitised() {
    let ts = common::demo_server().await;
    let client_id = acme(&ts).await;
    let editor = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    let post = |name: &str, parent: Option<i64>, position: i64| json!({"client_id": client_id, "name": name, "parent_id": parent, "position": position});
    let (_, top) = editor
        .post("/api/v1/knowledge/categories", post("Vertrag", None, 1))
        .await;
    let top = top["id"].as_i64().unwrap();
    let (_, b) = editor
        .post(
            "/api/v1/knowledge/categories",
            post("Kündigung", Some(top), 2),
        )
        .await;
    let b = b["id"].as_i64().unwrap();
    let (status, a) = editor
        .post(
            "/api/v1/knowledge/categories",
            post("Abschluss", Some(top), 1),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    let a = a["id"].as_i64().unwrap();
    assert_eq!(
        anna.post("/api/v1/knowledge/categories", post("X", None, 0))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (_, list) = anna
        .get(&format!(
            "/api/v1/knowledge/categories?client_id={client_id}"
        ))
        .await;
    let children: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["parent_id"] == top)
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(children, vec![a, b]);

    // Without a position the server puts a category last among its siblings
    // (the UI does not count siblings from a list it may have loaded stale),
    // also when it moves to another parent.
    let (status, c) = editor
        .post(
            "/api/v1/knowledge/categories",
            json!({"client_id": client_id, "name": "Zuletzt", "parent_id": top}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!(c["position"], 3, "after Kündigung (2)");
    let (_, loose) = editor
        .post(
            "/api/v1/knowledge/categories",
            json!({"client_id": client_id, "name": "Lose", "parent_id": null}),
        )
        .await;
    let (status, moved) = editor
        .patch(
            &format!("/api/v1/knowledge/categories/{}", loose["id"]),
            json!({"parent_id": top}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["position"], 4);
    for id in [&c["id"], &loose["id"]] {
        let (status, _) = editor
            .delete(&format!("/api/v1/knowledge/categories/{id}"))
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }

    // No cycles; only empty categories go, and that is audited.
    let (status, cycle) = editor
        .patch(
            &format!("/api/v1/knowledge/categories/{top}"),
            json!({"parent_id": b}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{cycle}");
    assert_eq!(cycle["field"], "parent_id");
    let (id, v1) = create(
        &editor,
        json!({"client_id": client_id, "category_id": b, "language": "en", "title": "Cancelling",
               "body": "| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode\n```\n\n[help](https://example.com) \
                        ![pixel](https://tracker.example/p.gif) <script>alert(1)</script>"}),
    )
    .await;
    let (status, busy) = editor
        .delete(&format!("/api/v1/knowledge/categories/{b}"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(busy["code"], "category-not-empty");
    let (status, moved) = editor
        .patch(
            &format!("/api/v1/knowledge/articles/{id}"),
            json!({"category_id": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert!(moved["category_id"].is_null());
    assert_eq!(
        editor
            .delete(&format!("/api/v1/knowledge/categories/{b}"))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let (_, page) = editor
        .get(&format!(
            "/api/v1/audit?object_type=kb_category&object_id={b}"
        ))
        .await;
    assert_eq!(page["items"][0]["action"], "knowledge.category.delete");

    let version = publish(&editor, id, v1).await;
    let html = version["body_html"].as_str().unwrap();
    assert!(
        html.contains("<table>") && html.contains("<code>code"),
        "{html}"
    );
    assert!(html.contains(r#"href="https://example.com""#), "{html}");
    assert!(
        !html.contains("tracker.example") && !html.contains("<script"),
        "{html}"
    );
    ts.server.stop().await;
}

#[actix_web::test]
async fn suggestions_wait_in_review_and_deleted_articles_come_back() {
    let ts = common::demo_server().await;
    let client_id = acme(&ts).await;
    let editor = ts.token_client(CA_ACME);
    let lead = ts.token_client(LEAD);
    let anna = ts.token_client(ANNA);
    // The demo's own suggestion in review is left out.
    let demo = demo_articles(&editor, client_id).await;
    let (id, v1) = create(
        &editor,
        json!({"client_id": client_id, "language": "de", "title": "Ratenzahlung",
               "body": "Eine Ratenzahlung vereinbaren wir ab 100 Euro."}),
    )
    .await;
    publish(&editor, id, v1).await;
    let (_, suggested) = anna
        .post(
            &format!("/api/v1/knowledge/articles/{id}/versions"),
            json!({"language": "de", "title": "Ratenzahlung", "body": "Ab 50 Euro."}),
        )
        .await;
    let suggestion = suggested["version"]["id"].as_i64().unwrap();

    // The review queue: editors only (the demo's own suggestion left out).
    let review = format!("/api/v1/knowledge/review?client_id={client_id}");
    for api in [&editor, &lead] {
        let (status, queue) = api.get(&review).await;
        assert_eq!(status, StatusCode::OK, "{queue}");
        let ids: Vec<i64> = queue["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| !demo.contains(&v["article_id"].as_i64().unwrap()))
            .map(|v| v["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![suggestion]);
    }
    assert_eq!(anna.get(&review).await.0, StatusCode::FORBIDDEN);

    // Deleted: gone for everybody, listed for the client admin only.
    let article = format!("/api/v1/knowledge/articles/{id}");
    assert_eq!(editor.delete(&article).await.0, StatusCode::NO_CONTENT);
    let ours = |list: &Value| -> Vec<i64> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["article_id"].as_i64().unwrap())
            .filter(|a| !demo.contains(a))
            .collect()
    };
    let (_, queue) = editor.get(&review).await;
    assert!(ours(&queue).is_empty(), "{queue}");
    let search = format!("/api/v1/knowledge/search?client_id={client_id}&q=Ratenzahlung");
    let (_, hits) = anna.get(&search).await;
    assert!(ours(&hits).is_empty(), "{hits}");
    let deleted = format!("/api/v1/knowledge/articles?client_id={client_id}&deleted=true");
    let (status, list) = editor.get(&deleted).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["items"][0]["id"], id);
    assert_eq!(lead.get(&deleted).await.0, StatusCode::FORBIDDEN);
    assert_eq!(anna.get(&deleted).await.0, StatusCode::FORBIDDEN);
    let undelete = format!("{article}/undelete");
    assert_eq!(
        lead.post(&undelete, json!({})).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        anna.post(&undelete, json!({})).await.0,
        StatusCode::NOT_FOUND
    );

    // Restored by the client admin: published and findable again.
    let (status, back) = editor.post(&undelete, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{back}");
    assert_eq!(translation(&back, "de")["published"]["id"], v1);
    assert_eq!(anna.get(&article).await.0, StatusCode::OK);
    let (_, hits) = anna.get(&search).await;
    assert_eq!(ours(&hits), vec![id], "{hits}");
    assert_eq!(
        editor.post(&undelete, json!({})).await.0,
        StatusCode::NOT_FOUND,
        "not deleted (any more)"
    );
    let actions = audit_actions(&editor, id).await;
    assert!(
        actions.iter().any(|a| a == "knowledge.article.undelete"),
        "{actions:?}"
    );
    ts.server.stop().await;
}
