"""The models the server answers with, and whether they are loaded yet (for /readyz)."""

from __future__ import annotations

import logging
import threading
from typing import Callable

from py_pipeline import PipelineError, Registry

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
        """Load every bundle now; an integrity or version problem stops the server from starting."""
        self._registry = self._loader(self.model_dir)
        self._done.set()

    def load_in_background(self) -> threading.Thread:
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
            raise ApiError(503, "not_ready", f"the server is not ready: {why}; retry shortly")
        return self._registry
