//! Reading a raw e-mail (MIME, with `mail-parser`) into what a case needs:
//! threading headers, sender, subject, text and sanitised HTML bodies,
//! attachments and inline images, and the marks of automatic mail.
//!
//! Bounded by design: the raw size that is parsed is capped (the raw stays
//! stored regardless), nested messages are followed to a fixed depth, parts
//! over the size limit are skipped with a note, and a panic in the parser
//! is caught. Whatever goes wrong becomes a `problem`, never an error: the
//! message is stored as far as it is readable and flagged.

use std::borrow::Cow;
use std::sync::LazyLock;

use mail_parser::{HeaderValue, Message, MessageParser, MimeHeaders, PartType};

/// Characters of a body kept in the thread (the cases service's limit).
pub const MAX_BODY_CHARS: usize = 200_000;
/// HTML bytes sanitised at most.
const MAX_HTML_BYTES: usize = 2 * 1024 * 1024;
/// Nested messages (message/rfc822) followed at most.
const MAX_MESSAGE_DEPTH: usize = 4;
/// Attachments kept from one message at most.
const MAX_PARTS: usize = 200;
/// A header block larger than this is suspicious (flagged, still read).
const MAX_HEADER_BYTES: usize = 256 * 1024;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Larger parts are skipped (noted as a problem).
    pub max_part_bytes: usize,
    /// Larger raw messages are not parsed beyond their headers.
    pub max_parse_bytes: usize,
}

impl Limits {
    pub fn for_attachments(max_part_bytes: usize) -> Limits {
        Limits {
            max_part_bytes,
            max_parse_bytes: max_part_bytes.saturating_mul(2).max(4 * 1024 * 1024),
        }
    }
}

/// One attachment or inline part to store.
#[derive(Debug, Clone)]
pub struct Part {
    pub filename: String,
    pub content_type: String,
    /// `Content-ID` without angle brackets (inline images).
    pub content_id: Option<String>,
    pub data: Vec<u8>,
}

/// What a case needs from one message.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// Without angle brackets.
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    /// One line, no control characters, at most 300 characters; may be empty.
    pub subject: String,
    pub from_name: String,
    /// Lower case, when it looks like an address.
    pub from_address: Option<String>,
    pub to: Option<String>,
    pub body_text: String,
    /// Sanitised HTML, when the message has an HTML body.
    pub body_html: Option<String>,
    pub parts: Vec<Part>,
    /// An automatic reply (Auto-Submitted, X-Autoreply, …).
    pub auto_reply: bool,
    /// Bulk or list mail (Precedence bulk/junk/list, List-Id).
    pub bulk: bool,
    /// A delivery status notification (bounce).
    pub bounce: bool,
    /// Message-IDs of the original message a bounce reports on.
    pub bounce_refs: Vec<String>,
    /// What went wrong while reading; non-empty flags the message.
    pub problems: Vec<String>,
}

impl Parsed {
    /// Automatic mail gets no acknowledgment and does not reopen cases.
    pub fn is_automatic(&self) -> bool {
        self.auto_reply || self.bulk || self.bounce
    }
}

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_url_schemes(["cid"])
        .link_rel(Some("noopener noreferrer nofollow"));
    builder
});

/// HTML that is safe to show: no scripts, event handlers, forms, frames or
/// styles that load anything; `cid:` images stay (rewritten later).
pub fn sanitize_html(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

/// Reads `raw`; never fails and never panics.
pub fn parse(raw: &[u8], limits: Limits) -> Parsed {
    let result = std::panic::catch_unwind(|| parse_inner(raw, limits));
    match result {
        Ok(parsed) => parsed,
        Err(_) => {
            let mut parsed = fallback(raw);
            parsed
                .problems
                .push("the message could not be parsed (parser failure)".into());
            parsed
        }
    }
}

/// The text of an unreadable message, as far as it goes.
fn fallback(raw: &[u8]) -> Parsed {
    let end = raw.len().min(64 * 1024);
    let text = String::from_utf8_lossy(&raw[..end]);
    Parsed {
        body_text: clip_chars(&strip_controls(&text, true), MAX_BODY_CHARS),
        ..Parsed::default()
    }
}

fn parse_inner(raw: &[u8], limits: Limits) -> Parsed {
    let mut problems = Vec::new();
    let too_large = raw.len() > limits.max_parse_bytes;
    let parser = MessageParser::default();
    let message = if too_large {
        problems.push(format!(
            "the message has {} bytes, more than the {} that are read; only its headers were read (the raw message is kept)",
            raw.len(),
            limits.max_parse_bytes
        ));
        parser.parse_headers(raw)
    } else {
        parser.parse(raw)
    };
    let Some(message) = message else {
        let mut parsed = fallback(raw);
        parsed
            .problems
            .push("the message is not a readable e-mail".into());
        return parsed;
    };
    let header_len = message
        .parts
        .first()
        .map(|p| p.offset_body as usize)
        .unwrap_or(0);
    if header_len > MAX_HEADER_BYTES {
        problems.push(format!(
            "the header block is very large ({header_len} bytes)"
        ));
    }
    if message.parts.iter().any(|p| p.is_encoding_problem) {
        problems.push("some parts could not be decoded".into());
    }

    let mut parsed = Parsed {
        message_id: message.message_id().and_then(clean_id),
        in_reply_to: ids_of(message.in_reply_to()),
        references: ids_of(message.references()),
        subject: one_line(message.subject().unwrap_or(""), 300),
        ..Parsed::default()
    };
    if let Some(addr) = message.from().and_then(|a| a.first()) {
        parsed.from_name = one_line(addr.name().unwrap_or(""), 200);
        parsed.from_address = addr
            .address()
            .and_then(|a| crate::validation::email("from", a).ok());
        if parsed.from_address.is_none() {
            problems.push("the sender's address is missing or invalid".into());
        }
    } else {
        problems.push("the message has no sender".into());
    }
    parsed.to = message.to().and_then(|a| a.first()).and_then(|a| {
        a.address()
            .map(|s| one_line(s, 254))
            .filter(|s| !s.is_empty())
    });

    mark_automatic(&message, &mut parsed);

    if !too_large {
        let mut text = Vec::new();
        let mut html = Vec::new();
        collect(
            &message,
            0,
            limits,
            &mut text,
            &mut html,
            &mut parsed,
            &mut problems,
        );
        parsed.body_text = clip_chars(&text.join("\n\n"), MAX_BODY_CHARS);
        if !html.is_empty() {
            let mut joined = html.join("<hr>");
            if joined.len() > MAX_HTML_BYTES {
                problems.push("the HTML body was cut to 2 MiB".into());
                let mut end = MAX_HTML_BYTES;
                while !joined.is_char_boundary(end) {
                    end -= 1;
                }
                joined.truncate(end);
            }
            parsed.body_html = Some(sanitize_html(&joined));
        }
    }
    if parsed.bounce {
        find_bounce_refs(&message, &mut parsed);
    }
    parsed.problems.extend(problems);
    parsed
}

/// Bodies and attachments of `message`; nested messages add their text
/// (as a forwarded message) and are stored as `.eml` attachments.
fn collect(
    message: &Message,
    depth: usize,
    limits: Limits,
    text: &mut Vec<String>,
    html: &mut Vec<String>,
    parsed: &mut Parsed,
    problems: &mut Vec<String>,
) {
    let has_html = message.html_body.iter().any(|&i| {
        matches!(
            message.parts.get(i as usize).map(|p| &p.body),
            Some(PartType::Html(_))
        )
    });
    for i in 0..message.text_body_count() {
        if let Some(t) = message.body_text(i) {
            let t = strip_controls(&t, true);
            if !t.trim().is_empty() {
                text.push(t);
            }
        }
    }
    if has_html {
        for i in 0..message.html_body_count() {
            if let Some(h) = message.body_html(i) {
                html.push(h.into_owned());
            }
        }
    }
    for part in message.attachments() {
        if parsed.parts.len() >= MAX_PARTS {
            problems.push(format!(
                "more than {MAX_PARTS} attachments; the rest were skipped"
            ));
            break;
        }
        let (filename, content_type) = describe(part);
        let data = part.contents();
        if let PartType::Message(nested) = &part.body {
            if depth + 1 >= MAX_MESSAGE_DEPTH {
                problems.push(format!(
                    "messages nested deeper than {MAX_MESSAGE_DEPTH} levels were not read"
                ));
            } else {
                let from = nested
                    .from()
                    .and_then(|a| a.first())
                    .and_then(|a| a.address())
                    .unwrap_or("");
                text.push(format!(
                    "---------- Forwarded message ----------\nFrom: {}\nSubject: {}\n",
                    one_line(from, 254),
                    one_line(nested.subject().unwrap_or(""), 300)
                ));
                collect(nested, depth + 1, limits, text, html, parsed, problems);
            }
        }
        if data.is_empty() {
            continue;
        }
        if data.len() > limits.max_part_bytes {
            problems.push(format!(
                "attachment {filename:?} has {} bytes, more than the limit of {}; skipped (it is in the raw message)",
                data.len(),
                limits.max_part_bytes
            ));
            continue;
        }
        parsed.parts.push(Part {
            filename,
            content_type,
            content_id: part.content_id().and_then(clean_id),
            data: data.to_vec(),
        });
    }
    if depth == 0 {
        let nesting = multipart_depth(message);
        if nesting > 30 {
            problems.push(format!(
                "the MIME structure is nested {nesting} levels deep"
            ));
        }
    }
}

/// How deeply the multiparts of a message nest (iteratively, bounded).
fn multipart_depth(message: &Message) -> usize {
    let mut deepest = 0;
    let mut stack: Vec<(u32, usize)> = vec![(0, 1)];
    let mut steps = 0;
    while let Some((id, d)) = stack.pop() {
        steps += 1;
        if steps > 10_000 {
            break;
        }
        deepest = deepest.max(d);
        if let Some(PartType::Multipart(children)) = message.parts.get(id as usize).map(|p| &p.body)
        {
            for &child in children {
                if child != id {
                    stack.push((child, d + 1));
                }
            }
        }
    }
    deepest
}

fn describe(part: &mail_parser::MessagePart) -> (String, String) {
    let content_type = part
        .content_type()
        .map(|ct| match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub),
            None => ct.ctype().to_string(),
        })
        .unwrap_or_else(|| match part.body {
            PartType::Message(_) => "message/rfc822".into(),
            _ => "application/octet-stream".into(),
        });
    let content_type = crate::cases::attachments::clean_content_type(Some(&content_type));
    let name = part
        .attachment_name()
        .map(str::to_string)
        .unwrap_or_else(|| match &part.body {
            PartType::Message(m) => format!(
                "{}.eml",
                one_line(m.subject().unwrap_or("forwarded message"), 80)
            ),
            _ => {
                let ext = content_type.rsplit('/').next().unwrap_or("bin");
                format!("attachment.{ext}")
            }
        });
    (
        crate::cases::attachments::clean_filename(&name),
        content_type,
    )
}

fn header_text<'a>(message: &'a Message, name: &'a str) -> Option<Cow<'a, str>> {
    match message.header(name)? {
        HeaderValue::Text(t) => Some(Cow::Borrowed(t.as_ref())),
        HeaderValue::TextList(list) => Some(Cow::Owned(list.join(" "))),
        _ => message.header_raw(name).map(Cow::Borrowed),
    }
}

/// Auto-replies, bulk mail and bounces.
fn mark_automatic(message: &Message, parsed: &mut Parsed) {
    let lower = |name: &str| header_text(message, name).map(|v| v.trim().to_ascii_lowercase());
    if let Some(v) = lower("Auto-Submitted")
        && !v.is_empty()
        && !v.starts_with("no")
    {
        parsed.auto_reply = true;
    }
    if message.header("X-Autoreply").is_some()
        || message.header("X-Autorespond").is_some()
        || message.header("X-Autoresponder").is_some()
    {
        parsed.auto_reply = true;
    }
    if let Some(v) = lower("Precedence") {
        match v.as_str() {
            "bulk" | "junk" | "list" => parsed.bulk = true,
            "auto_reply" => parsed.auto_reply = true,
            _ => {}
        }
    }
    if message.header("List-Id").is_some() {
        parsed.bulk = true;
    }
    let local = parsed
        .from_address
        .as_deref()
        .and_then(|a| a.split('@').next())
        .unwrap_or("");
    let daemon = matches!(local, "mailer-daemon" | "postmaster");
    let report = message.root_part().content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && ct
                .attribute("report-type")
                .is_some_and(|r| r.eq_ignore_ascii_case("delivery-status"))
    });
    if report || daemon {
        parsed.bounce = true;
    }
}

/// The Message-IDs of the original message inside a bounce: its returned
/// message (message/rfc822) or the `Message-ID:` lines of its returned
/// headers or text (text/rfc822-headers, or inline in the report).
fn find_bounce_refs(message: &Message, parsed: &mut Parsed) {
    let mut refs = Vec::new();
    for part in message.parts.iter().skip(1).take(64) {
        match &part.body {
            PartType::Message(nested) => {
                if let Some(id) = nested.message_id().and_then(clean_id) {
                    refs.push(id);
                }
            }
            PartType::Multipart(_) => {}
            _ => {
                let contents = part.contents();
                let text = String::from_utf8_lossy(&contents[..contents.len().min(64 * 1024)]);
                for line in text.lines() {
                    if let Some((name, value)) = line.split_once(':')
                        && name.trim().eq_ignore_ascii_case("message-id")
                        && let Some(id) = clean_id(value)
                    {
                        refs.push(id);
                    }
                }
            }
        }
    }
    for id in refs {
        if Some(&id) != parsed.message_id.as_ref() && !parsed.bounce_refs.contains(&id) {
            parsed.bounce_refs.push(id);
        }
    }
}

/// A Message-ID without angle brackets and white space; `None` if empty or
/// absurd.
pub fn clean_id(id: &str) -> Option<String> {
    let id = id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    (!id.is_empty() && id.len() <= 512 && !id.chars().any(|c| c.is_whitespace() || c.is_control()))
        .then(|| id.to_string())
}

fn ids_of(value: &HeaderValue) -> Vec<String> {
    let mut out: Vec<String> = match value {
        HeaderValue::Text(t) => t.split_whitespace().filter_map(clean_id).collect(),
        HeaderValue::TextList(list) => list
            .iter()
            .flat_map(|t| t.split_whitespace())
            .filter_map(clean_id)
            .collect(),
        _ => Vec::new(),
    };
    out.truncate(100);
    out
}

/// One line: control characters (CR/LF of header injection too) become
/// spaces, runs of white space collapse, at most `max` characters.
pub fn one_line(value: &str, max: usize) -> String {
    let mut out = String::with_capacity(value.len().min(max * 4));
    let mut space = false;
    for c in value.chars() {
        if c.is_whitespace() || c.is_control() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    clip_chars(&out, max)
}

fn strip_controls(text: &str, keep_lines: bool) -> String {
    text.chars()
        .filter(|&c| !c.is_control() || (keep_lines && (c == '\n' || c == '\t')))
        .collect()
}

pub fn clip_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => text[..end].to_string(),
        None => text.to_string(),
    }
}

/// A sequence of case references (`KEY-123`) in a subject, in order.
pub fn subject_references(subject: &str) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    let bytes = subject.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_alphabetic() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            if i < bytes.len() && bytes[i] == b'-' {
                let key = &subject[start..i];
                let digits_start = i + 1;
                let mut j = digits_start;
                while j < bytes.len() && bytes[j].is_ascii_digit() {
                    j += 1;
                }
                let bounded = j == bytes.len() || !bytes[j].is_ascii_alphanumeric();
                if j > digits_start
                    && j - digits_start <= 12
                    && bounded
                    && let Ok(number) = subject[digits_start..j].parse::<i64>()
                {
                    out.push((key.to_ascii_uppercase(), number));
                }
                i = j.max(i + 1);
                continue;
            }
        } else {
            i += 1;
        }
    }
    out.truncate(10);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::for_attachments(1024 * 1024)
    }

    #[test]
    fn references_in_subjects() {
        assert_eq!(
            subject_references("Re: [ACME-1234] Zähler"),
            vec![("ACME".to_string(), 1234)]
        );
        assert_eq!(
            subject_references("AW: acme-7 und NORD-12x"),
            vec![("ACME".to_string(), 7)]
        );
        // Only project keys of the client count later; the shape alone here.
        assert!(subject_references("kein Fall: -12, ACME-12abc, 1-2").is_empty());
    }

    #[test]
    fn lines_lose_injected_breaks() {
        assert_eq!(one_line("a\r\nBcc: x@y.z", 300), "a Bcc: x@y.z");
        assert_eq!(one_line("  many   spaces ", 300), "many spaces");
        assert_eq!(one_line("äöü", 2), "äö");
    }

    #[test]
    fn html_is_sanitized() {
        let clean = sanitize_html(
            "<p onclick=\"x()\">Hi<script>alert(1)</script><img src=\"cid:logo\" onerror=\"alert(2)\"></p>",
        );
        assert!(
            !clean.contains("script") && !clean.contains("onerror") && !clean.contains("onclick")
        );
        assert!(clean.contains("cid:logo"), "{clean}");
    }

    #[test]
    fn encoded_headers_and_latin1_bodies() {
        let raw = b"From: =?ISO-8859-1?Q?J=FCrgen_M=FCller?= <JM@Example.org>\r\n\
Subject: =?UTF-8?B?w5xiZXJ3ZWlzdW5n?=\r\n\
Message-ID: <abc@example.org>\r\n\
In-Reply-To: <zz@zezaro>\r\n\
Content-Type: text/plain; charset=iso-8859-1\r\n\
Content-Transfer-Encoding: 8bit\r\n\r\nGr\xfc\xdfe\r\n";
        let p = parse(raw, limits());
        assert_eq!(p.from_name, "Jürgen Müller");
        assert_eq!(p.from_address.as_deref(), Some("jm@example.org"));
        assert_eq!(p.subject, "Überweisung");
        assert_eq!(p.message_id.as_deref(), Some("abc@example.org"));
        assert_eq!(p.in_reply_to, vec!["zz@zezaro".to_string()]);
        assert!(p.body_text.contains("Grüße"), "{}", p.body_text);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert!(!p.is_automatic());
    }

    #[test]
    fn automatic_mail_is_recognised() {
        let p = parse(
            b"From: a@b.example\r\nAuto-Submitted: auto-replied\r\nSubject: Out of office\r\n\r\nbye\r\n",
            limits(),
        );
        assert!(p.auto_reply && !p.bulk && !p.bounce);
        let p = parse(
            b"From: a@b.example\r\nAuto-Submitted: no\r\nPrecedence: bulk\r\n\r\nnews\r\n",
            limits(),
        );
        assert!(!p.auto_reply && p.bulk);
        let p = parse(
            b"From: MAILER-DAEMON@b.example\r\nSubject: Undelivered\r\n\r\nfailed\r\n",
            limits(),
        );
        assert!(p.bounce);
    }

    #[test]
    fn bounces_name_the_original_message() {
        let raw = "From: MAILER-DAEMON@mx.example\r\nMessage-ID: <b@mx.example>\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=D\r\n\r\n--D\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--D\r\nContent-Type: message/delivery-status\r\n\r\nAction: failed\r\n--D\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: us@x.example\r\nMessage-ID: <ours-1@x.example>\r\n--D--\r\n";
        let p = parse(raw.as_bytes(), limits());
        assert!(p.bounce);
        assert_eq!(p.bounce_refs, vec!["ours-1@x.example".to_string()]);
    }

    #[test]
    fn oversized_parts_are_skipped_and_noted() {
        let big = "A".repeat(4000);
        let raw = format!(
            "From: a@b.example\r\nSubject: big\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--XX\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=big.bin\r\n\r\n{big}\r\n--XX\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=small.pdf\r\n\r\n%PDF\r\n--XX--\r\n"
        );
        let p = parse(raw.as_bytes(), Limits::for_attachments(1000));
        assert_eq!(p.parts.len(), 1);
        assert_eq!(p.parts[0].filename, "small.pdf");
        assert!(
            p.problems.iter().any(|m| m.contains("big.bin")),
            "{:?}",
            p.problems
        );
    }

    #[test]
    fn garbage_never_panics() {
        for raw in [
            &b""[..],
            b"\0\0\0\xff\xfe",
            b"Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n--\r\n",
        ] {
            let p = parse(raw, limits());
            assert!(p.body_text.len() <= MAX_BODY_CHARS * 4);
        }
    }
}
