//! Issue 11, "API contract": what an API fuzzer found. Each test names the
//! finding it holds to; the fuzzer itself runs in CI (.ci/fuzz).

use crate::common;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn code(problem: &Value) -> Option<&str> {
    problem["code"].as_str()
}

/// Finding 1: a missing client named in a new organization or contact is
/// a 422 naming `client_id`, not a foreign-key 500.
#[actix_web::test]
async fn creating_customers_for_a_missing_client_is_a_422() {
    let ts = common::demo_server().await;
    let admin = ts.token_client("admin@zezaro.example");
    for path in ["/api/v1/organizations", "/api/v1/contacts"] {
        let (status, problem) = admin
            .post(path, json!({"client_id": 987_654, "name": "Nobody GmbH"}))
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {problem}"
        );
        assert_eq!(code(&problem), Some("validation"), "{path}");
        assert_eq!(problem["field"], "client_id", "{path}");
    }
    ts.server.stop().await;
}

/// Findings 2 and 3: deleting a client that still has customers, or a
/// project that still has cases, is the documented 409.
#[actix_web::test]
async fn deleting_what_still_holds_data_is_a_409() {
    let ts = common::demo_server().await;
    let admin = ts.token_client("admin@zezaro.example");
    let (status, client) = admin
        .post("/api/v1/clients", json!({"name": "Kundenstamm AG"}))
        .await;
    assert_eq!(status, 201);
    let client_id = client["id"].as_i64().unwrap();
    let (status, _) = admin
        .post(
            "/api/v1/organizations",
            json!({"client_id": client_id, "name": "Stadtwerke"}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, problem) = admin.delete(&format!("/api/v1/clients/{client_id}")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(code(&problem), Some("client-not-empty"));

    let project = ts.id_of("/api/v1/projects", "key", "ACME").await;
    let (_, cases) = admin
        .get(&format!("/api/v1/cases?project_id={project}"))
        .await;
    assert!(
        !cases["items"].as_array().unwrap().is_empty(),
        "the demo project has cases"
    );
    let (status, problem) = admin.delete(&format!("/api/v1/projects/{project}")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(code(&problem), Some("project-not-empty"));
    assert_eq!(
        admin.get(&format!("/api/v1/projects/{project}")).await.0,
        200
    );
    ts.server.stop().await;
}

/// Finding 4: a NUL byte in a query value is a 400 naming the parameter,
/// for every role; the document says so with a pattern.
#[actix_web::test]
async fn nul_in_a_query_is_a_400() {
    let ts = common::demo_server().await;
    for email in [
        "admin@zezaro.example",
        "kadmin@acme-energie.example",
        "anna.schmidt@acme-energie.example",
    ] {
        let api = ts.token_client(email);
        let (status, problem) = api.get("/api/v1/search?q=a%00").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{email}: {problem}");
        assert_eq!(code(&problem), Some("invalid-query"));
        assert_eq!(problem["field"], "q");
        assert_eq!(api.get("/api/v1/search?q=strom").await.0, 200);
    }
    let (_, doc) = ts.anonymous().get("/api/v1/openapi.json").await;
    let q = doc["paths"]["/api/v1/search"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "q")
        .unwrap()
        .clone();
    assert_eq!(q["schema"]["pattern"], "^[^\\x00]*$");
    ts.server.stop().await;
}

/// Finding 5: the case enums are documented as they are sent.
#[actix_web::test]
async fn case_enums_are_documented_as_sent() {
    let ts = common::demo_server().await;
    let (_, doc) = ts.anonymous().get("/api/v1/openapi.json").await;
    let schemas = &doc["components"]["schemas"];
    for (name, value) in [
        ("Channel", "email"),
        ("Status", "pending-customer"),
        ("Priority", "urgent"),
        ("HandlingTeam", "provider"),
        ("MessageKind", "note"),
        ("TimeKind", "after-work"),
    ] {
        let values = schemas[name]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: {}", schemas[name]));
        assert!(
            values.iter().any(|v| v == value),
            "{name}: {values:?} lacks {value}"
        );
        assert!(
            values
                .iter()
                .all(|v| v.as_str().unwrap().chars().all(|c| !c.is_uppercase())),
            "{name}: {values:?}"
        );
    }
    ts.server.stop().await;
}

/// Finding 6: a client keeps its last client admin, whoever asks.
#[actix_web::test]
async fn the_last_client_admin_stays() {
    let ts = common::demo_server().await;
    let kadmin = ts.token_client("kadmin@acme-energie.example");
    let id = ts
        .id_of("/api/v1/users", "email", "kadmin@acme-energie.example")
        .await;
    let (status, problem) = kadmin
        .patch(&format!("/api/v1/users/{id}"), json!({"role": "agent"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(code(&problem), Some("last-client-admin"));
    let admin = ts.token_client("admin@zezaro.example");
    let (status, problem) = admin.delete(&format!("/api/v1/users/{id}")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    let (status, problem) = admin
        .patch(&format!("/api/v1/users/{id}"), json!({"active": false}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    // Still a client admin, still able to work.
    let (_, me) = kadmin.get("/api/v1/me").await;
    assert_eq!(me["user"]["role"], "client-admin");
    ts.server.stop().await;
}

/// Finding 7: a project without a retention rule answers `null`, and the
/// document allows it.
#[actix_web::test]
async fn retention_without_a_rule_is_documented_null() {
    let ts = common::demo_server().await;
    let admin = ts.token_client("admin@zezaro.example");
    let project = ts.id_of("/api/v1/projects", "key", "ACME").await;
    let (status, rule) = admin
        .get(&format!("/api/v1/projects/{project}/retention"))
        .await;
    assert_eq!((status.as_u16(), rule), (200, Value::Null));
    let (_, doc) = ts.anonymous().get("/api/v1/openapi.json").await;
    let schema = doc["paths"]["/api/v1/projects/{id}/retention"]["get"]["responses"]["200"]
        ["content"]["application/json"]["schema"]
        .to_string();
    assert!(schema.contains("null"), "{schema}");
    ts.server.stop().await;
}

/// Finding 8: errors documented as problem+json with 400/415 where a body
/// is taken; limits in the document and enforced; `5449.0` is an integer;
/// `limit` held to its range.
#[actix_web::test]
async fn the_document_states_errors_and_limits_and_they_hold() {
    let ts = common::demo_server().await;
    let (_, doc) = ts.anonymous().get("/api/v1/openapi.json").await;
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let responses = op["responses"].as_object().unwrap();
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let content = response["content"].as_object();
                    assert!(
                        content.is_none_or(
                            |c| !c.contains_key("application/json") || path == "/healthz"
                        ),
                        "{method} {path} {status}: {response}"
                    );
                }
            }
            if op.get("requestBody").is_some() {
                for status in ["400", "413", "415", "422"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path}: {status} undocumented"
                    );
                }
            }
        }
    }
    assert!(operations > 100, "{operations}");
    let name = &doc["components"]["schemas"]["ClientInput"]["properties"]["name"];
    assert_eq!(name["maxLength"], 120, "{name}");

    let admin = ts.token_client("admin@zezaro.example");
    let (status, problem) = admin
        .post("/api/v1/clients", json!({"name": "x".repeat(121)}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["field"], "name");

    // Whole-number floats are integers; fractions are not.
    let project = ts.id_of("/api/v1/projects", "key", "ACME").await;
    let (status, rule) = admin
        .put(
            &format!("/api/v1/projects/{project}/retention"),
            json!({"months": 24.0, "action": "anonymize", "enabled": false}),
        )
        .await;
    assert_eq!(status, 200, "{rule}");
    assert_eq!(rule["months"], 24);
    let (status, problem) = admin
        .put(
            &format!("/api/v1/projects/{project}/retention"),
            json!({"months": 24.5, "action": "anonymize", "enabled": false}),
        )
        .await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["field"], "months");

    // `limit`: the documented range, nothing beyond.
    let limit = doc["paths"]["/api/v1/audit"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap()["schema"]
        .clone();
    assert_eq!(
        (limit["minimum"].as_i64(), limit["maximum"].as_i64()),
        (Some(1), Some(500))
    );
    for bad in ["0", "501", "3000000000", "4294967296"] {
        let (status, problem) = admin.get(&format!("/api/v1/audit?limit={bad}")).await;
        assert_eq!(status, 400, "limit={bad}: {problem}");
        assert_eq!(problem["field"], "limit", "limit={bad}");
    }
    assert_eq!(admin.get("/api/v1/audit?limit=500").await.0, 200);
    ts.server.stop().await;
}

/// Finding 9: a number where an enum's name belongs names the field;
/// undeclared methods are 405 with `Allow`; `/healthz` and `/metrics` take
/// GET and HEAD only.
#[actix_web::test]
async fn methods_and_enum_fields() {
    let ts = common::demo_server().await;
    let admin = ts.token_client("admin@zezaro.example");
    let id = ts
        .id_of("/api/v1/users", "email", "jonas.weber@nordlicht.example")
        .await;
    let (status, problem) = admin
        .patch(&format!("/api/v1/users/{id}"), json!({"role": 1}))
        .await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(code(&problem), Some("invalid-field"));
    assert_eq!(problem["field"], "role");
    // A struct's body given as an array: serde would read it positionally,
    // the document says object (a fuzzer finding on PATCH /teams/{id}).
    let team = ts.id_of("/api/v1/teams", "kind", "client").await;
    let (status, problem) = admin
        .patch(&format!("/api/v1/teams/{team}"), json!([null, null]))
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(code(&problem), Some("validation"));

    let anon = ts.anonymous();
    for (method, path, allow) in [
        (Method::PUT, "/api/v1/clients", "GET, POST, HEAD"),
        (
            Method::POST,
            "/api/v1/clients/1",
            "GET, DELETE, PATCH, HEAD",
        ),
        (Method::POST, "/healthz", "GET, HEAD"),
        (Method::DELETE, "/healthz", "GET, HEAD"),
        (Method::PUT, "/metrics", "GET, HEAD"),
        (Method::POST, "/admin/users", "GET, HEAD"),
    ] {
        let response = admin.raw(method.clone(), path, None, &[]).await;
        assert_eq!(response.status(), 405, "{method} {path}");
        assert_eq!(response.headers()["allow"], allow, "{method} {path}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
    }
    let response = anon.raw(Method::HEAD, "/healthz", None, &[]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(anon.get("/healthz").await.0, 200);
    // An unknown path is still a 404.
    assert_eq!(admin.get("/api/v1/no-such-thing").await.0, 404);
    ts.server.stop().await;
}
