//! Another process holding the store's write lock (an operator's CLI, a
//! backup tool) delays writes; it never turns them into errors, and reads go
//! on beside it (WAL).

use crate::common;

use std::time::{Duration, Instant};

use serde_json::json;

#[actix_web::test]
async fn a_foreign_write_lock_is_waited_out() {
    let ts = common::demo_server().await;
    let api = ts.token_client("admin@zezaro.example");
    let path = ts.dir.path().join("zezaro.db");
    // Held longer than SQLite's own busy timeout (5 s), so the server's
    // retry loop has to carry the write.
    let hold = Duration::from_secs(6);
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "BEGIN IMMEDIATE; INSERT INTO settings (key, value) VALUES ('lock-test', '1');",
        )
        .unwrap();
        locked_tx.send(()).unwrap();
        std::thread::sleep(hold);
        conn.execute_batch("COMMIT").unwrap();
    });
    locked_rx.recv().unwrap();
    let started = Instant::now();
    let (status, _) = api.get("/api/v1/clients").await;
    assert_eq!(status, 200, "reads are not blocked by a writer");
    assert!(started.elapsed() < Duration::from_secs(2));
    let (status, body) = api
        .post("/api/v1/clients", json!({"name": "Waited GmbH"}))
        .await;
    assert_eq!(status, 201, "{body}");
    assert!(
        started.elapsed() >= Duration::from_secs(5),
        "the write waited for the lock"
    );
    holder.join().unwrap();
    ts.server.stop().await;
}
