"""Serves the built static site (dist/site/) at ``/`` in the demo, so one process answers both."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, abort, send_from_directory

# Works with Pyodide: WebAssembly compilation needs 'wasm-unsafe-eval', nothing else is relaxed.
SITE_CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; "
            "connect-src 'self'; img-src 'self' data:; style-src 'self'; object-src 'none'; "
            "base-uri 'self'; frame-ancestors 'none'")


def register(app: Flask, site_dir: str) -> None:
    """Serve ``site_dir`` at ``/`` when it holds a built site (a new blueprint per app)."""
    root = Path(site_dir).resolve()  # Flask would read a relative path against the package, not the cwd
    if not site_dir or not (root / "index.html").exists():
        return
    site = Blueprint("site", __name__)

    @site.get("/", defaults={"path": "index.html"})
    @site.get("/<path:path>")
    def static_file(path: str):
        if path.startswith("api/"):
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
