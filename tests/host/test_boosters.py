"""LightGBM and XGBoost on the portable engine (issue 30): labels identical to the library's own
``predict`` on 10,000 rows built to sit exactly on split thresholds (and just beside them), with
missing values and zeros; probabilities within 1e-9 for LightGBM (float64 throughout) and 1e-6
for XGBoost (its float32 transforms); XGBoost's margins bit-identical; early stopping honoured;
the variants it does not run refused with the reason."""

from __future__ import annotations

import json

import numpy as np
import pytest
from lightgbm import LGBMClassifier, LGBMRegressor
from xgboost import XGBClassifier, XGBRegressor

from build_scripts.reference import FLOAT32_TOLERANCE, TOLERANCE
from py_pipeline import Feature, Schema
from py_pipeline.portable.engine import PortableEngine
from py_pipeline.portable.export import NotPortable, export

N_FEATURES = 5


def data(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, N_FEATURES))
    X[rng.random(n) < 0.15, 1] = np.nan
    X[rng.random(n) < 0.2, 2] = 0.0
    X[:, 3] = np.round(X[:, 3], 1)  # few distinct values: ties between rows
    score = X[:, 0] + np.nan_to_num(X[:, 1]) - X[:, 2] + rng.normal(0, 0.5, n)
    return X, score


def on_thresholds(thresholds: list[np.ndarray], n=10_000, seed=1):
    """Rows whose every value is a split threshold, the float just below or above it (in float64
    and float32), zero or NaN: the places where a comparison can go either way."""
    rng = np.random.default_rng(seed)
    X = np.empty((n, N_FEATURES))
    for j, t in enumerate(thresholds):
        t = t if len(t) else np.array([0.0])
        t32 = t.astype(np.float32)
        choices = np.concatenate([t, np.nextafter(t, -np.inf), np.nextafter(t, np.inf), t32.astype(np.float64),
                                  np.nextafter(t32, np.float32(-np.inf)).astype(np.float64),
                                  np.nextafter(t32, np.float32(np.inf)).astype(np.float64), [0.0, -0.0, np.nan]])
        X[:, j] = rng.choice(choices, n)
    return X


def engine_for(estimator):
    schema = Schema(tuple(Feature(f"f{j}", missing=True) for j in range(N_FEATURES)))
    return PortableEngine(*export(estimator, schema))


def lightgbm_thresholds(model):
    found = [[] for _ in range(N_FEATURES)]

    def walk(node):
        if "split_feature" in node:
            found[node["split_feature"]].append(node["threshold"])
            walk(node["left_child"])
            walk(node["right_child"])
    for tree in model.booster_.dump_model()["tree_info"]:
        walk(tree["tree_structure"])
    return [np.unique(np.asarray(f, dtype=np.float64)) for f in found]


def xgboost_thresholds(model):
    found = [[] for _ in range(N_FEATURES)]
    trees = json.loads(model.get_booster().save_raw("json"))["learner"]["gradient_booster"]["model"]["trees"]
    for t in trees:
        for f, c, left in zip(t["split_indices"], t["split_conditions"], t["left_children"]):
            if left != -1:
                found[f].append(c)
    return [np.unique(np.asarray(f, dtype=np.float64)) for f in found]


def assert_same(estimator, X, tolerance):
    labels, proba = engine_for(estimator).classify(X)
    expected = estimator.predict(X)
    if proba is None:
        assert np.max(np.abs(labels - expected) / np.maximum(1, np.abs(expected))) <= tolerance
        return
    assert np.array_equal(labels, expected), f"{int((labels != expected).sum())} labels differ"
    assert np.max(np.abs(proba - estimator.predict_proba(X))) <= tolerance


CASES = {
    "lightgbm binary": (lambda: LGBMClassifier(n_estimators=80, verbose=-1), "binary", TOLERANCE),
    "lightgbm multiclass": (lambda: LGBMClassifier(n_estimators=40, verbose=-1), "three", TOLERANCE),
    "lightgbm zero as missing": (lambda: LGBMClassifier(n_estimators=40, zero_as_missing=True, verbose=-1),
                                 "binary", TOLERANCE),
    "lightgbm without missing": (lambda: LGBMClassifier(n_estimators=40, use_missing=False, verbose=-1), "binary",
                                 TOLERANCE),
    "lightgbm poisson": (lambda: LGBMRegressor(objective="poisson", n_estimators=40, verbose=-1), "counts", TOLERANCE),
    "xgboost binary": (lambda: XGBClassifier(n_estimators=80, max_depth=5), "binary", FLOAT32_TOLERANCE),
    "xgboost multiclass": (lambda: XGBClassifier(n_estimators=40, max_depth=4), "three", FLOAT32_TOLERANCE),
    "xgboost forest": (lambda: XGBClassifier(n_estimators=4, num_parallel_tree=5, max_depth=3), "binary",
                       FLOAT32_TOLERANCE),
    "xgboost squared error": (lambda: XGBRegressor(n_estimators=60), "values", TOLERANCE),
    "xgboost gamma": (lambda: XGBRegressor(objective="reg:gamma", n_estimators=40), "counts", FLOAT32_TOLERANCE),
}


def target(kind, score):
    return {"binary": (score > 0.3).astype(int), "three": np.digitize(score, [-0.5, 0.5]),
            "counts": np.round(np.abs(score) * 3) + 1, "values": score * 2.0}[kind]


@pytest.mark.parametrize("case", sorted(CASES))
def test_answers_as_the_library_on_rows_built_to_sit_on_thresholds(case):
    make, kind, tolerance = CASES[case]
    X, score = data()
    model = make().fit(X, target(kind, score))
    thresholds = lightgbm_thresholds(model) if case.startswith("lightgbm") else xgboost_thresholds(model)
    assert_same(model, X, tolerance)
    assert_same(model, on_thresholds(thresholds), tolerance)


def test_xgboost_margins_are_bit_identical():
    X, score = data()
    model = XGBClassifier(n_estimators=60, max_depth=4).fit(X, np.digitize(score, [-0.5, 0.5]))
    engine = engine_for(model)
    mine = engine._final.margin(engine._prepare(X))
    assert mine.dtype == np.float32
    assert np.array_equal(mine, model.predict(X, output_margin=True))


def test_early_stopping_uses_the_best_iteration_as_predict_does():
    X, score = data()
    y = (score > 0.3).astype(int)
    xgb = XGBClassifier(n_estimators=300, early_stopping_rounds=5, max_depth=6, learning_rate=0.5)
    xgb.fit(X[:2000], y[:2000], eval_set=[(X[2000:], y[2000:])], verbose=False)
    assert xgb.best_iteration < 299
    assert_same(xgb, X, FLOAT32_TOLERANCE)
    import lightgbm

    lgb = LGBMClassifier(n_estimators=300, learning_rate=0.5, verbose=-1)
    lgb.fit(X[:2000], y[:2000], eval_set=[(X[2000:], y[2000:])], callbacks=[lightgbm.early_stopping(5, verbose=False)])
    assert 0 < lgb.best_iteration_ < 300
    assert_same(lgb, X, TOLERANCE)


@pytest.mark.parametrize("make, words", [
    (lambda: XGBClassifier(n_estimators=5, booster="gblinear"), "booster 'gblinear' is not portable"),
    (lambda: LGBMClassifier(n_estimators=5, boosting_type="rf", bagging_freq=1, bagging_fraction=0.5, verbose=-1),
     "random-forest mode is not portable"),
    (lambda: LGBMClassifier(n_estimators=5, objective="multiclassova", verbose=-1), "objective 'multiclassova'"),
])
def test_what_the_engine_does_not_run_is_refused_with_the_reason(make, words):
    X, score = data(600)
    y = np.digitize(score, [-0.5, 0.5]) if "multiclassova" in words else (score > 0.3).astype(int)
    with pytest.raises(NotPortable, match=words):
        engine_for(make().fit(X, y))


def test_categorical_splits_are_refused_with_the_reason():
    import pandas as pd

    X, score = data(800)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(N_FEATURES)])
    frame["f4"] = pd.Categorical(np.where(score > 0, "hot", "cold"))
    model = XGBClassifier(n_estimators=5, enable_categorical=True, tree_method="hist").fit(frame, (score > 0.3).astype(int))
    with pytest.raises(NotPortable, match="categorical splits"):
        engine_for(model)
