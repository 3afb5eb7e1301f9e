//! Art. 17 erasure: a contact and their cases' personal data are removed —
//! anonymized (cases stay, countable) or deleted; the raw e-mails of those
//! cases (`mail_inbound` and their blobs) go in both modes. Contents no
//! longer named by any row are deleted from disk after the commit (a loose
//! file is removed; a range in a pack is deallocated, the pack removed with
//! its last content). What remains is a
//! record that it happened (`gdpr_erasures`, audit `contact.erase`): who,
//! when, which contact id, which mode — never the data.
//!
//! The audit log never holds personal data of contacts (entries carry ids
//! and field names only), so it needs no rewriting. SQLite's `secure_delete`
//! is on for the erasing transaction and the search indexes use FTS5
//! `secure-delete` (migration 0010), so removed text is overwritten in the
//! store file, not just unlinked; the WAL is checkpointed afterwards.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use super::error::GdprError;
use super::model::{Erasure, Mode};
use crate::audit::{self, Actor};
use crate::auth::{Principal, policy};
use crate::blobs::{PackRef, Stored};
use crate::db::{StoreResult, now};

/// Subject of an anonymized case.
pub const ANONYMIZED: &str = "[anonymized]";

/// History fields whose values are never personal data (ids, states).
const NEUTRAL_HISTORY: &str = "'status', 'priority', 'topic_id', 'handling_team', 'assignee_id', \
     'contact_id', 'due_at', 'merged_into', 'merged_from', 'link', 'channel'";

/// What scrubbing cases did.
#[derive(Debug, Clone, Default)]
pub struct Scrubbed {
    pub cases: u64,
    pub messages: u64,
    pub attachments: u64,
    /// Blobs no row names any more: their rows are gone; remove their
    /// bytes after the commit ([`remove_files`]). Where they were is taken
    /// from the deleted rows (a pack range cannot be found afterwards).
    pub orphan_blobs: Vec<Stored>,
}

/// SQLite's `secure_delete` (freed content is overwritten with zeros) for
/// as long as this lives; the connection's setting before is restored.
struct SecureDelete<'a> {
    conn: &'a Connection,
    before: i64,
}

impl<'a> SecureDelete<'a> {
    fn on(conn: &'a Connection) -> StoreResult<SecureDelete<'a>> {
        let before: i64 = conn.query_row("PRAGMA secure_delete", [], |row| row.get(0))?;
        conn.execute_batch("PRAGMA secure_delete = ON")?;
        Ok(SecureDelete { conn, before })
    }
}

impl Drop for SecureDelete<'_> {
    fn drop(&mut self) {
        let _ = self
            .conn
            .execute_batch(&format!("PRAGMA secure_delete = {}", self.before));
    }
}

fn ids_json(ids: &[i64]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())
}

pub(super) fn table_exists(conn: &Connection, name: &str) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1")?
        .query_row([name], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Removes the personal data of these cases (or the cases). Runs inside
/// the caller's write transaction.
pub fn scrub_cases(conn: &Connection, case_ids: &[i64], mode: Mode) -> StoreResult<Scrubbed> {
    let mut out = Scrubbed::default();
    if case_ids.is_empty() {
        return Ok(out);
    }
    let _secure = SecureDelete::on(conn)?;
    let ids = ids_json(case_ids);
    let mut shas: Vec<String> = conn
        .prepare_cached(
            "SELECT DISTINCT sha256 FROM attachments
             WHERE case_id IN (SELECT value FROM json_each(?1))",
        )?
        .query_map([&ids], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    // The raw e-mails of the cases hold everything the customer wrote: the
    // records go (in both modes; a deleted case would only unlink them).
    if table_exists(conn, "mail_inbound")? {
        let raw: Vec<String> = conn
            .prepare_cached(
                "DELETE FROM mail_inbound WHERE case_id IN (SELECT value FROM json_each(?1))
                 RETURNING raw_sha256",
            )?
            .query_map([&ids], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        shas.extend(raw);
        shas.sort_unstable();
        shas.dedup();
    }
    out.attachments = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM attachments WHERE case_id IN (SELECT value FROM json_each(?1))",
        )?
        .query_row([&ids], |row| row.get::<_, i64>(0))? as u64;
    out.messages = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM messages WHERE case_id IN (SELECT value FROM json_each(?1))",
        )?
        .query_row([&ids], |row| row.get::<_, i64>(0))? as u64;
    match mode {
        Mode::Anonymize => {
            conn.prepare_cached(
                "DELETE FROM attachments WHERE case_id IN (SELECT value FROM json_each(?1))",
            )?
            .execute([&ids])?;
            conn.prepare_cached(
                "UPDATE messages SET from_address = NULL, to_address = NULL, subject = NULL,
                     body_text = '', body_html = NULL, author_contact_id = NULL
                 WHERE case_id IN (SELECT value FROM json_each(?1))",
            )?
            .execute([&ids])?;
            conn.prepare_cached(&format!(
                "UPDATE case_history SET old_value = NULL, new_value = NULL
                 WHERE case_id IN (SELECT value FROM json_each(?1))
                   AND field NOT IN ({NEUTRAL_HISTORY})"
            ))?
            .execute([&ids])?;
            conn.prepare_cached(
                "UPDATE time_entries SET note = ''
                 WHERE case_id IN (SELECT value FROM json_each(?1)) AND note <> ''",
            )?
            .execute([&ids])?;
            out.cases = conn
                .prepare_cached(
                    "UPDATE cases SET subject = ?2, custom = '{}', contact_id = NULL,
                         anonymized_at = ?3, version = version + 1, updated_at = ?3
                     WHERE id IN (SELECT value FROM json_each(?1))",
                )?
                .execute(params![&ids, ANONYMIZED, now()])? as u64;
            if table_exists(conn, "mail_message_ids")? {
                conn.prepare_cached(
                    "DELETE FROM mail_message_ids WHERE case_id IN (SELECT value FROM json_each(?1))",
                )?
                .execute([&ids])?;
            }
            if table_exists(conn, "mail_outbox")? {
                conn.prepare_cached(
                    "UPDATE mail_outbox SET from_address = '', from_name = '', to_address = '',
                         subject = '', body_text = '', body_html = NULL, in_reply_to = NULL,
                         references_ids = '', mail_message_id = NULL
                     WHERE case_id IN (SELECT value FROM json_each(?1))",
                )?
                .execute([&ids])?;
            }
            for &id in case_ids {
                crate::cases::store::index_case(conn, id)?;
            }
        }
        Mode::Delete => {
            conn.prepare_cached(
                "UPDATE cases SET merged_into_id = NULL
                 WHERE merged_into_id IN (SELECT value FROM json_each(?1))",
            )?
            .execute([&ids])?;
            conn.prepare_cached(
                "DELETE FROM case_search WHERE rowid IN (SELECT value FROM json_each(?1))",
            )?
            .execute([&ids])?;
            // Threads, attachments, history, tags, links, time records and
            // mail rows go with the case (ON DELETE CASCADE).
            out.cases = conn
                .prepare_cached("DELETE FROM cases WHERE id IN (SELECT value FROM json_each(?1))")?
                .execute([&ids])? as u64;
        }
    }
    out.orphan_blobs = drop_unreferenced_blobs(conn, &shas)?;
    Ok(out)
}

/// Deletes the `blobs` rows of these hashes that no attachment names any
/// more; returns them with where their bytes are.
fn drop_unreferenced_blobs(conn: &Connection, shas: &[String]) -> StoreResult<Vec<Stored>> {
    let mut gone = Vec::new();
    let raw_mail = if table_exists(conn, "mail_inbound")? {
        "UNION ALL SELECT 1 FROM mail_inbound WHERE raw_sha256 = ?1"
    } else {
        ""
    };
    let mut used = conn.prepare_cached(&format!(
        "SELECT 1 FROM attachments WHERE sha256 = ?1 {raw_mail} LIMIT 1"
    ))?;
    let mut delete = conn
        .prepare_cached("DELETE FROM blobs WHERE sha256 = ?1 RETURNING size, pack, pack_offset")?;
    for sha in shas {
        if used.query_row([sha], |_| Ok(())).optional()?.is_none() {
            let row: Option<(i64, Option<String>, Option<i64>)> = delete
                .query_row([sha], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
                .optional()?;
            let Some((size, pack, offset)) = row else {
                continue;
            };
            gone.push(Stored {
                sha256: sha.clone(),
                size: size.max(0) as u64,
                pack: pack.zip(offset).map(|(pack, offset)| PackRef {
                    pack,
                    offset: offset.max(0) as u64,
                }),
            });
        }
    }
    Ok(gone)
}

/// Removes the bytes of blobs whose rows were deleted (after the commit):
/// a loose file is deleted; a packed range is deallocated, and its pack
/// deleted once no row names it. A hash that got a row again meanwhile
/// (the same file uploaded anew) keeps what that row names. Returns how
/// many contents were removed.
pub fn remove_files(conn: &Connection, data_dir: &Path, blobs: &[Stored]) -> u64 {
    let store = crate::blobs::BlobStore::new(data_dir);
    let mut removed = 0;
    // On a failed look-up the bytes stay: never remove what may be named.
    let named = |sql: &str, values: &[&dyn rusqlite::ToSql]| {
        conn.query_row(sql, values, |_| Ok(()))
            .optional()
            .unwrap_or(Some(()))
            .is_some()
    };
    for blob in blobs {
        match &blob.pack {
            None => {
                // Any row of the hash keeps it: uploads find the file by path.
                if named("SELECT 1 FROM blobs WHERE sha256 = ?1", &[&blob.sha256]) {
                    continue;
                }
                if let Some(path) = store.path(&blob.sha256)
                    && std::fs::remove_file(&path).is_ok()
                {
                    removed += 1;
                }
            }
            Some(at) => {
                // Packs are never written again, so a new row of the hash
                // names another place unless it names this very range.
                if named(
                    "SELECT 1 FROM blobs WHERE sha256 = ?1 AND pack = ?2 AND pack_offset = ?3",
                    &[&blob.sha256, &at.pack, &(at.offset as i64)],
                ) {
                    continue;
                }
                match crate::blobs::pack::erase_range(conn, &store, &at.pack, at.offset, blob.size)
                {
                    Ok(true) => removed += 1,
                    Ok(false) => {}
                    Err(err) => tracing::error!(
                        pack = %at.pack, offset = at.offset, error = %err,
                        "cannot erase a packed content"
                    ),
                }
            }
        }
    }
    removed
}

/// Moves the WAL's pages into the store file and empties it, so that
/// erased text does not linger in the WAL. The store's background
/// checkpointer may be running a checkpoint of its own just then (SQLite
/// runs one at a time and answers "busy" at once), so a busy answer is
/// tried again for a few seconds. Best effort beyond that: a store whose
/// readers stay busy checkpoints later by itself.
pub fn checkpoint(conn: &Connection) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let done = matches!(
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
                row.get::<_, i64>(0)
            }),
            Ok(0)
        );
        if done || std::time::Instant::now() >= deadline {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Erases the contact (and contacts merged into it): the contact rows,
/// addresses and search rows go; their cases are anonymized or deleted;
/// messages they wrote elsewhere are cleared. Returns the record and the
/// blobs whose bytes are to be removed after the commit.
pub fn erase_contact(
    conn: &Connection,
    who: &Principal,
    contact_id: i64,
    mode: Mode,
) -> Result<(Erasure, Vec<Stored>), GdprError> {
    let client_id: i64 = conn
        .prepare_cached("SELECT client_id FROM contacts WHERE id = ?1")?
        .query_row([contact_id], |row| row.get(0))
        .optional()?
        .ok_or(GdprError::NotFound)?;
    policy::view_customers(who, client_id).map_err(|_| GdprError::NotFound)?;
    policy::gdpr_requests(who, client_id)?;
    let _secure = SecureDelete::on(conn)?;

    let contacts: Vec<i64> = conn
        .prepare_cached(
            "WITH RECURSIVE gone(id) AS (
                 SELECT ?1 UNION SELECT c.id FROM contacts c JOIN gone g ON c.merged_into_id = g.id)
             SELECT id FROM gone",
        )?
        .query_map([contact_id], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let contacts_json = ids_json(&contacts);
    let cases: Vec<i64> = conn
        .prepare_cached(
            "SELECT id FROM cases WHERE contact_id IN (SELECT value FROM json_each(?1)) ORDER BY id",
        )?
        .query_map([&contacts_json], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let scrubbed = scrub_cases(conn, &cases, mode)?;

    // Messages the contact wrote in cases of someone else.
    let elsewhere: Vec<i64> = conn
        .prepare_cached(
            "UPDATE messages SET from_address = NULL, to_address = NULL, subject = NULL,
                 body_text = '', body_html = NULL, author_contact_id = NULL
             WHERE author_contact_id IN (SELECT value FROM json_each(?1)) RETURNING case_id",
        )?
        .query_map([&contacts_json], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let mut touched = elsewhere.clone();
    touched.sort_unstable();
    touched.dedup();
    for &case_id in &touched {
        crate::cases::store::index_case(conn, case_id)?;
    }

    conn.prepare_cached(
        "DELETE FROM contact_search WHERE rowid IN (SELECT value FROM json_each(?1))",
    )?
    .execute([&contacts_json])?;
    // Any other reference to the contacts is cut before the rows go.
    conn.prepare_cached(
        "UPDATE cases SET contact_id = NULL WHERE contact_id IN (SELECT value FROM json_each(?1))",
    )?
    .execute([&contacts_json])?;
    conn.prepare_cached(
        "UPDATE contacts SET merged_into_id = NULL WHERE id IN (SELECT value FROM json_each(?1))",
    )?
    .execute([&contacts_json])?;
    let contacts_erased = conn
        .prepare_cached("DELETE FROM contacts WHERE id IN (SELECT value FROM json_each(?1))")?
        .execute([&contacts_json])? as i64;

    let at = now();
    let actor = Actor::from(who);
    conn.prepare_cached(
        "INSERT INTO gdpr_erasures (at, actor_id, actor_email, client_id, contact_id, mode,
             contacts_erased, cases_affected, messages_affected, attachments_removed, blobs_removed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        at,
        actor.user_id,
        actor.email,
        client_id,
        contact_id,
        mode.as_str(),
        contacts_erased,
        scrubbed.cases as i64,
        (scrubbed.messages + elsewhere.len() as u64) as i64,
        scrubbed.attachments as i64,
        scrubbed.orphan_blobs.len() as i64,
    ])?;
    let id = conn.last_insert_rowid();
    audit::record(
        conn,
        &actor,
        "contact.erase",
        "contact",
        Some(contact_id),
        Some(client_id),
        json!({
            "mode": mode.as_str(),
            "erasure_id": id,
            "contacts": contacts_erased,
            "cases": scrubbed.cases,
        }),
    )?;
    let erasure = Erasure {
        id,
        at,
        actor_id: actor.user_id,
        actor_email: actor.email,
        client_id,
        contact_id,
        mode,
        contacts_erased,
        cases_affected: scrubbed.cases as i64,
        messages_affected: (scrubbed.messages + elsewhere.len() as u64) as i64,
        attachments_removed: scrubbed.attachments as i64,
        blobs_removed: scrubbed.orphan_blobs.len() as i64,
    };
    Ok((erasure, scrubbed.orphan_blobs))
}

/// Erasure records of the visible clients, newest first.
pub fn list(
    conn: &Connection,
    visibility: &policy::Visibility,
    client_id: Option<i64>,
) -> Result<Vec<Erasure>, GdprError> {
    let ids = crate::contacts::store::visibility_param(visibility);
    let mut stmt = conn.prepare_cached(
        "SELECT id, at, actor_id, actor_email, client_id, contact_id, mode, contacts_erased,
             cases_affected, messages_affected, attachments_removed, blobs_removed
         FROM gdpr_erasures
         WHERE (?1 IS NULL OR client_id IN (SELECT value FROM json_each(?1)))
           AND (?2 IS NULL OR client_id = ?2)
         ORDER BY id DESC LIMIT 500",
    )?;
    let rows = stmt.query_map(params![ids, client_id], |row| {
        let mode: String = row.get(6)?;
        Ok(Erasure {
            id: row.get(0)?,
            at: row.get(1)?,
            actor_id: row.get(2)?,
            actor_email: row.get(3)?,
            client_id: row.get(4)?,
            contact_id: row.get(5)?,
            mode: Mode::parse(&mode).unwrap_or(Mode::Anonymize),
            contacts_erased: row.get(7)?,
            cases_affected: row.get(8)?,
            messages_affected: row.get(9)?,
            attachments_removed: row.get(10)?,
            blobs_removed: row.get(11)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
