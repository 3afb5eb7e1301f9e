//! Webhooks (issue 15) on a real server with the demo data, against a
//! local HTTP receiver on 127.0.0.1 that the test configuration's allow
//! list opens: the signature checked on the receiving side, a 500 then a
//! 200 showing the retry, the deliveries as the API shows them, the
//! re-send, isolation between clients, and the host policy refusing a
//! private target when the allow list does not open it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::{self, Api};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CA_ACME: &str = "kadmin@acme-energie.example";
const CA_NORD: &str = "kadmin@nordlicht.example";
const ANNA: &str = "anna.schmidt@acme-energie.example";
const LEAD: &str = "lead@zezaro.example";
const SECRET: &str = "ein-langes-geheimnis-1234";

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
struct Received {
    head: String,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }
}

/// A tiny HTTP/1.1 receiver: answers the given statuses in turn (the last
/// one from then on) and keeps what it got.
async fn receiver(statuses: Vec<u16>) -> (u16, Arc<Mutex<Vec<Received>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let seen = got.clone();
    tokio::spawn(async move {
        let mut n = 0usize;
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let (head, body) = loop {
                let Ok(read) = stream.read(&mut chunk).await else {
                    break (String::new(), Vec::new());
                };
                if read == 0 {
                    break (String::new(), Vec::new());
                }
                buf.extend_from_slice(&chunk[..read]);
                if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buf[..end]).to_string();
                    let len: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    while buf.len() < end + 4 + len {
                        let Ok(read) = stream.read(&mut chunk).await else {
                            break;
                        };
                        if read == 0 {
                            break;
                        }
                        buf.extend_from_slice(&chunk[..read]);
                    }
                    break (head, buf[end + 4..].to_vec());
                }
            };
            seen.lock().unwrap().push(Received { head, body });
            let status = statuses[n.min(statuses.len() - 1)];
            n += 1;
            let answer = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: 12\r\nConnection: close\r\n\r\nsecret-body!"
            );
            let _ = stream.write_all(answer.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
    });
    (port, got)
}

async fn wait_for(got: &Arc<Mutex<Vec<Received>>>, n: usize, secs: u64) -> Vec<Received> {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let now = got.lock().unwrap().clone();
        if now.len() >= n {
            return now;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the receiver got {} of {n} requests",
            now.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn deliveries_until(api: &Api, hook: i64, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    for _ in 0..100 {
        let (status, list) = api
            .get(&format!("/api/v1/webhooks/{hook}/deliveries"))
            .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let items = list["items"].as_array().cloned().unwrap_or_default();
        if done(&items) {
            return items;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the deliveries did not reach the expected state");
}

#[actix_web::test]
async fn signed_deliveries_retry_after_a_500_and_can_be_sent_again() {
    let ts = common::demo_server().await;
    let ca = ts.token_client(CA_ACME);
    let (port, got) = receiver(vec![500, 200]).await;
    let (status, hook) = ca
        .post(
            "/api/v1/webhooks",
            json!({"name": "Warenwirtschaft", "url": format!("http://127.0.0.1:{port}/hooks/zezaro?src=1"),
                   "secret": SECRET}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{hook}");
    assert_eq!(hook["secret"], SECRET);
    assert_eq!(hook["active"], true);
    let id = hook["id"].as_i64().unwrap();
    // The secret is never shown again, nor stored in clear text.
    let (_, again) = ca.get(&format!("/api/v1/webhooks/{id}")).await;
    assert!(again.get("secret").is_none(), "{again}");
    assert!(common::store_hits(&ts, SECRET).is_empty());

    let (status, queued) = ca
        .post(
            &format!("/api/v1/webhooks/{id}/test"),
            json!({"message": "Hallo Lager"}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{queued}");
    assert_eq!(queued["state"], "queued");
    assert_eq!(queued["event"], "test");

    // First attempt answered 500, the retry (10 s later) 200.
    let seen = wait_for(&got, 2, 45).await;
    for request in &seen {
        assert!(
            request
                .head
                .starts_with("POST /hooks/zezaro?src=1 HTTP/1.1"),
            "{}",
            request.head
        );
        let signature = request.header("X-Zezaro-Signature").expect("signed");
        assert!(
            zezaro::webhooks::sign::verify(SECRET, &signature, &request.body),
            "signature {signature} does not match"
        );
        assert!(!zezaro::webhooks::sign::verify(
            "anderes-geheimnis-123",
            &signature,
            &request.body
        ));
        assert_eq!(request.header("X-Zezaro-Event").as_deref(), Some("test"));
        assert_eq!(
            request.header("X-Zezaro-Delivery"),
            Some(queued["id"].as_i64().unwrap().to_string())
        );
    }
    let body: Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(body["event"], "test");
    assert_eq!(body["data"]["message"], "Hallo Lager");
    assert_eq!(body["webhook_id"], id);
    assert_eq!(body["client_id"], hook["client_id"]);
    assert_eq!(seen[0].body, seen[1].body, "a retry posts the same body");

    let items = deliveries_until(&ca, id, |items| {
        items.first().is_some_and(|d| d["state"] == "delivered")
    })
    .await;
    let first = &items[0];
    assert_eq!(first["attempts"], 2);
    assert_eq!(first["last_status"], 200);
    assert!(first["last_millis"].as_i64().is_some());
    assert!(first.get("last_error").is_none(), "{first}");
    assert!(first["delivered_at"].is_string());
    assert!(
        !first.to_string().contains("secret-body"),
        "the answer's body is never shown"
    );

    // Re-send: a new delivery with the same body.
    let original = first["id"].as_i64().unwrap();
    let (status, resent) = ca
        .post(
            &format!("/api/v1/webhook-deliveries/{original}/resend"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{resent}");
    assert_eq!(resent["resend_of"], original);
    assert_ne!(resent["id"], original);
    let seen = wait_for(&got, 3, 20).await;
    assert_eq!(seen[2].body, seen[0].body);
    let items = deliveries_until(&ca, id, |items| {
        items.len() == 2 && items[0]["state"] == "delivered"
    })
    .await;
    assert_eq!(items[0]["attempts"], 1);

    // Another client's admin, an agent and a lead: nothing.
    let nord = ts.token_client(CA_NORD);
    for path in [
        format!("/api/v1/webhooks/{id}"),
        format!("/api/v1/webhooks/{id}/deliveries"),
    ] {
        assert_eq!(nord.get(&path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = nord
        .post(
            &format!("/api/v1/webhook-deliveries/{original}/resend"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = nord
        .post(&format!("/api/v1/webhooks/{id}/test"), json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = nord.get("/api/v1/webhooks").await;
    assert!(!list.to_string().contains("Warenwirtschaft"), "{list}");
    for email in [ANNA, LEAD] {
        let api = ts.token_client(email);
        assert_eq!(
            api.get(&format!("/api/v1/webhooks/{id}")).await.0,
            StatusCode::FORBIDDEN,
            "{email}"
        );
    }
    assert_eq!(got.lock().unwrap().len(), 3, "no request beyond the three");

    // Changes and deletion are audited.
    let (status, _) = ca.delete(&format!("/api/v1/webhooks/{id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, audit) = ca.get("/api/v1/audit?object_type=webhook").await;
    let text = audit.to_string();
    for action in [
        "webhook.create",
        "webhook.test",
        "webhook.resend",
        "webhook.delete",
    ] {
        assert!(text.contains(action), "{action} missing in {text}");
    }
}

#[actix_web::test]
async fn a_refused_answer_fails_at_once_and_a_secret_can_be_replaced() {
    let ts = common::demo_server().await;
    let ca = ts.token_client(CA_ACME);
    let (port, got) = receiver(vec![410]).await;
    let (status, hook) = ca
        .post(
            "/api/v1/webhooks",
            json!({"name": "Alt", "url": format!("http://127.0.0.1:{port}/")}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{hook}");
    let generated = hook["secret"].as_str().unwrap().to_string();
    assert_eq!(generated.len(), 64);
    let id = hook["id"].as_i64().unwrap();
    let (status, changed) = ca
        .put(
            &format!("/api/v1/webhooks/{id}"),
            json!({"name": "Alt", "url": format!("http://127.0.0.1:{port}/"), "new_secret": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    let secret = changed["secret"].as_str().unwrap().to_string();
    assert_ne!(secret, generated);
    ca.post(&format!("/api/v1/webhooks/{id}/test"), json!({}))
        .await;
    let seen = wait_for(&got, 1, 20).await;
    let signature = seen[0].header("X-Zezaro-Signature").unwrap();
    assert!(zezaro::webhooks::sign::verify(
        &secret,
        &signature,
        &seen[0].body
    ));
    assert!(!zezaro::webhooks::sign::verify(
        &generated,
        &signature,
        &seen[0].body
    ));
    let items = deliveries_until(&ca, id, |items| {
        items.first().is_some_and(|d| d["state"] == "failed")
    })
    .await;
    assert_eq!(items[0]["attempts"], 1, "a 410 is not retried");
    assert_eq!(items[0]["last_status"], 410);
    assert_eq!(items[0]["last_error"], "HTTP 410");

    // The client export carries the webhook (without its secret) and the
    // delivery with its body.
    let client_id = hook["client_id"].as_i64().unwrap();
    let (status, job) = ca
        .post(&format!("/api/v1/clients/{client_id}/exports"), json!({}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    let job_id = job["id"].as_str().unwrap().to_string();
    let mut done = Value::Null;
    for _ in 0..600 {
        let (_, body) = ca
            .get(&format!("/api/v1/clients/{client_id}/exports/{job_id}"))
            .await;
        if body["state"] != "running" {
            done = body;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(done["state"], "done", "{done}");
    let response = ca
        .raw(
            reqwest::Method::GET,
            done["download_url"].as_str().unwrap(),
            None,
            &[],
        )
        .await;
    let bytes = response.bytes().await.unwrap();
    let work = tempfile::tempdir().unwrap();
    let archive = work.path().join("a.tar.gz");
    std::fs::write(&archive, &bytes).unwrap();
    let status = std::process::Command::new("tar")
        .arg("-xzf")
        .arg(&archive)
        .arg("-C")
        .arg(work.path())
        .status()
        .unwrap();
    assert!(status.success());
    let top = std::fs::read_dir(work.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir())
        .unwrap();
    let hooks = std::fs::read_to_string(top.join("webhooks.csv")).unwrap();
    assert!(hooks.starts_with("id,name,url,active,"), "{hooks}");
    assert!(
        hooks.contains(&format!("http://127.0.0.1:{port}/")),
        "{hooks}"
    );
    let deliveries = std::fs::read_to_string(top.join("webhook_deliveries.csv")).unwrap();
    assert!(
        deliveries.contains("failed") && deliveries.contains("410"),
        "{deliveries}"
    );
    for file in ["webhooks.csv", "webhook_deliveries.csv", "README.md"] {
        let text = std::fs::read_to_string(top.join(file)).unwrap();
        assert!(
            !text.contains(&secret) && !text.contains(&generated),
            "{file}"
        );
    }
}

#[actix_web::test]
async fn private_targets_are_refused_without_the_allow_list() {
    let ts = common::server_with(true, |config| {
        config.mail_allowed_hosts = zezaro::net::HostPolicy::public_only();
    })
    .await;
    let ca = ts.token_client(CA_ACME);
    for (url, code) in [
        ("https://127.0.0.1:8443/hook", "host-not-allowed"),
        (
            "https://169.254.169.254/latest/meta-data",
            "host-not-allowed",
        ),
        ("https://[::1]/hook", "host-not-allowed"),
        ("https://10.1.2.3/hook", "host-not-allowed"),
        ("http://127.0.0.1:8080/hook", "host-not-allowed"),
        ("http://93.184.215.14/hook", "plain-http-not-allowed"),
        ("ftp://example.com/hook", "bad-url"),
        ("https://user:pw@example.com/hook", "bad-url"),
    ] {
        let (status, problem) = ca
            .post("/api/v1/webhooks", json!({"name": "Intern", "url": url}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {problem}");
        assert_eq!(problem["code"], code, "{url}: {problem}");
        assert_eq!(problem["field"], "url", "{url}: {problem}");
    }
    // A short secret is refused by name.
    let (status, problem) = ca
        .post(
            "/api/v1/webhooks",
            json!({"name": "Kurz", "url": "https://93.184.215.14/", "secret": "kurz"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["field"], "secret");
    // An agent may not create one.
    let (status, _) = ts
        .token_client(ANNA)
        .post(
            "/api/v1/webhooks",
            json!({"name": "Agent", "url": "https://93.184.215.14/"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
