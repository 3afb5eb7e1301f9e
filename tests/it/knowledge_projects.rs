//! The knowledge settings of a client's projects (docs/knowledge.md, "Who
//! may do what" and "Help center"): its agents by name with editing granted
//! or not, effective at once, and the help center's on/off switch, through
//! a real server with the demo data.

use crate::common::{self, Api, TestServer};
use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

const ADMIN: &str = "admin@zezaro.example";
const CA_ACME: &str = "kadmin@acme-energie.example";
const CA_NORD: &str = "kadmin@nordlicht.example";
const LEAD: &str = "lead@zezaro.example";
const ANNA: &str = "anna.schmidt@acme-energie.example";
const JONAS: &str = "jonas.weber@nordlicht.example";

type Events =
    std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>;

async fn subscribe(ts: &TestServer, email: &str) -> Events {
    let response = ts
        .token_client(email)
        .raw(Method::GET, "/api/v1/events", None, &[])
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

async fn id_of(ts: &TestServer, list: &str, field: &str, value: &str) -> i64 {
    ts.id_of(list, field, value).await
}

fn items(list: &Value) -> &Vec<Value> {
    list["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {list}"))
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

async fn page(api: &Api, path: &str) -> (StatusCode, String) {
    let response = api
        .raw(Method::GET, path, None, &[("Accept-Language", "de")])
        .await;
    let status = response.status();
    (status, response.text().await.unwrap_or_default())
}

async fn audit_actions(api: &Api, object_id: i64) -> Vec<String> {
    let (status, audit) = api
        .get(&format!(
            "/api/v1/audit?object_type=project&object_id={object_id}"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    items(&audit)
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[actix_web::test]
async fn a_projects_agents_are_listed_by_name_and_a_grant_takes_effect_at_once() {
    let ts = common::demo_server().await;
    let acme = id_of(&ts, "/api/v1/clients", "name", "Acme Energie GmbH").await;
    let acme_project = id_of(&ts, "/api/v1/projects", "key", "ACME").await;
    let anna_id = id_of(&ts, "/api/v1/users", "email", ANNA).await;
    let ca = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    let list_path = format!("/api/v1/knowledge/projects?client_id={acme}");

    // The client admin: every project of the client, may switch.
    let (status, list) = ca.get(&list_path).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let keys: Vec<&str> = items(&list)
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    for key in ["ACME", "ACMEGAS"] {
        assert!(keys.contains(&key), "{key} missing: {list}");
    }
    assert!(
        items(&list)
            .iter()
            .all(|p| p["can_switch_help_center"] == true)
    );
    // Without `client_id` a client's own user means their client (the
    // fuzzer's link from /teams sent none); the platform admin, of no
    // client, must name one.
    let (status, own) = ca.get("/api/v1/knowledge/projects").await;
    assert_eq!((status, &own), (StatusCode::OK, &list));
    let (status, problem) = ts
        .token_client(ADMIN)
        .get("/api/v1/knowledge/projects")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["field"], "client_id", "{problem}");
    // The lead: the projects they lead (of this client only), no switch.
    let (status, led) = ts.token_client(LEAD).get(&list_path).await;
    assert_eq!(status, StatusCode::OK, "{led}");
    let led_keys: Vec<&str> = items(&led)
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert!(
        led_keys.contains(&"ACME") && !led_keys.contains(&"NORD"),
        "{led}"
    );
    assert!(
        items(&led)
            .iter()
            .all(|p| p["can_switch_help_center"] == false)
    );
    // An agent: 403; another client's admin: 404 (list and project).
    assert_eq!(anna.get(&list_path).await.0, StatusCode::FORBIDDEN);
    let nord_admin = ts.token_client(CA_NORD);
    assert_eq!(nord_admin.get(&list_path).await.0, StatusCode::NOT_FOUND);
    let detail_path = format!("/api/v1/knowledge/projects/{acme_project}");
    assert_eq!(nord_admin.get(&detail_path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(anna.get(&detail_path).await.0, StatusCode::FORBIDDEN);

    // The project's agents by name; Anna edits nothing yet.
    let anna_row = |detail: &Value| {
        items(&json!({"items": detail["agents"].clone()}))
            .iter()
            .find(|a| a["user_id"] == anna_id)
            .cloned()
            .unwrap_or_else(|| panic!("Anna missing: {detail}"))
    };
    let (status, detail) = ca.get(&detail_path).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!(detail["project"]["key"], "ACME");
    let row = anna_row(&detail);
    assert_eq!(row["name"], "Anna Schmidt", "{row}");
    assert_eq!(row["edits_knowledge"], false);
    let limited = |title: &str| {
        json!({"client_id": acme, "language": "de", "project_ids": [acme_project],
                             "title": title, "body": "Zählerwechsel im Keller"})
    };
    let (_, _, state) = create(&anna, limited("Vor der Freigabe")).await;
    assert_eq!(state, "review", "not granted: a suggestion");

    // Granted: at once (no new sign-in) her article is a draft she publishes;
    // her open screens learn of it live, another client's agent does not.
    let anna_live = subscribe(&ts, ANNA).await;
    let jonas_live = subscribe(&ts, JONAS).await;
    let (status, granted) = ca
        .put(
            &format!("/api/v1/knowledge/projects/{acme_project}/editors/{anna_id}"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{granted}");
    let frames = knowledge_frames(anna_live, Duration::from_millis(1500)).await;
    assert!(
        frames
            .iter()
            .any(|f| f["type"] == "editor" && f["id"] == acme_project && f["action"] == "changed"),
        "{frames:?}"
    );
    let frames = knowledge_frames(jonas_live, Duration::from_millis(300)).await;
    assert!(frames.iter().all(|f| f["type"] != "editor"), "{frames:?}");
    let (_, detail) = ca.get(&detail_path).await;
    let row = anna_row(&detail);
    assert_eq!(row["edits_knowledge"], true, "{row}");
    assert!(row["granted_by_name"].is_string(), "{row}");
    assert!(row["granted_at"].is_string(), "{row}");
    let (_, me) = anna.get("/api/v1/me").await;
    let mine = me["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == acme_project)
        .cloned()
        .unwrap();
    assert_eq!(mine["edits_knowledge"], true, "{mine}");
    let (article, version, state) = create(&anna, limited("Zählerwechsel")).await;
    assert_eq!(state, "draft");
    assert_eq!(publish(&anna, article, version).await, StatusCode::OK);
    let (_, read) = anna
        .get(&format!("/api/v1/knowledge/articles/{article}"))
        .await;
    assert_eq!(read["can_edit"], true, "{read}");
    assert!(
        audit_actions(&ca, acme_project)
            .await
            .contains(&"knowledge.editor.grant".to_string())
    );

    // Revoked: at once a suggestion again, and no publishing.
    let (status, _) = ca
        .delete(&format!(
            "/api/v1/knowledge/projects/{acme_project}/editors/{anna_id}"
        ))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, read) = anna
        .get(&format!("/api/v1/knowledge/articles/{article}"))
        .await;
    assert_eq!(read["can_edit"], false, "{read}");
    let (again, version, state) = create(&anna, limited("Nach dem Entzug")).await;
    assert_eq!(state, "review");
    // Not published, so not hers to see any more.
    assert_eq!(publish(&anna, again, version).await, StatusCode::NOT_FOUND);
    let (status, saved) = anna
        .post(
            &format!("/api/v1/knowledge/articles/{article}/versions"),
            json!({"language": "de", "title": "Zählerwechsel", "body": "Geändert"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    assert_eq!(saved["version"]["state"], "review", "a suggestion again");
    let version = saved["version"]["id"].as_i64().unwrap();
    assert_eq!(
        publish(&anna, article, version).await,
        StatusCode::FORBIDDEN
    );
    assert!(
        audit_actions(&ca, acme_project)
            .await
            .contains(&"knowledge.editor.revoke".to_string())
    );
}

#[actix_web::test]
async fn a_help_center_switched_off_is_not_found_like_an_unknown_key() {
    let ts = common::demo_server().await;
    let acme = id_of(&ts, "/api/v1/clients", "name", "Acme Energie GmbH").await;
    let acme_project = id_of(&ts, "/api/v1/projects", "key", "ACME").await;
    let ca = ts.token_client(CA_ACME);
    let anon = ts.anonymous();
    let switch = format!("/api/v1/knowledge/projects/{acme_project}/help-center");

    // The demo's help center is on (it has public articles).
    let (_, detail) = ca
        .get(&format!("/api/v1/knowledge/projects/{acme_project}"))
        .await;
    assert_eq!(
        detail["project"]["help_center"]["enabled"], true,
        "{detail}"
    );
    assert_eq!(detail["project"]["help_center"]["url"], "/help/ACME");

    let (article, version, _) = create(
        &ca,
        json!({"client_id": acme, "language": "de", "visibility": "public",
               "title": "Schaltwolke ablesen", "body": "Die **Schaltwolke** steht im Keller."}),
    )
    .await;
    assert_eq!(publish(&ca, article, version).await, StatusCode::OK);
    let (status, form) = ca
        .put(
            &format!("/api/v1/projects/{acme_project}/webform"),
            json!({"enabled": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{form}");
    let form_page = format!("/f/{}", form["public_id"].as_str().unwrap());
    let (status, case) = ts
        .token_client(ANNA)
        .post(
            "/api/v1/cases",
            json!({"project_id": acme_project, "subject": "Schaltwolke ablesen",
                   "channel": "email", "message": {"kind": "inbound",
                   "body_text": "Wo finde ich die Schaltwolke?"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let suggestions = format!(
        "/api/v1/cases/{}/knowledge-suggestions",
        case["id"].as_i64().unwrap()
    );
    let public_url = |list: &Value| {
        items(list)
            .iter()
            .find(|s| s["article_id"] == article)
            .map(|s| s["public_url"].clone())
            .unwrap_or_else(|| panic!("article not suggested: {list}"))
    };

    let on_pages = [
        "/help/ACME".to_string(),
        format!("/help/ACME/articles/{article}"),
        "/help/ACME/search?q=schaltwolke".to_string(),
    ];
    for path in &on_pages {
        assert_eq!(page(&anon, path).await.0, StatusCode::OK, "{path}");
    }
    assert!(
        page(&anon, &form_page)
            .await
            .1
            .contains("href=\"/help/ACME?lang=de\"")
    );
    let (_, list) = ts.token_client(ANNA).get(&suggestions).await;
    assert!(public_url(&list).is_string(), "{list}");

    // Nobody else switches it: another client's admin 404, the lead and an
    // agent 403; a bad body 4xx. Still on.
    assert_eq!(
        ts.token_client(CA_NORD)
            .put(&switch, json!({"enabled": false}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    for who in [LEAD, ANNA] {
        assert_eq!(
            ts.token_client(who)
                .put(&switch, json!({"enabled": false}))
                .await
                .0,
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    assert!(
        ca.put(&switch, json!({"enabled": "no"}))
            .await
            .0
            .is_client_error()
    );
    assert_eq!(page(&anon, "/help/ACME").await.0, StatusCode::OK);

    // Off: every page is the unknown key's 404, byte for byte.
    let (status, off) = ca.put(&switch, json!({"enabled": false})).await;
    assert_eq!(status, StatusCode::OK, "{off}");
    assert_eq!(off["help_center"]["enabled"], false);
    assert_eq!(off["help_center"]["reachable"], false);
    assert!(off["help_center"]["url"].is_null(), "{off}");
    let (status, unknown) = page(&anon, "/help/NOPE").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for path in &on_pages {
        let (status, body) = page(&anon, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body, unknown, "{path} differs from an unknown key");
    }
    let (_, form_html) = page(&anon, &form_page).await;
    assert!(!form_html.contains("/help/"), "{form_html}");
    let (_, list) = ts.token_client(ANNA).get(&suggestions).await;
    assert!(public_url(&list).is_null(), "{list}");
    assert!(
        audit_actions(&ca, acme_project)
            .await
            .contains(&"knowledge.help_center.off".to_string())
    );
    // The platform admin switches it on again.
    let (status, on) = ts
        .token_client(ADMIN)
        .put(&switch, json!({"enabled": true}))
        .await;
    assert_eq!(status, StatusCode::OK, "{on}");
    assert_eq!(on["help_center"]["reachable"], true);
    assert_eq!(page(&anon, "/help/ACME").await.0, StatusCode::OK);
}

/// The migration's default (migrations/0024): a project that showed a help
/// center before (a public published live article not limited to other
/// projects) keeps it on; every other project has no row (off).
#[test]
fn the_migration_keeps_on_the_help_centers_that_existed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, _) = zezaro::db::Db::open(dir.path()).expect("open");
    let sql = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations/0024_help_center_switch.sql"),
    )
    .expect("the migration");
    let insert = &sql[sql.find("INSERT INTO kb_help_centers").expect("its INSERT")..];
    let on: Vec<String> = db
        .write_blocking(|tx| -> Result<Vec<String>, zezaro::db::StoreError> {
            let t = "2026-01-01T00:00:00.000Z";
            tx.execute_batch(&format!(
                "INSERT INTO clients (id, name, created_at, updated_at) VALUES
                   (901, 'Mig Eins', '{t}', '{t}'), (902, 'Mig Zwei', '{t}', '{t}');
                 INSERT INTO projects (id, client_id, name, key, created_at, updated_at) VALUES
                   (911, 901, 'A', 'MIGA', '{t}', '{t}'), (912, 901, 'B', 'MIGB', '{t}', '{t}'),
                   (913, 901, 'C', 'MIGC', '{t}', '{t}'), (921, 902, 'D', 'MIGD', '{t}', '{t}'),
                   (922, 902, 'E', 'MIGE', '{t}', '{t}');
                 -- 931: public, published, limited to MIGB; 932: public but deleted;
                 -- 933: published but internal; 934: public, only a draft;
                 -- 935: Mig Zwei's public published article for all its projects.
                 INSERT INTO kb_articles (id, client_id, visibility, limited, created_at, updated_at, deleted_at) VALUES
                   (931, 901, 'public', 1, '{t}', '{t}', NULL), (932, 901, 'public', 0, '{t}', '{t}', '{t}'),
                   (933, 901, 'internal', 0, '{t}', '{t}', NULL), (934, 901, 'public', 0, '{t}', '{t}', NULL),
                   (935, 902, 'public', 0, '{t}', '{t}', NULL);
                 INSERT INTO kb_article_projects (article_id, project_id) VALUES (931, 912);
                 INSERT INTO kb_article_versions (article_id, language, number, title, body_md, body_html, state, created_at) VALUES
                   (931, 'de', 1, 't', 'b', 'b', 'published', '{t}'), (932, 'de', 1, 't', 'b', 'b', 'published', '{t}'),
                   (933, 'de', 1, 't', 'b', 'b', 'published', '{t}'), (934, 'de', 1, 't', 'b', 'b', 'draft', '{t}'),
                   (935, 'en', 1, 't', 'b', 'b', 'published', '{t}');
                 DELETE FROM kb_help_centers;"
            ))?;
            tx.execute_batch(insert)?;
            let mut stmt = tx.prepare(
                "SELECT p.key FROM kb_help_centers h JOIN projects p ON p.id = h.project_id
                 WHERE h.enabled = 1 AND h.changed_by IS NULL ORDER BY p.key",
            )?;
            let keys = stmt
                .query_map([], |row| row.get(0))?
                .collect::<Result<Vec<String>, _>>()?;
            Ok(keys)
        })
        .expect("migration data");
    assert_eq!(on, vec!["MIGB", "MIGD", "MIGE"]);
}
