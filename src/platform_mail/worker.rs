//! The platform mail sender: a background service (`platform.mail` in the
//! services list) that sends the due `platform_mail` rows one at a time
//! through the platform sender, retrying with the outbox's backoff (30 s,
//! 1 min … an hour; failed after `MAX_ATTEMPTS` or a permanent refusal).
//! Woken on enqueue; otherwise it looks every 10 seconds.

use std::time::Duration;

use chrono::Utc;

use super::error::PlatformMailError;
use super::service::{self, LINK_CONTEXT, LINK_VOID, NO_SENDER};
use super::store;
use crate::db::{Db, now};
use crate::mail::secrets::Sealer;
use crate::mail::smtp::{self, OutgoingMail, SendError};
use crate::net::HostPolicy;
use crate::services::{ControlError, Registry, RunMessage, RunReport, ServiceSpec, Trigger};
use crate::users::Locale;

/// Registry key of the sender.
pub const SERVICE_KEY: &str = "platform.mail";
/// Attempts before a mail is given up (about three hours; a reset link
/// lives one).
const MAX_ATTEMPTS: i64 = 10;

/// What the sender works with.
#[derive(Clone)]
pub struct Sending {
    pub db: Db,
    pub sealer: Sealer,
    pub allowed_hosts: HostPolicy,
    pub public_url: Option<String>,
}

pub fn register(services: &Registry, sending: Sending) -> Result<(), ControlError> {
    services.register(ServiceSpec::new(
        SERVICE_KEY,
        "Platform mail (invitations, password resets)",
        Trigger::Every(Duration::from_secs(10)),
        move |_| {
            let state = sending.clone();
            async move { send_due(&state).await }
        },
    ))
}

async fn send_due(state: &Sending) -> Result<RunReport, String> {
    let (mut sent, mut failed) = (0u64, 0u64);
    for _ in 0..200 {
        let at = now();
        let due = state
            .db
            .read(move |conn| store::next_due(conn, &at))
            .await
            .map_err(|err| format!("reading the platform mail failed: {err}"))?;
        let Some(due) = due else { break };
        let (id, attempts) = (due.id, due.attempts + 1);
        let outcome = attempt(state, due).await;
        let at = now();
        let recorded = match &outcome {
            Ok(()) => {
                sent += 1;
                state
                    .db
                    .write(move |tx| store::mark_sent(tx, id, attempts, &at))
                    .await
            }
            Err(err) => {
                failed += 1;
                let give_up = err.permanent || attempts >= MAX_ATTEMPTS;
                let next = (!give_up).then(|| {
                    crate::sla::clock::stamp(
                        Utc::now()
                            + chrono::Duration::seconds(crate::mail::outbound::backoff_secs(
                                attempts,
                            )),
                    )
                });
                let why: String = err.message.chars().take(500).collect();
                state
                    .db
                    .write(move |tx| {
                        store::mark_failed(tx, id, attempts, next.as_deref(), &why, &at)
                    })
                    .await
            }
        };
        recorded.map_err(|err: crate::db::StoreError| {
            format!("recording a platform mail failed: {err}")
        })?;
    }
    Ok(RunReport::new(
        sent,
        RunMessage::new("mail.sent")
            .num("n", sent as f64)
            .num("failed", failed as f64),
    ))
}

/// One attempt at a due mail: the link opened and written into the mail
/// in the user's language, sent through the platform sender.
async fn attempt(state: &Sending, due: store::DueRow) -> Result<(), SendError> {
    if !due.link_open || !due.user_active {
        return Err(SendError::permanent(LINK_VOID));
    }
    let Some(public_url) = state.public_url.as_deref() else {
        return Err(SendError::permanent(
            "the platform's public address (public_url) is not configured",
        ));
    };
    let token = due
        .link_sealed
        .as_deref()
        .ok_or_else(|| SendError::permanent(LINK_VOID))
        .and_then(|sealed| {
            state
                .sealer
                .open(LINK_CONTEXT, sealed)
                .map_err(|e| SendError::permanent(format!("the link: {e}")))
        })?;
    let locale = due.user_locale.as_deref().and_then(Locale::parse);
    let (subject, body) = service::render(
        due.kind,
        locale,
        &due.user_name,
        &service::link(public_url, &token),
        &due.expires_at,
    );
    send(state, &due.to_address, subject, body).await
}

/// Sends one mail through the platform sender.
async fn send(
    state: &Sending,
    to: &str,
    subject: String,
    body_text: String,
) -> Result<(), SendError> {
    let sealer = state.sealer.clone();
    let smtp = state
        .db
        .read(move |conn| service::smtp_settings(conn, &sealer))
        .await
        .map_err(|e: PlatformMailError| SendError {
            message: format!("reading the platform sender: {e}"),
            permanent: false,
        })?
        .ok_or_else(|| SendError::permanent(NO_SENDER))??;
    let service::PlatformSmtp {
        settings,
        from_address,
        from_name,
    } = smtp;
    let mail = OutgoingMail {
        from_name,
        message_id: crate::mail::outbound::new_message_id(&from_address),
        from_address: from_address.clone(),
        to_address: to.to_string(),
        subject,
        body_text,
        body_html: None,
        in_reply_to: None,
        references: Vec::new(),
        auto_submitted: true,
        attachments: Vec::new(),
    };
    let message = smtp::build(&mail)?;
    let hello = from_address
        .rsplit_once('@')
        .map(|(_, d)| d.to_string())
        .unwrap_or_else(|| "localhost".into());
    smtp::send(&settings, &state.allowed_hosts, &hello, message).await
}

/// "Send test mail": one mail through the saved sender to `to`, at once,
/// in the admin's language; the outcome is answered, nothing is queued.
pub async fn send_test(state: &Sending, to: &str, locale: Option<Locale>) -> Result<(), SendError> {
    let (subject, body) = match locale.unwrap_or(Locale::De) {
        Locale::De => (
            "Testnachricht von zezaro",
            "Diese Nachricht zeigt, dass zezaro über den eingerichteten Absender E-Mails \
             versenden kann (Einladungen, Passwort-Links).\n",
        ),
        Locale::En => (
            "Test message from zezaro",
            "This message shows that zezaro can send mail through the configured sender \
             (invitations, password links).\n",
        ),
    };
    send(state, to, subject.into(), body.into()).await
}
