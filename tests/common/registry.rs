//! A private registry on loopback, built from real parts: Debian's `docker-registry` (CNCF
//! distribution) with token auth behind an ACR-style front (TLS from a test CA, `/oauth2/
//! exchange` and `/oauth2/token` signing ES256 JWTs the registry verifies), a data endpoint
//! the registry's redirect middleware sends blob downloads to, an App Service managed
//! identity endpoint, and `dnsmasq` serving the privatelink CNAME chains. Images are built as
//! OCI layouts and pushed with `skopeo`. A second kind of stack is a plain TLS + htpasswd
//! registry (a custom registry with Basic auth).
//!
//! Every address is in 127.0.0.0/8: each stack gets its own `127.0.K.0/24` (K from a
//! counter), so stacks run side by side. Processes are stopped by PID when the stack drops.

#![allow(dead_code)]

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rcgen::{CertificateParams, DnType, KeyPair};
use tokio_rustls::TlsAcceptor;

#[path = "pki.rs"]
mod pki;

pub const REGISTRY: &str = "secureacr2021";
pub const LOGIN: &str = "secureacr2021.azurecr.io";
pub const REGION: &str = "westcentralus";
pub const DATA: &str = "secureacr2021.westcentralus.data.azurecr.io";
pub const CUSTOM: &str = "registry.contoso.internal";
pub const ADMIN_USER: &str = "secureacr2021";
/// The admin password of the `healthy-admin-credentials` example, so a live run can pull with the
/// app's own settings.
pub const ADMIN_PASSWORD: &str = "pullpath-planted-secret-Zq8#not-a-real-password";
pub const CUSTOM_USER: &str = "puller";
pub const CUSTOM_PASSWORD: &str = "planted-custom-password-8c2e";
/// The tenant and object id of the managed identity the fake endpoint issues tokens for.
pub const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
/// The healthy example's system-assigned principal, which holds AcrPull there too.
pub const PULLER_OID: &str = "8e1f3a52-6c4b-4d7e-a9f0-2b3c4d5e6f70";
pub const NO_ROLE_OID: &str = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b";

/// The test PKI: a CA, a leaf for the registry names, a leaf for a wrong name, and the
/// token signer's self-signed certificate (its own root bundle).
pub struct Pki {
    pub dir: PathBuf,
    pub ca: PathBuf,
    leaf: (Vec<u8>, Vec<u8>),
    wrong: (Vec<u8>, Vec<u8>),
    pub leaf_crt: PathBuf,
    pub leaf_key: PathBuf,
    pub token_crt: PathBuf,
    token_der: Vec<u8>,
    token_pkcs8: Vec<u8>,
}

/// This process's scratch directory, under cargo's target tmp dir. A static is never
/// dropped, so each process first removes the directories of processes that are gone.
fn work_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("registry-stacks");
        std::fs::create_dir_all(&root).unwrap();
        for entry in std::fs::read_dir(&root).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if name.parse::<u32>().is_ok() && !Path::new("/proc").join(&name).exists() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        let dir = root.join(std::process::id().to_string());
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let dir = work_dir().join("pki");
        std::fs::create_dir_all(&dir).unwrap();
        let ca = pki::TestCa::new("pullpath registry test CA");
        let ca_cert = &ca.cert;
        let (leaf_cert, leaf_key) = ca.leaf(
            &[LOGIN, DATA, CUSTOM],
            &[
                IpAddr::V4(Ipv4Addr::new(127, 0, 20, 4)),
                IpAddr::V4(Ipv4Addr::new(127, 0, 20, 6)),
            ],
            false,
        );
        let (wrong_cert, wrong_key) = ca.leaf(&["wrong.contoso.com"], &[], false);
        let token_key = KeyPair::generate().unwrap();
        let mut token = CertificateParams::new(Vec::<String>::new()).unwrap();
        token
            .distinguished_name
            .push(DnType::CommonName, "pullpath token signer");
        let token_cert = token.self_signed(&token_key).unwrap();

        let ca_path = dir.join("ca.crt");
        std::fs::write(&ca_path, ca_cert.pem()).unwrap();
        let leaf_crt = dir.join("leaf.crt");
        let leaf_key_path = dir.join("leaf.key");
        std::fs::write(&leaf_crt, format!("{}{}", leaf_cert.pem(), ca_cert.pem())).unwrap();
        std::fs::write(&leaf_key_path, leaf_key.serialize_pem()).unwrap();
        let token_crt = dir.join("token.crt");
        std::fs::write(&token_crt, token_cert.pem()).unwrap();
        Pki {
            ca: ca_path,
            leaf: (leaf_cert.der().to_vec(), leaf_key.serialize_der()),
            wrong: (wrong_cert.der().to_vec(), wrong_key.serialize_der()),
            leaf_crt,
            leaf_key: leaf_key_path,
            token_crt,
            token_der: token_cert.der().to_vec(),
            token_pkcs8: token_key.serialize_der(),
            dir,
        }
    })
}

/// The pushed images: their registry storage directory and digests.
pub struct Images {
    pub storage: PathBuf,
    /// `samples/hello:v1`, one linux/amd64 manifest: (manifest digest, config digest).
    pub hello: (String, String),
    /// `samples/multi:v1`, an index of linux/amd64 and linux/arm64: (index, amd64 manifest).
    pub multi: (String, String),
    /// `samples/armonly:v1`, an index with linux/arm64 only.
    pub armonly: String,
}

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// An OCI layout under construction.
struct Layout {
    dir: PathBuf,
}

impl Layout {
    fn new(dir: PathBuf) -> Layout {
        std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
        std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
        Layout { dir }
    }
    fn blob(&self, bytes: &[u8]) -> (String, usize) {
        let hex = sha256_hex(bytes);
        std::fs::write(self.dir.join("blobs/sha256").join(&hex), bytes).unwrap();
        (format!("sha256:{hex}"), bytes.len())
    }
    /// A one-layer image for a platform: (manifest digest, size, config digest).
    fn image(&self, arch: &str, text: &str) -> (String, usize, String) {
        let work = self.dir.join(format!("work-{arch}"));
        std::fs::create_dir_all(&work).unwrap();
        std::fs::write(work.join("hello.txt"), text).unwrap();
        let tar = Command::new("tar")
            .args([
                "--mtime=@0",
                "--owner=0",
                "--group=0",
                "--numeric-owner",
                "-c",
                "-f",
                "-",
                "-C",
            ])
            .arg(&work)
            .arg("hello.txt")
            .output()
            .unwrap();
        assert!(tar.status.success(), "tar");
        let mut gzip = Command::new("gzip")
            .args(["-n", "-c"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        {
            use std::io::Write;
            gzip.stdin.take().unwrap().write_all(&tar.stdout).unwrap();
        }
        let gz = gzip.wait_with_output().unwrap().stdout;
        let (layer, layer_size) = self.blob(&gz);
        let config = format!(
            r#"{{"architecture":"{arch}","os":"linux","rootfs":{{"type":"layers","diff_ids":["sha256:{}"]}},"config":{{"Cmd":["/hello"]}}}}"#,
            sha256_hex(&tar.stdout)
        );
        let (config_digest, config_size) = self.blob(config.as_bytes());
        let manifest = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config_digest}","size":{config_size}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{layer}","size":{layer_size}}}]}}"#
        );
        let (digest, size) = self.blob(manifest.as_bytes());
        (digest, size, config_digest)
    }
    fn index(&self, entries: &[(&str, &str, usize)]) -> (String, usize) {
        let manifests: Vec<String> = entries
            .iter()
            .map(|(arch, digest, size)| {
                format!(
                    r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{digest}","size":{size},"platform":{{"architecture":"{arch}","os":"linux"}}}}"#
                )
            })
            .collect();
        let index = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{}]}}"#,
            manifests.join(",")
        );
        self.blob(index.as_bytes())
    }
    fn tag(&self, media_type: &str, digest: &str, size: usize) {
        std::fs::write(
            self.dir.join("index.json"),
            format!(
                r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"{media_type}","digest":"{digest}","size":{size},"annotations":{{"org.opencontainers.image.ref.name":"v1"}}}}]}}"#
            ),
        )
        .unwrap();
    }
}

/// A child process stopped (by PID) on drop.
pub struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(program: &str, args: &[&str], log: &Path) -> Process {
    let log = std::fs::File::create(log).unwrap();
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start {program} ({e}): run scripts/test.sh, which installs it")
        });
    Process(child)
}

fn wait_for_tcp(address: SocketAddr, what: &str, log: &Path) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        if std::net::TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!(
        "{what} did not start on {address}: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

/// dnsmasq is up once its UDP port is taken.
fn wait_for_udp(address: SocketAddr, log: &Path) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        if std::net::UdpSocket::bind(address).is_err() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!(
        "dnsmasq did not start on {address}: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

fn registry_config(dir: &Path, storage: &Path, addr: &str, extra: &str) -> PathBuf {
    let path = dir.join(format!("registry-{}.yml", addr.replace([':', '.'], "-")));
    std::fs::write(
        &path,
        format!(
            "version: 0.1\nlog: {{level: error, accesslog: {{disabled: true}}}}\nstorage: {{filesystem: {{rootdirectory: {}}}, maintenance: {{uploadpurging: {{enabled: false}}}}}}\nhttp: {{addr: \"{addr}\"{}}}\n{extra}",
            storage.display(),
            ""
        ),
    )
    .unwrap();
    path
}

/// Builds the images and pushes them with skopeo into a storage directory, once.
pub fn images() -> &'static Images {
    static IMAGES: OnceLock<Images> = OnceLock::new();
    IMAGES.get_or_init(|| {
        let root = work_dir().join("images");
        let storage = root.join("storage");
        std::fs::create_dir_all(&storage).unwrap();
        let hello = Layout::new(root.join("hello"));
        let (hello_digest, hello_size, hello_config) = hello.image("amd64", "hello, pullpath\n");
        hello.tag(
            "application/vnd.oci.image.manifest.v1+json",
            &hello_digest,
            hello_size,
        );
        let multi = Layout::new(root.join("multi"));
        let (amd64, amd64_size, _) = multi.image("amd64", "amd64\n");
        let (arm64, arm64_size, _) = multi.image("arm64", "arm64\n");
        let (multi_digest, multi_size) =
            multi.index(&[("amd64", &amd64, amd64_size), ("arm64", &arm64, arm64_size)]);
        multi.tag(
            "application/vnd.oci.image.index.v1+json",
            &multi_digest,
            multi_size,
        );
        let armonly = Layout::new(root.join("armonly"));
        let (arm, arm_size, _) = armonly.image("arm64", "arm64 only\n");
        let (armonly_digest, armonly_size) = armonly.index(&[("arm64", &arm, arm_size)]);
        armonly.tag(
            "application/vnd.oci.image.index.v1+json",
            &armonly_digest,
            armonly_size,
        );

        // Seed through a plain registry on its own loopback address, then stop it.
        let seed = "127.0.9.5:5000";
        let log = root.join("seed.log");
        let config = registry_config(&root, &storage, seed, "");
        let process = spawn(
            "docker-registry",
            &["serve", config.to_str().unwrap()],
            &log,
        );
        wait_for_tcp(seed.parse().unwrap(), "the seed registry", &log);
        for (name, layout) in [
            ("samples/hello:v1", &hello),
            ("samples/multi:v1", &multi),
            ("samples/armonly:v1", &armonly),
            // The image of the examples, for verify --probe.
            ("privatewebsite:lnx-v1", &hello),
        ] {
            let output = Command::new("skopeo")
                .args(["copy", "--all", "--dest-tls-verify=false", "--quiet"])
                .arg(format!("oci:{}:v1", layout.dir.display()))
                .arg(format!("docker://{seed}/{name}"))
                .output()
                .expect("skopeo: run scripts/test.sh, which installs it");
            assert!(
                output.status.success(),
                "skopeo copy {name}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        drop(process);
        Images {
            storage,
            hello: (hello_digest, hello_config),
            multi: (multi_digest, amd64),
            armonly: armonly_digest,
        }
    })
}

/// Where DNS sends the login server and the data endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsView {
    /// The privatelink chains to the stack's front and data endpoint.
    Private,
    /// As seen from outside the VNet: a public chain to a public-looking address.
    Outside,
    /// No records: every azurecr.io name is NXDOMAIN.
    Empty,
}

/// What a stack gets wrong on purpose.
#[derive(Debug, Clone)]
pub struct Options {
    pub dns: DnsView,
    /// The login server's A record points here (last octet within the stack's /24) instead
    /// of the front (.4): nothing listens on .9; .8 black-holes SYNs; .7 is unused.
    pub login_octet: u8,
    pub data_record: bool,
    /// The front presents a certificate for another name.
    pub wrong_name: bool,
    /// The front answers every /v2/ request with ACR's firewall 403 naming this address.
    pub firewall_ip: Option<&'static str>,
    /// The data endpoint changes a byte of every blob it serves.
    pub corrupt_blobs: bool,
    /// The object id the managed identity endpoint issues tokens for.
    pub identity_oid: &'static str,
    pub anonymous_pull: bool,
    /// The registry is addressed by IP (127.0.K.4, data at 127.0.K.6) rather than by name, for
    /// tools that resolve through the system (skopeo in the benchmark). Only with K = 20,
    /// which the certificate names.
    pub by_address: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            dns: DnsView::Private,
            login_octet: 4,
            data_record: true,
            wrong_name: false,
            firewall_ip: None,
            corrupt_blobs: false,
            identity_oid: PULLER_OID,
            anonymous_pull: false,
            by_address: false,
        }
    }
}

static NEXT: AtomicU8 = AtomicU8::new(10);

/// One request seen by the front or the data endpoint.
#[derive(Debug, Clone)]
pub struct Seen {
    pub host: String,
    pub method: String,
    pub path: String,
    pub authorization: bool,
}

pub type RequestLog = Arc<std::sync::Mutex<Vec<Seen>>>;

/// One running stack. Dropping it stops everything.
pub struct Stack {
    pub net: u8,
    pub dns: SocketAddr,
    pub identity_endpoint: String,
    pub ca: PathBuf,
    /// Every request the front and the data endpoint saw.
    pub log: RequestLog,
    _processes: Vec<Process>,
    _runtime: tokio::runtime::Runtime,
    _holds: Vec<std::net::TcpStream>,
    _listeners: Vec<std::net::TcpListener>,
}

impl Stack {
    pub fn ip(&self, octet: u8) -> Ipv4Addr {
        Ipv4Addr::new(127, 0, self.net, octet)
    }
}

fn tls_acceptor(cert: &(Vec<u8>, Vec<u8>)) -> TlsAcceptor {
    pki::acceptor(&cert.0, &cert.1)
}

/// Serves `router` over TLS on `listener`.
async fn serve_tls(listener: tokio::net::TcpListener, acceptor: TlsAcceptor, router: Router) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        // As any registry front end does: without it, Nagle holds the second TLS record of a
        // response until the client's delayed ACK, 40 ms later.
        let _ = stream.set_nodelay(true);
        let acceptor = acceptor.clone();
        let router = router.clone();
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(stream).await else {
                return;
            };
            let service = hyper_util::service::TowerToHyperService::new(router);
            let _ =
                hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new())
                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                    .await;
        });
    }
}

#[derive(Clone)]
struct Front {
    backend: String,
    client: reqwest::Client,
    options: Arc<Options>,
    storage: PathBuf,
    log: RequestLog,
    host: String,
    /// The registry's service name (the tokens' audience).
    service: String,
}

fn record(front: &Front, method: &Method, uri: &Uri, headers: &HeaderMap) {
    front.log.lock().unwrap().push(Seen {
        host: front.host.clone(),
        method: method.to_string(),
        path: uri.path().to_string(),
        authorization: headers.contains_key("authorization"),
    });
}

/// An ES256 JWT the registry accepts (x5c names the signer, the root bundle trusts it).
fn sign(claims: serde_json::Value) -> String {
    let pki = pki();
    let header =
        serde_json::json!({"typ": "JWT", "alg": "ES256", "x5c": [STANDARD.encode(&pki.token_der)]});
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let key = aws_lc_rs::signature::EcdsaKeyPair::from_pkcs8(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &pki.token_pkcs8,
    )
    .unwrap();
    let signature = key
        .sign(&aws_lc_rs::rand::SystemRandom::new(), input.as_bytes())
        .unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A registry token for `scope` (`repository:<name>:pull`), granting `actions`.
fn registry_token(service: &str, subject: &str, scope: Option<&str>, actions: &[&str]) -> String {
    let access: Vec<serde_json::Value> = scope
        .and_then(|s| {
            let mut parts = s.splitn(3, ':');
            let kind = parts.next()?;
            let name = parts.next()?;
            Some(serde_json::json!({"type": kind, "name": name, "actions": actions}))
        })
        .filter(|_| !actions.is_empty())
        .into_iter()
        .collect();
    sign(serde_json::json!({
        "iss": "pullpath-test",
        "sub": subject,
        "aud": service,
        "exp": now() + 600,
        "nbf": now() - 60,
        "iat": now(),
        "jti": format!("{subject}-{}", now()),
        "access": access,
    }))
}

fn claims_of(token: &str) -> Option<serde_json::Value> {
    let payload = token.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

fn unauthorized(message: &str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(serde_json::json!({"errors": [{"code": "UNAUTHORIZED", "message": message}]})),
    )
        .into_response()
}

/// The actions an identity holds: the puller has AcrPull; any other object id has no role.
fn actions_for(oid: &str) -> &'static [&'static str] {
    if oid == PULLER_OID { &["pull"] } else { &[] }
}

async fn exchange(
    State(front): State<Front>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    record(&front, &method, &uri, &headers);
    if form.get("grant_type").map(String::as_str) != Some("access_token") {
        return (StatusCode::BAD_REQUEST, "grant_type must be access_token").into_response();
    }
    let Some(claims) = form.get("access_token").and_then(|t| claims_of(t)) else {
        return unauthorized("the access token is not a JWT");
    };
    let audience = claims["aud"].as_str().unwrap_or_default();
    if !audience.starts_with("https://containerregistry.azure.net") || claims["tid"] != TENANT {
        return unauthorized("the token is not for this registry's tenant and audience");
    }
    let oid = claims["oid"].as_str().unwrap_or_default();
    axum::Json(serde_json::json!({"refresh_token": format!("rt.{oid}")})).into_response()
}

async fn token_post(
    State(front): State<Front>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    record(&front, &method, &uri, &headers);
    let Some(oid) = form
        .get("refresh_token")
        .and_then(|t| t.strip_prefix("rt."))
    else {
        return unauthorized("invalid refresh token");
    };
    let token = registry_token(
        &front.service,
        oid,
        form.get("scope").map(String::as_str),
        actions_for(oid),
    );
    axum::Json(serde_json::json!({"access_token": token})).into_response()
}

async fn token_get(
    State(front): State<Front>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    record(&front, &method, &uri, &headers);
    let scope = query.get("scope").map(String::as_str);
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| STANDARD.decode(v).ok())
        .and_then(|v| String::from_utf8(v).ok());
    match basic {
        Some(pair) if pair == format!("{ADMIN_USER}:{ADMIN_PASSWORD}") => {
            let token = registry_token(&front.service, ADMIN_USER, scope, &["pull"]);
            axum::Json(serde_json::json!({"token": token, "access_token": token})).into_response()
        }
        Some(_) => unauthorized("authentication required: invalid username or password"),
        None if front.options.anonymous_pull => {
            let token = registry_token(&front.service, "anonymous", scope, &["pull"]);
            axum::Json(serde_json::json!({"token": token})).into_response()
        }
        None => unauthorized("anonymous pull is disabled"),
    }
}

/// `/v2/…`: the firewall, or a proxy to the registry.
async fn v2(
    State(front): State<Front>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    record(&front, &method, &uri, &headers);
    if let Some(ip) = front.options.firewall_ip {
        return (
            StatusCode::FORBIDDEN,
            axum::Json(serde_json::json!({"errors": [{"code": "DENIED", "message": format!("client with IP '{ip}' is not allowed access. Refer https://aka.ms/acr/firewall to grant access.")}]})),
        )
            .into_response();
    }
    let mut request = front.client.request(
        method,
        format!(
            "{}{}",
            front.backend,
            uri.path_and_query().map_or("/", |p| p.as_str())
        ),
    );
    for name in ["authorization", "accept"] {
        for value in headers.get_all(name) {
            request = request.header(name, value.as_bytes());
        }
    }
    let Ok(answer) = request.body(body).send().await else {
        return (StatusCode::BAD_GATEWAY, "registry down").into_response();
    };
    let mut response = Response::builder().status(answer.status().as_u16());
    for (name, value) in answer.headers() {
        if ["content-length", "transfer-encoding", "connection"].contains(&name.as_str()) {
            continue;
        }
        response = response.header(name.as_str(), value.as_bytes());
    }
    let bytes = answer.bytes().await.unwrap_or_default();
    response.body(axum::body::Body::from(bytes)).unwrap()
}

/// The data endpoint: blob bytes straight from the registry's storage.
async fn data_blob(
    State(front): State<Front>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    record(&front, &method, &uri, &headers);
    let relative = uri.path().trim_start_matches('/');
    if relative.contains("..") {
        return StatusCode::BAD_REQUEST.into_response();
    }
    match std::fs::read(front.storage.join(relative)) {
        Ok(mut bytes) => {
            if front.options.corrupt_blobs && !bytes.is_empty() {
                bytes[0] ^= 0x20;
            }
            bytes.into_response()
        }
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The App Service managed identity endpoint (`IDENTITY_ENDPOINT`).
async fn msi(
    State(oid): State<&'static str>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if headers
        .get("x-identity-header")
        .and_then(|v| v.to_str().ok())
        != Some(IDENTITY_HEADER)
    {
        return (StatusCode::UNAUTHORIZED, "bad identity header").into_response();
    }
    let resource = query.get("resource").cloned().unwrap_or_default();
    let claims = serde_json::json!({"aud": resource, "tid": TENANT, "oid": oid, "appid": "3c5b7a9e-1d2f-4a6b-8c0d-2e4f6a8b0c1d", "exp": now() + 3600});
    let token = format!(
        "{}.{}.unsigned",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    axum::Json(serde_json::json!({
        "access_token": token,
        "expires_on": (now() + 3600).to_string(),
        "token_type": "Bearer",
        "resource": resource,
    }))
    .into_response()
}

pub const IDENTITY_HEADER: &str = "test-identity-header-value";

fn dnsmasq_config(net: u8, options: &Options, dir: &Path) -> (PathBuf, SocketAddr) {
    let address: SocketAddr = format!("127.0.{net}.53:53").parse().unwrap();
    let mut lines = vec![
        "port=53".to_string(),
        format!("listen-address=127.0.{net}.53"),
        "bind-interfaces".into(),
        "no-resolv".into(),
        "no-hosts".into(),
        "local=/azurecr.io/".into(),
        "local=/contoso.internal/".into(),
        "local=/trafficmanager.net/".into(),
    ];
    match options.dns {
        DnsView::Private => {
            lines.push(format!(
                "host-record={REGISTRY}.privatelink.azurecr.io,127.0.{net}.{}",
                options.login_octet
            ));
            lines.push(format!("cname={LOGIN},{REGISTRY}.privatelink.azurecr.io"));
            if options.data_record {
                lines.push(format!(
                    "host-record={REGISTRY}.{REGION}.data.privatelink.azurecr.io,127.0.{net}.6"
                ));
                lines.push(format!(
                    "cname={DATA},{REGISTRY}.{REGION}.data.privatelink.azurecr.io"
                ));
            }
            lines.push(format!("host-record={CUSTOM},127.0.{net}.4"));
        }
        DnsView::Outside => {
            lines.push(format!("cname={LOGIN},{REGISTRY}.privatelink.azurecr.io"));
            lines.push(format!(
                "cname={REGISTRY}.privatelink.azurecr.io,wcus-acr-reg.trafficmanager.net"
            ));
            lines.push("host-record=wcus-acr-reg.trafficmanager.net,203.0.113.10".into());
        }
        DnsView::Empty => {}
    }
    let path = dir.join("dnsmasq.conf");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    (path, address)
}

fn start_dns(net: u8, options: &Options, dir: &Path) -> (Process, SocketAddr) {
    let (config, address) = dnsmasq_config(net, options, dir);
    let log = dir.join("dnsmasq.log");
    let process = spawn(
        "dnsmasq",
        &[
            "--keep-in-foreground",
            "--pid-file=",
            "--user=root",
            &format!("--conf-file={}", config.display()),
        ],
        &log,
    );
    wait_for_udp(address, &log);
    (process, address)
}

/// A TCP address that takes no new connection: a listener with a full backlog drops SYNs,
/// which is what a black hole looks like to the client.
fn black_hole(address: SocketAddr) -> (std::net::TcpListener, std::net::TcpStream) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_reuseaddr(true).unwrap();
    socket.bind(address).unwrap();
    let listener = socket.listen(0).unwrap().into_std().unwrap();
    let hold = std::net::TcpStream::connect_timeout(&address, Duration::from_secs(1)).unwrap();
    (listener, hold)
}

fn next_net() -> u8 {
    let net = NEXT.fetch_add(1, Ordering::SeqCst);
    assert!(net < 200, "too many stacks in one test process");
    net
}

/// The ACR-style stack: front and data endpoint over TLS, distribution behind the front with
/// token auth, the identity endpoint, and dnsmasq.
pub fn acr(options: Options) -> Stack {
    acr_on(next_net(), options)
}

pub fn acr_on(net: u8, options: Options) -> Stack {
    let pki = pki();
    let images = images();
    let dir = work_dir().join(format!("stack-{net}"));
    std::fs::create_dir_all(&dir).unwrap();
    let backend = format!("127.0.{net}.5:5000");
    let (login, data_host) = if options.by_address {
        (format!("127.0.{net}.4"), format!("127.0.{net}.6"))
    } else {
        (LOGIN.to_string(), DATA.to_string())
    };
    let log = dir.join("registry.log");
    let config = registry_config(
        &dir,
        &images.storage,
        &backend,
        &format!(
            "auth:\n  token: {{realm: \"https://{login}/oauth2/token\", service: \"{login}\", issuer: pullpath-test, rootcertbundle: {}}}\nmiddleware:\n  storage:\n    - name: redirect\n      options: {{baseurl: \"https://{data_host}\"}}\n",
            pki.token_crt.display()
        ),
    );
    let registry = spawn(
        "docker-registry",
        &["serve", config.to_str().unwrap()],
        &log,
    );
    let (dns, dns_address) = start_dns(net, &options, &dir);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let options = Arc::new(options);
    let request_log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let front = Front {
        backend: format!("http://{backend}"),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .unwrap(),
        options: options.clone(),
        storage: images.storage.clone(),
        log: request_log.clone(),
        host: login.clone(),
        service: login.clone(),
    };
    let data = Front {
        host: data_host,
        ..front.clone()
    };
    let login_cert = if options.wrong_name {
        &pki.wrong
    } else {
        &pki.leaf
    };
    let front_router = Router::new()
        .route("/oauth2/exchange", post(exchange))
        .route("/oauth2/token", post(token_post).get(token_get))
        .route("/v2/", any(v2))
        .route("/v2/{*rest}", any(v2))
        .with_state(front);
    let data_router = Router::new()
        .route("/{*rest}", get(data_blob))
        .with_state(data);
    let msi_router = Router::new()
        .route("/msi/token", get(msi))
        .with_state(options.identity_oid);
    let (front_listener, data_listener, msi_listener) = runtime.block_on(async {
        (
            tokio::net::TcpListener::bind(format!("127.0.{net}.4:443"))
                .await
                .unwrap(),
            tokio::net::TcpListener::bind(format!("127.0.{net}.6:443"))
                .await
                .unwrap(),
            tokio::net::TcpListener::bind(format!("127.0.{net}.1:0"))
                .await
                .unwrap(),
        )
    });
    let msi_address = msi_listener.local_addr().unwrap();
    runtime.spawn(serve_tls(
        front_listener,
        tls_acceptor(login_cert),
        front_router,
    ));
    runtime.spawn(serve_tls(
        data_listener,
        tls_acceptor(&pki.leaf),
        data_router,
    ));
    runtime.spawn(async move {
        let _ = axum::serve(msi_listener, msi_router).await;
    });
    let (hole, hold) = {
        let _context = runtime.enter();
        black_hole(format!("127.0.{net}.8:443").parse().unwrap())
    };
    wait_for_tcp(backend.parse().unwrap(), "the registry", &log);
    Stack {
        net,
        dns: dns_address,
        identity_endpoint: format!("http://{msi_address}/msi/token"),
        ca: pki.ca.clone(),
        log: request_log,
        _processes: vec![registry, dns],
        _runtime: runtime,
        _holds: vec![hold],
        _listeners: vec![hole],
    }
}

/// A custom registry: distribution itself on TLS with htpasswd (Basic auth).
pub fn custom() -> Stack {
    let net = next_net();
    let pki = pki();
    let images = images();
    let dir = work_dir().join(format!("stack-{net}"));
    std::fs::create_dir_all(&dir).unwrap();
    let htpasswd = dir.join("htpasswd");
    let output = Command::new("htpasswd")
        .args(["-Bbn", CUSTOM_USER, CUSTOM_PASSWORD])
        .output()
        .expect("htpasswd (apache2-utils): run scripts/test.sh, which installs it");
    std::fs::write(&htpasswd, output.stdout).unwrap();
    let address = format!("127.0.{net}.4:443");
    let log = dir.join("registry.log");
    let config = dir.join("custom.yml");
    std::fs::write(
        &config,
        format!(
            "version: 0.1\nlog: {{level: error, accesslog: {{disabled: true}}}}\nstorage: {{filesystem: {{rootdirectory: {}}}, maintenance: {{uploadpurging: {{enabled: false}}}}}}\nhttp: {{addr: \"{address}\", tls: {{certificate: {}, key: {}}}}}\nauth: {{htpasswd: {{realm: basic-realm, path: {}}}}}\n",
            images.storage.display(),
            pki.leaf_crt.display(),
            pki.leaf_key.display(),
            htpasswd.display()
        ),
    )
    .unwrap();
    let registry = spawn(
        "docker-registry",
        &["serve", config.to_str().unwrap()],
        &log,
    );
    let (dns, dns_address) = start_dns(net, &Options::default(), &dir);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    wait_for_tcp(address.parse().unwrap(), "the custom registry", &log);
    Stack {
        net,
        dns: dns_address,
        identity_endpoint: String::new(),
        ca: pki.ca.clone(),
        log: Arc::new(std::sync::Mutex::new(Vec::new())),
        _processes: vec![registry, dns],
        _runtime: runtime,
        _holds: Vec::new(),
        _listeners: Vec::new(),
    }
}
