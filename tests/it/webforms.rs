//! Web forms: the set-up API and its permissions, the public page at
//! /f/{id} (escaped texts, framable, no inline code), submissions that
//! create cases with contacts, and the spam protection (honeypot, signed
//! render time, rate limits), on the HTML and the JSON side.

use crate::common;

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const KADMIN: &str = "kadmin@acme-energie.example"; // client admin of Acme
const KADMIN_NORD: &str = "kadmin@nordlicht.example"; // another client's admin
const ANNA: &str = "anna.schmidt@acme-energie.example"; // Acme's agent, member of ACME

async fn project(ts: &common::TestServer, key: &str) -> i64 {
    ts.id_of("/api/v1/projects", "key", key).await
}

/// Sets up an enabled form of ACME; returns (project id, public id).
async fn enabled_form(ts: &common::TestServer, body: Value) -> (i64, String) {
    let acme = project(ts, "ACME").await;
    let kadmin = ts.token_client(KADMIN);
    let (status, form) = kadmin
        .put(&format!("/api/v1/projects/{acme}/webform"), body)
        .await;
    assert_eq!(status, 200, "{form}");
    (acme, form["public_id"].as_str().unwrap().to_string())
}

/// A token as if the form had been shown 10 seconds ago.
fn aged_token(ts: &common::TestServer, public_id: &str) -> String {
    let at = chrono::Utc::now().timestamp_millis() as u64 - 10_000;
    ts.server.state.webforms.token_at(public_id, at)
}

async fn post_form(
    ts: &common::TestServer,
    public_id: &str,
    fields: &[(&str, &str)],
    lang: &str,
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let body = serde_urlencoded::to_string(fields).unwrap();
    let response = ts
        .anonymous()
        .raw(
            Method::POST,
            &format!("/f/{public_id}"),
            Some(("application/x-www-form-urlencoded", body.into_bytes())),
            &[("Accept-Language", lang)],
        )
        .await;
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

async fn get_page(
    ts: &common::TestServer,
    path: &str,
    lang: &str,
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let response = ts
        .anonymous()
        .raw(Method::GET, path, None, &[("Accept-Language", lang)])
        .await;
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

async fn webform_cases(ts: &common::TestServer, project_id: i64) -> Vec<Value> {
    let kadmin = ts.token_client(KADMIN);
    let (status, page) = kadmin
        .get(&format!(
            "/api/v1/cases?project_id={project_id}&channel=webform&limit=200"
        ))
        .await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

#[actix_web::test]
async fn settings_are_for_the_projects_managers() {
    let ts = common::demo_server().await;
    let acme = project(&ts, "ACME").await;
    let path = format!("/api/v1/projects/{acme}/webform");
    let kadmin = ts.token_client(KADMIN);
    let anna = ts.token_client(ANNA);
    let nord = ts.token_client(KADMIN_NORD);

    // Not set up yet: defaults, no address.
    let (status, form) = kadmin.get(&path).await;
    assert_eq!(status, 200, "{form}");
    assert_eq!(form["enabled"], false);
    assert!(form["public_id"].is_null());

    let body = json!({"enabled": true, "title": "Kontakt", "intro": "Schreiben Sie uns.", "confirmation": "Danke!"});
    let (status, problem) = anna.put(&path, body.clone()).await;
    assert_eq!(
        (status.as_u16(), problem["code"].as_str()),
        (403, Some("forbidden"))
    );
    let (status, _) = nord.put(&path, body.clone()).await;
    assert_eq!(status, 404, "a foreign client's project does not exist");
    let (status, _) = nord.get(&path).await;
    assert_eq!(status, 404);
    let (status, _) = nord.post(&format!("{path}/rotate"), json!({})).await;
    assert_eq!(status, 404);
    let (status, _) = anna.post(&format!("{path}/rotate"), json!({})).await;
    assert_eq!(status, 403);

    // A topic of another project is refused.
    let nord_project = project(&ts, "NORD").await;
    let admin = ts.token_client("admin@zezaro.example");
    let (_, nord_topics) = admin
        .get(&format!("/api/v1/projects/{nord_project}/topics"))
        .await;
    let foreign_topic = nord_topics["items"][0]["id"].as_i64().unwrap();
    let (status, problem) = kadmin
        .put(
            &path,
            json!({"enabled": true, "title": "x", "topic_id": foreign_topic}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), problem["field"].as_str()),
        (422, Some("topic_id"))
    );
    let (status, problem) = kadmin
        .put(&path, json!({"enabled": true, "colour": "red"}))
        .await;
    assert_eq!(
        (status.as_u16(), problem["code"].as_str()),
        (400, Some("unknown-field"))
    );

    // The first save creates the unguessable address; later saves keep it.
    let (status, form) = kadmin.put(&path, body.clone()).await;
    assert_eq!(status, 200, "{form}");
    let public_id = form["public_id"].as_str().unwrap().to_string();
    assert_eq!(public_id.len(), 22, "16 random bytes, base64url");
    assert!(
        public_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    );
    assert_eq!(form["public_path"], format!("/f/{public_id}"));
    let (_, again) = kadmin.put(&path, body.clone()).await;
    assert_eq!(again["public_id"], public_id.as_str());

    // Members read it.
    let (status, seen) = anna.get(&path).await;
    assert_eq!(status, 200);
    assert_eq!(seen["title"], "Kontakt");

    // Rotating gives a new address; the old one is gone.
    let (status, rotated) = kadmin.post(&format!("{path}/rotate"), json!({})).await;
    assert_eq!(status, 200, "{rotated}");
    let new_id = rotated["public_id"].as_str().unwrap();
    assert_ne!(new_id, public_id);
    assert_eq!(rotated["enabled"], true);
    let (status, _, _) = get_page(&ts, &format!("/f/{public_id}"), "de").await;
    assert_eq!(status, 404);
    let (status, _, _) = get_page(&ts, &format!("/f/{new_id}"), "de").await;
    assert_eq!(status, 200);

    // Audited.
    let (_, audit) = kadmin
        .get(&format!(
            "/api/v1/audit?object_type=web_form&object_id={acme}"
        ))
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"webform.update"), "{actions:?}");
    assert!(actions.contains(&"webform.rotate"), "{actions:?}");

    // Documented.
    let (_, doc) = ts.anonymous().get("/api/v1/openapi.json").await;
    for path in [
        "/api/v1/projects/{id}/webform",
        "/api/v1/projects/{id}/webform/rotate",
        "/api/v1/public/forms/{public_id}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} not documented");
    }
}

#[actix_web::test]
async fn the_public_page_is_escaped_framable_and_creates_cases() {
    let ts = common::demo_server().await;
    let acme = project(&ts, "ACME").await;
    let kadmin = ts.token_client(KADMIN);
    let (_, topics) = kadmin.get(&format!("/api/v1/projects/{acme}/topics")).await;
    let topic = topics["items"][0]["id"].as_i64().unwrap();
    let (_, public_id) = enabled_form(
        &ts,
        json!({"enabled": true, "title": "<script>alert(1)</script> Kontakt",
               "intro": "Fragen & Antworten\n<img src=x onerror=alert(1)>",
               "confirmation": "Wir melden uns <b>bald</b>.", "topic_id": topic}),
    )
    .await;
    let page_path = format!("/f/{public_id}");

    // German and English by Accept-Language; the client's text escaped.
    let (status, headers, page) = get_page(&ts, &page_path, "de-DE,de;q=0.9,en;q=0.8").await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.contains("<html lang=\"de\">"));
    assert!(page.contains("Ihr Name"));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; Kontakt"));
    assert!(page.contains("Fragen &amp; Antworten<br>&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!page.contains("<script"), "no script at all");
    assert!(!page.contains("<img"));
    assert!(!page.contains("style="), "no inline style");
    assert!(
        page.contains("class=\"wf-hp\""),
        "honeypot hidden by a class"
    );
    assert!(page.contains("name=\"website\""));
    assert!(page.contains("href=\"/f/form.css\""));
    let (_, _, english) = get_page(&ts, &page_path, "fr-FR, en;q=0.7, de;q=0.3").await;
    assert!(english.contains("<html lang=\"en\">") && english.contains("Your name"));

    // /f/ may be framed by any site; the app may not.
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors *"), "{csp}");
    assert!(
        csp.contains("script-src 'self'") && csp.contains("style-src 'self'"),
        "{csp}"
    );
    assert!(!headers.contains_key("x-frame-options"));
    let (_, app_headers, _) = get_page(&ts, "/", "de").await;
    let app_csp = app_headers["content-security-policy"].to_str().unwrap();
    assert!(app_csp.contains("frame-ancestors 'none'"), "{app_csp}");
    assert_eq!(app_headers["x-frame-options"], "DENY");
    let (_, api_headers, _) = get_page(&ts, "/api/v1/me", "de").await;
    assert!(
        api_headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );

    // The stylesheet comes from the binary and hides the honeypot.
    let (status, headers, css) = get_page(&ts, "/f/form.css", "de").await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(css.contains(".wf-hp"));

    // A real submission: a case with the contact, topic, first message.
    let token = aged_token(&ts, &public_id);
    let (status, _, confirmation) = post_form(
        &ts,
        &public_id,
        &[
            ("name", "Eva Muster"),
            ("email", "Eva.Muster@example.org"),
            ("subject", "Zähler tauschen"),
            ("message", "Bitte den Zähler tauschen.\nDanke!"),
            ("token", &token),
            ("website", ""),
        ],
        "de",
    )
    .await;
    assert_eq!(status, 200, "{confirmation}");
    assert!(confirmation.contains("Vielen Dank!"));
    assert!(confirmation.contains("Wir melden uns &lt;b&gt;bald&lt;/b&gt;."));
    let cases = webform_cases(&ts, acme).await;
    assert_eq!(cases.len(), 1);
    let case = &cases[0];
    let reference = case["ref"].as_str().unwrap();
    assert!(reference.starts_with("ACME-"));
    assert!(
        confirmation.contains(&format!("<strong>{reference}</strong>")),
        "{confirmation}"
    );
    assert_eq!(case["subject"], "Zähler tauschen");
    assert_eq!(case["channel"], "webform");
    assert_eq!(case["topic_id"], topic);
    assert_eq!(case["status"], "new");
    assert_eq!(case["contact_name"], "Eva Muster");
    assert_eq!(case["message_count"], 1);
    let contact_id = case["contact_id"].as_i64().unwrap();
    let (_, detail) = kadmin.get(&format!("/api/v1/cases/{}", case["id"])).await;
    let thread = detail["messages"].as_array().expect("messages");
    assert_eq!(thread[0]["kind"], "inbound");
    assert_eq!(thread[0]["body_text"], "Bitte den Zähler tauschen.\nDanke!");

    // The same sender again: the same contact.
    let second = aged_token(&ts, &public_id);
    let (status, _, _) = post_form(
        &ts,
        &public_id,
        &[
            ("name", "Eva M."),
            ("email", "eva.muster@example.org"),
            ("subject", "Noch etwas"),
            ("message", "Nachtrag"),
            ("token", &second),
        ],
        "en",
    )
    .await;
    assert_eq!(status, 200);
    let cases = webform_cases(&ts, acme).await;
    assert_eq!(cases.len(), 2);
    assert!(cases.iter().all(|c| c["contact_id"] == contact_id));

    // A token is good for one submission: sent again, the form comes back
    // with a fresh token and nothing is created.
    let (status, _, page) = post_form(
        &ts,
        &public_id,
        &[
            ("name", "Eva Muster"),
            ("email", "eva.muster@example.org"),
            ("subject", "Nochmal"),
            ("message", "Doppelt"),
            ("token", &token),
        ],
        "de",
    )
    .await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("schon gesendet"), "{page}");
    assert!(!page.contains(&token), "a fresh token");
    assert_eq!(webform_cases(&ts, acme).await.len(), 2);

    // Invalid input: the form again, with messages and the entered values.
    let (status, _, page) = post_form(
        &ts,
        &public_id,
        &[
            ("name", "<Eva>"),
            ("email", "not-an-address"),
            ("subject", ""),
            ("message", "Hallo \"Welt\""),
            ("token", &token),
        ],
        "en",
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("Please check your entries."));
    assert!(page.contains("value=\"&lt;Eva&gt;\""));
    assert!(page.contains("value=\"not-an-address\""));
    assert!(page.contains("Hallo &quot;Welt&quot;</textarea>"));
    assert!(page.contains("id=\"wf-email-error\""));
    assert!(page.contains("id=\"wf-subject-error\""));
    assert!(!page.contains("id=\"wf-name-error\""));
    assert_eq!(webform_cases(&ts, acme).await.len(), 2);

    // The honeypot filled: answered like a success, nothing created, counted.
    let (status, _, page) = post_form(
        &ts,
        &public_id,
        &[
            ("name", "Bot"),
            ("email", "bot@example.org"),
            ("subject", "Cheap pills"),
            ("message", "Buy now"),
            ("token", &token),
            ("website", "http://spam.example"),
        ],
        "en",
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("Thank you!") && page.contains("ACME-"));
    assert_eq!(webform_cases(&ts, acme).await.len(), 2);

    // Sent back right after rendering: a bot; nothing created.
    let (_, _, fresh) = get_page(&ts, &page_path, "en").await;
    let fresh_token = fresh
        .split("name=\"token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let (status, _, page) = post_form(
        &ts,
        &public_id,
        &[
            ("name", "Fast"),
            ("email", "fast@example.org"),
            ("subject", "Quick"),
            ("message", "Too quick"),
            ("token", &fresh_token),
        ],
        "en",
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("Thank you!"));
    assert_eq!(webform_cases(&ts, acme).await.len(), 2);
    let (_, form) = kadmin
        .get(&format!("/api/v1/projects/{acme}/webform"))
        .await;
    assert_eq!(form["spam_caught"], 2);

    // The system created the contact; the audit log names the web form.
    let (_, audit) = kadmin.get("/api/v1/audit?object_type=contact").await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["actor_email"] == "webform"),
        "the contact was created by the web form: {audit}"
    );
}

#[actix_web::test]
async fn disabled_and_unknown_forms_are_not_found() {
    let ts = common::demo_server().await;
    let (acme, public_id) = enabled_form(&ts, json!({"enabled": false, "title": "Kontakt"})).await;
    for path in [
        format!("/f/{public_id}"),
        "/f/AAAAAAAAAAAAAAAAAAAAAA".to_string(),
    ] {
        let (status, headers, page) = get_page(&ts, &path, "en").await;
        assert_eq!(status, 404);
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(page.contains("Form not found"));
    }
    let token = aged_token(&ts, &public_id);
    let (status, _, _) = post_form(
        &ts,
        &public_id,
        &[
            ("name", "Eva"),
            ("email", "eva@example.org"),
            ("subject", "x"),
            ("message", "y"),
            ("token", &token),
        ],
        "de",
    )
    .await;
    assert_eq!(status, 404);
    let (status, problem) = ts
        .anonymous()
        .get(&format!("/api/v1/public/forms/{public_id}"))
        .await;
    assert_eq!(
        (status.as_u16(), problem["code"].as_str()),
        (404, Some("not-found"))
    );
    assert!(webform_cases(&ts, acme).await.is_empty());
}

#[actix_web::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let ts = common::demo_server().await;
    let (acme, public_id) = enabled_form(&ts, json!({"enabled": true, "title": "Kontakt"})).await;
    let token = aged_token(&ts, &public_id);
    for i in 0..5 {
        let subject = format!("Anfrage {i}");
        let (status, _, page) = post_form(
            &ts,
            &public_id,
            &[
                ("name", "Eva"),
                ("email", "eva@example.org"),
                ("subject", &subject),
                ("message", "Hallo"),
                ("token", &aged_token(&ts, &public_id)),
            ],
            "de",
        )
        .await;
        assert_eq!(status, 200, "{page}");
    }
    let (status, headers, page) = post_form(
        &ts,
        &public_id,
        &[
            ("name", "Eva"),
            ("email", "eva@example.org"),
            ("subject", "Nummer 6"),
            ("message", "Hallo"),
            ("token", &token),
        ],
        "de",
    )
    .await;
    assert_eq!(status, 429);
    let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(wait > 0 && wait <= 600, "{wait}");
    assert!(page.contains("Zu viele Anfragen"));
    assert_eq!(webform_cases(&ts, acme).await.len(), 5);

    // The JSON side shares the limit, as problem details.
    let (status, problem) = ts
        .anonymous()
        .post(
            &format!("/api/v1/public/forms/{public_id}"),
            json!({"name": "Eva", "email": "eva@example.org", "subject": "x", "message": "y", "token": token}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), problem["code"].as_str()),
        (429, Some("too-many-submissions"))
    );
}

#[actix_web::test]
async fn the_json_endpoint_follows_the_same_rules() {
    let ts = common::demo_server().await;
    let (acme, public_id) = enabled_form(
        &ts,
        json!({"enabled": true, "title": "Kontakt", "intro": "Hallo", "confirmation": "Danke!"}),
    )
    .await;
    let anon = ts.anonymous();
    let path = format!("/api/v1/public/forms/{public_id}");
    let (status, info) = anon.get(&path).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(
        (info["title"].as_str(), info["intro"].as_str()),
        (Some("Kontakt"), Some("Hallo"))
    );
    let token = info["token"].as_str().unwrap().to_string();
    let body = |token: &str| {
        json!({"name": "Jan Kunde", "email": "jan@example.org", "subject": "Per Skript",
               "message": "Eingebettet", "token": token})
    };

    // At once: taken for a bot, answered alike, nothing created.
    let (status, receipt) = anon.post(&path, body(&token)).await;
    assert_eq!(status, 201, "{receipt}");
    assert!(receipt["ref"].as_str().unwrap().starts_with("ACME-"));
    assert!(webform_cases(&ts, acme).await.is_empty());

    // Problem details for broken requests.
    let (status, problem) = anon
        .post(
            &path,
            json!({"name": "Jan", "email": "jan@example.org", "subject": "x", "token": token}),
        )
        .await;
    assert_eq!(
        (
            status.as_u16(),
            problem["code"].as_str(),
            problem["field"].as_str()
        ),
        (400, Some("missing-field"), Some("message"))
    );
    let aged = aged_token(&ts, &public_id);
    let mut bad = body(&aged);
    bad["email"] = json!("jan");
    let (status, problem) = anon.post(&path, bad).await;
    assert_eq!(
        (
            status.as_u16(),
            problem["code"].as_str(),
            problem["field"].as_str()
        ),
        (422, Some("validation"), Some("email"))
    );
    let response = anon
        .raw(
            Method::POST,
            &path,
            Some(("text/plain", b"hello".to_vec())),
            &[],
        )
        .await;
    assert_eq!(response.status(), 415);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let mut huge = body(&aged);
    huge["message"] = json!("x".repeat(200 * 1024));
    let (status, problem) = anon.post(&path, huge).await;
    assert_eq!(
        (status.as_u16(), problem["code"].as_str()),
        (413, Some("payload-too-large"))
    );
    let (status, problem) = anon
        .post("/api/v1/public/forms/AAAAAAAAAAAAAAAAAAAAAA", body(&aged))
        .await;
    assert_eq!(
        (status.as_u16(), problem["code"].as_str()),
        (404, Some("not-found"))
    );

    // After the minimum time the same token is accepted.
    ts.server.state.webforms.set_min_fill_time(Duration::ZERO);
    let (status, receipt) = anon.post(&path, body(&token)).await;
    assert_eq!(status, 201, "{receipt}");
    assert_eq!(receipt["confirmation"], "Danke!");
    let cases = webform_cases(&ts, acme).await;
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0]["ref"], receipt["ref"]);
    assert_eq!(cases[0]["contact_name"], "Jan Kunde");

    // A honeypot over JSON too.
    let mut trap = body(&aged);
    trap["website"] = json!("x");
    let (status, _) = anon.post(&path, trap).await;
    assert_eq!(status, 201);
    assert_eq!(webform_cases(&ts, acme).await.len(), 1);
}

/// A form rendered before a restart (another signing key) or with a
/// damaged token is not spam: the sender gets the form back with their
/// text, and nothing is silently dropped.
#[actix_web::test]
async fn an_unverifiable_token_returns_the_form_with_the_text() {
    let ts = common::demo_server().await;
    let (acme, public_id) = enabled_form(
        &ts,
        json!({"enabled": true, "title": "Kontakt", "intro": "", "confirmation": "Danke"}),
    )
    .await;
    let before = webform_cases(&ts, acme).await.len();
    let message = "Bitte rufen Sie mich wegen der Jahresabrechnung zurück.";
    let (status, _, page) = post_form(
        &ts,
        &public_id,
        &[
            ("name", "Rita Rückruf"),
            ("email", "rita@example.com"),
            ("subject", "Rückruf"),
            ("message", message),
            ("token", "1700000000000.Zm9yZ2Vk"),
            ("website", ""),
        ],
        "de",
    )
    .await;
    assert!(
        status.is_success() || status == StatusCode::UNPROCESSABLE_ENTITY,
        "{status}"
    );
    assert!(
        page.contains(message),
        "the entered text comes back: {page}"
    );
    assert!(
        page.contains("name=\"token\""),
        "with a fresh token to send again"
    );
    assert_eq!(
        webform_cases(&ts, acme).await.len(),
        before,
        "nothing created yet"
    );
    assert_eq!(
        ts.server.state.webforms.spam_count(&public_id),
        0,
        "not counted as spam"
    );
    ts.server.stop().await;
}

/// Mail rows queued for a case: (kind, subject, body).
fn outbox_of(ts: &common::TestServer, reference: &str) -> Vec<(String, String, String)> {
    let reference = reference.to_string();
    ts.server
        .state
        .db
        .read_blocking(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT o.kind, o.subject, o.body_text FROM mail_outbox o JOIN cases c ON c.id = o.case_id
                 JOIN projects p ON p.id = c.project_id WHERE p.key || '-' || c.number = ?1",
            )?;
            let rows = stmt
                .query_map([reference], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, zezaro::db::StoreError>(rows)
        })
        .expect("outbox")
}

async fn send_json(ts: &common::TestServer, public_id: &str, body: Value) -> (StatusCode, Value) {
    ts.anonymous()
        .post(&format!("/api/v1/public/forms/{public_id}"), body)
        .await
}

/// The sender's confirmation mail goes out only when the project turns it
/// on (new forms: off), and holds the case number and the project's fixed
/// text, nothing the sender typed.
#[actix_web::test]
async fn the_confirmation_mail_is_opt_in_and_echoes_nothing() {
    let ts = common::demo_server().await;
    let acme = project(&ts, "ACME").await;
    let kadmin = ts.token_client(KADMIN);
    let (status, mailbox) = kadmin
        .post(
            &format!("/api/v1/projects/{acme}/mailboxes"),
            json!({"name": "Service", "address": "service@acme-energie.example",
                   "imap_host": "127.0.0.1", "imap_port": 1, "imap_security": "plain",
                   "imap_username": "x", "imap_password": "imap-secret",
                   "smtp_host": "127.0.0.1", "smtp_port": 1, "smtp_security": "plain",
                   "fetch_schedule": "0 0 0 1 1 *", "paused": true}),
        )
        .await;
    assert_eq!(status, 201, "{mailbox}");
    let (_, public_id) = enabled_form(
        &ts,
        json!({"enabled": true, "title": "Kontakt", "confirmation": "Antwort binnen zwei Tagen."}),
    )
    .await;
    let (_, form) = kadmin
        .get(&format!("/api/v1/projects/{acme}/webform"))
        .await;
    assert_eq!(
        form["send_confirmation"], false,
        "off for new forms: {form}"
    );
    let typed = json!({"name": "Mallory <mallory@evil.example>", "email": "victim@example.org",
        "subject": "Ihr Konto wird gesperrt: http://evil.example/login",
        "message": "Klicken Sie hier: http://evil.example/login", "token": ""});
    let mut body = typed.clone();
    body["token"] = json!(aged_token(&ts, &public_id));
    let (status, receipt) = send_json(&ts, &public_id, body).await;
    assert_eq!(status, 201, "{receipt}");
    let reference = receipt["ref"].as_str().unwrap().to_string();
    assert!(outbox_of(&ts, &reference).is_empty(), "no mail while off");

    let (status, form) = kadmin
        .put(
            &format!("/api/v1/projects/{acme}/webform"),
            json!({"enabled": true, "title": "Kontakt", "confirmation": "Antwort binnen zwei Tagen.",
                   "send_confirmation": true}),
        )
        .await;
    assert_eq!(status, 200, "{form}");
    assert_eq!(form["send_confirmation"], true);
    let mut body = typed.clone();
    body["token"] = json!(aged_token(&ts, &public_id));
    let (status, receipt) = send_json(&ts, &public_id, body).await;
    assert_eq!(status, 201, "{receipt}");
    let reference = receipt["ref"].as_str().unwrap().to_string();
    let mails = outbox_of(&ts, &reference);
    assert_eq!(mails.len(), 1, "{mails:?}");
    let (kind, subject, text) = &mails[0];
    assert_eq!(kind, "webform-confirmation");
    assert!(subject.contains(&reference), "{subject}");
    assert!(text.contains(&reference), "{text}");
    assert!(text.contains("Antwort binnen zwei Tagen."), "{text}");
    for echoed in ["Mallory", "evil.example", "gesperrt", "Klicken"] {
        assert!(!subject.contains(echoed), "{echoed} in {subject}");
        assert!(!text.contains(echoed), "{echoed} in {text}");
    }
}

/// A nonce for the proof-of-work, as form.js finds it.
fn solve(token: &str, bits: u32) -> String {
    (0u64..)
        .map(|n| n.to_string())
        .find(|n| {
            let digest =
                ring::digest::digest(&ring::digest::SHA256, format!("{token}:{n}").as_bytes());
            let bytes = digest.as_ref();
            let head = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
            head.leading_zeros() >= bits
        })
        .expect("a nonce")
}

/// The optional proof-of-work: announced on the page with its script,
/// checked on the server for both sides.
#[actix_web::test]
async fn the_proof_of_work_is_checked_on_the_server() {
    let ts = common::demo_server().await;
    let acme = project(&ts, "ACME").await;
    let kadmin = ts.token_client(KADMIN);
    let (status, problem) = kadmin
        .put(
            &format!("/api/v1/projects/{acme}/webform"),
            json!({"enabled": true, "pow_bits": 25}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), problem["field"].as_str()),
        (422, Some("pow_bits"))
    );
    let (_, public_id) = enabled_form(&ts, json!({"enabled": true, "pow_bits": 10})).await;

    let (status, _, page) = get_page(&ts, &format!("/f/{public_id}"), "de").await;
    assert_eq!(status, 200);
    assert!(page.contains("data-pow-bits=\"10\""), "{page}");
    assert!(
        page.contains("<script src=\"/f/form.js\" defer></script>"),
        "{page}"
    );
    assert!(page.contains("<noscript>"), "{page}");
    let (status, headers, script) = get_page(&ts, "/f/form.js", "de").await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(script.contains("data-pow-bits"));
    let (_, info) = ts
        .anonymous()
        .get(&format!("/api/v1/public/forms/{public_id}"))
        .await;
    assert_eq!(info["pow_bits"], 10, "{info}");

    // Without the work: refused on both sides, nothing created.
    let token = aged_token(&ts, &public_id);
    let fields = |token: &str, pow: &str| {
        json!({"name": "Eva", "email": "eva@example.org", "subject": "Hallo",
               "message": "Text", "token": token, "pow": pow})
    };
    let (status, problem) = send_json(&ts, &public_id, fields(&token, "")).await;
    assert_eq!(
        (
            status.as_u16(),
            problem["code"].as_str(),
            problem["field"].as_str()
        ),
        (422, Some("proof-of-work"), Some("pow"))
    );
    let wrong = (0u64..)
        .map(|n| n.to_string())
        .find(|n| {
            let d = ring::digest::digest(&ring::digest::SHA256, format!("{token}:{n}").as_bytes());
            d.as_ref()[0] != 0
        })
        .unwrap();
    let (status, _) = send_json(&ts, &public_id, fields(&token, &wrong)).await;
    assert_eq!(status, 422);
    let (status, _, page) = post_form(
        &ts,
        &public_id,
        &[
            ("name", "Eva"),
            ("email", "eva@example.org"),
            ("subject", "Hallo"),
            ("message", "Text"),
            ("token", &token),
        ],
        "de",
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("JavaScript"), "{page}");
    assert!(webform_cases(&ts, acme).await.is_empty());

    // With the work: filed.
    let nonce = solve(&token, 10);
    let (status, receipt) = send_json(&ts, &public_id, fields(&token, &nonce)).await;
    assert_eq!(status, 201, "{receipt}");
    assert_eq!(webform_cases(&ts, acme).await.len(), 1);
}

/// 200 cases in an hour fill the form's allowance: further submissions are
/// not refused but held, and the project's people release or discard them.
#[actix_web::test]
async fn over_the_form_limit_submissions_are_held_for_review() {
    let ts = common::demo_server().await;
    let (acme, public_id) = enabled_form(&ts, json!({"enabled": true, "title": "Kontakt"})).await;
    // The form's hour is used up by 200 cases from 40 addresses.
    let guard = &ts.server.state.webforms;
    for i in 0..zezaro::webforms::guard::PER_FORM {
        guard.record(&format!("198.51.100.{}", i % 40), &public_id, true);
    }
    let message = |subject: &str| {
        json!({"name": "Echte Kundin", "email": "kundin@example.org", "subject": subject,
               "message": "Bitte rufen Sie mich an.", "token": aged_token(&ts, &public_id)})
    };
    let (status, receipt) = send_json(&ts, &public_id, message("Erste")).await;
    assert_eq!(status, 202, "{receipt}");
    assert_eq!(receipt["held"], true, "{receipt}");
    assert_eq!(receipt["ref"], "");
    let (status, receipt) = send_json(&ts, &public_id, message("Zweite")).await;
    assert_eq!(status, 202, "{receipt}");
    let (status, _, page) = post_form(
        &ts,
        &public_id,
        &[
            ("name", "Dritte"),
            ("email", "dritte@example.org"),
            ("subject", "Dritte"),
            ("message", "Hallo"),
            ("token", &aged_token(&ts, &public_id)),
        ],
        "de",
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("prüfen"), "{page}");
    assert!(
        webform_cases(&ts, acme).await.is_empty(),
        "nothing filed yet"
    );

    // Agents of the project see them; another client does not.
    let anna = ts.token_client(ANNA);
    let (status, form) = anna.get(&format!("/api/v1/projects/{acme}/webform")).await;
    assert_eq!(status, 200);
    assert_eq!(form["held"], 3, "{form}");
    let (status, held) = anna
        .get(&format!("/api/v1/projects/{acme}/webform/held"))
        .await;
    assert_eq!(status, 200, "{held}");
    let items = held["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["subject"], "Erste");
    let nord = ts.token_client(KADMIN_NORD);
    let (status, _) = nord
        .get(&format!("/api/v1/projects/{acme}/webform/held"))
        .await;
    assert_eq!(status, 404);
    let first = items[0]["id"].as_i64().unwrap();
    let second = items[1]["id"].as_i64().unwrap();
    let (status, _) = nord
        .post(
            &format!("/api/v1/projects/{acme}/webform/held/{first}/release"),
            json!({}),
        )
        .await;
    assert_eq!(status, 404);

    // Released: a web-form case like any other; discarded: gone.
    let (status, case) = anna
        .post(
            &format!("/api/v1/projects/{acme}/webform/held/{first}/release"),
            json!({}),
        )
        .await;
    assert_eq!(status, 201, "{case}");
    assert_eq!(case["channel"], "webform");
    assert_eq!(case["subject"], "Erste");
    let (status, _) = anna
        .delete(&format!("/api/v1/projects/{acme}/webform/held/{second}"))
        .await;
    assert_eq!(status, 204);
    let (status, _) = anna
        .delete(&format!("/api/v1/projects/{acme}/webform/held/{second}"))
        .await;
    assert_eq!(status, 404);
    let cases = webform_cases(&ts, acme).await;
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0]["contact_name"], "Echte Kundin");
    let (_, held) = anna
        .get(&format!("/api/v1/projects/{acme}/webform/held"))
        .await;
    assert_eq!(held["items"].as_array().unwrap().len(), 1);
    let admin = ts.token_client("admin@zezaro.example");
    let (_, audit) = admin
        .get("/api/v1/audit?object_type=web_form&limit=50")
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"webform.release"), "{actions:?}");
    assert!(actions.contains(&"webform.discard"), "{actions:?}");
}
