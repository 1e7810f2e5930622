"""Pipelines pickled by other scikit-learn releases (1.4.2 with numpy 1, 1.5.2, 1.7.2, 1.8.0 and
1.9.1), each a linear and a boosted pipeline fitted on a DataFrame (tests/fixtures/other_sklearn,
made by its make_fixtures.py). The import reads each pickle's versions without running it, loads,
exports and checks it in a build environment of its own (built once, cached outside the clone),
and the browser and the server answer exactly as the pipeline did in its own environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from build_scripts.browser_check import run_in_pyodide
from build_scripts.build_envs import SUPPORTED, BuildEnv, Unsupported, ensure, fitted_versions, pickle_runs_on_server
from py_pipeline import load_model
from py_pipeline.errors import IncompatibleModel
from server_fallback import create_app

from ..support.paths import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "other_sklearn"
RELEASES = {"1.4.2": 1, "1.5.2": 2, "1.7.2": 2, "1.8.0": 2, "1.9.1": 2}
#: one per release first, so two imports at a time build two environments at a time
CASES = [(kind, release) for kind in ("linear", "boosted") for release in RELEASES]


def import_model(path, models, name, *extra):
    return subprocess.run([sys.executable, "-m", "build_scripts.import_model", str(path), "--sample",
                           str(FIXTURES / "sample.csv"), "--target", "grade", "--name", name, "--version", "1.0.0",
                           "--models", str(models), *extra],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)


def key(kind, release):
    return f"{kind}_{release.replace('.', '_')}"


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """Every fixture imported as a user would (the Pyodide check left to one run below)."""
    models = tmp_path_factory.mktemp("other_sklearn") / "models"
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda case: import_model(FIXTURES / f"{case[0]}-{case[1]}.joblib", models, key(*case),
                                                       "--no-check"), CASES))
    for case, result in zip(CASES, done):
        assert result.returncode == 0, (case, result.stderr[-3000:])
    return models


def recorded(kind, release):
    return json.loads((FIXTURES / f"{kind}-{release}.answers.json").read_text())


def sample_rows():
    import pandas as pd

    return pd.read_csv(FIXTURES / "sample.csv").drop(columns=["grade"])[["area", "rooms", "age", "district"]]


def assert_same(answer, expected):
    assert answer["predictions"] == expected["predictions"]
    assert np.abs(np.asarray(answer["probabilities"]) - np.asarray(expected["probabilities"])).max() <= 1e-9


@pytest.mark.parametrize("kind, release", CASES)
def test_versions_are_read_from_the_pickle_without_running_it(kind, release):
    fitted = fitted_versions(FIXTURES / f"{kind}-{release}.joblib")
    assert (fitted.sklearn, fitted.numpy_major) == (release, RELEASES[release])
    assert fitted.env().sklearn == SUPPORTED[release.rsplit(".", 1)[0]]
    assert not pickle_runs_on_server({"scikit-learn": release, "numpy": "2.0.2"})


def test_each_imports_onto_the_portable_engine_and_answers_as_in_its_own_environment(imported):
    manifests = {key(*c): json.loads((imported / key(*c) / "1.0.0" / "manifest.json").read_text()) for c in CASES}
    for (kind, release), name in zip(CASES, manifests):
        manifest = manifests[name]
        assert manifest["library_versions"]["scikit-learn"] == release  # loaded and re-pickled in its own
        assert manifest["engines"] == {"browser": "portable", "server": "portable"}
        assert manifest["packages"]["portable"] == []
    rows = sample_rows()
    frame_rows = [[None if v != v else v for v in row] for row in rows.itertuples(index=False)]
    names = [key(*c) for c in CASES]
    browser = run_in_pyodide({n: imported / n / "1.0.0" for n in names},
                             [{"bundle": n, "rows": frame_rows} for n in names])
    client = create_app({"TESTING": True, "MODEL_DIR": str(imported), "SITE_DIR": ""}).test_client()
    for (kind, release), name, in_pyodide in zip(CASES, names, browser["calls"]):
        expected = recorded(kind, release)
        assert expected["sklearn"] == release
        assert browser["load"][name]["ok"] and in_pyodide["ok"], (name, in_pyodide)
        assert_same(in_pyodide["result"], expected)
        served = client.post(f"/api/v1/models/{name}/predict", json={"rows": frame_rows})
        assert served.status_code == 200, served.get_json()
        assert_same(served.get_json(), expected)
    # the server's scikit-learn engine is the project's: it refuses the other release's pickle, saying so
    with pytest.raises(IncompatibleModel, match="was built with scikit-learn 1.9.1, but this runtime has 1.6.1"):
        load_model(imported / "linear_1_9_1" / "1.0.0", engine="sklearn")


def test_an_unsupported_release_gets_one_line_naming_it_and_what_to_do(tmp_path, monkeypatch):
    import joblib
    import sklearn.base
    from sklearn.linear_model import LogisticRegression

    monkeypatch.setattr(sklearn.base, "__version__", "1.3.2")  # what the estimator's state records
    joblib.dump(LogisticRegression().fit([[0.0], [1.0]], ["a", "b"]), tmp_path / "old.joblib")
    with pytest.raises(Unsupported):
        fitted_versions(tmp_path / "old.joblib").env()
    done = import_model(tmp_path / "old.joblib", tmp_path / "models", "old")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()[-1:]
    assert line.startswith("import failed: the model was fitted with scikit-learn 1.3.2, which the import does not "
                           "support (supported: 1.4.2, 1.5.2, 1.6.1, 1.7.2, 1.8.0, 1.9.1): refit it")
    assert not (tmp_path / "models" / "old").exists()


def test_a_model_from_another_release_that_is_not_portable_is_refused_with_the_reason(imported, tmp_path):
    """Fitted in 1.9.1's environment (built by the import above): a nearest-centroid model has no portable engine, and
    the server's scikit-learn engine cannot run a 1.9.1 pickle, so the import refuses it."""
    python = ensure(BuildEnv("1.9.1", 2))
    script = ("import joblib, pandas as pd, sys; from sklearn.neighbors import NearestCentroid; "
              "X = pd.read_csv(sys.argv[1])[['area', 'rooms', 'age']]; "
              "joblib.dump(NearestCentroid().fit(X, X.area > 100), sys.argv[2])")
    subprocess.run([str(python), "-c", script, str(FIXTURES / "sample.csv"), str(tmp_path / "svc.joblib")],
                   check=True, timeout=120)
    done = import_model(tmp_path / "svc.joblib", tmp_path / "models", "svc", "--no-check")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "import failed: the model is not portable (NearestCentroid is not one of the estimators" in done.stderr
    assert "was fitted with scikit-learn 1.9.1, but the browser and the server's scikit-learn engine run 1.6.1: " \
           "refit it with scikit-learn 1.6.1" in done.stderr
    assert not (tmp_path / "models" / "svc").exists()


@pytest.mark.parametrize("release", ["1.6.1", *RELEASES])
def test_every_family_exports_in_every_release(release):
    """Each estimator and step of the exporter's table, fitted inside the release's own environment
    (tests/fixtures/other_sklearn/families.py), exports and answers as that release does."""
    python = sys.executable if release == "1.6.1" else ensure(BuildEnv(release, RELEASES[release]))
    done = subprocess.run([str(python), str(FIXTURES / "families.py")], capture_output=True, text=True, timeout=300,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout)
    assert out["sklearn"] == release
    assert len(out["checked"]) >= 30
    assert {name: said for name, said in out["checked"].items() if said != "ok"} == {}


def test_a_booster_pipeline_from_another_release_imports_in_an_environment_with_its_library(tmp_path):
    """A scikit-learn 1.9.1 pipeline ending in an LGBMClassifier: the pickle names lightgbm, so its
    build environment (keyed by lightgbm's pinned version too) has it; exported there, portable."""
    env = BuildEnv("1.9.1", 2, ("lightgbm",))
    assert "lightgbm-4.7.0" in env.key and "lightgbm==4.7.0" in env.requirements
    python = ensure(env)
    script = ("import joblib, json, pandas as pd, sys; from lightgbm import LGBMClassifier; "
              "from sklearn.compose import ColumnTransformer; from sklearn.pipeline import make_pipeline; "
              "from sklearn.preprocessing import OrdinalEncoder; "
              "s = pd.read_csv(sys.argv[1]); X, y = s.drop(columns=['grade']), s.grade; "
              "p = make_pipeline(ColumnTransformer([('d', OrdinalEncoder(), ['district'])], remainder='passthrough'), "
              "LGBMClassifier(n_estimators=30, verbose=-1)).fit(X, y); joblib.dump(p, sys.argv[2]); "
              "json.dump({'predictions': p.predict(X).tolist(), 'probabilities': p.predict_proba(X).tolist()}, "
              "open(sys.argv[3], 'w'))")
    subprocess.run([str(python), "-c", script, str(FIXTURES / "sample.csv"), str(tmp_path / "lgbm.joblib"),
                    str(tmp_path / "answers.json")], check=True, timeout=300)
    fitted = fitted_versions(tmp_path / "lgbm.joblib")
    assert fitted.env() == env
    done = import_model(tmp_path / "lgbm.joblib", tmp_path / "models", "lgbm", "--no-check")
    assert done.returncode == 0, done.stderr[-3000:]
    manifest = json.loads((tmp_path / "models" / "lgbm" / "1.0.0" / "manifest.json").read_text())
    assert manifest["library_versions"]["scikit-learn"] == "1.9.1"
    assert manifest["engines"] == {"browser": "portable", "server": "portable"}
    rows = sample_rows()
    answer = load_model(tmp_path / "models" / "lgbm" / "1.0.0").predict(
        [[None if v != v else v for v in row] for row in rows.itertuples(index=False)])
    assert_same(answer, json.loads((tmp_path / "answers.json").read_text()))
