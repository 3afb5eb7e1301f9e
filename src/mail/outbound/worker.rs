//! The mail sender: a background service (`mail.send` in the registry)
//! that sends the due outbox rows one at a time, marks them sent, or
//! schedules the next attempt (30 s, 1 min, 2 min … up to an hour; failed
//! after `MAX_ATTEMPTS` or a permanent refusal). Asked to run at once on
//! enqueue ([`Outbox::wake`]); otherwise it looks every few seconds (retries,
//! rows queued by other writers). Rows live in the store, so a restart
//! resumes them.

use crate::ids::{CaseId, ClientId, ProjectId};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use super::{MAX_ATTEMPTS, OutboundError, backoff_secs};
use crate::blobs::BlobStore;
use crate::cases::CaseHub;
use crate::cases::events::{CaseEvent, Event};
use crate::db::{Db, now};
use crate::mail::secrets::Sealer;
use crate::mail::smtp::{self, OutgoingFile, OutgoingMail, SendError, SmtpSettings};
use crate::net::host_policy::HostPolicy;
use crate::services::{ControlError, Registry, RunMessage, RunReport, ServiceSpec, Trigger};

/// Registry key of the sender.
pub const SERVICE_KEY: &str = "mail.send";
/// How often the sender looks for due rows without being asked.
const POLL: Duration = Duration::from_secs(10);
/// How long a server stop waits for the mail in flight.
const STOP_WAIT: Duration = Duration::from_secs(60);

/// Handle of the sender, in the application state.
pub struct Outbox {
    services: Registry,
    stopping: AtomicBool,
    /// Held while a mail is sent and its outcome recorded.
    in_flight: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Outbox(..)")
    }
}

impl Outbox {
    pub fn new(services: Registry) -> Outbox {
        Outbox {
            services,
            stopping: AtomicBool::new(false),
            in_flight: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// Something was queued: send now (call after the commit).
    pub fn wake(&self) {
        self.services.poke(SERVICE_KEY);
    }

    /// Ends sending after the mail in flight, if any (server stop); queued
    /// rows wait for the next start.
    pub async fn stop(&self) {
        self.stopping.store(true, Ordering::Release);
        let _ = tokio::time::timeout(STOP_WAIT, self.in_flight.lock()).await;
    }
}

/// What the sender works with: the store, the live events, the mailbox
/// passwords' sealer, the stored files, the hosts it may reach, and its own
/// handle (stop flag, mail in flight).
#[derive(Clone)]
pub struct Sending {
    pub db: Db,
    pub hub: Arc<CaseHub>,
    pub sealer: Sealer,
    pub blobs: BlobStore,
    pub allowed_hosts: HostPolicy,
    pub outbox: Arc<Outbox>,
}

/// Registers the sender with the background services.
pub fn register(services: &Registry, sending: Sending) -> Result<(), ControlError> {
    services.register(ServiceSpec::new(
        SERVICE_KEY,
        "Mail sender (replies, acknowledgments)",
        Trigger::Every(POLL),
        move |_| {
            let state = sending.clone();
            async move { send_due(&state).await }
        },
    ))
}

/// One run: the mail channel's rows of the cases' outbox that no request
/// took, then everything due now, one at a time.
async fn send_due(state: &Sending) -> Result<RunReport, String> {
    let waiting = state
        .db
        .read(|conn| crate::cases::outbox::waiting(conn, super::CHANNELS))
        .await
        .map_err(|err| format!("reading the outbox failed: {err}"))?;
    if waiting {
        let taken = state
            .db
            .write(|tx| super::take_outbox(tx))
            .await
            .map_err(|err| format!("taking the outbox failed: {err}"))?;
        tracing::debug!(taken, "mail taken from the outbox");
    }
    let (mut sent, mut failed) = (0u64, 0u64);
    while !state.outbox.stopping.load(Ordering::Acquire) {
        let at = now();
        let due = state
            .db
            .read(move |conn| next_due(conn, &at))
            .await
            .map_err(|err| format!("reading the mail outbox failed: {err}"))?;
        let Some(due) = due else { break };
        // Each delivery is a task of its own: stopping or restarting the
        // service never cuts a mail off between sending and recording it
        // (it would go out twice).
        let guard = state.outbox.in_flight.clone().lock_owned().await;
        let task_state = state.clone();
        let delivered = tokio::spawn(async move {
            let _in_flight = guard;
            deliver(&task_state, due).await
        })
        .await
        .unwrap_or(false);
        if delivered {
            sent += 1;
        } else {
            failed += 1;
        }
    }
    Ok(RunReport::new(
        sent,
        RunMessage::new("mail.sent")
            .num("n", sent as f64)
            .num("failed", failed as f64),
    ))
}

/// A due row with what sending it needs.
struct Due {
    id: i64,
    case_id: CaseId,
    project_id: ProjectId,
    client_id: ClientId,
    attempts: i64,
    mailbox_id: Option<i64>,
    message_id: Option<i64>,
    mail: OutgoingMail,
    files: Vec<(String, String, String)>,
}

fn next_due(conn: &Connection, at: &str) -> Result<Option<Due>, OutboundError> {
    let row = conn
        .prepare_cached(
            "SELECT o.id, o.case_id, c.project_id, p.client_id, o.attempts, o.mailbox_id, o.message_id,
                    o.from_name, o.from_address, o.to_address, o.subject, o.body_text, o.body_html,
                    o.mail_message_id, o.in_reply_to, o.references_ids, o.auto_submitted
             FROM mail_outbox o JOIN cases c ON c.id = o.case_id JOIN projects p ON p.id = c.project_id
             WHERE o.state IN ('queued', 'retrying') AND o.next_attempt_at <= ?1
             ORDER BY o.next_attempt_at, o.id LIMIT 1",
        )?
        .query_row([at], |row| {
            Ok(Due {
                id: row.get(0)?,
                case_id: row.get(1)?,
                project_id: row.get(2)?,
                client_id: row.get(3)?,
                attempts: row.get(4)?,
                mailbox_id: row.get(5)?,
                message_id: row.get(6)?,
                mail: OutgoingMail {
                    from_name: row.get(7)?,
                    from_address: row.get(8)?,
                    to_address: row.get(9)?,
                    subject: row.get(10)?,
                    body_text: row.get(11)?,
                    body_html: row.get(12)?,
                    message_id: row.get::<_, Option<String>>(13)?.unwrap_or_default(),
                    in_reply_to: row.get(14)?,
                    references: row
                        .get::<_, String>(15)?
                        .split_whitespace()
                        .map(str::to_string)
                        .collect(),
                    auto_submitted: row.get(16)?,
                    attachments: Vec::new(),
                },
                files: Vec::new(),
            })
        })
        .optional()?;
    let Some(mut due) = row else {
        return Ok(None);
    };
    if let Some(message_id) = due.message_id {
        let mut stmt = conn.prepare_cached(
            "SELECT filename, content_type, sha256 FROM attachments
             WHERE message_id = ?1 AND case_id = ?2 ORDER BY id",
        )?;
        due.files = stmt
            .query_map(params![message_id, due.case_id], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
    }
    Ok(Some(due))
}

/// When the next row is due, if any.
/// Records the outcome of attempt `attempts + 1`, unless somebody changed
/// the row meanwhile. Returns the case's version for the live event.
fn record(
    conn: &Connection,
    id: i64,
    attempts: i64,
    outcome: &Result<(), SendError>,
) -> Result<Option<i64>, OutboundError> {
    let at = now();
    let changed = match outcome {
        Ok(()) => conn
            .prepare_cached(
                "UPDATE mail_outbox SET state = 'sent', attempts = attempts + 1, sent_at = ?3,
                     next_attempt_at = NULL, last_error = NULL, updated_at = ?3
                 WHERE id = ?1 AND attempts = ?2 AND state IN ('queued', 'retrying')",
            )?
            .execute(params![id, attempts, at])?,
        Err(err) => {
            let tried = attempts + 1;
            let give_up = err.permanent || tried >= MAX_ATTEMPTS;
            let next = (!give_up).then(|| {
                (chrono::Utc::now() + chrono::Duration::seconds(backoff_secs(tried)))
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            });
            let message: String = err.message.chars().take(500).collect();
            conn.prepare_cached(
                "UPDATE mail_outbox SET state = ?3, attempts = ?4, next_attempt_at = ?5,
                     last_error = ?6, updated_at = ?7
                 WHERE id = ?1 AND attempts = ?2 AND state IN ('queued', 'retrying')",
            )?
            .execute(params![
                id,
                attempts,
                if give_up { "failed" } else { "retrying" },
                tried,
                next,
                message,
                at
            ])?
        }
    };
    if changed == 0 {
        return Ok(None);
    }
    Ok(conn
        .prepare_cached(
            "SELECT version FROM cases WHERE id = (SELECT case_id FROM mail_outbox WHERE id = ?1)",
        )?
        .query_row([id], |row| row.get(0))
        .optional()?)
}

/// Sends one row and records the outcome; answers whether it was sent.
async fn deliver(state: &Sending, mut due: Due) -> bool {
    let outcome = attempt(state, &mut due).await;
    match &outcome {
        Ok(()) => tracing::info!(delivery = due.id, case = due.case_id.get(), "mail sent"),
        Err(err) => tracing::warn!(
            delivery = due.id,
            case = due.case_id.get(),
            attempt = due.attempts + 1,
            permanent = err.permanent,
            error = %err,
            "sending mail failed"
        ),
    }
    let (id, attempts) = (due.id, due.attempts);
    let sent = outcome.is_ok();
    let outcome = std::sync::Arc::new(outcome);
    // The outcome must be recorded, or a sent mail would go out again: a
    // busy store is waited for a few times before giving up.
    let mut recorded = Err(OutboundError::NotFound);
    let (case_id, project_id, client_id) = (due.case_id, due.project_id, due.client_id);
    for pause in [0u64, 1, 2, 4, 8] {
        tokio::time::sleep(Duration::from_secs(pause)).await;
        let outcome = outcome.clone();
        // The case's screen learns of the outcome once it is committed.
        recorded = state
            .hub
            .write(&state.db, move |tx, announce| {
                let version = record(tx, id, attempts, &outcome)?;
                if let Some(version) = version {
                    let handling = crate::cases::store::get(tx, case_id)
                        .ok()
                        .flatten()
                        .map(|c| crate::cases::service::handling(&c));
                    announce.push(Event::Case(CaseEvent {
                        kind: "delivery",
                        case_id,
                        project_id,
                        client_id,
                        version,
                        by_user_id: None,
                        by_name: None,
                        handling,
                    }));
                }
                Ok::<_, OutboundError>(version)
            })
            .await;
        if recorded.is_ok() {
            break;
        }
    }
    if let Err(err) = recorded {
        // The row stays due (a sent mail may go out twice): pause well
        // before the next round.
        tracing::error!(delivery = id, error = %err, "recording a delivery failed");
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
    sent
}

async fn attempt(state: &Sending, due: &mut Due) -> Result<(), SendError> {
    let mailbox_id = due
        .mailbox_id
        .ok_or_else(|| SendError::permanent(smtp::MAILBOX_DELETED))?;
    let sealer = state.sealer.clone();
    let client_id = due.client_id;
    let settings: Result<SmtpSettings, SendError> = state
        .db
        .read(move |conn| {
            Ok::<_, OutboundError>(smtp::settings(conn, &sealer, mailbox_id, client_id)?)
        })
        .await
        .map_err(|e| SendError {
            message: format!("reading the mailbox: {e}"),
            permanent: false,
        })?
        .unwrap_or_else(|| Err(SendError::permanent(smtp::MAILBOX_DELETED)));
    let settings = settings?;
    let files = std::mem::take(&mut due.files);
    if !files.is_empty() {
        due.mail.attachments = read_files(state, state.blobs.clone(), files).await?;
    }
    let message = smtp::build(&due.mail)?;
    let hello = due
        .mail
        .from_address
        .rsplit_once('@')
        .map(|(_, domain)| domain.to_string())
        .unwrap_or_else(|| "localhost".into());
    smtp::send(&settings, &state.allowed_hosts, &hello, message).await
}

/// The contents of a message's files, wherever they are stored (loose or
/// in a pack): located in one read, read off the async threads.
async fn read_files(
    state: &Sending,
    blobs: crate::blobs::BlobStore,
    files: Vec<(String, String, String)>,
) -> Result<Vec<OutgoingFile>, SendError> {
    let reader = blobs.clone();
    let located = state
        .db
        .read(move |conn| {
            files
                .into_iter()
                .map(|(filename, content_type, sha256)| {
                    let location = crate::blobs::store::locate(conn, &reader, &sha256)?;
                    Ok((filename, content_type, location))
                })
                .collect::<Result<Vec<_>, OutboundError>>()
        })
        .await
        .map_err(|e| SendError {
            message: format!("reading the attachments: {e}"),
            permanent: false,
        })?;
    tokio::task::spawn_blocking(move || {
        located
            .into_iter()
            .map(|(filename, content_type, location)| {
                let location = location.ok_or_else(|| {
                    SendError::permanent(format!("attachment {filename}: bad content id"))
                })?;
                let content = blobs.read(&location).map_err(|e| {
                    SendError::permanent(format!("attachment {filename}: content missing ({e})"))
                })?;
                Ok(OutgoingFile {
                    filename,
                    content_type,
                    content,
                })
            })
            .collect()
    })
    .await
    .map_err(|e| SendError {
        message: format!("reading the attachments: {e}"),
        permanent: false,
    })?
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Db, StoreError};

    fn store_with_row() -> (tempfile::TempDir, Db, i64) {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Db::open(dir.path()).unwrap();
        let id = db
            .write_blocking(|tx| {
                let at = now();
                tx.execute(
                    "INSERT INTO clients (id, name, created_at, updated_at) VALUES (1, 'C', ?1, ?1)",
                    [&at],
                )?;
                tx.execute(
                    "INSERT INTO projects (id, client_id, name, key, created_at, updated_at)
                     VALUES (1, 1, 'P', 'P', ?1, ?1)",
                    [&at],
                )?;
                tx.execute(
                    "INSERT INTO cases (id, project_id, number, subject, channel, created_at, updated_at)
                     VALUES (1, 1, 1, 'S', 'email', ?1, ?1)",
                    [&at],
                )?;
                tx.execute(
                    "INSERT INTO mail_outbox (case_id, kind, state, subject, body_text, next_attempt_at, created_at, updated_at)
                     VALUES (1, 'reply', 'queued', 'S', 'B', ?1, ?1, ?1)",
                    [&at],
                )?;
                Ok::<_, StoreError>(tx.last_insert_rowid())
            })
            .unwrap();
        (dir, db, id)
    }

    fn state_of(db: &Db, id: i64) -> (String, i64, Option<String>, Option<String>) {
        db.read_blocking(|conn| {
            Ok::<_, StoreError>(conn.query_row(
                "SELECT state, attempts, next_attempt_at, last_error FROM mail_outbox WHERE id = ?1",
                [id],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )?)
        })
        .unwrap()
    }

    fn fail(db: &Db, id: i64, attempts: i64, permanent: bool) -> Option<i64> {
        let outcome = Err(SendError {
            message: "connection refused".into(),
            permanent,
        });
        db.write_blocking(|tx| record(tx, id, attempts, &outcome))
            .unwrap()
    }

    #[test]
    fn failures_back_off_then_fail_and_stale_outcomes_are_ignored() {
        let (_dir, db, id) = store_with_row();
        for attempts in 0..MAX_ATTEMPTS - 1 {
            assert!(fail(&db, id, attempts, false).is_some());
            let (state, tried, next, error) = state_of(&db, id);
            assert_eq!((state.as_str(), tried), ("retrying", attempts + 1));
            assert_eq!(error.as_deref(), Some("connection refused"));
            let next: chrono::DateTime<chrono::Utc> = next.unwrap().parse().unwrap();
            let wait = next - chrono::Utc::now();
            let expected = backoff_secs(attempts + 1);
            assert!(
                (expected - 2..=expected).contains(&wait.num_seconds()),
                "attempt {tried}: {wait}"
            );
        }
        // An outcome for an attempt that is no longer current changes nothing.
        assert!(fail(&db, id, 0, false).is_none());
        assert!(fail(&db, id, MAX_ATTEMPTS - 1, false).is_some());
        let (state, tried, next, _) = state_of(&db, id);
        assert_eq!(
            (state.as_str(), tried, next),
            ("failed", MAX_ATTEMPTS, None)
        );
        // A failed row is not due and takes no more outcomes.
        assert!(fail(&db, id, MAX_ATTEMPTS, false).is_none());
        let due = db
            .read_blocking(|conn| next_due(conn, "9999-12-31T00:00:00.000Z"))
            .unwrap();
        assert!(due.is_none());
    }

    #[test]
    fn a_permanent_refusal_fails_at_once_and_success_is_final() {
        let (_dir, db, id) = store_with_row();
        fail(&db, id, 0, true);
        assert_eq!(state_of(&db, id).0, "failed");

        let (_dir, db, id) = store_with_row();
        let due = db
            .read_blocking(|conn| next_due(conn, &now()))
            .unwrap()
            .expect("due");
        assert_eq!(due.id, id);
        db.write_blocking(|tx| record(tx, id, 0, &Ok(()))).unwrap();
        let (state, tried, next, error) = state_of(&db, id);
        assert_eq!(
            (state.as_str(), tried, next, error),
            ("sent", 1, None, None)
        );
        assert!(
            db.read_blocking(|conn| next_due(conn, &now()))
                .unwrap()
                .is_none()
        );
    }
}
