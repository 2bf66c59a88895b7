//! The one HTTP layer to Azure Resource Manager. Read-only by construction: the only
//! requests it can build are GETs and the two documented read actions (`POST
//! …/config/appsettings/list` and a Resource Graph query). Every request is bounded: a
//! per-request timeout, the run's deadline, bounded retries with jitter on 5xx, resets and
//! timeouts, `Retry-After` honoured on 429, one token refresh on 401. A failure becomes a
//! [`Gap`] (forbidden with the permission it needs, not found, timeout), never a crash.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{Mutex, OnceCell, Semaphore};
use tokio::time::Instant;

use super::auth::Credential;
use crate::error::InputError;
use crate::facts::inventory::{Gap, type_from_id};

/// What pullpath may ask ARM. There is no way to express a write.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Request {
    /// `GET {path}?api-version=…` (`path` may carry its own query, e.g. `$filter`).
    Get {
        path: String,
        api_version: &'static str,
    },
    /// `POST {site}/config/appsettings/list`.
    ListAppSettings { site_id: String },
    /// `POST /providers/Microsoft.ResourceGraph/resources` with a KQL query.
    ResourceGraph { query: String },
}

impl Request {
    pub fn get(path: impl Into<String>, api_version: &'static str) -> Request {
        Request::Get {
            path: path.into(),
            api_version,
        }
    }

    fn key(&self) -> String {
        match self {
            Request::Get { path, .. } => format!("GET {}", path.to_ascii_lowercase()),
            Request::ListAppSettings { site_id } => format!(
                "POST {}/config/appsettings/list",
                site_id.to_ascii_lowercase()
            ),
            Request::ResourceGraph { query } => format!("GRAPH {query}"),
        }
    }

    /// The permission a 403 on this request lacks.
    fn permission(&self) -> String {
        match self {
            Request::ListAppSettings { site_id } => {
                format!("Microsoft.Web/sites/config/list/action on {site_id}")
            }
            Request::ResourceGraph { .. } => {
                "Microsoft.ResourceGraph/resources/read (and read on the resources)".into()
            }
            Request::Get { path, .. } => {
                let path = path.split('?').next().unwrap_or(path);
                let kind = type_from_id(path).unwrap_or_else(|| "the resource".into());
                format!("{kind}/read on {path}")
            }
        }
    }
}

pub const MAX_ATTEMPTS: u32 = 4;

#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub base: String,
    pub max_concurrency: usize,
    pub request_timeout: Duration,
    pub deadline: Instant,
}

/// One request's answer, shared by everyone who asks for the same document.
type Answer = Arc<OnceCell<Result<Value, Gap>>>;

/// The ARM client: base URL, credential, concurrency bound, deadline and the cache that
/// makes every document fetched once.
pub struct ArmClient {
    http: reqwest::Client,
    base: String,
    scope: String,
    credential: Credential,
    token: Mutex<Option<String>>,
    permits: Semaphore,
    deadline: Instant,
    cache: Mutex<HashMap<String, Answer>>,
    pub requests: AtomicUsize,
}

/// `http://` is accepted only for loopback hosts, where a token cannot leave the machine.
pub fn validate_base(url: &str) -> Result<String, InputError> {
    let trimmed = url.trim_end_matches('/');
    let parsed = reqwest::Url::parse(trimmed)
        .map_err(|e| InputError::new(format!("--arm-endpoint {url}: not a URL ({e})")))?;
    match parsed.scheme() {
        "https" => Ok(trimmed.to_string()),
        "http" if is_loopback(parsed.host_str().unwrap_or("")) => Ok(trimmed.to_string()),
        "http" => Err(InputError::new(format!(
            "--arm-endpoint {url}: plain http is accepted only for loopback hosts (a bearer token never travels over plain http)"
        ))),
        other => Err(InputError::new(format!(
            "--arm-endpoint {url}: unsupported scheme {other}"
        ))),
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl ArmClient {
    pub fn new(
        options: ClientOptions,
        credential: Credential,
        scope: String,
    ) -> Result<ArmClient, InputError> {
        let http = reqwest::Client::builder()
            .timeout(options.request_timeout)
            .connect_timeout(options.request_timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("pullpath/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| InputError::new(format!("cannot build the HTTP client: {e}")))?;
        Ok(ArmClient {
            http,
            base: validate_base(&options.base)?,
            scope,
            credential,
            token: Mutex::new(None),
            permits: Semaphore::new(options.max_concurrency.max(1)),
            deadline: options.deadline,
            cache: Mutex::new(HashMap::new()),
            requests: AtomicUsize::new(0),
        })
    }

    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// Sends a request once per run: a second ask for the same document waits for, and
    /// shares, the first answer.
    pub async fn fetch(&self, request: Request) -> Result<Value, Gap> {
        let cell = {
            let mut cache = self.cache.lock().await;
            cache
                .entry(request.key())
                .or_insert_with(|| Arc::new(OnceCell::new()))
                .clone()
        };
        cell.get_or_init(|| self.send(&request)).await.clone()
    }

    /// Follows `nextLink` (on the same host only) and returns every item of a list.
    pub async fn fetch_list(&self, request: Request) -> Result<Vec<Value>, Gap> {
        let mut items = Vec::new();
        let mut page = self.fetch(request).await?;
        let mut pages = 0;
        loop {
            if let Some(list) = page.get("value").and_then(Value::as_array) {
                items.extend(list.iter().cloned());
            } else if let Some(list) = page.get("data").and_then(Value::as_array) {
                items.extend(list.iter().cloned());
            }
            let Some(next) = page
                .get("nextLink")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
            else {
                break;
            };
            pages += 1;
            let Some(path) = next.strip_prefix(&self.base) else {
                return Err(Gap::Failed(format!(
                    "nextLink points to another host ({next}); not followed"
                )));
            };
            if pages > 100 {
                return Err(Gap::Failed("more than 100 pages; stopped".into()));
            }
            page = self
                .fetch(Request::Get {
                    path: path.to_string(),
                    api_version: "",
                })
                .await?;
        }
        Ok(items)
    }

    async fn bearer(&self, refresh: bool) -> Result<String, Gap> {
        let mut token = self.token.lock().await;
        if refresh || token.is_none() {
            let fresh = self
                .credential
                .credential
                .get_token(&[&self.scope], None)
                .await
                .map_err(|e| {
                    Gap::Failed(format!(
                        "token request failed ({})",
                        e.to_string().lines().next().unwrap_or("")
                    ))
                })?;
            *token = Some(fresh.token.secret().to_string());
        }
        Ok(token.clone().unwrap_or_default())
    }

    fn url(&self, request: &Request) -> String {
        match request {
            Request::Get {
                path,
                api_version: "",
            } => {
                format!("{}{path}", self.base)
            }
            Request::Get { path, api_version } => {
                let sep = if path.contains('?') { '&' } else { '?' };
                format!("{}{path}{sep}api-version={api_version}", self.base)
            }
            Request::ListAppSettings { site_id } => format!(
                "{}{site_id}/config/appsettings/list?api-version=2024-11-01",
                self.base
            ),
            Request::ResourceGraph { .. } => format!(
                "{}/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01",
                self.base
            ),
        }
    }

    async fn send(&self, request: &Request) -> Result<Value, Gap> {
        let url = self.url(request);
        let mut refreshed = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            if Instant::now() >= self.deadline {
                return Err(Gap::Timeout);
            }
            let bearer = self.bearer(false).await?;
            let _permit = self
                .permits
                .acquire()
                .await
                .map_err(|_| Gap::Failed("client closed".into()))?;
            let builder = match request {
                Request::Get { .. } => self.http.get(&url),
                Request::ListAppSettings { .. } => self.http.post(&url).header("content-length", "0"),
                Request::ResourceGraph { query } => self.http.post(&url).json(&serde_json::json!({"query": query, "options": {"resultFormat": "objectArray", "$top": 1000}})),
            };
            let started = std::time::Instant::now();
            self.requests.fetch_add(1, Ordering::Relaxed);
            let sent =
                tokio::time::timeout_at(self.deadline, builder.bearer_auth(&bearer).send()).await;
            let method = if matches!(request, Request::Get { .. }) {
                "GET"
            } else {
                "POST"
            };
            let path = url.strip_prefix(&self.base).unwrap_or(&url);
            let response = match sent {
                Err(_) => {
                    tracing::debug!(
                        "{method} {path} deadline reached after {} ms",
                        started.elapsed().as_millis()
                    );
                    return Err(Gap::Timeout);
                }
                Ok(Err(e)) => {
                    tracing::debug!(
                        "{method} {path} failed after {} ms: {}",
                        started.elapsed().as_millis(),
                        if e.is_timeout() {
                            "timeout".to_string()
                        } else {
                            e.to_string()
                        }
                    );
                    if attempt < MAX_ATTEMPTS {
                        drop(_permit);
                        self.backoff(attempt, None).await;
                        continue;
                    }
                    return Err(if e.is_timeout() {
                        Gap::Timeout
                    } else {
                        Gap::Failed(format!("{e}"))
                    });
                }
                Ok(Ok(response)) => response,
            };
            let status = response.status().as_u16();
            tracing::debug!(
                "{method} {path} {status} {} ms",
                started.elapsed().as_millis()
            );
            match status {
                200..=299 => {
                    let body = tokio::time::timeout_at(self.deadline, response.bytes())
                        .await
                        .map_err(|_| Gap::Timeout)?
                        .map_err(|e| Gap::Failed(e.to_string()))?;
                    return serde_json::from_slice(&body)
                        .map_err(|e| Gap::Failed(format!("the answer is not JSON ({e})")));
                }
                401 if !refreshed => {
                    refreshed = true;
                    drop(_permit);
                    self.bearer(true).await?;
                }
                403 => {
                    return Err(Gap::Forbidden {
                        permission: request.permission(),
                    });
                }
                404 => return Err(Gap::NotFound),
                429 | 500..=599 if attempt < MAX_ATTEMPTS => {
                    let retry_after = response
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(parse_retry_after);
                    drop(_permit);
                    self.backoff(attempt, retry_after).await;
                }
                429 => return Err(Gap::Failed("throttled (429) after retries".into())),
                other => return Err(Gap::Failed(format!("HTTP {other}"))),
            }
        }
    }

    /// Waits before a retry: `Retry-After` when given, else exponential with jitter; never
    /// past the deadline.
    async fn backoff(&self, attempt: u32, retry_after: Option<Duration>) {
        let base = retry_after
            .unwrap_or_else(|| Duration::from_millis(200 * 2u64.pow(attempt.saturating_sub(1))));
        let jitter = Duration::from_millis(jitter_ms(if retry_after.is_some() { 50 } else { 100 }));
        let wait = (base + jitter).min(Duration::from_secs(30));
        tokio::time::sleep_until((Instant::now() + wait).min(self.deadline)).await;
    }
}

/// `Retry-After` as seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate_to_unix(value)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some(Duration::from_secs(when.saturating_sub(now)))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` → Unix seconds (IMF-fixdate, the form RFC 9110 requires).
fn httpdate_to_unix(value: &str) -> Option<u64> {
    let parts: Vec<&str> = value.split_whitespace().collect();
    if parts.len() != 6 || parts[5] != "GMT" {
        return None;
    }
    let day: u64 = parts[1].parse().ok()?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == parts[2])? as u64
        + 1;
    let year: i64 = parts[3].parse().ok()?;
    let hms: Vec<u64> = parts[4].split(':').filter_map(|p| p.parse().ok()).collect();
    if hms.len() != 3 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some((days as u64) * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2])
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u64, day: u64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A little randomness for retry spacing; not for anything that needs to be unpredictable.
fn jitter_ms(max: u64) -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0);
    let mut x = nanos ^ 0x9E37_79B9_7F4A_7C15;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x % max.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            httpdate_to_unix("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO),
            "a date in the past: no wait"
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(validate_base("http://127.0.0.1:8080/").is_ok());
        assert!(validate_base("http://[::1]:8080").is_ok());
        assert!(validate_base("http://localhost:1").is_ok());
        assert!(validate_base("http://management.azure.com").is_err());
        assert!(validate_base("http://10.0.1.4").is_err());
        assert_eq!(
            validate_base("https://management.azure.com/").unwrap(),
            "https://management.azure.com"
        );
    }

    #[test]
    fn permissions_are_named() {
        let r = Request::get(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/z/A",
            "x",
        );
        assert_eq!(
            r.permission(),
            "Microsoft.Network/privateDnsZones/A/read on /subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/z/A"
        );
        assert!(
            Request::ListAppSettings {
                site_id: "/s".into()
            }
            .permission()
            .starts_with("Microsoft.Web/sites/config/list/action")
        );
    }
}
