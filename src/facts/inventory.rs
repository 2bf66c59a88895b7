//! The inventory: every ARM document a source produced, typed, keyed by id compared
//! case-insensitively, with where each came from — and, for documents a source tried and
//! failed to read, why (missing, forbidden, timeout). Collectors fill it; `facts` reads it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::arm;
use super::settings::AppSettings;

/// One typed ARM document.
#[derive(Debug, Clone)]
pub enum Resource {
    Site(arm::Site),
    SiteConfig(arm::SiteConfigResource),
    AppSettings(AppSettings),
    SiteContainer(arm::SiteContainerResource),
    Plan(arm::Plan),
    VirtualNetwork(arm::VirtualNetwork),
    Subnet(arm::Subnet),
    Peering(arm::Peering),
    NetworkSecurityGroup(arm::NetworkSecurityGroup),
    RouteTable(arm::RouteTable),
    PrivateEndpoint(arm::PrivateEndpoint),
    DnsZoneGroup(arm::PrivateDnsZoneGroup),
    NetworkInterface(arm::NetworkInterface),
    PrivateDnsZone(arm::PrivateDnsZone),
    ARecordSet(arm::ARecordSet),
    VirtualNetworkLink(arm::VirtualNetworkLink),
    Registry(arm::Registry),
    Replication(arm::Replication),
    RegistryConnection(arm::RegistryPrivateEndpointConnection),
    UserAssignedIdentity(arm::Identity),
    SystemAssignedIdentity(arm::Identity),
    RoleAssignment(arm::RoleAssignment),
    RoleDefinition(arm::RoleDefinition),
}

/// The kinds of document pullpath understands, named by their lowercase ARM type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Site,
    SiteConfig,
    AppSettings,
    SiteContainer,
    Plan,
    VirtualNetwork,
    Subnet,
    Peering,
    NetworkSecurityGroup,
    RouteTable,
    PrivateEndpoint,
    DnsZoneGroup,
    NetworkInterface,
    PrivateDnsZone,
    ARecordSet,
    VirtualNetworkLink,
    Registry,
    Replication,
    RegistryConnection,
    UserAssignedIdentity,
    SystemAssignedIdentity,
    RoleAssignment,
    RoleDefinition,
}

impl Kind {
    /// Classifies a document by its ARM `type` (or the type its id implies) and, for
    /// `sites/config`, its name. `None` for documents pullpath does not read.
    pub fn classify(arm_type: &str, id: &str) -> Option<Kind> {
        let arm_type = arm_type.to_ascii_lowercase();
        let last_segment = id.rsplit('/').next().unwrap_or("").to_ascii_lowercase();
        Some(match arm_type.as_str() {
            "microsoft.web/sites" | "microsoft.web/sites/slots" => Kind::Site,
            "microsoft.web/sites/config" | "microsoft.web/sites/slots/config" => {
                match last_segment.as_str() {
                    "web" => Kind::SiteConfig,
                    "appsettings" => Kind::AppSettings,
                    _ => return None,
                }
            }
            "microsoft.web/sites/sitecontainers" | "microsoft.web/sites/slots/sitecontainers" => {
                Kind::SiteContainer
            }
            "microsoft.web/serverfarms" => Kind::Plan,
            "microsoft.network/virtualnetworks" => Kind::VirtualNetwork,
            "microsoft.network/virtualnetworks/subnets" => Kind::Subnet,
            "microsoft.network/virtualnetworks/virtualnetworkpeerings" => Kind::Peering,
            "microsoft.network/networksecuritygroups" => Kind::NetworkSecurityGroup,
            "microsoft.network/routetables" => Kind::RouteTable,
            "microsoft.network/privateendpoints" => Kind::PrivateEndpoint,
            "microsoft.network/privateendpoints/privatednszonegroups" => Kind::DnsZoneGroup,
            "microsoft.network/networkinterfaces" => Kind::NetworkInterface,
            "microsoft.network/privatednszones" => Kind::PrivateDnsZone,
            "microsoft.network/privatednszones/a" => Kind::ARecordSet,
            "microsoft.network/privatednszones/virtualnetworklinks" => Kind::VirtualNetworkLink,
            "microsoft.containerregistry/registries" => Kind::Registry,
            "microsoft.containerregistry/registries/replications" => Kind::Replication,
            "microsoft.containerregistry/registries/privateendpointconnections" => {
                Kind::RegistryConnection
            }
            "microsoft.managedidentity/userassignedidentities" => Kind::UserAssignedIdentity,
            "microsoft.managedidentity/identities" => Kind::SystemAssignedIdentity,
            "microsoft.authorization/roleassignments" => Kind::RoleAssignment,
            "microsoft.authorization/roledefinitions" => Kind::RoleDefinition,
            _ => return None,
        })
    }
}

/// The ARM type an id implies: the namespace and the type segments after the last
/// `/providers/`, e.g. `microsoft.network/privatednszones/a`.
pub fn type_from_id(id: &str) -> Option<String> {
    let lower = id.to_ascii_lowercase();
    let at = lower.rfind("/providers/")?;
    let rest: Vec<&str> = id[at + "/providers/".len()..].split('/').collect();
    if rest.len() < 3 {
        return None;
    }
    let mut parts = vec![rest[0], rest[1]];
    parts.extend(rest.iter().skip(3).step_by(2));
    Some(parts.join("/"))
}

impl Resource {
    pub fn id(&self) -> &str {
        match self {
            Resource::Site(r) => &r.id,
            Resource::SiteConfig(r) => &r.id,
            Resource::AppSettings(r) => &r.id,
            Resource::SiteContainer(r) => &r.id,
            Resource::Plan(r) => &r.id,
            Resource::VirtualNetwork(r) => &r.id,
            Resource::Subnet(r) => &r.id,
            Resource::Peering(r) => &r.id,
            Resource::NetworkSecurityGroup(r) => &r.id,
            Resource::RouteTable(r) => &r.id,
            Resource::PrivateEndpoint(r) => &r.id,
            Resource::DnsZoneGroup(r) => &r.id,
            Resource::NetworkInterface(r) => &r.id,
            Resource::PrivateDnsZone(r) => &r.id,
            Resource::ARecordSet(r) => &r.id,
            Resource::VirtualNetworkLink(r) => &r.id,
            Resource::Registry(r) => &r.id,
            Resource::Replication(r) => &r.id,
            Resource::RegistryConnection(r) => r.id.as_deref().unwrap_or(""),
            Resource::UserAssignedIdentity(r) => &r.id,
            Resource::SystemAssignedIdentity(r) => &r.id,
            Resource::RoleAssignment(r) => &r.id,
            Resource::RoleDefinition(r) => &r.id,
        }
    }
}

/// Where a document came from: a file and the JSON path inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: PathBuf,
    pub pointer: String,
    /// Found inside another document (a subnet inside its VNet), not as a document of its own.
    pub embedded: bool,
    /// Planned by a template (`verify --template`), not read from what exists.
    pub planned: bool,
}

/// Why a document a source looked for is not in the inventory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gap {
    /// The snapshot does not hold it (or nothing is known).
    Missing,
    /// ARM answered 404: the resource does not exist.
    NotFound,
    /// ARM said 403; `permission` is the action that would allow the read.
    Forbidden { permission: String },
    /// The read did not finish in time.
    Timeout,
    /// Any other failure, described.
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub resource: Resource,
    pub origin: Origin,
}

/// Everything a source produced.
#[derive(Debug, Default, Clone)]
pub struct Inventory {
    entries: BTreeMap<String, Entry>,
    gaps: BTreeMap<String, Gap>,
}

/// The ARM id normalised for comparison: lowercase, no trailing slash.
pub fn id_key(id: &str) -> String {
    id.trim_end_matches('/').to_ascii_lowercase()
}

/// `true` when `ancestor` is `id` or one of its parents (segment-aware, case-insensitive).
pub fn is_ancestor_or_self(ancestor: &str, id: &str) -> bool {
    // `/` (the root scope) normalises to the empty string and is everyone's ancestor.
    let ancestor = id_key(ancestor);
    let id = id_key(id);
    ancestor.is_empty() || id == ancestor || id.starts_with(&format!("{ancestor}/"))
}

impl Inventory {
    /// Adds a document. A standalone document replaces an embedded copy of the same id; an
    /// embedded copy never replaces anything. Returns the origin of a conflicting earlier
    /// standalone document, which the caller decides about.
    pub fn insert(&mut self, resource: Resource, origin: Origin) -> Option<Origin> {
        let key = id_key(resource.id());
        match self.entries.get(&key) {
            Some(_) if origin.embedded => None,
            Some(existing) if !existing.origin.embedded => Some(existing.origin.clone()),
            _ => {
                self.entries.insert(key, Entry { resource, origin });
                None
            }
        }
    }

    /// Puts a document in place of whatever had its id (a deployment's planned state over the
    /// existing one); a gap recorded for the id no longer applies.
    pub fn replace(&mut self, entry: Entry) {
        let key = id_key(entry.resource.id());
        self.gaps.remove(&key);
        self.entries.insert(key, entry);
    }

    pub fn into_entries(self) -> impl Iterator<Item = Entry> {
        self.entries.into_values()
    }

    /// Records that a document was looked for and could not be read.
    pub fn record_gap(&mut self, id: &str, gap: Gap) {
        self.gaps.insert(id_key(id), gap);
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.get(&id_key(id))
    }

    /// The gap recorded for an id; `Missing` when nothing is known about it.
    pub fn gap(&self, id: &str) -> Gap {
        self.gaps.get(&id_key(id)).cloned().unwrap_or(Gap::Missing)
    }

    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Documents directly below `parent` (its children and grandchildren), in id order.
    pub fn below<'a>(&'a self, parent: &str) -> impl Iterator<Item = &'a Entry> + 'a {
        let prefix = format!("{}/", id_key(parent));
        self.entries
            .range(prefix.clone()..)
            .take_while(move |(k, _)| k.starts_with(&prefix))
            .map(|(_, e)| e)
    }
}

/// Typed accessors: `inventory.site(id)` is `Option<(&arm::Site, &Origin)>`, and
/// `inventory.all_sites()` iterates every site.
macro_rules! accessors {
    ($($one:ident, $all:ident, $below:ident => $variant:ident($ty:ty);)*) => {
        impl Inventory {
            $(
                pub fn $one(&self, id: &str) -> Option<(&$ty, &Origin)> {
                    match self.get(id) {
                        Some(Entry { resource: Resource::$variant(r), origin }) => Some((r, origin)),
                        _ => None,
                    }
                }
                pub fn $all(&self) -> impl Iterator<Item = (&$ty, &Origin)> {
                    self.entries().filter_map(|e| match &e.resource {
                        Resource::$variant(r) => Some((r, &e.origin)),
                        _ => None,
                    })
                }
                pub fn $below<'a>(&'a self, parent: &str) -> impl Iterator<Item = (&'a $ty, &'a Origin)> + 'a {
                    self.below(parent).filter_map(|e| match &e.resource {
                        Resource::$variant(r) => Some((r, &e.origin)),
                        _ => None,
                    })
                }
            )*
        }
    };
}

accessors! {
    site, all_sites, sites_below => Site(arm::Site);
    site_config, all_site_configs, site_configs_below => SiteConfig(arm::SiteConfigResource);
    app_settings, all_app_settings, app_settings_below => AppSettings(AppSettings);
    site_container, all_site_containers, site_containers_below => SiteContainer(arm::SiteContainerResource);
    plan, all_plans, plans_below => Plan(arm::Plan);
    virtual_network, all_virtual_networks, virtual_networks_below => VirtualNetwork(arm::VirtualNetwork);
    subnet, all_subnets, subnets_below => Subnet(arm::Subnet);
    peering, all_peerings, peerings_below => Peering(arm::Peering);
    network_security_group, all_network_security_groups, nsgs_below => NetworkSecurityGroup(arm::NetworkSecurityGroup);
    route_table, all_route_tables, route_tables_below => RouteTable(arm::RouteTable);
    private_endpoint, all_private_endpoints, private_endpoints_below => PrivateEndpoint(arm::PrivateEndpoint);
    dns_zone_group, all_dns_zone_groups, dns_zone_groups_below => DnsZoneGroup(arm::PrivateDnsZoneGroup);
    network_interface, all_network_interfaces, nics_below => NetworkInterface(arm::NetworkInterface);
    private_dns_zone, all_private_dns_zones, zones_below => PrivateDnsZone(arm::PrivateDnsZone);
    a_record_set, all_a_record_sets, a_record_sets_below => ARecordSet(arm::ARecordSet);
    virtual_network_link, all_virtual_network_links, virtual_network_links_below => VirtualNetworkLink(arm::VirtualNetworkLink);
    registry, all_registries, registries_below => Registry(arm::Registry);
    replication, all_replications, replications_below => Replication(arm::Replication);
    registry_connection, all_registry_connections, registry_connections_below => RegistryConnection(arm::RegistryPrivateEndpointConnection);
    user_assigned_identity, all_user_assigned_identities, user_assigned_identities_below => UserAssignedIdentity(arm::Identity);
    system_assigned_identity, all_system_assigned_identities, system_assigned_identities_below => SystemAssignedIdentity(arm::Identity);
    role_assignment, all_role_assignments, role_assignments_below => RoleAssignment(arm::RoleAssignment);
    role_definition, all_role_definitions, role_definitions_below => RoleDefinition(arm::RoleDefinition);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_from_id_handles_children_and_extensions() {
        assert_eq!(
            type_from_id("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/z/A/rec").as_deref(),
            Some("Microsoft.Network/privateDnsZones/A")
        );
        assert_eq!(
            type_from_id("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app/providers/Microsoft.ManagedIdentity/identities/default").as_deref(),
            Some("Microsoft.ManagedIdentity/identities")
        );
        assert_eq!(type_from_id("/subscriptions/s"), None);
    }

    #[test]
    fn ancestry_is_segment_aware() {
        assert!(is_ancestor_or_self(
            "/subscriptions/S",
            "/subscriptions/s/resourceGroups/rg"
        ));
        assert!(!is_ancestor_or_self(
            "/subscriptions/s/resourceGroups/rg",
            "/subscriptions/s/resourceGroups/rg2"
        ));
        assert!(is_ancestor_or_self("/", "/subscriptions/s"));
    }
}
