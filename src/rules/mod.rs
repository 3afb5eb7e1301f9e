//! Issue 15, the rules engine (docs/workflows.md "Rules"): triggers and
//! automations per client. `eval.rs` is the evaluator, pure (conditions,
//! actions, the chain and its loop safety); `engine.rs` runs it inside the
//! case's own write transaction and writes what it changed; the rest is
//! the usual model/store/service/handlers of a domain.

pub mod engine;
mod error;
pub mod eval;
pub mod handlers;
pub mod jobs;
pub mod model;
pub mod notify;
pub mod service;
pub mod store;
pub mod time;

pub use engine::{Context, Trigger, fire, fire_sla, fire_with};
pub use error::RuleError;
pub use handlers::configure;
