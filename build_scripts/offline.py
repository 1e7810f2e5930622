"""Offline support for the built site: app icons, the web app manifest, the build id, the
precache manifest and the stamped service worker.

The build id is a hash of every file's content, so the same content gives the same id and
any change gives a new one (and so a new ``sw.js`` the browser sees as an update).
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from pathlib import Path

from py_pipeline.registry import INDEX_FILE, index_document, index_text, write_index

from .pyodide_dist import sha256_file

PRECACHE = "precache-manifest.json"
SERVICE_WORKER = "sw.js"
NOT_PRECACHED = {PRECACHE, SERVICE_WORKER}
THEME = (40, 86, 198)  # the demo's accent colour


def png_icon(size: int, rgb: tuple[int, int, int] = THEME) -> bytes:
    """A square PNG: a filled disc on a white tile (plain zlib, no imaging library needed)."""
    rows = []
    centre, radius = (size - 1) / 2, size * 0.42
    for y in range(size):
        row = bytearray([0])  # filter type: none
        for x in range(size):
            inside = (x - centre) ** 2 + (y - centre) ** 2 <= radius ** 2
            row += bytes(rgb) if inside else b"\xff\xff\xff"
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + chunk(b"IEND", b""))


def write_app_manifest(site: Path) -> None:
    (site / "icons").mkdir(exist_ok=True)
    icons = []
    for size in (192, 512):
        (site / "icons" / f"icon-{size}.png").write_bytes(png_icon(size))
        icons.append({"src": f"icons/icon-{size}.png", "sizes": f"{size}x{size}", "type": "image/png",
                      "purpose": "any"})
    manifest = {
        "name": "py_pipeline: predict in the browser",
        "short_name": "Predict",
        "description": "scikit-learn models running in the page through Pyodide, offline, with a server fallback.",
        "start_url": "./",
        "scope": "./",
        "display": "standalone",
        "background_color": "#f6f7f9",
        "theme_color": "#2856c6",
        "icons": icons,
    }
    (site / "manifest.webmanifest").write_text(json.dumps(manifest, indent=2) + "\n")


def files_of(site: Path) -> list[Path]:
    """The site's files, without the precache manifest, the worker, and compressed copies (the
    service worker stores decoded bodies)."""
    return sorted(p for p in site.rglob("*") if p.is_file() and p.relative_to(site).as_posix() not in NOT_PRECACHED
                  and p.suffix not in (".br", ".gz"))


def stamp(site: Path, entries: list[dict], default_model: str | None) -> str:
    """Give the site its build id, from its content (the index without the id, sw.js without it),
    then write the index once with it (``registry.write_index``, its one writer), stamp sw.js and
    write the precache manifest. Returns the build id."""
    index = site / "models" / INDEX_FILE
    h = hashlib.sha256()
    for path in files_of(site):
        if path != index:
            h.update(path.relative_to(site).as_posix().encode() + b"\0" + sha256_file(path).encode())
    unstamped = index_text(index_document(entries, default_model=default_model))
    h.update(b"models/index.json\0" + hashlib.sha256(unstamped.encode()).hexdigest().encode())
    h.update((site / SERVICE_WORKER).read_bytes().replace(_stamped(site), b"__BUILD__"))
    build = h.hexdigest()[:16]
    write_index(site / "models", entries, default_model=default_model, build=build)
    write_precache(site, build)
    return build


def on_demand(site: Path) -> set[str]:
    """Files only some models need, which the service worker keeps when a page first fetches them
    rather than at install: the Pyodide packages beyond numpy, our wheel and the feature packages
    (scikit-learn, scipy, pandas, ...), and pickles. One model that needs scikit-learn in the browser
    then costs nothing to a visitor who never opens it."""
    from .pyodide_dist import OPTIONAL_PACKAGES, ROOT_PACKAGES, closure

    lock = json.loads((site / "pyodide" / "pyodide-lock.json").read_text())["packages"]
    optional = set(closure({"packages": lock}, tuple(n for n in OPTIONAL_PACKAGES if n in lock))) \
        - set(closure({"packages": lock}, ROOT_PACKAGES))
    heavy = {f"pyodide/{lock[name]['file_name']}" for name in optional}
    return heavy | {p.relative_to(site).as_posix() for p in files_of(site) if p.suffix == ".joblib"}


def write_precache(site: Path, build: str) -> None:
    """Write the precache manifest of build ``build`` (every file the service worker keeps, with its
    sha256: ``files`` at install, ``on_demand`` when first fetched) and stamp the build id into sw.js."""
    later = on_demand(site)
    entries = [{"url": p.relative_to(site).as_posix(), "sha256": sha256_file(p), "size": p.stat().st_size}
               for p in files_of(site)]
    precache = {"build": build, "files": [e for e in entries if e["url"] not in later],
                "on_demand": [e for e in entries if e["url"] in later]}
    precache["total_bytes"] = sum(e["size"] for e in precache["files"])
    precache["on_demand_bytes"] = sum(e["size"] for e in precache["on_demand"])
    (site / PRECACHE).write_text(json.dumps(precache, indent=2) + "\n")
    worker = (site / SERVICE_WORKER).read_text()
    start = worker.index('const BUILD = "') + len('const BUILD = "')
    end = worker.index('"', start)
    (site / SERVICE_WORKER).write_text(worker[:start] + build + worker[end:])


def _stamped(site: Path) -> bytes:
    """The build id currently written in sw.js (``__BUILD__`` when fresh from web/)."""
    worker = (site / SERVICE_WORKER).read_text()
    start = worker.index('const BUILD = "') + len('const BUILD = "')
    return worker[start:worker.index('"', start)].encode()
