//! PRB-001…008: the live probes, judged step by step from what the probe observed. They run
//! with `verify --probe` (expectations from the facts: the endpoint NIC's addresses) or in
//! `pullpath probe` (no ARM: the answers are judged on their own); without probes the
//! runner reports them `skip`.

use std::net::IpAddr;

use super::{Check, Eval, Evidence, Family, Outcome, Severity, check_doc as doc};
use crate::collect::probe::dns::{Verdict, classify};
use crate::collect::probe::walk::{host_failure, tcp_words, tls_words};
use crate::facts::probe::{
    BlobOutcome, BlobSource, Challenge, CredentialKind, DnsOutcome, HostProbe, HostRole,
    ManifestOutcome, ProbeFacts, Refusal, TcpOutcome, TlsOutcome, TokenOutcome,
};
use crate::facts::{Cloud, Facts, PullIdentity, Unavailable};

macro_rules! probe {
    ($id:literal, $title:literal, $needs:expr, $after:expr, $eval:expr) => {
        Check {
            id: $id,
            title: $title,
            family: Family::Prb,
            severity: Severity::High,
            needs: $needs,
            after: $after,
            doc: doc!($id),
            eval: Eval::Probe($eval),
        }
    };
}

pub static CHECKS: &[Check] = &[
    probe!(
        "PRB-001",
        "Probe: login server resolves to the endpoint",
        &[],
        &[],
        login_resolves
    ),
    probe!(
        "PRB-002",
        "Probe: data endpoints resolve to the endpoint",
        &[],
        &[],
        data_resolves
    ),
    probe!(
        "PRB-003",
        "Probe: TCP 443 connects",
        &["PRB-001"],
        &[],
        tcp_connects
    ),
    probe!(
        "PRB-004",
        "Probe: TLS handshake and certificate",
        &["PRB-003"],
        &[],
        tls_verified
    ),
    probe!(
        "PRB-005",
        "Probe: registry challenge at /v2/",
        &["PRB-004"],
        &[],
        registry_challenge
    ),
    probe!(
        "PRB-006",
        "Probe: pull token for the repository",
        &["PRB-005"],
        &[],
        pull_token
    ),
    probe!(
        "PRB-007",
        "Probe: manifest fetched",
        &["PRB-006"],
        &[],
        manifest_fetched
    ),
    // The blob can come from a data endpoint PRB-002 already found broken: a consequence,
    // not a second root cause. It still runs, because another region's failure need not
    // stop this pull.
    probe!(
        "PRB-008",
        "Probe: config blob through the data endpoint",
        &["PRB-007"],
        &["PRB-002"],
        config_blob
    ),
];

/// The registry's name and resource group for `az` commands.
fn registry_names(probe: &ProbeFacts, facts: Option<&Facts>) -> (String, String) {
    match facts.and_then(Facts::acr) {
        Some(r) => (r.name.clone(), r.arm.resource_group.clone()),
        None => (
            probe
                .login
                .host
                .split('.')
                .next()
                .unwrap_or("<registry>")
                .to_string(),
            "<resource-group>".into(),
        ),
    }
}

fn is_acr(host: &str) -> bool {
    Cloud::from_login_server(host).is_some()
}

fn addresses(list: &[IpAddr]) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn chain(outcome: &DnsOutcome) -> String {
    match outcome {
        DnsOutcome::Resolved(r) if !r.chain.is_empty() => {
            format!("{} → {}", r.name, r.chain.join(" → "))
        }
        DnsOutcome::Resolved(r) => r.name.clone(),
        DnsOutcome::NxDomain { name }
        | DnsOutcome::ServerFailure { name, .. }
        | DnsOutcome::Timeout { name } => name.clone(),
    }
}

/// How one host resolved.
enum Judged {
    Fine(String),
    Broken {
        message: String,
        fix: String,
        evidence: Evidence,
    },
}

fn broken(message: String, fix: String, evidence: Evidence) -> Judged {
    Judged::Broken {
        message,
        fix,
        evidence,
    }
}

fn judge_resolution(host: &HostProbe, probe: &ProbeFacts, facts: Option<&Facts>) -> Judged {
    let Some(dns) = &host.dns else {
        return Judged::Fine(format!("{} is an address: nothing to resolve", host.host));
    };
    let (registry, group) = registry_names(probe, facts);
    let zone = Cloud::from_login_server(&probe.login.host)
        .unwrap_or_default()
        .acr_zone();
    let expected: Vec<String> = host
        .expected
        .addresses
        .iter()
        .map(ToString::to_string)
        .collect();
    let mut evidence = Evidence::new(&host.host, "DNS A").actual(match dns {
        DnsOutcome::Resolved(r) if !r.addresses.is_empty() => {
            format!("{} = {}", chain(dns), addresses(&r.addresses))
        }
        DnsOutcome::Resolved(_) => format!("{}: no A record", chain(dns)),
        DnsOutcome::NxDomain { .. } => "NXDOMAIN".into(),
        DnsOutcome::ServerFailure { detail, .. } => detail.clone(),
        DnsOutcome::Timeout { .. } => "timed out".into(),
    });
    if !expected.is_empty() {
        evidence = evidence.expected(expected.join(", "));
    }
    let resolver = &probe.vantage.resolver;
    let record = host
        .host
        .strip_suffix(&format!(".{}", zone.trim_start_matches("privatelink.")))
        .unwrap_or(&host.host)
        .to_string();
    let fix_record = format!(
        "az network private-dns record-set a add-record -g <zone-resource-group> -z {zone} -n {record} -a {}",
        expected.first().map_or("<endpoint-ip>", String::as_str)
    );
    let fix_view = format!(
        "Link the zone to the VNet whose resolver answered, or make the custom DNS server forward azurecr.io to 168.63.129.16: az network private-dns link vnet create -g <zone-resource-group> -z {zone} -n link-app -v <vnet-id> -e false"
    );
    let suffix = |from: &Option<(String, String)>| {
        from.as_ref()
            .map(|(id, path)| {
                format!(
                    " (the endpoint NIC {} › {path})",
                    id.rsplit('/').next().unwrap_or(id)
                )
            })
            .unwrap_or_default()
    };
    match dns {
        DnsOutcome::NxDomain { .. } => broken(
            format!(
                "{} does not exist for the resolver {resolver} (NXDOMAIN): the {zone} zone in its view has no {record} record",
                host.host
            ),
            fix_record,
            evidence,
        ),
        DnsOutcome::ServerFailure { detail, .. } => broken(
            format!(
                "the resolver {resolver} could not answer for {} ({detail}): a custom DNS server that does not forward azurecr.io, or one that is down",
                host.host
            ),
            fix_view,
            evidence,
        ),
        DnsOutcome::Timeout { .. } => broken(
            format!(
                "the resolver {resolver} did not answer for {} in time: the DNS server is unreachable from here (NSG, route or a stopped server)",
                host.host
            ),
            fix_view,
            evidence,
        ),
        DnsOutcome::Resolved(r) => match classify(dns, &host.expected.addresses) {
            Verdict::Expected => Judged::Fine(format!(
                "{} resolves to {}{} via {}",
                host.host,
                addresses(&r.addresses),
                suffix(&host.expected.from),
                chain(dns)
            )),
            Verdict::NoAnswer => broken(
                format!(
                    "{} has no A record for the resolver {resolver} ({})",
                    host.host,
                    chain(dns)
                ),
                fix_record,
                evidence,
            ),
            Verdict::Public(public) if is_acr(&host.host) => broken(
                format!(
                    "{} resolves to the public address {} via {}: the resolver {resolver} does not see the {zone} zone, so the pull would leave the VNet and meet the registry's firewall",
                    host.host,
                    addresses(&public),
                    chain(dns)
                ),
                fix_view,
                evidence,
            ),
            Verdict::Public(public) => Judged::Fine(format!(
                "{} resolves to the public address {} (a registry without a private endpoint)",
                host.host,
                addresses(&public)
            )),
            Verdict::OtherPrivate(_) if host.expected.addresses.is_empty() => {
                Judged::Fine(format!(
                    "{} resolves to the private address {} via {} (no endpoint address to compare with: verify --probe compares with the endpoint's NIC)",
                    host.host,
                    addresses(&r.addresses),
                    chain(dns)
                ))
            }
            Verdict::OtherPrivate(other) => broken(
                format!(
                    "{} resolves to {}, not the private endpoint's {}{}: a stale A record, or another endpoint's zone answering",
                    host.host,
                    addresses(&other),
                    expected.join(", "),
                    suffix(&host.expected.from)
                ),
                format!(
                    "az network private-dns record-set a update -g <zone-resource-group> -z {zone} -n {record} --set aRecords[0].ipv4Address={} (or re-create the endpoint's DNS zone group so records follow the NIC: az network private-endpoint dns-zone-group create -g {group} --endpoint-name <endpoint> -n default --private-dns-zone {zone} --zone-name {registry})",
                    expected.first().map_or("<endpoint-ip>", String::as_str)
                ),
                evidence,
            ),
        },
    }
}

fn login_resolves(probe: &ProbeFacts, facts: Option<&Facts>) -> Result<Outcome, Unavailable> {
    Ok(match judge_resolution(&probe.login, probe, facts) {
        Judged::Fine(note) if probe.login.dns.is_none() => Outcome::skip(note),
        Judged::Fine(note) => Outcome::pass(note),
        Judged::Broken {
            message,
            fix,
            evidence,
        } => Outcome::fail(message).evidence(evidence).fix(fix),
    })
}

fn data_resolves(probe: &ProbeFacts, facts: Option<&Facts>) -> Result<Outcome, Unavailable> {
    if probe.data.is_empty() {
        return Ok(Outcome::skip(
            "no data endpoint to resolve: none is known (pass --data-endpoint-region) and the blob was not redirected to one",
        ));
    }
    let mut passed = Vec::new();
    let mut failed: Vec<(String, String, Evidence)> = Vec::new();
    for host in &probe.data {
        let named = match &host.role {
            HostRole::DataEndpoint {
                from_redirect: true,
                ..
            } => " (named by the blob redirect)",
            _ => "",
        };
        match judge_resolution(host, probe, facts) {
            Judged::Fine(note) => passed.push(format!("{note}{named}")),
            Judged::Broken {
                message,
                fix,
                evidence,
            } => failed.push((format!("{message}{named}"), fix, evidence)),
        }
    }
    if failed.is_empty() {
        return Ok(Outcome::pass(passed.join("; ")));
    }
    let fix = failed[0].1.clone();
    let message = failed
        .iter()
        .map(|(m, _, _)| m.clone())
        .collect::<Vec<_>>()
        .join("; ");
    Ok(Outcome::fail(message)
        .evidences(failed.into_iter().map(|(_, _, e)| e))
        .fix(fix))
}

/// Every host probe whose name resolved (or is an address).
fn dialled(probe: &ProbeFacts) -> impl Iterator<Item = &HostProbe> {
    std::iter::once(&probe.login).chain(&probe.data)
}

fn tcp_connects(probe: &ProbeFacts, _: Option<&Facts>) -> Result<Outcome, Unavailable> {
    let mut passed = Vec::new();
    let mut failed = Vec::new();
    let mut blocked = Vec::new();
    let mut evidence = Vec::new();
    for host in dialled(probe) {
        for c in &host.connections {
            let line = format!("{} {}: {}", host.host, c.address, tcp_words(&c.tcp));
            match &c.tcp {
                TcpOutcome::Connected { .. } => passed.push(line),
                TcpOutcome::Blocked(_) => blocked.push(line),
                _ => {
                    evidence.push(
                        Evidence::new(&host.host, &format!("TCP {}", c.address))
                            .expected("connected")
                            .actual(tcp_words(&c.tcp)),
                    );
                    failed.push(line);
                }
            }
        }
    }
    if !failed.is_empty() {
        return Ok(Outcome::fail(format!("TCP {} did not connect: {}", probe.login.port, failed.join("; ")))
            .evidences(evidence)
            .fix("Allow TCP 443 from the integration subnet to the endpoint's addresses: check the NSGs on both subnets (az network nsg rule list -g <rg> --nsg-name <nsg> -o table), route tables that send the traffic to an appliance (az network route-table route list), and the appliance's rules"));
    }
    if !blocked.is_empty() {
        return Err(Unavailable {
            reason: format!("not probed: {}", blocked.join("; ")),
            errored: true,
        });
    }
    if passed.is_empty() {
        return Ok(Outcome::skip("no address to connect to"));
    }
    Ok(Outcome::pass(passed.join("; ")))
}

fn tls_verified(probe: &ProbeFacts, _: Option<&Facts>) -> Result<Outcome, Unavailable> {
    let mut passed = Vec::new();
    let mut failed = Vec::new();
    let mut evidence = Vec::new();
    let mut fix = None;
    for host in dialled(probe) {
        for c in &host.connections {
            let Some(tls) = &c.tls else { continue };
            let line = format!("{} at {}: {}", host.host, c.address, tls_words(tls));
            if matches!(tls, TlsOutcome::Verified { .. }) {
                passed.push(line);
                continue;
            }
            fix.get_or_insert(match tls {
                TlsOutcome::UnknownIssuer => "The certificate does not chain to a trusted root: a TLS-inspecting firewall or proxy is re-signing the connection (exempt *.azurecr.io from inspection; the platform will not trust its CA), or the address is not the registry. For a private CA you trust on purpose, pass --ca-file",
                TlsOutcome::NameMismatch => "The server's certificate is not for this host: the name resolves to a server that is not this registry (check the A record against the private endpoint's NIC: az network nic show --ids <nic-id> --query ipConfigurations)",
                TlsOutcome::Expired => "The server presents an expired certificate: the address is not Azure's registry front end (ACR certificates are renewed by Azure); check what answers at that address",
                _ => "The handshake does not complete: an appliance that accepts the connection but drops TLS, or an MTU problem on the path",
            });
            evidence.push(
                Evidence::new(&host.host, &format!("TLS {}", c.address))
                    .expected(format!("a certificate valid for {}", host.host))
                    .actual(tls_words(tls)),
            );
            failed.push(line);
        }
    }
    if !failed.is_empty() {
        return Ok(Outcome::fail(format!("TLS failed: {}", failed.join("; ")))
            .evidences(evidence)
            .fix(fix.unwrap_or_default()));
    }
    if passed.is_empty() {
        return Ok(Outcome::skip("no connection to shake hands over"));
    }
    Ok(Outcome::pass(passed.join("; ")))
}

fn registry_challenge(probe: &ProbeFacts, facts: Option<&Facts>) -> Result<Outcome, Unavailable> {
    let Some(challenge) = &probe.challenge else {
        return Err(not_reached(probe, "the /v2/ challenge"));
    };
    let evidence = |actual: String| {
        Evidence::new(&probe.login.host, "GET /v2/")
            .expected("401 with a WWW-Authenticate challenge, or 200")
            .actual(actual)
    };
    let (registry, group) = registry_names(probe, facts);
    Ok(match challenge {
        Challenge::Open => Outcome::pass("/v2/ answered 200 without credentials: the registry allows anonymous access"),
        Challenge::Bearer { realm, service, .. } => Outcome::pass(format!(
            "/v2/ asks for a Bearer token from {realm} (service {})",
            service.as_deref().unwrap_or("not named")
        )),
        Challenge::Basic { realm } => Outcome::pass(format!(
            "/v2/ asks for Basic credentials (realm {})",
            realm.as_deref().unwrap_or("not named")
        )),
        Challenge::Firewall { client_ip, message } => {
            let seen = client_ip.as_deref().unwrap_or("an address it did not name");
            let private = client_ip
                .as_deref()
                .and_then(|ip| ip.parse::<std::net::Ipv4Addr>().ok())
                .is_some_and(crate::facts::net::is_private);
            let why = if private {
                "a private address reached the registry's public side: the request came through another network's endpoint or a service endpoint, not this private endpoint"
            } else {
                "the request reached the registry's public endpoint, so it did not come through the private endpoint"
            };
            Outcome::fail(format!(
                "403 from the registry's firewall: it saw the client as {seen} ({message}); {why}"
            ))
            .evidence(evidence(format!("403: {message}")))
            .fix(format!(
                "Make the pull use the private endpoint (PRB-001 must resolve the login server to the endpoint's address from this VNet), or, for a public pull, allow the address: az acr network-rule add --name {registry} -g {group} --ip-address {seen}"
            ))
        }
        Challenge::Unexpected { status, detail } => Outcome::fail(format!(
            "/v2/ answered HTTP {status} ({detail}): this is not a registry's answer — a proxy, a web application firewall, or another server at this address"
        ))
        .evidence(evidence(format!("HTTP {status}")))
        .fix("Find what answers at the resolved address (the TLS certificate's subject names it) and route the registry's name to the private endpoint instead"),
        Challenge::Failed(e) => Outcome::fail(format!("/v2/ gave no HTTP answer: {e}"))
            .evidence(evidence(e.clone()))
            .fix("The TLS connection worked but HTTP did not: an appliance that terminates or drops requests; check its logs for the registry's name"),
    })
}

fn not_reached(probe: &ProbeFacts, step: &str) -> Unavailable {
    match probe.deadline_hit {
        Some(hit) => Unavailable {
            reason: format!("the run's --timeout passed before {hit}"),
            errored: true,
        },
        None => Unavailable::missing(format!("{step} was not reached")),
    }
}

/// Who the probe pulled as, for the messages.
fn pulled_as(probe: &ProbeFacts) -> String {
    if probe.vantage.as_app {
        format!("as the app ({})", probe.vantage.identity)
    } else {
        format!(
            "as {}, not as the app ({})",
            probe.vantage.identity, probe.vantage.as_app_reason
        )
    }
}

/// The `az` fix for an identity the registry knows but does not let pull.
fn grant_fix(probe: &ProbeFacts, facts: Option<&Facts>) -> String {
    let (registry, group) = registry_names(probe, facts);
    let principal = facts
        .and_then(|f| {
            let client_id = match f.credential_mode().ok()? {
                crate::facts::CredentialMode::ManagedIdentity { client_id } => client_id,
                _ => return None,
            };
            match f.pull_identity(client_id.as_deref()) {
                PullIdentity::System { principal_id } => principal_id,
                PullIdentity::User { principal_id, .. } => principal_id,
                PullIdentity::Unresolved { .. } => None,
            }
        })
        .unwrap_or_else(|| "<principal-id>".into());
    format!(
        "az role assignment create --assignee-object-id {principal} --assignee-principal-type ServicePrincipal --role AcrPull --scope $(az acr show -n {registry} -g {group} --query id -o tsv)"
    )
}

fn pull_token(probe: &ProbeFacts, facts: Option<&Facts>) -> Result<Outcome, Unavailable> {
    let Some(token) = &probe.token else {
        return Err(not_reached(probe, "the token step"));
    };
    let (registry, group) = registry_names(probe, facts);
    let refused_by_registry = match &probe.manifest {
        Some(ManifestOutcome::Unauthorized {
            status,
            code,
            insufficient_scope,
            detail,
        }) => Some((*status, code.clone(), *insufficient_scope, detail.clone())),
        _ => None,
    };
    let evidence = |step: &str, actual: String| {
        Evidence::new(&probe.login.host, step)
            .expected(format!(
                "a token granting pull on {}",
                probe.image.repository
            ))
            .actual(actual)
    };
    match token {
        TokenOutcome::Refused {
            step,
            status,
            refusal,
            detail,
        } => {
            let status_text = status.map(|s| format!("HTTP {s}: ")).unwrap_or_default();
            let (message, fix) = match refusal {
                Refusal::NoEntraToken => {
                    return Err(Unavailable {
                        reason: format!(
                            "no Entra token to pull with ({detail}): run inside the app (its managed identity answers), sign in with az login, or pull with --username and --password-stdin"
                        ),
                        errored: true,
                    });
                }
                Refusal::BadCredentials => (
                    format!(
                        "{step} refused the credentials ({status_text}{detail}): {}",
                        match &probe.credential {
                            CredentialKind::Basic { username, .. } =>
                                format!("the password for {username} is wrong, expired or regenerated"),
                            CredentialKind::Entra =>
                                "the registry does not accept this identity's token (another tenant, a disabled identity, or Entra authentication turned off)".into(),
                            CredentialKind::Anonymous => "anonymous access is not allowed".into(),
                        }
                    ),
                    match &probe.credential {
                        CredentialKind::Basic { .. } => format!(
                            "Set the current password: az webapp config container set -g <app-rg> -n <app> --container-registry-password $(az acr credential show -n {registry} --query 'passwords[0].value' -o tsv) — or better, pull with the managed identity (acrUseManagedIdentityCreds)"
                        ),
                        _ => format!(
                            "Check the identity exists in the registry's tenant and that token authentication is enabled: az acr config authentication-as-arm show -r {registry}"
                        ),
                    },
                ),
                Refusal::InsufficientScope => (
                    format!(
                        "{step} gave no pull on {} ({status_text}{detail}): the identity is known but holds no role that grants pull (AcrPull) on the registry; pulled {}",
                        probe.image.repository,
                        pulled_as(probe)
                    ),
                    grant_fix(probe, facts),
                ),
                Refusal::Other => (
                    format!("{step} did not issue a token ({status_text}{detail})"),
                    match &probe.credential {
                        CredentialKind::Anonymous => format!(
                            "Give the probe the app's credential (run inside the app, --auth, or --username with --password-stdin); anonymous pull is off: az acr update -n {registry} -g {group} --anonymous-pull-enabled true only if the image may be public"
                        ),
                        _ => "Check the registry's token endpoint; the detail above is its answer".into(),
                    },
                ),
            };
            Ok(Outcome::fail(message)
                .evidence(evidence(step, format!("{status_text}{detail}")))
                .fix(fix))
        }
        _ if refused_by_registry.is_some() => {
            let (status, code, insufficient, detail) = refused_by_registry.unwrap_or_default();
            Ok(Outcome::fail(format!(
                "the token was issued but the registry refuses it for the manifest (HTTP {status} {code}{}: {detail}): the identity has no pull permission on {}; pulled {}",
                if insufficient { ", insufficient_scope" } else { "" },
                probe.image.repository,
                pulled_as(probe)
            ))
            .evidence(evidence("GET manifest", format!("HTTP {status} {code}")))
            .fix(grant_fix(probe, facts)))
        }
        TokenOutcome::NotNeeded { reason } => Ok(Outcome::pass(format!(
            "{reason}; pulled {}",
            pulled_as(probe)
        ))),
        TokenOutcome::Granted {
            flow,
            scope,
            actions,
        } => Ok(Outcome::pass(format!(
            "{flow} issued a token for {scope}{}; pulled {}",
            actions
                .as_ref()
                .map(|a| format!(" (grants {})", a.join(", ")))
                .unwrap_or_default(),
            pulled_as(probe)
        ))),
    }
}

fn manifest_fetched(probe: &ProbeFacts, facts: Option<&Facts>) -> Result<Outcome, Unavailable> {
    let Some(manifest) = &probe.manifest else {
        return Err(not_reached(probe, "the manifest"));
    };
    let (registry, _) = registry_names(probe, facts);
    let reference = probe.image.reference();
    let repository = &probe.image.repository;
    let evidence = |actual: String| {
        Evidence::new(
            &probe.login.host,
            &format!("GET /v2/{repository}/manifests/{reference}"),
        )
        .actual(actual)
    };
    Ok(match manifest {
        ManifestOutcome::Fetched {
            media_type,
            digest,
            index,
            config,
            layers,
        } => Outcome::pass(format!(
            "{repository}:{reference} is {digest} ({media_type}, {layers} layer{}, config {}){}",
            if *layers == 1 { "" } else { "s" },
            config.digest,
            index
                .as_ref()
                .map(|(d, entries)| format!(
                    ", linux/amd64 from index {d} ({})",
                    entries.iter().map(|e| e.platform.as_str()).collect::<Vec<_>>().join(", ")
                ))
                .unwrap_or_default()
        )),
        ManifestOutcome::NotFound { code, detail } => {
            let what = if code == "NAME_UNKNOWN" {
                format!("the repository {repository} does not exist")
            } else {
                format!("{reference} is not in {repository}")
            };
            Outcome::fail(format!("{what} ({detail})"))
                .evidence(evidence(format!("404 {code}")).expected("200"))
                .fix(format!(
                    "Push the image, or point the app at a tag that exists: az acr repository show-tags -n {registry} --repository {repository} -o table"
                ))
        }
        ManifestOutcome::NoPlatform {
            index_digest,
            platforms,
        } => Outcome::fail(format!(
            "the index {index_digest} lists {} but not linux/amd64, the platform App Service Linux runs",
            platforms.join(", ")
        ))
        .evidence(evidence(platforms.join(", ")).expected("an entry for linux/amd64"))
        .fix("Build and push for linux/amd64: docker buildx build --platform linux/amd64,linux/arm64 -t <image> --push ."),
        ManifestOutcome::DigestMismatch { expected, actual } => Outcome::fail(format!(
            "the manifest's bytes hash to {actual}, not {expected}: something on the path altered them, or the registry's content is corrupt"
        ))
        .evidence(evidence(actual.clone()).expected(expected.clone()))
        .fix("Pull through a path without a content-rewriting proxy; if it persists, push the image again"),
        ManifestOutcome::Unauthorized { status, code, detail, .. } => Outcome::fail(format!(
            "the registry refused the manifest (HTTP {status} {code}: {detail})"
        ))
        .evidence(evidence(format!("HTTP {status}")))
        .fix(grant_fix(probe, facts)),
        ManifestOutcome::Invalid(e) => Outcome::fail(format!("the manifest is not an image manifest: {e}"))
            .evidence(evidence(e.clone())),
        ManifestOutcome::Failed(e) => Outcome::fail(format!("the manifest request failed: {e}"))
            .evidence(evidence(e.clone())),
    })
}

fn config_blob(probe: &ProbeFacts, _: Option<&Facts>) -> Result<Outcome, Unavailable> {
    let Some(blob) = &probe.blob else {
        return Err(not_reached(probe, "the config blob"));
    };
    let served = |source: &BlobSource| match source {
        BlobSource::LoginServer => "served by the login server".to_string(),
        BlobSource::Redirect { status, host } => {
            format!("served by {host} after a {status} redirect")
        }
    };
    let evidence = |actual: String| {
        Evidence::new(
            &probe.login.host,
            &format!("GET /v2/{}/blobs/<config>", probe.image.repository),
        )
        .actual(actual)
    };
    Ok(match blob {
        BlobOutcome::Verified {
            digest,
            bytes,
            source,
        } => Outcome::pass(format!(
            "config blob {digest} ({bytes} bytes) {}, sha256 verified",
            served(source)
        )),
        BlobOutcome::DigestMismatch {
            expected,
            actual,
            source,
        } => Outcome::fail(format!(
            "the config blob {} hashes to {actual}, not {expected}: a proxy or appliance altered the content, or the registry's storage is corrupt",
            served(source)
        ))
        .evidence(evidence(actual.clone()).expected(expected.clone()))
        .fix("Exempt the registry and its data endpoints from content inspection; if it persists, push the image again"),
        BlobOutcome::RedirectUnreachable { host, detail } => {
            let probed = probe.data.iter().find(|d| d.host == *host);
            Outcome::fail(format!(
                "the registry redirects blob downloads to {host}, which cannot be reached from here: {}",
                probed.map(host_failure).unwrap_or_else(|| detail.clone())
            ))
            .evidence(evidence(format!("redirect to {host}")).expected(format!("{host} reachable")))
            .fix(format!(
                "Every data endpoint needs an A record in the privatelink zone pointing at the endpoint NIC's registry_data_<region> address (DNS-004); the endpoint's DNS zone group keeps them in step: az network private-endpoint dns-zone-group show -g <rg> --endpoint-name <endpoint> -n default — the missing name is {host}"
            ))
        }
        BlobOutcome::Refused {
            status,
            detail,
            source,
        } => Outcome::fail(format!(
            "the config blob was refused (HTTP {status}, {}): {detail}",
            served(source)
        ))
        .evidence(evidence(format!("HTTP {status}"))),
        BlobOutcome::Failed(e) => Outcome::fail(format!("the config blob could not be fetched: {e}"))
            .evidence(evidence(e.clone())),
    })
}
