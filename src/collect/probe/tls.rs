//! The TLS handshake the platform makes: SNI with the registry host, the chain verified
//! against the system's roots (plus `--ca-file`), the name checked. A failure says which:
//! unknown issuer (a TLS-inspecting appliance, or the wrong server), name mismatch (a DNS
//! answer that leads elsewhere), expired, or a handshake that never completes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, CertificateError, ClientConfig, RootCertStore};

use super::tcp::TcpOutcome;
use super::{DialGuard, DialRefused};
use crate::error::InputError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsOutcome {
    Verified {
        protocol: String,
        millis: u128,
    },
    UnknownIssuer,
    NameMismatch,
    Expired,
    /// Connected, but the handshake did not finish in time.
    HandshakeTimeout,
    /// The TCP connection itself failed (PRB-003 reports why).
    ConnectFailed(String),
    Failed(String),
    Blocked(DialRefused),
}

pub struct TlsProbe {
    connector: TlsConnector,
    /// The same trust, for the registry's HTTP client.
    pub config: Arc<ClientConfig>,
}

impl TlsProbe {
    /// Trusts the system's roots and, when given, the PEM certificates of `ca_file`.
    pub fn new(ca_file: Option<&std::path::Path>) -> Result<TlsProbe, InputError> {
        let mut roots = RootCertStore::empty();
        let (added, _ignored) = roots.add_parsable_certificates(system_roots());
        let mut extra = 0;
        if let Some(path) = ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| InputError::in_file(path, format!("cannot read the CA file ({e})")))?;
            for cert in CertificateDer::pem_slice_iter(&pem) {
                let cert = cert.map_err(|e| {
                    InputError::in_file(path, format!("not a PEM certificate ({e})"))
                })?;
                roots.add(cert).map_err(|e| {
                    InputError::in_file(path, format!("not a usable CA certificate ({e})"))
                })?;
                extra += 1;
            }
            if extra == 0 {
                return Err(InputError::in_file(path, "holds no PEM certificate"));
            }
        }
        if added + extra == 0 {
            return Err(InputError::new(
                "no trusted root certificates: install the system CA bundle or pass --ca-file",
            ));
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| InputError::new(format!("TLS configuration: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let config = Arc::new(config);
        Ok(TlsProbe {
            connector: TlsConnector::from(config.clone()),
            config,
        })
    }

    /// Connects to `address` and completes a handshake for `host`.
    pub async fn handshake(
        &self,
        address: SocketAddr,
        host: &str,
        guard: &DialGuard,
        timeout: Duration,
    ) -> TlsOutcome {
        let started = Instant::now();
        match super::tcp::connect_stream(address, guard, timeout).await {
            (_, Some(stream)) => {
                let remaining = timeout.saturating_sub(started.elapsed());
                self.handshake_over(stream, host, remaining).await
            }
            (TcpOutcome::Blocked(refused), None) => TlsOutcome::Blocked(refused),
            (tcp, None) => TlsOutcome::ConnectFailed(super::walk::tcp_words(&tcp)),
        }
    }

    /// Completes a handshake for `host` over a connected stream.
    pub async fn handshake_over(
        &self,
        stream: tokio::net::TcpStream,
        host: &str,
        timeout: Duration,
    ) -> TlsOutcome {
        let Ok(server_name) = ServerName::try_from(host.to_string()) else {
            return TlsOutcome::Failed(format!("`{host}` is not a valid TLS server name"));
        };
        let started = Instant::now();
        match tokio::time::timeout(timeout, self.connector.connect(server_name, stream)).await {
            Err(_) => TlsOutcome::HandshakeTimeout,
            Ok(Ok(tls)) => {
                let protocol = tls
                    .get_ref()
                    .1
                    .protocol_version()
                    .map(|v| format!("{v:?}"))
                    .unwrap_or_default();
                TlsOutcome::Verified {
                    protocol,
                    millis: started.elapsed().as_millis(),
                }
            }
            Ok(Err(e)) => classify_error(&e),
        }
    }
}

/// The bundle files distributions ship (Debian/Ubuntu/Alpine, Fedora/RHEL, openSUSE, macOS
/// and BSDs).
const BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// The system's trusted roots. One bundle file when there is one (`SSL_CERT_FILE`, else the
/// distribution's): reading it is one file, where the certificate directory is one file per
/// root (150 opens on Debian, a third of a probe's run time). Otherwise what
/// rustls-native-certs finds.
fn system_roots() -> Vec<CertificateDer<'static>> {
    let file = std::env::var_os("SSL_CERT_FILE")
        .map(std::path::PathBuf::from)
        .into_iter()
        .chain(BUNDLES.iter().map(std::path::PathBuf::from))
        .find(|p| p.is_file());
    if let Some(file) = file
        && let Ok(pem) = std::fs::read(&file)
    {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
            .filter_map(Result::ok)
            .collect();
        if !certs.is_empty() {
            return certs;
        }
    }
    rustls_native_certs::load_native_certs().certs
}

fn classify_error(error: &std::io::Error) -> TlsOutcome {
    let rustls_error = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    match rustls_error {
        Some(rustls::Error::InvalidCertificate(certificate)) => match certificate {
            CertificateError::UnknownIssuer => TlsOutcome::UnknownIssuer,
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                TlsOutcome::NameMismatch
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                TlsOutcome::Expired
            }
            other => TlsOutcome::Failed(format!("invalid certificate: {other:?}")),
        },
        Some(other) => TlsOutcome::Failed(other.to_string()),
        None if error.kind() == std::io::ErrorKind::UnexpectedEof => {
            TlsOutcome::Failed("the server closed the connection during the handshake".into())
        }
        None => TlsOutcome::Failed(error.to_string()),
    }
}
