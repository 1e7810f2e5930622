"""Assemble the static site in dist/site/ from web/, examples/, the Pyodide distribution and the
models, and the assets folder dist/assets/: the same without the demo page and the examples, for
another site to copy under any path of its own.

Only browser-eligible bundles are copied, and of each only the files of the engine the browser
uses; the index lists every model with its runtimes, so the client sends server-only models to
the server without downloading anything. Optional Pyodide packages (pandas) ship only when a
browser model needs them.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from py_pipeline.bundle import Manifest
from py_pipeline.files import staged_dir
from py_pipeline.registry import index_entry, scan_manifests

from . import compress, offline, trim
from .pyodide_dist import optional_files
from .paths import ASSETS, EXAMPLES, MODELS, PYODIDE_DIST, SITE, WEB

#: The model the demo page opens with (the server's classic /predict uses the same default).
DEFAULT_MODEL = os.environ.get("DEFAULT_MODEL", "iris")


def build(out: Path = SITE, pages: bool = True, models: Path = MODELS) -> Path:
    """Assemble a deployable folder from the bundles in ``models``. ``pages``: the demo page and
    the examples too (the site); without them, the assets another site copies under any path
    (client, element, service worker, runtime, wheels, models)."""
    if not (PYODIDE_DIST / "pyodide-lock.json").exists():
        raise SystemExit("dist/pyodide is missing: run `make build`")
    # assembled aside, then moved into place whole: a failed build leaves the old site as it was
    with staged_dir(out) as staging:
        summary = _assemble(staging, pages, models)
    print(f"{out.name}: {summary} in {out}")
    return out


def _assemble(out: Path, pages: bool, models: Path) -> str:
    """Write the whole folder into ``out`` (a new, empty folder); answer a line saying what is in it."""
    # the client package's own files (types, tsconfig, package.json) are for bundlers, not the site
    package_files = shutil.ignore_patterns("README.md", "types", "tsconfig.json", "package.json", "manifest_types.js")
    if pages:
        shutil.copytree(WEB, out, ignore=package_files, dirs_exist_ok=True)
        shutil.copytree(EXAMPLES, out / "examples", ignore=shutil.ignore_patterns("README.md", "vite"))
    else:
        shutil.copytree(WEB / "lib", out / "lib", ignore=package_files)
        shutil.copy2(WEB / "sw.js", out / "sw.js")
    lock = json.loads((PYODIDE_DIST / "pyodide-lock.json").read_text())
    bundles = scan_manifests(models)
    own = {p["name"] for _, m in bundles for p in m.feature_packages}  # added to the lock below
    wanted = {p for _, m in bundles if "browser" in m.runtimes for p in m.packages_for(m.engine_for("browser"))
              if p not in own}
    skipped = optional_files(lock, tuple(sorted(wanted)))  # e.g. pandas, when no browser model needs it
    shutil.copytree(PYODIDE_DIST, out / "pyodide", ignore=lambda _, names: [n for n in names if n in skipped])
    lock["packages"] = {n: e for n, e in lock["packages"].items() if e["file_name"] not in skipped}
    lock["packages"].update(_feature_packages(bundles, out / "pyodide"))
    (out / "pyodide" / "pyodide-lock.json").write_text(json.dumps(lock, indent=2) + "\n")
    entries = []
    for directory, manifest in bundles:
        entry = index_entry(directory, manifest, models)
        entries.append(entry)
        target = out / "models" / entry["path"]
        target.mkdir(parents=True)
        shutil.copy2(directory / "manifest.json", target / "manifest.json")
        if "browser" in manifest.runtimes:  # only the files of the engine the browser uses
            for entry_file in manifest.files_for(manifest.engine_for("browser")):
                shutil.copy2(directory / entry_file["file"], target / entry_file["file"])
            profile = (manifest.extra or {}).get("profile")
            if profile:  # counts only, never rows: a page's drift report reads it, on demand
                shutil.copy2(directory / profile["file"], target / profile["file"])
    # the standard library and numpy as far as these models import them (trim.py); the rest beside, on demand
    traced = [out / "models" / e["path"] for (_, m), e in zip(bundles, entries)
              if "browser" in m.runtimes and set(m.packages_for(m.engine_for("browser"))) <= own]
    trimmed = trim.trim_runtime(out / "pyodide", traced)
    names = [e["name"] for e in entries]
    default = DEFAULT_MODEL if DEFAULT_MODEL in names else (names[0] if names else None)
    if pages:
        offline.write_app_manifest(out)  # the demo's installable app: its icons and name
    (out / "models").mkdir(exist_ok=True)
    build_id = offline.stamp(out, entries, default)  # the index, written once with its build id
    files = [p for p in out.rglob("*") if p.is_file()]
    precache = json.loads((out / offline.PRECACHE).read_text())
    squeezed = compress.compress_site(out)  # after the precache: the copies are not part of it
    plain = precache["total_bytes"] - squeezed["bytes"]  # files sent as they are
    kept = ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in trimmed.items())
    return (f"{len(files)} files (the runtime trimmed to what {len(traced)} models import: {kept}), "
            f"{sum(p.stat().st_size for p in files) / 1e6:.1f} MB; build {build_id}, "
            f"precache {len(precache['files'])} files, {precache['total_bytes'] / 1e6:.1f} MB, "
            f"{precache['on_demand_bytes'] / 1e6:.1f} MB more on demand "
            f"(over the wire: brotli {(squeezed['br'] + plain) / 1e6:.1f} MB, gzip {(squeezed['gz'] + plain) / 1e6:.1f} MB)")


def _feature_packages(bundles: list[tuple[Path, Manifest]], pyodide: Path) -> dict[str, dict]:
    """The browser models' feature packages: each wheel copied beside the runtime's, and its lock
    entry (with its sha256, which Pyodide checks), so the worker's ``loadPackage`` installs it."""
    entries: dict[str, dict] = {}
    owners: dict[str, str] = {}
    for directory, manifest in bundles:
        if "browser" not in manifest.runtimes:
            continue
        for package in manifest.feature_packages:
            name, owner = package["name"], f"{manifest.name} {manifest.version}"
            if name in entries:
                if entries[name]["sha256"] != package["sha256"]:
                    raise SystemExit(f"feature package {name}: {owner} carries {package['file']} and {owners[name]} "
                                     f"carries {entries[name]['file_name']}, another build; one site has one of each "
                                     "package: import both models with the same package")
                continue
            shutil.copy2(directory / package["file"], pyodide / package["file"])
            owners[name] = owner
            entries[name] = {"name": name, "version": package["version"], "file_name": package["file"],
                             "install_dir": "site", "sha256": package["sha256"], "package_type": "package",
                             "imports": list(package["imports"]), "depends": list(package["depends"]),
                             "unvendored_tests": False}
    return entries


def main() -> None:
    build(SITE)
    build(ASSETS, pages=False)


if __name__ == "__main__":
    main()
