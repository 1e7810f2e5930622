"""Ensembles on the portable engine: voting, stacking, bagging and AdaBoost over portable members,
each combining its members' answers as scikit-learn's own ``predict`` and ``predict_proba`` do.
A member is its own small pipeline (preprocessing steps, then an estimator). Only numpy is imported.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from . import estimators, transforms
from .estimators import Arrays, Estimator, softmax
from .boosters import LightGBM, XGBoost
from .neighbours import Neighbours


class Member:
    """One member: its preprocessing, its estimator, and the method the ensemble calls on it."""

    def __init__(self, node: dict[str, Any], arrays: Arrays) -> None:
        self.transform = transforms.build({"op": "pipeline", "steps": node["transforms"]}, arrays)
        self.estimator = estimators.build(node["estimator"], arrays)
        self.method = node.get("method", "predict")
        features = node.get("features")
        self.features = None if features is None else np.asarray(features, dtype=np.intp)

    def __call__(self, X: np.ndarray, method: str | None = None) -> np.ndarray:
        if self.features is not None:  # bagging: the member saw only these columns
            X = X[:, self.features]
        return self.estimator.output(self.transform(X), method or self.method)

    @property
    def classes(self) -> np.ndarray | None:
        return self.estimator.classes


class Ensemble(Estimator):
    """An estimator whose answer combines its members'; subclasses say how."""

    def __init__(self, node: dict[str, Any], arrays: Arrays) -> None:
        super().__init__(node, arrays, self._no_scores)
        self.node = node
        self.members = [Member(m, arrays) for m in node["members"]]
        weights = node.get("weights")
        self.weights = None if weights is None else np.asarray(weights, dtype=np.float64)

    def _no_scores(self, X: np.ndarray) -> np.ndarray:
        raise ValueError(f"portable spec: a {self.node['op']} ensemble has no decision_function")


class Voting(Ensemble):
    """VotingClassifier (hard: the weighted count of labels; soft: the weighted mean of
    probabilities) and VotingRegressor (the weighted mean of values)."""

    def classify(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        if self.kind == "regression":
            values = np.asarray([m(X) for m in self.members]).T
            return np.average(values, axis=1, weights=self.weights), None
        if self.node["voting"] == "soft":
            proba = np.average(np.asarray([m(X, "predict_proba") for m in self.members]), axis=0,
                               weights=self.weights)
            return self.classes[np.argmax(proba, axis=1)], proba
        # members were fitted on the classes' positions: their labels are 0 .. n-1
        votes = np.asarray([m(X) for m in self.members]).T.astype(np.intp)
        counts = np.zeros((len(votes), len(self.classes)))
        weights = np.ones(len(self.members)) if self.weights is None else self.weights
        for i, w in enumerate(weights):  # np.bincount(row, weights) row by row, as one sum per class
            counts[np.arange(len(votes)), votes[:, i]] += w
        return self.classes[np.argmax(counts, axis=1)], None


class Stacking(Ensemble):
    """StackingClassifier and StackingRegressor: the final estimator on the members' outputs (a
    binary classifier's probabilities without their first column), the input after them when
    ``passthrough``."""

    def __init__(self, node: dict[str, Any], arrays: Arrays) -> None:
        super().__init__(node, arrays)
        self.final = Member(node["final"], arrays)

    def meta(self, X: np.ndarray) -> np.ndarray:
        columns = []
        for member in self.members:
            out = np.asarray(member(X))
            if out.ndim == 1:
                columns.append(out.reshape(-1, 1))
            elif member.method == "predict_proba" and self.classes is not None and len(self.classes) == 2:
                columns.append(out[:, 1:])
            else:
                columns.append(out)
        if self.node["passthrough"]:
            columns.append(np.asarray(X, dtype=np.float64))
        return np.hstack(columns)

    def classify(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        meta = self.meta(X)
        labels, proba = self.final.estimator.classify(self.final.transform(meta))
        if self.kind == "regression":
            return labels, None
        # the final estimator answers with the classes' positions
        return self.classes[np.asarray(labels).astype(np.intp)], proba


class Bagging(Ensemble):
    """BaggingClassifier (the mean of members' probabilities, or of their votes for members
    without ``predict_proba``, over the columns each saw) and BaggingRegressor (the mean value)."""

    def classify(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        if self.kind == "regression":
            total = np.zeros(len(X))
            for m in self.members:
                total = total + m(X)
            return total / self.node["n_estimators"], None
        proba = np.zeros((len(X), len(self.classes)))
        rows = np.arange(len(X))
        for m in self.members:
            if m.method == "predict_proba":
                seen = m.classes.astype(np.intp)  # fitted on the classes' positions
                if len(seen) == len(self.classes):
                    proba += m(X)
                else:
                    proba[:, seen] += m(X)[:, range(len(seen))]
            else:
                proba[rows, np.asarray(m(X)).astype(np.intp)] += 1
        proba = proba / self.node["n_estimators"]
        return self.classes[np.argmax(proba, axis=1)], proba


class AdaBoost(Ensemble):
    """AdaBoostClassifier (SAMME): each member's label adds its weight to that class and takes
    weight/(n-1) from the others; probabilities are the softmax of the decision over n-1."""

    def decision(self, X: np.ndarray) -> np.ndarray:
        classes = self.classes[:, np.newaxis]
        n = len(self.classes)
        pred = sum(np.where((m(X) == classes).T, w, -1 / (n - 1) * w) for m, w in zip(self.members, self.weights))
        pred /= float(self.node["weight_sum"])
        if n == 2:
            pred[:, 0] *= -1
            return pred.sum(axis=1)
        return pred

    def classify(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        decision = self.decision(X)
        n = len(self.classes)
        if n == 2:
            labels = self.classes.take(decision > 0, axis=0)
            return labels, softmax(np.vstack([-decision, decision]).T / 2)
        labels = self.classes.take(np.argmax(decision, axis=1), axis=0)
        return labels, softmax(decision / (n - 1))


BUILDERS: dict[str, Callable[[dict[str, Any], Arrays], Estimator]] = {
    "voting": Voting, "stacking": Stacking, "bagging": Bagging, "adaboost": AdaBoost, "knn": Neighbours,
    "lightgbm": LightGBM, "xgboost": XGBoost,
}
