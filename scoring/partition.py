"""One chunk (or Dask partition) of a file scored: its rows validated by ``py_pipeline.csv_io``
(the page's and the server's checks, with the same messages), the valid ones predicted. A CSV
chunk answers the result file's rows as ``csv_io`` writes them for the page and the server (the
original cells, then the prediction and one probability column per class, neutralised against
spreadsheet formulas); a Parquet chunk answers a typed frame. Both the one-machine path and the
Dask path call these, so they write the same files."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Sequence, TextIO

import numpy as np
import pandas as pd

from py_pipeline import csv_io
from py_pipeline.columns import ColumnBatch, category_codes, flag_numbers, partition
from py_pipeline.explanations import EXPLAINED_CLASS_COLUMN, explanation_columns, file_columns
from py_pipeline.model import Model
from py_pipeline.problems import Problem, file_rows
from py_pipeline.schema import Schema

#: The error file of a scored file set: each problem with the file, and its row and line in it.
ERROR_COLUMNS = ("file", *csv_io.ERROR_COLUMNS)


@dataclass(frozen=True)
class Layout:
    """How a file set's columns feed the model, fixed from the first file's header."""

    columns: tuple[str, ...]  # the header, as written
    positions: tuple[int, ...]  # the column feeding each feature, in schema order
    features: tuple[str, ...]  # the features' names, in schema order
    delimiter: str  # CSV only
    text: bool  # CSV (every cell read as text) or Parquet (typed columns)
    classes: tuple[Any, ...] | None  # the probability columns' classes, if the model gives any
    regression: bool
    raw: bool = False  # the pipeline asked for raw cells (no neutralising of formulas)
    arrow_schema: Any = None  # Parquet: the result's schema (the input's columns, typed as stored, then ours)
    explain: str | None = None  # explanations.FILE_MODES: add the rows' explanations
    explained: tuple[str, ...] = ()  # their columns

    def table(self, records: list[list[str]], first_row: int, lines: list[int] | None = None) -> csv_io.CsvTable:
        """Records of this file set as ``csv_io`` scores them: data rows from ``first_row``, each
        starting on its line of ``lines`` in the file."""
        mapping = dict(zip(self.features, self.positions))
        return csv_io.CsvTable(list(self.columns), records, lines, self.delimiter, mapping, first_row)

    def empty_result(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A Parquet result frame with no rows: the dtypes a Dask graph needs to know up front."""
        out = frame.iloc[:0].copy()
        out[csv_io.PREDICTION_COLUMN] = pd.Series([], dtype=_prediction_dtype(self))
        for c in self.classes or ():
            out[csv_io.probability_column(c)] = pd.Series([], dtype=np.float64)
        for name in self.explained:
            out[name] = pd.Series([], dtype=_explanation_dtype(self, name))
        return out


def layout_for(model: Model, columns: list[str], *, text: bool, delimiter: str = ",",
               arrow_schema: Any = None, explain: str | None = None) -> Layout:
    """Match a header to the model's features (by name, as the page does); raises InvalidInput
    naming a missing column, and ExplanationUnavailable when ``explain`` asks what the model cannot give."""
    schema = model.manifest.schema
    mapping = csv_io.match_columns(columns, schema)
    classes = tuple(model.manifest.classes or ()) if model.manifest.task == "classification" else None
    layout = Layout(tuple(columns), tuple(mapping[f.name] for f in schema.features),
                    tuple(f.name for f in schema.features), delimiter, text, classes,
                    model.manifest.task == "regression", csv_io.raw_cells(model.manifest), explain=explain,
                    explained=tuple(file_columns(model, explain)) if explain else ())
    return layout if arrow_schema is None else replace(layout, arrow_schema=_result_schema(arrow_schema, layout))


def header(layout: Layout, out: TextIO) -> Any:
    """Write a CSV result file's header to ``out``; answer the writer for its rows."""
    classes = list(layout.classes) if layout.classes else None
    none_scored = csv_io.Scored([], [], [] if classes else None, classes,  # the columns a scored chunk has
                                explained=list(layout.explained))
    return csv_io.result_writer(out, layout.table([], 1), none_scored, layout.raw)


def score_records(records: list[list[str]], lines: list[int], model: Model, layout: Layout, first_row: int,
                  file: str) -> tuple[str, int, list[Problem]]:
    """Score CSV records whose first is data row ``first_row`` of ``file`` (1 is the first row after
    the header), each starting on its line of ``lines``: the result file's text for the valid ones,
    how many they are, and every problem of the others."""
    table = layout.table(records, first_row, lines)
    scored = csv_io.score(table, model, explain=layout.explain)
    text = csv_io.result_text(csv_io.result_columns(table, scored, layout.raw), layout.delimiter)
    return text, len(scored.valid), in_file(scored.problems, file)


def in_file(problems: Sequence[Problem], file: str) -> list[Problem]:
    """The problems of a part of ``file``, each naming it."""
    return [replace(p, file=file) for p in problems]


def score_frame(frame: pd.DataFrame, model: Model, layout: Layout, first_row: int,
                file: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Score a Parquet chunk whose first row is data row ``first_row`` of ``file`` (from 1): the
    result frame of its valid rows (typed), and every problem of the others. Typed columns go to
    the one column validator as they are; only a flagged row is read as a CSV file would hold it
    (:func:`_as_text`), so its problems are worded as for the same row in a CSV file."""
    schema = model.manifest.schema
    features = frame.iloc[:, list(layout.positions)]
    keep, X, problems = partition(schema, frame_batch(schema, features),
                                  lambda i: (i, _text_row(schema, features, i)), file_rows(None, first_row))
    out = frame.iloc[keep].reset_index(drop=True)
    predictions, proba = np.empty(0, dtype=_prediction_dtype(layout)), None
    if X is not None:
        _, predictions, proba = model.predict_arrays(X)
    out[csv_io.PREDICTION_COLUMN] = pd.Series(predictions, dtype=_prediction_dtype(layout))
    if layout.classes:  # a classifier with no predict_proba: the columns stay empty
        if proba is None:
            proba = np.full((len(keep), len(layout.classes)), np.nan)
        for k, c in enumerate(layout.classes):
            out[csv_io.probability_column(c)] = proba[:, k]
    if layout.explain:
        for name, column in zip(layout.explained, explanation_columns(model, X, predictions, layout.explain)):
            out[name] = pd.Series(column, dtype=_explanation_dtype(layout, name))
    return out, in_file(problems, file)


def frame_batch(schema: Schema, features: pd.DataFrame) -> ColumnBatch:
    """A frame's feature columns (schema order) as a column batch: number columns as float64 (a
    null or NaN as missing), any other column read as its text (:func:`_as_text`), categories as
    their text, stripped."""
    numbers, codes, values, odd = [], [], [], {}
    for j, f in enumerate(schema.features):
        series = features.iloc[:, j]
        if f.type == "category":
            found, distinct = category_codes(map(_text, series), csv_io.category_value)
            codes.append(found)
            values.append(distinct)
        elif series.dtype.kind in "iuf":
            numbers.append(flag_numbers(f, series.to_numpy(dtype=np.float64, na_value=np.nan), j, odd))
        else:
            numbers.append(csv_io.text_numbers(f, [_text(v) for v in series], j, odd))
    return ColumnBatch.of_columns(len(features), numbers, codes, values, odd)


def _text_row(schema: Schema, features: pd.DataFrame, i: int) -> dict[str, Any]:
    """Row ``i`` as a CSV file would hold it, read as the CSV path reads it."""
    return {f.name: csv_io.cell_value(f, _text(v)) for f, v in zip(schema.features, features.iloc[i].tolist())}


def write_problems(problems: Sequence[Problem], out: TextIO, header: bool, raw: bool = False) -> None:
    """Append problems to the error file: the file, then the cells the page's error file has (row,
    line, field, what was expected, the message), neutralised against spreadsheet formulas unless ``raw``."""
    writer = csv_io.rows_writer(out)
    if header:
        writer.writerow(ERROR_COLUMNS)
    writer.writerows([*csv_io.safe_cells([p.file or ""], raw), *csv_io.problem_cells(p, raw)] for p in problems)


def _result_schema(arrow_schema: Any, layout: Layout) -> Any:
    """The Parquet result's schema: the input's columns as stored (so a column that is all null in
    the first chunk keeps its type), then the prediction and the probabilities."""
    import pyarrow as pa

    fields = [arrow_schema.field(i) for i in range(len(arrow_schema))]
    prediction = pa.float64() if layout.regression else pa.array(list(layout.classes or [""])).type
    fields.append(pa.field(csv_io.PREDICTION_COLUMN, prediction))
    fields += [pa.field(csv_io.probability_column(c), pa.float64()) for c in layout.classes or ()]
    fields += [pa.field(name, prediction if name == EXPLAINED_CLASS_COLUMN else pa.float64())
               for name in layout.explained]
    return pa.schema(fields)


def _text(v: Any) -> str:
    """A typed value (Parquet) as the text a CSV file would hold: a float by its repr (which reads
    back exactly), a missing value as an empty cell."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, np.generic):
        v = v.item()
    return repr(v) if isinstance(v, float) else str(v)


def _prediction_dtype(layout: Layout) -> Any:
    return np.float64 if layout.regression else object


def _explanation_dtype(layout: Layout, name: str) -> Any:
    return _prediction_dtype(layout) if name == EXPLAINED_CLASS_COLUMN else np.float64
