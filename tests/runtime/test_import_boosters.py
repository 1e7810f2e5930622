"""LightGBM and XGBoost handed over without a scikit-learn pipeline (runtime tier: the first
import runs the Pyodide check): a LightGBM text model file, an XGBoost JSON model file, and MLflow's
lightgbm and xgboost flavors (a bare Booster from ``lgb.train`` among them), each with a CSV
sample, become bundles on the portable engine that answer as the library does."""

from __future__ import annotations

import json

import lightgbm
import numpy as np
import pandas as pd
import pytest
import xgboost

from build_scripts import import_model
from build_scripts.reference import FLOAT32_TOLERANCE
from py_pipeline import load_model

N = 1200


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("boosters")
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"load": rng.uniform(0, 100, N).round(2), "hours": rng.integers(0, 5000, N).astype(float),
                          "vibration": rng.normal(1.0, 0.3, N).round(3)})
    frame.loc[rng.random(N) < 0.05, "vibration"] = np.nan
    score = frame.load / 40 + frame.hours / 2000 - frame.vibration.fillna(1.0) + rng.normal(0, 0.4, N)
    frame["grade"] = np.digitize(score, [1.0, 2.5])
    frame.to_csv(folder / "sample.csv", index=False)
    return folder, frame


def imported(folder, artifact_or_uri, name, *extra):
    source = ["--mlflow", artifact_or_uri] if str(artifact_or_uri).startswith(("models:/", "runs:/")) \
        else [str(artifact_or_uri)]
    assert import_model.main([*source, "--sample", str(folder / "sample.csv"), "--target", "grade", "--name", name,
                              "--version", "1.0.0", "--models", str(folder / "models"), *extra]) == 0
    directory = folder / "models" / name / "1.0.0"
    return json.loads((directory / "manifest.json").read_text()), load_model(directory)


def rows_of(frame):
    X = frame.drop(columns="grade")
    return X, X.astype(object).where(X.notna(), None).values.tolist()


def test_a_lightgbm_model_file_is_imported_onto_the_portable_engine_and_checked_in_pyodide(sample):
    folder, frame = sample
    X, rows = rows_of(frame)
    booster = lightgbm.train({"objective": "multiclass", "num_class": 3, "verbose": -1},
                             lightgbm.Dataset(X.to_numpy(), frame.grade), 40)
    booster.save_model(folder / "wear.txt")
    manifest, model = imported(folder, folder / "wear.txt", "wear_lightgbm")
    assert manifest["engines"] == {"browser": "portable", "server": "portable"}
    assert manifest["runtimes"] == ["browser", "server"]  # the Pyodide check ran and agreed
    answer = model.predict(rows)
    expected = booster.predict(X.to_numpy())
    assert answer["predictions"] == np.argmax(expected, axis=1).tolist()
    assert np.abs(np.asarray(answer["probabilities"]) - expected).max() <= 1e-9


def test_an_xgboost_json_model_file_is_imported_onto_the_portable_engine(sample):
    folder, frame = sample
    X, rows = rows_of(frame)
    booster = xgboost.train({"objective": "multi:softprob", "num_class": 3, "max_depth": 4},
                            xgboost.DMatrix(X.to_numpy(), frame.grade), 30)
    booster.save_model(folder / "wear.json")
    manifest, model = imported(folder, folder / "wear.json", "wear_xgboost", "--no-check")
    assert manifest["engines"]["server"] == "portable"
    answer = model.predict(rows)
    expected = booster.predict(xgboost.DMatrix(X.to_numpy()))
    assert answer["predictions"] == np.argmax(expected, axis=1).tolist()
    assert np.abs(np.asarray(answer["probabilities"]) - expected).max() <= FLOAT32_TOLERANCE


def test_the_mlflow_lightgbm_and_xgboost_flavors_are_imported(sample):
    import build_scripts.mlflow_registry  # noqa: F401  (telemetry off before mlflow is imported)
    import mlflow

    folder, frame = sample
    X, rows = rows_of(frame)
    uri = f"sqlite:///{folder}/mlflow.db"
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    experiment = mlflow.create_experiment("wear", artifact_location=(folder / "artifacts").as_uri())
    booster = lightgbm.train({"objective": "binary", "verbose": -1}, lightgbm.Dataset(X.to_numpy(), frame.grade == 2), 30)
    classifier = xgboost.XGBClassifier(n_estimators=30, max_depth=4).fit(X, frame.grade)
    with mlflow.start_run(experiment_id=experiment):
        mlflow.lightgbm.log_model(booster, name="model", registered_model_name="wear_lgb")
    with mlflow.start_run(experiment_id=experiment):
        mlflow.xgboost.log_model(classifier, name="model", registered_model_name="wear_xgb")
    manifest, model = imported(folder, "models:/wear_lgb/1", "wear_mlflow_lightgbm", "--tracking-uri", uri, "--no-check")
    assert manifest["engines"]["server"] == "portable" and manifest["lineage"]["source"] == "mlflow"
    p = booster.predict(X.to_numpy())
    answer = model.predict(rows)
    assert answer["predictions"] == (p > 0.5).astype(int).tolist()
    assert np.abs(np.asarray(answer["probabilities"])[:, 1] - p).max() <= 1e-9
    manifest, model = imported(folder, "models:/wear_xgb/1", "wear_mlflow_xgboost", "--tracking-uri", uri, "--no-check")
    assert manifest["engines"]["server"] == "portable"
    answer = model.predict(rows)
    assert answer["predictions"] == classifier.predict(X).tolist()
    assert np.abs(np.asarray(answer["probabilities"]) - classifier.predict_proba(X)).max() <= FLOAT32_TOLERANCE
