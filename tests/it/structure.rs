//! The direction of dependencies, checked on the source: below the
//! handlers nothing knows the web layer. A file under a domain directory
//! (`src/cases/`, `src/mail/outbound/`, …) other than a `handlers.rs` must
//! not name `crate::http` or `crate::state`, nor take an `AppState`, an
//! `HttpRequest` or an `ApiError`. Services take the narrow pieces they use
//! (`&Db`, an event hub, a guard) and return their domain's error; the
//! handlers map it (`docs/architecture.md`, "Dependency rules").

use crate::common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Directories under `src/` that are not domains: the web layer itself.
const WEB_LAYER: &[&str] = &["http"];

/// What a file below the handlers must not say.
const FORBIDDEN: &[&str] = &[
    "crate::http",
    "crate::state",
    "AppState",
    "HttpRequest",
    "ApiError",
];

/// The code of `text` without comments (line comments, doc comments and
/// block comments), so that prose may name the web layer.
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("//") {
            rest = after.find('\n').map_or("", |i| &after[i..]);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.find("*/").map_or("", |i| &after[i + 2..]);
        } else {
            let mut chars = rest.chars();
            if let Some(c) = chars.next() {
                out.push(c);
            }
            rest = chars.as_str();
        }
    }
    out
}

/// Whether `word` occurs in `code` as a whole path or identifier.
fn mentions(code: &str, word: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    code.match_indices(word).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + word.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

/// The rule broken by one file's text, if any: each forbidden name, and
/// `crate::{…}` groups that bring in `http` or `state`.
fn violations(text: &str) -> Vec<String> {
    let code = code_of(text);
    let mut found: Vec<String> = FORBIDDEN
        .iter()
        .filter(|word| mentions(&code, word))
        .map(|word| word.to_string())
        .collect();
    for (at, _) in code.match_indices("crate::{") {
        let group = &code[at..];
        let group = &group[..group.find('}').unwrap_or(group.len())];
        for module in ["http", "state"] {
            if mentions(group, module) {
                found.push(format!("crate::{{{module}}}"));
            }
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read a source directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every file below the handlers: under a domain directory, not a
/// `handlers.rs`.
fn files_below_handlers(src: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(src).expect("read src/") {
        let path = entry.expect("a directory entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() && !WEB_LAYER.contains(&name) {
            rust_files(&path, &mut files);
        }
    }
    files.retain(|f| f.file_name().is_some_and(|n| n != "handlers.rs"));
    files.sort();
    files
}

#[test]
fn below_the_handlers_nothing_knows_the_web_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = files_below_handlers(&src);
    // The walk itself must see the domains, or the check checks nothing.
    assert!(
        files.iter().any(|f| f.ends_with("cases/service.rs"))
            && files.iter().any(|f| f.ends_with("mail/outbound/worker.rs")),
        "the walk found no domain files under {}",
        src.display()
    );
    assert!(!files.iter().any(|f| f.ends_with("handlers.rs")));
    let broken: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let text = std::fs::read_to_string(file).expect("read a source file");
            let found = violations(&text);
            (!found.is_empty()).then(|| {
                format!(
                    "{}: {}",
                    file.strip_prefix(&src).unwrap_or(file).display(),
                    found.join(", ")
                )
            })
        })
        .collect();
    assert!(
        broken.is_empty(),
        "below the handlers, these files reach into the web layer (take the narrow pieces and return the domain's error instead; see docs/architecture.md, Dependency rules):\n{}",
        broken.join("\n")
    );
}

/// The checker itself sees each way of reaching the web layer, and not
/// words in comments or longer names.
#[test]
fn the_check_sees_imports_and_ignores_prose() {
    let cases: &[(&str, &[&str])] = &[
        ("use crate::http::ApiError;", &["crate::http", "ApiError"]),
        ("use crate::state::AppState;", &["crate::state", "AppState"]),
        ("use crate::{db::Db, http};", &["crate::{http}"]),
        (
            "use crate::{\n    db::Db,\n    state::AppState,\n};",
            &["AppState", "crate::{state}"],
        ),
        ("fn f(req: &actix_web::HttpRequest) {}", &["HttpRequest"]),
        (
            "fn f() -> Result<(), crate::http::ApiError> { todo!() }",
            &["crate::http", "ApiError"],
        ),
        (
            "// the handler maps it to an ApiError via crate::http\nfn f() {}",
            &[],
        ),
        ("/// Like `AppState`, but narrow.\nstruct Narrow;", &[]),
        ("/* crate::state */ fn f() {}", &[]),
        ("struct AppStateless; fn crate_http() {}", &[]),
    ];
    for (text, expected) in cases {
        let mut found = violations(text);
        found.sort();
        let mut expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(found, expected, "{text}");
    }
}

/// Cases know no channel's sending: an outbound message goes into the one
/// outbox keyed by channel (`cases::outbox`), and each channel's consumer
/// (`crate::channels`, which the handlers call without naming a channel)
/// takes it. So no file of `src/cases/` names the mail domain, and a new
/// channel changes nothing there.
#[test]
fn cases_queue_outbound_messages_without_knowing_the_channels() {
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cases");
    let mut files = Vec::new();
    rust_files(&cases, &mut files);
    assert!(files.iter().any(|f| f.ends_with("service.rs")));
    let broken: Vec<String> = files
        .iter()
        .filter(|file| {
            let code = code_of(&std::fs::read_to_string(file).expect("read a source file"));
            mentions(&code, "crate::mail")
        })
        .map(|file| file.display().to_string())
        .collect();
    assert!(
        broken.is_empty(),
        "these files of src/cases/ call a channel directly (queue in cases::outbox instead):\n{}",
        broken.join("\n")
    );
}

// ---- errors: a server error shows a reference, never a path ----------------

const ANNA: &str = "anna.schmidt@acme-energie.example";
const ADMIN: &str = "admin@zezaro.example";

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(files_under(&path));
            } else {
                found.push(path);
            }
        }
    }
    found
}

fn assert_reference(text: &str) -> String {
    let reference = text
        .split("reference")
        .nth(1)
        .map(|rest| {
            rest.chars()
                .skip_while(|c| !c.is_ascii_hexdigit())
                .take_while(char::is_ascii_hexdigit)
                .collect::<String>()
        })
        .unwrap_or_default();
    assert_eq!(reference.len(), 16, "no reference in {text}");
    reference
}

/// A 500 answers a problem with a reference id (the log line with the
/// cause has it) and nothing of the server's file system.
#[actix_web::test]
async fn a_server_error_answers_a_reference_and_no_path() {
    let ts = common::demo_server().await;
    let anna = ts.token_client(ANNA);
    let acme = ts.id_of("/api/v1/projects", "key", "ACME").await;
    let (_, case) = anna
        .post(
            "/api/v1/cases",
            json!({"project_id": acme, "subject": "Mit Anhang", "channel": "email"}),
        )
        .await;
    let id = case["id"].as_i64().unwrap();
    let response = anna
        .raw(
            Method::POST,
            &format!("/api/v1/cases/{id}/attachments?filename=a.pdf"),
            Some(("application/pdf", b"%PDF-1.4 lost".to_vec())),
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let attachment: Value = response.json().await.unwrap();
    // The content vanishes from the disk behind the server's back.
    let files = files_under(&ts.dir.path().join("attachments"));
    assert!(!files.is_empty());
    for file in files {
        std::fs::remove_file(file).unwrap();
    }
    let (status, body) = anna
        .get(&format!("/api/v1/attachments/{}", attachment["id"]))
        .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert_eq!(body["code"], "internal");
    let reference = body["reference"].as_str().unwrap_or_default();
    assert_eq!(reference.len(), 16, "{body}");
    assert!(reference.chars().all(|c| c.is_ascii_hexdigit()), "{body}");
    let text = body.to_string();
    assert!(!text.contains(&*ts.dir.path().to_string_lossy()), "{body}");
    assert!(!text.contains("attachments/"), "{body}");
}

/// A failed backup shows admins why in general words and a reference, not
/// the server's paths (`backup-failed` showed one).
#[actix_web::test]
async fn a_failed_backup_shows_a_reference_and_no_path() {
    let ts = common::server_with(true, |c| {
        // The backup directory lies under a plain file: it cannot be made.
        let blocker = c.data_dir.join("not-a-directory");
        std::fs::write(&blocker, b"x").unwrap();
        c.backup_dir = Some(blocker.join("backups"));
    })
    .await;
    let admin = ts.token_client(ADMIN);
    let (status, job) = admin.post("/api/v1/backups", json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    let deadline = Instant::now() + Duration::from_secs(60);
    let job = loop {
        let (_, job) = admin.get("/api/v1/backups/job").await;
        if job["state"] == "failed" || job["state"] == "done" {
            break job;
        }
        assert!(Instant::now() < deadline, "the backup did not end: {job}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(job["state"], "failed", "{job}");
    let dir = ts.dir.path().to_string_lossy().into_owned();
    let error = job["error"].as_str().unwrap_or_default();
    assert!(
        !error.contains(&dir) && !error.contains("not-a-directory"),
        "{job}"
    );
    assert_reference(error);
    let (_, services) = admin.get("/api/v1/services").await;
    let text = services.to_string();
    assert!(
        !text.contains(&dir) && !text.contains("not-a-directory"),
        "{services}"
    );
}

// ---- channels: the mail sender consumes the outbox -------------------------

/// An outbound message that a writer queued without dispatching it (any
/// future writer: a workflow, an import) is taken by the mail channel's
/// consumer, the sender, at its next run: its delivery appears on the case
/// and the outbox is empty again.
#[actix_web::test]
async fn the_mail_sender_takes_what_waits_in_the_outbox() {
    use zezaro::cases::{MessageKind, NewMessage};
    let ts = common::demo_server().await;
    let admin = ts.token_client(ADMIN);
    let state = &ts.server.state;
    let (case_id, message_id) = state
        .db
        .write_blocking(|tx| {
            let case_id: i64 = tx.query_row(
                "SELECT id FROM cases WHERE channel = 'email' ORDER BY id LIMIT 1",
                [],
                |r| r.get(0),
            )?;
            let created = zezaro::cases::service::add_message(
                tx,
                &zezaro::auth::Principal::operator(),
                case_id.into(),
                NewMessage {
                    kind: MessageKind::Outbound,
                    body_text: "Ihre Antwort".into(),
                    expected_version: None,
                    force: true,
                    set_status: None,
                    attachment_ids: Vec::new(),
                    mail: None,
                    call: None,
                },
            )?;
            Ok::<_, zezaro::cases::CaseError>((case_id, created.message.id))
        })
        .unwrap();
    let waiting = |conn: &rusqlite::Connection| -> rusqlite::Result<(i64, i64)> {
        conn.query_row(
            "SELECT (SELECT count(*) FROM outbox WHERE message_id = ?1),
                    (SELECT count(*) FROM mail_outbox WHERE message_id = ?1)",
            [message_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    };
    let queued = state
        .db
        .read_blocking(|conn| Ok::<_, zezaro::db::StoreError>(waiting(conn)?))
        .unwrap();
    assert_eq!(queued, (1, 0), "queued by channel, not yet a mail");
    state.services.poke("mail.send");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = state
            .db
            .read_blocking(|conn| Ok::<_, zezaro::db::StoreError>(waiting(conn)?))
            .unwrap();
        if now == (0, 1) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the sender did not take it: {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, deliveries) = admin
        .get(&format!("/api/v1/cases/{case_id}/deliveries"))
        .await;
    assert_eq!(status, StatusCode::OK, "{deliveries}");
    assert!(
        deliveries["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["message_id"] == message_id),
        "{deliveries}"
    );
}
