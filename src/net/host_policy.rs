//! Which hosts a user-configured connection may reach. A client admin names
//! the mail servers of their mailboxes; without a rule they could make the
//! server connect into its own network (a local service, the cloud
//! metadata endpoint) and learn about it. So by default an address in a
//! private, loopback, link-local, CGNAT, unique-local or metadata range is
//! refused, checked on the addresses the name resolves to — and the
//! connection then goes to exactly those checked addresses, never to a
//! second lookup (DNS rebinding). The platform admin opens hosts or
//! networks with `mail_allowed_hosts` (e.g. a Dovecot on the same machine);
//! plain-text (unencrypted) connections go only to such allowed hosts.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use super::ip::{Net, canonical};

/// Why a host may not be connected to. Says nothing the remote side sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HostRefusal {
    #[error("the host name cannot be resolved")]
    Dns,
    #[error("no answer from the name server in time")]
    Timeout,
    #[error(
        "the host is in a private, local or reserved network, which the platform does not allow \
         (the platform admin can allow it: mail_allowed_hosts)"
    )]
    Restricted,
    #[error(
        "plain (unencrypted) connections go only to hosts the platform admin allowed \
         (mail_allowed_hosts); use tls or starttls"
    )]
    PlainNotAllowed,
}

/// The platform admin's allow list: host names (exact, case-insensitive)
/// and networks (`10.0.0.0/8`, `127.0.0.1`, `fd00::/8`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostPolicy {
    hosts: Vec<String>,
    nets: Vec<Net>,
}

impl FromStr for HostPolicy {
    type Err = String;

    /// A comma-separated list (the environment variable's form).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HostPolicy::parse(s.split(',').map(str::trim).filter(|e| !e.is_empty()))
    }
}

impl HostPolicy {
    /// Nothing allowed beyond public addresses: the default.
    pub fn public_only() -> HostPolicy {
        HostPolicy::default()
    }

    pub fn parse<S: AsRef<str>>(
        entries: impl IntoIterator<Item = S>,
    ) -> Result<HostPolicy, String> {
        let mut policy = HostPolicy::default();
        for entry in entries {
            let entry = entry.as_ref().trim();
            let bare = entry.trim_start_matches('[').trim_end_matches(']');
            if let Ok(net) = bare.parse::<Net>() {
                policy.nets.push(net);
            } else if valid_host_name(entry) {
                policy.hosts.push(entry.to_ascii_lowercase());
            } else {
                return Err(format!(
                    "{entry:?} is neither a host name nor an address or network (CIDR)"
                ));
            }
        }
        Ok(policy)
    }

    /// The entries, for logs and the README's example.
    pub fn entries(&self) -> Vec<String> {
        self.hosts
            .iter()
            .cloned()
            .chain(self.nets.iter().map(Net::to_string))
            .collect()
    }

    /// Whether the admin allowed this host by name, or its literal address.
    pub fn allows_host(&self, host: &str) -> bool {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        match bare.parse::<IpAddr>() {
            Ok(ip) => self.allows_addr(ip),
            Err(_) => self.hosts.iter().any(|h| h.eq_ignore_ascii_case(bare)),
        }
    }

    fn allows_addr(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.nets.iter().any(|net| net.contains(ip))
    }

    /// Whether `host` may be reached at `ip`: a public address, or one the
    /// admin allowed (by the host's name or the address's network).
    pub fn permits(&self, host: &str, ip: IpAddr) -> bool {
        !is_restricted(ip) || self.allows_addr(ip) || self.allows_host(host)
    }

    /// Whether an unencrypted connection to `host` is allowed: only to hosts
    /// the admin allowed, by name or by every one of its addresses.
    pub fn permits_plain(&self, host: &str, addrs: &[SocketAddr]) -> bool {
        self.allows_host(host)
            || (!addrs.is_empty() && addrs.iter().all(|a| self.allows_addr(a.ip())))
    }

    /// Settings check before anything is stored: plain text needs a host
    /// the admin allowed by name or literal address.
    pub fn check_plain_setting(&self, host: &str) -> Result<(), HostRefusal> {
        if self.allows_host(host) {
            Ok(())
        } else {
            Err(HostRefusal::PlainNotAllowed)
        }
    }

    /// Resolves `host` once and answers the addresses to connect to, all of
    /// them checked; refused when any is not permitted (a name that points
    /// into a private network partly is refused whole).
    pub async fn resolve(
        &self,
        host: &str,
        port: u16,
        plain: bool,
        timeout: Duration,
    ) -> Result<Vec<SocketAddr>, HostRefusal> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let addrs: Vec<SocketAddr> = match bare.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => tokio::time::timeout(timeout, tokio::net::lookup_host((bare, port)))
                .await
                .map_err(|_| HostRefusal::Timeout)?
                .map_err(|_| HostRefusal::Dns)?
                .collect(),
        };
        self.check_addrs(host, addrs, plain)
    }

    /// The check of `resolve` on addresses already looked up.
    pub fn check_addrs(
        &self,
        host: &str,
        addrs: Vec<SocketAddr>,
        plain: bool,
    ) -> Result<Vec<SocketAddr>, HostRefusal> {
        if addrs.is_empty() {
            return Err(HostRefusal::Dns);
        }
        if !addrs.iter().all(|a| self.permits(host, a.ip())) {
            return Err(HostRefusal::Restricted);
        }
        if plain && !self.permits_plain(host, &addrs) {
            return Err(HostRefusal::PlainNotAllowed);
        }
        Ok(addrs)
    }
}

/// Addresses a user-named host may not have unless the admin allows them:
/// this machine, private and shared networks, link-local (with the cloud
/// metadata endpoints), and anything not routable on the internet.
pub fn is_restricted(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => restricted_v4(v4),
        IpAddr::V6(v6) => restricted_v6(v6),
    }
}

fn restricted_v4(ip: Ipv4Addr) -> bool {
    let [a, b, _, _] = ip.octets();
    ip.is_unspecified()          // 0.0.0.0/8 (this network)
        || a == 0
        || ip.is_loopback()      // 127/8
        || ip.is_private()       // 10/8, 172.16/12, 192.168/16
        || ip.is_link_local()    // 169.254/16, with 169.254.169.254 (metadata)
        || (a == 100 && (64..128).contains(&b)) // 100.64/10 CGNAT
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // 192.0.0/24 IETF
        || (a == 198 && (b == 18 || b == 19)) // 198.18/15 benchmarking
        || ip.is_documentation()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a >= 240 // reserved
}

fn restricted_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // fc00::/7 unique-local, with fd00:ec2::254 (metadata)
        || (first & 0xffc0) == 0xfe80 // fe80::/10 link-local
        || (first & 0xffc0) == 0xfec0 // fec0::/10 site-local (deprecated)
        || (first == 0x2001 && ip.segments()[1] == 0x0db8) // documentation
        || (first == 0x0064 && ip.segments()[1] == 0xff9b) // 64:ff9b::/96 NAT64 (embeds IPv4)
        || ip.segments()[..6] == [0, 0, 0, 0, 0, 0] // IPv4-compatible (deprecated)
}

fn valid_host_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn restricted_ranges() {
        for s in [
            "127.0.0.1",
            "127.1.2.3",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fd00:ec2::254",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(is_restricted(ip(s)), "{s}");
        }
        for s in [
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "8.8.8.8",
            "2a00:1450:4001::1",
            "::ffff:8.8.8.8",
        ] {
            assert!(!is_restricted(ip(s)), "{s}");
        }
    }

    #[test]
    fn allow_list_by_name_and_network() {
        let policy = HostPolicy::parse(["Mail.Local", "10.0.0.0/8", "::1", "[fd00::1]"]).unwrap();
        assert!(policy.permits("mail.local", ip("192.168.0.5")));
        assert!(policy.permits("other", ip("10.9.9.9")));
        assert!(policy.permits("other", ip("::1")));
        assert!(policy.permits("other", ip("fd00::1")));
        assert!(!policy.permits("other", ip("127.0.0.1")));
        assert!(!policy.permits("other", ip("169.254.169.254")));
        assert!(policy.permits("imap.example.com", ip("1.1.1.1")));
        let addr = |s: &str| SocketAddr::new(ip(s), 143);
        assert!(policy.permits_plain("mail.local", &[addr("192.168.0.5")]));
        assert!(policy.permits_plain("x", &[addr("10.0.0.1")]));
        assert!(!policy.permits_plain("imap.example.com", &[addr("1.1.1.1")]));
        assert!(HostPolicy::parse(["bad host"]).is_err());
        assert!(HostPolicy::parse(["10.0.0.0/33"]).is_err());
        assert_eq!(
            "127.0.0.1, localhost"
                .parse::<HostPolicy>()
                .unwrap()
                .entries(),
            vec!["localhost".to_string(), "127.0.0.1/32".to_string()]
        );
        let open = HostPolicy::public_only();
        assert_eq!(
            open.check_addrs("x", vec![addr("1.1.1.1"), addr("127.0.0.1")], false),
            Err(HostRefusal::Restricted)
        );
        assert_eq!(
            open.check_addrs("x", vec![addr("1.1.1.1")], true),
            Err(HostRefusal::PlainNotAllowed)
        );
        assert_eq!(open.check_addrs("x", vec![], false), Err(HostRefusal::Dns));
    }
}
