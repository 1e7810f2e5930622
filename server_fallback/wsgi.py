"""WSGI entry point: ``server_fallback.serve`` runs it under granian; any WSGI server can import ``app``."""

from .app import create_app

app = create_app()
