"""Load and fault benchmark for the fallback server. Loopback only, bounded, stops by itself.

1. Throughput against the seed article's own deployment: its app (bench/baseline_app.py, one
   ``model.predict`` per request) under gunicorn as the article runs it (1 sync worker), and
   the same app with our worker count, so the ratio is not won by process count alone. Our
   server and both baselines take the same single-row requests from wrk (bench/wrk.py) in
   alternating rounds (5 by default); every figure is the median with min and max.
2. Batches: 100-row requests at concurrency 16, and 10,000-row requests one at a time.
3. Faults: with workers at the core count (no spare worker to hide a loss), SIGKILL one
   worker mid-load (bench/load_client.py timestamps every failure); report failed requests,
   the respawn time and when throughput is back.

    make bench-server   # or: .venv/bin/python bench/server_load.py [--rounds 5 --seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_client import Result, run  # noqa: E402
from servers import BIN, HOST, ROOT, free_port, start_gunicorn, stop, wait_until_up  # noqa: E402
from stats import spread, write_figures  # noqa: E402
from wrk import require_wrk, wrk  # noqa: E402

ROW = [2.5, 1.3, 4.0, 0.8]
CONCURRENCY = 16


def start_baseline(port: int, workers: int) -> subprocess.Popen:
    """The article's app under gunicorn (``-w workers``, sync), on a bare pickled estimator."""
    import joblib

    bundle = joblib.load(ROOT / "dist" / "models" / "iris" / "1.0.0" / "model.joblib")
    artifact = Path(tempfile.mkdtemp(prefix="baseline-")) / "model.joblib"
    joblib.dump(bundle["estimator"], artifact)  # the tutorial pickles the bare estimator
    env = {**os.environ, "BASELINE_MODEL": str(artifact)}
    proc = subprocess.Popen([str(BIN / "gunicorn"), "--chdir", str(ROOT / "bench"), "--bind", f"{HOST}:{port}",
                             "-w", str(workers), "baseline_app:app"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (default 5)")
    parser.add_argument("--seconds", type=float, default=5, help="seconds per wrk run (default 5)")
    parser.add_argument("--fault-requests", type=int, default=5000, help="requests in the worker-kill run")
    args = parser.parse_args()
    if not (ROOT / "dist" / "models" / "iris").exists():
        raise SystemExit("dist/models is missing: run `make build` first")
    require_wrk()
    cores = os.cpu_count() or 1
    ours_workers = cores + 1  # gunicorn.conf.py's default
    one_row = {"features": ROW}

    ports = {"ours": free_port(), "article": free_port(), "article_same_workers": free_port()}
    procs = {"ours": start_gunicorn(ports["ours"], SITE_DIR=""),
             "article": start_baseline(ports["article"], 1),
             "article_same_workers": start_baseline(ports["article_same_workers"], ours_workers)}
    runs: dict[str, list] = {name: [] for name in ("ours", "ours_v1", "article", "article_same_workers")}
    try:
        for name, port in ports.items():  # warm-up
            wrk(f"http://{HOST}:{port}/predict", one_row, seconds=1)
        order = ["ours", "article", "article_same_workers"]
        for r in range(args.rounds):
            for name in order[r % 3:] + order[:r % 3]:  # rotate, so drift hits every server alike
                runs[name].append(wrk(f"http://{HOST}:{ports[name]}/predict", one_row, args.seconds, CONCURRENCY))
            runs["ours_v1"].append(wrk(f"http://{HOST}:{ports['ours']}/api/v1/models/iris/predict",
                                       {"rows": [ROW]}, args.seconds, CONCURRENCY))
        batch = wrk(f"http://{HOST}:{ports['ours']}/api/v1/models/iris/predict", {"rows": [ROW] * 100},
                    args.seconds, CONCURRENCY)
        big = wrk(f"http://{HOST}:{ports['ours']}/api/v1/models/iris/predict", {"rows": [ROW] * 10_000},
                  args.seconds, 1)
    finally:
        for proc in procs.values():
            stop(proc)
    # Faults with workers at the core count: no spare worker can hide the lost capacity.
    fault_port = free_port()
    fault_server = start_gunicorn(fault_port, SITE_DIR="", WEB_CONCURRENCY=str(cores))
    try:
        fault = kill_one_worker(fault_port, fault_server, args.fault_requests)
    finally:
        stop(fault_server)

    rps = {name: [x.throughput for x in results] for name, results in runs.items()}
    vs_article = [o / a for o, a in zip(rps["ours"], rps["article"])]
    vs_same = [o / a for o, a in zip(rps["ours"], rps["article_same_workers"])]
    print(f"Fallback server load test: {cores} cores, loopback, wrk, {CONCURRENCY} connections, "
          f"{args.seconds:g} s per run, {args.rounds} alternating rounds; median [min-max]")
    rows = [("article's app, gunicorn 1 sync worker, /predict", "article"),
            (f"article's app, gunicorn {ours_workers} sync workers, /predict", "article_same_workers"),
            (f"ours ({ours_workers} workers), /predict", "ours"),
            (f"ours ({ours_workers} workers), /api/v1/.../predict", "ours_v1")]
    for label, name in rows:
        print(f"  {label:<50}: {spread(rps[name], ' req/s')}, p99 {spread([x.p99_ms for x in runs[name]], ' ms')}, "
              f"{sum(x.failed for x in runs[name])} failed")
    print(f"  {'ours vs the article as deployed (1 worker)':<50}: {spread(vs_article, 'x', 2)}")
    print(f"  {'ours vs the article with our worker count':<50}: {spread(vs_same, 'x', 2)}")
    print(f"  {'100-row batches, 16 connections':<50}: {batch.summary()}")
    print(f"  {'10,000-row batches, one at a time':<50}: {big.summary()}, max {big.max_ms:.0f} ms")
    print(f"  {f'killed 1 of {cores} workers mid-load':<50}: {fault['failed']} of {fault['requests']} requests "
          f"failed {fault['failure_reasons']}, respawned in {fault['respawn_s']} s, "
          f"throughput back to 90% in {fault['capacity_back_s']} s")
    targets = [
        ("single-row throughput >= 3x the article as deployed (every round)", min(vs_article) >= 3,
         f"min {min(vs_article):.2f}x"),
        ("single-row throughput > the article with equal workers (every round)", min(vs_same) > 1,
         f"min {min(vs_same):.2f}x"),
        ("p99 < 50 ms at 16 connections, v1 route (every round)", max(x.p99_ms for x in runs["ours_v1"]) < 50,
         f"worst {max(x.p99_ms for x in runs['ours_v1']):.1f} ms"),
        ("10,000-row batch < 300 ms (slowest)", big.max_ms < 300, f"{big.max_ms:.0f} ms"),
        ("killed worker loses at most its in-flight request", fault["failed"] <= 1, f"{fault['failed']} failed"),
    ]
    for name, ok, figure in targets:
        print(f"  [{'met' if ok else 'MISSED'}] {name}: {figure}")
    figures = {
        "tool": "wrk (bench/wrk.py) for throughput and latency, bench/load_client.py for the fault run",
        "cores": cores, "connections": CONCURRENCY, "seconds_per_run": args.seconds, "rounds": args.rounds,
        "rps": rps, "p99_ms": {name: [x.p99_ms for x in results] for name, results in runs.items()},
        "ratio_vs_article": vs_article, "ratio_vs_article_same_workers": vs_same,
        "batch100": vars(batch), "batch10k": vars(big), "fault": {**fault, "workers": cores},
    }
    write_figures("server_load", figures)


if __name__ == "__main__":
    main()
