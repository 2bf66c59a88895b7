//! One probe run along the pull path, in the platform's order: resolve the login server and
//! the data endpoints, connect and shake hands with each address, ask `/v2/` for its
//! challenge, get a pull token, fetch the manifest, then the config blob through whatever
//! redirect the registry gives (the redirect's host is resolved and dialled like the others).
//! Every step has a timeout bounded by the run's deadline; every connection passes the dial
//! guard; a step that cannot run because an earlier one broke is left unobserved.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::join_all;
use tokio_rustls::rustls::ClientConfig;

use super::DialGuard;
use super::dns::{DnsOutcome, DnsProbe};
use super::registry::{self, Auth, BlobAnswer, Http, TokenCredential};
use super::tcp::{self, TcpOutcome};
use super::tls::{TlsOutcome, TlsProbe};
use crate::collect::auth::{self, AuthMode};
use crate::error::InputError;
use crate::facts::image::ImageRef;
use crate::facts::probe::{
    BlobOutcome, BlobSource, Challenge, Connection, CredentialKind, Expected, HostProbe, HostRole,
    ManifestOutcome, ProbeFacts, Refusal, TokenOutcome, Vantage,
};

/// No single step waits longer than this, whatever the run's deadline.
const STEP_LIMIT: Duration = Duration::from_secs(10);
/// A host with more addresses than this is probed on the first ones only.
const MAX_ADDRESSES: usize = 4;
/// Redirects followed for the blob (login server → data endpoint → storage).
const MAX_REDIRECTS: usize = 3;

/// A host to probe and what it should resolve to.
#[derive(Debug, Clone)]
pub struct HostPlan {
    pub host: String,
    pub port: u16,
    pub role: HostRole,
    pub expected: Expected,
}

/// The credential the probe pulls with. Secrets live here and in the collector only.
pub enum PullCredential {
    /// An Entra token from the credential chain, exchanged at the registry.
    Entra {
        mode: AuthMode,
        /// A user-assigned managed identity's client id.
        client_id: Option<String>,
    },
    Basic {
        username: String,
        password: String,
        /// Where the credentials came from, for the report.
        source: String,
    },
    Anonymous,
}

pub struct ProbePlan {
    pub image: ImageRef,
    pub login: HostPlan,
    pub data: Vec<HostPlan>,
    /// Expectations for hosts that only a redirect may name (every data endpoint the facts
    /// know), by lowercase host.
    pub expected_by_host: Vec<(String, Expected)>,
    pub credential: PullCredential,
    /// Whether this credential is the app's own, and why.
    pub as_app: (bool, String),
    pub dns_servers: Vec<SocketAddr>,
    pub ca_file: Option<PathBuf>,
    pub timeout: Duration,
    pub guard: DialGuard,
}

/// The parts every step shares.
struct Context {
    dns: DnsProbe,
    tls: TlsProbe,
    guard: DialGuard,
    deadline: Instant,
}

impl Context {
    fn step(&self) -> Duration {
        self.deadline
            .saturating_duration_since(Instant::now())
            .min(STEP_LIMIT)
    }
    fn expired(&self) -> bool {
        Instant::now() >= self.deadline
    }
    fn tls_config(&self) -> &Arc<ClientConfig> {
        &self.tls.config
    }
}

/// Runs the probes. Only set-up problems (an unreadable `--ca-file`, a DNS server the dial
/// guard refuses) are errors; everything observed on the path is in the result.
pub async fn walk(plan: ProbePlan) -> Result<ProbeFacts, InputError> {
    let deadline = Instant::now() + plan.timeout;
    let context = Context {
        dns: DnsProbe::new(&plan.dns_servers, &plan.guard, plan.timeout.min(STEP_LIMIT))?,
        tls: TlsProbe::new(plan.ca_file.as_deref())?,
        guard: plan.guard.clone(),
        deadline,
    };
    let resolver = if plan.dns_servers.is_empty() {
        format!("system ({})", join(&context.dns.servers))
    } else {
        format!("--dns-server {}", join(&context.dns.servers))
    };

    let (login, data) = futures::join!(
        probe_host(&context, &plan.login),
        join_all(plan.data.iter().map(|d| probe_host(&context, d)))
    );
    let mut facts = ProbeFacts {
        image: plan.image.clone(),
        vantage: Vantage {
            host_name: host_name(),
            local_addresses: Vec::new(),
            resolver,
            identity: String::new(),
            as_app: plan.as_app.0,
            as_app_reason: plan.as_app.1.clone(),
        },
        login,
        data,
        credential: match &plan.credential {
            PullCredential::Entra { .. } => CredentialKind::Entra,
            PullCredential::Basic {
                username, source, ..
            } => CredentialKind::Basic {
                username: username.clone(),
                source: source.clone(),
            },
            PullCredential::Anonymous => CredentialKind::Anonymous,
        },
        challenge: None,
        token: None,
        manifest: None,
        blob: None,
        deadline_hit: None,
    };
    facts.vantage.identity = match &facts.credential {
        CredentialKind::Entra => {
            "an Entra identity (not asked: the token step was not reached)".into()
        }
        CredentialKind::Basic { username, source } => format!("user {username} ({source})"),
        CredentialKind::Anonymous => "anonymous".into(),
    };
    registry_steps(&context, &plan, &mut facts).await;
    facts.vantage.local_addresses = local_addresses(&facts);
    Ok(facts)
}

async fn registry_steps(context: &Context, plan: &ProbePlan, facts: &mut ProbeFacts) {
    let Some(address) = facts.login.verified() else {
        return;
    };
    let http = match Http::new(
        &facts.login.host,
        facts.login.port,
        address,
        context.tls_config(),
        context.step(),
    ) {
        Ok(h) => h,
        Err(e) => {
            facts.challenge = Some(Challenge::Failed(e));
            return;
        }
    };
    if context.expired() {
        facts.deadline_hit = Some("the /v2/ challenge");
        return;
    }
    let challenge = registry::challenge(&http).await;
    facts.challenge = Some(challenge.clone());

    let (token, auth) = match &challenge {
        Challenge::Open => (
            TokenOutcome::NotNeeded {
                reason: "the registry answered /v2/ without credentials".into(),
            },
            Auth::None,
        ),
        Challenge::Basic { .. } => basic_only(&http, &plan.credential).await,
        Challenge::Bearer { realm, service, .. } => {
            let service = service.clone().unwrap_or_else(|| facts.login.host.clone());
            bearer(context, plan, facts, &http, realm, &service).await
        }
        Challenge::Firewall { .. } | Challenge::Unexpected { .. } | Challenge::Failed(_) => {
            return;
        }
    };
    let granted = !matches!(token, TokenOutcome::Refused { .. });
    facts.token = Some(token);
    if !granted {
        return;
    }
    if context.expired() {
        facts.deadline_hit = Some("the manifest");
        return;
    }
    let manifest = registry::manifest(&http, &auth, &plan.image).await;
    let config = match &manifest {
        ManifestOutcome::Fetched { config, .. } => Some(config.digest.clone()),
        _ => None,
    };
    facts.manifest = Some(manifest);
    let Some(digest) = config else { return };
    if context.expired() {
        facts.deadline_hit = Some("the config blob");
        return;
    }
    facts.blob = Some(blob(context, plan, facts, &http, &auth, &digest).await);
}

/// A registry that takes Basic credentials on every request (no token endpoint).
async fn basic_only(http: &Http, credential: &PullCredential) -> (TokenOutcome, Auth) {
    let PullCredential::Basic {
        username, password, ..
    } = credential
    else {
        return (
            TokenOutcome::Refused {
                step: "/v2/".into(),
                status: Some(401),
                refusal: Refusal::Other,
                detail: "the registry asks for a user name and password (Basic); pass --username with --password-stdin".into(),
            },
            Auth::None,
        );
    };
    let auth = Auth::Basic {
        username: username.clone(),
        password: password.clone(),
    };
    match registry::basic_accepted(http, &auth).await {
        Ok(()) => (
            TokenOutcome::NotNeeded {
                reason: format!(
                    "the registry takes Basic credentials on each request; /v2/ accepted {username}"
                ),
            },
            auth,
        ),
        Err((status, detail)) => (
            TokenOutcome::Refused {
                step: "/v2/".into(),
                status: (status > 0).then_some(status),
                refusal: if status == 401 {
                    Refusal::BadCredentials
                } else {
                    Refusal::Other
                },
                detail,
            },
            Auth::None,
        ),
    }
}

async fn bearer(
    context: &Context,
    plan: &ProbePlan,
    facts: &mut ProbeFacts,
    http: &Http,
    realm: &str,
    service: &str,
) -> (TokenOutcome, Auth) {
    let refused = |step: &str, refusal: Refusal, detail: String| {
        (
            TokenOutcome::Refused {
                step: step.into(),
                status: None,
                refusal,
                detail,
            },
            Auth::None,
        )
    };
    // The token endpoint is on the login server for ACR and most registries; another host
    // is resolved and guarded like every connection.
    let realm_http = match reqwest::Url::parse(realm) {
        Ok(url) if url.scheme() == "https" => {
            let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
            if host == facts.login.host && url.port_or_known_default() == Some(facts.login.port) {
                http.clone()
            } else {
                match dial_http(context, &host, url.port_or_known_default().unwrap_or(443)).await {
                    Ok(h) => h,
                    Err(e) => {
                        return refused(
                            realm,
                            Refusal::Other,
                            format!("token endpoint {host}: {e}"),
                        );
                    }
                }
            }
        }
        Ok(_) => {
            return refused(
                realm,
                Refusal::Other,
                "the token realm is not https: credentials would travel in the clear".into(),
            );
        }
        Err(e) => {
            return refused(
                realm,
                Refusal::Other,
                format!("the realm is not a URL ({e})"),
            );
        }
    };
    let credential = match &plan.credential {
        PullCredential::Entra { mode, client_id } => {
            let asked = tokio::time::timeout(
                context.step(),
                auth::acquire_token(*mode, registry::ACR_SCOPE, client_id.as_deref()),
            )
            .await;
            match asked {
                Ok(Ok((credential, token))) => {
                    facts.vantage.identity = format!("{} ({})", credential.who, credential.kind);
                    let token = token.secret().to_string();
                    TokenCredential::Entra {
                        tenant: auth::claim(&token, "tid"),
                        token,
                    }
                }
                Ok(Err(e)) => {
                    facts.vantage.identity = "no Entra identity answered".into();
                    return refused("Entra", Refusal::NoEntraToken, e.message);
                }
                Err(_) => {
                    return refused(
                        "Entra",
                        Refusal::NoEntraToken,
                        "the credential did not answer in time".into(),
                    );
                }
            }
        }
        PullCredential::Basic {
            username, password, ..
        } => TokenCredential::Basic {
            username: username.clone(),
            password: password.clone(),
        },
        PullCredential::Anonymous => TokenCredential::Anonymous,
    };
    registry::bearer_token(http, &realm_http, realm, service, &plan.image, &credential).await
}

/// Resolves, guards and dials a host, for a client pinned to the first address that answers.
async fn dial_http(context: &Context, host: &str, port: u16) -> Result<Http, String> {
    let addresses = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => match context.dns.resolve(host).await {
            DnsOutcome::Resolved(r) if !r.addresses.is_empty() => r.addresses,
            other => return Err(format!("does not resolve ({})", dns_words(&other))),
        },
    };
    let address = SocketAddr::new(addresses[0], port);
    context
        .guard
        .check(address.ip())
        .map_err(|refused| refused.to_string())?;
    Http::new(host, port, address, context.tls_config(), context.step())
}

fn dns_words(outcome: &DnsOutcome) -> String {
    match outcome {
        DnsOutcome::Resolved(r) if r.addresses.is_empty() => "no A record".into(),
        DnsOutcome::Resolved(_) => "resolved".into(),
        DnsOutcome::NxDomain { .. } => "NXDOMAIN".into(),
        DnsOutcome::ServerFailure { detail, .. } => detail.clone(),
        DnsOutcome::Timeout { .. } => "timed out".into(),
    }
}

/// The config blob, following redirects; a new host is probed (DNS, TCP, TLS) and recorded
/// as a data endpoint, and gets no credentials (the redirect URL carries its own grant).
async fn blob(
    context: &Context,
    plan: &ProbePlan,
    facts: &mut ProbeFacts,
    login: &Http,
    auth: &Auth,
    digest: &str,
) -> BlobOutcome {
    let mut answer = registry::blob(login, auth, &plan.image, digest).await;
    let mut source = BlobSource::LoginServer;
    for _ in 0..MAX_REDIRECTS {
        let BlobAnswer::Redirect { status, location } = &answer else {
            break;
        };
        let host = location.host_str().unwrap_or_default().to_ascii_lowercase();
        let port = location.port_or_known_default().unwrap_or(443);
        source = BlobSource::Redirect {
            status: *status,
            host: host.clone(),
        };
        if location.scheme() != "https" {
            return BlobOutcome::Failed(format!(
                "the registry redirects the blob to plain http ({host})"
            ));
        }
        let (http, credentials) = if host == login.host && port == facts.login.port {
            (login.clone(), auth.clone())
        } else {
            let index = match facts
                .data
                .iter()
                .position(|d| d.host == host && d.port == port)
            {
                Some(i) => i,
                None => {
                    let plan = HostPlan {
                        host: host.clone(),
                        port,
                        role: HostRole::DataEndpoint {
                            region: data_region(&host),
                            from_redirect: true,
                        },
                        expected: plan
                            .expected_by_host
                            .iter()
                            .find(|(h, _)| *h == host)
                            .map(|(_, e)| e.clone())
                            .unwrap_or_default(),
                    };
                    let probed = probe_host(context, &plan).await;
                    facts.data.push(probed);
                    facts.data.len() - 1
                }
            };
            let probed = &facts.data[index];
            let Some(address) = probed.verified() else {
                return BlobOutcome::RedirectUnreachable {
                    host: host.clone(),
                    detail: host_failure(probed),
                };
            };
            match Http::new(&host, port, address, context.tls_config(), context.step()) {
                Ok(h) => (h, Auth::None),
                Err(e) => return BlobOutcome::Failed(e),
            }
        };
        answer = registry::fetch_blob(&http, location.as_str(), &credentials).await;
    }
    match answer {
        BlobAnswer::Bytes(bytes) => {
            let actual = registry::sha256(&bytes);
            if actual == digest {
                BlobOutcome::Verified {
                    digest: actual,
                    bytes: bytes.len() as u64,
                    source,
                }
            } else {
                BlobOutcome::DigestMismatch {
                    expected: digest.to_string(),
                    actual,
                    source,
                }
            }
        }
        BlobAnswer::Redirect { location, .. } => BlobOutcome::Failed(format!(
            "more than {MAX_REDIRECTS} redirects (last to {})",
            location.host_str().unwrap_or_default()
        )),
        BlobAnswer::Refused { status, detail } => BlobOutcome::Refused {
            status,
            detail,
            source,
        },
        BlobAnswer::Failed(e) => BlobOutcome::Failed(e),
    }
}

/// `<registry>.<region>.data.<suffix>` → region.
pub fn data_region(host: &str) -> Option<String> {
    let labels: Vec<&str> = host.split('.').collect();
    (labels.len() > 3 && labels[2] == "data").then(|| labels[1].to_string())
}

/// Which step of a host's probe broke, in words.
pub fn host_failure(probe: &HostProbe) -> String {
    if let Some(dns) = &probe.dns
        && !matches!(dns, DnsOutcome::Resolved(r) if !r.addresses.is_empty())
    {
        return format!("{} does not resolve: {}", probe.host, dns_words(dns));
    }
    let mut reasons = Vec::new();
    for c in &probe.connections {
        let why = match (&c.tcp, &c.tls) {
            (TcpOutcome::Connected { .. }, Some(tls)) => format!("TLS {}", tls_words(tls)),
            (tcp, _) => format!("TCP {}", tcp_words(tcp)),
        };
        reasons.push(format!("{}: {why}", c.address));
    }
    if reasons.is_empty() {
        format!("{} has no address to connect to", probe.host)
    } else {
        reasons.join("; ")
    }
}

pub fn tcp_words(tcp: &TcpOutcome) -> String {
    match tcp {
        TcpOutcome::Connected { millis, .. } => format!("connected in {millis} ms"),
        TcpOutcome::Refused => "refused (nothing listens, or a firewall rejects)".into(),
        TcpOutcome::Timeout => "timed out (a black hole: NSG, firewall or route)".into(),
        TcpOutcome::Failed(e) => e.clone(),
        TcpOutcome::Blocked(refused) => refused.to_string(),
    }
}

pub fn tls_words(tls: &TlsOutcome) -> String {
    match tls {
        TlsOutcome::Verified { protocol, .. } => format!("verified ({protocol})"),
        TlsOutcome::UnknownIssuer => "certificate from an unknown issuer".into(),
        TlsOutcome::NameMismatch => "certificate not valid for the host name".into(),
        TlsOutcome::Expired => "certificate expired".into(),
        TlsOutcome::HandshakeTimeout => "handshake timed out".into(),
        TlsOutcome::ConnectFailed(e) | TlsOutcome::Failed(e) => e.clone(),
        TlsOutcome::Blocked(refused) => refused.to_string(),
    }
}

/// DNS, then TCP and TLS to each address (at most [`MAX_ADDRESSES`]), concurrently.
async fn probe_host(context: &Context, plan: &HostPlan) -> HostProbe {
    let (dns, addresses) = match plan.host.parse::<IpAddr>() {
        Ok(ip) => (None, vec![ip]),
        Err(_) => {
            let outcome = tokio::time::timeout(context.step(), context.dns.resolve(&plan.host))
                .await
                .unwrap_or(DnsOutcome::Timeout {
                    name: plan.host.clone(),
                });
            let addresses = match &outcome {
                DnsOutcome::Resolved(r) => r.addresses.clone(),
                _ => Vec::new(),
            };
            (Some(outcome), addresses)
        }
    };
    let connections = join_all(addresses.iter().take(MAX_ADDRESSES).map(|ip| {
        let address = SocketAddr::new(*ip, plan.port);
        async move {
            let (tcp, stream) = tcp::connect_stream(address, &context.guard, context.step()).await;
            let tls = match stream {
                Some(stream) => Some(
                    context
                        .tls
                        .handshake_over(stream, &plan.host, context.step())
                        .await,
                ),
                None => None,
            };
            Connection { address, tcp, tls }
        }
    }))
    .await;
    HostProbe {
        host: plan.host.clone(),
        port: plan.port,
        role: plan.role.clone(),
        expected: plan.expected.clone(),
        dns,
        connections,
    }
}

fn local_addresses(facts: &ProbeFacts) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = Vec::new();
    for probe in std::iter::once(&facts.login).chain(&facts.data) {
        for c in &probe.connections {
            if let TcpOutcome::Connected {
                local: Some(local), ..
            } = c.tcp
                && !out.contains(&local.ip())
            {
                out.push(local.ip());
            }
        }
    }
    out
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

fn join(servers: &[SocketAddr]) -> String {
    servers
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
