//! Who is calling, when Settle sits behind a TLS proxy. Every connection then
//! comes from the proxy, so the client's address is what the proxy says it is
//! (`X-Forwarded-For`, or RFC 7239 `Forwarded`), believed only from the
//! proxies listed in `SETTLE_TRUSTED_PROXIES`: from anyone else the headers
//! are ignored, or any client could name itself any address it liked.
//!
//! The scheme is never taken from the proxy: `SETTLE_PUBLIC_URL` alone
//! decides HSTS, `Secure` cookies and the links in emails. The host a trusted
//! proxy reports (`X-Forwarded-Host`, `Forwarded: host=`) is used by the
//! cross-site check, for a proxy that rewrites `Host`.
//!
//! [`resolve_client`] runs once per request and leaves a [`ClientAddr`] in the
//! request's extensions. Axum handlers take it as an extractor; a server fn
//! reads it with `leptos_axum::extract::<ClientAddr>()`.
mod forwarded;
mod trusted;

pub use forwarded::{parse_node, Node, MAX_HOPS};
pub use trusted::{IpNet, Seen, TrustedProxies, TrustedProxyError};

use axum::{
    extract::{ConnectInfo, FromRequestParts, Request, State},
    http::{request::Parts, StatusCode},
    middleware::Next,
    response::Response,
};
use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// The address a request comes from, as far as Settle can tell: the TCP
/// peer, or the client a trusted proxy names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddr(IpAddr);

impl ClientAddr {
    /// IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`, what a dual-stack
    /// socket reports) become plain IPv4, so one client is one address.
    pub fn new(ip: IpAddr) -> ClientAddr {
        ClientAddr(ip.to_canonical())
    }

    pub fn ip(self) -> IpAddr {
        self.0
    }

    /// What throttles count by: an IPv4 address, or an IPv6 address's /64.
    /// One subscriber is usually handed a whole /64, so counting single IPv6
    /// addresses would give each of them 2^64 allowances.
    pub fn bucket(self) -> String {
        match self.0 {
            IpAddr::V4(ip) => ip.to_string(),
            IpAddr::V6(ip) => {
                let network = u128::from(ip) & (u128::MAX << 64);
                format!("{}/64", Ipv6Addr::from(network))
            }
        }
    }
}

impl From<IpAddr> for ClientAddr {
    fn from(ip: IpAddr) -> Self {
        ClientAddr::new(ip)
    }
}

impl fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The host a trusted proxy says the browser asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardedHost(pub String);

/// Middleware: works out the client (and the forwarded host) once, from the
/// connection and, when it comes from a trusted proxy, the proxy's headers.
/// Never refuses a request: what cannot be read is the connection's address.
pub async fn resolve_client(
    State(trusted): State<Arc<TrustedProxies>>,
    mut req: Request,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| peer.ip());
    if let Some(peer) = peer {
        warn_untrusted_forwarding(&trusted, peer, req.headers());
        let seen = trusted.resolve(peer, req.headers());
        req.extensions_mut().insert(seen.client);
        if let Some(host) = seen.host {
            req.extensions_mut().insert(ForwardedHost(host));
        }
    }
    next.run(req).await
}

/// Forwarding headers from a peer that is not listed are ignored, which is
/// right for a client forging them, but also what a proxy left out of
/// `SETTLE_TRUSTED_PROXIES` looks like (nginx over `::1` with only
/// `127.0.0.1` listed, a container bridge): every customer then shares the
/// proxy's address. Said once per process, in the log the owner reads.
fn warn_untrusted_forwarding(
    trusted: &TrustedProxies,
    peer: IpAddr,
    headers: &axum::http::HeaderMap,
) {
    static WARNED: std::sync::Once = std::sync::Once::new();
    let forwarded = headers.contains_key("x-forwarded-for") || headers.contains_key("forwarded");
    if forwarded && !trusted.contains(peer) && !WARNED.is_completed() {
        WARNED.call_once(|| {
            tracing::warn!(
                %peer,
                "a request from {peer} carries X-Forwarded-For or Forwarded, which Settle ignores: \
                 if {peer} is your proxy, add it to SETTLE_TRUSTED_PROXIES, or every client counts as {peer}"
            );
        });
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        if let Some(client) = parts.extensions.get::<ClientAddr>() {
            return Ok(*client);
        }
        // A router served without `resolve_client`: the connection is all
        // there is, and it is never a header anyone could forge.
        if let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            return Ok(ClientAddr::new(peer.ip()));
        }
        tracing::error!("no client address: the router is served without connect info");
        Err(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets() {
        let v4 = ClientAddr::new("203.0.113.7".parse().unwrap());
        assert_eq!(v4.bucket(), "203.0.113.7");
        let mapped = ClientAddr::new("::ffff:203.0.113.7".parse().unwrap());
        assert_eq!(mapped, v4, "an IPv4-mapped address is the IPv4 client");
        let a = ClientAddr::new("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = ClientAddr::new("2001:db8:1:2:bbbb::9".parse().unwrap());
        let other = ClientAddr::new("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a.bucket(), "2001:db8:1:2::/64");
        assert_eq!(a.bucket(), b.bucket(), "one /64, one allowance");
        assert_ne!(a.bucket(), other.bucket());
    }
}
