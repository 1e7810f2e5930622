"""Offline-first site (browser tier): service worker precache, offline reloads, sub-paths,
safe updates between builds, and a precache that covers every file a prediction needs."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from build_scripts import offline
from server_fallback import create_app

from ..support.browser import (LOAD_TIMEOUT_MS, RECORD_START, Visit, release, site_build, switch, wait_for_snapshot,
                               wait_until_controlled)
from ..support.live import LiveServer

ROW = [[2.5, 1.3, 4.0, 0.8]]


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


def release_with_new_iris_version(site_dir: Path, target: Path) -> str:
    """Build B: the site with iris 1.0.1 instead of 1.0.0 (same artifact, new version), so a new
    build id. Returns that id."""
    b = release(site_dir, target)
    (b / "models" / "iris" / "1.0.0").rename(b / "models" / "iris" / "1.0.1")
    manifest_path = b / "models" / "iris" / "1.0.1" / "manifest.json"
    manifest_path.write_text(json.dumps({**json.loads(manifest_path.read_text()), "version": "1.0.1"}))
    index = json.loads((b / "models" / "index.json").read_text())
    for entry in index["models"]:
        if entry["name"] == "iris":
            entry.update(version="1.0.1", path="iris/1.0.1/")
    return offline.stamp(b, index["models"], index["default_model"])


def test_update_moves_the_page_to_the_new_build_without_mixing(browser, model_dir, site_dir, tmp_path):
    a = release(site_dir, tmp_path / "A")
    b = tmp_path / "B"
    build_b = release_with_new_iris_version(site_dir, b)
    build_a = site_build(a)
    assert build_a != build_b

    current = tmp_path / "current"
    current.symlink_to(a)
    server = LiveServer(create_app({"MODEL_DIR": str(model_dir), "SITE_DIR": str(current)}))
    visit = Visit(browser, server.url)
    visit.context.add_init_script(RECORD_START)
    page = visit.open("/?model=iris").page
    assert wait_until_controlled(page) == build_a
    page.wait_for_selector("body[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
    assert page.input_value("#version") == "1.0.0"
    wait_for_snapshot(page)  # of build A's Python: build B must not restore it (issue 35)

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
    # build A's Python is never restored here (B's release links the runtime, so its manifest does not
    # list the runtime's files: no snapshot for B at all; tests/browser/test_snapshot.py has the rest)
    assert page.evaluate("window.__started").startswith("no snapshot: "), page.evaluate("window.__started")
    (out,) = visit.run([{"options": {"model": "iris", "mode": "browser"}, "rowSets": [ROW]}])
    assert out["answers"][0]["result"]["model"] == {"name": "iris", "version": "1.0.1"}
    assert page.evaluate("fetch('models/index.json').then((r) => r.json())")["build"] == build_b
    service_worker_caches = [n for n in page.evaluate("caches.keys()") if n.startswith("py-pipeline-")]
    assert service_worker_caches == [f"py-pipeline-{build_b}"]
    assert visit.errors == []
    visit.close()
    server.stop()


def test_precache_lists_every_file_a_prediction_needs(browser, live_server, site_dir):
    context = browser.new_context(service_workers="block")  # the page's own requests only
    requested: list[str] = []
    context.on("request", lambda r: requested.append(r.url))
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.wait_for_selector("body[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
    page.click("#predict")
    page.wait_for_selector("#result:not([hidden])")
    for model in ("machine_failure", "failure_type"):  # chosen on the page: its one runtime loads each
        page.select_option("#model", model)
        page.wait_for_selector("body[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
        page.click("#predict")
        page.wait_for_selector("#result:not([hidden])")
    context.close()
    precache = json.loads((site_dir / "precache-manifest.json").read_text())
    listed = {e["url"] for e in precache["files"]}
    paths = {u.removeprefix(live_server.url + "/").split("?")[0] for u in requested}
    needed = {p if p else "index.html" for p in paths if not p.startswith("api/")} - {"sw.js", "precache-manifest.json"}
    assert any(p.endswith("portable.bin") for p in needed) and "pyodide/pyodide.asm.wasm" in needed
    assert needed - listed == set()
    for entry in precache["files"]:
        assert offline.sha256_file(site_dir / entry["url"]) == entry["sha256"]


class SlowIndex:
    """WSGI middleware in front of the app: holds ``models/index.json`` for ``delay`` seconds."""

    def __init__(self, app) -> None:
        self.app, self.delay = app, 0.0

    def __call__(self, environ, start_response):
        if self.delay and environ["PATH_INFO"].endswith("/models/index.json"):
            time.sleep(self.delay)
        return self.app(environ, start_response)


@pytest.fixture()
def deploy(browser, model_dir, site_dir, tmp_path):
    """Build A live behind a symlink, a page controlled by A's service worker (the demo in
    server mode: no runtime to start), and ``deploy(B)`` to switch the link."""
    a = release(site_dir, tmp_path / "A")
    current = tmp_path / "current"
    current.symlink_to(a)
    app = SlowIndex(create_app({"MODEL_DIR": str(model_dir), "SITE_DIR": str(current)}))
    server = LiveServer(app)
    visit = Visit(browser, server.url)
    page = visit.open("/?mode=server").page
    assert wait_until_controlled(page) == site_build(a)
    page.wait_for_function("() => window.offlineSupport !== undefined", timeout=LOAD_TIMEOUT_MS)
    yield visit, app, site_build(a), lambda b: switch(current, b)
    visit.close()
    server.stop()


def cache_names(page) -> list[str]:
    return page.evaluate("caches.keys()")


def test_index_answers_from_this_builds_cache_when_the_network_is_slow(deploy):
    visit, app, build_a, _ = deploy
    app.delay = 8.0  # longer than the service worker's 3 s timeout
    timed = visit.page.evaluate("""async () => {
      const t0 = performance.now();
      const index = await (await fetch("models/index.json")).json();
      return { build: index.build, ms: performance.now() - t0 };
    }""")
    app.delay = 0.0
    assert timed["build"] == build_a
    assert 2500 <= timed["ms"] < 6000, timed


@pytest.mark.parametrize("trigger", ["index", "online", "visibility"])
def test_a_new_deployment_is_found_without_a_manual_check(deploy, site_dir, tmp_path, trigger):
    visit, _, build_a, switch_to = deploy
    page = visit.page
    switch_to_b = tmp_path / "B"
    build_b = release_with_new_iris_version(site_dir, switch_to_b)
    switch_to(switch_to_b)
    assert page.is_hidden("#update")
    if trigger == "index":  # the page reads the index, the service worker sees another build
        assert page.evaluate("fetch('models/index.json').then((r) => r.json())")["build"] == build_a
    elif trigger == "online":
        visit.context.set_offline(True)
        visit.context.set_offline(False)
    else:  # the tab comes back to the foreground
        page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    page.wait_for_selector("#update:not([hidden])", timeout=LOAD_TIMEOUT_MS)
    assert sorted(cache_names(page)) == sorted([f"py-pipeline-{build_a}", f"py-pipeline-{build_b}"])
    assert wait_until_controlled(page) == build_a  # nothing moves until the user reloads


def test_a_half_deployed_build_does_not_install(deploy, site_dir, tmp_path):
    """A host that serves build B's manifest next to a file B does not list (a deploy caught
    half-way, a stale CDN copy): B's service worker refuses to install and A stays."""
    visit, _, build_a, switch_to = deploy
    page = visit.page
    b = tmp_path / "B"
    build_b = release_with_new_iris_version(site_dir, b)
    (b / "app.js").write_text((b / "app.js").read_text() + "\n// from another build\n")
    switch_to(b)
    state = page.evaluate("""async () => {
      const registration = await navigator.serviceWorker.getRegistration();
      await registration.update();
      const worker = registration.installing;
      if (!worker) return "no install started";
      if (worker.state === "redundant" || worker.state === "installed") return worker.state;
      return await new Promise((resolve) => worker.addEventListener("statechange", () => {
        if (worker.state === "redundant" || worker.state === "installed") resolve(worker.state);
      }));
    }""")
    assert state == "redundant"
    assert page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.waiting)") is None
    assert cache_names(page) == [f"py-pipeline-{build_a}"], f"nothing of build {build_b} may be kept"
    assert page.is_hidden("#update")
    page.reload()
    assert wait_until_controlled(page) == build_a
