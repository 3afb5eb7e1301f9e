//! The store: one SQLite file in WAL mode, a single writer connection and a
//! small pool of readers. Reads run on Tokio's blocking threads; requests'
//! writes are committed by one writer thread of their own (lower CPU
//! priority), so that reads never wait for a write: not for its commit, not
//! for a blocking thread, not for the CPU while writes pile up. Never on the
//! async executor.

pub mod batch_end;
mod checkpoint;
pub mod config_cache;
pub mod files;
mod lock;
mod mapped;
mod migrations;
mod pool;
mod wal_drain;
mod wal_gather;

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use rusqlite::{
    Connection, ErrorCode, OpenFlags, OptionalExtension, Transaction, TransactionBehavior,
};

pub use batch_end::at_batch_end;
use checkpoint::Checkpointer;
pub use lock::{LockError, lock_data_dir};
pub use migrations::{MigrationReport, applied_version, hex};
use pool::ReaderPool;

/// Reads a closed set of names stored as text (a column with a CHECK
/// constraint) through the type's `parse`, failing loudly on a name it does
/// not know instead of taking a default: `text_enum!(Status);` gives
/// `Status` its `FromSql`, so `row.get::<_, Status>(i)?` reads it.
macro_rules! text_enum {
    ($($name:ty),+ $(,)?) => {$(
        impl rusqlite::types::FromSql for $name {
            fn column_result(
                value: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                let text = value.as_str()?;
                <$name>::parse(text).ok_or_else(|| {
                    rusqlite::types::FromSqlError::Other(
                        format!("unknown {} {text:?} in the store", stringify!($name)).into(),
                    )
                })
            }
        }
    )+};
}
pub(crate) use text_enum;

/// File name of the store inside the data directory.
pub const STORE_FILE: &str = "zezaro.db";

/// Reader connections; reads are short and CPU-bound, so a few suffice.
const READERS: usize = 8;

/// How long a writer waits for a lock held by another process (e.g. the CLI)
/// before the request is answered with "store busy".
const BUSY_WAIT: Duration = Duration::from_secs(10);

/// A WAL emptied by a checkpoint is cut back to this size when it starts
/// over, so one burst of writes does not keep a huge file around.
const WAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;
/// WAL pages past which the writer checkpoints itself (64 MiB at 4 KiB
/// pages, the size the WAL is cut back to). The background thread
/// checkpoints at most every 250 ms; under 4 clients creating cases the
/// WAL grows by about 55,000 frames a second (38 a case at 1,500 cases a
/// second), so past 4,096 pages the writer checkpointed itself about 14
/// times a second (an estimate from that rate), each in a commit's path,
/// copying the pages of fewer commits (a page written by many commits is
/// copied once per checkpoint). At 16,384: CPU per created case
/// −5 % and the POST p95 5.1–5.6 → 2.6–3.0 ms (docs/perf16.md, session 22).
const WRITER_CHECKPOINT_PAGES: i64 = 16_384;
/// The writer's page cache, KiB.
const WRITER_CACHE_KIB: i64 = 32 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the store is busy; try again")]
    Busy,
    #[error("the store {0} is not a valid zezaro store (corrupt or not SQLite)")]
    Corrupt(String),
    #[error("a record with this value exists already: {0}")]
    Conflict(String),
    /// A write names a record that is not there, or removes one still named.
    #[error("a referenced record is missing or still referred to: {0}")]
    Reference(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("store error: {0}")]
    Sqlite(rusqlite::Error),
    #[error("background task failed: {0}")]
    Task(String),
}

impl crate::problem::Problem for StoreError {
    fn problem(&self) -> crate::problem::Answer {
        use crate::problem::Answer;
        match self {
            StoreError::Busy => Answer::new(503, "store-busy", self).retry_after(1),
            StoreError::Conflict(_) => {
                Answer::conflict("conflict", "a record with this value exists already")
            }
            // The services check references first; this is the net under
            // them, so a missed check is a 409, never a 500.
            StoreError::Reference(detail) => {
                tracing::warn!(%detail, "foreign key refused a write");
                Answer::conflict(
                    "reference",
                    "the change names a record that does not exist, or removes one still in use",
                )
            }
            // Details (a path, SQLite's words) go to the log, not to the caller.
            other => Answer::internal("internal error; see the server log", other),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        match err.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy,
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                StoreError::Corrupt(err.to_string())
            }
            Some(ErrorCode::ConstraintViolation)
                if err.to_string().contains("UNIQUE constraint failed") =>
            {
                StoreError::Conflict(err.to_string())
            }
            Some(ErrorCode::ConstraintViolation)
                if err.to_string().contains("FOREIGN KEY constraint failed") =>
            {
                StoreError::Reference(err.to_string())
            }
            _ => StoreError::Sqlite(err),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    /// The same error again, for each write of a batch that failed as one.
    fn replicate(&self) -> StoreError {
        match self {
            StoreError::Busy => StoreError::Busy,
            StoreError::Corrupt(s) => StoreError::Corrupt(s.clone()),
            StoreError::Conflict(s) => StoreError::Conflict(s.clone()),
            StoreError::Reference(s) => StoreError::Reference(s.clone()),
            StoreError::Migration(s) => StoreError::Migration(s.clone()),
            StoreError::Sqlite(e) => StoreError::Task(e.to_string()),
            StoreError::Task(s) => StoreError::Task(s.clone()),
        }
    }
}

/// The writer thread's nice value above the process's: under a CPU-bound
/// write load (a 2-core server creating 1,000 cases/s) the kernel gives
/// readers the CPU first, so a read's latency does not grow with the write
/// queue. Writes still get their share (CFS weights, about 1 : 3 at +5).
const WRITER_NICE: i32 = 5;

/// Cheap to clone; shared by all handlers through the application state.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
    /// Held by `Db` clones only, not by `Inner` (which the update hook of
    /// [`Db::track_writes_to`] keeps alive): the thread stops with the last
    /// clone.
    checkpointer: Arc<Checkpointer>,
    /// Wakes the writer thread; held by `Db` clones only: the thread stops
    /// once the last clone is gone. `None`: no thread (it could not start),
    /// writes commit on a blocking thread.
    writer: Arc<Option<Mutex<mpsc::Sender<()>>>>,
}

thread_local! {
    /// Set while a write runs that [`Db::generation`] is not to count.
    static UNTRACKED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` (statements on the writer's transaction, on this thread)
/// without its writes counting for [`Db::generation`]: for a write to a
/// tracked table that nothing cached from it depends on. The case counter
/// in `projects` (every created case) would otherwise drop every cached
/// principal, and every following request would read its principal again.
pub fn untracked<T>(f: impl FnOnce() -> T) -> T {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            UNTRACKED.with(|flag| flag.set(self.0));
        }
    }
    let _reset = Reset(UNTRACKED.with(|flag| flag.replace(true)));
    f()
}

/// Delivers a job's result once its batch committed (or failed to).
type Finisher = Box<dyn FnOnce(Result<(), &StoreError>) + Send>;
/// A queued write: runs on the batch's transaction (`None`: the batch could
/// not begin) and says whether it succeeded.
type Job = Box<dyn FnOnce(Option<&Transaction>) -> (bool, Finisher) + Send>;

/// Most writes committed with one disk sync.
const MAX_BATCH: usize = 256;

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    /// Writes waiting for the next group commit.
    queue: Mutex<Vec<Job>>,
    readers: ReaderPool,
    generation: AtomicU64,
    /// Set by the update hook while a transaction writes a tracked table.
    tracked_dirty: AtomicBool,
    /// Batch-end tasks put off under a sustained write load; used by
    /// whoever holds `writer`.
    backlog: Mutex<batch_end::Backlog>,
}

impl Inner {
    fn backlog(&self) -> std::sync::MutexGuard<'_, batch_end::Backlog> {
        self.backlog
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Db {
    /// Opens (creating if needed) the store in `data_dir` and applies pending
    /// migrations inside one transaction.
    pub fn open(data_dir: &Path) -> StoreResult<(Db, MigrationReport)> {
        Db::open_with(data_dir, Checkpoints::Own)
    }

    /// [`Db::open`], saying who checkpoints the WAL.
    pub fn open_with(
        data_dir: &Path,
        checkpoints: Checkpoints,
    ) -> StoreResult<(Db, MigrationReport)> {
        let path = data_dir.join(STORE_FILE);
        // 0600 before SQLite creates it; the WAL takes the store's mode.
        files::ensure_private_file(&path).map_err(|err| {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                Some(format!("{}: {err}", path.display())),
            ))
        })?;
        let mut writer = open_connection(&path, true)?;
        let report = migrations::apply(&mut writer)?;
        scrub_once(&writer)?;
        optimize(&writer)?;
        let litestream = matches!(checkpoints, Checkpoints::Litestream(_));
        let checkpointer = match checkpoints {
            // Litestream copies every WAL frame before it checkpoints
            // itself: no checkpoint of ours, not even SQLite's on commit
            // (the readers turn that off too: ReaderPool). The writer
            // counts the WAL's pages instead, to hand a long WAL over.
            Checkpoints::Litestream(drain) => {
                writer.execute_batch("PRAGMA wal_autocheckpoint = 0")?;
                wal_drain::count_wal_pages(&writer);
                Checkpointer::left_to(drain)
            }
            Checkpoints::Own => match Checkpointer::start(&path)? {
                Ok(checkpointer) => {
                    // Commits no longer checkpoint (copy pages into the
                    // store file and sync it) themselves at SQLite's 1,000
                    // pages: the thread does it. Past
                    // WRITER_CHECKPOINT_PAGES the writer does again,
                    // whenever the thread is not at it just then: under
                    // writes faster than the thread can copy (1M-case
                    // store, 2,400 cases/s) the WAL otherwise grew without
                    // end (770 MB in 20 s); this way writers slow to what
                    // the disk takes and the WAL starts over. Readers never
                    // commit.
                    writer.query_row(
                        &format!("PRAGMA wal_autocheckpoint = {WRITER_CHECKPOINT_PAGES}"),
                        [],
                        |_| Ok(()),
                    )?;
                    checkpointer
                }
                Err(err) => {
                    // Without the thread, SQLite's own checkpoint on commit
                    // stays.
                    tracing::warn!(error = %err, "cannot start the checkpointer thread");
                    Checkpointer::idle()
                }
            },
        };
        writer.query_row(
            &format!("PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}"),
            [],
            |_| Ok(()),
        )?;
        // A batch of mail writes a few MiB of pages in one transaction; with
        // SQLite's default 2 MiB cache the writer re-read them from the WAL.
        // The cache fills only as far as it is used.
        writer.execute_batch(&format!("PRAGMA cache_size = -{WRITER_CACHE_KIB}"))?;
        let readers = ReaderPool::new(path.clone(), READERS, litestream);
        let inner = Arc::new(Inner {
            path,
            writer: Mutex::new(writer),
            queue: Mutex::new(Vec::new()),
            readers,
            generation: AtomicU64::new(0),
            tracked_dirty: AtomicBool::new(false),
            backlog: Mutex::new(batch_end::Backlog::default()),
        });
        let checkpointer = Arc::new(checkpointer);
        let writer = match start_writer(inner.clone(), checkpointer.clone()) {
            Ok(sender) => Some(Mutex::new(sender)),
            Err(err) => {
                tracing::warn!(error = %err, "cannot start the writer thread");
                None
            }
        };
        let db = Db {
            checkpointer,
            inner,
            writer: Arc::new(writer),
        };
        Ok((db, report))
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` on a reader connection on a blocking thread.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        let inner = self.inner.clone();
        run_blocking(move || {
            let conn = inner.readers.get()?;
            f(&conn)
        })
        .await
    }

    /// Runs `f` in a write transaction and commits its changes when it
    /// returns `Ok`; they are durable (synchronous=FULL) before this
    /// returns. Concurrent writes share one commit (group commit): each runs
    /// in its own savepoint, so one failing write never affects another.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Transaction) -> Result<T, E> + Send + 'static,
    {
        let (sender, receiver) = tokio::sync::oneshot::channel::<Result<T, E>>();
        let job: Job = Box::new(move |tx: Option<&Transaction>| {
            let result = tx.map(f);
            let ok = matches!(result, Some(Ok(_)));
            let finish: Finisher = Box::new(move |commit: Result<(), &StoreError>| {
                let delivered = match (result, commit) {
                    (Some(Err(err)), _) => Err(err),
                    (Some(Ok(value)), Ok(())) => Ok(value),
                    (_, Err(err)) => Err(E::from(err.replicate())),
                    (None, Ok(())) => Err(E::from(StoreError::Task("write not run".into()))),
                };
                // The caller may have gone (request cancelled); its write stands.
                let _ = sender.send(delivered);
            });
            (ok, finish)
        });
        self.inner
            .queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(job);
        let woken = self.writer.as_ref().as_ref().is_some_and(|sender| {
            sender
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .send(())
                .is_ok()
        });
        if !woken {
            let (inner, checkpointer) = (self.inner.clone(), self.checkpointer.clone());
            run_blocking(move || {
                commit_queued(&inner, &checkpointer);
                Ok::<_, E>(())
            })
            .await?;
        }
        receiver
            .await
            .unwrap_or_else(|_| Err(E::from(StoreError::Task("the write was lost".into()))))
    }

    /// The blocking form of [`Db::write`], for the CLI and start-up.
    pub fn write_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        E: From<StoreError>,
        F: FnOnce(&Transaction) -> Result<T, E>,
    {
        let mut conn = self
            .inner
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let tx = begin_immediate(&mut conn)?;
        let batch = batch_end::Batch::open();
        let outcome = f(&tx).and_then(|value| {
            batch.commit(tx, &mut self.inner.backlog(), batch_end::Load::ALONE)?;
            self.checkpointer.notify();
            Ok(value)
        });
        // Only a committed change counts; a rolled-back one is forgotten.
        if self.inner.tracked_dirty.swap(false, Ordering::AcqRel) && outcome.is_ok() {
            self.inner.generation.fetch_add(1, Ordering::Release);
        }
        outcome
    }

    /// A write in a transaction of its own whose commit is not synced to
    /// the disk (`synchronous = NORMAL` for this transaction only, `FULL`
    /// again afterwards, also when it failed). WAL keeps it atomic and in
    /// order, and the next ordinary commit's sync makes it durable with
    /// it; a crash before that may lose it. Only for work that the store
    /// marks as pending and redoes after a crash (the SLA recompute, the
    /// distribution's move of open cases): it saves the disk sync of each
    /// of its many short batches.
    pub async fn write_unsynced<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Transaction) -> Result<T, E> + Send + 'static,
    {
        let db = self.clone();
        run_blocking(move || db.write_unsynced_blocking(f)).await
    }

    /// The blocking form of [`Db::write_unsynced`].
    pub fn write_unsynced_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        E: From<StoreError>,
        F: FnOnce(&Transaction) -> Result<T, E>,
    {
        let mut conn = self
            .inner
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        conn.execute_batch("PRAGMA synchronous = NORMAL")
            .map_err(StoreError::from)?;
        let outcome = begin_immediate(&mut conn).map_err(E::from).and_then(|tx| {
            let batch = batch_end::Batch::open();
            let value = f(&tx)?;
            batch.commit(tx, &mut self.inner.backlog(), batch_end::Load::ALONE)?;
            Ok(value)
        });
        // Every other write of this connection is synced again (a pragma
        // outside a transaction that only sets a flag: tried twice).
        let restored = conn
            .execute_batch("PRAGMA synchronous = FULL")
            .or_else(|_| conn.execute_batch("PRAGMA synchronous = FULL"));
        if outcome.is_ok() {
            self.checkpointer.notify();
        }
        if self.inner.tracked_dirty.swap(false, Ordering::AcqRel) && outcome.is_ok() {
            self.inner.generation.fetch_add(1, Ordering::Release);
        }
        if let Err(err) = restored {
            tracing::error!(error = %err, "cannot restore synchronous = FULL");
            return outcome.and(Err(E::from(StoreError::from(err))));
        }
        outcome
    }

    /// Makes [`Db::generation`] count committed writes to these tables.
    pub fn track_writes_to(&self, tables: &'static [&'static str]) {
        let dirty = self.inner.clone();
        let conn = self
            .inner
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        conn.update_hook(Some(move |_, _: &str, table: &str, _| {
            if tables.contains(&table) && !UNTRACKED.with(Cell::get) {
                dirty.tracked_dirty.store(true, Ordering::Release);
            }
        }));
    }

    /// Counts this process's committed writes to the tracked tables. A cache
    /// of data derived from them (the principal cache) is current while this
    /// is unchanged.
    pub fn generation(&self) -> u64 {
        self.inner.generation.load(Ordering::Acquire)
    }

    /// The blocking form of [`Db::read`].
    pub fn read_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        E: From<StoreError>,
        F: FnOnce(&Connection) -> Result<T, E>,
    {
        let conn = self.inner.readers.get()?;
        f(&conn)
    }
}

/// Takes the writer and commits everything queued so far in one
/// transaction. A caller whose job an earlier batch took finds the queue
/// empty and returns: its result is already delivered.
fn commit_queued(inner: &Inner, checkpointer: &Checkpointer) {
    let mut conn = inner
        .writer
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    loop {
        let jobs: Vec<Job> = {
            let mut queue = inner
                .queue
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let take = queue.len().min(MAX_BATCH);
            queue.drain(..take).collect()
        };
        if jobs.is_empty() {
            return;
        }
        let tx = match begin_immediate(&mut conn) {
            Ok(tx) => tx,
            Err(err) => {
                for job in jobs {
                    let (_, finish) = job(None);
                    finish(Err(&err));
                }
                continue;
            }
        };
        let mut finishers = Vec::with_capacity(jobs.len());
        let jobs_in_batch = jobs.len();
        let batch = batch_end::Batch::open();
        for job in jobs {
            if let Err(err) = tx.execute_batch("SAVEPOINT job") {
                let (_, finish) = job(None);
                finish(Err(&StoreError::from(err)));
                continue;
            }
            let (ok, finish) = job(Some(&tx));
            let end = if ok {
                "RELEASE job"
            } else {
                "ROLLBACK TO job; RELEASE job"
            };
            // A savepoint that cannot be ended leaves the batch unsure:
            // the commit below fails it as a whole.
            let _ = tx.execute_batch(end);
            finishers.push(finish);
        }
        // What the jobs put off to the batch's end, outside their
        // savepoints (or to a later batch while writes keep coming); when
        // it fails, nothing of the batch is committed.
        let more_queued = !inner
            .queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .is_empty();
        let load = batch_end::Load {
            jobs: jobs_in_batch,
            more_queued,
        };
        let commit = batch.commit(tx, &mut inner.backlog(), load);
        if inner.tracked_dirty.swap(false, Ordering::AcqRel) && commit.is_ok() {
            inner.generation.fetch_add(1, Ordering::Release);
        }
        for finish in finishers {
            finish(commit.as_ref().map(|_| ()));
        }
        // After the answers: a hand-over of the WAL (replication) holds
        // the next batch, not this one's callers.
        if commit.is_ok() {
            checkpointer.notify();
        }
    }
}

/// Starts the writer thread: it commits the queued writes of [`Db::write`]
/// whenever woken, until the last `Db` clone (and with it the sender) is
/// gone. Its CPU priority is lowered by [`WRITER_NICE`].
fn start_writer(
    inner: Arc<Inner>,
    checkpointer: Arc<Checkpointer>,
) -> std::io::Result<mpsc::Sender<()>> {
    let (sender, receiver) = mpsc::channel::<()>();
    std::thread::Builder::new()
        .name("zezaro-writer".into())
        .spawn(move || {
            lower_priority(WRITER_NICE);
            loop {
                // Tasks put off under a load wait at most a quiet spell.
                let woken = if inner.backlog().len() > 0 {
                    match receiver.recv_timeout(batch_end::QUIET) {
                        Ok(()) => true,
                        Err(mpsc::RecvTimeoutError::Timeout) => {
                            run_put_off(&inner, &checkpointer);
                            continue;
                        }
                        Err(mpsc::RecvTimeoutError::Disconnected) => false,
                    }
                } else {
                    receiver.recv().is_ok()
                };
                if !woken {
                    run_put_off(&inner, &checkpointer);
                    return;
                }
                // One pass commits every write queued so far.
                while receiver.try_recv().is_ok() {}
                commit_queued(&inner, &checkpointer);
            }
        })?;
    Ok(sender)
}

/// Runs the batch-end tasks put off under a load, in a commit of their own
/// (the writer after a quiet spell, and before it stops). On a failure
/// they stay put off, and in `search_backlog`.
fn run_put_off(inner: &Inner, checkpointer: &Checkpointer) {
    let mut conn = inner
        .writer
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut backlog = inner.backlog();
    if backlog.len() == 0 {
        return;
    }
    let committed = begin_immediate(&mut conn)
        .and_then(|tx| batch_end::Batch::open().commit(tx, &mut backlog, batch_end::Load::ALONE));
    match committed {
        Ok(()) => checkpointer.notify(),
        Err(err) => tracing::warn!(error = %err, "cannot run the put-off index tasks"),
    }
}

/// Raises the calling thread's nice value by `by` (Linux: per thread).
#[allow(unsafe_code)]
pub(super) fn lower_priority(by: i32) {
    #[cfg(target_os = "linux")]
    // SAFETY: plain system calls on the calling thread, no pointers.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        let now = libc::getpriority(libc::PRIO_PROCESS, tid);
        if libc::setpriority(libc::PRIO_PROCESS, tid, now.saturating_add(by)) != 0 {
            tracing::debug!("cannot lower a background thread's priority");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = by;
}

/// `BEGIN IMMEDIATE` takes the write lock up front, so a busy store shows
/// here and nowhere later in the transaction. SQLite's busy handler already
/// waits; on top we retry until [`BUSY_WAIT`] has passed.
fn begin_immediate(conn: &mut Connection) -> StoreResult<Transaction<'_>> {
    let deadline = Instant::now() + BUSY_WAIT;
    loop {
        // Checked without borrowing `conn` for the returned transaction, so
        // the loop can try again.
        match conn.execute_batch("BEGIN IMMEDIATE; ROLLBACK;") {
            Ok(()) => break,
            Err(err) => match StoreError::from(err) {
                StoreError::Busy if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                other => return Err(other),
            },
        }
    }
    Ok(conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
}

/// Runs CPU-heavy work (password hashing) on a blocking thread.
pub async fn blocking<T, E, F>(f: F) -> Result<T, E>
where
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
    F: FnOnce() -> Result<T, E> + Send + 'static,
{
    run_blocking(f).await
}

async fn run_blocking<T, E, F>(f: F) -> Result<T, E>
where
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
    F: FnOnce() -> Result<T, E> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result,
        Err(join_err) => Err(StoreError::Task(join_err.to_string()).into()),
    }
}

/// Who checkpoints a store's WAL.
#[derive(Clone)]
pub enum Checkpoints {
    /// zezaro: the checkpointer thread, and the writer past
    /// `WRITER_CHECKPOINT_PAGES` (checkpoint.rs).
    Own,
    /// Litestream replicates the store (replication/): it must see every
    /// WAL frame, so it alone checkpoints; the `Db`'s connections run none
    /// (`wal_autocheckpoint = 0`, which [`checkpoints_left_to_others`] reads
    /// back; no thread; no TRUNCATE after an erasure). A long WAL is handed
    /// to it with the `Drain` (wal_drain.rs).
    Litestream(WalDrain),
}

pub use wal_drain::Drain as WalDrain;

/// Whether this connection's store is checkpointed by someone else
/// (Litestream): its `Db` was opened with [`Checkpoints::Litestream`].
pub fn checkpoints_left_to_others(conn: &Connection) -> bool {
    conn.query_row("PRAGMA wal_autocheckpoint", [], |row| row.get::<_, i64>(0))
        .is_ok_and(|pages| pages <= 0)
}

/// Refreshes SQLite's planner statistics (`sqlite_stat1`, and
/// `sqlite_stat4`: the bundled SQLite is built with SQLITE_ENABLE_STAT4)
/// where they are missing or stale: at start, and after a demo generation
/// or an import. `analysis_limit` samples about 1,000 rows per index, so
/// this takes milliseconds even at 1M cases (issue 16, docs/perf16.md).
pub fn optimize(conn: &Connection) -> StoreResult<()> {
    conn.execute_batch("PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;")?;
    Ok(())
}

/// Opens one connection with the store's settings.
pub(crate) fn open_connection(path: &Path, create: bool) -> StoreResult<Connection> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    // The WAL's frames written in a few runs per commit (wal_gather.rs);
    // without the shim SQLite writes them itself, two calls a frame.
    let conn = match wal_gather::register() {
        Ok(()) => Connection::open_with_flags_and_vfs(path, flags, wal_gather::VFS_NAME)?,
        Err(rc) => {
            tracing::warn!(code = rc, "cannot register the WAL-gathering VFS");
            Connection::open_with_flags(path, flags)?
        }
    };
    conn.busy_timeout(Duration::from_secs(5))?;
    let display = path.display().to_string();
    // The first statement that reads the file tells a corrupt store apart.
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(|err| match StoreError::from(err) {
            StoreError::Corrupt(_) => StoreError::Corrupt(display.clone()),
            other => other,
        })?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Corrupt(format!("{display}: cannot enable WAL")));
    }
    // secure_delete: whatever a statement removes or replaces is
    // overwritten with zeros in its page, so that erased text is gone from
    // the file, not just unlinked (GDPR erasure, gdpr/erase.rs).
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA secure_delete = ON;",
    )?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Integrity and foreign-key check of the whole store (`zezaro check`).
pub fn check(db: &Db) -> StoreResult<Vec<String>> {
    db.read_blocking(|conn| {
        let mut problems = Vec::new();
        let mut stmt = conn.prepare("PRAGMA integrity_check")?;
        for row in stmt.query_map([], |row| row.get::<_, String>(0))? {
            let line = row?;
            if line != "ok" {
                problems.push(format!("integrity: {line}"));
            }
        }
        let mut stmt = conn.prepare("PRAGMA foreign_key_check")?;
        let rows = stmt.query_map([], |row| {
            Ok(format!(
                "foreign key: {} row {} -> {}",
                row.get::<_, String>(0)?,
                row.get::<_, Option<i64>>(1)?.unwrap_or_default(),
                row.get::<_, String>(2)?
            ))
        })?;
        for row in rows {
            problems.push(row?);
        }
        problems.extend(migrations::verify(conn)?);
        // The counts the triggers keep (migration 0037), recounted.
        problems.extend(crate::cases::counts::verify(conn)?);
        // Routing's open loads per agent and channel (migration 0053).
        problems.extend(crate::routing::store::verify_open_loads(conn)?);
        Ok(problems)
    })
}

/// The current time as stored: UTC, RFC 3339 with milliseconds.
/// Settings key set once the store was rewritten with `secure_delete` on.
const SCRUBBED: &str = "store.secure_delete_since";

/// Rewrites the store once (VACUUM) if it was ever written with
/// `secure_delete` off (a store made before it was always on): old copies of updated and
/// deleted text in the free space of pages are gone afterwards. A new
/// store is empty, so this costs nothing there; a large old one takes a
/// while, once, and needs free space for a copy of itself in the temporary
/// directory (`TMPDIR`, else `/var/tmp` or `/tmp`).
fn scrub_once(conn: &Connection) -> StoreResult<()> {
    let done = conn
        .query_row("SELECT 1 FROM settings WHERE key = ?1", [SCRUBBED], |_| {
            Ok(())
        })
        .optional()?
        .is_some();
    if done {
        return Ok(());
    }
    let started = std::time::Instant::now();
    // VACUUM copies the store into a temporary database first: in a file,
    // not in memory (the connections' temp_store), or a large store would
    // need its own size in RAM (and meet the unit's MemoryMax).
    conn.execute_batch("PRAGMA temp_store = FILE")?;
    let vacuumed = conn.execute_batch("VACUUM");
    conn.execute_batch("PRAGMA temp_store = MEMORY")?;
    vacuumed?;
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)",
        rusqlite::params![SCRUBBED, now()],
    )?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    let millis = started.elapsed().as_millis() as u64;
    if millis > 1000 {
        tracing::info!(
            millis,
            "rewrote the store once so that deleted text is overwritten (secure_delete)"
        );
    }
    Ok(())
}

/// `bytes` random bytes from the system's source, as hex.
pub fn random_hex(bytes: usize) -> String {
    use ring::rand::SecureRandom;
    let mut buf = vec![0u8; bytes];
    ring::rand::SystemRandom::new()
        .fill(&mut buf)
        .expect("the system random generator failed");
    hex(&buf)
}

pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_holds(path: &Path, needle: &[u8]) -> bool {
        std::fs::read(path)
            .unwrap_or_default()
            .windows(needle.len())
            .any(|w| w == needle)
    }

    /// Deleted text is overwritten in the file (secure_delete), and a store
    /// written without it is rewritten once when opened.
    #[test]
    fn deleted_text_leaves_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join(STORE_FILE);
        let write = |db: &Db, sql: &str| {
            db.write_blocking(|tx| tx.execute_batch(sql).map_err(StoreError::from))
                .unwrap();
        };
        let checkpoint = |db: &Db| {
            db.read_blocking(|c| {
                c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                    .map_err(StoreError::from)
            })
            .unwrap();
        };
        let (db, _) = Db::open(dir.path()).unwrap();
        write(
            &db,
            "INSERT INTO settings VALUES ('a', 'Kanarienvogel Amsel')",
        );
        write(&db, "UPDATE settings SET value = 'x' WHERE key = 'a'");
        write(&db, "DELETE FROM settings WHERE key = 'a'");
        checkpoint(&db);
        assert!(!file_holds(&store, b"Kanarienvogel"));
        // As before secure_delete was always on: the text stays behind …
        write(&db, "PRAGMA secure_delete = OFF");
        write(
            &db,
            "INSERT INTO settings VALUES ('b', 'Kanarienvogel Drossel')",
        );
        write(&db, "DELETE FROM settings WHERE key = 'b'");
        write(
            &db,
            &format!("DELETE FROM settings WHERE key = '{SCRUBBED}'"),
        );
        checkpoint(&db);
        assert!(file_holds(&store, b"Kanarienvogel Drossel"));
        drop(db);
        // … until the store is opened again and rewritten, once.
        let (db, _) = Db::open(dir.path()).unwrap();
        assert!(!file_holds(&store, b"Kanarienvogel"));
        let marked: i64 = db
            .read_blocking(|c| {
                c.query_row(
                    "SELECT COUNT(*) FROM settings WHERE key = ?1",
                    [SCRUBBED],
                    |r| r.get(0),
                )
                .map_err(StoreError::from)
            })
            .unwrap();
        assert_eq!(marked, 1);
    }

    /// A write the caller marks untracked does not count for the
    /// generation (the principal cache stays); the next tracked one does.
    #[test]
    fn untracked_writes_keep_the_generation() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Db::open(dir.path()).unwrap();
        db.track_writes_to(&["settings"]);
        let insert = |tx: &Transaction, key: &str| {
            tx.execute("INSERT INTO settings (key, value) VALUES (?1, 'x')", [key])
                .map(|_| ())
                .map_err(StoreError::from)
        };
        let before = db.generation();
        db.write_blocking(|tx| untracked(|| insert(tx, "a")))
            .unwrap();
        assert_eq!(db.generation(), before);
        db.write_blocking(|tx| insert(tx, "b")).unwrap();
        assert_eq!(db.generation(), before + 1);
        // The flag does not outlive the call, also when it failed.
        let _ = db.write_blocking(|tx| untracked(|| insert(tx, "b")));
        db.write_blocking(|tx| insert(tx, "c")).unwrap();
        assert_eq!(db.generation(), before + 2);
    }

    /// Reads run while a write holds the writer (its transaction open, a
    /// commit pending): they neither wait for it nor for its thread.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reads_do_not_wait_for_a_write() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Db::open(dir.path()).unwrap();
        let (hold, held) = std::sync::mpsc::channel::<()>();
        let (started, mut running) = tokio::sync::mpsc::channel::<()>(1);
        let writer = db.clone();
        let write = tokio::spawn(async move {
            writer
                .write(move |tx| {
                    tx.execute("INSERT INTO settings (key, value) VALUES ('held', 'x')", [])?;
                    let _ = started.blocking_send(());
                    // Held until the reads are done (at most 10 s).
                    let _ = held.recv_timeout(Duration::from_secs(10));
                    Ok::<_, StoreError>(())
                })
                .await
        });
        running.recv().await.unwrap();
        let started_at = Instant::now();
        let mut reads = Vec::new();
        for _ in 0..64 {
            let db = db.clone();
            reads.push(tokio::spawn(async move {
                db.read(|c| {
                    Ok::<i64, StoreError>(c.query_row(
                        "SELECT COUNT(*) FROM settings WHERE key = 'held'",
                        [],
                        |r| r.get(0),
                    )?)
                })
                .await
            }));
        }
        for read in reads {
            // The uncommitted row is not seen; the read is not held up.
            assert_eq!(read.await.unwrap().unwrap(), 0);
        }
        assert!(
            started_at.elapsed() < Duration::from_secs(5),
            "reads waited for the write: {:?}",
            started_at.elapsed()
        );
        hold.send(()).unwrap();
        write.await.unwrap().unwrap();
    }

    /// The writer thread runs at a lower CPU priority than the process.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_writer_thread_yields_the_cpu_to_readers() {
        let dir = tempfile::tempdir().unwrap();
        let (_db, _) = Db::open(dir.path()).unwrap();
        let nice = |stat: &str| -> i64 {
            // Fields after the name in parentheses; nice is the 19th field.
            let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
            rest.split_whitespace().nth(16).unwrap().parse().unwrap()
        };
        let process = nice(&std::fs::read_to_string("/proc/self/stat").unwrap());
        let expected = (process + i64::from(WRITER_NICE)).min(19);
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            // Other tests' stores have writer threads too: all are lowered.
            let writers: Vec<i64> = std::fs::read_dir("/proc/self/task")
                .unwrap()
                .filter_map(Result::ok)
                .filter(|task| {
                    std::fs::read_to_string(task.path().join("comm"))
                        .is_ok_and(|name| name.trim() == "zezaro-writer")
                })
                .filter_map(|task| std::fs::read_to_string(task.path().join("stat")).ok())
                .map(|stat| nice(&stat))
                .collect();
            if writers.contains(&expected) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "writer threads at nice {writers:?}, expected {expected} (process {process})"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// What writes put off to their batch's end runs after the job, once per
    /// key, in the same commit; when it fails, the write fails with it and
    /// leaves nothing behind.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn batch_end_tasks_run_in_the_writes_commit() {
        fn copy_value(conn: &Connection, id: i64) -> StoreResult<()> {
            // Reads the store as it is at the batch's end.
            conn.execute(
                "INSERT OR REPLACE INTO settings (key, value)
                 SELECT 'copy' || ?1, value || ' (copy)' FROM settings WHERE key = 'v' || ?1",
                [id],
            )?;
            Ok(())
        }
        fn refuse(_: &Connection, _: i64) -> StoreResult<()> {
            Err(StoreError::Task("refused at the batch's end".into()))
        }
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Db::open(dir.path()).unwrap();
        db.write(|tx| {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES ('v1', 'first')",
                [],
            )?;
            at_batch_end(tx, "copy", 1, copy_value)?;
            at_batch_end(tx, "copy", 1, copy_value)?;
            // Not there yet: it runs after the job.
            let copied: i64 = tx.query_row(
                "SELECT count(*) FROM settings WHERE key = 'copy1'",
                [],
                |r| r.get(0),
            )?;
            assert_eq!(copied, 0);
            tx.execute("UPDATE settings SET value = 'second' WHERE key = 'v1'", [])?;
            Ok::<_, StoreError>(())
        })
        .await
        .unwrap();
        let value = |key: &'static str| {
            db.read_blocking(move |c| {
                Ok::<_, StoreError>(
                    c.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                        r.get::<_, String>(0)
                    })
                    .optional()?,
                )
            })
            .unwrap()
        };
        assert_eq!(value("copy1").as_deref(), Some("second (copy)"));
        let failed = db
            .write(|tx| {
                tx.execute(
                    "INSERT INTO settings (key, value) VALUES ('v2', 'lost')",
                    [],
                )?;
                at_batch_end(tx, "refuse", 2, refuse)
            })
            .await;
        assert!(failed.is_err());
        assert_eq!(value("v2"), None, "the batch was not committed");
    }

    /// Concurrent writes share commits, yet each stands or falls alone.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn group_commit_keeps_writes_apart() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Db::open(dir.path()).unwrap();
        let mut tasks = Vec::new();
        for i in 0..200i64 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                db.write(move |tx| {
                    tx.execute(
                        "INSERT INTO settings (key, value) VALUES (?1, 'x')",
                        [format!("k{i}")],
                    )?;
                    if i % 5 == 0 {
                        // Fails after writing: its row must not survive.
                        return Err(StoreError::Task(format!("no {i}")));
                    }
                    Ok(i)
                })
                .await
            }));
        }
        let mut failed = 0;
        for task in tasks {
            if task.await.unwrap().is_err() {
                failed += 1;
            }
        }
        assert_eq!(failed, 40);
        let keys: Vec<String> = db
            .read_blocking(|conn| {
                let mut stmt =
                    conn.prepare("SELECT key FROM settings WHERE key GLOB 'k[0-9]*' ORDER BY key")?;
                let rows = stmt.query_map([], |row| row.get(0))?;
                Ok::<_, StoreError>(rows.collect::<Result<_, _>>()?)
            })
            .unwrap();
        assert_eq!(keys.len(), 160);
        assert!(keys.iter().all(|k| k[1..].parse::<i64>().unwrap() % 5 != 0));
        // A duplicate fails alone, too.
        let dup = db
            .write(|tx| {
                Ok::<_, StoreError>(
                    tx.execute("INSERT INTO settings (key, value) VALUES ('k1', 'y')", [])?,
                )
            })
            .await;
        assert!(matches!(dup, Err(StoreError::Conflict(_))));
    }
}
