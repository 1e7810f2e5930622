"""The production server as a real process (``python -m server_fallback.serve``) on loopback,
for the tests that need real workers, real sockets and real signals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from .live import free_port
from .paths import ROOT


def launch(model_dir, log: Path | None, workers: int = 2, **settings: str) -> tuple[subprocess.Popen, str]:
    """Start the server and return at once; ``settings`` are more environment variables."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "WEB_CONCURRENCY": str(workers), "SITE_DIR": "",
           "MODEL_DIR": str(model_dir), **settings}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    proc = subprocess.Popen([sys.executable, "-m", "server_fallback.serve"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL,
                            stderr=log.open("w") if log else subprocess.DEVNULL)
    return proc, f"http://127.0.0.1:{port}"


def start_server(model_dir, log: Path | None, workers: int = 2, **settings: str) -> tuple[subprocess.Popen, str]:
    """Start the server and wait until ``/readyz`` answers 200 (60 s at most)."""
    proc, url = launch(model_dir, log, workers, **settings)
    deadline = time.time() + 60
    while True:
        try:
            if requests.get(url + "/readyz", timeout=1).status_code == 200:
                return proc, url
        except requests.ConnectionError:
            pass
        if time.time() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.fail("the server did not become ready within 60 s")
        time.sleep(0.2)


def stop_server(proc: subprocess.Popen) -> int:
    proc.terminate()
    return proc.wait(timeout=30)


def log_lines(log: Path) -> list[dict]:
    """Every line the server wrote to stderr, parsed as JSON (a line that is not JSON fails)."""
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def access_log(log: Path) -> list[dict]:
    """The request lines the workers wrote."""
    return [entry for entry in log_lines(log) if "route" in entry]


def _stat(pid: int | str, task: str | None = None) -> list[str]:
    path = Path(f"/proc/{pid}") / (f"task/{task}/stat" if task else "stat")
    return path.read_text().rsplit(")", 1)[1].split()


def workers_of(main: int) -> list[int]:
    """The worker processes of the server's main process."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat(entry.name)[1]) == main:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def busy_workers(main: int) -> list[int]:
    """Workers with a thread running (state R): serving a request."""
    busy = []
    for pid in workers_of(main):
        try:
            states = [_stat(pid, task)[0] for task in os.listdir(f"/proc/{pid}/task")]
        except OSError:
            continue
        if "R" in states:
            busy.append(pid)
    return busy


def thread_names(pid: int) -> list[str]:
    return [Path(f"/proc/{pid}/task/{task}/comm").read_text().strip() for task in os.listdir(f"/proc/{pid}/task")]
