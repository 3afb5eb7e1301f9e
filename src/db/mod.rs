//! The store: one SQLite file in WAL mode, a single writer connection and a
//! small pool of readers. All SQLite work runs on Tokio's blocking threads,
//! never on the async executor.

mod migrations;
mod pool;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode, OpenFlags, Transaction, TransactionBehavior};

pub use migrations::{MigrationReport, applied_version, hex};
use pool::ReaderPool;

/// File name of the store inside the data directory.
pub const STORE_FILE: &str = "zezaro.db";

/// Reader connections; reads are short and CPU-bound, so a few suffice.
const READERS: usize = 8;

/// How long a writer waits for a lock held by another process (e.g. the CLI)
/// before the request is answered with "store busy".
const BUSY_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the store is busy; try again")]
    Busy,
    #[error("the store {0} is not a valid zezaro store (corrupt or not SQLite)")]
    Corrupt(String),
    #[error("a record with this value exists already: {0}")]
    Conflict(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("store error: {0}")]
    Sqlite(rusqlite::Error),
    #[error("background task failed: {0}")]
    Task(String),
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
            _ => StoreError::Sqlite(err),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Cheap to clone; shared by all handlers through the application state.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: ReaderPool,
    generation: AtomicU64,
    /// Set by the update hook while a transaction writes a tracked table.
    tracked_dirty: AtomicBool,
}

impl Db {
    /// Opens (creating if needed) the store in `data_dir` and applies pending
    /// migrations inside one transaction.
    pub fn open(data_dir: &Path) -> StoreResult<(Db, MigrationReport)> {
        let path = data_dir.join(STORE_FILE);
        let mut writer = open_connection(&path, true)?;
        let report = migrations::apply(&mut writer)?;
        let readers = ReaderPool::new(path.clone(), READERS);
        let db = Db {
            inner: Arc::new(Inner {
                path,
                writer: Mutex::new(writer),
                readers,
                generation: AtomicU64::new(0),
                tracked_dirty: AtomicBool::new(false),
            }),
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

    /// Runs `f` inside one write transaction on a blocking thread and commits
    /// when it returns `Ok`. The commit is durable (synchronous=FULL) before
    /// this returns.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Transaction) -> Result<T, E> + Send + 'static,
    {
        let db = self.clone();
        run_blocking(move || db.write_blocking(f)).await
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
        let outcome = f(&tx).and_then(|value| {
            tx.commit().map_err(StoreError::from)?;
            Ok(value)
        });
        // Only a committed change counts; a rolled-back one is forgotten.
        if self.inner.tracked_dirty.swap(false, Ordering::AcqRel) && outcome.is_ok() {
            self.inner.generation.fetch_add(1, Ordering::Release);
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
            if tables.contains(&table) {
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

/// Opens one connection with the store's settings.
pub(crate) fn open_connection(path: &Path, create: bool) -> StoreResult<Connection> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags)?;
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
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;",
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
        Ok(problems)
    })
}

/// The current time as stored: UTC, RFC 3339 with milliseconds.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
