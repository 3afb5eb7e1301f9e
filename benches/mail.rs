//! E-mail ingestion benchmark (issue 4). Run: `cargo bench --bench mail`
//! (release build; needs Debian's dovecot-imapd). Two figures, each the
//! median of five runs on a fresh store with the demo data:
//!
//! 1. parse + store: typical 30 KB messages (text + HTML alternative and a
//!    small attachment) parsed, their contents written and synced, filed
//!    as cases in durable commits of one fetcher batch each (`BATCH` in
//!    src/mail/fetcher.rs) — without IMAP;
//! 2. end to end: the same messages delivered to a local Dovecot, taken by
//!    the fetcher over IMAP into cases (durable commits), marked seen.
//!
//! Before the runs, a breakdown (one thread, up to 1000 messages) shows
//! where a message's time goes: mail-parser, ammonia, hashing, the pack
//! write and sync, and each SQL statement of the filing.
//!
//! Options (environment): MAIL_BENCH_N (messages per run, default 2000),
//! MAIL_BENCH_RUNS (default 5),
//! MAIL_BENCH_BREAKDOWN=0 (skip the breakdown), MAIL_BENCH_E2E=0 (skip the
//! Dovecot runs), MAIL_BENCH_BATCH (messages per batch instead of the
//! fetcher's, for experiments), MAIL_BENCH_COMPARE_SECURE_DELETE=1 (each
//! run parses and stores twice, with the store's `secure_delete` on and
//! off, alternating: what erasing for good costs ingestion).

#[path = "../tests/common/mailserver.rs"]
#[allow(dead_code)]
mod mailserver;

use std::sync::Arc;
use std::time::Instant;

use zezaro::auth::Principal;
use zezaro::blobs::BlobStore;
use zezaro::db::{Db, StoreError};
use zezaro::mail::ingest::{self, BlobBatch, Target};
use zezaro::mail::parse::Limits;

fn message(i: usize) -> Vec<u8> {
    let sentence = "Sehr geehrte Damen und Herren, mein Zählerstand ist heute abgelesen worden und ich bitte um Prüfung der Abschlagszahlung. ";
    let text: String = sentence.repeat(60);
    let html = format!(
        "<html><body><p>{}</p><table><tr><td>Zähler</td><td>{i}</td></tr></table></body></html>",
        sentence.repeat(90)
    );
    let attachment: String = (0..6000)
        .map(|n| (b'A' + ((n * 7 + i) % 26) as u8) as char)
        .collect::<String>()
        .as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8_lossy(c).into_owned() + "\r\n")
        .collect();
    let reply = if i % 5 == 4 {
        format!("In-Reply-To: <bench-{}@kunde.example>\r\n", i - 1)
    } else {
        String::new()
    };
    format!(
        "From: Kunde {s} <kunde{s}@kunde.example>\r\nTo: support@acme-energie.example\r\nSubject: Anfrage {i}\r\nMessage-ID: <bench-{i}@kunde.example>\r\n{reply}MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\nContent-Type: multipart/alternative; boundary=\"a\"\r\n\r\n--a\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n--a\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{html}\r\n--a--\r\n--m\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"foto-{i}.png\"\r\n\r\n{attachment}--m--\r\n",
        s = i % 50
    )
    .into_bytes()
}

/// Directories (and servers) of finished runs, removed only after the
/// last run: deleting thousands of files leaves ext4 slow to create new
/// ones for some seconds (it skips recently freed inodes), which would
/// count against the next run rather than the one that made them.
static KEEP: std::sync::Mutex<Vec<Box<dyn std::any::Any + Send>>> =
    std::sync::Mutex::new(Vec::new());

fn keep(thing: impl std::any::Any + Send) {
    KEEP.lock().expect("keep").push(Box::new(thing));
}

struct Store {
    _dir: tempfile::TempDir,
    db: Db,
    path: std::path::PathBuf,
    target: Target,
}

fn store(secure_delete: bool) -> Store {
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, _) = Db::open(dir.path()).expect("store");
    zezaro::demo::seed(&db).expect("demo data");
    if !secure_delete {
        // The writer connection keeps the setting after the transaction.
        db.write_blocking(|tx| {
            tx.execute_batch("PRAGMA secure_delete = OFF")
                .map_err(StoreError::from)
        })
        .expect("pragma");
    }
    let target = db
        .read_blocking(|c| {
            Ok::<_, StoreError>(c.query_row(
                "SELECT id, client_id FROM projects WHERE key = 'ACME'",
                [],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
            )?)
        })
        .expect("ACME");
    let path = dir.path().to_path_buf();
    Store {
        _dir: dir,
        db,
        path,
        target: Target {
            mailbox_id: 0,
            project_id: target.0.into(),
            client_id: target.1.into(),
        },
    }
}

fn create_mailbox(s: &mut Store, dovecot: Option<&mailserver::Dovecot>) -> i64 {
    let sealer = zezaro::mail::secrets::Sealer::load_or_create(&s.path).expect("key");
    let body = match dovecot {
        Some(d) => d.mailbox_json("bench@acme-energie.example"),
        None => mailserver::Dovecot::placeholder_json("bench@acme-energie.example"),
    };
    let input: zezaro::mail::model::NewMailbox = serde_json::from_value(body).expect("json");
    let project = s.target.project_id;
    let mailbox =
        s.db.write_blocking(|tx| {
            zezaro::mail::service::create(
                tx,
                &Principal::operator(),
                &sealer,
                &zezaro::net::HostPolicy::parse(["127.0.0.1", "localhost"]).expect("policy"),
                project,
                input,
            )
        })
        .expect("mailbox");
    s.target.mailbox_id = mailbox.id;
    mailbox.id
}

/// Writes out what is still dirty (the build's output, the store just
/// seeded, the run before), so that each run measures its own writes.
fn settle_disk() {
    let _ = std::process::Command::new("sync").status();
}

/// Messages per batch: the fetcher's, unless MAIL_BENCH_BATCH says otherwise.
fn batch_size() -> usize {
    std::env::var("MAIL_BENCH_BATCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(zezaro::mail::fetcher::BATCH)
}

/// Messages per second, parsing and filing without IMAP: fetcher batches
/// through `ingest::Pipeline`, the fetcher's own path (contents packed and
/// synced, one durable commit per batch, live events; each batch parsed
/// while the one before it is filed).
fn parse_and_store(
    runtime: &tokio::runtime::Runtime,
    messages: &[Vec<u8>],
    secure_delete: bool,
) -> f64 {
    let mut s = store(secure_delete);
    create_mailbox(&mut s, None);
    let blobs = BlobStore::new(&s.path);
    let hub = zezaro::cases::CaseHub::default();
    let limits = Limits::for_attachments(25 * 1024 * 1024);
    // The fetcher hands over owned bytes from IMAP; copied before the clock.
    let batches: Vec<Vec<(u32, Vec<u8>)>> = messages
        .chunks(batch_size())
        .enumerate()
        .map(|(chunk_no, chunk)| {
            chunk
                .iter()
                .enumerate()
                .map(|(i, raw)| ((chunk_no * batch_size() + i + 1) as u32, raw.clone()))
                .collect()
        })
        .collect();
    let mut pipeline =
        ingest::Pipeline::new(s.db.clone(), blobs, Arc::new(hub), limits, s.target, 1);
    settle_disk();
    let started = Instant::now();
    let filed = runtime.block_on(async {
        let mut filed = 0;
        for batch in batches {
            if let Some(done) = pipeline.push(batch).await.expect("filed") {
                filed += done.outcomes.len();
            }
        }
        if let Some(done) = pipeline.finish().await.expect("filed") {
            filed += done.outcomes.len();
        }
        filed
    });
    let rate = messages.len() as f64 / started.elapsed().as_secs_f64();
    assert_eq!(filed, messages.len());
    let cases: i64 =
        s.db.read_blocking(|c| {
            Ok::<_, StoreError>(c.query_row(
                "SELECT count(*) FROM mail_inbound WHERE case_id IS NOT NULL",
                [],
                |r| r.get(0),
            )?)
        })
        .expect("count");
    assert_eq!(cases as usize, messages.len());
    keep(s._dir);
    rate
}

/// Messages per second from Dovecot into cases.
async fn end_to_end(messages: &[Vec<u8>]) -> f64 {
    let dovecot = mailserver::Dovecot::start();
    for raw in messages {
        dovecot.deliver(raw);
    }
    let mut s = store(true);
    let id = create_mailbox(&mut s, Some(&dovecot));
    let sealer = zezaro::mail::secrets::Sealer::load_or_create(&s.path).expect("key");
    let fetchers = zezaro::mail::Fetchers::new(
        s.db.clone(),
        sealer,
        &s.path,
        25 * 1024 * 1024,
        Arc::new(zezaro::cases::CaseHub::default()),
        zezaro::services::Registry::new(s.db.clone()),
        zezaro::net::HostPolicy::parse(["127.0.0.1", "localhost"]).expect("policy"),
    );
    settle_disk();
    let started = Instant::now();
    let report = fetchers.fetch_now(id).await.expect("fetch");
    let rate = messages.len() as f64 / started.elapsed().as_secs_f64();
    assert_eq!(report.taken, messages.len(), "{report:?}");
    assert_eq!(dovecot.seen(""), messages.len());
    keep(s._dir);
    keep(dovecot);
    rate
}

/// Where the time of one message goes, phase by phase, measured on one
/// thread (CPU per message) apart from the throughput runs: mail-parser,
/// ammonia, hashing, blob writes and syncs, and every SQL statement of the
/// filing (timed through SQLite's statement trace).
fn breakdown(messages: &[Vec<u8>]) {
    use std::hint::black_box;
    use std::time::Duration;
    let n = messages.len() as f64;
    let per = |d: Duration| d.as_secs_f64() * 1e6 / n;
    let limits = Limits::for_attachments(25 * 1024 * 1024);

    let t = Instant::now();
    for m in messages {
        black_box(mail_parser::MessageParser::default().parse(m.as_slice()));
    }
    let mime = t.elapsed();
    let htmls: Vec<String> = messages
        .iter()
        .filter_map(|m| {
            mail_parser::MessageParser::default()
                .parse(m.as_slice())
                .and_then(|p| p.body_html(0).map(|h| h.into_owned()))
        })
        .collect();
    let t = Instant::now();
    for h in &htmls {
        black_box(zezaro::mail::parse::sanitize_html(h));
    }
    let ammonia = t.elapsed();
    let t = Instant::now();
    let parsed: Vec<_> = messages
        .iter()
        .map(|m| zezaro::mail::parse::parse(m, limits))
        .collect();
    let parse_all = t.elapsed();
    let t = Instant::now();
    for (m, p) in messages.iter().zip(&parsed) {
        black_box(ring::digest::digest(&ring::digest::SHA256, m));
        for part in &p.parts {
            black_box(ring::digest::digest(&ring::digest::SHA256, &part.data));
        }
    }
    let hashing = t.elapsed();
    println!(
        "  breakdown (one thread, µs per message): mail-parser {:.0}, ammonia {:.0}, parse::parse in all {:.0}, SHA-256 of raw + parts {:.0}",
        per(mime),
        per(ammonia),
        per(parse_all),
        per(hashing)
    );
    drop(parsed);

    // Contents the way the store writes them: one pack per batch.
    let dir = tempfile::tempdir().expect("temp dir");
    let packs = BlobStore::new(dir.path());
    keep(dir);
    let (mut write, mut sync) = (Duration::ZERO, Duration::ZERO);
    for chunk in messages.chunks(batch_size()) {
        let t = Instant::now();
        let mut pack = zezaro::blobs::pack::PackWriter::new(&packs);
        for (i, m) in chunk.iter().enumerate() {
            for (k, bytes) in [m.as_slice(), &m[..m.len().min(4500)]].iter().enumerate() {
                pack.add(&format!("{i}-{k}"), bytes).expect("write");
            }
        }
        write += t.elapsed();
        let t = Instant::now();
        pack.sync().expect("sync");
        sync += t.elapsed();
    }
    println!(
        "  contents (raw + attachment, one pack per batch; µs per message): write {:.0}, sync {:.0}",
        per(write),
        per(sync)
    );

    // Filing, statement by statement.
    let mut s = store(true);
    create_mailbox(&mut s, None);
    let blobs = BlobStore::new(&s.path);
    let (mut prepare, mut commit_blobs, mut filing, mut commit) = (
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
    );
    sql_profile::reset();
    for (chunk_no, chunk) in messages.chunks(batch_size()).enumerate() {
        let t = Instant::now();
        let mut batch = BlobBatch::new(&blobs);
        let raws: Vec<&[u8]> = chunk.iter().map(Vec::as_slice).collect();
        let prepared = ingest::prepare_all(&mut batch, &raws, limits).expect("prepare");
        prepare += t.elapsed();
        let t = Instant::now();
        batch.commit().expect("blobs");
        commit_blobs += t.elapsed();
        let target = s.target;
        let t = Instant::now();
        let mut inside = Duration::ZERO;
        s.db.write_blocking(|tx| {
            let t = Instant::now();
            sql_profile::start(tx);
            let prepared: Vec<(u32, ingest::Prepared)> = prepared
                .iter()
                .enumerate()
                .map(|(i, p)| ((chunk_no * batch_size() + i + 1) as u32, p.clone()))
                .collect();
            ingest::file_prepared(tx, target, 1, &prepared)?;
            sql_profile::stop(tx);
            inside = t.elapsed();
            Ok::<_, zezaro::mail::MailError>(())
        })
        .expect("filed");
        filing += inside;
        commit += t.elapsed() - inside;
    }
    println!(
        "  pipeline steps (µs per message): prepare_all {:.0} (2 threads), BlobBatch::commit {:.0}, ingest {:.0}, SQLite commit {:.0}",
        per(prepare),
        per(commit_blobs),
        per(filing),
        per(commit)
    );
    sql_profile::report(n, per(filing));
    keep(s._dir);
}

/// Times every SQL statement of a transaction with SQLite's trace hooks
/// (start and end of each statement, our own clock).
#[allow(unsafe_code)]
mod sql_profile {
    use std::collections::HashMap;
    use std::ffi::{CStr, c_char, c_int, c_uint, c_void};
    use std::sync::Mutex;
    use std::time::{Duration, Instant};

    use rusqlite::ffi;

    #[derive(Default)]
    struct Stat {
        count: u64,
        total: Duration,
        nested: bool,
    }

    #[derive(Default)]
    struct State {
        running: Vec<(usize, Instant)>,
        stats: HashMap<String, Stat>,
    }

    static STATE: Mutex<Option<State>> = Mutex::new(None);

    pub fn reset() {
        *STATE.lock().expect("lock") = Some(State::default());
    }

    unsafe extern "C" fn callback(
        event: c_uint,
        _ctx: *mut c_void,
        p: *mut c_void,
        x: *mut c_void,
    ) -> c_int {
        let now = Instant::now();
        let mut guard = STATE.lock().expect("lock");
        let Some(state) = guard.as_mut() else {
            return 0;
        };
        if event == ffi::SQLITE_TRACE_STMT as c_uint {
            // SAFETY: for this event X is the statement's SQL text.
            let text = unsafe { CStr::from_ptr(x as *const c_char) }.to_bytes();
            if !text.starts_with(b"--") {
                state.running.push((p as usize, now));
            }
        } else if event == ffi::SQLITE_TRACE_PROFILE as c_uint
            && let Some(pos) = state.running.iter().rposition(|(s, _)| *s == p as usize)
        {
            let (_, started) = state.running.remove(pos);
            // SAFETY: P is the statement being reported.
            let sql = unsafe { ffi::sqlite3_sql(p as *mut ffi::sqlite3_stmt) };
            let sql = if sql.is_null() {
                String::from("?")
            } else {
                // SAFETY: SQLite's copy of the statement's text, non-null
                // (checked above), valid while the statement is.
                unsafe { CStr::from_ptr(sql) }
                    .to_string_lossy()
                    .into_owned()
            };
            let key: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
            let key: String = key.chars().take(110).collect();
            let stat = state.stats.entry(key).or_default();
            stat.count += 1;
            stat.total += now - started;
            stat.nested |= pos > 0;
        }
        0
    }

    pub fn start(conn: &rusqlite::Connection) {
        // SAFETY: the handle is the open connection; the callback is static.
        unsafe {
            ffi::sqlite3_trace_v2(
                conn.handle(),
                (ffi::SQLITE_TRACE_STMT | ffi::SQLITE_TRACE_PROFILE) as c_uint,
                Some(callback),
                std::ptr::null_mut(),
            );
        }
    }

    pub fn stop(conn: &rusqlite::Connection) {
        // SAFETY: as above; turns the trace off.
        unsafe {
            ffi::sqlite3_trace_v2(conn.handle(), 0, None, std::ptr::null_mut());
        }
    }

    /// Prints the statements by total time (µs per message).
    pub fn report(n: f64, filing: f64) {
        let guard = STATE.lock().expect("lock");
        let Some(state) = guard.as_ref() else {
            return;
        };
        let mut rows: Vec<(&String, &Stat)> = state.stats.iter().collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.1.total));
        let top: f64 = rows
            .iter()
            .filter(|(_, s)| !s.nested)
            .map(|(_, s)| s.total.as_secs_f64())
            .sum::<f64>()
            * 1e6
            / n;
        println!(
            "  SQL (µs per message, with tracing): statements {top:.0} of ingest {filing:.0}; the rest is Rust around them and the trace"
        );
        for (sql, stat) in rows.iter().take(30) {
            println!(
                "    {:>6.1} µs {:>5.2}× {}{}",
                stat.total.as_secs_f64() * 1e6 / n,
                stat.count as f64 / n,
                if stat.nested { "(nested) " } else { "" },
                sql
            );
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        // `cargo test --benches` runs benches as tests: nothing to list.
        return;
    }
    let n: usize = std::env::var("MAIL_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let messages: Vec<Vec<u8>> = (0..n).map(message).collect();
    let average = messages.iter().map(Vec::len).sum::<usize>() / n;
    println!("{n} messages of {average} bytes on average");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    if std::env::var("MAIL_BENCH_BREAKDOWN")
        .ok()
        .is_none_or(|v| v != "0")
    {
        breakdown(&messages[..n.min(1000)]);
    }
    // `MAIL_BENCH_E2E=0` leaves out the Dovecot runs (for profiling).
    let with_e2e = std::env::var("MAIL_BENCH_E2E")
        .ok()
        .is_none_or(|v| v != "0");
    let mut parse = Vec::new();
    let mut parse_without = Vec::new();
    let compare = std::env::var("MAIL_BENCH_COMPARE_SECURE_DELETE").is_ok_and(|v| v == "1");
    let mut e2e = Vec::new();
    let runs: usize = std::env::var("MAIL_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    for run in 1..=runs {
        let p = if compare && run % 2 == 0 {
            let off = parse_and_store(&runtime, &messages, false);
            parse_without.push(off);
            parse_and_store(&runtime, &messages, true)
        } else {
            parse_and_store(&runtime, &messages, true)
        };
        if compare && run % 2 == 1 {
            parse_without.push(parse_and_store(&runtime, &messages, false));
        }
        if compare {
            println!(
                "run {run}: parse+store without secure_delete {:.0} msg/s",
                parse_without[parse_without.len() - 1]
            );
        }
        let e = if with_e2e {
            runtime.block_on(end_to_end(&messages))
        } else {
            f64::NAN
        };
        println!("run {run}: parse+store {p:.0} msg/s, end to end {e:.0} msg/s");
        parse.push(p);
        e2e.push(e);
    }
    println!(
        "median: parse+store {:.0} msg/s, end to end (Dovecot → cases) {:.0} msg/s",
        median(parse.clone()),
        median(e2e)
    );
    if compare {
        let (with, without) = (median(parse.clone()), median(parse_without));
        println!(
            "median: parse+store {with:.0} msg/s with secure_delete, {without:.0} msg/s without ({:+.1} %)",
            (with / without - 1.0) * 100.0
        );
    }
    KEEP.lock().expect("keep").clear();
}
