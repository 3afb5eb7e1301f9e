//! Field validation shared by all domains: one error shape naming the field.

use std::borrow::Cow;

use serde::Serialize;

/// An input value that breaks a rule; `field` is the JSON name (a path such
/// as `custom.tariff` for values of the data masks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    pub field: Cow<'static, str>,
    pub message: String,
}

impl Invalid {
    pub fn new(field: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Trims and checks a required, length-limited text field.
pub fn required_text(
    field: &'static str,
    value: &str,
    max_chars: usize,
) -> Result<String, Invalid> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Invalid::new(field, "must not be empty"));
    }
    if trimmed.chars().count() > max_chars {
        return Err(Invalid::new(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    if trimmed.chars().any(|c| c.is_control()) {
        return Err(Invalid::new(field, "must not contain control characters"));
    }
    Ok(trimmed.to_string())
}

/// A plausible e-mail address, normalised to lower case.
pub fn email(field: &'static str, value: &str) -> Result<String, Invalid> {
    let value = required_text(field, value, 254)?.to_lowercase();
    let valid = match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !value
                    .chars()
                    .any(|c| c.is_whitespace() || c == ',' || c == ';')
                && value.matches('@').count() == 1
        }
        None => false,
    };
    if valid {
        Ok(value)
    } else {
        Err(Invalid::new(field, "is not a valid e-mail address"))
    }
}

/// Trims an optional, length-limited text field; empty is allowed. Line
/// breaks are allowed where `multiline` says so.
pub fn optional_text(
    field: &'static str,
    value: &str,
    max_chars: usize,
    multiline: bool,
) -> Result<String, Invalid> {
    let trimmed = value.trim();
    if trimmed.chars().count() > max_chars {
        return Err(Invalid::new(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    let bad = |c: char| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t'));
    if trimmed.chars().any(bad) {
        return Err(Invalid::new(field, "must not contain control characters"));
    }
    Ok(trimmed.to_string())
}

/// Passwords: at least 10 characters; the upper bound keeps hashing cheap.
pub fn password(field: &'static str, value: &str) -> Result<(), Invalid> {
    let len = value.chars().count();
    if len < 10 {
        return Err(Invalid::new(field, "must be at least 10 characters"));
    }
    if len > 256 {
        return Err(Invalid::new(field, "must be at most 256 characters"));
    }
    Ok(())
}

impl crate::problem::Problem for Invalid {
    fn problem(&self) -> crate::problem::Answer {
        crate::problem::Answer::unprocessable("validation", self).field(self.field.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(required_text("name", "  Acme ", 10).unwrap(), "Acme");
        assert_eq!(required_text("name", "   ", 10).unwrap_err().field, "name");
        assert!(required_text("name", "abcdefghijk", 10).is_err());
        assert!(required_text("name", "a\u{7}b", 10).is_err());
    }

    #[test]
    fn emails_are_checked_and_lowercased() {
        assert_eq!(
            email("email", " Anna@Example.COM ").unwrap(),
            "anna@example.com"
        );
        for bad in [
            "anna",
            "anna@",
            "@example.com",
            "a@b",
            "a b@example.com",
            "a@@example.com",
            "a@example.com,b@example.com",
        ] {
            assert!(email("email", bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn passwords_need_length() {
        assert!(password("password", "short").is_err());
        assert!(password("password", "long enough!").is_ok());
    }
}
