"""Scoring on this machine: each file read a chunk at a time (pandas for CSV, pyarrow for
Parquet), scored and appended to the result, so memory stays that of one chunk whatever the
file's size; tqdm draws the progress bar."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

from py_pipeline.model import Model

from .partition import Layout, score_frame, write_csv, write_problems
from .reading import csv_chunks, parquet_chunks


@dataclass
class Summary:
    """What a scoring run did."""

    rows: int = 0
    scored: int = 0
    problems: int = 0
    rejected_rows: int = 0
    seconds: float = 0.0

    def add_problems(self, problems: list[dict[str, Any]]) -> None:
        """Count a chunk's problems, and the rows they are in."""
        self.problems += len(problems)
        self.rejected_rows += len({p["row"] for p in problems})

    def line(self) -> str:
        rate = self.rows / self.seconds if self.seconds else 0.0
        rejected = f", {self.rejected_rows:,} rejected ({self.problems:,} problems)" if self.rejected_rows else ""
        return f"{self.rows:,} rows: {self.scored:,} scored{rejected} in {self.seconds:.1f} s ({rate:,.0f} rows/s)"


def score_files(model: Model, files: list[Path], fmt: str, layout: Layout, out: Path, errors: Path, *,
                chunk_rows: int = 50_000, progress: bool = True) -> Summary:
    """Score ``files`` into the result file ``out`` (CSV, or Parquet for Parquet input) and the
    error file ``errors`` (CSV)."""
    from tqdm import tqdm

    summary = Summary()
    started = time.perf_counter()
    bar = tqdm(unit=" rows", unit_scale=True, disable=not progress, desc="scoring")
    writer: Any = None
    with open(errors, "w", newline="", encoding="utf-8") as error_file:
        write_problems([], error_file, header=True)
        try:
            for file in files:
                first_row = 0
                for frame in _chunks(file, fmt, layout, chunk_rows):
                    result, problems = score_frame(frame, model, layout, first_row, str(file))
                    writer = _append(writer, result, out, layout)
                    write_problems(problems, error_file, header=False)
                    first_row += len(frame)
                    summary.rows += len(frame)
                    summary.scored += len(result)
                    summary.add_problems(problems)
                    bar.update(len(frame))
            if writer is None:  # no rows at all: the result still has its header
                writer = _append(writer, layout.empty_result(pd.DataFrame(columns=list(layout.columns))), out, layout)
        finally:
            bar.close()
            if writer is not None:
                writer.close()
    summary.seconds = time.perf_counter() - started
    return summary


def _chunks(file: Path, fmt: str, layout: Layout, chunk_rows: int) -> Iterator[pd.DataFrame]:
    return csv_chunks(file, layout, chunk_rows) if fmt == "csv" else parquet_chunks(file, layout, chunk_rows)


def _append(writer: Any, result: pd.DataFrame, out: Path, layout: Layout) -> Any:
    """Append ``result`` to the result file, opening it (and writing the header) the first time."""
    if layout.text:
        first = writer is None
        if first:
            writer = open(out, "w", newline="", encoding="utf-8")
        write_csv(result, writer, layout, header=first)
        return writer
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(result, preserve_index=False)
    if writer is None:
        writer = pq.ParquetWriter(out, table.schema)
    writer.write_table(table.cast(writer.schema))
    return writer
