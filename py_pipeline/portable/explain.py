"""Contributions of the final estimator's input columns (after the preprocessing steps), exact
and additive: ``base + contributions.sum(columns)`` is the estimator's output for each row, in
scikit-learn's own output space (probabilities for trees and forests, the raw margin for
boosting). Tree ensembles by path-dependent TreeSHAP (``treeshap.py``) over the node covers the
export stores; other estimators are not explained yet (``Unexplained`` says why). Only numpy."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from . import treeshap

Arrays = dict[str, np.ndarray]
#: (rows, columns) -> (contributions (rows, columns, outputs), base values (outputs,))
Explain = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


#: The final estimators explained exactly (path-dependent TreeSHAP).
EXPLAINED = ("forest", "boosting", "lightgbm", "xgboost")


class Unexplained(Exception):
    """The final estimator has no exact explanation here; the message says why."""


def _tree_of_nodes(roots: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    return np.searchsorted(roots, nodes, side="right") - 1


def explainer(node: dict[str, Any], arrays: Arrays, forest: Any) -> Explain:
    """How to explain the final estimator of a spec (built once, on the first explanation);
    ``forest``: its trees, as the estimator built them."""
    op = node.get("op")
    if op not in EXPLAINED:
        raise Unexplained(f"a {op} estimator has no exact explanation in the portable engine yet")
    if "cover" not in node["trees"]:
        raise Unexplained("the model was exported before node covers were stored: export it again")
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
