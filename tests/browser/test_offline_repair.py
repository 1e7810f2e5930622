"""The offline copy under faults (browser tier): Cache Storage cleared in part or whole is restored
by the service worker while online; offline, what is missing is said in words (the page, the
client's errors), never raw JSON; an install the browser refuses storage for says so on the page."""

from __future__ import annotations

import time

import pytest

from server_fallback import create_app

from ..support.browser import LOAD_TIMEOUT_MS, Visit, site_build, wait_until_controlled
from ..support.live import LiveServer

ROW = [[2.5, 1.3, 4.0, 0.8]]

CACHE_SIZE = """async () => {
  const names = (await caches.keys()).filter((n) => n.startsWith("py-pipeline-"));
  if (names.length !== 1) return -1;
  return (await (await caches.open(names[0])).keys()).length;
}"""

# deletes entries of this build's cache whose URL ends with one of `suffixes` ("*": all of them)
DELETE = """async (suffixes) => {
  const name = (await caches.keys()).find((n) => n.startsWith("py-pipeline-"));
  if (suffixes === "*") return caches.delete(name);
  const cache = await caches.open(name);
  let deleted = 0;
  for (const request of await cache.keys()) {
    if (suffixes.some((s) => request.url.endsWith(s))) deleted += await cache.delete(request) ? 1 : 0;
  }
  return deleted;
}"""


@pytest.fixture()
def served(model_dir, site_dir):
    server = LiveServer(create_app({"MODEL_DIR": str(model_dir), "SITE_DIR": str(site_dir)}))
    yield server
    server.stop()


def installed(browser, server, site_dir) -> tuple[Visit, int]:
    visit = Visit(browser, server.url)
    page = visit.open("/").page
    assert wait_until_controlled(page) == site_build(site_dir)
    page.wait_for_selector("body[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
    return visit, page.evaluate(CACHE_SIZE)


@pytest.mark.parametrize("deleted", [["/models/iris/1.0.0/manifest.json", "/pyodide/pyodide.asm.js", "/index.html"],
                                     "*"])
def test_cleared_storage_is_restored_while_online(browser, served, site_dir, deleted):
    visit, full = installed(browser, served, site_dir)
    page = visit.page
    assert page.evaluate(DELETE, deleted)
    page.reload()
    deadline = time.monotonic() + LOAD_TIMEOUT_MS / 1000
    while page.evaluate(CACHE_SIZE) != full:  # the service worker restores what was deleted
        assert time.monotonic() < deadline, "the offline copy was not restored"
        time.sleep(0.2)
    # offline for real now: the restored copy serves the page and the model
    visit.context.set_offline(True)
    served.stop()
    page.reload()
    page.wait_for_selector("body[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
    (answer,) = visit.run([{"options": {"model": "iris", "mode": "browser"}, "rowSets": [ROW]}])
    assert answer["answers"][0]["result"]["predictions"] == ["versicolor"]
    assert visit.errors == []
    visit.close()


def test_offline_with_storage_cleared_says_so_in_words(browser, served, site_dir):
    visit, _ = installed(browser, served, site_dir)
    page = visit.page
    assert page.evaluate(DELETE, ["/models/iris/1.0.0/manifest.json"]) == 1
    visit.context.set_offline(True)
    served.stop()
    page.reload()
    # the page's banner: the copy is incomplete and cannot be restored offline
    page.wait_for_selector("#offline-problem:not([hidden])", timeout=LOAD_TIMEOUT_MS)
    assert "cannot be restored while offline. Connect to the internet once" in page.inner_text("#offline-problem")
    (answer,) = visit.run([{"options": {"model": "iris", "mode": "browser"}, "rowSets": [ROW]}])
    assert answer["created"] is False and answer["error"]["name"] == "PredictionError"
    assert "is not saved on this device for offline use" in answer["error"]["message"], answer
    assert "{" not in answer["error"]["message"] and "503" not in answer["error"]["message"]
    # a page whose own file is gone: a page in words, not JSON
    assert page.evaluate(DELETE, ["/index.html"]) == 1
    page.reload()
    assert page.inner_text("h1") == "Not available offline"
    assert "Connect to the internet once" in page.inner_text("body")
    visit.close()


def test_an_install_without_room_says_so_on_the_page(browser, served, site_dir):
    visit = Visit(browser, served.url)
    session = visit.context.new_cdp_session(visit.page)
    session.send("Storage.overrideQuotaForOrigin", {"origin": served.url, "quotaSize": 2_000_000})
    page = visit.open("/").page
    page.wait_for_selector("#offline-problem:not([hidden])", timeout=LOAD_TIMEOUT_MS)
    assert "did not give the site enough storage" in page.inner_text("#offline-problem")
    assert page.evaluate("() => navigator.serviceWorker.controller") is None
    visit.close()
