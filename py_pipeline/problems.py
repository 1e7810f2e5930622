"""Problems with a caller's input, as data.

A problem is a record (code, row, line, field, expected, got), numbered where it is found from a
:class:`Locator` the caller passes (as scikit-learn's checks take ``input_name``), and worded once,
by :meth:`Problem.message`. ``row`` is the 1-based data row (the first row after a file's header
is row 1) and ``line`` the 1-based physical line of a file (its header is line 1); a file's
problems carry both, so the API, the page, the error files, the command line and Dask all show
the same numbers. Nothing reads a number back out of a message.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

#: Every kind of problem, and what it means (the ``code`` of a detail).
PROBLEM_CODES: dict[str, str] = {
    "wrong_value": "a value the feature does not take (type, range, category, or a missing value)",
    "missing_field": "a feature absent from an object row",
    "unknown_field": "a key the model does not take",
    "wrong_shape": "a row that is neither an object nor an array with one value per feature",
    "wrong_cell_count": "a file's record with more or fewer cells than its header",
    "no_rows": "a batch or file with no rows",
    "not_rows": "'rows' is not a list of rows",
    "no_column": "a file with no column, or more than one, for a feature",
    "bad_file": "a file that cannot be read: empty, not UTF-8, not CSV or Parquet, or unlike the others",
    "bad_name": "a model name or version that breaks the naming rule",
    # a warning, not an error: the row is scored, and the answer lists it
    "out_of_range": "a value outside the feature's typical range (the training sample's): scored, but flagged",
}


@dataclass(frozen=True)
class Locator:
    """Where a batch's rows sit in what the caller sent: row ``i`` of the batch (0-based) is data
    row ``first_row + i``, on line ``lines[i]`` of its file when it came from one. ``empty`` is how
    a missing value was written there: ``null`` in JSON, an empty cell in a file."""

    first_row: int = 1
    lines: Sequence[int] | None = None
    empty: str = "null"

    def row(self, i: int) -> int:
        """The 1-based data row of the batch's ``i``-th row."""
        return self.first_row + i

    def line(self, i: int) -> int | None:
        """The physical line the batch's ``i``-th row starts on, when it came from a file."""
        return None if self.lines is None else self.lines[i]


#: Rows sent as JSON (or typed arrays), numbered from 1.
JSON_ROWS = Locator()


def file_rows(lines: Sequence[int] | None, first_row: int = 1) -> Locator:
    """Rows read from a file: ``lines`` (None when unknown, as for Parquet) and their first row."""
    return Locator(first_row, lines, "an empty cell")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input. ``got`` is the phrase after "expected ...," in the message:
    "got 'abc'", "got 500, above the maximum", "missing"."""

    code: str
    expected: str
    got: str
    field: str | None = None
    row: int | None = None
    line: int | None = None
    file: str | None = None

    def where(self) -> str:
        """Where it is, as a person looks for it: the line of a file (and its row), else the row."""
        if self.line is not None:
            place = f"line {self.line}" + (f" (row {self.row})" if self.row is not None else "")
        elif self.row is not None:
            place = f"row {self.row}"
        else:
            place = ""
        field = f"field '{self.field}'" if self.field is not None else ""
        return ", ".join(p for p in (place, field) if p)

    def message(self) -> str:
        """The problem in words: the one place it is worded."""
        where = self.where()
        return f"{where + ': ' if where else ''}expected {self.expected}, {self.got}"

    def to_dict(self) -> dict[str, Any]:
        """The problem as an error's detail (JSON): its fields and its message."""
        out = {"code": self.code, "row": self.row, "line": self.line, "field": self.field,
               "expected": self.expected, "got": self.got, "message": self.message()}
        if self.file is not None:
            out["file"] = self.file
        return out


def summary(problems: Sequence[Problem], total: int | None = None, rows: int | None = None,
            listed: int | None = None) -> str:
    """An error's message for ``problems`` (the first ones, of ``total`` in all, in ``rows``
    rows): the first problem's message, then how many there are."""
    total = len(problems) if total is None else total
    listed = len(problems) if listed is None else listed
    first = problems[0].message()
    if total <= 1:
        return first
    where = f" in {rows} row{'s' if rows != 1 else ''}" if rows is not None else " in all"
    more = f"; the first {listed} are listed" if listed < total else ""
    return f"{first} ({total} problems{where}{more})"


#: Codes of problems that reject nothing: the row is scored, and the problem says what is odd about it.
WARNING_CODES = frozenset({"out_of_range"})


def rows_with(problems: Iterable[Problem]) -> int:
    """How many distinct rows the problems (warnings aside) reject."""
    return len({p.row for p in problems if p.row is not None and p.code not in WARNING_CODES})


def errors_only(problems: Iterable[Problem]) -> list[Problem]:
    """The problems that reject their row (warnings aside)."""
    return [p for p in problems if p.code not in WARNING_CODES]


def starting_at(first_row: Any, field: str = "first_row") -> Locator:
    """JSON rows numbered from the caller's ``first_row`` (a whole number, at least 1): a batch
    sent a chunk at a time names its rows in the whole batch."""
    number = type(first_row) in (int, float)
    if not number or not math.isfinite(first_row) or first_row < 1 or first_row != int(first_row):
        from .errors import InvalidInput  # errors words its messages with this module

        got = f"got {first_row!r}" if number else f"got {type(first_row).__name__}"
        raise InvalidInput(f"'{field}' must be a whole number of at least 1, {got}",
                           [Problem("wrong_value", "a whole number of at least 1", got, field)])
    return Locator(int(first_row))  # 711.0 is 711, as JSON Schema's "integer" has it
