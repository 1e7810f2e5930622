"""Model bundles: ``manifest.json``, the portable engine's files and a joblib artifact.

A bundle carries the model twice: as a portable spec (``portable.json`` plus the flat array
buffer ``portable.bin``, run by numpy alone, loaded without unpickling) when the exporter could
reproduce it, and as the pickled pipeline (``model.joblib``, run by scikit-learn). Loading reads
the manifest and checks the sha256 of every file it is about to use *before* parsing or
unpickling it. Nothing is half-loaded.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from .engines import Engine, SklearnEngine
from .errors import IncompatibleModel, IntegrityError, InvalidBundle, InvalidInput, ModelUnavailable, SchemaMismatch
from .files import write_atomic
from .manifest_types import known_fields
from .names import EXPECTED as NAME_EXPECTED, check_name, is_valid_name
from .portable.engine import ARRAYS_FILE, SPEC_FILE, PortableEngine, spec_bytes
from .schema import Schema

MANIFEST_FILE = "manifest.json"
ARTIFACT_FILE = "model.joblib"
#: The artifact is a dict: this format tag, the feature schema it was trained on, the estimator.
ARTIFACT_FORMAT = "py_pipeline.artifact/1"
TASKS = ("classification", "regression")
#: Libraries whose versions must match between the bundle and the runtime that unpickles it.
STRICT_LIBRARIES = ("scikit-learn", "numpy")
#: Ways to run a model: numpy alone from the exported spec, or the unpickled scikit-learn pipeline.
ENGINES = ("portable", "sklearn")
RUNTIMES = ("browser", "server")


def library_versions() -> dict[str, str]:
    """Versions of the libraries a pickled pipeline depends on, in this runtime."""
    import joblib
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


def manifest_sha256(directory: str | os.PathLike[str]) -> str:
    """The sha256 of a bundle's manifest file, which pins the sha256 of every model file: one
    value that names the whole bundle."""
    return sha256_bytes((Path(directory) / MANIFEST_FILE).read_bytes())


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
    #: {"spec": {file, sha256, size}, "arrays": {...}} when the model has a portable engine
    portable: Mapping[str, Any] | None = None
    #: why the model has no portable engine (None when it has one)
    portable_unavailable: str | None = None
    #: which engine each runtime uses, decided at build: {"browser": "portable", "server": "portable"}
    engines: Mapping[str, str] | None = None
    runtimes: tuple[str, ...] = ("browser", "server")
    #: "dataframe" when the pipeline was fitted on a pandas DataFrame (it selects columns by name)
    fitted_on: str = "array"
    extra: Mapping[str, Any] | None = None

    def packages_for(self, engine: str) -> list[str]:
        """Packages a runtime must load, beyond our wheel (which needs numpy alone), to run the
        model on ``engine``: scikit-learn (with scipy, joblib, threadpoolctl) for the scikit-learn
        engine, and pandas too for a pipeline fitted on a DataFrame."""
        if engine != "sklearn":
            return []
        return ["scikit-learn"] + (["pandas"] if self.fitted_on == "dataframe" else [])

    def engine_for(self, runtime: str) -> str:
        """The engine ``runtime`` (browser or server) uses for this model, as the build decided
        (a manifest from before engines were recorded: portable where it has one)."""
        return (self.engines or {}).get(runtime) or ("portable" if self.portable else "sklearn")

    def with_fields(self, changes: Mapping[str, Any]) -> "Manifest":
        """This manifest with fields set (or, for None, removed), read back through
        :meth:`from_dict`, so a change that would not load raises here, before anything is written."""
        data = self.to_dict()
        for key, value in changes.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        data.pop("packages", None)  # derived: recomputed from the engines and fitted_on
        return Manifest.from_dict(data)

    def files_for(self, engine: str) -> list[dict[str, Any]]:
        """The bundle files (``{file, sha256, size}``) that ``engine`` reads."""
        if engine == "portable" and self.portable:
            return [dict(self.portable["spec"]), dict(self.portable["arrays"])]
        return [{"file": self.artifact_file, "sha256": self.artifact_sha256, "size": self.artifact_size}]

    def to_dict(self) -> dict[str, Any]:
        """The manifest as JSON-ready data."""
        out: dict[str, Any] = {
            "name": self.name,
            "version": self.version,
            "task": self.task,
            "description": self.description,
            "features": self.schema.to_list(),
            "classes": self.classes,
            "engines": {runtime: self.engine_for(runtime) for runtime in RUNTIMES},
            "portable": dict(self.portable) if self.portable else None,
            "runtimes": list(self.runtimes),
            "fitted_on": self.fitted_on,
            "packages": {engine: self.packages_for(engine) for engine in ENGINES},
            "library_versions": dict(self.library_versions),
            "artifact": {"file": self.artifact_file, "sha256": self.artifact_sha256, "size": self.artifact_size},
            "created_at": self.created_at,
        }
        if self.portable_unavailable:
            out["portable_unavailable"] = self.portable_unavailable
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
        for key in ("name", "version"):  # each is a folder name and a URL segment
            if not is_valid_name(data[key]):
                raise InvalidBundle(f"manifest field '{key}' must be {NAME_EXPECTED}, got {data[key]!r}")
        if data["task"] not in TASKS:
            raise InvalidBundle(f"manifest field 'task' must be one of {', '.join(TASKS)}, got {data['task']!r}")
        art = data["artifact"]
        _check_file_entry(art, "artifact")
        file, digest, size = art["file"], art["sha256"], art["size"]
        classes = data.get("classes")
        if data["task"] == "classification" and not isinstance(classes, list):
            raise InvalidBundle("manifest field 'classes' must list the class labels of a classifier")
        portable = data.get("portable")
        if portable is not None:
            for part in ("spec", "arrays"):
                _check_file_entry(portable.get(part) if isinstance(portable, Mapping) else None, f"portable.{part}")
        engines = data.get("engines")
        if engines is not None:
            if not isinstance(engines, Mapping) or any(e not in ENGINES for e in engines.values()):
                raise InvalidBundle(f"manifest field 'engines' must map runtimes to one of {', '.join(ENGINES)}")
            if not portable and "portable" in engines.values():
                raise InvalidBundle("manifest field 'engines' names the portable engine, but 'portable' lists no files")
        known = known_fields() - _EXTRA_FIELDS  # the rest are carried in `extra`, as they are
        if data.get("csv_cells", "safe") not in ("safe", "raw"):
            raise InvalidBundle(f"manifest field 'csv_cells' must be 'safe' or 'raw', got {data['csv_cells']!r}")
        if data.get("fitted_on", "array") not in ("array", "dataframe"):
            raise InvalidBundle("manifest field 'fitted_on' must be 'array' or 'dataframe'")
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
            portable=portable,
            portable_unavailable=data.get("portable_unavailable"),
            engines=dict(engines) if engines is not None else None,
            runtimes=tuple(data.get("runtimes", ("browser", "server"))),
            fitted_on=data.get("fitted_on", "array"),
            extra={k: v for k, v in data.items() if k not in known} or None,
        )


#: Manifest fields (py_pipeline/manifest_types.py) that Manifest keeps in ``extra``: records of the
#: build's checks, display and lineage.
_EXTRA_FIELDS = {"portable_check", "browser_check", "server_check", "example", "examples", "class_labels",
                 "positive_class", "metrics", "training_data", "lineage", "csv_cells"}


def choose_engine(manifest: Manifest, runtime: str, override: str | None = None, allow_pickle: bool = True) -> str:
    """The engine ``runtime`` runs the model on: the one the build decided (the manifest's
    ``engines``), unless the runtime's own setting ``override`` names another the bundle has (the
    server's ``ENGINE``; portable for a model without one keeps scikit-learn). A runtime that
    refuses pickles (``allow_pickle=False``, the server's ``ALLOW_PICKLE``, the page's
    ``allowPickle``) raises :class:`ModelUnavailable` for a model that would need unpickling:
    decided here, before any file is read."""
    engine = manifest.engine_for(runtime)
    if override is not None:
        if override not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {override!r}")
        engine = override if override == "sklearn" or manifest.portable else engine
    if engine == "sklearn" and not allow_pickle:
        why = manifest.portable_unavailable or "it has no portable engine"
        raise ModelUnavailable(
            f"model '{manifest.name}' {manifest.version} is unavailable: this runtime refuses pickled models "
            f"(ALLOW_PICKLE=false) and the model has no portable engine ({why})",
            [{"field": "engine", "expected": "a model with a portable engine", "actual": why}])
    return engine


def _check_file_entry(entry: Any, where: str) -> None:
    """A manifest's {file, sha256, size} entry: a plain file name in the bundle, a digest, a size."""
    if not isinstance(entry, Mapping):
        raise InvalidBundle(f"manifest field '{where}' must be an object with file, sha256 and size")
    file, digest, size = entry.get("file"), entry.get("sha256"), entry.get("size")
    if not isinstance(file, str) or not file or "/" in file or "\\" in file or file.startswith("."):
        raise InvalidBundle(f"manifest field '{where}.file' must be a plain file name inside the bundle")
    if not isinstance(digest, str) or len(digest) != 64:
        raise InvalidBundle(f"manifest field '{where}.sha256' must be 64 hex digits")
    if not isinstance(size, int):
        raise InvalidBundle(f"manifest field '{where}.size' must be an integer")


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
) -> Manifest:
    """Pickle ``estimator`` into ``directory`` and write its manifest. Returns the manifest.

    The artifact carries the feature schema too, so a manifest edited to list other features
    is caught at load time instead of feeding the model the wrong columns. ``extra`` may give
    ``examples`` (``[{"name", "row"}]``, rows a user can pick; each must be valid) and
    ``class_labels`` (class -> what it means, shown beside the class).
    """
    manifest = pickle_bundle(directory, estimator, name=name, version=version, task=task, schema=schema,
                             description=description, extra=extra, compress=compress)
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
) -> Manifest:
    """:func:`write_bundle` without its manifest: the artifact is written, the manifest answered,
    for the build to complete (export, checks) and write once with :func:`write_manifest`."""
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
