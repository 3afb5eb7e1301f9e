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

use super::model::MailFlag;

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
    /// The stable codes of what went wrong (each with a problem above).
    pub flags: Vec<MailFlag>,
    /// SHA-256 of the message without its trace headers (`Received`, …):
    /// the same message delivered twice hashes alike.
    pub content_sha256: String,
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
    let mut parsed = match result {
        Ok(parsed) => parsed,
        Err(_) => {
            let mut parsed = fallback(raw);
            parsed
                .problems
                .push("the message could not be parsed (parser failure)".into());
            parsed
        }
    };
    if parsed.content_sha256.is_empty() {
        parsed.content_sha256 = sha256_hex(raw);
    }
    parsed
}

fn sha256_hex(bytes: &[u8]) -> String {
    crate::db::hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

/// Header fields that say what a message is (not how it travelled): the
/// content hash covers these and the body.
const IDENTITY_FIELDS: [&str; 9] = [
    "From",
    "Sender",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "Content-Type",
];

/// [`Parsed::content_sha256`]: the identity fields as sent, then the body.
fn content_hash(message: &Message) -> String {
    let raw = message.raw_message();
    let body_at = message
        .parts
        .first()
        .map_or(raw.len(), |p| (p.offset_body as usize).min(raw.len()));
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for name in IDENTITY_FIELDS {
        ctx.update(name.as_bytes());
        ctx.update(b":");
        if let Some(value) = message.header_raw(name) {
            ctx.update(value.trim().as_bytes());
        }
        ctx.update(b"\n");
    }
    ctx.update(b"\n");
    ctx.update(&raw[body_at..]);
    crate::db::hex(ctx.finish().as_ref())
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
    let mut flags = Vec::new();
    let too_large = raw.len() > limits.max_parse_bytes;
    if too_large {
        problems.push(format!(
            "the message has {} bytes, more than the {} that are read; only its headers were read (the raw message is kept)",
            raw.len(),
            limits.max_parse_bytes
        ));
    }
    // Read as lenient parsers do: the body starts at the first line that
    // is no header (the raw message stays as it came).
    let separated: Vec<u8>;
    let raw = match missing_separator(raw) {
        Some(at) => {
            flags.push(MailFlag::NoHeaderSeparator);
            problems.push(
                "there was no blank line between header and body; the text starts at the first line that is not a header".into(),
            );
            separated = [&raw[..at], b"\r\n", &raw[at..]].concat();
            &separated[..]
        }
        None => raw,
    };
    let parser = MessageParser::default();
    let read = |bytes| {
        if too_large {
            parser.parse_headers(bytes)
        } else {
            parser.parse(bytes)
        }
    };
    let mut message = read(raw);
    // Charsets mail-parser does not know by the name the message uses are
    // read again under the WHATWG name of the same encoding.
    let relabelled: Vec<u8>;
    if let Some(m) = &message {
        let labels = charset_labels(m);
        let mut renames = Vec::new();
        for label in labels {
            match classify_charset(&label) {
                Charset::Readable => {}
                Charset::Alias(name) => renames.push((label, name)),
                Charset::Undecodable | Charset::Unknown => {
                    if !flags.contains(&MailFlag::UnknownCharset) {
                        flags.push(MailFlag::UnknownCharset);
                    }
                    problems.push(format!(
                        "the charset {:?} is not known; its text is shown as far as it reads as UTF-8 (the raw message is kept)",
                        one_line(&label, 60)
                    ));
                }
            }
        }
        if !renames.is_empty() {
            relabelled = relabel(raw, &renames);
            message = read(&relabelled[..]);
        }
    }
    let Some(message) = message else {
        let mut parsed = fallback(raw);
        parsed.flags = flags;
        parsed.problems = problems;
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
        content_sha256: content_hash(&message),
        flags,
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
    // Multiparts whose boundary did not work: their text is read again
    // and shown as the body; text parts they left as attachments too.
    let broken = broken_multiparts(message);
    if broken.broken {
        if !parsed.flags.contains(&MailFlag::BrokenMultipart) {
            parsed.flags.push(MailFlag::BrokenMultipart);
            problems.push(
                "a multipart's boundary is missing, cut or wrong; its text is shown as far as it could be read".into(),
            );
        }
        for bytes in &broken.reread {
            if depth + 1 >= MAX_MESSAGE_DEPTH {
                break;
            }
            let synthetic = reread_as_message(bytes);
            if let Some(again) = MessageParser::default().parse(&synthetic) {
                collect(&again, depth + 1, limits, text, html, parsed, problems);
            }
        }
    }
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
    for (index, part) in message
        .attachments
        .iter()
        .filter_map(|&i| message.parts.get(i as usize).map(|p| (i, p)))
    {
        if broken.skip.contains(&index) {
            continue;
        }
        if broken.broken
            && let PartType::Text(t) = &part.body
            && part.attachment_name().is_none()
            && !part
                .content_disposition()
                .is_some_and(|d| d.ctype().eq_ignore_ascii_case("attachment"))
        {
            let t = strip_controls(t, true);
            if !t.trim().is_empty() {
                text.push(t);
            }
            continue;
        }
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

/// What [`broken_multiparts`] found in a message.
#[derive(Default)]
struct Broken<'a> {
    broken: bool,
    /// Bytes to read again as a message of their own.
    reread: Vec<&'a [u8]>,
    /// Parts (by index) not to keep as attachments: they are read again.
    skip: Vec<u32>,
}

/// Multiparts whose boundary is missing or never found (mail-parser keeps
/// their bytes as one part), whose preamble holds parts under another
/// boundary, or whose closing boundary is cut off.
fn broken_multiparts<'a>(message: &'a Message<'a>) -> Broken<'a> {
    let raw = message.raw_message();
    let mut found = Broken::default();
    for (index, part) in message.parts.iter().enumerate().take(MAX_PARTS) {
        let Some(ct) = part.content_type() else {
            continue;
        };
        if !ct.ctype().eq_ignore_ascii_case("multipart") {
            continue;
        }
        let (start, end) = (
            part.offset_body as usize,
            (part.offset_end as usize).min(raw.len()),
        );
        match &part.body {
            PartType::Multipart(children) => {
                let boundary = ct.attribute("boundary").unwrap_or("");
                let (Some(&first), Some(&last)) = (children.first(), children.last()) else {
                    found.broken = true;
                    if start < end {
                        found.reread.push(&raw[start..end]);
                    }
                    continue;
                };
                let (Some(first), Some(last)) = (
                    message.parts.get(first as usize),
                    message.parts.get(last as usize),
                ) else {
                    continue;
                };
                // The preamble up to the declared boundary's first line.
                let first_at = (first.offset_header as usize).clamp(start, end);
                let preamble = &raw[start..first_at];
                let declared = format!("--{boundary}");
                let preamble = match find(preamble, declared.as_bytes()) {
                    Some(cut) => &preamble[..cut],
                    None => preamble,
                };
                if guess_boundary(preamble).is_some() {
                    found.broken = true;
                    found.reread.push(preamble);
                }
                // The closing boundary right after the last part.
                let last_end = (last.offset_end as usize).clamp(start, end);
                let window = &raw[last_end..end.min(last_end + declared.len() + 8)];
                let closing = format!("{declared}--");
                if !boundary.is_empty() && find(window, closing.as_bytes()).is_none() {
                    found.broken = true;
                }
            }
            PartType::Text(_) | PartType::Binary(_) | PartType::InlineBinary(_) => {
                found.broken = true;
                found.skip.push(index as u32);
                let contents = part.contents();
                if !contents.is_empty() {
                    found.reread.push(contents);
                }
            }
            _ => {}
        }
    }
    found
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The first `--token` line of `bytes` that can be a boundary.
fn guess_boundary(bytes: &[u8]) -> Option<&str> {
    bytes.split(|&b| b == b'\n').take(1000).find_map(|line| {
        let token = trim_line_end(line).strip_prefix(b"--")?;
        let token = token.strip_suffix(b"--").unwrap_or(token);
        let token = std::str::from_utf8(token).ok()?.trim_end();
        (!token.is_empty()
            && token.len() <= 70
            && token
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\'))
        .then_some(token)
    })
}

/// Bytes of a failed multipart as a message: under the boundary their
/// first `--token` line suggests, or else as plain text.
fn reread_as_message(bytes: &[u8]) -> Vec<u8> {
    let header = match guess_boundary(bytes) {
        Some(boundary) => format!(
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n"
        ),
        None => "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n".to_string(),
    };
    [header.as_bytes(), bytes].concat()
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

// ---- lenient reading ----------------------------------------------------------

/// Where the body starts in a message with no blank line after its header:
/// the first line that is neither a header field nor a continuation, once
/// at least one field was read. A single odd line followed by more fields
/// and a blank line is a broken field, not the body. `None` when the header
/// ends properly (or the message starts with no field at all).
fn missing_separator(raw: &[u8]) -> Option<usize> {
    let mut at = 0;
    let mut fields = 0;
    let mut lines = 0;
    while at < raw.len() {
        let end = raw[at..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(raw.len(), |i| at + i + 1);
        let line = &raw[at..end];
        let content = trim_line_end(line);
        if content.is_empty() {
            return None;
        }
        // An mbox "From " line may come first.
        let mbox = lines == 0 && content.starts_with(b"From ");
        let header_line = is_field_line(content) || (fields > 0 && is_continuation(content));
        if !mbox && !header_line {
            if fields == 0 {
                return None;
            }
            if header_follows(&raw[end..]) {
                // One broken field line inside a header that goes on.
                at = end;
                lines += 1;
                continue;
            }
            return Some(at);
        }
        if !mbox && is_field_line(content) {
            fields += 1;
        }
        at = end;
        lines += 1;
        if lines > 2000 {
            return None;
        }
    }
    None
}

fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn is_continuation(line: &[u8]) -> bool {
    matches!(line.first(), Some(b' ' | b'\t'))
}

/// `Name:` with a field name of printable ASCII (RFC 5322), white space
/// before the colon tolerated.
fn is_field_line(line: &[u8]) -> bool {
    let name_len = line
        .iter()
        .position(|&b| !(33..=126).contains(&b) || b == b':')
        .unwrap_or(line.len());
    if name_len == 0 || name_len > 76 {
        return false;
    }
    line[name_len..]
        .iter()
        .find(|&&b| b != b' ' && b != b'\t')
        .is_some_and(|&b| b == b':')
}

/// The next line is a header field, and a blank line ends the header later.
fn header_follows(rest: &[u8]) -> bool {
    let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    if !is_field_line(trim_line_end(&rest[..end])) {
        return false;
    }
    rest.windows(2)
        .take(256 * 1024)
        .any(|w| w == b"\n\n" || w == b"\n\r")
}

/// What a charset label comes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Charset {
    /// mail-parser decodes it by this name.
    Readable,
    /// Read under this name (the WHATWG encoding the label stands for).
    Alias(&'static str),
    /// A WHATWG label whose encoding is "replacement" (ISO-2022-KR,
    /// HZ-GB-2312, ISO-2022-CN): nothing can be decoded.
    Undecodable,
    Unknown,
}

/// Labels in use that the WHATWG standard lacks, for encodings it has.
const EXTRA_LABELS: [(&str, &str); 6] = [
    ("cp932", "Shift_JIS"),
    ("ibm-943", "Shift_JIS"),
    ("cp949", "EUC-KR"),
    ("uhc", "EUC-KR"),
    ("ms949", "EUC-KR"),
    ("euc-cn", "GBK"),
];

fn classify_charset(label: &str) -> Charset {
    let label = label.trim().trim_matches('"').trim();
    if let Some((_, name)) = EXTRA_LABELS
        .iter()
        .find(|(l, _)| l.eq_ignore_ascii_case(label))
    {
        return Charset::Alias(name);
    }
    let whatwg = encoding_rs::Encoding::for_label(label.as_bytes());
    let known = mail_parser::decoders::charsets::map::charset_decoder(label.as_bytes()).is_some();
    match whatwg {
        Some(e) if e == encoding_rs::REPLACEMENT => Charset::Undecodable,
        Some(e) if e == encoding_rs::UTF_8 => Charset::Readable,
        _ if known => Charset::Readable,
        Some(e) => Charset::Alias(e.name()),
        None => Charset::Unknown,
    }
}

/// Every charset label of a message: its parts' `charset` parameters and
/// its encoded words (RFC 2047), nested messages too; each once.
fn charset_labels(message: &Message) -> Vec<String> {
    let mut labels: Vec<String> = Vec::new();
    let mut add = |label: &str| {
        let label = label.trim();
        if !label.is_empty() && !labels.iter().any(|l| l.eq_ignore_ascii_case(label)) {
            labels.push(label.to_string());
        }
    };
    let mut stack = vec![(message, 0usize)];
    while let Some((m, depth)) = stack.pop() {
        let raw = m.raw_message();
        for part in m.parts.iter().take(MAX_PARTS) {
            if let Some(cs) = part.content_type().and_then(|ct| ct.attribute("charset")) {
                add(cs);
            }
            let (from, to) = (part.offset_header as usize, part.offset_body as usize);
            if from < to && to <= raw.len() {
                for label in encoded_word_labels(&raw[from..to]) {
                    add(label);
                }
            }
            if let PartType::Message(nested) = &part.body
                && depth + 1 < MAX_MESSAGE_DEPTH
            {
                stack.push((nested, depth + 1));
            }
        }
    }
    labels
}

/// The charsets of the encoded words (`=?label?B?…?=`) in a header block.
fn encoded_word_labels(header: &[u8]) -> impl Iterator<Item = &str> {
    let mut at = 0;
    std::iter::from_fn(move || {
        while let Some(i) = header[at..].windows(2).position(|w| w == b"=?") {
            let start = at + i + 2;
            at = start;
            let len = header[start..].iter().take(64).position(|&b| b == b'?')?;
            let rest = &header[start + len..];
            // `?B?` or `?Q?` must follow the label.
            if rest.len() >= 3 && matches!(rest[1], b'b' | b'B' | b'q' | b'Q') && rest[2] == b'?' {
                at = start + len;
                let label = &header[start..start + len];
                // RFC 2231 adds a language after `*`.
                let label = label.split(|&b| b == b'*').next().unwrap_or(label);
                if let Ok(label) = std::str::from_utf8(label) {
                    return Some(label);
                }
            }
        }
        None
    })
}

/// `raw` with each charset label of `renames` (in `charset=` parameters
/// and encoded words) replaced by its new name.
fn relabel(raw: &[u8], renames: &[(String, &'static str)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + 64);
    let mut at = 0;
    let mut i = 0;
    while i < raw.len() {
        let label_at = if raw[i..].starts_with(b"=?") {
            Some(i + 2)
        } else if raw.len() - i >= 8 && raw[i..i + 8].eq_ignore_ascii_case(b"charset=") {
            let mut j = i + 8;
            if raw.get(j) == Some(&b'"') {
                j += 1;
            }
            Some(j)
        } else {
            None
        };
        if let Some(start) = label_at {
            let end = raw[start..]
                .iter()
                .take(64)
                .position(|&b| {
                    matches!(b, b'?' | b'"' | b';' | b'*' | b' ' | b'\t' | b'\r' | b'\n')
                })
                .map_or(raw.len().min(start + 64), |n| start + n);
            if let Some((_, name)) = renames
                .iter()
                .find(|(l, _)| raw[start..end].eq_ignore_ascii_case(l.as_bytes()))
            {
                out.extend_from_slice(&raw[at..start]);
                out.extend_from_slice(name.as_bytes());
                at = end;
                i = end;
                continue;
            }
        }
        i += 1;
    }
    out.extend_from_slice(&raw[at..]);
    out
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

    /// The corpus files of tests/mail_corpus/make_cjk.py: subject, a line
    /// of the body.
    const EAST_ASIAN: [(&str, &str, &str); 10] = [
        (
            "14_iso2022jp.eml",
            "請求書 について",
            "電気料金の 請求書 が届きません。",
        ),
        (
            "15_eucjp.eml",
            "検針票 の件",
            "先月の 検針票 が見つかりません。",
        ),
        (
            "16_shiftjis.eml",
            "引越し 手続き",
            "解約の 手続き を教えてください。",
        ),
        (
            "17_cp932.eml",
            "髙橋 様 ① 契約",
            "契約番号 ① について、髙橋 より連絡します。",
        ),
        (
            "18_gb2312.eml",
            "关于 电费 账单",
            "您好，我的 账单 有问题。",
        ),
        (
            "19_gbk.eml",
            "朱镕基 电表",
            "您好，我的 电表 坏了。用户 朱镕基",
        ),
        (
            "20_gb18030.eml",
            "燃气 䶮 问题",
            "请检查 燃气 表。字 䶮 不在 GBK 里。",
        ),
        ("21_big5.eml", "關於 電費 帳單", "您好，我的 帳單 有問題。"),
        (
            "22_euckr.eml",
            "전기 요금 청구서 문의",
            "청구서 가 도착하지 않았습니다.",
        ),
        (
            "23_ks_c_5601.eml",
            "요금 문의 똠방각하",
            "안녕하세요 똠방각하 청구서 확인 부탁드립니다.",
        ),
    ];

    fn corpus(name: &str) -> Vec<u8> {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/mail_corpus")
                .join(name),
        )
        .unwrap()
    }

    #[test]
    fn east_asian_charsets_decode() {
        for (name, subject, line) in EAST_ASIAN {
            let p = parse(&corpus(name), limits());
            assert_eq!(p.subject, subject, "{name}");
            assert!(p.body_text.contains(line), "{name}: {:?}", p.body_text);
            assert!(
                p.problems.is_empty() && p.flags.is_empty(),
                "{name}: {:?}",
                p.problems
            );
        }
    }

    /// Every label of the WHATWG encoding standard is read (or, for the
    /// "replacement" encoding, flagged), by mail-parser's own name or the
    /// standard's.
    #[test]
    fn every_whatwg_label_is_read() {
        const LABELS: [&str; 228] = [
            "l1",
            "l2",
            "l3",
            "l4",
            "l5",
            "l6",
            "l9",
            "866",
            "mac",
            "koi",
            "gbk",
            "big5",
            "utf8",
            "koi8",
            "sjis",
            "ucs-2",
            "ms932",
            "cp866",
            "utf-8",
            "cp819",
            "ascii",
            "x-gbk",
            "greek",
            "cp1250",
            "cp1251",
            "latin1",
            "gb2312",
            "cp1252",
            "latin2",
            "cp1253",
            "latin3",
            "cp1254",
            "latin4",
            "cp1255",
            "csbig5",
            "latin5",
            "utf-16",
            "cp1256",
            "ibm866",
            "latin6",
            "cp1257",
            "cp1258",
            "greek8",
            "ibm819",
            "arabic",
            "visual",
            "korean",
            "euc-jp",
            "koi8-r",
            "koi8_r",
            "euc-kr",
            "x-sjis",
            "koi8-u",
            "hebrew",
            "tis-620",
            "gb18030",
            "ksc5601",
            "gb_2312",
            "dos-874",
            "cn-big5",
            "unicode",
            "chinese",
            "logical",
            "cskoi8r",
            "cseuckr",
            "koi8-ru",
            "x-cp1250",
            "ksc_5601",
            "x-cp1251",
            "iso88591",
            "csgb2312",
            "x-cp1252",
            "iso88592",
            "x-cp1253",
            "iso88593",
            "ecma-114",
            "x-cp1254",
            "iso88594",
            "x-cp1255",
            "iso88595",
            "x-x-big5",
            "x-cp1256",
            "csibm866",
            "iso88596",
            "x-cp1257",
            "iso88597",
            "asmo-708",
            "ecma-118",
            "elot_928",
            "x-cp1258",
            "iso88598",
            "iso88599",
            "cyrillic",
            "utf-16be",
            "utf-16le",
            "us-ascii",
            "ms_kanji",
            "x-euc-jp",
            "iso885910",
            "iso8859-1",
            "iso885911",
            "iso8859-2",
            "iso8859-3",
            "iso885913",
            "iso8859-4",
            "iso885914",
            "iso8859-5",
            "iso885915",
            "iso8859-6",
            "iso8859-7",
            "iso8859-8",
            "iso-ir-58",
            "iso8859-9",
            "csunicode",
            "macintosh",
            "shift-jis",
            "shift_jis",
            "iso-ir-100",
            "iso8859-10",
            "iso-ir-110",
            "gb_2312-80",
            "iso-8859-1",
            "iso_8859-1",
            "iso-ir-101",
            "iso8859-11",
            "iso-8859-2",
            "iso_8859-2",
            "hz-gb-2312",
            "iso-8859-3",
            "iso_8859-3",
            "iso8859-13",
            "iso-8859-4",
            "iso_8859-4",
            "iso8859-14",
            "iso-ir-144",
            "iso-8859-5",
            "iso_8859-5",
            "iso8859-15",
            "iso-8859-6",
            "iso_8859-6",
            "iso-ir-126",
            "iso-8859-7",
            "iso_8859-7",
            "iso-ir-127",
            "iso-ir-157",
            "iso-8859-8",
            "iso_8859-8",
            "iso-ir-138",
            "iso-ir-148",
            "iso-8859-9",
            "iso_8859-9",
            "iso-ir-109",
            "iso-ir-149",
            "big5-hkscs",
            "csshiftjis",
            "iso-8859-10",
            "iso-8859-11",
            "csisolatin1",
            "csisolatin2",
            "iso-8859-13",
            "csisolatin3",
            "iso-8859-14",
            "windows-874",
            "csisolatin4",
            "iso-8859-15",
            "iso_8859-15",
            "csisolatin5",
            "iso-8859-16",
            "csisolatin6",
            "windows-949",
            "csisolatin9",
            "csiso88596e",
            "csiso88598e",
            "unicodefffe",
            "unicodefeff",
            "csmacintosh",
            "csiso88596i",
            "csiso88598i",
            "windows-31j",
            "x-mac-roman",
            "iso-2022-cn",
            "iso-2022-jp",
            "csiso2022jp",
            "iso-2022-kr",
            "csiso2022kr",
            "replacement",
            "windows-1250",
            "windows-1251",
            "windows-1252",
            "windows-1253",
            "windows-1254",
            "windows-1255",
            "windows-1256",
            "windows-1257",
            "windows-1258",
            "iso-8859-6-e",
            "iso-8859-8-e",
            "iso-8859-6-i",
            "iso-8859-8-i",
            "sun_eu_greek",
            "csksc56011987",
            "unicode20utf8",
            "unicode11utf8",
            "ks_c_5601-1987",
            "ansi_x3.4-1968",
            "ks_c_5601-1989",
            "x-mac-cyrillic",
            "x-user-defined",
            "csiso58gb231280",
            "iso-10646-ucs-2",
            "iso_8859-1:1987",
            "iso_8859-2:1987",
            "iso_8859-6:1987",
            "iso_8859-7:1987",
            "iso_8859-3:1988",
            "iso_8859-4:1988",
            "iso_8859-5:1988",
            "iso_8859-8:1988",
            "x-unicode20utf8",
            "iso_8859-9:1989",
            "csisolatingreek",
            "x-mac-ukrainian",
            "iso-2022-cn-ext",
            "csisolatinarabic",
            "csisolatinhebrew",
            "unicode-1-1-utf-8",
            "csisolatincyrillic",
            "cseucpkdfmtjapanese",
        ];
        for label in LABELS {
            match classify_charset(label) {
                Charset::Readable => {}
                Charset::Alias(name) => assert!(
                    mail_parser::decoders::charsets::map::charset_decoder(name.as_bytes())
                        .is_some(),
                    "{label} -> {name}"
                ),
                Charset::Undecodable => assert_eq!(
                    encoding_rs::Encoding::for_label(label.as_bytes()),
                    Some(encoding_rs::REPLACEMENT),
                    "{label}"
                ),
                Charset::Unknown => panic!("{label} is unknown"),
            }
        }
        assert_eq!(classify_charset("x-klingon"), Charset::Unknown);
        assert_eq!(classify_charset("CP932"), Charset::Alias("Shift_JIS"));
    }

    #[test]
    fn labels_mail_parser_lacks_are_read_and_unknown_ones_flagged() {
        // x-sjis is a WHATWG label mail-parser does not know.
        let raw = b"From: a@b.example\r\nSubject: =?x-sjis?B?grGC8YLJgr+CzQ==?=\r\n\
Content-Type: text/plain; charset=\"x-sjis\"\r\n\r\n\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd\r\n";
        let p = parse(raw, limits());
        assert_eq!(p.subject, "こんにちは");
        assert!(p.body_text.contains("こんにちは"), "{:?}", p.body_text);
        assert!(p.flags.is_empty(), "{:?}", p.problems);
        let raw = b"From: a@b.example\r\nSubject: =?x-klingon?Q?Qapla=27?=\r\n\
Content-Type: text/plain; charset=x-klingon\r\n\r\nnuqneH\r\n";
        let p = parse(raw, limits());
        assert_eq!(p.flags, vec![MailFlag::UnknownCharset]);
        assert!(p.problems[0].contains("x-klingon"), "{:?}", p.problems);
        assert!(p.body_text.contains("nuqneH"));
        // ISO-2022-KR is a WHATWG label, but nothing can be decoded.
        let raw =
            b"From: a@b.example\r\nContent-Type: text/plain; charset=iso-2022-kr\r\n\r\nx\r\n";
        assert_eq!(parse(raw, limits()).flags, vec![MailFlag::UnknownCharset]);
    }

    #[test]
    fn a_body_without_a_blank_line_is_recovered() {
        let raw = b"From: Kim <kim@kunde.example>\r\nSubject: Zaehler\r\nMessage-ID: <ns@kunde.example>\r\nHallo,\r\nmein Zaehler ist kaputt.\r\n\r\nGruss Kim\r\n";
        let p = parse(raw, limits());
        assert_eq!(p.subject, "Zaehler");
        assert_eq!(p.from_address.as_deref(), Some("kim@kunde.example"));
        assert_eq!(p.message_id.as_deref(), Some("ns@kunde.example"));
        assert!(
            p.body_text.starts_with("Hallo,\nmein Zaehler ist kaputt.")
                && p.body_text.contains("Gruss Kim"),
            "{:?}",
            p.body_text
        );
        assert_eq!(p.flags, vec![MailFlag::NoHeaderSeparator]);
        // Only a line that is not a field: no blank line at all.
        let p = parse(
            b"From: a@b.example\nSubject: kurz\nnur eine Zeile",
            limits(),
        );
        assert_eq!(p.body_text.trim(), "nur eine Zeile");
        // A broken field line inside a proper header is not the body.
        let p = parse(
            b"From: a@b.example\r\nkaputt\r\nSubject: ganz\r\n\r\nText\r\n",
            limits(),
        );
        assert_eq!(p.subject, "ganz");
        assert!(p.flags.is_empty(), "{:?}", p.problems);
        // A proper message is read as it is.
        assert_eq!(
            missing_separator(b"From: a@b.example\r\n\r\nText\r\n"),
            None
        );
        assert_eq!(
            missing_separator(b"From x@y Mon Jan 1\nFrom: a@b.example\n\nT\n"),
            None
        );
    }

    #[test]
    fn broken_boundaries_show_their_text_and_are_flagged() {
        let cases: [(&str, &[u8], &[&str]); 4] = [
            (
                "declared boundary never used",
                b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=\"abc\"\r\n\r\n--xyz\r\nContent-Type: text/plain\r\n\r\nText hinter falscher Grenze.\r\n--xyz--\r\n",
                &["Text hinter falscher Grenze."],
            ),
            (
                "no boundary parameter",
                b"From: a@b.example\r\nContent-Type: multipart/mixed\r\n\r\n--xyz\r\nContent-Type: text/plain\r\n\r\nText ohne Grenze.\r\n--xyz--\r\n",
                &["Text ohne Grenze."],
            ),
            (
                "closing boundary cut",
                b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=\"abc\"\r\n\r\n--abc\r\nContent-Type: text/plain\r\n\r\nErster Teil.\r\n--abc\r\nContent-Type: text/plain\r\n\r\nZweiter Teil ohne Ende\r\n",
                &["Erster Teil.", "Zweiter Teil ohne Ende"],
            ),
            (
                "corpus 06: a part under another boundary, the last one cut",
                &corpus("06_broken_boundary.eml"),
                &[
                    "Dieser Text steht hinter einer falschen Grenze.",
                    "Und dieser Teil endet nie",
                ],
            ),
        ];
        for (what, raw, texts) in cases {
            let p = parse(raw, limits());
            for text in texts {
                assert!(p.body_text.contains(text), "{what}: {:?}", p.body_text);
            }
            assert!(
                p.parts.is_empty(),
                "{what}: {:?}",
                p.parts.iter().map(|p| &p.filename).collect::<Vec<_>>()
            );
            assert_eq!(p.flags, vec![MailFlag::BrokenMultipart], "{what}");
        }
        // A well-formed multipart with a preamble and an epilogue is not.
        let p = parse(
            b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=\"abc\"\r\n\r\nThis is MIME.\r\n--abc\r\nContent-Type: multipart/alternative; boundary=\"in\"\r\n\r\n--in\r\nContent-Type: text/plain\r\n\r\nA\r\n--in\r\nContent-Type: text/html\r\n\r\n<p>A</p>\r\n--in--\r\n\r\n--abc\r\nContent-Type: text/plain\r\n\r\nZweiter.\r\n--abc--\r\nEpilog\r\n",
            limits(),
        );
        assert!(p.flags.is_empty(), "{:?}", p.problems);
        assert!(p.body_text.contains("Zweiter."));
    }

    /// The well-formed mails of the corpus raise no flag.
    #[test]
    fn well_formed_corpus_mail_is_not_flagged() {
        for name in [
            "01_latin1.eml",
            "02_windows1252.eml",
            "03_nested_inline_image.eml",
            "04_forwarded.eml",
            "05_html_only_hostile.eml",
            "07_no_message_id.eml",
            "10_auto_reply.eml",
            "11_bounce.eml",
            "12_reply_in_reply_to.eml",
            "13_reply_subject_only.eml",
        ] {
            let p = parse(&corpus(name), limits());
            assert!(p.flags.is_empty(), "{name}: {:?}", p.problems);
        }
    }

    #[test]
    fn the_content_hash_ignores_the_route() {
        let body = "From: a@b.example\r\nSubject: x\r\nMessage-ID: <h@b.example>\r\n\r\nText\r\n";
        let a = parse(body.as_bytes(), limits());
        let b = parse(
            format!("Received: from mx2 by mx1\r\nDelivered-To: s@x.example\r\n{body}").as_bytes(),
            limits(),
        );
        assert_eq!(a.content_sha256, b.content_sha256);
        let c = parse(body.replace("Text", "Anderer Text").as_bytes(), limits());
        assert_ne!(a.content_sha256, c.content_sha256);
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
