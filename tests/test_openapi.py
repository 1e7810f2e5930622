"""The OpenAPI document, and schemathesis against a real gunicorn serving it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from .conftest import ROOT

pytestmark = pytest.mark.host

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn(model_dir):
    """The production server: gunicorn with our config, 3 workers, on a loopback port."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "WEB_CONCURRENCY": "3", "SITE_DIR": "", "MODEL_DIR": str(model_dir)}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    proc = subprocess.Popen([str(BIN / "gunicorn"), "--config", "server_fallback/gunicorn.conf.py",
                             "server_fallback.wsgi:app"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            if requests.get(url + "/readyz", timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if time.time() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.fail("gunicorn did not become ready within 60 s")
        time.sleep(0.2)
    yield url
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)


def test_schemathesis_finds_no_server_error_and_no_contract_break(gunicorn, tmp_path):
    done = subprocess.run(
        [str(BIN / "st"), "--config-file", str(ROOT / "tests" / "schemathesis.toml"), "run",
         f"{gunicorn}/api/v1/openapi.json", "--checks", "all", "--max-examples", "100", "--seed", "20261126",
         "--generation-database", "none", "--no-color", "--output-truncate", "true", "--request-timeout", "10"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    summary = done.stdout[-3000:]
    assert done.returncode == 0, summary
    assert "No issues found" in summary


def test_metrics_add_up_across_gunicorn_workers(gunicorn):
    def rows_predicted() -> float:
        text = requests.get(gunicorn + "/metrics", timeout=5).text
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith("rows_predicted_total{") and 'model="iris"' in line)

    before = rows_predicted()
    with requests.Session() as s:
        for _ in range(30):  # sync workers close each connection, so requests spread over workers
            assert s.post(gunicorn + "/api/v1/models/iris/predict", json={"rows": [[5.1, 3.5, 1.4, 0.2]] * 2},
                          timeout=5).status_code == 200
    assert rows_predicted() - before == 60
