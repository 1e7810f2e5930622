"""The Flask app factory."""

from __future__ import annotations

import logging
import mimetypes
import re
import uuid
from typing import Any, Mapping

from flask import Flask, g, request

from py_pipeline import Registry

from . import errors, site
from .api import api, classic
from .config import from_environment

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

# Browsers refuse module scripts and streaming WebAssembly served with the wrong type.
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("application/wasm", ".wasm")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings from the environment, then ``config``; every model loaded once."""
    app = Flask(__name__, static_folder=None)
    app.config.from_mapping(from_environment())
    if config:
        app.config.from_mapping(config)
    app.json.sort_keys = False
    app.extensions["registry"] = Registry.from_directory(app.config["MODEL_DIR"])
    logging.basicConfig(level=logging.INFO)

    @app.before_request
    def assign_request_id() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex

    @app.after_request
    def headers(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    errors.register(app)
    app.register_blueprint(api)
    app.register_blueprint(classic)
    site.register(app, app.config["SITE_DIR"])
    return app
