"""The browser client under faults (browser tier): a worker that dies settles every pending call at
once and the next call starts a fresh runtime; auto mode falls back to the server without waiting;
every rejection is a PredictionError with a code; a feature named like one of the element's own
controls still predicts."""

from __future__ import annotations

import json
import shutil
import time

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from py_pipeline import Schema, write_bundle
from server_fallback import create_app

from ..support.browser import LOAD_TIMEOUT_MS, Visit
from ..support.live import LiveServer

ROW = [5.1, 3.5, 1.4, 0.2]


START_JOB = """
async ({ kind, rows }) => {
  const { createPredictor, runtimeStarts } = await import("/lib/predictor.js");
  window.predictor = await createPredictor({ model: "iris", mode: "browser" });
  window.runtimeStarts = runtimeStarts;
  window.progress = 0;
  const row = "5.1,3.5,1.4,0.2\\n";
  const input = kind === "rows" ? Array.from({ length: rows }, () => [5.1, 3.5, 1.4, 0.2])
    : new Blob(["sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm\\n" + row.repeat(rows)]);
  const settle = (outcome) => { window.outcome = { ...outcome, at: performance.now() }; };
  // two calls pending at once: the batch, and single rows queued behind it
  window.predictor.predictBatch(input, { chunkSize: 500, onProgress: () => { window.progress += 1; } })
    .then(() => settle({ ok: true }), (e) => settle({ ok: false, name: e.name, code: e.code, message: e.message }));
  window.single = window.predictor.predict([[5.1, 3.5, 1.4, 0.2]]).then(() => ({ ok: true }),
    (e) => ({ ok: false, name: e.name, code: e.code, at: performance.now() }));
}
"""


@pytest.mark.timing
@pytest.mark.parametrize("kind", ["rows", "file"])
def test_a_worker_that_dies_settles_every_pending_call_and_the_next_call_starts_a_fresh_one(browser, live_server,
                                                                                           kind):
    visit = Visit(browser, live_server.url).open("/?mode=server")  # the job's predictor starts the page's one runtime
    page = visit.page
    page.evaluate(START_JOB, {"kind": kind, "rows": 400_000})
    page.wait_for_function("() => window.progress >= 2", timeout=LOAD_TIMEOUT_MS)
    killed_at = page.evaluate("() => performance.now()")
    page.workers[0].evaluate("self.close()")  # the worker ends, as a crashed or killed one does
    page.wait_for_function("() => window.outcome !== undefined", timeout=5_000)
    outcome = page.evaluate("() => window.outcome")
    single = page.evaluate("() => window.single")
    assert outcome["ok"] is False and outcome["name"] == "PredictionError" and outcome["code"] == "worker_failed", outcome
    assert "the next call starts it again" in outcome["message"]
    assert outcome["at"] - killed_at < 1000, outcome  # settled within a second
    assert single["ok"] or single["code"] == "worker_failed"
    # the same predictor predicts again, on a fresh runtime
    again = page.evaluate("""async () => {
      const result = await window.predictor.predict([[5.1, 3.5, 1.4, 0.2]]);
      return { backend: result.backend, prediction: result.predictions[0], starts: window.runtimeStarts() };
    }""")
    assert again == {"backend": "browser", "prediction": "setosa", "starts": 2}
    visit.close()


def test_auto_mode_falls_back_at_once_when_the_worker_dies_while_starting(browser, live_server):
    visit = Visit(browser, live_server.url).open("/?mode=server")  # a page that starts no runtime of its own
    page = visit.page
    page.on("worker", lambda worker: worker.evaluate("self.close()"))  # every runtime dies as it starts
    started = time.monotonic()
    out = page.evaluate("""async () => {
      const { configureRuntime, createPredictor } = await import("/lib/predictor.js");
      configureRuntime({ startMs: 2000 });  // 10 s unless configured: a worker that never says it is alive
      const first = await createPredictor({ model: "iris" });
      const second = await createPredictor({ model: "iris" });
      const answer = await second.predict([[5.1, 3.5, 1.4, 0.2]]);
      return { first: first.backend, second: second.backend, reason: second.fallbackReason, answer: answer.backend };
    }""")
    assert time.monotonic() - started < 15, "no 120 s wait for a runtime that is gone"
    assert out["first"] == out["second"] == out["answer"] == "server"
    assert "the browser runtime stopped" in out["reason"]
    visit.close()


@pytest.mark.parametrize("mode", ["browser", "server"])
def test_every_rejection_is_a_prediction_error_with_a_code(browser, live_server, mode):
    visit = Visit(browser, live_server.url).open("/?mode=server")
    out = visit.page.evaluate("""async (mode) => {
      const { createPredictor } = await import("/lib/predictor.js");
      const predictor = await createPredictor({ model: "iris", mode });
      const huge = { length: 2 ** 40 };  // an array-like longer than any buffer
      const columns = { sepal_length_cm: huge, sepal_width_cm: huge, petal_length_cm: huge, petal_width_cm: huge };
      try {
        await predictor.predictColumns(columns);
        return { ok: true };
      } catch (e) {
        return { ok: false, name: e.name, code: e.code, message: e.message, isError: e instanceof Error };
      }
    }""", mode)
    visit.close()
    assert out["ok"] is False and out["name"] == "PredictionError" and out["code"] == "payload_too_large", out
    assert "send it in chunks with predictBatch" in out["message"]


@pytest.fixture(scope="module")
def clashing_server(model_dir, site_dir, tmp_path_factory):
    """The site with one more model whose features are named like the element's own controls."""
    root = tmp_path_factory.mktemp("clash")
    site = root / "site"
    shutil.copytree(site_dir, site, ignore=shutil.ignore_patterns("pyodide"))
    (site / "pyodide").symlink_to(site_dir / "pyodide")
    models = root / "models"
    shutil.copytree(model_dir, models)
    names = ["examples", "predict", "submit", "features"]
    schema = Schema.from_list([{"name": n, "type": "number", "minimum": 0, "maximum": 10} for n in names])
    X = np.random.default_rng(0).uniform(0, 10, (200, 4))
    model = LogisticRegression().fit(X, np.where(X[:, 0] + X[:, 1] > 10, "high", "low"))
    bundle = models / "clash" / "1.0.0"
    write_bundle(bundle, model, name="clash", version="1.0.0", task="classification", schema=schema,
                 extra={"examples": [{"name": "High", "row": [9, 9, 1, 1]}]})
    target = site / "models" / "clash" / "1.0.0"
    shutil.copytree(bundle, target)
    index = json.loads((site / "models" / "index.json").read_text())
    index["models"].append({"name": "clash", "version": "1.0.0", "task": "classification", "description": "",
                            "runtimes": ["server"], "engines": {"browser": "sklearn", "server": "sklearn"},
                            "path": "clash/1.0.0/"})
    (site / "models" / "index.json").write_text(json.dumps(index))
    server = LiveServer(create_app({"MODEL_DIR": str(models), "SITE_DIR": str(site)}))
    yield server
    server.stop()


def test_features_named_like_the_elements_controls_still_predict(browser, clashing_server):
    visit = Visit(browser, clashing_server.url).open("/examples/element.html")
    page = visit.page
    out = page.evaluate("""async () => {
      await import("/lib/model_predictor.js");
      const element = document.createElement("model-predictor");
      element.setAttribute("model", "clash");
      element.setAttribute("mode", "server");
      element.id = "clash";
      document.body.append(element);
      await new Promise((resolve) => element.addEventListener("ready", resolve, { once: true }));
      const root = element.shadowRoot;
      for (const [name, value] of [["examples", "8"], ["predict", "7"], ["submit", "1"], ["features", "2"]]) {
        const input = root.getElementById(`f-${name}`);
        input.value = value;
      }
      const row = element.readRow();
      const result = await element.predictForm();
      return { row, label: result?.predictions?.[0], examplesShown: !root.getElementById("examples-field").hidden };
    }""")
    visit.close()
    assert out["row"] == {"examples": 8, "predict": 7, "submit": 1, "features": 2}
    assert out["label"] == "high" and out["examplesShown"] is True


def test_allow_pickle_false_is_decided_before_any_model_file_is_downloaded(browser, live_server, model_dir):
    """A manifest that names scikit-learn for the browser (whatever the index said) is refused by the
    worker before the pickle or scikit-learn is fetched (failure_type: no element on the page loads it)."""
    manifest = json.loads((model_dir / "failure_type" / "1.0.0" / "manifest.json").read_text())
    manifest["engines"]["browser"] = "sklearn"
    visit = Visit(browser, live_server.url)
    visit.context.route("**/models/failure_type/1.0.0/manifest.json",
                        lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(manifest)))
    visit.open("/examples/element.html")
    out = visit.page.evaluate("""async () => {
      const { createPredictor } = await import("/lib/predictor.js");
      try {
        await createPredictor({ model: "failure_type", mode: "browser", allowPickle: false });
        return { ok: true };
      } catch (e) {
        return { ok: false, code: e.code, message: e.message };
      }
    }""")
    visit.close()
    assert out["ok"] is False and out["code"] == "model_unavailable", out
    assert "refuses pickled models (allowPickle: false)" in out["message"]
    assert not any("failure_type/1.0.0/model.joblib" in u or "/scikit_learn-" in u for u in visit.requests)


def test_the_page_reads_the_index_and_each_manifest_once(browser, live_server):
    visit = Visit(browser, live_server.url)
    page = visit.open("/?model=iris&mode=browser").page
    page.wait_for_selector("body[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
    page.evaluate("""async () => {  // more predictors on the same page read nothing again
      const { createPredictor, readManifest } = await import("/lib/predictor.js");
      (await createPredictor({ model: "iris", mode: "browser" })).close();
      await readManifest({ model: "iris" });
    }""")
    visit.close()
    reads = [u.split("?")[0] for u in visit.requests]
    assert reads.count(f"{live_server.url}/models/index.json") == 1, reads
    assert reads.count(f"{live_server.url}/models/iris/1.0.0/manifest.json") == 1, reads
