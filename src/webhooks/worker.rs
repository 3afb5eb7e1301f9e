//! The webhook sender: a background service (`webhooks.send` in the
//! registry) that posts the due deliveries one at a time, like the mail
//! sender (`mail::outbound::worker`): a row is taken (`sending`), posted,
//! and recorded as `delivered`, `failed` (a permanent refusal, or
//! `MAX_ATTEMPTS` tries) or `queued` again with its next attempt after the
//! shared backoff (`mail::outbound::backoff_from`: 10 s, 20 s, 40 s … up
//! to an hour). Asked to run at once after a delivery is queued ([`wake`]),
//! otherwise it looks every few seconds. Rows live in the store, so a
//! restart resumes them; a row left `sending` by a stop is queued again.

use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use super::WebhookError;
use super::send::{self, Outcome, Request};
use super::service;
use super::sign;
use super::target;
use crate::db::{Db, now};
use crate::mail::secrets::Sealer;
use crate::net::host_policy::HostPolicy;
use crate::services::{ControlError, Registry, RunMessage, RunReport, ServiceSpec, Trigger};

/// Registry key of the sender.
pub const SERVICE_KEY: &str = "webhooks.send";
/// How often the sender looks for due rows without being asked.
const POLL: Duration = Duration::from_secs(5);
/// Attempts before a delivery fails for good.
pub const MAX_ATTEMPTS: i64 = 10;
/// The first retry's wait; it doubles up to an hour.
pub const FIRST_RETRY_SECS: i64 = 10;

/// Something was queued: send now (call after the commit).
pub fn wake(services: &Registry) {
    services.poke(SERVICE_KEY);
}

/// What the sender works with.
#[derive(Clone)]
pub struct Sending {
    pub db: Db,
    pub sealer: Sealer,
    pub allowed_hosts: HostPolicy,
}

/// Registers the sender with the background services.
pub fn register(services: &Registry, sending: Sending) -> Result<(), ControlError> {
    services.register(ServiceSpec::new(
        SERVICE_KEY,
        "Webhook sender",
        Trigger::Every(POLL),
        move |_| {
            let state = sending.clone();
            async move { send_due(&state).await }
        },
    ))
}

struct Due {
    id: i64,
    webhook_id: i64,
    attempts: i64,
    event: String,
    body: String,
    url: String,
}

/// Takes the next due row (`sending`), if any. A row `sending` for longer
/// than the longest attempt was left by a stop: it is due again.
fn take_next(conn: &Connection, at: &str, stale: &str) -> Result<Option<Due>, WebhookError> {
    let due = conn
        .prepare_cached(
            "SELECT d.id, d.webhook_id, d.attempts, d.event, d.body, w.url
             FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
             WHERE (d.state = 'queued' AND d.next_attempt_at <= ?1)
                OR (d.state = 'sending' AND d.updated_at <= ?2)
             ORDER BY d.next_attempt_at, d.id LIMIT 1",
        )?
        .query_row(params![at, stale], |row| {
            Ok(Due {
                id: row.get(0)?,
                webhook_id: row.get(1)?,
                attempts: row.get(2)?,
                event: row.get(3)?,
                body: row.get(4)?,
                url: row.get(5)?,
            })
        })
        .optional()?;
    if let Some(due) = &due {
        conn.prepare_cached(
            "UPDATE webhook_deliveries SET state = 'sending', updated_at = ?2 WHERE id = ?1",
        )?
        .execute(params![due.id, at])?;
    }
    Ok(due)
}

/// Records attempt `attempts + 1`.
fn record(
    conn: &Connection,
    id: i64,
    attempts: i64,
    outcome: &Outcome,
) -> Result<(), WebhookError> {
    let at = now();
    let tried = attempts + 1;
    let (state, next) = if outcome.delivered() {
        ("delivered", None)
    } else if outcome.permanent || tried >= MAX_ATTEMPTS {
        ("failed", None)
    } else {
        let wait = crate::mail::outbound::backoff_from(FIRST_RETRY_SECS, tried);
        (
            "queued",
            Some(
                (chrono::Utc::now() + chrono::Duration::seconds(wait))
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            ),
        )
    };
    let error: Option<String> = outcome
        .error
        .as_ref()
        .map(|e| e.chars().take(300).collect());
    conn.prepare_cached(
        "UPDATE webhook_deliveries SET state = ?3, attempts = ?4, next_attempt_at = ?5,
             last_status = ?6, last_millis = ?7, last_error = ?8, updated_at = ?9,
             delivered_at = CASE WHEN ?3 = 'delivered' THEN ?9 ELSE delivered_at END
         WHERE id = ?1 AND attempts = ?2 AND state = 'sending'",
    )?
    .execute(params![
        id,
        attempts,
        state,
        tried,
        next,
        outcome.status,
        outcome.millis,
        error,
        at
    ])?;
    Ok(())
}

async fn send_due(state: &Sending) -> Result<RunReport, String> {
    let (mut delivered, mut failed) = (0u64, 0u64);
    loop {
        let at = now();
        let stale = (chrono::Utc::now() - chrono::Duration::minutes(2))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let due = state
            .db
            .write(move |tx| take_next(tx, &at, &stale))
            .await
            .map_err(|err| format!("reading the webhook queue failed: {err}"))?;
        let Some(due) = due else { break };
        let outcome = attempt(state, &due).await;
        if outcome.delivered() {
            delivered += 1;
        } else {
            failed += 1;
            tracing::warn!(
                delivery = due.id,
                webhook = due.webhook_id,
                attempt = due.attempts + 1,
                error = outcome.error.as_deref().unwrap_or_default(),
                "webhook delivery failed"
            );
        }
        let (id, attempts) = (due.id, due.attempts);
        state
            .db
            .write(move |tx| record(tx, id, attempts, &outcome))
            .await
            .map_err(|err| format!("recording a webhook delivery failed: {err}"))?;
    }
    Ok(RunReport::new(
        delivered,
        RunMessage::new("webhooks.delivered")
            .num("n", delivered as f64)
            .num("failed", failed as f64),
    ))
}

async fn attempt(state: &Sending, due: &Due) -> Outcome {
    let parsed = match target::parse(&due.url) {
        Ok(t) => t,
        Err(refusal) => {
            return Outcome {
                status: None,
                millis: 0,
                error: Some(format!("{}: {refusal}", refusal.code())),
                permanent: true,
            };
        }
    };
    let sealer = state.sealer.clone();
    let webhook_id = due.webhook_id;
    let secret = state
        .db
        .read(move |conn| service::secret(conn, &sealer, webhook_id))
        .await;
    let secret = match secret {
        Ok(s) => s,
        Err(err) => {
            return Outcome {
                status: None,
                millis: 0,
                error: Some(format!("the secret: {err}")),
                permanent: matches!(err, WebhookError::Secret | WebhookError::NotFound),
            };
        }
    };
    let unix = chrono::Utc::now().timestamp();
    let body = due.body.as_bytes();
    send::post(
        &parsed,
        &state.allowed_hosts,
        Request {
            body,
            headers: vec![
                (sign::HEADER, sign::signature(&secret, unix, body)),
                ("X-Zezaro-Event", due.event.clone()),
                ("X-Zezaro-Delivery", due.id.to_string()),
            ],
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::StoreError;
    use crate::webhooks::model::{RuleFiredData, TestData, WebhookEvent};

    fn store() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Db::open(dir.path()).unwrap();
        db.write_blocking(|tx| {
            let at = now();
            for (id, name) in [(1, "A"), (2, "B")] {
                tx.execute(
                    "INSERT INTO clients (id, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
                    rusqlite::params![id, name, at],
                )?;
                tx.execute(
                    "INSERT INTO projects (id, client_id, name, key, created_at, updated_at)
                     VALUES (?1, ?1, ?2, ?2, ?3, ?3)",
                    rusqlite::params![id, name, at],
                )?;
                tx.execute(
                    "INSERT INTO cases (id, project_id, number, subject, channel, created_at, updated_at)
                     VALUES (?1, ?1, 1, 'S', 'email', ?2, ?2)",
                    rusqlite::params![id, at],
                )?;
            }
            // Webhook 1 of client 1 (active), webhook 2 of client 1 (inactive).
            for (id, active) in [(1, 1), (2, 0)] {
                tx.execute(
                    "INSERT INTO webhooks (id, client_id, name, url, secret_sealed, active, created_at, updated_at)
                     VALUES (?1, 1, ?1, 'http://127.0.0.1:9/', x'00', ?2, ?3, ?3)",
                    rusqlite::params![id, active, at],
                )?;
            }
            Ok::<_, StoreError>(())
        })
        .unwrap();
        (dir, db)
    }

    fn test_event() -> WebhookEvent {
        WebhookEvent::Test(TestData {
            message: "m".into(),
            by: "b".into(),
        })
    }

    fn case_event(db: &Db, case: i64) -> WebhookEvent {
        let (_, case) = db
            .read_blocking(|conn| {
                crate::webhooks::store::case_payload(conn, crate::ids::CaseId(case))
            })
            .unwrap()
            .unwrap();
        WebhookEvent::RuleFired(Box::new(RuleFiredData {
            rule_id: 7,
            rule_name: "Bestellungen".into(),
            trigger: "case-created".into(),
            case,
            changes: Vec::new(),
        }))
    }

    fn row(db: &Db, id: i64) -> (String, i64, Option<String>, Option<i64>) {
        db.read_blocking(|conn| {
            Ok::<_, StoreError>(conn.query_row(
                "SELECT state, attempts, next_attempt_at, last_status FROM webhook_deliveries WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?)
        })
        .unwrap()
    }

    #[test]
    fn enqueue_respects_activity_and_the_client() {
        let (_dir, db) = store();
        let own = case_event(&db, 1);
        let queued = db
            .write_blocking(|tx| service::enqueue(tx, 1, own.clone(), Some(5)))
            .unwrap();
        assert!(queued.is_some());
        let body: String = db
            .read_blocking(|conn| {
                Ok::<_, StoreError>(conn.query_row(
                    "SELECT body FROM webhook_deliveries WHERE id = ?1",
                    [queued.unwrap()],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["event"], "rule.fired");
        assert_eq!(json["data"]["case"]["reference"], "A-1");
        assert_eq!(json["client_id"], 1);
        // Inactive: nothing queued.
        assert_eq!(
            db.write_blocking(|tx| service::enqueue(tx, 2, test_event(), None))
                .unwrap(),
            None
        );
        // A case of another client: refused.
        let other = case_event(&db, 2);
        let foreign = db.write_blocking(|tx| service::enqueue(tx, 1, other.clone(), None));
        assert!(matches!(foreign, Err(WebhookError::CaseNotFound)));
        assert!(matches!(
            db.write_blocking(|tx| service::enqueue(tx, 99, test_event(), None)),
            Err(WebhookError::NotFound)
        ));
    }

    #[test]
    fn attempts_back_off_then_fail_and_success_is_final() {
        let (_dir, db) = store();
        let id = db
            .write_blocking(|tx| service::enqueue(tx, 1, test_event(), None))
            .unwrap()
            .unwrap();
        let take = |db: &Db| {
            let at = now();
            db.write_blocking(|tx| take_next(tx, &at, "0000")).unwrap()
        };
        let outcome = |status: u16| send::judge(status, 12);
        for attempts in 0..MAX_ATTEMPTS - 1 {
            let due = take(&db).expect("due");
            assert_eq!((due.id, due.attempts), (id, attempts));
            assert_eq!(row(&db, id).0, "sending");
            db.write_blocking(|tx| record(tx, id, attempts, &outcome(503)))
                .unwrap();
            let (state, tried, next, status) = row(&db, id);
            assert_eq!(
                (state.as_str(), tried, status),
                ("queued", attempts + 1, Some(503))
            );
            let wait = chrono::DateTime::parse_from_rfc3339(&next.unwrap())
                .unwrap()
                .with_timezone(&chrono::Utc)
                - chrono::Utc::now();
            let expected = crate::mail::outbound::backoff_from(FIRST_RETRY_SECS, attempts + 1);
            assert!(
                (wait.num_seconds() - expected).abs() <= 2,
                "{wait} vs {expected}"
            );
            assert!(take(&db).is_none(), "not due before its time");
            // Make it due now.
            db.write_blocking(|tx| {
                tx.execute(
                    "UPDATE webhook_deliveries SET next_attempt_at = '0000' WHERE id = ?1",
                    [id],
                )?;
                Ok::<_, StoreError>(())
            })
            .unwrap();
        }
        let due = take(&db).unwrap();
        db.write_blocking(|tx| record(tx, id, due.attempts, &outcome(503)))
            .unwrap();
        assert_eq!(row(&db, id).0, "failed", "the 10th attempt gives up");
        assert!(take(&db).is_none());

        // A second delivery: delivered at once; a stale outcome changes nothing.
        let id = db
            .write_blocking(|tx| service::enqueue(tx, 1, test_event(), None))
            .unwrap()
            .unwrap();
        take(&db).unwrap();
        db.write_blocking(|tx| record(tx, id, 0, &outcome(204)))
            .unwrap();
        db.write_blocking(|tx| record(tx, id, 0, &outcome(500)))
            .unwrap();
        assert_eq!(row(&db, id).0, "delivered");
        // A permanent refusal fails at once.
        let id = db
            .write_blocking(|tx| service::enqueue(tx, 1, test_event(), None))
            .unwrap()
            .unwrap();
        take(&db).unwrap();
        db.write_blocking(|tx| record(tx, id, 0, &outcome(404)))
            .unwrap();
        assert_eq!(row(&db, id), ("failed".into(), 1, None, Some(404)));
    }
}
