//! The ARM documents pullpath reads, as serde types: exactly the wire shape, nothing derived.
//!
//! Every field is optional and `null` is accepted wherever ARM may send it, because real
//! responses vary across api-versions (see `shared/reference/azure-api-shapes.md`). Unknown
//! fields are ignored and enum-like strings stay strings here; `facts` interprets them
//! case-insensitively. A value of the wrong JSON type is an input error that names its path.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

/// Deserializes `null` (or an absent field, with `#[serde(default)]`) as `T::default()`.
fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A reference to another resource: `{ "id": "…" }`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct IdRef {
    #[serde(default)]
    pub id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Sku {
    pub name: Option<String>,
    pub tier: Option<String>,
    pub capacity: Option<i64>,
}

// ---------------------------------------------------------------- Microsoft.Web

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Site {
    pub id: String,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub location: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub properties: SiteProperties,
    pub identity: Option<ManagedServiceIdentity>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SiteProperties {
    pub reserved: Option<bool>,
    pub is_xenon: Option<bool>,
    pub hyper_v: Option<bool>,
    pub server_farm_id: Option<String>,
    pub virtual_network_subnet_id: Option<String>,
    pub vnet_route_all_enabled: Option<bool>,
    pub vnet_image_pull_enabled: Option<bool>,
    pub outbound_vnet_routing: Option<OutboundVnetRouting>,
    pub dns_configuration: Option<DnsConfiguration>,
    pub https_only: Option<bool>,
    pub hosting_environment_profile: Option<IdRef>,
    pub outbound_ip_addresses: Option<String>,
    pub possible_outbound_ip_addresses: Option<String>,
    pub site_config: Option<SiteConfig>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboundVnetRouting {
    pub all_traffic: Option<bool>,
    pub application_traffic: Option<bool>,
    pub image_pull_traffic: Option<bool>,
    pub content_share_traffic: Option<bool>,
    pub backup_restore_traffic: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DnsConfiguration {
    #[serde(default, deserialize_with = "nullable")]
    pub dns_servers: Vec<String>,
    pub dns_alt_server: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedServiceIdentity {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub principal_id: Option<String>,
    pub tenant_id: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub user_assigned_identities: BTreeMap<String, UserAssignedIdentityRef>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAssignedIdentityRef {
    pub client_id: Option<String>,
    pub principal_id: Option<String>,
}

/// `Microsoft.Web/sites/config` named `web` (or `properties.siteConfig` of the site).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SiteConfig {
    pub linux_fx_version: Option<String>,
    pub windows_fx_version: Option<String>,
    pub acr_use_managed_identity_creds: Option<bool>,
    #[serde(rename = "acrUserManagedIdentityID")]
    pub acr_user_managed_identity_id: Option<String>,
    pub vnet_route_all_enabled: Option<bool>,
    pub vnet_name: Option<String>,
    pub number_of_workers: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SiteConfigResource {
    pub id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub properties: SiteConfig,
}

/// The `config/appsettings/list` response: a flat string map.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AppSettingsResource {
    pub id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub properties: BTreeMap<String, Option<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SiteContainerResource {
    pub id: String,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub properties: SiteContainerProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SiteContainerProperties {
    pub image: Option<String>,
    pub is_main: Option<bool>,
    pub auth_type: Option<String>,
    pub user_managed_identity_client_id: Option<String>,
    pub user_name: Option<String>,
    /// Only whether it is set is kept: the value is a secret.
    #[serde(default, deserialize_with = "secret_presence")]
    pub password_secret: bool,
}

fn secret_presence<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    let value = Option::<String>::deserialize(deserializer)?;
    Ok(value.is_some_and(|s| !s.is_empty()))
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub id: String,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub location: Option<String>,
    pub sku: Option<Sku>,
    #[serde(default, deserialize_with = "nullable")]
    pub properties: PlanProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanProperties {
    pub reserved: Option<bool>,
    pub maximum_number_of_workers: Option<i64>,
    pub maximum_elastic_worker_count: Option<i64>,
    pub elastic_scale_enabled: Option<bool>,
    pub hosting_environment_profile: Option<IdRef>,
}

// ---------------------------------------------------------------- Microsoft.Network

#[derive(Debug, Clone, Default, Deserialize)]
pub struct VirtualNetwork {
    pub id: String,
    pub name: Option<String>,
    pub location: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub properties: VirtualNetworkProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualNetworkProperties {
    pub address_space: Option<AddressSpace>,
    pub dhcp_options: Option<DhcpOptions>,
    #[serde(default, deserialize_with = "nullable")]
    pub subnets: Vec<Subnet>,
    #[serde(default, deserialize_with = "nullable")]
    pub virtual_network_peerings: Vec<Peering>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddressSpace {
    #[serde(default, deserialize_with = "nullable")]
    pub address_prefixes: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DhcpOptions {
    #[serde(default, deserialize_with = "nullable")]
    pub dns_servers: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Subnet {
    pub id: String,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub properties: SubnetProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubnetProperties {
    pub address_prefix: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub address_prefixes: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub delegations: Vec<Delegation>,
    pub network_security_group: Option<IdRef>,
    pub route_table: Option<IdRef>,
    pub private_endpoint_network_policies: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Delegation {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub properties: DelegationProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DelegationProperties {
    pub service_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Peering {
    pub id: String,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub properties: PeeringProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PeeringProperties {
    pub remote_virtual_network: Option<IdRef>,
    pub peering_state: Option<String>,
    pub peering_sync_level: Option<String>,
    pub allow_virtual_network_access: Option<bool>,
    pub remote_address_space: Option<AddressSpace>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkSecurityGroup {
    pub id: String,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub properties: NsgProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NsgProperties {
    #[serde(default, deserialize_with = "nullable")]
    pub security_rules: Vec<SecurityRule>,
    #[serde(default, deserialize_with = "nullable")]
    pub default_security_rules: Vec<SecurityRule>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SecurityRule {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub properties: SecurityRuleProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityRuleProperties {
    pub priority: Option<i64>,
    pub direction: Option<String>,
    pub access: Option<String>,
    pub protocol: Option<String>,
    pub source_address_prefix: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub source_address_prefixes: Vec<String>,
    pub destination_address_prefix: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub destination_address_prefixes: Vec<String>,
    pub destination_port_range: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub destination_port_ranges: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub source_application_security_groups: Vec<IdRef>,
    #[serde(default, deserialize_with = "nullable")]
    pub destination_application_security_groups: Vec<IdRef>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RouteTable {
    pub id: String,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub properties: RouteTableProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteTableProperties {
    #[serde(default, deserialize_with = "nullable")]
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Route {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub properties: RouteProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteProperties {
    pub address_prefix: Option<String>,
    pub next_hop_type: Option<String>,
    pub next_hop_ip_address: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PrivateEndpoint {
    pub id: String,
    pub name: Option<String>,
    pub location: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub properties: PrivateEndpointProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrivateEndpointProperties {
    pub subnet: Option<IdRef>,
    #[serde(default, deserialize_with = "nullable")]
    pub network_interfaces: Vec<IdRef>,
    #[serde(default, deserialize_with = "nullable")]
    pub private_link_service_connections: Vec<PrivateLinkServiceConnection>,
    #[serde(default, deserialize_with = "nullable")]
    pub manual_private_link_service_connections: Vec<PrivateLinkServiceConnection>,
    #[serde(default, deserialize_with = "nullable")]
    pub custom_dns_configs: Vec<CustomDnsConfig>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PrivateLinkServiceConnection {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub properties: PrivateLinkServiceConnectionProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrivateLinkServiceConnectionProperties {
    pub private_link_service_id: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub group_ids: Vec<String>,
    pub private_link_service_connection_state: Option<ConnectionState>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionState {
    pub status: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomDnsConfig {
    pub fqdn: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub ip_addresses: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PrivateDnsZoneGroup {
    pub id: String,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub properties: PrivateDnsZoneGroupProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrivateDnsZoneGroupProperties {
    #[serde(default, deserialize_with = "nullable")]
    pub private_dns_zone_configs: Vec<PrivateDnsZoneConfig>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PrivateDnsZoneConfig {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub properties: PrivateDnsZoneConfigProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrivateDnsZoneConfigProperties {
    pub private_dns_zone_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NetworkInterface {
    pub id: String,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub properties: NetworkInterfaceProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkInterfaceProperties {
    #[serde(default, deserialize_with = "nullable")]
    pub ip_configurations: Vec<NicIpConfiguration>,
    pub private_endpoint: Option<IdRef>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NicIpConfiguration {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub properties: NicIpConfigurationProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NicIpConfigurationProperties {
    #[serde(rename = "privateIPAddress")]
    pub private_ip_address: Option<String>,
    pub private_link_connection_properties: Option<PrivateLinkConnectionProperties>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrivateLinkConnectionProperties {
    pub group_id: Option<String>,
    pub required_member_name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub fqdns: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PrivateDnsZone {
    pub id: String,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub properties: PrivateDnsZoneProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrivateDnsZoneProperties {
    pub number_of_record_sets: Option<i64>,
    pub number_of_virtual_network_links: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ARecordSet {
    pub id: String,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub properties: ARecordSetProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ARecordSetProperties {
    pub fqdn: Option<String>,
    pub ttl: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    pub a_records: Vec<ARecord>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ARecord {
    pub ipv4_address: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct VirtualNetworkLink {
    pub id: String,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub properties: VirtualNetworkLinkProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualNetworkLinkProperties {
    pub virtual_network: Option<IdRef>,
    pub registration_enabled: Option<bool>,
    pub resolution_policy: Option<String>,
    pub virtual_network_link_state: Option<String>,
    pub provisioning_state: Option<String>,
}

// ---------------------------------------------------------------- Microsoft.ContainerRegistry

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Registry {
    pub id: String,
    pub name: Option<String>,
    pub location: Option<String>,
    pub sku: Option<Sku>,
    #[serde(default, deserialize_with = "nullable")]
    pub properties: RegistryProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistryProperties {
    pub login_server: Option<String>,
    pub admin_user_enabled: Option<bool>,
    pub public_network_access: Option<String>,
    pub network_rule_set: Option<NetworkRuleSet>,
    pub network_rule_bypass_options: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub private_endpoint_connections: Vec<RegistryPrivateEndpointConnection>,
    pub data_endpoint_enabled: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    pub data_endpoint_host_names: Vec<String>,
    pub anonymous_pull_enabled: Option<bool>,
    pub role_assignment_mode: Option<String>,
    pub policies: Option<RegistryPolicies>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkRuleSet {
    pub default_action: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub ip_rules: Vec<IpRule>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct IpRule {
    pub action: Option<String>,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistryPolicies {
    #[serde(rename = "azureADAuthenticationAsArmPolicy")]
    pub azure_ad_authentication_as_arm_policy: Option<PolicyStatus>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PolicyStatus {
    pub status: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RegistryPrivateEndpointConnection {
    #[serde(default)]
    pub id: Option<String>,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub properties: RegistryPrivateEndpointConnectionProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistryPrivateEndpointConnectionProperties {
    pub private_endpoint: Option<IdRef>,
    pub private_link_service_connection_state: Option<ConnectionState>,
    #[serde(default, deserialize_with = "nullable")]
    pub group_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Replication {
    pub id: String,
    pub name: Option<String>,
    pub location: Option<String>,
}

// ---------------------------------------------------------------- identity and RBAC

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Identity {
    pub id: String,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub properties: IdentityProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityProperties {
    pub client_id: Option<String>,
    pub principal_id: Option<String>,
    pub tenant_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RoleAssignment {
    pub id: String,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub properties: RoleAssignmentProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignmentProperties {
    pub role_definition_id: Option<String>,
    pub principal_id: Option<String>,
    pub principal_type: Option<String>,
    pub scope: Option<String>,
    pub condition: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RoleDefinition {
    pub id: String,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub properties: RoleDefinitionProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleDefinitionProperties {
    pub role_name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub permissions: Vec<Permission>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Permission {
    #[serde(default, deserialize_with = "nullable")]
    pub actions: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub not_actions: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub data_actions: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub not_data_actions: Vec<String>,
}
