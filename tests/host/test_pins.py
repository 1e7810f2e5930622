"""The server's scientific stack is exactly the one Pyodide ships (its lock file says which)."""

import json
import re
import tomllib
from importlib.metadata import version

import pytest

from build_scripts.paths import OFFICIAL_LOCK, ROOT
from build_scripts.pyodide_dist import ROOT_PACKAGES, SCIKIT_LEARN_PACKAGES


@pytest.fixture(scope="module")
def pyodide_versions():
    lock = json.loads(OFFICIAL_LOCK.read_text())
    return {name: lock["packages"][name]["version"] for name in ROOT_PACKAGES + SCIKIT_LEARN_PACKAGES}


def pins_in(lines):
    pins = {}
    for line in lines:
        match = re.match(r"^\s*([A-Za-z0-9_.\-]+)==([^\s;#]+)", line)
        if match:
            pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


def test_pyproject_pins_match_pyodide(pyodide_versions):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert pins_in(project["dependencies"]) == {name: pyodide_versions[name] for name in ROOT_PACKAGES}
    assert pins_in(project["optional-dependencies"]["sklearn"]) == {
        name: pyodide_versions[name] for name in SCIKIT_LEARN_PACKAGES}


def test_lock_file_pins_match_pyodide(pyodide_versions):
    pins = pins_in((ROOT / "requirements.lock").read_text().splitlines())
    assert {name: pins.get(name) for name in pyodide_versions} == pyodide_versions


def test_the_containers_lock_is_the_full_lock_cut_to_the_server(pyodide_versions):
    """The Dockerfile installs requirements-server.lock: the same versions the tests ran with,
    the production server's own packages included, and nothing of the test or build tools."""
    full = pins_in((ROOT / "requirements.lock").read_text().splitlines())
    server = pins_in((ROOT / "requirements-server.lock").read_text().splitlines())
    assert {name: full.get(name) for name in server} == server
    assert {"flask", "granian", "orjson", "prometheus-client"} | set(pyodide_versions) <= set(server)
    assert not {"pytest", "gunicorn", "playwright", "pyodide-build"} & set(server)


def test_installed_versions_match_pyodide(pyodide_versions):
    assert {name: version(name) for name in pyodide_versions} == pyodide_versions


def test_site_lock_lists_our_wheel_with_numpy_alone(site_dir):
    """loadPackage("py-pipeline") brings numpy and nothing more: a portable model needs no more."""
    lock = json.loads((site_dir / "pyodide" / "pyodide-lock.json").read_text())
    entry = lock["packages"]["py-pipeline"]
    assert set(entry["depends"]) == set(ROOT_PACKAGES) == {"numpy"}
    assert (site_dir / "pyodide" / entry["file_name"]).exists()
    assert lock["info"]["version"] == "0.27.7"
