//! `pullpath probe` and `verify --probe` against real parts on loopback: distribution behind
//! an ACR-style token front, a data endpoint reached through the registry's blob redirect,
//! dnsmasq serving the privatelink chains, images pushed with skopeo. Each failure the issue
//! names is staged and asserted on the check that fails and on what its message tells the
//! user. The dial guard is on for 127.0.0.0/8 in every run.

mod common;
#[path = "common/fake_arm.rs"]
mod fake_arm;
#[path = "common/registry.rs"]
mod registry;

use std::io::Write;
use std::time::{Duration, Instant};

use common::{check, message, pullpath, remediation, roots, status, statuses};
use registry::{
    ADMIN_PASSWORD, ADMIN_USER, CUSTOM, CUSTOM_PASSWORD, CUSTOM_USER, DATA, DnsView,
    IDENTITY_HEADER, LOGIN, NO_ROLE_OID, Options, Stack,
};
use serde_json::Value;

/// Runs the binary with the dial guard on, the stack's identity endpoint, no Docker config
/// of the machine's, and the password (if any) on stdin.
fn run(stack: &Stack, args: &[&str], stdin: Option<&str>) -> (i32, Value, String) {
    run_allowing(stack, "127.0.0.0/8", args, stdin)
}

/// `run` with the dial guard allowing only `allow`.
fn run_allowing(
    stack: &Stack,
    allow: &str,
    args: &[&str],
    stdin: Option<&str>,
) -> (i32, Value, String) {
    let home = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin!("pullpath"));
    command
        .current_dir(common::root())
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .env("PULLPATH_DIAL_ALLOW", allow)
        .env("HOME", home.path())
        .env_remove("DOCKER_CONFIG")
        .env_remove("WEBSITE_SITE_NAME")
        .env_remove("AZURE_SUBSCRIPTION_ID")
        .env_remove("AZURE_CLIENT_SECRET")
        .env_remove("AZURE_FEDERATED_TOKEN_FILE")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    if stack.identity_endpoint.is_empty() {
        command.env_remove("IDENTITY_ENDPOINT");
    } else {
        command
            .env("IDENTITY_ENDPOINT", &stack.identity_endpoint)
            .env("IDENTITY_HEADER", IDENTITY_HEADER);
    }
    command.args(args);
    let mut child = command.spawn().unwrap();
    {
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
    }
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let report = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (
        output.status.code().unwrap_or(-1),
        report,
        format!("{stdout}{stderr}"),
    )
}

fn probe(stack: &Stack, image: &str, extra: &[&str], stdin: Option<&str>) -> (i32, Value, String) {
    probe_allowing(stack, "127.0.0.0/8", image, extra, stdin)
}

fn probe_allowing(
    stack: &Stack,
    allow: &str,
    image: &str,
    extra: &[&str],
    stdin: Option<&str>,
) -> (i32, Value, String) {
    let dns = stack.dns.to_string();
    let ca = stack.ca.display().to_string();
    let mut args = vec![
        "probe",
        image,
        "--dns-server",
        &dns,
        "--ca-file",
        &ca,
        "--timeout",
        "10",
        "-o",
        "json",
    ];
    args.extend_from_slice(extra);
    run_allowing(stack, allow, &args, stdin)
}

fn image(repository: &str) -> String {
    format!("{LOGIN}/samples/{repository}:v1")
}

#[test]
fn healthy_acr_pull_as_a_managed_identity_walks_every_step() {
    let stack = registry::acr(Options::default());
    let images = registry::images();
    let (code, report, output) = probe(
        &stack,
        &image("multi"),
        &["--data-endpoint-region", "westcentralus"],
        None,
    );
    assert_eq!(code, 0, "{output}");
    for id in [
        "PRB-001", "PRB-002", "PRB-003", "PRB-004", "PRB-005", "PRB-006", "PRB-007", "PRB-008",
    ] {
        assert_eq!(
            status(&report, id),
            "pass",
            "{id}: {}",
            message(&report, id)
        );
    }
    assert!(
        message(&report, "PRB-001").contains(&format!(
            "{LOGIN} → {}.privatelink.azurecr.io",
            registry::REGISTRY
        )),
        "the CNAME chain is recorded: {}",
        message(&report, "PRB-001")
    );
    assert!(message(&report, "PRB-006").contains("Entra → /oauth2/exchange → /oauth2/token"));
    assert!(message(&report, "PRB-007").contains(&images.multi.1));
    assert!(
        message(&report, "PRB-007").contains(&format!("linux/amd64 from index {}", images.multi.0))
    );
    assert!(
        message(&report, "PRB-008").contains(&format!("served by {DATA} after a 307 redirect")),
        "{}",
        message(&report, "PRB-008")
    );
    // Only the configuration checks are left out: a probe report holds the eight probes.
    assert_eq!(statuses(&report).len(), 8);
    let vantage = &report["vantage"];
    assert_eq!(vantage["as_app"], false);
    assert!(
        vantage["identity"]
            .as_str()
            .unwrap()
            .contains(registry::PULLER_OID)
    );
    assert!(
        vantage["local_addresses"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a.as_str().unwrap().starts_with("127.")),
        "{vantage}"
    );
    assert!(
        vantage["resolver"]
            .as_str()
            .unwrap()
            .contains(&stack.dns.to_string())
    );
    // The blob went to the data endpoint without the registry token.
    let log = stack.log.lock().unwrap().clone();
    assert!(
        log.iter()
            .any(|s| s.host == DATA && s.path.contains("/blobs/") && !s.authorization)
    );
    assert!(log.iter().all(|s| s.method == "GET" || s.method == "POST"));
}

#[test]
fn the_data_endpoint_is_found_from_the_redirect_when_not_given() {
    let stack = registry::acr(Options::default());
    let (code, report, output) = probe(&stack, &image("hello"), &[], None);
    assert_eq!(code, 0, "{output}");
    assert!(
        message(&report, "PRB-002").contains("named by the blob redirect"),
        "{}",
        message(&report, "PRB-002")
    );
}

#[test]
fn nxdomain_fails_the_login_server_resolution() {
    let stack = registry::acr(Options {
        dns: DnsView::Empty,
        ..Options::default()
    });
    let (code, report, _) = probe(&stack, &image("hello"), &[], None);
    assert_eq!(code, 1);
    assert_eq!(roots(&report), ["PRB-001"]);
    assert!(message(&report, "PRB-001").contains("NXDOMAIN"));
    assert!(
        remediation(&report, "PRB-001").contains("az network private-dns record-set a add-record")
    );
    assert_eq!(check(&report, "PRB-005")["blocked_by"][0], "PRB-001");
}

#[test]
fn a_public_answer_means_the_zone_is_not_in_the_resolvers_view() {
    let stack = registry::acr(Options {
        dns: DnsView::Outside,
        ..Options::default()
    });
    let (code, report, _) = probe(&stack, &image("hello"), &[], None);
    assert_eq!(code, 1);
    assert_eq!(roots(&report), ["PRB-001"]);
    let text = message(&report, "PRB-001");
    assert!(text.contains("public address 203.0.113.10"), "{text}");
    assert!(
        text.contains("trafficmanager.net"),
        "the chain is shown: {text}"
    );
    assert!(remediation(&report, "PRB-001").contains("168.63.129.16"));
}

#[test]
fn a_refused_port_fails_tcp() {
    let stack = registry::acr(Options {
        login_octet: 9,
        ..Options::default()
    });
    let (code, report, _) = probe(&stack, &image("hello"), &[], None);
    assert_eq!(code, 1);
    assert_eq!(roots(&report), ["PRB-003"]);
    assert!(message(&report, "PRB-003").contains("refused"));
}

#[test]
fn a_black_holed_port_times_out_on_time() {
    let stack = registry::acr(Options {
        login_octet: 8,
        ..Options::default()
    });
    let started = Instant::now();
    let dns = stack.dns.to_string();
    let ca = stack.ca.display().to_string();
    let (code, report, output) = run(
        &stack,
        &[
            "probe",
            &image("hello"),
            "--dns-server",
            &dns,
            "--ca-file",
            &ca,
            "--timeout",
            "3",
            "-o",
            "json",
        ],
        None,
    );
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "bounded by --timeout 3"
    );
    assert_eq!(code, 1, "{output}");
    assert_eq!(roots(&report), ["PRB-003"]);
    assert!(message(&report, "PRB-003").contains("timed out"));
}

#[test]
fn an_unknown_ca_fails_tls() {
    let stack = registry::acr(Options::default());
    let dns = stack.dns.to_string();
    let (code, report, _) = run(
        &stack,
        &[
            "probe",
            &image("hello"),
            "--dns-server",
            &dns,
            "--timeout",
            "10",
            "-o",
            "json",
        ],
        None,
    );
    assert_eq!(code, 1);
    assert_eq!(roots(&report), ["PRB-004"]);
    assert!(message(&report, "PRB-004").contains("unknown issuer"));
    assert!(remediation(&report, "PRB-004").contains("TLS-inspecting"));
}

#[test]
fn a_certificate_for_another_name_fails_tls() {
    let stack = registry::acr(Options {
        wrong_name: true,
        ..Options::default()
    });
    let (code, report, _) = probe(&stack, &image("hello"), &[], None);
    assert_eq!(code, 1);
    assert_eq!(roots(&report), ["PRB-004"]);
    assert!(message(&report, "PRB-004").contains("not valid for the host name"));
}

#[test]
fn a_firewall_refusal_names_the_client_ip() {
    let stack = registry::acr(Options {
        firewall_ip: Some("198.51.100.77"),
        ..Options::default()
    });
    let (code, report, _) = probe(&stack, &image("hello"), &[], None);
    assert_eq!(code, 1);
    assert_eq!(roots(&report), ["PRB-005"]);
    let text = message(&report, "PRB-005");
    assert!(text.contains("198.51.100.77"), "{text}");
    assert!(remediation(&report, "PRB-005").contains("az acr network-rule add"));
}

#[test]
fn an_identity_without_acrpull_gets_no_pull_scope() {
    let stack = registry::acr(Options {
        identity_oid: NO_ROLE_OID,
        ..Options::default()
    });
    let (code, report, _) = probe(&stack, &image("hello"), &[], None);
    assert_eq!(code, 1);
    assert_eq!(roots(&report), ["PRB-006"]);
    let text = message(&report, "PRB-006");
    assert!(text.contains("gave no pull on samples/hello"), "{text}");
    assert!(text.contains("no role that grants pull"), "{text}");
    assert!(remediation(&report, "PRB-006").contains("--role AcrPull"));
}

#[test]
fn admin_credentials_work_and_a_bad_password_is_told_apart() {
    let stack = registry::acr(Options::default());
    let (code, report, output) = probe(
        &stack,
        &image("hello"),
        &["--username", ADMIN_USER, "--password-stdin"],
        Some(ADMIN_PASSWORD),
    );
    assert_eq!(code, 0, "{output}");
    assert!(message(&report, "PRB-006").contains("Basic → token endpoint"));
    assert!(
        !output.contains(ADMIN_PASSWORD),
        "the password is never printed"
    );

    let (code, report, output) = probe(
        &stack,
        &image("hello"),
        &["--username", ADMIN_USER, "--password-stdin"],
        Some("wrong-password"),
    );
    assert_eq!(code, 1);
    assert_eq!(roots(&report), ["PRB-006"]);
    let text = message(&report, "PRB-006");
    assert!(text.contains("refused the credentials"), "{text}");
    assert!(text.contains("password"), "{text}");
    assert!(!output.contains("wrong-password"));
}

#[test]
fn an_unknown_tag_fails_the_manifest() {
    let stack = registry::acr(Options::default());
    let (code, report, _) = probe(&stack, &format!("{LOGIN}/samples/hello:v9"), &[], None);
    assert_eq!(code, 1);
    assert_eq!(roots(&report), ["PRB-007"]);
    let text = message(&report, "PRB-007");
    assert!(text.contains("v9 is not in samples/hello"), "{text}");
    assert!(remediation(&report, "PRB-007").contains("az acr repository show-tags"));
}

#[test]
fn an_index_without_linux_amd64_fails_the_manifest() {
    let stack = registry::acr(Options::default());
    let (code, report, _) = probe(&stack, &image("armonly"), &[], None);
    assert_eq!(code, 1);
    assert_eq!(roots(&report), ["PRB-007"]);
    let text = message(&report, "PRB-007");
    assert!(text.contains("linux/arm64 but not linux/amd64"), "{text}");
}

#[test]
fn a_corrupted_blob_fails_the_digest_check() {
    let stack = registry::acr(Options {
        corrupt_blobs: true,
        ..Options::default()
    });
    let (code, report, _) = probe(&stack, &image("hello"), &[], None);
    assert_eq!(code, 1);
    assert_eq!(roots(&report), ["PRB-008"]);
    let text = message(&report, "PRB-008");
    assert!(text.contains("hashes to sha256:"), "{text}");
    assert!(text.contains(&registry::images().hello.1), "{text}");
}

#[test]
fn a_redirect_to_a_data_endpoint_that_does_not_resolve() {
    let stack = registry::acr(Options {
        data_record: false,
        ..Options::default()
    });
    let (code, report, _) = probe(&stack, &image("hello"), &[], None);
    assert_eq!(code, 1);
    assert_eq!(roots(&report), ["PRB-002"], "PRB-008 follows from it");
    assert_eq!(status(&report, "PRB-008"), "fail");
    let text = message(&report, "PRB-002");
    assert!(text.contains(DATA) && text.contains("NXDOMAIN"), "{text}");
    assert!(text.contains("named by the blob redirect"), "{text}");
    assert!(message(&report, "PRB-008").contains(&format!("redirects blob downloads to {DATA}")));
}

#[test]
fn a_custom_registry_with_basic_auth_from_the_docker_config() {
    let stack = registry::custom();
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.json");
    use base64::Engine;
    let auth = base64::engine::general_purpose::STANDARD
        .encode(format!("{CUSTOM_USER}:{CUSTOM_PASSWORD}"));
    std::fs::write(
        &config,
        format!(r#"{{"auths":{{"{CUSTOM}":{{"auth":"{auth}"}}}}}}"#),
    )
    .unwrap();
    let config = config.display().to_string();
    let (code, report, output) = probe(
        &stack,
        &format!("{CUSTOM}/samples/hello:v1"),
        &["--docker-config", &config],
        None,
    );
    assert_eq!(code, 0, "{output}");
    assert!(message(&report, "PRB-005").contains("Basic credentials"));
    assert!(message(&report, "PRB-006").contains(&format!("accepted {CUSTOM_USER}")));
    assert_eq!(
        status(&report, "PRB-002"),
        "skip",
        "no data endpoint: blobs from the registry"
    );
    assert!(message(&report, "PRB-008").contains("served by the login server"));
    assert!(!output.contains(CUSTOM_PASSWORD));

    let (code, report, _) = probe(
        &stack,
        &format!("{CUSTOM}/samples/hello:v1"),
        &["--username", CUSTOM_USER, "--password-stdin"],
        Some("not-the-password"),
    );
    assert_eq!(code, 1);
    assert_eq!(roots(&report), ["PRB-006"]);
    assert!(message(&report, "PRB-006").contains("refused the credentials (HTTP 401"));
}

#[test]
fn the_dial_guard_refuses_addresses_outside_its_ranges() {
    let stack = registry::acr(Options::default());
    let (code, _, text) = probe_allowing(&stack, "127.0.0.53/32", &image("hello"), &[], None);
    assert_eq!(code, 2, "the DNS server itself is refused");
    assert!(
        text.contains("PULLPATH_DIAL_ALLOW allows only 127.0.0.53/32"),
        "{text}"
    );
    let allow = format!("{}/32", stack.dns.ip());
    let (code, report, _) = probe_allowing(&stack, &allow, &image("hello"), &[], None);
    assert_eq!(code, 3, "refused connections are errors, not findings");
    assert_eq!(status(&report, "PRB-003"), "error");
    assert!(message(&report, "PRB-003").contains("refused to connect"));
}

/// The healthy example, moved onto the stack's loopback addresses: the endpoint NIC and the
/// zone's records say .4 (login server) and .6 (data endpoint).
fn example_on(stack: &Stack, login_ip: &str) -> tempfile::TempDir {
    moved("healthy-system-identity", stack, login_ip)
}

fn moved(example: &str, stack: &Stack, login_ip: &str) -> tempfile::TempDir {
    let login = login_ip.to_string();
    let data = stack.ip(6).to_string();
    common::mutated(example, move |docs| {
        for doc in docs.values_mut() {
            let text = doc.to_string();
            let text = text.replace("\"10.0.1.5\"", &format!("\"{login}\""));
            let text = text.replace("\"10.0.1.4\"", &format!("\"{data}\""));
            *doc = serde_json::from_str(&text).unwrap();
        }
    })
}

fn verify_probe(stack: &Stack, snapshot: &std::path::Path, extra: &[&str]) -> (i32, Value, String) {
    let dns = stack.dns.to_string();
    let ca = stack.ca.display().to_string();
    let snapshot = snapshot.display().to_string();
    let mut args = vec![
        "verify",
        "--snapshot",
        &snapshot,
        "--probe",
        "--dns-server",
        &dns,
        "--ca-file",
        &ca,
        "-o",
        "json",
    ];
    args.extend_from_slice(extra);
    run(stack, &args, None)
}

#[test]
fn verify_probe_judges_answers_against_the_endpoint_nic() {
    let stack = registry::acr(Options::default());
    let snapshot = example_on(&stack, &stack.ip(4).to_string());
    let (code, report, output) = verify_probe(&stack, snapshot.path(), &[]);
    assert_eq!(
        code, 0,
        "the configuration checks pass on the moved example too: {output}"
    );
    for id in [
        "PRB-001", "PRB-002", "PRB-003", "PRB-004", "PRB-005", "PRB-006", "PRB-007", "PRB-008",
    ] {
        assert_eq!(
            status(&report, id),
            "pass",
            "{id}: {} {output}",
            message(&report, id)
        );
    }
    assert!(
        message(&report, "PRB-001").contains("the endpoint NIC"),
        "{}",
        message(&report, "PRB-001")
    );
    assert_eq!(report["vantage"]["as_app"], false);
    assert!(
        report["vantage"]["as_app_reason"]
            .as_str()
            .unwrap()
            .contains("run the probe inside the app")
    );
}

#[test]
fn verify_probe_inside_the_app_pulls_as_the_app() {
    let stack = registry::acr(Options::default());
    let snapshot = example_on(&stack, &stack.ip(4).to_string());
    let site: Value =
        serde_json::from_str(&std::fs::read_to_string(snapshot.path().join("site.json")).unwrap())
            .unwrap();
    let name = site["name"].as_str().unwrap().to_string();
    let dns = stack.dns.to_string();
    let ca = stack.ca.display().to_string();
    let path = snapshot.path().display().to_string();
    let output = pullpath()
        .env("PULLPATH_DIAL_ALLOW", "127.0.0.0/8")
        .env("IDENTITY_ENDPOINT", &stack.identity_endpoint)
        .env("IDENTITY_HEADER", IDENTITY_HEADER)
        .env("WEBSITE_SITE_NAME", &name)
        .args([
            "verify",
            "--snapshot",
            &path,
            "--probe",
            "--dns-server",
            &dns,
            "--ca-file",
            &ca,
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["vantage"]["as_app"], true, "{}", report["vantage"]);
    assert!(message(&report, "PRB-006").contains("as the app"));
}

#[test]
fn verify_probe_catches_an_answer_that_is_not_the_endpoint() {
    let stack = registry::acr(Options::default());
    // The NIC says .7; DNS (the stale record) says .4.
    let snapshot = example_on(&stack, &stack.ip(7).to_string());
    let (code, report, _) = verify_probe(&stack, snapshot.path(), &[]);
    assert_eq!(code, 1);
    let text = message(&report, "PRB-001");
    assert_eq!(status(&report, "PRB-001"), "fail", "{text}");
    assert!(
        text.contains(&format!(
            "resolves to {}, not the private endpoint's {}",
            stack.ip(4),
            stack.ip(7)
        )),
        "{text}"
    );
    assert!(roots(&report).contains(&"PRB-001".to_string()));
}

#[test]
fn offline_verify_never_probes() {
    let (code, report) = common::verify_json(&common::example("healthy-system-identity"), &[]);
    assert_eq!(code, 0);
    assert_eq!(status(&report, "PRB-001"), "skip");
    assert_eq!(message(&report, "PRB-001"), "needs --probe");
    assert!(report["vantage"].is_null());
}

#[test]
fn live_verify_probe_pulls_with_the_apps_registry_credentials() {
    let stack = registry::acr(Options::default());
    let snapshot = moved(
        "healthy-admin-credentials",
        &stack,
        &stack.ip(4).to_string(),
    );
    let fake = fake_arm::FakeArm::start(snapshot.path(), fake_arm::Faults::default());
    let dns = stack.dns.to_string();
    let ca = stack.ca.display().to_string();
    let output = pullpath()
        .env("PULLPATH_DIAL_ALLOW", "127.0.0.0/8")
        .env("IDENTITY_ENDPOINT", fake.msi_endpoint())
        .env("IDENTITY_HEADER", fake_arm::IDENTITY_HEADER)
        .env_remove("AZURE_CLIENT_SECRET")
        .env_remove("AZURE_FEDERATED_TOKEN_FILE")
        .arg("verify")
        .args(fake_arm::SEED_APP)
        .args([
            "--arm-endpoint",
            &fake.base,
            "--quiet",
            "--probe",
            "--use-app-credentials",
        ])
        .args(["--dns-server", &dns, "--ca-file", &ca, "-o", "json"])
        .output()
        .unwrap();
    let text = common::all_output(&output);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{text}");
    let token = message(&report, "PRB-006");
    assert!(token.contains("Basic → token endpoint"), "{token}");
    assert!(token.contains("as the app"), "{token}");
    assert_eq!(status(&report, "PRB-008"), "pass");
    assert!(
        !text.contains(ADMIN_PASSWORD),
        "the app's password is never printed"
    );
    assert!(!text.contains(&fake_arm::issued_token()));

    // A snapshot holds no password values: the flag says so instead of pulling anonymously.
    let path = snapshot.path().display().to_string();
    let output = pullpath()
        .args([
            "verify",
            "--snapshot",
            &path,
            "--probe",
            "--use-app-credentials",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("needs live mode"));
}
