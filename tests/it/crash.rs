//! Acknowledged writes survive `kill -9`: writers hammer the real server,
//! it is killed mid-stream, and after a restart every write that got its
//! 201 is there and the store passes `zezaro check`.

use crate::common;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::process::{run, serve, text};

fn cli(dir: &Path, args: &[&str], stdin: &str) -> String {
    let mut args = args.to_vec();
    args.extend(["--data-dir", dir.to_str().unwrap()]);
    let out = run(&args, stdin);
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    text(&out.stdout).trim().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    cli(
        dir.path(),
        &[
            "user",
            "create",
            "--email",
            "ops@example.com",
            "--role",
            "admin",
        ],
        "crash test password\n",
    );
    let token = cli(
        dir.path(),
        &[
            "token",
            "create",
            "--email",
            "ops@example.com",
            "--name",
            "crash",
        ],
        "",
    );
    let http = reqwest::Client::new();
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));

    for round in 0..3u64 {
        let (mut server, url) = serve(dir.path(), &[]);
        let mut writers = Vec::new();
        for writer in 0..4 {
            let (http, url, token, acknowledged) = (
                http.clone(),
                url.clone(),
                token.clone(),
                acknowledged.clone(),
            );
            writers.push(tokio::spawn(async move {
                for i in 0.. {
                    let name = format!("crash-{round}-{writer}-{i}");
                    let sent = http
                        .post(format!("{url}/api/v1/clients"))
                        .bearer_auth(&token)
                        .json(&serde_json::json!({ "name": name }))
                        .send()
                        .await;
                    match sent {
                        Ok(r) if r.status() == 201 => acknowledged.lock().unwrap().push(name),
                        Ok(r) => panic!("unexpected {}", r.status()),
                        Err(_) => break, // the server is gone
                    }
                }
            }));
        }
        // Kill at a different moment each round, mid-stream.
        tokio::time::sleep(Duration::from_millis(400 + 250 * round)).await;
        server.kill().expect("kill -9"); // SIGKILL
        server.wait().unwrap();
        for w in writers {
            w.await.unwrap();
        }
    }

    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > 30,
        "too few writes to mean anything: {}",
        acknowledged.len()
    );
    let (mut server, url) = serve(dir.path(), &[]);
    let clients: serde_json::Value = http
        .get(format!("{url}/api/v1/clients"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let stored: std::collections::HashSet<&str> = clients["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|n| !stored.contains(n.as_str()))
        .collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    // Each client was written with its team and audit entry in one transaction.
    let audit: serde_json::Value = http
        .get(format!("{url}/api/v1/audit?object_type=client&limit=500"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(audit["items"].as_array().unwrap().len() >= acknowledged.len().min(500));
    server.kill().unwrap();
    server.wait().unwrap();
    let report = cli(dir.path(), &["check"], "");
    assert!(report.starts_with("ok:"), "{report}");
    println!(
        "{} acknowledged writes over 3 kills, none lost",
        acknowledged.len()
    );
}
