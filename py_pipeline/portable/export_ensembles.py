"""Exporters of k-nearest neighbours and of ensembles over portable members (build time, needs
scikit-learn). ``export.EXPORTERS`` lists them; ``neighbours.py`` and ``ensembles.py`` run them."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .spec_parts import Buffer, NotPortable, _classes, _name, spec_nodes

#: The distances the portable engine computes as scikit-learn's metric objects do.
METRICS = ("euclidean", "manhattan", "chebyshev", "minkowski")


def _knn(est: Any, buf: Buffer) -> dict[str, Any]:
    """KNeighborsClassifier and KNeighborsRegressor: the training set, its labels or values, k,
    the metric and the weights. Brute-force euclidean distance weights are refused: scikit-learn
    computes those distances through a matrix product whose rounding differs by platform, and a
    row on a training point would get a huge weight there and an exact one here."""
    from sklearn.base import is_classifier

    metric = est.effective_metric_
    params = {k: v for k, v in (est.effective_metric_params_ or {}).items() if not (k == "w" and v is None)}
    if not isinstance(metric, str) or metric not in METRICS or set(params) - {"p"}:
        raise NotPortable(f"{_name(est)}(metric={est.metric!r}) is not portable; the euclidean, manhattan, "
                          "chebyshev and minkowski metrics are")
    if est.weights not in ("uniform", "distance"):
        raise NotPortable(f"{_name(est)} with a weights function is not portable; 'uniform' and 'distance' are")
    gemm = est._fit_method == "brute" and metric == "euclidean"
    if gemm and est.weights == "distance":
        raise NotPortable(f"{_name(est)}(weights='distance') searched by brute force is not portable: scikit-learn's "
                          "euclidean distances there come from a matrix product whose rounding the portable engine "
                          "cannot reproduce; fit it with algorithm='kd_tree' or 'ball_tree' (same neighbours)")
    X = np.asarray(est._fit_X, dtype=np.float64)
    node = {"op": "knn", "train": buf.put(X), "k": int(est.n_neighbors), "metric": metric,
            "p": {"euclidean": 2.0, "manhattan": 1.0, "chebyshev": None}.get(metric, float(params.get("p", est.p))),
            "weights": est.weights, "gemm": gemm}
    if est._fit_method in ("kd_tree", "ball_tree"):  # its walk decides ties at the k-th place
        _, order, nodes, bounds = est._tree.get_arrays()
        node["tree"] = {"kind": est._fit_method, "order": buf.put(order, "<i8"),
                        "start": buf.put(nodes["idx_start"], "<i8"), "end": buf.put(nodes["idx_end"], "<i8"),
                        "leaf": buf.put(nodes["is_leaf"], "<i8"), "radius": buf.put(nodes["radius"]),
                        "bounds": buf.put(bounds)}
    if is_classifier(est):
        if getattr(est, "outputs_2d_", False):
            raise NotPortable(f"{_name(est)} has several outputs; only single-output models are portable")
        return {**node, "kind": "neighbours", "classes": _classes(est), "y": buf.put(est._y, "<i8")}
    return {**node, "kind": "regression", "y": buf.put(np.asarray(est._y, dtype=np.float64).reshape(-1))}


def training_rows(spec: dict[str, Any]) -> int:
    """How many training rows the spec's k-neighbours carry (every visitor downloads them)."""
    return sum(spec["arrays"][node["train"]]["shape"][0] for node in spec_nodes(spec) if node.get("op") == "knn")


def _member(est: Any, buf: Buffer, method: str = "predict", **extra: Any) -> dict[str, Any]:
    """A member of an ensemble: a small pipeline of its own, and the method the ensemble calls."""
    from .export import _estimator, _split, _step

    if not hasattr(est, method):
        raise NotPortable(f"{_name(est)} has no {method}")
    steps, final = _split(est)
    return {"transforms": [_step(s, buf) for s in steps], "estimator": _estimator(final, buf), "method": method,
            **extra}


def _kind(est: Any) -> str:
    from sklearn.base import is_classifier

    return "ensemble" if is_classifier(est) else "regression"


def _voting(est: Any, buf: Buffer) -> dict[str, Any]:
    """VotingClassifier and VotingRegressor (dropped members are not in ``estimators_``)."""
    soft = getattr(est, "voting", None) == "soft"
    members = [_member(m, buf, "predict_proba" if soft else "predict") for m in est.estimators_]
    weights = est._weights_not_none
    return {"op": "voting", "kind": _kind(est), "classes": _classes(est), "voting": getattr(est, "voting", None),
            "members": members, "weights": None if weights is None else [float(w) for w in weights]}


def _stacking(est: Any, buf: Buffer) -> dict[str, Any]:
    """StackingClassifier and StackingRegressor: each member by its ``stack_method_``."""
    members = [_member(m, buf, method) for m, method in zip(est.estimators_, est.stack_method_) if m != "drop"]
    return {"op": "stacking", "kind": _kind(est), "classes": _classes(est), "members": members,
            "final": _member(est.final_estimator_, buf), "passthrough": bool(est.passthrough)}


def _bagging(est: Any, buf: Buffer) -> dict[str, Any]:
    """BaggingClassifier and BaggingRegressor: each member with the columns it was fitted on (by
    ``predict_proba`` where the member has it, else by its votes)."""
    members = [_member(m, buf, "predict_proba" if hasattr(m, "predict_proba") and _kind(est) != "regression"
                       else "predict", features=[int(f) for f in cols])
               for m, cols in zip(est.estimators_, est.estimators_features_)]
    return {"op": "bagging", "kind": _kind(est), "classes": _classes(est), "members": members,
            "n_estimators": int(est.n_estimators)}


def _adaboost(est: Any, buf: Buffer) -> dict[str, Any]:
    """AdaBoostClassifier with the SAMME algorithm (the only one since scikit-learn 1.6)."""
    if getattr(est, "algorithm", "SAMME") not in ("SAMME", "deprecated"):
        raise NotPortable(f"{_name(est)}(algorithm={est.algorithm!r}) is not portable; fit it with "
                          "algorithm='SAMME' (the only one scikit-learn 1.6 and later keep)")
    if len(est.classes_) < 2:
        raise NotPortable(f"{_name(est)} fitted on one class is not portable")
    weights = np.asarray(est.estimator_weights_, dtype=np.float64)
    return {"op": "adaboost", "kind": "ensemble", "classes": _classes(est),
            "members": [_member(m, buf) for m in est.estimators_],
            "weights": [float(w) for w in weights[:len(est.estimators_)]], "weight_sum": float(weights.sum())}


#: Rows of ``export.EXPORTERS``: (module, class, role, how to export a fitted one).
ENSEMBLES: list[tuple[str, str, str, Callable[[Any, Buffer], dict[str, Any]]]] = [
    ("sklearn.neighbors", "KNeighborsClassifier", "estimator", _knn),
    ("sklearn.neighbors", "KNeighborsRegressor", "estimator", _knn),
    ("sklearn.ensemble", "VotingClassifier", "estimator", _voting),
    ("sklearn.ensemble", "VotingRegressor", "estimator", _voting),
    ("sklearn.ensemble", "StackingClassifier", "estimator", _stacking),
    ("sklearn.ensemble", "StackingRegressor", "estimator", _stacking),
    ("sklearn.ensemble", "BaggingClassifier", "estimator", _bagging),
    ("sklearn.ensemble", "BaggingRegressor", "estimator", _bagging),
    ("sklearn.ensemble", "AdaBoostClassifier", "estimator", _adaboost),
]
