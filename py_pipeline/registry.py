"""The model registry: bundles laid out as ``<root>/<name>/<version>/`` plus ``index.json``.

The server loads every bundle at start; the browser, which cannot list directories,
reads ``index.json`` (written by :func:`write_index`) and loads one bundle on demand.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from .bundle import MANIFEST_FILE, RUNTIMES, Manifest, read_manifest
from .errors import ModelUnavailable, UnknownModel
from .files import write_atomic
from .names import is_valid_name
from .model import Model, load_model

INDEX_FILE = "index.json"


def version_key(version: str) -> tuple[Any, ...]:
    """Sort key that orders ``1.10.0`` after ``1.9.0`` (numeric parts compare as numbers)."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[.\-+]", version))


def scan_manifests(root: str | os.PathLike[str]) -> list[tuple[Path, Manifest]]:
    """Every bundle under ``root``, as (directory, manifest), sorted by name then version. Folders
    whose names no model may have (an import's hidden staging folder, say) are never listed."""
    found = []
    for manifest_path in sorted(Path(root).glob(f"*/*/{MANIFEST_FILE}")):
        if not (is_valid_name(manifest_path.parent.name) and is_valid_name(manifest_path.parent.parent.name)):
            continue
        found.append((manifest_path.parent, read_manifest(manifest_path.parent)))
    found.sort(key=lambda item: (item[1].name, version_key(item[1].version)))
    return found


def index_entry(directory: Path, manifest: Manifest, root: Path) -> dict[str, Any]:
    """One model version as ``index.json`` lists it (``path`` relative to ``root``)."""
    return {"name": manifest.name, "version": manifest.version, "task": manifest.task,
            "description": manifest.description, "runtimes": list(manifest.runtimes),
            "engines": {runtime: manifest.engine_for(runtime) for runtime in RUNTIMES},
            "path": directory.relative_to(root).as_posix() + "/"}


def write_index(root: str | os.PathLike[str], entries: list[dict[str, Any]] | None = None, *,
                default_model: str | None = None, build: str | None = None) -> dict[str, Any]:
    """Write ``index.json`` in ``root``: the one writer of every model index (the models folder's,
    and the site's with its default model and build id). ``entries`` default to every bundle under
    ``root`` (paths relative to it). Written aside and moved into place, once."""
    root = Path(root)
    models = entries if entries is not None else [index_entry(d, m, root) for d, m in scan_manifests(root)]
    index = index_document(models, default_model=default_model, build=build)
    write_atomic(root / INDEX_FILE, index_text(index))
    return index


def index_document(entries: list[dict[str, Any]], *, default_model: str | None = None,
                   build: str | None = None) -> dict[str, Any]:
    """The index as data: its build id and default model when it has them, then the models."""
    head: dict[str, Any] = {} if build is None else {"build": build}
    if default_model is not None:
        head["default_model"] = default_model
    return {**head, "models": entries}


def index_text(index: dict[str, Any]) -> str:
    """The index as its file holds it."""
    return json.dumps(index, indent=2) + "\n"


class Registry:
    """All the models in a directory, loaded once and kept in memory."""

    def __init__(self, models: list[Model], unavailable: list[ModelUnavailable] | None = None) -> None:
        self._models: dict[str, dict[str, Model]] = {}
        for model in models:
            self._models.setdefault(model.name, {})[model.version] = model
        #: (name, version) -> why this runtime will not run it (e.g. it refuses pickles)
        self.unavailable: dict[tuple[str, str], ModelUnavailable] = {}
        for error in unavailable or []:
            self.unavailable[error.model] = error

    @classmethod
    def from_directory(cls, root: str | os.PathLike[str], engine: str | None = None,
                       allow_pickle: bool = True) -> "Registry":
        """Load every bundle under ``root`` on the server's engine (the build's choice, or
        ``engine`` where the bundle has it: :func:`~py_pipeline.bundle.choose_engine`).

        A bad bundle stops the load with its error; a model this runtime refuses to run
        (``allow_pickle=False`` and no portable engine) is kept aside as unavailable, with why.
        """
        models, unavailable = [], []
        for directory, manifest in scan_manifests(root):
            try:
                models.append(load_model(directory, engine, allow_pickle))
            except ModelUnavailable as exc:
                exc.model = (manifest.name, manifest.version)
                unavailable.append(exc)
        return cls(models, unavailable)

    def names(self) -> list[str]:
        """Names of the models this runtime runs, sorted."""
        return sorted(self._models)

    def versions(self, name: str) -> list[str]:
        """Versions of ``name``, oldest first."""
        if name not in self._models:
            raise self._unknown(name)
        return sorted(self._models[name], key=version_key)

    def get(self, name: str, version: str | None = None) -> Model:
        """The model ``name`` at ``version`` (the newest when None)."""
        versions = self._models.get(name)
        if version is not None and (name, version) in self.unavailable:
            raise self.unavailable[(name, version)]
        if not versions:
            refused = [e for (n, _), e in self.unavailable.items() if n == name]
            if refused:
                raise refused[-1]
            raise self._unknown(name)
        if version is None:
            return versions[max(versions, key=version_key)]
        if version not in versions:
            raise UnknownModel(
                f"model '{name}' has no version '{version}'; available: {', '.join(self.versions(name))}",
                [{"field": "version", "expected": "one of " + ", ".join(self.versions(name))}],
            )
        return versions[version]

    def manifests(self) -> list[Manifest]:
        """Every loaded model's manifest, sorted by name then version."""
        return [self._models[n][v].manifest for n in self.names() for v in self.versions(n)]

    def _unknown(self, name: str) -> UnknownModel:
        known = ", ".join(self.names()) or "none"
        return UnknownModel(f"no model named '{name}'; available: {known}",
                            [{"field": "model", "expected": "one of " + known}])
