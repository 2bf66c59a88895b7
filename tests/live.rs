//! Live mode against the fake ARM on loopback: the same verdicts as the snapshot, read-only,
//! each document once, resilient to throttling and server errors, bounded by the deadline,
//! forbidden reads reported with the permission, tokens in no output; and `pullpath snapshot`
//! round-trips.

mod common;
#[path = "common/fake_arm.rs"]
mod fake_arm;

use std::time::{Duration, Instant};

use common::*;
use fake_arm::{FakeArm, Faults, IDENTITY_HEADER, SEED_APP, issued_token};
use serde_json::Value;

const SUBSCRIPTION: &str = "6f1c9a3e-2b7d-4e5f-9a8b-1c2d3e4f5a6b";

/// `pullpath SUBCOMMAND` as a managed identity would run it, pointed at the fake.
fn live_cmd(fake: &FakeArm, subcommand: &str) -> assert_cmd::Command {
    let mut cmd = pullpath();
    cmd.env("IDENTITY_ENDPOINT", fake.msi_endpoint())
        .env("IDENTITY_HEADER", IDENTITY_HEADER)
        .env_remove("AZURE_CLIENT_SECRET")
        .env_remove("AZURE_FEDERATED_TOKEN_FILE")
        .arg(subcommand)
        .args(SEED_APP)
        .args(["--arm-endpoint", &fake.base]);
    cmd
}

fn live_verify(fake: &FakeArm, extra: &[&str]) -> (i32, Value, String) {
    let output = live_cmd(fake, "verify")
        .args(["--quiet", "-o", "json"])
        .args(extra)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    let report = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not a report ({e}): {stdout}\n{stderr}"));
    (output.status.code().unwrap(), report, stderr)
}

/// Only reads, and each document at most once.
fn assert_read_only_and_once(fake: &FakeArm) {
    let mut seen = std::collections::HashSet::new();
    for (method, path) in fake.log() {
        if path.starts_with("/msi/") {
            continue;
        }
        let bare = path
            .split("?api-version")
            .next()
            .unwrap()
            .to_ascii_lowercase();
        match method.as_str() {
            "GET" => {}
            "POST" => assert!(
                bare.ends_with("/config/appsettings/list")
                    || bare == "/providers/microsoft.resourcegraph/resources",
                "a POST that is not a read action: {path}"
            ),
            other => panic!("{other} {path}: only GET and the documented read POSTs are allowed"),
        }
        if method == "GET" {
            assert!(
                seen.insert(path.to_ascii_lowercase()),
                "fetched twice: {path}"
            );
        }
    }
}

#[test]
fn live_verdicts_equal_snapshot_verdicts_for_every_example() {
    for (name, code, root) in expected_examples() {
        let fake = FakeArm::start(&example(&name), Faults::default());
        let (live_code, live_report, stderr) = live_verify(&fake, &[]);
        let (snapshot_code, snapshot_report) = verify_json(&example(&name), &[]);
        assert_eq!(live_code, code, "{name}: {stderr}");
        assert_eq!(snapshot_code, code);
        assert_eq!(
            statuses(&live_report),
            statuses(&snapshot_report),
            "{name}: live and snapshot differ"
        );
        assert_eq!(
            live_report["root_causes"], snapshot_report["root_causes"],
            "{name}"
        );
        if let Some(root) = root {
            assert_eq!(live_report["root_causes"][0], root.as_str());
        }
        assert_eq!(live_report["source"]["kind"], "arm");
        assert!(
            live_report["identity"]
                .as_str()
                .unwrap()
                .starts_with("managed-identity: appid 11112222-3333-4444-5555-666677778888"),
            "{}",
            live_report["identity"]
        );
        assert_read_only_and_once(&fake);
    }
}

#[test]
fn throttling_server_errors_and_a_stale_token_change_nothing() {
    let faults = Faults {
        throttle_once: vec![
            "/providers/microsoft.containerregistry/registries/secureacr2021".into(),
            "/privatednszones/privatelink.azurecr.io/a".into(),
        ],
        error_once: vec![
            "/config/web".into(),
            "/virtualnetworks/secureacr-vnet".into(),
        ],
        unauthorized_once: true,
        ..Default::default()
    };
    let fake = FakeArm::start(&example("broken-stale-login-record"), faults);
    let (code, report, stderr) = live_verify(&fake, &["-v"]);
    let (_, snapshot) = verify_json(&example("broken-stale-login-record"), &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(statuses(&report), statuses(&snapshot));
    let log = fake.log();
    assert!(
        log.iter()
            .filter(|(_, p)| p.contains("/config/web"))
            .count()
            >= 2,
        "the 500 was retried"
    );
    assert!(
        stderr.contains(" 429 ") && stderr.contains(" 500 "),
        "-v logs each request with its status: {stderr}"
    );
    assert!(
        !stderr.to_ascii_lowercase().contains("authorization:"),
        "headers are never logged"
    );
}

#[test]
fn a_black_holed_registry_is_an_error_on_time() {
    let faults = Faults {
        blackhole: vec!["/providers/microsoft.containerregistry/registries/secureacr2021".into()],
        ..Default::default()
    };
    let fake = FakeArm::start(&example("healthy-system-identity"), faults);
    let started = Instant::now();
    let (code, report, stderr) = live_verify(&fake, &["--timeout", "3"]);
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(8),
        "bounded by --timeout: {took:?}"
    );
    assert_eq!(
        code, 3,
        "nothing failed but the registry could not be read: inconclusive. {stderr}"
    );
    assert_eq!(report["summary"]["verdict"], "inconclusive");
    {
        let id = "REG-001";
        let c = check(&report, id);
        assert_eq!(c["status"], "error", "{c}");
        assert!(c["message"].as_str().unwrap().contains("timed out"));
    }
}

#[test]
fn forbidden_app_settings_name_the_permission() {
    let faults = Faults {
        forbidden: vec!["/config/appsettings/list".into()],
        ..Default::default()
    };
    let fake = FakeArm::start(&example("healthy-system-identity"), faults);
    let (code, report, _) = live_verify(&fake, &[]);
    assert_eq!(code, 3);
    let c = check(&report, "APP-006");
    assert_eq!(c["status"], "error");
    assert!(
        c["message"]
            .as_str()
            .unwrap()
            .contains("forbidden (needs Microsoft.Web/sites/config/list/action on /subscriptions/"),
        "{c}"
    );
}

#[test]
fn tokens_appear_in_no_output() {
    let fake = FakeArm::start(&example("healthy-admin-credentials"), Faults::default());
    let token = issued_token();
    let signature = token.rsplit('.').next().unwrap().to_string();
    for format in ["table", "json", "junit", "sarif", "markdown", "github"] {
        let output = live_cmd(&fake, "verify")
            .args(["-v", "-o", format])
            .output()
            .unwrap();
        let all = all_output(&output);
        assert!(
            !all.contains(&token) && !all.contains(&signature),
            "the token leaks in {format}"
        );
        assert!(
            !all.contains(IDENTITY_HEADER),
            "the identity header leaks in {format}"
        );
        assert!(
            !all.contains("pullpath-planted-secret"),
            "the planted password leaks in {format}"
        );
    }
}

#[test]
fn snapshot_export_round_trips() {
    for name in [
        "broken-zone-not-linked",
        "healthy-admin-credentials",
        "inconclusive-settings-forbidden",
    ] {
        let fake = FakeArm::start(&example(name), Faults::default());
        let out = tempfile::tempdir().unwrap();
        let dir = out.path().join("snap");
        let output = live_cmd(&fake, "snapshot")
            .args(["--quiet", "--out"])
            .arg(&dir)
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(String::from_utf8_lossy(&output.stdout).starts_with("wrote "));
        let (live_code, live_report, _) = live_verify(&fake, &[]);
        let (code, report) = verify_json(&dir, &[]);
        assert_eq!(code, live_code, "{name}");
        assert_eq!(
            statuses(&report),
            statuses(&live_report),
            "{name}: the exported snapshot gives the live verdicts"
        );
        let manifest: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("pullpath-snapshot.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(manifest["schema"], "pullpath/snapshot/v1");
        for entry in std::fs::read_dir(&dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            assert!(
                !text.contains("pullpath-planted-secret"),
                "{name}: a secret was exported"
            );
        }
        // A second export to the same place is refused rather than mixed in.
        let again = live_cmd(&fake, "snapshot")
            .args(["--quiet", "--out"])
            .arg(&dir)
            .output()
            .unwrap();
        assert_eq!(again.status.code(), Some(2));
    }
}

#[test]
fn azure_cli_credential_through_a_fake_az() {
    let fake = FakeArm::start(&example("healthy-system-identity"), Faults::default());
    let bin = tempfile::tempdir().unwrap();
    let az = bin.path().join("az");
    let expires = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    std::fs::write(&az, format!("#!/bin/sh\ncase \"$*\" in\n  *get-access-token*) printf '{{\"accessToken\":\"{}\",\"expiresOn\":\"2099-01-01 00:00:00.000000\",\"expires_on\":{expires},\"tokenType\":\"Bearer\"}}' ;;\n  *) exit 1 ;;\nesac\n", issued_token())).unwrap();
    std::fs::set_permissions(&az, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = pullpath()
        .env("PATH", path)
        .env_remove("IDENTITY_ENDPOINT")
        .env_remove("IDENTITY_HEADER")
        .arg("verify")
        .args(SEED_APP)
        .args([
            "--auth",
            "cli",
            "--arm-endpoint",
            &fake.base,
            "--quiet",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stderr)));
    assert_eq!(output.status.code(), Some(0));
    assert!(
        report["identity"]
            .as_str()
            .unwrap()
            .starts_with("azure-cli: "),
        "{}",
        report["identity"]
    );
}

#[test]
fn usage_errors_in_live_mode() {
    let fake = FakeArm::start(&example("healthy-system-identity"), Faults::default());
    let output = pullpath()
        .arg("verify")
        .args(SEED_APP)
        .args(["--arm-endpoint", "http://management.azure.com"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("plain http is accepted only for loopback hosts")
    );
    let output = pullpath()
        .env("IDENTITY_ENDPOINT", fake.msi_endpoint())
        .env("IDENTITY_HEADER", IDENTITY_HEADER)
        .args([
            "verify",
            "--subscription",
            SUBSCRIPTION,
            "-g",
            "secureacrsetup",
            "-n",
            "nosuchapp",
            "--arm-endpoint",
            &fake.base,
            "--quiet",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("does not exist (404)"));
    let output = pullpath().args(["verify"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("give a source"));
}

#[test]
fn config_web_decides_the_registry_over_the_sites_own_site_config() {
    // The site document's siteConfig names another registry (stale); config/web is the authority.
    let dir = mutated("healthy-system-identity", |d| {
        *at(
            d.get_mut("site.json").unwrap(),
            "properties.siteConfig.linuxFxVersion",
        ) = serde_json::json!("DOCKER|otherregistry.azurecr.io/app:1");
    });
    let fake = FakeArm::start(dir.path(), Faults::default());
    let (code, report, stderr) = live_verify(&fake, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        report["target"]["registry"]
            .as_str()
            .unwrap()
            .ends_with("/registries/secureacr2021")
    );
    assert_read_only_and_once(&fake);
}

#[test]
fn injected_429_and_500_give_the_same_verdicts_for_every_example() {
    for (name, code, _) in expected_examples() {
        let faults = Faults {
            throttle_once: vec![
                "/providers/microsoft.web/sites/secureacrweb2021/config/web".into(),
            ],
            error_once: vec![
                "/providers/microsoft.network/privateendpoints/".into(),
                "/providers/microsoft.network/privatednszones/".into(),
            ],
            ..Default::default()
        };
        let fake = FakeArm::start(&example(&name), faults);
        let (live_code, live_report, stderr) = live_verify(&fake, &[]);
        let (_, snapshot_report) = verify_json(&example(&name), &[]);
        assert_eq!(live_code, code, "{name}: {stderr}");
        assert_eq!(
            statuses(&live_report),
            statuses(&snapshot_report),
            "{name}: faults changed a verdict"
        );
    }
}

#[test]
fn deployment_slots_and_sidecars_are_read_live() {
    // A staging slot running the sidecar model.
    let slot = "/subscriptions/6f1c9a3e-2b7d-4e5f-9a8b-1c2d3e4f5a6b/resourceGroups/secureacrsetup/providers/Microsoft.Web/sites/secureacrweb2021/slots/staging";
    let dir = mutated("healthy-system-identity", |d| {
        let site = d.get_mut("site.json").unwrap();
        site["id"] = serde_json::json!(slot);
        site["name"] = serde_json::json!("secureacrweb2021/staging");
        site["type"] = serde_json::json!("Microsoft.Web/sites/slots");
        site["properties"]["siteConfig"]["linuxFxVersion"] = serde_json::json!("sitecontainers");
        let config = d.get_mut("site-config-web.json").unwrap();
        config["id"] = serde_json::json!(format!("{slot}/config/web"));
        config["type"] = serde_json::json!("Microsoft.Web/sites/slots/config");
        config["properties"]["linuxFxVersion"] = serde_json::json!("sitecontainers");
        let settings = d.get_mut("app-settings.json").unwrap();
        settings["id"] = serde_json::json!(format!("{slot}/config/appsettings"));
        settings["type"] = serde_json::json!("Microsoft.Web/sites/slots/config");
        d.insert("sitecontainers.json".into(), serde_json::json!({"value": [
            {"id": format!("{slot}/sitecontainers/main"), "name": "main", "type": "Microsoft.Web/sites/slots/sitecontainers",
             "properties": {"image": "secureacr2021.azurecr.io/privatewebsite:lnx-v1", "isMain": true, "authType": "SystemIdentity"}},
            {"id": format!("{slot}/sitecontainers/otel"), "name": "otel", "type": "Microsoft.Web/sites/slots/sitecontainers",
             "properties": {"image": "mcr.microsoft.com/azuremonitor/opentelemetry-collector:latest", "isMain": false, "authType": "Anonymous"}}]}));
    });
    let fake = FakeArm::start(dir.path(), Faults::default());
    let (code, report, stderr) = live_verify(&fake, &["--slot", "staging"]);
    let (snapshot_code, snapshot) = verify_json(dir.path(), &[]);
    assert_eq!((code, snapshot_code), (0, 0), "{stderr}");
    assert_eq!(statuses(&report), statuses(&snapshot));
    assert_eq!(report["target"]["app"], slot);
    assert!(
        check(&report, "APP-002")["message"]
            .as_str()
            .unwrap()
            .contains("and 1 sidecar image(s)")
    );
    assert_read_only_and_once(&fake);
}

#[test]
fn unreadable_lists_are_errors_not_failures() {
    // Without the records, "no A record" would be a false failure: it must be an error.
    for (path, check_id) in [
        ("/privatednszones/privatelink.azurecr.io/a", "DNS-003"),
        (
            "/privatednszones/privatelink.azurecr.io/virtualnetworklinks",
            "DNS-002",
        ),
        (
            "/providers/microsoft.authorization/roleassignments",
            "IAM-002",
        ),
        ("/registries/secureacr2021/replications", "DNS-004"),
        (
            "/privateendpoints/secureacr-pe/privatednszonegroups",
            "DNS-005",
        ),
    ] {
        let fake = FakeArm::start(
            &example("healthy-system-identity"),
            Faults {
                forbidden: vec![path.into()],
                ..Default::default()
            },
        );
        let (code, report, stderr) = live_verify(&fake, &[]);
        let c = check(&report, check_id);
        assert_eq!(c["status"], "error", "{path}: {c}\n{stderr}");
        assert!(
            c["message"].as_str().unwrap().contains("forbidden (needs "),
            "{c}"
        );
        assert_eq!(code, 3, "{path}: inconclusive, not failed");
    }
}
