"""Typical ranges are not limits (py_pipeline/feature.py, schema.py, model.py): a value outside its
feature's typical range is scored, and the answer flags it (an out_of_range warning naming the row
and field); only limits reject, and a number the pipeline one-hot encodes takes only its values."""

from __future__ import annotations

import numpy as np
import pytest

from py_pipeline import Feature, InvalidInput, Schema
from py_pipeline.errors import InvalidBundle
from py_pipeline.problems import Locator

SCHEMA = Schema((Feature("area", unit="m2", typical_minimum=20, typical_maximum=250),
                 Feature("sex", type="integer", values=(1.0, 2.0)),
                 Feature("age", minimum=0, maximum=120, typical_minimum=18, typical_maximum=80)))


def test_values_outside_the_typical_range_pass_and_are_flagged_row_by_row():
    rows = [[300.0, 1, 30.0], [100.0, 2, 90.0], [10.0, 2, 85.0]] * 5  # 15 rows: the column path
    for batch in (rows, rows[:3]):  # the column path and the row path alike
        X = SCHEMA.validate(batch)
        found, total = SCHEMA.warnings(X)
        assert total == len(batch) // 3 * 4
        first = found[0]
        assert (first.code, first.row, first.field) == ("out_of_range", 1, "area")
        assert first.message() == "row 1, field 'area': expected typically 20 to 250 m2, got 300, outside it"
        assert [(p.row, p.field) for p in found[:4]] == [(1, "area"), (2, "age"), (3, "area"), (3, "age")]
    found, total = SCHEMA.warnings(SCHEMA.validate(rows), Locator(41, (5,) * 15), most=2)
    assert total == 20 and len(found) == 2 and (found[0].row, found[0].line) == (41, 5)


@pytest.mark.parametrize("rows, words", [
    ([[100.0, 1.5, 30.0]] * 15, "field 'sex': expected one of 1, 2, got 1.5 (15 problems"),
    ([[100.0, 3, 30.0]], "field 'sex': expected one of 1, 2, got 3"),
    ([[100.0, 1, 130.0]], "field 'age': expected a number between 0 and 120, got 130.0, above the maximum"),
])
def test_limits_and_fitted_values_still_reject(rows, words):
    with pytest.raises(InvalidInput) as caught:
        SCHEMA.validate(rows)
    assert words in caught.value.message


def test_a_number_with_fitted_values_takes_only_those():
    schema = Schema((Feature("rate", values=(0.5, 1.0)),))
    assert schema.validate([[0.5], [1.0]]).tolist() == [[0.5], [1.0]]
    with pytest.raises(InvalidInput, match="expected one of 0.5, 1, got 0.7, not one of the values the model was fitted"):
        schema.validate([[0.7]])


def test_a_missing_value_is_never_atypical():
    schema = Schema((Feature("x", typical_minimum=0, typical_maximum=1, missing=True),))
    assert schema.warnings(schema.validate([[None], [0.5], [2.0]])) [1] == 1


def test_the_schema_round_trips_and_refuses_bad_values():
    assert Schema.from_list(SCHEMA.to_list()) == SCHEMA
    assert SCHEMA.to_list()[1] == {"name": "sex", "type": "integer", "values": [1.0, 2.0]}
    with pytest.raises(InvalidBundle, match="'values' must list the numbers"):
        Schema.from_list([{"name": "sex", "type": "category", "categories": ["a"], "values": [1]}])
    with pytest.raises(InvalidBundle, match="'typical_maximum' must be a finite number"):
        Schema.from_list([{"name": "x", "typical_maximum": "high"}])


def test_an_answer_carries_its_warnings():
    from sklearn.linear_model import LinearRegression

    from py_pipeline.engines import SklearnEngine
    from py_pipeline.bundle import Manifest
    from py_pipeline.model import Model

    X = np.array([[100.0, 1, 30.0], [200.0, 2, 50.0], [50.0, 1, 70.0]])
    engine = SklearnEngine(LinearRegression().fit(X, [1.0, 2.0, 3.0]))
    manifest = Manifest("m", "1", "regression", SCHEMA, None, {}, "model.joblib", "0" * 64, 1, "2026-01-01T00:00:00Z")
    answer = Model(manifest, engine).predict([[300.0, 1, 30.0], [100.0, 2, 40.0]])
    assert len(answer["predictions"]) == 2 and answer["warning_count"] == 1
    assert answer["warnings"][0]["code"] == "out_of_range" and answer["warnings"][0]["row"] == 1
    assert "warnings" not in Model(manifest, engine).predict([[100.0, 2, 40.0]])
