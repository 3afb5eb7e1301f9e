//! Writes one client's export as a tar.gz, streaming: rows go from the
//! statement to a temporary file of their table (hashed on the way), which
//! is appended to the archive and removed, so memory holds one row at a
//! time. Everything is read in one read transaction (one snapshot). The
//! archive is written as `<out>.part` and renamed when complete.

use crate::ids::ClientId;
use std::collections::HashSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rusqlite::Connection;
use rusqlite::types::ValueRef;
use serde::Serialize;

use super::error::ExportError;
use super::tables::{BLOB_SOURCES, EXPORTERS, Exporter, Format, Kind};
use crate::blobs::{BlobStore, Location};

/// Version of the archive layout (manifest `format_version`).
pub const FORMAT_VERSION: u32 = 1;

/// Progress of one export, shared with whoever watches it.
#[derive(Debug, Default)]
pub struct Progress {
    pub rows_written: AtomicU64,
    pub rows_total: AtomicU64,
    pub cancelled: AtomicBool,
}

impl Progress {
    fn step(&self) -> Result<(), ExportError> {
        self.rows_written.fetch_add(1, Ordering::Relaxed);
        if self.cancelled.load(Ordering::Relaxed) {
            return Err(ExportError::Cancelled);
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FileEntry {
    pub path: String,
    pub format: &'static str,
    pub rows: u64,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClientRef {
    pub id: ClientId,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BlobSummary {
    pub count: u64,
    pub bytes: u64,
    pub missing: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub format: &'static str,
    pub format_version: u32,
    pub client: ClientRef,
    pub created_at: String,
    pub zezaro_version: &'static str,
    pub files: Vec<FileEntry>,
    pub blobs: BlobSummary,
    pub skipped: Vec<&'static str>,
}

impl Manifest {
    /// Rows of a file, 0 when absent.
    pub fn rows(&self, path: &str) -> u64 {
        self.files
            .iter()
            .find(|f| f.path == path)
            .map_or(0, |f| f.rows)
    }
}

/// A writer that hashes and counts what passes through.
struct Hashing<W: Write> {
    inner: W,
    digest: ring::digest::Context,
    bytes: u64,
}

impl<W: Write> Hashing<W> {
    fn new(inner: W) -> Self {
        Hashing {
            inner,
            digest: ring::digest::Context::new(&ring::digest::SHA256),
            bytes: 0,
        }
    }

    fn finish(mut self) -> std::io::Result<(W, String, u64)> {
        self.inner.flush()?;
        let sha = crate::db::hex(self.digest.finish().as_ref());
        Ok((self.inner, sha, self.bytes))
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.digest.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Opens the store file for an export: read-only, so it works next to a
/// running server (WAL lets readers and the writer proceed together).
pub fn open_snapshot_connection(store_path: &Path) -> Result<Connection, ExportError> {
    use rusqlite::OpenFlags;
    let conn = Connection::open_with_flags(
        store_path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(crate::db::StoreError::from)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(crate::db::StoreError::from)?;
    Ok(conn)
}

fn tables_present(conn: &Connection) -> Result<HashSet<String>, ExportError> {
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")
        .map_err(crate::db::StoreError::from)?;
    let names = stmt
        .query_map([], |row| row.get::<_, String>(0))
        .map_err(crate::db::StoreError::from)?
        .collect::<Result<HashSet<_>, _>>()
        .map_err(crate::db::StoreError::from)?;
    Ok(names)
}

/// The exporters whose tables exist in this store, and the files skipped.
pub fn applicable(
    conn: &Connection,
) -> Result<(Vec<&'static Exporter>, Vec<&'static str>), ExportError> {
    let present = tables_present(conn)?;
    let mut used = Vec::new();
    let mut skipped = Vec::new();
    for e in EXPORTERS {
        if e.requires.iter().all(|t| present.contains(*t)) {
            used.push(e);
        } else {
            skipped.push(e.file);
        }
    }
    Ok((used, skipped))
}

/// The distinct hashes of the client's stored files, from the sources whose
/// tables exist.
fn blob_sql(conn: &Connection) -> Result<String, ExportError> {
    let present = tables_present(conn)?;
    let parts: Vec<&str> = BLOB_SOURCES
        .iter()
        .filter(|(requires, _)| requires.iter().all(|t| present.contains(*t)))
        .map(|(_, sql)| *sql)
        .collect();
    if parts.is_empty() {
        return Ok("SELECT NULL WHERE 0 AND ?1".into());
    }
    // UNION removes duplicates.
    Ok(format!("{} ORDER BY 1", parts.join(" UNION ")))
}

/// Whether the store records packed contents (`blobs.pack`, migration
/// 0014): the CLI exports stores an older binary left unmigrated, whose
/// contents are all loose files.
fn packs_recorded(conn: &Connection) -> Result<bool, ExportError> {
    Ok(conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM pragma_table_info('blobs') WHERE name = 'pack')",
            [],
            |row| row.get(0),
        )
        .map_err(crate::db::StoreError::from)?)
}

/// Rows each file would get, and the blob count: the progress estimate.
pub fn estimate(conn: &Connection, client_id: ClientId) -> Result<u64, ExportError> {
    let (used, _) = applicable(conn)?;
    let mut total = 0u64;
    for e in used {
        let n: i64 = conn
            .prepare_cached(&e.count_sql())
            .and_then(|mut s| s.query_row([client_id], |row| row.get(0)))
            .map_err(crate::db::StoreError::from)?;
        total += n.max(0) as u64;
    }
    let blobs: i64 = conn
        .prepare_cached(&format!("SELECT COUNT(*) FROM ({})", blob_sql(conn)?))
        .and_then(|mut s| s.query_row([client_id], |row| row.get(0)))
        .map_err(crate::db::StoreError::from)?;
    Ok(total + blobs.max(0) as u64)
}

/// Ends the read transaction however the export ends.
struct ReadTx<'a>(&'a Connection);

impl Drop for ReadTx<'_> {
    fn drop(&mut self) {
        let _ = self.0.execute_batch("ROLLBACK");
    }
}

/// Writes the export of `client_id` to `out` (via `<out>.part`); table
/// files are staged in `work_dir`. Returns the manifest.
pub fn write(
    conn: &Connection,
    blobs: &BlobStore,
    client_id: ClientId,
    out: &Path,
    work_dir: &Path,
    progress: &Progress,
) -> Result<Manifest, ExportError> {
    conn.execute_batch("BEGIN DEFERRED")
        .map_err(crate::db::StoreError::from)?;
    let _tx = ReadTx(conn);
    // The first read fixes the snapshot for everything after it.
    let client: Option<(String,)> = conn
        .query_row(
            "SELECT name FROM clients WHERE id = ?1",
            [client_id],
            |row| Ok((row.get(0)?,)),
        )
        .map_or_else(
            |e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                other => Err(crate::db::StoreError::from(other)),
            },
            |v| Ok(Some(v)),
        )?;
    let (client_name,) = client.ok_or(ExportError::NotFound)?;
    let created_at = crate::db::now();
    progress
        .rows_total
        .store(estimate(conn, client_id)?, Ordering::Relaxed);

    crate::db::files::create_private_dir_all(work_dir)?;
    let part = part_path(out);
    let result = write_parts(
        conn,
        blobs,
        client_id,
        &client_name,
        &created_at,
        &part,
        work_dir,
        progress,
    );
    match result {
        Ok(manifest) => {
            std::fs::rename(&part, out)?;
            if let Some(parent) = out.parent()
                && let Ok(dir) = File::open(parent)
            {
                let _ = dir.sync_all();
            }
            Ok(manifest)
        }
        Err(err) => {
            let _ = std::fs::remove_file(&part);
            Err(err)
        }
    }
}

pub fn part_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    out.with_file_name(name)
}

/// Top folder inside the archive.
fn folder(client_id: ClientId, created_at: &str) -> String {
    let stamp: String = created_at
        .chars()
        .filter(|c| c.is_ascii_digit())
        .take(14)
        .collect();
    format!("zezaro-export-client{client_id}-{stamp}")
}

fn tar_header(size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_size(size);
    header.set_mode(0o644);
    header.set_mtime(chrono::Utc::now().timestamp().max(0) as u64);
    header.set_entry_type(tar::EntryType::Regular);
    header
}

#[allow(clippy::too_many_arguments)]
fn write_parts(
    conn: &Connection,
    blobs: &BlobStore,
    client_id: ClientId,
    client_name: &str,
    created_at: &str,
    part: &Path,
    work_dir: &Path,
    progress: &Progress,
) -> Result<Manifest, ExportError> {
    let (used, skipped) = applicable(conn)?;
    let top = folder(client_id, created_at);
    let file = crate::db::files::create_private_file(part, false)?;
    let gz = flate2::write::GzEncoder::new(BufWriter::new(file), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    let mut files = Vec::new();

    let readme = super::tables::readme(client_name, created_at, &used);
    append_bytes(&mut tar, &format!("{top}/README.md"), readme.as_bytes())?;
    files.push(FileEntry {
        path: "README.md".into(),
        format: "markdown",
        rows: 0,
        bytes: readme.len() as u64,
        sha256: crate::db::hex(
            ring::digest::digest(&ring::digest::SHA256, readme.as_bytes()).as_ref(),
        ),
    });

    for (n, exporter) in used.iter().enumerate() {
        let staged = work_dir.join(format!(
            "{}.{n}.tmp",
            part.file_name().unwrap_or_default().to_string_lossy()
        ));
        let outcome = stage_table(conn, exporter, client_id, &staged, progress).and_then(
            |(rows, bytes, sha256)| {
                let mut header = tar_header(bytes);
                let mut reader = File::open(&staged)?;
                tar.append_data(&mut header, format!("{top}/{}", exporter.file), &mut reader)?;
                Ok(FileEntry {
                    path: exporter.file.into(),
                    format: exporter.format.as_str(),
                    rows,
                    bytes,
                    sha256,
                })
            },
        );
        let _ = std::fs::remove_file(&staged);
        files.push(outcome?);
    }

    // Stored files, once each, named by their hash.
    let mut summary = BlobSummary {
        count: 0,
        bytes: 0,
        missing: Vec::new(),
    };
    let packs = packs_recorded(conn)?;
    let mut stmt = conn
        .prepare(&blob_sql(conn)?)
        .map_err(crate::db::StoreError::from)?;
    let mut rows = stmt
        .query([client_id])
        .map_err(crate::db::StoreError::from)?;
    while let Some(row) = rows.next().map_err(crate::db::StoreError::from)? {
        let sha: String = row.get(0).map_err(crate::db::StoreError::from)?;
        progress.step()?;
        // Located in the export's snapshot; a packed content is its range.
        let location = if packs {
            crate::blobs::store::locate(conn, blobs, &sha)?
        } else {
            blobs.path(&sha).map(Location::Loose)
        };
        let Some(location) = location else {
            summary.missing.push(sha);
            continue;
        };
        match blobs.open(&location) {
            Ok((f, size)) => {
                let mut header = tar_header(size);
                let mut content = std::io::Read::take(f, size);
                tar.append_data(&mut header, format!("{top}/files/{sha}"), &mut content)?;
                summary.count += 1;
                summary.bytes += size;
            }
            Err(_) => summary.missing.push(sha),
        }
    }

    let manifest = Manifest {
        format: "zezaro-client-export",
        format_version: FORMAT_VERSION,
        client: ClientRef {
            id: client_id,
            name: client_name.to_string(),
        },
        created_at: created_at.to_string(),
        zezaro_version: env!("CARGO_PKG_VERSION"),
        files,
        blobs: summary,
        skipped,
    };
    let text = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| ExportError::Io(std::io::Error::other(e)))?;
    append_bytes(&mut tar, &format!("{top}/manifest.json"), &text)?;
    let gz = tar.into_inner()?;
    let buffered = gz.finish()?;
    let file = buffered
        .into_inner()
        .map_err(|e| ExportError::Io(e.into_error()))?;
    file.sync_all()?;
    Ok(manifest)
}

fn append_bytes<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &str,
    bytes: &[u8],
) -> Result<(), ExportError> {
    let mut header = tar_header(bytes.len() as u64);
    tar.append_data(&mut header, path, bytes)?;
    Ok(())
}

/// Writes one table's rows to `staged`. Returns (rows, bytes, sha256).
fn stage_table(
    conn: &Connection,
    exporter: &Exporter,
    client_id: ClientId,
    staged: &Path,
    progress: &Progress,
) -> Result<(u64, u64, String), ExportError> {
    let mut out = Hashing::new(BufWriter::with_capacity(
        256 * 1024,
        crate::db::files::create_private_file(staged, false)?,
    ));
    let present: HashSet<String> = conn
        .prepare("SELECT name FROM pragma_table_info(?1)")
        .and_then(|mut s| {
            s.query_map([exporter.table()], |row| row.get::<_, String>(0))?
                .collect::<Result<_, _>>()
        })
        .map_err(crate::db::StoreError::from)?;
    let missing: Vec<String> = exporter
        .columns
        .iter()
        .filter(|c| c.expr.is_none() && !present.contains(c.name))
        .map(|c| c.name.to_string())
        .collect();
    let mut stmt = conn
        .prepare(&exporter.select_sql_without(&missing))
        .map_err(crate::db::StoreError::from)?;
    let mut rows = stmt
        .query([client_id])
        .map_err(crate::db::StoreError::from)?;
    let mut count = 0u64;
    match exporter.format {
        Format::Csv => {
            let mut csv = csv::WriterBuilder::new().from_writer(&mut out);
            csv.write_record(exporter.columns.iter().map(|c| c.name))
                .map_err(csv_err)?;
            let mut record: Vec<String> = Vec::with_capacity(exporter.columns.len());
            while let Some(row) = rows.next().map_err(crate::db::StoreError::from)? {
                record.clear();
                for (i, col) in exporter.columns.iter().enumerate() {
                    let value = row.get_ref(i).map_err(crate::db::StoreError::from)?;
                    record.push(csv_cell(value, col.kind));
                }
                csv.write_record(&record).map_err(csv_err)?;
                count += 1;
                progress.step()?;
            }
            csv.flush()?;
        }
        Format::Jsonl => {
            while let Some(row) = rows.next().map_err(crate::db::StoreError::from)? {
                let mut object = serde_json::Map::with_capacity(exporter.columns.len());
                for (i, col) in exporter.columns.iter().enumerate() {
                    let value = row.get_ref(i).map_err(crate::db::StoreError::from)?;
                    object.insert(col.name.to_string(), json_value(value, col));
                }
                serde_json::to_writer(&mut out, &object)
                    .map_err(|e| ExportError::Io(std::io::Error::other(e)))?;
                out.write_all(b"\n")?;
                count += 1;
                progress.step()?;
            }
        }
    }
    let (writer, sha, bytes) = out.finish()?;
    writer
        .into_inner()
        .map_err(|e| ExportError::Io(e.into_error()))?;
    Ok((count, bytes, sha))
}

fn csv_err(err: csv::Error) -> ExportError {
    ExportError::Io(std::io::Error::other(err))
}

fn csv_cell(value: ValueRef, kind: Kind) -> String {
    match (value, kind) {
        (ValueRef::Null, _) => String::new(),
        (ValueRef::Integer(i), Kind::Bool) => (i != 0).to_string(),
        (ValueRef::Integer(i), _) => i.to_string(),
        (ValueRef::Real(r), _) => r.to_string(),
        (ValueRef::Text(t), _) => super::csv_safe::cell(&String::from_utf8_lossy(t)).into_owned(),
        (ValueRef::Blob(b), _) => crate::db::hex(b),
    }
}

fn json_value(value: ValueRef, col: &super::tables::Col) -> serde_json::Value {
    use serde_json::Value;
    match (value, col.kind) {
        (ValueRef::Null, _) => Value::Null,
        (ValueRef::Integer(i), Kind::Bool) => Value::Bool(i != 0),
        (ValueRef::Integer(i), _) => Value::from(i),
        (ValueRef::Real(r), _) => Value::from(r),
        (ValueRef::Text(t), kind) => {
            let text = String::from_utf8_lossy(t);
            // JSON columns, and the JSON arrays built in SQL (emails, tags).
            if kind == Kind::Json || (col.expr.is_some() && text.starts_with('[')) {
                serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.into_owned()))
            } else {
                Value::String(text.into_owned())
            }
        }
        (ValueRef::Blob(b), _) => Value::String(crate::db::hex(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_tables_are_read_without_sorting() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = crate::db::Db::open(dir.path()).unwrap();
        db.read_blocking(|conn| {
            let (used, _) = applicable(conn)?;
            for e in used {
                let mut stmt = conn
                    .prepare(&format!("EXPLAIN QUERY PLAN {}", e.select_sql()))
                    .map_err(crate::db::StoreError::from)?;
                // Top-level steps only: per-row subqueries sort a few rows.
                let plan: Vec<String> = stmt
                    .query_map([1], |row| {
                        let parent: i64 = row.get(1)?;
                        let detail: String = row.get(3)?;
                        Ok(if parent == 0 { detail } else { String::new() })
                    })
                    .map_err(crate::db::StoreError::from)?
                    .collect::<Result<_, _>>()
                    .map_err(crate::db::StoreError::from)?;
                let big = matches!(
                    e.file,
                    "cases.jsonl"
                        | "messages.jsonl"
                        | "case_history.jsonl"
                        | "contacts.jsonl"
                        | "audit_log.jsonl"
                        | "time_entries.csv"
                        | "attachments.csv"
                );
                if big {
                    assert!(
                        !plan.iter().any(|l| l.contains("TEMP B-TREE FOR ORDER BY")),
                        "{} sorts: {plan:?}",
                        e.file
                    );
                }
            }
            Ok::<_, ExportError>(())
        })
        .unwrap();
    }

    /// Every table of the store is exported, or named in `NOT_EXPORTED`
    /// with its reason (full-text tables' shadow tables with their table).
    #[test]
    fn every_table_is_exported_or_excluded_for_a_reason() {
        use super::super::tables::NOT_EXPORTED;
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = crate::db::Db::open(dir.path()).unwrap();
        let tables: Vec<String> = db
            .read_blocking(|conn| {
                conn.prepare(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                )?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()
                .map_err(crate::db::StoreError::from)
            })
            .unwrap();
        let exported = |table: &str| {
            EXPORTERS.iter().any(|e| e.requires.contains(&table))
                || BLOB_SOURCES
                    .iter()
                    .any(|(requires, _)| requires.contains(&table))
        };
        let excluded = |table: &str| {
            NOT_EXPORTED
                .iter()
                .any(|(t, why)| *t == table && !why.is_empty())
        };
        let shadow = |table: &str| {
            ["_config", "_data", "_docsize", "_idx", "_content"]
                .iter()
                .filter_map(|suffix| table.strip_suffix(suffix))
                .any(|base| tables.iter().any(|t| t == base) && excluded(base))
        };
        let unclassified: Vec<&String> = tables
            .iter()
            .filter(|t| !exported(t) && !excluded(t) && !shadow(t))
            .collect();
        assert!(
            unclassified.is_empty(),
            "tables neither exported nor in NOT_EXPORTED: {unclassified:?}"
        );
        for (table, _) in NOT_EXPORTED {
            assert!(
                tables.iter().any(|t| t == table),
                "NOT_EXPORTED names {table}, which the store lacks"
            );
            assert!(!exported(table), "{table} is exported and in NOT_EXPORTED");
        }
    }

    #[test]
    fn every_column_is_documented_and_selectable() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = crate::db::Db::open(dir.path()).unwrap();
        db.read_blocking(|conn| {
            for e in EXPORTERS {
                for col in e.columns {
                    assert!(!col.doc.is_empty(), "{}.{} undocumented", e.file, col.name);
                }
                assert!(e.file.ends_with(e.format.as_str()), "{}", e.file);
            }
            let (used, _) = applicable(conn)?;
            for e in used {
                conn.prepare(&e.select_sql())
                    .unwrap_or_else(|err| panic!("{}: {err}", e.file));
            }
            Ok::<_, ExportError>(())
        })
        .unwrap();
    }
}
