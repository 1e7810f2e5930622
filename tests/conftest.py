"""Shared fixtures. Tiers are pytest markers: host, runtime, browser (see pyproject.toml).

Tests use the artifacts `make build` writes to dist/; a missing build is an error, not a skip.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from server_fallback import create_app

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
MODELS = DIST / "models"
SITE = DIST / "site"
PYODIDE = DIST / "pyodide"
IRIS = MODELS / "iris" / "1.0.0"


def require(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make build` first", pytrace=False)
    return path


def edit_manifest(bundle: Path, change) -> None:
    """Apply ``change`` to a bundle's manifest.json in place (tamper tests)."""
    import json

    path = bundle / "manifest.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def tamper_engine_files(bundle: Path) -> None:
    """Overwrite the files of both engines (pickle and portable spec) with other bytes."""
    for name in ("model.joblib", "portable.json", "portable.bin"):
        (bundle / name).write_bytes(b"tampered")


@pytest.fixture(scope="session")
def model_dir() -> Path:
    return require(MODELS)


@pytest.fixture(scope="session")
def iris_dir() -> Path:
    return require(IRIS)


@pytest.fixture(scope="session")
def site_dir() -> Path:
    return require(SITE / "index.html").parent


@pytest.fixture()
def app(model_dir):
    return create_app({"TESTING": True, "MODEL_DIR": str(model_dir), "SITE_DIR": ""})


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def bundle_copy(tmp_path, iris_dir) -> Path:
    """A private copy of the iris bundle, free to tamper with."""
    target = tmp_path / "iris" / "1.0.0"
    shutil.copytree(iris_dir, target)
    return target


class LiveServer:
    """The Flask app (API and built site) on a free loopback port, in a thread."""

    def __init__(self, app, port: int = 0) -> None:
        self._server = make_server("127.0.0.1", port, app, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()


@pytest.fixture(scope="session")
def live_server(model_dir, site_dir):
    server = LiveServer(create_app({"MODEL_DIR": str(model_dir), "SITE_DIR": str(site_dir)}))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright():
    """Playwright, for the browser tier (it drives Debian's Chromium; see test_browser.launch)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def matrix(tmp_path_factory):
    """The small-pipeline matrix (tests/pipeline_matrix.py), fitted and bundled once."""
    from .pipeline_matrix import write_matrix

    return write_matrix(tmp_path_factory.mktemp("matrix"))
