//! Callers by their number (`/contacts/lookup?phone=`, issue 16): every
//! usual way of writing a number finds the contact, the last 8 digits find
//! it from a local or an international form, the index follows every
//! change of the numbers, and another client's contact is never found.

use crate::common;
use common::Api;
use reqwest::StatusCode;
use serde_json::{Value, json};

const V1: &str = "/api/v1";
const CA_ACME: &str = "kadmin@acme-energie.example";
const CA_NORD: &str = "kadmin@nordlicht.example";

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn new_contact(api: &Api, client_id: i64, name: &str, phones: &[&str]) -> i64 {
    let (status, contact) = api
        .post(
            &format!("{V1}/contacts"),
            json!({ "client_id": client_id, "name": name, "phones": phones }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{contact}");
    contact["id"].as_i64().expect("id")
}

async fn find(api: &Api, number: &str) -> Vec<i64> {
    let (status, body) = api
        .get(&format!("{V1}/contacts/lookup?phone={}", enc(number)))
        .await;
    assert_eq!(status, StatusCode::OK, "{number}: {body}");
    body["items"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|c: &Value| c["id"].as_i64().expect("id"))
        .collect()
}

#[actix_web::test]
async fn numbers_in_every_form_and_by_their_last_digits() {
    let ts = common::demo_server().await;
    let acme = ts
        .id_of("/api/v1/clients", "name", "Acme Energie GmbH")
        .await;
    let nord = ts
        .id_of("/api/v1/clients", "name", "Nordlicht Versand AG")
        .await;
    let acme_api = ts.token_client(CA_ACME);
    let nord_api = ts.token_client(CA_NORD);
    let ines = new_contact(&acme_api, acme, "Ines Anruferin", &["+49 30 8765-4321"]).await;
    // Nordlicht's caller shares the last 8 digits, in another city.
    let nils = new_contact(&nord_api, nord, "Nils Nordanrufer", &["040 / 8765 4321"]).await;

    // +49, 0049, a national (0) after the country code, spaces, dashes,
    // slashes and brackets: one number.
    for number in [
        "+49 30 87654321",
        "+493087654321",
        "0049 30 8765 4321",
        "0049-30-8765-4321",
        "+49 (0)30 8765 4321",
        "+49 30/8765-43 21",
    ] {
        assert_eq!(find(&acme_api, number).await, vec![ines], "{number}");
    }
    // The local form (0 for the trunk) finds the international one by its
    // last 8 digits, and the other way round; each client only its own.
    for number in ["030 8765 4321", "030-87654321", "(030) 8765 4321"] {
        assert_eq!(find(&acme_api, number).await, vec![ines], "{number}");
        assert_eq!(find(&nord_api, number).await, vec![nils], "{number}");
    }
    assert_eq!(find(&nord_api, "+49 40 8765 4321").await, vec![nils]);
    // Acme's exact number, asked by Nordlicht: Acme's contact stays hidden,
    // Nordlicht's own with the same last digits is what it finds.
    assert_eq!(find(&nord_api, "+49 30 8765 4321").await, vec![nils]);
    assert!(!find(&nord_api, "+49 30 8765 4321").await.contains(&ines));
    // Asking within the other client: not found as a client at all.
    let (status, _) = nord_api
        .get(&format!(
            "{V1}/contacts/lookup?client_id={acme}&phone=03087654321"
        ))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The platform admin sees both, in id order.
    let admin = ts.token_client("admin@zezaro.example");
    assert_eq!(find(&admin, "030 8765 4321").await, vec![ines, nils]);
    let (status, body) = admin
        .get(&format!(
            "{V1}/contacts/lookup?client_id={nord}&phone=030%2087654321"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["items"][0]["id"].as_i64(), Some(nils), "{body}");
    assert_eq!(body["items"].as_array().map(Vec::len), Some(1), "{body}");

    // Not a suffix of 8: one digit off, or fewer than 8 digits and no
    // exact match, finds nothing.
    assert!(find(&acme_api, "030 8765 4320").await.is_empty());
    assert!(find(&acme_api, "765 4321").await.is_empty());
    assert!(find(&acme_api, "1 8765 4321 9").await.is_empty());

    // A change of the number moves it in the index at once.
    let (status, body) = acme_api
        .patch(
            &format!("{V1}/contacts/{ines}"),
            json!({ "phones": ["0171 2233 4455"] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(find(&acme_api, "030 8765 4321").await.is_empty());
    assert_eq!(find(&acme_api, "+49 171 22334455").await, vec![ines]);
    assert_eq!(find(&acme_api, "0171-2233-4455").await, vec![ines]);
    // Deleted: gone from the look-up.
    let (status, _) = acme_api.delete(&format!("{V1}/contacts/{ines}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(find(&acme_api, "0171 2233 4455").await.is_empty());

    // Bad input: a problem with a stable code, not a look-up.
    let (status, body) = acme_api
        .get(&format!("{V1}/contacts/lookup?phone=12"))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "validation", "{body}");
    assert_eq!(body["field"], "phone", "{body}");
    ts.server.stop().await;
}
