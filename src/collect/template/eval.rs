//! Evaluates template expressions the way ARM does before a deployment: parameters and
//! variables (lazily, with cycle detection), the resource-id functions, `resourceGroup()`,
//! `subscription()`, string, array, object and logical functions, and `copyIndex()`.
//!
//! A value known only after deployment — `reference()` of a resource the template creates,
//! `list*()` secrets, `utcNow()`, `newGuid()` — is **deferred**, never guessed: it travels as
//! [`Val::Deferred`] with a canonical description (`<resource id>#properties.principalId`), so
//! two references to the same runtime value compare equal, and it reaches the documents as a
//! string starting with [`DEFERRED`]. `reference()` of a resource that already exists resolves
//! from its current document. A function this evaluator does not implement is an error that
//! names it; it is never replaced by a wrong value.

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::expr::{self, Expr, Parsed};
pub(crate) use crate::collect::snapshot::describe as kind;

/// The prefix of a deferred value inside a planned document.
pub const DEFERRED: &str = "(known after deployment) ";

/// A runtime value of resource `id` at `path` (`identity.principalId`,
/// `properties.clientId`): from the resource's existing document when it has it, else
/// deferred under its canonical name, so every reference to it compares equal.
pub fn runtime_value(existing: &BTreeMap<String, Value>, id: &str, path: &str) -> Value {
    let key = id.to_ascii_lowercase();
    existing
        .get(&key)
        .and_then(|d| d.pointer(&format!("/{}", path.replace('.', "/"))))
        .filter(|v| !v.is_null())
        .cloned()
        .unwrap_or_else(|| Value::String(format!("{DEFERRED}{key}#{path}")))
}

/// Is this document string a deferred value?
pub fn is_deferred(text: &str) -> bool {
    text.starts_with(DEFERRED)
}

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Known(Value),
    /// A value ARM computes during the deployment, by its canonical description.
    Deferred(String),
}

impl Val {
    fn string(s: impl Into<String>) -> Val {
        Val::Known(Value::String(s.into()))
    }
    pub fn into_json(self) -> Value {
        match self {
            Val::Known(v) => v,
            Val::Deferred(d) => Value::String(format!("{DEFERRED}{d}")),
        }
    }
}

/// The deployment's scope, as `az deployment group create` has it.
#[derive(Debug, Clone)]
pub struct DeploymentScope {
    pub subscription_id: String,
    pub resource_group: String,
    pub location: String,
    pub tenant_id: String,
    pub deployment_name: String,
}

/// What `reference()` can see: the documents that already exist, by lowercase id, and the
/// resources this deployment declares, by symbolic name and by name.
#[derive(Default)]
pub struct World {
    pub existing: BTreeMap<String, Value>,
    pub declared: RefCell<BTreeMap<String, String>>,
}

/// One template's evaluation context (a nested deployment with `inner` scope gets its own).
pub struct Context<'w> {
    pub scope: DeploymentScope,
    pub parameters: BTreeMap<String, Val>,
    pub variable_defs: Map<String, Value>,
    variables: RefCell<BTreeMap<String, Val>>,
    evaluating: RefCell<Vec<String>>,
    pub copy: RefCell<BTreeMap<String, i64>>,
    pub world: &'w World,
}

impl<'w> Context<'w> {
    pub fn new(
        scope: DeploymentScope,
        parameters: BTreeMap<String, Val>,
        variable_defs: Map<String, Value>,
        world: &'w World,
    ) -> Context<'w> {
        Context {
            scope,
            parameters,
            variable_defs,
            variables: RefCell::new(BTreeMap::new()),
            evaluating: RefCell::new(Vec::new()),
            copy: RefCell::new(BTreeMap::new()),
            world,
        }
    }

    /// Evaluates every expression inside a JSON value (objects and arrays recursively).
    pub fn value(&self, value: &Value) -> Result<Val, String> {
        match value {
            Value::String(s) => match expr::classify(s)? {
                Parsed::Literal(l) => Ok(Val::string(l)),
                Parsed::Expression(e) => self.eval(&e),
            },
            Value::Array(items) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    out.push(
                        self.value(item)
                            .map_err(|e| format!("[{i}]: {e}"))?
                            .into_json(),
                    );
                }
                Ok(Val::Known(Value::Array(out)))
            }
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    if k == "copy"
                        && let Some(loops) = copy_loops(v)
                    {
                        // Property iteration: each loop becomes an array property.
                        for (name, count, input) in loops {
                            let items = self
                                .copy_array(name, count, input)
                                .map_err(|e| format!(".copy: {e}"))?;
                            out.insert(name.to_string(), items.into_json());
                        }
                        continue;
                    }
                    out.insert(
                        k.clone(),
                        self.value(v).map_err(|e| format!(".{k}: {e}"))?.into_json(),
                    );
                }
                Ok(Val::Known(Value::Object(out)))
            }
            other => Ok(Val::Known(other.clone())),
        }
    }

    /// A copy loop's count, bounded as ARM bounds it; `what` names it in errors.
    pub fn copy_count(&self, count: &Value, what: &str) -> Result<u64, String> {
        match self.value(count)? {
            Val::Known(Value::Number(n)) => match n.as_u64() {
                Some(c) if c <= 800 => Ok(c),
                _ => Err(format!("{what} is {n}: ARM allows 0 to 800 copies")),
            },
            Val::Known(other) => Err(format!("{what} is {}, not an integer", kind(&other))),
            Val::Deferred(d) => Err(format!(
                "{what} depends on a value known only after deployment ({d})"
            )),
        }
    }

    /// `count` evaluations of `input` with `copyIndex('name')` set.
    fn copy_array(&self, name: &str, count: &Value, input: &Value) -> Result<Val, String> {
        let n = self.copy_count(count, &format!("the count of `{name}`"))?;
        let key = name.to_ascii_lowercase();
        let mut items = Vec::new();
        for i in 0..n {
            self.copy.borrow_mut().insert(key.clone(), i as i64);
            let item = self.value(input);
            self.copy.borrow_mut().remove(&key);
            items.push(item.map_err(|e| format!("`{name}`[{i}]: {e}"))?.into_json());
        }
        Ok(Val::Known(Value::Array(items)))
    }

    /// The value as JSON, deferred parts marked.
    pub fn json(&self, value: &Value) -> Result<Value, String> {
        self.value(value).map(Val::into_json)
    }

    fn variable(&self, name: &str) -> Result<Val, String> {
        let key = name.to_ascii_lowercase();
        if let Some(v) = self.variables.borrow().get(&key) {
            return Ok(v.clone());
        }
        if self.evaluating.borrow().contains(&key) {
            let mut chain = self.evaluating.borrow().clone();
            chain.push(key);
            return Err(format!("circular variables: {}", chain.join(" → ")));
        }
        let definition = self
            .variable_defs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name) && k.as_str() != "copy")
            .map(|(_, d)| d.clone());
        // A variable built by a `copy` loop in the variables section.
        let looped = self
            .variable_defs
            .get("copy")
            .and_then(copy_loops)
            .and_then(|loops| {
                loops
                    .into_iter()
                    .find(|(n, _, _)| n.eq_ignore_ascii_case(name))
                    .map(|(n, c, i)| (n.to_string(), c.clone(), i.clone()))
            });
        let evaluate = |ctx: &Self| match (&definition, &looped) {
            (Some(d), _) => ctx.value(d),
            (None, Some((n, c, i))) => ctx.copy_array(n, c, i),
            (None, None) => Err(format!("variables('{name}'): no such variable")),
        };
        if definition.is_none() && looped.is_none() {
            return evaluate(self);
        }
        self.evaluating.borrow_mut().push(key.clone());
        let result = evaluate(self);
        self.evaluating.borrow_mut().pop();
        let value = result.map_err(|e| format!("in variable `{name}`: {e}"))?;
        self.variables.borrow_mut().insert(key, value.clone());
        Ok(value)
    }

    pub fn eval(&self, e: &Expr) -> Result<Val, String> {
        match e {
            Expr::String(s) => Ok(Val::string(s.clone())),
            Expr::Integer(i) => Ok(Val::Known(json!(i))),
            Expr::Property(base, name) => match self.eval(base)? {
                Val::Deferred(d) => Ok(Val::Deferred(if d.ends_with('#') {
                    format!("{d}{name}")
                } else {
                    format!("{d}.{name}")
                })),
                Val::Known(Value::Object(map)) => map
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| from_document(v))
                    .ok_or_else(|| format!("`{base}` has no property `{name}`")),
                Val::Known(other) => Err(format!(
                    "`{base}` is {}, not an object: it has no property `{name}`",
                    kind(&other)
                )),
            },
            Expr::Index(base, index) => {
                let (base_value, index_value) = (self.eval(base)?, self.eval(index)?);
                match (base_value, index_value) {
                    (Val::Deferred(d), _) => Ok(Val::Deferred(format!("{d}[{index}]"))),
                    (_, Val::Deferred(d)) => Ok(Val::Deferred(format!("{base}[{d}]"))),
                    (Val::Known(Value::Array(items)), Val::Known(Value::Number(n))) => {
                        let i = n
                            .as_u64()
                            .ok_or("an index must be a non-negative integer")?;
                        items.get(i as usize).map(from_document).ok_or_else(|| {
                            format!(
                                "index {i} is out of range of `{base}` ({} items)",
                                items.len()
                            )
                        })
                    }
                    (Val::Known(Value::Object(map)), Val::Known(Value::String(k))) => map
                        .iter()
                        .find(|(key, _)| key.eq_ignore_ascii_case(&k))
                        .map(|(_, v)| from_document(v))
                        .ok_or_else(|| format!("`{base}` has no property `{k}`")),
                    (b, i) => Err(format!(
                        "cannot index {} with {}",
                        kind(&b.into_json()),
                        kind(&i.into_json())
                    )),
                }
            }
            Expr::Call { name, args } => self.call(name, args),
        }
    }

    fn call(&self, name: &str, args: &[Expr]) -> Result<Val, String> {
        let lower = name.to_ascii_lowercase();
        // Functions that look at their arguments unevaluated, or lazily.
        match lower.as_str() {
            "if" => {
                arity(name, args, 3, 3)?;
                return match self.eval(&args[0])? {
                    Val::Known(Value::Bool(true)) => self.eval(&args[1]),
                    Val::Known(Value::Bool(false)) => self.eval(&args[2]),
                    Val::Deferred(d) => Ok(Val::Deferred(format!("if({d}, …)"))),
                    Val::Known(other) => Err(format!(
                        "if(): the condition is {}, not a boolean",
                        kind(&other)
                    )),
                };
            }
            "parameters" => {
                arity(name, args, 1, 1)?;
                let key = self.string_arg(name, &args[0])?;
                return self
                    .parameters
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(&key))
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| format!("parameters('{key}'): no such parameter"));
            }
            "variables" => {
                arity(name, args, 1, 1)?;
                let key = self.string_arg(name, &args[0])?;
                return self.variable(&key);
            }
            _ => {}
        }
        if let Some(min) = minimum_arguments(&lower)
            && args.len() < min
        {
            return Err(format!(
                "{name}() needs at least {min} argument(s), got {}",
                args.len()
            ));
        }
        let values: Vec<Val> = args
            .iter()
            .map(|a| self.eval(a))
            .collect::<Result<_, _>>()?;
        let deferred: Vec<&String> = values
            .iter()
            .filter_map(|v| match v {
                Val::Deferred(d) => Some(d),
                Val::Known(_) => None,
            })
            .collect();
        // A missing argument reads as null, so a short call is an error message, not a panic.
        let known = |i: usize| match values.get(i) {
            Some(Val::Known(v)) => v.clone(),
            _ => Value::Null,
        };
        // Functions that carry a deferred argument through as text.
        if !deferred.is_empty() {
            return Ok(match lower.as_str() {
                "concat" | "format" => Val::Deferred(
                    values
                        .iter()
                        .map(|v| match v {
                            Val::Known(Value::String(s)) => s.clone(),
                            Val::Known(other) => other.to_string(),
                            Val::Deferred(d) => format!("<{d}>"),
                        })
                        .collect::<Vec<_>>()
                        .join(if lower == "format" { " " } else { "" }),
                ),
                "tolower" | "toupper" | "string" | "trim" => values[0].clone(),
                _ => Val::Deferred(format!(
                    "{name}({})",
                    deferred
                        .iter()
                        .map(|d| d.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            });
        }
        let s = |i: usize| -> Result<String, String> {
            match known(i) {
                Value::String(s) => Ok(s),
                other => Err(format!(
                    "{name}(): argument {} is {}, not a string",
                    i + 1,
                    kind(&other)
                )),
            }
        };
        let scope = &self.scope;
        let resource_group_id = format!(
            "/subscriptions/{}/resourceGroups/{}",
            scope.subscription_id, scope.resource_group
        );
        Ok(Val::Known(match lower.as_str() {
            "concat" => {
                if values
                    .iter()
                    .all(|v| matches!(v, Val::Known(Value::Array(_))))
                {
                    Value::Array(
                        (0..values.len())
                            .flat_map(|i| known(i).as_array().cloned().unwrap_or_default())
                            .collect(),
                    )
                } else {
                    Value::String(
                        (0..values.len())
                            .map(|i| match known(i) {
                                Value::String(s) => s,
                                Value::Null => String::new(),
                                other => other.to_string(),
                            })
                            .collect(),
                    )
                }
            }
            "format" => {
                arity(name, args, 1, usize::MAX)?;
                let template = s(0)?;
                let mut out = String::new();
                let mut rest = template.as_str();
                while let Some(open) = rest.find('{') {
                    out.push_str(&rest[..open]);
                    if rest[open..].starts_with("{{") {
                        out.push('{');
                        rest = &rest[open + 2..];
                        continue;
                    }
                    let close = rest[open..].find('}').ok_or("format(): an unclosed `{`")? + open;
                    let spec = &rest[open + 1..close];
                    let index: usize = spec
                        .split(':')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .parse()
                        .map_err(|_| format!("format(): `{{{spec}}}` is not a placeholder"))?;
                    if index + 1 >= values.len() {
                        return Err(format!("format(): no argument for `{{{index}}}`"));
                    }
                    out.push_str(&match known(index + 1) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    });
                    rest = &rest[close + 1..];
                }
                out.push_str(&rest.replace("}}", "}"));
                Value::String(out)
            }
            "resourceid" => {
                let strings: Vec<String> = (0..values.len()).map(s).collect::<Result<_, _>>()?;
                let type_at = strings
                    .iter()
                    .position(|a| a.contains('/') && !a.starts_with('/'))
                    .ok_or("resourceId(): no resource type (namespace/type) among the arguments")?;
                let (subscription, group) = match type_at {
                    0 => (scope.subscription_id.clone(), scope.resource_group.clone()),
                    1 => (scope.subscription_id.clone(), strings[0].clone()),
                    2 => (strings[0].clone(), strings[1].clone()),
                    _ => {
                        return Err(
                            "resourceId(): too many arguments before the resource type".into()
                        );
                    }
                };
                Value::String(format!(
                    "/subscriptions/{subscription}/resourceGroups/{group}{}",
                    provider_path(&strings[type_at], &strings[type_at + 1..])?
                ))
            }
            "subscriptionresourceid" => {
                let strings: Vec<String> = (0..values.len()).map(s).collect::<Result<_, _>>()?;
                let type_at = strings
                    .iter()
                    .position(|a| a.contains('/'))
                    .ok_or("subscriptionResourceId(): no resource type among the arguments")?;
                let subscription = if type_at == 1 {
                    strings[0].clone()
                } else {
                    scope.subscription_id.clone()
                };
                Value::String(format!(
                    "/subscriptions/{subscription}{}",
                    provider_path(&strings[type_at], &strings[type_at + 1..])?
                ))
            }
            "tenantresourceid" => {
                let strings: Vec<String> = (0..values.len()).map(s).collect::<Result<_, _>>()?;
                arity(name, args, 2, usize::MAX)?;
                Value::String(provider_path(&strings[0], &strings[1..])?)
            }
            "extensionresourceid" => {
                arity(name, args, 3, usize::MAX)?;
                let strings: Vec<String> = (0..values.len()).map(s).collect::<Result<_, _>>()?;
                Value::String(format!(
                    "{}{}",
                    strings[0].trim_end_matches('/'),
                    provider_path(&strings[1], &strings[2..])?
                ))
            }
            "resourcegroup" => json!({
                "id": resource_group_id,
                "name": scope.resource_group,
                "type": "Microsoft.Resources/resourceGroups",
                "location": scope.location,
                "properties": {"provisioningState": "Succeeded"},
            }),
            "subscription" => json!({
                "id": format!("/subscriptions/{}", scope.subscription_id),
                "subscriptionId": scope.subscription_id,
                "tenantId": scope.tenant_id,
                "displayName": scope.subscription_id,
            }),
            "tenant" => json!({"tenantId": scope.tenant_id}),
            "deployment" => json!({"name": scope.deployment_name, "properties": {}}),
            "environment" => json!({
                "name": "AzureCloud",
                "resourceManager": "https://management.azure.com/",
                "suffixes": {"acrLoginServer": ".azurecr.io", "storage": "core.windows.net"},
            }),
            "reference" => return self.reference(&values, args),
            "tolower" => Value::String(s(0)?.to_lowercase()),
            "toupper" => Value::String(s(0)?.to_uppercase()),
            "trim" => Value::String(s(0)?.trim().to_string()),
            "string" => match known(0) {
                Value::String(s) => Value::String(s),
                other => Value::String(other.to_string()),
            },
            "int" => match known(0) {
                Value::Number(n) => Value::Number(n),
                Value::String(t) => json!(
                    t.trim()
                        .parse::<i64>()
                        .map_err(|_| format!("int(): `{t}` is not an integer"))?
                ),
                other => return Err(format!("int(): {} is not a number", kind(&other))),
            },
            "bool" => match known(0) {
                Value::Bool(b) => Value::Bool(b),
                Value::String(t) if t.eq_ignore_ascii_case("true") => Value::Bool(true),
                Value::String(t) if t.eq_ignore_ascii_case("false") => Value::Bool(false),
                Value::Number(n) => Value::Bool(n.as_i64() != Some(0)),
                other => return Err(format!("bool(): {} is not a boolean", kind(&other))),
            },
            "json" => serde_json::from_str(&s(0)?).map_err(|e| format!("json(): {e}"))?,
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            "equals" => {
                arity(name, args, 2, 2)?;
                Value::Bool(equal(&known(0), &known(1)))
            }
            "not" => Value::Bool(!truthy(name, &known(0))?),
            "and" => Value::Bool(
                (0..values.len())
                    .map(|i| truthy(name, &known(i)))
                    .collect::<Result<Vec<_>, _>>()?
                    .into_iter()
                    .all(|b| b),
            ),
            "or" => Value::Bool(
                (0..values.len())
                    .map(|i| truthy(name, &known(i)))
                    .collect::<Result<Vec<_>, _>>()?
                    .into_iter()
                    .any(|b| b),
            ),
            "empty" => Value::Bool(match known(0) {
                Value::Null => true,
                Value::String(s) => s.is_empty(),
                Value::Array(a) => a.is_empty(),
                Value::Object(o) => o.is_empty(),
                _ => false,
            }),
            "contains" => {
                arity(name, args, 2, 2)?;
                Value::Bool(match (known(0), known(1)) {
                    (Value::String(h), Value::String(n)) => h.contains(&n),
                    (Value::String(h), other) => h.contains(&other.to_string()),
                    (Value::Array(items), needle) => items.iter().any(|i| equal(i, &needle)),
                    (Value::Object(map), Value::String(k)) => {
                        map.keys().any(|key| key.eq_ignore_ascii_case(&k))
                    }
                    (other, _) => {
                        return Err(format!("contains(): cannot look inside {}", kind(&other)));
                    }
                })
            }
            "startswith" => Value::Bool(s(0)?.to_lowercase().starts_with(&s(1)?.to_lowercase())),
            "endswith" => Value::Bool(s(0)?.to_lowercase().ends_with(&s(1)?.to_lowercase())),
            "indexof" => json!(
                s(0)?
                    .to_lowercase()
                    .find(&s(1)?.to_lowercase())
                    .map_or(-1, |i| i as i64)
            ),
            "replace" => Value::String(s(0)?.replace(&s(1)?, &s(2)?)),
            "substring" => {
                let text = s(0)?;
                let start = known(1)
                    .as_u64()
                    .ok_or("substring(): the start is not an integer")?
                    as usize;
                let length = if values.len() > 2 {
                    known(2)
                        .as_u64()
                        .ok_or("substring(): the length is not an integer")?
                        as usize
                } else {
                    text.len().saturating_sub(start)
                };
                text.get(start..start + length)
                    .map(|t| Value::String(t.to_string()))
                    .ok_or("substring(): out of range")?
            }
            "split" => {
                let text = s(0)?;
                let delimiters: Vec<String> = match known(1) {
                    Value::String(d) => vec![d],
                    Value::Array(items) => items
                        .iter()
                        .filter_map(|i| i.as_str().map(str::to_string))
                        .collect(),
                    other => return Err(format!("split(): the delimiter is {}", kind(&other))),
                };
                let mut parts = vec![text];
                for d in &delimiters {
                    parts = parts
                        .iter()
                        .flat_map(|p| p.split(d.as_str()).map(str::to_string).collect::<Vec<_>>())
                        .collect();
                }
                Value::Array(parts.into_iter().map(Value::String).collect())
            }
            "first" | "last" => match known(0) {
                Value::Array(items) => {
                    let item = if lower == "first" {
                        items.first()
                    } else {
                        items.last()
                    };
                    item.cloned().unwrap_or(Value::Null)
                }
                Value::String(t) => {
                    let c = if lower == "first" {
                        t.chars().next()
                    } else {
                        t.chars().last()
                    };
                    Value::String(c.map(String::from).unwrap_or_default())
                }
                other => return Err(format!("{name}(): {} has no items", kind(&other))),
            },
            "length" => json!(match known(0) {
                Value::Array(a) => a.len(),
                Value::String(t) => t.chars().count(),
                Value::Object(o) => o.len(),
                other => return Err(format!("length(): {} has no length", kind(&other))),
            }),
            "take" | "skip" => {
                let n = known(1)
                    .as_u64()
                    .ok_or(format!("{name}(): the count is not an integer"))?
                    as usize;
                match known(0) {
                    Value::Array(a) => Value::Array(if lower == "take" {
                        a.into_iter().take(n).collect()
                    } else {
                        a.into_iter().skip(n).collect()
                    }),
                    Value::String(t) => Value::String(if lower == "take" {
                        t.chars().take(n).collect()
                    } else {
                        t.chars().skip(n).collect()
                    }),
                    other => return Err(format!("{name}(): {} has no items", kind(&other))),
                }
            }
            "union" => {
                if values
                    .iter()
                    .all(|v| matches!(v, Val::Known(Value::Object(_))))
                {
                    let mut out = Map::new();
                    for i in 0..values.len() {
                        if let Value::Object(map) = known(i) {
                            merge_objects(&mut out, map);
                        }
                    }
                    Value::Object(out)
                } else if values
                    .iter()
                    .all(|v| matches!(v, Val::Known(Value::Array(_))))
                {
                    let mut out: Vec<Value> = Vec::new();
                    for i in 0..values.len() {
                        for item in known(i).as_array().cloned().unwrap_or_default() {
                            if !out.iter().any(|o| equal(o, &item)) {
                                out.push(item);
                            }
                        }
                    }
                    Value::Array(out)
                } else {
                    return Err("union(): the arguments must be all objects or all arrays".into());
                }
            }
            "coalesce" => (0..values.len())
                .map(known)
                .find(|v| !v.is_null())
                .unwrap_or(Value::Null),
            "createarray" => Value::Array((0..values.len()).map(known).collect()),
            "createobject" => {
                if !values.len().is_multiple_of(2) {
                    return Err("createObject(): needs key, value pairs".into());
                }
                let mut out = Map::new();
                for pair in (0..values.len()).step_by(2) {
                    out.insert(s(pair)?, known(pair + 1));
                }
                Value::Object(out)
            }
            "copyindex" => {
                let (loop_name, offset) = match values.len() {
                    0 => (None, 0),
                    1 => match known(0) {
                        Value::Number(n) => (None, n.as_i64().unwrap_or(0)),
                        Value::String(l) => (Some(l), 0),
                        other => {
                            return Err(format!(
                                "copyIndex(): {} is not a loop name or offset",
                                kind(&other)
                            ));
                        }
                    },
                    _ => (Some(s(0)?), known(1).as_i64().unwrap_or(0)),
                };
                let copy = self.copy.borrow();
                let index = match &loop_name {
                    Some(l) => copy.get(&l.to_ascii_lowercase()).copied(),
                    None => copy.get("").copied(),
                }
                .ok_or_else(|| {
                    format!(
                        "copyIndex({}): not inside that copy loop",
                        loop_name.unwrap_or_default()
                    )
                })?;
                json!(index + offset)
            }
            "guid" => {
                arity(name, args, 1, usize::MAX)?;
                let joined = (0..values.len())
                    .map(s)
                    .collect::<Result<Vec<_>, _>>()?
                    .join("-");
                Value::String(arm_guid(&joined))
            }
            "uniquestring" => {
                arity(name, args, 1, usize::MAX)?;
                let joined = (0..values.len())
                    .map(s)
                    .collect::<Result<Vec<_>, _>>()?
                    .join("-");
                Value::String(unique_string(&joined))
            }
            "utcnow" | "newguid" => return Ok(Val::Deferred(format!("{name}()"))),
            _ if lower.starts_with("list") => return Ok(Val::Deferred(format!("{name}(…)"))),
            _ => {
                return Err(format!(
                    "unsupported template function `{name}`: pullpath does not evaluate it (deploy, then verify the snapshot)"
                ));
            }
        }))
    }

    fn string_arg(&self, name: &str, arg: &Expr) -> Result<String, String> {
        match self.eval(arg)? {
            Val::Known(Value::String(s)) => Ok(s),
            other => Err(format!(
                "{name}(): the argument is {}, not a string",
                kind(&other.into_json())
            )),
        }
    }

    /// `reference(idOrName, [apiVersion], ['Full'])`: the existing document when the resource
    /// exists; deferred when this deployment creates it.
    fn reference(&self, values: &[Val], args: &[Expr]) -> Result<Val, String> {
        arity("reference", args, 1, 3)?;
        let Val::Known(Value::String(target)) = &values[0] else {
            return Err("reference(): the first argument is not a string".into());
        };
        let full = values.len() == 3
            && matches!(&values[2], Val::Known(Value::String(f)) if f.eq_ignore_ascii_case("full"));
        let id = if target.starts_with('/') {
            target.clone()
        } else {
            self.world
                .declared
                .borrow()
                .get(&target.to_ascii_lowercase())
                .cloned()
                .ok_or_else(|| {
                    format!("reference('{target}'): no resource of that name in the template")
                })?
        };
        if let Some(document) = self.world.existing.get(&id.to_ascii_lowercase()) {
            let value = if full {
                document.clone()
            } else {
                document
                    .get("properties")
                    .cloned()
                    .unwrap_or(Value::Object(Map::new()))
            };
            return Ok(Val::Known(value));
        }
        let canonical = id.to_ascii_lowercase();
        Ok(Val::Deferred(if full {
            format!("{canonical}#")
        } else {
            format!("{canonical}#properties")
        }))
    }
}

/// The fewest arguments a function takes (ARM refuses fewer).
fn minimum_arguments(function: &str) -> Option<usize> {
    Some(match function {
        "concat" | "tolower" | "toupper" | "trim" | "string" | "int" | "bool" | "json" | "not"
        | "empty" | "first" | "last" | "length" | "union" | "coalesce" | "guid"
        | "uniquestring" | "format" | "and" | "or" => 1,
        "equals"
        | "contains"
        | "startswith"
        | "endswith"
        | "indexof"
        | "split"
        | "take"
        | "skip"
        | "substring"
        | "resourceid"
        | "subscriptionresourceid"
        | "tenantresourceid" => 2,
        "replace" | "extensionresourceid" => 3,
        _ => return None,
    })
}

/// `"copy": [{"name", "count", "input"}, …]`, when that is what the value is.
fn copy_loops(value: &Value) -> Option<Vec<(&str, &Value, &Value)>> {
    let items = value.as_array()?;
    items
        .iter()
        .map(|l| Some((l.get("name")?.as_str()?, l.get("count")?, l.get("input")?)))
        .collect()
}

/// A document value back into an evaluation value (its deferred strings stay deferred).
fn from_document(value: &Value) -> Val {
    match value {
        Value::String(s) if is_deferred(s) => Val::Deferred(s[DEFERRED.len()..].to_string()),
        other => Val::Known(other.clone()),
    }
}

/// ARM's `uniqueString()`: a 64-bit Murmur variant (ARM's constants, seed 0) over the UTF-8
/// of the dash-joined arguments, written as 13 characters of lowercase RFC 4648 base32.
pub fn unique_string(input: &str) -> String {
    const C1: u32 = 597_399_067;
    const C2: u32 = 2_869_860_233;
    let data = input.as_bytes();
    let word = |at: usize, n: usize| {
        (0..n).fold(0u32, |acc, i| acc | (u32::from(data[at + i]) << (8 * i)))
    };
    let (mut h1, mut h2) = (0u32, 0u32);
    let mut at = 0;
    while at + 8 <= data.len() {
        let k1 = word(at, 4)
            .wrapping_mul(C1)
            .rotate_left(15)
            .wrapping_mul(C2);
        h1 = (h1 ^ k1)
            .rotate_left(19)
            .wrapping_add(h2)
            .wrapping_mul(5)
            .wrapping_add(1_444_728_091);
        let k2 = word(at + 4, 4)
            .wrapping_mul(C2)
            .rotate_left(17)
            .wrapping_mul(C1);
        h2 = (h2 ^ k2)
            .rotate_left(13)
            .wrapping_add(h1)
            .wrapping_mul(5)
            .wrapping_add(197_830_471);
        at += 8;
    }
    let tail = data.len() - at;
    if tail > 0 {
        let k1 = word(at, tail.min(4))
            .wrapping_mul(C1)
            .rotate_left(15)
            .wrapping_mul(C2);
        h1 ^= k1;
        if tail > 4 {
            let k2 = word(at + 4, tail - 4)
                .wrapping_mul(C2)
                .rotate_left(17)
                .wrapping_mul(C1);
            h2 ^= k2;
        }
    }
    let length = data.len() as u32;
    h1 ^= length;
    h2 ^= length;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    let mix = |mut h: u32| {
        h ^= h >> 16;
        h = h.wrapping_mul(2_246_822_507);
        h ^= h >> 13;
        h = h.wrapping_mul(3_266_489_909);
        h ^ (h >> 16)
    };
    h1 = mix(h1);
    h2 = mix(h2);
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    let mut hash = (u64::from(h2) << 32) | u64::from(h1);
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::with_capacity(13);
    for _ in 0..13 {
        out.push(ALPHABET[(hash >> 59) as usize] as char);
        hash <<= 5;
    }
    out
}

/// ARM's `guid()`: the RFC 4122 name-based (version 5, SHA-1) UUID of the dash-joined
/// arguments in ARM's namespace.
pub fn arm_guid(name: &str) -> String {
    use sha1::Digest;
    const NAMESPACE: [u8; 16] = [
        0x11, 0xfb, 0x06, 0xfb, 0x71, 0x2d, 0x4d, 0xdd, 0x98, 0xc7, 0xe7, 0x1b, 0xbd, 0x58, 0x88,
        0x30,
    ];
    let mut hasher = sha1::Sha1::new();
    hasher.update(NAMESPACE);
    hasher.update(name.as_bytes());
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x50;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn merge_objects(into: &mut Map<String, Value>, from: Map<String, Value>) {
    for (k, v) in from {
        match (into.get_mut(&k), v) {
            (Some(Value::Object(existing)), Value::Object(incoming)) => {
                merge_objects(existing, incoming)
            }
            (_, v) => {
                into.insert(k, v);
            }
        }
    }
}

/// `/providers/Namespace/type1/name1/type2/name2` from a type and its names.
fn provider_path(resource_type: &str, names: &[String]) -> Result<String, String> {
    let mut segments = resource_type.split('/');
    let namespace = segments.next().unwrap_or_default();
    let types: Vec<&str> = segments.collect();
    // A name may carry its parents (`app/web`), as ARM allows.
    let names: Vec<&str> = names.iter().flat_map(|n| n.split('/')).collect();
    if types.is_empty() || types.len() != names.len() {
        return Err(format!(
            "`{resource_type}` needs {} name segment(s), got {}",
            types.len(),
            names.len()
        ));
    }
    let mut out = format!("/providers/{namespace}");
    for (t, n) in types.iter().zip(names) {
        out.push_str(&format!("/{t}/{n}"));
    }
    Ok(out)
}

fn arity(name: &str, args: &[Expr], min: usize, max: usize) -> Result<(), String> {
    if args.len() < min || args.len() > max {
        Err(if min == max {
            format!("{name}() takes {min} argument(s), not {}", args.len())
        } else {
            format!("{name}() got {} argument(s)", args.len())
        })
    } else {
        Ok(())
    }
}

fn truthy(name: &str, value: &Value) -> Result<bool, String> {
    value
        .as_bool()
        .ok_or_else(|| format!("{name}(): {} is not a boolean", kind(value)))
}

/// ARM's equality: strings case-sensitively, numbers by value, arrays and objects deeply.
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(world: &World) -> Context<'_> {
        let mut parameters = BTreeMap::new();
        parameters.insert("name".to_string(), Val::string("Web"));
        parameters.insert("count".to_string(), Val::Known(json!(2)));
        let variables = json!({
            "acr": "[concat(toLower(parameters('name')), 'acr')]",
            "ids": "[createArray(variables('acr'), 'b')]",
            "loopA": "[variables('loopB')]",
            "loopB": "[variables('loopA')]",
        });
        Context::new(
            DeploymentScope {
                subscription_id: "sub".into(),
                resource_group: "rg".into(),
                location: "westeurope".into(),
                tenant_id: "tenant".into(),
                deployment_name: "d".into(),
            },
            parameters,
            variables.as_object().unwrap().clone(),
            world,
        )
    }

    fn eval(world: &World, text: &str) -> Result<Val, String> {
        context(world).value(&Value::String(format!("[{text}]")))
    }

    fn known(world: &World, text: &str) -> Value {
        match eval(world, text).unwrap() {
            Val::Known(v) => v,
            Val::Deferred(d) => panic!("{text} is deferred: {d}"),
        }
    }

    #[test]
    fn functions_evaluate_as_arm_does() {
        let w = World::default();
        assert_eq!(known(&w, "variables('acr')"), json!("webacr"));
        assert_eq!(known(&w, "variables('ids')[0]"), json!("webacr"));
        assert_eq!(
            known(&w, "resourceId('Microsoft.Web/sites/config', 'app', 'web')"),
            json!(
                "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Web/sites/app/config/web"
            )
        );
        assert_eq!(
            known(
                &w,
                "resourceId('other', 'Microsoft.Network/virtualNetworks/subnets', 'v', 's')"
            ),
            json!(
                "/subscriptions/sub/resourceGroups/other/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
            )
        );
        assert_eq!(
            known(
                &w,
                "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '7f951dda-4ed3-4680-a7ca-43fe172d538d')"
            ),
            json!(
                "/subscriptions/sub/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d"
            )
        );
        assert_eq!(
            known(
                &w,
                "extensionResourceId(resourceId('Microsoft.ContainerRegistry/registries', 'r'), 'Microsoft.Authorization/roleAssignments', 'x')"
            ),
            json!(
                "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r/providers/Microsoft.Authorization/roleAssignments/x"
            )
        );
        assert_eq!(known(&w, "resourceGroup().location"), json!("westeurope"));
        assert_eq!(known(&w, "subscription().subscriptionId"), json!("sub"));
        assert_eq!(
            known(&w, "format('{0}.azurecr.io/{1}:{2}', 'r', 'app', 1)"),
            json!("r.azurecr.io/app:1")
        );
        assert_eq!(
            known(&w, "if(equals(parameters('count'), 2), 'two', 'other')"),
            json!("two")
        );
        assert_eq!(known(&w, "empty('')"), json!(true));
        assert_eq!(
            known(&w, "contains(createArray('a', 'b'), 'b')"),
            json!(true)
        );
        assert_eq!(known(&w, "last(split('a/b/c', '/'))"), json!("c"));
        assert_eq!(
            known(&w, "union(json('{\"a\":1}'), json('{\"b\":2}'))"),
            json!({"a": 1, "b": 2})
        );
        assert_eq!(known(&w, "toUpper('x')"), json!("X"));
        assert_eq!(
            known(&w, "concat(createArray(1), createArray(2))"),
            json!([1, 2])
        );
        assert_eq!(known(&w, "length(guid('a', 'b'))"), json!(36));
        assert_eq!(known(&w, "guid('a')"), known(&w, "guid('a')"));
        assert_eq!(
            known(&w, "union(createArray(1, 2), createArray(2, 3))"),
            json!([1, 2, 3])
        );
        assert_eq!(known(&w, "take('abcdef', 3)"), json!("abc"));
        assert_eq!(known(&w, "skip(createArray(1, 2, 3), 2)"), json!([3]));
        assert_eq!(known(&w, "coalesce(null(), 'x')"), json!("x"));
        assert_eq!(known(&w, "substring('secureacr2021', 6, 3)"), json!("acr"));
        assert_eq!(
            known(&w, "indexOf('privatelink.azurecr.io', 'AZURECR')"),
            json!(12)
        );
        assert_eq!(known(&w, "replace('a-b-c', '-', '.')"), json!("a.b.c"));
        assert_eq!(
            known(&w, "string(createObject('a', 1))"),
            json!("{\"a\":1}")
        );
        assert_eq!(known(&w, "int('42')"), json!(42));
        assert_eq!(known(&w, "bool('True')"), json!(true));
        assert_eq!(known(&w, "and(true(), not(false()))"), json!(true));
        assert_eq!(known(&w, "or(false(), equals(1, 2))"), json!(false));
        assert_eq!(
            known(&w, "startsWith('Microsoft.Web/sites', 'microsoft.web')"),
            json!(true)
        );
        assert_eq!(known(&w, "endsWith('r.azurecr.io', '.IO')"), json!(true));
        assert_eq!(known(&w, "first(createArray('x', 'y'))"), json!("x"));
        assert_eq!(known(&w, "length(createArray(1, 2, 3))"), json!(3));
        assert_eq!(
            known(
                &w,
                "tenantResourceId('Microsoft.Authorization/policyDefinitions', 'p')"
            ),
            json!("/providers/Microsoft.Authorization/policyDefinitions/p")
        );
        assert_eq!(
            known(&w, "environment().suffixes.acrLoginServer"),
            json!(".azurecr.io")
        );
        assert_eq!(known(&w, "deployment().name"), json!("d"));
        assert_eq!(known(&w, "format('{0}-{1:D2}', 'a', 3)"), json!("a-3"));
        assert_eq!(known(&w, "json('[1]')[0]"), json!(1));
    }

    #[test]
    fn runtime_values_are_deferred_and_existing_ones_resolve() {
        let mut w = World::default();
        let id = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/new";
        assert_eq!(
            eval(&w, &format!("reference('{id}').principalId")).unwrap(),
            Val::Deferred(format!("{}#properties.principalId", id.to_lowercase()))
        );
        assert!(matches!(
            eval(&w, "listKeys('x', '2020-01-01').keys[0]").unwrap(),
            Val::Deferred(_)
        ));
        // A function of a deferred value is deferred too, with its argument named.
        assert_eq!(
            eval(
                &w,
                &format!("concat('a', uniqueString(reference('{id}').principalId))")
            )
            .unwrap(),
            Val::Deferred(format!(
                "a<uniqueString({}#properties.principalId)>",
                id.to_lowercase()
            ))
        );
        assert_eq!(
            known(&w, "uniqueString(resourceGroup().id)"),
            json!(unique_string("/subscriptions/sub/resourceGroups/rg"))
        );
        w.existing.insert(
            id.to_lowercase(),
            json!({"id": id, "properties": {"principalId": "p-1", "clientId": "c-1"}}),
        );
        assert_eq!(
            known(&w, &format!("reference('{id}', '2023-01-31').principalId")),
            json!("p-1")
        );
        assert_eq!(
            known(
                &w,
                &format!("reference('{id}', '2023-01-31', 'Full').properties.clientId")
            ),
            json!("c-1")
        );
    }

    /// Values Bicep's own uniqueString() gives, and Python's uuid.uuid5 in ARM's namespace.
    #[test]
    fn unique_string_and_guid_match_arm() {
        assert_eq!(unique_string("test"), "rbgf3xv4ufgzg");
        assert_eq!(unique_string("hello-world"), "a7wkljktk6wne");
        assert_eq!(unique_string("abc"), "cgtzqvhu4i23s");
        assert_eq!(
            unique_string(
                "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/my-rg"
            ),
            "bmg7c6xu4tw46"
        );
        assert_eq!(unique_string("foo-bar-baz"), "xzi4ioaxtmth4");
        let w = World::default();
        assert_eq!(
            known(&w, "uniqueString('hello', 'world')"),
            json!("a7wkljktk6wne")
        );
        assert_eq!(arm_guid("a"), "3703365d-5a9f-59b4-bca7-b9681389e4c1");
        assert_eq!(
            known(&w, "guid('a', 'b')"),
            json!("2d796349-8c7e-55ec-9624-54ece82ed031")
        );
    }

    #[test]
    fn property_and_variable_copy_loops_expand() {
        let w = World::default();
        let mut ctx = context(&w);
        ctx.variable_defs.insert(
            "copy".into(),
            json!([{"name": "prefixes", "count": 2, "input": "[format('10.0.{0}.0/24', copyIndex('prefixes'))]"}]),
        );
        assert_eq!(
            ctx.value(&json!("[variables('prefixes')]")).unwrap(),
            Val::Known(json!(["10.0.0.0/24", "10.0.1.0/24"]))
        );
        let properties = json!({"copy": [{"name": "subnets", "count": "[parameters('count')]", "input": {"name": "[concat('s', copyIndex('subnets'))]"}}]});
        assert_eq!(
            ctx.value(&properties).unwrap(),
            Val::Known(json!({"subnets": [{"name": "s0"}, {"name": "s1"}]}))
        );
    }

    #[test]
    fn errors_name_what_is_wrong() {
        let w = World::default();
        assert!(
            eval(&w, "variables('loopA')")
                .unwrap_err()
                .contains("circular variables: loopa → loopb → loopa")
        );
        assert!(
            eval(&w, "parameters('missing')")
                .unwrap_err()
                .contains("no such parameter")
        );
        assert!(
            eval(&w, "pickZones('a')")
                .unwrap_err()
                .contains("unsupported template function `pickZones`")
        );
        assert!(
            eval(&w, "resourceId('Microsoft.Web/sites/config', 'app')")
                .unwrap_err()
                .contains("needs 2 name segment")
        );
        // Calls with too few arguments are errors, never a panic.
        for call in [
            "toLower()",
            "replace('a')",
            "substring()",
            "split('a')",
            "take()",
            "first()",
            "format()",
            "contains('a')",
            "createObject('a')",
            "int()",
            "json()",
            "startsWith()",
            "equals('a')",
            "union()",
            "skip('a')",
            "indexOf()",
            "length()",
            "bool()",
            "extensionResourceId('a')",
            "subscriptionResourceId()",
            "tenantResourceId()",
            "copyIndex()",
            "not()",
            "last()",
            "empty()",
            "string()",
            "trim()",
        ] {
            assert!(eval(&w, call).is_err(), "{call}");
        }
    }
}
