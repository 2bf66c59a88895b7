//! `verify --template`: the deployment's scope (as `az deployment group create` has it), the
//! template evaluated against the documents that exist, its planned documents laid over
//! them, and each result marked with what it rests on (planned, existing or deferred values).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::Loaded;
use crate::checks::CheckResult;
use crate::cli::VerifyArgs;
use crate::collect::snapshot;
use crate::collect::template::arm::{self, TemplateFindings};
use crate::collect::template::terraform;
use crate::collect::template::{DEFERRED, DeploymentScope};
use crate::error::InputError;
use crate::facts::ArmId;
use crate::facts::inventory::type_from_id;

/// What the template added to a run.
pub struct Applied {
    pub planned_ids: BTreeSet<String>,
    /// The one site the template deploys, when it deploys exactly one.
    pub site: Option<String>,
    pub findings: TemplateFindings,
}

/// A web app's own id (not a slot's, not a child's).
fn is_site(id: &str) -> bool {
    type_from_id(id).is_some_and(|t| t.eq_ignore_ascii_case("Microsoft.Web/sites"))
}

/// The one value the documents agree on; an error naming them when they differ.
fn single(
    values: impl Iterator<Item = String>,
    what: &str,
    flag: &str,
) -> Result<Option<String>, InputError> {
    let set: BTreeSet<String> = values.filter(|v| !v.is_empty()).collect();
    match set.len() {
        0 => Ok(None),
        1 => Ok(set.into_iter().next()),
        _ => Err(InputError::new(format!(
            "the existing documents span more than one {what} ({}): pass {flag}",
            set.into_iter().collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// The deployment scope. A Terraform plan names each resource's group and location, so it
/// needs only the subscription.
fn scope(
    args: &VerifyArgs,
    documents: &BTreeMap<String, Value>,
    for_plan: bool,
) -> Result<DeploymentScope, InputError> {
    let ids: Vec<ArmId> = documents
        .keys()
        .filter(|id| id.contains("/resourcegroups/"))
        .map(|id| ArmId::parse(id))
        .collect();
    let subscription = match args
        .live
        .subscription
        .clone()
        .filter(|s| !s.trim().is_empty())
    {
        Some(s) => s,
        None => single(
            ids.iter().map(|i| i.subscription.clone()),
            "subscription",
            "--subscription",
        )?
        .ok_or_else(|| {
            InputError::new(
                "no subscription to deploy to: pass --subscription (or set AZURE_SUBSCRIPTION_ID)",
            )
        })?,
    };
    if for_plan {
        return Ok(DeploymentScope {
            subscription_id: subscription,
            resource_group: args.live.resource_group.clone().unwrap_or_default(),
            location: args.location.clone().unwrap_or_default(),
            tenant_id: String::new(),
            deployment_name: "terraform".into(),
        });
    }
    // Ids are compared lowercase; use the spelling a document has.
    let spelled = |lower: &str| {
        documents
            .values()
            .filter_map(|d| d.get("id").and_then(Value::as_str))
            .map(ArmId::parse)
            .find(|a| a.resource_group.eq_ignore_ascii_case(lower))
            .map(|a| a.resource_group)
            .unwrap_or_else(|| lower.to_string())
    };
    let resource_group = match args.live.resource_group.clone() {
        Some(g) => g,
        None => {
            let sites: Vec<String> = documents
                .iter()
                .filter(|(id, _)| is_site(id))
                .map(|(id, _)| ArmId::parse(id).resource_group)
                .collect();
            let group = match single(
                sites.into_iter(),
                "resource group of a site",
                "-g/--resource-group",
            )? {
                Some(g) => Some(g),
                None => single(
                    ids.iter().map(|i| i.resource_group.clone()),
                    "resource group",
                    "-g/--resource-group",
                )?,
            };
            spelled(&group.ok_or_else(|| {
                InputError::new("--template: no resource group to deploy to: pass -g/--resource-group (and --subscription)")
            })?)
        }
    };
    let location = match &args.location {
        Some(l) => l.clone(),
        None => documents
            .iter()
            .filter(|(id, _)| ArmId::parse(id).resource_group.eq_ignore_ascii_case(&resource_group))
            .filter_map(|(_, d)| d.get("location").and_then(Value::as_str))
            .find(|l| !l.eq_ignore_ascii_case("global"))
            .map(crate::facts::normalize_location)
            .ok_or_else(|| InputError::new("--template: the resource group's location is not known from the existing documents: pass --location"))?,
    };
    Ok(DeploymentScope {
        subscription_id: subscription,
        resource_group,
        location,
        tenant_id: std::env::var("AZURE_TENANT_ID")
            .unwrap_or_else(|_| "00000000-0000-0000-0000-000000000000".into()),
        deployment_name: args
            .template
            .as_ref()
            .and_then(|t| t.file_stem())
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| "deployment".into()),
    })
}

/// The site a template or plan creates under the live target's name, evaluated against
/// nothing (the live walk starts from it when the app does not exist yet).
pub fn planned_site(args: &VerifyArgs) -> Result<Option<Value>, InputError> {
    let Some(name) = &args.live.name else {
        return Ok(None);
    };
    let empty = BTreeMap::new();
    let planned = match (&args.template, &args.terraform_plan) {
        (Some(template), _) => {
            // The location only places resources; the walk needs the site's references.
            let Ok(scope) = scope(args, &empty, false).or_else(|_| scope(args, &empty, true))
            else {
                return Ok(None);
            };
            arm::evaluate(template, &args.parameter_files, scope, BTreeMap::new())?
        }
        (None, Some(plan)) => match scope(args, &empty, true) {
            Ok(scope) => terraform::evaluate(plan, scope, BTreeMap::new())?,
            Err(_) => return Ok(None),
        },
        (None, None) => return Ok(None),
    };
    let site = planned.documents.into_iter().map(|d| d.document).find(|d| {
        d["type"]
            .as_str()
            .is_some_and(|t| t.eq_ignore_ascii_case("Microsoft.Web/sites"))
            && d["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
    });
    Ok(site)
}

/// Evaluates the template and lays its documents over the loaded ones.
pub fn apply(args: &VerifyArgs, loaded: &mut Loaded) -> Result<Option<Applied>, InputError> {
    let (template, planned) = match (&args.template, &args.terraform_plan) {
        (Some(template), _) => {
            let scope = scope(args, &loaded.documents, false)?;
            let planned = arm::evaluate(
                template,
                &args.parameter_files,
                scope,
                std::mem::take(&mut loaded.documents),
            )?;
            (template, planned)
        }
        (None, Some(plan)) => {
            let scope = scope(args, &loaded.documents, true)?;
            (
                plan,
                terraform::evaluate(plan, scope, std::mem::take(&mut loaded.documents))?,
            )
        }
        (None, None) => return Ok(None),
    };
    let ids = snapshot::overlay(&mut loaded.inventory, &planned.documents, template)?;
    let display = super::display_path(template);
    for id in &ids {
        loaded.origins.retain(|(known, _)| known != id);
        loaded.origins.push((id.clone(), display.clone()));
    }
    let sites: Vec<&String> = ids.iter().filter(|id| is_site(id)).collect();
    loaded.source.kind = match (loaded.source.kind, args.terraform_plan.is_some()) {
        ("empty", true) => "terraform-plan",
        ("empty", false) => "template",
        (kind, _) => kind,
    };
    loaded.source.documents = loaded.inventory.len();
    Ok(Some(Applied {
        site: (sites.len() == 1).then(|| sites[0].clone()),
        planned_ids: ids.into_iter().collect(),
        findings: planned.findings,
    }))
}

/// A deferred value in words: `(known after deployment) /subscriptions/…/identities/web-pull
/// #properties.clientId` reads `(known after deployment: the clientId of web-pull)`.
fn humanize(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(DEFERRED) {
        out.push_str(&rest[..at]);
        let after = &rest[at + DEFERRED.len()..];
        let end = after
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ',' || c == ')')
            .unwrap_or(after.len());
        let token = &after[..end];
        match token.split_once('#') {
            Some((id, path)) if id.starts_with('/') => {
                let name = id.rsplit('/').next().unwrap_or(id);
                let attribute = path.rsplit('.').next().unwrap_or(path);
                out.push_str(&format!(
                    "(known after deployment: the {attribute} of {name})"
                ));
            }
            _ => {
                out.push_str(DEFERRED);
                out.push_str(token);
            }
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Marks each result with what its evidence rests on, and writes deferred values in words.
pub fn mark(results: &mut [CheckResult], applied: &Applied) {
    for result in results.iter_mut() {
        result.message = humanize(&result.message);
        result.remediation = result.remediation.as_deref().map(humanize);
        for e in &mut result.evidence {
            e.expected = e.expected.as_deref().map(humanize);
            e.actual = e.actual.as_deref().map(humanize);
        }
    }
    for result in results {
        let mut on = Vec::new();
        let deferred = result.message.contains("known after deployment")
            || result.evidence.iter().any(|e| {
                [&e.expected, &e.actual]
                    .into_iter()
                    .flatten()
                    .any(|v| v.contains("known after deployment"))
            });
        for e in &result.evidence {
            let key = e.resource_id.trim_end_matches('/').to_ascii_lowercase();
            let planned = applied
                .planned_ids
                .iter()
                .any(|p| key == *p || key.starts_with(&format!("{p}/")));
            let label = if planned { "planned" } else { "existing" };
            if !on.contains(&label) {
                on.push(label);
            }
        }
        if deferred {
            on.push("deferred");
        }
        result.rests_on = on;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deferred_values_read_as_words() {
        let id = "/subscriptions/s/resourcegroups/rg/providers/microsoft.managedidentity/userassignedidentities/web-pull";
        assert_eq!(
            humanize(&format!(
                "expected {DEFERRED}{id}#properties.clientId, found x"
            )),
            "expected (known after deployment: the clientId of web-pull), found x"
        );
        assert_eq!(
            humanize(&format!("{DEFERRED}Key Vault secret acr")),
            format!("{DEFERRED}Key Vault secret acr")
        );
        assert_eq!(humanize("plain"), "plain");
    }
}
