//! The built-in scheduled jobs, registered as background services (see
//! `services/registry.rs`, which schedules them with cron expressions in
//! UTC, shows their state and lets admins control them): purging expired
//! sessions every hour and the backups. Mail fetchers and the sender are
//! registered by the mail module.

use std::sync::Arc;

use crate::auth::AuthError;
use crate::services::{ControlError, Registry, RunReport, ServiceSpec, Trigger};

/// Key of the session purge in the registry.
pub const SESSION_PURGE: &str = "sessions.purge";
/// Key of the daily GDPR retention run.
pub const GDPR_RETENTION: &str = "gdpr.retention";

/// Registers the built-in services.
pub fn register_builtin(
    registry: &Registry,
    backups: &Arc<crate::backup::Backups>,
) -> Result<(), ControlError> {
    registry.register(ServiceSpec::new(
        SESSION_PURGE,
        "Purge expired sessions",
        Trigger::Cron("0 17 * * * *".into()),
        |ctx| async move {
            let purged = ctx
                .db
                .write(|tx| crate::auth::store::purge_expired_sessions(tx).map_err(AuthError::from))
                .await
                .map_err(|err| format!("purging sessions failed: {err}"))?;
            tracing::info!(sessions = purged, "purged expired sessions");
            Ok(RunReport::new(
                purged as u64,
                format!("purged {purged} expired sessions"),
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
                format!(
                    "{} cases in {} projects",
                    report.cases,
                    report.projects.len()
                ),
            ))
        },
    ))?;
    registry.register(backups.service_spec())
}
