//! `pullpath snapshot`: writes every document a live run read into a directory that
//! `verify --snapshot` reads back — app-setting values redacted (allow-listed keys and Key
//! Vault references kept, presence kept for the rest) — and the `pullpath-snapshot.json`
//! manifest with what could not be read and why. Written to a temporary directory first, then
//! renamed, so a failed export leaves nothing half-written.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::live::{Gathered, LiveTarget};
use super::snapshot::MANIFEST_FILE;
use crate::error::InputError;
use crate::facts::inventory::Gap;
use crate::facts::settings::is_visible_key;

/// What a redacted secret becomes: set, so the checks still see a password.
pub const REDACTED: &str = "(redacted by pullpath)";

/// A file name from an id: the part after the last `/providers/`, `/` turned into `_`.
fn file_name(id: &str, taken: &mut std::collections::HashSet<String>) -> String {
    let lower = id.to_ascii_lowercase();
    let tail = lower
        .rfind("/providers/")
        .map_or(id, |at| &id[at + "/providers/".len()..]);
    let mut stem: String = tail
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.len() > 150 {
        stem.truncate(150);
    }
    let mut name = format!("{stem}.json");
    let mut n = 2;
    while !taken.insert(name.to_ascii_lowercase()) {
        name = format!("{stem}-{n}.json");
        n += 1;
    }
    name
}

/// App settings with every value outside the allow-list replaced.
pub fn redact(document: &mut Value) {
    let is_settings = document
        .get("id")
        .and_then(Value::as_str)
        .is_some_and(|id| id.to_ascii_lowercase().ends_with("/config/appsettings"));
    if !is_settings {
        return;
    }
    if let Some(properties) = document
        .get_mut("properties")
        .and_then(Value::as_object_mut)
    {
        for (key, value) in properties.iter_mut() {
            let text = value.as_str().unwrap_or("");
            if is_visible_key(key)
                || text.trim().is_empty()
                || text
                    .trim_start()
                    .to_ascii_lowercase()
                    .starts_with("@microsoft.keyvault(")
            {
                continue;
            }
            *value = Value::from(REDACTED);
        }
    }
}

fn gap_entry(id: &str, gap: &Gap) -> Value {
    match gap {
        Gap::Forbidden { permission } => {
            json!({"id": id, "reason": "forbidden", "permission": permission})
        }
        Gap::Timeout => json!({"id": id, "reason": "timeout"}),
        Gap::NotFound => json!({"id": id, "reason": "not-found"}),
        Gap::Failed(detail) => json!({"id": id, "reason": "error", "detail": detail}),
        Gap::Missing => json!({"id": id, "reason": "error", "detail": "not read"}),
    }
}

/// Now as RFC 3339 UTC.
fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let rest = secs % 86_400;
    // civil_from_days (Howard Hinnant)
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

pub fn write(out: &Path, target: &LiveTarget, gathered: &Gathered) -> Result<usize, InputError> {
    if out.exists()
        && fs::read_dir(out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(InputError::in_file(
            out,
            "the output directory exists and is not empty; choose a new --out",
        ));
    }
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(InputError::in_file(
            out,
            format!("the parent directory {} does not exist", parent.display()),
        ));
    }
    let staging: PathBuf = parent.join(format!(
        ".{}.pullpath-{}.tmp",
        out.file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default(),
        std::process::id()
    ));
    let result = (|| -> Result<usize, std::io::Error> {
        fs::create_dir_all(&staging)?;
        let mut taken = std::collections::HashSet::new();
        taken.insert(MANIFEST_FILE.to_string());
        for document in &gathered.documents {
            let mut document = document.clone();
            redact(&mut document);
            let id = document
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or("document")
                .to_string();
            fs::write(
                staging.join(file_name(&id, &mut taken)),
                serde_json::to_string_pretty(&document)? + "\n",
            )?;
        }
        let manifest = json!({
            "schema": "pullpath/snapshot/v1",
            "tool": {"name": "pullpath", "version": env!("CARGO_PKG_VERSION")},
            "created": now_rfc3339(),
            "target": {"subscription": target.subscription, "resourceGroup": target.resource_group, "app": target.name, "slot": target.slot, "site": target.site_id(), "registry": gathered.registry_id},
            "documents": gathered.documents.len(),
            "unreadable": gathered.gaps.iter().map(|(id, gap)| gap_entry(id, gap)).collect::<Vec<_>>(),
        });
        fs::write(
            staging.join(MANIFEST_FILE),
            serde_json::to_string_pretty(&manifest)? + "\n",
        )?;
        if out.exists() {
            fs::remove_dir(out)?;
        }
        fs::rename(&staging, out)?;
        Ok(gathered.documents.len())
    })();
    result.map_err(|e| {
        let _ = fs::remove_dir_all(&staging);
        InputError::in_file(out, format!("cannot write the snapshot ({e})"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_redacted_but_present() {
        let mut doc = json!({"id": "/s/sites/a/config/appsettings", "properties": {
            "DOCKER_REGISTRY_SERVER_PASSWORD": "hunter2", "DOCKER_REGISTRY_SERVER_URL": "https://r.azurecr.io",
            "KV": "@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/s)", "EMPTY": ""}});
        redact(&mut doc);
        assert_eq!(
            doc["properties"]["DOCKER_REGISTRY_SERVER_PASSWORD"],
            REDACTED
        );
        assert_eq!(
            doc["properties"]["DOCKER_REGISTRY_SERVER_URL"],
            "https://r.azurecr.io"
        );
        assert!(
            doc["properties"]["KV"]
                .as_str()
                .unwrap()
                .starts_with("@Microsoft.KeyVault(")
        );
        assert_eq!(doc["properties"]["EMPTY"], "");
    }

    #[test]
    fn file_names_are_readable_and_unique() {
        let mut taken = std::collections::HashSet::new();
        assert_eq!(
            file_name(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app/config/web",
                &mut taken
            ),
            "Microsoft.Web_sites_app_config_web.json"
        );
        assert_eq!(
            file_name(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/APP/config/web",
                &mut taken
            ),
            "Microsoft.Web_sites_APP_config_web-2.json"
        );
        assert!(now_rfc3339().ends_with('Z'));
    }
}
