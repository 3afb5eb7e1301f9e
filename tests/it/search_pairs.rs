//! Phrases through the word-pair index (`case_pairs`, issue 16): a phrase
//! is found as typed (umlauts folded, hyphens, quotes) and not in another
//! order, and the pairs follow every change of the indexed text: a new
//! message, a new subject, a merge, an erasure. Another client's case is
//! never found by its phrases.

use crate::common;
use serde_json::json;

const ANNA: &str = "anna.schmidt@acme-energie.example"; // Acme's own agent
const JONAS: &str = "jonas.weber@nordlicht.example"; // Nordlicht's own agent

#[actix_web::test]
async fn phrases_follow_every_change_of_the_text() {
    let ts = common::demo_server().await;
    let anna = ts.token_client(ANNA);
    let jonas = ts.token_client(JONAS);
    let acme = ts.id_of("/api/v1/projects", "key", "ACME").await;
    let contact = json!({"name": "Paula Paarweise", "email": "paula@example.net"});
    let new_case = |subject: &str, body: &str| {
        json!({"project_id": acme, "subject": subject, "channel": "email",
               "contact": contact, "message": {"kind": "inbound", "body_text": body}})
    };
    let (status, a) = anna
        .post(
            "/api/v1/cases",
            new_case(
                "Stromzähler im Keller",
                "Der Quarkzähler im Kellerabteil blinkt seit Montag rot. Die E-Mail-Adresse stimmt.",
            ),
        )
        .await;
    assert_eq!(status, 201, "{a}");
    let a_id = a["id"].as_i64().unwrap();
    for q in [
        "\"quarkzähler im kellerabteil\"",
        "\"QUARKZAHLER im Kellerabteil blinkt\"",
        "\"e-mail-adresse stimmt\"",
        "\"stromzähler im keller\" \"blinkt seit\"",
        "\"paula paarweise\"",
    ] {
        assert!(common::found_cases(&anna, q).await.contains(&a_id), "{q}");
    }
    for q in [
        "\"kellerabteil im quarkzähler\"",
        "\"quarkzähler kellerabteil\"",
        "\"blinkt montag\"",
        "\"quarkzähler qqqpaar\"",
    ] {
        assert!(!common::found_cases(&anna, q).await.contains(&a_id), "{q}");
    }
    // Not for another client's agent.
    assert!(
        common::found_cases(&jonas, "\"quarkzähler im kellerabteil\"")
            .await
            .is_empty()
    );

    // A new message: its phrases are found, the old ones still.
    let (status, reply) = anna
        .post(
            &format!("/api/v1/cases/{a_id}/messages"),
            json!({"kind": "outbound", "body_text": "Die Quarkzahlung wurde doppelt abgebucht."}),
        )
        .await;
    assert_eq!(status, 201, "{reply}");
    assert!(
        common::found_cases(&anna, "\"quarkzahlung wurde doppelt\"")
            .await
            .contains(&a_id)
    );
    assert!(
        common::found_cases(&anna, "\"quarkzähler im kellerabteil\"")
            .await
            .contains(&a_id)
    );

    // A new subject: the old subject's phrase is gone.
    let (status, patched) = anna
        .patch(
            &format!("/api/v1/cases/{a_id}"),
            json!({"subject": "Quarkfrage zur Abrechnung", "force": true}),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert!(
        common::found_cases(&anna, "\"quarkfrage zur abrechnung\"")
            .await
            .contains(&a_id)
    );
    assert!(
        !common::found_cases(&anna, "\"stromzähler im keller\"")
            .await
            .contains(&a_id)
    );

    // A merge: the source's phrases are found in the target only.
    let (_, b) = anna
        .post(
            "/api/v1/cases",
            new_case("Nochmal", "Ich schreibe wegen der Quarkrechnung vom Mai."),
        )
        .await;
    let b_id = b["id"].as_i64().unwrap();
    assert_eq!(
        common::found_cases(&anna, "\"quarkrechnung vom mai\"").await,
        [b_id]
    );
    let (status, merged) = anna
        .post(
            &format!("/api/v1/cases/{b_id}/merge"),
            json!({"into_id": a_id}),
        )
        .await;
    assert_eq!(status, 200, "{merged}");
    assert_eq!(
        common::found_cases(&anna, "\"quarkrechnung vom mai\"").await,
        [a_id]
    );
    ts.server.stop().await;
}
