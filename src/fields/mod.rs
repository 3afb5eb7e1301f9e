//! Data masks (individuelle Datenmasken): per-project custom fields of
//! cases and contacts, and the validation of the values stored in their
//! `custom` objects.

pub mod handlers;
pub mod model;
pub mod service;
pub mod store;

pub use handlers::configure;
pub use model::{CustomField, Entity, FieldPatch, FieldQuery, Kind, NewField, Width};
pub use service::{validate, validate_incoming};
