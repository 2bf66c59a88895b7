//! The README's commands and every format through the real binary, as committed insta
//! snapshots (durations and the version scrubbed), plus the exit code of every example.

mod common;

use common::*;

fn stdout_of(args: &[&str]) -> (i32, String, String) {
    let output = pullpath().args(args).output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn every_example_exits_as_expected_with_its_root_cause_first() {
    let rows = expected_examples();
    assert!(
        rows.iter().filter(|r| r.1 == 1).count() >= 10,
        "at least ten broken examples"
    );
    for (name, code, root) in rows {
        let (actual, report) = verify_json(&example(&name), &[]);
        assert_eq!(actual, code, "{name}");
        let roots: Vec<&str> = report["root_causes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        match root {
            Some(root) => assert_eq!(
                roots.first().copied(),
                Some(root.as_str()),
                "{name}: root causes {roots:?}"
            ),
            None => assert!(roots.is_empty(), "{name}: {roots:?}"),
        }
    }
}

#[test]
fn readme_main_command_healthy_table() {
    let (code, out, _) = stdout_of(&["verify", "--snapshot", "examples/healthy-system-identity"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!(scrub(&out));
}

#[test]
fn broken_table_leads_with_the_root_cause() {
    let (code, out, _) = stdout_of(&["verify", "--snapshot", "examples/broken-zone-not-linked"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(scrub(&out));
}

#[test]
fn json_format() {
    let (code, out, _) = stdout_of(&[
        "verify",
        "--snapshot",
        "examples/broken-stale-login-record",
        "-o",
        "json",
    ]);
    assert_eq!(code, 1);
    insta::assert_json_snapshot!(scrub_json(serde_json::from_str(&out).unwrap()));
}

#[test]
fn junit_format() {
    let (_, out, _) = stdout_of(&[
        "verify",
        "--snapshot",
        "examples/broken-stale-login-record",
        "-o",
        "junit",
    ]);
    insta::assert_snapshot!(scrub(&out));
}

#[test]
fn sarif_format() {
    let (_, out, _) = stdout_of(&[
        "verify",
        "--snapshot",
        "examples/broken-stale-login-record",
        "-o",
        "sarif",
    ]);
    let mut sarif: serde_json::Value = serde_json::from_str(&out).unwrap();
    // The rules repeat the check docs, which have their own test; keep the snapshot readable.
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array_mut()
        .unwrap();
    assert_eq!(rules.len(), 42);
    rules.truncate(1);
    insta::assert_snapshot!(scrub(&serde_json::to_string_pretty(&sarif).unwrap()));
}

#[test]
fn markdown_format() {
    let (_, out, _) = stdout_of(&[
        "verify",
        "--snapshot",
        "examples/broken-endpoint-pending",
        "-o",
        "markdown",
    ]);
    insta::assert_snapshot!(scrub(&out));
}

#[test]
fn github_format() {
    let (_, out, _) = stdout_of(&[
        "verify",
        "--snapshot",
        "examples/broken-endpoint-pending",
        "-o",
        "github",
    ]);
    insta::assert_snapshot!(scrub(&out));
}

#[test]
fn checks_and_explain() {
    let (code, out, _) = stdout_of(&["checks"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("checks_table", out);
    let (code, out, _) = stdout_of(&["explain", "dns-004"]);
    assert_eq!(code, 0);
    assert_eq!(out, pullpath::checks::find("DNS-004").unwrap().doc);
}

#[test]
fn input_error_message() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("site.json"), r#"{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/a", "type": "Microsoft.Web/sites", "properties": {"virtualNetworkSubnetId": ["x"]}}"#).unwrap();
    let output = pullpath()
        .current_dir(dir.path())
        .args(["verify", "--snapshot", "site.json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    insta::assert_snapshot!(String::from_utf8(output.stderr).unwrap(), @"pullpath: error: site.json: properties.virtualNetworkSubnetId: expected a string, found sequence");
}

#[test]
fn help_documents_exit_codes() {
    let (code, out, _) = stdout_of(&["verify", "--help"]);
    assert_eq!(code, 0);
    for line in [
        "0  no check failed",
        "1  at least one check failed",
        "2  usage or input error",
        "3  inconclusive",
    ] {
        assert!(out.contains(line), "{line}");
    }
}

#[test]
fn fail_on_warn_and_min_severity() {
    let dir = mutated("healthy-system-identity", |d| {
        *at(d.get_mut("site.json").unwrap(), "properties.httpsOnly") = serde_json::json!(false);
    });
    let (code, report) = verify_json(dir.path(), &[]);
    assert_eq!(code, 0, "a warning passes by default");
    assert_eq!(report["summary"]["verdict"], "pass");
    let (code, report) = verify_json(dir.path(), &["--fail-on", "warn"]);
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["verdict"], "fail");
    let (_, report) = verify_json(dir.path(), &["--min-severity", "high"]);
    assert!(
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["severity"] == "high")
    );
}
