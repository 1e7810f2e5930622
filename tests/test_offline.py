"""Offline-first site (browser tier): service worker precache, offline reloads, sub-paths,
safe updates between builds, and a precache that covers every file a prediction needs."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from build_scripts import offline
from server_fallback import create_app

from .conftest import LiveServer
from .test_browser import LOAD_TIMEOUT_MS, Visit, launch

pytestmark = pytest.mark.browser

ROW = [[2.5, 1.3, 4.0, 0.8]]


@pytest.fixture(scope="module")
def browser(playwright):
    b = launch(playwright)
    yield b
    b.close()


def release(site_dir: Path, target: Path) -> Path:
    """A deployable copy of the site (the large Pyodide folder linked, not copied)."""
    shutil.copytree(site_dir, target, ignore=shutil.ignore_patterns("pyodide"))
    (target / "pyodide").symlink_to(site_dir / "pyodide")
    return target


def switch(link: Path, target: Path) -> None:
    """Point ``link`` at ``target`` atomically: a deploy."""
    tmp = link.with_name(link.name + ".new")
    tmp.symlink_to(target)
    os.replace(tmp, link)


def wait_until_controlled(page) -> str:
    """Wait for this build's service worker to control the page; return its build id."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=LOAD_TIMEOUT_MS)
    return page.evaluate("""() => new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = (e) => resolve(e.data.build);
      navigator.serviceWorker.controller.postMessage({ type: "build" }, [channel.port2]);
    })""")


def site_build(site: Path) -> str:
    return json.loads((site / "precache-manifest.json").read_text())["build"]


@pytest.mark.parametrize("site_path", ["/", "/tools/predict/"])
def test_offline_reload_predicts_in_the_browser(browser, model_dir, site_dir, tmp_path, site_path):
    app = create_app({"MODEL_DIR": str(model_dir), "SITE_DIR": str(site_dir), "SITE_PATH": site_path})
    server = LiveServer(app)
    visit = Visit(browser, server.url)
    page = visit.open(site_path).page
    assert wait_until_controlled(page) == site_build(site_dir)
    page.wait_for_selector("body[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
    (online,) = visit.run([{"options": {"model": "iris"}, "rowSets": [ROW]}])
    assert online["backend"] == "browser"

    # Offline for real: the browser is offline and the server is gone.
    visit.context.set_offline(True)
    port = server.port
    server.stop()
    page.reload()
    page.wait_for_selector("body[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
    assert page.is_visible("#connectivity") and page.get_attribute("body", "data-online") == "false"
    (offline_answer, server_mode) = visit.run([
        {"options": {"model": "iris"}, "rowSets": [ROW]},
        {"options": {"model": "iris", "mode": "server"}, "rowSets": [ROW]},
    ])
    assert offline_answer["backend"] == "browser"
    assert offline_answer["answers"][0]["result"] == online["answers"][0]["result"]
    assert server_mode["answers"][0]["error"]["code"] == "server_unreachable"

    # Back online: no reload needed for the server to answer again.
    server = LiveServer(app, port=port)
    visit.context.set_offline(False)
    page.wait_for_function("() => navigator.onLine")
    (again,) = visit.run([{"options": {"model": "iris", "mode": "server"}, "rowSets": [ROW]}])
    assert again["answers"][0]["result"]["backend"] == "server"
    assert page.is_hidden("#connectivity")
    assert visit.foreign_requests() == []
    assert visit.errors == []
    visit.close()
    server.stop()


def test_update_moves_the_page_to_the_new_build_without_mixing(browser, model_dir, site_dir, tmp_path):
    a = release(site_dir, tmp_path / "A")
    b = release(site_dir, tmp_path / "B")
    # Build B ships iris 1.0.1 instead of 1.0.0 (same artifact, new version), so a new build id.
    (b / "models" / "iris" / "1.0.0").rename(b / "models" / "iris" / "1.0.1")
    manifest_path = b / "models" / "iris" / "1.0.1" / "manifest.json"
    manifest_path.write_text(json.dumps({**json.loads(manifest_path.read_text()), "version": "1.0.1"}))
    index = json.loads((b / "models" / "index.json").read_text())
    for entry in index["models"]:
        if entry["name"] == "iris":
            entry.update(version="1.0.1", path="iris/1.0.1/")
    (b / "models" / "index.json").write_text(json.dumps(index))
    build_b = offline.write_precache(b)
    build_a = site_build(a)
    assert build_a != build_b

    current = tmp_path / "current"
    current.symlink_to(a)
    server = LiveServer(create_app({"MODEL_DIR": str(model_dir), "SITE_DIR": str(current)}))
    visit = Visit(browser, server.url)
    page = visit.open("/?model=iris").page
    assert wait_until_controlled(page) == build_a
    page.wait_for_selector("body[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
    assert page.input_value("#version") == "1.0.0"

    switch(current, b)  # deploy B while the page is open
    # Until the page reloads, it sees only build A, even where it goes to the network.
    index_seen = page.evaluate("fetch('models/index.json').then((r) => r.json())")
    assert index_seen["build"] == build_a
    page.evaluate("window.offlineSupport.checkForUpdate()")
    page.wait_for_selector("#update:not([hidden])", timeout=LOAD_TIMEOUT_MS)
    assert page.input_value("#version") == "1.0.0"

    page.click("#reload")
    page.wait_for_function("() => document.querySelector('#version')?.value === '1.0.1'", timeout=LOAD_TIMEOUT_MS)
    assert wait_until_controlled(page) == build_b
    page.wait_for_selector("body[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
    (out,) = visit.run([{"options": {"model": "iris", "mode": "browser"}, "rowSets": [ROW]}])
    assert out["answers"][0]["result"]["model"] == {"name": "iris", "version": "1.0.1"}
    assert page.evaluate("fetch('models/index.json').then((r) => r.json())")["build"] == build_b
    assert page.evaluate("caches.keys()") == [f"py-pipeline-{build_b}"]
    assert visit.errors == []
    visit.close()
    server.stop()


def test_precache_lists_every_file_a_prediction_needs(playwright, live_server, site_dir):
    b = launch(playwright)
    try:
        context = b.new_context(service_workers="block")  # the page's own requests only
        requested: list[str] = []
        context.on("request", lambda r: requested.append(r.url))
        page = context.new_page()
        page.goto(live_server.url + "/")
        page.wait_for_selector("body[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
        page.click("#predict")
        page.wait_for_selector("#result:not([hidden])")
        for model in ("machine_failure", "failure_type"):
            page.goto(f"{live_server.url}/?model={model}")
            page.wait_for_selector("body[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
            page.click("#predict")
            page.wait_for_selector("#result:not([hidden])")
        context.close()
    finally:
        b.close()
    precache = json.loads((site_dir / "precache-manifest.json").read_text())
    listed = {e["url"] for e in precache["files"]}
    paths = {u.removeprefix(live_server.url + "/").split("?")[0] for u in requested}
    needed = {p if p else "index.html" for p in paths if not p.startswith("api/")} - {"sw.js", "precache-manifest.json"}
    assert any(p.endswith(".joblib") for p in needed) and "pyodide/pyodide.asm.wasm" in needed
    assert needed - listed == set()
    for entry in precache["files"]:
        assert offline.sha256_file(site_dir / entry["url"]) == entry["sha256"]
