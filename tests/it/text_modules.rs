//! Text modules (Textbausteine, issue 14, docs/knowledge.md) through the API
//! of a real server over a real SQLite store with the demo data: drafts and
//! publishing, what agents see, placeholders filled for a case (unknown and
//! empty ones reported), custom fields, usage counted, attachments, project
//! limits, isolation between clients, live events.

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
const TOM: &str = "tom.berger@zezaro.example";

const V1: &str = "/api/v1";

async fn client_id(ts: &TestServer, name: &str) -> i64 {
    ts.id_of("/api/v1/clients", "name", name).await
}

async fn project(ts: &TestServer, key: &str) -> i64 {
    ts.id_of("/api/v1/projects", "key", key).await
}

async fn create(api: &Api, body: Value) -> Value {
    let (status, module) = api.post(&format!("{V1}/text-modules"), body).await;
    assert_eq!(status, StatusCode::CREATED, "{module}");
    module
}

async fn act(api: &Api, id: i64, action: &str) -> (StatusCode, Value) {
    api.post(&format!("{V1}/text-modules/{id}/{action}"), json!({}))
        .await
}

fn ids(list: &Value) -> Vec<i64> {
    list["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {list}"))
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect()
}

async fn new_case(api: &Api, project_id: i64, body: Value) -> i64 {
    let mut body = body;
    body["project_id"] = json!(project_id);
    body["channel"] = json!("email");
    let (status, case) = api.post(&format!("{V1}/cases"), body).await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    case["id"].as_i64().unwrap()
}

async fn render(api: &Api, case: i64, id: i64) -> Value {
    let (status, body) = api
        .post(
            &format!("{V1}/cases/{case}/text-modules/{id}/render"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn audit_actions(api: &Api, id: i64) -> Vec<String> {
    let (status, page) = api
        .get(&format!(
            "{V1}/audit?object_type=text_module&object_id={id}"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let mut actions: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    actions.sort();
    actions
}

#[actix_web::test]
async fn drafts_publishing_and_what_agents_see() {
    let ts = common::demo_server().await;
    let acme = client_id(&ts, "Acme Energie GmbH").await;
    let editor = ts.token_client(CA_ACME);
    let lead = ts.token_client(LEAD);
    let anna = ts.token_client(ANNA);
    let acme_project = project(&ts, "ACME").await;
    let case = new_case(&anna, acme_project, json!({"subject": "Abschlag zu hoch"})).await;

    let module = create(
        &editor,
        json!({"client_id": acme, "shortcut": "Test-Gruss", "language": "de",
               "title": "Testgruß", "body": "Hallo {{contact.first_name}}!\r\nGruß {{agent.name}}  \n"}),
    )
    .await;
    let id = module["id"].as_i64().unwrap();
    assert_eq!(module["shortcut"], "test-gruss", "stored in lower case");
    assert_eq!(module["state"], "draft");
    assert_eq!(
        module["body"], "Hallo {{contact.first_name}}!\nGruß {{agent.name}}",
        "line ends normalised, trailing space trimmed"
    );
    assert_eq!(module["limited"], false);

    // A draft is the editors' only.
    let (status, _) = anna.get(&format!("{V1}/text-modules/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = anna
        .get(&format!("{V1}/text-modules?client_id={acme}"))
        .await;
    assert!(
        !ids(&list).contains(&id),
        "draft listed for an agent: {list}"
    );
    let (_, picks) = anna.get(&format!("{V1}/cases/{case}/text-modules")).await;
    assert!(!ids(&picks).contains(&id), "draft in the picker: {picks}");
    let (status, body) = anna
        .post(
            &format!("{V1}/cases/{case}/text-modules/{id}/render"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    // Agents neither create nor change modules; the lead does.
    let (status, body) = anna
        .post(
            &format!("{V1}/text-modules"),
            json!({"client_id": acme, "shortcut": "x", "language": "de", "title": "x", "body": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, changed) = lead
        .patch(
            &format!("{V1}/text-modules/{id}"),
            json!({"title": "Testgruß (neu)"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["title"], "Testgruß (neu)");

    // Publishing makes it available at once.
    let (status, published) = act(&lead, id, "publish").await;
    assert_eq!(status, StatusCode::OK, "{published}");
    assert_eq!(published["state"], "published");
    assert!(published["published_at"].is_string(), "{published}");
    let (status, seen) = anna.get(&format!("{V1}/text-modules/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["project_ids"], json!([]), "no limits shown to agents");
    let (status, body) = anna
        .patch(&format!("{V1}/text-modules/{id}"), json!({"title": "x"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (_, picks) = anna.get(&format!("{V1}/cases/{case}/text-modules")).await;
    let pick = picks["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("published module not in the picker: {picks}"));
    assert_eq!(pick["shortcut"], "test-gruss");
    assert!(pick["preview"].as_str().unwrap().starts_with("Hallo"));

    // Shortcuts: unique per client and language; checked and cleaned.
    let (status, body) = editor
        .post(
            &format!("{V1}/text-modules"),
            json!({"client_id": acme, "shortcut": "TEST-GRUSS", "language": "de", "title": "t", "body": "b"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "shortcut-taken");
    assert_eq!(body["field"], "shortcut");
    create(
        &editor,
        json!({"client_id": acme, "shortcut": "test-gruss", "language": "en", "title": "t", "body": "b"}),
    )
    .await;
    for (shortcut, title, body_text, field) in [
        ("zwei worte", "t", "b", "shortcut"),
        ("", "t", "b", "shortcut"),
        ("ok", "", "b", "title"),
        ("ok", "t", "  \n ", "body"),
    ] {
        let (status, body) = editor
            .post(
                &format!("{V1}/text-modules"),
                json!({"client_id": acme, "shortcut": shortcut, "language": "de", "title": title, "body": body_text}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["field"], field, "{body}");
    }
    let nord_project = project(&ts, "NORD").await;
    let (status, body) = editor
        .post(
            &format!("{V1}/text-modules"),
            json!({"client_id": acme, "shortcut": "fremd", "language": "de", "title": "t", "body": "b",
                   "project_ids": [nord_project]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "project_ids");

    // Unpublish, delete (soft), restore by the client admin only.
    let (status, body) = act(&editor, id, "unpublish").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = act(&editor, id, "unpublish").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "not-published");
    let (status, _) = anna.get(&format!("{V1}/text-modules/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    act(&editor, id, "publish").await;
    let (status, _) = lead.delete(&format!("{V1}/text-modules/{id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = anna.get(&format!("{V1}/text-modules/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = editor.get(&format!("{V1}/text-modules/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "deleted: gone from reading");
    let (status, body) = lead
        .get(&format!("{V1}/text-modules?client_id={acme}&deleted=true"))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "only the client admin lists deleted: {body}"
    );
    let (status, deleted) = editor
        .get(&format!("{V1}/text-modules?client_id={acme}&deleted=true"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&deleted), vec![id]);
    assert!(deleted["items"][0]["deleted_at"].is_string());
    let (status, body) = act(&lead, id, "undelete").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    // While it was deleted, its shortcut was free; now restoring collides.
    let clash = create(
        &editor,
        json!({"client_id": acme, "shortcut": "test-gruss", "language": "de", "title": "t", "body": "b"}),
    )
    .await;
    let (status, body) = act(&editor, id, "undelete").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "shortcut-taken");
    let (status, _) = editor
        .delete(&format!("{V1}/text-modules/{}", clash["id"]))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, restored) = act(&editor, id, "undelete").await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert_eq!(restored["state"], "published", "back in its state");
    let (status, _) = anna.get(&format!("{V1}/text-modules/{id}")).await;
    assert_eq!(status, StatusCode::OK);

    assert_eq!(
        audit_actions(&editor, id).await,
        vec![
            "text_module.delete",
            "text_module.publish",
            "text_module.publish",
            "text_module.undelete",
            "text_module.unpublish",
        ]
    );
    ts.server.stop().await;
}

#[actix_web::test]
async fn placeholders_are_filled_for_the_case_and_usage_is_counted() {
    let ts = common::demo_server().await;
    let acme = client_id(&ts, "Acme Energie GmbH").await;
    let editor = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    let pro = ts.token_client("pro.agent@zezaro.example");
    let acme_project = project(&ts, "ACME").await;
    let (status, contact) = anna
        .post(
            &format!("{V1}/contacts"),
            json!({"client_id": acme, "name": "Frau Dr. Erika Musterfrau", "emails": ["erika@example.de"],
                   "custom": {"customer_since": "2019-04-01"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{contact}");
    let case = new_case(
        &anna,
        acme_project,
        json!({"subject": "Zählerstand Januar", "contact_id": contact["id"],
               "custom": {"meter_number": "1EMH0012345678", "tariff": "Öko", "callback": true}}),
    )
    .await;
    let (_, case_body) = anna.get(&format!("{V1}/cases/{case}")).await;
    let reference = case_body["ref"]
        .as_str()
        .or_else(|| case_body["case"]["ref"].as_str())
        .unwrap_or_else(|| panic!("no ref: {case_body}"))
        .to_string();

    let module = create(
        &editor,
        json!({"client_id": acme, "shortcut": "alles", "language": "de", "title": "Alle Platzhalter",
               "body": "Hallo {{contact.first_name}} ({{ contact.name }}),\n{{case.ref}}: {{case.subject}}\nZähler {{case.custom.meter_number}}, Tarif {{case.custom.tariff}}, Rückruf {{case.custom.callback}}, abgelesen {{case.custom.reading_date}}\nKunde seit {{contact.custom.customer_since}}\n{{project.name}} / {{agent.name}}\n{{kunde.nummer}} {{case.custom.gibtsnicht}}"}),
    )
    .await;
    let id = module["id"].as_i64().unwrap();
    assert_eq!(
        module["unknown_placeholders"],
        json!(["kunde.nummer"]),
        "the editor sees what can never be filled"
    );
    // A file that inserting the module attaches to the reply.
    let response = editor
        .raw(
            reqwest::Method::POST,
            &format!("{V1}/text-modules/{id}/attachments?filename=Preisblatt.pdf"),
            Some(("application/pdf", b"%PDF-1.4 Preisblatt".to_vec())),
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let with_file: Value = response.json().await.unwrap();
    assert_eq!(with_file["attachments"][0]["filename"], "Preisblatt.pdf");
    let (status, _) = act(&editor, id, "publish").await;
    assert_eq!(status, StatusCode::OK);

    let rendered = render(&anna, case, id).await;
    assert_eq!(
        rendered["text"],
        format!(
            "Hallo Erika (Frau Dr. Erika Musterfrau),\n{reference}: Zählerstand Januar\n\
             Zähler 1EMH0012345678, Tarif Öko, Rückruf ja, abgelesen {{{{case.custom.reading_date}}}}\n\
             Kunde seit 01.04.2019\nKundenservice Strom / Anna Schmidt\n\
             {{{{kunde.nummer}}}} {{{{case.custom.gibtsnicht}}}}"
        )
    );
    assert_eq!(
        rendered["unknown"],
        json!(["case.custom.gibtsnicht", "kunde.nummer"])
    );
    assert_eq!(rendered["empty"], json!(["case.custom.reading_date"]));
    let files = rendered["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{rendered}");
    assert_eq!(files[0]["filename"], "Preisblatt.pdf");
    // The file is the case's now: the agent downloads it and sends it.
    let download = anna
        .raw(
            reqwest::Method::GET,
            files[0]["url"].as_str().unwrap(),
            None,
            &[],
        )
        .await;
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(
        download.bytes().await.unwrap().as_ref(),
        b"%PDF-1.4 Preisblatt"
    );
    let (status, sent) = anna
        .post(
            &format!("{V1}/cases/{case}/messages"),
            json!({"kind": "note", "body_text": rendered["text"], "attachment_ids": [files[0]["id"]]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");

    // Usage: per module, agent and day.
    render(&anna, case, id).await;
    render(&pro, case, id).await;
    let (status, usage) = editor.get(&format!("{V1}/text-modules/{id}/usage")).await;
    assert_eq!(status, StatusCode::OK, "{usage}");
    let today = chrono::Utc::now().date_naive().to_string();
    let mut rows: Vec<(String, String, i64)> = usage["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["user_name"].as_str().unwrap().to_string(),
                r["day"].as_str().unwrap().to_string(),
                r["count"].as_i64().unwrap(),
            )
        })
        .collect();
    rows.sort();
    assert_eq!(rows.len(), 2, "{usage}");
    assert_eq!(rows[0].0, "Anna Schmidt");
    assert_eq!(rows[0].1, today);
    assert_eq!(rows[0].2, 2);
    assert_eq!(rows[1].2, 1);
    let (_, seen) = editor.get(&format!("{V1}/text-modules/{id}")).await;
    assert_eq!(seen["usage"]["total"], 3, "{seen}");
    assert_eq!(seen["usage"]["last_30_days"], 3);
    assert_eq!(seen["usage"]["last_used_on"], today);
    let (status, body) = anna.get(&format!("{V1}/text-modules/{id}/usage")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // Erasing the contact deletes the case's copy of the file, never the
    // module's (same content, one blob).
    let (status, erasure) = editor
        .post(
            &format!("{V1}/contacts/{}/erase", contact["id"]),
            json!({"mode": "delete"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{erasure}");
    let file_id = with_file["attachments"][0]["id"].as_i64().unwrap();
    let kept = anna
        .raw(
            reqwest::Method::GET,
            &format!("{V1}/text-modules/{id}/attachments/{file_id}"),
            None,
            &[],
        )
        .await;
    assert_eq!(kept.status(), StatusCode::OK);
    assert_eq!(kept.bytes().await.unwrap().as_ref(), b"%PDF-1.4 Preisblatt");

    // A case without a contact: the contact's placeholders are empty, shown.
    let bare = new_case(&anna, acme_project, json!({"subject": "Ohne Kontakt"})).await;
    let (status, rendered) = anna
        .post(
            &format!("{V1}/cases/{bare}/text-modules/{id}/render"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rendered}");
    let empty: Vec<&str> = rendered["empty"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for name in [
        "contact.first_name",
        "contact.name",
        "contact.custom.customer_since",
    ] {
        assert!(empty.contains(&name), "{name} not reported: {rendered}");
    }
    assert!(
        rendered["text"]
            .as_str()
            .unwrap()
            .starts_with("Hallo {{contact.first_name}} ({{ contact.name }})")
    );
    ts.server.stop().await;
}

#[actix_web::test]
async fn project_limits_and_isolation_between_clients() {
    let ts = common::demo_server().await;
    let acme = client_id(&ts, "Acme Energie GmbH").await;
    let nord = client_id(&ts, "Nordlicht Versand AG").await;
    let editor = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    let basic = ts.token_client(BASIC);
    let jonas = ts.token_client(JONAS);
    let ca_nord = ts.token_client(CA_NORD);
    let tom = ts.token_client(TOM);
    let gas = project(&ts, "ACMEGAS").await;
    let strom = project(&ts, "ACME").await;
    let nord_project = project(&ts, "NORD").await;

    let module = create(
        &editor,
        json!({"client_id": acme, "shortcut": "nur-gas", "language": "de", "title": "Nur Gas",
               "body": "Gas: {{case.ref}}", "project_ids": [gas, gas]}),
    )
    .await;
    let id = module["id"].as_i64().unwrap();
    assert_eq!(module["limited"], true);
    assert_eq!(module["project_ids"], json!([gas]));
    act(&editor, id, "publish").await;

    // Anna works in ACMEGAS; the Basic agent only in ACME (and NORD).
    let (status, _) = anna.get(&format!("{V1}/text-modules/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = basic.get(&format!("{V1}/text-modules/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = basic
        .get(&format!("{V1}/text-modules?client_id={acme}"))
        .await;
    assert!(!ids(&list).contains(&id), "{list}");
    // Anna's case in ACME does not offer it and cannot insert it.
    let strom_case = new_case(&anna, strom, json!({"subject": "Strom"})).await;
    let (_, picks) = anna
        .get(&format!("{V1}/cases/{strom_case}/text-modules"))
        .await;
    assert!(!ids(&picks).contains(&id), "{picks}");
    let (status, body) = anna
        .post(
            &format!("{V1}/cases/{strom_case}/text-modules/{id}/render"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "not-for-project");
    let gas_case = new_case(&anna, gas, json!({"subject": "Gas"})).await;
    let (_, picks) = anna
        .get(&format!("{V1}/cases/{gas_case}/text-modules"))
        .await;
    assert!(ids(&picks).contains(&id), "{picks}");

    // Another client's users: 404 everywhere, whatever they try.
    for (api, who) in [(&jonas, "jonas"), (&ca_nord, "ca-nord"), (&tom, "tom")] {
        for path in [
            format!("{V1}/text-modules/{id}"),
            format!("{V1}/text-modules?client_id={acme}"),
            format!("{V1}/cases/{gas_case}/text-modules"),
        ] {
            let (status, body) = api.get(&path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{who} GET {path}: {body}");
        }
        let (status, body) = api
            .patch(&format!("{V1}/text-modules/{id}"), json!({"title": "x"}))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}: {body}");
        for action in ["publish", "unpublish", "undelete"] {
            let (status, body) = act(api, id, action).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{who} {action}: {body}");
        }
        let (status, body) = api.delete(&format!("{V1}/text-modules/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}: {body}");
        let (status, body) = api.get(&format!("{V1}/text-modules/{id}/usage")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}: {body}");
        let (status, body) = api
            .post(
                &format!("{V1}/text-modules"),
                json!({"client_id": acme, "shortcut": "x", "language": "de", "title": "x", "body": "x"}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{who} creates for Acme: {body}"
        );
    }
    // An Acme module cannot be inserted into a Nordlicht case, even by the
    // Basic agent who works for both clients.
    let everywhere = create(
        &editor,
        json!({"client_id": acme, "shortcut": "ueberall", "language": "de", "title": "Überall", "body": "Acme-Geheimnis"}),
    )
    .await;
    let everywhere = everywhere["id"].as_i64().unwrap();
    act(&editor, everywhere, "publish").await;
    let nord_case = new_case(&basic, nord_project, json!({"subject": "Nordlicht"})).await;
    let (status, body) = basic
        .post(
            &format!("{V1}/cases/{nord_case}/text-modules/{everywhere}/render"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (_, picks) = basic
        .get(&format!("{V1}/cases/{nord_case}/text-modules"))
        .await;
    assert!(!ids(&picks).contains(&everywhere), "{picks}");
    // Nordlicht's own modules (demo data) are there, Acme's are not.
    let (_, nord_list) = ca_nord
        .get(&format!("{V1}/text-modules?client_id={nord}"))
        .await;
    assert!(!ids(&nord_list).is_empty());
    assert!(
        nord_list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["client_id"] == nord),
        "{nord_list}"
    );
    let (status, body) = basic
        .post(
            &format!("{V1}/cases/{nord_case}/text-modules/{everywhere}/render"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
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
async fn knowledge_frames(stream: &mut Events, want: usize, wait: Duration) -> Vec<Value> {
    let mut frames = Vec::new();
    let mut buffer = String::new();
    let deadline = tokio::time::Instant::now() + wait;
    while frames.len() < want {
        let Ok(Some(Ok(chunk))) = tokio::time::timeout_at(deadline, stream.next()).await else {
            break;
        };
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
async fn publishing_reaches_the_open_workspaces_of_its_projects_only() {
    let ts = common::demo_server().await;
    let acme = client_id(&ts, "Acme Energie GmbH").await;
    let gas = project(&ts, "ACMEGAS").await;
    let editor = ts.token_client(CA_ACME);
    let mut anna = subscribe(&ts, ANNA).await;
    let mut basic = subscribe(&ts, BASIC).await;
    let mut jonas = subscribe(&ts, JONAS).await;

    let module = create(
        &editor,
        json!({"client_id": acme, "shortcut": "live", "language": "de", "title": "Live", "body": "Hallo"}),
    )
    .await;
    let id = module["id"].as_i64().unwrap();
    act(&editor, id, "publish").await;
    let (status, _) = editor
        .patch(
            &format!("{V1}/text-modules/{id}"),
            json!({"body": "Hallo!", "project_ids": [gas]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    act(&editor, id, "unpublish").await;

    let got = knowledge_frames(&mut anna, 3, Duration::from_secs(3)).await;
    let summary: Vec<(String, i64, String)> = got
        .iter()
        .map(|f| {
            (
                f["type"].as_str().unwrap().to_string(),
                f["id"].as_i64().unwrap(),
                f["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("text-module".to_string(), id, "published".to_string()),
            ("text-module".to_string(), id, "changed".to_string()),
            ("text-module".to_string(), id, "withdrawn".to_string()),
        ]
    );
    assert!(got[0].get("client_id").is_none() && got[0].get("project_ids").is_none());
    // The Basic agent (ACME, NORD) saw it published and changed away from
    // their project, but not its withdrawal from ACMEGAS alone.
    let basic_got = knowledge_frames(&mut basic, 3, Duration::from_millis(800)).await;
    let actions: Vec<&str> = basic_got
        .iter()
        .map(|f| f["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["published", "changed"], "{basic_got:?}");
    // Nordlicht's agent hears nothing of Acme's modules.
    let none = knowledge_frames(&mut jonas, 1, Duration::from_millis(500)).await;
    assert!(none.is_empty(), "{none:?}");
    ts.server.stop().await;
}
