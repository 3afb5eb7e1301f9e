//! Business calendars and SLAs (issue 15) through the API of a real server
//! with the demo data: calendars and policies, the clocks of a case
//! (start, pause while pending on the customer, achievement by a reply,
//! next response), the breach marked by the job with its live event, the
//! recompute after a calendar change, validation and isolation.

use std::time::Duration;

use crate::common::{self, Api, TestServer};
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};

const ADMIN: &str = "admin@zezaro.example";
const CA_ACME: &str = "kadmin@acme-energie.example";
const CA_NORD: &str = "kadmin@nordlicht.example";
const LEAD: &str = "lead@zezaro.example";
const ANNA: &str = "anna.schmidt@acme-energie.example";

async fn project(ts: &TestServer, key: &str) -> i64 {
    ts.id_of("/api/v1/projects", "key", key).await
}

fn all_week() -> Value {
    json!(
        (0..7)
            .map(|d| json!({"weekday": d, "start": "00:00", "end": "24:00"}))
            .collect::<Vec<_>>()
    )
}

async fn calendar(api: &Api, name: &str, hours: Value) -> i64 {
    let (status, cal) = api
        .post(
            "/api/v1/calendars",
            json!({"name": name, "time_zone": "Europe/Berlin", "state": "NW", "hours": hours}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{cal}");
    cal["id"].as_i64().unwrap()
}

async fn policy(api: &Api, body: Value) -> Value {
    let (status, p) = api.post("/api/v1/sla-policies", body).await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    p
}

async fn new_case(api: &Api, project_id: i64, channel: &str) -> Value {
    let (status, case) = api
        .post(
            "/api/v1/cases",
            json!({"project_id": project_id, "subject": "Abschlag zu hoch", "channel": channel,
                   "priority": "urgent",
                   "message": {"kind": "inbound", "body_text": "Bitte prüfen Sie meinen Abschlag."}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    case
}

async fn sla(api: &Api, case_id: i64) -> Value {
    let (status, body) = api.get(&format!("/api/v1/cases/{case_id}/sla")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn clock<'a>(sla: &'a Value, target: &str, cycle: i64) -> &'a Value {
    sla["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["target"] == target && c["cycle"] == cycle)
        .unwrap_or_else(|| panic!("no {target} clock {cycle} in {sla}"))
}

fn instant(v: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("no time: {v}")))
        .unwrap()
        .with_timezone(&chrono::Utc)
}

#[actix_web::test]
async fn clocks_start_pause_and_are_achieved() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    let acme = project(&ts, "ACMEGAS").await;
    let cal = calendar(&admin, "Rund um die Uhr", all_week()).await;
    let p = policy(
        &admin,
        json!({"project_id": acme, "name": "Dringend schriftlich", "calendar_id": cal,
               "priorities": ["urgent"], "channels": ["email", "webform"],
               "first_response_minutes": 120, "next_response_minutes": 240,
               "resolution_minutes": 2880, "warn_percent": 75}),
    )
    .await;

    let case = new_case(&anna, acme, "email").await;
    let id = case["id"].as_i64().unwrap();
    let created = instant(&case["created_at"]);
    // Open around the clock: due two hours after creation, exactly.
    assert_eq!(
        instant(&case["sla_due_at"]),
        created + chrono::Duration::minutes(120)
    );
    assert_eq!(case["sla_target"], "first-response");
    let s = sla(&anna, id).await;
    assert_eq!(s["policy_id"], p["id"]);
    let first = clock(&s, "first-response", 1);
    assert_eq!(first["state"], "running");
    // 75 % of 120 minutes.
    assert_eq!(
        instant(&first["warn_at"]),
        created + chrono::Duration::minutes(90)
    );
    assert_eq!(
        instant(&clock(&s, "resolution", 1)["due_at"]),
        created + chrono::Duration::minutes(2880)
    );

    // A call has no SLA; a priority no policy names neither.
    let call = new_case(&anna, acme, "call").await;
    assert!(call["sla_due_at"].is_null(), "{call}");
    assert!(
        sla(&anna, call["id"].as_i64().unwrap()).await["clocks"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Pending on the customer: every clock stands still, no deadline shown.
    let (status, paused) = anna
        .patch(
            &format!("/api/v1/cases/{id}"),
            json!({"status": "pending-customer"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{paused}");
    assert!(paused["sla_due_at"].is_null(), "{paused}");
    let s = sla(&anna, id).await;
    assert_eq!(clock(&s, "first-response", 1)["state"], "paused");
    assert!(clock(&s, "first-response", 1).get("due_at").is_none());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (status, resumed) = anna
        .patch(&format!("/api/v1/cases/{id}"), json!({"status": "open"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{resumed}");
    let s = sla(&anna, id).await;
    let first = clock(&s, "first-response", 1);
    assert_eq!(first["state"], "running");
    // Whole paused minutes count (1.5 s is none): the deadline is back.
    assert_eq!(first["paused_minutes"], 0);
    assert_eq!(
        instant(&first["due_at"]),
        created + chrono::Duration::minutes(120)
    );

    // The agent's reply achieves the first response in time.
    let (status, replied) = anna
        .post(
            &format!("/api/v1/cases/{id}/messages"),
            json!({"kind": "outbound", "body_text": "Wir prüfen das."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{replied}");
    let s = sla(&anna, id).await;
    let first = clock(&s, "first-response", 1);
    assert_eq!(first["state"], "done");
    assert_eq!(first["result"], "achieved");
    assert!(first.get("achieved_at").is_some());
    // The resolution is what is due next now.
    assert_eq!(replied["case"]["sla_target"], "resolution", "{replied}");

    // The customer writes again: a next response is owed, cycle 1.
    let (status, _) = anna
        .post(
            &format!("/api/v1/cases/{id}/messages"),
            json!({"kind": "inbound", "body_text": "Noch eine Frage."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let s = sla(&anna, id).await;
    assert_eq!(clock(&s, "next-response", 1)["state"], "running");
    assert_eq!(clock(&s, "next-response", 1)["target_minutes"], 240);

    // Solved: resolution achieved, the owed reply cancelled.
    let (status, _) = anna
        .patch(&format!("/api/v1/cases/{id}"), json!({"status": "solved"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let s = sla(&anna, id).await;
    assert_eq!(clock(&s, "resolution", 1)["result"], "achieved");
    assert_eq!(clock(&s, "next-response", 1)["result"], "cancelled");
    assert!(s.get("next_due_at").is_none(), "{s}");
}

/// How many `case` frames of type `sla` for the case arrive within `wait`
/// (stops at `enough`); reconnects when the server ends a stream (60 s).
async fn sla_frames(api: &Api, wait: Duration, case_id: i64, enough: usize) -> usize {
    let mut seen = 0;
    let deadline = tokio::time::Instant::now() + wait;
    while tokio::time::Instant::now() < deadline {
        let response = api
            .raw(reqwest::Method::GET, "/api/v1/events", None, &[])
            .await;
        assert_eq!(response.status(), 200);
        let mut stream = Box::pin(response.bytes_stream());
        let mut buffer = String::new();
        while let Ok(Some(Ok(chunk))) = tokio::time::timeout_at(deadline, stream.next()).await {
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find("\n\n") {
                let frame: String = buffer.drain(..end + 2).collect();
                if let Some(data) = frame.strip_prefix("event: case\ndata: ").map(str::trim) {
                    let v: Value = serde_json::from_str(data).unwrap();
                    if v["type"] == "sla" && v["case_id"] == case_id {
                        seen += 1;
                        if seen >= enough {
                            return seen;
                        }
                    }
                }
            }
        }
    }
    seen
}

#[actix_web::test]
async fn a_passed_deadline_is_marked_breached_with_a_live_event() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    let acme = project(&ts, "ACMEGAS").await;
    let cal = calendar(&admin, "Immer offen", all_week()).await;
    policy(
        &admin,
        json!({"project_id": acme, "name": "Eine Minute", "calendar_id": cal,
               "first_response_minutes": 1}),
    )
    .await;
    let case = new_case(&anna, acme, "email").await;
    let id = case["id"].as_i64().unwrap();
    // The job runs every ten seconds: the warning (80 % of one minute is
    // zero whole minutes: at once), then the breach after the minute.
    let live = sla_frames(&anna, Duration::from_secs(85), id, 2).await;
    assert_eq!(live, 2, "the warning and the breach, live");
    let s = sla(&anna, id).await;
    let first = clock(&s, "first-response", 1);
    assert_eq!(first["result"], "breached", "{s}");
    assert_eq!(first["breached_at"], first["due_at"]);
    assert!(first.get("warned_at").is_some());
    // Still running: a late reply is still owed and the list shows it red.
    assert_eq!(first["state"], "running");
    let (_, history) = anna.get(&format!("/api/v1/cases/{id}")).await;
    assert!(history.to_string().contains("sla-breached"), "{history}");
    // A late reply ends it, breached.
    anna.post(
        &format!("/api/v1/cases/{id}/messages"),
        json!({"kind": "outbound", "body_text": "Entschuldigung für die Wartezeit."}),
    )
    .await;
    let s = sla(&anna, id).await;
    assert_eq!(clock(&s, "first-response", 1)["state"], "done");
    assert_eq!(clock(&s, "first-response", 1)["result"], "breached");
}

#[actix_web::test]
async fn a_calendar_change_recomputes_running_deadlines() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    let acme = project(&ts, "ACMEGAS").await;
    let cal = calendar(&admin, "Wechselnd", all_week()).await;
    policy(
        &admin,
        json!({"project_id": acme, "name": "Lösung", "calendar_id": cal, "resolution_minutes": 600}),
    )
    .await;
    let case = new_case(&anna, acme, "webform").await;
    let id = case["id"].as_i64().unwrap();
    let before = instant(&case["sla_due_at"]);
    // Closed every day but Sunday 10:00–11:00: 600 minutes take ten weeks.
    let (status, changed) = admin
        .put(
            &format!("/api/v1/calendars/{cal}"),
            json!({"name": "Wechselnd", "hours": [{"weekday": 6, "start": "10:00", "end": "11:00"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["version"], 2);
    // Recomputed in the background, after the answer.
    let after = moved_deadline(&anna, id, before).await;
    settled(&admin, cal).await;
    assert!(
        after - before > chrono::Duration::days(60),
        "{before} → {after}"
    );
    use chrono::{Datelike, Timelike};
    let local = after.with_timezone(&chrono_tz::Europe::Berlin);
    assert_eq!(local.weekday(), chrono::Weekday::Sun);
    // Made outside the open hour, the last of ten Sunday hours ends at
    // 11:00; made within it (a Sunday 10:xx), the clock ran from then, so
    // the tenth Sunday ends at the same minute past ten.
    let made = instant(&case["created_at"]).with_timezone(&chrono_tz::Europe::Berlin);
    if made.weekday() == chrono::Weekday::Sun && made.hour() == 10 {
        assert_eq!(local.hour(), 10, "{made} → {local}");
        assert!(
            (made.minute()..=made.minute() + 1).contains(&local.minute()),
            "{made} → {local}"
        );
    } else {
        assert_eq!((local.hour(), local.minute()), (11, 0), "{made} → {local}");
    }
}

/// The case's next deadline once it is no longer `before` (the background
/// recompute), within ten seconds.
async fn moved_deadline(
    api: &Api,
    id: i64,
    before: chrono::DateTime<chrono::Utc>,
) -> chrono::DateTime<chrono::Utc> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = api.get(&format!("/api/v1/cases/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let now = instant(&body["case"]["sla_due_at"]);
        if now != before {
            return now;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "deadline not recomputed: {now}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The calendar once its recompute is no longer pending (ten seconds at
/// most).
async fn settled(api: &Api, cal: i64) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = api.get(&format!("/api/v1/calendars/{cal}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if body["recompute_pending"] == false {
            return body;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still pending: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A calendar change committed with its "recompute pending" mark, the
/// server stopped before the recompute ran: the next start resumes it.
#[actix_web::test]
async fn a_pending_recompute_is_resumed_at_the_start() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    let acme = project(&ts, "ACMEGAS").await;
    let cal = calendar(&admin, "Neustart", all_week()).await;
    policy(
        &admin,
        json!({"project_id": acme, "name": "Lösung", "calendar_id": cal, "resolution_minutes": 600}),
    )
    .await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let case = new_case(&anna, acme, "webform").await;
        ids.push((case["id"].as_i64().unwrap(), instant(&case["sla_due_at"])));
    }
    let common::TestServer { server, dir, .. } = ts;
    server.stop().await;

    // What the calendar's PUT commits, without the recompute after it
    // (as if the server stopped right after the commit).
    {
        let (db, _) = zezaro::db::Db::open(dir.path()).expect("store");
        let hours = [(6u8, 600u16, 660u16)];
        db.write_blocking(|tx| {
            zezaro::sla::store::update_calendar(
                tx,
                cal,
                &zezaro::sla::store::CalendarRow {
                    name: "Neustart",
                    time_zone: "Europe/Berlin",
                    state: Some("NW"),
                    hours: &hours,
                    closures: &[],
                },
                &zezaro::db::now(),
            )
        })
        .expect("calendar change");
        let pending = db
            .read_blocking(zezaro::sla::store::pending_recomputes)
            .expect("pending");
        assert_eq!(pending, vec![cal]);
        let due: Option<String> = db
            .read_blocking(|conn| {
                conn.query_row(
                    "SELECT sla_due_at FROM cases WHERE id = ?1",
                    [ids[0].0],
                    |r| r.get(0),
                )
                .map_err(zezaro::db::StoreError::from)
            })
            .expect("case");
        assert_eq!(
            due.map(|d| instant(&json!(d))),
            Some(ids[0].1),
            "not yet moved"
        );
    }

    let ts = common::start_again(dir).await;
    let anna = ts.token_client(ANNA);
    let admin = ts.token_client(CA_ACME);
    for (id, before) in ids {
        let after = moved_deadline(&anna, id, before).await;
        assert!(
            after - before > chrono::Duration::days(60),
            "{before} → {after}"
        );
    }
    assert_eq!(settled(&admin, cal).await["version"], 2);
}

#[actix_web::test]
async fn holidays_validation_and_isolation() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(CA_ACME);
    let nord = ts.token_client(CA_NORD);
    let anna = ts.token_client(ANNA);
    let lead = ts.token_client(LEAD);
    let platform = ts.token_client(ADMIN);
    let acme = project(&ts, "ACMEGAS").await;
    let cal = calendar(
        &admin,
        "Büro NRW",
        json!([{"weekday": 0, "start": "08:00", "end": "17:00"}]),
    )
    .await;

    let (status, hol) = admin
        .get(&format!("/api/v1/calendars/{cal}/holidays?year=2026"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let items = hol["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|h| h["date"] == "2026-06-04" && h["name"] == "Fronleichnam")
    );
    assert!(!items.iter().any(|h| h["name"] == "Reformationstag"));

    for (body, field) in [
        (
            json!({"name": "x", "time_zone": "Europe/Atlantis", "hours": []}),
            "time_zone",
        ),
        (
            json!({"name": "x", "hours": [{"weekday": 1, "start": "09:00", "end": "08:00"}]}),
            "hours",
        ),
        (
            json!({"name": "x", "hours": [{"weekday": 1, "start": "08:00", "end": "12:00"},
                                          {"weekday": 1, "start": "11:00", "end": "13:00"}]}),
            "hours",
        ),
        (
            json!({"name": "x", "hours": [], "closures": [{"name": "Inventur", "from": "2026-12-31", "to": "2026-12-01"}]}),
            "closures",
        ),
    ] {
        let (status, problem) = admin.post("/api/v1/calendars", body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(problem["field"], field, "{problem}");
    }
    let (status, problem) = admin
        .post(
            "/api/v1/sla-policies",
            json!({"project_id": acme, "name": "Telefon", "calendar_id": cal,
                   "channels": ["call"], "first_response_minutes": 5}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (status, _) = admin
        .post(
            "/api/v1/sla-policies",
            json!({"project_id": acme, "name": "Ohne Ziel", "calendar_id": cal}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let p = policy(
        &admin,
        json!({"project_id": acme, "name": "Standard", "calendar_id": cal, "resolution_minutes": 480}),
    )
    .await;
    let pid = p["id"].as_i64().unwrap();

    // Another client's admin: nothing of Acme's exists.
    assert_eq!(
        nord.get(&format!("/api/v1/calendars/{cal}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        nord.get(&format!("/api/v1/sla-policies/{pid}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        nord.put(
            &format!("/api/v1/calendars/{cal}"),
            json!({"name": "x", "hours": []})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        nord.delete(&format!("/api/v1/sla-policies/{pid}")).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, list) = nord.get("/api/v1/calendars").await;
    assert!(!list.to_string().contains("Büro NRW"), "{list}");
    let nord_project = project(&ts, "NORD").await;
    let (status, problem) = nord
        .post(
            "/api/v1/sla-policies",
            json!({"project_id": nord_project, "name": "Fremd", "calendar_id": cal, "resolution_minutes": 5}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["field"], "calendar_id");
    // An Acme case's SLA: not found for Nordlicht.
    let case = new_case(&anna, acme, "email").await;
    let case_id = case["id"].as_i64().unwrap();
    assert_eq!(
        nord.get(&format!("/api/v1/cases/{case_id}/sla")).await.0,
        StatusCode::NOT_FOUND
    );

    // An agent sees the SLA of the case, not the set-up.
    assert_eq!(
        anna.get(&format!("/api/v1/calendars/{cal}")).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        anna.get(&format!("/api/v1/sla-policies?project_id={acme}"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        anna.get(&format!("/api/v1/cases/{case_id}/sla")).await.0,
        StatusCode::OK
    );
    // The project lead reads, does not write.
    assert_eq!(
        lead.get(&format!("/api/v1/sla-policies?project_id={acme}"))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        lead.get(&format!("/api/v1/calendars/{cal}")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        lead.put(
            &format!("/api/v1/calendars/{cal}"),
            json!({"name": "x", "hours": []})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );

    // A calendar in use stays; the audit log has the changes.
    let (status, problem) = admin.delete(&format!("/api/v1/calendars/{cal}")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "calendar-in-use");
    assert_eq!(
        admin.delete(&format!("/api/v1/sla-policies/{pid}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        admin.delete(&format!("/api/v1/calendars/{cal}")).await.0,
        StatusCode::NO_CONTENT
    );
    let (_, audit) = platform.get("/api/v1/audit?limit=50").await;
    let audit = audit.to_string();
    for action in [
        "calendar.created",
        "sla_policy.created",
        "sla_policy.deleted",
        "calendar.deleted",
    ] {
        assert!(audit.contains(action), "{action} missing");
    }
}
