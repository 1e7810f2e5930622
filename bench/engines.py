"""Engine benchmark: the portable engine (numpy only) against the scikit-learn engine and
scikit-learn's own compiled estimator, on CPython, in Pyodide under Node, and behind the server.

Models: iris (scaler + logistic regression) and machine_failure 1.0.0 (one-hot + physics
features + a 100-tree random forest, DataFrame-fitted), plus machine_failure 1.1.0
(HistGradientBoosting) and failure_type (150 deeper trees) for reference. For each: single-row
latency (engine call alone, and with validation) and rows/s on 10,000 rows. Server: single-row
throughput with wrk (bench/wrk.py) for each ENGINE setting, against the seed article's app
(bench/baseline_app.py, iris only: its app cannot take a DataFrame-fitted pipeline), and
10,000-row request latency per engine.

    .venv/bin/python bench/engines.py [--seconds 5 --rounds 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from engine_timing import measure  # noqa: E402
from server_load import start_baseline  # noqa: E402
from servers import HOST, ROOT, free_port, start_server, stop  # noqa: E402
from stats import spread, write_figures  # noqa: E402
from wrk import require_wrk, wrk  # noqa: E402

from build_scripts.golden import sampled_rows  # noqa: E402
from py_pipeline.bundle import read_manifest  # noqa: E402

MODELS = {"iris": "iris/1.0.0", "forest": "machine_failure/1.0.0", "hist_gb": "machine_failure/1.1.0",
          "failure_type": "failure_type/1.0.0"}
BATCH = 10_000
TARGETS = {  # Pyodide figures the issue asks for
    ("iris", "single_row_ms"): ("<", 0.1), ("forest", "single_row_ms"): ("<", 0.5),
    ("iris", "batch_rows_per_s"): (">", 1_000_000), ("forest", "batch_rows_per_s"): (">", 100_000),
}


def bundles() -> dict[str, Path]:
    return {key: ROOT / "dist" / "models" / path for key, path in MODELS.items()}


def rows() -> dict[str, list]:
    return {key: sampled_rows(read_manifest(d).schema, BATCH, seed=1) for key, d in bundles().items()}


def in_pyodide(data: dict) -> dict:
    job = {"bundles": {k: str(v) for k, v in bundles().items()}, "input": data, "packages": ["scikit-learn"],
           "script": (Path(__file__).parent / "engine_timing.py").read_text()}
    done = subprocess.run(["node", str(Path(__file__).parent / "pyodide_python.mjs"), str(ROOT / "dist" / "pyodide")],
                          input=json.dumps(job), capture_output=True, text=True, timeout=1800, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"the Pyodide run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def post_ms(port: int, path: str, payload: dict, repeats: int = 5) -> list[float]:
    body = json.dumps(payload).encode()
    times = []
    for _ in range(repeats):
        request = urllib.request.Request(f"http://{HOST}:{port}{path}", data=body,
                                         headers={"Content-Type": "application/json"})
        start = time.perf_counter()
        with urllib.request.urlopen(request, timeout=120) as response:
            response.read()
        times.append((time.perf_counter() - start) * 1000)
    return times


def server(data: dict, seconds: float, rounds: int) -> dict:
    require_wrk()
    ports = {"portable": free_port(), "sklearn": free_port(), "article": free_port()}
    procs = {"portable": start_server(ports["portable"], SITE_DIR="", ENGINE="portable", LOG_LEVEL="WARNING"),
             "sklearn": start_server(ports["sklearn"], SITE_DIR="", ENGINE="sklearn", LOG_LEVEL="WARNING"),
             "article": start_baseline(ports["article"], 1)}
    out: dict = {}
    try:
        targets = [(f"{engine} {key}", ports[engine], f"/api/v1/models/{MODELS[key].split('/')[0]}/versions/"
                    f"{MODELS[key].split('/')[1]}/predict", {"rows": [data[key][0]]})
                   for engine in ("portable", "sklearn") for key in ("iris", "forest")]
        targets.append(("article iris", ports["article"], "/predict", {"features": data["iris"][0]}))
        runs: dict[str, list] = {name: [] for name, *_ in targets}
        for name, port, path, payload in targets:  # warm-up
            wrk(f"http://{HOST}:{port}{path}", payload, seconds=1)
        for _ in range(rounds):  # alternating rounds: drift hits every server alike
            for name, port, path, payload in targets:
                runs[name].append(wrk(f"http://{HOST}:{port}{path}", payload, seconds=seconds))
        for name, results in runs.items():
            out[name] = {"throughput": spread([r.throughput for r in results], " req/s"),
                         "p99_ms": spread([r.p99_ms for r in results], " ms"),
                         "failed": sum(r.failed for r in results)}
        for engine in ("portable", "sklearn"):
            for key in ("iris", "forest"):
                name, version = MODELS[key].split("/")
                times = post_ms(ports[engine], f"/api/v1/models/{name}/versions/{version}/predict", {"rows": data[key]})
                out[f"{engine} {key} {BATCH} rows"] = spread(times, " ms")
    finally:
        for proc in procs.values():
            stop(proc)
    return out


def verdict(figures: dict, key: str, metric: str) -> str:
    if (key, metric) not in TARGETS:
        return ""
    op, bound = TARGETS[(key, metric)]
    value = figures[key]["portable"][metric]
    met = value < bound if op == "<" else value > bound
    return f"  target {op} {bound:,}: {'met' if met else 'NOT met'}"


def table(title: str, figures: dict) -> None:
    print(f"\n{title}")
    for key in MODELS:
        for engine in ("portable", "sklearn", "sklearn_final_estimator"):
            f = figures[key].get(engine, {})
            if "unavailable" in f:
                print(f"  {key:13} {engine:24} unavailable: {f['unavailable'][:90]}")
                continue
            line = (f"  {key:13} {engine:24} 1 row {f['single_row_ms']:8.4f} ms"
                    f"{verdict(figures, key, 'single_row_ms') if engine == 'portable' else ''}")
            if "single_row_with_validation_ms" in f:
                line += f" ({f['single_row_with_validation_ms']:.4f} ms with validation)"
            print(line)
            line = f"  {'':13} {'':24} {BATCH:,} rows {f['batch_rows_per_s']:>12,} rows/s"
            if engine == "portable":
                line += verdict(figures, key, "batch_rows_per_s")
            if "batch_with_validation_rows_per_s" in f:
                line += f" ({f['batch_with_validation_rows_per_s']:,} rows/s with validation)"
            print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5, help="seconds per wrk run (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating server rounds (default 3)")
    parser.add_argument("--skip-server", action="store_true")
    args = parser.parse_args()
    data = rows()
    report = {"cpython": measure({k: str(v) for k, v in bundles().items()}, data)}
    table("CPython 3.12 (this machine)", report["cpython"])
    report["pyodide"] = in_pyodide(data)
    table("Pyodide 0.27.7 under Node 20", report["pyodide"])
    print(f"  modules imported by the portable engine in Pyodide: {report['pyodide']['imported_by_portable'] or 'none'}")
    if not args.skip_server:
        report["server"] = server(data, args.seconds, args.rounds)
        print("\nServer (python -m server_fallback.serve, production config, loopback; wrk 16 connections, single row)")
        for name, value in report["server"].items():
            print(f"  {name:28} {value if isinstance(value, str) else value['throughput'] + ', p99 ' + value['p99_ms']}")
    write_figures("engines", report)


if __name__ == "__main__":
    main()
