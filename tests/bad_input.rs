//! Bad input: every malformed snapshot exits 2 with a message that names the file (and the
//! JSON path where there is one), never panics, and leaves no report file behind.

mod common;

use std::fs;

use common::*;

/// Runs verify on `path` asking for a JSON file; asserts exit 2, no panic, no output file.
fn rejects(path: &std::path::Path, expect: &[&str]) -> String {
    let out_dir = tempfile::tempdir().unwrap();
    let report = out_dir.path().join("report.json");
    let output = pullpath()
        .arg("verify")
        .arg("--snapshot")
        .arg(path)
        .arg("-o")
        .arg(format!("json={}", report.display()))
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "exit 2 for {}: {stderr}",
        path.display()
    );
    assert!(output.stdout.is_empty(), "no partial report on stdout");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!report.exists(), "no report file left behind");
    assert_eq!(
        fs::read_dir(out_dir.path()).unwrap().count(),
        0,
        "no temporary file left behind"
    );
    for part in expect {
        assert!(stderr.contains(part), "`{part}` in: {stderr}");
    }
    stderr
}

/// The exit code and stderr of `verify` on a snapshot.
fn verify_code(path: &std::path::Path) -> (Option<i32>, String) {
    let output = pullpath()
        .arg("verify")
        .arg("--snapshot")
        .arg(path)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn file_with(content: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("site.json");
    fs::write(&path, content).unwrap();
    (dir, path)
}

#[test]
fn truncated_json() {
    let (_d, path) = file_with(br#"{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/a", "properties": {"#);
    rejects(&path, &["site.json", "line 1 column", "invalid JSON"]);
}

#[test]
fn wrong_type_names_the_json_path() {
    let (_d, path) = file_with(br#"{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/a", "type": "Microsoft.Web/sites", "properties": {"virtualNetworkSubnetId": 5}}"#);
    let stderr = rejects(
        &path,
        &["site.json: properties.virtualNetworkSubnetId: expected a string, found integer `5`"],
    );
    assert!(stderr.starts_with("pullpath: error: "));
}

#[test]
fn wrong_type_inside_a_list_response() {
    let (_d, path) = file_with(br#"{"value": [{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/z/A/r", "type": "Microsoft.Network/privateDnsZones/A", "properties": {"aRecords": [{"ipv4Address": false}]}}]}"#);
    rejects(
        &path,
        &["value[0].properties.aRecords[0].ipv4Address: expected a string, found boolean `false`"],
    );
}

#[test]
fn binary_file() {
    let (_d, path) = file_with(&[0x7f, b'E', b'L', b'F', 0, 1, 2, 3]);
    rejects(&path, &["site.json", "not a JSON text file"]);
    let (_d, path) = file_with(&[0xff, 0xfe, 0xfd]);
    rejects(&path, &["not UTF-8"]);
}

#[test]
fn scalar_and_empty_files() {
    let (_d, path) = file_with(b"42");
    rejects(&path, &["site.json", "found a number"]);
    let (_d, path) = file_with(b"");
    rejects(&path, &["site.json", "empty"]);
    let (_d, path) = file_with(br#"{"name": "no id"}"#);
    rejects(&path, &["site.json", "an object with \"id\""]);
    let (_d, path) = file_with(br#"{"value": {"id": "x"}}"#);
    rejects(
        &path,
        &["site.json: value: expected an array, found an object"],
    );
}

#[test]
fn a_template_is_not_a_snapshot() {
    rejects(
        &root().join("examples/templates/credentials.json"),
        &["credentials.json", "ARM template"],
    );
}

#[test]
fn empty_directory_and_missing_path() {
    let dir = tempfile::tempdir().unwrap();
    rejects(dir.path(), &["holds no *.json files"]);
    rejects(
        &dir.path().join("nope"),
        &["nope", "no such file or directory"],
    );
}

#[test]
fn two_ids_differing_only_in_case() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.json"), br#"{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/App", "type": "Microsoft.Web/sites", "properties": {"httpsOnly": true}}"#).unwrap();
    fs::write(dir.path().join("b.json"), br#"{"id": "/subscriptions/S/resourcegroups/RG/providers/microsoft.web/sites/app", "type": "Microsoft.Web/sites", "properties": {"httpsOnly": false}}"#).unwrap();
    rejects(
        dir.path(),
        &[
            "b.json",
            "a.json",
            "same id (ids compare case-insensitively)",
        ],
    );
    // The same document twice is harmless.
    fs::write(dir.path().join("b.json"), br#"{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/App", "type": "Microsoft.Web/sites", "properties": {"httpsOnly": true}}"#).unwrap();
    let (code, stderr) = verify_code(dir.path());
    assert_ne!(code, Some(2), "{stderr}");
}

#[test]
fn no_site_or_several_sites() {
    let dir = mutated("healthy-system-identity", |d| {
        d.remove("site.json");
    });
    rejects(dir.path(), &["no Microsoft.Web/sites document"]);
    let dir = mutated("healthy-system-identity", |d| {
        let mut other = d["site.json"].clone();
        other["id"] = serde_json::json!(
            "/subscriptions/6f1c9a3e-2b7d-4e5f-9a8b-1c2d3e4f5a6b/resourceGroups/secureacrsetup/providers/Microsoft.Web/sites/otherapp"
        );
        other["name"] = serde_json::json!("otherapp");
        d.insert("other-site.json".into(), other);
    });
    rejects(dir.path(), &["2 sites", "--app"]);
    rejects_app(
        dir.path(),
        "nosuchapp",
        &["--app nosuchapp", "otherapp", "secureacrweb2021"],
    );
    let output = pullpath()
        .arg("verify")
        .arg("--snapshot")
        .arg(dir.path())
        .args(["--app", "secureacrweb2021"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
}

fn rejects_app(path: &std::path::Path, app: &str, expect: &[&str]) {
    let output = pullpath()
        .arg("verify")
        .arg("--snapshot")
        .arg(path)
        .args(["--app", app])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    for part in expect {
        assert!(stderr.contains(part), "`{part}` in {stderr}");
    }
}

#[test]
fn unknown_fields_enums_and_nulls_are_tolerated() {
    let dir = mutated("healthy-system-identity", |d| {
        let site = d.get_mut("site.json").unwrap();
        site["properties"]["someFutureProperty"] = serde_json::json!({"nested": [1, 2]});
        site["properties"]["dnsConfiguration"] = serde_json::Value::Null;
        site["identity"]["type"] = serde_json::json!("SystemAssigned, SomethingNew");
        d.get_mut("registry.json").unwrap()["properties"]["roleAssignmentMode"] =
            serde_json::json!("LegacyRegistryPermissions");
        d.get_mut("registry.json").unwrap()["properties"]["networkRuleSet"]["ipRules"] =
            serde_json::Value::Null;
    });
    let (code, stderr) = verify_code(dir.path());
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn bad_flags_exit_2() {
    for args in [
        vec!["verify"],
        vec![
            "verify",
            "--snapshot",
            "examples/healthy-system-identity",
            "-o",
            "yaml",
        ],
        vec![
            "verify",
            "--snapshot",
            "examples/healthy-system-identity",
            "-o",
            "json",
            "-o",
            "sarif",
        ],
        vec!["bogus"],
    ] {
        let output = pullpath().args(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
    let output = pullpath()
        .args([
            "verify",
            "--snapshot",
            "examples/healthy-system-identity",
            "-o",
            "json=/nonexistent-dir/r.json",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent-dir does not exist"));
    let output = pullpath().args(["explain", "DNS-999"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("DNS-001"));
}
