"""Pre-compressed site assets: the build writes .br and .gz copies of the large files, the demo
server sends them to clients that take them (with the original's type and Vary), and every
copy decodes to exactly the file the precache manifest lists."""

from __future__ import annotations

import gzip
import hashlib
import json

import brotli
import pytest

from server_fallback import create_app

DECODE = {"br": brotli.decompress, "gzip": gzip.decompress}


@pytest.fixture(scope="module")
def site_client(site_dir, model_dir):
    return create_app({"TESTING": True, "MODEL_DIR": str(model_dir), "SITE_DIR": str(site_dir)}).test_client()


@pytest.fixture(scope="module")
def precache(site_dir):
    return json.loads((site_dir / "precache-manifest.json").read_text())["files"]


def test_large_assets_have_compressed_copies_outside_the_precache(site_dir, precache):
    listed = {e["url"] for e in precache}
    assert not any(url.endswith((".br", ".gz")) for url in listed)
    for name in ("pyodide/pyodide.asm.wasm", "pyodide/pyodide.asm.js", "lib/worker.js"):
        assert (site_dir / f"{name}.br").exists() and (site_dir / f"{name}.gz").exists(), name
    # a deflated archive gains nothing: no copy is kept (the full files kept beside for what was
    # trimmed away); the trimmed standard library and wheels are stored, and brotli takes a third
    assert not (site_dir / "pyodide" / "full" / "python_stdlib.zip.br").exists()
    for path in (site_dir / "pyodide" / "python_stdlib.zip", *(site_dir / "pyodide").glob("numpy-*.whl")):
        assert path.with_name(f"{path.name}.br").stat().st_size < path.stat().st_size * 0.4, path.name
    wasm = (site_dir / "pyodide" / "pyodide.asm.wasm").stat().st_size
    assert (site_dir / "pyodide" / "pyodide.asm.wasm.br").stat().st_size < wasm * 0.3


@pytest.mark.parametrize("accept, encoding", [("gzip, deflate, br, zstd", "br"), ("gzip", "gzip"),
                                              ("identity", None), ("br;q=0, gzip", "gzip")])
def test_every_compressed_response_decodes_to_the_precached_file(site_client, site_dir, precache, accept, encoding):
    served = 0
    for entry in precache:
        response = site_client.get("/" + entry["url"], headers={"Accept-Encoding": accept})
        assert response.status_code == 200, entry["url"]
        body = response.get_data()
        given = response.headers.get("Content-Encoding")
        assert "Accept-Encoding" in response.headers["Vary"]
        if given is not None:
            assert given == encoding, entry["url"]
            body = DECODE[given](body)
            served += 1
        assert hashlib.sha256(body).hexdigest() == entry["sha256"], entry["url"]
    assert (served > 5) == (encoding is not None)


def test_webassembly_keeps_its_type_when_compressed(site_client):
    response = site_client.get("/pyodide/pyodide.asm.wasm", headers={"Accept-Encoding": "br"})
    assert response.headers["Content-Encoding"] == "br"
    assert response.headers["Content-Type"] == "application/wasm"  # streaming compilation needs it
    module = site_client.get("/lib/worker.js", headers={"Accept-Encoding": "gzip"})
    assert module.headers["Content-Encoding"] == "gzip" and module.headers["Content-Type"].startswith("text/javascript")


def test_a_copy_older_than_its_original_is_not_sent(site_dir, model_dir, tmp_path):
    """A file replaced after the build (a hot fix, a partial deploy) is sent as it is now, never
    as the stale compressed copy."""
    import os
    import shutil

    site = tmp_path / "site"
    shutil.copytree(site_dir, site, ignore=shutil.ignore_patterns("pyodide"))
    worker = site / "lib" / "worker.js"
    worker.write_text(worker.read_text() + "\n// patched\n")
    os.utime(worker, (worker.stat().st_atime, (site / "lib" / "worker.js.br").stat().st_mtime + 10))
    client = create_app({"TESTING": True, "MODEL_DIR": str(model_dir), "SITE_DIR": str(site)}).test_client()
    response = client.get("/lib/worker.js", headers={"Accept-Encoding": "br, gzip"})
    assert "Content-Encoding" not in response.headers
    assert response.get_data(as_text=True).endswith("// patched\n")
