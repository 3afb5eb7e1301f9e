//! Art. 15/20: a contact's data on request, machine-readable; and the
//! records of processing: reads of a contact become audit entries
//! `contact.viewed`, at most one per user and contact per hour.

use crate::ids::{CaseId, ClientId, ContactId, UserId};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::json;

use super::error::GdprError;
use crate::audit::{self, Actor};
use crate::auth::{Principal, policy};

/// Format name of the Art. 15 export.
pub const SUBJECT_FORMAT: &str = "zezaro-data-subject-export";

/// How often a read of the same contact by the same user is recorded.
pub const VIEW_WINDOW: Duration = Duration::from_secs(3600);

#[derive(Debug, Serialize)]
pub struct SubjectExport {
    pub format: &'static str,
    pub format_version: u32,
    pub exported_at: String,
    /// The controller: the client whose customer database holds the data.
    pub controller: serde_json::Value,
    /// Master data, addresses, numbers and custom field values.
    pub contact: crate::contacts::Contact,
    /// The contact's cases with their threads and attachments.
    pub cases: Vec<SubjectCase>,
    /// Who processed the data, when (audit entries about the contact).
    pub processing: Vec<serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub struct SubjectCase {
    pub case: crate::cases::Case,
    pub messages: Vec<crate::cases::Message>,
    pub attachments: Vec<serde_json::Value>,
}

/// The contact's data as one JSON document; recorded in the audit log as
/// `contact.exported`. Client admins of the contact's client and platform
/// admins; others get 404 (foreign) or 403.
pub fn subject_export(
    conn: &Connection,
    who: &Principal,
    contact_id: ContactId,
) -> Result<SubjectExport, GdprError> {
    let contact = crate::contacts::store::get(conn, contact_id)?.ok_or(GdprError::NotFound)?;
    policy::view_customers(who, contact.client_id).map_err(|_| GdprError::NotFound)?;
    policy::gdpr_requests(who, contact.client_id)?;
    let client = crate::clients::store::get(conn, contact.client_id)?.ok_or(GdprError::NotFound)?;
    // The contact and the contacts merged into it.
    let case_ids: Vec<CaseId> = conn
        .prepare_cached(
            "WITH RECURSIVE ids(id) AS (
                 SELECT ?1 UNION SELECT c.id FROM contacts c JOIN ids ON c.merged_into_id = ids.id)
             SELECT k.id FROM cases k WHERE k.contact_id IN (SELECT id FROM ids) ORDER BY k.id",
        )?
        .query_map([contact_id], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let mut cases = Vec::with_capacity(case_ids.len());
    let mut files = conn.prepare_cached(
        "SELECT id, message_id, filename, content_type, size, sha256, created_at
         FROM attachments WHERE case_id = ?1 ORDER BY id",
    )?;
    for id in case_ids {
        let Some(case) = crate::cases::store::get(conn, id)? else {
            continue;
        };
        let messages = crate::cases::store::messages(conn, id)?;
        let attachments = files
            .query_map([id], |row| {
                Ok(json!({
                    "id": row.get::<_, i64>(0)?,
                    "message_id": row.get::<_, Option<i64>>(1)?,
                    "filename": row.get::<_, String>(2)?,
                    "content_type": row.get::<_, String>(3)?,
                    "size": row.get::<_, i64>(4)?,
                    "sha256": row.get::<_, String>(5)?,
                    "created_at": row.get::<_, String>(6)?,
                }))
            })?
            .collect::<Result<_, _>>()?;
        cases.push(SubjectCase {
            case,
            messages,
            attachments,
        });
    }
    let processing = conn
        .prepare_cached(
            "SELECT at, action, actor_email FROM audit_log
             WHERE object_type = 'contact' AND object_id = ?1 ORDER BY id",
        )?
        .query_map([contact_id], |row| {
            Ok(json!({
                "at": row.get::<_, String>(0)?,
                "action": row.get::<_, String>(1)?,
                "by": row.get::<_, Option<String>>(2)?,
            }))
        })?
        .collect::<Result<_, _>>()?;
    audit::record(
        conn,
        &Actor::from(who),
        "contact.exported",
        "contact",
        Some(contact_id.get()),
        Some(contact.client_id),
        json!({ "cases": cases.len() }),
    )?;
    Ok(SubjectExport {
        format: SUBJECT_FORMAT,
        format_version: 1,
        exported_at: crate::db::now(),
        controller: json!({ "client_id": client.id, "name": client.name }),
        contact,
        cases,
        processing,
    })
}

/// Remembers recent (user, contact) reads so that most reads need no
/// write at all.
#[derive(Debug, Default)]
pub struct ViewLog {
    seen: Mutex<HashMap<(UserId, ContactId), Instant>>,
}

impl ViewLog {
    /// Whether this read is to be recorded; marks it as recorded.
    pub fn due(&self, user_id: UserId, contact_id: ContactId) -> bool {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() > 100_000 {
            seen.retain(|_, at| now.duration_since(*at) < VIEW_WINDOW);
        }
        match seen.get(&(user_id, contact_id)) {
            Some(at) if now.duration_since(*at) < VIEW_WINDOW => false,
            _ => {
                seen.insert((user_id, contact_id), now);
                true
            }
        }
    }

    /// Forgets a mark (the write failed), so the next read tries again.
    pub fn forget(&self, user_id: UserId, contact_id: ContactId) {
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&(user_id, contact_id));
    }
}

/// Appends `contact.viewed` unless the store has one of this user for this
/// contact within the hour (e.g. from before a restart). Returns whether
/// it wrote.
pub fn record_view(
    conn: &Connection,
    who: &Principal,
    contact_id: ContactId,
    client_id: ClientId,
) -> Result<bool, GdprError> {
    let actor = Actor::from(who);
    let since = (chrono::Utc::now() - chrono::Duration::from_std(VIEW_WINDOW).unwrap_or_default())
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let recent = conn
        .prepare_cached(
            "SELECT 1 FROM audit_log WHERE action = 'contact.viewed' AND object_id = ?1
               AND actor_id IS ?2 AND at > ?3 LIMIT 1",
        )?
        .query_row(params![contact_id, actor.user_id, since], |_| Ok(()))
        .optional()?
        .is_some();
    if recent {
        return Ok(false);
    }
    audit::record(
        conn,
        &actor,
        "contact.viewed",
        "contact",
        Some(contact_id.get()),
        Some(client_id),
        json!({}),
    )?;
    Ok(true)
}

/// Records a read of a contact for the request path: nothing to do for a
/// repeat within the hour (checked in memory); otherwise one audit entry
/// through the group-committed writer.
pub async fn viewed(
    db: &crate::db::Db,
    views: &ViewLog,
    who: &Principal,
    contact_id: ContactId,
    client_id: ClientId,
) -> Result<(), GdprError> {
    // Reads are recorded per user; the system reads no contact for a person.
    let Some(user_id) = who.user_id else {
        return Ok(());
    };
    if !views.due(user_id, contact_id) {
        return Ok(());
    }
    let who_owned = who.clone();
    let written = db
        .write(move |tx| record_view(tx, &who_owned, contact_id, client_id))
        .await;
    if written.is_err() {
        views.forget(user_id, contact_id);
    }
    written.map(|_| ())
}
