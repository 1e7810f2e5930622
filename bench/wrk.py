"""The server benchmark harness: wrk (Debian's ``wrk``, a C load generator, so the client
does not eat the CPU the servers share with it) driven with a small Lua script that POSTs one
JSON body and prints its figures as one JSON line. Loopback only, bounded by duration.

Reused by every server benchmark: :func:`wrk` for one run (``stats.spread`` reports rounds).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = io.open(os.getenv("WRK_BODY"), "r"):read("*a")
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\n{"requests": %d, "duration_us": %d, "socket_errors": %d, "non_2xx": %d, "p50_us": %d, "p99_us": %d, "max_us": %d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


@dataclass
class WrkResult:
    """One wrk run."""

    requests: int
    seconds: float
    failed: int  # socket errors plus non-2xx answers
    p50_ms: float
    p99_ms: float
    max_ms: float

    @property
    def throughput(self) -> float:
        return (self.requests - self.failed) / self.seconds

    def summary(self) -> str:
        return (f"{self.throughput:8.1f} req/s, p50 {self.p50_ms:6.1f} ms, p99 {self.p99_ms:6.1f} ms, "
                f"{self.failed} failed of {self.requests}")


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is missing: `make wrk` installs Debian's package")
    return path


def wrk(url: str, payload: dict, seconds: float = 5, connections: int = 16) -> WrkResult:
    """POST ``payload`` to ``url`` for ``seconds`` over ``connections`` connections."""
    with tempfile.TemporaryDirectory() as tmp:
        body, script = Path(tmp) / "body.json", Path(tmp) / "post.lua"
        body.write_text(json.dumps(payload))
        script.write_text(SCRIPT)
        done = subprocess.run([require_wrk(), "-t", "1", "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
                               "--timeout", "30s", "-s", str(script), url],
                              capture_output=True, text=True, timeout=seconds + 60, env={"WRK_BODY": str(body)})
    if done.returncode != 0:
        raise SystemExit(f"wrk failed: {done.stderr.strip() or done.stdout.strip()}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return WrkResult(requests=figures["requests"], seconds=figures["duration_us"] / 1e6,
                     failed=figures["socket_errors"] + figures["non_2xx"], p50_ms=figures["p50_us"] / 1000,
                     p99_ms=figures["p99_us"] / 1000, max_ms=figures["max_us"] / 1000)

