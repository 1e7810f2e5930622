"""``Model.explain`` (issue 31): contributions in the user's own features, additive to the model's
output for every row; a category's one-hot columns add up to its line; a column computed from
several features is a line of its own naming them; validation and errors as ``predict``'s; models
that cannot be explained say why, with a catalogued code."""

from __future__ import annotations

import numpy as np
import pytest

from py_pipeline import load_model
from py_pipeline.errors import ExplanationUnavailable, InvalidInput
from py_pipeline.portable.provenance import final_columns


def explained(matrix, key, n=40, engine="portable"):
    directory, rows = matrix[key]
    model = load_model(directory, engine=engine)
    return model, rows[:n], model.explain(rows[:n], columns=True)


def test_a_forest_on_a_data_frame_explains_in_its_own_features_and_adds_up(matrix):
    model, rows, answer = explained(matrix, "frame_random_forest_missing")
    assert answer["output"] == "probability" and answer["outputs"] == model.manifest.classes
    assert answer["features"] == list(model.manifest.schema.names) and answer["derived"] == []
    contributions = np.asarray(answer["contributions"])
    proba = np.asarray(model.predict(rows)["probabilities"])
    assert np.abs(np.asarray(answer["base_values"]) + contributions.sum(axis=1) - proba).max() <= 1e-9
    # the product type's one-hot columns add up to its line
    columns = np.asarray(answer["column_contributions"])
    where = model.manifest.schema.names.index("product_type")
    one_hot = [c for c, s in enumerate(final_columns(model.engine.spec)) if s == frozenset([where])]
    assert len(one_hot) >= 3
    assert np.allclose(contributions[:, where], columns[:, one_hot].sum(axis=1), atol=1e-12)


def test_a_column_from_several_features_is_a_line_of_its_own(matrix):
    model, rows, answer = explained(matrix, "machine_column_transformer_gb")
    names = [d["name"] for d in answer["derived"]]
    assert names, answer["features"]
    assert all(len(d["from"]) > 1 for d in answer["derived"])
    assert answer["features"] == list(model.manifest.schema.names) + names
    assert answer["output"] == "margin"
    raw = model.engine._final.scores(model.engine._prepare(model.manifest.schema.validate(rows)))
    total = np.asarray(answer["base_values"]) + np.asarray(answer["contributions"]).sum(axis=1)
    assert np.abs(total - raw).max() <= 1e-9


def test_boosters_explain_their_margin(matrix):
    model, rows, answer = explained(matrix, "frame_lightgbm_multiclass")
    assert answer["output"] == "margin" and answer["outputs"] == model.manifest.classes
    raw = model.engine._final.raw(model.engine._prepare(model.manifest.schema.validate(rows)))
    assert np.abs(np.asarray(answer["base_values"]) + np.asarray(answer["contributions"]).sum(axis=1) - raw).max() <= 1e-9


def test_rows_are_validated_as_for_predict(matrix):
    model, rows, _ = explained(matrix, "wine_random_forest", n=2)
    bad = [list(rows[0]), ["not a number"] + list(rows[1][1:])]
    with pytest.raises(InvalidInput) as explain_error:
        model.explain(bad)
    with pytest.raises(InvalidInput) as predict_error:
        model.predict(bad)
    assert explain_error.value.to_dict() == predict_error.value.to_dict()


@pytest.mark.parametrize("key, engine, words", [
    ("frame_svc_rbf_no_proba", "portable", "an? svm estimator has no exact explanation"),
    ("wine_random_forest", "sklearn", "runs on the scikit-learn engine"),
])
def test_what_cannot_be_explained_says_why_and_still_predicts(matrix, key, engine, words):
    directory, rows = matrix[key]
    model = load_model(directory, engine=engine)
    with pytest.raises(ExplanationUnavailable, match=words) as caught:
        model.explain(rows[:2])
    assert caught.value.code == "explanation_unavailable"
    assert len(model.predict(rows[:2])["predictions"]) == 2
