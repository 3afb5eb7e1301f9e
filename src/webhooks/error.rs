use crate::auth::policy::Denied;
use crate::db::StoreError;
use crate::problem::{Answer, Problem};
use crate::validation::Invalid;

use super::target::TargetRefusal;

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("no such webhook")]
    NotFound,
    #[error("no such delivery")]
    DeliveryNotFound,
    #[error("no such case")]
    CaseNotFound,
    #[error("a webhook with this name exists already")]
    NameTaken,
    #[error("{0}")]
    Target(#[from] TargetRefusal),
    #[error("the webhook's secret cannot be sealed or opened (the data directory's secret.key)")]
    Secret,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for WebhookError {
    fn from(err: rusqlite::Error) -> Self {
        WebhookError::Store(err.into())
    }
}

impl Problem for WebhookError {
    fn problem(&self) -> Answer {
        match self {
            WebhookError::NotFound
            | WebhookError::DeliveryNotFound
            | WebhookError::CaseNotFound => Answer::not_found(self),
            WebhookError::NameTaken => Answer::conflict("name-taken", self),
            WebhookError::Target(refusal) => {
                Answer::unprocessable(refusal.code(), self).field("url")
            }
            WebhookError::Secret => Answer::internal(
                "the webhook's secret cannot be sealed or opened",
                "secret key",
            ),
            WebhookError::Invalid(invalid) => invalid.problem(),
            WebhookError::Denied(denied) => denied.problem(),
            WebhookError::Store(store) => store.problem(),
        }
    }
}
