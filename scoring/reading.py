"""Reading a file set: its header, matched to the model's features once, then its rows a chunk at
a time. CSV goes through ``py_pipeline.csv_io``'s own reader (Python's ``csv`` module, as on the
page and the server), so every path gives the same rows and the same problems for the same file:
a record with too many or too few cells is rejected, never cut or padded; a NUL byte, a repeated
column name and the field size limit are treated alike. Parquet is read by pyarrow, typed."""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path
from typing import Any, Iterable, Iterator

from py_pipeline import csv_io
from py_pipeline.errors import InvalidInput
from py_pipeline.model import Model
from py_pipeline.problems import Problem

from .partition import Layout, layout_for


def read_layout(model: Model, files: list[Path], fmt: str, explain: str | None = None) -> Layout:
    """The first file's header matched to the model's features; every other file must have the
    same header (the result is one file). ``explain``: the result explains its rows too."""
    headers = [_csv_header(f, model) if fmt == "csv" else (_parquet_header(f), ",") for f in files]
    (columns, delimiter), first = headers[0], files[0]
    for file, (other, _) in zip(files[1:], headers[1:]):
        if other != columns:
            raise _file_error(file, f"its header differs from {first.name}'s: every file must have the same columns",
                              "the header of the first file")
    return layout_for(model, columns, text=fmt == "csv", delimiter=delimiter,
                      arrow_schema=None if fmt == "csv" else _parquet_schema(files[0]), explain=explain)


def parse_records(lines: Iterable[str], layout: Layout, *, header: bool) -> Iterator[tuple[int, list[str]]]:
    """(line, record) for the records of CSV text (``lines``, as a file object gives them, counted
    from 1), the header skipped when ``header``. Raises :class:`py_pipeline.csv_io.CsvParseError`
    with the line."""
    reader = csv.reader(lines, delimiter=layout.delimiter, strict=True)
    found = csv_io.records(reader)
    if header:
        next(found, None)
    yield from found


class Records(list):
    """A chunk of CSV records, with the line each starts on in its file."""

    lines: list[int]


def _records(found: Iterable[tuple[int, list[str]]], line_offset: int = 0) -> Records:
    chunk = Records()
    chunk.lines = []
    for line, record in found:
        chunk.append(record)
        chunk.lines.append(line + line_offset)
    return chunk


def csv_chunks(file: Path, layout: Layout, chunk_rows: int) -> Iterator[Records]:
    """A CSV file's records, ``chunk_rows`` at a time."""
    try:
        with open(file, encoding="utf-8-sig", newline="") as f:
            found = parse_records(f, layout, header=True)
            while chunk := _records(itertools.islice(found, chunk_rows)):
                yield chunk
    except UnicodeDecodeError:
        raise not_utf8(file) from None
    except csv_io.CsvParseError as exc:
        raise not_csv(file, exc.line, exc.why) from None


def text_records(text: str, layout: Layout, first_line: int) -> Records:
    """The records of whole lines of CSV text (no header) whose first line is ``first_line``."""
    return _records(parse_records(io.StringIO(text, newline=""), layout, header=False), first_line - 1)


def block_records(block: bytes, layout: Layout, *, first: bool, lines_before: int = 0) -> Records:
    """The records of one block of a CSV file (whole lines; the file's first block holds the
    header), each with its line in the file (``lines_before``: the lines of the blocks before)."""
    text = block.decode("utf-8-sig" if first else "utf-8")
    return _records(parse_records(io.StringIO(text, newline=""), layout, header=first), lines_before)


def parquet_chunks(file: Path, layout: Layout, chunk_rows: int) -> Iterator[Any]:
    """A Parquet file's rows, ``chunk_rows`` at a time, typed as stored."""
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(file).iter_batches(batch_size=chunk_rows, columns=list(layout.columns)):
        yield batch.to_pandas()


def not_utf8(file: Path | str) -> InvalidInput:
    return _file_error(file, "it is not UTF-8 text; save it as UTF-8 CSV", "UTF-8 text")


def not_csv(file: Path | str, line: int, why: str) -> InvalidInput:
    return _file_error(file, f"line {line}: it is not valid CSV ({why})", "valid CSV")


def _csv_header(file: Path, model: Model) -> tuple[list[str], str]:
    try:
        with open(file, encoding="utf-8-sig", newline="") as f:
            line = f.readline()
    except UnicodeDecodeError:
        raise not_utf8(file) from None
    if not line.strip():
        raise _file_error(file, "it is empty: expected a header line naming the columns", "a header line")
    delimiter = csv_io.sniff_delimiter(line, model.manifest.schema)
    return next(csv.reader([line], delimiter=delimiter)), delimiter


def _parquet_header(file: Path) -> list[str]:
    return list(_parquet_schema(file).names)


def _parquet_schema(file: Path) -> Any:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(file)
    except Exception as exc:  # pyarrow's own error types vary: a file that is not Parquet
        raise _file_error(file, f"it is not a Parquet file ({exc})", "a Parquet file") from None
    # the columns of the data, not the index pandas stored beside them
    index = {c for c in (schema.pandas_metadata or {}).get("index_columns", []) if isinstance(c, str)}
    return pa.schema([f for f in schema if f.name not in index])


def _file_error(file: Path | str, why: str, expected: str) -> InvalidInput:
    return InvalidInput(f"{file}: {why}", [Problem("bad_file", expected, why, "file", file=str(file))])
