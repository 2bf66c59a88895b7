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
use crate::collect::template::{DEFERRED, DeploymentScope};
use crate::error::InputError;
use crate::facts::ArmId;

/// What the template added to a run.
pub struct Applied {
    pub planned_ids: BTreeSet<String>,
    /// The one site the template deploys, when it deploys exactly one.
    pub site: Option<String>,
    pub findings: TemplateFindings,
}

/// The most frequent value, when it is the only one.
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

fn scope(
    args: &VerifyArgs,
    documents: &BTreeMap<String, Value>,
) -> Result<DeploymentScope, InputError> {
    let ids: Vec<ArmId> = documents
        .keys()
        .filter(|id| id.contains("/resourcegroups/"))
        .map(|id| ArmId::parse(id))
        .collect();
    let subscription = match args.live.subscription.clone().filter(|s| !s.trim().is_empty()) {
        Some(s) => s,
        None => single(ids.iter().map(|i| i.subscription.clone()), "subscription", "--subscription")?
            .ok_or_else(|| InputError::new("--template: no subscription to deploy to: pass --subscription (or set AZURE_SUBSCRIPTION_ID)"))?,
    };
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
                .filter(|(id, _)| {
                    id.contains("/providers/microsoft.web/sites/") && id.matches('/').count() == 8
                })
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

/// Evaluates the template and lays its documents over the loaded ones.
pub fn apply(args: &VerifyArgs, loaded: &mut Loaded) -> Result<Option<Applied>, InputError> {
    let Some(template) = &args.template else {
        return Ok(None);
    };
    let scope = scope(args, &loaded.documents)?;
    let planned = arm::evaluate(
        template,
        &args.parameter_files,
        scope,
        loaded.documents.clone(),
    )?;
    let ids = snapshot::overlay(&mut loaded.inventory, &planned.documents, template)?;
    let display = super::display_path(template);
    for id in &ids {
        loaded.origins.retain(|(known, _)| known != id);
        loaded.origins.push((id.clone(), display.clone()));
    }
    let sites: Vec<&String> = ids
        .iter()
        .filter(|id| id.contains("/providers/microsoft.web/sites/") && id.matches('/').count() == 8)
        .collect();
    loaded.source.kind = if loaded.source.kind == "empty" {
        "template"
    } else {
        loaded.source.kind
    };
    loaded.source.documents = loaded.inventory.len();
    Ok(Some(Applied {
        site: (sites.len() == 1).then(|| sites[0].clone()),
        planned_ids: ids.into_iter().collect(),
        findings: planned.findings,
    }))
}

/// Marks each result with what its evidence rests on.
pub fn mark(results: &mut [CheckResult], applied: &Applied) {
    for result in results {
        let mut on = Vec::new();
        let deferred = result.message.contains(DEFERRED.trim())
            || result.evidence.iter().any(|e| {
                [&e.expected, &e.actual]
                    .into_iter()
                    .flatten()
                    .any(|v| v.contains(DEFERRED.trim()))
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
