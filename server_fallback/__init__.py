"""The Flask fallback server: the same py_pipeline wheel behind an HTTP API."""

from .app import create_app

__all__ = ["create_app"]
