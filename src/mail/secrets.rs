//! Secrets at rest (mailbox passwords): AES-256-GCM from ring with a key kept
//! in the data directory (`secret.key`, mode 0600). The key is never stored
//! in the database, so a copy of the store alone reveals no password; backups
//! leave the key out on purpose (the admin keeps it with the backup key).

use std::io::Write;
use std::path::{Path, PathBuf};

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

/// File name of the key inside the data directory.
pub const KEY_FILE: &str = "secret.key";
const KEY_LEN: usize = 32;
/// First byte of every sealed value, so the format can change later.
const FORMAT_V1: u8 = 1;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("secret key {path}: {source}")]
    KeyFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("secret key {0} has the wrong length (expected 32 bytes)")]
    KeyLength(PathBuf),
    #[error("a sealed secret could not be opened (wrong key or damaged value)")]
    Open,
    #[error("no randomness available")]
    Random,
}

/// Seals and opens short secrets. Cheap to clone.
#[derive(Clone)]
pub struct Sealer {
    key: std::sync::Arc<LessSafeKey>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Sealer {
    /// Loads the key from `data_dir/secret.key`, creating it on first use.
    pub fn load_or_create(data_dir: &Path) -> Result<Sealer, SecretError> {
        let path = data_dir.join(KEY_FILE);
        let io = |source| SecretError::KeyFile {
            path: path.clone(),
            source,
        };
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; KEY_LEN];
                SystemRandom::new()
                    .fill(&mut key)
                    .map_err(|_| SecretError::Random)?;
                write_new_key(&path, &key).map_err(io)?;
                // Another process may have won the race; whatever is on disk
                // now is the key.
                std::fs::read(&path).map_err(io)?
            }
            Err(err) => return Err(io(err)),
        };
        Sealer::from_key(&bytes).ok_or(SecretError::KeyLength(path))
    }

    pub fn from_key(bytes: &[u8]) -> Option<Sealer> {
        if bytes.len() != KEY_LEN {
            return None;
        }
        let key = UnboundKey::new(&AES_256_GCM, bytes).ok()?;
        Some(Sealer {
            key: std::sync::Arc::new(LessSafeKey::new(key)),
        })
    }

    /// Seals `plain`; `context` (e.g. "mailbox-imap") binds the value to its
    /// use, so a sealed value copied into another column does not open.
    pub fn seal(&self, context: &str, plain: &str) -> Result<Vec<u8>, SecretError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| SecretError::Random)?;
        let mut data = plain.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut data,
            )
            .map_err(|_| SecretError::Random)?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + data.len());
        out.push(FORMAT_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&data);
        Ok(out)
    }

    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<String, SecretError> {
        if sealed.len() < 1 + NONCE_LEN || sealed[0] != FORMAT_V1 {
            return Err(SecretError::Open);
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&sealed[1..1 + NONCE_LEN]);
        let mut data = sealed[1 + NONCE_LEN..].to_vec();
        let plain = self
            .key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut data,
            )
            .map_err(|_| SecretError::Open)?;
        String::from_utf8(plain.to_vec()).map_err(|_| SecretError::Open)
    }
}

/// Writes a new key file readable by the owner only, without replacing one
/// that another process created meanwhile.
fn write_new_key(path: &Path, key: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(key)?;
            file.sync_all()
        }
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_within_context_only() {
        let dir = tempfile::tempdir().unwrap();
        let sealer = Sealer::load_or_create(dir.path()).unwrap();
        let sealed = sealer.seal("mailbox-imap", "s3cret").unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"s3cret"));
        assert_eq!(sealer.open("mailbox-imap", &sealed).unwrap(), "s3cret");
        assert!(sealer.open("mailbox-smtp", &sealed).is_err());
        // The same key is read back on the next start.
        let again = Sealer::load_or_create(dir.path()).unwrap();
        assert_eq!(again.open("mailbox-imap", &sealed).unwrap(), "s3cret");
        let mut damaged = sealed.clone();
        let last = damaged.len() - 1;
        damaged[last] ^= 1;
        assert!(again.open("mailbox-imap", &damaged).is_err());
    }
}
