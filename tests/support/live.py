"""The Flask app on a free loopback port, in a thread of the test process (``build_scripts/local_server.py``)."""

from __future__ import annotations

from build_scripts.local_server import LiveServer, free_port

__all__ = ["LiveServer", "free_port"]
