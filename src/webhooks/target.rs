//! A webhook's target: the URL parsed into what a connection needs, and the
//! platform's host policy applied to it (the same as for mailboxes:
//! private, loopback, link-local and reserved ranges only when the
//! platform admin's allow list `mail_allowed_hosts` opens them; plain HTTP
//! only to such allowed hosts).

use std::net::SocketAddr;
use std::time::Duration;

use crate::net::host_policy::{HostPolicy, HostRefusal};

/// The longest URL accepted.
pub const MAX_URL: usize = 2000;

/// Where a delivery goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub https: bool,
    /// Without brackets for IPv6 literals.
    pub host: String,
    pub port: u16,
    /// Path and query, starting with `/`.
    pub path: String,
}

impl Target {
    /// The `Host` header's value.
    pub fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let default = if self.https { 443 } else { 80 };
        if self.port == default {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

/// Why a target is refused; the codes are the API's problem codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetRefusal {
    #[error("the URL is not a valid http(s) URL: {0}")]
    BadUrl(&'static str),
    #[error(
        "the target is in a private, local or reserved network, which the platform does not \
         allow (the platform admin can allow it: mail_allowed_hosts)"
    )]
    HostNotAllowed,
    #[error(
        "plain http goes only to hosts the platform admin allowed (mail_allowed_hosts); use https"
    )]
    PlainNotAllowed,
    #[error("the target's host name cannot be resolved")]
    Unresolvable,
}

impl TargetRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            TargetRefusal::BadUrl(_) => "bad-url",
            TargetRefusal::HostNotAllowed => "host-not-allowed",
            TargetRefusal::PlainNotAllowed => "plain-http-not-allowed",
            TargetRefusal::Unresolvable => "host-unresolvable",
        }
    }
}

impl From<HostRefusal> for TargetRefusal {
    fn from(refusal: HostRefusal) -> Self {
        match refusal {
            HostRefusal::Dns | HostRefusal::Timeout => TargetRefusal::Unresolvable,
            HostRefusal::Restricted => TargetRefusal::HostNotAllowed,
            HostRefusal::PlainNotAllowed => TargetRefusal::PlainNotAllowed,
        }
    }
}

/// Parses `http(s)://host[:port][/path][?query]`; no user info, the
/// fragment dropped.
pub fn parse(url: &str) -> Result<Target, TargetRefusal> {
    let url = url.trim();
    if url.len() > MAX_URL {
        return Err(TargetRefusal::BadUrl("too long"));
    }
    if url
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || !c.is_ascii())
    {
        return Err(TargetRefusal::BadUrl(
            "spaces, control or non-ASCII characters (percent-encode them)",
        ));
    }
    let (https, rest) = if let Some(rest) = strip_prefix_ci(url, "https://") {
        (true, rest)
    } else if let Some(rest) = strip_prefix_ci(url, "http://") {
        (false, rest)
    } else {
        return Err(TargetRefusal::BadUrl(
            "it must start with https:// or http://",
        ));
    };
    let rest = rest.split('#').next().unwrap_or_default();
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(split);
    if authority.contains('@') {
        return Err(TargetRefusal::BadUrl("user names or passwords in the URL"));
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6
            .split_once(']')
            .ok_or(TargetRefusal::BadUrl("an unclosed IPv6 address"))?;
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(TargetRefusal::BadUrl("not an IPv6 address"));
        }
        (host.to_string(), after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host.to_string(), Some(port)),
            None => (authority.to_string(), None),
        }
    };
    let port = match port {
        None => {
            if https {
                443
            } else {
                80
            }
        }
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or(TargetRefusal::BadUrl("the port must be 1 to 65535"))?,
    };
    let host = host.to_ascii_lowercase();
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && (host.contains(':')
            || host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            }));
    if !host_ok {
        return Err(TargetRefusal::BadUrl("no valid host name"));
    }
    let path = if path.is_empty() {
        "/".to_string()
    } else if path.starts_with('?') {
        format!("/{path}")
    } else {
        path.to_string()
    };
    Ok(Target {
        https,
        host,
        port,
        path,
    })
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix))
        .then(|| &s[prefix.len()..])
}

/// The check when a webhook is saved: plain http only to allowed hosts, a
/// literal address or a name that resolves into a restricted range only
/// when allowed. A name that does not resolve (yet) is accepted: every
/// delivery checks again.
pub async fn check_on_save(target: &Target, policy: &HostPolicy) -> Result<(), TargetRefusal> {
    match policy
        .resolve(
            &target.host,
            target.port,
            !target.https,
            Duration::from_secs(5),
        )
        .await
    {
        Ok(_) | Err(HostRefusal::Dns) | Err(HostRefusal::Timeout) => {
            if !target.https {
                policy.check_plain_setting(&target.host)?;
            }
            Ok(())
        }
        Err(refusal) => Err(refusal.into()),
    }
}

/// The addresses a delivery connects to: resolved once and all checked;
/// the connection goes to exactly these (DNS rebinding cannot swap them).
pub async fn resolve(
    target: &Target,
    policy: &HostPolicy,
) -> Result<Vec<SocketAddr>, TargetRefusal> {
    Ok(policy
        .resolve(
            &target.host,
            target.port,
            !target.https,
            Duration::from_secs(5),
        )
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let t = parse("https://Hooks.Example.com/in?x=1#frag").unwrap();
        assert_eq!(
            t,
            Target {
                https: true,
                host: "hooks.example.com".into(),
                port: 443,
                path: "/in?x=1".into()
            }
        );
        assert_eq!(t.host_header(), "hooks.example.com");
        let t = parse("http://127.0.0.1:8080").unwrap();
        assert_eq!((t.https, t.port, t.path.as_str()), (false, 8080, "/"));
        assert_eq!(t.host_header(), "127.0.0.1:8080");
        let t = parse("https://[::1]:9443/x").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("::1", 9443));
        assert_eq!(t.host_header(), "[::1]:9443");
        for bad in [
            "ftp://example.com",
            "https://user:pw@example.com/",
            "https://example.com:0/",
            "https://example.com:99999/",
            "https:///x",
            "https://exa mple.com/",
            "https://[::1/",
            "https://bad..host/",
            "https://ex\u{e4}mple.com/",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn policy_on_save() {
        let open = HostPolicy::public_only();
        let local = parse("https://127.0.0.1:9/").unwrap();
        assert_eq!(
            check_on_save(&local, &open).await,
            Err(TargetRefusal::HostNotAllowed)
        );
        let metadata = parse("https://169.254.169.254/").unwrap();
        assert_eq!(
            check_on_save(&metadata, &open).await,
            Err(TargetRefusal::HostNotAllowed)
        );
        let plain = parse("http://8.8.8.8/").unwrap();
        assert_eq!(
            check_on_save(&plain, &open).await,
            Err(TargetRefusal::PlainNotAllowed)
        );
        let allowed = HostPolicy::parse(["127.0.0.0/8"]).unwrap();
        let local_plain = parse("http://127.0.0.1:9/").unwrap();
        assert_eq!(check_on_save(&local_plain, &allowed).await, Ok(()));
        assert_eq!(
            resolve(&local_plain, &allowed).await.unwrap(),
            vec!["127.0.0.1:9".parse().unwrap()]
        );
    }
}
