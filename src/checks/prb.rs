//! PRB-001…008: the live probes. They are part of the catalog so reports, docs and CI
//! configurations can name them, and they run only with `--probe` or in `pullpath probe`.
//! Offline, the runner reports them `skip` without calling them.

use super::{Check, Family, Outcome, Severity, check_doc as doc};
use crate::facts::{Facts, Unavailable};

macro_rules! probe {
    ($id:literal, $title:literal, $needs:expr) => {
        Check {
            id: $id,
            title: $title,
            family: Family::Prb,
            severity: Severity::High,
            needs: $needs,
            after: &[],
            probe: true,
            doc: doc!($id),
            eval: not_observed,
        }
    };
}

pub static CHECKS: &[Check] = &[
    probe!(
        "PRB-001",
        "Probe: login server resolves to the endpoint",
        &[]
    ),
    probe!(
        "PRB-002",
        "Probe: data endpoints resolve to the endpoint",
        &[]
    ),
    probe!("PRB-003", "Probe: TCP 443 connects", &["PRB-001"]),
    probe!(
        "PRB-004",
        "Probe: TLS handshake and certificate",
        &["PRB-003"]
    ),
    probe!("PRB-005", "Probe: registry challenge at /v2/", &["PRB-004"]),
    probe!(
        "PRB-006",
        "Probe: pull token for the repository",
        &["PRB-005"]
    ),
    probe!("PRB-007", "Probe: manifest fetched", &["PRB-006"]),
    probe!(
        "PRB-008",
        "Probe: config blob through the data endpoint",
        &["PRB-007", "PRB-002"]
    ),
];

/// Probe results arrive as observations from the probe collector; without them there is
/// nothing to judge.
fn not_observed(_: &Facts) -> Result<Outcome, Unavailable> {
    Err(Unavailable::missing("no probe observation was collected"))
}
