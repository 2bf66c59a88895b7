//! `-o sarif`: SARIF 2.1.0 built with serde-sarif. Rules are the catalog, with each check's
//! documentation as `help.markdown`; results are the failed and warned checks, located at
//! the snapshot file that holds the resource (so code scanning can show them) and, logically,
//! at the ARM resource id.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_sarif::sarif::{
    ArtifactLocation, Location, LogicalLocation, Message, MultiformatMessageString,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, Sarif, Tool, ToolComponent,
};

use super::{Report, evidence_line};
use crate::checks::{self, Severity, Status};

/// GitHub code scanning reads `security-severity` (0–10) to rank findings.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "8.0",
        Severity::Medium => "5.0",
        Severity::Low => "2.0",
    }
}

fn default_level(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

fn properties(entries: Vec<(&str, serde_json::Value)>, tags: Vec<String>) -> PropertyBag {
    let additional: BTreeMap<String, serde_json::Value> = entries
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    PropertyBag::builder()
        .tags(tags)
        .additional_properties(additional)
        .build()
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let catalog: Vec<&checks::Check> = checks::catalog().collect();
    let rules: Vec<ReportingDescriptor> = catalog
        .iter()
        .map(|c| {
            ReportingDescriptor::builder()
                .id(c.id)
                .name(c.title.replace(' ', ""))
                .short_description(MultiformatMessageString::builder().text(c.title).build())
                .full_description(
                    MultiformatMessageString::builder()
                        .text(first_paragraph(c.doc, "## What it checks"))
                        .build(),
                )
                .help(
                    MultiformatMessageString::builder()
                        .text(first_paragraph(c.doc, "## How to fix"))
                        .markdown(c.doc)
                        .build(),
                )
                .default_configuration(
                    ReportingConfiguration::builder()
                        .level(serde_json::json!(default_level(c.severity)))
                        .build(),
                )
                .properties(properties(
                    vec![(
                        "security-severity",
                        serde_json::json!(security_severity(c.severity)),
                    )],
                    vec![c.family.as_str().to_string(), "azure".into()],
                ))
                .build()
        })
        .collect();

    let mut results = Vec::new();
    for r in report
        .checks
        .iter()
        .filter(|r| matches!(r.status, Status::Fail | Status::Warn | Status::Error))
    {
        let rule_index = catalog.iter().position(|c| c.id == r.id).unwrap_or(0) as i64;
        let level = match r.status {
            Status::Fail => ResultLevel::Error,
            Status::Warn if report.fail_on_warn => ResultLevel::Error,
            Status::Warn => ResultLevel::Warning,
            _ => ResultLevel::Note,
        };
        let mut text = r.message.clone();
        for e in &r.evidence {
            text.push_str(&format!("\n- {}", evidence_line(e)));
        }
        if let Some(fix) = &r.remediation {
            text.push_str(&format!("\nFix: {fix}"));
        }
        let resource = r
            .evidence
            .first()
            .map(|e| e.resource_id.clone())
            .unwrap_or_else(|| report.target.app.clone());
        let file = report
            .origin_of(&resource)
            .or_else(|| report.origin_of(&report.target.app))
            .map(str::to_string);
        let logical = vec![
            LogicalLocation::builder()
                .fully_qualified_name(resource.clone())
                .kind("resource")
                .build(),
        ];
        let location = match file {
            Some(f) => {
                let physical = PhysicalLocation::builder()
                    .artifact_location(
                        ArtifactLocation::builder()
                            .uri(f.replace('\\', "/"))
                            .build(),
                    )
                    .region(Region::builder().start_line(1).build())
                    .build();
                Location::builder()
                    .logical_locations(logical)
                    .physical_location(physical)
                    .build()
            }
            None => Location::builder().logical_locations(logical).build(),
        };
        let mut fingerprints = BTreeMap::new();
        fingerprints.insert(
            "pullpath/v1".to_string(),
            format!("{}:{}", r.id, resource.to_ascii_lowercase()),
        );
        results.push(
            SarifResult::builder()
                .rule_id(r.id)
                .rule_index(rule_index)
                .level(level)
                .message(Message::builder().text(text).build())
                .locations(vec![location])
                .partial_fingerprints(fingerprints)
                .properties(properties(
                    {
                        let mut entries = vec![
                            ("status", serde_json::json!(r.status.as_str())),
                            ("severity", serde_json::json!(r.severity.as_str())),
                        ];
                        if !r.rests_on.is_empty() {
                            entries.push(("restsOn", serde_json::json!(r.rests_on)));
                        }
                        entries
                    },
                    Vec::new(),
                ))
                .build(),
        );
    }

    let driver = ToolComponent::builder()
        .name("pullpath")
        .version(report.tool.version)
        .semantic_version(report.tool.version)
        .rules(rules)
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .build();
    let sarif = Sarif::builder()
        .version(serde_json::json!("2.1.0"))
        .schema(serde_sarif::sarif::SCHEMA_URL)
        .runs(vec![run])
        .build();
    serde_json::to_writer_pretty(&mut *out, &sarif)?;
    writeln!(out)
}

/// The paragraph after a heading of a check doc.
fn first_paragraph(doc: &str, heading: &str) -> String {
    doc.split(heading)
        .nth(1)
        .and_then(|rest| rest.trim_start().split("\n\n").next())
        .unwrap_or("")
        .replace('\n', " ")
}
