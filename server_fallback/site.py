"""Serves the built static site (dist/site/) at ``/`` in the demo, so one process answers both."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Blueprint, Flask, abort, send_from_directory

# Works with Pyodide: WebAssembly compilation needs 'wasm-unsafe-eval', nothing else is relaxed.
SITE_CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; "
            "connect-src 'self'; img-src 'self' data:; style-src 'self'; object-src 'none'; "
            "base-uri 'self'; frame-ancestors 'none'")


def register(app: Flask, site_dir: str, site_path: str = "/") -> None:
    """Serve ``site_dir`` at ``site_path`` when it holds a built site (a new blueprint per app)."""
    # Absolute (Flask reads relative paths against the package), but not resolved: a symlinked
    # site directory can be switched to a new build while the server runs.
    root = Path(os.path.abspath(site_dir)) if site_dir else None
    if root is None or not (root / "index.html").exists():
        return
    prefix = "/" + site_path.strip("/") if site_path.strip("/") else ""
    site = Blueprint("site", __name__, url_prefix=prefix or None)

    # Two rules, no defaults: with defaults werkzeug answers /index.html with a redirect to /,
    # and a redirected response cannot serve a navigation from a service worker's cache.
    @site.get("/")
    def index():
        return static_file("index.html")

    @site.get("/<path:path>")
    def static_file(path: str):
        if path.startswith("api/") and not prefix:
            abort(404)
        target = root / path
        if target.is_dir():
            path = path.rstrip("/") + "/index.html"
        # no-cache: the browser revalidates (cheap 304s) so a new build is never mixed with an old one
        response = send_from_directory(root, path, max_age=0)
        response.headers["Cache-Control"] = "no-cache"
        response.headers["Content-Security-Policy"] = SITE_CSP
        return response

    app.register_blueprint(site)
