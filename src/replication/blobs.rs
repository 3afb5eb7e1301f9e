//! Attachments and mail packs in the replica. They live outside the store,
//! so Litestream does not carry them; zezaro copies each one into the
//! replica's `blobs/` directory (same layout as `attachments/`; a directory
//! for the file target, over rclone for sftp and s3: [`super::rclone`]) in
//! the blob store's own write path, before the function that wrote it returns:
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

use super::rclone::Remote;
use crate::blobs::BlobStore;

/// Where a data directory's contents are copied before they are named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mirror {
    /// A file target's `blobs/` directory.
    Dir(PathBuf),
    /// An sftp or s3 target's `blobs/`, through rclone.
    Remote(Remote),
}

impl Mirror {
    /// The replica's blobs for the target of `settings`: a file target's
    /// `blobs/` directory (made now), or the sftp or s3 target's through
    /// rclone, whose config is written into `data_dir` (0600; secrets opened
    /// by `open`).
    pub fn for_target(
        settings: &super::Replication,
        data_dir: &Path,
        open: &dyn Fn(&super::settings::Sealed) -> Result<String, String>,
    ) -> Result<Mirror, String> {
        if let super::Target::File { dir } = &settings.target {
            let blobs = dir.join("blobs");
            crate::db::files::create_private_dir_all(&blobs)
                .map_err(|e| format!("replica directory {}: {e}", dir.display()))?;
            return Ok(Mirror::Dir(blobs));
        }
        let binary = settings
            .rclone
            .clone()
            .ok_or("replication: sftp and s3 targets need rclone")?;
        let known_hosts = data_dir.join(super::rclone::KNOWN_HOSTS_FILE);
        let text = super::rclone::config_text(
            &settings.target,
            open,
            &|secret| super::rclone::obscure(&binary, secret),
            &known_hosts,
        )?
        .ok_or("replication: no rclone config for this target")?;
        let config = data_dir.join(super::rclone::CONFIG_FILE);
        let write = |path: &Path, text: &str| {
            let file = crate::db::files::create_private_file(path, false)
                .and_then(|mut f| f.write_all(text.as_bytes()).map(|()| f))
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            file.sync_all()
                .map_err(|e| format!("cannot write {}: {e}", path.display()))
        };
        write(&config, &text)?;
        if let Some(line) = super::rclone::known_hosts_line(&settings.target) {
            write(&known_hosts, &line)?;
        }
        let root = super::rclone::blobs_root(&settings.target)
            .ok_or("replication: no blob directory for this target")?;
        Ok(Mirror::Remote(Remote {
            binary,
            config,
            root,
        }))
    }

    /// The marker file's line ([`crate::blobs::MIRROR_FILE`]): an absolute
    /// directory, or `rclone`, binary, config and remote root, tab-separated.
    pub fn marker_line(&self) -> String {
        match self {
            Mirror::Dir(dir) => dir.display().to_string(),
            Mirror::Remote(r) => format!(
                "rclone\t{}\t{}\t{}",
                r.binary.display(),
                r.config.display(),
                r.root
            ),
        }
    }

    pub fn parse(line: &str) -> Option<Mirror> {
        let line = line.trim_end_matches(['\n', '\r']);
        match line.split('\t').collect::<Vec<_>>().as_slice() {
            ["rclone", binary, config, root] => Some(Mirror::Remote(Remote {
                binary: PathBuf::from(binary),
                config: PathBuf::from(config),
                root: (*root).to_string(),
            })),
            [dir] => Some(PathBuf::from(dir.trim()))
                .filter(|d| d.is_absolute())
                .map(Mirror::Dir),
            _ => None,
        }
    }

    /// A loose content (already durable at `local`) into the replica.
    pub fn copy_loose(&self, sha256: &str, local: &Path) -> std::io::Result<()> {
        match self {
            Mirror::Dir(dir) => {
                let to = BlobStore::at(dir)
                    .path(sha256)
                    .ok_or_else(|| std::io::Error::other("not a content hash"))?;
                copy_verified(local, &to, sha256)
            }
            Mirror::Remote(remote) => {
                let rel = loose_rel(sha256)?;
                remote.upload(&local_root(local, &rel)?, &[rel], false)
            }
        }
    }

    /// A synced pack into the replica (checked against the local file).
    pub fn copy_pack(&self, name: &str, local: &Path) -> std::io::Result<()> {
        self.put_pack(name, local, false)
    }

    fn put_pack(&self, name: &str, local: &Path, replace: bool) -> std::io::Result<()> {
        if !crate::blobs::pack::valid_name(name) {
            return Err(std::io::Error::other("not a pack name"));
        }
        match self {
            Mirror::Dir(dir) => {
                let to = BlobStore::at(dir)
                    .pack_path(name)
                    .ok_or_else(|| std::io::Error::other("not a pack name"))?;
                let sha = file_sha256(local)?;
                copy_verified(local, &to, &sha)
            }
            Mirror::Remote(remote) => {
                let rel = format!("packs/{name}");
                remote.upload(&local_root(local, &rel)?, &[rel], replace)
            }
        }
    }

    /// An erased loose content leaves the replica too.
    pub fn erase_loose(&self, sha256: &str) -> std::io::Result<()> {
        match self {
            Mirror::Dir(dir) => match BlobStore::at(dir).path(sha256) {
                Some(path) => match std::fs::remove_file(path) {
                    Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(err),
                    _ => Ok(()),
                },
                None => Ok(()),
            },
            Mirror::Remote(remote) => remote.delete(&loose_rel(sha256)?),
        }
    }

    /// After an erasure inside the pack `name` (its range zeroed, or the
    /// pack removed when nothing names it any more) in the local `store`:
    /// the replica's copy goes the same way.
    pub fn pack_erased(
        &self,
        conn: &Connection,
        store: &BlobStore,
        name: &str,
        offset: u64,
        size: u64,
    ) -> std::io::Result<()> {
        match self {
            Mirror::Dir(dir) => {
                crate::blobs::pack::erase_here(conn, &BlobStore::at(dir), name, offset, size)
                    .map(|_| ())
            }
            Mirror::Remote(remote) => match store.pack_path(name) {
                Some(local) if local.exists() => self.put_pack(name, &local, true),
                Some(_) => remote.delete(&format!("packs/{name}")),
                None => Ok(()),
            },
        }
    }

    /// Copies the replica's contents into a data directory's
    /// `attachments/` (restore). Answers the number of files copied.
    pub fn copy_back(&self, attachments: &Path) -> std::io::Result<u64> {
        match self {
            Mirror::Dir(dir) => copy_back(dir, attachments),
            Mirror::Remote(remote) => remote.download_all(attachments),
        }
    }
}

/// A loose content's place below `blobs/`: `ab/cd/<hash>`.
fn loose_rel(sha256: &str) -> std::io::Result<String> {
    BlobStore::at(Path::new("/"))
        .path(sha256)
        .map(|p| p.to_string_lossy().trim_start_matches('/').to_string())
        .ok_or_else(|| std::io::Error::other("not a content hash"))
}

/// The directory `rel` is relative to, for a file at `local`.
fn local_root(local: &Path, rel: &str) -> std::io::Result<PathBuf> {
    let mut root = local;
    for _ in rel.split('/') {
        root = root
            .parent()
            .ok_or_else(|| std::io::Error::other("a content path without its directories"))?;
    }
    Ok(root.to_path_buf())
}

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

/// Copies a replica's `blobs/` directory into a data directory's
/// `attachments/` (restore). Answers the number of files copied.
fn copy_back(replica: &Path, attachments: &Path) -> std::io::Result<u64> {
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
    let local = local_contents(store)?;
    let missing: Vec<String> = match mirror {
        Mirror::Dir(dir) => local
            .into_iter()
            .filter(|rel| !dir.join(rel).exists())
            .collect(),
        Mirror::Remote(remote) => {
            let there = remote.list()?;
            local
                .into_iter()
                .filter(|rel| !there.contains(rel))
                .collect()
        }
    };
    match mirror {
        Mirror::Dir(_) => {
            for rel in &missing {
                let path = store.root().join(rel);
                match rel.strip_prefix("packs/") {
                    Some(name) => mirror.copy_pack(name, &path)?,
                    None => {
                        let sha = rel.rsplit('/').next().unwrap_or_default();
                        mirror.copy_loose(sha, &path)?;
                    }
                }
            }
        }
        // One upload and one read-back for all of them.
        Mirror::Remote(remote) => remote.upload(store.root(), &missing, false)?,
    }
    Ok(missing.len() as u64)
}

/// Every content file of `store`, relative to its root: packs
/// (`packs/<name>`) and loose contents (`ab/cd/<hash>`).
fn local_contents(store: &BlobStore) -> std::io::Result<Vec<String>> {
    let mut found = Vec::new();
    for pack in crate::blobs::pack::list(store)? {
        if let Some(name) = pack.file_name() {
            found.push(format!("packs/{}", name.to_string_lossy()));
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
            if store.path(&name).as_deref() == Some(path.as_path()) {
                found.push(loose_rel(&name)?);
            }
        }
    }
    Ok(found)
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

    /// Debian's rclone (`.ci/test` installs it), with a config whose
    /// remote is a local directory: the same commands as for sftp and s3.
    fn rclone_mirror(replica: &Path, config_dir: &Path) -> Mirror {
        let binary = std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths)
            .map(|d| d.join("rclone"))
            .find(|p| p.is_file())
            .expect("the replication tests need rclone (apt-get install rclone)");
        let config = config_dir.join("rclone.conf");
        std::fs::write(&config, "[replica]\ntype = local\n").expect("config");
        Mirror::Remote(Remote {
            binary,
            config,
            root: format!("replica:{}", replica.display()),
        })
    }

    /// The whole life of a replica's contents, for a directory and for
    /// rclone: a pack and a loose content copied before their writer
    /// returns, catch-up of contents written before replication, erasure,
    /// and the copy back on restore.
    fn replica_lifecycle(mirror_of: impl Fn(&Path, &Path) -> Mirror) {
        let data = temp("data");
        let replica = temp("replica").join("blobs");
        let mirror = mirror_of(&replica, &data);
        BlobStore::set_mirror(&data, Some(&mirror)).expect("marker");
        let store = BlobStore::new(&data);
        assert_eq!(store.mirror(), Some(&mirror), "the marker names it");
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
        let replica_loose = BlobStore::at(&replica).path(&sha).expect("path");
        assert_eq!(std::fs::read(&replica_loose).expect("copied"), b"x");
        // A replica's copy that differs from the local file is found out.
        if let Mirror::Remote(remote) = &mirror {
            std::fs::write(&replica_loose, b"y").expect("tamper");
            let rel = loose_rel(&sha).expect("rel");
            let err = remote
                .upload(store.root(), &[rel], false)
                .expect_err("a different copy");
            assert!(err.to_string().contains("does not match"), "{err}");
            std::fs::write(&replica_loose, b"x").expect("repair");
        }
        // The restore side: copied back and checked by hash.
        let restored = temp("restored");
        assert_eq!(mirror.copy_back(&restored).expect("copy back"), 2);
        assert_eq!(
            std::fs::read(restored.join(&sha[0..2]).join(&sha[2..4]).join(&sha)).expect("read"),
            b"x"
        );
        // Erasure: the loose content leaves the replica.
        mirror.erase_loose(&sha).expect("erase");
        assert!(!replica_loose.exists());
        mirror.erase_loose(&sha).expect("gone already is fine");
        BlobStore::set_mirror(&data, None).expect("marker gone");
        assert!(BlobStore::new(&data).mirror().is_none());
        for dir in [data, replica, restored] {
            let _ = std::fs::remove_dir_all(dir);
        }
    }

    #[test]
    fn a_directory_replica_gets_every_content_before_its_writer_returns() {
        replica_lifecycle(|replica, _| Mirror::Dir(replica.to_path_buf()));
    }

    #[test]
    fn an_rclone_replica_gets_every_content_before_its_writer_returns() {
        replica_lifecycle(rclone_mirror);
    }

    #[test]
    fn the_marker_line_round_trips() {
        let remote = Mirror::Remote(Remote {
            binary: PathBuf::from("/usr/bin/rclone"),
            config: PathBuf::from("/var/lib/zezaro/rclone.conf"),
            root: "replica:/srv/zezaro/blobs".into(),
        });
        assert_eq!(Mirror::parse(&remote.marker_line()), Some(remote));
        let dir = Mirror::Dir(PathBuf::from("/mnt/offsite/blobs"));
        assert_eq!(Mirror::parse(&dir.marker_line()), Some(dir));
        assert_eq!(Mirror::parse("relative/dir"), None);
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
