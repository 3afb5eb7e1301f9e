//! The one mapping from domain errors to HTTP problems: every error that
//! knows its answer ([`Problem`], implemented beside each domain's
//! variants) converts into an [`ApiError`].

use actix_web::http::StatusCode;

use super::problem::ApiError;
use crate::problem::Problem;

impl<E: Problem> From<E> for ApiError {
    fn from(err: E) -> Self {
        let answer = err.problem();
        let status =
            StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut error = ApiError::new(status, answer.code, answer.detail);
        error.field = answer.field;
        error.reason = answer.reason;
        error.retry_after = answer.retry_after;
        match answer.cause {
            Some(cause) => error.with_cause(cause),
            None => error,
        }
    }
}
