"""One chunk (or Dask partition) of a file scored: its rows validated by ``py_pipeline.csv_io``
(the page's and the server's checks, with the same messages), the valid ones predicted, and the
result as a frame: the original columns untouched, then the prediction and one probability column
per class. Both the one-machine path and the Dask path call :func:`score_frame`, so they write
the same files."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np
import pandas as pd

from py_pipeline import csv_io
from py_pipeline.model import Model

#: The error file of a scored file set: each problem with the file and the row it is in.
ERROR_COLUMNS = ("file", "row", "field", "expected", "problem")


@dataclass(frozen=True)
class Layout:
    """How a file set's columns feed the model, fixed from the first file's header."""

    columns: tuple[str, ...]  # the header, as written
    features: tuple[str, ...]  # the column feeding each feature, in schema order
    delimiter: str  # CSV only
    text: bool  # CSV (every cell read as text) or Parquet (typed columns)
    classes: tuple[Any, ...] | None  # the probability columns' classes, if the model gives any
    regression: bool

    def empty_result(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A result frame with no rows: the dtypes a Dask graph needs to know up front."""
        out = frame.iloc[:0].copy()
        out[csv_io.PREDICTION_COLUMN] = pd.Series([], dtype=object if self.text else _prediction_dtype(self))
        for c in self.classes or ():
            out[csv_io.probability_column(c)] = pd.Series([], dtype=object if self.text else np.float64)
        return out


def layout_for(model: Model, columns: list[str], *, text: bool, delimiter: str = ",") -> Layout:
    """Match a header to the model's features (by name, as the page does); raises InvalidInput
    naming a missing column."""
    mapping = csv_io.match_columns(columns, model.manifest.schema)
    features = tuple(columns[mapping[f.name]] for f in model.manifest.schema.features)
    classes = tuple(model.manifest.classes or ()) if model.manifest.task == "classification" else None
    return Layout(tuple(columns), features, delimiter, text, classes, model.manifest.task == "regression")


def score_frame(frame: pd.DataFrame, model: Model, layout: Layout, first_row: int,
                file: str) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Score a chunk whose first row is row ``first_row`` of ``file`` (0 is the first row after
    the header): the result frame of its valid rows, and every problem of the others."""
    schema = model.manifest.schema
    cells = frame[list(layout.features)]
    records = (cells.fillna("").to_numpy(dtype=object) if layout.text else _as_text(cells)).tolist()
    table = csv_io.CsvTable(list(layout.features), records, None, layout.delimiter,
                            {f.name: i for i, f in enumerate(schema.features)}, first_row)
    scored = csv_io.score(table, model)
    out = frame.iloc[scored.valid].reset_index(drop=True)
    if layout.text:
        out[csv_io.PREDICTION_COLUMN] = [csv_io.cell(p) for p in scored.predictions]
    else:
        out[csv_io.PREDICTION_COLUMN] = pd.Series(scored.predictions, dtype=_prediction_dtype(layout))
    if layout.classes:  # a classifier with no predict_proba: the columns stay empty
        proba = np.full((len(scored.valid), len(layout.classes)), np.nan) if scored.probabilities is None \
            else np.asarray(scored.probabilities, dtype=np.float64).reshape(len(scored.valid), len(layout.classes))
        for k, c in enumerate(layout.classes):
            out[csv_io.probability_column(c)] = [csv_io.probability_cell(p) for p in proba[:, k]] if layout.text \
                else proba[:, k]
    return out, [{**p, "file": file} for p in scored.problems]


def write_csv(frame: pd.DataFrame, out: TextIO, layout: Layout, header: bool) -> None:
    """Append a result frame to a CSV result file as py_pipeline.csv_io writes one (minimal
    quoting, CRLF, the input's delimiter)."""
    frame.to_csv(out, index=False, header=header, sep=layout.delimiter, lineterminator="\r\n",
                 quoting=csv.QUOTE_MINIMAL)


def write_problems(problems: list[dict[str, Any]], out: TextIO, header: bool) -> None:
    """Append problems to the error file: file, row (0 is the first row after the header), field,
    what was expected, the message."""
    writer = csv.writer(out, lineterminator="\r\n")
    if header:
        writer.writerow(ERROR_COLUMNS)
    writer.writerows([p["file"], p["row"], p.get("field") or "", p.get("expected", ""), p["message"]]
                     for p in problems)


def _as_text(cells: pd.DataFrame) -> np.ndarray:
    """Typed cells (Parquet) as the text a CSV file would hold, so they are checked alike: a float
    by its repr (which reads back exactly), a missing value as an empty cell."""
    def text(v: Any) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT:
            return ""
        if isinstance(v, np.generic):
            v = v.item()
        return repr(v) if isinstance(v, float) else str(v)

    return np.vectorize(text, otypes=[object])(cells.to_numpy(dtype=object)) if len(cells) else \
        cells.to_numpy(dtype=object)


def _prediction_dtype(layout: Layout) -> Any:
    return np.float64 if layout.regression else object
