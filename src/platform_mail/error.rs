use crate::auth::policy::Denied;
use crate::db::StoreError;
use crate::problem::{Answer, Problem};
use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum PlatformMailError {
    #[error("no such user")]
    UserNotFound,
    #[error("no invitation was sent to this user")]
    NoInvitation,
    #[error("the user is deactivated; activate them before inviting them")]
    UserInactive,
    #[error("no platform sender is set up; the platform admin sets one under Platform mail")]
    NoSender,
    #[error(
        "the platform's public address (public_url) is not configured, so no link can be built"
    )]
    NoPublicUrl,
    #[error("this link is not valid (mistyped, or replaced by a newer one)")]
    TokenInvalid,
    #[error("this link was used already")]
    TokenUsed,
    #[error("this link has expired")]
    TokenExpired,
    #[error("too many requests; try again in {0} seconds")]
    Throttled(u64),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Password(#[from] crate::auth::strength::PasswordRejected),
    #[error(transparent)]
    Secret(#[from] crate::mail::secrets::SecretError),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for PlatformMailError {
    fn from(err: rusqlite::Error) -> Self {
        PlatformMailError::Store(err.into())
    }
}

impl Problem for PlatformMailError {
    fn problem(&self) -> Answer {
        use PlatformMailError as E;
        match self {
            E::UserNotFound | E::NoInvitation => Answer::not_found(self),
            E::UserInactive => Answer::conflict("user-inactive", self),
            E::NoSender => Answer::conflict("no-platform-sender", self),
            E::NoPublicUrl => Answer::conflict("no-public-url", self),
            E::TokenInvalid => Answer::new(410, "token-invalid", self),
            E::TokenUsed => Answer::new(410, "token-used", self),
            E::TokenExpired => Answer::new(410, "token-expired", self),
            E::Throttled(seconds) => {
                Answer::new(429, "too-many-attempts", self).retry_after(*seconds)
            }
            E::Invalid(invalid) => invalid.problem(),
            E::Password(rejected) => rejected.problem(),
            E::Secret(err) => Answer::internal("the platform sender's secret", err),
            E::Denied(denied) => denied.problem(),
            E::Store(store) => store.problem(),
        }
    }
}
