//! Pack files: the contents of one ingested mail batch (raw messages and
//! their parts) written one after another into a single file under
//! `attachments/packs/`, then made durable with one `fdatasync` and one
//! directory sync. One file per content costs a create, a rename and two
//! syncs each, which was most of the time of filing a message.
//!
//! A pack is written once and never appended to after its sync. Rows that
//! name it (`blobs.pack`, `blobs.pack_offset`) are committed only after the
//! sync; a pack no row names (a crash between the sync and the commit) is
//! removed at the next start ([`remove_orphans`]). Erasing one content
//! deallocates its range ([`erase_range`]); the file goes with its last
//! content.

use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use rusqlite::Connection;

use super::{BlobStore, PackRef};
use crate::db::StoreResult;

/// A pack being written.
pub struct PackWriter {
    dir: PathBuf,
    /// Under replication: the replica's blob store, where the pack is
    /// copied by [`PackWriter::sync`].
    mirror: Option<crate::replication::blobs::Mirror>,
    name: String,
    file: Option<File>,
    /// The packs directory was created by this writer (its own name in
    /// `attachments/` must be synced too).
    made_dir: bool,
    len: u64,
    /// Contents already in this pack, by hash: written once.
    placed: HashMap<String, u64>,
}

impl PackWriter {
    pub fn new(store: &BlobStore) -> PackWriter {
        let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
        let token: String = crate::auth::tokens::random_token()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(12)
            .collect();
        PackWriter {
            dir: store.packs_dir(),
            mirror: store.mirror().cloned(),
            name: format!("{stamp}-{token}.pack"),
            file: None,
            made_dir: false,
            len: 0,
            placed: HashMap::new(),
        }
    }

    /// The pack's file name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Nothing was written.
    pub fn is_empty(&self) -> bool {
        self.file.is_none()
    }

    /// Appends a content (once per hash); answers where it is.
    pub fn add(&mut self, sha256: &str, bytes: &[u8]) -> std::io::Result<PackRef> {
        if let Some(&offset) = self.placed.get(sha256) {
            return Ok(self.place(offset));
        }
        let file = match &mut self.file {
            Some(file) => file,
            None => {
                if !self.dir.exists() {
                    crate::db::files::create_private_dir_all(&self.dir)?;
                    self.made_dir = true;
                }
                self.file.insert(crate::db::files::create_private_file(
                    &self.dir.join(&self.name),
                    true,
                )?)
            }
        };
        file.write_all(bytes)?;
        let offset = self.len;
        self.len += bytes.len() as u64;
        self.placed.insert(sha256.to_string(), offset);
        Ok(self.place(offset))
    }

    fn place(&self, offset: u64) -> PackRef {
        PackRef {
            pack: self.name.clone(),
            offset,
        }
    }

    /// Makes the pack durable: its data, then its name in the directory
    /// (and the directory's own name, if it was made now).
    pub fn sync(&mut self) -> std::io::Result<()> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        file.sync_data()?;
        File::open(&self.dir)?.sync_all()?;
        if self.made_dir
            && let Some(parent) = self.dir.parent()
        {
            File::open(parent)?.sync_all()?;
            self.made_dir = false;
        }
        if let Some(mirror) = &self.mirror {
            // Durable in the replica before any row names it.
            mirror.copy_pack(&self.name, &self.dir.join(&self.name))?;
        }
        Ok(())
    }

    /// Removes the pack: nothing committed names it (the filing failed).
    pub fn discard(mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(self.dir.join(&self.name));
        }
    }
}

/// A pack file name as [`PackWriter`] makes them: no path separators, no
/// dots but the extension's.
pub fn valid_name(name: &str) -> bool {
    name.len() <= 80
        && name.strip_suffix(".pack").is_some_and(|stem| {
            !stem.is_empty()
                && stem
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// Whether a row names this pack.
pub fn is_named(conn: &Connection, name: &str) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM blobs WHERE pack = ?1)")?
        .query_row([name], |row| row.get(0))?)
}

/// Removes packs no row names: left by a crash between a pack's sync and
/// its batch's commit. Only at start-up, before anything ingests (a pack
/// being filed is not named yet). Answers the removed files.
pub fn remove_orphans(conn: &Connection, store: &BlobStore) -> std::io::Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for path in list(store)? {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if is_named(conn, &name).map_err(std::io::Error::other)? {
            continue;
        }
        if std::fs::remove_file(&path).is_ok() {
            removed.push(path);
        }
    }
    Ok(removed)
}

/// Deallocates the bytes of one erased content inside a pack (the file
/// keeps its size; the range reads as zeros), or removes the pack when no
/// row names it any more. Answers whether anything was freed.
pub fn erase_range(
    conn: &Connection,
    store: &BlobStore,
    name: &str,
    offset: u64,
    size: u64,
) -> std::io::Result<bool> {
    let freed = erase_here(conn, store, name, offset, size)?;
    if let Some(mirror) = store.mirror() {
        // The replica's copy goes the same way (GDPR erasure), after the
        // local one: an rclone replica gets the erased pack uploaded again.
        if let Err(err) = mirror.pack_erased(conn, store, name, offset, size) {
            tracing::error!(pack = %name, error = %err, "cannot erase a packed content in the replica");
        }
    }
    Ok(freed)
}

/// [`erase_range`] in `store` alone (not its mirror).
pub(crate) fn erase_here(
    conn: &Connection,
    store: &BlobStore,
    name: &str,
    offset: u64,
    size: u64,
) -> std::io::Result<bool> {
    let Some(path) = store.pack_path(name) else {
        return Ok(false);
    };
    if !is_named(conn, name).unwrap_or(true) {
        return match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(err) => Err(err),
        };
    }
    let file = match std::fs::OpenOptions::new().write(true).open(&path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(err) => return Err(err),
    };
    punch_hole(&file, offset, size)?;
    file.sync_data()?;
    Ok(true)
}

/// Frees a byte range of a file; where the file system cannot, overwrites
/// it with zeros. Either way the content is gone from the file.
#[allow(unsafe_code)]
fn punch_hole(file: &File, offset: u64, size: u64) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: a valid open descriptor; the call only changes the file.
        let done = unsafe {
            libc::fallocate(
                file.as_raw_fd(),
                libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE,
                offset as libc::off_t,
                size as libc::off_t,
            )
        };
        if done == 0 {
            return Ok(());
        }
    }
    zero_range(file, offset, size)
}

fn zero_range(file: &File, offset: u64, size: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    let zeros = vec![0u8; 64 * 1024];
    let mut done = 0u64;
    while done < size {
        let n = (size - done).min(zeros.len() as u64) as usize;
        file.write_all_at(&zeros[..n], offset + done)?;
        done += n as u64;
    }
    Ok(())
}

/// The pack files under a data directory's attachments (for backups).
pub fn list(store: &BlobStore) -> std::io::Result<Vec<PathBuf>> {
    let mut packs = Vec::new();
    match std::fs::read_dir(store.packs_dir()) {
        Ok(entries) => {
            for entry in entries {
                let entry = entry?;
                if valid_name(&entry.file_name().to_string_lossy()) {
                    packs.push(entry.path());
                }
            }
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(err),
    }
    packs.sort();
    Ok(packs)
}

/// Whether `path` is inside the packs directory of `root` (`attachments/`).
pub fn is_pack_path(root: &Path, path: &Path) -> bool {
    path.parent() == Some(&root.join("packs"))
        && path
            .file_name()
            .is_some_and(|n| valid_name(&n.to_string_lossy()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha(bytes: &[u8]) -> String {
        crate::db::hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
    }

    #[test]
    fn contents_are_read_back_from_their_place() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path());
        let mut pack = PackWriter::new(&store);
        assert!(pack.is_empty());
        assert!(valid_name(pack.name()), "{}", pack.name());
        let a = b"first content".to_vec();
        let b = vec![7u8; 100_000];
        let at_a = pack.add(&sha(&a), &a).unwrap();
        let at_b = pack.add(&sha(&b), &b).unwrap();
        // The same content again is not written twice.
        assert_eq!(pack.add(&sha(&a), &a).unwrap(), at_a);
        pack.sync().unwrap();
        let len = std::fs::metadata(store.packs_dir().join(pack.name()))
            .unwrap()
            .len();
        assert_eq!(len, (a.len() + b.len()) as u64);
        for (bytes, at) in [(&a, &at_a), (&b, &at_b)] {
            let location = store
                .location(
                    &sha(bytes),
                    bytes.len() as u64,
                    Some(&at.pack),
                    Some(at.offset as i64),
                )
                .unwrap();
            assert_eq!(&store.read(&location).unwrap(), bytes);
        }
        // A range beyond the end is an error, not a short read.
        let beyond = store
            .location(
                &sha(&b),
                200_000,
                Some(&at_b.pack),
                Some(at_b.offset as i64),
            )
            .unwrap();
        assert!(store.read(&beyond).is_err());
    }

    #[test]
    fn names_are_checked() {
        assert!(valid_name("20261127-171000-abcDEF123456.pack"));
        for bad in [
            "../x.pack",
            "x.pack/..",
            ".pack",
            "a.b.pack",
            "x.pak",
            "a/b.pack",
        ] {
            assert!(!valid_name(bad), "{bad}");
        }
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path());
        assert!(
            store
                .location("x", 1, Some("../../etc/passwd"), Some(0))
                .is_none()
        );
    }

    #[test]
    fn erased_ranges_read_as_zeros_and_discarded_packs_go() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path());
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE blobs (sha256 TEXT, pack TEXT);")
            .unwrap();
        let mut pack = PackWriter::new(&store);
        let secret = b"personal data of a customer".to_vec();
        let other = b"another message".to_vec();
        let at = pack.add(&sha(&secret), &secret).unwrap();
        pack.add(&sha(&other), &other).unwrap();
        pack.sync().unwrap();
        let name = pack.name().to_string();
        conn.execute("INSERT INTO blobs VALUES ('o', ?1)", [&name])
            .unwrap();
        assert!(erase_range(&conn, &store, &name, at.offset, secret.len() as u64).unwrap());
        let bytes = std::fs::read(store.packs_dir().join(&name)).unwrap();
        assert!(bytes[..secret.len()].iter().all(|&b| b == 0));
        assert_eq!(&bytes[secret.len()..], &other[..]);
        // The last row gone: the pack goes.
        conn.execute("DELETE FROM blobs", []).unwrap();
        assert!(erase_range(&conn, &store, &name, 0, 1).unwrap());
        assert!(!store.packs_dir().join(&name).exists());
        // Orphans (no row) are removed at start; named packs are kept.
        let mut orphan = PackWriter::new(&store);
        orphan.add("x", b"lost").unwrap();
        orphan.sync().unwrap();
        let mut kept = PackWriter::new(&store);
        kept.add("y", b"kept").unwrap();
        kept.sync().unwrap();
        conn.execute("INSERT INTO blobs VALUES ('y', ?1)", [kept.name()])
            .unwrap();
        let removed = remove_orphans(&conn, &store).unwrap();
        assert_eq!(removed, vec![store.packs_dir().join(orphan.name())]);
        assert!(store.packs_dir().join(kept.name()).exists());
        let mut discarded = PackWriter::new(&store);
        discarded.add("z", b"never filed").unwrap();
        let path = store.packs_dir().join(discarded.name());
        assert!(path.exists());
        discarded.discard();
        assert!(!path.exists());
    }
}
