//! One delivery attempt: an HTTPS (or, where the allow list opens a host,
//! HTTP) POST by reqwest, to exactly the addresses the host policy checked
//! (`target::resolve`, handed to reqwest with `resolve_to_addrs`): no second
//! lookup, so DNS rebinding cannot point the connection elsewhere.
//! Redirects are not followed (a 3xx is a failed attempt), no proxy from the
//! environment is used, only the status of the answer is kept (the body is
//! never read, stored or shown), and the whole attempt has a deadline.

use std::time::{Duration, Instant};

use super::target::{self, Target, TargetRefusal};
use crate::net::host_policy::HostPolicy;

/// Connecting to one address.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The whole attempt: resolve, connect, TLS, send, status line.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);

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
    let client = reqwest::Client::builder()
        .resolve_to_addrs(&target.host, &addrs)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(CONNECT_TIMEOUT)
        .http1_only()
        .user_agent("zezaro-webhooks/1")
        .build()
        .map_err(|err| Failure::Network(describe(&err)))?;
    let url = format!(
        "{}://{}{}",
        if target.https { "https" } else { "http" },
        target.host_header(),
        target.path
    );
    let mut post = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(request.body.to_vec());
    for (name, value) in &request.headers {
        // Values are ours (signature, event name, ids): no line breaks.
        let value: String = value.chars().filter(|c| !c.is_control()).collect();
        post = post.header(*name, value);
    }
    // The answer is dropped unread: only its status counts.
    let answer = post
        .send()
        .await
        .map_err(|err| Failure::Network(describe(&err)))?;
    Ok(answer.status().as_u16())
}

/// A failed attempt in words, without the URL (the target is shown beside
/// it) and with the causes reqwest wraps (refused connection, TLS).
fn describe(err: &reqwest::Error) -> String {
    let mut words = if err.is_connect() {
        "connecting".to_string()
    } else if err.is_timeout() {
        "timed out".to_string()
    } else {
        "sending".to_string()
    };
    let mut cause = std::error::Error::source(err);
    while let Some(inner) = cause {
        words.push_str(": ");
        words.push_str(&inner.to_string());
        cause = inner.source();
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn statuses() {
        assert!(judge(200, 1).delivered());
        assert!(judge(302, 1).permanent);
        assert!(judge(404, 1).permanent);
        assert!(!judge(429, 1).permanent);
        assert!(!judge(503, 1).permanent && !judge(503, 1).delivered());
    }

    #[tokio::test]
    async fn reads_only_the_status_and_refuses_answers_that_are_not_http() {
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
        assert!(!second.delivered() && !second.permanent, "{second:?}");
        // Without the allow list the same target is refused before connecting.
        let refused = post(&target, &HostPolicy::public_only(), request()).await;
        assert!(refused.permanent);
        assert!(refused.error.unwrap().starts_with("host-not-allowed"));
    }
}
