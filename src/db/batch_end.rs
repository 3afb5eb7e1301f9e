//! Work a write puts off to the end of the group commit it is part of.
//!
//! Why: FTS5 writes the terms it holds in memory out as a new segment, and
//! merges segments, at every savepoint and at every statement that opens a
//! statement journal. Each job of a group commit runs in its own savepoint,
//! and a case's creation runs dozens of statements after indexing it (SLA
//! clocks, rules, routing), so a case indexed inside its job cost a segment
//! and its merge work of its own: a third of the server's CPU per created
//! case (docs/perf16.md, "CPU per created case, session 15"). Indexed at
//! the end of the batch, outside the jobs' savepoints, the batch's cases
//! share one segment per table, written at the commit.
//!
//! A task runs once per (name, id) and batch, after every job, in the
//! batch's transaction: it must read what it writes from the store as it
//! is then (so that a later job's change, or a rolled-back job's absence,
//! is what it sees), and be harmless for an id whose job was rolled back.
//! `Db`'s blocking and unsynced writes are a batch of one job each, so
//! bulk work there (filing many mails under a savepoint each) shares the
//! segment too. On a plain connection (unit tests) a task runs at once.
//!
//! Under a sustained write load the tasks go further: a batch of writes
//! that came together (several jobs, or more queued behind them), the
//! [`BUSY_STREAK`]th such in a row, puts its tasks off to a later batch
//! ([`Backlog`]), until [`MAX_TASKS`] wait or the oldest has waited
//! [`MAX_WAIT`]; a batch of one write with nothing queued behind it runs
//! them all, and so does the writer once no write came for [`QUIET`]. So
//! a burst's cases share a segment per table instead of one per commit of
//! one to four cases (FTS5's merge work is per leaf written, and a segment
//! of a few cases fills a leaf), and a search sees a case written under
//! such a load up to [`MAX_WAIT`] later (a burst's last cases [`QUIET`]
//! after its last write returned), as Elasticsearch's one-second refresh
//! behind Zammad; writes one after another (a person, one API client), at
//! once.
//! The put-off keys are also written to `search_backlog` in the batch's
//! transaction, so what a crash leaves there is run at the next start
//! (`search::backlog::resume`).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rusqlite::{Connection, Transaction};

use super::StoreResult;

/// A task put off to the batch's end: what it does to `id`.
pub type Task = fn(&Connection, i64) -> StoreResult<()>;

type Pending = BTreeMap<(&'static str, i64), Task>;

thread_local! {
    /// The open batch's tasks, while this thread runs a group commit.
    static PENDING: RefCell<Option<Pending>> = const { RefCell::new(None) };
}

/// Runs `task(conn, id)` at the end of the write (group commit) this
/// belongs to (once per `name` and `id`), or now when it belongs to none.
pub fn at_batch_end(conn: &Connection, name: &'static str, id: i64, task: Task) -> StoreResult<()> {
    let deferred = PENDING.with(|pending| match pending.borrow_mut().as_mut() {
        Some(tasks) => {
            tasks.insert((name, id), task);
            true
        }
        None => false,
    });
    if deferred { Ok(()) } else { task(conn, id) }
}

/// Batches of writes that came together, in a row, before the next one
/// puts its tasks off: a lone write queued beside another (a background
/// job) is indexed in its own commit.
pub const BUSY_STREAK: u32 = 3;
/// How long the writer waits for more writes before it runs the put-off
/// tasks itself: longer than the turn of a client that writes again as
/// soon as its write returned (under 1 ms on loopback), short beside a
/// person's next step.
pub const QUIET: Duration = Duration::from_millis(5);
/// Put-off tasks past which the next batch runs them all.
pub const MAX_TASKS: usize = 512;
/// How long a put-off task waits at most.
pub const MAX_WAIT: Duration = Duration::from_millis(250);

/// How a batch came about, for whether it puts its tasks off.
#[derive(Debug, Clone, Copy)]
pub(super) struct Load {
    /// Jobs in the batch.
    pub jobs: usize,
    /// Whether more writes were queued when its jobs were done.
    pub more_queued: bool,
}

impl Load {
    /// A batch that runs the put-off tasks: the CLI's and start-up's
    /// writes, the writer's own run after a quiet spell.
    pub const ALONE: Load = Load {
        jobs: 1,
        more_queued: false,
    };

    /// Whether its writes came together with others.
    fn together(self) -> bool {
        self.jobs > 1 || self.more_queued
    }
}

/// The tasks put off past their batches (kept by the writer, under its lock).
/// Each task also has a row in `search_backlog`, written with it.
#[derive(Default)]
pub(super) struct Backlog {
    tasks: Pending,
    /// When the oldest of `tasks` was put off.
    since: Option<Instant>,
    /// Batches in a row of writes that came together.
    busy: u32,
}

impl Backlog {
    /// Whether a batch ending now, come about as `load` says, puts its
    /// tasks off.
    fn defers(&mut self, load: Load) -> bool {
        self.busy = if load.together() { self.busy + 1 } else { 0 };
        self.busy >= BUSY_STREAK
            && self.tasks.len() < MAX_TASKS
            && self.since.is_none_or(|since| since.elapsed() < MAX_WAIT)
    }

    pub(super) fn len(&self) -> usize {
        self.tasks.len()
    }
}

/// The backlog's tasks a batch ran; put back when its commit fails.
#[must_use]
struct Ran(Backlog);

impl Ran {
    /// After the batch's commit: a failed commit leaves the tasks to a
    /// later batch (their rows in `search_backlog` are back too).
    fn settle(self, backlog: &mut Backlog, committed: bool) {
        if committed {
            return;
        }
        let Ran(ran) = self;
        for (key, task) in ran.tasks {
            backlog.tasks.entry(key).or_insert(task);
        }
        backlog.since = match (backlog.since, ran.since) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
}

/// An open batch on this thread; dropping it forgets tasks not yet run (a
/// batch that panicked leaves none behind for the next).
pub(super) struct Batch(());

impl Batch {
    pub(super) fn open() -> Batch {
        PENDING.with(|pending| *pending.borrow_mut() = Some(Pending::new()));
        Batch(())
    }

    /// Finishes the batch ([`Batch::finish`]) and commits `tx`; a failed
    /// commit leaves the backlog's tasks to a later batch.
    pub(super) fn commit(
        self,
        tx: Transaction<'_>,
        backlog: &mut Backlog,
        load: Load,
    ) -> StoreResult<()> {
        let ran = self.finish(&tx, backlog, load)?;
        let commit = tx.commit().map_err(super::StoreError::from);
        ran.settle(backlog, commit.is_ok());
        commit
    }

    /// Runs the batch's tasks on its transaction, in order of name and id,
    /// with the backlog's, or puts them off to the backlog when it
    /// [defers](Backlog::defers). Tasks they start run at once (the batch
    /// is closed by then). On an error nothing is taken from the backlog.
    fn finish(self, conn: &Connection, backlog: &mut Backlog, load: Load) -> StoreResult<Ran> {
        let tasks = PENDING
            .with(|pending| pending.borrow_mut().take())
            .unwrap_or_default();
        if backlog.defers(load) {
            let mut store = conn.prepare_cached(
                "INSERT OR IGNORE INTO search_backlog (task, id) VALUES (?1, ?2)",
            )?;
            for (key, task) in tasks {
                if backlog.tasks.insert(key, task).is_none() {
                    store.execute(rusqlite::params![key.0, key.1])?;
                }
            }
            backlog.since.get_or_insert_with(Instant::now);
            return Ok(Ran(Backlog::default()));
        }
        let ran = Backlog {
            tasks: std::mem::take(&mut backlog.tasks),
            since: backlog.since.take(),
            busy: 0,
        };
        if !ran.tasks.is_empty() {
            tracing::debug!(tasks = ran.tasks.len(), "running the put-off index tasks");
        }
        let outcome = run(conn, &ran, tasks);
        match outcome {
            Ok(()) => Ok(Ran(ran)),
            Err(err) => {
                Ran(ran).settle(backlog, false);
                Err(err)
            }
        }
    }
}

/// Runs the batch's and the backlog's tasks (each key once) and forgets the
/// backlog's rows.
fn run(conn: &Connection, backlog: &Backlog, mut tasks: Pending) -> StoreResult<()> {
    for (key, task) in &backlog.tasks {
        forget(conn, key.0, key.1)?;
        tasks.entry(*key).or_insert(*task);
    }
    for ((_, id), task) in tasks {
        task(conn, id)?;
    }
    Ok(())
}

/// What `search_backlog` holds: (task, id) put off by a batch whose tasks
/// never ran (the process ended before).
pub fn stored(conn: &Connection) -> StoreResult<Vec<(String, i64)>> {
    let mut stmt = conn.prepare_cached("SELECT task, id FROM search_backlog ORDER BY task, id")?;
    let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Forgets one row of `search_backlog` (its task has run).
pub fn forget(conn: &Connection, task: &str, id: i64) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM search_backlog WHERE task = ?1 AND id = ?2")?
        .execute(rusqlite::params![task, id])?;
    Ok(())
}

impl Drop for Batch {
    fn drop(&mut self) {
        PENDING.with(|pending| *pending.borrow_mut() = None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(conn: &Connection, id: i64) -> StoreResult<()> {
        conn.execute("INSERT INTO done (id) VALUES (?1)", [id])?;
        Ok(())
    }

    fn done(conn: &Connection) -> Vec<i64> {
        let mut stmt = conn.prepare("SELECT id FROM done ORDER BY rowid").unwrap();
        stmt.query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    fn store() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE done (id INTEGER);
             CREATE TABLE search_backlog (task TEXT NOT NULL, id INTEGER NOT NULL,
                                          PRIMARY KEY (task, id)) WITHOUT ROWID;",
        )
        .unwrap();
        conn
    }

    #[test]
    fn without_a_batch_a_task_runs_at_once() {
        let conn = store();
        at_batch_end(&conn, "t", 7, note).unwrap();
        assert_eq!(done(&conn), [7]);
    }

    #[test]
    fn in_a_batch_each_task_runs_once_at_its_end_in_order() {
        let conn = store();
        let batch = Batch::open();
        for id in [3, 1, 3, 2, 1] {
            at_batch_end(&conn, "t", id, note).unwrap();
        }
        assert_eq!(done(&conn), Vec::<i64>::new(), "nothing before the end");
        let mut backlog = Backlog::default();
        let ran = batch.finish(&conn, &mut backlog, Load::ALONE).unwrap();
        ran.settle(&mut backlog, true);
        assert_eq!(done(&conn), [1, 2, 3]);
        // The batch is closed: the next task runs at once.
        at_batch_end(&conn, "t", 9, note).unwrap();
        assert_eq!(done(&conn), [1, 2, 3, 9]);
    }

    #[test]
    fn a_dropped_batch_leaves_no_task_behind() {
        let conn = store();
        {
            let _batch = Batch::open();
            at_batch_end(&conn, "t", 5, note).unwrap();
        }
        let batch = Batch::open();
        let mut backlog = Backlog::default();
        let ran = batch.finish(&conn, &mut backlog, Load::ALONE).unwrap();
        ran.settle(&mut backlog, true);
        assert_eq!(done(&conn), Vec::<i64>::new());
    }

    fn stored_ids(conn: &Connection) -> Vec<i64> {
        stored(conn)
            .unwrap()
            .into_iter()
            .map(|(_, id)| id)
            .collect()
    }

    /// A backlog whose next batch with more writes queued puts its tasks off.
    fn busy() -> Backlog {
        Backlog {
            busy: BUSY_STREAK,
            ..Backlog::default()
        }
    }

    /// Writes queued behind a batch of one.
    const QUEUED: Load = Load {
        jobs: 1,
        more_queued: true,
    };
    /// Four writes committed together, none queued behind them (four
    /// clients waiting for their answers).
    const TOGETHER: Load = Load {
        jobs: 4,
        more_queued: false,
    };

    /// One batch of jobs writing `ids`, come about as `load` says.
    fn batch(conn: &Connection, backlog: &mut Backlog, ids: &[i64], load: Load) -> Ran {
        let batch = Batch::open();
        for id in ids {
            at_batch_end(conn, "t", *id, note).unwrap();
        }
        batch.finish(conn, backlog, load).unwrap()
    }

    #[test]
    fn under_a_sustained_load_tasks_wait_for_a_write_alone() {
        let conn = store();
        let mut backlog = Backlog::default();
        // The first batches of writes together still run theirs.
        for id in 1..BUSY_STREAK as i64 {
            batch(&conn, &mut backlog, &[id], QUEUED).settle(&mut backlog, true);
        }
        assert_eq!(done(&conn), [1, 2]);
        // From the streak's length on they are put off, and kept in the
        // store: with writes queued behind, and with several writes that
        // came together though none is queued behind them.
        batch(&conn, &mut backlog, &[10, 11], QUEUED).settle(&mut backlog, true);
        batch(&conn, &mut backlog, &[11, 12], TOGETHER).settle(&mut backlog, true);
        assert_eq!(done(&conn), [1, 2]);
        assert_eq!(backlog.len(), 3);
        assert_eq!(stored_ids(&conn), [10, 11, 12]);
        // A write alone runs them all, once each.
        batch(&conn, &mut backlog, &[12, 13], Load::ALONE).settle(&mut backlog, true);
        assert_eq!(done(&conn), [1, 2, 10, 11, 12, 13]);
        assert_eq!(backlog.len(), 0);
        assert_eq!(stored_ids(&conn), Vec::<i64>::new());
        // A write alone also breaks the streak.
        batch(&conn, &mut backlog, &[14], TOGETHER).settle(&mut backlog, true);
        assert_eq!(done(&conn).len(), 7);
    }

    #[test]
    fn a_full_or_old_backlog_is_run_though_writes_keep_coming() {
        let conn = store();
        let mut backlog = busy();
        let many: Vec<i64> = (0..MAX_TASKS as i64).collect();
        batch(&conn, &mut backlog, &many, QUEUED).settle(&mut backlog, true);
        assert_eq!(backlog.len(), MAX_TASKS);
        batch(&conn, &mut backlog, &[-1], QUEUED).settle(&mut backlog, true);
        assert_eq!(backlog.len(), 0, "full: run");
        assert_eq!(done(&conn).len(), MAX_TASKS + 1);

        batch(&conn, &mut backlog, &[-2], QUEUED).settle(&mut backlog, true);
        assert_eq!(backlog.len(), 1);
        backlog.since = Some(Instant::now() - MAX_WAIT);
        batch(&conn, &mut backlog, &[-3], QUEUED).settle(&mut backlog, true);
        assert_eq!(backlog.len(), 0, "old: run");
        assert_eq!(done(&conn).len(), MAX_TASKS + 3);
    }

    #[test]
    fn a_failed_commit_leaves_the_backlog_to_the_next_batch() {
        let conn = store();
        let mut backlog = busy();
        batch(&conn, &mut backlog, &[4], QUEUED).settle(&mut backlog, true);
        assert_eq!(backlog.len(), 1);
        conn.execute_batch("BEGIN").unwrap();
        let ran = batch(&conn, &mut backlog, &[5], Load::ALONE);
        assert_eq!(backlog.len(), 0);
        conn.execute_batch("ROLLBACK").unwrap();
        ran.settle(&mut backlog, false);
        assert_eq!(
            backlog.len(),
            1,
            "4 waits again; 5's job is gone with the commit"
        );
        assert_eq!(stored_ids(&conn), [4]);
        batch(&conn, &mut backlog, &[], Load::ALONE).settle(&mut backlog, true);
        assert_eq!(done(&conn), [4]);
        assert_eq!(stored_ids(&conn), Vec::<i64>::new());
    }
}
