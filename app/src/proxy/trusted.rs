//! `SETTLE_TRUSTED_PROXIES`: the proxies whose word about the client is
//! believed, as addresses and CIDR ranges, IPv4 and IPv6.
use super::{forwarded, ClientAddr};
use axum::http::HeaderMap;
use std::fmt;
use std::net::IpAddr;

/// An address range: `10.0.0.0/8`, `::1/128`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    /// Already masked to the prefix.
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// `127.0.0.1`, `10.0.0.0/8`, `::1`, `[::1]`, `2001:db8::/32`. Bits past
    /// the prefix are ignored (`10.1.2.3/8` is `10.0.0.0/8`), as in nginx's
    /// `set_real_ip_from`. A /0 is refused: it would believe every client.
    pub fn parse(entry: &str) -> Result<IpNet, &'static str> {
        let (addr, prefix) = match entry.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (entry, None),
        };
        let addr = addr
            .strip_prefix('[')
            .and_then(|a| a.strip_suffix(']'))
            .unwrap_or(addr);
        let addr: IpAddr = addr.parse().map_err(|_| "not an IP address")?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => {
                if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return Err("the prefix length after / must be a number");
                }
                let p: u8 = p
                    .parse()
                    .map_err(|_| "the prefix length after / must be a number")?;
                if p > max {
                    return Err(if max == 32 {
                        "the prefix length must be at most 32 for IPv4"
                    } else {
                        "the prefix length must be at most 128 for IPv6"
                    });
                }
                p
            }
        };
        // Peers are compared in their IPv4 form (see `ClientAddr::new`), so an
        // IPv4-mapped range (`::ffff:10.0.0.0/104`) means the IPv4 range.
        let (addr, prefix) = match addr {
            IpAddr::V6(v6) if prefix >= 96 => match v6.to_ipv4_mapped() {
                Some(v4) => (IpAddr::V4(v4), prefix - 96),
                None => (addr, prefix),
            },
            _ => (addr, prefix),
        };
        if prefix == 0 {
            return Err(
                "a /0 range trusts every address, so any client could name itself any address",
            );
        }
        Ok(IpNet {
            addr: masked(addr, prefix),
            prefix,
        })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                u32::from(ip) & v4_mask(self.prefix) == u32::from(net)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                u128::from(ip) & v6_mask(self.prefix) == u128::from(net)
            }
            _ => false,
        }
    }
}

fn v4_mask(prefix: u8) -> u32 {
    match prefix {
        0 => 0,
        p => u32::MAX << (32 - u32::from(p.min(32))),
    }
}

fn v6_mask(prefix: u8) -> u128 {
    match prefix {
        0 => 0,
        p => u128::MAX << (128 - u32::from(p.min(128))),
    }
}

fn masked(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(ip) => IpAddr::V4((u32::from(ip) & v4_mask(prefix)).into()),
        IpAddr::V6(ip) => IpAddr::V6((u128::from(ip) & v6_mask(prefix)).into()),
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// The parsed `SETTLE_TRUSTED_PROXIES`; empty (the default) trusts nobody.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    nets: Vec<IpNet>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{entry}\" is not an address or CIDR range: {reason} (expected e.g. 127.0.0.1, 10.0.0.0/8, ::1)")]
pub struct TrustedProxyError {
    pub entry: String,
    pub reason: &'static str,
}

/// What a request says about its client once the proxy rule is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub client: ClientAddr,
    /// Only from a trusted proxy.
    pub host: Option<String>,
}

impl TrustedProxies {
    /// A comma-separated list (`127.0.0.1, 10.0.0.0/8, ::1`); empty entries
    /// are skipped, a bad one is refused by name.
    pub fn parse(list: &str) -> Result<TrustedProxies, TrustedProxyError> {
        let mut nets = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let net = IpNet::parse(entry).map_err(|reason| TrustedProxyError {
                entry: entry.chars().take(100).collect(),
                reason,
            })?;
            nets.push(net);
        }
        Ok(TrustedProxies { nets })
    }

    pub fn is_empty(&self) -> bool {
        self.nets.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.nets.iter().any(|net| net.contains(ip))
    }

    /// The client of a request that reached us from `peer` with `headers`.
    pub fn resolve(&self, peer: IpAddr, headers: &HeaderMap) -> Seen {
        forwarded::resolve(self, peer, headers)
    }
}

impl fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nets.is_empty() {
            return f.write_str("none");
        }
        for (i, net) in self.nets.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            net.fmt(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn parses_addresses_and_ranges_of_both_families() {
        let t = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8, ::1,2001:db8::/32 ,").unwrap();
        assert_eq!(
            t.to_string(),
            "127.0.0.1/32, 10.0.0.0/8, ::1/128, 2001:db8::/32"
        );
        assert!(t.contains(ip("127.0.0.1")));
        assert!(!t.contains(ip("127.0.0.2")));
        assert!(t.contains(ip("10.255.0.1")));
        assert!(!t.contains(ip("11.0.0.1")));
        assert!(t.contains(ip("::1")));
        assert!(t.contains(ip("2001:db8:ffff::5")));
        assert!(!t.contains(ip("2001:db9::5")));
        assert!(
            t.contains(ip("::ffff:127.0.0.1")),
            "a dual-stack socket's IPv4-mapped peer"
        );
        assert!(!t.contains(ip("::ffff:127.0.0.2")));
    }

    #[test]
    fn odd_but_valid_forms() {
        let t = TrustedProxies::parse("[::1], 10.1.2.3/8, ::ffff:192.168.0.0/112").unwrap();
        assert!(t.contains(ip("::1")));
        assert!(
            t.contains(ip("10.9.9.9")),
            "bits past the prefix are ignored"
        );
        assert!(
            t.contains(ip("192.168.7.7")),
            "an IPv4-mapped range is the IPv4 range"
        );
        assert!(!t.contains(ip("192.169.0.1")));
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        assert!(TrustedProxies::parse(" , ").unwrap().is_empty());
        assert_eq!(TrustedProxies::default().to_string(), "none");
    }

    #[test]
    fn refuses_a_bad_entry_by_name() {
        for (list, entry) in [
            ("127.0.0.1, banana", "banana"),
            ("10.0.0.0/33", "10.0.0.0/33"),
            ("::1/129", "::1/129"),
            ("10.0.0.0/", "10.0.0.0/"),
            ("10.0.0.0/x", "10.0.0.0/x"),
            ("10.0.0.0/-1", "10.0.0.0/-1"),
            ("0.0.0.0/0", "0.0.0.0/0"),
            ("::/0", "::/0"),
            ("localhost", "localhost"),
            ("127.0.0.1:80", "127.0.0.1:80"),
            ("fe80::1%eth0", "fe80::1%eth0"),
        ] {
            let err = TrustedProxies::parse(list).unwrap_err();
            assert_eq!(err.entry, entry, "{list}");
            assert!(
                err.to_string().starts_with(&format!("\"{entry}\"")),
                "{err}"
            );
        }
    }
}
