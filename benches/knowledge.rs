//! The knowledge base at size (issue 14): search and suggestions beside a
//! case. Run: `cargo bench --bench knowledge` (release build). Builds a
//! store with the demo data, then writes directly with SQL (as the demo
//! generator does) KB_BENCH_ARTICLES articles of Acme (default 50,000),
//! each published in German and English (two search rows per article),
//! tagged, a tenth limited to one project; and KB_BENCH_CASES cases
//! (default 1,000,000) with one customer message each. Then, through the
//! service functions the handlers call (`knowledge::service::search`,
//! `knowledge::suggest::suggestions`), on one reader connection:
//!
//! 1. search: KB_BENCH_QUERIES queries (default 300) of one or two words
//!    or a prefix, as an agent (the reader's scope with project limits)
//!    and as an editor;
//! 2. suggestions for random cases (subject + first message, as the agent).
//!
//! Reports median, p95 and max per kind in milliseconds.

use std::time::Instant;

use rusqlite::params;
use zezaro::auth::{MemberRole, Membership, Principal, Role};
use zezaro::db::{Db, StoreError};
use zezaro::knowledge::model::KnowledgeSearch;
use zezaro::search::stats::PhraseCounts;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const WORDS_DE: &[&str] = &[
    "abschlag",
    "abrechnung",
    "zählerstand",
    "umzug",
    "tarif",
    "vertrag",
    "kündigung",
    "rechnung",
    "gutschrift",
    "nachzahlung",
    "mahnung",
    "lastschrift",
    "kundenportal",
    "zählernummer",
    "ablesung",
    "strom",
    "gas",
    "ökostrom",
    "preis",
    "grundpreis",
    "arbeitspreis",
    "verbrauch",
    "kilowattstunde",
    "anschrift",
    "einzug",
    "auszug",
    "schlussrechnung",
    "wechsel",
    "anbieter",
    "netzbetreiber",
    "messstelle",
    "smartmeter",
    "störung",
    "stromausfall",
    "zahlung",
    "rate",
    "frist",
    "bonus",
    "prämie",
    "neukunde",
    "bestandskunde",
    "passwort",
    "anmeldung",
    "app",
    "e-mail",
    "telefon",
    "rückruf",
    "beschwerde",
    "widerruf",
    "lieferbeginn",
    "lieferende",
    "sonderkündigung",
    "preisgarantie",
    "steuer",
    "umlage",
    "netzentgelt",
    "brennwert",
    "zustandszahl",
    "heizung",
    "wärmepumpe",
    "nachtstrom",
    "zweitarif",
    "foto",
    "schätzung",
    "korrektur",
    "erstattung",
    "guthaben",
    "iban",
    "mandat",
    "mahngebühr",
    "sperre",
    "sperrung",
];
const WORDS_EN: &[&str] = &[
    "instalment",
    "bill",
    "meter",
    "reading",
    "move",
    "tariff",
    "contract",
    "cancellation",
    "invoice",
    "credit",
    "payment",
    "reminder",
    "portal",
    "electricity",
    "gas",
    "price",
    "consumption",
    "address",
    "supplier",
    "outage",
    "refund",
    "deposit",
    "password",
    "login",
    "complaint",
    "withdrawal",
    "guarantee",
    "tax",
    "heating",
    "estimate",
    "correction",
];
const FILLER: &[&str] = &[
    "der",
    "die",
    "das",
    "und",
    "wird",
    "im",
    "mit",
    "für",
    "bei",
    "nach",
    "kunden",
    "bitte",
    "können",
    "werden",
    "innerhalb",
    "tagen",
    "monat",
    "jahr",
    "online",
    "schriftlich",
];

fn text(rng: &mut Rng, words: &[&str], n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        if i > 0 {
            out.push(' ');
        }
        if rng.below(3) == 0 {
            out.push_str(words[rng.below(words.len())]);
        } else {
            out.push_str(FILLER[rng.below(FILLER.len())]);
        }
    }
    out
}

fn percentiles(mut ms: Vec<f64>) -> (f64, f64, f64) {
    ms.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| ms[((ms.len() as f64 - 1.0) * q).round() as usize];
    (at(0.5), at(0.95), *ms.last().unwrap_or(&0.0))
}

fn report(name: &str, ms: Vec<f64>) {
    let n = ms.len();
    let (median, p95, max) = percentiles(ms);
    println!("{name:<44} n={n:<5} median {median:>7.2} ms   p95 {p95:>7.2} ms   max {max:>7.2} ms");
}

fn main() {
    let articles = env("KB_BENCH_ARTICLES", 50_000);
    let cases = env("KB_BENCH_CASES", 1_000_000);
    let queries = env("KB_BENCH_QUERIES", 300);
    // KB_BENCH_STORE: build the store there once and reuse it on later runs
    // (for comparing changes to the ranking without rebuilding 1.5 GB).
    let temp;
    let path = match std::env::var_os("KB_BENCH_STORE") {
        Some(path) => {
            std::fs::create_dir_all(&path).expect("store dir");
            std::path::PathBuf::from(path)
        }
        None => {
            temp = tempfile::tempdir().expect("temp dir");
            temp.path().to_path_buf()
        }
    };
    if path.join(zezaro::db::STORE_FILE).exists() {
        println!("store: reusing {}", path.display());
    } else {
        build_store(&path, articles, cases);
    }
    let (db, _) = Db::open(&path).expect("store");
    let (client, projects, anna, first_case) = db
        .read_blocking(|c| {
            let client: i64 = c.query_row(
                "SELECT id FROM clients WHERE name = 'Acme Energie GmbH'",
                [],
                |r| r.get(0),
            )?;
            let mut stmt = c.prepare("SELECT id FROM projects WHERE client_id = ?1 ORDER BY id")?;
            let projects: Vec<i64> = stmt
                .query_map([client], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let anna: i64 = c.query_row(
                "SELECT id FROM users WHERE email = 'anna.schmidt@acme-energie.example'",
                [],
                |r| r.get(0),
            )?;
            let first_case: i64 = c.query_row(
                "SELECT min(id) FROM cases WHERE number >= 1000000",
                [],
                |r| r.get(0),
            )?;
            Ok::<_, StoreError>((client, projects, anna, first_case))
        })
        .expect("fixtures");
    let cases = cases.min(
        db.read_blocking(|c| {
            Ok::<_, StoreError>(c.query_row(
                "SELECT count(*) FROM cases WHERE id >= ?1",
                [first_case],
                |r| r.get::<_, i64>(0),
            )? as usize)
        })
        .expect("cases"),
    );
    let agent = Principal {
        user_id: Some(anna.into()),
        email: "anna.schmidt@acme-energie.example".into(),
        name: "Anna".into(),
        role: Role::Agent,
        client_id: Some(client.into()),
        memberships: projects
            .iter()
            .take(2)
            .map(|&project_id| Membership {
                project_id: project_id.into(),
                client_id: client.into(),
                role: MemberRole::Agent,
                edits_knowledge: false,
                provider_share: None,
            })
            .collect(),
        session: None,
        ip: None,
    };
    let editor = Principal::operator();
    let mut rng = Rng(42);
    let mut qs = Vec::with_capacity(queries);
    for i in 0..queries {
        let q = match i % 3 {
            0 => WORDS_DE[rng.below(WORDS_DE.len())].to_string(),
            1 => format!(
                "{} {}",
                WORDS_DE[rng.below(WORDS_DE.len())],
                WORDS_EN[rng.below(WORDS_EN.len())]
            ),
            _ => {
                let w = WORDS_DE[rng.below(WORDS_DE.len())];
                format!("{}*", w.chars().take(4).collect::<String>())
            }
        };
        qs.push(q);
    }
    // The ranking's phrase counts (search::stats) as the server keeps them
    // between requests, and cold: forgotten before every query (the worst
    // case, a knowledge base just changed or words never asked before).
    let stats = PhraseCounts::default();
    for (name, who, cold) in [
        ("search as agent (reader scope)", &agent, false),
        ("search as editor", &editor, false),
        ("search as agent, counts cold", &agent, true),
    ] {
        let mut ms = Vec::with_capacity(queries);
        for q in &qs {
            let params = KnowledgeSearch {
                client_id: client.into(),
                q: q.clone(),
                category_id: None,
                tag: None,
                language: None,
                limit: None,
            };
            if cold {
                stats.clear();
            }
            let t = Instant::now();
            let hits = db
                .read_blocking(|c| zezaro::knowledge::service::search(c, who, &params, &stats))
                .expect("search");
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
            std::hint::black_box(hits);
        }
        report(name, ms);
    }
    let mut found = 0;
    for (name, cold) in [
        ("suggestions for a case (agent)", false),
        ("suggestions, counts cold", true),
    ] {
        let mut ms = Vec::with_capacity(queries);
        found = 0;
        for _ in 0..queries {
            let case_id = first_case + rng.below(cases) as i64;
            if cold {
                stats.clear();
            }
            let t = Instant::now();
            let list = db
                .read_blocking(|c| {
                    zezaro::knowledge::suggest::suggestions(c, &agent, case_id.into(), &stats)
                })
                .unwrap_or_default();
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
            found += usize::from(!list.is_empty());
        }
        report(name, ms);
    }
    println!("suggestions: {found} of {queries} cases had at least one");
}

/// The demo data plus `articles` articles (×2 languages) and `cases` cases,
/// written with SQL into a new store at `path`.
fn build_store(path: &std::path::Path, articles: usize, cases: usize) {
    let (db, _) = Db::open(path).expect("store");
    zezaro::demo::seed(&db).expect("demo data");
    drop(db);
    let mut conn = rusqlite::Connection::open(path.join(zezaro::db::STORE_FILE)).expect("open");
    let client: i64 = conn
        .query_row(
            "SELECT id FROM clients WHERE name = 'Acme Energie GmbH'",
            [],
            |r| r.get(0),
        )
        .expect("client");
    let projects: Vec<i64> = conn
        .prepare("SELECT id FROM projects WHERE client_id = ?1 ORDER BY id")
        .expect("prepare")
        .query_map([client], |r| r.get(0))
        .expect("projects")
        .collect::<Result<_, _>>()
        .expect("projects");
    let started = Instant::now();
    conn.execute_batch(
        "PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF; PRAGMA journal_mode = WAL;",
    )
    .expect("pragmas");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let now = "2026-12-01T08:00:00.000Z";
    {
        let tx = conn.transaction().expect("tx");
        {
            let mut article = tx
                .prepare(
                    "INSERT INTO kb_articles (client_id, category_id, visibility, limited, created_at, updated_at)
                     VALUES (?1, (SELECT id FROM kb_categories WHERE client_id = ?1 ORDER BY id LIMIT 1 OFFSET ?2),
                             'internal', ?3, ?4, ?4)",
                )
                .expect("prepare");
            let mut limit = tx
                .prepare("INSERT INTO kb_article_projects (article_id, project_id) VALUES (?1, ?2)")
                .expect("prepare");
            let mut tag = tx
                .prepare("INSERT OR IGNORE INTO kb_article_tags (article_id, tag) VALUES (?1, ?2)")
                .expect("prepare");
            let mut version = tx
                .prepare(
                    "INSERT INTO kb_article_versions (article_id, language, number, title, body_md, body_html,
                         state, created_at, published_at)
                     VALUES (?1, ?2, 1, ?3, ?4, '', 'published', ?5, ?5)",
                )
                .expect("prepare");
            let mut search = tx
                .prepare("INSERT INTO kb_search (rowid, title, body, tags) VALUES (?1, ?2, ?3, ?4)")
                .expect("prepare");
            for _ in 0..articles {
                let limited = rng.below(10) == 0;
                article
                    .execute(params![client, rng.below(5) as i64, limited, now])
                    .expect("article");
                let id = tx.last_insert_rowid();
                if limited {
                    limit
                        .execute(params![id, projects[rng.below(projects.len())]])
                        .expect("limit");
                }
                let tags = [
                    WORDS_DE[rng.below(WORDS_DE.len())],
                    WORDS_DE[rng.below(WORDS_DE.len())],
                ];
                for t in tags {
                    tag.execute(params![id, t]).expect("tag");
                }
                for (language, words) in [("de", WORDS_DE), ("en", WORDS_EN)] {
                    let title = text(&mut rng, words, 5);
                    let body = text(&mut rng, words, 120);
                    version
                        .execute(params![id, language, title, body, now])
                        .expect("version");
                    let vid = tx.last_insert_rowid();
                    search
                        .execute(params![vid, title, body, tags.join(" ")])
                        .expect("search");
                }
            }
        }
        tx.commit().expect("commit");
    }
    let article_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    {
        let tx = conn.transaction().expect("tx");
        {
            let mut case = tx
                .prepare(
                    "INSERT INTO cases (project_id, number, subject, channel, message_count, created_at, updated_at)
                     VALUES (?1, ?2, ?3, 'email', 1, ?4, ?4)",
                )
                .expect("prepare");
            let mut message = tx
                .prepare(
                    "INSERT INTO messages (case_id, kind, channel, body_text, created_at)
                     VALUES (?1, 'inbound', 'email', ?2, ?3)",
                )
                .expect("prepare");
            for i in 0..cases {
                let project = projects[i % projects.len()];
                case.execute(params![
                    project,
                    1_000_000 + i as i64,
                    text(&mut rng, WORDS_DE, 6),
                    now
                ])
                .expect("case");
                let id = tx.last_insert_rowid();
                message
                    .execute(params![id, text(&mut rng, WORDS_DE, 60), now])
                    .expect("message");
            }
        }
        tx.commit().expect("commit");
    }
    let case_seconds = started.elapsed().as_secs_f64();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;")
        .expect("checkpoint");
    drop(conn);
    println!(
        "store: {articles} articles (×2 languages) in {article_seconds:.1} s, {cases} cases in {case_seconds:.1} s, {} MB",
        zezaro::demo::generate::store_size(path) / 1_000_000
    );

    // ---- measured, through the services ----------------------------------
}
