//! The `blobs` rows: which contents exist and where their bytes are.

use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension, params};

use super::{BlobStore, Location, Stored};
use crate::db::{StoreResult, now};

/// Records a content (kept as it is when a row exists: the first copy
/// stays the one).
pub fn insert_row(conn: &Connection, stored: &Stored) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO blobs (sha256, size, pack, pack_offset, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        stored.sha256,
        stored.size as i64,
        stored.pack.as_ref().map(|p| p.pack.as_str()),
        stored.pack.as_ref().map(|p| p.offset as i64),
        now()
    ])?;
    Ok(())
}

/// Where a content's bytes are; `None` without a row (or with a row that
/// names no valid place).
pub fn locate(conn: &Connection, store: &BlobStore, sha256: &str) -> StoreResult<Option<Location>> {
    let row: Option<(i64, Option<String>, Option<i64>)> = conn
        .prepare_cached("SELECT size, pack, pack_offset FROM blobs WHERE sha256 = ?1")?
        .query_row([sha256], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .optional()?;
    Ok(row.and_then(|(size, pack, offset)| {
        store.location(sha256, size.max(0) as u64, pack.as_deref(), offset)
    }))
}

/// Which of these contents are stored already.
pub fn existing<'a>(
    conn: &Connection,
    shas: impl IntoIterator<Item = &'a str>,
) -> StoreResult<HashSet<String>> {
    let mut stmt = conn.prepare_cached("SELECT 1 FROM blobs WHERE sha256 = ?1")?;
    let mut found = HashSet::new();
    for sha in shas {
        if stmt.exists([sha])? {
            found.insert(sha.to_string());
        }
    }
    Ok(found)
}
