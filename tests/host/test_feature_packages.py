"""Feature packages (build_scripts/feature_packages.py): a folder with a pyproject.toml becomes the
pure-Python wheel a bundle carries; what it may require is what the site's Pyodide has; the
manifest lists it and refuses a malformed entry, naming the field."""

from __future__ import annotations

import json
import textwrap

import pytest

from build_scripts.feature_packages import PackageError, build_package
from py_pipeline.bundle import Manifest
from py_pipeline.errors import InvalidBundle

from ..support.paths import ROOT


def package(folder, dependencies='["numpy"]', extra=""):
    (folder / "tiny_steps").mkdir(parents=True)
    (folder / "tiny_steps" / "__init__.py").write_text("import numpy as np\n")
    (folder / "pyproject.toml").write_text(textwrap.dedent(f'''
        [build-system]
        requires = ["setuptools>=75"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "Tiny.Steps"
        version = "2.1.0"
        dependencies = {dependencies}
        {extra}
        [tool.setuptools]
        packages = ["tiny_steps"]
    '''))
    return folder


def test_a_package_builds_into_a_pure_wheel_with_what_it_provides_and_requires(tmp_path):
    built = build_package(package(tmp_path / "src", extra='[project.optional-dependencies]\nfit = ["scikit-learn", '
                                                          '"torch"]\n'), tmp_path / "wheels")
    assert built.wheel.name == "tiny_steps-2.1.0-py3-none-any.whl" and built.wheel.parent.parent == tmp_path / "wheels"
    # the lock's spelling; an extra (needed to fit) is not required to predict, even one Pyodide lacks
    assert (built.name, built.version, built.imports, built.depends) == ("tiny-steps", "2.1.0", ("tiny_steps",),
                                                                         ("numpy",))
    entry = built.entry()
    assert entry["file"] == built.wheel.name and len(entry["sha256"]) == 64 and entry["size"] == built.wheel.stat().st_size
    assert sorted(p.name for p in (tmp_path / "src").iterdir()) == ["pyproject.toml", "tiny_steps"]  # nothing written


@pytest.mark.parametrize("dependencies, words", [
    ('["torch"]', "requires torch, which the site's Pyodide does not carry"),
    ('["numpy>=3"]', "requires numpy>=3, but Pyodide's lock has numpy 2.0.2"),
])
def test_a_requirement_pyodide_cannot_meet_is_refused(tmp_path, dependencies, words):
    with pytest.raises(PackageError, match=words.replace("(", r"\(")):
        build_package(package(tmp_path / "src", dependencies), tmp_path / "wheels")


def test_a_folder_without_pyproject_is_not_a_package(tmp_path):
    with pytest.raises(PackageError, match="has no pyproject.toml"):
        build_package(tmp_path, tmp_path / "wheels")


def test_the_import_command_names_a_bad_package_without_a_traceback(tmp_path):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "build_scripts.import_model", str(tmp_path / "m.joblib"),
                           "--name", "m", "--version", "1", "--models", str(tmp_path / "models"),
                           "--package", str(package(tmp_path / "src", '["torch"]'))],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "import failed: feature package tiny-steps requires torch" in done.stderr


def test_the_manifest_names_a_malformed_feature_package_entry(iris_dir):
    data = json.loads((iris_dir / "manifest.json").read_text())
    good = {"name": "x", "version": "1", "file": "x-1-py3-none-any.whl", "sha256": "0" * 64, "size": 1,
            "imports": ["x"], "depends": []}
    assert Manifest.from_dict({**data, "feature_packages": [good]}).packages_for("portable") == ["x"]
    for bad, field in (({**good, "file": "../x.whl"}, "feature_packages[0].file"),
                       ({**good, "file": "x.zip"}, "feature_packages[0].file"),
                       ({**good, "imports": ["not a module"]}, "feature_packages[0].imports"),
                       ({**good, "version": ""}, "feature_packages[0].version")):
        with pytest.raises(InvalidBundle, match=field.replace("[", r"\[").replace("]", r"\]")):
            Manifest.from_dict({**data, "feature_packages": [bad]})
