//! Contacts (Endkunden) in a client's customer database: master data,
//! e-mail addresses and phone numbers for look-ups, duplicates and merging,
//! CSV import. Organizations live in `crate::organizations`.
//!
//! Merging keeps the merged contact's row with `merged_into_id` set (so old
//! references still resolve), hides it from lists, search, look-ups and
//! duplicates, and moves its addresses, numbers and cases to the target.

mod error;
pub mod handlers;
pub mod import;
pub mod model;
pub mod service;
pub mod store;

pub use error::ContactError;
pub use handlers::configure;
pub use model::{Contact, ContactPage, ContactPatch, NewContact, phone_digits};
