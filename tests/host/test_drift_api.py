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
