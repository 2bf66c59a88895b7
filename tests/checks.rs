//! Every configuration check passes on a healthy fixture and fails (or warns) on a broken
//! one, asserted on status and on the evidence that names the property — through the real
//! binary.

mod common;

use common::*;
use serde_json::{Value, json};

/// A failing fixture: the check, its expected status, a property path its evidence must
/// name, and the snapshot.
struct Case {
    id: &'static str,
    status: &'static str,
    evidence_path: &'static str,
    dir: std::path::PathBuf,
    _temp: Option<tempfile::TempDir>,
}

fn example_case(
    id: &'static str,
    status: &'static str,
    evidence_path: &'static str,
    name: &str,
) -> Case {
    Case {
        id,
        status,
        evidence_path,
        dir: example(name),
        _temp: None,
    }
}

fn mutated_case(
    id: &'static str,
    status: &'static str,
    evidence_path: &'static str,
    name: &str,
    change: impl FnOnce(&mut std::collections::BTreeMap<String, Value>),
) -> Case {
    let temp = mutated(name, change);
    Case {
        id,
        status,
        evidence_path,
        dir: temp.path().to_path_buf(),
        _temp: Some(temp),
    }
}

fn subnet<'a>(
    docs: &'a mut std::collections::BTreeMap<String, Value>,
    name: &str,
) -> &'a mut Value {
    docs.get_mut("vnet.json").unwrap()["properties"]["subnets"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|s| s["name"] == name)
        .unwrap()
}

fn failing_cases() -> Vec<Case> {
    vec![
        example_case("APP-001", "fail", "kind", "broken-windows-container"),
        mutated_case(
            "APP-002",
            "fail",
            "properties.linuxFxVersion",
            "healthy-system-identity",
            |d| {
                *at(
                    d.get_mut("site-config-web.json").unwrap(),
                    "properties.linuxFxVersion",
                ) = json!("DOCKER|secureacr2021.azurecr.io/PrivateWebsite:lnx-v1");
            },
        ),
        example_case(
            "APP-003",
            "fail",
            "properties.virtualNetworkSubnetId",
            "broken-no-vnet-integration",
        ),
        example_case(
            "APP-004",
            "fail",
            "properties.outboundVnetRouting.imagePullTraffic",
            "broken-routing-disabled",
        ),
        example_case("APP-005", "fail", "sku.tier", "broken-free-plan"),
        mutated_case(
            "APP-006",
            "fail",
            "DOCKER_REGISTRY_SERVER_URL",
            "healthy-admin-credentials",
            |d| {
                *at(
                    d.get_mut("app-settings.json").unwrap(),
                    "properties.DOCKER_REGISTRY_SERVER_URL",
                ) = json!("https://otherregistry.azurecr.io");
            },
        ),
        example_case(
            "APP-007",
            "fail",
            "properties.dnsConfiguration.dnsServers[0]",
            "broken-app-dns-public",
        ),
        mutated_case(
            "APP-008",
            "warn",
            "properties.httpsOnly",
            "healthy-system-identity",
            |d| {
                *at(d.get_mut("site.json").unwrap(), "properties.httpsOnly") = json!(false);
            },
        ),
        mutated_case(
            "NET-001",
            "fail",
            "location",
            "healthy-system-identity",
            |d| {
                *at(d.get_mut("vnet.json").unwrap(), "location") = json!("eastus");
            },
        ),
        example_case(
            "NET-002",
            "fail",
            "properties.delegations[].properties.serviceName",
            "broken-subnet-not-delegated",
        ),
        example_case(
            "NET-003",
            "fail",
            "properties.addressPrefix",
            "broken-subnet-too-small",
        ),
        example_case(
            "NET-004",
            "fail",
            "properties.subnet.id",
            "broken-peering-disconnected",
        ),
        example_case(
            "NET-005",
            "fail",
            "properties.securityRules[deny-vnet-outbound]",
            "broken-nsg-denies-443",
        ),
        mutated_case(
            "NET-006",
            "fail",
            "properties.routes",
            "healthy-system-identity",
            |d| {
                let table = "/subscriptions/6f1c9a3e-2b7d-4e5f-9a8b-1c2d3e4f5a6b/resourceGroups/secureacrsetup/providers/Microsoft.Network/routeTables/integration-routes";
                subnet(d, "vnet-integration-subnet")["properties"]["routeTable"] =
                    json!({ "id": table });
                subnet(d, "private-endpoint-subnet")["properties"]["privateEndpointNetworkPolicies"] =
                    json!("RouteTableEnabled");
                d.insert("route-table.json".into(), json!({"id": table, "name": "integration-routes", "type": "Microsoft.Network/routeTables",
                "properties": {"routes": [{"name": "blackhole-endpoints", "properties": {"addressPrefix": "10.0.1.0/24", "nextHopType": "None"}}]}}));
            },
        ),
        mutated_case("DNS-001", "fail", "", "healthy-system-identity", |d| {
            for f in [
                "dns-zone.json",
                "dns-zone-a-records.json",
                "dns-zone-links.json",
            ] {
                d.remove(f);
            }
        }),
        example_case(
            "DNS-002",
            "fail",
            "virtualNetworkLinks[].properties.virtualNetwork.id",
            "broken-zone-not-linked",
        ),
        example_case(
            "DNS-003",
            "fail",
            "properties.aRecords[].ipv4Address",
            "broken-stale-login-record",
        ),
        example_case(
            "DNS-004",
            "fail",
            "properties.aRecords[].ipv4Address",
            "broken-missing-data-record",
        ),
        example_case(
            "DNS-005",
            "warn",
            "properties.privateDnsZoneConfigs[].properties.privateDnsZoneId",
            "broken-missing-data-record",
        ),
        example_case(
            "DNS-006",
            "fail",
            "properties.dhcpOptions.dnsServers[0]",
            "broken-vnet-public-dns",
        ),
        example_case(
            "REG-001",
            "fail",
            "properties.linuxFxVersion",
            "broken-image-host-typo",
        ),
        example_case("REG-002", "fail", "sku.name", "broken-standard-sku"),
        example_case(
            "REG-003",
            "fail",
            "properties.manualPrivateLinkServiceConnections[].properties.privateLinkServiceConnectionState.status",
            "broken-endpoint-pending",
        ),
        mutated_case(
            "REG-004",
            "warn",
            "properties.networkRuleSet.defaultAction",
            "healthy-system-identity",
            |d| {
                *at(
                    d.get_mut("registry.json").unwrap(),
                    "properties.publicNetworkAccess",
                ) = json!("Enabled");
                *at(
                    d.get_mut("registry.json").unwrap(),
                    "properties.networkRuleSet.defaultAction",
                ) = json!("Allow");
            },
        ),
        example_case(
            "REG-005",
            "fail",
            "properties.publicNetworkAccess",
            "broken-routing-disabled",
        ),
        example_case(
            "REG-006",
            "fail",
            "properties.adminUserEnabled",
            "broken-admin-disabled",
        ),
        mutated_case(
            "REG-007",
            "warn",
            "properties.anonymousPullEnabled",
            "healthy-system-identity",
            |d| {
                *at(
                    d.get_mut("registry.json").unwrap(),
                    "properties.anonymousPullEnabled",
                ) = json!(true);
            },
        ),
        example_case(
            "IAM-001",
            "fail",
            "properties.acrUserManagedIdentityID",
            "broken-uami-principal-id",
        ),
        example_case(
            "IAM-002",
            "fail",
            "properties.roleDefinitionId",
            "broken-missing-acrpull",
        ),
        mutated_case(
            "IAM-003",
            "fail",
            "DOCKER_REGISTRY_SERVER_*",
            "healthy-admin-credentials",
            |d| {
                d.get_mut("app-settings.json").unwrap()["properties"]
                    .as_object_mut()
                    .unwrap()
                    .remove("DOCKER_REGISTRY_SERVER_PASSWORD");
            },
        ),
    ]
}

#[test]
fn every_configuration_check_fails_on_its_broken_fixture() {
    let mut covered = Vec::new();
    for case in failing_cases() {
        let (code, report) = verify_json(&case.dir, &[]);
        let result = check(&report, case.id);
        assert_eq!(result["status"], case.status, "{}: {}", case.id, result);
        let paths: Vec<&str> = result["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["path"].as_str().unwrap())
            .collect();
        assert!(
            paths.contains(&case.evidence_path),
            "{}: evidence {paths:?} should name {}",
            case.id,
            case.evidence_path
        );
        assert!(!result["message"].as_str().unwrap().is_empty());
        if case.status == "fail" {
            assert_eq!(code, 1, "{}: a failed check exits 1", case.id);
            assert!(
                result["remediation"]
                    .as_str()
                    .is_some_and(|r| r.contains("az ")
                        || r.contains("Create")
                        || r.contains("Check")
                        || r.contains("subnet")),
                "{}: a fix is given: {result}",
                case.id
            );
        }
        covered.push(case.id);
    }
    let offline: Vec<String> = pullpath_catalog()
        .into_iter()
        .filter(|id| !id.starts_with("PRB-") && !id.starts_with("TPL-"))
        .collect();
    for id in &offline {
        assert!(
            covered.contains(&id.as_str()),
            "{id} has no failing fixture"
        );
    }
}

fn pullpath_catalog() -> Vec<String> {
    pullpath::checks::catalog()
        .map(|c| c.id.to_string())
        .collect()
}

#[test]
fn every_configuration_check_passes_on_a_healthy_fixture() {
    let mut passed = std::collections::BTreeSet::new();
    for name in [
        "healthy-system-identity",
        "healthy-user-identity",
        "healthy-admin-credentials",
        "healthy-custom-registry",
    ] {
        let (code, report) = verify_json(&example(name), &[]);
        assert_eq!(code, 0, "{name}");
        for c in report["checks"].as_array().unwrap() {
            assert_ne!(c["status"], "fail", "{name}: {c}");
            if c["status"] == "pass" {
                passed.insert(c["id"].as_str().unwrap().to_string());
            }
        }
    }
    for id in pullpath_catalog()
        .into_iter()
        .filter(|id| !id.starts_with("PRB-") && !id.starts_with("TPL-"))
    {
        assert!(passed.contains(&id), "{id} passes on no healthy example");
    }
}

#[test]
fn probes_skip_offline() {
    let (_, report) = verify_json(&example("healthy-system-identity"), &[]);
    for id in pullpath_catalog()
        .into_iter()
        .filter(|id| id.starts_with("PRB-"))
    {
        let c = check(&report, &id);
        assert_eq!(c["status"], "skip");
        assert_eq!(c["message"], "needs --probe");
    }
}

#[test]
fn dependents_of_a_failed_check_are_blocked() {
    let (_, report) = verify_json(&example("broken-zone-not-linked"), &[]);
    for id in ["DNS-003", "DNS-004"] {
        let c = check(&report, id);
        assert_eq!(c["status"], "skip");
        assert_eq!(c["blocked_by"], json!(["DNS-002"]));
    }
    assert_eq!(report["root_causes"], json!(["DNS-002"]));
    // Transitive: no integration blocks NET-001 and everything that needs it.
    let (_, report) = verify_json(&example("broken-no-vnet-integration"), &[]);
    for id in [
        "APP-004", "NET-001", "NET-002", "NET-003", "NET-004", "NET-005", "NET-006",
    ] {
        assert_eq!(check(&report, id)["blocked_by"], json!(["APP-003"]), "{id}");
    }
}

#[test]
fn consequences_are_not_root_causes() {
    let (_, report) = verify_json(&example("broken-routing-disabled"), &[]);
    assert_eq!(status(&report, "REG-005"), "fail");
    assert_eq!(report["root_causes"], json!(["APP-004"]));
}

#[test]
fn routing_is_a_warning_when_the_registry_is_public() {
    let dir = mutated("broken-routing-disabled", |d| {
        *at(
            d.get_mut("registry.json").unwrap(),
            "properties.publicNetworkAccess",
        ) = json!("Enabled");
        *at(
            d.get_mut("registry.json").unwrap(),
            "properties.networkRuleSet.defaultAction",
        ) = json!("Allow");
    });
    let (code, report) = verify_json(dir.path(), &[]);
    let c = check(&report, "APP-004");
    assert_eq!(
        (c["status"].as_str(), c["severity"].as_str()),
        (Some("warn"), Some("medium"))
    );
    assert_eq!(code, 0);
    let (code, _) = verify_json(dir.path(), &["--fail-on", "warn"]);
    assert_eq!(code, 1);
}

#[test]
fn routing_provenance_and_disagreement() {
    // The app setting alone enables routing; the site property saying false is noted.
    let dir = mutated("broken-routing-disabled", |d| {
        d.get_mut("app-settings.json").unwrap()["properties"]["WEBSITE_PULL_IMAGE_OVER_VNET"] =
            json!("true");
    });
    let (code, report) = verify_json(dir.path(), &[]);
    assert_eq!(code, 0);
    let c = check(&report, "APP-004");
    assert_eq!(c["status"], "pass");
    let message = c["message"].as_str().unwrap();
    assert!(
        message.contains("enabled by WEBSITE_PULL_IMAGE_OVER_VNET"),
        "{message}"
    );
    assert!(
        message.contains("properties.outboundVnetRouting.imagePullTraffic=false disagrees"),
        "{message}"
    );
    // Legacy site property (API 2022-03-01…2024-04-01).
    let dir = mutated("broken-routing-disabled", |d| {
        let props = &mut d.get_mut("site.json").unwrap()["properties"];
        props.as_object_mut().unwrap().remove("outboundVnetRouting");
        props["vnetImagePullEnabled"] = json!(true);
    });
    let (_, report) = verify_json(dir.path(), &[]);
    assert!(
        check(&report, "APP-004")["message"]
            .as_str()
            .unwrap()
            .contains("properties.vnetImagePullEnabled")
    );
}

#[test]
fn shadowing_zone_is_named() {
    let (_, report) = verify_json(&example("broken-shadowing-data-zone"), &[]);
    let message = check(&report, "DNS-004")["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("westcentralus.data.privatelink.azurecr.io is more specific"),
        "{message}"
    );
    assert_eq!(
        status(&report, "DNS-003"),
        "pass",
        "the login server is not shadowed"
    );
}

#[test]
fn replica_regions_are_data_endpoints() {
    let (_, report) = verify_json(&example("broken-replica-without-record"), &[]);
    let c = check(&report, "DNS-004");
    let message = c["message"].as_str().unwrap();
    assert!(
        message.contains("secureacr2021.eastus.data.azurecr.io"),
        "{message}"
    );
    assert!(
        !message.contains("westcentralus.data.azurecr.io"),
        "the home region is fine: {message}"
    );
    let fix = c["remediation"].as_str().unwrap();
    assert!(
        fix.contains("-n secureacr2021.eastus.data -a 10.0.1.6"),
        "{fix}"
    );
}

#[test]
fn user_assigned_identity_mistakes_are_named() {
    let (_, report) = verify_json(&example("broken-uami-principal-id"), &[]);
    let c = check(&report, "IAM-001");
    assert!(
        c["message"]
            .as_str()
            .unwrap()
            .contains("is the principalId (object id) of secureacr-identity, not its clientId")
    );
    assert!(
        c["remediation"]
            .as_str()
            .unwrap()
            .contains("5b7e9c1d-3f2a-4b6c-8d0e-1a2b3c4d5e6f"),
        "the fix names the clientId"
    );
    // A resource id in the field.
    let dir = mutated("healthy-user-identity", |d| {
        *at(
            d.get_mut("site-config-web.json").unwrap(),
            "properties.acrUserManagedIdentityID",
        ) = json!(
            "/subscriptions/6f1c9a3e-2b7d-4e5f-9a8b-1c2d3e4f5a6b/resourceGroups/secureacrsetup/providers/Microsoft.ManagedIdentity/userAssignedIdentities/secureacr-identity"
        );
    });
    let (_, report) = verify_json(dir.path(), &[]);
    assert!(
        check(&report, "IAM-001")["message"]
            .as_str()
            .unwrap()
            .contains("holds a resource id")
    );
}

#[test]
fn abac_registry_needs_repository_roles() {
    let (_, report) = verify_json(&example("broken-abac-with-acrpull"), &[]);
    let c = check(&report, "IAM-002");
    assert!(c["message"].as_str().unwrap().contains("ABAC"), "{c}");
    assert!(
        c["remediation"]
            .as_str()
            .unwrap()
            .contains("b93aa761-3e63-49ed-ac28-beffa264f7ac")
    );
    // Repository Reader with a condition covering the repository passes; another repository fails.
    for (repo, expected) in [("privatewebsite", "pass"), ("otherapp", "fail")] {
        let dir = mutated("broken-abac-with-acrpull", |d| {
            let ra = &mut d.get_mut("role-assignments.json").unwrap()["value"][0]["properties"];
            ra["roleDefinitionId"] = json!(
                "/subscriptions/6f1c9a3e-2b7d-4e5f-9a8b-1c2d3e4f5a6b/providers/Microsoft.Authorization/roleDefinitions/b93aa761-3e63-49ed-ac28-beffa264f7ac"
            );
            ra["condition"] = json!(format!(
                "((!(ActionMatches{{'Microsoft.ContainerRegistry/registries/repositories/content/read'}})) OR (@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringEqualsIgnoreCase '{repo}'))"
            ));
            ra["conditionVersion"] = json!("2.0");
        });
        let (_, report) = verify_json(dir.path(), &[]);
        assert_eq!(status(&report, "IAM-002"), expected, "condition for {repo}");
    }
}

#[test]
fn role_inherited_from_the_resource_group_counts() {
    let dir = mutated("healthy-system-identity", |d| {
        let ra = &mut d.get_mut("role-assignments.json").unwrap()["value"][0];
        ra["properties"]["scope"] = json!(
            "/subscriptions/6f1c9a3e-2b7d-4e5f-9a8b-1c2d3e4f5a6b/resourceGroups/SECUREACRSETUP"
        );
        ra["id"] = json!(
            "/subscriptions/6f1c9a3e-2b7d-4e5f-9a8b-1c2d3e4f5a6b/resourceGroups/SECUREACRSETUP/providers/Microsoft.Authorization/roleAssignments/3b9a1c2d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
        );
    });
    let (_, report) = verify_json(dir.path(), &[]);
    assert_eq!(status(&report, "IAM-002"), "pass");
    // A sibling resource group does not.
    let dir = mutated("healthy-system-identity", |d| {
        d.get_mut("role-assignments.json").unwrap()["value"][0]["properties"]["scope"] = json!(
            "/subscriptions/6f1c9a3e-2b7d-4e5f-9a8b-1c2d3e4f5a6b/resourceGroups/secureacrsetup2"
        );
    });
    let (_, report) = verify_json(dir.path(), &[]);
    assert_eq!(status(&report, "IAM-002"), "fail");
}

#[test]
fn nsg_rules_are_evaluated_by_priority() {
    // An allow rule at a lower priority number than the deny wins.
    let dir = mutated("broken-nsg-denies-443", |d| {
        d.get_mut("nsg.json").unwrap()["properties"]["securityRules"].as_array_mut().unwrap().push(json!({"name": "allow-endpoints", "properties": {
            "priority": 200, "direction": "Outbound", "access": "Allow", "protocol": "Tcp", "sourceAddressPrefix": "VirtualNetwork", "destinationAddressPrefixes": ["10.0.1.4", "10.0.1.5"], "destinationPortRange": "443"}}));
    });
    let (_, report) = verify_json(dir.path(), &[]);
    assert_eq!(status(&report, "NET-005"), "pass");
    // The endpoint-side NSG applies only when network policies are on.
    for (policies, expected) in [
        ("Disabled", "pass"),
        ("NetworkSecurityGroupEnabled", "fail"),
        ("Enabled", "fail"),
    ] {
        let dir = mutated("healthy-system-identity", |d| {
            let nsg = "/subscriptions/6f1c9a3e-2b7d-4e5f-9a8b-1c2d3e4f5a6b/resourceGroups/secureacrsetup/providers/Microsoft.Network/networkSecurityGroups/pe-nsg";
            let pe_subnet = &mut subnet(d, "private-endpoint-subnet")["properties"];
            pe_subnet["networkSecurityGroup"] = json!({"id": nsg});
            pe_subnet["privateEndpointNetworkPolicies"] = json!(policies);
            d.insert("pe-nsg.json".into(), json!({"id": nsg, "name": "pe-nsg", "type": "Microsoft.Network/networkSecurityGroups", "properties": {"securityRules": [
                {"name": "deny-all-in", "properties": {"priority": 100, "direction": "Inbound", "access": "Deny", "protocol": "*", "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "destinationPortRange": "*"}}]}}));
        });
        let (_, report) = verify_json(dir.path(), &[]);
        assert_eq!(
            status(&report, "NET-005"),
            expected,
            "endpoint network policies {policies}"
        );
    }
}

#[test]
fn missing_inputs_skip_with_a_reason() {
    let dir = mutated("healthy-system-identity", |d| {
        d.remove("role-assignments.json");
        d.remove("plan.json");
    });
    let (code, report) = verify_json(dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(status(&report, "IAM-002"), "skip");
    assert!(
        check(&report, "IAM-002")["message"]
            .as_str()
            .unwrap()
            .contains("no role assignments")
    );
    assert_eq!(status(&report, "APP-005"), "skip");
    assert!(
        check(&report, "APP-005")["message"]
            .as_str()
            .unwrap()
            .contains("App Service plan")
    );
}

#[test]
fn subnets_inside_the_vnet_document_and_standalone_agree() {
    // The integration subnet as its own document (as `az network vnet subnet show` returns it)
    // wins over the copy inside the VNet.
    let dir = mutated("healthy-system-identity", |d| {
        let mut standalone = subnet(d, "vnet-integration-subnet").clone();
        standalone["properties"]["delegations"] = json!([]);
        d.insert("integration-subnet.json".into(), standalone);
    });
    let (_, report) = verify_json(dir.path(), &[]);
    assert_eq!(status(&report, "NET-002"), "fail");
}

fn sidecar_app(main_auth: serde_json::Value, sidecar_image: &str) -> tempfile::TempDir {
    mutated("healthy-system-identity", |d| {
        *at(
            d.get_mut("site-config-web.json").unwrap(),
            "properties.linuxFxVersion",
        ) = json!("sitecontainers");
        let site = "/subscriptions/6f1c9a3e-2b7d-4e5f-9a8b-1c2d3e4f5a6b/resourceGroups/secureacrsetup/providers/Microsoft.Web/sites/secureacrweb2021";
        let mut main = json!({"id": format!("{site}/sitecontainers/main"), "name": "main", "type": "Microsoft.Web/sites/sitecontainers",
            "properties": {"image": "secureacr2021.azurecr.io/privatewebsite:lnx-v1", "isMain": true, "targetPort": "80"}});
        for (k, v) in main_auth.as_object().unwrap() {
            main["properties"][k] = v.clone();
        }
        d.insert("sitecontainers.json".into(), json!({"value": [main,
            {"id": format!("{site}/sitecontainers/monitor"), "name": "monitor", "type": "Microsoft.Web/sites/sitecontainers",
             "properties": {"image": sidecar_image, "isMain": false, "authType": "Anonymous"}}]}));
    })
}

#[test]
fn sidecar_containers_are_checked_each() {
    let dir = sidecar_app(
        json!({"authType": "SystemIdentity"}),
        "mcr.microsoft.com/dotnet/monitor:8",
    );
    let (code, report) = verify_json(dir.path(), &[]);
    assert_eq!(code, 0, "{report}");
    assert!(
        check(&report, "APP-002")["message"]
            .as_str()
            .unwrap()
            .contains("and 1 sidecar image(s)")
    );
    assert_eq!(
        check(&report, "IAM-001")["message"],
        "main: system-assigned identity"
    );
    assert_eq!(status(&report, "IAM-002"), "pass");
    assert_eq!(status(&report, "IAM-003"), "skip");
    // A sidecar image that does not parse fails APP-002, naming the sidecar.
    let dir = sidecar_app(
        json!({"authType": "SystemIdentity"}),
        "mcr.microsoft.com/Dotnet/Monitor:8",
    );
    let (_, report) = verify_json(dir.path(), &[]);
    assert_eq!(status(&report, "APP-002"), "fail");
    assert!(
        check(&report, "APP-002")["message"]
            .as_str()
            .unwrap()
            .contains("monitor `mcr.microsoft.com/Dotnet/Monitor:8`")
    );
    // UserAssigned without its client id fails the credential check.
    let dir = sidecar_app(
        json!({"authType": "UserAssigned"}),
        "mcr.microsoft.com/dotnet/monitor:8",
    );
    let (_, report) = verify_json(dir.path(), &[]);
    assert_eq!(status(&report, "APP-006"), "fail");
    assert!(
        check(&report, "APP-006")["message"]
            .as_str()
            .unwrap()
            .contains("main: authType UserAssigned without userManagedIdentityClientId")
    );
}

#[test]
fn retired_compose_still_yields_its_images() {
    use base64::Engine;
    let compose = base64::engine::general_purpose::STANDARD.encode("services:\n  web:\n    image: secureacr2021.azurecr.io/privatewebsite:lnx-v1\n  cache:\n    image: redis:7\n");
    let dir = mutated("healthy-system-identity", |d| {
        *at(
            d.get_mut("site-config-web.json").unwrap(),
            "properties.linuxFxVersion",
        ) = json!(format!("COMPOSE|{compose}"));
    });
    let (_, report) = verify_json(dir.path(), &[]);
    assert_eq!(status(&report, "APP-001"), "warn");
    assert_eq!(status(&report, "APP-002"), "pass");
    assert_eq!(
        report["target"]["image"],
        "secureacr2021.azurecr.io/privatewebsite:lnx-v1"
    );
}

#[test]
fn unreadable_documents_make_the_run_inconclusive() {
    let (code, report) = verify_json(&example("inconclusive-settings-forbidden"), &[]);
    assert_eq!(code, 3);
    assert_eq!(report["summary"]["verdict"], "inconclusive");
    let c = check(&report, "APP-006");
    assert_eq!(c["status"], "error");
    assert!(
        c["message"]
            .as_str()
            .unwrap()
            .contains("forbidden (needs Microsoft.Web/sites/config/list/action"),
        "{c}"
    );
    assert_eq!(check(&report, "IAM-001")["blocked_by"], json!(["APP-006"]));
}
