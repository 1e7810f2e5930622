"""What the browser benchmarks share: Debian Chromium as the tests drive it
(``build_scripts/chromium.py``) and the bytes a request moved."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from build_scripts.chromium import CHROMIUM, FLAGS, launch, launch_persistent  # noqa: E402

__all__ = ["CHROMIUM", "FLAGS", "launch", "launch_persistent", "network_bytes"]


def network_bytes(request) -> int:
    """Bytes a Playwright request moved over the network: none when the service worker answered it."""
    response = request.response()
    if response is not None and response.from_service_worker:
        return 0
    sizes = request.sizes()
    return sizes["responseBodySize"] + sizes["responseHeadersSize"]
