"""Feature packages: a model's own preprocessing code, a folder with a ``pyproject.toml`` anywhere,
built into the pure-Python wheel every runtime loads with the model.

:func:`build_package` builds the wheel (from a copy of the folder, so nothing is written into
it), refuses one that is not pure Python or that requires a package the Pyodide lock lacks, and
answers what the manifest lists. :func:`importable` puts the wheel on this process's path, so a
pickle naming its modules loads here. The bundle carries the wheel (:func:`add_to_bundle`); the
Pyodide check installs it from there, and the site adds it to its lock (``site.py``).
"""

from __future__ import annotations

import importlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from py_pipeline.bundle.manifest import sha256_bytes
from py_pipeline.files import write_atomic

from .paths import CACHE, PYODIDE_DIST

#: Where built wheels are kept, one folder per source folder's name.
WHEELS = CACHE / "feature_wheels"


class PackageError(Exception):
    """A feature package that cannot be built or shipped; the message says why and what to do."""


@dataclass(frozen=True)
class FeaturePackage:
    """A built feature package: its wheel and what the manifest lists about it."""

    name: str
    version: str
    wheel: Path
    imports: tuple[str, ...]
    depends: tuple[str, ...]

    def entry(self) -> dict[str, Any]:
        """The manifest's ``feature_packages`` entry."""
        data = self.wheel.read_bytes()
        return {"name": self.name, "version": self.version, "file": self.wheel.name, "sha256": sha256_bytes(data),
                "size": len(data), "imports": list(self.imports), "depends": list(self.depends)}


def normalise(name: str) -> str:
    """A distribution name as the Pyodide lock spells it (PEP 503, lower case, dashes)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def build_package(source: Path, out: Path = WHEELS) -> FeaturePackage:
    """Build the feature package in the folder ``source`` into a wheel under ``out``; check it."""
    source = Path(source).resolve()
    if not (source / "pyproject.toml").is_file():
        raise PackageError(f"{source} is not a feature package: it has no pyproject.toml (a feature package is "
                           "a folder with a pyproject.toml, see feature_packages/machine_physics)")
    target = out / source.name
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / source.name  # built from a copy: no build/ or .egg-info left in the user's folder
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns("build", "dist", "*.egg-info", "__pycache__",
                                                                    ".git", ".venv"))
        done = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
                               str(Path(tmp) / "wheel"), str(copy)], capture_output=True, text=True)
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-8:])
            raise PackageError(f"the feature package in {source} does not build into a wheel (its build backend "
                               f"must be installed here, e.g. setuptools):\n{tail}")
        (built,) = (Path(tmp) / "wheel").glob("*.whl")
        if not built.name.endswith("-py3-none-any.whl"):
            raise PackageError(f"{built.name} is not a pure-Python wheel (py3-none-any): the browser can load only "
                               "pure Python beyond the Pyodide lock's packages; move compiled code out of it")
        target.mkdir(parents=True, exist_ok=True)
        for old in target.glob("*.whl"):
            old.unlink()
        write_atomic(target / built.name, built.read_bytes())
    return describe(target / built.name)


def describe(wheel: Path) -> FeaturePackage:
    """What a built wheel provides and requires, its requirements checked against the Pyodide lock."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        fields = _metadata(archive.read(metadata).decode())
    imports = sorted({n.split("/")[0].removesuffix(".py") for n in names
                      if not n.split("/")[0].endswith((".dist-info", ".data"))
                      and (n.endswith("/__init__.py") and n.count("/") == 1 or "/" not in n and n.endswith(".py"))})
    if not imports:
        raise PackageError(f"{wheel.name} holds no module: list the package in its pyproject.toml")
    name = normalise(fields["Name"][0])
    return FeaturePackage(name, fields["Version"][0], wheel, tuple(imports),
                          tuple(_requirements(name, fields.get("Requires-Dist", []))))


def _metadata(text: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for line in text.split("\n\n", 1)[0].splitlines():
        key, sep, value = line.partition(": ")
        if sep and not line.startswith(" "):
            fields.setdefault(key, []).append(value.strip())
    return fields


def _requirements(package: str, requires: list[str]) -> list[str]:
    """The lock's names of what ``package`` requires (extras aside: they are for fitting, not for
    predicting); a requirement the Pyodide lock cannot meet is refused, naming it."""
    from packaging.requirements import Requirement

    lock_file = PYODIDE_DIST / "pyodide-lock.json"
    if not lock_file.is_file():
        raise PackageError(f"{lock_file} is missing: build the Pyodide distribution and the wheel first (make build)")
    lock = {normalise(n): e["version"] for n, e in json.loads(lock_file.read_text())["packages"].items()}
    out = []
    for text in requires:
        requirement = Requirement(text)
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue  # an extra's requirement, or one for another platform
        wanted = normalise(requirement.name)
        if wanted not in lock:
            raise PackageError(f"feature package {package} requires {requirement.name}, which the site's Pyodide "
                               f"does not carry: a feature package may require only {', '.join(sorted(lock))} "
                               "(list anything else as an extra, needed to fit but not to predict)")
        if not requirement.specifier.contains(lock[wanted], prereleases=True):
            raise PackageError(f"feature package {package} requires {text}, but Pyodide's lock has "
                               f"{requirement.name} {lock[wanted]}")
        out.append(wanted)
    return out


def importable(package: FeaturePackage) -> None:
    """Put the wheel on this process's path (ahead of anything installed), so its modules import here."""
    if str(package.wheel) not in sys.path:
        sys.path.insert(0, str(package.wheel))
    importlib.invalidate_caches()


def add_to_bundle(directory: Path, packages: list[FeaturePackage]) -> list[dict[str, Any]]:
    """Copy each wheel into the bundle in ``directory``; answer the manifest's entries."""
    entries = []
    for package in packages:
        write_atomic(Path(directory) / package.wheel.name, package.wheel.read_bytes())
        entries.append(package.entry())
    return entries
