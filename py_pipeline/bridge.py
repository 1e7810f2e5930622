"""The JSON-in, JSON-out entry point that JavaScript calls through Pyodide.

Strings cross the JS/Python boundary, not proxies: nothing leaks, floats round-trip
exactly, and errors come back in the same shape the server sends.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import InvalidInput, PipelineError
from .bundle import load_engine, read_manifest
from .model import Model, load_model

_loaded: dict[str, Model] = {}


def load(directory: str, allow_pickle: bool = True) -> str:
    """Load (once) the bundle in ``directory``; answer ``{"ok": true, "result": manifest}``.

    The model runs on the engine its manifest gives the browser (the one whose files the worker
    fetched): portable when it has one, otherwise scikit-learn, which unpickles the artifact,
    unless ``allow_pickle`` is false (then: ``model_unavailable``).
    """

    def run() -> dict[str, Any]:
        if directory not in _loaded:
            manifest = read_manifest(directory)
            engine = load_engine(directory, manifest, manifest.engine_for("browser"), allow_pickle)
            _loaded[directory] = Model(manifest, engine)
        return _loaded[directory].manifest.to_dict()

    return _answer(run)


def unload(directory: str) -> str:
    """Forget the model loaded from ``directory`` (no predictor uses it any more)."""
    return _answer(lambda: {"unloaded": _loaded.pop(directory, None) is not None})


def predict(directory: str, rows_json: str) -> str:
    """Predict the JSON-encoded ``rows`` with the bundle in ``directory``."""

    def run() -> dict[str, Any]:
        try:
            rows = json.loads(rows_json)
        except ValueError as exc:
            raise InvalidInput(f"rows are not valid JSON: {exc}") from None
        return _model(directory).predict(rows)

    return _answer(run)


def _model(directory: str) -> Model:
    if directory not in _loaded:  # predict before load: load with the defaults
        _loaded[directory] = load_model(directory)
    return _loaded[directory]


def _answer(fn: Any) -> str:
    try:
        return json.dumps({"ok": True, "result": fn()}, allow_nan=False)
    except PipelineError as exc:
        return json.dumps({"ok": False, "error": exc.to_dict()})
    except Exception as exc:  # a runtime fault (e.g. a model that cannot run here): report, never crash
        return json.dumps({"ok": False, "error": {"code": "runtime_error", "message": f"{type(exc).__name__}: {exc}",
                                                  "details": []}})
