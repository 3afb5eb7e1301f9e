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

pub(super) fn list(
    conn: &Connection,
    visibility: &Visibility,
    query: &AuditQuery,
    limit: u32,
) -> StoreResult<Vec<AuditEntry>> {
    let mut sql = String::from(
        "SELECT id, at, actor_id, actor_email, action, object_type, object_id, client_id, ip, details
         FROM audit_log WHERE 1 = 1",
    );
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
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
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
