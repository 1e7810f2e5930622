"""Drift on the server: what each model version is asked, binned against its reference profile.

- **Counting.** Every predicted row adds to per-(model, version, feature, bin) counts in the
  worker, in one-minute buckets (a few microseconds a request: plain Python for one row, numpy for
  a batch). A thread flushes them every ``DRIFT_FLUSH_SECONDS`` to the worker's own file in the
  directory the workers share (``DRIFT_DIR``; by default the one prometheus-client's multiprocess
  mode uses), written aside and moved into place.
- **The window.** The buckets of the last ``DRIFT_WINDOW_SECONDS``, the newest first until
  ``DRIFT_WINDOW_ROWS`` rows (whole minutes).
- **Statistics** (``py_pipeline.drift.statistics``) are computed when asked (the drift endpoint,
  a scrape of ``/metrics``) from the counts summed over every worker's file, never from
  per-worker gauges: two workers see what one would.
- **Sources.** What the server predicts is counted under ``"server"``; the per-bin counts browsers
  send (``telemetry_api``) under ``"browser"``, apart: unauthenticated, they never drive the alarm.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from py_pipeline.drift.profile import Binner
from py_pipeline.drift.statistics import judge
from py_pipeline.errors import DriftUnavailable
from py_pipeline.files import write_atomic

BUCKET_SECONDS = 60
SERVER, BROWSER = "server", "browser"
SOURCES = (SERVER, BROWSER)


class Monitor:
    """The worker's counts, its flushing thread, and the window summed over every worker."""

    def __init__(self, directory: str | None, flush_seconds: float, window_seconds: int, window_rows: int) -> None:
        # no shared directory (one process: tests, the development server): counts stay in memory
        self.directory = None if directory is None else Path(directory)
        self.flush_seconds, self.window_seconds, self.window_rows = flush_seconds, window_seconds, window_rows
        self._binners: dict[tuple[str, str], Binner] = {}
        #: (name, version, source) -> bucket start -> [rows, counts per line (lists of ints)]
        self._buckets: dict[tuple[str, str, str], dict[int, list[Any]]] = {}
        self._lock = threading.Lock()
        self._flusher: threading.Thread | None = None
        self._pid = 0
        self._dirty = False

    def watch(self, model: Any) -> None:
        """Count what ``model`` is asked, if its bundle has a profile with bins (checked against
        its sha256); without one, its drift stays unavailable."""
        try:
            self._binners[(model.name, model.version)] = Binner.of(model)
        except DriftUnavailable:
            return
        model.observer = self.observe

    def observe(self, model: Any, X: np.ndarray, predictions: np.ndarray) -> None:
        """Add predicted rows to the current bucket (the model's observer)."""
        binner = self._binners[(model.name, model.version)]
        if len(X) == 1:
            bins = binner.one([*X[0].tolist(), predictions[0].item() if hasattr(predictions[0], "item")
                               else predictions[0]])
            added = None
        else:
            added = binner.batch(X, predictions)
        self._add((model.name, model.version, SERVER), binner, len(X), bins if added is None else None, added)

    def add_counts(self, name: str, version: str, rows: int, counts: list[list[int]], source: str = BROWSER) -> None:
        """Add counts made elsewhere (a browser's telemetry, checked against the profile) to the
        current bucket of ``source``."""
        self._add((name, version, source), self._binners[(name, version)], rows, None, counts)

    def _add(self, key: tuple[str, str, str], binner: Binner, rows: int, bins: list[int] | None,
             added: list[Any] | None) -> None:
        start = int(time.time()) // BUCKET_SECONDS * BUCKET_SECONDS
        with self._lock:
            bucket = self._buckets.setdefault(key, {}).get(start)
            if bucket is None:
                bucket = self._buckets[key][start] = [0, [[0] * size for size in binner.sizes]]
            bucket[0] += rows
            if bins is not None:
                for line, b in zip(bucket[1], bins):
                    line[b] += 1
            else:
                for line, counts in zip(bucket[1], added or []):
                    for b in np.flatnonzero(counts):
                        line[b] += int(counts[b])
            self._dirty = True
        if self.directory is not None and (self._flusher is None or self._pid != os.getpid()):
            self._start_flusher()  # none yet, or the parent's (a thread does not survive fork)

    def _start_flusher(self) -> None:
        with self._lock:
            if self._flusher is not None and self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._flusher = threading.Thread(target=self._flush_forever, name="drift-flush", daemon=True)
            self._flusher.start()

    def _flush_forever(self) -> None:
        _name_thread(b"drift-flush")
        while True:
            time.sleep(self.flush_seconds)
            self.flush()

    def flush(self) -> None:
        """Write this worker's buckets (those still in any window) to its file, if they changed."""
        with self._lock:
            if not self._dirty or self.directory is None:
                return
            oldest = int(time.time()) - self.window_seconds - BUCKET_SECONDS
            for buckets in self._buckets.values():
                for start in [s for s in buckets if s < oldest]:
                    del buckets[start]
            state = [{"model": n, "version": v, "source": source, "buckets": {str(s): b for s, b in buckets.items()}}
                     for (n, v, source), buckets in self._buckets.items()]
            self._dirty = False
        self.directory.mkdir(parents=True, exist_ok=True)
        write_atomic(self.directory / f"drift-{os.getpid()}.json", json.dumps(state))

    def _all_buckets(self, key: tuple[str, str, str]) -> Iterator[tuple[int, list[Any]]]:
        """Every worker's buckets for a model version and source: the files, this worker's own from memory."""
        mine = f"drift-{os.getpid()}.json"
        shared = self.directory is not None and self.directory.is_dir()
        for path in self.directory.glob("drift-*.json") if shared else []:
            if path.name == mine:
                continue
            try:
                state = json.loads(path.read_text())
            except (OSError, ValueError):
                continue  # a file being replaced: its counts come with the next request
            for entry in state:
                if (entry["model"], entry["version"], entry.get("source", SERVER)) == key:
                    yield from ((int(s), b) for s, b in entry["buckets"].items())
        with self._lock:
            own = [(s, [b[0], [list(line) for line in b[1]]]) for s, b in self._buckets.get(key, {}).items()]
        yield from own

    def binner(self, name: str, version: str) -> Binner:
        """The bins of a watched model version; DriftUnavailable for one without a profile."""
        binner = self._binners.get((name, version))
        if binner is None:
            raise DriftUnavailable(f"model {name} {version} has no reference profile: drift is unavailable "
                                   "(build or import it again to give it one)")
        return binner

    def window(self, name: str, version: str, source: str = SERVER) -> dict[str, Any]:
        """The window's rows and counts per line of one source, summed over every worker."""
        binner = self.binner(name, version)
        now = int(time.time())
        by_start: dict[int, list[Any]] = {}
        for start, (rows, counts) in self._all_buckets((name, version, source)):
            if start >= now - self.window_seconds:
                total = by_start.setdefault(start, [0, [np.zeros(size, dtype=np.int64) for size in binner.sizes]])
                total[0] += rows
                for line, c in zip(total[1], counts):
                    line += np.asarray(c, dtype=np.int64)
        rows, summed, starts = 0, [np.zeros(size, dtype=np.int64) for size in binner.sizes], []
        for start in sorted(by_start, reverse=True):  # the newest minutes first
            if rows >= self.window_rows:
                break
            rows += by_start[start][0]
            starts.append(start)
            for line, c in zip(summed, by_start[start][1]):
                line += c
        return {"rows": rows, "from": min(starts, default=now), "to": now,
                "counts": dict(zip(binner.lines, summed)), "binner": binner}

    def report(self, name: str, version: str, source: str = SERVER) -> dict[str, Any]:
        """One source's window judged: each line's reference and observed counts and statistics,
        the lines ranked by PSI, and that source's verdict."""
        window = self.window(name, version, source)
        judged = judge(window.pop("binner"), window["counts"], window["rows"])
        return {"model": {"name": name, "version": version},
                "window": {"rows": window["rows"], "from": window["from"], "to": window["to"],
                           "seconds": self.window_seconds, "max_rows": self.window_rows}, **judged}

    def watched(self) -> list[tuple[str, str]]:
        return sorted(self._binners)


def _name_thread(name: bytes) -> None:
    """Give the calling thread its name in the operating system (``top -H``, /proc/<pid>/task/*/comm),
    so an operator (and the thread-count checks) tell it from the worker's own and OpenMP's threads."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(15, name, 0, 0, 0)  # PR_SET_NAME (Linux)
    except (OSError, AttributeError):
        pass  # elsewhere the thread keeps the process's name
