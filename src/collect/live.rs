//! Live gathering: walks the app's dependency graph in ARM — site → config, settings,
//! containers, plan, network, identities → registry (Resource Graph, or `--registry-id`) →
//! replications, endpoint connections, role assignments → private endpoints → NICs and zone
//! groups → zones → A records and links — with independent branches concurrent, so the wall
//! time follows the depth of the graph, not the number of documents. Each document is fetched
//! once (the client's cache); what cannot be read is recorded as a gap.

use std::collections::HashSet;
use std::sync::Mutex;

use futures::future::join_all;
use serde_json::Value;

use super::arm::{ArmClient, Request};
use crate::error::InputError;
use crate::facts::image::{self, FxVersion};
use crate::facts::inventory::{Gap, id_key};
use crate::facts::{Cloud, parent_id};

pub const WEB: &str = "2024-11-01";
pub const NETWORK: &str = "2024-05-01";
pub const PRIVATE_DNS: &str = "2024-06-01";
pub const REGISTRY: &str = "2025-11-01";
pub const IDENTITY: &str = "2023-01-31";
pub const AUTHORIZATION: &str = "2022-04-01";

/// Which app to read.
#[derive(Debug, Clone)]
pub struct LiveTarget {
    pub subscription: String,
    pub resource_group: String,
    pub name: String,
    pub slot: Option<String>,
    pub registry_id: Option<String>,
    pub cloud: Cloud,
    /// The site a template or plan will create: when the app does not exist yet, the walk
    /// starts from it to read what it will use (its subnet, plan, registry, zones).
    pub planned_site: Option<Value>,
}

impl LiveTarget {
    pub fn site_id(&self) -> String {
        let site = format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Web/sites/{}",
            self.subscription, self.resource_group, self.name
        );
        match &self.slot {
            Some(slot) => format!("{site}/slots/{slot}"),
            None => site,
        }
    }
}

/// Everything read: the documents as ARM returned them, what could not be read, and the
/// registry the walk settled on.
#[derive(Debug, Default)]
pub struct Gathered {
    pub documents: Vec<Value>,
    pub gaps: Vec<(String, Gap)>,
    pub registry_id: Option<String>,
}

struct Walk<'a> {
    client: &'a ArmClient,
    target: &'a LiveTarget,
    documents: Mutex<Vec<Value>>,
    seen: Mutex<HashSet<String>>,
    gaps: Mutex<Vec<(String, Gap)>>,
    registry_id: Mutex<Option<String>>,
}

fn str_at<'v>(value: &'v Value, pointer: &str) -> Option<&'v str> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn ids_at(value: &Value, pointer: &str) -> Vec<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|v| str_at(v, "/id").map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

impl Walk<'_> {
    fn keep(&self, doc: &Value) {
        let Some(id) = str_at(doc, "/id") else { return };
        if self.seen.lock().expect("not poisoned").insert(id_key(id)) {
            self.documents
                .lock()
                .expect("not poisoned")
                .push(doc.clone());
        }
    }

    fn gap(&self, id: &str, gap: Gap) {
        tracing::info!("could not read {id}: {gap:?}");
        self.gaps
            .lock()
            .expect("not poisoned")
            .push((id.to_string(), gap));
    }

    async fn get(&self, id: &str, api_version: &'static str) -> Option<Value> {
        match self.client.fetch(Request::get(id, api_version)).await {
            Ok(doc) => {
                self.keep(&doc);
                Some(doc)
            }
            Err(gap) => {
                self.gap(id, gap);
                None
            }
        }
    }

    /// A list of child documents; the list's own path is the gap's id when it fails.
    async fn list(&self, path: &str, api_version: &'static str) -> Vec<Value> {
        match self
            .client
            .fetch_list(Request::get(path, api_version))
            .await
        {
            Ok(items) => {
                for item in &items {
                    self.keep(item);
                }
                items
            }
            Err(gap) => {
                self.gap(path.split('?').next().unwrap_or(path), gap);
                Vec::new()
            }
        }
    }

    /// Resource ids from a Resource Graph query (`project id`).
    async fn graph_ids(&self, query: String) -> Vec<String> {
        match self
            .client
            .fetch_list(Request::ResourceGraph {
                query: query.clone(),
            })
            .await
        {
            Ok(rows) => rows
                .iter()
                .filter_map(|r| str_at(r, "/id").map(str::to_string))
                .collect(),
            Err(gap) => {
                tracing::info!("Resource Graph query failed ({gap:?}): {query}");
                Vec::new()
            }
        }
    }
}

/// Reads everything `verify` needs for one app.
pub async fn gather(client: &ArmClient, target: &LiveTarget) -> Result<Gathered, InputError> {
    let walk = Walk {
        client,
        target,
        documents: Mutex::new(Vec::new()),
        seen: Mutex::new(HashSet::new()),
        gaps: Mutex::new(Vec::new()),
        registry_id: Mutex::new(None),
    };
    let site_id = target.site_id();
    let site = match client.fetch(Request::get(&site_id, WEB)).await {
        Ok(site) => {
            walk.keep(&site);
            site
        }
        Err(Gap::NotFound) if target.planned_site.is_some() => {
            tracing::info!("{site_id} does not exist yet: walking from the planned site");
            target.planned_site.clone().unwrap_or_default()
        }
        Err(gap) => {
            let why = match gap {
                Gap::NotFound => format!(
                    "the web app {site_id} does not exist (404): check --subscription, -g and -n"
                ),
                Gap::Forbidden { permission } => {
                    format!("cannot read the web app {site_id}: forbidden (needs {permission})")
                }
                Gap::Timeout => format!(
                    "reading the web app {site_id} timed out: check the network to ARM, or raise --timeout"
                ),
                Gap::Missing | Gap::Failed(_) => {
                    format!("cannot read the web app {site_id}: {gap:?}")
                }
            };
            return Err(InputError::new(why));
        }
    };

    // A planned site's principals are known only after deployment: nothing to look up.
    let known = |p: &&str| !crate::collect::template::is_deferred(p);
    let mut principals: Vec<String> = Vec::new();
    if let Some(p) = str_at(&site, "/identity/principalId").filter(known) {
        principals.push(p.to_string());
    }
    let identities: Vec<String> = site
        .pointer("/identity/userAssignedIdentities")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    for id in &identities {
        if let Some(p) = site
            .pointer("/identity/userAssignedIdentities")
            .and_then(|m| m.as_object())
            .and_then(|m| m.get(id))
            .and_then(|v| str_at(v, "/principalId"))
            .filter(known)
        {
            principals.push(p.to_string());
        }
    }

    // `az webapp show` returns siteConfig.linuxFxVersion on the site itself: when it is there,
    // registry discovery starts now instead of after config/web, which is the authority and
    // is read at the same time. Should the two disagree, config/web's registry is walked too
    // and is the one the facts use.
    let site_host = host_of(image::parse_fx_version(str_at(
        &site,
        "/properties/siteConfig/linuxFxVersion",
    )));
    let config_branch = async {
        let speculative = async {
            match &site_host {
                Some(host) => registry_branch(&walk, host, &principals).await,
                None => None,
            }
        };
        let configured = async {
            let config = walk.get(&format!("{site_id}/config/web"), WEB).await;
            let fx = config
                .as_ref()
                .and_then(|c| str_at(c, "/properties/linuxFxVersion"))
                .or_else(|| str_at(&site, "/properties/siteConfig/linuxFxVersion"))
                .map(str::to_string);
            match image::parse_fx_version(fx.as_deref()) {
                FxVersion::SiteContainers => {
                    let containers = walk.list(&format!("{site_id}/sitecontainers"), WEB).await;
                    containers
                        .iter()
                        .find(|c| {
                            c.pointer("/properties/isMain").and_then(Value::as_bool) == Some(true)
                        })
                        .and_then(|c| str_at(c, "/properties/image"))
                        .and_then(|r| image::parse(r).ok())
                        .map(|r| r.host().to_ascii_lowercase())
                }
                other => host_of(other),
            }
        };
        let (speculated, host) = futures::join!(speculative, configured);
        let registry = match host {
            Some(host) if Some(&host) != site_host.as_ref() => {
                registry_branch(&walk, &host, &principals).await
            }
            Some(_) => speculated,
            None => None,
        };
        *walk.registry_id.lock().expect("not poisoned") = registry;
    };
    let settings_branch = async {
        match client
            .fetch(Request::ListAppSettings {
                site_id: site_id.clone(),
            })
            .await
        {
            Ok(doc) => walk.keep(&doc),
            Err(gap) => walk.gap(&format!("{site_id}/config/appsettings"), gap),
        }
    };
    let plan_branch = async {
        if let Some(plan) = str_at(&site, "/properties/serverFarmId") {
            walk.get(plan, WEB).await;
        }
    };
    let network_branch = async {
        if let Some(subnet) = str_at(&site, "/properties/virtualNetworkSubnetId") {
            network(&walk, subnet, true).await;
        }
    };
    let identity_branch = join_all(identities.iter().map(|id| walk.get(id, IDENTITY)));
    futures::join!(
        config_branch,
        settings_branch,
        plan_branch,
        network_branch,
        identity_branch
    );

    let registry_id = walk.registry_id.lock().expect("not poisoned").clone();
    Ok(Gathered {
        documents: walk.documents.into_inner().expect("not poisoned"),
        gaps: walk.gaps.into_inner().expect("not poisoned"),
        registry_id,
    })
}

/// A subnet's VNet (which embeds the subnet and its peerings), the subnet's NSG and route
/// table, and — for the integration VNet — the peered VNets, whose peerings back and address
/// spaces the checks compare.
async fn network(walk: &Walk<'_>, subnet_id: &str, follow_peerings: bool) {
    let vnet_id = parent_id(subnet_id);
    let Some(vnet) = walk.get(&vnet_id, NETWORK).await else {
        return;
    };
    let subnets = vnet
        .pointer("/properties/subnets")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let subnet = match subnets
        .iter()
        .find(|s| str_at(s, "/id").is_some_and(|id| id_key(id) == id_key(subnet_id)))
    {
        Some(s) => Some(s.clone()),
        None => walk.get(subnet_id, NETWORK).await,
    };
    let Some(subnet) = subnet else { return };
    let nsg = async {
        if let Some(id) = str_at(&subnet, "/properties/networkSecurityGroup/id") {
            walk.get(id, NETWORK).await;
        }
    };
    let routes = async {
        if let Some(id) = str_at(&subnet, "/properties/routeTable/id") {
            walk.get(id, NETWORK).await;
        }
    };
    let peers: Vec<String> = if follow_peerings {
        vnet.pointer("/properties/virtualNetworkPeerings")
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(|p| {
                        str_at(p, "/properties/remoteVirtualNetwork/id").map(str::to_string)
                    })
                    .collect()
            })
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let peers = join_all(peers.iter().map(|id| walk.get(id, NETWORK)));
    futures::join!(nsg, routes, peers);
}

/// The registry host of the main image a `linuxFxVersion` names.
fn host_of(fx: FxVersion) -> Option<String> {
    let reference = match fx {
        FxVersion::Docker(reference) => reference,
        FxVersion::Compose(Ok(images)) => images.into_iter().next()?,
        _ => return None,
    };
    image::parse(&reference)
        .ok()
        .map(|r| r.host().to_ascii_lowercase())
}

fn quote_kql(value: &str) -> String {
    value.replace('\'', "")
}

/// The registry of the main image, and everything hanging off it.
async fn registry_branch(walk: &Walk<'_>, host: &str, principals: &[String]) -> Option<String> {
    let cloud = walk.target.cloud;
    let acr_like = Cloud::from_login_server(host).is_some();
    let zone_suffix = if acr_like {
        cloud.acr_zone()
    } else {
        host.split_once('.')
            .map(|(_, rest)| format!("privatelink.{rest}"))
            .unwrap_or_default()
    };
    let zones_query = format!(
        "resources | where type =~ 'microsoft.network/privatednszones' | where name endswith '{}' | project id",
        quote_kql(&zone_suffix)
    );

    let registry = async {
        if !acr_like && walk.target.registry_id.is_none() {
            custom_registry(walk, host).await;
            return None;
        }
        let registry_id = match &walk.target.registry_id {
            Some(id) => Some(id.clone()),
            None => walk.graph_ids(format!("resources | where type =~ 'microsoft.containerregistry/registries' | where properties.loginServer =~ '{}' | project id", quote_kql(host))).await.into_iter().next(),
        };
        let registry_id = registry_id?;
        let Some(registry) = walk.get(&registry_id, REGISTRY).await else {
            return Some(registry_id);
        };
        let replications_path = format!("{registry_id}/replications");
        let replications = walk.list(&replications_path, REGISTRY);
        let connections = async {
            let embedded: Vec<String> = registry
                .pointer("/properties/privateEndpointConnections")
                .and_then(Value::as_array)
                .map(|l| {
                    l.iter()
                        .filter_map(|c| {
                            str_at(c, "/properties/privateEndpoint/id").map(str::to_string)
                        })
                        .collect()
                })
                .unwrap_or_default();
            // The registry document already names its endpoints: follow them at once, and
            // the connection list (which may name more) at the same time.
            let listed = async {
                let path = format!("{registry_id}/privateEndpointConnections");
                let more: Vec<String> = walk
                    .list(&path, REGISTRY)
                    .await
                    .iter()
                    .filter_map(|c| str_at(c, "/properties/privateEndpoint/id").map(str::to_string))
                    .filter(|pe| !embedded.iter().any(|e| id_key(e) == id_key(pe)))
                    .collect();
                join_all(more.iter().map(|pe| endpoint(walk, pe))).await;
            };
            futures::join!(
                join_all(embedded.iter().map(|pe| endpoint(walk, pe))),
                listed
            );
        };
        let roles = join_all(
            principals
                .iter()
                .map(|p| role_assignments(walk, &registry_id, p)),
        );
        futures::join!(replications, connections, roles);
        Some(registry_id)
    };
    let zones = async {
        let ids = walk.graph_ids(zones_query).await;
        join_all(ids.iter().map(|z| zone(walk, z))).await;
    };
    futures::join!(registry, zones).0
}

/// A registry that is not an ACR: its private endpoint is found by the NIC that serves its
/// host name.
async fn custom_registry(walk: &Walk<'_>, host: &str) {
    let nics = walk.graph_ids(format!("resources | where type =~ 'microsoft.network/networkinterfaces' | where properties contains '{}' | project id", quote_kql(host))).await;
    let nics = join_all(nics.iter().map(|n| walk.get(n, NETWORK))).await;
    let endpoints: Vec<String> = nics
        .iter()
        .flatten()
        .filter_map(|n| str_at(n, "/properties/privateEndpoint/id").map(str::to_string))
        .collect();
    join_all(endpoints.iter().map(|pe| endpoint(walk, pe))).await;
}

/// A private endpoint, its NICs, zone groups (and their zones), and its subnet's network.
async fn endpoint(walk: &Walk<'_>, pe_id: &str) {
    let Some(pe) = walk.get(pe_id, NETWORK).await else {
        return;
    };
    let nics = ids_at(&pe, "/properties/networkInterfaces");
    let nics = join_all(nics.iter().map(|n| walk.get(n, NETWORK)));
    let groups = async {
        let groups = walk
            .list(&format!("{pe_id}/privateDnsZoneGroups"), NETWORK)
            .await;
        let zones: Vec<String> = groups
            .iter()
            .flat_map(|g| {
                g.pointer("/properties/privateDnsZoneConfigs")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            })
            .filter_map(|c| str_at(&c, "/properties/privateDnsZoneId").map(str::to_string))
            .collect();
        join_all(zones.iter().map(|z| zone(walk, z))).await;
    };
    let subnet = async {
        if let Some(subnet) = str_at(&pe, "/properties/subnet/id") {
            network(walk, subnet, false).await;
        }
    };
    futures::join!(nics, groups, subnet);
}

/// A private DNS zone, its A records and its virtual network links.
async fn zone(walk: &Walk<'_>, zone_id: &str) {
    let records = format!("{zone_id}/A");
    let links = format!("{zone_id}/virtualNetworkLinks");
    futures::join!(
        walk.get(zone_id, PRIVATE_DNS),
        walk.list(&records, PRIVATE_DNS),
        walk.list(&links, PRIVATE_DNS)
    );
}

/// The principal's role assignments at, above or below the registry, and the custom role
/// definitions they use.
async fn role_assignments(walk: &Walk<'_>, registry_id: &str, principal: &str) {
    let path = format!(
        "{registry_id}/providers/Microsoft.Authorization/roleAssignments?$filter=principalId%20eq%20'{}'",
        quote_kql(principal)
    );
    let assignments = walk.list(&path, AUTHORIZATION).await;
    let custom: Vec<String> = assignments
        .iter()
        .filter_map(|a| str_at(a, "/properties/roleDefinitionId").map(str::to_string))
        .filter(|id| {
            let guid = id.rsplit('/').next().unwrap_or("").to_ascii_lowercase();
            !crate::checks::roles::BUILT_IN
                .iter()
                .any(|(builtin, ..)| *builtin == guid)
        })
        .collect();
    join_all(custom.iter().map(|id| walk.get(id, AUTHORIZATION))).await;
}
