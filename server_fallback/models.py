"""The models the server answers with, and whether they are loaded yet (for /readyz)."""

from __future__ import annotations

import functools
import logging
import os
import threading
import weakref
from typing import Callable

from py_pipeline import InvalidBundle, PipelineError, Registry

from .errors import ApiError

log = logging.getLogger("server_fallback")


class ModelStore:
    """Holds the registry once it is loaded; loading happens now or in a background thread."""

    def __init__(self, model_dir: str, loader: Callable[[str], Registry] = Registry.from_directory) -> None:
        self.model_dir = model_dir
        self._loader = loader
        self._registry: Registry | None = None
        self.error: str | None = None
        self._done = threading.Event()

    def load(self) -> None:
        """Load every bundle now; an integrity or version problem, or no model at all (a wrong
        MODEL_DIR), stops the server from starting."""
        registry = self._loader(self.model_dir)
        if not registry.names() and not registry.unavailable:
            raise InvalidBundle(f"no model bundles in MODEL_DIR={self.model_dir!r} "
                                "(expected <name>/<version>/manifest.json below it)")
        self._registry = registry
        self._done.set()

    def load_in_background(self) -> threading.Thread:
        """Load in a thread; /readyz is 503 until done, with the error if loading fails. A thread
        does not survive fork (serve.py builds the app before granian forks its workers), so a forked process that finds no result starts its own loader."""
        os.register_at_fork(after_in_child=functools.partial(_after_fork, weakref.ref(self)))
        return self._start_loader()

    def _start_loader(self) -> threading.Thread:
        def run() -> None:
            try:
                self.load()
            except PipelineError as exc:
                self.error = exc.message
                log.error("models failed to load: %s", exc.message)
                self._done.set()

        thread = threading.Thread(target=run, name="model-loader", daemon=True)
        thread.start()
        return thread

    def _reload_after_fork(self) -> None:
        if not self._done.is_set():  # the parent's loader thread did not come along
            self._done = threading.Event()
            self._start_loader()

    @property
    def ready(self) -> bool:
        return self._registry is not None

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    @property
    def registry(self) -> Registry:
        """The loaded registry; 503 ``not_ready`` while loading or after a failed load."""
        if self._registry is None:
            why = f"models failed to load: {self.error}" if self.error else "models are still loading"
            raise ApiError("not_ready", f"the server is not ready: {why}; retry shortly")
        return self._registry


def _after_fork(store: "weakref.ref[ModelStore]") -> None:
    alive = store()
    if alive is not None:
        alive._reload_after_fork()
