//! The outbound policy: which URLs and addresses the server may call when an
//! organisation admin types in a URL (the DataPact API URL), so that setting
//! cannot be used to reach the server's own network (SSRF).
//!
//! The rules:
//! - only `https` URLs, unless the URL's host (name or IP) is on the allow
//!   list, in which case plain `http` is allowed too;
//! - no loopback, private, link-local, unique-local, unspecified, CGNAT,
//!   multicast, broadcast, documentation or reserved addresses (nor their
//!   IPv4-mapped IPv6 forms), checked after DNS resolution on every
//!   connection, unless the host name or the address is on the allow list.
//!
//! The allow list comes from the `CMMC_OUTBOUND_ALLOW` setting: host names
//! (matched exactly, ignoring case), IP addresses and CIDRs, separated by
//! commas or white space.

use std::error::Error as StdError;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// The most redirects one call follows.
const MAX_REDIRECTS: usize = 5;

/// What the resolver's future fails with.
type BoxError = Box<dyn StdError + Send + Sync>;

/// IPv4 ranges never called unless allowed: network, prefix length, why.
/// The first match wins, so the broadcast address comes before 240.0.0.0/4.
const V4_FORBIDDEN: &[([u8; 4], u8, &str)] = &[
    ([255, 255, 255, 255], 32, "broadcast"),
    ([0, 0, 0, 0], 8, "unspecified"),
    ([10, 0, 0, 0], 8, "private"),
    ([100, 64, 0, 0], 10, "carrier-grade NAT"),
    ([127, 0, 0, 0], 8, "loopback"),
    ([169, 254, 0, 0], 16, "link-local"),
    ([172, 16, 0, 0], 12, "private"),
    ([192, 0, 0, 0], 24, "reserved"),
    ([192, 0, 2, 0], 24, "documentation"),
    ([192, 88, 99, 0], 24, "reserved"),
    ([192, 168, 0, 0], 16, "private"),
    ([198, 18, 0, 0], 15, "benchmarking"),
    ([198, 51, 100, 0], 24, "documentation"),
    ([203, 0, 113, 0], 24, "documentation"),
    ([224, 0, 0, 0], 4, "multicast"),
    ([240, 0, 0, 0], 4, "reserved"),
];

/// IPv6 ranges never called unless allowed (IPv4-mapped, NAT64 and 6to4
/// addresses are judged by the IPv4 address they carry, before this table).
const V6_FORBIDDEN: &[([u16; 8], u8, &str)] = &[
    ([0, 0, 0, 0, 0, 0, 0, 0], 128, "unspecified"),
    ([0, 0, 0, 0, 0, 0, 0, 1], 128, "loopback"),
    // IPv4-compatible addresses (deprecated).
    ([0, 0, 0, 0, 0, 0, 0, 0], 96, "reserved"),
    // Local-use NAT64.
    ([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48, "reserved"),
    // Discard-only.
    ([0x100, 0, 0, 0, 0, 0, 0, 0], 64, "reserved"),
    ([0x2001, 2, 0, 0, 0, 0, 0, 0], 48, "benchmarking"),
    ([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32, "documentation"),
    ([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20, "documentation"),
    ([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, "unique-local"),
    ([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10, "link-local"),
    ([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10, "site-local"),
    ([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, "multicast"),
];

/// Why the outbound policy refused a URL or an address, or could not be read.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    /// An allow-list entry that is not a host name, an IP address or a CIDR.
    #[error(
        "CMMC_OUTBOUND_ALLOW: `{0}` is not a host name, an IP address or a network \
         such as 10.0.0.0/8 or fd00::/8 (with no bits set after the prefix)"
    )]
    BadEntry(String),
    /// A scheme the policy does not call, e.g. plain `http` to a host that is
    /// not on the allow list.
    #[error("{0}")]
    Scheme(String),
    /// The host is, or resolves to, an address the server never calls unless
    /// it is allowed.
    #[error("{}", blocked_message(.host, .address))]
    Blocked {
        /// The host as it appears in the URL.
        host: String,
        /// The refused address.
        address: String,
    },
    /// The URL has no host to call.
    #[error("the URL has no host")]
    NoHost,
}

/// The message for [`OutboundError::Blocked`], naming why the address is refused.
fn blocked_message(host: &str, address: &str) -> String {
    let parsed = address.parse::<IpAddr>().ok();
    let reason = parsed.and_then(forbidden_reason).unwrap_or("forbidden");
    let what = if parsed.is_some() && host_ip(host) == parsed {
        format!("{address} is a {reason} address")
    } else {
        format!("{host} resolves to {address}, a {reason} address")
    };
    format!("{what}; the server does not call such addresses unless CMMC_OUTBOUND_ALLOW lists them")
}

/// Whether an address is one the server never calls unless allowed, and why
/// (e.g. `"loopback"`, `"private"`, `"link-local"`). IPv4-mapped IPv6
/// addresses (`::ffff:127.0.0.1`) are judged by their IPv4 address.
#[must_use]
pub fn forbidden_reason(addr: IpAddr) -> Option<&'static str> {
    match addr {
        IpAddr::V4(v4) => v4_reason(v4),
        IpAddr::V6(v6) => v6_reason(v6),
    }
}

fn v4_reason(addr: Ipv4Addr) -> Option<&'static str> {
    let bits = addr.to_bits();
    V4_FORBIDDEN
        .iter()
        .find(|(net, len, _)| bits & mask_v4(*len) == u32::from_be_bytes(*net))
        .map(|(_, _, reason)| *reason)
}

fn v6_reason(addr: Ipv6Addr) -> Option<&'static str> {
    if let Some(reason) = embedded_v4(addr).and_then(v4_reason) {
        return Some(reason);
    }
    let bits = addr.to_bits();
    V6_FORBIDDEN
        .iter()
        .find(|(net, len, _)| bits & mask_v6(*len) == Ipv6Addr::from(*net).to_bits())
        .map(|(_, _, reason)| *reason)
}

/// The IPv4 address an IPv6 address stands for: IPv4-mapped
/// (`::ffff:a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) or 6to4 (`2002:aabb:ccdd::`).
fn embedded_v4(addr: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = addr.to_ipv4_mapped() {
        return Some(v4);
    }
    let join = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    match addr.segments() {
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] | [0x2002, hi, lo, ..] => Some(join(hi, lo)),
        _ => None,
    }
}

/// The network mask of an IPv4 prefix length (0 to 32).
fn mask_v4(len: u8) -> u32 {
    u32::MAX.checked_shl(32_u32.saturating_sub(u32::from(len))).unwrap_or(0)
}

/// The network mask of an IPv6 prefix length (0 to 128).
fn mask_v6(len: u8) -> u128 {
    u128::MAX.checked_shl(128_u32.saturating_sub(u32::from(len))).unwrap_or(0)
}

/// An IP address from a URL host: `127.0.0.1`, or `[::1]` with its brackets.
fn host_ip(host: &str) -> Option<IpAddr> {
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    bare.parse().ok()
}

/// A host name without the trailing dot of a fully qualified name.
fn trim_dot(host: &str) -> &str {
    host.strip_suffix('.').unwrap_or(host)
}

/// A network: an address and a prefix length, no bits set after the prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cidr {
    base: IpAddr,
    len: u8,
}

impl Cidr {
    /// The network of one address (IPv4-mapped IPv6 taken as IPv4).
    fn single(addr: IpAddr) -> Self {
        let base = addr.to_canonical();
        Self { base, len: if base.is_ipv4() { 32 } else { 128 } }
    }

    /// `addr/len`, refused when the length is too long or bits are set after it.
    fn parse(addr: &str, len: &str) -> Option<Self> {
        let base = host_ip(addr)?;
        if len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let len: u8 = len.parse().ok()?;
        let clean = match base {
            IpAddr::V4(a) => len <= 32 && a.to_bits() & !mask_v4(len) == 0,
            IpAddr::V6(a) => len <= 128 && a.to_bits() & !mask_v6(len) == 0,
        };
        clean.then_some(Self { base, len })
    }

    fn contains(&self, addr: IpAddr) -> bool {
        match (self.base, addr) {
            (IpAddr::V4(net), IpAddr::V4(a)) => a.to_bits() & mask_v4(self.len) == net.to_bits(),
            (IpAddr::V6(net), IpAddr::V6(a)) => a.to_bits() & mask_v6(self.len) == net.to_bits(),
            _ => false,
        }
    }
}

/// One entry of the allow list.
#[derive(Clone, Debug, PartialEq, Eq)]
enum AllowEntry {
    /// A host name, lower-case, without a trailing dot.
    Name(String),
    /// An address (a full-length network) or a network.
    Net(Cidr),
}

fn parse_entry(raw: &str) -> Result<AllowEntry, OutboundError> {
    let bad = || OutboundError::BadEntry(raw.to_owned());
    if let Some((addr, len)) = raw.split_once('/') {
        return Cidr::parse(addr, len).map(AllowEntry::Net).ok_or_else(bad);
    }
    if let Some(addr) = host_ip(raw) {
        return Ok(AllowEntry::Net(Cidr::single(addr)));
    }
    let name = trim_dot(raw);
    if is_host_name(name) { Ok(AllowEntry::Name(name.to_ascii_lowercase())) } else { Err(bad()) }
}

/// An ASCII DNS name; a last label that URL parsing would read as an IPv4
/// number (`127.1`, `0x7f`) is refused, since no URL host would match it.
fn is_host_name(name: &str) -> bool {
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let last = name.rsplit('.').next().unwrap_or(name);
    name.len() <= 253 && name.split('.').all(label_ok) && !looks_numeric(last)
}

fn looks_numeric(label: &str) -> bool {
    match label.strip_prefix("0x").or_else(|| label.strip_prefix("0X")) {
        Some(hex) => hex.bytes().all(|b| b.is_ascii_hexdigit()),
        None => label.bytes().all(|b| b.is_ascii_digit()),
    }
}

/// Which URLs and addresses outbound calls may reach: the fixed rules plus
/// the allow list from `CMMC_OUTBOUND_ALLOW`. The default allows nothing extra.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutboundPolicy {
    entries: Vec<AllowEntry>,
}

impl OutboundPolicy {
    /// Reads the allow list: host names, IP addresses and CIDRs separated by
    /// commas or white space. An empty text is an empty allow list.
    ///
    /// # Errors
    /// [`OutboundError::BadEntry`] naming the first entry that is not a host
    /// name, an IP address or a CIDR.
    pub fn parse(list: &str) -> Result<Self, OutboundError> {
        let entries = list
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|entry| !entry.is_empty())
            .map(parse_entry)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { entries })
    }

    /// Whether the allow list is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Checks a URL before any connection: scheme rule, and if the host is an
    /// IP literal, the address rule. Host names are checked when they are
    /// resolved, by the client from [`Self::client_builder`].
    ///
    /// # Errors
    /// [`OutboundError::Scheme`] for a scheme other than `https` (or `http` to
    /// an allowed host), [`OutboundError::NoHost`] for a URL without a host,
    /// [`OutboundError::Blocked`] for a forbidden IP literal.
    pub fn check_url(&self, url: &Url) -> Result<(), OutboundError> {
        let host = url.host_str().filter(|host| !host.is_empty());
        match (url.scheme(), host) {
            ("https", _) => {}
            ("http", Some(host)) if self.host_listed(host) => {}
            ("http", _) => {
                return Err(OutboundError::Scheme(
                    "only https URLs may be called (got http); plain http is allowed only \
                     to hosts listed in CMMC_OUTBOUND_ALLOW"
                        .to_owned(),
                ));
            }
            (other, _) => {
                return Err(OutboundError::Scheme(format!(
                    "only https URLs may be called (got {other})"
                )));
            }
        }
        let host = host.ok_or(OutboundError::NoHost)?;
        if let Some(addr) = host_ip(host)
            && !self.address_allowed(host, addr)
        {
            return Err(OutboundError::Blocked {
                host: host.to_owned(),
                address: addr.to_string(),
            });
        }
        Ok(())
    }

    /// Whether one resolved address may be connected to for `host` (host as
    /// it appears in the URL): any address that is not forbidden, and a
    /// forbidden one when the host name or the address is on the allow list.
    #[must_use]
    pub fn address_allowed(&self, host: &str, addr: IpAddr) -> bool {
        forbidden_reason(addr).is_none() || self.name_listed(host) || self.addr_listed(addr)
    }

    /// A reqwest client builder with this policy enforced: a DNS resolver that
    /// drops forbidden addresses (and fails with an error naming the policy
    /// when none remain), and a redirect policy that applies
    /// [`Self::check_url`] to every redirect target (at most 5 redirects).
    ///
    /// System proxies are turned off: through a proxy the proxy, not this
    /// resolver, would resolve the target. Callers must still call
    /// [`Self::check_url`] on the first URL, since reqwest does not resolve IP
    /// literals and the redirect policy only sees later hops.
    pub fn client_builder(&self) -> reqwest::ClientBuilder {
        let resolver = Arc::new(PolicyResolver { policy: Arc::new(self.clone()) });
        reqwest::Client::builder()
            .dns_resolver(resolver)
            .redirect(self.redirect_policy())
            .no_proxy()
    }

    /// Follows at most [`MAX_REDIRECTS`] redirects, each passing [`Self::check_url`].
    fn redirect_policy(&self) -> reqwest::redirect::Policy {
        let policy = self.clone();
        reqwest::redirect::Policy::custom(move |attempt| {
            // `previous` starts with the first URL, then one per redirect followed.
            if attempt.previous().len() > MAX_REDIRECTS {
                return attempt.error(format!("stopped after {MAX_REDIRECTS} redirects"));
            }
            let verdict = policy.check_url(attempt.url());
            match verdict {
                Ok(()) => attempt.follow(),
                Err(err) => attempt.error(err),
            }
        })
    }

    /// Whether a URL host (name or IP literal) is on the allow list.
    fn host_listed(&self, host: &str) -> bool {
        self.name_listed(host) || host_ip(host).is_some_and(|addr| self.addr_listed(addr))
    }

    fn name_listed(&self, host: &str) -> bool {
        let host = trim_dot(host);
        self.entries
            .iter()
            .any(|entry| matches!(entry, AllowEntry::Name(name) if name.eq_ignore_ascii_case(host)))
    }

    fn addr_listed(&self, addr: IpAddr) -> bool {
        let canonical = addr.to_canonical();
        self.entries.iter().any(|entry| {
            matches!(entry, AllowEntry::Net(net) if net.contains(addr) || net.contains(canonical))
        })
    }

    /// The resolved addresses `host` may be connected to; an error naming the
    /// policy when there were some but none may be.
    fn filter_resolved(
        &self,
        host: &str,
        found: Vec<SocketAddr>,
    ) -> Result<Vec<SocketAddr>, BoxError> {
        if found.is_empty() {
            let message = format!("{host}: no addresses found");
            return Err(io::Error::new(io::ErrorKind::NotFound, message).into());
        }
        let mut first_blocked = None;
        let mut kept = Vec::with_capacity(found.len());
        for socket in found {
            let addr = socket.ip();
            if self.address_allowed(host, addr) {
                kept.push(socket);
                continue;
            }
            let reason = forbidden_reason(addr).unwrap_or("forbidden");
            tracing::warn!(
                host,
                address = %addr,
                reason,
                "outbound policy: skipping a forbidden address"
            );
            first_blocked = first_blocked.or(Some(addr));
        }
        match first_blocked {
            Some(addr) if kept.is_empty() => {
                Err(OutboundError::Blocked { host: host.to_owned(), address: addr.to_string() }
                    .into())
            }
            _ => Ok(kept),
        }
    }
}

/// The DNS resolver of [`OutboundPolicy::client_builder`]: the system resolver,
/// keeping only the addresses the policy allows.
#[derive(Debug)]
struct PolicyResolver {
    policy: Arc<OutboundPolicy>,
}

impl Resolve for PolicyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = Arc::clone(&self.policy);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0_u16)).await?.collect();
            let kept = policy.filter_resolved(&host, found)?;
            Ok::<Addrs, BoxError>(Box::new(kept.into_iter()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    fn policy(list: &str) -> OutboundPolicy {
        OutboundPolicy::parse(list).unwrap()
    }

    #[test]
    fn every_forbidden_range_is_refused_with_its_reason() {
        let cases = [
            ("0.0.0.0", "unspecified"),
            ("0.255.255.255", "unspecified"),
            ("10.0.0.0", "private"),
            ("10.255.255.255", "private"),
            ("100.64.0.0", "carrier-grade NAT"),
            ("100.127.255.255", "carrier-grade NAT"),
            ("127.0.0.1", "loopback"),
            ("127.255.255.254", "loopback"),
            ("169.254.0.0", "link-local"),
            ("169.254.169.254", "link-local"),
            ("172.16.0.0", "private"),
            ("172.31.255.255", "private"),
            ("192.0.0.0", "reserved"),
            ("192.0.0.255", "reserved"),
            ("192.0.2.1", "documentation"),
            ("192.88.99.1", "reserved"),
            ("192.168.0.0", "private"),
            ("192.168.255.255", "private"),
            ("198.18.0.0", "benchmarking"),
            ("198.19.255.255", "benchmarking"),
            ("198.51.100.7", "documentation"),
            ("203.0.113.9", "documentation"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.255", "multicast"),
            ("240.0.0.0", "reserved"),
            ("255.255.255.254", "reserved"),
            ("255.255.255.255", "broadcast"),
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("::7f00:1", "reserved"),
            ("fe80::1", "link-local"),
            ("febf:ffff::1", "link-local"),
            ("fc00::1", "unique-local"),
            ("fd12:3456::1", "unique-local"),
            ("fec0::1", "site-local"),
            ("ff02::1", "multicast"),
            ("2001:db8::1", "documentation"),
            ("3fff::1", "documentation"),
            ("2001:2::1", "benchmarking"),
            ("100::1", "reserved"),
            ("64:ff9b:1::1", "reserved"),
        ];
        for (addr, reason) in cases {
            assert_eq!(forbidden_reason(ip(addr)), Some(reason), "{addr}");
        }
    }

    #[test]
    fn range_edges_outside_are_allowed() {
        let public = [
            "1.0.0.0",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.0",
            "169.253.255.255",
            "169.255.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.0",
            "192.0.3.0",
            "192.167.255.255",
            "192.169.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "198.51.99.255",
            "198.51.101.0",
            "203.0.112.255",
            "203.0.114.0",
            "223.255.255.255",
            "8.8.8.8",
            "1.1.1.1",
            "2001:4860::8888",
            "2001:4860:4860::8888",
            "2606:4700:4700::1111",
            "fbff:ffff::1",
            "fe00::1",
        ];
        for addr in public {
            assert_eq!(forbidden_reason(ip(addr)), None, "{addr}");
        }
    }

    #[test]
    fn ipv6_forms_of_ipv4_addresses_are_judged_by_the_ipv4_address() {
        assert_eq!(forbidden_reason(ip("::ffff:127.0.0.1")), Some("loopback"));
        assert_eq!(forbidden_reason(ip("::ffff:10.1.2.3")), Some("private"));
        assert_eq!(forbidden_reason(ip("::ffff:169.254.169.254")), Some("link-local"));
        assert_eq!(forbidden_reason(ip("::ffff:0.0.0.0")), Some("unspecified"));
        assert_eq!(forbidden_reason(ip("64:ff9b::192.168.1.1")), Some("private"));
        assert_eq!(forbidden_reason(ip("2002:7f00:1::")), Some("loopback"));
        assert_eq!(forbidden_reason(ip("::ffff:8.8.8.8")), None);
        assert_eq!(forbidden_reason(ip("64:ff9b::8.8.8.8")), None);
        assert_eq!(forbidden_reason(ip("2002:808:808::")), None);
    }

    #[test]
    fn good_allow_entries_parse() {
        let parsed = policy(
            " datapact.internal, LOCALHOST\n127.0.0.1 ::1,[fd00::1] 127.0.0.0/8\tfd00::/8 , ",
        );
        assert_eq!(parsed.entries.len(), 7);
        assert!(parsed.entries.contains(&AllowEntry::Name("localhost".to_owned())));
        assert!(parsed.entries.contains(&AllowEntry::Name("datapact.internal".to_owned())));
        assert!(!parsed.is_empty());
        assert!(policy("").is_empty());
        assert!(policy(" , \n").is_empty());
        assert!(OutboundPolicy::default().is_empty());
        assert_eq!(policy("host.example.").entries, [AllowEntry::Name("host.example".to_owned())]);
        assert_eq!(
            policy("::ffff:10.0.0.1").entries,
            [AllowEntry::Net(Cidr::single(ip("10.0.0.1")))]
        );
    }

    #[test]
    fn bad_allow_entries_are_errors_naming_the_entry() {
        let bad = [
            "http://datapact.internal",
            "host:8080",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.1/8",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "/8",
            "300.1.1.1",
            "127.1",
            "0x7f",
            "-bad.example",
            "bad-.example",
            "two..dots",
            ".",
            "bücher.example",
            "*.example.com",
        ];
        for entry in bad {
            let list = format!("ok.example, {entry}");
            match OutboundPolicy::parse(&list) {
                Err(OutboundError::BadEntry(named)) => assert_eq!(named, entry),
                other => panic!("{entry}: {other:?}"),
            }
        }
        let err = OutboundPolicy::parse("10.0.0.0/33").unwrap_err();
        assert!(err.to_string().contains("`10.0.0.0/33`"), "{err}");
        assert!(err.to_string().contains("CMMC_OUTBOUND_ALLOW"), "{err}");
    }

    #[test]
    fn cidrs_match_their_range_only() {
        let net = |text: &str| match parse_entry(text).unwrap() {
            AllowEntry::Net(net) => net,
            AllowEntry::Name(name) => panic!("{text} parsed as the name {name}"),
        };
        assert!(net("0.0.0.0/0").contains(ip("255.255.255.255")));
        assert!(net("0.0.0.0/0").contains(ip("0.0.0.0")));
        assert!(!net("0.0.0.0/0").contains(ip("::1")));
        assert!(net("::/0").contains(ip("ffff::1")));
        assert!(!net("::/0").contains(ip("1.2.3.4")));
        assert!(net("10.1.2.3/32").contains(ip("10.1.2.3")));
        assert!(!net("10.1.2.3/32").contains(ip("10.1.2.4")));
        assert!(net("::1/128").contains(ip("::1")));
        assert!(!net("::1/128").contains(ip("::2")));
        assert!(net("172.16.0.0/12").contains(ip("172.31.255.255")));
        assert!(!net("172.16.0.0/12").contains(ip("172.32.0.0")));
        assert!(!net("172.16.0.0/12").contains(ip("172.15.255.255")));
        assert!(net("fd00::/8").contains(ip("fdff:ffff::1")));
        assert!(!net("fd00::/8").contains(ip("fc00::1")));
        assert!(net("[fd00::]/8").contains(ip("fd00::1")));
    }

    #[test]
    fn allow_entries_let_forbidden_addresses_through() {
        let allow = policy("Datapact.Internal, 127.0.0.1, 10.0.0.0/8, fd00::/8");
        assert!(allow.address_allowed("datapact.internal", ip("192.168.1.5")));
        assert!(allow.address_allowed("DATAPACT.internal.", ip("::1")));
        assert!(!allow.address_allowed("other.internal", ip("192.168.1.5")));
        assert!(allow.address_allowed("other.internal", ip("10.9.8.7")));
        assert!(allow.address_allowed("x", ip("127.0.0.1")));
        assert!(allow.address_allowed("x", ip("::ffff:127.0.0.1")));
        assert!(!allow.address_allowed("x", ip("127.0.0.2")));
        assert!(allow.address_allowed("x", ip("fd00::5")));
        assert!(!allow.address_allowed("x", ip("fc00::5")));
        assert!(allow.address_allowed("x", ip("8.8.8.8")));
        let none = OutboundPolicy::default();
        assert!(!none.address_allowed("localhost", ip("127.0.0.1")));
        assert!(!none.address_allowed("metadata", ip("169.254.169.254")));
        assert!(none.address_allowed("dns.google", ip("8.8.8.8")));
        assert!(none.address_allowed("dns.google", ip("2001:4860::8888")));
    }

    #[test]
    fn host_names_match_exactly_ignoring_case() {
        let allow = policy("DataPact.Internal");
        assert!(allow.host_listed("datapact.internal"));
        assert!(allow.host_listed("DATAPACT.INTERNAL"));
        assert!(allow.host_listed("datapact.internal."));
        assert!(!allow.host_listed("api.datapact.internal"));
        assert!(!allow.host_listed("datapact.internal.evil.example"));
        assert!(!allow.host_listed("datapact"));
    }

    #[test]
    fn check_url_applies_the_scheme_rule() {
        let none = OutboundPolicy::default();
        assert!(none.check_url(&url("https://api.datapact.example/v1")).is_ok());
        assert!(none.check_url(&url("https://8.8.8.8/")).is_ok());
        assert!(matches!(
            none.check_url(&url("http://api.datapact.example/v1")),
            Err(OutboundError::Scheme(_))
        ));
        assert!(matches!(
            none.check_url(&url("file:///etc/passwd")),
            Err(OutboundError::Scheme(_))
        ));
        assert!(matches!(
            none.check_url(&url("ftp://example.com/")),
            Err(OutboundError::Scheme(_))
        ));
        assert!(matches!(none.check_url(&url("gopher://x/")), Err(OutboundError::Scheme(_))));
        let named = policy("datapact.internal");
        assert!(named.check_url(&url("http://DataPact.Internal:8080/api")).is_ok());
        assert!(matches!(
            named.check_url(&url("http://other.internal/")),
            Err(OutboundError::Scheme(_))
        ));
        let err = none.check_url(&url("http://api.datapact.example/")).unwrap_err();
        assert!(err.to_string().contains("only https"), "{err}");
    }

    #[test]
    fn check_url_refuses_forbidden_ip_literals() {
        let none = OutboundPolicy::default();
        for text in [
            "http://127.0.0.1/",
            "https://127.0.0.1/",
            "https://169.254.169.254/latest/meta-data/",
            "https://[::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://2130706433/",
            "https://0x7f.1/",
            "https://10.0.0.1:8443/",
            "https://0.0.0.0/",
        ] {
            assert!(none.check_url(&url(text)).is_err(), "{text}");
        }
        let err = none.check_url(&url("https://169.254.169.254/")).unwrap_err();
        assert!(matches!(&err, OutboundError::Blocked { host, .. } if host == "169.254.169.254"));
        assert!(err.to_string().contains("link-local"), "{err}");
        assert!(err.to_string().contains("CMMC_OUTBOUND_ALLOW"), "{err}");
        let err = none.check_url(&url("https://[::1]/")).unwrap_err();
        assert!(matches!(err, OutboundError::Blocked { .. }), "{err}");
    }

    #[test]
    fn check_url_accepts_allowed_ip_literals_over_http() {
        let allow = policy("127.0.0.1");
        assert!(allow.check_url(&url("http://127.0.0.1:8080/api")).is_ok());
        assert!(allow.check_url(&url("https://127.0.0.1/")).is_ok());
        assert!(allow.check_url(&url("http://127.0.0.2/")).is_err());
        let v6 = policy("::1");
        assert!(v6.check_url(&url("http://[::1]:9000/")).is_ok());
        let net = policy("10.0.0.0/8");
        assert!(net.check_url(&url("http://10.20.30.40/")).is_ok());
        assert!(net.check_url(&url("http://11.0.0.1/")).is_err());
    }

    #[test]
    fn resolved_addresses_are_filtered() {
        let none = OutboundPolicy::default();
        let found = vec![
            SocketAddr::new(ip("127.0.0.1"), 0),
            SocketAddr::new(ip("93.184.216.34"), 0),
            SocketAddr::new(ip("10.0.0.1"), 0),
        ];
        let kept = none.filter_resolved("mixed.example", found).unwrap();
        assert_eq!(kept, [SocketAddr::new(ip("93.184.216.34"), 0)]);
        let blocked = vec![SocketAddr::new(ip("169.254.169.254"), 0)];
        let err = none.filter_resolved("metadata.example", blocked).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("metadata.example resolves to 169.254.169.254"), "{message}");
        assert!(message.contains("CMMC_OUTBOUND_ALLOW"), "{message}");
        assert!(none.filter_resolved("empty.example", Vec::new()).is_err());
    }

    #[tokio::test]
    async fn the_resolver_refuses_localhost_unless_allowed() {
        let refuse = PolicyResolver { policy: Arc::new(OutboundPolicy::default()) };
        let err = match refuse.resolve("localhost".parse().unwrap()).await {
            Ok(addrs) => panic!("resolved to {:?}", addrs.collect::<Vec<_>>()),
            Err(err) => err,
        };
        assert!(err.to_string().contains("CMMC_OUTBOUND_ALLOW"), "{err}");

        let allow = PolicyResolver { policy: Arc::new(policy("localhost")) };
        let addrs: Vec<SocketAddr> =
            allow.resolve("localhost".parse().unwrap()).await.unwrap().collect();
        assert!(!addrs.is_empty());
        assert!(addrs.iter().all(|addr| addr.ip().is_loopback()), "{addrs:?}");
    }

    #[test]
    fn the_client_builder_builds() {
        assert!(policy("localhost").client_builder().build().is_ok());
    }
}
