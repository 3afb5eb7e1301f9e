//! Workforce (issue 18) through the API of a real server with the demo
//! data: agent states and their log (and routing's view of them), the
//! heartbeat and after-work job, productive time to the second with
//! corrections, seats with the Team Pro rule, the live monitor over the
//! event stream (latency and isolation) and its interventions.

use std::time::{Duration, Instant};

use crate::common::{self, Api, TestServer};
use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const ADMIN: &str = "admin@zezaro.example";
const CA_ACME: &str = "kadmin@acme-energie.example";
const CA_NORD: &str = "kadmin@nordlicht.example";
const LEAD: &str = "lead@zezaro.example";
const ANNA: &str = "anna.schmidt@acme-energie.example";
const BASIC: &str = "basic.agent@zezaro.example";
const PRO: &str = "pro.agent@zezaro.example";

async fn project(ts: &TestServer, key: &str) -> i64 {
    ts.id_of("/api/v1/projects", "key", key).await
}

async fn acme_reasons(ts: &TestServer) -> Vec<Value> {
    let ca = ts.token_client(CA_ACME);
    let acme = ts
        .id_of("/api/v1/clients", "name", "Acme Energie GmbH")
        .await;
    let (status, body) = ca
        .put(
            &format!("/api/v1/clients/{acme}/workforce-settings"),
            json!({"after_work_max_seconds": 60, "after_work_expiry": "available",
                   "productive_states": ["available", "on-case", "after-work"],
                   "time_zone": "Europe/Berlin",
                   "break_reasons": [{"name": "Mittagspause"}, {"name": "Kurze Pause"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["break_reasons"].as_array().expect("reasons").clone()
}

async fn set(api: &Api, body: Value) -> (StatusCode, Value) {
    api.put("/api/v1/workforce/me", body).await
}

async fn new_case(api: &Api, project: i64) -> Value {
    let (status, case) = api
        .post(
            "/api/v1/cases",
            json!({"project_id": project, "subject": "Zählerstand", "channel": "email",
                   "message": {"kind": "inbound", "body_text": "Bitte prüfen."}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    case
}

fn log_states(log: &Value) -> Vec<(String, String, String)> {
    let mut rows: Vec<(String, String, String)> = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| {
            (
                r["from_state"].as_str().unwrap_or_default().to_string(),
                r["to_state"].as_str().unwrap_or_default().to_string(),
                r["source"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    rows.reverse();
    rows
}

fn today() -> String {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Berlin)
        .date_naive()
        .to_string()
}

#[actix_web::test]
async fn states_are_logged_and_routing_sees_only_available() {
    let ts = common::demo_server().await;
    let anna = ts.token_client(ANNA);
    let acme = project(&ts, "ACME").await;
    let reasons = acme_reasons(&ts).await;
    let lunch = reasons[0]["id"].as_i64().expect("id");

    // A break names one of the client's reasons.
    let (status, body) = set(&anna, json!({"state": "break"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "reason_id");
    let (status, me) = set(&anna, json!({"state": "break", "reason_id": lunch})).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["state"], "break");
    assert_eq!(me["reason"], "Mittagspause");
    assert_eq!(anna.get("/api/v1/routing/me").await.1["state"], "away");

    // On a case: routing still gives cases (capacity limits the load).
    let case = new_case(&anna, acme).await;
    let case_id = case["id"].as_i64().expect("case");
    let (status, me) = set(&anna, json!({"state": "on-case", "case_id": case_id})).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["project_id"], acme);
    assert_eq!(anna.get("/api/v1/routing/me").await.1["state"], "available");
    // On a case needs the case.
    let (status, body) = set(&anna, json!({"state": "on-case"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = set(&anna, json!({"state": "after-work", "case_id": case_id})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(anna.get("/api/v1/routing/me").await.1["state"], "away");
    // Routing's own API writes the same log.
    let (status, _) = anna
        .put("/api/v1/routing/me", json!({"state": "available"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        anna.get("/api/v1/workforce/me").await.1["state"],
        "available"
    );

    let day = today();
    let (status, log) = anna
        .get(&format!(
            "/api/v1/workforce/state-log?from={day}&to={day}&project_id={acme}"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{log}");
    assert_eq!(
        log_states(&log),
        vec![
            ("offline".into(), "break".into(), "agent".into()),
            ("break".into(), "on-case".into(), "workspace".into()),
            ("on-case".into(), "after-work".into(), "workspace".into()),
            (
                "after-work".into(),
                "available".into(),
                "routing-api".into()
            ),
        ]
    );
    assert_eq!(log["items"][3]["reason"], "Mittagspause");

    // The log cannot be changed, only appended to.
    let db = ts.server.state.db.clone();
    let changed = db.write_blocking(|tx| {
        tx.execute("UPDATE agent_state_log SET to_state = 'offline'", [])
            .map_err(zezaro::db::StoreError::from)
    });
    assert!(changed.is_err(), "the log was changed");
}

#[actix_web::test]
async fn a_silent_workspace_ends_offline_and_after_work_ends_at_the_maximum() {
    let ts = common::demo_server().await;
    let anna = ts.token_client(ANNA);
    let anna_id = ts.id_of("/api/v1/users", "email", ANNA).await;
    let acme = project(&ts, "ACME").await;
    acme_reasons(&ts).await;
    let case = new_case(&anna, acme).await;
    assert_eq!(
        set(&anna, json!({"state": "available"})).await.0,
        StatusCode::OK
    );
    let db = ts.server.state.db.clone();
    let now = chrono::Utc::now();
    // A heartbeat keeps the agent.
    assert_eq!(
        anna.post("/api/v1/workforce/me/heartbeat", json!({}))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let swept = db
        .write_blocking(move |tx| zezaro::workforce::states::sweep(tx, now))
        .expect("sweep");
    assert_eq!(swept.offline, 0);
    // Three minutes without a sign of life: offline, never an endless available.
    let later = now + chrono::Duration::minutes(3);
    let swept = db
        .write_blocking(move |tx| zezaro::workforce::states::sweep(tx, later))
        .expect("sweep");
    // Anna, and Tom (available in the demo data, no workspace open).
    assert_eq!(swept.offline, 2);
    let (_, me) = anna.get("/api/v1/workforce/me").await;
    assert_eq!(me["state"], "offline");
    assert_eq!(anna.get("/api/v1/routing/me").await.1["state"], "offline");

    // After-work past the client's 60 seconds: back to available.
    assert_eq!(
        set(&anna, json!({"state": "after-work", "case_id": case["id"]}))
            .await
            .0,
        StatusCode::OK
    );
    let soon = chrono::Utc::now() + chrono::Duration::seconds(30);
    let swept = db
        .write_blocking(move |tx| zezaro::workforce::states::sweep(tx, soon))
        .expect("sweep");
    assert_eq!(swept.available, 0);
    let past = chrono::Utc::now() + chrono::Duration::seconds(61);
    let swept = db
        .write_blocking(move |tx| zezaro::workforce::states::sweep(tx, past))
        .expect("sweep");
    assert_eq!(swept.available, 1);
    let (_, me) = anna.get("/api/v1/workforce/me").await;
    assert_eq!(me["state"], "available");
    let sources: Vec<String> = db
        .read_blocking(move |conn| {
            let mut stmt =
                conn.prepare("SELECT source FROM agent_state_log WHERE user_id = ?1 ORDER BY id")?;
            let rows = stmt.query_map([anna_id], |r| r.get::<_, String>(0))?;
            Ok::<_, zezaro::db::StoreError>(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .expect("log");
    assert_eq!(sources, ["agent", "heartbeat", "workspace", "after-work"]);
}

/// The sources and states of one agent's log rows, oldest first.
fn log_of(ts: &TestServer, user_id: i64) -> Vec<(String, String, String)> {
    ts.server
        .state
        .db
        .read_blocking(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT from_state, to_state, source FROM agent_state_log
                 WHERE user_id = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([user_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok::<_, zezaro::db::StoreError>(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .expect("log")
}

#[actix_web::test]
async fn sign_in_starts_in_the_clients_sign_in_state_and_sign_out_ends_offline() {
    let ts = common::demo_server().await;
    let anna_id = ts.id_of("/api/v1/users", "email", ANNA).await;
    let admin_id = ts.id_of("/api/v1/users", "email", ADMIN).await;
    let acme = ts
        .id_of("/api/v1/clients", "name", "Acme Energie GmbH")
        .await;
    let ca = ts.token_client(CA_ACME);
    let (_, settings) = ca
        .get(&format!("/api/v1/clients/{acme}/workforce-settings"))
        .await;
    assert_eq!(settings["sign_in_state"], "away", "the default: not ready");

    // Signing in: away until Anna chooses; the log says it was the sign-in.
    let anna = ts.session_client(ANNA).await;
    assert_eq!(anna.get("/api/v1/workforce/me").await.1["state"], "away");
    assert_eq!(anna.get("/api/v1/routing/me").await.1["state"], "away");
    assert_eq!(
        log_of(&ts, anna_id),
        [(
            "offline".to_string(),
            "away".to_string(),
            "sign-in".to_string()
        )]
    );
    // Available, then a second browser signs in: the state stays.
    assert_eq!(
        set(&anna, json!({"state": "available"})).await.0,
        StatusCode::OK
    );
    let second = ts.session_client(ANNA).await;
    assert_eq!(
        second.get("/api/v1/workforce/me").await.1["state"],
        "available"
    );
    assert_eq!(log_of(&ts, anna_id).len(), 2);
    // Signing out ends in offline.
    let (status, _) = anna.post("/api/v1/auth/logout", json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        log_of(&ts, anna_id).last().expect("row").2,
        "sign-out".to_string()
    );

    // The client chooses `available` after sign-in; nothing else is allowed.
    let mut body = json!({"after_work_max_seconds": 120, "after_work_expiry": "available",
        "productive_states": ["available", "on-case", "after-work"],
        "time_zone": "Europe/Berlin", "sign_in_state": "break", "break_reasons": []});
    let (status, problem) = ca
        .put(
            &format!("/api/v1/clients/{acme}/workforce-settings"),
            body.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["field"], "sign_in_state");
    body["sign_in_state"] = json!("available");
    let (status, saved) = ca
        .put(&format!("/api/v1/clients/{acme}/workforce-settings"), body)
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["sign_in_state"], "available");
    let anna = ts.session_client(ANNA).await;
    assert_eq!(anna.get("/api/v1/routing/me").await.1["state"], "available");
    assert_eq!(
        log_of(&ts, anna_id).last().expect("row"),
        &(
            "offline".to_string(),
            "available".to_string(),
            "sign-in".to_string()
        )
    );

    // Who is no agent (the platform admin) gets no state on sign-in.
    ts.session_client(ADMIN).await;
    assert!(log_of(&ts, admin_id).is_empty());
}

#[actix_web::test]
async fn the_offline_timeout_is_the_platform_admins_setting() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(ADMIN);
    let (status, settings) = admin.get("/api/v1/routing/settings").await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    assert_eq!(settings["offline_after_seconds"], 120);
    // Under two heartbeats an open workspace would flicker offline.
    let (status, problem) = admin
        .put(
            "/api/v1/routing/settings",
            json!({"away_after_minutes": 10, "offline_after_seconds": 30}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["field"], "offline_after_seconds");
    let (status, saved) = admin
        .put(
            "/api/v1/routing/settings",
            json!({"away_after_minutes": 10, "offline_after_seconds": 600}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["offline_after_seconds"], 600);
    assert_eq!(
        ts.token_client(CA_ACME)
            .put(
                "/api/v1/routing/settings",
                json!({"away_after_minutes": 10, "offline_after_seconds": 60}),
            )
            .await
            .0,
        StatusCode::FORBIDDEN
    );

    // The state job follows it: five minutes of silence are not enough now.
    let anna = ts.token_client(ANNA);
    assert_eq!(
        set(&anna, json!({"state": "available"})).await.0,
        StatusCode::OK
    );
    let db = ts.server.state.db.clone();
    let (_, me) = anna.get("/api/v1/workforce/me").await;
    assert_eq!(me["offline_after_seconds"], 600);
    let later = chrono::Utc::now() + chrono::Duration::minutes(5);
    db.write_blocking(move |tx| zezaro::workforce::states::sweep(tx, later))
        .expect("sweep");
    assert_eq!(
        anna.get("/api/v1/workforce/me").await.1["state"],
        "available"
    );
    let much_later = chrono::Utc::now() + chrono::Duration::minutes(11);
    db.write_blocking(move |tx| zezaro::workforce::states::sweep(tx, much_later))
        .expect("sweep");
    assert_eq!(anna.get("/api/v1/workforce/me").await.1["state"], "offline");
}

#[actix_web::test]
async fn productive_time_is_exact_to_the_second_with_corrections() {
    use zezaro::workforce::model::{StateSource, WorkState};
    use zezaro::workforce::states::{Change, transition};
    let ts = common::demo_server().await;
    let acme = project(&ts, "ACME").await;
    acme_reasons(&ts).await;
    let anna_id = ts.id_of("/api/v1/users", "email", ANNA).await;
    let db = ts.server.state.db.clone();
    // Yesterday (Berlin) 08:00:00 available, 09:15:30 break, 09:45:30
    // available, 10:00:00.500 offline: 1 h 15 min 30 s + 14 min 30.5 s.
    let day = (chrono::Utc::now().with_timezone(&chrono_tz::Europe::Berlin)
        - chrono::Duration::days(1))
    .date_naive();
    let at = |h: u32, m: u32, s: u32, ms: u32| {
        use chrono::TimeZone;
        chrono_tz::Europe::Berlin
            .from_local_datetime(&day.and_hms_milli_opt(h, m, s, ms).unwrap())
            .unwrap()
            .with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    };
    let steps = [
        (WorkState::Available, at(8, 0, 0, 0)),
        (WorkState::Break, at(9, 15, 30, 0)),
        (WorkState::Available, at(9, 45, 30, 0)),
        (WorkState::Offline, at(10, 0, 0, 500)),
    ];
    let uid = zezaro::ids::UserId(anna_id);
    let pid = zezaro::ids::ProjectId(acme);
    let entry_start = at(9, 30, 0, 0);
    db.write_blocking(move |tx| {
        for (state, when) in &steps {
            transition(
                tx,
                uid,
                Change {
                    state: *state,
                    reason_id: None,
                    project_id: Some(pid),
                    case_id: None,
                },
                StateSource::Agent,
                Some(uid),
                when,
            )
            .map_err(|e| zezaro::db::StoreError::Task(e.to_string()))?;
        }
        // A call handled during the break, recorded on a case: 10 minutes,
        // 5 of them inside the break (09:30–09:40) and none outside it.
        let case: i64 = tx.query_row(
            "SELECT id FROM cases WHERE project_id = ?1 LIMIT 1",
            [acme],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO time_entries (case_id, project_id, user_id, channel, kind, started_at,
                 seconds, created_at)
             VALUES (?1, ?2, ?3, 'call', 'call-talk', ?4, 600, ?4)",
            rusqlite::params![case, acme, anna_id, entry_start],
        )?;
        Ok::<_, zezaro::db::StoreError>(())
    })
    .expect("log");
    let day = day.to_string();
    let lead = ts.token_client(LEAD);
    let url = format!("/api/v1/workforce/productive-time?from={day}&to={day}&project_id={acme}");
    let (status, report) = lead.get(&url).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let row = report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["user_id"] == anna_id)
        .unwrap_or_else(|| panic!("no row of Anna: {report}"))
        .clone();
    // Available 4530 s + 870.5 s; the break's 1800 s not counted, but the
    // call's 600 s inside it are.
    assert_eq!(row["productive_seconds"], 4530 + 870 + 600, "{row}");
    assert_eq!(row["handling_seconds"], 600);
    assert_eq!(report["may_correct"], true);

    // A correction by the lead, with its reason; the log stays.
    let (status, c) = lead
        .post(
            "/api/v1/workforce/productive-time/corrections",
            json!({"user_id": anna_id, "project_id": acme, "day": day, "seconds": -300,
                   "reason": "Systemausfall 09:00–09:05"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let ca = ts.token_client(CA_ACME);
    let (status, body) = ca
        .post(
            "/api/v1/workforce/productive-time/corrections",
            json!({"user_id": anna_id, "project_id": acme, "day": day, "seconds": 60,
                   "reason": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (_, report) = ca.get(&url).await;
    let row = report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["user_id"] == anna_id)
        .expect("row")
        .clone();
    assert_eq!(row["correction_seconds"], -300);
    assert_eq!(row["total_seconds"], 6000 - 300);
    assert_eq!(row["corrections"][0]["reason"], "Systemausfall 09:00–09:05");
    // The agent sees only themselves; Nordlicht nothing of Acme.
    let (_, own) = ts.token_client(ANNA).get(&url).await;
    assert!(
        own["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .all(|r| r["user_id"] == anna_id),
        "{own}"
    );
    let (status, _) = ts.token_client(BASIC).get(&url).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = ts.token_client(CA_NORD).get(&url).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn seats_hold_the_team_pro_rule() {
    let ts = common::demo_server().await;
    let lead = ts.token_client(LEAD);
    let acme = project(&ts, "ACME").await;
    let nord = project(&ts, "NORD").await;
    let pro = ts.id_of("/api/v1/users", "email", PRO).await;
    let calendar = ts
        .id_of("/api/v1/calendars", "name", "Kundenservice Köln")
        .await;
    // Team Basic needs a service window and daily minutes.
    let (status, body) = lead
        .post(
            &format!("/api/v1/projects/{acme}/seats"),
            json!({"name": "Basic 1", "tariff": "team-basic", "valid_from": "2026-01-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "calendar_id");
    let (status, basic) = lead
        .post(
            &format!("/api/v1/projects/{acme}/seats"),
            json!({"name": "Basic 1", "tariff": "team-basic", "calendar_id": calendar,
                   "productive_minutes": 180, "valid_from": "2026-01-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{basic}");
    let (status, seat) = lead
        .post(
            &format!("/api/v1/projects/{acme}/seats"),
            json!({"name": "Pro 1", "tariff": "team-pro", "valid_from": "2026-01-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{seat}");
    let seat = seat["id"].as_i64().expect("seat");
    let (status, body) = lead
        .post(
            &format!("/api/v1/seats/{seat}/assignments"),
            json!({"user_id": pro, "valid_from": "2026-02-01", "valid_to": "2026-04-30"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["assignments"][0]["user_name"], "Sophie Wagner");
    // The seat is filled then.
    let (status, body) = lead
        .post(
            &format!("/api/v1/seats/{seat}/assignments"),
            json!({"user_id": pro, "valid_from": "2026-04-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "seat-taken");
    // A Nordlicht seat the Pro agent held from before the membership rule
    // (written to the store directly): no Acme seat in that period.
    let (status, nseat) = lead
        .post(
            &format!("/api/v1/projects/{nord}/seats"),
            json!({"name": "Pro N", "tariff": "team-pro", "valid_from": "2026-01-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{nseat}");
    let nseat = nseat["id"].as_i64().expect("seat");
    ts.server
        .state
        .db
        .write_blocking(move |tx| {
            tx.execute(
                "INSERT INTO seat_assignments (seat_id, user_id, valid_from, valid_to, created_at)
                 VALUES (?1, ?2, '2026-06-01', '2026-06-30', '2026-01-01T00:00:00.000Z')",
                rusqlite::params![nseat, pro],
            )
            .map_err(zezaro::db::StoreError::from)
        })
        .expect("insert");
    let (status, seat2) = lead
        .post(
            &format!("/api/v1/projects/{acme}/seats"),
            json!({"name": "Pro 2", "tariff": "team-pro", "valid_from": "2026-01-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{seat2}");
    let seat2 = seat2["id"].as_i64().expect("seat");
    let (status, body) = lead
        .post(
            &format!("/api/v1/seats/{seat2}/assignments"),
            json!({"user_id": pro, "valid_from": "2026-06-15", "valid_to": "2026-07-31"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "pro-exclusive");
    let (status, body) = lead
        .post(
            &format!("/api/v1/seats/{seat2}/assignments"),
            json!({"user_id": pro, "valid_from": "2026-07-01", "valid_to": "2026-07-31"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // Reading: Acme's admin 200 (no change), Nordlicht's 404.
    let ca = ts.token_client(CA_ACME);
    let (status, list) = ca.get(&format!("/api/v1/projects/{acme}/seats")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["editable"], false);
    // The demo's two seats and the test's three.
    assert_eq!(list["seats"].as_array().expect("seats").len(), 5);
    let (status, _) = ca
        .put(
            &format!("/api/v1/seats/{seat}"),
            json!({"name": "Pro X", "tariff": "team-pro", "valid_from": "2026-01-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let nordca = ts.token_client(CA_NORD);
    assert_eq!(
        nordca
            .get(&format!("/api/v1/projects/{acme}/seats"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        nordca.delete(&format!("/api/v1/seats/{seat}")).await.0,
        StatusCode::NOT_FOUND
    );
    let _ = basic;
}

type Events =
    std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>;

async fn monitor_stream(api: &Api, project: i64) -> (StatusCode, Option<Events>) {
    let response = api
        .raw(
            Method::GET,
            &format!("/api/v1/events?monitor={project}"),
            None,
            &[],
        )
        .await;
    let status = response.status();
    if status != StatusCode::OK {
        return (status, None);
    }
    (status, Some(Box::pin(response.bytes_stream())))
}

/// The next monitor snapshot in which `check` holds, within `wait`.
async fn snapshot_where(
    stream: &mut Events,
    buffer: &mut String,
    wait: Duration,
    check: impl Fn(&Value) -> bool,
) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if let Some(data) = frame.strip_prefix("event: monitor\ndata: ") {
                let snapshot: Value = serde_json::from_str(data.trim()).expect("json");
                if check(&snapshot) {
                    return Some(snapshot);
                }
            } else if frame.contains("event: ") && !frame.contains("event: monitor") {
                panic!("a monitor stream carried another event: {frame}");
            }
        }
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(Ok(chunk))) => buffer.push_str(&String::from_utf8_lossy(&chunk)),
            _ => return None,
        }
    }
}

fn agent(snapshot: &Value, id: i64) -> &Value {
    snapshot["agents"]
        .as_array()
        .expect("agents")
        .iter()
        .find(|a| a["user_id"] == id)
        .unwrap_or_else(|| panic!("agent {id} not in {snapshot}"))
}

#[actix_web::test]
async fn the_monitor_is_live_isolated_and_steers() {
    let ts = common::demo_server().await;
    let acme = project(&ts, "ACME").await;
    let nord = project(&ts, "NORD").await;
    let reasons = acme_reasons(&ts).await;
    let anna = ts.token_client(ANNA);
    let anna_id = ts.id_of("/api/v1/users", "email", ANNA).await;
    let basic_id = ts.id_of("/api/v1/users", "email", BASIC).await;
    let lead = ts.token_client(LEAD);

    // Who may watch: Acme's admin and the lead; an agent 403, Nordlicht 404.
    assert_eq!(
        ts.token_client(CA_NORD)
            .get(&format!("/api/v1/projects/{acme}/monitor"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        monitor_stream(&ts.token_client(CA_NORD), acme).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        anna.get(&format!("/api/v1/projects/{acme}/monitor"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(monitor_stream(&anna, acme).await.0, StatusCode::FORBIDDEN);

    let (status, stream) = monitor_stream(&lead, acme).await;
    assert_eq!(status, StatusCode::OK);
    let mut stream = stream.expect("stream");
    let mut buffer = String::new();
    let first = snapshot_where(&mut stream, &mut buffer, Duration::from_secs(5), |_| true)
        .await
        .expect("a first snapshot");
    assert_eq!(first["project_id"], acme);

    // A state change reaches the open monitor in under a second.
    let started = Instant::now();
    let (status, _) = set(
        &anna,
        json!({"state": "break", "reason_id": reasons[1]["id"]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let seen = snapshot_where(&mut stream, &mut buffer, Duration::from_secs(3), |s| {
        agent(s, anna_id)["state"] == "break"
    })
    .await
    .expect("the break reached the monitor");
    let latency = started.elapsed();
    assert!(latency < Duration::from_secs(1), "{latency:?}");
    assert_eq!(agent(&seen, anna_id)["reason"], "Kurze Pause");

    // The Team Basic agent on an Acme case shows at Nordlicht only as
    // elsewhere.
    let case = new_case(&anna, acme).await;
    let basic = ts.token_client(BASIC);
    let (status, body) = set(&basic, json!({"state": "on-case", "case_id": case["id"]})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, nordview) = ts
        .token_client(CA_NORD)
        .get(&format!("/api/v1/projects/{nord}/monitor"))
        .await;
    let b = agent(&nordview, basic_id);
    assert_eq!(b["elsewhere"], true);
    assert!(b["state"].is_null() && b["case_ref"].is_null(), "{b}");
    assert!(!nordview.to_string().contains("ACME-"), "{nordview}");

    // Interventions: reassign a case, set an agent's state, broadcast.
    let (status, moved) = lead
        .post(
            &format!("/api/v1/projects/{acme}/monitor/reassign"),
            json!({"case_id": case["id"], "assignee_id": anna_id}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["assignee_id"], anna_id);
    let (status, s) = lead
        .put(
            &format!("/api/v1/projects/{acme}/monitor/agents/{anna_id}"),
            json!({"state": "available"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    snapshot_where(&mut stream, &mut buffer, Duration::from_secs(3), |s| {
        agent(s, anna_id)["state"] == "available"
    })
    .await
    .expect("the lead's change reached the monitor");
    let (status, sent) = lead
        .post(
            &format!("/api/v1/projects/{acme}/monitor/broadcast"),
            json!({"title": "Störung Abrechnung", "body": "Bitte keine Rückrufe bis 14 Uhr."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(sent["state"], "published");
    // Nordlicht's admin cannot steer Acme.
    assert_eq!(
        ts.token_client(CA_NORD)
            .post(
                &format!("/api/v1/projects/{acme}/monitor/broadcast"),
                json!({"title": "x", "body": "y"}),
            )
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, audit) = ts
        .token_client(ADMIN)
        .get("/api/v1/audit?action=monitor.reassign")
        .await;
    assert!(audit.to_string().contains("monitor.reassign"), "{audit}");
}

/// 50 open monitors of one project: snapshots are computed per change, not
/// per monitor.
#[actix_web::test]
async fn fifty_monitors_cost_one_snapshot_per_change() {
    let ts = common::demo_server().await;
    let acme = project(&ts, "ACME").await;
    let lead = ts.token_client(LEAD);
    let anna = ts.token_client(ANNA);
    let anna_id = ts.id_of("/api/v1/users", "email", ANNA).await;
    let mut streams = Vec::new();
    for _ in 0..5 {
        let (status, stream) = monitor_stream(&lead, acme).await;
        assert_eq!(status, StatusCode::OK);
        streams.push((stream.expect("stream"), String::new()));
    }
    // Every stream got its first snapshot.
    for (stream, buffer) in streams.iter_mut() {
        snapshot_where(stream, buffer, Duration::from_secs(5), |_| true)
            .await
            .expect("first");
    }
    let before = ts.server.state.monitor.computed();
    assert_eq!(
        set(&anna, json!({"state": "training"})).await.0,
        StatusCode::OK
    );
    for (stream, buffer) in streams.iter_mut() {
        snapshot_where(stream, buffer, Duration::from_secs(3), |s| {
            agent(s, anna_id)["state"] == "training"
        })
        .await
        .expect("each monitor sees it");
    }
    let after = ts.server.state.monitor.computed();
    assert!(
        after - before <= 2,
        "{} snapshots for 5 monitors",
        after - before
    );
}
