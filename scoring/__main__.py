"""Score CSV or Parquet files with a model bundle, writing the rows with their predictions and a
separate file of the rejected rows (file, row, field, what was expected, why).

    python -m scoring machine_failure sensors/*.csv --out scored.csv
    python -m scoring machine_failure@1.1.0 logs/ --out scored.csv --errors rejected.csv
    python -m scoring dist/models/iris/1.0.0 big.parquet --out scored.parquet --local-cluster 2
    python -m scoring machine_failure logs/ --out scored.csv --scheduler tcp://10.0.0.5:8786
    python -m scoring machine_failure sensors/*.csv --out explained.csv --explain

On one machine the files stream a chunk at a time (constant memory); with --local-cluster N or
--scheduler ADDRESS, Dask scores them by partition, with the same output (Parquet output on Dask
is a directory of part files). Exit status: 0 when done (rejected rows are in the error file), 2
when the model, the files or the options are wrong (the message says which, and a model that
cannot be explained says why before anything is written).

--drift-report HTML writes the scored rows' drift against the model's reference profile (the
server's statistics, the README's "Monitoring"); a model without a profile is refused before
anything is written.

--explain adds each row's exact, additive explanation (the README's "Why this prediction"):
base_value plus the contribution_ columns is the model's output for the explained class.

Nothing is lost: an output that names an input is refused, and so is an existing file unless
--overwrite is given, before anything is opened for writing; results are written under temporary
names and moved into place only when complete. Cells a spreadsheet would run as a formula (starting
with = + - @, a tab or a carriage return) are written with a leading ' in the result and error
files, unless the model's manifest asks for raw cells ("csv_cells": "raw").
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from py_pipeline.drift.profile import Binner, Tally
from py_pipeline.drift.report import drift_html
from py_pipeline.drift.statistics import judge
from py_pipeline.errors import PipelineError, UnknownModel
from py_pipeline.explanations import FILE_MODES
from py_pipeline.files import write_atomic
from py_pipeline.model import load_model
from py_pipeline.registry import scan_manifests, version_key

from .inputs import input_files
from .reading import read_layout

DEFAULT_MODELS = Path(os.environ.get("PY_PIPELINE_DIST", Path(__file__).resolve().parent.parent / "dist")) / "models"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scoring", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", help="a bundle directory, or NAME or NAME@VERSION under --models")
    parser.add_argument("inputs", nargs="+", help="CSV or Parquet files, globs or directories")
    parser.add_argument("--out", required=True, type=Path, help="the result file (.csv, or .parquet for Parquet)")
    parser.add_argument("--errors", type=Path, help="the rejected rows (CSV; default: OUT with .errors.csv)")
    parser.add_argument("--models", type=Path, default=DEFAULT_MODELS,
                        help=f"where NAME is found (default {DEFAULT_MODELS})")
    parser.add_argument("--chunk-rows", type=int, default=50_000, help="rows per chunk on one machine (default 50,000)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", help="score on the Dask cluster at ADDRESS")
    where.add_argument("--local-cluster", metavar="N", type=int, help="start a Dask cluster of N worker processes here")
    parser.add_argument("--blocksize", default="4MB", help="bytes of CSV per Dask partition "
                        "(default 4MB; 'none': one per file, for quoted line breaks)")
    parser.add_argument("--explain", nargs="?", const="predicted", choices=FILE_MODES,
                        help="add each row's exact explanation: a contribution_<feature> column per input feature "
                        "(and derived line), base_value and, for a classifier, explained_class; of the predicted "
                        "class (the default), or 'all' outputs (columns suffixed _<class>)")
    parser.add_argument("--drift-report", type=Path, metavar="HTML",
                        help="also write a drift report: the scored rows against the model's reference profile, "
                        "each feature's two histograms, statistics and verdict (one self-contained HTML file)")
    parser.add_argument("--overwrite", action="store_true", help="replace existing result and error files")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.chunk_rows < 1:
        parser.error("--chunk-rows must be at least 1")
    if args.local_cluster is not None and args.local_cluster < 1:
        parser.error("--local-cluster must be at least 1")
    try:
        summary = run(args)
    except PipelineError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    except OSError as exc:  # an output folder that cannot be written, a file gone mid-run
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"{summary.line()}; result: {args.out}, problems (rejected rows, flagged values): {errors_path(args)}"
          + (f", drift report: {args.drift_report}" if args.drift_report else ""), file=sys.stderr)
    return 0


def run(args: argparse.Namespace):
    """Score as the options say; answer the summary."""
    directory = bundle_directory(args.model, args.models)
    model = load_model(directory)
    files, fmt = input_files(args.inputs)
    layout = read_layout(model, files, fmt, args.explain)
    tally = Tally(Binner.of(model)) if args.drift_report else None
    if fmt == "csv" and args.out.suffix.lower() not in (".csv", ".tsv", ".txt"):
        raise PipelineError(f"--out {args.out}: CSV input is written as CSV; name it .csv")
    if fmt == "parquet" and args.out.suffix.lower() not in (".parquet", ".pq"):
        raise PipelineError(f"--out {args.out}: Parquet input is written as Parquet; name it .parquet")
    outputs = {"--out": args.out, "--errors": errors_path(args)}
    if args.drift_report:
        outputs["--drift-report"] = args.drift_report
    check_outputs(files, outputs, args.overwrite)
    for path in outputs.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    summary = score(args, directory, model, files, fmt, layout, tally)
    if tally is not None:  # the report last: written whole, after the files it describes
        source = ", ".join(f.name for f in files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
        judged = judge(tally.binner, tally.by_line(), tally.rows)
        write_atomic(args.drift_report, drift_html(model, judged, tally.rows, source))
    return summary


def score(args: argparse.Namespace, directory: Path, model, files: list[Path], fmt: str, layout, tally):
    """Score on one machine or on Dask, as the options say; the tally counts the scored rows' bins."""
    if args.scheduler is None and args.local_cluster is None:
        from .local import score_files

        model.observer = tally
        return score_files(model, files, fmt, layout, args.out, errors_path(args), chunk_rows=args.chunk_rows,
                           progress=not args.no_progress)
    from distributed import Client, LocalCluster

    from .cluster import score_on_cluster

    blocksize = None if str(args.blocksize).lower() == "none" else args.blocksize
    if args.scheduler:
        with Client(args.scheduler) as client:
            return score_on_cluster(client, directory, files, fmt, layout, args.out, errors_path(args),
                                    blocksize=blocksize, tally=tally)
    import dask

    # Dask's nanny sets MALLOC_TRIM_THRESHOLD_ in its workers, which turns off glibc's dynamic mmap
    # threshold: every numpy array of a chunk is then mmapped and zeroed afresh, and scoring ran
    # 2.5x slower (4.6 s against 1.8 s for 200,000 rows). Left unset, as on one machine.
    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}), \
            LocalCluster(n_workers=args.local_cluster, threads_per_worker=1, processes=True,
                         dashboard_address=None) as cluster, Client(cluster) as client:
        return score_on_cluster(client, directory, files, fmt, layout, args.out, errors_path(args),
                                blocksize=blocksize, tally=tally)


def bundle_directory(model: str, models: Path) -> Path:
    """A bundle directory as given, or model NAME[@VERSION] (the newest without one) under ``models``."""
    if Path(model).is_dir():
        return Path(model).resolve()
    name, _, version = model.partition("@")
    bundles = scan_manifests(models) if models.is_dir() else []
    found = {m.version: d for d, m in bundles if m.name == name}
    if not found:
        known = ", ".join(sorted({m.name for _, m in bundles})) or "none"
        raise UnknownModel(f"no model named {name!r} in {models}; available: {known}")
    if version and version not in found:
        raise UnknownModel(f"model {name!r} has no version {version!r}; available: {', '.join(found)}")
    return found[version or max(found, key=version_key)].resolve()


def check_outputs(inputs: list[Path], outputs: dict[str, Path], overwrite: bool) -> None:
    """Refuse, before anything is written, an output that is an input (or a folder holding one),
    two outputs that are one file, and an existing output the user did not ask to overwrite."""
    seen: dict[Path, str] = {}
    for flag, path in outputs.items():
        target = path.resolve()
        if target in seen:
            raise PipelineError(f"{flag} {path} is the same file as {seen[target]}: give them different names")
        seen[target] = flag
        for file in inputs:
            source = file.resolve()
            if source == target or target in source.parents or (path.exists() and os.path.samefile(path, file)):
                raise PipelineError(f"{flag} {path} would overwrite the input {file}: write the results elsewhere")
        if path.is_dir() and not (flag == "--out" and path.suffix.lower() in (".parquet", ".pq")):
            raise PipelineError(f"{flag} {path} is a folder: name a file")
        if path.exists() and not overwrite:
            raise PipelineError(f"{flag} {path} exists: choose another name, or pass --overwrite to replace it")


def errors_path(args: argparse.Namespace) -> Path:
    return args.errors or args.out.with_name(args.out.stem + ".errors.csv")


if __name__ == "__main__":
    sys.exit(main())
