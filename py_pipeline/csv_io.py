"""CSV in and out, in one place for every path: the server's ``text/csv`` routes, the page's file
scoring (this module runs in Pyodide too) and the command-line scorer.

Reading matches the file's columns to the model's features by name, tolerant of case, spacing,
punctuation and a unit suffix ("Sepal length (cm)" finds ``sepal_length_cm``), and numbers every
record with the line it starts on, so a problem names the line a person sees in an editor.
Extra columns pass through untouched. Validation keeps every row: the valid ones are scored, the
invalid ones are listed with line, field and reason, never dropped or scored in silence.

Result and error files are safe to open in a spreadsheet: a cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return and is not a number is written with a leading ``'``
(OWASP's advice against CSV injection), so a spreadsheet shows it as text and never runs it. A
pipeline whose outputs need raw cells says so in its manifest (``"csv_cells": "raw"``).

Python's own ``csv`` module parses (quoted fields, embedded newlines, a BOM): it is in the
standard library on the server and in Pyodide alike, so the page and the server read a file the
same way, with no second parser to keep in step.
"""

from __future__ import annotations

import csv
import io
import itertools
import operator
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Sequence, TextIO

import numpy as np

from .columns import ColumnBatch, partition
from .errors import InvalidInput
from .problems import Locator, Problem, file_rows, rows_with
from .model import Model
from .schema import Feature, Schema, _shorten

DELIMITERS = (",", ";", "\t")
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


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


def _names_for(feature: Feature) -> set[str]:
    """The headers (normalised) that name ``feature``: its name and description, with or
    without its unit."""
    names = {_key(feature.name)}
    if feature.description:
        names.add(_key(feature.description))
    if feature.unit:
        unit = _key(feature.unit)
        names |= {f"{n} {unit}" for n in list(names)} | {n.removesuffix(f" {unit}") for n in list(names)}
    return {n for n in names if n}


def match_columns(columns: list[str], schema: Schema) -> dict[str, int]:
    """Feature name -> column index; every feature must find exactly one column."""
    keys = [_key(c) for c in columns]
    mapping: dict[str, int] = {}
    missing = []
    for feature in schema.features:
        names = _names_for(feature)
        found = [i for i, k in enumerate(keys) if k in names]
        if len(found) > 1:
            shown = ", ".join(repr(columns[i]) for i in found)
            raise InvalidInput(f"column for '{feature.name}' is ambiguous: {shown} all match it",
                               [Problem("no_column", "exactly one column", f"got {len(found)}: {shown}",
                                        feature.name, line=1)])
        if found:
            mapping[feature.name] = found[0]
        else:
            missing.append(feature)
    if missing:
        names = ", ".join(f.name for f in missing)
        header = ", ".join(repr(_shorten(c)) for c in columns[:20]) or "nothing"
        raise InvalidInput(
            f"the file has no column for {names}; its header reads {header}",
            [Problem("no_column", f"a column named {f.name!r}" + (f" or {f.description!r}" if f.description else ""),
                     "got none", f.name, line=1) for f in missing])
    return mapping


def read_csv(data: bytes | str, schema: Schema, max_rows: int | None = None, first_row: int = 1,
             first_line: int | None = None) -> CsvTable:
    """Parse a CSV file (UTF-8, an optional BOM; comma, semicolon or tab separated, whichever
    matches the features) and match its columns. Raises :class:`InvalidInput` when the file is
    not UTF-8, empty, or lacks a feature's column. With ``max_rows``, reading stops after
    ``max_rows + 1`` records: enough for the caller to refuse the file, without parsing the rest.

    A part of a larger file (its header, then some of its records) says where it sits: its first
    record is data row ``first_row``, and the line after its header is line ``first_line`` of the
    whole file, so every problem names the row and line a person finds in the whole file."""
    reader, columns, delimiter, shift = _open(data, schema, first_line)
    mapping = match_columns(columns, schema)
    records, lines = [], []
    for line, record in itertools.islice(_records(reader, shift), None if max_rows is None else max_rows + 1):
        records.append(record)
        lines.append(line)
    return CsvTable(columns, records, lines, delimiter, mapping, first_row)


def _open(data: bytes | str, schema: Schema, first_line: int | None = None) -> tuple[Any, list[str], str, int]:
    """A CSV reader past the header, the header, the delimiter, and how far the lines past the
    header move (``first_line``: where they start in the whole file). Bytes are decoded as they
    are read, so a large file is never held as text too."""
    body = data.removeprefix(b"\xef\xbb\xbf" if isinstance(data, bytes) else "\ufeff")
    if not re.search(rb"\S" if isinstance(body, bytes) else r"\S", body):
        raise InvalidInput("the file is empty: expected a header line naming the columns, then one line per row",
                           [Problem("bad_file", "a header line", "got nothing", "file", line=1)])
    lines = _decoded_lines(body) if isinstance(body, bytes) else io.StringIO(body, newline="")
    try:
        header = next(lines, "")
    except CsvParseError as exc:
        raise _unreadable(exc, exc.line) from None
    delimiter = sniff_delimiter(header, schema)
    reader = csv.reader(itertools.chain([header], lines), delimiter=delimiter, strict=True)
    columns = next(_records(reader, 0))[1]
    return reader, columns, delimiter, 0 if first_line is None else first_line - reader.line_num - 1


#: The reason a :class:`CsvParseError` gives for a byte that is not UTF-8.
NOT_UTF8 = "not UTF-8"


def _decoded_lines(body: bytes) -> Iterator[str]:
    """The lines of UTF-8 ``body``, decoded as they are read; a byte that is not UTF-8 raises
    :class:`CsvParseError` naming the line it is on."""
    try:
        yield from io.TextIOWrapper(io.BytesIO(body), encoding="utf-8", newline="")
    except UnicodeDecodeError:  # raised for the block being decoded: find the byte itself
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CsvParseError(body.count(b"\n", 0, exc.start) + 1, NOT_UTF8) from None
        raise


def _records(reader: Any, shift: int) -> Any:
    """(line the record starts on, record) for each non-blank record, its line moved by ``shift``;
    a parse error names its line."""
    try:
        for line, record in records(reader):
            yield line + shift, record
    except CsvParseError as exc:
        raise _unreadable(exc, exc.line + shift) from None


def _unreadable(exc: "CsvParseError", line: int) -> InvalidInput:
    if exc.why == NOT_UTF8:
        return InvalidInput(f"line {line}: the file is not UTF-8 text; save it as UTF-8 CSV",
                            [Problem("bad_file", "UTF-8 text", "got a byte that is not UTF-8", "file", line=line)])
    return InvalidInput(f"line {line}: the file is not valid CSV ({exc.why})",
                        [Problem("bad_file", "valid CSV", f"got {exc.why}", "file", line=line)])


class CsvParseError(ValueError):
    """Text that is not CSV: the line it was found on (counted from the reader's first line) and why."""

    def __init__(self, line: int, why: str) -> None:
        super().__init__(f"line {line}: {why}")
        self.line, self.why = line, why


def records(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """(line the record starts on, record) for each non-blank record of a ``csv.reader``, every
    reader's one way through a file (the page, the server and the command-line scorer): a blank
    line is no row, a record keeps every cell it has (the caller checks its width), and text that
    is not CSV raises :class:`CsvParseError` with its line."""
    previous = reader.line_num
    try:
        for record in reader:
            if record:  # a blank line is no row
                yield previous + 1, record
            previous = reader.line_num
    except csv.Error as exc:
        raise CsvParseError(reader.line_num, str(exc)) from None


def sniff_delimiter(header: str, schema: Schema) -> str:
    """The delimiter under which the header names the most features (comma on a tie)."""
    wanted = [_names_for(f) for f in schema.features]

    def score(delimiter: str) -> int:
        keys = {_key(c) for c in next(csv.reader([header], delimiter=delimiter), [])}
        return sum(bool(names & keys) for names in wanted)

    return max(DELIMITERS, key=score)


def _value(feature: Feature, text: str) -> Any:
    """A cell as the schema checks it: a number where it reads as one, None when empty (missing),
    else the text itself, so validation names what was there."""
    text = text.strip()
    if feature.type == "category":
        return text if text else None
    if not text:
        return None
    for number in (int, float):  # "42" stays 42 in messages, "4.2e1" is a float
        try:
            return number(text)
        except ValueError:
            pass
    return text


def rows_of(table: CsvTable, schema: Schema, start: int = 0, end: int | None = None) -> list[Any]:
    """Records ``start`` to ``end``, each as a row object keyed by feature name (or, when it has
    the wrong number of cells, the record itself, which validation then reports)."""
    width = len(table.columns)
    positions = [(f, table.mapping[f.name]) for f in schema.features]
    return [{f.name: _value(f, record[i]) for f, i in positions} if len(record) == width else record
            for record in table.records[start:end]]


def validate(table: CsvTable, schema: Schema, start: int = 0,
             end: int | None = None) -> tuple[list[int], np.ndarray | None, list[Problem]]:
    """Of records ``start`` to ``end``: indices of the valid ones, their validated array, and
    every problem of the others, each with its row and line.

    The records become typed columns (:func:`text_batch`) checked by the one column validator
    (``columns.screen``) with no loop over rows; only the rows it flags are read cell by cell
    and explained, so each problem is worded as the row path words it."""
    valid, X, problems, _ = _validated(table, schema, start, end)
    return valid, X, problems


def _validated(table: CsvTable, schema: Schema, start: int,
               end: int | None) -> tuple[list[int], np.ndarray | None, list[Problem], list[Sequence[str]]]:
    """:func:`validate`, and the valid records' cells a column at a time."""
    records = table.records[start:end]
    at = table.locator(start, end)
    width = len(table.columns)
    whole = [k for k, record in enumerate(records) if len(record) == width]
    problems = [] if len(whole) == len(records) else [
        Problem("wrong_cell_count", f"{width} cells, as the header has", f"got {len(records[k])}",
                row=at.row(k), line=at.line(k)) for k in sorted(set(range(len(records))) - set(whole))]
    if not whole:
        return [], None, problems, []
    cells = list(zip(*(records[k] for k in whole))) if problems else list(zip(*records))
    batch = text_batch(schema, [cells[table.mapping[f.name]] for f in schema.features])
    keep, X, found = partition(schema, batch, lambda i: (whole[i], _row(table, schema, start + whole[i])), at)
    if found:
        problems = sorted(problems + found, key=lambda p: p.row or 0)
    valid = [start + whole[i] for i in keep]
    if len(keep) < len(cells[0]):
        cells = [operator.itemgetter(*keep)(column) if len(keep) > 1 else tuple(column[i] for i in keep)
                 for column in cells]
    return valid, X, problems, cells


def text_batch(schema: Schema, columns: list[Sequence[str]]) -> ColumnBatch:
    """Feature columns of text (one per feature, in schema order, all of one length) as a column
    batch, each cell read as :func:`_value` reads it: numbers parsed by numpy (which reads text as
    Python's ``float`` does), an empty cell as missing, and a cell that is no number in ``odd``,
    so that its row is flagged. Categories keep their text, stripped."""
    n = len(columns[0])
    numbers, codes, values = [], [], []
    batch = ColumnBatch(n, "objects", np.empty((0, n)), np.empty((0, n), np.int32), values)
    for j, (f, column) in enumerate(zip(schema.features, columns)):
        if f.type == "category":
            index: dict[str, int] = {}
            codes.append(np.fromiter((index.setdefault(c, len(index)) for c in column), np.int32, n))
            values.append([category_value(c) for c in index])
        else:
            numbers.append(text_numbers(f, column, j, batch.odd))
    batch.numbers = np.array(numbers, dtype=np.float64).reshape(len(numbers), n)
    batch.codes = np.array(codes, dtype=np.int32).reshape(len(codes), n)
    return batch


def text_numbers(f: Feature, column: Sequence[str], j: int, odd: dict[tuple[int, int], Any]) -> np.ndarray:
    """A column of text as float64 (NaN where empty); what is no number goes in ``odd``. Python's
    own ``float`` reads each cell (as the row path does), mapped in C; a column with an empty cell
    or one that is no number is read cell by cell."""
    if "" not in column:
        try:
            x = np.fromiter(map(float, column), np.float64, len(column))
        except ValueError:
            pass
        else:
            if f.type == "integer":  # a huge integer may not survive the float: the row path checks it
                odd.update(((int(i), j), None) for i in np.flatnonzero(np.abs(x) > 2.0 ** 53))
            return x
    x = np.empty(len(column))
    for i, cell in enumerate(column):  # cell by cell, for a column holding a cell float refuses
        value = _value(f, cell)
        try:
            x[i] = np.nan if value is None else float(value)
        except (TypeError, ValueError, OverflowError):
            x[i] = np.nan
            odd[(i, j)] = value
        if (value is None and not f.missing) or (f.type == "integer" and abs(x[i]) > 2.0 ** 53):
            odd[(i, j)] = value
    return x


def _row(table: CsvTable, schema: Schema, i: int) -> dict[str, Any]:
    """Record ``i`` (it has every cell) as a row object, as :func:`rows_of` gives it."""
    record = table.records[i]
    return {f.name: _value(f, record[table.mapping[f.name]]) for f in schema.features}


def category_value(text: str) -> str | None:
    """A category's cell as the schema checks it: its text, stripped; None when empty (missing)."""
    return text.strip() or None


def cell_value(feature: Feature, text: str) -> Any:
    """A cell as the schema checks it (:func:`_value`): the one reading of a cell's text."""
    return _value(feature, text)


def score(table: CsvTable, model: Model, start: int = 0, end: int | None = None) -> Scored:
    """Validate records ``start`` to ``end`` (all by default), predict the valid ones."""
    valid, X, problems, cells = _validated(table, model.manifest.schema, start, end)
    invalid_rows = rows_with(problems)
    classes = list(model.manifest.classes or []) if model.manifest.task == "classification" else None
    if X is None:
        return Scored(valid, [], [] if classes else None, classes, problems, invalid_rows)
    answer, predictions, proba = model.predict_arrays(X)
    return Scored(valid, predictions.tolist(), None if proba is None else proba.tolist(), answer.get("classes"),
                  problems, invalid_rows, cells)


class Scoring:
    """A file scored a chunk at a time, streaming: only one chunk's rows are held at once, the
    result file grows as rows are scored, and the page reports progress and can cancel between
    chunks. The files are those :func:`score` and :func:`result_csv` give for the whole file."""

    def __init__(self, data: bytes | str, model: Model) -> None:
        schema = model.manifest.schema
        self.raw = raw_cells(model.manifest)
        reader, columns, delimiter, shift = _open(data, schema)
        self.model, self.records = model, _records(reader, shift)
        self.table = CsvTable(columns, [], [], delimiter, match_columns(columns, schema))
        # an estimate for progress (exact unless quoted cells hold line breaks); `done` is exact
        newline = b"\n" if isinstance(data, bytes) else "\n"
        self.total = max(data.count(newline) + (0 if data.endswith(newline) else 1) - reader.line_num, 0)
        self.done = self.rows_scored = 0
        self.scored = score(self.table, model, 0, 0)  # the problems so far, and the model's classes
        self.counts = dict.fromkeys(self.scored.classes or [], 0)
        positive = (model.manifest.extra or {}).get("positive_class")
        self.histogram_of = positive if positive in self.counts else None
        self.histogram = np.zeros(10, dtype=np.int64)
        self.out = io.StringIO(newline="")
        result_writer(self.out, self.table, self.scored, self.raw)
        self.preview: list[tuple[str, ...]] = []

    def step(self, rows: int) -> dict[str, Any]:
        """Score the next ``rows`` records; answer the counts so far."""
        chunk = list(itertools.islice(self.records, rows))
        table = CsvTable(self.table.columns, [r for _, r in chunk], [line for line, _ in chunk], self.table.delimiter,
                         self.table.mapping, first_row=self.done + 1)  # problems name rows in the whole file
        part = score(table, self.model)
        columns = result_columns(table, part, self.raw)
        self.out.write(result_text(columns, table.delimiter))
        self.preview += list(itertools.islice(zip(*columns), 10 - len(self.preview)))
        s = self.scored
        self.rows_scored += len(part.valid)
        s.problems += part.problems
        s.invalid_rows += part.invalid_rows
        if self.counts:
            for label in part.predictions:
                self.counts[label] += 1
        if part.probabilities:
            proba = np.asarray(part.probabilities)
            column = proba[:, part.classes.index(self.histogram_of)] if self.histogram_of else proba.max(axis=1)
            self.histogram += np.histogram(column, bins=10, range=(0, 1))[0]
        self.done += len(chunk)
        if len(chunk) < rows:
            self.total = self.done  # the end: the count is now exact
        return {"done": self.done, "total": max(self.total, self.done), "scored": self.rows_scored,
                "invalid_rows": s.invalid_rows}

    def take(self) -> str:
        """The result file's text written since the last call (its header first): the caller
        keeps the file as it grows, so it is never held here whole."""
        text = self.out.getvalue()
        self.out.seek(0)
        self.out.truncate()
        return text

    def result_csv(self) -> str:
        """The result file's text not yet taken (all of it when :meth:`take` was never called)."""
        return self.take()


def error_for(scored: Scored, most: int = 100) -> InvalidInput | None:
    """The problems as the API's error (the first ``most`` listed, all counted), or None."""
    if not scored.problems:
        return None
    return InvalidInput.listing(scored.problems, rows=scored.invalid_rows, most=most)


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
    return [*table.columns, PREDICTION_COLUMN, *(probability_column(c) for c in classes)]


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
    return columns


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
