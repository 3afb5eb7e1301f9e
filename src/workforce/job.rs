//! `workforce.states`: every 15 seconds, agents whose workspace sent no
//! sign of life for the platform's `offline_after_seconds` go offline (a
//! closed or crashed browser never stays "available"), and after-work past
//! the client's maximum ends (back to available, or flagged).

use std::sync::Arc;

use crate::cases::CaseHub;
use crate::services::{ControlError, Registry, RunMessage, RunReport, ServiceSpec, Trigger};

/// Key of the service in the registry.
pub const SERVICE: &str = "workforce.states";

pub fn register(registry: &Registry, hub: &Arc<CaseHub>) -> Result<(), ControlError> {
    let hub = hub.clone();
    registry.register(ServiceSpec::new(
        SERVICE,
        "End silent workspaces and long after-work",
        Trigger::Every(std::time::Duration::from_secs(15)),
        move |ctx| {
            let hub = hub.clone();
            async move {
                let due = ctx
                    .db
                    .read(|conn| super::states::anything_due(conn, chrono::Utc::now()))
                    .await
                    .map_err(|err| format!("reading agent states failed: {err}"))?;
                if !due {
                    return Ok(RunReport::new(0, RunMessage::new("workforce.nothingDue")));
                }
                let swept = hub
                    .write(&ctx.db, |tx, _| {
                        super::states::sweep(tx, chrono::Utc::now())
                    })
                    .await
                    .map_err(|err| format!("ending agent states failed: {err}"))?;
                let n = swept.offline + swept.available + swept.flagged;
                Ok(RunReport::new(
                    n as u64,
                    RunMessage::new("workforce.swept")
                        .num("offline", swept.offline as f64)
                        .num("available", swept.available as f64)
                        .num("flagged", swept.flagged as f64),
                ))
            }
        },
    ))
}
