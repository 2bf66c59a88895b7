//! Does a role assignment let its principal pull from a registry? Built-in role ids,
//! custom role `actions`/`notActions` (and data actions) with ARM's wildcards, and in ABAC
//! mode (`roleAssignmentMode: AbacRepositoryPermissions`) the repository conditions.

use std::collections::BTreeMap;

use crate::facts::RoleAssignmentFacts;
use crate::facts::arm::RoleDefinition;

pub const PULL_ACTION: &str = "Microsoft.ContainerRegistry/registries/pull/read";
pub const CONTENT_READ_DATA_ACTION: &str =
    "Microsoft.ContainerRegistry/registries/repositories/content/read";

/// Built-in roles that matter here: (id, name, grants pull in legacy mode, in ABAC mode).
pub const BUILT_IN: &[(&str, &str, bool, bool)] = &[
    (
        "7f951dda-4ed3-4680-a7ca-43fe172d538d",
        "AcrPull",
        true,
        false,
    ),
    (
        "8311e382-0749-4cb8-b61a-304f252e45ec",
        "AcrPush",
        true,
        false,
    ),
    (
        "c2f4ef07-c644-48eb-af81-4b1b4947fb11",
        "AcrDelete",
        false,
        false,
    ),
    ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner", true, false),
    (
        "b24988ac-6180-42a0-ab88-20f7382dd24c",
        "Contributor",
        true,
        false,
    ),
    (
        "acdd72a7-3385-48ef-bd42-f606fba81ae7",
        "Reader",
        true,
        false,
    ),
    (
        "b93aa761-3e63-49ed-ac28-beffa264f7ac",
        "Container Registry Repository Reader",
        false,
        true,
    ),
    (
        "2a1e307c-b015-4ebd-883e-5b7698a07328",
        "Container Registry Repository Writer",
        false,
        true,
    ),
    (
        "2efddaa5-3f1f-4df3-97df-af3f13818f4c",
        "Container Registry Repository Contributor",
        false,
        true,
    ),
    (
        "bfdb9389-c9a5-478a-bb2f-ba9ca092c3c7",
        "Container Registry Repository Catalog Lister",
        false,
        false,
    ),
    (
        "577a9874-89fd-4f24-9dbd-b5034d0ad23a",
        "Container Registry Data Importer and Data Reader",
        true,
        true,
    ),
];

pub const ACR_PULL_ID: &str = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
pub const REPOSITORY_READER_ID: &str = "b93aa761-3e63-49ed-ac28-beffa264f7ac";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    Grants { role: String },
    Denies { role: String, why: String },
    Unknown { role: String, why: String },
}

/// ARM wildcard matching: `*` matches any run of characters, case-insensitively.
pub fn wildcard_match(pattern: &str, action: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    let action = action.to_ascii_lowercase();
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == action;
    }
    let mut rest = action.as_str();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

fn permits(allowed: &[String], denied: &[String], action: &str) -> bool {
    allowed.iter().any(|a| wildcard_match(a, action))
        && !denied.iter().any(|n| wildcard_match(n, action))
}

/// Decides whether `assignment` lets its principal pull `repository` from a registry in
/// the given role assignment mode.
pub fn evaluate(
    assignment: &RoleAssignmentFacts,
    definitions: &BTreeMap<String, RoleDefinition>,
    abac: bool,
    repository: &str,
) -> Grant {
    let guid = assignment.role_guid();
    let builtin = BUILT_IN.iter().find(|(id, ..)| *id == guid);
    let (role, legacy_grant, abac_grant) = match (builtin, definitions.get(&guid)) {
        (Some((_, name, legacy, abac)), _) => (name.to_string(), *legacy, *abac),
        (None, Some(def)) => {
            let name = def
                .properties
                .role_name
                .clone()
                .unwrap_or_else(|| guid.clone());
            let legacy = def
                .properties
                .permissions
                .iter()
                .any(|p| permits(&p.actions, &p.not_actions, PULL_ACTION));
            let abac = def.properties.permissions.iter().any(|p| {
                permits(
                    &p.data_actions,
                    &p.not_data_actions,
                    CONTENT_READ_DATA_ACTION,
                )
            });
            (format!("{name} (custom)"), legacy, abac)
        }
        (None, None) => {
            return Grant::Unknown {
                role: guid.clone(),
                why: format!(
                    "role definition {guid} is neither a known built-in role nor in the input"
                ),
            };
        }
    };
    if !abac {
        return if legacy_grant {
            Grant::Grants { role }
        } else {
            Grant::Denies {
                role,
                why: format!("it does not include {PULL_ACTION}"),
            }
        };
    }
    if !abac_grant {
        let why = if legacy_grant {
            "the registry uses ABAC repository permissions, where this role grants no pull (use Container Registry Repository Reader)".to_string()
        } else {
            format!("it does not include the data action {CONTENT_READ_DATA_ACTION}")
        };
        return Grant::Denies { role, why };
    }
    match &assignment.condition {
        None => Grant::Grants { role },
        Some(condition) => match condition_covers(condition, repository) {
            Some(true) => Grant::Grants { role },
            Some(false) => Grant::Denies { role, why: format!("its condition does not cover repository {repository}") },
            None => Grant::Unknown { role, why: "its ABAC condition is not one pullpath can read (repository name StringEquals/StringStartsWith)".into() },
        },
    }
}

/// Reads the repository-name clauses of an ABAC condition. `Some(true)` when one covers
/// the repository, `Some(false)` when none does, `None` when there are no such clauses.
pub fn condition_covers(condition: &str, repository: &str) -> Option<bool> {
    const ATTRIBUTE: &str = "@request[microsoft.containerregistry/registries/repositories:name]";
    let lower = condition.to_ascii_lowercase();
    let repository = repository.to_ascii_lowercase();
    let mut found = false;
    let mut from = 0;
    while let Some(at) = lower[from..].find(ATTRIBUTE) {
        let start = from + at + ATTRIBUTE.len();
        from = start;
        let rest = lower[start..].trim_start();
        let Some((operator, tail)) = rest.split_once(char::is_whitespace) else {
            continue;
        };
        let tail = tail.trim_start();
        let Some(tail) = tail.strip_prefix('\'') else {
            continue;
        };
        let Some((value, _)) = tail.split_once('\'') else {
            continue;
        };
        found = true;
        let covers = match operator {
            "stringequalsignorecase" | "stringequals" => repository == value,
            "stringstartswithignorecase" | "stringstartswith" => repository.starts_with(value),
            "stringlike" | "stringlikeignorecase" => wildcard_match(value, &repository),
            _ => false,
        };
        if covers {
            return Some(true);
        }
    }
    found.then_some(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assignment(role: &str, condition: Option<&str>) -> RoleAssignmentFacts {
        RoleAssignmentFacts {
            id: "a".into(),
            principal_id: "p".into(),
            role_definition_id: format!(
                "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/{role}"
            ),
            scope: "/subscriptions/s".into(),
            condition: condition.map(str::to_string),
        }
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("*", PULL_ACTION));
        assert!(wildcard_match("*/read", PULL_ACTION));
        assert!(wildcard_match("Microsoft.ContainerRegistry/*", PULL_ACTION));
        assert!(!wildcard_match(
            "Microsoft.ContainerRegistry/registries/push/*",
            PULL_ACTION
        ));
        assert!(wildcard_match(
            "microsoft.containerregistry/registries/*/read",
            PULL_ACTION
        ));
    }

    #[test]
    fn legacy_and_abac_built_ins() {
        let none = BTreeMap::new();
        assert_eq!(
            evaluate(&assignment(ACR_PULL_ID, None), &none, false, "app"),
            Grant::Grants {
                role: "AcrPull".into()
            }
        );
        assert!(matches!(
            evaluate(&assignment(ACR_PULL_ID, None), &none, true, "app"),
            Grant::Denies { .. }
        ));
        assert!(matches!(
            evaluate(&assignment(REPOSITORY_READER_ID, None), &none, false, "app"),
            Grant::Denies { .. }
        ));
        assert!(matches!(
            evaluate(&assignment(REPOSITORY_READER_ID, None), &none, true, "app"),
            Grant::Grants { .. }
        ));
        assert!(matches!(
            evaluate(
                &assignment("c2f4ef07-c644-48eb-af81-4b1b4947fb11", None),
                &none,
                false,
                "app"
            ),
            Grant::Denies { .. }
        ));
    }

    #[test]
    fn abac_conditions() {
        let eq = "((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'})) OR (@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringEqualsIgnoreCase 'privatewebsite'))";
        assert_eq!(condition_covers(eq, "PrivateWebsite"), Some(true));
        assert_eq!(condition_covers(eq, "other"), Some(false));
        let prefix = "(@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringStartsWithIgnoreCase 'backend/')";
        assert_eq!(condition_covers(prefix, "backend/api"), Some(true));
        assert_eq!(condition_covers(prefix, "frontend"), Some(false));
        assert_eq!(condition_covers("@Resource[x] StringEquals 'y'", "a"), None);
    }

    #[test]
    fn custom_roles_subtract_not_actions() {
        let mut defs = BTreeMap::new();
        let mut def = RoleDefinition {
            id: "/providers/Microsoft.Authorization/roleDefinitions/1111".into(),
            ..Default::default()
        };
        def.properties.role_name = Some("Registry operator".into());
        def.properties.permissions = vec![crate::facts::arm::Permission {
            actions: vec!["Microsoft.ContainerRegistry/*".into()],
            not_actions: vec!["Microsoft.ContainerRegistry/registries/pull/*".into()],
            ..Default::default()
        }];
        defs.insert("1111".to_string(), def);
        assert!(matches!(
            evaluate(&assignment("1111", None), &defs, false, "app"),
            Grant::Denies { .. }
        ));
        defs.get_mut("1111").unwrap().properties.permissions[0]
            .not_actions
            .clear();
        assert!(matches!(
            evaluate(&assignment("1111", None), &defs, false, "app"),
            Grant::Grants { .. }
        ));
        assert!(matches!(
            evaluate(&assignment("9999", None), &defs, false, "app"),
            Grant::Unknown { .. }
        ));
    }
}
