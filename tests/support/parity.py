"""What every runtime must answer alike: each model's golden rows (build_scripts/golden/) and
bad rows derived from its schema, whose errors must carry the same code and details.

The reference for predictions is scikit-learn itself (:mod:`build_scripts.reference`): the
fitted estimator's own ``predict`` and ``predict_proba`` on CPython, never one of our engines."""

from __future__ import annotations

import functools
from typing import Any

from build_scripts.golden import rows_for
from build_scripts.reference import TOLERANCE, compare, load_estimator, sklearn_answer
from py_pipeline.bundle import Manifest
from py_pipeline.registry import scan_manifests

from .paths import MODELS

def all_models() -> list[Manifest]:
    """Every model version the build wrote, server-only ones included."""
    return [m for _, m in scan_manifests(MODELS)]


def bundle_dir(manifest: Manifest):
    return MODELS / manifest.name / manifest.version


def estimator(manifest: Manifest) -> Any:
    """A shipped model's fitted estimator, unpickled once per test session (models never change)."""
    return _load_estimator(bundle_dir(manifest))


@functools.cache
def _load_estimator(directory) -> Any:
    return load_estimator(directory)


def reference(manifest: Manifest, rows: Any) -> dict:
    """scikit-learn's own answer for ``rows`` with this shipped model."""
    return sklearn_answer(bundle_dir(manifest), rows, estimator(manifest))


def browser_models() -> list[Manifest]:
    """Every model version the build check allows in the browser."""
    return [m for _, m in scan_manifests(MODELS) if "browser" in m.runtimes]


def model_ids() -> list[str]:
    return [f"{m.name}@{m.version}" for m in browser_models()]


def golden_rows(manifest: Manifest) -> list[Any]:
    return rows_for(manifest)


def bad_row_sets(manifest: Manifest) -> list[Any]:
    """Bad inputs for this schema: wrong shapes, wrong types, out of range, unknown category."""
    features = manifest.schema.features
    good = list((manifest.extra or {}).get("example") or golden_rows(manifest)[0])
    numeric = next(i for i, f in enumerate(features) if f.type != "category")
    sets: list[Any] = [[good[:-1]], [], "rows", [{"no_such_feature": 1}]]
    as_string = list(good)
    as_string[numeric] = str(good[numeric])
    sets.append([good, as_string])
    too_big = list(good)
    f = features[numeric]
    too_big[numeric] = (f.maximum + 1) if f.maximum is not None else None
    sets.append([too_big])
    missing = {f.name: v for f, v in zip(features, good)}
    missing.pop(features[-1].name)
    sets.append([missing])
    category = next((i for i, f in enumerate(features) if f.type == "category"), None)
    if category is not None:
        unknown = list(good)
        unknown[category] = "no-such-category"
        sets.append([unknown])
    return sets


def assert_same_predictions(ours: dict, reference: dict, tolerance: float = TOLERANCE) -> float:
    """Classes, labels identical; probabilities present alike and within ``tolerance``."""
    same, why, worst = compare(ours, reference, tolerance)
    assert same, why
    return worst
