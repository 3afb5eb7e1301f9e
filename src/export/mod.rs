//! Full data export of one client (data ownership on cancellation): one
//! tar.gz with a README documenting every file and field, JSON Lines for
//! the big tables, CSV for the tabular ones, the stored files, and a
//! manifest with counts and SHA-256 per file.
//!
//! - `tables.rs`: the list of table exporters — adding a table (knowledge
//!   base, text modules) is one entry there;
//! - `csv_safe.rs`: every text cell of a CSV file, safe from spreadsheet
//!   formula injection;
//! - `archive.rs`: the streaming writer (one read snapshot, rows written as
//!   read, temp file renamed when complete);
//! - `jobs.rs`: export jobs of the server, with progress;
//! - `handlers.rs`: `/api/v1/clients/{id}/exports…`;
//! - the CLI's `zezaro export` writes the same archive from a read-only
//!   connection, also while the server runs.

pub mod archive;
pub mod csv_safe;
mod error;
pub mod handlers;
pub mod jobs;
pub mod tables;

pub use archive::{Manifest, Progress};
pub use error::ExportError;
pub use handlers::configure;
pub use jobs::{ExportJob, Exports, Removal};
