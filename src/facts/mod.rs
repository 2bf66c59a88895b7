//! The facts model: typed, observed values derived once from an [`Inventory`], with the
//! *effective* settings App Service will use and where each came from (provenance). Checks
//! read only this. Nothing here does I/O, and nothing here judges: a fact is what is, a check
//! says whether it is right.

pub mod arm;
mod build_network;
mod build_registry;
mod build_site;
pub mod image;
pub mod inventory;
pub mod net;
pub mod probe;
pub mod settings;

use std::collections::BTreeMap;

use ipnet::Ipv4Net;

use crate::error::InputError;
use image::{FxVersion, ImageRef};
use inventory::{Gap, Inventory, Origin, id_key, is_ancestor_or_self};
use settings::{AppSettings, SettingValue};

use build_network::*;
use build_registry::*;
use build_site::*;

/// A fact that may not have been observed.
#[derive(Debug, Clone)]
pub enum Observed<T> {
    Present(T),
    /// Not observed: the id looked for (when there is one) and why.
    Absent {
        what: String,
        id: Option<String>,
        gap: Gap,
    },
}

/// Why a check cannot look at a fact: its input is missing (→ `skip`) or could not be read
/// (→ `error`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable {
    pub reason: String,
    pub errored: bool,
}

impl Unavailable {
    /// An input that is not there: the check is `skip`ped with this reason.
    pub fn missing(reason: impl Into<String>) -> Unavailable {
        Unavailable {
            reason: reason.into(),
            errored: false,
        }
    }
}

/// Why `what` (with the id looked for) cannot be used.
pub fn unavailable(what: &str, id: Option<&str>, gap: &Gap) -> Unavailable {
    let at = id.map(|id| format!(" ({id})")).unwrap_or_default();
    match gap {
        Gap::Missing => Unavailable::missing(format!("{what}{at} is not in the input")),
        Gap::NotFound => Unavailable::missing(format!("{what}{at} does not exist (404)")),
        Gap::Forbidden { permission } => Unavailable {
            reason: format!("{what}{at} could not be read: forbidden (needs {permission})"),
            errored: true,
        },
        Gap::Timeout => Unavailable {
            reason: format!("{what}{at} could not be read: timed out"),
            errored: true,
        },
        Gap::Failed(why) => Unavailable {
            reason: format!("{what}{at} could not be read: {why}"),
            errored: true,
        },
    }
}

impl<T> Observed<T> {
    pub fn absent(what: impl Into<String>, id: Option<&str>, inventory: &Inventory) -> Observed<T> {
        let gap = id.map_or(Gap::Missing, |id| inventory.gap(id));
        Observed::Absent {
            what: what.into(),
            id: id.map(str::to_string),
            gap,
        }
    }

    pub fn get(&self) -> Result<&T, Unavailable> {
        match self {
            Observed::Present(value) => Ok(value),
            Observed::Absent { what, id, gap } => Err(unavailable(what, id.as_deref(), gap)),
        }
    }

    pub fn as_option(&self) -> Option<&T> {
        match self {
            Observed::Present(value) => Some(value),
            Observed::Absent { .. } => None,
        }
    }
}

/// Parts of an ARM id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArmId {
    pub subscription: String,
    pub resource_group: String,
    pub name: String,
}

impl ArmId {
    pub fn parse(id: &str) -> ArmId {
        let segments: Vec<&str> = id.split('/').filter(|s| !s.is_empty()).collect();
        let after = |key: &str| {
            segments
                .iter()
                .position(|s| s.eq_ignore_ascii_case(key))
                .and_then(|i| segments.get(i + 1))
                .map(|s| s.to_string())
                .unwrap_or_default()
        };
        ArmId {
            subscription: after("subscriptions"),
            resource_group: after("resourceGroups"),
            name: segments.last().map(|s| s.to_string()).unwrap_or_default(),
        }
    }
}

/// The parent id of a child resource (`…/virtualNetworks/v/subnets/s` → `…/virtualNetworks/v`).
pub fn parent_id(id: &str) -> String {
    let trimmed = id.trim_end_matches('/');
    let mut parts: Vec<&str> = trimmed.split('/').collect();
    parts.truncate(parts.len().saturating_sub(2));
    parts.join("/")
}

/// ARM location names: `West Central US` and `westcentralus` are the same region.
pub fn normalize_location(location: &str) -> String {
    location
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Which Azure cloud: its ACR suffix and privatelink zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, clap::ValueEnum, Default)]
pub enum Cloud {
    #[default]
    #[value(name = "AzureCloud")]
    AzureCloud,
    #[value(name = "AzureUSGovernment")]
    AzureUsGovernment,
    #[value(name = "AzureChinaCloud")]
    AzureChinaCloud,
}

impl Cloud {
    pub fn acr_suffix(self) -> &'static str {
        match self {
            Cloud::AzureCloud => "azurecr.io",
            Cloud::AzureUsGovernment => "azurecr.us",
            Cloud::AzureChinaCloud => "azurecr.cn",
        }
    }

    pub fn acr_zone(self) -> String {
        format!("privatelink.{}", self.acr_suffix())
    }

    /// The cloud whose ACR suffix a login server ends with.
    pub fn from_login_server(host: &str) -> Option<Cloud> {
        let host = host.to_ascii_lowercase();
        [
            Cloud::AzureCloud,
            Cloud::AzureUsGovernment,
            Cloud::AzureChinaCloud,
        ]
        .into_iter()
        .find(|c| host.ends_with(&format!(".{}", c.acr_suffix())))
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// The resource that holds the setting.
    pub resource_id: String,
    /// The property path (or app setting name) within it.
    pub path: String,
    /// The value as found, for display.
    pub value: String,
}

// ---------------------------------------------------------------- the site

#[derive(Debug, Clone)]
pub struct SiteFacts {
    pub id: String,
    pub name: String,
    pub arm: ArmId,
    pub location: String,
    pub kind: String,
    pub raw: arm::Site,
    pub origin: Origin,
    pub is_linux: bool,
    pub is_function_app: bool,
    pub subnet_id: Option<String>,
    pub ase_id: Option<String>,
    pub identity: SiteIdentity,
    pub possible_outbound_ips: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct SiteIdentity {
    pub kind: String,
    pub system_assigned: bool,
    pub system_principal_id: Option<String>,
    pub user_assigned: Vec<UserAssigned>,
}

#[derive(Debug, Clone)]
pub struct UserAssigned {
    pub resource_id: String,
    pub client_id: Option<String>,
    pub principal_id: Option<String>,
}

/// The site configuration in force, and which document it came from.
#[derive(Debug, Clone)]
pub struct SiteConfigFacts {
    pub id: String,
    pub path_prefix: &'static str,
    pub raw: arm::SiteConfig,
    pub fx: FxVersion,
}

/// An image the platform pulls for the site.
#[derive(Debug, Clone)]
pub struct ContainerImage {
    /// `main`, or the sidecar's name.
    pub name: String,
    pub is_main: bool,
    pub raw: String,
    pub parsed: Result<ImageRef, String>,
    pub provenance: Provenance,
    /// For sidecars: their own `authType`, client id and credential presence.
    pub sidecar_auth: Option<SidecarAuth>,
}

#[derive(Debug, Clone)]
pub struct SidecarAuth {
    pub auth_type: String,
    pub client_id: Option<String>,
    pub user_name: Option<String>,
    pub password_set: bool,
}

/// Image pull routing over the VNet, with each setting that speaks to it.
#[derive(Debug, Clone, Default)]
pub struct Routing {
    pub enabled: bool,
    /// Every setting found, enabling or not.
    pub sources: Vec<RoutingSource>,
}

#[derive(Debug, Clone)]
pub struct RoutingSource {
    pub provenance: Provenance,
    pub enables: bool,
}

impl Routing {
    /// Settings that explicitly say `false` while another one enables routing.
    pub fn disagreement(&self) -> Option<(Vec<&RoutingSource>, Vec<&RoutingSource>)> {
        let on: Vec<_> = self.sources.iter().filter(|s| s.enables).collect();
        let off: Vec<_> = self.sources.iter().filter(|s| !s.enables).collect();
        (!on.is_empty() && !off.is_empty()).then_some((on, off))
    }
}

/// The DNS servers that answer the app's queries.
#[derive(Debug, Clone, Default)]
pub struct DnsInForce {
    /// Site-level servers (`dnsConfiguration.dnsServers` or `WEBSITE_DNS_SERVER`/`_ALT_`).
    pub site: Vec<Provenance>,
    /// Site-level servers set in both places that differ: the site property wins.
    pub overridden_settings: Vec<Provenance>,
    /// The integration VNet's custom DNS servers.
    pub vnet: Vec<Provenance>,
}

impl DnsInForce {
    /// The servers the app actually asks, and whether they are Azure DNS.
    pub fn effective(&self) -> (&[Provenance], bool) {
        let servers = if !self.site.is_empty() {
            &self.site
        } else {
            &self.vnet
        };
        let azure = servers.is_empty() || servers.iter().all(|s| s.value == AZURE_DNS);
        (servers, azure)
    }
}

pub const AZURE_DNS: &str = "168.63.129.16";

/// How the main image is pulled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialMode {
    /// `acrUseManagedIdentityCreds = true`; a client id selects a user-assigned identity.
    ManagedIdentity { client_id: Option<String> },
    /// `DOCKER_REGISTRY_SERVER_*` app settings.
    RegistryCredentials,
    /// Nothing: an anonymous pull.
    Anonymous,
}

#[derive(Debug, Clone, Default)]
pub struct RegistryCredentials {
    pub url: Option<Provenance>,
    pub username: Option<Provenance>,
    pub password: Option<SettingValue>,
}

/// Who pulls, as far as the facts tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PullIdentity {
    System {
        principal_id: Option<String>,
    },
    User {
        client_id: String,
        resource_id: String,
        principal_id: Option<String>,
    },
    /// The configured id is not one of the site's identities; `mistake` names what it is instead.
    Unresolved {
        configured: Option<String>,
        mistake: IdentityMistake,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityMistake {
    /// `acrUserManagedIdentityID` is empty and the site has no system-assigned identity.
    NoSystemIdentity,
    /// The value is the principalId (object id) of this assigned identity.
    PrincipalIdOf(String),
    /// The value is a resource id.
    ResourceId { assigned: bool },
    /// The clientId belongs to a user-assigned identity that is not assigned to the site.
    NotAssigned(String),
    /// Nothing known has that id.
    Unknown,
}

// ---------------------------------------------------------------- network

#[derive(Debug, Clone)]
pub struct VnetFacts {
    pub id: String,
    pub name: String,
    pub location: String,
    pub address_space: Vec<Ipv4Net>,
    pub dns_servers: Vec<String>,
    pub peerings: Vec<PeeringFacts>,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct PeeringFacts {
    pub id: String,
    pub name: String,
    pub remote_vnet_id: String,
    pub state: String,
    pub sync_level: String,
    pub allow_virtual_network_access: bool,
    pub remote_address_space: Vec<Ipv4Net>,
}

#[derive(Debug, Clone)]
pub struct SubnetFacts {
    pub id: String,
    pub name: String,
    pub vnet_id: String,
    pub prefixes: Vec<Ipv4Net>,
    pub unparsed_prefixes: Vec<String>,
    pub delegations: Vec<String>,
    pub nsg_id: Option<String>,
    pub route_table_id: Option<String>,
    pub private_endpoint_network_policies: String,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct PlanFacts {
    pub id: String,
    pub name: String,
    pub sku_name: String,
    pub sku_tier: String,
    pub capacity: Option<i64>,
    pub maximum_workers: Option<i64>,
    pub elastic_maximum: Option<i64>,
    pub is_linux: bool,
    pub ase_id: Option<String>,
}

// ---------------------------------------------------------------- registry and endpoints

#[derive(Debug, Clone)]
pub enum RegistryLookup {
    /// No image, or none that parses.
    NoImage,
    /// An ACR host with its registry document.
    Acr(Box<RegistryFacts>),
    /// An ACR host (`*.azurecr.io`) with no registry document for it.
    AcrNotFound { host: String },
    /// Any other registry: ACR-specific checks skip.
    Custom { host: String },
    /// The registry's document was looked for (by id) but could not be read.
    Unreadable { host: String, id: String, gap: Gap },
}

#[derive(Debug, Clone)]
pub struct RegistryFacts {
    pub id: String,
    pub name: String,
    pub arm: ArmId,
    pub location: String,
    pub sku: String,
    pub login_server: String,
    pub public_network_access: String,
    pub default_action: String,
    pub ip_rules: Vec<String>,
    pub admin_user_enabled: bool,
    pub anonymous_pull_enabled: bool,
    pub role_assignment_mode: String,
    pub arm_audience_tokens: String,
    pub data_endpoint_enabled: bool,
    /// Home region first, then each replication's region, normalised and de-duplicated.
    pub data_regions: Vec<String>,
    /// The replication list could not be read: the data regions may be incomplete.
    pub replications_unreadable: Option<Gap>,
    pub connections: Vec<RegistryConnection>,
    pub origin: Origin,
}

impl RegistryFacts {
    /// Public access is closed: `Disabled`, or `Enabled` with default action `Deny`.
    pub fn public_closed(&self) -> bool {
        self.public_network_access.eq_ignore_ascii_case("Disabled")
            || self.default_action.eq_ignore_ascii_case("Deny")
    }

    /// The data endpoint host for a region.
    pub fn data_endpoint(&self, region: &str, cloud: Cloud) -> String {
        data_endpoint(&self.name, region, cloud)
    }
}

/// A registry's data endpoint host in a region: `<registry>.<region>.data.azurecr.io`.
pub fn data_endpoint(registry: &str, region: &str, cloud: Cloud) -> String {
    format!(
        "{}.{region}.data.{}",
        registry.to_ascii_lowercase(),
        cloud.acr_suffix()
    )
}

#[derive(Debug, Clone)]
pub struct RegistryConnection {
    pub id: String,
    pub name: String,
    pub private_endpoint_id: String,
    pub status: String,
}

/// A private endpoint that serves the image's registry.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub id: String,
    pub name: String,
    pub arm: ArmId,
    pub subnet_id: Option<String>,
    pub connections: Vec<EndpointConnection>,
    pub nic_ids: Vec<String>,
    /// NIC ids the input does not hold.
    pub missing_nics: Vec<String>,
    /// One per FQDN the endpoint serves (from its NIC; or `customDnsConfigs` without one).
    pub members: Vec<EndpointMember>,
    pub zone_groups: Vec<ZoneGroupFacts>,
    /// The zone group list could not be read.
    pub zone_groups_unreadable: Option<Gap>,
    /// The endpoint document itself is not in the input (only the registry side names it).
    pub document_missing: bool,
    /// A template creates it: its NIC and addresses exist only after the deployment.
    pub planned: bool,
}

#[derive(Debug, Clone)]
pub struct EndpointConnection {
    pub name: String,
    pub target_id: String,
    pub group_ids: Vec<String>,
    pub status: String,
    pub manual: bool,
}

#[derive(Debug, Clone)]
pub struct EndpointMember {
    pub member: String,
    pub fqdn: String,
    pub ip: Option<std::net::Ipv4Addr>,
    pub raw_ip: String,
    pub provenance: Provenance,
}

#[derive(Debug, Clone)]
pub struct ZoneGroupFacts {
    pub id: String,
    pub name: String,
    pub zone_ids: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ZoneFacts {
    pub id: String,
    pub name: String,
    pub arm: ArmId,
    pub links: Vec<LinkFacts>,
    /// A record sets by relative name (lowercase).
    pub a_records: BTreeMap<String, ARecordFacts>,
    /// The zone says it holds more record sets than the input does (SOA excluded).
    pub records_missing_from_input: bool,
    pub links_missing_from_input: bool,
    /// The A record list could not be read (live): a missing record proves nothing.
    pub records_unreadable: Option<Gap>,
    /// The virtual network link list could not be read.
    pub links_unreadable: Option<Gap>,
}

#[derive(Debug, Clone)]
pub struct LinkFacts {
    pub id: String,
    pub name: String,
    pub vnet_id: String,
    pub state: String,
    pub resolution_policy: String,
}

#[derive(Debug, Clone)]
pub struct ARecordFacts {
    pub id: String,
    pub name: String,
    pub ips: Vec<String>,
}

// ---------------------------------------------------------------- RBAC

#[derive(Debug, Clone)]
pub struct RoleAssignmentFacts {
    pub id: String,
    pub principal_id: String,
    pub role_definition_id: String,
    pub scope: String,
    pub condition: Option<String>,
}

impl RoleAssignmentFacts {
    /// The role definition's GUID (the last segment of its id), lowercase.
    pub fn role_guid(&self) -> String {
        self.role_definition_id
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    }
}

// ---------------------------------------------------------------- all facts

#[derive(Debug, Clone)]
pub struct Facts {
    pub cloud: Cloud,
    pub site: SiteFacts,
    pub config: Observed<SiteConfigFacts>,
    pub settings: Observed<AppSettings>,
    pub images: Vec<ContainerImage>,
    pub routing: Routing,
    pub dns: DnsInForce,
    pub plan: Observed<PlanFacts>,
    pub subnet: Observed<SubnetFacts>,
    pub vnet: Observed<VnetFacts>,
    pub vnets: BTreeMap<String, VnetFacts>,
    pub subnets: BTreeMap<String, SubnetFacts>,
    pub registry: RegistryLookup,
    pub endpoints: Vec<Endpoint>,
    pub zones: Vec<ZoneFacts>,
    pub role_assignments: Vec<RoleAssignmentFacts>,
    pub role_definitions: BTreeMap<String, arm::RoleDefinition>,
    pub inventory: Inventory,
    /// With `--template`: how the template writes what the documents do not show.
    pub template: Option<TemplateFacts>,
}

/// What a template says beyond its planned documents (set by `verify --template`).
#[derive(Debug, Clone, Default)]
pub struct TemplateFacts {
    pub file: String,
    /// (site id, JSON path) of registry passwords written as literals.
    pub literal_passwords: Vec<(String, String)>,
    /// (site id, JSON path, what it was built from) of `acrUserManagedIdentityID` values
    /// that are not a clientId.
    pub identity_id_mistakes: Vec<(String, String, String)>,
    /// (assignment id, JSON path) of role assignments for a new principal without
    /// `principalType`.
    pub untyped_new_principals: Vec<(String, String)>,
}

/// How to pick the site and registry.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// A site name or id; required when the input holds more than one site.
    pub app: Option<String>,
    pub registry_id: Option<String>,
    pub cloud: Option<Cloud>,
}

impl Facts {
    /// Builds the facts for one site. Fails (exit 2) only when no site can be chosen.
    pub fn build(inventory: Inventory, target: &Target) -> Result<Facts, InputError> {
        let site = select_site(&inventory, target.app.as_deref())?;
        let site = site_facts(site.0, site.1);
        let config = site_config(&inventory, &site);
        let settings = match inventory.app_settings(&format!("{}/config/appsettings", site.id)) {
            Some((s, _)) => Observed::Present(s.clone()),
            None => Observed::absent(
                "the app settings (config/appsettings/list)",
                Some(&format!("{}/config/appsettings", site.id)),
                &inventory,
            ),
        };
        let images = images(&inventory, &site, &config);
        let routing = routing(&site, settings.as_option());
        let vnets: BTreeMap<String, VnetFacts> = inventory
            .all_virtual_networks()
            .map(|(v, o)| (id_key(&v.id), vnet_facts(&inventory, v, o)))
            .collect();
        let subnets: BTreeMap<String, SubnetFacts> = inventory
            .all_subnets()
            .map(|(s, o)| (id_key(&s.id), subnet_facts(s, o)))
            .collect();
        let subnet = match &site.subnet_id {
            Some(id) => match subnets.get(&id_key(id)) {
                Some(s) => Observed::Present(s.clone()),
                None => Observed::absent("the integration subnet", Some(id), &inventory),
            },
            None => Observed::Absent {
                what: "the integration subnet".into(),
                id: None,
                gap: Gap::Missing,
            },
        };
        let vnet = match &site.subnet_id {
            Some(id) => {
                let vnet_id = parent_id(id);
                match vnets.get(&id_key(&vnet_id)) {
                    Some(v) => Observed::Present(v.clone()),
                    None => Observed::absent("the integration VNet", Some(&vnet_id), &inventory),
                }
            }
            None => Observed::Absent {
                what: "the integration VNet".into(),
                id: None,
                gap: Gap::Missing,
            },
        };
        let dns = dns_in_force(&site, settings.as_option(), vnet.as_option());
        let plan = match &site.raw.properties.server_farm_id {
            Some(id) => match inventory.plan(id) {
                Some((p, _)) => Observed::Present(plan_facts(p)),
                None => Observed::absent("the App Service plan", Some(id), &inventory),
            },
            None => Observed::Absent {
                what: "the App Service plan (serverFarmId)".into(),
                id: None,
                gap: Gap::Missing,
            },
        };
        let main_host = images
            .iter()
            .find(|i| i.is_main)
            .and_then(|i| i.parsed.as_ref().ok())
            .map(|r| r.host().to_ascii_lowercase());
        let cloud = target
            .cloud
            .or_else(|| main_host.as_deref().and_then(Cloud::from_login_server))
            .unwrap_or_default();
        let registry = registry_lookup(
            &inventory,
            main_host.as_deref(),
            target.registry_id.as_deref(),
        );
        let endpoints = endpoints(&inventory, &registry, main_host.as_deref());
        let zones = inventory
            .all_private_dns_zones()
            .map(|(z, _)| zone_facts(&inventory, z))
            .collect();
        let role_assignments = inventory
            .all_role_assignments()
            .map(|(r, _)| RoleAssignmentFacts {
                id: r.id.clone(),
                principal_id: r.properties.principal_id.clone().unwrap_or_default(),
                role_definition_id: r.properties.role_definition_id.clone().unwrap_or_default(),
                scope: r.properties.scope.clone().unwrap_or_default(),
                condition: r
                    .properties
                    .condition
                    .clone()
                    .filter(|c| !c.trim().is_empty()),
            })
            .collect();
        let role_definitions = inventory
            .all_role_definitions()
            .map(|(d, _)| {
                (
                    d.id.rsplit('/').next().unwrap_or("").to_ascii_lowercase(),
                    d.clone(),
                )
            })
            .collect();
        Ok(Facts {
            cloud,
            site,
            config,
            settings,
            images,
            routing,
            dns,
            plan,
            subnet,
            vnet,
            vnets,
            subnets,
            registry,
            endpoints,
            zones,
            role_assignments,
            role_definitions,
            inventory,
            template: None,
        })
    }

    pub fn main_image(&self) -> Option<&ContainerImage> {
        self.images.iter().find(|i| i.is_main)
    }

    pub fn main_image_ref(&self) -> Option<&ImageRef> {
        self.main_image().and_then(|i| i.parsed.as_ref().ok())
    }

    pub fn acr(&self) -> Option<&RegistryFacts> {
        match &self.registry {
            RegistryLookup::Acr(r) => Some(r),
            _ => None,
        }
    }

    /// The credential mode of the main image.
    pub fn credential_mode(&self) -> Result<CredentialMode, Unavailable> {
        let config = self.config.get()?;
        if config.raw.acr_use_managed_identity_creds == Some(true) {
            let client_id = config
                .raw
                .acr_user_managed_identity_id
                .clone()
                .filter(|s| !s.trim().is_empty());
            return Ok(CredentialMode::ManagedIdentity { client_id });
        }
        let credentials = self.registry_credentials()?;
        if credentials.username.is_some()
            || credentials
                .password
                .as_ref()
                .is_some_and(SettingValue::is_set)
        {
            Ok(CredentialMode::RegistryCredentials)
        } else {
            Ok(CredentialMode::Anonymous)
        }
    }

    /// The `DOCKER_REGISTRY_SERVER_*` settings that are set.
    pub fn registry_credentials(&self) -> Result<RegistryCredentials, Unavailable> {
        let settings = self.settings.get()?;
        let provenance = |key: &str| {
            settings
                .get(key)
                .filter(|v| v.is_set())
                .map(|v| Provenance {
                    resource_id: settings.id.clone(),
                    path: key.to_string(),
                    value: v.display(),
                })
        };
        Ok(RegistryCredentials {
            url: provenance("DOCKER_REGISTRY_SERVER_URL"),
            username: provenance("DOCKER_REGISTRY_SERVER_USERNAME"),
            password: settings.get("DOCKER_REGISTRY_SERVER_PASSWORD").cloned(),
        })
    }

    /// Resolves the identity the main image is pulled with (managed identity mode only).
    pub fn pull_identity(&self, client_id: Option<&str>) -> PullIdentity {
        let identity = &self.site.identity;
        let Some(configured) = client_id else {
            return if identity.system_assigned {
                PullIdentity::System {
                    principal_id: identity.system_principal_id.clone(),
                }
            } else {
                PullIdentity::Unresolved {
                    configured: None,
                    mistake: IdentityMistake::NoSystemIdentity,
                }
            };
        };
        let wanted = configured.trim();
        // The site's identity map usually carries each clientId; when it does not, the
        // identity's own document does.
        let client_of = |u: &UserAssigned| {
            u.client_id.clone().or_else(|| {
                self.inventory
                    .user_assigned_identity(&u.resource_id)
                    .and_then(|(i, _)| i.properties.client_id.clone())
            })
        };
        if let Some(u) = identity.user_assigned.iter().find(|u| {
            client_of(u)
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case(wanted))
        }) {
            return PullIdentity::User {
                client_id: wanted.to_string(),
                resource_id: u.resource_id.clone(),
                principal_id: u.principal_id.clone().or_else(|| {
                    self.inventory
                        .user_assigned_identity(&u.resource_id)
                        .and_then(|(i, _)| i.properties.principal_id.clone())
                }),
            };
        }
        let mistake = if let Some(u) = identity.user_assigned.iter().find(|u| {
            u.principal_id
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case(wanted))
        }) {
            IdentityMistake::PrincipalIdOf(u.resource_id.clone())
        } else if wanted.starts_with('/') {
            IdentityMistake::ResourceId {
                assigned: identity
                    .user_assigned
                    .iter()
                    .any(|u| id_key(&u.resource_id) == id_key(wanted)),
            }
        } else if let Some((i, _)) = self
            .inventory
            .all_user_assigned_identities()
            .find(|(i, _)| {
                i.properties
                    .client_id
                    .as_deref()
                    .is_some_and(|c| c.eq_ignore_ascii_case(wanted))
            })
        {
            IdentityMistake::NotAssigned(i.id.clone())
        } else {
            IdentityMistake::Unknown
        };
        PullIdentity::Unresolved {
            configured: Some(wanted.to_string()),
            mistake,
        }
    }

    /// The zones with this name (any resource group or subscription).
    pub fn zones_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a ZoneFacts> + 'a {
        self.zones
            .iter()
            .filter(move |z| z.name.eq_ignore_ascii_case(name))
    }

    /// The VNet (among those in the input) whose address space holds this address.
    pub fn vnet_containing(&self, ip: std::net::Ipv4Addr) -> Option<&VnetFacts> {
        self.vnets
            .values()
            .find(|v| v.address_space.iter().any(|n| n.contains(&ip)))
    }
}

/// The gap recorded for a child list (`{parent}/{type}`) that could not be read; `None` when
/// it was read, or nothing is known (a snapshot).
pub fn list_gap(inventory: &Inventory, path: &str) -> Option<Gap> {
    match inventory.gap(path) {
        Gap::Missing => None,
        gap => Some(gap),
    }
}

/// `true` when `scope` is the resource or one of its ancestors.
pub fn scope_covers(scope: &str, resource_id: &str) -> bool {
    is_ancestor_or_self(scope, resource_id)
}
