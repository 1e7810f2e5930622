"""Contributions of the final estimator's input columns (after the preprocessing steps), exact
and additive: ``base + contributions.sum(columns)`` is the estimator's output for each row, in
scikit-learn's own output space (probabilities for trees and forests, the raw margin for
boosting and linear classifiers, the value for regressors).

- Tree ensembles: path-dependent TreeSHAP (``treeshap.py``) over the node covers the export stores.
- Linear models: exact linear SHAP against the training mean of each column (``mean``, stored at
  export from the training rows or an import's sample): ``coef * (x - mean)``, the base value
  ``coef @ mean + intercept``. It is what ``shap.LinearExplainer`` computes with that mean as its
  background (features taken as independent).

Other estimators are not explained yet (``Unexplained`` says why). Only numpy."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from . import treeshap

Arrays = dict[str, np.ndarray]
#: (rows, columns) -> (contributions (rows, columns, outputs), base values (outputs,))
Explain = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


#: The final estimators explained exactly: tree ensembles (path-dependent TreeSHAP) and linear models.
TREES = ("forest", "boosting", "lightgbm", "xgboost")
#: Linear kinds whose scores are a margin (naive Bayes' ``log_proba`` scores are a joint likelihood).
LINEAR_MARGINS = ("regression", "linear_ovr", "linear_softmax", "decision", "modified_huber")


class Unexplained(Exception):
    """The final estimator has no exact explanation here; the message says why."""


def why_not(node: dict[str, Any]) -> str | None:
    """Why the final estimator ``node`` of a spec cannot be explained, or None when it can."""
    op = node.get("op")
    if op in TREES:
        if "cover" not in node["trees"]:
            return "the model was exported before node covers were stored: export it again"
        return None
    if op == "linear" and node.get("kind") in LINEAR_MARGINS:
        if "mean" not in node:
            return ("a linear model is explained against its training mean, and this one was exported without "
                    "its training rows: export it again from its recipe or import it with --sample")
        return None
    if op == "linear":
        return "a naive Bayes estimator has no exact explanation in the portable engine yet"
    return f"a {op} estimator has no exact explanation in the portable engine yet"


def _tree_of_nodes(roots: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    return np.searchsorted(roots, nodes, side="right") - 1


def explainer(node: dict[str, Any], arrays: Arrays, final: Any) -> Explain:
    """How to explain the final estimator of a spec (built once, on the first explanation);
    ``final``: the estimator as ``estimators.build`` made it (tree ensembles: its ``forest``)."""
    reason = why_not(node)
    if reason is not None:
        raise Unexplained(reason)
    if node["op"] == "linear":
        return _linear(node, arrays)
    return _trees(node, arrays, final.forest)


def _linear(node: dict[str, Any], arrays: Arrays) -> Explain:
    coef = np.atleast_2d(np.asarray(arrays[node["coef"]], dtype=np.float64))  # (outputs, columns)
    mean = np.asarray(arrays[node["mean"]], dtype=np.float64)
    base = coef @ mean + np.asarray(arrays[node["intercept"]], dtype=np.float64)

    def explain(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        X = np.asarray(X, dtype=np.float64)
        return (X - mean)[:, :, None] * coef.T[None, :, :], base

    return explain


def _trees(node: dict[str, Any], arrays: Arrays, forest: Any) -> Explain:
    op = node["op"]
    paths = treeshap.Paths(forest, np.asarray(arrays[node["trees"]["cover"]], dtype=np.float64))
    values = np.asarray(arrays[node["values"]], dtype=np.float64)
    if op == "forest":  # the mean of the trees' outputs (probabilities or values)
        leaf_values = values[paths.leaves] / len(forest.roots)
        start = np.zeros(leaf_values.shape[1])
    else:  # boosting: a start, then each tree adds to one output column (trees stage by stage)
        outputs = int(node.get("outputs", len(arrays[node["start"]]) if "start" in node else 1))
        if op == "xgboost":
            tree = np.asarray(arrays[node["groups"]], dtype=np.intp)[_tree_of_nodes(forest.roots, paths.leaves)]
        else:
            tree = _tree_of_nodes(forest.roots, paths.leaves) % outputs
        leaf_values = np.zeros((len(paths.leaves), outputs))
        leaf_values[np.arange(len(paths.leaves)), tree] = values[paths.leaves] * float(node.get("scale", 1.0))
        start = np.asarray(arrays[node["start"]], dtype=np.float64) if "start" in node else np.zeros(outputs)
    base = start + treeshap.expected_value(paths, leaf_values)

    def explain(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        X = np.asarray(X, dtype=np.float64)
        return treeshap.contributions(paths, leaf_values, X, X.shape[1]), base

    return explain
