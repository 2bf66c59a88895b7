//! Test helpers: run the real binary, load examples, and build mutated copies of them.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn example(name: &str) -> PathBuf {
    root().join("examples").join(name)
}

/// The binary, with an environment that cannot change its output.
pub fn pullpath() -> Command {
    let mut cmd = Command::cargo_bin("pullpath").expect("the pullpath binary");
    cmd.current_dir(root())
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .env_remove("AZURE_SUBSCRIPTION_ID");
    cmd
}

/// Every `examples/expected.txt` row: (variant, exit code, leading root cause).
pub fn expected_examples() -> Vec<(String, i32, Option<String>)> {
    fs::read_to_string(root().join("examples/expected.txt"))
        .expect("examples/expected.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            (
                parts[0].to_string(),
                parts[1].parse().unwrap(),
                (parts[2] != "-").then(|| parts[2].to_string()),
            )
        })
        .collect()
}

/// The documents of an example by file name.
pub fn load_example(name: &str) -> BTreeMap<String, Value> {
    let mut docs = BTreeMap::new();
    for entry in fs::read_dir(example(name)).unwrap() {
        let path = entry.unwrap().path();
        let text = fs::read_to_string(&path).unwrap();
        docs.insert(
            path.file_name().unwrap().to_string_lossy().to_string(),
            serde_json::from_str(&text).unwrap(),
        );
    }
    docs
}

/// A copy of an example with `change` applied, in a temporary directory.
pub fn mutated(name: &str, change: impl FnOnce(&mut BTreeMap<String, Value>)) -> tempfile::TempDir {
    let mut docs = load_example(name);
    change(&mut docs);
    let dir = tempfile::tempdir().unwrap();
    write_docs(dir.path(), &docs);
    dir
}

pub fn write_docs(dir: &Path, docs: &BTreeMap<String, Value>) {
    for (file, doc) in docs {
        fs::write(dir.join(file), serde_json::to_string_pretty(doc).unwrap()).unwrap();
    }
}

/// Runs `verify` with JSON on stdout: (exit code, report).
pub fn verify_json(snapshot: &Path, extra: &[&str]) -> (i32, Value) {
    let output = pullpath()
        .arg("verify")
        .arg("--snapshot")
        .arg(snapshot)
        .args(["-o", "json"])
        .args(extra)
        .output()
        .unwrap();
    let code = output.status.code().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not a JSON report ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (code, report)
}

pub fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{id} in the report"))
}

pub fn status(report: &Value, id: &str) -> String {
    check(report, id)["status"].as_str().unwrap().to_string()
}

/// Pointer-style access into a document: `at(doc, "properties.x")`.
pub fn at<'a>(doc: &'a mut Value, path: &str) -> &'a mut Value {
    path.split('.')
        .fold(doc, |v, key| match key.parse::<usize>() {
            Ok(i) => &mut v[i],
            Err(_) => &mut v[key],
        })
}

/// Durations and versions vary; snapshots must not.
pub fn scrub(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("time=\"") {
        out.push_str(&rest[..i + 6]);
        rest = &rest[i + 6..];
        let end = rest.find('"').unwrap_or(0);
        out.push_str("[time]");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out.replace(env!("CARGO_PKG_VERSION"), "[version]")
}

pub fn scrub_json(mut report: Value) -> Value {
    if let Some(checks) = report["checks"].as_array_mut() {
        for c in checks {
            c["duration_ms"] = Value::from(0);
        }
    }
    report["tool"]["version"] = Value::from("[version]");
    report
}

/// Everything a run printed, stdout then stderr, for searching secrets in.
pub fn all_output(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The report's root causes, as ids.
#[allow(dead_code)]
pub fn roots(report: &Value) -> Vec<String> {
    report["root_causes"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// A check's message in a JSON report.
#[allow(dead_code)]
pub fn message(report: &Value, id: &str) -> String {
    check(report, id)["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Every check's (id, status), in catalog order.
#[allow(dead_code)]
pub fn statuses(report: &Value) -> Vec<(String, String)> {
    report["checks"]
        .as_array()
        .map(|checks| {
            checks
                .iter()
                .map(|c| {
                    (
                        c["id"].as_str().unwrap_or_default().to_string(),
                        c["status"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A check's remediation in a JSON report ("" when there is none).
#[allow(dead_code)]
pub fn remediation(report: &Value, id: &str) -> String {
    check(report, id)["remediation"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}
