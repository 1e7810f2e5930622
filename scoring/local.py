"""Scoring on this machine: each file read a chunk at a time (``csv_io``'s reader for CSV, pyarrow
for Parquet), scored and appended to the result, so memory stays that of one chunk whatever the
file's size; tqdm draws the progress bar. The result and error files are written under temporary
names beside their places and moved into place only when every file is scored: a failed run
leaves no partial output, and whatever was there before stays as it was."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from py_pipeline import csv_io
from py_pipeline.files import staged_file
from py_pipeline.model import Model
from py_pipeline.problems import Problem, errors_only, rows_with

from .partition import Layout, header, score_frame, score_records, write_problems
from .plain import PlainChunk, is_plain, plain_chunks, score_plain
from .reading import csv_chunks, not_csv, parquet_chunks, text_records


@dataclass
class Summary:
    """What a scoring run did."""

    rows: int = 0
    scored: int = 0
    problems: int = 0
    rejected_rows: int = 0
    warnings: int = 0
    seconds: float = 0.0

    def add_problems(self, problems: list[Problem]) -> None:
        """Count a chunk's problems, the rows they reject (a chunk lies in one file), and its
        warnings (values outside a typical range, scored all the same)."""
        errors = errors_only(problems)
        self.problems += len(errors)
        self.warnings += len(problems) - len(errors)
        self.rejected_rows += rows_with(errors)

    def line(self) -> str:
        rate = self.rows / self.seconds if self.seconds else 0.0
        rejected = f", {self.rejected_rows:,} rejected ({self.problems:,} problems)" if self.rejected_rows else ""
        flagged = f", {self.warnings:,} values outside their typical range (flagged in the error file)" \
            if self.warnings else ""
        return (f"{self.rows:,} rows: {self.scored:,} scored{rejected}{flagged} in {self.seconds:.1f} s "
                f"({rate:,.0f} rows/s)")


def score_files(model: Model, files: list[Path], fmt: str, layout: Layout, out: Path, errors: Path, *,
                chunk_rows: int = 50_000, progress: bool = True) -> Summary:
    """Score ``files`` into the result file ``out`` (CSV, or Parquet for Parquet input) and the
    error file ``errors`` (CSV)."""
    from tqdm import tqdm

    summary = Summary()
    started = time.perf_counter()
    with staged_file(out) as out_tmp, staged_file(errors) as errors_tmp, \
            open(errors_tmp, "w", newline="", encoding="utf-8") as error_file, \
            tqdm(unit=" rows", unit_scale=True, disable=not progress, desc="scoring") as bar, \
            _ResultFile(out_tmp, layout, model) as result:
        write_problems([], error_file, header=True)
        for file in files:
            first_row = 1
            chunks = (plain_chunks(file, chunk_rows) if is_plain(file) else csv_chunks(file, layout, chunk_rows)) \
                if fmt == "csv" else parquet_chunks(file, layout, chunk_rows)
            for chunk in chunks:
                scored, problems = result.score(chunk, first_row, str(file))
                write_problems(problems, error_file, header=False, raw=layout.raw)
                first_row += len(chunk)
                summary.rows += len(chunk)
                summary.scored += scored
                summary.add_problems(problems)
                bar.update(len(chunk))
    summary.seconds = time.perf_counter() - started
    return summary


class _ResultFile(contextlib.AbstractContextManager):
    """The result file being written: CSV rows as ``csv_io`` writes them, or Parquet row groups
    with the schema fixed up front."""

    def __init__(self, path: Path, layout: Layout, model: Model) -> None:
        self.layout, self.model = layout, model
        if layout.text:
            self.file: Any = open(path, "w", newline="", encoding="utf-8")
            header(layout, self.file)
        else:
            import pyarrow.parquet as pq

            self.file = pq.ParquetWriter(path, layout.arrow_schema)

    def score(self, chunk: Any, first_row: int, file: str) -> tuple[int, list[Problem]]:
        """Score a chunk and append its valid rows; answer how many, and the problems."""
        if isinstance(chunk, PlainChunk):
            answer = score_plain(chunk, self.model, self.layout, first_row, file)
            if answer is None:  # something about the chunk needs the general path
                try:
                    chunk = text_records(chunk.text, self.layout, chunk.first_line)
                except csv_io.CsvParseError as exc:
                    raise not_csv(file, chunk.first_line - 1 + exc.line, exc.why) from None
        if isinstance(chunk, PlainChunk) and answer is not None:
            text, scored, problems = answer
            self.file.write(text)
            return scored, problems
        if self.layout.text:
            text, scored, problems = score_records(chunk, chunk.lines, self.model, self.layout, first_row, file)
            self.file.write(text)
            return scored, problems
        import pyarrow as pa

        frame, problems = score_frame(chunk, self.model, self.layout, first_row, file)
        self.file.write_table(pa.Table.from_pandas(frame, schema=self.layout.arrow_schema, preserve_index=False))
        return len(frame), problems

    def __exit__(self, *exc: Any) -> None:
        self.file.close()
