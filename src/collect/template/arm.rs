//! An ARM template (or `bicep build` output) turned into the documents it will create, as ARM
//! would return them after the deployment: ids computed in the deployment's scope, expressions
//! evaluated, runtime values deferred. Parameters come from their defaults and parameter
//! files; `copy` loops, `condition`, child resources, `existing` resources, `languageVersion
//! 2.0` symbolic names and inline nested deployments are understood. A site's
//! `siteConfig` and `siteConfig.appSettings` become its `config/web` and `config/appsettings`
//! documents; identities the deployment creates get deferred `principalId`/`clientId` unless
//! the resource already exists (a redeployed identity keeps them).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::eval::{Context, DEFERRED, DeploymentScope, Val, World, kind, runtime_value};
use crate::error::InputError;

/// A document the deployment creates, and where in the template it comes from.
#[derive(Debug, Clone)]
pub struct PlannedDocument {
    pub document: Value,
    pub pointer: String,
}

/// What the template says that the documents do not carry: how secrets and ids are written.
#[derive(Debug, Clone, Default)]
pub struct TemplateFindings {
    /// A registry password written as a literal: (site id, JSON path). Never the value.
    pub literal_passwords: Vec<(String, String)>,
    /// `acrUserManagedIdentityID` written from a principalId or a resource id: (site id,
    /// JSON path, what it was built from).
    pub identity_id_mistakes: Vec<(String, String, String)>,
    /// Role assignments for a principal this deployment creates, without `principalType`:
    /// (assignment id, JSON path).
    pub untyped_new_principals: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default)]
pub struct Planned {
    pub documents: Vec<PlannedDocument>,
    pub findings: TemplateFindings,
    pub file: PathBuf,
}

fn error(file: &Path, pointer: &str, message: impl Into<String>) -> InputError {
    InputError::in_file(file, message).at(pointer)
}

fn read(file: &Path) -> Result<Value, InputError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| InputError::in_file(file, format!("cannot read ({e})")))?;
    serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
        InputError::in_file(
            file,
            format!("line {} column {}: invalid JSON", e.line(), e.column()),
        )
    })
}

/// Parameter values from parameter files: `{"parameters": {"x": {"value": …}}}` (the
/// deployment-parameters schema) or a bare `{"x": {"value": …}}` / `{"x": …}` map.
fn parameter_values(files: &[PathBuf]) -> Result<BTreeMap<String, (Value, PathBuf)>, InputError> {
    let mut out = BTreeMap::new();
    for file in files {
        let value = read(file)?;
        let map = value
            .get("parameters")
            .and_then(Value::as_object)
            .or_else(|| value.as_object())
            .cloned()
            .unwrap_or_default();
        for (name, entry) in map {
            if name.starts_with('$') || name == "contentVersion" {
                continue;
            }
            let v = match entry {
                Value::Object(ref o) if o.contains_key("value") => o["value"].clone(),
                Value::Object(ref o) if o.contains_key("reference") => {
                    let secret = o["reference"]
                        .get("secretName")
                        .and_then(Value::as_str)
                        .unwrap_or("a secret");
                    Value::String(format!("{DEFERRED}Key Vault secret {secret}"))
                }
                other => other,
            };
            out.insert(name.to_ascii_lowercase(), (v, file.clone()));
        }
    }
    Ok(out)
}

fn type_matches(declared: &str, value: &Value) -> bool {
    if matches!(value, Value::String(s) if s.starts_with(DEFERRED)) {
        return true;
    }
    match declared.to_ascii_lowercase().as_str() {
        "string" | "securestring" => value.is_string(),
        "int" => value.is_i64() || value.is_u64(),
        "bool" => value.is_boolean(),
        "array" => value.is_array(),
        "object" | "secureobject" => value.is_object(),
        _ => true,
    }
}

/// Evaluates the template's parameters: file values over defaults, types checked.
fn parameters(
    file: &Path,
    template: &Value,
    given: &BTreeMap<String, (Value, PathBuf)>,
    scope: &DeploymentScope,
    world: &World,
) -> Result<BTreeMap<String, Val>, InputError> {
    let mut values = BTreeMap::new();
    let declared = template
        .get("parameters")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (name, definition) in &declared {
        let pointer = format!("parameters.{name}");
        let declared_type = definition
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("string")
            .to_string();
        let value = match given.get(&name.to_ascii_lowercase()) {
            Some((v, from)) => {
                if !type_matches(&declared_type, v) {
                    return Err(error(
                        from,
                        &format!("parameters.{name}.value"),
                        format!(
                            "parameter `{name}` is declared {declared_type}, but the value is {}",
                            kind(v)
                        ),
                    ));
                }
                Val::Known(v.clone())
            }
            None => match definition.get("defaultValue") {
                Some(default) => {
                    let context = Context::new(scope.clone(), values.clone(), Map::new(), world);
                    context
                        .value(default)
                        .map_err(|e| error(file, &format!("{pointer}.defaultValue"), e))?
                }
                None => {
                    return Err(error(
                        file,
                        &pointer,
                        format!(
                            "parameter `{name}` has no default value and no value in the parameters file (--parameters)"
                        ),
                    ));
                }
            },
        };
        if let Val::Known(v) = &value
            && !type_matches(&declared_type, v)
        {
            return Err(error(
                file,
                &pointer,
                format!(
                    "parameter `{name}` is declared {declared_type}, but its value is {}",
                    kind(v)
                ),
            ));
        }
        values.insert(name.clone(), value);
    }
    for name in given.keys() {
        if !declared.keys().any(|k| k.eq_ignore_ascii_case(name)) {
            let (_, from) = &given[name];
            return Err(error(
                from,
                &format!("parameters.{name}"),
                format!("the template declares no parameter `{name}`"),
            ));
        }
    }
    Ok(values)
}

/// The resources of a template as (JSON path, definition), for both array and
/// `languageVersion 2.0` symbolic-name forms.
fn check_resources(file: &Path, template: &Value, base: &str) -> Result<(), InputError> {
    match template.get("resources") {
        None | Some(Value::Array(_)) | Some(Value::Object(_)) => Ok(()),
        Some(other) => Err(error(
            file,
            &format!("{base}resources"),
            format!(
                "`resources` is {}: an array, or an object of symbolic names (languageVersion 2.0)",
                kind(other)
            ),
        )),
    }
}

fn resources(template: &Value, base: &str) -> Vec<(String, Option<String>, Value)> {
    match template.get("resources") {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("{base}resources[{i}]"), None, r.clone()))
            .collect(),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, r)| (format!("{base}resources.{k}"), Some(k.clone()), r.clone()))
            .collect(),
        _ => Vec::new(),
    }
}

struct Evaluator<'a> {
    file: &'a Path,
    world: &'a World,
    planned: Planned,
}

fn string_at(
    context: &Context,
    value: &Value,
    file: &Path,
    pointer: &str,
) -> Result<String, InputError> {
    match context.value(value).map_err(|e| error(file, pointer, e))? {
        Val::Known(Value::String(s)) => Ok(s),
        Val::Known(other) => Err(error(
            file,
            pointer,
            format!("expected a string, found {}", kind(&other)),
        )),
        Val::Deferred(d) => Ok(format!("{DEFERRED}{d}")),
    }
}

/// The id of a resource of `resource_type` named `name` (full name, `parent/child`), in the
/// deployment's resource group or under an extension `scope`.
fn resource_id(
    scope: &DeploymentScope,
    resource_type: &str,
    name: &str,
    extension_scope: Option<&str>,
) -> String {
    let mut segments = resource_type.split('/');
    let namespace = segments.next().unwrap_or_default();
    let mut path = format!("/providers/{namespace}");
    for (t, n) in segments.zip(name.split('/')) {
        path.push_str(&format!("/{t}/{n}"));
    }
    match extension_scope {
        Some(s) if s.starts_with('/') => format!("{}{path}", s.trim_end_matches('/')),
        // Bicep writes `scope: registry` as a relative id in the resource group.
        Some(s) => format!(
            "/subscriptions/{}/resourceGroups/{}/providers/{}{path}",
            scope.subscription_id,
            scope.resource_group,
            s.trim_start_matches('/')
        ),
        None => format!(
            "/subscriptions/{}/resourceGroups/{}{path}",
            scope.subscription_id, scope.resource_group
        ),
    }
}

impl<'a> Evaluator<'a> {
    /// Registers every resource's name and symbolic name → id, so `reference('name')` and
    /// `dependsOn` resolve.
    fn declare(&self, context: &Context, list: &[(String, Option<String>, Value)]) {
        for (_, symbolic, r) in list {
            if r.get("copy").is_some() {
                continue;
            }
            let (Some(t), Some(n)) = (r.get("type").and_then(Value::as_str), r.get("name")) else {
                continue;
            };
            let Ok(Val::Known(Value::String(name))) = context.value(n) else {
                continue;
            };
            let scope = r
                .get("scope")
                .and_then(|s| context.value(s).ok())
                .and_then(|v| match v {
                    Val::Known(Value::String(s)) => Some(s),
                    _ => None,
                });
            let id = resource_id(&context.scope, t, &name, scope.as_deref());
            let mut declared = self.world.declared.borrow_mut();
            declared.insert(name.to_ascii_lowercase(), id.clone());
            if let Some(s) = symbolic {
                declared.insert(s.to_ascii_lowercase(), id);
            }
        }
    }

    fn template(
        &mut self,
        context: &Context,
        template: &Value,
        base: &str,
    ) -> Result<(), InputError> {
        check_resources(self.file, template, base)?;
        let list = resources(template, base);
        self.declare(context, &list);
        for (pointer, _, r) in list {
            self.resource(context, &r, &pointer, None)?;
        }
        Ok(())
    }

    fn resource(
        &mut self,
        context: &Context,
        r: &Value,
        pointer: &str,
        parent: Option<(&str, &str)>,
    ) -> Result<(), InputError> {
        let file = self.file;
        if let Some(copy) = r.get("copy") {
            let loop_name = copy
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_ascii_lowercase();
            let count = context
                .copy_count(copy.get("count").unwrap_or(&Value::Null), "the count")
                .map_err(|e| error(file, &format!("{pointer}.copy.count"), e))?;
            let mut single = r.clone();
            if let Some(o) = single.as_object_mut() {
                o.remove("copy");
            }
            for i in 0..count {
                context
                    .copy
                    .borrow_mut()
                    .insert(loop_name.clone(), i as i64);
                context.copy.borrow_mut().insert(String::new(), i as i64);
                self.resource(context, &single, &format!("{pointer}[copy {i}]"), parent)?;
            }
            context.copy.borrow_mut().remove(&loop_name);
            context.copy.borrow_mut().remove("");
            return Ok(());
        }
        if let Some(condition) = r.get("condition") {
            match context
                .value(condition)
                .map_err(|e| error(file, &format!("{pointer}.condition"), e))?
            {
                Val::Known(Value::Bool(false)) => return Ok(()),
                Val::Known(Value::Bool(true)) => {}
                Val::Deferred(d) => {
                    return Err(error(
                        file,
                        &format!("{pointer}.condition"),
                        format!(
                            "the condition depends on a value known only after deployment ({d})"
                        ),
                    ));
                }
                Val::Known(other) => {
                    return Err(error(
                        file,
                        &format!("{pointer}.condition"),
                        format!("the condition is {}, not a boolean", kind(&other)),
                    ));
                }
            }
        }
        let short_type = r
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| error(file, pointer, "a resource without `type`"))?;
        let name = string_at(
            context,
            r.get("name")
                .ok_or_else(|| error(file, pointer, "a resource without `name`"))?,
            file,
            &format!("{pointer}.name"),
        )?;
        let (resource_type, full_name) = match parent {
            Some((parent_type, parent_name)) if !short_type.contains('/') => (
                format!("{parent_type}/{short_type}"),
                format!("{parent_name}/{name}"),
            ),
            _ => (short_type.to_string(), name.clone()),
        };
        if r.get("existing").and_then(Value::as_bool) == Some(true) {
            return Ok(());
        }
        if resource_type.eq_ignore_ascii_case("Microsoft.Resources/deployments") {
            return self.nested(context, r, pointer);
        }
        let extension_scope = match r.get("scope") {
            Some(s) => Some(string_at(context, s, file, &format!("{pointer}.scope"))?),
            None => None,
        };
        let id = resource_id(
            &context.scope,
            &resource_type,
            &full_name,
            extension_scope.as_deref(),
        );
        let mut document = Map::new();
        document.insert("id".into(), Value::String(id.clone()));
        document.insert(
            "name".into(),
            Value::String(
                full_name
                    .rsplit('/')
                    .next()
                    .unwrap_or(&full_name)
                    .to_string(),
            ),
        );
        document.insert("type".into(), Value::String(resource_type.clone()));
        for key in [
            "location",
            "kind",
            "sku",
            "identity",
            "tags",
            "properties",
            "zones",
        ] {
            if let Some(v) = r.get(key) {
                let value = context
                    .json(&evaluate_keys(
                        context,
                        v,
                        file,
                        &format!("{pointer}.{key}"),
                    )?)
                    .map_err(|e| located(file, &format!("{pointer}.{key}"), e))?;
                document.insert(key.into(), value);
            }
        }
        let mut document = Value::Object(document);
        self.complete(&mut document, &resource_type, &id, r, pointer);
        self.planned.documents.push(PlannedDocument {
            document,
            pointer: pointer.to_string(),
        });
        if let Some(Value::Array(children)) = r.get("resources") {
            for (i, child) in children.iter().enumerate() {
                self.resource(
                    context,
                    child,
                    &format!("{pointer}.resources[{i}]"),
                    Some((&resource_type, &full_name)),
                )?;
            }
        }
        Ok(())
    }

    /// An inline nested deployment: `inner` scope evaluates its template with its own
    /// parameters; `outer` (the default) in the parent's context.
    fn nested(&mut self, context: &Context, r: &Value, pointer: &str) -> Result<(), InputError> {
        let file = self.file;
        let properties = r.get("properties").cloned().unwrap_or_default();
        if properties.get("templateLink").is_some() {
            return Err(error(
                file,
                &format!("{pointer}.properties.templateLink"),
                "a linked template: pullpath evaluates inline nested templates only; pass the linked template with --template",
            ));
        }
        let Some(template) = properties.get("template").filter(|t| t.is_object()) else {
            return Err(error(
                file,
                &format!("{pointer}.properties"),
                "a nested deployment without an inline template",
            ));
        };
        let mut scope = context.scope.clone();
        if let Some(group) = properties
            .get("resourceGroup")
            .or_else(|| r.get("resourceGroup"))
        {
            scope.resource_group =
                string_at(context, group, file, &format!("{pointer}.resourceGroup"))?;
        }
        if let Some(sub) = r.get("subscriptionId") {
            scope.subscription_id =
                string_at(context, sub, file, &format!("{pointer}.subscriptionId"))?;
        }
        let inner = properties
            .get("expressionEvaluationOptions")
            .and_then(|o| o.get("scope"))
            .and_then(Value::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("inner"));
        let base = format!("{pointer}.properties.template.");
        if inner {
            let mut given = BTreeMap::new();
            if let Some(Value::Object(map)) = properties.get("parameters") {
                for (k, v) in map {
                    let value = context.json(v.get("value").unwrap_or(v)).map_err(|e| {
                        error(file, &format!("{pointer}.properties.parameters.{k}"), e)
                    })?;
                    given.insert(k.to_ascii_lowercase(), (value, file.to_path_buf()));
                }
            }
            let values = parameters(file, template, &given, &scope, self.world)
                .map_err(|e| e.at(format!("{base}parameters")))?;
            let variables = template
                .get("variables")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let inner_context = Context::new(scope, values, variables, self.world);
            self.template(&inner_context, template, &base)
        } else {
            let outer = Context::new(
                scope,
                context.parameters.clone(),
                context.variable_defs.clone(),
                self.world,
            );
            self.template(&outer, template, &base)
        }
    }

    /// Fills in what ARM computes, and splits a site's `siteConfig` into its config documents.
    fn complete(
        &mut self,
        document: &mut Value,
        resource_type: &str,
        id: &str,
        raw: &Value,
        pointer: &str,
    ) {
        let existing = self.world.existing.get(&id.to_ascii_lowercase()).cloned();
        let lower = resource_type.to_ascii_lowercase();
        // Sub-resources written inline get the ids ARM gives them.
        for (list, child) in [
            ("subnets", "subnets"),
            ("virtualNetworkPeerings", "virtualNetworkPeerings"),
            ("securityRules", "securityRules"),
            ("routes", "routes"),
            (
                "privateLinkServiceConnections",
                "privateLinkServiceConnections",
            ),
            (
                "manualPrivateLinkServiceConnections",
                "manualPrivateLinkServiceConnections",
            ),
            ("privateDnsZoneConfigs", "privateDnsZoneConfigs"),
        ] {
            if let Some(Value::Array(items)) = document.pointer_mut(&format!("/properties/{list}"))
            {
                for item in items.iter_mut() {
                    if let Some(map) = item.as_object_mut()
                        && !map.contains_key("id")
                        && let Some(name) =
                            map.get("name").and_then(Value::as_str).map(str::to_string)
                    {
                        map.insert("id".into(), Value::String(format!("{id}/{child}/{name}")));
                    }
                }
            }
        }
        match lower.as_str() {
            "microsoft.managedidentity/userassignedidentities" => {
                let props = ensure_object(document, "properties");
                for key in ["principalId", "clientId", "tenantId"] {
                    let value =
                        runtime_value(&self.world.existing, id, &format!("properties.{key}"));
                    props.insert(key.into(), value);
                }
            }
            "microsoft.containerregistry/registries" => {
                let name = document["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                let props = ensure_object(document, "properties");
                props
                    .entry("loginServer")
                    .or_insert_with(|| Value::String(format!("{name}.azurecr.io")));
            }
            "microsoft.authorization/roleassignments" => {
                let scope = id
                    .rsplit_once("/providers/Microsoft.Authorization/roleAssignments/")
                    .map(|(s, _)| s.to_string())
                    .unwrap_or_default();
                let props = ensure_object(document, "properties");
                props.entry("scope").or_insert(Value::String(scope));
                let new_principal = props
                    .get("principalId")
                    .and_then(Value::as_str)
                    .is_some_and(|p| p.starts_with(DEFERRED));
                if new_principal && !props.contains_key("principalType") {
                    self.planned.findings.untyped_new_principals.push((
                        id.to_string(),
                        format!("{pointer}.properties.principalType"),
                    ));
                }
            }
            "microsoft.web/sites" => self.complete_site(document, id, raw, pointer),
            "microsoft.web/sites/config" => {
                // A config/web redeploy updates the listed properties of the existing config.
                if id.to_ascii_lowercase().ends_with("/config/web")
                    && let Some(Value::Object(old)) =
                        existing.as_ref().and_then(|e| e.get("properties"))
                {
                    let props = ensure_object(document, "properties");
                    for (k, v) in old {
                        props.entry(k.clone()).or_insert(v.clone());
                    }
                }
                if id.to_ascii_lowercase().ends_with("/config/appsettings") {
                    let site = id.trim_end_matches("/config/appsettings").to_string();
                    self.password_literal(
                        &site,
                        raw.pointer("/properties/DOCKER_REGISTRY_SERVER_PASSWORD"),
                        &format!("{pointer}.properties.DOCKER_REGISTRY_SERVER_PASSWORD"),
                    );
                }
                if id.to_ascii_lowercase().ends_with("/config/web") {
                    let site = id.trim_end_matches("/config/web").to_string();
                    self.identity_id(
                        &site,
                        raw.pointer("/properties/acrUserManagedIdentityID"),
                        document.pointer("/properties/acrUserManagedIdentityID"),
                        &format!("{pointer}.properties.acrUserManagedIdentityID"),
                    );
                }
            }
            _ => {}
        }
    }

    fn complete_site(&mut self, document: &mut Value, id: &str, raw: &Value, pointer: &str) {
        // The identity: ARM assigns principal ids; a redeploy keeps them.
        if let Some(identity) = document.get_mut("identity").and_then(Value::as_object_mut) {
            let kind = identity
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_ascii_lowercase();
            if kind.contains("systemassigned") && !identity.contains_key("principalId") {
                identity.insert(
                    "principalId".into(),
                    runtime_value(&self.world.existing, id, "identity.principalId"),
                );
            }
            if let Some(Value::Object(assigned)) = identity.get_mut("userAssignedIdentities") {
                for (uami, value) in assigned.iter_mut() {
                    *value = user_assigned_entry(&self.world.existing, uami);
                }
            }
        }
        let Some(site_config) = document.pointer("/properties/siteConfig").cloned() else {
            return;
        };
        let mut config = site_config.as_object().cloned().unwrap_or_default();
        let settings = config.remove("appSettings");
        // siteConfig updates the existing config/web (the keys given) …
        let web_id = format!("{id}/config/web");
        if let Some(Value::Object(old)) = self
            .world
            .existing
            .get(&web_id.to_ascii_lowercase())
            .and_then(|e| e.get("properties"))
        {
            for (k, v) in old {
                config.entry(k.clone()).or_insert(v.clone());
            }
        }
        self.identity_id(
            id,
            raw.pointer("/properties/siteConfig/acrUserManagedIdentityID"),
            config.get("acrUserManagedIdentityID"),
            &format!("{pointer}.properties.siteConfig.acrUserManagedIdentityID"),
        );
        self.planned.documents.push(PlannedDocument {
            document: json!({"id": web_id, "name": "web", "type": "Microsoft.Web/sites/config", "properties": config}),
            pointer: format!("{pointer}.properties.siteConfig"),
        });
        // … and appSettings replace every app setting.
        if let Some(Value::Array(list)) = settings {
            let mut map = Map::new();
            let raw_list = raw
                .pointer("/properties/siteConfig/appSettings")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for (i, entry) in list.iter().enumerate() {
                if let (Some(name), Some(value)) = (
                    entry.get("name").and_then(Value::as_str),
                    entry.get("value"),
                ) {
                    map.insert(name.to_string(), value.clone());
                    if name.eq_ignore_ascii_case("DOCKER_REGISTRY_SERVER_PASSWORD") {
                        self.password_literal(
                            id,
                            raw_list.get(i).and_then(|e| e.get("value")),
                            &format!("{pointer}.properties.siteConfig.appSettings[{i}].value"),
                        );
                    }
                }
            }
            self.planned.documents.push(PlannedDocument {
                document: json!({"id": format!("{id}/config/appsettings"), "name": "appsettings", "type": "Microsoft.Web/sites/config", "properties": map}),
                pointer: format!("{pointer}.properties.siteConfig.appSettings"),
            });
        }
    }

    /// A password written into the template as text (not an expression) is a finding.
    fn password_literal(&mut self, site: &str, raw: Option<&Value>, pointer: &str) {
        if let Some(Value::String(text)) = raw
            && !text.is_empty()
            && !text.starts_with('[')
        {
            self.planned
                .findings
                .literal_passwords
                .push((site.to_string(), pointer.to_string()));
        }
    }

    /// `acrUserManagedIdentityID` must be a clientId: an expression reading `principalId`, or
    /// a value that is a resource id, is the classic mistake.
    fn identity_id(
        &mut self,
        site: &str,
        raw: Option<&Value>,
        evaluated: Option<&Value>,
        pointer: &str,
    ) {
        let raw_text = raw
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_ascii_lowercase();
        let value = evaluated.and_then(Value::as_str).unwrap_or_default();
        let what = if raw_text.contains("principalid")
            || value.to_ascii_lowercase().ends_with(".principalid")
        {
            Some("a principalId (the identity's object id)")
        } else if value.starts_with("/subscriptions/") || raw_text.starts_with("[resourceid(") {
            Some("a resource id")
        } else {
            None
        };
        if let Some(what) = what {
            self.planned.findings.identity_id_mistakes.push((
                site.to_string(),
                pointer.to_string(),
                what.to_string(),
            ));
        }
    }
}

/// A site's `userAssignedIdentities` entry for `uami`: its principalId and clientId, known
/// from the identity's document or deferred.
pub fn user_assigned_entry(existing: &BTreeMap<String, Value>, uami: &str) -> Value {
    json!({
        "principalId": runtime_value(existing, uami, "properties.principalId"),
        "clientId": runtime_value(existing, uami, "properties.clientId"),
    })
}

/// An evaluation error at `pointer`: the evaluator prefixes the path inside the value
/// (`.properties: .siteConfig: [0]: …`), which goes into the JSON path.
fn located(file: &Path, pointer: &str, message: String) -> InputError {
    let mut path = pointer.to_string();
    let mut rest = message.as_str();
    loop {
        if let Some(after) = rest.strip_prefix('.')
            && let Some((segment, tail)) = after.split_once(": ")
            && !segment.contains(' ')
        {
            path.push('.');
            path.push_str(segment);
            rest = tail;
        } else if rest.starts_with('[')
            && let Some((segment, tail)) = rest.split_once(": ")
            && segment.ends_with(']')
        {
            path.push_str(segment);
            rest = tail;
        } else {
            break;
        }
    }
    error(file, &path, rest.to_string())
}

fn ensure_object<'v>(document: &'v mut Value, key: &str) -> &'v mut Map<String, Value> {
    let map = document.as_object_mut().expect("documents are objects");
    let entry = map
        .entry(key.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    entry.as_object_mut().expect("just made an object")
}

/// Object keys can be expressions too (`userAssignedIdentities` keyed by `[resourceId(…)]`).
fn evaluate_keys(
    context: &Context,
    value: &Value,
    file: &Path,
    pointer: &str,
) -> Result<Value, InputError> {
    Ok(match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let key = if k.starts_with('[') && k.ends_with(']') && !k.starts_with("[[") {
                    string_at(
                        context,
                        &Value::String(k.clone()),
                        file,
                        &format!("{pointer}.{k}"),
                    )?
                } else {
                    k.clone()
                };
                out.insert(
                    key,
                    evaluate_keys(context, v, file, &format!("{pointer}.{k}"))?,
                );
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| evaluate_keys(context, v, file, &format!("{pointer}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        other => other.clone(),
    })
}

/// Fills in what ARM computes and the deployment does not write. A private-link connection
/// keeps the approval state it has (matched by name, else by target); a new one is approved
/// at creation when automatic and pending when manual. A redeployed resource keeps its
/// read-only properties (an endpoint's `networkInterfaces`, a registry's connections,
/// outbound addresses) from the existing document.
pub fn keep_computed(planned: &mut [PlannedDocument], existing: &BTreeMap<String, Value>) {
    for doc in planned {
        let id = doc.document["id"]
            .as_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let old_props = existing
            .get(&id)
            .and_then(|old| old.get("properties"))
            .and_then(Value::as_object);
        let props = if old_props.is_some() {
            ensure_object(&mut doc.document, "properties")
        } else {
            match doc
                .document
                .get_mut("properties")
                .and_then(Value::as_object_mut)
            {
                Some(props) => props,
                None => continue,
            }
        };
        for list in [
            "privateLinkServiceConnections",
            "manualPrivateLinkServiceConnections",
        ] {
            let Some(Value::Array(new)) = props.get_mut(list) else {
                continue;
            };
            let before: &[Value] = old_props
                .and_then(|o| o.get(list))
                .and_then(Value::as_array)
                .map_or(&[], Vec::as_slice);
            for connection in new.iter_mut() {
                let name = connection.get("name").cloned();
                let target = connection
                    .pointer("/properties/privateLinkServiceId")
                    .and_then(Value::as_str)
                    .map(str::to_ascii_lowercase);
                // The same connection by name, else the one to the same resource; a new one
                // is approved at creation when automatic, pending when manual.
                let state = before
                    .iter()
                    .find(|b| b.get("name") == name.as_ref())
                    .or_else(|| {
                        before.iter().find(|b| {
                            b.pointer("/properties/privateLinkServiceId")
                                .and_then(Value::as_str)
                                .map(str::to_ascii_lowercase)
                                == target
                        })
                    })
                    .and_then(|b| b.pointer("/properties/privateLinkServiceConnectionState"))
                    .cloned()
                    .or_else(|| {
                        Some(json!({
                            "status": if list.starts_with("manual") { "Pending" } else { "Approved" },
                            "description": "set when the deployment creates the connection",
                        }))
                    });
                if let (Some(state), Some(p)) = (
                    state,
                    connection
                        .get_mut("properties")
                        .and_then(Value::as_object_mut),
                ) {
                    p.entry("privateLinkServiceConnectionState")
                        .or_insert(state);
                }
            }
        }
        for (k, v) in old_props.into_iter().flatten() {
            props.entry(k.clone()).or_insert(v.clone());
        }
    }
}

/// Evaluates a template file against a scope and the documents that already exist.
pub fn evaluate(
    file: &Path,
    parameter_files: &[PathBuf],
    scope: DeploymentScope,
    existing: BTreeMap<String, Value>,
) -> Result<Planned, InputError> {
    if file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("bicep"))
    {
        return Err(InputError::in_file(
            file,
            "a Bicep file: compile it first (`bicep build main.bicep` or `az bicep build -f main.bicep`) and pass the JSON",
        ));
    }
    let template = read(file)?;
    let schema = template
        .get("$schema")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !schema.contains("deploymentTemplate") {
        return Err(InputError::in_file(
            file,
            "not an ARM template: `$schema` does not name deploymentTemplate.json (a snapshot goes to --snapshot, a Terraform plan to --terraform-plan)",
        )
        .at("$schema"));
    }
    if let Some(functions) = template.get("functions").and_then(Value::as_array)
        && !functions.is_empty()
    {
        return Err(InputError::in_file(
            file,
            "user-defined functions are not evaluated by pullpath",
        )
        .at("functions"));
    }
    let world = World {
        existing,
        ..World::default()
    };
    let given = parameter_values(parameter_files)?;
    let values = parameters(file, &template, &given, &scope, &world)?;
    let variables = template
        .get("variables")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let context = Context::new(scope, values, variables, &world);
    let mut evaluator = Evaluator {
        file,
        world: &world,
        planned: Planned {
            file: file.to_path_buf(),
            ..Planned::default()
        },
    };
    evaluator.template(&context, &template, "")?;
    let mut planned = evaluator.planned;
    keep_computed(&mut planned.documents, &world.existing);
    Ok(planned)
}
