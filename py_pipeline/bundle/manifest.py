"""What a bundle says about its model: ``manifest.json`` read and checked (every bad field named),
the engine each runtime runs (decided at build; the runtime's own settings applied in one place)."""

from __future__ import annotations

import hashlib
import json
import os
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..errors import InvalidBundle, ModelUnavailable
from ..manifest_types import known_fields
from ..names import EXPECTED as NAME_EXPECTED, is_valid_name
from ..schema import Schema

MANIFEST_FILE = "manifest.json"
ARTIFACT_FILE = "model.joblib"
#: The artifact is a dict: this format tag, the feature schema it was trained on, the estimator.
ARTIFACT_FORMAT = "py_pipeline.artifact/1"
TASKS = ("classification", "regression")
#: Libraries whose versions must match between the bundle and the runtime that unpickles it.
STRICT_LIBRARIES = ("scikit-learn", "numpy")
#: Packages every runtime has before a model loads: our wheel and numpy.
_ALWAYS_LOADED = ("py-pipeline", "numpy")
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
    #: the model's own code: {name, version, file, sha256, size, imports, depends} per wheel in the bundle
    feature_packages: tuple[Mapping[str, Any], ...] = ()
    extra: Mapping[str, Any] | None = None

    def packages_for(self, engine: str) -> list[str]:
        """Packages a runtime must load, beyond our wheel (which needs numpy alone), to run the
        model on ``engine``: scikit-learn (with scipy, joblib, threadpoolctl) for the scikit-learn
        engine, pandas too for a pipeline fitted on a DataFrame, and the model's feature packages
        with what they require, on either engine."""
        own = [p["name"] for p in self.feature_packages]
        needed = [d for p in self.feature_packages for d in p["depends"] if d not in own] + own
        if engine == "sklearn":
            needed = ["scikit-learn"] + (["pandas"] if self.fitted_on == "dataframe" else []) + needed
        return [p for i, p in enumerate(needed) if p not in needed[:i] and p not in _ALWAYS_LOADED]

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
            **({"feature_packages": [dict(p) for p in self.feature_packages]} if self.feature_packages else {}),
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
            feature_packages=_feature_packages(data.get("feature_packages", [])),
            extra={k: v for k, v in data.items() if k not in known} or None,
        )


#: Manifest fields (py_pipeline/manifest_types.py) that Manifest keeps in ``extra``: records of the
#: build's checks, display and lineage.
_EXTRA_FIELDS = {"portable_check", "browser_check", "server_check", "example", "examples", "class_labels",
                 "positive_class", "metrics", "training_data", "lineage", "csv_cells", "profile", "target_unit"}


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


def _feature_packages(listed: Any) -> tuple[Mapping[str, Any], ...]:
    """The manifest's feature packages, each checked: a wheel in the bundle, and what it provides."""
    if not isinstance(listed, list):
        raise InvalidBundle("manifest field 'feature_packages' must be a list")
    for i, entry in enumerate(listed):
        where = f"feature_packages[{i}]"
        _check_file_entry(entry, where)
        if not entry["file"].endswith(".whl"):
            raise InvalidBundle(f"manifest field '{where}.file' must name a wheel (.whl)")
        for key in ("name", "version"):
            if not isinstance(entry.get(key), str) or not entry[key]:
                raise InvalidBundle(f"manifest field '{where}.{key}' must be a non-empty string")
        for key in ("imports", "depends"):
            if not isinstance(entry.get(key), list) or not all(isinstance(v, str) and v for v in entry[key]):
                raise InvalidBundle(f"manifest field '{where}.{key}' must be a list of names")
        if not all(m.isidentifier() for m in entry["imports"]):
            raise InvalidBundle(f"manifest field '{where}.imports' must list module names")
    return tuple(dict(entry) for entry in listed)


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
