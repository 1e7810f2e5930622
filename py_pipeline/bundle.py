"""Model bundles: a joblib artifact plus ``manifest.json``, written and loaded with integrity.

Loading reads the manifest, checks the artifact's sha256 and the library versions
*before* unpickling, and only then builds a :class:`Model`. Nothing is half-loaded.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import joblib
import numpy as np

from .engines import ENGINES, Engine, SklearnEngine
from .errors import IncompatibleModel, IntegrityError, InvalidBundle, SchemaMismatch
from .schema import Schema

MANIFEST_FILE = "manifest.json"
ARTIFACT_FILE = "model.joblib"
#: The artifact is a dict: this format tag, the feature schema it was trained on, the estimator.
ARTIFACT_FORMAT = "py_pipeline.artifact/1"
TASKS = ("classification", "regression")
#: Libraries whose versions must match between the bundle and the runtime that loads it.
STRICT_LIBRARIES = ("scikit-learn", "numpy")


def library_versions() -> dict[str, str]:
    """Versions of the libraries a pickled pipeline depends on, in this runtime."""
    import scipy
    import sklearn
    import threadpoolctl

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "joblib": joblib.__version__,
        "threadpoolctl": threadpoolctl.__version__,
    }


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Manifest:
    """What a bundle says about its model. Serialised as ``manifest.json``."""

    name: str
    version: str
    task: str
    schema: Schema
    classes: list[Any] | None
    library_versions: dict[str, str]
    artifact_file: str
    artifact_sha256: str
    artifact_size: int
    created_at: str
    description: str = ""
    engine: str = "sklearn"
    runtimes: tuple[str, ...] = ("browser", "server")
    extra: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The manifest as JSON-ready data."""
        out: dict[str, Any] = {
            "name": self.name,
            "version": self.version,
            "task": self.task,
            "description": self.description,
            "features": self.schema.to_list(),
            "classes": self.classes,
            "engine": self.engine,
            "runtimes": list(self.runtimes),
            "library_versions": dict(self.library_versions),
            "artifact": {"file": self.artifact_file, "sha256": self.artifact_sha256, "size": self.artifact_size},
            "created_at": self.created_at,
        }
        if self.extra:
            out.update(self.extra)
        return out

    @classmethod
    def from_dict(cls, data: Any) -> "Manifest":
        """Read and check a manifest; raise :class:`InvalidBundle` naming the bad field."""
        if not isinstance(data, Mapping):
            raise InvalidBundle("manifest must be a JSON object")
        for key, kind in (("name", str), ("version", str), ("task", str), ("artifact", Mapping),
                          ("features", list), ("library_versions", Mapping), ("created_at", str)):
            if not isinstance(data.get(key), kind):
                raise InvalidBundle(f"manifest field '{key}' is missing or not a {kind.__name__}")
        if data["task"] not in TASKS:
            raise InvalidBundle(f"manifest field 'task' must be one of {', '.join(TASKS)}, got {data['task']!r}")
        art = data["artifact"]
        file, digest, size = art.get("file"), art.get("sha256"), art.get("size")
        if not isinstance(file, str) or not file or "/" in file or "\\" in file or file.startswith("."):
            raise InvalidBundle("manifest field 'artifact.file' must be a plain file name inside the bundle")
        if not isinstance(digest, str) or len(digest) != 64:
            raise InvalidBundle("manifest field 'artifact.sha256' must be 64 hex digits")
        if not isinstance(size, int):
            raise InvalidBundle("manifest field 'artifact.size' must be an integer")
        classes = data.get("classes")
        if data["task"] == "classification" and not isinstance(classes, list):
            raise InvalidBundle("manifest field 'classes' must list the class labels of a classifier")
        engine = data.get("engine", "sklearn")
        if engine not in ENGINES:
            raise InvalidBundle(f"manifest field 'engine' must be one of {', '.join(ENGINES)}, got {engine!r}")
        known = {"name", "version", "task", "description", "features", "classes", "engine", "runtimes",
                 "library_versions", "artifact", "created_at"}
        return cls(
            name=data["name"],
            version=data["version"],
            task=data["task"],
            schema=Schema.from_list(data["features"]),
            classes=classes,
            library_versions=dict(data["library_versions"]),
            artifact_file=file,
            artifact_sha256=digest.lower(),
            artifact_size=size,
            created_at=data["created_at"],
            description=data.get("description", ""),
            engine=engine,
            runtimes=tuple(data.get("runtimes", ("browser", "server"))),
            extra={k: v for k, v in data.items() if k not in known} or None,
        )


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
) -> Manifest:
    """Pickle ``estimator`` into ``directory`` and write its manifest. Returns the manifest.

    The artifact carries the feature schema too, so a manifest edited to list other features
    is caught at load time instead of feeding the model the wrong columns.
    """
    engine = SklearnEngine(estimator)
    if engine.n_features is not None and engine.n_features != len(schema.features):
        raise InvalidBundle(f"the estimator takes {engine.n_features} features but the schema lists "
                            f"{len(schema.features)}")
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
        extra=extra,
    )
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    (out / ARTIFACT_FILE).write_bytes(data)
    (out / MANIFEST_FILE).write_text(json.dumps(manifest.to_dict(), indent=2) + "\n")
    return manifest


def read_manifest(directory: str | os.PathLike[str]) -> Manifest:
    """Read ``manifest.json`` from a bundle directory."""
    path = Path(directory) / MANIFEST_FILE
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise InvalidBundle(f"no {MANIFEST_FILE} in {directory}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidBundle(f"{path} is not valid JSON: {exc}") from None
    return Manifest.from_dict(data)


def load_engine(directory: str | os.PathLike[str], manifest: Manifest) -> Engine:
    """Check the artifact against the manifest, then unpickle it into an engine."""
    path = Path(directory) / manifest.artifact_file
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InvalidBundle(f"model '{manifest.name}' {manifest.version}: artifact {manifest.artifact_file} "
                            f"is missing") from None
    actual = sha256_bytes(data)
    if actual != manifest.artifact_sha256:
        raise IntegrityError(
            f"model '{manifest.name}' {manifest.version}: artifact {manifest.artifact_file} has sha256 "
            f"{actual}, but the manifest expects {manifest.artifact_sha256}; refusing to load it",
            [{"field": "artifact.sha256", "expected": manifest.artifact_sha256, "actual": actual}],
        )
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
    except Exception as exc:  # an unpicklable artifact is a bundle problem, not a crash
        raise InvalidBundle(f"model '{manifest.name}' {manifest.version}: artifact could not be "
                            f"unpickled: {type(exc).__name__}: {exc}") from None
    if not isinstance(payload, dict) or payload.get("format") != ARTIFACT_FORMAT:
        raise InvalidBundle(f"model '{manifest.name}' {manifest.version}: artifact is not in the "
                            f"{ARTIFACT_FORMAT} format")
    trained_on, listed = payload["features"], manifest.schema.to_list()
    if trained_on != listed:
        diff = _first_difference(trained_on, listed)
        raise SchemaMismatch(
            f"model '{manifest.name}' {manifest.version}: the manifest's feature schema does not match the one "
            f"the artifact was trained on ({diff}); refusing to load it",
            [{"field": "features", "expected": trained_on, "actual": listed}])
    try:
        engine = ENGINES[manifest.engine](payload["estimator"])
    except TypeError as exc:
        raise InvalidBundle(f"model '{manifest.name}' {manifest.version}: {exc}") from None
    if engine.n_features is not None and engine.n_features != len(manifest.schema.features):
        raise InvalidBundle(f"model '{manifest.name}' {manifest.version}: the artifact takes "
                            f"{engine.n_features} features but the manifest lists {len(manifest.schema.features)}")
    if manifest.task == "classification" and engine.classes != manifest.classes:
        raise InvalidBundle(f"model '{manifest.name}' {manifest.version}: the artifact's classes "
                            f"{engine.classes} differ from the manifest's {manifest.classes}")
    return engine


def _first_difference(trained_on: list[dict[str, Any]], listed: list[dict[str, Any]]) -> str:
    if len(trained_on) != len(listed):
        return f"{len(trained_on)} features in the artifact, {len(listed)} in the manifest"
    for i, (a, b) in enumerate(zip(trained_on, listed)):
        if a != b:
            keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            return f"feature {i} ({a.get('name')!r}) differs in {', '.join(keys)}"
    return "they differ"
