//! The WAL under replication: handed to Litestream, with writes held.
//!
//! With replication on, Litestream alone checkpoints the WAL (it must read
//! every frame first). Its PASSIVE checkpoint lets the WAL start over only
//! when it finds every frame copied into the store, which never happens
//! while the writer keeps appending: under a sustained load the WAL grows
//! for as long as the load lasts. Its TRUNCATE fallback (`truncate-page-n`)
//! is worse: afterwards it re-encodes the whole store into a snapshot while
//! holding the write lock (7 s of stalled writes and 570 MiB shipped for a
//! 1 GB store, docs/benchmarks.md), so zezaro turns it off.
//!
//! Instead the writer hands the WAL over: right after a commit that leaves
//! more than [`DRAIN_PAGES`] in the WAL, still holding the writer (so no
//! write can append), it asks Litestream to sync and checkpoint at once
//! (`litestream sync` on Litestream's control socket, [`Drain`]) and waits
//! for it. With nothing appended meanwhile, Litestream's checkpoint copies
//! every frame, and its own next write starts the WAL over. Writers pause
//! for that while (the copy of at most [`DRAIN_PAGES`] pages), as they do
//! for zezaro's own checkpoint without replication.
//!
//! The WAL's length comes from SQLite's WAL hook, which runs on the
//! committing thread: a thread-local carries it from the hook to the check
//! right after the commit on the same thread.

use std::cell::Cell;
use std::os::raw::c_int;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use rusqlite::hooks::Wal;

/// Asks the replicator to ship and checkpoint the WAL now; returns when it
/// has (or failed to).
pub type Drain = Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

/// The WAL's length (pages; 64 MiB of 4 KiB pages) past which the writer
/// hands it over.
pub const DRAIN_PAGES: c_int = 16_384;
/// A hand-over that left the WAL long (a reader held an old snapshot, so
/// the WAL could not start over) is tried again after this.
const RETRY: Duration = Duration::from_secs(1);
/// After a failed hand-over (Litestream stopped or restarting), writers do
/// not pause for it again before this.
const AFTER_FAILURE: Duration = Duration::from_secs(30);

thread_local! {
    /// Pages in the WAL after this thread's last commit (the WAL hook).
    static WAL_PAGES: Cell<c_int> = const { Cell::new(0) };
}

fn record_wal_pages(_: &Wal, pages: c_int) -> rusqlite::Result<()> {
    WAL_PAGES.set(pages);
    Ok(())
}

/// Counts the WAL's pages at each commit of `conn` (which then runs no
/// checkpoint of SQLite's own: the hook replaces it).
pub(super) fn count_wal_pages(conn: &Connection) {
    conn.wal_hook(Some(record_wal_pages));
}

/// The writer's side of the hand-over.
pub(super) struct Drainer {
    drain: Drain,
    /// No hand-over before this (after one that failed or did not help).
    not_before: Mutex<Option<Instant>>,
}

impl Drainer {
    pub(super) fn new(drain: Drain) -> Drainer {
        Drainer {
            drain,
            not_before: Mutex::new(None),
        }
    }

    /// Called right after a commit, on the committing thread and still
    /// holding the writer: hands the WAL over when it is long.
    pub(super) fn after_commit(&self) {
        let pages = WAL_PAGES.get();
        if pages < DRAIN_PAGES {
            return;
        }
        let mut not_before = self.not_before.lock().unwrap_or_else(|p| p.into_inner());
        if not_before.is_some_and(|at| Instant::now() < at) {
            return;
        }
        let started = Instant::now();
        match (self.drain)() {
            Ok(()) => {
                tracing::debug!(
                    pages,
                    took_ms = started.elapsed().as_millis() as u64,
                    "WAL handed to Litestream"
                );
                *not_before = Some(Instant::now() + RETRY);
            }
            Err(err) => {
                tracing::warn!(
                    pages,
                    error = %err,
                    "cannot hand the WAL to Litestream; it grows until Litestream runs again"
                );
                *not_before = Some(Instant::now() + AFTER_FAILURE);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn hands_over_past_the_bound_and_backs_off_after_a_failure() {
        let dir = tempfile::tempdir().expect("dir");
        let conn = Connection::open(dir.path().join("t.db")).expect("open");
        conn.execute_batch(
            "PRAGMA page_size = 1024; PRAGMA journal_mode = WAL; CREATE TABLE t (x BLOB);",
        )
        .expect("schema");
        count_wal_pages(&conn);
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = calls.clone();
        let drainer = Drainer::new(Arc::new(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            Err("no socket".into())
        }));
        // A short WAL: nothing to hand over.
        conn.execute("INSERT INTO t VALUES (zeroblob(100))", [])
            .expect("insert");
        assert!(WAL_PAGES.get() > 0 && WAL_PAGES.get() < DRAIN_PAGES);
        drainer.after_commit();
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        // Past the bound (and no checkpoint of SQLite's own shortened it).
        let rows = DRAIN_PAGES as usize / 8 + 1;
        conn.execute_batch("BEGIN").expect("begin");
        for _ in 0..rows {
            conn.execute("INSERT INTO t VALUES (zeroblob(9000))", [])
                .expect("insert");
        }
        conn.execute_batch("COMMIT").expect("commit");
        assert!(WAL_PAGES.get() >= DRAIN_PAGES, "{}", WAL_PAGES.get());
        drainer.after_commit();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // It failed: writers do not pause for it again at once.
        drainer.after_commit();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
