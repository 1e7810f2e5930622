"""The Flask app on loopback for the tools that drive a page (tests, benchmarks, screenshots): a
free port, and the app served from a thread of the calling process."""

from __future__ import annotations

import socket
import threading
from typing import Any

from werkzeug.serving import make_server

HOST = "127.0.0.1"


def free_port() -> int:
    """A port on loopback that nothing listens on now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class LiveServer:
    """``app`` on ``127.0.0.1`` (a free port unless given): ``url`` to reach it, ``stop()`` to end it."""

    def __init__(self, app: Any, port: int = 0) -> None:
        self._server = make_server(HOST, port, app, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://{HOST}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
