"""Pinned model quality: floors on every shipped model's held-out metrics, recomputed from the
artifact with scikit-learn; and golden cases with the answers a build must keep giving."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.dummy import DummyClassifier
from sklearn.pipeline import Pipeline

from build_scripts.golden import read_golden
from build_scripts.recipes import _machine
from build_scripts.recipes.machine_failure import LABELS

from ..support.parity import all_models, estimator, reference

# Floors a little under what the recipes reach today (see each manifest's "metrics"): a model
# that answers the majority class, or loses a failure mode, falls below them.
FLOORS = {
    "iris@1.0.0": {"accuracy": 0.92},
    "machine_failure@1.0.0": {"accuracy": 0.975, "f1": 0.75, "roc_auc": 0.95},
    "machine_failure@1.1.0": {"accuracy": 0.975, "f1": 0.75, "roc_auc": 0.94},
    "machine_failure_heavy@1.0.0": {"accuracy": 0.975, "f1": 0.68, "roc_auc": 0.93},
    "failure_type@1.0.0": {"accuracy": 0.98, "f1_macro": 0.6, "roc_auc_ovr_macro": 0.85},
}
SHIPPED = {f"{m.name}@{m.version}": m for m in all_models()}


def test_every_shipped_model_has_floors():
    assert sorted(SHIPPED) == sorted(FLOORS)


def below(metrics: dict, floors: dict) -> dict:
    return {k: (metrics.get(k), floor) for k, floor in floors.items() if not metrics.get(k, -1) >= floor}


@pytest.fixture(scope="module")
def held_out():
    """The machine models' held-out split, regenerated exactly as the recipes made it."""
    data = _machine.table()
    return {target: _machine.split(data, y)[1::2] for target, y in
            (("machine_failure", LABELS[data.machine_failure.astype(int)]), ("failure_type", data.failure_type))}


@pytest.mark.parametrize("key", sorted(k for k in FLOORS if not k.startswith("iris")))
def test_held_out_metrics_recomputed_from_the_artifact_meet_the_floors(held_out, key):
    manifest = SHIPPED[key]
    X_test, y_test = held_out["failure_type" if manifest.name == "failure_type" else "machine_failure"]
    positive = "failure" if manifest.task == "classification" and "failure" in manifest.classes else None
    recomputed = _machine.metrics(estimator(manifest), X_test, y_test, positive=positive)
    assert recomputed == manifest.extra["metrics"], "the manifest's metrics are not the artifact's"
    assert below(recomputed, FLOORS[key]) == {}


def test_iris_meets_its_floor():
    manifest = SHIPPED["iris@1.0.0"]
    assert below(manifest.extra["metrics"], FLOORS["iris@1.0.0"]) == {}
    data = load_iris()  # the shipped model is refitted on all 150 flowers: check it on them too
    predicted = estimator(manifest).predict(data.data)
    assert np.mean(predicted == np.asarray(data.target_names)[data.target]) >= 0.96


def test_a_majority_class_model_fails_the_floors(held_out):
    """The floors can fail: a model that always answers "no_failure" (96% of the rows) is caught."""
    X_test, y_test = held_out["machine_failure"]
    dummy = Pipeline([("features", _machine.preprocessing()),
                      ("classify", DummyClassifier(strategy="prior"))]).fit(X_test, y_test)
    metrics = _machine.metrics(dummy, X_test, y_test, positive="failure")
    assert metrics["accuracy"] > 0.95  # accuracy alone would let it through
    assert set(below(metrics, FLOORS["machine_failure@1.1.0"])) == {"accuracy", "f1", "roc_auc"}


CASES = [(key, i) for key, m in SHIPPED.items() for i, _ in enumerate(read_golden(m.name)["cases"])]


def test_every_model_has_golden_cases_with_truths():
    for manifest in SHIPPED.values():
        cases = read_golden(manifest.name)["cases"]
        assert len(cases) >= 6, manifest.name
        truths = {case["truth"] for case in cases if case["truth"] is not None}
        assert len(truths) == len(manifest.classes) - (manifest.name == "failure_type") * 2  # TWF, RNF: chance
        assert all(manifest.version in case["expected"] for case in cases)


@pytest.mark.parametrize("key, i", CASES)
def test_golden_case_answers_are_kept(key, i):
    manifest = SHIPPED[key]
    case = read_golden(manifest.name)["cases"][i]
    expected = case["expected"][manifest.version]
    answer = reference(manifest, [case["row"]])
    assert answer["predictions"] == [expected["label"]], case["why"]
    if case["truth"] is not None:
        assert expected["label"] == case["truth"], case["why"]
    got = dict(zip(answer["classes"], answer["probabilities"][0]))
    assert got.keys() == expected["probabilities"].keys()
    for label, p in expected["probabilities"].items():
        assert abs(got[label] - p) <= 1e-6, (case["why"], label, got[label], p)
