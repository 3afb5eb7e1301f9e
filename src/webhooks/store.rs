//! SQL of webhooks and their deliveries.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::model::{Delivery, DeliveryState, Webhook, WebhookCase};
use crate::db::StoreResult;
use crate::ids::{CaseId, ClientId};

const WEBHOOK_COLUMNS: &str = "id, client_id, name, url, active, created_at, updated_at";

fn webhook_row(row: &Row) -> rusqlite::Result<Webhook> {
    Ok(Webhook {
        id: row.get(0)?,
        client_id: row.get(1)?,
        name: row.get(2)?,
        url: row.get(3)?,
        active: row.get(4)?,
        created_at: row.get(5)?,
        updated_at: row.get(6)?,
    })
}

pub fn webhook(conn: &Connection, id: i64) -> StoreResult<Option<Webhook>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = ?1"
        ))?
        .query_row([id], webhook_row)
        .optional()?)
}

/// A client's webhooks (all clients' for `None`), by name.
pub fn webhooks(conn: &Connection, client_id: Option<ClientId>) -> StoreResult<Vec<Webhook>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhooks
         WHERE ?1 IS NULL OR client_id = ?1 ORDER BY client_id, name, id"
    ))?;
    let rows = stmt.query_map([client_id], webhook_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub struct WebhookRow<'a> {
    pub name: &'a str,
    pub url: &'a str,
    pub active: bool,
}

pub fn insert_webhook(
    conn: &Connection,
    client_id: ClientId,
    row: &WebhookRow,
    secret_sealed: &[u8],
    at: &str,
) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO webhooks (client_id, name, url, secret_sealed, active, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )?
    .execute(params![
        client_id,
        row.name,
        row.url,
        secret_sealed,
        row.active,
        at
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn update_webhook(
    conn: &Connection,
    id: i64,
    row: &WebhookRow,
    secret_sealed: Option<&[u8]>,
    at: &str,
) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE webhooks SET name = ?2, url = ?3, active = ?4,
             secret_sealed = COALESCE(?5, secret_sealed), updated_at = ?6
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        row.name,
        row.url,
        row.active,
        secret_sealed,
        at
    ])?;
    Ok(())
}

pub fn delete_webhook(conn: &Connection, id: i64) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM webhooks WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

pub fn sealed_secret(conn: &Connection, id: i64) -> StoreResult<Option<Vec<u8>>> {
    Ok(conn
        .prepare_cached("SELECT secret_sealed FROM webhooks WHERE id = ?1")?
        .query_row([id], |row| row.get(0))
        .optional()?)
}

// ---- deliveries ---------------------------------------------------------------

const DELIVERY_COLUMNS: &str = "id, webhook_id, event, state, attempts, next_attempt_at, \
     last_status, last_millis, last_error, resend_of, rule_run_id, created_at, updated_at, \
     delivered_at";

fn delivery_row(row: &Row) -> rusqlite::Result<Delivery> {
    let state: String = row.get(3)?;
    Ok(Delivery {
        id: row.get(0)?,
        webhook_id: row.get(1)?,
        event: row.get(2)?,
        state: DeliveryState::parse(&state).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                3,
                rusqlite::types::Type::Text,
                format!("unknown delivery state {state:?}").into(),
            )
        })?,
        attempts: row.get(4)?,
        next_attempt_at: row.get(5)?,
        last_status: row.get(6)?,
        last_millis: row.get(7)?,
        last_error: row.get(8)?,
        resend_of: row.get(9)?,
        rule_run_id: row.get(10)?,
        created_at: row.get(11)?,
        updated_at: row.get(12)?,
        delivered_at: row.get(13)?,
    })
}

pub fn delivery(conn: &Connection, id: i64) -> StoreResult<Option<Delivery>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = ?1"
        ))?
        .query_row([id], delivery_row)
        .optional()?)
}

/// A webhook's deliveries, newest first.
pub fn deliveries(conn: &Connection, webhook_id: i64, limit: u32) -> StoreResult<Vec<Delivery>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries
         WHERE webhook_id = ?1 ORDER BY id DESC LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![webhook_id, limit], delivery_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn insert_delivery(
    conn: &Connection,
    webhook_id: i64,
    event: &str,
    body: &str,
    rule_run_id: Option<i64>,
    resend_of: Option<i64>,
    at: &str,
) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO webhook_deliveries
             (webhook_id, rule_run_id, event, body, state, attempts, next_attempt_at,
              resend_of, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 'queued', 0, ?5, ?6, ?5, ?5)",
    )?
    .execute(params![webhook_id, rule_run_id, event, body, at, resend_of])?;
    Ok(conn.last_insert_rowid())
}

/// The body and event of a delivery (for a re-send).
pub fn delivery_body(conn: &Connection, id: i64) -> StoreResult<Option<(String, String)>> {
    Ok(conn
        .prepare_cached("SELECT event, body FROM webhook_deliveries WHERE id = ?1")?
        .query_row([id], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?)
}

/// The case as a webhook carries it, with its client.
pub fn case_payload(conn: &Connection, id: CaseId) -> StoreResult<Option<(ClientId, WebhookCase)>> {
    Ok(conn
        .prepare_cached(
            "SELECT p.client_id, c.id, p.key || '-' || c.number, c.project_id, c.subject,
                    c.status, c.priority, c.channel, c.topic_id, c.created_at, c.updated_at
             FROM cases c JOIN projects p ON p.id = c.project_id WHERE c.id = ?1",
        )?
        .query_row([id], |row| {
            Ok((
                row.get(0)?,
                WebhookCase {
                    id: row.get(1)?,
                    reference: row.get(2)?,
                    project_id: row.get(3)?,
                    subject: row.get(4)?,
                    status: row.get(5)?,
                    priority: row.get(6)?,
                    channel: row.get(7)?,
                    topic_id: row.get(8)?,
                    created_at: row.get(9)?,
                    updated_at: row.get(10)?,
                },
            ))
        })
        .optional()?)
}
