"""Shared fixtures for every lane. A test's lane is its folder, which gives it its marker:
``unit`` (no build), ``host``, ``runtime``, ``browser`` (see tests/README.md).

Tests use the artifacts `make build` writes to dist/; a missing build is an error, not a skip.
Every test writes only to temporary folders: a session that leaves a new file in the working tree
(one git neither tracks nor ignores) fails at its end.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from server_fallback import create_app

from .support.live import LiveServer
from .support.paths import IRIS, MODELS, ROOT, SITE, require

LANES = ("unit", "host", "runtime", "browser")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its lane: the folder it is in."""
    for item in items:
        lane = Path(item.path).relative_to(ROOT / "tests").parts[0]
        if lane in LANES:
            item.add_marker(getattr(pytest.mark, lane))


def _new_files() -> set[str]:
    """Files in the working tree that git neither tracks nor ignores (what a stray write leaves,
    such as MLflow's mlruns/ in the current folder)."""
    done = subprocess.run(["git", "ls-files", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True,
                          text=True)
    return set(done.stdout.splitlines()) if done.returncode == 0 else set()


@pytest.fixture(scope="session", autouse=True)
def writes_only_to_temporary_folders():
    before = _new_files()
    yield
    added = sorted(_new_files() - before)
    assert not added, f"the tests wrote into the working tree: {added}"


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


@pytest.fixture(scope="session")
def live_server(model_dir, site_dir):
    server = LiveServer(create_app({"MODEL_DIR": str(model_dir), "SITE_DIR": str(site_dir)}))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright():
    """Playwright, for the browser lane (it drives Debian's Chromium; build_scripts/chromium.py)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def matrix(tmp_path_factory):
    """The small-pipeline matrix (tests/support/pipeline_matrix.py), fitted and bundled once."""
    from .support.pipeline_matrix import write_matrix

    return write_matrix(tmp_path_factory.mktemp("matrix"))


@pytest.fixture(scope="session")
def notebook(tmp_path_factory):
    """What a data scientist hands over: a DataFrame-fitted pipeline (joblib) and a CSV sample;
    (folder, pipeline, data)."""
    from .support.notebook import hand_over

    return hand_over(tmp_path_factory.mktemp("handoff"))
