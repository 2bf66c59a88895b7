//! `-o github`: GitHub Actions workflow commands — `::error` for failures, `::warning` for
//! warnings, `::notice` for errors the run could not decide — escaped as the runner wants.

use std::io::{self, Write};

use super::Report;
use crate::checks::Status;

/// Escapes a command's message (`%`, CR, LF).
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property (also `:` and `,`).
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for r in &report.checks {
        let command = match r.status {
            Status::Fail => "error",
            Status::Warn if report.fail_on_warn => "error",
            Status::Warn => "warning",
            Status::Error => "notice",
            _ => continue,
        };
        let mut message = r.message.clone();
        if let Some(fix) = &r.remediation {
            message.push_str("\nFix: ");
            message.push_str(fix);
        }
        let file = r
            .evidence
            .first()
            .and_then(|e| report.origin_of(&e.resource_id))
            .map(|f| format!("file={},", property(f)))
            .unwrap_or_default();
        writeln!(
            out,
            "::{command} {file}title={}::{}",
            property(&format!("{} {}", r.id, r.title)),
            data(&message)
        )?;
    }
    writeln!(
        out,
        "::notice title=pullpath::{}",
        data(&format!(
            "{}: {}",
            report.summary.verdict.as_str(),
            report.summary.line()
        ))
    )
}
