"""The production server (``python -m server_fallback.serve``, granian) as a real process: what
takes servers down in production. Slow and idle clients, SIGTERM during a rolling deploy,
thread oversubscription, background loading in forked workers, malformed HTTP, bad settings."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.client import HTTPConnection
from pathlib import Path

import pytest
import requests

from ..support.bundles import mismatched_version
from ..support.paths import ROOT
from ..support.server_process import busy_workers, free_port, launch, log_lines, start_server, stop_server, thread_names, workers_of

IRIS = "/api/v1/models/iris/predict"
IRIS_BODY = json.dumps({"rows": [[2.5, 1.3, 4.0, 0.8]]}).encode()
HEAVY = "/api/v1/models/machine_failure_heavy/predict"
HEAVY_ROW = ["M", 300.0, 310.0, 1500.0, 40.0, 100]

# Slow clients, SIGTERM's drain and thread counts race real processes against wall clocks: run
# alone (`make test` runs them after the lanes it runs side by side).
pytestmark = pytest.mark.timing


@pytest.fixture(scope="module")
def server(model_dir, tmp_path_factory):
    log = tmp_path_factory.mktemp("server") / "stderr.log"
    proc, url = start_server(model_dir, log)
    yield proc, url, log
    stop_server(proc)


def address(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").split(":")
    return host, int(port)


def test_two_hundred_slow_and_idle_clients_do_not_delay_a_normal_request(server):
    """Slow clients held every gunicorn sync worker: a normal request waited 30 s. Here 200
    sockets trickle headers, trickle a body, or sit idle, and normal requests still answer at once."""
    _, url, _ = server
    sockets = []
    try:
        for i in range(200):
            s = socket.create_connection(address(url), timeout=5)
            if i % 3 == 0:  # headers that never end
                s.sendall(b"POST " + IRIS.encode() + b" HTTP/1.1\r\nHost: x\r\n")
            elif i % 3 == 1:  # a body announced and never sent in full
                s.sendall(b"POST " + IRIS.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          b"Content-Length: 1000\r\n\r\n{\"rows\"")
            sockets.append(s)  # the rest connect and send nothing
        latencies = []
        for n in range(60):
            for i in range(n % 20, 200, 20):  # keep trickling between requests: a header line, a byte of body
                if i % 3 != 2:
                    try:
                        sockets[i].sendall(b"X-Slow: 1\r\n" if i % 3 == 0 else b" ")
                    except OSError:  # the server may close a slow client: its right, not a failure
                        pass
            started = time.perf_counter()
            response = requests.post(url + IRIS, data=IRIS_BODY, headers={"Content-Type": "application/json"},
                                     timeout=10)
            latencies.append(time.perf_counter() - started)
            assert response.status_code == 200
        assert max(latencies) < 1.0, f"slowest normal request {max(latencies):.2f} s"
    finally:
        for s in sockets:
            s.close()


def test_sigterm_answers_in_flight_and_queued_connections(model_dir, tmp_path):
    """A rolling deploy: on SIGTERM every connection the server accepted is answered in full,
    including those queued behind busy workers (gunicorn reset them). Connections made after the
    listener closed are refused, which a load balancer retries elsewhere; none is reset."""
    proc, url = start_server(model_dir, tmp_path / "log", workers=2)
    body = json.dumps({"rows": [HEAVY_ROW] * 300}).encode()  # about 0.1 s each: a queue forms
    outcomes: list[str] = []
    lock = threading.Lock()
    stop_at = time.time() + 4

    def client() -> None:
        while time.time() < stop_at:
            try:
                connection = HTTPConnection(*address(url), timeout=30)
                connection.request("POST", HEAVY, body, {"Content-Type": "application/json"})
                response = connection.getresponse()
                outcome = "ok" if response.status == 200 and len(json.loads(response.read())["predictions"]) == 300 \
                    else f"status {response.status}"
                connection.close()
            except ConnectionRefusedError:
                outcome = "refused"
                time.sleep(0.05)
            except (OSError, ValueError) as exc:  # reset, closed without an answer, cut short
                outcome = repr(exc)
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=client) for _ in range(8)]
    for t in threads:
        t.start()
    deadline = time.time() + 5  # until both workers are busy and the others wait in the queue
    while time.time() < deadline and len(busy_workers(proc.pid)) < 2:
        time.sleep(0.01)
    time.sleep(0.5)
    proc.send_signal(15)
    for t in threads:
        t.join(60)
    assert proc.wait(timeout=30) == 0
    answered = outcomes.count("ok")
    assert answered >= 8, outcomes
    assert set(outcomes) <= {"ok", "refused"}, [o for o in outcomes if o not in ("ok", "refused")]


def test_sigterm_lets_long_requests_finish(model_dir, tmp_path):
    """Requests already being served when SIGTERM arrives are answered in full."""
    proc, url = start_server(model_dir, tmp_path / "log", workers=2)
    rows = [HEAVY_ROW] * 10_000  # the heavy forest: about a second each
    results: list = []

    def post() -> None:
        try:
            results.append(requests.post(url + HEAVY, json={"rows": rows}, timeout=60))
        except requests.RequestException as exc:
            results.append(exc)

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    deadline = time.time() + 3  # until both workers have a request in hand
    while time.time() < deadline and len(busy_workers(proc.pid)) < 2:
        time.sleep(0.01)
    proc.send_signal(15)
    for t in threads:
        t.join(60)
    assert proc.wait(timeout=30) == 0
    assert [getattr(r, "status_code", r) for r in results] == [200, 200]
    assert all(len(r.json()["predictions"]) == 10_000 for r in results)


def _python_threads_after_openmp_predictions(model_dir, tmp_path, **settings) -> dict[int, int]:
    proc, url = start_server(model_dir, tmp_path / "log", workers=2, ENGINE="sklearn", **settings)
    try:
        row = ["L", 298.1, 308.6, 1551.0, 42.8, 0]
        for _ in range(20):  # one at a time: one request thread per worker at most
            response = requests.post(f"{url}/api/v1/models/machine_failure/versions/1.1.0/predict",
                                     json={"rows": [row] * 500}, timeout=30)
            assert response.status_code == 200
        workers = workers_of(proc.pid)
        assert len(workers) == 2
        # OpenMP's threads carry the process's name; granian's own Rust threads are named tokio-*
        return {pid: thread_names(pid).count(Path(f"/proc/{pid}/comm").read_text().strip()) for pid in workers}
    finally:
        stop_server(proc)


def test_workers_run_one_openmp_thread_each(model_dir, tmp_path):
    """Several workers each starting a thread per core oversubscribe the cores: the server caps
    OpenMP and BLAS at one thread per worker. HistGradientBoosting on the scikit-learn engine
    predicts with OpenMP. An operator's own OMP_NUM_THREADS=3 adds exactly two threads per worker,
    so the default run has OpenMP on the request's own thread only."""
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        assert variable not in os.environ, f"{variable} is set in the test environment: the test would prove nothing"
    default = _python_threads_after_openmp_predictions(model_dir, tmp_path)
    three = _python_threads_after_openmp_predictions(model_dir, tmp_path, OMP_NUM_THREADS="3")
    assert sorted(three.values()) == [n + 2 for n in sorted(default.values())], (default, three)


def test_background_loading_in_forked_workers_and_chunked_bodies_are_capped(model_dir, tmp_path):
    """The app is built before the workers fork, and the loader thread does not survive the fork:
    each worker loads for itself and becomes ready. A chunked body over MAX_CONTENT_LENGTH is a
    413, never cut at the limit and parsed. The server's own log lines are JSON like the app's."""
    log = tmp_path / "log"
    proc, url = start_server(model_dir, log, workers=2, LOAD_MODELS="background", MAX_CONTENT_LENGTH="2000")
    try:
        deadline = time.time() + 30  # every worker becomes ready (one may still be loading at first)
        while True:
            statuses = {requests.get(url + "/readyz", timeout=5).status_code for _ in range(6)}
            if statuses == {200} or time.time() > deadline:
                break
            time.sleep(0.2)
        assert statuses == {200}
        chunks = [IRIS_BODY, b" " * 1500, b" " * 1500]  # valid JSON, then padding past the limit
        response = requests.post(url + IRIS, data=iter(chunks), headers={"Content-Type": "application/json"},
                                 timeout=10)
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "payload_too_large"
        small = requests.post(url + IRIS, data=iter([IRIS_BODY]), headers={"Content-Type": "application/json"},
                              timeout=10)
        assert small.status_code == 200
    finally:
        stop_server(proc)
    events = [entry["event"] for entry in log_lines(log)]  # fails on any line that is not JSON
    assert any("Spawning worker" in e for e in events) and any("shutdown completed" in e for e in events), events


def test_a_failed_background_load_is_reported_on_readyz(bundle_copy, tmp_path):
    from ..support.bundles import tamper_engine_files

    tamper_engine_files(bundle_copy)
    proc, url = launch(bundle_copy.parent.parent, None, workers=2, LOAD_MODELS="background")
    try:
        body = None
        for _ in range(150):
            try:
                response = requests.get(url + "/readyz", timeout=2)
            except requests.ConnectionError:
                time.sleep(0.1)
                continue
            body = response.json()
            if "still loading" not in json.dumps(body):
                break
            time.sleep(0.1)
        assert response.status_code == 503
        assert "sha256" in json.dumps(body) or "failed to load" in json.dumps(body), body
    finally:
        stop_server(proc)


def _serve(env_overrides: dict, model_dir) -> subprocess.CompletedProcess:
    env = {**os.environ, "PORT": str(free_port()), "MODEL_DIR": str(model_dir), "SITE_DIR": "", "WEB_CONCURRENCY": "1",
           **env_overrides}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return subprocess.run([sys.executable, "-m", "server_fallback.serve"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)


def test_a_mismatched_bundle_stops_the_server_with_the_reason(bundle_copy):
    """The models load before any worker starts: a bad bundle ends the process, serving nothing."""
    mismatched_version(bundle_copy)
    done = _serve({"ENGINE": "sklearn"}, bundle_copy.parent.parent)
    assert done.returncode != 0
    [line] = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    assert "built with numpy 1.26.4, but this runtime has 2.0.2" in line["event"]


@pytest.mark.parametrize("name, value", [("WEB_CONCURRENCY", "0"), ("GRACEFUL_TIMEOUT", "soon"),
                                         ("PORT", "-1"), ("HEADER_READ_TIMEOUT", "0"), ("MAX_ROWS", "0")])
def test_nonsense_settings_stop_the_server_naming_the_variable(model_dir, name, value):
    done = _serve({name: value}, model_dir)
    assert done.returncode != 0
    [line] = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]  # one JSON line, no trace
    assert line["level"] == "ERROR" and f"{name}={value!r} is invalid" in line["event"]


def _raw_exchange(url: str, request: bytes) -> bytes:
    with socket.create_connection(address(url), timeout=5) as s:
        try:
            s.sendall(request)
        except OSError:  # the server may answer and close before a huge request is sent
            pass
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize("request_bytes, status", [
    (b"GARBAGE\r\n\r\n", 400),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 500_000 + b"\r\n\r\n", 431),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: a\r\n" % i for i in range(200)) + b"\r\n", 431),
])
def test_malformed_http_gets_a_bare_status_never_an_html_page(server, request_bytes, status):
    """Requests too broken to reach the app are refused by the HTTP layer with the status alone:
    no HTML page and no server banner (gunicorn answered these with HTML)."""
    _, url, _ = server
    answer = _raw_exchange(url, request_bytes)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(f"HTTP/1.1 {status} ".encode()), head
    assert body == b"" and b"content-length: 0" in head.lower()
    assert b"server:" not in head.lower()


def test_a_long_request_line_reaches_the_app_and_gets_json(server):
    _, url, _ = server
    answer = _raw_exchange(url, b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 404 ")
    assert json.loads(body)["error"]["code"] == "not_found"
