"""A reference profile's bins, and the binning of rows into them.

For each input feature, and for the predictions:

- a number: about ten quantile bins of the reference values between their minimum and maximum,
  plus a bin for missing values, one below the minimum and one above the maximum;
- a feature with at most ``FEW_VALUES`` distinct values: a bin per value, plus missing and "other";
- a category (or a class): a bin per category, plus missing and "unknown".

Each bin keeps the reference's count. Counts only, never rows.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import DriftUnavailable

FORMAT = "py_pipeline.profile/2"
PREDICTIONS = "(predictions)"  # the predictions' line, beside the features'
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
    """Each value's bin in ``spec`` (np.intp: bincount takes it on 32-bit WebAssembly too), missing values in bin 0."""
    if spec["kind"] == "category":
        index = {v: i + 1 for i, v in enumerate(spec["values"])}
        unknown = len(spec["values"]) + 1
        return np.fromiter((0 if _missing(v) else index.get(str(v), unknown) for v in values), dtype=np.intp,
                           count=len(values))
    x = _numbers(values)
    out = np.empty(len(x), dtype=np.intp)
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


class Binner:
    """One model version's profile, ready to bin rows: per feature (then the predictions) its bins."""

    def __init__(self, profile: dict[str, Any], names: list[str], sha256: str | None = None) -> None:
        #: the profile file's sha256, which a telemetry report names
        self.sha256 = sha256
        self.specs = [profile["features"][name]["bins"] for name in names] + [profile["predictions"]]
        self.lines = [*names, PREDICTIONS]
        self.sizes = [len(spec["counts"]) for spec in self.specs]
        self._edges = [spec.get("edges") for spec in self.specs]
        self._index = [{v: i + 1 for i, v in enumerate(spec["values"])} if spec["kind"] != "number" else None
                       for spec in self.specs]

    @classmethod
    def of(cls, model: Any) -> "Binner":
        """The bins of a loaded model's profile (``read_profile``: DriftUnavailable without a usable one)."""
        return cls(read_profile(model), list(model.manifest.schema.names), model.manifest.extra["profile"]["sha256"])

    def one(self, values: list[Any]) -> list[int]:
        """The bin of each value of one row (its features, then its prediction): plain Python."""
        out = []
        for spec, index, edges, v in zip(self.specs, self._index, self._edges, values):
            if v is None or (isinstance(v, float) and v != v):
                out.append(0)
            elif spec["kind"] == "number":
                x = float(v)
                out.append(1 if x < spec["low"] else len(edges) + 3 if x > spec["high"] else
                           2 + bisect.bisect_right(edges, x))
            else:
                key = str(v) if spec["kind"] == "category" else float(v)
                out.append(index.get(key, len(index) + 1))
        return out

    def counts(self, columns: list[Any]) -> list[np.ndarray]:
        """Bin counts of many rows (one column per line), with numpy."""
        return [np.bincount(bin_index(spec, column), minlength=size)
                for spec, column, size in zip(self.specs, columns, self.sizes)]

    def batch(self, X: np.ndarray, predictions: Any) -> list[np.ndarray]:
        """Bin counts of validated rows ``X`` (schema order) and their predictions."""
        return self.counts([*(X[:, j] for j in range(X.shape[1])), predictions])


class Tally:
    """Bin counts of every row a model predicts (set it as the model's ``observer``): a scored
    file's drift, summed over its chunks (and, on Dask, over the workers)."""

    def __init__(self, binner: Binner) -> None:
        self.binner = binner
        self.rows = 0
        self.counts = [np.zeros(size, dtype=np.int64) for size in binner.sizes]

    def __call__(self, model: Any, X: np.ndarray, predictions: Any) -> None:
        self.add(len(X), self.binner.batch(X, predictions))

    def add(self, rows: int, counts: list[Any]) -> None:
        self.rows += rows
        for total, c in zip(self.counts, counts):
            total += np.asarray(c, dtype=np.int64)

    def by_line(self) -> dict[str, np.ndarray]:
        return dict(zip(self.binner.lines, self.counts))


def read_profile(model: Any) -> dict[str, Any]:
    """The reference profile of a loaded model's bundle, checked against the sha256 its manifest
    lists; raises DriftUnavailable when there is none, it does not match, or it has no bins (a
    profile written before drift monitoring)."""
    entry = (model.manifest.extra or {}).get("profile")
    if not entry or model.directory is None:
        raise DriftUnavailable(f"model {model.name} {model.version} has no reference profile: drift is unavailable "
                               "(build or import it again to give it one)")
    data = (Path(model.directory) / entry["file"]).read_bytes()
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise DriftUnavailable(f"model {model.name} {model.version}: its profile does not match its manifest's "
                               "sha256: drift is unavailable")
    profile = json.loads(data)
    if "predictions" not in profile:
        raise DriftUnavailable(f"model {model.name} {model.version} has a profile without drift bins (made before "
                               "drift monitoring): build or import it again")
    return profile


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def _numbers(values: Sequence[Any]) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return values.astype(np.float64, copy=False)
    return np.fromiter((np.nan if _missing(v) else float(v) for v in values), dtype=np.float64, count=len(values))
