"""CPU cost of one request inside the Flask app, without any HTTP server: the WSGI app called
directly, so the figure is our per-request work alone (routing, validation, prediction, metrics,
the JSON log line, the answer). Best of 5 runs of 3,000 single-row requests per route, with the
request log on and off. Works on any commit of server_fallback, to compare before and after.

    .venv/bin/python bench/app_cost.py
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ROW = [2.5, 1.3, 4.0, 0.8]
ROUTES = {"/predict": {"features": ROW}, "/api/v1/models/iris/predict": {"rows": [ROW]}}


def cost_us(app, path: str, payload: dict, runs: int = 5, requests: int = 3000) -> float:
    """Best per-request time in microseconds over ``runs`` runs."""
    from werkzeug.test import EnvironBuilder

    body = json.dumps(payload).encode()
    best = float("inf")
    for _ in range(runs):
        environs = [EnvironBuilder(path=path, method="POST", data=body, content_type="application/json").get_environ()
                    for _ in range(requests)]
        started = time.perf_counter()
        for environ in environs:
            b"".join(app(environ, lambda status, headers, exc_info=None: None))
        best = min(best, (time.perf_counter() - started) / requests * 1e6)
    return best


def main() -> None:
    os.environ["SITE_DIR"] = ""
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="prometheus-"))
    from server_fallback import create_app

    app = create_app()
    log = logging.getLogger("server_fallback")
    for handler in log.handlers:
        handler.setStream(open(os.devnull, "w"))  # the line is still built and written, to nowhere
    print("Per-request CPU inside the app (no HTTP server), single row, best of 5 x 3,000")
    for path, payload in ROUTES.items():
        cost_us(app, path, payload, runs=1, requests=500)  # warm-up
        with_log = cost_us(app, path, payload)
        log.setLevel("WARNING")
        without_log = cost_us(app, path, payload)
        log.setLevel("INFO")
        print(f"  {path:<32}: {with_log:6.1f} us (request log off: {without_log:6.1f} us)")


if __name__ == "__main__":
    main()
