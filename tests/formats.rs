//! Report formats: SARIF validates against the 2.1.0 schema, JUnit parses as XML with one
//! test case per check, the JSON carries the v1 contract, the format never changes the exit
//! code, and a planted password appears in no format.

mod common;

use std::process::Command as StdCommand;

use common::*;

const FORMATS: [&str; 6] = ["table", "json", "junit", "sarif", "markdown", "github"];

fn render(example_name: &str, format: &str) -> (i32, String) {
    let output = pullpath()
        .args(["verify", "--snapshot"])
        .arg(format!("examples/{example_name}"))
        .args(["-o", format])
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

#[test]
fn planted_password_appears_in_no_format() {
    let password = "pullpath-planted-secret-Zq8#not-a-real-password";
    for name in [
        "healthy-admin-credentials",
        "broken-admin-disabled",
        "healthy-custom-registry",
    ] {
        let settings = std::fs::read_to_string(example(name).join("app-settings.json")).unwrap();
        assert!(settings.contains(password), "{name} plants the password");
        for format in FORMATS {
            let output = pullpath()
                .args(["verify", "--snapshot"])
                .arg(example(name))
                .args(["-o", format])
                .output()
                .unwrap();
            let all = all_output(&output);
            assert!(
                !all.contains(password),
                "{name}: the password leaks in {format}"
            );
            assert!(
                !all.contains("Zq8#"),
                "{name}: part of the password leaks in {format}"
            );
        }
    }
}

#[test]
fn format_never_changes_the_exit_code() {
    for (name, code) in [
        ("healthy-system-identity", 0),
        ("broken-zone-not-linked", 1),
    ] {
        for format in FORMATS {
            assert_eq!(render(name, format).0, code, "{name} as {format}");
        }
    }
}

#[test]
fn json_carries_the_v1_contract() {
    let (_, report) = verify_json(&example("broken-stale-login-record"), &[]);
    assert_eq!(report["schema"], "pullpath/report/v1");
    assert_eq!(report["tool"]["name"], "pullpath");
    assert!(report["tool"]["version"].is_string());
    assert_eq!(report["source"]["kind"], "snapshot");
    assert!(
        report["target"]["app"]
            .as_str()
            .unwrap()
            .ends_with("/sites/secureacrweb2021")
    );
    assert_eq!(
        report["target"]["image"],
        "secureacr2021.azurecr.io/privatewebsite:lnx-v1"
    );
    assert!(
        report["target"]["registry"]
            .as_str()
            .unwrap()
            .ends_with("/registries/secureacr2021")
    );
    assert!(report["identity"].is_null());
    assert_eq!(report["summary"]["verdict"], "fail");
    assert_eq!(report["summary"]["fail"], 1);
    assert_eq!(report["root_causes"], serde_json::json!(["DNS-003"]));
    let c = check(&report, "DNS-003");
    for key in [
        "id",
        "title",
        "status",
        "severity",
        "message",
        "evidence",
        "remediation",
        "blocked_by",
        "duration_ms",
    ] {
        assert!(c.get(key).is_some(), "check field {key}");
    }
    let e = &c["evidence"][0];
    assert!(
        e["resource_id"]
            .as_str()
            .unwrap()
            .ends_with("/privateDnsZones/privatelink.azurecr.io/A/secureacr2021")
    );
    assert_eq!(e["expected"], "10.0.1.5");
    assert_eq!(e["actual"], "10.0.1.9");
}

/// The SARIF 2.1.0 schema ships inside the serde-sarif crate's source.
fn sarif_schema() -> serde_json::Value {
    let metadata = StdCommand::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1"])
        .current_dir(root())
        .output()
        .unwrap();
    let metadata: serde_json::Value = serde_json::from_slice(&metadata.stdout).unwrap();
    let manifest = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "serde-sarif")
        .unwrap()["manifest_path"]
        .as_str()
        .unwrap()
        .to_string();
    let schema = std::path::Path::new(&manifest)
        .parent()
        .unwrap()
        .join("src/schema.json");
    // The published schema's `language` patterns have a stray `]`, which a strict regex
    // engine refuses; pullpath never writes `language`, so the corrected form changes nothing.
    let text = std::fs::read_to_string(schema).unwrap().replace(
        r"^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
        r"^[a-zA-Z]{2}(-[a-zA-Z]{2})?$",
    );
    serde_json::from_str(&text).unwrap()
}

#[test]
fn sarif_validates_against_the_schema() {
    let schema = sarif_schema();
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    for name in [
        "healthy-system-identity",
        "broken-nsg-denies-443",
        "broken-zone-not-linked",
    ] {
        let (_, text) = render(name, "sarif");
        let sarif: serde_json::Value = serde_json::from_str(&text).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        assert_eq!(sarif["version"], "2.1.0");
        let run = &sarif["runs"][0];
        assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 42);
        assert!(
            run["tool"]["driver"]["rules"][0]["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("## What it checks")
        );
    }
    let (_, text) = render("broken-zone-not-linked", "sarif");
    let sarif: serde_json::Value = serde_json::from_str(&text).unwrap();
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "DNS-002");
    assert_eq!(result["level"], "error");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "examples/broken-zone-not-linked/dns-zone.json"
    );
    assert!(
        result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
            .as_str()
            .unwrap()
            .ends_with("/privateDnsZones/privatelink.azurecr.io")
    );
}

#[test]
fn junit_parses_with_one_case_per_check() {
    let (_, text) = render("broken-zone-not-linked", "junit");
    let mut reader = quick_xml::Reader::from_str(&text);
    let (mut cases, mut failures, mut skipped) = (0, 0, 0);
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                match e.name().as_ref() {
                    "testcase" => cases += 1,
                    "failure" => failures += 1,
                    "skipped" => skipped += 1,
                    _ => {}
                }
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(cases, 38);
    assert_eq!(failures, 1);
    assert!(
        skipped >= 10,
        "probes and blocked checks are skipped ({skipped})"
    );
    assert!(
        text.contains("az network private-dns link vnet create"),
        "the failure carries the fix"
    );
}

#[test]
fn github_annotations_are_escaped() {
    let (_, text) = render("broken-nsg-denies-443", "github");
    let line = text.lines().find(|l| l.starts_with("::error ")).unwrap();
    assert!(line.starts_with("::error file=examples/broken-nsg-denies-443/nsg.json,title=NET-005 NSGs allow TCP 443 to the endpoint::"), "{line}");
    assert!(!line.contains('\n'));
    assert!(line.contains("%0AFix: az network nsg rule create"));
    assert!(
        text.lines()
            .last()
            .unwrap()
            .starts_with("::notice title=pullpath::fail")
    );
}

#[test]
fn several_formats_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let output = pullpath()
        .args(["verify", "--snapshot", "examples/broken-missing-acrpull"])
        .arg("-o")
        .arg(format!("junit={}", dir.path().join("r.xml").display()))
        .arg("-o")
        .arg(format!("sarif={}", dir.path().join("r.sarif").display()))
        .arg("-o")
        .arg("markdown")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("## pullpath: ❌ fail"));
    assert!(
        std::fs::read_to_string(dir.path().join("r.xml"))
            .unwrap()
            .contains("<testsuites")
    );
    assert!(
        std::fs::read_to_string(dir.path().join("r.sarif"))
            .unwrap()
            .contains("\"IAM-002\"")
    );
}

#[test]
fn table_colour_follows_the_choice() {
    let coloured = pullpath()
        .args([
            "verify",
            "--snapshot",
            "examples/broken-zone-not-linked",
            "--color",
            "always",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&coloured.stdout).contains("\x1b["));
    let plain = pullpath()
        .args(["verify", "--snapshot", "examples/broken-zone-not-linked"])
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&plain.stdout).contains("\x1b["),
        "not a terminal: no colour"
    );
}
