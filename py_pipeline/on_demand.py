"""Files the browser's interpreter lacks, fetched the first time an import needs them.

Two things leave files out. A site trims the standard library and numpy to what its models import
(``build_scripts/trim.py``); each trimmed archive carries ``trimmed.json``, naming its full copy and
the modules left out. A runtime restored from a snapshot (``snapshot_files.py``) has no package
files at all. :data:`FINDER`, last on ``sys.meta_path``, turns an import that found nothing into
one download of the archive that holds it (synchronous: the worker may block; offline, the service
worker answers from its cache), unpacked where that archive's files belong, and the import goes on.
A probe for a module no archive holds (an optional dependency) downloads nothing.
"""

from __future__ import annotations

import glob
import importlib.abc
import importlib.machinery
import io
import json
import os
import sys
import zipfile
import zipimport
from dataclasses import dataclass
from types import ModuleType
from urllib.parse import urljoin

#: What a trimmed archive carries, in its root (the standard library) or in its ``.dist-info``.
DESCRIPTION = "trimmed.json"


@dataclass
class Source:
    """An archive whose files this interpreter may lack: either the modules ``names`` (trimmed
    away), or every module of the top-level ``packages`` (a snapshot's wheels)."""

    url: str
    folder: str
    names: frozenset[str] = frozenset()
    packages: frozenset[str] = frozenset()
    unpacked: bool = False

    def holds(self, name: str) -> bool:
        return name in self.names or name.partition(".")[0] in self.packages

    def find_spec(self, name: str, target: ModuleType | None) -> importlib.machinery.ModuleSpec | None:
        if not self.unpacked:
            self.unpacked = True  # once, even if the download fails: the import then fails as usual
            unpack(_fetch(self.url), self.folder)
        # a trimmed module's package may live elsewhere (the standard library's zip): look where it was unpacked
        parent = name.rpartition(".")[0]
        return importlib.machinery.PathFinder.find_spec(name, [os.path.join(self.folder, *parent.split(".")) if parent
                                                               else self.folder], target)


class FilesOnDemand(importlib.abc.MetaPathFinder):
    """The last finder: an import nothing else found, of a module one of :attr:`sources` holds."""

    def __init__(self) -> None:
        self.sources: list[Source] = []

    def find_spec(self, name: str, path=None, target: ModuleType | None = None):
        for source in self.sources:
            if source.holds(name):
                return source.find_spec(name, target)
        return None

    def install(self) -> None:
        if self not in sys.meta_path:
            sys.meta_path.append(self)


FINDER = FilesOnDemand()


def trimmed(site_packages: str) -> list[tuple[str, Source]]:
    """The trimmed archives here: the standard library's zip and any wheel in ``site_packages``,
    each as (its full copy's URL relative to the runtime's folder, a source of its left-out modules)."""
    found = []
    for entry in sys.path:
        if entry.endswith(".zip") and os.path.isfile(entry):
            try:
                description = json.loads(zipimport.zipimporter(entry).get_data(DESCRIPTION))
            except OSError:
                continue
            # unpacked beside the zip's own folder on sys.path (/lib/python3.12 for /lib/python312.zip)
            folder = os.path.join(os.path.dirname(entry), "python{}.{}".format(*sys.version_info[:2]))
            found.append((description["full"], Source("", folder, frozenset(description["left_out"]))))
    for path in sorted(glob.glob(os.path.join(glob.escape(site_packages), "*.dist-info", DESCRIPTION))):
        with open(path, encoding="utf-8") as f:
            description = json.load(f)
        found.append((description["full"], Source("", site_packages, frozenset(description["left_out"]))))
    return found


def serve(index_url: str, site_packages: str | None = None) -> int:
    """A runtime started as usual: fetch whatever was trimmed away from the runtime's folder
    ``index_url``, on demand. Answer how many trimmed archives there are."""
    import site  # noqa: PLC0415  (imported by Python's start-up anyway)

    sources = trimmed(site_packages or site.getsitepackages()[0])
    FINDER.sources = [Source(urljoin(index_url, full), s.folder, s.names) for full, s in sources]
    FINDER.install()
    return len(sources)


def unpack(data: bytes, folder: str) -> None:
    """Write an archive's files into ``folder``, and have imports list it afresh."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(folder)
    forget_listings(folder)


def forget_listings(folder: str) -> None:
    """Have imports list ``folder`` afresh (what they saw there before is not the file system's now)."""
    for path, finder in sys.path_importer_cache.items():
        if finder is not None and os.path.normpath(path).startswith(os.path.normpath(folder)):
            finder.invalidate_caches()


def _fetch(url: str) -> bytes:
    """An archive's bytes, by a synchronous request (allowed in a worker)."""
    from js import XMLHttpRequest  # here, not at import: a JS object held in a snapshot breaks it

    request = XMLHttpRequest.new()
    request.open("GET", url, False)
    request.responseType = "arraybuffer"
    try:
        request.send()
    except Exception as exc:  # noqa: BLE001  a network error (offline, the file not cached): the import fails
        raise ImportError(f"{url} could not be fetched: {exc}") from None
    if request.status != 200:
        raise ImportError(f"{url} answered {request.status}")
    return request.response.to_bytes()
