"""Browser tier: Playwright driving Debian's Chromium against the built site and live server."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import sync_playwright

from .parity import BAD_ROW_SETS, assert_same_predictions, golden_rows

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-quic"]
LOAD_TIMEOUT_MS = 120_000
# WebAssembly off. Chromium 156 ignores --noexpose_wasm on its own (typeof WebAssembly stays
# "object"); V8's --jitless, which also disables WebAssembly, takes effect in pages and workers.
NO_WASM = "--js-flags=--jitless --noexpose_wasm"

# Runs in the page: create a predictor, predict each row set, report results and errors.
RUN_PREDICTOR = """
async ({options, rowSets}) => {
  const { createPredictor } = await import("./lib/predictor.js");
  const predictor = await createPredictor(options);
  const answers = [];
  for (const rows of rowSets) {
    try {
      answers.push({ ok: true, result: await predictor.predict(rows) });
    } catch (e) {
      const error = { code: e.code, message: e.message, details: e.details };
      if (e.total !== undefined) error.total = e.total;
      answers.push({ ok: false, name: e.name, error });
    }
  }
  predictor.close();
  return { backend: predictor.backend, fallbackReason: predictor.fallbackReason, answers };
}
"""


@pytest.fixture(scope="module")
def playwright():
    with sync_playwright() as p:
        yield p


def launch(playwright, *extra_flags):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS + list(extra_flags))


class Visit:
    """A fresh context and page that records every request, the worker's included."""

    def __init__(self, browser, origin):
        self.context = browser.new_context()
        self.requests: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.errors: list[str] = []
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.origin = origin

    def foreign_requests(self) -> list[str]:
        return [u for u in self.requests if not (u.startswith(self.origin + "/") or u.startswith("data:"))]


@pytest.fixture(scope="module")
def browser(playwright):
    b = launch(playwright)
    yield b
    b.close()


@pytest.fixture(scope="module")
def browser_answers(browser, live_server):
    """One page, browser mode: the golden rows and every bad row set."""
    visit = Visit(browser, live_server.url)
    visit.page.goto(live_server.url + "/")
    out = visit.page.evaluate(RUN_PREDICTOR, {"options": {"model": "iris", "mode": "browser"},
                                              "rowSets": [golden_rows()] + BAD_ROW_SETS})
    visit.context.close()
    return out, visit


def server_answer(live_server, rows):
    response = requests.post(f"{live_server.url}/api/v1/models/iris/predict", json={"rows": rows}, timeout=30)
    return response.status_code, response.json()


def test_browser_mode_predicts_and_matches_the_server(browser_answers, live_server):
    out, _ = browser_answers
    assert out["backend"] == "browser"
    first = out["answers"][0]
    assert first["ok"], first
    assert first["result"]["backend"] == "browser"
    status, reference = server_answer(live_server, golden_rows())
    assert status == 200 and reference["backend"] == "server"
    assert first["result"]["model"] == reference["model"]
    assert_same_predictions(first["result"], reference)


@pytest.mark.parametrize("index", range(len(BAD_ROW_SETS)))
def test_browser_errors_match_the_server(browser_answers, live_server, index):
    out, _ = browser_answers
    answer = out["answers"][1 + index]
    assert not answer["ok"] and answer["name"] == "PredictionError"
    status, body = server_answer(live_server, BAD_ROW_SETS[index])
    assert status == 422
    assert answer["error"] == body["error"]


def test_browser_mode_stays_on_the_page_origin(browser_answers):
    _, visit = browser_answers
    assert any(u.endswith("pyodide.asm.wasm") for u in visit.requests), "the runtime was not loaded"
    assert any(u.endswith(".joblib") for u in visit.requests), "the model was not loaded"
    assert visit.foreign_requests() == []
    assert visit.errors == []


def test_auto_mode_without_webassembly_answers_through_the_server(playwright, live_server):
    no_wasm = launch(playwright, NO_WASM)
    try:
        visit = Visit(no_wasm, live_server.url)
        visit.page.goto(live_server.url + "/")
        assert visit.page.evaluate("typeof WebAssembly") == "undefined"
        out = visit.page.evaluate(RUN_PREDICTOR, {"options": {"model": "iris"}, "rowSets": [[[2.5, 1.3, 4.0, 0.8]]]})
        assert out["backend"] == "server"
        assert "WebAssembly" in out["fallbackReason"]
        assert out["answers"][0]["result"]["backend"] == "server"
        assert out["answers"][0]["result"]["predictions"] == ["versicolor"]
        assert not any("pyodide" in u for u in visit.requests)
        assert visit.foreign_requests() == []
    finally:
        no_wasm.close()


def test_browser_mode_without_webassembly_rejects_clearly(playwright, live_server):
    no_wasm = launch(playwright, NO_WASM)
    try:
        visit = Visit(no_wasm, live_server.url)
        visit.page.goto(live_server.url + "/")
        error = visit.page.evaluate("""async () => {
          const { createPredictor } = await import("./lib/predictor.js");
          try { await createPredictor({ model: "iris", mode: "browser" }); return null; }
          catch (e) { return { name: e.name, code: e.code, message: e.message }; }
        }""")
        assert error["name"] == "PredictionError" and error["code"] == "runtime_unavailable"
    finally:
        no_wasm.close()


def test_unknown_model_rejects_with_the_same_code(browser, live_server):
    visit = Visit(browser, live_server.url)
    visit.page.goto(live_server.url + "/")
    error = visit.page.evaluate("""async () => {
      const { createPredictor } = await import("./lib/predictor.js");
      try { await createPredictor({ model: "nope" }); return null; }
      catch (e) { return { code: e.code, message: e.message }; }
    }""")
    visit.context.close()
    assert error["code"] == "unknown_model" and "nope" in error["message"]


def test_demo_page_predicts_after_a_click(browser, live_server):
    visit = Visit(browser, live_server.url)
    page = visit.page
    page.goto(live_server.url + "/")
    page.wait_for_selector("body[data-ready]", timeout=LOAD_TIMEOUT_MS)
    assert page.get_attribute("body", "data-ready") == "browser"
    for name, value in zip(["sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"],
                           ["2.5", "1.3", "4.0", "0.8"]):
        page.fill(f"#f-{name}", value)
    page.click("#predict")
    page.wait_for_selector("#result:not([hidden])")
    assert page.inner_text("#label") == "versicolor"
    assert page.inner_text("#backend") == "browser"
    assert page.locator(".bar").count() == 3
    assert page.inner_text('.bar[data-class="versicolor"] .value') == "77.5%"
    assert visit.foreign_requests() == []
    # a bad value shows the field's problem instead of a result
    page.fill("#f-petal_width_cm", "")
    page.click("#predict")
    page.wait_for_selector("#error:not([hidden])")
    assert "petal_width_cm" in page.inner_text("#error")
    assert "invalid" in page.get_attribute('[data-field="petal_width_cm"]', "class")
    assert visit.errors == []
    visit.context.close()
