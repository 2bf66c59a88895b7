//! DNS as the platform sees it: resolve a name with the system's resolvers (or given servers),
//! record the whole CNAME chain and the addresses, and classify the answer against the private
//! endpoint's addresses: expected, public (the privatelink zone is not in the resolver's
//! view), another private address, NXDOMAIN, SERVFAIL, timeout. DNS servers pass the dial
//! guard like any other connection.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{RData, RecordType};

use super::{DialGuard, DialRefused};
use crate::error::InputError;
use crate::facts::net::is_private;

/// What a lookup returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub name: String,
    /// The CNAME targets, in order (`r.azurecr.io` → `r.privatelink.azurecr.io` → …).
    pub chain: Vec<String>,
    pub addresses: Vec<IpAddr>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsOutcome {
    Resolved(Resolution),
    NxDomain {
        name: String,
    },
    /// The server failed or refused to answer (SERVFAIL, REFUSED, …).
    ServerFailure {
        name: String,
        detail: String,
    },
    Timeout {
        name: String,
    },
}

/// How an answer compares with the private endpoint's addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every address is one of the endpoint's.
    Expected,
    /// A public address: the resolver does not see the privatelink zone.
    Public(Vec<IpAddr>),
    /// A private address that is not the endpoint's (a stale record, another endpoint).
    OtherPrivate(Vec<IpAddr>),
    NoAnswer,
}

pub fn classify(outcome: &DnsOutcome, expected: &[Ipv4Addr]) -> Verdict {
    let DnsOutcome::Resolved(resolution) = outcome else {
        return Verdict::NoAnswer;
    };
    if resolution.addresses.is_empty() {
        return Verdict::NoAnswer;
    }
    let public: Vec<IpAddr> = resolution
        .addresses
        .iter()
        .copied()
        .filter(|a| match a {
            IpAddr::V4(v4) => !is_private(*v4),
            IpAddr::V6(v6) => !(v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00),
        })
        .collect();
    if !public.is_empty() {
        return Verdict::Public(public);
    }
    let other: Vec<IpAddr> = resolution
        .addresses
        .iter()
        .copied()
        .filter(|a| !matches!(a, IpAddr::V4(v4) if expected.contains(v4)))
        .collect();
    if other.is_empty() {
        Verdict::Expected
    } else {
        Verdict::OtherPrivate(other)
    }
}

/// A resolver bound to the servers it asks.
pub struct DnsProbe {
    resolver: TokioResolver,
    /// The servers, for the report's vantage point.
    pub servers: Vec<SocketAddr>,
}

impl DnsProbe {
    /// Asks the given servers (`--dns-server`), or the system's when none are given.
    pub fn new(
        servers: &[SocketAddr],
        guard: &DialGuard,
        timeout: Duration,
    ) -> Result<DnsProbe, InputError> {
        let (config, mut options) = if servers.is_empty() {
            hickory_resolver::system_conf::read_system_conf().map_err(|e| {
                InputError::new(format!(
                    "cannot read the system's DNS configuration ({e}); pass --dns-server"
                ))
            })?
        } else {
            let name_servers = servers
                .iter()
                .map(|s| {
                    let mut ns = NameServerConfig::udp_and_tcp(s.ip());
                    for connection in &mut ns.connections {
                        connection.port = s.port();
                    }
                    ns
                })
                .collect();
            (
                ResolverConfig::from_parts(None, vec![], name_servers),
                ResolverOpts::default(),
            )
        };
        let used: Vec<SocketAddr> = config
            .name_servers()
            .iter()
            .flat_map(|ns| {
                ns.connections
                    .iter()
                    .map(move |c| SocketAddr::new(ns.ip, c.port))
            })
            .collect();
        for server in &used {
            guard.check(server.ip()).map_err(|refused: DialRefused| {
                InputError::new(format!("DNS server {server}: {refused}"))
            })?;
        }
        options.timeout = timeout;
        options.attempts = 1;
        options.cache_size = 0;
        let resolver = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
            .with_options(options)
            .build()
            .map_err(|e| InputError::new(format!("cannot build the DNS resolver: {e}")))?;
        let mut servers = used;
        servers.dedup();
        Ok(DnsProbe { resolver, servers })
    }

    /// Resolves `name` (A records), following CNAMEs.
    pub async fn resolve(&self, name: &str) -> DnsOutcome {
        let fqdn = if name.ends_with('.') {
            name.to_string()
        } else {
            format!("{name}.")
        };
        match self.resolver.lookup(fqdn.as_str(), RecordType::A).await {
            Ok(lookup) => {
                let mut chain = Vec::new();
                let mut addresses = Vec::new();
                for record in lookup.answers() {
                    match &record.data {
                        RData::CNAME(target) => {
                            chain.push(target.0.to_string().trim_end_matches('.').to_string())
                        }
                        RData::A(a) => addresses.push(IpAddr::V4(a.0)),
                        RData::AAAA(a) => addresses.push(IpAddr::V6(a.0)),
                        _ => {}
                    }
                }
                DnsOutcome::Resolved(Resolution {
                    name: name.to_string(),
                    chain,
                    addresses,
                })
            }
            Err(e) if e.is_nx_domain() => DnsOutcome::NxDomain {
                name: name.to_string(),
            },
            Err(e) if e.is_no_records_found() => DnsOutcome::Resolved(Resolution {
                name: name.to_string(),
                chain: Vec::new(),
                addresses: Vec::new(),
            }),
            Err(e) => {
                let text = e.to_string();
                if text.to_ascii_lowercase().contains("timed out")
                    || text.to_ascii_lowercase().contains("timeout")
                {
                    DnsOutcome::Timeout {
                        name: name.to_string(),
                    }
                } else {
                    DnsOutcome::ServerFailure {
                        name: name.to_string(),
                        detail: text,
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(addresses: &[&str]) -> DnsOutcome {
        DnsOutcome::Resolved(Resolution {
            name: "r.azurecr.io".into(),
            chain: vec![],
            addresses: addresses.iter().map(|a| a.parse().unwrap()).collect(),
        })
    }

    #[test]
    fn answers_are_classified_against_the_endpoint() {
        let expected = ["10.0.1.5".parse().unwrap()];
        assert_eq!(
            classify(&resolved(&["10.0.1.5"]), &expected),
            Verdict::Expected
        );
        assert_eq!(
            classify(&resolved(&["20.38.4.1"]), &expected),
            Verdict::Public(vec!["20.38.4.1".parse().unwrap()])
        );
        assert_eq!(
            classify(&resolved(&["10.0.1.9"]), &expected),
            Verdict::OtherPrivate(vec!["10.0.1.9".parse().unwrap()])
        );
        assert_eq!(classify(&resolved(&[]), &expected), Verdict::NoAnswer);
        assert_eq!(
            classify(&DnsOutcome::NxDomain { name: "x".into() }, &expected),
            Verdict::NoAnswer
        );
    }
}
