//! Filing one raw e-mail as a case or into an existing case: plain Rust on
//! a transaction, so it is unit-testable and runs inside the fetcher's
//! batch write.
//!
//! Order of durability: the raw message and its parts are written as
//! blobs and synced first ([`BlobBatch`]); the case, thread message,
//! attachments, Message-ID and the inbound record are committed in one
//! transaction; only then does the fetcher touch the message on the IMAP
//! server. A message fetched again after a crash finds its record by
//! (mailbox, UIDVALIDITY, UID) or (mailbox, Message-ID / raw hash) and is
//! not filed twice.
//!
//! [`file_batch`] is the fetcher's path for a batch (and the benchmark's).

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;

use rusqlite::Transaction;

use super::error::MailError;
use super::parse::{self, Limits, Parsed};
use super::store::{self, NewInbound};
use crate::auth::Principal;
use crate::blobs::{BlobStore, Stored};
use crate::cases::{
    Case, CaseHub, Channel, FirstMessage, InlineContact, MessageKind, NewCase, NewMessage,
};
use crate::db::Db;

/// Where a mailbox files its mail.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub mailbox_id: i64,
    pub project_id: i64,
    pub client_id: i64,
}

/// Who files mail: the system. The audit log names it `mail`.
pub fn system_principal() -> Principal {
    Principal {
        email: "mail".into(),
        name: "E-mail".into(),
        ..Principal::operator()
    }
}

/// Blobs written for a batch of messages: each content goes to a temporary
/// file; [`BlobBatch::commit`] syncs them, renames them into place and
/// syncs their directories, so no row is ever committed naming a file that
/// a crash could lose.
pub struct BlobBatch<'a> {
    store: &'a BlobStore,
    tmp_dir: PathBuf,
    tmp_dir_made: bool,
    pending: Vec<(PathBuf, PathBuf)>,
    names: HashSet<String>,
}

impl<'a> BlobBatch<'a> {
    pub fn new(store: &'a BlobStore) -> BlobBatch<'a> {
        // The blob store's root is the parent of any blob's two-level path.
        let tmp_dir = store
            .path(&"0".repeat(64))
            .and_then(|p| p.parent()?.parent()?.parent().map(|r| r.join("tmp")))
            .unwrap_or_else(|| PathBuf::from("tmp"));
        BlobBatch {
            store,
            tmp_dir,
            tmp_dir_made: false,
            pending: Vec::new(),
            names: HashSet::new(),
        }
    }

    /// Queues `bytes`; answers their hash and size.
    pub fn add(&mut self, bytes: &[u8]) -> std::io::Result<Stored> {
        let sha256 = crate::db::hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref());
        let stored = Stored {
            sha256: sha256.clone(),
            size: bytes.len() as u64,
        };
        let target = self
            .store
            .path(&sha256)
            .ok_or_else(|| std::io::Error::other("bad digest"))?;
        if self.names.contains(&sha256) {
            return Ok(stored);
        }
        if let Ok(meta) = std::fs::metadata(&target)
            && meta.len() == bytes.len() as u64
        {
            // Stored (and synced) before.
            self.names.insert(sha256);
            return Ok(stored);
        }
        if !self.tmp_dir_made {
            std::fs::create_dir_all(&self.tmp_dir)?;
            self.tmp_dir_made = true;
        }
        let tmp = self
            .tmp_dir
            .join(format!("{}.mail", crate::auth::tokens::random_token()));
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        start_writeback(&file);
        drop(file);
        self.names.insert(sha256);
        self.pending.push((tmp, target));
        Ok(stored)
    }

    /// Makes every queued blob durable under its final name: the files'
    /// contents are synced, then they are renamed into place, then the
    /// directories holding the new names are synced. The syncs of a batch
    /// run side by side, so the file system commits them together.
    pub fn commit(self) -> std::io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let files: Vec<&PathBuf> = self.pending.iter().map(|(tmp, _)| tmp).collect();
        sync_all_parallel(&files, false)?;
        let mut dirs: Vec<PathBuf> = Vec::new();
        let mut seen: HashSet<PathBuf> = HashSet::new();
        for (tmp, target) in &self.pending {
            if let Some(parent) = target.parent()
                && !seen.contains(parent)
            {
                // A directory made now must itself be named durably in its
                // parent, or a crash could lose it with the blobs inside.
                let mut made = Vec::new();
                let mut dir = Some(parent);
                while let Some(d) = dir.filter(|d| !d.exists()) {
                    made.push(d.to_path_buf());
                    dir = d.parent();
                }
                std::fs::create_dir_all(parent)?;
                for d in std::iter::once(parent.to_path_buf())
                    .chain(made.iter().filter_map(|m| m.parent().map(PathBuf::from)))
                {
                    if seen.insert(d.clone()) {
                        dirs.push(d);
                    }
                }
            }
            std::fs::rename(tmp, target)?;
        }
        let dirs: Vec<&PathBuf> = dirs.iter().collect();
        sync_all_parallel(&dirs, true)
    }
}

/// Starts writing a file's data to disk now, while the batch goes on, so
/// that the fdatasync in [`BlobBatch::commit`] finds it written and the
/// blocks allocated: the syncs of a batch then share one journal commit.
/// Only a hint; durability comes from the sync.
#[cfg(target_os = "linux")]
fn start_writeback(file: &std::fs::File) {
    use std::os::fd::AsRawFd;
    // SAFETY: a valid open descriptor; the call only schedules I/O.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &std::fs::File) {}

/// fsync (data only for files) of every path, on up to 64 threads: all
/// syncs of a batch in flight at once cost about one round trip to the
/// disk (there may be no journal to group them).
fn sync_all_parallel(paths: &[&PathBuf], directories: bool) -> std::io::Result<()> {
    let threads = paths.len().clamp(1, 64);
    let per_thread = paths.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = paths
            .chunks(per_thread)
            .map(|chunk| {
                scope.spawn(move || -> std::io::Result<()> {
                    for path in chunk {
                        let file = std::fs::File::open(path)?;
                        if directories {
                            file.sync_all()?;
                        } else {
                            file.sync_data()?;
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        for handle in handles {
            handle
                .join()
                .map_err(|_| std::io::Error::other("a sync thread panicked"))??;
        }
        Ok(())
    })
}

/// A parsed message whose raw bytes and parts are queued as blobs.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub parsed: Parsed,
    pub raw: Stored,
    /// The stored parts, in the order of `parsed.parts` (whose data is
    /// dropped once queued).
    pub parts: Vec<Stored>,
    /// The Message-ID, or `sha256:<hex>` of the raw bytes without one.
    pub message_key: String,
}

/// Parses `raw` and queues it and its parts in `batch`.
pub fn prepare(batch: &mut BlobBatch, raw: &[u8], limits: Limits) -> std::io::Result<Prepared> {
    queue(batch, raw, parse::parse(raw, limits))
}

/// [`prepare`] for many messages: parsed on all cores, then queued.
pub fn prepare_all(
    batch: &mut BlobBatch,
    raws: &[&[u8]],
    limits: Limits,
) -> std::io::Result<Vec<Prepared>> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8)
        .min(raws.len().max(1));
    let per_thread = raws.len().div_ceil(threads).max(1);
    let parsed: Vec<Parsed> = std::thread::scope(|scope| {
        let handles: Vec<_> = raws
            .chunks(per_thread)
            .map(|chunk| {
                let handle = scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|raw| parse::parse(raw, limits))
                        .collect::<Vec<_>>()
                });
                (chunk.len(), handle)
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|(len, h)| {
                // parse() catches panics itself; this is the last resort.
                h.join().unwrap_or_else(|_| vec![Parsed::default(); len])
            })
            .collect()
    });
    raws.iter()
        .zip(parsed)
        .map(|(raw, parsed)| queue(batch, raw, parsed))
        .collect()
}

fn queue(batch: &mut BlobBatch, raw: &[u8], mut parsed: Parsed) -> std::io::Result<Prepared> {
    let raw_stored = batch.add(raw)?;
    let mut parts = Vec::with_capacity(parsed.parts.len());
    for part in &mut parsed.parts {
        parts.push(batch.add(&part.data)?);
        part.data = Vec::new();
    }
    let message_key = match &parsed.message_id {
        Some(id) => id.clone(),
        None => format!("sha256:{}", raw_stored.sha256),
    };
    Ok(Prepared {
        parsed,
        raw: raw_stored,
        parts,
        message_key,
    })
}

/// A batch filed by [`file_batch`].
#[derive(Debug, Default)]
pub struct FiledBatch {
    /// One per message, in order.
    pub outcomes: Vec<Outcome>,
}

/// Parses and stores a batch of raw messages (UID, bytes) and files them
/// in one durable write; then announces the cases on `hub`. The fetcher's
/// path (and the benchmark's).
///
/// Parsing runs on all cores and the blobs are made durable before the
/// write begins, so no row is committed naming a file a crash could lose.
/// (Parsing the next messages while the writer files the first ones was
/// measured too: on two shared cores it gained nothing, see
/// `benches/mail.rs`.)
pub async fn file_batch(
    db: &Db,
    blobs: &BlobStore,
    hub: &CaseHub,
    limits: Limits,
    target: Target,
    uid_validity: u32,
    raws: Vec<(u32, Vec<u8>)>,
) -> Result<FiledBatch, MailError> {
    if raws.is_empty() {
        return Ok(FiledBatch::default());
    }
    let blobs = blobs.clone();
    let prepared: Vec<(u32, Prepared)> = crate::db::blocking(move || {
        let mut batch = BlobBatch::new(&blobs);
        let bytes: Vec<&[u8]> = raws.iter().map(|(_, raw)| raw.as_slice()).collect();
        let prepared = prepare_all(&mut batch, &bytes, limits)?;
        batch.commit()?;
        Ok::<_, MailError>(raws.iter().map(|(uid, _)| *uid).zip(prepared).collect())
    })
    .await?;
    let (outcomes, cases) = db
        .write(move |tx| {
            let mut outcomes = Vec::with_capacity(prepared.len());
            let mut cases = Vec::new();
            for (uid, p) in &prepared {
                let (outcome, case) =
                    ingest_with_case(tx, target, Some(uid_validity), Some(*uid), p)?;
                if let (Outcome::Filed { new_case, .. }, Some(case)) = (&outcome, case) {
                    cases.push((*new_case, case));
                }
                outcomes.push(outcome);
            }
            let taken = outcomes
                .iter()
                .filter(|o| matches!(o, Outcome::Filed { .. }))
                .count();
            store::add_taken(tx, target.mailbox_id, taken as i64)?;
            Ok::<_, MailError>((outcomes, cases))
        })
        .await?;
    // Live events only after the commit.
    let who = system_principal();
    for (new_case, case) in &cases {
        let kind = if *new_case { "created" } else { "message" };
        hub.publish(crate::cases::events::Event::Case(
            crate::cases::service::event(kind, case, target.client_id, &who),
        ));
    }
    Ok(FiledBatch { outcomes })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Taken before (a repeated fetch): nothing was written.
    Duplicate { inbound_id: i64 },
    Filed {
        inbound_id: i64,
        case_id: Option<i64>,
        new_case: bool,
        flagged: bool,
    },
}

/// Files one prepared message (its blobs must be committed before the
/// transaction is).
pub fn ingest(
    tx: &Transaction,
    target: Target,
    uid_validity: Option<u32>,
    uid: Option<u32>,
    prepared: &Prepared,
) -> Result<Outcome, MailError> {
    ingest_with_case(tx, target, uid_validity, uid, prepared).map(|(outcome, _)| outcome)
}

/// [`ingest`], also answering the case as filing left it (for the live
/// event, without reading it again).
fn ingest_with_case(
    tx: &Transaction,
    target: Target,
    uid_validity: Option<u32>,
    uid: Option<u32>,
    prepared: &Prepared,
) -> Result<(Outcome, Option<Case>), MailError> {
    if let Some(inbound_id) = store::find_inbound(
        tx,
        target.mailbox_id,
        uid_validity,
        uid,
        Some(&prepared.message_key),
    )? {
        return Ok((Outcome::Duplicate { inbound_id }, None));
    }
    tx.execute_batch("SAVEPOINT mail_ingest")?;
    match file(tx, target, uid_validity, uid, prepared) {
        Ok((outcome, case)) => {
            tx.execute_batch("RELEASE mail_ingest")?;
            Ok((outcome, Some(case)))
        }
        Err(err) => {
            tx.execute_batch("ROLLBACK TO mail_ingest")?;
            tracing::warn!(mailbox = target.mailbox_id, error = %err, "filing a message failed; storing it plainly");
            let note = format!("filed without threading or contact: {err}");
            match file_degraded(tx, target, uid_validity, uid, prepared, &note) {
                Ok((outcome, case)) => {
                    tx.execute_batch("RELEASE mail_ingest")?;
                    Ok((outcome, Some(case)))
                }
                Err(err2) => {
                    tx.execute_batch("ROLLBACK TO mail_ingest; RELEASE mail_ingest")?;
                    // Last resort: the record alone, flagged, so the raw
                    // message is kept and not fetched again and again.
                    let problem = format!("could not be filed as a case: {err2}");
                    let inbound_id = record(
                        tx,
                        target,
                        uid_validity,
                        uid,
                        prepared,
                        None,
                        None,
                        "new",
                        Some(&problem),
                    )?;
                    Ok((
                        Outcome::Filed {
                            inbound_id,
                            case_id: None,
                            new_case: false,
                            flagged: true,
                        },
                        None,
                    ))
                }
            }
        }
    }
}

/// The case a message belongs to, and how it was found.
fn find_case(
    tx: &Transaction,
    target: Target,
    parsed: &Parsed,
) -> Result<Option<(i64, &'static str)>, MailError> {
    if parsed.bounce {
        for id in parsed.bounce_refs.iter() {
            if let Some(case) = store::case_by_message_id(tx, target.client_id, id)? {
                return Ok(Some((store::surviving_case(tx, case)?, "bounce")));
            }
        }
    }
    let ids = parsed
        .in_reply_to
        .iter()
        .chain(parsed.references.iter().rev());
    for id in ids {
        if let Some(case) = store::case_by_message_id(tx, target.client_id, id)? {
            let how = if parsed.bounce {
                "bounce"
            } else {
                "references"
            };
            return Ok(Some((store::surviving_case(tx, case)?, how)));
        }
    }
    let refs = parse::subject_references(&parsed.subject);
    if !refs.is_empty() {
        let keys = store::project_keys(tx, target.client_id)?;
        for (key, number) in refs {
            if keys.iter().any(|k| k.eq_ignore_ascii_case(&key))
                && let Some(case) = store::case_by_reference(tx, target.client_id, &key, number)?
            {
                return Ok(Some((store::surviving_case(tx, case)?, "subject")));
            }
        }
    }
    Ok(None)
}

fn file(
    tx: &Transaction,
    target: Target,
    uid_validity: Option<u32>,
    uid: Option<u32>,
    prepared: &Prepared,
) -> Result<(Outcome, Case), MailError> {
    let parsed = &prepared.parsed;
    let who = system_principal();
    let mut problems = parsed.problems.clone();
    let known = match &parsed.from_address {
        Some(email) if !parsed.bounce => store::contact_by_email(tx, target.client_id, email)?,
        _ => None,
    };
    let contact_id = match &parsed.from_address {
        // Known senders without the general look-up (the usual case).
        _ if known.is_some() => known,
        Some(email) if !parsed.bounce => {
            match crate::cases::service::resolve_contact(
                tx,
                &who,
                target.client_id,
                &InlineContact {
                    name: parsed.from_name.clone(),
                    email: Some(email.clone()),
                    phone: None,
                },
            ) {
                Ok(id) => id,
                Err(crate::cases::CaseError::Contact(crate::contacts::ContactError::Invalid(
                    invalid,
                ))) => {
                    problems.push(format!("no contact: {invalid}"));
                    None
                }
                Err(err) => return Err(err.into()),
            }
        }
        _ => None,
    };
    let found = find_case(tx, target, parsed)?;
    let body = body_for_service(parsed);
    let (case, message_id, new_case, threaded_by) = match found {
        Some((case_id, how)) => {
            // Automatic mail does not reopen a case: it keeps the status
            // (read only then; add_message reads the case itself).
            let keep_status = if parsed.is_automatic() {
                Some(crate::cases::service::visible_case(tx, &who, case_id)?.status)
            } else {
                None
            };
            let created = crate::cases::service::add_message(
                tx,
                &who,
                case_id,
                NewMessage {
                    kind: MessageKind::Inbound,
                    body_text: body.clone(),
                    expected_version: None,
                    force: true,
                    set_status: keep_status,
                    attachment_ids: Vec::new(),
                },
            )?;
            (created.case, created.message.id, false, how)
        }
        None => {
            let subject = if parsed.subject.is_empty() {
                "(no subject)".to_string()
            } else {
                parsed.subject.clone()
            };
            let case = crate::cases::service::create_incoming(
                tx,
                &who,
                NewCase {
                    project_id: target.project_id,
                    subject,
                    channel: Channel::Email,
                    topic_id: None,
                    priority: None,
                    handling_team: None,
                    assignee_id: None,
                    contact_id,
                    contact: None,
                    tags: Vec::new(),
                    due_at: None,
                    custom: None,
                    message: Some(FirstMessage {
                        kind: MessageKind::Inbound,
                        body_text: body.clone(),
                    }),
                },
            )?;
            let message_id = first_message(tx, case.id)?;
            (case, message_id, true, "new")
        }
    };
    let case_id = case.id;
    finish(tx, target, prepared, case_id, message_id, contact_id, &body)?;
    if new_case
        && !parsed.is_automatic()
        && let Some(note) = acknowledge(tx, target.mailbox_id, case_id, message_id)?
    {
        problems.push(note);
    }
    let problem = (!problems.is_empty()).then(|| problems.join("; "));
    let inbound_id = record(
        tx,
        target,
        uid_validity,
        uid,
        prepared,
        Some(case_id),
        Some(message_id),
        threaded_by,
        problem.as_deref(),
    )?;
    Ok((
        Outcome::Filed {
            inbound_id,
            case_id: Some(case_id),
            new_case,
            flagged: problem.is_some(),
        },
        case,
    ))
}

/// After a failure: a new case without contact or threading, with the
/// message's text as far as it was read.
fn file_degraded(
    tx: &Transaction,
    target: Target,
    uid_validity: Option<u32>,
    uid: Option<u32>,
    prepared: &Prepared,
    note: &str,
) -> Result<(Outcome, Case), MailError> {
    let who = system_principal();
    let parsed = &prepared.parsed;
    let body = body_for_service(parsed);
    let case = crate::cases::service::create_incoming(
        tx,
        &who,
        NewCase {
            project_id: target.project_id,
            subject: "(unreadable e-mail)".into(),
            channel: Channel::Email,
            topic_id: None,
            priority: None,
            handling_team: None,
            assignee_id: None,
            contact_id: None,
            contact: None,
            tags: Vec::new(),
            due_at: None,
            custom: None,
            message: Some(FirstMessage {
                kind: MessageKind::Inbound,
                body_text: body.clone(),
            }),
        },
    )?;
    let message_id = first_message(tx, case.id)?;
    let mut problems = parsed.problems.clone();
    problems.push(note.to_string());
    let problem = problems.join("; ");
    finish(tx, target, prepared, case.id, message_id, None, &body)?;
    let inbound_id = record(
        tx,
        target,
        uid_validity,
        uid,
        prepared,
        Some(case.id),
        Some(message_id),
        "new",
        Some(&problem),
    )?;
    Ok((
        Outcome::Filed {
            inbound_id,
            case_id: Some(case.id),
            new_case: true,
            flagged: true,
        },
        case,
    ))
}

/// The single place where a new case from a normal (not automatic) message
/// is acknowledged to its sender (the outbound side queues it, if the
/// mailbox has acknowledgments on). A failure is noted, never fatal: the
/// message is filed all the same.
fn acknowledge(
    tx: &Transaction,
    mailbox_id: i64,
    case_id: i64,
    thread_message_id: i64,
) -> Result<Option<String>, MailError> {
    tx.execute_batch("SAVEPOINT mail_ack")?;
    match crate::mail::outbound::enqueue_auto_ack(tx, mailbox_id, case_id, thread_message_id) {
        Ok(()) => {
            tx.execute_batch("RELEASE mail_ack")?;
            Ok(None)
        }
        Err(err) => {
            tx.execute_batch("ROLLBACK TO mail_ack; RELEASE mail_ack")?;
            tracing::warn!(mailbox = mailbox_id, case = case_id, error = %err, "queueing the acknowledgment failed");
            Ok(Some(format!("no acknowledgment was sent: {err}")))
        }
    }
}

/// Text handed to the cases service (which wants a non-empty body).
fn body_for_service(parsed: &Parsed) -> String {
    let text = parsed.body_text.trim();
    if text.is_empty() {
        if parsed.parts.is_empty() {
            "(no text)".into()
        } else {
            "(no text; see the attachments)".into()
        }
    } else {
        parse::clip_chars(text, parse::MAX_BODY_CHARS)
    }
}

fn first_message(tx: &Transaction, case_id: i64) -> Result<i64, MailError> {
    Ok(tx
        .prepare_cached("SELECT max(id) FROM messages WHERE case_id = ?1")?
        .query_row([case_id], |row| row.get(0))?)
}

/// Attachments, e-mail columns of the thread message, the Message-ID.
fn finish(
    tx: &Transaction,
    target: Target,
    prepared: &Prepared,
    case_id: i64,
    message_id: i64,
    contact_id: Option<i64>,
    body: &str,
) -> Result<(), MailError> {
    let parsed = &prepared.parsed;
    let mut html = parsed.body_html.clone();
    for (part, stored) in parsed.parts.iter().zip(&prepared.parts) {
        let attachment_id = store::insert_attachment(
            tx,
            case_id,
            message_id,
            &stored.sha256,
            &part.filename,
            &part.content_type,
            stored.size,
        )?;
        if let (Some(cid), Some(h)) = (&part.content_id, html.as_mut()) {
            let needle = format!("cid:{cid}");
            if h.contains(&needle) {
                *h = h.replace(&needle, &format!("/api/v1/attachments/{attachment_id}"));
            }
        }
    }
    // The raw message's blob row comes with its record (`record`).
    let subject = (!parsed.subject.is_empty()).then_some(parsed.subject.as_str());
    store::set_message_mail_fields(
        tx,
        message_id,
        &store::MailFields {
            body_text: body,
            body_html: html.as_deref(),
            from: parsed.from_address.as_deref(),
            to: parsed.to.as_deref(),
            subject,
            author_contact_id: contact_id,
        },
    )?;
    if let Some(id) = &parsed.message_id {
        store::remember_message_id(tx, id, case_id, message_id, target.mailbox_id)?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn record(
    tx: &Transaction,
    target: Target,
    uid_validity: Option<u32>,
    uid: Option<u32>,
    prepared: &Prepared,
    case_id: Option<i64>,
    message_id: Option<i64>,
    threaded_by: &str,
    problem: Option<&str>,
) -> Result<i64, MailError> {
    let parsed = &prepared.parsed;
    store::insert_blob_row(tx, &prepared.raw.sha256, prepared.raw.size)?;
    Ok(store::insert_inbound(
        tx,
        &NewInbound {
            mailbox_id: target.mailbox_id,
            uid_validity,
            uid,
            message_key: &prepared.message_key,
            message_id: parsed.message_id.as_deref(),
            raw_sha256: &prepared.raw.sha256,
            raw_size: prepared.raw.size as i64,
            from_address: parsed.from_address.as_deref(),
            subject: (!parsed.subject.is_empty()).then_some(parsed.subject.as_str()),
            case_id,
            thread_message_id: message_id,
            threaded_by,
            auto_reply: parsed.auto_reply,
            bulk: parsed.bulk,
            bounce: parsed.bounce,
            problem,
        },
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Db, StoreError};

    struct Fixture {
        _dir: tempfile::TempDir,
        db: Db,
        blobs: BlobStore,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Db::open(dir.path()).unwrap();
        crate::demo::seed(&db).unwrap();
        let blobs = BlobStore::new(dir.path());
        Fixture {
            _dir: dir,
            db,
            blobs,
        }
    }

    /// A mailbox row for the project with this key.
    fn target(db: &Db, key: &str) -> Target {
        db.write_blocking(|tx| {
            let (project_id, client_id): (i64, i64) = tx.query_row(
                "SELECT id, client_id FROM projects WHERE key = ?1",
                [key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            tx.execute(
                "INSERT INTO mailboxes (project_id, name, address, imap_host, imap_port, imap_security,
                     imap_username, imap_password_sealed, smtp_host, smtp_port, smtp_security, created_at, updated_at)
                 VALUES (?1, 'm', ?2, '127.0.0.1', 143, 'plain', 'u', x'00', '127.0.0.1', 25, 'plain', 'now', 'now')",
                rusqlite::params![project_id, format!("support@{}.example", key.to_lowercase())],
            )?;
            Ok::<_, StoreError>(Target {
                mailbox_id: tx.last_insert_rowid(),
                project_id,
                client_id,
            })
        })
        .unwrap()
    }

    fn take(f: &Fixture, t: Target, uid: u32, raw: &str) -> Outcome {
        let mut batch = BlobBatch::new(&f.blobs);
        let prepared =
            prepare(&mut batch, raw.as_bytes(), Limits::for_attachments(1 << 20)).unwrap();
        batch.commit().unwrap();
        f.db.write_blocking(|tx| ingest(tx, t, Some(7), Some(uid), &prepared))
            .unwrap()
    }

    fn case_of(outcome: &Outcome) -> i64 {
        match outcome {
            Outcome::Filed {
                case_id: Some(id), ..
            } => *id,
            other => panic!("not filed: {other:?}"),
        }
    }

    fn count(db: &Db, sql: &str, id: i64) -> i64 {
        db.read_blocking(|c| Ok::<_, StoreError>(c.query_row(sql, [id], |r| r.get(0))?))
            .unwrap()
    }

    #[test]
    fn replies_thread_and_repeats_are_not_filed_twice() {
        let f = fixture();
        let acme = target(&f.db, "ACME");
        let first = take(
            &f,
            acme,
            1,
            "From: Kim <kim@kunde.example>\r\nSubject: Hilfe\r\nMessage-ID: <m1@kunde.example>\r\n\r\nErste Nachricht\r\n",
        );
        let case_id = case_of(&first);
        assert!(matches!(
            first,
            Outcome::Filed {
                new_case: true,
                flagged: false,
                ..
            }
        ));
        // The same UID again, and the same Message-ID under another UID.
        assert!(matches!(
            take(
                &f,
                acme,
                1,
                "From: x@y.example\r\nSubject: other\r\n\r\nx\r\n"
            ),
            Outcome::Duplicate { .. }
        ));
        assert!(matches!(
            take(
                &f,
                acme,
                2,
                "From: Kim <kim@kunde.example>\r\nSubject: Hilfe\r\nMessage-ID: <m1@kunde.example>\r\n\r\nErste Nachricht\r\n"
            ),
            Outcome::Duplicate { .. }
        ));
        // A reply threads by In-Reply-To.
        let reply = take(
            &f,
            acme,
            3,
            "From: kim@kunde.example\r\nSubject: Re: Hilfe\r\nMessage-ID: <m2@kunde.example>\r\nIn-Reply-To: <m1@kunde.example>\r\n\r\nNoch was\r\n",
        );
        assert_eq!(case_of(&reply), case_id);
        assert_eq!(
            count(
                &f.db,
                "SELECT count(*) FROM messages WHERE case_id = ?1",
                case_id
            ),
            2
        );
        assert_eq!(
            count(
                &f.db,
                "SELECT count(*) FROM mail_message_ids WHERE case_id = ?1 AND direction = 'in'",
                case_id
            ),
            2
        );
        // The case number in the subject, without threading headers.
        let reference: String = f
            .db
            .read_blocking(|c| {
                Ok::<_, StoreError>(c.query_row(
                    "SELECT p.key || '-' || c.number FROM cases c JOIN projects p ON p.id = c.project_id WHERE c.id = ?1",
                    [case_id],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        let by_subject = take(
            &f,
            acme,
            4,
            &format!(
                "From: kim@kunde.example\r\nSubject: AW: [{reference}] Hilfe\r\n\r\nper Betreff\r\n"
            ),
        );
        assert_eq!(case_of(&by_subject), case_id);
        // The same Message-ID at another client opens a case there.
        let nord = target(&f.db, "NORD");
        let foreign = take(
            &f,
            nord,
            1,
            &format!(
                "From: kim@kunde.example\r\nSubject: Re: [{reference}]\r\nMessage-ID: <m3@kunde.example>\r\nIn-Reply-To: <m1@kunde.example>\r\n\r\nfremd\r\n"
            ),
        );
        assert_ne!(case_of(&foreign), case_id);
        assert_eq!(
            count(
                &f.db,
                "SELECT project_id FROM cases WHERE id = ?1",
                case_of(&foreign)
            ),
            nord.project_id
        );
    }

    #[test]
    fn a_customer_reply_reopens_an_auto_reply_does_not() {
        let f = fixture();
        let acme = target(&f.db, "ACME");
        let case_id = case_of(&take(
            &f,
            acme,
            1,
            "From: kim@kunde.example\r\nSubject: Hilfe\r\nMessage-ID: <r1@kunde.example>\r\n\r\nx\r\n",
        ));
        let solve = |db: &Db| {
            db.write_blocking(|tx| {
                tx.execute(
                    "UPDATE cases SET status = 'solved' WHERE id = ?1",
                    [case_id],
                )?;
                Ok::<_, StoreError>(())
            })
            .unwrap()
        };
        let status = |db: &Db| -> String {
            db.read_blocking(|c| {
                Ok::<_, StoreError>(c.query_row(
                    "SELECT status FROM cases WHERE id = ?1",
                    [case_id],
                    |r| r.get(0),
                )?)
            })
            .unwrap()
        };
        solve(&f.db);
        take(
            &f,
            acme,
            2,
            "From: kim@kunde.example\r\nSubject: Abwesend\r\nAuto-Submitted: auto-replied\r\nIn-Reply-To: <r1@kunde.example>\r\n\r\nweg\r\n",
        );
        assert_eq!(status(&f.db), "solved");
        take(
            &f,
            acme,
            3,
            "From: kim@kunde.example\r\nSubject: Re: Hilfe\r\nIn-Reply-To: <r1@kunde.example>\r\n\r\ndoch noch\r\n",
        );
        assert_eq!(status(&f.db), "open");
    }
}
