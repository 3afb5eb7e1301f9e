//! Issue 15, the rules engine (docs/workflows.md "Rules"): triggers and
//! automations per client. `eval.rs` is the evaluator, pure (conditions,
//! actions, the chain and its loop safety); `engine.rs` runs it inside the
//! case's own write transaction and writes what it changed; the rest is
//! the usual model/store/service/handlers of a domain.

pub mod engine;
mod error;
pub mod eval;
pub mod handlers;
pub mod model;
pub mod service;
pub mod store;

pub use engine::{Trigger, fire, fire_sla};
pub use error::RuleError;
pub use handlers::configure;
