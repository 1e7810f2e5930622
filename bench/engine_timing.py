"""Timing of each engine on one interpreter: run as is on CPython, and as a script inside
Pyodide (bench/pyodide_python.mjs). Imports only numpy and py_pipeline until the portable
figures are taken, so the Pyodide run can show the portable engine needs nothing else.

``measure(bundles, rows)``: bundles {key: directory}, rows {key: list of rows}; returns
{key: {engine: figures}} plus "imported_by_portable".
"""

from __future__ import annotations

import sys
import time

import numpy as np

from py_pipeline import load_model

HEAVY = ("sklearn", "scipy", "joblib", "pandas")


def _per_call_ms(fn, calls: int | None = None, batches: int = 5) -> float:
    """Median over ``batches`` of the mean time of ``calls`` calls, in ms. Without ``calls``,
    enough calls to fill about 50 ms per batch (a fast 10,000-row call takes ~2 ms, close to
    the timer's resolution in Pyodide)."""
    start = time.perf_counter()
    fn()  # warm-up, and a first estimate
    if calls is None:
        calls = max(1, int(0.05 / max(time.perf_counter() - start, 1e-6)))
    means = []
    for _ in range(batches):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        means.append((time.perf_counter() - start) / calls * 1000)
    return float(np.median(means))


def _engine_figures(model, rows: list, single_calls: int) -> dict:
    X1 = model.manifest.schema.validate(rows[:1])
    X = model.manifest.schema.validate(rows)
    batch_ms = _per_call_ms(lambda: model.engine.classify(X), batches=3)
    full_ms = _per_call_ms(lambda: model.predict(rows), batches=3)
    return {
        "single_row_ms": round(_per_call_ms(lambda: model.engine.classify(X1), single_calls), 4),
        "single_row_with_validation_ms": round(_per_call_ms(lambda: model.predict(rows[:1]), single_calls), 4),
        "batch_rows": len(rows),
        "batch_rows_per_s": round(len(rows) / batch_ms * 1000),
        "batch_with_validation_rows_per_s": round(len(rows) / full_ms * 1000),
    }


def _compiled_figures(model, final, rows: list, single_calls: int) -> dict:
    """scikit-learn's own final estimator (its compiled trees for a forest) on the preprocessed rows."""
    X1 = model.engine._prepare(model.manifest.schema.validate(rows[:1]))
    X = model.engine._prepare(model.manifest.schema.validate(rows))
    answer = final.predict_proba if hasattr(final, "predict_proba") else final.predict  # a regressor, a LinearSVC
    batch_ms = _per_call_ms(lambda: answer(X), batches=3)
    return {"single_row_ms": round(_per_call_ms(lambda: answer(X1), single_calls), 4),
            "batch_rows": len(rows), "batch_rows_per_s": round(len(rows) / batch_ms * 1000)}


def measure(bundles: dict, rows: dict, single_calls: int = 200) -> dict:
    out: dict = {key: {} for key in bundles}
    portable = {key: load_model(d, engine="portable") for key, d in bundles.items()}
    for key, model in portable.items():
        out[key]["portable"] = _engine_figures(model, rows[key], single_calls)
    out["imported_by_portable"] = sorted(m for m in HEAVY if m in sys.modules)
    for key, directory in bundles.items():
        try:
            model = load_model(directory, engine="sklearn")
            out[key]["sklearn"] = _engine_figures(model, rows[key], max(10, single_calls // 10))
            final = model.engine._final
        except Exception as exc:  # e.g. a DataFrame-fitted pipeline where pandas is missing
            out[key]["sklearn"] = {"unavailable": f"{type(exc).__name__}: {exc}"}
            import io

            import joblib

            try:
                with open(f"{directory}/model.joblib", "rb") as f:
                    final = joblib.load(io.BytesIO(f.read()))["estimator"].steps[-1][1]
            except Exception as exc:  # a KD-tree pickled on 64-bit CPython does not load in Pyodide
                out[key]["sklearn_final_estimator"] = {"unavailable": f"{type(exc).__name__}: {exc}"}
                continue
        out[key]["sklearn_final_estimator"] = _compiled_figures(portable[key], final, rows[key],
                                                                max(10, single_calls // 10))
    return out


def measure_in_pyodide(bundles: dict, rows: dict) -> dict:
    """``measure`` run inside Pyodide under Node (bench/pyodide_python.mjs), scikit-learn and
    pandas loaded for the scikit-learn engine's figures."""
    import json
    import subprocess
    from pathlib import Path

    here = Path(__file__).resolve().parent
    job = {"bundles": {k: str(v) for k, v in bundles.items()}, "input": rows, "packages": ["scikit-learn", "pandas"],
           "script": (here / "engine_timing.py").read_text()}
    done = subprocess.run(["node", str(here / "pyodide_python.mjs"), str(here.parent / "dist" / "pyodide")],
                          input=json.dumps(job), capture_output=True, text=True, timeout=1800, cwd=here.parent)
    if done.returncode != 0:
        raise SystemExit(f"the Pyodide run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


if __name__ == "__main__" and "INPUT" in globals():  # inside Pyodide: the runner set INPUT and BUNDLES
    OUTPUT = measure(BUNDLES, INPUT)  # noqa: F821
