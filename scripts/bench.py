#!/usr/bin/env python3
"""Times `pullpath verify --snapshot examples/<example>` as cold processes and records peak RSS
(via wait4's rusage). Writes BENCHMARKS.md. Called by scripts/bench.sh after a release build."""
import os, statistics, subprocess, sys, time, datetime, platform

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
BIN = os.path.join(ROOT, "target", "release", "pullpath")
RUNS = int(os.environ.get("PULLPATH_BENCH_RUNS", "200"))
EXAMPLES = ["healthy-system-identity", "broken-nsg-denies-443"]
FORMATS = ["table", "json", "sarif"]


def run_once(args):
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = (time.perf_counter() - start) * 1000
    code = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, code  # ru_maxrss is KiB on Linux


def measure(example, fmt):
    args = [BIN, "verify", "--snapshot", f"examples/{example}", "-o", fmt]
    for _ in range(5):
        run_once(args)  # warm the page cache
    walls, rss, codes = [], [], set()
    for _ in range(RUNS):
        w, r, c = run_once(args)
        walls.append(w)
        rss.append(r)
        codes.add(c)
    walls.sort()
    return {"example": example, "format": fmt, "median": statistics.median(walls), "p95": walls[int(len(walls) * 0.95) - 1], "max_rss": max(rss), "codes": sorted(codes)}


def main():
    rows = [measure(e, f) for e in EXAMPLES for f in FORMATS]
    lines = [
        "# Benchmarks",
        "",
        "## Offline verification (issue: offline verification)",
        "",
        f"Offline `pullpath verify --snapshot examples/<example> -o <format>`, release build, each run a cold process "
        f"(exec to exit), {RUNS} runs after 5 warm-up runs; peak RSS from the child's rusage. Produced by `scripts/bench.sh`.",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Linux {platform.release()}; {datetime.date.today().isoformat()}.",
        "",
        "Target (issue: offline verification): the healthy example well under **20 ms** wall and **20 MB** peak RSS.",
        "",
        "| example | format | median wall (ms) | p95 wall (ms) | peak RSS (MB) | exit |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['example']} | {r['format']} | {r['median']:.2f} | {r['p95']:.2f} | {r['max_rss']:.1f} | {','.join(map(str, r['codes']))} |")
    healthy = [r for r in rows if r["example"] == "healthy-system-identity"]
    ok = all(r["median"] < 20 and r["max_rss"] < 20 for r in healthy)
    lines += ["", f"Result: {'met' if ok else 'NOT met'} — healthy example worst median {max(r['median'] for r in healthy):.2f} ms, worst peak RSS {max(r['max_rss'] for r in healthy):.1f} MB.", ""]
    # The live-mode section comes from `cargo bench --bench live` (fake ARM with 100 ms per request).
    live = subprocess.run(["cargo", "bench", "--locked", "-q", "--bench", "live"], cwd=ROOT, capture_output=True, text=True)
    section = live.stdout[live.stdout.find("## Live mode"):] if "## Live mode" in live.stdout else f"## Live mode\n\nthe live benchmark failed:\n\n```\n{live.stderr[-2000:]}\n```\n"
    lines.append(section)
    # The probe section comes from `cargo bench --bench probe` (pullpath probe vs skopeo on
    # the local registry stack; needs docker-registry, skopeo and dnsmasq: scripts/test.sh).
    probe = subprocess.run(["cargo", "bench", "--locked", "-q", "--bench", "probe"], cwd=ROOT, capture_output=True, text=True)
    probe_section = probe.stdout[probe.stdout.find("## Probe"):] if "## Probe" in probe.stdout else f"## Probe\n\nthe probe benchmark failed:\n\n```\n{probe.stderr[-2000:]}\n```\n"
    lines.append(probe_section)
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(ROOT, "BENCHMARKS.md"), "w") as f:
        f.write(text)
    return 0 if ok and "Result: met" in section and "Result: met" in probe_section else 1


if __name__ == "__main__":
    sys.exit(main())
