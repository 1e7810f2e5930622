"""Exact TreeSHAP on the portable engine (issue 31, the mathematics): contributions of the final
estimator's input columns equal ``shap.TreeExplainer``'s (path-dependent, no background data)
within 1e-9 for the matrix's tree pipelines and LightGBM (1e-6 for XGBoost, whose own
contributions, which shap returns, are float32); where shap has no
implementation (multiclass GradientBoostingClassifier) they equal brute-force Shapley values
computed from the trees; and every row is additive: base + contributions = the model's output."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from py_pipeline import load_model
from py_pipeline.portable.explain import Unexplained

shap = pytest.importorskip("shap")

TREES = ["iris_decision_tree", "wine_random_forest", "wine_extra_trees", "diabetes_random_forest",
         "diabetes_gradient_boosting_regressor", "cancer_gradient_boosting_binary", "cancer_hist_gradient_boosting",
         "frame_random_forest_missing", "frame_hist_gradient_boosting_binary", "diabetes_hist_gradient_boosting",
         "frame_lightgbm_multiclass", "frame_lightgbm_regressor", "frame_xgboost_binary", "frame_xgboost_regressor"]


def prepared(matrix, key, n=60):
    directory, rows = matrix[key]
    model = load_model(directory, engine="portable")
    X = model.manifest.schema.validate(rows[:n])
    return model, X, model.engine._prepare(X)


def output(model, X):
    """What the explanation adds up to: probabilities (trees, forests), raw margins (boosting), values."""
    final = model.engine._final
    node = model.engine.spec["estimator"]
    Xt = model.engine._prepare(X)
    if node["op"] == "forest":
        labels, proba = final.classify(Xt)
        return (proba if proba is not None else np.asarray(labels, dtype=np.float64)[:, None])
    raw = final.scores(Xt)
    return np.asarray(raw, dtype=np.float64).reshape(len(X), -1)


@pytest.mark.parametrize("key", TREES)
def test_contributions_equal_shap_and_add_up(matrix, key):
    model, X, Xt = prepared(matrix, key)
    phi, base = model.engine.explain_columns(X)
    # XGBoost's own margin is a float32 sum; the contributions add its float32 leaves in float64
    additive = 1e-6 if "xgboost" in key else 1e-9
    assert np.abs(base + phi.sum(axis=1) - output(model, X)).max() <= additive * max(1.0, np.abs(base).max())
    final = _final_estimator(matrix, key)
    theirs = np.asarray(shap.TreeExplainer(final).shap_values(Xt.astype(np.float64), check_additivity=False))
    if theirs.ndim == 2:
        theirs = theirs[:, :, None]
    if theirs.shape[2] != phi.shape[2]:  # shap gives one margin column for a binary booster
        phi = phi[:, :, -theirs.shape[2]:]
    # shap asks XGBoost itself (pred_contribs), which answers in float32
    assert np.abs(phi - theirs).max() <= additive * max(1.0, np.abs(theirs).max())


def _final_estimator(matrix, key):
    from build_scripts.reference import load_estimator

    estimator = load_estimator(matrix[key][0])
    return estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator


def test_multiclass_gradient_boosting_equals_brute_force_shapley_values():
    """shap refuses multiclass GradientBoostingClassifier: Shapley values by their definition,
    from the path-dependent value function E[f(x) | x_S] computed on the trees."""
    from sklearn.datasets import load_iris
    from sklearn.ensemble import GradientBoostingClassifier

    from py_pipeline import Feature, Schema
    from py_pipeline.portable.engine import PortableEngine
    from py_pipeline.portable.export import export

    X, y = load_iris(return_X_y=True)
    final = GradientBoostingClassifier(n_estimators=6, max_depth=3, random_state=0).fit(X, y)
    engine = PortableEngine(*export(final, Schema(tuple(Feature(f"f{j}") for j in range(4)))))
    rows = X[[0, 60, 120, 77]]
    phi, base = engine.explain_columns(rows)
    for r, x in enumerate(rows):
        def value(S):
            total = np.asarray(final._raw_predict_init(x[None, :])[0], dtype=np.float64).copy()
            for stage in final.estimators_:
                for k, tree in enumerate(stage):
                    total[k] += final.learning_rate * _conditional(tree.tree_, x, S)
            return total
        assert np.abs(value(set(range(4))) - (base + phi[r].sum(axis=0))).max() <= 1e-9  # additive
        for i in range(4):
            others = [f for f in range(4) if f != i]
            expected = np.zeros(phi.shape[2])
            for size in range(len(others) + 1):
                for S in itertools.combinations(others, size):
                    weight = math.factorial(size) * math.factorial(3 - size) / math.factorial(4)
                    expected += weight * (value(set(S) | {i}) - value(set(S)))
            assert np.abs(phi[r, i] - expected).max() <= 1e-9


def _conditional(tree, x, S, node=0):
    """E[tree(x) | x_S], the path-dependent way: split on a known feature, weigh by cover otherwise."""
    if tree.children_left[node] == -1:
        return float(tree.value[node].ravel()[0])
    f = tree.feature[node]
    left, right = tree.children_left[node], tree.children_right[node]
    if f in S:
        return _conditional(tree, x, S, left if np.float32(x[f]) <= tree.threshold[node] else right)
    w = tree.weighted_n_node_samples
    return (w[left] * _conditional(tree, x, S, left) + w[right] * _conditional(tree, x, S, right)) / w[node]


def test_an_estimator_without_an_exact_explanation_says_so(matrix):
    model, X, _ = prepared(matrix, "frame_svc_rbf_no_proba", n=2)
    with pytest.raises(Unexplained, match="has no exact explanation"):
        model.engine.explain_columns(X)
