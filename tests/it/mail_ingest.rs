//! E-mail ingestion against a real Dovecot: mailboxes through the API
//! (passwords sealed and never answered), the awkward corpus in
//! tests/mail_corpus filed into cases (threads, attachments, raw download,
//! flags), isolation between clients, the actions after fetching, connection
//! checks with reasons, and kill -9 during ingestion losing and doubling
//! nothing.

use crate::common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::mailserver::{Dovecot, PASSWORD};
use common::{Api, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

const ADMIN: &str = "admin@zezaro.example";
const CA_ACME: &str = "kadmin@acme-energie.example";
const CA_NORD: &str = "kadmin@nordlicht.example";
const ANNA: &str = "anna.schmidt@acme-energie.example";
const SMTP_PASSWORD: &str = "smtp-secret-Xq7";

fn corpus(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/mail_corpus")
            .join(name),
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}

async fn project_id(ts: &TestServer, key: &str) -> i64 {
    ts.id_of("/api/v1/projects", "key", key).await
}

/// Asserts no password is anywhere in an answer.
fn no_secrets(body: &Value) {
    let text = body.to_string();
    assert!(
        !text.contains(PASSWORD)
            && !text.contains(SMTP_PASSWORD)
            && !text.contains("password_sealed"),
        "a password leaked: {text}"
    );
}

async fn create_mailbox(api: &Api, project: i64, body: Value) -> i64 {
    let (status, mailbox) = api
        .post(&format!("/api/v1/projects/{project}/mailboxes"), body)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{mailbox}");
    no_secrets(&mailbox);
    mailbox["id"].as_i64().expect("id")
}

async fn fetch(api: &Api, mailbox: i64) -> Value {
    let (status, report) = api
        .post(&format!("/api/v1/mailboxes/{mailbox}/fetch"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    report
}

async fn inbound(api: &Api, mailbox: i64, query: &str) -> Vec<Value> {
    let (status, body) = api
        .get(&format!(
            "/api/v1/mailboxes/{mailbox}/inbound?limit=500{query}"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"].as_array().expect("items").clone()
}

/// The inbound record of the message with this Message-ID (or subject).
fn record<'a>(records: &'a [Value], key: &str) -> &'a Value {
    records
        .iter()
        .find(|r| r["message_id"] == key || r["subject"] == key)
        .unwrap_or_else(|| panic!("no record {key} in {records:#?}"))
}

async fn case(api: &Api, id: &Value) -> Value {
    let (status, body) = api.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[actix_web::test]
async fn the_corpus_becomes_cases_threads_and_flags() {
    let dovecot = Dovecot::start();
    let ts = common::server_with(true, |c| c.max_attachment_bytes = 200_000).await;
    let admin = ts.token_client(ADMIN);
    let acme = project_id(&ts, "ACME").await;
    let mailbox = create_mailbox(
        &admin,
        acme,
        dovecot.mailbox_json("support@acme-energie.example"),
    )
    .await;

    // Settings round-trip without secrets; check connection works.
    let (status, shown) = admin.get(&format!("/api/v1/mailboxes/{mailbox}")).await;
    assert_eq!(status, StatusCode::OK);
    no_secrets(&shown);
    assert_eq!(shown["smtp_password_set"], true);
    let (status, check) = admin
        .post(&format!("/api/v1/mailboxes/{mailbox}/check"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(check["ok"], true, "{check}");

    let first_round = [
        "01_latin1.eml",
        "02_windows1252.eml",
        "03_nested_inline_image.eml",
        "04_forwarded.eml",
        "05_html_only_hostile.eml",
        "06_broken_boundary.eml",
        "07_no_message_id.eml",
        "08_header_injection.eml",
        "09_deep_nesting.eml",
        "10_auto_reply.eml",
    ];
    for name in first_round {
        dovecot.deliver(&corpus(name));
    }
    // Over the attachment limit, and a zip bomb (stored, never unpacked).
    let big = "QUFB".repeat(80_000); // 240 KB of base64
    let mut zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00".to_vec();
    zip.extend(std::iter::repeat_n(0u8, 2000));
    let huge = format!(
        "From: gross@kunde.example\r\nTo: support@acme-energie.example\r\nSubject: Riesig\r\nMessage-ID: <huge-1@kunde.example>\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nAnbei.\r\n--B\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=gross.bin\r\n\r\n{big}\r\n--B\r\nContent-Type: application/zip\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=bombe.zip\r\n\r\n{}\r\n--B--\r\n",
        base64_encode(&zip)
    );
    dovecot.deliver(huge.as_bytes());

    let report = fetch(&admin, mailbox).await;
    assert_eq!(report["taken"], 11, "{report}");
    assert_eq!(report["new_cases"], 11, "{report}");
    let records = inbound(&admin, mailbox, "").await;
    assert_eq!(records.len(), 11);

    // ISO-8859-1 body, encoded subject and sender name; contact created.
    let latin1 = record(&records, "latin1-1@kunde.example");
    let detail = case(&admin, &latin1["case_id"]).await;
    assert_eq!(detail["case"]["subject"], "Zählerstand für Straße 12");
    assert_eq!(detail["case"]["channel"], "email");
    assert_eq!(detail["case"]["contact_name"], "Jürgen Müller");
    let first = &detail["messages"][0];
    assert!(
        first["body_text"]
            .as_str()
            .unwrap()
            .contains("Schöne Grüße aus München"),
        "{first}"
    );
    assert_eq!(first["from_address"], "juergen.mueller@kunde.example");
    assert_eq!(latin1["flagged"], false, "{latin1}");
    // The raw message, byte for byte, as message/rfc822.
    let raw_url = latin1["raw_url"].as_str().expect("raw url");
    let response = admin.raw(reqwest::Method::GET, raw_url, None, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "message/rfc822");
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(
        response.bytes().await.unwrap().as_ref(),
        corpus("01_latin1.eml").as_slice()
    );
    let latin1_case = latin1["case_id"].clone();
    let latin1_ref = detail["case"]["ref"].as_str().unwrap().to_string();
    assert!(latin1_ref.starts_with("ACME-"));

    // windows-1252: € and typographic quotes.
    let cp = record(&records, "cp1252-1@kunde.example");
    let detail = case(&admin, &cp["case_id"]).await;
    let body = detail["messages"][0]["body_text"].as_str().unwrap();
    assert!(body.contains("80 €") && body.contains("„prüfen“"), "{body}");
    assert_eq!(detail["case"]["subject"], "Rechnung „Abschlag“ €");
    let cp_case = cp["case_id"].clone();
    let cp_ref = detail["case"]["ref"].as_str().unwrap().to_string();

    // Nested multiparts: text, sanitised HTML with the inline image pointing
    // at its stored attachment, and the PDF with its encoded name.
    let nested = record(&records, "nested-1@kunde.example");
    let detail = case(&admin, &nested["case_id"]).await;
    let message = &detail["messages"][0];
    let names: Vec<&str> = message["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["filename"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"zaehler.png") && names.contains(&"Rechnung März.pdf"),
        "{names:?}"
    );
    let html = message["body_html"].as_str().expect("html");
    assert!(
        html.contains("/api/v1/attachments/") && !html.contains("cid:"),
        "{html}"
    );
    assert!(
        message["body_text"]
            .as_str()
            .unwrap()
            .contains("Foto vom Zähler")
    );
    assert_eq!(detail["case"]["subject"], "Foto vom Zähler");
    let png = message["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["filename"] == "zaehler.png")
        .unwrap();
    let (status, _) = admin.get(png["url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);

    // Forwarded message/rfc822: its text in the thread, the mail attached.
    let fwd = record(&records, "fwd-1@kunde.example");
    let detail = case(&admin, &fwd["case_id"]).await;
    let message = &detail["messages"][0];
    let text = message["body_text"].as_str().unwrap();
    assert!(
        text.contains("Siehe unten") && text.contains("Die ursprüngliche Frage"),
        "{text}"
    );
    assert!(
        message["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["content_type"] == "message/rfc822"),
        "{message}"
    );

    // Hostile HTML is sanitised.
    let hostile = record(&records, "html-1@boese.example");
    let detail = case(&admin, &hostile["case_id"]).await;
    let html = detail["messages"][0]["body_html"].as_str().expect("html");
    for bad in ["<script", "onerror", "onclick", "javascript:", "<iframe"] {
        assert!(!html.to_lowercase().contains(bad), "{bad} in {html}");
    }
    assert!(html.contains("Bitte lesen"));
    assert!(
        detail["messages"][0]["body_text"]
            .as_str()
            .unwrap()
            .contains("Hallo")
    );

    // Broken boundaries: both texts shown as the body, none hidden in a
    // pseudo-attachment; flagged.
    let broken = record(&records, "broken-1@kunde.example");
    assert_eq!(broken["flags"], json!(["broken-multipart"]), "{broken}");
    let detail = case(&admin, &broken["case_id"]).await;
    let message = &detail["messages"][0];
    let text = message["body_text"].as_str().unwrap();
    assert!(
        text.contains("Dieser Text steht hinter einer falschen Grenze.")
            && text.contains("Und dieser Teil endet nie"),
        "{text}"
    );
    assert_eq!(message["attachments"], json!([]), "{message}");

    // No Message-ID: filed (keyed by the raw hash).
    let anonymous = record(&records, "Keine Message-ID");
    assert!(anonymous["message_id"].is_null() && anonymous["case_id"].is_i64());

    // Header injection: one line, nothing smuggled into headers.
    let injected = record(&records, "inject-1@boese.example");
    let detail = case(&admin, &injected["case_id"]).await;
    let subject = detail["case"]["subject"].as_str().unwrap();
    assert!(
        !subject.contains('\r') && !subject.contains('\n'),
        "{subject:?}"
    );
    assert!(subject.starts_with("Hallo Bcc:"), "{subject:?}");

    // 60 levels of nesting: filed, text found, flagged for an admin.
    let deep = record(&records, "deep-1@kunde.example");
    assert_eq!(deep["flagged"], true, "{deep}");
    assert!(
        deep["problem"].as_str().unwrap().contains("nested"),
        "{deep}"
    );

    // The auto-reply is marked (and gets no acknowledgment).
    let ooo = record(&records, "ooo-1@kunde.example");
    assert_eq!(ooo["auto_reply"], true);
    assert_eq!(ooo["bounce"], false);

    // Over the limit: skipped and noted; the zip stored as it is; the raw
    // message whole.
    let huge_record = record(&records, "huge-1@kunde.example");
    assert_eq!(huge_record["flagged"], true);
    assert!(
        huge_record["problem"]
            .as_str()
            .unwrap()
            .contains("gross.bin"),
        "{huge_record}"
    );
    let detail = case(&admin, &huge_record["case_id"]).await;
    let names: Vec<&str> = detail["messages"][0]["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["filename"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["bombe.zip"]);
    let response = admin
        .raw(
            reqwest::Method::GET,
            huge_record["raw_url"].as_str().unwrap(),
            None,
            &[],
        )
        .await;
    assert_eq!(response.bytes().await.unwrap().len(), huge.len());

    // Everything was marked seen on the server, after its commit.
    assert_eq!(dovecot.seen(""), 11);

    // ---- replies, a bounce, the reopening -------------------------------
    let (status, _) = admin
        .patch(
            &format!("/api/v1/cases/{latin1_case}"),
            json!({ "status": "solved", "force": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    dovecot.deliver(&corpus("12_reply_in_reply_to.eml"));
    let subject_only = String::from_utf8(corpus("13_reply_subject_only.eml"))
        .unwrap()
        .replace("{REF}", &cp_ref);
    dovecot.deliver(subject_only.as_bytes());
    let report = fetch(&admin, mailbox).await;
    assert_eq!(report["taken"], 2, "{report}");
    assert_eq!(report["new_cases"], 0, "{report}");
    let detail = case(&admin, &latin1_case).await;
    assert_eq!(
        detail["case"]["status"], "open",
        "a customer's reply reopens"
    );
    assert_eq!(detail["messages"].as_array().unwrap().len(), 2);
    let detail = case(&admin, &cp_case).await;
    assert_eq!(
        detail["messages"].as_array().unwrap().len(),
        2,
        "threaded by [{cp_ref}]"
    );

    let (status, _) = admin
        .patch(
            &format!("/api/v1/cases/{latin1_case}"),
            json!({ "status": "solved", "force": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    dovecot.deliver(&corpus("11_bounce.eml"));
    let report = fetch(&admin, mailbox).await;
    assert_eq!(report["taken"], 1);
    assert_eq!(
        report["new_cases"], 0,
        "the bounce joins the case it concerns"
    );
    let detail = case(&admin, &latin1_case).await;
    assert_eq!(
        detail["case"]["status"], "solved",
        "a bounce does not reopen"
    );
    assert_eq!(detail["messages"].as_array().unwrap().len(), 3);
    let records = inbound(&admin, mailbox, "").await;
    let bounce = record(&records, "bounce-1@mx.kunde.example");
    assert_eq!(bounce["bounce"], true);
    assert_eq!(bounce["threaded_by"], "bounce");
    assert_eq!(bounce["case_id"], latin1_case);

    // The case screen's view of the thread's mails.
    let (status, mails) = admin
        .get(&format!("/api/v1/cases/{latin1_case}/mail"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mails["items"].as_array().unwrap().len(), 3);

    // Nothing is taken twice.
    let report = fetch(&admin, mailbox).await;
    assert_eq!(report["taken"], 0, "{report}");
    assert_eq!(dovecot.seen(""), 14);

    // Fetcher state and the flagged list for admins.
    let (_, shown) = admin.get(&format!("/api/v1/mailboxes/{mailbox}")).await;
    assert_eq!(shown["fetcher"]["messages_taken"], 14, "{shown}");
    assert!(shown["fetcher"]["last_success_at"].is_string());
    assert!(shown["fetcher"]["last_error"].is_null());
    let flagged = inbound(&admin, mailbox, "&flagged=true").await;
    assert!(flagged.len() >= 2 && flagged.iter().all(|r| r["flagged"] == true));
    assert_eq!(shown["fetcher"]["flagged"], flagged.len());

    ts.server.stop().await;
    dovecot.stop();
}

fn base64_encode(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[actix_web::test]
async fn clients_stay_apart_and_secrets_stay_sealed() {
    let dovecot = Dovecot::start();
    dovecot.create_folder("Nord");
    let ts = common::demo_server().await;
    let admin = ts.token_client(ADMIN);
    let ca_acme = ts.token_client(CA_ACME);
    let ca_nord = ts.token_client(CA_NORD);
    let anna = ts.token_client(ANNA);
    let acme = project_id(&ts, "ACME").await;
    let nord = project_id(&ts, "NORD").await;

    // The client admin manages their own project's mailboxes.
    let acme_box = create_mailbox(
        &ca_acme,
        acme,
        dovecot.mailbox_json("support@acme-energie.example"),
    )
    .await;
    let mut nord_json = dovecot.mailbox_json("service@nordlicht.example");
    nord_json["imap_folder"] = json!("Nord");
    let nord_box = create_mailbox(&ca_nord, nord, nord_json).await;
    // ... but not another client's (404), and agents may not (403).
    let (status, _) = ca_nord
        .post(
            &format!("/api/v1/projects/{acme}/mailboxes"),
            dovecot.mailbox_json("x@acme-energie.example"),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = anna
        .get(&format!("/api/v1/projects/{acme}/mailboxes"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = anna.get(&format!("/api/v1/mailboxes/{acme_box}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The same address twice in a project is refused.
    let (status, body) = ca_acme
        .post(
            &format!("/api/v1/projects/{acme}/mailboxes"),
            dovecot.mailbox_json("support@acme-energie.example"),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    for path in [
        format!("/api/v1/mailboxes/{acme_box}"),
        format!("/api/v1/mailboxes/{acme_box}/inbound"),
        format!("/api/v1/projects/{acme}/mailboxes"),
    ] {
        let (status, body) = ca_nord.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    for path in ["check", "fetch", "pause", "resume"] {
        let (status, _) = ca_nord
            .post(&format!("/api/v1/mailboxes/{acme_box}/{path}"), json!({}))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = ca_nord
        .patch(
            &format!("/api/v1/mailboxes/{acme_box}"),
            json!({ "name": "x" }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = ca_nord
        .delete(&format!("/api/v1/mailboxes/{acme_box}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A Message-ID of client A never threads into client B's case.
    dovecot.deliver(
        b"From: kunde@beide.example\r\nTo: support@acme-energie.example\r\nSubject: Frage an Acme\r\nMessage-ID: <shared-1@beide.example>\r\n\r\nHallo Acme\r\n",
    );
    let report = fetch(&ca_acme, acme_box).await;
    assert_eq!(report["new_cases"], 1);
    let acme_record = inbound(&ca_acme, acme_box, "").await[0].clone();
    let acme_case = case(&ca_acme, &acme_record["case_id"]).await;
    let acme_ref = acme_case["case"]["ref"].as_str().unwrap().to_string();
    dovecot.deliver_to(
        "Nord",
        format!(
            "From: kunde@beide.example\r\nTo: service@nordlicht.example\r\nSubject: Re: [{acme_ref}] Frage\r\nMessage-ID: <shared-2@beide.example>\r\nIn-Reply-To: <shared-1@beide.example>\r\nReferences: <shared-1@beide.example>\r\n\r\nHallo Nord\r\n"
        )
        .as_bytes(),
    );
    let report = fetch(&ca_nord, nord_box).await;
    assert_eq!(report["new_cases"], 1, "threaded across clients: {report}");
    let nord_record = inbound(&ca_nord, nord_box, "").await[0].clone();
    assert_ne!(nord_record["case_id"], acme_record["case_id"]);
    let nord_case = case(&ca_nord, &nord_record["case_id"]).await;
    assert_eq!(nord_case["case"]["project_id"], nord);
    // Acme's case still has its one message; its contact is Acme's.
    assert_eq!(
        case(&ca_acme, &acme_record["case_id"]).await["messages"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_ne!(
        nord_case["case"]["contact_id"],
        acme_case["case"]["contact_id"]
    );

    // The raw message: for those who may see the case only.
    let raw_url = acme_record["raw_url"].as_str().unwrap();
    let (status, _) = ca_nord.get(raw_url).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = ca_nord
        .get(&format!("/api/v1/cases/{}/mail", acme_record["case_id"]))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let response = anna.raw(reqwest::Method::GET, raw_url, None, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    // A message id of another case under this case's path is not found.
    let wrong = format!(
        "/api/v1/cases/{}/messages/{}/raw",
        acme_record["case_id"], nord_record["thread_message_id"]
    );
    let (status, _) = admin.get(&wrong).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Passwords never appear: lists, single, changes, pause/resume, the
    // audit log; a new password replaces the old one (check still works).
    let mut answers = Vec::new();
    answers.push(
        ca_acme
            .get(&format!("/api/v1/projects/{acme}/mailboxes"))
            .await
            .1,
    );
    answers.push(admin.get(&format!("/api/v1/mailboxes/{acme_box}")).await.1);
    answers.push(
        ca_acme
            .patch(
                &format!("/api/v1/mailboxes/{acme_box}"),
                json!({ "imap_password": PASSWORD, "smtp_password": SMTP_PASSWORD }),
            )
            .await
            .1,
    );
    answers.push(
        ca_acme
            .post(&format!("/api/v1/mailboxes/{acme_box}/pause"), json!({}))
            .await
            .1,
    );
    answers.push(
        ca_acme
            .post(&format!("/api/v1/mailboxes/{acme_box}/resume"), json!({}))
            .await
            .1,
    );
    answers.push(admin.get("/api/v1/audit?limit=500").await.1);
    answers.push(admin.get("/api/v1/openapi.json").await.1);
    for answer in &answers {
        assert!(!answer.is_null());
        no_secrets(answer);
    }
    let (_, check) = ca_acme
        .post(&format!("/api/v1/mailboxes/{acme_box}/check"), json!({}))
        .await;
    assert_eq!(check["ok"], true, "{check}");
    // Not in the store's file in clear text either.
    let store = std::fs::read(ts.dir.path().join("zezaro.db")).unwrap();
    assert!(
        !store
            .windows(PASSWORD.len())
            .any(|w| w == PASSWORD.as_bytes())
    );

    ts.server.stop().await;
    dovecot.stop();
}

#[actix_web::test]
async fn after_fetching_messages_are_moved_or_deleted_and_repeats_are_not_filed() {
    let dovecot = Dovecot::start();
    dovecot.create_folder("Archive");
    dovecot.create_folder("Weg");
    let ts = common::demo_server().await;
    let admin = ts.token_client(ADMIN);
    let acme = project_id(&ts, "ACME").await;

    let mut moving = dovecot.mailbox_json("move@acme-energie.example");
    moving["after_fetch"] = json!("move");
    // Without a folder to move to the mailbox is refused.
    let (status, body) = admin
        .post(
            &format!("/api/v1/projects/{acme}/mailboxes"),
            moving.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "move_to_folder");
    moving["move_to_folder"] = json!("Archive");
    let mover = create_mailbox(&admin, acme, moving).await;
    let same = b"From: a@kunde.example\r\nSubject: Doppelt\r\nMessage-ID: <twice@kunde.example>\r\n\r\nzweimal zugestellt\r\n";
    dovecot.deliver(same);
    dovecot.deliver(same);
    dovecot.deliver(b"From: b@kunde.example\r\nSubject: Einmal\r\n\r\nohne ID\r\n");
    let report = fetch(&admin, mover).await;
    assert_eq!(report["taken"], 2, "{report}");
    assert_eq!(report["duplicates"], 1, "{report}");
    assert_eq!(dovecot.count(""), 0);
    assert_eq!(dovecot.count("Archive"), 3);
    assert_eq!(inbound(&admin, mover, "").await.len(), 2);

    let mut deleting = dovecot.mailbox_json("delete@acme-energie.example");
    deleting["after_fetch"] = json!("delete");
    deleting["imap_folder"] = json!("Weg");
    let deleter = create_mailbox(&admin, acme, deleting).await;
    for i in 0..3 {
        dovecot.deliver_to(
            "Weg",
            format!("From: c@kunde.example\r\nSubject: Weg {i}\r\nMessage-ID: <weg-{i}@kunde.example>\r\n\r\nx\r\n").as_bytes(),
        );
    }
    let report = fetch(&admin, deleter).await;
    assert_eq!(report["taken"], 3, "{report}");
    assert_eq!(dovecot.count("Weg"), 0);

    // The schedule runs the loop by itself: every second here.
    let (status, body) = admin
        .patch(
            &format!("/api/v1/mailboxes/{deleter}"),
            json!({ "fetch_schedule": "* * * * * *", "paused": false }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["fetcher"]["running"], true);
    dovecot.deliver_to(
        "Weg",
        b"From: d@kunde.example\r\nSubject: Von selbst\r\n\r\nx\r\n",
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    while dovecot.count("Weg") > 0 {
        assert!(Instant::now() < deadline, "the scheduled fetch did not run");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Paused: the loop stops; fetch now still works.
    let (_, body) = admin
        .post(&format!("/api/v1/mailboxes/{deleter}/pause"), json!({}))
        .await;
    assert_eq!(body["paused"], true);
    assert_eq!(body["fetcher"]["running"], false);
    let (status, body) = admin
        .patch(
            &format!("/api/v1/mailboxes/{deleter}"),
            json!({ "fetch_schedule": "every minute" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // Each mailbox's fetcher is a service on the services page, in step
    // with the mailbox: paused there, resumed here, stopped here.
    let key = format!("mail.fetch.{deleter}");
    let fetcher_service = |list: &serde_json::Value| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == key.as_str())
            .cloned()
    };
    let (_, list) = admin.get("/api/v1/services").await;
    let service = fetcher_service(&list).expect("the fetcher is a service");
    assert_eq!(service["state"], "paused", "{service}");
    assert_eq!(
        service["schedule"],
        serde_json::json!({ "kind": "cron", "expr": "* * * * * *" }),
        "{service}"
    );
    assert!(
        service["subject"].as_str().is_some_and(|s| s.contains('@')),
        "the fetcher names its mailbox: {service}"
    );
    assert!(service["runs"].as_u64().unwrap() >= 1, "{service}");
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["key"] == "mail.send"),
        "the sender is a service: {list}"
    );
    let (status, service) = admin
        .post(&format!("/api/v1/services/{key}/resume"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{service}");
    assert_eq!(service["state"], "running");
    let (_, body) = admin.get(&format!("/api/v1/mailboxes/{deleter}")).await;
    assert_eq!(body["paused"], false, "{body}");
    assert_eq!(body["fetcher"]["running"], true, "{body}");
    dovecot.deliver_to(
        "Weg",
        b"From: e@kunde.example\r\nSubject: Wieder da\r\n\r\nx\r\n",
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    while dovecot.count("Weg") > 0 {
        assert!(Instant::now() < deadline, "the resumed fetcher did not run");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, service) = admin
        .post(&format!("/api/v1/services/{key}/stop"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{service}");
    assert_eq!(service["state"], "stopped");
    let (_, body) = admin.get(&format!("/api/v1/mailboxes/{deleter}")).await;
    assert_eq!(body["paused"], true, "{body}");
    // A client admin may pause their mailbox but not touch services.
    let kadmin = ts.token_client(CA_ACME);
    let (status, _) = kadmin
        .post(&format!("/api/v1/services/{key}/resume"), json!({}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = admin.delete(&format!("/api/v1/mailboxes/{deleter}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, list) = admin.get("/api/v1/services").await;
    assert!(
        fetcher_service(&list).is_none(),
        "a deleted mailbox's fetcher is gone"
    );

    // Deleting the mailbox keeps its cases and raw messages.
    let records = inbound(&admin, mover, "").await;
    let (status, _) = admin.delete(&format!("/api/v1/mailboxes/{mover}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = admin.get(&format!("/api/v1/mailboxes/{mover}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = admin.get(records[0]["raw_url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);

    ts.server.stop().await;
    dovecot.stop();
}

#[actix_web::test]
async fn check_connection_names_the_reason() {
    let dovecot = Dovecot::start_tls();
    let ts = common::demo_server().await;
    let admin = ts.token_client(ADMIN);
    let acme = project_id(&ts, "ACME").await;
    let mailbox = create_mailbox(
        &admin,
        acme,
        dovecot.mailbox_json("check@acme-energie.example"),
    )
    .await;
    let check = |patch: Value| {
        let admin = &admin;
        async move {
            let (status, body) = admin
                .patch(&format!("/api/v1/mailboxes/{mailbox}"), patch)
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let (status, result) = admin
                .post(&format!("/api/v1/mailboxes/{mailbox}/check"), json!({}))
                .await;
            assert_eq!(status, StatusCode::OK);
            result
        }
    };
    let result = check(json!({ "imap_password": "wrong" })).await;
    assert_eq!(result["reason"], "login", "{result}");
    let result = check(json!({ "imap_password": PASSWORD, "imap_folder": "Fehlt" })).await;
    assert_eq!(result["reason"], "folder", "{result}");
    let closed = common::mailserver::free_port();
    let result = check(json!({ "imap_folder": "INBOX", "imap_port": closed })).await;
    assert_eq!(result["reason"], "refused", "{result}");
    let result = check(
        json!({ "imap_host": "no-such-host.invalid", "imap_security": "tls", "imap_port": 993 }),
    )
    .await;
    assert_eq!(result["reason"], "dns", "{result}");
    // TLS with a self-signed certificate: refused while checked, fine when
    // the admin turns the check off; STARTTLS likewise.
    let tls_port = dovecot.tls_port.unwrap();
    let result = check(json!({ "imap_host": "localhost", "imap_port": tls_port })).await;
    assert_eq!(result["reason"], "tls", "{result}");
    let result = check(json!({ "imap_tls_verify": false })).await;
    assert_eq!(result["ok"], true, "{result}");
    let result = check(json!({ "imap_security": "starttls", "imap_port": dovecot.port })).await;
    assert_eq!(result["ok"], true, "{result}");
    let result = check(json!({ "imap_tls_verify": true })).await;
    assert_eq!(result["reason"], "tls", "{result}");
    // Fetch over TLS works too, and a failed fetch names the reason.
    let (_, _) = admin
        .patch(
            &format!("/api/v1/mailboxes/{mailbox}"),
            json!({ "imap_tls_verify": false }),
        )
        .await;
    dovecot.deliver(b"From: t@kunde.example\r\nSubject: Verschluesselt\r\n\r\nx\r\n");
    let report = fetch(&admin, mailbox).await;
    assert_eq!(report["taken"], 1);
    let _ = admin
        .patch(
            &format!("/api/v1/mailboxes/{mailbox}"),
            json!({ "imap_password": "wrong" }),
        )
        .await;
    let (status, body) = admin
        .post(&format!("/api/v1/mailboxes/{mailbox}/fetch"), json!({}))
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["code"], "mail-server");
    let (_, shown) = admin.get(&format!("/api/v1/mailboxes/{mailbox}")).await;
    assert!(
        shown["fetcher"]["last_error"]
            .as_str()
            .unwrap()
            .contains("login"),
        "{shown}"
    );

    // Plain connections only to this machine.
    let (status, body) = admin
        .patch(
            &format!("/api/v1/mailboxes/{mailbox}"),
            json!({ "imap_security": "plain", "imap_host": "mail.example.com" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "imap_security");

    ts.server.stop().await;
    dovecot.stop();
}

/// Every case of a project, through the paged list.
async fn all_cases(http: &reqwest::Client, url: &str, token: &str, project: i64) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut request = http
            .get(format!("{url}/api/v1/cases"))
            .bearer_auth(token)
            .query(&[("project_id", project.to_string()), ("limit", "200".into())]);
        if let Some(c) = &cursor {
            request = request.query(&[("cursor", c)]);
        }
        let page: Value = request.send().await.unwrap().json().await.unwrap();
        out.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return out,
        }
    }
}

/// kill -9 during ingestion, again and again: after the last restart each
/// delivered message is exactly one case with exactly one message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_ingestion_loses_and_doubles_nothing() {
    use common::process::{run, serve, text};
    const N: usize = 400;
    let dovecot = Dovecot::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let out = run(
        &[
            "user",
            "create",
            "--email",
            "ops@example.com",
            "--role",
            "admin",
            "--data-dir",
            data,
        ],
        "crash test password\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(
        &[
            "token",
            "create",
            "--email",
            "ops@example.com",
            "--name",
            "crash",
            "--data-dir",
            data,
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let token = text(&out.stdout).trim().to_string();
    let http = reqwest::Client::new();

    let (mut server, url) = serve(dir.path(), &[]);
    let post = |path: &str, body: Value| {
        http.post(format!("{url}{path}"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let client: Value = post("/api/v1/clients", json!({ "name": "Crash GmbH" }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let project: Value = post(
        "/api/v1/projects",
        json!({ "client_id": client["id"], "name": "Crash", "key": "CRSH" }),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let project_id = project["id"].as_i64().unwrap();
    for i in 0..N {
        // Every fifth without Message-ID (keyed by the hash of its bytes).
        let id = if i % 5 == 0 {
            String::new()
        } else {
            format!("Message-ID: <crash-{i}@kunde.example>\r\n")
        };
        dovecot.deliver(
            format!(
                "From: kunde{}@kunde.example\r\nTo: support@crash.example\r\nSubject: Anfrage {i}\r\n{id}Content-Type: text/plain; charset=utf-8\r\n\r\nNachricht {i} {}\r\n",
                i % 37,
                "Text ".repeat(200)
            )
            .as_bytes(),
        );
    }
    let mut mailbox = dovecot.mailbox_json("support@crash.example");
    mailbox["fetch_schedule"] = json!("* * * * * *");
    mailbox["paused"] = json!(false);
    let created = post(&format!("/api/v1/projects/{project_id}/mailboxes"), mailbox)
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let mailbox: Value = created.json().await.unwrap();
    let mailbox_id = mailbox["id"].as_i64().unwrap();

    // Kill at different moments, mostly in the middle of a batch.
    let mut kills = 0;
    for round in 0..12u64 {
        if round > 0 {
            let (s, _) = serve(dir.path(), &[]);
            server = s;
        }
        tokio::time::sleep(Duration::from_millis(600 + 250 * (round % 6))).await;
        server.kill().expect("kill -9");
        server.wait().unwrap();
        kills += 1;
        if dovecot.seen("") == N {
            break;
        }
    }
    let seen_before_last = dovecot.seen("");
    let (mut server, url) = serve(dir.path(), &[]);
    let deadline = Instant::now() + Duration::from_secs(120);
    while dovecot.seen("") < N {
        assert!(
            Instant::now() < deadline,
            "not all taken: {} of {N}",
            dovecot.seen("")
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The last settle may trail its commit by a moment; a fetch now settles
    // nothing new and files nothing.
    let report: Value = http
        .post(format!("{url}/api/v1/mailboxes/{mailbox_id}/fetch"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report["taken"], 0, "{report}");

    let cases = all_cases(&http, &url, &token, project_id).await;
    assert_eq!(cases.len(), N, "cases after {kills} kills");
    let mut subjects: Vec<&str> = cases
        .iter()
        .map(|c| c["subject"].as_str().unwrap())
        .collect();
    subjects.sort_unstable();
    subjects.dedup();
    assert_eq!(subjects.len(), N, "a message was filed twice");
    assert!(
        cases.iter().all(|c| c["message_count"] == 1),
        "a message doubled in a thread"
    );
    let records: Value = http
        .get(format!(
            "{url}/api/v1/mailboxes/{mailbox_id}/inbound?limit=500"
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(records["items"].as_array().unwrap().len(), N);
    server.kill().unwrap();
    server.wait().unwrap();
    let out = run(&["check", "--data-dir", data], "");
    assert!(
        text(&out.stdout).starts_with("ok:"),
        "{}",
        text(&out.stdout)
    );
    // Every raw message reads back whole from its pack, and no pack is
    // left that no row names (a kill between a pack's sync and its
    // commit leaves one; the next start removes it).
    let conn = rusqlite::Connection::open(dir.path().join("zezaro.db")).unwrap();
    let blobs = zezaro::blobs::BlobStore::new(dir.path());
    let mut raws = conn
        .prepare("SELECT raw_sha256, raw_size FROM mail_inbound")
        .unwrap();
    let raws: Vec<(String, i64)> = raws
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(raws.len(), N);
    for (sha, size) in &raws {
        let location = zezaro::blobs::store::locate(&conn, &blobs, sha)
            .unwrap()
            .unwrap_or_else(|| panic!("no content row for {sha}"));
        let bytes = blobs.read(&location).unwrap();
        assert_eq!(bytes.len() as i64, *size);
        let digest = ring::digest::digest(&ring::digest::SHA256, &bytes);
        let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(&hex, sha, "a raw message changed");
    }
    for pack in zezaro::blobs::pack::list(&blobs).unwrap() {
        let name = pack.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            zezaro::blobs::pack::is_named(&conn, &name).unwrap(),
            "{name} is named by no row"
        );
    }
    println!(
        "{N} messages over {kills} kills (seen before the last start: {seen_before_last}), none lost or doubled"
    );
    dovecot.stop();
}

/// With IMAP IDLE, new mail is taken at once, long before the next
/// scheduled run.
#[actix_web::test]
async fn idle_takes_new_mail_without_waiting_for_the_schedule() {
    let dovecot = Dovecot::start();
    let ts = common::demo_server().await;
    let admin = ts.token_client(ADMIN);
    let acme = project_id(&ts, "ACME").await;
    // Scheduled once a year: only IDLE can bring this mail in.
    let mut idle = dovecot.mailbox_json("idle@acme-energie.example");
    idle["paused"] = json!(false);
    let mailbox = create_mailbox(&admin, acme, idle).await;
    // Let the loop log in and start IDLE.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    dovecot.deliver(b"From: schnell@kunde.example\r\nSubject: Sofort\r\nMessage-ID: <idle-1@kunde.example>\r\n\r\nbitte gleich\r\n");
    let deadline = Instant::now() + Duration::from_secs(20);
    while dovecot.seen("") < 1 {
        assert!(
            Instant::now() < deadline,
            "IDLE did not bring the mail in: {}",
            dovecot.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let records = inbound(&admin, mailbox, "").await;
    assert_eq!(records.len(), 1);
    ts.server.stop().await;
    dovecot.stop();
}

/// A service on this machine that answers every connection with a banner
/// and counts the connections.
fn banner_service() -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = stream.write_all(b"SSH-2.0-OpenSSH_SECRETBANNER_9.6 internal-db-07\r\n");
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    (port, count)
}

/// "Check connection" is no probe of the host's network: without the
/// platform's allow list a client admin's mailbox on this machine, a
/// private network or the metadata address is refused before any
/// connection, at once; and with the list, nothing the remote side sent
/// comes back (only a fixed reason and sentence).
#[actix_web::test]
async fn client_admin_cannot_probe_the_hosts_network() {
    let (port, connections) = banner_service();
    let ts = common::server_with(true, |c| {
        c.mail_allowed_hosts = zezaro::net::HostPolicy::public_only()
    })
    .await;
    let ca_acme = ts.token_client(CA_ACME);
    let acme = project_id(&ts, "ACME").await;
    let mut body = common::mailserver::Dovecot::placeholder_json("probe@acme-energie.example");
    body["imap_port"] = json!(port);
    body["paused"] = json!(true);
    // Plain text goes only to allowed hosts: refused on saving.
    let (status, problem) = ca_acme
        .post(&format!("/api/v1/projects/{acme}/mailboxes"), body.clone())
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["field"], "imap_security", "{problem}");
    body["imap_security"] = json!("tls");
    body["smtp_security"] = json!("tls");
    let mailbox = create_mailbox(&ca_acme, acme, body).await;
    for host in [
        "127.0.0.1",
        "localhost",
        "10.0.0.1",
        "169.254.169.254",
        "100.64.0.1",
    ] {
        let (status, patched) = ca_acme
            .patch(
                &format!("/api/v1/mailboxes/{mailbox}"),
                json!({ "imap_host": host }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{patched}");
        let started = Instant::now();
        let (status, check) = ca_acme
            .post(&format!("/api/v1/mailboxes/{mailbox}/check"), json!({}))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(check["ok"], false, "{host}: {check}");
        assert_eq!(check["reason"], "host-not-allowed", "{host}: {check}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{host}: refused before connecting, not after a timeout"
        );
    }
    assert_eq!(
        connections.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "nothing connected to the local service"
    );
    ts.server.stop().await;

    // Allowed by the platform admin (the tests' default): the check
    // connects, and answers a fixed reason without the banner.
    let ts = common::demo_server().await;
    let ca_acme = ts.token_client(CA_ACME);
    let acme = project_id(&ts, "ACME").await;
    let mut body = common::mailserver::Dovecot::placeholder_json("probe@acme-energie.example");
    body["imap_port"] = json!(port);
    body["paused"] = json!(true);
    let mailbox = create_mailbox(&ca_acme, acme, body).await;
    let (_, check) = ca_acme
        .post(&format!("/api/v1/mailboxes/{mailbox}/check"), json!({}))
        .await;
    assert_eq!(check["ok"], false, "{check}");
    assert!(connections.load(std::sync::atomic::Ordering::SeqCst) > 0);
    let text = check.to_string();
    for remote in ["SSH", "SECRETBANNER", "OpenSSH", "internal-db"] {
        assert!(!text.contains(remote), "remote bytes reflected: {check}");
    }
    ts.server.stop().await;
}

/// The East-Asian corpus (tests/mail_corpus/make_cjk.py): subject, a line
/// of the body, and a word of it to search for.
const EAST_ASIAN: [(&str, &str, &str, &str); 10] = [
    (
        "iso2022jp",
        "請求書 について",
        "電気料金の 請求書 が届きません。",
        "請求書",
    ),
    (
        "eucjp",
        "検針票 の件",
        "先月の 検針票 が見つかりません。",
        "検針票",
    ),
    (
        "shiftjis",
        "引越し 手続き",
        "解約の 手続き を教えてください。",
        "手続き",
    ),
    (
        "cp932",
        "髙橋 様 ① 契約",
        "契約番号 ① について、髙橋 より連絡します。",
        "髙橋",
    ),
    (
        "gb2312",
        "关于 电费 账单",
        "您好，我的 账单 有问题。",
        "账单",
    ),
    (
        "gbk",
        "朱镕基 电表",
        "您好，我的 电表 坏了。用户 朱镕基",
        "朱镕基",
    ),
    (
        "gb18030",
        "燃气 䶮 问题",
        "请检查 燃气 表。字 䶮 不在 GBK 里。",
        "燃气",
    ),
    ("big5", "關於 電費 帳單", "您好，我的 帳單 有問題。", "帳單"),
    (
        "euckr",
        "전기 요금 청구서 문의",
        "청구서 가 도착하지 않았습니다.",
        "전기",
    ),
    (
        "ks_c_5601",
        "요금 문의 똠방각하",
        "안녕하세요 똠방각하 청구서 확인 부탁드립니다.",
        "똠방각하",
    ),
];

/// Issue 11, mail: East-Asian charsets decode into subject, thread and
/// search; an unknown charset, a missing blank line, a broken boundary, a
/// reused Message-ID and mail from our own agent are filed, readable and
/// flagged with stable codes; nothing is dropped.
#[actix_web::test]
async fn foreign_and_broken_mail_is_readable_flagged_and_never_dropped() {
    let dovecot = Dovecot::start();
    let ts = common::server_with(true, |_| {}).await;
    let admin = ts.token_client(ADMIN);
    let acme = project_id(&ts, "ACME").await;
    let mailbox = create_mailbox(
        &admin,
        acme,
        dovecot.mailbox_json("support@acme-energie.example"),
    )
    .await;
    let files = [
        "14_iso2022jp.eml",
        "15_eucjp.eml",
        "16_shiftjis.eml",
        "17_cp932.eml",
        "18_gb2312.eml",
        "19_gbk.eml",
        "20_gb18030.eml",
        "21_big5.eml",
        "22_euckr.eml",
        "23_ks_c_5601.eml",
    ];
    for name in files {
        dovecot.deliver(&corpus(name));
    }
    dovecot.deliver(b"From: kunde@kunde.example\r\nSubject: =?x-klingon?Q?Qapla=27?=\r\nMessage-ID: <klingon@kunde.example>\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\nnuqneH batlh\r\n");
    dovecot.deliver(b"From: kunde@kunde.example\r\nSubject: Ohne Leerzeile\r\nMessage-ID: <nosep@kunde.example>\r\nGuten Tag,\r\nder Zaehlerwechsel klappte nicht.\r\n");
    dovecot.deliver(b"From: kunde@kunde.example\r\nSubject: Falsche Grenze\r\nMessage-ID: <boundary@kunde.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"abc\"\r\n\r\n--xyz\r\nContent-Type: text/plain\r\n\r\nMein Abschlag ist zu hoch.\r\n--xyz--\r\n");
    dovecot.deliver(b"From: Anna Schmidt <anna.schmidt@acme-energie.example>\r\nSubject: Fwd: Anruf\r\nMessage-ID: <agent@acme-energie.example>\r\n\r\nKunde rief an.\r\n");
    dovecot.deliver(b"From: kunde@kunde.example\r\nSubject: Erste Frage\r\nMessage-ID: <same@kunde.example>\r\n\r\nErste Nachricht\r\n");
    let report = fetch(&admin, mailbox).await;
    assert_eq!(report["taken"], 15, "{report}");

    // A different message under a Message-ID taken before: filed into the
    // case of that ID, flagged; a second copy of it is a repeat.
    let reused = b"From: kunde@kunde.example\r\nSubject: Zweite Frage\r\nMessage-ID: <same@kunde.example>\r\n\r\nGanz andere Nachricht\r\n";
    dovecot.deliver(reused);
    let report = fetch(&admin, mailbox).await;
    assert_eq!(report["taken"], 1, "{report}");
    dovecot.deliver(reused);
    let report = fetch(&admin, mailbox).await;
    assert_eq!(report["taken"], 0, "{report}");
    assert_eq!(report["duplicates"], 1, "{report}");

    let records = inbound(&admin, mailbox, "").await;
    assert_eq!(records.len(), 16);
    for (tag, subject, line, word) in EAST_ASIAN {
        let r = record(&records, &format!("cjk-{tag}@kunde.example"));
        assert_eq!(r["flagged"], false, "{r}");
        assert_eq!(r["subject"], subject, "{r}");
        let detail = case(&admin, &r["case_id"]).await;
        assert_eq!(detail["case"]["subject"], subject, "{tag}");
        let body = detail["messages"][0]["body_text"].as_str().unwrap();
        assert!(body.contains(line), "{tag}: {body:?}");
        let (status, found) = admin
            .get(&format!("/api/v1/search?q={word}&project_id={acme}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{found}");
        assert!(
            found["cases"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == r["case_id"]),
            "{tag}: {word} not found: {found}"
        );
    }

    let flagged = |id: &str, code: &str| {
        let r = record(&records, id);
        assert_eq!(r["flagged"], true, "{r}");
        assert_eq!(r["flags"], json!([code]), "{r}");
        r.clone()
    };
    let r = flagged("klingon@kunde.example", "unknown-charset");
    let detail = case(&admin, &r["case_id"]).await;
    assert!(
        detail["messages"][0]["body_text"]
            .as_str()
            .unwrap()
            .contains("nuqneH batlh")
    );
    for (id, code, text) in [
        (
            "nosep@kunde.example",
            "no-header-separator",
            "der Zaehlerwechsel klappte nicht.",
        ),
        (
            "boundary@kunde.example",
            "broken-multipart",
            "Mein Abschlag ist zu hoch.",
        ),
    ] {
        let r = flagged(id, code);
        let detail = case(&admin, &r["case_id"]).await;
        let message = &detail["messages"][0];
        assert!(
            message["body_text"].as_str().unwrap().contains(text),
            "{id}: {message}"
        );
        assert_eq!(message["attachments"], json!([]), "{id}: {message}");
    }
    let r = flagged("agent@acme-energie.example", "sender-is-user");
    let detail = case(&admin, &r["case_id"]).await;
    assert!(detail["case"]["contact_id"].is_null(), "{detail}");
    let (_, contacts) = admin
        .get("/api/v1/contacts?q=anna.schmidt%40acme-energie.example")
        .await;
    assert_eq!(contacts["items"], json!([]), "{contacts}");

    let reused: Vec<&Value> = records
        .iter()
        .filter(|r| r["message_id"] == "same@kunde.example")
        .collect();
    assert_eq!(reused.len(), 2, "{reused:?}");
    let second = reused
        .iter()
        .find(|r| r["subject"] == "Zweite Frage")
        .expect("the second message is filed");
    assert_eq!(second["flags"], json!(["message-id-reused"]));
    assert_eq!(second["threaded_by"], "message-id");
    let first = reused
        .iter()
        .find(|r| r["subject"] == "Erste Frage")
        .unwrap();
    assert_eq!(second["case_id"], first["case_id"]);
    let detail = case(&admin, &first["case_id"]).await;
    let texts: Vec<&str> = detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body_text"].as_str().unwrap())
        .collect();
    assert!(
        texts.iter().any(|t| t.contains("Ganz andere Nachricht")),
        "{texts:?}"
    );
    assert_eq!(dovecot.seen(""), 17);

    // The codes are in the API's contract.
    let (_, doc) = admin.get("/api/v1/openapi.json").await;
    let codes = &doc["components"]["schemas"]["MailFlag"]["enum"];
    for code in [
        "unknown-charset",
        "no-header-separator",
        "broken-multipart",
        "message-id-reused",
        "sender-is-user",
    ] {
        assert!(
            codes.as_array().is_some_and(|c| c.contains(&json!(code))),
            "{code} not in {codes}"
        );
    }

    ts.server.stop().await;
    dovecot.stop();
}
