//! `CsvBody`: a CSV request body (`text/csv`), read with the same size
//! limit as JSON bodies (413 over `max_body_bytes`).

use std::future::Future;
use std::pin::Pin;

use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest, dev::Payload};

use super::json::{body_limit, declared_len, mime_type, read_limited};
use super::problem::ApiError;

pub struct CsvBody(pub Bytes);

impl CsvBody {
    pub fn into_inner(self) -> Bytes {
        self.0
    }
}

/// Media types accepted as CSV (spreadsheets send the odd ones).
const CSV_TYPES: [&str; 5] = [
    "text/csv",
    "text/plain",
    "application/csv",
    "text/comma-separated-values",
    "application/vnd.ms-excel",
];

impl FromRequest for CsvBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = body_limit(req);
        let is_csv = CSV_TYPES.contains(&mime_type(req).as_str());
        let declared_len = declared_len(req);
        let payload = payload.take();
        Box::pin(async move {
            if !is_csv {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported-media-type",
                    "the request body must be CSV (Content-Type: text/csv)",
                ));
            }
            let body = read_limited(payload, limit, declared_len).await?;
            Ok(CsvBody(body.freeze()))
        })
    }
}
