//! `-o junit`: one test suite, one test case per check (class name = family). Failures carry
//! the message, evidence and fix; skips their reason; errors are `<error>`. Readable by Azure
//! Pipelines' PublishTestResults and GitHub test reporters. Built with quick-junit.

use std::io::{self, Write};
use std::time::Duration;

use quick_junit::{NonSuccessKind, Report as JUnit, TestCase, TestCaseStatus, TestSuite};

use super::{Report, evidence_line};
use crate::checks::Status;

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut suite = TestSuite::new(format!("pullpath {}", report.target.app));
    for r in &report.checks {
        let mut detail = r.message.clone();
        for e in &r.evidence {
            detail.push_str(&format!("\n- {}", evidence_line(e)));
        }
        if let Some(fix) = &r.remediation {
            detail.push_str(&format!("\nFix:\n{fix}"));
        }
        let status = match r.status {
            Status::Pass => TestCaseStatus::success(),
            Status::Warn if !report.fail_on_warn => TestCaseStatus::success(),
            Status::Warn | Status::Fail => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(r.message.clone())
                    .set_type(r.status.as_str())
                    .set_description(detail.clone());
                s
            }
            Status::Error => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
                s.set_message(r.message.clone())
                    .set_type("error")
                    .set_description(detail.clone());
                s
            }
            Status::Skip => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(r.message.clone());
                s
            }
        };
        let mut case = TestCase::new(format!("{} {}", r.id, r.title), status);
        case.set_classname(format!("pullpath.{}", r.family.as_str()));
        case.set_time(Duration::from_secs_f64(r.duration_ms / 1000.0));
        if r.status == Status::Warn && !report.fail_on_warn {
            case.set_system_out(format!("warning: {detail}"));
        }
        suite.add_test_case(case);
    }
    let mut junit = JUnit::new("pullpath");
    junit.add_test_suite(suite);
    junit.serialize(&mut *out).map_err(io::Error::other)?;
    writeln!(out)
}
