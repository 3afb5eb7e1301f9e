//! Continuous off-site replication of the store with Litestream (issue 19).
//!
//! - [`settings`]: the `[replication]` config section (file, sftp or s3
//!   target), checked at start.
//! - [`litestream`]: `zezaro serve` writes Litestream's config file (0600,
//!   in the data directory) and runs `litestream replicate` as a supervised
//!   child: restarted with backoff when it dies, stopped with SIGTERM on
//!   shutdown, shown as the service `replication` with its lag.
//! - [`blobs`]: attachments and mail packs copied into the replica before
//!   the rows naming them are committed: directly for a file target, with
//!   [`rclone`] for sftp and s3.
//! - [`restore`]: `zezaro restore --from-replica`.
//!
//! While replication is on, Litestream alone checkpoints the WAL
//! ([`crate::db::Checkpoints::Litestream`]).

pub mod blobs;
pub mod litestream;
pub mod rclone;
pub mod restore;
pub mod settings;

pub use litestream::{ReplicationStatus, Replicator};
pub use settings::{Replication, Target};
