"""The Flask app factory."""

from __future__ import annotations

import mimetypes
import os
import re
import uuid
from typing import Any, Mapping
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, g, request
from flask_cors import CORS

from py_pipeline import Registry

from . import errors, observability, site
from . import drift_api, explain_api  # noqa: F401  (their routes join the api blueprint)
from .api import api, classic
from .config import from_environment
from .drift import Monitor
from .models import ModelStore
from .json_provider import FastJSONProvider

REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# API answers are data, never documents: nothing may load, frame or run from them.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Unless a route set its own (the site's files do): answers are per request, never stored by a
# browser or a shared cache. They vary with Origin when CORS is on.
DEFAULT_HEADERS = (("Content-Security-Policy", API_CSP), ("Referrer-Policy", "no-referrer"),
                   ("Cache-Control", "no-store"))

# Browsers refuse module scripts and streaming WebAssembly served with the wrong type.
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("application/wasm", ".wasm")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings from the environment, then ``config``; models loaded per LOAD_MODELS."""
    app = Flask(__name__, static_folder=None)
    app.config.from_mapping(from_environment())
    if config:
        app.config.from_mapping(config)
    app.debug = False  # never on, whatever FLASK_DEBUG says; tests use TESTING instead
    app.json = FastJSONProvider(app)
    observability.setup_logging(app.config["LOG_LEVEL"])

    engine, allow_pickle = app.config["ENGINE"], app.config["ALLOW_PICKLE"]
    shared = os.environ.get("PROMETHEUS_MULTIPROC_DIR")  # set by serve.py for its workers
    monitor = Monitor(os.path.join(shared, "drift") if shared else None, app.config["DRIFT_FLUSH_SECONDS"],
                      app.config["DRIFT_WINDOW_SECONDS"], app.config["DRIFT_WINDOW_ROWS"])
    app.extensions["drift"] = monitor

    def load(root: str) -> Registry:
        registry = Registry.from_directory(root, engine=engine, allow_pickle=allow_pickle)
        if app.config["DRIFT"]:
            for name in registry.names():
                for version in registry.versions(name):
                    monitor.watch(registry.get(name, version))
        return registry

    store = ModelStore(app.config["MODEL_DIR"], load)
    app.extensions["models"] = store
    if app.config["LOAD_MODELS"] == "background":
        store.load_in_background()
    else:
        store.load()

    @app.before_request
    def assign_request_id() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex

    @app.after_request
    def security_headers(response):
        headers = response.headers
        present = {name.lower() for name in headers.keys()}  # one pass: setdefault scans per header
        headers.add("X-Request-ID", g.get("request_id", ""))
        headers.add("X-Content-Type-Options", "nosniff")
        for name, value in DEFAULT_HEADERS:
            if name.lower() not in present:
                headers.add(name, value)
        # Werkzeug builds a slash redirect's Location from the Host header: keep only the path,
        # so a forged Host cannot send a visitor elsewhere.
        location = response.headers.get("Location")
        if location and 300 <= response.status_code < 400:
            parts = urlsplit(location)
            if parts.netloc:
                response.headers["Location"] = urlunsplit(("", "", parts.path, parts.query, ""))
        if app.config["CORS_ORIGINS"] and (request.path.startswith("/api/") or request.path == "/predict"):
            response.vary.add("Origin")
        return response

    errors.register(app)
    observability.register(app)
    app.register_blueprint(api)
    app.register_blueprint(classic)
    origins = app.config["CORS_ORIGINS"]
    if origins:  # default deny: no CORS headers at all unless origins are configured
        CORS(app, resources={r"/api/*": {}, r"/predict": {}}, origins=origins, methods=["GET", "POST"],
             allow_headers=["Content-Type", "X-Request-ID"], expose_headers=["X-Request-ID"], max_age=600)
    site.register(app, app.config["SITE_DIR"], app.config["SITE_PATH"])
    return app
