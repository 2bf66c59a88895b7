//! Building the network facts: VNets with their peerings, subnets, and the plan.

use super::*;

pub(super) fn parse_prefixes(prefixes: &[String]) -> (Vec<Ipv4Net>, Vec<String>) {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for p in prefixes {
        match p.trim().parse::<Ipv4Net>() {
            Ok(n) => good.push(n),
            Err(_) if p.contains(':') => {} // IPv6 space: image pulls use IPv4
            Err(_) => bad.push(p.clone()),
        }
    }
    (good, bad)
}

pub(super) fn vnet_facts(
    inventory: &Inventory,
    vnet: &arm::VirtualNetwork,
    origin: &Origin,
) -> VnetFacts {
    let props = &vnet.properties;
    let mut peerings: BTreeMap<String, &arm::Peering> = BTreeMap::new();
    for (p, _) in inventory.peerings_below(&vnet.id) {
        peerings.insert(id_key(&p.id), p);
    }
    VnetFacts {
        id: vnet.id.clone(),
        name: vnet
            .name
            .clone()
            .unwrap_or_else(|| ArmId::parse(&vnet.id).name),
        location: normalize_location(vnet.location.as_deref().unwrap_or("")),
        address_space: parse_prefixes(
            &props
                .address_space
                .clone()
                .unwrap_or_default()
                .address_prefixes,
        )
        .0,
        dns_servers: props.dhcp_options.clone().unwrap_or_default().dns_servers,
        peerings: peerings
            .values()
            .map(|p| PeeringFacts {
                id: p.id.clone(),
                name: p.name.clone().unwrap_or_else(|| ArmId::parse(&p.id).name),
                remote_vnet_id: p
                    .properties
                    .remote_virtual_network
                    .as_ref()
                    .and_then(|r| r.id.clone())
                    .unwrap_or_default(),
                state: p.properties.peering_state.clone().unwrap_or_default(),
                sync_level: p.properties.peering_sync_level.clone().unwrap_or_default(),
                allow_virtual_network_access: p
                    .properties
                    .allow_virtual_network_access
                    .unwrap_or(true),
                remote_address_space: parse_prefixes(
                    &p.properties
                        .remote_address_space
                        .clone()
                        .unwrap_or_default()
                        .address_prefixes,
                )
                .0,
            })
            .collect(),
        origin: origin.clone(),
    }
}

pub(super) fn subnet_facts(subnet: &arm::Subnet, origin: &Origin) -> SubnetFacts {
    let props = &subnet.properties;
    let mut raw: Vec<String> = props.address_prefixes.clone();
    if let Some(p) = &props.address_prefix
        && !raw.iter().any(|r| r == p)
    {
        raw.insert(0, p.clone());
    }
    let (prefixes, unparsed_prefixes) = parse_prefixes(&raw);
    SubnetFacts {
        id: subnet.id.clone(),
        name: subnet
            .name
            .clone()
            .unwrap_or_else(|| ArmId::parse(&subnet.id).name),
        vnet_id: parent_id(&subnet.id),
        prefixes,
        unparsed_prefixes,
        delegations: props
            .delegations
            .iter()
            .filter_map(|d| d.properties.service_name.clone())
            .collect(),
        nsg_id: props
            .network_security_group
            .as_ref()
            .and_then(|r| r.id.clone()),
        route_table_id: props.route_table.as_ref().and_then(|r| r.id.clone()),
        private_endpoint_network_policies: props
            .private_endpoint_network_policies
            .clone()
            .unwrap_or_else(|| "Disabled".into()),
        origin: origin.clone(),
    }
}

pub(super) fn plan_facts(plan: &arm::Plan) -> PlanFacts {
    let sku = plan.sku.clone().unwrap_or_default();
    PlanFacts {
        id: plan.id.clone(),
        name: plan
            .name
            .clone()
            .unwrap_or_else(|| ArmId::parse(&plan.id).name),
        sku_name: sku.name.unwrap_or_default(),
        sku_tier: sku.tier.unwrap_or_default(),
        capacity: sku.capacity,
        maximum_workers: plan.properties.maximum_number_of_workers,
        elastic_maximum: plan
            .properties
            .maximum_elastic_worker_count
            .filter(|_| plan.properties.elastic_scale_enabled == Some(true)),
        is_linux: plan.properties.reserved == Some(true)
            || plan
                .kind
                .as_deref()
                .unwrap_or("")
                .to_ascii_lowercase()
                .contains("linux"),
        ase_id: plan
            .properties
            .hosting_environment_profile
            .as_ref()
            .and_then(|p| p.id.clone()),
    }
}
