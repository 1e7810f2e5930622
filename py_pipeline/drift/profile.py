"""A reference profile's bins, and the binning of rows into them.

For each input feature, and for the predictions:

- a number: about ten quantile bins of the reference values between their minimum and maximum,
  plus a bin for missing values, one below the minimum and one above the maximum;
- a feature with at most ``FEW_VALUES`` distinct values: a bin per value, plus missing and "other";
- a category (or a class): a bin per category, plus missing and "unknown".

Each bin keeps the reference's count. Counts only, never rows.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

FORMAT = "py_pipeline.profile/2"
#: Quantile bins of a number.
BINS = 10
#: A number with this many distinct values or fewer is binned by value.
FEW_VALUES = 10


def bins_for(values: Sequence[Any], kind: str, known: Sequence[Any] | None = None) -> dict[str, Any]:
    """The bins of one feature's reference values (None or NaN for missing), with their counts.
    ``kind``: "number" or "category"; ``known``: a category's values (the schema's categories, a
    model's classes), each a bin even when the reference never has it."""
    if kind == "category":
        present = {str(v) for v in values if not _missing(v)}
        spec: dict[str, Any] = {"kind": "category",
                                "values": [str(v) for v in known] if known is not None else sorted(present)}
    else:
        x = _numbers(values)
        seen = x[~np.isnan(x)]
        distinct = np.unique(seen)
        if len(distinct) <= FEW_VALUES:
            spec = {"kind": "values", "values": distinct.tolist()}
        else:
            edges = np.unique(np.quantile(seen, np.linspace(0, 1, BINS + 1)[1:-1]))
            spec = {"kind": "number", "low": float(seen.min()), "high": float(seen.max()), "edges": edges.tolist()}
    spec["labels"] = labels(spec)
    spec["counts"] = np.bincount(bin_index(spec, values), minlength=len(spec["labels"])).tolist()
    return spec


def labels(spec: dict[str, Any]) -> list[str]:
    """One label per bin, in order (the drift report and the endpoint show them)."""
    if spec["kind"] == "number":
        cuts = [spec["low"], *spec["edges"], spec["high"]]
        inner = [f"[{a:.4g}, {b:.4g})" for a, b in zip(cuts[:-2], cuts[1:-1])] + [f"[{cuts[-2]:.4g}, {cuts[-1]:.4g}]"]
        return ["missing", f"below {spec['low']:.4g}", *inner, f"above {spec['high']:.4g}"]
    other = "unknown" if spec["kind"] == "category" else "other"
    return ["missing", *(str(v) for v in spec["values"]), other]


def bin_index(spec: dict[str, Any], values: Sequence[Any]) -> np.ndarray:
    """Each value's bin in ``spec`` (int64), missing values in bin 0."""
    if spec["kind"] == "category":
        index = {v: i + 1 for i, v in enumerate(spec["values"])}
        unknown = len(spec["values"]) + 1
        return np.fromiter((0 if _missing(v) else index.get(str(v), unknown) for v in values), dtype=np.int64,
                           count=len(values))
    x = _numbers(values)
    out = np.empty(len(x), dtype=np.int64)
    missing = np.isnan(x)
    if spec["kind"] == "values":
        known = np.asarray(spec["values"], dtype=np.float64)
        at = np.clip(np.searchsorted(known, x), 0, max(len(known) - 1, 0))
        hit = (known[at] == x) if len(known) else np.zeros(len(x), dtype=bool)
        out[:] = np.where(hit, at + 1, len(known) + 1)
    else:
        edges = np.asarray(spec["edges"], dtype=np.float64)
        out[:] = 2 + np.searchsorted(edges, x, side="right")
        out[x < spec["low"]] = 1
        out[x > spec["high"]] = len(edges) + 3
    out[missing] = 0
    return out


def build_profile(schema: Any, rows: Any, predictions: Sequence[Any], classes: Sequence[Any] | None,
                  statistics: dict[str, Any] | None = None) -> dict[str, Any]:
    """The reference profile of ``rows`` (validated, schema order: a 2-D array) and the model's
    ``predictions`` for them (``classes``: a classifier's, else None). ``statistics``: per-feature figures to keep beside the bins (the
    schema inference's quantiles, mean and shares), by feature name."""
    X = np.asarray(rows, dtype=object)
    features = {}
    for j, f in enumerate(schema.features):
        entry = dict((statistics or {}).get(f.name, {}))
        entry["bins"] = bins_for(X[:, j].tolist(), "category" if f.type == "category" else "number",
                                 f.categories if f.type == "category" else None)
        features[f.name] = entry
    return {"format": FORMAT, "rows": int(len(X)), "features": features,
            "predictions": bins_for(list(predictions), "number" if classes is None else "category", classes)}


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def _numbers(values: Sequence[Any]) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return values.astype(np.float64, copy=False)
    return np.fromiter((np.nan if _missing(v) else float(v) for v in values), dtype=np.float64, count=len(values))
