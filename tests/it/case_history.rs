//! Issue 17: the case history names people, topics and contacts instead of
//! showing their ids (never a record of another client), and a logged call
//! is the agent's open case, worded in their language, with its times on
//! its message.

use crate::common;

use serde_json::{Value, json};

const ANNA: &str = "anna.schmidt@acme-energie.example"; // Acme's own agent: ACME, ACMEGAS (German)
const BASIC: &str = "basic.agent@zezaro.example"; // provider, Team Basic: ACME, NORD
const JONAS: &str = "jonas.weber@nordlicht.example"; // Nordlicht's own agent
const ADMIN: &str = "admin@zezaro.example"; // platform admin, English, no project member

async fn user_id(ts: &common::TestServer, email: &str) -> i64 {
    ts.id_of("/api/v1/users", "email", email).await
}

/// The history rows of `field` in the case screen's answer.
fn rows<'a>(detail: &'a Value, field: &str) -> Vec<&'a Value> {
    detail["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter(|h| h["field"] == field)
        .collect()
}

#[actix_web::test]
async fn the_history_names_what_it_changed_within_the_cases_client() {
    let ts = common::demo_server().await;
    let anna = ts.token_client(ANNA);
    let acme = ts.id_of("/api/v1/projects", "key", "ACME").await;
    let basic = user_id(&ts, BASIC).await;
    let jonas = user_id(&ts, JONAS).await;
    let (_, topics) = anna.get(&format!("/api/v1/projects/{acme}/topics")).await;
    let topic = &topics["items"][0];

    let (status, case) = anna
        .post(
            "/api/v1/cases",
            json!({"project_id": acme, "subject": "Abschlag zu hoch", "channel": "email",
                   "contact": {"name": "Greta Grün", "email": "greta.gruen@example.org"}}),
        )
        .await;
    assert_eq!(status, 201, "{case}");
    let id = case["id"].as_i64().unwrap();
    let (status, changed) = anna
        .patch(
            &format!("/api/v1/cases/{id}"),
            json!({"assignee_id": basic, "topic_id": topic["id"], "force": true}),
        )
        .await;
    assert_eq!(status, 200, "{changed}");

    let (_, detail) = anna.get(&format!("/api/v1/cases/{id}")).await;
    let assignee = rows(&detail, "assignee_id");
    assert_eq!(assignee.len(), 1, "{detail}");
    assert_eq!(assignee[0]["refers_to"], "user");
    assert_eq!(
        assignee[0]["new_value"],
        basic.to_string(),
        "the id is kept"
    );
    assert_eq!(
        assignee[0]["new_refs"],
        json!([{"id": basic, "name": "Mehmet Yilmaz"}])
    );
    assert_eq!(assignee[0]["old_refs"], json!([]));
    let topic_row = rows(&detail, "topic_id");
    assert_eq!(topic_row[0]["refers_to"], "topic");
    assert_eq!(topic_row[0]["new_refs"][0]["name"], topic["name"]);
    // Plain values name nothing.
    assert_eq!(rows(&detail, "created")[0]["refers_to"], Value::Null);

    // Rows naming another client's user, a topic that is gone: no name.
    let db = ts.server.state.db.clone();
    db.write(move |tx| {
        for (field, old, new) in [
            ("assignee_id", basic.to_string(), jonas.to_string()),
            ("topic_id", "999999".to_string(), "999998".to_string()),
        ] {
            tx.execute(
                "INSERT INTO case_history (case_id, user_id, at, field, old_value, new_value)
                 VALUES (?1, NULL, '2026-01-01T00:00:00.000Z', ?2, ?3, ?4)",
                rusqlite::params![id, field, old, new],
            )?;
        }
        Ok::<_, zezaro::db::StoreError>(())
    })
    .await
    .unwrap();
    let (_, detail) = anna.get(&format!("/api/v1/cases/{id}")).await;
    let foreign = rows(&detail, "assignee_id")[1];
    assert_eq!(
        foreign["old_refs"],
        json!([{"id": basic, "name": "Mehmet Yilmaz"}])
    );
    assert_eq!(
        foreign["new_refs"],
        json!([{"id": jonas, "name": null}]),
        "Nordlicht's agent is not named in an Acme case"
    );
    assert!(
        !detail["history"].to_string().contains("Jonas Weber"),
        "{detail}"
    );
    let gone = rows(&detail, "topic_id")[1];
    assert_eq!(gone["old_refs"], json!([{"id": 999999, "name": null}]));
    assert_eq!(gone["new_refs"], json!([{"id": 999998, "name": null}]));
    ts.server.stop().await;
}

/// The logged call's first message and case screen.
async fn call_detail(api: &common::Api, body: Value) -> (Value, Value) {
    let (status, case) = api.post("/api/v1/calls", body).await;
    assert_eq!(status, 201, "{case}");
    let (_, detail) = api.get(&format!("/api/v1/cases/{}", case["id"])).await;
    (case, detail)
}

#[actix_web::test]
async fn a_logged_call_is_the_agents_open_case_in_their_language() {
    let ts = common::demo_server().await;
    let anna = ts.token_client(ANNA);
    let admin = ts.token_client(ADMIN);
    let acme = ts.id_of("/api/v1/projects", "key", "ACME").await;
    let anna_id = user_id(&ts, ANNA).await;

    // Anna (German profile) takes a call: hers, open, in German, with its
    // times on its message.
    let (case, detail) = call_detail(
        &anna,
        json!({"project_id": acme, "direction": "inbound", "phone": "+49 351 4711 0815", "contact_name": "Paul Pieper",
               "subject": "Rückruf wegen Tarif", "notes": "Möchte Ökostrom",
               "wait_seconds": 42, "talk_seconds": 310, "after_work_seconds": 60}),
    )
    .await;
    assert_eq!(case["assignee_id"], anna_id, "{case}");
    assert_eq!(case["status"], "open");
    let message = &detail["messages"][0];
    assert_eq!(
        message["body_text"],
        "Eingehender Anruf +49 351 4711 0815\n\nMöchte Ökostrom"
    );
    assert_eq!(
        message["call"],
        json!({"wait_seconds": 42, "talk_seconds": 310, "after_work_seconds": 60})
    );
    assert_eq!(detail["time"]["total_seconds"], 412);
    let assigned = rows(&detail, "created");
    assert_eq!(assigned[0]["user_name"], "Anna Schmidt");

    // The UI's language wins over the profile's.
    let (_, detail) = call_detail(
        &anna,
        json!({"project_id": acme, "direction": "outbound", "phone": "+49 351 4711 0815",
               "subject": "Call back", "language": "en", "talk_seconds": 65}),
    )
    .await;
    assert_eq!(
        detail["messages"][0]["body_text"],
        "Outbound call +49 351 4711 0815"
    );
    assert_eq!(
        detail["messages"][0]["call"],
        json!({"wait_seconds": 0, "talk_seconds": 65, "after_work_seconds": 0})
    );
    let (_, detail) = call_detail(
        &anna,
        json!({"project_id": acme, "direction": "outbound", "phone": "+49 351 4711 0815", "subject": "Rückruf"}),
    )
    .await;
    assert_eq!(
        detail["messages"][0]["body_text"],
        "Ausgehender Anruf +49 351 4711 0815"
    );
    assert_eq!(
        detail["messages"][0]["call"],
        Value::Null,
        "no times, none shown"
    );

    // The admin (English profile, no member of the project) may log it,
    // but not handle it: it stays new and unassigned.
    let (case, detail) = call_detail(
        &admin,
        json!({"project_id": acme, "direction": "inbound", "phone": "+49 40 555 123", "subject": "Zählerstand"}),
    )
    .await;
    assert_eq!(case["assignee_id"], Value::Null, "{case}");
    assert_eq!(case["status"], "new");
    assert_eq!(
        detail["messages"][0]["body_text"],
        "Inbound call +49 40 555 123"
    );

    // Times out of range are refused, naming the field.
    let (status, problem) = anna
        .post(
            "/api/v1/calls",
            json!({"project_id": acme, "direction": "inbound", "phone": "+49 40 555 123", "subject": "x", "talk_seconds": -5}),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["field"], "talk_seconds");
    ts.server.stop().await;
}

/// Issue 17, point 6: the composer follows the channel. A call on a case
/// (a call back) is a call message with its times, sent nowhere; a written
/// reply on a phone case goes out by e-mail (a delivery the thread shows);
/// a note cannot be a call.
#[actix_web::test]
async fn a_call_on_a_case_is_logged_and_a_phone_cases_reply_goes_by_mail() {
    let ts = common::demo_server().await;
    let anna = ts.token_client(ANNA);
    let acme = ts.id_of("/api/v1/projects", "key", "ACME").await;
    let (case, _) = call_detail(
        &anna,
        json!({"project_id": acme, "direction": "inbound", "phone": "+49 351 4711 0816", "contact_name": "Paula Pieper",
               "subject": "Zählerstand"}),
    )
    .await;
    let id = case["id"].as_i64().unwrap();
    let messages = format!("/api/v1/cases/{id}/messages");

    // Anna calls back: "Ausgehender Anruf …" with the notes and the times.
    let (status, created) = anna
        .post(
            &messages,
            json!({"kind": "outbound", "body_text": "Zählerstand telefonisch aufgenommen",
                   "call": {"phone": "+49 351 4711 0816", "talk_seconds": 95, "after_work_seconds": 30, "language": "de"}}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let message = &created["message"];
    assert_eq!(message["channel"], "call");
    assert_eq!(
        message["body_text"],
        "Ausgehender Anruf +49 351 4711 0816\n\nZählerstand telefonisch aufgenommen"
    );
    assert_eq!(
        message["call"],
        json!({"wait_seconds": 0, "talk_seconds": 95, "after_work_seconds": 30})
    );
    assert!(created["case"]["first_response_at"].is_string());
    // A call of 0:00 without notes is still a call (shown as one).
    let (status, created) = anna
        .post(
            &messages,
            json!({"kind": "outbound", "body_text": "", "call": {"phone": "+49 351 4711 0816", "language": "en"}}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["message"]["body_text"],
        "Outbound call +49 351 4711 0816"
    );
    assert_eq!(
        created["message"]["call"],
        json!({"wait_seconds": 0, "talk_seconds": 0, "after_work_seconds": 0})
    );
    let (_, deliveries) = anna.get(&format!("/api/v1/cases/{id}/deliveries")).await;
    assert_eq!(deliveries["items"], json!([]), "a call is sent nowhere");

    // A note is no call; bad numbers and times are refused by field.
    for (body, field) in [
        (
            json!({"kind": "note", "body_text": "x", "call": {"phone": "+49 40 1"}}),
            "call",
        ),
        (
            json!({"kind": "outbound", "body_text": "x", "call": {"phone": "12"}}),
            "phone",
        ),
        (
            json!({"kind": "outbound", "body_text": "x", "call": {"phone": "+49 40 123", "talk_seconds": -1}}),
            "talk_seconds",
        ),
    ] {
        let (status, problem) = anna.post(&messages, body).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["field"], field, "{problem}");
    }

    // The contact gives an address; a written reply on the phone case is an
    // e-mail with its delivery (the demo's project has no mailbox yet: the
    // delivery says so, and goes out once there is one).
    let contact = case["contact_id"].as_i64().unwrap();
    let (status, body) = anna
        .patch(
            &format!("/api/v1/contacts/{contact}"),
            json!({"emails": ["paula.pieper@example.org"]}),
        )
        .await;
    assert!(status.is_success(), "{body}");
    let (status, created) = anna
        .post(
            &messages,
            json!({"kind": "outbound", "body_text": "Ihre Bestätigung per E-Mail."}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["message"]["channel"], "email");
    let (_, deliveries) = anna.get(&format!("/api/v1/cases/{id}/deliveries")).await;
    let items = deliveries["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{deliveries}");
    assert_eq!(items[0]["message_id"], created["message"]["id"]);
    assert_eq!(items[0]["to_address"], "paula.pieper@example.org");
    assert_eq!(items[0]["state"], "no-mailbox");
    ts.server.stop().await;
}
