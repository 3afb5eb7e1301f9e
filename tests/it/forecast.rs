//! Forecast and staffing (issue 18) through the API of a real server with
//! the demo data: versions and deadlines of the planned volumes, who may
//! read and write them, profiles learned from (backdated) history, actual
//! against forecast with the corridors, the daily job recording deviations
//! past the agreed limit (idempotently), and the staffing per day and
//! interval against the planned seats.

use std::time::Duration;

use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Berlin;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{self, Api, TestServer, client};

const ADMIN: &str = "admin@zezaro.example";
const CA_ACME: &str = "kadmin@acme-energie.example";
const CA_NORD: &str = "kadmin@nordlicht.example";
const LEAD: &str = "lead@zezaro.example";
const ANNA: &str = "anna.schmidt@acme-energie.example";

fn url(project: i64, rest: &str) -> String {
    format!("/api/v1/projects/{project}/forecast{rest}")
}

async fn get_ok(api: &Api, path: &str) -> Value {
    let (status, body) = api.get(path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body
}

fn months(forecast: &Value) -> &Vec<Value> {
    forecast["months"].as_array().expect("months")
}

fn volume(month: &Value, channel: &str) -> Option<i64> {
    month["volumes"]
        .as_array()
        .expect("volumes")
        .iter()
        .find(|v| v["channel"] == channel)
        .and_then(|v| v["volume"].as_i64())
}

fn today_berlin() -> NaiveDate {
    Utc::now().with_timezone(&Berlin).date_naive()
}

/// A UTC stamp for a local Berlin time.
fn berlin(day: NaiveDate, hour: u32, minute: u32) -> String {
    Berlin
        .from_local_datetime(&day.and_hms_opt(hour, minute, 0).expect("time"))
        .earliest()
        .expect("a Berlin time")
        .with_timezone(&Utc)
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn sql(ts: &TestServer, statement: &str, params: &[&dyn rusqlite::ToSql]) -> usize {
    ts.server
        .state
        .db
        .write_blocking(|tx| {
            tx.execute(statement, params)
                .map_err(zezaro::db::StoreError::from)
        })
        .expect("fixture SQL")
}

async fn new_case(api: &Api, project: i64, channel: &str, n: usize) -> i64 {
    let (status, case) = api
        .post(
            "/api/v1/cases",
            json!({"project_id": project, "subject": format!("Forecast {n}"), "channel": channel,
                   "message": {"kind": "inbound", "body_text": "Frage zum Vertrag."}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    case["id"].as_i64().expect("case id")
}

#[actix_web::test]
async fn versions_deadlines_and_who_may() {
    let ts = common::demo_server().await;
    let ca = client(&ts, CA_ACME);
    let nord = client(&ts, CA_NORD);
    let lead = client(&ts, LEAD);
    let anna = client(&ts, ANNA);
    let acme = ts.id_of("/api/v1/projects", "key", "ACME").await;
    let nord_project = ts.id_of("/api/v1/projects", "key", "NORD").await;

    // The demo: a first planning and the client's raise of the open months.
    let current = get_ok(&ca, &url(acme, "")).await;
    assert_eq!(current["version"], 2, "{current}");
    assert_eq!(current["time_zone"], "Europe/Berlin");
    let ms = months(&current);
    assert_eq!(ms.len(), 2 + 1 + 6, "two back, this one, six ahead");
    let this_month = &ms[2];
    assert_eq!(this_month["editable"], false);
    assert_eq!(volume(this_month, "call"), Some(9000 + 9000 * 2 / 50));
    let open = ms
        .iter()
        .find(|m| m["editable"] == true)
        .expect("an open month")
        .clone();
    let open_month = open["month"].as_str().expect("month").to_string();
    let this = this_month["month"].as_str().expect("month").to_string();

    // Saving a month still open.
    let (status, saved) = ca
        .put(
            &url(acme, ""),
            json!({"expected_version": 2, "note": "Mehr Anrufe",
                   "entries": [{"month": open_month, "channel": "call", "volume": 12345}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["version"], 3);
    let m = months(&saved)
        .iter()
        .find(|m| m["month"] == open_month.as_str())
        .expect("month");
    assert_eq!(volume(m, "call"), Some(12345));
    // Other cells carried over.
    assert_eq!(volume(m, "email"), volume(&open, "email"));

    // A stale version.
    let (status, body) = ca
        .put(
            &url(acme, ""),
            json!({"expected_version": 2, "entries": [{"month": open_month, "channel": "call", "volume": 1}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "version-conflict");

    // The current month is past its deadline: a change is refused with a
    // stable code and the cell named; the same value passes.
    let (status, body) = ca
        .put(
            &url(acme, ""),
            json!({"expected_version": 3, "entries": [{"month": this, "channel": "call", "volume": 1}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "forecast-deadline-passed");
    assert_eq!(body["field"], "entries[0].volume");
    let (status, body) = ca
        .put(
            &url(acme, ""),
            json!({"expected_version": 3,
                   "entries": [{"month": this, "channel": "call", "volume": volume(this_month, "call")}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["version"], 4);

    // Past the horizon, a bad month, a negative volume, a twice-named cell.
    let far = ms.last().expect("last")["month"]
        .as_str()
        .expect("m")
        .to_string();
    let (y, mo) = far.split_once('-').expect("YYYY-MM");
    let (y, mo): (i32, u32) = (y.parse().expect("y"), mo.parse().expect("m"));
    let beyond = if mo == 12 {
        format!("{}-01", y + 1)
    } else {
        format!("{y}-{:02}", mo + 1)
    };
    for (entries, field) in [
        (
            json!([{"month": beyond, "channel": "call", "volume": 5}]),
            "entries[0].month",
        ),
        (
            json!([{"month": "2026-13", "channel": "call", "volume": 5}]),
            "entries[0].month",
        ),
        (
            json!([{"month": open_month, "channel": "call", "volume": -5}]),
            "entries[0].volume",
        ),
        (
            json!([{"month": open_month, "channel": "call", "volume": 5},
                   {"month": open_month, "channel": "call", "volume": 6}]),
            "entries[1]",
        ),
    ] {
        let (status, body) = ca
            .put(
                &url(acme, ""),
                json!({"expected_version": 4, "entries": entries}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{entries}: {body}"
        );
        assert_eq!(body["field"], field, "{body}");
    }

    // Every version kept, newest first, with all its cells.
    let versions = get_ok(&ca, &url(acme, "/versions")).await;
    let items = versions["items"].as_array().expect("items");
    let numbers: Vec<i64> = items
        .iter()
        .map(|v| v["version"].as_i64().unwrap_or(0))
        .collect();
    assert_eq!(numbers, vec![4, 3, 2, 1]);
    assert_eq!(items[1]["note"], "Mehr Anrufe");
    assert_eq!(items[3]["note"], "Jahresplanung");
    assert!(items[3]["entries"].as_array().expect("entries").len() >= 18);

    // The project's lead reads, does not write; agents neither; the other
    // client sees nothing of it.
    assert_eq!(lead.get(&url(acme, "")).await.0, StatusCode::OK);
    assert_eq!(lead.get(&url(acme, "/versions")).await.0, StatusCode::OK);
    let body = json!({"expected_version": 4, "entries": []});
    assert_eq!(
        lead.put(&url(acme, ""), body.clone()).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(anna.get(&url(acme, "")).await.0, StatusCode::FORBIDDEN);
    for path in [
        "",
        "/versions",
        "/settings",
        "/profiles",
        "/actuals",
        "/deviations",
        "/staffing",
    ] {
        let (status, answer) = nord.get(&url(acme, path)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {answer}");
        assert!(!answer.to_string().contains("Jahresplanung"));
    }
    assert_eq!(
        nord.put(&url(acme, ""), body.clone()).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        nord.post(&url(acme, "/profiles/learn"), json!({})).await.0,
        StatusCode::NOT_FOUND
    );
    // …and plans its own.
    let own = get_ok(&nord, &url(nord_project, "")).await;
    assert_eq!(own["version"], 2);
    assert_eq!(
        ca.get(&url(nord_project, "/versions")).await.0,
        StatusCode::NOT_FOUND
    );

    // Settings: the client admin changes them; a limit inside the normal
    // corridor is refused; the lead only reads.
    let settings = get_ok(&lead, &url(acme, "/settings")).await;
    assert_eq!(settings["interval_minutes"], 15);
    assert_eq!(settings["patience_seconds"], 90);
    let mut input = json!({
        "interval_minutes": 30, "deadline_day": 25, "horizon_months": 12, "normal_percent": 15,
        "limit_percent": 10, "service_level_percent": 90, "answer_seconds": 30,
        "patience_seconds": null, "max_occupancy_percent": 85, "shrinkage_percent": 35,
        "response_minutes": 480, "fte_minutes": 450,
        "aht_overrides": [{"channel": "email", "seconds": 420}]});
    let (status, body) = ca.put(&url(acme, "/settings"), input.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "limit_percent");
    input["limit_percent"] = json!(25);
    let (status, body) = lead.put(&url(acme, "/settings"), input.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = ca.put(&url(acme, "/settings"), input).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["horizon_months"], 12);
    assert_eq!(body["version"], 2);
    let current = get_ok(&ca, &url(acme, "")).await;
    assert_eq!(months(&current).len(), 2 + 1 + 12);
    let profiles = get_ok(&ca, &url(acme, "/profiles")).await;
    let email = profiles["channels"]
        .as_array()
        .expect("channels")
        .iter()
        .find(|c| c["channel"] == "email")
        .expect("email")
        .clone();
    assert_eq!(email["aht_seconds"], 420);
    assert_eq!(email["aht_source"], "override");

    // Saves are audited.
    let admin = client(&ts, ADMIN);
    let audit = get_ok(&admin, "/api/v1/audit?action=forecast.save").await;
    assert!(
        audit["items"].as_array().expect("items").len() >= 3,
        "{audit}"
    );
    ts.server.stop().await;
}

#[actix_web::test]
async fn history_profiles_deviations_and_staffing() {
    let ts = common::demo_server().await;
    let ca = client(&ts, CA_ACME);
    let nord = client(&ts, CA_NORD);
    let admin = client(&ts, ADMIN);
    let acme = ts.id_of("/api/v1/projects", "key", "ACME").await;
    let acme_client = ts
        .id_of("/api/v1/clients", "name", "Acme Energie GmbH")
        .await;
    let today = today_berlin();

    // A fresh project with twelve weeks of calls: 120 cases, all on
    // Mondays at 09:10 local, 25 of them with 180 s talk + 60 s after-work.
    let (status, project) = ca
        .post(
            "/api/v1/projects",
            json!({"client_id": acme_client, "name": "Prognose Test", "key": "PROG"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{project}");
    let fresh = project["id"].as_i64().expect("id");
    let before = get_ok(&ca, &url(fresh, "/profiles")).await;
    let call = |p: &Value| {
        p["channels"]
            .as_array()
            .expect("channels")
            .iter()
            .find(|c| c["channel"] == "call")
            .expect("call")
            .clone()
    };
    assert_eq!(call(&before)["source"], "default");
    assert_eq!(call(&before)["aht_seconds"], 300);
    let last_monday =
        today - chrono::Duration::days(i64::from(today.weekday().num_days_from_monday()) + 7);
    for n in 0..120usize {
        let id = new_case(&ca, fresh, "call", n).await;
        let day = last_monday - chrono::Duration::weeks((n % 10) as i64);
        let at = berlin(day, 9, 10);
        sql(
            &ts,
            "UPDATE cases SET created_at = ?1 WHERE id = ?2",
            &[&at, &id],
        );
        if n < 25 {
            for (kind, seconds) in [("call-talk", 180), ("after-work", 60)] {
                let (status, body) = ca
                    .post(
                        &format!("/api/v1/cases/{id}/time"),
                        json!({"kind": kind, "seconds": seconds, "started_at": at}),
                    )
                    .await;
                assert_eq!(status, StatusCode::CREATED, "{body}");
            }
        }
    }
    let (status, learned) = ca.post(&url(fresh, "/profiles/learn"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{learned}");
    let c = call(&learned);
    assert_eq!(c["source"], "learned", "{c}");
    assert_eq!(c["cases"], 120);
    assert_eq!(c["weekday_shares"][0], 1.0);
    assert_eq!(c["weekday_shares"][1], 0.0);
    // 30-minute intervals: 09:00 is the 19th.
    assert_eq!(c["intraday_shares"][0][18], 1.0);
    assert_eq!(c["aht_seconds"], 240);
    assert_eq!(c["aht_source"], "learned");
    assert_eq!(c["aht_cases"], 25);
    // The lead may not learn (the client's data); a foreign admin sees nothing.
    let lead = client(&ts, LEAD);
    assert_eq!(
        lead.post(&url(fresh, "/profiles/learn"), json!({})).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        nord.get(&url(fresh, "/profiles")).await.0,
        StatusCode::NOT_FOUND
    );

    // Plan the first open month: 9000 calls, 4000 mails; one Team Pro
    // seat for calls from its first day.
    let forecast = get_ok(&ca, &url(fresh, "")).await;
    let month = months(&forecast)
        .iter()
        .find(|m| m["editable"] == true)
        .expect("open month")["month"]
        .as_str()
        .expect("month")
        .to_string();
    let (status, body) = ca
        .put(
            &url(fresh, ""),
            json!({"expected_version": 0, "entries": [
                {"month": month, "channel": "call", "volume": 9000},
                {"month": month, "channel": "email", "volume": 4000}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").expect("month");
    let now = zezaro::db::now();
    sql(
        &ts,
        "INSERT INTO seats (project_id, name, tariff, channel, valid_from, created_at, updated_at)
         VALUES (?1, 'Platz 1', 'team-pro', 'call', ?2, ?3, ?3)",
        &[&fresh, &first.to_string(), &now],
    );

    let staffing = get_ok(&ca, &format!("{}?month={month}", url(fresh, "/staffing"))).await;
    assert_eq!(staffing["forecast_version"], 1);
    let days = staffing["days"].as_array().expect("days");
    // Acme's calendar counts the holidays of NW: a holiday Monday is no
    // Monday to the profile (the default's Sunday: no calls).
    let mondays: Vec<&Value> = days
        .iter()
        .filter(|d| {
            d["holiday"].is_null()
                && NaiveDate::parse_from_str(d["date"].as_str().unwrap_or(""), "%Y-%m-%d")
                    .map(|d| d.weekday() == chrono::Weekday::Mon)
                    .unwrap_or(false)
        })
        .collect();
    let monday = mondays[0];
    let chan = |d: &Value, name: &str| {
        d["channels"]
            .as_array()
            .expect("channels")
            .iter()
            .find(|c| c["channel"] == name)
            .expect("channel")
            .clone()
    };
    // All calls of a Monday in its 09:00 interval: Erlang C for that load
    // (the project has no patience set: Erlang C), 30 % shrinkage.
    // (Holidays take what the history's holidays had: nothing, or the
    // Monday calls of an Easter or Whit Monday in the window.)
    let on_holidays: f64 = days
        .iter()
        .filter(|d| !d["holiday"].is_null())
        .map(|d| chan(d, "call")["volume"].as_f64().unwrap_or(0.0))
        .sum();
    let per_monday = (9000.0 - on_holidays) / mondays.len() as f64;
    assert!((chan(monday, "call")["volume"].as_f64().expect("v") - per_monday).abs() < 1e-6);
    let expected = zezaro::forecast::erlang::required_erlang_c(
        per_monday / 1800.0,
        240.0,
        &zezaro::forecast::erlang::CallTarget {
            service_level: 0.8,
            answer_seconds: 20.0,
            max_occupancy: 0.9,
        },
    )
    .expect("staffed");
    let call_day = chan(monday, "call");
    assert_eq!(call_day["model"], "erlang-c");
    assert_eq!(call_day["aht_seconds"], 240);
    assert_eq!(
        call_day["required_seats"],
        (f64::from(expected.agents) / 0.7 - 1e-9).ceil() as i64
    );
    assert_eq!(call_day["planned_seats"], 1);
    assert_eq!(monday["planned_seats"], 1);
    assert_eq!(monday["planned_productive_minutes"], 480);
    let fte = f64::from(expected.agents) * 30.0 / 0.7 / 480.0;
    assert!((call_day["required_fte"].as_f64().expect("fte") - fte).abs() < 1e-9);
    // A Tuesday: no calls by the profile, mails by the default (weekdays).
    let tuesday = days
        .iter()
        .find(|d| {
            d["holiday"].is_null()
                && NaiveDate::parse_from_str(d["date"].as_str().unwrap_or(""), "%Y-%m-%d")
                    .map(|d| d.weekday() == chrono::Weekday::Tue)
                    .unwrap_or(false)
        })
        .expect("a Tuesday");
    assert_eq!(chan(tuesday, "call")["required_seats"], 0);
    assert!(
        chan(tuesday, "email")["required_fte"]
            .as_f64()
            .expect("fte")
            > 0.0
    );
    assert_eq!(chan(tuesday, "email")["model"], "workload");
    // Written work: 4000 mails × 480 s over the weekdays = the mail FTE.
    let weekdays = days
        .iter()
        .filter(|d| chan(d, "email")["volume"].as_f64().unwrap_or(0.0) > 0.0)
        .count() as f64;
    let mail_fte = 4000.0 / weekdays * 480.0 / 60.0 / 0.7 / 480.0;
    assert!(
        (chan(tuesday, "email")["required_fte"]
            .as_f64()
            .expect("fte")
            - mail_fte)
            .abs()
            < 1e-6
    );

    // The Monday per interval.
    let date = monday["date"].as_str().expect("date");
    let day = get_ok(&ca, &format!("{}?date={date}", url(fresh, "/staffing/day"))).await;
    let calls = day["channels"]
        .as_array()
        .expect("channels")
        .iter()
        .find(|c| c["channel"] == "call")
        .expect("calls")
        .clone();
    let nine = &calls["intervals"][18];
    assert_eq!(nine["start"], "09:00");
    assert_eq!(nine["agents"], f64::from(expected.agents));
    assert!((nine["service_level"].as_f64().expect("sl") - expected.service_level).abs() < 1e-9);
    assert!(nine["service_level"].as_f64().expect("sl") >= 0.8);
    assert_eq!(calls["intervals"][17]["agents"], 0.0);
    assert_eq!(
        ca.get(&format!("{}?date=2026-02-30", url(fresh, "/staffing/day")))
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        nord.get(&format!("{}?date={date}", url(fresh, "/staffing/day")))
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // Actual against forecast: the demo's power project planned last month
    // (9000+ calls); five calls came in. The daily job records the
    // deviation past the agreed limit, once.
    let last_month = (today.with_day(1).expect("first") - chrono::Duration::days(1))
        .with_day(1)
        .expect("first");
    for n in 0..5usize {
        let id = new_case(&ca, acme, "call", 1000 + n).await;
        let at = berlin(last_month + chrono::Duration::days(n as i64 + 1), 10, 0);
        sql(
            &ts,
            "UPDATE cases SET created_at = ?1 WHERE id = ?2",
            &[&at, &id],
        );
    }
    let key = last_month.format("%Y-%m").to_string();
    let actuals = get_ok(&ca, &format!("{}?month={key}", url(acme, "/actuals"))).await;
    let total = actuals["totals"]
        .as_array()
        .expect("totals")
        .iter()
        .find(|t| t["channel"] == "call")
        .expect("call total")
        .clone();
    assert_eq!(total["actual"], 5);
    assert_eq!(total["corridor"], "beyond-limit");
    assert!(total["deviation_percent"].as_f64().expect("dev") < -99.0);
    let day_two = &actuals["days"][1];
    assert_eq!(day_two["open"], false);
    let cell = day_two["channels"]
        .as_array()
        .expect("channels")
        .iter()
        .find(|c| c["channel"] == "call")
        .expect("call")
        .clone();
    assert_eq!(cell["actual"], 1);
    assert!(
        cell["corridor"] == "beyond-limit" || cell["corridor"] == "none",
        "{cell}"
    );
    assert_eq!(actuals["recorded"], json!([]));

    let (status, body) = admin
        .post("/api/v1/services/forecast.daily/run", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let recorded = loop {
        let list = get_ok(&ca, &url(acme, "/deviations")).await;
        let items = list["items"].as_array().expect("items").clone();
        if !items.is_empty() {
            break items;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the daily job recorded nothing"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let call_row = recorded
        .iter()
        .find(|d| d["month"] == key.as_str() && d["channel"] == "call")
        .expect("last month's calls recorded")
        .clone();
    assert_eq!(call_row["actual_volume"], 5);
    assert_eq!(call_row["limit_percent"], 20);
    assert!(call_row["forecast_volume"].as_i64().expect("volume") > 9000);
    // Again: nothing changes (the job ran once already; wait for it to be idle).
    let again = ts
        .server
        .state
        .db
        .write_blocking(|tx| zezaro::forecast::service::run_daily(tx, Utc::now()))
        .expect("second run");
    assert_eq!(again.1, 0, "a second run changed rows");
    let list = get_ok(&ca, &url(acme, "/deviations")).await;
    assert_eq!(
        list["items"].as_array().expect("items").len(),
        recorded.len()
    );
    let actuals = get_ok(&ca, &format!("{}?month={key}", url(acme, "/actuals"))).await;
    assert!(!actuals["recorded"].as_array().expect("recorded").is_empty());
    // Isolation of the records.
    assert_eq!(
        nord.get(&url(acme, "/deviations")).await.0,
        StatusCode::NOT_FOUND
    );
    // Nordlicht's own (its demo planned last month too, nothing came in):
    // none of Acme's rows (Acme's power project alone plans web forms).
    let nord_project = ts.id_of("/api/v1/projects", "key", "NORD").await;
    let own = get_ok(&nord, &url(nord_project, "/deviations")).await;
    let own = own["items"].as_array().expect("items");
    assert!(!own.is_empty());
    assert!(own.iter().all(|d| d["channel"] != "webform"), "{own:?}");
    ts.server.stop().await;
}

/// Daylight-saving days and public holidays through the API: a project of
/// Acme (whose calendar counts the holidays of North Rhine-Westphalia, in
/// Europe/Berlin) with a call profile around the clock and e-mail on the
/// default profile, planned for past months straight in the store.
#[actix_web::test]
async fn change_days_and_holidays() {
    let ts = common::demo_server().await;
    let ca = client(&ts, CA_ACME);
    let nord = client(&ts, CA_NORD);
    let acme_client = ts
        .id_of("/api/v1/clients", "name", "Acme Energie GmbH")
        .await;
    let (status, project) = ca
        .post(
            "/api/v1/projects",
            json!({"client_id": acme_client, "name": "Zeitumstellung", "key": "DST"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{project}");
    let id = project["id"].as_i64().expect("id");
    let settings = get_ok(&ca, &url(id, "/settings")).await;
    assert_eq!(settings["holiday_state"], "NW", "{settings}");
    assert_eq!(settings["calendar_name"], "Kundenservice Köln");

    let now = zezaro::db::now();
    let weekday = json!(vec![1.0 / 7.0; 7]).to_string();
    let intraday = json!(vec![vec![1.0 / 96.0; 96]; 7]).to_string();
    sql(
        &ts,
        "INSERT INTO forecast_profiles (project_id, channel, cases, weekday_shares,
             intraday_shares, aht_cases, from_day, to_day, learned_at)
         VALUES (?1, 'call', 5000, ?2, ?3, 0, '2026-01-01', '2026-03-25', ?4)",
        &[&id, &weekday, &intraday, &now],
    );
    sql(
        &ts,
        "INSERT INTO forecast_versions (project_id, version, created_by_name, created_at)
         VALUES (?1, 1, 'Test', ?2)",
        &[&id, &now],
    );
    for (month, channel, volume) in [
        ("2026-03", "call", 31 * 4600),
        ("2026-05", "email", 1800),
        ("2026-10", "call", 31 * 4800),
    ] {
        sql(
            &ts,
            "INSERT INTO forecast_volumes (version_id, month, channel, volume)
             SELECT id, ?2, ?3, ?4 FROM forecast_versions WHERE project_id = ?1",
            &[&id, &month, &channel, &volume],
        );
    }
    let profiles = get_ok(&ca, &url(id, "/profiles")).await;
    let call = profiles["channels"]
        .as_array()
        .expect("channels")
        .iter()
        .find(|c| c["channel"] == "call")
        .expect("call")
        .clone();
    assert_eq!(call["source"], "learned");
    assert_eq!(call["holiday_source"], "sunday");

    // 25 October 2026: 25 hours, 50 half hours, 02:00 twice.
    let october = get_ok(&ca, &format!("{}?month=2026-10", url(id, "/staffing"))).await;
    let sunday = october["days"]
        .as_array()
        .expect("days")
        .iter()
        .find(|d| d["date"] == "2026-10-25")
        .expect("25 October")
        .clone();
    assert_eq!(sunday["day_minutes"], 1500);
    let day_volume = sunday["channels"][0]["volume"].as_f64().expect("volume");
    assert!((day_volume - 4800.0).abs() < 1e-6, "{day_volume}");
    // A day's length, its first channel's intervals, and their volume.
    let day_of = async |date: &str| {
        let day = get_ok(&ca, &format!("{}?date={date}", url(id, "/staffing/day"))).await;
        let intervals = day["channels"][0]["intervals"]
            .as_array()
            .expect("intervals")
            .clone();
        let sum: f64 = intervals
            .iter()
            .map(|i| i["volume"].as_f64().unwrap_or(0.0))
            .sum();
        (day["day_minutes"].clone(), intervals, sum)
    };
    let (minutes, intervals, sum) = day_of("2026-10-25").await;
    assert_eq!(minutes, 1500);
    assert_eq!(intervals.len(), 50);
    assert!((sum - 4800.0).abs() < 1e-6, "{sum}");
    let two: Vec<&Value> = intervals.iter().filter(|i| i["start"] == "02:00").collect();
    assert_eq!(two.len(), 2);
    assert_eq!(two[0]["repeat"], "first");
    assert_eq!(two[0]["starts_at"], "2026-10-25T00:00:00.000Z");
    assert_eq!(two[0]["utc_offset_minutes"], 120);
    assert_eq!(two[1]["repeat"], "second");
    assert_eq!(two[1]["starts_at"], "2026-10-25T01:00:00.000Z");
    assert_eq!(two[1]["utc_offset_minutes"], 60);
    assert_eq!(two[0]["agents"], two[1]["agents"]);
    assert!(two[0]["scheduled"].as_i64().expect("scheduled") > 0);
    assert_eq!(intervals[49]["start"], "23:30");

    // 29 March 2026: 23 hours, 46 half hours, no 02:00 or 02:30.
    let (minutes, intervals, sum) = day_of("2026-03-29").await;
    assert_eq!(minutes, 1380);
    assert_eq!(intervals.len(), 46);
    assert_eq!(intervals[4]["start"], "03:00");
    assert!(intervals.iter().all(|i| i["repeat"].is_null()));
    assert!((sum - 4600.0).abs() < 1e-6, "{sum}");

    // May 2026 in NW: 1 May, Ascension (14th), Whit Monday (25th). The
    // e-mail's default profile gives holidays Sunday's nothing: 1800 over
    // the 18 other weekdays.
    let may = get_ok(&ca, &format!("{}?month=2026-05", url(id, "/staffing"))).await;
    let may_days = may["days"].as_array().expect("days");
    let holidays: Vec<(&str, &str)> = may_days
        .iter()
        .filter_map(|d| Some((d["date"].as_str()?, d["holiday"].as_str()?)))
        .collect();
    assert_eq!(
        holidays,
        [
            ("2026-05-01", "Tag der Arbeit"),
            ("2026-05-14", "Christi Himmelfahrt"),
            ("2026-05-25", "Pfingstmontag")
        ]
    );
    let mail = |date: &str| {
        may_days.iter().find(|d| d["date"] == date).expect("day")["channels"][0]["volume"]
            .as_f64()
            .expect("volume")
    };
    assert_eq!(mail("2026-05-14"), 0.0);
    assert!((mail("2026-05-13") - 100.0).abs() < 1e-9);
    // A Team Basic seat on Acme's calendar (NW, Mon–Sat): planned on the
    // Wednesday, not on Ascension Day.
    sql(
        &ts,
        "INSERT INTO seats (project_id, name, tariff, calendar_id, productive_minutes, valid_from,
             created_at, updated_at)
         SELECT ?1, 'Basic 1', 'team-basic', c.id, 180, '2026-01-01', ?2, ?2
         FROM business_calendars c WHERE c.client_id = ?3 ORDER BY c.id LIMIT 1",
        &[&id, &now, &acme_client],
    );
    let may = get_ok(&ca, &format!("{}?month=2026-05", url(id, "/staffing"))).await;
    let planned = |date: &str| {
        may["days"]
            .as_array()
            .expect("days")
            .iter()
            .find(|d| d["date"] == date)
            .expect("day")["planned_seats"]
            .clone()
    };
    assert_eq!(planned("2026-05-13"), 1);
    assert_eq!(planned("2026-05-14"), 0);
    // Actual against forecast shows the same days.
    let actuals = get_ok(&ca, &format!("{}?month=2026-05", url(id, "/actuals"))).await;
    let whit = actuals["days"]
        .as_array()
        .expect("days")
        .iter()
        .find(|d| d["date"] == "2026-05-25")
        .expect("Whit Monday")
        .clone();
    assert_eq!(whit["holiday"], "Pfingstmontag");
    assert_eq!(whit["channels"][0]["forecast"], 0.0);
    // Still nobody else's.
    assert_eq!(
        nord.get(&format!("{}?date=2026-10-25", url(id, "/staffing/day")))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}
