"""A schema for a handed-over model, inferred from the model and a sample of its input.

- Feature names: the estimator's ``feature_names_in_`` (a DataFrame-fitted pipeline), else an
  MLflow signature's input names, else the sample's header (less the target column).
- Types: an MLflow signature's column types where there is one, else the sample's dtypes: text is
  a category, whole numbers an integer, other numbers a number.
- Categories: from a fitted encoder of that column (``OneHotEncoder``, ``OrdinalEncoder`` found in
  the pipeline's ``ColumnTransformer``), which knows every category the model takes; else the
  sample's distinct values.
- Typical ranges, not limits: the sample's minimum and maximum, each widened by ``margin`` of the
  span (and never below 0 when the sample has no negative value). A value outside is scored and
  flagged, never rejected: a sample cannot know every value the model will see.
- Limits only where the pipeline needs them: a number column a fitted encoder one-hot encodes
  takes only its fitted values (``values``, shown as a choice).
- May be missing: when the sample has an empty value in that column.

Each feature's note says where each fact came from, for the person who reviews the schema.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from py_pipeline import Feature, Schema

DEFAULT_MARGIN = 0.1


@dataclass(frozen=True)
class Inferred:
    """A schema and, per feature, how it was inferred."""

    schema: Schema
    notes: dict[str, str]

    def table(self) -> str:
        """The schema as a table a person can review."""
        lines = []
        for f in self.schema.features:
            accepted = (", ".join(f.categories or ()) if f.type == "category"
                        else "only " + ", ".join(map(_number, f.values)) if f.values is not None
                        else f"typically {_number(f.typical_minimum, '-inf')} to {_number(f.typical_maximum, 'inf')}")
            lines.append(f"  {f.name:<28} {f.type:<9} {accepted}{' (may be missing)' if f.missing else ''}"
                         f"\n  {'':<28} {self.notes.get(f.name, '')}")
        return "\n".join(lines)


def infer_schema(estimator: Any, sample: pd.DataFrame, *, target: str | None = None, margin: float = DEFAULT_MARGIN,
                 signature: list[dict[str, Any]] | None = None) -> Inferred:
    """Infer the schema of ``estimator`` from ``sample`` (and an MLflow signature's ``[{"name",
    "type"}]`` inputs). Raises ValueError naming a feature the sample lacks."""
    names = _feature_names(estimator, sample, target, signature)
    missing = [n for n in names if n not in sample.columns]
    if missing:
        raise ValueError(f"the sample has no column {', '.join(map(repr, missing))}, which the model takes; its "
                         f"columns are {', '.join(map(repr, map(str, sample.columns)))}")
    encoders = fitted_categories(estimator)
    typed = {s["name"]: s.get("type") for s in signature or []}
    features, notes = [], {}
    for name in names:
        feature, note = _feature(name, sample[name], encoders.get(name), typed.get(name), margin)
        features.append(feature)
        notes[name] = note
    return Inferred(Schema(tuple(features)), notes)


def fitted_categories(estimator: Any) -> dict[str, list[Any]]:
    """Input column -> the categories a fitted encoder of that column knows, found by walking
    pipelines and column transformers (columns chosen by name)."""
    found: dict[str, list[Any]] = {}

    def walk(step: Any, columns: list[Any] | None) -> None:
        if hasattr(step, "steps"):  # Pipeline: the first step sees the columns
            for i, (_, inner) in enumerate(step.steps):
                walk(inner, columns if i == 0 else None)
        elif hasattr(step, "transformers_"):  # ColumnTransformer
            for _, inner, chosen in step.transformers_:
                if isinstance(chosen, str):
                    chosen = [chosen]
                if isinstance(chosen, (list, tuple)) and all(isinstance(c, str) for c in chosen):
                    walk(inner, list(chosen))
        elif hasattr(step, "categories_") and columns and len(step.categories_) == len(columns):
            for column, categories in zip(columns, step.categories_):
                found[column] = list(categories)

    walk(estimator, list(getattr(estimator, "feature_names_in_", [])) or None)
    return found


def _feature_names(estimator: Any, sample: pd.DataFrame, target: str | None,
                   signature: list[dict[str, Any]] | None) -> list[str]:
    if hasattr(estimator, "feature_names_in_"):
        return [str(n) for n in estimator.feature_names_in_]
    if signature:
        return [s["name"] for s in signature]
    names = [str(c) for c in sample.columns if c != target]
    expected = getattr(estimator, "n_features_in_", None)
    if expected is not None and expected != len(names):
        raise ValueError(f"the model takes {expected} features, the sample has {len(names)} columns "
                         f"({', '.join(names)}); name the target with --target, or drop the extra columns")
    return names


def _feature(name: str, column: pd.Series, categories: list[Any] | None, declared: str | None,
             margin: float) -> tuple[Feature, str]:
    may_be_missing = bool(column.isna().any())
    text = declared == "string" or (declared is None and not pd.api.types.is_numeric_dtype(column)) \
        or pd.api.types.is_bool_dtype(column)
    if text:
        if categories is not None:
            known = [c for c in categories if not (isinstance(c, float) and math.isnan(c)) and c is not None]
            may_be_missing = may_be_missing or len(known) < len(categories)
            note = "categories from the fitted encoder"
        else:
            known = sorted(column.dropna().unique().tolist(), key=str)
            note = "categories seen in the sample (no fitted encoder names them)"
        return (Feature(name, type="category", categories=tuple(str(c) for c in known), missing=may_be_missing),
                note + _missing_note(may_be_missing))
    values = pd.to_numeric(column, errors="coerce").dropna()
    whole = declared == "integer" or (declared is None and pd.api.types.is_integer_dtype(column))
    fitted = [c for c in categories or [] if isinstance(c, (int, float, np.integer, np.floating))
              and not isinstance(c, (bool, np.bool_)) and math.isfinite(c)]
    if fitted:  # a number column the pipeline encodes: it takes only the values it was fitted on
        return (Feature(name, type="integer" if whole else "number", values=tuple(float(c) for c in fitted),
                        missing=may_be_missing or len(fitted) < len(categories or [])),
                "values from the fitted encoder" + _missing_note(may_be_missing))
    if values.empty:
        return (Feature(name, type="integer" if whole else "number", missing=may_be_missing),
                "no value in the sample: any number" + _missing_note(may_be_missing))
    lo, hi = float(values.min()), float(values.max())
    widen = margin * (hi - lo) if hi > lo else margin * max(abs(hi), 1.0)
    low, high = lo - widen, hi + widen
    if lo >= 0:
        low = max(low, 0.0)
    if whole:
        low, high = math.floor(low), math.ceil(high)
    else:
        low, high = _round_out(low, math.floor), _round_out(high, math.ceil)
    note = f"typical: the sample's range {_number(lo)} to {_number(hi)}, widened by {margin:.0%}" + (
        " (not below 0: the sample has no negative value)" if lo >= 0 and lo - widen < 0 else "") + \
        "; outside it a value is scored and flagged"
    return (Feature(name, type="integer" if whole else "number", typical_minimum=low, typical_maximum=high,
                    missing=may_be_missing), note + _missing_note(may_be_missing))


#: The quantiles a profile keeps of each number feature.
QUANTILES = (0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0)


def reference_profile(sample: pd.DataFrame, schema: Schema) -> dict[str, Any]:
    """The sample's statistics per feature, kept in the bundle as the model's reference profile:
    counts, the missing share, quantiles of a number, each category's share. Counts and
    statistics only, never rows."""
    features = {}
    for f in schema.features:
        column = sample[f.name]
        missing = int(column.isna().sum())
        entry: dict[str, Any] = {"count": int(len(column)), "missing": missing,
                                 "missing_share": missing / len(column) if len(column) else 0.0}
        if f.type == "category":
            counts = column.dropna().astype(str).value_counts()
            entry["categories"] = {str(k): int(v) for k, v in counts.items()}
        else:
            values = pd.to_numeric(column, errors="coerce").dropna().to_numpy(dtype=np.float64)
            if len(values):
                entry["quantiles"] = {f"{q:g}": float(v) for q, v in zip(QUANTILES, np.quantile(values, QUANTILES))}
                entry["mean"], entry["std"] = float(values.mean()), float(values.std())
        features[f.name] = entry
    return {"format": "py_pipeline.profile/1", "rows": int(len(sample)), "features": features}


def _round_out(value: float, direction: Any) -> float:
    """``value`` to 4 significant digits, rounded away from the range (never inward)."""
    if value == 0:
        return 0.0
    scale = 10 ** (math.floor(math.log10(abs(value))) - 3)
    return float(np.round(direction(value / scale) * scale, 10))


def _missing_note(missing: bool) -> str:
    return "; may be missing (the sample has empty values)" if missing else ""


def _number(value: float | None, none: str = "") -> str:
    if value is None:
        return none
    return f"{value:g}"
