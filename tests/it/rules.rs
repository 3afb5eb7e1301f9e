//! The rules engine (issue 15) through the API of a real server with the
//! demo data: rules fire in the case's own write (creation, update,
//! message), chain with loop safety, write the case history "set by rule",
//! keep versions, dry-run without changing anything, validate, and stay
//! inside their client.

use crate::common::{self, Api, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

const CA_ACME: &str = "kadmin@acme-energie.example";
const CA_NORD: &str = "kadmin@nordlicht.example";
const LEAD: &str = "lead@zezaro.example";
const ANNA: &str = "anna.schmidt@acme-energie.example";

async fn project(ts: &TestServer, key: &str) -> i64 {
    ts.id_of("/api/v1/projects", "key", key).await
}

async fn rule(api: &Api, body: Value, activate: bool) -> Value {
    let (status, r) = api.post("/api/v1/rules", body).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    assert_eq!(r["active"], false, "a new rule starts inactive: {r}");
    if !activate {
        return r;
    }
    let (status, r) = api
        .post(&format!("/api/v1/rules/{}/activate", r["id"]), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["active"], true);
    r
}

async fn new_case(api: &Api, project_id: i64, subject: &str, body: &str) -> Value {
    let (status, case) = api
        .post(
            "/api/v1/cases",
            json!({"project_id": project_id, "subject": subject, "channel": "email",
                   "message": {"kind": "inbound", "body_text": body}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    case
}

async fn detail(api: &Api, id: i64) -> Value {
    let (status, d) = api.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    d
}

fn by_rule<'a>(detail: &'a Value, rule: &str) -> Vec<&'a Value> {
    detail["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter(|h| h["rule_name"] == rule)
        .collect()
}

#[actix_web::test]
async fn rules_fire_in_the_case_write_and_chain() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    let acme = project(&ts, "ACME").await;

    let first = rule(
        &admin,
        json!({"name": "Rechnungen an den Dienstleister", "event": "case-created",
               "project_ids": [acme],
               "conditions": {"all": [
                   {"field": "text", "op": "matches", "value": "rechnung\\s+nr\\.?\\s*\\d+"},
                   {"any": [{"field": "channel", "op": "is", "value": "email"},
                            {"field": "channel", "op": "is", "value": "webform"}]}]},
               "actions": [{"type": "set-priority", "priority": "high"},
                           {"type": "add-tags", "tags": ["Rechnung"]},
                           {"type": "set-handling-team", "team": "provider"},
                           {"type": "add-note", "text": "Automatisch an den Dienstleister gegeben."}]}),
        true,
    )
    .await;
    // Reacts to the first rule's change (a chained `case-updated`).
    rule(
        &admin,
        json!({"name": "Hohe Priorität markieren", "event": "case-updated",
               "conditions": {"all": [{"field": "priority", "op": "changed-to", "value": "high"}]},
               "actions": [{"type": "add-tags", "tags": ["eskaliert"]}]}),
        true,
    )
    .await;
    // Inactive: never runs.
    rule(
        &admin,
        json!({"name": "Entwurf", "event": "case-created",
               "actions": [{"type": "set-status", "status": "closed"}]}),
        false,
    )
    .await;

    let case = new_case(
        &anna,
        acme,
        "Frage zur Abrechnung",
        "Guten Tag, die Rechnung Nr. 4711 ist doppelt abgebucht worden.",
    )
    .await;
    let id = case["id"].as_i64().unwrap();
    assert_eq!(case["priority"], "high", "{case}");
    assert_eq!(case["handling_team"], "provider");
    assert_eq!(case["status"], "new", "the inactive rule did not close it");
    let mut tags: Vec<&str> = case["tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    tags.sort_unstable();
    assert_eq!(tags, ["eskaliert", "rechnung"]);

    let d = detail(&anna, id).await;
    let fields: Vec<&str> = by_rule(&d, "Rechnungen an den Dienstleister")
        .iter()
        .filter_map(|h| h["field"].as_str())
        .collect();
    assert_eq!(fields, ["priority", "tags", "handling_team", "note"]);
    assert_eq!(by_rule(&d, "Hohe Priorität markieren").len(), 1);
    let note = d["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "note")
        .expect("the rule's note");
    assert_eq!(
        note["body_text"],
        "Automatisch an den Dienstleister gegeben."
    );

    let (status, runs) = anna.get(&format!("/api/v1/cases/{id}/rule-runs")).await;
    assert_eq!(status, StatusCode::OK, "{runs}");
    let runs = runs["items"].as_array().unwrap();
    assert_eq!(runs.len(), 2, "{runs:?}");
    // Newest first: the chained run at depth 1, then the creation's.
    assert_eq!(runs[0]["depth"], 1);
    assert_eq!(runs[0]["event"], "case-updated");
    assert_eq!(runs[1]["rule_id"], first["id"]);
    assert_eq!(runs[1]["event"], "case-created");

    // No invoice number: nothing fires.
    let other = new_case(&anna, acme, "Umzug", "Ich ziehe zum 1. Februar um.").await;
    assert_eq!(other["priority"], "normal");
    assert!(other["tags"].as_array().unwrap().is_empty(), "{other}");

    // Deactivated at once: the next case is left alone.
    let (status, _) = admin
        .post(
            &format!("/api/v1/rules/{}/deactivate", first["id"]),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let later = new_case(&anna, acme, "Noch eine", "Rechnung Nr. 4712 stimmt nicht.").await;
    assert_eq!(later["priority"], "normal", "{later}");
}

#[actix_web::test]
async fn chains_stop_and_messages_fire() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    let acme = project(&ts, "ACME").await;
    // Two rules that undo each other: each runs once per event, the chain
    // ends.
    for (name, to) in [("Hoch", "urgent"), ("Runter", "low")] {
        rule(
            &admin,
            json!({"name": name, "event": "case-updated",
                   "conditions": {"all": [{"field": "priority", "op": "changed"}]},
                   "actions": [{"type": "set-priority", "priority": to}]}),
            true,
        )
        .await;
    }
    rule(
        &admin,
        json!({"name": "Kunde schreibt", "event": "message-received",
               "conditions": {"all": [{"field": "text", "op": "contains", "value": "kündigen"}]},
               "actions": [{"type": "add-tags", "tags": ["kündigung"]},
                           {"type": "set-status", "status": "open"}]}),
        true,
    )
    .await;
    let case = new_case(&anna, acme, "Tarif", "Welcher Tarif passt?").await;
    let id = case["id"].as_i64().unwrap();
    let (status, changed) = anna
        .patch(&format!("/api/v1/cases/{id}"), json!({"priority": "high"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    // "Hoch" sets urgent, "Runter" (same round, sees a change) sets low;
    // neither runs again.
    assert_eq!(changed["priority"], "low", "{changed}");
    let (_, runs) = anna.get(&format!("/api/v1/cases/{id}/rule-runs")).await;
    assert_eq!(runs["items"].as_array().unwrap().len(), 2, "{runs}");

    let (status, msg) = anna
        .post(
            &format!("/api/v1/cases/{id}/messages"),
            json!({"kind": "inbound", "body_text": "Ich möchte kündigen."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{msg}");
    let d = detail(&anna, id).await;
    assert!(
        d["case"]["tags"]
            .as_array()
            .unwrap()
            .contains(&json!("kündigung")),
        "{}",
        d["case"]
    );
    assert_eq!(d["case"]["status"], "open");
}

#[actix_web::test]
async fn versions_dry_run_validation_and_isolation() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(CA_ACME);
    let nord = ts.token_client(CA_NORD);
    let lead = ts.token_client(LEAD);
    let anna = ts.token_client(ANNA);
    let acme = project(&ts, "ACME").await;

    let body = |name: &str, priority: &str| {
        json!({"name": name, "event": "case-updated",
               "conditions": {"all": [{"field": "subject", "op": "contains", "value": "Zähler"}]},
               "actions": [{"type": "set-priority", "priority": priority},
                           {"type": "add-tags", "tags": ["zähler"]}]})
    };
    let r = rule(&admin, body("Zählerfragen", "high"), false).await;
    let id = r["id"].as_i64().unwrap();
    assert_eq!(r["version"], 1);
    let (status, r2) = admin
        .put(
            &format!("/api/v1/rules/{id}"),
            body("Zählerfragen dringend", "urgent"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r2}");
    assert_eq!(r2["version"], 2);
    // Saved on version 1 while 2 exists: refused.
    let mut stale = body("Alt", "low");
    stale["expected_version"] = json!(1);
    let (status, problem) = admin.put(&format!("/api/v1/rules/{id}"), stale).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "rule-version-conflict");
    let (status, r3) = admin
        .post(&format!("/api/v1/rules/{id}/versions/1/restore"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{r3}");
    assert_eq!(r3["version"], 3);
    assert_eq!(r3["name"], "Zählerfragen");
    let (_, versions) = admin.get(&format!("/api/v1/rules/{id}/versions")).await;
    assert_eq!(versions["items"].as_array().unwrap().len(), 3);
    // Who saved each version, by name (the versions list shows it).
    let (_, me) = admin.get("/api/v1/me").await;
    for v in versions["items"].as_array().unwrap() {
        assert_eq!(v["created_by_name"], me["user"]["name"], "{v}");
    }

    // Dry run of the inactive rule on a case: the would-be changes, and the
    // case unchanged.
    let case = new_case(
        &anna,
        acme,
        "Zählerstand melden",
        "Mein Zählerstand ist 12345.",
    )
    .await;
    let case_id = case["id"].as_i64().unwrap();
    let before = detail(&anna, case_id).await;
    let (status, dry) = admin
        .post(
            "/api/v1/rules/dry-run",
            json!({"case_id": case_id, "rule_id": id}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{dry}");
    let runs = dry["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "{dry}");
    assert_eq!(runs[0]["rule_name"], "Zählerfragen");
    let changes: Vec<(&str, &str)> = runs[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["field"].as_str().unwrap(), c["new"].as_str().unwrap()))
        .collect();
    assert_eq!(changes, [("priority", "high"), ("tags", "zähler")]);
    let after = detail(&anna, case_id).await;
    assert_eq!(after["case"]["version"], before["case"]["version"]);
    assert_eq!(after["case"]["priority"], "normal");
    assert_eq!(after["history"], before["history"]);
    let (_, runs) = anna
        .get(&format!("/api/v1/cases/{case_id}/rule-runs"))
        .await;
    assert!(runs["items"].as_array().unwrap().is_empty(), "{runs}");

    // Validation with stable codes and the field named.
    for (bad, why) in [
        (
            json!({"field": "text", "op": "matches", "value": "(kaputt"}),
            "pattern",
        ),
        (
            json!({"field": "text", "op": "matches", "value": "\\w{2000}\\w{2000}"}),
            "pattern",
        ),
        (
            json!({"field": "passwort", "op": "is", "value": "x"}),
            "unknown field",
        ),
        (
            json!({"field": "status", "op": "in", "value": "open"}),
            "list",
        ),
    ] {
        let (status, problem) = admin
            .post(
                "/api/v1/rules",
                json!({"name": "Falsch", "event": "case-created", "conditions": {"all": [bad]},
                       "actions": [{"type": "add-tags", "tags": ["x"]}]}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(problem["code"], "validation");
        assert!(problem.to_string().contains(why), "{problem}");
    }
    let (status, problem) = admin
        .post(
            "/api/v1/rules",
            json!({"name": "Ohne Aktion", "event": "case-created", "actions": []}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    // Another client's project is refused like a missing one.
    let nord_project = project(&ts, "NORD").await;
    let (status, problem) = admin
        .post(
            "/api/v1/rules",
            json!({"name": "Fremd", "event": "case-created", "project_ids": [nord_project],
                   "actions": [{"type": "add-tags", "tags": ["x"]}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");

    // Another client's admin: 404 for the rule, its versions, a dry run on
    // the case; its list does not show it.
    for path in [
        format!("/api/v1/rules/{id}"),
        format!("/api/v1/rules/{id}/versions"),
    ] {
        let (status, _) = nord.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = nord
        .post("/api/v1/rules/dry-run", json!({"case_id": case_id}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = nord.get("/api/v1/rules").await;
    assert!(
        !list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == id),
        "{list}"
    );
    // The project lead reads, does not write; the agent neither.
    let (status, _) = lead.get(&format!("/api/v1/rules/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = lead
        .post(&format!("/api/v1/rules/{id}/activate"), json!({}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = anna.get(&format!("/api/v1/rules/{id}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Reorder: every rule of the client once.
    let (_, list) = admin.get("/api/v1/rules").await;
    let mut ids: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    ids.reverse();
    let (status, reordered) = admin
        .put("/api/v1/rules/order", json!({"rule_ids": ids}))
        .await;
    assert_eq!(status, StatusCode::OK, "{reordered}");
    let got: Vec<i64> = reordered["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, ids);
    let (status, _) = admin
        .put("/api/v1/rules/order", json!({"rule_ids": [id, id]}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[actix_web::test]
async fn an_sla_warning_fires_its_rules() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    let gas = project(&ts, "ACMEGAS").await;
    let hours: Vec<Value> = (0..7)
        .map(|d| json!({"weekday": d, "start": "00:00", "end": "24:00"}))
        .collect();
    let (status, cal) = admin
        .post(
            "/api/v1/calendars",
            json!({"name": "Immer offen", "state": "NW", "hours": hours}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{cal}");
    // One minute: 80 % of it is zero whole minutes, the warning comes with
    // the job's next run (every ten seconds).
    let (status, p) = admin
        .post(
            "/api/v1/sla-policies",
            json!({"project_id": gas, "name": "Eine Minute", "calendar_id": cal["id"],
                   "first_response_minutes": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    rule(
        &admin,
        json!({"name": "SLA-Warnung eskalieren", "event": "sla-warning",
               "actions": [{"type": "set-priority", "priority": "urgent"},
                           {"type": "add-tags", "tags": ["sla-warnung"]}]}),
        true,
    )
    .await;
    let case = new_case(&anna, gas, "Gasgeruch", "Es riecht nach Gas im Keller.").await;
    let id = case["id"].as_i64().unwrap();
    assert_eq!(case["priority"], "normal");
    let mut seen = Value::Null;
    for _ in 0..60 {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        seen = detail(&anna, id).await;
        if seen["case"]["priority"] == "urgent" {
            break;
        }
    }
    assert_eq!(seen["case"]["priority"], "urgent", "{}", seen["case"]);
    assert!(
        seen["case"]["tags"]
            .as_array()
            .unwrap()
            .contains(&json!("sla-warnung")),
        "{}",
        seen["case"]
    );
    assert_eq!(by_rule(&seen, "SLA-Warnung eskalieren").len(), 2);
    let (_, runs) = anna.get(&format!("/api/v1/cases/{id}/rule-runs")).await;
    assert_eq!(runs["items"][0]["event"], "sla-warning", "{runs}");
}
