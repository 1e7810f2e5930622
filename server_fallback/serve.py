"""The production server: granian (a Rust HTTP server) running the Flask app over WSGI.

    python -m server_fallback.serve     # what `make serve` and the Dockerfile run

Why granian and not gunicorn's sync workers: granian reads requests, headers and keep-alive
connections on its Rust event loop, so a slow, trickling or idle socket never holds a Python
worker (three such sockets starved three sync workers for 30 s), and it costs less per request
(bench/server_load.py prints both). The app is imported here, before the workers fork, so a bad
bundle stops the server with its reason, and every worker starts with the models loaded.
"""

from __future__ import annotations

import logging
import logging.config
import os
import shutil
import sys
import tempfile
from typing import Any

# One thread per worker for OpenMP and BLAS. Each worker would otherwise start a thread per core,
# and several workers predicting at once fight over the cores (HistGradientBoosting on the
# scikit-learn engine: 350 req/s with one thread, 11-44 req/s without, at 8 clients). Set before
# the app imports numpy or scikit-learn.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

#: name -> (default, meaning): the server's own settings. The README's deployment section lists them.
SERVER_SETTINGS: dict[str, tuple[str, str]] = {
    "HOST": ("127.0.0.1", "address to listen on"),
    "PORT": ("8000", "port to listen on"),
    "WEB_CONCURRENCY": ("cores", "worker processes (prediction is CPU-bound: one per core)"),
    "GRACEFUL_TIMEOUT": ("20", "seconds a worker has on SIGTERM to finish what it has accepted"),
    "HEADER_READ_TIMEOUT": ("10", "seconds a client has to send its request headers"),
}


def _setting(name: str) -> int:
    raw = os.environ.get(name, SERVER_SETTINGS[name][0])
    if name == "WEB_CONCURRENCY" and raw == "cores":
        return os.cpu_count() or 1
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise SystemExit(f"environment variable {name}={raw!r} is invalid: expected a whole number of at least 1")
    return value


class ExplainThreads(logging.Filter):
    """granian warns that its Python threads per worker (256 here) "seem quite high" against the
    cores. They are meant: a WSGI app reads the request body in its thread, so a client trickling a
    body holds one while it waits, not a core (tests/host/test_production_server.py holds 200 such
    clients). The warning becomes a line that says so."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith("Configuration allows spawning up to"):
            threads = record.getMessage().split("up to ", 1)[1].split(" ", 1)[0]
            record.msg = (f"up to {threads} Python threads per worker, on purpose: a WSGI app reads each request "
                          "body in its thread, so slow clients wait in threads, not on cores (numpy's own threads "
                          "are one per worker)")
            record.args = ()
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def log_config() -> dict[str, Any]:
    """granian's own lines (start, workers, shutdown) as JSON, like the app's request lines."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "server_fallback.json_log.JsonFormatter"}},
        "filters": {"threads": {"()": "server_fallback.serve.ExplainThreads"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr",
                                "filters": ["threads"]}},
        "loggers": {"_granian": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
                    "granian.access": {"handlers": ["stderr"], "level": "WARNING", "propagate": False}},
    }


def _metrics_directory() -> str:
    """prometheus-client's multiprocess mode: a directory shared by the workers, empty at start,
    set before the app (and prometheus_client) is imported, so /metrics sums every worker."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="prometheus-")
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        os.unlink(os.path.join(directory, name))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    return directory


def main() -> None:
    """Check the settings, load the app, then serve until SIGTERM or SIGINT."""
    for variable in THREAD_VARIABLES:
        os.environ.setdefault(variable, "1")
    logging.config.dictConfig(log_config())
    log = logging.getLogger("_granian")

    from py_pipeline import PipelineError

    try:
        host, port = os.environ.get("HOST", SERVER_SETTINGS["HOST"][0]), _setting("PORT")
        workers, graceful, header_timeout = (_setting("WEB_CONCURRENCY"), _setting("GRACEFUL_TIMEOUT"),
                                             _setting("HEADER_READ_TIMEOUT"))
        metrics_dir = _metrics_directory()
        from . import wsgi  # noqa: F401  (imported once here; the forked workers inherit it)
    except PipelineError as exc:  # a bundle that is missing, tampered with or built for other versions
        log.error(f"not starting: {exc}")
        sys.exit(1)
    except SystemExit as exc:  # a setting that is not valid, named with what was expected
        log.error(f"not starting: {exc.code}")
        sys.exit(1)

    from granian import Granian
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings

    server = Granian("server_fallback.wsgi:app", address=host, port=port, interface=Interfaces.WSGI,
                     workers=workers, http=HTTPModes.http1, websockets=False,
                     http1_settings=HTTP1Settings(header_read_timeout=header_timeout * 1000, max_buffer_size=65536),
                     log_dictconfig=log_config(), respawn_failed_workers=True,
                     workers_kill_timeout=graceful)
    server.on_shutdown(lambda: shutil.rmtree(metrics_dir, ignore_errors=True))
    server.serve()


if __name__ == "__main__":
    main()
