//! Full-text rows put off under a sustained write load (`db::batch_end`'s
//! backlog): every case written by concurrent clients is found once their
//! writes have returned and the writer had a quiet spell, and what a crash
//! left in `search_backlog` is indexed when the server starts again.

use crate::common;
use serde_json::{Value, json};

const ADMIN: &str = "admin@zezaro.example";

/// Rows `search_backlog` holds.
fn backlog_rows(ts: &common::TestServer) -> i64 {
    ts.server
        .state
        .db
        .read_blocking(|c| {
            c.query_row("SELECT count(*) FROM search_backlog", [], |r| r.get(0))
                .map_err(zezaro::db::StoreError::from)
        })
        .unwrap()
}

fn new_case(project: i64, word: &str) -> Value {
    json!({"project_id": project, "subject": format!("Zählerstand {word}"), "channel": "email",
           "contact": {"name": format!("Kundin {word}"), "email": format!("{word}@example.net")},
           "message": {"kind": "inbound", "body_text": format!("Bitte {word} prüfen.")}})
}

/// Eight clients write 40 cases each, as fast as they can: the writer puts
/// index rows off while writes keep coming (several in a batch, or more
/// queued), and runs them itself once no write came for a quiet spell
/// (`batch_end::QUIET`, 5 ms): soon after the clients' writes have all
/// returned, every case and every contact is found by its own word.
#[actix_web::test]
async fn cases_written_under_a_load_are_found_once_the_writes_returned() {
    let ts = common::demo_server().await;
    let acme = ts.id_of("/api/v1/projects", "key", "ACME").await;
    let mut writers = Vec::new();
    for writer in 0..8 {
        let api = ts.token_client(ADMIN);
        writers.push(tokio::spawn(async move {
            let mut written = Vec::new();
            for i in 0..40 {
                let word = format!("lastwort{writer}n{i}z");
                let (status, case) = api.post("/api/v1/cases", new_case(acme, &word)).await;
                assert_eq!(status, 201, "{case}");
                written.push((word, case["id"].as_i64().expect("id")));
            }
            written
        }));
    }
    let mut written = Vec::new();
    for writer in writers {
        written.extend(writer.await.expect("writer"));
    }
    // The burst's last batches put their rows off too; the writer runs
    // them after its quiet spell (a second is ample on a busy CI machine).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while backlog_rows(&ts) > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the put-off rows were not written after the writes stopped"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let api = ts.token_client(ADMIN);
    for (word, id) in &written {
        assert_eq!(common::found_cases(&api, word).await, [*id], "{word}");
        let (status, contacts) = api.get(&format!("/api/v1/contacts?q={word}")).await;
        assert_eq!(status, 200);
        assert_eq!(
            contacts["items"].as_array().map(Vec::len),
            Some(1),
            "{word}: {contacts}"
        );
    }
}

/// One client writing case after case (a person, an import one by one)
/// is never put off: each case is found as soon as its write returned.
#[actix_web::test]
async fn cases_written_one_after_another_are_found_at_once() {
    let ts = common::demo_server().await;
    let acme = ts.id_of("/api/v1/projects", "key", "ACME").await;
    let api = ts.token_client(ADMIN);
    for i in 0..40 {
        let word = format!("folgewort{i}z");
        let (status, case) = api.post("/api/v1/cases", new_case(acme, &word)).await;
        assert_eq!(status, 201, "{case}");
        assert_eq!(backlog_rows(&ts), 0, "{word}: put off");
        assert_eq!(
            common::found_cases(&api, &word).await,
            [case["id"].as_i64().expect("id")],
            "{word}"
        );
    }
}

/// A case and a contact whose rows a crash left unwritten (their keys in
/// `search_backlog`, their rows not in the index) are found after the
/// server started again, and the backlog is empty.
#[actix_web::test]
async fn what_a_crash_left_in_the_backlog_is_indexed_at_start() {
    let ts = common::demo_server().await;
    let acme = ts.id_of("/api/v1/projects", "key", "ACME").await;
    let api = ts.token_client(ADMIN);
    let (status, case) = api
        .post("/api/v1/cases", new_case(acme, "absturzwort"))
        .await;
    assert_eq!(status, 201, "{case}");
    let (case_id, contact_id) = (
        case["id"].as_i64().unwrap(),
        case["contact_id"].as_i64().unwrap(),
    );
    // As a crash leaves it: the keys kept, the rows never written.
    ts.server
        .state
        .db
        .write_blocking(|tx| {
            zezaro::search::pairs::replace(tx, case_id, None)?;
            tx.execute("DELETE FROM case_search WHERE rowid = ?1", [case_id])?;
            tx.execute("DELETE FROM contact_search WHERE rowid = ?1", [contact_id])?;
            tx.execute(
                "INSERT INTO search_backlog (task, id) VALUES ('case_search', ?1), ('contact_search', ?2)",
                [case_id, contact_id],
            )?;
            Ok::<_, zezaro::db::StoreError>(())
        })
        .unwrap();
    assert_eq!(
        common::found_cases(&api, "absturzwort").await,
        Vec::<i64>::new()
    );
    let common::TestServer { server, dir, .. } = ts;
    server.stop().await;
    let ts = common::start_again(dir).await;
    let api = ts.token_client(ADMIN);
    assert_eq!(common::found_cases(&api, "absturzwort").await, [case_id]);
    assert_eq!(
        common::found_cases(&api, "\"bitte absturzwort\"").await,
        [case_id],
        "its word pairs too"
    );
    let (_, contacts) = api.get("/api/v1/contacts?q=absturzwort").await;
    assert_eq!(
        contacts["items"][0]["id"].as_i64(),
        Some(contact_id),
        "{contacts}"
    );
    let left = backlog_rows(&ts);
    assert_eq!(left, 0);
}
