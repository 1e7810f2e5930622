"""The browser's memory snapshot of a ready interpreter (web/lib/snapshot.js), Python's side.

A snapshot holds Python's memory with numpy and py_pipeline imported, but not Pyodide's file
system: a restored interpreter has every module the snapshot imported, and no package files.
:func:`prepare` imports everything the browser runs before the snapshot is taken, and puts the
last-resort finder (``on_demand.py``) on ``sys.meta_path``; after a restore, :func:`serve` tells it
where the wheels are. Should anything import a module the snapshot left out, the finder writes its
wheel's files into site-packages (once, fetched synchronously: the worker may block) and the
import goes on.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import zipimport
from urllib.parse import urljoin

from .on_demand import FINDER, Source, forget_listings, trimmed

#: What :func:`prepare` saw, kept in the snapshot for :func:`serve`.
_made: dict = {}


def prepare(site_packages: str, wheels: dict[str, list[str]]) -> list[str]:
    """Import every py_pipeline module that imports here, and add the finder; answer those that did not.

    ``wheels``: each wheel's file name, and its top-level packages, whose files a restored
    interpreter lacks. Modules for the host alone (export needs scikit-learn) fail to import and
    are left out.
    """
    import py_pipeline

    importlib.import_module("numpy")  # its extension modules: the libraries the snapshot records

    skipped = []
    for module in pkgutil.walk_packages(py_pipeline.__path__, "py_pipeline."):
        try:
            importlib.import_module(module.name)
        except Exception:  # noqa: BLE001  any failure: the module is left out of the snapshot
            skipped.append(module.name)
    _made.update(site_packages=site_packages, wheels=dict(wheels), trimmed=trimmed(site_packages))
    FINDER.sources = []
    FINDER.install()
    # Python 3.12 re-reads the standard library's zip directory once per importer on every
    # invalidate_caches() (loadPackage calls it): keep only the zip's own, not one per package
    for path, finder in list(sys.path_importer_cache.items()):
        if isinstance(finder, zipimport.zipimporter) and finder.prefix:
            del sys.path_importer_cache[path]
    return skipped


def serve(index_url: str) -> None:
    """After a restore: where the files are (the runtime's folder ``index_url``); site-packages
    listed afresh. A wheel that was trimmed is fetched whole (its full copy)."""
    site_packages = _made["site_packages"]
    # a trimmed wheel's full copy, by distribution (a wheel file name's first part)
    full = {_distribution(url): url for url, source in _made["trimmed"] if source.folder == site_packages}
    FINDER.sources = [Source(urljoin(index_url, url), source.folder, source.names)
                      for url, source in _made["trimmed"] if source.folder != site_packages]
    FINDER.sources += [Source(urljoin(index_url, full.get(_distribution(name), name)), site_packages,
                              packages=frozenset(packages)) for name, packages in _made["wheels"].items()]
    forget_listings(site_packages)


def _distribution(wheel: str) -> str:
    return os.path.basename(wheel).split("-")[0]
