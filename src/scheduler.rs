//! The built-in scheduled jobs, registered as background services (see
//! `services/registry.rs`, which schedules them with cron expressions in
//! UTC, shows their state and lets admins control them): purging expired
//! sessions every hour, expired client exports every ten minutes, SLA
//! warnings and breaches every ten seconds (`sla::job`), idle agents away
//! every minute (`routing::job`), GDPR
//! retention daily, and the backups. Mail fetchers and the sender are
//! registered by the mail module.

use std::sync::Arc;

use crate::auth::AuthError;
use crate::services::{ControlError, Registry, RunMessage, RunReport, ServiceSpec, Trigger};

/// Key of the session purge in the registry.
pub const SESSION_PURGE: &str = "sessions.purge";
/// Key of the sweep that deletes expired client exports.
pub const EXPORT_EXPIRY: &str = "exports.expire";
/// Key of the daily GDPR retention run.
pub const GDPR_RETENTION: &str = "gdpr.retention";

/// Registers the built-in services.
pub fn register_builtin(
    registry: &Registry,
    backups: &Arc<crate::backup::Backups>,
    exports: &Arc<crate::export::Exports>,
    hub: &Arc<crate::cases::CaseHub>,
) -> Result<(), ControlError> {
    let marking = hub.clone();
    registry.register(ServiceSpec::new(
        crate::sla::job::SERVICE,
        "Mark SLA warnings and breaches",
        Trigger::Cron("*/10 * * * * *".into()),
        move |ctx| {
            let hub = marking.clone();
            async move {
                let due = ctx
                    .db
                    .read(|conn| crate::sla::job::anything_due(conn, chrono::Utc::now()))
                    .await
                    .map_err(|err| format!("reading SLA deadlines failed: {err}"))?;
                if !due {
                    return Ok(RunReport::new(0, RunMessage::new("sla.nothingDue")));
                }
                let made = hub
                    .write(&ctx.db, |tx, announce| {
                        crate::sla::job::mark_due(tx, chrono::Utc::now(), announce)
                    })
                    .await
                    .map_err(|err| format!("marking SLA deadlines failed: {err}"))?;
                Ok(RunReport::new(
                    made,
                    RunMessage::new("sla.marked").num("n", made as f64),
                ))
            }
        },
    ))?;
    let marking_away = hub.clone();
    registry.register(ServiceSpec::new(
        crate::routing::job::SERVICE,
        "Mark idle agents away",
        Trigger::Cron("0 * * * * *".into()),
        move |ctx| {
            let hub = marking_away.clone();
            async move {
                let idle = ctx
                    .db
                    .read(|conn| crate::routing::job::anything_idle(conn, chrono::Utc::now()))
                    .await
                    .map_err(|err| format!("reading availability failed: {err}"))?;
                if !idle {
                    return Ok(RunReport::new(0, RunMessage::new("routing.nobodyIdle")));
                }
                // The state changes are announced after the commit.
                let marked = hub
                    .write(&ctx.db, |tx, _| {
                        crate::routing::job::mark_away(tx, chrono::Utc::now())
                    })
                    .await
                    .map_err(|err| format!("marking idle agents failed: {err}"))?;
                Ok(RunReport::new(
                    marked as u64,
                    RunMessage::new("routing.markedAway").num("n", marked as f64),
                ))
            }
        },
    ))?;
    registry.register(ServiceSpec::new(
        crate::sla::job::RECOMPUTE_SERVICE,
        "Recompute SLA deadlines after a calendar change",
        Trigger::Every(std::time::Duration::from_secs(60)),
        |ctx| async move {
            let done = crate::sla::service::recompute_pending(&ctx.db)
                .await
                .map_err(|err| format!("recomputing SLA deadlines failed: {err}"))?;
            Ok(RunReport::new(
                done.clocks,
                RunMessage::new("sla.recomputed")
                    .num("n", done.clocks as f64)
                    .num("cases", done.cases as f64),
            ))
        },
    ))?;
    // A recompute cut off by a stop (its mark is in the store) resumes now.
    crate::sla::job::wake_recompute(registry);
    let moving = hub.clone();
    registry.register(ServiceSpec::new(
        crate::distribution::mover::SERVICE,
        "Move open cases after a distribution plan change",
        Trigger::Every(std::time::Duration::from_secs(60)),
        move |ctx| {
            let hub = moving.clone();
            async move {
                let moved = crate::distribution::mover::run_pending(&ctx.db, &hub)
                    .await
                    .map_err(|err| format!("moving open cases failed: {err}"))?;
                Ok(RunReport::new(
                    moved as u64,
                    RunMessage::new("distribution.moved").num("n", moved as f64),
                ))
            }
        },
    ))?;
    // So is a move of open cases.
    crate::distribution::mover::wake(registry);
    registry.register(ServiceSpec::new(
        crate::search::pairs::SERVICE,
        "Fill in the word pairs of the case search (after the update)",
        Trigger::Every(std::time::Duration::from_secs(600)),
        |ctx| async move {
            let done = crate::search::pairs::backfill(&ctx.db)
                .await
                .map_err(|err| format!("filling in the word pairs failed: {err}"))?;
            Ok(RunReport::new(
                done as u64,
                RunMessage::new("search.pairsFilled").num("n", done as f64),
            ))
        },
    ))?;
    // A store from before the pairs (or a fill cut off by a stop) is
    // filled in now.
    registry.poke(crate::search::pairs::SERVICE);
    let expiring = exports.clone();
    registry.register(ServiceSpec::new(
        EXPORT_EXPIRY,
        "Delete expired client exports",
        Trigger::Cron("0 */10 * * * *".into()),
        move |_ctx| {
            let exports = expiring.clone();
            async move {
                let removed = exports.expire(chrono::Utc::now());
                Ok(RunReport::new(
                    removed as u64,
                    RunMessage::new("exports.expired").num("n", removed as f64),
                ))
            }
        },
    ))?;
    registry.register(ServiceSpec::new(
        SESSION_PURGE,
        "Purge expired sessions",
        Trigger::Cron("0 17 * * * *".into()),
        |ctx| async move {
            let (purged, links) = ctx
                .db
                .write(|tx| {
                    let sessions = crate::auth::store::purge_expired_sessions(tx)?;
                    // One-time links (and their mails) a month past their end.
                    let links = crate::platform_mail::store::purge_old_tokens(tx)?;
                    Ok::<_, AuthError>((sessions, links))
                })
                .await
                .map_err(|err| format!("purging sessions failed: {err}"))?;
            tracing::info!(
                sessions = purged,
                links,
                "purged expired sessions and links"
            );
            Ok(RunReport::new(
                purged as u64,
                RunMessage::new("sessions.purged").num("n", purged as f64),
            ))
        },
    ))?;
    registry.register(ServiceSpec::new(
        GDPR_RETENTION,
        "GDPR retention (closed cases past their project's rule)",
        Trigger::Cron("0 30 3 * * *".into()),
        |ctx| async move {
            let report = crate::gdpr::retention::run_due(&ctx.db, chrono::Utc::now())
                .await
                .map_err(|err| format!("retention failed: {err}"))?;
            Ok(RunReport::new(
                report.cases,
                RunMessage::new("gdpr.retention")
                    .num("n", report.cases as f64)
                    .num("projects", report.projects.len() as f64),
            ))
        },
    ))?;
    registry.register(ServiceSpec::new(
        crate::forecast::SERVICE,
        "Forecast: learn profiles, record deviations past the agreed limit",
        Trigger::Cron("0 40 2 * * *".into()),
        |ctx| async move {
            let (projects, changed) = ctx
                .db
                .write(|tx| crate::forecast::service::run_daily(tx, chrono::Utc::now()))
                .await
                .map_err(|err: crate::forecast::ForecastError| {
                    format!("the forecast run failed: {err}")
                })?;
            Ok(RunReport::new(
                changed as u64,
                RunMessage::new("forecast.daily")
                    .num("n", changed as f64)
                    .num("projects", projects as f64),
            ))
        },
    ))?;
    registry.register(backups.service_spec())
}
