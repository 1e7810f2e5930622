"""Reading a file set: its header, matched to the model's features once, then its rows a chunk at
a time (pandas for CSV, every cell as text; pyarrow for Parquet, typed)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

from py_pipeline import csv_io
from py_pipeline.errors import InvalidInput
from py_pipeline.model import Model

from .partition import Layout, layout_for

#: pandas.read_csv options that keep every cell as written: text, empty stays empty ("NA" too).
CSV_OPTIONS: dict[str, Any] = {"dtype": str, "keep_default_na": False, "na_filter": False, "encoding": "utf-8-sig"}


def read_layout(model: Model, files: list[Path], fmt: str) -> Layout:
    """The first file's header matched to the model's features; every other file must have the
    same header (the result is one file)."""
    headers = [_csv_header(f, model) if fmt == "csv" else (_parquet_header(f), ",") for f in files]
    (columns, delimiter), first = headers[0], files[0]
    for file, (other, _) in zip(files[1:], headers[1:]):
        if other != columns:
            raise _file_error(file, f"its header differs from {first.name}'s: every file must have the same columns",
                              "the header of the first file")
    return layout_for(model, columns, text=fmt == "csv", delimiter=delimiter)


def csv_chunks(file: Path, layout: Layout, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """A CSV file's rows, ``chunk_rows`` at a time."""
    try:
        with pd.read_csv(file, sep=layout.delimiter, chunksize=chunk_rows, **CSV_OPTIONS) as reader:
            yield from reader
    except UnicodeDecodeError:
        raise _file_error(file, "it is not UTF-8 text; save it as UTF-8 CSV", "UTF-8 text") from None
    except (pd.errors.ParserError, csv.Error) as exc:
        raise _file_error(file, f"it is not valid CSV ({str(exc).strip()})", "valid CSV") from None


def parquet_chunks(file: Path, layout: Layout, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """A Parquet file's rows, ``chunk_rows`` at a time, typed as stored."""
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(file).iter_batches(batch_size=chunk_rows):
        yield batch.to_pandas()


def _csv_header(file: Path, model: Model) -> tuple[list[str], str]:
    try:
        with open(file, encoding="utf-8-sig", newline="") as f:
            line = f.readline()
    except UnicodeDecodeError:
        raise _file_error(file, "it is not UTF-8 text; save it as UTF-8 CSV", "UTF-8 text") from None
    if not line.strip():
        raise _file_error(file, "it is empty: expected a header line naming the columns", "a header line")
    delimiter = csv_io.sniff_delimiter(line, model.manifest.schema)
    return next(csv.reader([line], delimiter=delimiter)), delimiter


def _parquet_header(file: Path) -> list[str]:
    import pyarrow.parquet as pq

    try:
        return list(pq.read_schema(file).names)
    except Exception as exc:  # pyarrow's own error types vary: a file that is not Parquet
        raise _file_error(file, f"it is not a Parquet file ({exc})", "a Parquet file") from None


def _file_error(file: Path, why: str, expected: str) -> InvalidInput:
    return InvalidInput(f"{file}: {why}", [{"row": None, "field": "file", "expected": expected, "file": str(file)}])
