//! The customer database: contacts and organizations through the HTTP API
//! of a demo server — CRUD, search, caller look-up, duplicates and merge,
//! CSV import, and the isolation of every endpoint between clients.

use crate::common;

use common::{Api, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const ADMIN: &str = "admin@zezaro.example";
const CA_ACME: &str = "kadmin@acme-energie.example";
const CA_NORD: &str = "kadmin@nordlicht.example";
const LEAD: &str = "lead@zezaro.example";
const ANNA: &str = "anna.schmidt@acme-energie.example";
const BASIC: &str = "basic.agent@zezaro.example";
const PRO: &str = "pro.agent@zezaro.example";
const TOM: &str = "tom.berger@zezaro.example";

const V1: &str = "/api/v1";

async fn client_ids(ts: &TestServer) -> (i64, i64, i64) {
    (
        ts.id_of("/api/v1/clients", "name", "Acme Energie GmbH")
            .await,
        ts.id_of("/api/v1/clients", "name", "Nordlicht Versand AG")
            .await,
        ts.id_of("/api/v1/clients", "name", "Bergblick Telekom")
            .await,
    )
}

async fn new_contact(api: &Api, client_id: i64, name: &str, email: &str, phone: &str) -> i64 {
    let mut body = json!({ "client_id": client_id, "name": name });
    if !email.is_empty() {
        body["emails"] = json!([email]);
    }
    if !phone.is_empty() {
        body["phones"] = json!([phone]);
    }
    let (status, contact) = api.post(&format!("{V1}/contacts"), body).await;
    assert_eq!(status, StatusCode::CREATED, "{contact}");
    contact["id"].as_i64().expect("id")
}

/// Contact fields in ACME's data mask, so that contacts may carry them.
async fn contact_fields(ts: &TestServer, api: &Api) {
    let project = ts.id_of("/api/v1/projects", "key", "ACME").await;
    for (key, kind) in [("tarif", "text"), ("newsletter", "checkbox")] {
        let (status, field) = api
            .post(
                &format!("{V1}/projects/{project}/fields"),
                json!({ "entity": "contact", "key": key, "label": key, "kind": kind }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{field}");
    }
}

async fn new_org(api: &Api, client_id: i64, name: &str) -> i64 {
    let (status, org) = api
        .post(
            &format!("{V1}/organizations"),
            json!({ "client_id": client_id, "name": name }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{org}");
    org["id"].as_i64().expect("id")
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["id"].as_i64()).collect())
        .unwrap_or_default()
}

async fn csv(api: &Api, path: &str, body: &str) -> (StatusCode, Value) {
    let response = api
        .raw(
            Method::POST,
            path,
            Some(("text/csv; charset=utf-8", body.as_bytes().to_vec())),
            &[],
        )
        .await;
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn audit_actions(ts: &TestServer, object_type: &str, object_id: i64) -> Vec<String> {
    let admin = ts.token_client(ADMIN);
    let (_, audit) = admin
        .get(&format!(
            "{V1}/audit?object_type={object_type}&object_id={object_id}&limit=500"
        ))
        .await;
    audit["items"]
        .as_array()
        .expect("audit items")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or("").to_string())
        .collect()
}

/// Inserts a case of the project for the contact straight into the store
/// (the cases API is not needed for this).
fn insert_case(ts: &TestServer, project_id: i64, number: i64, contact_id: i64) {
    ts.server
        .state
        .db
        .write_blocking(|tx| {
            tx.execute(
                "INSERT INTO cases (project_id, number, subject, channel, contact_id, created_at, updated_at)
                 VALUES (?1, ?2, 'Frage zur Rechnung', 'email', ?3, '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')",
                [project_id, number, contact_id],
            )
            .map_err(zezaro::db::StoreError::from)
        })
        .expect("case inserted");
}

#[actix_web::test]
async fn contacts_and_organizations_crud_and_search() {
    let ts = common::demo_server().await;
    let (acme, nord, _) = client_ids(&ts).await;
    let api = ts.token_client(CA_ACME);
    let admin = ts.token_client(ADMIN);
    contact_fields(&ts, &api).await;

    // An organization, then a contact working there.
    let (status, org) = api
        .post(
            &format!("{V1}/organizations"),
            json!({ "client_id": acme, "name": "Testwerk Kessler GmbH", "domain": "@Example.DE",
                    "customer_number": "F-42", "city": "Leipzig", "custom": { "segment": "B2B" } }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{org}");
    assert_eq!(org["domain"], "example.de");
    assert_eq!(org["custom"]["segment"], "B2B");
    let org_id = org["id"].as_i64().unwrap();

    let (status, contact) = api
        .post(
            &format!("{V1}/contacts"),
            json!({
                "client_id": acme, "name": "  Jörg Kessler ",
                "emails": ["Joerg.Kessler@Example.de", "jk@example.com", "joerg.kessler@example.de"],
                "phones": ["+49 341 2223334", "0049 341 2223334", "0171 5556667"],
                "organization_id": org_id, "customer_number": "ST-9001", "language": "de",
                "street": "Markt 1", "postal_code": "04109", "city": "Leipzig", "country": "Deutschland",
                "notes": "Ruft gern vormittags an.\nBevorzugt E-Mail.",
                "custom": { "tarif": "Öko Plus" }
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{contact}");
    let id = contact["id"].as_i64().unwrap();
    assert_eq!(contact["name"], "Jörg Kessler");
    assert_eq!(
        contact["emails"],
        json!(["joerg.kessler@example.de", "jk@example.com"])
    );
    // The same number twice (international forms) is kept once.
    assert_eq!(
        contact["phones"],
        json!(["+49 341 2223334", "0171 5556667"])
    );
    assert_eq!(contact["organization_name"], "Testwerk Kessler GmbH");
    assert_eq!(contact["client_id"], acme);
    assert_eq!(contact["case_count"], 0);
    assert_eq!(contact["language"], "de");
    assert_eq!(contact["custom"]["tarif"], "Öko Plus");
    assert_eq!(contact["merged_into_id"], Value::Null);

    // Bad input names the field.
    for (body, code, field) in [
        (
            json!({ "client_id": acme, "name": " " }),
            "validation",
            "name",
        ),
        (
            json!({ "client_id": acme, "name": "X", "language": "fr" }),
            "validation",
            "language",
        ),
        (
            json!({ "client_id": acme, "name": "X", "emails": ["nope"] }),
            "validation",
            "emails",
        ),
        (
            json!({ "client_id": acme, "name": "X", "phones": ["call me"] }),
            "validation",
            "phones",
        ),
        (
            json!({ "client_id": acme, "name": "X", "custom": [1] }),
            "validation",
            "custom",
        ),
        (
            json!({ "client_id": acme, "name": "X", "colour": "red" }),
            "unknown-field",
            "colour",
        ),
    ] {
        let (status, problem) = api.post(&format!("{V1}/contacts"), body.clone()).await;
        assert_eq!(problem["code"], code, "{body}: {problem}");
        assert_eq!(problem["field"], field, "{body}: {problem}");
        assert!(status == 400 || status == 422, "{body}: {status}");
    }
    // An organization of another client cannot be linked.
    let nord_org = new_org(&admin, nord, "Fremdfirma AG").await;
    let (status, problem) = api
        .post(
            &format!("{V1}/contacts"),
            json!({ "client_id": acme, "name": "X", "organization_id": nord_org }),
        )
        .await;
    assert_eq!(
        (status.as_u16(), problem["field"].as_str()),
        (422, Some("organization_id"))
    );

    // Reading one contact is recorded (GDPR records of access).
    let (status, got) = api.get(&format!("{V1}/contacts/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["emails"], contact["emails"]);
    let actions = audit_actions(&ts, "contact", id).await;
    assert!(
        actions.contains(&"contact.create".to_string()),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"contact.viewed".to_string()),
        "{actions:?}"
    );

    // Search: name, address, number, digits, city, organization, number.
    for q in [
        "kessler",
        "Jörg",
        "joerg.kess",
        "jk@example",
        "2223334",
        "493412223334",
        "Leip",
        "Testwerk",
        "ST-9001",
        "Kessler Leipzig",
    ] {
        let (status, page) = api
            .get(&format!(
                "{V1}/contacts?client_id={acme}&q={}",
                urlencode(q)
            ))
            .await;
        assert_eq!(status, StatusCode::OK, "{q}: {page}");
        assert!(
            ids(&page).contains(&id),
            "{q} does not find the contact: {page}"
        );
    }
    let (_, page) = api.get(&format!("{V1}/contacts?q=Kessler%20Hamburg")).await;
    assert!(!ids(&page).contains(&id));
    let (_, page) = api.get(&format!("{V1}/contacts?q=%22%2A")).await;
    assert_eq!(ids(&page), Vec::<i64>::new());

    // Change: name, city, no organization, no language; search follows.
    let (status, changed) = api
        .patch(
            &format!("{V1}/contacts/{id}"),
            json!({ "name": "Jörg Keßler-Braun", "city": "Halle", "organization_id": null,
                    "language": null, "phones": ["0345 123456"] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["organization_id"], Value::Null);
    assert_eq!(changed["organization_name"], Value::Null);
    assert_eq!(changed["language"], Value::Null);
    assert_eq!(changed["customer_number"], "ST-9001");
    assert_eq!(changed["phones"], json!(["0345 123456"]));
    let (_, page) = api.get(&format!("{V1}/contacts?q=Braun%20Halle")).await;
    assert_eq!(ids(&page), vec![id]);
    let (_, page) = api.get(&format!("{V1}/contacts?q=Leipzig%20Kessler")).await;
    assert!(!ids(&page).contains(&id));
    let (_, page) = api.get(&format!("{V1}/contacts?q=2223334")).await;
    assert!(!ids(&page).contains(&id));
    assert!(
        audit_actions(&ts, "contact", id)
            .await
            .contains(&"contact.update".to_string())
    );

    // Back into the organization; renaming it updates the contacts' search.
    api.patch(
        &format!("{V1}/contacts/{id}"),
        json!({ "organization_id": org_id }),
    )
    .await;
    let (status, org) = api
        .patch(
            &format!("{V1}/organizations/{org_id}"),
            json!({ "name": "Kessler Anlagenbau GmbH", "domain": null }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{org}");
    assert_eq!(org["domain"], Value::Null);
    assert_eq!(org["contact_count"], 1);
    let (_, page) = api.get(&format!("{V1}/contacts?q=Anlagenbau")).await;
    assert_eq!(ids(&page), vec![id]);
    let (_, page) = api.get(&format!("{V1}/organizations?q=anlagen")).await;
    assert_eq!(ids(&page), vec![org_id]);
    let (_, page) = api
        .get(&format!("{V1}/organizations?client_id={acme}"))
        .await;
    assert!(ids(&page).contains(&org_id));
    assert!(!ids(&page).contains(&nord_org));
    let (status, members) = api
        .get(&format!("{V1}/organizations/{org_id}/contacts"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&members), vec![id]);
    let (_, page) = api
        .get(&format!("{V1}/contacts?organization_id={org_id}"))
        .await;
    assert_eq!(ids(&page), vec![id]);

    // Paging: newest first, by before_id.
    let (_, all) = api
        .get(&format!("{V1}/contacts?client_id={acme}&limit=500"))
        .await;
    let all = ids(&all);
    assert!(all.len() >= 6, "{all:?}");
    assert!(all.windows(2).all(|w| w[0] > w[1]));
    let (_, first) = api
        .get(&format!("{V1}/contacts?client_id={acme}&limit=2"))
        .await;
    assert_eq!(ids(&first), all[..2]);
    let next = first["next_before_id"].as_i64().expect("next page");
    let (_, second) = api
        .get(&format!(
            "{V1}/contacts?client_id={acme}&limit=2&before_id={next}"
        ))
        .await;
    assert_eq!(ids(&second), all[2..4]);
    let (status, problem) = api.get(&format!("{V1}/contacts?limit=many")).await;
    assert_eq!(
        (status.as_u16(), problem["code"].as_str()),
        (400, Some("invalid-query"))
    );

    // Deleting the organization keeps its contacts.
    let (status, _) = ts
        .token_client(ANNA)
        .delete(&format!("{V1}/organizations/{org_id}"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = api.delete(&format!("{V1}/organizations/{org_id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        api.get(&format!("{V1}/organizations/{org_id}")).await.0,
        404
    );
    let (_, after) = api.get(&format!("{V1}/contacts/{id}")).await;
    assert_eq!(after["organization_id"], Value::Null);
    let (_, page) = api.get(&format!("{V1}/contacts?q=Anlagenbau")).await;
    assert!(ids(&page).is_empty());

    // Deleting the contact: agents may not, the client admin may.
    let (status, _) = ts
        .token_client(ANNA)
        .delete(&format!("{V1}/contacts/{id}"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = api.delete(&format!("{V1}/contacts/{id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(api.get(&format!("{V1}/contacts/{id}")).await.0, 404);
    let (_, page) = api.get(&format!("{V1}/contacts?q=Braun")).await;
    assert!(ids(&page).is_empty());
    let (_, found) = api
        .get(&format!("{V1}/contacts/lookup?email=jk@example.com"))
        .await;
    assert!(ids(&found).is_empty());
    assert!(
        audit_actions(&ts, "contact", id)
            .await
            .contains(&"contact.delete".to_string())
    );
    ts.server.stop().await;
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[actix_web::test]
async fn lookup_by_email_and_phone() {
    let ts = common::demo_server().await;
    let (acme, nord, _) = client_ids(&ts).await;
    let api = ts.token_client(LEAD);
    let id = new_contact(
        &api,
        acme,
        "Ines Anrufer",
        "Ines@Example.de",
        "+49 30 8765 4321",
    )
    .await;
    let other = new_contact(&api, nord, "Nils Nord", "", "040 7654321").await;

    let find = |query: String| {
        let api = &api;
        async move {
            let (status, body) = api.get(&format!("{V1}/contacts/lookup?{query}")).await;
            assert_eq!(status, StatusCode::OK, "{query}: {body}");
            ids(&body)
        }
    };
    assert_eq!(find("email=INES%40example.DE".into()).await, vec![id]);
    assert_eq!(
        find(format!("client_id={acme}&email=ines%40example.de")).await,
        vec![id]
    );
    assert!(
        find(format!("client_id={nord}&email=ines%40example.de"))
            .await
            .is_empty()
    );
    assert!(find("email=nobody%40example.de".into()).await.is_empty());
    // The same number in every usual form.
    for number in [
        "%2B49308765%204321",
        "004930%2087654321",
        "%2B49%20(0)30%2087654321",
    ] {
        assert_eq!(find(format!("phone={number}")).await, vec![id], "{number}");
    }
    // A local number finds the international one by its last digits, and
    // the other way round.
    assert_eq!(find("phone=030%2087654321".into()).await, vec![id]);
    assert_eq!(find("phone=%2B49%2040%207654321".into()).await, vec![other]);
    assert_eq!(find("phone=0407654321".into()).await, vec![other]);
    assert!(find("phone=0899999999".into()).await.is_empty());
    // Demo contacts are there too.
    assert_eq!(
        find("email=hans.mueller%40example.de".into()).await.len(),
        1
    );

    for query in [
        "",
        "email=a%40example.de&phone=123",
        "phone=12",
        "email=%20",
    ] {
        let (status, problem) = api.get(&format!("{V1}/contacts/lookup?{query}")).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {problem}"
        );
        assert_eq!(problem["code"], "validation");
    }
    ts.server.stop().await;
}

#[actix_web::test]
async fn duplicates_and_merge_move_addresses_and_cases() {
    let ts = common::demo_server().await;
    let (acme, nord, _) = client_ids(&ts).await;
    let admin = ts.token_client(ADMIN);
    let api = ts.token_client(CA_ACME);
    let project = ts.id_of("/api/v1/projects", "key", "ACME").await;
    contact_fields(&ts, &api).await;

    // The demo's Hans Müller / Hans Mueller in Berlin are a name duplicate.
    let (status, groups) = api
        .get(&format!("{V1}/contacts/duplicates?client_id={acme}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{groups}");
    let groups = groups["items"].as_array().unwrap().clone();
    assert!(
        groups
            .iter()
            .any(|g| g["reason"] == "name" && g["value"] == "hans mueller"),
        "{groups:?}"
    );

    let a = new_contact(
        &api,
        acme,
        "Clara Doppel",
        "clara@example.de",
        "+49 221 334455",
    )
    .await;
    let (_, b) = api
        .post(
            &format!("{V1}/contacts"),
            json!({ "client_id": acme, "name": "C. Doppel", "emails": ["clara@example.de", "clara.d@example.com"],
                    "phones": ["0171 9998887"], "city": "Köln", "customer_number": "ST-5",
                    "custom": { "tarif": "Basis", "newsletter": true } }),
        )
        .await;
    let b = b["id"].as_i64().unwrap();
    let c = new_contact(&api, acme, "Clara D.", "", "0049 221 334455").await;
    api.patch(
        &format!("{V1}/contacts/{a}"),
        json!({ "custom": { "tarif": "Öko" } }),
    )
    .await;
    let (_, groups) = api
        .get(&format!("{V1}/contacts/duplicates?client_id={acme}"))
        .await;
    let groups = groups["items"].as_array().unwrap().clone();
    let group = |reason: &str, value: &str| {
        groups
            .iter()
            .find(|g| g["reason"] == reason && g["value"] == value)
            .map(|g| g["contact_ids"].clone())
    };
    assert_eq!(
        group("email", "clara@example.de"),
        Some(json!([a, b])),
        "{groups:?}"
    );
    assert_eq!(
        group("phone", "49221334455"),
        Some(json!([a, c])),
        "{groups:?}"
    );

    // Two cases of B, one of A.
    insert_case(&ts, project, 1, b);
    insert_case(&ts, project, 2, b);
    insert_case(&ts, project, 3, a);

    // Agents may not merge; other clients' contacts are not there.
    let (status, _) = ts
        .token_client(ANNA)
        .post(&format!("{V1}/contacts/{b}/merge"), json!({ "into_id": a }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let foreign = new_contact(&admin, nord, "Nordkunde", "clara@example.de", "").await;
    let (status, _) = api
        .post(
            &format!("{V1}/contacts/{b}/merge"),
            json!({ "into_id": foreign }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The admin sees both, but clients do not mix.
    let (status, problem) = admin
        .post(
            &format!("{V1}/contacts/{b}/merge"),
            json!({ "into_id": foreign }),
        )
        .await;
    assert_eq!(
        (status.as_u16(), problem["code"].as_str()),
        (422, Some("merge-invalid"))
    );
    let (status, _) = api
        .post(&format!("{V1}/contacts/{b}/merge"), json!({ "into_id": b }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Merge B into A.
    let (status, merged) = api
        .post(&format!("{V1}/contacts/{b}/merge"), json!({ "into_id": a }))
        .await;
    assert_eq!(status, StatusCode::OK, "{merged}");
    assert_eq!(merged["id"], a);
    assert_eq!(merged["name"], "Clara Doppel");
    assert_eq!(
        merged["emails"],
        json!(["clara@example.de", "clara.d@example.com"])
    );
    assert_eq!(merged["phones"], json!(["+49 221 334455", "0171 9998887"]));
    assert_eq!(merged["city"], "Köln");
    assert_eq!(merged["customer_number"], "ST-5");
    assert_eq!(
        merged["custom"],
        json!({ "tarif": "Öko", "newsletter": true })
    );
    assert_eq!(merged["case_count"], 3);
    let cases_of_b: i64 = ts
        .server
        .state
        .db
        .read_blocking(|conn| {
            conn.query_row(
                "SELECT COUNT(*) FROM cases WHERE contact_id = ?1",
                [b],
                |r| r.get(0),
            )
            .map_err(zezaro::db::StoreError::from)
        })
        .unwrap();
    assert_eq!(cases_of_b, 0);

    // B stays readable, marked, but is gone from lists, search, look-ups and
    // duplicates.
    let (status, gone) = api.get(&format!("{V1}/contacts/{b}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(gone["merged_into_id"], a);
    assert_eq!(gone["emails"], json!([]));
    let (_, page) = api
        .get(&format!("{V1}/contacts?client_id={acme}&limit=500"))
        .await;
    assert!(!ids(&page).contains(&b) && ids(&page).contains(&a));
    let (_, page) = api.get(&format!("{V1}/contacts?q=Doppel")).await;
    assert_eq!(ids(&page), vec![a]);
    let (_, found) = api
        .get(&format!("{V1}/contacts/lookup?email=clara.d%40example.com"))
        .await;
    assert_eq!(ids(&found), vec![a]);
    let (_, found) = api
        .get(&format!("{V1}/contacts/lookup?phone=01719998887"))
        .await;
    assert_eq!(ids(&found), vec![a]);
    let (_, groups) = api
        .get(&format!("{V1}/contacts/duplicates?client_id={acme}"))
        .await;
    assert!(
        groups["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| !g["contact_ids"].as_array().unwrap().contains(&json!(b))),
        "{groups}"
    );
    // Merged contacts are neither merged again nor changed.
    let (status, _) = api
        .post(&format!("{V1}/contacts/{b}/merge"), json!({ "into_id": c }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = api
        .post(&format!("{V1}/contacts/{c}/merge"), json!({ "into_id": b }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = api
        .patch(&format!("{V1}/contacts/{b}"), json!({ "name": "X" }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // C into A: the same number counts once.
    let (_, merged) = api
        .post(&format!("{V1}/contacts/{c}/merge"), json!({ "into_id": a }))
        .await;
    assert_eq!(merged["phones"], json!(["+49 221 334455", "0171 9998887"]));
    let actions = audit_actions(&ts, "contact", b).await;
    assert!(
        actions.contains(&"contact.merge".to_string()),
        "{actions:?}"
    );
    assert!(
        audit_actions(&ts, "contact", a)
            .await
            .contains(&"contact.update".to_string())
    );

    // Deleting A deletes B and C with it; the cases stay, without contact.
    let (status, _) = api.delete(&format!("{V1}/contacts/{a}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for id in [a, b, c] {
        assert_eq!(api.get(&format!("{V1}/contacts/{id}")).await.0, 404);
    }
    let orphans: i64 = ts
        .server
        .state
        .db
        .read_blocking(|conn| {
            conn.query_row(
                "SELECT COUNT(*) FROM cases WHERE project_id = ?1 AND contact_id IS NULL AND number IN (1, 2, 3)",
                [project],
                |r| r.get(0),
            )
            .map_err(zezaro::db::StoreError::from)
        })
        .unwrap();
    assert_eq!(orphans, 3);
    ts.server.stop().await;
}

const IMPORT: &str = "\u{feff}Name;E-Mail;Telefon;Organisation;Kundennummer;Sprache;Straße;PLZ;Ort;Land;Notizen\n\
Greta Import;greta@example.de, greta.privat@example.com;+49 30 5550001;Importfirma AG;IM-1;de;Weg 1;10115;Berlin;Deutschland;\"Erste Notiz; wichtig\"\n\
;nobody@example.de;;;;;;;;;\n\
Kai Kaputt;not-an-email;;;;;;;;;\n\
\n\
Hans Müller;hans.mueller@example.de;;;;;;;Potsdam;;\n\
Lara Lang;;;;;fr;;;;;\n\
Tom Tel;tom.tel@example.com;ruf mich an;;;;;;;;\n";

#[actix_web::test]
async fn csv_import_dry_run_and_real() {
    let ts = common::demo_server().await;
    let (acme, nord, _) = client_ids(&ts).await;
    let api = ts.token_client(LEAD);
    let path = |dry: bool| format!("{V1}/contacts/import?client_id={acme}&dry_run={dry}");
    let hans = {
        let (_, found) = api
            .get(&format!(
                "{V1}/contacts/lookup?client_id={acme}&email=hans.mueller%40example.de"
            ))
            .await;
        ids(&found)[0]
    };

    let (status, report) = csv(&api, &path(true), IMPORT).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["rows"], 6, "{report}");
    assert_eq!(report["created"], 1, "{report}");
    assert_eq!(report["updated"], 1, "{report}");
    let errors: Vec<(i64, String)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_i64().unwrap(),
                e["field"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        vec![
            (3, "name".into()),
            (4, "email".into()),
            (7, "language".into()),
            (8, "phone".into())
        ],
        "{report}"
    );
    // Nothing was written.
    let (_, page) = api.get(&format!("{V1}/contacts?q=Greta")).await;
    assert!(ids(&page).is_empty());
    let (_, orgs) = api.get(&format!("{V1}/organizations?q=Importfirma")).await;
    assert!(ids(&orgs).is_empty());
    let (_, h) = api.get(&format!("{V1}/contacts/{hans}")).await;
    assert_eq!(h["city"], "Berlin");
    assert!(
        !audit_actions(&ts, "client", acme)
            .await
            .contains(&"contact.import".to_string())
    );

    // For real.
    let (status, real) = csv(&api, &path(false), IMPORT).await;
    assert_eq!(status, StatusCode::OK, "{real}");
    assert_eq!(real["dry_run"], false);
    assert_eq!(
        (real["created"].clone(), real["updated"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(real["errors"], report["errors"]);
    let (_, page) = api.get(&format!("{V1}/contacts?q=Greta")).await;
    let greta = &page["items"][0];
    assert_eq!(
        greta["emails"],
        json!(["greta@example.de", "greta.privat@example.com"])
    );
    assert_eq!(greta["phones"], json!(["+49 30 5550001"]));
    assert_eq!(greta["organization_name"], "Importfirma AG");
    assert_eq!(greta["customer_number"], "IM-1");
    assert_eq!(greta["street"], "Weg 1");
    assert_eq!(greta["notes"], "Erste Notiz; wichtig");
    let (_, h) = api.get(&format!("{V1}/contacts/{hans}")).await;
    assert_eq!(h["city"], "Potsdam");
    assert_eq!(h["street"], "Hauptstraße 5");
    assert!(
        audit_actions(&ts, "client", acme)
            .await
            .contains(&"contact.import".to_string())
    );

    // Again: the same addresses now update; the organization is reused.
    let (_, again) = csv(&api, &path(false), IMPORT).await;
    assert_eq!(
        (again["created"].clone(), again["updated"].clone()),
        (json!(0), json!(2))
    );
    let (_, orgs) = api.get(&format!("{V1}/organizations?q=Importfirma")).await;
    assert_eq!(ids(&orgs).len(), 1);

    // Commas, quotes, no BOM; a row with a new address of a known contact.
    let comma = "name,email,phone,city\n\"Weber, Jonas\",jonas.w@example.de,\"0211 123; 0211 456\",Düsseldorf\n";
    let (status, report) = csv(
        &api,
        &format!("{V1}/contacts/import?client_id={nord}"),
        comma,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(
        (report["created"].clone(), report["dry_run"].clone()),
        (json!(1), json!(false))
    );
    let (_, found) = api
        .get(&format!("{V1}/contacts/lookup?email=jonas.w%40example.de"))
        .await;
    assert_eq!(found["items"][0]["name"], "Weber, Jonas");
    assert_eq!(found["items"][0]["client_id"], nord);
    assert_eq!(found["items"][0]["phones"], json!(["0211 123", "0211 456"]));

    // Files that cannot be read at all.
    for (body, code) in [
        ("email\na@example.de\n", "import-invalid"),
        ("", "import-invalid"),
        ("   \n", "import-invalid"),
    ] {
        let (status, problem) = csv(&api, &path(true), body).await;
        assert_eq!(
            (status.as_u16(), problem["code"].as_str()),
            (422, Some(code)),
            "{body:?}"
        );
    }
    let response = api
        .raw(
            Method::POST,
            &path(true),
            Some(("text/csv", vec![b'n', b'a', b'm', b'e', b'\n', 0xff, 0xfe])),
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = api
        .raw(
            Method::POST,
            &path(true),
            Some(("application/json", b"{}".to_vec())),
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let big = format!("name\n{}", "Max Mustermann\n".repeat(80_000));
    let (status, problem) = csv(&api, &path(true), &big).await;
    assert_eq!(
        (status.as_u16(), problem["code"].as_str()),
        (413, Some("payload-too-large"))
    );
    let (status, problem) = csv(
        &api,
        &format!("{V1}/contacts/import?dry_run=true"),
        "name\nA\n",
    )
    .await;
    assert_eq!(
        (status.as_u16(), problem["code"].as_str()),
        (400, Some("invalid-query"))
    );
    ts.server.stop().await;
}

/// A contact field of a project through the API; answers its id.
async fn new_contact_field(
    api: &Api,
    project: i64,
    key: &str,
    kind: &str,
    options: &[&str],
) -> i64 {
    let (status, field) = api
        .post(
            &format!("{V1}/projects/{project}/fields"),
            json!({ "entity": "contact", "key": key, "label": key, "kind": kind, "options": options }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{field}");
    field["id"].as_i64().expect("id")
}

/// `(line, field)` of an import report's errors.
fn error_fields(report: &Value) -> Vec<(i64, String)> {
    report["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["line"].as_i64().unwrap_or(0),
                e["field"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

async fn contact_by_email(api: &Api, client_id: i64, email: &str) -> Option<Value> {
    let (status, found) = api
        .get(&format!(
            "{V1}/contacts/lookup?client_id={client_id}&email={}",
            urlencode(email)
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    found["items"]
        .as_array()
        .and_then(|items| items.first().cloned())
}

const IMPORT_CUSTOM: &str = "Name;E-Mail;Organisation;vertrag;custom.zaehler;Newsletter;sparten;customer_since;altfeld;nord_only;Lieblingsfarbe\n\
Greta Feld;greta.feld@example.de;;Öko;3,5;ja;Strom, Gas;2020-12-31;;;blau\n\
Same Person;same@example.de;;Basis;;;;;;x;\n\
Hans Vorhanden;hans.v@example.de;;;;nein;;;;;\n\
Bad Vertrag;bad1@example.de;Halbfirma GmbH;Gold;;;;;;;\n\
Bad Datum;bad2@example.de;;;;;;31.12.2020;;;\n\
Bad Zahl;bad3@example.de;;;zwei;;;;;;\n\
Bad Box;bad4@example.de;;;;vielleicht;;;;;\n\
Bad Sparte;bad5@example.de;;;;;Strom, Wasser;;;;\n\
Alt Wert;bad6@example.de;;;;;;;alt;;\n";

/// Columns named after custom contact fields: converted, checked like the
/// API's `custom`, row errors in dry and real run alike, nothing of a bad
/// row written, and one client's import never reads or writes another's
/// fields or contacts.
#[actix_web::test]
async fn csv_import_custom_fields() {
    let ts = common::demo_server().await;
    let (acme, nord, _) = client_ids(&ts).await;
    let api = ts.token_client(CA_ACME);
    let nord_api = ts.token_client(CA_NORD);
    let project = ts.id_of("/api/v1/projects", "key", "ACME").await;
    let nord_project = ts.id_of("/api/v1/projects", "key", "NORD").await;
    // ACME's contact mask: the demo's `customer_since` (date) and these.
    new_contact_field(&api, project, "vertrag", "select", &["Basis", "Öko"]).await;
    new_contact_field(&api, project, "zaehler", "number", &[]).await;
    new_contact_field(&api, project, "newsletter", "checkbox", &[]).await;
    new_contact_field(&api, project, "sparten", "multi-select", &["Strom", "Gas"]).await;
    let old = new_contact_field(&api, project, "altfeld", "text", &[]).await;
    let (status, _) = api
        .patch(&format!("{V1}/fields/{old}"), json!({ "active": false }))
        .await;
    assert_eq!(status, StatusCode::OK);
    // Nordlicht: a field of its own, and a contact with an address that
    // ACME's file carries too.
    new_contact_field(&nord_api, nord_project, "nord_only", "text", &[]).await;
    let nord_contact = new_contact(&nord_api, nord, "Same Person", "same@example.de", "").await;
    let (status, _) = nord_api
        .patch(
            &format!("{V1}/contacts/{nord_contact}"),
            json!({ "custom": { "nord_only": "bleibt" } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, nord_before) = nord_api.get(&format!("{V1}/contacts/{nord_contact}")).await;
    let (_, nord_list_before) = nord_api
        .get(&format!("{V1}/contacts?client_id={nord}&limit=500"))
        .await;
    let hans = new_contact(&api, acme, "Hans Vorhanden", "hans.v@example.de", "").await;
    let (status, _) = api
        .patch(
            &format!("{V1}/contacts/{hans}"),
            json!({ "custom": { "vertrag": "Basis" } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let path = |dry: bool| format!("{V1}/contacts/import?client_id={acme}&dry_run={dry}");
    let expected_errors: Vec<(i64, String)> = [
        (5, "custom.vertrag"),
        (6, "custom.customer_since"),
        (7, "custom.zaehler"),
        (8, "custom.newsletter"),
        (9, "custom.sparten"),
        (10, "custom.altfeld"),
    ]
    .into_iter()
    .map(|(line, field)| (line, field.to_string()))
    .collect();

    let (status, dry) = csv(&api, &path(true), IMPORT_CUSTOM).await;
    assert_eq!(status, StatusCode::OK, "{dry}");
    assert_eq!(dry["rows"], 9, "{dry}");
    assert_eq!(
        (dry["created"].clone(), dry["updated"].clone()),
        (json!(2), json!(1)),
        "{dry}"
    );
    assert_eq!(error_fields(&dry), expected_errors, "{dry}");
    assert!(
        dry["errors"][5]["message"]
            .as_str()
            .is_some_and(|m| m.contains("deactivated")),
        "{dry}"
    );
    assert_eq!(
        dry["custom_columns"],
        json!([
            "vertrag",
            "zaehler",
            "newsletter",
            "sparten",
            "customer_since"
        ])
    );
    assert_eq!(
        dry["unknown_columns"],
        json!(["nord_only", "Lieblingsfarbe"])
    );
    // The dry run wrote nothing.
    assert!(
        contact_by_email(&api, acme, "greta.feld@example.de")
            .await
            .is_none()
    );
    let (_, h) = api.get(&format!("{V1}/contacts/{hans}")).await;
    assert_eq!(h["custom"], json!({ "vertrag": "Basis" }));

    let (status, real) = csv(&api, &path(false), IMPORT_CUSTOM).await;
    assert_eq!(status, StatusCode::OK, "{real}");
    assert_eq!(real["dry_run"], false);
    assert_eq!(
        (real["created"].clone(), real["updated"].clone()),
        (json!(2), json!(1)),
        "{real}"
    );
    assert_eq!(real["errors"], dry["errors"]);
    let greta = contact_by_email(&api, acme, "greta.feld@example.de")
        .await
        .expect("greta imported");
    assert_eq!(
        greta["custom"],
        json!({ "vertrag": "Öko", "zaehler": 3.5, "newsletter": true,
                "sparten": ["Strom", "Gas"], "customer_since": "2020-12-31" })
    );
    // An update merges into the stored values; empty cells change nothing.
    let (_, h) = api.get(&format!("{V1}/contacts/{hans}")).await;
    assert_eq!(
        h["custom"],
        json!({ "vertrag": "Basis", "newsletter": false })
    );
    // Nothing of a bad row was written, not even its new organization.
    for n in 1..=6 {
        assert!(
            contact_by_email(&api, acme, &format!("bad{n}@example.de"))
                .await
                .is_none(),
            "bad{n}"
        );
    }
    let (_, orgs) = api.get(&format!("{V1}/organizations?q=Halbfirma")).await;
    assert!(ids(&orgs).is_empty(), "{orgs}");
    // The address known at Nordlicht made a new ACME contact; Nordlicht's
    // field in ACME's file was not imported, Nordlicht's contacts untouched.
    let same = contact_by_email(&api, acme, "same@example.de")
        .await
        .expect("same person at ACME");
    assert_ne!(same["id"], nord_contact);
    assert_eq!(same["custom"], json!({ "vertrag": "Basis" }));
    let (_, nord_after) = nord_api.get(&format!("{V1}/contacts/{nord_contact}")).await;
    assert_eq!(nord_after["custom"], json!({ "nord_only": "bleibt" }));
    assert_eq!(nord_after["updated_at"], nord_before["updated_at"]);
    let (_, nord_list_after) = nord_api
        .get(&format!("{V1}/contacts?client_id={nord}&limit=500"))
        .await;
    assert_eq!(ids(&nord_list_after), ids(&nord_list_before));

    // Nordlicht's import knows only Nordlicht's mask.
    let (status, report) = csv(
        &nord_api,
        &format!("{V1}/contacts/import?client_id={nord}"),
        "name,email,vertrag,nord_only\nNora Nord,nora@example.de,Gold,n1\n",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["created"], 1, "{report}");
    assert_eq!(report["custom_columns"], json!(["nord_only"]));
    assert_eq!(report["unknown_columns"], json!(["vertrag"]));
    let nora = contact_by_email(&nord_api, nord, "nora@example.de")
        .await
        .expect("nora");
    assert_eq!(nora["custom"], json!({ "nord_only": "n1" }));
    // ... and may not import into ACME at all.
    let (status, _) = csv(
        &nord_api,
        &format!("{V1}/contacts/import?client_id={acme}&dry_run=true"),
        "name,vertrag\nX,Basis\n",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A required field: new contacts need it (as through the API), updates
    // do not; a field named by two columns makes the file unreadable.
    let (_, mask) = api
        .get(&format!("{V1}/projects/{project}/fields?entity=contact"))
        .await;
    let since = mask["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|f| f["key"] == "customer_since")
        .and_then(|f| f["id"].as_i64())
        .expect("customer_since");
    let (status, _) = api
        .patch(&format!("{V1}/fields/{since}"), json!({ "required": true }))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, report) = csv(
        &api,
        &path(true),
        "name,email\nNeu Ohne,neu.ohne@example.de\nHans Vorhanden,hans.v@example.de\n",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(
        error_fields(&report),
        vec![(2, "custom.customer_since".to_string())]
    );
    assert_eq!(
        (report["created"].clone(), report["updated"].clone()),
        (json!(0), json!(1))
    );
    let (status, problem) = csv(
        &api,
        &path(true),
        "name,vertrag,custom.vertrag\nX,Basis,Öko\n",
    )
    .await;
    assert_eq!(
        (status.as_u16(), problem["code"].as_str()),
        (422, Some("import-invalid")),
        "{problem}"
    );
    ts.server.stop().await;
}

/// Every endpoint × role × own/foreign client.
#[actix_web::test]
async fn isolation_between_clients() {
    let ts = common::demo_server().await;
    let (acme, nord, berg) = client_ids(&ts).await;
    let admin = ts.token_client(ADMIN);

    struct Fixture {
        client: i64,
        contact: i64,
        org: i64,
        token: &'static str,
        email: &'static str,
        phone: &'static str,
    }
    let mut fixtures = Vec::new();
    for (client, token, email, phone) in [
        (acme, "Quappenfeld", "quappe@example.de", "+49 69 11112222"),
        (
            nord,
            "Zwirbelstedt",
            "zwirbel@example.de",
            "+49 40 99998888",
        ),
    ] {
        let org = new_org(&admin, client, &format!("{token} GmbH")).await;
        let (_, contact) = admin
            .post(
                &format!("{V1}/contacts"),
                json!({ "client_id": client, "name": format!("Erika {token}"), "emails": [email],
                        "phones": [phone], "organization_id": org }),
            )
            .await;
        let contact = contact["id"].as_i64().unwrap();
        // A duplicate so that the duplicate check has something to show.
        new_contact(&admin, client, &format!("Erika {token} Zwei"), email, "").await;
        fixtures.push(Fixture {
            client,
            contact,
            org,
            token,
            email,
            phone,
        });
    }

    // (user, sees acme, sees nord, manages acme, manages nord)
    let roles: [(&str, bool, bool, bool, bool); 8] = [
        (ADMIN, true, true, true, true),
        (CA_ACME, true, false, true, false),
        (CA_NORD, false, true, false, true),
        (LEAD, true, true, true, true),
        (ANNA, true, false, false, false),
        (BASIC, true, true, false, false),
        (PRO, true, false, false, false),
        (TOM, false, false, false, false),
    ];
    let mut wrong = Vec::new();
    let mut cells = 0;
    let mut check = |user: &str, what: String, got: u16, want: u16| {
        cells += 1;
        if got != want {
            wrong.push(format!("{user}: {what}: got {got}, want {want}"));
        }
    };
    for (user, sees_acme, sees_nord, manages_acme, manages_nord) in roles {
        let api = ts.token_client(user);
        for (i, f) in fixtures.iter().enumerate() {
            let other = &fixtures[1 - i];
            let (sees, manages) = if i == 0 {
                (sees_acme, manages_acme)
            } else {
                (sees_nord, manages_nord)
            };
            let hidden = if sees { 200 } else { 404 };
            let client = f.client;
            let label = |s: &str| format!("{s} @{}", f.token);

            let (s, _) = api.get(&format!("{V1}/contacts/{}", f.contact)).await;
            check(user, label("GET contact"), s.as_u16(), hidden);
            let (s, page) = api.get(&format!("{V1}/contacts?client_id={client}")).await;
            check(user, label("GET contacts?client_id"), s.as_u16(), hidden);
            if sees {
                check(
                    user,
                    label("listed by client"),
                    ids(&page).contains(&f.contact) as u16,
                    1,
                );
            }
            let (_, page) = api.get(&format!("{V1}/contacts?limit=500")).await;
            check(
                user,
                label("in full list"),
                ids(&page).contains(&f.contact) as u16,
                sees as u16,
            );
            let (_, page) = api.get(&format!("{V1}/contacts?q={}", f.token)).await;
            check(
                user,
                label("found by search"),
                ids(&page).contains(&f.contact) as u16,
                sees as u16,
            );
            let (_, found) = api
                .get(&format!(
                    "{V1}/contacts/lookup?email={}",
                    urlencode(f.email)
                ))
                .await;
            check(
                user,
                label("lookup email"),
                ids(&found).contains(&f.contact) as u16,
                sees as u16,
            );
            let (_, found) = api
                .get(&format!(
                    "{V1}/contacts/lookup?phone={}",
                    urlencode(f.phone)
                ))
                .await;
            check(
                user,
                label("lookup phone"),
                ids(&found).contains(&f.contact) as u16,
                sees as u16,
            );
            let (s, _) = api
                .get(&format!(
                    "{V1}/contacts/lookup?client_id={client}&email={}",
                    urlencode(f.email)
                ))
                .await;
            check(
                user,
                label("lookup with client_id"),
                s.as_u16(),
                if sees { 200 } else { 404 },
            );
            let (s, groups) = api
                .get(&format!("{V1}/contacts/duplicates?client_id={client}"))
                .await;
            check(user, label("duplicates"), s.as_u16(), hidden);
            if sees {
                let listed = groups["items"].as_array().is_some_and(|g| {
                    g.iter().any(|g| {
                        g["contact_ids"]
                            .as_array()
                            .is_some_and(|ids| ids.contains(&json!(f.contact)))
                    })
                });
                check(user, label("duplicate listed"), listed as u16, 1);
            }
            // Duplicates of the other client never leak into this one's.
            let (_, groups) = api
                .get(&format!("{V1}/contacts/duplicates?client_id={client}"))
                .await;
            let leaked = groups.to_string().contains(other.email);
            check(user, label("no foreign duplicates"), leaked as u16, 0);

            let (s, _) = api
                .patch(
                    &format!("{V1}/contacts/{}", f.contact),
                    json!({ "notes": format!("by {user}") }),
                )
                .await;
            check(user, label("PATCH contact"), s.as_u16(), hidden);
            let (s, _) = api
                .post(
                    &format!("{V1}/contacts"),
                    json!({ "client_id": client, "name": "Neu Kunde" }),
                )
                .await;
            check(
                user,
                label("POST contact"),
                s.as_u16(),
                if sees { 201 } else { 404 },
            );

            let (s, _) = api.get(&format!("{V1}/organizations/{}", f.org)).await;
            check(user, label("GET organization"), s.as_u16(), hidden);
            let (s, page) = api
                .get(&format!("{V1}/organizations?client_id={client}"))
                .await;
            check(
                user,
                label("GET organizations?client_id"),
                s.as_u16(),
                hidden,
            );
            if sees {
                check(
                    user,
                    label("org listed"),
                    ids(&page).contains(&f.org) as u16,
                    1,
                );
            }
            let (_, page) = api.get(&format!("{V1}/organizations?q={}", f.token)).await;
            check(
                user,
                label("org found by search"),
                ids(&page).contains(&f.org) as u16,
                sees as u16,
            );
            let (s, _) = api
                .get(&format!("{V1}/organizations/{}/contacts", f.org))
                .await;
            check(user, label("GET organization contacts"), s.as_u16(), hidden);
            let (s, _) = api
                .patch(
                    &format!("{V1}/organizations/{}", f.org),
                    json!({ "notes": format!("by {user}") }),
                )
                .await;
            check(user, label("PATCH organization"), s.as_u16(), hidden);
            let (s, _) = api
                .post(
                    &format!("{V1}/organizations"),
                    json!({ "client_id": client, "name": format!("Neu {user}") }),
                )
                .await;
            check(
                user,
                label("POST organization"),
                s.as_u16(),
                if sees { 201 } else { 404 },
            );

            // Delete, merge, import: managers only.
            let manage = if manages {
                2
            } else if sees {
                403
            } else {
                404
            };
            let victim = new_contact(&admin, client, "Wegwerf Kontakt", "", "").await;
            let (s, _) = api.delete(&format!("{V1}/contacts/{victim}")).await;
            check(
                user,
                label("DELETE contact"),
                s.as_u16(),
                if manage == 2 { 204 } else { manage },
            );
            let victim_org = new_org(&admin, client, "Wegwerf GmbH").await;
            let (s, _) = api
                .delete(&format!("{V1}/organizations/{victim_org}"))
                .await;
            check(
                user,
                label("DELETE organization"),
                s.as_u16(),
                if manage == 2 { 204 } else { manage },
            );
            let source = new_contact(&admin, client, "Merge Quelle", "", "").await;
            let target = new_contact(&admin, client, "Merge Ziel", "", "").await;
            let (s, _) = api
                .post(
                    &format!("{V1}/contacts/{source}/merge"),
                    json!({ "into_id": target }),
                )
                .await;
            check(
                user,
                label("merge"),
                s.as_u16(),
                if manage == 2 { 200 } else { manage },
            );
            let source_org = new_org(&admin, client, "Merge Quelle GmbH").await;
            let target_org = new_org(&admin, client, "Merge Ziel GmbH").await;
            let (s, _) = api
                .post(
                    &format!("{V1}/organizations/{source_org}/merge"),
                    json!({ "into_id": target_org }),
                )
                .await;
            check(
                user,
                label("merge organization"),
                s.as_u16(),
                if manage == 2 { 200 } else { manage },
            );
            let (s, _) = api
                .post(
                    &format!("{V1}/organizations/{target_org}/merge"),
                    json!({ "into_id": other.org }),
                )
                .await;
            let sees_other = if i == 0 { sees_nord } else { sees_acme };
            let want = match (manages, sees_other) {
                (false, _) => manage,
                (true, false) => 404,
                (true, true) => 422,
            };
            check(
                user,
                label("merge organization into a foreign one"),
                s.as_u16(),
                want,
            );
            // Into a contact of the other client: never (404 when invisible).
            let source = new_contact(&admin, client, "Merge Quelle", "", "").await;
            let (s, _) = api
                .post(
                    &format!("{V1}/contacts/{source}/merge"),
                    json!({ "into_id": other.contact }),
                )
                .await;
            let sees_other = if i == 0 { sees_nord } else { sees_acme };
            let want = match (manages, sees_other) {
                (false, _) => manage,
                (true, false) => 404,
                (true, true) => 422,
            };
            check(user, label("merge into foreign"), s.as_u16(), want);
            let (s, report) = csv(
                &api,
                &format!("{V1}/contacts/import?client_id={client}&dry_run=true"),
                "name,email\nImport Test,import.test@example.de\n",
            )
            .await;
            check(
                user,
                label("import"),
                s.as_u16(),
                if manage == 2 { 200 } else { manage },
            );
            if manage == 2 {
                check(
                    user,
                    label("import counted"),
                    report["created"].as_u64().unwrap_or(9) as u16,
                    1,
                );
            }
        }
        // Bergblick: only Tom and the admin.
        let (s, _) = api.get(&format!("{V1}/contacts?client_id={berg}")).await;
        let want = if user == TOM || user == ADMIN {
            200
        } else {
            404
        };
        check(user, "GET contacts @berg".into(), s.as_u16(), want);
    }
    // Without credentials: 401.
    let anon = ts.anonymous();
    for path in [
        "/contacts",
        "/organizations",
        "/contacts/lookup?email=a%40example.de",
    ] {
        let (s, _) = anon.get(&format!("{V1}{path}")).await;
        check("anonymous", format!("GET {path}"), s.as_u16(), 401);
    }
    let (s, _) = csv(
        &anon,
        &format!("{V1}/contacts/import?client_id={acme}"),
        "name\nA\n",
    )
    .await;
    check("anonymous", "import".into(), s.as_u16(), 401);
    println!("{cells} cells checked");
    assert!(
        wrong.is_empty(),
        "{} wrong cells:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    ts.server.stop().await;
}

#[actix_web::test]
async fn openapi_documents_the_customer_database() {
    let ts = common::demo_server().await;
    let (status, doc) = ts.anonymous().get("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    for path in [
        "/api/v1/contacts",
        "/api/v1/contacts/{id}",
        "/api/v1/contacts/{id}/merge",
        "/api/v1/contacts/lookup",
        "/api/v1/contacts/duplicates",
        "/api/v1/contacts/import",
        "/api/v1/organizations",
        "/api/v1/organizations/{id}",
        "/api/v1/organizations/{id}/contacts",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    ts.server.stop().await;
}

#[actix_web::test]
async fn organizations_merge_within_one_client() {
    let ts = common::demo_server().await;
    let (acme, nord, _) = client_ids(&ts).await;
    let api = ts.token_client(CA_ACME);
    let keep = new_org(&api, acme, "Stadtwerke Kessel GmbH").await;
    let (status, dup) = api
        .post(
            &format!("{V1}/organizations"),
            json!({ "client_id": acme, "name": "Stadtwerke Kessel", "city": "Kassel",
                    "customer_number": "ORG-77", "phone": "+49 561 1234" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{dup}");
    let dup = dup["id"].as_i64().expect("id");
    let contact = new_contact(&api, acme, "Greta Kessel", "greta@kessel.example", "").await;
    api.patch(
        &format!("{V1}/contacts/{contact}"),
        json!({ "organization_id": dup }),
    )
    .await;
    let nord_org = new_org(&ts.token_client(CA_NORD), nord, "Nord Kessel AG").await;

    // Agents may not merge; other clients' organizations do not exist;
    // an organization is not merged into itself.
    let merge = |id: i64, _into: i64| format!("{V1}/organizations/{id}/merge");
    let (status, _) = ts
        .token_client(ANNA)
        .post(&merge(dup, keep), json!({ "into_id": keep }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = api
        .post(&merge(dup, nord_org), json!({ "into_id": nord_org }))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = ts
        .token_client(CA_NORD)
        .post(&merge(nord_org, dup), json!({ "into_id": dup }))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, problem) = api.post(&merge(dup, dup), json!({ "into_id": dup })).await;
    assert_eq!(
        (status.as_u16(), problem["code"].as_str()),
        (422, Some("merge-invalid"))
    );

    // The merge moves the contact, fills the target's empty fields and
    // hides the merged organization from lists and search.
    let (status, merged) = api
        .post(&merge(dup, keep), json!({ "into_id": keep }))
        .await;
    assert_eq!(status, StatusCode::OK, "{merged}");
    assert_eq!(merged["id"], keep);
    assert_eq!(merged["city"], "Kassel");
    assert_eq!(merged["customer_number"], "ORG-77");
    assert_eq!(merged["contact_count"], 1);
    let (_, greta) = api.get(&format!("{V1}/contacts/{contact}")).await;
    assert_eq!(greta["organization_id"], keep);
    let (_, gone) = api.get(&format!("{V1}/organizations/{dup}")).await;
    assert_eq!(gone["merged_into_id"], keep);
    let (_, page) = api.get(&format!("{V1}/organizations?q=Kessel")).await;
    assert_eq!(ids(&page), vec![keep]);
    let (_, page) = api
        .get(&format!("{V1}/organizations?client_id={acme}&limit=500"))
        .await;
    assert!(!ids(&page).contains(&dup));
    let (status, _) = api
        .post(&merge(dup, keep), json!({ "into_id": keep }))
        .await;
    assert_eq!(status.as_u16(), 422, "merged already");
    assert!(
        audit_actions(&ts, "organization", dup)
            .await
            .contains(&"organization.merge".to_string())
    );
}

/// Contacts and organizations follow the same merge rules (refused into
/// itself, across clients, or when one was merged away, each in its own
/// words) and page the same way (`limit`, `before_id`, `next_before_id`
/// until the end), as does the audit log.
#[actix_web::test]
async fn contacts_and_organizations_share_merge_rules_and_paging() {
    let ts = common::demo_server().await;
    let (acme, nord, _) = client_ids(&ts).await;
    let admin = ts.token_client(ADMIN);

    let contacts = [
        new_contact(&admin, acme, "Rita Regel", "", "").await,
        new_contact(&admin, acme, "Rita Regel", "", "").await,
        new_contact(&admin, acme, "Rita Regel", "", "").await,
        new_contact(&admin, nord, "Rita Regel", "", "").await,
    ];
    let orgs = [
        new_org(&admin, acme, "Regel GmbH").await,
        new_org(&admin, acme, "Regel GmbH").await,
        new_org(&admin, acme, "Regel GmbH").await,
        new_org(&admin, nord, "Regel GmbH").await,
    ];
    for (kind, [a, b, c, foreign], one, many) in [
        ("contacts", contacts, "a contact", "contacts"),
        ("organizations", orgs, "an organization", "organizations"),
    ] {
        let merge = |id: i64, into: i64| {
            let admin = &admin;
            async move {
                admin
                    .post(
                        &format!("{V1}/{kind}/{id}/merge"),
                        json!({ "into_id": into }),
                    )
                    .await
            }
        };
        let refused = |problem: &Value, detail: String| {
            assert_eq!(problem["code"], "merge-invalid", "{kind}: {problem}");
            assert_eq!(problem["detail"], detail, "{kind}");
        };
        let (status, problem) = merge(a, a).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        refused(&problem, format!("{one} cannot be merged into itself"));
        let (status, problem) = merge(a, foreign).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        refused(
            &problem,
            format!("{many} of different clients cannot be merged"),
        );
        let (status, merged) = merge(b, a).await;
        assert_eq!(status, StatusCode::OK, "{kind}: {merged}");
        assert_eq!(merged["id"], a);
        for (from, into) in [(b, c), (c, b)] {
            let (status, problem) = merge(from, into).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
            refused(
                &problem,
                format!("one of the {many} was merged into another one already"),
            );
        }

        // One at a time, newest first, until `next_before_id` is null; the
        // merged one is not listed.
        let mut seen: Vec<i64> = Vec::new();
        let mut path = format!("{V1}/{kind}?client_id={acme}&q=Regel&limit=1");
        loop {
            let (status, page) = admin.get(&path).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            let items = ids(&page);
            assert!(items.len() <= 1, "{kind}: {page}");
            seen.extend(&items);
            match page["next_before_id"].as_i64() {
                Some(next) => {
                    assert_eq!(items.last(), Some(&next));
                    path = format!("{V1}/{kind}?client_id={acme}&q=Regel&limit=1&before_id={next}");
                }
                None => break,
            }
        }
        assert_eq!(seen, vec![c, a], "{kind}");
        // Only punctuation matches nothing.
        let (_, page) = admin.get(&format!("{V1}/{kind}?q=--")).await;
        assert_eq!(page, json!({ "items": [], "next_before_id": null }));
    }

    let (_, first) = admin.get(&format!("{V1}/audit?limit=2")).await;
    assert_eq!(ids(&first).len(), 2);
    let next = first["next_before_id"].as_i64().expect("a next page");
    assert_eq!(ids(&first).last(), Some(&next));
    let (_, second) = admin
        .get(&format!("{V1}/audit?limit=2&before_id={next}"))
        .await;
    assert!(ids(&second).iter().all(|id| *id < next), "{second}");

    // Each page type keeps its own name in the document.
    let (_, doc) = ts.anonymous().get("/api/v1/openapi.json").await;
    for (path, page, item) in [
        ("/api/v1/contacts", "ContactPage", "Contact"),
        ("/api/v1/organizations", "OrganizationPage", "Organization"),
        ("/api/v1/audit", "AuditPage", "AuditEntry"),
    ] {
        assert_eq!(
            doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
                ["$ref"],
            format!("#/components/schemas/{page}")
        );
        let schema = &doc["components"]["schemas"][page];
        assert_eq!(
            schema["properties"]["items"]["items"]["$ref"],
            format!("#/components/schemas/{item}")
        );
        // `next_before_id` is always sent (null on the last page).
        assert_eq!(schema["required"], json!(["items", "next_before_id"]));
        assert_eq!(schema["properties"]["next_before_id"]["format"], "int64");
    }
    ts.server.stop().await;
}
