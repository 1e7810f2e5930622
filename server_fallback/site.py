"""Serves the built static site (dist/site/) at ``/`` in the demo, so one process answers both."""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path

from flask import Blueprint, Flask, abort, request, send_from_directory
from werkzeug.routing import PathConverter

# Works with Pyodide: WebAssembly compilation needs 'wasm-unsafe-eval', nothing else is relaxed.
SITE_CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; "
            "connect-src 'self'; img-src 'self' data:; style-src 'self'; object-src 'none'; "
            "base-uri 'self'; frame-ancestors 'none'")


#: Content-Encoding -> suffix of the copies build_scripts/compress.py writes, best first.
ENCODED_COPIES = (("br", ".br"), ("gzip", ".gz"))

#: Files whose URL names their content: Pyodide's official package wheels carry their version in
#: the name and are pinned by sha256 in the lock (a trimmed one, the sha256 of its content:
#: build_scripts/trim.py). Our own wheel keeps its version across builds.
IMMUTABLE = "public, max-age=31536000, immutable"
#: Everything else is revalidated on each use (a 304 when unchanged), so builds never mix.
REVALIDATE = "no-cache"


def cache_control(path: str) -> str:
    """The Cache-Control header for a site file (web/hosting/nginx.conf sends the same)."""
    name = path.rsplit("/", 1)[-1]
    if path.startswith("pyodide/") and name.endswith(".whl") and not name.startswith("py_pipeline-"):
        return IMMUTABLE
    return REVALIDATE


def fresh_copy(original: Path, copy: Path) -> bool:
    """Whether ``copy`` exists and is not older than ``original``."""
    try:
        return copy.stat().st_mtime >= original.stat().st_mtime
    except OSError:
        return False


class SitePath(PathConverter):
    """A path that never starts with ``api/``: the site's catch-all leaves the API's URLs to the
    API, so a GET on a POST route is a 405 with ``Allow``, not the site's 404."""

    regex = r"(?!api/)[^/].*?"


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

    app.url_map.converters["site_path"] = SitePath

    @site.get("/<site_path:path>")
    def static_file(path: str):
        target = root / path
        try:
            if target.is_dir():
                path = path.rstrip("/") + "/index.html"
        except OSError:  # e.g. a name longer than the file system allows: no such file
            abort(404)
        response = send_encoded(path)
        response.headers["Cache-Control"] = cache_control(path)
        response.headers["Content-Security-Policy"] = SITE_CSP
        return response

    def send_encoded(path: str):
        """The build's pre-compressed copy (``.br``, else ``.gz``) when the client takes it, with
        the original's type: WebAssembly must stay ``application/wasm`` to compile by streaming.
        A copy older than its original (a file replaced after the build) is never sent."""
        for encoding, suffix in ENCODED_COPIES:
            if request.accept_encodings[encoding] > 0 and fresh_copy(root / path, root / (path + suffix)):
                mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
                response = send_from_directory(root, path + suffix, max_age=0, mimetype=mimetype)
                response.headers["Content-Encoding"] = encoding
                break
        else:
            response = send_from_directory(root, path, max_age=0)
        response.headers["Vary"] = "Accept-Encoding"
        return response

    app.register_blueprint(site)
