//! Attachments and mail packs in the replica. They live outside the store,
//! so Litestream does not carry them; zezaro copies each one into the
//! replica's `blobs/` directory (same layout as `attachments/`) in the
//! blob store's own write path, before the function that wrote it returns:
//! the row naming it is committed only afterwards, and Litestream ships
//! only committed WAL frames. So a replica (and any store restored from it)
//! never names a file the replica lacks.
//!
//! Contents are immutable: a loose content is named by its SHA-256 and
//! copied once (an existing copy is kept); a pack is never written again
//! after its sync. Each copy goes to a temporary name, is synced, read back
//! and compared by hash with the original, then renamed into place and the
//! directory synced. Only a GDPR erasure changes them, in the replica as in
//! the data directory (gdpr/erase.rs, blobs/pack.rs).

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::blobs::BlobStore;

/// SHA-256 of a file, hex.
pub fn file_sha256(path: &Path) -> std::io::Result<String> {
    let mut file = File::open(path)?;
    let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        digest.update(&buf[..n]);
    }
    Ok(crate::db::hex(digest.finish().as_ref()))
}

/// Copies `from` to `to` (absent: the copy is made; present: kept),
/// verified against `sha256`.
fn copy_verified(from: &Path, to: &Path, sha256: &str) -> std::io::Result<()> {
    if to.exists() {
        return Ok(());
    }
    let dir = to
        .parent()
        .ok_or_else(|| std::io::Error::other("a replica path without a directory"))?;
    crate::db::files::create_private_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.part",
        crate::auth::tokens::random_token()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(16)
            .collect::<String>()
    ));
    let result = (|| {
        let mut out = crate::db::files::create_private_file(&tmp, false)?;
        let mut input = File::open(from)?;
        std::io::copy(&mut input, &mut out)?;
        out.flush()?;
        out.sync_all()?;
        drop(out);
        let copied = file_sha256(&tmp)?;
        if copied != sha256 {
            return Err(std::io::Error::other(format!(
                "the replica's copy of {} does not match its hash",
                from.display()
            )));
        }
        std::fs::rename(&tmp, to)?;
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A loose content (already durable at `local`) into the replica.
pub fn copy_loose(mirror: &BlobStore, sha256: &str, local: &Path) -> std::io::Result<()> {
    let to = mirror
        .path(sha256)
        .ok_or_else(|| std::io::Error::other("not a content hash"))?;
    copy_verified(local, &to, sha256)
}

/// A synced pack into the replica (checked against the local file's hash).
pub fn copy_pack(mirror: &BlobStore, name: &str, local: &Path) -> std::io::Result<()> {
    let to = mirror
        .pack_path(name)
        .ok_or_else(|| std::io::Error::other("not a pack name"))?;
    let sha = file_sha256(local)?;
    copy_verified(local, &to, &sha)
}

/// Copies a replica's `blobs/` into a data directory's `attachments/`
/// (restore). Answers the number of files copied.
pub fn copy_back(replica: &Path, attachments: &Path) -> std::io::Result<u64> {
    let mut copied = 0;
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let entries = match std::fs::read_dir(replica.join(&rel)) {
            Ok(entries) => entries,
            Err(err)
                if err.kind() == std::io::ErrorKind::NotFound && rel.as_os_str().is_empty() =>
            {
                return Ok(0);
            }
            Err(err) => return Err(err),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue; // an interrupted copy
            }
            let rel = rel.join(&name);
            if entry.file_type()?.is_dir() {
                stack.push(rel);
                continue;
            }
            let to = attachments.join(&rel);
            if let Some(dir) = to.parent() {
                crate::db::files::create_private_dir_all(dir)?;
            }
            let mut out = crate::db::files::create_private_file(&to, false)?;
            std::io::copy(&mut File::open(entry.path())?, &mut out)?;
            out.sync_all()?;
            copied += 1;
        }
    }
    Ok(copied)
}

/// Every `blobs` row finds its content, and the content hashes to its name.
/// Answers the problems found (empty: all there) and the number checked.
pub fn check(conn: &Connection, store: &BlobStore) -> crate::db::StoreResult<(Vec<String>, u64)> {
    let mut stmt = conn.prepare("SELECT sha256, size, pack, pack_offset FROM blobs")?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, i64>(1)?,
            row.get::<_, Option<String>>(2)?,
            row.get::<_, Option<i64>>(3)?,
        ))
    })?;
    let mut problems = Vec::new();
    let mut checked = 0;
    for row in rows {
        let (sha, size, pack, offset) = row?;
        checked += 1;
        let Some(location) = store.location(&sha, size.max(0) as u64, pack.as_deref(), offset)
        else {
            problems.push(format!("blob {sha}: the row names no valid place"));
            continue;
        };
        match store.read(&location) {
            Ok(bytes) => {
                let got =
                    crate::db::hex(ring::digest::digest(&ring::digest::SHA256, &bytes).as_ref());
                // An erased content in a pack reads as zeros: its row is gone
                // with it, so a row always means real bytes.
                if got != sha {
                    problems.push(format!(
                        "blob {sha}: {} holds other bytes",
                        location.file().display()
                    ));
                }
            }
            Err(err) => problems.push(format!("blob {sha}: {}: {err}", location.file().display())),
        }
    }
    Ok((problems, checked))
}

/// Copies every content already in `attachments/` that the replica lacks
/// (replication turned on for a store with attachments, or a replica
/// directory replaced): run before Litestream starts, so that its first
/// snapshot names nothing the replica lacks. Answers the files copied.
pub fn catch_up(store: &BlobStore) -> std::io::Result<u64> {
    let Some(mirror) = store.mirror() else {
        return Ok(0);
    };
    let mut copied = 0;
    for pack in crate::blobs::pack::list(store)? {
        let Some(name) = pack.file_name().map(|n| n.to_string_lossy().to_string()) else {
            continue;
        };
        if mirror.pack_path(&name).is_some_and(|p| !p.exists()) {
            copy_pack(&mirror, &name, &pack)?;
            copied += 1;
        }
    }
    let mut stack = vec![store.root().to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
            Err(err) => return Err(err),
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            if entry.file_type()?.is_dir() {
                if name != "packs" && name != "tmp" {
                    stack.push(path);
                }
                continue;
            }
            // Loose contents are named by their hash, in ab/cd/.
            if store.path(&name).as_deref() == Some(path.as_path())
                && mirror.path(&name).is_some_and(|p| !p.exists())
            {
                copy_loose(&mirror, &name, &path)?;
                copied += 1;
            }
        }
    }
    Ok(copied)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "zezaro-repl-{name}-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).expect("dir");
        dir
    }

    #[test]
    fn a_synced_pack_is_in_the_replica_before_sync_returns() {
        let data = temp("data");
        let replica = temp("replica").join("blobs");
        BlobStore::set_mirror(&data, Some(&replica)).expect("marker");
        let store = BlobStore::new(&data);
        let mut pack = crate::blobs::pack::PackWriter::new(&store);
        pack.add(&"a".repeat(64), b"raw message one").expect("add");
        pack.add(&"b".repeat(64), b"raw message two").expect("add");
        pack.sync().expect("sync");
        let name = pack.name().to_string();
        let local = store.pack_path(&name).expect("path");
        let copy = BlobStore::at(&replica).pack_path(&name).expect("path");
        assert_eq!(
            std::fs::read(&copy).expect("copied"),
            std::fs::read(&local).expect("local")
        );
        // A content the replica lacks (written before replication) is
        // caught up; one it has is left alone.
        let sha = crate::db::hex(ring::digest::digest(&ring::digest::SHA256, b"x").as_ref());
        let loose = store.path(&sha).expect("path");
        crate::db::files::create_private_dir_all(loose.parent().expect("dir")).expect("dir");
        std::fs::write(&loose, b"x").expect("write");
        assert_eq!(catch_up(&store).expect("catch up"), 1);
        assert_eq!(catch_up(&store).expect("again"), 0);
        BlobStore::set_mirror(&data, None).expect("marker gone");
        assert!(BlobStore::new(&data).mirror().is_none());
        // The restore side: copied back and checked by hash.
        let restored = temp("restored");
        assert_eq!(copy_back(&replica, &restored).expect("copy back"), 2);
        assert_eq!(
            std::fs::read(restored.join(&sha[0..2]).join(&sha[2..4]).join(&sha)).expect("read"),
            b"x"
        );
        for dir in [data, replica, restored] {
            let _ = std::fs::remove_dir_all(dir);
        }
    }

    #[test]
    fn a_copy_that_does_not_match_its_hash_is_refused() {
        let dir = temp("verify");
        let from = dir.join("from");
        std::fs::write(&from, b"content").expect("write");
        let err = copy_verified(&from, &dir.join("to"), &"0".repeat(64)).expect_err("mismatch");
        assert!(err.to_string().contains("does not match"), "{err}");
        assert!(!dir.join("to").exists());
        let _ = std::fs::remove_dir_all(dir);
    }
}
