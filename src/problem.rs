//! What an error means to an API caller, said beside the error: every
//! domain's error type implements [`Problem`] in its own `error.rs` (the
//! status, the stable `code`, the detail and extras of each variant), and
//! `http::errors` turns any of them into an RFC 9457 answer through one
//! blanket conversion. Domains need nothing of the web layer for it.
//!
//! A server error (5xx) never shows its cause: [`Answer::internal`] keeps
//! the cause for the log line, which carries a reference id that the
//! answer shows instead.

/// The answer an error stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status code.
    pub status: u16,
    /// Stable, machine-readable code (`not-found`, `case-changed`, …).
    pub code: &'static str,
    /// For people; never a server path or a remote system's words.
    pub detail: String,
    /// The request field the problem is about.
    pub field: Option<String>,
    /// A finer, stable reason under `code`.
    pub reason: Option<&'static str>,
    /// Seconds, sent as `Retry-After`.
    pub retry_after: Option<u64>,
    /// For server errors: the real cause, logged with the reference id and
    /// never sent.
    pub cause: Option<String>,
}

impl Answer {
    pub fn new(status: u16, code: &'static str, detail: impl ToString) -> Answer {
        Answer {
            status,
            code,
            detail: detail.to_string(),
            field: None,
            reason: None,
            retry_after: None,
            cause: None,
        }
    }

    /// 404 `not-found`.
    pub fn not_found(detail: impl ToString) -> Answer {
        Answer::new(404, "not-found", detail)
    }

    /// 409 with `code`.
    pub fn conflict(code: &'static str, detail: impl ToString) -> Answer {
        Answer::new(409, code, detail)
    }

    /// 422 with `code`.
    pub fn unprocessable(code: &'static str, detail: impl ToString) -> Answer {
        Answer::new(422, code, detail)
    }

    /// 500 `internal`: `detail` says what failed in general words, `cause`
    /// goes to the log only.
    pub fn internal(detail: impl ToString, cause: impl std::fmt::Display) -> Answer {
        Answer::internal_as("internal", detail, cause)
    }

    /// A 500 under its own stable code (e.g. `backup-failed`).
    pub fn internal_as(
        code: &'static str,
        detail: impl ToString,
        cause: impl std::fmt::Display,
    ) -> Answer {
        Answer {
            cause: Some(cause.to_string()),
            ..Answer::new(500, code, detail)
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> Answer {
        self.field = Some(field.into());
        self
    }

    pub fn reason(mut self, reason: &'static str) -> Answer {
        self.reason = Some(reason);
        self
    }

    pub fn retry_after(mut self, seconds: u64) -> Answer {
        self.retry_after = Some(seconds.max(1));
        self
    }
}

/// An error that knows its answer.
pub trait Problem {
    fn problem(&self) -> Answer;
}

/// A new reference for one server error: 16 random hex digits, in the
/// log line with the cause and in what the caller sees.
pub fn new_reference() -> String {
    format!("{:016x}", fastrand::u64(..))
}

/// What a failure of background work shows where people read it (a job's
/// error, a service's or a mailbox's last error): the error's own words;
/// for an internal error (whose cause may name server paths) the general
/// detail and a new reference, under which the log has the cause.
pub fn shown<E: Problem + std::fmt::Display>(err: &E, what: &str) -> String {
    let answer = err.problem();
    if answer.status != 500 {
        return err.to_string();
    }
    let reference = new_reference();
    tracing::error!(reference = %reference, code = answer.code, cause = %err, "{what} failed");
    format!("{} (reference {reference})", answer.detail)
}
