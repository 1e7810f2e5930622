"""The one reference every parity check compares with: scikit-learn itself.

:func:`sklearn_answer` unpickles a bundle's artifact on CPython and calls the fitted
estimator's own ``predict`` and ``predict_proba``, unmodified (no configuration context, no
step-by-step shortcut, no argmax), so a shortcut in one of our engines cannot hide behind
itself. :func:`compare` is the one strict comparison the build check and the tests share.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from py_pipeline.bundle import Manifest, read_manifest, sha256_bytes
from py_pipeline.engines import FrameMaker
from py_pipeline.portable.spec_parts import spec_nodes

#: Largest difference allowed between two runtimes' probabilities or regression values.
TOLERANCE = 1e-9
#: Where the library itself answers in float32 (XGBoost's sigmoid, softmax and exp, with its own
#: vectorised expf about two float32 units off a correctly rounded one): labels still identical.
FLOAT32_TOLERANCE = 1e-6


def tolerance_for(spec: dict[str, Any] | None) -> float:
    """The tolerance a portable spec is checked with: float64 models 1e-9, relative above 1;
    XGBoost models whose answer goes through a float32 transform, 1e-6."""
    float32 = spec is not None and any(node.get("op") == "xgboost" and node.get("link") not in ("identity", "argmax")
                                       for node in spec_nodes(spec))
    return FLOAT32_TOLERANCE if float32 else TOLERANCE


def spec_of(directory: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The bundle's portable spec, if it has one."""
    import json

    path = Path(directory) / "portable.json"
    return json.loads(path.read_text()) if path.exists() else None


def load_estimator(directory: str | os.PathLike[str], manifest: Manifest | None = None) -> Any:
    """The fitted estimator inside a bundle's artifact (after checking its sha256)."""
    manifest = read_manifest(directory) if manifest is None else manifest
    data = (Path(directory) / manifest.artifact_file).read_bytes()
    if sha256_bytes(data) != manifest.artifact_sha256:
        raise ValueError(f"{directory}: artifact sha256 does not match the manifest")
    return joblib.load(io.BytesIO(data))["estimator"]


def sklearn_answer(directory: str | os.PathLike[str], rows: Any, estimator: Any = None,
                   manifest: Manifest | None = None) -> dict[str, Any]:
    """What scikit-learn answers for ``rows``, in the shape :meth:`py_pipeline.Model.predict` uses.

    Rows are validated by the bundle's schema (which only orders and checks them), then given
    to ``estimator.predict`` and, for classifiers that have it, ``estimator.predict_proba`` (as
    a DataFrame in the fitted column order when the estimator was fitted on one). ``manifest``:
    the bundle's, when it is not written yet.
    """
    manifest = read_manifest(directory) if manifest is None else manifest
    estimator = load_estimator(directory, manifest) if estimator is None else estimator
    X = manifest.schema.validate(rows)
    if hasattr(estimator, "feature_names_in_"):
        X = FrameMaker(manifest.schema, list(estimator.feature_names_in_))(X)
    out: dict[str, Any] = {"model": {"name": manifest.name, "version": manifest.version},
                           "predictions": np.asarray(estimator.predict(X)).tolist()}
    if manifest.task == "classification":
        out["classes"] = np.asarray(estimator.classes_).tolist()
        if hasattr(estimator, "predict_proba"):
            out["probabilities"] = np.asarray(estimator.predict_proba(X), dtype=np.float64).tolist()
    return out


def compare(ours: dict[str, Any], reference: dict[str, Any], tolerance: float = TOLERANCE) -> tuple[bool, str, float]:
    """(same?, why not, largest numeric difference) between an answer and the reference.

    Same means: the same classes in the same order, as many predictions, labels identical
    (regression values within ``tolerance``, relative to the value above 1), and probabilities
    present exactly when the reference has them, each within ``tolerance``.
    """
    if ours.get("classes") != reference.get("classes"):
        return False, f"classes {ours.get('classes')} differ from the reference's {reference.get('classes')}", float("inf")
    mine, theirs = ours.get("predictions"), reference["predictions"]
    if not isinstance(mine, list) or len(mine) != len(theirs):
        return False, f"{_count(mine)} predictions for {len(theirs)} rows", float("inf")
    worst = 0.0
    if reference.get("classes") is None:  # regression: values within the tolerance
        worst = max((abs(a - b) / max(1.0, abs(b)) for a, b in zip(mine, theirs, strict=True)), default=0.0)
        if worst > tolerance:
            return False, f"predicted values differ from scikit-learn by up to {worst:.3g}", worst
    else:
        differing = sum(a != b for a, b in zip(mine, theirs, strict=True))
        if differing:
            return False, f"{differing} of {len(theirs)} predicted labels differ from scikit-learn", float("inf")
    if ("probabilities" in ours) != ("probabilities" in reference):
        has = "has" if "probabilities" in reference else "has no"
        return False, f"probabilities are missing or extra (scikit-learn {has} predict_proba)", float("inf")
    a_rows, b_rows = ours.get("probabilities", []), reference.get("probabilities", [])
    if len(a_rows) != len(b_rows):
        return False, f"probabilities for {len(a_rows)} rows, scikit-learn gives {len(b_rows)}", float("inf")
    for a_row, b_row in zip(a_rows, b_rows, strict=True):
        if len(a_row) != len(b_row):
            return False, f"{len(a_row)} probabilities in a row, scikit-learn gives {len(b_row)}", float("inf")
        worst = max([worst] + [abs(a - b) for a, b in zip(a_row, b_row, strict=True)])
    if worst > tolerance:
        return False, f"probabilities differ from scikit-learn by up to {worst:.3g} (tolerance {tolerance})", worst
    return True, "", worst


def _count(predictions: Any) -> str:
    return str(len(predictions)) if isinstance(predictions, list) else "no"
