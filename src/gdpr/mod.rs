//! GDPR (DSGVO): a contact's data on request (Art. 15/20, `access.rs`),
//! erasure (Art. 17, `erase.rs`), retention rules per project with a dry
//! run (`retention.rs`, applied daily by `retention::run_due`), and the
//! records of processing (`contact.viewed` audit entries, coalesced to one
//! per user and contact per hour, `access::viewed`).

pub mod access;
pub mod erase;
mod error;
pub mod handlers;
pub mod ledger;
pub mod model;
pub mod retention;
pub mod service;

pub use error::GdprError;
pub use handlers::configure;
pub use ledger::Ledger;
pub use model::{Erasure, Mode, RetentionReport};
