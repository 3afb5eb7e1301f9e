//! The audit log: who (by name) did what to which object (by name, read
//! only inside the entry's client), filtered by person, action and time.

use crate::common;

use reqwest::StatusCode;
use serde_json::{Value, json};
use zezaro::audit::{Actor, record};
use zezaro::ids::ClientId;

const V1: &str = "/api/v1";

fn items(page: &Value) -> &Vec<Value> {
    page["items"].as_array().expect("items")
}

#[actix_web::test]
async fn entries_name_people_and_objects_and_filter_by_person_action_and_time() {
    let ts = common::demo_server().await;
    let users = common::demo_users();
    let acme_admin = ts.token_client(users["client_admin_acme"]);
    let admin = ts.token_client(users["admin"]);
    let acme = ts
        .id_of("/api/v1/clients", "name", "Acme Energie GmbH")
        .await;
    let nord = ts
        .id_of("/api/v1/clients", "name", "Nordlicht Versand AG")
        .await;
    // The demo's entries are older than this instant, the test's newer.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let started = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;

    // An ACME contact, created and renamed by ACME's client admin.
    let (status, contact) = acme_admin
        .post(
            &format!("{V1}/contacts"),
            json!({ "client_id": acme, "name": "Erika Protokoll" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{contact}");
    let contact_id = contact["id"].as_i64().expect("id");
    let (status, renamed) = acme_admin
        .patch(
            &format!("{V1}/contacts/{contact_id}"),
            json!({ "name": "Erika Protokoll-Neu" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    let (_, me) = acme_admin.get(&format!("{V1}/me")).await;
    let me_id = me["user"]["id"].as_i64().expect("my id");
    let me_name = me["user"]["name"].as_str().expect("my name").to_string();

    // By action: the update names the contact (as it is called now) and the person.
    let (status, page) = acme_admin
        .get(&format!("{V1}/audit?action=contact.update"))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let entry = items(&page)
        .iter()
        .find(|e| e["object_id"] == contact_id)
        .unwrap_or_else(|| panic!("the update is listed: {page}"));
    assert_eq!(entry["object_name"], "Erika Protokoll-Neu", "{entry}");
    assert_eq!(entry["actor_name"], me_name.as_str(), "{entry}");
    assert!(
        items(&page).iter().all(|e| e["action"] == "contact.update"),
        "{page}"
    );

    // By person: only their entries, the create and the update among them.
    let (_, page) = acme_admin
        .get(&format!("{V1}/audit?actor_id={me_id}&limit=500"))
        .await;
    assert!(
        items(&page).iter().all(|e| e["actor_id"] == me_id),
        "{page}"
    );
    let actions: Vec<&str> = items(&page)
        .iter()
        .filter(|e| e["object_type"] == "contact" && e["object_id"] == contact_id)
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions, ["contact.update", "contact.create"], "{page}");
    let (_, page) = acme_admin
        .get(&format!(
            "{V1}/audit?actor_id={}&action=contact.update",
            me_id + 100_000
        ))
        .await;
    assert!(items(&page).is_empty(), "{page}");

    // By time: from the start of this test, and nothing after the future.
    let stamp = |t: chrono::DateTime<chrono::Utc>| {
        t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            .replace('+', "%2B")
    };
    let (status, page) = acme_admin
        .get(&format!(
            "{V1}/audit?from={}&action=contact.create",
            stamp(started)
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        items(&page).iter().any(|e| e["object_id"] == contact_id),
        "{page}"
    );
    let (_, page) = acme_admin
        .get(&format!("{V1}/audit?to={}&limit=500", stamp(started)))
        .await;
    assert!(
        !items(&page).is_empty()
            && items(&page)
                .iter()
                .all(|e| e["object_type"] != "contact" || e["object_id"] != contact_id),
        "entries before the test, without the new ones: {page}"
    );
    let (_, page) = acme_admin
        .get(&format!(
            "{V1}/audit?from={}",
            stamp(chrono::Utc::now() + chrono::Duration::hours(1))
        ))
        .await;
    assert!(items(&page).is_empty(), "{page}");
    let (status, _) = acme_admin.get(&format!("{V1}/audit?from=yesterday")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // An entry of ACME that points at a Nordlicht contact: ACME's client
    // admin sees the entry but never the other client's name; the platform
    // admin sees it.
    let nord_admin = ts.token_client(users["client_admin_nord"]);
    let (status, foreign) = nord_admin
        .post(
            &format!("{V1}/contacts"),
            json!({ "client_id": nord, "name": "Nora Nordlicht-Geheim" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{foreign}");
    let foreign_id = foreign["id"].as_i64().expect("id");
    ts.server
        .state
        .db
        .write(move |tx| {
            record(
                tx,
                &Actor::cli(),
                "contact.view",
                "contact",
                Some(foreign_id),
                Some(ClientId(acme)),
                json!({}),
            )
        })
        .await
        .map_err(|e: zezaro::db::StoreError| e)
        .expect("recorded");
    let query = format!("{V1}/audit?action=contact.view&object_id={foreign_id}");
    let (_, page) = acme_admin.get(&query).await;
    let entry = items(&page).first().unwrap_or_else(|| panic!("{page}"));
    assert_eq!(entry["object_name"], Value::Null, "{entry}");
    assert!(!page.to_string().contains("Nordlicht-Geheim"), "{page}");
    let (_, page) = admin.get(&query).await;
    assert_eq!(items(&page)[0]["object_name"], "Nora Nordlicht-Geheim");
    // Articles by their newest title.
    let (_, page) = acme_admin
        .get(&format!("{V1}/audit?action=knowledge.article.publish"))
        .await;
    assert!(
        !items(&page).is_empty() && items(&page).iter().all(|e| e["object_name"].is_string()),
        "{page}"
    );
    // And Nordlicht's admin never sees ACME's entries.
    let (_, page) = nord_admin
        .get(&format!(
            "{V1}/audit?object_type=contact&object_id={contact_id}"
        ))
        .await;
    assert!(items(&page).is_empty(), "{page}");
}
