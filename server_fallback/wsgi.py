"""WSGI entry point for gunicorn: ``gunicorn server_fallback.wsgi:app``."""

from .app import create_app

app = create_app()
