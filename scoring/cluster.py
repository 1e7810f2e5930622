"""Scoring on a Dask cluster: the files read by ``dask.dataframe`` (a partition per block of a
CSV file, per row group of a Parquet file), each partition scored by :func:`score_frame` on a
worker, and the result written by Dask's own writer, so the outputs are those of the one-machine
path. Every worker loads the bundle once and checks its sha256 first: a bundle changed on the
shared disk is refused by each worker, not scored with."""

from __future__ import annotations

import itertools
import shutil
import time
import warnings
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from py_pipeline.bundle import manifest_sha256
from py_pipeline.errors import IntegrityError
from py_pipeline.model import Model, load_model

from .local import Summary
from .partition import Layout, score_frame, write_problems
from .reading import CSV_OPTIONS

#: Models loaded in this process (a Dask worker), by bundle directory and manifest sha256.
_models: dict[tuple[str, str], Model] = {}


def worker_model(directory: str, sha256: str) -> Model:
    """The bundle in ``directory``, loaded once per process, after checking that its manifest is
    the one the client scored with (and, in load_model, every model file against the manifest)."""
    key = (directory, sha256)
    if key not in _models:
        found = manifest_sha256(Path(directory))
        if found != sha256:
            raise IntegrityError(f"the bundle in {directory} is not the one the client sent: its manifest's sha256 "
                                 f"is {found[:12]}…, expected {sha256[:12]}…")
        _models[key] = load_model(directory)
    return _models[key]


def check_workers(client: Any, directory: Path, sha256: str) -> dict[str, str]:
    """Load and check the bundle on every worker now; answer each worker's refusal (empty: none)."""
    answers = client.run(_load_here, str(directory), sha256, on_error="return")
    return {worker: f"{type(a).__name__}: {getattr(a, 'message', a)}" for worker, a in answers.items()
            if isinstance(a, BaseException)}


def _load_here(directory: str, sha256: str) -> str:
    worker_model(directory, sha256)
    return "ok"


def score_on_cluster(client: Any, directory: Path, files: list[Path], fmt: str, layout: Layout, out: Path,
                     errors: Path, *, blocksize: str | None = "4MB") -> Summary:
    """Score ``files`` on the cluster ``client`` talks to; write ``out`` (CSV: one file, as on one
    machine, joined from the workers' part files, so the workers must share the client's disk;
    Parquet: a directory of part files) and ``errors``."""
    import dask

    # cells stay Python strings, as pandas reads them on one machine (no pyarrow string dtype)
    with dask.config.set({"dataframe.convert-string": False}), warnings.catch_warnings():
        # the writer (a collection) and the problems (delayed) are computed together, so each
        # partition is scored once; Dask warns that mixing them materialises the graph, which is the point
        warnings.filterwarnings("ignore", "Computing mixed collections", UserWarning)
        return _score(client, directory, files, fmt, layout, out, errors, blocksize)


def _score(client: Any, directory: Path, files: list[Path], fmt: str, layout: Layout, out: Path, errors: Path,
           blocksize: str | None) -> Summary:
    import dask
    import dask.dataframe as dd

    started = time.perf_counter()
    sha256 = manifest_sha256(directory)
    refused = check_workers(client, directory, sha256)
    if refused:
        raise IntegrityError(f"{len(refused)} of {len(client.scheduler_info()['workers'])} workers refused the bundle: "
                             + "; ".join(f"{w}: {why}" for w, why in sorted(refused.items())))
    frames = [dd.read_csv(str(f), sep=layout.delimiter, blocksize=blocksize, **CSV_OPTIONS) if fmt == "csv"
              else dd.read_parquet(str(f)) for f in files]
    # rows before each partition in its file: the error file names a row by its index in the file
    lengths = [series.tolist() for series in dask.compute(*[frame.map_partitions(len) for frame in frames])]
    parts, firsts, names = [], [], []
    for file, frame, sizes in zip(files, frames, lengths):
        parts += frame.to_delayed()
        firsts += list(itertools.accumulate(sizes, initial=0))[:-1]
        names += [str(file)] * len(sizes)
    score = dask.delayed(partial(_score_part, str(directory), sha256, layout), pure=True, nout=2)
    scored = [score(part, first, name) for part, first, name in zip(parts, firsts, names)]
    meta = layout.empty_result(frames[0]._meta)
    result = dd.from_delayed([s[0] for s in scored], meta=meta, verify_meta=False)
    if layout.text:
        parts_dir = out.with_name(out.name + ".parts")
        # pandas' writer, with the options the one-machine path gives it: each worker writes the
        # partitions it scored (in parallel, no result crosses the network), then they are joined
        shutil.rmtree(parts_dir, ignore_errors=True)
        write = result.to_csv(str(parts_dir / "*.csv"), name_function=lambda i: f"{i:08d}", index=False,
                              header_first_partition_only=True, sep=layout.delimiter, lineterminator="\r\n",
                              compute=False)
    else:
        write = result.to_parquet(str(out), write_index=False, compute=False)
    _, problems = dask.compute(write, [s[1] for s in scored])
    if layout.text:
        _join(sorted(parts_dir.glob("*.csv")), out)
        shutil.rmtree(parts_dir)
    summary = Summary(rows=sum(sum(sizes) for sizes in lengths))
    with open(errors, "w", newline="", encoding="utf-8") as error_file:
        write_problems([], error_file, header=True)
        for part in problems:
            write_problems(part, error_file, header=False)
            summary.add_problems(part)
    summary.scored = summary.rows - summary.rejected_rows
    summary.seconds = time.perf_counter() - started
    return summary


def _join(parts: list[Path], out: Path) -> None:
    """Concatenate the part files (only the first has the header) into ``out``."""
    with open(out, "wb") as joined:
        for part in parts:
            with open(part, "rb") as f:
                shutil.copyfileobj(f, joined, 1 << 20)


def _score_part(directory: str, sha256: str, layout: Layout, frame: pd.DataFrame, first_row: int,
                file: str) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    return score_frame(frame, worker_model(directory, sha256), layout, first_row, file)
