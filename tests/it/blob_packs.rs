//! Contents stored in pack files (mail ingestion) read and removed like
//! loose files: attachment and raw e-mail downloads send exactly a
//! content's range, isolated per client; the client export carries packed
//! contents; erasure deallocates the range and removes an emptied pack; a
//! backup carries the named packs and restores to a store that reads back.
//!
//! The packs are written with `PackWriter` and their rows with
//! `blobs::store::insert_row` directly, so these tests exercise packs
//! whatever ingestion writes.

use crate::common;

use std::io::Read;
use std::path::{Path, PathBuf};

use common::{Api, TestServer, client};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use zezaro::blobs::pack::PackWriter;
use zezaro::blobs::{BlobStore, Stored};

const ADMIN: &str = "admin@zezaro.example";
const CA_ACME: &str = "kadmin@acme-energie.example";
const CA_NORD: &str = "kadmin@nordlicht.example";
const V1: &str = "/api/v1";

fn sha(bytes: &[u8]) -> String {
    zezaro::db::hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

/// Writes `contents` into one new, synced pack of the server's data
/// directory; answers its file and where each content is.
fn pack(dir: &Path, contents: &[&[u8]]) -> (PathBuf, Vec<Stored>) {
    let store = BlobStore::new(dir);
    let mut writer = PackWriter::new(&store);
    let stored = contents
        .iter()
        .map(|bytes| Stored {
            sha256: sha(bytes),
            size: bytes.len() as u64,
            pack: Some(writer.add(&sha(bytes), bytes).expect("add to pack")),
        })
        .collect();
    writer.sync().expect("sync pack");
    (store.packs_dir().join(writer.name()), stored)
}

/// An attachment row of the case naming a (packed) content.
fn attachment(ts: &TestServer, case_id: i64, stored: &Stored, filename: &str) -> i64 {
    let (stored, filename) = (stored.clone(), filename.to_string());
    ts.server
        .state
        .db
        .write_blocking(move |tx| {
            zezaro::blobs::store::insert_row(tx, &stored)?;
            tx.execute(
                "INSERT INTO attachments (case_id, sha256, filename, content_type, size, created_at)
                 VALUES (?1, ?2, ?3, 'text/plain', ?4, '2026-01-01T00:00:00.000Z')",
                rusqlite::params![case_id, stored.sha256, filename, stored.size as i64],
            )?;
            Ok::<_, zezaro::db::StoreError>(tx.last_insert_rowid())
        })
        .expect("attachment stored")
}

/// A raw e-mail of the case's first message, as ingestion records it;
/// answers the message id.
fn raw_mail(ts: &TestServer, case_id: i64, stored: &Stored) -> i64 {
    let stored = stored.clone();
    ts.server
        .state
        .db
        .write_blocking(move |tx| {
            zezaro::blobs::store::insert_row(tx, &stored)?;
            let message: i64 = tx.query_row(
                "SELECT id FROM messages WHERE case_id = ?1 ORDER BY id LIMIT 1",
                [case_id],
                |row| row.get(0),
            )?;
            tx.execute(
                "INSERT INTO mail_inbound (message_key, raw_sha256, raw_size, case_id,
                     thread_message_id, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, '2026-01-01T00:00:00.000Z')",
                rusqlite::params![
                    format!("sha256:{}", stored.sha256),
                    stored.sha256,
                    stored.size as i64,
                    case_id,
                    message
                ],
            )?;
            Ok::<_, zezaro::db::StoreError>(message)
        })
        .expect("raw mail stored")
}

async fn project(ts: &TestServer, key: &str) -> i64 {
    ts.id_of(&format!("{V1}/projects"), "key", key).await
}

async fn client_id(ts: &TestServer, name: &str) -> i64 {
    ts.id_of(&format!("{V1}/clients"), "name", name).await
}

async fn new_case(api: &Api, project: i64, contact: Option<i64>, subject: &str) -> i64 {
    let (status, case) = api
        .post(
            &format!("{V1}/cases"),
            json!({ "project_id": project, "subject": subject, "channel": "email",
                    "contact_id": contact,
                    "message": { "kind": "inbound", "body_text": "see the mail" } }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    case["id"].as_i64().expect("id")
}

async fn download(api: &Api, path: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let response = api.raw(Method::GET, path, None, &[]).await;
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body").to_vec();
    (status, headers, bytes)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

const BEFORE: &[u8] = b"a content before, of another message";
const FILE: &[u8] = b"Rechnung 2026-0815: 47,11 EUR, packed";
const RAW: &[u8] =
    b"From: kunde@example.org\r\nTo: service@acme.example\r\nSubject: Rechnung\r\n\r\nBitte pruefen.\r\n";
const AFTER: &[u8] = b"a content after it, never to be sent along";

#[actix_web::test]
async fn packed_contents_download_exactly_their_bytes_and_stay_isolated() {
    let ts = common::demo_server().await;
    let admin = client(&ts, ADMIN);
    let acme = client(&ts, CA_ACME);
    let nord = client(&ts, CA_NORD);
    let case_id = new_case(&admin, project(&ts, "ACME").await, None, "packed").await;
    let (_, stored) = pack(ts.dir.path(), &[BEFORE, FILE, RAW, AFTER]);
    assert!(stored[1].pack.as_ref().expect("packed").offset > 0);
    let file_id = attachment(&ts, case_id, &stored[1], "rechnung.txt");
    let last_id = attachment(&ts, case_id, &stored[3], "last.txt");
    let message = raw_mail(&ts, case_id, &stored[2]);

    // Not the first content of the pack: exactly its range, with the
    // download's usual headers.
    let (status, headers, bytes) = download(&acme, &format!("{V1}/attachments/{file_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, FILE);
    assert_eq!(headers["content-type"], "text/plain");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap_or_default()
            .starts_with("attachment"),
        "{headers:?}"
    );
    assert_eq!(
        headers["content-security-policy"],
        "sandbox; default-src 'none'"
    );
    // The last content ends where the pack ends.
    let (status, _, bytes) = download(&acme, &format!("{V1}/attachments/{last_id}")).await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, AFTER));

    let raw_path = format!("{V1}/cases/{case_id}/messages/{message}/raw");
    let (status, headers, bytes) = download(&acme, &raw_path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, RAW);
    assert_eq!(headers["content-type"], "message/rfc822");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap_or_default()
            .contains(&format!("message-{message}.eml")),
        "{headers:?}"
    );

    // Another client's user sees neither.
    for path in [format!("{V1}/attachments/{file_id}"), raw_path.clone()] {
        let (status, _, bytes) = download(&nord, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!contains(&bytes, b"Rechnung"), "{path}");
    }

    // A pack gone from disk: the same 500 problem as a missing loose file,
    // never a short or foreign body.
    let (gone_pack, gone) = pack(ts.dir.path(), &[b"content of a lost pack"]);
    let gone_id = attachment(&ts, case_id, &gone[0], "lost.txt");
    std::fs::remove_file(&gone_pack).expect("remove pack");
    let (status, _, bytes) = download(&acme, &format!("{V1}/attachments/{gone_id}")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let problem: Value = serde_json::from_slice(&bytes).expect("problem json");
    assert_eq!(
        problem["detail"], "the file's content is missing",
        "{problem}"
    );
}

#[actix_web::test]
async fn client_export_carries_packed_contents() {
    let ts = common::demo_server().await;
    let admin = client(&ts, ADMIN);
    let case_id = new_case(&admin, project(&ts, "ACME").await, None, "exported").await;
    let (_, stored) = pack(ts.dir.path(), &[BEFORE, FILE, RAW, AFTER]);
    attachment(&ts, case_id, &stored[1], "rechnung.txt");
    raw_mail(&ts, case_id, &stored[2]);
    let acme = client_id(&ts, "Acme Energie GmbH").await;

    let work = tempfile::tempdir().expect("dir");
    let out = work.path().join("acme.tar.gz");
    let conn = zezaro::export::archive::open_snapshot_connection(&ts.dir.path().join("zezaro.db"))
        .expect("open store");
    let manifest = zezaro::export::archive::write(
        &conn,
        &BlobStore::new(ts.dir.path()),
        acme.into(),
        &out,
        work.path(),
        &zezaro::export::archive::Progress::default(),
    )
    .expect("export");
    assert!(
        manifest.blobs.missing.is_empty(),
        "{:?}",
        manifest.blobs.missing
    );

    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(
        std::fs::File::open(&out).expect("archive"),
    ));
    let mut files = std::collections::HashMap::new();
    for entry in archive.entries().expect("entries") {
        let mut entry = entry.expect("entry");
        let path = entry.path().expect("path").to_string_lossy().into_owned();
        if let Some((_, name)) = path.split_once("/files/") {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).expect("read entry");
            files.insert(name.to_string(), bytes);
        }
    }
    assert_eq!(files.get(&sha(FILE)).map(Vec::as_slice), Some(FILE));
    assert_eq!(files.get(&sha(RAW)).map(Vec::as_slice), Some(RAW));
    // Pack neighbours of no row of this client are not exported.
    assert!(!files.contains_key(&sha(BEFORE)) && !files.contains_key(&sha(AFTER)));
}

#[actix_web::test]
async fn erasure_deallocates_packed_ranges_and_removes_emptied_packs() {
    let ts = common::demo_server().await;
    let ca = client(&ts, CA_ACME);
    let acme = client_id(&ts, "Acme Energie GmbH").await;
    let project = project(&ts, "ACME").await;
    let (status, contact) = ca
        .post(
            &format!("{V1}/contacts"),
            json!({ "client_id": acme, "name": "Paula Packlos",
                    "emails": ["paula.packlos@erase.example"] }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{contact}");
    let contact = contact["id"].as_i64().expect("id");
    let erased = new_case(&ca, project, Some(contact), "Paulas Vertrag").await;
    let kept = new_case(&ca, project, None, "bleibt").await;

    let secret: &[u8] = b"Paula Packlos, Ausweis L01X00T47, geboren 1980";
    let other: &[u8] = b"content of another case that stays";
    let raw: &[u8] = b"From: paula.packlos@erase.example\r\n\r\nPaula schreibt.\r\n";
    // The secret shares its pack; the raw mail has one of its own.
    let (shared_pack, shared) = pack(ts.dir.path(), &[secret, other]);
    let (own_pack, own) = pack(ts.dir.path(), &[raw]);
    attachment(&ts, erased, &shared[0], "ausweis.txt");
    let other_id = attachment(&ts, kept, &shared[1], "other.txt");
    raw_mail(&ts, erased, &own[0]);
    let size_before = std::fs::metadata(&shared_pack).expect("pack").len();

    let (status, erasure) = ca
        .post(
            &format!("{V1}/contacts/{contact}/erase"),
            json!({ "mode": "delete" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{erasure}");
    assert_eq!(erasure["blobs_removed"], 2, "{erasure}");

    // The secret's range reads as zeros; its neighbour is intact and still
    // served; the raw mail's pack, named by no row now, is gone.
    let bytes = std::fs::read(&shared_pack).expect("shared pack stays");
    assert_eq!(bytes.len() as u64, size_before);
    assert!(
        !contains(&bytes, secret),
        "the erased content is still in the pack"
    );
    assert!(!contains(&bytes, b"Packlos"));
    let offset = shared[0].pack.as_ref().expect("packed").offset as usize;
    assert!(bytes[offset..offset + secret.len()].iter().all(|&b| b == 0));
    assert!(contains(&bytes, other));
    assert!(!own_pack.exists(), "an emptied pack is removed");
    let (status, _, body) = download(&ca, &format!("{V1}/attachments/{other_id}")).await;
    assert_eq!((status, body.as_slice()), (StatusCode::OK, other));
    let rows: i64 = ts
        .server
        .state
        .db
        .read_blocking(|conn| {
            conn.query_row(
                "SELECT COUNT(*) FROM blobs WHERE pack IS NOT NULL",
                [],
                |row| row.get(0),
            )
            .map_err(zezaro::db::StoreError::from)
        })
        .expect("count");
    assert_eq!(rows, 1, "only the kept content is recorded");
}

fn quiet(_: &str, _: f64) {}

#[actix_web::test]
async fn backup_carries_named_packs_and_restores_readable() {
    let ts = common::demo_server().await;
    let admin = client(&ts, ADMIN);
    let case_id = new_case(&admin, project(&ts, "ACME").await, None, "backed up").await;
    let (named, stored) = pack(ts.dir.path(), &[BEFORE, FILE, RAW]);
    let file_id = attachment(&ts, case_id, &stored[1], "rechnung.txt");
    let message = raw_mail(&ts, case_id, &stored[2]);
    // A pack no row names (being written, or left by a crash) stays out.
    let (orphan, _) = pack(ts.dir.path(), &[b"an unnamed pack"]);

    let work = tempfile::tempdir().expect("dir");
    let out = work.path().join("backup.tar");
    let options = zezaro::backup::archive::Options {
        compress: false,
        ..Default::default()
    };
    let manifest =
        zezaro::backup::archive::create(ts.dir.path(), &out, &options, &quiet).expect("backup");
    let name = |path: &Path| {
        format!(
            "attachments/packs/{}",
            path.file_name().expect("name").to_string_lossy()
        )
    };
    let listed: Vec<&str> = manifest
        .attachments
        .iter()
        .map(|a| a.path.as_str())
        .collect();
    assert!(listed.contains(&name(&named).as_str()), "{listed:?}");
    assert!(!listed.contains(&name(&orphan).as_str()), "{listed:?}");
    zezaro::backup::archive::verify(&out, None, &quiet).expect("verifies");

    // A changed byte inside the pack is found.
    let mut bytes = std::fs::read(&out).expect("archive");
    let at = bytes
        .windows(FILE.len())
        .position(|w| w == FILE)
        .expect("pack content in the archive");
    bytes[at] ^= 1;
    let damaged = work.path().join("damaged.tar");
    std::fs::write(&damaged, &bytes).expect("write");
    assert!(zezaro::backup::archive::verify(&damaged, None, &quiet).is_err());

    // Restored into an empty directory, the packed contents read back
    // through a server on it.
    let restored_dir = tempfile::tempdir().expect("dir");
    zezaro::backup::restore::restore(
        restored_dir.path(),
        &out,
        &zezaro::backup::restore::RestoreOptions::default(),
        &quiet,
    )
    .expect("restore");
    assert!(restored_dir.path().join(name(&named)).exists());
    assert!(!restored_dir.path().join(name(&orphan)).exists());
    let server = zezaro::http::start(
        common::test_config(restored_dir.path()),
        zezaro::http::server::StartOptions {
            signals: false,
            demo: false,
        },
    )
    .await
    .expect("server on the restored directory");
    let url = server.url.clone();
    let restored = TestServer {
        server,
        url,
        dir: restored_dir,
    };
    let admin = client(&restored, ADMIN);
    let (status, _, bytes) = download(&admin, &format!("{V1}/attachments/{file_id}")).await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, FILE));
    let (status, _, bytes) = download(
        &admin,
        &format!("{V1}/cases/{case_id}/messages/{message}/raw"),
    )
    .await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, RAW));
}

#[actix_web::test]
async fn a_reply_sends_a_packed_attachment_exactly() {
    use mail_parser::MimeHeaders;
    let postfix = common::postfix::Postfix::start_new();
    let ts = common::demo_server().await;
    let admin = client(&ts, ADMIN);
    let project = project(&ts, "ACME").await;
    let (status, mailbox) = admin
        .post(
            &format!("{V1}/projects/{project}/mailboxes"),
            json!({"name": "service@acme-energie.example", "address": "service@acme-energie.example",
                   "sender_name": "ACME", "signature": "",
                   "imap_host": "127.0.0.1", "imap_port": 1, "imap_security": "plain",
                   "imap_username": "x", "imap_password": "imap-secret",
                   "smtp_host": "127.0.0.1", "smtp_port": postfix.port, "smtp_security": "plain",
                   "paused": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{mailbox}");
    let (status, case) = admin
        .post(
            &format!("{V1}/cases"),
            json!({"project_id": project, "subject": "Rechnung", "channel": "email",
                   "contact": {"name": "Eva Kundin", "email": "eva@customer.example"},
                   "message": {"kind": "inbound", "body_text": "Bitte die Rechnung."}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let case_id = case["id"].as_i64().expect("id");
    let reference = case["ref"].as_str().expect("ref").to_string();
    let (_, stored) = pack(ts.dir.path(), &[BEFORE, FILE, AFTER]);
    let file_id = attachment(&ts, case_id, &stored[1], "rechnung.txt");

    let (status, created) = admin
        .post(
            &format!("{V1}/cases/{case_id}/messages"),
            json!({"kind": "outbound", "body_text": "Anbei.", "attachment_ids": [file_id]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let mail = postfix
        .wait_for(
            &format!("[{reference}]"),
            std::time::Duration::from_secs(20),
        )
        .await;
    let parsed = mail.parsed();
    let files: Vec<_> = parsed.attachments().collect();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].attachment_name(), Some("rechnung.txt"));
    assert_eq!(files[0].contents(), FILE);
}
