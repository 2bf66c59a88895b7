//! APP-001…008: the web app itself — what it runs, which images, VNet integration, routing
//! of the pull, the plan, the credential mode, DNS overrides and HTTPS.

use std::net::Ipv4Addr;

use super::{Check, Eval, Evidence, Family, Outcome, Severity, check_doc as doc};
use crate::facts::image::FxVersion;
use crate::facts::net::{is_private, parse_ipv4_lenient};
use crate::facts::{AZURE_DNS, CredentialMode, Facts, RegistryLookup, Unavailable};

pub static CHECKS: &[Check] = &[
    Check {
        id: "APP-001",
        title: "Linux web app running a custom container",
        family: Family::App,
        severity: Severity::High,
        needs: &[],
        after: &[],
        doc: doc!("APP-001"),
        eval: Eval::Config(custom_linux_container),
    },
    Check {
        id: "APP-002",
        title: "Image references parse",
        family: Family::App,
        severity: Severity::High,
        needs: &["APP-001"],
        after: &[],
        doc: doc!("APP-002"),
        eval: Eval::Config(image_references),
    },
    Check {
        id: "APP-003",
        title: "Regional VNet integration",
        family: Family::App,
        severity: Severity::High,
        needs: &[],
        after: &[],
        doc: doc!("APP-003"),
        eval: Eval::Config(vnet_integration),
    },
    Check {
        id: "APP-004",
        title: "Image pull routed over the VNet",
        family: Family::App,
        severity: Severity::High,
        needs: &["APP-003"],
        after: &[],
        doc: doc!("APP-004"),
        eval: Eval::Config(pull_routing),
    },
    Check {
        id: "APP-005",
        title: "Plan supports VNet integration",
        family: Family::App,
        severity: Severity::High,
        needs: &[],
        after: &[],
        doc: doc!("APP-005"),
        eval: Eval::Config(plan_tier),
    },
    Check {
        id: "APP-006",
        title: "One pull credential mode, for the image's registry",
        family: Family::App,
        severity: Severity::High,
        needs: &["APP-002"],
        after: &[],
        doc: doc!("APP-006"),
        eval: Eval::Config(credential_mode),
    },
    Check {
        id: "APP-007",
        title: "App-level DNS overrides resolve the privatelink zone",
        family: Family::App,
        severity: Severity::Medium,
        needs: &[],
        after: &[],
        doc: doc!("APP-007"),
        eval: Eval::Config(app_dns_override),
    },
    Check {
        id: "APP-008",
        title: "HTTPS only",
        family: Family::App,
        severity: Severity::Low,
        needs: &[],
        after: &[],
        doc: doc!("APP-008"),
        eval: Eval::Config(https_only),
    },
];

fn custom_linux_container(facts: &Facts) -> Result<Outcome, Unavailable> {
    let site = &facts.site;
    let config = facts.config.get()?;
    let fx_path = format!("{}.linuxFxVersion", config.path_prefix);
    let windows_fx = config.raw.windows_fx_version.clone().unwrap_or_default();
    if !site.is_linux {
        let kind = Evidence::new(&site.id, "kind")
            .expected("app,linux,container")
            .actual(&site.kind);
        if windows_fx.to_ascii_uppercase().starts_with("DOCKER|") {
            return Ok(Outcome::fail(format!("{} runs a Windows container ({windows_fx}): Windows containers cannot pull their image over VNet integration", site.name))
                .evidence(kind)
                .evidence(Evidence::new(&config.id, &format!("{}.windowsFxVersion", config.path_prefix)).actual(&windows_fx))
                .fix(format!("Run the image as a Linux container on a Linux plan: az webapp create -g {} -p <linux-plan> -n {} --deployment-container-image-name <image>", site.arm.resource_group, site.name)));
        }
        return Ok(Outcome::fail(format!("{} is not a Linux app (kind `{}`, reserved not true)", site.name, site.kind))
            .evidence(kind)
            .evidence(Evidence::new(&site.id, "properties.reserved").expected("true").actual(format!("{:?}", site.raw.properties.reserved)))
            .fix("Create the app on a Linux plan (az appservice plan create --is-linux) with a custom container."));
    }
    let evidence = Evidence::new(&config.id, &fx_path)
        .actual(config.raw.linux_fx_version.clone().unwrap_or_default());
    Ok(match &config.fx {
        FxVersion::Docker(_) => Outcome::pass(format!("{} is a Linux app running a custom container", site.name)).evidence(evidence),
        FxVersion::SiteContainers => Outcome::pass(format!("{} is a Linux app running sidecar containers (sitecontainers)", site.name)).evidence(evidence),
        FxVersion::Compose(_) => Outcome::warn(format!("{} runs Docker Compose (COMPOSE|…), which App Service has retired; images are read from the compose file", site.name))
            .evidence(evidence)
            .fix(format!("Move to sidecar containers: https://learn.microsoft.com/azure/app-service/tutorial-custom-container-sidecar (app {} in {})", site.name, site.arm.resource_group)),
        FxVersion::CodeStack(stack) => Outcome::fail(format!("{} runs the built-in stack {stack}, not a custom container: there is no image to pull", site.name))
            .evidence(evidence.expected("DOCKER|<registry>/<repository>:<tag>"))
            .fix(format!("az webapp config container set -g {} -n {} --container-image-name <registry>/<repository>:<tag>", site.arm.resource_group, site.name)),
        FxVersion::None => Outcome::fail(format!("{} has no linuxFxVersion: no container image is configured", site.name))
            .evidence(evidence.expected("DOCKER|<registry>/<repository>:<tag>"))
            .fix(format!("az webapp config container set -g {} -n {} --container-image-name <registry>/<repository>:<tag>", site.arm.resource_group, site.name)),
    })
}

fn image_references(facts: &Facts) -> Result<Outcome, Unavailable> {
    let config = facts.config.get()?;
    if facts.images.is_empty() {
        let what = match &config.fx {
            FxVersion::SiteContainers => {
                "linuxFxVersion is `sitecontainers` but the input holds no sitecontainers documents"
                    .to_string()
            }
            FxVersion::Compose(Err(e)) => format!("the compose file cannot be read: {e}"),
            _ => "no image reference was found".to_string(),
        };
        return Ok(Outcome::fail(what).evidence(Evidence::new(&config.id, &format!("{}.linuxFxVersion", config.path_prefix)).actual(config.raw.linux_fx_version.clone().unwrap_or_default()))
            .fix(format!("List the containers with az webapp sitecontainers list -g {} -n {} and add them to the input, or set the image with az webapp config container set", facts.site.arm.resource_group, facts.site.name)));
    }
    let mut bad = Vec::new();
    let mut evidence = Vec::new();
    for image in &facts.images {
        let e =
            Evidence::new(&image.provenance.resource_id, &image.provenance.path).actual(&image.raw);
        match &image.parsed {
            Ok(r) => evidence.push(e.expected(format!(
                "registry {}, repository {}, {} {}",
                r.registry,
                r.repository,
                if r.digest.is_some() { "digest" } else { "tag" },
                r.reference()
            ))),
            Err(why) => {
                bad.push(format!("{} `{}`: {why}", image.name, image.raw));
                evidence.push(e.expected("<registry>/<repository>:<tag> or @sha256:<digest>"));
            }
        }
    }
    if !bad.is_empty() {
        return Ok(Outcome::fail(format!("image reference does not parse: {}", bad.join("; "))).evidences(evidence)
            .fix(format!("az webapp config container set -g {} -n {} --container-image-name <registry>/<repository>:<tag>", facts.site.arm.resource_group, facts.site.name)));
    }
    if !facts.images.iter().any(|i| i.is_main) {
        return Ok(Outcome::fail(
            "no sidecar container is marked isMain: App Service needs exactly one main container",
        )
        .evidences(evidence)
        .fix(format!(
            "az webapp sitecontainers update -g {} -n {} --container-name <name> --is-main true",
            facts.site.arm.resource_group, facts.site.name
        )));
    }
    let main = facts.main_image_ref().expect("a main image that parses");
    let sidecars = facts.images.len() - 1;
    let tail = if sidecars > 0 {
        format!(" and {sidecars} sidecar image(s)")
    } else {
        String::new()
    };
    Ok(Outcome::pass(format!(
        "main image {main} (registry {}, repository {}, {}){tail}",
        main.registry,
        main.repository,
        main.reference()
    ))
    .evidences(evidence))
}

fn vnet_integration(facts: &Facts) -> Result<Outcome, Unavailable> {
    let site = &facts.site;
    if let Some(subnet) = &site.subnet_id {
        return Ok(Outcome::pass(format!(
            "integrated with subnet {}",
            crate::facts::ArmId::parse(subnet).name
        ))
        .evidence(Evidence::new(&site.id, "properties.virtualNetworkSubnetId").actual(subnet)));
    }
    let gateway = facts
        .config
        .as_option()
        .and_then(|c| c.raw.vnet_name.clone())
        .filter(|v| !v.trim().is_empty());
    let candidate = facts.subnets.values().find(|s| {
        s.delegations
            .iter()
            .any(|d| d.eq_ignore_ascii_case("Microsoft.Web/serverFarms"))
    });
    let (vnet, subnet) = candidate.map_or(("<vnet>".to_string(), "<subnet>".to_string()), |s| {
        (crate::facts::ArmId::parse(&s.vnet_id).name, s.name.clone())
    });
    let fix = format!(
        "az webapp vnet-integration add -g {} -n {} --vnet {vnet} --subnet {subnet}",
        site.arm.resource_group, site.name
    );
    let message = match gateway {
        Some(name) => format!(
            "{} uses gateway-required VNet integration ({name}), which does not carry image pulls; it has no regional VNet integration",
            site.name
        ),
        None => format!(
            "{} has no regional VNet integration: the pull cannot reach a private endpoint",
            site.name
        ),
    };
    Ok(Outcome::fail(message)
        .evidence(
            Evidence::new(&site.id, "properties.virtualNetworkSubnetId")
                .expected("the id of a subnet delegated to Microsoft.Web/serverFarms")
                .actual("null"),
        )
        .fix(fix))
}

/// Whether the image's registry can only be reached privately, which raises the stakes of
/// routing the pull over the public path.
pub(crate) fn registry_private_only(facts: &Facts) -> bool {
    match &facts.registry {
        RegistryLookup::Acr(r) => r.public_closed(),
        RegistryLookup::Custom { .. } => !facts.endpoints.is_empty(),
        _ => false,
    }
}

fn pull_routing(facts: &Facts) -> Result<Outcome, Unavailable> {
    let routing = &facts.routing;
    let site = &facts.site;
    let evidence: Vec<Evidence> = routing
        .sources
        .iter()
        .map(|s| {
            Evidence::new(&s.provenance.resource_id, &s.provenance.path).actual(&s.provenance.value)
        })
        .collect();
    if routing.enabled {
        let by: Vec<&str> = routing
            .sources
            .iter()
            .filter(|s| s.enables)
            .map(|s| s.provenance.path.as_str())
            .collect();
        let mut message = format!(
            "image pulls go over the VNet (enabled by {})",
            by.join(" and ")
        );
        if let Some((_, off)) = routing.disagreement() {
            let off: Vec<String> = off
                .iter()
                .map(|s| format!("{}={}", s.provenance.path, s.provenance.value))
                .collect();
            message.push_str(&format!("; note: {} disagrees, but either setting enables routing (the site property is the recommended one)", off.join(", ")));
        }
        return Ok(Outcome::pass(message).evidences(evidence));
    }
    let fix = format!(
        "az resource update --ids {} --api-version 2024-11-01 --set properties.outboundVnetRouting.imagePullTraffic=true\n(older API versions: --set properties.vnetImagePullEnabled=true; or the app setting: az webapp config appsettings set -g {} -n {} --settings WEBSITE_PULL_IMAGE_OVER_VNET=true)",
        site.id, site.arm.resource_group, site.name
    );
    let evidence = if evidence.is_empty() {
        vec![
            Evidence::new(&site.id, "properties.outboundVnetRouting.imagePullTraffic")
                .expected("true")
                .actual("not set"),
        ]
    } else {
        evidence.into_iter().map(|e| e.expected("true")).collect()
    };
    if registry_private_only(facts) {
        Ok(Outcome::fail("image pulls are not routed over the VNet, and the registry refuses public access: the pull goes to the public endpoint and is refused").evidences(evidence).fix(fix))
    } else {
        Ok(Outcome::warn("image pulls are not routed over the VNet: they leave through the public internet, not the private endpoint").evidences(evidence).fix(fix).severity(Severity::Medium))
    }
}

fn plan_tier(facts: &Facts) -> Result<Outcome, Unavailable> {
    let plan = facts.plan.get()?;
    let tier = plan.sku_tier.to_ascii_lowercase();
    let evidence = Evidence::new(&plan.id, "sku.tier")
        .actual(format!("{} ({})", plan.sku_tier, plan.sku_name));
    let fix = format!(
        "az appservice plan update -g {} -n {} --sku P1v3",
        crate::facts::ArmId::parse(&plan.id).resource_group,
        plan.name
    );
    match tier.as_str() {
        "free" | "shared" => return Ok(Outcome::fail(format!("plan {} is {}: VNet integration needs Basic or higher", plan.name, plan.sku_tier)).evidence(evidence.expected("Basic, Standard, Premium, PremiumV2/V3/V4 or IsolatedV2")).fix(fix)),
        "dynamic" => return Ok(Outcome::fail(format!("plan {} is Consumption (Dynamic): it has no VNet integration; use Elastic Premium, Flex Consumption or a dedicated plan", plan.name)).evidence(evidence).fix(fix)),
        _ => {}
    }
    let (servers, azure) = facts.dns.effective();
    if (tier == "isolatedv2" || tier == "isolated") && !azure {
        let list: Vec<&str> = servers.iter().map(|s| s.value.as_str()).collect();
        return Ok(Outcome::warn(format!("plan {} is {} (App Service Environment) with custom DNS ({}): the environment resolves the registry with those servers, which must forward azurecr.io to Azure DNS", plan.name, plan.sku_tier, list.join(", "))).evidence(evidence));
    }
    Ok(Outcome::pass(format!(
        "plan {} ({} {}) supports VNet integration",
        plan.name, plan.sku_tier, plan.sku_name
    ))
    .evidence(evidence))
}

/// The host of `DOCKER_REGISTRY_SERVER_URL` (`https://r.azurecr.io/` → `r.azurecr.io`).
pub(crate) fn url_host(url: &str) -> String {
    let rest = url.trim().split_once("://").map_or(url.trim(), |(_, r)| r);
    rest.split('/').next().unwrap_or("").to_ascii_lowercase()
}

fn credential_mode(facts: &Facts) -> Result<Outcome, Unavailable> {
    let site = &facts.site;
    let main = facts
        .main_image_ref()
        .ok_or_else(|| Unavailable::missing("no main image"))?;
    if facts.images.iter().any(|i| i.sidecar_auth.is_some()) {
        return Ok(sidecar_credentials(facts));
    }
    let config = facts.config.get()?;
    let mode = facts.credential_mode()?;
    let creds = facts.registry_credentials()?;
    let mi_evidence = Evidence::new(
        &config.id,
        &format!("{}.acrUseManagedIdentityCreds", config.path_prefix),
    )
    .actual(format!(
        "{}",
        config.raw.acr_use_managed_identity_creds.unwrap_or(false)
    ));
    let url_mismatch = creds
        .url
        .as_ref()
        .filter(|u| url_host(&u.value) != main.registry);
    let has_credentials =
        creds.username.is_some() || creds.password.as_ref().is_some_and(|p| p.is_set());
    let settings_id = facts
        .settings
        .as_option()
        .map(|s| s.id.clone())
        .unwrap_or_default();
    match mode {
        CredentialMode::ManagedIdentity { ref client_id } => {
            let who = if client_id.is_some() {
                "user-assigned managed identity"
            } else {
                "system-assigned managed identity"
            };
            if has_credentials {
                return Ok(Outcome::warn(format!("two credential modes are set: the {who} (acrUseManagedIdentityCreds) and DOCKER_REGISTRY_SERVER_* credentials; the platform uses the managed identity and the credentials only confuse"))
                    .evidence(mi_evidence)
                    .evidence(Evidence::new(&settings_id, "DOCKER_REGISTRY_SERVER_PASSWORD").expected("not set").actual("set"))
                    .fix(format!("az webapp config appsettings delete -g {} -n {} --setting-names DOCKER_REGISTRY_SERVER_USERNAME DOCKER_REGISTRY_SERVER_PASSWORD", site.arm.resource_group, site.name)));
            }
            if let Some(url) = url_mismatch {
                return Ok(Outcome::warn(format!("DOCKER_REGISTRY_SERVER_URL names {} but the image is on {}", url_host(&url.value), main.registry))
                    .evidence(Evidence::new(&url.resource_id, &url.path).expected(format!("https://{}", main.registry)).actual(&url.value))
                    .fix(format!("az webapp config appsettings set -g {} -n {} --settings DOCKER_REGISTRY_SERVER_URL=https://{}", site.arm.resource_group, site.name, main.registry)));
            }
            Ok(Outcome::pass(format!("pulls with the {who}")).evidence(mi_evidence))
        }
        CredentialMode::RegistryCredentials => {
            if let Some(url) = url_mismatch {
                return Ok(Outcome::fail(format!("DOCKER_REGISTRY_SERVER_URL names {} but the image is on {}: the credentials are not used for this pull", url_host(&url.value), main.registry))
                    .evidence(Evidence::new(&url.resource_id, &url.path).expected(format!("https://{}", main.registry)).actual(&url.value))
                    .fix(format!("az webapp config appsettings set -g {} -n {} --settings DOCKER_REGISTRY_SERVER_URL=https://{}", site.arm.resource_group, site.name, main.registry)));
            }
            Ok(
                Outcome::pass("pulls with DOCKER_REGISTRY_SERVER_* credentials")
                    .evidence(mi_evidence),
            )
        }
        CredentialMode::Anonymous => {
            if let Some(r) = facts.acr()
                && !r.anonymous_pull_enabled
            {
                return Ok(Outcome::fail(format!("no pull credential is configured (no managed identity, no DOCKER_REGISTRY_SERVER_* settings) and {} does not allow anonymous pull", r.name))
                        .evidence(mi_evidence.expected("true"))
                        .evidence(Evidence::new(&r.id, "properties.anonymousPullEnabled").actual("false"))
                        .fix(format!("az webapp config set -g {} -n {} --generic-configurations '{{\"acrUseManagedIdentityCreds\": true}}'\naz webapp identity assign -g {} -n {}", site.arm.resource_group, site.name, site.arm.resource_group, site.name)));
            }
            Ok(
                Outcome::pass("pulls anonymously (no credentials configured)")
                    .evidence(mi_evidence),
            )
        }
    }
}

fn sidecar_credentials(facts: &Facts) -> Outcome {
    let mut problems = Vec::new();
    let mut evidence = Vec::new();
    for image in &facts.images {
        let Some(auth) = &image.sidecar_auth else {
            continue;
        };
        let e = Evidence::new(&image.provenance.resource_id, "properties.authType")
            .actual(&auth.auth_type);
        match auth.auth_type.to_ascii_lowercase().as_str() {
            "userassigned"
                if auth
                    .client_id
                    .as_deref()
                    .is_none_or(|c| c.trim().is_empty()) =>
            {
                problems.push(format!(
                    "{}: authType UserAssigned without userManagedIdentityClientId",
                    image.name
                ))
            }
            "usercredentials" if auth.user_name.is_none() || !auth.password_set => {
                problems.push(format!(
                    "{}: authType UserCredentials without userName and passwordSecret",
                    image.name
                ))
            }
            "anonymous"
                if facts.acr().is_some_and(|r| !r.anonymous_pull_enabled)
                    && image.parsed.as_ref().is_ok_and(|p| {
                        facts.acr().is_some_and(|r| r.login_server == p.registry)
                    }) =>
            {
                problems.push(format!(
                    "{}: authType Anonymous but the registry does not allow anonymous pull",
                    image.name
                ));
            }
            _ => {}
        }
        evidence.push(e);
    }
    if problems.is_empty() {
        Outcome::pass("each sidecar container has a complete credential (authType)")
            .evidences(evidence)
    } else {
        Outcome::fail(problems.join("; ")).evidences(evidence).fix(format!("az webapp sitecontainers update -g {} -n {} --container-name <name> --auth-type SystemIdentity", facts.site.arm.resource_group, facts.site.name))
    }
}

fn app_dns_override(facts: &Facts) -> Result<Outcome, Unavailable> {
    let dns = &facts.dns;
    if dns.site.is_empty() {
        let then = if dns.vnet.is_empty() {
            "Azure DNS through the integration VNet".to_string()
        } else {
            format!(
                "the VNet's DNS servers ({})",
                dns.vnet
                    .iter()
                    .map(|s| s.value.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return Ok(Outcome::pass(format!(
            "no app-level DNS override: queries go to {then}"
        )));
    }
    let evidence: Vec<Evidence> = dns
        .site
        .iter()
        .map(|s| Evidence::new(&s.resource_id, &s.path).actual(&s.value))
        .collect();
    let note = if dns.overridden_settings.is_empty() {
        String::new()
    } else {
        format!(
            " ({} is also set but the site property takes precedence)",
            dns.overridden_settings
                .iter()
                .map(|s| s.path.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let servers: Vec<(&str, Option<Ipv4Addr>)> = dns
        .site
        .iter()
        .map(|s| (s.value.as_str(), parse_ipv4_lenient(&s.value)))
        .collect();
    let fix = format!(
        "Point the app at a resolver that answers privatelink.azurecr.io: az resource update --ids {} --set properties.dnsConfiguration.dnsServers='[\"{AZURE_DNS}\"]' (or a DNS Private Resolver inbound endpoint); remove WEBSITE_DNS_SERVER if set",
        facts.site.id
    );
    if let Some((public, _)) = servers
        .iter()
        .find(|(_, ip)| ip.is_some_and(|ip| !is_private(ip) && ip.to_string() != AZURE_DNS))
    {
        let severity = if registry_private_only(facts) {
            Severity::High
        } else {
            Severity::Medium
        };
        return Ok(Outcome::fail(format!("the app resolves with the public DNS server {public}{note}: a public resolver never sees the privatelink zone, so the registry resolves to its public address"))
            .evidences(evidence.into_iter().map(|e| e.expected(format!("{AZURE_DNS} or a resolver that forwards azurecr.io to it"))))
            .fix(fix)
            .severity(severity));
    }
    if servers.iter().all(|(s, _)| *s == AZURE_DNS) {
        return Ok(Outcome::pass(format!(
            "the app's DNS override is Azure DNS ({AZURE_DNS}){note}"
        ))
        .evidences(evidence));
    }
    let unplaced: Vec<&str> = servers
        .iter()
        .filter(|(_, ip)| {
            ip.is_some_and(|ip| ip.to_string() != AZURE_DNS && facts.vnet_containing(ip).is_none())
        })
        .map(|(s, _)| *s)
        .collect();
    let list: Vec<&str> = servers.iter().map(|(s, _)| *s).collect();
    let mut message = format!(
        "the app resolves with {}{note}; those servers must answer privatelink.azurecr.io (forward azurecr.io to {AZURE_DNS} from a VNet linked to the zone); run with --probe to see what they answer",
        list.join(", ")
    );
    if !unplaced.is_empty() {
        message.push_str(&format!(
            "; {} is in no VNet of the input",
            unplaced.join(", ")
        ));
    }
    Ok(Outcome::warn(message).evidences(evidence))
}

fn https_only(facts: &Facts) -> Result<Outcome, Unavailable> {
    let site = &facts.site;
    let value = site.raw.properties.https_only.unwrap_or(false);
    let evidence = Evidence::new(&site.id, "properties.httpsOnly").actual(value.to_string());
    if value {
        Ok(Outcome::pass("HTTPS only is on").evidence(evidence))
    } else {
        Ok(
            Outcome::warn("HTTPS only is off: the app also answers plain HTTP")
                .evidence(evidence.expected("true"))
                .fix(format!(
                    "az webapp update -g {} -n {} --https-only true",
                    site.arm.resource_group, site.name
                )),
        )
    }
}
