//! Parsing raw messages and queueing their contents in the batch's pack.

use std::collections::HashSet;

use super::super::error::MailError;
use super::super::parse::{self, Limits, Parsed};
use crate::blobs::pack::PackWriter;
use crate::blobs::{BlobStore, Stored};
use crate::db::Db;

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

pub(super) fn sha256_hex(bytes: &[u8]) -> String {
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
pub(super) fn prepare_chunk(
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
