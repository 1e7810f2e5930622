"""The model families of issue 29 on the portable engine: one row and 10,000 rows, on CPython and
inside Pyodide under Node, beside the scikit-learn engine and scikit-learn's own final estimator
(on CPython; in Pyodide too, where scikit-learn loads), and each model's portable.bin size.

The models are the parity matrix's (tests/support/pipeline_matrix.py), fitted here on its
DataFrames with a category: a two-layer relu MLP classifier, a tanh MLP (binary), an MLP regressor,
Gaussian naive Bayes, a linear SVM, an rbf SVC (three classes), an rbf SVR, k-neighbours (a
KD-tree with distance weights, brute force), and ensembles (soft voting, stacking, bagging,
AdaBoost). The k-neighbours' portable.bin holds their training set.

    .venv/bin/python bench/families.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_scripts.golden import sampled_rows  # noqa: E402
from engine_timing import measure, measure_in_pyodide  # noqa: E402
from py_pipeline import read_manifest  # noqa: E402
from stats import write_figures  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
KEYS = ["frame_mlp_multiclass_relu", "frame_mlp_binary_tanh", "frame_mlp_regressor_logistic", "frame_gaussian_nb",
        "frame_linear_svc_binary", "frame_svc_rbf_no_proba", "diabetes_svr_rbf", "frame_knn_kd_tree_distance",
        "frame_knn_brute_binary", "frame_voting_soft", "frame_stacking_passthrough", "frame_bagging_trees",
        "frame_adaboost"]
BATCH = 10_000


def main() -> None:
    from tests.support.pipeline_matrix import write_matrix

    work = Path(tempfile.mkdtemp(prefix="bench-families-"))
    try:
        written = write_matrix(work, KEYS)
        bundles = {k: d for k, (d, _) in written.items()}
        data = {k: sampled_rows(read_manifest(d).schema, BATCH, seed=1) for k, d in bundles.items()}
        cpython = measure(bundles, data)
        pyodide = measure_in_pyodide(bundles, data)
        sizes = {k: read_manifest(d).portable["arrays"]["size"] for k, d in bundles.items()}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"one row (ms, median) and {BATCH:,} rows (rows/s); portable engine beside the scikit-learn engine and "
          "scikit-learn's own final estimator")
    print(f"  {'model':32s} {'bin':>8s}  {'where':8s} {'1 row portable':>15s} {'1 row sklearn':>14s} "
          f"{'10k portable':>13s} {'10k sklearn':>12s} {'10k final':>10s}")
    for key in KEYS:
        for where, figures in (("CPython", cpython), ("Pyodide", pyodide)):
            p, s, f = figures[key]["portable"], figures[key]["sklearn"], figures[key]["sklearn_final_estimator"]
            print(f"  {key:32s} {sizes[key] / 1e3:6.1f}kB  {where:8s} {p['single_row_ms']:15.3f} "
                  f"{s.get('single_row_ms', float('nan')):14.3f} {p['batch_rows_per_s']:13,} "
                  f"{s.get('batch_rows_per_s', 0):12,} {f.get('batch_rows_per_s', 0):10,}")
    print(f"  imported by the portable engine in Pyodide: {pyodide['imported_by_portable'] or 'numpy alone'}")
    write_figures("families", {"cpython": cpython, "pyodide": pyodide, "portable_bin_bytes": sizes})


if __name__ == "__main__":
    main()
