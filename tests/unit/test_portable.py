"""The portable engine's promises on small fitted pipelines: it imports nothing but numpy, models it
cannot reproduce keep scikit-learn with the reason, DataFrame-fitted pipelines are matched to the
schema by name, missing values are defined once, the three tree layouts reach the same leaves, and
the server runs it (or refuses pickles when told to)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from py_pipeline import Feature, InvalidBundle, InvalidInput, Schema, load_model, write_bundle
from py_pipeline.portable.export import NotPortable, export
from server_fallback import create_app

from ..support.paths import ROOT
from ..support.parity import all_models, assert_same_predictions, bundle_dir, golden_rows, reference
from ..support.pipeline_matrix import NOT_PORTABLE


@pytest.mark.parametrize("key", sorted(NOT_PORTABLE))
def test_a_model_the_exporter_does_not_know_keeps_scikit_learn_with_the_reason(matrix, key):
    directory, rows = matrix[key]
    data = json.loads((directory / "manifest.json").read_text())
    assert data["engines"] == {"browser": "sklearn", "server": "sklearn"} and data["portable"] is None
    assert NOT_PORTABLE[key] in data["portable_unavailable"]
    assert not (directory / "portable.json").exists()
    model = load_model(directory)
    assert model.engine.name == "sklearn"
    assert len(model.predict(rows[:5])["predictions"]) == 5


def test_the_engine_imports_numpy_alone():
    """A fresh interpreter where scikit-learn, scipy, joblib and pandas cannot be imported
    predicts every shipped model exactly as scikit-learn does."""
    cases = {str(bundle_dir(m)): golden_rows(m) for m in all_models()}
    script = (
        "import json, sys\n"
        "for name in ('sklearn', 'scipy', 'joblib', 'pandas'):\n"
        "    sys.modules[name] = None  # any import of them raises ImportError\n"
        "from py_pipeline import load_model\n"
        "cases = json.load(sys.stdin)\n"
        "print(json.dumps({d: load_model(d).predict(rows) for d, rows in cases.items()}))\n")
    done = subprocess.run([sys.executable, "-c", script], input=json.dumps(cases), capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    answers = json.loads(done.stdout)
    for m in all_models():
        assert_same_predictions(answers[str(bundle_dir(m))], reference(m, golden_rows(m)))


def test_a_function_outside_the_allowed_list_is_not_portable():
    X = np.array([[1.0, 2.0], [2.0, 1.0], [0.5, 0.1], [3.0, 2.5]])
    pipeline = make_pipeline(FunctionTransformer(np.sinc), LogisticRegression()).fit(X, [0, 1, 0, 1])
    schema = Schema((Feature("a"), Feature("b")))
    with pytest.raises(NotPortable, match=r"FunctionTransformer\(numpy.sinc\) calls numpy.sinc, which is not registered for the portable engine"):
        export(pipeline, schema)


def frame_pipeline():
    import pandas as pd

    X = pd.DataFrame({"width": [1.0, 2.0, 3.0, 4.0], "height": [2.0, 1.0, 4.0, 3.0]})
    return make_pipeline(StandardScaler(), LogisticRegression()).fit(X, ["a", "b", "a", "b"])


def test_dataframe_fitted_names_must_match_the_schema(tmp_path):
    schema = Schema((Feature("width"), Feature("depth")))
    with pytest.raises(InvalidBundle) as caught:
        write_bundle(tmp_path, frame_pipeline(), name="m", version="1", task="classification", schema=schema)
    assert "the model was fitted on 'height', which the schema lacks" in caught.value.message
    assert "the schema lists 'depth', which the model never saw" in caught.value.message


def test_dataframe_fitted_columns_are_matched_by_name_not_position(tmp_path):
    """The schema lists the columns in another order than the DataFrame had: both engines
    reorder by name, and agree with scikit-learn fed a DataFrame."""
    import pandas as pd

    from build_scripts.export import export_bundle

    pipeline = frame_pipeline()
    schema = Schema((Feature("height"), Feature("width")))
    write_bundle(tmp_path, pipeline, name="m", version="1", task="classification", schema=schema)
    assert export_bundle(tmp_path)["portable"] is True
    rows = [{"width": 1.0, "height": 4.0}, {"width": 4.0, "height": 1.0}]
    expected = pipeline.predict_proba(pd.DataFrame(rows)).tolist()
    for engine in ("portable", "sklearn"):
        got = load_model(tmp_path, engine=engine).predict(rows)["probabilities"]
        assert np.allclose(got, expected, rtol=0, atol=1e-12), engine


MISSING = Schema((Feature("x", minimum=0, maximum=1, missing=True), Feature("kind", type="category",
                                                                             categories=("a", "b"), missing=True),
                  Feature("y", minimum=0, maximum=1)))


def test_a_missing_value_is_null_and_becomes_nan():
    X = MISSING.validate([[None, None, 0.5], {"x": 0.2, "kind": None, "y": 1}, [float("nan"), float("nan"), 0.5]])
    assert np.isnan(X[0, 0]) and np.isnan(X[0, 1]) and np.isnan(X[1, 1]) and X[1, 0] == 0.2
    assert np.isnan(X[2, 0]) and np.isnan(X[2, 1])


@pytest.mark.parametrize("rows, words", [
    ([[0.1, "a", None]], "field 'y': expected a number between 0 and 1, got null"),
    ([{"x": 0.1, "kind": "a"}], "field 'y': expected a number between 0 and 1, missing"),
    ([{"kind": "a", "y": 0.5}], "field 'x': expected a number between 0 and 1, or null when missing, missing"),
    ([[0.1, "a", float("nan")]], "field 'y': expected a number between 0 and 1, got NaN, not a finite number"),
])
def test_missing_values_only_where_the_schema_allows_them(rows, words):
    """null (or NaN) only for a feature marked ``missing``; an absent key stays an error (a
    misspelt key is never taken for a missing value)."""
    with pytest.raises(InvalidInput, match=words):
        MISSING.validate(rows)


def test_the_missing_flag_round_trips_through_the_manifest():
    assert Schema.from_list(MISSING.to_list()) == MISSING
    assert MISSING.to_list()[0]["missing"] is True and "missing" not in MISSING.to_list()[2]
    with pytest.raises(InvalidBundle, match="'missing' must be true or false"):
        Schema.from_list([{"name": "x", "missing": "yes"}])


def api_predict(client, name, rows):
    return client.post(f"/api/v1/models/{name}/predict", json={"rows": rows})


@pytest.mark.parametrize("engine", ["portable", "sklearn"])
def test_server_runs_a_dataframe_fitted_pipeline_with_missing_values(matrix, engine, tmp_path):
    import shutil

    from build_scripts.reference import sklearn_answer

    key = "frame_hist_gradient_boosting_native_missing"
    directory, rows = matrix[key]
    shutil.copytree(directory, tmp_path / key / "1.0.0")
    client = create_app({"TESTING": True, "MODEL_DIR": str(tmp_path), "SITE_DIR": "", "ENGINE": engine}).test_client()
    assert any(None in row for row in rows[:200])
    response = api_predict(client, key, rows[:200])
    assert response.status_code == 200, response.get_json()
    assert_same_predictions(response.get_json(), sklearn_answer(directory, rows[:200]))


def test_server_refuses_pickles_when_told_to(matrix, tmp_path):
    import shutil

    for key in ("iris_logistic_multinomial", "iris_nearest_centroid"):
        shutil.copytree(matrix[key][0], tmp_path / key / "1.0.0")
    client = create_app({"TESTING": True, "MODEL_DIR": str(tmp_path), "SITE_DIR": "",
                         "ALLOW_PICKLE": False}).test_client()
    assert api_predict(client, "iris_logistic_multinomial", matrix["iris_logistic_multinomial"][1][:3]).status_code == 200
    refused = api_predict(client, "iris_nearest_centroid", matrix["iris_nearest_centroid"][1][:3])
    assert refused.status_code == 503
    error = refused.get_json()["error"]
    assert error["code"] == "model_unavailable"
    assert "refuses pickled models (ALLOW_PICKLE=false)" in error["message"] and "NearestCentroid" in error["message"]
    assert client.get("/readyz").status_code == 200  # the others serve


@pytest.mark.parametrize("key", ["frame_hist_gradient_boosting_native_missing", "wine_random_forest",
                                 "diabetes_gradient_boosting_regressor"])
def test_the_three_tree_layouts_reach_the_same_leaves(matrix, key, monkeypatch):
    """bitvector, perfect and pointer layouts of one ensemble agree leaf for leaf, NaN and values on a
    threshold included, for a batch and for one row at a time."""
    from py_pipeline.portable import trees
    from py_pipeline.portable.engine import read_arrays

    directory, _ = matrix[key]
    spec = json.loads((directory / "portable.json").read_text())
    arrays = read_arrays(spec["arrays"], (directory / "portable.bin").read_bytes())
    rng = np.random.default_rng(0)
    width = int(arrays[spec["estimator"]["trees"]["feature"]].max()) + 1
    X = rng.normal(size=(3000, width)) * 10
    X[rng.random(X.shape) < 0.1] = np.nan
    # values exactly on a threshold: the comparison's edge, for each path
    feature = arrays[spec["estimator"]["trees"]["feature"]]
    threshold = arrays[spec["estimator"]["trees"]["threshold"]]
    inner = np.flatnonzero(arrays[spec["estimator"]["trees"]["left"]] != np.arange(len(feature)))
    for i, node in enumerate(rng.choice(inner, size=300)):
        X[i, feature[node]] = threshold[node]
    found = {}
    for layout, leaves_limit, perfect_limit in (("bitvector", 64, 1 << 20), ("perfect", 0, 1 << 40), ("pointer", 0, 0)):
        monkeypatch.setattr(trees, "BITVECTOR_LEAVES", leaves_limit)
        monkeypatch.setattr(trees, "PERFECT_LIMIT", perfect_limit)
        forest = trees.forest_from_arrays(arrays, spec["estimator"]["trees"])
        if forest.layout == layout:
            found[layout] = forest.leaves(X)
            # one row at a time (a form's single row takes its own path in the bitvector layout)
            one_by_one = np.hstack([forest.leaves(X[i:i + 1]) for i in range(400)])
            assert np.array_equal(one_by_one, found[layout][:, :400]), layout
    assert "pointer" in found and len(found) >= 2, found.keys()
    first, *others = found.values()
    for other in others:
        assert np.array_equal(first, other)
