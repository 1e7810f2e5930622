"""Feature schemas and row validation.

A row comes either as an object keyed by feature name or as an array in schema order.
Validation is strict (no coercion of strings to numbers, no NaN or infinity, no extra
or missing fields) and reports every problem at once, each naming the row and field.

Missing values, defined once: a feature with ``missing: true`` in the schema may be missing.
A missing value is written ``null`` in JSON (the key must still be there, so a misspelt key is
never taken for a missing value), an empty cell in CSV, and NaN in typed arrays (so NaN is
taken as missing too); the validated array holds NaN, which imputers and HistGradientBoosting
handle as scikit-learn does. Every other feature rejects null ("got null") and NaN ("got NaN").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from .errors import InvalidBundle, InvalidInput
from .feature import FEATURE_TYPES, Feature, FeatureType, _fmt, _shorten, _type_name
from .problems import JSON_ROWS, Locator, Problem

__all__ = ["FEATURE_TYPES", "Feature", "FeatureType", "Schema"]

#: How many problems an error lists; the total is always given.
MAX_DETAILS = 100
#: From this many rows on, a batch is checked column by column with numpy (below it, the
#: per-column set-up costs more than checking row by row: ~30 us against ~5 us for one row).
COLUMN_PATH_ROWS = 12


@dataclass(frozen=True)
class Schema:
    """The ordered features a model takes."""

    features: tuple[Feature, ...]
    _by_name: dict[str, Feature] = field(init=False, repr=False, compare=False)
    _nullable: list[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = [f.name for f in self.features]
        if not names:
            raise InvalidBundle("a schema needs at least one feature")
        if len(set(names)) != len(names):
            raise InvalidBundle(f"feature names must be unique, got {names}")
        object.__setattr__(self, "_by_name", {f.name: f for f in self.features})
        object.__setattr__(self, "_nullable", [i for i, f in enumerate(self.features) if f.missing])

    @property
    def names(self) -> list[str]:
        """Feature names in schema order."""
        return [f.name for f in self.features]

    def positions(self, names: Iterable[Any]) -> list[int]:
        """For each of ``names`` (a DataFrame-fitted model's ``feature_names_in_``), its position in
        the schema. A name on only one side raises ``ValueError`` naming both sides."""
        names = [str(n) for n in names]
        unknown = [n for n in names if n not in self._by_name]
        unused = [n for n in self.names if n not in names]
        if unknown or unused:
            parts = []
            if unknown:
                parts.append(f"the model was fitted on {', '.join(map(repr, unknown))}, which the schema lacks")
            if unused:
                parts.append(f"the schema lists {', '.join(map(repr, unused))}, which the model never saw")
            raise ValueError("the model's feature names do not match the schema: " + "; ".join(parts))
        order = self.names
        return [order.index(n) for n in names]

    def to_list(self) -> list[dict[str, Any]]:
        """The schema as manifest JSON."""
        return [f.to_dict() for f in self.features]

    @classmethod
    def from_list(cls, data: Iterable[Mapping[str, Any]]) -> "Schema":
        """Read a schema from manifest JSON."""
        if not isinstance(data, list):
            raise InvalidBundle(f"'features' must be a list, got {type(data).__name__}")
        return cls(tuple(Feature.from_dict(d) for d in data))

    def validate(self, rows: Any, at: Locator = JSON_ROWS) -> np.ndarray:
        """Check ``rows`` and return them as a 2-D array in schema order.

        Raises :class:`InvalidInput` listing every problem (the first ``MAX_DETAILS``,
        with the total count) when any row is invalid, each numbered by ``at``.
        """
        if type(rows) is not list and (isinstance(rows, (str, bytes)) or not isinstance(rows, Sequence)):
            raise InvalidInput(
                f"'rows' must be a list of rows (objects keyed by feature name or arrays of "
                f"{len(self.features)} values), got {_type_name(rows)}",
                [Problem("not_rows", "a list of rows", f"got {_type_name(rows)}", "rows")],
            )
        if len(rows) == 0:
            raise InvalidInput("'rows' is empty: send at least one row",
                               [Problem("no_rows", "at least one row", "got none", "rows")])
        fast = self._valid_columns(rows)
        return fast if fast is not None else self._validate_each(rows, at)

    def warnings(self, X: np.ndarray, at: Locator = JSON_ROWS, most: int | None = MAX_DETAILS,
                 index: np.ndarray | None = None) -> tuple[list[Problem], int]:
        """Values of validated rows ``X`` outside their feature's typical range: the first ``most``
        (all for None) as ``out_of_range`` problems (row by row, in field order), and how many there
        are. ``index``: each row's place in the batch ``at`` numbers (the valid rows of a file)."""
        flagged = [(j, f) for j, f in enumerate(self.features)
                   if f.type != "category" and (f.typical_minimum is not None or f.typical_maximum is not None)]
        if not flagged:
            return [], 0
        if len(X) == 1:  # a form's one row: plain comparisons (numpy's cost per call is most of it here)
            hits = [(0, k) for k, (j, f) in enumerate(flagged) if f.is_atypical(X[0, j])]
            total = len(hits)
        else:
            masks = [f.atypical(np.asarray(X[:, j], dtype=np.float64)) for j, f in flagged]
            total = int(sum(int(m.sum()) for m in masks))
            hits = np.argwhere(np.column_stack(masks)).tolist() if total else []  # (row, flagged feature), row-major
        found: list[Problem] = []
        if total:
            for i, k in hits[:most]:
                j, f = flagged[k]
                place = i if index is None else int(index[i])
                found.append(Problem("out_of_range", f.typical_text(), f"got {_fmt(float(X[i, j]))}, outside it",
                                     f.name, at.row(place), at.line(place)))
        return found, total

    def explain(self, rows: Iterable[tuple[int, Any]], at: Locator = JSON_ROWS,
                most: int | None = MAX_DETAILS) -> InvalidInput | None:
        """The error for these ``(index in the batch, row)`` pairs, numbered by ``at``, or None
        when all are valid: every problem counted, the first ``most`` listed (all for None). A
        column batch (``columns.py``) passes only its invalid rows, rebuilt, so both paths report
        the very same problems."""
        ordered: list[list[Any]] = []
        return self._explain_into(rows, ordered, at, most)

    def _explain_into(self, rows: Iterable[tuple[int, Any]], ordered: list[list[Any]], at: Locator,
                      most: int | None = MAX_DETAILS) -> InvalidInput | None:
        problems: list[Problem] = []
        total = 0
        for i, row in rows:
            room = None if most is None else most - len(problems)
            values, row_problems, count = self._row_values(i, row, at, room)
            total += count
            problems.extend(row_problems)
            ordered.append(values)
        if not total:
            return None
        return InvalidInput.listing(problems, total)

    def _validate_each(self, rows: Sequence[Any], at: Locator = JSON_ROWS) -> np.ndarray:
        """Row by row, field by field: every problem found and reported (the path that explains)."""
        ordered: list[list[Any]] = []
        error = self._explain_into(enumerate(rows), ordered, at)
        if error:
            raise error
        has_category = any(f.type == "category" for f in self.features)
        X = np.array(ordered, dtype=object if has_category else np.float64)  # float: None becomes NaN
        if has_category and self._nullable:
            for j in self._nullable:
                column = X[:, j]
                column[np.equal(column, None)] = np.nan  # NaN stays NaN
        return X

    def _valid_columns(self, rows: Any) -> np.ndarray | None:
        """The validated array, checked column by column with numpy, when every row is valid; None
        otherwise (or for input it does not handle), and the row-by-row path then finds every
        problem and reports it. Handles what JSON decodes to: a list of lists, or of dicts."""
        if type(rows) is not list or len(rows) < COLUMN_PATH_ROWS:
            return None
        n = len(self.features)
        if all(type(row) is list and len(row) == n for row in rows):
            columns = list(zip(*rows))
        else:
            names = self.names
            keys = set(names)
            if not all(type(row) is dict and len(row) == n and row.keys() == keys for row in rows):
                return None
            columns = [[row[name] for row in rows] for name in names]
        has_category = any(f.type == "category" for f in self.features)
        X = np.empty((len(rows), n), dtype=object if has_category else np.float64)
        for j, (feature, column) in enumerate(zip(self.features, columns)):
            checked = feature.checked_column(column)
            if checked is None:
                return None
            if has_category and feature.type != "category":  # keep the values as sent, as the row path does
                checked = [np.nan if v is None else v for v in column]
            X[:, j] = checked
        return X

    def _row_values(self, i: int, row: Any, at: Locator,
                    room: int | None = MAX_DETAILS) -> tuple[list[Any], list[Problem], int]:
        """Row ``i``'s values in schema order, its first ``room`` problems (numbered by ``at``),
        and how many it has in all. Problems past ``room`` are counted, never built: a row with
        600,000 unknown keys costs a count, not 600,000 messages."""
        problems: list[Problem] = []
        count = 0

        def report(code: str, name: str | None, expected: str, got: str) -> None:
            nonlocal count
            count += 1
            if room is None or len(problems) < room:
                problems.append(Problem(code, expected, got, name, at.row(i), at.line(i)))

        n = len(self.features)
        # exact types first: a JSON row is a dict or a list, and typing's isinstance is slow in Pyodide
        is_mapping = type(row) is dict or (type(row) is not list and isinstance(row, Mapping))
        if is_mapping:
            only = None
            for key in row:
                if key not in self._by_name:
                    only = only or "only the fields " + ", ".join(self.names)
                    report("unknown_field", _shorten(str(key)), only, "got an unknown field")
            values = []
            for f in self.features:
                if f.name not in row:
                    report("missing_field", f.name, f.expected(), "missing")
                    values.append(None)
                    continue
                values.append(row[f.name])
        elif type(row) is list or (isinstance(row, Sequence) and not isinstance(row, (str, bytes))):
            if len(row) != n:
                report("wrong_shape", None, f"an array of {n} values in the order {', '.join(self.names)}",
                       f"got {len(row)} value{'s' if len(row) != 1 else ''}")
                return [None] * n, problems, count
            values = list(row)
        else:
            report("wrong_shape", None, f"an object keyed by feature name or an array of {n} values", f"got {_type_name(row)}")
            return [None] * n, problems, count
        present = row.keys() if is_mapping else self._by_name.keys()  # missing ones are reported
        for f, value in zip(self.features, values):
            if f.name in present:
                why = f.check(value, at.empty)
                if why:
                    report("wrong_value", f.name, f.expected(), why)
        return values, problems, count


def schema_rows(data: Any, schema: Schema) -> Any:
    """Rows as a client sends them, from a table a notebook holds: a DataFrame's schema columns in
    schema order (a missing value as None), a 2-D array's rows as lists; a list passes as it is."""
    if hasattr(data, "columns"):  # a DataFrame
        frame = data[list(schema.names)].astype(object)
        data = frame.where(frame.notna(), None).to_numpy()
    if hasattr(data, "tolist"):
        return [[None if isinstance(v, float) and v != v else v for v in row] for row in data.tolist()]
    return data
