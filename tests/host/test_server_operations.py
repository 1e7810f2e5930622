"""Operating the server: readiness, metrics, JSON logs, CORS, headers and configuration."""

from __future__ import annotations

import json
import logging
import re
import threading

import pytest

from py_pipeline import IncompatibleModel, IntegrityError, InvalidBundle, Registry, SchemaMismatch
from server_fallback import create_app
from server_fallback.config import from_environment

from ..support.bundles import edit_manifest, mismatched_version, tamper_engine_files

GOOD = [2.5, 1.3, 4.0, 0.8]
PREDICT = "/api/v1/models/iris/predict"


def make(model_dir, **config):
    return create_app({"TESTING": True, "MODEL_DIR": str(model_dir), "SITE_DIR": "", **config})


def test_ready_when_models_are_loaded(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready"
    assert {"iris@1.0.0", "machine_failure@1.0.0", "machine_failure@1.1.0"} <= set(body["models"])


def test_not_ready_while_loading_in_background(model_dir, monkeypatch):
    release = threading.Event()

    real = Registry.from_directory

    def slow_loader(path, **options):
        release.wait(10)
        return real(path, **options)

    monkeypatch.setattr("server_fallback.models.Registry.from_directory", slow_loader)
    app = make(model_dir, LOAD_MODELS="background")
    client = app.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "not_ready"
    assert client.post(PREDICT, json={"rows": [GOOD]}).status_code == 503
    assert client.get("/healthz").status_code == 200  # alive all the same
    release.set()
    assert app.extensions["models"].wait(10)
    assert client.get("/readyz").status_code == 200
    assert client.post(PREDICT, json={"rows": [GOOD]}).status_code == 200


def test_failed_background_load_stays_not_ready_with_the_reason(bundle_copy):
    tamper_engine_files(bundle_copy)
    app = make(bundle_copy.parent.parent, LOAD_MODELS="background")
    assert app.extensions["models"].wait(10)
    body = app.test_client().get("/readyz").get_json()
    assert "models failed to load" in body["error"]["message"] and "sha256" in body["error"]["message"]


def test_sync_load_refuses_to_start_with_a_tampered_bundle(bundle_copy):
    tamper_engine_files(bundle_copy)
    with pytest.raises(IntegrityError):
        make(bundle_copy.parent.parent)


def test_metrics_count_requests_latency_and_rows(client):
    def sample(text, name, labels):
        for line in text.splitlines():
            if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    before = client.get("/metrics").get_data(as_text=True)
    client.post(PREDICT, json={"rows": [GOOD, GOOD, GOOD]})
    client.post(PREDICT, json={"rows": [[-1, 1, 1, 1]]})
    response = client.get("/metrics")
    assert response.content_type.startswith("text/plain")
    after = response.get_data(as_text=True)
    route = {"route": "/api/v1/models/<name>/predict"}
    assert sample(after, "rows_predicted_total", {"model": "iris"}) - sample(before, "rows_predicted_total",
                                                                              {"model": "iris"}) == 3
    for status in ("200", "422"):
        assert sample(after, "http_requests_total", {**route, "status": status}) - sample(
            before, "http_requests_total", {**route, "status": status}) == 1
    assert sample(after, "http_request_duration_seconds_count", route) >= 2


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


def test_one_json_log_line_per_request_without_feature_values(app, client):
    from server_fallback.json_log import JsonFormatter

    handler = Lines()
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("server_fallback.access")
    logger.addHandler(handler)
    try:
        client.post(PREDICT, json={"rows": [[4.321, 1.234, 5.678, 0.987]]}, headers={"X-Request-ID": "req-1"})
        client.post(PREDICT, json={"rows": [["secret-value", 1.234, 5.678, 0.987]]})
    finally:
        logger.removeHandler(handler)
    assert len(handler.lines) == 2
    first, second = (json.loads(line) for line in handler.lines)
    assert first["request_id"] == "req-1" and first["status"] == 200
    assert first["route"] == "/api/v1/models/<name>/predict"
    assert first["model"] == "iris" and first["rows"] == 1 and first["latency_ms"] > 0
    assert second["status"] == 422 and second["error"] == "invalid_input"
    text = "\n".join(handler.lines)
    for value in ("4.321", "1.234", "5.678", "0.987", "secret-value"):
        assert value not in text


@pytest.mark.parametrize("given, echoed", [
    ("abc-123", True),
    ("trace:00f067aa0ba902b7", True),
    ("has space", False),
    ("x" * 200, False),
    ("<script>", False),
])
def test_request_id_is_echoed_only_when_sane(client, given, echoed):
    returned = client.get("/healthz", headers={"X-Request-ID": given}).headers["X-Request-ID"]
    assert (returned == given) is echoed
    assert returned


def test_api_security_headers(client):
    response = client.post(PREDICT, json={"rows": [GOOD]})
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_cors_is_denied_by_default(client):
    response = client.options(PREDICT, headers={"Origin": "https://app.example",
                                                "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_allows_configured_origins_only(model_dir):
    client = make(model_dir, CORS_ORIGINS=["https://app.example"]).test_client()
    preflight = client.options(PREDICT, headers={"Origin": "https://app.example",
                                                 "Access-Control-Request-Method": "POST",
                                                 "Access-Control-Request-Headers": "content-type"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    actual = client.post(PREDICT, json={"rows": [GOOD]}, headers={"Origin": "https://app.example"})
    assert actual.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert "X-Request-ID" in actual.headers["Access-Control-Expose-Headers"]
    other = client.post(PREDICT, json={"rows": [GOOD]}, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_settings_come_from_the_environment():
    config = from_environment({"MAX_ROWS": "50", "CORS_ORIGINS": "https://a.example/, https://b.example",
                               "LOAD_MODELS": "background"})
    assert config["MAX_ROWS"] == 50
    assert config["CORS_ORIGINS"] == ["https://a.example", "https://b.example"]
    assert config["LOAD_MODELS"] == "background"
    assert from_environment({})["MAX_ROWS"] == 10_000


@pytest.mark.parametrize("name, value", [("MAX_ROWS", "many"), ("LOAD_MODELS", "lazy"), ("MAX_ROWS", "-5"),
                                         ("MAX_CONTENT_LENGTH", "0")])
def test_bad_settings_stop_the_server_naming_the_variable(name, value):
    with pytest.raises(SystemExit, match=name):
        from_environment({name: value})


def test_debug_is_never_on(model_dir, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    assert make(model_dir).debug is False


def mismatched_schema(bundle):
    edit_manifest(bundle, lambda m: m["features"][0].update(maximum=1000))


@pytest.mark.parametrize("tamper, error, words", [
    (mismatched_version, IncompatibleModel, "built with numpy 1.26.4, but this runtime has 2.0.2"),
    (mismatched_schema, SchemaMismatch, "feature 0 ('sepal_length_cm') differs in maximum"),
])
def test_server_refuses_to_start_on_a_version_or_schema_mismatch(bundle_copy, tamper, error, words):
    tamper(bundle_copy)
    with pytest.raises(error, match=re.escape(words)):
        make(bundle_copy.parent.parent, ENGINE="sklearn")  # library versions matter to the pickle only


def test_made_up_methods_share_one_metric_series(client):
    """Metric labels take known values only: random methods cannot grow /metrics without bound."""
    for i in range(20):
        client.open("/healthz", method=f"BREW{i}")
    text = client.get("/metrics").get_data(as_text=True)
    methods = {line.split('method="')[1].split('"')[0] for line in text.splitlines()
               if line.startswith("http_requests_total{")}
    assert "other" in methods
    assert methods <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}


@pytest.mark.parametrize("where", ["empty", "missing"])
def test_no_models_in_model_dir_stops_the_server_saying_why(tmp_path, where):
    """A wrong MODEL_DIR must not start a server that is 'ready' and answers every predict 404."""
    directory = tmp_path / "models"
    if where == "empty":
        directory.mkdir()
    with pytest.raises(InvalidBundle, match="no model bundles in MODEL_DIR"):
        create_app({"MODEL_DIR": str(directory), "SITE_DIR": ""})


def test_an_unknown_key_is_not_echoed_in_full(client):
    key = "k" * 100_000
    response = client.post(PREDICT, json={"rows": [{key: 1, "sepal_length_cm": 1, "sepal_width_cm": 1,
                                                     "petal_length_cm": 1, "petal_width_cm": 1}]})
    assert response.status_code == 422
    assert len(response.get_data()) < 2_000
    assert response.get_json()["error"]["details"][0]["field"] == "k" * 61 + "..."
