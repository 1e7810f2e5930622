"""The build-time browser check: its verdicts in the built manifests, and its rules."""

import json
import shutil

import pytest

from build_scripts import browser_check
from py_pipeline import load_model
from py_pipeline.registry import scan_manifests

from ..support.pipeline_matrix import write_foreign_bundle, write_frame_bundle_without_portable_engine


def built(model_dir, name, version):
    return json.loads((model_dir / name / version / "manifest.json").read_text())


@pytest.mark.parametrize("name, version", [("iris", "1.0.0"), ("machine_failure", "1.0.0"),
                                           ("machine_failure", "1.1.0"), ("failure_type", "1.0.0")])
def test_build_marked_the_small_models_for_the_browser(model_dir, name, version):
    manifest = built(model_dir, name, version)
    assert manifest["runtimes"] == ["browser", "server"]
    assert manifest["browser_check"]["runtime"].startswith("Pyodide 0.27.7 (Python 3.12.")


def copy_as(source, root, name):
    """A copy of a bundle under another model name (the artifact and its sha256 unchanged)."""
    target = root / name / "1.0.0"
    shutil.copytree(source, target)
    manifest = json.loads((target / "manifest.json").read_text())
    (target / "manifest.json").write_text(json.dumps({**manifest, "name": name}))
    return target


@pytest.fixture(scope="module")
def checked(model_dir, tmp_path_factory):
    """One real check (one Pyodide start) over five bundles: iris as built; a pipeline whose
    transformer is not in the wheel; a DataFrame-fitted SVC (no portable engine, and no pandas
    in the browser); and two iris copies whose Pyodide answers are altered on the way back, as
    a disagreeing engine would answer: one probability off by 1e-7, and no probabilities at all."""
    root = tmp_path_factory.mktemp("check")
    iris = copy_as(model_dir / "iris" / "1.0.0", root, "iris")
    copy_as(iris, root, "iris_perturbed")
    copy_as(iris, root, "iris_no_probabilities")
    write_foreign_bundle(root / "foreign" / "1.0.0")
    write_frame_bundle_without_portable_engine(root / "frame_svc" / "1.0.0")
    started: list[list[str]] = []
    real = browser_check.run_in_pyodide

    def altered(bundles, calls, manifests=None):
        started.append(sorted(bundles))
        answers = real(bundles, calls, manifests)
        for call, answer in zip(calls, answers["calls"], strict=True):
            if call["bundle"] == "iris_perturbed@1.0.0":
                answer["result"]["probabilities"][3][0] += 1e-7
            if call["bundle"] == "iris_no_probabilities@1.0.0":
                del answer["result"]["probabilities"]
        return answers

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(browser_check, "run_in_pyodide", altered)
        verdicts = {v["model"]: v for v in browser_check.check(root)}
    return root, verdicts, started


def test_check_passes_a_model_that_matches_scikit_learn(checked):
    root, verdicts, started = checked
    assert started == [["foreign@1.0.0", "frame_svc@1.0.0", "iris@1.0.0", "iris_no_probabilities@1.0.0",
                        "iris_perturbed@1.0.0"]]
    verdict = verdicts["iris"]
    assert verdict["browser"] is True and verdict["reason"] == ""
    assert verdict["max_abs_probability_difference"] <= 1e-9
    assert built(root, "iris", "1.0.0")["runtimes"] == ["browser", "server"]


def test_check_reports_a_load_failure(checked):
    root, verdicts, _ = checked
    verdict = verdicts["foreign"]
    assert verdict["browser"] is False
    assert verdict["reason"].startswith("failed to load in Pyodide: ")
    assert "needs the module tests, which this runtime does not have" in verdict["reason"]
    manifest = built(root, "foreign", "1.0.0")
    assert manifest["runtimes"] == ["server"] and manifest["browser_check"]["reason"] == verdict["reason"]


def test_a_dataframe_fitted_model_without_portable_engine_loads_pandas_for_itself(checked):
    """No portable engine (an SVC): the scikit-learn engine runs it, fed a DataFrame, in Pyodide
    (which loads pandas for this model only) and on the server, both agreeing with scikit-learn."""
    root, verdicts, _ = checked
    verdict = verdicts["frame_svc"]
    assert verdict["browser"] is True and verdict["engine"] == "sklearn", verdict["reason"]
    assert "pandas" in verdict["imported"]
    assert list(verdict["server"]) == ["sklearn"]
    manifest = built(root, "frame_svc", "1.0.0")
    assert manifest["fitted_on"] == "dataframe"
    assert manifest["packages"] == {"portable": [], "sklearn": ["scikit-learn", "pandas"]}
    assert manifest["runtimes"] == ["browser", "server"]
    assert "SVC(probability=True) is not portable" in manifest["portable_unavailable"]
    rows = [["M", 300.0, 310.0, 1500.0, 40.0, 100]]
    assert load_model(root / "frame_svc" / "1.0.0").predict(rows)["predictions"] in ([True], [False])


@pytest.mark.parametrize("name, words", [
    ("iris_perturbed", "probabilities differ from scikit-learn by up to 1e-07"),
    ("iris_no_probabilities", "probabilities are missing or extra"),
])
def test_check_reports_a_mismatch(checked, name, words):
    root, verdicts, _ = checked
    assert verdicts[name]["browser"] is False
    assert words in verdicts[name]["reason"]
    assert built(root, name, "1.0.0")["runtimes"] == ["server"]
    index = {m["name"]: m["runtimes"] for m in json.loads((root / "index.json").read_text())["models"]}
    assert index[name] == ["server"] and index["iris"] == ["browser", "server"]


def test_heavy_model_is_server_only_for_its_size(model_dir):
    manifest = built(model_dir, "machine_failure_heavy", "1.0.0")
    assert manifest["runtimes"] == ["server"]
    # the budget judges what the browser would download: the portable engine's files
    assert manifest["browser_check"]["engine"] == "portable"
    assert manifest["portable"]["arrays"]["size"] > 25 * 1024 * 1024
    assert manifest["browser_check"]["download_bytes"] == sum(f["size"] for f in manifest["portable"].values())
    assert "over the browser size budget of 25 MB" in manifest["browser_check"]["reason"]


def test_site_ships_only_the_files_the_browser_engine_reads(site_dir):
    index = json.loads((site_dir / "models" / "index.json").read_text())
    for entry in index["models"]:
        shipped = sorted(p.name for p in (site_dir / "models" / entry["path"]).iterdir()
                         if p.suffix not in (".br", ".gz"))  # compressed copies of the same files
        if "browser" not in entry["runtimes"]:
            assert shipped == ["manifest.json"], entry
            continue
        manifest = json.loads((site_dir / "models" / entry["path"] / "manifest.json").read_text())
        profile = [manifest["profile"]["file"]] if "profile" in manifest else []  # counts only: a drift report's
        if entry["engines"]["browser"] == "portable":  # no pickle reaches the browser
            assert shipped == sorted(["manifest.json", "portable.bin", "portable.json", *profile]), entry
        else:
            assert shipped == sorted(["manifest.json", "model.joblib", *profile]), entry


def test_manifests_record_training_data_metrics_and_library_versions(model_dir):
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


def test_an_over_budget_model_is_routed_without_starting_pyodide(tmp_path, model_dir, monkeypatch):
    def must_not_start(bundles, calls):
        raise AssertionError("Pyodide was started for a model over the size budget")

    monkeypatch.setattr(browser_check, "run_in_pyodide", must_not_start)
    shutil.copytree(model_dir / "iris", tmp_path / "iris")
    verdicts = browser_check.check(tmp_path, budget_mb=0.0001)
    assert [v["browser"] for v in verdicts] == [False]
    assert verdicts[0]["runtime"] == "Pyodide not started (Python -)"
    manifest = json.loads((tmp_path / "iris" / "1.0.0" / "manifest.json").read_text())
    assert manifest["runtimes"] == ["server"]
    assert "over the browser size budget" in manifest["browser_check"]["reason"]
    load_model(tmp_path / "iris" / "1.0.0")  # the rewritten manifest still loads: the artifact is untouched
    index = json.loads((tmp_path / "index.json").read_text())
    assert index["models"][0]["runtimes"] == ["server"]
