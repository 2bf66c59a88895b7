//! App settings with secrets removed at the door: a value outside the allow-list of DESIGN.md
//! is replaced, the moment it is parsed, by what the checks need to know about it (set or
//! empty, Key Vault reference or literal). Nothing downstream can print what it never held.

use std::collections::BTreeMap;

use super::arm::AppSettingsResource;

/// Keys whose values are not secret and are kept as they are.
pub const VISIBLE_KEYS: &[&str] = &[
    "DOCKER_REGISTRY_SERVER_URL",
    "DOCKER_REGISTRY_SERVER_USERNAME",
    "WEBSITE_PULL_IMAGE_OVER_VNET",
    "WEBSITE_VNET_ROUTE_ALL",
    "WEBSITE_CONTENTOVERVNET",
    "WEBSITE_DNS_SERVER",
    "WEBSITE_DNS_ALT_SERVER",
    "WEBSITE_DNS_ATTEMPTS",
    "WEBSITE_DNS_TIMEOUT",
];

/// Whether a setting's value may be shown.
pub fn is_visible_key(key: &str) -> bool {
    VISIBLE_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingValue {
    /// An allow-listed value, as set.
    Visible(String),
    /// A value that must not be shown; only its shape is kept.
    Hidden {
        empty: bool,
        key_vault_reference: bool,
    },
}

impl SettingValue {
    fn from_raw(key: &str, value: Option<&str>) -> SettingValue {
        let value = value.unwrap_or("");
        if is_visible_key(key) {
            SettingValue::Visible(value.to_string())
        } else {
            SettingValue::Hidden {
                empty: value.trim().is_empty(),
                key_vault_reference: is_key_vault_reference(value),
            }
        }
    }

    /// The value when it may be shown.
    pub fn visible(&self) -> Option<&str> {
        match self {
            SettingValue::Visible(v) => Some(v),
            SettingValue::Hidden { .. } => None,
        }
    }

    /// Set to something other than blanks.
    pub fn is_set(&self) -> bool {
        match self {
            SettingValue::Visible(v) => !v.trim().is_empty(),
            SettingValue::Hidden { empty, .. } => !empty,
        }
    }

    pub fn is_key_vault_reference(&self) -> bool {
        match self {
            SettingValue::Visible(v) => is_key_vault_reference(v),
            SettingValue::Hidden {
                key_vault_reference,
                ..
            } => *key_vault_reference,
        }
    }

    /// How the value appears in reports: itself, or a description of it.
    pub fn display(&self) -> String {
        match self {
            SettingValue::Visible(v) => v.clone(),
            SettingValue::Hidden {
                key_vault_reference: true,
                ..
            } => "(Key Vault reference)".into(),
            SettingValue::Hidden { empty: true, .. } => "(empty)".into(),
            SettingValue::Hidden { .. } => "(set, value hidden)".into(),
        }
    }
}

/// `@Microsoft.KeyVault(SecretUri=…)` or `@Microsoft.KeyVault(VaultName=…;SecretName=…)`.
fn is_key_vault_reference(value: &str) -> bool {
    value
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("@microsoft.keyvault(")
}

/// The app settings of one site, redacted.
#[derive(Debug, Clone, Default)]
pub struct AppSettings {
    pub id: String,
    values: BTreeMap<String, (String, SettingValue)>,
}

impl AppSettings {
    pub fn from_resource(resource: AppSettingsResource) -> AppSettings {
        let values = resource
            .properties
            .iter()
            .map(|(key, value)| {
                (
                    key.to_ascii_uppercase(),
                    (key.clone(), SettingValue::from_raw(key, value.as_deref())),
                )
            })
            .collect();
        AppSettings {
            id: resource.id,
            values,
        }
    }

    /// A setting by name (App Service setting names are case-insensitive).
    pub fn get(&self, key: &str) -> Option<&SettingValue> {
        self.values.get(&key.to_ascii_uppercase()).map(|(_, v)| v)
    }

    /// The setting's key as written, and its value.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &SettingValue)> {
        self.values.values().map(|(k, v)| (k.as_str(), v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_gone_after_parsing() {
        let resource = AppSettingsResource {
            id: "x".into(),
            properties: [
                (
                    "DOCKER_REGISTRY_SERVER_PASSWORD".to_string(),
                    Some("hunter2".to_string()),
                ),
                (
                    "docker_registry_server_url".to_string(),
                    Some("https://r.azurecr.io".to_string()),
                ),
                (
                    "API_KEY".to_string(),
                    Some("@Microsoft.KeyVault(SecretUri=https://v/s)".to_string()),
                ),
            ]
            .into_iter()
            .collect(),
        };
        let settings = AppSettings::from_resource(resource);
        assert!(!format!("{settings:?}").contains("hunter2"));
        let password = settings.get("DOCKER_REGISTRY_SERVER_PASSWORD").unwrap();
        assert!(password.is_set() && password.visible().is_none());
        assert_eq!(
            settings
                .get("DOCKER_REGISTRY_SERVER_URL")
                .unwrap()
                .visible(),
            Some("https://r.azurecr.io")
        );
        assert!(settings.get("api_key").unwrap().is_key_vault_reference());
    }
}
