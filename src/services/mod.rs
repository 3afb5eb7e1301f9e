//! Background services: one registry of everything that runs in the
//! background (session purge, GDPR retention, backups, each mailbox's
//! fetcher, the mail sender), each with its state, schedule, counters and
//! last error; admins
//! watch and control them at `/api/v1/services`. Also the Prometheus
//! metrics (`metrics.rs`).

mod error;
pub mod handlers;
pub mod metrics;
mod model;
pub mod registry;
pub mod service;
pub mod store;

pub use error::ServiceError;
pub use handlers::configure;
pub use model::{
    Action, DesiredState, Param, RunMessage, ServiceSchedule, ServiceState, ServiceStatus,
};
pub use registry::{
    Backoff, ControlError, Registry, RunContext, RunReport, ServiceSpec, StateHook, Trigger,
};

/// The stable code of a service run's failure (`ServiceStatus::error_code`):
/// what the operating system or the store said, or a mail failure's code
/// (`mail::smtp::failure_code`); `other` for the rest.
pub fn error_code(message: &str) -> &'static str {
    let lower = message.to_ascii_lowercase();
    if lower.contains("database is locked") || lower.contains("database is busy") {
        "store-busy"
    } else if lower.contains("no space left") || lower.contains("disk is full") {
        "disk-full"
    } else if lower.contains("permission denied") {
        "permission-denied"
    } else if lower.contains("no such file or directory") {
        "missing-file"
    } else {
        match crate::mail::smtp::failure_code(message) {
            "other" | "attachment" | "bad-recipient" => "other",
            mail => mail,
        }
    }
}

#[cfg(test)]
mod error_code_tests {
    #[test]
    fn failures_have_codes() {
        for (message, code) in [
            ("backup: database is locked", "store-busy"),
            (
                "writing /var/lib/zezaro/b.tar: No space left on device (os error 28)",
                "disk-full",
            ),
            (
                "opening /backups: Permission denied (os error 13)",
                "permission-denied",
            ),
            (
                "reading x: No such file or directory (os error 2)",
                "missing-file",
            ),
            (
                "the connection to the SMTP server failed",
                "smtp-connection",
            ),
            ("the host name cannot be resolved", "host-unknown"),
            ("something else", "other"),
        ] {
            assert_eq!(super::error_code(message), code, "{message}");
        }
    }
}
