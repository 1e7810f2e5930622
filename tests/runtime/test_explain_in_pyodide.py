"""Explanations inside Pyodide under Node (issue 31): ``bridge.explain``, as the browser worker
will call it, answers what CPython's ``Model.explain`` answers (within 1e-12), additive on every
row (trees and a linear model); a model that cannot be explained says why there too."""

from __future__ import annotations

import numpy as np

from build_scripts.browser_check import run_in_pyodide
from py_pipeline import load_model

KEYS = ["frame_random_forest_missing", "machine_column_transformer_gb", "frame_hist_gradient_boosting_binary",
        "frame_lightgbm_multiclass", "iris_logistic_multinomial", "frame_svc_rbf_no_proba"]


def test_explanations_in_pyodide_equal_cpython_and_add_up(matrix):
    rows = {key: matrix[key][1][:30] for key in KEYS}
    answers = run_in_pyodide({key: matrix[key][0] for key in KEYS},
                             [{"bundle": key, "rows": rows[key], "method": "explain"} for key in KEYS])
    for key, answer in zip(KEYS, answers["calls"]):
        model = load_model(matrix[key][0], engine="portable")
        if key == "frame_svc_rbf_no_proba":
            assert not answer["ok"] and answer["error"]["code"] == "explanation_unavailable", answer
            continue
        assert answer["ok"], (key, answer)
        mine, theirs = answer["result"], model.explain(rows[key])
        assert mine["features"] == theirs["features"] and mine["outputs"] == theirs["outputs"]
        contributions = np.asarray(mine["contributions"])
        assert np.abs(contributions - np.asarray(theirs["contributions"])).max() <= 1e-12
        total = np.asarray(mine["base_values"]) + contributions.sum(axis=1)
        X = model.manifest.schema.validate(rows[key])
        expected = model.engine.classify(X)[1] if mine["output"] == "probability" else \
            np.asarray(model.engine._final.scores(model.engine._prepare(X)), dtype=np.float64).reshape(len(X), -1)
        assert np.abs(total - expected).max() <= 1e-9, key
