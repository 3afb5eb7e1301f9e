//! Filing one raw e-mail as a case or into an existing case: plain Rust on
//! a transaction, so it is unit-testable and runs inside the fetcher's
//! batch write.
//!
//! Order of durability: the raw message and its parts are written into
//! the batch's pack file, which is synced before the write may commit
//! ([`BlobBatch`]); the case, thread message, attachments, Message-ID and
//! the inbound record are committed in one transaction; only then does the
//! fetcher touch the message on the IMAP server. A message fetched again after a crash finds its record by
//! (mailbox, UIDVALIDITY, UID) or (mailbox, Message-ID / raw hash) and is
//! not filed twice.
//!
//! [`file_batch`] is the fetcher's path for a batch (and the benchmark's).

use std::collections::HashSet;

use rusqlite::Transaction;

use super::error::MailError;
use super::model::MailFlag;
use super::parse::{self, Limits, Parsed};
use super::store::{self, NewInbound};
use crate::auth::Principal;
use crate::blobs::pack::PackWriter;
use crate::blobs::{BlobStore, Stored};
use crate::cases::{
    Case, CaseHub, Channel, FirstMessage, InlineContact, MessageKind, MessageMail, NewCase,
    NewMessage,
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

/// Blobs written for a batch of messages: every new content goes into one
/// pack file ([`PackWriter`]); [`BlobBatch::commit`] syncs it once, so no
/// row is ever committed naming bytes a crash could lose.
pub struct BlobBatch {
    pack: PackWriter,
    /// Contents with a row already: not written again.
    stored: HashSet<String>,
}

impl BlobBatch {
    pub fn new(store: &BlobStore) -> BlobBatch {
        BlobBatch {
            pack: PackWriter::new(store),
            stored: HashSet::new(),
        }
    }

    /// Contents known to be stored (their rows exist): [`BlobBatch::add`]
    /// leaves them out of the pack.
    pub fn skip_stored(&mut self, shas: HashSet<String>) {
        self.stored.extend(shas);
    }

    /// Queues `bytes` (whose SHA-256 is `sha256`); answers their place.
    fn add_hashed(&mut self, sha256: String, bytes: &[u8]) -> std::io::Result<Stored> {
        let pack = if self.stored.contains(&sha256) {
            None
        } else {
            Some(self.pack.add(&sha256, bytes)?)
        };
        Ok(Stored {
            sha256,
            size: bytes.len() as u64,
            pack,
        })
    }

    /// Makes every queued content durable (one sync of the pack).
    pub fn commit(&mut self) -> std::io::Result<()> {
        self.pack.sync()
    }

    /// Removes the pack: its batch was not filed.
    pub fn discard(self) {
        self.pack.discard();
    }

    /// The pack's file name, when anything was written into it.
    pub fn pack_name(&self) -> Option<&str> {
        (!self.pack.is_empty()).then(|| self.pack.name())
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    crate::db::hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
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

/// Parses a chunk of (UID, raw) messages on this thread and queues their
/// contents, leaving out those the store has already (one read).
fn prepare_chunk(
    db: &Db,
    batch: &mut BlobBatch,
    raws: &[(u32, Vec<u8>)],
    limits: Limits,
) -> Result<Vec<(u32, Prepared)>, MailError> {
    let parsed: Vec<(Parsed, Hashes)> = raws
        .iter()
        .map(|(_, raw)| {
            let parsed = parse::parse(raw, limits);
            let hashes = Hashes::of(raw, &parsed);
            (parsed, hashes)
        })
        .collect();
    let wanted: Vec<String> = parsed
        .iter()
        .flat_map(|(_, h)| std::iter::once(&h.raw).chain(&h.parts).cloned())
        .collect();
    let stored = db.read_blocking(move |conn| {
        crate::blobs::store::existing(conn, wanted.iter().map(String::as_str))
    })?;
    batch.skip_stored(stored);
    raws.iter()
        .zip(parsed)
        .map(|((uid, raw), (parsed, hashes))| Ok((*uid, queue_hashed(batch, raw, parsed, hashes)?)))
        .collect()
}

/// The SHA-256 of a raw message and of its parts, in order.
struct Hashes {
    raw: String,
    parts: Vec<String>,
}

impl Hashes {
    fn of(raw: &[u8], parsed: &Parsed) -> Hashes {
        Hashes {
            raw: sha256_hex(raw),
            parts: parsed.parts.iter().map(|p| sha256_hex(&p.data)).collect(),
        }
    }
}

fn queue(batch: &mut BlobBatch, raw: &[u8], parsed: Parsed) -> std::io::Result<Prepared> {
    let hashes = Hashes::of(raw, &parsed);
    queue_hashed(batch, raw, parsed, hashes)
}

/// Queues a parsed message's raw bytes and parts (their data is dropped
/// once queued).
fn queue_hashed(
    batch: &mut BlobBatch,
    raw: &[u8],
    mut parsed: Parsed,
    hashes: Hashes,
) -> std::io::Result<Prepared> {
    let raw_stored = batch.add_hashed(hashes.raw, raw)?;
    let mut parts = Vec::with_capacity(parsed.parts.len());
    for (part, sha) in parsed.parts.iter_mut().zip(hashes.parts) {
        parts.push(batch.add_hashed(sha, &part.data)?);
        part.data = Vec::new();
    }
    Ok(prepared(parsed, raw_stored, parts))
}

fn prepared(parsed: Parsed, raw: Stored, parts: Vec<Stored>) -> Prepared {
    let message_key = match &parsed.message_id {
        Some(id) => id.clone(),
        None => format!("sha256:{}", raw.sha256),
    };
    Prepared {
        parsed,
        raw,
        parts,
        message_key,
    }
}

/// A batch filed by [`file_batch`].
#[derive(Debug, Default)]
pub struct FiledBatch {
    /// One per message, in order.
    pub outcomes: Vec<Outcome>,
}

/// Messages parsed and handed to the writer at a time (see [`file_batch`]).
const PIPELINE_CHUNK: usize = 10;

/// What the parsing side hands the writer in [`file_batch`].
enum Feed {
    Messages(Vec<(u32, Prepared)>),
    /// Every content of the batch is durable: the write may commit.
    Durable,
}

/// Parses and stores a batch of raw messages (UID, bytes) and files them
/// in one durable write; then announces the cases on `hub`. The fetcher's
/// path (and the benchmark's).
///
/// Two threads work side by side: one parses the messages a few at a time
/// and appends their contents to the batch's pack; the writer files each
/// few as they come, inside the one transaction. The pack is synced
/// before the writer may commit, so no row is committed naming bytes a
/// crash could lose; if anything fails, nothing is committed and the pack
/// is removed.
pub async fn file_batch(
    db: &Db,
    blobs: &BlobStore,
    hub: &CaseHub,
    limits: Limits,
    target: Target,
    uid_validity: u32,
    raws: Vec<(u32, Vec<u8>)>,
) -> Result<FiledBatch, MailError> {
    file_batch_after(db, blobs, hub, limits, target, uid_validity, raws, None).await
}

/// [`file_batch`], whose write waits until `before` resolves (the batch
/// before it is done), while its parsing starts at once.
#[allow(clippy::too_many_arguments)]
async fn file_batch_after(
    db: &Db,
    blobs: &BlobStore,
    hub: &CaseHub,
    limits: Limits,
    target: Target,
    uid_validity: u32,
    raws: Vec<(u32, Vec<u8>)>,
    before: Option<tokio::sync::oneshot::Receiver<()>>,
) -> Result<FiledBatch, MailError> {
    if raws.is_empty() {
        if let Some(before) = before {
            let _ = before.await;
        }
        return Ok(FiledBatch::default());
    }
    let (feed, fed) = std::sync::mpsc::sync_channel::<Feed>(raws.len().div_ceil(PIPELINE_CHUNK));
    let (reader, store) = (db.clone(), blobs.clone());
    let parsing = crate::db::blocking(move || {
        let mut batch = BlobBatch::new(&store);
        let result = (|| {
            for chunk in raws.chunks(PIPELINE_CHUNK) {
                let prepared = prepare_chunk(&reader, &mut batch, chunk, limits)?;
                if feed.send(Feed::Messages(prepared)).is_err() {
                    // The writer gave up; its error is the one to report.
                    return Ok(());
                }
            }
            batch.commit()?;
            let _ = feed.send(Feed::Durable);
            Ok::<_, MailError>(())
        })();
        Ok::<_, MailError>((batch, result))
    });
    let write = db.clone();
    let writing = async move {
        if let Some(before) = before {
            // Done either way (sent or dropped): batches are filed in order.
            let _ = before.await;
        }
        write
            .write(move |tx| {
                let mut filed = Filing::default();
                crate::cases::store::with_deferred_index(tx, || {
                    loop {
                        match fed.recv() {
                            Ok(Feed::Messages(chunk)) => {
                                filed.file(tx, target, uid_validity, &chunk)?
                            }
                            Ok(Feed::Durable) => return Ok::<_, MailError>(()),
                            Err(_) => {
                                return Err(MailError::Io(std::io::Error::other(
                                    "the message contents were not stored",
                                )));
                            }
                        }
                    }
                })?;
                filed.count_taken(tx, target)?;
                Ok::<_, MailError>(filed)
            })
            .await
    };
    let (parsed, written) = tokio::join!(parsing, writing);
    let (batch, stored) = parsed?;
    let filed = match (stored, written) {
        (Ok(()), Ok(filed)) => filed,
        // The parsing side's error is the cause when there is one.
        (Err(err), _) | (Ok(()), Err(err)) => {
            batch.discard();
            return Err(err);
        }
    };
    // A pack no committed row names (a batch of repeats, or contents a
    // batch in flight before stored first) goes now, not at the next start.
    if let Some(name) = batch.pack_name().map(str::to_string) {
        let named = db
            .read(move |conn| crate::blobs::pack::is_named(conn, &name))
            .await;
        match named {
            Ok(false) => batch.discard(),
            Ok(true) => {}
            Err(err) => {
                tracing::warn!(error = %err, "checking a pack failed; it is kept until the next start");
            }
        }
    }
    // Live events only after the commit.
    let who = system_principal();
    for (new_case, case) in &filed.cases {
        let kind = if *new_case { "created" } else { "message" };
        hub.publish(crate::cases::events::Event::Case(
            crate::cases::service::event(kind, case, target.client_id, &who),
        ));
    }
    Ok(FiledBatch {
        outcomes: filed.outcomes,
    })
}

/// Files batch after batch for one mailbox, each batch started before the
/// one before it has committed: the next batch is parsed and packed while
/// the writer files and commits the previous one (on two cores the writer
/// alone is busy for most of a batch). Batches are filed and committed in
/// order, each in its own durable write, and each is answered only once
/// committed — the fetcher touches messages on the server only then.
///
/// A content in two batches in flight is packed by both (the second
/// cannot know the first's yet); the row keeps the first copy.
pub struct Pipeline {
    db: Db,
    blobs: BlobStore,
    hub: std::sync::Arc<CaseHub>,
    limits: Limits,
    target: Target,
    uid_validity: u32,
    in_flight: Option<InFlight>,
}

struct InFlight {
    uids: Vec<u32>,
    task: tokio::task::JoinHandle<Result<FiledBatch, MailError>>,
    /// Dropped when the batch is done: the next batch's write waits for it.
    done: tokio::sync::oneshot::Receiver<()>,
}

/// A committed batch: its messages' UIDs (in order) and outcomes.
#[derive(Debug)]
pub struct Committed {
    pub uids: Vec<u32>,
    pub outcomes: Vec<Outcome>,
}

impl Pipeline {
    pub fn new(
        db: Db,
        blobs: BlobStore,
        hub: std::sync::Arc<CaseHub>,
        limits: Limits,
        target: Target,
        uid_validity: u32,
    ) -> Pipeline {
        Pipeline {
            db,
            blobs,
            hub,
            limits,
            target,
            uid_validity,
            in_flight: None,
        }
    }

    /// Starts filing `raws`; answers the batch before it once that is
    /// committed (`None` for the first). After an error, call
    /// [`Pipeline::finish`] before giving up, so no batch goes on alone.
    pub async fn push(
        &mut self,
        raws: Vec<(u32, Vec<u8>)>,
    ) -> Result<Option<Committed>, MailError> {
        let uids: Vec<u32> = raws.iter().map(|(uid, _)| *uid).collect();
        let (done_sender, done) = tokio::sync::oneshot::channel::<()>();
        let before = self.in_flight.as_mut().map(|f| {
            // The new batch waits for the one now in flight.
            std::mem::replace(&mut f.done, tokio::sync::oneshot::channel().1)
        });
        let (db, blobs, hub) = (self.db.clone(), self.blobs.clone(), self.hub.clone());
        let (limits, target, uid_validity) = (self.limits, self.target, self.uid_validity);
        let task = tokio::spawn(async move {
            let filed = file_batch_after(
                &db,
                &blobs,
                &hub,
                limits,
                target,
                uid_validity,
                raws,
                before,
            )
            .await;
            drop(done_sender);
            filed
        });
        match self.in_flight.replace(InFlight { uids, task, done }) {
            Some(previous) => Self::wait(previous).await.map(Some),
            None => Ok(None),
        }
    }

    /// Waits for the batch in flight, if any.
    pub async fn finish(&mut self) -> Result<Option<Committed>, MailError> {
        match self.in_flight.take() {
            Some(last) => Self::wait(last).await.map(Some),
            None => Ok(None),
        }
    }

    async fn wait(batch: InFlight) -> Result<Committed, MailError> {
        let filed = batch.task.await.map_err(|err| {
            MailError::Store(crate::db::StoreError::Task(format!(
                "filing a batch: {err}"
            )))
        })??;
        Ok(Committed {
            uids: batch.uids,
            outcomes: filed.outcomes,
        })
    }
}

/// What a batch's write filed so far.
#[derive(Default)]
struct Filing {
    outcomes: Vec<Outcome>,
    /// The cases filed into (new or not), for the live events.
    cases: Vec<(bool, Case)>,
}

impl Filing {
    fn file(
        &mut self,
        tx: &Transaction,
        target: Target,
        uid_validity: u32,
        prepared: &[(u32, Prepared)],
    ) -> Result<(), MailError> {
        let known: Vec<&str> = prepared
            .iter()
            .flat_map(|(_, p)| std::iter::once(&p.raw).chain(&p.parts))
            .filter(|stored| stored.pack.is_none())
            .map(|stored| stored.sha256.as_str())
            .collect();
        if !known.is_empty() {
            // Left out of the pack as stored already: an erasure since may
            // have removed them. Then the batch is not filed (its messages
            // stay on the server and come again, packed in full).
            let found = crate::blobs::store::existing(tx, known.iter().copied())?;
            if known.iter().any(|sha| !found.contains(*sha)) {
                return Err(MailError::Io(std::io::Error::other(
                    "a content of this batch was erased while it was filed; the batch is taken again",
                )));
            }
        }
        // Savepoints cost (SQLite's bookkeeping, FTS5 flushes): the chunk
        // is filed under one; only if a message fails is it filed again
        // message by message, each under its own, as far as it goes.
        let (outcomes, cases) = (self.outcomes.len(), self.cases.len());
        savepoint(tx, "SAVEPOINT mail_chunk")?;
        match self.file_each(tx, target, uid_validity, prepared, Care::Optimistic) {
            Ok(()) => savepoint(tx, "RELEASE mail_chunk")?,
            Err(err) => {
                tx.execute_batch("ROLLBACK TO mail_chunk; RELEASE mail_chunk")?;
                tracing::debug!(error = %err, "a message of the chunk failed; filing one by one");
                self.outcomes.truncate(outcomes);
                self.cases.truncate(cases);
                self.file_each(tx, target, uid_validity, prepared, Care::Careful)?;
            }
        }
        Ok(())
    }

    fn file_each(
        &mut self,
        tx: &Transaction,
        target: Target,
        uid_validity: u32,
        prepared: &[(u32, Prepared)],
        care: Care,
    ) -> Result<(), MailError> {
        for (uid, p) in prepared {
            let (outcome, case) =
                ingest_with_case(tx, target, Some(uid_validity), Some(*uid), p, care)?;
            if let (Outcome::Filed { new_case, .. }, Some(case)) = (&outcome, case) {
                self.cases.push((*new_case, case));
            }
            self.outcomes.push(outcome);
        }
        Ok(())
    }

    fn count_taken(&self, tx: &Transaction, target: Target) -> Result<(), MailError> {
        let taken = self
            .outcomes
            .iter()
            .filter(|o| matches!(o, Outcome::Filed { .. }))
            .count();
        store::add_taken(tx, target.mailbox_id, taken as i64)?;
        Ok(())
    }
}

/// Files prepared messages (UID, message) in the caller's transaction, as
/// [`file_batch`]'s writer does: one outcome per message. Their blobs must
/// be durable before the transaction commits.
pub fn file_prepared(
    tx: &Transaction,
    target: Target,
    uid_validity: u32,
    prepared: &[(u32, Prepared)],
) -> Result<Vec<Outcome>, MailError> {
    let mut filed = Filing::default();
    crate::cases::store::with_deferred_index(tx, || {
        filed.file(tx, target, uid_validity, prepared)
    })?;
    filed.count_taken(tx, target)?;
    Ok(filed.outcomes)
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
    ingest_with_case(tx, target, uid_validity, uid, prepared, Care::Careful)
        .map(|(outcome, _)| outcome)
}

/// [`ingest`], also answering the case as filing left it (for the live
/// event, without reading it again).
fn ingest_with_case(
    tx: &Transaction,
    target: Target,
    uid_validity: Option<u32>,
    uid: Option<u32>,
    prepared: &Prepared,
    care: Care,
) -> Result<(Outcome, Option<Case>), MailError> {
    let parsed = &prepared.parsed;
    let seen = store::seen_before(
        tx,
        target.mailbox_id,
        &store::Lookup {
            uid_validity,
            uid,
            message_key: &prepared.message_key,
            has_message_id: parsed.message_id.is_some(),
            raw_sha256: &prepared.raw.sha256,
            content_sha256: &parsed.content_sha256,
        },
    )?;
    let at = match seen {
        store::Seen::Taken(inbound_id) => {
            tracing::info!(
                mailbox = target.mailbox_id,
                uid,
                message = %prepared.message_key,
                record = inbound_id,
                "the same message was taken before; not filed again"
            );
            return Ok((Outcome::Duplicate { inbound_id }, None));
        }
        store::Seen::IdReused(earlier) => {
            tracing::info!(
                mailbox = target.mailbox_id,
                uid,
                message = %prepared.message_key,
                earlier,
                "a different message reuses a Message-ID taken before; filed and flagged"
            );
            Taking {
                uid_validity,
                uid,
                key: store::reused_key(&prepared.message_key, &parsed.content_sha256),
                reused: true,
            }
        }
        store::Seen::New => Taking {
            uid_validity,
            uid,
            key: prepared.message_key.clone(),
            reused: false,
        },
    };
    if care == Care::Optimistic {
        let (outcome, case) = file(tx, target, &at, prepared, care)?;
        return Ok((outcome, Some(case)));
    }
    savepoint(tx, "SAVEPOINT mail_ingest")?;
    match file(tx, target, &at, prepared, care) {
        Ok((outcome, case)) => {
            savepoint(tx, "RELEASE mail_ingest")?;
            Ok((outcome, Some(case)))
        }
        Err(err) => {
            tx.execute_batch("ROLLBACK TO mail_ingest")?;
            tracing::warn!(mailbox = target.mailbox_id, error = %err, "filing a message failed; storing it plainly");
            let note = format!("filed without threading or contact: {err}");
            match file_degraded(tx, target, &at, prepared, &note) {
                Ok((outcome, case)) => {
                    savepoint(tx, "RELEASE mail_ingest")?;
                    Ok((outcome, Some(case)))
                }
                Err(err2) => {
                    tx.execute_batch("ROLLBACK TO mail_ingest; RELEASE mail_ingest")?;
                    // Last resort: the record alone, flagged, so the raw
                    // message is kept and not fetched again and again.
                    let mut problems = parsed.problems.clone();
                    problems.push(format!("could not be filed as a case: {err2}"));
                    let inbound_id = record(
                        tx,
                        target,
                        &at,
                        prepared,
                        None,
                        "new",
                        &at.flags(parsed),
                        Some(&problems.join("; ")),
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

/// Where a message was taken from, and under which record key.
struct Taking {
    uid_validity: Option<u32>,
    uid: Option<u32>,
    /// The Message-ID (or raw hash); with the content hash when reused.
    key: String,
    /// Its Message-ID was taken before with other content.
    reused: bool,
}

impl Taking {
    /// The message's flags, with the reuse of its Message-ID.
    fn flags(&self, parsed: &Parsed) -> Vec<MailFlag> {
        let mut flags = parsed.flags.clone();
        if self.reused {
            flags.push(MailFlag::MessageIdReused);
        }
        flags
    }

    /// The message's problems, with the reuse of its Message-ID.
    fn problems(&self, parsed: &Parsed) -> Vec<String> {
        let mut problems = parsed.problems.clone();
        if self.reused {
            problems.push(
                "another message with this Message-ID was taken before; this one is filed as well"
                    .into(),
            );
        }
        problems
    }
}

/// How a message is filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Care {
    /// Without savepoints: any failure fails the caller's whole chunk.
    Optimistic,
    /// Under a savepoint each (and one for the acknowledgment): a failure
    /// files the message plainly, or as a flagged record at least.
    Careful,
}

/// Opens or releases a savepoint through the statement cache (twice per
/// message: parsing the statement each time showed in the profile).
fn savepoint(tx: &Transaction, sql: &str) -> rusqlite::Result<()> {
    tx.prepare_cached(sql)?.execute([])?;
    Ok(())
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
    at: &Taking,
    prepared: &Prepared,
    care: Care,
) -> Result<(Outcome, Case), MailError> {
    let parsed = &prepared.parsed;
    let who = system_principal();
    let mut problems = at.problems(parsed);
    let mut flags = at.flags(parsed);
    // Mail from one of our own users is no customer's: no contact is made
    // (or linked) from the address.
    let own_user = match &parsed.from_address {
        Some(email) => store::is_own_user(tx, target.client_id, target.project_id, email)?,
        None => false,
    };
    if own_user {
        flags.push(MailFlag::SenderIsUser);
        problems.push(
            "the sender's address is one of this platform's users; no contact was made from it"
                .into(),
        );
    }
    let from_customer = !parsed.bounce && !own_user;
    let known = match &parsed.from_address {
        Some(email) if from_customer => store::contact_by_email(tx, target.client_id, email)?,
        _ => None,
    };
    let contact_id = match &parsed.from_address {
        // Known senders without the general look-up (the usual case).
        _ if known.is_some() => known,
        Some(email) if from_customer => {
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
    let found = match find_case(tx, target, parsed)? {
        // A reused Message-ID threads as the ID says, failing all else.
        None if at.reused => match &parsed.message_id {
            Some(id) => match store::case_by_message_id(tx, target.client_id, id)? {
                Some(case) => Some((store::surviving_case(tx, case)?, "message-id")),
                None => None,
            },
            None => None,
        },
        found => found,
    };
    let body = body_for_service(parsed);
    let mail = message_mail(parsed, contact_id);
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
                    body_text: body,
                    expected_version: None,
                    force: true,
                    set_status: keep_status,
                    attachment_ids: Vec::new(),
                    mail: Some(mail),
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
                        body_text: body,
                        mail: Some(mail),
                    }),
                },
            )?;
            let message_id = first_message(tx, case.id)?;
            (case, message_id, true, "new")
        }
    };
    let case_id = case.id;
    finish(tx, target, prepared, case_id, message_id)?;
    if new_case
        && !parsed.is_automatic()
        && !own_user
        && let Some(note) = acknowledge(tx, target.mailbox_id, case_id, message_id, care)?
    {
        problems.push(note);
    }
    let problem = (!problems.is_empty()).then(|| problems.join("; "));
    let inbound_id = record(
        tx,
        target,
        at,
        prepared,
        Some((case_id, message_id)),
        threaded_by,
        &flags,
        problem.as_deref(),
    )?;
    Ok((
        Outcome::Filed {
            inbound_id,
            case_id: Some(case_id),
            new_case,
            flagged: problem.is_some() || !flags.is_empty(),
        },
        case,
    ))
}

/// After a failure: a new case without contact or threading, with the
/// message's text as far as it was read.
fn file_degraded(
    tx: &Transaction,
    target: Target,
    at: &Taking,
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
                body_text: body,
                mail: Some(message_mail(parsed, None)),
            }),
        },
    )?;
    let message_id = first_message(tx, case.id)?;
    let mut problems = at.problems(parsed);
    problems.push(note.to_string());
    let problem = problems.join("; ");
    finish(tx, target, prepared, case.id, message_id)?;
    let inbound_id = record(
        tx,
        target,
        at,
        prepared,
        Some((case.id, message_id)),
        "new",
        &at.flags(parsed),
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
    care: Care,
) -> Result<Option<String>, MailError> {
    if care == Care::Optimistic {
        // A failure fails the chunk, which is then filed with care.
        crate::mail::outbound::enqueue_auto_ack(tx, mailbox_id, case_id, thread_message_id)
            .map_err(|err| MailError::Io(std::io::Error::other(err.to_string())))?;
        return Ok(None);
    }
    savepoint(tx, "SAVEPOINT mail_ack")?;
    match crate::mail::outbound::enqueue_auto_ack(tx, mailbox_id, case_id, thread_message_id) {
        Ok(()) => {
            savepoint(tx, "RELEASE mail_ack")?;
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

/// The e-mail columns of the thread message, written with it.
fn message_mail(parsed: &Parsed, sender_contact_id: Option<i64>) -> MessageMail {
    MessageMail {
        from_address: parsed.from_address.clone(),
        to_address: parsed.to.clone(),
        subject: (!parsed.subject.is_empty()).then(|| parsed.subject.clone()),
        body_html: parsed.body_html.clone(),
        author_contact_id: sender_contact_id,
    }
}

/// Attachments of the thread message (inline images' `cid:` links in its
/// HTML then name them), the Message-ID.
fn finish(
    tx: &Transaction,
    target: Target,
    prepared: &Prepared,
    case_id: i64,
    message_id: i64,
) -> Result<(), MailError> {
    let parsed = &prepared.parsed;
    // Only inline images need the HTML again (their links name attachments).
    let mut html = parsed
        .body_html
        .as_ref()
        .filter(|_| parsed.parts.iter().any(|p| p.content_id.is_some()))
        .cloned();
    let mut linked = false;
    for (part, stored) in parsed.parts.iter().zip(&prepared.parts) {
        let attachment_id = store::insert_attachment(
            tx,
            case_id,
            message_id,
            stored,
            &part.filename,
            &part.content_type,
        )?;
        if let (Some(cid), Some(h)) = (&part.content_id, html.as_mut()) {
            let needle = format!("cid:{cid}");
            if h.contains(&needle) {
                *h = h.replace(&needle, &format!("/api/v1/attachments/{attachment_id}"));
                linked = true;
            }
        }
    }
    if linked && let Some(html) = &html {
        store::set_message_html(tx, message_id, html)?;
    }
    // The raw message's blob row comes with its record (`record`).
    if let Some(id) = &parsed.message_id {
        store::remember_message_id(tx, id, case_id, message_id, target.mailbox_id)?;
    }
    Ok(())
}

/// The inbound record; `filed` is the (case, thread message) it went to.
#[allow(clippy::too_many_arguments)]
fn record(
    tx: &Transaction,
    target: Target,
    at: &Taking,
    prepared: &Prepared,
    filed: Option<(i64, i64)>,
    threaded_by: &str,
    flags: &[MailFlag],
    problem: Option<&str>,
) -> Result<i64, MailError> {
    let parsed = &prepared.parsed;
    crate::blobs::store::insert_row(tx, &prepared.raw)?;
    let flags = MailFlag::join(flags);
    let problem = match problem {
        // A flag always comes with its detail.
        None if !flags.is_empty() => Some(flags.as_str()),
        problem => problem,
    };
    Ok(store::insert_inbound(
        tx,
        &NewInbound {
            mailbox_id: target.mailbox_id,
            uid_validity: at.uid_validity,
            uid: at.uid,
            message_key: &at.key,
            message_id: parsed.message_id.as_deref(),
            raw_sha256: &prepared.raw.sha256,
            raw_size: prepared.raw.size as i64,
            from_address: parsed.from_address.as_deref(),
            subject: (!parsed.subject.is_empty()).then_some(parsed.subject.as_str()),
            case_id: filed.map(|(case, _)| case),
            thread_message_id: filed.map(|(_, message)| message),
            threaded_by,
            auto_reply: parsed.auto_reply,
            bulk: parsed.bulk,
            bounce: parsed.bounce,
            problem,
            flags: &flags,
            content_sha256: Some(&parsed.content_sha256),
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

    fn batch_of(n: u32) -> Vec<(u32, Vec<u8>)> {
        (1..=n)
            .map(|uid| {
                let raw = format!(
                    "From: kunde{uid}@kunde.example\r\nSubject: Frage {uid}\r\nMessage-ID: <p{uid}@kunde.example>\r\n\
                     MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
                     Content-Type: text/plain\r\n\r\nText {uid}\r\n--b\r\nContent-Type: application/pdf\r\n\
                     Content-Disposition: attachment; filename=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n\
                     UERGIHt7dWlkfX0=\r\n--b--\r\n"
                );
                (uid, raw.into_bytes())
            })
            .collect()
    }

    fn packs(f: &Fixture) -> Vec<std::path::PathBuf> {
        crate::blobs::pack::list(&f.blobs).unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_batch_is_packed_and_reads_back() {
        let f = fixture();
        let acme = target(&f.db, "ACME");
        let hub = CaseHub::default();
        // More messages than one pipeline chunk, the same attachment twice.
        let raws = batch_of(25);
        let filed = file_batch(
            &f.db,
            &f.blobs,
            &hub,
            Limits::for_attachments(1 << 20),
            acme,
            3,
            raws.clone(),
        )
        .await
        .unwrap();
        assert_eq!(filed.outcomes.len(), 25);
        assert_eq!(packs(&f).len(), 1, "one pack per batch");
        for (uid, raw) in &raws {
            let (sha, location) =
                f.db.read_blocking(|c| {
                    let sha: String = c.query_row(
                        "SELECT raw_sha256 FROM mail_inbound WHERE mailbox_id = ?1 AND uid = ?2",
                        rusqlite::params![acme.mailbox_id, uid],
                        |r| r.get(0),
                    )?;
                    let location = crate::blobs::store::locate(c, &f.blobs, &sha)?;
                    Ok::<_, StoreError>((sha, location))
                })
                .unwrap();
            let location = location.expect("a row for the raw message");
            assert!(
                matches!(location, crate::blobs::Location::Packed { .. }),
                "{sha}"
            );
            assert_eq!(&f.blobs.read(&location).unwrap(), raw);
        }
        // The one attachment content is stored once.
        let attachments = count(&f.db, "SELECT count(*) FROM blobs WHERE size = ?1", 11);
        assert_eq!(attachments, 1);
        // Contents stored before are not packed again: the same batch
        // again is all duplicates and writes no pack; a new message with
        // the known attachment packs only its raw bytes.
        let again = file_batch(
            &f.db,
            &f.blobs,
            &hub,
            Limits::for_attachments(1 << 20),
            acme,
            3,
            raws,
        )
        .await
        .unwrap();
        assert!(
            again
                .outcomes
                .iter()
                .all(|o| matches!(o, Outcome::Duplicate { .. }))
        );
        assert_eq!(packs(&f).len(), 1);
        let mut next = batch_of(26);
        let newest = next.split_off(25);
        file_batch(
            &f.db,
            &f.blobs,
            &hub,
            Limits::for_attachments(1 << 20),
            acme,
            3,
            newest.clone(),
        )
        .await
        .unwrap();
        let packs = packs(&f);
        assert_eq!(packs.len(), 2);
        let sizes: Vec<u64> = packs
            .iter()
            .map(|p| std::fs::metadata(p).unwrap().len())
            .collect();
        assert!(sizes.contains(&(newest[0].1.len() as u64)), "{sizes:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_batch_commits_nothing_and_leaves_no_pack() {
        let f = fixture();
        let acme = target(&f.db, "ACME");
        let hub = CaseHub::default();
        let limits = Limits::for_attachments(1 << 20);
        // The writer fails (no such mailbox: the record's foreign key):
        // nothing is filed, and the pack written meanwhile is removed.
        let missing = Target {
            mailbox_id: 999_999,
            ..acme
        };
        assert!(
            file_batch(&f.db, &f.blobs, &hub, limits, missing, 3, batch_of(15))
                .await
                .is_err()
        );
        assert!(packs(&f).is_empty(), "{:?}", packs(&f));
        // The contents cannot be written: nothing is filed either.
        let _ = std::fs::remove_dir(f.blobs.packs_dir());
        std::fs::create_dir_all(f._dir.path().join("attachments")).unwrap();
        std::fs::write(f.blobs.packs_dir(), b"not a directory").unwrap();
        assert!(
            file_batch(&f.db, &f.blobs, &hub, limits, acme, 3, batch_of(15))
                .await
                .is_err()
        );
        let filed = count(
            &f.db,
            "SELECT count(*) FROM mail_inbound WHERE mailbox_id = ?1",
            acme.mailbox_id,
        );
        assert_eq!(filed, 0);
        let cases = count(
            &f.db,
            "SELECT count(*) FROM cases WHERE subject LIKE 'Frage %' AND ?1",
            1,
        );
        assert_eq!(cases, 0);
    }

    #[test]
    fn contents_left_out_as_stored_must_still_be_stored() {
        let f = fixture();
        let acme = target(&f.db, "ACME");
        let raw = batch_of(1).remove(0).1;
        // The raw message was seen as stored, but its row is gone (an
        // erasure between the look and the write): nothing is filed.
        let mut batch = BlobBatch::new(&f.blobs);
        batch.skip_stored([sha256_hex(&raw)].into());
        let prepared = prepare(&mut batch, &raw, Limits::for_attachments(1 << 20)).unwrap();
        assert!(prepared.raw.pack.is_none());
        batch.commit().unwrap();
        let filed =
            f.db.write_blocking(|tx| file_prepared(tx, acme, 3, &[(1, prepared)]));
        assert!(filed.is_err());
        let taken = count(
            &f.db,
            "SELECT count(*) FROM mail_inbound WHERE mailbox_id = ?1",
            acme.mailbox_id,
        );
        assert_eq!(taken, 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pipelined_batches_are_filed_in_order() {
        let f = fixture();
        let acme = target(&f.db, "ACME");
        let limits = Limits::for_attachments(1 << 20);
        let hub = std::sync::Arc::new(CaseHub::default());
        let mut pipeline = Pipeline::new(f.db.clone(), f.blobs.clone(), hub, limits, acme, 3);
        // The second batch answers the first: it can only thread if the
        // first is filed before it.
        let replies: Vec<(u32, Vec<u8>)> = (21..=40)
            .map(|uid| {
                let raw = format!(
                    "From: kunde{uid}@kunde.example\r\nSubject: Nachtrag\r\nIn-Reply-To: <p{}@kunde.example>\r\n\r\nNoch etwas.\r\n",
                    uid - 20
                );
                (uid, raw.into_bytes())
            })
            .collect();
        assert!(pipeline.push(batch_of(20)).await.unwrap().is_none());
        let first = pipeline
            .push(replies)
            .await
            .unwrap()
            .expect("the first batch");
        assert_eq!(first.uids, (1..=20).collect::<Vec<_>>());
        let second = pipeline.finish().await.unwrap().expect("the second batch");
        assert_eq!(second.uids, (21..=40).collect::<Vec<_>>());
        for (outcome, original) in second.outcomes.iter().zip(&first.outcomes) {
            assert!(
                matches!(
                    outcome,
                    Outcome::Filed {
                        new_case: false,
                        ..
                    }
                ),
                "{outcome:?}"
            );
            assert_eq!(case_of(outcome), case_of(original));
        }
        assert!(pipeline.finish().await.unwrap().is_none());
    }

    fn record_of(f: &Fixture, outcome: &Outcome) -> (Option<i64>, String, String) {
        let id = match outcome {
            Outcome::Filed { inbound_id, .. } => *inbound_id,
            other => panic!("not filed: {other:?}"),
        };
        f.db.read_blocking(|c| {
            Ok::<_, StoreError>(c.query_row(
                "SELECT case_id, flags, threaded_by FROM mail_inbound WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?)
        })
        .unwrap()
    }

    #[test]
    fn a_reused_message_id_is_filed_flagged_and_threaded_by_it() {
        let f = fixture();
        let acme = target(&f.db, "ACME");
        let original = "From: kim@kunde.example\r\nSubject: Hilfe\r\nMessage-ID: <same@kunde.example>\r\n\r\nErste Nachricht\r\n";
        let case_id = case_of(&take(&f, acme, 1, original));
        // Another message under the same Message-ID (a broken client).
        let other = "From: kim@kunde.example\r\nSubject: Noch eine Frage\r\nMessage-ID: <same@kunde.example>\r\n\r\nGanz anderer Inhalt\r\n";
        let reused = take(&f, acme, 2, other);
        assert!(
            matches!(
                reused,
                Outcome::Filed {
                    new_case: false,
                    flagged: true,
                    ..
                }
            ),
            "{reused:?}"
        );
        let (filed_in, flags, threaded_by) = record_of(&f, &reused);
        assert_eq!(filed_in, Some(case_id));
        assert_eq!(flags, "message-id-reused");
        assert_eq!(threaded_by, "message-id");
        let texts = count(
            &f.db,
            "SELECT count(*) FROM messages WHERE case_id = ?1 AND body_text LIKE '%anderer Inhalt%'",
            case_id,
        );
        assert_eq!(texts, 1);
        // Copies of either, by another route under other UIDs, are repeats.
        let copy = format!("Received: from relay.example by mx.example\r\n{original}");
        assert!(matches!(
            take(&f, acme, 3, &copy),
            Outcome::Duplicate { .. }
        ));
        let copy = format!("Received: from relay.example by mx.example\r\n{other}");
        assert!(matches!(
            take(&f, acme, 4, &copy),
            Outcome::Duplicate { .. }
        ));
        // Without a Message-ID too: the copy's raw bytes differ, not its content.
        let anonymous = "From: kim@kunde.example\r\nSubject: Ohne ID\r\nDate: Tue, 1 Dec 2026 10:00:00 +0100\r\n\r\nText\r\n";
        assert!(matches!(
            take(&f, acme, 5, anonymous),
            Outcome::Filed { .. }
        ));
        let copy = format!("Received: from relay.example by mx.example\r\n{anonymous}");
        assert!(matches!(
            take(&f, acme, 6, &copy),
            Outcome::Duplicate { .. }
        ));
        assert_eq!(
            count(
                &f.db,
                "SELECT count(*) FROM mail_inbound WHERE mailbox_id = ?1",
                acme.mailbox_id
            ),
            3
        );
    }

    #[test]
    fn mail_from_our_own_users_makes_no_contact() {
        let f = fixture();
        let acme = target(&f.db, "ACME");
        let contacts = |db: &Db, email: &str| -> i64 {
            db.read_blocking(|c| {
                Ok::<_, StoreError>(c.query_row(
                    "SELECT count(*) FROM contact_emails WHERE email = ?1",
                    [email],
                    |r| r.get(0),
                )?)
            })
            .unwrap()
        };
        // Acme's own agent, and the provider's admin.
        for (uid, from) in [
            (1, "anna.schmidt@acme-energie.example"),
            (2, "Admin@Zezaro.example"),
        ] {
            let outcome = take(
                &f,
                acme,
                uid,
                &format!("From: {from}\r\nSubject: Weitergeleitet {uid}\r\n\r\nvom Kunden\r\n"),
            );
            let (case_id, flags, _) = record_of(&f, &outcome);
            assert_eq!(flags, "sender-is-user", "{from}");
            let contact: Option<i64> =
                f.db.read_blocking(|c| {
                    Ok::<_, StoreError>(c.query_row(
                        "SELECT contact_id FROM cases WHERE id = ?1",
                        [case_id.unwrap()],
                        |r| r.get(0),
                    )?)
                })
                .unwrap();
            assert_eq!(contact, None, "{from}");
            assert_eq!(contacts(&f.db, &from.to_lowercase()), 0, "{from}");
        }
        // Another client's user may be a customer here.
        let outcome = take(
            &f,
            acme,
            3,
            "From: jonas.weber@nordlicht.example\r\nSubject: Frage\r\n\r\nals Kunde\r\n",
        );
        assert!(
            matches!(outcome, Outcome::Filed { flagged: false, .. }),
            "{outcome:?}"
        );
        assert_eq!(contacts(&f.db, "jonas.weber@nordlicht.example"), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_batch_of_repeats_leaves_no_pack() {
        let f = fixture();
        let acme = target(&f.db, "ACME");
        let hub = CaseHub::default();
        let limits = Limits::for_attachments(1 << 20);
        file_batch(&f.db, &f.blobs, &hub, limits, acme, 3, batch_of(5))
            .await
            .unwrap();
        assert_eq!(packs(&f).len(), 1);
        // The same messages by another route (new raw bytes, so they are
        // packed) under new UIDs: all repeats.
        let again: Vec<(u32, Vec<u8>)> = batch_of(5)
            .into_iter()
            .map(|(uid, raw)| {
                let mut copy = b"Received: from relay.example by mx.example\r\n".to_vec();
                copy.extend(raw);
                (uid + 100, copy)
            })
            .collect();
        let filed = file_batch(&f.db, &f.blobs, &hub, limits, acme, 3, again)
            .await
            .unwrap();
        assert!(
            filed
                .outcomes
                .iter()
                .all(|o| matches!(o, Outcome::Duplicate { .. })),
            "{:?}",
            filed.outcomes
        );
        let left = packs(&f);
        assert_eq!(left.len(), 1, "{left:?}");
        let names: Vec<String> = left
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert!(
            f.db.read_blocking(|c| crate::blobs::pack::is_named(c, &names[0]))
                .unwrap()
        );
    }

    #[test]
    fn a_failing_message_gets_the_careful_path_and_loses_nothing() {
        let f = fixture();
        let acme = target(&f.db, "ACME");
        let limits = Limits::for_attachments(1 << 20);
        let mut batch = BlobBatch::new(&f.blobs);
        let raws = batch_of(12);
        let prepared: Vec<(u32, Prepared)> = raws
            .iter()
            .map(|(uid, raw)| (*uid, prepare(&mut batch, raw, limits).unwrap()))
            .collect();
        batch.commit().unwrap();
        // Cases cannot be opened in an inactive project: every message of
        // the chunk fails the quick path; each is then kept as a flagged
        // record (raw message stored), none is dropped.
        f.db.write_blocking(|tx| {
            tx.execute(
                "UPDATE projects SET active = 0 WHERE id = ?1",
                [acme.project_id],
            )?;
            Ok::<_, StoreError>(())
        })
        .unwrap();
        let outcomes =
            f.db.write_blocking(|tx| file_prepared(tx, acme, 3, &prepared))
                .unwrap();
        assert_eq!(outcomes.len(), 12);
        for outcome in &outcomes {
            assert!(
                matches!(
                    outcome,
                    Outcome::Filed {
                        case_id: None,
                        flagged: true,
                        ..
                    }
                ),
                "{outcome:?}"
            );
        }
        let records = count(
            &f.db,
            "SELECT count(*) FROM mail_inbound WHERE mailbox_id = ?1 AND problem IS NOT NULL",
            acme.mailbox_id,
        );
        assert_eq!(records, 12);
    }
}
