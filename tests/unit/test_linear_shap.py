"""Exact linear SHAP on the portable engine (issue 31): a linear model's contributions are
``coef * (x - training mean)`` per column the estimator reads, equal to ``shap.LinearExplainer``'s
with the transformed training rows as background, within 1e-9; every row adds up to the
margin (or value); the mean survives a re-export without training rows; naive Bayes and a
linear model exported without its training rows say why they are not explained."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from build_scripts.export import export_bundle
from build_scripts.reference import load_estimator
from py_pipeline import load_model
from py_pipeline.errors import ExplanationUnavailable

shap = pytest.importorskip("shap")

LINEAR = ["iris_logistic_multinomial", "cancer_logistic_binary", "wine_linear_svc_no_proba", "diabetes_ridge",
          "diabetes_polynomial_linear", "diabetes_interactions_ridge", "frame_linear_svc_binary",
          "diabetes_linear_svr", "frame_sgd_log_loss", "cancer_sgd_modified_huber", "wine_perceptron_no_proba",
          "cancer_ridge_classifier_no_proba", "diabetes_sgd_regressor", "wine_passive_aggressive_no_proba",
          "frame_value_steps_logistic"]


@pytest.mark.parametrize("key", LINEAR)
def test_contributions_equal_shap_linear_explainer_and_add_up(matrix, key):
    directory, rows = matrix[key]
    model = load_model(directory, engine="portable")
    X = model.manifest.schema.validate(rows[:60])
    phi, base = model.engine.explain_columns(X)
    margin = np.asarray(model.engine._final.scores(model.engine._prepare(X)), dtype=np.float64).reshape(len(X), -1)
    assert np.abs(base + phi.sum(axis=1) - margin).max() <= 1e-9 * max(1.0, np.abs(margin).max())
    estimator = load_estimator(directory)
    final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    background = model.engine._prepare(model.manifest.schema.validate(rows))  # every training row
    explainer = shap.LinearExplainer(final, shap.maskers.Independent(background, max_samples=len(background)))
    theirs = np.asarray(explainer.shap_values(model.engine._prepare(X)))
    if theirs.ndim == 2:
        theirs = theirs[:, :, None]
    assert theirs.shape == phi.shape
    assert np.abs(phi - theirs).max() <= 1e-9 * max(1.0, np.abs(theirs).max())
    assert np.abs(base - np.atleast_1d(explainer.expected_value)).max() <= 1e-9 * max(1.0, np.abs(base).max())


def test_a_reexport_without_training_rows_keeps_the_mean(matrix, tmp_path):
    directory, rows = matrix["cancer_logistic_binary"]
    copy = shutil.copytree(directory, tmp_path / "cancer" / "1.0.0")
    before = load_model(copy, engine="portable").explain(rows[:3])
    assert export_bundle(copy)["portable"] is True
    assert load_model(copy, engine="portable").explain(rows[:3]) == before


def test_a_linear_model_exported_without_training_rows_says_why(matrix, tmp_path):
    directory, rows = matrix["diabetes_ridge"]
    copy = shutil.copytree(directory, tmp_path / "ridge" / "1.0.0")
    for name in ("portable.json", "portable.bin"):
        (copy / name).unlink()
    export_bundle(copy)  # no earlier export, no training rows
    model = load_model(copy, engine="portable")
    with pytest.raises(ExplanationUnavailable, match="exported without its training rows"):
        model.explain(rows[:2])
    assert len(model.predict(rows[:2])["predictions"]) == 2


def test_naive_bayes_says_it_is_not_explained(matrix):
    directory, rows = matrix["wine_multinomial_nb"]
    with pytest.raises(ExplanationUnavailable, match="naive Bayes estimator has no exact explanation"):
        load_model(directory, engine="portable").explain(rows[:2])
