//! Issue 11, security items 1, 2, 4 and 7: bounded live-event streams,
//! API tokens that die with a password change or a deactivation and
//! expire, client addresses behind trusted proxies with progressive login
//! delays, and self-service password changes with a strength check.

use crate::common;

use std::time::{Duration, Instant};

use common::{Api, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ADMIN: &str = "admin@zezaro.example";
const CA_ACME: &str = "kadmin@acme-energie.example";
const ANNA: &str = "anna.schmidt@acme-energie.example";
const JONAS: &str = "jonas.weber@nordlicht.example";
const PRO: &str = "pro.agent@zezaro.example";
const STRONG: &str = "Fernweh im Februar, 7 Kraniche";

fn p(path: impl std::fmt::Display) -> String {
    format!("/api/v1{path}")
}

async fn user_id(ts: &TestServer, email: &str) -> i64 {
    ts.id_of(&p("/users"), "email", email).await
}

async fn login(api: &Api, email: &str, password: &str, from: Option<&str>) -> reqwest::Response {
    let headers: Vec<(&str, &str)> = from.map(|ip| ("X-Forwarded-For", ip)).into_iter().collect();
    api.raw(
        Method::POST,
        &p("/auth/login"),
        Some((
            "application/json",
            serde_json::to_vec(&json!({ "email": email, "password": password })).expect("json"),
        )),
        &headers,
    )
    .await
}

/// A session client of `email` with `password`.
async fn session(ts: &TestServer, email: &str, password: &str) -> Api {
    let mut api = ts.anonymous();
    let response = login(&api, email, password, None).await;
    assert_eq!(response.status(), 200, "login {email}");
    let me: Value = response.json().await.expect("me");
    api.csrf = me["csrf_token"].as_str().map(str::to_string);
    api
}

async fn audit_actions(ts: &TestServer) -> Vec<Value> {
    let admin = ts.token_client(ADMIN);
    let (status, body) = admin.get(&p("/audit?limit=500")).await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().expect("items").clone()
}

// ---- 1: live-event streams ---------------------------------------------------

/// Opens one event stream over a raw socket; the socket stays open when the
/// answer is 200.
async fn open_stream(url: &str, token: &str) -> (u16, Option<TcpStream>) {
    let addr = url.trim_start_matches("http://");
    let attempt = async {
        let mut socket = TcpStream::connect(addr).await.ok()?;
        let request = format!(
            "GET /api/v1/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
        );
        socket.write_all(request.as_bytes()).await.ok()?;
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut buf).await.ok()?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buf[..n]);
        }
        let status = String::from_utf8_lossy(&head)
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())?;
        Some((status, socket))
    };
    match tokio::time::timeout(Duration::from_secs(20), attempt).await {
        Ok(Some((200, socket))) => (200, Some(socket)),
        Ok(Some((status, _))) => (status, None),
        _ => (0, None),
    }
}

#[actix_web::test]
async fn two_thousand_stream_attempts_leave_the_server_answering() {
    const TOTAL: usize = 60;
    let ts = common::server_with(true, |c| c.event_streams_total = Some(TOTAL)).await;
    let tokens: Vec<String> = common::demo_users()
        .values()
        .map(|email| ts.token_client(email).token.expect("token"))
        .collect();
    assert_eq!(tokens.len(), 9);

    // 2,000 attempts, 100 at a time, 20 in a row per user round the nine
    // users' tokens; the accepted streams stay open until the end.
    let mut open = Vec::new();
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for wave in 0..20 {
        let attempts = (0..100).map(|i| {
            let token = tokens[((wave * 100 + i) / 20) % tokens.len()].clone();
            let url = ts.url.clone();
            tokio::spawn(async move { open_stream(&url, &token).await })
        });
        for attempt in futures_util::future::join_all(attempts).await {
            let (status, socket) = attempt.expect("task");
            *statuses.entry(status).or_default() += 1;
            open.extend(socket);
        }
    }
    // 9 users × 8 would be 72; the total cap of 60 comes first.
    assert_eq!(open.len(), TOTAL, "{statuses:?}");
    assert_eq!(ts.server.state.cases.open_streams(), TOTAL);
    assert!(statuses.get(&429).copied().unwrap_or(0) > 0, "{statuses:?}");
    assert!(statuses.get(&503).copied().unwrap_or(0) > 0, "{statuses:?}");
    assert_eq!(
        statuses.values().sum::<usize>(),
        2000,
        "every attempt answered: {statuses:?}"
    );
    assert!(
        statuses.keys().all(|s| [200, 429, 503].contains(s)),
        "{statuses:?}"
    );

    // While they are open, the server answers at once.
    let client = reqwest::Client::new();
    for _ in 0..5 {
        let started = Instant::now();
        let response = client
            .get(format!("{}/healthz", ts.url))
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .expect("healthz answers");
        assert_eq!(response.status(), 200);
        let took = started.elapsed();
        assert!(took < Duration::from_secs(1), "healthz took {took:?}");
    }
    // A refusal is a problem document with Retry-After.
    let response = ts
        .token_client(ADMIN)
        .raw(Method::GET, &p("/events"), None, &[])
        .await;
    assert!(
        response.status() == 429 || response.status() == 503,
        "{}",
        response.status()
    );
    assert!(response.headers().contains_key("retry-after"));
    let problem: Value = response.json().await.expect("problem");
    assert!(
        problem["code"] == "too-many-streams" || problem["code"] == "streams-exhausted",
        "{problem}"
    );

    // Closed streams give their slots back.
    drop(open);
    let deadline = Instant::now() + Duration::from_secs(30);
    while ts.server.state.cases.open_streams() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(ts.server.state.cases.open_streams(), 0);
    let (status, _) = open_stream(&ts.url, &tokens[0]).await;
    assert_eq!(status, 200);
    ts.server.stop().await;
}

#[actix_web::test]
async fn one_user_gets_eight_streams() {
    let ts = common::demo_server().await;
    let token = ts.token_client(ANNA).token.expect("token");
    let mut open = Vec::new();
    let mut refused = 0;
    for _ in 0..12 {
        match open_stream(&ts.url, &token).await {
            (200, socket) => open.extend(socket),
            (429, _) => refused += 1,
            (other, _) => panic!("unexpected {other}"),
        }
    }
    assert_eq!((open.len(), refused), (8, 4));
    // Another user is not affected.
    let other = ts.token_client(JONAS).token.expect("token");
    assert_eq!(open_stream(&ts.url, &other).await.0, 200);
    ts.server.stop().await;
}

// ---- 2: API tokens -------------------------------------------------------------

#[actix_web::test]
async fn tokens_expire_after_a_year_by_default_and_expired_ones_are_refused() {
    let ts = common::demo_server().await;
    let anna = ts.token_client(ANNA);
    let (status, created) = anna.post(&p("/me/tokens"), json!({ "name": "ci" })).await;
    assert_eq!(status, 201, "{created}");
    let expires =
        chrono::DateTime::parse_from_rfc3339(created["expires_at"].as_str().expect("expiry"))
            .expect("time");
    let days = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_days();
    assert!((364..=365).contains(&days), "{days} days");
    let (_, list) = anna.get(&p("/me/tokens")).await;
    let listed = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["id"] == created["id"])
        .expect("listed");
    assert_eq!(listed["expires_at"], created["expires_at"]);

    // 0: never; beyond ten years: refused.
    let (status, never) = anna
        .post(
            &p("/me/tokens"),
            json!({ "name": "n", "expires_in_days": 0 }),
        )
        .await;
    assert_eq!(status, 201);
    assert!(never["expires_at"].is_null(), "{never}");
    let (status, body) = anna
        .post(
            &p("/me/tokens"),
            json!({ "name": "n", "expires_in_days": 4000 }),
        )
        .await;
    assert_eq!(
        (status.as_u16(), body["field"].as_str()),
        (422, Some("expires_in_days"))
    );

    // An expired token no longer signs in.
    let short = Api::new(&ts.url, created["token"].as_str().map(str::to_string));
    assert_eq!(short.get(&p("/me")).await.0, 200);
    let id = created["id"].as_i64().expect("id");
    ts.server
        .state
        .db
        .write_blocking(move |tx| {
            Ok::<_, zezaro::db::StoreError>(tx.execute(
                "UPDATE api_tokens SET expires_at = '2020-01-01T00:00:00.000Z' WHERE id = ?1",
                [id],
            )?)
        })
        .expect("expire");
    let (status, body) = short.get(&p("/me")).await;
    assert_eq!(status, 401, "an expired token still works: {body}");
    ts.server.stop().await;
}

#[actix_web::test]
async fn a_password_reset_and_a_deactivation_revoke_tokens_and_sessions() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(ADMIN);
    let anna_id = user_id(&ts, ANNA).await;
    let anna_token = ts.token_client(ANNA);
    let anna_session = ts.session_client(ANNA).await;
    assert_eq!(anna_token.get(&p("/me")).await.0, 200);

    // Reset by the admin.
    let (status, body) = admin
        .patch(
            &p(format!("/users/{anna_id}")),
            json!({ "password": STRONG }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = anna_token.get(&p("/me")).await;
    assert_eq!(status, 401, "the token survived a password reset: {body}");
    assert_eq!(anna_session.get(&p("/me")).await.0, 401);

    // Deactivation, then reactivation: nothing comes back.
    let jonas_id = user_id(&ts, JONAS).await;
    let jonas = ts.token_client(JONAS);
    assert_eq!(jonas.get(&p("/me")).await.0, 200);
    assert_eq!(admin.delete(&p(format!("/users/{jonas_id}"))).await.0, 204);
    assert_eq!(
        admin
            .patch(&p(format!("/users/{jonas_id}")), json!({ "active": true }))
            .await
            .0,
        200
    );
    let (status, body) = jonas.get(&p("/me")).await;
    assert_eq!(
        status, 401,
        "the token came back with the reactivation: {body}"
    );
    let (_, tokens) = admin.get(&p(format!("/users/{jonas_id}/tokens"))).await;
    assert_eq!(
        tokens["items"].as_array().map(Vec::len),
        Some(0),
        "{tokens}"
    );

    // Both revocations are audited.
    let audit = audit_actions(&ts).await;
    let revoked: Vec<(&str, i64)> = audit
        .iter()
        .filter(|e| e["action"] == "credentials.revoke")
        .map(|e| {
            (
                e["details"]["reason"].as_str().unwrap_or(""),
                e["object_id"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert!(
        revoked.contains(&("password-reset", anna_id)),
        "{revoked:?}"
    );
    assert!(revoked.contains(&("deactivated", jonas_id)), "{revoked:?}");
    ts.server.stop().await;
}

#[actix_web::test]
async fn admins_list_and_revoke_tokens_of_the_users_they_manage() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(ADMIN);
    let ca_acme = ts.token_client(CA_ACME);
    let anna_id = user_id(&ts, ANNA).await;
    let pro_id = user_id(&ts, PRO).await;
    let jonas_id = user_id(&ts, JONAS).await;
    let anna = ts.token_client(ANNA);
    let (_, created) = anna
        .post(&p("/me/tokens"), json!({ "name": "script" }))
        .await;
    let script = Api::new(&ts.url, created["token"].as_str().map(str::to_string));
    let token_id = created["id"].as_i64().expect("id");

    // The client admin sees Anna's tokens (never the secret) and revokes one.
    let (status, list) = ca_acme.get(&p(format!("/users/{anna_id}/tokens"))).await;
    assert_eq!(status, 200, "{list}");
    let items = list["items"].as_array().expect("items");
    assert!(
        items
            .iter()
            .any(|t| t["id"] == token_id && t["name"] == "script")
    );
    assert!(items.iter().all(|t| t.get("token").is_none()));
    assert_eq!(
        ca_acme
            .delete(&p(format!("/users/{anna_id}/tokens/{token_id}")))
            .await
            .0,
        204
    );
    assert_eq!(script.get(&p("/me")).await.0, 401);
    assert_eq!(
        ca_acme
            .delete(&p(format!("/users/{anna_id}/tokens/{token_id}")))
            .await
            .0,
        404
    );
    // Not the provider's agent working for Acme, nor another client's user.
    assert_eq!(
        ca_acme.get(&p(format!("/users/{pro_id}/tokens"))).await.0,
        403
    );
    assert_eq!(
        ca_acme.get(&p(format!("/users/{jonas_id}/tokens"))).await.0,
        404
    );
    // An agent manages no one's tokens, not even through this endpoint.
    assert_eq!(
        anna.get(&p(format!("/users/{anna_id}/tokens"))).await.0,
        403
    );
    // The platform admin manages anyone's.
    let pro = ts.token_client(PRO);
    let (_, list) = admin.get(&p(format!("/users/{pro_id}/tokens"))).await;
    let pro_token = list["items"][0]["id"].as_i64().expect("pro's token");
    assert_eq!(
        admin
            .delete(&p(format!("/users/{pro_id}/tokens/{pro_token}")))
            .await
            .0,
        204
    );
    assert_eq!(pro.get(&p("/me")).await.0, 401);

    let audit = audit_actions(&ts).await;
    let revocations: Vec<i64> = audit
        .iter()
        .filter(|e| e["action"] == "token.revoke")
        .filter_map(|e| e["object_id"].as_i64())
        .collect();
    assert!(revocations.contains(&token_id) && revocations.contains(&pro_token));
    let by_ca = audit
        .iter()
        .find(|e| {
            e["action"] == "token.revoke"
                && e["object_id"] == token_id
                && e["details"]["user_id"] == anna_id
        })
        .expect("entry");
    assert_eq!(by_ca["actor_email"], CA_ACME);
    ts.server.stop().await;
}

// ---- 4: trusted proxies and progressive delays ---------------------------------

fn behind_proxy(c: &mut zezaro::config::Config) {
    c.trusted_proxies = vec!["127.0.0.1".parse().expect("net")];
}

#[actix_web::test]
async fn twenty_wrong_passwords_from_one_address_do_not_lock_out_the_admin() {
    let ts = common::server_with(true, behind_proxy).await;
    let attacker = ts.anonymous();
    let (mut wrong, mut slowed) = (0, 0);
    for _ in 0..20 {
        match login(&attacker, ADMIN, "not-the-password", Some("203.0.113.66"))
            .await
            .status()
            .as_u16()
        {
            401 => wrong += 1,
            429 => slowed += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert!(wrong >= 5 && slowed > 0, "{wrong} refused, {slowed} slowed");
    // The attacker's address is slowed, even with the right password.
    let response = login(
        &attacker,
        ADMIN,
        zezaro::demo::DEMO_PASSWORD,
        Some("203.0.113.66"),
    )
    .await;
    assert_eq!(response.status(), 429);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .expect("header")
        .parse()
        .expect("seconds");
    assert!(retry >= 1);
    let problem: Value = response.json().await.expect("problem");
    assert_eq!(problem["code"], "too-many-attempts");
    // The right password from another address gets in at once.
    let admin = ts.anonymous();
    let started = Instant::now();
    let response = login(
        &admin,
        ADMIN,
        zezaro::demo::DEMO_PASSWORD,
        Some("198.51.100.7"),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(5));
    ts.server.stop().await;
}

#[actix_web::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    // Behind a trusted proxy: the forwarded client is recorded.
    let ts = common::server_with(true, behind_proxy).await;
    let anon = ts.anonymous();
    let response = login(
        &anon,
        ANNA,
        zezaro::demo::DEMO_PASSWORD,
        Some("1.2.3.4, 198.51.100.23"),
    )
    .await;
    assert_eq!(response.status(), 200);
    let audit = audit_actions(&ts).await;
    let entry = audit
        .iter()
        .find(|e| e["action"] == "auth.login" && e["actor_email"] == ANNA)
        .expect("login entry");
    assert_eq!(entry["ip"], "198.51.100.23", "{entry}");
    ts.server.stop().await;

    // Without trusted proxies the header is ignored: the peer it is.
    let ts = common::demo_server().await;
    let anon = ts.anonymous();
    let response = login(
        &anon,
        ANNA,
        zezaro::demo::DEMO_PASSWORD,
        Some("198.51.100.23"),
    )
    .await;
    assert_eq!(response.status(), 200);
    let audit = audit_actions(&ts).await;
    let entry = audit
        .iter()
        .find(|e| e["action"] == "auth.login" && e["actor_email"] == ANNA)
        .expect("login entry");
    assert_eq!(entry["ip"], "127.0.0.1", "{entry}");
    // Nor can a forged header dodge the delays of its real address: 20
    // failures (the address's free attempts), each "from" somewhere else.
    for n in 0..22 {
        login(
            &anon,
            &format!("nobody{n}@zezaro.example"),
            "wrong-wrong-wrong",
            Some(&format!("10.9.8.{n}")),
        )
        .await;
    }
    let response = login(&anon, PRO, "wrong-wrong-wrong", Some("10.0.0.1")).await;
    assert_eq!(
        response.status(),
        429,
        "the forged address escaped the delay"
    );
    ts.server.stop().await;
}

// ---- 7: self-service password change, strength ----------------------------------

#[actix_web::test]
async fn users_change_their_own_password_and_every_other_way_in_ends() {
    let ts = common::demo_server().await;
    let current = ts.session_client(ANNA).await;
    let other_session = ts.session_client(ANNA).await;
    let token = ts.token_client(ANNA);
    let change = |old: &str, new: &str| json!({ "current_password": old, "new_password": new });

    let (status, body) = current
        .post(&p("/me/password"), change("wrong-wrong-wrong", STRONG))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        (body["code"].as_str(), body["field"].as_str()),
        (Some("wrong-password"), Some("current_password"))
    );

    let (status, body) = current
        .post(
            &p("/me/password"),
            change(zezaro::demo::DEMO_PASSWORD, "password12"),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "weak-password");
    assert_eq!(body["field"], "new_password");
    assert_eq!(body["reason"], "common-password");
    assert_eq!(
        token.get(&p("/me")).await.0,
        200,
        "a refused change revokes nothing"
    );

    let (status, body) = current
        .post(
            &p("/me/password"),
            change(zezaro::demo::DEMO_PASSWORD, STRONG),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(
        current.get(&p("/me")).await.0,
        200,
        "the calling session stays"
    );
    assert_eq!(other_session.get(&p("/me")).await.0, 401);
    assert_eq!(token.get(&p("/me")).await.0, 401);
    let anon = ts.anonymous();
    assert_eq!(
        login(&anon, ANNA, zezaro::demo::DEMO_PASSWORD, None)
            .await
            .status(),
        401
    );
    session(&ts, ANNA, STRONG).await;

    let audit = audit_actions(&ts).await;
    assert!(audit.iter().any(|e| e["action"] == "user.password-change"));
    assert!(audit.iter().any(|e| e["action"] == "credentials.revoke"
        && e["details"]["reason"] == "password-changed"
        && e["details"]["sessions"] == 1));
    ts.server.stop().await;
}

#[actix_web::test]
async fn weak_passwords_are_refused_wherever_one_is_set() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(ADMIN);
    let acme = ts.id_of(&p("/clients"), "name", "Acme Energie GmbH").await;
    for (password, reason) in [
        ("password12", Some("common-password")),
        ("1234567890", Some("common-password")),
        ("qwertzuiop", None),
        ("aaaaaaaaaaaa", None),
    ] {
        let (status, body) = admin
            .post(
                &p("/users"),
                json!({ "email": "weak@acme-energie.example", "name": "Weak", "role": "client-admin",
                        "client_id": acme, "password": password }),
            )
            .await;
        assert_eq!(status, 422, "{password}: {body}");
        assert_eq!(body["code"], "weak-password", "{password}: {body}");
        assert_eq!(body["field"], "password");
        assert!(body["reason"].is_string(), "{body}");
        if let Some(reason) = reason {
            assert_eq!(body["reason"], reason, "{password}: {body}");
        }
    }
    let anna_id = user_id(&ts, ANNA).await;
    let (status, body) = admin
        .patch(
            &p(format!("/users/{anna_id}")),
            json!({ "password": "1234567890" }),
        )
        .await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (422, Some("weak-password")),
        "{body}"
    );
    // A strong one is taken.
    let (status, body) = admin
        .post(
            &p("/users"),
            json!({ "email": "strong@acme-energie.example", "name": "Strong", "role": "client-admin",
                    "client_id": acme, "password": STRONG }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    ts.server.stop().await;
}
