"""The OpenAPI document, and schemathesis against the real server serving it."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import requests

from ..support.paths import ROOT
from ..support.server_process import access_log, start_server, stop_server

BIN = Path(ROOT) / ".venv" / "bin"


def test_document_describes_each_models_features(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0"
    body = doc["paths"]["/api/v1/models/iris/predict"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    row_object, row_array = body["properties"]["rows"]["items"]["oneOf"]
    assert row_object["required"] == ["sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"]
    assert row_object["properties"]["petal_width_cm"] == {"type": "number", "minimum": 0, "maximum": 10,
                                                          "description": "Petal width [cm]"}
    assert row_array["minItems"] == row_array["maxItems"] == 4
    assert body["properties"]["rows"]["maxItems"] == 10_000
    assert "/api/v1/models/iris/versions/1.0.0/predict" in doc["paths"]


@pytest.fixture(scope="module")
def server(model_dir, tmp_path_factory):
    """The production server with 2 workers; yields its URL and its log file."""
    log = tmp_path_factory.mktemp("server") / "stderr.log"
    proc, url = start_server(model_dir, log, MAX_EXPLAIN_ROWS="5")  # explanations cost more: small fuzzed batches
    yield url, log
    stop_server(proc)


def test_schemathesis_finds_no_server_error_and_no_contract_break(server, tmp_path):
    url, _ = server
    done = subprocess.run(
        [str(BIN / "st"), "--config-file", str(ROOT / "tests" / "support" / "schemathesis.toml"), "run",
         f"{url}/api/v1/openapi.json", "--checks", "all", "--max-examples", "100", "--seed", "20261126",
         "--generation-database", "none", "--no-color", "--output-truncate", "true", "--request-timeout", "10"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env={**os.environ, "SCHEMATHESIS_HOOKS": "schemathesis_hooks", "PYTHONPATH": str(ROOT / "tests" / "support")})
    summary = done.stdout[-3000:]
    assert done.returncode == 0, summary
    # Schemathesis warns when an operation refuses most generated bodies: the routes taking bin counts
    # do (telemetry, drift reports), since random counts seldom add up to rows. Any other warning fails.
    if "No issues found" not in summary:
        kinds = re.search(r"Warnings:\n((?:  .*\n)+)", summary)
        warned = summary.split("WARNINGS")[1].split("SUMMARY")[0]
        listed = re.findall(r"- (?:GET|POST) (\S+)", warned)
        assert kinds and all("Schema validation mismatch" in k for k in kinds.group(1).splitlines()), summary
        assert listed and all(path.endswith(("/telemetry", "/drift/report")) for path in listed), summary


def test_metrics_add_up_across_workers(server):
    url, log = server

    def rows_predicted() -> float:
        text = requests.get(url + "/metrics", timeout=5).text
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith("rows_predicted_total{") and 'model="iris"' in line)

    before = rows_predicted()
    for _ in range(30):  # a new connection each: the kernel spreads connections over the workers
        assert requests.post(url + "/api/v1/models/iris/predict", json={"rows": [[5.1, 3.5, 1.4, 0.2]] * 2},
                             timeout=5).status_code == 200
    assert rows_predicted() - before == 60
    served_by = {entry["pid"] for entry in access_log(log) if entry["route"] == "/api/v1/models/<name>/predict"}
    assert len(served_by) >= 2, "the sum is only a sum if more than one worker served"
