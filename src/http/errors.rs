//! The one mapping from domain errors to HTTP problems.

use actix_web::http::StatusCode;

use super::problem::ApiError;
use crate::auth::AuthError;
use crate::auth::policy::Denied;
use crate::auth::strength::PasswordRejected;
use crate::cases::CaseError;
use crate::cases::events::StreamLimit;
use crate::clients::ClientError;
use crate::contacts::ContactError;
use crate::db::StoreError;
use crate::organizations::OrganizationError;
use crate::projects::ProjectError;
use crate::teams::TeamError;
use crate::users::UserError;
use crate::validation::Invalid;

fn conflict(code: &'static str, detail: impl ToString) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, code, detail.to_string())
}

fn not_found(detail: impl ToString) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not-found", detail.to_string())
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Busy => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "store-busy",
                "the store is busy; try again",
            )
            .retry_after(1),
            StoreError::Conflict(_) => {
                conflict("conflict", "a record with this value exists already")
            }
            // The services check references first; this is the net under
            // them, so a missed check is a 409, never a 500.
            StoreError::Reference(detail) => {
                tracing::warn!(%detail, "foreign key refused a write");
                conflict(
                    "reference",
                    "the change names a record that does not exist, or removes one still in use",
                )
            }
            other => {
                // Details go to the log, not to the caller.
                tracing::error!(error = %other, "store failure");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error; see the server log",
                )
            }
        }
    }
}

impl From<Denied> for ApiError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::Forbidden => {
                ApiError::new(StatusCode::FORBIDDEN, "forbidden", "you may not do this")
            }
            Denied::NotFound => ApiError::not_found(),
        }
    }
}

impl From<Invalid> for ApiError {
    fn from(invalid: Invalid) -> Self {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            invalid.to_string(),
        )
        .with_field(invalid.field)
    }
}

impl From<StreamLimit> for ApiError {
    fn from(limit: StreamLimit) -> Self {
        match limit {
            StreamLimit::PerUser(_) => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-streams",
                limit.to_string(),
            )
            .retry_after(10),
            StreamLimit::Total => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "streams-exhausted",
                limit.to_string(),
            )
            .retry_after(10),
        }
    }
}

impl From<PasswordRejected> for ApiError {
    fn from(rejected: PasswordRejected) -> Self {
        match rejected {
            PasswordRejected::Invalid(invalid) => invalid.into(),
            PasswordRejected::Weak(weak) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "weak-password",
                weak.to_string(),
            )
            .with_field(weak.field)
            .with_reason(weak.reason.as_str()),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::InvalidCredentials => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid-credentials",
                err.to_string(),
            ),
            AuthError::Throttled(seconds) => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-attempts",
                err.to_string(),
            )
            .retry_after(seconds),
            AuthError::Unauthenticated => {
                ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", err.to_string())
            }
            AuthError::Csrf => ApiError::new(StatusCode::FORBIDDEN, "csrf", err.to_string()),
            AuthError::TokenNotFound => not_found(err),
            AuthError::WrongPassword => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "wrong-password",
                err.to_string(),
            )
            .with_field("current_password"),
            AuthError::Password(rejected) => rejected.into(),
            AuthError::Invalid(invalid) => invalid.into(),
            AuthError::Denied(denied) => denied.into(),
            AuthError::Store(store) => store.into(),
        }
    }
}

impl From<ClientError> for ApiError {
    fn from(err: ClientError) -> Self {
        match err {
            ClientError::NotFound => not_found(err),
            ClientError::NameTaken => conflict("duplicate", err).with_field("name"),
            ClientError::NotEmpty => conflict("client-not-empty", err),
            ClientError::Invalid(invalid) => invalid.into(),
            ClientError::Denied(denied) => denied.into(),
            ClientError::Store(store) => store.into(),
        }
    }
}

impl From<crate::webforms::WebFormError> for ApiError {
    fn from(err: crate::webforms::WebFormError) -> Self {
        use crate::webforms::WebFormError;
        match err {
            WebFormError::HeldNotFound => not_found(err),
            WebFormError::Project(e) => e.into(),
            WebFormError::Case(e) => e.into(),
            WebFormError::Denied(denied) => denied.into(),
            WebFormError::Store(store) => store.into(),
        }
    }
}

impl From<TeamError> for ApiError {
    fn from(err: TeamError) -> Self {
        match err {
            TeamError::NotFound => not_found(err),
            TeamError::NameTaken => conflict("duplicate", err).with_field("name"),
            TeamError::NotEmpty => conflict("team-not-empty", err),
            TeamError::ProExclusive => conflict("pro-agent-exclusive", err),
            TeamError::Invalid(invalid) => invalid.into(),
            TeamError::Denied(denied) => denied.into(),
            TeamError::Store(store) => store.into(),
        }
    }
}

impl From<UserError> for ApiError {
    fn from(err: UserError) -> Self {
        match err {
            UserError::NotFound => not_found(err),
            UserError::EmailTaken => conflict("duplicate", err).with_field("email"),
            UserError::ProAgentExclusive => conflict("pro-agent-exclusive", err),
            UserError::LastAdmin => conflict("last-admin", err),
            UserError::LastClientAdmin => conflict("last-client-admin", err),
            UserError::Invalid(invalid) => invalid.into(),
            UserError::Password(rejected) => rejected.into(),
            UserError::Denied(denied) => denied.into(),
            UserError::Store(store) => store.into(),
        }
    }
}

impl From<crate::blobs::BlobError> for ApiError {
    fn from(err: crate::blobs::BlobError) -> Self {
        use crate::blobs::BlobError;
        match err {
            BlobError::TooLarge(_) => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                err.to_string(),
            ),
            BlobError::Empty => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                err.to_string(),
            )
            .with_field("body"),
            BlobError::Interrupted(_) => {
                ApiError::new(StatusCode::BAD_REQUEST, "malformed-body", err.to_string())
            }
            BlobError::Io(io) => {
                tracing::error!(error = %io, "storing a file failed");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the file could not be stored",
                )
            }
        }
    }
}

impl From<CaseError> for ApiError {
    fn from(err: CaseError) -> Self {
        match err {
            CaseError::NotFound => not_found(err),
            CaseError::Changed { .. } => conflict("case-changed", err),
            CaseError::Contact(contact) => contact.into(),
            CaseError::Invalid(invalid) => invalid.into(),
            CaseError::Denied(denied) => denied.into(),
            CaseError::Store(store) => store.into(),
        }
    }
}

impl From<ProjectError> for ApiError {
    fn from(err: ProjectError) -> Self {
        match err {
            ProjectError::NotFound | ProjectError::UserNotFound => not_found(err),
            ProjectError::KeyTaken => conflict("duplicate", err).with_field("key"),
            ProjectError::NameTaken => conflict("duplicate", err).with_field("name"),
            ProjectError::ProAgentExclusive => conflict("pro-agent-exclusive", err),
            ProjectError::NotEmpty => conflict("project-not-empty", err),
            ProjectError::MembershipInvalid(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "membership-invalid",
                err.to_string(),
            ),
            ProjectError::Invalid(invalid) => invalid.into(),
            ProjectError::Denied(denied) => denied.into(),
            ProjectError::Store(store) => store.into(),
        }
    }
}

impl From<ContactError> for ApiError {
    fn from(err: ContactError) -> Self {
        match err {
            ContactError::NotFound => not_found(err),
            ContactError::MergeInvalid(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "merge-invalid",
                err.to_string(),
            ),
            ContactError::ImportInvalid(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "import-invalid",
                err.to_string(),
            ),
            ContactError::Invalid(invalid) => invalid.into(),
            ContactError::Denied(denied) => denied.into(),
            ContactError::Store(store) => store.into(),
        }
    }
}

impl From<OrganizationError> for ApiError {
    fn from(err: OrganizationError) -> Self {
        match err {
            OrganizationError::NotFound => not_found(err),
            OrganizationError::MergeInvalid(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "merge-invalid",
                err.to_string(),
            ),
            OrganizationError::Invalid(invalid) => invalid.into(),
            OrganizationError::Denied(denied) => denied.into(),
            OrganizationError::Store(store) => store.into(),
        }
    }
}

impl From<crate::services::ServiceError> for ApiError {
    fn from(err: crate::services::ServiceError) -> Self {
        use crate::services::ServiceError;
        match err {
            ServiceError::NotFound => not_found(err),
            ServiceError::UnknownAction(_) => not_found(err),
            ServiceError::Busy => conflict("service-busy", err),
            ServiceError::Denied(denied) => denied.into(),
            ServiceError::Store(store) => store.into(),
        }
    }
}

impl From<crate::services::metrics::MetricsError> for ApiError {
    fn from(err: crate::services::metrics::MetricsError) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, "metrics-forbidden", err.to_string())
    }
}

impl From<crate::backup::BackupError> for ApiError {
    fn from(err: crate::backup::BackupError) -> Self {
        use crate::backup::BackupError;
        match err {
            BackupError::NotFound => not_found(err),
            BackupError::Busy => conflict("backup-running", err),
            BackupError::Denied(denied) => denied.into(),
            BackupError::Store(store) => store.into(),
            other => {
                tracing::error!(error = %other, "backup failure");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "backup-failed",
                    other.to_string(),
                )
            }
        }
    }
}

impl From<crate::mail::outbound::OutboundError> for ApiError {
    fn from(err: crate::mail::outbound::OutboundError) -> Self {
        use crate::mail::outbound::OutboundError;
        match err {
            OutboundError::NotFound => not_found(err),
            OutboundError::NotRetryable(_) => conflict("delivery-not-retryable", err),
            OutboundError::Case(case) => case.into(),
            OutboundError::Invalid(invalid) => invalid.into(),
            OutboundError::Store(store) => store.into(),
        }
    }
}

impl From<crate::export::ExportError> for ApiError {
    fn from(err: crate::export::ExportError) -> Self {
        use crate::export::ExportError;
        match err {
            ExportError::NotFound => not_found(err),
            ExportError::Running => conflict("export-running", err),
            ExportError::NotReady | ExportError::Cancelled => conflict("export-not-ready", err),
            ExportError::Removed(_) => {
                ApiError::new(StatusCode::GONE, "export-removed", err.to_string())
            }
            ExportError::Io(io) => {
                tracing::error!(error = %io, "export failed");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the export could not be written",
                )
            }
            ExportError::Denied(denied) => denied.into(),
            ExportError::Store(store) => store.into(),
        }
    }
}

impl From<crate::knowledge::KnowledgeError> for ApiError {
    fn from(err: crate::knowledge::KnowledgeError) -> Self {
        use crate::knowledge::KnowledgeError;
        match err {
            KnowledgeError::CategoryNotFound
            | KnowledgeError::ArticleNotFound
            | KnowledgeError::VersionNotFound => not_found(err),
            KnowledgeError::CategoryNotEmpty => conflict("category-not-empty", err),
            KnowledgeError::CategoryCycle => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                err.to_string(),
            )
            .with_field("parent_id"),
            KnowledgeError::VersionConflict => conflict("version-conflict", err),
            KnowledgeError::NotCurrent(_) => conflict("version-not-current", err),
            KnowledgeError::NotPublished => conflict("not-published", err),
            KnowledgeError::Invalid(invalid) => invalid.into(),
            KnowledgeError::Denied(denied) => denied.into(),
            KnowledgeError::Store(store) => store.into(),
        }
    }
}

impl From<crate::gdpr::GdprError> for ApiError {
    fn from(err: crate::gdpr::GdprError) -> Self {
        use crate::gdpr::GdprError;
        match err {
            GdprError::NotFound => not_found(err),
            GdprError::Invalid(invalid) => invalid.into(),
            GdprError::Denied(denied) => denied.into(),
            GdprError::Store(store) => store.into(),
        }
    }
}

impl From<crate::mail::MailError> for ApiError {
    fn from(err: crate::mail::MailError) -> Self {
        use crate::mail::MailError;
        match err {
            MailError::NotFound | MailError::MessageNotFound => not_found(err),
            MailError::AddressTaken => conflict("duplicate", err).with_field("address"),
            MailError::Secret(_) => conflict("secret-unreadable", err),
            MailError::Case(case) => case.into(),
            MailError::Io(io) => {
                tracing::error!(error = %io, "mail storage failed");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the message could not be read or stored",
                )
            }
            MailError::Invalid(invalid) => invalid.into(),
            MailError::Denied(denied) => denied.into(),
            MailError::Store(store) => store.into(),
        }
    }
}

impl From<crate::mail::FetchError> for ApiError {
    fn from(err: crate::mail::FetchError) -> Self {
        use crate::mail::FetchError;
        match err {
            FetchError::Imap(imap) => ApiError::new(
                StatusCode::BAD_GATEWAY,
                "mail-server",
                format!("{} ({})", imap, imap.reason()),
            ),
            FetchError::Mail(mail) => mail.into(),
        }
    }
}
