//! Placeholders in a text module's body: `{{name}}`, filled when the module
//! is inserted into a reply. Plain logic, no store: the caller gathers the
//! values ([`Values`]) of one case.
//!
//! Known names: `contact.first_name`, `contact.name`, `case.ref`,
//! `case.subject`, `agent.name`, `project.name`, `case.custom.KEY`,
//! `contact.custom.KEY`. Spaces inside the braces are allowed
//! (`{{ case.ref }}`). A name that is not known, or known but without a
//! value for the case, stays in the text as written and is reported, so
//! that the agent sees it and nothing is dropped silently.

use std::collections::BTreeMap;

/// The fixed names (custom fields come on top).
pub const FIXED: [&str; 6] = [
    "contact.first_name",
    "contact.name",
    "case.ref",
    "case.subject",
    "agent.name",
    "project.name",
];

const CASE_CUSTOM: &str = "case.custom.";
const CONTACT_CUSTOM: &str = "contact.custom.";

/// One `{{…}}` in a text: its byte range and the trimmed name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found<'a> {
    pub start: usize,
    pub end: usize,
    pub name: &'a str,
}

/// Every `{{name}}` in `text`, in order. A `{{` without a closing `}}`
/// before the next `{{` or a line end is no placeholder.
pub fn scan(text: &str) -> Vec<Found<'_>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find("{{") {
        let start = from + open;
        let inner_start = start + 2;
        let rest = &text[inner_start..];
        let Some(close) = rest.find("}}") else { break };
        let inner = &rest[..close];
        if inner.contains("{{") || inner.contains('\n') || inner.len() > 120 {
            from = inner_start;
            continue;
        }
        let end = inner_start + close + 2;
        out.push(Found {
            start,
            end,
            name: inner.trim(),
        });
        from = end;
    }
    out
}

fn custom_key_ok(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Whether `name` is a placeholder zezaro knows how to fill (custom fields
/// by their form only: whether the project has the field is the case's
/// question).
pub fn is_known_form(name: &str) -> bool {
    FIXED.contains(&name)
        || name
            .strip_prefix(CASE_CUSTOM)
            .or_else(|| name.strip_prefix(CONTACT_CUSTOM))
            .is_some_and(custom_key_ok)
}

/// The names in `text` that can never be filled, sorted, each once.
pub fn unknown_in(text: &str) -> Vec<String> {
    let mut names: Vec<String> = scan(text)
        .into_iter()
        .filter(|f| !is_known_form(f.name))
        .map(|f| f.name.to_string())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The values of one case: name → value, `None` for a known name without a
/// value (no contact, an empty custom field). Names not in the map are
/// unknown.
#[derive(Debug, Clone, Default)]
pub struct Values(pub BTreeMap<String, Option<String>>);

impl Values {
    pub fn set(&mut self, name: impl Into<String>, value: Option<String>) {
        let value = value.filter(|v| !v.trim().is_empty());
        self.0.insert(name.into(), value);
    }
}

/// A text with its placeholders filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filled {
    pub text: String,
    pub unknown: Vec<String>,
    pub empty: Vec<String>,
}

pub fn fill(text: &str, values: &Values) -> Filled {
    let mut out = String::with_capacity(text.len());
    let mut unknown = Vec::new();
    let mut empty = Vec::new();
    let mut at = 0;
    for found in scan(text) {
        out.push_str(&text[at..found.start]);
        match values.0.get(found.name) {
            Some(Some(value)) => out.push_str(value),
            Some(None) => {
                out.push_str(&text[found.start..found.end]);
                empty.push(found.name.to_string());
            }
            None => {
                out.push_str(&text[found.start..found.end]);
                unknown.push(found.name.to_string());
            }
        }
        at = found.end;
    }
    out.push_str(&text[at..]);
    for list in [&mut unknown, &mut empty] {
        list.sort();
        list.dedup();
    }
    Filled {
        text: out,
        unknown,
        empty,
    }
}

/// The first name of a contact's name: the first word, after a salutation
/// or title (Herr, Frau, Dr., Prof., Mr, Ms …). Empty when nothing is left.
pub fn first_name(name: &str) -> Option<String> {
    const TITLES: [&str; 12] = [
        "herr", "frau", "dr", "prof", "mr", "mrs", "ms", "miss", "dipl", "ing", "mag", "divers",
    ];
    name.split_whitespace()
        .find(|word| {
            let bare = word.trim_end_matches('.').to_lowercase();
            !TITLES.contains(&bare.as_str())
        })
        .map(|w| w.trim_end_matches(',').to_string())
        .filter(|w| !w.is_empty())
}

/// A custom field's stored value as text: lists joined with ", ", a
/// checkbox as yes/no in the module's language, dates (`YYYY-MM-DD`) as
/// `DD.MM.YYYY` in German.
pub fn custom_text(value: &serde_json::Value, german: bool) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::Null => None,
        Value::Bool(b) => Some(
            match (b, german) {
                (true, true) => "ja",
                (false, true) => "nein",
                (true, false) => "yes",
                (false, false) => "no",
            }
            .to_string(),
        ),
        Value::Number(n) => Some(if german {
            n.to_string().replace('.', ",")
        } else {
            n.to_string()
        }),
        Value::String(s) => Some(if german { german_date(s) } else { s.clone() }),
        Value::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .filter_map(|v| custom_text(v, german))
                .collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        Value::Object(_) => Some(value.to_string()),
    }
}

fn german_date(s: &str) -> String {
    let b = s.as_bytes();
    let is_date = s.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && s.chars()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if is_date {
        format!("{}.{}.{}", &s[8..10], &s[5..7], &s[0..4])
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Values {
        let mut v = Values::default();
        v.set("contact.first_name", Some("Erika".into()));
        v.set("case.ref", Some("ACME-1001".into()));
        v.set("case.custom.vertrag", None);
        v
    }

    #[test]
    fn fills_known_keeps_unknown_and_empty_as_written() {
        let filled = fill(
            "Hallo {{ contact.first_name }}, zu {{case.ref}} ({{case.custom.vertrag}}) {{kunde.nr}} {{case.ref}}",
            &values(),
        );
        assert_eq!(
            filled.text,
            "Hallo Erika, zu ACME-1001 ({{case.custom.vertrag}}) {{kunde.nr}} ACME-1001"
        );
        assert_eq!(filled.unknown, vec!["kunde.nr"]);
        assert_eq!(filled.empty, vec!["case.custom.vertrag"]);
    }

    #[test]
    fn unclosed_and_nested_braces_are_text() {
        let filled = fill("a {{ b {{case.ref}} c }} {{x", &values());
        assert_eq!(filled.text, "a {{ b ACME-1001 c }} {{x");
        assert!(filled.unknown.is_empty());
        let filled = fill("{{case.ref\n}}", &values());
        assert_eq!(filled.text, "{{case.ref\n}}");
    }

    #[test]
    fn a_value_is_never_scanned_again() {
        let mut v = Values::default();
        v.set("case.subject", Some("{{agent.name}}".into()));
        v.set("agent.name", Some("Anna".into()));
        assert_eq!(fill("{{case.subject}}", &v).text, "{{agent.name}}");
    }

    #[test]
    fn known_forms() {
        assert!(is_known_form("case.custom.vertrag_nr"));
        assert!(is_known_form("contact.custom.tarif"));
        assert!(!is_known_form("case.custom."));
        assert!(!is_known_form("case.custom.a b"));
        assert!(!is_known_form("contact.email"));
        assert_eq!(
            unknown_in("{{contact.email}} {{case.ref}} {{contact.email}}"),
            vec!["contact.email"]
        );
    }

    #[test]
    fn first_names_and_custom_values() {
        assert_eq!(
            first_name("Frau Dr. Erika Mustermann"),
            Some("Erika".into())
        );
        assert_eq!(first_name("Jonas Weber"), Some("Jonas".into()));
        assert_eq!(first_name("Herr"), None);
        assert_eq!(
            custom_text(&serde_json::json!("2026-03-01"), true),
            Some("01.03.2026".into())
        );
        assert_eq!(
            custom_text(&serde_json::json!(["A", "B"]), false),
            Some("A, B".into())
        );
        assert_eq!(
            custom_text(&serde_json::json!(true), true),
            Some("ja".into())
        );
        assert_eq!(
            custom_text(&serde_json::json!(12.5), true),
            Some("12,5".into())
        );
        assert_eq!(custom_text(&serde_json::json!([]), true), None);
    }
}
