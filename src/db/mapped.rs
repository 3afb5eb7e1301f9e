//! The store file mapped into memory once per process, for the readers.
//!
//! Why: in WAL mode a reader's page cache is emptied whenever another
//! connection wrote, so under a write load every read fetched each of its
//! pages again with `pread` (a copy from the OS cache); a search of two
//! common words touches thousands of pages (its matches' rows, sizes and
//! document lists). SQLite's own mapping (`PRAGMA mmap_size`) does not
//! help there: it unmaps the whole file at the same moments, and each
//! connection maps it again on its own (tried in session 18: search p95
//! under writes 26 → 42 ms, docs/perf16.md).
//!
//! So the shim (`wal_gather`, which opens every file) wraps the main
//! database file and answers SQLite's `xFetch` from one read-only mapping
//! of the file per process, shared by its connections and kept until the
//! last of them closes: a page read once is in memory for every reader
//! after every write. A connection asks for it with any positive
//! `PRAGMA mmap_size` (the readers, `db::pool`); the writer does not, so
//! SQLite writes only with `pwrite`, as before.
//!
//! What keeps it as safe as SQLite's own mapping:
//!
//! - The mapping is `MAP_SHARED` and read-only: it shows the file as it is,
//!   as `pread` would. A reader is handed only pages its snapshot reads
//!   from the file (not from the WAL), which a checkpoint does not
//!   overwrite while the reader is on that snapshot (the WAL's rule,
//!   the same for both ways of reading).
//! - A page is handed out only below the file's size as last read with
//!   `fstat`, read again after every change SQLite sees (`xUnfetch` with no
//!   page, where SQLite would unmap) and whenever a page lies beyond it:
//!   no access past the end of the file (which would be `SIGBUS`).
//! - The mapping is made from the descriptor SQLite's unix VFS opened
//!   (checked at open to be the same file); no other descriptor is opened
//!   or closed, as closing one would drop the process's POSIX locks on the
//!   file.
//! - Anything unexpected (another VFS layout, a failed `mmap`, a file
//!   larger than [`RESERVE`]) hands out no page: SQLite then reads with
//!   `xRead`, as without the mapping.

#![allow(unsafe_code)]

use std::ffi::{CStr, c_char, c_int, c_void};
use std::mem::size_of;
use std::ptr;
use std::sync::{Arc, Mutex, Weak};

use rusqlite::ffi;

use super::wal_gather::{
    check_reserved_lock, device_characteristics, lock, passed_on, sector_size, unlock,
};

/// Address space reserved per store file: the mapping is made this large
/// once (beyond the end of the file nothing is touched) so that it never
/// has to be made again as the store grows. Pages beyond it are read with
/// `xRead`.
/// None on a 32-bit system, whose address space it would not fit.
pub(super) const RESERVE: usize = if usize::BITS >= 64 {
    (256u64 << 30) as usize
} else {
    0
};

/// Lets `conn` (opened through the shim) read pages from the process's
/// mapping of its store. Without the shim nothing changes: SQLite's own
/// mapping is what this module replaces.
pub(super) fn read_mapped(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    if super::wal_gather::register().is_err() {
        return Ok(());
    }
    // Any positive size turns it on (SQLite caps the number it keeps).
    conn.execute_batch(&format!("PRAGMA mmap_size = {RESERVE}"))
}

/// A main database file opened through the shim; SQLite's own file follows
/// it in the same allocation (see `wal_gather::REAL_OFFSET`).
#[repr(C)]
pub(super) struct MainFile {
    /// Must come first: SQLite sees a `sqlite3_file` with our methods.
    base: ffi::sqlite3_file,
    pub(super) real: *mut ffi::sqlite3_file,
    /// The real file's descriptor and its (device, inode); -1: no mapping.
    fd: c_int,
    key: FileKey,
    /// The process's mapping of the file, once a page was fetched.
    mapping: Option<Arc<Mapping>>,
    /// Bytes of the file known to exist (`fstat`), 0 after a change.
    known_size: i64,
    /// What `PRAGMA mmap_size` set (SQLITE_FCNTL_MMAP_SIZE).
    mmap_limit: i64,
}

/// Bytes a MainFile takes before SQLite's own file.
pub(super) const FILE_SIZE: usize = size_of::<MainFile>();

/// One read-only mapping of a store file, shared by the process's
/// connections to it.
pub(super) struct Mapping {
    base: *mut u8,
}

// SAFETY: the mapping is read-only memory, valid until dropped; it is only
// read through pointers SQLite is handed.
unsafe impl Send for Mapping {}
// SAFETY: as above.
unsafe impl Sync for Mapping {}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: made by mmap with this length; the last connection using
        // it closed (each holds an Arc while it may hold a page).
        unsafe { libc::munmap(self.base.cast(), RESERVE) };
    }
}

/// A file's device and inode: what a mapping is shared by.
type FileKey = (u64, u64);

/// The live mappings by file.
static MAPPINGS: Mutex<Vec<(FileKey, Weak<Mapping>)>> = Mutex::new(Vec::new());

/// The mapping of the file behind `fd` (`size` bytes long now), made if
/// none is live.
fn mapping_of(fd: c_int, key: FileKey, size: i64) -> Option<Arc<Mapping>> {
    let mut live = MAPPINGS.lock().unwrap_or_else(|p| p.into_inner());
    live.retain(|(_, weak)| weak.strong_count() > 0);
    if let Some(found) = live
        .iter()
        .find(|(k, _)| *k == key)
        .and_then(|(_, weak)| weak.upgrade())
    {
        return Some(found);
    }
    // SAFETY: a new read-only shared mapping of an open descriptor; the
    // kernel picks the address.
    let base = unsafe {
        libc::mmap(
            ptr::null_mut(),
            RESERVE,
            libc::PROT_READ,
            libc::MAP_SHARED,
            fd,
            0,
        )
    };
    if base == libc::MAP_FAILED {
        tracing::warn!(
            error = %std::io::Error::last_os_error(),
            "cannot map the store file; readers read it with pread"
        );
        return None;
    }
    let mapping = Arc::new(Mapping { base: base.cast() });
    live.push((key, Arc::downgrade(&mapping)));
    let warming = mapping.clone();
    let size = usize::try_from(size).unwrap_or(0).min(RESERVE);
    if let Err(err) = std::thread::Builder::new()
        .name("zezaro-map-warm".into())
        .spawn(move || {
            super::lower_priority(WARM_NICE);
            warm(&warming, size);
        })
    {
        tracing::debug!(error = %err, "cannot start warming the store's mapping");
    }
    Some(mapping)
}

/// How much nicer than the process the warming thread runs.
const WARM_NICE: i32 = 10;

/// Maps ahead the pages of the store's first `size` bytes that are in the
/// OS cache, so that a fresh server's first reads do not each take a page
/// fault where a `pread` copy would have been cheaper (at 1M cases the
/// first walk of a long list: 130 ms instead of 25). Pages not in the
/// cache are left alone (no reading of the disk), and
/// `MADV_POPULATE_READ` fails instead of raising `SIGBUS` should the file
/// have become shorter. On a kernel without it (before Linux 5.14)
/// nothing is done.
fn warm(mapping: &Mapping, size: usize) {
    #[cfg(target_os = "linux")]
    {
        const PAGE: usize = 4096;
        let pages = size / PAGE;
        if pages == 0 {
            return;
        }
        let mut resident = vec![0u8; pages];
        // SAFETY: the range lies within the mapping, which `mapping` keeps;
        // the vector has one byte per page.
        if unsafe { libc::mincore(mapping.base.cast(), pages * PAGE, resident.as_mut_ptr()) } != 0 {
            return;
        }
        let mut page = 0;
        while page < pages {
            if resident[page] & 1 == 0 {
                page += 1;
                continue;
            }
            let first = page;
            while page < pages && resident[page] & 1 == 1 {
                page += 1;
            }
            // SAFETY: as above; populating reads no memory itself.
            let rc = unsafe {
                libc::madvise(
                    mapping.base.add(first * PAGE).cast(),
                    (page - first) * PAGE,
                    libc::MADV_POPULATE_READ,
                )
            };
            if rc != 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINVAL) {
                return;
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (mapping, size);
}

/// (device, inode) of an open descriptor.
fn identity(fd: c_int) -> Option<FileKey> {
    // SAFETY: fstat writes into the zeroed struct; a bad descriptor fails.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        (libc::fstat(fd, &mut st) == 0).then_some((st.st_dev as u64, st.st_ino as u64))
    }
}

/// The descriptor of SQLite's unix file: its fourth field (`unixFile.h`,
/// after the methods, the VFS and the inode info). `None` unless it is
/// open on the file at `name`, so another layout only loses the mapping.
///
/// # Safety
/// `real` must be a unix VFS file just opened on `name`.
unsafe fn descriptor(
    real: *mut ffi::sqlite3_file,
    name: *const c_char,
) -> Option<(c_int, FileKey)> {
    if name.is_null() {
        return None;
    }
    // SAFETY: the unix VFS's file is at least this large (its struct
    // begins with three pointers and the descriptor).
    let fd = unsafe {
        *real
            .cast::<u8>()
            .add(3 * size_of::<usize>())
            .cast::<c_int>()
    };
    if fd < 0 {
        return None;
    }
    let key = identity(fd)?;
    // SAFETY: SQLite passes the file's path, NUL-terminated.
    let path = unsafe { CStr::from_ptr(name) };
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(std::ffi::OsStr::from_bytes(path.to_bytes())).ok()?;
    ((meta.dev(), meta.ino()) == key).then_some((fd, key))
}

pub(super) static METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 3,
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
    xShmMap: Some(shm_map),
    xShmLock: Some(shm_lock),
    xShmBarrier: Some(shm_barrier),
    xShmUnmap: Some(shm_unmap),
    xFetch: Some(fetch),
    xUnfetch: Some(unfetch),
};

/// Wraps the main database file SQLite's unix VFS opened at `real`.
///
/// # Safety
/// `file` must be the shim's allocation for the file, `real` inside it,
/// opened by the real VFS on `name`.
pub(super) unsafe fn wrap(
    file: *mut ffi::sqlite3_file,
    real: *mut ffi::sqlite3_file,
    name: *const c_char,
) {
    // SAFETY: as the function's contract says.
    unsafe {
        let (fd, key) = descriptor(real, name).unwrap_or((-1, (0, 0)));
        ptr::write(
            file.cast::<MainFile>(),
            MainFile {
                base: ffi::sqlite3_file { pMethods: &METHODS },
                real,
                fd,
                key,
                mapping: None,
                known_size: 0,
                mmap_limit: 0,
            },
        );
    }
}

/// # Safety
/// `file` must be a MainFile made by `wrap` and not yet closed, used by one
/// thread at a time (as SQLite uses a connection's files).
unsafe fn main<'a>(file: *mut ffi::sqlite3_file) -> &'a mut MainFile {
    // SAFETY: as the function's contract says.
    unsafe { &mut *file.cast::<MainFile>() }
}

fn real_methods(f: &MainFile) -> &'static ffi::sqlite3_io_methods {
    // SAFETY: the real VFS's open succeeded, so its pMethods points to its
    // static methods.
    unsafe { &*(*f.real).pMethods }
}

unsafe extern "C" fn fetch(
    file: *mut ffi::sqlite3_file,
    offset: i64,
    amount: c_int,
    out: *mut *mut c_void,
) -> c_int {
    // SAFETY: SQLite passes its own open file and a place for the pointer.
    let f = unsafe {
        *out = ptr::null_mut();
        main(file)
    };
    if f.fd < 0 || f.mmap_limit <= 0 || offset < 0 {
        return ffi::SQLITE_OK;
    }
    let end = offset.saturating_add(i64::from(amount));
    if end > RESERVE as i64 {
        return ffi::SQLITE_OK;
    }
    if end > f.known_size {
        let mut size = 0i64;
        let Some(real_size) = real_methods(f).xFileSize else {
            return ffi::SQLITE_OK;
        };
        // SAFETY: the real file is open.
        if unsafe { real_size(f.real, &mut size) } != ffi::SQLITE_OK {
            return ffi::SQLITE_OK;
        }
        f.known_size = size;
        if end > size {
            return ffi::SQLITE_OK;
        }
    }
    if f.mapping.is_none() {
        match mapping_of(f.fd, f.key, f.known_size) {
            Some(mapping) => f.mapping = Some(mapping),
            None => {
                f.fd = -1;
                return ffi::SQLITE_OK;
            }
        }
    }
    if let Some(mapping) = &f.mapping {
        #[cfg(test)]
        tests::FETCHED.with(|n| n.set(n.get() + 1));
        // SAFETY: offset + amount lies within the file and the reservation.
        unsafe { *out = mapping.base.add(offset as usize).cast() };
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn unfetch(
    file: *mut ffi::sqlite3_file,
    _offset: i64,
    page: *mut c_void,
) -> c_int {
    // SAFETY: SQLite passes its own open file.
    let f = unsafe { main(file) };
    // No page: SQLite would unmap (the file may have changed size); the
    // mapping stays, the size is read again before the next page.
    if page.is_null() {
        f.known_size = 0;
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn file_control(
    file: *mut ffi::sqlite3_file,
    op: c_int,
    arg: *mut c_void,
) -> c_int {
    if op == ffi::SQLITE_FCNTL_MMAP_SIZE {
        // SAFETY: SQLite passes its own open file and an i64: the new
        // limit (negative: unchanged), replaced by the one in force.
        unsafe {
            let f = main(file);
            let value = arg.cast::<i64>();
            if *value >= 0 {
                f.mmap_limit = *value;
            }
            *value = f.mmap_limit;
        }
        return ffi::SQLITE_OK;
    }
    passed_on!(file, xFileControl, ffi::SQLITE_NOTFOUND, op, arg)
}

unsafe extern "C" fn close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: SQLite closes a file once; nothing uses it afterwards (its
    // pages were given back before).
    let f = unsafe { main(file) };
    let closed = match real_methods(f).xClose {
        // SAFETY: the real file is open.
        Some(close) => unsafe { close(f.real) },
        None => ffi::SQLITE_OK,
    };
    f.mapping = None;
    closed
}

unsafe extern "C" fn read(
    file: *mut ffi::sqlite3_file,
    data: *mut c_void,
    amount: c_int,
    offset: i64,
) -> c_int {
    passed_on!(file, xRead, ffi::SQLITE_IOERR_READ, data, amount, offset)
}

unsafe extern "C" fn write(
    file: *mut ffi::sqlite3_file,
    data: *const c_void,
    amount: c_int,
    offset: i64,
) -> c_int {
    passed_on!(file, xWrite, ffi::SQLITE_IOERR_WRITE, data, amount, offset)
}

unsafe extern "C" fn truncate(file: *mut ffi::sqlite3_file, size: i64) -> c_int {
    // SAFETY: SQLite passes its own open file.
    unsafe { main(file) }.known_size = 0;
    passed_on!(file, xTruncate, ffi::SQLITE_IOERR_TRUNCATE, size)
}

unsafe extern "C" fn sync(file: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    passed_on!(file, xSync, ffi::SQLITE_IOERR_FSYNC, flags)
}

unsafe extern "C" fn file_size(file: *mut ffi::sqlite3_file, size: *mut i64) -> c_int {
    passed_on!(file, xFileSize, ffi::SQLITE_IOERR_FSTAT, size)
}

unsafe extern "C" fn shm_map(
    file: *mut ffi::sqlite3_file,
    region: c_int,
    size: c_int,
    extend: c_int,
    out: *mut *mut c_void,
) -> c_int {
    passed_on!(
        file,
        xShmMap,
        ffi::SQLITE_IOERR_SHMMAP,
        region,
        size,
        extend,
        out
    )
}

unsafe extern "C" fn shm_lock(
    file: *mut ffi::sqlite3_file,
    offset: c_int,
    n: c_int,
    flags: c_int,
) -> c_int {
    passed_on!(file, xShmLock, ffi::SQLITE_IOERR_SHMLOCK, offset, n, flags)
}

unsafe extern "C" fn shm_barrier(file: *mut ffi::sqlite3_file) {
    passed_on!(file, xShmBarrier, (),)
}

unsafe extern "C" fn shm_unmap(file: *mut ffi::sqlite3_file, delete: c_int) -> c_int {
    passed_on!(file, xShmUnmap, ffi::SQLITE_OK, delete)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use rusqlite::{Connection, OpenFlags};

    use super::*;

    thread_local! {
        /// Pages this thread's connections were handed from a mapping.
        pub(super) static FETCHED: Cell<u64> = const { Cell::new(0) };
    }

    fn open(path: &std::path::Path) -> Connection {
        super::super::wal_gather::register().unwrap();
        let conn = Connection::open_with_flags_and_vfs(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
            super::super::wal_gather::VFS_NAME,
        )
        .unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;")
            .unwrap();
        conn
    }

    fn reader(path: &std::path::Path) -> Connection {
        let conn = open(path);
        read_mapped(&conn).unwrap();
        conn
    }

    /// Live mappings of the file at `path` (other tests map their own).
    fn live_mappings(path: &std::path::Path) -> usize {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path).unwrap();
        let live = MAPPINGS.lock().unwrap();
        live.iter()
            .filter(|(key, w)| *key == (meta.dev(), meta.ino()) && w.strong_count() > 0)
            .count()
    }

    fn sum(conn: &Connection) -> (i64, i64) {
        conn.query_row(
            "SELECT count(*), coalesce(sum(length(a)), 0) FROM t",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    }

    #[test]
    fn readers_see_every_commit_through_the_mapping_as_the_file_grows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let writer = open(&path);
        writer
            .execute_batch(
                "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT); CREATE INDEX t_a ON t(a);",
            )
            .unwrap();
        let first = reader(&path);
        let second = reader(&path);
        let before = FETCHED.with(Cell::get);
        let mut rows = 0i64;
        let mut bytes = 0i64;
        for round in 0..6_i64 {
            let tx = writer.unchecked_transaction().unwrap();
            for i in 0..1_500_i64 {
                let text = format!("{round}-{i}-{}", "x".repeat((i % 300) as usize));
                bytes += text.len() as i64;
                tx.execute("INSERT INTO t(a) VALUES (?1)", [text]).unwrap();
            }
            // Old rows rewritten: pages the readers mapped change in place.
            tx.execute("UPDATE t SET a = upper(a) WHERE id % 7 = 0", [])
                .unwrap();
            tx.commit().unwrap();
            rows += 1_500;
            // Every other round the pages go to the file, which grows past
            // what the readers knew of it.
            if round % 2 == 1 {
                writer
                    .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                    .unwrap();
            }
            assert_eq!(sum(&first), (rows, bytes), "round {round}");
            assert_eq!(sum(&second), (rows, bytes), "round {round}");
            let upper: i64 = first
                .query_row(
                    "SELECT count(*) FROM t WHERE id % 7 = 0 AND a <> upper(a)",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(upper, 0, "round {round}");
        }
        assert!(
            FETCHED.with(Cell::get) - before > 100,
            "pages came from the mapping"
        );
        // One mapping for the file, shared; gone with the last reader.
        assert_eq!(live_mappings(&path), 1);
        drop(first);
        assert_eq!(live_mappings(&path), 1);
        drop(second);
        // The thread that maps ahead holds it while it runs.
        let gone = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while live_mappings(&path) > 0 && std::time::Instant::now() < gone {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(live_mappings(&path), 0);
        // The writer never maps: it fetches no page.
        let before = FETCHED.with(Cell::get);
        assert_eq!(sum(&writer).0, rows);
        assert_eq!(FETCHED.with(Cell::get), before);
    }

    #[test]
    fn a_store_cut_short_by_vacuum_is_read_within_its_new_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let writer = open(&path);
        writer
            .execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT);")
            .unwrap();
        let tx = writer.unchecked_transaction().unwrap();
        for i in 0..4_000_i64 {
            tx.execute(
                "INSERT INTO t(a) VALUES (?1)",
                [format!("{i}{}", "y".repeat(500))],
            )
            .unwrap();
        }
        tx.commit().unwrap();
        writer
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        let reader = reader(&path);
        assert_eq!(sum(&reader).0, 4_000);
        let grown = std::fs::metadata(&path).unwrap().len();
        writer
            .execute_batch("DELETE FROM t WHERE id > 100; VACUUM;")
            .unwrap();
        writer
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        let shrunk = std::fs::metadata(&path).unwrap().len();
        assert!(shrunk * 4 < grown, "{shrunk} of {grown} bytes");
        // The mapping still spans the old size; pages past the new end are
        // never handed out (that would be SIGBUS), the rest read right.
        let before = FETCHED.with(Cell::get);
        assert_eq!(sum(&reader).0, 100);
        assert!(FETCHED.with(Cell::get) > before);
        let ok: String = reader
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
    }
}
