//! `zezaro demo --cases N`: a large, realistic store for benchmarks.
//!
//! Seeds the demo (clients, projects, users, topics) first, then bulk-inserts
//! contacts, organizations and cases with their threads, history, tags, time
//! records and full-text rows — the same shapes the services write, but in
//! big transactions on the generator's own connection. Deterministic for a
//! seed (the times are relative to today).

use std::collections::HashMap;
use std::path::Path;
use std::sync::LazyLock;
use std::time::Instant;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rusqlite::{Connection, params};
use serde::Deserialize;

use super::DemoError;
use crate::contacts::model::phone_digits;
use crate::db::{Db, STORE_FILE, StoreError};

/// Cases per transaction (and per batch handed from the text generator).
const BATCH: u64 = 20_000;

#[derive(Debug, Clone)]
pub struct Options {
    pub cases: u64,
    /// Mean messages per case (each case has 1 to 2×mean−1).
    pub messages: u32,
    pub seed: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub cases: u64,
    pub messages: u64,
    pub contacts: u64,
    pub organizations: u64,
    pub time_entries: u64,
    pub seconds: f64,
    /// zezaro.db plus its -wal file, in bytes.
    pub store_bytes: u64,
}

fn store_err(e: rusqlite::Error) -> DemoError {
    DemoError::from(StoreError::from(e))
}

/// Size of the store file and its write-ahead log.
pub fn store_size(data_dir: &Path) -> u64 {
    ["", "-wal"]
        .iter()
        .filter_map(|suffix| {
            std::fs::metadata(data_dir.join(format!("{STORE_FILE}{suffix}")))
                .ok()
                .map(|m| m.len())
        })
        .sum()
}

struct Project {
    id: i64,
    client_id: i64,
    weight: u32,
    next_number: i64,
    topics: Vec<i64>,
    members: Vec<i64>,
}

#[derive(Clone)]
struct ContactInfo {
    id: i64,
    name: String,
    email: String,
    organization_id: Option<i64>,
}

/// How the cases are spread over the demo projects.
fn weight_of(key: &str) -> u32 {
    match key {
        "ACME" => 40,
        "NORD" => 30,
        "ACMEGAS" => 15,
        "BERG" => 15,
        _ => 5,
    }
}

/// Generates into the store in `data_dir` (created and migrated if needed).
/// `progress` receives one line at a time.
pub fn generate(
    data_dir: &Path,
    opts: &Options,
    progress: &mut dyn FnMut(&str),
) -> Result<Report, DemoError> {
    let started = Instant::now();
    let (db, _) = Db::open(data_dir)?;
    if !super::seed(&db)? {
        return Err(DemoError(
            "the store holds data other than the demo; use an empty data directory".into(),
        ));
    }
    drop(db);
    let mut conn = crate::db::open_connection(&data_dir.join(STORE_FILE), false)?;
    // This connection only: the store's own settings (synchronous=FULL,
    // foreign keys) apply again to every other connection. `zezaro check`
    // verifies the foreign keys afterwards.
    conn.execute_batch(
        "PRAGMA synchronous = OFF;
         PRAGMA foreign_keys = OFF;
         PRAGMA cache_size = -1000000;",
    )
    .map_err(store_err)?;
    let mut projects = load_projects(&conn).map_err(store_err)?;
    if projects.is_empty() {
        return Err(DemoError("no demo projects found".into()));
    }
    let mut rng = fastrand::Rng::with_seed(opts.seed);
    let today = Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_else(Utc::now);
    let mut report = Report::default();

    // Customer database: organizations and contacts, spread over the
    // clients as their projects' cases are.
    let mut client_weight: HashMap<i64, u32> = HashMap::new();
    for p in &projects {
        *client_weight.entry(p.client_id).or_default() += p.weight;
    }
    let total_weight: u32 = projects.iter().map(|p| p.weight).sum();
    let contacts_total = (opts.cases / 3).max(10);
    let mut clients: Vec<(i64, u32)> = client_weight.into_iter().collect();
    clients.sort();
    let mut contacts_by_client: HashMap<i64, Vec<ContactInfo>> = HashMap::new();
    {
        let tx = conn.transaction().map_err(store_err)?;
        let mut next_org = max_id(&tx, "organizations")? + 1;
        let mut next_contact = max_id(&tx, "contacts")? + 1;
        let at = fmt(today);
        for &(client_id, weight) in &clients {
            let count = contacts_total * u64::from(weight) / u64::from(total_weight);
            let orgs = (count / 150).max(3);
            let mut org_ids = Vec::new();
            let mut org_names = Vec::new();
            for _ in 0..orgs {
                let name = format!(
                    "{} {} {}",
                    one(&mut rng, &WORDS.org_first),
                    one(&mut rng, &WORDS.org_second),
                    one(&mut rng, &WORDS.org_form)
                );
                let city = one(&mut rng, &WORDS.cities);
                let number = format!("O-{next_org:06}");
                tx.prepare_cached(
                    "INSERT INTO organizations (id, client_id, name, customer_number, phone, city,
                         country, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'Deutschland', ?7, ?7)",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        next_org,
                        client_id,
                        name,
                        number,
                        phone(&mut rng),
                        city,
                        at
                    ])
                })
                .map_err(store_err)?;
                tx.prepare_cached(
                    "INSERT INTO organization_search (rowid, name, customer_number, domain, city)
                     VALUES (?1, ?2, ?3, '', ?4)",
                )
                .and_then(|mut s| s.execute(params![next_org, name, number, city]))
                .map_err(store_err)?;
                org_ids.push(next_org);
                org_names.push(name);
                next_org += 1;
                report.organizations += 1;
            }
            let list = contacts_by_client.entry(client_id).or_default();
            for _ in 0..count {
                let id = next_contact;
                next_contact += 1;
                let first = one(&mut rng, &WORDS.first_names);
                let last = one(&mut rng, &WORDS.last_names);
                let name = format!("{first} {last}");
                let email = format!(
                    "{}.{}{}@{}",
                    ascii(first),
                    ascii(last),
                    id,
                    one(&mut rng, &WORDS.mail_domains)
                );
                let phone = phone(&mut rng);
                let digits = phone_digits(&phone);
                let org = (rng.u8(0..100) < 20).then(|| rng.usize(0..org_ids.len()));
                let organization_id = org.map(|i| org_ids[i]);
                let city = one(&mut rng, &WORDS.cities);
                let number = (rng.u8(0..100) < 60).then(|| format!("K-{id:07}"));
                let language = if rng.u8(0..100) < 80 { "de" } else { "en" };
                tx.prepare_cached(
                    "INSERT INTO contacts (id, client_id, organization_id, name, customer_number,
                         language, street, postal_code, city, country, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'Deutschland', ?10, ?10)",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        id,
                        client_id,
                        organization_id,
                        name,
                        number,
                        language,
                        format!("{} {}", one(&mut rng, &WORDS.streets), rng.u32(1..200)),
                        format!("{:05}", rng.u32(1000..99999)),
                        city,
                        at
                    ])
                })
                .map_err(store_err)?;
                tx.prepare_cached(
                    "INSERT INTO contact_emails (contact_id, email, position) VALUES (?1, ?2, 0)",
                )
                .and_then(|mut s| s.execute(params![id, email]))
                .map_err(store_err)?;
                tx.prepare_cached(
                    "INSERT INTO contact_phones (contact_id, phone, digits, position)
                     VALUES (?1, ?2, ?3, 0)",
                )
                .and_then(|mut s| s.execute(params![id, phone, digits]))
                .map_err(store_err)?;
                // Same shape as contacts::store::sync_search.
                tx.prepare_cached(
                    "INSERT INTO contact_search (rowid, name, emails, phones, organization,
                         customer_number, city)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        id,
                        name,
                        email,
                        format!("{phone} {digits}"),
                        org.map(|i| org_names[i].as_str()).unwrap_or(""),
                        number.as_deref().unwrap_or(""),
                        city
                    ])
                })
                .map_err(store_err)?;
                list.push(ContactInfo {
                    id,
                    name,
                    email,
                    organization_id,
                });
                report.contacts += 1;
            }
        }
        tx.commit().map_err(store_err)?;
    }
    progress(&format!(
        "{} organizations and {} contacts in {:.1} s",
        report.organizations,
        report.contacts,
        started.elapsed().as_secs_f64()
    ));

    // Cases: one thread writes the text, this one inserts.
    let ids = Ids {
        case: max_id(&conn, "cases")? + 1,
        message: max_id(&conn, "messages")? + 1,
        history: max_id(&conn, "case_history")? + 1,
        time: max_id(&conn, "time_entries")? + 1,
    };
    let plan = Plan {
        projects: &projects,
        contacts: &contacts_by_client,
        total_weight,
        today,
        cases: opts.cases,
        messages: opts.messages.max(1),
    };
    let (sender, receiver) = std::sync::mpsc::sync_channel::<(Vec<GenCase>, Vec<i64>)>(2);
    let case_seed = rng.u64(..);
    let cases_started = Instant::now();
    let numbers = std::thread::scope(|scope| -> Result<Vec<i64>, DemoError> {
        let producer = scope.spawn(move || {
            let mut rng = fastrand::Rng::with_seed(case_seed);
            let mut ids = ids;
            let mut numbers: Vec<i64> = plan.projects.iter().map(|p| p.next_number).collect();
            let mut made = 0;
            while made < plan.cases {
                let n = BATCH.min(plan.cases - made);
                let batch: Vec<GenCase> = (made..made + n)
                    .map(|i| plan.case(&mut rng, &mut ids, &mut numbers, i))
                    .collect();
                made += n;
                if sender.send((batch, numbers.clone())).is_err() {
                    break;
                }
            }
        });
        let mut numbers = Vec::new();
        for (batch, next) in receiver {
            insert_cases(&mut conn, &batch, &mut report).map_err(store_err)?;
            numbers = next;
            let elapsed = cases_started.elapsed().as_secs_f64();
            progress(&format!(
                "{} / {} cases, {} messages ({:.0} cases/s, {:.0} s)",
                report.cases,
                opts.cases,
                report.messages,
                report.cases as f64 / elapsed.max(0.001),
                started.elapsed().as_secs_f64()
            ));
        }
        producer
            .join()
            .map_err(|_| DemoError("the text generator failed".into()))?;
        Ok(numbers)
    })?;
    for (project, next) in projects.iter_mut().zip(numbers) {
        project.next_number = next;
        conn.execute(
            "UPDATE projects SET next_case_number = ?2 WHERE id = ?1",
            params![project.id, next],
        )
        .map_err(store_err)?;
    }
    // The generated rows leave each full-text index in many segments, two
    // of them huge: the first writes of a server on the new store would
    // pay their merge (FTS5's automerge, 38 % of the CPU per created case
    // at 1M; 1.10-1.28 ms per case before, 0.52 ms after, docs/perf16.md,
    // session 25). Merged here once, in steps that commit each: a single
    // `optimize` is one transaction whose dirty pages fill the cache until
    // every read evicts a page the next seek needs again (at 1M it had read
    // terabytes and not ended after ten minutes; in steps 79 s, session 26).
    progress("merging the full-text indexes");
    for table in [
        "contact_search",
        "organization_search",
        "case_search",
        "case_pairs",
    ] {
        merge_full_text(&conn, table, MERGE_STEP).map_err(store_err)?;
    }
    progress("refreshing the planner statistics");
    crate::db::optimize(&conn).map_err(|err| DemoError(err.to_string()))?;
    progress("checkpointing the write-ahead log");
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .map_err(store_err)?;
    drop(conn);
    report.seconds = started.elapsed().as_secs_f64();
    report.store_bytes = store_size(data_dir);
    Ok(report)
}

/// Leaf pages FTS5 writes per merge step (about 80 MB).
const MERGE_STEP: u32 = 20_000;

/// Merges `table`'s segments into one, as FTS5's `optimize` does, in steps
/// of `step` leaf pages, each its own transaction. A step that changes
/// fewer than two rows found nothing left to merge (FTS5's documented
/// test for its `merge` command).
fn merge_full_text(conn: &Connection, table: &str, step: u32) -> rusqlite::Result<()> {
    let sql = format!("INSERT INTO {table}({table}, rank) VALUES ('merge', -{step})");
    loop {
        let before = conn.total_changes();
        conn.execute(&sql, [])?;
        if conn.total_changes().saturating_sub(before) < 2 {
            return Ok(());
        }
    }
}

fn max_id(conn: &Connection, table: &str) -> Result<i64, DemoError> {
    conn.query_row(
        &format!("SELECT COALESCE(MAX(id), 0) FROM {table}"),
        [],
        |r| r.get(0),
    )
    .map_err(store_err)
}

fn load_projects(conn: &Connection) -> rusqlite::Result<Vec<Project>> {
    let mut stmt = conn.prepare(
        "SELECT id, key, client_id, next_case_number FROM projects WHERE active = 1 ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        let key: String = r.get(1)?;
        Ok(Project {
            id: r.get(0)?,
            client_id: r.get(2)?,
            weight: weight_of(&key),
            next_number: r.get(3)?,
            topics: Vec::new(),
            members: Vec::new(),
        })
    })?;
    let mut projects: Vec<Project> = rows.collect::<Result<_, _>>()?;
    for p in &mut projects {
        let mut stmt =
            conn.prepare("SELECT id FROM topics WHERE project_id = ?1 AND active = 1 ORDER BY id")?;
        p.topics = stmt
            .query_map([p.id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut stmt = conn.prepare(
            "SELECT m.user_id FROM project_members m JOIN users u ON u.id = m.user_id
             WHERE m.project_id = ?1 AND u.active = 1 ORDER BY m.user_id",
        )?;
        p.members = stmt
            .query_map([p.id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
    }
    Ok(projects)
}

#[derive(Clone, Copy)]
struct Ids {
    case: i64,
    message: i64,
    history: i64,
    time: i64,
}

struct GenMessage {
    id: i64,
    kind: &'static str,
    author_user_id: Option<i64>,
    author_contact_id: Option<i64>,
    from_address: Option<String>,
    body: String,
    at: String,
}

/// A history row: (id, user, at, field, old, new).
type GenHistory = (
    i64,
    Option<i64>,
    String,
    &'static str,
    Option<String>,
    String,
);

struct GenCase {
    id: i64,
    project_id: i64,
    number: i64,
    subject: String,
    channel: &'static str,
    topic_id: Option<i64>,
    status: &'static str,
    priority: &'static str,
    team: &'static str,
    /// Which provider team (Basic or Pro) handles a provider case.
    tariff: Option<&'static str>,
    assignee_id: Option<i64>,
    contact: Option<ContactInfo>,
    due_at: Option<String>,
    version: i64,
    first_response_at: Option<String>,
    solved_at: Option<String>,
    closed_at: Option<String>,
    created_by_id: Option<i64>,
    created_at: String,
    updated_at: String,
    tags: Vec<&'static str>,
    messages: Vec<GenMessage>,
    history: Vec<GenHistory>,
    /// (id, user, kind, started_at, seconds)
    time: Vec<(i64, i64, &'static str, String, i64)>,
}

struct Plan<'a> {
    projects: &'a [Project],
    contacts: &'a HashMap<i64, Vec<ContactInfo>>,
    total_weight: u32,
    today: DateTime<Utc>,
    cases: u64,
    messages: u32,
}

fn fmt(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Plan<'_> {
    fn project(&self, rng: &mut fastrand::Rng) -> usize {
        let mut pick = rng.u32(0..self.total_weight);
        for (i, p) in self.projects.iter().enumerate() {
            if pick < p.weight {
                return i;
            }
            pick -= p.weight;
        }
        0
    }

    /// Case `i` of the run: created times rise with `i` over two years.
    fn case(&self, rng: &mut fastrand::Rng, ids: &mut Ids, numbers: &mut [i64], i: u64) -> GenCase {
        let span = 730 * 86_400_000i64;
        let base = span * i as i64 / self.cases.max(1) as i64;
        let created = self.today - Duration::milliseconds(span)
            + Duration::milliseconds(base + rng.i64(0..60_000));
        let age_days = (self.today - created).num_days();
        let p = self.project(rng);
        let project = &self.projects[p];
        let number = numbers[p];
        numbers[p] += 1;
        let open_chance = match age_days {
            0..=30 => 70,
            31..=180 => 20,
            _ => 10,
        };
        let open = rng.u8(0..100) < open_chance;
        let status = if open {
            *pick(
                rng,
                &[
                    ("new", 20),
                    ("open", 40),
                    ("pending-customer", 30),
                    ("pending-third-party", 10),
                ],
            )
        } else {
            *pick(rng, &[("solved", 40), ("closed", 60)])
        };
        let priority = *pick(
            rng,
            &[("low", 15), ("normal", 60), ("high", 20), ("urgent", 5)],
        );
        let channel = *pick(
            rng,
            &[
                ("email", 55),
                ("call", 25),
                ("webform", 10),
                ("chat", 8),
                ("letter", 2),
            ],
        );
        let team = if rng.u8(0..100) < 60 {
            "client"
        } else {
            "provider"
        };
        // Provider cases go to one of the provider's teams (issue 15's
        // distribution): about two in three to Team Basic, the rest to Team
        // Pro (by the case id, so the random sequence stays as it was).
        let tariff =
            (team == "provider").then_some(if ids.case % 3 == 2 { "pro" } else { "basic" });
        let topic_id = if project.topics.is_empty() || rng.u8(0..100) < 5 {
            None
        } else {
            Some(project.topics[rng.usize(0..project.topics.len())])
        };
        let assignee_id = if status == "new" || project.members.is_empty() || rng.u8(0..100) < 5 {
            None
        } else {
            Some(project.members[rng.usize(0..project.members.len())])
        };
        let contact = self
            .contacts
            .get(&project.client_id)
            .filter(|list| !list.is_empty() && rng.u8(0..100) < 92)
            .map(|list| list[rng.usize(0..list.len())].clone());
        let german = rng.u8(0..100) < 75;
        let subject = subject(rng, german);
        // The thread: inbound first, then replies and answers; a note now
        // and then. Spread from creation over hours (open) to days (done).
        let count = rng.u32(1..2 * self.messages);
        let step_max = if open { 20 * 3_600_000 } else { 60 * 3_600_000 };
        let mut at = created;
        let mut messages = Vec::with_capacity(count as usize);
        let mut first_response = None;
        let agent = assignee_id.or_else(|| project.members.first().copied());
        for m in 0..count {
            if m > 0 {
                // Later than the one before, and (close to) no later than
                // today: the thread stays in order.
                let next = at + Duration::milliseconds(rng.i64(60_000..step_max));
                at = if next > self.today {
                    at + Duration::milliseconds(rng.i64(1..1_000))
                } else {
                    next
                };
            }
            let kind = if m == 0 {
                "inbound"
            } else if rng.u8(0..100) < 12 {
                "note"
            } else if m % 2 == 1 {
                "outbound"
            } else {
                "inbound"
            };
            if kind == "outbound" && first_response.is_none() {
                first_response = Some(fmt(at));
            }
            let inbound = kind == "inbound";
            messages.push(GenMessage {
                id: ids.message,
                kind,
                author_user_id: if inbound { None } else { agent },
                author_contact_id: if inbound {
                    contact.as_ref().map(|c| c.id)
                } else {
                    None
                },
                from_address: (inbound && channel == "email")
                    .then(|| contact.as_ref().map(|c| c.email.clone()))
                    .flatten(),
                body: body(rng, german, kind, contact.as_ref().map(|c| c.name.as_str())),
                at: fmt(at),
            });
            ids.message += 1;
        }
        let last = at;
        let mut updated = last + Duration::milliseconds(rng.i64(1_000..4 * 3_600_000));
        if updated > self.today {
            updated = last;
        }
        let created_at = fmt(created);
        let updated_at = fmt(updated);
        let creator = if channel == "email" || channel == "webform" {
            None
        } else {
            agent
        };
        let mut history = vec![(
            ids.history,
            creator,
            created_at.clone(),
            "created",
            None,
            subject.clone(),
        )];
        ids.history += 1;
        if let Some(user) = assignee_id {
            history.push((
                ids.history,
                Some(user),
                created_at.clone(),
                "assignee_id",
                None,
                user.to_string(),
            ));
            ids.history += 1;
        }
        if status != "new" {
            history.push((
                ids.history,
                agent,
                updated_at.clone(),
                "status",
                Some("new".into()),
                status.to_string(),
            ));
            ids.history += 1;
        }
        let due_at = (rng.u8(0..100) < if open { 30 } else { 8 }).then(|| {
            fmt(updated + Duration::milliseconds(rng.i64(-2 * 86_400_000..7 * 86_400_000)))
        });
        let mut tags = Vec::new();
        if rng.u8(0..100) < 20 {
            for _ in 0..rng.usize(1..3) {
                let tag = one(rng, &WORDS.tags);
                if !tags.contains(&tag) {
                    tags.push(tag);
                }
            }
        }
        let mut time = Vec::new();
        if let Some(user) = assignee_id
            && rng.u8(0..100) < 30
        {
            for _ in 0..rng.u8(1..3) {
                let kind = *pick(
                    rng,
                    &[
                        ("handling", 60),
                        ("after-work", 25),
                        ("call-talk", 10),
                        ("manual", 5),
                    ],
                );
                time.push((ids.time, user, kind, created_at.clone(), rng.i64(30..1800)));
                ids.time += 1;
            }
        }
        let solved_at = matches!(status, "solved" | "closed").then(|| updated_at.clone());
        let closed_at = (status == "closed").then(|| updated_at.clone());
        let case = GenCase {
            id: ids.case,
            project_id: project.id,
            number,
            subject,
            channel,
            topic_id,
            status,
            priority,
            team,
            tariff,
            assignee_id,
            contact,
            due_at,
            version: count as i64 + history.len() as i64 - 1,
            first_response_at: first_response,
            solved_at,
            closed_at,
            created_by_id: creator,
            created_at,
            updated_at,
            tags,
            messages,
            history,
            time,
        };
        ids.case += 1;
        case
    }
}

fn pick<'a, T>(rng: &mut fastrand::Rng, weighted: &'a [(T, u32)]) -> &'a T {
    let total: u32 = weighted.iter().map(|(_, w)| w).sum();
    let mut n = rng.u32(0..total);
    for (value, w) in weighted {
        if n < *w {
            return value;
        }
        n -= w;
    }
    &weighted[0].0
}

fn insert_cases(
    conn: &mut Connection,
    batch: &[GenCase],
    report: &mut Report,
) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut case_stmt = tx.prepare_cached(
            "INSERT INTO cases (id, project_id, number, subject, channel, topic_id, status, priority,
                 handling_team, assignee_id, contact_id, organization_id, due_at, version,
                 message_count, last_message_at, first_response_at, solved_at, closed_at,
                 created_by_id, created_at, updated_at, handling_tariff)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21, ?22, ?23)",
        )?;
        let mut message_stmt = tx.prepare_cached(
            "INSERT INTO messages (id, case_id, kind, channel, author_user_id, author_contact_id,
                 from_address, body_text, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        let mut tag_stmt =
            tx.prepare_cached("INSERT INTO case_tags (case_id, tag) VALUES (?1, ?2)")?;
        let mut history_stmt = tx.prepare_cached(
            "INSERT INTO case_history (id, case_id, user_id, at, field, old_value, new_value)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        let mut time_stmt = tx.prepare_cached(
            "INSERT INTO time_entries (id, case_id, project_id, user_id, channel, topic_id, kind,
                 started_at, seconds, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?8)",
        )?;
        let mut search_stmt = tx.prepare_cached(
            "INSERT INTO case_search (rowid, subject, people, body) VALUES (?1, ?2, ?3, ?4)",
        )?;
        let mut pairs_stmt =
            tx.prepare_cached("INSERT INTO case_pairs (rowid, pairs) VALUES (?1, ?2)")?;
        let mut body = String::new();
        let mut search_rows: Vec<(i64, String, String, String)> = Vec::with_capacity(batch.len());
        for c in batch {
            case_stmt.execute(params![
                c.id,
                c.project_id,
                c.number,
                c.subject,
                c.channel,
                c.topic_id,
                c.status,
                c.priority,
                c.team,
                c.assignee_id,
                c.contact.as_ref().map(|ct| ct.id),
                c.contact.as_ref().and_then(|ct| ct.organization_id),
                c.due_at,
                c.version,
                c.messages.len() as i64,
                c.messages.last().map(|m| m.at.as_str()),
                c.first_response_at,
                c.solved_at,
                c.closed_at,
                c.created_by_id,
                c.created_at,
                c.updated_at,
                c.tariff
            ])?;
            body.clear();
            for (i, m) in c.messages.iter().enumerate() {
                message_stmt.execute(params![
                    m.id,
                    c.id,
                    m.kind,
                    c.channel,
                    m.author_user_id,
                    m.author_contact_id,
                    m.from_address,
                    m.body,
                    m.at
                ])?;
                if i > 0 {
                    body.push('\n');
                }
                body.push_str(&m.body);
            }
            for tag in &c.tags {
                tag_stmt.execute(params![c.id, tag])?;
            }
            for (id, user, at, field, old, new) in &c.history {
                history_stmt.execute(params![id, c.id, user, at, field, old, new])?;
            }
            for (id, user, kind, at, seconds) in &c.time {
                time_stmt.execute(params![
                    id,
                    c.id,
                    c.project_id,
                    user,
                    c.channel,
                    c.topic_id,
                    kind,
                    at,
                    seconds
                ])?;
            }
            // Same shape as cases::store::index_case.
            let people = match &c.contact {
                Some(ct) => format!("{} {}", ct.name, ct.email),
                None => " ".to_string(),
            };
            // And its word pairs (search::pairs), as index_case writes them.
            let pairs = crate::search::pairs::document(&tx, &[&c.subject, &people, &body])?;
            search_rows.push((c.id, people, body.clone(), pairs));
            report.cases += 1;
            report.messages += c.messages.len() as u64;
            report.time_entries += c.time.len() as u64;
        }
        // The search rows of the whole batch after its cases: a statement
        // with triggers (the case and tag inserts) flushes FTS5's pending
        // terms at its savepoint, so rows written between case inserts made
        // a segment per case in `case_search` and `case_pairs`, and merging
        // them cost more with every batch (perf: fts5IndexMergeLevel; the
        // 200k generation slowed from 1,500 to under 300 cases/s). Written
        // together they are flushed in large segments.
        for ((id, people, body, pairs), c) in search_rows.iter().zip(batch) {
            search_stmt.execute(params![id, c.subject, people, body])?;
            pairs_stmt.execute(params![id, pairs])?;
        }
    }
    tx.commit()
}

// ---- text ------------------------------------------------------------------

fn ascii(s: &str) -> String {
    s.to_lowercase()
        .replace('ä', "ae")
        .replace('ö', "oe")
        .replace('ü', "ue")
        .replace('ß', "ss")
}

fn phone(rng: &mut fastrand::Rng) -> String {
    match rng.u8(0..3) {
        0 => format!(
            "+49 {} {}",
            one(rng, &WORDS.area_codes),
            rng.u32(100_000..99_999_999)
        ),
        1 => format!("01{} {}", rng.u32(51..79), rng.u32(1_000_000..9_999_999)),
        _ => format!(
            "0{} {}",
            one(rng, &WORDS.area_codes),
            rng.u32(10_000..9_999_999)
        ),
    }
}

/// Fills `{n}` (a number), `{m}` (a month), `{p}` (a product) and `{c}` (a
/// city) in a template.
fn fill(rng: &mut fastrand::Rng, template: &str, german: bool) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let slot = &rest[start..start + 3];
        match slot {
            "{n}" => out.push_str(&rng.u32(1000..999_999).to_string()),
            "{m}" => out.push_str(if german {
                one(rng, &WORDS.months_de)
            } else {
                one(rng, &WORDS.months_en)
            }),
            "{p}" => out.push_str(one(rng, &WORDS.products)),
            "{c}" => out.push_str(one(rng, &WORDS.cities)),
            _ => out.push_str(slot),
        }
        rest = &rest[start + 3..];
    }
    out.push_str(rest);
    out
}

fn subject(rng: &mut fastrand::Rng, german: bool) -> String {
    let list = if german {
        &WORDS.subjects_de
    } else {
        &WORDS.subjects_en
    };
    let template = one(rng, list);
    fill(rng, template, german)
}

/// A message of 100 to 1500 characters, most of them short.
fn body(rng: &mut fastrand::Rng, german: bool, kind: &str, contact: Option<&str>) -> String {
    let target = 100 + (1400.0 * rng.f64().powi(2)) as usize;
    let (greeting, sentences, closing): (&[String], &[String], &[String]) = match (german, kind) {
        (true, "inbound") => (&WORDS.greet_de, &WORDS.sentences_de, &WORDS.close_de),
        (true, "note") => (&NONE, &WORDS.notes_de, &NONE),
        (true, _) => (
            &WORDS.greet_agent_de,
            &WORDS.answers_de,
            &WORDS.close_agent_de,
        ),
        (false, "inbound") => (&WORDS.greet_en, &WORDS.sentences_en, &WORDS.close_en),
        (false, "note") => (&NONE, &WORDS.notes_en, &NONE),
        (false, _) => (
            &WORDS.greet_agent_en,
            &WORDS.answers_en,
            &WORDS.close_agent_en,
        ),
    };
    let mut out = String::with_capacity(target + 200);
    let greeting = one(rng, greeting);
    if !greeting.is_empty() {
        out.push_str(greeting);
        out.push_str("\n\n");
    }
    while out.len() < target {
        let template = one(rng, sentences);
        out.push_str(&fill(rng, template, german));
        out.push(' ');
    }
    let closing = one(rng, closing);
    if !closing.is_empty() {
        out.push_str("\n\n");
        out.push_str(closing);
        if kind == "inbound"
            && let Some(name) = contact
        {
            out.push('\n');
            out.push_str(name);
        }
    }
    out.trim().to_string()
}

/// The generator's word lists (names, places, products, message
/// templates with `{n}`, `{m}`, `{p}`, `{c}` slots), kept as data in
/// `words.toml` beside this file and read once.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Words {
    first_names: Vec<String>,
    last_names: Vec<String>,
    mail_domains: Vec<String>,
    cities: Vec<String>,
    streets: Vec<String>,
    area_codes: Vec<String>,
    org_first: Vec<String>,
    org_second: Vec<String>,
    org_form: Vec<String>,
    tags: Vec<String>,
    products: Vec<String>,
    months_de: Vec<String>,
    months_en: Vec<String>,
    subjects_de: Vec<String>,
    subjects_en: Vec<String>,
    greet_de: Vec<String>,
    close_de: Vec<String>,
    greet_agent_de: Vec<String>,
    close_agent_de: Vec<String>,
    greet_en: Vec<String>,
    close_en: Vec<String>,
    greet_agent_en: Vec<String>,
    close_agent_en: Vec<String>,
    sentences_de: Vec<String>,
    answers_de: Vec<String>,
    notes_de: Vec<String>,
    sentences_en: Vec<String>,
    answers_en: Vec<String>,
    notes_en: Vec<String>,
}

impl Words {
    fn parse(text: &str) -> Result<Words, String> {
        let words: Words = toml::from_str(text).map_err(|e| e.to_string())?;
        // An empty list would make every pick from it an empty string.
        let lists: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        match lists
            .iter()
            .find(|(_, list)| list.as_array().is_none_or(|l| l.is_empty()))
        {
            Some((name, _)) => Err(format!("{name} is empty")),
            None => Ok(words),
        }
    }
}

/// The lists are part of the binary and checked by a test, so reading
/// them cannot fail at run time.
static WORDS: LazyLock<Words> = LazyLock::new(|| {
    Words::parse(include_str!("words.toml")).expect("src/demo/words.toml is valid")
});

/// No greeting or closing (notes).
static NONE: [String; 1] = [String::new()];

/// One entry of a list, picked as `fastrand` picks from a slice.
fn one<'a>(rng: &mut fastrand::Rng, list: &'a [String]) -> &'a str {
    rng.choice(list).map_or("", String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_lists_are_read_and_none_is_empty() {
        assert_eq!(WORDS.first_names.first().map(String::as_str), Some("Anna"));
        assert_eq!(WORDS.close_agent_en[0], "Kind regards\nCustomer Service");
        assert!(Words::parse("first_names = []").is_err());
        assert!(Words::parse("nonsense = [\"x\"]").is_err());
    }

    #[test]
    fn a_full_text_index_is_merged_into_one_segment_in_steps() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE VIRTUAL TABLE t USING fts5(body);
             INSERT INTO t(t, rank) VALUES ('automerge', 0);",
        )
        .unwrap();
        // Each commit leaves a segment of its own (automerge off).
        for i in 0..30 {
            conn.execute(
                "INSERT INTO t(body) VALUES (?1)",
                [format!("rechnung zähler {i} wort{}", i % 7)],
            )
            .unwrap();
        }
        let segments = |conn: &Connection| -> i64 {
            conn.query_row("SELECT count(DISTINCT segid) FROM t_idx", [], |r| r.get(0))
                .unwrap()
        };
        let found = |conn: &Connection| -> Vec<i64> {
            let mut stmt = conn
                .prepare("SELECT rowid FROM t WHERE t MATCH 'rechnung wort3' ORDER BY rowid")
                .unwrap();
            stmt.query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        // FTS5's crisis merge still joins 16 of one level.
        assert!(segments(&conn) >= 10);
        let before = found(&conn);
        assert_eq!(before, vec![4, 11, 18, 25]);
        // One leaf page per step: many steps, each its own transaction.
        merge_full_text(&conn, "t", 1).unwrap();
        assert_eq!(segments(&conn), 1);
        assert_eq!(found(&conn), before);
    }
}
