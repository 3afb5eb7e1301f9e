//! WAL checkpoints off the write path. One background thread per
//! [`super::Db`] runs a PASSIVE checkpoint on its own connection shortly
//! after commits, so a commit does not copy pages into the store file
//! itself. PASSIVE never waits for (or blocks) readers and writers; a
//! reader on an old snapshot only makes it stop early, and it is retried
//! later. Only when writes outrun the thread (the WAL past
//! `WRITER_CHECKPOINT_PAGES`) does the writer checkpoint again itself,
//! which holds writers to the disk's pace and lets the WAL start over.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::{StoreResult, open_connection};

/// At most one checkpoint this often: a burst of commits shares one.
const MIN_INTERVAL: Duration = Duration::from_millis(250);
/// Delay after a wake before checkpointing, so that the committing thread's
/// own follow-up (the GDPR erasure's `wal_checkpoint(TRUNCATE)`) usually
/// runs first: two checkpoints at once make one fail with SQLITE_BUSY.
const SETTLE: Duration = Duration::from_millis(50);
/// Without commits, the thread still wakes this often: to retry a
/// checkpoint a reader cut short, and to notice that its `Db` is gone.
const TICK: Duration = Duration::from_secs(1);
/// A WAL this large that has not started over: readers keep overlapping, so
/// the writer never finds a moment to rewind the WAL. Then a RESTART
/// checkpoint waits (briefly) for the readers so that the next commit can.
const RESTART_ABOVE_BYTES: i64 = 256 * 1024 * 1024;
/// RESTART holds the write lock while it waits for readers; bound that wait
/// so writers stall at most this long.
const RESTART_WAIT: Duration = Duration::from_secs(1);
/// ... and do not try again sooner than this, so a long reader (a backup)
/// does not stall writers over and over.
const RESTART_EVERY: Duration = Duration::from_secs(10);
/// Each WAL frame is a page plus this header.
const FRAME_HEADER: i64 = 24;

/// Shared between the `Db` clones (through [`Checkpointer`]) and the thread.
struct Signal {
    /// A commit happened since the thread last started a checkpoint.
    pending: AtomicBool,
    /// Set once the last `Db` clone is gone: the thread exits.
    stop: Mutex<bool>,
    wake: Condvar,
}

impl Signal {
    fn new() -> Arc<Signal> {
        Arc::new(Signal {
            pending: AtomicBool::new(false),
            stop: Mutex::new(false),
            wake: Condvar::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, bool> {
        self.stop
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sleeps until `deadline`, or until a commit is pending when
    /// `for_commit`. Returns true when the thread is to stop.
    fn wait(&self, deadline: Instant, for_commit: bool) -> bool {
        let mut stop = self.lock();
        loop {
            if *stop {
                return true;
            }
            if for_commit && self.pending.load(Ordering::Acquire) {
                return false;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            stop = self
                .wake
                .wait_timeout(stop, deadline - now)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
    }
}

/// The `Db`'s handle on its checkpointer thread; dropping it (with the last
/// `Db` clone) stops the thread. The thread holds only the [`Signal`], never
/// the `Db`, so it keeps nothing alive.
pub(super) struct Checkpointer {
    signal: Arc<Signal>,
    /// Under replication: Litestream checkpoints, and takes the WAL over
    /// when it is long (no thread then).
    drainer: Option<super::wal_drain::Drainer>,
}

impl Checkpointer {
    /// Starts the thread with its own connection to the store at `path`.
    pub(super) fn start(path: &Path) -> StoreResult<std::io::Result<Checkpointer>> {
        let conn = connect(path)?;
        let signal = Signal::new();
        let theirs = signal.clone();
        Ok(std::thread::Builder::new()
            .name("zezaro-checkpoint".into())
            .spawn(move || run(&theirs, &conn))
            .map(|_| Checkpointer {
                signal,
                drainer: None,
            }))
    }

    /// A handle with no thread behind it (for when the thread cannot start).
    pub(super) fn idle() -> Checkpointer {
        Checkpointer {
            signal: Signal::new(),
            drainer: None,
        }
    }

    /// Litestream checkpoints; a long WAL is handed to it by `drain`
    /// ([`super::wal_drain`]).
    pub(super) fn left_to(drain: super::wal_drain::Drain) -> Checkpointer {
        Checkpointer {
            signal: Signal::new(),
            drainer: Some(super::wal_drain::Drainer::new(drain)),
        }
    }

    /// Called after each successful commit, on the committing thread and
    /// still holding the writer. Our own thread: an atomic swap; only the
    /// first commit since the last checkpoint takes the lock to wake it.
    /// Under replication: a long WAL is handed to Litestream now.
    pub(super) fn notify(&self) {
        if let Some(drainer) = &self.drainer {
            drainer.after_commit();
            return;
        }
        if !self.signal.pending.swap(true, Ordering::AcqRel) {
            // Taking the lock orders this after the thread's check of
            // `pending`, so the wake-up cannot be lost.
            drop(self.signal.lock());
            self.signal.wake.notify_one();
        }
    }
}

/// The thread's connection. Its busy timeout only matters to RESTART
/// (PASSIVE never waits), which holds the write lock while waiting.
fn connect(path: &Path) -> StoreResult<Connection> {
    let conn = open_connection(path, false)?;
    conn.busy_timeout(RESTART_WAIT)?;
    Ok(conn)
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        *self.signal.lock() = true;
        self.signal.wake.notify_one();
    }
}

/// The thread: waits for commits (or the tick), then checkpoints, rate
/// limited. Exits when its `Db` is gone.
fn run(signal: &Signal, conn: &Connection) {
    let page_size: i64 = match conn.query_row("PRAGMA page_size", [], |row| row.get(0)) {
        Ok(size) => size,
        Err(err) => {
            tracing::warn!(error = %err, "checkpointer: cannot read the page size");
            4096
        }
    };
    // The store may come with a WAL left over from the last run.
    let mut unfinished = true;
    let mut last_run: Option<Instant> = None;
    let mut last_restart: Option<Instant> = None;
    loop {
        if signal.wait(Instant::now() + TICK, true) {
            return;
        }
        if !signal.pending.load(Ordering::Acquire) && !unfinished {
            continue;
        }
        let mut start = Instant::now() + SETTLE;
        if let Some(last) = last_run {
            start = start.max(last + MIN_INTERVAL);
        }
        if signal.wait(start, false) {
            return;
        }
        // Cleared before the checkpoint: a commit during it wakes us again.
        signal.pending.store(false, Ordering::Release);
        last_run = Some(Instant::now());
        let restart_allowed = last_restart.is_none_or(|at| at.elapsed() >= RESTART_EVERY);
        match checkpoint(conn, page_size, RESTART_ABOVE_BYTES, restart_allowed) {
            Ok(pass) => {
                unfinished = !pass.complete;
                if pass.restart_tried {
                    last_restart = last_run;
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, "WAL checkpoint failed");
                unfinished = true;
            }
        }
    }
}

/// What one checkpoint pass did.
#[derive(Debug)]
struct Pass {
    /// Every frame in the WAL is in the store file now.
    complete: bool,
    restart_tried: bool,
}

/// One PASSIVE checkpoint; if the WAL is over `restart_above` bytes (and
/// `restart_allowed`), also a RESTART one.
fn checkpoint(
    conn: &Connection,
    page_size: i64,
    restart_above: i64,
    restart_allowed: bool,
) -> rusqlite::Result<Pass> {
    // Rows: (busy, frames in the WAL, frames copied into the store file).
    // Busy (another checkpoint running) is a result here, not an error.
    let run = |mode: &str| {
        conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, i64>(2)?,
            ))
        })
    };
    let (busy, log, done) = run("PASSIVE")?;
    let mut pass = Pass {
        complete: busy == 0 && log == done,
        restart_tried: false,
    };
    let wal_bytes = log.max(0) * (page_size + FRAME_HEADER);
    if wal_bytes > restart_above && restart_allowed {
        pass.restart_tried = true;
        let (busy, log, done) = run("RESTART")?;
        pass.complete = busy == 0 && log == done;
        if busy != 0 {
            tracing::warn!(
                wal_mib = wal_bytes / (1024 * 1024),
                "the WAL keeps growing: readers hold old snapshots; will retry"
            );
        }
    }
    Ok(pass)
}

#[cfg(test)]
mod tests {
    use super::super::{Db, STORE_FILE, StoreError};
    use super::*;

    /// Writes `txs` transactions of 100 rows of ~4 KB each.
    fn fill(db: &Db, txs: usize) {
        for t in 0..txs {
            db.write_blocking(|tx| {
                for i in 0..100 {
                    tx.execute(
                        "INSERT INTO settings (key, value) VALUES (?1, hex(randomblob(2000)))",
                        [format!("fill-{t}-{i}")],
                    )?;
                }
                Ok::<_, StoreError>(())
            })
            .unwrap();
        }
    }

    fn store_len(db: &Db) -> u64 {
        std::fs::metadata(db.path()).map(|m| m.len()).unwrap_or(0)
    }

    /// Commits do not checkpoint below the writer's own threshold (more
    /// pages than this test writes), but the background thread does, soon
    /// after.
    #[test]
    fn background_thread_checkpoints_the_wal() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Db::open(dir.path()).unwrap();
        let settings: (i64, i64) = db
            .write_blocking(|tx| {
                let auto = tx.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))?;
                let limit = tx.query_row("PRAGMA journal_size_limit", [], |r| r.get(0))?;
                Ok::<_, StoreError>((auto, limit))
            })
            .unwrap();
        assert_eq!(
            settings,
            (super::super::WRITER_CHECKPOINT_PAGES, 64 * 1024 * 1024)
        );
        let before = store_len(&db);
        // ~8 MB: about 2,000 pages, twice SQLite's default autocheckpoint.
        fill(&db, 20);
        assert!(dir.path().join(format!("{STORE_FILE}-wal")).exists());
        let deadline = Instant::now() + Duration::from_secs(5);
        while store_len(&db) < before + 6_000_000 {
            assert!(
                Instant::now() < deadline,
                "no checkpoint: store {} bytes (was {before})",
                store_len(&db)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        // All rows readable, from the store file or the WAL alike.
        let n: i64 = db
            .read_blocking(|c| {
                Ok::<_, StoreError>(c.query_row(
                    "SELECT COUNT(*) FROM settings WHERE key LIKE 'fill-%'",
                    [],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        assert_eq!(n, 2000);
    }

    /// The thread exits once the last `Db` clone is gone, even when the
    /// update hook (which holds the store's inner state) keeps that alive.
    #[test]
    fn thread_stops_when_db_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Db::open(dir.path()).unwrap();
        db.track_writes_to(&["settings"]);
        // Besides the handle, only the thread holds the signal.
        let alive = Arc::downgrade(&db.checkpointer.signal);
        fill(&db, 1);
        let clone = db.clone();
        drop(db);
        std::thread::sleep(Duration::from_millis(200));
        // The clone's handle and the running thread.
        assert_eq!(alive.strong_count(), 2, "a clone still uses the thread");
        drop(clone);
        let deadline = Instant::now() + Duration::from_secs(3);
        while alive.strong_count() > 0 {
            assert!(
                Instant::now() < deadline,
                "checkpointer thread still running"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Writes `rows` rows of ~4 KB on a plain connection, which (like the
    /// `Db`'s writer) does not checkpoint by itself.
    fn fill_raw(conn: &Connection, rows: usize) {
        conn.execute_batch("BEGIN").unwrap();
        for i in 0..rows {
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?1, hex(randomblob(2000)))",
                [format!("raw-{i}-{}", now_nanos())],
            )
            .unwrap();
        }
        conn.execute_batch("COMMIT").unwrap();
    }

    fn now_nanos() -> u128 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    }

    /// A migrated store with no `Db` (and so no background checkpointer)
    /// on it, a writer that never checkpoints, and a checkpointer's
    /// connection.
    fn raw_store(dir: &Path) -> (Connection, Connection) {
        let (db, _) = Db::open(dir).unwrap();
        let alive = Arc::downgrade(&db.checkpointer.signal);
        drop(db);
        while alive.upgrade().is_some() {
            std::thread::sleep(Duration::from_millis(5));
        }
        let path = dir.join(STORE_FILE);
        let writer = open_connection(&path, false).unwrap();
        let auto: i64 = writer
            .query_row("PRAGMA wal_autocheckpoint = 0", [], |r| r.get(0))
            .unwrap();
        assert_eq!(auto, 0);
        (writer, connect(&path).unwrap())
    }

    /// PASSIVE reports the WAL's frame count (and copies what it can).
    fn wal_frames(conn: &Connection) -> i64 {
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1))
            .unwrap()
    }

    /// Over the size limit, the pass also runs RESTART, after which the next
    /// commit starts the WAL over from its beginning.
    #[test]
    fn restart_rewinds_a_large_wal() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, conn) = raw_store(dir.path());
        fill_raw(&writer, 300);
        // Under the limit, or not allowed yet: PASSIVE only.
        let pass = checkpoint(&conn, 4096, i64::MAX, true).unwrap();
        assert!(pass.complete && !pass.restart_tried, "{pass:?}");
        let pass = checkpoint(&conn, 4096, 0, false).unwrap();
        assert!(pass.complete && !pass.restart_tried, "{pass:?}");
        assert!(wal_frames(&conn) > 300);
        // Over it: RESTART; the next small commit rewinds the WAL.
        let pass = checkpoint(&conn, 4096, 0, true).unwrap();
        assert!(pass.complete && pass.restart_tried, "{pass:?}");
        fill_raw(&writer, 1);
        assert!(wal_frames(&conn) < 10);
    }

    /// A reader on an old snapshot stops both PASSIVE and RESTART from
    /// finishing; RESTART gives up after its bounded wait, not never.
    #[test]
    fn restart_waits_for_readers_only_briefly() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, conn) = raw_store(dir.path());
        fill_raw(&writer, 10);
        let reader = open_connection(&dir.path().join(STORE_FILE), false).unwrap();
        reader.execute_batch("BEGIN").unwrap();
        let _: i64 = reader
            .query_row("SELECT COUNT(*) FROM settings", [], |r| r.get(0))
            .unwrap();
        fill_raw(&writer, 300);
        let started = Instant::now();
        let pass = checkpoint(&conn, 4096, 0, true).unwrap();
        assert!(!pass.complete && pass.restart_tried, "{pass:?}");
        assert!(started.elapsed() < RESTART_WAIT * 3);
        // Once the reader is done, a pass completes.
        reader.execute_batch("COMMIT").unwrap();
        let pass = checkpoint(&conn, 4096, i64::MAX, true).unwrap();
        assert!(pass.complete, "{pass:?}");
    }
}
