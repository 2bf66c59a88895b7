//! `pullpath probe` (DNS step skipped for an address, TCP, TLS, challenge, token, manifest,
//! config blob through the data endpoint) against `skopeo inspect --no-tags` (challenge,
//! token, manifest, config blob) on the same local registry stack, both as cold processes,
//! alternating, in one run. Prints a Markdown section (scripts/bench.sh puts it in
//! BENCHMARKS.md). Every connection is to 127.0.20.0/24; the registry is addressed by IP so
//! that skopeo, which resolves through the system, never asks a real DNS server.

#[path = "../tests/common/registry.rs"]
mod registry;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Instant;

const RUNS: usize = 30;
const TARGET: f64 = 0.7;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn p95(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[(values.len() * 95 / 100).min(values.len() - 1)]
}

fn timed(mut command: Command, stdin: &str) -> (f64, bool, String) {
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    (
        ms,
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

fn main() {
    // `cargo test --all-targets` runs bench binaries too; the benchmark is for `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        println!("benches/probe.rs: run with `cargo bench --bench probe`");
        return;
    }
    let bin = env!("CARGO_BIN_EXE_pullpath");
    let stack = registry::acr_on(
        20,
        registry::Options {
            by_address: true,
            ..Default::default()
        },
    );
    let certs = tempfile::tempdir().unwrap();
    std::fs::copy(&stack.ca, certs.path().join("ca.crt")).unwrap();
    let image = format!("{}/samples/hello:v1", stack.ip(4));
    let dns = stack.dns.to_string();
    let ca = stack.ca.display().to_string();
    let pullpath = || {
        let mut c = Command::new(bin);
        c.env("PULLPATH_DIAL_ALLOW", "127.0.0.0/8")
            .env_remove("IDENTITY_ENDPOINT")
            .args(["probe", &image, "--dns-server", &dns, "--ca-file", &ca])
            .args(["--username", registry::ADMIN_USER, "--password-stdin"])
            .args(["-o", "json"]);
        c
    };
    let skopeo = || {
        let mut c = Command::new("skopeo");
        c.args(["inspect", "--no-tags", "--cert-dir"])
            .arg(certs.path())
            .args([
                "--creds",
                &format!("{}:{}", registry::ADMIN_USER, registry::ADMIN_PASSWORD),
            ])
            .arg(format!("docker://{image}"));
        c
    };
    // Both must succeed, or the comparison means nothing.
    let (_, ok, output) = timed(pullpath(), registry::ADMIN_PASSWORD);
    assert!(ok, "pullpath probe failed: {output}");
    let (_, ok, output) = timed(skopeo(), "");
    assert!(ok, "skopeo inspect failed: {output}");

    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for _ in 0..RUNS {
        ours.push(timed(pullpath(), registry::ADMIN_PASSWORD).0);
        theirs.push(timed(skopeo(), "").0);
    }
    let (ours_median, theirs_median) = (median(ours.clone()), median(theirs.clone()));
    let ratio = ours_median / theirs_median;
    println!("## Probe (issue: live probes)\n");
    println!(
        "`cargo bench --bench probe`: `pullpath probe` (TCP, TLS, `/v2/` challenge, Basic → token, manifest, config blob through the registry's redirect to the data endpoint, sha256) against `skopeo inspect --no-tags` (challenge, token, manifest, config blob) on the same stack — distribution behind the ACR-style TLS front, on 127.0.20.4 — both cold processes, alternating, {RUNS} runs each ({}).\n",
        Command::new("skopeo")
            .arg("--version")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    );
    println!("| tool | median wall (ms) | p95 wall (ms) |");
    println!("|---|---|---|");
    println!("| pullpath probe | {ours_median:.1} | {:.1} |", p95(ours));
    println!(
        "| skopeo inspect --no-tags | {theirs_median:.1} | {:.1} |",
        p95(theirs)
    );
    println!(
        "\nRatio {ratio:.2} (target ≤ {TARGET}). Result: {}.",
        if ratio <= TARGET { "met" } else { "not met" }
    );
}
