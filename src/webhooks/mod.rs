//! Webhooks (issue 15, docs/workflows.md "Webhooks"): per client a target
//! URL with a signing secret; deliveries are signed HTTPS POSTs from a
//! durable queue (`webhook_deliveries`) with retries and backoff, sent by
//! the background service `webhooks.send` (`worker.rs`). Targets obey the
//! platform's host policy (`net::host_policy`), checked when a webhook is
//! saved and again, on the resolved addresses, at every connection.
//!
//! The rule engine calls [`enqueue`] in its transaction; until it lands, a
//! "send test event" action is the other way in.

mod error;
pub mod handlers;
pub mod model;
pub mod send;
pub mod service;
pub mod sign;
pub mod store;
pub mod target;
pub mod worker;

pub use error::WebhookError;
pub use handlers::configure;
pub use service::enqueue;
