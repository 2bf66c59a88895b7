//! IAM-001…003: the pull identity resolves to one of the site's identities, that identity
//! holds a role granting pull on the registry, and credential mode is complete.

use super::app::url_host;
use super::roles::{self, Grant};
use super::{Check, Eval, Evidence, Family, Outcome, Severity, check_doc as doc};
use crate::facts::inventory::id_key;
use crate::facts::list_gap;
use crate::facts::{
    ArmId, CredentialMode, Facts, IdentityMistake, PullIdentity, RegistryLookup, Unavailable,
    scope_covers, unavailable,
};

pub static CHECKS: &[Check] = &[
    Check {
        id: "IAM-001",
        title: "Pull identity resolves",
        family: Family::Iam,
        severity: Severity::High,
        needs: &["APP-006"],
        after: &[],
        doc: doc!("IAM-001"),
        eval: Eval::Config(identity_resolves),
    },
    Check {
        id: "IAM-002",
        title: "Pull identity holds a pull role on the registry",
        family: Family::Iam,
        severity: Severity::High,
        needs: &["IAM-001", "REG-001"],
        after: &[],
        doc: doc!("IAM-002"),
        eval: Eval::Config(role_grants_pull),
    },
    Check {
        id: "IAM-003",
        title: "Registry credentials complete and for the image's registry",
        family: Family::Iam,
        severity: Severity::High,
        needs: &["APP-006"],
        after: &[],
        doc: doc!("IAM-003"),
        eval: Eval::Config(credentials_complete),
    },
];

/// A container pulled with a managed identity: the client id it names (`None`:
/// system-assigned) and where that is configured.
struct ManagedIdentityPull {
    container: String,
    client_id: Option<String>,
    resource_id: String,
    path: String,
}

fn managed_identity_pulls(facts: &Facts) -> Result<Vec<ManagedIdentityPull>, Unavailable> {
    if facts.images.iter().any(|i| i.sidecar_auth.is_some()) {
        return Ok(facts
            .images
            .iter()
            .filter_map(|i| {
                let auth = i.sidecar_auth.as_ref()?;
                let (client_id, path) = match auth.auth_type.to_ascii_lowercase().as_str() {
                    "systemidentity" => (None, "properties.authType"),
                    "userassigned" => (
                        auth.client_id.clone(),
                        "properties.userManagedIdentityClientId",
                    ),
                    _ => return None,
                };
                Some(ManagedIdentityPull {
                    container: i.name.clone(),
                    client_id,
                    resource_id: i.provenance.resource_id.clone(),
                    path: path.to_string(),
                })
            })
            .collect());
    }
    let config = facts.config.get()?;
    match facts.credential_mode()? {
        CredentialMode::ManagedIdentity { client_id } => Ok(vec![ManagedIdentityPull {
            container: "main".into(),
            client_id,
            resource_id: config.id.clone(),
            path: format!("{}.acrUserManagedIdentityID", config.path_prefix),
        }]),
        _ => Ok(Vec::new()),
    }
}

fn identity_resolves(facts: &Facts) -> Result<Outcome, Unavailable> {
    let pulls = managed_identity_pulls(facts)?;
    if pulls.is_empty() {
        return Ok(Outcome::skip(
            "the app does not pull with a managed identity",
        ));
    }
    let site = &facts.site;
    let mut resolved = Vec::new();
    let mut problems = Vec::new();
    let mut evidence = Vec::new();
    let mut fixes = Vec::new();
    for ManagedIdentityPull {
        container,
        client_id,
        resource_id: resource,
        path,
    } in &pulls
    {
        let e = Evidence::new(resource, path).actual(
            client_id
                .clone()
                .unwrap_or_else(|| "(empty: system-assigned)".into()),
        );
        match facts.pull_identity(client_id.as_deref()) {
            PullIdentity::System { .. } => {
                resolved.push(format!("{container}: system-assigned identity"));
                evidence.push(e);
            }
            PullIdentity::User { resource_id, .. } => {
                resolved.push(format!(
                    "{container}: user-assigned identity {}",
                    ArmId::parse(&resource_id).name
                ));
                evidence.push(e);
            }
            PullIdentity::Unresolved {
                configured,
                mistake,
            } => {
                let configured = configured.unwrap_or_default();
                let assigned: Vec<String> = site
                    .identity
                    .user_assigned
                    .iter()
                    .filter_map(|u| u.client_id.clone())
                    .collect();
                evidence.push(e.expected(if assigned.is_empty() {
                    "the clientId of a user-assigned identity of the site".into()
                } else {
                    assigned.join(" or ")
                }));
                let set_client = |client: &str| {
                    format!(
                        "az webapp config set -g {} -n {} --generic-configurations '{{\"acrUserManagedIdentityID\": \"{client}\"}}'",
                        site.arm.resource_group, site.name
                    )
                };
                match mistake {
                    IdentityMistake::NoSystemIdentity => {
                        problems.push(format!("{container}: acrUserManagedIdentityID is empty, so the system-assigned identity pulls, but the site has none (identity type `{}`)", if site.identity.kind.is_empty() { "None" } else { &site.identity.kind }));
                        evidence.push(
                            Evidence::new(&site.id, "identity.type")
                                .expected("SystemAssigned")
                                .actual(if site.identity.kind.is_empty() {
                                    "None".into()
                                } else {
                                    site.identity.kind.clone()
                                }),
                        );
                        fixes.push(format!(
                            "az webapp identity assign -g {} -n {}",
                            site.arm.resource_group, site.name
                        ));
                    }
                    IdentityMistake::PrincipalIdOf(resource_id) => {
                        let client = site
                            .identity
                            .user_assigned
                            .iter()
                            .find(|u| id_key(&u.resource_id) == id_key(&resource_id))
                            .and_then(|u| u.client_id.clone())
                            .unwrap_or_default();
                        problems.push(format!("{container}: {configured} is the principalId (object id) of {}, not its clientId", ArmId::parse(&resource_id).name));
                        fixes.push(set_client(&client));
                    }
                    IdentityMistake::ResourceId { assigned } => {
                        let client = site
                            .identity
                            .user_assigned
                            .iter()
                            .find(|u| id_key(&u.resource_id) == id_key(&configured))
                            .and_then(|u| u.client_id.clone())
                            .unwrap_or_else(|| "<clientId>".into());
                        problems.push(format!("{container}: acrUserManagedIdentityID holds a resource id; it must be the identity's clientId{}", if assigned { "" } else { " (and that identity is not assigned to the site)" }));
                        fixes.push(set_client(&client));
                    }
                    IdentityMistake::NotAssigned(resource_id) => {
                        problems.push(format!("{container}: {configured} is the clientId of {}, which is not assigned to the site", ArmId::parse(&resource_id).name));
                        fixes.push(format!(
                            "az webapp identity assign -g {} -n {} --identities {resource_id}",
                            site.arm.resource_group, site.name
                        ));
                    }
                    IdentityMistake::Unknown => {
                        problems.push(format!("{container}: {configured} is not the clientId of any user-assigned identity of the site"));
                        fixes.push(set_client("<clientId of an assigned identity>"));
                    }
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(Outcome::pass(resolved.join("; ")).evidences(evidence))
    } else {
        Ok(Outcome::fail(problems.join("; "))
            .evidences(evidence)
            .fix(fixes.join("\n")))
    }
}

fn role_grants_pull(facts: &Facts) -> Result<Outcome, Unavailable> {
    let registry = match &facts.registry {
        RegistryLookup::Acr(r) => r,
        RegistryLookup::Unreadable { id, gap, .. } => {
            return Err(unavailable("the registry", Some(id), gap));
        }
        RegistryLookup::Custom { host } => {
            return Ok(Outcome::skip(format!(
                "{host} is not an Azure Container Registry: Azure roles do not apply"
            )));
        }
        _ => return Ok(Outcome::skip("the registry is not in the input (REG-001)")),
    };
    let pulls = managed_identity_pulls(facts)?;
    if pulls.is_empty() {
        return Ok(Outcome::skip(
            "the app does not pull with a managed identity",
        ));
    }
    let assignments_path = format!(
        "{}/providers/Microsoft.Authorization/roleAssignments",
        registry.id
    );
    let assignments_gap = list_gap(&facts.inventory, &assignments_path);
    if let (true, Some(gap)) = (facts.role_assignments.is_empty(), &assignments_gap) {
        return Err(unavailable(
            "the role assignments on the registry",
            Some(&assignments_path),
            gap,
        ));
    }
    if facts.role_assignments.is_empty() {
        return Ok(Outcome::skip(
            "the input holds no role assignments: export them (az role assignment list --assignee <principalId> --all)",
        ));
    }
    let repository = facts
        .main_image_ref()
        .map(|r| r.repository.clone())
        .unwrap_or_default();
    let abac = registry
        .role_assignment_mode
        .eq_ignore_ascii_case("AbacRepositoryPermissions");
    let mut evidence = Vec::new();
    let mut problems = Vec::new();
    let mut granted = Vec::new();
    let mut unknown = Vec::new();
    let mut fixes = Vec::new();
    for ManagedIdentityPull {
        container,
        client_id,
        ..
    } in &pulls
    {
        let (principal, who) = match facts.pull_identity(client_id.as_deref()) {
            PullIdentity::System { principal_id } => {
                (principal_id, "the system-assigned identity".to_string())
            }
            PullIdentity::User {
                principal_id,
                resource_id,
                ..
            } => (
                principal_id,
                format!("user-assigned identity {}", ArmId::parse(&resource_id).name),
            ),
            PullIdentity::Unresolved { .. } => continue,
        };
        let Some(principal) = principal.filter(|p| !p.is_empty()) else {
            unknown.push(format!(
                "{container}: the principalId of {who} is not in the input"
            ));
            continue;
        };
        let mut best: Option<Grant> = None;
        let mut seen_any = false;
        for a in facts
            .role_assignments
            .iter()
            .filter(|a| a.principal_id.eq_ignore_ascii_case(&principal))
        {
            seen_any = true;
            if !scope_covers(&a.scope, &registry.id) {
                continue;
            }
            let grant = roles::evaluate(a, &facts.role_definitions, abac, &repository);
            evidence.push(
                Evidence::new(&a.id, "properties.roleDefinitionId").actual(format!(
                    "{} at {}",
                    match &grant {
                        Grant::Grants { role }
                        | Grant::Denies { role, .. }
                        | Grant::Unknown { role, .. } => role.clone(),
                    },
                    a.scope
                )),
            );
            best = match (&best, &grant) {
                (Some(Grant::Grants { .. }), _) => best,
                (_, Grant::Grants { .. }) => Some(grant),
                (Some(Grant::Unknown { .. }), _) => best,
                (_, Grant::Unknown { .. }) => Some(grant),
                _ => Some(grant),
            };
        }
        let role_name = if abac {
            "Container Registry Repository Reader"
        } else {
            "AcrPull"
        };
        let role_id = if abac {
            roles::REPOSITORY_READER_ID
        } else {
            roles::ACR_PULL_ID
        };
        let mut fix = format!(
            "az role assignment create --assignee-object-id {principal} --assignee-principal-type ServicePrincipal --role {role_id} --scope {}",
            registry.id
        );
        if abac {
            fix.push_str(&format!(" --condition \"((!(ActionMatches{{'{}'}})) OR (@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringEqualsIgnoreCase '{repository}'))\" --condition-version 2.0", roles::CONTENT_READ_DATA_ACTION));
        }
        fix.push_str(&format!("   # {role_name}"));
        match best {
            Some(Grant::Grants { role }) => granted.push(format!("{who} holds {role}")),
            Some(Grant::Unknown { role, why }) => {
                unknown.push(format!("{container}: {who} holds {role}, but {why}"))
            }
            Some(Grant::Denies { role, why }) => {
                problems.push(format!(
                    "{who} (principal {principal}) holds {role} on the registry, but {why}"
                ));
                fixes.push(fix);
            }
            None if assignments_gap.is_some() => {
                let gap = assignments_gap.as_ref().expect("checked");
                return Err(unavailable(
                    &format!("the role assignments of principal {principal}"),
                    Some(&assignments_path),
                    gap,
                ));
            }
            None => {
                let note = if seen_any {
                    " (it has role assignments, none at the registry or above)"
                } else {
                    ""
                };
                problems.push(format!("{who} (principal {principal}) has no role on {} or its resource group or subscription{note}; assignments through group membership are not visible here", registry.name));
                evidence.push(
                    Evidence::new(&registry.id, "roleAssignments[principalId]")
                        .expected(format!("{role_name} for {principal}"))
                        .actual("none"),
                );
                fixes.push(fix);
            }
        }
    }
    let mode = if abac {
        " (ABAC repository permissions)"
    } else {
        ""
    };
    if !problems.is_empty() {
        return Ok(Outcome::fail(format!("{}{mode}", problems.join("; ")))
            .evidences(evidence)
            .fix(fixes.join("\n")));
    }
    if !unknown.is_empty() {
        return Ok(Outcome::warn(unknown.join("; ")).evidences(evidence));
    }
    Ok(
        Outcome::pass(format!("{} on {}{mode}", granted.join("; "), registry.name))
            .evidences(evidence),
    )
}

fn credentials_complete(facts: &Facts) -> Result<Outcome, Unavailable> {
    if facts.images.iter().any(|i| i.sidecar_auth.is_some()) {
        return Ok(Outcome::skip(
            "sidecar containers carry their own credentials (APP-006); DOCKER_REGISTRY_SERVER_* do not apply",
        ));
    }
    if facts.credential_mode()? != CredentialMode::RegistryCredentials {
        return Ok(Outcome::skip(
            "the app does not pull with DOCKER_REGISTRY_SERVER_* credentials",
        ));
    }
    let site = &facts.site;
    let creds = facts.registry_credentials()?;
    let settings_id = facts.settings.get()?.id.clone();
    let image_host = facts
        .main_image_ref()
        .map(|r| r.registry.clone())
        .unwrap_or_default();
    let mut problems = Vec::new();
    let mut evidence = Vec::new();
    let mut notes = Vec::new();
    match &creds.url {
        None => problems.push("DOCKER_REGISTRY_SERVER_URL is not set".to_string()),
        Some(url) if url_host(&url.value) != image_host => problems.push(format!(
            "DOCKER_REGISTRY_SERVER_URL names {} but the image is on {image_host}",
            url_host(&url.value)
        )),
        Some(url) => evidence.push(
            Evidence::new(&url.resource_id, &url.path)
                .expected(format!("https://{image_host}"))
                .actual(&url.value),
        ),
    }
    if creds.username.is_none() {
        problems.push("DOCKER_REGISTRY_SERVER_USERNAME is not set".into());
    }
    match &creds.password {
        Some(p) if p.is_set() => {
            evidence.push(
                Evidence::new(&settings_id, "DOCKER_REGISTRY_SERVER_PASSWORD").actual(p.display()),
            );
            if p.is_key_vault_reference() {
                notes.push("the password is a Key Vault reference: the app's keyVaultReferenceIdentity needs get on the secret, and the vault must be reachable from the app");
            }
        }
        _ => problems.push("DOCKER_REGISTRY_SERVER_PASSWORD is not set".into()),
    }
    if !problems.is_empty() {
        evidence.push(
            Evidence::new(&settings_id, "DOCKER_REGISTRY_SERVER_*")
                .expected(format!("URL https://{image_host}, USERNAME and PASSWORD")),
        );
        return Ok(Outcome::fail(problems.join("; ")).evidences(evidence)
            .fix(format!("az webapp config container set -g {} -n {} --container-registry-url https://{image_host} --container-registry-user <user> --container-registry-password <password>", site.arm.resource_group, site.name)));
    }
    let mut message = format!(
        "credentials for {image_host} are complete (user {})",
        creds.username.map(|u| u.value).unwrap_or_default()
    );
    for note in notes {
        message.push_str(&format!("; {note}"));
    }
    Ok(Outcome::pass(message).evidences(evidence))
}
