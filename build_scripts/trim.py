"""Trim the runtime a first visit downloads to what the site's models import (issue 36).

The browser imports about a third of Python's standard library and a quarter of numpy's files. A
site ships ``python_stdlib.zip`` and the numpy wheel holding only the modules Python looked for
while its browser models ran every path a page can take (``trace_imports.mjs``: load, predict,
explain, JSON rows and column batches, faulty rows, a CSV file with explanations and drift,
telemetry), byte-compiled. Each trimmed archive carries ``trimmed.json``: the full archive's
place beside it, and the modules left out. Should anything import one of those (a model on the
scikit-learn engine imports ``numpy.random``), ``py_pipeline.on_demand`` fetches the full archive,
unpacks it, and the import goes on. The full files are in the service worker's precache, kept
after the page is ready: offline use has everything.

    python -m build_scripts.site      # calls trim_runtime()
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import marshal
import subprocess
import sys
import zipfile
from pathlib import Path

from py_pipeline.schema import Schema

from .paths import CACHE, ROOT
from .pyodide_dist import sha256_file

#: Where a trimmed archive's full copy sits, relative to the runtime's folder (same file name).
FULL = "full"
#: The description a trimmed archive carries: in the zip's root, or in a wheel's ``.dist-info``.
DESCRIPTION = "trimmed.json"
STDLIB = "python_stdlib.zip"
#: The packages trimmed beside the standard library (their wheel is in every first visit).
PACKAGES = ("numpy",)
TRACER = ROOT / "build_scripts" / "trace_imports.mjs"
EXTENSION = ".cpython-312-wasm32-emscripten.so"
#: Rows drawn from each model's schema for the trace (values in range, each category, limits, nulls).
TRACED_ROWS = 20
#: A fixed time for every entry, so the same modules give the same bytes (and one compressed copy).
STAMP = (2024, 1, 1, 0, 0, 0)


def module_of(member: str) -> str | None:
    """The module a zip member is, by its path (``a/b/__init__.py`` -> ``a.b``); None for data."""
    for suffix in ("/__init__.py", "/__init__.pyc", ".py", ".pyc", EXTENSION):
        if member.endswith(suffix):
            return member[: -len(suffix)].replace("/", ".")
    return None


def trim_archive(full: Path, out: Path, keep: set[str], full_url: str, installed_at: str,
                 description_dir: str = "") -> list[str]:
    """Write ``out``: ``full``'s modules that are in ``keep`` (sources byte-compiled for the
    folder ``installed_at``), its directory entries and its ``.dist-info``, and ``trimmed.json``
    (in ``description_dir``). Answer the modules left out. Entries are stored, not deflated: the
    site's brotli copy compresses across files, and the browser inflates nothing."""
    with zipfile.ZipFile(full) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        members = source.infolist()
        left_out = sorted({m for i in members if (m := module_of(i.filename)) and m not in keep})
        for info in members:
            module = module_of(info.filename)
            if not (info.is_dir() or ".dist-info/" in info.filename or (module is not None and module in keep)):
                continue
            name, data = info.filename, source.read(info)
            if name.endswith(".py"):
                name, data = name + "c", byte_code(data, f"{installed_at}/{name}")
            target.writestr(_entry(name, info.external_attr), data)
        description = json.dumps({"full": full_url, "left_out": left_out}, indent=0)
        target.writestr(_entry(description_dir + DESCRIPTION), description)
    return left_out


def byte_code(source: bytes, path: str) -> bytes:
    """``source`` compiled, as a ``.pyc`` file Python takes without its source (PEP 552: hash-based,
    unchecked): the same source gives the same bytes. Compiling on the device costs most of a
    first visit's start-up (1.35 -> 0.5 s for Python's start under Node)."""
    code = compile(source, path, "exec", dont_inherit=True)
    unchecked_hash = (1).to_bytes(4, "little")
    return importlib.util.MAGIC_NUMBER + unchecked_hash + importlib.util.source_hash(source) + marshal.dumps(code)


def _entry(name: str, attributes: int = 0o644 << 16) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(name, STAMP)
    entry.external_attr = attributes
    return entry


def kept_modules(traced: dict) -> set[str]:
    """Every module the trace saw asked for, and every package above one (their ``__init__``)."""
    names = set(traced["modules"])
    return names | {name.rsplit(".", i)[0] for name in names for i in range(1, name.count(".") + 1)}


def trim_runtime(pyodide: Path, bundles: list[Path]) -> dict[str, int]:
    """Trim the site's runtime folder ``pyodide`` (a copy of dist/pyodide, with the site's lock) to
    what ``bundles`` import: the full standard library and numpy wheel move to ``full/``, the
    trimmed ones take their place, and the lock takes the trimmed wheel's sha256. Answer the
    bytes of each trimmed archive, for the log."""
    lock_path = pyodide / "pyodide-lock.json"
    lock = json.loads(lock_path.read_text())
    runtime_python = tuple(int(n) for n in lock["info"]["python"].split(".")[:2])
    if runtime_python != sys.version_info[:2]:  # byte code is for one Python version
        raise SystemExit(f"the build runs Python {sys.version_info[0]}.{sys.version_info[1]}, the browser's "
                         f"runtime {lock['info']['python']}: build with Python {runtime_python[0]}.{runtime_python[1]}")
    keep = kept_modules(trace(pyodide, bundles))
    (pyodide / FULL).mkdir()
    sizes = {}
    site_packages = f"/lib/python{runtime_python[0]}.{runtime_python[1]}/site-packages"
    archives = [(STDLIB, f"/lib/python{runtime_python[0]}{runtime_python[1]}.zip", "")]
    for name in PACKAGES:
        entry = lock["packages"][name]
        archives.append((entry["file_name"], site_packages, f"{name}-{entry['version']}.dist-info/"))
    for file_name, installed_at, description_dir in archives:
        (pyodide / file_name).rename(pyodide / FULL / file_name)
        trim_archive(pyodide / FULL / file_name, pyodide / file_name, keep, f"{FULL}/{file_name}", installed_at,
                     description_dir)
        sizes[file_name] = (pyodide / file_name).stat().st_size
    for name in PACKAGES:
        entry = lock["packages"][name]
        entry["sha256"] = sha256_file(pyodide / entry["file_name"])
        named = content_name(entry["file_name"], entry["sha256"])
        (pyodide / entry["file_name"]).rename(pyodide / named)
        sizes[named] = sizes.pop(entry["file_name"])
        entry["file_name"] = named
    lock_path.write_text(json.dumps(lock, indent=2) + "\n")
    return sizes


def content_name(wheel: str, sha256: str) -> str:
    """A trimmed wheel's file name: the official one with a build tag from its content's sha256
    (``numpy-2.0.2-0trimmed1a2b3c4d5e6f-cp312-...``). Hosts keep a package wheel a year, unrevalidated
    (the hosting notes): another site build, tracing other modules, must not reuse its URL."""
    parts = wheel[: -len(".whl")].split("-")
    if len(parts) != 5:  # name, version, python, abi, platform: no build tag of its own
        raise SystemExit(f"{wheel}: expected a wheel name without a build tag")
    return "-".join([*parts[:2], f"0trimmed{sha256[:12]}", *parts[2:]]) + ".whl"


def trace(pyodide: Path, bundles: list[Path]) -> dict:
    """Run ``trace_imports.mjs``: the modules Python looks for while ``bundles`` run every path
    (cached in .cache/traced by the sha256 of everything that decides them)."""
    from .golden import sampled_rows  # noqa: PLC0415  (it imports joblib: only when tracing)

    schemas = [Schema.from_list(json.loads((b / "manifest.json").read_text())["features"]) for b in bundles]
    job = {"pyodide": str(pyodide), "bundles": [str(b) for b in bundles],
           "rows": [sampled_rows(schema, TRACED_ROWS, seed=0) for schema in schemas]}
    h = hashlib.sha256(TRACER.read_bytes() + (pyodide / "pyodide-lock.json").read_bytes()
                       + json.dumps(job["rows"]).encode())
    for bundle in bundles:
        for path in sorted(bundle.iterdir()):
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    cached = CACHE / "traced" / f"{h.hexdigest()}.json"
    if cached.exists():
        return json.loads(cached.read_text())
    done = subprocess.run(["node", str(TRACER)], input=json.dumps(job), capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"tracing the site's imports failed: {done.stderr.strip()}")
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_text(done.stdout)
    return json.loads(done.stdout)
