//! Reading the proxy headers: `X-Forwarded-For` and RFC 7239 `Forwarded`.
//!
//! Each proxy appends the address it was connected from, so the header reads
//! client first, nearest proxy last, and anything to the left of what our own
//! proxies wrote is whatever the client chose to send. The walk therefore
//! starts from the right, skips our trusted proxies and stops at the first
//! address that is not one of them: that is the client. When every address
//! is a trusted one, the leftmost of them is. Nothing here fails: a header
//! that cannot be read gives the connection's own address.
//!
//! When both headers are present, `X-Forwarded-For` wins. nginx, HAProxy,
//! Caddy, Traefik and cloud load balancers all write it, and pass a
//! client's own `Forwarded` header through untouched: believing `Forwarded`
//! first would let any client behind them name itself any address. (A proxy
//! that writes only `Forwarded` must drop a client's `X-Forwarded-For`.)
use super::trusted::{Seen, TrustedProxies};
use super::ClientAddr;
use axum::http::HeaderMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Hops read at most, from the right: a header of thousands of entries costs
/// no more than this. Past it the leftmost hop read stands in for the client.
pub const MAX_HOPS: usize = 16;

/// A `Forwarded` header longer than this is not read (it must be tokenised
/// whole, quotes and all, before its last element can be found).
const MAX_FORWARDED_BYTES: usize = 8 * 1024;

/// One hop as a proxy reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    Ip(IpAddr),
    /// `unknown`: the proxy did not know.
    Unknown,
    /// `_hidden`: an obfuscated identifier (RFC 7239 §6.3).
    Obfuscated,
}

pub(super) fn resolve(trusted: &TrustedProxies, peer: IpAddr, headers: &HeaderMap) -> Seen {
    let peer = peer.to_canonical();
    if !trusted.contains(peer) {
        return Seen {
            client: ClientAddr::new(peer),
            host: None,
        };
    }
    Seen {
        client: ClientAddr::new(client_ip(trusted, peer, headers)),
        host: forwarded_host(headers),
    }
}

fn client_ip(trusted: &TrustedProxies, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    if let Some(xff) = joined(headers, "x-forwarded-for") {
        let Some(xff) = xff else { return peer };
        return walk(
            trusted,
            peer,
            xff.rsplit(',').map(|hop| parse_node(unquoted(hop.trim()))),
        );
    }
    if let Some(forwarded) = joined(headers, "forwarded") {
        let Some(elements) = forwarded.as_deref().and_then(parse_forwarded) else {
            return peer;
        };
        return walk(
            trusted,
            peer,
            elements
                .iter()
                .rev()
                .map(|element| value_of(element, "for").and_then(parse_node)),
        );
    }
    peer
}

/// The walk from the right; `hops` nearest first, `None` for one that
/// cannot be read.
fn walk(
    trusted: &TrustedProxies,
    peer: IpAddr,
    hops: impl Iterator<Item = Option<Node>>,
) -> IpAddr {
    let mut farthest_trusted = None;
    for hop in hops.take(MAX_HOPS) {
        match hop {
            Some(Node::Ip(ip)) => {
                let ip = ip.to_canonical();
                if trusted.contains(ip) {
                    farthest_trusted = Some(ip);
                } else {
                    return ip;
                }
            }
            // A proxy we trust (everything to the right was one) could not or
            // would not name the client, or wrote something unreadable: the
            // connection is all we know.
            Some(Node::Unknown | Node::Obfuscated) | None => return peer,
        }
    }
    farthest_trusted.unwrap_or(peer)
}

/// The host the browser asked for, as the nearest proxy reports it.
fn forwarded_host(headers: &HeaderMap) -> Option<String> {
    let host = match joined(headers, "x-forwarded-host") {
        Some(value) => value?.rsplit(',').next()?.trim().to_owned(),
        None => {
            let forwarded = joined(headers, "forwarded")??;
            let elements = parse_forwarded(&forwarded)?;
            value_of(elements.last()?, "host")?.to_owned()
        }
    };
    let plausible = !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    plausible.then_some(host)
}

/// Every line of a header, joined with commas as HTTP allows: `None` when
/// absent, `Some(None)` when a line is not text.
fn joined(headers: &HeaderMap, name: &str) -> Option<Option<String>> {
    let mut lines = headers.get_all(name).iter().peekable();
    lines.peek()?;
    let mut out = String::new();
    for line in lines {
        let Ok(text) = line.to_str() else {
            return Some(None);
        };
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(text);
    }
    Some(Some(out))
}

fn unquoted(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

/// A node as written in `for=` or `X-Forwarded-For`, quotes removed:
/// `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]`, `[2001:db8::1]:4711`,
/// `2001:db8::1` (the usual `X-Forwarded-For` form), `unknown`, `_hidden`.
pub fn parse_node(s: &str) -> Option<Node> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("unknown") {
        return Some(Node::Unknown);
    }
    if s.starts_with('_') {
        let (name, port) = s.split_once(':').unwrap_or((s, ""));
        return (obfuscated(name) && (port.is_empty() || port_ok(port)))
            .then_some(Node::Obfuscated);
    }
    if let Some(rest) = s.strip_prefix('[') {
        let (ip, after) = rest.split_once(']')?;
        let ip: Ipv6Addr = ip.parse().ok()?;
        if !after.is_empty() && !port_ok(after.strip_prefix(':')?) {
            return None;
        }
        return Some(Node::Ip(IpAddr::V6(ip)));
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(Node::Ip(ip));
    }
    let (ip, port) = s.split_once(':')?;
    let ip: Ipv4Addr = ip.parse().ok()?;
    port_ok(port).then_some(Node::Ip(IpAddr::V4(ip)))
}

/// `_` then letters, digits, `.`, `_`, `-` (RFC 7239 `obfnode`).
fn obfuscated(s: &str) -> bool {
    s.len() > 1
        && s.starts_with('_')
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// A port number, or an obfuscated one.
fn port_ok(p: &str) -> bool {
    (!p.is_empty()
        && p.len() <= 5
        && p.bytes().all(|b| b.is_ascii_digit())
        && p.parse::<u16>().is_ok())
        || obfuscated(p)
}

/// One `Forwarded` element's pairs, names lowercased, values unquoted.
type Element = Vec<(String, String)>;

fn value_of<'a>(element: &'a Element, name: &str) -> Option<&'a str> {
    element
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// `for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8:cafe::17]:4711"`
/// into its elements; `None` when any part is malformed (an open quote, a
/// pair without `=`, a bare value that is not a token).
fn parse_forwarded(header: &str) -> Option<Vec<Element>> {
    if header.len() > MAX_FORWARDED_BYTES {
        return None;
    }
    let mut elements = Vec::new();
    for element in split_outside_quotes(header, ',')? {
        let mut pairs = Vec::new();
        for pair in split_outside_quotes(element, ';')? {
            let pair = pair.trim();
            // The grammar allows empty pairs (`for=a;;proto=b`).
            if pair.is_empty() {
                continue;
            }
            let (name, value) = pair.split_once('=')?;
            let name = name.trim();
            if name.is_empty() || !name.bytes().all(is_tchar) {
                return None;
            }
            pairs.push((name.to_ascii_lowercase(), unquote(value.trim())?));
        }
        elements.push(pairs);
    }
    Some(elements)
}

fn split_outside_quotes(s: &str, separator: char) -> Option<Vec<&str>> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == separator && !quoted => {
                parts.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    if quoted {
        return None;
    }
    parts.push(&s[start..]);
    Some(parts)
}

/// A token, or a quoted string with its `\` escapes undone. Tokens may also
/// hold `:`, `[` and `]`: proxies write `for=192.0.2.1:80` unquoted often
/// enough, and refusing it would gain nothing.
fn unquote(value: &str) -> Option<String> {
    if let Some(inner) = value.strip_prefix('"') {
        let inner = inner.strip_suffix('"')?;
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => out.push(chars.next()?),
                '"' => return None,
                c => out.push(c),
            }
        }
        return Some(out);
    }
    let token = !value.is_empty()
        && value
            .bytes()
            .all(|b| is_tchar(b) || matches!(b, b':' | b'[' | b']'));
    token.then(|| value.to_owned())
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const PEER: &str = "127.0.0.1";

    fn trusted() -> TrustedProxies {
        TrustedProxies::parse("127.0.0.1, 10.0.0.0/8, ::1").unwrap()
    }

    fn client_from(peer: &str, headers: &[(&'static str, &str)]) -> String {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        trusted()
            .resolve(peer.parse().unwrap(), &map)
            .client
            .to_string()
    }

    fn xff(value: &str) -> String {
        client_from(PEER, &[("x-forwarded-for", value)])
    }

    fn fwd(value: &str) -> String {
        client_from(PEER, &[("forwarded", value)])
    }

    #[test]
    fn only_a_trusted_peer_is_believed() {
        assert_eq!(
            client_from("203.0.113.50", &[("x-forwarded-for", "198.51.100.9")]),
            "203.0.113.50"
        );
        assert_eq!(
            client_from("203.0.113.50", &[("forwarded", "for=198.51.100.9")]),
            "203.0.113.50"
        );
        assert_eq!(xff("198.51.100.9"), "198.51.100.9");
        assert_eq!(
            client_from("::ffff:127.0.0.1", &[("x-forwarded-for", "198.51.100.9")]),
            "198.51.100.9"
        );
        assert_eq!(
            client_from(PEER, &[]),
            PEER,
            "a trusted proxy that says nothing"
        );
    }

    #[test]
    fn x_forwarded_for_is_walked_from_the_right() {
        // What a client prepends (a spoofed leftmost entry) is never reached.
        assert_eq!(xff("1.2.3.4, 198.51.100.9"), "198.51.100.9");
        assert_eq!(xff("127.0.0.1, 198.51.100.9"), "198.51.100.9");
        // Our own proxies in a chain are skipped.
        assert_eq!(xff("198.51.100.9, 10.0.0.5, 10.0.0.6"), "198.51.100.9");
        assert_eq!(xff("1.2.3.4,198.51.100.9,10.0.0.5"), "198.51.100.9");
        // All trusted: the leftmost.
        assert_eq!(xff("10.0.0.9, 10.0.0.5"), "10.0.0.9");
        // Several header lines are one list, in order.
        assert_eq!(
            client_from(
                PEER,
                &[
                    ("x-forwarded-for", "1.2.3.4"),
                    ("x-forwarded-for", "198.51.100.9, 10.0.0.5")
                ]
            ),
            "198.51.100.9"
        );
    }

    #[test]
    fn x_forwarded_for_forms() {
        assert_eq!(xff("198.51.100.9:5555"), "198.51.100.9");
        assert_eq!(xff("2001:db8::1"), "2001:db8::1");
        assert_eq!(xff("[2001:db8::1]"), "2001:db8::1");
        assert_eq!(xff("[2001:db8::1]:4711"), "2001:db8::1");
        assert_eq!(xff("\"[2001:db8::1]:4711\""), "2001:db8::1");
        assert_eq!(xff("::ffff:198.51.100.9"), "198.51.100.9");
        assert_eq!(xff(" 198.51.100.9 "), "198.51.100.9");
    }

    #[test]
    fn unreadable_hops_give_the_connection() {
        for value in [
            "",
            "garbage",
            "198.51.100.9, garbage",
            "198.51.100.9,,",
            "198.51.100.9, unknown",
            "198.51.100.9, _hidden",
            "198.51.100.9:99999",
            "[2001:db8::1",
            "[2001:db8::1]x",
            "fe80::1%eth0",
            "198.51.100.9:",
        ] {
            assert_eq!(xff(value), PEER, "{value:?}");
        }
        // Garbage the client wrote to the left of the client is never read.
        assert_eq!(xff("garbage, 198.51.100.9"), "198.51.100.9");
        assert_eq!(xff("unknown, 198.51.100.9, 10.0.0.5"), "198.51.100.9");
    }

    #[test]
    fn too_many_hops_are_capped() {
        let mut chain = vec!["198.51.100.9"];
        chain.extend(std::iter::repeat("10.0.0.5").take(MAX_HOPS + 4));
        assert_eq!(
            xff(&chain.join(", ")),
            "10.0.0.5",
            "past MAX_HOPS trusted hops, the leftmost one read stands in"
        );
        let mut chain = vec!["198.51.100.9"];
        chain.extend(std::iter::repeat("10.0.0.5").take(MAX_HOPS - 1));
        assert_eq!(xff(&chain.join(", ")), "198.51.100.9", "within the cap");
        let long = format!("{}198.51.100.9", "1.2.3.4, ".repeat(10_000));
        assert_eq!(
            xff(&long),
            "198.51.100.9",
            "a long spoofed prefix costs nothing"
        );
    }

    #[test]
    fn forwarded_for() {
        assert_eq!(fwd("for=198.51.100.9"), "198.51.100.9");
        assert_eq!(
            fwd("for=192.0.2.60;proto=http;by=203.0.113.43"),
            "192.0.2.60"
        );
        assert_eq!(fwd("For=\"198.51.100.9:4711\""), "198.51.100.9");
        assert_eq!(fwd("for=\"[2001:db8:cafe::17]\""), "2001:db8:cafe::17");
        assert_eq!(fwd("for=\"[2001:db8::1]:4711\""), "2001:db8::1");
        assert_eq!(fwd("for=\"[2001:db8::1]:_port\""), "2001:db8::1");
        assert_eq!(fwd("for=1.2.3.4, for=198.51.100.9"), "198.51.100.9");
        assert_eq!(
            fwd("for=198.51.100.9, for=10.0.0.5;proto=https"),
            "198.51.100.9"
        );
        assert_eq!(fwd("for=198.51.100.9;;proto=https"), "198.51.100.9");
        // A comma or semicolon inside quotes separates nothing.
        assert_eq!(fwd("for=198.51.100.9;ext=\"a,b;c\""), "198.51.100.9");
        assert_eq!(
            client_from(
                PEER,
                &[
                    ("forwarded", "for=1.2.3.4"),
                    ("forwarded", "for=198.51.100.9")
                ]
            ),
            "198.51.100.9"
        );
        for value in [
            "for=unknown",
            "for=198.51.100.9, for=unknown",
            "for=_hidden",
            "for=\"_SEVKISEK:_port\"",
            "for=198.51.100.9, for=_hidden",
            "for=\"198.51.100.9",
            "for",
            "=198.51.100.9",
            "for=198.51.100.9 x",
            "proto=https",
            "for=\"[2001:db8::1]:4711\\\"",
            "for=garbage",
        ] {
            assert_eq!(fwd(value), PEER, "{value:?}");
        }
        // Unknown or hidden hops to the left of the client are never read.
        assert_eq!(fwd("for=unknown, for=198.51.100.9"), "198.51.100.9");
        assert_eq!(fwd("for=_hidden, for=198.51.100.9"), "198.51.100.9");
        assert_eq!(fwd(&"x".repeat(MAX_FORWARDED_BYTES + 1)), PEER);
    }

    #[test]
    fn x_forwarded_for_wins_over_forwarded() {
        assert_eq!(
            client_from(
                PEER,
                &[
                    ("forwarded", "for=1.2.3.4"),
                    ("x-forwarded-for", "198.51.100.9")
                ]
            ),
            "198.51.100.9"
        );
    }

    #[test]
    fn forwarded_host_only_from_a_trusted_proxy() {
        let host = |peer: &str, headers: &[(&'static str, &str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in headers {
                map.append(*name, HeaderValue::from_str(value).unwrap());
            }
            trusted().resolve(peer.parse().unwrap(), &map).host
        };
        assert_eq!(
            host(PEER, &[("x-forwarded-host", "shop.example")]),
            Some("shop.example".into())
        );
        assert_eq!(
            host(
                PEER,
                &[("x-forwarded-host", "evil.example, shop.example:8443")]
            ),
            Some("shop.example:8443".into())
        );
        assert_eq!(
            host(
                PEER,
                &[("forwarded", "for=1.2.3.4;host=shop.example;proto=https")]
            ),
            Some("shop.example".into())
        );
        assert_eq!(
            host(PEER, &[("forwarded", "host=evil.example, for=1.2.3.4")]),
            None,
            "the nearest element's host only"
        );
        assert_eq!(
            host(PEER, &[("x-forwarded-host", "shop.example/<script>")]),
            None
        );
        assert_eq!(host(PEER, &[]), None);
        assert_eq!(
            host("203.0.113.50", &[("x-forwarded-host", "shop.example")]),
            None
        );
    }

    #[test]
    fn nodes() {
        assert_eq!(parse_node("unknown"), Some(Node::Unknown));
        assert_eq!(parse_node("UNKNOWN"), Some(Node::Unknown));
        assert_eq!(parse_node("_abc-1.x"), Some(Node::Obfuscated));
        assert_eq!(parse_node("_"), None);
        assert_eq!(parse_node("_a b"), None);
        assert_eq!(
            parse_node("192.0.2.1:0"),
            Some(Node::Ip("192.0.2.1".parse().unwrap()))
        );
        assert_eq!(
            parse_node("192.0.2.1:_p"),
            Some(Node::Ip("192.0.2.1".parse().unwrap()))
        );
        assert_eq!(
            parse_node("[::1]:65535"),
            Some(Node::Ip("::1".parse().unwrap()))
        );
        assert_eq!(parse_node("[::1]:65536"), None);
        assert_eq!(parse_node("[192.0.2.1]"), None);
        assert_eq!(
            parse_node("2001:db8::1:80"),
            Some(Node::Ip("2001:db8::1:80".parse().unwrap())),
            "a bare IPv6 address has no port"
        );
    }
}
