//! A Terraform plan (`terraform show -json PLAN`) turned into the ARM documents it will
//! create or change: `resource_changes[].change.after` of the azurerm resources of this
//! scenario, mapped to the ARM shapes the checks read. Values `(known after apply)` are
//! resolved through the plan's `configuration` references when they name another planned
//! resource (its ARM id is computable from its name and resource group), and deferred
//! otherwise (a new identity's `principal_id`). Deleted resources are left out; the
//! configuration's `constant_value`s tell a literal password from a variable.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value, json};

use super::arm::user_assigned_entry;
use super::arm::{Planned, PlannedDocument, TemplateFindings};
use super::eval::{DEFERRED, DeploymentScope, is_deferred, runtime_value};
use crate::checks::roles::BUILT_IN;
use crate::error::InputError;

/// One resource change of the plan, with what the configuration says about its attributes.
struct Change {
    address: String,
    kind: String,
    after: Value,
    unknown: Value,
    /// The configuration's `expressions` for this resource (references, constant values).
    expressions: Value,
    pointer: String,
}

/// The configuration's expressions by resource address, modules included.
fn expressions(module: &Value, prefix: &str, out: &mut BTreeMap<String, Value>) {
    for r in module
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(address) = r.get("address").and_then(Value::as_str) {
            out.insert(
                format!("{prefix}{address}"),
                r.get("expressions").cloned().unwrap_or(Value::Null),
            );
        }
    }
    for (name, call) in module
        .get("module_calls")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if let Some(inner) = call.get("module") {
            expressions(inner, &format!("{prefix}module.{name}."), out);
        }
    }
}

/// The module part of an address (`module.app.`), which configuration references inside that
/// module leave out.
fn module_prefix(address: &str) -> String {
    let cfg = configured(address);
    let parts: Vec<&str> = cfg.split('.').collect();
    if parts.len() > 2 {
        format!("{}.", parts[..parts.len() - 2].join("."))
    } else {
        String::new()
    }
}

/// Strips a resource address of its index (`x.y[0]`, `x.y["a"]`) for the configuration.
fn configured(address: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in address.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

struct Plan<'a> {
    scope: &'a DeploymentScope,
    existing: &'a BTreeMap<String, Value>,
    /// ARM ids by Terraform address (as written in configuration references).
    ids: BTreeMap<String, String>,
}

fn arm_type(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "azurerm_linux_web_app" | "azurerm_linux_function_app" => "Microsoft.Web/sites",
        "azurerm_service_plan" => "Microsoft.Web/serverfarms",
        "azurerm_container_registry" => "Microsoft.ContainerRegistry/registries",
        "azurerm_virtual_network" => "Microsoft.Network/virtualNetworks",
        "azurerm_subnet" => "Microsoft.Network/virtualNetworks/subnets",
        "azurerm_private_endpoint" => "Microsoft.Network/privateEndpoints",
        "azurerm_private_dns_zone" => "Microsoft.Network/privateDnsZones",
        "azurerm_private_dns_zone_virtual_network_link" => {
            "Microsoft.Network/privateDnsZones/virtualNetworkLinks"
        }
        "azurerm_private_dns_a_record" => "Microsoft.Network/privateDnsZones/A",
        "azurerm_user_assigned_identity" => "Microsoft.ManagedIdentity/userAssignedIdentities",
        "azurerm_role_assignment" => "Microsoft.Authorization/roleAssignments",
        "azurerm_network_security_group" => "Microsoft.Network/networkSecurityGroups",
        "azurerm_network_security_rule" => "Microsoft.Network/networkSecurityGroups/securityRules",
        "azurerm_route_table" => "Microsoft.Network/routeTables",
        _ => return None,
    })
}

/// An NSG rule block (`security_rule` or `azurerm_network_security_rule`) in ARM's shape.
fn security_rule(rule: &Value) -> Value {
    let field = |k: &str| rule.get(k).cloned().unwrap_or(Value::Null);
    let list = |k: &str| match rule.get(k) {
        Some(Value::Array(items)) if !items.is_empty() => Value::Array(items.clone()),
        _ => json!([]),
    };
    json!({
        "name": field("name"),
        "properties": {
            "priority": field("priority"),
            "direction": field("direction"),
            "access": field("access"),
            "protocol": field("protocol"),
            "sourcePortRange": field("source_port_range"),
            "sourcePortRanges": list("source_port_ranges"),
            "destinationPortRange": field("destination_port_range"),
            "destinationPortRanges": list("destination_port_ranges"),
            "sourceAddressPrefix": field("source_address_prefix"),
            "sourceAddressPrefixes": list("source_address_prefixes"),
            "destinationAddressPrefix": field("destination_address_prefix"),
            "destinationAddressPrefixes": list("destination_address_prefixes"),
        }
    })
}

impl Plan<'_> {
    fn group_id(&self, group: &str) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{group}",
            self.scope.subscription_id
        )
    }

    /// The ARM id a resource will have, from its type, name and parents.
    fn id_of(&self, c: &Change) -> Option<String> {
        let s = |k: &str| c.after.get(k).and_then(Value::as_str).map(str::to_string);
        if let Some(id) = s("id") {
            return Some(id);
        }
        let arm = arm_type(&c.kind)?;
        let name = s("name").unwrap_or_else(|| c.address.clone());
        if c.kind == "azurerm_role_assignment" {
            let scope = self.reference(c, "scope").or_else(|| s("scope"))?;
            // The name is a generated GUID; the address keeps it stable and unique.
            let name = s("name").unwrap_or_else(|| super::eval::arm_guid(&c.address));
            return Some(format!(
                "{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"
            ));
        }
        let group = self.group_id(&s("resource_group_name")?);
        let (namespace, types) = arm.split_once('/')?;
        let types: Vec<&str> = types.split('/').collect();
        let parents: Vec<String> = match c.kind.as_str() {
            "azurerm_subnet" => vec![s("virtual_network_name")?],
            "azurerm_private_dns_zone_virtual_network_link" => vec![s("private_dns_zone_name")?],
            "azurerm_private_dns_a_record" => vec![s("zone_name")?],
            "azurerm_network_security_rule" => vec![s("network_security_group_name")?],
            _ => Vec::new(),
        };
        let mut path = format!("{group}/providers/{namespace}");
        for (t, n) in types
            .iter()
            .zip(parents.iter().chain(std::iter::once(&name)))
        {
            path.push_str(&format!("/{t}/{n}"));
        }
        Some(path)
    }

    /// An attribute's value: known, resolved through a configuration reference to another
    /// planned resource's id, or deferred.
    fn value(&self, c: &Change, path: &[&str]) -> Value {
        fn step<'v>(v: Option<&'v Value>, key: &str) -> Option<&'v Value> {
            let v = v?;
            match key.parse::<usize>() {
                Ok(i) => v.get(i),
                Err(_) => v.get(key),
            }
        }
        let mut known = Some(&c.after);
        let mut unknown = Some(&c.unknown);
        for key in path {
            known = step(known, key);
            unknown = step(unknown, key);
        }
        match (known, unknown) {
            (Some(v), _) if !v.is_null() => v.clone(),
            (_, Some(Value::Bool(true))) => {
                let joined: Vec<&str> = path
                    .iter()
                    .copied()
                    .filter(|p| p.parse::<usize>().is_err())
                    .collect();
                self.reference(c, &joined.join("."))
                    .map(Value::String)
                    .unwrap_or_else(|| {
                        Value::String(format!("{DEFERRED}{}.{}", c.address, path.join(".")))
                    })
            }
            _ => Value::Null,
        }
    }

    /// A list of resource ids: known, or (known after apply) resolved through the
    /// configuration's references to other planned resources (`identity_ids = [x.id]`).
    fn ids_at(&self, c: &Change, path: &[&str]) -> Vec<Value> {
        if let Value::Array(items) = self.value(c, path) {
            return items;
        }
        let dotted: Vec<&str> = path
            .iter()
            .copied()
            .filter(|p| p.parse::<usize>().is_err())
            .collect();
        let prefix = module_prefix(&c.address);
        self.expression(c, &dotted.join("."))
            .and_then(|e| e.get("references"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter_map(|r| r.strip_suffix(".id"))
            .filter_map(|t| self.ids.get(&format!("{prefix}{t}")))
            .map(|i| Value::String(i.clone()))
            .collect()
    }

    fn text(&self, c: &Change, path: &[&str]) -> Option<String> {
        self.value(c, path).as_str().map(str::to_string)
    }

    /// The configuration expression of an attribute (`site_config.application_stack.…`).
    fn expression<'v>(&self, c: &'v Change, dotted: &str) -> Option<&'v Value> {
        let mut at = &c.expressions;
        for key in dotted.split('.') {
            at = at.get(key)?;
            if let Value::Array(items) = at {
                at = items.first()?;
            }
        }
        Some(at)
    }

    /// Resolves `x = azurerm_foo.bar.id` (or `.principal_id`, `.client_id`) to the ARM id or
    /// the deferred canonical value of that planned resource.
    fn reference(&self, c: &Change, dotted: &str) -> Option<String> {
        let references = self.expression(c, dotted)?.get("references")?.as_array()?;
        let prefix = module_prefix(&c.address);
        for r in references.iter().filter_map(Value::as_str) {
            let (target, attribute) = r.rsplit_once('.')?;
            let Some(id) = self.ids.get(&format!("{prefix}{target}")) else {
                continue;
            };
            let field = |path: &str| match runtime_value(self.existing, id, path) {
                Value::String(s) => s,
                other => other.to_string(),
            };
            return Some(match attribute {
                "id" => id.clone(),
                "principal_id" => field("properties.principalId"),
                "client_id" => field("properties.clientId"),
                "name" => id.rsplit('/').next().unwrap_or_default().to_string(),
                _ => continue,
            });
        }
        None
    }

    fn constant(&self, c: &Change, dotted: &str) -> bool {
        self.expression(c, dotted).is_some_and(|e| {
            e.get("constant_value")
                .is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty()))
        })
    }
}

fn tier_of(sku: &str) -> &'static str {
    let upper = sku.to_ascii_uppercase();
    match upper.as_str() {
        "F1" | "FREE" => "Free",
        "D1" | "SHARED" => "Shared",
        "Y1" => "Dynamic",
        _ if upper.starts_with("EP") => "ElasticPremium",
        _ if upper.starts_with('B') => "Basic",
        _ if upper.starts_with('S') => "Standard",
        _ if upper.starts_with('I') && upper.ends_with("V2") => "IsolatedV2",
        _ if upper.starts_with('P') && upper.ends_with("V3") => "PremiumV3",
        _ if upper.starts_with('P') && upper.ends_with("V2") => "PremiumV2",
        _ if upper.starts_with("P0V3") || upper.contains("MV3") => "PremiumV3",
        _ if upper.starts_with('P') => "Premium",
        _ => "Unknown",
    }
}

fn role_id(plan: &Plan, c: &Change) -> Value {
    // The provider computes role_definition_id from the name when only the name is given.
    if let Some(id) = plan
        .text(c, &["role_definition_id"])
        .filter(|s| !s.is_empty() && !s.starts_with(DEFERRED))
    {
        return Value::String(id);
    }
    let name = plan.text(c, &["role_definition_name"]).unwrap_or_default();
    match BUILT_IN
        .iter()
        .find(|(_, n, _, _)| n.eq_ignore_ascii_case(&name))
    {
        Some((guid, _, _, _)) => Value::String(format!(
            "/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/{guid}",
            plan.scope.subscription_id
        )),
        None => Value::String(format!("{DEFERRED}the id of role {name}")),
    }
}

/// Reads a plan and maps its changes.
pub fn evaluate(
    file: &Path,
    scope: DeploymentScope,
    existing: BTreeMap<String, Value>,
) -> Result<Planned, InputError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| InputError::in_file(file, format!("cannot read ({e})")))?;
    let plan_json: Value = serde_json::from_str(&text).map_err(|e| {
        InputError::in_file(
            file,
            format!("line {} column {}: invalid JSON", e.line(), e.column()),
        )
    })?;
    if plan_json.get("format_version").is_none() || plan_json.get("resource_changes").is_none() {
        return Err(InputError::in_file(
            file,
            "not a Terraform plan in JSON: write one with `terraform show -json PLAN > plan.json`",
        ));
    }
    let mut exprs = BTreeMap::new();
    if let Some(root) = plan_json.pointer("/configuration/root_module") {
        expressions(root, "", &mut exprs);
    }
    let mut changes = Vec::new();
    for (i, rc) in plan_json["resource_changes"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let actions: Vec<&str> = rc
            .pointer("/change/actions")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if rc.get("mode").and_then(Value::as_str) == Some("data") || actions == ["delete"] {
            continue;
        }
        let address = rc
            .get("address")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        changes.push(Change {
            kind: rc
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            after: rc.pointer("/change/after").cloned().unwrap_or(Value::Null),
            unknown: rc
                .pointer("/change/after_unknown")
                .cloned()
                .unwrap_or(Value::Null),
            expressions: exprs
                .get(&configured(&address))
                .cloned()
                .unwrap_or(Value::Null),
            pointer: format!("resource_changes[{i}].change.after"),
            address,
        });
    }
    let mut plan = Plan {
        scope: &scope,
        existing: &existing,
        ids: BTreeMap::new(),
    };
    // Ids first (role assignments' scopes refer to them), twice so references settle.
    for _ in 0..2 {
        for c in &changes {
            if let Some(id) = plan.id_of(c) {
                plan.ids.insert(configured(&c.address), id.clone());
                plan.ids.insert(c.address.clone(), id);
            }
        }
    }
    let mut planned = Planned {
        file: file.to_path_buf(),
        ..Planned::default()
    };
    for c in &changes {
        let Some(id) = plan.ids.get(&c.address).cloned() else {
            continue;
        };
        let docs = map(&plan, c, &id, &mut planned.findings);
        for document in docs {
            planned.documents.push(PlannedDocument {
                document,
                pointer: c.pointer.clone(),
            });
        }
    }
    associate(&plan, &changes, &mut planned);
    super::arm::keep_computed(&mut planned.documents, &existing);
    Ok(planned)
}

/// The `properties` of the document with `id`: planned here, or the existing one taken into
/// the plan (an association or a standalone rule changes a resource the plan does not).
fn properties_of<'p>(
    plan: &Plan,
    planned: &'p mut Planned,
    id: &str,
    pointer: &str,
) -> Option<&'p mut Map<String, Value>> {
    let at = planned.documents.iter().position(|d| {
        d.document["id"]
            .as_str()
            .is_some_and(|i| i.eq_ignore_ascii_case(id))
    });
    let index = match at {
        Some(i) => i,
        None => {
            let existing = plan.existing.get(&id.to_ascii_lowercase())?;
            planned.documents.push(PlannedDocument {
                document: existing.clone(),
                pointer: pointer.to_string(),
            });
            planned.documents.len() - 1
        }
    };
    planned.documents[index]
        .document
        .as_object_mut()
        .map(|d| d.entry("properties").or_insert_with(|| json!({})))
        .and_then(Value::as_object_mut)
}

/// A standalone `azurerm_network_security_rule` joins its NSG's `securityRules` (planned
/// here or existing), replacing a rule of the same name.
fn add_rule(plan: &Plan, c: &Change, planned: &mut Planned) {
    let Some(rule_id) = plan.ids.get(&c.address) else {
        return;
    };
    let Some((nsg, _)) = rule_id.rsplit_once("/securityRules/") else {
        return;
    };
    let mut rule = security_rule(&c.after);
    rule["id"] = Value::String(rule_id.clone());
    let name = rule["name"].clone();
    let Some(props) = properties_of(plan, planned, nsg, &c.pointer) else {
        return;
    };
    let rules = props.entry("securityRules").or_insert_with(|| json!([]));
    if let Some(list) = rules.as_array_mut() {
        list.retain(|r| r["name"] != name);
        list.push(rule);
    }
}

/// `azurerm_subnet_network_security_group_association` and `…_route_table_association` set
/// a property of a subnet, `azurerm_app_service_virtual_network_swift_connection` the
/// integration subnet of an app — planned here or existing already.
fn associate(plan: &Plan, changes: &[Change], planned: &mut Planned) {
    for c in changes {
        if c.kind == "azurerm_network_security_rule" {
            add_rule(plan, c, planned);
            continue;
        }
        // (the document it changes, the property, the value).
        let (target, property, value) = match c.kind.as_str() {
            "azurerm_subnet_network_security_group_association" => (
                plan.text(c, &["subnet_id"]),
                "networkSecurityGroup",
                plan.text(c, &["network_security_group_id"])
                    .map(|v| json!({"id": v})),
            ),
            "azurerm_subnet_route_table_association" => (
                plan.text(c, &["subnet_id"]),
                "routeTable",
                plan.text(c, &["route_table_id"]).map(|v| json!({"id": v})),
            ),
            // The older way to give an app its integration subnet.
            "azurerm_app_service_virtual_network_swift_connection" => (
                plan.text(c, &["app_service_id"]),
                "virtualNetworkSubnetId",
                plan.text(c, &["subnet_id"]).map(Value::String),
            ),
            _ => continue,
        };
        let (Some(target), Some(value)) = (target, value) else {
            continue;
        };
        if let Some(props) = properties_of(plan, planned, &target, &c.pointer) {
            props.insert(property.into(), value);
        }
    }
}

fn base(id: &str, arm: &str, location: Value) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), Value::String(id.to_string()));
    m.insert(
        "name".into(),
        Value::String(id.rsplit('/').next().unwrap_or_default().to_string()),
    );
    m.insert("type".into(), Value::String(arm.to_string()));
    if !location.is_null() {
        m.insert("location".into(), location);
    }
    m
}

/// One change as ARM documents (a web app is three: the site, config/web, appsettings).
fn map(plan: &Plan, c: &Change, id: &str, findings: &mut TemplateFindings) -> Vec<Value> {
    let Some(arm) = arm_type(&c.kind) else {
        return Vec::new();
    };
    let v = |path: &[&str]| plan.value(c, path);
    let mut doc = base(id, arm, v(&["location"]));
    let mut extra: Vec<Value> = Vec::new();
    let properties = match c.kind.as_str() {
        "azurerm_linux_web_app" | "azurerm_linux_function_app" => {
            let identity_type = plan.text(c, &["identity", "0", "type"]).unwrap_or_default();
            if !identity_type.is_empty() {
                let mut identity = Map::new();
                identity.insert(
                    "type".into(),
                    Value::String(identity_type.replace(", ", ",")),
                );
                if identity_type.contains("SystemAssigned") {
                    identity.insert(
                        "principalId".into(),
                        runtime_value(plan.existing, id, "identity.principalId"),
                    );
                }
                let ids = plan.ids_at(c, &["identity", "0", "identity_ids"]);
                let mut assigned = Map::new();
                for uami in ids.iter().filter_map(Value::as_str) {
                    assigned.insert(uami.to_string(), user_assigned_entry(plan.existing, uami));
                }
                if !assigned.is_empty() {
                    identity.insert("userAssignedIdentities".into(), Value::Object(assigned));
                }
                doc.insert("identity".into(), Value::Object(identity));
            }
            doc.insert("kind".into(), json!("app,linux,container"));
            let stack = ["site_config", "0", "application_stack", "0"];
            let at = |k: &str| {
                let mut p = stack.to_vec();
                p.push(k);
                plan.value(c, &p)
            };
            let host = at("docker_registry_url").as_str().map(|u| {
                u.trim_start_matches("https://")
                    .trim_start_matches("http://")
                    .trim_end_matches('/')
                    .to_string()
            });
            let image = at("docker_image_name").as_str().map(str::to_string);
            let fx = match (host, image) {
                (Some(h), Some(i)) if !h.is_empty() && !h.contains("docker.io") => {
                    format!("DOCKER|{h}/{i}")
                }
                (_, Some(i)) => format!("DOCKER|{i}"),
                _ => String::new(),
            };
            let site_config = |k: &str| plan.value(c, &["site_config", "0", k]);
            let mut web = Map::new();
            web.insert("linuxFxVersion".into(), Value::String(fx));
            web.insert(
                "acrUseManagedIdentityCreds".into(),
                site_config("container_registry_use_managed_identity"),
            );
            let client = site_config("container_registry_managed_identity_client_id");
            if client.as_str().is_some_and(|s| !s.is_empty()) {
                web.insert("acrUserManagedIdentityID".into(), client.clone());
            }
            web.insert(
                "vnetRouteAllEnabled".into(),
                site_config("vnet_route_all_enabled"),
            );
            let refs = plan
                .expression(
                    c,
                    "site_config.container_registry_managed_identity_client_id",
                )
                .and_then(|e| e.get("references"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if refs
                .iter()
                .filter_map(Value::as_str)
                .any(|r| r.ends_with(".principal_id"))
            {
                findings.identity_id_mistakes.push((
                    id.to_string(),
                    format!(
                        "{}.site_config[0].container_registry_managed_identity_client_id",
                        c.pointer
                    ),
                    "a principalId (the identity's object id)".into(),
                ));
            } else if refs
                .iter()
                .filter_map(Value::as_str)
                .any(|r| r.ends_with(".id") && r.contains("user_assigned_identity"))
            {
                findings.identity_id_mistakes.push((
                    id.to_string(),
                    format!(
                        "{}.site_config[0].container_registry_managed_identity_client_id",
                        c.pointer
                    ),
                    "a resource id".into(),
                ));
            }
            let mut settings: Map<String, Value> = v(&["app_settings"])
                .as_object()
                .cloned()
                .unwrap_or_default();
            if let Some(url) = at("docker_registry_url").as_str().filter(|u| !u.is_empty()) {
                settings.insert(
                    "DOCKER_REGISTRY_SERVER_URL".into(),
                    Value::String(url.to_string()),
                );
            }
            if let Some(user) = at("docker_registry_username").as_str() {
                settings.insert(
                    "DOCKER_REGISTRY_SERVER_USERNAME".into(),
                    Value::String(user.to_string()),
                );
            }
            let password_set = c
                .after
                .pointer("/site_config/0/application_stack/0/docker_registry_password")
                .is_some_and(|p| !p.is_null())
                || plan
                    .expression(c, "site_config.application_stack.docker_registry_password")
                    .is_some();
            if password_set {
                // The plan marks the value sensitive; only its presence matters here.
                settings.insert(
                    "DOCKER_REGISTRY_SERVER_PASSWORD".into(),
                    Value::String(format!("{DEFERRED}sensitive")),
                );
                if plan.constant(c, "site_config.application_stack.docker_registry_password") {
                    findings.literal_passwords.push((
                        id.to_string(),
                        format!(
                            "{}.site_config[0].application_stack[0].docker_registry_password",
                            c.pointer
                        ),
                    ));
                }
            }
            let mut docs = vec![
                json!({"id": format!("{id}/config/web"), "name": "web", "type": "Microsoft.Web/sites/config", "properties": web}),
                json!({"id": format!("{id}/config/appsettings"), "name": "appsettings", "type": "Microsoft.Web/sites/config", "properties": settings}),
            ];
            let site = json!({
                "serverFarmId": v(&["service_plan_id"]),
                "virtualNetworkSubnetId": v(&["virtual_network_subnet_id"]),
                "httpsOnly": v(&["https_only"]),
                "vnetImagePullEnabled": v(&["vnet_image_pull_enabled"]),
                "reserved": true,
            });
            doc.insert("properties".into(), site);
            let mut all = vec![Value::Object(doc)];
            all.append(&mut docs);
            return all;
        }
        "azurerm_service_plan" => {
            let sku = plan.text(c, &["sku_name"]).unwrap_or_default();
            doc.insert(
                "sku".into(),
                json!({"name": sku, "tier": tier_of(&sku), "capacity": v(&["worker_count"])}),
            );
            doc.insert(
                "kind".into(),
                json!(if plan.text(c, &["os_type"]).as_deref() == Some("Linux") {
                    "linux"
                } else {
                    "app"
                }),
            );
            json!({"reserved": plan.text(c, &["os_type"]).as_deref() == Some("Linux"), "maximumElasticWorkerCount": v(&["maximum_elastic_worker_count"])})
        }
        "azurerm_container_registry" => {
            // Each geo-replication is a replica region with its own data endpoint.
            let replicas: Vec<Value> = v(&["georeplications"])
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|g| g.get("location").and_then(Value::as_str))
                .map(|l| {
                    let region = crate::facts::normalize_location(l);
                    json!({"id": format!("{id}/replications/{region}"), "name": region, "type": "Microsoft.ContainerRegistry/registries/replications", "location": region, "properties": {}})
                })
                .collect();
            extra.extend(replicas);
            doc.insert("sku".into(), json!({"name": v(&["sku"])}));
            let name = doc["name"]
                .as_str()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let default_action = plan
                .text(c, &["network_rule_set", "0", "default_action"])
                .unwrap_or_else(|| "Allow".into());
            json!({
                "loginServer": format!("{name}.azurecr.io"),
                "adminUserEnabled": v(&["admin_enabled"]),
                "publicNetworkAccess": if v(&["public_network_access_enabled"]) == json!(false) { "Disabled" } else { "Enabled" },
                "anonymousPullEnabled": v(&["anonymous_pull_enabled"]),
                "dataEndpointEnabled": v(&["data_endpoint_enabled"]),
                "networkRuleSet": {"defaultAction": default_action},
            })
        }
        "azurerm_virtual_network" => json!({
            "addressSpace": {"addressPrefixes": v(&["address_space"])},
            "dhcpOptions": {"dnsServers": v(&["dns_servers"])},
            "subnets": [],
        }),
        "azurerm_subnet" => {
            let delegations: Vec<Value> = v(&["delegation"])
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(i, d)| {
                    json!({"name": d.get("name").cloned().unwrap_or(json!(format!("delegation{i}"))), "properties": {"serviceName": d.pointer("/service_delegation/0/name").cloned().unwrap_or(Value::Null)}})
                })
                .collect();
            json!({
                "addressPrefixes": v(&["address_prefixes"]),
                "delegations": delegations,
                "privateEndpointNetworkPolicies": v(&["private_endpoint_network_policies"]),
            })
        }
        "azurerm_private_endpoint" => {
            let connection = |k: &str| plan.value(c, &["private_service_connection", "0", k]);
            let manual = connection("is_manual_connection") == json!(true);
            let link = json!({
                "name": connection("name"),
                "properties": {
                    "privateLinkServiceId": connection("private_connection_resource_id"),
                    "groupIds": connection("subresource_names"),
                },
            });
            let (auto, manual_list) = if manual {
                (json!([]), json!([link]))
            } else {
                (json!([link]), json!([]))
            };
            let mut docs = Vec::new();
            if let Some(group) = plan.text(c, &["private_dns_zone_group", "0", "name"]) {
                let zones =
                    plan.ids_at(c, &["private_dns_zone_group", "0", "private_dns_zone_ids"]);
                let configs: Vec<Value> = zones
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|z| json!({"name": z.rsplit('/').next().unwrap_or_default().replace('.', "-"), "properties": {"privateDnsZoneId": z}}))
                    .collect();
                docs.push(json!({"id": format!("{id}/privateDnsZoneGroups/{group}"), "name": group, "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups", "properties": {"privateDnsZoneConfigs": configs}}));
            }
            doc.insert(
                "properties".into(),
                json!({"subnet": {"id": v(&["subnet_id"])}, "privateLinkServiceConnections": auto, "manualPrivateLinkServiceConnections": manual_list}),
            );
            let mut all = vec![Value::Object(doc)];
            all.append(&mut docs);
            return all;
        }
        "azurerm_private_dns_zone" => json!({}),
        "azurerm_private_dns_zone_virtual_network_link" => json!({
            "virtualNetwork": {"id": v(&["virtual_network_id"])},
            "registrationEnabled": v(&["registration_enabled"]),
        }),
        "azurerm_private_dns_a_record" => json!({
            "ttl": v(&["ttl"]),
            "aRecords": v(&["records"]).as_array().into_iter().flatten().map(|ip| json!({"ipv4Address": ip})).collect::<Vec<_>>(),
        }),
        "azurerm_user_assigned_identity" => {
            // The existing identity's ids, else the plan's, else deferred.
            let field = |key: &str, attr: &str| {
                let value = runtime_value(plan.existing, id, &format!("properties.{key}"));
                match c.after.get(attr).filter(|v| !v.is_null()) {
                    Some(planned) if value.as_str().is_some_and(is_deferred) => planned.clone(),
                    _ => value,
                }
            };
            json!({"principalId": field("principalId", "principal_id"), "clientId": field("clientId", "client_id"), "tenantId": field("tenantId", "tenant_id")})
        }
        "azurerm_network_security_group" => json!({
            "securityRules": v(&["security_rule"]).as_array().into_iter().flatten().map(|r| {
                let mut rule = security_rule(r);
                let name = rule["name"].as_str().unwrap_or_default().to_string();
                rule["id"] = Value::String(format!("{id}/securityRules/{name}"));
                rule
            }).collect::<Vec<_>>(),
        }),
        // Joined to its NSG by `add_rule`.
        "azurerm_network_security_rule" => return Vec::new(),
        "azurerm_route_table" => json!({
            "routes": v(&["route"]).as_array().into_iter().flatten().map(|r| json!({
                "name": r.get("name").cloned().unwrap_or(Value::Null),
                "id": format!("{id}/routes/{}", r.get("name").and_then(Value::as_str).unwrap_or_default()),
                "properties": {
                    "addressPrefix": r.get("address_prefix").cloned().unwrap_or(Value::Null),
                    "nextHopType": r.get("next_hop_type").cloned().unwrap_or(Value::Null),
                    "nextHopIpAddress": r.get("next_hop_in_ip_address").cloned().unwrap_or(Value::Null),
                },
            })).collect::<Vec<_>>(),
        }),
        "azurerm_role_assignment" => {
            let new_principal = v(&["principal_id"])
                .as_str()
                .is_some_and(|p| p.starts_with(DEFERRED));
            if new_principal && v(&["principal_type"]).is_null() {
                findings
                    .untyped_new_principals
                    .push((id.to_string(), format!("{}.principal_type", c.pointer)));
            }
            json!({
            "scope": id.rsplit_once("/providers/Microsoft.Authorization/roleAssignments/").map(|(s, _)| s.to_string()).unwrap_or_default(),
            "roleDefinitionId": role_id(plan, c),
            "principalId": v(&["principal_id"]),
            "condition": v(&["condition"]),
            })
        }
        _ => return Vec::new(),
    };
    doc.insert("properties".into(), properties);
    let mut all = vec![Value::Object(doc)];
    all.append(&mut extra);
    all
}
