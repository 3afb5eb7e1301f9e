//! Background services: a failing service is retried with growing backoff,
//! reported in /healthz and the API, and never stops the others; a chosen
//! state survives a restart; /metrics shows requests and service runs and
//! is only served locally or with the token.

use crate::common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use zezaro::services::{Backoff, RunMessage, RunReport, ServiceSpec, Trigger};

const ADMIN: &str = "admin@zezaro.example";

fn service<'a>(list: &'a Value, key: &str) -> &'a Value {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|s| s["key"] == key)
        .unwrap_or_else(|| panic!("no service {key} in {list}"))
}

#[actix_web::test]
async fn a_failing_service_is_retried_with_backoff_and_reported() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(ADMIN);
    let registry = ts.server.state.services.clone();

    // Fails three times (the second time by panicking), then recovers.
    let attempts = Arc::new(Mutex::new(Vec::<Instant>::new()));
    let seen = attempts.clone();
    registry
        .register(
            ServiceSpec::new(
                "test.flaky",
                "Flaky",
                Trigger::Every(Duration::from_millis(100)),
                move |_| {
                    let seen = seen.clone();
                    async move {
                        let n = {
                            let mut seen = seen.lock().unwrap();
                            seen.push(Instant::now());
                            seen.len()
                        };
                        match n {
                            1 | 3 => Err(format!("attempt {n} failed")),
                            2 => panic!("attempt 2 panicked"),
                            _ => Ok(RunReport::new(1, RunMessage::new("test.fine").num("n", 1))),
                        }
                    }
                },
            )
            .with_backoff(Backoff {
                initial: Duration::from_millis(400),
                max: Duration::from_secs(5),
            }),
        )
        .unwrap();
    let ticks = Arc::new(AtomicU32::new(0));
    let counter = ticks.clone();
    registry
        .register(ServiceSpec::new(
            "test.ticker",
            "Ticker",
            Trigger::Every(Duration::from_millis(50)),
            move |_| {
                let counter = counter.clone();
                async move {
                    counter.fetch_add(1, Ordering::Relaxed);
                    Ok(RunReport::default())
                }
            },
        ))
        .unwrap();
    // Registering a key twice is refused.
    assert!(
        registry
            .register(ServiceSpec::new(
                "test.ticker",
                "again",
                Trigger::Loop,
                |_| async { Ok(RunReport::default()) }
            ))
            .is_err()
    );

    // While failing: /healthz answers 503 and names the service.
    let deadline = Instant::now() + Duration::from_secs(10);
    let health = loop {
        let response = reqwest::get(format!("{}/healthz", ts.url)).await.unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            break body;
        }
        assert!(Instant::now() < deadline, "never reported: {body}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(health["status"], "degraded");
    assert_eq!(health["store"]["state"], "ok");
    assert_eq!(
        health["failed_services"][0]["key"], "test.flaky",
        "{health}"
    );
    let ticks_while_failing = ticks.load(Ordering::Relaxed);

    // Recovers after the backoff.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let response = reqwest::get(format!("{}/healthz", ts.url)).await.unwrap();
        if response.status() == StatusCode::OK && attempts.lock().unwrap().len() >= 4 {
            break;
        }
        assert!(Instant::now() < deadline, "never recovered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let times = attempts.lock().unwrap().clone();
    let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).take(3).collect();
    // 400 ms, 800 ms, 1600 ms after each failure (the run itself is instant).
    assert!(gaps[0] >= Duration::from_millis(380), "{gaps:?}");
    assert!(gaps[1] >= Duration::from_millis(780), "{gaps:?}");
    assert!(gaps[2] >= Duration::from_millis(1580), "{gaps:?}");
    // The other service kept running all along.
    assert!(
        ticks.load(Ordering::Relaxed) > ticks_while_failing + 20,
        "the ticker stalled: {} then {}",
        ticks_while_failing,
        ticks.load(Ordering::Relaxed)
    );

    let (status, list) = admin.get("/api/v1/services").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let flaky = service(&list, "test.flaky");
    assert_eq!(flaky["state"], "running", "{flaky}");
    assert_eq!(flaky["failures"], 3);
    assert_eq!(flaky["consecutive_failures"], 0);
    assert!(
        flaky["last_error"].as_str().unwrap().contains("attempt 3"),
        "{flaky}"
    );
    // Run messages are a code and parameters the UI words.
    assert_eq!(flaky["last_message"]["code"], "test.fine", "{flaky}");
    assert_eq!(flaky["last_message"]["params"]["n"].as_f64(), Some(1.0));
    // The built-in services are there.
    assert_eq!(service(&list, "sessions.purge")["state"], "running");
    // Schedules are data: the kind and the cron expression or interval.
    assert_eq!(
        service(&list, "backup")["schedule"],
        json!({ "kind": "cron", "expr": "0 30 2 * * *" })
    );
    assert_eq!(
        service(&list, "sla.recompute")["schedule"],
        json!({ "kind": "interval", "seconds": 60 })
    );
    assert_eq!(service(&list, "backup")["subject"], Value::Null);

    // Run now, through the API.
    let (status, purge) = admin
        .post("/api/v1/services/sessions.purge/run", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{purge}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, list) = admin.get("/api/v1/services").await;
        if service(&list, "sessions.purge")["runs"] == 1 {
            let message = &service(&list, "sessions.purge")["last_message"];
            assert_eq!(message["code"], "sessions.purged", "{message}");
            assert!(message["params"]["n"].is_number(), "{message}");
            break;
        }
        assert!(Instant::now() < deadline, "run now did not run");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Stop the ticker: no more runs.
    let (status, stopped) = admin
        .post("/api/v1/services/test.ticker/stop", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{stopped}");
    assert_eq!(stopped["state"], "stopped");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let frozen = ticks.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(ticks.load(Ordering::Relaxed), frozen);
    let (status, _) = admin
        .post("/api/v1/services/test.ticker/start", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(ticks.load(Ordering::Relaxed) > frozen);
    // Unknown services and actions.
    assert_eq!(
        admin.post("/api/v1/services/nope/stop", json!({})).await.0,
        404
    );
    assert_eq!(
        admin
            .post("/api/v1/services/test.ticker/explode", json!({}))
            .await
            .0,
        404
    );
    registry.unregister("test.ticker").unwrap();
    let (_, list) = admin.get("/api/v1/services").await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["key"] != "test.ticker")
    );

    // Metrics: from here (loopback) yes, through a proxy no.
    let http = reqwest::Client::new();
    let text = http
        .get(format!("{}/metrics", ts.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(
            "zezaro_http_requests_total{method=\"GET\",route=\"/api/v1/services\",status=\"200\"}"
        ),
        "{text}"
    );
    assert!(text.contains(
        "zezaro_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"+Inf\"}"
    ));
    assert!(
        text.contains("zezaro_service_failures_total{service=\"test.flaky\"} 3"),
        "{text}"
    );
    assert!(text.contains("zezaro_store_size_bytes "));
    assert!(text.contains("zezaro_attachments_size_bytes 0"));
    let proxied = http
        .get(format!("{}/metrics", ts.url))
        .header("X-Forwarded-For", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(proxied.status(), StatusCode::FORBIDDEN);
    ts.server.stop().await;
}

#[actix_web::test]
async fn metrics_token_admits_proxied_requests() {
    let ts = common::server_with(false, |c| c.metrics_token = Some("m-secret-token".into())).await;
    let http = reqwest::Client::new();
    let url = format!("{}/metrics", ts.url);
    let with = |token: &str| {
        http.get(&url)
            .header("X-Forwarded-For", "203.0.113.9")
            .bearer_auth(token)
    };
    assert_eq!(
        with("m-secret-token").send().await.unwrap().status(),
        StatusCode::OK
    );
    let wrong = with("wrong").send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["code"], "metrics-forbidden");
    ts.server.stop().await;
}

/// Pausing is stored: after a restart the service is still paused.
#[actix_web::test]
async fn a_paused_service_stays_paused_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let start = || async {
        zezaro::http::start(
            common::test_config(dir.path()),
            zezaro::http::server::StartOptions {
                signals: false,
                demo: true,
            },
        )
        .await
        .expect("server starts")
    };
    let server = start().await;
    let admin = common::Api::new(&server.url, Some(token(&server)));
    let (status, paused) = admin
        .post("/api/v1/services/sessions.purge/pause", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{paused}");
    assert_eq!(paused["state"], "paused");
    assert_eq!(paused["next_run_at"], Value::Null);
    let (status, stopped) = admin.post("/api/v1/services/backup/stop", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{stopped}");
    server.stop().await;

    let server = start().await;
    let admin = common::Api::new(&server.url, Some(token(&server)));
    // The supervisor reads the stored state right after the start.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (_, list) = admin.get("/api/v1/services").await;
        if service(&list, "sessions.purge")["state"] == "paused" {
            assert_eq!(service(&list, "backup")["state"], "stopped");
            break;
        }
        assert!(Instant::now() < deadline, "pause forgotten: {list}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Resumed, it is scheduled again.
    let (status, resumed) = admin
        .post("/api/v1/services/sessions.purge/resume", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(resumed["state"], "running");
    let (_, audit) = admin
        .get("/api/v1/audit?object_type=service&limit=50")
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"service.pause") && actions.contains(&"service.resume"),
        "{actions:?}"
    );
    server.stop().await;
}

fn token(server: &zezaro::http::RunningServer) -> String {
    server
        .state
        .db
        .write_blocking(|tx| {
            let user = zezaro::users::store::by_email(tx, ADMIN)?.expect("admin");
            zezaro::auth::service::create_token(
                tx,
                &zezaro::audit::Actor::cli(),
                user.id,
                zezaro::auth::model::NewToken {
                    name: "t".into(),
                    expires_in_days: None,
                },
            )
            .map_err(|e| zezaro::db::StoreError::Task(e.to_string()))
        })
        .expect("token")
        .token
}
