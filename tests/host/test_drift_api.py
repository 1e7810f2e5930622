"""Drift on the server (issue 33): every predicted row (JSON and CSV) is counted against the
model's reference profile; ``GET .../drift`` answers the window, the counts, the statistics, the
ranking and the alarm; ``/metrics`` carries the drift gauges; a bundle without a profile answers
422 ``drift_unavailable`` and predicts all the same; two real server workers count as one would."""

from __future__ import annotations

import shutil
import time

import requests

from build_scripts.data import machine_failures
from server_fallback import create_app

from ..support.server_process import start_server, stop_server

ROUTE = "/api/v1/models/machine_failure/versions/1.0.0"


def test_rows_are_counted_and_a_shift_raises_the_alarm(model_dir):
    client = create_app({"TESTING": True, "MODEL_DIR": str(model_dir), "SITE_DIR": ""}).test_client()
    quiet = client.get(f"{ROUTE}/drift").get_json()
    assert quiet["window"]["rows"] == 0 and not quiet["enough_rows"] and not quiet["alarm"]
    rows = machine_failures.generate(600, 71).rows()
    shifted = [[r[0], r[1] + 5.0, *r[2:]] for r in rows]
    for row in shifted[:50]:  # one row a request: the plain-Python path
        assert client.post(f"{ROUTE}/predict", json={"rows": [row]}).status_code == 200
    assert client.post(f"{ROUTE}/predict", json={"rows": shifted[50:400]}).status_code == 200  # a batch
    header = "Product type,Air temperature [K],Process temperature [K],Rotational speed [rpm],Torque [Nm],Tool wear [min]"
    body = header + "\n" + "\n".join(",".join(map(str, r)) for r in shifted[400:]) + "\n"
    assert client.post(f"{ROUTE}/predict", data=body, headers={"Content-Type": "text/csv"}).status_code == 200
    report = client.get(f"{ROUTE}/drift").get_json()
    assert report["window"]["rows"] == 600 and report["enough_rows"]
    air = report["features"]["air_temperature_k"]
    assert sum(air["observed"]) == 600 and sum(air["reference"]) == 8000 and len(air["labels"]) == len(air["observed"])
    assert sum(report["predictions"]["observed"]) == 600
    assert report["alarm"] and air["drifted"] and air["psi"] >= 0.1
    assert report["ranked"][0] in ("air_temperature_k", "process_temperature_k")  # process follows air
    assert not report["features"]["tool_wear_min"]["drifted"]
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'drift_alarm{model="machine_failure",version="1.0.0"} 1.0' in metrics
    assert 'drift_window_rows{model="machine_failure",version="1.0.0"} 600.0' in metrics
    assert 'drift_psi{feature="air_temperature_k",model="machine_failure",version="1.0.0"}' in metrics \
        or 'drift_psi{model="machine_failure",version="1.0.0",feature="air_temperature_k"}' in metrics


def test_a_bundle_without_a_profile_answers_that_drift_is_unavailable(matrix, tmp_path):
    directory, rows = matrix["wine_random_forest"]
    shutil.copytree(directory, tmp_path / "wine_random_forest" / "1.0.0")
    client = create_app({"TESTING": True, "MODEL_DIR": str(tmp_path), "SITE_DIR": ""}).test_client()
    refused = client.get("/api/v1/models/wine_random_forest/versions/1.0.0/drift")
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "drift_unavailable"
    assert client.post("/api/v1/models/wine_random_forest/versions/1.0.0/predict", json={"rows": rows[:2]}).status_code == 200
    assert client.get("/api/v1/models/wine_random_forest/versions/9.9.9/drift").status_code == 404


def test_two_workers_count_as_one(model_dir, tmp_path):
    proc, url = start_server(model_dir, tmp_path / "log", workers=2, DRIFT_FLUSH_SECONDS="1")
    try:
        rows = machine_failures.generate(120, 5).rows()
        sessions = [requests.Session() for _ in range(4)]  # several connections: both workers answer
        for i, row in enumerate(rows):
            assert sessions[i % 4].post(f"{url}{ROUTE}/predict", json={"rows": [row]}, timeout=30).status_code == 200
        time.sleep(2.5)  # every worker has flushed
        seen = {requests.get(f"{url}{ROUTE}/drift", timeout=30).json()["window"]["rows"] for _ in range(8)}
        assert seen == {120}  # whichever worker answers, the counts are every worker's
        metrics = requests.get(f"{url}/metrics", timeout=30).text
        assert 'drift_window_rows{model="machine_failure",version="1.0.0"} 120.0' in metrics
    finally:
        stop_server(proc)


def _report(client, rows):
    """A page's telemetry report for ``rows``, made as the page makes it (the bridge's counter)."""
    from py_pipeline.drift.telemetry import Counter

    model = client.application.extensions["models"].registry.get("machine_failure", "1.0.0")
    counter = Counter(model)
    model.observer = counter.tally
    try:
        model.predict(rows)
    finally:
        model.observer = None
    return counter.take(20)


def test_browser_telemetry_is_kept_apart_and_never_raises_the_alarm(model_dir):
    client = create_app({"TESTING": True, "MODEL_DIR": str(model_dir), "SITE_DIR": ""}).test_client()
    rows = machine_failures.generate(400, 9).rows()
    shifted = _report(client, [[r[0], r[1] + 5.0, *r[2:]] for r in rows])
    assert shifted["rows"] == 400 and set(shifted) == {"format", "profile", "rows", "counts"}
    for _ in range(3):
        sent = client.post(f"{ROUTE}/telemetry", json=shifted)
        assert sent.status_code == 202 and sent.get_json() == {"accepted_rows": 400}
    report = client.get(f"{ROUTE}/drift").get_json()
    assert report["window"]["rows"] == 0 and not report["alarm"]  # the server's own window: untouched
    browser = report["browser"]
    assert browser["window"]["rows"] == 1200 and browser["features"]["air_temperature_k"]["drifted"]
    assert sum(browser["predictions"]["observed"]) == 1200
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'drift_alarm{model="machine_failure",version="1.0.0"} 0.0' in metrics
    assert 'drift_browser_alarm{model="machine_failure",version="1.0.0"} 1.0' in metrics
    assert 'drift_browser_window_rows{model="machine_failure",version="1.0.0"} 1200.0' in metrics
    assert 'telemetry_rows_total{model="machine_failure",version="1.0.0"} 1200.0' in metrics


def test_a_poisoned_telemetry_report_is_refused_naming_the_field(model_dir):
    client = create_app({"TESTING": True, "MODEL_DIR": str(model_dir), "SITE_DIR": "",
                         "TELEMETRY_MAX_ROWS": 500}).test_client()
    good = _report(client, machine_failures.generate(100, 3).rows())
    air = good["counts"]["air_temperature_k"]
    poisoned = {
        "counts.air_temperature_k": {**good, "counts": {**good["counts"], "air_temperature_k": [-5, *air[1:-1], air[-1] + 5]}},
        "rows": {**good, "rows": 10**12},
        "profile": {**good, "profile": "0" * 64},
        "format": {**good, "format": "py_pipeline.telemetry/9"},
        "values": {**good, "values": [[1.0, 2.0]]},
        "counts.(predictions)": {**good, "counts": {**good["counts"], "(predictions)": [1e9]}},
        "counts.torque_nm": {**good, "counts": {k: v for k, v in good["counts"].items() if k != "torque_nm"}},
        "counts.secret": {**good, "counts": {**good["counts"], "secret": [1]}},
        "dropped_rows": {**good, "dropped_rows": -1},
        "body": [good],
    }
    poisoned["counts.air_temperature_k"]["counts"]["air_temperature_k"][0] = -5
    too_many = {**good, "rows": 600, "counts": {k: [c * 6 for c in v] for k, v in good["counts"].items()}}
    poisoned["rows (over the cap)"] = too_many
    few = _report(client, machine_failures.generate(30, 4).rows())
    poisoned["rows (too few)"] = {**few, "rows": 10, "counts": {k: _shrunk(v, 10) for k, v in few["counts"].items()}}
    for field, body in poisoned.items():
        refused = client.post(f"{ROUTE}/telemetry", json=body)
        assert refused.status_code == 400, field
        error = refused.get_json()["error"]
        assert error["code"] == "invalid_request" and field.split(" ")[0] in {d["field"] for d in error["details"]}, \
            (field, error)
    unsummed = {**good, "counts": {**good["counts"], "tool_wear_min": [0] * len(good["counts"]["tool_wear_min"])}}
    assert client.post(f"{ROUTE}/telemetry", json=unsummed).get_json()["error"]["details"][0]["field"] == "counts.tool_wear_min"
    assert client.post(f"{ROUTE}/telemetry", data=b"x" * 300_000,
                       headers={"Content-Type": "application/json"}).status_code == 413
    assert client.post(f"{ROUTE}/telemetry", data="{", headers={"Content-Type": "application/json"}).status_code == 400
    assert client.get(f"{ROUTE}/drift").get_json()["browser"]["window"]["rows"] == 0  # nothing poisoned got in
    assert client.post("/api/v1/models/machine_failure/versions/9.9.9/telemetry", json=good).status_code == 404
    off = create_app({"TESTING": True, "MODEL_DIR": str(model_dir), "SITE_DIR": "", "TELEMETRY": False}).test_client()
    assert off.post(f"{ROUTE}/telemetry", json=good).status_code == 404


def _shrunk(counts, rows):
    """Counts scaled down to add up to ``rows``."""
    out, left = [0] * len(counts), rows
    for i, c in enumerate(counts):
        take = min(c, left)
        out[i], left = take, left - take
    return out


def test_a_file_scored_on_the_server_in_pieces_gets_the_same_drift_report(model_dir, tmp_path):
    from py_pipeline import load_model
    from py_pipeline.csv_io import Scoring

    from .test_scoring_drift import shifted_file

    client = create_app({"TESTING": True, "MODEL_DIR": str(model_dir), "SITE_DIR": ""}).test_client()
    shifted_file(tmp_path / "hot.csv", rows=600)
    header, *lines = (tmp_path / "hot.csv").read_text().splitlines()
    summed = None
    for start in (0, 250):  # two pieces, as the client sends them
        piece = "\n".join([header, *lines[start:start + 250 if start == 0 else None]]) + "\n"
        answer = client.post(f"{ROUTE}/predict?partial=true&drift=true&first_row={start + 1}", data=piece,
                             headers={"Content-Type": "text/csv"}).get_json()
        counts = answer["drift"]
        summed = counts if summed is None else {**summed, "rows": summed["rows"] + counts["rows"], "counts": {
            line: [a + b for a, b in zip(summed["counts"][line], c)] for line, c in counts["counts"].items()}}
    assert summed["rows"] == 600
    page = client.post(f"{ROUTE}/drift/report", json=summed)
    assert page.status_code == 200 and page.mimetype == "text/html"
    local = Scoring((tmp_path / "hot.csv").read_bytes(), load_model(model_dir / "machine_failure" / "1.0.0"), drift=True)
    local.step(10_000)
    expected = local.drift_report("the file scored on the server")
    assert page.get_data(as_text=True) == expected
    assert 'data-feature="air_temperature_k" data-drifted="true"' in expected
    bad = client.post(f"{ROUTE}/drift/report", json={**summed, "rows": 599})
    assert bad.status_code == 400 and bad.get_json()["error"]["details"][0]["field"].startswith("counts.")
