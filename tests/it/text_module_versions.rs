//! The history of text modules (issue 14, docs/knowledge.md): every save
//! keeps a version with who and when, editors read and compare them and
//! restore an old one as a new version (audited, files and projects
//! included); agents get 403, another client's admin 404. Inserting a
//! module twice into one draft attaches its files once.

use crate::common::{self, Api, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

const CA_ACME: &str = "kadmin@acme-energie.example";
const CA_NORD: &str = "kadmin@nordlicht.example";
const LEAD: &str = "lead@zezaro.example";
const ANNA: &str = "anna.schmidt@acme-energie.example";

const V1: &str = "/api/v1";

async fn client_id(ts: &TestServer, name: &str) -> i64 {
    ts.id_of("/api/v1/clients", "name", name).await
}

async fn upload(api: &Api, id: i64, name: &str, bytes: &[u8]) -> Value {
    let response = api
        .raw(
            reqwest::Method::POST,
            &format!("{V1}/text-modules/{id}/attachments?filename={name}"),
            Some(("application/pdf", bytes.to_vec())),
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn history(api: &Api, id: i64) -> Vec<Value> {
    let (status, list) = api.get(&format!("{V1}/text-modules/{id}/versions")).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["items"].as_array().unwrap().clone()
}

fn numbers(list: &[Value]) -> Vec<i64> {
    list.iter().map(|v| v["number"].as_i64().unwrap()).collect()
}

#[actix_web::test]
async fn every_save_is_a_version_and_an_old_one_comes_back_as_a_new_version() {
    let ts = common::demo_server().await;
    let acme = client_id(&ts, "Acme Energie GmbH").await;
    let gas = ts.id_of("/api/v1/projects", "key", "ACMEGAS").await;
    let editor = ts.token_client(CA_ACME);
    let lead = ts.token_client(LEAD);

    let (status, module) = editor
        .post(
            &format!("{V1}/text-modules"),
            json!({"client_id": acme, "shortcut": "verlauf", "language": "de",
                   "title": "Abschlag erklärt", "body": "Hallo {{contact.first_name}},\nIhr Abschlag steigt."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{module}");
    let id = module["id"].as_i64().unwrap();
    let first = history(&editor, id).await;
    assert_eq!(numbers(&first), vec![1]);
    assert_eq!(first[0]["current"], true);
    assert!(
        first[0]["saved_by_name"]
            .as_str()
            .is_some_and(|n| !n.is_empty()),
        "who saved it: {first:?}"
    );

    // v2: a file; v3: body, title and a project limit, saved by the lead.
    upload(&editor, id, "Preisblatt.pdf", b"%PDF-1.4 Preise 2026").await;
    let (status, changed) = lead
        .patch(
            &format!("{V1}/text-modules/{id}"),
            json!({"title": "Abschlag angepasst", "body": "Hallo {{contact.first_name}},\nIhr Abschlag sinkt.",
                   "project_ids": [gas]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    // A save that changes nothing adds no version.
    let (status, _) = editor
        .patch(
            &format!("{V1}/text-modules/{id}"),
            json!({"title": "Abschlag angepasst"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let list = history(&editor, id).await;
    assert_eq!(numbers(&list), vec![3, 2, 1], "newest first");
    assert_eq!(list[0]["current"], true);
    assert_eq!(list[1]["current"], false);
    assert_eq!(list[1]["files"], 1);
    assert_eq!(list[0]["title"], "Abschlag angepasst");
    assert_ne!(
        list[0]["saved_by"], list[2]["saved_by"],
        "who saved each version: {list:?}"
    );

    let (status, v1) = editor
        .get(&format!("{V1}/text-modules/{id}/versions/1"))
        .await;
    assert_eq!(status, StatusCode::OK, "{v1}");
    assert_eq!(
        v1["body"],
        "Hallo {{contact.first_name}},\nIhr Abschlag steigt."
    );
    assert_eq!(v1["limited"], false);
    assert_eq!(v1["attachments"], json!([]));
    let (_, v3) = editor
        .get(&format!("{V1}/text-modules/{id}/versions/3"))
        .await;
    assert_eq!(v3["project_ids"], json!([gas]));
    assert_eq!(v3["attachments"][0]["filename"], "Preisblatt.pdf");
    let (status, missing) = editor
        .get(&format!("{V1}/text-modules/{id}/versions/9"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");

    // Publish, then restore version 1: text, projects and files as they were.
    let (status, _) = editor
        .post(&format!("{V1}/text-modules/{id}/publish"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, restored) = editor
        .post(
            &format!("{V1}/text-modules/{id}/versions/1/restore"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert_eq!(
        restored["body"],
        "Hallo {{contact.first_name}},\nIhr Abschlag steigt."
    );
    assert_eq!(restored["title"], "Abschlag erklärt");
    assert_eq!(restored["limited"], false);
    assert_eq!(restored["project_ids"], json!([]));
    assert_eq!(restored["attachments"], json!([]), "v1 had no file");
    assert_eq!(restored["state"], "published", "a restore keeps the state");
    let list = history(&editor, id).await;
    assert_eq!(numbers(&list), vec![4, 3, 2, 1]);
    assert_eq!(list[0]["restored_from"], 1);

    // Restoring version 3 brings its file and its project back.
    let (status, again) = editor
        .post(
            &format!("{V1}/text-modules/{id}/versions/3/restore"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["project_ids"], json!([gas]));
    assert_eq!(again["attachments"][0]["filename"], "Preisblatt.pdf");
    let file_id = again["attachments"][0]["id"].as_i64().unwrap();
    let response = editor
        .raw(
            reqwest::Method::GET,
            &format!("{V1}/text-modules/{id}/attachments/{file_id}"),
            None,
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.bytes().await.unwrap().as_ref(),
        b"%PDF-1.4 Preise 2026"
    );

    // Audited, with the version restored.
    let (status, page) = editor
        .get(&format!(
            "{V1}/audit?object_type=text_module&object_id={id}"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let restores: Vec<&Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "text_module.restore")
        .collect();
    assert_eq!(restores.len(), 2, "{page}");
    let versions: Vec<i64> = restores
        .iter()
        .map(|e| e["details"]["version"].as_i64().unwrap())
        .collect();
    assert!(
        versions.contains(&1) && versions.contains(&3),
        "{versions:?}"
    );
}

#[actix_web::test]
async fn the_history_is_the_editors_own() {
    let ts = common::demo_server().await;
    let acme = client_id(&ts, "Acme Energie GmbH").await;
    let editor = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    let nord = ts.token_client(CA_NORD);
    let (_, module) = editor
        .post(
            &format!("{V1}/text-modules"),
            json!({"client_id": acme, "shortcut": "geheim-verlauf", "language": "de",
                   "title": "Alt", "body": "Alter Text"}),
        )
        .await;
    let id = module["id"].as_i64().unwrap();
    let (status, _) = editor
        .patch(
            &format!("{V1}/text-modules/{id}"),
            json!({"body": "Neuer Text"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = editor
        .post(&format!("{V1}/text-modules/{id}/publish"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);

    // The demo's "abschlag" was reworded once: two versions to compare.
    let (_, list) = editor
        .get(&format!("{V1}/text-modules?client_id={acme}"))
        .await;
    let abschlag = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["shortcut"] == "abschlag")
        .expect("the demo's abschlag")["id"]
        .as_i64()
        .unwrap();
    assert_eq!(numbers(&history(&editor, abschlag).await), vec![2, 1]);

    // Another client's admin: nothing there, by any of the three paths.
    for path in [
        format!("{V1}/text-modules/{id}/versions"),
        format!("{V1}/text-modules/{id}/versions/1"),
    ] {
        let (status, body) = nord.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert!(!body.to_string().contains("Alter Text"), "{body}");
    }
    let (status, _) = nord
        .post(
            &format!("{V1}/text-modules/{id}/versions/1/restore"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // An agent who uses the published module: no history, no restore.
    let (status, _) = anna.get(&format!("{V1}/text-modules/{id}/versions")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = anna
        .post(
            &format!("{V1}/text-modules/{id}/versions/1/restore"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, now) = editor.get(&format!("{V1}/text-modules/{id}")).await;
    assert_eq!(now["body"], "Neuer Text", "nothing restored by them");

    // A restore whose shortcut another module took since: 409.
    let (status, _) = editor
        .patch(
            &format!("{V1}/text-modules/{id}"),
            json!({"shortcut": "geheim-neu"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = editor
        .post(
            &format!("{V1}/text-modules"),
            json!({"client_id": acme, "shortcut": "geheim-verlauf", "language": "de",
                   "title": "Andere", "body": "Anderer Text"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, problem) = editor
        .post(
            &format!("{V1}/text-modules/{id}/versions/1/restore"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "shortcut-taken");
}

#[actix_web::test]
async fn a_module_inserted_twice_attaches_its_files_once() {
    let ts = common::demo_server().await;
    let acme = client_id(&ts, "Acme Energie GmbH").await;
    let project = ts.id_of("/api/v1/projects", "key", "ACME").await;
    let editor = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    let (_, module) = editor
        .post(
            &format!("{V1}/text-modules"),
            json!({"client_id": acme, "shortcut": "doppelt", "language": "de",
                   "title": "Mit Anlage", "body": "Anbei das Preisblatt."}),
        )
        .await;
    let id = module["id"].as_i64().unwrap();
    upload(&editor, id, "Preisblatt.pdf", b"%PDF-1.4 doppelt").await;
    let (status, _) = editor
        .post(&format!("{V1}/text-modules/{id}/publish"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, case) = anna
        .post(
            &format!("{V1}/cases"),
            json!({"project_id": project, "channel": "email", "subject": "Preise"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let case = case["id"].as_i64().unwrap();
    let render = |api: Api| async move {
        let (status, body) = api
            .post(
                &format!("{V1}/cases/{case}/text-modules/{id}/render"),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["attachments"][0]["id"].as_i64().unwrap()
    };
    let first = render(ts.token_client(ANNA)).await;
    let second = render(ts.token_client(ANNA)).await;
    assert_eq!(first, second, "the same unsent attachment again");

    // Sent with a reply, the next insertion is a new attachment.
    let (status, sent) = anna
        .post(
            &format!("{V1}/cases/{case}/messages"),
            json!({"kind": "note", "body_text": "Anbei das Preisblatt.", "attachment_ids": [first]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let third = render(ts.token_client(ANNA)).await;
    assert_ne!(third, first, "a sent file is not taken again");
    // Another agent's draft has its own copy.
    let other = render(ts.token_client(CA_ACME)).await;
    assert_ne!(other, third);
}

/// Exports the client as `api` and unpacks it; the archive's top folder
/// (inside the returned temporary directory).
async fn export(api: &Api, client: i64) -> (tempfile::TempDir, std::path::PathBuf) {
    let (status, job) = api
        .post(&format!("{V1}/clients/{client}/exports"), json!({}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    let job_id = job["id"].as_str().expect("job id").to_string();
    let mut done = Value::Null;
    for _ in 0..600 {
        let (status, body) = api
            .get(&format!("{V1}/clients/{client}/exports/{job_id}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if body["state"] == "running" {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        }
        done = body;
        break;
    }
    assert_eq!(done["state"], "done", "{done}");
    let url = done["download_url"].as_str().expect("download url");
    let response = api.raw(reqwest::Method::GET, url, None, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.expect("body");
    let work = tempfile::tempdir().expect("dir");
    let archive = work.path().join("export.tar.gz");
    std::fs::write(&archive, &bytes).expect("save");
    let into = work.path().join("x");
    std::fs::create_dir(&into).expect("dir");
    let status = std::process::Command::new("tar")
        .arg("-xzf")
        .arg(&archive)
        .arg("-C")
        .arg(&into)
        .status()
        .expect("run tar");
    assert!(status.success(), "tar -xzf failed");
    let top = std::fs::read_dir(&into)
        .expect("read dir")
        .next()
        .expect("a top folder")
        .expect("entry")
        .path();
    (work, top)
}

#[actix_web::test]
async fn the_export_carries_every_version_and_its_files_to_their_client_only() {
    let ts = common::demo_server().await;
    let acme = client_id(&ts, "Acme Energie GmbH").await;
    let nord = client_id(&ts, "Nordlicht Versand AG").await;
    let editor = ts.token_client(CA_ACME);
    let nord_admin = ts.token_client(CA_NORD);
    let (_, module) = editor
        .post(
            &format!("{V1}/text-modules"),
            json!({"client_id": acme, "shortcut": "export-verlauf", "language": "de",
                   "title": "Export", "body": "Erste Fassung"}),
        )
        .await;
    let id = module["id"].as_i64().unwrap();
    let bytes = b"%PDF-1.4 nur in alter Fassung";
    let with_file = upload(&editor, id, "Alt.pdf", bytes).await;
    let file_id = with_file["attachments"][0]["id"].as_i64().unwrap();
    let (status, _) = editor
        .delete(&format!("{V1}/text-modules/{id}/attachments/{file_id}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let sha = zezaro::db::hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref());

    let (_work, top) = export(&editor, acme).await;
    let text = std::fs::read_to_string(top.join("text_module_versions.jsonl")).expect("versions");
    let mine: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("json line"))
        .filter(|v| v["module_id"] == id)
        .collect();
    assert_eq!(
        mine.iter()
            .map(|v| v["number"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        vec![1, 2, 3],
        "{text}"
    );
    assert_eq!(mine[0]["body"], "Erste Fassung");
    assert_eq!(mine[0]["project_ids"], json!([]));
    let files = std::fs::read_to_string(top.join("text_module_version_files.csv")).expect("files");
    assert!(files.contains(&sha) && files.contains("Alt.pdf"), "{files}");
    // The module no longer has the file; its old version does, so the
    // content is in the archive.
    assert_eq!(
        std::fs::read(top.join("files").join(&sha)).expect("the version's file"),
        bytes
    );
    let readme = std::fs::read_to_string(top.join("README.md")).expect("readme");
    assert!(
        readme.contains("text_module_versions.jsonl")
            && readme.contains("text_module_version_files.csv")
    );

    // Nordlicht's export has none of it.
    let (_work, other) = export(&nord_admin, nord).await;
    let theirs =
        std::fs::read_to_string(other.join("text_module_versions.jsonl")).unwrap_or_default();
    assert!(!theirs.contains("Erste Fassung"), "{theirs}");
    assert!(!other.join("files").join(&sha).exists());
    let their_files =
        std::fs::read_to_string(other.join("text_module_version_files.csv")).unwrap_or_default();
    assert!(!their_files.contains(&sha));
}
