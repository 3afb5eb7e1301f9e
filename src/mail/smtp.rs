//! SMTP out: a mailbox's sending settings (read with our own small query,
//! the password opened with the data dir's key), the mail built with
//! lettre's typed headers, and one send over rustls (implicit TLS,
//! STARTTLS, or plain for a relay the platform admin allowed).

use std::time::Duration;

use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls as TransportTls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rusqlite::{Connection, OptionalExtension, params};
use tokio_rustls::rustls;

use super::secrets::Sealer;
use crate::db::StoreError;
use crate::net::{HostPolicy, HostRefusal};

/// Context of sealed SMTP passwords.
pub const SMTP_SECRET_CONTEXT: &str = "mailbox-smtp";
/// One SMTP conversation at most this long.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Implicit TLS (SMTPS, usually port 465).
    Tls,
    /// STARTTLS required (usually port 587).
    StartTls,
    /// No encryption: only to hosts the platform admin allowed.
    Plain,
}

impl Security {
    pub fn parse(s: &str) -> Option<Security> {
        match s {
            "tls" => Some(Security::Tls),
            "starttls" => Some(Security::StartTls),
            "plain" => Some(Security::Plain),
            _ => None,
        }
    }
}

/// How to reach a mailbox's SMTP server.
#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// Check the server's certificate (off only by the admin's choice).
    pub tls_verify: bool,
    pub username: String,
    pub password: Option<String>,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("tls_verify", &self.tls_verify)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// Why a mail did not go out. `permanent` ones are not retried
/// automatically (the server refused for good, or the mail cannot be built).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    pub message: String,
    pub permanent: bool,
}

impl SendError {
    pub fn permanent(message: impl Into<String>) -> SendError {
        SendError {
            message: message.into(),
            permanent: true,
        }
    }
}

/// The SMTP settings of mailbox `mailbox_id` if it belongs to `client_id`;
/// `Ok(None)` when there is no such mailbox (of that client).
pub fn settings(
    conn: &Connection,
    sealer: &Sealer,
    mailbox_id: i64,
    client_id: crate::ids::ClientId,
) -> Result<Option<Result<SmtpSettings, SendError>>, StoreError> {
    type Row = (String, i64, String, String, Option<Vec<u8>>, bool);
    let row: Option<Row> = conn
        .prepare_cached(
            "SELECT m.smtp_host, m.smtp_port, m.smtp_security, m.smtp_username, m.smtp_password_sealed,
                    m.smtp_tls_verify
             FROM mailboxes m JOIN projects p ON p.id = m.project_id
             WHERE m.id = ?1 AND p.client_id = ?2",
        )?
        .query_row(params![mailbox_id, client_id], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
            ))
        })
        .optional()?;
    let Some((host, port, security, username, sealed, tls_verify)) = row else {
        return Ok(None);
    };
    let settings = (|| {
        let security = Security::parse(&security)
            .ok_or_else(|| SendError::permanent(format!("unknown SMTP security {security:?}")))?;
        let port = u16::try_from(port)
            .map_err(|_| SendError::permanent(format!("SMTP port {port} is out of range")))?;
        let password = match sealed {
            Some(sealed) if !sealed.is_empty() => Some(
                sealer
                    .open(SMTP_SECRET_CONTEXT, &sealed)
                    .map_err(|e| SendError::permanent(format!("SMTP password: {e}")))?,
            ),
            _ => None,
        };
        Ok(SmtpSettings {
            host: host.trim().to_string(),
            port,
            security,
            tls_verify,
            username: username.trim().to_string(),
            password,
        })
    })();
    Ok(Some(settings))
}

/// `Auto-Submitted` (RFC 3834), on automatic mail only.
#[derive(Debug, Clone)]
struct AutoSubmitted(String);

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted(s.to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// An attachment's content and names.
pub struct OutgoingFile {
    pub filename: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// Everything a mail is made of; ids without angle brackets.
pub struct OutgoingMail {
    pub from_name: String,
    pub from_address: String,
    pub to_address: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub auto_submitted: bool,
    pub attachments: Vec<OutgoingFile>,
}

fn mailbox(name: &str, address: &str, field: &str) -> Result<Mailbox, SendError> {
    let clean = super::outbound::clean_address(address)
        .ok_or_else(|| SendError::permanent(format!("{field} address {address:?} is not valid")))?;
    let address = clean
        .parse::<lettre::Address>()
        .map_err(|e| SendError::permanent(format!("{field} address {clean:?}: {e}")))?;
    let name = super::outbound::one_line(name);
    Ok(Mailbox::new((!name.is_empty()).then_some(name), address))
}

/// Builds the mail; lettre encodes every header, and no text of ours can
/// contain a line break by the time it is a header.
pub fn build(mail: &OutgoingMail) -> Result<Message, SendError> {
    use super::outbound::{message_id_ok, one_line};
    if !message_id_ok(&mail.message_id) {
        return Err(SendError::permanent("the mail has no valid Message-ID"));
    }
    let mut builder = Message::builder()
        .message_id(Some(format!("<{}>", mail.message_id)))
        .from(mailbox(&mail.from_name, &mail.from_address, "sender")?)
        .to(mailbox("", &mail.to_address, "recipient")?)
        .subject(one_line(&mail.subject));
    if let Some(parent) = mail.in_reply_to.as_deref().filter(|id| message_id_ok(id)) {
        builder = builder.in_reply_to(format!("<{parent}>"));
    }
    let references: Vec<String> = mail
        .references
        .iter()
        .filter(|id| message_id_ok(id))
        .map(|id| format!("<{id}>"))
        .collect();
    if !references.is_empty() {
        builder = builder.references(references.join(" "));
    }
    if mail.auto_submitted {
        builder = builder.header(AutoSubmitted("auto-replied".into()));
    }
    let text = SinglePart::plain(mail.body_text.clone());
    let content = match &mail.body_html {
        Some(html) => MultiPart::alternative_plain_html(mail.body_text.clone(), html.clone()),
        None if mail.attachments.is_empty() => {
            return builder
                .singlepart(text)
                .map_err(|e| SendError::permanent(format!("building the mail: {e}")));
        }
        None => MultiPart::mixed().singlepart(text),
    };
    let mut content = if mail.body_html.is_some() && !mail.attachments.is_empty() {
        MultiPart::mixed().multipart(content)
    } else {
        content
    };
    for file in &mail.attachments {
        let content_type = ContentType::parse(&file.content_type)
            .or_else(|_| ContentType::parse("application/octet-stream"))
            .map_err(|e| SendError::permanent(format!("attachment type: {e}")))?;
        content = content.singlepart(
            Attachment::new(one_line(&file.filename)).body(file.content.clone(), content_type),
        );
    }
    builder
        .multipart(content)
        .map_err(|e| SendError::permanent(format!("building the mail: {e}")))
}

/// What a failed SMTP conversation is called for users: a fixed kind with
/// at most the reply's three-digit status code, never the server's words
/// (those go to the log).
fn failure_kind(e: &lettre::transport::smtp::Error) -> String {
    let code = e.status().map(|c| format!(" ({c})")).unwrap_or_default();
    if e.is_permanent() {
        format!("{REFUSED}{code}")
    } else if e.is_transient() {
        format!("{REFUSED_FOR_NOW}{code}")
    } else if e.is_timeout() {
        NO_ANSWER.into()
    } else if is_tls_failure(e) {
        TLS_FAILED.into()
    } else {
        CONNECTION_FAILED.into()
    }
}

const REFUSED: &str = "the SMTP server refused the mail";
const REFUSED_FOR_NOW: &str = "the SMTP server refused the mail for now";
const NO_ANSWER: &str = "no answer from the SMTP server in time";
const TLS_FAILED: &str = "TLS with the SMTP server failed (certificate or protocol)";
const CONNECTION_FAILED: &str = "the connection to the SMTP server failed";

/// The stable code of a recorded sending failure (`mail_outbox.last_error`,
/// worded by this module and the host policy), which the UI words in the
/// reader's language; `other` for what has no code (the text is shown as
/// it is, with the code's general wording).
pub fn failure_code(message: &str) -> &'static str {
    let host = |refusal: HostRefusal| message.starts_with(&refusal.to_string());
    if message.starts_with(REFUSED_FOR_NOW) {
        "smtp-deferred"
    } else if message.starts_with(REFUSED) {
        "smtp-refused"
    } else if message.starts_with(NO_ANSWER) {
        "smtp-timeout"
    } else if message.starts_with(TLS_FAILED) {
        "smtp-tls"
    } else if message.starts_with(CONNECTION_FAILED) {
        "smtp-connection"
    } else if host(HostRefusal::Dns) || host(HostRefusal::Timeout) {
        "host-unknown"
    } else if host(HostRefusal::Restricted) || host(HostRefusal::PlainNotAllowed) {
        "host-not-allowed"
    } else if message.starts_with(MAILBOX_DELETED) {
        "no-mailbox"
    } else if message.starts_with("recipient address") {
        "bad-recipient"
    } else if message.starts_with("sender address") || message.contains("SMTP ") {
        "mailbox-settings"
    } else if message.starts_with("attachment") || message.starts_with("reading the attachments") {
        "attachment"
    } else {
        "other"
    }
}

/// Why a queued mail found no mailbox to send through.
pub const MAILBOX_DELETED: &str = "the mailbox was deleted";

/// A TLS failure, also inside a STARTTLS upgrade (lettre reports that as a
/// connection error around rustls's).
fn is_tls_failure(e: &lettre::transport::smtp::Error) -> bool {
    use std::error::Error as _;
    if e.is_tls() {
        return true;
    }
    let mut source = e.source();
    while let Some(err) = source {
        if err.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && io
                .get_ref()
                .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
        {
            return true;
        }
        source = err.source();
    }
    false
}

/// Sends one mail through the mailbox's SMTP server; `hello` is the domain
/// we greet with (the mailbox's). The host is resolved once and checked
/// against the platform's policy (`mail_allowed_hosts`); the connection
/// goes to that checked address, with TLS verified against the host name.
pub async fn send(
    settings: &SmtpSettings,
    hosts: &HostPolicy,
    hello: &str,
    message: Message,
) -> Result<(), SendError> {
    let transport = transport(settings, hosts, hello).await?;
    transport
        .send(message)
        .await
        .map_err(|e| failed(settings, e))?;
    Ok(())
}

/// "Check connection" of SMTP settings not saved yet (issue 17): resolves
/// and checks the host as [`send`] does (no private or local network
/// unless allowed), connects, greets, upgrades to TLS and logs in, and
/// sends nothing.
pub async fn check(
    settings: &SmtpSettings,
    hosts: &HostPolicy,
    hello: &str,
) -> Result<(), SendError> {
    let transport = transport(settings, hosts, hello).await?;
    match transport.test_connection().await {
        Ok(true) => Ok(()),
        Ok(false) => Err(SendError {
            permanent: false,
            message: CONNECTION_FAILED.into(),
        }),
        Err(e) => Err(failed(settings, e)),
    }
}

fn failed(settings: &SmtpSettings, e: lettre::transport::smtp::Error) -> SendError {
    tracing::info!(host = %settings.host, error = %e, "SMTP send failed");
    SendError {
        permanent: e.is_permanent(),
        message: failure_kind(&e),
    }
}

/// The transport to the mailbox's SMTP server, its host resolved and checked
/// against the platform's policy.
async fn transport(
    settings: &SmtpSettings,
    hosts: &HostPolicy,
    hello: &str,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, SendError> {
    let failed = |e: lettre::transport::smtp::Error| failed(settings, e);
    let plain = settings.security == Security::Plain;
    let addrs = hosts
        .resolve(
            &settings.host,
            settings.port,
            plain,
            Duration::from_secs(15),
        )
        .await
        .map_err(|refusal| SendError {
            // A name that does not resolve may come back; a host the
            // platform does not allow will not.
            permanent: !matches!(refusal, HostRefusal::Dns | HostRefusal::Timeout),
            message: refusal.to_string(),
        })?;
    // The first checked address; the outbox retries later when it fails.
    let server = addrs[0].ip().to_string();
    let builder = match settings.security {
        Security::Plain => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
            server,
        )),
        security => {
            let mut params = TlsParameters::builder(settings.host.clone());
            if !settings.tls_verify {
                // The admin chose to accept any certificate (a self-signed one).
                params = params
                    .dangerous_accept_invalid_certs(true)
                    .dangerous_accept_invalid_hostnames(true);
            }
            params.build_rustls().map(|params| {
                let tls = if security == Security::Tls {
                    TransportTls::Wrapper(params)
                } else {
                    TransportTls::Required(params)
                };
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(server).tls(tls)
            })
        }
    }
    .map_err(failed)?;
    let mut builder = builder
        .port(settings.port)
        .timeout(Some(SMTP_TIMEOUT))
        .hello_name(ClientId::Domain(hello.to_string()));
    if !settings.username.is_empty() {
        builder = builder.credentials(Credentials::new(
            settings.username.clone(),
            settings.password.clone().unwrap_or_default(),
        ));
    }
    Ok(builder.build())
}

#[cfg(test)]
mod tests {
    #[rustfmt::skip]
    #[test]
    fn every_recorded_failure_has_its_code() {
        let table = [
            (format!("{REFUSED} (550)"),                     "smtp-refused"),
            (format!("{REFUSED_FOR_NOW} (451)"),             "smtp-deferred"),
            (NO_ANSWER.to_string(),                          "smtp-timeout"),
            (TLS_FAILED.to_string(),                         "smtp-tls"),
            (CONNECTION_FAILED.to_string(),                  "smtp-connection"),
            (HostRefusal::Dns.to_string(),                   "host-unknown"),
            (HostRefusal::Timeout.to_string(),               "host-unknown"),
            (HostRefusal::Restricted.to_string(),            "host-not-allowed"),
            (HostRefusal::PlainNotAllowed.to_string(),       "host-not-allowed"),
            (MAILBOX_DELETED.to_string(),                    "no-mailbox"),
            ("recipient address \"x\" is not valid".into(),  "bad-recipient"),
            ("sender address \"x\" is not valid".into(),     "mailbox-settings"),
            ("SMTP port 70000 is out of range".into(),       "mailbox-settings"),
            ("unknown SMTP security \"x\"".into(),           "mailbox-settings"),
            ("attachment a.pdf: content missing".into(),     "attachment"),
            ("reading the attachments: busy".into(),         "attachment"),
            ("building the mail: x".into(),                  "other"),
        ];
        for (message, code) in table {
            assert_eq!(failure_code(&message), code, "{message}");
        }
    }

    use super::*;

    fn mail() -> OutgoingMail {
        OutgoingMail {
            from_name: "ACME Service".into(),
            from_address: "service@acme.example".into(),
            to_address: "kunde@example.org".into(),
            subject: "Re: Zähler [ACME-1]".into(),
            body_text: "Hallo\n\n-- \nACME".into(),
            body_html: None,
            message_id: "20260101.abc@acme.example".into(),
            in_reply_to: Some("in-1@customer.example".into()),
            references: vec![
                "in-0@customer.example".into(),
                "in-1@customer.example".into(),
            ],
            auto_submitted: false,
            attachments: Vec::new(),
        }
    }

    fn text(message: &Message) -> String {
        String::from_utf8(message.formatted()).unwrap()
    }

    #[test]
    fn builds_threaded_mail_with_typed_headers() {
        let built = text(&build(&mail()).unwrap());
        assert!(
            built.contains("Message-ID: <20260101.abc@acme.example>"),
            "{built}"
        );
        assert!(
            built.contains("In-Reply-To: <in-1@customer.example>"),
            "{built}"
        );
        assert!(built.contains("References: <in-0@customer.example> <in-1@customer.example>"));
        assert!(
            built.contains("From: \"ACME Service\" <service@acme.example>"),
            "{built}"
        );
        assert!(!built.contains("Auto-Submitted"));
        let mut auto = mail();
        auto.auto_submitted = true;
        auto.attachments.push(OutgoingFile {
            filename: "a\r\nb.txt".into(),
            content_type: "text/plain".into(),
            content: b"content".to_vec(),
        });
        let built = text(&build(&auto).unwrap());
        assert!(built.contains("Auto-Submitted: auto-replied"), "{built}");
        assert!(built.contains("multipart/mixed"), "{built}");
        assert!(built.contains("a b.txt"), "{built}");
    }

    #[test]
    fn refuses_injected_addresses() {
        let mut bad = mail();
        bad.to_address = "kunde@example.org\r\nBcc: all@example.org".into();
        assert!(build(&bad).unwrap_err().permanent);
        let mut bad = mail();
        bad.from_name = "Service\r\nBcc: all@example.org".into();
        let built = text(&build(&bad).unwrap());
        assert!(!built.contains("\r\nBcc:"), "{built}");
    }
}
