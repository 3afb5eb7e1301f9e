//! The IMAP side: connecting (TLS, STARTTLS, or plain to allowed hosts
//! only; private networks only when allowed, see `net::host_policy`),
//! logging in, selecting the folder, fetching and settling messages. Async
//! on tokio with rustls (ring); nothing here blocks an async thread.
//! Failures carry a reason an admin can act on, and never a byte the
//! remote side sent (that would make "check connection" a probe of other
//! services): what the server said goes to the log only.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::rustls;

use super::model::{AfterFetch, ImapSettings, Security};
use crate::net::{HostPolicy, HostRefusal};

pub type Session = async_imap::Session<MailStream>;

/// Why a connection failed, for "check connection" and the fetcher state.
/// The texts are fixed; a `String` inside holds what the remote side or
/// the TLS library said, for the log (`{:?}`), never shown to users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImapError {
    #[error("the host name {0} cannot be resolved")]
    Dns(String),
    #[error("the server refused the connection")]
    Refused(String),
    #[error("no answer from the server within {0} s")]
    Timeout(u64),
    #[error("TLS failed (certificate or protocol)")]
    Tls(String),
    #[error("login failed: the server refused the user name or password")]
    Login(String),
    #[error("the folder {0:?} does not exist on the server")]
    Folder(String),
    #[error("{0}")]
    HostNotAllowed(HostRefusal),
    #[error("the server does not offer IDLE")]
    NoIdle,
    #[error("the server did not answer as an IMAP server")]
    Protocol(String),
}

impl From<HostRefusal> for ImapError {
    fn from(refusal: HostRefusal) -> Self {
        ImapError::HostNotAllowed(refusal)
    }
}

impl ImapError {
    /// A stable word for the UI.
    pub fn reason(&self) -> &'static str {
        match self {
            ImapError::Dns(_) => "dns",
            ImapError::Refused(_) => "refused",
            ImapError::Timeout(_) => "timeout",
            ImapError::Tls(_) => "tls",
            ImapError::Login(_) => "login",
            ImapError::Folder(_) => "folder",
            ImapError::HostNotAllowed(HostRefusal::PlainNotAllowed) => "plain-not-allowed",
            ImapError::HostNotAllowed(HostRefusal::Dns) => "dns",
            ImapError::HostNotAllowed(HostRefusal::Timeout) => "timeout",
            ImapError::HostNotAllowed(HostRefusal::Restricted) => "host-not-allowed",
            ImapError::NoIdle => "no-idle",
            ImapError::Protocol(_) => "protocol",
        }
    }
}

fn protocol(err: impl std::fmt::Display) -> ImapError {
    ImapError::Protocol(err.to_string())
}

/// A TCP stream, optionally wrapped in TLS.
pub enum MailStream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl std::fmt::Debug for MailStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MailStream::Plain(_) => "MailStream::Plain",
            MailStream::Tls(_) => "MailStream::Tls",
        })
    }
}

impl AsyncRead for MailStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for MailStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_flush(cx),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

async fn with_timeout<T>(
    seconds: u64,
    fut: impl std::future::Future<Output = Result<T, ImapError>>,
) -> Result<T, ImapError> {
    tokio::time::timeout(Duration::from_secs(seconds), fut)
        .await
        .unwrap_or(Err(ImapError::Timeout(seconds)))
}

/// Resolves once, checks every address against the platform's policy, and
/// connects to one of exactly those addresses (no second lookup that DNS
/// rebinding could answer differently).
async fn tcp(
    hosts: &HostPolicy,
    host: &str,
    port: u16,
    plain: bool,
    timeout: u64,
) -> Result<TcpStream, ImapError> {
    let addrs: Vec<SocketAddr> = hosts
        .resolve(host, port, plain, Duration::from_secs(timeout))
        .await
        .map_err(|refusal| match refusal {
            HostRefusal::Dns => ImapError::Dns(host.to_string()),
            HostRefusal::Timeout => ImapError::Timeout(timeout),
            other => other.into(),
        })?;
    let mut last = ImapError::Dns(host.to_string());
    for addr in addrs {
        match tokio::time::timeout(Duration::from_secs(timeout), TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Ok(Err(err)) => last = ImapError::Refused(format!("{addr}: {err}")),
            Err(_) => last = ImapError::Timeout(timeout),
        }
    }
    Err(last)
}

fn tls_config(verify: bool) -> Arc<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap_or_else(|_| {
            rustls::ClientConfig::builder_with_provider(provider.clone())
                .with_protocol_versions(&[&rustls::version::TLS13])
                .expect("TLS 1.3 is supported by ring")
        });
    let config = if verify {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        builder.with_root_certificates(roots).with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth()
    };
    Arc::new(config)
}

/// Accepts any certificate (the admin turned checks off for a server with
/// a self-signed one); signatures are still verified.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

async fn wrap_tls(tcp: TcpStream, host: &str, verify: bool) -> Result<MailStream, ImapError> {
    let name = rustls::pki_types::ServerName::try_from(host.to_string())
        .map_err(|_| ImapError::Tls(format!("{host} is not a valid server name")))?;
    let connector = tokio_rustls::TlsConnector::from(tls_config(verify));
    let stream = connector
        .connect(name, tcp)
        .await
        .map_err(|e| ImapError::Tls(e.to_string()))?;
    Ok(MailStream::Tls(Box::new(stream)))
}

/// Connects and logs in.
pub async fn login(
    s: &ImapSettings,
    hosts: &HostPolicy,
    timeout: u64,
) -> Result<Session, ImapError> {
    let plain = s.security == Security::Plain;
    let tcp = tcp(hosts, &s.host, s.port, plain, timeout).await?;
    let client = with_timeout(timeout, async {
        let stream = match s.security {
            Security::Tls => wrap_tls(tcp, &s.host, s.tls_verify).await?,
            Security::Plain => MailStream::Plain(tcp),
            Security::Starttls => {
                let mut client = async_imap::Client::new(tcp);
                greeting(&mut client).await?;
                client
                    .run_command_and_check_ok("STARTTLS", None)
                    .await
                    .map_err(|e| ImapError::Tls(format!("STARTTLS refused: {e}")))?;
                return Ok(async_imap::Client::new(
                    wrap_tls(client.into_inner(), &s.host, s.tls_verify).await?,
                ));
            }
        };
        let mut client = async_imap::Client::new(stream);
        greeting(&mut client).await?;
        Ok(client)
    })
    .await?;
    with_timeout(timeout, async {
        client
            .login(&s.username, &s.password)
            .await
            .map_err(|(err, _)| match err {
                async_imap::error::Error::No(msg) | async_imap::error::Error::Bad(msg) => {
                    ImapError::Login(msg)
                }
                other => ImapError::Login(other.to_string()),
            })
    })
    .await
}

async fn greeting<T>(client: &mut async_imap::Client<T>) -> Result<(), ImapError>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    match client.read_response().await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(ImapError::Protocol(
            "the server closed the connection".into(),
        )),
        Err(err) => Err(protocol(err)),
    }
}

/// Opens the folder; answers (UIDVALIDITY, number of messages).
pub async fn select(session: &mut Session, folder: &str) -> Result<(u32, u32), ImapError> {
    match session.select(folder).await {
        Ok(mailbox) => Ok((mailbox.uid_validity.unwrap_or(0), mailbox.exists)),
        Err(async_imap::error::Error::No(_)) => Err(ImapError::Folder(folder.to_string())),
        Err(err) => Err(protocol(err)),
    }
}

/// UIDs to take: unseen ones when messages are only marked seen, all that
/// are not deleted otherwise. Ascending.
pub async fn pending_uids(session: &mut Session, after: AfterFetch) -> Result<Vec<u32>, ImapError> {
    let query = match after {
        AfterFetch::Seen => "UNSEEN UNDELETED",
        AfterFetch::Move | AfterFetch::Delete => "UNDELETED",
    };
    let mut uids: Vec<u32> = session
        .uid_search(query)
        .await
        .map_err(protocol)?
        .into_iter()
        .collect();
    uids.sort_unstable();
    Ok(uids)
}

fn uid_set(uids: &[u32]) -> String {
    uids.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The sizes (RFC822.SIZE) of `uids`, to fetch large messages in smaller
/// groups. A message the server gives no size for counts as 0.
pub async fn sizes(session: &mut Session, uids: &[u32]) -> Result<Vec<(u32, u64)>, ImapError> {
    if uids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sizes = std::collections::HashMap::with_capacity(uids.len());
    let mut stream = session
        .uid_fetch(uid_set(uids), "(UID RFC822.SIZE)")
        .await
        .map_err(protocol)?;
    while let Some(item) = stream.next().await {
        let fetch = item.map_err(protocol)?;
        if let Some(uid) = fetch.uid {
            sizes.insert(uid, u64::from(fetch.size.unwrap_or(0)));
        }
    }
    drop(stream);
    Ok(uids
        .iter()
        .map(|uid| (*uid, sizes.get(uid).copied().unwrap_or(0)))
        .collect())
}

/// Splits messages (in order) into groups of at most `max_bytes` together;
/// a larger message is a group of its own. Bounds the memory one fetch
/// takes, whatever the mailbox holds.
pub fn groups_by_size(sizes: &[(u32, u64)], max_bytes: u64) -> Vec<Vec<u32>> {
    let mut groups: Vec<Vec<u32>> = Vec::new();
    let mut total = 0u64;
    for &(uid, size) in sizes {
        match groups.last_mut() {
            Some(group) if !group.is_empty() && total.saturating_add(size) <= max_bytes => {
                group.push(uid);
                total += size;
            }
            _ => {
                groups.push(vec![uid]);
                total = size;
            }
        }
    }
    groups
}

/// The raw messages of `uids` (without marking them seen).
pub async fn fetch_raw(
    session: &mut Session,
    uids: &[u32],
) -> Result<Vec<(u32, Vec<u8>)>, ImapError> {
    if uids.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::with_capacity(uids.len());
    let mut stream = session
        .uid_fetch(uid_set(uids), "(UID BODY.PEEK[])")
        .await
        .map_err(protocol)?;
    while let Some(item) = stream.next().await {
        let fetch = item.map_err(protocol)?;
        if let (Some(uid), Some(body)) = (fetch.uid, fetch.body()) {
            out.push((uid, body.to_vec()));
        }
    }
    drop(stream);
    Ok(out)
}

/// What happens to taken messages on the server (after their commit).
pub async fn settle(
    session: &mut Session,
    uids: &[u32],
    after: AfterFetch,
    move_to: Option<&str>,
) -> Result<(), ImapError> {
    if uids.is_empty() {
        return Ok(());
    }
    let set = uid_set(uids);
    match (after, move_to) {
        (AfterFetch::Move, Some(folder)) => {
            session.uid_mv(&set, folder).await.map_err(|e| match e {
                async_imap::error::Error::No(_) => ImapError::Folder(folder.to_string()),
                other => protocol(other),
            })?;
        }
        (AfterFetch::Delete, _) => {
            drain(session.uid_store(&set, "+FLAGS.SILENT (\\Deleted)").await).await?;
            let expunged = session.uid_expunge(&set).await.map_err(protocol)?;
            let _: Vec<_> = expunged.collect().await;
        }
        _ => {
            drain(session.uid_store(&set, "+FLAGS.SILENT (\\Seen)").await).await?;
        }
    }
    Ok(())
}

async fn drain<S, T>(result: async_imap::error::Result<S>) -> Result<(), ImapError>
where
    S: futures_util::Stream<Item = async_imap::error::Result<T>> + Unpin,
{
    let mut stream = result.map_err(protocol)?;
    while let Some(item) = stream.next().await {
        item.map_err(protocol)?;
    }
    Ok(())
}

/// Appends a message to a folder (tests, benchmarks).
pub async fn append(session: &mut Session, folder: &str, raw: &[u8]) -> Result<(), ImapError> {
    session
        .append(folder, None, None, raw)
        .await
        .map_err(protocol)
}

pub async fn logout(mut session: Session) {
    let _ = tokio::time::timeout(Duration::from_secs(5), session.logout()).await;
}

/// Waits on the folder with IMAP IDLE until the server announces new mail
/// (`true`) or `within` has passed (`false`). An error when the server does
/// not offer IDLE or the connection fails (the caller then just waits).
pub async fn idle_until_new_mail(
    s: &ImapSettings,
    hosts: &HostPolicy,
    within: Duration,
) -> Result<bool, ImapError> {
    let mut session = login(s, hosts, 30).await?;
    let capabilities =
        with_timeout(30, async { session.capabilities().await.map_err(protocol) }).await?;
    if !capabilities.has_str("IDLE") {
        logout(session).await;
        return Err(ImapError::NoIdle);
    }
    with_timeout(30, select(&mut session, &s.folder)).await?;
    let mut handle = session.idle();
    with_timeout(30, async { handle.init().await.map_err(protocol) }).await?;
    let deadline = tokio::time::Instant::now() + within;
    let outcome = loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            break Ok(false);
        }
        let (wait, _stop) = handle.wait_with_timeout(left.min(Duration::from_secs(25 * 60)));
        match tokio::time::timeout(left, wait).await {
            Ok(Ok(async_imap::extensions::idle::IdleResponse::NewData(data))) => {
                use async_imap::imap_proto::{MailboxDatum, Response};
                if matches!(
                    data.parsed(),
                    Response::MailboxData(MailboxDatum::Exists(_) | MailboxDatum::Recent(_))
                ) {
                    break Ok(true);
                }
                // Flag changes and the like: keep waiting.
            }
            Ok(Ok(_)) | Err(_) => break Ok(false),
            Ok(Err(err)) => break Err(protocol(err)),
        }
    };
    if let Ok(Ok(session)) = tokio::time::timeout(Duration::from_secs(5), handle.done()).await {
        logout(session).await;
    }
    outcome
}

/// "Check connection": logs in and opens the folder.
pub async fn check(s: &ImapSettings, hosts: &HostPolicy) -> Result<u32, ImapError> {
    let mut session = login(s, hosts, 15).await?;
    let result = with_timeout(15, select(&mut session, &s.folder)).await;
    logout(session).await;
    result.map(|(_, exists)| exists)
}

#[cfg(test)]
mod tests {

    #[test]
    fn large_messages_are_fetched_in_small_groups() {
        let sizes = [(1, 10), (2, 10), (3, 100), (4, 5), (5, 5), (6, 30)];
        assert_eq!(
            groups_by_size(&sizes, 25),
            vec![vec![1, 2], vec![3], vec![4, 5], vec![6]]
        );
        assert_eq!(groups_by_size(&[], 25), Vec::<Vec<u32>>::new());
        assert_eq!(groups_by_size(&sizes, 1000), vec![vec![1, 2, 3, 4, 5, 6]]);
    }

    use super::*;

    #[tokio::test]
    async fn reasons_for_failures() {
        let settings = |host: &str, port: u16, security: Security| ImapSettings {
            mailbox_id: 1,
            host: host.into(),
            port,
            security,
            tls_verify: true,
            username: "u".into(),
            password: "p".into(),
            folder: "INBOX".into(),
            after_fetch: AfterFetch::Seen,
            move_to_folder: None,
        };
        let local = HostPolicy::parse(["127.0.0.1"]).unwrap();
        // Nothing listens on port 1.
        let err = check(&settings("127.0.0.1", 1, Security::Plain), &local)
            .await
            .unwrap_err();
        assert_eq!(err.reason(), "refused", "{err}");
        let err = check(
            &settings("no-such-host.invalid", 993, Security::Tls),
            &local,
        )
        .await
        .unwrap_err();
        assert_eq!(err.reason(), "dns", "{err}");
        // Without the allow list, this machine is refused before connecting.
        let open = HostPolicy::public_only();
        for (host, security) in [
            ("127.0.0.1", Security::Tls),
            ("10.0.0.1", Security::Tls),
            ("169.254.169.254", Security::Tls),
            ("[fd00:ec2::254]", Security::Tls),
        ] {
            let err = check(&settings(host, 1, security), &open)
                .await
                .unwrap_err();
            assert_eq!(err.reason(), "host-not-allowed", "{host}: {err}");
        }
        let err = check(&settings("127.0.0.1", 1, Security::Plain), &open)
            .await
            .unwrap_err();
        assert_eq!(err.reason(), "host-not-allowed", "{err}");
    }
}
