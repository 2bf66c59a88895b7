//! Building the site facts: choosing the site, its identity, configuration and images,
//! how the pull is routed, and which DNS servers are in force.

use super::*;

pub(super) fn select_site<'a>(
    inventory: &'a Inventory,
    app: Option<&str>,
) -> Result<(&'a arm::Site, &'a Origin), InputError> {
    let sites: Vec<_> = inventory.all_sites().collect();
    let names = || {
        sites
            .iter()
            .map(|(s, _)| s.name.clone().unwrap_or_else(|| ArmId::parse(&s.id).name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match app {
        Some(wanted) => {
            let matches: Vec<_> = sites
                .iter()
                .filter(|(s, _)| {
                    if wanted.starts_with('/') {
                        id_key(&s.id) == id_key(wanted)
                    } else {
                        s.name
                            .as_deref()
                            .unwrap_or(&ArmId::parse(&s.id).name)
                            .eq_ignore_ascii_case(wanted)
                    }
                })
                .collect();
            match matches.as_slice() {
                [one] => Ok(**one),
                [] if sites.is_empty() => Err(InputError::new(format!(
                    "--app {wanted}: the input holds no Microsoft.Web/sites document"
                ))),
                [] => Err(InputError::new(format!(
                    "--app {wanted}: no such site in the input (it holds: {})",
                    names()
                ))),
                _ => Err(InputError::new(format!(
                    "--app {wanted}: more than one site has that name; pass its full resource id"
                ))),
            }
        }
        None => match sites.as_slice() {
            [one] => Ok(*one),
            [] => Err(InputError::new(
                "the input holds no Microsoft.Web/sites document: add the site (az webapp show -g RG -n APP)",
            )),
            _ => Err(InputError::new(format!(
                "the input holds {} sites ({}): choose one with --app NAME|ID",
                sites.len(),
                names()
            ))),
        },
    }
}

pub(super) fn site_facts(site: &arm::Site, origin: &Origin) -> SiteFacts {
    let kind = site.kind.clone().unwrap_or_default();
    let kind_lower = kind.to_ascii_lowercase();
    let identity = site.identity.clone().unwrap_or_default();
    let identity_kind = identity.kind.clone().unwrap_or_default();
    SiteFacts {
        id: site.id.clone(),
        name: site
            .name
            .clone()
            .unwrap_or_else(|| ArmId::parse(&site.id).name),
        arm: ArmId::parse(&site.id),
        location: normalize_location(site.location.as_deref().unwrap_or("")),
        is_linux: site.properties.reserved == Some(true)
            || kind_lower.split(',').any(|k| k.trim() == "linux"),
        is_function_app: kind_lower.contains("functionapp"),
        subnet_id: site
            .properties
            .virtual_network_subnet_id
            .clone()
            .filter(|s| !s.trim().is_empty()),
        ase_id: site
            .properties
            .hosting_environment_profile
            .as_ref()
            .and_then(|p| p.id.clone())
            .filter(|s| !s.is_empty()),
        identity: SiteIdentity {
            system_assigned: identity_kind
                .to_ascii_lowercase()
                .contains("systemassigned"),
            system_principal_id: identity.principal_id.clone(),
            user_assigned: identity
                .user_assigned_identities
                .iter()
                .map(|(id, v)| UserAssigned {
                    resource_id: id.clone(),
                    client_id: v.client_id.clone(),
                    principal_id: v.principal_id.clone(),
                })
                .collect(),
            kind: identity_kind,
        },
        possible_outbound_ips: site
            .properties
            .possible_outbound_ip_addresses
            .as_deref()
            .or(site.properties.outbound_ip_addresses.as_deref())
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        kind,
        raw: site.clone(),
        origin: origin.clone(),
    }
}

pub(super) fn site_config(inventory: &Inventory, site: &SiteFacts) -> Observed<SiteConfigFacts> {
    let id = format!("{}/config/web", site.id);
    if let Some((c, _)) = inventory.site_config(&id) {
        return Observed::Present(SiteConfigFacts {
            id: c.id.clone(),
            path_prefix: "properties",
            fx: image::parse_fx_version(c.properties.linux_fx_version.as_deref()),
            raw: c.properties.clone(),
        });
    }
    // `az webapp show` returns siteConfig partly filled; it is the best available without config/web.
    match &site.raw.properties.site_config {
        Some(c)
            if c.linux_fx_version.is_some()
                || c.windows_fx_version.is_some()
                || c.acr_use_managed_identity_creds.is_some() =>
        {
            Observed::Present(SiteConfigFacts {
                id: site.id.clone(),
                path_prefix: "properties.siteConfig",
                fx: image::parse_fx_version(c.linux_fx_version.as_deref()),
                raw: c.clone(),
            })
        }
        _ => Observed::absent("the site configuration (config/web)", Some(&id), inventory),
    }
}

pub(super) fn images(
    inventory: &Inventory,
    site: &SiteFacts,
    config: &Observed<SiteConfigFacts>,
) -> Vec<ContainerImage> {
    let Some(config) = config.as_option() else {
        return Vec::new();
    };
    let fx_path = format!("{}.linuxFxVersion", config.path_prefix);
    let make = |name: String,
                is_main: bool,
                raw: String,
                provenance: Provenance,
                sidecar_auth: Option<SidecarAuth>| ContainerImage {
        parsed: image::parse(&raw),
        name,
        is_main,
        raw,
        provenance,
        sidecar_auth,
    };
    match &config.fx {
        FxVersion::Docker(image) => vec![make(
            "main".into(),
            true,
            image.clone(),
            Provenance {
                resource_id: config.id.clone(),
                path: fx_path,
                value: format!("DOCKER|{image}"),
            },
            None,
        )],
        FxVersion::Compose(Ok(list)) => list
            .iter()
            .enumerate()
            .map(|(i, image)| {
                make(
                    format!("compose[{i}]"),
                    i == 0,
                    image.clone(),
                    Provenance {
                        resource_id: config.id.clone(),
                        path: fx_path.clone(),
                        value: image.clone(),
                    },
                    None,
                )
            })
            .collect(),
        FxVersion::SiteContainers => {
            let mut list: Vec<ContainerImage> = inventory
                .site_containers_below(&site.id)
                .map(|(c, _)| {
                    let p = &c.properties;
                    make(
                        c.name.clone().unwrap_or_else(|| ArmId::parse(&c.id).name),
                        p.is_main == Some(true),
                        p.image.clone().unwrap_or_default(),
                        Provenance {
                            resource_id: c.id.clone(),
                            path: "properties.image".into(),
                            value: p.image.clone().unwrap_or_default(),
                        },
                        Some(SidecarAuth {
                            auth_type: p.auth_type.clone().unwrap_or_else(|| "Anonymous".into()),
                            client_id: p.user_managed_identity_client_id.clone(),
                            user_name: p.user_name.clone(),
                            password_set: p.password_secret,
                        }),
                    )
                })
                .collect();
            list.sort_by_key(|c| !c.is_main);
            list
        }
        _ => Vec::new(),
    }
}

pub(super) fn routing(site: &SiteFacts, settings: Option<&AppSettings>) -> Routing {
    let mut sources = Vec::new();
    let props = &site.raw.properties;
    let mut push = |path: &str, value: String, enables: bool, resource_id: &str| {
        sources.push(RoutingSource {
            provenance: Provenance {
                resource_id: resource_id.to_string(),
                path: path.to_string(),
                value,
            },
            enables,
        });
    };
    if let Some(r) = &props.outbound_vnet_routing {
        if let Some(v) = r.image_pull_traffic {
            push(
                "properties.outboundVnetRouting.imagePullTraffic",
                v.to_string(),
                v,
                &site.id,
            );
        }
        if let Some(v) = r.all_traffic {
            // allTraffic=false does not switch off imagePullTraffic: it only fails to enable.
            if v {
                push(
                    "properties.outboundVnetRouting.allTraffic",
                    v.to_string(),
                    v,
                    &site.id,
                );
            }
        }
    }
    if let Some(v) = props.vnet_image_pull_enabled {
        push(
            "properties.vnetImagePullEnabled",
            v.to_string(),
            v,
            &site.id,
        );
    }
    if let Some(settings) = settings
        && let Some(value) = settings
            .get("WEBSITE_PULL_IMAGE_OVER_VNET")
            .and_then(SettingValue::visible)
    {
        push(
            "WEBSITE_PULL_IMAGE_OVER_VNET",
            value.to_string(),
            value.trim().eq_ignore_ascii_case("true"),
            &settings.id,
        );
    }
    if let Some(ase) = &site.ase_id {
        push(
            "properties.hostingEnvironmentProfile.id",
            format!("{ase} (App Service Environment: pulls over the VNet by default)"),
            true,
            &site.id,
        );
    }
    Routing {
        enabled: sources.iter().any(|s| s.enables),
        sources,
    }
}

pub(super) fn dns_in_force(
    site: &SiteFacts,
    settings: Option<&AppSettings>,
    vnet: Option<&VnetFacts>,
) -> DnsInForce {
    let mut dns = DnsInForce::default();
    if let Some(config) = &site.raw.properties.dns_configuration {
        for (i, server) in config.dns_servers.iter().enumerate() {
            dns.site.push(Provenance {
                resource_id: site.id.clone(),
                path: format!("properties.dnsConfiguration.dnsServers[{i}]"),
                value: server.trim().to_string(),
            });
        }
        if let Some(alt) = config
            .dns_alt_server
            .as_ref()
            .filter(|s| !s.trim().is_empty())
        {
            dns.site.push(Provenance {
                resource_id: site.id.clone(),
                path: "properties.dnsConfiguration.dnsAltServer".into(),
                value: alt.trim().to_string(),
            });
        }
    }
    if let Some(settings) = settings {
        let from_settings: Vec<Provenance> = ["WEBSITE_DNS_SERVER", "WEBSITE_DNS_ALT_SERVER"]
            .iter()
            .filter_map(|key| {
                settings
                    .get(key)
                    .and_then(SettingValue::visible)
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| Provenance {
                        resource_id: settings.id.clone(),
                        path: key.to_string(),
                        value: v.trim().to_string(),
                    })
            })
            .collect();
        if dns.site.is_empty() {
            dns.site = from_settings;
        } else {
            dns.overridden_settings = from_settings;
        }
    }
    if let Some(vnet) = vnet {
        dns.vnet = vnet
            .dns_servers
            .iter()
            .enumerate()
            .map(|(i, s)| Provenance {
                resource_id: vnet.id.clone(),
                path: format!("properties.dhcpOptions.dnsServers[{i}]"),
                value: s.trim().to_string(),
            })
            .collect();
    }
    dns
}
