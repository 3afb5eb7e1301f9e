//! Issue 17: the start page's "my figures today" (`GET /api/v1/me/figures`)
//! count only the caller's own work (never another user's, never another
//! client's) within the caller's local day, whose UTC bounds differ from
//! the UTC day's.

use crate::common;

use serde_json::{Value, json};
use zezaro::cases::MyFigures;

const ANNA: &str = "anna.schmidt@acme-energie.example"; // Acme's own agent: ACME, ACMEGAS
const BASIC: &str = "basic.agent@zezaro.example"; // provider, Team Basic: ACME, NORD
const JONAS: &str = "jonas.weber@nordlicht.example"; // Nordlicht's own agent

async fn figures(api: &common::Api, query: &str) -> MyFigures {
    let (status, body) = api.get(&format!("/api/v1/me/figures{query}")).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).expect("MyFigures")
}

/// Today's figures, taken when the local day has two minutes left at least
/// (else after its end): the work a test does after them falls on the same
/// day, also when the test runs at local midnight.
async fn figures_with_time_left(api: &common::Api, query: &str) -> MyFigures {
    loop {
        let today = figures(api, query).await;
        let end = chrono::DateTime::parse_from_rfc3339(&today.to).expect("the day's end");
        let left = end.signed_duration_since(chrono::Utc::now());
        if left > chrono::Duration::minutes(2) {
            return today;
        }
        let wait = left.to_std().unwrap_or_default() + std::time::Duration::from_secs(1);
        actix_web::rt::time::sleep(wait).await;
    }
}

/// A new e-mail case in `project`, answered by `api` and set to solved with
/// the reply, with `seconds` of handling time begun now (not `seconds` ago,
/// the default: that can be the day before, just after midnight).
async fn answer_and_solve(api: &common::Api, project: i64, seconds: i64) -> i64 {
    let (status, case) = api
        .post(
            "/api/v1/cases",
            json!({"project_id": project, "subject": "Zählerstand", "channel": "email",
                   "contact": {"name": "Greta Grün", "email": "greta.gruen@example.org"}}),
        )
        .await;
    assert_eq!(status, 201, "{case}");
    let id = case["id"].as_i64().unwrap();
    reply(api, id, Some("solved")).await;
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    record(api, id, seconds, Some(&now)).await;
    id
}

async fn reply(api: &common::Api, case: i64, set_status: Option<&str>) {
    let (status, body) = api
        .post(
            &format!("/api/v1/cases/{case}/messages"),
            json!({"kind": "outbound", "body_text": "Danke, erledigt.", "force": true, "set_status": set_status}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

async fn record(api: &common::Api, case: i64, seconds: i64, started_at: Option<&str>) {
    let (status, body) = api
        .post(
            &format!("/api/v1/cases/{case}/time"),
            json!({"kind": "manual", "seconds": seconds, "started_at": started_at}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

#[actix_web::test]
async fn only_the_callers_own_work_counts() {
    let ts = common::demo_server().await;
    let anna = ts.token_client(ANNA);
    let basic = ts.token_client(BASIC);
    let jonas = ts.token_client(JONAS);
    let acme = ts.id_of("/api/v1/projects", "key", "ACME").await;
    let nord = ts.id_of("/api/v1/projects", "key", "NORD").await;
    let q = "?tz=Europe/Berlin";
    let before = figures_with_time_left(&anna, q).await;
    let jonas_before = figures(&jonas, q).await;

    let case = answer_and_solve(&anna, acme, 300).await;
    // Another user in the same case and project, and another client's
    // agent in theirs: none of it is Anna's.
    reply(&basic, case, None).await;
    record(&basic, case, 900, None).await;
    answer_and_solve(&jonas, nord, 1200).await;
    answer_and_solve(&basic, acme, 60).await;
    // Reopened and solved again: still one case solved.
    let (status, body) = anna
        .patch(
            &format!("/api/v1/cases/{case}"),
            json!({"status": "open", "force": true}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = anna
        .patch(
            &format!("/api/v1/cases/{case}"),
            json!({"status": "solved", "force": true}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let after = figures(&anna, q).await;
    assert_eq!(after.solved, before.solved + 1, "{after:?}");
    assert_eq!(after.replies, before.replies + 1, "{after:?}");
    assert_eq!(
        after.handled_seconds,
        before.handled_seconds + 300,
        "{after:?}"
    );
    assert_eq!(after.time_zone, "Europe/Berlin");

    let jonas_after = figures(&jonas, q).await;
    assert_eq!(
        jonas_after.solved,
        jonas_before.solved + 1,
        "{jonas_after:?}"
    );
    assert_eq!(jonas_after.replies, jonas_before.replies + 1);
    assert_eq!(
        jonas_after.handled_seconds,
        jonas_before.handled_seconds + 1200
    );

    // There is no way to ask for somebody else's figures.
    let (status, body) = anna.get("/api/v1/me/figures?user_id=1").await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = ts.anonymous().get("/api/v1/me/figures").await;
    assert_eq!(status, 401);
}

#[actix_web::test]
async fn the_day_is_the_local_day_in_the_given_zone() {
    let ts = common::demo_server().await;
    let anna = ts.token_client(ANNA);
    let acme = ts.id_of("/api/v1/projects", "key", "ACME").await;
    let (status, case) = anna
        .post(
            "/api/v1/cases",
            json!({"project_id": acme, "subject": "Abschlag", "channel": "call"}),
        )
        .await;
    assert_eq!(status, 201, "{case}");
    let id = case["id"].as_i64().unwrap();
    // Berlin is UTC+1 in March 2019: its 3 March runs from 2 March 23:00 UTC
    // to 3 March 23:00 UTC (long before the demo's data).
    for (seconds, at) in [
        (60, "2019-03-02T22:59:59.999Z"),  // Berlin: 2 March, UTC: 2 March
        (120, "2019-03-02T23:00:00.000Z"), // Berlin: 3 March, UTC: 2 March
        (240, "2019-03-03T22:59:00Z"),     // Berlin: 3 March, UTC: 3 March
        (480, "2019-03-03T23:00:00Z"),     // Berlin: 4 March, UTC: 3 March
    ] {
        record(&anna, id, seconds, Some(at)).await;
    }
    let berlin = figures(&anna, "?tz=Europe/Berlin&date=2019-03-03").await;
    assert_eq!(berlin.handled_seconds, 120 + 240, "{berlin:?}");
    assert_eq!(berlin.from, "2019-03-02T23:00:00.000Z");
    assert_eq!(berlin.to, "2019-03-03T23:00:00.000Z");
    let utc = figures(&anna, "?date=2019-03-03").await;
    assert_eq!(utc.handled_seconds, 240 + 480, "{utc:?}");
    assert_eq!(utc.time_zone, "UTC");
    let next = figures(&anna, "?tz=Europe/Berlin&date=2019-03-04").await;
    assert_eq!(next.handled_seconds, 480, "{next:?}");
    let before = figures(&anna, "?tz=Europe/Berlin&date=2019-03-02").await;
    assert_eq!(before.handled_seconds, 60, "{before:?}");
    // The day a clock change shortens: 23 hours in Berlin.
    let short = figures(&anna, "?tz=Europe/Berlin&date=2019-03-31").await;
    assert_eq!(short.from, "2019-03-30T23:00:00.000Z");
    assert_eq!(short.to, "2019-03-31T22:00:00.000Z");

    // Without a date: today in the zone, which holds the present instant.
    let today = figures(&anna, "?tz=Pacific/Auckland").await;
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    assert!(today.from <= now && now < today.to, "{today:?} {now}");

    for bad in ["?tz=Mars/Olympus", "?date=2019-02-30", "?date=yesterday"] {
        let (status, body): (_, Value) = anna.get(&format!("/api/v1/me/figures{bad}")).await;
        assert_eq!(status, 422, "{bad}: {body}");
    }
}
