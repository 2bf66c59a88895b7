//! The check catalog: a static table of pure functions over [`Facts`], one module per family,
//! each check documented in `checks/<ID>.md` (embedded at build time). The runner evaluates
//! the table in order, turns missing inputs into `skip` and unreadable ones into `error`,
//! blocks checks behind failed prerequisites, and finds the root causes.

mod app;
mod dns;
mod iam;
mod net;
pub mod nsg;
mod prb;
mod reg;
pub mod roles;
mod tpl;

use std::time::Instant;

use serde::Serialize;

use crate::facts::probe::ProbeFacts;
use crate::facts::{Facts, Unavailable};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    Skip,
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
            Status::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Family {
    #[serde(rename = "app")]
    App,
    #[serde(rename = "network")]
    Net,
    #[serde(rename = "dns")]
    Dns,
    #[serde(rename = "registry")]
    Reg,
    #[serde(rename = "identity")]
    Iam,
    #[serde(rename = "template")]
    Tpl,
    #[serde(rename = "probe")]
    Prb,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::App => "app",
            Family::Net => "network",
            Family::Dns => "dns",
            Family::Reg => "registry",
            Family::Iam => "identity",
            Family::Tpl => "template",
            Family::Prb => "probe",
        }
    }
}

/// One piece of evidence: which resource, which property, what was expected, what is there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub resource_id: String,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
}

impl Evidence {
    pub fn new(resource_id: &str, path: &str) -> Evidence {
        Evidence {
            resource_id: resource_id.to_string(),
            path: path.to_string(),
            expected: None,
            actual: None,
        }
    }
    pub fn expected(mut self, value: impl Into<String>) -> Evidence {
        self.expected = Some(value.into());
        self
    }
    pub fn actual(mut self, value: impl Into<String>) -> Evidence {
        self.actual = Some(value.into());
        self
    }
}

/// What a check concluded.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Status,
    pub message: String,
    pub evidence: Vec<Evidence>,
    pub remediation: Option<String>,
    /// Overrides the catalog severity when the stakes depend on the facts (APP-004).
    pub severity: Option<Severity>,
}

impl Outcome {
    fn with(status: Status, message: impl Into<String>) -> Outcome {
        Outcome {
            status,
            message: message.into(),
            evidence: Vec::new(),
            remediation: None,
            severity: None,
        }
    }
    pub fn pass(message: impl Into<String>) -> Outcome {
        Outcome::with(Status::Pass, message)
    }
    pub fn warn(message: impl Into<String>) -> Outcome {
        Outcome::with(Status::Warn, message)
    }
    pub fn fail(message: impl Into<String>) -> Outcome {
        Outcome::with(Status::Fail, message)
    }
    pub fn skip(message: impl Into<String>) -> Outcome {
        Outcome::with(Status::Skip, message)
    }
    pub fn evidence(mut self, evidence: Evidence) -> Outcome {
        self.evidence.push(evidence);
        self
    }
    pub fn evidences(mut self, evidence: impl IntoIterator<Item = Evidence>) -> Outcome {
        self.evidence.extend(evidence);
        self
    }
    pub fn fix(mut self, remediation: impl Into<String>) -> Outcome {
        self.remediation = Some(remediation.into());
        self
    }
    pub fn severity(mut self, severity: Severity) -> Outcome {
        self.severity = Some(severity);
        self
    }
}

/// What a check looks at: the configuration facts, or the probes' observations (with the
/// facts beside them when `verify --probe` has them, for expectations and fixes).
#[derive(Clone, Copy)]
pub enum Eval {
    Config(fn(&Facts) -> Result<Outcome, Unavailable>),
    Probe(fn(&ProbeFacts, Option<&Facts>) -> Result<Outcome, Unavailable>),
}

/// What the runner evaluates: `verify` has facts (and probes with `--probe`); `probe` has
/// only the probes, and the configuration checks are left out of its report.
#[derive(Clone, Copy, Default)]
pub struct Inputs<'a> {
    pub facts: Option<&'a Facts>,
    pub probe: Option<&'a ProbeFacts>,
}

impl Inputs<'_> {
    /// The template checks belong to `verify --template` reports only (the facts carry the
    /// template); elsewhere they are left out, not skipped.
    fn has_template(&self) -> bool {
        self.facts.is_some_and(|f| f.template.is_some())
    }
}

/// A catalog entry.
pub struct Check {
    pub id: &'static str,
    pub title: &'static str,
    pub family: Family,
    pub severity: Severity,
    /// Prerequisites: when one fails (or errors, or is blocked) this check is `skip`, blocked.
    pub needs: &'static [&'static str],
    /// Checks whose failure this one follows from: it still runs, but is not a root cause
    /// when one of them failed.
    pub after: &'static [&'static str],
    pub doc: &'static str,
    pub eval: Eval,
}

macro_rules! check_doc {
    ($id:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/checks/", $id, ".md"))
    };
}
pub(crate) use check_doc;

/// The whole catalog, in pull-path order: every prerequisite precedes its dependents.
pub fn catalog() -> impl Iterator<Item = &'static Check> {
    app::CHECKS
        .iter()
        .chain(net::CHECKS)
        .chain(dns::CHECKS)
        .chain(reg::CHECKS)
        .chain(iam::CHECKS)
        .chain(tpl::CHECKS)
        .chain(prb::CHECKS)
}

impl Check {
    /// Runs only with `--probe` (or in `pullpath probe`).
    pub fn is_probe(&self) -> bool {
        matches!(self.eval, Eval::Probe(_))
    }
}

pub fn find(id: &str) -> Option<&'static Check> {
    catalog().find(|c| c.id.eq_ignore_ascii_case(id))
}

/// One check's result.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub id: &'static str,
    pub title: &'static str,
    #[serde(skip)]
    pub family: Family,
    pub status: Status,
    pub severity: Severity,
    pub message: String,
    pub evidence: Vec<Evidence>,
    pub remediation: Option<String>,
    pub blocked_by: Vec<String>,
    /// With --template: whether the result rests on planned, existing or deferred values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rests_on: Vec<&'static str>,
    pub duration_ms: f64,
}

/// Evaluates the catalog over the inputs.
pub fn run(inputs: Inputs<'_>) -> Vec<CheckResult> {
    let mut results: Vec<CheckResult> = Vec::new();
    for check in catalog() {
        if matches!(check.eval, Eval::Config(_)) && inputs.facts.is_none() {
            continue;
        }
        if check.family == Family::Tpl && !inputs.has_template() {
            continue;
        }
        let started = Instant::now();
        let blocked_by = blockers(check, &results);
        let evaluated = match check.eval {
            _ if !blocked_by.is_empty() => Ok(Outcome::skip(format!(
                "blocked: {} did not pass",
                blocked_by.join(", ")
            ))),
            Eval::Config(eval) => eval(inputs.facts.expect("config checks run with facts")),
            Eval::Probe(eval) => match inputs.probe {
                Some(probe) => eval(probe, inputs.facts),
                None => Ok(Outcome::skip("needs --probe")),
            },
        };
        let outcome = match evaluated {
            Ok(outcome) => outcome,
            Err(Unavailable {
                reason,
                errored: false,
            }) => Outcome::skip(reason),
            Err(Unavailable {
                reason,
                errored: true,
            }) => Outcome::with(Status::Error, reason),
        };
        results.push(CheckResult {
            id: check.id,
            title: check.title,
            family: check.family,
            status: outcome.status,
            severity: outcome.severity.unwrap_or(check.severity),
            message: outcome.message,
            evidence: outcome.evidence,
            remediation: outcome.remediation,
            blocked_by,
            rests_on: Vec::new(),
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        });
    }
    results
}

/// The failed (or errored, or blocked) prerequisites behind a check, traced to the checks
/// that actually failed.
fn blockers(check: &Check, done: &[CheckResult]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for need in check.needs {
        let Some(result) = done.iter().find(|r| r.id == *need) else {
            continue;
        };
        let ids: Vec<String> = match result.status {
            Status::Fail | Status::Error => vec![result.id.to_string()],
            Status::Skip if !result.blocked_by.is_empty() => result.blocked_by.clone(),
            _ => Vec::new(),
        };
        for id in ids {
            if !out.contains(&id) {
                out.push(id);
            }
        }
    }
    out
}

/// The failed checks that no other failure explains, most severe first, then in path order.
pub fn root_causes(results: &[CheckResult]) -> Vec<&'static str> {
    let failed = |id: &str| {
        results
            .iter()
            .any(|r| r.id == id && r.status == Status::Fail)
    };
    let mut roots: Vec<(usize, &CheckResult)> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.status == Status::Fail)
        .filter(|(_, r)| {
            find(r.id).is_none_or(|check| !check.needs.iter().chain(check.after).any(|d| failed(d)))
        })
        .collect();
    roots.sort_by_key(|(i, r)| (std::cmp::Reverse(r.severity), *i));
    roots.into_iter().map(|(_, r)| r.id).collect()
}
