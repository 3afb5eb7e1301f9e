//! A VFS shim that gathers the WAL frames of a commit into few writes.
//!
//! Why: SQLite writes each WAL frame as two `pwrite`s, its 24-byte header
//! and then its page, so a commit of a created case (~77 frames at
//! 1,000,000 cases, docs/perf16.md) is ~150 system calls, and as a frame is
//! 4,120 bytes each of them touches two of the file's 4 KiB pages in the
//! kernel. Those calls were a seventh of the server's CPU per created case;
//! gathered, a commit is two or three writes of whole runs of pages.
//!
//! What keeps it as safe as SQLite's own writes:
//!
//! - Only files SQLite opens as a WAL are wrapped, and only their writes
//!   that continue the previous one are gathered, up to [`CAPACITY`].
//!   Every other call on the file (read, sync, size, truncate, file
//!   control, close) first writes out what was gathered, so SQLite never
//!   sees the file other than as it wrote it, and a sync covers every
//!   write before it.
//! - A commit frame goes out as soon as it is written: under
//!   `synchronous = NORMAL` (`Db::write_unsynced`) SQLite publishes a
//!   commit to other connections (the wal-index) right after writing its
//!   frames, without a sync. A frame header's second word is non-zero only
//!   in a commit frame (the WAL format, sqlite.org/fileformat2.html): when
//!   such a header is written, the gathered bytes go out with it, and again
//!   right after the next write (its page). Rewritten headers of a
//!   transaction that spilled pages (SQLite rewrites them, commit frame
//!   last) go out the same way.
//! - A crash loses only what SQLite had not synced or published either:
//!   frames after the last commit frame, which recovery ignores.
//!
//! The main database file is wrapped too, for the readers' mapping of it
//! (`super::mapped`); every other file is SQLite's own unix file, opened
//! into the same memory: the shim costs them nothing.

#![allow(unsafe_code)]

use std::ffi::{CStr, c_char, c_int, c_void};
use std::mem::size_of;
use std::ptr;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicPtr, Ordering};

use rusqlite::ffi;

/// The VFS's name, for `Connection::open_with_flags_and_vfs`.
pub const VFS_NAME: &CStr = c"zezaro-wal-gather";

/// Bytes gathered at most before they are written: the unix VFS writes at
/// most 128 KiB − 1 in one call (`seekAndWrite` masks the length). A
/// commit of two created cases (~320 KB) goes out in three or four runs.
const CAPACITY: usize = 120 * 1024;
/// The WAL file's header; frames follow it.
const WAL_HEADER: i64 = 32;
/// A frame's header: page number, then the database size for a commit
/// frame and zero otherwise, then salts and checksums.
const FRAME_HEADER: c_int = 24;

/// A WAL file opened through the shim; SQLite's own file follows it in the
/// same allocation.
#[repr(C)]
struct WalFile {
    /// Must come first: SQLite sees a `sqlite3_file` with our methods.
    base: ffi::sqlite3_file,
    real: *mut ffi::sqlite3_file,
    /// Bytes written by SQLite and not yet to the file, from `start`.
    gathered: Vec<u8>,
    start: i64,
    /// The last write was a commit frame's header: write out after the next.
    commit_page_next: bool,
}

/// Where SQLite's own file begins in a wrapped file's allocation (a WAL
/// or, `super::mapped`, a main database file).
const REAL_OFFSET: usize = {
    let wal = size_of::<WalFile>();
    let main = super::mapped::FILE_SIZE;
    if wal > main { wal } else { main }
}
.next_multiple_of(16);

static REGISTERED: OnceLock<Result<(), c_int>> = OnceLock::new();

/// Registers the shim (once; not as the default VFS). An error is SQLite's
/// result code; callers then open connections without it.
pub fn register() -> Result<(), c_int> {
    *REGISTERED.get_or_init(|| {
        // SAFETY: sqlite3_vfs_find and sqlite3_vfs_register are
        // thread-safe; the shim's sqlite3_vfs is leaked, so it outlives
        // every connection, as SQLite requires.
        unsafe {
            let rc = ffi::sqlite3_initialize();
            if rc != ffi::SQLITE_OK {
                return Err(rc);
            }
            let real = ffi::sqlite3_vfs_find(ptr::null());
            if real.is_null() {
                return Err(ffi::SQLITE_ERROR);
            }
            // A copy of the default VFS (its pAppData included, which its
            // functions read) that differs in name, file size and xOpen.
            let mut shim: ffi::sqlite3_vfs = ptr::read(real);
            let real_size = usize::try_from((*real).szOsFile).map_err(|_| ffi::SQLITE_ERROR)?;
            shim.szOsFile =
                c_int::try_from(REAL_OFFSET + real_size).map_err(|_| ffi::SQLITE_ERROR)?;
            shim.zName = VFS_NAME.as_ptr();
            shim.pNext = ptr::null_mut();
            shim.xOpen = Some(open);
            // Set before registering: `open` reads it.
            REAL_VFS.store(real, Ordering::Release);
            let rc = ffi::sqlite3_vfs_register(Box::leak(Box::new(shim)), 0);
            if rc != ffi::SQLITE_OK {
                return Err(rc);
            }
            Ok(())
        }
    })
}

/// The wrapped VFS, for `open` (set before the shim is registered).
static REAL_VFS: AtomicPtr<ffi::sqlite3_vfs> = AtomicPtr::new(ptr::null_mut());

static METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 1,
    xClose: Some(close),
    xRead: Some(read),
    xWrite: Some(write),
    xTruncate: Some(truncate),
    xSync: Some(sync),
    xFileSize: Some(file_size),
    xLock: Some(lock),
    xUnlock: Some(unlock),
    xCheckReservedLock: Some(check_reserved_lock),
    xFileControl: Some(file_control),
    xSectorSize: Some(sector_size),
    xDeviceCharacteristics: Some(device_characteristics),
    xShmMap: None,
    xShmLock: None,
    xShmBarrier: None,
    xShmUnmap: None,
    xFetch: None,
    xUnfetch: None,
};

unsafe extern "C" fn open(
    _vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let real_vfs = REAL_VFS.load(Ordering::Acquire);
    // SAFETY: `real_vfs` is the registered default VFS; `file` is
    // szOsFile bytes (ours: REAL_OFFSET more than the real VFS's).
    unsafe {
        let Some(real_open) = (*real_vfs).xOpen else {
            return ffi::SQLITE_ERROR;
        };
        let main_db = flags & ffi::SQLITE_OPEN_MAIN_DB != 0;
        if flags & ffi::SQLITE_OPEN_WAL == 0 && !main_db {
            return real_open(real_vfs, name, file, flags, out_flags);
        }
        let real = file
            .cast::<u8>()
            .add(REAL_OFFSET)
            .cast::<ffi::sqlite3_file>();
        let rc = real_open(real_vfs, name, real, flags, out_flags);
        if rc != ffi::SQLITE_OK {
            // SQLite does not close a file whose open failed.
            (*file).pMethods = ptr::null();
            return rc;
        }
        if main_db {
            super::mapped::wrap(file, real, name);
            return ffi::SQLITE_OK;
        }
        ptr::write(
            file.cast::<WalFile>(),
            WalFile {
                base: ffi::sqlite3_file { pMethods: &METHODS },
                real,
                gathered: Vec::new(),
                start: 0,
                commit_page_next: false,
            },
        );
        ffi::SQLITE_OK
    }
}

/// The wrapped file behind `file` (one of ours: its methods are METHODS).
///
/// # Safety
/// `file` must be a WalFile made by `open` and not yet closed, used by one
/// thread at a time (as SQLite uses a connection's files).
unsafe fn wal<'a>(file: *mut ffi::sqlite3_file) -> &'a mut WalFile {
    // SAFETY: as the function's contract says.
    unsafe { &mut *file.cast::<WalFile>() }
}

/// The real file's methods (set by its open, never null after success).
fn real_methods(f: &WalFile) -> &'static ffi::sqlite3_io_methods {
    // SAFETY: the real VFS's open succeeded, so its pMethods points to its
    // static methods.
    unsafe { &*(*f.real).pMethods }
}

/// Writes out what was gathered.
fn write_out(f: &mut WalFile) -> c_int {
    if f.gathered.is_empty() {
        return ffi::SQLITE_OK;
    }
    let Some(real_write) = real_methods(f).xWrite else {
        return ffi::SQLITE_IOERR_WRITE;
    };
    let Ok(len) = c_int::try_from(f.gathered.len()) else {
        return ffi::SQLITE_IOERR_WRITE;
    };
    #[cfg(test)]
    tests::WRITES_OUT.with(|n| n.set(n.get() + 1));
    // SAFETY: the buffer is valid for `len` bytes; the real file is open.
    let rc = unsafe { real_write(f.real, f.gathered.as_ptr().cast(), len, f.start) };
    // Written or failed, it is not written again: SQLite sees the error
    // (an I/O error rolls its transaction back).
    f.gathered.clear();
    rc
}

unsafe extern "C" fn write(
    file: *mut ffi::sqlite3_file,
    data: *const c_void,
    amount: c_int,
    offset: i64,
) -> c_int {
    // SAFETY: SQLite passes its own file and `amount` readable bytes.
    let (f, bytes) = unsafe {
        let len = usize::try_from(amount).unwrap_or(0);
        (
            wal(file),
            std::slice::from_raw_parts(data.cast::<u8>(), len),
        )
    };
    let end = f.start + f.gathered.len() as i64;
    let continues = !f.gathered.is_empty() && offset == end;
    if continues && f.gathered.len() + bytes.len() <= CAPACITY {
        f.gathered.extend_from_slice(bytes);
    } else {
        let rc = write_out(f);
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        if bytes.len() > CAPACITY {
            let Some(real_write) = real_methods(f).xWrite else {
                return ffi::SQLITE_IOERR_WRITE;
            };
            f.commit_page_next = false;
            // SAFETY: as SQLite's own call.
            return unsafe { real_write(f.real, data, amount, offset) };
        }
        if f.gathered.capacity() == 0 {
            f.gathered.reserve_exact(CAPACITY);
        }
        f.start = offset;
        f.gathered.extend_from_slice(bytes);
    }
    let commit_header = amount == FRAME_HEADER
        && offset >= WAL_HEADER
        && bytes.get(4..8).is_some_and(|size| size != [0; 4]);
    if commit_header {
        f.commit_page_next = true;
        write_out(f)
    } else if f.commit_page_next {
        f.commit_page_next = false;
        write_out(f)
    } else {
        ffi::SQLITE_OK
    }
}

/// Writes out what was gathered, then calls the real method.
macro_rules! after_write_out {
    ($file:expr, $method:ident, $($arg:expr),*) => {{
        // SAFETY: SQLite passes its own open file.
        let f = unsafe { wal($file) };
        let rc = write_out(f);
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        match real_methods(f).$method {
            // SAFETY: the arguments are SQLite's, passed on unchanged.
            Some(method) => unsafe { method(f.real, $($arg),*) },
            None => ffi::SQLITE_ERROR,
        }
    }};
}

/// The real file behind a file the shim wrapped: a WAL here or a main
/// database file (`super::mapped`). Both begin with SQLite's
/// `sqlite3_file`, then this pointer (checked below).
///
/// # Safety
/// `file` must be a wrapped file made by `open` and not yet closed.
pub(super) unsafe fn real_of(file: *mut ffi::sqlite3_file) -> *mut ffi::sqlite3_file {
    // SAFETY: as the function's contract says.
    unsafe { (*file.cast::<WalFile>()).real }
}

const _: () = assert!(
    std::mem::offset_of!(WalFile, real) == std::mem::offset_of!(super::mapped::MainFile, real)
);

/// Calls the real method of a wrapped file with SQLite's arguments
/// (nothing gathered is involved).
macro_rules! passed_on {
    ($file:expr, $method:ident, $missing:expr, $($arg:expr),*) => {{
        // SAFETY: SQLite passes its own open file, one the shim wrapped.
        let real = unsafe { super::wal_gather::real_of($file) };
        // SAFETY: the real VFS's open succeeded, so its pMethods points to
        // its static methods.
        match unsafe { (*(*real).pMethods).$method } {
            // SAFETY: the arguments are SQLite's, passed on unchanged.
            Some(method) => unsafe { method(real, $($arg),*) },
            None => $missing,
        }
    }};
}
pub(super) use passed_on;

unsafe extern "C" fn close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: SQLite closes a file once; nothing uses it afterwards.
    let f = unsafe { wal(file) };
    let written = write_out(f);
    let closed = match real_methods(f).xClose {
        // SAFETY: the real file is open.
        Some(close) => unsafe { close(f.real) },
        None => ffi::SQLITE_OK,
    };
    // SAFETY: the buffer was written by `open` and is dropped once.
    unsafe { ptr::drop_in_place(&mut f.gathered) };
    if written != ffi::SQLITE_OK {
        written
    } else {
        closed
    }
}

unsafe extern "C" fn read(
    file: *mut ffi::sqlite3_file,
    data: *mut c_void,
    amount: c_int,
    offset: i64,
) -> c_int {
    after_write_out!(file, xRead, data, amount, offset)
}

unsafe extern "C" fn truncate(file: *mut ffi::sqlite3_file, size: i64) -> c_int {
    after_write_out!(file, xTruncate, size)
}

unsafe extern "C" fn sync(file: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    after_write_out!(file, xSync, flags)
}

unsafe extern "C" fn file_size(file: *mut ffi::sqlite3_file, size: *mut i64) -> c_int {
    after_write_out!(file, xFileSize, size)
}

unsafe extern "C" fn file_control(
    file: *mut ffi::sqlite3_file,
    op: c_int,
    arg: *mut c_void,
) -> c_int {
    after_write_out!(file, xFileControl, op, arg)
}

// The methods below are the same for both kinds of wrapped file (the
// WAL's METHODS here, the main file's in mapped.rs).

pub(super) unsafe extern "C" fn lock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    passed_on!(file, xLock, ffi::SQLITE_OK, level)
}

pub(super) unsafe extern "C" fn unlock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    passed_on!(file, xUnlock, ffi::SQLITE_OK, level)
}

pub(super) unsafe extern "C" fn check_reserved_lock(
    file: *mut ffi::sqlite3_file,
    out: *mut c_int,
) -> c_int {
    passed_on!(file, xCheckReservedLock, ffi::SQLITE_OK, out)
}

pub(super) unsafe extern "C" fn sector_size(file: *mut ffi::sqlite3_file) -> c_int {
    passed_on!(file, xSectorSize, 4096,)
}

pub(super) unsafe extern "C" fn device_characteristics(file: *mut ffi::sqlite3_file) -> c_int {
    passed_on!(file, xDeviceCharacteristics, 0,)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use rusqlite::{Connection, OpenFlags};

    use super::*;

    thread_local! {
        /// Gathered runs written out by this thread's connections.
        pub(super) static WRITES_OUT: Cell<u64> = const { Cell::new(0) };
    }

    fn open(path: &std::path::Path) -> Connection {
        register().unwrap();
        let conn = Connection::open_with_flags_and_vfs(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
            VFS_NAME,
        )
        .unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;")
            .unwrap();
        conn
    }

    fn plain(path: &std::path::Path) -> Connection {
        Connection::open(path).unwrap()
    }

    #[test]
    fn a_commit_is_a_few_writes_and_others_see_it_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let writer = open(&path);
        writer
            .execute_batch(
                "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b TEXT);
                 CREATE INDEX t_a ON t(a); CREATE INDEX t_b ON t(b);",
            )
            .unwrap();
        let reader = plain(&path);
        for (round, sync) in ["FULL", "NORMAL", "FULL", "NORMAL"].iter().enumerate() {
            writer
                .execute_batch(&format!("PRAGMA synchronous = {sync}"))
                .unwrap();
            let wal = dir.path().join("s.db-wal");
            let wal_before = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
            let before = WRITES_OUT.with(Cell::get);
            let tx = writer.unchecked_transaction().unwrap();
            for i in 0..2_000 {
                // Spread over the indexes: many pages, many frames.
                tx.execute(
                    "INSERT INTO t(a, b) VALUES (?1, ?2)",
                    (
                        format!("{:08}", (i * 7919) % 2_000),
                        format!("{round}-{i:06}"),
                    ),
                )
                .unwrap();
            }
            tx.commit().unwrap();
            let writes = WRITES_OUT.with(Cell::get) - before;
            let frames = (std::fs::metadata(&wal).unwrap().len() - wal_before) / (4096 + 24);
            // Without the shim: two writes per frame.
            assert!(frames >= 20, "{frames} frames");
            let runs = frames as usize * 4_120 / CAPACITY + 3;
            assert!(
                writes as usize <= runs,
                "{writes} writes of {frames} frames"
            );
            // Another connection (no shim) sees the commit at once.
            let seen: i64 = reader
                .query_row("SELECT count(*) FROM t", [], |row| row.get(0))
                .unwrap();
            assert_eq!(seen, 2_000 * (round as i64 + 1), "{sync}");
        }
        let ok: String = reader
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
    }

    #[test]
    fn a_transaction_that_spills_and_rewrites_frames_commits_whole() {
        // A cache of a few pages makes SQLite write frames before the
        // commit, write pages again in place and rewrite their headers at
        // the commit: the gathered writes must not reorder any of it.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let writer = open(&path);
        writer
            .execute_batch(
                "PRAGMA cache_size = 4; PRAGMA synchronous = NORMAL;
                 CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT);",
            )
            .unwrap();
        let reader = plain(&path);
        for round in 0..5_i64 {
            let tx = writer.unchecked_transaction().unwrap();
            for i in 0..3_000_i64 {
                tx.execute(
                    "INSERT OR REPLACE INTO t(id, a) VALUES (?1, ?2)",
                    (i, format!("{round}:{}", "x".repeat(200))),
                )
                .unwrap();
            }
            // Back over the first pages after they were spilled.
            tx.execute("UPDATE t SET a = a || '!' WHERE id < 500", [])
                .unwrap();
            tx.commit().unwrap();
            let (count, marked): (i64, i64) = reader
                .query_row(
                    "SELECT count(*), sum(a LIKE ?1 || ':%!') FROM t",
                    [round.to_string()],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .unwrap();
            assert_eq!((count, marked), (3_000, 500), "round {round}");
        }
        drop(writer);
        // Recovery from the WAL alone (the writer gone, no checkpoint).
        let again = plain(&path);
        let ok: String = again
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        let last: String = again
            .query_row("SELECT a FROM t WHERE id = 0", [], |row| row.get(0))
            .unwrap();
        assert!(last.starts_with("4:") && last.ends_with('!'), "{last}");
    }

    #[test]
    fn a_rolled_back_transaction_leaves_nothing_visible() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let writer = open(&path);
        writer
            .execute_batch(
                "PRAGMA cache_size = 4; CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT);
                 INSERT INTO t VALUES (1, 'kept');",
            )
            .unwrap();
        {
            let tx = writer.unchecked_transaction().unwrap();
            for i in 2..3_000_i64 {
                tx.execute("INSERT INTO t VALUES (?1, ?2)", (i, "y".repeat(300)))
                    .unwrap();
            }
            tx.rollback().unwrap();
        }
        writer
            .execute("INSERT INTO t VALUES (2, 'after')", [])
            .unwrap();
        let reader = plain(&path);
        let rows: Vec<String> = reader
            .prepare("SELECT a FROM t ORDER BY id")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(rows, ["kept", "after"]);
    }
}
