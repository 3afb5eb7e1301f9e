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

use std::cell::RefCell;
use std::collections::BTreeMap;

use rusqlite::Connection;

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

/// An open batch on this thread; dropping it forgets tasks not yet run (a
/// batch that panicked leaves none behind for the next).
pub(super) struct Batch(());

impl Batch {
    pub(super) fn open() -> Batch {
        PENDING.with(|pending| *pending.borrow_mut() = Some(Pending::new()));
        Batch(())
    }

    /// Runs the batch's tasks on its transaction, in order of name and id.
    /// Tasks they start run at once (the batch is closed by then).
    pub(super) fn finish(self, conn: &Connection) -> StoreResult<()> {
        let tasks = PENDING
            .with(|pending| pending.borrow_mut().take())
            .unwrap_or_default();
        for ((_, id), task) in tasks {
            task(conn, id)?;
        }
        Ok(())
    }
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
        conn.execute_batch("CREATE TABLE done (id INTEGER)")
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
        batch.finish(&conn).unwrap();
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
        batch.finish(&conn).unwrap();
        assert_eq!(done(&conn), Vec::<i64>::new());
    }
}
