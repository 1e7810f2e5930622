"""The client package in a bundled site (browser tier): examples/vite installs it from the
repository, Vite builds it (the worker bundled, the runtime left in the assets folder), `vite
preview` serves the output, and it predicts in Chromium in browser mode and through the fallback
server on another origin."""

from __future__ import annotations

import subprocess
import time

import pytest
import requests

from server_fallback import create_app

from ..support.browser import LOAD_TIMEOUT_MS, Visit
from ..support.live import LiveServer
from ..support.paths import DIST, ROOT
from ..support.server_process import free_port

EXAMPLE = ROOT / "examples" / "vite"


@pytest.fixture(scope="module")
def preview():
    """Build the example as `make example-vite` does, and serve its output with `vite preview`."""
    assert (DIST / "assets" / "lib" / "predictor.js").exists(), "run `make build` (it writes dist/assets)"
    done = subprocess.run(["make", "example-vite-build"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert list((EXAMPLE / "dist" / "assets").glob("worker-*.js")), "Vite did not bundle the worker"
    port = free_port()
    proc = subprocess.Popen([str(EXAMPLE / "node_modules" / ".bin" / "vite"), "preview", "--strictPort",
                             "--host", "127.0.0.1", "--port", str(port)], cwd=EXAMPLE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:
        try:
            requests.get(url, timeout=1)
            break
        except requests.ConnectionError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("vite preview did not start")
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def both_predict(page, backend: str) -> None:
    """The page's scripted prediction and its element both answer, from ``backend``."""
    page.wait_for_selector("#scripted[data-backend]", timeout=LOAD_TIMEOUT_MS)
    assert page.inner_text("#scripted") == f"versicolor ({backend})"
    page.wait_for_selector(f"#element[data-ready={backend}]", timeout=LOAD_TIMEOUT_MS)
    page.locator("#element #predict").click()
    page.wait_for_selector("#element #result:not([hidden])")
    assert page.locator("#element #backend").inner_text() == backend


def test_the_bundled_site_predicts_in_the_browser(browser, preview):
    visit = Visit(browser, preview)
    page = visit.open("/?mode=browser").page
    both_predict(page, "browser")
    # the runtime came from the assets folder, the worker from Vite's output
    assert any(u.endswith("/predict/pyodide/pyodide.asm.wasm") for u in visit.requests)
    assert any("/assets/worker-" in u for u in visit.requests)
    assert visit.foreign_requests() == [] and visit.errors == []
    visit.close()


def test_the_bundled_site_predicts_through_a_fallback_server_on_another_origin(browser, preview, model_dir):
    server = LiveServer(create_app({"MODEL_DIR": str(model_dir), "SITE_DIR": "", "CORS_ORIGINS": preview}))
    try:
        visit = Visit(browser, preview)
        page = visit.open(f"/?mode=server&server={server.url}").page
        both_predict(page, "server")
        assert not any("pyodide.asm.wasm" in u for u in visit.requests)
        assert visit.errors == []
        visit.close()
    finally:
        server.stop()
