//! `ValidJson<T>`: the JSON body extractor. Unlike actix's own it names the
//! offending field and answers in problem details: malformed JSON, unknown,
//! missing and mistyped fields give 400, a body over the limit 413, a value
//! outside the limits of `T`'s documented schema 422 (`contract`).

use std::future::Future;
use std::pin::Pin;

use actix_web::http::StatusCode;
use actix_web::web::BytesMut;
use actix_web::{FromRequest, HttpRequest, dev::Payload};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use super::contract;
use super::problem::ApiError;
use crate::state::AppState;

pub struct ValidJson<T>(pub T);

impl<T> ValidJson<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + utoipa::ToSchema + 'static> FromRequest for ValidJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = body_limit(req);
        let is_json = {
            let mime = mime_type(req);
            mime == "application/json" || mime.ends_with("+json")
        };
        let declared_len = declared_len(req);
        let payload = payload.take();
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported-media-type",
                    "the request body must be JSON (Content-Type: application/json)",
                ));
            }
            let body = read_limited(payload, limit, declared_len).await?;
            let value = parse_value(&body)?;
            let parsed = from_value(&value)?;
            // The schema as the document shows it, with its limits.
            contract::validate(&value, contract::schema_of::<T>())?;
            Ok(ValidJson(parsed))
        })
    }
}

/// The largest request body the app accepts (`max_body_bytes`).
pub(crate) fn body_limit(req: &HttpRequest) -> usize {
    req.app_data::<actix_web::web::Data<AppState>>()
        .map(|state| state.config.max_body_bytes)
        .unwrap_or(1024 * 1024)
}

/// The request's media type, lower case, without parameters.
pub(crate) fn mime_type(req: &HttpRequest) -> String {
    req.headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

/// The `Content-Length` the client declared, if any.
pub(crate) fn declared_len(req: &HttpRequest) -> Option<usize> {
    req.headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
}

/// Reads the whole body, answering 413 as soon as it is over `limit`,
/// whether declared up front or streamed.
pub(crate) async fn read_limited(
    mut payload: Payload,
    limit: usize,
    declared_len: Option<usize>,
) -> Result<BytesMut, ApiError> {
    if declared_len.is_some_and(|len| len > limit) {
        return Err(too_large(limit));
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|err| {
            ApiError::new(StatusCode::BAD_REQUEST, "malformed-body", err.to_string())
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload-too-large",
        format!("the request body is larger than {limit} bytes"),
    )
}

/// Deserialises `body`, naming the failing field in the error.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    from_value(&parse_value(body)?)
}

/// The body as JSON, with whole-number floats (`5449.0`) made integers.
fn parse_value(body: &[u8]) -> Result<serde_json::Value, ApiError> {
    if body.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed-json",
            "the request body is empty; a JSON object is expected",
        ));
    }
    let mut value: serde_json::Value = serde_json::from_slice(body).map_err(|err| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed-json",
            format!("the request body is not valid JSON: {err}"),
        )
    })?;
    contract::normalize_numbers(&mut value);
    Ok(value)
}

/// Well-formed JSON into `T`: every failure now is about a field (a number
/// where an enum's name belongs included), so it is named.
fn from_value<T: DeserializeOwned>(value: &serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let message = err.into_inner().to_string();
        if let Some(name) = backticked_after(&message, "unknown field") {
            let field = join_path(&path, &name, true);
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "unknown-field",
                format!("unknown field `{field}`"),
            )
            .with_field(field)
        } else if let Some(name) = backticked_after(&message, "missing field") {
            let field = join_path(&path, &name, false);
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "missing-field",
                format!("missing field `{field}`"),
            )
            .with_field(field)
        } else {
            let field = if path == "." { String::new() } else { path };
            let detail = strip_position(&message);
            let problem = ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid-field",
                if field.is_empty() {
                    detail
                } else {
                    format!("field `{field}`: {detail}")
                },
            );
            if field.is_empty() {
                problem
            } else {
                problem.with_field(field)
            }
        }
    })
}

/// `unknown field `foo`, expected ...` → `foo`.
fn backticked_after(message: &str, prefix: &str) -> Option<String> {
    let rest = message.strip_prefix(prefix)?.trim_start();
    let rest = rest.strip_prefix('`')?;
    rest.split('`').next().map(str::to_string)
}

/// serde_path_to_error's path for an unknown field already ends in the field;
/// for a missing one it is the enclosing object.
fn join_path(path: &str, name: &str, path_includes_name: bool) -> String {
    if path == "." || path.is_empty() {
        return name.to_string();
    }
    if path_includes_name {
        path.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(pos) => message[..pos].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Input {
        #[allow(dead_code)]
        name: String,
        count: Option<u32>,
    }

    #[test]
    fn names_the_field() {
        let err = parse::<Input>(br#"{"name":"a","colour":1}"#).unwrap_err();
        assert_eq!(
            (err.code, err.field.as_deref()),
            ("unknown-field", Some("colour"))
        );
        let err = parse::<Input>(br#"{"count":1}"#).unwrap_err();
        assert_eq!(
            (err.code, err.field.as_deref()),
            ("missing-field", Some("name"))
        );
        let err = parse::<Input>(br#"{"name":"a","count":"x"}"#).unwrap_err();
        assert_eq!(
            (err.code, err.field.as_deref()),
            ("invalid-field", Some("count"))
        );
        let err = parse::<Input>(br#"{"name":"#).unwrap_err();
        assert_eq!(err.code, "malformed-json");
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        assert!(parse::<Input>(br#"{"name":"a"}"#).is_ok());
        // A whole-number float is an integer.
        assert_eq!(
            parse::<Input>(br#"{"name":"a","count":5449.0}"#)
                .unwrap()
                .count,
            Some(5449)
        );
        assert_eq!(
            parse::<Input>(br#"{"name":"a","count":1.5}"#)
                .unwrap_err()
                .field
                .as_deref(),
            Some("count")
        );
    }

    #[test]
    fn large_whole_floats_are_read_exactly() {
        // 3607311202252246.0 is exact in a double; a parser that rounds its
        // 17 digits best-effort reads 3607311202252246.5 (one step off), a
        // fraction, and refused the fuzzer's valid id.
        let ids: Vec<i64> = parse(b"[2584933109.0, 3607311202252246.0]").unwrap();
        assert_eq!(ids, vec![2_584_933_109, 3_607_311_202_252_246]);
    }
}
