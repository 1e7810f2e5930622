"""The Flask fallback server: the same py_pipeline wheel behind an HTTP API."""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # Imported on first use, not with the package: `python -m server_fallback.serve` must set the
    # environment (metrics directory, thread counts) before the app imports prometheus_client or numpy.
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
