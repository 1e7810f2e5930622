"""What the browser benchmarks share: Debian Chromium's flags and the bytes a request moved."""

from __future__ import annotations

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-quic"]


def network_bytes(request) -> int:
    """Bytes a Playwright request moved over the network: none when the service worker answered it."""
    response = request.response()
    if response is not None and response.from_service_worker:
        return 0
    sizes = request.sizes()
    return sizes["responseBodySize"] + sizes["responseHeadersSize"]
