//! IP addresses and networks as settings name them: one parser and one
//! notion of "the same address" for every list of networks (the mail host
//! allow list, trusted proxies).

use std::net::IpAddr;
use std::str::FromStr;

/// An address or a network (`10.0.0.0/8`, `::1`, `[fd00::]/8`), host bits
/// cleared, IPv4-mapped IPv6 networks as the IPv4 networks they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct Net(ipnet::IpNet);

impl Net {
    /// Whether `ip` lies in this network (IPv4-mapped IPv6 counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&canonical(ip))
    }
}

impl std::fmt::Display for Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<IpAddr> for Net {
    fn from(ip: IpAddr) -> Self {
        Net(ipnet::IpNet::from(canonical(ip)))
    }
}

impl FromStr for Net {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let bare = s.trim_start_matches('[').replacen(']', "", 1);
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Ok(Net::from(ip));
        }
        let net = bare.parse::<ipnet::IpNet>().map_err(|_| {
            format!("{s:?} is not an IP address or CIDR network (prefix length 0 to 32 / 128)")
        })?;
        Ok(Net(match net {
            ipnet::IpNet::V6(v6) => match v6.addr().to_ipv4_mapped() {
                Some(v4) if v6.prefix_len() >= 96 => ipnet::IpNet::V4(
                    ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96).map_err(|e| e.to_string())?,
                ),
                _ => net,
            },
            v4 => v4,
        }
        .trunc()))
    }
}

impl TryFrom<String> for Net {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// A comma-separated list, as a flag or an environment variable gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Nets(pub Vec<Net>);

impl FromStr for Nets {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map(Nets)
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) as the IPv4 address
/// they are.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn networks_parse_and_match() {
        let n: Net = "10.0.0.0/8".parse().expect("net");
        assert!(n.contains(ip("10.200.1.2")));
        assert!(n.contains(ip("::ffff:10.1.1.1")));
        assert!(!n.contains(ip("11.0.0.1")));
        let one: Net = "192.168.1.5".parse().expect("addr");
        assert!(one.contains(ip("192.168.1.5")) && !one.contains(ip("192.168.1.6")));
        let v6: Net = "fd00::/8".parse().expect("v6");
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        let bracketed: Net = "[::1]".parse().expect("bracketed");
        assert!(bracketed.contains(ip("::1")));
        let mapped: Net = "::ffff:10.0.0.0/104".parse().expect("mapped");
        assert!(mapped.contains(ip("10.9.9.9")));
        let odd: Net = "172.16.0.0/12".parse().expect("odd prefix");
        assert!(odd.contains(ip("172.31.255.1")) && !odd.contains(ip("172.32.0.1")));
        let host_bits: Net = "10.1.2.3/8".parse().expect("host bits");
        assert_eq!(host_bits.to_string(), "10.0.0.0/8");
        assert!("10.0.0.0/33".parse::<Net>().is_err());
        assert!("proxy.example".parse::<Net>().is_err());
        assert_eq!(
            " 127.0.0.1, ::1 ,".parse::<Nets>().expect("nets").0.len(),
            2
        );
    }
}
