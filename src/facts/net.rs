//! Address helpers shared by facts and checks: lenient IPv4 parsing (ARM sometimes writes
//! `172.20.2.16/28` where an address is meant) and Azure's subnet arithmetic.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

/// An IPv4 address, tolerating a `/prefix` suffix and surrounding blanks.
pub fn parse_ipv4_lenient(value: &str) -> Option<Ipv4Addr> {
    value.trim().split('/').next()?.parse().ok()
}

/// Addresses Azure leaves for use in a subnet: it reserves five (network, gateway, two DNS,
/// broadcast).
pub fn usable_addresses(net: &Ipv4Net) -> u64 {
    let total = 1u64 << (32 - u32::from(net.prefix_len()));
    total.saturating_sub(5)
}

/// An address in RFC 1918, CGNAT (100.64/10) or another range that is never a public ACR
/// front end.
pub fn is_private(ip: Ipv4Addr) -> bool {
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || Ipv4Net::new(Ipv4Addr::new(100, 64, 0, 0), 10).is_ok_and(|n| n.contains(&ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_parse_and_reserved_addresses() {
        assert_eq!(
            parse_ipv4_lenient(" 172.20.2.16/28"),
            Some(Ipv4Addr::new(172, 20, 2, 16))
        );
        assert_eq!(parse_ipv4_lenient("nope"), None);
        assert_eq!(usable_addresses(&"10.0.0.0/28".parse().unwrap()), 11);
        assert_eq!(usable_addresses(&"10.0.0.0/26".parse().unwrap()), 59);
        assert!(is_private(Ipv4Addr::new(10, 0, 1, 4)) && !is_private(Ipv4Addr::new(20, 1, 2, 3)));
    }
}
