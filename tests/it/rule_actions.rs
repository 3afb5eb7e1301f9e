//! The rule engine's further actions (issue 15) on a real server with the
//! demo data: a reply with a text module queued in the mail outbox like an
//! agent's (once per chain, never to automatic mail), notifications to
//! users and teams in the bell and by e-mail (never to whom does not see
//! the case, checked again at read time), a webhook delivery queued in the
//! rule's transaction, spam marked and closed, time-based rules on a
//! back-dated case, and the mailbox condition on the creating mail.

use std::sync::Arc;

use crate::common::{self, Api, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};
use zezaro::db::StoreError;

const ADMIN: &str = "admin@zezaro.example";
const CA_ACME: &str = "kadmin@acme-energie.example";
const CA_NORD: &str = "kadmin@nordlicht.example";
const LEAD: &str = "lead@zezaro.example";
const ANNA: &str = "anna.schmidt@acme-energie.example";
const BASIC: &str = "basic.agent@zezaro.example"; // provider, Team Basic: ACME, NORD
const PRO: &str = "pro.agent@zezaro.example"; // provider, Team Pro: ACME, ACMEGAS

async fn project(ts: &TestServer, key: &str) -> i64 {
    ts.id_of("/api/v1/projects", "key", key).await
}

async fn user(ts: &TestServer, email: &str) -> i64 {
    ts.id_of("/api/v1/users", "email", email).await
}

async fn rule(api: &Api, body: Value) -> Value {
    let (status, r) = api.post("/api/v1/rules", body).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let (status, r) = api
        .post(&format!("/api/v1/rules/{}/activate", r["id"]), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    r
}

async fn email_case(api: &Api, project_id: i64, subject: &str, body: &str) -> i64 {
    let (status, case) = api
        .post(
            "/api/v1/cases",
            json!({"project_id": project_id, "subject": subject, "channel": "email",
                   "contact": {"name": "Frau Eva Kundin", "email": "eva.kundin@example.de"},
                   "message": {"kind": "inbound", "body_text": body}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    case["id"].as_i64().unwrap()
}

async fn bell(api: &Api) -> Value {
    let (status, page) = api.get("/api/v1/notifications").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page
}

async fn runs(api: &Api, case: i64) -> Vec<Value> {
    let (status, body) = api.get(&format!("/api/v1/cases/{case}/rule-runs")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"].as_array().unwrap().clone()
}

fn sql_i64(ts: &TestServer, sql: &str, id: i64) -> i64 {
    let sql = sql.to_string();
    ts.server
        .state
        .db
        .read_blocking(move |conn| {
            Ok::<_, StoreError>(conn.query_row(&sql, [id], |r| r.get::<_, i64>(0))?)
        })
        .expect("query")
}

fn exec(ts: &TestServer, sql: &str) {
    let sql = sql.to_string();
    ts.server
        .state
        .db
        .write_blocking(move |tx| Ok::<_, StoreError>(tx.execute_batch(&sql)?))
        .expect("statement");
}

async fn mailbox(ts: &TestServer, project_id: i64, address: &str) -> i64 {
    let admin = ts.token_client(ADMIN);
    let (status, mailbox) = admin
        .post(
            &format!("/api/v1/projects/{project_id}/mailboxes"),
            json!({"name": address, "address": address, "sender_name": "Acme Kundenservice",
                   "signature": "Ihr Acme-Team",
                   "imap_host": "127.0.0.1", "imap_port": 1, "imap_security": "plain",
                   "imap_username": "x", "imap_password": "imap-secret",
                   "smtp_host": "127.0.0.1", "smtp_port": 1, "smtp_security": "plain",
                   "paused": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{mailbox}");
    mailbox["id"].as_i64().unwrap()
}

async fn text_module(ts: &TestServer, shortcut: &str, body: &str) -> i64 {
    let admin = ts.token_client(CA_ACME);
    let client = ts
        .id_of("/api/v1/clients", "name", "Acme Energie GmbH")
        .await;
    let (status, module) = admin
        .post(
            "/api/v1/text-modules",
            json!({"client_id": client, "shortcut": shortcut, "language": "de",
                   "title": "Eingangsbestätigung", "body": body}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{module}");
    let id = module["id"].as_i64().unwrap();
    let (status, published) = admin
        .post(&format!("/api/v1/text-modules/{id}/publish"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{published}");
    id
}

#[actix_web::test]
async fn a_text_module_reply_is_queued_like_an_agents_once_and_never_to_automatic_mail() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    let acme = project(&ts, "ACME").await;
    mailbox(&ts, acme, "service@acme-energie.example").await;
    let module = text_module(
        &ts,
        "eingang",
        "Guten Tag {{contact.name}},\n\nwir haben Ihre Nachricht zu {{case.ref}} erhalten.",
    )
    .await;
    let empty = text_module(&ts, "kunde", "Ihre Kundennummer: {{contact.custom.nummer}}").await;
    // Two rules that both reply, and a third with a module whose
    // placeholder has no value: one reply per chain.
    rule(
        &admin,
        json!({"name": "Eingang bestätigen", "event": "case-created", "project_ids": [acme],
               "actions": [{"type": "reply-with-text-module", "module_id": module}]}),
    )
    .await;
    rule(
        &admin,
        json!({"name": "Noch einmal bestätigen", "event": "case-created", "project_ids": [acme],
               "actions": [{"type": "reply-with-text-module", "module_id": module},
                           {"type": "reply-with-text-module", "module_id": empty}]}),
    )
    .await;
    let case = email_case(&anna, acme, "Zählerstand", "Mein Zähler zeigt nichts an.").await;
    let (_, detail) = anna.get(&format!("/api/v1/cases/{case}")).await;
    let reference = detail["case"]["ref"].as_str().unwrap().to_string();
    let outbound: Vec<&Value> = detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "outbound")
        .collect();
    assert_eq!(outbound.len(), 1, "one reply per chain: {detail}");
    assert_eq!(
        outbound[0]["body_text"],
        format!("Guten Tag Frau Eva Kundin,\n\nwir haben Ihre Nachricht zu {reference} erhalten.")
    );
    let (_, deliveries) = anna.get(&format!("/api/v1/cases/{case}/deliveries")).await;
    let deliveries = deliveries["items"].as_array().unwrap().clone();
    assert_eq!(deliveries.len(), 1, "{deliveries:?}");
    assert_eq!(deliveries[0]["kind"], "reply");
    assert_eq!(deliveries[0]["to_address"], "eva.kundin@example.de");
    assert!(
        deliveries[0]["subject"]
            .as_str()
            .unwrap()
            .contains(&reference),
        "{deliveries:?}"
    );
    assert!(matches!(
        deliveries[0]["state"].as_str(),
        Some("queued" | "retrying")
    ));
    assert_eq!(
        sql_i64(
            &ts,
            "SELECT auto_submitted FROM mail_outbox WHERE case_id = ?1",
            case
        ),
        1,
        "a rule's reply is marked Auto-Submitted"
    );
    // The second rule's replies are skipped with reasons.
    let all = runs(&anna, case).await;
    let skipped: Vec<String> = all
        .iter()
        .flat_map(|r| r["changes"].as_array().unwrap().clone())
        .filter_map(|c| c["skipped"].as_str().map(str::to_string))
        .collect();
    assert_eq!(skipped.len(), 2, "{all:?}");
    assert!(
        skipped.iter().all(|s| s.contains("replied in this chain")),
        "{skipped:?}"
    );
    let (_, d) = anna.get(&format!("/api/v1/cases/{case}")).await;
    assert!(
        d["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["field"] == "reply" && h["rule_name"] == "Eingang bestätigen"),
        "{d}"
    );

    // A call has no written reply path.
    let (status, call) = anna
        .post(
            "/api/v1/cases",
            json!({"project_id": acme, "subject": "Anruf", "channel": "call",
                   "message": {"kind": "note", "body_text": "Kunde rief an."}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{call}");
    let call = call["id"].as_i64().unwrap();
    let call_runs = runs(&anna, call).await;
    assert!(
        call_runs.iter().all(|r| r["changes"][0]["skipped"]
            .as_str()
            .is_some_and(|s| s.contains("no written reply path"))),
        "{call_runs:?}"
    );

    // A customer's autoresponder answered: no rule answers it back.
    let (status, loop_rule) = admin
        .post(
            "/api/v1/rules",
            json!({"name": "Auf jede Nachricht antworten", "event": "message-received",
                   "actions": [{"type": "reply-with-text-module", "module_id": module}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{loop_rule}");
    admin
        .post(
            &format!("/api/v1/rules/{}/activate", loop_rule["id"]),
            json!({}),
        )
        .await;
    exec(
        &ts,
        &format!(
            "INSERT OR IGNORE INTO blobs (sha256, size, created_at) VALUES ('{h}', 1, '2026-01-01T00:00:00.000Z');
             INSERT INTO mail_inbound (message_key, raw_sha256, raw_size, case_id, auto_reply, received_at)
             VALUES ('auto-1', '{h}', 1, {case}, 1, '2026-01-01T00:00:00.000Z');",
            h = "0".repeat(64)
        ),
    );
    let (status, _) = anna
        .post(
            &format!("/api/v1/cases/{case}/messages"),
            json!({"kind": "inbound", "body_text": "Ich bin bis Montag nicht im Büro."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        sql_i64(
            &ts,
            "SELECT count(*) FROM mail_outbox WHERE case_id = ?1",
            case
        ),
        1,
        "no answer to an automatic mail"
    );
    let latest = &runs(&anna, case).await[0];
    assert!(
        latest["changes"][0]["skipped"]
            .as_str()
            .unwrap()
            .contains("automatic"),
        "{latest}"
    );

    // Another client's module, and a missing one, are refused at save.
    let nord = ts.token_client(CA_NORD);
    let (status, problem) = nord
        .post(
            "/api/v1/rules",
            json!({"name": "Fremd", "event": "case-created",
                   "actions": [{"type": "reply-with-text-module", "module_id": module}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["code"], "validation");
    assert!(
        problem["detail"]
            .to_string()
            .contains("no such text module")
            || problem.to_string().contains("no such text module"),
        "{problem}"
    );
}

#[actix_web::test]
async fn notifications_reach_only_who_sees_the_case_in_the_bell_and_by_mail() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    let basic = ts.token_client(BASIC);
    let pro = ts.token_client(PRO);
    let lead = ts.token_client(LEAD);
    let acme = project(&ts, "ACME").await;
    mailbox(&ts, acme, "service@acme-energie.example").await;
    // Every new case of ACME goes to provider Team Pro.
    let (status, plan) = admin
        .put(
            &format!("/api/v1/projects/{acme}/distribution"),
            json!({"entries": [{"team": "provider-pro", "share_percent": 100}],
                   "overflow": [], "open_cases": "leave", "expected_version": 0}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    let (basic_id, pro_id, anna_id) = (
        user(&ts, BASIC).await,
        user(&ts, PRO).await,
        user(&ts, ANNA).await,
    );
    rule(
        &admin,
        json!({"name": "Dringend melden", "event": "case-created", "project_ids": [acme],
               "conditions": {"field": "text", "op": "contains", "value": "Stromausfall"},
               "actions": [
                   {"type": "notify-users", "user_ids": [basic_id, pro_id, anna_id], "text": "Stromausfall gemeldet"},
                   {"type": "notify-team", "team": "provider", "text": "Bitte sofort übernehmen", "email": true},
                   {"type": "notify-team", "team": "leads", "text": "Zur Kenntnis"}]}),
    )
    .await;
    let case = email_case(
        &anna,
        acme,
        "Kein Strom",
        "Seit heute früh Stromausfall im Haus.",
    )
    .await;
    let (_, c) = anna.get(&format!("/api/v1/cases/{case}")).await;
    assert_eq!(c["case"]["handling_tariff"], "pro", "{c}");

    let pro_page = bell(&pro).await;
    assert_eq!(pro_page["unread"], 2, "{pro_page}");
    let texts: Vec<&str> = pro_page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        ["Bitte sofort übernehmen", "Stromausfall gemeldet"],
        "newest first"
    );
    assert_eq!(pro_page["items"][0]["case_id"], case);
    assert_eq!(pro_page["items"][0]["rule_name"], "Dringend melden");
    // Team Basic does not see Team Pro's case: named or as a team, nothing.
    let basic_page = bell(&basic).await;
    assert_eq!(basic_page["unread"], 0, "{basic_page}");
    assert!(basic_page["items"].as_array().unwrap().is_empty());
    assert_eq!(
        sql_i64(
            &ts,
            "SELECT count(*) FROM rule_notifications WHERE user_id = ?1",
            basic_id
        ),
        0,
        "never written for Team Basic"
    );
    assert_eq!(bell(&anna).await["unread"], 1);
    assert_eq!(bell(&lead).await["items"][0]["text"], "Zur Kenntnis");
    // One e-mail, to Team Pro's agent, in their language, through the
    // project's mailbox.
    let (to, subject, state): (String, String, String) = {
        ts.server
            .state
            .db
            .read_blocking(move |conn| {
                Ok::<_, StoreError>(conn.query_row(
                    "SELECT to_address, subject, state FROM rule_notification_mails WHERE case_id = ?1",
                    [case],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )?)
            })
            .unwrap()
    };
    assert_eq!(to, PRO);
    assert!(
        subject.contains(c["case"]["ref"].as_str().unwrap()),
        "{subject}"
    );
    assert!(
        subject.contains("Hinweis") || subject.contains("Notice"),
        "{subject}"
    );
    assert!(
        matches!(state.as_str(), "queued" | "retrying" | "failed"),
        "{state}"
    );

    // Marking read: one, then all; another user's notification is 404.
    let first = pro_page["items"][0]["id"].as_i64().unwrap();
    let (status, marked) = pro
        .post(&format!("/api/v1/notifications/{first}/read"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{marked}");
    assert_eq!(marked["unread"], 1);
    assert_eq!(
        anna.post(&format!("/api/v1/notifications/{first}/read"), json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, marked) = pro.post("/api/v1/notifications/read-all", json!({})).await;
    assert_eq!(
        (marked["marked"].clone(), marked["unread"].clone()),
        (json!(1), json!(0))
    );

    // The case moves to Team Basic: Team Pro's agent no longer sees it,
    // and no longer its notifications (checked when read).
    let (status, plan) = admin
        .put(
            &format!("/api/v1/projects/{acme}/distribution"),
            json!({"entries": [{"team": "provider-basic", "share_percent": 100}],
                   "overflow": [], "open_cases": "move-all", "expected_version": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    // The move of open cases runs in the background after the answer.
    let version = plan["plan"]["version"].as_i64().expect("plan version");
    crate::distribution::settled_move(&admin, acme, version).await;
    assert_eq!(
        pro.get(&format!("/api/v1/cases/{case}")).await.0,
        StatusCode::NOT_FOUND
    );
    let pro_page = bell(&pro).await;
    assert!(
        pro_page["items"].as_array().unwrap().is_empty(),
        "{pro_page}"
    );
    assert_eq!(
        pro.post(&format!("/api/v1/notifications/{first}/read"), json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // A user of another client is refused at save.
    let jonas = user(&ts, "jonas.weber@nordlicht.example").await;
    let (status, problem) = admin
        .post(
            "/api/v1/rules",
            json!({"name": "Fremd", "event": "case-created",
                   "actions": [{"type": "notify-users", "user_ids": [jonas], "text": "x"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
}

#[actix_web::test]
async fn a_webhook_call_is_queued_with_the_case_and_the_changes() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    let acme = project(&ts, "ACME").await;
    let (status, hook) = admin
        .post(
            "/api/v1/webhooks",
            json!({"name": "Warenwirtschaft", "url": "http://127.0.0.1:9/hooks"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{hook}");
    let hook = hook["id"].as_i64().unwrap();
    let r = rule(
        &admin,
        json!({"name": "Bestellungen melden", "event": "case-created", "project_ids": [acme],
               "actions": [{"type": "set-priority", "priority": "high"},
                           {"type": "call-webhook", "webhook_id": hook}]}),
    )
    .await;
    let case = email_case(&anna, acme, "Bestellung 4711", "Bitte liefern.").await;
    let (status, deliveries) = admin
        .get(&format!("/api/v1/webhooks/{hook}/deliveries"))
        .await;
    assert_eq!(status, StatusCode::OK, "{deliveries}");
    let items = deliveries["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{deliveries}");
    assert_eq!(items[0]["event"], "rule.fired");
    let run_id = items[0]["rule_run_id"].as_i64().unwrap();
    assert_eq!(runs(&anna, case).await[0]["id"], run_id);
    let body: Value = {
        let id = items[0]["id"].as_i64().unwrap();
        let text = ts
            .server
            .state
            .db
            .read_blocking(move |conn| {
                Ok::<_, StoreError>(conn.query_row(
                    "SELECT body FROM webhook_deliveries WHERE id = ?1",
                    [id],
                    |r| r.get::<_, String>(0),
                )?)
            })
            .unwrap();
        serde_json::from_str(&text).unwrap()
    };
    assert_eq!(body["event"], "rule.fired");
    assert_eq!(body["data"]["rule_id"], r["id"]);
    assert_eq!(body["data"]["trigger"], "case-created");
    assert_eq!(body["data"]["case"]["id"], case);
    assert_eq!(
        body["data"]["case"]["priority"], "high",
        "the case after the rule"
    );
    assert_eq!(body["data"]["changes"][0]["field"], "priority");
    assert!(
        body.to_string().find("eva.kundin").is_none(),
        "no contact data"
    );

    // Another client's webhook is no webhook for this client.
    let nord = ts.token_client(CA_NORD);
    let (status, problem) = nord
        .post(
            "/api/v1/rules",
            json!({"name": "Fremd", "event": "case-created",
                   "actions": [{"type": "call-webhook", "webhook_id": hook}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(problem.to_string().contains("no such webhook"), "{problem}");
}

#[actix_web::test]
async fn spam_is_tagged_closed_and_ends_the_chain() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    let acme = project(&ts, "ACME").await;
    rule(
        &admin,
        json!({"name": "Spam", "event": "case-created", "project_ids": [acme],
               "conditions": {"field": "text", "op": "contains", "value": "casino"},
               "actions": [{"type": "mark-spam"}, {"type": "add-tags", "tags": ["nie"]}]}),
    )
    .await;
    rule(
        &admin,
        json!({"name": "Später", "event": "case-created", "project_ids": [acme],
               "actions": [{"type": "set-priority", "priority": "urgent"}]}),
    )
    .await;
    let spam = email_case(&anna, acme, "Gewinn!", "Ihr Casino-Bonus wartet.").await;
    let (_, d) = anna.get(&format!("/api/v1/cases/{spam}")).await;
    assert_eq!(d["case"]["status"], "closed", "{d}");
    assert_eq!(d["case"]["tags"], json!(["spam"]));
    assert_eq!(d["case"]["priority"], "normal", "later rules do not act");
    assert_eq!(runs(&anna, spam).await.len(), 1);
    // Later events fire no rules while it is tagged spam.
    anna.post(
        &format!("/api/v1/cases/{spam}/messages"),
        json!({"kind": "inbound", "body_text": "Noch mehr Casino."}),
    )
    .await;
    assert_eq!(runs(&anna, spam).await.len(), 1);
    let other = email_case(&anna, acme, "Frage", "Wann kommt die Rechnung?").await;
    assert_eq!(
        runs(&anna, other).await.len(),
        1,
        "the other rule still runs"
    );
}

#[actix_web::test]
async fn a_time_based_rule_fires_once_per_moment_on_a_back_dated_case() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    let acme = project(&ts, "ACME").await;
    // A schedule is required, and only for time-based rules.
    let (status, problem) = admin
        .post(
            "/api/v1/rules",
            json!({"name": "Ohne", "event": "time-based",
                   "actions": [{"type": "add-note", "text": "x"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["field"], "schedule", "{problem}");
    let (status, cal) = admin
        .post(
            "/api/v1/calendars",
            json!({"name": "Nie offen", "time_zone": "Europe/Berlin", "hours": []}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{cal}");
    let r = rule(
        &admin,
        json!({"name": "Erinnern nach 2 Stunden", "event": "time-based", "project_ids": [acme],
               "schedule": {"since": "status-changed", "minutes": 120, "calendar_id": null},
               "conditions": {"field": "status", "op": "is", "value": "pending-customer"},
               "actions": [{"type": "add-note", "text": "Kunde hat nicht geantwortet."},
                           {"type": "set-status", "status": "closed"}]}),
    )
    .await;
    assert_eq!(r["schedule"]["since"], "status-changed", "{r}");
    rule(
        &admin,
        json!({"name": "Nie fällig", "event": "time-based", "project_ids": [acme],
               "schedule": {"since": "created", "minutes": 1, "calendar_id": cal["id"]},
               "actions": [{"type": "add-tags", "tags": ["nie"]}]}),
    )
    .await;
    let mut cases = Vec::new();
    for subject in ["Wartet lange", "Wartet kurz", "Offen lange"] {
        let id = email_case(&anna, acme, subject, "Bitte um Rückruf.").await;
        cases.push(id);
    }
    for &id in &cases[..2] {
        let (status, body) = anna
            .patch(
                &format!("/api/v1/cases/{id}"),
                json!({"status": "pending-customer"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // Back-dated: 3 hours, 1 hour; the open one also 3 hours.
    exec(
        &ts,
        &format!(
            "UPDATE cases SET status_changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-3 hours'),
                              created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-3 hours')
             WHERE id IN ({}, {});
             UPDATE cases SET status_changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 hours')
             WHERE id = {};",
            cases[0], cases[2], cases[1]
        ),
    );
    let state = &ts.server.state;
    let cursors = Arc::new(zezaro::rules::time::Cursors::default());
    let fired = zezaro::rules::time::run_due(&state.db, &state.cases, &cursors, chrono::Utc::now())
        .await
        .expect("pass");
    assert_eq!(fired, 1, "only the case pending for 3 hours");
    let (_, d) = anna.get(&format!("/api/v1/cases/{}", cases[0])).await;
    assert_eq!(d["case"]["status"], "closed", "{d}");
    assert!(
        d["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["rule_name"] == "Erinnern nach 2 Stunden" && h["field"] == "status"),
        "{d}"
    );
    let r0 = runs(&anna, cases[0]).await;
    assert_eq!(r0.len(), 1);
    assert_eq!(r0[0]["event"], "time-based");
    for &id in &cases[1..] {
        assert!(runs(&anna, id).await.is_empty(), "case {id} is not due");
    }
    // Once per moment: reopened by hand and pending again later, the
    // moment moves; the old one does not fire again.
    anna.patch(
        &format!("/api/v1/cases/{}", cases[0]),
        json!({"status": "pending-customer"}),
    )
    .await;
    let again = zezaro::rules::time::run_due(&state.db, &state.cases, &cursors, chrono::Utc::now())
        .await
        .expect("pass");
    assert_eq!(again, 0, "the new moment is not due yet");
    assert_eq!(
        sql_i64(
            &ts,
            "SELECT count(*) FROM rule_time_marks WHERE case_id = ?1",
            cases[0]
        ),
        1
    );
    // The service is registered with the others.
    let (_, services) = ts.token_client(ADMIN).get("/api/v1/services").await;
    let text = services.to_string();
    assert!(
        text.contains("rules.time") && text.contains("rules.mail"),
        "{services}"
    );
}

#[actix_web::test]
async fn the_mailbox_condition_holds_on_the_creating_mail() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(CA_ACME);
    let acme = project(&ts, "ACME").await;
    let mb = mailbox(&ts, acme, "rechnung@acme-energie.example").await;
    let other = mailbox(&ts, acme, "info@acme-energie.example").await;
    rule(
        &admin,
        json!({"name": "Rechnungspostfach", "event": "case-created",
               "conditions": {"field": "mailbox_id", "op": "is", "value": mb},
               "actions": [{"type": "add-tags", "tags": ["rechnung"]}]}),
    )
    .await;
    let file = |mailbox_id: i64, subject: &'static str| {
        ts.server
            .state
            .db
            .write_blocking(move |tx| {
                let who = zezaro::mail::ingest::system_principal();
                let case = zezaro::cases::service::create_incoming(
                    tx,
                    &who,
                    zezaro::cases::NewCase {
                        project_id: zezaro::ids::ProjectId(acme),
                        subject: subject.into(),
                        channel: zezaro::cases::Channel::Email,
                        topic_id: None,
                        priority: None,
                        handling_team: None,
                        assignee_id: None,
                        contact_id: None,
                        contact: None,
                        tags: Vec::new(),
                        due_at: None,
                        custom: None,
                        message: Some(zezaro::cases::FirstMessage {
                            kind: zezaro::cases::MessageKind::Inbound,
                            body_text: "Rechnung anbei.".into(),
                            mail: Some(zezaro::cases::MessageMail {
                                mailbox_id: Some(mailbox_id),
                                ..Default::default()
                            }),
                        }),
                    },
                )
                .map_err(|e| StoreError::Task(e.to_string()))?;
                Ok::<_, StoreError>(case.tags)
            })
            .expect("filed")
    };
    assert_eq!(file(mb, "Rechnung März"), vec!["rechnung".to_string()]);
    assert!(file(other, "Allgemeine Frage").is_empty());
}

/// Collects the `notification` frames an event stream receives for `wait`.
async fn notification_frames(api: Api, wait: std::time::Duration) -> Vec<Value> {
    use futures_util::StreamExt;
    let response = api
        .raw(reqwest::Method::GET, "/api/v1/events", None, &[])
        .await;
    assert_eq!(response.status(), 200);
    let deadline = tokio::time::Instant::now() + wait;
    let mut stream = Box::pin(response.bytes_stream());
    let mut buffer = String::new();
    let mut seen = Vec::new();
    while let Ok(Some(Ok(chunk))) = tokio::time::timeout_at(deadline, stream.next()).await {
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if let Some(data) = frame.strip_prefix("event: notification\ndata: ") {
                seen.push(serde_json::from_str(data.trim()).unwrap());
            }
        }
    }
    seen
}

#[actix_web::test]
async fn the_live_notification_event_reaches_only_its_recipient() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    let acme = project(&ts, "ACME").await;
    rule(
        &admin,
        json!({"name": "Leitung informieren", "event": "case-created", "project_ids": [acme],
               "actions": [{"type": "notify-team", "team": "leads", "text": "Neuer Fall"}]}),
    )
    .await;
    let wait = std::time::Duration::from_secs(4);
    let lead_stream = tokio::spawn(notification_frames(ts.token_client(LEAD), wait));
    let basic_stream = tokio::spawn(notification_frames(ts.token_client(BASIC), wait));
    let anna_stream = tokio::spawn(notification_frames(ts.token_client(ANNA), wait));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let case = email_case(&anna, acme, "Live", "Bitte melden.").await;
    let lead_frames = lead_stream.await.unwrap();
    assert_eq!(lead_frames.len(), 1, "{lead_frames:?}");
    assert_eq!(lead_frames[0]["case_id"], case);
    assert!(
        lead_frames[0].get("user_id").is_none(),
        "the receiver is not sent"
    );
    // Team Basic and Anna see the case, but the notification is not theirs.
    assert!(basic_stream.await.unwrap().is_empty());
    assert!(anna_stream.await.unwrap().is_empty());
    // A dry run announces nothing.
    let lead_stream = tokio::spawn(notification_frames(ts.token_client(LEAD), wait));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let (status, dry) = admin
        .post(
            "/api/v1/rules/dry-run",
            json!({"case_id": case, "event": "case-created"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{dry}");
    assert_eq!(dry["runs"].as_array().unwrap().len(), 1, "{dry}");
    assert!(lead_stream.await.unwrap().is_empty());
}
