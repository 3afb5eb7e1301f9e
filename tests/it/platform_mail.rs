//! The platform's own mail against a real Postfix (tests/common/postfix.rs):
//! the platform sender (its password sealed, never answered), a test mail,
//! an invitation that arrives in the user's language and whose link sets
//! the password once and only once, "forgot password" answered alike for
//! known and unknown addresses, expired, used and replaced links refused
//! with stable codes, and invitations only by who may edit the user.

use crate::common;

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use zezaro::db::StoreError;

use common::postfix::{Delivered, Postfix};

const ADMIN: &str = "admin@zezaro.example";
const KADMIN: &str = "kadmin@acme-energie.example";
const KADMIN_NORD: &str = "kadmin@nordlicht.example";
const ANNA: &str = "anna.schmidt@acme-energie.example";
const PUBLIC: &str = "https://service.zezaro.test";
const NEW_PASSWORD: &str = "Leuchtturm-Brandung-Kompass-42";

async fn server() -> common::TestServer {
    common::server_with(true, |config| config.public_url = Some(PUBLIC.into())).await
}

async fn set_sender(ts: &common::TestServer, postfix: &Postfix) -> Value {
    let (status, body) = ts
        .token_client(ADMIN)
        .put(
            "/api/v1/platform/mail-sender",
            json!({"smtp_host": "127.0.0.1", "smtp_port": postfix.port, "smtp_security": "plain",
                   "smtp_username": "", "smtp_password": "Sender-Geheimnis-99",
                   "from_address": "noreply@zezaro.example", "from_name": "zezaro Plattform"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The token of the link in a delivered mail (its host is the configured
/// public address).
fn token_of(mail: &Delivered) -> String {
    let parsed = mail.parsed();
    let body = parsed.body_text(0).expect("a text body").to_string();
    let start = body
        .find(&format!("{PUBLIC}/set-password?token="))
        .unwrap_or_else(|| panic!("no link in {body}"));
    body[start..]
        .split_whitespace()
        .next()
        .and_then(|link| link.split_once("token="))
        .map(|(_, token)| token.to_string())
        .expect("token")
}

async fn set_password(ts: &common::TestServer, token: &str, password: &str) -> (StatusCode, Value) {
    ts.anonymous()
        .post(
            "/api/v1/auth/set-password",
            json!({"token": token, "password": password}),
        )
        .await
}

async fn login(ts: &common::TestServer, email: &str, password: &str) -> StatusCode {
    ts.anonymous()
        .post(
            "/api/v1/auth/login",
            json!({"email": email, "password": password}),
        )
        .await
        .0
}

async fn wait_state(ts: &common::TestServer, user_id: i64, state: &str) -> Value {
    let api = ts.token_client(ADMIN);
    for _ in 0..200 {
        let (status, body) = api
            .get(&format!("/api/v1/users/{user_id}/invitation"))
            .await;
        assert_eq!(status, 200, "{body}");
        if body["invitation"]["state"] == state {
            return body["invitation"].clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the invitation of user {user_id} never became {state}");
}

#[actix_web::test]
async fn an_invitation_arrives_and_its_link_sets_the_password_once() {
    let postfix = Postfix::start_new();
    let ts = server().await;
    let admin = ts.token_client(ADMIN);
    let kadmin = ts.token_client(KADMIN);

    // No sender yet: the admin sees none, an invitation is refused clearly.
    let (status, state) = admin.get("/api/v1/platform/mail-sender").await;
    assert_eq!(status, 200);
    assert_eq!(state["sender"], Value::Null);
    assert_eq!(state["public_url"], PUBLIC);
    let acme = ts
        .id_of("/api/v1/clients", "name", "Acme Energie GmbH")
        .await;
    let (status, team) = kadmin.get("/api/v1/teams").await;
    assert_eq!(status, 200);
    let team_id = team["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["client_id"] == acme)
        .expect("an Acme team")["id"]
        .clone();
    // A user without a password: nobody can sign in as them yet.
    let (status, user) = kadmin
        .post(
            "/api/v1/users",
            json!({"email": "neu.agent@acme-energie.example", "name": "Nora Neu",
                   "role": "agent", "client_id": acme, "team_id": team_id, "locale": "de"}),
        )
        .await;
    assert_eq!(status, 201, "{user}");
    let user_id = user["id"].as_i64().unwrap();
    let (_, shown) = kadmin.get(&format!("/api/v1/users/{user_id}")).await;
    assert_eq!(shown["can"]["invite"], true, "{shown}");
    let (status, body) = kadmin
        .post(&format!("/api/v1/users/{user_id}/invitation"), json!({}))
        .await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (409, Some("no-platform-sender"))
    );

    // The sender: its password is sealed and never answered.
    let saved = set_sender(&ts, &postfix).await;
    assert_eq!(saved["sender"]["has_password"], true);
    assert!(!saved.to_string().contains("Sender-Geheimnis-99"));
    assert!(common::store_hits(&ts, "Sender-Geheimnis-99").is_empty());
    // Others may not see or set it.
    for email in [KADMIN, ANNA] {
        let (status, _) = ts
            .token_client(email)
            .get("/api/v1/platform/mail-sender")
            .await;
        assert_eq!(status, 403, "{email}");
    }

    // The test mail goes out through Postfix.
    let (status, result) = admin
        .post(
            "/api/v1/platform/mail-sender/test",
            json!({"to": "paula@example.org"}),
        )
        .await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(result["sent"], true, "{result}");
    // The admin's language is English.
    postfix
        .wait_for("Test message from zezaro", Duration::from_secs(20))
        .await;

    // The invitation, in German (the user's language), from the sender.
    let (status, first) = kadmin
        .post(&format!("/api/v1/users/{user_id}/invitation"), json!({}))
        .await;
    assert_eq!(status, 202, "{first}");
    assert_eq!(first["kind"], "invitation");
    let mail = postfix
        .wait_for("Ihre Einladung zu zezaro", Duration::from_secs(20))
        .await;
    let parsed = mail.parsed();
    assert_eq!(
        parsed
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address()),
        Some("neu.agent@acme-energie.example")
    );
    assert_eq!(
        parsed
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.address()),
        Some("noreply@zezaro.example")
    );
    assert!(parsed.body_text(0).unwrap().contains("Hallo Nora Neu"));
    let old_token = token_of(&mail);
    wait_state(&ts, user_id, "sent").await;
    // Once sent, the token is nowhere in the store (only its hash).
    assert!(common::store_hits(&ts, &old_token).is_empty());

    // A new invitation voids the first link.
    let (status, _) = kadmin
        .post(&format!("/api/v1/users/{user_id}/invitation"), json!({}))
        .await;
    assert_eq!(status, 202);
    let second = loop {
        let found = postfix.with_subject("Ihre Einladung zu zezaro");
        if found.len() >= 2 {
            break found[1].clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let token = token_of(&second);
    assert_ne!(token, old_token);
    let (status, body) = set_password(&ts, &old_token, NEW_PASSWORD).await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (410, Some("token-invalid"))
    );

    // The page can say whom the link is for, before anything is typed.
    let (status, link) = ts
        .anonymous()
        .post("/api/v1/auth/password-link", json!({ "token": token }))
        .await;
    assert_eq!(status, 200, "{link}");
    assert_eq!(link["email"], "neu.agent@acme-energie.example");
    assert_eq!(link["purpose"], "invitation");
    let (status, body) = ts
        .anonymous()
        .post("/api/v1/auth/password-link", json!({ "token": old_token }))
        .await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (410, Some("token-invalid"))
    );

    // A weak password is refused and leaves the link usable.
    let (status, body) = set_password(&ts, &token, "passwort123").await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = set_password(&ts, &token, NEW_PASSWORD).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(
        login(&ts, "neu.agent@acme-energie.example", NEW_PASSWORD).await,
        200
    );
    // Once only.
    let (status, body) = set_password(&ts, &token, "Anderes-Passwort-Segelboot-7").await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (410, Some("token-used"))
    );
    let (status, body) = set_password(&ts, "no-such-token", NEW_PASSWORD).await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (410, Some("token-invalid"))
    );
    let (_, shown) = admin
        .get(&format!("/api/v1/users/{user_id}/invitation"))
        .await;
    assert!(shown["invitation"]["used_at"].is_string(), "{shown}");
    let (_, audit) = admin.get("/api/v1/audit?limit=50").await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"user.invite"), "{actions:?}");
    assert!(actions.contains(&"user.password-set"), "{actions:?}");

    // Only who may edit the user invites them: another client's admin
    // does not see Anna, an agent may not invite.
    let anna = ts.id_of("/api/v1/users", "email", ANNA).await;
    let (status, _) = ts
        .token_client(KADMIN_NORD)
        .post(&format!("/api/v1/users/{anna}/invitation"), json!({}))
        .await;
    assert_eq!(status, 404);
    let (status, _) = ts
        .token_client(ANNA)
        .post(&format!("/api/v1/users/{user_id}/invitation"), json!({}))
        .await;
    assert_eq!(status, 403);
    ts.server.stop().await;
}

#[actix_web::test]
async fn forgot_password_answers_alike_and_ends_the_sessions() {
    let postfix = Postfix::start_new();
    let ts = server().await;
    set_sender(&ts, &postfix).await;
    let anna_session = ts.session_client(ANNA).await;
    assert_eq!(anna_session.get("/api/v1/me").await.0, 200);

    let anon = ts.anonymous();
    let ask = |email: &'static str| {
        let anon = &anon;
        async move {
            let response = anon
                .raw(
                    Method::POST,
                    "/api/v1/auth/password-reset",
                    Some((
                        "application/json",
                        serde_json::to_vec(&json!({ "email": email })).unwrap(),
                    )),
                    &[],
                )
                .await;
            let status = response.status();
            (status, response.text().await.unwrap())
        }
    };
    // Unknown and known addresses get the same answer.
    let unknown = ask("niemand@acme-energie.example").await;
    let known = ask(ANNA).await;
    assert_eq!(unknown, known);
    assert_eq!(known.0, 202);
    let mail = postfix
        .wait_for("Passwort für zezaro zurücksetzen", Duration::from_secs(20))
        .await;
    assert_eq!(
        mail.parsed()
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address()),
        Some(ANNA)
    );
    let token = token_of(&mail);
    let (status, body) = set_password(&ts, &token, NEW_PASSWORD).await;
    assert_eq!(status, 204, "{body}");
    // Every session of Anna ended; the new password works, the old not.
    assert_eq!(anna_session.get("/api/v1/me").await.0, 401);
    assert_eq!(login(&ts, ANNA, NEW_PASSWORD).await, 200);
    assert_eq!(login(&ts, ANNA, zezaro::demo::DEMO_PASSWORD).await, 401);
    let (status, body) = set_password(&ts, &token, "Anderes-Passwort-Segelboot-7").await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (410, Some("token-used"))
    );

    // An expired link is refused with its own code.
    let expired = zezaro::auth::tokens::random_token();
    let hash = zezaro::auth::tokens::token_hash(&expired);
    ts.server
        .state
        .db
        .write_blocking(move |tx| {
            tx.execute(
                "INSERT INTO password_tokens (user_id, purpose, token_hash, expires_at, created_at)
                 SELECT id, 'reset', ?2, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'
                 FROM users WHERE email = ?1",
                rusqlite::params![ANNA, hash],
            )?;
            Ok::<_, StoreError>(())
        })
        .unwrap();
    let (status, body) = set_password(&ts, &expired, NEW_PASSWORD).await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (410, Some("token-expired"))
    );
    // A month past its end, the hourly purge deletes it (the fresh ones stay).
    let purged = ts
        .server
        .state
        .db
        .write_blocking(|tx| zezaro::platform_mail::store::purge_old_tokens(tx))
        .unwrap();
    assert_eq!(purged, 1);
    let (status, body) = set_password(&ts, &expired, NEW_PASSWORD).await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (410, Some("token-invalid"))
    );

    // A deactivated user gets no mail; the answer is the same.
    let jonas = ts
        .id_of("/api/v1/users", "email", "jonas.weber@nordlicht.example")
        .await;
    let (status, _) = ts
        .token_client(ADMIN)
        .delete(&format!("/api/v1/users/{jonas}"))
        .await;
    assert_eq!(status, 204);
    assert_eq!(ask("jonas.weber@nordlicht.example").await, known);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let queued: i64 = ts
        .server
        .state
        .db
        .read_blocking(move |conn| {
            Ok::<_, StoreError>(conn.query_row(
                "SELECT COUNT(*) FROM platform_mail WHERE user_id = ?1",
                [jonas],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(queued, 0);

    // Asking again and again for one address is slowed down.
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(ask("niemand@acme-energie.example").await.0.as_u16());
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    ts.server.stop().await;
}
