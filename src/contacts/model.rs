use crate::ids::{ClientId, ContactId, OrganizationId};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::paging::Page;
use crate::validation::{Invalid, optional_text};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Contact {
    pub id: ContactId,
    pub client_id: ClientId,
    pub name: String,
    /// Lower-case e-mail addresses, the first is the main one.
    pub emails: Vec<String>,
    /// Phone numbers as entered.
    pub phones: Vec<String>,
    pub organization_id: Option<OrganizationId>,
    pub organization_name: Option<String>,
    pub customer_number: Option<String>,
    /// `de`, `en` or `null`.
    pub language: Option<String>,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    pub notes: String,
    /// Custom field values (data masks), as stored.
    #[schema(value_type = Object)]
    pub custom: serde_json::Value,
    /// Cases of the contact.
    pub case_count: i64,
    /// Set when this contact was merged into another one.
    pub merged_into_id: Option<ContactId>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    pub client_id: ClientId,
    #[schema(max_length = 200)]
    pub name: String,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub phones: Vec<String>,
    pub organization_id: Option<OrganizationId>,
    pub customer_number: Option<String>,
    /// `de` or `en`.
    pub language: Option<String>,
    #[schema(max_length = 200)]
    pub street: Option<String>,
    #[schema(max_length = 20)]
    pub postal_code: Option<String>,
    #[schema(max_length = 120)]
    pub city: Option<String>,
    #[schema(max_length = 120)]
    pub country: Option<String>,
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
    /// A JSON object of custom field values.
    #[schema(value_type = Option<Object>)]
    pub custom: Option<serde_json::Value>,
}

/// Absent fields stay as they are; `null` (or `""`) clears an optional one;
/// `emails` and `phones` replace the whole list.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    #[schema(max_length = 200)]
    pub name: Option<String>,
    pub emails: Option<Vec<String>>,
    pub phones: Option<Vec<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub organization_id: Option<Option<OrganizationId>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub customer_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub language: Option<Option<String>>,
    #[schema(max_length = 200)]
    pub street: Option<String>,
    #[schema(max_length = 20)]
    pub postal_code: Option<String>,
    #[schema(max_length = 120)]
    pub city: Option<String>,
    #[schema(max_length = 120)]
    pub country: Option<String>,
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub custom: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ContactQuery {
    /// Only this client's contacts.
    pub client_id: Option<ClientId>,
    /// Prefix search over name, e-mails, phones, organization, customer
    /// number and city.
    pub q: Option<String>,
    pub organization_id: Option<OrganizationId>,
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    pub before_id: Option<i64>,
}

/// Contacts, newest first.
pub type ContactPage = Page<Contact>;
crate::page_schema!(
    Contact,
    "ContactPage",
    items = "Newest first.",
    next = "Pass as `before_id` for the next page; `null` at the end."
);

crate::customer_record!(
    Contact,
    id: ContactId,
    itself: "a contact cannot be merged into itself",
    other_client: "contacts of different clients cannot be merged",
    merged_already: "one of the contacts was merged into another one already",
);

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LookupQuery {
    /// Only this client's contacts.
    pub client_id: Option<ClientId>,
    /// Exact address (case-insensitive).
    pub email: Option<String>,
    /// Matched on digits; without an exact match, on the last 8 digits.
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DuplicatesQuery {
    /// The client; a client's own users may leave it out (their client).
    pub client_id: Option<ClientId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DuplicateReason {
    /// The same e-mail address.
    Email,
    /// The same phone number (digits).
    Phone,
    /// The same name and the same city or organization.
    Name,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DuplicateGroup {
    pub reason: DuplicateReason,
    /// The shared address, digits or normalised name.
    pub value: String,
    /// At least two, ascending.
    pub contact_ids: Vec<ContactId>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeInput {
    /// The contact that remains.
    pub into_id: ContactId,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    pub client_id: ClientId,
    /// Check and count only; nothing is written.
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    /// Data rows read (empty lines not counted).
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    /// Rows skipped, with the reason. An error about a custom field value
    /// names the field `custom.<key>`.
    pub errors: Vec<ImportRowError>,
    /// Columns imported as custom field values (the fields' keys).
    pub custom_columns: Vec<String>,
    /// Columns (as written in the header) that are neither contact columns
    /// nor fields of the client's contact mask: not imported.
    pub unknown_columns: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportRowError {
    /// Line in the file, 1 is the header.
    pub line: u64,
    /// The column, where the error is about one.
    pub field: Option<String>,
    pub message: String,
}

/// Checked values of a contact, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactFields {
    pub name: String,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub organization_id: Option<OrganizationId>,
    pub customer_number: Option<String>,
    pub language: Option<String>,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    pub notes: String,
    /// JSON object text.
    pub custom: String,
}

/// For `Option<Option<T>>` patch fields: absent → `None`, `null` →
/// `Some(None)`.
pub fn nullable<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

/// Digits of a phone number for look-ups. An international prefix (`+` or
/// `00`) is dropped, so `+49 30 1234` and `004930 1234` both give
/// `49301234`; a national trunk `(0)` after it is dropped too. A local
/// number (`030 1234`) keeps its leading zero.
pub fn phone_digits(phone: &str) -> String {
    let trimmed = phone.trim();
    let international = trimmed.starts_with('+');
    let cleaned = if international {
        trimmed.replacen("(0)", "", 1)
    } else {
        trimmed.to_string()
    };
    let digits: String = cleaned.chars().filter(char::is_ascii_digit).collect();
    if !international && let Some(rest) = digits.strip_prefix("00") {
        return rest.to_string();
    }
    digits
}

/// A phone number as entered: digits and the usual separators.
pub fn phone(field: &'static str, value: &str) -> Result<String, Invalid> {
    let value = value.trim();
    if value.chars().count() > 40 {
        return Err(Invalid::new(field, "must be at most 40 characters"));
    }
    let allowed = |c: char| c.is_ascii_digit() || " +-/().".contains(c);
    if value.is_empty() || !value.chars().all(allowed) {
        return Err(Invalid::new(field, "is not a valid phone number"));
    }
    if phone_digits(value).len() < 3 {
        return Err(Invalid::new(field, "has too few digits"));
    }
    Ok(value.to_string())
}

/// An optional single-line value; empty means none.
pub fn optional_value(
    field: &'static str,
    value: Option<&str>,
    max_chars: usize,
) -> Result<Option<String>, Invalid> {
    match value {
        None => Ok(None),
        Some(v) => {
            let v = optional_text(field, v, max_chars, false)?;
            Ok((!v.is_empty()).then_some(v))
        }
    }
}

/// Custom field values: any JSON object (checked against the data masks
/// elsewhere), stored as JSON text; none is `{}`.
/// Custom values (JSON object texts) of a merge: the target's, plus the
/// source's where the target has none.
pub fn merged_custom(target: &str, source: &str) -> String {
    match (
        serde_json::from_str::<serde_json::Value>(target),
        serde_json::from_str::<serde_json::Value>(source),
    ) {
        (Ok(serde_json::Value::Object(mut mine)), Ok(serde_json::Value::Object(theirs))) => {
            for (key, value) in theirs {
                mine.entry(key).or_insert(value);
            }
            serde_json::Value::Object(mine).to_string()
        }
        _ => target.to_string(),
    }
}

pub fn custom_object(value: Option<serde_json::Value>) -> Result<String, Invalid> {
    match value {
        None => Ok("{}".into()),
        Some(v @ serde_json::Value::Object(_)) => {
            let text = v.to_string();
            if text.len() > 64 * 1024 {
                return Err(Invalid::new("custom", "must be at most 64 KiB"));
            }
            Ok(text)
        }
        Some(_) => Err(Invalid::new("custom", "must be a JSON object")),
    }
}

/// A full-text query matching every word of `q` as a prefix, or `None`
/// when `q` has no words. Only letters and digits get through, so the
/// FTS5 query syntax cannot be injected.
pub fn fts_prefix_query(q: &str) -> Option<String> {
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// A name for duplicate detection: lower case, umlauts spelled out,
/// accents and punctuation dropped, salutations dropped, words sorted (so
/// "Müller, Hans" and "Hans Mueller" agree).
pub fn normalised_name(name: &str) -> String {
    let mut folded = String::with_capacity(name.len());
    for c in name.to_lowercase().chars() {
        match c {
            'ä' => folded.push_str("ae"),
            'ö' => folded.push_str("oe"),
            'ü' => folded.push_str("ue"),
            'ß' => folded.push_str("ss"),
            'à' | 'á' | 'â' | 'ã' | 'å' => folded.push('a'),
            'è' | 'é' | 'ê' | 'ë' => folded.push('e'),
            'ì' | 'í' | 'î' | 'ï' => folded.push('i'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ø' => folded.push('o'),
            'ù' | 'ú' | 'û' => folded.push('u'),
            'ç' => folded.push('c'),
            'ñ' => folded.push('n'),
            c if c.is_alphanumeric() => folded.push(c),
            _ => folded.push(' '),
        }
    }
    const SALUTATIONS: [&str; 8] = ["herr", "frau", "dr", "prof", "mr", "mrs", "ms", "dipl"];
    let mut words: Vec<&str> = folded
        .split_whitespace()
        .filter(|w| !SALUTATIONS.contains(w))
        .collect();
    words.sort_unstable();
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_digits_match_across_formats() {
        assert_eq!(phone_digits("+49 30 1234"), "49301234");
        assert_eq!(phone_digits("004930 1234"), "49301234");
        assert_eq!(phone_digits("+49 (0)30 1234"), "49301234");
        assert_eq!(phone_digits("0301234"), "0301234");
        assert_eq!(phone_digits("030/12 34-5"), "03012345");
    }

    #[test]
    fn phones_are_checked() {
        assert!(phone("phones", "+49 (30) 123-45").is_ok());
        assert!(phone("phones", "call me").is_err());
        assert!(phone("phones", "12").is_err());
        assert!(phone("phones", "").is_err());
    }

    #[test]
    fn fts_queries_are_prefixes_of_words() {
        assert_eq!(
            fts_prefix_query("anna.schm").as_deref(),
            Some("\"anna\"* \"schm\"*")
        );
        assert_eq!(fts_prefix_query("\"*(-"), None);
        assert_eq!(fts_prefix_query("Müller").as_deref(), Some("\"Müller\"*"));
    }

    #[test]
    fn names_normalise() {
        assert_eq!(normalised_name("Müller, Hans"), "hans mueller");
        assert_eq!(normalised_name("Herr Hans  Mueller"), "hans mueller");
        assert_eq!(normalised_name("José García"), "garcia jose");
    }

    #[test]
    fn custom_must_be_an_object() {
        assert_eq!(custom_object(None).unwrap(), "{}");
        assert!(custom_object(Some(serde_json::json!({"a": 1}))).is_ok());
        assert!(custom_object(Some(serde_json::json!([1]))).is_err());
    }
}
