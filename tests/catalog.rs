//! The catalog stays honest: unique ids in family order, a doc with the required sections
//! for each, prerequisites that come earlier, and a README table generated from it.

use std::collections::BTreeSet;

use pullpath::checks::catalog;

#[test]
fn ids_are_unique_well_formed_and_match_their_family() {
    let mut seen = BTreeSet::new();
    for check in catalog() {
        assert!(seen.insert(check.id), "{} is used twice", check.id);
        let (prefix, number) = check.id.split_once('-').expect("FAMILY-NNN");
        assert!(
            number.len() == 3 && number.chars().all(|c| c.is_ascii_digit()),
            "{}",
            check.id
        );
        let family = match prefix {
            "APP" => "app",
            "NET" => "network",
            "DNS" => "dns",
            "REG" => "registry",
            "IAM" => "identity",
            "TPL" => "template",
            "PRB" => "probe",
            other => panic!("unknown family prefix {other}"),
        };
        assert_eq!(check.family.as_str(), family, "{}", check.id);
        assert_eq!(
            check.is_probe(),
            prefix == "PRB",
            "{}: only PRB checks probe",
            check.id
        );
    }
    assert_eq!(
        seen.len(),
        42,
        "the DESIGN.md catalog (38) and the template checks TPL-001…004"
    );
}

#[test]
fn every_check_has_a_complete_doc() {
    for check in catalog() {
        let doc = check.doc;
        assert!(
            doc.starts_with(&format!("# {}: {}", check.id, check.title)),
            "{}: the doc's title line names the id and title",
            check.id
        );
        for section in [
            "## What it checks",
            "## Why it matters",
            "## How to fix",
            "## References",
        ] {
            assert!(doc.contains(section), "{}: missing {section}", check.id);
        }
        assert!(
            doc.contains("az ") || check.is_probe(),
            "{}: the fix shows an az command",
            check.id
        );
        assert!(
            doc.contains(check.severity.as_str()),
            "{}: the doc states the severity",
            check.id
        );
    }
    // No stray docs for ids that do not exist.
    let ids: BTreeSet<String> = catalog().map(|c| format!("{}.md", c.id)).collect();
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/checks")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        assert!(ids.contains(&name), "checks/{name} documents no check");
    }
}

#[test]
fn prerequisites_come_first() {
    let ids: Vec<&str> = catalog().map(|c| c.id).collect();
    for (i, check) in catalog().enumerate() {
        for dep in check.needs.iter().chain(check.after) {
            let at = ids
                .iter()
                .position(|id| id == dep)
                .unwrap_or_else(|| panic!("{} depends on unknown {dep}", check.id));
            assert!(at < i, "{} depends on {dep}, which runs later", check.id);
        }
    }
}

#[test]
fn readme_catalog_table_is_generated() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("<!-- catalog:start -->")
        .expect("README has a catalog:start marker")
        + "<!-- catalog:start -->".len();
    let end = readme
        .find("<!-- catalog:end -->")
        .expect("README has a catalog:end marker");
    assert_eq!(
        readme[start..end].trim(),
        pullpath::run::catalog_markdown().trim(),
        "README catalog is stale: replace it with `pullpath checks --format markdown`"
    );
}
