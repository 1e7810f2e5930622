"""Pre-compressed copies of the site's large assets: ``<file>.br`` (brotli, quality 11) and
``<file>.gz`` (gzip -9), written next to each file the server may send compressed.

A copy is kept only when it is at least ``MIN_SAVING`` smaller: wheels and ``python_stdlib.zip``
are zip archives already and gain nothing. Quality 11 costs ~25 s on ``pyodide.asm.wasm``, so
results are cached in ``.cache/compressed/`` by the input's sha256 (the Pyodide core never
changes between builds). The copies are not in the precache manifest: the service worker
stores decoded bodies, checked against the original file's sha256.

    python -m build_scripts.compress      # run by build_scripts.site
"""

from __future__ import annotations

import gzip
from pathlib import Path

import brotli

from .paths import CACHE, SITE
from .pyodide_dist import sha256_file

#: Suffixes worth compressing (text, WebAssembly, model arrays, pickles, archives that may gain).
COMPRESSIBLE = {".wasm", ".js", ".mjs", ".json", ".html", ".css", ".svg", ".webmanifest", ".bin", ".joblib",
                ".whl", ".zip", ".txt"}
ENCODINGS = {"br": lambda data: brotli.compress(data, quality=11), "gz": lambda data: gzip.compress(data, 9, mtime=0)}
MIN_SIZE = 1024
MIN_SAVING = 0.10


def compressed(path: Path, encoding: str) -> bytes:
    """``path`` compressed with ``encoding`` ("br" or "gz"), from the cache when it was done before."""
    cached = CACHE / "compressed" / f"{sha256_file(path)}.{encoding}"
    if cached.exists():
        return cached.read_bytes()
    data = ENCODINGS[encoding](path.read_bytes())
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(data)
    return data


def compress_site(site: Path = SITE) -> dict[str, int]:
    """Write the .br and .gz copies under ``site``; return bytes before and after, for the log."""
    totals = {"files": 0, "bytes": 0, "br": 0, "gz": 0}
    for path in sorted(p for p in site.rglob("*") if p.is_file() and p.suffix in COMPRESSIBLE):
        size = path.stat().st_size
        if size < MIN_SIZE:
            continue
        totals["files"] += 1
        totals["bytes"] += size
        for encoding in ENCODINGS:
            data = compressed(path, encoding)
            if len(data) <= size * (1 - MIN_SAVING):
                path.with_name(path.name + f".{encoding}").write_bytes(data)
                totals[encoding] += len(data)
            else:
                totals[encoding] += size  # served as it is
    return totals


if __name__ == "__main__":
    t = compress_site()
    print(f"compressed copies of {t['files']} files: {t['bytes'] / 1e6:.1f} MB -> brotli {t['br'] / 1e6:.1f} MB, "
          f"gzip {t['gz'] / 1e6:.1f} MB")
