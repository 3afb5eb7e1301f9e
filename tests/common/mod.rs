//! Shared test support: a real server on port 0 over a temporary data
//! directory with a real SQLite file, and HTTP clients for its users.
#![allow(dead_code)]

pub mod mailserver;
pub mod postfix;
pub mod process;

use std::collections::HashMap;

use reqwest::{Client, Method, Response, StatusCode};
use serde_json::Value;
use tempfile::TempDir;
use zezaro::config::Config;
use zezaro::http::server::StartOptions;
use zezaro::http::{RunningServer, start};

pub struct TestServer {
    pub server: RunningServer,
    pub url: String,
    pub dir: TempDir,
}

pub fn test_config(dir: &std::path::Path) -> Config {
    Config {
        data_dir: dir.to_path_buf(),
        listen: "127.0.0.1:0".into(),
        workers: Some(2),
        // The test Dovecot and Postfix listen on this machine.
        mail_allowed_hosts: local_mail_hosts(),
        ..Config::default()
    }
}

/// The allow list for mail servers on this machine (the tests' Dovecot
/// and Postfix); without it, loopback is refused like any private network.
pub fn local_mail_hosts() -> zezaro::net::HostPolicy {
    zezaro::net::HostPolicy::parse(["127.0.0.0/8", "::1", "localhost"]).expect("policy")
}

/// A server with the demo data (clients, projects, users of every role).
pub async fn demo_server() -> TestServer {
    server_with(true, |_| {}).await
}

pub async fn empty_server() -> TestServer {
    server_with(false, |_| {}).await
}

pub async fn server_with(demo: bool, tweak: impl FnOnce(&mut Config)) -> TestServer {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = test_config(dir.path());
    tweak(&mut config);
    let server = start(
        config,
        StartOptions {
            signals: false,
            demo,
        },
    )
    .await
    .expect("server starts");
    let url = server.url.clone();
    TestServer { server, url, dir }
}

/// A server started again, without demo data, on the data directory of one
/// that was stopped (to test what a start does with what a run left).
pub async fn start_again(dir: TempDir) -> TestServer {
    // The stopped server's lock file is closed, but a process forked by
    // another test at that moment (mail servers, the CLI) holds the lock
    // until its exec closes the descriptor: on a loaded machine that took
    // long enough to fail this start once. Wait for it, briefly.
    let mut tries = 0;
    let server = loop {
        let started = start(
            test_config(dir.path()),
            StartOptions {
                signals: false,
                demo: false,
            },
        )
        .await;
        match started {
            Err(zezaro::http::StartError::DataDir(zezaro::db::LockError::Locked(_)))
                if tries < 50 =>
            {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            other => break other.expect("server starts again"),
        }
    };
    TestServer {
        url: server.url.clone(),
        server,
        dir,
    }
}

/// Percent-encodes everything but unreserved ASCII, for a query value.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The ids of the cases `/api/v1/search?q=` finds for `api`, in order.
pub async fn found_cases(api: &Api, q: &str) -> Vec<i64> {
    let (status, results) = api.get(&format!("/api/v1/search?q={}", urlencode(q))).await;
    assert_eq!(status, 200, "{q}: {results}");
    results["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c: &Value| c["id"].as_i64().expect("id"))
        .collect()
}

impl TestServer {
    /// An API client authenticated with a fresh bearer token of `email`.
    pub fn token_client(&self, email: &str) -> Api {
        let db = self.server.state.db.clone();
        let email = email.to_string();
        let token = db
            .write_blocking(|tx| {
                let user = zezaro::users::store::by_email(tx, &email)?.expect("user exists");
                zezaro::auth::service::create_token(
                    tx,
                    &zezaro::audit::Actor::cli(),
                    user.id,
                    zezaro::auth::model::NewToken {
                        name: "test".into(),
                        expires_in_days: None,
                    },
                )
                .map_err(|e| zezaro::db::StoreError::Task(e.to_string()))
            })
            .expect("token");
        Api::new(&self.url, Some(token.token))
    }

    pub fn anonymous(&self) -> Api {
        Api::new(&self.url, None)
    }

    /// Logs in through the API with the demo password; cookie session.
    pub async fn session_client(&self, email: &str) -> Api {
        let mut api = Api::new(&self.url, None);
        let (status, body) = api
            .call(
                Method::POST,
                "/api/v1/auth/login",
                Some(serde_json::json!({
                    "email": email, "password": zezaro::demo::DEMO_PASSWORD
                })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login {email}: {body}");
        api.csrf = body["csrf_token"].as_str().map(str::to_string);
        api
    }

    /// Id of a demo object by a field value (as admin sees it).
    pub async fn id_of(&self, list: &str, field: &str, value: &str) -> i64 {
        let admin = self.token_client("admin@zezaro.example");
        let (_, body) = admin.get(list).await;
        body["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|item| item[field] == value)
            .unwrap_or_else(|| panic!("{value} not in {list}"))["id"]
            .as_i64()
            .expect("id")
    }
}

/// A bearer client of `email` that opens a new connection per request: the
/// server closes idle keep-alive connections after a few seconds, and a
/// test that works on files for longer than that on a busy machine would
/// race the close.
pub fn client(ts: &TestServer, email: &str) -> Api {
    let mut api = ts.token_client(email);
    api.client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    api
}

/// "table.column" of every row of any table (search tables and their
/// shadow tables included) whose text holds `needle`, in any case.
pub fn store_hits(ts: &TestServer, needle: &str) -> Vec<String> {
    let needle = needle.to_string();
    ts.server
        .state
        .db
        .read_blocking(move |conn| {
            let tables: Vec<String> = conn
                .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?
                .query_map([], |row| row.get(0))?
                .collect::<Result<_, _>>()?;
            let mut hits = Vec::new();
            for table in tables {
                let columns: Vec<String> = conn
                    .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))?
                    .query_map([], |row| row.get(0))?
                    .collect::<Result<_, _>>()?;
                for column in columns {
                    let n: i64 = conn.query_row(
                        &format!(
                            "SELECT COUNT(*) FROM \"{table}\" WHERE instr(lower(CAST(\"{column}\" AS TEXT)), lower(?1)) > 0"
                        ),
                        [&needle],
                        |row| row.get(0),
                    )?;
                    if n > 0 {
                        hits.push(format!("{table}.{column}"));
                    }
                }
            }
            Ok::<_, zezaro::db::StoreError>(hits)
        })
        .expect("scan")
}

/// A small JSON API client.
pub struct Api {
    pub base: String,
    pub client: Client,
    pub token: Option<String>,
    pub csrf: Option<String>,
}

impl Api {
    pub fn new(base: &str, token: Option<String>) -> Api {
        Api {
            base: base.to_string(),
            client: Client::builder()
                .cookie_store(true)
                .build()
                .expect("client"),
            token,
            csrf: None,
        }
    }

    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.base, path));
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        if let Some(csrf) = &self.csrf {
            req = req.header("X-CSRF-Token", csrf);
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if let Some((content_type, bytes)) = body {
            req = req.header("Content-Type", content_type).body(bytes);
        }
        req.send().await.expect("request")
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let body = body.map(|b| ("application/json", serde_json::to_vec(&b).expect("json")));
        let response = self.raw(method, path, body, &[]).await;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::DELETE, path, None).await
    }
}

/// Demo e-mail addresses by role, for matrices.
pub fn demo_users() -> HashMap<&'static str, &'static str> {
    HashMap::from([
        ("admin", "admin@zezaro.example"),
        ("client_admin_acme", "kadmin@acme-energie.example"),
        ("client_admin_nord", "kadmin@nordlicht.example"),
        ("lead", "lead@zezaro.example"),
        ("agent_acme", "anna.schmidt@acme-energie.example"),
        ("agent_nord", "jonas.weber@nordlicht.example"),
        ("basic", "basic.agent@zezaro.example"),
        ("pro", "pro.agent@zezaro.example"),
        ("basic_berg", "tom.berger@zezaro.example"),
    ])
}
