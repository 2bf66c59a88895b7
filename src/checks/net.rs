//! NET-001…006: the integration subnet and its VNet, delegation, size, the path from the
//! integration VNet to the private endpoint (same VNet or connected peering), NSGs on both
//! ends, and route tables that divert the traffic.

use std::net::Ipv4Addr;

use super::nsg::{self, Direction, Flow, TagContext, Verdict};
use super::{Check, Eval, Evidence, Family, Outcome, Severity, check_doc as doc};
use crate::facts::inventory::{Gap, id_key};
use crate::facts::net::usable_addresses;
use crate::facts::{
    ArmId, Endpoint, Facts, Observed, RegistryLookup, Unavailable, VnetFacts, parent_id,
    unavailable,
};

pub static CHECKS: &[Check] = &[
    Check {
        id: "NET-001",
        title: "Integration subnet and VNet exist in the app's region",
        family: Family::Net,
        severity: Severity::High,
        needs: &["APP-003"],
        after: &[],
        doc: doc!("NET-001"),
        eval: Eval::Config(subnet_exists),
    },
    Check {
        id: "NET-002",
        title: "Subnet delegated to Microsoft.Web/serverFarms only",
        family: Family::Net,
        severity: Severity::High,
        needs: &["NET-001"],
        after: &[],
        doc: doc!("NET-002"),
        eval: Eval::Config(delegation),
    },
    Check {
        id: "NET-003",
        title: "Subnet large enough",
        family: Family::Net,
        severity: Severity::High,
        needs: &["NET-001"],
        after: &[],
        doc: doc!("NET-003"),
        eval: Eval::Config(subnet_size),
    },
    Check {
        id: "NET-004",
        title: "Private endpoint reachable from the integration VNet",
        family: Family::Net,
        severity: Severity::High,
        needs: &["NET-001"],
        after: &[],
        doc: doc!("NET-004"),
        eval: Eval::Config(endpoint_reachable),
    },
    Check {
        id: "NET-005",
        title: "NSGs allow TCP 443 to the endpoint",
        family: Family::Net,
        severity: Severity::High,
        needs: &["NET-001"],
        after: &["NET-004"],
        doc: doc!("NET-005"),
        eval: Eval::Config(nsg_allows),
    },
    Check {
        id: "NET-006",
        title: "Routes to the endpoint stay in the VNet",
        family: Family::Net,
        severity: Severity::Medium,
        needs: &["NET-001"],
        after: &["NET-004"],
        doc: doc!("NET-006"),
        eval: Eval::Config(routes),
    },
];

fn subnet_exists(facts: &Facts) -> Result<Outcome, Unavailable> {
    let site = &facts.site;
    let subnet_id = site.subnet_id.clone().unwrap_or_default();
    let subnet = match &facts.subnet {
        Observed::Absent {
            gap: Gap::NotFound, ..
        } => {
            return Ok(Outcome::fail(format!("the integration subnet {subnet_id} does not exist")).evidence(Evidence::new(&site.id, "properties.virtualNetworkSubnetId").actual(&subnet_id))
                .fix(format!("az webapp vnet-integration remove -g {rg} -n {app}; az webapp vnet-integration add -g {rg} -n {app} --vnet <vnet> --subnet <subnet>", rg = site.arm.resource_group, app = site.name)));
        }
        other => other.get()?,
    };
    let vnet = facts.vnet.get()?;
    let evidence = Evidence::new(&vnet.id, "location")
        .expected(&site.location)
        .actual(&vnet.location);
    if !site.location.is_empty() && !vnet.location.is_empty() && site.location != vnet.location {
        return Ok(Outcome::fail(format!("VNet {} is in {} but the app is in {}: regional VNet integration needs a VNet in the app's region", vnet.name, vnet.location, site.location)).evidence(evidence)
            .fix(format!("Create a VNet and delegated subnet in {}, then: az webapp vnet-integration add -g {} -n {} --vnet <vnet-in-{}> --subnet <subnet>", site.location, site.arm.resource_group, site.name, site.location)));
    }
    Ok(Outcome::pass(format!(
        "subnet {} in VNet {} ({})",
        subnet.name, vnet.name, vnet.location
    ))
    .evidence(evidence))
}

fn delegation(facts: &Facts) -> Result<Outcome, Unavailable> {
    let subnet = facts.subnet.get()?;
    let web = |d: &String| d.eq_ignore_ascii_case("Microsoft.Web/serverFarms");
    let actual = if subnet.delegations.is_empty() {
        "none".to_string()
    } else {
        subnet.delegations.join(", ")
    };
    let evidence = Evidence::new(
        &subnet.id,
        "properties.delegations[].properties.serviceName",
    )
    .expected("Microsoft.Web/serverFarms")
    .actual(&actual);
    let arm = ArmId::parse(&subnet.id);
    let vnet = ArmId::parse(&subnet.vnet_id).name;
    if subnet.delegations.iter().any(web) && subnet.delegations.len() == 1 {
        return Ok(Outcome::pass(format!(
            "{} is delegated to Microsoft.Web/serverFarms",
            subnet.name
        ))
        .evidence(evidence));
    }
    if subnet.delegations.iter().any(web) {
        return Ok(Outcome::fail(format!("{} is delegated to Microsoft.Web/serverFarms and also to {}: a subnet takes one delegation", subnet.name, actual)).evidence(evidence)
            .fix(format!("az network vnet subnet update -g {} --vnet-name {vnet} -n {} --remove delegations; az network vnet subnet update -g {} --vnet-name {vnet} -n {} --delegations Microsoft.Web/serverFarms", arm.resource_group, subnet.name, arm.resource_group, subnet.name)));
    }
    Ok(Outcome::fail(format!("{} is not delegated to Microsoft.Web/serverFarms (delegations: {actual})", subnet.name)).evidence(evidence)
        .fix(format!("az network vnet subnet update -g {} --vnet-name {vnet} -n {} --delegations Microsoft.Web/serverFarms", arm.resource_group, subnet.name)))
}

fn subnet_size(facts: &Facts) -> Result<Outcome, Unavailable> {
    let subnet = facts.subnet.get()?;
    let Some(prefix) = subnet.prefixes.iter().min_by_key(|p| p.prefix_len()) else {
        return Ok(Outcome::fail(format!(
            "{} has no IPv4 address prefix{}",
            subnet.name,
            if subnet.unparsed_prefixes.is_empty() {
                String::new()
            } else {
                format!(" that parses ({})", subnet.unparsed_prefixes.join(", "))
            }
        ))
        .evidence(
            Evidence::new(&subnet.id, "properties.addressPrefix")
                .expected("an IPv4 CIDR, /28 or larger"),
        ));
    };
    let usable = usable_addresses(prefix);
    let evidence = Evidence::new(&subnet.id, "properties.addressPrefix")
        .expected("/28 or larger (/26 recommended)")
        .actual(prefix.to_string());
    if prefix.prefix_len() > 28 {
        return Ok(Outcome::fail(format!("{} is /{} ({usable} usable addresses): VNet integration needs /28 or larger", subnet.name, prefix.prefix_len())).evidence(evidence)
            .fix("A subnet cannot be resized while in use: create a /26 subnet delegated to Microsoft.Web/serverFarms and move the integration to it (az webapp vnet-integration add)."));
    }
    // Scale operations briefly need an address for every old and every new instance.
    let instances = facts
        .plan
        .as_option()
        .and_then(|p| p.elastic_maximum.or(p.capacity))
        .unwrap_or(1)
        .max(1) as u64;
    let needed = 2 * instances;
    let plan_max = facts
        .plan
        .as_option()
        .and_then(|p| p.maximum_workers)
        .unwrap_or(0) as u64;
    if usable < needed {
        return Ok(Outcome::warn(format!("{} has {usable} usable addresses; the plan runs {instances} instance(s) and a scale operation needs {needed}", subnet.name)).evidence(evidence.actual(format!("{prefix} ({usable} usable)")))
            .fix("Move the integration to a larger subnet (/26 or more) delegated to Microsoft.Web/serverFarms."));
    }
    let headroom = usable / 2;
    let mut message = format!(
        "{} is /{} with {usable} usable addresses: room for {headroom} instances during scale operations",
        subnet.name,
        prefix.prefix_len()
    );
    if prefix.prefix_len() > 26 {
        message.push_str(" (a /26 is recommended");
        if plan_max > headroom {
            message.push_str(&format!("; the plan's tier scales to {plan_max}"));
        }
        message.push(')');
    }
    Ok(Outcome::pass(message).evidence(evidence.actual(format!("{prefix} ({usable} usable)"))))
}

/// How an endpoint is reached from the integration VNet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reach {
    SameVnet,
    Peered { peering: String },
    NotConnected { why: String },
    Unknown { why: String },
}

/// Each private endpoint of the image's registry, with how the app reaches it.
pub(crate) fn endpoint_reach(facts: &Facts) -> Vec<(&Endpoint, Reach)> {
    let Some(vnet) = facts.vnet.as_option() else {
        return facts
            .endpoints
            .iter()
            .map(|e| {
                (
                    e,
                    Reach::Unknown {
                        why: "the integration VNet is not in the input".into(),
                    },
                )
            })
            .collect();
    };
    facts
        .endpoints
        .iter()
        .map(|e| (e, reach(facts, vnet, e)))
        .collect()
}

fn reach(facts: &Facts, vnet: &VnetFacts, endpoint: &Endpoint) -> Reach {
    let Some(subnet_id) = &endpoint.subnet_id else {
        return Reach::Unknown {
            why: format!("the private endpoint {} is not in the input", endpoint.name),
        };
    };
    let pe_vnet = parent_id(subnet_id);
    if id_key(&pe_vnet) == id_key(&vnet.id) {
        return Reach::SameVnet;
    }
    let pe_vnet_name = ArmId::parse(&pe_vnet).name;
    let Some(peering) = vnet
        .peerings
        .iter()
        .find(|p| id_key(&p.remote_vnet_id) == id_key(&pe_vnet))
    else {
        return Reach::NotConnected {
            why: format!(
                "the endpoint is in VNet {pe_vnet_name}, which is neither the integration VNet {} nor peered with it (peering is not transitive)",
                vnet.name
            ),
        };
    };
    if !peering.state.eq_ignore_ascii_case("Connected") {
        return Reach::NotConnected {
            why: format!(
                "peering {} from {} to {pe_vnet_name} is {} (both sides must exist: Connected)",
                peering.name, vnet.name, peering.state
            ),
        };
    }
    if !peering.allow_virtual_network_access {
        return Reach::NotConnected {
            why: format!(
                "peering {} has allowVirtualNetworkAccess=false",
                peering.name
            ),
        };
    }
    if let Some(remote) = facts.vnets.get(&id_key(&pe_vnet)) {
        match remote
            .peerings
            .iter()
            .find(|p| id_key(&p.remote_vnet_id) == id_key(&vnet.id))
        {
            Some(back) if !back.state.eq_ignore_ascii_case("Connected") => {
                return Reach::NotConnected {
                    why: format!(
                        "peering {} from {pe_vnet_name} back to {} is {}",
                        back.name, vnet.name, back.state
                    ),
                };
            }
            Some(back) if !back.allow_virtual_network_access => {
                return Reach::NotConnected {
                    why: format!("peering {} has allowVirtualNetworkAccess=false", back.name),
                };
            }
            _ => {}
        }
    }
    Reach::Peered {
        peering: peering.name.clone(),
    }
}

fn no_endpoint_reason(facts: &Facts) -> String {
    match &facts.registry {
        RegistryLookup::Custom { host } => format!(
            "the input holds no private endpoint serving {host}: it is reached at its public address"
        ),
        _ => "the registry has no private endpoint in the input (REG-003 reports it)".into(),
    }
}

fn endpoint_reachable(facts: &Facts) -> Result<Outcome, Unavailable> {
    if facts.endpoints.is_empty() {
        return Ok(Outcome::skip(no_endpoint_reason(facts)));
    }
    let vnet = facts.vnet.get()?;
    let reaches = endpoint_reach(facts);
    let mut evidence = Vec::new();
    for (e, r) in &reaches {
        let actual = match r {
            Reach::SameVnet => "same VNet".to_string(),
            Reach::Peered { peering } => format!("peered ({peering}, Connected)"),
            Reach::NotConnected { why } | Reach::Unknown { why } => why.clone(),
        };
        evidence.push(
            Evidence::new(&e.id, "properties.subnet.id")
                .expected(format!(
                    "a subnet of {} or of a VNet peered with it",
                    vnet.name
                ))
                .actual(actual),
        );
    }
    if let Some((e, r)) = reaches
        .iter()
        .find(|(_, r)| matches!(r, Reach::SameVnet | Reach::Peered { .. }))
    {
        let how = if *r == Reach::SameVnet {
            format!("in the integration VNet {}", vnet.name)
        } else {
            format!("in a VNet peered with {}", vnet.name)
        };
        return Ok(
            Outcome::pass(format!("private endpoint {} is {how}", e.name)).evidences(evidence),
        );
    }
    if let Some((_, Reach::Unknown { why })) = reaches
        .iter()
        .find(|(_, r)| matches!(r, Reach::Unknown { .. }))
    {
        return Ok(Outcome::skip(why.clone()));
    }
    let (e, why) = reaches
        .iter()
        .find_map(|(e, r)| match r {
            Reach::NotConnected { why } => Some((e, why)),
            _ => None,
        })
        .expect("all endpoints are not connected");
    let pe_vnet = e.subnet_id.as_deref().map(parent_id).unwrap_or_default();
    Ok(Outcome::fail(format!("private endpoint {} cannot be reached from the app: {why}", e.name)).evidences(evidence)
        .fix(format!("az network vnet peering create -g {} -n {}-to-{} --vnet-name {} --remote-vnet {pe_vnet} --allow-vnet-access\n(and the reverse peering from {}), or create the endpoint in a subnet of {}", ArmId::parse(&vnet.id).resource_group, vnet.name, ArmId::parse(&pe_vnet).name, vnet.name, ArmId::parse(&pe_vnet).name, vnet.name)))
}

/// The endpoint addresses the pull connects to: every member of the endpoints the app reaches.
fn target_addresses(facts: &Facts) -> Vec<(&Endpoint, String, Ipv4Addr)> {
    endpoints_in_reach(facts)
        .into_iter()
        .flat_map(|e| {
            let mut targets: Vec<(&Endpoint, String, Ipv4Addr)> = e
                .members
                .iter()
                .filter_map(|m| m.ip.map(|ip| (e, m.fqdn.clone(), ip)))
                .collect();
            // An endpoint a template creates gets its addresses from its subnet at
            // deployment: judge the rules for the first one Azure hands out there.
            if targets.is_empty() && e.planned {
                let prefix = e
                    .subnet_id
                    .as_ref()
                    .and_then(|id| facts.subnets.get(&id_key(id)))
                    .and_then(|s| s.prefixes.first().copied());
                if let Some(prefix) = prefix {
                    let first = Ipv4Addr::from(u32::from(prefix.network()).saturating_add(4));
                    targets.push((
                        e,
                        format!("an address of {prefix} (known after deployment)"),
                        first,
                    ));
                }
            }
            targets
        })
        .collect()
}

/// The endpoints the pull goes to: those the app reaches, or every endpoint when it reaches
/// none, so that DNS and NSG checks still judge what is configured while NET-004 reports
/// the missing path.
pub(crate) fn endpoints_in_reach(facts: &Facts) -> Vec<&Endpoint> {
    let reachable: Vec<&Endpoint> = endpoint_reach(facts)
        .into_iter()
        .filter(|(_, r)| matches!(r, Reach::SameVnet | Reach::Peered { .. }))
        .map(|(e, _)| e)
        .collect();
    if reachable.is_empty() {
        facts.endpoints.iter().collect()
    } else {
        reachable
    }
}

/// The `VirtualNetwork` tag of a VNet: its space and its peers'.
fn tag_context(facts: &Facts, vnet: &VnetFacts) -> TagContext {
    let mut space = vnet.address_space.clone();
    for p in &vnet.peerings {
        if !p.state.eq_ignore_ascii_case("Connected") {
            continue;
        }
        let remote = facts
            .vnets
            .get(&id_key(&p.remote_vnet_id))
            .map(|v| v.address_space.clone())
            .unwrap_or_else(|| p.remote_address_space.clone());
        space.extend(remote);
    }
    TagContext {
        virtual_network: space,
    }
}

fn nsg_allows(facts: &Facts) -> Result<Outcome, Unavailable> {
    if facts.endpoints.is_empty() {
        return Ok(Outcome::skip(no_endpoint_reason(facts)));
    }
    let subnet = facts.subnet.get()?;
    let vnet = facts.vnet.get()?;
    let Some(source) = subnet.prefixes.first().copied() else {
        return Ok(Outcome::skip(
            "the integration subnet has no IPv4 prefix (NET-003 reports it)",
        ));
    };
    let targets = target_addresses(facts);
    if targets.is_empty() {
        return Ok(Outcome::skip(
            "the endpoint's addresses are unknown (its NIC is not in the input)",
        ));
    }
    let mut evidence = Vec::new();
    let mut denied = Vec::new();
    let mut unknown = Vec::new();
    let mut checked = Vec::new();
    let mut fixes = Vec::new();

    if let Some(nsg_id) = &subnet.nsg_id {
        let (nsg, _) = facts
            .inventory
            .network_security_group(nsg_id)
            .ok_or_else(|| {
                unavailable(
                    "the integration subnet's NSG",
                    Some(nsg_id),
                    &facts.inventory.gap(nsg_id),
                )
            })?;
        let tags = tag_context(facts, vnet);
        checked.push(format!(
            "{} (outbound)",
            nsg.name.clone().unwrap_or_default()
        ));
        for (_, fqdn, ip) in &targets {
            let flow = Flow {
                direction: Direction::Outbound,
                source,
                destination: *ip,
                port: 443,
            };
            judge(
                nsg::evaluate(nsg, &flow, &tags),
                nsg_id,
                "outbound",
                &format!("{source} → {ip}:443 ({fqdn})"),
                &mut evidence,
                &mut denied,
                &mut unknown,
            );
        }
        if !denied.is_empty() {
            let arm = ArmId::parse(nsg_id);
            fixes.push(format!("az network nsg rule create -g {} --nsg-name {} -n allow-acr-private-endpoint --priority 100 --direction Outbound --access Allow --protocol Tcp --source-address-prefixes {source} --destination-address-prefixes {} --destination-port-ranges 443", arm.resource_group, arm.name, targets.iter().map(|t| t.2.to_string()).collect::<Vec<_>>().join(" ")));
        }
    }

    // The endpoint side: NSGs apply to private endpoints only when network policies are on.
    let mut seen_endpoint_subnets = Vec::new();
    for (endpoint, fqdn, ip) in &targets {
        let Some(pe_subnet_id) = &endpoint.subnet_id else {
            continue;
        };
        let Some(pe_subnet) = facts.subnets.get(&id_key(pe_subnet_id)) else {
            continue;
        };
        let policies = pe_subnet
            .private_endpoint_network_policies
            .to_ascii_lowercase();
        if !(policies == "enabled" || policies == "networksecuritygroupenabled") {
            continue;
        }
        let Some(nsg_id) = &pe_subnet.nsg_id else {
            continue;
        };
        let Some((nsg, _)) = facts.inventory.network_security_group(nsg_id) else {
            unknown.push(format!(
                "the endpoint subnet's NSG {} is not in the input",
                ArmId::parse(nsg_id).name
            ));
            continue;
        };
        let Some(pe_vnet) = facts.vnets.get(&id_key(&pe_subnet.vnet_id)) else {
            continue;
        };
        if !seen_endpoint_subnets.contains(&pe_subnet.id) {
            checked.push(format!(
                "{} (inbound)",
                nsg.name.clone().unwrap_or_default()
            ));
            seen_endpoint_subnets.push(pe_subnet.id.clone());
        }
        let before = denied.len();
        let flow = Flow {
            direction: Direction::Inbound,
            source,
            destination: *ip,
            port: 443,
        };
        judge(
            nsg::evaluate(nsg, &flow, &tag_context(facts, pe_vnet)),
            nsg_id,
            "inbound",
            &format!("{source} → {ip}:443 ({fqdn})"),
            &mut evidence,
            &mut denied,
            &mut unknown,
        );
        if denied.len() > before {
            let arm = ArmId::parse(nsg_id);
            fixes.push(format!("az network nsg rule create -g {} --nsg-name {} -n allow-app-to-acr --priority 100 --direction Inbound --access Allow --protocol Tcp --source-address-prefixes {source} --destination-address-prefixes {ip} --destination-port-ranges 443", arm.resource_group, arm.name));
        }
    }
    if checked.is_empty() {
        return Ok(Outcome::pass(
            "no NSG applies on the path (none on the integration subnet; endpoint network policies off or no NSG)",
        ));
    }
    if !denied.is_empty() {
        fixes.dedup();
        return Ok(Outcome::fail(format!(
            "TCP 443 to the private endpoint is denied: {}",
            denied.join("; ")
        ))
        .evidences(evidence)
        .fix(fixes.join("\n")));
    }
    if !unknown.is_empty() {
        return Ok(Outcome::warn(format!(
            "cannot decide from ARM alone: {}; run with --probe to test the connection",
            unknown.join("; ")
        ))
        .evidences(evidence));
    }
    Ok(Outcome::pass(format!(
        "TCP 443 from {source} to every endpoint address is allowed by {}",
        checked.join(", ")
    ))
    .evidences(evidence))
}

fn judge(
    verdict: Verdict,
    nsg_id: &str,
    direction: &str,
    flow: &str,
    evidence: &mut Vec<Evidence>,
    denied: &mut Vec<String>,
    unknown: &mut Vec<String>,
) {
    let nsg_name = ArmId::parse(nsg_id).name;
    let (actual, rule_path) = match &verdict {
        Verdict::Allowed { rule, priority } => {
            (format!("allowed by {rule} ({priority})"), rule.clone())
        }
        Verdict::Denied { rule, priority } => {
            denied.push(format!(
                "{flow} {direction} by {nsg_name} rule {rule} (priority {priority})"
            ));
            (format!("denied by {rule} ({priority})"), rule.clone())
        }
        Verdict::Unknown {
            rule,
            priority,
            why,
        } => {
            unknown.push(format!(
                "{nsg_name} rule {rule} ({priority}) may match {flow}: {why}"
            ));
            (format!("undecided at {rule} ({priority})"), rule.clone())
        }
    };
    evidence.push(
        Evidence::new(nsg_id, &format!("properties.securityRules[{rule_path}]"))
            .expected(format!("{direction} {flow} allowed"))
            .actual(actual),
    );
}

fn routes(facts: &Facts) -> Result<Outcome, Unavailable> {
    let subnet = facts.subnet.get()?;
    let Some(table_id) = &subnet.route_table_id else {
        return Ok(Outcome::pass(
            "no route table on the integration subnet: system routes carry the traffic",
        ));
    };
    let (table, _) = facts.inventory.route_table(table_id).ok_or_else(|| {
        unavailable(
            "the integration subnet's route table",
            Some(table_id),
            &facts.inventory.gap(table_id),
        )
    })?;
    let vnet = facts.vnet.get()?;
    let targets = target_addresses(facts);
    if targets.is_empty() {
        return Ok(Outcome::skip(if facts.endpoints.is_empty() {
            no_endpoint_reason(facts)
        } else {
            "the endpoint's addresses are unknown (its NIC is not in the input)".into()
        }));
    }
    let peer_space: Vec<_> = tag_context(facts, vnet)
        .virtual_network
        .into_iter()
        .filter(|n| !vnet.address_space.contains(n))
        .collect();
    let mut evidence = Vec::new();
    let mut dropped = Vec::new();
    let mut diverted = Vec::new();
    for (endpoint, fqdn, ip) in &targets {
        let overridable = endpoint
            .subnet_id
            .as_deref()
            .and_then(|id| facts.subnets.get(&id_key(id)))
            .is_some_and(|s| {
                matches!(
                    s.private_endpoint_network_policies
                        .to_ascii_lowercase()
                        .as_str(),
                    "enabled" | "routetableenabled"
                )
            });
        let hop = nsg::next_hop(
            Some(table),
            *ip,
            &vnet.address_space,
            &peer_space,
            overridable,
        );
        let route = hop
            .user_route
            .clone()
            .map(|r| format!("route {r} ({})", hop.prefix))
            .unwrap_or_else(|| format!("system route {}", hop.prefix));
        let actual = format!(
            "{} via {route}{}",
            hop.next_hop_type,
            hop.next_hop_ip
                .as_ref()
                .map(|i| format!(" {i}"))
                .unwrap_or_default()
        );
        evidence.push(
            Evidence::new(table_id, "properties.routes")
                .expected(format!("{ip} ({fqdn}) stays in the VNet"))
                .actual(&actual),
        );
        match hop.next_hop_type.to_ascii_lowercase().as_str() {
            "none" => dropped.push(format!(
                "{ip} ({fqdn}) is dropped by {route} (next hop None)"
            )),
            "internet" if hop.user_route.is_some() => {
                dropped.push(format!("{ip} ({fqdn}) is sent to the Internet by {route}"))
            }
            "virtualappliance" | "virtualnetworkgateway" => {
                diverted.push(format!("{ip} ({fqdn}) goes to {actual}"))
            }
            _ => {}
        }
    }
    let arm = ArmId::parse(table_id);
    if !dropped.is_empty() {
        return Ok(Outcome::fail(format!("traffic to the endpoint is dropped: {}", dropped.join("; "))).evidences(evidence).severity(Severity::High)
            .fix(format!("az network route-table route delete -g {} --route-table-name {} -n <route>, or add a more specific route with next hop VnetLocal", arm.resource_group, arm.name)));
    }
    if !diverted.is_empty() {
        return Ok(Outcome::warn(format!("traffic to the endpoint leaves through an appliance: {}; it must allow TCP 443 to the endpoint and return the traffic symmetrically", diverted.join("; "))).evidences(evidence)
            .fix(format!("Allow TCP 443 to the endpoint on the appliance, or add a route for the endpoint subnet with next hop VnetLocal: az network route-table route create -g {} --route-table-name {} -n acr-endpoint-direct --address-prefix <endpoint-subnet> --next-hop-type VnetLocal", arm.resource_group, arm.name)));
    }
    Ok(Outcome::pass(format!(
        "route table {} keeps the endpoint traffic in the VNet",
        arm.name
    ))
    .evidences(evidence))
}
