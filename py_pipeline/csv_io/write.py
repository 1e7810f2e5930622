"""Writing result and error files: the file's own cells, then the prediction and one probability
column per class, joined a column at a time, byte for byte what Python's ``csv`` writer gives;
every cell a spreadsheet would run as a formula neutralised unless the pipeline asks for raw cells."""

from __future__ import annotations

import csv
import io
import re
from typing import Any, Iterable, Iterator, Sequence, TextIO

import numpy as np

from ..problems import Problem
from .table import CsvTable, Scored

PREDICTION_COLUMN = "prediction"
PROBABILITY_PREFIX = "probability_"
ERROR_COLUMNS = ("row", "line", "field", "expected", "problem")
#: What a spreadsheet may read as the start of a formula (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(text: str) -> str:
    """``text`` as a result or error file writes it: with a leading ``'`` when a spreadsheet
    would read it as a formula (a plain number such as ``-1.5`` is left alone).

    >>> safe_cell("=HYPERLINK(\"http://x\")"), safe_cell("-1.5"), safe_cell("-x"), safe_cell("a=b")
    ('\'=HYPERLINK("http://x")', '-1.5', "'-x", 'a=b')
    """
    if text.startswith(FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def safe_cells(cells: list[str], raw: bool = False) -> list[str]:
    """A row of cells as a result or error file writes it: each through :func:`safe_cell`, unless ``raw``."""
    return cells if raw else [safe_cell(c) for c in cells]


def raw_cells(manifest: Any) -> bool:
    """Whether the model's pipeline asked for raw cells in its files (``"csv_cells": "raw"``)."""
    return (manifest.extra or {}).get("csv_cells") == "raw"


def result_csv(table: CsvTable, scored: Scored, raw: bool = False) -> str:
    """The scored records: every original column untouched, then the prediction and one
    probability column per class. Invalid records are in :func:`errors_csv`, not here. Cells a
    spreadsheet would run are neutralised (:func:`safe_cell`) unless ``raw``."""
    out = io.StringIO(newline="")
    result_writer(out, table, scored, raw)
    out.write(result_text(result_columns(table, scored, raw), table.delimiter))
    return out.getvalue()


def result_writer(out: TextIO, table: CsvTable, scored: Scored, raw: bool = False) -> Any:
    """A CSV writer on ``out`` with the result file's header written."""
    writer = rows_writer(out, table.delimiter)
    writer.writerow(safe_cells(result_header(table, scored), raw))
    return writer


def rows_writer(out: TextIO, delimiter: str = ",") -> Any:
    """A CSV writer as every result and error file is written: minimal quoting, CRLF."""
    return csv.writer(out, delimiter=delimiter, lineterminator="\r\n")


def result_header(table: CsvTable, scored: Scored) -> list[str]:
    """The result file's columns: the file's own, the prediction, a probability per class."""
    classes = scored.classes if scored.probabilities is not None else []
    return [*table.columns, PREDICTION_COLUMN, *(probability_column(c) for c in classes), *scored.explained]


def probability_column(label: Any) -> str:
    """The result file's column holding the probability of class ``label``."""
    return f"{PROBABILITY_PREFIX}{label}"


#: A probability as the result file writes it (six decimals).
probability_cell = "{:.6f}".format


def result_columns(table: CsvTable, scored: Scored, raw: bool = False) -> list[Sequence[str]]:
    """The result file's cells for the scored records of ``table`` (indices in ``scored.valid``),
    a column at a time: the record's cells, the prediction, the probabilities; neutralised unless
    ``raw`` (a column none of whose cells could start a formula is taken as it is)."""
    if not scored.valid:
        return []
    records = table.records
    columns = list(scored.cells) if scored.cells is not None else list(zip(*(records[i] for i in scored.valid)))
    columns.append(list(map(cell, scored.predictions)))
    columns = [column if raw else safe_column(column) for column in columns]
    if scored.probabilities is not None:
        columns += [list(map(probability_cell, column)) for column in zip(*scored.probabilities)]
    return columns + explanation_cells(scored.explanations, raw)


def explanation_cells(columns: list[Any], raw: bool = False) -> list[Sequence[str]]:
    """Explanation columns (``explanations.explanation_columns``) as result cells: numbers by their
    repr (exact, so a row's contributions add up as computed), the explained class as a prediction is."""
    cells = [list(map(cell, np.asarray(column).tolist())) for column in columns]
    return [c if raw else safe_column(c) for c in cells]


def result_rows(table: CsvTable, scored: Scored, raw: bool = False) -> list[tuple[str, ...]]:
    """The result file's rows for the scored records of ``table``."""
    return list(zip(*result_columns(table, scored, raw)))


def result_text(columns: list[Sequence[str]], delimiter: str = ",") -> str:
    """Rows given a column at a time as CSV text, byte for byte what :func:`rows_writer` writes
    (minimal quoting, CRLF), joined in C."""
    return lines_text(result_lines(columns, delimiter))


def result_lines(columns: list[Sequence[str]], delimiter: str = ",") -> Iterator[str]:
    """Rows given a column at a time as CSV lines (no line ends), quoted as :func:`rows_writer`
    quotes: only a column holding a cell that needs quotes is quoted cell by cell."""
    special = (delimiter, '"', "\r", "\n")
    quoted = []
    for column in columns:
        joined = "".join(column)
        if any(ch in joined for ch in special):
            column = [f'"{c.replace(chr(34), chr(34) * 2)}"' if any(ch in c for ch in special) else c for c in column]
        quoted.append(column)
    return map(delimiter.join, zip(*quoted))


def lines_text(lines: Iterable[str]) -> str:
    """Lines as a result file writes them, each ended by CRLF."""
    text = "\r\n".join(lines)
    return text + "\r\n" if text else ""


def safe_column(column: Sequence[str]) -> Sequence[str]:
    """A column of cells through :func:`safe_cell`: as it is when no cell starts as a formula may."""
    if {c[:1] for c in column}.isdisjoint(FORMULA_START):
        return column
    return [safe_cell(c) for c in column]


def errors_csv(scored: Scored, raw: bool = False) -> str:
    """One line per problem: its row and line in the file, the field, what was expected, what was wrong."""
    out = io.StringIO(newline="")
    writer = rows_writer(out)
    writer.writerow(ERROR_COLUMNS)
    writer.writerows(problem_cells(p, raw) for p in scored.problems)
    return out.getvalue()


def problem_cells(problem: Problem, raw: bool = False) -> list[str]:
    """A problem as an error file's cells (:data:`ERROR_COLUMNS`), neutralised unless ``raw``."""
    def number(n: int | None) -> str:
        return "" if n is None else str(n)

    return safe_cells([number(problem.row), number(problem.line), problem.field or "", problem.expected,
                       problem.message()], raw)


def cell(value: Any) -> str:
    """A prediction as the result file writes it (a float by its repr, which reads back exactly)."""
    return repr(value) if isinstance(value, float) else str(value)
