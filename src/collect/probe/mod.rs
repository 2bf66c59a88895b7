//! Live probes: the dial guard every probe connection passes through, DNS with the whole
//! CNAME chain, TCP connects, TLS handshakes, the registry's HTTP steps, and the walk that
//! runs them in the platform's order for `pullpath probe` and `verify --probe`. Each step is
//! bounded by a timeout and reports an observation (never a panic).

pub mod dns;
pub mod registry;
pub mod tcp;
pub mod tls;
pub mod walk;

use std::net::IpAddr;

use ipnet::IpNet;

use crate::error::InputError;

/// The environment variable that limits where probes may connect.
pub const DIAL_ALLOW: &str = "PULLPATH_DIAL_ALLOW";

/// A safety switch for sandboxed runs: with `PULLPATH_DIAL_ALLOW=CIDR[,CIDR…]` set, a probe
/// refuses, before connecting, any address outside those ranges (DNS servers included).
#[derive(Debug, Clone, Default)]
pub struct DialGuard {
    allow: Option<Vec<IpNet>>,
}

/// A connection the guard refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialRefused {
    pub address: IpAddr,
    pub allowed: String,
}

impl std::fmt::Display for DialRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "refused to connect to {}: {DIAL_ALLOW} allows only {}",
            self.address, self.allowed
        )
    }
}

impl DialGuard {
    /// Everything allowed (no guard).
    pub fn open() -> DialGuard {
        DialGuard { allow: None }
    }

    pub fn from_env() -> Result<DialGuard, InputError> {
        match std::env::var(DIAL_ALLOW) {
            Ok(value) if !value.trim().is_empty() => DialGuard::parse(&value),
            _ => Ok(DialGuard::open()),
        }
    }

    pub fn parse(value: &str) -> Result<DialGuard, InputError> {
        let mut nets = Vec::new();
        for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let net = part
                .parse::<IpNet>()
                .or_else(|_| part.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    InputError::new(format!(
                        "{DIAL_ALLOW}: `{part}` is not a CIDR or an address"
                    ))
                })?;
            nets.push(net);
        }
        Ok(DialGuard { allow: Some(nets) })
    }

    pub fn check(&self, address: IpAddr) -> Result<(), DialRefused> {
        let Some(nets) = &self.allow else {
            return Ok(());
        };
        // An IPv4-mapped IPv6 address is judged as the IPv4 address it carries.
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        };
        if nets.iter().any(|n| n.contains(&address)) {
            Ok(())
        } else {
            Err(DialRefused {
                address,
                allowed: nets
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_allows_only_its_ranges() {
        let guard = DialGuard::parse("127.0.0.0/8, ::1").unwrap();
        assert!(guard.check("127.0.10.4".parse().unwrap()).is_ok());
        assert!(guard.check("::1".parse().unwrap()).is_ok());
        assert!(guard.check("::ffff:127.0.0.1".parse().unwrap()).is_ok());
        let refused = guard.check("10.0.1.4".parse().unwrap()).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "refused to connect to 10.0.1.4: PULLPATH_DIAL_ALLOW allows only 127.0.0.0/8,::1/128"
        );
        assert!(guard.check("192.0.2.1".parse().unwrap()).is_err());
        assert!(DialGuard::parse("nonsense").is_err());
        assert!(DialGuard::open().check("10.0.1.4".parse().unwrap()).is_ok());
    }
}
