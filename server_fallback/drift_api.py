"""Drift routes of a model version.

- ``GET .../drift``: the server's drift window (every feature's, and the predictions', reference and
  observed counts, statistics and verdict, the features ranked, the alarm), and beside it, under
  ``browser``, the same for the counts browsers sent. A version without a reference profile
  answers 422 ``drift_unavailable``.
- ``POST .../telemetry``: a page's per-bin counts of what it predicted
  (``py_pipeline.drift.telemetry``), checked against the profile (the bins, that every line adds
  up to ``rows``, at most ``TELEMETRY_MAX_ROWS`` rows a request) and kept under the ``browser``
  source: unauthenticated, they never drive the server's alarm.
- ``POST .../drift/report``: the HTML drift report of a file scored on the server, from the bin
  counts its pieces answered (``?partial=true&drift=true``), summed by the client.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from flask import Response, current_app, jsonify, request
from prometheus_client import Counter

from py_pipeline.drift.profile import Binner
from py_pipeline.drift.report import drift_html
from py_pipeline.drift.statistics import judge
from py_pipeline.drift.telemetry import MIN_ROWS, counted, problems

from .api import api, read_json, registry
from .errors import ApiError

TELEMETRY_ROWS = Counter("telemetry_rows_total", "Rows browsers reported counts of (drift telemetry)",
                         ["model", "version"])
TELEMETRY_DROPPED = Counter("telemetry_dropped_rows_total", "Rows whose counts browsers dropped from a full offline "
                            "queue before they could send them", ["model", "version"])
#: A report is a few numbers per bin: any larger body is refused before it is read.
MAX_BYTES = 256 * 1024


@api.get("/models/<name>/versions/<version>/drift")
def drift(name: str, version: str):
    model = registry().get(name, version)  # 404 for an unknown model or version
    monitor = current_app.extensions["drift"]
    return jsonify({**monitor.report(model.name, model.version),
                    "browser": monitor.report(model.name, model.version, "browser")})


@api.post("/models/<name>/versions/<version>/telemetry")
def telemetry(name: str, version: str):
    if not current_app.config["TELEMETRY"]:
        raise ApiError("not_found", "this server takes no drift telemetry from browsers (TELEMETRY=false)")
    model = registry().get(name, version)
    monitor = current_app.extensions["drift"]
    binner = monitor.binner(model.name, model.version)  # 422 drift_unavailable: no profile to check against
    body = _checked(binner, "telemetry", current_app.config["TELEMETRY_MAX_ROWS"])
    rows, counts = counted(body, binner)
    monitor.add_counts(model.name, model.version, rows, counts)
    TELEMETRY_ROWS.labels(model.name, model.version).inc(rows)
    if body.get("dropped_rows"):
        TELEMETRY_DROPPED.labels(model.name, model.version).inc(int(body["dropped_rows"]))
    return jsonify({"accepted_rows": rows}), 202


@api.post("/models/<name>/versions/<version>/drift/report")
def file_drift_report(name: str, version: str):
    model = registry().get(name, version)
    binner = Binner.of(model)  # 422 drift_unavailable without a profile
    body = _checked(binner, "drift report", 10**12, 1)
    rows, counts = counted(body, binner)
    judged = judge(binner, {line: np.asarray(c) for line, c in zip(binner.lines, counts)}, rows)
    return Response(drift_html(model, judged, rows, "the file scored on the server"), mimetype="text/html")


def _checked(binner: Binner, what: str, max_rows: int, min_rows: int = MIN_ROWS) -> Any:
    """The request's body, a report of bin counts (``drift.telemetry``) against ``binner``: 413 over
    MAX_BYTES, before it is read; 400 ``invalid_request`` naming each problem."""
    if (request.content_length or 0) > MAX_BYTES:
        raise ApiError("payload_too_large", f"a {what} body is at most {MAX_BYTES} bytes",
                       [{"field": "body", "expected": f"at most {MAX_BYTES} bytes"}])
    body = read_json()
    found = problems(body, binner, binner.sha256, max_rows, min_rows)
    if found:
        first = found[0]
        raise ApiError("invalid_request", f"{what} refused: {first['field']}: expected {first['expected']}, "
                       f"got {first['actual']}" + (f" (and {len(found) - 1} more problems)" if len(found) > 1 else ""),
                       found[:50])
    return body
