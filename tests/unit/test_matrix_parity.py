"""Both our engines (portable and scikit-learn) against scikit-learn's own predict/predict_proba on a
matrix of small pipelines (tests/support/pipeline_matrix.py), fitted on arrays and on DataFrames,
and the reference comparison itself: strict, and calling the estimator unmodified."""

from __future__ import annotations

import numpy as np
import pytest

from build_scripts.reference import compare, load_estimator, sklearn_answer, spec_of, tolerance_for
from py_pipeline import load_model

from ..support.parity import all_models, assert_same_predictions
from ..support.pipeline_matrix import MATRIX, NOT_PORTABLE

SHIPPED = {f"{m.name}@{m.version}": m for m in all_models()}


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_matrix_pipeline_matches_scikit_learn(matrix, key):
    directory, rows = matrix[key]
    theirs = sklearn_answer(directory, rows)
    engines = ["sklearn"] if key in NOT_PORTABLE else ["portable", "sklearn"]
    for engine in engines:
        model = load_model(directory, engine=engine)
        assert model.engine.name == engine
        assert_same_predictions(model.predict(rows), theirs, tolerance_for(spec_of(directory)))
    no_proba = "linear_svc" in key or "no_proba" in key  # SVMs without probability=True: neither has its export
    assert ("probabilities" in theirs) == (not no_proba and MATRIX[key][2] == "classification")


@pytest.mark.parametrize("key", ["cancer_fixed_threshold", "cancer_svc_probability"])
def test_matrix_holds_classifiers_whose_labels_are_not_the_argmax(matrix, key):
    """The trap the matrix sets: an engine that took argmax(predict_proba) would fail here."""
    directory, rows = matrix[key]
    estimator = load_estimator(directory)
    X = np.asarray(rows, dtype=np.float64)
    argmax = np.asarray(estimator.classes_)[np.argmax(estimator.predict_proba(X), axis=1)]
    assert (argmax != estimator.predict(X)).sum() > 0
    shortcut = {**sklearn_answer(directory, rows), "predictions": argmax.tolist()}
    same, why, _ = compare(shortcut, sklearn_answer(directory, rows))
    assert not same and "predicted labels differ from scikit-learn" in why


def test_reference_calls_the_estimator_unmodified(matrix):
    """sklearn_answer is the estimator's own answer, not our engine's."""
    directory, rows = matrix["cancer_fixed_threshold"]
    estimator = load_estimator(directory)
    X = np.asarray(rows, dtype=np.float64)
    answer = sklearn_answer(directory, rows)
    assert answer["predictions"] == estimator.predict(X).tolist()
    assert answer["probabilities"] == estimator.predict_proba(X).tolist()


@pytest.mark.parametrize("ours, words", [
    ({"predictions": ["a"], "classes": ["a", "b"]}, "probabilities are missing"),
    ({"predictions": ["a"], "classes": ["b", "a"], "probabilities": [[0.5, 0.5]]}, "classes"),
    ({"predictions": ["a", "a"], "classes": ["a", "b"], "probabilities": [[0.5, 0.5]]}, "2 predictions for 1 rows"),
    ({"predictions": ["b"], "classes": ["a", "b"], "probabilities": [[0.5, 0.5]]}, "1 of 1 predicted labels"),
    ({"predictions": ["a"], "classes": ["a", "b"], "probabilities": [[0.5]]}, "1 probabilities in a row"),
    ({"predictions": ["a"], "classes": ["a", "b"], "probabilities": []}, "probabilities for 0 rows"),
    ({"predictions": ["a"], "classes": ["a", "b"], "probabilities": [[0.5 + 1e-8, 0.5]]}, "probabilities differ"),
])
def test_compare_is_strict(ours, words):
    theirs = {"predictions": ["a"], "classes": ["a", "b"], "probabilities": [[0.5, 0.5]]}
    same, why, _ = compare(ours, theirs)
    assert not same and words in why
    assert compare({**theirs, "probabilities": [[0.5 + 1e-12, 0.5]]}, theirs)[0]


def test_compare_regression_values_within_tolerance():
    assert compare({"predictions": [1.0 + 1e-12]}, {"predictions": [1.0]})[0]
    same, why, _ = compare({"predictions": [1.001]}, {"predictions": [1.0]})
    assert not same and "values differ" in why
