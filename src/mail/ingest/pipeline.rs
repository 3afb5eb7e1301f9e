//! A batch's parsing beside its one durable write; batches in order.

use super::super::error::MailError;
use super::super::parse::Limits;
use super::file::{Filing, Outcome};
use super::prepare::{BlobBatch, Prepared, prepare_chunk};
use super::{Target, system_principal};
use crate::blobs::BlobStore;
use crate::cases::CaseHub;
use crate::db::Db;

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
    let who = system_principal();
    let writing = async move {
        if let Some(before) = before {
            // Done either way (sent or dropped): batches are filed in order.
            let _ = before.await;
        }
        // Live events only after the commit: the cases filed into are
        // announced through the hub's one path.
        hub.write(&write, move |tx, announce| {
            let mut filed = Filing::default();
            let result = (|| {
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
            })();
            result?;
            filed.count_taken(tx, target)?;
            for (new_case, case) in &filed.cases {
                let kind = if *new_case { "created" } else { "message" };
                announce.case(kind, case, target.client_id, &who);
            }
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
