//! Encrypted backup files: AES-256-GCM (ring) in a chunked streaming format,
//! so archives of any size are written and read with constant memory.
//!
//! ```text
//! header (32 bytes)
//!   0..8    magic "ZZBACKUP"
//!   8       format version = 1
//!   9..12   reserved, zero
//!   12..16  chunk size in bytes, u32 big-endian (plaintext per full chunk)
//!   16..20  nonce prefix, 4 random bytes
//!   20..28  key id: the first 8 bytes of SHA-256 over the key
//!   28..32  reserved, zero
//! chunks, one after the other
//!   u32 big-endian length of the plaintext (≤ chunk size)
//!   ciphertext of that length + 16-byte GCM tag
//! ```
//!
//! Chunk `i` (from 0) is sealed with the nonce `prefix ‖ i as u64 BE` and the
//! additional data `header ‖ last`, where `last` is 1 for the final chunk and
//! 0 for all others. A reordered, dropped, appended or truncated chunk fails
//! to open; a file that ends without a final chunk is truncated. The key id
//! tells a wrong key apart from damage.

use std::io::{self, Read, Write};
use std::path::Path;

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

pub const MAGIC: &[u8; 8] = b"ZZBACKUP";
const VERSION: u8 = 1;
const HEADER_LEN: usize = 32;
const TAG_LEN: usize = 16;
/// Plaintext per chunk.
pub const CHUNK: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum CryptError {
    #[error("backup key file {0}: {1}")]
    KeyFile(String, String),
    #[error("the backup is encrypted with a different key")]
    WrongKey,
    #[error("the encrypted backup is damaged or truncated")]
    Damaged,
    #[error("not an encrypted zezaro backup")]
    NotEncrypted,
}

/// A backup key: 32 random bytes, kept by the admin away from the backups.
#[derive(Clone)]
pub struct BackupKey {
    key: std::sync::Arc<LessSafeKey>,
    id: [u8; 8],
}

impl std::fmt::Debug for BackupKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BackupKey(..)")
    }
}

impl BackupKey {
    /// Reads a key file: 32 raw bytes, or 64 hex digits (surrounding
    /// whitespace ignored), as `head -c 32 /dev/urandom` or
    /// `openssl rand -hex 32` make it.
    pub fn from_file(path: &Path) -> Result<BackupKey, CryptError> {
        let shown = path.display().to_string();
        let bytes =
            std::fs::read(path).map_err(|e| CryptError::KeyFile(shown.clone(), e.to_string()))?;
        BackupKey::from_bytes(&bytes).ok_or_else(|| {
            CryptError::KeyFile(
                shown,
                "expected 32 bytes or 64 hex digits (make one with `openssl rand -hex 32`)".into(),
            )
        })
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<BackupKey> {
        let raw: Vec<u8> = if bytes.len() == 32 {
            bytes.to_vec()
        } else {
            let text = std::str::from_utf8(bytes).ok()?.trim();
            if text.len() != 64 {
                return None;
            }
            (0..32)
                .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok())
                .collect::<Option<Vec<u8>>>()?
        };
        let unbound = UnboundKey::new(&AES_256_GCM, &raw).ok()?;
        let digest = ring::digest::digest(&ring::digest::SHA256, &raw);
        let mut id = [0u8; 8];
        id.copy_from_slice(&digest.as_ref()[..8]);
        Some(BackupKey {
            key: std::sync::Arc::new(LessSafeKey::new(unbound)),
            id,
        })
    }
}

fn nonce(prefix: &[u8; 4], counter: u64) -> Nonce {
    let mut n = [0u8; 12];
    n[..4].copy_from_slice(prefix);
    n[4..].copy_from_slice(&counter.to_be_bytes());
    Nonce::assume_unique_for_key(n)
}

fn aad(header: &[u8; HEADER_LEN], last: bool) -> Vec<u8> {
    let mut a = header.to_vec();
    a.push(u8::from(last));
    a
}

/// Encrypts everything written to it into `inner`; `finish` writes the
/// final chunk and must be called.
pub struct EncryptWriter<W: Write> {
    inner: W,
    key: BackupKey,
    header: [u8; HEADER_LEN],
    prefix: [u8; 4],
    counter: u64,
    buf: Vec<u8>,
}

impl<W: Write> EncryptWriter<W> {
    pub fn new(mut inner: W, key: &BackupKey) -> io::Result<Self> {
        let mut prefix = [0u8; 4];
        SystemRandom::new()
            .fill(&mut prefix)
            .map_err(|_| io::Error::other("no randomness available"))?;
        let mut header = [0u8; HEADER_LEN];
        header[..8].copy_from_slice(MAGIC);
        header[8] = VERSION;
        header[12..16].copy_from_slice(&(CHUNK as u32).to_be_bytes());
        header[16..20].copy_from_slice(&prefix);
        header[20..28].copy_from_slice(&key.id);
        inner.write_all(&header)?;
        Ok(EncryptWriter {
            inner,
            key: key.clone(),
            header,
            prefix,
            counter: 0,
            buf: Vec::with_capacity(CHUNK + TAG_LEN),
        })
    }

    fn seal_chunk(&mut self, last: bool) -> io::Result<()> {
        let len = self.buf.len() as u32;
        self.key
            .key
            .seal_in_place_append_tag(
                nonce(&self.prefix, self.counter),
                Aad::from(aad(&self.header, last)),
                &mut self.buf,
            )
            .map_err(|_| io::Error::other("encryption failed"))?;
        self.counter += 1;
        self.inner.write_all(&len.to_be_bytes())?;
        self.inner.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }

    /// Writes the final chunk; returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.seal_chunk(true)?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for EncryptWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = CHUNK - self.buf.len();
        let take = room.min(data.len());
        self.buf.extend_from_slice(&data[..take]);
        if self.buf.len() == CHUNK {
            self.seal_chunk(false)?;
        }
        Ok(take)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Whether a file starts like an encrypted backup.
pub fn is_encrypted(path: &Path) -> io::Result<bool> {
    let mut head = [0u8; 8];
    let mut file = std::fs::File::open(path)?;
    let mut read = 0;
    while read < 8 {
        match file.read(&mut head[read..])? {
            0 => return Ok(false),
            n => read += n,
        }
    }
    Ok(&head == MAGIC)
}

/// Decrypts an encrypted backup stream; a wrong key or any damage is an
/// error (of kind `InvalidData`, carrying a [`CryptError`]).
pub struct DecryptReader<R: Read> {
    inner: R,
    key: BackupKey,
    header: [u8; HEADER_LEN],
    prefix: [u8; 4],
    chunk: usize,
    counter: u64,
    plain: Vec<u8>,
    pos: usize,
    done: bool,
}

fn invalid(err: CryptError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, err)
}

/// The [`CryptError`] inside an I/O error from [`DecryptReader`], if any.
pub fn crypt_error(err: &io::Error) -> Option<&CryptError> {
    err.get_ref().and_then(|e| e.downcast_ref::<CryptError>())
}

impl<R: Read> DecryptReader<R> {
    pub fn new(mut inner: R, key: &BackupKey) -> Result<Self, CryptError> {
        let mut header = [0u8; HEADER_LEN];
        inner
            .read_exact(&mut header)
            .map_err(|_| CryptError::NotEncrypted)?;
        if &header[..8] != MAGIC || header[8] != VERSION {
            return Err(CryptError::NotEncrypted);
        }
        if header[20..28] != key.id {
            return Err(CryptError::WrongKey);
        }
        let chunk = u32::from_be_bytes([header[12], header[13], header[14], header[15]]) as usize;
        if chunk == 0 || chunk > 64 * 1024 * 1024 {
            return Err(CryptError::Damaged);
        }
        let mut prefix = [0u8; 4];
        prefix.copy_from_slice(&header[16..20]);
        Ok(DecryptReader {
            inner,
            key: key.clone(),
            header,
            prefix,
            chunk,
            counter: 0,
            plain: Vec::new(),
            pos: 0,
            done: false,
        })
    }

    fn next_chunk(&mut self) -> io::Result<()> {
        let mut len = [0u8; 4];
        self.inner
            .read_exact(&mut len)
            .map_err(|_| invalid(CryptError::Damaged))?;
        let len = u32::from_be_bytes(len) as usize;
        if len > self.chunk {
            return Err(invalid(CryptError::Damaged));
        }
        let mut data = vec![0u8; len + TAG_LEN];
        self.inner
            .read_exact(&mut data)
            .map_err(|_| invalid(CryptError::Damaged))?;
        // The writer seals every full chunk as "not last" and ends with a
        // shorter (possibly empty) final chunk.
        let last = len < self.chunk;
        let opened = self
            .key
            .key
            .open_in_place(
                nonce(&self.prefix, self.counter),
                Aad::from(aad(&self.header, last)),
                &mut data,
            )
            .map(|plain| plain.len())
            .ok()
            .map(|n| {
                data.truncate(n);
                (data, last)
            });
        let (plain, last) = opened.ok_or_else(|| invalid(CryptError::Damaged))?;
        self.counter += 1;
        self.plain = plain;
        self.pos = 0;
        if last {
            self.done = true;
            // Nothing may follow the final chunk.
            let mut extra = [0u8; 1];
            if self.inner.read(&mut extra)? != 0 {
                return Err(invalid(CryptError::Damaged));
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for DecryptReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.plain.len() {
            if self.done {
                return Ok(0);
            }
            self.next_chunk()?;
        }
        let n = out.len().min(self.plain.len() - self.pos);
        out[..n].copy_from_slice(&self.plain[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> BackupKey {
        BackupKey::from_bytes(&[byte; 32]).unwrap()
    }

    fn encrypt(data: &[u8], key: &BackupKey) -> Vec<u8> {
        let mut w = EncryptWriter::new(Vec::new(), key).unwrap();
        w.write_all(data).unwrap();
        w.finish().unwrap()
    }

    fn decrypt(data: &[u8], key: &BackupKey) -> io::Result<Vec<u8>> {
        let mut r = DecryptReader::new(data, key).map_err(invalid)?;
        let mut out = Vec::new();
        r.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn round_trips_at_chunk_boundaries() {
        let k = key(7);
        for size in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 2 * CHUNK + 5] {
            let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            let sealed = encrypt(&data, &k);
            assert_eq!(&sealed[..8], MAGIC);
            assert_eq!(decrypt(&sealed, &k).unwrap(), data, "size {size}");
        }
    }

    #[test]
    fn wrong_key_damage_and_truncation_are_refused() {
        let data = vec![42u8; CHUNK + 100];
        let sealed = encrypt(&data, &key(1));
        assert!(matches!(
            DecryptReader::new(&sealed[..], &key(2)),
            Err(CryptError::WrongKey)
        ));
        let mut damaged = sealed.clone();
        damaged[HEADER_LEN + 10] ^= 1;
        let err = decrypt(&damaged, &key(1)).unwrap_err();
        assert!(matches!(crypt_error(&err), Some(CryptError::Damaged)));
        // Cut after the first (full) chunk: no final chunk.
        let cut = &sealed[..HEADER_LEN + 4 + CHUNK + TAG_LEN];
        assert!(decrypt(cut, &key(1)).is_err());
        // Appended bytes.
        let mut longer = sealed.clone();
        longer.push(0);
        assert!(decrypt(&longer, &key(1)).is_err());
        assert!(BackupKey::from_bytes(b"short").is_none());
        let hex = "ab".repeat(32);
        assert!(BackupKey::from_bytes(format!("{hex}\n").as_bytes()).is_some());
    }
}
