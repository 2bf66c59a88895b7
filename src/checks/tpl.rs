//! TPL-001…003: what only a template shows — the order things come into existence, and how
//! values are written. They run with `verify --template` and are `skip` otherwise.

use super::roles;
use super::{Check, Eval, Evidence, Family, Outcome, Severity, check_doc as doc};
use crate::collect::template::is_deferred;
use crate::facts::{CredentialMode, Facts, PullIdentity, TemplateFacts, Unavailable};

pub static CHECKS: &[Check] = &[
    Check {
        id: "TPL-001",
        title: "A new pull identity can pull on first start",
        family: Family::Tpl,
        severity: Severity::High,
        needs: &[],
        after: &["IAM-001"],
        doc: doc!("TPL-001"),
        eval: Eval::Config(new_pull_identity),
    },
    Check {
        id: "TPL-002",
        title: "Registry password not written as a literal",
        family: Family::Tpl,
        severity: Severity::Medium,
        needs: &[],
        after: &[],
        doc: doc!("TPL-002"),
        eval: Eval::Config(literal_password),
    },
    Check {
        id: "TPL-003",
        title: "acrUserManagedIdentityID is built from a clientId",
        family: Family::Tpl,
        severity: Severity::High,
        needs: &[],
        after: &[],
        doc: doc!("TPL-003"),
        eval: Eval::Config(identity_id_expression),
    },
    Check {
        id: "TPL-004",
        title: "Role assignments for new principals say principalType",
        family: Family::Tpl,
        severity: Severity::Medium,
        needs: &[],
        after: &[],
        doc: doc!("TPL-004"),
        eval: Eval::Config(untyped_new_principal),
    },
];

fn template(facts: &Facts) -> Result<&TemplateFacts, Unavailable> {
    facts
        .template
        .as_ref()
        .ok_or_else(|| Unavailable::missing("needs --template"))
}

fn new_pull_identity(facts: &Facts) -> Result<Outcome, Unavailable> {
    template(facts)?;
    let CredentialMode::ManagedIdentity { client_id } = facts.credential_mode()? else {
        return Ok(Outcome::skip(
            "the app does not pull with a managed identity",
        ));
    };
    let (principal, system, name) = match facts.pull_identity(client_id.as_deref()) {
        PullIdentity::System { principal_id } => {
            (principal_id, true, "system-assigned identity".to_string())
        }
        PullIdentity::User {
            principal_id,
            resource_id,
            ..
        } => (
            principal_id,
            false,
            format!(
                "user-assigned identity {}",
                resource_id.rsplit('/').next().unwrap_or(&resource_id)
            ),
        ),
        PullIdentity::Unresolved { .. } => {
            return Ok(Outcome::skip(
                "the pull identity does not resolve (IAM-001)",
            ));
        }
    };
    let Some(principal) = principal else {
        return Ok(Outcome::skip("the pull identity's principal is not known"));
    };
    if !is_deferred(&principal) {
        return Ok(Outcome::pass(format!(
            "the {name} exists already (principal {principal}): a redeploy keeps it and its roles"
        )));
    }
    let registry = facts.acr().map(|r| r.id.clone()).unwrap_or_default();
    let granted = facts.role_assignments.iter().any(|a| {
        a.principal_id == principal
            && crate::facts::scope_covers(&a.scope, &registry)
            && matches!(
                roles::evaluate(a, &facts.role_definitions, false, ""),
                roles::Grant::Grants { .. }
            )
    });
    let site = &facts.site;
    let evidence = Evidence::new(&site.id, "identity")
        .expected("a pull identity that holds AcrPull before the site starts")
        .actual(format!("the {name}, created by this deployment"));
    let fix = format!(
        "Grant the new identity AcrPull in the same deployment (a user-assigned identity, so the grant can come before the site):\n  az identity create -g {group} -n {app}-pull\n  az role assignment create --assignee-object-id $(az identity show -g {group} -n {app}-pull --query principalId -o tsv) --assignee-principal-type ServicePrincipal --role AcrPull --scope {registry}\nthen pull with it (acrUserManagedIdentityID = its clientId), or pull with registry credentials until the role exists.",
        group = site.arm.resource_group,
        app = site.name,
    );
    Ok(match (granted, system) {
        (false, _) => Outcome::fail(format!(
            "{} pulls with the {name} this deployment creates: its principal does not exist before the deployment and no role assignment in it grants AcrPull on the registry, so the pull is refused",
            site.name
        ))
        .evidence(evidence)
        .fix(fix),
        (true, true) => Outcome::warn(format!(
            "{} pulls with the system-assigned identity this deployment creates; the template grants it AcrPull, but only after the site exists, so the first pull runs before the role does (and role assignments take minutes to apply): the first start fails and is retried",
            site.name
        ))
        .evidence(evidence)
        .fix(fix),
        (true, false) => Outcome::pass(format!(
            "the {name} is created by this deployment and granted AcrPull in it, before the site needs it"
        )),
    })
}

fn literal_password(facts: &Facts) -> Result<Outcome, Unavailable> {
    let template = template(facts)?;
    if template.literal_passwords.is_empty() {
        return Ok(Outcome::pass(
            "no registry password is written into the template",
        ));
    }
    Ok(Outcome::fail(format!(
        "DOCKER_REGISTRY_SERVER_PASSWORD is written into {} as text: anyone who reads the template or its deployment history has it (the value is not shown here)",
        template.file
    ))
    .evidences(template.literal_passwords.iter().map(|(site, path)| {
        Evidence::new(site, path)
            .expected("a securestring parameter or a Key Vault reference")
            .actual("a literal")
    }))
    .fix("Pass it as a securestring parameter, or reference Key Vault in the parameters file ({\"reference\": {\"keyVault\": {\"id\": \"<vault-id>\"}, \"secretName\": \"acr-password\"}}) — better, pull with a managed identity and drop the password"))
}

fn identity_id_expression(facts: &Facts) -> Result<Outcome, Unavailable> {
    let template = template(facts)?;
    if template.identity_id_mistakes.is_empty() {
        return Ok(Outcome::pass(
            "acrUserManagedIdentityID is not built from a principalId or a resource id",
        ));
    }
    let (_, _, what) = &template.identity_id_mistakes[0];
    Ok(Outcome::fail(format!(
        "acrUserManagedIdentityID is built from {what}; App Service expects the identity's clientId, and pulls fail with a token for no identity"
    ))
    .evidences(template.identity_id_mistakes.iter().map(|(site, path, what)| {
        Evidence::new(site, path)
            .expected("reference(<identity>).clientId")
            .actual(what.clone())
    }))
    .fix("Use the clientId. ARM: \"acrUserManagedIdentityID\": \"[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', parameters('identityName')), '2023-01-31').clientId]\"; Terraform: container_registry_managed_identity_client_id = azurerm_user_assigned_identity.<name>.client_id"))
}

fn untyped_new_principal(facts: &Facts) -> Result<Outcome, Unavailable> {
    let template = template(facts)?;
    if template.untyped_new_principals.is_empty() {
        return Ok(Outcome::pass(
            "every role assignment for a principal this deployment creates names its principalType",
        ));
    }
    Ok(Outcome::warn(format!(
        "{} role assignment(s) grant a principal this deployment creates without principalType: Entra ID may not have replicated the new identity when ARM checks the principal, and the deployment fails with PrincipalNotFound (the AcrPull grant, and so the pull, never happens)",
        template.untyped_new_principals.len()
    ))
    .evidences(template.untyped_new_principals.iter().map(|(id, path)| {
        Evidence::new(id, path)
            .expected("ServicePrincipal")
            .actual("not set")
    }))
    .fix("Set principalType to ServicePrincipal on the assignment (ARM: \"principalType\": \"ServicePrincipal\"; Terraform: principal_type = \"ServicePrincipal\"); ARM then skips the directory lookup that a brand-new identity can fail"))
}
