"""Runtime tier: the built wheel inside Pyodide under Node. Every browser-eligible model and
the small-pipeline matrix are compared with scikit-learn's own answers on CPython (golden
rows), errors with CPython's (bad rows, tampered bundles)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from py_pipeline import PipelineError, load_model
from py_pipeline.bundle import read_manifest, without_portable, write_manifest
from py_pipeline.registry import scan_manifests

from build_scripts.reference import sklearn_answer, spec_of, tolerance_for

from ..support.bundles import edit_manifest
from ..support.parity import (assert_same_predictions, bad_row_sets, browser_models, bundle_dir, golden_rows, model_ids,
                              reference)
from ..support.paths import MODELS, PYODIDE, ROOT, require
from ..support.pipeline_matrix import MATRIX, NOT_IN_PYODIDE, NOT_PORTABLE


def run_pyodide(bundles: dict, calls: list, allow_pickle: bool = True) -> dict:
    require(PYODIDE / "pyodide-lock.json")
    job = {"bundles": {k: str(v) for k, v in bundles.items()}, "calls": calls, "allow_pickle": allow_pickle}
    done = subprocess.run(["node", str(ROOT / "build_scripts" / "pyodide_run.mjs"), str(PYODIDE)],
                          input=json.dumps(job), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def answers(model_dir, matrix):
    """Two Pyodide starts. The first runs only models with a portable engine: every browser
    model (golden rows and bad rows) and the portable matrix pipelines (their data set's rows),
    so it can show that nothing but numpy was imported. The second runs the matrix pipelines
    that keep the scikit-learn engine."""
    portable, pickled = {}, {}
    for key, (directory, rows) in matrix.items():
        (pickled if key in NOT_PORTABLE else portable)[key] = (directory, [rows])
    for m in browser_models():
        portable[f"{m.name}@{m.version}"] = (bundle_dir(m), [golden_rows(m)] + list(bad_row_sets(m)))
    out, index = {"load": {}, "calls": [], "engines": {}, "modules": {}}, {}
    for run_name, bundles in (("portable", portable), ("pickled", pickled)):
        calls = []
        for key, (_, row_sets) in bundles.items():
            index[key] = len(out["calls"]) + len(calls)
            calls.extend({"bundle": key, "rows": rows} for rows in row_sets)
        answered = run_pyodide({k: d for k, (d, _) in bundles.items()}, calls)
        out["calls"].extend(answered["calls"])
        out["load"].update(answered["load"])
        out["engines"].update(answered["engines"])
        out["modules"][run_name] = answered["modules"]
        out["python"], out["pyodide"] = answered["python"], answered["pyodide"]
    return out, index


def test_portable_models_run_in_pyodide_on_numpy_alone(answers):
    out, _ = answers
    assert out["modules"]["portable"] == []  # no scikit-learn, scipy, joblib or pandas in sys.modules
    assert out["modules"]["pickled"] == ["joblib", "scipy", "sklearn"]  # the check can see them
    for m in browser_models():
        assert out["engines"][f"{m.name}@{m.version}"] == "portable"
    for key in MATRIX:
        if key not in NOT_IN_PYODIDE:
            assert out["engines"][key] == ("sklearn" if key in NOT_PORTABLE else "portable"), key


def test_pyodide_refuses_pickles_when_asked(matrix):
    keys = ["iris_logistic_multinomial", "iris_nearest_centroid"]
    out = run_pyodide({k: matrix[k][0] for k in keys}, [], allow_pickle=False)
    assert out["load"]["iris_logistic_multinomial"]["ok"]
    refused = out["load"]["iris_nearest_centroid"]["error"]
    assert refused["code"] == "model_unavailable"
    assert "refuses pickled models" in refused["message"] and "NearestCentroid" in refused["message"]
    assert out["modules"] == []


def test_runs_cpython_3_12_in_pyodide_0_27_7(answers):
    out, _ = answers
    assert out["python"].startswith("3.12.") and out["pyodide"] == "0.27.7"


def test_every_browser_model_is_checked():
    names = {m.name for m in browser_models()}
    assert {"iris", "machine_failure", "failure_type"} <= names
    assert "machine_failure_heavy" not in names


@pytest.mark.parametrize("key", model_ids())
def test_model_loads_with_its_manifest(answers, key):
    out, _ = answers
    name, version = key.split("@")
    answer = out["load"][key]
    assert answer["ok"], answer
    assert answer["result"] == json.loads((MODELS / name / version / "manifest.json").read_text())


@pytest.mark.parametrize("key", model_ids())
def test_predictions_equal_cpython(answers, key):
    out, index = answers
    manifest = next(m for m in browser_models() if f"{m.name}@{m.version}" == key)
    answer = out["calls"][index[key]]
    assert answer["ok"], answer
    assert len(answer["result"]["predictions"]) == len(golden_rows(manifest))
    assert_same_predictions(answer["result"], reference(manifest, golden_rows(manifest)))


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_matrix_pipeline_equals_scikit_learn_in_pyodide(answers, matrix, key):
    out, index = answers
    directory, rows = matrix[key]
    if key in NOT_IN_PYODIDE:  # refused with the reason, as the build check reports it
        assert out["load"][key]["error"]["code"] == "invalid_bundle"
        assert NOT_IN_PYODIDE[key] in out["load"][key]["error"]["message"]
        return
    assert out["load"][key]["ok"], out["load"][key]
    answer = out["calls"][index[key]]
    assert answer["ok"], answer
    assert_same_predictions(answer["result"], sklearn_answer(directory, rows), tolerance_for(spec_of(directory)))


@pytest.mark.parametrize("key", model_ids())
def test_errors_equal_cpython(answers, key):
    out, index = answers
    manifest = next(m for m in browser_models() if f"{m.name}@{m.version}" == key)
    model = load_model(bundle_dir(manifest))
    for offset, rows in enumerate(bad_row_sets(manifest), start=1):
        answer = out["calls"][index[key] + offset]
        assert not answer["ok"], rows
        with pytest.raises(PipelineError) as caught:
            model.predict(rows)
        assert answer["error"] == caught.value.to_dict()


def tamper(tmp_path, how):
    source = next(d for d, m in scan_manifests(MODELS) if m.name == "machine_failure")
    target = tmp_path / "bundle"
    shutil.copytree(source, target)
    how(target)
    return target


def flip_last_byte(file):
    def flip(target):
        data = (target / file).read_bytes()
        (target / file).write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    return flip


def pickle_only(target):
    """The bundle as a model without a portable engine would be: only the pickle is left."""
    write_manifest(target, without_portable(target, read_manifest(target), "removed by the test"))


def other_scikit_learn(target):
    pickle_only(target)
    edit_manifest(target, lambda m: m["library_versions"].update({"scikit-learn": "1.5.2"}))


def other_numpy(target):
    pickle_only(target)
    edit_manifest(target, lambda m: m["library_versions"].update(numpy="1.26.4"))


def renamed_feature(target):
    edit_manifest(target, lambda m: m["features"][4].update(name="torque_kgm"))


def flipped_pickle(target):
    pickle_only(target)
    flip_last_byte("model.joblib")(target)


# name -> (how, the error code both runtimes must give)
TAMPERINGS = {"portable_arrays": (flip_last_byte("portable.bin"), "integrity_error"),
              "portable_spec": (flip_last_byte("portable.json"), "integrity_error"),
              "pickle": (flipped_pickle, "integrity_error"),
              "other_scikit_learn": (other_scikit_learn, "incompatible_model"),
              "other_numpy": (other_numpy, "incompatible_model"),
              "renamed_feature": (renamed_feature, "schema_mismatch")}


@pytest.fixture(scope="module")
def tampered(tmp_path_factory):
    """Bad copies of a bundle, all loaded in one Pyodide run."""
    dirs = {name: tamper(tmp_path_factory.mktemp(name), how) for name, (how, _) in TAMPERINGS.items()}
    return dirs, run_pyodide(dirs, [])["load"]


@pytest.mark.parametrize("name", TAMPERINGS)
def test_bad_bundles_are_refused_in_pyodide_as_on_cpython(tampered, name):
    dirs, loaded = tampered
    answer = loaded[name]
    with pytest.raises(PipelineError) as caught:
        load_model(dirs[name])
    assert answer["ok"] is False
    assert answer["error"]["code"] == caught.value.code == TAMPERINGS[name][1]
    assert answer["error"]["message"] == caught.value.message
    if name == "other_numpy":
        assert "built with numpy 1.26.4, but this runtime has 2.0.2" in answer["error"]["message"]
