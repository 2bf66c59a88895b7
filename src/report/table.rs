//! `-o table` (the default): root causes first with evidence and the fix, then every check
//! in a comfy-table, then a one-line verdict. Colour only when asked (a TTY without
//! `NO_COLOR`).

use std::io::{self, Write};

use comfy_table::presets::UTF8_HORIZONTAL_ONLY;
use comfy_table::{Cell, CellAlignment, Color, ContentArrangement, LineStyle, Table};

use super::{Report, Verdict, evidence_line};
use crate::checks::Status;

fn status_color(status: Status) -> Color {
    match status {
        Status::Pass => Color::Green,
        Status::Warn => Color::Yellow,
        Status::Fail => Color::Red,
        Status::Skip => Color::DarkGrey,
        Status::Error => Color::Magenta,
    }
}

fn paint(text: &str, code: &str, color: bool) -> String {
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

pub fn render(report: &Report, out: &mut dyn Write, color: bool) -> io::Result<()> {
    let target = &report.target;
    if target.app.is_empty() {
        writeln!(out, "pullpath {} · probe", report.tool.version)?;
    } else {
        let app = crate::facts::ArmId::parse(&target.app);
        writeln!(
            out,
            "pullpath {} · app {} (resource group {})",
            report.tool.version, app.name, app.resource_group
        )?;
    }
    if let Some(image) = &target.image {
        let registry = target
            .registry
            .as_deref()
            .map(|r| crate::facts::ArmId::parse(r).name)
            .map(|r| format!(" · registry {r}"))
            .unwrap_or_default();
        writeln!(out, "image {image}{registry}")?;
    }
    if report.source.kind != "probe" {
        writeln!(
            out,
            "{} {} · {} documents",
            report.source.kind,
            report.source.path.as_deref().unwrap_or(""),
            report.source.documents
        )?;
    }
    if let Some(vantage) = &report.vantage {
        writeln!(out, "{}", super::vantage_line(vantage))?;
    }
    writeln!(out)?;

    if !report.root_causes.is_empty() {
        writeln!(out, "{}", paint("Root causes", "1;31", color))?;
        for (n, id) in report.root_causes.iter().enumerate() {
            let Some(r) = report.result(id) else { continue };
            writeln!(
                out,
                "{}. {} {} [{}]",
                n + 1,
                paint(r.id, "1", color),
                r.title,
                r.severity.as_str()
            )?;
            writeln!(out, "   {}", r.message)?;
            for e in &r.evidence {
                writeln!(out, "   · {}", evidence_line(e))?;
            }
            if !r.rests_on.is_empty() {
                writeln!(out, "   rests on: {} values", r.rests_on.join(", "))?;
            }
            if let Some(fix) = &r.remediation {
                writeln!(out, "   fix:")?;
                for line in fix.lines() {
                    writeln!(out, "     {line}")?;
                }
            }
            writeln!(out, "   docs: pullpath explain {}", r.id)?;
            writeln!(out)?;
        }
    }

    let errored: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Error)
        .collect();
    if !errored.is_empty() {
        writeln!(
            out,
            "{}",
            paint(
                "Could not check (the verdict is inconclusive until these are readable)",
                "1;35",
                color
            )
        )?;
        for r in errored {
            writeln!(
                out,
                "· {} {}: {}",
                paint(r.id, "1", color),
                r.title,
                r.message
            )?;
        }
        writeln!(out)?;
    }

    let mut table = Table::new();
    table
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(120);
    // Rules above and below the header and at the end; none between rows.
    table.load_style(
        UTF8_HORIZONTAL_ONLY
            .row_separator(LineStyle::none())
            .header_separator(LineStyle::none().fill('─').junction('─')),
    );
    if !color {
        table.force_no_tty();
    } else {
        table.enforce_styling();
    }
    table.set_header(vec!["status", "check", "title", "result"]);
    for r in &report.checks {
        let mut status = Cell::new(r.status.as_str()).set_alignment(CellAlignment::Left);
        if color {
            status = status.fg(status_color(r.status));
        }
        table.add_row(vec![
            status,
            Cell::new(r.id),
            Cell::new(r.title),
            Cell::new(&r.message),
        ]);
    }
    writeln!(out, "{table}")?;
    writeln!(out)?;
    let verdict = match report.summary.verdict {
        Verdict::Pass => paint("PASS", "1;32", color),
        Verdict::Fail => paint("FAIL", "1;31", color),
        Verdict::Inconclusive => paint("INCONCLUSIVE", "1;35", color),
    };
    let roots = if report.root_causes.is_empty() {
        String::new()
    } else {
        format!(" — root cause: {}", report.root_causes.join(", "))
    };
    writeln!(out, "verdict: {verdict} — {}{roots}", report.summary.line())
}
