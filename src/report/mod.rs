//! The report model — one serialisable value every format renders — and the format
//! dispatch. Renderers write to `&mut dyn Write` and never decide the exit code.

mod github;
mod json;
mod junit;
mod markdown;
mod sarif;
mod table;

use std::io::{self, Write};

use serde::Serialize;

use crate::checks::{CheckResult, Status};

pub const SCHEMA: &str = "pullpath/report/v1";

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub tool: Tool,
    pub source: Source,
    pub target: Target,
    /// The identity used for live reads and probes; `null` offline.
    pub identity: Option<String>,
    /// Where the probes ran from (host, local addresses, resolver, identity, as the app or
    /// not); `null` without probes.
    pub vantage: Option<crate::facts::probe::Vantage>,
    pub summary: Summary,
    pub root_causes: Vec<&'static str>,
    pub checks: Vec<CheckResult>,
    /// `--fail-on`: the lowest status that fails the run (`fail`, or `warn`).
    #[serde(skip)]
    pub fail_on_warn: bool,
    /// Where each resource id came from (file and JSON path), for SARIF locations.
    #[serde(skip)]
    pub origins: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub kind: &'static str,
    pub path: Option<String>,
    pub documents: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub app: String,
    pub image: Option<String>,
    pub registry: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub verdict: Verdict,
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub skip: usize,
    pub error: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    Inconclusive,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

impl Summary {
    pub fn of(checks: &[CheckResult], fail_on_warn: bool) -> Summary {
        let count = |s: Status| checks.iter().filter(|c| c.status == s).count();
        let (pass, warn, fail, skip, error) = (
            count(Status::Pass),
            count(Status::Warn),
            count(Status::Fail),
            count(Status::Skip),
            count(Status::Error),
        );
        let verdict = if fail > 0 || (fail_on_warn && warn > 0) {
            Verdict::Fail
        } else if error > 0 {
            Verdict::Inconclusive
        } else {
            Verdict::Pass
        };
        Summary {
            verdict,
            pass,
            warn,
            fail,
            skip,
            error,
        }
    }

    pub fn line(&self) -> String {
        format!(
            "{} failed, {} warnings, {} passed, {} skipped, {} errors",
            self.fail, self.warn, self.pass, self.skip, self.error
        )
    }
}

impl Report {
    pub fn result(&self, id: &str) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// Whether this result counts as a failure of the run.
    pub fn is_failing(&self, result: &CheckResult) -> bool {
        result.status == Status::Fail || (self.fail_on_warn && result.status == Status::Warn)
    }

    /// The file a resource's document came from, when known.
    pub fn origin_of(&self, resource_id: &str) -> Option<&str> {
        let key = resource_id.to_ascii_lowercase();
        self.origins
            .iter()
            .find(|(id, _)| *id == key || key.starts_with(&format!("{id}/")))
            .map(|(_, f)| f.as_str())
    }
}

/// The report formats of `-o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Junit,
    Sarif,
    Markdown,
    Github,
}

pub struct RenderOptions {
    pub color: bool,
}

pub fn render(
    format: Format,
    report: &Report,
    out: &mut dyn Write,
    options: &RenderOptions,
) -> io::Result<()> {
    match format {
        Format::Table => table::render(report, out, options.color),
        Format::Json => json::render(report, out),
        Format::Junit => junit::render(report, out),
        Format::Sarif => sarif::render(report, out),
        Format::Markdown => markdown::render(report, out),
        Format::Github => github::render(report, out),
    }
}

/// A one-line evidence summary: `resource › path: expected X, found Y`.
pub(crate) fn evidence_line(e: &crate::checks::Evidence) -> String {
    let name = e.resource_id.rsplit('/').next().unwrap_or(&e.resource_id);
    let mut line = if e.path.is_empty() {
        name.to_string()
    } else {
        format!("{name} › {}", e.path)
    };
    match (&e.expected, &e.actual) {
        (Some(x), Some(a)) => line.push_str(&format!(": expected {x}, found {a}")),
        (Some(x), None) => line.push_str(&format!(": expected {x}")),
        (None, Some(a)) => line.push_str(&format!(": {a}")),
        (None, None) => {}
    }
    line
}

/// Where the probes ran from, in one line.
pub(crate) fn vantage_line(v: &crate::facts::probe::Vantage) -> String {
    let local = if v.local_addresses.is_empty() {
        String::new()
    } else {
        format!(
            " ({})",
            v.local_addresses
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!(
        "probed from {}{local} · resolver {} · {} · {}",
        v.host_name,
        v.resolver,
        v.identity,
        if v.as_app {
            format!("as the app ({})", v.as_app_reason)
        } else {
            format!("not as the app: {}", v.as_app_reason)
        }
    )
}
