"""Drift telemetry from the browser (issue 34): off unless the page asks; when it asks, the counts
of what the worker predicted reach the server's ``browser`` drift section, with no feature value
in any request; counts made offline wait, and go when the browser is back online."""

from __future__ import annotations

import json

import requests

from build_scripts.data import machine_failures

from ..support.browser import LOAD_TIMEOUT_MS, Visit

ROUTE = "/api/v1/models/machine_failure/versions/1.1.0"  # the newest: what createPredictor opens

# Runs in the page: one predictor (telemetry as given), `calls` predict calls of the given rows.
PREDICT = """
async ({ telemetry, batches }) => {
  const { createPredictor } = await import("./lib/predictor.js");
  window.predictor = await createPredictor({ model: "machine_failure", mode: "browser", telemetry });
  for (const rows of batches) await window.predictor.predict(rows);
  return window.predictor.telemetry;
}
"""
MORE = "async (rows) => { await window.predictor.predict(rows); return window.predictor.telemetry; }"
STATUS = "() => window.predictor.telemetry"


def _rows(n: int, seed: int) -> list[list]:
    """Rows whose temperatures and torque have digits no count could have (12 significant digits)."""
    rows = machine_failures.generate(n, seed).rows()
    odd = lambda v: round(float(v), 1) + 0.0123456789  # noqa: E731
    return [[r[0], odd(r[1]), odd(r[2]), r[3], odd(r[4]), r[5]] for r in rows]


def _browser_rows(url: str) -> int:
    return requests.get(f"{url}{ROUTE}/drift", timeout=30).json()["browser"]["window"]["rows"]


def test_telemetry_sends_counts_only_and_drains_when_back_online(browser, live_server):
    visit = Visit(browser, live_server.url)
    page = visit.open("/").page
    bodies: list[str] = []
    page.on("request", lambda r: bodies.append(r.post_data or "") if r.method == "POST" else None)
    before = _browser_rows(live_server.url)

    # nothing is sent by default
    rows = _rows(90, 17)
    status = page.evaluate(PREDICT, {"telemetry": None, "batches": [rows[:40]]})
    assert status is None and bodies == []
    page.evaluate("() => window.predictor.close()")

    # opted in, every 20 rows: one row at a time (JSON) and a batch (typed-array columns)
    status = page.evaluate(PREDICT, {"telemetry": {"everyRows": 20}, "batches": [[r] for r in rows[:25]] + [rows[25:60]]})
    page.wait_for_function("() => window.predictor.telemetry.sentReports >= 2", timeout=LOAD_TIMEOUT_MS)
    status = page.evaluate(STATUS)
    assert status["sentRows"] == 60 and status["queuedReports"] == 0 and status["unavailable"] is None, status
    assert _browser_rows(live_server.url) == before + 60
    sent = [json.loads(b) for b in bodies]
    assert len(sent) == 2 and all(set(b) == {"format", "profile", "rows", "counts"} for b in sent)
    values = {repr(row[j]) for row in rows for j in (1, 2, 4)}
    assert not any(v in body for body in bodies for v in values)  # no feature value, in any form
    assert not any(c in body for body in bodies for c in ('"L"', '"M"', '"H"'))  # no category either

    # offline: the report waits (in localStorage), then goes when the browser is back online
    visit.context.set_offline(True)
    status = page.evaluate(MORE, rows[60:90])
    page.wait_for_function("() => window.predictor.telemetry.queuedReports === 1", timeout=LOAD_TIMEOUT_MS)
    assert page.evaluate("() => Object.keys(localStorage).some((k) => k.startsWith('py-pipeline-telemetry'))")
    visit.context.set_offline(False)
    page.wait_for_function("() => window.predictor.telemetry.queuedReports === 0", timeout=LOAD_TIMEOUT_MS)
    assert page.evaluate(STATUS)["sentRows"] == 90
    assert _browser_rows(live_server.url) == before + 90
    assert visit.errors == []
    visit.close()
