//! Markdown to safe HTML, and to plain text for the search index.
//!
//! Rendered once when a version is saved (CommonMark with tables,
//! strikethrough and task lists), then sanitised: no scripts, styles,
//! frames or forms; links only `http`, `https`, `mailto` and relative ones,
//! with `rel="noopener noreferrer nofollow"`; images only from the
//! knowledge base's own attachments (any other image loses its `src`, so
//! reading an article never loads anything from elsewhere).

use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

/// Where the knowledge base's attachments are served.
pub const ATTACHMENT_PATH: &str = "/api/v1/knowledge/attachments/";

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener noreferrer nofollow"))
        .add_tag_attributes("code", ["class"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .add_tags(["input"])
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            ("img", "src") => own_attachment(value).then(|| value.into()),
            ("code", "class") => value
                .strip_prefix("language-")
                .filter(|lang| {
                    lang.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '+')
                })
                .map(|_| value.into()),
            ("input", "type") => (value == "checkbox").then(|| value.into()),
            _ => Some(value.into()),
        });
    builder
});

/// `/api/v1/knowledge/attachments/{id}`, nothing else.
fn own_attachment(src: &str) -> bool {
    src.strip_prefix(ATTACHMENT_PATH)
        .is_some_and(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()))
}

/// The Markdown as sanitised HTML.
pub fn to_html(markdown: &str) -> String {
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options()));
    SANITIZER.clean(&raw).to_string()
}

/// The words of the Markdown, without its syntax, for the search index.
pub fn to_text(markdown: &str) -> String {
    let mut text = String::with_capacity(markdown.len());
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                text.push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak | Event::Rule => text.push(' '),
            Event::Start(Tag::Image { title, .. }) if !title.is_empty() => {
                text.push(' ');
                text.push_str(&title);
                text.push(' ');
            }
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_),
            ) => text.push('\n'),
            _ => {}
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_code_and_links_stay_scripts_and_foreign_images_go() {
        let html = to_html(
            "# Zähler\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```rust\nfn x() {}\n```\n\n\
             [Hilfe](https://example.com/x) [böse](javascript:alert(1))\n\n\
             ![ok](/api/v1/knowledge/attachments/12) ![fremd](https://tracker.example/p.gif)\n\n\
             <script>alert(1)</script><img src=x onerror=alert(1)>",
        );
        assert!(
            html.contains("<table>") && html.contains("<td>1</td>"),
            "{html}"
        );
        assert!(html.contains(r#"<code class="language-rust">"#), "{html}");
        assert!(
            html.contains(r#"<a href="https://example.com/x" rel="noopener noreferrer nofollow">"#),
            "{html}"
        );
        assert!(!html.contains("javascript"), "{html}");
        assert!(
            html.contains(r#"src="/api/v1/knowledge/attachments/12""#),
            "{html}"
        );
        assert!(!html.contains("tracker.example"), "{html}");
        assert!(
            !html.contains("<script") && !html.contains("onerror"),
            "{html}"
        );
        assert!(!html.contains(r#"src="x""#), "{html}");
    }

    #[test]
    fn text_has_the_words_without_the_syntax() {
        let text = to_text("# Zählerwechsel\n\n**Neuer** `Zähler` und [Link](https://x.example)");
        assert!(text.contains("Zählerwechsel"));
        assert!(text.contains("Neuer Zähler und Link"), "{text}");
        assert!(!text.contains("https") && !text.contains('*'));
    }
}
