//! Building the registry facts: which registry the image names, its private endpoints and
//! their NICs and zone groups, and the private DNS zones with their links and records.

use super::*;

pub(super) fn registry_lookup(
    inventory: &Inventory,
    host: Option<&str>,
    registry_id: Option<&str>,
) -> RegistryLookup {
    let Some(host) = host else {
        return RegistryLookup::NoImage;
    };
    let found = match registry_id {
        Some(id) => inventory.registry(id),
        None => inventory.all_registries().find(|(r, _)| {
            r.properties
                .login_server
                .as_deref()
                .is_some_and(|l| l.eq_ignore_ascii_case(host))
        }),
    };
    if let (None, Some(id)) = (found, registry_id) {
        let gap = inventory.gap(id);
        if matches!(gap, Gap::Forbidden { .. } | Gap::Timeout | Gap::Failed(_)) {
            return RegistryLookup::Unreadable {
                host: host.to_string(),
                id: id.to_string(),
                gap,
            };
        }
    }
    match found {
        Some((r, origin)) => RegistryLookup::Acr(Box::new(registry_facts(inventory, r, origin))),
        None if Cloud::from_login_server(host).is_some() => RegistryLookup::AcrNotFound {
            host: host.to_string(),
        },
        None => RegistryLookup::Custom {
            host: host.to_string(),
        },
    }
}

pub(super) fn registry_facts(
    inventory: &Inventory,
    r: &arm::Registry,
    origin: &Origin,
) -> RegistryFacts {
    let p = &r.properties;
    let location = normalize_location(r.location.as_deref().unwrap_or(""));
    let mut data_regions = vec![location.clone()];
    for (rep, _) in inventory.replications_below(&r.id) {
        let region = normalize_location(rep.location.as_deref().unwrap_or(""));
        if !region.is_empty() && !data_regions.contains(&region) {
            data_regions.push(region);
        }
    }
    let mut connections: BTreeMap<String, RegistryConnection> = BTreeMap::new();
    let embedded = p.private_endpoint_connections.iter();
    let children = inventory.registry_connections_below(&r.id).map(|(c, _)| c);
    for c in embedded.chain(children) {
        let pe = c
            .properties
            .private_endpoint
            .as_ref()
            .and_then(|e| e.id.clone())
            .unwrap_or_default();
        let id = c.id.clone().unwrap_or_else(|| {
            format!(
                "{}/privateEndpointConnections/{}",
                r.id,
                c.name.clone().unwrap_or_default()
            )
        });
        connections.insert(
            id_key(&id),
            RegistryConnection {
                name: c.name.clone().unwrap_or_else(|| ArmId::parse(&id).name),
                id,
                private_endpoint_id: pe,
                status: connection_status(
                    c.properties.private_link_service_connection_state.as_ref(),
                ),
            },
        );
    }
    let rules = p.network_rule_set.clone().unwrap_or_default();
    RegistryFacts {
        id: r.id.clone(),
        name: r.name.clone().unwrap_or_else(|| ArmId::parse(&r.id).name),
        arm: ArmId::parse(&r.id),
        location,
        sku: r
            .sku
            .as_ref()
            .and_then(|s| s.name.clone().or(s.tier.clone()))
            .unwrap_or_default(),
        login_server: p
            .login_server
            .clone()
            .unwrap_or_default()
            .to_ascii_lowercase(),
        public_network_access: p
            .public_network_access
            .clone()
            .unwrap_or_else(|| "Enabled".into()),
        default_action: rules.default_action.unwrap_or_else(|| "Allow".into()),
        ip_rules: rules
            .ip_rules
            .iter()
            .filter_map(|i| i.value.clone())
            .collect(),
        admin_user_enabled: p.admin_user_enabled == Some(true),
        anonymous_pull_enabled: p.anonymous_pull_enabled == Some(true),
        role_assignment_mode: p
            .role_assignment_mode
            .clone()
            .unwrap_or_else(|| "LegacyRegistryPermissions".into()),
        arm_audience_tokens: p
            .policies
            .as_ref()
            .and_then(|x| x.azure_ad_authentication_as_arm_policy.as_ref())
            .and_then(|x| x.status.clone())
            .unwrap_or_else(|| "enabled".into()),
        data_endpoint_enabled: p.data_endpoint_enabled == Some(true),
        data_regions,
        replications_unreadable: list_gap(inventory, &format!("{}/replications", r.id)),
        connections: connections.into_values().collect(),
        origin: origin.clone(),
    }
}

/// The private endpoints that serve the image's registry: for ACR, those connected to the
/// registry (from either side); for a custom registry, those whose NIC serves its host name.
pub(super) fn endpoints(
    inventory: &Inventory,
    registry: &RegistryLookup,
    host: Option<&str>,
) -> Vec<Endpoint> {
    let mut ids: Vec<String> = Vec::new();
    let mut add = |id: &str| {
        if !id.is_empty() && !ids.iter().any(|x| id_key(x) == id_key(id)) {
            ids.push(id.to_string());
        }
    };
    match registry {
        RegistryLookup::Acr(r) => {
            for c in &r.connections {
                add(&c.private_endpoint_id);
            }
            for (pe, _) in inventory.all_private_endpoints() {
                let all = pe
                    .properties
                    .private_link_service_connections
                    .iter()
                    .chain(&pe.properties.manual_private_link_service_connections);
                if all.clone().any(|c| {
                    c.properties
                        .private_link_service_id
                        .as_deref()
                        .is_some_and(|t| id_key(t) == id_key(&r.id))
                }) {
                    add(&pe.id);
                }
            }
        }
        RegistryLookup::Custom { .. } => {
            let host = host.unwrap_or_default();
            for (nic, _) in inventory.all_network_interfaces() {
                let serves = nic.properties.ip_configurations.iter().any(|c| {
                    c.properties
                        .private_link_connection_properties
                        .as_ref()
                        .is_some_and(|p| {
                            p.fqdns
                                .iter()
                                .any(|f| f.trim_end_matches('.').eq_ignore_ascii_case(host))
                        })
                });
                if let Some(pe) = nic
                    .properties
                    .private_endpoint
                    .as_ref()
                    .and_then(|p| p.id.clone())
                    .filter(|_| serves)
                {
                    add(&pe);
                }
            }
            for (pe, _) in inventory.all_private_endpoints() {
                if pe.properties.custom_dns_configs.iter().any(|c| {
                    c.fqdn
                        .as_deref()
                        .is_some_and(|f| f.trim_end_matches('.').eq_ignore_ascii_case(host))
                }) {
                    add(&pe.id);
                }
            }
        }
        _ => {}
    }
    ids.iter().map(|id| endpoint_facts(inventory, id)).collect()
}

pub(super) fn endpoint_facts(inventory: &Inventory, id: &str) -> Endpoint {
    let Some((pe, _)) = inventory.private_endpoint(id) else {
        return Endpoint {
            id: id.to_string(),
            name: ArmId::parse(id).name,
            arm: ArmId::parse(id),
            subnet_id: None,
            connections: Vec::new(),
            nic_ids: Vec::new(),
            missing_nics: Vec::new(),
            members: Vec::new(),
            zone_groups: Vec::new(),
            zone_groups_unreadable: None,
            document_missing: true,
            planned: false,
        };
    };
    let planned = inventory.get(id).is_some_and(|e| e.origin.planned);
    let p = &pe.properties;
    let connections = p
        .private_link_service_connections
        .iter()
        .map(|c| (c, false))
        .chain(
            p.manual_private_link_service_connections
                .iter()
                .map(|c| (c, true)),
        )
        .map(|(c, manual)| EndpointConnection {
            name: c.name.clone().unwrap_or_default(),
            target_id: c
                .properties
                .private_link_service_id
                .clone()
                .unwrap_or_default(),
            group_ids: c.properties.group_ids.clone(),
            status: connection_status(c.properties.private_link_service_connection_state.as_ref()),
            manual,
        })
        .collect();
    let nic_ids: Vec<String> = p
        .network_interfaces
        .iter()
        .filter_map(|n| n.id.clone())
        .collect();
    let mut members = Vec::new();
    let mut missing_nics = Vec::new();
    for nic_id in &nic_ids {
        let Some((nic, _)) = inventory.network_interface(nic_id) else {
            missing_nics.push(nic_id.clone());
            continue;
        };
        for (i, config) in nic.properties.ip_configurations.iter().enumerate() {
            let Some(link) = &config.properties.private_link_connection_properties else {
                continue;
            };
            let raw_ip = config
                .properties
                .private_ip_address
                .clone()
                .unwrap_or_default();
            for fqdn in &link.fqdns {
                members.push(EndpointMember {
                    member: link.required_member_name.clone().unwrap_or_default(),
                    fqdn: fqdn.trim_end_matches('.').to_ascii_lowercase(),
                    ip: net::parse_ipv4_lenient(&raw_ip),
                    raw_ip: raw_ip.clone(),
                    provenance: Provenance {
                        resource_id: nic.id.clone(),
                        path: format!(
                            "properties.ipConfigurations[{i}].properties.privateIPAddress"
                        ),
                        value: raw_ip.clone(),
                    },
                });
            }
        }
    }
    if members.is_empty() {
        // Without the NIC, customDnsConfigs is the next best statement of the endpoint's names.
        for (i, c) in p.custom_dns_configs.iter().enumerate() {
            let (Some(fqdn), Some(ip)) = (&c.fqdn, c.ip_addresses.first()) else {
                continue;
            };
            members.push(EndpointMember {
                member: String::new(),
                fqdn: fqdn.trim_end_matches('.').to_ascii_lowercase(),
                ip: net::parse_ipv4_lenient(ip),
                raw_ip: ip.clone(),
                provenance: Provenance {
                    resource_id: pe.id.clone(),
                    path: format!("properties.customDnsConfigs[{i}].ipAddresses[0]"),
                    value: ip.clone(),
                },
            });
        }
    }
    let zone_groups = inventory
        .dns_zone_groups_below(&pe.id)
        .map(|(g, _)| ZoneGroupFacts {
            id: g.id.clone(),
            name: g.name.clone().unwrap_or_else(|| ArmId::parse(&g.id).name),
            zone_ids: g
                .properties
                .private_dns_zone_configs
                .iter()
                .filter_map(|c| c.properties.private_dns_zone_id.clone())
                .collect(),
        })
        .collect();
    let planned = planned && nic_ids.is_empty();
    Endpoint {
        id: pe.id.clone(),
        name: pe.name.clone().unwrap_or_else(|| ArmId::parse(&pe.id).name),
        arm: ArmId::parse(&pe.id),
        subnet_id: p.subnet.as_ref().and_then(|s| s.id.clone()),
        connections,
        nic_ids,
        missing_nics,
        members,
        zone_groups_unreadable: list_gap(inventory, &format!("{}/privateDnsZoneGroups", pe.id)),
        planned,
        zone_groups,
        document_missing: false,
    }
}

pub(super) fn zone_facts(inventory: &Inventory, zone: &arm::PrivateDnsZone) -> ZoneFacts {
    let name = zone
        .name
        .clone()
        .unwrap_or_else(|| ArmId::parse(&zone.id).name)
        .to_ascii_lowercase();
    let links: Vec<LinkFacts> = inventory
        .virtual_network_links_below(&zone.id)
        .map(|(l, _)| LinkFacts {
            id: l.id.clone(),
            name: l.name.clone().unwrap_or_else(|| ArmId::parse(&l.id).name),
            vnet_id: l
                .properties
                .virtual_network
                .as_ref()
                .and_then(|v| v.id.clone())
                .unwrap_or_default(),
            state: l
                .properties
                .virtual_network_link_state
                .clone()
                .unwrap_or_else(|| "Completed".into()),
            resolution_policy: l
                .properties
                .resolution_policy
                .clone()
                .unwrap_or_else(|| "Default".into()),
        })
        .collect();
    let a_records: BTreeMap<String, ARecordFacts> = inventory
        .a_record_sets_below(&zone.id)
        .map(|(r, _)| {
            let name = r
                .name
                .clone()
                .unwrap_or_else(|| ArmId::parse(&r.id).name)
                .to_ascii_lowercase();
            (
                name.clone(),
                ARecordFacts {
                    id: r.id.clone(),
                    name,
                    ips: r
                        .properties
                        .a_records
                        .iter()
                        .filter_map(|a| a.ipv4_address.clone())
                        .collect(),
                },
            )
        })
        .collect();
    let records_in_input = inventory
        .below(&zone.id)
        .filter(|e| !matches!(e.resource, inventory::Resource::VirtualNetworkLink(_)))
        .count() as i64;
    ZoneFacts {
        id: zone.id.clone(),
        arm: ArmId::parse(&zone.id),
        records_missing_from_input: zone
            .properties
            .number_of_record_sets
            .is_some_and(|n| n - 1 > records_in_input),
        links_missing_from_input: zone
            .properties
            .number_of_virtual_network_links
            .is_some_and(|n| n > links.len() as i64),
        records_unreadable: list_gap(inventory, &format!("{}/A", zone.id)),
        links_unreadable: list_gap(inventory, &format!("{}/virtualNetworkLinks", zone.id)),
        name,
        links,
        a_records,
    }
}

/// A private link connection's state, as ARM spells it (`Approved`, `Pending`, …).
pub(super) fn connection_status(state: Option<&arm::ConnectionState>) -> String {
    state.and_then(|s| s.status.clone()).unwrap_or_default()
}
