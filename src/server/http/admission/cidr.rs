//! Address ranges for the source-address allow-list (`--allow`, docs/protocol.md §1.2).

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// An IPv4 or IPv6 network such as `127.0.0.0/8` or `::1/128`. A bare address is
/// a network of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

/// Why a `--allow` value is not a network; the message quotes the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid network \"{input}\": {reason}")]
pub struct CidrError {
    /// The text as given.
    pub input: String,
    /// What is wrong with it and, where possible, what to write instead.
    pub reason: String,
}

impl Cidr {
    /// The IPv4 loopback network `127.0.0.0/8`.
    pub const LOOPBACK_V4: Cidr = Cidr {
        network: IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 0)),
        prefix: 8,
    };

    /// The IPv6 loopback address `::1/128`.
    pub const LOOPBACK_V6: Cidr = Cidr {
        network: IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        prefix: 128,
    };

    /// The default allow-list: loopback only (docs/protocol.md §1.2, "localhost").
    pub fn loopback() -> Vec<Cidr> {
        vec![Cidr::LOOPBACK_V4, Cidr::LOOPBACK_V6]
    }

    /// Builds a network, refusing prefixes that are too long and host bits that are set.
    ///
    /// # Errors
    /// A [`CidrError`] naming the problem.
    pub fn new(network: IpAddr, prefix: u8) -> Result<Cidr, CidrError> {
        let input = format!("{network}/{prefix}");
        let max = max_prefix(network);
        if prefix > max {
            return Err(CidrError {
                input,
                reason: format!(
                    "prefix length {prefix} is longer than {max}, the size of the address"
                ),
            });
        }
        let masked = mask(network, prefix);
        if masked != network {
            return Err(CidrError {
                input,
                reason: format!("host bits are set; did you mean {masked}/{prefix}?"),
            });
        }
        Ok(Cidr { network, prefix })
    }

    /// Whether `addr` lies in this network. An IPv4 client is the same client
    /// as its IPv4-mapped IPv6 form (`::ffff:127.0.0.1`, what a dual-stack
    /// listener sees), so it matches an IPv4 network and any IPv6 network that
    /// holds its mapped form (`::/0`, `::ffff:0:0/96`).
    pub fn contains(&self, addr: IpAddr) -> bool {
        let addr = addr.to_canonical();
        match (self.network, addr) {
            (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => {
                mask(addr, self.prefix) == self.network
            }
            (IpAddr::V6(_), IpAddr::V4(v4)) => {
                let mapped = IpAddr::V6(v4.to_ipv6_mapped());
                mask(mapped, self.prefix) == self.network
            }
            (IpAddr::V4(_), IpAddr::V6(_)) => false,
        }
    }
}

fn max_prefix(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

/// `addr` with every bit after the first `prefix` cleared.
fn mask(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let bits = u32::from(a);
            let kept = bits.checked_shr(32 - u32::from(prefix)).unwrap_or(0);
            let masked = kept.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4(masked.into())
        }
        IpAddr::V6(a) => {
            let bits = u128::from(a);
            let kept = bits.checked_shr(128 - u32::from(prefix)).unwrap_or(0);
            let masked = kept.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(masked.into())
        }
    }
}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(input: &str) -> Result<Cidr, CidrError> {
        let error = |reason: String| CidrError {
            input: input.to_string(),
            reason,
        };
        let (addr_text, prefix_text) = match input.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (input, None),
        };
        let network: IpAddr = addr_text.trim().parse().map_err(|_| {
            error(format!(
                "\"{addr_text}\" is not an IPv4 or IPv6 address; write e.g. 10.0.0.0/8 or ::1"
            ))
        })?;
        let prefix = match prefix_text {
            None => max_prefix(network),
            Some(p) => p.trim().parse::<u8>().map_err(|_| {
                error(format!(
                    "prefix length \"{p}\" is not a number from 0 to {}",
                    max_prefix(network)
                ))
            })?,
        };
        // `::ffff:10.0.0.0/104` is 10.0.0.0/8 written the IPv6 way: keep the
        // IPv4 form, which is what clients are matched and shown as.
        let (network, prefix) = match network {
            IpAddr::V6(v6) if prefix >= 96 => match v6.to_ipv4_mapped() {
                Some(v4) => (IpAddr::V4(v4), prefix - 96),
                None => (network, prefix),
            },
            _ => (network, prefix),
        };
        Cidr::new(network, prefix).map_err(|e| error(e.reason))
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("test address")
    }

    #[test]
    fn networks_contain_their_addresses_only() {
        let net: Cidr = "10.1.0.0/16".parse().expect("valid");
        assert!(net.contains(ip("10.1.200.3")));
        assert!(!net.contains(ip("10.2.0.1")));
        assert!(!net.contains(ip("::1")));
        let everything: Cidr = "0.0.0.0/0".parse().expect("valid");
        assert!(everything.contains(ip("203.0.113.9")));
    }

    #[test]
    fn loopback_covers_both_families_and_mapped_ipv4() {
        let allow = Cidr::loopback();
        for addr in ["127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"] {
            assert!(allow.iter().any(|c| c.contains(ip(addr))), "{addr}");
        }
        assert!(!allow.iter().any(|c| c.contains(ip("192.168.1.1"))));
    }

    #[test]
    fn ipv4_mapped_networks_and_v6_wildcards_match_ipv4_clients() {
        let mapped: Cidr = "::ffff:127.0.0.1".parse().expect("valid");
        let mapped_net: Cidr = "::ffff:10.0.0.0/104".parse().expect("valid");
        let everything: Cidr = "::/0".parse().expect("valid");

        assert_eq!(mapped.to_string(), "127.0.0.1/32");
        assert_eq!(mapped_net.to_string(), "10.0.0.0/8");
        for addr in ["127.0.0.1", "::ffff:127.0.0.1"] {
            assert!(mapped.contains(ip(addr)), "{addr}");
            assert!(everything.contains(ip(addr)), "::/0 holds {addr}");
        }
        assert!(mapped_net.contains(ip("::ffff:10.9.8.7")));
        assert!(!mapped.contains(ip("127.0.0.2")));
        let v6_only: Cidr = "2001:db8::/32".parse().expect("valid");
        assert!(!v6_only.contains(ip("127.0.0.1")));
    }

    #[test]
    fn bare_addresses_are_single_hosts() {
        let host: Cidr = "192.0.2.7".parse().expect("valid");
        assert_eq!(host.to_string(), "192.0.2.7/32");
        assert!(host.contains(ip("192.0.2.7")));
        assert!(!host.contains(ip("192.0.2.8")));
    }

    #[test]
    fn errors_quote_the_input_and_say_what_to_write() {
        let cases = [
            ("localhost", "not an IPv4 or IPv6 address"),
            ("10.0.0.0/33", "prefix length 33 is longer than 32"),
            ("10.0.0.0/x", "prefix length \"x\" is not a number"),
            ("10.0.0.1/8", "did you mean 10.0.0.0/8?"),
            ("::1/129", "longer than 128"),
        ];
        for (input, expected) in cases {
            let err = input.parse::<Cidr>().expect_err(input).to_string();
            assert!(err.contains(&format!("\"{input}\"")), "{err}");
            assert!(err.contains(expected), "{input}: {err}");
        }
    }
}
