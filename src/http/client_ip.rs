//! The client's address behind reverse proxies.
//!
//! `Forwarded` and `X-Forwarded-For` are believed only when the socket peer
//! is one of the configured `trusted_proxies`: then the hops are read from
//! the right, each trusted proxy's claim taken in turn, and the first
//! address that is not a trusted proxy is the client (the rightmost
//! untrusted hop; anything left of it may be forged by the client). Without
//! trusted proxies the socket peer is the client, whatever the headers say.

use std::net::IpAddr;

use actix_web::http::header::HeaderMap;
use actix_web::{HttpRequest, web};

use crate::net::ip::{Net, canonical};
use crate::state::AppState;

/// The client address of a request, by the server's `trusted_proxies`.
pub fn of_request(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let trusted = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.config.trusted_proxies.as_slice())
        .unwrap_or_default();
    Some(resolve(peer, req.headers(), trusted))
}

/// The client behind `peer` (see the module comment).
pub fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &[Net]) -> IpAddr {
    let peer = canonical(peer);
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let hops = forwarded_for(headers);
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop {
            // A hop that names no address (`unknown`, an obfuscated name,
            // garbage): the proxy that saw it is the last one known.
            None => return client,
            Some(ip) => {
                client = canonical(*ip);
                if !is_trusted(client) {
                    return client;
                }
            }
        }
    }
    client
}

/// The hops, leftmost first: from `Forwarded` where it is sent, otherwise
/// from `X-Forwarded-For`.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<&str> = headers
        .get_all("forwarded")
        .filter_map(|v| v.to_str().ok())
        .collect();
    if !forwarded.is_empty() {
        let mut hops = Vec::new();
        for element in forwarded.iter().flat_map(|line| line.split(',')) {
            // Each element may carry several `;`-separated pairs; `for` is
            // the client of that hop. An element without `for` is a hop we
            // cannot place.
            let value = element.split(';').find_map(|pair| {
                let (name, value) = pair.split_once('=')?;
                name.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| value.trim())
            });
            hops.push(value.and_then(node_address));
        }
        return hops;
    }
    headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(','))
        .map(|hop| node_address(hop.trim()))
        .collect()
}

/// `192.0.2.1`, `"192.0.2.1:4711"`, `"[2001:db8::1]:4711"`, `2001:db8::1`.
fn node_address(value: &str) -> Option<IpAddr> {
    let value = value.trim().trim_matches('"');
    if let Some(rest) = value.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    if let Ok(ip) = value.parse() {
        return Some(ip);
    }
    // IPv4 with a port.
    let (host, port) = value.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    fn nets(s: &str) -> Vec<Net> {
        s.parse::<crate::net::ip::Nets>().expect("nets").0
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn headers_count_only_from_trusted_peers() {
        let h = headers(&[("x-forwarded-for", "203.0.113.9")]);
        // No trusted proxies: the peer, whatever the header says.
        assert_eq!(resolve(ip("127.0.0.1"), &h, &[]), ip("127.0.0.1"));
        // A peer that is not trusted cannot claim another address.
        assert_eq!(
            resolve(ip("198.51.100.7"), &h, &nets("127.0.0.1")),
            ip("198.51.100.7")
        );
        assert_eq!(
            resolve(ip("127.0.0.1"), &h, &nets("127.0.0.1")),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let trusted = nets("127.0.0.1, 10.0.0.0/8");
        // The client forged the first entry; proxy 10.0.0.2 added the real one.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.0.0.2")]);
        assert_eq!(resolve(ip("127.0.0.1"), &h, &trusted), ip("203.0.113.9"));
        // Forwarded wins over X-Forwarded-For, with quoting and ports.
        let h = headers(&[
            (
                "forwarded",
                "for=1.2.3.4, for=\"[2001:db8::7]:4711\";proto=https",
            ),
            ("forwarded", "for=\"10.0.0.2:1234\""),
            ("x-forwarded-for", "198.51.100.1"),
        ]);
        assert_eq!(resolve(ip("127.0.0.1"), &h, &trusted), ip("2001:db8::7"));
        // An unknown hop: the proxy that saw it is the last address known.
        let h = headers(&[("forwarded", "for=unknown, for=10.0.0.2")]);
        assert_eq!(resolve(ip("127.0.0.1"), &h, &trusted), ip("10.0.0.2"));
        // No header from a trusted proxy: the proxy itself.
        assert_eq!(
            resolve(ip("127.0.0.1"), &HeaderMap::new(), &trusted),
            ip("127.0.0.1")
        );
    }
}
