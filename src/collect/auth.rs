//! The Azure credential chain, small and explicit (azure_identity 1.x has no
//! DefaultAzureCredential): App Service / IMDS managed identity, workload identity, service
//! principal secret, Azure CLI — in that order unless `--auth` picks one. The first that
//! yields a token answers; each failure is logged with why, and the report says who answered
//! (token claims decoded for display only, never the token).

use std::sync::Arc;

use azure_core::credentials::{Secret, TokenCredential};
use azure_identity::{
    AzureCliCredential, ClientSecretCredential, ManagedIdentityCredential,
    ManagedIdentityCredentialOptions, UserAssignedId, WorkloadIdentityCredential,
};
use base64::Engine;

use crate::error::InputError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthMode {
    Auto,
    ManagedIdentity,
    WorkloadIdentity,
    ClientSecret,
    Cli,
}

/// A credential that produced a token, and what the token says about who it is.
#[derive(Clone)]
pub struct Credential {
    pub kind: &'static str,
    pub credential: Arc<dyn TokenCredential>,
    pub who: String,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("kind", &self.kind)
            .field("who", &self.who)
            .finish()
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A credential of the chain, or why it cannot be built.
type Candidate = (&'static str, Result<Arc<dyn TokenCredential>, String>);

/// A concrete credential as a chain candidate: the trait object, or why it could not be built.
fn erase<C: TokenCredential + 'static>(
    built: azure_core::Result<Arc<C>>,
) -> Result<Arc<dyn TokenCredential>, String> {
    built
        .map(|c| c as Arc<dyn TokenCredential>)
        .map_err(|e| e.to_string())
}

/// The candidates for `mode`, in chain order. `client_id` selects a user-assigned managed
/// identity.
fn candidates(mode: AuthMode, client_id: Option<&str>) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    let want = |m: AuthMode| mode == AuthMode::Auto || mode == m;
    if want(AuthMode::ManagedIdentity)
        && (mode == AuthMode::ManagedIdentity
            || (env("IDENTITY_ENDPOINT").is_some() && env("IDENTITY_HEADER").is_some()))
    {
        let options = client_id.map(|id| ManagedIdentityCredentialOptions {
            user_assigned_id: Some(UserAssignedId::ClientId(id.to_string())),
            ..Default::default()
        });
        out.push((
            "managed-identity",
            erase(ManagedIdentityCredential::new(options)),
        ));
    }
    if want(AuthMode::WorkloadIdentity)
        && (mode == AuthMode::WorkloadIdentity || env("AZURE_FEDERATED_TOKEN_FILE").is_some())
    {
        out.push((
            "workload-identity",
            erase(WorkloadIdentityCredential::new(None)),
        ));
    }
    if want(AuthMode::ClientSecret)
        && (mode == AuthMode::ClientSecret || env("AZURE_CLIENT_SECRET").is_some())
    {
        let built = match (
            env("AZURE_TENANT_ID"),
            env("AZURE_CLIENT_ID"),
            env("AZURE_CLIENT_SECRET"),
        ) {
            (Some(tenant), Some(client), Some(secret)) => erase(ClientSecretCredential::new(
                &tenant,
                client,
                Secret::new(secret),
                None,
            )),
            _ => Err("needs AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET".to_string()),
        };
        out.push(("client-secret", built));
    }
    if want(AuthMode::Cli) {
        out.push(("azure-cli", erase(AzureCliCredential::new(None))));
    }
    out
}

/// Walks the chain until a credential yields a token for `scope`.
pub async fn acquire(mode: AuthMode, scope: &str) -> Result<Credential, InputError> {
    acquire_token(mode, scope, None)
        .await
        .map(|(credential, _)| credential)
}

/// Walks the chain until a credential yields a token for `scope`; returns the credential and
/// that token (for a caller that sends it on, like the ACR exchange).
pub async fn acquire_token(
    mode: AuthMode,
    scope: &str,
    client_id: Option<&str>,
) -> Result<(Credential, Secret), InputError> {
    let mut tried = Vec::new();
    for (kind, built) in candidates(mode, client_id) {
        let credential = match built {
            Ok(c) => c,
            Err(why) => {
                tracing::info!("credential {kind} unavailable: {why}; trying the next");
                tried.push(format!("{kind}: {why}"));
                continue;
            }
        };
        match credential.get_token(&[scope], None).await {
            Ok(token) => {
                let who = describe_token(token.token.secret());
                tracing::info!("credential {kind} answered ({who})");
                return Ok((
                    Credential {
                        kind,
                        credential,
                        who,
                    },
                    token.token,
                ));
            }
            Err(e) => {
                let why = first_line(&e.to_string());
                tracing::info!("credential {kind} failed: {why}; trying the next");
                tried.push(format!("{kind}: {why}"));
            }
        }
    }
    Err(InputError::new(format!(
        "no Azure credential answered ({}); sign in with `az login`, or set IDENTITY_ENDPOINT/IDENTITY_HEADER, AZURE_FEDERATED_TOKEN_FILE or AZURE_CLIENT_SECRET (with AZURE_TENANT_ID and AZURE_CLIENT_ID), or pick one with --auth",
        if tried.is_empty() {
            "none applies".to_string()
        } else {
            tried.join("; ")
        }
    )))
}

fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(300)
        .collect()
}

/// A JWT's claims, unverified: for display and routing (the tenant), never a decision.
fn claims(token: &str) -> Option<serde_json::Value> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// One string claim of a JWT (`tid`, `oid`).
pub fn claim(token: &str, name: &str) -> Option<String> {
    claims(token)?.get(name)?.as_str().map(str::to_string)
}

/// Who a token is for, from its `upn`/`unique_name`, `appid`/`azp` and `oid` claims. The
/// signature is not checked: this is for display, never for a decision.
pub fn describe_token(token: &str) -> String {
    let Some(claims) = claims(token) else {
        return "an opaque token".into();
    };
    let pick = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| claims.get(*k).and_then(|v| v.as_str()).map(str::to_string))
    };
    let mut parts = Vec::new();
    if let Some(upn) = pick(&["upn", "unique_name", "preferred_username"]) {
        parts.push(upn);
    }
    if let Some(app) = pick(&["appid", "azp"]) {
        parts.push(format!("appid {app}"));
    }
    if let Some(oid) = pick(&["oid"]) {
        parts.push(format!("oid {oid}"));
    }
    if parts.is_empty() {
        "a token without identity claims".into()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_claims_are_described_without_the_token() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(r#"{"oid":"1111","appid":"2222","upn":"ops@contoso.com"}"#);
        let token = format!("eyJhbGciOiJub25lIn0.{payload}.sig");
        assert_eq!(
            describe_token(&token),
            "ops@contoso.com, appid 2222, oid 1111"
        );
        assert_eq!(describe_token("not-a-jwt"), "an opaque token");
    }
}
