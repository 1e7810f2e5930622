"""The Flask fallback: routes, the classic contract, and a table of bad requests."""

import json

import pytest

from server_fallback import create_app

from ..support.bundles import tamper_engine_files

GOOD = [2.5, 1.3, 4.0, 0.8]
PREDICT = "/api/v1/models/iris/predict"


def test_lists_models_and_manifests(client):
    models = client.get("/api/v1/models").get_json()["models"]
    assert [(m["name"], m["version"]) for m in models] == [
        ("failure_type", "1.0.0"), ("iris", "1.0.0"), ("machine_failure", "1.0.0"), ("machine_failure", "1.1.0"),
        ("machine_failure_heavy", "1.0.0")]
    assert {m["name"]: m["runtimes"] for m in models}["machine_failure_heavy"] == ["server"]
    manifest = client.get("/api/v1/models/iris").get_json()
    assert manifest["classes"] == ["setosa", "versicolor", "virginica"]


def test_predict_answers_the_v1_shape(client):
    response = client.post(PREDICT, json={"rows": [GOOD, dict(zip(
        ["sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"], [6.7, 3.0, 5.2, 2.3]))]})
    assert response.status_code == 200
    body = response.get_json()
    assert list(body) == ["model", "predictions", "classes", "probabilities", "backend"]
    assert body["model"] == {"name": "iris", "version": "1.0.0"}
    assert body["predictions"] == ["versicolor", "virginica"]
    assert body["backend"] == "server"
    assert len(body["probabilities"]) == 2 and all(len(p) == 3 for p in body["probabilities"])
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("features, expected", [
    (GOOD, ["versicolor"]),
    ([GOOD, [5.1, 3.5, 1.4, 0.2]], ["versicolor", "setosa"]),
])
def test_classic_predict(client, features, expected):  # noqa: D103
    response = client.post("/predict", json={"features": features})
    assert response.status_code == 200
    assert response.get_json() == {"prediction": expected}


@pytest.mark.parametrize("body, status", [
    ({"features": [1, 2, 3]}, 422),
    ({"features": ["a", 2, 3, 4]}, 422),
    ({"features": []}, 422),
    ({"rows": [GOOD]}, 400),
    ([GOOD], 400),
])
def test_classic_errors_are_a_message_string(client, body, status):
    response = client.post("/predict", json=body)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert isinstance(error, str) and error


@pytest.mark.parametrize("path, version", [
    ("/api/v1/models/machine_failure/predict", "1.1.0"),
    ("/api/v1/models/machine_failure/versions/1.0.0/predict", "1.0.0"),
    ("/api/v1/models/machine_failure/versions/1.1.0/predict", "1.1.0"),
    ("/api/v1/models/machine_failure_heavy/predict", "1.0.0"),
])
def test_every_version_is_served(client, path, version):
    row = {"product_type": "M", "air_temperature_k": 300.0, "process_temperature_k": 310.2,
           "rotational_speed_rpm": 1500, "torque_nm": 41.5, "tool_wear_min": 120}
    body = client.post(path, json={"rows": [row, ["H", 300.0, 309.0, 1300, 70.0, 220]]}).get_json()
    assert body["model"]["version"] == version
    assert body["classes"] == ["failure", "no_failure"]
    assert len(body["probabilities"]) == 2


def test_machine_rows_are_validated_with_units(client):
    error = client.post("/api/v1/models/machine_failure/predict",
                        json={"rows": [["X", 300.0, 310.2, -5, 41.5, 12.5]]}).get_json()["error"]
    fields = {d["field"]: d["expected"] for d in error["details"]}
    assert fields == {"product_type": "one of 'L', 'M', 'H'",
                      "rotational_speed_rpm": "a number (rpm) between 0 and 5000",
                      "tool_wear_min": "an integer (min) between 0 and 500"}


def test_version_pinned_predict(client):
    response = client.post("/api/v1/models/iris/versions/1.0.0/predict", json={"rows": [GOOD]})
    assert response.status_code == 200
    assert response.get_json()["model"] == {"name": "iris", "version": "1.0.0"}
    assert client.get("/api/v1/models/iris/versions/1.0.0").get_json()["version"] == "1.0.0"


def test_a_10000_row_batch_is_accepted(client):
    response = client.post(PREDICT, json={"rows": [GOOD] * 10_000})
    assert response.status_code == 200
    assert len(response.get_json()["predictions"]) == 10_000


def test_invalid_rows_list_the_first_100_with_the_total(client):
    response = client.post(PREDICT, json={"rows": [[-1, 3.5, 1.4, 0.2]] * 150})
    error = response.get_json()["error"]
    assert response.status_code == 422
    assert len(error["details"]) == 100 and error["total"] == 150
    assert [d["row"] for d in error["details"]] == list(range(1, 101))  # rows count from 1


def test_a_chunk_says_where_it_starts_and_problems_name_the_whole_batch(client):
    """A batch sent a chunk at a time: JSON rows with first_row, a CSV part with first_row and
    first_line in the query. The server numbers each problem in the whole batch or file."""
    error = client.post(PREDICT, json={"rows": [GOOD, [-1, 3.5, 1.4, 0.2]], "first_row": 5001}).get_json()["error"]
    assert error["details"][0]["row"] == 5002 and error["message"].startswith("row 5002, field 'sepal_length_cm'")
    body = "sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm\n5.1,3.5,1.4,0.2\n-1,3.5,1.4,0.2\n"
    response = client.post(PREDICT + "?first_row=5001&first_line=5003", data=body, content_type="text/csv")
    detail = response.get_json()["error"]["details"][0]
    assert (response.status_code, detail["row"], detail["line"]) == (422, 5002, 5004)
    assert detail["message"].startswith("line 5004 (row 5002), field 'sepal_length_cm'")
    for bad in ({"json": {"rows": [GOOD], "first_row": 0}}, {"json": {"rows": [GOOD], "first_row": "7"}}):
        assert client.post(PREDICT, **bad).get_json()["error"]["details"][0]["field"] == "first_row"
    response = client.post(PREDICT + "?first_line=-3", data=body, content_type="text/csv")
    assert response.status_code == 400 and response.get_json()["error"]["details"][0]["field"] == "first_line"


def test_healthz(client):
    assert client.get("/healthz").get_json()["status"] == "ok"


# (description, request kwargs, status, code)
BAD_REQUESTS = [
    ("malformed JSON", dict(data="{rows: [", content_type="application/json"), 400, "malformed_json"),
    ("empty body", dict(data="", content_type="application/json"), 400, "malformed_json"),
    ("NaN literal", dict(data='{"rows": [[NaN, 1, 1, 1]]}', content_type="application/json"), 422, "invalid_input"),
    ("Infinity literal", dict(data='{"rows": [[Infinity, 1, 1, 1]]}', content_type="application/json"), 422,
     "invalid_input"),
    ("not UTF-8", dict(data=b'{"rows": "\xff\xfe"}', content_type="application/json"), 400, "malformed_json"),
    ("deep nesting", dict(data="[" * 100_000 + "]" * 100_000, content_type="application/json"), 400,
     "malformed_json"),
    ("form content type", dict(data="rows=1", content_type="application/x-www-form-urlencoded"), 415,
     "unsupported_media_type"),
    ("text content type", dict(data=json.dumps({"rows": [GOOD]}), content_type="text/plain"), 415,
     "unsupported_media_type"),
    ("no content type", dict(data=json.dumps({"rows": [GOOD]})), 415, "unsupported_media_type"),
    ("body is an array", dict(json=[GOOD]), 400, "invalid_request"),
    ("body is a string", dict(json="rows"), 400, "invalid_request"),
    ("extra top-level field", dict(json={"rows": [GOOD], "debug": True}), 400, "invalid_request"),
    ("missing rows", dict(json={}), 422, "invalid_input"),
    ("rows is an object", dict(json={"rows": {"sepal_length_cm": 1}}), 422, "invalid_input"),
    ("empty rows", dict(json={"rows": []}), 422, "invalid_input"),
    ("row too short", dict(json={"rows": [[1, 2, 3]]}), 422, "invalid_input"),
    ("row too long", dict(json={"rows": [[1, 2, 3, 4, 5]]}), 422, "invalid_input"),
    ("string for a number", dict(json={"rows": [["5.1", 3.5, 1.4, 0.2]]}), 422, "invalid_input"),
    ("boolean for a number", dict(json={"rows": [[True, 3.5, 1.4, 0.2]]}), 422, "invalid_input"),
    ("null value", dict(json={"rows": [[None, 3.5, 1.4, 0.2]]}), 422, "invalid_input"),
    ("huge number", dict(data='{"rows": [[1e400, 3.5, 1.4, 0.2]]}', content_type="application/json"), 422,
     "invalid_input"),
    ("huge integer", dict(data='{"rows": [[' + "9" * 400 + ', 3.5, 1.4, 0.2]]}', content_type="application/json"),
     422, "invalid_input"),
    ("negative length", dict(json={"rows": [[-1, 3.5, 1.4, 0.2]]}), 422, "invalid_input"),
    ("missing field", dict(json={"rows": [{"sepal_length_cm": 5.1}]}), 422, "invalid_input"),
    ("extra field", dict(json={"rows": [dict(zip(["sepal_length_cm", "sepal_width_cm", "petal_length_cm",
                                                  "petal_width_cm", "colour"], GOOD + ["blue"]))]}), 422,
     "invalid_input"),
    ("unicode field name", dict(json={"rows": [{"sépal_length_cm": 5.1}]}), 422, "invalid_input"),
    ("nested array value", dict(json={"rows": [[[5.1], 3.5, 1.4, 0.2]]}), 422, "invalid_input"),
    ("row is a string", dict(json={"rows": ["5.1,3.5,1.4,0.2"]}), 422, "invalid_input"),
    ("duplicate keys", dict(data='{"rows": [[1, 1, 1, 1]], "rows": [[2, 2, 2, 2]]}', content_type="application/json"),
     400, "malformed_json"),
    ("duplicate field in a row", dict(data='{"rows": [{"sepal_length_cm": 1, "sepal_length_cm": 2}]}',
                                      content_type="application/json"), 400, "malformed_json"),
    ("10 MB body", dict(data='{"rows": [' + ",".join(["[1, 1, 1, 1]"] * 800_000) + "]}",
                        content_type="application/json"), 413, "payload_too_large"),
    ("null body", dict(data="null", content_type="application/json"), 400, "invalid_request"),
    ("number body", dict(data="42", content_type="application/json"), 400, "invalid_request"),
    ("byte order mark", dict(data='\ufeff{"rows": [[1, 1, 1, 1]]}'.encode(), content_type="application/json"),
     400, "malformed_json"),
    ("object inside a row", dict(json={"rows": [[{"cm": 5.1}, 3.5, 1.4, 0.2]]}), 422, "invalid_input"),
    ("lone surrogate field", dict(data='{"rows": [{"\\ud800": 1}]}', content_type="application/json"), 422,
     "invalid_input"),
    ("very long string", dict(json={"rows": [["x" * 100_000, 3.5, 1.4, 0.2]]}), 422, "invalid_input"),
    ("control characters", dict(json={"rows": [["\u0000\u001b[31m", 3.5, 1.4, 0.2]]}), 422, "invalid_input"),
    ("rows is a number", dict(json={"rows": 4}), 422, "invalid_input"),
    ("too many rows", dict(json={"rows": [GOOD] * 10_001}), 413, "too_many_rows"),
]


@pytest.mark.parametrize("description, kwargs, status, code", BAD_REQUESTS, ids=[b[0] for b in BAD_REQUESTS])
def test_bad_requests_get_4xx_json_and_the_server_keeps_answering(client, description, kwargs, status, code):
    response = client.post(PREDICT, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"] and "Traceback" not in error["message"]
    assert isinstance(error["details"], list)
    assert client.post(PREDICT, json={"rows": [GOOD]}).status_code == 200


def test_validation_details_name_row_and_field(client):
    response = client.post(PREDICT, json={"rows": [GOOD, [5.1, "wide", 1.4, 0.2]]})
    detail = response.get_json()["error"]["details"][0]
    assert (detail["code"], detail["row"], detail["field"]) == ("wrong_value", 2, "sepal_width_cm")
    assert "the string 'wide'" in detail["message"]


@pytest.mark.parametrize("method, path, status, code", [
    ("post", "/api/v1/models/nope/predict", 404, "unknown_model"),
    ("get", "/api/v1/models/nope", 404, "unknown_model"),
    ("get", "/api/v1/nothing", 404, "not_found"),
    ("post", "/api/v1/models/iris/versions/9.9.9/predict", 404, "unknown_model"),
    ("get", "/api/v1/models/iris/versions/9.9.9", 404, "unknown_model"),
    ("get", PREDICT, 405, "method_not_allowed"),
    ("delete", "/api/v1/models", 405, "method_not_allowed"),
])
def test_routing_errors_are_json(client, method, path, status, code):
    response = getattr(client, method)(path, json={"rows": [GOOD]})
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


def test_too_many_rows_and_too_large_bodies(model_dir):
    from server_fallback import create_app

    client = create_app({"TESTING": True, "MODEL_DIR": str(model_dir), "SITE_DIR": "", "MAX_ROWS": 5,
                         "MAX_CONTENT_LENGTH": 2000}).test_client()
    response = client.post(PREDICT, json={"rows": [GOOD] * 6})
    assert response.status_code == 413 and "at most 5 rows" in response.get_json()["error"]["message"]
    response = client.post(PREDICT, data=json.dumps({"rows": [GOOD] * 200}), content_type="application/json")
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "payload_too_large"


def test_unexpected_fault_is_500_json_with_request_id(app, client, monkeypatch):
    model = app.extensions["models"].registry.get("iris")
    monkeypatch.setattr(model.engine, "classify", lambda X: 1 / 0)
    response = client.post(PREDICT, json={"rows": [GOOD]}, headers={"X-Request-ID": "abc-123"})
    assert response.status_code == 500
    body = response.get_json()
    assert body["error"]["code"] == "internal_error"
    assert "abc-123" in body["error"]["message"] and "ZeroDivision" not in json.dumps(body)
    assert response.headers["X-Request-ID"] == "abc-123"


def test_server_refuses_to_start_with_a_tampered_bundle(bundle_copy):
    from py_pipeline import IntegrityError
    from server_fallback import create_app

    tamper_engine_files(bundle_copy)
    with pytest.raises(IntegrityError):
        create_app({"MODEL_DIR": str(bundle_copy.parent.parent), "SITE_DIR": ""})


@pytest.fixture()
def site_client(model_dir, site_dir):
    return create_app({"TESTING": True, "MODEL_DIR": str(model_dir), "SITE_DIR": str(site_dir)}).test_client()


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT"])
@pytest.mark.parametrize("path", [PREDICT, "/api/v1/models/iris/versions/1.0.0/predict"])
def test_other_methods_on_predict_routes_are_405_with_allow(site_client, method, path):
    """With the site served beside the API, its catch-all must not turn these into 404s."""
    response = site_client.open(path, method=method)
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    if method != "HEAD":
        assert response.get_json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("path", ["/" + "a" * 300, "/lib/" + "b" * 256 + ".js", "/models/" + "c" * 4000 + "/x"])
def test_overlong_paths_are_404_not_500(site_client, path):
    response = site_client.get(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_api_answers_are_never_stored_and_vary_with_origin_under_cors(model_dir, site_client):
    answer = site_client.post(PREDICT, json={"rows": [GOOD]})
    assert answer.headers["Cache-Control"] == "no-store"
    assert site_client.get("/api/v1/models").headers["Cache-Control"] == "no-store"
    assert site_client.get("/index.html").headers["Cache-Control"] == "no-cache"  # the site keeps its own
    cors = create_app({"TESTING": True, "MODEL_DIR": str(model_dir), "SITE_DIR": "",
                       "CORS_ORIGINS": ["https://app.example"]}).test_client()
    for headers in ({}, {"Origin": "https://app.example"}, {"Origin": "https://other.example"}):
        response = cors.post(PREDICT, json={"rows": [GOOD]}, headers=headers)
        assert "Origin" in response.headers.get("Vary", ""), headers


def test_the_site_path_redirect_does_not_trust_host(model_dir, site_dir):
    client = create_app({"TESTING": True, "MODEL_DIR": str(model_dir), "SITE_DIR": str(site_dir),
                         "SITE_PATH": "/tools/predict/"}).test_client()
    response = client.get("/tools/predict", headers={"Host": "evil.example"})
    assert response.status_code in (301, 308)
    assert response.headers["Location"] == "/tools/predict/"


def test_a_csv_part_scored_partially_lists_the_rows_it_rejects(client):
    """?partial=true: the valid rows scored, the others listed with their row and line in the whole
    file, the result and error files' lines ready to join; the default stays all or nothing."""
    body = "sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm\n5.1,3.5,1.4,0.2\nabc,3.5,1.4,0.2\n"
    answer = client.post(PREDICT + "?partial=true&first_row=11&first_line=20", data=body, content_type="text/csv")
    scored = answer.get_json()
    assert answer.status_code == 200 and (scored["rows"], scored["scored"], scored["invalid_rows"]) == (2, 1, 1)
    assert [(p["row"], p["line"], p["field"]) for p in scored["problems"]] == [(12, 21, "sepal_length_cm")]
    assert scored["result"]["header"].startswith("sepal_length_cm,") and scored["result"]["rows"].count("\r\n") == 1
    assert scored["errors"]["header"] == "row,line,field,expected,problem\r\n"
    assert scored["errors"]["rows"].startswith("12,21,sepal_length_cm,")
    assert scored["preview"][0][-1].startswith("probability_") and len(scored["preview"]) == 2
    assert client.post(PREDICT, data=body, content_type="text/csv").status_code == 422
    assert client.post(PREDICT + "?partial=yes", data=body, content_type="text/csv").status_code == 400
