"""The fast path for plain CSV files: no quote character anywhere, and a carriage return only
before a line feed. In such a file every line is one record and every cell is the text between
two delimiters, so pyarrow's reader (in C++, on both cores) gives exactly the cells Python's
``csv`` module gives, and the result file's row for a valid record is its own line with the
prediction cells after it. Anything else about a chunk (a ragged line, a cell that needs a
formula guard, text pyarrow refuses) sends that chunk down the path every file can take
(``csv_io`` on the records), so the files written are byte for byte the same either way.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from py_pipeline import csv_io
from py_pipeline.columns import ColumnBatch, flag_numbers, partition
from py_pipeline.explanations import explanation_columns
from py_pipeline.model import Model
from py_pipeline.problems import Problem, file_rows

from .partition import Layout, in_file
from .reading import not_utf8

#: A number's text as both Python's ``float`` and pyarrow's cast read it, to the same double
#: (anything else, spaces around a number included, is read by Python cell by cell).
_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
_SCAN_BYTES = 16 << 20


@dataclass
class PlainChunk:
    """Whole lines of a plain file: the text, the line the first one is, and its records' count."""

    text: str
    first_line: int
    lines: list[str]

    def __len__(self) -> int:
        return sum(1 for line in self.lines if line)  # a blank line is no record


def is_plain(file: Path) -> bool:
    """Whether ``file`` holds no quote character and no carriage return but before a line feed."""
    with open(file, "rb") as f:
        tail = b""
        while block := f.read(_SCAN_BYTES):
            block, tail = tail + block, block[-1:]
            if b'"' in block or block.count(b"\r") != block.count(b"\r\n") + block.endswith(b"\r"):
                return False
        return not tail.endswith(b"\r")


def plain_chunks(file: Path, chunk_rows: int) -> Iterator[PlainChunk]:
    """The lines after the header, about ``chunk_rows`` at a time (cut at line ends, by bytes, from
    the first lines' length). Bytes that are not UTF-8 raise the reader's error."""
    with open(file, "rb") as f:
        f.readline()  # the header
        sample = f.read(1 << 16)
        f.seek(-len(sample), 1)
        chunk_bytes = max(1, min(_SCAN_BYTES, chunk_rows * len(sample) // max(sample.count(b"\n"), 1)))
        line, rest = 2, b""
        while True:
            block = f.read(chunk_bytes)
            data = rest + block
            if not block:
                cut = len(data)
            else:
                cut = data.rfind(b"\n") + 1
                if cut == 0:
                    rest = data
                    continue
            data, rest = data[:cut], data[cut:]
            if not data:
                return
            try:
                text = data.decode("utf-8").replace("\r\n", "\n")
            except UnicodeDecodeError:
                raise not_utf8(file) from None
            lines = text.split("\n")
            if text.endswith("\n"):
                lines.pop()
            yield PlainChunk(text, line, lines)
            line += len(lines)


def score_plain(chunk: PlainChunk, model: Model, layout: Layout, first_row: int,
                file: str) -> tuple[str, int, list[Problem]] | None:
    """Score a plain chunk: the result file's text for its valid records, how many, and every
    problem of the others; None when the chunk must take the general path."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pv

    schema = model.manifest.schema
    delimiter, width = layout.delimiter, len(layout.columns)
    records = [line for line in chunk.lines if line]
    at = file_rows([chunk.first_line + i for i, line in enumerate(chunk.lines) if line], first_row)
    ragged = [k for k, line in enumerate(records) if line.count(delimiter) != width - 1]
    if ragged or len(records) < len(chunk.lines) or max(map(len, records), default=0) > csv.field_size_limit():
        return None  # rare: the general path numbers and words them (a cell over csv's limit is its error)
    names = [f"c{i}" for i in range(width)]
    try:
        table = pv.read_csv(pa.py_buffer(chunk.text.encode()),
                            read_options=pv.ReadOptions(column_names=names),
                            parse_options=pv.ParseOptions(delimiter=delimiter, quote_char=False),
                            convert_options=pv.ConvertOptions(
                                column_types={n: pa.string() for n in names},
                                include_columns=[names[i] for i in layout.positions]))
    except (pa.ArrowInvalid, UnicodeEncodeError):
        return None
    if table.num_rows != len(records):
        return None
    batch = _batch(schema, table, pc)
    keep, X, problems = partition(schema, batch, lambda i: (i, _row(schema, layout, records[i])), at)
    if X is None:
        return "", 0, in_file(problems, file)
    _, predictions, proba = model.predict_arrays(X)
    kept = [records[i] for i in keep] if len(keep) < len(records) else records
    if not layout.raw and _needs_guard(kept, delimiter):
        return None
    suffix = [csv_io.cell(p) for p in predictions.tolist()]
    columns: list[Any] = [suffix if layout.raw else csv_io.safe_column(suffix)]
    if layout.classes and proba is not None:
        columns += [list(map(csv_io.probability_cell, column)) for column in proba.T.tolist()]
    if layout.explain:
        columns += csv_io.explanation_cells(explanation_columns(model, X, predictions, layout.explain), layout.raw)
    text = csv_io.lines_text(map(delimiter.join, zip(kept, csv_io.result_lines(columns, delimiter))))
    return text, len(kept), in_file(problems, file)


def _batch(schema: Any, table: Any, pc: Any) -> ColumnBatch:
    """The feature columns (strings) as a column batch: numbers cast by pyarrow when every cell
    reads as a plain number (or is empty), else by Python's ``float`` cell by cell."""
    numbers, codes, values, odd = [], [], [], {}
    for j, (f, column) in enumerate(zip(schema.features, table.columns)):
        column = column.combine_chunks() if hasattr(column, "combine_chunks") else column
        if f.type == "category":
            encoded = column.dictionary_encode()
            codes.append(encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32))
            values.append([csv_io.category_value(v) for v in encoded.dictionary.to_pylist()])
            continue
        empty = pc.equal(column, "")
        plain = pc.or_(empty, pc.match_substring_regex(column, _NUMBER))
        if pc.all(plain).as_py():
            x = pc.cast(pc.if_else(empty, None, column), "float64").to_numpy(zero_copy_only=False)  # null: NaN
            numbers.append(flag_numbers(f, x, j, odd))
        else:
            numbers.append(csv_io.text_numbers(f, column.to_pylist(), j, odd))
    return ColumnBatch.of_columns(table.num_rows, numbers, codes, values, odd)


def _row(schema: Any, layout: Layout, line: str) -> dict[str, Any]:
    """A record's line as the row path reads it."""
    cells = line.split(layout.delimiter)
    return {f.name: csv_io.cell_value(f, cells[i]) for f, i in zip(schema.features, layout.positions)}


def _needs_guard(lines: list[str], delimiter: str) -> bool:
    """Whether a cell of these lines would be written with a formula guard (then the general path
    writes them): the cells that start with a formula character, found in the joined text, each
    checked as :func:`csv_io.safe_cell` checks it (a plain number such as -1.5 needs none)."""
    ends = re.escape("\n" + delimiter)
    text = "\n" + "\n".join(lines)
    starting = re.findall(f"[{ends}]([=+\\-@\t\r][^{ends}]*)", text)
    return any(csv_io.safe_cell(c) != c for c in starting)
