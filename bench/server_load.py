"""Load and fault benchmark for the fallback server. Loopback only, bounded, stops by itself.

1. gunicorn (our config) vs the tutorial baseline (bench/baseline_app.py: Flask's development
   server, one model.predict per request): the same single-row requests at concurrency 16,
   in alternating rounds, sent by ApacheBench (`ab`, Debian's apache2-utils: a C client, so
   the load generator does not eat the CPU the servers share with it).
2. Batches: 100-row requests at concurrency 16, and 10,000-row requests one at a time.
3. Faults: SIGKILL one gunicorn worker mid-load (bench/load_client.py, which timestamps every
   failure); count failed requests and time until the master has respawned it and
   throughput is back.

    make bench-server   # or: .venv/bin/python bench/server_load.py [--requests 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_client import Result, run  # noqa: E402
from servers import BIN, HOST, ROOT, free_port, start_gunicorn, stop, wait_until_up  # noqa: E402

ROW = [2.5, 1.3, 4.0, 0.8]
CONCURRENCY = 16


def start_baseline(port: int) -> subprocess.Popen:
    # The tutorial pickles the bare estimator: unwrap ours (which also carries its schema).
    import joblib

    bundle = joblib.load(ROOT / "dist" / "models" / "iris" / "1.0.0" / "model.joblib")
    artifact = Path(tempfile.mkdtemp(prefix="baseline-")) / "model.joblib"
    joblib.dump(bundle["estimator"], artifact)
    proc = subprocess.Popen([str(BIN / "python"), str(ROOT / "bench" / "baseline_app.py"), str(port), str(artifact)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_up(port, "/predict", proc, json.dumps({"features": ROW}).encode())
    return proc


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


@dataclass
class AbResult:
    """What ApacheBench reports for one run."""

    throughput: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    ok: int
    failed: int

    def summary(self) -> str:
        return (f"{self.ok} ok, {self.failed} failed, {self.throughput:8.1f} req/s, "
                f"p50 {self.p50_ms:5.0f} ms, p99 {self.p99_ms:5.0f} ms")


def ab(port: int, path: str, payload: dict, count: int, concurrency: int = CONCURRENCY) -> AbResult:
    """``count`` POSTs at ``concurrency`` with ApacheBench; its whole-millisecond percentiles."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(payload, f)
    try:
        done = subprocess.run(["ab", "-q", "-n", str(count), "-c", str(concurrency), "-s", "30", "-p", f.name,
                               "-T", "application/json", f"http://{HOST}:{port}{path}"],
                              capture_output=True, text=True, timeout=600)
    finally:
        os.unlink(f.name)
    if done.returncode != 0:
        raise SystemExit(f"ab failed: {done.stderr.strip()}")
    text = done.stdout

    def number(pattern: str) -> float:
        match = re.search(pattern, text, re.MULTILINE)
        return float(match.group(1)) if match else 0.0

    failed = int(number(r"^Failed requests:\s+(\d+)") + number(r"^Non-2xx responses:\s+(\d+)"))
    return AbResult(throughput=number(r"^Requests per second:\s+([\d.]+)"), p50_ms=number(r"^\s+50%\s+(\d+)"),
                    p99_ms=number(r"^\s+99%\s+(\d+)"), max_ms=number(r"^\s+100%\s+(\d+)"),
                    ok=int(number(r"^Complete requests:\s+(\d+)")) - failed, failed=failed)


def load(port: int, path: str, payload: dict, count: int, concurrency: int = CONCURRENCY, on_progress=None) -> Result:
    body = json.dumps(payload).encode()
    return asyncio.run(run(HOST, port, path, body, count, concurrency, on_progress=on_progress))


def kill_one_worker(port: int, master: subprocess.Popen, count: int) -> dict:
    """Single-row load; SIGKILL one worker a third of the way in; measure the damage."""
    workers_before = children(master.pid)
    victim = min(workers_before)
    events: dict[str, float] = {}

    def watch_respawn() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = children(master.pid)
            if victim not in now and len(now) >= len(workers_before):
                events["respawned"] = time.monotonic()
                return
            time.sleep(0.005)

    def on_progress(sent: int) -> None:
        if sent == count // 3 and "killed" not in events:
            os.kill(victim, signal.SIGKILL)
            events["killed"] = time.monotonic()
            threading.Thread(target=watch_respawn, daemon=True).start()

    result = load(port, "/api/v1/models/iris/predict", {"rows": [ROW]}, count, on_progress=on_progress)
    killed = events["killed"]
    window = 0.1
    before = [t for t in result.finished_at if t < killed]
    baseline_rate = len(before) / (killed - min(result.finished_at)) if before else 0
    # capacity is back when three consecutive 100 ms windows after the kill reach 90% of the rate before
    recovered = None
    t = killed
    end = max(result.finished_at)
    while t + 3 * window <= end:
        rates = [sum(1 for x in result.finished_at if t + i * window <= x < t + (i + 1) * window) / window
                 for i in range(3)]
        if all(r >= 0.9 * baseline_rate for r in rates):
            recovered = t - killed
            break
        t += window / 2
    return {
        "requests": count, "failed": len(result.failures),
        "failure_reasons": sorted({reason for _, reason in result.failures}),
        "respawn_s": round(events["respawned"] - killed, 3) if "respawned" in events else None,
        "capacity_back_s": round(recovered, 3) if recovered is not None else None,
        "throughput_before_kill": round(baseline_rate, 1),
        "overall": result.summary(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=5000, help="single-row requests per run (default 5000)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating ours/baseline rounds (default 3)")
    parser.add_argument("--batches", type=int, default=400, help="100-row batch requests (default 400)")
    parser.add_argument("--big-batches", type=int, default=10, help="10,000-row requests, one at a time (default 10)")
    args = parser.parse_args()
    if not (ROOT / "dist" / "models" / "iris").exists():
        raise SystemExit("dist/models is missing: run `make build` first")

    figures: dict = {"concurrency": CONCURRENCY, "cores": os.cpu_count()}
    port, base_port = free_port(), free_port()
    server = start_gunicorn(port, SITE_DIR="")
    baseline_proc = start_baseline(base_port)
    try:
        ab(port, "/predict", {"features": ROW}, 500)  # warm-up
        ab(base_port, "/predict", {"features": ROW}, 500)
        # Alternate rounds so drift on the machine hits both sides alike; report the median round.
        rounds = []
        for _ in range(args.rounds):
            ours = ab(port, "/predict", {"features": ROW}, args.requests)
            theirs = ab(base_port, "/predict", {"features": ROW}, args.requests)
            rounds.append((ours.throughput / theirs.throughput, ours, theirs))
        rounds.sort(key=lambda r: r[0])
        _, ours_classic, baseline = rounds[len(rounds) // 2]
        stop(baseline_proc)
        ours_v1 = ab(port, "/api/v1/models/iris/predict", {"rows": [ROW]}, args.requests)
        batch = ab(port, "/api/v1/models/iris/predict", {"rows": [ROW] * 100}, args.batches)
        big = ab(port, "/api/v1/models/iris/predict", {"rows": [ROW] * 10_000}, args.big_batches, concurrency=1)
        fault = kill_one_worker(port, server, args.requests)
    finally:
        stop(server)
        if baseline_proc.poll() is None:
            stop(baseline_proc)

    ratio = ours_classic.throughput / baseline.throughput
    ratios = ", ".join(f"{r[0]:.2f}x" for r in rounds)
    print(f"Fallback server load test: {os.cpu_count()} cores, loopback, concurrency {CONCURRENCY}")
    print(f"  baseline (Flask dev server), POST /predict 1 row : {baseline.summary()}")
    print(f"  gunicorn, POST /predict 1 row                    : {ours_classic.summary()}")
    print(f"  gunicorn, POST /api/v1/.../predict 1 row         : {ours_v1.summary()}")
    print(f"  gunicorn, 100-row batches                        : {batch.summary()}")
    print(f"  gunicorn, 10,000-row batches, one at a time      : {big.summary()}")
    print(f"  single-row throughput vs baseline (median round) : {ratio:.2f}x  (rounds: {ratios})")
    print(f"  killed one worker mid-load                       : {fault['failed']} of {fault['requests']} requests "
          f"failed {fault['failure_reasons']}, worker respawned in {fault['respawn_s']} s, "
          f"capacity back in {fault['capacity_back_s']} s")
    targets = [
        ("single-row throughput >= 3x baseline", ratio >= 3),
        ("p99 < 50 ms at concurrency 16 (single row)", ours_v1.p99_ms < 50),
        ("10,000-row batch < 300 ms (slowest of the runs)", big.max_ms < 300),
        ("killed worker loses at most its in-flight request", fault["failed"] <= 1),
    ]
    for name, ok in targets:
        print(f"  [{'met' if ok else 'MISSED'}] {name}")
    figures.update({
        "tool": "ab (ApacheBench) for throughput and latency, bench/load_client.py for the fault run",
        "baseline_rps": baseline.throughput, "classic_rps": ours_classic.throughput, "v1_rps": ours_v1.throughput,
        "ratio": ratio, "ratios": [r[0] for r in rounds], "v1_p50_ms": ours_v1.p50_ms, "v1_p99_ms": ours_v1.p99_ms,
        "baseline_p99_ms": baseline.p99_ms, "batch100_rps": batch.throughput, "batch100_p99_ms": batch.p99_ms,
        "batch10k_p50_ms": big.p50_ms, "batch10k_max_ms": big.max_ms, "fault": fault,
    })
    out = ROOT / "dist" / "bench" / "server_load.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"  written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
