//! Erasure leaves nothing behind: canary data for two people, planted
//! through every path that takes personal data (API, CSV import, custom
//! fields, notes, uploads, web form, phone log, e-mail with attachments
//! into their own and into the other person's case), a client export and
//! a backup taken before; one is erased (each mode), then every file of the
//! data directory and every answer of the API is searched for their bytes
//! (UTF-8, UTF-16, base64 at every offset, lower-cased and folded forms),
//! right after the erasure and after a restart, while the other person's
//! data stays whole. The same for retention with back-dated cases, and a
//! backup → erase → restore round trip that re-applies the erasure.

use crate::common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;
use common::mailserver::Dovecot;
use common::{Api, TestServer, client};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const ADMIN: &str = "admin@zezaro.example";
const CA_ACME: &str = "kadmin@acme-energie.example";
const V1: &str = "/api/v1";
const SUPPORT: &str = "support@acme-energie.example";

/// One person's canary: everything planted for them contains `mark`
/// (with an umlaut, so that folded forms exist), `ascii` or `digits`.
#[derive(Clone, Copy)]
struct Person {
    first: &'static str,
    mark: &'static str,
    /// `mark` as an address or file name spells it.
    ascii: &'static str,
    /// `mark` folded as the search index folds it.
    folded: &'static str,
    phone: &'static str,
    /// The distinctive tail of the phone number.
    digits: &'static str,
}

const GONE: Person = Person {
    first: "Xenia",
    mark: "Zörbelwitz",
    ascii: "zoerbelwitz",
    folded: "zorbelwitz",
    phone: "+49 151 7391 8264",
    digits: "73918264",
};

const KEPT: Person = Person {
    first: "Kuno",
    mark: "Quäddelmann",
    ascii: "quaeddelmann",
    folded: "quaddelmann",
    phone: "+49 160 5827 3946",
    digits: "58273946",
};

impl Person {
    fn name(&self) -> String {
        format!("{} {}", self.first, self.mark)
    }

    fn email(&self) -> String {
        format!(
            "{}.{}@kanarien.example",
            self.first.to_lowercase(),
            self.ascii
        )
    }
}

/// The byte forms of a person's canary.
struct Needles {
    /// Searched in ASCII-lower-cased bytes.
    folded: Vec<(String, Vec<u8>)>,
    /// Searched as they are (base64 is case-sensitive).
    exact: Vec<(String, Vec<u8>)>,
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    text.encode_utf16()
        .flat_map(|u| {
            if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            }
        })
        .collect()
}

/// The base64 characters of `text` that do not depend on what precedes
/// it, for each of the three alignments.
fn base64_forms(text: &str) -> Vec<String> {
    let engine = base64::engine::general_purpose::STANDARD;
    (0..3usize)
        .filter_map(|pad| {
            let mut bytes = vec![0u8; pad];
            bytes.extend_from_slice(text.as_bytes());
            let encoded = engine.encode(&bytes);
            let from = pad.div_ceil(3) * 4;
            let to = (bytes.len() / 3) * 4;
            (to > from + 8).then(|| encoded[from..to].to_string())
        })
        .collect()
}

impl Person {
    fn needles(&self) -> Needles {
        let upper = self.mark.to_uppercase();
        let mut texts = vec![
            self.mark.to_string(),
            upper.clone(),
            self.ascii.to_string(),
            self.folded.to_string(),
            self.digits.to_string(),
            format!("{} {}", &self.digits[..4], &self.digits[4..]),
            // Quoted-printable of the umlaut form.
            self.mark
                .bytes()
                .map(|b| {
                    if b.is_ascii() {
                        (b as char).to_string()
                    } else {
                        format!("={b:02X}")
                    }
                })
                .collect(),
        ];
        texts.dedup();
        let mut folded = Vec::new();
        for text in &texts {
            let lower = text.to_ascii_lowercase();
            folded.push((format!("{text} (utf-8)"), lower.as_bytes().to_vec()));
            folded.push((format!("{text} (utf-16le)"), utf16(&lower, false)));
            folded.push((format!("{text} (utf-16be)"), utf16(&lower, true)));
            let lowered = text.to_lowercase();
            if lowered != lower {
                folded.push((
                    format!("{text} (lower-cased)"),
                    lowered.to_ascii_lowercase().into_bytes(),
                ));
            }
        }
        let mut exact = Vec::new();
        for text in [
            self.mark.to_string(),
            upper,
            self.ascii.to_string(),
            self.name(),
            self.email(),
        ] {
            for form in base64_forms(&text) {
                exact.push((format!("{text} (base64 {form})"), form.into_bytes()));
            }
        }
        Needles { folded, exact }
    }
}

/// The forms of the needles found in these bytes.
fn hits_in(bytes: &[u8], needles: &Needles) -> Vec<String> {
    let lower = bytes.to_ascii_lowercase();
    let mut hits: Vec<String> = needles
        .folded
        .iter()
        .filter(|(_, n)| memchr::memmem::find(&lower, n).is_some())
        .map(|(what, _)| what.clone())
        .collect();
    hits.extend(
        needles
            .exact
            .iter()
            .filter(|(_, n)| memchr::memmem::find(bytes, n).is_some())
            .map(|(what, _)| what.clone()),
    );
    hits
}

/// Every file under `dir` (but the top-level entries in `skip`) holding a
/// needle: "path: form".
fn scan_dir(dir: &Path, needles: &Needles, skip: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack: Vec<PathBuf> = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&path) else {
            continue;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            if path == dir && skip.iter().any(|s| entry.file_name().to_str() == Some(*s)) {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                for hit in hits_in(&bytes, needles) {
                    found.push(format!(
                        "{}: {hit}",
                        p.strip_prefix(dir).unwrap_or(&p).display()
                    ));
                }
            }
        }
    }
    found.sort();
    found
}

async fn created(api: &Api, path: &str, body: Value) -> Value {
    let (status, answer) = api.post(path, body).await;
    assert!(status.is_success(), "{path}: {status} {answer}");
    answer
}

/// A raw e-mail from the person with an attachment.
fn mail(
    from: &Person,
    message_id: &str,
    subject: &str,
    in_reply_to: Option<&str>,
    attachment: &str,
    body: &str,
) -> Vec<u8> {
    let engine = base64::engine::general_purpose::STANDARD;
    let subject = format!("=?UTF-8?B?{}?=", engine.encode(subject));
    let reply = in_reply_to
        .map(|id| format!("In-Reply-To: <{id}>\r\nReferences: <{id}>\r\n"))
        .unwrap_or_default();
    let file = engine.encode(format!("Beleg von {} ({})", from.name(), from.phone));
    let body_qp: String = body
        .bytes()
        .map(|b| {
            if b.is_ascii() && b != b'=' {
                (b as char).to_string()
            } else {
                format!("={b:02X}")
            }
        })
        .collect();
    format!(
        "From: {name} <{email}>\r\nTo: {SUPPORT}\r\nSubject: {subject}\r\n\
         Message-ID: <{message_id}>\r\n{reply}Date: Thu, 03 Dec 2026 09:00:00 +0000\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
         {body_qp}\r\n--b1\r\nContent-Type: text/plain; name=\"{attachment}\"\r\n\
         Content-Disposition: attachment; filename=\"{attachment}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n\
         {file}\r\n--b1--\r\n",
        name = from.name(),
        email = from.email(),
    )
    .into_bytes()
}

/// What was planted for one person.
#[derive(Default)]
struct Planted {
    contact: i64,
    cases: Vec<i64>,
}

/// The demo's ACME setup the tests plant into.
struct Setup {
    client: i64,
    project: i64,
    mailbox: i64,
    form: String,
}

async fn setup(ts: &TestServer, dovecot: &Dovecot) -> Setup {
    let api = client(ts, CA_ACME);
    let client_id = ts
        .id_of(&format!("{V1}/clients"), "name", "Acme Energie GmbH")
        .await;
    let project = ts.id_of(&format!("{V1}/projects"), "key", "ACME").await;
    let mailbox = created(
        &api,
        &format!("{V1}/projects/{project}/mailboxes"),
        dovecot.mailbox_json(SUPPORT),
    )
    .await["id"]
        .as_i64()
        .expect("mailbox");
    for (entity, key) in [("contact", "hinweis"), ("case", "vorgang")] {
        created(
            &api,
            &format!("{V1}/projects/{project}/fields"),
            json!({ "entity": entity, "key": key, "label": key, "kind": "text", "options": [] }),
        )
        .await;
    }
    let (status, form) = api
        .put(
            &format!("{V1}/projects/{project}/webform"),
            json!({ "enabled": true, "title": "Kontakt" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{form}");
    Setup {
        client: client_id,
        project,
        mailbox,
        form: form["public_id"].as_str().expect("public id").to_string(),
    }
}

/// Plants the person's data through the API, the CSV import, custom
/// fields, notes, an upload, the phone log and the web form; their e-mail
/// is delivered to Dovecot (fetched later).
async fn plant(ts: &TestServer, s: &Setup, dovecot: &Dovecot, p: Person) -> Planted {
    let api = client(ts, CA_ACME);
    let mark = p.mark;
    let contact = created(
        &api,
        &format!("{V1}/contacts"),
        json!({ "client_id": s.client, "name": p.name(), "emails": [p.email()], "phones": [p.phone],
                "street": format!("{mark}weg 5"), "city": format!("{mark}hausen"),
                "notes": format!("Kundin {mark} ruft abends an"),
                "custom": { "hinweis": format!("Hinweis {mark}") } }),
    )
    .await["id"]
        .as_i64()
        .expect("contact");
    // The CSV import updates the same contact (found by address).
    let csv = format!(
        "\u{feff}Name;E-Mail;Kundennummer;Notizen\n{};{};KN-{};Import zu {mark}\n",
        p.name(),
        p.email(),
        p.ascii
    );
    let response = api
        .raw(
            Method::POST,
            &format!("{V1}/contacts/import?client_id={}", s.client),
            Some(("text/csv; charset=utf-8", csv.into_bytes())),
            &[],
        )
        .await;
    let status = response.status();
    let report: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["updated"], 1, "{report}");

    let case = created(
        &api,
        &format!("{V1}/cases"),
        json!({ "project_id": s.project, "subject": format!("Vertrag {mark}"), "channel": "email",
                "contact_id": contact, "custom": { "vorgang": format!("Vorgang {mark}") },
                "message": { "kind": "inbound", "body_text": format!("Hallo, hier {}, Tel {}", p.name(), p.phone) } }),
    )
    .await;
    let case_id = case["id"].as_i64().expect("case");
    // An ordinary update leaves the old subject behind in a page.
    let (status, body) = api
        .patch(
            &format!("{V1}/cases/{case_id}"),
            json!({ "subject": format!("Vertrag {mark} (geändert)"), "force": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // An upload, sent with a note.
    let response = api
        .raw(
            Method::POST,
            &format!(
                "{V1}/cases/{case_id}/attachments?filename={}-ausweis.txt",
                p.ascii
            ),
            Some((
                "text/plain",
                format!("Ausweis {}, Nr. {}", p.name(), p.digits).into_bytes(),
            )),
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let upload: Value = response.json().await.expect("upload");
    created(
        &api,
        &format!("{V1}/cases/{case_id}/messages"),
        json!({ "kind": "note", "body_text": format!("Notiz: {mark} wünscht Rückruf"),
                "attachment_ids": [upload["id"]] }),
    )
    .await;

    let call = created(
        &api,
        &format!("{V1}/calls"),
        json!({ "project_id": s.project, "direction": "inbound", "phone": p.phone, "contact_id": contact,
                "subject": format!("Anruf {mark}"), "notes": format!("{mark} fragt nach dem Tarif"),
                "talk_seconds": 60 }),
    )
    .await["id"]
        .as_i64()
        .expect("call case");

    // The public web form, as a browser would post it.
    let token = {
        let at = chrono::Utc::now().timestamp_millis() as u64 - 10_000;
        ts.server.state.webforms.token_at(&s.form, at)
    };
    let subject = format!("Webformular {mark}");
    let message = format!("Nachricht von {} über das Formular", p.name());
    let email = p.email();
    let name = p.name();
    let body = serde_urlencoded::to_string([
        ("name", name.as_str()),
        ("email", email.as_str()),
        ("subject", subject.as_str()),
        ("message", message.as_str()),
        ("token", token.as_str()),
    ])
    .expect("form");
    let response = ts
        .anonymous()
        .raw(
            Method::POST,
            &format!("/f/{}", s.form),
            Some(("application/x-www-form-urlencoded", body.into_bytes())),
            &[],
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());

    dovecot.deliver(&mail(
        &p,
        &format!("{}-1@kanarien.example", p.ascii),
        &format!("Zählerstand {mark}"),
        None,
        &format!("{}-zaehler.txt", p.ascii),
        &format!("Mein Zählerstand, {}", p.name()),
    ));
    Planted {
        contact,
        cases: vec![case_id, call],
    }
}

/// The cases of the project that belong to the contact.
async fn cases_of(api: &Api, project: i64, contact: i64) -> Vec<Value> {
    let (status, list) = api
        .get(&format!(
            "{V1}/cases?project_id={project}&contact_id={contact}&limit=200"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["items"].as_array().cloned().unwrap_or_default()
}

async fn fetch(api: &Api, mailbox: i64) {
    let (status, report) = api
        .post(&format!("{V1}/mailboxes/{mailbox}/fetch"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
}

/// Every answer of the API about these cases and the client, as bytes:
/// lists, search, details, threads, mail records, raw mails, attachment
/// downloads, held web-form submissions, audit, erasures, exports, and the
/// data-subject export of `subject`.
async fn api_answers(
    ts: &TestServer,
    s: &Setup,
    cases: &[i64],
    subject: i64,
    queries: &[&str],
) -> Vec<(String, Vec<u8>)> {
    let api = client(ts, CA_ACME);
    let admin = client(ts, ADMIN);
    let mut paths: Vec<String> = vec![
        format!("{V1}/contacts?client_id={}&limit=200", s.client),
        format!("{V1}/cases?project_id={}&limit=200", s.project),
        format!("{V1}/mailboxes/{}/inbound?limit=200", s.mailbox),
        format!("{V1}/projects/{}/webform/held", s.project),
        format!("{V1}/audit?limit=200"),
        format!("{V1}/gdpr/erasures"),
        format!("{V1}/clients/{}/exports", s.client),
        format!("{V1}/contacts/{subject}/data-export"),
        format!("{V1}/contacts/duplicates?client_id={}", s.client),
    ];
    for q in queries {
        let q: String = url_encode(q);
        paths.push(format!("{V1}/search?q={q}"));
        paths.push(format!("{V1}/contacts?client_id={}&q={q}", s.client));
    }
    let mut answers = Vec::new();
    for case in cases {
        paths.push(format!("{V1}/cases/{case}"));
        paths.push(format!("{V1}/cases/{case}/time"));
        paths.push(format!("{V1}/cases/{case}/deliveries"));
        let (status, mail) = api.get(&format!("{V1}/cases/{case}/mail")).await;
        answers.push((
            format!("{V1}/cases/{case}/mail"),
            mail.to_string().into_bytes(),
        ));
        if status == StatusCode::OK {
            for record in mail["items"].as_array().cloned().unwrap_or_default() {
                if let Some(message) = record["thread_message_id"].as_i64() {
                    paths.push(format!("{V1}/cases/{case}/messages/{message}/raw"));
                }
            }
        }
        let (status, detail) = api.get(&format!("{V1}/cases/{case}")).await;
        if status == StatusCode::OK {
            for message in detail["messages"].as_array().cloned().unwrap_or_default() {
                for attachment in message["attachments"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                {
                    if let Some(id) = attachment["id"].as_i64() {
                        paths.push(format!("{V1}/attachments/{id}"));
                    }
                }
            }
        }
    }
    paths.sort();
    paths.dedup();
    for path in paths {
        let who = if path.starts_with(&format!("{V1}/audit")) {
            &admin
        } else {
            &api
        };
        let response = who.raw(Method::GET, &path, None, &[]).await;
        let bytes = response
            .bytes()
            .await
            .map(|b| b.to_vec())
            .unwrap_or_default();
        answers.push((path, bytes));
    }
    answers
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn api_hits(answers: &[(String, Vec<u8>)], needles: &Needles) -> Vec<String> {
    answers
        .iter()
        .flat_map(|(path, bytes)| {
            hits_in(bytes, needles)
                .into_iter()
                .map(move |hit| format!("{path}: {hit}"))
        })
        .collect()
}

/// Stops the server and starts a new one on the same data directory.
async fn restart(ts: TestServer) -> TestServer {
    let TestServer { server, dir, .. } = ts;
    server.stop().await;
    common::start_again(dir).await
}

async fn wait_for<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(120);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Asserts that nothing of `gone` is on disk (but in backups) or in any
/// answer, and that `kept` is whole.
async fn assert_erased(
    ts: &TestServer,
    s: &Setup,
    gone: &Person,
    kept: &Person,
    kept_planted: &Planted,
    cases: &[i64],
    when: &str,
) {
    let on_disk = scan_dir(ts.dir.path(), &gone.needles(), &["backups"]);
    assert!(
        on_disk.is_empty(),
        "{when}: the erased person is still on disk:\n{}\nlive rows: {:?}",
        on_disk.join("\n"),
        common::store_hits(ts, gone.mark)
    );
    let answers = api_answers(
        ts,
        s,
        cases,
        kept_planted.contact,
        &[gone.mark, gone.ascii, gone.digits, &gone.email()],
    )
    .await;
    let hits = api_hits(&answers, &gone.needles());
    assert!(
        hits.is_empty(),
        "{when}: the API still answers the erased person:\n{}",
        hits.join("\n")
    );

    // The other person is whole: in the store, in search, in their cases,
    // with their mail and files.
    let kept_disk = scan_dir(ts.dir.path(), &kept.needles(), &["backups"]);
    assert!(
        kept_disk.iter().any(|h| h.starts_with("zezaro.db")),
        "{when}: {kept_disk:?}"
    );
    let api = client(ts, CA_ACME);
    let (_, found) = api.get(&format!("{V1}/search?q={}", kept.ascii)).await;
    assert!(found.to_string().contains(&kept.email()), "{when}: {found}");
    let (status, contact) = api
        .get(&format!("{V1}/contacts/{}", kept_planted.contact))
        .await;
    assert_eq!(status, StatusCode::OK, "{when}");
    assert_eq!(contact["name"], kept.name());
    let kept_cases = cases_of(&api, s.project, kept_planted.contact).await;
    assert_eq!(
        kept_cases.len(),
        4,
        "{when}: case, call, web form, mail: {kept_cases:?}"
    );
    let kept_answers = api_answers(
        ts,
        s,
        &kept_cases
            .iter()
            .filter_map(|c| c["id"].as_i64())
            .collect::<Vec<_>>(),
        kept_planted.contact,
        &[],
    )
    .await;
    for (form, needle) in [
        ("attachment", format!("Ausweis {}", kept.name())),
        ("mail attachment", format!("Beleg von {}", kept.name())),
        ("custom field", format!("Vorgang {}", kept.mark)),
        ("note", format!("Notiz: {}", kept.mark)),
        ("web form", format!("Nachricht von {}", kept.name())),
        ("call", format!("Anruf {}", kept.mark)),
        ("mail", format!("Zählerstand {}", kept.mark)),
    ] {
        assert!(
            kept_answers
                .iter()
                .any(|(_, bytes)| String::from_utf8_lossy(bytes).contains(&needle)),
            "{when}: the other person's {form} is gone"
        );
    }
}

async fn erasure_leaves_nothing_behind(mode: &str, round_trip: bool) {
    let dovecot = Dovecot::start();
    let ts = common::demo_server().await;
    let s = setup(&ts, &dovecot).await;
    let api = client(&ts, CA_ACME);
    let admin = client(&ts, ADMIN);
    let gone = plant(&ts, &s, &dovecot, GONE).await;
    let kept = plant(&ts, &s, &dovecot, KEPT).await;
    fetch(&api, s.mailbox).await;

    // The kept person's mail case; the erased person writes into it, once
    // by its reference in the subject and once by reply headers.
    let kept_cases = cases_of(&api, s.project, kept.contact).await;
    let kept_mail_case = kept_cases
        .iter()
        .find(|c| {
            c["subject"]
                .as_str()
                .is_some_and(|t| t.starts_with("Zählerstand"))
        })
        .expect("the kept person's mail case");
    let reference = kept_mail_case["ref"].as_str().expect("ref").to_string();
    let kept_mail_id = kept_mail_case["id"].as_i64().expect("id");
    dovecot.deliver(&mail(
        &GONE,
        &format!("{}-2@kanarien.example", GONE.ascii),
        &format!("Re: [{reference}] Frage von {}", GONE.mark),
        None,
        &format!("{}-beleg.txt", GONE.ascii),
        &format!("Ich bin {}, die Nachbarin", GONE.name()),
    ));
    dovecot.deliver(&mail(
        &GONE,
        &format!("{}-3@kanarien.example", GONE.ascii),
        &format!("Ergänzung {}", GONE.mark),
        Some(&format!("{}-1@kanarien.example", KEPT.ascii)),
        &format!("{}-nachtrag.txt", GONE.ascii),
        &format!("Noch etwas von {}", GONE.name()),
    ));
    fetch(&api, s.mailbox).await;
    let (_, kept_mail) = api.get(&format!("{V1}/cases/{kept_mail_id}/mail")).await;
    assert_eq!(
        kept_mail["items"].as_array().map(Vec::len),
        Some(3),
        "both mails of the erased person joined the other's case: {kept_mail}"
    );

    let mut all_cases: Vec<i64> = cases_of(&api, s.project, gone.contact)
        .await
        .iter()
        .chain(kept_cases.iter())
        .filter_map(|c| c["id"].as_i64())
        .collect();
    all_cases.extend(gone.cases.iter().chain(kept.cases.iter()));
    all_cases.sort_unstable();
    all_cases.dedup();
    assert_eq!(all_cases.len(), 8, "four cases each: {all_cases:?}");

    // The scan finds what is there (it can fail).
    let before = scan_dir(ts.dir.path(), &GONE.needles(), &["backups"]);
    for place in ["zezaro.db", "attachments"] {
        assert!(
            before.iter().any(|h| h.starts_with(place)),
            "{place}: {before:?}"
        );
    }
    let answers = api_answers(&ts, &s, &all_cases, kept.contact, &[GONE.mark]).await;
    assert!(!api_hits(&answers, &GONE.needles()).is_empty());
    assert!(
        api_hits(&answers, &GONE.needles())
            .iter()
            .any(|h| h.contains("data-export")),
        "the other person's Art. 15 export names the erased person's attachment"
    );

    // A client export and (for the round trip) a backup, taken before.
    let job = created(
        &api,
        &format!("{V1}/clients/{}/exports", s.client),
        json!({}),
    )
    .await;
    let job_path = format!(
        "{V1}/clients/{}/exports/{}",
        s.client,
        job["id"].as_str().expect("job")
    );
    wait_for("the export", || async {
        api.get(&job_path).await.1["state"] == "done"
    })
    .await;
    let exports_dir = ts.dir.path().join("exports");
    assert!(
        !scan_dir(&exports_dir, &GONE.needles(), &[]).is_empty()
            || std::fs::read_dir(&exports_dir)
                .map(|d| d.count())
                .unwrap_or(0)
                == 1
    );
    let backup = if round_trip {
        created(&admin, &format!("{V1}/backups"), json!({})).await;
        let deadline = Instant::now() + Duration::from_secs(120);
        let name = loop {
            let (_, job) = admin.get(&format!("{V1}/backups/job")).await;
            assert_ne!(job["state"], "failed", "{job}");
            if job["state"] == "done" {
                break job["file_name"].as_str().unwrap_or_default().to_string();
            }
            assert!(Instant::now() < deadline, "the backup did not finish");
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        Some(ts.dir.path().join("backups").join(name))
    } else {
        None
    };
    // Time passes between the backup and the erasure.
    tokio::time::sleep(Duration::from_millis(20)).await;

    let (status, erasure) = api
        .post(
            &format!("{V1}/contacts/{}/erase", gone.contact),
            json!({ "mode": mode }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{erasure}");
    assert_eq!(erasure["mode"], mode);

    // The export made before is deleted, and says why.
    let (_, job) = api.get(&job_path).await;
    assert_eq!(
        (job["state"].as_str(), job["removed_reason"].as_str()),
        (Some("removed"), Some("erasure")),
        "{job}"
    );
    let (status, problem) = api.get(&format!("{job_path}/download")).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::GONE, Some("export-removed")),
        "{problem}"
    );

    assert_erased(
        &ts,
        &s,
        &GONE,
        &KEPT,
        &kept,
        &all_cases,
        "right after the erasure",
    )
    .await;
    let ts = restart(ts).await;
    assert_erased(&ts, &s, &GONE, &KEPT, &kept, &all_cases, "after a restart").await;

    if let Some(backup) = backup {
        // Backups keep the erased person until they expire …
        assert!(
            !scan_dir(&ts.dir.path().join("backups"), &GONE.needles(), &[]).is_empty()
                || backup.exists()
        );
        // … and a restore of one re-applies the erasure, and says so.
        let TestServer { server, dir, .. } = ts;
        server.stop().await;
        let output = common::process::run(
            &[
                "restore",
                "--data-dir",
                dir.path().to_str().expect("path"),
                "--from",
                backup.to_str().expect("path"),
                "--force",
            ],
            "",
        );
        let stdout = common::process::text(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout}\n{}",
            common::process::text(&output.stderr)
        );
        assert!(stdout.contains("re-applied 1 erasure"), "{stdout}");
        let ts = common::start_again(dir).await;
        assert_erased(
            &ts,
            &s,
            &GONE,
            &KEPT,
            &kept,
            &all_cases,
            "after restoring the older backup",
        )
        .await;
        let (_, erasures) = client(&ts, CA_ACME)
            .get(&format!("{V1}/gdpr/erasures"))
            .await;
        assert_eq!(erasures["items"][0]["replayed"], true, "{erasures}");
        // A second restart replays nothing again and finds nothing.
        let ts = restart(ts).await;
        assert_erased(
            &ts,
            &s,
            &GONE,
            &KEPT,
            &kept,
            &all_cases,
            "after restoring and restarting",
        )
        .await;
        ts.server.stop().await;
    } else {
        ts.server.stop().await;
    }
    dovecot.stop();
}

#[actix_web::test]
async fn anonymizing_leaves_nothing_behind_and_a_restore_erases_again() {
    erasure_leaves_nothing_behind("anonymize", true).await;
}

#[actix_web::test]
async fn deleting_leaves_nothing_behind() {
    erasure_leaves_nothing_behind("delete", false).await;
}

/// Retention with back-dated cases: the old cases' canaries go (each
/// mode), the recent ones stay.
async fn retention_leaves_nothing_behind(mode: &str) {
    let dovecot = Dovecot::start();
    let ts = common::demo_server().await;
    let s = setup(&ts, &dovecot).await;
    let api = client(&ts, CA_ACME);
    let admin = client(&ts, ADMIN);
    let old = plant(&ts, &s, &dovecot, GONE).await;
    let recent = plant(&ts, &s, &dovecot, KEPT).await;
    fetch(&api, s.mailbox).await;
    let old_cases: Vec<i64> = cases_of(&api, s.project, old.contact)
        .await
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    let recent_cases: Vec<i64> = cases_of(&api, s.project, recent.contact)
        .await
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    assert_eq!((old_cases.len(), recent_cases.len()), (4, 4));
    for case in old_cases.iter().chain(recent_cases.iter()) {
        let (status, body) = api
            .patch(
                &format!("{V1}/cases/{case}"),
                json!({ "status": "closed", "force": true }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // Closed two years ago: only the store can say so.
    let ids = serde_json::to_string(&old_cases).expect("ids");
    ts.server
        .state
        .db
        .write_blocking(move |tx| {
            tx.execute(
                "UPDATE cases SET closed_at = '2024-11-02T10:00:00.000Z' WHERE id IN (SELECT value FROM json_each(?1))",
                [ids],
            )
            .map_err(zezaro::db::StoreError::from)
        })
        .expect("back-dated");
    // The old person's contact stays (retention is about cases): their
    // cases' canaries are what must go, so the contact is renamed and
    // readdressed to carry none.
    let (status, body) = api
        .patch(
            &format!("{V1}/contacts/{}", old.contact),
            json!({ "name": "Olga Alt", "emails": ["olga.alt@example.org"], "phones": ["+49 30 1000"],
                    "street": "", "city": "", "notes": "", "customer_number": null,
                    "custom": { "hinweis": "" } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, rule) = api
        .put(
            &format!("{V1}/projects/{}/retention", s.project),
            json!({ "months": 12, "action": mode }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rule}");
    let (_, preview) = api
        .get(&format!("{V1}/projects/{}/retention/preview", s.project))
        .await;
    assert!(preview["cases"].as_u64().unwrap_or(0) >= 4, "{preview}");
    let (status, run) = admin
        .post(&format!("{V1}/services/gdpr.retention/run"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{run}");
    wait_for("the retention run", || async {
        let (_, list) = admin.get(&format!("{V1}/services")).await;
        list["items"]
            .as_array()
            .and_then(|items| items.iter().find(|i| i["key"] == "gdpr.retention"))
            .is_some_and(|service| service["runs"] == 1)
    })
    .await;

    let check = |ts: &TestServer, when: &'static str| {
        let on_disk = scan_dir(ts.dir.path(), &GONE.needles(), &["backups"]);
        assert!(
            on_disk.is_empty(),
            "{when}: retention left the old cases on disk:\n{}\nlive rows: {:?}",
            on_disk.join("\n"),
            common::store_hits(ts, GONE.mark)
        );
        let kept = scan_dir(ts.dir.path(), &KEPT.needles(), &["backups"]);
        assert!(
            kept.iter().any(|h| h.starts_with("zezaro.db")),
            "{when}: {kept:?}"
        );
    };
    check(&ts, "after the retention run");
    let all: Vec<i64> = old_cases
        .iter()
        .chain(recent_cases.iter())
        .copied()
        .collect();
    let answers = api_answers(&ts, &s, &all, recent.contact, &[GONE.mark, GONE.ascii]).await;
    let hits = api_hits(&answers, &GONE.needles());
    assert!(
        hits.is_empty(),
        "the API still answers the old cases:\n{}",
        hits.join("\n")
    );
    assert!(!api_hits(&answers, &KEPT.needles()).is_empty());
    for case in &recent_cases {
        let (_, detail) = api.get(&format!("{V1}/cases/{case}")).await;
        assert!(detail.to_string().contains(KEPT.mark), "{detail}");
    }
    let ts = restart(ts).await;
    check(&ts, "after a restart");
    ts.server.stop().await;
    dovecot.stop();
}

#[actix_web::test]
async fn retention_anonymizing_leaves_nothing_behind() {
    retention_leaves_nothing_behind("anonymize").await;
}

#[actix_web::test]
async fn retention_deleting_leaves_nothing_behind() {
    retention_leaves_nothing_behind("delete").await;
}
