//! Content-addressed file store for attachments (and later raw e-mails):
//! each content is stored once, under `attachments/ab/cd/<sha256>` in the
//! data directory, written to a temporary file and renamed into place, so a
//! crash never leaves a half-written blob under its final name.

use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

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
}

/// A stored content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    pub fn new(data_dir: &Path) -> BlobStore {
        BlobStore {
            root: data_dir.join("attachments"),
        }
    }

    /// Where a content lives.
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
        tokio::fs::create_dir_all(&tmp_dir).await?;
        let tmp_path = tmp_dir.join(format!("{}.part", crate::auth::tokens::random_token()));
        let mut writer = tokio::io::BufWriter::new(tokio::fs::File::create(&tmp_path).await?);
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
            tokio::fs::create_dir_all(&parent).await?;
            tokio::fs::rename(&tmp_path, &target).await?;
            // The rename itself must reach the disk before the row does.
            tokio::fs::File::open(&parent).await?.sync_all().await?;
        }
        Ok(Stored {
            sha256,
            size: size as u64,
        })
    }
}
