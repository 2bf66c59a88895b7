//! Exit codes, as DESIGN.md and the README document them. The report format never changes
//! them.

use std::process::ExitCode;

use crate::report::Verdict;

/// No check failed (warnings allowed unless `--fail-on warn`).
pub const PASS: u8 = 0;
/// At least one check failed.
pub const FAILED: u8 = 1;
/// Usage or input error: bad flag, unreadable or malformed input.
pub const USAGE: u8 = 2;
/// Nothing failed, but some checks errored: a gate must not pass on what it could not see.
pub const INCONCLUSIVE: u8 = 3;

pub fn for_verdict(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Pass => PASS,
        Verdict::Fail => FAILED,
        Verdict::Inconclusive => INCONCLUSIVE,
    }
}

pub fn code(value: u8) -> ExitCode {
    ExitCode::from(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_map_to_documented_codes() {
        assert_eq!(for_verdict(Verdict::Pass), 0);
        assert_eq!(for_verdict(Verdict::Fail), 1);
        assert_eq!(for_verdict(Verdict::Inconclusive), 3);
        assert_eq!(USAGE, 2);
    }
}
