"""The OpenAPI document, and schemathesis against a real gunicorn serving it."""

from __future__ import annotations

import json
import os
import signal
import threading
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


def start_gunicorn(model_dir, log: Path, workers: int = 3, **settings: str) -> tuple[subprocess.Popen, str]:
    """The production server: gunicorn with our config on a loopback port, its log in ``log``;
    ``settings`` are more environment variables."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "WEB_CONCURRENCY": str(workers), "SITE_DIR": "",
           "MODEL_DIR": str(model_dir), **settings}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    proc = subprocess.Popen([str(BIN / "gunicorn"), "--config", "server_fallback/gunicorn.conf.py",
                             "server_fallback.wsgi:app"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=log.open("w"))
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
    return proc, url


def access_log(log: Path) -> list[dict]:
    """The request lines gunicorn's workers wrote (one JSON object each)."""
    lines = [line for line in log.read_text().splitlines() if line.startswith("{")]
    return [entry for entry in map(json.loads, lines) if "route" in entry]


@pytest.fixture(scope="module")
def gunicorn(model_dir, tmp_path_factory):
    """gunicorn with 3 workers; yields its URL and its log file."""
    log = tmp_path_factory.mktemp("gunicorn") / "stderr.log"
    proc, url = start_gunicorn(model_dir, log)
    yield url, log
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)


def test_schemathesis_finds_no_server_error_and_no_contract_break(gunicorn, tmp_path):
    gunicorn, _ = gunicorn
    done = subprocess.run(
        [str(BIN / "st"), "--config-file", str(ROOT / "tests" / "schemathesis.toml"), "run",
         f"{gunicorn}/api/v1/openapi.json", "--checks", "all", "--max-examples", "100", "--seed", "20261126",
         "--generation-database", "none", "--no-color", "--output-truncate", "true", "--request-timeout", "10"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    summary = done.stdout[-3000:]
    assert done.returncode == 0, summary
    assert "No issues found" in summary


def test_metrics_add_up_across_gunicorn_workers(gunicorn):
    gunicorn, log = gunicorn

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
    served_by = {entry["pid"] for entry in access_log(log) if entry["route"] == "/api/v1/models/<name>/predict"}
    assert len(served_by) >= 2, "the sum is only a sum if more than one worker served"


def test_sigterm_lets_in_flight_requests_finish(model_dir, tmp_path):
    """A rolling deploy: requests already being served when SIGTERM arrives are answered in full."""
    proc, url = start_gunicorn(model_dir, tmp_path / "stderr.log", workers=2)
    rows = [["M", 300.0, 310.0, 1500.0, 40.0, 100]] * 10_000  # the heavy forest: about a second each
    results: list = []

    def post() -> None:
        try:
            results.append(requests.post(url + "/api/v1/models/machine_failure_heavy/predict", json={"rows": rows},
                                         timeout=60))
        except requests.RequestException as exc:
            results.append(exc)

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    deadline = time.time() + 2  # until both workers have a request in hand
    while time.time() < deadline and len(busy_workers(proc.pid)) < 2:
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    for t in threads:
        t.join(60)
    assert proc.wait(timeout=30) == 0
    assert [getattr(r, "status_code", r) for r in results] == [200, 200]
    assert all(len(r.json()["predictions"]) == 10_000 for r in results)


def busy_workers(master: int) -> list[int]:
    """gunicorn workers of ``master`` that are running (state R): serving a request."""
    busy = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master and fields[0] == "R":
                busy.append(int(entry.name))
    return busy
