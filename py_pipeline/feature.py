"""One input column of a schema: its type, unit, limits or categories, and typical range, and
the checks of one value (row by row) and of a column (numpy) against it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, Mapping, Sequence

import numpy as np

from .errors import InvalidBundle

FeatureType = Literal["number", "integer", "category"]
FEATURE_TYPES: tuple[str, ...] = ("number", "integer", "category")


@dataclass(frozen=True)
class Feature:
    """One input column: its name, type, unit and allowed range or categories.

    ``minimum``, ``maximum`` and ``values`` are limits (a value past them is rejected): the author's,
    or what the pipeline needs (a number column one-hot encoded takes only its fitted ``values``).
    ``typical_minimum`` and ``typical_maximum`` are the typical range (an import infers it from the
    sample): it drives the form and the what-if sweep, and a value outside it is scored and flagged
    (an ``out_of_range`` warning), never rejected."""

    name: str
    type: FeatureType = "number"
    unit: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    categories: tuple[str, ...] | None = None
    description: str = ""
    missing: bool = False  # may the value be missing (null)?
    values: tuple[float, ...] | None = None
    typical_minimum: float | None = None
    typical_maximum: float | None = None

    def expected(self) -> str:
        """A short phrase saying what a valid value looks like."""
        return self._expected_value() + (", or null when missing" if self.missing else "")

    def _expected_value(self) -> str:
        if self.type == "category":
            return "one of " + ", ".join(repr(c) for c in self.categories or ())
        if self.values is not None:
            return "one of " + ", ".join(_fmt(v) for v in self.values)
        kind = "an integer" if self.type == "integer" else "a number"
        unit = f" ({self.unit})" if self.unit else ""
        if self.minimum is not None and self.maximum is not None:
            return f"{kind}{unit} between {_fmt(self.minimum)} and {_fmt(self.maximum)}"
        if self.minimum is not None:
            return f"{kind}{unit} of at least {_fmt(self.minimum)}"
        if self.maximum is not None:
            return f"{kind}{unit} of at most {_fmt(self.maximum)}"
        return f"{kind}{unit}"

    def check(self, value: Any, empty: str = "null") -> str | None:
        """Return why ``value`` is invalid for this feature ("got ..."), or None when it is valid;
        ``empty`` words a missing value as the input wrote it (``null``, an empty cell)."""
        if self.missing and (value is None or (type(value) is float and math.isnan(value))):
            return None
        if value is None:
            return f"got {empty}"
        if self.type == "category":
            if not isinstance(value, str) or value not in (self.categories or ()):
                return f"got {_show(value)}"
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"got {_show(value)}"
        try:
            finite = math.isfinite(value)
        except OverflowError:  # an int too large for a float
            finite = False
        if not finite:
            return f"got {_show(value)}, not a finite number"
        if self.type == "integer" and float(value) != int(value):
            return f"got {_show(value)}"
        if self.values is not None and value not in self.values:
            return f"got {_show(value)}, not one of the values the model was fitted on"
        if self.minimum is not None and value < self.minimum:
            return f"got {_show(value)}, below the minimum"
        if self.maximum is not None and value > self.maximum:
            return f"got {_show(value)}, above the maximum"
        return None

    def checked_column(self, column: Sequence[Any]) -> np.ndarray | list[Any] | None:
        """The column's values when every one is valid (numbers as float64, NaN for a missing one;
        categories as they are), else None. The vectorised twin of :meth:`check`."""
        if self.type == "category":
            allowed = set(self.categories or ())
            if self.missing:
                if not all((type(v) is str and v in allowed) or v is None for v in column):
                    return None
                return [np.nan if v is None else v for v in column]
            if not all(type(v) is str for v in column) or not set(column) <= allowed:
                return None
            return list(column)
        kinds = set(map(type, column))
        if not kinds <= ({int, float, type(None)} if self.missing else {int, float}):
            return None  # strings, booleans, nested values, or null where not allowed
        try:
            values = np.array(column, dtype=np.float64)  # None becomes NaN
        except (OverflowError, ValueError):
            return None
        if not self.valid_numbers(values).all():
            return None
        if int in kinds and (np.abs(values) > 2.0 ** 53).any():
            return None  # a huge int may not survive the float conversion exactly: check it row by row
        return values

    def valid_numbers(self, x: np.ndarray) -> np.ndarray:
        """Per value of a float64 array: is it valid for this number feature (NaN is a missing
        value)? :meth:`check`, vectorised, for a JSON column and a typed-array batch alike."""
        nan = np.isnan(x)
        ok = np.isfinite(x) | (nan if self.missing else False)
        with np.errstate(invalid="ignore"):
            if self.minimum is not None:
                ok &= ~(x < self.minimum)
            if self.maximum is not None:
                ok &= ~(x > self.maximum)
            if self.type == "integer":
                ok &= (x == np.floor(x)) | nan
        if self.values is not None:
            ok &= np.isin(x, np.asarray(self.values, dtype=np.float64)) | nan
        return ok

    def typical_text(self) -> str:
        """The typical range in words, as a warning names it."""
        unit = f" {self.unit}" if self.unit else ""
        return f"typically {_fmt(self.typical_minimum)} to {_fmt(self.typical_maximum)}{unit}" \
            if self.typical_minimum is not None and self.typical_maximum is not None else \
            f"typically at least {_fmt(self.typical_minimum)}{unit}" if self.typical_minimum is not None else \
            f"typically at most {_fmt(self.typical_maximum)}{unit}"

    def is_atypical(self, value: Any) -> bool:
        """:meth:`atypical` for one validated value (a missing one, None or NaN, never is)."""
        if value is None:
            return False
        x = float(value)
        return (self.typical_minimum is not None and x < self.typical_minimum) or \
            (self.typical_maximum is not None and x > self.typical_maximum)

    def atypical(self, x: np.ndarray) -> np.ndarray:
        """Per value of a float64 column: outside the typical range (a missing value never is)."""
        out = np.zeros(len(x), dtype=bool)
        with np.errstate(invalid="ignore"):
            if self.typical_minimum is not None:
                out |= x < self.typical_minimum
            if self.typical_maximum is not None:
                out |= x > self.typical_maximum
        return out

    def to_dict(self) -> dict[str, Any]:
        """The feature as it appears in a manifest."""
        out: dict[str, Any] = {"name": self.name, "type": self.type}
        if self.unit is not None:
            out["unit"] = self.unit
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        if self.categories is not None:
            out["categories"] = list(self.categories)
        if self.values is not None:
            out["values"] = list(self.values)
        if self.typical_minimum is not None:
            out["typical_minimum"] = self.typical_minimum
        if self.typical_maximum is not None:
            out["typical_maximum"] = self.typical_maximum
        if self.description:
            out["description"] = self.description
        if self.missing:
            out["missing"] = True
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Feature":
        """Read a feature from a manifest entry, rejecting unknown types."""
        if not isinstance(data, Mapping) or not isinstance(data.get("name"), str):
            raise InvalidBundle(f"a feature must be an object with a string 'name', got {data!r}")
        ftype = data.get("type", "number")
        if ftype not in FEATURE_TYPES:
            raise InvalidBundle(
                f"feature {data['name']!r}: type must be one of {', '.join(FEATURE_TYPES)}, got {ftype!r}"
            )
        cats = data.get("categories")
        values = data.get("values")
        if values is not None and (ftype == "category" or not isinstance(values, list) or not values or not all(
                type(v) in (int, float) and math.isfinite(v) for v in values)):
            raise InvalidBundle(f"feature {data['name']!r}: 'values' must list the numbers a number feature takes")
        for key in ("minimum", "maximum", "typical_minimum", "typical_maximum"):
            if data.get(key) is not None and (type(data[key]) not in (int, float) or not math.isfinite(data[key])):
                raise InvalidBundle(f"feature {data['name']!r}: {key!r} must be a finite number, got {data[key]!r}")
        return cls(
            name=data["name"],
            type=ftype,
            unit=data.get("unit"),
            minimum=data.get("minimum"),
            maximum=data.get("maximum"),
            categories=tuple(cats) if cats is not None else None,
            description=data.get("description", ""),
            missing=_flag(data, "missing"),
            values=tuple(values) if values is not None else None,
            typical_minimum=data.get("typical_minimum"),
            typical_maximum=data.get("typical_maximum"),
        )


def _flag(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise InvalidBundle(f"feature {data['name']!r}: {key!r} must be true or false, got {value!r}")
    return value


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, Sequence):
        return "an array"
    return f"a {type(value).__name__}"


def _show(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**15:
        return f"an integer of {len(str(abs(value)))} digits"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}"
    return _type_name(value)


def _shorten(name: str, most: int = 64) -> str:
    """A caller's name as an error echoes it: a 100 KB key is not repeated back in full."""
    return name if len(name) <= most else f"{name[:most - 3]}..."


def _fmt(x: float) -> str:
    return repr(int(x)) if float(x).is_integer() else repr(x)
