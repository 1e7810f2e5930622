"""Explanations in the page (issue 32, browser tier): ``predictor.explain`` answers in browser mode
with no request carrying the rows (JSON rows and column batches alike) what the server's
``/explain`` answers, within 1e-9, additive on every row; a model that cannot be explained says why
(the refusal in the page's worker is checked under Node, tests/runtime/test_explain_in_pyodide.py);
the demo's ``<model-predictor explain>`` shows the "Why?" chart under its answer, and its file tool
adds the contribution columns and the summary chart."""

from __future__ import annotations

import numpy as np
import requests

from build_scripts.golden import sampled_rows
from py_pipeline import read_manifest

from ..support.browser import LOAD_TIMEOUT_MS, Visit
from .test_file_scoring import GOOD, choose, csv_text, downloaded

MODELS = [("iris", "1.0.0"), ("machine_failure", "1.0.0"), ("machine_failure", "1.1.0")]

EXPLAIN = """
async ({ jobs, mode }) => {
  const { createPredictor } = await import("./lib/predictor.js");
  const out = [];
  for (const { model, version, rows } of jobs) {
    const predictor = await createPredictor({ model, version, mode });
    try {
      const why = await predictor.explain(rows);
      out.push({ ok: true, backend: why.backend, features: why.features, outputs: why.outputs, output: why.output,
                 baseValues: why.baseValues, rows: why.rows, typed: why.contributions instanceof Float64Array,
                 contributions: Array.from(why.contributions) });
    } catch (e) {
      out.push({ ok: false, code: e.code, message: e.message });
    } finally {
      predictor.close();
    }
  }
  return out;
}
"""


def test_browser_explanations_send_no_rows_and_equal_the_servers(browser, live_server, model_dir):
    jobs = []
    for name, version in MODELS:
        rows = sampled_rows(read_manifest(model_dir / name / version).schema, 40, seed=5)
        jobs += [{"model": name, "version": version, "rows": rows[:1]},  # JSON to the worker
                 {"model": name, "version": version, "rows": rows}]  # a column batch
    visit = Visit(browser, live_server.url).open("/")
    posts = []
    visit.context.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    mine = visit.page.evaluate(EXPLAIN, {"jobs": jobs, "mode": "browser"})
    assert posts == []  # nothing was sent: the rows stayed in the page
    assert all("5." not in url for url in visit.requests)
    # a model that cannot be explained (server-only: too large for the page) says why
    heavy = {"model": "machine_failure_heavy", "version": "1.0.0", "rows": jobs[-1]["rows"][:1]}
    theirs = visit.page.evaluate(EXPLAIN, {"jobs": [*jobs, heavy], "mode": "server"})
    for job, a, b in zip(jobs, mine, theirs):
        assert a["ok"] and b["ok"], (job["model"], a, b)
        assert (a["backend"], b["backend"]) == ("browser", "server") and a["typed"] and b["typed"]
        assert a["features"] == b["features"] and a["outputs"] == b["outputs"] and a["rows"] == len(job["rows"])
        assert np.abs(np.asarray(a["contributions"]) - b["contributions"]).max() <= 1e-9
        assert np.abs(np.asarray(a["baseValues"]) - b["baseValues"]).max() <= 1e-12
        # additive: base + the lines is the model's output, for every row and output
        shape = (a["rows"], len(a["features"]), len(a["outputs"]))
        total = np.asarray(a["baseValues"]) + np.asarray(a["contributions"]).reshape(shape).sum(axis=1)
        answer = requests.post(f"{live_server.url}/api/v1/models/{job['model']}/versions/{job['version']}/predict",
                               json={"rows": job["rows"]}, timeout=30).json()
        if a["output"] == "probability":
            assert np.abs(total - np.asarray(answer["probabilities"])).max() <= 1e-9
    refused = theirs[-1]
    assert not refused["ok"] and refused["code"] == "explanation_unavailable"
    assert "over the explanation budget" in refused["message"]
    assert visit.errors == []
    visit.close()


def test_the_element_shows_why_and_the_file_tool_explains(browser, live_server):
    visit = Visit(browser, live_server.url)
    page = visit.open("/?mode=browser&model=iris").page
    page.wait_for_selector("body[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
    posts = []
    page.on("request", lambda r: posts.append(r) if r.method != "GET" else None)
    page.locator("model-predictor button#predict").click()
    page.wait_for_selector("model-predictor #why:not([hidden])", timeout=30_000)
    bars = page.locator("model-predictor .why-bar")
    assert bars.count() == 4  # one per feature of iris
    values = [float(v) for v in bars.evaluate_all("(els) => els.map((e) => e.dataset.value)")]
    assert values == sorted(values, key=abs, reverse=True)  # the largest first
    assert "Why? What moved the log-odds of" in page.locator("model-predictor #why-title").inner_text()
    assert " = " in bars.first.inner_text() and "cm" in bars.first.inner_text()  # the feature, its value, its unit
    # the file tool: contribution columns and the chart of what drives the predictions
    page.check("#explain-file")
    choose(page, csv_text(GOOD))
    page.wait_for_selector("body[data-scored]", timeout=LOAD_TIMEOUT_MS)
    assert posts == []  # the form's row and the file stayed on the device
    header = downloaded(page, "download-result").split("\r\n")[0].split(",")
    assert header[-6:] == ["contribution_sepal_length_cm", "contribution_sepal_width_cm", "contribution_petal_length_cm",
                           "contribution_petal_width_cm", "base_value", "explained_class"]
    assert page.locator("#drivers .driver").count() == 4
    assert visit.errors == []
    visit.close()
