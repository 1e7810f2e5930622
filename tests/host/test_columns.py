"""The bridge's column path with a shipped model (iris): answers written into the page's buffer
equal predict's JSON, and a batch that does not fit writes nothing (tests/unit/test_columns.py
holds the encoder's cases)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from py_pipeline import bridge

def call_bridge(directory, rows, k):
    numbers = np.ascontiguousarray(np.array(rows, dtype=np.float64).T)
    meta = json.dumps({"rows": len(rows), "kind": "arrays", "values": []})
    out = np.full(len(rows) * (1 + k), -7.0)
    return json.loads(bridge.predict_columns(str(directory), meta, numbers.tobytes(), b"", out)), out


@pytest.mark.parametrize("n", [3, 30])  # the row path below COLUMN_PATH_ROWS, numpy above
def test_the_bridge_writes_answers_that_match_predict(iris_dir, n):
    """predict_columns writes class indices and row-major probabilities equal to predict's JSON."""
    rows = ([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5]] * 10)[:n]
    answer, out = call_bridge(iris_dir, rows, 3)
    plain = json.loads(bridge.predict(str(iris_dir), json.dumps(rows)))["result"]
    result = answer["result"]
    assert result["probabilities"] is True
    assert [result["classes"][int(i)] for i in out[:n]] == plain["predictions"]
    assert out[n:].reshape(n, 3).tolist() == plain["probabilities"]


def test_the_bridge_reports_invalid_batches_and_writes_nothing(iris_dir):
    answer, out = call_bridge(iris_dir, [[-1.0, 3.5, 1.4, 0.2]], 3)
    error = answer["error"]
    assert (out == -7.0).all()
    assert error["code"] == "invalid_input" and "row 1, field 'sepal_length_cm'" in error["message"]
