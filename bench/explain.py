"""Explanations (issue 31): ``Model.explain`` on one row and 1,000 rows, on CPython and inside
Pyodide under Node, beside shap on CPython (``TreeExplainer``, compiled, for trees;
``LinearExplainer`` for iris; the same final estimator, on the same preprocessed rows), for the
shipped models: iris (logistic regression), the 100-tree forest (machine_failure 1.0.0),
HistGradientBoosting (machine_failure 1.1.0) and the 150-tree failure_type forest. Then the
production server (granian): single-row ``/explain`` of the forest under wrk at 8 connections,
beside ``/predict`` of the same row in the same run (target: p99 under 50 ms).

    .venv/bin/python bench/explain.py        (after make build and make wrk)
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_scripts.golden import sampled_rows  # noqa: E402
from build_scripts.paths import MODELS  # noqa: E402
from build_scripts.reference import load_estimator  # noqa: E402
from py_pipeline import load_model, read_manifest  # noqa: E402
from servers import HOST, free_port, start_server, stop  # noqa: E402
from stats import write_figures  # noqa: E402
from wrk import require_wrk, wrk  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MODELS_TIMED = {"iris": ("iris", "1.0.0"), "forest": ("machine_failure", "1.0.0"), "hist_gradient_boosting": ("machine_failure", "1.1.0"),
                "failure_type": ("failure_type", "1.0.0")}
BATCH = 1_000

#: Runs in both interpreters: the first call (which prepares the paths), then the median of 5.
TIMING = '''
import time, statistics
from py_pipeline import load_model
def _median_ms(fn, n):
    times = []
    for _ in range(n):
        start = time.perf_counter(); fn(); times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)
def explain_figures(bundles, rows):
    out = {}
    for key, directory in bundles.items():
        model = load_model(directory, engine="portable")
        start = time.perf_counter(); model.explain(rows[key][:1]); first = (time.perf_counter() - start) * 1000
        out[key] = {"first_call_ms": first, "one_row_ms": _median_ms(lambda: model.explain(rows[key][:1]), 20),
                    "batch_ms": _median_ms(lambda: model.explain(rows[key]), 3)}
    return out
if "INPUT" in globals():
    OUTPUT = explain_figures(BUNDLES, INPUT)
'''


def shap_figures(directory: Path, rows: list) -> dict:
    import shap

    model = load_model(directory, engine="portable")
    final = load_estimator(directory).steps[-1][1]
    X = model.engine._prepare(model.manifest.schema.validate(rows))
    if model.engine.spec["estimator"]["op"] == "linear":  # against the same mean (the 150 training flowers)
        mean = model.engine._arrays[model.engine.spec["estimator"]["mean"]]
        explainer = shap.LinearExplainer(final, (mean, np.eye(len(mean))))
        explain = explainer.shap_values
    else:
        explainer = shap.TreeExplainer(final)

        def explain(x):
            return explainer.shap_values(x, check_additivity=False)
    explain(X[:1])

    def timed(rows_x, n):
        times = []
        for _ in range(n):
            start = time.perf_counter()
            explain(rows_x)
            times.append((time.perf_counter() - start) * 1000)
        return sorted(times)[len(times) // 2]
    return {"one_row_ms": timed(X[:1], 20), "batch_ms": timed(X, 3)}


def server_figures(row: list, seconds: float = 10, connections: int = 8) -> dict:
    """wrk on the production server: one row of the forest, explained and predicted."""
    require_wrk()
    port = free_port()
    proc = start_server(port, SITE_DIR="", LOG_LEVEL="WARNING")
    out = {}
    try:
        base = f"http://{HOST}:{port}/api/v1/models/machine_failure/versions/1.0.0"
        for path in ("explain", "predict"):
            wrk(f"{base}/{path}", {"rows": [row]}, seconds=1, connections=connections)  # warm-up
            out[path] = wrk(f"{base}/{path}", {"rows": [row]}, seconds=seconds, connections=connections)
    finally:
        stop(proc)
    return out


def main() -> None:
    bundles = {k: MODELS / name / version for k, (name, version) in MODELS_TIMED.items()}
    rows = {k: sampled_rows(read_manifest(d).schema, BATCH, seed=3) for k, d in bundles.items()}
    namespace: dict = {}
    exec(TIMING, namespace)  # noqa: S102 (our own timing code, the same text Pyodide runs)
    cpython = namespace["explain_figures"](bundles, rows)
    job = {"bundles": {k: str(v) for k, v in bundles.items()}, "input": rows, "packages": [], "script": TIMING}
    done = subprocess.run(["node", str(Path(__file__).parent / "pyodide_python.mjs"), str(ROOT / "dist" / "pyodide")],
                          input=json.dumps(job), capture_output=True, text=True, timeout=3600, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"the Pyodide run failed:\n{done.stderr[-3000:]}")
    pyodide = json.loads(done.stdout)
    reference = {k: shap_figures(d, rows[k]) for k, d in bundles.items()}
    print(f"Model.explain: first call (prepares the paths), one row and {BATCH:,} rows (median, ms)")
    print(f"  {'model':24s} {'where':8s} {'first':>8s} {'1 row':>8s} {'1,000 rows':>11s}")
    for key in bundles:
        for where, figures in (("CPython", cpython), ("Pyodide", pyodide)):
            f = figures[key]
            print(f"  {key:24s} {where:8s} {f['first_call_ms']:8.1f} {f['one_row_ms']:8.2f} {f['batch_ms']:11.1f}")
        s = reference[key]
        what = "LinearExplainer" if key == "iris" else "TreeExplainer"
        print(f"  {key:24s} {'shap':8s} {'':8s} {s['one_row_ms']:8.2f} {s['batch_ms']:11.1f}   ({what}, CPython)")
    served = server_figures(rows["forest"][0])
    print("Server (granian, production settings), the forest, one row a request, 8 connections, 10 s:")
    for path, result in served.items():
        print(f"  /{path:8s} {result.summary()}")
    p99 = served["explain"].p99_ms
    print(f"  target: /explain p99 under 50 ms: {p99:.1f} ms, {'met' if p99 < 50 else 'NOT met'}")
    write_figures("explain", {"cpython": cpython, "pyodide": pyodide, "shap": reference,
                              "server": {path: vars(result) for path, result in served.items()}})


if __name__ == "__main__":
    main()
