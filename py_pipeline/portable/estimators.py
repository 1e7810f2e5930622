"""Final estimators of a portable spec: labels by the rule the estimator's own ``predict``
uses, probabilities as its ``predict_proba`` computes them. Only numpy is imported."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .trees import boosted_sum, forest_from_arrays, mean_of_trees

Arrays = dict[str, np.ndarray]


def expit(x: np.ndarray) -> np.ndarray:
    """The logistic function, stable for large |x| (scipy.special.expit's two branches)."""
    out = np.empty_like(x, dtype=np.float64)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def softmax(x: np.ndarray) -> np.ndarray:
    """scikit-learn's softmax: subtract the row maximum, exponentiate, divide by the row sum."""
    x = x - x.max(axis=1, keepdims=True)
    np.exp(x, out=x)
    x /= x.sum(axis=1, keepdims=True)
    return x


def _two_columns(p: np.ndarray) -> np.ndarray:
    proba = np.empty((len(p), 2), dtype=np.float64)
    proba[:, 1] = p
    proba[:, 0] = 1 - proba[:, 1]
    return proba


class Estimator:
    """A final estimator: ``scores(X)`` plus the rules that turn scores into answers."""

    def __init__(self, node: dict[str, Any], arrays: Arrays, scores: Callable[[np.ndarray], np.ndarray]) -> None:
        self.kind = node["kind"]          # how labels and probabilities follow from the scores
        self.scores = scores
        classes = node.get("classes")
        self.classes = None if classes is None else np.asarray(classes)
        self.link = node.get("link", "identity")

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.classify(X)[0]

    def classify(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(labels or values, probabilities or None), each from one pass over the scores."""
        s = self.scores(X)
        kind = self.kind
        if kind == "regression":
            values = s[:, 0] if s.ndim == 2 else s
            return (np.exp(values) if self.link == "log" else values), None
        if kind == "proba":  # trees and forests: predict is the argmax of predict_proba
            return self.classes[np.argmax(s, axis=1)], s
        # decision scores: linear models and boosting
        binary = s.ndim == 1 or s.shape[1] == 1
        d = s.ravel() if binary else s
        if kind == "linear_ovr":
            if binary:
                proba = _two_columns(expit(d))
            else:
                proba = expit(d)
                proba /= proba.sum(axis=1).reshape((proba.shape[0], -1))
        elif binary:  # multinomial logistic regression on two classes, boosting: expit of the score
            proba = softmax(np.c_[-d, d]) if kind == "linear_softmax" else _two_columns(expit(d))
        else:
            proba = softmax(d.copy())
        if binary:
            # LogisticRegression and HistGradientBoosting take score > 0; GradientBoosting >= 0
            positive = d >= 0 if kind == "boosting_ge" else d > 0
            return self.classes[positive.astype(np.intp)], proba
        return self.classes[np.argmax(d, axis=1)], proba


def linear(node: dict[str, Any], arrays: Arrays) -> Estimator:
    coef, intercept = arrays[node["coef"]], arrays[node["intercept"]]

    def scores(X: np.ndarray) -> np.ndarray:
        return np.asarray(X, dtype=np.float64) @ coef.T + intercept

    return Estimator(node, arrays, scores)


def forest(node: dict[str, Any], arrays: Arrays) -> Estimator:
    trees = forest_from_arrays(arrays, node["trees"])
    columns = np.ascontiguousarray(arrays[node["values"]].T)  # one row per output
    return Estimator(node, arrays, lambda X: mean_of_trees(trees, columns, X))


def boosting(node: dict[str, Any], arrays: Arrays) -> Estimator:
    trees, values = forest_from_arrays(arrays, node["trees"]), arrays[node["values"]]
    start, scale = arrays[node["start"]], float(node["scale"])
    if len(trees.roots) % len(start):
        raise ValueError("portable spec: boosting trees do not fill whole stages")
    return Estimator(node, arrays, lambda X: boosted_sum(trees, values, scale, start, X))


BUILDERS: dict[str, Callable[[dict[str, Any], Arrays], Estimator]] = {
    "linear": linear, "forest": forest, "boosting": boosting,
}


def build(node: dict[str, Any], arrays: Arrays) -> Estimator:
    """The estimator for the spec's final node."""
    op = node.get("op")
    if op not in BUILDERS:
        raise ValueError(f"portable spec: unknown estimator {op!r}")
    return BUILDERS[op](node, arrays)
