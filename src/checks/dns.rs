//! DNS-001…006: the private DNS zone, its link to the VNet that resolves the app's queries,
//! the A records for the login server and every data endpoint (compared with the endpoint
//! NIC's addresses), the endpoint's zone group, and custom DNS servers on the VNet.
//!
//! Name resolution is modelled as Azure DNS does it: the privatelink name a public name
//! CNAMEs to is answered by the *most specific* private zone linked to the resolving VNet, so
//! a linked `<region>.data.privatelink.azurecr.io` zone shadows the records of
//! `privatelink.azurecr.io` for that region's data endpoint.

use std::net::Ipv4Addr;

use super::net::endpoints_in_reach;
use super::{Check, Eval, Evidence, Family, Outcome, Severity, check_doc as doc};
use crate::facts::inventory::{Gap, id_key};
use crate::facts::net::{is_private, parse_ipv4_lenient};
use crate::facts::{
    AZURE_DNS, ArmId, Facts, LinkFacts, RegistryLookup, Unavailable, ZoneFacts, unavailable,
};

pub static CHECKS: &[Check] = &[
    Check {
        id: "DNS-001",
        title: "Private DNS zone exists",
        family: Family::Dns,
        severity: Severity::High,
        needs: &[],
        after: &[],
        doc: doc!("DNS-001"),
        eval: Eval::Config(zone_exists),
    },
    Check {
        id: "DNS-002",
        title: "Zone linked to the VNet that resolves the app's queries",
        family: Family::Dns,
        severity: Severity::High,
        needs: &["DNS-001"],
        after: &["APP-007"],
        doc: doc!("DNS-002"),
        eval: Eval::Config(zone_linked),
    },
    Check {
        id: "DNS-003",
        title: "A record for the login server matches the endpoint",
        family: Family::Dns,
        severity: Severity::High,
        needs: &["DNS-002"],
        after: &[],
        doc: doc!("DNS-003"),
        eval: Eval::Config(login_server_record),
    },
    Check {
        id: "DNS-004",
        title: "A records for every data endpoint match the endpoint",
        family: Family::Dns,
        severity: Severity::High,
        needs: &["DNS-002"],
        after: &[],
        doc: doc!("DNS-004"),
        eval: Eval::Config(data_endpoint_records),
    },
    Check {
        id: "DNS-005",
        title: "Endpoint has a DNS zone group",
        family: Family::Dns,
        severity: Severity::Medium,
        needs: &[],
        after: &["DNS-003", "DNS-004"],
        doc: doc!("DNS-005"),
        eval: Eval::Config(zone_group),
    },
    Check {
        id: "DNS-006",
        title: "Custom DNS servers on the VNet",
        family: Family::Dns,
        severity: Severity::Medium,
        needs: &[],
        after: &[],
        doc: doc!("DNS-006"),
        eval: Eval::Config(vnet_custom_dns),
    },
];

/// The private zone the registry's login server is served from.
fn zone_name(facts: &Facts) -> Result<String, Unavailable> {
    match &facts.registry {
        RegistryLookup::Acr(_)
        | RegistryLookup::AcrNotFound { .. }
        | RegistryLookup::Unreadable { .. } => Ok(facts.cloud.acr_zone()),
        RegistryLookup::Custom { host } => {
            if facts.endpoints.is_empty() {
                return Err(Unavailable::missing(format!(
                    "the input holds no private endpoint serving {host}: it is reached at its public address, no private zone applies"
                )));
            }
            Ok(privatelink_name(facts, host)
                .split_once('.')
                .map(|(_, zone)| zone.to_string())
                .unwrap_or_default())
        }
        RegistryLookup::NoImage => Err(Unavailable::missing("no image reference (APP-002)")),
    }
}

/// The name a public host CNAMEs to inside Private Link: `r.azurecr.io` →
/// `r.privatelink.azurecr.io`, `r.westus.data.azurecr.io` → `r.westus.data.privatelink.azurecr.io`,
/// and for other services the label `privatelink` after the host's first label.
fn privatelink_name(facts: &Facts, host: &str) -> String {
    let host = host.to_ascii_lowercase();
    let suffix = format!(".{}", facts.cloud.acr_suffix());
    if let Some(stem) = host.strip_suffix(&suffix) {
        return format!("{stem}.privatelink{suffix}");
    }
    match host.split_once('.') {
        Some((first, rest)) => format!("{first}.privatelink.{rest}"),
        None => host,
    }
}

/// The VNets whose links decide what the app's queries see, or why that cannot be told.
fn resolving_vnets(facts: &Facts) -> Result<Vec<String>, String> {
    let vnet = facts.vnet.as_option();
    let (servers, azure) = facts.dns.effective();
    if azure {
        return vnet
            .map(|v| vec![v.id.clone()])
            .ok_or_else(|| "the integration VNet is not in the input".to_string());
    }
    let mut found = Vec::new();
    for server in servers {
        let Some(ip) = parse_ipv4_lenient(&server.value) else {
            continue;
        };
        if !is_private(ip) {
            return Err(format!(
                "the app resolves with the public server {ip}, which never answers from a private zone"
            ));
        }
        match facts.vnet_containing(ip) {
            Some(v) if !found.contains(&v.id) => found.push(v.id.clone()),
            Some(_) => {}
            None => {
                return Err(format!(
                    "the app resolves with the custom DNS server {ip}, which is in no VNet of the input: the zone must be linked to the VNet that server forwards from"
                ));
            }
        }
    }
    if found.is_empty() {
        vnet.map(|v| vec![v.id.clone()])
            .ok_or_else(|| "the integration VNet is not in the input".into())
    } else {
        Ok(found)
    }
}

fn link_to<'a>(zone: &'a ZoneFacts, vnet_id: &str) -> Option<&'a LinkFacts> {
    zone.links
        .iter()
        .find(|l| id_key(&l.vnet_id) == id_key(vnet_id))
}

fn zone_exists(facts: &Facts) -> Result<Outcome, Unavailable> {
    let name = zone_name(facts)?;
    let zones: Vec<&ZoneFacts> = facts.zones_named(&name).collect();
    if zones.is_empty() {
        let rg = facts
            .acr()
            .map_or(facts.site.arm.resource_group.clone(), |r| {
                r.arm.resource_group.clone()
            });
        return Ok(Outcome::fail(format!("no private DNS zone {name}: the registry name resolves to its public address")).evidence(Evidence::new(&format!("/subscriptions/{}/resourceGroups/{rg}/providers/Microsoft.Network/privateDnsZones/{name}", facts.site.arm.subscription), "").expected("the zone exists"))
            .fix(format!("az network private-dns zone create -g {rg} -n {name}")));
    }
    let ids: Vec<String> = zones
        .iter()
        .map(|z| format!("{} (resource group {})", z.name, z.arm.resource_group))
        .collect();
    Ok(Outcome::pass(format!("zone {}", ids.join(", "))).evidences(
        zones
            .iter()
            .map(|z| Evidence::new(&z.id, "name").actual(&z.name)),
    ))
}

fn zone_linked(facts: &Facts) -> Result<Outcome, Unavailable> {
    let name = zone_name(facts)?;
    let vnets = match resolving_vnets(facts) {
        Ok(v) => v,
        Err(why) => {
            return Ok(Outcome::warn(format!(
                "cannot tell which VNet resolves the app's queries: {why}"
            )));
        }
    };
    let zones: Vec<&ZoneFacts> = facts.zones_named(&name).collect();
    let mut evidence = Vec::new();
    let mut missing = Vec::new();
    let mut pending = Vec::new();
    for vnet_id in &vnets {
        let vnet_name = ArmId::parse(vnet_id).name;
        match zones
            .iter()
            .find_map(|z| link_to(z, vnet_id).map(|l| (z, l)))
        {
            Some((z, link)) => {
                evidence.push(
                    Evidence::new(&link.id, "properties.virtualNetwork.id")
                        .expected(vnet_id)
                        .actual(&link.vnet_id),
                );
                if !link.state.eq_ignore_ascii_case("Completed") {
                    pending.push(format!(
                        "link {} of {} to {vnet_name} is {}",
                        link.name, z.name, link.state
                    ));
                }
            }
            None => missing.push(vnet_id.clone()),
        }
    }
    if missing.is_empty() {
        let linked: Vec<String> = vnets.iter().map(|v| ArmId::parse(v).name).collect();
        if !pending.is_empty() {
            return Ok(Outcome::warn(format!(
                "{}: not in effect until Completed",
                pending.join("; ")
            ))
            .evidences(evidence));
        }
        return Ok(
            Outcome::pass(format!("{name} is linked to {}", linked.join(", "))).evidences(evidence),
        );
    }
    if let Some(zone) = zones.iter().find(|z| z.links_unreadable.is_some()) {
        return Err(unavailable(
            &format!("the virtual network links of {}", zone.name),
            Some(&format!("{}/virtualNetworkLinks", zone.id)),
            zone.links_unreadable.as_ref().expect("checked"),
        ));
    }
    if zones.iter().any(|z| z.links_missing_from_input) && zones.iter().all(|z| z.links.is_empty())
    {
        return Ok(Outcome::skip(format!(
            "{name} reports virtual network links but the input holds none: export them (az network private-dns link vnet list -g RG -z {name})"
        )));
    }
    let zone = zones[0];
    let vnet_id = &missing[0];
    let vnet_name = ArmId::parse(vnet_id).name;
    let elsewhere: Vec<String> = zones
        .iter()
        .flat_map(|z| z.links.iter().map(|l| ArmId::parse(&l.vnet_id).name))
        .collect();
    let mut message = format!(
        "{name} is not linked to {vnet_name}, the VNet that resolves the app's queries: they get the public answer"
    );
    if !elsewhere.is_empty() {
        message.push_str(&format!(
            " (it is linked to {}; links do not follow peering)",
            elsewhere.join(", ")
        ));
    }
    Ok(Outcome::fail(message)
        .evidence(Evidence::new(&zone.id, "virtualNetworkLinks[].properties.virtualNetwork.id").expected(vnet_id).actual(if elsewhere.is_empty() { "no links".into() } else { elsewhere.join(", ") }))
        .fix(format!("az network private-dns link vnet create -g {} -z {name} -n {vnet_name}-link -v {vnet_id} -e false", zone.arm.resource_group)))
}

/// What answers a privatelink name for the resolving VNets: the most specific linked zone,
/// the relative record name in it, and the record when it exists.
struct Answer<'a> {
    zone: &'a ZoneFacts,
    relative: String,
    record: Option<&'a crate::facts::ARecordFacts>,
}

fn answer<'a>(facts: &'a Facts, privatelink: &str, vnets: &[String]) -> Option<Answer<'a>> {
    let zone = facts
        .zones
        .iter()
        .filter(|z| privatelink.ends_with(&format!(".{}", z.name)))
        .filter(|z| vnets.iter().any(|v| link_to(z, v).is_some()))
        .max_by_key(|z| z.name.len())?;
    let relative = privatelink[..privatelink.len() - zone.name.len() - 1].to_string();
    Some(Answer {
        zone,
        record: zone.a_records.get(&relative),
        relative,
    })
}

/// The endpoint addresses expected for an FQDN: from the endpoints the app reaches, else all.
fn expected_addresses(facts: &Facts, fqdn: &str) -> Vec<Ipv4Addr> {
    endpoints_in_reach(facts)
        .into_iter()
        .flat_map(|e| {
            e.members
                .iter()
                .filter(|m| m.fqdn.eq_ignore_ascii_case(fqdn))
                .filter_map(|m| m.ip)
        })
        .collect()
}

/// Judges the record for one public name; `None` when it is right.
fn judge_record(
    facts: &Facts,
    fqdn: &str,
    vnets: &[String],
    evidence: &mut Vec<Evidence>,
    fixes: &mut Vec<String>,
) -> Result<Option<String>, Unavailable> {
    let privatelink = privatelink_name(facts, fqdn);
    let expected = expected_addresses(facts, fqdn);
    if expected.is_empty() {
        if let Some(e) = facts.endpoints.iter().find(|e| e.planned) {
            return Err(Unavailable::missing(if e.zone_groups.is_empty() {
                format!(
                    "the deployment creates endpoint {}: its NIC's addresses are (known after deployment), and without a DNS zone group the A record for {fqdn} must be added then (DNS-005)",
                    e.name
                )
            } else {
                format!(
                    "the deployment creates endpoint {}: its NIC's addresses are (known after deployment), and its DNS zone group writes the A record for {fqdn} from them",
                    e.name
                )
            }));
        }
        let why = if facts.endpoints.is_empty() {
            "the registry has no private endpoint in the input (REG-003)".to_string()
        } else if let Some((nic, gap)) = facts
            .endpoints
            .iter()
            .flat_map(|e| &e.missing_nics)
            .map(|n| (n, facts.inventory.gap(n)))
            .find(|(_, g)| *g != Gap::Missing)
        {
            return Err(unavailable("the private endpoint's NIC", Some(nic), &gap));
        } else if let Some(e) = facts
            .endpoints
            .iter()
            .find(|e| e.document_missing && facts.inventory.gap(&e.id) != Gap::Missing)
        {
            return Err(unavailable(
                "the private endpoint",
                Some(&e.id),
                &facts.inventory.gap(&e.id),
            ));
        } else if facts.endpoints.iter().any(|e| !e.missing_nics.is_empty()) {
            format!(
                "the endpoint's NIC is not in the input, so the address expected for {fqdn} is unknown"
            )
        } else {
            return Ok(Some(format!(
                "the private endpoint has no address for {fqdn} (its NIC lists no such member)"
            )));
        };
        return Err(Unavailable::missing(why));
    }
    let want: Vec<String> = expected.iter().map(|ip| ip.to_string()).collect();
    let Some(answer) = answer(facts, &privatelink, vnets) else {
        return Err(Unavailable::missing(format!(
            "no linked zone answers {privatelink} (DNS-002)"
        )));
    };
    let zone = answer.zone;
    let record_id = answer.record.map_or_else(
        || format!("{}/A/{}", zone.id, answer.relative),
        |r| r.id.clone(),
    );
    let e =
        Evidence::new(&record_id, "properties.aRecords[].ipv4Address").expected(want.join(", "));
    let add = format!(
        "az network private-dns record-set a add-record -g {} -z {} -n {} -a {}",
        zone.arm.resource_group, zone.name, answer.relative, want[0]
    );
    match answer.record {
        None if zone.records_unreadable.is_some() => Err(unavailable(
            &format!("the A records of {}", zone.name),
            Some(&format!("{}/A", zone.id)),
            zone.records_unreadable.as_ref().expect("checked"),
        )),
        None if zone.records_missing_from_input => Err(Unavailable::missing(format!(
            "zone {} reports record sets the input does not hold: export them (az network private-dns record-set a list -g {} -z {})",
            zone.name, zone.arm.resource_group, zone.name
        ))),
        None => {
            evidence.push(e.actual("no record"));
            fixes.push(add);
            let shadow = zone.name != facts.cloud.acr_zone() && facts.acr().is_some();
            let elsewhere = facts
                .zones
                .iter()
                .filter(|z| !std::ptr::eq(*z, zone))
                .find_map(|z| {
                    let rel = privatelink.strip_suffix(&format!(".{}", z.name))?;
                    z.a_records
                        .get(rel)
                        .map(|_| format!("{rel} in {} ({})", z.name, z.arm.resource_group))
                });
            let mut message = format!(
                "no A record {} in {} for {fqdn}",
                answer.relative, zone.name
            );
            if shadow {
                message.push_str(&format!(": the linked zone {} is more specific than {} and shadows it, so the name does not resolve", zone.name, facts.cloud.acr_zone()));
            }
            if let Some(other) = elsewhere {
                message.push_str(&format!(
                    " (a record exists as {other}, which the app's queries do not reach)"
                ));
            }
            Ok(Some(message))
        }
        Some(record) => {
            let actual: Vec<String> = record.ips.iter().map(|i| i.trim().to_string()).collect();
            evidence.push(e.actual(if actual.is_empty() {
                "no addresses".into()
            } else {
                actual.join(", ")
            }));
            let matches = !actual.is_empty() && actual.iter().all(|a| want.contains(a));
            if matches {
                return Ok(None);
            }
            for stale in actual.iter().filter(|a| !want.contains(a)) {
                fixes.push(format!("az network private-dns record-set a remove-record -g {} -z {} -n {} -a {stale}", zone.arm.resource_group, zone.name, answer.relative));
            }
            if !actual.iter().any(|a| want.contains(a)) {
                fixes.push(add);
            }
            Ok(Some(format!(
                "A record {} in {} for {fqdn} is {} but the endpoint's address is {}",
                answer.relative,
                zone.name,
                if actual.is_empty() {
                    "empty".into()
                } else {
                    actual.join(", ")
                },
                want.join(", ")
            )))
        }
    }
}

fn records_outcome(
    subject: &str,
    problems: Vec<String>,
    evidence: Vec<Evidence>,
    fixes: Vec<String>,
) -> Outcome {
    if problems.is_empty() {
        Outcome::pass(subject.to_string()).evidences(evidence)
    } else {
        Outcome::fail(problems.join("; "))
            .evidences(evidence)
            .fix(fixes.join("\n"))
    }
}

fn login_server_record(facts: &Facts) -> Result<Outcome, Unavailable> {
    let host = match &facts.registry {
        RegistryLookup::Acr(r) => r.login_server.clone(),
        RegistryLookup::Custom { host }
        | RegistryLookup::AcrNotFound { host }
        | RegistryLookup::Unreadable { host, .. } => host.clone(),
        RegistryLookup::NoImage => return Ok(Outcome::skip("no image reference (APP-002)")),
    };
    let vnets = resolving_vnets(facts).map_err(Unavailable::missing)?;
    let mut evidence = Vec::new();
    let mut fixes = Vec::new();
    let problem = judge_record(facts, &host, &vnets, &mut evidence, &mut fixes)?;
    Ok(records_outcome(
        &format!(
            "{host} resolves privately to the endpoint ({})",
            evidence
                .iter()
                .filter_map(|e| e.actual.clone())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        problem.into_iter().collect(),
        evidence,
        fixes,
    ))
}

fn data_endpoint_records(facts: &Facts) -> Result<Outcome, Unavailable> {
    let Some(registry) = facts.acr() else {
        return Ok(Outcome::skip(
            "not an Azure Container Registry: no regional data endpoints",
        ));
    };
    if let Some(gap) = &registry.replications_unreadable {
        return Err(unavailable(
            "the registry's replications (its data endpoint regions)",
            Some(&format!("{}/replications", registry.id)),
            gap,
        ));
    }
    let vnets = resolving_vnets(facts).map_err(Unavailable::missing)?;
    let mut evidence = Vec::new();
    let mut fixes = Vec::new();
    let mut problems = Vec::new();
    let mut names = Vec::new();
    for region in &registry.data_regions {
        let fqdn = registry.data_endpoint(region, facts.cloud);
        if let Some(problem) = judge_record(facts, &fqdn, &vnets, &mut evidence, &mut fixes)? {
            problems.push(problem);
        }
        names.push(fqdn);
    }
    if problems.iter().any(|p| p.contains("has no address for")) {
        fixes.push(format!("A replica added after the endpoint was created adds a member to it; recreate the endpoint's zone group, or the endpoint: az network private-endpoint dns-zone-group create -g {} --endpoint-name <endpoint> -n default --private-dns-zone {} --zone-name {}", registry.arm.resource_group, facts.cloud.acr_zone(), facts.cloud.acr_zone()));
    }
    Ok(records_outcome(
        &format!(
            "every data endpoint resolves privately to the endpoint: {}",
            names.join(", ")
        ),
        problems,
        evidence,
        fixes,
    ))
}

fn zone_group(facts: &Facts) -> Result<Outcome, Unavailable> {
    if facts.endpoints.is_empty() {
        return Ok(Outcome::skip(match &facts.registry {
            RegistryLookup::Custom { host } => {
                format!("the input holds no private endpoint serving {host}")
            }
            _ => "the registry has no private endpoint in the input (REG-003)".into(),
        }));
    }
    let zone = zone_name(facts)?;
    let vnets = resolving_vnets(facts).unwrap_or_default();
    let linked: Vec<String> = facts
        .zones_named(&zone)
        .filter(|z| vnets.iter().any(|v| link_to(z, v).is_some()))
        .map(|z| id_key(&z.id))
        .collect();
    let mut evidence = Vec::new();
    let mut without = Vec::new();
    let mut elsewhere = Vec::new();
    for endpoint in facts.endpoints.iter().filter(|e| !e.document_missing) {
        if let Some(gap) = &endpoint.zone_groups_unreadable {
            return Err(unavailable(
                "the endpoint's DNS zone groups",
                Some(&format!("{}/privateDnsZoneGroups", endpoint.id)),
                gap,
            ));
        }
        let zones: Vec<&String> = endpoint
            .zone_groups
            .iter()
            .flat_map(|g| &g.zone_ids)
            .collect();
        let group_path = format!("{}/privateDnsZoneGroups", endpoint.id);
        match zones
            .iter()
            .find(|z| ArmId::parse(z).name.eq_ignore_ascii_case(&zone))
        {
            None => {
                without.push(endpoint.name.clone());
                evidence.push(
                    Evidence::new(
                        &group_path,
                        "properties.privateDnsZoneConfigs[].properties.privateDnsZoneId",
                    )
                    .expected(format!("a {zone} zone"))
                    .actual(if zones.is_empty() {
                        "no zone group".to_string()
                    } else {
                        zones
                            .iter()
                            .map(|z| ArmId::parse(z).name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    }),
                );
            }
            Some(z) => {
                evidence.push(
                    Evidence::new(
                        &group_path,
                        "properties.privateDnsZoneConfigs[].properties.privateDnsZoneId",
                    )
                    .actual(z.as_str()),
                );
                if !linked.is_empty() && !linked.contains(&id_key(z)) {
                    elsewhere.push(format!("{} writes to {} in resource group {}, not to the zone linked to the app's VNet", endpoint.name, zone, ArmId::parse(z).resource_group));
                }
            }
        }
    }
    let endpoint = &facts.endpoints[0];
    let zone_id = facts
        .zones_named(&zone)
        .next()
        .map(|z| z.id.clone())
        .unwrap_or_else(|| zone.clone());
    let fix = format!(
        "az network private-endpoint dns-zone-group create -g {} --endpoint-name {} -n default --private-dns-zone {zone_id} --zone-name {}",
        endpoint.arm.resource_group,
        endpoint.name,
        zone.replace('.', "-")
    );
    if !without.is_empty() {
        return Ok(Outcome::warn(format!("{} has no DNS zone group for {zone}: its A records are kept by hand and go stale when the endpoint's addresses change or a replica is added", without.join(", "))).evidences(evidence).fix(fix));
    }
    if !elsewhere.is_empty() {
        return Ok(Outcome::warn(elsewhere.join("; "))
            .evidences(evidence)
            .fix(fix));
    }
    Ok(Outcome::pass(format!(
        "the endpoint's zone group keeps the {zone} records in step"
    ))
    .evidences(evidence))
}

fn vnet_custom_dns(facts: &Facts) -> Result<Outcome, Unavailable> {
    let vnet = facts.vnet.get()?;
    let servers = &facts.dns.vnet;
    if servers.is_empty() {
        return Ok(Outcome::pass(format!(
            "{} uses Azure-provided DNS",
            vnet.name
        )));
    }
    let evidence: Vec<Evidence> = servers
        .iter()
        .map(|s| Evidence::new(&s.resource_id, &s.path).actual(&s.value))
        .collect();
    let list: Vec<&str> = servers.iter().map(|s| s.value.as_str()).collect();
    if !facts.dns.site.is_empty() {
        return Ok(Outcome::pass(format!("{} has custom DNS servers ({}), but the app's own DNS setting overrides them (APP-007)", vnet.name, list.join(", "))).evidences(evidence));
    }
    if list.iter().all(|s| *s == AZURE_DNS) {
        return Ok(
            Outcome::pass(format!("{} uses Azure DNS ({AZURE_DNS})", vnet.name))
                .evidences(evidence),
        );
    }
    let fix = format!(
        "On the DNS servers, forward {} (or {}) to {AZURE_DNS} from a VNet linked to the zone, or to a DNS Private Resolver inbound endpoint; or reset the VNet to Azure DNS: az network vnet update -g {} -n {} --dns-servers ''",
        facts.cloud.acr_suffix(),
        facts.cloud.acr_zone(),
        ArmId::parse(&vnet.id).resource_group,
        vnet.name
    );
    if let Some(public) = list.iter().find(|s| {
        parse_ipv4_lenient(s).is_some_and(|ip| !is_private(ip) && ip.to_string() != AZURE_DNS)
    }) {
        return Ok(Outcome::fail(format!("{} sends DNS to the public server {public}, which never answers from the private zone: the registry resolves to its public address", vnet.name)).evidences(evidence).fix(fix).severity(Severity::High));
    }
    let hub = list
        .iter()
        .filter_map(|s| parse_ipv4_lenient(s))
        .filter_map(|ip| facts.vnet_containing(ip))
        .map(|v| v.name.clone())
        .next();
    let location = hub.map(|h| format!(" (in VNet {h})")).unwrap_or_default();
    Ok(Outcome::warn(format!("{} sends DNS to custom servers {}{location}: they must forward {} to {AZURE_DNS} from a VNet linked to {}; run with --probe to see what they answer", vnet.name, list.join(", "), facts.cloud.acr_suffix(), facts.cloud.acr_zone())).evidences(evidence).fix(fix))
}
