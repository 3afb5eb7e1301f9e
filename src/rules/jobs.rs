//! The rules' background services, registered with the others (shown and
//! controlled in the admin's services list): `rules.time` (time-based
//! rules, every minute) and `rules.mail` (the e-mail copies of rule
//! notifications, every 10 seconds).

use std::sync::Arc;
use std::time::Duration;

use crate::cases::CaseHub;
use crate::db::Db;
use crate::mail::secrets::Sealer;
use crate::net::host_policy::HostPolicy;
use crate::services::{ControlError, Registry, RunMessage, RunReport, ServiceSpec, Trigger};

/// Key of the notification mail sender.
pub const MAIL_SERVICE: &str = "rules.mail";

/// What the notification mail sender needs.
#[derive(Clone)]
pub struct Mailing {
    pub db: Db,
    pub sealer: Sealer,
    pub allowed_hosts: HostPolicy,
    pub public_url: Option<String>,
}

/// Registers `rules.time` and `rules.mail`.
pub fn register(
    registry: &Registry,
    hub: &Arc<CaseHub>,
    mailing: Mailing,
) -> Result<(), ControlError> {
    let hub = hub.clone();
    let cursors = Arc::new(super::time::Cursors::default());
    registry.register(ServiceSpec::new(
        super::time::SERVICE,
        "Time-based rules",
        Trigger::Cron("0 * * * * *".into()),
        move |ctx| {
            let hub = hub.clone();
            let cursors = cursors.clone();
            async move {
                let fired = super::time::run_due(&ctx.db, &hub, &cursors, chrono::Utc::now())
                    .await
                    .map_err(|err| format!("time-based rules failed: {err}"))?;
                Ok(RunReport::new(
                    fired,
                    RunMessage::new("rules.fired").num("n", fired as f64),
                ))
            }
        },
    ))?;
    registry.register(ServiceSpec::new(
        MAIL_SERVICE,
        "Rule notification e-mails",
        Trigger::Every(Duration::from_secs(10)),
        move |_| {
            let state = mailing.clone();
            async move { send_due(&state).await }
        },
    ))
}

/// Sends the due notification mails, one at a time.
async fn send_due(state: &Mailing) -> Result<RunReport, String> {
    let (mut sent, mut failed) = (0u64, 0u64);
    // A bound per run: the rest waits ten seconds.
    for _ in 0..200 {
        let url = state.public_url.clone();
        let due = state
            .db
            .read(move |conn| super::notify::next_due(conn, url.as_deref()))
            .await
            .map_err(|err| format!("reading notification mails failed: {err}"))?;
        let Some(due) = due else { break };
        let (id, attempts) = (due.id, due.attempts);
        let check = state.db.clone();
        let (user, case, client) = (due.user_id, due.case_id, due.client_id);
        let sees = check
            .read(move |conn| super::notify::still_sees(conn, user, case, client))
            .await
            .map_err(|err| format!("checking a notification mail failed: {err}"))?;
        if !sees {
            state
                .db
                .write(move |tx| super::notify::drop_mail(tx, id))
                .await
                .map_err(|err| format!("dropping a notification mail failed: {err}"))?;
            continue;
        }
        let outcome = attempt(state, &due).await;
        if outcome.is_ok() {
            sent += 1;
        } else {
            failed += 1;
        }
        state
            .db
            .write(move |tx| super::notify::record(tx, id, attempts, outcome))
            .await
            .map_err(|err| format!("recording a notification mail failed: {err}"))?;
    }
    Ok(RunReport::new(
        sent,
        RunMessage::new("rules.mailsSent")
            .num("n", sent as f64)
            .num("failed", failed as f64),
    ))
}

async fn attempt(state: &Mailing, due: &super::notify::DueMail) -> Result<(), (String, bool)> {
    let sealer = state.sealer.clone();
    let (mailbox_id, client_id) = (due.mailbox_id, due.client_id);
    let settings = state
        .db
        .read(move |conn| crate::mail::smtp::settings(conn, &sealer, mailbox_id, client_id))
        .await
        .map_err(|e| (format!("reading the mailbox: {e}"), false))?
        .ok_or_else(|| ("the mailbox was deleted".to_string(), true))?
        .map_err(|e| (e.message.clone(), e.permanent))?;
    let message =
        crate::mail::smtp::build(&due.mail).map_err(|e| (e.message.clone(), e.permanent))?;
    let hello = due
        .mail
        .from_address
        .rsplit_once('@')
        .map(|(_, d)| d.to_string())
        .unwrap_or_else(|| "localhost".into());
    crate::mail::smtp::send(&settings, &state.allowed_hosts, &hello, message)
        .await
        .map_err(|e| (e.message.clone(), e.permanent))
}
