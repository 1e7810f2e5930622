"""gunicorn settings for the fallback server (``make serve``, the Dockerfile).

Models load once in the master before the workers fork (preload), so workers share them and
a restarted worker is ready at once. Every value can be overridden by its environment variable.
"""

import multiprocessing
import os
import shutil
import tempfile

# One thread per worker for OpenMP and BLAS. Each worker would otherwise start a thread per core,
# and several workers predicting at once fight over the cores (HistGradientBoosting on the
# scikit-learn engine: 350 req/s with one thread, 11-44 req/s without, at 8 clients). Set here,
# before the app imports numpy or scikit-learn (preload imports it in the master).
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Prediction is CPU-bound: one sync worker per core plus one to cover a worker busy in I/O.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
worker_class = "sync"
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))  # a 10,000-row batch takes well under a second
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 20))  # finish in-flight requests on SIGTERM
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 0))  # 0: workers are not recycled
accesslog = None  # the app writes one JSON line per request itself
errorlog = "-"


def _json_formatter():
    # Imported when gunicorn configures logging, after the environment above is set.
    from server_fallback.observability import JsonFormatter

    return JsonFormatter()


# gunicorn's own lines (start, worker boot and exit, timeouts) as JSON too, like the app's. gunicorn
# replaces its defaults key by key, so the root logger and both handlers are given in full.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "INFO", "handlers": ["console"]},
    "formatters": {"json": {"()": _json_formatter}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
        "error_console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
    },
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
    },
}
limit_request_line = 8190

# Metrics from all workers: prometheus-client's multiprocess mode needs a directory shared by
# the workers, empty at start, set before the app (and prometheus_client) is imported.
if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="prometheus-")
_metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"]


def on_starting(server):
    os.makedirs(_metrics_dir, exist_ok=True)
    for name in os.listdir(_metrics_dir):
        os.unlink(os.path.join(_metrics_dir, name))


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    shutil.rmtree(_metrics_dir, ignore_errors=True)
