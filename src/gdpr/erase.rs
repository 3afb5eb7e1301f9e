//! Art. 17 erasure: a contact (with the contacts merged into it) and
//! everything the person wrote or was sent, within the client:
//!
//! - their cases: anonymized (cases stay, countable) or deleted;
//! - every message they authored or sent, or that was sent to them, in any
//!   case of the client (someone else's too): cleared (anonymize) or
//!   deleted, with its attachments, its raw mail, its Message-IDs and its
//!   outbox entry; mails from their addresses that were never filed
//!   (flagged) go as well, and held web-form submissions with their address;
//! - the search index entries of all of it.
//!
//! Contents no longer named by any row are deleted from disk after the
//! commit (a loose file is removed; a range in a pack is overwritten and
//! deallocated, the pack removed with its last content). The store has
//! `secure_delete` on for every connection and the search indexes use FTS5
//! `secure-delete`, so removed text is overwritten in the store file; the
//! WAL is checkpointed and truncated afterwards ([`checkpoint`]).
//!
//! What remains is a record that it happened (`gdpr_erasures`, audit
//! `contact.erase`, the ledger line of [`super::ledger`]): who, when, which
//! contact ids, which mode and salted hashes of the identifiers — never the
//! data. The audit log never holds personal data of contacts (entries carry
//! ids and field names only), so it needs no rewriting.

use crate::ids::{CaseId, ClientId, ContactId};
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use super::error::GdprError;
use super::ledger::{self, Entry};
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

fn ids_json<T: serde::Serialize>(ids: &[T]) -> String {
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
pub fn scrub_cases(conn: &Connection, case_ids: &[CaseId], mode: Mode) -> StoreResult<Scrubbed> {
    let mut out = Scrubbed::default();
    if case_ids.is_empty() {
        return Ok(out);
    }
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
            for &id in case_ids {
                crate::search::pairs::replace(conn, id.get(), None)?;
            }
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
pub fn drop_unreferenced_blobs(conn: &Connection, shas: &[String]) -> StoreResult<Vec<Stored>> {
    let mut gone = Vec::new();
    let raw_mail = if table_exists(conn, "mail_inbound")? {
        "UNION ALL SELECT 1 FROM mail_inbound WHERE raw_sha256 = ?1"
    } else {
        ""
    };
    // A text module's file (src/text_modules) may share a case file's content.
    let modules = if table_exists(conn, "text_module_attachments")? {
        "UNION ALL SELECT 1 FROM text_module_attachments WHERE sha256 = ?1"
    } else {
        ""
    };
    // … and so may a file an older version of a text module had.
    let module_versions = if table_exists(conn, "text_module_version_files")? {
        "UNION ALL SELECT 1 FROM text_module_version_files WHERE sha256 = ?1"
    } else {
        ""
    };
    // The knowledge base's files share the blob store.
    let knowledge = if table_exists(conn, "kb_attachments")? {
        "UNION ALL SELECT 1 FROM kb_attachments WHERE sha256 = ?1"
    } else {
        ""
    };
    let mut used = conn.prepare_cached(&format!(
        "SELECT 1 FROM attachments WHERE sha256 = ?1 {raw_mail} {modules} {module_versions} \
         {knowledge} LIMIT 1"
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
                // And the replica's copy (replication/blobs.rs).
                if let Some(mirror) = store.mirror()
                    && let Err(err) = mirror.erase_loose(&blob.sha256)
                {
                    tracing::error!(error = %err, "cannot erase a content in the replica");
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
    // Under replication Litestream checkpoints (db::Checkpoints): a
    // TRUNCATE of ours would wait for its read lock and stall writers.
    if crate::db::checkpoints_left_to_others(conn) {
        return;
    }
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

/// A committed erasure: the record the API answers, the ledger line to
/// append and the blobs whose bytes are to be removed, both after the
/// commit ([`super::service::after_erasure`]).
#[derive(Debug)]
pub struct Done {
    pub erasure: Erasure,
    pub entry: Entry,
    pub orphans: Vec<Stored>,
}

/// The person an erasure is about, as the store knows them in one client.
#[derive(Debug, Default)]
struct Person {
    /// The contacts (empty when only their mail is left, on a replay).
    contacts: Vec<ContactId>,
    /// Their e-mail addresses, lower case.
    emails: Vec<String>,
    /// Their phone numbers' digits.
    phones: Vec<String>,
}

impl Person {
    /// The contacts, the contacts merged into any of them, and their
    /// addresses and numbers.
    fn of_contacts(conn: &Connection, roots: &[ContactId]) -> StoreResult<Person> {
        let contacts: Vec<ContactId> = conn
            .prepare_cached(
                "WITH RECURSIVE gone(id) AS (
                     SELECT value FROM json_each(?1)
                     UNION SELECT c.id FROM contacts c JOIN gone g ON c.merged_into_id = g.id)
                 SELECT id FROM gone ORDER BY id",
            )?
            .query_map([ids_json(roots)], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        let ids = ids_json(&contacts);
        let emails = conn
            .prepare_cached(
                "SELECT DISTINCT lower(trim(email)) FROM contact_emails
                 WHERE contact_id IN (SELECT value FROM json_each(?1))",
            )?
            .query_map([&ids], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        let phones = conn
            .prepare_cached(
                "SELECT DISTINCT digits FROM contact_phones
                 WHERE contact_id IN (SELECT value FROM json_each(?1)) AND digits <> ''",
            )?
            .query_map([&ids], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(Person {
            contacts,
            emails,
            phones,
        })
    }
}

/// Cases of the client: the scope of everything an erasure looks at
/// beyond the person's own rows (another client is another controller).
const CLIENT_CASES: &str =
    "SELECT k.id FROM cases k JOIN projects p ON p.id = k.project_id WHERE p.client_id = ?1";
/// Mailboxes of the client (its unfiled mail is in no case).
const CLIENT_MAILBOXES: &str =
    "SELECT m.id FROM mailboxes m JOIN projects p ON p.id = m.project_id WHERE p.client_id = ?1";

/// What erasing the person's messages in any case of the client did.
#[derive(Debug, Default)]
struct Elsewhere {
    messages: u64,
    attachments: u64,
    shas: Vec<String>,
}

/// Erases every message of the client's cases that the person authored or
/// sent, or that was sent to them, with its attachments, raw mail,
/// Message-IDs and outbox entry; and their raw mails that were never filed
/// into a case. Runs after [`scrub_cases`] of their own cases.
fn erase_sent_elsewhere(
    conn: &Connection,
    client_id: ClientId,
    person: &Person,
    mode: Mode,
) -> StoreResult<Elsewhere> {
    let mut out = Elsewhere::default();
    let contacts = ids_json(&person.contacts);
    let emails = serde_json::to_string(&person.emails).unwrap_or_else(|_| "[]".into());
    let mut messages: Vec<i64> = Vec::new();
    let mail = table_exists(conn, "mail_inbound")?;
    if mail {
        // Raw mails from their addresses, filed anywhere in the client or
        // still unfiled (flagged) in one of its mailboxes.
        let rows: Vec<(String, Option<i64>)> = conn
            .prepare_cached(&format!(
                "DELETE FROM mail_inbound
                 WHERE lower(trim(from_address)) IN (SELECT value FROM json_each(?2))
                   AND (case_id IN ({CLIENT_CASES})
                        OR mailbox_id IN ({CLIENT_MAILBOXES}))
                 RETURNING raw_sha256, thread_message_id"
            ))?
            .query_map(params![client_id, &emails], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?
            .collect::<Result<_, _>>()?;
        for (sha, message) in rows {
            out.shas.push(sha);
            messages.extend(message);
        }
    }
    let found: Vec<i64> = conn
        .prepare_cached(&format!(
            "SELECT m.id FROM messages m WHERE m.case_id IN ({CLIENT_CASES})
               AND (m.author_contact_id IN (SELECT value FROM json_each(?2))
                    OR lower(trim(m.from_address)) IN (SELECT value FROM json_each(?3))
                    OR lower(trim(m.to_address)) IN (SELECT value FROM json_each(?3)))"
        ))?
        .query_map(params![client_id, &contacts, &emails], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    messages.extend(found);
    messages.sort_unstable();
    messages.dedup();
    if table_exists(conn, "mail_outbox")? {
        // Mail to them: cleared, and never sent if it still waits.
        conn.prepare_cached(&format!(
            "UPDATE mail_outbox SET from_address = '', from_name = '', to_address = '',
                 subject = '', body_text = '', body_html = NULL, in_reply_to = NULL,
                 references_ids = '', mail_message_id = NULL,
                 state = CASE WHEN state IN ('queued', 'retrying') THEN 'failed' ELSE state END,
                 last_error = CASE WHEN state IN ('queued', 'retrying') THEN 'erased' ELSE last_error END,
                 next_attempt_at = NULL
             WHERE message_id IN (SELECT value FROM json_each(?2))
                OR (lower(trim(to_address)) IN (SELECT value FROM json_each(?3))
                    AND case_id IN ({CLIENT_CASES}))"
        ))?
        .execute(params![client_id, ids_json(&messages), &emails])?;
    }
    if table_exists(conn, "web_form_held")? {
        conn.prepare_cached(
            "DELETE FROM web_form_held
             WHERE lower(trim(email)) IN (SELECT value FROM json_each(?2))
               AND project_id IN (SELECT id FROM projects WHERE client_id = ?1)",
        )?
        .execute(params![client_id, &emails])?;
    }
    if messages.is_empty() {
        return Ok(out);
    }
    let ids = ids_json(&messages);
    if mail {
        let raw: Vec<String> = conn
            .prepare_cached(
                "DELETE FROM mail_inbound
                 WHERE thread_message_id IN (SELECT value FROM json_each(?1))
                 RETURNING raw_sha256",
            )?
            .query_map([&ids], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        out.shas.extend(raw);
    }
    if table_exists(conn, "mail_message_ids")? {
        conn.prepare_cached(
            "DELETE FROM mail_message_ids WHERE thread_message_id IN (SELECT value FROM json_each(?1))",
        )?
        .execute([&ids])?;
    }
    let files: Vec<String> = conn
        .prepare_cached(
            "DELETE FROM attachments WHERE message_id IN (SELECT value FROM json_each(?1))
             RETURNING sha256",
        )?
        .query_map([&ids], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    out.attachments = files.len() as u64;
    out.shas.extend(files);
    let touched: Vec<CaseId> = match mode {
        Mode::Anonymize => conn
            .prepare_cached(
                "UPDATE messages SET from_address = NULL, to_address = NULL, subject = NULL,
                     body_text = '', body_html = NULL, author_contact_id = NULL
                 WHERE id IN (SELECT value FROM json_each(?1)) RETURNING case_id",
            )?
            .query_map([&ids], |row| row.get(0))?
            .collect::<Result<_, _>>()?,
        Mode::Delete => conn
            .prepare_cached(
                "DELETE FROM messages WHERE id IN (SELECT value FROM json_each(?1)) RETURNING case_id",
            )?
            .query_map([&ids], |row| row.get(0))?
            .collect::<Result<_, _>>()?,
    };
    out.messages = touched.len() as u64;
    let mut cases = touched;
    cases.sort_unstable();
    cases.dedup();
    for case_id in cases {
        crate::cases::store::index_case(conn, case_id)?;
    }
    Ok(out)
}

/// Erases the contact (and contacts merged into it), their cases' personal
/// data and everything they wrote or were sent in the client's other
/// cases. Returns the record, its ledger line and the blobs whose bytes
/// are to be removed after the commit.
pub fn erase_contact(
    conn: &Connection,
    who: &Principal,
    contact_id: ContactId,
    mode: Mode,
) -> Result<Done, GdprError> {
    let client_id: ClientId = conn
        .prepare_cached("SELECT client_id FROM contacts WHERE id = ?1")?
        .query_row([contact_id], |row| row.get(0))
        .optional()?
        .ok_or(GdprError::NotFound)?;
    policy::view_customers(who, client_id).map_err(|_| GdprError::NotFound)?;
    policy::gdpr_requests(who, client_id)?;
    let person = Person::of_contacts(conn, &[contact_id])?;
    let salt = crate::db::random_hex(16);
    let identifiers = ledger::identifiers(&salt, &person.emails, &person.phones);
    let record = Record {
        uuid: crate::db::random_hex(16),
        client_id,
        contact_id,
        mode,
        salt,
        identifiers,
        replayed: false,
    };
    erase_person(conn, &Actor::from(who), &person, record)
}

/// What an erasure is recorded as, before it runs.
struct Record {
    uuid: String,
    client_id: ClientId,
    /// The contact asked for (the record's `contact_id`).
    contact_id: ContactId,
    mode: Mode,
    salt: String,
    identifiers: Vec<String>,
    replayed: bool,
}

fn erase_person(
    conn: &Connection,
    actor: &Actor,
    person: &Person,
    record: Record,
) -> Result<Done, GdprError> {
    let Record {
        uuid,
        client_id,
        contact_id,
        mode,
        salt,
        identifiers,
        replayed,
    } = record;
    let contacts_json = ids_json(&person.contacts);
    let cases: Vec<CaseId> = conn
        .prepare_cached(
            "SELECT id FROM cases WHERE contact_id IN (SELECT value FROM json_each(?1)) ORDER BY id",
        )?
        .query_map([&contacts_json], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let scrubbed = scrub_cases(conn, &cases, mode)?;
    let elsewhere = erase_sent_elsewhere(conn, client_id, person, mode)?;

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
        "UPDATE messages SET author_contact_id = NULL
         WHERE author_contact_id IN (SELECT value FROM json_each(?1))",
    )?
    .execute([&contacts_json])?;
    conn.prepare_cached(
        "UPDATE contacts SET merged_into_id = NULL WHERE id IN (SELECT value FROM json_each(?1))",
    )?
    .execute([&contacts_json])?;
    let contacts_erased = conn
        .prepare_cached("DELETE FROM contacts WHERE id IN (SELECT value FROM json_each(?1))")?
        .execute([&contacts_json])? as i64;
    let mut orphans = scrubbed.orphan_blobs;
    orphans.extend(drop_unreferenced_blobs(conn, &elsewhere.shas)?);

    let at = now();
    let messages_affected = (scrubbed.messages + elsewhere.messages) as i64;
    let attachments_removed = (scrubbed.attachments + elsewhere.attachments) as i64;
    conn.prepare_cached(
        "INSERT INTO gdpr_erasures (at, actor_id, actor_email, client_id, contact_id, mode,
             contacts_erased, cases_affected, messages_affected, attachments_removed, blobs_removed,
             uuid, contact_ids, salt, identifiers, replayed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
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
        messages_affected,
        attachments_removed,
        orphans.len() as i64,
        uuid,
        contacts_json,
        salt,
        serde_json::to_string(&identifiers).unwrap_or_else(|_| "[]".into()),
        replayed,
    ])?;
    let id = conn.last_insert_rowid();
    audit::record(
        conn,
        actor,
        if replayed {
            "contact.erase.replayed"
        } else {
            "contact.erase"
        },
        "contact",
        Some(contact_id.get()),
        Some(client_id),
        json!({
            "mode": mode.as_str(),
            "erasure_id": id,
            "erasure_uuid": uuid,
            "contacts": contacts_erased,
            "cases": scrubbed.cases,
            "messages": messages_affected,
        }),
    )?;
    let erasure = Erasure {
        id,
        at: at.clone(),
        actor_id: actor.user_id,
        actor_email: actor.email.clone(),
        client_id,
        contact_id,
        mode,
        contacts_erased,
        cases_affected: scrubbed.cases as i64,
        messages_affected,
        attachments_removed,
        blobs_removed: orphans.len() as i64,
        replayed,
    };
    let entry = Entry {
        uuid,
        at,
        client_id,
        contact_ids: person.contacts.clone(),
        mode,
        salt,
        identifiers,
    };
    Ok(Done {
        erasure,
        entry,
        orphans,
    })
}

/// Re-applies a ledger entry to a (restored) store: the contacts it names
/// that are still there in its client, any contact of the client with one
/// of its identifiers, and mail from such an address. `None` when the
/// store holds the erasure already or nothing of the person is left.
pub fn replay(conn: &Connection, entry: &Entry) -> Result<Option<Done>, GdprError> {
    let known = conn
        .prepare_cached("SELECT 1 FROM gdpr_erasures WHERE uuid = ?1")?
        .query_row([&entry.uuid], |_| Ok(()))
        .optional()?
        .is_some();
    let client = conn
        .prepare_cached("SELECT 1 FROM clients WHERE id = ?1")?
        .query_row([entry.client_id], |_| Ok(()))
        .optional()?
        .is_some();
    if known || !client {
        return Ok(None);
    }
    let wanted: std::collections::HashSet<&str> =
        entry.identifiers.iter().map(String::as_str).collect();
    let matches = |kind: &str, value: &str| {
        wanted.contains(ledger::identifier_hash(&entry.salt, kind, value).as_str())
    };
    let mut roots: Vec<ContactId> = conn
        .prepare_cached(
            "SELECT id FROM contacts WHERE client_id = ?1
               AND id IN (SELECT value FROM json_each(?2))",
        )?
        .query_map(
            params![entry.client_id, ids_json(&entry.contact_ids)],
            |row| row.get(0),
        )?
        .collect::<Result<_, _>>()?;
    let by_identifier: Vec<(ContactId, String, String)> = conn
        .prepare_cached(
            "SELECT e.contact_id, 'email', e.email FROM contact_emails e
                 JOIN contacts c ON c.id = e.contact_id WHERE c.client_id = ?1
             UNION ALL
             SELECT f.contact_id, 'phone', f.digits FROM contact_phones f
                 JOIN contacts c ON c.id = f.contact_id WHERE c.client_id = ?1",
        )?
        .query_map([entry.client_id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    roots.extend(
        by_identifier
            .iter()
            .filter(|(_, kind, value)| matches(kind, value))
            .map(|(id, _, _)| *id),
    );
    roots.sort_unstable();
    roots.dedup();
    let mut person = Person::of_contacts(conn, &roots)?;
    // Addresses of the person that only their mail still holds.
    let mut addresses: Vec<String> = conn
        .prepare_cached(&format!(
            "SELECT DISTINCT lower(trim(from_address)) FROM messages
                 WHERE from_address IS NOT NULL AND case_id IN ({CLIENT_CASES})
             UNION SELECT DISTINCT lower(trim(to_address)) FROM messages
                 WHERE to_address IS NOT NULL AND case_id IN ({CLIENT_CASES})"
        ))?
        .query_map([entry.client_id], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    if table_exists(conn, "mail_inbound")? {
        addresses.extend(
            conn.prepare_cached(&format!(
                "SELECT DISTINCT lower(trim(from_address)) FROM mail_inbound
                 WHERE from_address IS NOT NULL
                   AND (case_id IN ({CLIENT_CASES}) OR mailbox_id IN ({CLIENT_MAILBOXES}))"
            ))?
            .query_map([entry.client_id], |row| row.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?,
        );
    }
    if table_exists(conn, "web_form_held")? {
        addresses.extend(
            conn.prepare_cached(
                "SELECT DISTINCT lower(trim(email)) FROM web_form_held
                 WHERE project_id IN (SELECT id FROM projects WHERE client_id = ?1)",
            )?
            .query_map([entry.client_id], |row| row.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?,
        );
    }
    person
        .emails
        .extend(addresses.into_iter().filter(|a| matches("email", a)));
    person.emails.sort_unstable();
    person.emails.dedup();
    if person.contacts.is_empty() && person.emails.is_empty() {
        return Ok(None);
    }
    let record = Record {
        uuid: entry.uuid.clone(),
        client_id: entry.client_id,
        contact_id: entry
            .contact_ids
            .first()
            .copied()
            .or(person.contacts.first().copied())
            .unwrap_or(ContactId(0)),
        mode: entry.mode,
        salt: entry.salt.clone(),
        identifiers: entry.identifiers.clone(),
        replayed: true,
    };
    let actor = Actor {
        user_id: None,
        email: Some("system:restore".into()),
        ip: None,
    };
    let mut done = erase_person(conn, &actor, &person, record)?;
    // The ledger line stays the original's (time, contact ids).
    done.entry = entry.clone();
    Ok(Some(done))
}

/// Erasure records of the visible clients, newest first.
pub fn list(
    conn: &Connection,
    visibility: &policy::Visibility,
    client_id: Option<ClientId>,
) -> Result<Vec<Erasure>, GdprError> {
    let ids = crate::contacts::store::visibility_param(visibility);
    let mut stmt = conn.prepare_cached(
        "SELECT id, at, actor_id, actor_email, client_id, contact_id, mode, contacts_erased,
             cases_affected, messages_affected, attachments_removed, blobs_removed, replayed
         FROM gdpr_erasures
         WHERE (?1 IS NULL OR client_id IN (SELECT value FROM json_each(?1)))
           AND (?2 IS NULL OR client_id = ?2)
         ORDER BY id DESC LIMIT 500",
    )?;
    let rows = stmt.query_map(params![ids, client_id], |row| {
        Ok(Erasure {
            id: row.get(0)?,
            at: row.get(1)?,
            actor_id: row.get(2)?,
            actor_email: row.get(3)?,
            client_id: row.get(4)?,
            contact_id: row.get(5)?,
            mode: row.get(6)?,
            contacts_erased: row.get(7)?,
            cases_affected: row.get(8)?,
            messages_affected: row.get(9)?,
            attachments_removed: row.get(10)?,
            blobs_removed: row.get(11)?,
            replayed: row.get(12)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
