"""Import a handed-over model: a fitted scikit-learn estimator or pipeline (a joblib or pickle
file, or an MLflow model URI) and a sample of its input (CSV or Parquet) become a bundle beside
the trained ones, with the same checks (portable export, the Pyodide check, the server check),
then the site is rebuilt.

    python -m build_scripts.import_model churn.joblib --sample churn.csv --target churned \\
        --name churn --version 1.0.0
    python -m build_scripts.import_model --mlflow models:/churn@champion --sample churn.parquet \\
        --name churn --version 2.0.0 [--tracking-uri sqlite:///mlflow.db]

The schema is inferred (``build_scripts/schema_inference.py``) and printed for review;
``--write-schema FILE`` writes it and stops, so it can be edited (units, descriptions, ranges)
and passed back with ``--schema FILE``. Golden rows are drawn from the sample and kept in the
bundle (``golden.json``, never published by the site). Loading a pickle runs code from it: only
the file named on the command line is loaded, and the command says so first.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import is_classifier, is_regressor

from py_pipeline import Schema
from py_pipeline.bundle import write_bundle
from py_pipeline.errors import PipelineError
from py_pipeline.registry import write_index

from . import browser_check, export, site
from .golden import BUNDLE_GOLDEN
from .paths import MODELS, PYODIDE_DIST
from .pyodide_dist import sha256_file
from .schema_inference import DEFAULT_MARGIN, infer_schema

GOLDEN_ROWS = 50


class ImportFailed(Exception):
    """Why the import stopped, for the person running it."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("artifact", nargs="?", type=Path, help="a joblib or pickle file of a fitted estimator")
    parser.add_argument("--mlflow", metavar="URI", help="an MLflow model URI instead of a file")
    parser.add_argument("--tracking-uri", help="MLflow tracking server or store (default: MLFLOW_TRACKING_URI)")
    parser.add_argument("--sample", type=Path, help="a sample of the model's input, CSV or Parquet")
    parser.add_argument("--target", help="the sample's target column, left out of the features")
    parser.add_argument("--name", required=True, help="the model's name on the site")
    parser.add_argument("--version", required=True, help="the model's version, e.g. 1.0.0")
    parser.add_argument("--description", help="one line saying what the model predicts")
    parser.add_argument("--margin", type=float, default=DEFAULT_MARGIN,
                        help=f"widen the sample's ranges by this share of their span (default {DEFAULT_MARGIN})")
    parser.add_argument("--schema", type=Path, help="a schema file (from --write-schema, edited) instead of inferring")
    parser.add_argument("--write-schema", type=Path, help="write the inferred schema here and stop")
    parser.add_argument("--models", type=Path, default=MODELS, help=f"where bundles live (default {MODELS})")
    parser.add_argument("--force", action="store_true", help="replace an existing bundle of this name and version")
    parser.add_argument("--no-check", action="store_true", help="skip the Pyodide check and the site")
    args = parser.parse_args(argv)
    if (args.artifact is None) == (args.mlflow is None):
        parser.error("give either an artifact file or --mlflow URI")
    try:
        run(args)
    except (ImportFailed, PipelineError, ValueError) as exc:
        print(f"import failed: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 2
    return 0


def run(args: argparse.Namespace) -> Path | None:
    """Import as the options say; answer the bundle's directory (None after --write-schema)."""
    estimator, signature, example, lineage = _source(args)
    task = "classification" if is_classifier(estimator) else "regression" if is_regressor(estimator) else None
    if task is None:
        raise ImportFailed(f"{type(estimator).__name__} is neither a classifier nor a regressor")
    sample = _read_sample(args.sample) if args.sample else example
    if sample is None:
        raise ImportFailed("give --sample: the model has no logged input example to infer ranges and golden rows from")
    if args.target and args.target in sample.columns:
        sample = sample.drop(columns=[args.target])
    if args.schema:
        schema = Schema.from_list(json.loads(args.schema.read_text()))
        print(f"schema from {args.schema}")
    else:
        inferred = infer_schema(estimator, sample, target=args.target, margin=args.margin, signature=signature)
        schema = inferred.schema
        print(f"inferred schema of {args.name} {args.version} (review it; --write-schema FILE to edit):")
        print(inferred.table())
    if args.write_schema:
        args.write_schema.write_text(json.dumps(schema.to_list(), indent=2) + "\n")
        print(f"schema written to {args.write_schema}; edit it, then run again with --schema {args.write_schema}")
        return None
    rows = golden_rows(sample, schema)
    schema.validate(rows)  # an edited schema that refuses its own sample is caught here, naming the row
    out = args.models / args.name / args.version
    if out.exists():
        if not args.force:
            raise ImportFailed(f"{out} exists: choose another --version, or --force to replace it")
        shutil.rmtree(out)
    extra: dict[str, Any] = {"example": rows[0], "lineage": lineage}
    if args.sample:
        extra["training_data"] = {"rows": int(len(sample)), "sha256": sha256_file(args.sample),
                                  "file": args.sample.name}
    description = args.description or f"{args.name}: imported from {lineage.get('uri') or lineage.get('artifact')}"
    write_bundle(out, estimator, name=args.name, version=args.version, task=task, schema=schema,
                 description=description, extra=extra)
    (out / BUNDLE_GOLDEN).write_text(json.dumps({"rows": rows}) + "\n")
    export.report(export.export_bundle(out))
    if args.no_check:
        write_index(args.models)
    else:  # the check records the runtimes and rewrites the index
        for verdict in browser_check.check(args.models, only=(args.name, args.version)):
            browser_check.report(verdict)
        if args.models.resolve() == MODELS.resolve() and (PYODIDE_DIST / "pyodide-lock.json").exists():
            site.main()
    print(f"imported {args.name} {args.version} into {out}")
    return out


def golden_rows(sample: pd.DataFrame, schema: Schema, n: int = GOLDEN_ROWS) -> list[list[Any]]:
    """Up to ``n`` rows of the sample (the first, then a seeded draw), in schema order, as JSON
    values (an empty cell is None)."""
    picked = sorted({0, *np.random.default_rng(0).choice(len(sample), min(n, len(sample)), replace=False).tolist()})
    frame = sample.iloc[picked[:n]][schema.names]
    return [[_json_value(v) for v in row] for row in frame.itertuples(index=False)]


def _source(args: argparse.Namespace) -> tuple[Any, list[dict[str, Any]] | None, pd.DataFrame | None, dict[str, Any]]:
    if args.mlflow:
        from .mlflow_registry import load

        found = load(args.mlflow, args.tracking_uri)
        return found.estimator, found.signature, found.input_example, found.lineage
    if not args.artifact.is_file():
        raise ImportFailed(f"{args.artifact} is not a file")
    print(f"loading {args.artifact}: a joblib or pickle file runs code from it as it loads; "
          "import only a file from someone you trust", file=sys.stderr)
    import joblib

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = joblib.load(args.artifact)
    for w in caught:
        if "InconsistentVersionWarning" in type(w.message).__name__:
            print(f"warning: {w.message}", file=sys.stderr)
    estimator = loaded.get("estimator") if isinstance(loaded, dict) else loaded
    if not hasattr(estimator, "predict"):
        raise ImportFailed(f"{args.artifact} holds a {type(loaded).__name__}, not a fitted estimator with predict()")
    return estimator, None, None, {"source": "handoff", "artifact": args.artifact.name,
                                   "artifact_sha256": sha256_file(args.artifact)}


def _read_sample(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise ImportFailed(f"{path} is not a file")
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return pd.read_parquet(path)
    if suffix in (".csv", ".tsv", ".txt"):
        return pd.read_csv(path, sep=None if suffix != ".csv" else ",", engine="python" if suffix != ".csv" else "c")
    raise ImportFailed(f"{path}: the sample must be CSV (.csv) or Parquet (.parquet)")


def _json_value(value: Any) -> Any:
    """A sample's cell as JSON: numpy scalars as Python numbers, a missing value as None."""
    if isinstance(value, np.generic):
        value = value.item()
    return None if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) else value


if __name__ == "__main__":
    sys.exit(main())
