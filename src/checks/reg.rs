//! REG-001…007: the registry — found as an ACR resource, Premium, an approved private endpoint
//! connection agreed on by both sides, public exposure, public access closed while the app
//! pulls publicly, the admin user, anonymous pull and the ARM-audience token policy.

use super::{Check, Eval, Evidence, Family, Outcome, Severity, check_doc as doc};
use crate::facts::inventory::id_key;
use crate::facts::{
    CredentialMode, Facts, RegistryFacts, RegistryLookup, Unavailable, unavailable,
};

pub static CHECKS: &[Check] = &[
    Check {
        id: "REG-001",
        title: "Registry found as an ACR resource",
        family: Family::Reg,
        severity: Severity::High,
        needs: &["APP-002"],
        after: &[],
        doc: doc!("REG-001"),
        eval: Eval::Config(registry_found),
    },
    Check {
        id: "REG-002",
        title: "Registry SKU is Premium",
        family: Family::Reg,
        severity: Severity::High,
        needs: &["REG-001"],
        after: &[],
        doc: doc!("REG-002"),
        eval: Eval::Config(premium),
    },
    Check {
        id: "REG-003",
        title: "Approved private endpoint connection (group registry)",
        family: Family::Reg,
        severity: Severity::High,
        needs: &["REG-001"],
        after: &["REG-002"],
        doc: doc!("REG-003"),
        eval: Eval::Config(approved_connection),
    },
    Check {
        id: "REG-004",
        title: "Public network exposure",
        family: Family::Reg,
        severity: Severity::Medium,
        needs: &["REG-001"],
        after: &[],
        doc: doc!("REG-004"),
        eval: Eval::Config(public_exposure),
    },
    Check {
        id: "REG-005",
        title: "Public access closed while the pull is not private",
        family: Family::Reg,
        severity: Severity::High,
        needs: &["REG-001"],
        after: &[
            "APP-003", "APP-004", "APP-007", "DNS-002", "DNS-003", "DNS-006",
        ],
        doc: doc!("REG-005"),
        eval: Eval::Config(closed_but_public_pull),
    },
    Check {
        id: "REG-006",
        title: "Admin user matches its use",
        family: Family::Reg,
        severity: Severity::Medium,
        needs: &["REG-001"],
        after: &[],
        doc: doc!("REG-006"),
        eval: Eval::Config(admin_user),
    },
    Check {
        id: "REG-007",
        title: "Anonymous pull and token policies",
        family: Family::Reg,
        severity: Severity::Medium,
        needs: &["REG-001"],
        after: &[],
        doc: doc!("REG-007"),
        eval: Eval::Config(anonymous_and_policies),
    },
];

fn acr(facts: &Facts) -> Result<&RegistryFacts, Unavailable> {
    if let RegistryLookup::Unreadable { id, gap, .. } = &facts.registry {
        return Err(unavailable("the registry", Some(id), gap));
    }
    facts.acr().ok_or_else(|| {
        Unavailable::missing(match &facts.registry {
            RegistryLookup::Custom { host } => {
                format!("{host} is not an Azure Container Registry: ACR checks do not apply")
            }
            _ => "the registry is not in the input (REG-001)".into(),
        })
    })
}

fn registry_found(facts: &Facts) -> Result<Outcome, Unavailable> {
    let image = facts
        .main_image()
        .ok_or_else(|| Unavailable::missing("no image reference"))?;
    let e = Evidence::new(&image.provenance.resource_id, &image.provenance.path).actual(&image.raw);
    Ok(match &facts.registry {
        RegistryLookup::Unreadable { id, gap, .. } => return Err(unavailable("the registry", Some(id), gap)),
        RegistryLookup::Acr(r) => Outcome::pass(format!("{} is registry {} in resource group {} ({})", r.login_server, r.name, r.arm.resource_group, r.location)).evidence(Evidence::new(&r.id, "properties.loginServer").actual(&r.login_server)),
        RegistryLookup::Custom { host } => Outcome::pass(format!("{host} is not an Azure Container Registry: registry-specific checks are skipped, the network and DNS checks apply")).evidence(e),
        RegistryLookup::AcrNotFound { host } => {
            let known: Vec<String> = facts.inventory.all_registries().filter_map(|(r, _)| r.properties.login_server.clone()).collect();
            let hint = if known.is_empty() { String::new() } else { format!(" (the input has: {})", known.join(", ")) };
            Outcome::fail(format!("no registry with login server {host} in the input{hint}: a misspelt image host, or a registry outside what was exported"))
                .evidence(e.expected(if known.is_empty() { "an existing registry".into() } else { known.join(" or ") }))
                .fix(format!("Check the image host: az acr show -n {} --query loginServer; if the registry lives elsewhere, add its document (az acr show --ids <id>) or pass --registry-id", host.split('.').next().unwrap_or(host)))
        }
        RegistryLookup::NoImage => Outcome::skip("no image reference (APP-002)"),
    })
}

fn premium(facts: &Facts) -> Result<Outcome, Unavailable> {
    let r = acr(facts)?;
    let e = Evidence::new(&r.id, "sku.name")
        .expected("Premium")
        .actual(&r.sku);
    if r.sku.eq_ignore_ascii_case("Premium") {
        return Ok(Outcome::pass(format!("{} is Premium", r.name)).evidence(e));
    }
    Ok(Outcome::fail(format!(
        "{} is {}: private endpoints need the Premium SKU",
        r.name, r.sku
    ))
    .evidence(e)
    .fix(format!(
        "az acr update -n {} -g {} --sku Premium",
        r.name, r.arm.resource_group
    )))
}

fn approved_connection(facts: &Facts) -> Result<Outcome, Unavailable> {
    if let RegistryLookup::Custom { host } = &facts.registry {
        return Ok(custom_endpoint_state(facts, host));
    }
    let r = acr(facts)?;
    let create = format!(
        "az network private-endpoint create -g {rg} -n {name}-pe --vnet-name <vnet> --subnet <endpoint-subnet> --private-connection-resource-id {id} --group-id registry --connection-name {name}-connection",
        rg = r.arm.resource_group,
        name = r.name,
        id = r.id
    );
    if facts.endpoints.is_empty() {
        return Ok(Outcome::fail(format!(
            "{} has no private endpoint connection: there is no private path to it",
            r.name
        ))
        .evidence(
            Evidence::new(&r.id, "properties.privateEndpointConnections")
                .expected("an Approved connection, group registry")
                .actual("none"),
        )
        .fix(create));
    }
    let mut evidence = Vec::new();
    let mut problems = Vec::new();
    let mut approved = Vec::new();
    for e in &facts.endpoints {
        let registry_side = r
            .connections
            .iter()
            .find(|c| id_key(&c.private_endpoint_id) == id_key(&e.id));
        if e.document_missing {
            if let Some(c) = registry_side {
                evidence.push(
                    Evidence::new(&c.id, "properties.privateLinkServiceConnectionState.status")
                        .expected("Approved")
                        .actual(&c.status),
                );
                if c.status.eq_ignore_ascii_case("Approved") {
                    approved.push(format!(
                        "{} (registry side; the endpoint document is not in the input)",
                        e.name
                    ));
                } else {
                    problems.push(format!("connection {} is {}", c.name, c.status));
                }
            }
            continue;
        }
        let Some(conn) = e
            .connections
            .iter()
            .find(|c| id_key(&c.target_id) == id_key(&r.id))
        else {
            problems.push(format!(
                "the registry lists endpoint {} but the endpoint does not connect to it",
                e.name
            ));
            continue;
        };
        let status_path = format!(
            "properties.{}[].properties.privateLinkServiceConnectionState.status",
            if conn.manual {
                "manualPrivateLinkServiceConnections"
            } else {
                "privateLinkServiceConnections"
            }
        );
        evidence.push(
            Evidence::new(&e.id, &status_path)
                .expected("Approved")
                .actual(&conn.status),
        );
        if !conn
            .group_ids
            .iter()
            .any(|g| g.eq_ignore_ascii_case("registry"))
        {
            problems.push(format!(
                "endpoint {} connects with group {} instead of registry",
                e.name,
                conn.group_ids.join(",")
            ));
            evidence.push(
                Evidence::new(
                    &e.id,
                    "properties.privateLinkServiceConnections[].properties.groupIds",
                )
                .expected("registry")
                .actual(conn.group_ids.join(",")),
            );
            continue;
        }
        if !conn.status.eq_ignore_ascii_case("Approved") {
            problems.push(format!(
                "endpoint {}'s connection is {}{}",
                e.name,
                conn.status,
                if conn.status.eq_ignore_ascii_case("Pending") {
                    ": a registry owner must approve it"
                } else {
                    ""
                }
            ));
            continue;
        }
        match registry_side {
            None if !r.connections.is_empty() => problems.push(format!("endpoint {} targets {} but the registry has no connection for it (the two sides disagree)", e.name, r.name)),
            Some(c) if !c.status.eq_ignore_ascii_case("Approved") => problems.push(format!("the registry side of {} is {}", c.name, c.status)),
            _ => approved.push(e.name.clone()),
        }
    }
    if !approved.is_empty() {
        let mut message = format!(
            "approved private endpoint connection: {}",
            approved.join(", ")
        );
        if !problems.is_empty() {
            message.push_str(&format!("; also: {}", problems.join("; ")));
        }
        return Ok(Outcome::pass(message).evidences(evidence));
    }
    let connection = r
        .connections
        .first()
        .map_or("<connection>".to_string(), |c| c.name.clone());
    let fix = if problems.iter().any(|p| p.contains("Pending")) {
        format!(
            "az acr private-endpoint-connection approve -r {} -g {} -n {connection}",
            r.name, r.arm.resource_group
        )
    } else {
        format!("Delete the endpoint and create it again:\n{create}")
    };
    Ok(Outcome::fail(problems.join("; "))
        .evidences(evidence)
        .fix(fix))
}

fn custom_endpoint_state(facts: &Facts, host: &str) -> Outcome {
    if facts.endpoints.is_empty() {
        return Outcome::skip(format!(
            "{host} is not an ACR and the input holds no private endpoint serving it"
        ));
    }
    let mut evidence = Vec::new();
    for e in &facts.endpoints {
        for c in &e.connections {
            evidence.push(Evidence::new(&e.id, "properties.privateLinkServiceConnections[].properties.privateLinkServiceConnectionState.status").expected("Approved").actual(&c.status));
            if c.status.eq_ignore_ascii_case("Approved") {
                return Outcome::pass(format!(
                    "private endpoint {} for {host} is Approved",
                    e.name
                ))
                .evidences(evidence);
            }
        }
    }
    Outcome::fail(format!("no Approved private endpoint connection serves {host}")).evidences(evidence).fix("Approve the connection on the target resource: az network private-endpoint-connection approve --id <connection-id>")
}

fn public_exposure(facts: &Facts) -> Result<Outcome, Unavailable> {
    let r = acr(facts)?;
    let pna =
        Evidence::new(&r.id, "properties.publicNetworkAccess").actual(&r.public_network_access);
    let action =
        Evidence::new(&r.id, "properties.networkRuleSet.defaultAction").actual(&r.default_action);
    if r.public_network_access.eq_ignore_ascii_case("Disabled") {
        return Ok(
            Outcome::pass(format!("{} refuses public network access", r.name)).evidence(pna),
        );
    }
    if r.default_action.eq_ignore_ascii_case("Deny") {
        return Ok(Outcome::pass(format!(
            "{} allows public access only from {} IP rule(s) (default action Deny)",
            r.name,
            r.ip_rules.len()
        ))
        .evidence(pna)
        .evidence(action));
    }
    Ok(Outcome::warn(format!("{} accepts pulls from any public address (publicNetworkAccess Enabled, default action Allow)", r.name)).evidence(pna.expected("Disabled")).evidence(action.expected("Deny"))
        .fix(format!("az acr update -n {} -g {} --public-network-enabled false\n(or keep an allow-list: az acr update -n {} --default-action Deny, then az acr network-rule add -n {} --ip-address <cidr>)", r.name, r.arm.resource_group, r.name, r.name)))
}

/// Whether the registry's IP rules admit every address the app can leave from publicly.
fn ip_rules_admit_app(r: &RegistryFacts, outbound: &[String]) -> bool {
    if outbound.is_empty() || r.public_network_access.eq_ignore_ascii_case("Disabled") {
        return false;
    }
    let nets: Vec<ipnet::Ipv4Net> = r
        .ip_rules
        .iter()
        .filter_map(|v| {
            v.parse::<ipnet::Ipv4Net>().ok().or_else(|| {
                v.parse::<std::net::Ipv4Addr>()
                    .ok()
                    .map(|ip| ipnet::Ipv4Net::new(ip, 32).expect("a /32"))
            })
        })
        .collect();
    outbound.iter().all(|ip| {
        ip.parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| nets.iter().any(|n| n.contains(&ip)))
    })
}

fn closed_but_public_pull(facts: &Facts) -> Result<Outcome, Unavailable> {
    let r = acr(facts)?;
    if !r.public_closed() {
        return Ok(Outcome::pass(format!(
            "{} accepts public pulls: a pull over the public path is not refused",
            r.name
        )));
    }
    let private_pull = facts.site.subnet_id.is_some() && facts.routing.enabled;
    let pna = Evidence::new(&r.id, "properties.publicNetworkAccess").actual(format!(
        "{} (default action {})",
        r.public_network_access, r.default_action
    ));
    if private_pull {
        return Ok(Outcome::pass(format!(
            "{} refuses public access and the app pulls over the VNet",
            r.name
        ))
        .evidence(pna));
    }
    if ip_rules_admit_app(r, &facts.site.possible_outbound_ips) {
        return Ok(Outcome::pass(format!("{} refuses public access except its IP rules, which cover every outbound address of the app", r.name)).evidence(pna));
    }
    let why = if facts.site.subnet_id.is_none() {
        "the app has no VNet integration"
    } else {
        "image pulls are not routed over the VNet"
    };
    Ok(Outcome::fail(format!("{} refuses public access but {why}: the pull reaches the public endpoint and is refused (403)", r.name))
        .evidence(pna)
        .evidence(Evidence::new(&facts.site.id, "properties.outboundVnetRouting.imagePullTraffic").expected("true").actual(facts.routing.enabled.to_string()))
        .fix(format!("Route the pull over the VNet (APP-003, APP-004): az resource update --ids {} --api-version 2024-11-01 --set properties.outboundVnetRouting.imagePullTraffic=true", facts.site.id)))
}

fn admin_user(facts: &Facts) -> Result<Outcome, Unavailable> {
    let r = acr(facts)?;
    let e = Evidence::new(&r.id, "properties.adminUserEnabled")
        .actual(r.admin_user_enabled.to_string());
    let mode = facts.credential_mode().ok();
    let username = facts
        .registry_credentials()
        .ok()
        .and_then(|c| c.username)
        .map(|u| u.value);
    let uses_admin = mode == Some(CredentialMode::RegistryCredentials)
        && username
            .as_deref()
            .is_some_and(|u| u.eq_ignore_ascii_case(&r.name));
    match (uses_admin, r.admin_user_enabled) {
        (true, true) => Ok(Outcome::pass(format!("the app pulls with the admin user of {}, which is enabled", r.name)).evidence(e)),
        (true, false) => Ok(Outcome::fail(format!("the app pulls with the admin user ({}) but the admin user of {} is disabled", r.name, r.name)).evidence(e.expected("true"))
            .fix(format!("Prefer a managed identity with AcrPull; or enable the admin user: az acr update -n {} --admin-enabled true", r.name))),
        (false, true) => Ok(Outcome::warn(format!("the admin user of {} is enabled but the app does not use it: a shared, full-access credential to turn off", r.name)).evidence(e.expected("false")).fix(format!("az acr update -n {} --admin-enabled false", r.name))),
        (false, false) => Ok(Outcome::pass(format!("the admin user of {} is disabled and not used", r.name)).evidence(e)),
    }
}

fn anonymous_and_policies(facts: &Facts) -> Result<Outcome, Unavailable> {
    let r = acr(facts)?;
    let anonymous = Evidence::new(&r.id, "properties.anonymousPullEnabled")
        .actual(r.anonymous_pull_enabled.to_string());
    let arm_policy = Evidence::new(
        &r.id,
        "properties.policies.azureADAuthenticationAsArmPolicy.status",
    )
    .actual(&r.arm_audience_tokens);
    if r.anonymous_pull_enabled {
        let uses = facts.credential_mode().ok() == Some(CredentialMode::Anonymous);
        let note = if uses {
            " (the app relies on it: it configures no credential)"
        } else {
            ""
        };
        return Ok(Outcome::warn(format!("anonymous pull is enabled on {}: anyone who reaches it can pull every repository{note}", r.name)).evidence(anonymous.expected("false"))
            .fix(format!("az acr update -n {} --anonymous-pull-enabled false", r.name)));
    }
    if r.arm_audience_tokens.eq_ignore_ascii_case("disabled") {
        return Ok(Outcome::warn(format!("{} accepts only ACR-audience Entra tokens (ARM-audience tokens disabled); App Service is not documented to need them, but clients that log in with ARM tokens (az acr login with older CLIs, some pipelines) will be refused", r.name)).evidence(anonymous).evidence(arm_policy).severity(Severity::Low));
    }
    Ok(
        Outcome::pass(format!("anonymous pull is disabled on {}", r.name))
            .evidence(anonymous)
            .evidence(arm_policy),
    )
}
