"""LightGBM and XGBoost on the portable engine: the trees through ``trees.Forest``, the leaves
summed and turned into answers as each library's own ``predict`` and ``predict_proba`` do (see
``export_boosters.py`` for the arithmetic each reproduces). Only numpy is imported."""

from __future__ import annotations

from typing import Any

import numpy as np

from .estimators import Arrays, Estimator, softmax
from .trees import boosted_sum, forest_from_arrays

F32 = np.float32
#: LightGBM's kZeroThreshold, a float: 1e-35f
ZERO = float(np.float32(1e-35))


class LightGBM(Estimator):
    """LGBMClassifier and LGBMRegressor: leaves summed in float64, tree after tree."""

    def __init__(self, node: dict[str, Any], arrays: Arrays) -> None:
        super().__init__(node, arrays, self.raw)
        self.node = node
        self.forest = forest_from_arrays(arrays, node["trees"])
        self.values = arrays[node["values"]]
        self.start = np.zeros(int(node["outputs"]))
        self.zero_missing = np.asarray(node["zero_missing"], dtype=np.intp)

    def raw(self, X: np.ndarray) -> np.ndarray:
        X = np.array(X, dtype=np.float64)
        # LightGBM reads a dense row's values within kZeroThreshold (1e-35f) of zero as zero
        X[np.abs(X) <= ZERO] = 0.0
        if len(self.zero_missing):  # missing_type "Zero": zeros are missing, as NaN is
            part = X[:, self.zero_missing]
            part[part == 0.0] = np.nan
            X[:, self.zero_missing] = part
        return boosted_sum(self.forest, self.values, 1.0, self.start, X)

    def classify(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        raw = self.raw(X)
        link = self.node["link"]
        if self.kind == "regression":
            return (np.exp(raw[:, 0]) if link == "exp" else 1.0 / (1.0 + np.exp(-raw[:, 0])) if link == "sigmoid"
                    else raw[:, 0]), None
        if link == "sigmoid":  # the booster's 1 / (1 + exp(-s x)); predict_proba stacks 1 - p and p
            p = 1.0 / (1.0 + np.exp(-self.node["sigmoid"] * raw[:, 0]))
            proba = np.empty((len(p), 2))
            proba[:, 0] = 1.0 - p
            proba[:, 1] = p
        else:
            proba = softmax(raw)
        return self.classes[np.argmax(proba, axis=1)], proba


def _expf(x: np.ndarray) -> np.ndarray:
    """A correctly rounded float32 exp (XGBoost's own can be about two units off)."""
    return np.exp(x.astype(np.float64)).astype(F32)


class XGBoost(Estimator):
    """XGBClassifier and XGBRegressor: float32 leaves added to a float32 margin, tree after tree."""

    def __init__(self, node: dict[str, Any], arrays: Arrays) -> None:
        super().__init__(node, arrays, self.margin)
        self.node = node
        self.forest = forest_from_arrays(arrays, node["trees"])
        self.values = np.asarray(arrays[node["values"]], dtype=F32)
        self.groups = np.asarray(arrays[node["groups"]], dtype=np.intp)
        self.start = np.asarray(arrays[node["start"]], dtype=F32)
        self.by_group = [np.flatnonzero(self.groups == g) for g in range(len(self.start))]

    def margin(self, X: np.ndarray) -> np.ndarray:
        def combine(leaves: np.ndarray) -> np.ndarray:
            out = np.empty((len(self.start), leaves.shape[1]), dtype=F32)
            steps = self.values[leaves]  # (trees, rows), float32
            for g, trees in enumerate(self.by_group):
                # start, then each tree's leaf, added in tree order: a reduction over the first
                # axis adds row after row (no pairwise summation), in float32
                stacked = np.empty((len(trees) + 1, leaves.shape[1]), dtype=F32)
                stacked[0] = self.start[g]
                stacked[1:] = steps[trees]
                out[g] = np.add.reduce(stacked, axis=0)
            return out.T

        return self.forest.each_chunk(np.asarray(X, dtype=np.float64), combine)

    def classify(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        margin = self.margin(X)
        link = self.node["link"]
        if link in ("sigmoid", "exp", "identity") and self.kind == "regression":
            m = margin[:, 0]
            return (_expf(m) if link == "exp" else F32(1) / (_expf(-m) + F32(1)) if link == "sigmoid" else m), None
        if link == "sigmoid":  # binary:logistic; predict_proba stacks 1 - p and p (float32)
            p = F32(1) / (_expf(-margin[:, 0]) + F32(1))
            proba = np.stack([F32(1) - p, p], axis=1)
            return self.classes[(p > 0.5).astype(np.intp)], proba
        if link == "softmax":  # multi:softprob: exp(m - max) in float32, their sum in float64
            e = _expf(margin - margin.max(axis=1, keepdims=True))
            total = np.zeros(len(e))
            for column in e.T:
                total += column
            proba = e / total.astype(F32)[:, None]
            return self.classes[np.argmax(proba, axis=1)], proba
        # multi:softmax: the label is the first largest margin; predict_proba is scipy's softmax
        e = np.exp(margin - margin.max(axis=1, keepdims=True))
        return self.classes[np.argmax(margin, axis=1)], e / e.sum(axis=1, keepdims=True)
