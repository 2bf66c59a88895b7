//! Network security group and route evaluation, as Azure applies them: rules by priority
//! (custom rules, then the default rules), the `VirtualNetwork` tag as the VNet's address
//! space plus its peers', port ranges and prefix lists; and longest-prefix routing with user
//! routes beating system routes of the same length, and the `/32` routes private endpoints
//! inject.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use crate::facts::arm::{NetworkSecurityGroup, RouteTable, SecurityRule};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Inbound,
    Outbound,
}

/// The flow being asked about: from every address of a prefix to one address on a TCP port.
#[derive(Debug, Clone)]
pub struct Flow {
    pub direction: Direction,
    pub source: Ipv4Net,
    pub destination: Ipv4Addr,
    pub port: u16,
}

/// What the rule set does with the flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Allowed {
        rule: String,
        priority: i64,
    },
    Denied {
        rule: String,
        priority: i64,
    },
    /// A rule that might match cannot be evaluated from ARM alone (application security
    /// groups, service tags other than the ones modelled, a source covering part of the
    /// subnet).
    Unknown {
        rule: String,
        priority: i64,
        why: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Match {
    Yes,
    No,
    Unknown,
}

/// The address space the `VirtualNetwork` tag stands for here.
#[derive(Debug, Clone, Default)]
pub struct TagContext {
    pub virtual_network: Vec<Ipv4Net>,
}

pub fn evaluate(nsg: &NetworkSecurityGroup, flow: &Flow, tags: &TagContext) -> Verdict {
    let mut rules: Vec<&SecurityRule> = nsg
        .properties
        .security_rules
        .iter()
        .filter(|r| direction_of(r) == Some(flow.direction))
        .collect();
    rules.sort_by_key(|r| r.properties.priority.unwrap_or(i64::MAX));
    let defaults = default_rules(flow.direction);
    let listed_defaults: Vec<&SecurityRule> = nsg
        .properties
        .default_security_rules
        .iter()
        .filter(|r| direction_of(r) == Some(flow.direction))
        .collect();
    let defaults: Vec<&SecurityRule> = if listed_defaults.is_empty() {
        defaults.iter().collect()
    } else {
        listed_defaults
    };

    for rule in rules.into_iter().chain(defaults) {
        let p = &rule.properties;
        let name = rule.name.clone().unwrap_or_else(|| "(unnamed)".into());
        let priority = p.priority.unwrap_or(0);
        if !protocol_matches(p.protocol.as_deref())
            || !port_matches(
                p.destination_port_range.as_deref(),
                &p.destination_port_ranges,
                flow.port,
            )
        {
            continue;
        }
        let source = if !p.source_application_security_groups.is_empty() {
            Match::Unknown
        } else {
            prefixes_match_net(
                p.source_address_prefix.as_deref(),
                &p.source_address_prefixes,
                flow.source,
                tags,
            )
        };
        let destination = if !p.destination_application_security_groups.is_empty() {
            Match::Unknown
        } else {
            prefixes_match_ip(
                p.destination_address_prefix.as_deref(),
                &p.destination_address_prefixes,
                flow.destination,
                tags,
            )
        };
        let allow = p
            .access
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case("Allow"));
        match (source, destination) {
            (Match::No, _) | (_, Match::No) => continue,
            (Match::Yes, Match::Yes) => {
                return if allow {
                    Verdict::Allowed {
                        rule: name,
                        priority,
                    }
                } else {
                    Verdict::Denied {
                        rule: name,
                        priority,
                    }
                };
            }
            _ => {
                return Verdict::Unknown {
                    rule: name,
                    priority,
                    why: "it uses application security groups, a service tag, or a source that covers only part of the subnet".into(),
                };
            }
        }
    }
    // Unreachable with the default rules present; deny is what Azure does at the end.
    Verdict::Denied {
        rule: "(implicit deny)".into(),
        priority: 65500,
    }
}

fn direction_of(rule: &SecurityRule) -> Option<Direction> {
    match rule
        .properties
        .direction
        .as_deref()?
        .to_ascii_lowercase()
        .as_str()
    {
        "inbound" => Some(Direction::Inbound),
        "outbound" => Some(Direction::Outbound),
        _ => None,
    }
}

fn protocol_matches(protocol: Option<&str>) -> bool {
    matches!(
        protocol.unwrap_or("*").to_ascii_lowercase().as_str(),
        "*" | "tcp" | "any"
    )
}

fn port_matches(single: Option<&str>, list: &[String], port: u16) -> bool {
    let one = |spec: &str| -> bool {
        let spec = spec.trim();
        if spec == "*" {
            return true;
        }
        match spec.split_once('-') {
            Some((lo, hi)) => {
                matches!((lo.trim().parse::<u16>(), hi.trim().parse::<u16>()), (Ok(lo), Ok(hi)) if lo <= port && port <= hi)
            }
            None => spec.parse::<u16>() == Ok(port),
        }
    };
    let specs: Vec<&str> = single
        .into_iter()
        .chain(list.iter().map(String::as_str))
        .filter(|s| !s.trim().is_empty())
        .collect();
    specs.is_empty() || specs.into_iter().any(one)
}

/// Resolves one address prefix token to networks: `*`, CIDR, address, or a modelled tag.
fn token_nets(token: &str, tags: &TagContext) -> Option<Vec<Ipv4Net>> {
    let token = token.trim();
    match token.to_ascii_lowercase().as_str() {
        "*" | "any" | "0.0.0.0/0" => return Some(vec![Ipv4Net::default()]),
        "virtualnetwork" => return Some(tags.virtual_network.clone()),
        // Private endpoint addresses are VNet addresses: these tags never contain them.
        "internet" | "azureloadbalancer" => return Some(Vec::new()),
        _ => {}
    }
    if let Ok(net) = token.parse::<Ipv4Net>() {
        return Some(vec![net]);
    }
    if let Ok(ip) = token.parse::<Ipv4Addr>() {
        return Some(vec![Ipv4Net::new(ip, 32).expect("a /32")]);
    }
    if token.contains(':') {
        return Some(Vec::new()); // IPv6 never matches an IPv4 flow
    }
    None // another service tag: not modelled
}

fn tokens<'a>(single: Option<&'a str>, list: &'a [String]) -> Vec<&'a str> {
    single
        .into_iter()
        .chain(list.iter().map(String::as_str))
        .filter(|s| !s.trim().is_empty())
        .collect()
}

fn prefixes_match_ip(
    single: Option<&str>,
    list: &[String],
    ip: Ipv4Addr,
    tags: &TagContext,
) -> Match {
    let mut unknown = false;
    for token in tokens(single, list) {
        match token_nets(token, tags) {
            Some(nets) if nets.iter().any(|n| n.contains(&ip)) => return Match::Yes,
            Some(_) => {}
            None => unknown = true,
        }
    }
    if unknown { Match::Unknown } else { Match::No }
}

fn prefixes_match_net(
    single: Option<&str>,
    list: &[String],
    source: Ipv4Net,
    tags: &TagContext,
) -> Match {
    let mut partial = false;
    for token in tokens(single, list) {
        match token_nets(token, tags) {
            Some(nets) => {
                if nets.iter().any(|n| n.contains(&source)) {
                    return Match::Yes;
                }
                if nets
                    .iter()
                    .any(|n| source.contains(n) || n.contains(&source.network()))
                {
                    partial = true;
                }
            }
            None => partial = true,
        }
    }
    if partial { Match::Unknown } else { Match::No }
}

fn rule(
    name: &str,
    priority: i64,
    direction: &str,
    access: &str,
    source: &str,
    destination: &str,
) -> SecurityRule {
    let mut r = SecurityRule {
        name: Some(name.into()),
        ..Default::default()
    };
    let p = &mut r.properties;
    p.priority = Some(priority);
    p.direction = Some(direction.into());
    p.access = Some(access.into());
    p.protocol = Some("*".into());
    p.source_address_prefix = Some(source.into());
    p.destination_address_prefix = Some(destination.into());
    p.destination_port_range = Some("*".into());
    r
}

/// Azure's default security rules, used when the NSG document does not list them.
fn default_rules(direction: Direction) -> Vec<SecurityRule> {
    match direction {
        Direction::Inbound => vec![
            rule(
                "AllowVnetInBound",
                65000,
                "Inbound",
                "Allow",
                "VirtualNetwork",
                "VirtualNetwork",
            ),
            rule(
                "AllowAzureLoadBalancerInBound",
                65001,
                "Inbound",
                "Allow",
                "AzureLoadBalancer",
                "*",
            ),
            rule("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*"),
        ],
        Direction::Outbound => vec![
            rule(
                "AllowVnetOutBound",
                65000,
                "Outbound",
                "Allow",
                "VirtualNetwork",
                "VirtualNetwork",
            ),
            rule(
                "AllowInternetOutBound",
                65001,
                "Outbound",
                "Allow",
                "*",
                "Internet",
            ),
            rule("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*"),
        ],
    }
}

/// Where a packet to `destination` goes from a subnet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextHop {
    pub prefix: Ipv4Net,
    pub next_hop_type: String,
    pub next_hop_ip: Option<String>,
    /// The user route's name; `None` for a system route.
    pub user_route: Option<String>,
}

/// Longest-prefix match over the user routes of `table` and the system routes: the VNet's
/// own space (VnetLocal), each peer's space (VNetPeering), the endpoint's `/32`
/// (InterfaceEndpoint) unless the endpoint subnet lets route tables override it, and the
/// default route (Internet). On equal length a user route wins.
pub fn next_hop(
    table: Option<&RouteTable>,
    destination: Ipv4Addr,
    vnet_space: &[Ipv4Net],
    peer_space: &[Ipv4Net],
    endpoint_route_overridable: bool,
) -> NextHop {
    let mut candidates: Vec<(NextHop, u8)> = Vec::new();
    let system = |prefix: Ipv4Net, kind: &str| NextHop {
        prefix,
        next_hop_type: kind.into(),
        next_hop_ip: None,
        user_route: None,
    };
    for n in vnet_space.iter().filter(|n| n.contains(&destination)) {
        candidates.push((system(*n, "VnetLocal"), 0));
    }
    for n in peer_space.iter().filter(|n| n.contains(&destination)) {
        candidates.push((system(*n, "VNetPeering"), 0));
    }
    candidates.push((system(Ipv4Net::default(), "Internet"), 0));
    if let Some(table) = table {
        for route in &table.properties.routes {
            let Some(prefix) = route
                .properties
                .address_prefix
                .as_deref()
                .and_then(|p| p.trim().parse::<Ipv4Net>().ok())
            else {
                continue;
            };
            if prefix.contains(&destination) {
                candidates.push((
                    NextHop {
                        prefix,
                        next_hop_type: route.properties.next_hop_type.clone().unwrap_or_default(),
                        next_hop_ip: route.properties.next_hop_ip_address.clone(),
                        user_route: route.name.clone().or(Some(String::new())),
                    },
                    1,
                ));
            }
        }
    }
    let best_user = candidates
        .iter()
        .filter(|(_, user)| *user == 1)
        .max_by_key(|(h, _)| h.prefix.prefix_len())
        .map(|(h, _)| h.clone());
    // The endpoint's /32 system route beats every user route unless network policies on the
    // endpoint's subnet allow route tables to override it.
    if !endpoint_route_overridable {
        let host = Ipv4Net::new(destination, 32).expect("a /32");
        let endpoint = system(host, "InterfaceEndpoint");
        return match best_user {
            Some(user) if user.prefix.prefix_len() == 32 => user,
            _ => endpoint,
        };
    }
    candidates.sort_by_key(|(h, user)| (h.prefix.prefix_len(), *user));
    candidates
        .pop()
        .map(|(h, _)| h)
        .expect("the default route is always a candidate")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::arm::{Route, RouteProperties};

    fn nsg(rules: Vec<SecurityRule>) -> NetworkSecurityGroup {
        let mut n = NetworkSecurityGroup {
            id: "nsg".into(),
            ..Default::default()
        };
        n.properties.security_rules = rules;
        n
    }

    fn flow() -> Flow {
        Flow {
            direction: Direction::Outbound,
            source: "10.0.0.0/24".parse().unwrap(),
            destination: "10.0.1.4".parse().unwrap(),
            port: 443,
        }
    }

    fn tags() -> TagContext {
        TagContext {
            virtual_network: vec!["10.0.0.0/16".parse().unwrap()],
        }
    }

    #[test]
    fn default_rules_allow_vnet_traffic() {
        assert_eq!(
            evaluate(&nsg(vec![]), &flow(), &tags()),
            Verdict::Allowed {
                rule: "AllowVnetOutBound".into(),
                priority: 65000
            }
        );
    }

    #[test]
    fn priority_order_decides() {
        let mut deny = rule("deny-443", 200, "Outbound", "Deny", "*", "10.0.1.0/24");
        deny.properties.protocol = Some("Tcp".into());
        deny.properties.destination_port_range = Some("400-500".into());
        let allow = rule("allow-all", 100, "Outbound", "Allow", "VirtualNetwork", "*");
        assert_eq!(
            evaluate(&nsg(vec![deny.clone(), allow]), &flow(), &tags()),
            Verdict::Allowed {
                rule: "allow-all".into(),
                priority: 100
            }
        );
        assert_eq!(
            evaluate(&nsg(vec![deny]), &flow(), &tags()),
            Verdict::Denied {
                rule: "deny-443".into(),
                priority: 200
            }
        );
    }

    #[test]
    fn other_ports_and_protocols_do_not_match() {
        let mut deny = rule("deny-udp", 100, "Outbound", "Deny", "*", "*");
        deny.properties.protocol = Some("Udp".into());
        let mut deny_80 = rule("deny-80", 101, "Outbound", "Deny", "*", "*");
        deny_80.properties.destination_port_ranges = vec!["80".into(), "8080-8090".into()];
        deny_80.properties.destination_port_range = None;
        assert!(matches!(
            evaluate(&nsg(vec![deny, deny_80]), &flow(), &tags()),
            Verdict::Allowed { .. }
        ));
    }

    #[test]
    fn service_tags_and_asgs_are_unknown() {
        let deny = rule(
            "deny-tag",
            100,
            "Outbound",
            "Deny",
            "*",
            "AzureContainerRegistry",
        );
        assert!(matches!(
            evaluate(&nsg(vec![deny]), &flow(), &tags()),
            Verdict::Unknown { .. }
        ));
    }

    #[test]
    fn routes_longest_prefix_and_endpoint_host_route() {
        let mut table = RouteTable::default();
        table.properties.routes = vec![Route {
            name: Some("to-fw".into()),
            properties: RouteProperties {
                address_prefix: Some("10.0.1.0/24".into()),
                next_hop_type: Some("VirtualAppliance".into()),
                next_hop_ip_address: Some("10.0.2.4".into()),
            },
        }];
        let space = vec!["10.0.0.0/16".parse().unwrap()];
        let ip = "10.0.1.4".parse().unwrap();
        assert_eq!(
            next_hop(Some(&table), ip, &space, &[], true).next_hop_type,
            "VirtualAppliance"
        );
        assert_eq!(
            next_hop(Some(&table), ip, &space, &[], false).next_hop_type,
            "InterfaceEndpoint"
        );
        assert_eq!(
            next_hop(None, ip, &space, &[], true).next_hop_type,
            "VnetLocal"
        );
    }
}
