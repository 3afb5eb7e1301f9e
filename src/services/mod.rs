//! Background services: one registry of everything that runs in the
//! background (session purge, GDPR retention, backups, each mailbox's
//! fetcher, the mail sender), each with its state, schedule, counters and
//! last error; admins
//! watch and control them at `/api/v1/services`. Also the Prometheus
//! metrics (`metrics.rs`).

mod error;
pub mod handlers;
pub mod metrics;
mod model;
pub mod registry;
pub mod service;
pub mod store;

pub use error::ServiceError;
pub use handlers::configure;
pub use model::{
    Action, DesiredState, Param, RunMessage, ServiceSchedule, ServiceState, ServiceStatus,
};
pub use registry::{
    Backoff, ControlError, Registry, RunContext, RunReport, ServiceSpec, StateHook, Trigger,
};
