//! German spellings through the API (issue 17, point 8; `search::fold`):
//! "Müller", "Mueller" and "Muller" find each other, "Straße" and
//! "Strasse" too, in the case search (words, phrases, prefixes, the
//! snippet's marks), the contact search and the knowledge search; another
//! client's agent still finds nothing of them.

use crate::common;
use reqwest::StatusCode;
use serde_json::{Value, json};

const ANNA: &str = "anna.schmidt@acme-energie.example"; // Acme's own agent
const JONAS: &str = "jonas.weber@nordlicht.example"; // Nordlicht's own agent
const CA_ACME: &str = "kadmin@acme-energie.example";

async fn search(api: &common::Api, q: &str) -> Value {
    let (status, results) = api
        .get(&format!("/api/v1/search?q={}", common::urlencode(q)))
        .await;
    assert_eq!(status, 200, "{q}: {results}");
    results
}

fn ids(results: &Value, list: &str) -> Vec<i64> {
    results[list]
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["id"].as_i64().expect("id"))
        .collect()
}

#[actix_web::test]
async fn german_spellings_find_each_other() {
    let ts = common::demo_server().await;
    let anna = ts.token_client(ANNA);
    let jonas = ts.token_client(JONAS);
    let acme = ts.id_of("/api/v1/projects", "key", "ACME").await;
    let new_case = |name: &str, subject: &str, body: &str| {
        let email = format!("{}@example.net", name.split(' ').next().unwrap_or("x"));
        json!({"project_id": acme, "subject": subject, "channel": "email",
               "contact": {"name": name, "email": email.to_lowercase()},
               "message": {"kind": "inbound", "body_text": body}})
    };
    let (status, a) = anna
        .post(
            "/api/v1/cases",
            new_case(
                "Greta Zwölfmüller",
                "Rückruf Frau Zwölfmüller",
                "Bitte liefern Sie an die Quittenstraße 12, Frau Zwölfmüller ist tagsüber da.",
            ),
        )
        .await;
    assert_eq!(status, 201, "{a}");
    let (status, b) = anna
        .post(
            "/api/v1/cases",
            new_case(
                "Otto Zwoelfmueller",
                "Rückruf Herr Zwoelfmueller",
                "Neue Adresse: Birnenstrasse 3. Herr Zwoelfmueller bittet um Rückruf.",
            ),
        )
        .await;
    assert_eq!(status, 201, "{b}");
    let (a, b) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());

    // Each spelling finds both cases (words, capitals, phrases, prefixes,
    // with other words).
    for q in [
        "Zwölfmüller",
        "Zwoelfmueller",
        "Zwolfmuller",
        "ZWÖLFMÜLLER",
        "Zwölfmueller",
        "Rückruf Zwoelfmueller",
        "Zwölfmü*",
        "zwoelfmuel*",
        "Zwolfm*",
    ] {
        let found = ids(&search(&anna, q).await, "cases");
        assert!(found.contains(&a) && found.contains(&b), "{q}: {found:?}");
    }
    for (q, case) in [
        ("\"Frau Zwoelfmueller\"", a),
        ("\"frau zwolfmuller ist tagsüber\"", a),
        ("\"Herr Zwölfmüller bittet\"", b),
        ("Quittenstrasse", a),
        ("Quittenstraße", a),
        ("Birnenstraße", b),
        ("BIRNENSTRASSE", b),
        ("\"Birnenstraße 3\"", b),
        ("Birnenstraß*", b),
        // A prefix's last "e" is kept as typed ("mue" would be "mu").
        ("zwoelfmue*", b),
    ] {
        let found = ids(&search(&anna, q).await, "cases");
        assert!(found.contains(&case), "{q}: {found:?}");
        assert!(!found.contains(&(a + b - case)), "{q}: {found:?}");
    }
    // The snippet marks the word in the text's spelling.
    let results = search(&anna, "Zwoelfmueller").await;
    let snippet = |id: i64| -> String {
        results["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .and_then(|c| c["snippet"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    assert!(snippet(a).contains("«Zwölfmüller»"), "{}", snippet(a));
    assert!(snippet(b).contains("«Zwoelfmueller»"), "{}", snippet(b));
    // Contacts are searched folded too.
    let (status, contacts) = anna.get("/api/v1/contacts?q=Zwoelfmueller").await;
    assert_eq!(status, 200, "{contacts}");
    let names: Vec<&str> = contacts["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(names.contains(&"Greta Zwölfmüller"), "{names:?}");
    assert!(names.contains(&"Otto Zwoelfmueller"), "{names:?}");
    let names: Vec<String> = search(&anna, "Zwölfmüller").await["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str().map(str::to_string))
        .collect();
    assert!(
        names.contains(&"Otto Zwoelfmueller".to_string()),
        "{names:?}"
    );

    // "Quelle" is no "Qülle": its "ue" is not folded.
    let (status, q) = anna
        .post(
            "/api/v1/cases",
            new_case("Quentin Quelle", "Qulleprüfung", "Die Quellenangabe fehlt."),
        )
        .await;
    assert_eq!(status, 201, "{q}");
    let q = q["id"].as_i64().unwrap();
    assert!(!ids(&search(&anna, "Qulle").await, "cases").contains(&q));
    assert!(ids(&search(&anna, "Quelle").await, "cases").contains(&q));

    // Another client's agent finds none of them, in any spelling.
    for q in [
        "Zwölfmüller",
        "Zwoelfmueller",
        "Zwolfmuller",
        "Birnenstraße",
        "Zwölfm*",
    ] {
        let results = search(&jonas, q).await;
        assert!(ids(&results, "cases").is_empty(), "{q}: {results}");
        assert!(ids(&results, "contacts").is_empty(), "{q}: {results}");
    }
}

#[actix_web::test]
async fn knowledge_search_folds_german_spellings() {
    let ts = common::demo_server().await;
    let client_id = ts
        .id_of("/api/v1/clients", "name", "Acme Energie GmbH")
        .await;
    let editor = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    let jonas = ts.token_client(JONAS);
    let mut articles = Vec::new();
    for (title, body) in [
        (
            "Umzug in die Lindenstraße",
            "Frau Knöselmüller zieht um; Zählerstand am Auszugstag.",
        ),
        (
            "Umzug in die Ahornstrasse",
            "Herr Knoeselmueller meldet den Zaehlerstand.",
        ),
    ] {
        let (status, saved) = editor
            .post(
                "/api/v1/knowledge/articles",
                json!({"client_id": client_id, "language": "de", "title": title, "body": body}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{saved}");
        let article = saved["article_id"].as_i64().unwrap();
        let version = saved["version"]["id"].as_i64().unwrap();
        let (status, body) = editor
            .post(
                &format!("/api/v1/knowledge/articles/{article}/versions/{version}/publish"),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        articles.push(article);
    }
    let found = |hits: &Value| -> Vec<i64> {
        hits["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["article_id"].as_i64().unwrap())
            .collect()
    };
    let url = |q: &str| {
        format!(
            "/api/v1/knowledge/search?client_id={client_id}&q={}",
            common::urlencode(q)
        )
    };
    for q in [
        "Knöselmüller",
        "Knoeselmueller",
        "Knoselmuller",
        "Knöselmü*",
    ] {
        let (status, hits) = anna.get(&url(q)).await;
        assert_eq!(status, StatusCode::OK, "{hits}");
        let hits = found(&hits);
        assert!(
            hits.contains(&articles[0]) && hits.contains(&articles[1]),
            "{q}: {hits:?}"
        );
    }
    for (q, article) in [
        ("\"Frau Knoselmuller\"", articles[0]),
        ("\"Knöselmüller meldet\"", articles[1]),
        ("Lindenstrasse", articles[0]),
        ("Ahornstraße", articles[1]),
        ("\"Zählerstand am Auszugstag\"", articles[0]),
    ] {
        let (_, hits) = anna.get(&url(q)).await;
        let hits = found(&hits);
        let other = articles[0] + articles[1] - article;
        assert!(
            hits.contains(&article) && !hits.contains(&other),
            "{q}: {hits:?}"
        );
    }
    // The snippet marks the text's own spelling.
    let (_, hits) = anna.get(&url("Knoeselmueller")).await;
    let snippets: Vec<&str> = hits["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["snippet"].as_str())
        .collect();
    assert!(
        snippets.iter().any(|s| s.contains("«Knöselmüller»")),
        "{snippets:?}"
    );
    // Another client's agent: its own client's articles only.
    let (status, _) = jonas.get(&url("Knoeselmueller")).await;
    assert_ne!(status, StatusCode::OK);
}
