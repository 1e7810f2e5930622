"""MLflow in and out: a model taken from a registry or a run by URI, with its signature and
lineage; and a bundle logged back as a model version, our manifest attached.

    models:/<name>/<version>   models:/<name>@<alias>   runs:/<run id>/<path>

Importing is ``python -m build_scripts.import_model --mlflow URI``; logging a bundle back is

    python -m build_scripts.mlflow_registry dist/models/churn/2.0.0 --registered-name churn_site \
        [--tracking-uri sqlite:///mlflow.db]

The tracking server is MLflow's own setting (``MLFLOW_TRACKING_URI``, or ``--tracking-uri``): a
server, or a local store such as ``sqlite:///mlflow.db``. MLflow is the optional ``mlflow``
dependency group; nothing else in the build imports it.
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from py_pipeline.bundle import manifest_sha256, read_manifest

from .booster_files import is_booster, wrap
from .golden import middle_value
from .reference import load_estimator

# The build runs offline: no usage report to MLflow's telemetry endpoint unless asked for.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

#: The MLflow column types a schema can take, as our feature types.
TYPES = {"double": "number", "float": "number", "long": "integer", "integer": "integer", "string": "string",
         "boolean": "string"}


#: The flavors the import reads, in this order: a pipeline logged with both keeps its scikit-learn one.
FLAVORS = ("sklearn", "lightgbm", "xgboost")


@dataclass
class FromMlflow:
    """What an MLflow model URI resolves to."""

    estimator: Any
    signature: list[dict[str, Any]] | None  # [{"name", "type"}] of the logged input schema
    input_example: pd.DataFrame | None
    lineage: dict[str, Any] = field(default_factory=dict)


def load(uri: str, tracking_uri: str | None = None) -> FromMlflow:
    """The scikit-learn flavor (else the lightgbm or xgboost one) of the model at ``uri``, its signature and input example, and its
    lineage (registered name and version, run id, source URI)."""
    import mlflow
    from mlflow.tracking import MlflowClient

    if tracking_uri:
        mlflow.set_tracking_uri(tracking_uri)
        mlflow.set_registry_uri(tracking_uri)
    client = MlflowClient()
    lineage: dict[str, Any] = {"source": "mlflow", "uri": uri, "tracking_uri": mlflow.get_tracking_uri()}
    registered = re.fullmatch(r"models:/([^/@]+)(?:/([^/]+)|@(.+))", uri)
    if registered:
        name, version, alias = registered.groups()
        found = client.get_model_version_by_alias(name, alias) if alias else client.get_model_version(name, version)
        lineage.update(name=name, version=str(found.version), run_id=found.run_id)
        if alias:
            lineage["alias"] = alias
    elif uri.startswith("runs:/"):
        lineage["run_id"] = uri.split("/")[1]
    else:
        raise ValueError(f"{uri!r} is not an MLflow model URI: expected models:/<name>/<version>, "
                         "models:/<name>@<alias> or runs:/<run id>/<path>")
    info = mlflow.models.get_model_info(uri)
    flavor = next((f for f in FLAVORS if f in (info.flavors or {})), None)
    if flavor is None:
        raise ValueError(f"{uri} has no scikit-learn, lightgbm or xgboost flavor "
                         f"(it has {', '.join(info.flavors or {}) or 'none'})")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        estimator = getattr(mlflow, flavor).load_model(uri)
    if is_booster(estimator):  # logged from lgb.train or xgb.train
        estimator = wrap(estimator)
    signature = None
    if info.signature is not None and info.signature.inputs is not None and info.signature.inputs.has_input_names():
        signature = [{"name": c.name, "type": TYPES.get(str(c.type).lower().split(".")[-1], "number")}
                     for c in info.signature.inputs.inputs]
    example = None
    if info.saved_input_example_info:
        loaded = mlflow.models.Model.load(uri)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            raw = loaded.load_input_example(mlflow.artifacts.download_artifacts(uri))
        example = raw if isinstance(raw, pd.DataFrame) else None
    return FromMlflow(estimator, signature, example, lineage)


def log_bundle(directory: Path, registered_name: str, tracking_uri: str | None = None) -> dict[str, Any]:
    """Log the bundle in ``directory`` to MLflow as a new version of ``registered_name``: the
    scikit-learn flavor (its signature from our schema), the whole bundle as artifacts (our manifest
    among them) and the manifest's name, version and sha256 as model version tags. Answers the new
    version's lineage."""
    import mlflow
    from mlflow.models import infer_signature
    from mlflow.tracking import MlflowClient

    if tracking_uri:
        mlflow.set_tracking_uri(tracking_uri)
        mlflow.set_registry_uri(tracking_uri)
    manifest = read_manifest(directory)
    estimator = load_estimator(directory, manifest)
    example = pd.DataFrame([[middle_value(f) for f in manifest.schema.features]], columns=manifest.schema.names)
    with mlflow.start_run(run_name=f"py_pipeline {manifest.name} {manifest.version}") as run:
        logged = mlflow.sklearn.log_model(estimator, name="model", registered_model_name=registered_name,
                                          serialization_format="cloudpickle",
                                          signature=infer_signature(example, estimator.predict(example)))
        mlflow.log_artifacts(str(directory), artifact_path="py_pipeline_bundle")
    version = str(logged.registered_model_version)
    client = MlflowClient()
    sha = manifest_sha256(directory)
    for key, value in {"py_pipeline.name": manifest.name, "py_pipeline.version": manifest.version,
                       "py_pipeline.manifest_sha256": sha}.items():
        client.set_model_version_tag(registered_name, version, key, value)
    return {"name": registered_name, "version": version, "run_id": run.info.run_id,
            "uri": f"models:/{registered_name}/{version}"}


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Log a bundle to MLflow as a new model version.")
    parser.add_argument("bundle", type=Path, help="a bundle directory, e.g. dist/models/churn/2.0.0")
    parser.add_argument("--registered-name", required=True, help="the MLflow registered model to add a version to")
    parser.add_argument("--tracking-uri", help="MLflow tracking server or store (default: MLFLOW_TRACKING_URI)")
    args = parser.parse_args(argv)
    logged = log_bundle(args.bundle, args.registered_name, args.tracking_uri)
    print(f"logged {args.bundle} as {logged['uri']} (run {logged['run_id']})")


if __name__ == "__main__":
    main()
