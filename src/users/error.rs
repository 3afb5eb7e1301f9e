use crate::auth::policy::Denied;
use crate::db::StoreError;
use crate::problem::{Answer, Problem};
use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("no such user")]
    NotFound,
    #[error("a user with this e-mail address exists already")]
    EmailTaken,
    #[error("a Team Pro agent works for one client only; this user works for another client")]
    ProAgentExclusive,
    #[error("the last active platform admin cannot be removed or demoted")]
    LastAdmin,
    #[error("the last active client admin of a client cannot be removed or demoted")]
    LastClientAdmin,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Password(#[from] crate::auth::strength::PasswordRejected),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for UserError {
    fn from(err: rusqlite::Error) -> Self {
        UserError::Store(err.into())
    }
}

impl Problem for UserError {
    fn problem(&self) -> Answer {
        match self {
            UserError::NotFound => Answer::not_found(self),
            UserError::EmailTaken => Answer::conflict("duplicate", self).field("email"),
            UserError::ProAgentExclusive => Answer::conflict("pro-agent-exclusive", self),
            UserError::LastAdmin => Answer::conflict("last-admin", self),
            UserError::LastClientAdmin => Answer::conflict("last-client-admin", self),
            UserError::Invalid(invalid) => invalid.problem(),
            UserError::Password(rejected) => rejected.problem(),
            UserError::Denied(denied) => denied.problem(),
            UserError::Store(store) => store.problem(),
        }
    }
}
