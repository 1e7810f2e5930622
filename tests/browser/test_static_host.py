"""The hosting example, tested: web/hosting/nginx.conf under Debian's nginx serves the built site
so that compressed responses decode to the precache manifest's files, caching headers are the
ones the README gives, and the page predicts in the browser, then offline after a reload."""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from pathlib import Path

import pytest
import requests

from ..support.browser import LOAD_TIMEOUT_MS, Visit, launch
from ..support.parity import all_models, assert_same_predictions, golden_rows, reference
from ..support.live import free_port
from ..support.paths import ROOT

NGINX = "/usr/sbin/nginx"
CONF = ROOT / "web" / "hosting" / "nginx.conf"
BROTLI_MODULE = "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so"


@pytest.fixture(scope="module")
def nginx(site_dir, tmp_path_factory):
    """The example server block, its root and port filled in, in a minimal main config."""
    if not Path(NGINX).exists():
        pytest.fail("nginx is missing: `make test` installs it (make nginx)", pytrace=False)
    prefix = tmp_path_factory.mktemp("nginx")
    port = free_port()
    server = CONF.read_text().replace("listen 8080;", f"listen 127.0.0.1:{port};").replace(
        "root /srv/predict-site;", f"root {site_dir};")
    (prefix / "nginx.conf").write_text(f"""
load_module {BROTLI_MODULE};
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {prefix}; proxy_temp_path {prefix}; fastcgi_temp_path {prefix};
    uwsgi_temp_path {prefix}; scgi_temp_path {prefix};
{server}
}}
""")
    proc = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                            stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(url + "/", timeout=1)
            break
        except requests.ConnectionError:
            if proc.poll() is not None:
                pytest.fail(f"nginx did not start: {proc.stderr.read()}", pytrace=False)
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_compressed_responses_decode_to_the_precached_files(nginx, site_dir):
    precache = json.loads((site_dir / "precache-manifest.json").read_text())
    encodings = {}
    for entry in precache["files"]:
        for accept in ("br", "gzip"):
            response = requests.get(f"{nginx}/{entry['url']}", headers={"Accept-Encoding": accept}, timeout=30)
            assert response.status_code == 200, entry["url"]
            # requests decodes gzip itself, brotli with the brotli package (a build dependency)
            assert hashlib.sha256(response.content).hexdigest() == entry["sha256"], (entry["url"], accept)
            encodings[(entry["url"], accept)] = response.headers.get("Content-Encoding")
    assert encodings[("pyodide/pyodide.asm.wasm", "br")] == "br"
    assert encodings[("pyodide/pyodide.asm.wasm", "gzip")] == "gzip"


def test_headers_match_the_hosting_notes(nginx):
    wasm = requests.get(f"{nginx}/pyodide/pyodide.asm.wasm", headers={"Accept-Encoding": "br"}, timeout=30)
    assert wasm.headers["Content-Type"] == "application/wasm"
    assert "Accept-Encoding" in wasm.headers["Vary"]
    assert wasm.headers["Cache-Control"] == "no-cache"
    assert "'wasm-unsafe-eval'" in wasm.headers["Content-Security-Policy"]
    numpy = next(p.name for p in (ROOT / "dist" / "site" / "pyodide").glob("numpy-*.whl"))
    wheel = requests.head(f"{nginx}/pyodide/{numpy}", timeout=10)
    assert wheel.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    ours = next(p.name for p in (ROOT / "dist" / "site" / "pyodide").glob("py_pipeline-*.whl"))
    assert requests.head(f"{nginx}/pyodide/{ours}", timeout=10).headers["Cache-Control"] == "no-cache"
    assert requests.head(f"{nginx}/pyodide/pyodide.mjs", timeout=10).headers["Content-Type"].startswith(
        "text/javascript")
    etag = wasm.headers["ETag"]
    again = requests.get(f"{nginx}/pyodide/pyodide.asm.wasm", headers={"If-None-Match": etag, "Accept-Encoding": "br"},
                         timeout=10)
    assert again.status_code == 304


def test_the_page_predicts_in_the_browser_and_offline(playwright, nginx):
    browser = launch(playwright)
    visit = Visit(browser, nginx)
    try:
        page = visit.open("/").page
        page.wait_for_selector("body[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=LOAD_TIMEOUT_MS)
        visit.context.set_offline(True)
        page.reload()
        page.wait_for_selector("body[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
        iris = next(m for m in all_models() if m.name == "iris")
        (out,) = visit.run([{"options": {"model": "iris"}, "rowSets": [golden_rows(iris)]}])
        assert out["backend"] == "browser"
        assert_same_predictions(out["answers"][0]["result"], reference(iris, golden_rows(iris)))
        assert visit.errors == []
    finally:
        visit.close()
        browser.close()
