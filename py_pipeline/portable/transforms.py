"""Preprocessing steps of a portable spec, each rebuilt as a numpy function ``X -> X``.

Every function does the arithmetic scikit-learn's ``transform`` does, in the same order
(``(X - mean) / scale``, not ``X * (1 / scale)``), so results are bit-identical where the
operations are elementwise. Only numpy is imported.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from . import value_steps
from .user_steps import lookup

Step = Callable[[np.ndarray], np.ndarray]
Arrays = dict[str, np.ndarray]


def _numeric(X: np.ndarray) -> np.ndarray:
    return np.asarray(X, dtype=np.float64)


def _as_numbers(X: np.ndarray) -> np.ndarray:
    """Numbers as floats, as scikit-learn hands them on; text (which a function may read) as it is."""
    if X.dtype != object:
        return X
    try:
        return X.astype(np.float64)
    except (TypeError, ValueError):
        return X


def _is_missing(column: np.ndarray) -> np.ndarray:
    if column.dtype == object:
        return np.fromiter((v is None or v != v for v in column), dtype=bool, count=len(column))
    return np.isnan(column)


def pipeline(node: dict[str, Any], arrays: Arrays) -> Step:
    steps = [build(s, arrays) for s in node["steps"]]

    def run(X: np.ndarray) -> np.ndarray:
        for step in steps:
            X = step(X)
        return X

    return run


def columns(node: dict[str, Any], arrays: Arrays) -> Step:
    """ColumnTransformer: each part reads its columns (indices into this step's input); outputs side by side."""
    parts = [(np.asarray(p["columns"], dtype=np.intp), build(p["step"], arrays)) for p in node["parts"]]

    def run(X: np.ndarray) -> np.ndarray:
        outputs = [step(X[:, cols]) for cols, step in parts]
        if any(o.dtype == object for o in outputs):
            return np.hstack([o.astype(object) for o in outputs])
        return np.hstack(outputs)

    return run


def passthrough(node: dict[str, Any], arrays: Arrays) -> Step:
    return lambda X: X


def function(node: dict[str, Any], arrays: Arrays) -> Step:
    """A registered function (``user_steps``) with its keyword arguments: JSON values, and arrays
    (a transformer's fitted state) from the buffer. Its answer must have one column per source."""
    registered = lookup(node["name"], node.get("module"))
    fn = registered.function
    kwargs = {**(node.get("kw_args") or {}), **{k: arrays[a] for k, a in (node.get("array_args") or {}).items()}}
    width = len(node["sources"]) if node.get("sources") is not None else None

    def run(X: np.ndarray) -> np.ndarray:
        out = np.asarray(fn(_as_numbers(X), **kwargs))
        if out.ndim != 2 or len(out) != len(X) or (width is not None and out.shape[1] != width):
            raise ValueError(f"{registered.name} answered shape {out.shape} for {len(X)} rows; its spec "
                             f"declares {width} output columns")
        return out

    return run


def center_scale(node: dict[str, Any], arrays: Arrays) -> Step:
    """StandardScaler (mean, std) and RobustScaler (median, IQR) alike: ``(X - center) / scale``."""
    center = arrays[node["center"]] if node.get("center") else None
    scale = arrays[node["scale"]] if node.get("scale") else None

    def run(X: np.ndarray) -> np.ndarray:
        X = _numeric(X).copy()
        if center is not None:
            X -= center
        if scale is not None:
            X /= scale
        return X

    return run


def minmax_scaler(node: dict[str, Any], arrays: Arrays) -> Step:
    scale, offset = arrays[node["scale"]], arrays[node["min"]]
    clip = node.get("clip")

    def run(X: np.ndarray) -> np.ndarray:
        X = _numeric(X).copy()
        X *= scale
        X += offset
        if clip is not None:
            np.clip(X, clip[0], clip[1], out=X)
        return X

    return run


def maxabs_scaler(node: dict[str, Any], arrays: Arrays) -> Step:
    scale = arrays[node["scale"]]
    return lambda X: _numeric(X) / scale


def simple_imputer(node: dict[str, Any], arrays: Arrays) -> Step:
    """Fill missing values (NaN or None) per column; drop columns that were empty in training."""
    fill = node["fill"]  # statistic per kept column (numbers or strings)
    keep = np.asarray(node["keep"], dtype=np.intp)
    indicator = np.asarray(node["indicator"], dtype=np.intp) if node.get("indicator") is not None else None
    numeric = node["numeric"]

    def run(X: np.ndarray) -> np.ndarray:
        X = _numeric(X) if numeric else np.asarray(X, dtype=object)
        out = X[:, keep].copy()
        for j, value in enumerate(fill):
            missing = _is_missing(out[:, j])
            if missing.any():
                out[missing, j] = value
        if indicator is None:
            return out
        flags = np.column_stack([_is_missing(X[:, j]) for j in indicator]) if len(indicator) else \
            np.zeros((len(X), 0), dtype=bool)
        return np.hstack([out, flags.astype(out.dtype if numeric else object)])

    return run


def _codes(column: np.ndarray, categories: dict[str, Any]) -> np.ndarray:
    """Index of each value in a column's fitted categories; -1 unknown, -2 missing (when not a category)."""
    values = categories["values"]
    lookup = {v: i for i, v in enumerate(values)}
    nan_code = len(values) if categories.get("nan") else -2
    codes = np.empty(len(column), dtype=np.intp)
    for i, v in enumerate(column.tolist()):
        if v is None or v != v:
            codes[i] = nan_code
        else:
            codes[i] = lookup.get(v, -1)
    return codes


def one_hot(node: dict[str, Any], arrays: Arrays) -> Step:
    cats = node["categories"]
    drop = node.get("drop") or [None] * len(cats)
    ignore = node["handle_unknown"] != "error"
    widths = [len(c["values"]) + bool(c.get("nan")) for c in cats]
    kept = [[k for k in range(w) if k != d] for w, d in zip(widths, drop)]
    offsets = np.cumsum([0] + [len(k) for k in kept])
    # column k of feature j -> output column, or -1 when it is the dropped one
    position = []
    for j, (w, d) in enumerate(zip(widths, drop)):
        pos = np.full(w + 1, -1, dtype=np.intp)  # last slot: unknown
        for out_k, k in enumerate(kept[j]):
            pos[k] = offsets[j] + out_k
        position.append(pos)
    dtype = np.dtype(node.get("dtype", "float64"))

    def run(X: np.ndarray) -> np.ndarray:
        out = np.zeros((len(X), offsets[-1]), dtype=dtype)
        rows = np.arange(len(X))
        for j, c in enumerate(cats):
            codes = _codes(X[:, j], c)
            unknown = codes < 0
            if unknown.any() and not ignore:
                raise ValueError(f"input column {j} holds a category not seen in training")
            target = position[j][np.where(unknown, widths[j], codes)]
            hit = target >= 0
            out[rows[hit], target[hit]] = 1
        return out

    return run


def ordinal(node: dict[str, Any], arrays: Arrays) -> Step:
    cats = node["categories"]
    unknown_value = node.get("unknown_value")
    missing_value = node.get("missing_value", float("nan"))
    dtype = np.dtype(node.get("dtype", "float64"))

    def run(X: np.ndarray) -> np.ndarray:
        out = np.empty((len(X), len(cats)), dtype=np.float64)
        for j, c in enumerate(cats):
            codes = _codes(X[:, j], c).astype(np.float64)
            if c.get("nan"):
                codes[codes == len(c["values"])] = missing_value
            unknown = codes < 0  # unseen, or missing when training had no missing value
            if unknown.any():
                if unknown_value is None:
                    raise ValueError(f"input column {j} holds a category not seen in training")
                codes[unknown] = unknown_value
            out[:, j] = codes
        return out.astype(dtype, copy=False)

    return run


def polynomial(node: dict[str, Any], arrays: Arrays) -> Step:
    """scikit-learn's dense PolynomialFeatures.transform, step for step (same products in the same order)."""
    include_bias, interaction_only = node["include_bias"], node["interaction_only"]
    max_degree, min_degree = node["max_degree"], node["min_degree"]
    n_full, n_out = node["n_out_full"], node["n_output_features"]

    def run(X: np.ndarray) -> np.ndarray:
        X = _numeric(X)
        n_samples, n_features = X.shape
        XP = np.empty((n_samples, n_full), dtype=X.dtype)
        current = 0
        if include_bias:
            XP[:, 0] = 1
            current = 1
        if max_degree == 0:
            return XP
        XP[:, current:current + n_features] = X
        index = list(range(current, current + n_features))
        current += n_features
        index.append(current)
        for _ in range(2, max_degree + 1):
            new_index = []
            end = index[-1]
            for f in range(n_features):
                start = index[f]
                new_index.append(current)
                if interaction_only:
                    start += index[f + 1] - index[f]
                nxt = current + end - start
                if nxt <= current:
                    break
                np.multiply(XP[:, start:end], X[:, f:f + 1], out=XP[:, current:nxt], casting="no")
                current = nxt
            new_index.append(current)
            index = new_index
        if min_degree > 1:
            if include_bias:
                out = np.empty((n_samples, n_out), dtype=XP.dtype)
                out[:, 0] = 1
                out[:, 1:] = XP[:, n_full - n_out + 1:]
                return out
            return XP[:, n_full - n_out:].copy()
        return XP

    return run


BUILDERS: dict[str, Callable[[dict[str, Any], Arrays], Step]] = {
    "pipeline": pipeline, "columns": columns, "passthrough": passthrough, "function": function,
    "center_scale": center_scale, "minmax_scaler": minmax_scaler, "maxabs_scaler": maxabs_scaler,
    "simple_imputer": simple_imputer, "one_hot": one_hot, "ordinal": ordinal,
    "polynomial": polynomial, **value_steps.BUILDERS,
}


def build(node: dict[str, Any], arrays: Arrays) -> Step:
    """The numpy function for one spec node."""
    op = node.get("op")
    if op not in BUILDERS:
        raise ValueError(f"portable spec: unknown step {op!r}")
    return BUILDERS[op](node, arrays)
