//! A fake Azure Resource Manager on a free loopback port, serving a snapshot directory as ARM
//! would: documents by id (case-insensitive), child lists with `nextLink` paging, role
//! assignments by `principalId` filter, `config/appsettings/list`, and Resource Graph queries.
//! Faults can be injected per path (latency, 429 with Retry-After, 500, 403, black hole), and
//! every request is logged. It also serves the App Service managed identity endpoint
//! (`/msi/token`, checking `X-IDENTITY-HEADER`), and demands the token it issued.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};

pub const IDENTITY_HEADER: &str = "pullpath-test-identity-header";

/// The seed deployment's app, in `pullpath verify` / `snapshot` arguments.
pub const SEED_APP: [&str; 6] = [
    "--subscription",
    "6f1c9a3e-2b7d-4e5f-9a8b-1c2d3e4f5a6b",
    "-g",
    "secureacrsetup",
    "-n",
    "secureacrweb2021",
];

/// A token that is easy to search for in outputs.
pub fn issued_token() -> String {
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    format!(
        "{}.{}.c2VjcmV0LXNpZ25hdHVyZS1wdWxscGF0aC10ZXN0",
        b64(r#"{"alg":"RS256","typ":"JWT"}"#),
        b64(
            r#"{"oid":"0f0e0d0c-1b2a-4c3d-9e8f-7a6b5c4d3e2f","appid":"11112222-3333-4444-5555-666677778888","xms_mirid":"pullpath-test"}"#
        )
    )
}

#[derive(Default, Clone)]
pub struct Faults {
    pub latency: Duration,
    /// Path substrings (lowercase) answered 429 once, with `Retry-After: 1`.
    pub throttle_once: Vec<String>,
    /// Path substrings answered 500 once.
    pub error_once: Vec<String>,
    pub forbidden: Vec<String>,
    /// Path substrings that are accepted and never answered.
    pub blackhole: Vec<String>,
    /// Answer 401 to the first ARM request (a stale token).
    pub unauthorized_once: bool,
}

#[derive(Default)]
struct Shared {
    documents: BTreeMap<String, Value>,
    faults: Faults,
    fired: HashSet<String>,
    log: Vec<(String, String)>,
    arrivals: Vec<std::time::Instant>,
    base: String,
}

pub struct FakeArm {
    pub base: String,
    shared: Arc<Mutex<Shared>>,
    _runtime: std::thread::JoinHandle<()>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

fn collect(value: Value, out: &mut BTreeMap<String, Value>) {
    match value {
        Value::Array(items) => items.into_iter().for_each(|v| collect(v, out)),
        Value::Object(mut map) if !map.contains_key("id") => {
            if let Some(list) = map.remove("value") {
                collect(list, out);
            }
        }
        Value::Object(map) => {
            let id = map["id"].as_str().unwrap().to_ascii_lowercase();
            out.insert(id, Value::Object(map));
        }
        _ => {}
    }
}

impl FakeArm {
    /// Serves the documents of `dir`. Entries of its `pullpath-snapshot.json` that are
    /// `forbidden` are answered 403, as the exporter saw them.
    pub fn start(dir: &Path, mut faults: Faults) -> FakeArm {
        let mut documents = BTreeMap::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let value: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            if path.file_name().unwrap() == "pullpath-snapshot.json" {
                for gap in value["unreadable"].as_array().unwrap() {
                    if gap["reason"] == "forbidden" {
                        faults
                            .forbidden
                            .push(gap["id"].as_str().unwrap().to_ascii_lowercase());
                    }
                }
                continue;
            }
            collect(value, &mut documents);
        }
        let shared = Arc::new(Mutex::new(Shared {
            documents,
            faults,
            ..Default::default()
        }));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        shared.lock().unwrap().base = base.clone();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let state = shared.clone();
        let runtime = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let app = axum::Router::new().fallback(handle).with_state(state);
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = rx.await;
                    })
                    .await
                    .unwrap();
            });
        });
        FakeArm {
            base,
            shared,
            _runtime: runtime,
            shutdown: Some(tx),
        }
    }

    pub fn msi_endpoint(&self) -> String {
        format!("{}/msi/token", self.base)
    }

    /// When each logged request arrived, with its path.
    pub fn arrivals(&self) -> Vec<(std::time::Instant, String)> {
        let s = self.shared.lock().unwrap();
        s.arrivals
            .iter()
            .cloned()
            .zip(s.log.iter().map(|(_, p)| p.clone()))
            .collect()
    }

    pub fn clear_log(&self) {
        let mut s = self.shared.lock().unwrap();
        s.log.clear();
        s.arrivals.clear();
    }

    /// Every request as (method, path and query), in arrival order.
    pub fn log(&self) -> Vec<(String, String)> {
        self.shared.lock().unwrap().log.clone()
    }
}

impl Drop for FakeArm {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// The collection a child document is listed in: its id without the last segment.
fn collection_of(id: &str) -> &str {
    id.rsplit_once('/').map_or(id, |(collection, _)| collection)
}

/// Whether a path names a collection: it ends in a type segment, not a name.
fn is_collection(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let Some(at) = lower.rfind("/providers/") else {
        return false;
    };
    let rest: Vec<&str> = lower[at + 11..]
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    rest.len() >= 2 && rest.len().is_multiple_of(2)
}

fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        kv.split_once('=')
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.replace("%20", " ").replace("%27", "'"))
    })
}

const PAGE: usize = 1;

async fn handle(
    State(shared): State<Arc<Mutex<Shared>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let query = uri.query().unwrap_or("").to_string();
    let lower = path.to_ascii_lowercase();
    let (latency, base) = {
        let mut s = shared.lock().unwrap();
        s.log.push((
            method.to_string(),
            if query.is_empty() {
                path.clone()
            } else {
                format!("{path}?{query}")
            },
        ));
        s.arrivals.push(std::time::Instant::now());
        (s.faults.latency, s.base.clone())
    };
    if lower == "/msi/token" {
        if headers
            .get("x-identity-header")
            .and_then(|v| v.to_str().ok())
            != Some(IDENTITY_HEADER)
        {
            return json_response(
                StatusCode::UNAUTHORIZED,
                json!({"error": "bad identity header"}),
            );
        }
        let expires = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 3600;
        return json_response(
            StatusCode::OK,
            json!({"access_token": issued_token(), "expires_on": expires.to_string(), "resource": "https://management.azure.com", "token_type": "Bearer"}),
        );
    }
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    // Faults, decided under the lock, acted on outside it.
    enum Fault {
        None,
        Hole,
        Forbidden,
        Throttle,
        Error,
        Unauthorized,
    }
    let fault = {
        let mut s = shared.lock().unwrap();
        let hits = |list: &Vec<String>| list.iter().any(|p| lower.contains(p.as_str()));
        if hits(&s.faults.blackhole) {
            Fault::Hole
        } else if s.faults.unauthorized_once && s.fired.insert("401".into()) {
            Fault::Unauthorized
        } else if hits(&s.faults.forbidden) {
            Fault::Forbidden
        } else if hits(&s.faults.throttle_once) && s.fired.insert(format!("429 {lower}")) {
            Fault::Throttle
        } else if hits(&s.faults.error_once) && s.fired.insert(format!("500 {lower}")) {
            Fault::Error
        } else {
            Fault::None
        }
    };
    match fault {
        Fault::Hole => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return StatusCode::GATEWAY_TIMEOUT.into_response();
        }
        Fault::Unauthorized => {
            return json_response(
                StatusCode::UNAUTHORIZED,
                json!({"error": {"code": "ExpiredAuthenticationToken"}}),
            );
        }
        Fault::Forbidden => {
            return json_response(
                StatusCode::FORBIDDEN,
                json!({"error": {"code": "AuthorizationFailed", "message": "no access"}}),
            );
        }
        Fault::Throttle => {
            return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")], "{}").into_response();
        }
        Fault::Error => {
            return json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"error": {"code": "InternalServerError"}}),
            );
        }
        Fault::None => {}
    }
    let expected = format!("Bearer {}", issued_token());
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return json_response(
            StatusCode::UNAUTHORIZED,
            json!({"error": {"code": "InvalidAuthenticationToken"}}),
        );
    }
    let s = shared.lock().unwrap();
    if method == Method::POST && lower.ends_with("/config/appsettings/list") {
        let id = lower.trim_end_matches("/list").to_string();
        return match s.documents.get(&id) {
            Some(doc) => json_response(StatusCode::OK, doc.clone()),
            None => json_response(
                StatusCode::NOT_FOUND,
                json!({"error": {"code": "NotFound"}}),
            ),
        };
    }
    if method == Method::POST && lower == "/providers/microsoft.resourcegraph/resources" {
        let request: Value = serde_json::from_slice(&body).unwrap_or_default();
        let query = request["query"].as_str().unwrap_or("").to_ascii_lowercase();
        let literals: Vec<&str> = query.split('\'').skip(1).step_by(2).collect();
        let (kind, rest) = literals
            .split_first()
            .map(|(k, r)| (*k, r.to_vec()))
            .unwrap_or(("", Vec::new()));
        let rows: Vec<Value> = s
            .documents
            .values()
            .filter(|d| d["type"].as_str().unwrap_or("").eq_ignore_ascii_case(kind))
            .filter(|d| {
                let text = d.to_string().to_ascii_lowercase();
                rest.iter().all(|l| text.contains(l))
            })
            .map(|d| json!({"id": d["id"]}))
            .collect();
        return json_response(
            StatusCode::OK,
            json!({"totalRecords": rows.len(), "count": rows.len(), "resultTruncated": "false", "data": rows}),
        );
    }
    if method != Method::GET {
        return json_response(
            StatusCode::METHOD_NOT_ALLOWED,
            json!({"error": {"code": "MethodNotAllowed"}}),
        );
    }
    if let Some(doc) = s.documents.get(&lower) {
        return json_response(StatusCode::OK, doc.clone());
    }
    if !is_collection(&path) {
        return json_response(
            StatusCode::NOT_FOUND,
            json!({"error": {"code": "ResourceNotFound"}}),
        );
    }
    let items: Vec<Value> = if lower.ends_with("/providers/microsoft.authorization/roleassignments")
    {
        let scope = lower
            .trim_end_matches("/providers/microsoft.authorization/roleassignments")
            .to_string();
        let principal = query_param(&query, "$filter")
            .and_then(|f| f.split('\'').nth(1).map(str::to_ascii_lowercase));
        s.documents
            .values()
            .filter(|d| {
                d["type"]
                    .as_str()
                    .unwrap_or("")
                    .eq_ignore_ascii_case("Microsoft.Authorization/roleAssignments")
            })
            .filter(|d| {
                principal.as_deref().is_none_or(|p| {
                    d["properties"]["principalId"]
                        .as_str()
                        .unwrap_or("")
                        .eq_ignore_ascii_case(p)
                })
            })
            .filter(|d| {
                let at = d["properties"]["scope"]
                    .as_str()
                    .unwrap_or("")
                    .to_ascii_lowercase();
                scope.starts_with(&at) || at.starts_with(&scope)
            })
            .cloned()
            .collect()
    } else {
        s.documents
            .iter()
            .filter(|(id, _)| collection_of(id) == lower)
            .map(|(_, d)| d.clone())
            .collect()
    };
    let skip: usize = query_param(&query, "$skiptoken")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let page: Vec<Value> = items.iter().skip(skip).take(PAGE).cloned().collect();
    let mut body = json!({"value": page});
    if skip + PAGE < items.len() {
        let api = query_param(&query, "api-version").unwrap_or_default();
        body["nextLink"] = json!(format!(
            "{base}{path}?api-version={api}&$skiptoken={}",
            skip + PAGE
        ));
    }
    json_response(StatusCode::OK, body)
}
