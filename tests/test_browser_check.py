"""The build-time browser check: its verdicts in the built manifests, and its rules."""

import json
import shutil

import pytest

from build_scripts import browser_check
from py_pipeline import load_model
from py_pipeline.registry import scan_manifests

pytestmark = pytest.mark.host


def built(model_dir, name, version):
    return json.loads((model_dir / name / version / "manifest.json").read_text())


@pytest.mark.parametrize("name, version", [("iris", "1.0.0"), ("machine_failure", "1.0.0"),
                                           ("machine_failure", "1.1.0"), ("failure_type", "1.0.0")])
def test_small_models_passed_the_check_in_pyodide(model_dir, name, version):
    manifest = built(model_dir, name, version)
    assert manifest["runtimes"] == ["browser", "server"]
    check = manifest["browser_check"]
    assert check["browser"] is True and check["reason"] == ""
    assert check["runtime"].startswith("Pyodide 0.27.7 (Python 3.12.")
    assert check["golden_rows"] >= 100
    assert check["max_abs_probability_difference"] <= 1e-9


def test_heavy_model_is_server_only_for_its_size(model_dir):
    manifest = built(model_dir, "machine_failure_heavy", "1.0.0")
    assert manifest["runtimes"] == ["server"]
    assert manifest["artifact"]["size"] > 25 * 1024 * 1024
    assert "over the browser size budget of 25 MB" in manifest["browser_check"]["reason"]


def test_site_ships_only_browser_artifacts(site_dir):
    index = json.loads((site_dir / "models" / "index.json").read_text())
    for entry in index["models"]:
        artifact = site_dir / "models" / entry["path"] / "model.joblib"
        assert artifact.exists() == ("browser" in entry["runtimes"]), entry
        assert (site_dir / "models" / entry["path"] / "manifest.json").exists()


def test_manifests_record_what_the_issue_asks(model_dir):
    for name in ("machine_failure", "failure_type"):
        for directory, manifest in scan_manifests(model_dir):
            if manifest.name != name:
                continue
            extra = manifest.extra
            assert extra["training_data"]["rows"] == 10_000 and len(extra["training_data"]["sha256"]) == 64
            assert {"accuracy"} <= set(extra["metrics"])
            assert ("f1" in extra["metrics"]) or ("f1_macro" in extra["metrics"])
            assert manifest.library_versions["scikit-learn"] == "1.6.1"
            assert manifest.artifact_size == (directory / "model.joblib").stat().st_size


def test_an_over_budget_model_is_routed_without_starting_pyodide(tmp_path, model_dir):
    shutil.copytree(model_dir / "iris", tmp_path / "iris")
    verdicts = browser_check.check(tmp_path, budget_mb=0.0001)
    assert [v["browser"] for v in verdicts] == [False]
    manifest = json.loads((tmp_path / "iris" / "1.0.0" / "manifest.json").read_text())
    assert manifest["runtimes"] == ["server"]
    assert "over the browser size budget" in manifest["browser_check"]["reason"]
    load_model(tmp_path / "iris" / "1.0.0")  # the rewritten manifest still loads: the artifact is untouched
    index = json.loads((tmp_path / "index.json").read_text())
    assert index["models"][0]["runtimes"] == ["server"]


@pytest.mark.parametrize("browser, server, same, words", [
    ({"predictions": ["a"], "probabilities": [[1.0, 0.0]]}, {"predictions": ["a"], "probabilities": [[1.0, 0.0]]},
     True, ""),
    ({"predictions": ["a"], "probabilities": [[0.5, 0.5]]},
     {"predictions": ["a"], "probabilities": [[0.5 + 1e-12, 0.5]]}, True, ""),
    ({"predictions": ["a", "b"]}, {"predictions": ["a", "a"]}, False, "1 predicted labels differ"),
    ({"predictions": ["a"], "probabilities": [[0.5, 0.5]]}, {"predictions": ["a"], "probabilities": [[0.6, 0.4]]},
     False, "probabilities differ"),
])
def test_compare(browser, server, same, words):
    ok, why, _ = browser_check.compare(browser, server)
    assert ok is same and words in why
