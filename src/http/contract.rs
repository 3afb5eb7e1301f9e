//! The OpenAPI document as the contract the server keeps: request values
//! are checked against the limits it states (lengths, ranges, patterns,
//! enum values), whole-number floats are taken as integers, and a method the
//! document does not list for a path answers 405 with `Allow`.
//!
//! One place for every endpoint, so an operation added later is held to its
//! own document without code of its own.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use actix_web::http::StatusCode;
use serde_json::{Map, Value};
use utoipa::OpenApi;

use super::openapi::ApiDoc;
use super::problem::ApiError;

/// The document as JSON, built once.
pub(crate) fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null))
}

fn components() -> &'static Value {
    &document()["components"]["schemas"]
}

/// A value that breaks a documented limit; `field` is its JSON path.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub field: String,
    pub message: String,
}

impl From<Violation> for ApiError {
    fn from(v: Violation) -> Self {
        let detail = if v.field.is_empty() {
            v.message
        } else {
            format!("{}: {}", v.field, v.message)
        };
        let problem = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", detail);
        if v.field.is_empty() {
            problem
        } else {
            problem.with_field(v.field)
        }
    }
}

/// Rewrites floats without a fractional part (`5449.0`) as integers, so a
/// client that only has doubles can send integer fields.
pub fn normalize_numbers(value: &mut Value) {
    match value {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            if let Some(f) = n.as_f64() {
                // Exact in a double, so no precision is invented.
                if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 {
                    *value = Value::from(f as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize_numbers),
        Value::Object(map) => map.values_mut().for_each(normalize_numbers),
        _ => {}
    }
}

/// Checks `value` against `schema` (JSON Schema as in the document, with
/// `$ref`s into its components). Types, unknown and missing fields are
/// serde's work; this checks the limits serde cannot see.
pub fn validate(value: &Value, schema: &Value) -> Result<(), Violation> {
    check(value, schema, "", 0)
}

fn resolve(schema: &Value) -> &Value {
    let mut schema = schema;
    for _ in 0..16 {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let name = reference.rsplit('/').next().unwrap_or_default();
                match components().get(name) {
                    Some(target) => schema = target,
                    None => return &Value::Null,
                }
            }
            None => return schema,
        }
    }
    &Value::Null
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn violation(path: &str, message: impl Into<String>) -> Violation {
    Violation {
        field: path.to_string(),
        message: message.into(),
    }
}

fn types_of(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn check(value: &Value, schema: &Value, path: &str, depth: usize) -> Result<(), Violation> {
    if depth > 64 {
        return Ok(());
    }
    let schema = resolve(schema);
    if !schema.is_object() {
        return Ok(());
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for part in all {
            check(value, part, path, depth + 1)?;
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(any) = schema.get(key).and_then(Value::as_array) {
            // serde chose the variant; the value must keep the limits of one.
            let mut first = None;
            for part in any {
                match check(value, part, path, depth + 1) {
                    Ok(()) if matches_type(value, resolve(part)) => {
                        first = None;
                        break;
                    }
                    Ok(()) => {}
                    Err(err) => {
                        if matches_type(value, resolve(part)) {
                            first.get_or_insert(err);
                        }
                    }
                }
            }
            if let Some(err) = first {
                return Err(err);
            }
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !value.is_null()
        && !options.contains(value)
    {
        let names: Vec<String> = options.iter().map(Value::to_string).collect();
        return Err(violation(
            path,
            format!("must be one of {}", names.join(", ")),
        ));
    }
    // serde reads a struct from an array too (`[null, null]` as a team):
    // the document's type is the rule.
    if !matches_type(value, schema) {
        return Err(violation(
            path,
            format!("must be of type {}", types_of(schema).join(" or ")),
        ));
    }
    match value {
        Value::String(s) => check_string(s, schema, path),
        Value::Number(n) => check_number(n, schema, path),
        Value::Array(items) => {
            let count = items.len() as u64;
            if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
                && count > max
            {
                return Err(violation(path, format!("must have at most {max} items")));
            }
            if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
                && count < min
            {
                return Err(violation(path, format!("must have at least {min} items")));
            }
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    check(item, item_schema, &format!("{path}[{i}]"), depth + 1)?;
                }
            }
            Ok(())
        }
        Value::Object(map) => check_object(map, schema, path, depth),
        _ => Ok(()),
    }
}

fn matches_type(value: &Value, schema: &Value) -> bool {
    let types = types_of(schema);
    if types.is_empty() {
        return true;
    }
    types.iter().any(|t| match *t {
        "null" => value.is_null(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => true,
    })
}

fn check_object(
    map: &Map<String, Value>,
    schema: &Value,
    path: &str,
    depth: usize,
) -> Result<(), Violation> {
    let properties = schema.get("properties").and_then(Value::as_object);
    let extra = schema.get("additionalProperties");
    if let Some(max) = schema.get("maxProperties").and_then(Value::as_u64)
        && map.len() as u64 > max
    {
        return Err(violation(path, format!("must have at most {max} entries")));
    }
    for (key, item) in map {
        match properties.and_then(|p| p.get(key)) {
            Some(prop) => check(item, prop, &join(path, key), depth + 1)?,
            None => {
                if let Some(extra @ Value::Object(_)) = extra {
                    check(item, extra, &join(path, key), depth + 1)?;
                }
            }
        }
    }
    Ok(())
}

fn check_string(s: &str, schema: &Value, path: &str) -> Result<(), Violation> {
    let len = s.chars().count() as u64;
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
        && len > max
    {
        return Err(violation(path, format!("must be at most {max} characters")));
    }
    if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
        && len < min
    {
        return Err(violation(
            path,
            format!("must be at least {min} characters"),
        ));
    }
    if let Some(pattern) = schema.get("pattern").and_then(Value::as_str)
        && let Some(re) = compiled(pattern)
        && !re.is_match(s)
    {
        return Err(violation(path, format!("must match `{pattern}`")));
    }
    if let Some(format) = schema.get("format").and_then(Value::as_str) {
        let ok = match format {
            "date-time" => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
            "date" => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
            "email" => crate::validation::email("email", s).is_ok(),
            _ => true,
        };
        if !ok {
            return Err(violation(path, format!("must be a valid {format}")));
        }
    }
    Ok(())
}

/// The schema of a body type as the document shows it, built once per type
/// (utoipa builds it anew on every call; bodies are on every write path).
pub fn schema_of<T: utoipa::ToSchema + 'static>() -> &'static Value {
    use std::any::TypeId;
    use std::collections::HashMap;
    use std::sync::Mutex;
    static CACHE: OnceLock<Mutex<HashMap<TypeId, &'static Value>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    cache.entry(TypeId::of::<T>()).or_insert_with(|| {
        // The body types are few and fixed: built once, kept.
        Box::leak(Box::new(
            serde_json::to_value(T::schema()).unwrap_or_default(),
        ))
    })
}

fn compiled(pattern: &str) -> Option<&'static regex::Regex> {
    use std::sync::Mutex;
    static CACHE: OnceLock<Mutex<BTreeMap<String, &'static regex::Regex>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(re) = cache.get(pattern) {
        return Some(re);
    }
    // The document's patterns are few and fixed: compiled once, kept.
    let re: &'static regex::Regex = Box::leak(Box::new(regex::Regex::new(pattern).ok()?));
    cache.insert(pattern.to_string(), re);
    Some(re)
}

fn check_number(n: &serde_json::Number, schema: &Value, path: &str) -> Result<(), Violation> {
    let types = types_of(schema);
    let integer = types.contains(&"integer") && !types.contains(&"number");
    if integer {
        // int32/int64 ranges, as a generated client would hold them.
        let (lo, hi) = match schema.get("format").and_then(Value::as_str) {
            Some("int32") => (i32::MIN as f64, i32::MAX as f64),
            Some("uint32") => (0.0, u32::MAX as f64),
            Some("uint64") => (0.0, u64::MAX as f64),
            _ => (i64::MIN as f64, i64::MAX as f64),
        };
        let v = n.as_f64().unwrap_or(f64::NAN);
        if !(lo..=hi).contains(&v) {
            return Err(violation(path, "is out of range"));
        }
    }
    let v = n.as_f64().unwrap_or(f64::NAN);
    let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
    if let Some(min) = bound("minimum")
        && v < min
    {
        return Err(violation(path, format!("must be at least {min}")));
    }
    if let Some(max) = bound("maximum")
        && v > max
    {
        return Err(violation(path, format!("must be at most {max}")));
    }
    if let Some(min) = bound("exclusiveMinimum")
        && v <= min
    {
        return Err(violation(path, format!("must be more than {min}")));
    }
    if let Some(max) = bound("exclusiveMaximum")
        && v >= max
    {
        return Err(violation(path, format!("must be less than {max}")));
    }
    Ok(())
}

/// The document's path templates that `path` matches, with their methods.
pub fn documented_methods(path: &str) -> Option<Vec<String>> {
    let paths = document()["paths"].as_object()?;
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let mut best: Option<(usize, &Map<String, Value>)> = None;
    for (template, item) in paths {
        let parts: Vec<&str> = template.split('/').collect();
        if parts.len() != segments.len() {
            continue;
        }
        let mut literal = 0;
        let fits = parts.iter().zip(&segments).all(|(part, seg)| {
            if part.starts_with('{') && part.ends_with('}') {
                !seg.is_empty()
            } else {
                literal += 1;
                part == seg
            }
        });
        // The most literal template wins (`/cases/counts` over `/cases/{id}`).
        if fits
            && let Some(item) = item.as_object()
            && best.is_none_or(|(n, _)| literal > n)
        {
            best = Some((literal, item));
        }
    }
    let (_, item) = best?;
    let methods: Vec<String> = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ]
    .iter()
    .filter(|m| item.contains_key(**m))
    .map(|m| m.to_ascii_uppercase())
    .collect();
    Some(methods)
}

/// The answer for a request no route took: 405 with `Allow` when the
/// document has the path under other methods, else `None` (a 404).
pub fn method_not_allowed(path: &str, method: &str) -> Option<ApiError> {
    let mut methods = documented_methods(path)?;
    if methods.is_empty() || methods.iter().any(|m| m == method) {
        return None;
    }
    if methods.iter().any(|m| m == "GET") && !methods.iter().any(|m| m == "HEAD") {
        methods.push("HEAD".into());
    }
    Some(
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            format!("{method} is not allowed here; use {}", methods.join(", ")),
        )
        .allow(methods.join(", ")),
    )
}

/// Checks a query string against the operation's documented query
/// parameters: values are coerced to the documented type, then held to
/// its limits. Unknown parameters are left to the handler's extractor.
pub fn check_query(pattern: &str, method: &str, query: &str) -> Result<(), ApiError> {
    let Some(operation) = document()["paths"]
        .get(pattern)
        .and_then(|item| item.get(method.to_ascii_lowercase()))
    else {
        return Ok(());
    };
    let Some(params) = operation.get("parameters").and_then(Value::as_array) else {
        return Ok(());
    };
    let pairs: Vec<(String, String)> = match serde_urlencoded::from_str(query) {
        Ok(pairs) => pairs,
        Err(err) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid-query",
                err.to_string(),
            ));
        }
    };
    for param in params {
        let param = resolve(param);
        if param.get("in").and_then(Value::as_str) != Some("query") {
            continue;
        }
        let Some(name) = param.get("name").and_then(Value::as_str) else {
            continue;
        };
        let schema = param.get("schema").unwrap_or(&Value::Null);
        for (_, raw) in pairs.iter().filter(|(key, _)| key == name) {
            let value = coerce(raw, resolve(schema)).ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid-query",
                    format!("{name}: `{raw}` is not of the documented type"),
                )
                .with_field(name)
            })?;
            check(&value, schema, name, 0).map_err(|v| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid-query",
                    format!("{}: {}", v.field, v.message),
                )
                .with_field(v.field)
            })?;
        }
    }
    Ok(())
}

fn coerce(raw: &str, schema: &Value) -> Option<Value> {
    let types = types_of(schema);
    let non_null: Vec<&str> = types.into_iter().filter(|t| *t != "null").collect();
    match non_null.first().copied() {
        Some("integer") => {
            let n: f64 = raw.parse().ok()?;
            if n.fract() != 0.0 || !n.is_finite() {
                return None;
            }
            raw.parse::<i64>()
                .map(Value::from)
                .or_else(|_| raw.parse::<u64>().map(Value::from))
                .ok()
                .or_else(|| (n.abs() <= 9_007_199_254_740_992.0).then(|| Value::from(n as i64)))
                .or(Some(Value::from(n)))
        }
        Some("number") => raw
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Value::from),
        Some("boolean") => match raw {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        _ => Some(Value::String(raw.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_path_parameter_is_declared() {
        // An id newtype in a handler's path does not declare itself: the
        // operation needs `params(("id" = i64, Path))`, or clients and the
        // fuzzer cannot call it.
        let mut missing = Vec::new();
        for (path, item) in document()["paths"].as_object().unwrap() {
            let names: Vec<&str> = path
                .split('{')
                .skip(1)
                .filter_map(|rest| rest.split('}').next())
                .collect();
            for (method, operation) in item.as_object().unwrap() {
                let declared: Vec<&str> = operation["parameters"]
                    .as_array()
                    .map(|ps| {
                        ps.iter()
                            .filter(|p| p["in"] == "path")
                            .filter_map(|p| p["name"].as_str())
                            .collect()
                    })
                    .unwrap_or_default();
                for name in &names {
                    if !declared.contains(name) {
                        missing.push(format!("{method} {path}: {name}"));
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "undeclared path parameters: {missing:?}"
        );
    }

    #[test]
    fn whole_floats_become_integers() {
        let mut v = json!({"a": 5449.0, "b": [1.5, 2.0], "c": "3.0"});
        normalize_numbers(&mut v);
        assert_eq!(v, json!({"a": 5449, "b": [1.5, 2], "c": "3.0"}));
    }

    #[test]
    fn limits_are_checked() {
        let schema = json!({"type": "object", "properties": {
            "name": {"type": "string", "maxLength": 3},
            "n": {"type": "integer", "format": "int32", "minimum": 1},
            "q": {"type": "string", "pattern": "^[^\\x00]*$"}
        }});
        assert!(validate(&json!({"name": "abc", "n": 1}), &schema).is_ok());
        assert_eq!(
            validate(&json!({"name": "abcd"}), &schema)
                .unwrap_err()
                .field,
            "name"
        );
        assert!(validate(&json!({"n": 0}), &schema).is_err());
        assert!(validate(&json!({"n": 3_000_000_000_i64}), &schema).is_err());
        assert!(validate(&json!({"q": "a\u{0}"}), &schema).is_err());
    }

    #[test]
    fn the_documented_type_holds() {
        let schema = json!({"type": "object", "properties": {
            "name": {"type": ["string", "null"]},
            "tags": {"type": "array", "items": {"type": "string"}}
        }});
        assert!(validate(&json!({"name": null, "tags": ["a"]}), &schema).is_ok());
        // serde would read a struct from an array; the document says object.
        assert!(validate(&json!([null, null]), &schema).is_err());
        assert_eq!(
            validate(&json!({"tags": [{"x": 1}]}), &schema)
                .unwrap_err()
                .field,
            "tags[0]"
        );
        assert_eq!(
            validate(&json!({"name": ["n"]}), &schema)
                .unwrap_err()
                .field,
            "name"
        );
    }
}
