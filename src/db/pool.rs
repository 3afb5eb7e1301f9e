//! A bounded pool of reader connections. WAL lets readers run beside the
//! single writer. At most `max` connections exist; a reader beyond that
//! waits for one to come back instead of opening (and later closing) a new
//! one, which under load would cost more than the query.

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::{Condvar, Mutex, MutexGuard};

use rusqlite::Connection;

use super::{StoreResult, open_connection};

pub(super) struct ReaderPool {
    path: PathBuf,
    state: Mutex<PoolState>,
    returned: Condvar,
    max: usize,
    /// Litestream checkpoints the store: `wal_autocheckpoint = 0` here too.
    no_checkpoints: bool,
}

struct PoolState {
    idle: Vec<Connection>,
    open: usize,
}

/// A checked-out connection; goes back to the pool when dropped.
pub(super) struct Pooled<'a> {
    pool: &'a ReaderPool,
    conn: Option<Connection>,
}

impl Deref for Pooled<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("connection present until drop")
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.put(conn);
        }
    }
}

impl ReaderPool {
    pub(super) fn new(path: PathBuf, max: usize, no_checkpoints: bool) -> Self {
        ReaderPool {
            path,
            no_checkpoints,
            state: Mutex::new(PoolState {
                idle: Vec::new(),
                open: 0,
            }),
            returned: Condvar::new(),
            max: max.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, PoolState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(super) fn get(&self) -> StoreResult<Pooled<'_>> {
        let mut state = self.lock();
        loop {
            if let Some(conn) = state.idle.pop() {
                return Ok(Pooled {
                    pool: self,
                    conn: Some(conn),
                });
            }
            if state.open < self.max {
                state.open += 1;
                drop(state);
                let opened = open_connection(&self.path, false).and_then(|conn| {
                    // Readers read the store's pages from the process's
                    // mapping of it (mapped.rs), kept across writes.
                    super::mapped::read_mapped(&conn)?;
                    if self.no_checkpoints {
                        conn.execute_batch("PRAGMA wal_autocheckpoint = 0")?;
                    }
                    Ok(conn)
                });
                return match opened {
                    Ok(conn) => Ok(Pooled {
                        pool: self,
                        conn: Some(conn),
                    }),
                    Err(err) => {
                        self.lock().open -= 1;
                        self.returned.notify_one();
                        Err(err)
                    }
                };
            }
            state = self
                .returned
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    fn put(&self, conn: Connection) {
        let mut state = self.lock();
        // A connection left inside a transaction (a panic mid-read) is closed.
        if conn.is_autocommit() {
            state.idle.push(conn);
        } else {
            state.open -= 1;
        }
        drop(state);
        self.returned.notify_one();
    }
}
