//! The registry's side of the pull, over HTTPS, as the platform walks it: the `/v2/`
//! challenge, the token (ACR's Entra exchange, Basic, or anonymous), the manifest (an index
//! resolved to `linux/amd64`) and the config blob, whose redirect is returned to the caller so
//! it can resolve and dial the data endpoint itself.
//!
//! This is plain reqwest rather than oci-client's `Client`, because each step has to be
//! observed on its own: oci-client resolves names through the system resolver (the probe pins
//! every connection to the address it resolved and the dial guard allowed), follows redirects
//! internally (the data endpoint's name is the finding), has no `/oauth2/exchange`, and folds
//! 401s into one error (an insufficient scope must be told apart from bad credentials).
//! oci-client's manifest types are used to read what comes back.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use oci_client::manifest::{
    IMAGE_MANIFEST_LIST_MEDIA_TYPE, IMAGE_MANIFEST_MEDIA_TYPE, OCI_IMAGE_INDEX_MEDIA_TYPE,
    OCI_IMAGE_MEDIA_TYPE, OciImageIndex, OciImageManifest,
};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, LOCATION, WWW_AUTHENTICATE};
use sha2::{Digest, Sha256};
use tokio_rustls::rustls::ClientConfig;

use crate::facts::image::ImageRef;
use crate::facts::probe::{
    Challenge, Descriptor, IndexEntry, ManifestOutcome, Refusal, TokenOutcome,
};

/// The platform App Service Linux runs.
pub const PLATFORM: (&str, &str) = ("linux", "amd64");

/// The Entra scope ACR's exchange accepts in every cloud.
pub const ACR_SCOPE: &str = "https://containerregistry.azure.net/.default";

/// Manifests and config blobs are small; anything larger is not what it claims to be.
const MANIFEST_LIMIT: usize = 4 << 20;
const BLOB_LIMIT: u64 = 64 << 20;

/// An HTTPS client for one host, pinned to the address the probe resolved and dialled.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    /// `https://host[:port]`.
    pub origin: String,
    pub host: String,
}

impl Http {
    pub fn new(
        host: &str,
        port: u16,
        address: SocketAddr,
        tls: &Arc<ClientConfig>,
        timeout: Duration,
    ) -> Result<Http, String> {
        let client = reqwest::Client::builder()
            .use_preconfigured_tls((**tls).clone())
            .resolve_to_addrs(host, &[address])
            .redirect(reqwest::redirect::Policy::none())
            // The path under test is direct: a proxy from the environment would hide it.
            .no_proxy()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("pullpath/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTPS client: {e}"))?;
        let origin = if port == 443 {
            format!("https://{host}")
        } else {
            format!("https://{host}:{port}")
        };
        Ok(Http {
            client,
            origin,
            host: host.to_string(),
        })
    }

    fn get(&self, url: &str, auth: &Auth) -> reqwest::RequestBuilder {
        auth.apply(self.client.get(url))
    }
}

/// What to send with registry requests. Held by the collector only; never reported.
#[derive(Clone, Default)]
pub enum Auth {
    #[default]
    None,
    Basic {
        username: String,
        password: String,
    },
    Bearer(String),
}

impl Auth {
    fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Auth::None => request,
            Auth::Basic { username, password } => request.basic_auth(username, Some(password)),
            Auth::Bearer(token) => request.bearer_auth(token),
        }
    }
}

/// A transport error in words a user can act on, without the URL's query.
pub fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "timed out".into();
    }
    // Not `error.to_string()`: that carries the URL, and a redirect URL carries its grant.
    let mut text = if error.is_connect() {
        "cannot connect".to_string()
    } else if error.is_body() || error.is_decode() {
        "the response body broke off".to_string()
    } else {
        "the request failed".to_string()
    };
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        text.push_str(&format!(": {inner}"));
        source = inner.source();
    }
    text
}

/// `GET /v2/` without credentials.
pub async fn challenge(http: &Http) -> Challenge {
    let response = match http
        .get(&format!("{}/v2/", http.origin), &Auth::None)
        .send()
        .await
    {
        Ok(r) => r,
        Err(e) => return Challenge::Failed(describe(&e)),
    };
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap_or_default();
    match status {
        StatusCode::OK => Challenge::Open,
        StatusCode::UNAUTHORIZED => parse_challenge(&headers).unwrap_or(Challenge::Unexpected {
            status: 401,
            detail: "401 without a Bearer or Basic WWW-Authenticate challenge".into(),
        }),
        StatusCode::FORBIDDEN => {
            let message = error_message(&body).unwrap_or_else(|| snippet(&body));
            Challenge::Firewall {
                client_ip: client_ip(&message),
                message,
            }
        }
        other => Challenge::Unexpected {
            status: other.as_u16(),
            detail: error_message(&body).unwrap_or_else(|| snippet(&body)),
        },
    }
}

fn parse_challenge(headers: &HeaderMap) -> Option<Challenge> {
    for value in headers.get_all(WWW_AUTHENTICATE) {
        let Ok(text) = value.to_str() else { continue };
        let Ok(challenges) = http_auth::parse_challenges(text) else {
            continue;
        };
        for c in challenges {
            let param = |name: &str| {
                c.params
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.to_unescaped())
            };
            if c.scheme.eq_ignore_ascii_case("bearer") {
                if let Some(realm) = param("realm") {
                    return Some(Challenge::Bearer {
                        realm,
                        service: param("service"),
                        scope: param("scope"),
                    });
                }
            } else if c.scheme.eq_ignore_ascii_case("basic") {
                return Some(Challenge::Basic {
                    realm: param("realm"),
                });
            }
        }
    }
    None
}

/// The `error="…"` of a Bearer challenge (`insufficient_scope`, `invalid_token`).
fn challenge_error(headers: &HeaderMap) -> Option<String> {
    headers.get_all(WWW_AUTHENTICATE).iter().find_map(|v| {
        let text = v.to_str().ok()?;
        let challenges = http_auth::parse_challenges(text).ok()?;
        challenges.iter().find_map(|c| {
            c.params
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("error"))
                .map(|(_, v)| v.to_unescaped())
        })
    })
}

/// The first `errors[].message` (with its code) of a distribution error body.
fn error_message(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let first = value.get("errors")?.as_array()?.first()?;
    let message = first.get("message").and_then(|m| m.as_str()).unwrap_or("");
    let code = first.get("code").and_then(|m| m.as_str()).unwrap_or("");
    Some(match (code.is_empty(), message.is_empty()) {
        (false, false) => format!("{code}: {message}"),
        (false, true) => code.to_string(),
        _ => message.to_string(),
    })
}

fn error_code(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("errors")?
                .as_array()?
                .first()?
                .get("code")?
                .as_str()
                .map(str::to_string)
        })
        .unwrap_or_default()
}

/// ACR's firewall refusal names the address it saw: `client with IP '203.0.113.7' is not
/// allowed access`.
pub fn client_ip(message: &str) -> Option<String> {
    let lower = message.to_ascii_lowercase();
    let at = lower.find("ip '")? + 4;
    let rest = &message[at..];
    let end = rest.find('\'')?;
    let candidate = &rest[..end];
    candidate
        .parse::<std::net::IpAddr>()
        .ok()
        .map(|ip| ip.to_string())
}

fn snippet(body: &str) -> String {
    let line: String = body
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(160)
        .collect();
    if line.is_empty() {
        "an empty body".into()
    } else {
        line
    }
}

/// The credential the token step uses; secrets stay here.
pub enum TokenCredential {
    /// An Entra access token for [`ACR_SCOPE`], and the tenant it came from.
    Entra {
        token: String,
        tenant: Option<String>,
    },
    Basic {
        username: String,
        password: String,
    },
    Anonymous,
}

/// The token step for a Bearer challenge. Returns what happened and, when granted, the
/// authorization for the manifest and blob requests.
pub async fn bearer_token(
    http: &Http,
    realm_http: &Http,
    realm: &str,
    service: &str,
    image: &ImageRef,
    credential: &TokenCredential,
) -> (TokenOutcome, Auth) {
    let scope = format!("repository:{}:pull", image.repository);
    let refused = |step: &str, status: Option<u16>, refusal: Refusal, detail: String| {
        (
            TokenOutcome::Refused {
                step: step.to_string(),
                status,
                refusal,
                detail,
            },
            Auth::None,
        )
    };
    let (flow, response) = match credential {
        TokenCredential::Entra { token, tenant } => {
            // ACR's exchange lives beside its token endpoint.
            let exchange = realm
                .strip_suffix("/oauth2/token")
                .map(|base| format!("{base}/oauth2/exchange"))
                .unwrap_or_else(|| format!("{}/oauth2/exchange", http.origin));
            let mut form = vec![
                ("grant_type", "access_token".to_string()),
                ("service", service.to_string()),
                ("access_token", token.clone()),
            ];
            if let Some(tenant) = tenant {
                form.push(("tenant", tenant.clone()));
            }
            let response = match realm_http.client.post(&exchange).form(&form).send().await {
                Ok(r) => r,
                Err(e) => {
                    return refused("/oauth2/exchange", None, Refusal::Other, describe(&e));
                }
            };
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            if !status.is_success() {
                let refusal = if matches!(status.as_u16(), 401 | 403) {
                    Refusal::BadCredentials
                } else {
                    Refusal::Other
                };
                return refused(
                    "/oauth2/exchange",
                    Some(status.as_u16()),
                    refusal,
                    token_error(&body),
                );
            }
            let Some(refresh) = json_field(&body, &["refresh_token"]) else {
                return refused(
                    "/oauth2/exchange",
                    Some(status.as_u16()),
                    Refusal::Other,
                    "the answer holds no refresh_token".into(),
                );
            };
            let form = [
                ("grant_type", "refresh_token"),
                ("service", service),
                ("scope", scope.as_str()),
                ("refresh_token", refresh.as_str()),
            ];
            (
                "Entra → /oauth2/exchange → /oauth2/token",
                realm_http.client.post(realm).form(&form).send().await,
            )
        }
        TokenCredential::Basic { username, password } => (
            "Basic → token endpoint",
            realm_http
                .client
                .get(realm)
                .query(&[("service", service), ("scope", scope.as_str())])
                .basic_auth(username, Some(password))
                .send()
                .await,
        ),
        TokenCredential::Anonymous => (
            "anonymous → token endpoint",
            realm_http
                .client
                .get(realm)
                .query(&[("service", service), ("scope", scope.as_str())])
                .send()
                .await,
        ),
    };
    let step = realm_path(realm);
    let response = match response {
        Ok(r) => r,
        Err(e) => return refused(&step, None, Refusal::Other, describe(&e)),
    };
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    if !status.is_success() {
        let refusal = match (status.as_u16(), credential) {
            (401, TokenCredential::Anonymous) => Refusal::Other,
            (401, _) => Refusal::BadCredentials,
            (403, _) => Refusal::InsufficientScope,
            _ => Refusal::Other,
        };
        return refused(&step, Some(status.as_u16()), refusal, token_error(&body));
    }
    let Some(access_token) = json_field(&body, &["access_token", "token"]) else {
        return refused(
            &step,
            Some(status.as_u16()),
            Refusal::Other,
            "the answer holds no access_token".into(),
        );
    };
    let actions = granted_actions(&access_token, &image.repository);
    if let Some(actions) = &actions
        && !actions.iter().any(|a| a == "pull" || a == "*")
    {
        // Issued, but empty: ACR's answer for an identity without a pull role.
        return refused(
            &step,
            None,
            Refusal::InsufficientScope,
            format!(
                "the token it issued grants {} on {}",
                if actions.is_empty() {
                    "nothing".to_string()
                } else {
                    actions.join(", ")
                },
                image.repository
            ),
        );
    }
    (
        TokenOutcome::Granted {
            flow: flow.to_string(),
            scope,
            actions,
        },
        Auth::Bearer(access_token),
    )
}

fn realm_path(realm: &str) -> String {
    reqwest::Url::parse(realm)
        .map(|u| u.path().to_string())
        .unwrap_or_else(|_| realm.to_string())
}

fn json_field(body: &str, names: &[&str]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    names.iter().find_map(|n| {
        value
            .get(*n)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    })
}

/// A token endpoint's error, from `{"error","error_description"}`, distribution's
/// `{"errors":[…]}`, or the text.
fn token_error(body: &str) -> String {
    if let Some(message) = error_message(body) {
        return message;
    }
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(body) {
        let error = value.get("error").and_then(|v| v.as_str());
        let description = value.get("error_description").and_then(|v| v.as_str());
        if let Some(text) = match (error, description) {
            (Some(e), Some(d)) => Some(format!("{e}: {d}")),
            (Some(e), None) => Some(e.to_string()),
            (None, Some(d)) => Some(d.to_string()),
            _ => None,
        } {
            return text;
        }
    }
    snippet(body)
}

/// The actions a registry token grants on `repository`, from its `access` claim. `None`
/// when the token is not a readable JWT (then only the registry's answer tells).
pub fn granted_actions(token: &str, repository: &str) -> Option<Vec<String>> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let access = claims.get("access")?.as_array()?;
    let mut actions = Vec::new();
    for entry in access {
        let kind = entry.get("type").and_then(|v| v.as_str()).unwrap_or("");
        let name = entry.get("name").and_then(|v| v.as_str()).unwrap_or("");
        if kind == "repository" && (name == repository || name == "*") {
            for action in entry
                .get("actions")
                .and_then(|v| v.as_array())
                .into_iter()
                .flatten()
            {
                if let Some(a) = action.as_str() {
                    actions.push(a.to_string());
                }
            }
        }
    }
    Some(actions)
}

/// Checks Basic credentials against a registry that takes them on each request.
pub async fn basic_accepted(http: &Http, auth: &Auth) -> Result<(), (u16, String)> {
    let response = http
        .get(&format!("{}/v2/", http.origin), auth)
        .send()
        .await
        .map_err(|e| (0, describe(&e)))?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        let body = response.text().await.unwrap_or_default();
        Err((
            status.as_u16(),
            error_message(&body).unwrap_or_else(|| snippet(&body)),
        ))
    }
}

const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

pub fn sha256(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let mut out = String::with_capacity(71);
    out.push_str("sha256:");
    for byte in hash {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// One manifest request: the body checked against the digest asked for and the one the
/// registry announced.
async fn fetch_manifest(
    http: &Http,
    auth: &Auth,
    repository: &str,
    reference: &str,
) -> Result<(String, Vec<u8>, String), ManifestOutcome> {
    let url = format!("{}/v2/{repository}/manifests/{reference}", http.origin);
    let response = http
        .get(&url, auth)
        .header(ACCEPT, MANIFEST_ACCEPT)
        .send()
        .await
        .map_err(|e| ManifestOutcome::Failed(describe(&e)))?;
    let status = response.status();
    let headers = response.headers().clone();
    if !status.is_success() {
        let body = response.text().await.unwrap_or_default();
        let detail = error_message(&body).unwrap_or_else(|| snippet(&body));
        return Err(match status.as_u16() {
            401 | 403 => ManifestOutcome::Unauthorized {
                status: status.as_u16(),
                code: error_code(&body),
                insufficient_scope: challenge_error(&headers).as_deref()
                    == Some("insufficient_scope"),
                detail,
            },
            404 => ManifestOutcome::NotFound {
                code: error_code(&body),
                detail,
            },
            other => ManifestOutcome::Failed(format!("HTTP {other}: {detail}")),
        });
    }
    let body = read_limited(response, MANIFEST_LIMIT as u64)
        .await
        .map_err(ManifestOutcome::Failed)?;
    let actual = sha256(&body);
    let announced = headers
        .get("docker-content-digest")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    for expected in [
        reference
            .starts_with("sha256:")
            .then(|| reference.to_string()),
        announced,
    ]
    .into_iter()
    .flatten()
    {
        if expected != actual {
            return Err(ManifestOutcome::DigestMismatch { expected, actual });
        }
    }
    let media_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or(v).trim().to_string())
        .unwrap_or_default();
    Ok((media_type, body, actual))
}

async fn read_limited(response: reqwest::Response, limit: u64) -> Result<Vec<u8>, String> {
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(format!("the body is larger than {limit} bytes"));
    }
    let mut response = response;
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| describe(&e))? {
        body.extend_from_slice(&chunk);
        if body.len() as u64 > limit {
            return Err(format!("the body is larger than {limit} bytes"));
        }
    }
    Ok(body)
}

fn is_index(media_type: &str, body: &serde_json::Value) -> bool {
    media_type == OCI_IMAGE_INDEX_MEDIA_TYPE
        || media_type == IMAGE_MANIFEST_LIST_MEDIA_TYPE
        || body.get("manifests").is_some()
}

/// Fetches the manifest the platform would run: the tag or digest, and under an index the
/// `linux/amd64` entry.
pub async fn manifest(http: &Http, auth: &Auth, image: &ImageRef) -> ManifestOutcome {
    let reference = image.reference();
    let (media_type, body, digest) =
        match fetch_manifest(http, auth, &image.repository, &reference).await {
            Ok(fetched) => fetched,
            Err(outcome) => return outcome,
        };
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return ManifestOutcome::Invalid(format!("the manifest is not JSON ({e})")),
    };
    let (media_type, body, digest, index) = if is_index(&media_type, &value) {
        let index: OciImageIndex = match serde_json::from_value(value) {
            Ok(i) => i,
            Err(e) => return ManifestOutcome::Invalid(format!("the index does not parse ({e})")),
        };
        let entries: Vec<IndexEntry> = index
            .manifests
            .iter()
            .map(|m| IndexEntry {
                platform: m.platform.as_ref().map_or_else(
                    || "unspecified".to_string(),
                    |p| match &p.variant {
                        Some(v) => format!("{}/{}/{v}", p.os, p.architecture),
                        None => format!("{}/{}", p.os, p.architecture),
                    },
                ),
                digest: m.digest.clone(),
            })
            .collect();
        let chosen = index.manifests.iter().find(|m| {
            m.platform.as_ref().is_some_and(|p| {
                p.os.to_string() == PLATFORM.0 && p.architecture.to_string() == PLATFORM.1
            })
        });
        let Some(chosen) = chosen else {
            return ManifestOutcome::NoPlatform {
                index_digest: digest,
                platforms: entries.into_iter().map(|e| e.platform).collect(),
            };
        };
        match fetch_manifest(http, auth, &image.repository, &chosen.digest).await {
            Ok((media_type, body, child)) => (media_type, body, child, Some((digest, entries))),
            Err(outcome) => return outcome,
        }
    } else {
        (media_type, body, digest, None)
    };
    let manifest: OciImageManifest = match serde_json::from_slice(&body) {
        Ok(m) => m,
        Err(e) => {
            return ManifestOutcome::Invalid(format!("the image manifest does not parse ({e})"));
        }
    };
    let media_type = if media_type.is_empty() {
        manifest
            .media_type
            .clone()
            .unwrap_or_else(|| OCI_IMAGE_MEDIA_TYPE.to_string())
    } else {
        media_type
    };
    if media_type != OCI_IMAGE_MEDIA_TYPE && media_type != IMAGE_MANIFEST_MEDIA_TYPE {
        return ManifestOutcome::Invalid(format!(
            "the manifest's media type is {media_type}, not an image manifest"
        ));
    }
    ManifestOutcome::Fetched {
        media_type,
        digest,
        index,
        config: Descriptor {
            media_type: manifest.config.media_type.clone(),
            digest: manifest.config.digest.clone(),
            size: manifest.config.size,
        },
        layers: manifest.layers.len(),
    }
}

/// The first answer to the blob request: the bytes, or where the registry redirects.
pub enum BlobAnswer {
    Bytes(Vec<u8>),
    Redirect { status: u16, location: reqwest::Url },
    Refused { status: u16, detail: String },
    Failed(String),
}

/// `GET /v2/<repo>/blobs/<digest>` on the login server, without following a redirect.
pub async fn blob(http: &Http, auth: &Auth, image: &ImageRef, digest: &str) -> BlobAnswer {
    let url = format!("{}/v2/{}/blobs/{digest}", http.origin, image.repository);
    fetch_blob(http, &url, auth).await
}

/// Fetches a blob URL (on the login server, or the redirect target with no credentials).
pub async fn fetch_blob(http: &Http, url: &str, auth: &Auth) -> BlobAnswer {
    let response = match http.get(url, auth).send().await {
        Ok(r) => r,
        Err(e) => return BlobAnswer::Failed(describe(&e)),
    };
    let status = response.status();
    if status.is_redirection() {
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|l| reqwest::Url::parse(url).ok()?.join(l).ok());
        return match location {
            Some(location) => BlobAnswer::Redirect {
                status: status.as_u16(),
                location,
            },
            None => BlobAnswer::Failed(format!("HTTP {status} without a usable Location")),
        };
    }
    if !status.is_success() {
        let body = response.text().await.unwrap_or_default();
        return BlobAnswer::Refused {
            status: status.as_u16(),
            detail: error_message(&body).unwrap_or_else(|| snippet(&body)),
        };
    }
    match read_limited(response, BLOB_LIMIT).await {
        Ok(bytes) => BlobAnswer::Bytes(bytes),
        Err(e) => BlobAnswer::Failed(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn firewall_message_names_the_client_ip() {
        assert_eq!(
            client_ip(
                "DENIED: client with IP '203.0.113.7' is not allowed access. Refer https://aka.ms/acr/firewall to grant access."
            )
            .as_deref(),
            Some("203.0.113.7")
        );
        assert_eq!(client_ip("denied"), None);
        assert_eq!(client_ip("client with IP 'not-an-ip' is"), None);
    }

    #[test]
    fn challenges_are_parsed() {
        let mut headers = HeaderMap::new();
        headers.insert(
            WWW_AUTHENTICATE,
            r#"Bearer realm="https://r.azurecr.io/oauth2/token",service="r.azurecr.io""#
                .parse()
                .unwrap(),
        );
        assert_eq!(
            parse_challenge(&headers),
            Some(Challenge::Bearer {
                realm: "https://r.azurecr.io/oauth2/token".into(),
                service: Some("r.azurecr.io".into()),
                scope: None,
            })
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            WWW_AUTHENTICATE,
            r#"Basic realm="basic-realm""#.parse().unwrap(),
        );
        assert_eq!(
            parse_challenge(&headers),
            Some(Challenge::Basic {
                realm: Some("basic-realm".into())
            })
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            WWW_AUTHENTICATE,
            r#"Bearer realm="x",service="s",scope="repository:a:pull",error="insufficient_scope""#
                .parse()
                .unwrap(),
        );
        assert_eq!(
            challenge_error(&headers).as_deref(),
            Some("insufficient_scope")
        );
    }

    #[test]
    fn token_access_claims_are_read() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
            r#"{"access":[{"type":"repository","name":"samples/hello","actions":["pull"]}]}"#,
        );
        let token = format!("e30.{payload}.sig");
        assert_eq!(
            granted_actions(&token, "samples/hello"),
            Some(vec!["pull".to_string()])
        );
        assert_eq!(granted_actions(&token, "other"), Some(vec![]));
        assert_eq!(granted_actions("opaque", "samples/hello"), None);
    }

    #[test]
    fn sha256_is_in_digest_form() {
        assert_eq!(
            sha256(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
