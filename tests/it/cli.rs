//! The command line as an operator uses it: the real binary on temporary
//! data directories.

use crate::common;

use std::process::Output;

use common::process::{run, serve, text, zezaro};

#[test]
fn bad_arguments_exit_2_with_a_message() {
    let out = run(&["serve", "--no-such-flag"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--no-such-flag"));
    let out = run(
        &["user", "create", "--email", "a@b.de", "--role", "emperor"],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("client-admin"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["frobnicate"], "");
    assert_eq!(out.status.code(), Some(2));
    // A trusted proxy must be an address or a network.
    let out = run(&["serve", "--trusted-proxies", "127.0.0.1,proxy.lan"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not an IP address or CIDR network"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn users_tokens_migrate_and_check() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let out = run(&["migrate", "--data-dir", d], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("applied 0001_foundation.sql"));
    // Migrating again applies nothing.
    let out = run(&["migrate", "--data-dir", d], "");
    assert!(!text(&out.stdout).contains("applied 0001"));

    let out = run(
        &[
            "user",
            "create",
            "--data-dir",
            d,
            "--email",
            "root@example.com",
            "--role",
            "admin",
        ],
        "a long secret phrase\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("created user root@example.com"));
    // Too short a password, a duplicate, an unknown client: clear failures.
    let out = run(
        &[
            "user",
            "create",
            "--data-dir",
            d,
            "--email",
            "x@example.com",
            "--role",
            "admin",
        ],
        "short\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("at least 10 characters"),
        "{}",
        text(&out.stderr)
    );
    // Long enough but common: refused with the reason.
    let out = run(
        &[
            "user",
            "create",
            "--data-dir",
            d,
            "--email",
            "x@example.com",
            "--role",
            "admin",
        ],
        "password12\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("commonly used password"),
        "{}",
        text(&out.stderr)
    );
    let out = run(
        &[
            "user",
            "create",
            "--data-dir",
            d,
            "--email",
            "root@example.com",
            "--role",
            "admin",
        ],
        "a long secret phrase\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("exists already"),
        "{}",
        text(&out.stderr)
    );
    let out = run(
        &[
            "user",
            "create",
            "--data-dir",
            d,
            "--email",
            "ca@example.com",
            "--role",
            "client-admin",
            "--client",
            "Nobody",
        ],
        "a long secret phrase\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no client named"),
        "{}",
        text(&out.stderr)
    );

    let out = run(
        &[
            "token",
            "create",
            "--data-dir",
            d,
            "--email",
            "root@example.com",
            "--name",
            "ci",
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let token = text(&out.stdout).trim().to_string();
    assert!(token.starts_with("zz_") && token.len() > 40);
    let out = run(
        &[
            "token",
            "create",
            "--data-dir",
            d,
            "--email",
            "nobody@example.com",
            "--name",
            "ci",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));

    // The token works against the server; the password too.
    let (mut server, url) = serve(dir.path(), &[]);
    let me: serde_json::Value = reqwest::blocking_get(&format!("{url}/api/v1/me"), &token);
    assert_eq!(me["user"]["email"], "root@example.com");
    // The CLI writes beside a running server (WAL).
    let out = run(
        &[
            "token",
            "create",
            "--data-dir",
            d,
            "--email",
            "root@example.com",
            "--name",
            "second",
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    server.kill().unwrap();
    server.wait().unwrap();

    let out = run(&["check", "--data-dir", d], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("ok:"));
}

#[test]
fn locked_corrupt_and_busy_port_fail_clearly() {
    // A second server on the same data dir.
    let dir = tempfile::tempdir().unwrap();
    let (mut first, url) = serve(dir.path(), &[]);
    let out = run(
        &[
            "serve",
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("in use by another running zezaro"),
        "{}",
        text(&out.stderr)
    );

    // A port in use.
    let other = tempfile::tempdir().unwrap();
    let addr = url.trim_start_matches("http://");
    let out = run(
        &[
            "serve",
            "--data-dir",
            other.path().to_str().unwrap(),
            "--listen",
            addr,
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains(&format!("cannot listen on {addr}")),
        "{}",
        text(&out.stderr)
    );
    first.kill().unwrap();
    first.wait().unwrap();

    // A corrupt store.
    let bad = tempfile::tempdir().unwrap();
    std::fs::write(bad.path().join("zezaro.db"), vec![0x42u8; 8192]).unwrap();
    for args in [
        vec![
            "serve",
            "--data-dir",
            bad.path().to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ],
        vec!["check", "--data-dir", bad.path().to_str().unwrap()],
        vec!["migrate", "--data-dir", bad.path().to_str().unwrap()],
    ] {
        let out = run(&args, "");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            text(&out.stderr).contains("not a valid zezaro store"),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    // No store at all.
    let empty = tempfile::tempdir().unwrap();
    let out = run(&["check", "--data-dir", empty.path().to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no store at"));
    // A data dir that cannot be created.
    let out = run(
        &[
            "serve",
            "--data-dir",
            "/proc/zezaro-cannot-be-here",
            "--listen",
            "127.0.0.1:0",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("cannot use data directory"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn settings_flag_over_env_over_file() {
    let root = tempfile::tempdir().unwrap();
    let (file_dir, env_dir, flag_dir) = (
        root.path().join("file"),
        root.path().join("env"),
        root.path().join("flag"),
    );
    let config = root.path().join("zezaro.toml");
    std::fs::write(
        &config,
        format!("data_dir = {:?}\nlisten = \"127.0.0.1:0\"\n", file_dir),
    )
    .unwrap();
    let c = config.to_str().unwrap();
    let store_of = |out: Output| text(&out.stdout);
    let out = zezaro(&["migrate", "--config", c]).output().unwrap();
    assert!(store_of(out).contains(file_dir.to_str().unwrap()));
    let out = zezaro(&["migrate", "--config", c])
        .env("ZEZARO_DATA_DIR", &env_dir)
        .output()
        .unwrap();
    assert!(store_of(out).contains(env_dir.to_str().unwrap()));
    let out = zezaro(&[
        "migrate",
        "--config",
        c,
        "--data-dir",
        flag_dir.to_str().unwrap(),
    ])
    .env("ZEZARO_DATA_DIR", &env_dir)
    .output()
    .unwrap();
    assert!(store_of(out).contains(flag_dir.to_str().unwrap()));
    // A broken config file or value is named.
    std::fs::write(&config, "listen = [1\n").unwrap();
    let out = zezaro(&["migrate", "--config", c]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("zezaro.toml"),
        "{}",
        text(&out.stderr)
    );
    std::fs::write(&config, "colour = 1\n").unwrap();
    let out = zezaro(&["migrate", "--config", c]).output().unwrap();
    assert!(
        text(&out.stderr).contains("colour"),
        "{}",
        text(&out.stderr)
    );
    let out = zezaro(&["migrate", "--data-dir", flag_dir.to_str().unwrap()])
        .env("ZEZARO_SESSION_HOURS", "many")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("ZEZARO_SESSION_HOURS"),
        "{}",
        text(&out.stderr)
    );
}

/// Minimal blocking HTTP for these process-level tests.
mod reqwest {
    pub fn blocking_get(url: &str, token: &str) -> serde_json::Value {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            loop {
                match ::reqwest::Client::new()
                    .get(url)
                    .bearer_auth(token)
                    .send()
                    .await
                {
                    Ok(r) => return r.json().await.unwrap(),
                    Err(e) if std::time::Instant::now() > deadline => panic!("{e}"),
                    Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
                }
            }
        })
    }
}

/// `zezaro openapi` prints the document the server serves (the web UI's
/// types are generated from it), needing no data directory.
#[actix_web::test]
async fn openapi_prints_the_served_document() {
    let out = run(&["openapi"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let ts = common::demo_server().await;
    let (status, served) = ts.anonymous().get("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(printed, served);
    ts.server.stop().await;
}
