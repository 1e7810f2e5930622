"""LightGBM and XGBoost on the portable engine (issue 30): a 200-tree, depth-6 booster of each
on the machine-failure data (a DataFrame with a category and missing readings, six failure
types), one row and 10,000 rows on CPython and inside Pyodide under Node, beside the library's
own ``predict_proba`` on CPython (the library does not load in our Pyodide), and beside
onnxruntime-web (WebAssembly, one thread, under Node) running the booster converted by
onnxmltools (fed the already preprocessed rows, as float32); agreement of each with the library
on 10,000 sampled rows; ``portable.bin`` beside the library's own saved model.

    .venv/bin/python bench/boosters.py

Target: 10,000 rows at 100,000 rows/s or more in Pyodide.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

from build_scripts.export import export_bundle  # noqa: E402
from build_scripts.golden import sampled_rows  # noqa: E402
from build_scripts.reference import compare, load_estimator, sklearn_answer, spec_of, tolerance_for  # noqa: E402
from engine_timing import _per_call_ms, measure, measure_in_pyodide  # noqa: E402
from py_pipeline import load_model, read_manifest, write_bundle  # noqa: E402
from stats import write_figures  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BATCH = 10_000
TARGET_ROWS_PER_S = 100_000


def fit(work: Path) -> dict[str, Path]:
    from lightgbm import LGBMClassifier
    from sklearn.pipeline import make_pipeline
    from xgboost import XGBClassifier

    from tests.support.pipeline_matrix import _machine_frame, _native_missing

    X, y, schema = _machine_frame()
    targets = {"six classes": np.unique(y, return_inverse=True)[1],  # XGBoost takes 0 .. n-1
               "binary": (y != "none").astype(int)}
    out = {}
    for (library, Classifier), target in ((lib, t) for lib in (("lightgbm", LGBMClassifier), ("xgboost", XGBClassifier))
                                          for t in targets):
        name = f"{library}, {target}"
        options = {"num_leaves": 31, "verbose": -1} if library == "lightgbm" else {}
        pipeline = make_pipeline(_native_missing(), Classifier(n_estimators=200, max_depth=6, random_state=0, **options))
        pipeline.fit(X, targets[target])
        directory = work / name.replace(", ", "_").replace(" ", "_") / "1.0.0"
        directory.mkdir(parents=True)
        write_bundle(directory, pipeline, name=directory.parent.name, version="1.0.0", task="classification",
                     schema=schema)
        export_bundle(directory)
        out[name] = directory
    return out


def library_figures(directory: Path, rows: list) -> dict:
    """The library's own predict_proba on CPython (the whole pipeline), on the DataFrame it takes."""
    from py_pipeline.engines import FrameMaker

    estimator = load_estimator(directory)
    schema = read_manifest(directory).schema
    frame = FrameMaker(schema, list(estimator.feature_names_in_))(schema.validate(rows))
    one = frame.iloc[:1]
    batch_ms = _per_call_ms(lambda: estimator.predict_proba(frame), batches=3)
    return {"single_row_ms": round(_per_call_ms(lambda: estimator.predict_proba(one), 100), 4),
            "batch_rows_per_s": round(len(rows) / batch_ms * 1000)}


def onnx_runs(bundles: dict[str, Path], data: dict[str, list], work: Path) -> dict:
    """Each booster converted by onnxmltools and run by onnxruntime-web under Node; its agreement
    with the library (labels, largest probability difference) on the same rows."""
    from onnxmltools import convert_lightgbm, convert_xgboost
    from onnxmltools.convert.common.data_types import FloatTensorType

    from py_pipeline.engines import FrameMaker

    job: dict = {"models": {}, "input": {}}
    expected = {}
    for key, directory in bundles.items():
        pipeline = load_estimator(directory)
        schema = read_manifest(directory).schema
        frame = FrameMaker(schema, list(pipeline.feature_names_in_))(schema.validate(data[key]))
        matrix = np.asarray(pipeline[:-1].transform(frame), dtype=np.float64)
        booster = pipeline.steps[-1][1]
        convert = convert_lightgbm if key.startswith("lightgbm") else convert_xgboost
        types = [("input", FloatTensorType([None, matrix.shape[1]]))]
        onnx = convert(booster, initial_types=types, target_opset=15,
                       **({"zipmap": False} if key.startswith("lightgbm") else {}))
        path = work / f"{key.replace(', ', '_').replace(' ', '_')}.onnx"
        path.write_bytes(onnx.SerializeToString())
        job["models"][key] = str(path)
        job["input"][key] = {"rows": [[None if v != v else float(v) for v in row] for row in matrix.tolist()],
                             "width": matrix.shape[1]}
        expected[key] = booster.predict_proba(matrix)
    done = subprocess.run(["node", str(Path(__file__).parent / "ort_run.mjs")], input=json.dumps(job),
                          capture_output=True, text=True, timeout=1800, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"the onnxruntime-web run failed:\n{done.stderr[-3000:]}")
    out = json.loads(done.stdout)
    for key, figures in out.items():
        proba = np.asarray(figures.pop("probabilities"), dtype=np.float64).reshape(expected[key].shape)
        figures["labels_differing"] = int((np.argmax(proba, axis=1) != np.argmax(expected[key], axis=1)).sum())
        figures["max_abs_difference"] = float(np.abs(proba - expected[key]).max())
    return out


def saved_model_bytes(directory: Path, name: str) -> int:
    final = load_estimator(directory).steps[-1][1]
    lightgbm = name.startswith("lightgbm")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("model.txt" if lightgbm else "model.ubj")
        final.booster_.save_model(path) if lightgbm else final.get_booster().save_model(path)
        return path.stat().st_size


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-boosters-"))
    try:
        started = time.perf_counter()
        bundles = fit(work)
        print(f"fitted and exported all four in {time.perf_counter() - started:.1f} s")
        data = {k: sampled_rows(read_manifest(d).schema, BATCH, seed=2) for k, d in bundles.items()}
        agreement = {}
        for key, directory in bundles.items():
            ours = load_model(directory, engine="portable").predict(data[key])
            same, why, worst = compare(ours, sklearn_answer(directory, data[key]), tolerance_for(spec_of(directory)))
            agreement[key] = {"same": same, "why": why, "max_abs_difference": worst, "rows": BATCH}
        cpython = measure(bundles, data)
        library = {k: library_figures(d, data[k]) for k, d in bundles.items()}
        pyodide = measure_in_pyodide(bundles, data)
        ort = onnx_runs(bundles, data, work)
        sizes = {k: {"portable_bin": read_manifest(d).portable["arrays"]["size"], "library_model": saved_model_bytes(d, k)}
                 for k, d in bundles.items()}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"200 rounds, depth 6 (six classes: 1,200 trees); one row (ms, median) and {BATCH:,} rows (rows/s)")
    print(f"  {'model':22s} {'Pyodide 1 row':>14s} {'Pyodide 10k':>12s} {'CPython 1 row':>14s} {'CPython 10k':>12s} "
          f"{'library 1 row':>14s} {'library 10k':>12s}  {'portable.bin':>12s} {'saved model':>11s}  agreement")
    for key in bundles:
        p, c, lib = pyodide[key]["portable"], cpython[key]["portable"], library[key]
        met = "met" if p["batch_rows_per_s"] >= TARGET_ROWS_PER_S else "NOT met"
        a = agreement[key]
        print(f"  {key:22s} {p['single_row_ms']:14.3f} {p['batch_rows_per_s']:12,} {c['single_row_ms']:14.3f} "
              f"{c['batch_rows_per_s']:12,} {lib['single_row_ms']:14.3f} {lib['batch_rows_per_s']:12,}  "
              f"{sizes[key]['portable_bin'] / 1e3:10.0f}kB {sizes[key]['library_model'] / 1e3:9.0f}kB  "
              f"{'labels identical, max |diff| %.2g' % a['max_abs_difference'] if a['same'] else a['why']}"
              f"  (target {TARGET_ROWS_PER_S:,} rows/s in Pyodide: {met})")
    print(f"  imported by the portable engine in Pyodide: {pyodide['imported_by_portable'] or 'numpy alone'}")
    print("onnxruntime-web (WebAssembly, 1 thread, Node) on the booster converted by onnxmltools, fed preprocessed "
          "float32 rows")
    for key, o in ort.items():
        print(f"  {key:22s} 1 row {o['single_row_ms']:.3f} ms, 10k {o['batch_rows_per_s']:,} rows/s; against the "
              f"library: {o['labels_differing']} of {BATCH:,} labels differ, max |diff| {o['max_abs_difference']:.2g}")
    write_figures("boosters", {"cpython": cpython, "pyodide": pyodide, "library": library, "bytes": sizes,
                               "agreement": agreement, "onnxruntime_web": ort})


if __name__ == "__main__":
    main()
