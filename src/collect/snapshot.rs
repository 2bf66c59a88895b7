//! Reads a snapshot — a directory of ARM JSON (recursively) or one file — into an
//! [`Inventory`]. Each file may hold one document, a list response (`{"value": [...]}`), a
//! JSON array of documents, a Resource Graph answer (`{"data": [...]}`), or an x-ms-examples
//! file (`responses.200.body`). Every document is parsed into its typed shape here, so a
//! malformed one stops the run with the file and JSON path named, before any report exists.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::InputError;
use crate::facts::arm;
use crate::facts::inventory::{Gap, Inventory, Kind, Origin, Resource, id_key, type_from_id};
use crate::facts::settings::AppSettings;

/// The manifest `pullpath snapshot` writes beside the documents; not an ARM document.
pub const MANIFEST_FILE: &str = "pullpath-snapshot.json";

/// What was read, for the report's `source`.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub path: PathBuf,
    pub files: usize,
    pub inventory: Inventory,
    /// The documents as read, by normalised id (for a template's `reference()`).
    pub documents: BTreeMap<String, Value>,
}

pub fn load(path: &Path) -> Result<Snapshot, InputError> {
    let metadata = fs::metadata(path).map_err(|e| {
        InputError::in_file(
            path,
            format!(
                "cannot read the snapshot ({}); pass a directory of ARM JSON or one .json file",
                io_reason(&e)
            ),
        )
    })?;
    let files = if metadata.is_dir() {
        let mut files = Vec::new();
        collect_json_files(path, &mut files)?;
        files.sort();
        if files.is_empty() {
            return Err(InputError::in_file(
                path,
                "the directory holds no *.json files; export the documents with `pullpath snapshot` or `az resource show`",
            ));
        }
        files
    } else {
        vec![path.to_path_buf()]
    };

    let mut loader = Loader::default();
    for file in &files {
        let value = read_json(file)?;
        if file.file_name().is_some_and(|n| n == MANIFEST_FILE) {
            loader.apply_manifest(file, value)?;
        } else {
            loader.load_value(file, value, String::new())?;
        }
    }
    Ok(Snapshot {
        path: path.to_path_buf(),
        files: files.len(),
        documents: loader
            .seen
            .iter()
            .map(|(k, (v, _))| (k.clone(), v.clone()))
            .collect(),
        inventory: loader.inventory,
    })
}

/// Lays a deployment's planned documents over an inventory: each replaces the document with
/// its id (a VNet's embedded subnets too). A later planned document replaces an earlier one
/// (an explicit `config/web` child over the site's `siteConfig`). Returns the planned ids.
pub fn overlay(
    inventory: &mut Inventory,
    planned: &[crate::collect::template::arm::PlannedDocument],
    file: &Path,
) -> Result<Vec<String>, InputError> {
    let mut ids = Vec::new();
    for doc in planned {
        let mut loader = Loader::default();
        loader.load_document(file, doc.document.clone(), doc.pointer.clone())?;
        for mut entry in loader.inventory.into_entries() {
            ids.push(id_key(entry.resource.id()));
            entry.origin.planned = true;
            inventory.replace(entry);
        }
    }
    Ok(ids)
}

/// Builds the inventory from documents read live, through the same typed parsing a snapshot
/// gets; `source` labels where they came from in messages.
pub fn inventory_from_documents(
    documents: Vec<Value>,
    source: &Path,
) -> Result<Inventory, InputError> {
    let mut loader = Loader::default();
    for document in documents {
        loader.load_value(source, document, String::new())?;
    }
    Ok(loader.inventory)
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

fn collect_json_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), InputError> {
    let entries = fs::read_dir(dir).map_err(|e| {
        InputError::in_file(
            dir,
            format!("cannot list the directory ({})", io_reason(&e)),
        )
    })?;
    for entry in entries {
        let entry = entry
            .map_err(|e| InputError::in_file(dir, format!("cannot list the directory ({e})")))?;
        let path = entry.path();
        let file_type = entry
            .file_type()
            .map_err(|e| InputError::in_file(&path, format!("cannot read ({e})")))?;
        if file_type.is_dir() {
            collect_json_files(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("json"))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// `pullpath-snapshot.json`: who wrote the snapshot, when, for what, and what could not be
/// read. Only `schema` and `unreadable` matter to `verify`.
#[derive(Debug, serde::Deserialize)]
pub struct Manifest {
    pub schema: String,
    #[serde(default)]
    pub unreadable: Vec<Unreadable>,
}

/// A document the exporter tried and failed to read.
#[derive(Debug, serde::Deserialize)]
pub struct Unreadable {
    pub id: String,
    /// `forbidden`, `timeout`, `not-found` or `error`.
    pub reason: String,
    pub permission: Option<String>,
    pub detail: Option<String>,
}

/// Reads a file as JSON text, with the file named in every error.
fn read_json(file: &Path) -> Result<Value, InputError> {
    let bytes = fs::read(file)
        .map_err(|e| InputError::in_file(file, format!("cannot read ({})", io_reason(&e))))?;
    if bytes.contains(&0) {
        return Err(InputError::in_file(
            file,
            "not a JSON text file (it contains NUL bytes)",
        ));
    }
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| InputError::in_file(file, "not a JSON text file (it is not UTF-8)"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(InputError::in_file(
            file,
            "the file is empty; expected an ARM document",
        ));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        InputError::in_file(
            file,
            format!(
                "line {} column {}: invalid JSON: {}",
                e.line(),
                e.column(),
                json_error_reason(&e)
            ),
        )
    })?;
    Ok(value)
}

#[derive(Default)]
struct Loader {
    inventory: Inventory,
    /// The raw standalone documents by id, to tell a harmless repeat from a conflict.
    seen: BTreeMap<String, (Value, Origin)>,
}

impl Loader {
    /// The manifest's `unreadable` entries become gaps: the checks that need those documents
    /// report `error` (forbidden, timeout) rather than `skip`, and the run is inconclusive.
    fn apply_manifest(&mut self, file: &Path, value: Value) -> Result<(), InputError> {
        let manifest: Manifest = serde_path_to_error::deserialize(&value).map_err(|e| {
            InputError::in_file(file, serde_reason(&e.inner().to_string())).at(e.path().to_string())
        })?;
        if !manifest.schema.starts_with("pullpath/snapshot/") {
            return Err(InputError::in_file(
                file,
                format!(
                    "unknown manifest schema `{}` (expected pullpath/snapshot/v1)",
                    manifest.schema
                ),
            )
            .at("schema"));
        }
        for (i, entry) in manifest.unreadable.into_iter().enumerate() {
            let gap = match entry.reason.to_ascii_lowercase().as_str() {
                "forbidden" => Gap::Forbidden {
                    permission: entry.permission.unwrap_or_else(|| "read access".into()),
                },
                "timeout" => Gap::Timeout,
                "not-found" | "notfound" => Gap::NotFound,
                "error" => Gap::Failed(entry.detail.unwrap_or_else(|| "read failed".into())),
                other => {
                    return Err(InputError::in_file(
                        file,
                        format!("unknown reason `{other}` (forbidden, timeout, not-found, error)"),
                    )
                    .at(format!("unreadable[{i}].reason")));
                }
            };
            self.inventory.record_gap(&entry.id, gap);
        }
        Ok(())
    }

    /// Accepts the container shapes a snapshot file may use and loads each document.
    fn load_value(&mut self, file: &Path, value: Value, pointer: String) -> Result<(), InputError> {
        match value {
            Value::Array(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    self.load_document(file, item, format!("{pointer}[{i}]"))?;
                }
                Ok(())
            }
            Value::Object(ref map)
                if map
                    .get("schema")
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.starts_with("pullpath/")) =>
            {
                Ok(())
            }
            Value::Object(ref map) if map.get("$schema").and_then(Value::as_str).is_some_and(|s| s.contains("deploymentTemplate") || s.contains("deploymentParameters")) => {
                Err(InputError::in_file(file, "this is an ARM template (or its parameters), not a snapshot of deployed resources: pass it with --template (and --parameters)").at(pointer))
            }
            Value::Object(mut map) if !map.contains_key("id") => {
                if let Some(body) = map
                    .get_mut("responses")
                    .and_then(|r| r.get_mut("200"))
                    .and_then(|r| r.get_mut("body"))
                {
                    let body = body.take();
                    return self.load_value(file, body, join(&pointer, "responses.200.body"));
                }
                for list_key in ["value", "data"] {
                    match map.remove(list_key) {
                        Some(Value::Array(items)) => {
                            for (i, item) in items.into_iter().enumerate() {
                                self.load_document(
                                    file,
                                    item,
                                    format!("{}[{i}]", join(&pointer, list_key)),
                                )?;
                            }
                            return Ok(());
                        }
                        Some(other) => {
                            return Err(InputError::in_file(
                                file,
                                format!("expected an array, found {}", describe(&other)),
                            )
                            .at(join(&pointer, list_key)));
                        }
                        None => {}
                    }
                }
                Err(InputError::in_file(
                    file,
                    "expected an ARM document (an object with \"id\"), a list response ({\"value\": [...]}) or an array of documents",
                )
                .at(pointer))
            }
            Value::Object(_) => self.load_document(file, value, pointer),
            other => Err(InputError::in_file(
                file,
                format!(
                    "expected an ARM document, a list response or an array, found {}",
                    describe(&other)
                ),
            )
            .at(pointer)),
        }
    }

    fn load_document(
        &mut self,
        file: &Path,
        value: Value,
        pointer: String,
    ) -> Result<(), InputError> {
        let Value::Object(map) = &value else {
            return Err(InputError::in_file(
                file,
                format!(
                    "expected an ARM document (an object), found {}",
                    describe(&value)
                ),
            )
            .at(pointer));
        };
        let id = match map.get("id") {
            Some(Value::String(id)) if !id.trim().is_empty() => id.clone(),
            Some(Value::String(_)) | None => {
                return Err(InputError::in_file(
                    file,
                    "the document has no \"id\"; ARM documents are keyed by id",
                )
                .at(pointer));
            }
            Some(other) => {
                return Err(InputError::in_file(
                    file,
                    format!("expected a string, found {}", describe(other)),
                )
                .at(join(&pointer, "id")));
            }
        };
        let arm_type = match map.get("type") {
            Some(Value::String(t)) => Some(t.clone()),
            Some(Value::Null) | None => None,
            Some(other) => {
                return Err(InputError::in_file(
                    file,
                    format!("expected a string, found {}", describe(other)),
                )
                .at(join(&pointer, "type")));
            }
        };
        let arm_type = arm_type.or_else(|| type_from_id(&id)).unwrap_or_default();
        let Some(kind) = Kind::classify(&arm_type, &id) else {
            return Ok(()); // a document pullpath does not read
        };
        let origin = Origin {
            file: file.to_path_buf(),
            pointer: pointer.clone(),
            embedded: false,
            planned: false,
        };

        let key = id_key(&id);
        if let Some((earlier, earlier_origin)) = self.seen.get(&key) {
            if earlier == &value {
                return Ok(());
            }
            return Err(InputError::in_file(
                file,
                format!(
                    "a different document with the same id (ids compare case-insensitively) is already in {}{}: {id}; keep one of them",
                    earlier_origin.file.display(),
                    if earlier_origin.pointer.is_empty() { String::new() } else { format!(" at {}", earlier_origin.pointer) },
                ),
            )
            .at(pointer));
        }

        let resource = parse_resource(kind, file, &pointer, &value)?;
        if let Resource::VirtualNetwork(vnet) = &resource {
            self.add_embedded_children(vnet, &origin);
        }
        self.seen.insert(key, (value, origin.clone()));
        self.inventory.insert(resource, origin);
        Ok(())
    }

    /// Subnets and peerings inside a VNet document are found as documents of their own.
    fn add_embedded_children(&mut self, vnet: &arm::VirtualNetwork, origin: &Origin) {
        for (i, subnet) in vnet.properties.subnets.iter().enumerate() {
            if subnet.id.is_empty() {
                continue;
            }
            let origin = Origin {
                pointer: join(&origin.pointer, &format!("properties.subnets[{i}]")),
                embedded: true,
                ..origin.clone()
            };
            self.inventory
                .insert(Resource::Subnet(subnet.clone()), origin);
        }
        for (i, peering) in vnet.properties.virtual_network_peerings.iter().enumerate() {
            if peering.id.is_empty() {
                continue;
            }
            let origin = Origin {
                pointer: join(
                    &origin.pointer,
                    &format!("properties.virtualNetworkPeerings[{i}]"),
                ),
                embedded: true,
                ..origin.clone()
            };
            self.inventory
                .insert(Resource::Peering(peering.clone()), origin);
        }
    }
}

/// Parses one document into its typed shape; a wrong type names the JSON path.
pub fn parse_resource(
    kind: Kind,
    file: &Path,
    pointer: &str,
    value: &Value,
) -> Result<Resource, InputError> {
    fn typed<T: DeserializeOwned>(
        file: &Path,
        pointer: &str,
        value: &Value,
    ) -> Result<T, InputError> {
        serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            InputError::in_file(file, serde_reason(&e.into_inner().to_string()))
                .at(join(pointer, &path))
        })
    }
    Ok(match kind {
        Kind::Site => Resource::Site(typed(file, pointer, value)?),
        Kind::SiteConfig => Resource::SiteConfig(typed(file, pointer, value)?),
        Kind::AppSettings => {
            Resource::AppSettings(AppSettings::from_resource(typed(file, pointer, value)?))
        }
        Kind::SiteContainer => Resource::SiteContainer(typed(file, pointer, value)?),
        Kind::Plan => Resource::Plan(typed(file, pointer, value)?),
        Kind::VirtualNetwork => Resource::VirtualNetwork(typed(file, pointer, value)?),
        Kind::Subnet => Resource::Subnet(typed(file, pointer, value)?),
        Kind::Peering => Resource::Peering(typed(file, pointer, value)?),
        Kind::NetworkSecurityGroup => Resource::NetworkSecurityGroup(typed(file, pointer, value)?),
        Kind::RouteTable => Resource::RouteTable(typed(file, pointer, value)?),
        Kind::PrivateEndpoint => Resource::PrivateEndpoint(typed(file, pointer, value)?),
        Kind::DnsZoneGroup => Resource::DnsZoneGroup(typed(file, pointer, value)?),
        Kind::NetworkInterface => Resource::NetworkInterface(typed(file, pointer, value)?),
        Kind::PrivateDnsZone => Resource::PrivateDnsZone(typed(file, pointer, value)?),
        Kind::ARecordSet => Resource::ARecordSet(typed(file, pointer, value)?),
        Kind::VirtualNetworkLink => Resource::VirtualNetworkLink(typed(file, pointer, value)?),
        Kind::Registry => Resource::Registry(typed(file, pointer, value)?),
        Kind::Replication => Resource::Replication(typed(file, pointer, value)?),
        Kind::RegistryConnection => Resource::RegistryConnection(typed(file, pointer, value)?),
        Kind::UserAssignedIdentity => Resource::UserAssignedIdentity(typed(file, pointer, value)?),
        Kind::SystemAssignedIdentity => {
            Resource::SystemAssignedIdentity(typed(file, pointer, value)?)
        }
        Kind::RoleAssignment => Resource::RoleAssignment(typed(file, pointer, value)?),
        Kind::RoleDefinition => Resource::RoleDefinition(typed(file, pointer, value)?),
    })
}

fn join(prefix: &str, path: &str) -> String {
    match (prefix.is_empty(), path.is_empty()) {
        (_, true) => prefix.to_string(),
        (true, false) => path.to_string(),
        (false, false) if path.starts_with('[') => format!("{prefix}{path}"),
        (false, false) => format!("{prefix}.{path}"),
    }
}

/// What kind of JSON value this is, for messages ("a string", "an array").
pub(crate) fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// serde says "invalid type: integer `5`, expected a string"; users read
/// "expected a string, found integer `5`".
fn serde_reason(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("invalid type: ")
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        return format!("expected {expected}, found {found}");
    }
    message.to_string()
}

fn json_error_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_read_naturally() {
        assert_eq!(
            serde_reason("invalid type: integer `5`, expected a string"),
            "expected a string, found integer `5`"
        );
    }

    #[test]
    fn paths_join() {
        assert_eq!(join("", "properties.x"), "properties.x");
        assert_eq!(join("value[2]", "properties.x"), "value[2].properties.x");
        assert_eq!(join("value", "[2]"), "value[2]");
    }
}
