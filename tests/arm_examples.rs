//! Every official ARM example in `shared/fixtures/arm-examples/` (its `responses.200.body`)
//! loads into the typed model without error: the real API shapes, quirks included.

use std::path::{Path, PathBuf};

use pullpath::collect::snapshot::{self, parse_resource};
use pullpath::facts::inventory::Kind;
use pullpath::facts::{Facts, Target};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/arm-examples")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// The kind each example file is an instance of.
fn kind_of(file: &str) -> Option<Kind> {
    Some(match file {
        "GetWebApp.json" => Kind::Site,
        "GetSiteConfig.json" => Kind::SiteConfig,
        "ListAppSettings.json" => Kind::AppSettings,
        "SubnetGet.json" => Kind::Subnet,
        "VirtualNetworkGetWithSubnetDelegation.json" => Kind::VirtualNetwork,
        "PrivateEndpointGet.json" | "PrivateEndpointGetForManualApproval.json" => {
            Kind::PrivateEndpoint
        }
        "PrivateEndpointDnsZoneGroupGet.json" => Kind::DnsZoneGroup,
        "NetworkInterfaceGet.json" => Kind::NetworkInterface,
        "PrivateZoneGet.json" => Kind::PrivateDnsZone,
        "RecordSetAGet.json" | "RecordSetAList.json" => Kind::ARecordSet,
        "VirtualNetworkLinkGet.json" | "VirtualNetworkLinkList.json" => Kind::VirtualNetworkLink,
        "RegistryGet.json" => Kind::Registry,
        "PrivateEndpointConnectionGet.json" | "PrivateEndpointConnectionList.json" => {
            Kind::RegistryConnection
        }
        "ReplicationList.json" => Kind::Replication,
        "IdentityGet.json" => Kind::UserAssignedIdentity,
        "SystemAssignedIdentityGet.json" => Kind::SystemAssignedIdentity,
        "RoleAssignments_ListForScope.json"
        | "RoleAssignments_ListForResourceGroup.json"
        | "RoleAssignments_Get.json" => Kind::RoleAssignment,
        "GetRoleDefinitionById.json" | "GetRoleDefinitionByName.json" => Kind::RoleDefinition,
        "RegistryListPrivateLinkResources.json" | "ResourcesFirstPageQuery.json" => return None,
        other => panic!("no kind for the fixture {other}: add it here"),
    })
}

#[test]
fn every_official_example_parses_into_its_typed_shape() {
    let mut files = Vec::new();
    walk(&fixtures(), &mut files);
    assert!(
        files.len() >= 28,
        "the fixtures are present ({} files)",
        files.len()
    );
    let mut parsed = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let example: serde_json::Value = serde_json::from_str(&text).unwrap();
        let body = &example["responses"]["200"]["body"];
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let Some(kind) = kind_of(&name) else { continue };
        let documents: Vec<&serde_json::Value> = match body.get("value").and_then(|v| v.as_array())
        {
            Some(list) => list.iter().collect(),
            None => vec![body],
        };
        for doc in documents {
            parse_resource(kind, file, "", doc).unwrap_or_else(|e| panic!("{e}"));
            parsed += 1;
        }
    }
    assert!(parsed >= 28, "parsed {parsed} documents");
}

#[test]
fn every_official_example_file_loads_as_a_snapshot() {
    let mut files = Vec::new();
    walk(&fixtures(), &mut files);
    for file in &files {
        let snapshot = snapshot::load(file).unwrap_or_else(|e| panic!("{e}"));
        // Sites build into facts (the examples are Windows apps: the facts still build).
        if snapshot.inventory.all_sites().count() == 1 {
            let facts = Facts::build(snapshot.inventory, &Target::default()).unwrap();
            assert!(
                !facts.site.is_linux,
                "the official GetWebApp examples are Windows apps"
            );
            let results = pullpath::checks::run(pullpath::checks::Inputs {
                facts: Some(&facts),
                probe: None,
            });
            assert_eq!(
                results.iter().find(|r| r.id == "APP-001").unwrap().status,
                pullpath::checks::Status::Fail
            );
        }
    }
}

#[test]
fn quirks_are_tolerated() {
    // The NIC example's second address is written with a prefix length.
    let file = fixtures().join("Microsoft.Network/2024-05-01/NetworkInterfaceGet.json");
    let snapshot = snapshot::load(&file).unwrap();
    let (nic, _) = snapshot.inventory.all_network_interfaces().next().unwrap();
    let raw = nic.properties.ip_configurations[1]
        .properties
        .private_ip_address
        .clone()
        .unwrap();
    assert_eq!(raw, "172.20.2.16/28");
    assert_eq!(
        pullpath::facts::net::parse_ipv4_lenient(&raw),
        Some("172.20.2.16".parse().unwrap())
    );
    // The 2024-11-01 site still has the pre-2024-11-01 routing properties.
    let file = fixtures().join("Microsoft.Web/2024-11-01/GetWebApp.json");
    let snapshot = snapshot::load(&file).unwrap();
    let facts = Facts::build(snapshot.inventory, &Target::default()).unwrap();
    assert!(
        facts
            .routing
            .sources
            .iter()
            .any(|s| s.provenance.path == "properties.vnetImagePullEnabled" && !s.enables)
    );
}
