"""Files the browser's interpreter lacks (py_pipeline/on_demand.py, snapshot_files.py): a restored
interpreter has the modules the snapshot imported but none of the wheels' files, and a site's
runtime is trimmed to what its models import (build_scripts/trim.py). The last-resort finder
writes an archive's files the first time one of its missing modules is imported, and never for a
module it does not hold."""

from __future__ import annotations

import importlib
import io
import json
import sys
import zipfile

import pytest

from build_scripts import trim
from py_pipeline import on_demand, snapshot_files
from py_pipeline.on_demand import Source


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


WHEEL = _zip({"snapfake/__init__.py": "ANSWER = 42\n",
              "snapfake/lazy.py": "from . import ANSWER\nDOUBLE = ANSWER * 2\n",
              "snapfake-1.0.dist-info/METADATA": "Name: snapfake\nVersion: 1.0\n"})
#: A "standard library" of three modules; the trimmed copy keeps the package and ``kept``.
FULL_LIBRARY = {"fakelib/__init__.py": "", "fakelib/kept.py": "X = 1\n",
                "fakelib/rare.py": "from fakelib.kept import X\nY = X + 1\n", "fakelib/notes.txt": "data\n"}


@pytest.fixture
def isolated(monkeypatch):
    """sys.meta_path and the import caches restored afterwards, the fake modules forgotten."""
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    monkeypatch.setattr(sys, "path_importer_cache", dict(sys.path_importer_cache))
    yield monkeypatch
    for name in [n for n in sys.modules if n.partition(".")[0] in ("snapfake", "fakelib")]:
        del sys.modules[name]


@pytest.fixture
def fetched(isolated):
    archives = {"https://example.test/snapfake-1.0-py3-none-any.whl": WHEEL,
                "https://example.test/full/fakelib.zip": _zip(FULL_LIBRARY)}
    asked: list[str] = []
    isolated.setattr(on_demand, "_fetch", lambda url: asked.append(url) or archives[url])
    return asked


def test_a_missing_module_of_a_wheel_installs_its_files_once(fetched, tmp_path, isolated):
    isolated.syspath_prepend(str(tmp_path))
    on_demand.FINDER.sources = [Source("https://example.test/snapfake-1.0-py3-none-any.whl", str(tmp_path),
                                       packages=frozenset({"snapfake"}))]
    on_demand.FINDER.install()
    import snapfake.lazy  # noqa: PLC0415  nothing of it on disk until the finder writes it

    assert snapfake.lazy.DOUBLE == 84
    assert (tmp_path / "snapfake-1.0.dist-info" / "METADATA").is_file()
    assert fetched == ["https://example.test/snapfake-1.0-py3-none-any.whl"]


def test_a_probe_for_a_module_no_archive_holds_downloads_nothing(fetched, tmp_path):
    on_demand.FINDER.sources = [Source("https://example.test/full/fakelib.zip", str(tmp_path),
                                       names=frozenset({"fakelib.rare"}))]
    on_demand.FINDER.install()
    for name in ("snapshot_probe_not_installed", "fakelib_other"):
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module(name)
    assert fetched == []


def test_a_trimmed_archive_keeps_what_was_asked_for_compiled_and_the_rest_comes_on_demand(fetched, tmp_path, isolated):
    full = tmp_path / "full.zip"
    full.write_bytes(_zip(FULL_LIBRARY))
    trimmed = tmp_path / "lib" / "fakelib.zip"
    trimmed.parent.mkdir()
    keep = trim.kept_modules({"modules": ["fakelib.kept"]})
    left_out = trim.trim_archive(full, trimmed, keep, "full/fakelib.zip", str(trimmed))
    assert left_out == ["fakelib.rare"]
    with zipfile.ZipFile(trimmed) as archive:
        assert sorted(archive.namelist()) == ["fakelib/__init__.pyc", "fakelib/kept.pyc", "trimmed.json"]
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}
        assert json.loads(archive.read("trimmed.json")) == {"full": "full/fakelib.zip", "left_out": ["fakelib.rare"]}
    # the same modules give the same bytes (one compressed copy, one build id)
    again = tmp_path / "again.zip"
    trim.trim_archive(full, again, keep, "full/fakelib.zip", str(trimmed))
    assert again.read_bytes() == trimmed.read_bytes()

    isolated.syspath_prepend(str(trimmed))
    (tmp_path / "site-packages").mkdir()
    assert on_demand.serve("https://example.test/", str(tmp_path / "site-packages")) == 1
    unpacked = tmp_path / "lib" / "python{}.{}".format(*sys.version_info[:2])  # beside the zip
    (source,) = on_demand.FINDER.sources
    assert source.url == "https://example.test/full/fakelib.zip" and source.folder == str(unpacked)
    import fakelib.kept  # noqa: PLC0415  from the trimmed zip, byte code without its source

    assert fakelib.kept.__file__.endswith("kept.pyc") and fetched == []
    import fakelib.rare  # noqa: PLC0415  left out: the full archive is fetched, unpacked beside, imported

    assert fakelib.rare.Y == 2 and fetched == ["https://example.test/full/fakelib.zip"]
    assert fakelib.rare.__file__ == str(unpacked / "fakelib" / "rare.py")


def test_module_of_names_modules_not_data():
    assert trim.module_of("email/__init__.py") == "email"
    assert trim.module_of("email/mime/text.py") == "email.mime.text"
    extension = "numpy/_core/_multiarray_umath.cpython-312-wasm32-emscripten.so"
    assert trim.module_of(extension) == "numpy._core._multiarray_umath"
    assert trim.module_of("numpy/_core/include/numpy/ndarraytypes.h") is None
    assert trim.module_of("numpy/__init__.pyi") is None


def test_a_trimmed_wheel_is_named_by_its_content():
    official = "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"
    one, other = trim.content_name(official, "ab" * 32), trim.content_name(official, "cd" * 32)
    assert one == "numpy-2.0.2-0trimmedabababababab-cp312-cp312-pyodide_2024_0_wasm32.whl" and one != other
    with pytest.raises(SystemExit, match="build tag"):
        trim.content_name("numpy-2.0.2-1-cp312-cp312-pyodide_2024_0_wasm32.whl", "ab" * 32)


def test_prepare_imports_the_package_and_keeps_one_importer_per_zip(isolated, tmp_path):
    skipped = snapshot_files.prepare(str(tmp_path), {"py_pipeline-0.1.0-py3-none-any.whl": ["py_pipeline"]})
    assert "py_pipeline.bridge" in sys.modules and "py_pipeline.bridge" not in skipped
    assert on_demand.FINDER in sys.meta_path
    assert not any(getattr(f, "prefix", "") for f in sys.path_importer_cache.values()
                   if type(f).__name__ == "zipimporter")
    snapshot_files.serve("https://example.test/pyodide/")
    (source,) = on_demand.FINDER.sources
    assert source.url == "https://example.test/pyodide/py_pipeline-0.1.0-py3-none-any.whl"
    assert source.packages == {"py_pipeline"} and source.folder == str(tmp_path)


def test_a_restored_interpreter_fetches_a_trimmed_wheel_whole(isolated, tmp_path):
    info = tmp_path / "snapfake-1.0.dist-info"
    info.mkdir()
    (info / on_demand.DESCRIPTION).write_text(json.dumps({"full": "full/snapfake-1.0-py3-none-any.whl",
                                                          "left_out": ["snapfake.lazy"]}))
    trimmed_name = "snapfake-1.0-0trimmed0123456789ab-py3-none-any.whl"
    snapshot_files.prepare(str(tmp_path), {trimmed_name: ["snapfake"]})
    snapshot_files.serve("https://example.test/pyodide/")
    (source,) = on_demand.FINDER.sources
    assert source.url == "https://example.test/pyodide/full/snapfake-1.0-py3-none-any.whl"
    assert source.packages == {"snapfake"}
