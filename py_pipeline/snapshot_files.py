"""The browser's memory snapshot of a ready interpreter (web/lib/snapshot.js), Python's side.

A snapshot holds Python's memory with numpy and py_pipeline imported, but not Pyodide's file
system: a restored interpreter has every module the snapshot imported, and no package files.
:func:`prepare` imports everything the browser runs before the snapshot is taken, and puts a
last-resort finder on ``sys.meta_path``; after a restore, :func:`serve` tells it where the wheels
are. Should anything import a module the snapshot left out, the finder writes the wheels' files
into site-packages (once, fetched synchronously: the worker may block) and the import goes on.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import io
import os
import pkgutil
import sys
import zipfile
import zipimport
from types import ModuleType


class FilesOnDemand(importlib.abc.MetaPathFinder):
    """Installs the snapshot's wheels the first time an import finds nothing."""

    def __init__(self) -> None:
        self.wheels: list[str] = []
        self.site_packages = ""
        self.top_level: set[str] = set()
        self.installed = False

    def find_spec(self, name: str, path=None, target: ModuleType | None = None):
        # only the wheels' own modules: a probe for an optional package must not download them
        if self.installed or not self.wheels or name.partition(".")[0] not in self.top_level:
            return None
        self.install()
        return importlib.machinery.PathFinder.find_spec(name, path, target)

    def install(self) -> None:
        """Write every wheel's files into site-packages (the modules already imported stay)."""
        self.installed = True  # once, even if a download fails: the import then fails as usual
        for url in self.wheels:
            with zipfile.ZipFile(io.BytesIO(_fetch(url))) as wheel:
                wheel.extractall(self.site_packages)
        _forget_listings(self.site_packages)


FINDER = FilesOnDemand()


def prepare(site_packages: str, top_level: list[str]) -> list[str]:
    """Import every py_pipeline module that imports here, and add the finder; answer those that did not.

    ``top_level``: the wheels' top-level packages, whose files a restored interpreter lacks.
    Modules for the host alone (export needs scikit-learn) fail to import and are left out.
    """
    import py_pipeline

    importlib.import_module("numpy")  # its extension modules: the libraries the snapshot records

    skipped = []
    for module in pkgutil.walk_packages(py_pipeline.__path__, "py_pipeline."):
        try:
            importlib.import_module(module.name)
        except Exception:  # noqa: BLE001  any failure: the module is left out of the snapshot
            skipped.append(module.name)
    FINDER.site_packages = site_packages
    FINDER.top_level = set(top_level)
    if FINDER not in sys.meta_path:
        sys.meta_path.append(FINDER)
    # Python 3.12 re-reads the standard library's zip directory once per importer on every
    # invalidate_caches() (loadPackage calls it): keep only the zip's own, not one per package
    for path, finder in list(sys.path_importer_cache.items()):
        if isinstance(finder, zipimport.zipimporter) and finder.prefix:
            del sys.path_importer_cache[path]
    return skipped


def serve(wheels: list[str]) -> None:
    """After a restore: the wheels' URLs, for the finder; site-packages listed afresh."""
    FINDER.wheels = list(wheels)
    FINDER.installed = False
    _forget_listings(FINDER.site_packages)


def _forget_listings(folder: str) -> None:
    """Have imports list ``folder`` afresh (what the snapshot saw there is not the file system's now)."""
    for path, finder in sys.path_importer_cache.items():
        if finder is not None and os.path.normpath(path) == os.path.normpath(folder):
            finder.invalidate_caches()


def _fetch(url: str) -> bytes:
    """A wheel's bytes, by a synchronous request (allowed in a worker)."""
    from js import XMLHttpRequest  # here, not at import: a JS object held in a snapshot breaks it

    request = XMLHttpRequest.new()
    request.open("GET", url, False)
    request.responseType = "arraybuffer"
    request.send()
    if request.status != 200:
        raise ImportError(f"{url} answered {request.status}")
    return request.response.to_bytes()
