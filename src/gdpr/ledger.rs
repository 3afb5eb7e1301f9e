//! The erasure ledger: one JSON line per erasure in `data_dir/erasures.ledger`
//! (and a copy in the backup directory), outside the store, so that it
//! survives `zezaro restore`. A restore re-applies every erasure newer than
//! the backup ([`super::erase::replay`]), which would otherwise bring the
//! erased people back silently.
//!
//! A line names the erasure (`uuid`, time, client, contact ids, mode) and
//! holds salted SHA-256 hashes of the person's identifiers (e-mail
//! addresses, phone digits) — enough to recognise them again, never the
//! data itself. The same record is in `gdpr_erasures`; [`Ledger::sync`]
//! writes lines the store has and the file lacks (a crash between the
//! commit and the append).

use crate::ids::{ClientId, ContactId};
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::model::Mode;
use crate::db::StoreResult;

/// File name of the ledger, in the data directory and the backup directory.
pub const LEDGER_FILE: &str = "erasures.ledger";

/// One erasure as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub uuid: String,
    /// When the erasure was committed (RFC 3339, UTC).
    pub at: String,
    pub client_id: ClientId,
    /// Every contact the erasure removed (the contact and those merged into it).
    pub contact_ids: Vec<ContactId>,
    pub mode: Mode,
    /// Hex salt of this entry's hashes.
    pub salt: String,
    /// Salted hashes of the person's identifiers ([`identifier_hash`]).
    pub identifiers: Vec<String>,
}

/// The salted hash of an e-mail address (`email`) or phone digits (`phone`),
/// normalised (trimmed, lower case; digits only).
pub fn identifier_hash(salt: &str, kind: &str, value: &str) -> String {
    let normal: String = match kind {
        "phone" => value.chars().filter(char::is_ascii_digit).collect(),
        _ => value.trim().to_lowercase(),
    };
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for part in [salt, "\n", kind, "\n", &normal] {
        ctx.update(part.as_bytes());
    }
    crate::db::hex(ctx.finish().as_ref())
}

/// The hashes of these addresses and phone digits under `salt`.
pub fn identifiers(salt: &str, emails: &[String], phones: &[String]) -> Vec<String> {
    let mut out: Vec<String> = emails
        .iter()
        .map(|e| identifier_hash(salt, "email", e))
        .chain(phones.iter().map(|p| identifier_hash(salt, "phone", p)))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Where the ledger is kept: the data directory and, when it can be
/// written, the backup directory (so that a restore onto a new machine
/// finds it next to the archives).
#[derive(Debug, Clone)]
pub struct Ledger {
    files: Vec<PathBuf>,
}

impl Ledger {
    pub fn new(data_dir: &Path, backup_dir: &Path) -> Ledger {
        let mut files = vec![data_dir.join(LEDGER_FILE)];
        let mirror = backup_dir.join(LEDGER_FILE);
        if !files.contains(&mirror) {
            files.push(mirror);
        }
        Ledger { files }
    }

    /// Also reads (and writes) the copy in `dir`.
    pub fn with_dir(mut self, dir: &Path) -> Ledger {
        let file = dir.join(LEDGER_FILE);
        if !self.files.contains(&file) {
            self.files.push(file);
        }
        self
    }

    /// Appends the entry to every copy (each line written and synced
    /// whole). The data directory's copy must succeed; a failing mirror is
    /// logged.
    pub fn append(&self, entry: &Entry) -> std::io::Result<()> {
        let line = serde_json::to_string(entry).map_err(std::io::Error::other)?;
        for (i, file) in self.files.iter().enumerate() {
            let result = append_line(file, &line);
            match result {
                Ok(()) => {}
                Err(err) if i == 0 => return Err(err),
                Err(err) => tracing::warn!(
                    file = %file.display(), error = %err,
                    "cannot write the copy of the erasure ledger"
                ),
            }
        }
        Ok(())
    }

    /// Every entry of every copy, each once.
    pub fn entries(&self) -> Vec<Entry> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for file in &self.files {
            for entry in read(file) {
                if seen.insert(entry.uuid.clone()) {
                    out.push(entry);
                }
            }
        }
        out.sort_by(|a, b| a.at.cmp(&b.at).then(a.uuid.cmp(&b.uuid)));
        out
    }

    /// Writes the store's erasures that the ledger lacks (run at start).
    pub fn sync(&self, conn: &Connection) -> StoreResult<usize> {
        let known: HashSet<String> = self.entries().into_iter().map(|e| e.uuid).collect();
        let missing: Vec<Entry> = stored_entries(conn)?
            .into_iter()
            .filter(|e| !known.contains(&e.uuid))
            .collect();
        for entry in &missing {
            if let Err(err) = self.append(entry) {
                tracing::error!(error = %err, "cannot write the erasure ledger");
                return Ok(0);
            }
        }
        Ok(missing.len())
    }
}

/// The ledger entries of the store's own erasure records (replayed ones
/// included: a restore of an older backup must replay them too).
fn stored_entries(conn: &Connection) -> StoreResult<Vec<Entry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT uuid, at, client_id, contact_ids, mode, salt, identifiers
         FROM gdpr_erasures WHERE uuid IS NOT NULL ORDER BY id",
    )?;
    let rows = stmt.query_map([], |row| {
        let contact_ids: String = row.get(3)?;
        let identifiers: String = row.get(6)?;
        Ok(Entry {
            uuid: row.get(0)?,
            at: row.get(1)?,
            client_id: row.get(2)?,
            contact_ids: serde_json::from_str(&contact_ids).unwrap_or_default(),
            mode: row.get(4)?,
            salt: row.get(5)?,
            identifiers: serde_json::from_str(&identifiers).unwrap_or_default(),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn append_line(file: &Path, line: &str) -> std::io::Result<()> {
    if let Some(dir) = file.parent() {
        crate::db::files::create_private_dir_all(dir)?;
    }
    crate::db::files::ensure_private_file(file)?;
    let mut out = std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .open(file)?;
    // A torn last line (a crash mid-append) is ended first, so that it
    // cannot swallow this one.
    let len = out.metadata()?.len();
    let mut line = format!("{line}\n");
    if len > 0 {
        use std::io::{Read, Seek, SeekFrom};
        let mut last = [0u8; 1];
        out.seek(SeekFrom::Start(len - 1))?;
        out.read_exact(&mut last)?;
        if last[0] != b'\n' {
            line.insert(0, '\n');
        }
    }
    // One write of the whole line: a crash leaves at most a torn last
    // line, which reading skips.
    out.write_all(line.as_bytes())?;
    out.sync_all()
}

/// The entries of one file; unreadable lines (a torn last line) are skipped.
fn read(file: &Path) -> Vec<Entry> {
    let Ok(text) = std::fs::read_to_string(file) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_normalised_salted_and_never_the_value() {
        let a = identifier_hash("s1", "email", " Quirin@Example.ORG ");
        assert_eq!(a, identifier_hash("s1", "email", "quirin@example.org"));
        assert_ne!(a, identifier_hash("s2", "email", "quirin@example.org"));
        assert_eq!(
            identifier_hash("s1", "phone", "+49 171 999"),
            identifier_hash("s1", "phone", "49171999")
        );
        assert!(!a.contains("quirin"));
    }

    #[test]
    fn entries_survive_a_torn_line_and_are_read_from_every_copy_once() {
        let dir = tempfile::tempdir().expect("dir");
        let ledger = Ledger::new(&dir.path().join("data"), &dir.path().join("backups"));
        let entry = |uuid: &str, at: &str| Entry {
            uuid: uuid.into(),
            at: at.into(),
            client_id: ClientId(1),
            contact_ids: vec![ContactId(7)],
            mode: Mode::Delete,
            salt: "00".into(),
            identifiers: identifiers("00", &["a@b.example".into()], &[]),
        };
        ledger
            .append(&entry("u2", "2026-02-01T00:00:00.000Z"))
            .expect("append");
        ledger
            .append(&entry("u1", "2026-01-01T00:00:00.000Z"))
            .expect("append");
        let main = dir.path().join("data").join(LEDGER_FILE);
        let mut torn = std::fs::OpenOptions::new()
            .append(true)
            .open(&main)
            .expect("open");
        torn.write_all(b"{\"uuid\":\"u3\",\"at").expect("torn");
        let uuids: Vec<String> = ledger.entries().into_iter().map(|e| e.uuid).collect();
        assert_eq!(uuids, ["u1", "u2"]);
        // The next entry after a torn line is read whole.
        ledger
            .append(&entry("u4", "2026-03-01T00:00:00.000Z"))
            .expect("append");
        assert_eq!(ledger.entries().len(), 3);
        // The copy alone (a new machine) has them too.
        std::fs::remove_file(&main).expect("rm");
        assert_eq!(ledger.entries().len(), 3);
    }
}
