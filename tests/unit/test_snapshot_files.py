"""Python's side of the browser's snapshot (py_pipeline/snapshot_files.py): a restored interpreter
has the modules the snapshot imported but none of the wheels' files; the last-resort finder
writes them the first time one of the wheels' own modules is missing, and never for another."""

from __future__ import annotations

import importlib
import io
import sys
import zipfile

import pytest

from py_pipeline import snapshot_files


def _wheel(package: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as wheel:
        wheel.writestr(f"{package}/__init__.py", "ANSWER = 42\n")
        wheel.writestr(f"{package}/lazy.py", "from . import ANSWER\nDOUBLE = ANSWER * 2\n")
        wheel.writestr(f"{package}-1.0.dist-info/METADATA", f"Name: {package}\nVersion: 1.0\n")
    return buffer.getvalue()


@pytest.fixture
def finder(tmp_path, monkeypatch):
    fetched: list[str] = []
    wheels = {"https://example.test/snapfake-1.0-py3-none-any.whl": _wheel("snapfake")}
    monkeypatch.setattr(snapshot_files, "_fetch", lambda url: fetched.append(url) or wheels[url])
    found = snapshot_files.FilesOnDemand()
    found.site_packages = str(tmp_path)
    found.top_level = {"snapfake"}
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, found])
    found.wheels = list(wheels)
    yield found, fetched
    for name in [n for n in sys.modules if n.partition(".")[0] == "snapfake"]:
        del sys.modules[name]


def test_a_missing_module_of_the_wheels_installs_their_files_once(finder, tmp_path):
    found, fetched = finder
    import snapfake.lazy  # noqa: PLC0415  nothing of it on disk until the finder writes it

    assert snapfake.lazy.DOUBLE == 84
    assert (tmp_path / "snapfake" / "lazy.py").is_file()
    assert (tmp_path / "snapfake-1.0.dist-info" / "METADATA").is_file()
    assert fetched == ["https://example.test/snapfake-1.0-py3-none-any.whl"] and found.installed


def test_a_probe_for_another_package_downloads_nothing(finder):
    found, fetched = finder
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("snapshot_probe_not_installed")
    assert fetched == [] and not found.installed


def test_prepare_imports_the_package_and_keeps_one_importer_per_zip(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    monkeypatch.setattr(sys, "path_importer_cache", dict(sys.path_importer_cache))
    skipped = snapshot_files.prepare(str(tmp_path), ["numpy", "py_pipeline"])
    assert "py_pipeline.bridge" in sys.modules and "py_pipeline.bridge" not in skipped
    assert snapshot_files.FINDER in sys.meta_path and snapshot_files.FINDER.top_level == {"numpy", "py_pipeline"}
    assert not any(getattr(f, "prefix", "") for f in sys.path_importer_cache.values()
                   if type(f).__name__ == "zipimporter")
