"""Runtime tier: the built wheel inside Pyodide under Node. Every browser-eligible model and
the small-pipeline matrix are compared with scikit-learn's own answers on CPython (golden
rows), errors with CPython's (bad rows, tampered bundles)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from py_pipeline import PipelineError, load_model
from py_pipeline.registry import scan_manifests

from .conftest import MODELS, PYODIDE, ROOT, edit_manifest, require
from build_scripts.reference import sklearn_answer

from .parity import (assert_same_predictions, bad_row_sets, browser_models, bundle_dir, golden_rows, model_ids,
                     reference)
from .pipeline_matrix import MATRIX, NOT_IN_PYODIDE

pytestmark = pytest.mark.runtime


def run_pyodide(bundles: dict, calls: list) -> dict:
    require(PYODIDE / "pyodide-lock.json")
    done = subprocess.run(["node", str(ROOT / "build_scripts" / "pyodide_run.mjs"), str(PYODIDE)],
                          input=json.dumps({"bundles": {k: str(v) for k, v in bundles.items()}, "calls": calls}),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def answers(model_dir, matrix):
    """One Pyodide start: every browser model (golden rows and bad rows) and every matrix
    pipeline (its data set's rows)."""
    bundles, calls, index = {}, [], {}
    for key, (directory, rows) in matrix.items():
        bundles[key] = directory
        index[key] = len(calls)
        calls.append({"bundle": key, "rows": rows})
    for m in browser_models():
        key = f"{m.name}@{m.version}"
        bundles[key] = bundle_dir(m)
        index[key] = len(calls)
        calls.append({"bundle": key, "rows": golden_rows(m)})
        calls.extend({"bundle": key, "rows": rows} for rows in bad_row_sets(m))
    out = run_pyodide(bundles, calls)
    return out, index


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
    assert_same_predictions(answer["result"], sklearn_answer(directory, rows))


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


def flip_last_byte(target):
    data = (target / "model.joblib").read_bytes()
    (target / "model.joblib").write_bytes(data[:-1] + bytes([data[-1] ^ 1]))


def other_scikit_learn(target):
    edit_manifest(target, lambda m: m["library_versions"].update({"scikit-learn": "1.5.2"}))


def other_numpy(target):
    edit_manifest(target, lambda m: m["library_versions"].update(numpy="1.26.4"))


def renamed_feature(target):
    edit_manifest(target, lambda m: m["features"][4].update(name="torque_kgm"))


TAMPERINGS = {"integrity_error": flip_last_byte, "incompatible_model": other_scikit_learn,
              "incompatible_numpy": other_numpy, "schema_mismatch": renamed_feature}


@pytest.fixture(scope="module")
def tampered(tmp_path_factory):
    """Bad copies of a bundle, all loaded in one Pyodide run."""
    dirs = {code: tamper(tmp_path_factory.mktemp(code), how) for code, how in TAMPERINGS.items()}
    return dirs, run_pyodide(dirs, [])["load"]


@pytest.mark.parametrize("code", TAMPERINGS)
def test_bad_bundles_are_refused_in_pyodide_as_on_cpython(tampered, code):
    dirs, loaded = tampered
    answer = loaded[code]
    with pytest.raises(PipelineError) as caught:
        load_model(dirs[code])
    assert answer["ok"] is False
    assert answer["error"]["code"] == caught.value.code == code.replace("incompatible_numpy", "incompatible_model")
    assert answer["error"]["message"] == caught.value.message
    if code == "incompatible_numpy":
        assert "built with numpy 1.26.4, but this runtime has 2.0.2" in answer["error"]["message"]
