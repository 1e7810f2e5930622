"""Export a fitted scikit-learn pipeline into a portable spec (build time; needs scikit-learn).

:func:`export` walks the pipeline and writes, for each step it knows, the fitted numbers the
numpy evaluator needs. Anything else raises :class:`NotPortable` with the reason, and the
model keeps the scikit-learn engine.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import numpy as np

from ..schema import Schema, schema_rows
from .engine import ARRAYS_FILE, FORMAT
from .export_boosters import BOOSTERS
from .export_ensembles import ENSEMBLES
from .explain import LINEAR_MARGINS
from .export_families import FAMILIES, _linear, _logistic
from .spec_parts import Buffer, NotPortable, _classes, _jsonable, _name
from .user_steps import REGISTERED, function_name

__all__ = ["Buffer", "EXPORTERS", "NotPortable", "covered", "export"]


def _categories(cats: Any) -> dict[str, Any]:
    """A fitted category list as JSON: the values, and whether NaN (missing) was one of them."""
    values = list(np.asarray(cats, dtype=object))
    nan = bool(values) and isinstance(values[-1], float) and values[-1] != values[-1]
    if nan or (values and values[-1] is None):
        values = values[:-1]
        nan = True
    return {"values": _jsonable(values), "nan": nan}


# --- preprocessing steps -----------------------------------------------------------------

def _step(est: Any, buf: Buffer) -> dict[str, Any]:
    if est is None or (isinstance(est, str) and est == "passthrough"):
        return {"op": "passthrough"}
    if callable(getattr(est, "portable_step", None)):
        return _portable_step(est, buf)
    export_step = _exporter(est, "step")
    if export_step is None:
        raise NotPortable(f"{_name(est)} is not one of the steps the portable engine knows")
    return export_step(est, buf)


def _function_transformer(est: Any, buf: Buffer) -> dict[str, Any]:
    if est.func is None:
        return {"op": "passthrough"}
    return _registered_call(est.func, dict(est.kw_args or {}), est, f"FunctionTransformer({function_name(est.func)})", buf)


def _portable_step(est: Any, buf: Buffer) -> dict[str, Any]:
    """A transformer of the :class:`~py_pipeline.portable.user_steps.PortableStep` protocol."""
    try:
        fn, state = est.portable_step()
    except Exception as exc:  # the user's code: its failure is a reason, not a crash
        raise NotPortable(f"{_name(est)}.portable_step() failed: {type(exc).__name__}: {exc}") from None
    return _registered_call(fn, dict(state), est, f"{_name(est)}.portable_step()", buf)


def _registered_call(fn: Any, kwargs: dict[str, Any], est: Any, what: str, buf: Buffer) -> dict[str, Any]:
    """A ``function`` node: a registered function, its JSON arguments and its array arguments (put in
    the buffer), and where each output column comes from."""
    name = function_name(fn)
    registered = REGISTERED.get(name)
    if registered is None or registered.function is not fn:
        raise NotPortable(f"{what} calls {name}, which is not registered for the portable engine: decorate it "
                          "with @py_pipeline.portable.portable_function in a module of a feature package")
    json_args: dict[str, Any] = {}
    array_args: dict[str, str] = {}
    for key, value in kwargs.items():
        if isinstance(value, np.ndarray) and value.dtype.kind in "fiub":
            array_args[key] = buf.put(value, {"f": "<f8", "i": "<i8", "u": "<i8", "b": "|b1"}[value.dtype.kind])
            continue
        value = value.item() if isinstance(value, np.generic) else value
        try:
            same = json.loads(json.dumps(value)) == value
        except (TypeError, ValueError):
            same = False
        if not same:
            raise NotPortable(f"{what}: argument {key!r} is {type(value).__name__}, not a number array or plain JSON")
        json_args[key] = value
    n_inputs = getattr(est, "n_features_in_", None)
    try:
        sources = registered.sources_for(int(n_inputs)) if n_inputs is not None else None
    except Exception as exc:
        raise NotPortable(f"{what}: its sources could not be listed: {type(exc).__name__}: {exc}") from None
    module = getattr(fn, "__module__", None) or "numpy"
    return {"op": "function", "name": name, "module": module, "kw_args": json_args, "array_args": array_args,
            "sources": sources}


def _column_transformer(ct: Any, buf: Buffer) -> dict[str, Any]:
    parts = []
    indices = ct._transformer_to_input_indices
    for name, trans, _ in ct.transformers_:
        cols = list(indices.get(name, []))
        if (isinstance(trans, str) and trans == "drop") or not cols:
            continue
        parts.append({"name": name, "columns": [int(c) for c in cols], "step": _step(trans, buf)})
    return {"op": "columns", "parts": parts}


def _imputer(est: Any) -> dict[str, Any]:
    if not (isinstance(est.missing_values, float) and est.missing_values != est.missing_values) \
            and est.missing_values is not None:
        raise NotPortable(f"SimpleImputer(missing_values={est.missing_values!r}): only NaN/None is portable")
    stats = np.asarray(est.statistics_, dtype=object)
    numeric = np.asarray(est.statistics_).dtype.kind in "fiu"
    if numeric:
        stats_f = np.asarray(est.statistics_, dtype=np.float64)
        keep = np.arange(len(stats_f)) if est.keep_empty_features else np.flatnonzero(~np.isnan(stats_f))
        fill = [float(v) for v in stats_f[keep]]
    else:
        keep = np.asarray([i for i, v in enumerate(stats) if v is not None and v == v]) \
            if not est.keep_empty_features else np.arange(len(stats))
        fill = _jsonable(stats[keep]) if len(keep) else []
    indicator = None
    if est.add_indicator:
        indicator = [int(i) for i in est.indicator_.features_]
    return {"op": "simple_imputer", "fill": fill, "keep": [int(k) for k in keep], "numeric": numeric,
            "indicator": indicator}


def _one_hot(est: Any) -> dict[str, Any]:
    if getattr(est, "_infrequent_enabled", False):
        raise NotPortable("OneHotEncoder with infrequent categories is not portable")
    if est.handle_unknown not in ("error", "ignore"):
        raise NotPortable(f"OneHotEncoder(handle_unknown={est.handle_unknown!r}) is not portable")
    drop = None
    if est.drop_idx_ is not None:
        drop = [None if d is None else int(d) for d in est.drop_idx_]
    return {"op": "one_hot", "categories": [_categories(c) for c in est.categories_], "drop": drop,
            "handle_unknown": est.handle_unknown, "dtype": np.dtype(est.dtype).str}


def _ordinal(est: Any) -> dict[str, Any]:
    if getattr(est, "_infrequent_enabled", False):
        raise NotPortable("OrdinalEncoder with infrequent categories is not portable")
    unknown = float(est.unknown_value) if est.handle_unknown == "use_encoded_value" else None
    return {"op": "ordinal", "categories": [_categories(c) for c in est.categories_], "unknown_value": unknown,
            "missing_value": float(est.encoded_missing_value), "dtype": np.dtype(est.dtype).str}


# --- final estimators --------------------------------------------------------------------

def _estimator(est: Any, buf: Buffer) -> dict[str, Any]:
    from sklearn.base import is_classifier

    # an MLP classifier has one output per class; its label binarizer says whether it is multilabel
    outputs = 1 if is_classifier(est) and hasattr(est, "_label_binarizer") else getattr(est, "n_outputs_", 1)
    if outputs != 1 or (is_classifier(est) and np.ndim(est.classes_) != 1):
        raise NotPortable(f"{_name(est)} has several outputs; only single-output models are portable")
    export_estimator = _exporter(est, "estimator")
    if export_estimator is None:
        raise NotPortable(f"{_name(est)} is not one of the estimators the portable engine knows")
    return export_estimator(est, buf)


def _flatten(trees: list[dict[str, np.ndarray]], float32_inputs: bool, buf: Buffer) -> tuple[dict[str, Any], list]:
    """Concatenate node arrays of several trees; children become global indices, leaves point at themselves."""
    feature, threshold, left, right, missing_left, roots, leaf_ids = [], [], [], [], [], [], []
    offset, depth = 0, 0
    for t in trees:
        n = len(t["left"])
        is_leaf = t["is_leaf"]
        ids = np.arange(n) + offset
        feature.append(np.where(is_leaf, 0, t["feature"]))
        threshold.append(np.where(is_leaf, np.inf, t["threshold"]))
        left.append(np.where(is_leaf, ids, t["left"] + offset))
        right.append(np.where(is_leaf, ids, t["right"] + offset))
        missing_left.append(t["missing_left"])
        roots.append(offset)
        leaf_ids.append(ids)
        depth = max(depth, _depth(t["left"], t["right"], is_leaf))
        offset += n
    spec = {"feature": buf.put(np.concatenate(feature), "<i4"), "threshold": buf.put(np.concatenate(threshold)),
            "left": buf.put(np.concatenate(left), "<i4"), "right": buf.put(np.concatenate(right), "<i4"),
            "missing_left": buf.put(np.concatenate(missing_left), "|u1"), "roots": buf.put(roots, "<i4"),
            "depth": depth, "float32_inputs": float32_inputs}
    if trees and all("cover" in t for t in trees):  # what TreeSHAP weighs each node by
        cover = np.concatenate([np.asarray(t["cover"], dtype=np.float64) for t in trees])
        # counts (no sample weights) are exact in float32: half the bytes every visitor downloads
        exact32 = bool(np.all(cover.astype(np.float32).astype(np.float64) == cover))
        spec["cover"] = buf.put(cover, "<f4" if exact32 else "<f8")
    return spec, leaf_ids


def _depth(left: np.ndarray, right: np.ndarray, is_leaf: np.ndarray) -> int:
    depth = np.zeros(len(left), dtype=np.intp)
    for node in range(len(left)):  # scikit-learn numbers children after their parent
        if not is_leaf[node]:
            depth[left[node]] = depth[right[node]] = depth[node] + 1
    return int(depth.max())


def _sk_tree(tree: Any) -> dict[str, np.ndarray]:
    t = tree.tree_
    nodes = t.__getstate__()["nodes"]
    return {"left": t.children_left.astype(np.int64), "right": t.children_right.astype(np.int64),
            "feature": t.feature.astype(np.int64), "threshold": t.threshold.astype(np.float64),
            "is_leaf": t.children_left == -1, "missing_left": nodes["missing_go_to_left"].astype(np.uint8),
            "cover": t.weighted_n_node_samples}


def _forest(trees: list[Any], est: Any, buf: Buffer) -> dict[str, Any]:
    from sklearn.base import is_classifier

    spec, _ = _flatten([_sk_tree(t) for t in trees], True, buf)
    if is_classifier(est):
        values = np.concatenate([t.tree_.value[:, 0, :len(est.classes_)] for t in trees])
        return {"op": "forest", "kind": "proba", "classes": _classes(est), "trees": spec, "values": buf.put(values)}
    values = np.concatenate([t.tree_.value[:, 0, :1] for t in trees])
    return {"op": "forest", "kind": "regression", "trees": spec, "values": buf.put(values)}


def _gradient_boosting(est: Any, buf: Buffer) -> dict[str, Any]:
    from sklearn.base import is_classifier
    from sklearn.dummy import DummyClassifier, DummyRegressor

    if not (isinstance(est.init_, (DummyClassifier, DummyRegressor)) or est.init_ == "zero"):
        raise NotPortable(f"{_name(est)} with init={_name(est.init_)} is not portable (its start is not constant)")
    classifier = is_classifier(est)
    if classifier and est.loss != "log_loss":
        raise NotPortable(f"{_name(est)}(loss={est.loss!r}) is not portable; log_loss is")
    start = est._raw_predict_init(np.zeros((1, est.n_features_in_)))[0]
    stages = est.estimators_  # (n_stages, K)
    trees = [stages[i, k] for i in range(stages.shape[0]) for k in range(stages.shape[1])]
    spec, _ = _flatten([_sk_tree(t) for t in trees], True, buf)
    values = np.concatenate([t.tree_.value[:, 0, 0] for t in trees])
    out = {"op": "boosting", "kind": "boosting_ge" if classifier else "regression", "trees": spec,
           "values": buf.put(values), "scale": float(est.learning_rate),
           "start": buf.put(np.asarray(start, dtype=np.float64))}
    if classifier:
        out["classes"] = _classes(est)
    return out


def _hist_gradient_boosting(est: Any, buf: Buffer) -> dict[str, Any]:
    from sklearn.base import is_classifier

    if getattr(est, "_preprocessor", None) is not None or (est.is_categorical_ is not None and est.is_categorical_.any()):
        raise NotPortable(f"{_name(est)} with native categorical features is not portable")
    classifier = is_classifier(est)
    link = type(est._loss.link).__name__
    if classifier and type(est._loss).__name__ not in ("HalfBinomialLoss", "HalfMultinomialLoss"):
        raise NotPortable(f"{_name(est)} with loss {type(est._loss).__name__} is not portable")
    if not classifier and link not in ("IdentityLink", "LogLink"):
        raise NotPortable(f"{_name(est)} with link {link} is not portable")
    trees = []
    for predictors in est._predictors:  # stage by stage, one tree per score column
        for p in predictors:
            n = p.nodes
            trees.append({"left": n["left"].astype(np.int64), "right": n["right"].astype(np.int64),
                          "feature": n["feature_idx"].astype(np.int64), "threshold": n["num_threshold"],
                          "is_leaf": n["is_leaf"].astype(bool), "missing_left": n["missing_go_to_left"],
                          "cover": n["count"]})
    spec, _ = _flatten(trees, False, buf)
    values = np.concatenate([p.nodes["value"] for predictors in est._predictors for p in predictors])
    out = {"op": "boosting", "kind": "boosting_gt" if classifier else "regression", "trees": spec,
           "values": buf.put(values), "scale": 1.0,
           "start": buf.put(np.asarray(est._baseline_prediction, dtype=np.float64).reshape(-1)),
           "link": "log" if link == "LogLink" else "identity"}
    if classifier:
        out["classes"] = _classes(est)
    return out


# --- the one table ----------------------------------------------------------------------

#: Every step and final estimator the portable engine runs: (module, class, role, how to export a
#: fitted one). A step matches its class or a subclass (a Pipeline, a ColumnTransformer), an
#: estimator or a scaler its exact class (a subclass may change what fit computes). The README's
#: list of covered estimators is written from it (``covered``).
EXPORTERS: list[tuple[str, str, str, Callable[[Any, Buffer], dict[str, Any]]]] = [
    ("sklearn.pipeline", "Pipeline", "step", lambda est, buf: {"op": "pipeline",
                                                               "steps": [_step(s, buf) for _, s in est.steps]}),
    ("sklearn.compose", "ColumnTransformer", "step", lambda est, buf: _column_transformer(est, buf)),
    ("sklearn.preprocessing", "FunctionTransformer", "step", lambda est, buf: _function_transformer(est, buf)),
    ("sklearn.preprocessing", "StandardScaler", "exact step",
     lambda est, buf: {"op": "center_scale", "center": buf.put(est.mean_) if est.with_mean else None,
                       "scale": buf.put(est.scale_) if est.with_std else None}),
    ("sklearn.preprocessing", "MinMaxScaler", "exact step",
     lambda est, buf: {"op": "minmax_scaler", "scale": buf.put(est.scale_), "min": buf.put(est.min_),
                       "clip": list(est.feature_range) if est.clip else None}),
    ("sklearn.preprocessing", "RobustScaler", "exact step",
     lambda est, buf: {"op": "center_scale", "center": buf.put(est.center_) if est.with_centering else None,
                       "scale": buf.put(est.scale_) if est.with_scaling else None}),
    ("sklearn.preprocessing", "MaxAbsScaler", "exact step",
     lambda est, buf: {"op": "maxabs_scaler", "scale": buf.put(est.scale_)}),
    ("sklearn.impute", "SimpleImputer", "exact step", lambda est, buf: _imputer(est)),
    ("sklearn.preprocessing", "OneHotEncoder", "exact step", lambda est, buf: _one_hot(est)),
    ("sklearn.preprocessing", "OrdinalEncoder", "exact step", lambda est, buf: _ordinal(est)),
    ("sklearn.preprocessing", "PolynomialFeatures", "exact step",
     lambda est, buf: {"op": "polynomial", "include_bias": bool(est.include_bias),
                       "interaction_only": bool(est.interaction_only), "max_degree": int(est._max_degree),
                       "min_degree": int(est._min_degree), "n_out_full": int(est._n_out_full),
                       "n_output_features": int(est.n_output_features_)}),
    ("sklearn.linear_model", "LogisticRegression", "estimator", lambda est, buf: _logistic(est, buf)),
    ("sklearn.linear_model", "LinearRegression", "estimator", _linear),
    ("sklearn.linear_model", "Ridge", "estimator", _linear),
    ("sklearn.tree", "DecisionTreeClassifier", "estimator", lambda est, buf: _forest([est], est, buf)),
    ("sklearn.tree", "DecisionTreeRegressor", "estimator", lambda est, buf: _forest([est], est, buf)),
    *((("sklearn.ensemble", name, "estimator", lambda est, buf: _forest(list(est.estimators_), est, buf))
       for name in ("RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier",
                    "ExtraTreesRegressor"))),
    ("sklearn.ensemble", "GradientBoostingClassifier", "estimator", lambda est, buf: _gradient_boosting(est, buf)),
    ("sklearn.ensemble", "GradientBoostingRegressor", "estimator", lambda est, buf: _gradient_boosting(est, buf)),
    ("sklearn.ensemble", "HistGradientBoostingClassifier", "estimator",
     lambda est, buf: _hist_gradient_boosting(est, buf)),
    ("sklearn.ensemble", "HistGradientBoostingRegressor", "estimator",
     lambda est, buf: _hist_gradient_boosting(est, buf)),
    ("sklearn.svm", "LinearSVR", "estimator", _linear),
    ("sklearn.linear_model", "SGDRegressor", "estimator", _linear),
    *FAMILIES,
    *ENSEMBLES,
    *BOOSTERS,
]


def _exporter(est: Any, role: str) -> Callable[[Any, Buffer], dict[str, Any]] | None:
    """How to export ``est`` in ``role`` ("step" or "estimator"), from :data:`EXPORTERS`; None when
    the portable engine does not run it."""
    import importlib

    for module, name, kind, export_one in EXPORTERS:
        if not kind.endswith(role):
            continue
        if kind != "step" and est_module(est) != module.split(".")[0]:
            continue  # an exact class from another library: no need to import that library
        try:
            cls = getattr(importlib.import_module(module), name, None)  # None: not in this scikit-learn
        except ImportError:  # a library this environment does not have: nothing of it to export
            continue
        if cls is None:
            continue
        if type(est) is cls or (kind == "step" and isinstance(est, cls)):
            return export_one
    return None


def est_module(est: Any) -> str:
    """The top-level package an object's class comes from ("sklearn", "lightgbm", ...)."""
    return type(est).__module__.split(".")[0]


def covered() -> dict[str, list[str]]:
    """The classes the portable engine runs, by role ("steps", "estimators"), as the README lists them."""
    return {"steps": [name for _, name, kind, _ in EXPORTERS if kind.endswith("step")],
            "estimators": [name for _, name, kind, _ in EXPORTERS if kind == "estimator"]}


# --- the whole pipeline ------------------------------------------------------------------

def _split(estimator: Any) -> tuple[list[Any], Any]:
    """(preprocessing steps, final estimator), nested pipelines flattened."""
    from sklearn.pipeline import Pipeline

    if isinstance(estimator, Pipeline):
        *head, (_, last) = estimator.steps
        steps, final = _split(last)
        return [s for _, s in head] + steps, final
    return [], estimator


def training_mean(estimator: Any, schema: Schema, rows: Any) -> np.ndarray:
    """The mean of each column the final estimator of ``estimator`` reads, over ``rows`` (its
    training rows, or a sample of them: a DataFrame with the schema's columns, or anything
    ``schema.validate`` takes): what a linear model's
    explanation is measured against. Computed by scikit-learn's own steps; missing values are left
    out of a column's mean."""
    from ..engines import FrameMaker

    X: Any = schema.validate(schema_rows(rows, schema))
    if hasattr(estimator, "feature_names_in_"):
        X = FrameMaker(schema, list(estimator.feature_names_in_))(X)
    for step in _split(estimator)[0]:
        X = step.transform(X)
    if hasattr(X, "toarray"):  # a sparse matrix (one-hot columns)
        X = X.toarray()
    return np.nanmean(np.asarray(X, dtype=np.float64), axis=0)


def export(estimator: Any, schema: Schema, mean: np.ndarray | None = None) -> tuple[dict[str, Any], bytes]:
    """The portable spec and its array buffer for a fitted ``estimator``; raises :class:`NotPortable`.
    ``mean``: :func:`training_mean`, kept for a linear final estimator (its explanation's reference)."""
    buf = Buffer()
    steps, final = _split(estimator)
    spec = {
        "format": FORMAT,
        "arrays_file": ARRAYS_FILE,
        "features": schema.to_list(),  # the schema it was exported for: checked against the manifest at load
        # for each column the pipeline was fitted on, its position in the schema (matched by name
        # for a DataFrame-fitted pipeline; otherwise the schema order is the fitted order)
        "input_order": schema.positions(names) if (names := getattr(estimator, "feature_names_in_", None)) is not None
        else list(range(len(schema.features))),
        "transforms": [_step(s, buf) for s in steps],
        "estimator": _estimator(final, buf),
        "classes": _classes(final),
    }
    node = spec["estimator"]
    if mean is not None and node["op"] == "linear" and node["kind"] in LINEAR_MARGINS:
        if np.shape(mean) != (buf.table[node["coef"]]["shape"][-1],):
            raise ValueError(f"the training mean has {np.size(mean)} columns; {_name(final)} reads "
                             f"{buf.table[node['coef']]['shape'][-1]}")
        node["mean"] = buf.put(mean)
    spec["arrays"] = buf.table
    return spec, buf.bytes()
