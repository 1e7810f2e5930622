"""Starting and stopping the servers the benchmarks measure (loopback only)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from build_scripts.local_server import free_port  # noqa: E402

__all__ = ["free_port"]
BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"


def wait_until_up(port: int, path: str, proc: subprocess.Popen, body: bytes | None = None) -> None:
    """Poll ``path`` (POST ``body`` when given) until it answers 2xx; give up after 60 s."""
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server on port {port} exited with {proc.returncode}")
        try:
            req = urllib.request.Request(f"http://{HOST}:{port}{path}", data=body,
                                         headers={"Content-Type": "application/json"})
            urllib.request.urlopen(req, timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"server on port {port} did not come up within 60 s")


def start_server(port: int, **env_overrides: str) -> subprocess.Popen:
    """Our production server (``python -m server_fallback.serve``, logs on), ready when it returns."""
    env = {**os.environ, "PORT": str(port), **env_overrides}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    proc = subprocess.Popen([str(BIN / "python"), "-m", "server_fallback.serve"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_up(port, "/readyz", proc)
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
