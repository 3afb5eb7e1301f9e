//! Data masks through the API: defining fields, the values cases and
//! contacts may carry, keeping values when fields change, and isolation.

use crate::common;

use common::{Api, TestServer};
use serde_json::{Value, json};

const CA_ACME: &str = "kadmin@acme-energie.example";
const CA_NORD: &str = "kadmin@nordlicht.example";
const ANNA: &str = "anna.schmidt@acme-energie.example"; // Acme's own agent: ACME, ACMEGAS
const BASIC: &str = "basic.agent@zezaro.example"; // provider, Team Basic: ACME, NORD
const JONAS: &str = "jonas.weber@nordlicht.example"; // Nordlicht's own agent: NORD

async fn project(ts: &TestServer, key: &str) -> i64 {
    ts.id_of("/api/v1/projects", "key", key).await
}

async fn define(api: &Api, project: i64, body: Value) -> Value {
    let (status, field) = api
        .post(&format!("/api/v1/projects/{project}/fields"), body)
        .await;
    assert_eq!(status, 201, "{field}");
    field
}

fn keys(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap().to_string())
        .collect()
}

/// Status, problem code and field of a refused request.
fn refusal(status: reqwest::StatusCode, problem: &Value) -> (u16, Option<&str>, Option<&str>) {
    (
        status.as_u16(),
        problem["code"].as_str(),
        problem["field"].as_str(),
    )
}

#[actix_web::test]
async fn fields_are_defined_by_the_projects_admins() {
    let ts = common::demo_server().await;
    let acme = project(&ts, "ACME").await;
    let admin = ts.token_client(CA_ACME);

    // The demo mask, in form order; the contact mask apart.
    let (status, cases) = admin
        .get(&format!("/api/v1/projects/{acme}/fields?entity=case"))
        .await;
    assert_eq!(status, 200, "{cases}");
    assert_eq!(
        keys(&cases),
        ["meter_number", "reading_date", "tariff", "callback"]
    );
    assert_eq!(
        cases["items"][2]["options"],
        json!(["Basis", "Öko", "Fix24"])
    );
    assert_eq!(cases["items"][2]["kind"], "select");
    let (_, contacts) = admin
        .get(&format!("/api/v1/projects/{acme}/fields?entity=contact"))
        .await;
    assert_eq!(keys(&contacts), ["customer_since"]);

    let field = define(
        &admin,
        acme,
        json!({"entity": "case", "key": "contract_no", "label": " Vertragsnummer ", "kind": "text",
               "required": true, "help": "Auf der Rechnung oben rechts", "width": "half", "section": "Vertrag"}),
    )
    .await;
    assert_eq!(field["label"], "Vertragsnummer");
    assert_eq!(field["position"], 4, "appended");
    assert_eq!(field["active"], true);
    assert_eq!(field["width"], "half");

    // Bad definitions name the field.
    for (body, expected) in [
        (
            json!({"entity": "case", "key": "Contract No", "label": "x", "kind": "text"}),
            (422, Some("validation"), Some("key")),
        ),
        (
            json!({"entity": "case", "key": "tariff", "label": "x", "kind": "text"}),
            (409, Some("duplicate"), Some("key")),
        ),
        (
            json!({"entity": "case", "key": "level", "label": "x", "kind": "select"}),
            (422, Some("validation"), Some("options")),
        ),
        (
            json!({"entity": "case", "key": "level", "label": "x", "kind": "select", "options": ["a", "a"]}),
            (422, Some("validation"), Some("options")),
        ),
        (
            json!({"entity": "case", "key": "level", "label": " ", "kind": "text"}),
            (422, Some("validation"), Some("label")),
        ),
    ] {
        let (status, problem) = admin
            .post(&format!("/api/v1/projects/{acme}/fields"), body)
            .await;
        assert_eq!(refusal(status, &problem), expected, "{problem}");
    }
    // The same key for the other entity is fine.
    define(
        &admin,
        acme,
        json!({"entity": "contact", "key": "tariff", "label": "Tarif", "kind": "text"}),
    )
    .await;

    // Changes; the key stays.
    let id = field["id"].as_i64().unwrap();
    let (status, changed) = admin
        .patch(
            &format!("/api/v1/fields/{id}"),
            json!({"label": "Vertrags-Nr.", "position": 0, "required": false}),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        (
            &changed["label"],
            &changed["position"],
            &changed["required"],
            &changed["key"]
        ),
        (
            &json!("Vertrags-Nr."),
            &json!(0),
            &json!(false),
            &json!("contract_no")
        )
    );
    let (status, _) = admin
        .patch(&format!("/api/v1/fields/{id}"), json!({"key": "other"}))
        .await;
    assert!(status.is_client_error(), "{status}");
    let (status, problem) = admin
        .patch(
            &format!("/api/v1/fields/{id}"),
            json!({"kind": "multi-select", "options": []}),
        )
        .await;
    assert_eq!(refusal(status, &problem).2, Some("options"), "{problem}");

    // Audited.
    let (_, audit) = admin
        .get(&format!(
            "/api/v1/audit?object_type=custom_field&object_id={id}"
        ))
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"field.create"), "{audit}");
    assert!(actions.contains(&"field.update"), "{audit}");

    // In the OpenAPI document.
    let (_, doc) = ts.anonymous().get("/api/v1/openapi.json").await;
    assert!(doc["paths"]["/api/v1/projects/{id}/fields"]["post"].is_object());
    assert!(doc["paths"]["/api/v1/fields/{id}"]["patch"].is_object());
    ts.server.stop().await;
}

#[actix_web::test]
async fn case_values_are_checked_against_the_mask() {
    let ts = common::demo_server().await;
    let acme = project(&ts, "ACME").await;
    let admin = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    define(
        &admin,
        acme,
        json!({"entity": "case", "key": "contract_no", "label": "Vertrag", "kind": "text", "required": true}),
    )
    .await;
    define(
        &admin,
        acme,
        json!({"entity": "case", "key": "kwh", "label": "kWh", "kind": "number"}),
    )
    .await;
    let extras = define(
        &admin,
        acme,
        json!({"entity": "case", "key": "extras", "label": "Extras", "kind": "multi-select",
               "options": ["Smart Meter", "Wallbox", "Solar"]}),
    )
    .await;
    let case = |custom: Value| json!({"project_id": acme, "subject": "Zähler", "channel": "email", "custom": custom});

    // Required on create; every kind's type; unknown keys.
    for (custom, field) in [
        (json!({}), "custom.contract_no"),
        (json!({"contract_no": "  "}), "custom.contract_no"),
        (
            json!({"contract_no": "V1", "meter_number": 5}),
            "custom.meter_number",
        ),
        (json!({"contract_no": "V1", "kwh": "12"}), "custom.kwh"),
        (
            json!({"contract_no": "V1", "reading_date": "31.12.2025"}),
            "custom.reading_date",
        ),
        (
            json!({"contract_no": "V1", "reading_date": "2025-02-30"}),
            "custom.reading_date",
        ),
        (
            json!({"contract_no": "V1", "tariff": "Gold"}),
            "custom.tariff",
        ),
        (
            json!({"contract_no": "V1", "extras": ["Wallbox", "Boot"]}),
            "custom.extras",
        ),
        (
            json!({"contract_no": "V1", "extras": "Wallbox"}),
            "custom.extras",
        ),
        (
            json!({"contract_no": "V1", "callback": "ja"}),
            "custom.callback",
        ),
        (
            json!({"contract_no": "V1", "colour": "rot"}),
            "custom.colour",
        ),
        (
            json!({"contract_no": "x".repeat(10_001)}),
            "custom.contract_no",
        ),
    ] {
        let (status, problem) = anna.post("/api/v1/cases", case(custom.clone())).await;
        assert_eq!(
            refusal(status, &problem),
            (422, Some("validation"), Some(field)),
            "{custom}: {problem}"
        );
    }
    let (status, problem) = anna
        .post(
            "/api/v1/cases",
            json!({"project_id": acme, "subject": "Zähler", "channel": "email"}),
        )
        .await;
    assert_eq!(refusal(status, &problem).2, Some("custom.contract_no"));

    let (status, created) = anna
        .post(
            "/api/v1/cases",
            case(json!({"contract_no": " V-1 ", "meter_number": "1EMH01", "kwh": 4521.5,
                        "reading_date": "2025-12-31", "tariff": "Öko", "extras": ["Solar", "Wallbox"],
                        "callback": true})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["custom"],
        json!({"contract_no": "V-1", "meter_number": "1EMH01", "kwh": 4521.5,
               "reading_date": "2025-12-31", "tariff": "Öko", "extras": ["Solar", "Wallbox"],
               "callback": true})
    );
    let id = created["id"].as_i64().unwrap();
    let mut version = created["version"].as_i64().unwrap();

    // A PATCH merges; null removes; required cannot be cleared.
    let (status, updated) = anna
        .patch(
            &format!("/api/v1/cases/{id}"),
            json!({"custom": {"tariff": "Fix24", "meter_number": null}, "expected_version": version}),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["custom"]["tariff"], "Fix24");
    assert_eq!(updated["custom"]["kwh"], 4521.5);
    assert!(updated["custom"].get("meter_number").is_none());
    version = updated["version"].as_i64().unwrap();
    for custom in [json!({"contract_no": null}), json!({"contract_no": ""})] {
        let (status, problem) = anna
            .patch(
                &format!("/api/v1/cases/{id}"),
                json!({"custom": custom, "expected_version": version}),
            )
            .await;
        assert_eq!(
            refusal(status, &problem),
            (422, Some("validation"), Some("custom.contract_no"))
        );
    }
    let (status, problem) = anna
        .patch(
            &format!("/api/v1/cases/{id}"),
            json!({"custom": {"kwh": true}, "expected_version": version}),
        )
        .await;
    assert_eq!(refusal(status, &problem).2, Some("custom.kwh"));

    // The history records the change.
    let (_, detail) = anna.get(&format!("/api/v1/cases/{id}")).await;
    assert!(detail.to_string().contains("Fix24"), "{detail}");

    // Deactivating a field keeps its value; sent values do not change it.
    let (_, fields) = admin
        .get(&format!("/api/v1/projects/{acme}/fields?entity=case"))
        .await;
    let tariff = fields["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "tariff")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (status, off) = admin
        .patch(
            &format!("/api/v1/fields/{tariff}"),
            json!({"active": false}),
        )
        .await;
    assert_eq!((status.as_u16(), &off["active"]), (200, &json!(false)));
    let (status, updated) = anna
        .patch(
            &format!("/api/v1/cases/{id}"),
            json!({"custom": {"callback": false, "tariff": "Basis"}, "expected_version": version}),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["custom"]["tariff"], "Fix24");
    assert_eq!(updated["custom"]["callback"], false);
    version = updated["version"].as_i64().unwrap();
    // A new case cannot set it.
    let (status, problem) = anna
        .post(
            "/api/v1/cases",
            case(json!({"contract_no": "V2", "tariff": "Basis"})),
        )
        .await;
    assert_eq!(refusal(status, &problem).2, Some("custom.tariff"));

    // Changing options or kind never rewrites stored values.
    let extras = extras["id"].as_i64().unwrap();
    let (status, _) = admin
        .patch(
            &format!("/api/v1/fields/{extras}"),
            json!({"options": ["Wärmepumpe"], "kind": "select"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, updated) = anna
        .patch(
            &format!("/api/v1/cases/{id}"),
            json!({"custom": {"kwh": 1}, "expected_version": version}),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["custom"]["extras"], json!(["Solar", "Wallbox"]));
    assert_eq!(updated["custom"]["tariff"], "Fix24");
    // Reactivated, it is checked again.
    admin
        .patch(&format!("/api/v1/fields/{tariff}"), json!({"active": true}))
        .await;
    let (status, problem) = anna
        .patch(
            &format!("/api/v1/cases/{id}"),
            json!({"custom": {"tariff": "Gold"}, "force": true}),
        )
        .await;
    assert_eq!(refusal(status, &problem).2, Some("custom.tariff"));

    // Cases arriving by a channel (a logged call) are not held to
    // required fields; the agent completes them.
    let (status, call) = anna
        .post(
            "/api/v1/calls",
            json!({"project_id": acme, "subject": "Anruf", "direction": "inbound", "phone": "+49 30 1234567"}),
        )
        .await;
    assert_eq!(status, 201, "{call}");
    ts.server.stop().await;
}

#[actix_web::test]
async fn contact_values_use_the_mask_of_all_client_projects() {
    let ts = common::demo_server().await;
    let acme = project(&ts, "ACME").await;
    let gas = project(&ts, "ACMEGAS").await;
    let admin = ts.token_client(CA_ACME);
    let anna = ts.token_client(ANNA);
    let client = ts
        .id_of("/api/v1/clients", "name", "Acme Energie GmbH")
        .await;
    let nord_client = ts
        .id_of("/api/v1/clients", "name", "Nordlicht Versand AG")
        .await;
    define(
        &admin,
        gas,
        json!({"entity": "contact", "key": "gas_meter", "label": "Gaszähler", "kind": "text"}),
    )
    .await;

    let contact =
        |custom: Value| json!({"client_id": client, "name": "Erika Muster", "custom": custom});
    for (custom, field) in [
        (
            json!({"customer_since": "gestern"}),
            "custom.customer_since",
        ),
        (json!({"gas_meter": 12}), "custom.gas_meter"),
        (json!({"shoe_size": 42}), "custom.shoe_size"),
    ] {
        let (status, problem) = anna.post("/api/v1/contacts", contact(custom)).await;
        assert_eq!(
            refusal(status, &problem),
            (422, Some("validation"), Some(field)),
            "{problem}"
        );
    }
    // Fields of both projects of the client.
    let (status, created) = anna
        .post(
            "/api/v1/contacts",
            contact(json!({"customer_since": "2019-04-01", "gas_meter": "G-7"})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    // Another client's contacts have another mask.
    let (status, problem) = ts
        .token_client(CA_NORD)
        .post(
            "/api/v1/contacts",
            json!({"client_id": nord_client, "name": "N", "custom": {"customer_since": "2019-04-01"}}),
        )
        .await;
    assert_eq!(refusal(status, &problem).2, Some("custom.customer_since"));

    // PATCH merges; a deactivated field keeps its value.
    let (_, fields) = admin
        .get(&format!("/api/v1/projects/{gas}/fields?entity=contact"))
        .await;
    let gas_meter = fields["items"][0]["id"].as_i64().unwrap();
    admin
        .patch(
            &format!("/api/v1/fields/{gas_meter}"),
            json!({"active": false}),
        )
        .await;
    let (status, updated) = anna
        .patch(
            &format!("/api/v1/contacts/{id}"),
            json!({"custom": {"customer_since": null}}),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["custom"], json!({"gas_meter": "G-7"}));

    // A required contact field: demanded of contacts created as such, not
    // of contacts created on the way with a case.
    define(
        &admin,
        acme,
        json!({"entity": "contact", "key": "segment", "label": "Segment", "kind": "select",
               "options": ["Privat", "Gewerbe"], "required": true}),
    )
    .await;
    let (status, problem) = anna.post("/api/v1/contacts", contact(json!({}))).await;
    assert_eq!(refusal(status, &problem).2, Some("custom.segment"));
    let (status, case) = anna
        .post(
            "/api/v1/cases",
            json!({"project_id": acme, "subject": "Neu", "channel": "email",
                   "contact": {"name": "Neu Kunde", "email": "neu.kunde@example.org"}}),
        )
        .await;
    assert_eq!(status, 201, "{case}");
    assert!(case["contact_id"].as_i64().is_some(), "{case}");
    // Existing contacts without it may still be changed otherwise.
    let (status, updated) = anna
        .patch(
            &format!("/api/v1/contacts/{id}"),
            json!({"city": "Leipzig"}),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    ts.server.stop().await;
}

#[actix_web::test]
async fn masks_are_isolated() {
    let ts = common::demo_server().await;
    let acme = project(&ts, "ACME").await;
    let nord = project(&ts, "NORD").await;
    let (_, fields) = ts
        .token_client(CA_ACME)
        .get(&format!("/api/v1/projects/{acme}/fields"))
        .await;
    let field = fields["items"][0]["id"].as_i64().unwrap();
    let body = json!({"entity": "case", "key": "x", "label": "X", "kind": "text"});

    // Agents read the mask of their projects but do not define it.
    for agent in [ANNA, BASIC] {
        let api = ts.token_client(agent);
        let (status, list) = api.get(&format!("/api/v1/projects/{acme}/fields")).await;
        assert_eq!(status, 200, "{agent}: {list}");
        assert_eq!(list["items"].as_array().unwrap().len(), 5);
        let (status, _) = api
            .post(&format!("/api/v1/projects/{acme}/fields"), body.clone())
            .await;
        assert_eq!(status, 403, "{agent}");
        let (status, _) = api
            .patch(&format!("/api/v1/fields/{field}"), json!({"active": false}))
            .await;
        assert_eq!(status, 403, "{agent}");
    }
    // Another client's admin and agents do not see it at all.
    for outsider in [CA_NORD, JONAS] {
        let api = ts.token_client(outsider);
        let (status, _) = api.get(&format!("/api/v1/projects/{acme}/fields")).await;
        assert_eq!(status, 404, "{outsider}");
        let (status, _) = api
            .post(&format!("/api/v1/projects/{acme}/fields"), body.clone())
            .await;
        assert_eq!(status, 404, "{outsider}");
        let (status, _) = api
            .patch(&format!("/api/v1/fields/{field}"), json!({"active": false}))
            .await;
        assert_eq!(status, 404, "{outsider}");
    }
    // Nordlicht's admin defines Nordlicht's masks; ACME's is untouched.
    let (status, _) = ts
        .token_client(CA_NORD)
        .post(&format!("/api/v1/projects/{nord}/fields"), body.clone())
        .await;
    assert_eq!(status, 201);
    let (status, _) = ts
        .token_client(ANNA)
        .get(&format!("/api/v1/projects/{nord}/fields"))
        .await;
    assert_eq!(status, 404);
    let (_, after) = ts
        .token_client(CA_ACME)
        .get(&format!("/api/v1/projects/{acme}/fields"))
        .await;
    assert_eq!(after["items"].as_array().unwrap().len(), 5);
    ts.server.stop().await;
}
