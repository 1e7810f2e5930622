"""Golden inputs shared by the runtime and browser tiers: every iris flower, the schema's
range limits, and bad rows whose errors must match across backends."""

from __future__ import annotations

import itertools

from sklearn.datasets import load_iris

IRIS_NAMES = ["sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"]


def golden_rows() -> list[list[float]]:
    """150 real flowers plus corners of the allowed ranges (0 and the maxima)."""
    rows = load_iris().data.tolist()
    limits = [(0, 15), (0, 10), (0, 15), (0, 10)]
    rows.extend(list(corner) for corner in itertools.product(*limits))
    rows.append([2.5, 1.3, 4.0, 0.8])
    return rows


BAD_ROW_SETS = [
    [[1, 2, 3]],
    [["5.1", 3.5, 1.4, 0.2]],
    [[None, 3.5, 1.4, 0.2]],
    [{"sepal_length_cm": 5.1, "colour": "red"}],
    [[5.1, 3.5, 1.4, 0.2], [-1, 3.5, 99, 0.2]],
    [],
    "rows",
]


def assert_same_predictions(ours: dict, reference: dict, tolerance: float = 1e-9) -> float:
    """Labels identical, probabilities within ``tolerance``; returns the largest difference."""
    assert ours["predictions"] == reference["predictions"]
    assert ours["classes"] == reference["classes"]
    worst = 0.0
    for a_row, b_row in zip(ours["probabilities"], reference["probabilities"], strict=True):
        for a, b in zip(a_row, b_row, strict=True):
            worst = max(worst, abs(a - b))
    assert worst <= tolerance, f"probabilities differ by {worst}"
    return worst
