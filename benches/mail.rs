//! E-mail ingestion benchmark (issue 4). Run: `cargo bench --bench mail`
//! (release build; needs Debian's dovecot-imapd). Two figures, each the
//! median of three runs on a fresh store with the demo data:
//!
//! 1. parse + store: typical 30 KB messages (text + HTML alternative and a
//!    small attachment) parsed, their blobs written and synced, filed as
//!    cases in durable commits of 100 messages — without IMAP;
//! 2. end to end: the same messages delivered to a local Dovecot, taken by
//!    the fetcher over IMAP into cases (durable commits), marked seen.
//!
//! Options (environment): MAIL_BENCH_N (messages per run, default 2000).

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

struct Store {
    _dir: tempfile::TempDir,
    db: Db,
    path: std::path::PathBuf,
    target: Target,
}

fn store() -> Store {
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, _) = Db::open(dir.path()).expect("store");
    zezaro::demo::seed(&db).expect("demo data");
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
            project_id: target.0,
            client_id: target.1,
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
            zezaro::mail::service::create(tx, &Principal::operator(), &sealer, project, input)
        })
        .expect("mailbox");
    s.target.mailbox_id = mailbox.id;
    mailbox.id
}

/// Messages per second, parsing and filing without IMAP.
fn parse_and_store(messages: &[Vec<u8>]) -> f64 {
    let mut s = store();
    create_mailbox(&mut s, None);
    let blobs = BlobStore::new(&s.path);
    let limits = Limits::for_attachments(25 * 1024 * 1024);
    let started = Instant::now();
    let (mut parsing, mut syncing, mut filing) = (0.0, 0.0, 0.0);
    for (chunk_no, chunk) in messages.chunks(100).enumerate() {
        let phase = Instant::now();
        let mut batch = BlobBatch::new(&blobs);
        let raws: Vec<&[u8]> = chunk.iter().map(Vec::as_slice).collect();
        let prepared = ingest::prepare_all(&mut batch, &raws, limits).expect("prepare");
        parsing += phase.elapsed().as_secs_f64();
        let phase = Instant::now();
        batch.commit().expect("blobs");
        syncing += phase.elapsed().as_secs_f64();
        let phase = Instant::now();
        let target = s.target;
        s.db.write_blocking(|tx| {
            for (i, p) in prepared.iter().enumerate() {
                let uid = (chunk_no * 100 + i + 1) as u32;
                ingest::ingest(tx, target, Some(1), Some(uid), p)?;
            }
            Ok::<_, zezaro::mail::MailError>(())
        })
        .expect("filed");
        filing += phase.elapsed().as_secs_f64();
    }
    let rate = messages.len() as f64 / started.elapsed().as_secs_f64();
    let per = |secs: f64| secs * 1e6 / messages.len() as f64;
    println!(
        "  per message: parse + queue blobs {:.0} µs, sync blobs {:.0} µs, file in store {:.0} µs",
        per(parsing),
        per(syncing),
        per(filing)
    );
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
    rate
}

/// Messages per second from Dovecot into cases.
async fn end_to_end(messages: &[Vec<u8>]) -> f64 {
    let dovecot = mailserver::Dovecot::start();
    for raw in messages {
        dovecot.deliver(raw);
    }
    let mut s = store();
    let id = create_mailbox(&mut s, Some(&dovecot));
    let sealer = zezaro::mail::secrets::Sealer::load_or_create(&s.path).expect("key");
    let fetchers = Arc::new(zezaro::mail::Fetchers::new(
        s.db.clone(),
        sealer,
        &s.path,
        25 * 1024 * 1024,
        Arc::new(zezaro::cases::CaseHub::default()),
    ));
    let started = Instant::now();
    let report = fetchers.fetch_now(id).await.expect("fetch");
    let rate = messages.len() as f64 / started.elapsed().as_secs_f64();
    assert_eq!(report.taken, messages.len(), "{report:?}");
    assert_eq!(dovecot.seen(""), messages.len());
    dovecot.stop();
    rate
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
    let mut parse = Vec::new();
    let mut e2e = Vec::new();
    for run in 1..=3 {
        let p = parse_and_store(&messages);
        let e = runtime.block_on(end_to_end(&messages));
        println!("run {run}: parse+store {p:.0} msg/s, end to end {e:.0} msg/s");
        parse.push(p);
        e2e.push(e);
    }
    println!(
        "median: parse+store {:.0} msg/s, end to end (Dovecot → cases) {:.0} msg/s",
        median(parse),
        median(e2e)
    );
}
