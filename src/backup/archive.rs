//! Writing, verifying and unpacking backup archives.
//!
//! An archive is a tar stream, gzip-compressed or not, optionally encrypted
//! (see `crypt.rs`), holding, in this order:
//!
//! - `zezaro.db`: the store, copied with SQLite's online backup API inside
//!   one read transaction, so it is one consistent snapshot while the
//!   server keeps reading and writing;
//! - `attachments/ab/cd/<sha256>`: every loose content (uploads);
//! - `attachments/packs/<name>.pack`: every pack the store names (contents
//!   that came in by mail, see `blobs::pack`), checked by the manifest's
//!   hash and against the rows naming ranges in them;
//! - `manifest.json`: format, versions, the snapshot point (highest case
//!   id, counts, highest audit id) and the SHA-256 of every file above.
//!
//! `secret.key` is never included: the admin keeps it (see the README).

use crate::ids::CaseId;
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::crypt::{self, BackupKey, DecryptReader, EncryptWriter};
use super::error::BackupError;
use crate::db::{STORE_FILE, hex};

pub const MANIFEST: &str = "manifest.json";
pub const FORMAT: u32 = 1;

/// The state of the store the backup holds: every write acknowledged before
/// this point is in the backup, nothing after it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Snapshot {
    pub max_case_id: CaseId,
    pub cases: i64,
    pub clients: i64,
    pub users: i64,
    pub max_audit_id: i64,
    pub schema_version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FileEntry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Manifest {
    pub format: u32,
    pub created_at: String,
    pub zezaro_version: String,
    pub snapshot: Snapshot,
    pub store: FileEntry,
    pub attachments: Vec<FileEntry>,
    pub attachments_bytes: u64,
}

/// How to write an archive.
#[derive(Debug, Clone)]
pub struct Options {
    pub compress: bool,
    pub key: Option<BackupKey>,
    /// Pages copied per step of the online backup, and the pause between
    /// steps that lets the server's readers and writer go on.
    pub pages_per_step: i32,
    pub pause: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            compress: true,
            key: None,
            pages_per_step: 256,
            pause: Duration::from_millis(2),
        }
    }
}

/// Progress of a running backup: phase and fraction done (0..1).
pub type Progress<'a> = &'a (dyn Fn(&str, f64) + Sync);

fn io_at(path: &Path) -> impl Fn(io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Hashes what passes through.
struct Hashing<R> {
    inner: R,
    digest: ring::digest::Context,
    size: u64,
}

impl<R> Hashing<R> {
    fn new(inner: R) -> Self {
        Hashing {
            inner,
            digest: ring::digest::Context::new(&ring::digest::SHA256),
            size: 0,
        }
    }
    fn finish(self) -> (String, u64) {
        (hex(self.digest.finish().as_ref()), self.size)
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.digest.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.digest.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

enum Sealed {
    Plain(BufWriter<File>),
    Encrypted(EncryptWriter<BufWriter<File>>),
}

impl Write for Sealed {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sealed::Plain(w) => w.write(buf),
            Sealed::Encrypted(w) => w.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sealed::Plain(w) => w.flush(),
            Sealed::Encrypted(w) => w.flush(),
        }
    }
}

impl Sealed {
    fn finish(self) -> io::Result<File> {
        let buffered = match self {
            Sealed::Plain(w) => w,
            Sealed::Encrypted(w) => w.finish()?,
        };
        buffered.into_inner().map_err(|e| e.into_error())
    }
}

enum Packed {
    Raw(Sealed),
    Gzip(GzEncoder<Sealed>),
}

impl Write for Packed {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Packed::Raw(w) => w.write(buf),
            Packed::Gzip(w) => w.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Packed::Raw(w) => w.flush(),
            Packed::Gzip(w) => w.flush(),
        }
    }
}

impl Packed {
    fn finish(self) -> io::Result<File> {
        match self {
            Packed::Raw(w) => w.finish(),
            Packed::Gzip(w) => w.finish()?.finish(),
        }
    }
}

/// Opens the store read-only: the backup never writes to it and takes no
/// lock file, so it runs beside a server.
pub fn open_source(data_dir: &Path) -> Result<Connection, BackupError> {
    let path = data_dir.join(STORE_FILE);
    if !path.exists() {
        return Err(BackupError::NoStore(path.display().to_string()));
    }
    let conn = Connection::open_with_flags(
        &path,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )?;
    conn.busy_timeout(Duration::from_secs(10))?;
    Ok(conn)
}

fn snapshot(conn: &Connection) -> Result<Snapshot, BackupError> {
    let pair = |sql: &str| -> rusqlite::Result<(i64, i64)> {
        conn.query_row(sql, [], |r| Ok((r.get(0)?, r.get(1)?)))
    };
    let (max_case_id, cases) = pair("SELECT COALESCE(MAX(id), 0), COUNT(*) FROM cases")?;
    let (_, clients) = pair("SELECT 0, COUNT(*) FROM clients")?;
    let (_, users) = pair("SELECT 0, COUNT(*) FROM users")?;
    let (max_audit_id, _) = pair("SELECT COALESCE(MAX(id), 0), 0 FROM audit_log")?;
    Ok(Snapshot {
        max_case_id: CaseId(max_case_id),
        cases,
        clients,
        users,
        max_audit_id,
        schema_version: crate::db::applied_version(conn)?,
    })
}

/// A fresh directory for temporary files next to `near`.
pub fn scratch_dir(near: &Path, what: &str) -> Result<PathBuf, BackupError> {
    let dir = near.join(format!(".{what}-{}", crate::auth::tokens::random_token()));
    crate::db::files::create_private_dir_all(&dir).map_err(io_at(&dir))?;
    Ok(dir)
}

/// Removes what an interrupted backup or verification left in `dir` (a
/// crash, a `kill -9`): `*.part` archives and `.backup-*` / `.verify-*`
/// scratch directories untouched for an hour (a backup in progress writes
/// them continuously). Answers what was removed.
pub fn remove_leftovers(dir: &Path) -> Vec<PathBuf> {
    const QUIET: std::time::Duration = std::time::Duration::from_secs(3600);
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let scratch = name.starts_with(".backup-") || name.starts_with(".verify-");
        let part = name.starts_with("zezaro-") && name.ends_with(".part");
        if !(scratch || part) || !untouched_for(&path, QUIET) {
            continue;
        }
        let result = if scratch {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        match result {
            Ok(()) => removed.push(path),
            Err(err) => {
                tracing::warn!(path = %path.display(), error = %err, "cannot remove a backup leftover")
            }
        }
    }
    removed
}

/// Whether neither the path nor (for a directory) anything directly in it
/// was modified within `quiet`.
fn untouched_for(path: &Path, quiet: std::time::Duration) -> bool {
    let recent = |p: &Path| {
        std::fs::metadata(p)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_none_or(|age| age < quiet)
    };
    if recent(path) {
        return false;
    }
    match std::fs::read_dir(path) {
        Ok(entries) => !entries.flatten().any(|e| recent(&e.path())),
        Err(_) => true,
    }
}

/// Writes a backup of `data_dir` to `out` (through `out.part`, renamed
/// when complete and synced). Returns the manifest.
pub fn create(
    data_dir: &Path,
    out: &Path,
    options: &Options,
    progress: Progress,
) -> Result<Manifest, BackupError> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    crate::db::files::create_private_dir_all(&parent).map_err(io_at(&parent))?;
    if out.exists() {
        return Err(BackupError::Exists(out.display().to_string()));
    }
    let scratch = scratch_dir(&parent, "backup")?;
    let result = create_in(data_dir, out, &scratch, options, progress);
    let _ = std::fs::remove_dir_all(&scratch);
    if result.is_err() {
        let _ = std::fs::remove_file(part_path(out));
    }
    result
}

fn part_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    out.with_file_name(name)
}

fn create_in(
    data_dir: &Path,
    out: &Path,
    scratch: &Path,
    options: &Options,
    progress: Progress,
) -> Result<Manifest, BackupError> {
    // 1. The store, as one snapshot: the read transaction holds it, so the
    //    step-wise copy never restarts however much the server writes.
    progress("store", 0.0);
    let copy_path = scratch.join(STORE_FILE);
    let named_packs;
    let snap = {
        let source = open_source(data_dir)?;
        source.execute_batch("BEGIN")?;
        let snap = snapshot(&source)?;
        named_packs = packs_named(&source)?;
        let mut copy = Connection::open(&copy_path)?;
        {
            let backup = rusqlite::backup::Backup::new(&source, &mut copy)?;
            loop {
                use rusqlite::backup::StepResult;
                match backup.step(options.pages_per_step)? {
                    StepResult::Done => break,
                    StepResult::More | StepResult::Busy | StepResult::Locked => {}
                    _ => {}
                }
                let p = backup.progress();
                if p.pagecount > 0 {
                    progress("store", 1.0 - p.remaining as f64 / p.pagecount as f64);
                }
                std::thread::sleep(options.pause);
            }
        }
        source.execute_batch("COMMIT")?;
        // Sign-ins stay on this server: a backup carries no session (a
        // restored store signs everybody out). `secure_delete` overwrites
        // the freed pages, so the token hashes are not left in the file.
        copy.execute_batch("PRAGMA secure_delete = ON; DELETE FROM sessions;")?;
        // Leaves a single file: no WAL beside the copy.
        copy.execute_batch("PRAGMA journal_mode = DELETE")?;
        snap
    };

    // 2. The archive.
    let part = part_path(out);
    let file = crate::db::files::create_private_file(&part, true).map_err(io_at(&part))?;
    let buffered = BufWriter::with_capacity(256 * 1024, file);
    let sealed = match &options.key {
        Some(key) => Sealed::Encrypted(EncryptWriter::new(buffered, key).map_err(io_at(&part))?),
        None => Sealed::Plain(buffered),
    };
    let packed = if options.compress {
        Packed::Gzip(GzEncoder::new(sealed, Compression::fast()))
    } else {
        Packed::Raw(sealed)
    };
    let mut tar = tar::Builder::new(packed);
    tar.mode(tar::HeaderMode::Deterministic);

    let store = append_file(&mut tar, &copy_path, STORE_FILE, &part)?;
    std::fs::remove_file(&copy_path).map_err(io_at(&copy_path))?;

    progress("attachments", 0.0);
    let blobs = list_attachments(data_dir, &named_packs)?;
    let total: u64 = blobs.iter().map(|(_, size)| size).sum::<u64>().max(1);
    let mut done = 0u64;
    let mut attachments = Vec::with_capacity(blobs.len());
    for (rel, size) in blobs {
        let entry = append_file(&mut tar, &data_dir.join(&rel), &rel, &part)?;
        done += size;
        progress("attachments", done as f64 / total as f64);
        attachments.push(entry);
    }
    let manifest = Manifest {
        format: FORMAT,
        created_at: crate::db::now(),
        zezaro_version: env!("CARGO_PKG_VERSION").to_string(),
        snapshot: snap,
        store,
        attachments_bytes: attachments.iter().map(|a| a.size).sum(),
        attachments,
    };
    let json =
        serde_json::to_vec_pretty(&manifest).map_err(|e| BackupError::Invalid(e.to_string()))?;
    let mut header = tar::Header::new_gnu();
    header.set_size(json.len() as u64);
    header.set_mode(0o600);
    header.set_cksum();
    tar.append_data(&mut header, MANIFEST, &json[..])
        .map_err(io_at(&part))?;
    let packed = tar.into_inner().map_err(io_at(&part))?;
    let file = packed.finish().map_err(io_at(&part))?;
    file.sync_all().map_err(io_at(&part))?;
    drop(file);
    std::fs::rename(&part, out).map_err(io_at(out))?;
    if let Some(dir) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io_at(dir))?;
    }
    progress("written", 1.0);
    Ok(manifest)
}

fn append_file<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &Path,
    name: &str,
    part: &Path,
) -> Result<FileEntry, BackupError> {
    let file = File::open(path).map_err(io_at(path))?;
    let size = file.metadata().map_err(io_at(path))?.len();
    // Never more than the header says, whatever happens to the file.
    let mut reader = Hashing::new(BufReader::with_capacity(256 * 1024, file).take(size));
    let mut header = tar::Header::new_gnu();
    header.set_size(size);
    header.set_mode(0o600);
    header.set_cksum();
    tar.append_data(&mut header, name, &mut reader)
        .map_err(io_at(part))?;
    let (sha256, read) = reader.finish();
    if read != size {
        return Err(BackupError::Invalid(format!(
            "{name} changed while it was read"
        )));
    }
    Ok(FileEntry {
        path: name.to_string(),
        size,
        sha256,
    })
}

/// The packs the snapshot's rows name. Only those go in the archive: a
/// pack no row names is being written (or an orphan a crash left).
fn packs_named(conn: &Connection) -> Result<HashSet<String>, BackupError> {
    if !packs_recorded(conn)? {
        return Ok(HashSet::new());
    }
    let mut stmt = conn.prepare("SELECT DISTINCT pack FROM blobs WHERE pack IS NOT NULL")?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<_, _>>()?;
    Ok(names)
}

/// Whether the store has `blobs.pack` (migration 0014); older stores and
/// their backups have loose contents only.
fn packs_recorded(conn: &Connection) -> Result<bool, BackupError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info('blobs') WHERE name = 'pack')",
        [],
        |r| r.get(0),
    )?)
}

/// The pack name of an archive path `attachments/packs/<name>`.
fn pack_name(rel: &str) -> Option<&str> {
    rel.strip_prefix("attachments/packs/")
        .filter(|name| crate::blobs::pack::valid_name(name))
}

/// Attachment files (relative paths and sizes): loose contents and the
/// named packs, without the temporary uploads.
fn list_attachments(
    data_dir: &Path,
    named_packs: &HashSet<String>,
) -> Result<Vec<(String, u64)>, BackupError> {
    let root = data_dir.join("attachments");
    let mut found = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
            Err(err) => return Err(io_at(&dir)(err)),
        };
        for entry in entries {
            let entry = entry.map_err(io_at(&dir))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(io_at(&path))?;
            if kind.is_dir() {
                if path != root.join("tmp") {
                    stack.push(path);
                }
            } else if kind.is_file() {
                let rel = path
                    .strip_prefix(data_dir)
                    .map_err(|_| BackupError::Invalid("attachment outside the data dir".into()))?
                    .to_string_lossy()
                    .replace('\\', "/");
                let wanted = match pack_name(&rel) {
                    Some(name) => named_packs.contains(name),
                    None => valid_attachment_path(&rel),
                };
                if wanted {
                    let size = entry.metadata().map_err(io_at(&path))?.len();
                    found.push((rel, size));
                }
            }
        }
    }
    found.sort();
    Ok(found)
}

/// `attachments/ab/cd/<64 hex>` with `ab`, `cd` its first four digits, or
/// `attachments/packs/<pack name>`.
fn valid_attachment_path(rel: &str) -> bool {
    if pack_name(rel).is_some() {
        return true;
    }
    let parts: Vec<&str> = rel.split('/').collect();
    let [root, a, b, sha] = parts[..] else {
        return false;
    };
    root == "attachments"
        && sha.len() == 64
        && sha
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        && a == &sha[0..2]
        && b == &sha[2..4]
}

/// Opens an archive for reading: decrypts (with `key`) and decompresses as
/// its first bytes say.
fn open_archive(path: &Path, key: Option<&BackupKey>) -> Result<Box<dyn Read>, BackupError> {
    let encrypted = crypt::is_encrypted(path).map_err(io_at(path))?;
    let file = BufReader::with_capacity(256 * 1024, File::open(path).map_err(io_at(path))?);
    let mut plain: Box<dyn Read> = if encrypted {
        let key = key.ok_or(BackupError::KeyNeeded)?;
        Box::new(DecryptReader::new(file, key)?)
    } else {
        Box::new(file)
    };
    let mut magic = [0u8; 2];
    let n = read_fully(&mut plain, &mut magic).map_err(|e| read_error(path, e))?;
    let head = io::Cursor::new(magic[..n].to_vec());
    let chained: Box<dyn Read> = Box::new(head.chain(plain));
    if n == 2 && magic == [0x1f, 0x8b] {
        Ok(Box::new(GzDecoder::new(chained)))
    } else {
        Ok(chained)
    }
}

fn read_fully(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

fn read_error(path: &Path, err: io::Error) -> BackupError {
    if let Some(c) = crypt::crypt_error(&err) {
        return match c {
            crypt::CryptError::WrongKey => BackupError::Crypt(crypt::CryptError::WrongKey),
            _ => BackupError::Crypt(crypt::CryptError::Damaged),
        };
    }
    BackupError::Invalid(format!(
        "{}: cannot read the archive: {err}",
        path.display()
    ))
}

/// What reading an archive found.
pub struct Unpacked {
    pub manifest: Manifest,
    /// Where the store was written.
    pub store: PathBuf,
}

/// Reads the whole archive, checking every file against the manifest:
/// the store goes to `dest/zezaro.db`; attachments to `dest/attachments/…`
/// when `keep_attachments`, otherwise only hashed. Then checks the store
/// copy (integrity, foreign keys, the snapshot counts, every referenced
/// attachment present).
pub fn unpack(
    path: &Path,
    key: Option<&BackupKey>,
    dest: &Path,
    keep_attachments: bool,
    progress: Progress,
) -> Result<Unpacked, BackupError> {
    let reader = open_archive(path, key)?;
    let mut archive = tar::Archive::new(reader);
    let mut store: Option<FileEntry> = None;
    let mut attachments: Vec<FileEntry> = Vec::new();
    let mut manifest: Option<Manifest> = None;
    let total = std::fs::metadata(path).map(|m| m.len()).unwrap_or(1).max(1);
    let entries = archive.entries().map_err(|e| read_error(path, e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| read_error(path, e))?;
        let name = entry
            .path()
            .map_err(|e| read_error(path, e))?
            .to_string_lossy()
            .into_owned();
        if manifest.is_some() {
            return Err(BackupError::Invalid(format!("{name} after the manifest")));
        }
        if name == MANIFEST {
            let mut json = Vec::new();
            entry
                .read_to_end(&mut json)
                .map_err(|e| read_error(path, e))?;
            manifest = Some(
                serde_json::from_slice(&json)
                    .map_err(|e| BackupError::Invalid(format!("manifest: {e}")))?,
            );
            continue;
        }
        let target = if name == STORE_FILE {
            if store.is_some() {
                return Err(BackupError::Invalid("two stores in the archive".into()));
            }
            Some(dest.join(STORE_FILE))
        } else if valid_attachment_path(&name) {
            keep_attachments.then(|| dest.join(&name))
        } else {
            return Err(BackupError::Invalid(format!(
                "unexpected file {name:?} in the archive"
            )));
        };
        let mut hashing = Hashing::new(&mut entry);
        match &target {
            Some(target) => {
                if let Some(dir) = target.parent() {
                    crate::db::files::create_private_dir_all(dir).map_err(io_at(dir))?;
                }
                let mut out = BufWriter::new(
                    crate::db::files::create_private_file(target, false).map_err(io_at(target))?,
                );
                io::copy(&mut hashing, &mut out).map_err(|e| read_error(path, e))?;
                let file = out
                    .into_inner()
                    .map_err(|e| io_at(target)(e.into_error()))?;
                file.sync_all().map_err(io_at(target))?;
            }
            None => {
                io::copy(&mut hashing, &mut io::sink()).map_err(|e| read_error(path, e))?;
            }
        }
        let (sha256, size) = hashing.finish();
        let found = FileEntry {
            path: name.clone(),
            size,
            sha256,
        };
        if name == STORE_FILE {
            store = Some(found);
            progress("verify", 0.5);
        } else {
            // A loose content is named by its hash; a pack is checked by
            // the manifest's hash below.
            if pack_name(&name).is_none() && !name.ends_with(&found.sha256) {
                return Err(BackupError::Invalid(format!(
                    "{name}: content does not match its hash"
                )));
            }
            attachments.push(found);
        }
        let _ = total;
    }
    let manifest = manifest
        .ok_or_else(|| BackupError::Invalid("no manifest: the archive is incomplete".into()))?;
    if manifest.format != FORMAT {
        return Err(BackupError::Invalid(format!(
            "unknown backup format {}",
            manifest.format
        )));
    }
    let store = store.ok_or_else(|| BackupError::Invalid("no store in the archive".into()))?;
    if store != manifest.store {
        return Err(BackupError::Invalid(
            "the store does not match the manifest".into(),
        ));
    }
    attachments.sort_by(|a, b| a.path.cmp(&b.path));
    let mut listed = manifest.attachments.clone();
    listed.sort_by(|a, b| a.path.cmp(&b.path));
    if attachments != listed {
        return Err(BackupError::Invalid(
            "the attachments do not match the manifest".into(),
        ));
    }
    progress("verify", 0.7);
    let store_path = dest.join(STORE_FILE);
    check_store(&store_path, &manifest)?;
    progress("verify", 1.0);
    Ok(Unpacked {
        manifest,
        store: store_path,
    })
}

/// Integrity and foreign-key check of an unpacked store, and its agreement
/// with the manifest.
fn check_store(path: &Path, manifest: &Manifest) -> Result<(), BackupError> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    let mut problems = Vec::new();
    {
        let mut stmt = conn.prepare("PRAGMA integrity_check")?;
        for line in stmt.query_map([], |r| r.get::<_, String>(0))? {
            let line = line?;
            if line != "ok" {
                problems.push(format!("integrity: {line}"));
            }
        }
        let mut stmt = conn.prepare("PRAGMA foreign_key_check")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        for table in rows {
            problems.push(format!("foreign key violation in {}", table?));
        }
    }
    if !problems.is_empty() {
        problems.truncate(10);
        return Err(BackupError::Invalid(problems.join("; ")));
    }
    let snap = snapshot(&conn)?;
    if snap != manifest.snapshot {
        return Err(BackupError::Invalid(format!(
            "the store does not match the manifest's snapshot ({snap:?} vs {:?})",
            manifest.snapshot
        )));
    }
    // Every attachment row names a content that is in the archive: a loose
    // file, or a range inside an archived pack.
    let mut have: HashSet<&str> = HashSet::new();
    let mut packs: HashMap<&str, u64> = HashMap::new();
    for file in &manifest.attachments {
        match pack_name(&file.path) {
            Some(name) => {
                packs.insert(name, file.size);
            }
            None => {
                have.extend(file.path.rsplit('/').next());
            }
        }
    }
    let packed = packs_recorded(&conn)?;
    // The knowledge base's and the text modules' files (and the files of
    // old text-module versions) are contents of the same blob store.
    let mut sources = vec!["SELECT sha256 FROM attachments"];
    for (table, select) in [
        ("kb_attachments", "SELECT sha256 FROM kb_attachments"),
        (
            "text_module_attachments",
            "SELECT sha256 FROM text_module_attachments",
        ),
        (
            "text_module_version_files",
            "SELECT sha256 FROM text_module_version_files",
        ),
    ] {
        let exists: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
            [table],
            |r| r.get(0),
        )?;
        if exists {
            sources.push(select);
        }
    }
    let named = format!("({})", sources.join(" UNION "));
    let sql = if packed {
        format!(
            "SELECT DISTINCT a.sha256, b.pack FROM {named} a
             LEFT JOIN blobs b ON b.sha256 = a.sha256"
        )
    } else {
        format!("SELECT DISTINCT sha256, NULL FROM {named}")
    };
    let mut stmt = conn.prepare(&sql)?;
    let shas = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
    })?;
    for row in shas {
        let (sha, pack) = row?;
        let present = match &pack {
            Some(pack) => packs.contains_key(pack.as_str()),
            None => have.contains(sha.as_str()),
        };
        if !present {
            return Err(BackupError::Invalid(format!("attachment {sha} is missing")));
        }
    }
    if packed {
        // Every packed content (raw e-mails too) lies inside its pack.
        let mut stmt = conn.prepare(
            "SELECT pack, MAX(pack_offset + size) FROM blobs WHERE pack IS NOT NULL GROUP BY pack",
        )?;
        let ends = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for row in ends {
            let (pack, end) = row?;
            match packs.get(pack.as_str()) {
                Some(&size) if end >= 0 && end as u64 <= size => {}
                Some(_) => {
                    return Err(BackupError::Invalid(format!(
                        "pack {pack} is shorter than its contents"
                    )));
                }
                None => return Err(BackupError::Invalid(format!("pack {pack} is missing"))),
            }
        }
    }
    Ok(())
}

/// Verifies an archive: reads it completely into a scratch directory next
/// to it (removed afterwards) and checks everything `unpack` checks.
pub fn verify(
    path: &Path,
    key: Option<&BackupKey>,
    progress: Progress,
) -> Result<Manifest, BackupError> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let scratch = scratch_dir(parent, "verify")?;
    let result = unpack(path, key, &scratch, false, progress).map(|u| u.manifest);
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quiet(_: &str, _: f64) {}

    fn age(path: &Path, hours: u64) {
        let then = std::time::SystemTime::now() - std::time::Duration::from_secs(hours * 3600);
        File::open(path).unwrap().set_modified(then).unwrap();
    }

    /// Leftovers of an interrupted backup go at start; fresh ones (a backup
    /// in progress) and everything else stay.
    #[test]
    fn leftovers_of_interrupted_backups_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let old_part = d.join("zezaro-20261127T023000Z.tar.gz.part");
        let new_part = d.join("zezaro-20261128T023000Z.tar.gz.part");
        let archive = d.join("zezaro-20261126T023000Z.tar.gz");
        let old_scratch = d.join(".backup-old");
        let busy_scratch = d.join(".verify-busy");
        for f in [&old_part, &new_part, &archive] {
            std::fs::write(f, b"x").unwrap();
        }
        for s in [&old_scratch, &busy_scratch] {
            std::fs::create_dir(s).unwrap();
            std::fs::write(s.join("zezaro.db"), b"x").unwrap();
        }
        age(&old_part, 2);
        age(&archive, 2);
        age(&old_scratch.join("zezaro.db"), 2);
        age(&old_scratch, 2);
        // A scratch dir made long ago whose copy is still being written.
        age(&busy_scratch, 2);
        let mut removed = remove_leftovers(d);
        removed.sort();
        assert_eq!(removed, vec![old_scratch.clone(), old_part.clone()]);
        assert!(new_part.exists() && archive.exists() && busy_scratch.exists());
        assert!(!old_part.exists() && !old_scratch.exists());
    }

    /// A store with one attachment file; archived, verified, then a byte of
    /// the attachment flipped inside the (uncompressed) archive.
    #[test]
    fn verification_finds_a_changed_file() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        let (db, _) = crate::db::Db::open(&data).unwrap();
        drop(db);
        let content = b"an attachment's content";
        let sha = hex(ring::digest::digest(&ring::digest::SHA256, content).as_ref());
        let blob = data.join("attachments").join(&sha[0..2]).join(&sha[2..4]);
        std::fs::create_dir_all(&blob).unwrap();
        std::fs::write(blob.join(&sha), content).unwrap();
        std::fs::write(data.join("secret.key"), [1u8; 32]).unwrap();

        let out = dir.path().join("b.tar");
        let options = Options {
            compress: false,
            ..Options::default()
        };
        let manifest = create(&data, &out, &options, &quiet).unwrap();
        assert_eq!(manifest.attachments.len(), 1);
        assert_eq!(manifest.attachments[0].sha256, sha);
        verify(&out, None, &quiet).unwrap();
        let mut bytes = std::fs::read(&out).unwrap();
        assert!(!bytes.windows(10).any(|w| w == b"secret.key"));
        let at = bytes
            .windows(content.len())
            .position(|w| w == content)
            .unwrap();
        bytes[at] ^= 1;
        std::fs::write(&out, &bytes).unwrap();
        let err = verify(&out, None, &quiet).unwrap_err();
        assert!(err.to_string().contains("does not match"), "{err}");
        // Nothing of the verification is left behind.
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left.len(), 2, "{left:?}");
    }

    #[test]
    fn attachment_paths_are_strict() {
        let sha = "ab".repeat(32);
        assert!(valid_attachment_path(&format!("attachments/ab/ab/{sha}")));
        assert!(!valid_attachment_path(&format!("attachments/ab/cd/{sha}")));
        assert!(!valid_attachment_path(&format!("attachments/../ab/{sha}")));
        assert!(!valid_attachment_path("attachments/tmp/x.part"));
        assert!(!valid_attachment_path("secret.key"));
        assert!(valid_attachment_path(
            "attachments/packs/20261127-171000-abcDEF123456.pack"
        ));
        for bad in [
            "attachments/packs/x.part",
            "attachments/packs/../x.pack",
            "attachments/packs/a/b.pack",
            "attachments/packs/.pack",
            "attachments/x.pack",
            "attachments/tmp/x.pack",
            "packs/x.pack",
        ] {
            assert!(!valid_attachment_path(bad), "{bad}");
        }
    }
}
