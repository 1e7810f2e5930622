"""A parsed file and the outcome of scoring it: what reading, scoring and writing pass between them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from ..problems import Locator, Problem, file_rows


@dataclass
class CsvTable:
    """A parsed file: its header as written, its records, and where they are."""

    columns: list[str]
    records: list[list[str]]
    lines: list[int] | None  # the line each record starts on (the header is line 1); None: not known
    delimiter: str
    mapping: dict[str, int]  # feature name -> index of its column
    first_row: int = 1  # the first record's data row in its file (1, or later for a part of a larger read)

    def matched(self) -> dict[str, str]:
        """Feature name -> the file's column header that feeds it (shown to the user)."""
        return {name: self.columns[i] for name, i in self.mapping.items()}

    def locator(self, start: int = 0, end: int | None = None) -> Locator:
        """Where records ``start`` to ``end`` are in the file: their rows, and lines when known."""
        return file_rows(None if self.lines is None else self.lines[start:end], self.first_row + start)


@dataclass
class Scored:
    """The outcome of scoring a table: answers for the valid records, problems for the others."""

    valid: list[int]  # indices into the table's records
    predictions: list[Any]
    probabilities: list[list[float]] | None
    classes: list[Any] | None
    problems: list[Problem] = field(default_factory=list)  # every problem, with its row and line
    invalid_rows: int = 0
    #: the valid records' cells, a column at a time (the result file is written from them)
    cells: list[Sequence[str]] | None = field(default=None, repr=False)
    #: explanation columns asked for (``explanations.file_columns``), and theirs for the valid records
    explained: list[str] = field(default_factory=list)
    explanations: list[Any] = field(default_factory=list, repr=False)
