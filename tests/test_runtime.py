"""Runtime tier: the built wheel and model inside Pyodide under Node, compared with CPython."""

from __future__ import annotations

import json
import subprocess

import pytest

from py_pipeline import InvalidInput, load_model

from .conftest import PYODIDE, ROOT, require
from .parity import BAD_ROW_SETS, assert_same_predictions, golden_rows

pytestmark = pytest.mark.runtime


@pytest.fixture(scope="module")
def pyodide_answers(iris_dir):
    """One Pyodide start for the whole module: load iris, predict the golden set and the bad rows."""
    require(PYODIDE / "pyodide-lock.json")
    job = {"bundles": {"iris": str(iris_dir)},
           "calls": [{"bundle": "iris", "rows": golden_rows()}]
           + [{"bundle": "iris", "rows": rows} for rows in BAD_ROW_SETS]}
    done = subprocess.run(["node", str(ROOT / "build_scripts" / "pyodide_run.mjs"), str(PYODIDE)],
                          input=json.dumps(job), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_runs_cpython_3_12_in_pyodide(pyodide_answers):
    assert pyodide_answers["python"].startswith("3.12.")


def test_model_loads_with_integrity_checked(pyodide_answers, iris_dir):
    answer = pyodide_answers["load"]["iris"]
    assert answer["ok"], answer
    assert answer["result"] == json.loads((iris_dir / "manifest.json").read_text())


def test_predictions_equal_cpython(pyodide_answers, iris_dir):
    answer = pyodide_answers["calls"][0]
    assert answer["ok"], answer
    reference = load_model(iris_dir).predict(golden_rows())
    assert len(answer["result"]["predictions"]) == len(golden_rows())
    assert_same_predictions(answer["result"], reference)


@pytest.mark.parametrize("index", range(len(BAD_ROW_SETS)))
def test_errors_equal_cpython(pyodide_answers, iris_dir, index):
    answer = pyodide_answers["calls"][1 + index]
    assert not answer["ok"]
    with pytest.raises(InvalidInput) as caught:
        load_model(iris_dir).predict(BAD_ROW_SETS[index])
    assert answer["error"] == caught.value.to_dict()


def test_tampered_artifact_is_refused_in_pyodide(bundle_copy):
    artifact = bundle_copy / "model.joblib"
    artifact.write_bytes(artifact.read_bytes()[:-1] + b"X")
    job = {"bundles": {"iris": str(bundle_copy)}, "calls": []}
    done = subprocess.run(["node", str(ROOT / "build_scripts" / "pyodide_run.mjs"), str(PYODIDE)],
                          input=json.dumps(job), capture_output=True, text=True, timeout=300)
    answer = json.loads(done.stdout)["load"]["iris"]
    assert answer["ok"] is False and answer["error"]["code"] == "integrity_error"
