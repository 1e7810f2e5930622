"""Column batches: rows that crossed from JavaScript as typed arrays, one block per kind of column.

``web/lib/columns.js`` writes them; :func:`validate_batch` checks them with numpy, with no loop
over rows, and returns the same 2-D array :meth:`Schema.validate` would. Invalid rows (found by
vectorised masks) are rebuilt as the caller sent them and explained by the row path, so a batch
gets exactly the problems, messages and totals the same rows would get as JSON.

The wire format:

- ``numbers``: float64, one block of ``rows`` values per number or integer feature, in schema
  order. A value that is not a JS number sits in ``odd`` and its slot holds NaN.
- ``codes``: int32, one block per category feature: an index into that feature's ``values`` (its
  distinct values as sent), or -1 where the row gives none.
- ``meta`` (JSON; NaN and Infinity written as such): ``rows``; ``kind`` (``arrays``, ``objects`` or
  ``columns``); ``values``; and the exceptions, each a list: ``odd`` ``[row, position, value]``,
  ``absent`` ``[row, position]`` (a key missing from an object row), ``extra`` ``[row, key]``,
  ``length`` ``[row, n]`` (an array row of the wrong length) and ``other`` ``[row, value]`` (a
  row that is neither an array nor an object).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Iterable

import numpy as np

from .errors import InvalidInput
from .problems import JSON_ROWS, Locator, Problem
from .schema import COLUMN_PATH_ROWS, Feature, Schema

#: JavaScript writes integral numbers below this as integer digits (and JSON then carries an int),
#: above it in exponent form (a float): messages show a value as the JSON path would see it.
_JS_INTEGER_DIGITS_BELOW = 1e21


@dataclass
class ColumnBatch:
    """One batch as it arrived: the two typed-array blocks and the JSON side-table."""

    rows: int
    kind: str
    numbers: np.ndarray  # (number features, rows) float64
    codes: np.ndarray  # (category features, rows) int32
    values: list[list[Any]]
    odd: dict[tuple[int, int], Any] = field(default_factory=dict)
    absent: set[tuple[int, int]] = field(default_factory=set)
    extra: dict[int, list[str]] = field(default_factory=dict)
    length: dict[int, int] = field(default_factory=dict)
    other: dict[int, Any] = field(default_factory=dict)

    @classmethod
    def from_wire(cls, schema: Schema, meta: dict[str, Any], numbers: Any, codes: Any) -> "ColumnBatch":
        """Read a batch; raise :class:`InvalidInput` if the blocks do not fit the schema."""
        rows = meta.get("rows")
        if type(rows) is not int or rows < 1:
            raise InvalidInput("'rows' is empty: send at least one row",
                               [Problem("no_rows", "at least one row", "got none", "rows")])
        n_numbers = sum(f.type != "category" for f in schema.features)
        n_categories = len(schema.features) - n_numbers
        numbers = np.frombuffer(numbers, dtype=np.float64) if numbers is not None else np.empty(0)
        codes = np.frombuffer(codes, dtype=np.int32) if codes is not None else np.empty(0, np.int32)
        values = meta.get("values") or []
        if numbers.size != n_numbers * rows or codes.size != n_categories * rows or len(values) != n_categories:
            raise InvalidInput(f"a column batch of {rows} rows does not fit the schema's {n_numbers} number and "
                               f"{n_categories} category features",
                               [Problem("wrong_shape", "one column per feature", f"got {numbers.size} numbers and "
                                        f"{codes.size} codes", "rows")])
        batch = cls(rows, meta.get("kind", "arrays"), numbers.reshape(n_numbers, rows),
                    codes.reshape(n_categories, rows), values)
        batch.odd = {(r, j): v for r, j, v in meta.get("odd", [])}
        batch.absent = {(r, j) for r, j in meta.get("absent", [])}
        for r, key in meta.get("extra", []):
            batch.extra.setdefault(r, []).append(key)
        batch.length = {r: n for r, n in meta.get("length", [])}
        batch.other = {r: v for r, v in meta.get("other", [])}
        return batch

    @classmethod
    def of_columns(cls, rows: int, numbers: list[np.ndarray], codes: list[np.ndarray], values: list[list[Any]],
                   odd: dict[tuple[int, int], Any]) -> "ColumnBatch":
        """A batch from a file's columns, built one feature at a time (read as text or typed)."""
        batch = cls(rows, "objects", np.array(numbers, dtype=np.float64).reshape(len(numbers), rows),
                    np.array(codes, dtype=np.int32).reshape(len(codes), rows), values)
        batch.odd = odd
        return batch

    def flagged_rows(self) -> np.ndarray:
        """Rows the side-table names: odd values, absent or unknown keys, wrong shapes."""
        flagged = np.zeros(self.rows, dtype=bool)
        for r, _ in self.odd:
            flagged[r] = True
        for r, _ in self.absent:
            flagged[r] = True
        for table in (self.extra, self.length, self.other):
            flagged[list(table)] = True
        return flagged


def validate_batch(schema: Schema, batch: ColumnBatch, at: Locator = JSON_ROWS) -> np.ndarray:
    """The batch as a 2-D array in schema order, or :class:`InvalidInput` with every problem,
    its rows numbered by ``at``."""
    slots = _slots(schema)
    if batch.rows < COLUMN_PATH_ROWS:  # a few rows: numpy's per-call cost outweighs the loop
        return schema.validate([_rebuilt_row(schema, slots, batch, i) for i in range(batch.rows)], at)
    bad = screen(schema, batch)
    if bad.any():
        error = schema.explain(((int(i), _rebuilt_row(schema, slots, batch, int(i))) for i in np.flatnonzero(bad)), at)
        if error is None:  # cannot happen: every flagged row has a problem
            raise AssertionError("a row flagged invalid passed the row-by-row check")
        raise error
    return assemble(schema, batch)


def screen(schema: Schema, batch: ColumnBatch) -> np.ndarray:
    """Per row, is it invalid? :meth:`Feature.check` vectorised over the whole batch, with no
    loop over rows: the one column validator, for typed arrays from the page, CSV files on the
    server, the page and the command line, and Parquet. Only the rows it flags take the row path,
    which words each problem."""
    bad = batch.flagged_rows()
    for j, (kind, k) in enumerate(_slots(schema)):
        f = schema.features[j]
        if kind == "number":
            bad |= ~f.valid_numbers(batch.numbers[k])
        else:
            allowed = np.array([f.check(v) is None for v in batch.values[k]] + [False])  # code -1: last
            bad |= ~allowed[batch.codes[k]]
    return bad


def partition(schema: Schema, batch: ColumnBatch, flagged_row: Callable[[int], tuple[int, Any]],
              at: Locator) -> tuple[np.ndarray, np.ndarray | None, list[Problem]]:
    """A batch split as a file is scored: the indices of its valid rows, their array, and every
    problem of the others (and the valid rows' warnings: values outside a typical range). :func:`screen` checks every row at once; only the rows it flags take
    the row path, each as ``flagged_row`` gives it (its index for ``at``, and the row as the
    caller read it, so each problem is worded as for that row alone)."""
    bad = screen(schema, batch)
    problems: list[Problem] = []
    for i in np.flatnonzero(bad):
        error = schema.explain([flagged_row(int(i))], at, most=None)
        if error is None:  # flagged to be sure (a huge integer, say), and valid on the row path
            bad[i] = False
        else:
            problems += error.problems
    keep = np.flatnonzero(~bad)
    X = assemble(schema, batch, keep) if len(keep) else None
    if X is not None:  # values outside their typical range: scored, and listed as warnings
        flagged, _ = schema.warnings(X, at, most=None, index=keep)
        if flagged:
            problems = sorted(problems + flagged, key=lambda p: p.row or 0)
    return keep, X, problems


def flag_numbers(f: Feature, x: np.ndarray, j: int, odd: dict[tuple[int, int], Any]) -> np.ndarray:
    """A number feature's column ``x`` (float64, NaN where empty or missing), its rows the row path
    must see put in ``odd``: a missing value where the feature may not be missing, and an integer
    too large for a float to hold exactly."""
    if not f.missing:
        odd.update(((int(i), j), None) for i in np.flatnonzero(np.isnan(x)))
    if f.type == "integer":
        odd.update(((int(i), j), None) for i in np.flatnonzero(np.abs(x) > 2.0 ** 53))
    return x


def category_codes(column: Iterable[Any], read: Callable[[Any], Any]) -> tuple[np.ndarray, list[Any]]:
    """A category column as codes into its distinct values, each distinct value read once."""
    index: dict[Any, int] = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in column), np.int32)
    return codes, [read(v) for v in index]


def assemble(schema: Schema, batch: ColumnBatch, keep: np.ndarray | None = None) -> np.ndarray:
    """The batch's rows (``keep``: the indices of those to take; all by default) as the 2-D
    array :meth:`Schema.validate` gives: float64, or object when a feature is a category."""
    slots = _slots(schema)
    numbers = batch.numbers if keep is None else batch.numbers[:, keep]
    if not any(kind == "category" for kind, _ in slots):
        return np.ascontiguousarray(numbers.T)
    codes = batch.codes if keep is None else batch.codes[:, keep]
    X = np.empty((numbers.shape[1], len(slots)), dtype=object)
    for j, (kind, k) in enumerate(slots):
        if kind == "number":
            X[:, j] = numbers[k]
            continue
        column = np.array(batch.values[k] + [None], dtype=object)[codes[k]]
        if schema.features[j].missing:
            column[np.equal(column, None)] = np.nan
        X[:, j] = column
    return X


def _slots(schema: Schema) -> list[tuple[str, int]]:
    """For each feature, its block and index in that block."""
    counts = {"number": 0, "category": 0}
    out = []
    for f in schema.features:
        kind = "category" if f.type == "category" else "number"
        out.append((kind, counts[kind]))
        counts[kind] += 1
    return out


def _rebuilt_row(schema: Schema, slots: list[tuple[str, int]], batch: ColumnBatch, i: int) -> Any:
    """Row ``i`` as the caller sent it (an array, an object or another value), for the row path."""
    if i in batch.other:
        return batch.other[i]
    if i in batch.length:
        return [None] * batch.length[i]  # only its length is ever reported
    values = [_value(f, kind, k, batch, i, j) for j, (f, (kind, k)) in enumerate(zip(schema.features, slots))]
    if batch.kind == "arrays":
        return values
    row: dict[str, Any] = {key: None for key in batch.extra.get(i, [])}  # reported first, as in a JSON row
    row.update((f.name, v) for j, (f, v) in enumerate(zip(schema.features, values)) if (i, j) not in batch.absent)
    return row


def _value(f: Feature, kind: str, k: int, batch: ColumnBatch, i: int, j: int) -> Any:
    if (i, j) in batch.odd:
        return batch.odd[(i, j)]
    if kind == "category":
        code = int(batch.codes[k][i])
        return batch.values[k][code] if code >= 0 else None
    x = float(batch.numbers[k][i])
    if x != x and f.missing:
        return None
    # JavaScript has one number type: 5.0 is written "5", and 2**60 "1152921504606847000" (the
    # shortest digits that round-trip, as repr gives them), which JSON then carries as an int.
    if not x.is_integer() or abs(x) >= _JS_INTEGER_DIGITS_BELOW:
        return x
    return int(x) if abs(x) <= 2.0 ** 53 else int(Decimal(repr(x)))
