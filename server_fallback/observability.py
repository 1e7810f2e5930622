"""Prometheus metrics (the official prometheus-client) and one JSON log line per request.

Under the server, PROMETHEUS_MULTIPROC_DIR (set by serve.py) makes every worker write
its samples to shared files and /metrics sums them, so the figures cover all workers.
Logs carry the request id, route, status, latency, model and row count, never feature values.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import time
from typing import Any

from flask import Flask, Response, g, request
from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest,
                               multiprocess)

from .json_log import JsonFormatter

REQUESTS = Counter("http_requests_total", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram("http_request_duration_seconds", "Time to answer a request", ["route"],
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
ROWS = Counter("rows_predicted_total", "Rows predicted", ["model", "version"])

access_log = logging.getLogger("server_fallback.access")


def setup_logging(level: str) -> None:
    """JSON lines on stderr for the server's loggers (idempotent: tests build many apps)."""
    logger = logging.getLogger("server_fallback")
    if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(level)
    # The logging HOWTO's "Optimization": records need no caller frame and no thread name.
    logging._srcfile = None
    logging.logThreads = False


def route_label() -> str:
    """The URL rule, not the path, so labels stay few ("/api/v1/models/<name>/predict")."""
    rule = request.url_rule
    return rule.rule if rule is not None else "unmatched"


def record_prediction(model: str, version: str, rows: int) -> None:
    """Called by the predict routes; shows up in the metrics and the request's log line."""
    ROWS.labels(model, version).inc(rows)
    g.log_model, g.log_version, g.log_rows = model, version, rows


#: HTTP methods a metric or log line names; any other becomes "other", so that made-up methods
#: cannot create new metric series without bound.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@functools.lru_cache(maxsize=4096)
def _series(method: str, route: str, status: int) -> tuple[Any, Any]:
    """The labelled children, looked up once per label set (labels() costs microseconds)."""
    return REQUESTS.labels(method, route, str(status)), LATENCY.labels(route)


def method_label() -> str:
    return request.method if request.method in KNOWN_METHODS else "other"


def register(app: Flask) -> None:
    @app.before_request
    def start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def observe(response: Response) -> Response:
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        route, method = route_label(), method_label()
        requests_series, latency_series = _series(method, route, response.status_code)
        requests_series.inc()
        latency_series.observe(elapsed)
        fields = {"request_id": g.get("request_id"), "method": method, "route": route,
                  "status": response.status_code, "latency_ms": round(elapsed * 1000, 3)}
        if g.get("log_model"):
            fields.update(model=g.log_model, version=g.log_version, rows=g.log_rows)
        if g.get("error_code"):
            fields["error"] = g.error_code
        access_log.info("request", extra={"fields": fields})
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        else:
            from prometheus_client import REGISTRY as registry
        # drift: computed now from the counts every worker shares, never summed from per-worker gauges
        text = generate_latest(registry) + generate_latest(DriftCollector(app.extensions["drift"]))
        return Response(text, content_type=CONTENT_TYPE_LATEST)


class DriftCollector:
    """Drift gauges for every watched model version, from its window at scrape time: ``drift_*`` for
    what the server predicted (the alarm's), ``drift_browser_*`` for the counts browsers sent (never
    the alarm's). Labels are bounded: the models, their versions and their features."""

    def __init__(self, monitor: Any) -> None:
        self.monitor = monitor

    def collect(self) -> Any:
        for source, prefix, whose in (("server", "drift", "the server's"), ("browser", "drift_browser", "browsers'")):
            yield from self._families(source, prefix, whose)

    def _families(self, source: str, prefix: str, whose: str) -> Any:
        from prometheus_client.core import GaugeMetricFamily

        per_line = {name: GaugeMetricFamily(f"{prefix}_{name}", f"{doc} ({whose} window)",
                                            labels=["model", "version", "feature"])
                    for name, doc in (("psi", "Population stability index of the window against the reference"),
                                      ("js_distance", "Jensen-Shannon distance (base 2), window and reference"),
                                      ("p_value", "Two-sample chi-square p-value (before the Bonferroni correction)"),
                                      ("feature_alarm", "1 when this feature drifted: the corrected test rejects and "
                                                        "PSI is at least the alarm level"))}
        alarm = GaugeMetricFamily(f"{prefix}_alarm", f"1 when some feature (or the predictions) drifted ({whose} window)",
                                  labels=["model", "version"])
        rows = GaugeMetricFamily(f"{prefix}_window_rows", f"Rows in {whose} drift window", labels=["model", "version"])
        for name, version in self.monitor.watched():
            report = self.monitor.report(name, version, source)
            lines = {**report["features"], "(predictions)": report["predictions"]}
            for feature, line in lines.items():
                for key, family in per_line.items():
                    value = line["drifted"] if key == "feature_alarm" else line[key]
                    family.add_metric([name, version, feature], float(value))
            alarm.add_metric([name, version], float(report["alarm"]))
            rows.add_metric([name, version], float(report["window"]["rows"]))
        yield from (*per_line.values(), alarm, rows)
