"""Import a handed-over model: a fitted scikit-learn estimator or pipeline (a joblib or pickle
file, or an MLflow model URI), or a LightGBM or XGBoost model file (``.txt``, ``.json``, ``.ubj``)
or bare booster, and a sample of its input (CSV or Parquet) become a bundle beside
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
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import is_classifier, is_regressor

from py_pipeline import Schema
from py_pipeline.bundle import pickle_bundle, write_manifest
from py_pipeline.pickled_code import missing_code, moved
from py_pipeline.errors import PipelineError
from py_pipeline.files import replace_dir, write_atomic
from py_pipeline.names import check_name
from py_pipeline.registry import write_index

from . import browser_check, export
from .booster_files import MODEL_FILES, NotABooster, from_model_file, is_booster, wrap
from .build_envs import PROJECT, BuildEnv, Unsupported, ensure, fitted_versions, pickle_runs_on_server
from .feature_packages import PackageError, add_to_bundle, build_package, importable
from .golden import BUNDLE_GOLDEN
from .paths import MODELS, PYODIDE_DIST, ROOT
from .pyodide_dist import sha256_file
from .profiles import write_profile
from .schema_inference import DEFAULT_MARGIN, infer_schema

GOLDEN_ROWS = 50


class ImportFailed(Exception):
    """Why the import stopped, for the person running it."""


class FailedInBuildEnv(Exception):
    """The import ran in a build environment and failed there; it has said why."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("artifact", nargs="?", type=Path, help="a joblib or pickle file of a fitted estimator, "
                        "or a LightGBM (.txt) or XGBoost (.json, .ubj) model file")
    parser.add_argument("--mlflow", metavar="URI", help="an MLflow model URI instead of a file")
    parser.add_argument("--tracking-uri", help="MLflow tracking server or store (default: MLFLOW_TRACKING_URI)")
    parser.add_argument("--sample", type=Path, help="a sample of the model's input, CSV or Parquet")
    parser.add_argument("--target", help="the sample's target column, left out of the features")
    parser.add_argument("--name", required=True, help="the model's name on the site")
    parser.add_argument("--version", required=True, help="the model's version, e.g. 1.0.0")
    parser.add_argument("--description", help="one line saying what the model predicts")
    parser.add_argument("--target-unit", help="the unit of a regressor's answer (shown beside it), e.g. kWh")
    parser.add_argument("--margin", type=float, default=DEFAULT_MARGIN,
                        help=f"widen the sample's ranges by this share of their span (default {DEFAULT_MARGIN})")
    parser.add_argument("--schema", type=Path, help="a schema file (from --write-schema, edited) instead of inferring")
    parser.add_argument("--write-schema", type=Path, help="write the inferred schema here and stop")
    parser.add_argument("--models", type=Path, default=MODELS, help=f"where bundles live (default {MODELS})")
    parser.add_argument("--force", action="store_true", help="replace an existing bundle of this name and version")
    parser.add_argument("--raw-csv-cells", action="store_true",
                        help="write result and error files' cells as they are, even those a spreadsheet would run "
                             "as a formula (= + - @ at the start); by default such cells get a leading '")
    parser.add_argument("--module", action="append", default=[], metavar="OLD=NEW",
                        help="code the pickle names in module OLD now lives in NEW (repeatable), e.g. "
                             "__main__=my_features.steps for a function or class defined in a notebook")
    parser.add_argument("--package", action="append", default=[], type=Path, metavar="FOLDER",
                        help="a feature package the model's own code lives in: a folder with a pyproject.toml "
                             "(repeatable); its wheel is built, checked and shipped with the model")
    parser.add_argument("--no-check", action="store_true", help="skip the Pyodide check and the site")
    # set when the import runs itself in a build environment (build_envs): the parent rebuilds the site
    parser.add_argument("--in-build-env", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    bad = [m for m in args.module if m.count("=") != 1 or not all(m.split("="))]
    if bad:
        parser.error(f"--module takes OLD=NEW, a module name on each side; got {', '.join(map(repr, bad))}")
    if (args.artifact is None) == (args.mlflow is None):
        parser.error("give either an artifact file or --mlflow URI")
    try:
        run(args)
    except FailedInBuildEnv:
        return 2
    except (ImportFailed, PackageError, Unsupported, PipelineError, ValueError, OSError) as exc:
        print(f"import failed: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # a check that failed (the Pyodide or the server check): nothing was published
        if exc.code in (0, None):
            raise
        print(f"import failed: {exc.code}", file=sys.stderr)
        return 2
    return 0


def run(args: argparse.Namespace) -> Path | None:
    """Import as the options say; answer the bundle's directory (None after --write-schema).

    The bundle is built and checked in a hidden staging folder beside the models; only a bundle
    that passed every check replaces the old one (``--force``) or is added, and only then is the
    index rewritten. A failure leaves the models folder as it was."""
    check_name(args.name, "--name")
    check_name(args.version, "--version")
    out = args.models / args.name / args.version
    if out.exists() and not args.force and not args.write_schema:
        raise ImportFailed(f"{out} exists: choose another --version, or --force to replace it")
    env = _build_env(args)
    if env is not None:
        return _import_in(env, args, out)
    packages = [build_package(folder) for folder in args.package]
    for package in packages:  # before unpickling: the pickle names their modules
        importable(package)
        print(f"feature package {package.name} {package.version}: {package.wheel.name} "
              f"(modules {', '.join(package.imports)}; requires {', '.join(package.depends) or 'nothing'})")
    estimator, signature, example, lineage = _source(args)
    task = "classification" if is_classifier(estimator) else "regression" if is_regressor(estimator) else None
    if task is None:
        raise ImportFailed(f"{type(estimator).__name__} is neither a classifier nor a regressor")
    sample = _read_sample(args.sample) if args.sample else example
    if sample is None:
        raise ImportFailed("give --sample: the model has no logged input example to infer ranges and golden rows from")
    if sample.empty:
        raise ImportFailed(f"{args.sample or 'the logged input example'} has no rows: the sample must hold rows "
                           "of the model's input (its ranges, categories and golden rows come from them)")
    if args.target:
        if args.target not in sample.columns:
            shown = ", ".join(repr(str(c)) for c in list(sample.columns)[:20])
            raise ImportFailed(f"--target {args.target!r} names no column of the sample; its columns are {shown}")
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
        write_atomic(args.write_schema, json.dumps(schema.to_list(), indent=2) + "\n")
        print(f"schema written to {args.write_schema}; edit it, then run again with --schema {args.write_schema}")
        return None
    rows = golden_rows(sample, schema)
    schema.validate(rows)  # an edited schema that refuses its own sample is caught here, naming the row
    extra: dict[str, Any] = {"example": rows[0], "lineage": lineage}
    if args.raw_csv_cells:
        extra["csv_cells"] = "raw"
    if args.target_unit:
        extra["target_unit"] = args.target_unit
    if args.sample:
        extra["training_data"] = {"rows": int(len(sample)), "sha256": sha256_file(args.sample),
                                  "file": args.sample.name}
    description = args.description or f"{args.name}: imported from {lineage.get('uri') or lineage.get('artifact')}"
    args.models.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".import-", dir=args.models))  # hidden: never listed
    try:
        staged = staging / args.name / args.version
        staged.mkdir(parents=True)
        manifest = pickle_bundle(staged, estimator, name=args.name, version=args.version, task=task,
                                 schema=schema, description=description, extra=extra,
                                 feature_packages=add_to_bundle(staged, packages))
        write_atomic(staged / BUNDLE_GOLDEN, json.dumps({"rows": rows}) + "\n")
        manifest = write_profile(staged, manifest, estimator, sample)
        manifest, verdict = export.export_manifest(staged, manifest, sample)
        export.report(verdict)
        if not manifest.portable and not pickle_runs_on_server(manifest.library_versions):
            raise ImportFailed(
                f"the model is not portable ({manifest.portable_unavailable}) and was fitted with scikit-learn "
                f"{manifest.library_versions['scikit-learn']}, but the browser and the server's scikit-learn engine "
                f"run {PROJECT['scikit-learn']}: refit it with scikit-learn {PROJECT['scikit-learn']}")
        if not args.no_check:  # the check decides the runtimes before the manifest is written
            ((manifest, verdict),) = browser_check.check_bundles([(staged, manifest)])
            browser_check.report(verdict)
        write_manifest(staged, manifest)  # once, complete
        out.parent.mkdir(parents=True, exist_ok=True)
        replace_dir(staged, out)  # checked: now it may replace the old bundle
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    write_index(args.models)
    if not args.in_build_env:
        _publish(args)
    print(f"imported {args.name} {args.version} into {out}")
    return out


def _publish(args: argparse.Namespace) -> None:
    """Rebuild the site when the import went into the site's models."""
    if not args.no_check and args.models.resolve() == MODELS.resolve() and (PYODIDE_DIST / "pyodide-lock.json").exists():
        from . import site  # not in a build environment: it has no brotli

        site.main()


def _build_env(args: argparse.Namespace) -> BuildEnv | None:
    """The build environment a pickle from another scikit-learn (or numpy) needs, read from the file
    without running it; None when this environment matches (or the model comes from MLflow)."""
    if args.artifact is None or args.in_build_env or not args.artifact.is_file():
        return None
    try:
        fitted = fitted_versions(args.artifact)
    except Unsupported:
        raise  # a pickle mixing releases: said as it is
    except Exception:  # unreadable: the load below says why, as for any file
        return None
    env = fitted.env()
    import sklearn

    running = BuildEnv(sklearn.__version__, int(np.__version__.split(".")[0]))
    # this environment has the boosting libraries the server pins (the server group)
    return None if (env.sklearn, env.numpy_major) == (running.sklearn, running.numpy_major) else env


def _import_in(env: BuildEnv, args: argparse.Namespace, out: Path) -> Path:
    """Run this import in ``env`` (built first when missing): the pickle is loaded, exported and
    checked there, against its own scikit-learn; this environment never unpickles it."""
    print(f"the model was fitted with scikit-learn {env.sklearn.rsplit('.', 1)[0]}.x and numpy {env.numpy_major}.x: "
          f"importing it in the build environment {env.key}", file=sys.stderr)
    python = ensure(env, say=lambda line: print(line, file=sys.stderr))
    done = subprocess.run([str(python), "-m", "build_scripts.import_model", *args.argv, "--in-build-env"],
                          env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])})
    if done.returncode != 0:
        raise FailedInBuildEnv()
    _publish(args)
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

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            found = load(args.mlflow, args.tracking_uri)
        return found.estimator, found.signature, found.input_example, {**found.lineage,
                                                                       "fitted_with": fitted_with(caught)}
    if not args.artifact.is_file():
        raise ImportFailed(f"{args.artifact} is not a file")
    if args.artifact.suffix.lower() in MODEL_FILES:  # a LightGBM or XGBoost model file: no code runs
        try:
            estimator = from_model_file(args.artifact)
        except NotABooster as exc:
            raise ImportFailed(str(exc)) from None
        return estimator, None, None, {"source": "handoff", "artifact": args.artifact.name,
                                       "artifact_sha256": sha256_file(args.artifact), "fitted_with": {}}
    print(f"loading {args.artifact}: a joblib or pickle file runs code from it as it loads; "
          "import only a file from someone you trust", file=sys.stderr)
    import joblib

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with moved(dict(m.split("=") for m in args.module)):
                loaded = joblib.load(args.artifact)
        except (EOFError, ValueError, IndexError, KeyError, pickle.UnpicklingError) as exc:
            raise ImportFailed(f"{args.artifact} could not be read as a joblib or pickle file (truncated or not a "
                               f"model file?): {type(exc).__name__}: {exc}") from None
        except (AttributeError, ModuleNotFoundError, ImportError) as exc:
            raise ImportFailed(_needs_code(args.artifact, exc)) from None
        except Exception as exc:  # unpickling runs arbitrary code: any error is the file's
            raise ImportFailed(f"{args.artifact} could not be loaded: {type(exc).__name__}: {exc}") from None
    estimator = loaded.get("estimator") if isinstance(loaded, dict) else loaded
    if is_booster(estimator):  # from lgb.train or xgb.train: into the library's scikit-learn estimator
        estimator = wrap(estimator)
    if not hasattr(estimator, "predict"):
        raise ImportFailed(f"{args.artifact} holds a {type(loaded).__name__}, not a fitted estimator with predict()")
    return estimator, None, None, {"source": "handoff", "artifact": args.artifact.name,
                                   "artifact_sha256": sha256_file(args.artifact),
                                   "fitted_with": fitted_with(caught)}


def _needs_code(artifact: Path, exc: BaseException) -> str:
    """Why a pickle could not load for want of code, and what to do."""
    needed = missing_code(exc)
    if needed is None:
        return f"{artifact} needs code this environment does not have: {type(exc).__name__}: {exc}"
    if "(__main__)" in needed:
        return (f"{artifact} needs {needed}. Code defined in a notebook is not saved in the pickle: move it "
                "into a module of a feature package (a folder with a pyproject.toml), then name both: "
                "--package <that folder> --module __main__=<that module>")
    return (f"{artifact} needs {needed}, which is not importable here: give the feature package that holds it "
            "(--package FOLDER), and say where the code now lives if it moved (--module OLD=NEW)")


def fitted_with(caught: list[warnings.WarningMessage]) -> dict[str, str]:
    """The scikit-learn version the pickle was fitted with: scikit-learn stores it in each estimator
    (``_sklearn_version``) and warns on load when it differs from this one. The manifest's
    ``library_versions`` say what the bundle's artifact was pickled with here; lineage keeps this."""
    import sklearn

    versions = {getattr(w.message, "original_sklearn_version", None) for w in caught} - {None}
    for version in sorted(versions):
        print(f"warning: the model was fitted with scikit-learn {version}; this environment has {sklearn.__version__}, "
              f"so it is re-pickled under {sklearn.__version__} and its answers are checked here against "
              f"{sklearn.__version__}'s, not {version}'s", file=sys.stderr)
    return {"scikit-learn": ", ".join(sorted(versions)) or sklearn.__version__}


def _read_sample(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise ImportFailed(f"{path} is not a file")
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".pq", ".csv", ".tsv", ".txt"):
        raise ImportFailed(f"{path}: the sample must be CSV (.csv) or Parquet (.parquet)")
    try:
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path)
        return pd.read_csv(path, sep=None if suffix != ".csv" else ",", engine="python" if suffix != ".csv" else "c")
    except pd.errors.EmptyDataError:
        raise ImportFailed(f"{path} is empty: the sample needs a header and rows of the model's input") from None
    except UnicodeDecodeError:
        raise ImportFailed(f"{path} is not UTF-8 text; save the sample as UTF-8 CSV") from None
    except Exception as exc:  # pandas' and pyarrow's parser errors vary
        raise ImportFailed(f"{path} could not be read as {'Parquet' if suffix in ('.parquet', '.pq') else 'CSV'}: "
                           f"{type(exc).__name__}: {exc}") from None


def _json_value(value: Any) -> Any:
    """A sample's cell as JSON: numpy scalars as Python numbers, a missing value as None."""
    if isinstance(value, np.generic):
        value = value.item()
    return None if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) else value


if __name__ == "__main__":
    sys.exit(main())
