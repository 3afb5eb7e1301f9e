//! Content-addressed store for attachments and raw e-mails: each content
//! is stored once and named by its SHA-256 in the `blobs` table.
//!
//! - Loose blobs (uploads) live under `attachments/ab/cd/<sha256>` in the
//!   data directory, written to a temporary file and renamed into place, so
//!   a crash never leaves a half-written blob under its final name.
//! - Packed blobs (mail ingestion, many contents at once) live in
//!   `attachments/packs/<name>.pack`, one file per batch ([`pack`]); the
//!   row names the pack and the offset. A pack is synced before any row
//!   naming it is committed.
//!
//! Readers find a content through [`store::locate`] and read it with
//! [`BlobStore::open`] / [`BlobStore::read`], whatever its kind.

pub mod pack;
pub mod store;

use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::replication::blobs::Mirror;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("the file is larger than {0} bytes")]
    TooLarge(usize),
    #[error("the upload is empty")]
    Empty,
    #[error("upload interrupted: {0}")]
    Interrupted(String),
    #[error("cannot store the file: {0}")]
    Io(#[from] std::io::Error),
    /// Under replication the content must reach the replica before a row
    /// may name it; it did not, so nothing is stored.
    #[error("the file could not be copied to the replica: {0}")]
    Replica(String),
}

/// A stored content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub sha256: String,
    pub size: u64,
    /// Where in a pack, for a packed content; `None` for a loose file.
    pub pack: Option<PackRef>,
}

/// A content's place in a pack file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackRef {
    /// The pack's file name in `attachments/packs/`.
    pub pack: String,
    pub offset: u64,
}

/// Where a content's bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Loose(PathBuf),
    Packed {
        path: PathBuf,
        offset: u64,
        size: u64,
    },
}

impl Location {
    /// The file holding the content (a pack holds others too).
    pub fn file(&self) -> &Path {
        match self {
            Location::Loose(path) => path,
            Location::Packed { path, .. } => path,
        }
    }
}

#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
    /// Under replication (replication/blobs.rs): the replica's `blobs/`
    /// (a directory, or over rclone), same layout, where every content is
    /// copied before a row can name it.
    mirror: Option<Mirror>,
}

/// In the data directory under replication: where the replica's blobs are
/// (one line, [`Mirror::marker_line`]), written by `serve` at each start
/// ([`BlobStore::set_mirror`]),
/// so that every `BlobStore` of that data directory, wherever it is built,
/// copies to it. State in the data directory, not in the process.
pub const MIRROR_FILE: &str = "replica-blobs";

impl BlobStore {
    pub fn new(data_dir: &Path) -> BlobStore {
        let mirror = std::fs::read_to_string(data_dir.join(MIRROR_FILE))
            .ok()
            .and_then(|line| Mirror::parse(&line));
        BlobStore {
            root: data_dir.join("attachments"),
            mirror,
        }
    }

    /// Copies every content of `data_dir` from now on to `mirror` (a
    /// replica's `blobs/`) before it is named; `None` stops that.
    pub fn set_mirror(data_dir: &Path, mirror: Option<&Mirror>) -> std::io::Result<()> {
        let marker = data_dir.join(MIRROR_FILE);
        match mirror {
            Some(mirror) => {
                use std::io::Write;
                let mut file = crate::db::files::create_private_file(&marker, false)?;
                writeln!(file, "{}", mirror.marker_line())?;
                file.sync_all()
            }
            None => match std::fs::remove_file(&marker) {
                Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(err),
                _ => Ok(()),
            },
        }
    }

    /// A blob store rooted at `dir` (a replica's `blobs/`), no mirror.
    pub fn at(dir: &Path) -> BlobStore {
        BlobStore {
            root: dir.to_path_buf(),
            mirror: None,
        }
    }

    /// The replica's copy of this store, under replication.
    pub fn mirror(&self) -> Option<&Mirror> {
        self.mirror.as_ref()
    }

    /// The directory of the loose contents (and `packs/`).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where packs live.
    pub fn packs_dir(&self) -> PathBuf {
        self.root.join("packs")
    }

    /// The file of a pack named `name` (`None` for a name that is not a
    /// plain pack file name: names come from the store, not from users,
    /// but a path is never built from an unchecked one).
    pub fn pack_path(&self, name: &str) -> Option<PathBuf> {
        pack::valid_name(name).then(|| self.packs_dir().join(name))
    }

    /// Where a content with this row lives: `pack` and `offset` as the
    /// `blobs` row has them.
    pub fn location(
        &self,
        sha256: &str,
        size: u64,
        pack: Option<&str>,
        offset: Option<i64>,
    ) -> Option<Location> {
        match (pack, offset) {
            (Some(name), Some(offset)) if offset >= 0 => Some(Location::Packed {
                path: self.pack_path(name)?,
                offset: offset as u64,
                size,
            }),
            (Some(_), _) => None,
            (None, _) => self.path(sha256).map(Location::Loose),
        }
    }

    /// Opens a content for reading: the file positioned at its start and
    /// the number of bytes to read (`Read::take` them).
    pub fn open(&self, location: &Location) -> std::io::Result<(std::fs::File, u64)> {
        use std::io::{Seek, SeekFrom};
        match location {
            Location::Loose(path) => {
                let file = std::fs::File::open(path)?;
                let size = file.metadata()?.len();
                Ok((file, size))
            }
            Location::Packed { path, offset, size } => {
                let mut file = std::fs::File::open(path)?;
                if file.metadata()?.len() < offset + size {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        format!("{} is shorter than its contents", path.display()),
                    ));
                }
                file.seek(SeekFrom::Start(*offset))?;
                Ok((file, *size))
            }
        }
    }

    /// A whole content in memory (mail attachments, raw messages).
    pub fn read(&self, location: &Location) -> std::io::Result<Vec<u8>> {
        use std::io::Read;
        let (file, size) = self.open(location)?;
        let mut bytes = Vec::with_capacity(size as usize);
        file.take(size).read_to_end(&mut bytes)?;
        if bytes.len() as u64 != size {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the content is shorter than recorded",
            ));
        }
        Ok(bytes)
    }

    /// Where a content lives as a loose file.
    pub fn path(&self, sha256: &str) -> Option<PathBuf> {
        let valid = sha256.len() == 64
            && sha256
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
        valid.then(|| {
            self.root
                .join(&sha256[0..2])
                .join(&sha256[2..4])
                .join(sha256)
        })
    }

    /// Streams an upload to disk, hashing as it goes; at most `limit` bytes.
    pub async fn store_stream<S, E>(&self, mut body: S, limit: usize) -> Result<Stored, BlobError>
    where
        S: futures_util::Stream<Item = Result<actix_web::web::Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let tmp_dir = self.root.join("tmp");
        crate::db::files::create_private_dir_all_async(&tmp_dir).await?;
        let tmp_path = tmp_dir.join(format!("{}.part", crate::auth::tokens::random_token()));
        let mut writer = tokio::io::BufWriter::new(
            crate::db::files::create_private_file_async(&tmp_path).await?,
        );
        let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
        let mut size = 0usize;
        let result: Result<(), BlobError> = async {
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| BlobError::Interrupted(e.to_string()))?;
                size += chunk.len();
                if size > limit {
                    return Err(BlobError::TooLarge(limit));
                }
                digest.update(&chunk);
                writer.write_all(&chunk).await?;
            }
            if size == 0 {
                return Err(BlobError::Empty);
            }
            writer.flush().await?;
            writer.get_ref().sync_all().await?;
            Ok(())
        }
        .await;
        drop(writer);
        if let Err(err) = result {
            let _ = tokio::fs::remove_file(&tmp_path).await;
            return Err(err);
        }
        let sha256 = crate::db::hex(digest.finish().as_ref());
        let target = self
            .path(&sha256)
            .ok_or_else(|| BlobError::Interrupted("bad digest".into()))?;
        if tokio::fs::try_exists(&target).await? {
            // Stored before: keep the one copy.
            tokio::fs::remove_file(&tmp_path).await?;
        } else {
            let parent = target.parent().map(Path::to_path_buf).unwrap_or_default();
            crate::db::files::create_private_dir_all_async(&parent).await?;
            tokio::fs::rename(&tmp_path, &target).await?;
            // The rename itself must reach the disk before the row does.
            tokio::fs::File::open(&parent).await?.sync_all().await?;
        }
        if let Some(mirror) = self.mirror().cloned() {
            // Before the caller commits a row naming it (replication/blobs.rs).
            let local = target.clone();
            let sha = sha256.clone();
            tokio::task::spawn_blocking(move || mirror.copy_loose(&sha, &local))
                .await
                .map_err(|e| BlobError::Interrupted(e.to_string()))?
                .map_err(|e| BlobError::Replica(e.to_string()))?;
        }
        Ok(Stored {
            sha256,
            size: size as u64,
            pack: None,
        })
    }
}

impl crate::problem::Problem for BlobError {
    fn problem(&self) -> crate::problem::Answer {
        use crate::problem::Answer;
        match self {
            BlobError::TooLarge(_) => Answer::new(413, "payload-too-large", self),
            BlobError::Empty => Answer::unprocessable("validation", self).field("body"),
            BlobError::Interrupted(_) => Answer::new(400, "malformed-body", self),
            BlobError::Io(io) => Answer::internal("the file could not be stored", io),
            BlobError::Replica(err) => {
                tracing::error!(error = %err, "an upload did not reach the replica");
                Answer::new(
                    503,
                    "replica-unavailable",
                    "the file could not be copied to the off-site replica; try again later",
                )
            }
        }
    }
}
