//! Numbered SQL migrations from `migrations/`, embedded in the binary and
//! applied at start inside one transaction. A checksum per migration shows a
//! landed migration that was edited afterwards.

use rusqlite::{Connection, OptionalExtension, params};
use rust_embed::RustEmbed;

use super::{StoreError, StoreResult, now};

#[derive(RustEmbed)]
#[folder = "migrations/"]
#[include = "*.sql"]
struct MigrationFiles;

#[derive(Debug, Clone)]
pub struct MigrationReport {
    pub applied: Vec<String>,
    pub version: i64,
}

struct Migration {
    version: i64,
    name: String,
    sql: String,
    checksum: String,
}

fn all() -> StoreResult<Vec<Migration>> {
    let mut list = Vec::new();
    for name in MigrationFiles::iter() {
        let file = MigrationFiles::get(&name)
            .ok_or_else(|| StoreError::Migration(format!("{name} vanished")))?;
        let version = name
            .split('_')
            .next()
            .and_then(|n| n.parse::<i64>().ok())
            .ok_or_else(|| {
                StoreError::Migration(format!("{name}: name must start with a number"))
            })?;
        let sql = String::from_utf8(file.data.into_owned())
            .map_err(|_| StoreError::Migration(format!("{name} is not UTF-8")))?;
        let digest = ring::digest::digest(&ring::digest::SHA256, sql.as_bytes());
        list.push(Migration {
            version,
            name: name.to_string(),
            sql,
            checksum: hex(digest.as_ref()),
        });
    }
    list.sort_by_key(|m| m.version);
    Ok(list)
}

/// Lower-case hex; used for checksums and on every request for token hashes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

pub(super) fn apply(conn: &mut Connection) -> StoreResult<MigrationReport> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             name       TEXT NOT NULL,
             checksum   TEXT NOT NULL,
             applied_at TEXT NOT NULL
         )",
    )?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut applied = Vec::new();
    for migration in all()? {
        let known: Option<String> = tx
            .query_row(
                "SELECT checksum FROM schema_migrations WHERE version = ?1",
                [migration.version],
                |row| row.get(0),
            )
            .optional()?;
        if known.is_some() {
            continue;
        }
        tx.execute_batch(&migration.sql)
            .map_err(|err| StoreError::Migration(format!("{}: {err}", migration.name)))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?1, ?2, ?3, ?4)",
            params![migration.version, migration.name, migration.checksum, now()],
        )?;
        applied.push(migration.name);
    }
    tx.commit()?;
    let version = applied_version(conn)?;
    Ok(MigrationReport { applied, version })
}

pub fn applied_version(conn: &Connection) -> StoreResult<i64> {
    Ok(conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |row| row.get(0),
    )?)
}

/// Problems with the applied migrations: edited after landing, or unknown
/// to this binary (a store from a newer version).
pub(super) fn verify(conn: &Connection) -> StoreResult<Vec<String>> {
    let known = all()?;
    let mut stmt = conn.prepare("SELECT version, name, checksum FROM schema_migrations")?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
        ))
    })?;
    let mut problems = Vec::new();
    for row in rows {
        let (version, name, checksum) = row?;
        match known.iter().find(|m| m.version == version) {
            None => problems.push(format!(
                "migration {name} is unknown to this zezaro version"
            )),
            Some(m) if m.checksum != checksum => {
                problems.push(format!("migration {name} was changed after it was applied"))
            }
            Some(_) => {}
        }
    }
    Ok(problems)
}
