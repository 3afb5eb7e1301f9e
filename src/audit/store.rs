use crate::ids::ClientId;
use rusqlite::{Connection, params};

use super::model::{Actor, AuditEntry, AuditQuery};
use crate::auth::policy::Visibility;
use crate::db::{StoreResult, now};

/// Appends one entry. `client_id` is the client the object belongs to.
pub fn record(
    conn: &Connection,
    actor: &Actor,
    action: &str,
    object_type: &str,
    object_id: Option<i64>,
    client_id: Option<ClientId>,
    details: serde_json::Value,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO audit_log (at, actor_id, actor_email, action, object_type, object_id, client_id, ip, details)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        now(),
        actor.user_id,
        actor.email,
        action,
        object_type,
        object_id,
        client_id,
        actor.ip,
        details.to_string()
    ])?;
    Ok(())
}

/// The actor's name: users of the entry's client or of none (provider
/// staff, platform admins); a user of another client stays unnamed.
const ACTOR_NAME: &str = "(SELECT u.name FROM users u WHERE u.id = a.actor_id
    AND (?1 OR u.client_id IS NULL OR u.client_id = a.client_id))";

/// The object's name by its type, read only inside the entry's client (a
/// client admin's entries are all of their own client), so an entry never
/// names another client's object. Unknown types have none.
const OBJECT_NAME: &str = "CASE a.object_type
    WHEN 'contact' THEN (SELECT x.name FROM contacts x WHERE x.id = a.object_id AND (?1 OR x.client_id = a.client_id))
    WHEN 'organization' THEN (SELECT x.name FROM organizations x WHERE x.id = a.object_id AND (?1 OR x.client_id = a.client_id))
    WHEN 'project' THEN (SELECT x.name FROM projects x WHERE x.id = a.object_id AND (?1 OR x.client_id = a.client_id))
    WHEN 'client' THEN (SELECT x.name FROM clients x WHERE x.id = a.object_id AND (?1 OR x.id = a.client_id))
    WHEN 'user' THEN (SELECT x.name FROM users x WHERE x.id = a.object_id
        AND (?1 OR x.client_id IS NULL OR x.client_id = a.client_id))
    WHEN 'team' THEN (SELECT x.name FROM teams x WHERE x.id = a.object_id
        AND (?1 OR x.client_id IS NULL OR x.client_id = a.client_id))
    WHEN 'topic' THEN (SELECT x.name FROM topics x JOIN projects p ON p.id = x.project_id
        WHERE x.id = a.object_id AND (?1 OR p.client_id = a.client_id))
    WHEN 'mailbox' THEN (SELECT x.name FROM mailboxes x JOIN projects p ON p.id = x.project_id
        WHERE x.id = a.object_id AND (?1 OR p.client_id = a.client_id))
    WHEN 'sla_policy' THEN (SELECT x.name FROM sla_policies x JOIN projects p ON p.id = x.project_id
        WHERE x.id = a.object_id AND (?1 OR p.client_id = a.client_id))
    WHEN 'custom_field' THEN (SELECT x.label FROM custom_fields x JOIN projects p ON p.id = x.project_id
        WHERE x.id = a.object_id AND (?1 OR p.client_id = a.client_id))
    WHEN 'business_calendar' THEN (SELECT x.name FROM business_calendars x WHERE x.id = a.object_id AND (?1 OR x.client_id = a.client_id))
    WHEN 'kb_article' THEN (SELECT v.title FROM kb_article_versions v JOIN kb_articles x ON x.id = v.article_id
        WHERE v.article_id = a.object_id AND (?1 OR x.client_id = a.client_id) ORDER BY v.id DESC LIMIT 1)
    WHEN 'webhook' THEN (SELECT x.name FROM webhooks x WHERE x.id = a.object_id AND (?1 OR x.client_id = a.client_id))
    WHEN 'rule' THEN (SELECT x.name FROM rules x WHERE x.id = a.object_id AND (?1 OR x.client_id = a.client_id))
    WHEN 'course' THEN (SELECT x.title FROM courses x WHERE x.id = a.object_id AND (?1 OR x.client_id = a.client_id))
    WHEN 'instruction' THEN (SELECT x.title FROM instructions x WHERE x.id = a.object_id AND (?1 OR x.client_id = a.client_id))
    WHEN 'text_module' THEN (SELECT x.title FROM text_modules x WHERE x.id = a.object_id AND (?1 OR x.client_id = a.client_id))
END";

/// An instant as the log stores it.
fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(super) fn list(
    conn: &Connection,
    visibility: &Visibility,
    query: &AuditQuery,
    limit: u32,
) -> StoreResult<Vec<AuditEntry>> {
    let mut sql = format!(
        "SELECT a.id, a.at, a.actor_id, a.actor_email, a.action, a.object_type, a.object_id,
                a.client_id, a.ip, a.details, {ACTOR_NAME}, {OBJECT_NAME}
         FROM audit_log a WHERE 1 = 1"
    );
    // ?1: the caller sees every client (the names need no client check).
    let mut args: Vec<rusqlite::types::Value> =
        vec![i64::from(matches!(visibility, Visibility::All)).into()];
    let mut bind = |sql: &mut String, clause: &str, value: rusqlite::types::Value| {
        args.push(value);
        sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
    };
    match visibility {
        Visibility::All => {}
        Visibility::Clients(ids) => {
            // Client admins see only entries of their own client.
            let id = ids.first().copied().unwrap_or(ClientId(-1));
            bind(&mut sql, " AND client_id = ?", id.into());
        }
        Visibility::Projects(_) => bind(&mut sql, " AND 0 = ?", 1.into()),
    }
    if let Some(client_id) = query.client_id {
        bind(&mut sql, " AND client_id = ?", client_id.into());
    }
    if let Some(before) = query.before_id {
        bind(&mut sql, " AND id < ?", before.into());
    }
    if let Some(kind) = &query.object_type {
        bind(&mut sql, " AND object_type = ?", kind.clone().into());
    }
    if let Some(object_id) = query.object_id {
        bind(&mut sql, " AND object_id = ?", object_id.into());
    }
    if let Some(actor) = query.actor_id {
        bind(&mut sql, " AND actor_id = ?", actor.into());
    }
    if let Some(action) = &query.action {
        bind(&mut sql, " AND action = ?", action.clone().into());
    }
    // Stored as RFC 3339 UTC with milliseconds: compared as text.
    if let Some(from) = query.from {
        bind(&mut sql, " AND at >= ?", stamp(from).into());
    }
    if let Some(to) = query.to {
        bind(&mut sql, " AND at < ?", stamp(to).into());
    }
    bind(
        &mut sql,
        " ORDER BY id DESC LIMIT ?",
        i64::from(limit).into(),
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), |row| {
        let details: String = row.get(9)?;
        Ok(AuditEntry {
            id: row.get(0)?,
            at: row.get(1)?,
            actor_id: row.get(2)?,
            actor_email: row.get(3)?,
            action: row.get(4)?,
            object_type: row.get(5)?,
            object_id: row.get(6)?,
            client_id: row.get(7)?,
            ip: row.get(8)?,
            details: serde_json::from_str(&details).unwrap_or(serde_json::Value::Null),
            actor_name: row.get(10)?,
            object_name: row.get(11)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
