//! Who the client is: the connection's peer, or — only when that peer is a
//! configured trusted proxy (`APPBOX_TRUSTED_PROXIES`) — the address the
//! proxy put in `X-Forwarded-For`. Every per-address limit asks here.

use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl FromStr for TrustedProxies {
    type Err = String;

    /// A comma-separated list of CIDRs or single addresses, such as
    /// `10.0.0.0/8, 127.0.0.1`; empty for none.
    fn from_str(text: &str) -> Result<TrustedProxies, String> {
        text.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| {
                part.parse::<IpNet>()
                    .or_else(|_| part.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!("{part:?} is not a CIDR (such as 10.0.0.0/8) or an IP address")
                    })
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }
}

impl TrustedProxies {
    fn trusts(&self, address: IpAddr) -> bool {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        };
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client's address. `X-Forwarded-For` lists the addresses each
    /// proxy saw, the nearest last: walking from the end, every address a
    /// trusted proxy added is believed, and the first one that is not a
    /// trusted proxy is the client. What an untrusted peer sends is ignored,
    /// so a client cannot pick the address it is counted under.
    pub fn client_address<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl Iterator<Item = &'a str>,
    ) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = forwarded_for.flat_map(|h| h.split(',')).collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Ok(address) = hop.trim().parse::<IpAddr>() else {
                // A hop that is no address: stop at the last one believed.
                break;
            };
            client = address;
            if !self.trusts(address) {
                break;
            }
        }
        client
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_peer() {
        let trusted: TrustedProxies = "10.0.0.0/8, 192.0.2.1".parse().unwrap();
        // From the proxy: the client it names.
        assert_eq!(
            trusted.client_address(ip("10.1.2.3"), ["203.0.113.9"].into_iter()),
            ip("203.0.113.9")
        );
        // A chain of trusted proxies: the first untrusted hop from the end;
        // what the client itself wrote in front is not believed.
        assert_eq!(
            trusted.client_address(
                ip("192.0.2.1"),
                ["6.6.6.6, 203.0.113.9", "10.0.0.5"].into_iter()
            ),
            ip("203.0.113.9")
        );
        // From anyone else: the header is ignored.
        assert_eq!(
            trusted.client_address(ip("198.51.100.4"), ["203.0.113.9"].into_iter()),
            ip("198.51.100.4")
        );
        // Nothing configured: nothing believed.
        assert_eq!(
            TrustedProxies::default().client_address(ip("10.1.2.3"), ["1.2.3.4"].into_iter()),
            ip("10.1.2.3")
        );
        // Garbage in the header: the proxy itself.
        assert_eq!(
            trusted.client_address(ip("10.1.2.3"), ["not-an-ip"].into_iter()),
            ip("10.1.2.3")
        );
    }

    #[test]
    fn bad_cidrs_are_refused_with_the_culprit_named() {
        let err = "10.0.0.0/8, nonsense"
            .parse::<TrustedProxies>()
            .unwrap_err();
        assert!(err.contains("nonsense"), "{err}");
        assert!("".parse::<TrustedProxies>().unwrap().0.is_empty());
    }
}
