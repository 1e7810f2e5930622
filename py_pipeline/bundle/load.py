"""Loading a bundle's engine: every file it reads checked against the manifest's sha256 before it
is parsed or unpickled, the pickle's library versions and feature schema checked too. Nothing is
half-loaded."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any, Mapping

from ..engines import Engine, SklearnEngine
from ..errors import IncompatibleModel, IntegrityError, InvalidBundle, ModelUnavailable, SchemaMismatch
from ..pickled_code import missing_code
from ..portable.engine import PortableEngine
from .packages import make_importable
from .manifest import ARTIFACT_FORMAT, ENGINES, STRICT_LIBRARIES, Manifest, library_versions, sha256_bytes


def _verified(directory: Path, manifest: Manifest, entry: Mapping[str, Any]) -> bytes:
    """A bundle file's bytes, after its sha256 matched the manifest's."""
    try:
        data = (directory / entry["file"]).read_bytes()
    except FileNotFoundError:
        raise InvalidBundle(f"model '{manifest.name}' {manifest.version}: {entry['file']} is missing") from None
    actual = sha256_bytes(data)
    if actual != entry["sha256"].lower():
        raise IntegrityError(
            f"model '{manifest.name}' {manifest.version}: {entry['file']} has sha256 "
            f"{actual}, but the manifest expects {entry['sha256']}; refusing to load it",
            [{"field": f"{entry['file']}.sha256", "expected": entry["sha256"], "actual": actual}],
        )
    return data


def load_engine(directory: str | os.PathLike[str], manifest: Manifest, engine: str) -> Engine:
    """Build ``engine`` (``"portable"`` or ``"sklearn"``, as :func:`choose_engine` decided) for the
    bundle in ``directory``, every file it reads checked first. The scikit-learn engine
    unpickles the artifact, which runs code."""
    directory = Path(directory)
    if engine not in ENGINES or (engine == "portable" and not manifest.portable):
        raise InvalidBundle(f"model '{manifest.name}' {manifest.version} has no {engine} engine")
    make_importable(directory, manifest, _verified)
    built = _load_portable(directory, manifest) if engine == "portable" else _load_sklearn(directory, manifest)
    if built.n_features is not None and built.n_features != len(manifest.schema.features):
        raise InvalidBundle(f"model '{manifest.name}' {manifest.version}: the {built.name} engine takes "
                            f"{built.n_features} features but the manifest lists {len(manifest.schema.features)}")
    if manifest.task == "classification" and built.classes != manifest.classes:
        raise InvalidBundle(f"model '{manifest.name}' {manifest.version}: the {built.name} engine's classes "
                            f"{built.classes} differ from the manifest's {manifest.classes}")
    return built


def _load_portable(directory: Path, manifest: Manifest) -> Engine:
    assert manifest.portable is not None
    spec = _verified(directory, manifest, manifest.portable["spec"])
    arrays = _verified(directory, manifest, manifest.portable["arrays"])
    try:
        engine = PortableEngine.from_bytes(spec, arrays)
    except ModuleNotFoundError as exc:  # a step's module: this model alone cannot run here
        raise ModelUnavailable(f"model '{manifest.name}' {manifest.version}: {exc}: install the feature package "
                               "that holds it where the model is served",
                               [{"field": "portable", "expected": "its steps importable here", "actual": str(exc)}]) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidBundle(f"model '{manifest.name}' {manifest.version}: portable spec is invalid: {exc}") from None
    _same_schema(manifest, engine.spec.get("features"), "portable spec")
    return engine


def _load_sklearn(directory: Path, manifest: Manifest) -> Engine:
    import joblib

    data = _verified(directory, manifest, {"file": manifest.artifact_file, "sha256": manifest.artifact_sha256})
    here = library_versions()
    for lib in STRICT_LIBRARIES:
        wanted = manifest.library_versions.get(lib)
        if wanted != here[lib]:
            raise IncompatibleModel(
                f"model '{manifest.name}' {manifest.version} was built with {lib} {wanted}, "
                f"but this runtime has {here[lib]}",
                [{"field": f"library_versions.{lib}", "expected": here[lib], "actual": wanted}],
            )
    try:
        payload = joblib.load(io.BytesIO(data))
    except (AttributeError, ImportError) as exc:
        needed = missing_code(exc)
        if needed is None:
            raise InvalidBundle(f"model '{manifest.name}' {manifest.version}: artifact could not be "
                                f"unpickled: {type(exc).__name__}: {exc}") from None
        # this model alone: the others this runtime loads still serve
        raise ModelUnavailable(f"model '{manifest.name}' {manifest.version} needs {needed}, which this runtime "
                               "does not have: install the package that holds it where the model is served",
                               [{"field": "artifact", "expected": "its code importable here", "actual": needed}]) from None
    except Exception as exc:  # an unpicklable artifact is a bundle problem, not a crash
        raise InvalidBundle(f"model '{manifest.name}' {manifest.version}: artifact could not be "
                            f"unpickled: {type(exc).__name__}: {exc}") from None
    if not isinstance(payload, dict) or payload.get("format") != ARTIFACT_FORMAT:
        raise InvalidBundle(f"model '{manifest.name}' {manifest.version}: artifact is not in the "
                            f"{ARTIFACT_FORMAT} format")
    _same_schema(manifest, payload["features"], "artifact")
    try:
        return SklearnEngine(payload["estimator"], manifest.schema)
    except (TypeError, ValueError) as exc:
        raise InvalidBundle(f"model '{manifest.name}' {manifest.version}: {exc}") from None


def _same_schema(manifest: Manifest, trained_on: Any, source: str) -> None:
    """The manifest must list the features the model was trained (and exported) on."""
    listed = manifest.schema.to_list()
    if trained_on != listed:
        diff = _first_difference(trained_on if isinstance(trained_on, list) else [], listed)
        raise SchemaMismatch(
            f"model '{manifest.name}' {manifest.version}: the manifest's feature schema does not match the one "
            f"the {source} was trained on ({diff}); refusing to load it",
            [{"field": "features", "expected": trained_on, "actual": listed}])


def _first_difference(trained_on: list[dict[str, Any]], listed: list[dict[str, Any]]) -> str:
    if len(trained_on) != len(listed):
        return f"{len(trained_on)} features in the artifact, {len(listed)} in the manifest"
    for i, (a, b) in enumerate(zip(trained_on, listed)):
        if a != b:
            keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            return f"feature {i} ({a.get('name')!r}) differs in {', '.join(keys)}"
    return "they differ"
