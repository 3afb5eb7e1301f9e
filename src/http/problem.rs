//! RFC 9457 problem details: every error the API returns has this shape and
//! a stable `code`.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// The JSON body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemBody {
    /// `urn:zezaro:problem:<code>`
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code, e.g. `missing-field`.
    pub code: String,
    /// The request field the problem is about, where there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub field: Option<String>,
    /// A finer, stable reason under `code`, where there is one (e.g.
    /// `common-password` under `weak-password`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub reason: Option<String>,
    /// On a server error (5xx): the id of the server's log line that has
    /// the cause; quote it when reporting the problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub reference: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    pub field: Option<String>,
    pub reason: Option<&'static str>,
    /// Seconds, sent as `Retry-After` (throttling, busy store).
    pub retry_after: Option<u64>,
    /// What few errors carry (boxed: keeps the error small enough to
    /// return by value).
    pub extra: Option<Box<Extra>>,
}

/// The rarer parts of an [`ApiError`].
#[derive(Debug, Clone, Default)]
pub struct Extra {
    /// The methods a resource takes, sent as `Allow` with a 405.
    pub allow: Option<String>,
    /// A server error's real cause: logged with the reference, never sent.
    pub cause: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            detail: detail.into(),
            field: None,
            reason: None,
            retry_after: None,
            extra: None,
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn with_reason(mut self, reason: &'static str) -> Self {
        self.reason = Some(reason);
        self
    }

    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
    }

    /// A server error's real cause, for the log line (never sent).
    pub fn with_cause(mut self, cause: impl std::fmt::Display) -> Self {
        self.extra.get_or_insert_default().cause = Some(cause.to_string());
        self
    }

    pub fn allow(mut self, methods: impl Into<String>) -> Self {
        self.extra.get_or_insert_default().allow = Some(methods.into());
        self
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "no such resource")
    }

    pub fn body(&self) -> ProblemBody {
        ProblemBody {
            kind: format!("urn:zezaro:problem:{}", self.code),
            title: self
                .status
                .canonical_reason()
                .unwrap_or("Error")
                .to_string(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_string(),
            field: self.field.clone(),
            reason: self.reason.map(str::to_string),
            reference: None,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut body = self.body();
        if self.status.is_server_error() {
            // The caller gets the reference; the log line has it with the
            // real cause.
            let reference = crate::problem::new_reference();
            tracing::error!(
                reference = %reference,
                code = self.code,
                detail = %self.detail,
                cause = self
                    .extra
                    .as_ref()
                    .and_then(|e| e.cause.as_deref())
                    .unwrap_or(""),
                "request failed"
            );
            body.reference = Some(reference);
        }
        let mut response = HttpResponse::build(self.status);
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if let Some(methods) = self.extra.as_ref().and_then(|e| e.allow.as_deref()) {
            response.insert_header((header::ALLOW, methods));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"zezaro\""));
        }
        response.body(serde_json::to_string(&body).unwrap_or_default())
    }
}
