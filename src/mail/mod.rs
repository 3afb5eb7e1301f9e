//! The e-mail channel: mailboxes (IMAP in, SMTP out), ingestion of messages
//! into cases, and replies that go out through the mailbox's SMTP.

pub mod secrets;
