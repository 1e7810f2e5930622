"""Every bundle's reference profile (``profile.json``, listed in the manifest with its sha256):
the training rows (a recipe's) or the sample (an import's) binned per feature, with the
predictions the model makes for them, and the schema inference's statistics per feature
(``py_pipeline.drift.profile``). Counts and statistics only, never rows. Drift monitoring
compares what a model is asked with it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from py_pipeline.bundle import Manifest, sha256_bytes
from py_pipeline.drift.profile import build_profile
from py_pipeline.files import write_atomic
from py_pipeline.schema import schema_rows

from .reference import sklearn_answer
from .schema_inference import reference_profile

PROFILE_FILE = "profile.json"


def write_profile(directory: Path, manifest: Manifest, estimator: Any, training: Any) -> Manifest:
    """Profile ``training`` (a DataFrame with the schema's columns, or rows in schema order) in the
    bundle being written in ``directory``; answer its manifest with the profile listed."""
    schema = manifest.schema
    rows = schema_rows(training, schema)
    X = schema.validate(rows)
    predictions = sklearn_answer(directory, rows, estimator, manifest)["predictions"]
    frame = pd.DataFrame(X, columns=list(schema.names)) if not isinstance(training, pd.DataFrame) else training
    statistics = reference_profile(frame, schema)["features"]
    classes = list(manifest.classes or []) if manifest.task == "classification" else None
    profile = build_profile(schema, X, predictions, classes, statistics)
    data = (json.dumps(profile, indent=1) + "\n").encode()
    write_atomic(directory / PROFILE_FILE, data)
    return manifest.with_fields({"profile": {"file": PROFILE_FILE, "sha256": sha256_bytes(data), "size": len(data)}})
