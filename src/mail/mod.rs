//! The e-mail channel: mailboxes (IMAP in, SMTP out), ingestion of messages
//! into cases, and replies that go out through the mailbox's SMTP.

mod error;
pub mod fetcher;
pub mod handlers;
pub mod imap;
pub mod ingest;
pub mod model;
pub mod outbound;
pub mod parse;
pub mod secrets;
pub mod service;
pub mod smtp;
pub mod store;

pub use error::MailError;
pub use fetcher::{FetchError, Fetchers};
pub use handlers::configure;
