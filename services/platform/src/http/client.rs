//! Who the client is, when requests come through proxies: the peer's
//! address, unless the peer is a proxy we trust (the reverse proxy in front,
//! or the web service calling on a citizen's behalf), in which case the
//! nearest address in `X-Forwarded-For` that is not one of ours. A client
//! cannot choose its own key by sending the header: from an untrusted peer
//! it is ignored.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::http::Request;
use tower_governor::GovernorError;
use tower_governor::key_extractor::KeyExtractor;

/// The header proxies name the client in.
pub const FORWARDED_FOR: &str = "x-forwarded-for";

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Arc<Vec<Network>>);

/// An address, or a range of them (`10.0.0.0/8`): a proxy's address is not
/// always known ahead (containers, pods), its network is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Network {
    address: IpAddr,
    prefix: u8,
}

impl Network {
    fn parse(text: &str) -> Option<Self> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address.parse::<IpAddr>().ok()?, Some(prefix.parse::<u8>().ok()?)),
            None => (text.parse::<IpAddr>().ok()?, None),
        };
        let bits = if address.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(bits);
        (prefix <= bits).then_some(Self { address: address.to_canonical(), prefix })
    }

    fn contains(&self, address: IpAddr) -> bool {
        let keep = |bits: u32, value: u128| if self.prefix == 0 { 0 } else { value >> (bits - u32::from(self.prefix)) };
        match (self.address, address) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                keep(32, u128::from(u32::from(network))) == keep(32, u128::from(u32::from(address)))
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                keep(128, u128::from(network)) == keep(128, u128::from(address))
            }
            _ => false,
        }
    }
}

impl TrustedProxies {
    /// These addresses.
    pub fn new(addresses: Vec<IpAddr>) -> Self {
        let bits = |address: &IpAddr| if address.is_ipv4() { 32 } else { 128 };
        Self(Arc::new(
            addresses
                .into_iter()
                .map(|address| Network { prefix: bits(&address), address: address.to_canonical() })
                .collect(),
        ))
    }

    /// From `ADUAN_TRUSTED_PROXIES` (addresses or networks such as
    /// `10.0.0.0/8`, separated by commas), else none.
    pub fn from_env() -> anyhow::Result<Self> {
        let Ok(list) = std::env::var("ADUAN_TRUSTED_PROXIES") else { return Ok(Self::default()) };
        let networks = list
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                Network::parse(item).ok_or_else(|| {
                    anyhow::anyhow!("ADUAN_TRUSTED_PROXIES: {item:?} is not an IP address or a network like 10.0.0.0/8")
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Self(Arc::new(networks)))
    }

    /// The loopback addresses: `aduan dev`'s web calls the services over them.
    pub fn loopback() -> Self {
        Self::new(vec![IpAddr::from([127, 0, 0, 1]), IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1])])
    }

    fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|network| network.contains(address))
    }

    /// The client behind `peer`, given the `X-Forwarded-For` it sent (every
    /// line of it joined in order: some proxies add a line of their own
    /// instead of appending to the client's).
    pub fn client(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let Some(chain) = forwarded_for else { return peer };
        // Rightmost first: each proxy appends the address it saw.
        let mut nearest = peer;
        for hop in chain.rsplit(',') {
            let Ok(address) = hop.trim().parse::<IpAddr>().map(|address| address.to_canonical()) else {
                return nearest;
            };
            if !self.trusts(address) {
                return address;
            }
            nearest = address;
        }
        nearest
    }

    /// The client of `request`, from its connection and headers.
    pub fn client_of<T>(&self, request: &Request<T>) -> Option<IpAddr> {
        let peer = request.extensions().get::<axum::extract::ConnectInfo<SocketAddr>>()?.ip();
        let lines: Vec<&str> =
            request.headers().get_all(FORWARDED_FOR).iter().filter_map(|value| value.to_str().ok()).collect();
        let forwarded = (!lines.is_empty()).then(|| lines.join(","));
        Some(self.client(peer, forwarded.as_deref()))
    }
}

impl KeyExtractor for TrustedProxies {
    type Key = IpAddr;

    fn extract<T>(&self, request: &Request<T>) -> Result<IpAddr, GovernorError> {
        self.client_of(request).ok_or(GovernorError::UnableToExtractKey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_peer() {
        let proxies = TrustedProxies::new(vec![ip("10.0.0.2"), ip("10.0.0.3")]);
        assert_eq!(proxies.client(ip("203.0.113.9"), Some("198.51.100.1")), ip("203.0.113.9"), "not a proxy");
        assert_eq!(proxies.client(ip("10.0.0.2"), Some("198.51.100.1")), ip("198.51.100.1"));
        assert_eq!(proxies.client(ip("10.0.0.2"), None), ip("10.0.0.2"));
        // A client's own made-up entry sits left of the real one and is not read.
        assert_eq!(proxies.client(ip("10.0.0.2"), Some("1.2.3.4, 198.51.100.1, 10.0.0.3")), ip("198.51.100.1"));
        assert_eq!(proxies.client(ip("10.0.0.2"), Some("garbage, 10.0.0.3")), ip("10.0.0.3"));
        assert_eq!(proxies.client(ip("::ffff:10.0.0.2"), Some("198.51.100.1")), ip("198.51.100.1"), "mapped IPv4");
    }

    #[test]
    fn every_line_of_the_header_counts_in_order() {
        let proxies = TrustedProxies::new(vec![ip("10.0.0.2")]);
        let request = Request::builder()
            .header(FORWARDED_FOR, "6.6.6.6")
            .header(FORWARDED_FOR, "198.51.100.1")
            .extension(axum::extract::ConnectInfo(SocketAddr::from(([10, 0, 0, 2], 5000))))
            .body(())
            .expect("a request");
        assert_eq!(proxies.client_of(&request), Some(ip("198.51.100.1")), "the client's own line is not read");
    }

    #[test]
    fn networks_are_trusted_whole_and_nothing_beside_them() {
        let network = |text: &str| Network::parse(text).unwrap_or_else(|| panic!("{text} parses"));
        assert!(network("10.0.0.0/8").contains(IpAddr::from([10, 200, 3, 4])));
        assert!(!network("10.0.0.0/8").contains(IpAddr::from([11, 0, 0, 1])));
        assert!(network("172.18.0.0/16").contains(IpAddr::from([172, 18, 255, 1])));
        assert!(network("0.0.0.0/0").contains(IpAddr::from([8, 8, 8, 8])));
        assert!(network("192.0.2.7").contains(IpAddr::from([192, 0, 2, 7])));
        assert!(!network("192.0.2.7").contains(IpAddr::from([192, 0, 2, 8])));
        assert!(network("fd00::/8").contains("fd12::1".parse().unwrap_or(IpAddr::from([0u16; 8]))));
        assert!(!network("10.0.0.0/8").contains("::1".parse().unwrap_or(IpAddr::from([0u16; 8]))));
        for bad in ["10.0.0.0/33", "10.0.0.0/x", "ten", "::1/129"] {
            assert!(Network::parse(bad).is_none(), "{bad}");
        }
    }
}
