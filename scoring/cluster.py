"""Scoring on a Dask cluster: a task per block of whole lines of a CSV file (``dask.bytes``, parsed
by the one-machine path's reader) or per row group of a Parquet file (``dask.dataframe``), each
scored on a worker by the functions the one-machine path uses, so the outputs are the same. Every worker loads the bundle once and checks its sha256 first: a bundle changed on the
shared disk is refused by each worker, not scored with."""

from __future__ import annotations

import itertools
import shutil
import tempfile
import time
import warnings
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from py_pipeline import csv_io
from py_pipeline.bundle import manifest_sha256
from py_pipeline.drift.profile import Binner, Tally
from py_pipeline.errors import IntegrityError
from py_pipeline.files import staged_dir, staged_file
from py_pipeline.model import Model, load_model
from py_pipeline.problems import Problem

from .local import Summary
from .partition import Layout, header, score_frame, score_records, write_problems
from .reading import block_records, not_csv, not_utf8

#: Models loaded in this process (a Dask worker), by bundle directory and manifest sha256.
_models: dict[tuple[str, str], Model] = {}
#: Drift counts of the rows this worker scored for a run that asked for a drift report.
_tallies: dict[tuple[str, str], Tally] = {}


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


def _counting(directory: str, sha256: str, drift: bool) -> Model:
    """The worker's model; with ``drift``, counting the bins of every row it scores."""
    model = worker_model(directory, sha256)
    if drift and (directory, sha256) not in _tallies:
        tally = _tallies[(directory, sha256)] = Tally(Binner.of(model))
        model.observer = tally
    return model


def _take_tally(directory: str, sha256: str) -> tuple[int, list[list[int]]] | None:
    """This worker's drift counts for the run, handed over and forgotten."""
    tally = _tallies.pop((directory, sha256), None)
    worker_model(directory, sha256).observer = None
    return None if tally is None else (tally.rows, [c.tolist() for c in tally.counts])


def check_workers(client: Any, directory: Path, sha256: str) -> dict[str, str]:
    """Load and check the bundle on every worker now; answer each worker's refusal (empty: none)."""
    answers = client.run(_load_here, str(directory), sha256, on_error="return")
    return {worker: f"{type(a).__name__}: {getattr(a, 'message', a)}" for worker, a in answers.items()
            if isinstance(a, BaseException)}


def _load_here(directory: str, sha256: str) -> str:
    worker_model(directory, sha256)
    return "ok"


def score_on_cluster(client: Any, directory: Path, files: list[Path], fmt: str, layout: Layout, out: Path,
                     errors: Path, *, blocksize: str | None = "4MB", tally: Tally | None = None) -> Summary:
    """Score ``files`` on the cluster ``client`` talks to; write ``out`` (CSV: one file, as on one
    machine, joined from the workers' part files, so the workers must share the client's disk;
    Parquet: a directory of part files) and ``errors``. Both are written aside and moved into place
    when the whole run is done. ``tally``: receives the bins of every scored row, summed over the workers."""
    import dask

    started = time.perf_counter()
    sha256 = manifest_sha256(directory)
    refused = check_workers(client, directory, sha256)
    if refused:
        raise IntegrityError(f"{len(refused)} of {len(client.scheduler_info()['workers'])} workers refused the bundle: "
                             + "; ".join(f"{w}: {why}" for w, why in sorted(refused.items())))
    with dask.config.set({"dataframe.convert-string": False}), warnings.catch_warnings():
        # the writer (a collection) and the problems (delayed) are computed together, so each
        # partition is scored once; Dask warns that mixing them materialises the graph, which is the point
        warnings.filterwarnings("ignore", "Computing mixed collections", UserWarning)
        with staged_file(errors) as errors_tmp:
            if layout.text:
                with staged_file(out) as out_tmp:
                    lengths, problems = _score_csv(client, directory, sha256, files, layout, out_tmp, blocksize,
                                                   tally is not None)
            else:
                with staged_dir(out) as out_tmp:
                    lengths, problems = _score_parquet(directory, sha256, files, layout, out_tmp, tally is not None)
            if tally is not None:
                for counted in client.run(_take_tally, str(directory), sha256).values():
                    if counted is not None:
                        tally.add(*counted)
            summary = Summary(rows=sum(lengths))
            with open(errors_tmp, "w", newline="", encoding="utf-8") as error_file:
                write_problems([], error_file, header=True)
                for part in problems:
                    write_problems(part, error_file, header=False, raw=layout.raw)
                    summary.add_problems(part)
    summary.scored = summary.rows - summary.rejected_rows
    summary.seconds = time.perf_counter() - started
    return summary


def _score_csv(client: Any, directory: Path, sha256: str, files: list[Path], layout: Layout, out: Path,
               blocksize: str | None, drift: bool) -> tuple[list[int], list[list[Problem]]]:
    """CSV in blocks of whole lines (``dask.bytes``), each parsed by the reader the one-machine path
    uses: first every block counted (the rows before each block number the problems, a bad block
    names its line in the file), then scored, each worker writing its part file."""
    import dask
    from dask.bytes import read_bytes

    blocks, firsts, names = [], [], []
    for file in files:
        _, found = read_bytes(str(file), delimiter=b"\n", blocksize=blocksize, sample=False)
        blocks += found[0]
        firsts += [i == 0 for i in range(len(found[0]))]
        names += [str(file)] * len(found[0])
    count = dask.delayed(partial(_count_block, layout), pure=True)
    counts = dask.compute(*[count(b, f) for b, f in zip(blocks, firsts)])
    first_rows, lines_before, rows, line = [], [], 1, 0
    for i, (name, (n_lines, n_records, error)) in enumerate(zip(names, counts)):
        if firsts[i]:
            rows, line = 1, 0
        if error is not None:  # the same error, at the same line, as the one-machine path gives
            raise not_utf8(name) if error[0] is None else not_csv(name, line + error[0], error[1])
        first_rows.append(rows)
        lines_before.append(line)
        rows += n_records
        line += n_lines
    parts_dir = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".parts", dir=out.parent))
    try:
        score = dask.delayed(partial(_score_block, str(directory), sha256, layout, drift), pure=True)
        parts = [parts_dir / f"{i:08d}.csv" for i in range(len(blocks))]
        problems = dask.compute(*[score(b, f, r, before, n, str(p)) for b, f, r, before, n, p
                                  in zip(blocks, firsts, first_rows, lines_before, names, parts)])
        with open(out, "w", newline="", encoding="utf-8") as joined:
            header(layout, joined)
            joined.flush()
            for part in parts:
                with open(part, "rb") as f:
                    shutil.copyfileobj(f, joined.buffer, 1 << 20)
    finally:
        shutil.rmtree(parts_dir, ignore_errors=True)
    return [n for _, n, _ in counts], list(problems)


def _score_parquet(directory: Path, sha256: str, files: list[Path], layout: Layout,
                   out: Path, drift: bool) -> tuple[list[int], list[list[Problem]]]:
    """Parquet by row group (``dask.dataframe``), written by Dask's writer with the result's schema."""
    import dask
    import dask.dataframe as dd

    frames = [dd.read_parquet(str(f), columns=list(layout.columns), index=False) for f in files]
    # rows before each partition in its file: the error file names a row by its index in the file
    lengths = [series.tolist() for series in dask.compute(*[frame.map_partitions(len) for frame in frames])]
    parts, firsts, names = [], [], []
    for file, frame, sizes in zip(files, frames, lengths):
        parts += frame.to_delayed()
        firsts += list(itertools.accumulate(sizes, initial=1))[:-1]  # data rows from 1
        names += [str(file)] * len(sizes)
    score = dask.delayed(partial(_score_part, str(directory), sha256, layout, drift), pure=True, nout=2)
    scored = [score(part, first, name) for part, first, name in zip(parts, firsts, names)]
    meta = layout.empty_result(frames[0]._meta)
    result = dd.from_delayed([s[0] for s in scored], meta=meta, verify_meta=False)
    write = result.to_parquet(str(out), write_index=False, compute=False, schema=layout.arrow_schema)
    _, problems = dask.compute(write, [s[1] for s in scored])
    return [n for sizes in lengths for n in sizes], problems


def _count_block(layout: Layout, block: bytes, first: bool) -> tuple[int, int, tuple[int | None, str] | None]:
    """A block's lines and records, or where it stops being readable: (line in the block, why), or
    (None, "") for text that is not UTF-8."""
    try:
        return block.count(b"\n"), len(block_records(block, layout, first=first)), None
    except UnicodeDecodeError:
        return block.count(b"\n"), 0, (None, "")
    except csv_io.CsvParseError as exc:
        return block.count(b"\n"), 0, (exc.line, exc.why)


def _score_block(directory: str, sha256: str, layout: Layout, drift: bool, block: bytes, first: bool, first_row: int,
                 lines_before: int, file: str, part: str) -> list[Problem]:
    """Score a block, write its result rows to the part file ``part``; answer its problems."""
    records = block_records(block, layout, first=first, lines_before=lines_before)
    text, _, problems = score_records(records, records.lines, _counting(directory, sha256, drift), layout, first_row,
                                      file)
    with open(part, "w", newline="", encoding="utf-8") as f:
        f.write(text)
    return problems


def _score_part(directory: str, sha256: str, layout: Layout, drift: bool, frame: pd.DataFrame, first_row: int,
                file: str) -> tuple[pd.DataFrame, list[Problem]]:
    return score_frame(frame, _counting(directory, sha256, drift), layout, first_row, file)
