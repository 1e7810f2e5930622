"""Load, slow-client, thread and fault benchmark for the fallback server. Loopback only, bounded,
stops by itself.

1. Throughput against the seed article's own deployment: its app (bench/baseline_app.py, one
   ``model.predict`` per request) under gunicorn as the article runs it (1 sync worker), and
   the same app with our worker count, so the ratio is not won by process count alone. Our
   server (``python -m server_fallback.serve``) and both baselines take the same single-row
   requests from wrk (bench/wrk.py) in alternating rounds (5 by default); every figure is the
   median with min and max.
2. Batches: 100-row requests at concurrency 16, and 10,000-row requests one at a time.
3. Every model at 8 clients (single rows), and the thread scenario: machine_failure 1.1.0
   (HistGradientBoosting, OpenMP) on the scikit-learn engine with the server's one thread per
   worker beside one thread per core (OMP_NUM_THREADS set to the core count, as before the fix).
4. Slow clients: normal requests while 200 sockets trickle headers, trickle a body or sit idle,
   against our server and against the article's app with our worker count.
5. Faults: with workers at the core count, SIGKILL one worker mid-load (bench/load_client.py
   timestamps every failure); report failed requests, the respawn time and when throughput is back.

    make bench-server   # or: .venv/bin/python bench/server_load.py [--rounds 5 --seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_client import Result, run  # noqa: E402
from servers import BIN, HOST, ROOT, free_port, start_server, stop, wait_until_up  # noqa: E402
from stats import percentile, spread, write_figures  # noqa: E402
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


def models() -> list[tuple[str, str, list]]:
    """(name, version, example row) of every built model."""
    index = json.loads((ROOT / "dist" / "models" / "index.json").read_text())["models"]
    found = []
    for entry in index:
        manifest = json.loads((ROOT / "dist" / "models" / entry["path"] / "manifest.json").read_text())
        found.append((entry["name"], entry["version"], manifest["example"]))
    return found


def every_model(port: int, seconds: float, connections: int = 8) -> dict[str, object]:
    """Single-row wrk runs against each model's versioned route."""
    return {f"{name}@{version}": wrk(f"http://{HOST}:{port}/api/v1/models/{name}/versions/{version}/predict",
                                     {"rows": [row]}, seconds, connections)
            for name, version, row in models()}


def open_slow_sockets(port: int, count: int = 200) -> list[socket.socket]:
    """A third trickle headers that never end, a third announce a body they never finish, a third
    connect and send nothing."""
    sockets = []
    for i in range(count):
        s = socket.create_connection((HOST, port), timeout=5)
        if i % 3 == 0:
            s.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\n")
        elif i % 3 == 1:
            s.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 1000\r\n\r\n{")
        sockets.append(s)
    return sockets


def under_slow_clients(port: int, requests: int, timeout: float) -> dict[str, object]:
    """Normal single-row requests, one at a time, while 200 slow sockets stay open and keep
    trickling. A request not answered within ``timeout`` counts as unanswered."""
    sockets = open_slow_sockets(port)
    latencies, unanswered = [], 0
    body = json.dumps({"features": ROW}).encode()
    try:
        for n in range(requests):
            for i in range(n % 20, len(sockets), 20):
                if i % 3 != 2:
                    try:
                        sockets[i].sendall(b"X-Slow: 1\r\n" if i % 3 == 0 else b" ")
                    except OSError:
                        pass
            started = time.perf_counter()
            try:
                urllib.request.urlopen(urllib.request.Request(f"http://{HOST}:{port}/predict", data=body,
                                                              headers={"Content-Type": "application/json"}),
                                       timeout=timeout).read()
                latencies.append(time.perf_counter() - started)
            except OSError:
                unanswered += 1
    finally:
        for s in sockets:
            s.close()
    return {"requests": requests, "answered": len(latencies), "unanswered": unanswered, "timeout_s": timeout,
            "p50_ms": percentile(latencies, 0.5) * 1000 if latencies else None,
            "p99_ms": percentile(latencies, 0.99) * 1000 if latencies else None,
            "max_ms": max(latencies) * 1000 if latencies else None}


def slow_summary(figures: dict) -> str:
    if not figures["answered"]:
        return f"0 of {figures['requests']} answered within {figures['timeout_s']:g} s"
    return (f"{figures['answered']} of {figures['requests']} answered, p50 {figures['p50_ms']:.1f} ms, "
            f"p99 {figures['p99_ms']:.1f} ms, max {figures['max_ms']:.1f} ms")


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
    ours_workers = cores  # server_fallback/serve.py's default
    one_row = {"features": ROW}

    ports = {"ours": free_port(), "article": free_port(), "article_same_workers": free_port()}
    procs = {"ours": start_server(ports["ours"], SITE_DIR=""),
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
        at_eight = every_model(ports["ours"], args.seconds)
        slow_ours = under_slow_clients(ports["ours"], 200, timeout=5)
        slow_article = under_slow_clients(ports["article_same_workers"], 3, timeout=2)
    finally:
        for proc in procs.values():
            stop(proc)
    # The thread scenario: OpenMP on the scikit-learn engine, one thread per worker (our default)
    # beside one per core (what each worker started before the fix).
    examples = {f"{name}@{version}": row for name, version, row in models()}
    threads = {}
    for label, env in (("one thread per worker", {}), (f"{cores} threads per worker", {"OMP_NUM_THREADS": str(cores)})):
        port = free_port()
        proc = start_server(port, SITE_DIR="", ENGINE="sklearn", **env)
        try:
            url = f"http://{HOST}:{port}/api/v1/models/machine_failure/versions/1.1.0/predict"
            threads[label] = wrk(url, {"rows": [examples["machine_failure@1.1.0"]]}, args.seconds, 8)
        finally:
            stop(proc)
    # Faults with workers at the core count: no spare worker can hide the lost capacity.
    fault_port = free_port()
    fault_server = start_server(fault_port, SITE_DIR="", WEB_CONCURRENCY=str(cores))
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
    print("  Every model, single rows, 8 connections:")
    for name, result in at_eight.items():
        print(f"    {name:<48}: {result.summary()}")
    print("  Threads: machine_failure 1.1.0 on the scikit-learn engine (OpenMP), 8 connections:")
    for label, result in threads.items():
        print(f"    {label:<48}: {result.summary()}")
    print("  Normal requests one at a time while 200 slow sockets are open:")
    print(f"    {f'ours ({ours_workers} workers)':<48}: {slow_summary(slow_ours)}")
    print(f"    {f'article, gunicorn {ours_workers} sync workers':<48}: {slow_summary(slow_article)}")
    print(f"  {f'killed 1 of {cores} workers mid-load':<50}: {fault['failed']} of {fault['requests']} requests "
          f"failed {fault['failure_reasons']}, respawned in {fault['respawn_s']} s, "
          f"throughput back to 90% in {fault['capacity_back_s']} s")
    worst_16 = max(x.p99_ms for name in ("ours", "ours_v1") for x in runs[name])
    worst_8 = max(result.p99_ms for result in at_eight.values())
    targets = [
        ("single-row throughput >= 3x the article as deployed (median)", statistics.median(vs_article) >= 3,
         f"{statistics.median(vs_article):.2f}x"),
        ("single-row throughput >= 1.5x the article with equal workers (median)", statistics.median(vs_same) >= 1.5,
         f"{statistics.median(vs_same):.2f}x"),
        ("p99 <= 20 ms at 16 connections, both routes (every round)", worst_16 <= 20, f"worst {worst_16:.1f} ms"),
        ("every model at 8 connections: p99 < 50 ms", worst_8 < 50, f"worst {worst_8:.1f} ms"),
        ("normal requests under 1 s p99 with 200 slow sockets open",
         slow_ours["unanswered"] == 0 and slow_ours["p99_ms"] < 1000,
         slow_summary(slow_ours)),
        ("10,000-row batch < 300 ms (slowest)", big.max_ms < 300, f"{big.max_ms:.0f} ms"),
        # a granian worker holds many connections at once (gunicorn's sync worker held one): a
        # SIGKILL loses what it held, never more than the connections open at that moment
        ("killed worker loses only the requests it held (<= the 16 open connections)",
         fault["failed"] <= CONCURRENCY, f"{fault['failed']} failed"),
    ]
    for name, ok, figure in targets:
        print(f"  [{'met' if ok else 'MISSED'}] {name}: {figure}")
    figures = {
        "tool": "wrk (bench/wrk.py) for throughput and latency, bench/load_client.py for the fault run",
        "cores": cores, "connections": CONCURRENCY, "seconds_per_run": args.seconds, "rounds": args.rounds,
        "rps": rps, "p99_ms": {name: [x.p99_ms for x in results] for name, results in runs.items()},
        "ratio_vs_article": vs_article, "ratio_vs_article_same_workers": vs_same,
        "batch100": vars(batch), "batch10k": vars(big),
        "every_model_8_connections": {name: vars(result) for name, result in at_eight.items()},
        "threads_machine_failure_1_1_0_sklearn": {label: vars(result) for label, result in threads.items()},
        "slow_clients": {"ours": slow_ours, "article_same_workers": slow_article},
        "fault": {**fault, "workers": cores},
    }
    write_figures("server_load", figures)


if __name__ == "__main__":
    main()
