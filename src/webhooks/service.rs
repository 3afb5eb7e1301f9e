//! Webhooks: checks, authorization, audit, and the queue's entry points
//! ([`enqueue`] for the rule engine, the test event, the re-send).

use rusqlite::Connection;

use super::WebhookError;
use super::model::{
    Delivery, TestData, TestEventInput, Webhook, WebhookBody, WebhookEvent, WebhookInput,
    WebhookWithSecret,
};
use super::store::{self, WebhookRow};
use super::target;
use crate::audit::{self, Actor};
use crate::auth::Principal;
use crate::auth::policy;
use crate::db::{StoreError, now, random_hex};
use crate::ids::ClientId;
use crate::mail::secrets::Sealer;
use crate::net::host_policy::HostPolicy;
use crate::validation::{Invalid, required_text};

/// The sealing context of webhook secrets.
const SECRET_CONTEXT: &str = "webhook-secret";
/// Deliveries listed at most.
const MAX_LIST: u32 = 200;

fn record(
    conn: &Connection,
    who: &Principal,
    action: &str,
    id: i64,
    client_id: ClientId,
    details: serde_json::Value,
) -> Result<(), WebhookError> {
    audit::record(
        conn,
        &Actor::from(who),
        action,
        "webhook",
        Some(id),
        Some(client_id),
        details,
    )?;
    Ok(())
}

fn taken(err: StoreError) -> WebhookError {
    match err {
        StoreError::Conflict(_) => WebhookError::NameTaken,
        other => WebhookError::Store(other),
    }
}

/// A webhook the caller may manage (another client's: not found).
fn visible(conn: &Connection, who: &Principal, id: i64) -> Result<Webhook, WebhookError> {
    let hook = store::webhook(conn, id)?.ok_or(WebhookError::NotFound)?;
    policy::view_client(who, hook.client_id).map_err(|_| WebhookError::NotFound)?;
    policy::manage_webhooks(who, hook.client_id)?;
    Ok(hook)
}

/// The target check with the platform's host policy, before anything is
/// stored (async: a host name is resolved).
pub async fn check_target(url: &str, policy: &HostPolicy) -> Result<(), WebhookError> {
    let parsed = target::parse(url)?;
    target::check_on_save(&parsed, policy).await?;
    Ok(())
}

struct Checked {
    name: String,
    url: String,
    active: bool,
    secret: Option<String>,
}

fn check(input: &WebhookInput) -> Result<Checked, WebhookError> {
    let name = required_text("name", &input.name, 120)?;
    let url = input.url.trim().to_string();
    target::parse(&url)?;
    let secret = match &input.secret {
        None => None,
        Some(s) => {
            let len = s.chars().count();
            if !(16..=200).contains(&len) || s.chars().any(|c| c.is_control()) {
                return Err(Invalid::new(
                    "secret",
                    "must be 16 to 200 characters without control characters",
                )
                .into());
            }
            Some(s.clone())
        }
    };
    Ok(Checked {
        name,
        url,
        active: input.active,
        secret,
    })
}

fn seal(sealer: &Sealer, secret: &str) -> Result<Vec<u8>, WebhookError> {
    sealer
        .seal(SECRET_CONTEXT, secret)
        .map_err(|_| WebhookError::Secret)
}

/// The secret of a webhook, opened (the sender signs with it).
pub fn secret(conn: &Connection, sealer: &Sealer, id: i64) -> Result<String, WebhookError> {
    let sealed = store::sealed_secret(conn, id)?.ok_or(WebhookError::NotFound)?;
    sealer
        .open(SECRET_CONTEXT, &sealed)
        .map_err(|_| WebhookError::Secret)
}

pub fn list(
    conn: &Connection,
    who: &Principal,
    client_id: Option<ClientId>,
) -> Result<Vec<Webhook>, WebhookError> {
    let client = if who.is_admin() {
        client_id
    } else {
        Some(
            client_id
                .or(who.client_id)
                .ok_or(policy::Denied::Forbidden)?,
        )
    };
    if let Some(c) = client {
        policy::manage_webhooks(who, c)?;
    }
    Ok(store::webhooks(conn, client)?)
}

pub fn get(conn: &Connection, who: &Principal, id: i64) -> Result<Webhook, WebhookError> {
    visible(conn, who, id)
}

pub fn create(
    conn: &Connection,
    who: &Principal,
    sealer: &Sealer,
    input: WebhookInput,
) -> Result<WebhookWithSecret, WebhookError> {
    let client_id = input
        .client_id
        .or(who.client_id)
        .ok_or(Invalid::new("client_id", "name the client"))?;
    policy::manage_webhooks(who, client_id)?;
    let checked = check(&input)?;
    let secret = checked.secret.clone().unwrap_or_else(|| random_hex(32));
    let row = WebhookRow {
        name: &checked.name,
        url: &checked.url,
        active: checked.active,
    };
    let id = store::insert_webhook(conn, client_id, &row, &seal(sealer, &secret)?, &now())
        .map_err(taken)?;
    record(
        conn,
        who,
        "webhook.create",
        id,
        client_id,
        serde_json::json!({"name": checked.name, "url": checked.url, "active": checked.active}),
    )?;
    let webhook = store::webhook(conn, id)?.ok_or(WebhookError::NotFound)?;
    Ok(WebhookWithSecret {
        webhook,
        secret: Some(secret),
    })
}

/// Changes a webhook; answers the new secret when one was set or made.
pub fn update(
    conn: &Connection,
    who: &Principal,
    sealer: &Sealer,
    id: i64,
    input: WebhookInput,
) -> Result<(Webhook, Option<String>), WebhookError> {
    let before = visible(conn, who, id)?;
    if input.client_id.is_some_and(|c| c != before.client_id) {
        return Err(Invalid::new("client_id", "a webhook cannot move to another client").into());
    }
    let checked = check(&input)?;
    let secret = match (&checked.secret, input.new_secret) {
        (Some(_), true) => {
            return Err(
                Invalid::new("new_secret", "either give a secret or ask for a new one").into(),
            );
        }
        (Some(s), false) => Some(s.clone()),
        (None, true) => Some(random_hex(32)),
        (None, false) => None,
    };
    let sealed = secret.as_deref().map(|s| seal(sealer, s)).transpose()?;
    let row = WebhookRow {
        name: &checked.name,
        url: &checked.url,
        active: checked.active,
    };
    store::update_webhook(conn, id, &row, sealed.as_deref(), &now()).map_err(taken)?;
    record(
        conn,
        who,
        "webhook.update",
        id,
        before.client_id,
        serde_json::json!({"name": checked.name, "url": checked.url, "active": checked.active,
                           "secret_changed": secret.is_some()}),
    )?;
    let after = store::webhook(conn, id)?.ok_or(WebhookError::NotFound)?;
    Ok((after, secret))
}

/// Deletes a webhook with its deliveries.
pub fn delete(conn: &Connection, who: &Principal, id: i64) -> Result<(), WebhookError> {
    let before = visible(conn, who, id)?;
    store::delete_webhook(conn, id)?;
    record(
        conn,
        who,
        "webhook.delete",
        id,
        before.client_id,
        serde_json::json!({"name": before.name, "url": before.url}),
    )
}

pub fn deliveries(
    conn: &Connection,
    who: &Principal,
    id: i64,
    limit: Option<u32>,
) -> Result<Vec<Delivery>, WebhookError> {
    visible(conn, who, id)?;
    Ok(store::deliveries(
        conn,
        id,
        limit.unwrap_or(50).clamp(1, MAX_LIST),
    )?)
}

fn body_of(hook: &Webhook, event: WebhookEvent) -> Result<(String, String), WebhookError> {
    let kind = event.kind().to_string();
    let body = WebhookBody {
        id: random_hex(16),
        created_at: now(),
        client_id: hook.client_id,
        webhook_id: hook.id,
        event,
    };
    let json = serde_json::to_string(&body)
        .map_err(|err| StoreError::Task(format!("webhook body: {err}")))?;
    Ok((kind, json))
}

/// The rule engine's hook: queues `event` for webhook `webhook_id` in the
/// caller's transaction (delivered after the commit by `webhooks.send`;
/// call [`super::worker::wake`] after the commit to send at once).
/// An inactive webhook queues nothing (`None`); a case event for a case of
/// another client than the webhook's is refused as not found.
pub fn enqueue(
    conn: &Connection,
    webhook_id: i64,
    event: WebhookEvent,
    rule_run_id: Option<i64>,
) -> Result<Option<i64>, WebhookError> {
    let hook = store::webhook(conn, webhook_id)?.ok_or(WebhookError::NotFound)?;
    if !hook.active {
        return Ok(None);
    }
    if let WebhookEvent::RuleFired(data) = &event {
        let (client, _) =
            store::case_payload(conn, data.case.id)?.ok_or(WebhookError::CaseNotFound)?;
        if client != hook.client_id {
            return Err(WebhookError::CaseNotFound);
        }
    }
    let (kind, body) = body_of(&hook, event)?;
    Ok(Some(store::insert_delivery(
        conn,
        webhook_id,
        &kind,
        &body,
        rule_run_id,
        None,
        &now(),
    )?))
}

/// The "send test event" action: a `test` delivery, also for an inactive
/// webhook (the admin asked for it explicitly).
pub fn send_test(
    conn: &Connection,
    who: &Principal,
    id: i64,
    input: TestEventInput,
) -> Result<Delivery, WebhookError> {
    let hook = visible(conn, who, id)?;
    let message = match input.message {
        Some(m) if m.chars().count() > 500 => {
            return Err(Invalid::new("message", "must be at most 500 characters").into());
        }
        Some(m) => m,
        None => "Test event from zezaro".to_string(),
    };
    let (kind, body) = body_of(
        &hook,
        WebhookEvent::Test(TestData {
            message,
            by: who.name.clone(),
        }),
    )?;
    let delivery = store::insert_delivery(conn, id, &kind, &body, None, None, &now())?;
    record(
        conn,
        who,
        "webhook.test",
        id,
        hook.client_id,
        serde_json::json!({"delivery_id": delivery}),
    )?;
    store::delivery(conn, delivery)?.ok_or(WebhookError::DeliveryNotFound)
}

/// A new delivery with the same body as `delivery_id` (same event id).
pub fn resend(
    conn: &Connection,
    who: &Principal,
    delivery_id: i64,
) -> Result<Delivery, WebhookError> {
    let old = store::delivery(conn, delivery_id)?.ok_or(WebhookError::DeliveryNotFound)?;
    let hook = visible(conn, who, old.webhook_id).map_err(|err| match err {
        WebhookError::NotFound => WebhookError::DeliveryNotFound,
        other => other,
    })?;
    let (event, body) =
        store::delivery_body(conn, delivery_id)?.ok_or(WebhookError::DeliveryNotFound)?;
    let id = store::insert_delivery(
        conn,
        hook.id,
        &event,
        &body,
        old.rule_run_id,
        Some(delivery_id),
        &now(),
    )?;
    record(
        conn,
        who,
        "webhook.resend",
        hook.id,
        hook.client_id,
        serde_json::json!({"delivery_id": id, "resend_of": delivery_id}),
    )?;
    store::delivery(conn, id)?.ok_or(WebhookError::DeliveryNotFound)
}
