//! The authorization matrix: every endpoint under /api/v1 × every role ×
//! own/foreign client, each cell asserted against the policy as the brief
//! intends it (src/auth/policy.rs):
//!
//! - a platform admin may everything; only platform admins create and delete
//!   clients;
//! - a client admin sees and manages only their own client (its projects,
//!   users, teams and audit entries), never another client;
//! - the project lead manages members only where they lead the project;
//! - an agent sees only the projects they are a member of;
//! - a foreign object answers 404 (as if it did not exist), never 403; 403 is
//!   for objects the caller may see but not change;
//! - without credentials everything answers 401.
//!
//! The table itself is `matrix.txt` beside this file, one endpoint × target
//! row per line; `rules.rs` holds the rules that are no table (sessions,
//! memberships, foreign objects, escalation, revocation).
//!
//! Run with `cargo test --test it authz_matrix -- --nocapture` to see the
//! summary table. All cells are collected first and asserted together, so a
//! failure lists every wrong cell at once.

use crate::common;

mod distribution;
mod forecast;
mod knowledge;
mod notifications;
mod routing;
mod rule_engine;
mod rules;
mod sla;
mod webhooks;
mod workforce;

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::Instant;

use common::{Api, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const ADMIN: &str = "admin@zezaro.example";
const CA_ACME: &str = "kadmin@acme-energie.example";
const CA_NORD: &str = "kadmin@nordlicht.example";
const LEAD: &str = "lead@zezaro.example";
const ANNA: &str = "anna.schmidt@acme-energie.example";
const JONAS: &str = "jonas.weber@nordlicht.example";
const BASIC: &str = "basic.agent@zezaro.example";
const PRO: &str = "pro.agent@zezaro.example";
const TOM: &str = "tom.berger@zezaro.example";
const ALL_USERS: [&str; 9] = [ADMIN, CA_ACME, CA_NORD, LEAD, ANNA, JONAS, BASIC, PRO, TOM];

const ACME: &str = "Acme Energie GmbH";
const NORD: &str = "Nordlicht Versand AG";
const BERG: &str = "Bergblick Telekom";
const TEAM_BASIC: &str = "zezaro Services – Team Basic";
const TEAM_PRO: &str = "zezaro Services – Team Pro";

const V1: &str = "/api/v1";

/// The matrix columns: key in `common::demo_users()` and a short label.
/// Column 8 is the anonymous caller.
const ROLES: [(&str, &str); 8] = [
    ("admin", "admin"),
    ("client_admin_acme", "ca-acme"),
    ("client_admin_nord", "ca-nord"),
    ("lead", "lead"),
    ("agent_acme", "ag-acme"),
    ("agent_nord", "ag-nord"),
    ("basic", "basic"),
    ("pro", "pro"),
];
const ANON: usize = 8;
const COLS: usize = 9;

// What each role should see (demo data plus the project ACMEQA that every
// matrix server adds: an Acme project where the lead is only an agent).
// Lead: lead of ACME, ACMEGAS, NORD; agent in ACMEQA; nothing at Bergblick.
// Anna: ACME, ACMEGAS. Jonas: NORD. Basic: ACME, NORD. Pro: ACME, ACMEGAS.
// Tom (Team Basic, not a matrix column): BERG only.

/// Clients visible to each role ("acme", "nord", "berg").
const SEES_CLIENTS: [&[&str]; 8] = [
    &["acme", "nord", "berg"],
    &["acme"],
    &["nord"],
    &["acme", "nord"],
    &["acme"],
    &["nord"],
    &["acme", "nord"],
    &["acme"],
];

/// Projects (keys) visible to each role.
const SEES_PROJECTS: [&[&str]; 8] = [
    &["ACME", "ACMEGAS", "ACMEQA", "NORD", "BERG"],
    &["ACME", "ACMEGAS", "ACMEQA"],
    &["NORD"],
    &["ACME", "ACMEGAS", "ACMEQA", "NORD"],
    &["ACME", "ACMEGAS"],
    &["NORD"],
    &["ACME", "NORD"],
    &["ACME", "ACMEGAS"],
];

/// Users (e-mails) visible to each role: a client admin sees the client's
/// users and whoever works in the client's projects; the lead the provider's
/// staff and the users of the clients they lead projects for; agents
/// themselves.
const SEES_USERS: [&[&str]; 8] = [
    &ALL_USERS,
    &[CA_ACME, ANNA, LEAD, BASIC, PRO],
    &[CA_NORD, JONAS, LEAD, BASIC],
    &[CA_ACME, ANNA, CA_NORD, JONAS, LEAD, BASIC, PRO, TOM],
    &[ANNA],
    &[JONAS],
    &[BASIC],
    &[PRO],
];

/// Teams visible to each role: client teams by client, provider teams
/// ("basic", "pro") for everybody who is not a client's own agent.
const SEES_TEAMS: [&[&str]; 8] = [
    &["acme", "nord", "berg", "basic", "pro"],
    &["acme", "basic", "pro"],
    &["nord", "basic", "pro"],
    &["acme", "nord", "basic", "pro"],
    &["acme"],
    &["nord"],
    &["basic", "pro"],
    &["basic", "pro"],
];

/// `permissions` in `/me`: manage_clients, manage_projects, manage_members,
/// manage_users, manage_teams, view_audit.
const PERMISSIONS: [[bool; 6]; 8] = [
    [true, true, true, true, true, true],
    [false, true, true, true, true, true],
    [false, true, true, true, true, true],
    [false, false, true, false, false, false],
    [false; 6],
    [false; 6],
    [false; 6],
    [false; 6],
];

/// Each flag of a client's `can` in `/me` and the matrix row whose answer
/// it foretells (the row for that client).
const CLIENT_CAN_ROWS: [(&str, &str); 10] = [
    ("view_calendars", "GET /calendars"),
    ("manage_sla", "POST /calendars"),
    ("view_rules", "GET /rules"),
    ("manage_rules", "POST /rules"),
    ("manage_webhooks", "POST /webhooks"),
    ("export", "POST /clients/{id}/exports"),
    ("edit_knowledge", "GET /instructions"),
    ("manage_instructions", "POST /instructions"),
    ("set_defaults", "PUT /clients/{id}/instruction-settings"),
    ("manage_teams", "PATCH /teams/{id}"),
];

/// The platform-wide flags of `permissions` in `/me` and the matrix row
/// (endpoint, target) whose answer each foretells.
const PERMISSION_ROWS: [(&str, &str, &str); 4] = [
    ("manage_services", "GET /services", "list"),
    ("manage_backups", "GET /backups", "list"),
    (
        "manage_platform_mail",
        "GET /platform/mail-sender",
        "platform",
    ),
    ("manage_provider_teams", "POST /teams", "provider"),
];

/// The same for each project's `can` (rows targeting the project's key).
const PROJECT_CAN_ROWS: [(&str, &str); 7] = [
    ("manage_settings", "PATCH /projects/{id}"),
    ("manage_members", "PUT /projects/{id}/members/{user_id}"),
    ("view_sla", "GET /sla-policies"),
    ("view_distribution", "GET /projects/{id}/distribution"),
    ("manage_routing", "GET /projects/{id}/routing"),
    ("view_forecast", "GET /projects/{id}/forecast"),
    (
        "manage_forecast",
        "POST /projects/{id}/forecast/profiles/learn",
    ),
];

/// One matrix row: endpoint (`METHOD /path`), target object, expected status
/// for the eight roles in `ROLES` order (admin, ca-acme, ca-nord, lead,
/// ag-acme, ag-nord, basic, pro). The anonymous column expects 401 on every
/// row.
///
/// Targets name the object's client, so for ca-acme "acme" is own and
/// "nord"/"berg" foreign; for the lead and the Team Basic agent "acme" and
/// "nord" are own. Rows that destroy something run against a throwaway
/// object built by the admin right before the call (a fresh client, a fresh
/// team of the named client, a copy of the named project with the same
/// members) or are undone right after (members, user deactivation).
type Row = (&'static str, &'static str, [u16; 8]);

/// The rows, one per line of `matrix.txt`, read once.
static MATRIX: LazyLock<Vec<Row>> = LazyLock::new(|| {
    parse_matrix(include_str!("matrix.txt")).unwrap_or_else(|e| panic!("matrix.txt: {e}"))
});

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Reads the table: `METHOD /path target s1 … s8` per line, columns
/// separated by spaces, `#` starts a comment line. Anything else (a missing
/// or extra status, a status that is not one, a row twice) is an error, so
/// that a typo cannot drop a row silently.
fn parse_matrix(text: &'static str) -> Result<Vec<Row>, String> {
    let mut rows: Vec<Row> = Vec::new();
    let mut seen = BTreeSet::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&'static str> = line.split_whitespace().collect();
        if fields.len() != 11 {
            return Err(format!(
                "line {number}: {} columns, expected method, path, target and 8 statuses",
                fields.len()
            ));
        }
        let (method, path, target) = (fields[0], fields[1], fields[2]);
        if !METHODS.contains(&method) || !path.starts_with('/') {
            return Err(format!("line {number}: no METHOD /path at the start"));
        }
        // The endpoint is the line's own text, so it must read `METHOD /path`.
        let endpoint = &line[..method.len() + 1 + path.len()];
        if endpoint != format!("{method} {path}") {
            return Err(format!("line {number}: one space between method and path"));
        }
        let mut expected = [0u16; 8];
        for (slot, text) in expected.iter_mut().zip(&fields[3..]) {
            *slot = text
                .parse()
                .ok()
                .filter(|status| (200..600).contains(status))
                .ok_or_else(|| format!("line {number}: {text} is no HTTP status"))?;
        }
        if !seen.insert((endpoint, target)) {
            return Err(format!("line {number}: {endpoint} {target} twice"));
        }
        rows.push((endpoint, target, expected));
    }
    if rows.is_empty() {
        return Err("no rows".into());
    }
    Ok(rows)
}

/// The member each PUT/DELETE member row re-puts or removes, with its role.
const MEMBER_OF: [(&str, &str); 5] = [
    ("ACME", ANNA),
    ("ACMEGAS", PRO),
    ("ACMEQA", LEAD),
    ("NORD", JONAS),
    ("BERG", TOM),
];

fn user_target(target: &str) -> &'static str {
    match target {
        "anna" => ANNA,
        "jonas" => JONAS,
        "pro" => PRO,
        "tom" => TOM,
        "admin" => ADMIN,
        other => panic!("unknown user target {other}"),
    }
}

fn role_email(role: usize) -> &'static str {
    if role == ANON {
        // Targets of the anonymous caller: any existing object will do.
        return ADMIN;
    }
    common::demo_users()[ROLES[role].0]
}

fn label(role: usize) -> &'static str {
    if role == ANON { "anon" } else { ROLES[role].1 }
}

/// The stable `code` of the problem body expected with an error status.
/// A mailbox whose IMAP server is a closed loopback port (never fetched:
/// its schedule is once a year).
fn matrix_mailbox(address: &str) -> Value {
    json!({
        "name": format!("Matrix {address}"),
        "address": address,
        "imap_host": "127.0.0.1",
        "imap_port": 1,
        "imap_security": "plain",
        "imap_username": "matrix",
        "imap_password": "matrix-imap-secret",
        "smtp_host": "127.0.0.1",
        "smtp_port": 1,
        "smtp_security": "plain",
        "fetch_schedule": "0 0 0 1 1 *",
    })
}

/// A platform sender on a loopback port nobody listens on.
fn matrix_sender() -> Value {
    json!({ "smtp_host": "127.0.0.1", "smtp_port": 1, "smtp_security": "plain",
            "from_address": "noreply@zezaro.example" })
}

fn expected_code(endpoint: &str, status: u16) -> Option<&'static str> {
    match status {
        401 => Some("unauthenticated"),
        403 => Some("forbidden"),
        404 => Some("not-found"),
        409 if endpoint.starts_with("DELETE /clients") => Some("client-not-empty"),
        409 if endpoint.contains("/deliveries/") => Some("delivery-not-retryable"),
        422 if endpoint == "POST /me/password" => Some("wrong-password"),
        422 => Some("validation"),
        _ => None,
    }
}

#[derive(Debug)]
struct Cell {
    endpoint: &'static str,
    target: &'static str,
    role: usize,
    expected: u16,
    actual: u16,
    /// Empty when the cell passed.
    problem: String,
}

/// Ids and names of the fixtures, as the admin sees them.
struct Fixtures {
    clients: HashMap<&'static str, i64>,
    client_names: HashMap<i64, String>,
    projects: HashMap<String, i64>,
    users: HashMap<String, (i64, String)>,
    teams: HashMap<&'static str, (i64, String)>,
}

impl Fixtures {
    fn client(&self, target: &str) -> i64 {
        *self
            .clients
            .get(target)
            .unwrap_or_else(|| panic!("no client {target}"))
    }
    fn project(&self, key: &str) -> i64 {
        *self
            .projects
            .get(key)
            .unwrap_or_else(|| panic!("no project {key}"))
    }
    fn user(&self, email: &str) -> i64 {
        self.users
            .get(email)
            .unwrap_or_else(|| panic!("no user {email}"))
            .0
    }
    fn team(&self, target: &str) -> &(i64, String) {
        self.teams
            .get(target)
            .unwrap_or_else(|| panic!("no team {target}"))
    }
}

/// A demo server with bearer clients for all roles (plus anonymous).
struct Ctx {
    ts: TestServer,
    /// The admin's client for setting up and undoing; never a matrix cell.
    setup: Api,
    apis: Vec<Api>,
    fx: Fixtures,
    seq: AtomicUsize,
    /// Side effects that did not match the status (a refused request that
    /// changed something, an accepted one that did not).
    effects: Mutex<Vec<String>>,
}

fn items(body: &Value) -> &Vec<Value> {
    body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {body}"))
}

fn p(path: impl std::fmt::Display) -> String {
    format!("{V1}{path}")
}

impl Ctx {
    async fn new() -> Ctx {
        // A public address and a platform sender, so that invitations can
        // be queued (the sender's server never answers; the mails fail).
        let ts = common::server_with(true, |config| {
            config.public_url = Some("https://matrix.zezaro.test".into());
        })
        .await;
        let setup = ts.token_client(ADMIN);
        let (status, sender) = setup
            .put(&p("/platform/mail-sender"), matrix_sender())
            .await;
        assert_eq!(status, 200, "{sender}");
        // ACMEQA: an Acme project in which the lead is only an agent, so that
        // "manages members only where lead" has a 403 cell.
        let acme = ts.id_of(&p("/clients"), "name", ACME).await;
        let lead = ts.id_of(&p("/users"), "email", LEAD).await;
        let (status, project) = setup
            .post(
                &p("/projects"),
                json!({ "client_id": acme, "name": "Qualitätssicherung", "key": "ACMEQA" }),
            )
            .await;
        assert_eq!(status, 201, "{project}");
        let (status, member) = setup
            .put(
                &p(format!("/projects/{}/members/{lead}", project["id"])),
                json!({ "role": "agent" }),
            )
            .await;
        assert_eq!(status, 200, "{member}");

        let fx = load_fixtures(&setup).await;
        let users = common::demo_users();
        let mut apis: Vec<Api> = ROLES
            .iter()
            .map(|(key, _)| ts.token_client(users[key]))
            .collect();
        apis.push(ts.anonymous());
        Ctx {
            ts,
            setup,
            apis,
            fx,
            seq: AtomicUsize::new(1),
            effects: Mutex::new(Vec::new()),
        }
    }

    /// A work instruction of the client for all its projects, by the admin;
    /// published when `publish`.
    async fn scratch_instruction(&self, target: &str, publish: bool) -> i64 {
        let n = self.next();
        let created = self
            .admin(
                Method::POST,
                &p("/instructions"),
                Some(
                    json!({"client_id": self.fx.client(target), "title": format!("Matrix {n}"),
                            "urgency": "acknowledge", "body": "Bitte lesen."}),
                ),
            )
            .await;
        let id = created["id"].as_i64().expect("id");
        if publish {
            self.admin(
                Method::POST,
                &p(format!("/instructions/{id}/publish")),
                None,
            )
            .await;
        }
        id
    }

    /// A published knowledge article of the client, by the admin.
    async fn scratch_article(&self, target: &str) -> i64 {
        let n = self.next();
        let saved = self
            .admin(
                Method::POST,
                &p("/knowledge/articles"),
                Some(
                    json!({"client_id": self.fx.client(target), "language": "de",
                            "title": format!("Matrix {n}"), "body": "Text"}),
                ),
            )
            .await;
        let id = saved["article_id"].as_i64().expect("article id");
        let version = saved["version"]["id"].as_i64().expect("version id");
        self.admin(
            Method::POST,
            &p(format!(
                "/knowledge/articles/{id}/versions/{version}/publish"
            )),
            None,
        )
        .await;
        id
    }

    /// A course of the client with one article and one question, assigned
    /// to the client's own team, Team Basic and Team Pro: (course, article,
    /// assignment of the client's team).
    async fn scratch_course(&self, target: &str) -> (i64, i64, i64) {
        let article = self.scratch_article(target).await;
        let course = self
            .admin(
                Method::POST,
                &p("/courses"),
                Some(json!({"client_id": self.fx.client(target), "title": "Matrix", "pass_mark": 50,
                            "article_ids": [article],
                            "questions": [{"text": "Ja?", "choices": [{"text": "ja", "correct": true},
                                                                       {"text": "nein", "correct": false}]}]})),
            )
            .await;
        let id = course["id"].as_i64().expect("course id");
        let teams = [
            self.fx.team(target).0,
            self.fx.team("basic").0,
            self.fx.team("pro").0,
        ];
        let assigned = self
            .admin(
                Method::POST,
                &p(format!("/courses/{id}/assignments")),
                Some(json!({"team_ids": teams})),
            )
            .await;
        let assignment = assigned["assignments"][0]["id"]
            .as_i64()
            .expect("assignment");
        (id, article, assignment)
    }

    fn next(&self) -> usize {
        self.seq.fetch_add(1, Ordering::Relaxed)
    }

    /// An admin call that must succeed (setup and undo steps).
    async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, reply) = self.setup.call(method.clone(), path, body).await;
        assert!(
            status.is_success(),
            "setup {method} {path}: {status} {reply}"
        );
        reply
    }

    /// A copy of the project: same client, same members with the same roles.
    async fn clone_project(&self, key: &str) -> i64 {
        let n = self.next();
        let id = self.fx.project(key);
        let original = self
            .admin(Method::GET, &p(format!("/projects/{id}")), None)
            .await;
        let copy = self
            .admin(
                Method::POST,
                &p("/projects"),
                Some(json!({
                    "client_id": original["client_id"],
                    "name": format!("Copy {n} of {key}"),
                    "key": format!("C{n}"),
                })),
            )
            .await["id"]
            .as_i64()
            .expect("id");
        let members = self
            .admin(Method::GET, &p(format!("/projects/{id}/members")), None)
            .await;
        for m in items(&members) {
            self.admin(
                Method::PUT,
                &p(format!("/projects/{copy}/members/{}", m["user_id"])),
                Some(json!({ "role": m["member_role"] })),
            )
            .await;
        }
        copy
    }

    /// An e-mail case in a copy of the client's main project ("acme": ACME,
    /// "nord": NORD; same members, no mailbox) with an agent's reply; (case
    /// id, the reply's delivery id, which is `no-mailbox`).
    async fn mail_case(&self, target: &str) -> (i64, i64) {
        let project = self.clone_project(&target.to_ascii_uppercase()).await;
        let case = self
            .admin(
                Method::POST,
                &p("/cases"),
                Some(
                    json!({"project_id": project, "subject": "Matrix mail", "channel": "email",
                            "contact": {"name": "Matrix", "email": "matrix@customer.example"}}),
                ),
            )
            .await["id"]
            .as_i64()
            .expect("id");
        self.admin(
            Method::POST,
            &p(format!("/cases/{case}/messages")),
            Some(json!({"kind": "outbound", "body_text": "Antwort"})),
        )
        .await;
        let deliveries = self
            .admin(Method::GET, &p(format!("/cases/{case}/deliveries")), None)
            .await;
        (case, items(&deliveries)[0]["id"].as_i64().expect("id"))
    }

    /// A fresh published text module of the named client, for all its projects.
    async fn scratch_module(&self, target: &str) -> i64 {
        let n = self.next();
        let id = self
            .admin(
                Method::POST,
                &p("/text-modules"),
                Some(json!({ "client_id": self.fx.client(target), "shortcut": format!("matrix-{n}"),
                             "language": "de", "title": "Matrix", "body": "Hallo {{contact.name}}" })),
            )
            .await["id"]
            .as_i64()
            .expect("id");
        self.admin(
            Method::POST,
            &p(format!("/text-modules/{id}/publish")),
            Some(json!({})),
        )
        .await;
        id
    }

    /// A file of the module, added by the admin; its id.
    async fn module_file(&self, id: i64) -> i64 {
        let response = self
            .setup
            .raw(
                Method::POST,
                &p(format!(
                    "/text-modules/{id}/attachments?filename=matrix.txt"
                )),
                Some(("text/plain", b"matrix".to_vec())),
                &[],
            )
            .await;
        assert!(
            response.status().is_success(),
            "module file: {}",
            response.status()
        );
        let module: Value = response.json().await.expect("json");
        module["attachments"][0]["id"].as_i64().expect("id")
    }

    /// A fresh case in the target client's main project (ACME, NORD, BERG).
    async fn scratch_case(&self, target: &str) -> i64 {
        let project = self.fx.project(&target.to_ascii_uppercase());
        self.admin(
            Method::POST,
            &p("/cases"),
            Some(json!({ "project_id": project, "subject": "Matrix text modules", "channel": "email" })),
        )
        .await["id"]
            .as_i64()
            .expect("id")
    }

    /// A fresh, empty team of the named client, or of the provider.
    async fn scratch_team(&self, target: &str) -> i64 {
        let n = self.next();
        let body = if target == "provider" {
            json!({ "name": format!("Scratch team {n}"), "kind": "provider" })
        } else {
            json!({ "name": format!("Scratch team {n}"), "kind": "client", "client_id": self.fx.client(target) })
        };
        self.admin(Method::POST, &p("/teams"), Some(body)).await["id"]
            .as_i64()
            .expect("id")
    }

    /// Waits until the admin sees the export job finished.
    async fn finish_export(&self, client: i64, job: &str) {
        for _ in 0..400 {
            let state = self
                .admin(
                    Method::GET,
                    &p(format!("/clients/{client}/exports/{job}")),
                    None,
                )
                .await;
            if state["state"] != "running" {
                assert_eq!(state["state"], "done", "export {state}");
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("export {job} did not finish");
    }

    /// Records a mismatch between a cell's status and what it did.
    fn effect(&self, endpoint: &str, target: &str, role: usize, status: StatusCode, done: bool) {
        if status.is_success() != done {
            self.effects.lock().expect("lock").push(format!(
                "{endpoint} {target} as {}: answered {status} but the change was {}made",
                label(role),
                if done { "" } else { "not " }
            ));
        }
    }

    /// Whether the admin's list at `list` has an item with `field == value`.
    async fn listed(&self, list: &str, field: &str, value: &str) -> bool {
        let (_, body) = self.setup.get(&p(list)).await;
        items(&body).iter().any(|i| i[field] == value)
    }

    /// Whether the admin gets the object (200) or not (404).
    async fn exists(&self, path: &str) -> bool {
        let (status, body) = self.setup.get(path).await;
        assert!(status == 200 || status == 404, "{path}: {status} {body}");
        status == 200
    }

    /// Puts the matrix column's token of `user_id` back after a
    /// deactivation revoked it.
    fn restore_tokens(&self, user_id: i64) {
        let hashes: Vec<String> = self
            .apis
            .iter()
            .enumerate()
            .take(ANON)
            .filter(|(role, _)| self.fx.users[role_email(*role)].0 == user_id)
            .filter_map(|(_, api)| api.token.as_deref())
            .map(zezaro::auth::tokens::token_hash)
            .collect();
        self.ts
            .server
            .state
            .db
            .write_blocking(move |tx| {
                for hash in &hashes {
                    let known: i64 = tx.query_row(
                        "SELECT COUNT(*) FROM api_tokens WHERE token_hash = ?1",
                        [hash],
                        |row| row.get(0),
                    )?;
                    if known == 0 {
                        zezaro::auth::store::insert_token(tx, user_id.into(), "test", hash, None)?;
                    }
                }
                Ok::<_, zezaro::db::StoreError>(())
            })
            .expect("restore tokens");
    }

    /// A new token of `user_id`, made on the store (the id only).
    fn token_of(&self, user_id: i64) -> i64 {
        self.ts
            .server
            .state
            .db
            .write_blocking(move |tx| {
                zezaro::auth::service::create_token(
                    tx,
                    &zezaro::audit::Actor::cli(),
                    user_id.into(),
                    zezaro::auth::model::NewToken {
                        name: "matrix".into(),
                        expires_in_days: None,
                    },
                )
                .map_err(|e| zezaro::db::StoreError::Task(e.to_string()))
            })
            .expect("token")
            .id
    }

    async fn new_token(&self, api: &Api) -> i64 {
        let (status, body) = api
            .post(&p("/me/tokens"), json!({ "name": "matrix" }))
            .await;
        assert_eq!(status, 201, "token: {body}");
        body["id"].as_i64().expect("id")
    }

    /// Performs one cell: the request of `endpoint` on `target` as `role`.
    async fn perform(&self, endpoint: &str, target: &str, role: usize) -> (StatusCode, Value) {
        let api = &self.apis[role];
        let fx = &self.fx;
        let n = self.next();
        match endpoint {
            "GET /clients" => api.get(&p("/clients")).await,
            "POST /clients" => {
                let name = format!("Matrix client {n}");
                let result = api.post(&p("/clients"), json!({ "name": name })).await;
                let done = self.listed("/clients", "name", &name).await;
                self.effect(endpoint, target, role, result.0, done);
                result
            }
            "GET /clients/{id}" => api.get(&p(format!("/clients/{}", fx.client(target)))).await,
            "PATCH /clients/{id}" => {
                // Renames to the same name: allowed cells change nothing.
                let id = fx.client(target);
                api.patch(
                    &p(format!("/clients/{id}")),
                    json!({ "name": fx.client_names[&id] }),
                )
                .await
            }
            "DELETE /clients/{id}" => {
                let id = if target == "new" {
                    self.admin(
                        Method::POST,
                        &p("/clients"),
                        Some(json!({ "name": format!("Scratch client {n}") })),
                    )
                    .await["id"]
                        .as_i64()
                        .expect("id")
                } else {
                    fx.client(target)
                };
                let result = api.delete(&p(format!("/clients/{id}"))).await;
                let gone = !self.exists(&p(format!("/clients/{id}"))).await;
                self.effect(endpoint, target, role, result.0, gone);
                result
            }

            "GET /projects" => api.get(&p("/projects")).await,
            "POST /projects" => {
                let key = format!("M{n}");
                let result = api
                    .post(
                        &p("/projects"),
                        json!({ "client_id": fx.client(target), "name": format!("Matrix project {n}"), "key": key }),
                    )
                    .await;
                let done = self.listed("/projects", "key", &key).await;
                self.effect(endpoint, target, role, result.0, done);
                result
            }
            "GET /projects/{id}" => {
                api.get(&p(format!("/projects/{}", fx.project(target))))
                    .await
            }
            "PATCH /projects/{id}" => {
                api.patch(
                    &p(format!("/projects/{}", fx.project(target))),
                    json!({ "active": true }),
                )
                .await
            }
            "DELETE /projects/{id}" => {
                let copy = self.clone_project(target).await;
                let result = api.delete(&p(format!("/projects/{copy}"))).await;
                let gone = !self.exists(&p(format!("/projects/{copy}"))).await;
                self.effect(endpoint, target, role, result.0, gone);
                result
            }
            "GET /projects/{id}/members" => {
                api.get(&p(format!("/projects/{}/members", fx.project(target))))
                    .await
            }
            "PUT /projects/{id}/members/{user_id}" | "DELETE /projects/{id}/members/{user_id}" => {
                let email = MEMBER_OF
                    .iter()
                    .find(|(key, _)| *key == target)
                    .map(|(_, email)| *email)
                    .expect("member");
                let path = p(format!(
                    "/projects/{}/members/{}",
                    fx.project(target),
                    fx.user(email)
                ));
                if endpoint.starts_with("PUT") {
                    api.put(&path, json!({ "role": "agent" })).await
                } else {
                    let result = api.delete(&path).await;
                    let members = self
                        .admin(
                            Method::GET,
                            &p(format!("/projects/{}/members", fx.project(target))),
                            None,
                        )
                        .await;
                    let gone = !items(&members)
                        .iter()
                        .any(|m| m["user_id"] == fx.user(email));
                    self.effect(endpoint, target, role, result.0, gone);
                    // Undo: put the member back (a no-op where the delete was refused).
                    self.admin(Method::PUT, &path, Some(json!({ "role": "agent" })))
                        .await;
                    result
                }
            }

            "GET /users" => api.get(&p("/users")).await,
            "POST /users" => {
                let mut body = json!({
                    "email": format!("matrix{n}@example.com"),
                    "name": format!("Matrix user {n}"),
                    "role": "agent",
                    "password": "matrix-password-1",
                });
                if target == "provider" {
                    body["team_id"] = json!(fx.team("basic").0);
                    body["tariff"] = json!("basic");
                } else {
                    body["client_id"] = json!(fx.client(target));
                    body["team_id"] = json!(fx.team(target).0);
                }
                let email = body["email"].as_str().expect("email").to_string();
                let result = api.post(&p("/users"), body).await;
                let done = self.listed("/users", "email", &email).await;
                self.effect(endpoint, target, role, result.0, done);
                result
            }
            "GET /users/{id}" | "PATCH /users/{id}" | "DELETE /users/{id}" => {
                let email = if target == "self" {
                    role_email(role)
                } else {
                    user_target(target)
                };
                let (id, name) = fx.users[email].clone();
                let path = p(format!("/users/{id}"));
                match endpoint {
                    "GET /users/{id}" => api.get(&path).await,
                    // The same name again: allowed cells change nothing.
                    "PATCH /users/{id}" => api.patch(&path, json!({ "name": name })).await,
                    _ => {
                        let result = api.delete(&path).await;
                        let user = self.admin(Method::GET, &path, None).await;
                        self.effect(endpoint, target, role, result.0, user["active"] == false);
                        if result.0.is_success() {
                            self.admin(Method::PATCH, &path, Some(json!({ "active": true })))
                                .await;
                            // Deactivation revoked the user's tokens for good;
                            // the matrix column gets its own back.
                            self.restore_tokens(id);
                        }
                        result
                    }
                }
            }

            "GET /teams" => api.get(&p("/teams")).await,
            "POST /teams" => {
                let name = format!("Matrix team {n}");
                let body = if target == "provider" {
                    json!({ "name": name, "kind": "provider" })
                } else {
                    json!({ "name": name, "kind": "client", "client_id": fx.client(target) })
                };
                let result = api.post(&p("/teams"), body).await;
                let done = self.listed("/teams", "name", &name).await;
                self.effect(endpoint, target, role, result.0, done);
                result
            }
            "GET /teams/{id}" => api.get(&p(format!("/teams/{}", fx.team(target).0))).await,
            "PATCH /teams/{id}" => {
                let (id, name) = fx.team(target);
                api.patch(&p(format!("/teams/{id}")), json!({ "name": name }))
                    .await
            }
            "DELETE /teams/{id}" => {
                let id = self.scratch_team(target).await;
                let result = api.delete(&p(format!("/teams/{id}"))).await;
                let gone = !self.exists(&p(format!("/teams/{id}"))).await;
                self.effect(endpoint, target, role, result.0, gone);
                result
            }

            "GET /services" => api.get(&p("/services")).await,
            "POST /services/{key}/{action}" => {
                let result = api.post(&p(format!("/services/{target}")), json!({})).await;
                let (_, list) = self.setup.get(&p("/services")).await;
                let paused = items(&list)
                    .iter()
                    .any(|s| s["key"] == "sessions.purge" && s["state"] == "paused");
                self.effect(endpoint, target, role, result.0, paused);
                self.admin(
                    Method::POST,
                    &p("/services/sessions.purge/resume"),
                    Some(json!({})),
                )
                .await;
                result
            }
            "GET /backups" => api.get(&p("/backups")).await,
            "GET /backups/{name}" => api.get(&p("/backups/zezaro-20260101T000000Z.tar.gz")).await,
            "DELETE /backups/{name}" => {
                api.delete(&p("/backups/zezaro-20260101T000000Z.tar.gz"))
                    .await
            }
            "GET /cases/{id}/deliveries" => {
                let (case, _) = self.mail_case(target).await;
                api.get(&p(format!("/cases/{case}/deliveries"))).await
            }
            "POST /cases/{id}/deliveries/{delivery_id}/retry" => {
                let (case, delivery) = self.mail_case(target).await;
                api.post(
                    &p(format!("/cases/{case}/deliveries/{delivery}/retry")),
                    json!({}),
                )
                .await
            }
            "POST /clients/{id}/exports" => {
                let client = fx.client(target);
                let result = api
                    .post(&p(format!("/clients/{client}/exports")), json!({}))
                    .await;
                if let Some(job) = result.1["id"].as_str() {
                    self.finish_export(client, job).await;
                    self.admin(
                        Method::DELETE,
                        &p(format!("/clients/{client}/exports/{job}")),
                        None,
                    )
                    .await;
                }
                result
            }
            "GET /clients/{id}/exports" => {
                api.get(&p(format!("/clients/{}/exports", fx.client(target))))
                    .await
            }
            "GET /clients/{id}/exports/{job}"
            | "GET /clients/{id}/exports/{job}/download"
            | "DELETE /clients/{id}/exports/{job}" => {
                // A finished job of the named client, started by the admin.
                let client = fx.client(target);
                let job = self
                    .admin(
                        Method::POST,
                        &p(format!("/clients/{client}/exports")),
                        Some(json!({})),
                    )
                    .await["id"]
                    .as_str()
                    .expect("job id")
                    .to_string();
                self.finish_export(client, &job).await;
                let path = p(format!("/clients/{client}/exports/{job}"));
                let result = match endpoint {
                    "GET /clients/{id}/exports/{job}" => api.get(&path).await,
                    "DELETE /clients/{id}/exports/{job}" => api.delete(&path).await,
                    _ => {
                        let response = api
                            .raw(Method::GET, &format!("{path}/download"), None, &[])
                            .await;
                        let status = response.status();
                        let bytes = response.bytes().await.unwrap_or_default();
                        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                        // The archive itself: gzip.
                        if status.is_success() && !bytes.starts_with(&[0x1f, 0x8b]) {
                            self.effect(endpoint, target, role, status, false);
                        }
                        (status, body)
                    }
                };
                let gone = !self.exists(&path).await;
                if endpoint.starts_with("DELETE") {
                    self.effect(endpoint, target, role, result.0, gone);
                }
                if !gone {
                    self.admin(Method::DELETE, &path, None).await;
                }
                result
            }
            "PUT /projects/{id}/retention" => {
                api.put(
                    &p(format!("/projects/{}/retention", fx.project(target))),
                    json!({ "months": 1200, "action": "anonymize" }),
                )
                .await
            }
            "GET /projects/{id}/retention" | "GET /projects/{id}/retention/preview" => {
                // The rule exists (the admin sets it; a no-op after the PUT rows).
                let path = p(format!("/projects/{}/retention", fx.project(target)));
                self.admin(
                    Method::PUT,
                    &path,
                    Some(json!({ "months": 1200, "action": "anonymize" })),
                )
                .await;
                if endpoint.ends_with("preview") {
                    api.get(&format!("{path}/preview")).await
                } else {
                    api.get(&path).await
                }
            }
            "GET /audit" => api.get(&p("/audit?limit=500")).await,
            "GET /me" => api.get(&p("/me")).await,
            "PATCH /me" => {
                // The caller's current language again.
                let me = self.apis[if role == ANON { 0 } else { role }]
                    .get(&p("/me"))
                    .await
                    .1;
                let locale = me["user"]["locale"].as_str().unwrap_or("en").to_string();
                api.patch(&p("/me"), json!({ "locale": locale })).await
            }
            "GET /me/tokens" => api.get(&p("/me/tokens")).await,
            "GET /me/figures" => api.get(&p("/me/figures?tz=Europe/Berlin")).await,
            "POST /me/tokens" => {
                api.post(&p("/me/tokens"), json!({ "name": format!("matrix {n}") }))
                    .await
            }
            "DELETE /me/tokens/{id}" => {
                let owner = match (target, role) {
                    ("own", ANON) | ("foreign", 1..) => &self.setup,
                    ("own", _) => api,
                    // The admin's foreign token: Anna's.
                    _ => &self.apis[4],
                };
                let id = self.new_token(owner).await;
                let result = api.delete(&p(format!("/me/tokens/{id}"))).await;
                let (_, tokens) = owner.get(&p("/me/tokens")).await;
                let gone = !items(&tokens).iter().any(|t| t["id"] == id);
                self.effect(endpoint, target, role, result.0, gone);
                result
            }
            "POST /auth/logout" => api.call(Method::POST, &p("/auth/logout"), None).await,
            "POST /me/password" => {
                api.post(
                    &p("/me/password"),
                    json!({ "current_password": "not the password",
                            "new_password": "a quite unguessable phrase 42" }),
                )
                .await
            }
            "POST /users/{id}/invitation" | "GET /users/{id}/invitation" => {
                let email = if target == "self" {
                    role_email(role)
                } else {
                    user_target(target)
                };
                let path = p(format!("/users/{}/invitation", fx.users[email].0));
                if endpoint.starts_with("GET") {
                    // An invitation to look at, sent by the admin.
                    let (status, _) = self.setup.post(&path, json!({})).await;
                    assert_eq!(status, 202, "the admin invites {email}");
                    return api.get(&path).await;
                }
                api.post(&path, json!({})).await
            }
            "GET /platform/mail-sender" => api.get(&p("/platform/mail-sender")).await,
            "PUT /platform/mail-sender" => {
                api.put(&p("/platform/mail-sender"), matrix_sender()).await
            }
            "POST /platform/mail-sender/test" => {
                let result = api
                    .post(
                        &p("/platform/mail-sender/test"),
                        json!({ "to": "matrix@example.com" }),
                    )
                    .await;
                if result.0 == StatusCode::OK {
                    assert_eq!(result.1["sent"], false, "{}", result.1);
                }
                result
            }
            "GET /users/{id}/tokens" | "DELETE /users/{id}/tokens/{token_id}" => {
                let email = if target == "self" {
                    role_email(role)
                } else {
                    user_target(target)
                };
                let user_id = fx.users[email].0;
                if endpoint.starts_with("GET") {
                    return api.get(&p(format!("/users/{user_id}/tokens"))).await;
                }
                let token_id = self.token_of(user_id);
                let result = api
                    .delete(&p(format!("/users/{user_id}/tokens/{token_id}")))
                    .await;
                let (_, tokens) = self.setup.get(&p(format!("/users/{user_id}/tokens"))).await;
                let gone = !items(&tokens).iter().any(|t| t["id"] == token_id);
                self.effect(endpoint, target, role, result.0, gone);
                result
            }
            "GET /projects/{id}/mailboxes" => {
                api.get(&p(format!("/projects/{}/mailboxes", fx.project(target))))
                    .await
            }
            "POST /projects/{id}/mailboxes" => {
                let address = format!("matrix{n}@example.com");
                let result = api
                    .post(
                        &p(format!("/projects/{}/mailboxes", fx.project(target))),
                        matrix_mailbox(&address),
                    )
                    .await;
                let (_, list) = self
                    .setup
                    .get(&p(format!("/projects/{}/mailboxes", fx.project(target))))
                    .await;
                let done = items(&list).iter().any(|m| m["address"] == address);
                self.effect(endpoint, target, role, result.0, done);
                result
            }
            "POST /projects/{id}/mailboxes/check" => {
                let result = api
                    .post(
                        &p(format!("/projects/{}/mailboxes/check", fx.project(target))),
                        json!({
                            "imap_host": "127.0.0.1", "imap_port": 1, "imap_security": "plain",
                            "imap_username": "matrix", "imap_password": "matrix-imap-secret",
                            "smtp_host": "127.0.0.1", "smtp_port": 1, "smtp_security": "plain",
                        }),
                    )
                    .await;
                if result.0 == 200 {
                    assert_eq!(result.1["imap"]["ok"], false, "{}", result.1);
                    assert_eq!(result.1["smtp"]["ok"], false, "{}", result.1);
                }
                result
            }
            "GET /mailboxes/{id}"
            | "PATCH /mailboxes/{id}"
            | "DELETE /mailboxes/{id}"
            | "POST /mailboxes/{id}/pause"
            | "POST /mailboxes/{id}/check"
            | "GET /mailboxes/{id}/inbound" => {
                let created = self
                    .admin(
                        Method::POST,
                        &p(format!("/projects/{}/mailboxes", fx.project(target))),
                        Some(matrix_mailbox(&format!("scratch{n}@example.com"))),
                    )
                    .await;
                let id = created["id"].as_i64().expect("id");
                let path = p(format!("/mailboxes/{id}"));
                match endpoint {
                    "GET /mailboxes/{id}" => api.get(&path).await,
                    "PATCH /mailboxes/{id}" => api.patch(&path, json!({ "name": "Matrix" })).await,
                    "DELETE /mailboxes/{id}" => {
                        let result = api.delete(&path).await;
                        let gone = !self.exists(&path).await;
                        self.effect(endpoint, target, role, result.0, gone);
                        result
                    }
                    "POST /mailboxes/{id}/pause" => {
                        let result = api.post(&format!("{path}/pause"), json!({})).await;
                        let paused = self.admin(Method::GET, &path, None).await["paused"] == true;
                        self.effect(endpoint, target, role, result.0, paused);
                        result
                    }
                    "POST /mailboxes/{id}/check" => {
                        api.post(&format!("{path}/check"), json!({})).await
                    }
                    _ => api.get(&format!("{path}/inbound")).await,
                }
            }
            "POST /knowledge/preview" => {
                api.post(
                    &p("/knowledge/preview"),
                    json!({ "client_id": fx.client(target), "body": "**Matrix**" }),
                )
                .await
            }
            "GET /instructions/mine" => api.get(&p("/instructions/mine")).await,
            "GET /instructions" => {
                api.get(&p(format!("/instructions?client_id={}", fx.client(target))))
                    .await
            }
            "POST /instructions" => {
                api.post(
                    &p("/instructions"),
                    json!({"client_id": fx.client(target), "title": format!("Matrix {n}"),
                           "urgency": "info", "body": "x"}),
                )
                .await
            }
            "GET /instructions/{id}"
            | "PUT /instructions/{id}"
            | "DELETE /instructions/{id}"
            | "POST /instructions/{id}/publish"
            | "POST /instructions/{id}/withdraw"
            | "GET /instructions/{id}/acknowledgments"
            | "POST /instructions/{id}/acknowledge"
            | "POST /instructions/{id}/dismiss" => {
                let published = !matches!(
                    endpoint,
                    "PUT /instructions/{id}" | "POST /instructions/{id}/publish"
                );
                let id = self.scratch_instruction(target, published).await;
                let path = p(format!("/instructions/{id}"));
                match endpoint {
                    "GET /instructions/{id}" => api.get(&path).await,
                    "PUT /instructions/{id}" => {
                        api.put(
                            &path,
                            json!({"title": "Matrix", "urgency": "info", "body": "y"}),
                        )
                        .await
                    }
                    "DELETE /instructions/{id}" => {
                        let result = api.delete(&path).await;
                        let gone = !self.exists(&path).await;
                        self.effect(endpoint, target, role, result.0, gone);
                        result
                    }
                    "GET /instructions/{id}/acknowledgments" => {
                        api.get(&format!("{path}/acknowledgments")).await
                    }
                    _ => {
                        let action = endpoint.rsplit('/').next().unwrap_or_default();
                        api.post(&format!("{path}/{action}"), json!({})).await
                    }
                }
            }
            "GET /clients/{id}/instruction-settings" => {
                api.get(&p(format!(
                    "/clients/{}/instruction-settings",
                    fx.client(target)
                )))
                .await
            }
            // The demo sets no default: putting none back changes nothing.
            "PUT /clients/{id}/instruction-settings" => {
                api.put(
                    &p(format!(
                        "/clients/{}/instruction-settings",
                        fx.client(target)
                    )),
                    json!({ "remind_hours": null }),
                )
                .await
            }
            "GET /courses/mine" => api.get(&p("/courses/mine")).await,
            "GET /courses" => {
                api.get(&p(format!("/courses?client_id={}", fx.client(target))))
                    .await
            }
            "POST /courses" => {
                let article = self.scratch_article(target).await;
                api.post(
                    &p("/courses"),
                    json!({"client_id": fx.client(target), "title": format!("Matrix {n}"),
                           "pass_mark": 50, "article_ids": [article]}),
                )
                .await
            }
            "GET /courses/{id}"
            | "PUT /courses/{id}"
            | "DELETE /courses/{id}"
            | "POST /courses/{id}/assignments"
            | "DELETE /courses/{id}/assignments/{assignment_id}"
            | "GET /courses/{id}/status"
            | "GET /courses/{id}/candidates"
            | "GET /courses/{id}/lesson"
            | "POST /courses/{id}/start"
            | "POST /courses/{id}/articles/{article_id}/read"
            | "POST /courses/{id}/check" => {
                let (id, article, assignment) = self.scratch_course(target).await;
                let path = p(format!("/courses/{id}"));
                match endpoint {
                    "GET /courses/{id}" => api.get(&path).await,
                    "PUT /courses/{id}" => {
                        api.put(
                            &path,
                            json!({"title": "Matrix", "pass_mark": 60, "article_ids": [article]}),
                        )
                        .await
                    }
                    "DELETE /courses/{id}" => {
                        let result = api.delete(&path).await;
                        let gone = !self.exists(&path).await;
                        self.effect(endpoint, target, role, result.0, gone);
                        result
                    }
                    "POST /courses/{id}/assignments" => {
                        api.post(
                            &format!("{path}/assignments"),
                            json!({"team_ids": [fx.team("basic").0], "due_on": "2027-01-31"}),
                        )
                        .await
                    }
                    "DELETE /courses/{id}/assignments/{assignment_id}" => {
                        api.delete(&format!("{path}/assignments/{assignment}"))
                            .await
                    }
                    "GET /courses/{id}/status" => api.get(&format!("{path}/status")).await,
                    "GET /courses/{id}/candidates" => {
                        api.get(&format!("{path}/candidates?q=a")).await
                    }
                    "GET /courses/{id}/lesson" => api.get(&format!("{path}/lesson")).await,
                    "POST /courses/{id}/start" => {
                        api.post(&format!("{path}/start"), json!({})).await
                    }
                    "POST /courses/{id}/articles/{article_id}/read" => {
                        api.post(&format!("{path}/articles/{article}/read"), json!({}))
                            .await
                    }
                    _ => {
                        api.post(&format!("{path}/check"), json!({"answers": []}))
                            .await
                    }
                }
            }
            "GET /text-modules" => {
                api.get(&p(format!("/text-modules?client_id={}", fx.client(target))))
                    .await
            }
            "POST /text-modules" => {
                let client = fx.client(target);
                let shortcut = format!("matrix-new-{n}");
                let result = api
                    .post(
                        &p("/text-modules"),
                        json!({ "client_id": client, "shortcut": shortcut, "language": "de",
                                "title": "Matrix", "body": "Hallo" }),
                    )
                    .await;
                let done = self
                    .listed(
                        &format!("/text-modules?client_id={client}"),
                        "shortcut",
                        &shortcut,
                    )
                    .await;
                self.effect(endpoint, target, role, result.0, done);
                result
            }
            "GET /text-modules/{id}"
            | "PATCH /text-modules/{id}"
            | "DELETE /text-modules/{id}"
            | "POST /text-modules/{id}/publish"
            | "POST /text-modules/{id}/unpublish"
            | "POST /text-modules/{id}/undelete"
            | "GET /text-modules/{id}/usage"
            | "GET /text-modules/{id}/versions"
            | "GET /text-modules/{id}/versions/{number}"
            | "POST /text-modules/{id}/versions/{number}/restore"
            | "POST /text-modules/{id}/attachments"
            | "GET /text-modules/{id}/attachments/{attachment_id}"
            | "DELETE /text-modules/{id}/attachments/{attachment_id}" => {
                let id = self.scratch_module(target).await;
                let path = p(format!("/text-modules/{id}"));
                match endpoint {
                    "GET /text-modules/{id}" => api.get(&path).await,
                    "PATCH /text-modules/{id}" => {
                        api.patch(&path, json!({ "title": "Matrix 2" })).await
                    }
                    "DELETE /text-modules/{id}" => {
                        let result = api.delete(&path).await;
                        let gone = !self.exists(&path).await;
                        self.effect(endpoint, target, role, result.0, gone);
                        result
                    }
                    "POST /text-modules/{id}/publish" => {
                        self.admin(Method::POST, &format!("{path}/unpublish"), Some(json!({})))
                            .await;
                        let result = api.post(&format!("{path}/publish"), json!({})).await;
                        let published =
                            self.admin(Method::GET, &path, None).await["state"] == "published";
                        self.effect(endpoint, target, role, result.0, published);
                        result
                    }
                    "POST /text-modules/{id}/unpublish" => {
                        let result = api.post(&format!("{path}/unpublish"), json!({})).await;
                        let draft = self.admin(Method::GET, &path, None).await["state"] == "draft";
                        self.effect(endpoint, target, role, result.0, draft);
                        result
                    }
                    "POST /text-modules/{id}/undelete" => {
                        self.admin(Method::DELETE, &path, None).await;
                        let result = api.post(&format!("{path}/undelete"), json!({})).await;
                        let back = self.exists(&path).await;
                        self.effect(endpoint, target, role, result.0, back);
                        result
                    }
                    "GET /text-modules/{id}/usage" => api.get(&format!("{path}/usage")).await,
                    "GET /text-modules/{id}/versions" => api.get(&format!("{path}/versions")).await,
                    "GET /text-modules/{id}/versions/{number}" => {
                        api.get(&format!("{path}/versions/1")).await
                    }
                    "POST /text-modules/{id}/versions/{number}/restore" => {
                        // Version 2 is "Matrix 2"; restoring 1 brings "Matrix" back.
                        self.admin(Method::PATCH, &path, Some(json!({ "title": "Matrix 2" })))
                            .await;
                        let result = api
                            .post(&format!("{path}/versions/1/restore"), json!({}))
                            .await;
                        let back = self.admin(Method::GET, &path, None).await["title"] == "Matrix";
                        self.effect(endpoint, target, role, result.0, back);
                        result
                    }
                    "POST /text-modules/{id}/attachments" => {
                        let response = api
                            .raw(
                                Method::POST,
                                &format!("{path}/attachments?filename=matrix.txt"),
                                Some(("text/plain", b"matrix".to_vec())),
                                &[],
                            )
                            .await;
                        let status = response.status();
                        let body = response.json().await.unwrap_or(Value::Null);
                        let files = self.admin(Method::GET, &path, None).await["attachments"]
                            .as_array()
                            .map_or(0, Vec::len);
                        self.effect(endpoint, target, role, status, files == 1);
                        (status, body)
                    }
                    _ => {
                        let file = self.module_file(id).await;
                        let file_path = format!("{path}/attachments/{file}");
                        if endpoint.starts_with("GET") {
                            let response = api.raw(Method::GET, &file_path, None, &[]).await;
                            let status = response.status();
                            let bytes = response.bytes().await.unwrap_or_default();
                            if status.is_success() && bytes.as_ref() != b"matrix" {
                                self.effect(endpoint, target, role, status, false);
                            }
                            (
                                status,
                                serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                            )
                        } else {
                            let result = api.delete(&file_path).await;
                            let files = self.admin(Method::GET, &path, None).await["attachments"]
                                .as_array()
                                .map_or(0, Vec::len);
                            self.effect(endpoint, target, role, result.0, files == 0);
                            result
                        }
                    }
                }
            }
            "GET /cases/{id}/text-modules" => {
                let case = self.scratch_case(target).await;
                api.get(&p(format!("/cases/{case}/text-modules"))).await
            }
            "POST /cases/{id}/text-modules/{module_id}/render" => {
                let case = self.scratch_case(target).await;
                let module = self.scratch_module(target).await;
                api.post(
                    &p(format!("/cases/{case}/text-modules/{module}/render")),
                    json!({}),
                )
                .await
            }
            w if w.contains("/workforce")
                || w.contains("/seats")
                || w.contains("/seat-assignments")
                || w.contains("/monitor") =>
            {
                self.workforce(w, target, role).await
            }
            knowledge if knowledge.contains("/knowledge") => {
                self.knowledge(knowledge, target, role).await
            }
            n if n.contains("/notifications") => self.notifications(n, target, role).await,
            rules if rules.contains("/rules") || rules.contains("/rule-runs") => {
                self.rule_engine(rules, target, role).await
            }
            f if f.contains("/forecast") => self.forecast(f, target, role).await,
            d if d.contains("/distribution") => self.distribution(d, target, role).await,
            r if r.contains("/routing") => self.routing(r, target, role).await,
            sla if sla.contains("/calendars") || sla.contains("/sla") => {
                self.sla(sla, target, role).await
            }
            hooks if hooks.contains("/webhook") => self.webhooks(hooks, target, role).await,
            other => panic!("no such matrix endpoint: {other}"),
        }
    }

    /// Runs the rows for all roles and the anonymous caller.
    async fn run(&self, rows: &[&'static Row]) -> Vec<Cell> {
        let mut cells = Vec::new();
        for &&(endpoint, target, expected) in rows {
            for role in 0..COLS {
                let expected = if role == ANON { 401 } else { expected[role] };
                let (status, body) = self.perform(endpoint, target, role).await;
                let actual = status.as_u16();
                let mut problem = String::new();
                if actual != expected {
                    problem = format!("expected {expected}, got {actual}: {body}");
                } else if let Some(code) = expected_code(endpoint, expected)
                    && body["code"] != code
                {
                    problem = format!(
                        "{actual} with code {} instead of {code}: {body}",
                        body["code"]
                    );
                } else if expected == 422
                    && endpoint != "POST /me/password"
                    && body["field"] != "client_id"
                {
                    problem = format!("422 about {} instead of client_id: {body}", body["field"]);
                }
                cells.push(Cell {
                    endpoint,
                    target,
                    role,
                    expected,
                    actual,
                    problem,
                });
            }
        }
        cells
    }

    /// What every role's lists contain: exactly the expected objects (on a
    /// server where only the matrix fixtures exist).
    async fn check_exact_lists(&self, failures: &mut Vec<String>) {
        for (role, api) in self.apis.iter().enumerate().take(ANON) {
            let who = label(role);
            let want_clients: BTreeSet<i64> = SEES_CLIENTS[role]
                .iter()
                .map(|c| self.fx.client(c))
                .collect();
            let got: BTreeSet<i64> = ids(items(&api.get(&p("/clients")).await.1), "id");
            expect_eq(failures, who, "GET /clients", &want_clients, &got);

            let want_projects: BTreeSet<String> =
                SEES_PROJECTS[role].iter().map(|k| k.to_string()).collect();
            let got = strings(items(&api.get(&p("/projects")).await.1), "key");
            expect_eq(failures, who, "GET /projects", &want_projects, &got);

            let want: BTreeSet<String> = SEES_USERS[role].iter().map(|e| e.to_string()).collect();
            let got = strings(items(&api.get(&p("/users")).await.1), "email");
            expect_eq(failures, who, "GET /users", &want, &got);

            let want: BTreeSet<i64> = SEES_TEAMS[role].iter().map(|t| self.fx.team(t).0).collect();
            let got = ids(items(&api.get(&p("/teams")).await.1), "id");
            expect_eq(failures, who, "GET /teams", &want, &got);

            let (_, me) = api.get(&p("/me")).await;
            if me["user"]["email"] != role_email(role) {
                failures.push(format!("{who}: GET /me is {}", me["user"]["email"]));
            }
            let got = strings(me["projects"].as_array().expect("projects"), "key");
            expect_eq(failures, who, "GET /me projects", &want_projects, &got);
            // Each project's `can` says what the matrix's row for the
            // project answers, where the matrix has one.
            for project in me["projects"].as_array().expect("projects") {
                let key = project["key"].as_str().expect("key");
                for (flag, endpoint) in PROJECT_CAN_ROWS {
                    let Some(row) = MATRIX.iter().find(|(e, t, _)| *e == endpoint && *t == key)
                    else {
                        continue;
                    };
                    let allowed = (200..300).contains(&row.2[role]);
                    if project["can"][flag] != allowed {
                        failures.push(format!(
                            "{who}: GET /me projects[{key}].can.{flag} is {}, but {endpoint} answers {}",
                            project["can"][flag], row.2[role]
                        ));
                    }
                }
            }
            // The clients whose `can` the UI reads are the ones the role sees,
            // and each flag says what the matrix's row for it answers.
            let got = ids(me["clients"].as_array().expect("clients"), "id");
            expect_eq(failures, who, "GET /me clients", &want_clients, &got);
            for target in SEES_CLIENTS[role] {
                let id = self.fx.client(target);
                let Some(mine) = me["clients"]
                    .as_array()
                    .and_then(|cs| cs.iter().find(|c| c["id"] == id))
                else {
                    continue;
                };
                for (flag, endpoint) in CLIENT_CAN_ROWS {
                    let row = MATRIX
                        .iter()
                        .find(|(e, t, _)| *e == endpoint && *t == *target)
                        .unwrap_or_else(|| panic!("matrix.txt has no {endpoint} {target}"));
                    let allowed = (200..300).contains(&row.2[role]);
                    if mine["can"][flag] != allowed {
                        failures.push(format!(
                            "{who}: GET /me clients[{target}].can.{flag} is {}, but {endpoint} answers {}",
                            mine["can"][flag], row.2[role]
                        ));
                    }
                }
            }
            let flags = [
                "manage_clients",
                "manage_projects",
                "manage_members",
                "manage_users",
                "manage_teams",
                "view_audit",
            ];
            for (flag, want) in flags.iter().zip(PERMISSIONS[role]) {
                if me["permissions"][flag] != want {
                    failures.push(format!(
                        "{who}: GET /me permissions.{flag} is {}",
                        me["permissions"][flag]
                    ));
                }
            }
            for (flag, endpoint, target) in PERMISSION_ROWS {
                let row = MATRIX
                    .iter()
                    .find(|(e, t, _)| *e == endpoint && *t == target)
                    .unwrap_or_else(|| panic!("matrix.txt has no {endpoint} {target}"));
                let allowed = (200..300).contains(&row.2[role]);
                if me["permissions"][flag] != allowed {
                    failures.push(format!(
                        "{who}: GET /me permissions.{flag} is {}, but {endpoint} answers {}",
                        me["permissions"][flag], row.2[role]
                    ));
                }
            }
        }
        self.check_no_foreign(failures).await;
    }

    /// No list shows anything of a client the role may not see: checked by
    /// client ids, client names and the e-mails of hidden demo users. Also
    /// valid after mutations added objects everywhere.
    async fn check_no_foreign(&self, failures: &mut Vec<String>) {
        let (_, all_clients) = self.setup.get(&p("/clients")).await;
        let all: Vec<(i64, String)> = items(&all_clients)
            .iter()
            .map(|c| {
                (
                    c["id"].as_i64().expect("id"),
                    c["name"].as_str().expect("name").to_string(),
                )
            })
            .collect();
        for (role, api) in self.apis.iter().enumerate().take(ANON).skip(1) {
            let who = label(role);
            let own: Vec<i64> = SEES_CLIENTS[role]
                .iter()
                .map(|c| self.fx.client(c))
                .collect();
            let foreign_ids: Vec<i64> = all
                .iter()
                .map(|c| c.0)
                .filter(|id| !own.contains(id))
                .collect();
            let foreign_names: Vec<&str> = all
                .iter()
                .filter(|c| foreign_ids.contains(&c.0))
                .map(|c| c.1.as_str())
                .collect();
            let hidden_users: Vec<&str> = ALL_USERS
                .iter()
                .copied()
                .filter(|e| !SEES_USERS[role].contains(e))
                .collect();
            let leak = |failures: &mut Vec<String>, what: &str, item: &Value| {
                failures.push(format!("{who}: {what} shows a foreign item: {item}"));
            };
            let is_foreign = |item: &Value, id_field: &str, name_field: &str| {
                item[id_field]
                    .as_i64()
                    .is_some_and(|id| foreign_ids.contains(&id))
                    || item[name_field]
                        .as_str()
                        .is_some_and(|n| foreign_names.contains(&n))
            };
            for item in items(&api.get(&p("/clients")).await.1) {
                if is_foreign(item, "id", "name") {
                    leak(failures, "GET /clients", item);
                }
            }
            for item in items(&api.get(&p("/projects")).await.1) {
                if is_foreign(item, "client_id", "client_name") {
                    leak(failures, "GET /projects", item);
                }
            }
            for item in items(&api.get(&p("/users")).await.1) {
                let email = item["email"].as_str().unwrap_or_default();
                if is_foreign(item, "client_id", "client_name") || hidden_users.contains(&email) {
                    leak(failures, "GET /users", item);
                }
            }
            for item in items(&api.get(&p("/teams")).await.1) {
                if is_foreign(item, "client_id", "client_name") {
                    leak(failures, "GET /teams", item);
                }
            }
            // Webhooks (made by the rows on this server, if any): never a
            // foreign client's, whatever the role may list.
            let (status, hooks) = api.get(&p("/webhooks")).await;
            if status == 200 {
                for item in items(&hooks) {
                    if is_foreign(item, "client_id", "client_name") {
                        leak(failures, "GET /webhooks", item);
                    }
                }
            }
            for item in api.get(&p("/me")).await.1["projects"]
                .as_array()
                .expect("projects")
            {
                if is_foreign(item, "client_id", "client_name") {
                    leak(failures, "GET /me projects", item);
                }
            }
            // Asking for a foreign client's users gives nothing.
            for id in &foreign_ids {
                let (status, users) = api.get(&p(format!("/users?client_id={id}"))).await;
                if status != 200 || !items(&users).is_empty() {
                    failures.push(format!(
                        "{who}: GET /users?client_id={id} answers {status} {users}"
                    ));
                }
            }
            // A client admin's audit log: their own client's entries only,
            // also when they ask for another client's.
            if role == 1 || role == 2 {
                let own = own[0];
                let (_, log) = api.get(&p("/audit?limit=500")).await;
                if items(&log).is_empty() {
                    failures.push(format!("{who}: GET /audit is empty"));
                }
                for item in items(&log) {
                    if item["client_id"] != own {
                        leak(failures, "GET /audit", item);
                    }
                }
                for id in &foreign_ids {
                    let (status, log) = api
                        .get(&p(format!("/audit?limit=500&client_id={id}")))
                        .await;
                    if status != 200 || !items(&log).is_empty() {
                        failures.push(format!(
                            "{who}: GET /audit?client_id={id} answers {status} {log}"
                        ));
                    }
                }
            }
        }
    }
}

fn ids(items: &[Value], field: &str) -> BTreeSet<i64> {
    items.iter().filter_map(|i| i[field].as_i64()).collect()
}

fn strings(items: &[Value], field: &str) -> BTreeSet<String> {
    items
        .iter()
        .filter_map(|i| i[field].as_str().map(str::to_string))
        .collect()
}

fn expect_eq<T: Ord + std::fmt::Debug>(
    failures: &mut Vec<String>,
    who: &str,
    what: &str,
    want: &BTreeSet<T>,
    got: &BTreeSet<T>,
) {
    if want != got {
        failures.push(format!("{who}: {what} lists {got:?}, expected {want:?}"));
    }
}

async fn load_fixtures(admin: &Api) -> Fixtures {
    let (_, clients_body) = admin.get(&p("/clients")).await;
    let mut clients = HashMap::new();
    let mut client_names = HashMap::new();
    for c in items(&clients_body) {
        let id = c["id"].as_i64().expect("id");
        let name = c["name"].as_str().expect("name");
        client_names.insert(id, name.to_string());
        for (key, wanted) in [("acme", ACME), ("nord", NORD), ("berg", BERG)] {
            if name == wanted {
                clients.insert(key, id);
            }
        }
    }
    assert_eq!(clients.len(), 3, "demo clients: {clients_body}");

    let (_, projects_body) = admin.get(&p("/projects")).await;
    let projects = items(&projects_body)
        .iter()
        .map(|p| {
            (
                p["key"].as_str().expect("key").to_string(),
                p["id"].as_i64().expect("id"),
            )
        })
        .collect();

    let (_, users_body) = admin.get(&p("/users")).await;
    let users: HashMap<String, (i64, String)> = items(&users_body)
        .iter()
        .map(|u| {
            (
                u["email"].as_str().expect("email").to_string(),
                (
                    u["id"].as_i64().expect("id"),
                    u["name"].as_str().expect("name").to_string(),
                ),
            )
        })
        .collect();
    assert_eq!(users.len(), ALL_USERS.len(), "demo users: {users_body}");

    let (_, teams_body) = admin.get(&p("/teams")).await;
    let mut teams = HashMap::new();
    for t in items(&teams_body) {
        let entry = (
            t["id"].as_i64().expect("id"),
            t["name"].as_str().expect("name").to_string(),
        );
        let key = match (t["client_id"].as_i64(), entry.1.as_str()) {
            (None, TEAM_BASIC) => "basic",
            (None, TEAM_PRO) => "pro",
            (Some(c), _) if c == clients["acme"] => "acme",
            (Some(c), _) if c == clients["nord"] => "nord",
            (Some(c), _) if c == clients["berg"] => "berg",
            _ => continue,
        };
        teams.insert(key, entry);
    }
    assert_eq!(teams.len(), 5, "demo teams: {teams_body}");

    Fixtures {
        clients,
        client_names,
        projects,
        users,
        teams,
    }
}

fn group_of(endpoint: &str) -> usize {
    let path = endpoint
        .split_once(' ')
        .map(|(_, path)| path)
        .unwrap_or(endpoint);
    if path.contains("/knowledge") {
        3
    } else if path.starts_with("/projects") {
        0
    } else if path.starts_with("/users") {
        1
    } else {
        2
    }
}

/// The matrix in four groups, each on its own fresh demo server, run
/// side by side: projects; users; clients, teams, audit and own account;
/// knowledge.
/// The exact list contents are checked on the third server before its rows
/// run; after its rows, every server is checked for foreign objects in
/// every role's lists.
#[actix_web::test]
async fn authorization_matrix() {
    let started = Instant::now();
    let groups: Vec<Vec<&Row>> = (0..4)
        .map(|g| MATRIX.iter().filter(|(e, _, _)| group_of(e) == g).collect())
        .collect();

    let run_group = |index: usize| {
        let rows = groups[index].clone();
        async move {
            let ctx = Ctx::new().await;
            let mut failures = Vec::new();
            if index == 2 {
                ctx.check_exact_lists(&mut failures).await;
            }
            let cells = ctx.run(&rows).await;
            ctx.check_no_foreign(&mut failures).await;
            failures.extend(ctx.effects.lock().expect("lock").drain(..));
            ctx.ts.server.stop().await;
            (cells, failures)
        }
    };
    let (projects, users, rest, knowledge) =
        tokio::join!(run_group(0), run_group(1), run_group(2), run_group(3));

    let mut cells = Vec::new();
    let mut failures = Vec::new();
    for (c, f) in [projects, users, rest, knowledge] {
        cells.extend(c);
        failures.extend(f);
    }
    // Back into table order.
    let order: HashMap<(&str, &str), usize> = MATRIX
        .iter()
        .enumerate()
        .map(|(i, r)| ((r.0, r.1), i))
        .collect();
    cells.sort_by_key(|c| (order[&(c.endpoint, c.target)], c.role));

    print_table(&cells);
    let wrong: Vec<&Cell> = cells.iter().filter(|c| !c.problem.is_empty()).collect();
    println!(
        "{} cells ({} rows × {} callers), {} wrong; {} list checks failed; {:.1} s",
        cells.len(),
        MATRIX.len(),
        COLS,
        wrong.len(),
        failures.len(),
        started.elapsed().as_secs_f64()
    );
    let mut report = String::new();
    for c in &wrong {
        report.push_str(&format!(
            "{} {} as {}: {}\n",
            c.endpoint,
            c.target,
            label(c.role),
            c.problem
        ));
    }
    for f in &failures {
        report.push_str(&format!("{f}\n"));
    }
    assert!(
        report.is_empty(),
        "authorization matrix failures:\n{report}"
    );
}

fn print_table(cells: &[Cell]) {
    let width = MATRIX
        .iter()
        .map(|r| r.0.len() + r.1.len() + 1)
        .max()
        .unwrap_or(0);
    let mut out = format!("\n{:width$} ", "endpoint target");
    for role in 0..COLS {
        out.push_str(&format!("{:>8}", label(role)));
    }
    out.push('\n');
    for row in cells.chunks(COLS) {
        let name = format!("{} {}", row[0].endpoint, row[0].target);
        out.push_str(&format!("{name:width$} "));
        for c in row {
            // A wrong cell shows actual!expected.
            let text = if c.problem.is_empty() {
                c.actual.to_string()
            } else {
                format!("{}!{}", c.actual, c.expected)
            };
            out.push_str(&format!("{text:>8}"));
        }
        out.push('\n');
    }
    println!("{out}");
}

/// The table reader refuses what would silently change the matrix.
#[test]
fn matrix_rows_are_read_strictly() {
    let good = "# comment\n\nGET /clients  list  200 200 200 200 200 200 200 200\n";
    assert_eq!(
        parse_matrix(good).expect("good table"),
        vec![("GET /clients", "list", [200; 8])]
    );
    for bad in [
        // a status missing
        "GET /clients list 200 200 200 200 200 200 200",
        // one too many
        "GET /clients list 200 200 200 200 200 200 200 200 200",
        // not a status
        "GET /clients list 200 200 20O 200 200 200 200 200",
        "GET /clients list 200 200 200 200 200 200 200 99",
        // no method
        "/clients list x 200 200 200 200 200 200 200 200",
        "GET  /clients list 200 200 200 200 200 200 200 200",
        // the same row twice
        "GET /clients list 200 200 200 200 200 200 200 200\n\
         GET /clients list 200 200 200 200 200 200 200 403",
        // nothing at all
        "# only a comment",
    ] {
        assert!(parse_matrix(bad).is_err(), "accepted: {bad}");
    }
    assert!(MATRIX.len() > 150, "matrix.txt has {} rows", MATRIX.len());
    // The column header names the roles in the order the statuses are read.
    let header = include_str!("matrix.txt")
        .lines()
        .find(|l| l.starts_with("# endpoint"))
        .expect("matrix.txt names its columns");
    let labels: Vec<&str> = header.split_whitespace().skip(3).collect();
    let roles: Vec<&str> = ROLES.iter().map(|r| r.1).collect();
    assert_eq!(labels, roles, "matrix.txt's columns");
}
