//! Backups as an admin and an operator use them: an online backup through
//! the API while writers keep writing, restored with the real binary into
//! an empty directory; the CLI beside a running server; encryption with the
//! right, a wrong and no key; damage; refusals.

use crate::common;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::process::{run, serve, text};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const ADMIN: &str = "admin@zezaro.example";

fn case_ids(dir: &Path) -> BTreeSet<i64> {
    let conn = rusqlite::Connection::open(dir.join("zezaro.db")).unwrap();
    let mut stmt = conn.prepare("SELECT id FROM cases").unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn archive_entries(path: &Path) -> Vec<String> {
    let file = std::fs::File::open(path).unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    archive
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
        .collect()
}

async fn wait_for_job(admin: &common::Api) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (status, job) = admin.get("/api/v1/backups/job").await;
        assert_eq!(status, StatusCode::OK, "{job}");
        assert!(job["progress"].as_f64().unwrap() <= 1.0);
        if job["state"] == "done" || job["state"] == "failed" {
            return job;
        }
        assert!(Instant::now() < deadline, "backup did not finish: {job}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Writers create cases without pause while the admin's "back up now" runs.
/// The backup's snapshot point (highest case id in the manifest) splits the
/// writes: every write acknowledged before the backup started is in it, and
/// the restored store holds exactly the cases up to the snapshot point.
#[actix_web::test]
async fn online_backup_while_writing_restores_every_acknowledged_write() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(ADMIN);
    let project = ts.id_of("/api/v1/projects", "key", "ACME").await;

    // An attachment, so the archive carries the attachments tree.
    let (status, first) = admin
        .post(
            "/api/v1/cases",
            json!({ "project_id": project, "subject": "with a file", "channel": "email" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let response = admin
        .raw(
            Method::POST,
            &format!(
                "/api/v1/cases/{}/attachments?filename=note.txt",
                first["id"]
            ),
            Some(("text/plain", b"attachment content for the backup".to_vec())),
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    let acknowledged = Arc::new(Mutex::new(Vec::<(i64, Instant)>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..4 {
        let (url, token, acknowledged, stop) = (
            ts.url.clone(),
            admin.token.clone(),
            acknowledged.clone(),
            stop.clone(),
        );
        writers.push(tokio::spawn(async move {
            let api = common::Api::new(&url, token);
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                i += 1;
                let (status, case) = api
                    .post(
                        "/api/v1/cases",
                        json!({ "project_id": project, "subject": format!("writer {w} case {i}"), "channel": "call" }),
                    )
                    .await;
                assert_eq!(status, StatusCode::CREATED, "{case}");
                let id = case["id"].as_i64().unwrap();
                acknowledged.lock().unwrap().push((id, Instant::now()));
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before_backup = Instant::now();
    let (status, job) = admin.post("/api/v1/backups", json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    assert_eq!(job["trigger"], "manual");
    // A second request while one runs is refused.
    let (status, busy) = admin.post("/api/v1/backups", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{busy}");
    assert_eq!(busy["code"], "backup-running");
    let job = wait_for_job(&admin).await;
    let after_backup = Instant::now();
    assert_eq!(job["state"], "done", "{job}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    let during = acknowledged
        .iter()
        .filter(|(_, at)| *at > before_backup && *at < after_backup)
        .count();
    assert!(during > 0, "no write was acknowledged while the backup ran");

    let (status, overview) = admin.get("/api/v1/backups").await;
    assert_eq!(status, StatusCode::OK, "{overview}");
    let item = &overview["items"][0];
    assert_eq!(item["name"], job["file_name"], "{overview}");
    assert_eq!(item["verified"], true);
    assert_eq!(item["trigger"], "manual");
    let max_case_id = item["snapshot"]["max_case_id"].as_i64().unwrap();
    let snapshot_cases = item["snapshot"]["cases"].as_i64().unwrap();

    for (id, at) in &acknowledged {
        if *at < before_backup {
            assert!(
                *id <= max_case_id,
                "case {id} acknowledged before the backup is after its snapshot point {max_case_id}"
            );
        }
    }
    assert!(
        acknowledged.iter().any(|(id, _)| *id > max_case_id),
        "writes went on after the snapshot point"
    );

    // Download equals the file; the archive has no secret.key.
    let name = item["name"].as_str().unwrap().to_string();
    let file = ts.dir.path().join("backups").join(&name);
    let response = admin
        .raw(Method::GET, &format!("/api/v1/backups/{name}"), None, &[])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.unwrap();
    assert_eq!(bytes.as_ref(), std::fs::read(&file).unwrap().as_slice());
    let entries = archive_entries(&file);
    assert_eq!(entries.first().map(String::as_str), Some("zezaro.db"));
    assert_eq!(entries.last().map(String::as_str), Some("manifest.json"));
    assert!(
        entries.iter().any(|e| e.starts_with("attachments/")),
        "{entries:?}"
    );
    assert!(
        !entries.iter().any(|e| e.contains("secret.key")),
        "{entries:?}"
    );

    // Restore with the real binary into an empty directory.
    let target = tempfile::tempdir().unwrap();
    let restored_dir = target.path().join("restored");
    let out = run(
        &[
            "restore",
            "--data-dir",
            restored_dir.to_str().unwrap(),
            "--from",
            file.to_str().unwrap(),
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("no secret.key"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["check", "--data-dir", restored_dir.to_str().unwrap()], "");
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert!(text(&out.stdout).starts_with("ok:"));

    let restored = case_ids(&restored_dir);
    assert_eq!(restored.len() as i64, snapshot_cases);
    assert_eq!(restored.iter().next_back().copied(), Some(max_case_id));
    let missing: Vec<i64> = acknowledged
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| *id <= max_case_id && !restored.contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "acknowledged before the snapshot point but not restored: {missing:?}"
    );
    assert!(restored.iter().all(|id| *id <= max_case_id));
    // The attachment is back, under its hash.
    let blobs: Vec<_> = walk(&restored_dir.join("attachments"));
    assert_eq!(blobs.len(), 1, "{blobs:?}");

    // Delete through the API.
    let (status, body) = admin.delete(&format!("/api/v1/backups/{name}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert!(!file.exists());
    let (status, _) = admin.delete(&format!("/api/v1/backups/{name}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = admin.get("/api/v1/backups/..%2Fzezaro.db").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The audit trail has both.
    let (_, audit) = admin.get("/api/v1/audit?object_type=backup&limit=50").await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"backup.create") && actions.contains(&"backup.delete"),
        "{actions:?}"
    );
    ts.server.stop().await;
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path());
            }
        }
    }
    out
}

/// `zezaro backup` beside a running server (which holds the lock), with
/// encryption; restore with the right key, a wrong key, no key; a damaged
/// archive; a non-empty and a busy target.
#[test]
fn cli_backup_encryption_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (mut server, _url) = serve(dir.path(), &["--demo"]);
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("backup.key");
    std::fs::write(&key, format!("{}\n", "5a".repeat(32))).unwrap();
    let wrong = keys.path().join("wrong.key");
    std::fs::write(&wrong, [7u8; 32]).unwrap();

    let out_dir = tempfile::tempdir().unwrap();
    let archive = out_dir.path().join("full.tar.gz.enc");
    let a = archive.to_str().unwrap();
    let out = run(
        &[
            "backup",
            "--data-dir",
            d,
            "--out",
            a,
            "--key-file",
            key.to_str().unwrap(),
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("wrote and verified"),
        "{}",
        text(&out.stdout)
    );
    let head = std::fs::read(&archive).unwrap();
    assert_eq!(&head[..8], b"ZZBACKUP");
    // The demo's names are not readable in the encrypted file.
    assert!(!head.windows(9).any(|w| w == b"Acme Ener"));
    // Writing over an existing file is refused.
    let out = run(&["backup", "--data-dir", d, "--out", a], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("exists already"),
        "{}",
        text(&out.stderr)
    );

    let target = tempfile::tempdir().unwrap();
    let t = target.path().join("new");
    let t = t.to_str().unwrap();
    let out = run(&["restore", "--data-dir", t, "--from", a], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("encrypted; give its key"),
        "{}",
        text(&out.stderr)
    );
    let out = run(
        &[
            "restore",
            "--data-dir",
            t,
            "--from",
            a,
            "--key-file",
            wrong.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("different key"),
        "{}",
        text(&out.stderr)
    );

    // A damaged copy.
    let damaged = out_dir.path().join("damaged.tar.gz.enc");
    let mut bytes = head.clone();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    std::fs::write(&damaged, &bytes).unwrap();
    let out = run(
        &[
            "restore",
            "--data-dir",
            t,
            "--from",
            damaged.to_str().unwrap(),
            "--key-file",
            key.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("damaged"),
        "{}",
        text(&out.stderr)
    );

    // The right key, with the original secret.key copied in.
    let secret = dir.path().join("secret.key");
    let out = run(
        &[
            "restore",
            "--data-dir",
            t,
            "--from",
            a,
            "--key-file",
            key.to_str().unwrap(),
            "--secret-key",
            secret.to_str().unwrap(),
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read(Path::new(t).join("secret.key")).unwrap(),
        std::fs::read(&secret).unwrap()
    );
    let out = run(&["check", "--data-dir", t], "");
    assert!(out.status.success(), "{}", text(&out.stdout));
    // Not again into the now non-empty directory …
    let out = run(
        &[
            "restore",
            "--data-dir",
            t,
            "--from",
            a,
            "--key-file",
            key.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("not empty"),
        "{}",
        text(&out.stderr)
    );
    // … and never into the directory a server runs on, even with --force.
    let out = run(
        &[
            "restore",
            "--data-dir",
            d,
            "--from",
            a,
            "--key-file",
            key.to_str().unwrap(),
            "--force",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("running zezaro"),
        "{}",
        text(&out.stderr)
    );
    server.kill().unwrap();
    server.wait().unwrap();

    // The restored store serves the demo data.
    let (mut restored, url) = serve(Path::new(t), &[]);
    let health: Value = get_json(&format!("{url}/healthz"));
    assert_eq!(health["status"], "ok", "{health}");
    restored.kill().unwrap();
    restored.wait().unwrap();
    // --force replaces a non-empty (stopped) directory.
    let out = run(
        &[
            "restore",
            "--data-dir",
            t,
            "--from",
            a,
            "--key-file",
            key.to_str().unwrap(),
            "--force",
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// A GET from a synchronous test.
fn get_json(url: &str) -> Value {
    let url = url.to_string();
    std::thread::spawn(move || {
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(async move { reqwest::get(&url).await.unwrap().json().await.unwrap() })
    })
    .join()
    .unwrap()
}

/// Mode bits of a path (permissions only).
#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// A backup download is in the audit log; the archive's store holds no
/// session (a restored store signs everybody out); the data directory, the
/// store and its WAL, backups and exports are private (0700 / 0600) although
/// the process starts with umask 022.
#[cfg(unix)]
#[allow(unsafe_code)]
#[actix_web::test]
async fn backup_download_is_audited_private_and_without_sessions() {
    // SAFETY: umask only swaps the process's mask.
    unsafe {
        libc::umask(0o022);
    }
    let ts = common::server_with(true, |c| c.data_dir = c.data_dir.join("data")).await;
    let data = ts.dir.path().join("data");
    let admin = ts.token_client(ADMIN);
    // A signed-in browser: a session row in the store.
    let _browser = ts.session_client(ADMIN).await;
    let sessions: i64 = rusqlite::Connection::open(data.join("zezaro.db"))
        .unwrap()
        .query_row("SELECT COUNT(*) FROM sessions", [], |r| r.get(0))
        .unwrap();
    assert!(sessions > 0);

    let (status, job) = admin.post("/api/v1/backups", json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    let job = wait_for_job(&admin).await;
    assert_eq!(job["state"], "done", "{job}");
    let (_, list) = admin.get("/api/v1/backups").await;
    let name = list["items"][0]["name"].as_str().unwrap().to_string();
    let file = data.join("backups").join(&name);

    let response = admin
        .raw(Method::GET, &format!("/api/v1/backups/{name}"), None, &[])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.unwrap();
    assert_eq!(bytes.len() as u64, std::fs::metadata(&file).unwrap().len());
    let (status, audit) = admin.get("/api/v1/audit?object_type=backup&limit=50").await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    let entry = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "backup.download")
        .unwrap_or_else(|| panic!("no backup.download entry: {audit}"))
        .clone();
    assert_eq!(entry["details"]["file"], name.as_str(), "{entry}");
    assert_eq!(entry["actor_email"], ADMIN, "{entry}");

    // The archive's store has the users but no session.
    let work = tempfile::tempdir().unwrap();
    let archive = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
    let mut archive = archive;
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.path().unwrap().to_string_lossy() == "zezaro.db" {
            entry.unpack(work.path().join("zezaro.db")).unwrap();
        }
    }
    let copy = rusqlite::Connection::open(work.path().join("zezaro.db")).unwrap();
    let count = |sql: &str| -> i64 { copy.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT COUNT(*) FROM sessions"), 0);
    assert!(count("SELECT COUNT(*) FROM users") > 0);

    // A client export too, then the modes.
    let acme = ts
        .id_of("/api/v1/clients", "name", "Acme Energie GmbH")
        .await;
    let (status, export) = admin
        .post(&format!("/api/v1/clients/{acme}/exports"), json!({}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{export}");
    let export_id = export["id"].as_str().unwrap().to_string();
    for _ in 0..600 {
        let (_, job) = admin
            .get(&format!("/api/v1/clients/{acme}/exports/{export_id}"))
            .await;
        if job["state"] != "running" {
            assert_eq!(job["state"], "done", "{job}");
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(mode(&data), 0o700, "data directory");
    assert_eq!(mode(&data.join("zezaro.db")), 0o600, "store");
    assert_eq!(mode(&data.join("zezaro.db-wal")), 0o600, "WAL");
    assert_eq!(mode(&data.join("backups")), 0o700, "backup directory");
    assert_eq!(mode(&file), 0o600, "backup archive");
    let exports = data.join("exports");
    assert_eq!(mode(&exports), 0o700, "export directory");
    let archives: Vec<_> = std::fs::read_dir(&exports)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    assert!(!archives.is_empty());
    for archive in archives {
        assert_eq!(mode(&archive), 0o600, "{}", archive.display());
    }
    ts.server.stop().await;
}
