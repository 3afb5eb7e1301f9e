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

/// Checks `value` against `schema` strictly, as the UI's generated types read
/// the document: every field the server sends is documented, every required
/// one is there (and every field always sent is required), types and enum
/// values are the documented ones.
fn strict(
    doc: &serde_json::Value,
    value: &serde_json::Value,
    schema: &serde_json::Value,
    path: &str,
    out: &mut Vec<String>,
) {
    use serde_json::Value;
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return strict(doc, value, &doc["components"]["schemas"][name], path, out);
    }
    if let Some(parts) = schema["allOf"].as_array() {
        // Merge the parts into one object schema.
        let mut merged = json!({"type": "object", "properties": {}, "required": []});
        let mut stack: Vec<&Value> = parts.iter().collect();
        while let Some(part) = stack.pop() {
            let part = match part["$ref"].as_str() {
                Some(r) => {
                    &doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")]
                }
                None => part,
            };
            if let Some(inner) = part["allOf"].as_array() {
                stack.extend(inner.iter());
                continue;
            }
            if let Some(props) = part["properties"].as_object() {
                for (k, v) in props {
                    merged["properties"][k] = v.clone();
                }
            }
            if let Some(req) = part["required"].as_array() {
                merged["required"]
                    .as_array_mut()
                    .unwrap()
                    .extend(req.iter().cloned());
            }
        }
        return strict(doc, value, &merged, path, out);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema[key].as_array() {
            let fits = options.iter().any(|option| {
                let mut found = Vec::new();
                strict(doc, value, option, path, &mut found);
                found.is_empty()
            });
            if !fits {
                out.push(format!("{path}: {value} fits none of {key} {schema}"));
            }
            return;
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if types.is_empty() {
        // `{}`: any value (documented as such, e.g. the audit log's details).
        return;
    }
    let fits = match value {
        Value::Null => types.contains(&"null"),
        Value::Bool(_) => types.contains(&"boolean"),
        Value::Number(n) => {
            types.contains(&"number") || (types.contains(&"integer") && (n.is_i64() || n.is_u64()))
        }
        Value::String(_) => types.contains(&"string"),
        Value::Array(_) => types.contains(&"array"),
        Value::Object(_) => types.contains(&"object"),
    };
    if !fits {
        out.push(format!("{path}: {value} is not of type {types:?}"));
        return;
    }
    if let (Some(allowed), false) = (schema["enum"].as_array(), value.is_null())
        && !allowed.contains(value)
    {
        out.push(format!("{path}: {value} is not in the enum {allowed:?}"));
    }
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                strict(doc, item, &schema["items"], &format!("{path}[{i}]"), out);
            }
        }
        Value::Object(fields) => {
            let props = schema["properties"].as_object();
            let extra = &schema["additionalProperties"];
            if props.is_none() && extra.is_null() {
                // `{"type": "object"}`: any object (custom fields, a saved
                // view's filters, audit details).
                return;
            }
            for required in schema["required"].as_array().into_iter().flatten() {
                let name = required.as_str().unwrap_or_default();
                if !fields.contains_key(name) {
                    out.push(format!("{path}.{name}: required by the document, not sent"));
                }
            }
            for (name, field) in fields {
                match props.and_then(|p| p.get(name)) {
                    Some(field_schema) => {
                        strict(doc, field, field_schema, &format!("{path}.{name}"), out)
                    }
                    None if extra.is_object() => {
                        strict(doc, field, extra, &format!("{path}.{name}"), out)
                    }
                    None if extra == &Value::Bool(true) => {}
                    None => out.push(format!("{path}.{name}: sent, not documented")),
                }
            }
            // Documented but optional fields the server always sends
            // (e.g. nullable ones) should be required, or the types read
            // `field?: T | null` where the server never omits it.
            if let Some(props) = props {
                let required: Vec<&str> = schema["required"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                for name in props.keys() {
                    if fields.contains_key(name) && !required.contains(&name.as_str()) {
                        out.push(format!(
                            "{path}.{name}: always sent, documented as optional"
                        ));
                    }
                }
            }
        }
        _ => {}
    }
}

/// What the server answers is what the document says, field for field, for
/// the answers the web UI reads (its types are generated from the
/// document, so a difference is a type lie in the UI).
#[actix_web::test]
async fn answers_match_the_document_strictly() {
    let ts = common::demo_server().await;
    let admin = ts.token_client("admin@zezaro.example");
    let anna = ts.token_client("anna.schmidt@acme-energie.example");
    let (_, doc) = ts.anonymous().get("/api/v1/openapi.json").await;
    let mut problems = Vec::new();
    let mut seen = 0;
    let mut check = |method: &str, template: &str, status: StatusCode, body: &serde_json::Value| {
        let responses = &doc["paths"][format!("/api/v1{template}")][method]["responses"];
        let json_body = &responses[status.as_str()]["content"]["application/json"];
        if json_body.is_null() {
            problems.push(format!(
                "{method} {template}: {status} is not documented as JSON"
            ));
            return;
        }
        seen += 1;
        // JSON without a schema: a free-form document (the GDPR export).
        let schema = &json_body["schema"];
        if schema.is_null() {
            return;
        }
        strict(
            &doc,
            body,
            schema,
            &format!("{method} {template}"),
            &mut problems,
        );
    };

    let acme = ts.id_of("/api/v1/projects", "key", "ACME").await;
    let (_, topics) = anna.get(&format!("/api/v1/projects/{acme}/topics")).await;
    let topic = topics["items"][0]["id"].as_i64().unwrap();
    let client = ts
        .id_of("/api/v1/clients", "name", "Acme Energie GmbH")
        .await;

    // Objects to read back, made through the API.
    let (status, org) = anna
        .post(
            "/api/v1/organizations",
            json!({"client_id": client, "name": "Stadtwerke Beispiel", "city": "Kassel"}),
        )
        .await;
    check("post", "/organizations", status, &org);
    let org_id = org["id"].as_i64().unwrap();
    let (status, contact) = anna
        .post(
            "/api/v1/contacts",
            json!({"client_id": client, "name": "Erika Muster", "emails": ["erika@example.org"], "phones": ["+49 561 123"], "organization_id": org_id}),
        )
        .await;
    check("post", "/contacts", status, &contact);
    let contact_id = contact["id"].as_i64().unwrap();
    let (status, case) = anna
        .post(
            "/api/v1/cases",
            json!({"project_id": acme, "subject": "Zähler defekt", "channel": "email", "topic_id": topic, "contact_id": contact_id,
                   "tags": ["zähler"], "due_at": "2026-12-03T13:30:00Z", "message": {"kind": "inbound", "body_text": "Mein Zähler zeigt nichts mehr an."}}),
        )
        .await;
    check("post", "/cases", status, &case);
    let case_id = case["id"].as_i64().unwrap();
    let (status, reply) = anna
        .post(
            &format!("/api/v1/cases/{case_id}/messages"),
            json!({"kind": "outbound", "body_text": "Wir kümmern uns darum.", "expected_version": case["version"]}),
        )
        .await;
    check("post", "/cases/{id}/messages", status, &reply);
    let (status, time) = anna
        .post(
            &format!("/api/v1/cases/{case_id}/time"),
            json!({"kind": "handling", "seconds": 90}),
        )
        .await;
    check("post", "/cases/{id}/time", status, &time);
    let (status, view) = anna
        .post("/api/v1/views", json!({"name": "Meine offenen", "query": {"view": "mine", "status": "open", "sort": "-updated_at"}}))
        .await;
    check("post", "/views", status, &view);
    let (status, token) = anna
        .post("/api/v1/me/tokens", json!({"name": "Skript"}))
        .await;
    check("post", "/me/tokens", status, &token);
    let (status, job) = admin
        .post(&format!("/api/v1/clients/{client}/exports"), json!({}))
        .await;
    check("post", "/clients/{id}/exports", status, &job);
    let job_id = job["id"].as_str().unwrap_or_default().to_string();
    let anna_id = ts
        .id_of(
            "/api/v1/users",
            "email",
            "anna.schmidt@acme-energie.example",
        )
        .await;
    let team_id = ts.id_of("/api/v1/teams", "kind", "provider").await;
    let (status, rule) = admin
        .put(
            &format!("/api/v1/projects/{acme}/retention"),
            json!({"months": 24, "action": "anonymize", "enabled": true}),
        )
        .await;
    check("put", "/projects/{id}/retention", status, &rule);

    for (who, template, path) in [
        (&admin, "/me", "/me".to_string()),
        (&anna, "/me", "/me".to_string()),
        (&anna, "/me/tokens", "/me/tokens".to_string()),
        (&admin, "/clients", "/clients".to_string()),
        (&admin, "/clients/{id}", format!("/clients/{client}")),
        (&admin, "/projects", "/projects".to_string()),
        (&admin, "/projects/{id}", format!("/projects/{acme}")),
        (
            &admin,
            "/projects/{id}/members",
            format!("/projects/{acme}/members"),
        ),
        (
            &admin,
            "/projects/{id}/topics",
            format!("/projects/{acme}/topics"),
        ),
        (
            &admin,
            "/projects/{id}/fields",
            format!("/projects/{acme}/fields"),
        ),
        (
            &admin,
            "/projects/{id}/webform",
            format!("/projects/{acme}/webform"),
        ),
        (
            &admin,
            "/projects/{id}/webform/held",
            format!("/projects/{acme}/webform/held"),
        ),
        (
            &admin,
            "/projects/{id}/mailboxes",
            format!("/projects/{acme}/mailboxes"),
        ),
        (
            &admin,
            "/projects/{id}/retention",
            format!("/projects/{acme}/retention"),
        ),
        (
            &admin,
            "/projects/{id}/retention/preview",
            format!("/projects/{acme}/retention/preview"),
        ),
        (
            &admin,
            "/clients/{id}/contact-fields",
            format!("/clients/{client}/contact-fields"),
        ),
        (
            &admin,
            "/clients/{id}/exports",
            format!("/clients/{client}/exports"),
        ),
        (&admin, "/users", "/users".to_string()),
        (&admin, "/users/{id}", format!("/users/{anna_id}")),
        (
            &admin,
            "/users/{id}/tokens",
            format!("/users/{anna_id}/tokens"),
        ),
        (&admin, "/teams/{id}", format!("/teams/{team_id}")),
        (
            &admin,
            "/clients/{id}/exports/{job}",
            format!("/clients/{client}/exports/{job_id}"),
        ),
        (
            &admin,
            "/contacts/{id}/data-export",
            format!("/contacts/{contact_id}/data-export"),
        ),
        (&admin, "/teams", "/teams".to_string()),
        (&admin, "/audit", "/audit".to_string()),
        (&admin, "/services", "/services".to_string()),
        (&admin, "/backups", "/backups".to_string()),
        (
            &admin,
            "/gdpr/erasures",
            format!("/gdpr/erasures?client_id={client}"),
        ),
        (
            &anna,
            "/cases",
            format!("/cases?project_id={acme}&view=all"),
        ),
        (
            &anna,
            "/cases/counts",
            format!("/cases/counts?project_id={acme}"),
        ),
        (&anna, "/cases/{id}", format!("/cases/{case_id}")),
        (
            &anna,
            "/cases/{id}/deliveries",
            format!("/cases/{case_id}/deliveries"),
        ),
        (&anna, "/cases/{id}/mail", format!("/cases/{case_id}/mail")),
        (&anna, "/views", "/views".to_string()),
        (&anna, "/contacts", format!("/contacts?client_id={client}")),
        (&anna, "/contacts/{id}", format!("/contacts/{contact_id}")),
        (
            &anna,
            "/contacts/lookup",
            format!("/contacts/lookup?client_id={client}&email=erika@example.org"),
        ),
        (
            &anna,
            "/contacts/duplicates",
            format!("/contacts/duplicates?client_id={client}"),
        ),
        (
            &anna,
            "/organizations",
            format!("/organizations?client_id={client}"),
        ),
        (
            &anna,
            "/organizations/{id}",
            format!("/organizations/{org_id}"),
        ),
        (
            &anna,
            "/organizations/{id}/contacts",
            format!("/organizations/{org_id}/contacts"),
        ),
        (
            &anna,
            "/search",
            format!("/search?q=Z%C3%A4hler&project_id={acme}"),
        ),
    ] {
        let (status, body) = who.get(&format!("/api/v1{path}")).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        check("get", template, status, &body);
    }
    assert!(seen >= 40, "{seen} answers checked");
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
    ts.server.stop().await;
}
