"""A schema inferred from a sample is honest (issue 28): the sample's ranges are typical ranges, not
limits, so the full table the sample came from scores with no rejection, values past the sample's
range flagged; a number column the pipeline one-hot encodes takes only its fitted values; the
sample's statistics and drift bins are kept in the bundle as its reference profile."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from server_fallback import create_app

from ..support.paths import ROOT


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inferred")
    rng = np.random.default_rng(11)
    n = 5000
    table = pd.DataFrame({"income": rng.lognormal(10, 0.6, n).round(2), "sex": rng.integers(1, 3, n),
                          "region": rng.choice(["north", "south", "west"], n)})
    table["bought"] = np.where(np.log(table.income) + 0.3 * table.sex + rng.normal(0, 0.5, n) > 10.6, "yes", "no")
    X = table.drop(columns="bought")
    pipeline = Pipeline([("prep", ColumnTransformer([("income", StandardScaler(), ["income"]),
                                                     ("codes", OneHotEncoder(), ["sex", "region"])])),
                         ("fit", LogisticRegression())]).fit(X, table.bought)
    joblib.dump(pipeline, folder / "model.joblib")
    table.sample(400, random_state=0).to_csv(folder / "sample.csv", index=False)
    models = folder / "models"
    done = subprocess.run([sys.executable, "-m", "build_scripts.import_model", str(folder / "model.joblib"),
                           "--sample", str(folder / "sample.csv"), "--target", "bought", "--name", "buyers",
                           "--version", "1.0.0", "--models", str(models), "--no-check"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return models, table, pipeline, done.stdout


def test_the_full_table_scores_with_no_rejection_and_flags_what_the_sample_never_saw(imported):
    models, table, pipeline, printed = imported
    assert "typical: the sample's range" in printed and "values from the fitted encoder" in printed
    client = create_app({"TESTING": True, "MODEL_DIR": str(models), "SITE_DIR": ""}).test_client()
    X = table.drop(columns="bought")
    answer = client.post("/api/v1/models/buyers/predict", json={"rows": X.astype(object).values.tolist()})
    assert answer.status_code == 200, answer.get_json()["error"]["message"]
    body = answer.get_json()
    assert body["predictions"] == pipeline.predict(X).tolist()  # every row scored, as the pipeline scores it
    manifest = json.loads((models / "buyers" / "1.0.0" / "manifest.json").read_text())
    income = manifest["features"][0]
    outside = ((X.income < income["typical_minimum"]) | (X.income > income["typical_maximum"])).to_numpy()
    assert outside.any() and body["warning_count"] == int(outside.sum())
    first = int(np.flatnonzero(outside)[0])
    assert body["warnings"][0]["row"] == first + 1 and body["warnings"][0]["field"] == "income"
    assert body["warnings"][0]["code"] == "out_of_range" and len(body["warnings"]) == min(100, int(outside.sum()))


def test_a_one_hot_encoded_number_takes_only_its_fitted_values(imported):
    models, *_ = imported
    manifest = json.loads((models / "buyers" / "1.0.0" / "manifest.json").read_text())
    assert manifest["features"][1] == {"name": "sex", "type": "integer", "values": [1.0, 2.0]}
    client = create_app({"TESTING": True, "MODEL_DIR": str(models), "SITE_DIR": ""}).test_client()
    refused = client.post("/api/v1/models/buyers/predict", json={"rows": [[30000.0, 3, "north"]]})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"][0]["message"] == "row 1, field 'sex': expected one of 1, 2, got 3, " \
                                                                    "not one of the values the model was fitted on"


def test_the_samples_statistics_are_the_bundles_reference_profile(imported):
    models, table, *_ = imported
    bundle = models / "buyers" / "1.0.0"
    manifest = json.loads((bundle / "manifest.json").read_text())
    data = (bundle / manifest["profile"]["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == manifest["profile"]["sha256"]
    profile = json.loads(data)
    assert profile["rows"] == 400
    income = profile["features"]["income"]
    assert income["count"] == 400 and income["missing"] == 0 and set(income["quantiles"]) >= {"0", "0.5", "1"}
    assert sum(profile["features"]["region"]["categories"].values()) == 400
    # the drift bins (issue 33): every feature's and the predictions' counts cover the sample
    assert all(sum(f["bins"]["counts"]) == 400 and len(f["bins"]["labels"]) == len(f["bins"]["counts"])
               for f in profile["features"].values())
    assert sum(profile["predictions"]["counts"]) == 400 and profile["predictions"]["kind"] == "category"


def test_the_full_table_as_a_file_scores_every_row_and_lists_the_flagged_values(imported, tmp_path):
    """python -m scoring (and so the page, the server's CSV routes and Dask, which share the column
    path): no row rejected, each value outside its typical range a line of the error file."""
    models, table, pipeline, _ = imported
    table.drop(columns="bought").to_csv(tmp_path / "table.csv", index=False)
    done = subprocess.run([sys.executable, "-m", "scoring", str(models / "buyers" / "1.0.0"), str(tmp_path / "table.csv"),
                           "--out", str(tmp_path / "scored.csv"), "--errors", str(tmp_path / "problems.csv"),
                           "--no-progress"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    scored = pd.read_csv(tmp_path / "scored.csv")
    assert len(scored) == len(table) and scored.prediction.tolist() == pipeline.predict(table.drop(columns="bought")).tolist()
    problems = pd.read_csv(tmp_path / "problems.csv")
    manifest = json.loads((models / "buyers" / "1.0.0" / "manifest.json").read_text())
    income = manifest["features"][0]
    outside = (table.income < income["typical_minimum"]) | (table.income > income["typical_maximum"])
    assert len(problems) == int(outside.sum()) > 0 and set(problems.field) == {"income"}
    assert " rejected" not in done.stdout + done.stderr.replace("rejected rows, flagged", "")
    assert f"{int(outside.sum()):,} values outside their typical range" in done.stdout + done.stderr
