"""Scoring a parsed file: its records become typed columns for the one column validator, the
valid ones are predicted, every problem of the others kept with its row and line; and a file
scored a chunk at a time, as the page does."""

from __future__ import annotations

import io
import itertools
import operator
from typing import Any, Sequence

import numpy as np

from ..columns import ColumnBatch, category_codes, flag_numbers, partition
from ..errors import InvalidInput
from ..drift.profile import Binner, Tally
from ..drift.report import drift_html
from ..drift.statistics import judge
from ..explanations import contribution_sums, explanation_columns, file_columns
from ..model import Model
from ..problems import Problem, errors_only, rows_with
from ..schema import Feature, Schema
from .read import _open, _records, _value, match_columns
from .table import CsvTable, Scored
from .write import raw_cells, result_columns, result_text, result_writer


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
    numbers, codes, values, odd = [], [], [], {}
    for j, (f, column) in enumerate(zip(schema.features, columns)):
        if f.type == "category":
            found, distinct = category_codes(column, category_value)
            codes.append(found)
            values.append(distinct)
        else:
            numbers.append(text_numbers(f, column, j, odd))
    return ColumnBatch.of_columns(len(columns[0]), numbers, codes, values, odd)


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
            return flag_numbers(f, x, j, odd)
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


def score(table: CsvTable, model: Model, start: int = 0, end: int | None = None,
          explain: str | None = None, drift: Tally | None = None) -> Scored:
    """Validate records ``start`` to ``end`` (all by default), predict the valid ones; ``explain``
    (``explanations.FILE_MODES``): explain them too, raising ExplanationUnavailable when the model
    cannot be explained; ``drift``: add the valid rows' bins and their predictions' to it."""
    valid, X, problems, cells = _validated(table, model.manifest.schema, start, end)
    invalid_rows = rows_with(problems)
    classes = list(model.manifest.classes or []) if model.manifest.task == "classification" else None
    explained = [] if explain is None else file_columns(model, explain)
    if X is None:  # no valid row: the explanation columns are empty
        return Scored(valid, [], [] if classes else None, classes, problems, invalid_rows, explained=explained,
                      explanations=[] if explain is None else explanation_columns(model, None, None, explain))
    answer, predictions, proba = model.predict_arrays(X)
    if drift is not None:
        drift(model, X, predictions)
    why = [] if explain is None else explanation_columns(model, X, predictions, explain)
    return Scored(valid, predictions.tolist(), None if proba is None else proba.tolist(), answer.get("classes"),
                  problems, invalid_rows, cells, explained, why)


class Scoring:
    """A file scored a chunk at a time, streaming: only one chunk's rows are held at once, the
    result file grows as rows are scored, and the page reports progress and can cancel between
    chunks. The files are those :func:`score` and :func:`result_csv` give for the whole file."""

    def __init__(self, data: bytes | str, model: Model, explain: str | None = None, drift: bool = False) -> None:
        schema = model.manifest.schema
        self.raw = raw_cells(model.manifest)
        reader, columns, delimiter, shift = _open(data, schema)
        self.model, self.records, self.explain = model, _records(reader, shift), explain
        # drift: the scored rows' bins against the model's profile (raises DriftUnavailable without one)
        self.tally = Tally(Binner.of(model)) if drift else None
        self.table = CsvTable(columns, [], [], delimiter, match_columns(columns, schema))
        # an estimate for progress (exact unless quoted cells hold line breaks); `done` is exact
        newline = b"\n" if isinstance(data, bytes) else "\n"
        self.total = max(data.count(newline) + (0 if data.endswith(newline) else 1) - reader.line_num, 0)
        self.done = self.rows_scored = 0
        self.scored = score(self.table, model, 0, 0, explain)  # the problems so far, the model's classes
        self.counts = dict.fromkeys(self.scored.classes or [], 0)
        positive = (model.manifest.extra or {}).get("positive_class")
        self.histogram_of = positive if positive in self.counts else None
        self.histogram = np.zeros(10, dtype=np.int64)
        #: explaining: each line's absolute contributions summed over the rows scored so far
        self.contribution_sums = dict.fromkeys(contribution_sums(self.scored.explained, self.scored.explanations), 0.0)
        self.out = io.StringIO(newline="")
        result_writer(self.out, self.table, self.scored, self.raw)
        self.preview: list[tuple[str, ...]] = []

    def step(self, rows: int) -> dict[str, Any]:
        """Score the next ``rows`` records; answer the counts so far."""
        chunk = list(itertools.islice(self.records, rows))
        table = CsvTable(self.table.columns, [r for _, r in chunk], [line for line, _ in chunk], self.table.delimiter,
                         self.table.mapping, first_row=self.done + 1)  # problems name rows in the whole file
        part = score(table, self.model, explain=self.explain, drift=self.tally)
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
        for line, total in contribution_sums(part.explained, part.explanations).items():
            self.contribution_sums[line] += total
        if part.probabilities:
            proba = np.asarray(part.probabilities)
            column = proba[:, part.classes.index(self.histogram_of)] if self.histogram_of else proba.max(axis=1)
            self.histogram += np.histogram(column, bins=10, range=(0, 1))[0]
        self.done += len(chunk)
        if len(chunk) < rows:
            self.total = self.done  # the end: the count is now exact
        return {"done": self.done, "total": max(self.total, self.done), "scored": self.rows_scored,
                "invalid_rows": s.invalid_rows}

    def drift_report(self, source: str) -> str | None:
        """The file's drift report (``py_pipeline.drift.report``), when it was asked for."""
        if self.tally is None:
            return None
        judged = judge(self.tally.binner, self.tally.by_line(), self.tally.rows)
        return drift_html(self.model, judged, self.tally.rows, source)

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


def validated_rows(table: CsvTable, schema: Schema) -> np.ndarray:
    """All the file's records as one validated batch (what :func:`score` predicts); raises the
    API's error listing the problems that reject rows, as :func:`error_for` words it."""
    _, X, problems, _ = _validated(table, schema, 0, None)
    errors = errors_only(problems)
    if errors or X is None:
        raise InvalidInput.listing(errors, rows=rows_with(problems), most=100)
    return X


def error_for(scored: Scored, most: int = 100) -> InvalidInput | None:
    """The problems that reject rows as the API's error (the first ``most`` listed, all counted), or
    None when none does (warnings alone reject nothing)."""
    errors = errors_only(scored.problems)
    if not errors:
        return None
    return InvalidInput.listing(errors, rows=scored.invalid_rows, most=most)
