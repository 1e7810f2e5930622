"""Exporters of LightGBM and XGBoost models (build time; needs the library that fitted them):
their trees as the portable engine's flattened node arrays, read from the library's own model
dump, and what turns the summed leaves into answers. ``boosters.py`` runs them.

LightGBM compares a float64 feature with a float64 threshold (``x <= t`` goes left) and sums
leaves in float64; XGBoost compares float32 features with float32 thresholds (``x < t`` goes
left) and sums leaves in float32, tree after tree. Both are reproduced exactly; only XGBoost's
float32 sigmoid and softmax use its own vectorised ``expf``, which can differ from a correctly
rounded one by about two float32 units (probabilities within 1e-6).
"""

from __future__ import annotations

import json
from typing import Any, Callable

import numpy as np

from .spec_parts import Buffer, NotPortable, _classes, _name

#: LightGBM objectives and how their raw score becomes the answer.
LIGHTGBM_LINKS = {"binary": "sigmoid", "multiclass": "softmax", "cross_entropy": "sigmoid", "regression": "identity",
                  "regression_l1": "identity", "huber": "identity", "fair": "identity", "quantile": "identity",
                  "mape": "identity", "poisson": "exp", "gamma": "exp", "tweedie": "exp"}
#: XGBoost objectives, their link, and how base_score becomes the starting margin.
XGBOOST_LINKS = {"binary:logistic": ("sigmoid", "logit"), "reg:logistic": ("sigmoid", "logit"),
                 "multi:softprob": ("softmax", "raw"), "multi:softmax": ("argmax", "raw"),
                 "reg:squarederror": ("identity", "raw"), "reg:absoluteerror": ("identity", "raw"),
                 "reg:pseudohubererror": ("identity", "raw"), "reg:squaredlogerror": ("identity", "raw"),
                 "count:poisson": ("exp", "log"), "reg:gamma": ("exp", "log"), "reg:tweedie": ("exp", "log")}


def _flat(trees: list[dict[str, np.ndarray]], float32_inputs: bool, buf: Buffer) -> dict[str, Any]:
    from .export import _flatten

    spec, _ = _flatten(trees, float32_inputs, buf)
    return spec


def _lightgbm(est: Any, buf: Buffer) -> dict[str, Any]:
    """LGBMClassifier and LGBMRegressor: ``booster_.dump_model()`` (which, like ``predict``, stops
    at the best iteration when early stopping found one)."""
    dump = est.booster_.dump_model()
    objective, *params = dump["objective"].split()
    link = LIGHTGBM_LINKS.get(objective)
    if link is None or dump.get("average_output"):
        what = "random-forest mode" if dump.get("average_output") else f"objective {objective!r}"
        raise NotPortable(f"{_name(est)} with {what} is not portable")
    if est.booster_.params.get("linear_tree"):
        raise NotPortable(f"{_name(est)} with linear trees is not portable")
    trees, values, zero_missing = [], [], set()
    for info in dump["tree_info"]:
        tree, leaf_values = _lightgbm_tree(info["tree_structure"], zero_missing, est)
        trees.append(tree)
        values.append(leaf_values)
    k = int(dump["num_tree_per_iteration"])
    sigmoid = next((float(p.split(":")[1]) for p in params if p.startswith("sigmoid:")), 1.0)
    node = {"op": "lightgbm", "trees": _flat(trees, False, buf), "values": buf.put(np.concatenate(values)),
            "outputs": k, "link": link, "sigmoid": sigmoid, "zero_missing": sorted(zero_missing)}
    if link == "softmax" or (link == "sigmoid" and objective == "binary"):
        return {**node, "kind": "booster", "classes": _classes(est)}
    return {**node, "kind": "regression"}


def _lightgbm_tree(root: dict[str, Any], zero_missing: set[int], est: Any) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """One LightGBM tree, numbered parent before children; NaN routed as LightGBM routes it."""
    rows: list[list[Any]] = []  # feature, threshold, left, right, is_leaf, missing_left, value, cover

    def add(node: dict[str, Any]) -> int:
        i = len(rows)
        cover = node.get("leaf_count", node.get("internal_count", 0))
        rows.append([0, np.inf, -1, -1, "leaf_value" in node, 0, float(node.get("leaf_value", 0.0)), cover])
        if "leaf_value" in node:
            return i
        if node["decision_type"] != "<=":
            raise NotPortable(f"{_name(est)} has categorical splits, which the portable engine does not run yet; "
                              "it keeps the library on the server")
        feature, threshold, missing = int(node["split_feature"]), float(node["threshold"]), node["missing_type"]
        if missing == "None":  # NaN is read as 0.0, then compared
            goes_left = 0.0 <= threshold
        else:  # "NaN", or "Zero" (NaN and zeros are missing: zeros become NaN first)
            goes_left = bool(node["default_left"])
            if missing == "Zero":
                zero_missing.add(feature)
        rows[i][0:2], rows[i][5] = [feature, threshold], int(goes_left)
        rows[i][2] = add(node["left_child"])
        rows[i][3] = add(node["right_child"])
        return i

    add(root)
    columns = list(zip(*rows))
    tree = {"feature": np.asarray(columns[0], dtype=np.int64), "threshold": np.asarray(columns[1], dtype=np.float64),
            "left": np.asarray(columns[2], dtype=np.int64), "right": np.asarray(columns[3], dtype=np.int64),
            "is_leaf": np.asarray(columns[4], dtype=bool), "missing_left": np.asarray(columns[5], dtype=np.uint8),
            "cover": np.asarray(columns[7], dtype=np.float64)}
    return tree, np.asarray(columns[6], dtype=np.float64)


def _xgboost(est: Any, buf: Buffer) -> dict[str, Any]:
    """XGBClassifier and XGBRegressor (tree boosters): the booster's JSON model, up to the best
    iteration when early stopping found one (as ``predict`` does)."""
    booster = est.get_booster()
    model = json.loads(booster.save_raw("json"))
    learner = model["learner"]
    objective = learner["objective"]["name"]
    gbm = learner["gradient_booster"]
    if gbm["name"] != "gbtree":
        raise NotPortable(f"{_name(est)} with booster {gbm['name']!r} is not portable; 'gbtree' is")
    if objective not in XGBOOST_LINKS:
        raise NotPortable(f"{_name(est)} with objective {objective!r} is not portable")
    link, start_from = XGBOOST_LINKS[objective]
    trees_json, groups = gbm["model"]["trees"], gbm["model"]["tree_info"]
    best = getattr(est, "best_iteration", None)
    if best is not None:  # predict's iteration_range: the trees of iterations 0 .. best
        end = gbm["model"]["iteration_indptr"][best + 1]
        trees_json, groups = trees_json[:end], groups[:end]
    trees, values = [], []
    for t in trees_json:
        if any(t["split_type"]):
            raise NotPortable(f"{_name(est)} has categorical splits, which the portable engine does not run yet; "
                              "it keeps the library on the server")
        left = np.asarray(t["left_children"], dtype=np.int64)
        cond = np.asarray(t["split_conditions"], dtype=np.float64).astype(np.float32)
        # x < t goes left; for float32 x that is x <= the float32 just below t
        below = np.nextafter(cond, np.float32(-np.inf)).astype(np.float64)
        trees.append({"feature": np.asarray(t["split_indices"], dtype=np.int64), "threshold": below, "left": left,
                      "right": np.asarray(t["right_children"], dtype=np.int64), "is_leaf": left == -1,
                      "missing_left": np.asarray(t["default_left"], dtype=np.uint8),
                      # stored as float32: read back exactly (JSON prints the shortest decimal)
                      "cover": np.asarray(t["sum_hessian"], dtype=np.float64).astype(np.float32)})
        values.append(np.where(left == -1, cond, np.float32(0)))
    outputs = max(int(learner["learner_model_param"]["num_class"]), 1)
    if sorted(set(groups)) != list(range(outputs)) and groups:
        raise NotPortable(f"{_name(est)} has trees for outputs the portable engine does not read")
    base = np.asarray(json.loads(learner["learner_model_param"]["base_score"]), dtype=np.float64).reshape(-1)
    start = _xgboost_start(base.astype(np.float32), start_from, outputs)
    node = {"op": "xgboost", "trees": _flat(trees, True, buf), "values": buf.put(np.concatenate(values), "<f4"),
            "groups": buf.put(np.asarray(groups, dtype=np.int64), "<i8"), "start": buf.put(start, "<f4"),
            "link": link}
    if link in ("softmax", "argmax") or objective == "binary:logistic":
        return {**node, "kind": "booster", "classes": _classes(est)}
    return {**node, "kind": "regression"}


def _xgboost_start(base: np.ndarray, how: str, outputs: int) -> np.ndarray:
    """The starting margin from ``base_score``, in float32 as XGBoost computes it."""
    one = np.float32(1)
    if how == "logit":  # ProbToMargin: -logf(1/b - 1)
        margin = (-np.log((one / base - one).astype(np.float64))).astype(np.float32)
    elif how == "log":
        margin = np.log(base.astype(np.float64)).astype(np.float32)
    else:
        margin = base
    return np.broadcast_to(margin, (outputs,)).astype(np.float32) if margin.size == 1 else margin


#: Rows of ``export.EXPORTERS``: (module, class, role, how to export a fitted one).
BOOSTERS: list[tuple[str, str, str, Callable[[Any, Buffer], dict[str, Any]]]] = [
    ("lightgbm", "LGBMClassifier", "estimator", _lightgbm),
    ("lightgbm", "LGBMRegressor", "estimator", _lightgbm),
    ("xgboost", "XGBClassifier", "estimator", _xgboost),
    ("xgboost", "XGBRegressor", "estimator", _xgboost),
]
