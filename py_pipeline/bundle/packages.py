"""A model's feature packages made importable before the model loads, on any Python host (the
server, ``python -m scoring`` and its Dask workers, the build's checks).

A package already installed at the listed version is used as it is (``pip install`` of the
same wheel, as the Docker image does). Otherwise the bundle's own wheel, once its sha256 matches
the manifest's, goes on ``sys.path``: a pure-Python wheel imports from the zip as it is. In
Pyodide the worker has installed the same wheel through the site's lock before the bridge loads
the model, so it is found installed.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import sys
from pathlib import Path
from typing import Any, Callable, Mapping

from ..errors import ModelUnavailable
from .manifest import Manifest

#: Reads a bundle file and checks its sha256 (``load._verified``).
Verify = Callable[[Path, Manifest, Mapping[str, Any]], bytes]


def make_importable(directory: Path, manifest: Manifest, verify: Verify) -> None:
    """Make each of the model's feature packages importable here, or raise :class:`ModelUnavailable`
    for this model alone, naming the package and what is wrong."""
    for package in manifest.feature_packages:
        if _installed_version(package) == package["version"]:
            continue
        wheel = directory / package["file"]
        if not wheel.is_file():
            raise _unavailable(manifest, package, f"its wheel {package['file']} is missing from the bundle and "
                                                  f"the package is not installed here")
        verify(directory, manifest, package)  # an IntegrityError when the wheel is not the one built
        if str(wheel) not in sys.path:
            sys.path.insert(0, str(wheel))
            importlib.invalidate_caches()
        for module in package["imports"]:
            found = importlib.util.find_spec(module)
            origin = getattr(found, "origin", None) or ""
            if found is None or not origin.startswith(str(wheel)):
                where = origin or "nowhere"
                raise _unavailable(manifest, package, f"module {module} is already imported from {where}, "
                                                      "another version of the package")


def _installed_version(package: Mapping[str, Any]) -> str | None:
    try:
        version = importlib.metadata.version(package["name"])
    except importlib.metadata.PackageNotFoundError:
        return None
    return version if all(importlib.util.find_spec(m) is not None for m in package["imports"]) else None


def _unavailable(manifest: Manifest, package: Mapping[str, Any], why: str) -> ModelUnavailable:
    wanted = f"{package['name']} {package['version']}"
    return ModelUnavailable(
        f"model '{manifest.name}' {manifest.version} needs its feature package {wanted}, but {why}: "
        f"install it where the model is served (pip install {package['file']})",
        [{"field": "feature_packages", "expected": f"{wanted} importable", "actual": why}])
