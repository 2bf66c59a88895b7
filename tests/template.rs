//! `verify --template`: the bundled ARM templates alone and over an existing environment,
//! broken variants failing on the check they break, deferred values never failing, the
//! `languageVersion 2.0` and nested-deployment forms giving the same verdicts, and bad
//! templates exiting 2 with the file and JSON path.

mod common;

use std::path::{Path, PathBuf};

use common::{check, message, pullpath, root, status, statuses};
use serde_json::{Value, json};

const SUBSCRIPTION: &str = "6f1c9a3e-2b7d-4e5f-9a8b-1c2d3e4f5a6b";
const PLANTED: &str = "pullpath-planted-literal-Kx7#template";

fn template_path(name: &str) -> PathBuf {
    root().join("examples/templates").join(name)
}

fn load(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(template_path(name)).unwrap()).unwrap()
}

fn write(dir: &Path, name: &str, value: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
    path
}

/// `verify --template T --parameters P` into a new resource group, as JSON.
fn verify(template: &Path, parameters: Option<&Path>, extra: &[&str]) -> (i32, Value, String) {
    let mut command = pullpath();
    command.arg("verify").arg("--template").arg(template).args([
        "--subscription",
        SUBSCRIPTION,
        "-g",
        "secureacrsetup",
        "--location",
        "westcentralus",
        "-o",
        "json",
    ]);
    if let Some(p) = parameters {
        command.arg("--parameters").arg(p);
    }
    let output = command.args(extra).output().unwrap();
    let text = common::all_output(&output);
    let report = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (output.status.code().unwrap_or(-1), report, text)
}

/// `verify --snapshot examples/<example> --template T`, as JSON.
fn verify_over(example: &str, template: &Path) -> (i32, Value, String) {
    let output = pullpath()
        .args(["verify", "--snapshot"])
        .arg(common::example(example))
        .arg("--template")
        .arg(template)
        .args(["-o", "json"])
        .output()
        .unwrap();
    let text = common::all_output(&output);
    let report = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (output.status.code().unwrap_or(-1), report, text)
}

fn resource<'a>(template: &'a mut Value, kind: &str) -> &'a mut Value {
    template["resources"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["type"] == kind)
        .unwrap()
}

#[test]
fn the_bundled_templates_pass_with_deferred_values_and_no_false_failure() {
    for name in ["user-assigned-identity", "credentials"] {
        let (code, report, text) = verify(
            &template_path(&format!("{name}.json")),
            Some(&template_path(&format!("{name}.parameters.json"))),
            &[],
        );
        assert_eq!(code, 0, "{name}: {text}");
        assert_eq!(report["source"]["kind"], "template");
        assert_eq!(check(&report, "APP-001")["rests_on"], json!(["planned"]));
        // The endpoint the template creates gets its addresses at deployment.
        assert_eq!(status(&report, "DNS-003"), "skip");
        assert!(message(&report, "DNS-003").contains("(known after deployment)"));
        assert!(
            check(&report, "DNS-003")["rests_on"]
                .as_array()
                .unwrap()
                .contains(&json!("deferred"))
        );
        assert_eq!(status(&report, "TPL-002"), "pass");
        assert_eq!(status(&report, "TPL-003"), "pass");
    }
    // The identity's clientId is known only after deployment, yet IAM-001 resolves it.
    let (_, report, _) = verify(
        &template_path("user-assigned-identity.json"),
        Some(&template_path("user-assigned-identity.parameters.json")),
        &[],
    );
    assert_eq!(status(&report, "IAM-001"), "pass");
    assert_eq!(
        status(&report, "IAM-002"),
        "pass",
        "{}",
        message(&report, "IAM-002")
    );
}

#[test]
fn a_principal_id_for_acr_user_managed_identity_id_fails() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = load("user-assigned-identity.json");
    let site = resource(&mut t, "Microsoft.Web/sites");
    site["properties"]["siteConfig"]["acrUserManagedIdentityID"] = json!(
        "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', parameters('identityName')), '2023-01-31').principalId]"
    );
    let path = write(dir.path(), "t.json", &t);
    let (code, report, text) = verify(
        &path,
        Some(&template_path("user-assigned-identity.parameters.json")),
        &[],
    );
    assert_eq!(code, 1, "{text}");
    assert_eq!(status(&report, "TPL-003"), "fail");
    assert!(message(&report, "TPL-003").contains("principalId"));
    assert_eq!(
        check(&report, "TPL-003")["evidence"][0]["path"],
        "resources[9].properties.siteConfig.acrUserManagedIdentityID"
    );
    assert_eq!(
        status(&report, "IAM-001"),
        "fail",
        "the deployed-state check agrees"
    );
}

#[test]
fn a_literal_password_fails_and_is_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = load("credentials.json");
    let site = resource(&mut t, "Microsoft.Web/sites");
    for setting in site["properties"]["siteConfig"]["appSettings"]
        .as_array_mut()
        .unwrap()
    {
        if setting["name"] == "DOCKER_REGISTRY_SERVER_PASSWORD" {
            setting["value"] = json!(PLANTED);
        }
    }
    let path = write(dir.path(), "t.json", &t);
    for format in ["json", "table", "sarif", "junit", "markdown", "github"] {
        let output = pullpath()
            .arg("verify")
            .arg("--template")
            .arg(&path)
            .arg("--parameters")
            .arg(template_path("credentials.parameters.json"))
            .args([
                "--subscription",
                SUBSCRIPTION,
                "-g",
                "secureacrsetup",
                "--location",
                "westcentralus",
                "-o",
                format,
            ])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{format}");
        assert!(
            !common::all_output(&output).contains(PLANTED),
            "{format} shows the password"
        );
    }
    let (_, report, _) = verify(
        &path,
        Some(&template_path("credentials.parameters.json")),
        &[],
    );
    assert_eq!(status(&report, "TPL-002"), "fail");
    assert_eq!(
        check(&report, "TPL-002")["evidence"][0]["path"],
        "resources[7].properties.siteConfig.appSettings[2].value"
    );
}

/// The user-assigned template switched to the site's system-assigned identity.
fn system_assigned(with_role: bool) -> Value {
    let mut t = load("user-assigned-identity.json");
    let site = resource(&mut t, "Microsoft.Web/sites");
    site["identity"] = json!({"type": "SystemAssigned"});
    site["properties"]["siteConfig"]
        .as_object_mut()
        .unwrap()
        .remove("acrUserManagedIdentityID");
    let role = resource(&mut t, "Microsoft.Authorization/roleAssignments");
    if with_role {
        role["properties"]["principalId"] = json!(
            "[reference(resourceId('Microsoft.Web/sites', parameters('webAppName')), '2024-11-01', 'full').identity.principalId]"
        );
    } else {
        role["condition"] = json!(false);
    }
    t
}

#[test]
fn a_new_system_assigned_identity_cannot_pull_on_first_start() {
    let dir = tempfile::tempdir().unwrap();
    let params = template_path("user-assigned-identity.parameters.json");
    let path = write(dir.path(), "none.json", &system_assigned(false));
    let (code, report, text) = verify(&path, Some(&params), &[]);
    assert_eq!(code, 1, "{text}");
    assert_eq!(status(&report, "TPL-001"), "fail");
    assert!(message(&report, "TPL-001").contains("no role assignment in it grants AcrPull"));

    // A new user-assigned identity without its grant fails the same way; with it, it passes.
    let mut t = load("user-assigned-identity.json");
    resource(&mut t, "Microsoft.Authorization/roleAssignments")["condition"] = json!(false);
    let path = write(dir.path(), "uami-none.json", &t);
    let (_, report, _) = verify(&path, Some(&params), &[]);
    assert_eq!(
        status(&report, "TPL-001"),
        "fail",
        "{}",
        message(&report, "TPL-001")
    );
    let (_, report, _) = verify(
        &template_path("user-assigned-identity.json"),
        Some(&params),
        &[],
    );
    assert_eq!(
        status(&report, "TPL-001"),
        "pass",
        "{}",
        message(&report, "TPL-001")
    );

    let path = write(dir.path(), "granted.json", &system_assigned(true));
    let (_, report, _) = verify(&path, Some(&params), &[]);
    assert_eq!(
        status(&report, "TPL-001"),
        "warn",
        "{}",
        message(&report, "TPL-001")
    );
    assert_eq!(
        status(&report, "IAM-002"),
        "pass",
        "the deferred principal matches its role assignment"
    );
}

#[test]
fn a_template_over_an_existing_environment_rests_on_both() {
    // Redeploy the integration subnet without its delegation over the seed deployment.
    let dir = tempfile::tempdir().unwrap();
    let t = json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"vnetName": {"type": "string", "defaultValue": "secureacr-vnet"}},
        "resources": [{
            "type": "Microsoft.Network/virtualNetworks/subnets",
            "apiVersion": "2024-05-01",
            "name": "[concat(parameters('vnetName'), '/vnet-integration-subnet')]",
            "properties": {"addressPrefix": "10.0.0.0/24"}
        }]
    });
    let path = write(dir.path(), "subnet.json", &t);
    let (code, report, text) = verify_over("healthy-system-identity", &path);
    assert_eq!(code, 1, "{text}");
    assert_eq!(common::roots(&report), ["NET-002"]);
    assert!(
        check(&report, "NET-002")["rests_on"]
            .as_array()
            .unwrap()
            .contains(&json!("planned"))
    );
    assert_eq!(check(&report, "REG-002")["rests_on"], json!(["existing"]));
    assert!(
        report["source"]["path"]
            .as_str()
            .unwrap()
            .contains("over examples/healthy-system-identity")
    );
}

#[test]
fn reference_to_an_existing_identity_resolves_from_the_environment() {
    // A template that only grants the existing user-assigned identity AcrPull again, by
    // reference(): its principalId comes from the snapshot.
    let dir = tempfile::tempdir().unwrap();
    let t = json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "variables": {"identity": "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'secureacr-identity')]"},
        "resources": [{
            "type": "Microsoft.Authorization/roleAssignments",
            "apiVersion": "2022-04-01",
            "name": "[guid(variables('identity'), 'again')]",
            "scope": "[format('Microsoft.ContainerRegistry/registries/{0}', 'secureacr2021')]",
            "properties": {
                "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '7f951dda-4ed3-4680-a7ca-43fe172d538d')]",
                "principalId": "[reference(variables('identity'), '2023-01-31').principalId]"
            }
        }]
    });
    let path = write(dir.path(), "grant.json", &t);
    let (code, report, text) = verify_over("healthy-user-identity", &path);
    assert_eq!(code, 0, "{text}");
    assert_eq!(status(&report, "IAM-002"), "pass");
}

/// The classic template rewritten as Bicep emits it: symbolic names, `languageVersion 2.0`.
fn symbolic(mut t: Value) -> Value {
    let resources = t["resources"].as_array().unwrap().clone();
    let mut map = serde_json::Map::new();
    for (i, r) in resources.into_iter().enumerate() {
        map.insert(format!("r{i}"), r);
    }
    t["resources"] = Value::Object(map);
    t["languageVersion"] = json!("2.0");
    t
}

#[test]
fn language_version_2_and_nested_deployments_give_the_same_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let params = template_path("user-assigned-identity.parameters.json");
    let (_, classic, _) = verify(
        &template_path("user-assigned-identity.json"),
        Some(&params),
        &[],
    );
    let path = write(
        dir.path(),
        "v2.json",
        &symbolic(load("user-assigned-identity.json")),
    );
    let (code, v2, text) = verify(&path, Some(&params), &[]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(statuses(&v2), statuses(&classic));

    // The role assignment moved into an inline nested deployment with inner scope.
    let mut t = load("user-assigned-identity.json");
    let resources = t["resources"].as_array_mut().unwrap();
    let at = resources
        .iter()
        .position(|r| r["type"] == "Microsoft.Authorization/roleAssignments")
        .unwrap();
    let mut role = resources.remove(at);
    role["name"] = json!("[guid('nested')]");
    role["scope"] =
        json!("[format('Microsoft.ContainerRegistry/registries/{0}', parameters('registryName'))]");
    role["properties"]["principalId"] = json!("[parameters('principalId')]");
    // An inner-scope template sees only its own parameters and variables.
    role["properties"]["roleDefinitionId"] = json!(
        "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '7f951dda-4ed3-4680-a7ca-43fe172d538d')]"
    );
    resources.push(json!({
        "type": "Microsoft.Resources/deployments",
        "apiVersion": "2022-09-01",
        "name": "grant-acrpull",
        "properties": {
            "mode": "Incremental",
            "expressionEvaluationOptions": {"scope": "inner"},
            "parameters": {
                "registryName": {"value": "[parameters('registryName')]"},
                "principalId": {"value": "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', parameters('identityName')), '2023-01-31').principalId]"}
            },
            "template": {
                "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "contentVersion": "1.0.0.0",
                "parameters": {"registryName": {"type": "string"}, "principalId": {"type": "string"}},
                "resources": [role]
            }
        }
    }));
    let path = write(dir.path(), "nested.json", &t);
    let (code, nested, text) = verify(&path, Some(&params), &[]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(
        status(&nested, "IAM-002"),
        "pass",
        "{}",
        message(&nested, "IAM-002")
    );
}

#[test]
fn copy_loops_expand() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = load("user-assigned-identity.json");
    let role = resource(&mut t, "Microsoft.Authorization/roleAssignments");
    role["copy"] = json!({"name": "grants", "count": 2});
    role["name"] = json!("[guid(parameters('identityName'), string(copyIndex('grants')))]");
    let path = write(dir.path(), "copy.json", &t);
    let (code, report, text) = verify(
        &path,
        Some(&template_path("user-assigned-identity.parameters.json")),
        &[],
    );
    assert_eq!(code, 0, "{text}");
    assert_eq!(
        report["source"]["documents"].as_u64().unwrap(),
        15,
        "one more role assignment"
    );
}

fn bad(t: &Value, parameters: Option<&Value>) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bad.json", t);
    let params = parameters.map(|p| write(dir.path(), "bad.parameters.json", p));
    let (code, _, text) = verify(&path, params.as_deref(), &[]);
    assert_eq!(code, 2, "{text}");
    assert!(!text.contains("panicked"), "{text}");
    text
}

#[test]
fn bad_templates_exit_2_with_the_file_and_json_path() {
    let mut t = load("user-assigned-identity.json");
    resource(&mut t, "Microsoft.Web/sites")["location"] =
        json!("[pickZones('Microsoft.Web', 'sites', 'westus')]");
    let text = bad(
        &t,
        None.or(Some(&load("user-assigned-identity.parameters.json"))),
    );
    assert!(
        text.contains("resources[9].location")
            && text.contains("unsupported template function `pickZones`"),
        "{text}"
    );

    let mut t = load("user-assigned-identity.json");
    t["variables"]["a"] = json!("[variables('b')]");
    t["variables"]["b"] = json!("[variables('a')]");
    resource(&mut t, "Microsoft.Web/sites")["location"] = json!("[variables('a')]");
    let text = bad(&t, Some(&load("user-assigned-identity.parameters.json")));
    assert!(text.contains("circular variables: a → b → a"), "{text}");

    let mut t = load("user-assigned-identity.json");
    t["parameters"]["webAppName"]
        .as_object_mut()
        .unwrap()
        .remove("defaultValue");
    let text = bad(&t, Some(&json!({"parameters": {}})));
    assert!(
        text.contains("parameters.webAppName") && text.contains("has no default value"),
        "{text}"
    );

    let t = load("user-assigned-identity.json");
    let text = bad(
        &t,
        Some(&json!({"parameters": {"webAppName": {"value": 5}}})),
    );
    assert!(
        text.contains("parameters.webAppName.value")
            && text.contains("declared string, but the value is a number"),
        "{text}"
    );

    let text = bad(&json!({"resources": []}), None);
    assert!(text.contains("not an ARM template"), "{text}");

    let dir = tempfile::tempdir().unwrap();
    let bicep = dir.path().join("main.bicep");
    std::fs::write(&bicep, "resource x 'y' = {}").unwrap();
    let (code, _, text) = verify(&bicep, None, &[]);
    assert_eq!(code, 2);
    assert!(text.contains("bicep build"), "{text}");
}

#[test]
fn the_bundled_language_version_2_template_passes() {
    let (code, report, text) = verify(
        &template_path("user-assigned-identity.v2.json"),
        Some(&template_path("user-assigned-identity.parameters.json")),
        &[],
    );
    assert_eq!(code, 0, "{text}");
    assert_eq!(status(&report, "IAM-002"), "pass");
}

fn verify_plan(plan: &Path, extra: &[&str]) -> (i32, Value, String) {
    let output = pullpath()
        .arg("verify")
        .arg("--terraform-plan")
        .arg(plan)
        .args(["--subscription", SUBSCRIPTION, "-o", "json"])
        .args(extra)
        .output()
        .unwrap();
    let text = common::all_output(&output);
    let report = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (output.status.code().unwrap_or(-1), report, text)
}

#[test]
fn the_bundled_terraform_plan_passes_and_its_broken_variant_fails() {
    let (code, report, text) = verify_plan(&template_path("terraform-plan.json"), &[]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(report["source"]["kind"], "terraform-plan");
    // Ids known after apply are computed from the references; identities stay deferred.
    assert_eq!(status(&report, "APP-003"), "pass");
    assert_eq!(status(&report, "NET-002"), "pass");
    assert_eq!(status(&report, "IAM-001"), "pass");
    assert_eq!(
        status(&report, "IAM-002"),
        "pass",
        "{}",
        message(&report, "IAM-002")
    );
    assert_eq!(status(&report, "DNS-005"), "pass");

    let (code, report, _) = verify_plan(
        &template_path("terraform-plan-broken-principal-id.json"),
        &[],
    );
    assert_eq!(code, 1);
    assert_eq!(common::roots(&report), ["IAM-001", "TPL-003"]);
    assert!(
        message(&report, "IAM-001")
            .contains("(known after deployment: the principalId of secureacr-identity)")
    );
}

#[test]
fn a_terraform_plan_over_an_existing_identity_uses_its_real_ids() {
    let (code, report, text) = verify_plan(
        &template_path("terraform-plan.json"),
        &[
            "--snapshot",
            common::example("healthy-user-identity").to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{text}");
    let iam = check(&report, "IAM-001");
    assert!(
        !iam["rests_on"]
            .as_array()
            .unwrap()
            .contains(&json!("deferred")),
        "{iam}"
    );
}

#[test]
fn a_literal_password_in_a_terraform_plan_fails() {
    let dir = tempfile::tempdir().unwrap();
    let mut plan = load("terraform-plan.json");
    let web = plan["configuration"]["root_module"]["resources"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["type"] == "azurerm_linux_web_app")
        .unwrap();
    web["expressions"]["site_config"][0]["application_stack"][0]["docker_registry_password"] =
        json!({"constant_value": PLANTED});
    let path = write(dir.path(), "plan.json", &plan);
    let (code, report, text) = verify_plan(&path, &[]);
    assert_eq!(code, 1, "{text}");
    assert_eq!(status(&report, "TPL-002"), "fail");
    assert!(!text.contains(PLANTED));

    let path = write(dir.path(), "not-a-plan.json", &json!({"resources": []}));
    let (code, _, text) = verify_plan(&path, &[]);
    assert_eq!(code, 2);
    assert!(text.contains("terraform show -json"), "{text}");
}

/// What a user sees for a broken plan and a broken template: root causes, evidence in words,
/// the fix.
#[test]
fn cli_snapshots_of_template_runs() {
    let output = pullpath()
        .args([
            "verify",
            "--terraform-plan",
            "examples/templates/terraform-plan-broken-principal-id.json",
        ])
        .args(["--subscription", SUBSCRIPTION])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(
        "terraform_plan_broken_principal_id",
        common::scrub(&String::from_utf8_lossy(&output.stdout))
    );

    let output = pullpath()
        .args(["verify", "--snapshot", "examples/healthy-system-identity"])
        .args([
            "--template",
            "examples/templates/user-assigned-identity.v2.json",
        ])
        .args([
            "--parameters",
            "examples/templates/user-assigned-identity.parameters.json",
            "-o",
            "markdown",
        ])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        common::all_output(&output)
    );
    insta::assert_snapshot!(
        "template_over_snapshot_markdown",
        common::scrub(&String::from_utf8_lossy(&output.stdout))
    );
}

/// Every line of examples/templates/expected.txt: the template (or plan), alone or over its
/// environment, exits as written with the named check first among the root causes.
#[test]
fn every_bundled_template_gives_its_expected_verdict() {
    let expected = std::fs::read_to_string(root().join("examples/templates/expected.txt")).unwrap();
    let mut seen = 0;
    for line in expected
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [file, parameters, environment, code, cause] = parts[..] else {
            panic!("bad line: {line}");
        };
        let mut command = pullpath();
        command.arg("verify");
        if file.starts_with("terraform") {
            command.arg("--terraform-plan");
        } else {
            command.arg("--template");
        }
        command.arg(format!("examples/templates/{file}"));
        if parameters != "-" {
            command
                .arg("--parameters")
                .arg(format!("examples/templates/{parameters}"));
        }
        if environment == "-" {
            command.args(["--subscription", SUBSCRIPTION]);
            if !file.starts_with("terraform") {
                command.args(["-g", "secureacrsetup", "--location", "westcentralus"]);
            }
        } else {
            command.args(["--snapshot", environment]);
        }
        let output = command.args(["-o", "json"]).output().unwrap();
        let report: Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|_| panic!("{line}: {}", common::all_output(&output)));
        assert_eq!(output.status.code().unwrap().to_string(), code, "{line}");
        let first = common::roots(&report)
            .first()
            .cloned()
            .unwrap_or_else(|| "-".into());
        assert_eq!(first, cause, "{line}");
        seen += 1;
    }
    assert!(seen >= 12);
}

#[test]
fn a_role_assignment_for_a_new_identity_without_principal_type_warns() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = load("user-assigned-identity.json");
    resource(&mut t, "Microsoft.Authorization/roleAssignments")["properties"]
        .as_object_mut()
        .unwrap()
        .remove("principalType");
    let path = write(dir.path(), "t.json", &t);
    let params = template_path("user-assigned-identity.parameters.json");
    let (code, report, _) = verify(&path, Some(&params), &[]);
    assert_eq!(code, 0, "a warning");
    assert_eq!(status(&report, "TPL-004"), "warn");
    assert!(message(&report, "TPL-004").contains("PrincipalNotFound"));
    let (code, _, _) = verify(&path, Some(&params), &["--fail-on", "warn"]);
    assert_eq!(code, 1, "a gate with --fail-on warn stops it");
}

#[path = "common/fake_arm.rs"]
mod fake_arm;

/// Live ARM holds the environment but not the app yet: the walk starts from the site the
/// template plans, reads what it will use, and the verdict rests on both.
#[test]
fn a_template_over_live_arm_for_an_app_that_does_not_exist_yet() {
    let env = common::mutated("healthy-user-identity", |docs| {
        docs.retain(|name, _| {
            !["site.json", "site-config-web.json", "app-settings.json"].contains(&name.as_str())
        });
    });
    assert!(
        !env.path().join("site.json").exists(),
        "the app is not deployed"
    );
    let fake = fake_arm::FakeArm::start(env.path(), fake_arm::Faults::default());
    let output = pullpath()
        .env("IDENTITY_ENDPOINT", fake.msi_endpoint())
        .env("IDENTITY_HEADER", fake_arm::IDENTITY_HEADER)
        .env_remove("AZURE_CLIENT_SECRET")
        .env_remove("AZURE_FEDERATED_TOKEN_FILE")
        .arg("verify")
        .args(fake_arm::SEED_APP)
        .args(["--arm-endpoint", &fake.base, "--quiet"])
        .arg("--template")
        .arg(template_path("user-assigned-identity.json"))
        .arg("--parameters")
        .arg(template_path("user-assigned-identity.parameters.json"))
        .args(["-o", "json"])
        .output()
        .unwrap();
    let text = common::all_output(&output);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| panic!("{text}"));
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert_eq!(report["source"]["kind"], "arm");
    // The existing NIC gives the endpoint's real address.
    assert_eq!(
        status(&report, "DNS-003"),
        "pass",
        "{}",
        message(&report, "DNS-003")
    );
    assert_eq!(
        status(&report, "IAM-002"),
        "pass",
        "{}",
        message(&report, "IAM-002")
    );
    assert!(
        check(&report, "APP-001")["rests_on"]
            .as_array()
            .unwrap()
            .contains(&json!("planned"))
    );
}

/// The same plan with everything inside `module "app"`: addresses carry the module, the
/// configuration's references do not.
#[test]
fn a_terraform_plan_inside_a_module_gives_the_same_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let mut plan = load("terraform-plan.json");
    for change in plan["resource_changes"].as_array_mut().unwrap() {
        let address = change["address"].as_str().unwrap().to_string();
        change["address"] = json!(format!("module.app.{address}"));
        change["module_address"] = json!("module.app");
    }
    let resources = plan["configuration"]["root_module"]["resources"].take();
    plan["configuration"]["root_module"] = json!({
        "module_calls": {"app": {"source": "./app", "module": {"resources": resources}}}
    });
    let path = write(dir.path(), "module.json", &plan);
    let (code, report, text) = verify_plan(&path, &[]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(status(&report, "APP-003"), "pass");
    assert_eq!(
        status(&report, "IAM-002"),
        "pass",
        "{}",
        message(&report, "IAM-002")
    );
}

/// A configuration expression that refers to `address`'s id, as Terraform writes it.
fn refs(address: &str) -> Value {
    json!({"references": [format!("{address}.id"), address]})
}

/// Adds resources (type, name, after, after_unknown, expressions) to a plan.
fn add_to_plan(plan: &mut Value, added: &[(&str, &str, Value, Value, Value)]) {
    for (kind, name, after, unknown, expressions) in added {
        let address = format!("{kind}.{name}");
        plan["resource_changes"].as_array_mut().unwrap().push(json!({
            "address": address, "mode": "managed", "type": kind, "name": name,
            "change": {"actions": ["create"], "before": null, "after": after, "after_unknown": unknown}
        }));
        plan["configuration"]["root_module"]["resources"].as_array_mut().unwrap().push(json!({
            "address": address, "mode": "managed", "type": kind, "name": name, "expressions": expressions
        }));
    }
}

#[test]
fn a_terraform_plan_with_an_nsg_and_a_route_table_on_the_integration_subnet() {
    let dir = tempfile::tempdir().unwrap();
    let mut plan = load("terraform-plan.json");
    let rg = json!("secureacrsetup");
    add_to_plan(
        &mut plan,
        &[
            (
                "azurerm_network_security_group",
                "app",
                json!({
                    "name": "app-nsg", "resource_group_name": rg, "location": "westcentralus",
                    "security_rule": [{"name": "deny-registry", "priority": 100, "direction": "Outbound", "access": "Deny",
                        "protocol": "Tcp", "source_port_range": "*", "destination_port_range": "443",
                        "source_address_prefix": "*", "destination_address_prefix": "10.0.1.0/24"}]
                }),
                json!({"id": true}),
                json!({}),
            ),
            (
                "azurerm_subnet_network_security_group_association",
                "app",
                json!({}),
                json!({"id": true, "subnet_id": true, "network_security_group_id": true}),
                json!({"subnet_id": refs("azurerm_subnet.integration"),
                "network_security_group_id": refs("azurerm_network_security_group.app")}),
            ),
            (
                "azurerm_route_table",
                "app",
                json!({
                    "name": "app-routes", "resource_group_name": rg, "location": "westcentralus",
                    "route": [{"name": "all-to-firewall", "address_prefix": "0.0.0.0/0", "next_hop_type": "VirtualAppliance", "next_hop_in_ip_address": "10.0.2.4"}]
                }),
                json!({"id": true}),
                json!({}),
            ),
            (
                "azurerm_subnet_route_table_association",
                "app",
                json!({}),
                json!({"id": true, "subnet_id": true, "route_table_id": true}),
                json!({"subnet_id": refs("azurerm_subnet.integration"),
                "route_table_id": refs("azurerm_route_table.app")}),
            ),
        ],
    );
    let path = write(dir.path(), "plan.json", &plan);
    let (code, report, text) = verify_plan(&path, &[]);
    assert_eq!(code, 1, "{text}");
    assert_eq!(
        status(&report, "NET-005"),
        "fail",
        "{}",
        message(&report, "NET-005")
    );
    assert!(
        message(&report, "NET-005").contains("deny-registry"),
        "{}",
        message(&report, "NET-005")
    );
    // The route table is associated; the endpoint's injected /32 route still wins over the
    // default route to the firewall.
    assert!(
        message(&report, "NET-006").contains("app-routes"),
        "{}",
        message(&report, "NET-006")
    );
}

#[test]
fn a_swift_connection_gives_the_app_its_integration_subnet() {
    let dir = tempfile::tempdir().unwrap();
    let mut plan = load("terraform-plan.json");
    // The app without virtual_network_subnet_id, joined by the older resource instead.
    for change in plan["resource_changes"].as_array_mut().unwrap() {
        if change["type"] == "azurerm_linux_web_app" {
            change["change"]["after_unknown"]
                .as_object_mut()
                .unwrap()
                .remove("virtual_network_subnet_id");
        }
    }
    for r in plan["configuration"]["root_module"]["resources"]
        .as_array_mut()
        .unwrap()
    {
        if r["type"] == "azurerm_linux_web_app" {
            r["expressions"]
                .as_object_mut()
                .unwrap()
                .remove("virtual_network_subnet_id");
        }
    }
    let path = write(dir.path(), "no-subnet.json", &plan);
    let (code, report, _) = verify_plan(&path, &[]);
    assert_eq!(code, 1);
    assert_eq!(common::roots(&report), ["APP-003"]);
    add_to_plan(
        &mut plan,
        &[(
            "azurerm_app_service_virtual_network_swift_connection",
            "web",
            json!({}),
            json!({"id": true, "app_service_id": true, "subnet_id": true}),
            json!({"app_service_id": refs("azurerm_linux_web_app.web"),
               "subnet_id": refs("azurerm_subnet.integration")}),
        )],
    );
    let path = write(dir.path(), "swift.json", &plan);
    let (code, report, text) = verify_plan(&path, &[]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(status(&report, "APP-003"), "pass");
}
