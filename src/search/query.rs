//! The search box's language: free words (prefix with `*`), "exact
//! phrases", and field filters `status:open topic:billing from:anna@x.de
//! channel:email tag:vip assignee:me project:ACME`.

/// A parsed search.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// FTS5 expression for the free text; `None` when there is none.
    pub text: Option<String>,
    /// The free text as typed (for contact and organization search).
    pub plain: String,
    pub filters: Vec<(Field, String)>,
    /// The terms of `text` (joined by spaces, FTS5's implicit AND).
    pub terms: Vec<String>,
}

impl SearchQuery {
    /// Whether a term is a prefix (`"stem"*`).
    pub fn has_prefix(&self) -> bool {
        self.terms.iter().any(|t| t.ends_with('*'))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Status,
    Topic,
    From,
    Channel,
    Tag,
    Assignee,
    Project,
}

impl Field {
    fn parse(name: &str) -> Option<Field> {
        Some(match name.to_ascii_lowercase().as_str() {
            "status" => Field::Status,
            "topic" | "thema" => Field::Topic,
            "from" | "von" => Field::From,
            "channel" | "kanal" => Field::Channel,
            "tag" => Field::Tag,
            "assignee" | "bearbeiter" => Field::Assignee,
            "project" | "projekt" => Field::Project,
            _ => return None,
        })
    }
}

/// Splits the input into words and "quoted phrases".
fn tokens(input: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c == '"' {
            chars.next();
            let phrase: String = chars.by_ref().take_while(|&c| c != '"').collect();
            out.push((phrase, true));
            continue;
        }
        let mut word = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                break;
            }
            word.push(c);
            chars.next();
            // field:"quoted value"
            if c == ':' && chars.peek() == Some(&'"') {
                chars.next();
                word.extend(chars.by_ref().take_while(|&c| c != '"'));
                break;
            }
        }
        out.push((word, false));
    }
    out
}

/// Keeps letters, digits and inner punctuation FTS5 would split on anyway;
/// every term is quoted, so no input can form FTS5 syntax.
fn quote(term: &str) -> Option<String> {
    let cleaned: String = term
        .chars()
        .filter(|c| !matches!(c, '"' | '*' | '^'))
        .collect();
    let trimmed = cleaned.trim();
    (trimmed.chars().any(char::is_alphanumeric)).then(|| format!("\"{trimmed}\""))
}

pub fn parse(input: &str) -> SearchQuery {
    let mut query = SearchQuery::default();
    let mut terms = Vec::new();
    let mut plain = Vec::new();
    for (token, phrase) in tokens(input) {
        if !phrase
            && let Some((name, value)) = token.split_once(':')
            && let Some(field) = Field::parse(name)
            && !value.is_empty()
        {
            query.filters.push((field, value.to_string()));
            continue;
        }
        plain.push(token.clone());
        if phrase {
            terms.extend(quote(&token));
        } else if let Some(stem) = token.strip_suffix('*') {
            terms.extend(quote(stem).map(|q| format!("{q}*")));
        } else {
            terms.extend(quote(&token));
        }
    }
    query.plain = plain.join(" ");
    if !terms.is_empty() {
        query.text = Some(terms.join(" "));
    }
    query.terms = terms;
    query
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_phrases_and_prefixes() {
        let q =
            parse(r#"status:open topic:Rechnung from:anna@example.com "neuer Zähler" defekt* ab"#);
        assert_eq!(
            q.filters,
            vec![
                (Field::Status, "open".into()),
                (Field::Topic, "Rechnung".into()),
                (Field::From, "anna@example.com".into())
            ]
        );
        assert_eq!(q.text.as_deref(), Some(r#""neuer Zähler" "defekt"* "ab""#));
        assert!(q.has_prefix() && !parse("defekt ab").has_prefix());
    }

    #[test]
    fn hostile_input_cannot_form_fts_syntax() {
        let q = parse(r#"a" OR b NEAR( c^ * "#);
        // Every term quoted: OR and NEAR are plain words here.
        assert_eq!(q.text.as_deref(), Some(r#""a" "OR" "b" "NEAR(" "c""#));
        assert_eq!(parse("*** ::: ").text, None);
        assert_eq!(
            parse(r#"topic:"Neue Verträge""#).filters,
            vec![(Field::Topic, "Neue Verträge".into())]
        );
        assert_eq!(
            parse("unknown:field").text.as_deref(),
            Some(r#""unknown:field""#)
        );
    }
}
