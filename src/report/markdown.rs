//! `-o markdown`: a summary for `$GITHUB_STEP_SUMMARY` or a pull-request comment — verdict,
//! root causes with their fixes, and every check in a table.

use std::io::{self, Write};

use super::{Report, Verdict, evidence_line};
use crate::checks::Status;

fn icon(status: Status) -> &'static str {
    match status {
        Status::Pass => "✅",
        Status::Warn => "⚠️",
        Status::Fail => "❌",
        Status::Skip => "⏭️",
        Status::Error => "❗",
    }
}

/// Table cells cannot hold `|` or line breaks.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', "<br>")
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let verdict = match report.summary.verdict {
        Verdict::Pass => "✅ pass",
        Verdict::Fail => "❌ fail",
        Verdict::Inconclusive => "❗ inconclusive",
    };
    if report.target.app.is_empty() {
        writeln!(out, "## pullpath probe: {verdict}")?;
    } else {
        let app = crate::facts::ArmId::parse(&report.target.app);
        writeln!(
            out,
            "## pullpath: {verdict} — `{}` ({})",
            app.name, app.resource_group
        )?;
    }
    writeln!(out)?;
    if let Some(image) = &report.target.image {
        let registry = report
            .target
            .registry
            .as_deref()
            .map(|r| crate::facts::ArmId::parse(r).name);
        let from = registry
            .map(|r| format!(" from registry `{r}`"))
            .unwrap_or_default();
        writeln!(out, "Image `{image}`{from}.")?;
    }
    if let Some(vantage) = &report.vantage {
        writeln!(out, "{}.", cell(&super::vantage_line(vantage)))?;
    }
    writeln!(out, "{}.", report.summary.line())?;
    writeln!(out)?;
    if !report.root_causes.is_empty() {
        writeln!(out, "### Root causes")?;
        writeln!(out)?;
        for id in &report.root_causes {
            let Some(r) = report.result(id) else { continue };
            writeln!(out, "#### {} {} ({})", r.id, r.title, r.severity.as_str())?;
            writeln!(out)?;
            writeln!(out, "{}", r.message)?;
            writeln!(out)?;
            for e in &r.evidence {
                writeln!(out, "- {}", evidence_line(e).replace('`', "'"))?;
            }
            if !r.rests_on.is_empty() {
                writeln!(out, "- rests on {} values", r.rests_on.join(", "))?;
            }
            if let Some(fix) = &r.remediation {
                writeln!(out)?;
                writeln!(out, "```sh")?;
                writeln!(out, "{fix}")?;
                writeln!(out, "```")?;
            }
            writeln!(out)?;
        }
    }
    let errored: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Error)
        .collect();
    if !errored.is_empty() {
        writeln!(out, "### Could not check")?;
        writeln!(out)?;
        for r in errored {
            writeln!(out, "- **{}** {}: {}", r.id, r.title, r.message)?;
        }
        writeln!(out)?;
    }
    writeln!(
        out,
        "<details><summary>All {} checks</summary>",
        report.checks.len()
    )?;
    writeln!(out)?;
    writeln!(out, "| | check | title | result |")?;
    writeln!(out, "|---|---|---|---|")?;
    for r in &report.checks {
        writeln!(
            out,
            "| {} | {} | {} | {} |",
            icon(r.status),
            r.id,
            cell(r.title),
            cell(&r.message)
        )?;
    }
    writeln!(out)?;
    writeln!(out, "</details>")
}
