//! Turns probe options into a probe plan and runs it: from an image reference alone
//! (`pullpath probe`), or from the facts (`verify --probe`), where the expected addresses are
//! the endpoint NIC's, the data endpoints are the registry's regions, and the credential is
//! the app's when the probe runs inside the app (or is given the app's credentials).

use std::io::{IsTerminal, Read};
use std::time::Duration;

use crate::cli::ProbeOptions;
use crate::collect::auth::AuthMode;
use crate::collect::probe::walk::{self, HostPlan, ProbePlan, PullCredential};
use crate::collect::probe::{DIAL_ALLOW, DialGuard};
use crate::error::InputError;
use crate::facts::image::{self, ImageRef};
use crate::facts::probe::{Expected, HostRole, ProbeFacts};
use crate::facts::{Cloud, CredentialMode, Facts};

/// The app's registry user name and password, read live for `--use-app-credentials`.
pub struct AppCredentials {
    pub username: String,
    pub password: String,
}

/// An image reference as the probe dials it: host, port, and Docker Hub's real host.
fn login_plan(image: &ImageRef) -> Result<(String, u16), InputError> {
    let host = match image.host() {
        "docker.io" => "registry-1.docker.io".to_string(),
        other => other.to_string(),
    };
    let port = match image.registry.rsplit_once(':') {
        Some((_, port)) if !image.registry.starts_with('[') => {
            port.parse::<u16>().map_err(|_| {
                InputError::new(format!(
                    "the image's registry `{}` has a port that is not a number",
                    image.registry
                ))
            })?
        }
        _ => 443,
    };
    Ok((host, port))
}

/// Reads `--password-stdin`.
fn password_from_stdin() -> Result<String, InputError> {
    let mut stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(InputError::new(
            "--password-stdin reads the password from stdin: pipe it in (printf %s \"$PASSWORD\" | pullpath …)",
        ));
    }
    let mut password = String::new();
    stdin
        .read_to_string(&mut password)
        .map_err(|e| InputError::new(format!("--password-stdin: cannot read stdin ({e})")))?;
    let password = password.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        return Err(InputError::new("--password-stdin: stdin held no password"));
    }
    Ok(password)
}

/// The credential the flags ask for explicitly, if any.
fn explicit_credential(options: &ProbeOptions) -> Result<Option<PullCredential>, InputError> {
    if let Some(username) = &options.username {
        return Ok(Some(PullCredential::Basic {
            username: username.clone(),
            password: password_from_stdin()?,
            source: "--username".into(),
        }));
    }
    if options.anonymous {
        return Ok(Some(PullCredential::Anonymous));
    }
    Ok(None)
}

/// Credentials for `host` from a Docker config: `auths` (base64 `user:password`, or
/// `username`/`password`), else `credHelpers`/`credsStore` through `docker-credential-*`.
fn docker_config_credential(
    options: &ProbeOptions,
    host: &str,
) -> Result<Option<PullCredential>, InputError> {
    let path = match &options.docker_config {
        Some(path) => path.clone(),
        None => match std::env::var_os("DOCKER_CONFIG") {
            Some(dir) => std::path::PathBuf::from(dir).join("config.json"),
            None => match std::env::var_os("HOME") {
                Some(home) => std::path::PathBuf::from(home).join(".docker/config.json"),
                None => return Ok(None),
            },
        },
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(_) if options.docker_config.is_none() => return Ok(None),
        Err(e) => {
            return Err(InputError::in_file(&path, format!("cannot read ({e})")));
        }
    };
    let config: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| InputError::in_file(&path, format!("not JSON ({e})")))?;
    let source = format!("{} auths", path.display());
    let entry = config
        .get("auths")
        .and_then(|a| a.as_object())
        .and_then(|auths| {
            auths.iter().find_map(|(key, value)| {
                let key_host = key
                    .trim_start_matches("https://")
                    .trim_start_matches("http://")
                    .split('/')
                    .next()
                    .unwrap_or(key);
                key_host.eq_ignore_ascii_case(host).then_some(value)
            })
        });
    if let Some(entry) = entry {
        let decoded = entry
            .get("auth")
            .and_then(|a| a.as_str())
            .and_then(|a| {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD.decode(a).ok()
            })
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|pair| {
                pair.split_once(':')
                    .map(|(u, p)| (u.to_string(), p.to_string()))
            });
        let pair = decoded.or_else(|| {
            Some((
                entry.get("username")?.as_str()?.to_string(),
                entry.get("password")?.as_str()?.to_string(),
            ))
        });
        if let Some((username, password)) = pair {
            return Ok(Some(PullCredential::Basic {
                username,
                password,
                source,
            }));
        }
    }
    let helper = config
        .get("credHelpers")
        .and_then(|h| h.get(host))
        .or_else(|| config.get("credsStore"))
        .and_then(|h| h.as_str());
    let Some(helper) = helper else {
        return Ok(None);
    };
    let program = format!("docker-credential-{helper}");
    let output = std::process::Command::new(&program)
        .arg("get")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            if let Some(mut stdin) = child.stdin.take() {
                stdin.write_all(host.as_bytes())?;
            }
            child.wait_with_output()
        });
    let output = match output {
        Ok(o) if o.status.success() => o.stdout,
        _ => return Ok(None),
    };
    let value: serde_json::Value = serde_json::from_slice(&output).unwrap_or_default();
    match (
        value.get("Username").and_then(|v| v.as_str()),
        value.get("Secret").and_then(|v| v.as_str()),
    ) {
        (Some(username), Some(secret)) => Ok(Some(PullCredential::Basic {
            username: username.to_string(),
            password: secret.to_string(),
            source: program,
        })),
        _ => Ok(None),
    }
}

fn inside_app() -> Option<String> {
    let name = std::env::var("WEBSITE_SITE_NAME").ok()?;
    std::env::var_os("IDENTITY_ENDPOINT").map(|_| name)
}

/// `pullpath probe IMAGE`: the plan from the flags alone.
pub fn plan_from_image(
    reference: &str,
    options: &ProbeOptions,
    auth: AuthMode,
    client_id: Option<String>,
    timeout: Duration,
) -> Result<ProbePlan, InputError> {
    let image = image::parse(reference).map_err(|e| InputError::new(format!("IMAGE: {e}")))?;
    let (host, port) = login_plan(&image)?;
    let cloud = Cloud::from_login_server(&host);
    let registry = host.split('.').next().unwrap_or(&host).to_string();
    let data = options
        .data_endpoint_regions
        .iter()
        .map(|region| {
            let region = crate::facts::normalize_location(region);
            HostPlan {
                host: crate::facts::data_endpoint(&registry, &region, cloud.unwrap_or_default()),
                port,
                role: HostRole::DataEndpoint {
                    region: Some(region),
                    from_redirect: false,
                },
                expected: Expected::default(),
            }
        })
        .collect();
    let (credential, as_app) = match explicit_credential(options)? {
        Some(c) => {
            let reason = "credentials given on the command line".to_string();
            (c, (false, reason))
        }
        None if cloud.is_some() => {
            let inside = inside_app();
            let as_app = match &inside {
                Some(app) => (
                    true,
                    format!(
                        "inside app {app}, with its managed identity ({})",
                        client_id.as_deref().map_or_else(
                            || "system-assigned; pass --client-id when the app pulls with a user-assigned one".to_string(),
                            |id| format!("client id {id}")
                        )
                    ),
                ),
                None => (
                    false,
                    "not inside the app: the caller's Entra identity".to_string(),
                ),
            };
            (
                PullCredential::Entra {
                    mode: auth,
                    client_id,
                },
                as_app,
            )
        }
        None => match docker_config_credential(options, &host)? {
            Some(c) => (c, (false, "credentials from the Docker config".to_string())),
            None => (
                PullCredential::Anonymous,
                (
                    false,
                    "no credential for this registry: anonymous".to_string(),
                ),
            ),
        },
    };
    Ok(ProbePlan {
        image,
        login: HostPlan {
            host,
            port,
            role: HostRole::LoginServer,
            expected: Expected::default(),
        },
        data,
        expected_by_host: Vec::new(),
        credential,
        as_app,
        dns_servers: options.dns_servers.clone(),
        ca_file: options.ca_file.clone(),
        timeout,
        guard: DialGuard::from_env()?,
    })
}

/// The endpoint NIC's address for an FQDN, with where it comes from.
fn expected_for(facts: &Facts, fqdn: &str) -> Expected {
    let mut expected = Expected::default();
    for endpoint in &facts.endpoints {
        for member in &endpoint.members {
            if member.fqdn.eq_ignore_ascii_case(fqdn)
                && let Some(ip) = member.ip
                && !expected.addresses.contains(&ip)
            {
                expected.addresses.push(ip);
                expected.from.get_or_insert((
                    member.provenance.resource_id.clone(),
                    member.provenance.path.clone(),
                ));
            }
        }
    }
    expected
}

/// `verify --probe`: the plan from the facts.
pub fn plan_from_facts(
    facts: &Facts,
    options: &ProbeOptions,
    auth: AuthMode,
    app_credentials: Option<AppCredentials>,
    timeout: Duration,
) -> Result<Option<ProbePlan>, InputError> {
    let Some(image) = facts.main_image_ref().cloned() else {
        return Ok(None);
    };
    let (host, port) = login_plan(&image)?;
    let mut data_hosts: Vec<(String, String)> = Vec::new();
    if let Some(registry) = facts.acr() {
        for region in &registry.data_regions {
            data_hosts.push((region.clone(), registry.data_endpoint(region, facts.cloud)));
        }
    }
    for region in &options.data_endpoint_regions {
        let region = crate::facts::normalize_location(region);
        let name = facts
            .acr()
            .map(|r| r.name.clone())
            .unwrap_or_else(|| host.split('.').next().unwrap_or(&host).to_string());
        let fqdn = crate::facts::data_endpoint(&name, &region, facts.cloud);
        if !data_hosts.iter().any(|(_, h)| *h == fqdn) {
            data_hosts.push((region, fqdn));
        }
    }
    // Data endpoints exist only with a private endpoint or dedicated data endpoints; without
    // either, blobs come from storage and the redirect names the host.
    let dedicated = facts
        .acr()
        .is_some_and(|r| r.data_endpoint_enabled || !facts.endpoints.is_empty());
    let data = data_hosts
        .iter()
        .filter(|_| dedicated || !options.data_endpoint_regions.is_empty())
        .map(|(region, fqdn)| HostPlan {
            host: fqdn.clone(),
            port,
            role: HostRole::DataEndpoint {
                region: Some(region.clone()),
                from_redirect: false,
            },
            expected: expected_for(facts, fqdn),
        })
        .collect();
    let expected_by_host = facts
        .endpoints
        .iter()
        .flat_map(|e| &e.members)
        .map(|m| (m.fqdn.to_ascii_lowercase(), expected_for(facts, &m.fqdn)))
        .collect();

    let inside = inside_app().filter(|name| name.eq_ignore_ascii_case(&facts.site.name));
    let (credential, as_app) = if let Some(credentials) = app_credentials {
        (
            PullCredential::Basic {
                username: credentials.username,
                password: credentials.password,
                source: "the app's DOCKER_REGISTRY_SERVER_* settings".into(),
            },
            (true, "with the app's registry credentials".to_string()),
        )
    } else if let Some(explicit) = explicit_credential(options)? {
        (
            explicit,
            (false, "credentials given on the command line".to_string()),
        )
    } else {
        match facts.credential_mode() {
            Ok(CredentialMode::ManagedIdentity { client_id }) => {
                let which = client_id
                    .as_deref()
                    .map_or("its system-assigned identity".to_string(), |id| {
                        format!("the user-assigned identity {id}")
                    });
                match inside {
                    Some(_) => (
                        PullCredential::Entra {
                            mode: AuthMode::ManagedIdentity,
                            client_id,
                        },
                        (true, format!("inside the app, with {which}")),
                    ),
                    None => (
                        PullCredential::Entra {
                            mode: auth,
                            client_id: None,
                        },
                        (
                            false,
                            format!(
                                "the app pulls with {which}; run the probe inside the app to pull as it"
                            ),
                        ),
                    ),
                }
            }
            Ok(CredentialMode::RegistryCredentials) => {
                let inside_env = inside.as_ref().and_then(|_| {
                    Some((
                        std::env::var("DOCKER_REGISTRY_SERVER_USERNAME").ok()?,
                        std::env::var("DOCKER_REGISTRY_SERVER_PASSWORD").ok()?,
                    ))
                });
                match inside_env {
                    Some((username, password)) => (
                        PullCredential::Basic {
                            username,
                            password,
                            source: "the app's DOCKER_REGISTRY_SERVER_* environment".into(),
                        },
                        (true, "inside the app, with its registry credentials".to_string()),
                    ),
                    None => (
                        PullCredential::Entra {
                            mode: auth,
                            client_id: None,
                        },
                        (
                            false,
                            "the app pulls with DOCKER_REGISTRY_SERVER_* credentials; pass --use-app-credentials to pull with them".to_string(),
                        ),
                    ),
                }
            }
            Ok(CredentialMode::Anonymous) => (
                PullCredential::Anonymous,
                (true, "the app pulls anonymously".to_string()),
            ),
            Err(_) => (
                PullCredential::Entra {
                    mode: auth,
                    client_id: None,
                },
                (
                    false,
                    "the app's credential mode could not be read".to_string(),
                ),
            ),
        }
    };
    Ok(Some(ProbePlan {
        image,
        login: HostPlan {
            expected: expected_for(facts, &host),
            host,
            port,
            role: HostRole::LoginServer,
        },
        data,
        expected_by_host,
        credential,
        as_app,
        dns_servers: options.dns_servers.clone(),
        ca_file: options.ca_file.clone(),
        timeout,
        guard: DialGuard::from_env()?,
    }))
}

/// Runs a plan to completion on its own runtime.
pub fn run_plan(plan: ProbePlan) -> Result<ProbeFacts, InputError> {
    if std::env::var_os(DIAL_ALLOW).is_some() {
        tracing::debug!("dial guard on: {DIAL_ALLOW}");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| InputError::new(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(walk::walk(plan))
}

/// The app's registry credentials from a live app-settings document (the raw ARM answer,
/// before redaction).
pub fn app_credentials_from(documents: &[serde_json::Value]) -> Result<AppCredentials, InputError> {
    let settings = documents
        .iter()
        .find(|d| {
            d.get("id")
                .and_then(|i| i.as_str())
                .is_some_and(|id| id.to_ascii_lowercase().ends_with("/config/appsettings"))
        })
        .and_then(|d| d.get("properties"))
        .ok_or_else(|| {
            InputError::new(
                "--use-app-credentials: the app settings could not be read (needs Microsoft.Web/sites/config/list/action)",
            )
        })?;
    let get = |key: &str| {
        settings
            .get(key)
            .and_then(|v| v.as_str())
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    match (
        get("DOCKER_REGISTRY_SERVER_USERNAME"),
        get("DOCKER_REGISTRY_SERVER_PASSWORD"),
    ) {
        (Some(username), Some(password)) => Ok(AppCredentials { username, password }),
        _ => Err(InputError::new(
            "--use-app-credentials: the app has no DOCKER_REGISTRY_SERVER_USERNAME and DOCKER_REGISTRY_SERVER_PASSWORD settings (it pulls with a managed identity or anonymously)",
        )),
    }
}
