//! The audit log: who did what to which object, when, from which address.
//! Written in the same transaction as the change it records; append-only
//! (the store refuses updates and deletes).

pub mod handlers;
mod model;
mod store;

pub use handlers::configure;
pub use model::{Actor, AuditEntry, AuditPage, AuditQuery};
pub use store::record;
