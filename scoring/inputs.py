"""Which files an input names (one file, a glob, or a directory), and in which format."""

from __future__ import annotations

import glob
from pathlib import Path

from py_pipeline.errors import InvalidInput
from py_pipeline.problems import Problem

FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet"}


def input_files(specs: list[str]) -> tuple[list[Path], str]:
    """The files ``specs`` name, in order, and their one format ("csv" or "parquet"). A directory
    gives its CSV or Parquet files, sorted; a glob its matches, sorted."""
    files: list[Path] = []
    for spec in specs:
        path = Path(spec)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in FORMATS and p.is_file())
        elif any(c in spec for c in "*?["):
            found = sorted(Path(p) for p in glob.glob(spec, recursive=True) if Path(p).is_file())
        else:
            found = [path] if path.is_file() else []
        if not found:
            raise _input_error(f"{spec!r} names no CSV or Parquet file", spec)
        files += found
    formats = {FORMATS.get(p.suffix.lower()) for p in files}
    if None in formats:
        odd = next(p for p in files if p.suffix.lower() not in FORMATS)
        raise _input_error(f"{odd} is neither CSV (.csv, .tsv, .txt) nor Parquet (.parquet, .pq)", str(odd))
    if len(formats) > 1:
        raise _input_error("the inputs mix CSV and Parquet files: score one format at a time", "inputs")
    return files, formats.pop()


def _input_error(message: str, where: str) -> InvalidInput:
    return InvalidInput(message, [Problem("bad_file", "CSV or Parquet files", message, "input", file=where)])
