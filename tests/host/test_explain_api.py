"""``POST /api/v1/models/<name>[/versions/<v>]/explain`` (issue 31): JSON rows or a CSV file, its own
row limit, answers equal to ``Model.explain`` and additive; errors as predict's, and a model that
cannot be explained answers 422 ``explanation_unavailable`` while it still predicts."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from py_pipeline import load_model
from server_fallback import create_app

KEYS = ["frame_random_forest_missing", "iris_logistic_multinomial", "frame_svc_rbf_no_proba"]


@pytest.fixture(scope="module")
def client(matrix, tmp_path_factory):
    models = tmp_path_factory.mktemp("explain_models")
    for key in KEYS:
        shutil.copytree(matrix[key][0], models / key / "1.0.0")
    return create_app({"TESTING": True, "MODEL_DIR": str(models), "SITE_DIR": "", "MAX_EXPLAIN_ROWS": 50}).test_client()


def test_json_rows_are_explained_as_model_explain_does(client, matrix):
    directory, rows = matrix["frame_random_forest_missing"]
    answer = client.post("/api/v1/models/frame_random_forest_missing/explain", json={"rows": rows[:20]})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    expected = load_model(directory).explain(rows[:20])
    assert body["backend"] == "server" and body["features"] == expected["features"]
    assert np.abs(np.asarray(body["contributions"]) - np.asarray(expected["contributions"])).max() == 0
    predicted = client.post("/api/v1/models/frame_random_forest_missing/versions/1.0.0/predict",
                            json={"rows": rows[:20]}).get_json()
    total = np.asarray(body["base_values"]) + np.asarray(body["contributions"]).sum(axis=1)
    assert np.abs(total - np.asarray(predicted["probabilities"])).max() <= 1e-9
    pinned = client.post("/api/v1/models/frame_random_forest_missing/versions/1.0.0/explain?columns=true",
                         json={"rows": rows[:2]}).get_json()
    assert "column_contributions" in pinned


def test_a_csv_file_is_explained(client, matrix):
    directory, rows = matrix["frame_random_forest_missing"]
    names = load_model(directory).manifest.schema.names
    lines = [",".join(names)] + [",".join("" if v is None else str(v) for v in row) for row in rows[:5]]
    answer = client.post("/api/v1/models/frame_random_forest_missing/explain", data="\n".join(lines) + "\n",
                         content_type="text/csv")
    assert answer.status_code == 200, answer.get_json()
    assert len(answer.get_json()["contributions"]) == 5


def test_its_own_row_limit_and_predicts_errors(client, matrix):
    _, rows = matrix["frame_random_forest_missing"]
    too_many = client.post("/api/v1/models/frame_random_forest_missing/explain", json={"rows": rows[:51]})
    assert too_many.status_code == 413 and too_many.get_json()["error"]["code"] == "too_many_rows"
    assert "at most 50 rows" in too_many.get_json()["error"]["message"]
    bad = client.post("/api/v1/models/frame_random_forest_missing/explain", json={"rows": [{"air": "hot"}]})
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid_input"
    assert client.post("/api/v1/models/nope/explain", json={"rows": rows[:1]}).status_code == 404
    assert client.post("/api/v1/models/frame_random_forest_missing/explain", json={"rows": rows[:1], "x": 1}) \
        .status_code == 400


def test_a_model_that_cannot_be_explained_answers_422_and_still_predicts(client, matrix):
    _, rows = matrix["frame_svc_rbf_no_proba"]
    refused = client.post("/api/v1/models/frame_svc_rbf_no_proba/explain", json={"rows": rows[:2]})
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "explanation_unavailable" and "svm estimator" in error["message"]
    assert client.post("/api/v1/models/frame_svc_rbf_no_proba/predict", json={"rows": rows[:2]}).status_code == 200


def test_a_linear_model_explains_its_margin(client, matrix):
    _, rows = matrix["iris_logistic_multinomial"]
    answer = client.post("/api/v1/models/iris_logistic_multinomial/explain", json={"rows": rows[:3]}).get_json()
    assert answer["output"] == "margin" and answer["outputs"] == ["setosa", "versicolor", "virginica"]
    assert np.asarray(answer["contributions"]).shape == (3, 4, 3)


def test_the_openapi_document_lists_explain(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/models/frame_random_forest_missing/explain"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["properties"]["rows"]["maxItems"] == 50
    assert "Explanation" in document["components"]["schemas"]


def test_a_csv_part_scored_partially_can_carry_its_explanations(client, matrix):
    """What the page's file tool asks the server for (?partial=true&explain=true): the result's rows
    carry the contribution columns, and the answer sums each feature's absolute contributions."""
    model = load_model(matrix["frame_random_forest_missing"][0])
    _, rows = matrix["frame_random_forest_missing"]
    names = model.manifest.schema.names
    lines = [",".join(names)] + [",".join("" if v is None else str(v) for v in row) for row in rows[:20]]
    route = "/api/v1/models/frame_random_forest_missing/predict"
    answer = client.post(f"{route}?partial=true&explain=true", data="\n".join(lines) + "\n",
                         headers={"Content-Type": "text/csv"}).get_json()
    header = answer["result"]["header"].strip().split(",")
    assert header[-2:] == ["base_value", "explained_class"] and f"contribution_{names[0]}" in header
    explained = model.explain(rows[:20])
    k = [explained["outputs"].index(p) for p in model.predict(rows[:20])["predictions"]]
    contributions = np.asarray(explained["contributions"])[np.arange(20), :, k]
    assert answer["contribution_sums"] == pytest.approx(
        dict(zip(explained["features"], np.abs(contributions).sum(axis=0))), rel=1e-12)
    as_csv = client.post(f"{route}?explain=true", data="\n".join(lines) + "\n",  # a whole file, as CSV
                         headers={"Content-Type": "text/csv", "Accept": "text/csv"})
    assert as_csv.status_code == 200 and as_csv.text.split("\r\n")[0].endswith("base_value,explained_class")
    too_many = "\n".join(lines[:1] + lines[1:] * 3) + "\n"  # 60 rows, over MAX_EXPLAIN_ROWS (50)
    assert client.post(f"{route}?partial=true&explain=true", data=too_many,
                       headers={"Content-Type": "text/csv"}).status_code == 413
