//! Outbound mail against a real Postfix (tests/common/postfix.rs): replies
//! with threading headers, signature, attachments and the case number;
//! retries while SMTP is down, "retry now", restarts; automatic
//! acknowledgments and web-form confirmations; and that no case sends
//! through another client's mailbox or shows its deliveries to outsiders.

use crate::common;

use std::time::Duration;

use mail_parser::{HeaderValue, MimeHeaders};
use reqwest::Method;
use serde_json::{Value, json};
use zezaro::db::StoreError;

use common::postfix::Postfix;

const ANNA: &str = "anna.schmidt@acme-energie.example"; // Acme's agent: ACME, ACMEGAS
const JONAS: &str = "jonas.weber@nordlicht.example"; // Nordlicht's agent: NORD
const KADMIN: &str = "kadmin@acme-energie.example";

async fn project(ts: &common::TestServer, key: &str) -> i64 {
    ts.id_of("/api/v1/projects", "key", key).await
}

struct MailboxSpec<'a> {
    project_id: i64,
    address: &'a str,
    sender_name: &'a str,
    signature: &'a str,
    smtp_port: u16,
    auto_ack: Option<(&'a str, &'a str)>,
}

/// SMTP login of a mailbox (none by default).
fn with_login(mut body: Value, user: &str, password: &str) -> Value {
    body["smtp_username"] = json!(user);
    body["smtp_password"] = json!(password);
    body
}

/// A mailbox through the mailbox API (IMAP side paused, passwords sealed by
/// the server), with the acknowledgment as a client admin writes it.
async fn add_mailbox(ts: &common::TestServer, spec: MailboxSpec<'_>) -> i64 {
    add_mailbox_with(ts, spec, |body| body).await
}

async fn add_mailbox_with(
    ts: &common::TestServer,
    spec: MailboxSpec<'_>,
    tweak: impl FnOnce(Value) -> Value,
) -> i64 {
    let admin = ts.token_client("admin@zezaro.example");
    let mut body = json!({"name": spec.address, "address": spec.address,
           "sender_name": spec.sender_name, "signature": spec.signature,
           "imap_host": "127.0.0.1", "imap_port": 1, "imap_security": "plain",
           "imap_username": "x", "imap_password": "imap-secret",
           "smtp_host": "127.0.0.1", "smtp_port": spec.smtp_port, "smtp_security": "plain",
           "paused": true});
    if let Some((subject, text)) = spec.auto_ack {
        body["auto_ack"] = json!({ "enabled": true, "subject": subject, "body": text });
    }
    let (status, mailbox) = admin
        .post(
            &format!("/api/v1/projects/{}/mailboxes", spec.project_id),
            tweak(body),
        )
        .await;
    assert_eq!(status, 201, "{mailbox}");
    if let Some((subject, text)) = spec.auto_ack {
        assert_eq!(
            mailbox["auto_ack"],
            json!({ "enabled": true, "subject": subject, "body": text })
        );
    }
    mailbox["id"].as_i64().unwrap()
}

/// Records an inbound mail of the case as the ingestion does: the message's
/// sender and its Message-ID (with the mailbox it came through).
fn record_inbound(
    ts: &common::TestServer,
    case_id: i64,
    message_id: i64,
    from: &str,
    mail_id: &str,
    mailbox_id: i64,
) {
    let (from, mail_id) = (from.to_string(), mail_id.to_string());
    ts.server
        .state
        .db
        .write_blocking(move |tx| {
            tx.execute(
                "UPDATE messages SET from_address = ?2 WHERE id = ?1",
                (message_id, &from),
            )?;
            tx.execute(
                "INSERT INTO mail_message_ids (message_id, case_id, thread_message_id, mailbox_id, direction, created_at)
                 VALUES (?1, ?2, ?3, ?4, 'in', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                (&mail_id, case_id, message_id, mailbox_id),
            )?;
            Ok::<_, StoreError>(())
        })
        .expect("inbound mail recorded");
}

/// A new e-mail case with a first inbound message; (case, inbound message id).
async fn email_case(
    api: &common::Api,
    project_id: i64,
    subject: &str,
    email: &str,
) -> (Value, i64) {
    let (status, case) = api
        .post(
            "/api/v1/cases",
            json!({"project_id": project_id, "subject": subject, "channel": "email",
                   "contact": {"name": "Eva Kundin", "email": email},
                   "message": {"kind": "inbound", "body_text": "Mein Zähler zeigt nichts an."}}),
        )
        .await;
    assert_eq!(status, 201, "{case}");
    let id = case["id"].as_i64().unwrap();
    let (_, detail) = api.get(&format!("/api/v1/cases/{id}")).await;
    let message = detail["messages"][0]["id"].as_i64().unwrap();
    (case, message)
}

async fn reply(api: &common::Api, case_id: i64, body: &str, attachments: &[i64]) -> Value {
    let (status, created) = api
        .post(
            &format!("/api/v1/cases/{case_id}/messages"),
            json!({"kind": "outbound", "body_text": body, "attachment_ids": attachments}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    created
}

async fn deliveries(api: &common::Api, case_id: i64) -> Vec<Value> {
    let (status, body) = api
        .get(&format!("/api/v1/cases/{case_id}/deliveries"))
        .await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().unwrap().clone()
}

/// Waits until the case's delivery of `message_id` is in `state`.
async fn wait_state(api: &common::Api, case_id: i64, message_id: i64, state: &str) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let found = deliveries(api, case_id)
            .await
            .into_iter()
            .find(|d| d["message_id"] == message_id);
        if let Some(d) = &found
            && d["state"] == state
        {
            return d.clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "delivery of message {message_id} never became {state}: {found:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn header_text(message: &mail_parser::Message, name: &str) -> String {
    match message.header(name) {
        Some(HeaderValue::Text(t)) => t.to_string(),
        Some(HeaderValue::TextList(list)) => list.join(" "),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

fn raw_text(delivered: &common::postfix::Delivered) -> String {
    String::from_utf8_lossy(&delivered.raw).into_owned()
}

#[actix_web::test]
async fn a_reply_arrives_with_headers_signature_attachment_and_case_number() {
    let postfix = Postfix::start_new();
    let ts = common::demo_server().await;
    let anna = ts.token_client(ANNA);
    let acme = project(&ts, "ACME").await;
    add_mailbox(
        &ts,
        MailboxSpec {
            project_id: acme,
            address: "service@acme-energie.example",
            sender_name: "ACME Kundenservice",
            signature: "Freundliche Grüße\nIhr ACME-Team",
            smtp_port: postfix.port,
            auto_ack: None,
        },
    )
    .await;
    let (case, _) = email_case(&anna, acme, "Zähler defekt", "eva@customer.example").await;
    let id = case["id"].as_i64().unwrap();
    let reference = case["ref"].as_str().unwrap().to_string();

    let upload = anna
        .raw(
            Method::POST,
            &format!("/api/v1/cases/{id}/attachments?filename=Anleitung.pdf"),
            Some(("application/pdf", b"%PDF-1.4 Anleitung".to_vec())),
            &[],
        )
        .await;
    assert_eq!(upload.status(), 201);
    let attachment: Value = upload.json().await.unwrap();
    let started = std::time::Instant::now();
    let created = reply(
        &anna,
        id,
        "Guten Tag,\n\nwir tauschen den Zähler.",
        &[attachment["id"].as_i64().unwrap()],
    )
    .await;
    let message_id = created["message"]["id"].as_i64().unwrap();
    assert_eq!(created["message"]["to_address"], "eva@customer.example");

    let mail = postfix
        .wait_for(&format!("[{reference}]"), Duration::from_secs(20))
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the reply went out at once, not on the next poll: {:?}",
        started.elapsed()
    );
    let parsed = mail.parsed();
    assert_eq!(
        parsed.subject(),
        Some(format!("Re: Zähler defekt [{reference}]").as_str())
    );
    let from = parsed.from().unwrap().first().unwrap();
    assert_eq!(
        (from.name(), from.address()),
        (
            Some("ACME Kundenservice"),
            Some("service@acme-energie.example")
        )
    );
    assert_eq!(
        parsed.to().unwrap().first().unwrap().address(),
        Some("eva@customer.example")
    );
    let our_id = parsed.message_id().unwrap().to_string();
    assert!(our_id.ends_with("@acme-energie.example"), "{our_id}");
    assert!(
        parsed.header("Auto-Submitted").is_none(),
        "a reply is not automatic"
    );
    let body = parsed.body_text(0).unwrap();
    assert!(body.contains("wir tauschen den Zähler."), "{body}");
    assert!(
        body.contains("-- \nFreundliche Grüße\nIhr ACME-Team"),
        "signature under the standard separator: {body:?}"
    );
    let files: Vec<_> = parsed.attachments().collect();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].attachment_name(), Some("Anleitung.pdf"));
    assert_eq!(files[0].contents(), b"%PDF-1.4 Anleitung");
    assert_eq!(
        files[0].content_type().map(|c| (c.ctype(), c.subtype())),
        Some(("application", Some("pdf")))
    );

    // Sent, and our Message-ID is known, so the customer's answer threads.
    let delivery = wait_state(&anna, id, message_id, "sent").await;
    assert_eq!(delivery["kind"], "reply");
    assert_eq!(delivery["attempts"], 1);
    assert!(delivery["sent_at"].is_string());
    let recorded: Vec<(String, String)> = ts
        .server
        .state
        .db
        .read_blocking(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT message_id, direction FROM mail_message_ids WHERE case_id = ?1 ORDER BY rowid",
            )?;
            let rows = stmt
                .query_map([id], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, StoreError>(rows)
        })
        .unwrap();
    assert_eq!(recorded, vec![(our_id, "out".to_string())]);

    // A note sends nothing.
    let (status, _) = anna
        .post(
            &format!("/api/v1/cases/{id}/messages"),
            json!({"kind": "note", "body_text": "intern"}),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(deliveries(&anna, id).await.len(), 1);
}

#[actix_web::test]
async fn a_reply_to_mail_threads_and_goes_out_through_the_mailbox_it_came_in() {
    let postfix = Postfix::start_new();
    let ts = common::demo_server().await;
    let anna = ts.token_client(ANNA);
    let acme = project(&ts, "ACME").await;
    let spec = |address: &'static str| MailboxSpec {
        project_id: acme,
        address,
        sender_name: "",
        signature: "",
        smtp_port: postfix.port,
        auto_ack: None,
    };
    let _first = add_mailbox(&ts, spec("info@acme-energie.example")).await;
    let billing = add_mailbox(&ts, spec("rechnung@acme-energie.example")).await;
    let (case, inbound) =
        email_case(&anna, acme, "Rechnung falsch", "contact@customer.example").await;
    let id = case["id"].as_i64().unwrap();
    let reference = case["ref"].as_str().unwrap().to_string();
    record_inbound(
        &ts,
        id,
        inbound,
        "eva.privat@customer.example",
        "CAF=orig-1@customer.example",
        billing,
    );

    let created = reply(&anna, id, "Wir prüfen die Rechnung.", &[]).await;
    let first = postfix
        .wait_for(&format!("[{reference}]"), Duration::from_secs(20))
        .await;
    let parsed = first.parsed();
    assert_eq!(
        header_text(&parsed, "In-Reply-To"),
        "CAF=orig-1@customer.example"
    );
    assert_eq!(
        header_text(&parsed, "References"),
        "CAF=orig-1@customer.example"
    );
    // The sender of the mail, not the contact's first address; through the
    // mailbox it came in by, not the project's first.
    assert_eq!(
        parsed.to().unwrap().first().unwrap().address(),
        Some("eva.privat@customer.example")
    );
    assert_eq!(
        parsed.from().unwrap().first().unwrap().address(),
        Some("rechnung@acme-energie.example")
    );
    let first_id = parsed.message_id().unwrap().to_string();
    wait_state(
        &anna,
        id,
        created["message"]["id"].as_i64().unwrap(),
        "sent",
    )
    .await;

    // The customer answers our reply: the next reply names the whole chain.
    let (status, again) = anna
        .post(
            &format!("/api/v1/cases/{id}/messages"),
            json!({"kind": "inbound", "body_text": "Danke, und?"}),
        )
        .await;
    assert_eq!(status, 201, "{again}");
    record_inbound(
        &ts,
        id,
        again["message"]["id"].as_i64().unwrap(),
        "eva.privat@customer.example",
        "answer-2@customer.example",
        billing,
    );
    reply(&anna, id, "Erledigt.", &[]).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let second = loop {
        let mails = postfix.with_subject(&format!("[{reference}]"));
        if mails.len() == 2 {
            break mails[1].clone();
        }
        assert!(std::time::Instant::now() < deadline, "second reply missing");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let parsed = second.parsed();
    assert_eq!(
        header_text(&parsed, "In-Reply-To"),
        "answer-2@customer.example"
    );
    assert_eq!(
        header_text(&parsed, "References"),
        format!("CAF=orig-1@customer.example {first_id} answer-2@customer.example")
    );
    assert_eq!(
        parsed.subject(),
        Some(format!("Re: Rechnung falsch [{reference}]").as_str()),
        "the case number once"
    );
}

#[actix_web::test]
async fn smtp_down_means_retrying_then_retry_now_delivers_exactly_once() {
    let mut postfix = Postfix::configure(); // not listening yet
    let ts = common::demo_server().await;
    let anna = ts.token_client(ANNA);
    let acme = project(&ts, "ACME").await;
    add_mailbox(
        &ts,
        MailboxSpec {
            project_id: acme,
            address: "service@acme-energie.example",
            sender_name: "ACME",
            signature: "",
            smtp_port: postfix.port,
            auto_ack: None,
        },
    )
    .await;
    let (case, _) = email_case(&anna, acme, "Abschlag", "eva@customer.example").await;
    let id = case["id"].as_i64().unwrap();
    let reference = case["ref"].as_str().unwrap().to_string();
    let created = reply(&anna, id, "Ihr Abschlag sinkt.", &[]).await;
    let message_id = created["message"]["id"].as_i64().unwrap();

    let retrying = wait_state(&anna, id, message_id, "retrying").await;
    assert_eq!(retrying["attempts"], 1);
    assert!(
        retrying["last_error"]
            .as_str()
            .is_some_and(|e| !e.is_empty()),
        "{retrying}"
    );
    let next: chrono::DateTime<chrono::Utc> = retrying["next_attempt_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let wait = next - chrono::Utc::now();
    assert!(
        wait > chrono::Duration::seconds(20) && wait <= chrono::Duration::seconds(31),
        "first retry after about 30 s: {wait}"
    );

    // A foreign agent cannot see or retry it.
    let jonas = ts.token_client(JONAS);
    let delivery_id = retrying["id"].as_i64().unwrap();
    let (status, _) = jonas.get(&format!("/api/v1/cases/{id}/deliveries")).await;
    assert_eq!(status, 404);
    let (status, _) = jonas
        .post(
            &format!("/api/v1/cases/{id}/deliveries/{delivery_id}/retry"),
            json!({}),
        )
        .await;
    assert_eq!(status, 404);

    postfix.start();
    let (status, body) = anna
        .post(
            &format!("/api/v1/cases/{id}/deliveries/{delivery_id}/retry"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    postfix
        .wait_for(&format!("[{reference}]"), Duration::from_secs(20))
        .await;
    let sent = wait_state(&anna, id, message_id, "sent").await;
    assert_eq!(sent["attempts"], 2);
    assert!(sent["last_error"].is_null());

    // Sent is final: no second copy, no retry.
    let (status, problem) = anna
        .post(
            &format!("/api/v1/cases/{id}/deliveries/{delivery_id}/retry"),
            json!({}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), problem["code"].as_str()),
        (409, Some("delivery-not-retryable"))
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(postfix.with_subject(&format!("[{reference}]")).len(), 1);
}

#[actix_web::test]
async fn a_pending_mail_goes_out_after_a_restart() {
    let mut postfix = Postfix::configure();
    let ts = common::demo_server().await;
    let anna = ts.token_client(ANNA);
    let acme = project(&ts, "ACME").await;
    add_mailbox(
        &ts,
        MailboxSpec {
            project_id: acme,
            address: "service@acme-energie.example",
            sender_name: "",
            signature: "",
            smtp_port: postfix.port,
            auto_ack: None,
        },
    )
    .await;
    let (case, _) = email_case(&anna, acme, "Umzug", "eva@customer.example").await;
    let id = case["id"].as_i64().unwrap();
    let reference = case["ref"].as_str().unwrap().to_string();
    let created = reply(&anna, id, "Wir melden Sie um.", &[]).await;
    let message_id = created["message"]["id"].as_i64().unwrap();
    wait_state(&anna, id, message_id, "retrying").await;

    let common::TestServer { server, dir, .. } = ts;
    server.stop().await;
    // Meanwhile the retry time has come, and the SMTP server is back.
    let (db, _) = zezaro::db::Db::open(dir.path()).unwrap();
    db.write_blocking(|tx| {
        tx.execute(
            "UPDATE mail_outbox SET next_attempt_at = '2000-01-01T00:00:00.000Z'",
            [],
        )?;
        Ok::<_, StoreError>(())
    })
    .unwrap();
    drop(db);
    postfix.start();
    assert!(postfix.with_subject(&reference).is_empty());

    let ts = common::start_again(dir).await;
    postfix
        .wait_for(&format!("[{reference}]"), Duration::from_secs(20))
        .await;
    let anna = ts.token_client(ANNA);
    let sent = wait_state(&anna, id, message_id, "sent").await;
    assert_eq!(sent["attempts"], 2);
    assert_eq!(postfix.with_subject(&reference).len(), 1);
}

#[actix_web::test]
async fn the_automatic_acknowledgment_is_auto_submitted() {
    let postfix = Postfix::start_new();
    let ts = common::demo_server().await;
    let anna = ts.token_client(ANNA);
    let acme = project(&ts, "ACME").await;
    let gas = project(&ts, "ACMEGAS").await;
    let mailbox = add_mailbox(
        &ts,
        MailboxSpec {
            project_id: acme,
            address: "service@acme-energie.example",
            sender_name: "ACME",
            signature: "Ihr ACME-Team",
            smtp_port: postfix.port,
            auto_ack: None,
        },
    )
    .await;
    // The client's admin writes the acknowledgment; another client's admin
    // cannot touch the mailbox.
    let ack = json!({ "auto_ack": {
        "enabled": true,
        "subject": "Eingangsbestätigung: {subject}",
        "body": "Hallo {name},\n\nIhre Anfrage {case_number} ist eingegangen.",
    }});
    let (status, _) = ts
        .token_client("kadmin@nordlicht.example")
        .patch(&format!("/api/v1/mailboxes/{mailbox}"), ack.clone())
        .await;
    assert_eq!(status, 404);
    let (status, written) = ts
        .token_client("kadmin@acme-energie.example")
        .patch(&format!("/api/v1/mailboxes/{mailbox}"), ack.clone())
        .await;
    assert_eq!(status, 200, "{written}");
    assert_eq!(written["auto_ack"], ack["auto_ack"]);
    let (status, problem) = ts
        .token_client("kadmin@acme-energie.example")
        .patch(
            &format!("/api/v1/mailboxes/{mailbox}"),
            json!({ "auto_ack": { "enabled": true, "subject": "two\nlines" } }),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    let quiet = add_mailbox(
        &ts,
        MailboxSpec {
            project_id: gas,
            address: "gas@acme-energie.example",
            sender_name: "",
            signature: "",
            smtp_port: postfix.port,
            auto_ack: None,
        },
    )
    .await;
    let (case, inbound) = email_case(&anna, acme, "Neuer Vertrag", "eva@customer.example").await;
    let id = case["id"].as_i64().unwrap();
    let reference = case["ref"].as_str().unwrap().to_string();
    record_inbound(
        &ts,
        id,
        inbound,
        "eva@customer.example",
        "new-1@customer.example",
        mailbox,
    );
    // As the ingestion does, in its transaction.
    ts.server
        .state
        .db
        .write_blocking(move |tx| {
            zezaro::mail::outbound::enqueue_auto_ack(tx, mailbox, id.into(), inbound)
                .map_err(|e| StoreError::Task(e.to_string()))
        })
        .unwrap();
    ts.server.state.outbox.wake();

    let mail = postfix
        .wait_for(&format!("[{reference}]"), Duration::from_secs(20))
        .await;
    let parsed = mail.parsed();
    assert_eq!(header_text(&parsed, "Auto-Submitted"), "auto-replied");
    assert_eq!(
        parsed.subject(),
        Some(format!("Eingangsbestätigung: Neuer Vertrag [{reference}]").as_str())
    );
    assert_eq!(
        header_text(&parsed, "In-Reply-To"),
        "new-1@customer.example"
    );
    let body = parsed.body_text(0).unwrap();
    assert!(
        body.contains(&format!(
            "Hallo Eva Kundin,\n\nIhre Anfrage {reference} ist eingegangen."
        )),
        "{body}"
    );
    assert!(body.contains("-- \nIhr ACME-Team"), "{body}");
    assert!(raw_text(&mail).contains("Auto-Submitted: auto-replied"));
    // The thread shows what the customer got.
    let (_, detail) = anna.get(&format!("/api/v1/cases/{id}")).await;
    let messages = detail["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1]["kind"], "outbound");
    let acked = deliveries(&anna, id).await;
    assert_eq!(acked[0]["kind"], "auto-ack");

    // A mailbox with acknowledgments off sends none.
    let (other, inbound) = email_case(&anna, gas, "Gasvertrag", "jan@customer.example").await;
    let other_id = other["id"].as_i64().unwrap();
    ts.server
        .state
        .db
        .write_blocking(move |tx| {
            zezaro::mail::outbound::enqueue_auto_ack(tx, quiet, other_id.into(), inbound)
                .map_err(|e| StoreError::Task(e.to_string()))
        })
        .unwrap();
    assert!(deliveries(&anna, other_id).await.is_empty());
}

#[actix_web::test]
async fn the_web_form_confirmation_reaches_the_sender() {
    let postfix = Postfix::start_new();
    let ts = common::demo_server().await;
    let acme = project(&ts, "ACME").await;
    add_mailbox(
        &ts,
        MailboxSpec {
            project_id: acme,
            address: "service@acme-energie.example",
            sender_name: "ACME",
            signature: "Ihr ACME-Team",
            smtp_port: postfix.port,
            auto_ack: None,
        },
    )
    .await;
    let kadmin = ts.token_client(KADMIN);
    let (status, form) = kadmin
        .put(
            &format!("/api/v1/projects/{acme}/webform"),
            json!({"enabled": true, "confirmation": "Wir melden uns binnen zwei Werktagen.",
                   "send_confirmation": true}),
        )
        .await;
    assert_eq!(status, 200, "{form}");
    let public_id = form["public_id"].as_str().unwrap();
    let at = chrono::Utc::now().timestamp_millis() as u64 - 10_000;
    let token = ts.server.state.webforms.token_at(public_id, at);
    let (status, receipt) = ts
        .anonymous()
        .post(
            &format!("/api/v1/public/forms/{public_id}"),
            json!({"name": "Jan Kunde", "email": "jan@customer.example", "subject": "Tarifwechsel",
                   "message": "Ich möchte wechseln.", "token": token}),
        )
        .await;
    assert_eq!(status, 201, "{receipt}");
    let reference = receipt["ref"].as_str().unwrap();

    let mail = postfix
        .wait_for(&format!("[{reference}]"), Duration::from_secs(20))
        .await;
    let parsed = mail.parsed();
    assert_eq!(header_text(&parsed, "Auto-Submitted"), "auto-replied");
    assert_eq!(
        parsed.to().unwrap().first().unwrap().address(),
        Some("jan@customer.example")
    );
    // Nothing the sender typed is in the mail: the case number and the
    // project's fixed text only.
    let subject = parsed.subject().unwrap().to_string();
    assert!(subject.contains(reference), "{subject}");
    assert!(!subject.contains("Tarifwechsel"), "{subject}");
    let body = parsed.body_text(0).unwrap();
    assert!(body.contains(reference), "{body}");
    for typed in ["Jan Kunde", "Tarifwechsel", "Ich möchte wechseln."] {
        assert!(!body.contains(typed), "echoes {typed:?}: {body}");
    }
    assert!(
        body.contains("Wir melden uns binnen zwei Werktagen."),
        "{body}"
    );
    assert!(body.contains("-- \nIhr ACME-Team"), "{body}");

    // The agent's reply to the web-form case goes to the sender by mail too.
    let anna = ts.token_client(ANNA);
    let (_, found) = anna.get(&format!("/api/v1/cases?ref={reference}")).await;
    let id = found["items"][0]["id"].as_i64().unwrap();
    reply(&anna, id, "Gern, wir stellen um.", &[]).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while postfix.with_subject(&format!("[{reference}]")).len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "reply to the web form missing"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn no_case_sends_through_another_clients_mailbox() {
    let postfix = Postfix::start_new();
    let ts = common::demo_server().await;
    let anna = ts.token_client(ANNA);
    let gas = project(&ts, "ACMEGAS").await;
    let nord = project(&ts, "NORD").await;
    // Nordlicht's mailbox; Acme's ACMEGAS project has none.
    let nord_box = add_mailbox(
        &ts,
        MailboxSpec {
            project_id: nord,
            address: "service@nordlicht.example",
            sender_name: "",
            signature: "",
            smtp_port: postfix.port,
            auto_ack: Some(("Danke", "Danke")),
        },
    )
    .await;
    let (case, inbound) = email_case(&anna, gas, "Gasfrage", "eva@customer.example").await;
    let id = case["id"].as_i64().unwrap();
    // Even if a mail of the case were recorded as taken in by that mailbox.
    record_inbound(
        &ts,
        id,
        inbound,
        "eva@customer.example",
        "x-1@customer.example",
        nord_box,
    );

    let created = reply(&anna, id, "Antwort", &[]).await;
    let message_id = created["message"]["id"].as_i64().unwrap();
    let delivery = wait_state(&anna, id, message_id, "no-mailbox").await;
    assert!(delivery["to_address"].is_string());
    // No acknowledgment through the foreign mailbox either.
    ts.server
        .state
        .db
        .write_blocking(move |tx| {
            zezaro::mail::outbound::enqueue_auto_ack(tx, nord_box, id.into(), inbound)
                .map_err(|e| StoreError::Task(e.to_string()))
        })
        .unwrap();
    assert_eq!(deliveries(&anna, id).await.len(), 1);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(postfix.delivered().is_empty(), "nothing was sent");

    // While there is no mailbox, "retry now" cannot help; once Acme sets
    // one up for the project, it sends the reply through it.
    let retry = format!(
        "/api/v1/cases/{id}/deliveries/{}/retry",
        delivery["id"].as_i64().unwrap()
    );
    let (status, problem) = anna.post(&retry, json!({})).await;
    assert_eq!(
        (status.as_u16(), problem["code"].as_str()),
        (409, Some("delivery-not-retryable"))
    );
    add_mailbox(
        &ts,
        MailboxSpec {
            project_id: gas,
            address: "gas@acme-energie.example",
            sender_name: "",
            signature: "",
            smtp_port: postfix.port,
            auto_ack: None,
        },
    )
    .await;
    let (status, planned) = anna.post(&retry, json!({})).await;
    assert_eq!(status, 200, "{planned}");
    assert_eq!(planned["from_address"], "gas@acme-energie.example");
    let reference = case["ref"].as_str().unwrap();
    let mail = postfix
        .wait_for(&format!("[{reference}]"), Duration::from_secs(20))
        .await;
    assert_eq!(
        mail.parsed().from().unwrap().first().unwrap().address(),
        Some("gas@acme-energie.example")
    );
    let now = deliveries(&anna, id).await;
    assert_eq!(now.len(), 1, "planned afresh, not twice: {now:?}");

    // A call case's written reply goes by e-mail (issue 17): without a
    // contact it has no one to go to and says so; a call back on the case
    // is sent nowhere.
    let (status, call) = anna
        .post(
            "/api/v1/cases",
            json!({"project_id": gas, "subject": "Anruf", "channel": "call"}),
        )
        .await;
    assert_eq!(status, 201);
    let call_id = call["id"].as_i64().unwrap();
    reply(&anna, call_id, "Ihre Unterlagen per E-Mail.", &[]).await;
    let sent = deliveries(&anna, call_id).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["state"], "no-recipient");
    let (status, body) = anna
        .post(
            &format!("/api/v1/cases/{call_id}/messages"),
            json!({"kind": "outbound", "body_text": "Zurückgerufen.", "call": {"phone": "+49 40 123 456"}}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(deliveries(&anna, call_id).await.len(), 1);
}

#[actix_web::test]
async fn smtp_auth_uses_the_sealed_password_and_a_refusal_fails_the_delivery() {
    let postfix = Postfix::configure_with_auth("acme-smtp", "s3cret-smtp");
    let mut postfix = postfix;
    postfix.start();
    let ts = common::demo_server().await;
    let anna = ts.token_client(ANNA);
    let acme = project(&ts, "ACME").await;
    let gas = project(&ts, "ACMEGAS").await;
    let spec = |project_id, address| MailboxSpec {
        project_id,
        address,
        sender_name: "",
        signature: "",
        smtp_port: postfix.port,
        auto_ack: None,
    };
    let right = add_mailbox_with(&ts, spec(acme, "service@acme-energie.example"), |b| {
        with_login(b, "acme-smtp", "s3cret-smtp")
    })
    .await;
    add_mailbox_with(&ts, spec(gas, "gas@acme-energie.example"), |b| {
        with_login(b, "acme-smtp", "wrong-password")
    })
    .await;
    // The password is stored sealed, never in clear text.
    let stored: Vec<u8> = ts
        .server
        .state
        .db
        .read_blocking(move |conn| {
            Ok::<_, StoreError>(conn.query_row(
                "SELECT smtp_password_sealed FROM mailboxes WHERE id = ?1",
                [right],
                |row| row.get(0),
            )?)
        })
        .unwrap();
    assert!(!stored.windows(11).any(|w| w == b"s3cret-smtp"));

    let (case, _) = email_case(&anna, acme, "Mit Anmeldung", "eva@customer.example").await;
    let reference = case["ref"].as_str().unwrap().to_string();
    let created = reply(
        &anna,
        case["id"].as_i64().unwrap(),
        "Angemeldet gesendet.",
        &[],
    )
    .await;
    postfix
        .wait_for(&format!("[{reference}]"), Duration::from_secs(20))
        .await;
    wait_state(
        &anna,
        case["id"].as_i64().unwrap(),
        created["message"]["id"].as_i64().unwrap(),
        "sent",
    )
    .await;

    // A wrong password is a permanent refusal (535): failed at once, with
    // the server's answer, no automatic retries.
    let (case, _) = email_case(&anna, gas, "Falsches Passwort", "eva@customer.example").await;
    let id = case["id"].as_i64().unwrap();
    let created = reply(&anna, id, "Kommt nicht an.", &[]).await;
    let failed = wait_state(
        &anna,
        id,
        created["message"]["id"].as_i64().unwrap(),
        "failed",
    )
    .await;
    assert_eq!(failed["attempts"], 1);
    assert!(failed["next_attempt_at"].is_null());
    assert!(
        failed["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("535")),
        "{failed}"
    );
    assert!(postfix.with_subject("Falsches Passwort").is_empty());
}

/// A mail server with a certificate of its own (self-signed) over STARTTLS:
/// refused while the certificate is checked, and the reason is shown on the
/// case; sent over TLS once the admin switches the check off.
#[actix_web::test]
async fn starttls_checks_the_certificate_unless_the_admin_turns_that_off() {
    let postfix = Postfix::start_new_with_starttls();
    let ts = common::demo_server().await;
    let anna = ts.token_client(ANNA);
    let acme = project(&ts, "ACME").await;
    let mailbox = add_mailbox_with(
        &ts,
        MailboxSpec {
            project_id: acme,
            address: "service@acme-energie.example",
            sender_name: "ACME",
            signature: "",
            smtp_port: postfix.port,
            auto_ack: None,
        },
        |mut body| {
            body["smtp_security"] = json!("starttls");
            body
        },
    )
    .await;
    let (case, _) = email_case(&anna, acme, "Zertifikat", "eva@customer.example").await;
    let id = case["id"].as_i64().unwrap();
    let reference = case["ref"].as_str().unwrap().to_string();
    let created = reply(&anna, id, "Geht das sicher raus?", &[]).await;
    let message_id = created["message"]["id"].as_i64().unwrap();

    let retrying = wait_state(&anna, id, message_id, "retrying").await;
    let error = retrying["last_error"]
        .as_str()
        .unwrap_or_default()
        .to_lowercase();
    assert!(error.contains("certificate"), "{retrying}");
    assert!(postfix.with_subject(&format!("[{reference}]")).is_empty());

    let admin = ts.token_client("admin@zezaro.example");
    let (status, changed) = admin
        .patch(
            &format!("/api/v1/mailboxes/{mailbox}"),
            json!({ "smtp_tls_verify": false }),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["smtp_tls_verify"], false);
    let delivery_id = retrying["id"].as_i64().unwrap();
    let (status, body) = anna
        .post(
            &format!("/api/v1/cases/{id}/deliveries/{delivery_id}/retry"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    postfix
        .wait_for(&format!("[{reference}]"), Duration::from_secs(20))
        .await;
    wait_state(&anna, id, message_id, "sent").await;
    assert!(
        postfix.log().contains("TLS connection established"),
        "the mail went over TLS: {}",
        postfix.log()
    );
}

/// Issue 17: "Verbindung testen" before saving. Settings pointing into a
/// link-local or private network are refused by the host policy before any
/// connection (both sides say `host-not-allowed`); nothing is stored; an
/// empty password without a stored mailbox is refused by field.
#[actix_web::test]
async fn a_connection_test_refuses_private_networks_and_stores_nothing() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(KADMIN);
    let acme = project(&ts, "ACME").await;
    let path = format!("/api/v1/projects/{acme}/mailboxes/check");
    let settings = |password: &str| {
        json!({
            "imap_host": "169.254.169.254", "imap_security": "tls", "imap_username": "service",
            "imap_password": password,
            "smtp_host": "10.1.2.3", "smtp_security": "starttls", "smtp_username": "service",
        })
    };
    let (status, result) = admin.post(&path, settings("secret-imap-1")).await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(result["imap"]["ok"], false);
    assert_eq!(result["imap"]["reason"], "host-not-allowed", "{result}");
    assert_eq!(result["smtp"]["ok"], false);
    assert_eq!(result["smtp"]["reason"], "host-not-allowed", "{result}");
    let (_, list) = admin
        .get(&format!("/api/v1/projects/{acme}/mailboxes"))
        .await;
    assert_eq!(list["items"], json!([]), "nothing stored");
    let (status, problem) = admin.post(&path, settings("")).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["field"], "imap_password");
    ts.server.stop().await;
}
