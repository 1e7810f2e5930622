"""Writing a bundle: the pickled pipeline, the portable engine's files when the export made them,
and the manifest, written once, complete, through :func:`write_manifest`."""

from __future__ import annotations

import io
import json
import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping

from ..engines import SklearnEngine
from ..errors import InvalidBundle, InvalidInput
from ..files import write_atomic
from ..names import check_name
from ..portable.engine import ARRAYS_FILE, SPEC_FILE, spec_bytes
from ..schema import Schema
from .manifest import (ARTIFACT_FILE, ARTIFACT_FORMAT, MANIFEST_FILE, RUNTIMES, Manifest, library_versions,
                       sha256_bytes)


def _file_entry(name: str, data: bytes) -> dict[str, Any]:
    return {"file": name, "sha256": sha256_bytes(data), "size": len(data)}


def write_bundle(
    directory: str | os.PathLike[str],
    estimator: Any,
    *,
    name: str,
    version: str,
    task: str,
    schema: Schema,
    description: str = "",
    extra: Mapping[str, Any] | None = None,
    compress: int = 3,
    feature_packages: list[Mapping[str, Any]] | None = None,
) -> Manifest:
    """Pickle ``estimator`` into ``directory`` and write its manifest. Returns the manifest.

    The artifact carries the feature schema too, so a manifest edited to list other features
    is caught at load time instead of feeding the model the wrong columns. ``extra`` may give
    ``examples`` (``[{"name", "row"}]``, rows a user can pick; each must be valid) and
    ``class_labels`` (class -> what it means, shown beside the class).
    """
    manifest = pickle_bundle(directory, estimator, name=name, version=version, task=task, schema=schema,
                             description=description, extra=extra, compress=compress,
                             feature_packages=feature_packages)
    write_manifest(directory, manifest)
    return manifest


def pickle_bundle(
    directory: str | os.PathLike[str],
    estimator: Any,
    *,
    name: str,
    version: str,
    task: str,
    schema: Schema,
    description: str = "",
    extra: Mapping[str, Any] | None = None,
    compress: int = 3,
    feature_packages: list[Mapping[str, Any]] | None = None,
) -> Manifest:
    """:func:`write_bundle` without its manifest: the artifact is written, the manifest answered,
    for the build to complete (export, checks) and write once with :func:`write_manifest`.
    ``feature_packages``: the manifest's entries of the wheels the caller put in ``directory``."""
    check_name(name, "name")
    check_name(version, "version")
    if hasattr(estimator, "feature_names_in_"):  # DataFrame-fitted: matched to the schema by name
        try:
            schema.positions(estimator.feature_names_in_)
        except ValueError as exc:
            raise InvalidBundle(str(exc)) from None
    engine = SklearnEngine(estimator)
    if engine.n_features is not None and engine.n_features != len(schema.features):
        raise InvalidBundle(f"the estimator takes {engine.n_features} features but the schema lists "
                            f"{len(schema.features)}")
    _check_display_extras(extra or {}, schema, engine.classes if task == "classification" else None)
    import joblib

    buffer = io.BytesIO()
    joblib.dump({"format": ARTIFACT_FORMAT, "features": schema.to_list(), "estimator": estimator}, buffer,
                compress=compress)
    data = buffer.getvalue()
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", time.time()))
    manifest = Manifest(
        name=name,
        version=version,
        task=task,
        schema=schema,
        classes=engine.classes if task == "classification" else None,
        library_versions=library_versions(),
        artifact_file=ARTIFACT_FILE,
        artifact_sha256=sha256_bytes(data),
        artifact_size=len(data),
        created_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch)),
        description=description,
        engines={r: "sklearn" for r in RUNTIMES},  # build_scripts.export adds the portable engine
        fitted_on="dataframe" if hasattr(estimator, "feature_names_in_") else "array",
        feature_packages=tuple(dict(p) for p in feature_packages or ()),
        extra=extra,
    )
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / ARTIFACT_FILE, data)
    return manifest


def write_manifest(directory: str | os.PathLike[str], manifest: Manifest) -> None:
    """The one writer of ``manifest.json``: the whole manifest, once it is complete (after the
    export and the checks), written aside and moved into place."""
    write_atomic(Path(directory) / MANIFEST_FILE, json.dumps(manifest.to_dict(), indent=2) + "\n")


def _check_display_extras(extra: Mapping[str, Any], schema: Schema, classes: list[Any] | None) -> None:
    """Named examples must be valid rows, and class labels must name the model's classes."""
    for example in extra.get("examples") or []:
        try:
            schema.validate([example["row"]])
        except InvalidInput as exc:
            # one row: its problems speak of fields, not of "row 1"
            why = "; ".join(replace(p, row=None).message() for p in exc.problems) or exc.message
            raise InvalidBundle(f"example {example.get('name')!r} is not a valid row: {why}") from None
    labels = extra.get("class_labels") or {}
    unknown = sorted(str(k) for k in labels if k not in [str(c) for c in classes or []])
    if unknown:
        raise InvalidBundle(f"class_labels names {', '.join(unknown)}, which the model does not predict "
                            f"(its classes: {', '.join(map(str, classes or []))})")


def with_portable(directory: str | os.PathLike[str], manifest: Manifest, spec: Mapping[str, Any], buffer: bytes,
                  check: Mapping[str, Any] | None = None) -> Manifest:
    """Write a portable engine's files (spec and array buffer) into the bundle in ``directory``;
    answer the manifest that lists them, both runtimes on it. ``check`` records how it was verified."""
    spec_data = spec_bytes(spec)
    out = Path(directory)
    write_atomic(out / SPEC_FILE, spec_data)
    write_atomic(out / ARRAYS_FILE, buffer)
    return manifest.with_fields({"portable": {"spec": _file_entry(SPEC_FILE, spec_data),
                                              "arrays": _file_entry(ARRAYS_FILE, buffer)},
                                 "portable_check": dict(check or {}), "portable_unavailable": None,
                                 "engines": {r: "portable" for r in RUNTIMES}})


def without_portable(directory: str | os.PathLike[str], manifest: Manifest, reason: str) -> Manifest:
    """Remove any portable engine's files; answer the manifest that says why there is none (the
    model keeps the scikit-learn engine)."""
    out = Path(directory)
    for name in (SPEC_FILE, ARRAYS_FILE):
        (out / name).unlink(missing_ok=True)
    return manifest.with_fields({"portable": None, "portable_check": None, "portable_unavailable": reason,
                                 "engines": {r: "sklearn" for r in RUNTIMES}})
