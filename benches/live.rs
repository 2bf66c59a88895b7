//! Live-mode benchmark: the seed deployment served by the fake ARM on loopback with 100 ms
//! added to every ARM request. Measures the dependency depth the walk actually takes (from
//! request arrival times), the request count, and the wall time of cold `pullpath verify`
//! processes, with the default concurrency and with `--max-concurrency 1`. Prints a Markdown
//! section (scripts/bench.sh puts it in BENCHMARKS.md). Every connection is to 127.0.0.1.

#[path = "../tests/common/fake_arm.rs"]
mod fake_arm;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fake_arm::{FakeArm, Faults, IDENTITY_HEADER, SEED_APP};

const LATENCY_MS: u64 = 100;
const RUNS: usize = 5;

fn verify(bin: &str, fake: &FakeArm, extra: &[&str]) -> f64 {
    let started = Instant::now();
    let status = Command::new(bin)
        .arg("verify")
        .args(SEED_APP)
        .args(["--arm-endpoint", &fake.base, "--quiet", "-o", "json"])
        .args(extra)
        .env("IDENTITY_ENDPOINT", fake.msi_endpoint())
        .env("IDENTITY_HEADER", IDENTITY_HEADER)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run pullpath");
    assert!(status.code() == Some(0), "the healthy example passes");
    started.elapsed().as_secs_f64() * 1000.0
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap());
    values[values.len() / 2]
}

fn main() {
    // `cargo test --all-targets` runs bench binaries too; the benchmark is for `cargo bench`
    // (which passes --bench), never a timed test.
    if !std::env::args().any(|a| a == "--bench") {
        println!("benches/live.rs: run with `cargo bench --bench live`");
        return;
    }
    let bin = env!("CARGO_BIN_EXE_pullpath");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/healthy-system-identity");
    let fake = FakeArm::start(
        &example,
        Faults {
            latency: Duration::from_millis(LATENCY_MS),
            ..Default::default()
        },
    );

    // Start-up: the same process reading the same documents from a snapshot.
    let startup = median(
        (0..RUNS)
            .map(|_| {
                let started = Instant::now();
                Command::new(bin)
                    .args(["verify", "--snapshot"])
                    .arg(&example)
                    .args(["-o", "json"])
                    .stdout(Stdio::null())
                    .status()
                    .unwrap();
                started.elapsed().as_secs_f64() * 1000.0
            })
            .collect(),
    );

    let mut concurrent = Vec::new();
    let mut depth = 0;
    let mut requests = 0;
    for _ in 0..RUNS {
        fake.clear_log();
        concurrent.push(verify(bin, &fake, &[]));
        let arrivals: Vec<Instant> = fake
            .arrivals()
            .into_iter()
            .filter(|(_, p)| !p.starts_with("/msi/"))
            .map(|(t, _)| t)
            .collect();
        requests = arrivals.len();
        let first = *arrivals.iter().min().unwrap();
        // A request that arrives k latencies after the first waited on k answers before it.
        depth = arrivals
            .iter()
            .map(|t| {
                ((t.duration_since(first).as_secs_f64() * 1000.0) / LATENCY_MS as f64).round()
                    as usize
                    + 1
            })
            .max()
            .unwrap();
    }
    if std::env::var_os("PULLPATH_BENCH_WAVES").is_some() {
        let arrivals = fake.arrivals();
        let first = arrivals
            .iter()
            .filter(|(_, p)| !p.starts_with("/msi/"))
            .map(|(t, _)| *t)
            .min()
            .unwrap();
        for (t, p) in arrivals.iter().filter(|(_, p)| !p.starts_with("/msi/")) {
            eprintln!(
                "wave {} {}",
                ((t.duration_since(first).as_secs_f64() * 1000.0) / LATENCY_MS as f64).round()
                    as usize
                    + 1,
                p.split('?')
                    .next()
                    .unwrap()
                    .rsplit("/providers/")
                    .next()
                    .unwrap()
            );
        }
    }
    let sequential: Vec<f64> = (0..RUNS)
        .map(|_| verify(bin, &fake, &["--max-concurrency", "1"]))
        .collect();
    let (wall, serial) = (median(concurrent), median(sequential));
    let budget = 1.3 * depth as f64 * LATENCY_MS as f64 + startup;
    let speedup = serial / wall;
    println!("## Live mode (issue: live ARM)");
    println!();
    println!(
        "`cargo bench --bench live`: the healthy seed deployment served by the fake ARM on 127.0.0.1 with {LATENCY_MS} ms added to every ARM request; cold `pullpath verify` processes, median of {RUNS}."
    );
    println!();
    println!("| measure | value |");
    println!("|---|---|");
    println!("| dependency depth walked (waves of requests) | {depth} |");
    println!("| ARM requests | {requests} |");
    println!("| wall, default concurrency (16) | {wall:.0} ms |");
    println!("| wall, `--max-concurrency 1` | {serial:.0} ms |");
    println!("| process start-up (same run from a snapshot) | {startup:.1} ms |");
    println!("| budget: 1.3 × depth × {LATENCY_MS} ms + start-up | {budget:.0} ms |");
    println!("| speed-up over `--max-concurrency 1` | {speedup:.1}× (goal ≥ 3×) |");
    println!();
    let met = wall <= budget && speedup >= 3.0;
    println!("Result: {}.", if met { "met" } else { "NOT met" });
}
