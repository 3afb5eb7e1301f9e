//! Cases (Kundenfälle): the thread of messages and notes, the history of
//! every change, handling time, the workspace's lists and counts, and live
//! events.

pub mod attachments;
pub mod calls;
pub mod counts;
mod error;
pub mod events;
pub mod handlers;
pub mod history;
mod model;
pub mod outbox;
pub mod plan;
pub mod relations;
pub mod service;
pub mod store;
pub mod views;

pub use error::CaseError;
pub use events::CaseHub;
pub use handlers::configure;
pub use model::*;
