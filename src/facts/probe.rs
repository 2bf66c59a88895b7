//! What the live probes observed, step by step along the pull path, as plain data for the
//! PRB checks: the vantage point, each host's DNS answer, TCP connects and TLS handshakes,
//! the registry's challenge, the token, the manifest and the config blob. A step that did not
//! run (an earlier one broke) is `None`. No secret is held here: credentials stay in the
//! collector.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

pub use crate::collect::probe::dns::{DnsOutcome, Resolution};
pub use crate::collect::probe::tcp::TcpOutcome;
pub use crate::collect::probe::tls::TlsOutcome;

use super::image::ImageRef;

/// Where the probe ran from and as whom.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Vantage {
    pub host_name: String,
    /// The source addresses of the connections the probe made (what the registry sees
    /// inside the VNet).
    pub local_addresses: Vec<IpAddr>,
    /// `system (…)`, or the servers given with `--dns-server`.
    pub resolver: String,
    /// The identity that asked for the token, described without the token.
    pub identity: String,
    /// Whether the pull ran with the app's own credential.
    pub as_app: bool,
    /// Why (or why not) this counts as pulling as the app.
    pub as_app_reason: String,
}

/// What a host is on the pull path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostRole {
    LoginServer,
    /// A data endpoint: from the facts or `--data-endpoint-region`, or named by the blob
    /// redirect.
    DataEndpoint {
        region: Option<String>,
        from_redirect: bool,
    },
}

/// The addresses a host should resolve to, and where that expectation comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expected {
    pub addresses: Vec<Ipv4Addr>,
    /// The resource and property (the endpoint NIC's member), when known.
    pub from: Option<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Connection {
    pub address: SocketAddr,
    pub tcp: TcpOutcome,
    /// The TLS handshake over that connection; `None` when TCP did not connect.
    pub tls: Option<TlsOutcome>,
}

#[derive(Debug, Clone)]
pub struct HostProbe {
    pub host: String,
    pub port: u16,
    pub role: HostRole,
    pub expected: Expected,
    /// `None` when the host is an IP address (nothing to resolve).
    pub dns: Option<DnsOutcome>,
    pub connections: Vec<Connection>,
}

impl HostProbe {
    /// The addresses the host resolved to (or the literal address).
    pub fn addresses(&self) -> Vec<IpAddr> {
        match &self.dns {
            Some(DnsOutcome::Resolved(r)) => r.addresses.clone(),
            Some(_) => Vec::new(),
            None => self.host.parse::<IpAddr>().into_iter().collect(),
        }
    }

    /// The first connection whose TLS handshake verified.
    pub fn verified(&self) -> Option<SocketAddr> {
        self.connections
            .iter()
            .find(|c| matches!(c.tls, Some(TlsOutcome::Verified { .. })))
            .map(|c| c.address)
    }
}

/// The registry's answer to an unauthenticated `GET /v2/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// 200 without credentials: the registry needs none.
    Open,
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
    Basic {
        realm: Option<String>,
    },
    /// 403: the registry's firewall refused this client; ACR names the address it saw.
    Firewall {
        client_ip: Option<String>,
        message: String,
    },
    /// Some other answer (a proxy's page, a 404 from something that is not a registry).
    Unexpected {
        status: u16,
        detail: String,
    },
    /// No HTTP answer at all.
    Failed(String),
}

/// How the probe authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialKind {
    /// An Entra token exchanged at `/oauth2/exchange`.
    Entra,
    /// A user name and password (admin user, ACR token, or a custom registry's account).
    Basic {
        username: String,
        source: String,
    },
    Anonymous,
}

/// Why a token was not issued (or not honoured).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The credential itself was rejected: wrong password, unknown or foreign identity.
    BadCredentials,
    /// The credential is valid but the registry grants it no pull on the repository.
    InsufficientScope,
    /// The Entra token could not be obtained.
    NoEntraToken,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenOutcome {
    /// The registry asks for no token (open, or Basic sent with each request).
    NotNeeded { reason: String },
    Granted {
        /// The steps taken, e.g. `Entra → /oauth2/exchange → /oauth2/token`.
        flow: String,
        /// The scope asked for (`repository:<repo>:pull`).
        scope: String,
        /// The actions the token grants on the repository, when the token is a readable JWT.
        actions: Option<Vec<String>>,
    },
    Refused {
        /// Which step refused (`Entra`, `/oauth2/exchange`, `/oauth2/token`, `/v2/`).
        step: String,
        status: Option<u16>,
        refusal: Refusal,
        detail: String,
    },
}

/// A platform found in an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    pub platform: String,
    pub digest: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
    pub media_type: String,
    pub digest: String,
    pub size: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestOutcome {
    Fetched {
        media_type: String,
        /// The digest of the image manifest pulled (the platform's, under an index).
        digest: String,
        /// The index it was chosen from: its digest and what it lists.
        index: Option<(String, Vec<IndexEntry>)>,
        config: Descriptor,
        layers: usize,
    },
    /// 401/403 on the manifest with a token in hand: the token does not grant pull.
    Unauthorized {
        status: u16,
        code: String,
        insufficient_scope: bool,
        detail: String,
    },
    NotFound {
        code: String,
        detail: String,
    },
    /// An index without `linux/amd64`.
    NoPlatform {
        index_digest: String,
        platforms: Vec<String>,
    },
    /// The bytes do not hash to the digest asked for or announced.
    DigestMismatch {
        expected: String,
        actual: String,
    },
    Invalid(String),
    Failed(String),
}

/// Who served the blob bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobSource {
    LoginServer,
    /// A redirect (status) to this host: the data endpoint, or storage.
    Redirect {
        status: u16,
        host: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobOutcome {
    Verified {
        digest: String,
        bytes: u64,
        source: BlobSource,
    },
    DigestMismatch {
        expected: String,
        actual: String,
        source: BlobSource,
    },
    /// The redirect target could not be reached; its host probe says which step broke.
    RedirectUnreachable {
        host: String,
        detail: String,
    },
    Refused {
        status: u16,
        detail: String,
        source: BlobSource,
    },
    Failed(String),
}

/// Everything one probe run observed.
#[derive(Debug, Clone)]
pub struct ProbeFacts {
    pub image: ImageRef,
    pub vantage: Vantage,
    pub login: HostProbe,
    pub data: Vec<HostProbe>,
    pub credential: CredentialKind,
    pub challenge: Option<Challenge>,
    pub token: Option<TokenOutcome>,
    pub manifest: Option<ManifestOutcome>,
    pub blob: Option<BlobOutcome>,
    /// The run's deadline (`--timeout`) passed before this step.
    pub deadline_hit: Option<&'static str>,
}
