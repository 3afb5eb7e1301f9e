//! A minimal pool of reader connections. WAL lets readers run beside the
//! single writer; idle connections are kept up to `max_idle`.

use std::path::PathBuf;
use std::sync::Mutex;

use rusqlite::Connection;

use super::{StoreResult, open_connection};

pub(super) struct ReaderPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    max_idle: usize,
}

impl ReaderPool {
    pub(super) fn new(path: PathBuf, max_idle: usize) -> Self {
        ReaderPool {
            path,
            idle: Mutex::new(Vec::new()),
            max_idle,
        }
    }

    pub(super) fn get(&self) -> StoreResult<Connection> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop();
        match idle {
            Some(conn) => Ok(conn),
            None => open_connection(&self.path, false),
        }
    }

    pub(super) fn put(&self, conn: Connection) {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // A connection left inside a transaction (a panic mid-read) is dropped.
        if idle.len() < self.max_idle && conn.is_autocommit() {
            idle.push(conn);
        }
    }
}
