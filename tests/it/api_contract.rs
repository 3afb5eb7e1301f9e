//! The HTTP contract: problem details with stable codes for bad input,
//! authentication, CSRF, throttling, security headers, OpenAPI, audit log.

use crate::common;

use reqwest::{Method, StatusCode};
use serde_json::json;

#[actix_web::test]
async fn bad_input_gets_problem_details_naming_the_field() {
    let ts = common::demo_server().await;
    let api = ts.token_client("admin@zezaro.example");
    let send = |body: &'static [u8], content_type: &'static str| {
        let api = &api;
        async move {
            let response = api
                .raw(
                    Method::POST,
                    "/api/v1/clients",
                    Some((content_type, body.to_vec())),
                    &[],
                )
                .await;
            let status = response.status();
            let ctype = response
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap_or("").to_string())
                .unwrap_or_default();
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            (status, ctype, body)
        }
    };
    for (body, content_type, status, code, field) in [
        (
            &b"{\"name\":"[..],
            "application/json",
            400,
            "malformed-json",
            None,
        ),
        (&b""[..], "application/json", 400, "malformed-json", None),
        (
            &b"{\"name\":\"X\",\"colour\":1}"[..],
            "application/json",
            400,
            "unknown-field",
            Some("colour"),
        ),
        (
            &b"{}"[..],
            "application/json",
            400,
            "missing-field",
            Some("name"),
        ),
        (
            &b"{\"name\":42}"[..],
            "application/json",
            400,
            "invalid-field",
            Some("name"),
        ),
        (
            &b"{\"name\":\"   \"}"[..],
            "application/json",
            422,
            "validation",
            Some("name"),
        ),
        (
            &b"name=x"[..],
            "application/x-www-form-urlencoded",
            415,
            "unsupported-media-type",
            None,
        ),
    ] {
        let (got, ctype, problem) = send(body, content_type).await;
        let text = String::from_utf8_lossy(body);
        assert_eq!(got.as_u16(), status, "{text}: {problem}");
        assert_eq!(ctype, "application/problem+json", "{text}");
        assert_eq!(problem["code"], code, "{text}: {problem}");
        assert_eq!(problem["status"], status);
        assert!(problem["type"].as_str().unwrap_or("").ends_with(code));
        assert!(!problem["title"].as_str().unwrap_or("").is_empty());
        assert_eq!(problem["field"].as_str(), field, "{text}: {problem}");
    }
    // Oversize bodies: 413, whether declared up front or streamed.
    let big = format!("{{\"name\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let response = api
        .raw(
            Method::POST,
            "/api/v1/clients",
            Some(("application/json", big.into_bytes())),
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "payload-too-large");
    // Bad ids and queries.
    let (status, problem) = api.get("/api/v1/clients/abc").await;
    assert_eq!(
        (status.as_u16(), problem["code"].as_str()),
        (404, Some("not-found"))
    );
    let (status, problem) = api.get("/api/v1/audit?limit=lots").await;
    assert_eq!(
        (status.as_u16(), problem["code"].as_str()),
        (400, Some("invalid-query"))
    );
    let (status, problem) = api.get("/api/v1/no-such-thing").await;
    assert_eq!(
        (status.as_u16(), problem["code"].as_str()),
        (404, Some("not-found"))
    );
    // Nothing was created by any of it.
    let (_, clients) = api.get("/api/v1/clients").await;
    assert_eq!(clients["items"].as_array().unwrap().len(), 3);
    ts.server.stop().await;
}

#[actix_web::test]
async fn authentication_sessions_tokens_and_csrf() {
    let ts = common::demo_server().await;
    // No credentials, a wrong token, a malformed header.
    let (status, problem) = ts.anonymous().get("/api/v1/me").await;
    assert_eq!(
        (status.as_u16(), problem["code"].as_str()),
        (401, Some("unauthenticated"))
    );
    let bogus = common::Api::new(&ts.url, Some("zz_not-a-token".into()));
    assert_eq!(bogus.get("/api/v1/me").await.0, 401);
    let response = ts
        .anonymous()
        .raw(
            Method::GET,
            "/api/v1/me",
            None,
            &[("Authorization", "Basic abc")],
        )
        .await;
    assert_eq!(response.status(), 401);

    // Wrong password: 401 and no cookie.
    let anon = ts.anonymous();
    let response = anon
        .raw(
            Method::POST,
            "/api/v1/auth/login",
            Some((
                "application/json",
                br#"{"email":"admin@zezaro.example","password":"wrong-password"}"#.to_vec(),
            )),
            &[],
        )
        .await;
    assert_eq!(response.status(), 401);
    assert!(response.headers().get("set-cookie").is_none());

    // Session cookie: HttpOnly, SameSite=Strict; CSRF needed for writes.
    let response = anon
        .raw(
            Method::POST,
            "/api/v1/auth/login",
            Some((
                "application/json",
                br#"{"email":"ADMIN@zezaro.example","password":"Hafenkran-Sonnenblume-7"}"#
                    .to_vec(),
            )),
            &[],
        )
        .await;
    assert_eq!(response.status(), 200);
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("zezaro_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP on loopback: no Secure flag ({cookie})"
    );
    let me: serde_json::Value = response.json().await.unwrap();
    let csrf = me["csrf_token"].as_str().unwrap().to_string();
    let (status, problem) = anon
        .post("/api/v1/clients", json!({"name": "Via Session"}))
        .await;
    assert_eq!(
        (status.as_u16(), problem["code"].as_str()),
        (403, Some("csrf"))
    );
    let mut with_csrf = anon;
    with_csrf.csrf = Some("wrong".into());
    assert_eq!(
        with_csrf
            .post("/api/v1/clients", json!({"name": "Via Session"}))
            .await
            .0,
        403
    );
    with_csrf.csrf = Some(csrf);
    assert_eq!(
        with_csrf
            .post("/api/v1/clients", json!({"name": "Via Session"}))
            .await
            .0,
        201
    );
    // Behind a TLS proxy the cookie is Secure.
    let response = ts
        .anonymous()
        .raw(
            Method::POST,
            "/api/v1/auth/login",
            Some((
                "application/json",
                br#"{"email":"admin@zezaro.example","password":"Hafenkran-Sonnenblume-7"}"#
                    .to_vec(),
            )),
            &[("X-Forwarded-Proto", "https")],
        )
        .await;
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");

    // Logout ends the session for good.
    assert_eq!(
        with_csrf
            .call(Method::POST, "/api/v1/auth/logout", None)
            .await
            .0,
        204
    );
    assert_eq!(with_csrf.get("/api/v1/me").await.0, 401);

    // API tokens: created once, listed without the secret, revocable.
    let api = ts.token_client("lead@zezaro.example");
    let (status, created) = api
        .post("/api/v1/me/tokens", json!({"name": "reporting"}))
        .await;
    assert_eq!(status, 201);
    let token = created["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("zz_"));
    let second = common::Api::new(&ts.url, Some(token.clone()));
    assert_eq!(
        second.get("/api/v1/me").await.1["user"]["email"],
        "lead@zezaro.example"
    );
    let (_, list) = api.get("/api/v1/me/tokens").await;
    assert!(
        !list.to_string().contains(&token),
        "secret must not be listed"
    );
    let id = created["id"].as_i64().unwrap();
    assert_eq!(api.delete(&format!("/api/v1/me/tokens/{id}")).await.0, 204);
    assert_eq!(second.get("/api/v1/me").await.0, 401);
    // Stored only as a hash.
    let stored: Vec<String> = ts
        .server
        .state
        .db
        .read_blocking(|conn| {
            let mut stmt = conn.prepare(
                "SELECT token_hash FROM api_tokens UNION ALL SELECT token_hash FROM sessions",
            )?;
            let rows = stmt.query_map([], |row| row.get(0))?;
            Ok::<_, zezaro::db::StoreError>(rows.collect::<Result<Vec<String>, _>>()?)
        })
        .unwrap();
    assert!(stored.iter().all(|h| h.len() == 64 && !h.contains("zz_")));

    // Deactivating a user ends their access at once.
    let agent = ts.token_client("jonas.weber@nordlicht.example");
    assert_eq!(agent.get("/api/v1/me").await.0, 200);
    let id = ts
        .id_of("/api/v1/users", "email", "jonas.weber@nordlicht.example")
        .await;
    let admin = ts.token_client("admin@zezaro.example");
    assert_eq!(admin.delete(&format!("/api/v1/users/{id}")).await.0, 204);
    assert_eq!(agent.get("/api/v1/me").await.0, 401);
    ts.server.stop().await;
}

#[actix_web::test]
async fn login_is_throttled_per_account_and_per_address() {
    let ts = common::server_with(true, |c| {
        c.login_attempts_per_account = 3;
        c.login_attempts_per_address = 6;
    })
    .await;
    let anon = ts.anonymous();
    let login = |email: &str, password: &str| json!({"email": email, "password": password});
    for _ in 0..3 {
        let (status, _) = anon
            .post(
                "/api/v1/auth/login",
                login("lead@zezaro.example", "nope-nope-nope"),
            )
            .await;
        assert_eq!(status, 401);
    }
    // From this address even the right password must wait now, with
    // Retry-After (the progressive delay; see tests/it/auth_hardening.rs for
    // the address that never failed).
    let response = anon
        .raw(
            Method::POST,
            "/api/v1/auth/login",
            Some((
                "application/json",
                serde_json::to_vec(&login("lead@zezaro.example", "Hafenkran-Sonnenblume-7"))
                    .unwrap(),
            )),
            &[],
        )
        .await;
    assert_eq!(response.status(), 429);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 900);
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "too-many-attempts");
    // Other accounts still work until the address's free attempts are used.
    for _ in 0..3 {
        assert_eq!(
            anon.post(
                "/api/v1/auth/login",
                login("pro.agent@zezaro.example", "wrong-wrong")
            )
            .await
            .0,
            401
        );
    }
    assert_eq!(
        anon.post(
            "/api/v1/auth/login",
            login("admin@zezaro.example", "Hafenkran-Sonnenblume-7")
        )
        .await
        .0,
        429
    );
    // Failed logins are in the audit log.
    let admin = ts.token_client("admin@zezaro.example");
    let (_, audit) = admin.get("/api/v1/audit?object_type=user&limit=500").await;
    let failed = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "auth.login-failed")
        .count();
    assert_eq!(failed, 6);
    ts.server.stop().await;
}

#[actix_web::test]
async fn security_headers_ui_and_openapi() {
    let ts = common::demo_server().await;
    let anon = ts.anonymous();
    for path in ["/", "/admin/projects", "/healthz", "/api/v1/me"] {
        let response = anon.raw(Method::GET, path, None, &[]).await;
        let h = response.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("default-src 'self'")
                && csp.contains("script-src 'self'")
                && !csp.contains("unsafe"),
            "{path}: {csp}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["referrer-policy"], "no-referrer");
    }
    // The UI: index for app routes, with no reference to any other host.
    let response = anon.raw(Method::GET, "/admin/users", None, &[]).await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("<div id=\"app\"") || html.contains("id=\"app\""),
        "{html}"
    );
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "UI must load nothing from elsewhere"
    );
    assert_eq!(
        anon.raw(Method::GET, "/assets/missing.js", None, &[])
            .await
            .status(),
        404
    );

    // OpenAPI 3 from the code, and the API browser.
    let (status, doc) = anon.get("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/auth/login",
        "/api/v1/me",
        "/api/v1/clients",
        "/api/v1/projects/{id}/members/{user_id}",
        "/api/v1/users",
        "/api/v1/teams",
        "/api/v1/audit",
        "/healthz",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
    let response = anon.raw(Method::GET, "/api/docs/", None, &[]).await;
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("swagger"));
    ts.server.stop().await;
}

#[actix_web::test]
async fn audit_log_records_changes_and_cannot_be_edited() {
    let ts = common::demo_server().await;
    let admin = ts.token_client("admin@zezaro.example");
    let (status, client) = admin
        .post("/api/v1/clients", json!({"name": "Audit GmbH"}))
        .await;
    assert_eq!(status, 201);
    let id = client["id"].as_i64().unwrap();
    admin
        .patch(
            &format!("/api/v1/clients/{id}"),
            json!({"name": "Audit AG"}),
        )
        .await;
    let (_, audit) = admin
        .get(&format!("/api/v1/audit?object_type=client&object_id={id}"))
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["client.rename", "client.create"]);
    let entry = &audit["items"][0];
    assert_eq!(entry["actor_email"], "admin@zezaro.example");
    assert_eq!(entry["ip"], "127.0.0.1");
    assert_eq!(entry["details"]["to"], "Audit AG");
    // Append-only in the store itself.
    let refused = ts.server.state.db.write_blocking(|tx| {
        tx.execute("UPDATE audit_log SET action = 'x'", [])
            .map_err(zezaro::db::StoreError::from)
    });
    assert!(refused.is_err());
    let refused = ts.server.state.db.write_blocking(|tx| {
        tx.execute("DELETE FROM audit_log", [])
            .map_err(zezaro::db::StoreError::from)
    });
    assert!(refused.is_err());
    // No endpoint changes it.
    for method in [Method::PUT, Method::PATCH, Method::DELETE, Method::POST] {
        let (status, _) = admin
            .call(method.clone(), "/api/v1/audit", Some(json!({})))
            .await;
        assert!(status == 404 || status == 405, "{method}: {status}");
    }
    ts.server.stop().await;
}
