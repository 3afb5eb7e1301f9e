//! Filing one raw e-mail as a case or into an existing case: plain Rust on
//! a transaction, so it is unit-testable and runs inside the fetcher's
//! batch write.
//!
//! Order of durability: the raw message and its parts are written into
//! the batch's pack file, which is synced before the write may commit
//! ([`BlobBatch`]); the case, thread message, attachments, Message-ID and
//! the inbound record are committed in one transaction; only then does the
//! fetcher touch the message on the IMAP server. A message fetched again after a crash finds its record by
//! (mailbox, UIDVALIDITY, UID) or (mailbox, Message-ID / raw hash) and is
//! not filed twice.
//!
//! [`file_batch`] is the fetcher's path for a batch (and the benchmark's).
//!
//! The parts: [`prepare`] (parse, hash, queue the contents in a pack),
//! [`pipeline`] (a batch's parsing beside its one durable write, batches
//! one after another), [`file`] (one message into a case, in the caller's
//! transaction).

mod file;
mod pipeline;
mod prepare;

use crate::ids::{ClientId, ProjectId};
pub use file::{Outcome, file_prepared, ingest};
pub use pipeline::{Committed, FiledBatch, Pipeline, file_batch};
pub use prepare::{BlobBatch, Prepared, prepare, prepare_all};

use crate::auth::Principal;

/// Where a mailbox files its mail.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub mailbox_id: i64,
    pub project_id: ProjectId,
    pub client_id: ClientId,
}

/// Who files mail: the system. The audit log names it `mail`.
pub fn system_principal() -> Principal {
    Principal {
        email: "mail".into(),
        name: "E-mail".into(),
        ..Principal::operator()
    }
}

#[cfg(test)]
mod tests;
