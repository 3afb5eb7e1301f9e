//! One delivery attempt: an HTTP/1.1 POST over tokio (TLS by rustls with
//! ring and the webpki roots), to exactly the addresses the host policy
//! checked (`target::resolve`): no second lookup, so DNS rebinding cannot
//! point the connection elsewhere. Redirects are not followed (a 3xx is a
//! failed attempt), only the status line of the answer is read (at most
//! `MAX_HEAD` bytes; the body is never read, stored or shown), and the whole
//! attempt has a deadline.
//!
//! A hand-written client rather than an HTTP crate: the project has no
//! HTTP client among its dependencies (reqwest is a dev-dependency without
//! TLS, and hyper-rustls is not available to the build), and what a webhook
//! needs — connect to checked addresses, send one request, read one status
//! line — is small enough to be exact here.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::rustls;

use super::target::{self, Target, TargetRefusal};
use crate::net::host_policy::HostPolicy;

/// Connecting to one address.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The whole attempt: resolve, connect, TLS, send, status line.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);
/// The most of the answer that is read while looking for the status line.
pub const MAX_HEAD: usize = 8 * 1024;

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The HTTP status, when one came.
    pub status: Option<u16>,
    pub millis: i64,
    /// Our words for a failure; `None` when delivered (2xx).
    pub error: Option<String>,
    /// No point in retrying (refused target, 4xx other than 408/425/429).
    pub permanent: bool,
}

impl Outcome {
    pub fn delivered(&self) -> bool {
        self.error.is_none()
    }
}

/// What is posted.
pub struct Request<'a> {
    pub body: &'a [u8],
    pub headers: Vec<(&'static str, String)>,
}

/// One attempt, never longer than `ATTEMPT_TIMEOUT`.
pub async fn post(target: &Target, policy: &HostPolicy, request: Request<'_>) -> Outcome {
    let started = Instant::now();
    let result = tokio::time::timeout(ATTEMPT_TIMEOUT, attempt(target, policy, &request)).await;
    let millis = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    match result {
        Err(_) => Outcome {
            status: None,
            millis,
            error: Some(format!(
                "no answer within {} seconds",
                ATTEMPT_TIMEOUT.as_secs()
            )),
            permanent: false,
        },
        Ok(Err(Failure::Refused(refusal))) => Outcome {
            status: None,
            millis,
            error: Some(format!("{}: {refusal}", refusal.code())),
            permanent: !matches!(refusal, TargetRefusal::Unresolvable),
        },
        Ok(Err(Failure::Network(message))) => Outcome {
            status: None,
            millis,
            error: Some(message),
            permanent: false,
        },
        Ok(Ok(status)) => judge(status, millis),
    }
}

/// A status as an outcome.
pub fn judge(status: u16, millis: i64) -> Outcome {
    let (error, permanent) = match status {
        200..=299 => (None, false),
        300..=399 => (
            Some(format!("HTTP {status}: redirects are not followed")),
            true,
        ),
        408 | 425 | 429 => (Some(format!("HTTP {status}")), false),
        400..=499 => (Some(format!("HTTP {status}")), true),
        _ => (Some(format!("HTTP {status}")), false),
    };
    Outcome {
        status: Some(status),
        millis,
        error,
        permanent,
    }
}

enum Failure {
    Refused(TargetRefusal),
    Network(String),
}

async fn attempt(
    target: &Target,
    policy: &HostPolicy,
    request: &Request<'_>,
) -> Result<u16, Failure> {
    let addrs = target::resolve(target, policy)
        .await
        .map_err(Failure::Refused)?;
    let mut last = String::from("no address to connect to");
    let mut stream = None;
    for addr in addrs {
        match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => {
                let _ = s.set_nodelay(true);
                stream = Some(s);
                break;
            }
            Ok(Err(err)) => last = format!("connecting to {addr}: {}", err.kind()),
            Err(_) => last = format!("connecting to {addr}: timed out"),
        }
    }
    let stream = stream.ok_or(Failure::Network(last))?;
    let head = request_head(target, request);
    if target.https {
        let name = rustls::pki_types::ServerName::try_from(target.host.clone())
            .map_err(|_| Failure::Network("the host is not a valid TLS server name".into()))?;
        let tls = tokio_rustls::TlsConnector::from(tls_config())
            .connect(name, stream)
            .await
            .map_err(|err| Failure::Network(format!("TLS: {err}")))?;
        exchange(tls, &head, request.body).await
    } else {
        exchange(stream, &head, request.body).await
    }
}

fn request_head(target: &Target, request: &Request<'_>) -> Vec<u8> {
    let mut head = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: zezaro-webhooks/1\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        target.path,
        target.host_header(),
        request.body.len()
    );
    for (name, value) in &request.headers {
        // Values are ours (signature, event name, ids): no line breaks.
        let value: String = value.chars().filter(|c| !c.is_control()).collect();
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head.into_bytes()
}

async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    head: &[u8],
    body: &[u8],
) -> Result<u16, Failure> {
    let io = |err: std::io::Error| Failure::Network(format!("sending: {}", err.kind()));
    stream.write_all(head).await.map_err(io)?;
    stream.write_all(body).await.map_err(io)?;
    stream.flush().await.map_err(io)?;
    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    loop {
        if let Some(end) = buf.windows(2).position(|w| w == b"\r\n") {
            let status = parse_status(&buf[..end]).ok_or_else(|| {
                Failure::Network("the answer is not HTTP (no status line)".into())
            })?;
            // 1xx (100 Continue) is followed by the real status.
            if (100..200).contains(&status) {
                if let Some(blank) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    buf.drain(..blank + 4);
                    continue;
                }
            } else {
                return Ok(status);
            }
        }
        if buf.len() >= MAX_HEAD {
            return Err(Failure::Network(format!(
                "no status line in the first {MAX_HEAD} bytes of the answer"
            )));
        }
        let want = chunk.len().min(MAX_HEAD - buf.len());
        let n = stream
            .read(&mut chunk[..want])
            .await
            .map_err(|err| Failure::Network(format!("reading the answer: {}", err.kind())))?;
        if n == 0 {
            return Err(Failure::Network(
                "the connection closed before an answer".into(),
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn parse_status(line: &[u8]) -> Option<u16> {
    let line = std::str::from_utf8(line).ok()?;
    let mut parts = line.split(' ');
    let version = parts.next()?;
    if !version.starts_with("HTTP/1.") {
        return None;
    }
    let code = parts.next()?;
    (code.len() == 3)
        .then(|| code.parse::<u16>().ok())
        .flatten()
        .filter(|c| (100..600).contains(c))
}

fn tls_config() -> Arc<rustls::ClientConfig> {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let roots = rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            };
            let config = match rustls::ClientConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()
            {
                Ok(builder) => builder,
                Err(_) => rustls::ClientConfig::builder_with_provider(provider)
                    .with_protocol_versions(&[&rustls::version::TLS13])
                    .expect("TLS 1.3 is supported by ring"),
            }
            .with_root_certificates(roots)
            .with_no_client_auth();
            Arc::new(config)
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(parse_status(b"HTTP/1.1 204 No Content"), Some(204));
        assert_eq!(parse_status(b"HTTP/1.0 500"), Some(500));
        assert_eq!(parse_status(b"SSH-2.0-OpenSSH"), None);
        assert_eq!(parse_status(b"HTTP/1.1 20 x"), None);
        assert!(judge(200, 1).delivered());
        assert!(judge(302, 1).permanent);
        assert!(judge(404, 1).permanent);
        assert!(!judge(429, 1).permanent);
        assert!(!judge(503, 1).permanent && !judge(503, 1).delivered());
    }

    #[tokio::test]
    async fn reads_only_the_status_and_gives_up_on_endless_answers() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            for answer in [
                b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n\r\n".to_vec(),
                vec![b'x'; 100_000],
            ] {
                let (mut s, _) = listener.accept().await.unwrap();
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let _ = s.write_all(&answer).await;
            }
        });
        let policy = HostPolicy::parse(["127.0.0.0/8"]).unwrap();
        let target = target::parse(&format!("http://127.0.0.1:{port}/hook")).unwrap();
        let request = || Request {
            body: b"{}",
            headers: vec![("X-Test", "1\r\nInjected: yes".into())],
        };
        let first = post(&target, &policy, request()).await;
        assert_eq!(first.status, Some(201), "{first:?}");
        assert!(first.delivered());
        let second = post(&target, &policy, request()).await;
        assert_eq!(second.status, None);
        assert!(second.error.unwrap().contains("no status line"));
        // Without the allow list the same target is refused before connecting.
        let refused = post(&target, &HostPolicy::public_only(), request()).await;
        assert!(refused.permanent);
        assert!(refused.error.unwrap().starts_with("host-not-allowed"));
    }
}
