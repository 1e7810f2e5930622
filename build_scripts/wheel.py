"""Build the py_pipeline wheel and add it to the self-hosted Pyodide distribution.

``python -m build`` makes the pure-Python wheel, ``pyodide py-compile`` byte-compiles a
copy for the browser (smaller, faster to import), and ``pyodide lockfile add-wheels``
records it with its dependencies in pyodide-lock.json, so one ``loadPackage("py-pipeline")``
loads it and everything it needs.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from py_pipeline.files import write_atomic

from .pyodide_dist import sha256_file
from .paths import PYODIDE_DIST, ROOT, WHEEL_DIR

BIN = Path(sys.executable).parent


def build_wheel() -> Path:
    """Build the pure-Python wheel into dist/wheel/ (offline: no build isolation)."""
    if WHEEL_DIR.exists():
        shutil.rmtree(WHEEL_DIR)
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(WHEEL_DIR),
                    str(ROOT)], check=True, stdout=subprocess.DEVNULL)
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    (wheel,) = WHEEL_DIR.glob("py_pipeline-*-py3-none-any.whl")
    return wheel


def add_to_pyodide(wheel: Path, dist: Path = PYODIDE_DIST) -> Path:
    """Add ``wheel`` to dist's pyodide-lock.json, then byte-compile it in place.

    add-wheels only accepts the py3-none-any wheel (it checks tags), and py-compile renames
    it to cp312-none-any, so the lock entry's file name and sha256 are updated afterwards.
    """
    lock_path = dist / "pyodide-lock.json"
    if not lock_path.exists():
        raise SystemExit(f"{lock_path} is missing: build the Pyodide distribution first")
    for old in dist.glob("py_pipeline-*.whl"):
        old.unlink()
    info = json.loads(lock_path.read_text())["info"]  # add-wheels drops info.version, which Pyodide checks
    staged = dist / wheel.name
    shutil.copy2(wheel, staged)
    subprocess.run([BIN / "pyodide", "lockfile", "add-wheels", "--input", str(lock_path),
                    "--output", str(lock_path), "--base-path", str(dist), str(staged)], check=True)
    # stored, not deflated: the site's brotli copy compresses across files (198 KB against 294 KB)
    subprocess.run([BIN / "pyodide", "py-compile", "--silent", "--compression-level", "0", str(staged)], check=True)
    (compiled,) = dist.glob("py_pipeline-*.whl")
    lock = json.loads(lock_path.read_text())
    lock["info"] = info
    entry = lock["packages"]["py-pipeline"]
    entry["file_name"] = compiled.name
    entry["sha256"] = sha256_file(compiled)
    write_atomic(lock_path, json.dumps(lock, indent=2) + "\n")
    return compiled


if __name__ == "__main__":
    built = build_wheel()
    print(f"wheel: {built}")
    print(f"pyodide wheel: {add_to_pyodide(built)}")
