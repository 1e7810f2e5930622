"""Configuration: documented defaults, overridden by environment variables, then by the
mapping given to ``create_app`` (tests)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

ROOT = Path(__file__).resolve().parent.parent

#: name -> (default, parser, what it means). Environment variables use the same names.
SETTINGS: dict[str, tuple[Any, Any, str]] = {
    "MODEL_DIR": (str(ROOT / "dist" / "models"), str, "directory of model bundles (<name>/<version>/)"),
    "SITE_DIR": (str(ROOT / "dist" / "site"), str, "built static site served at / ('' to serve none)"),
    "DEFAULT_MODEL": ("iris", str, "model the classic POST /predict uses"),
    "MAX_ROWS": (10_000, int, "most rows one request may carry"),
    "MAX_CONTENT_LENGTH": (5 * 1024 * 1024, int, "largest request body in bytes"),
}


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Settings from defaults and ``environ`` (``os.environ`` when None)."""
    environ = os.environ if environ is None else environ
    config = {}
    for name, (default, parse, _) in SETTINGS.items():
        raw = environ.get(name)
        if raw is None:
            config[name] = default
            continue
        try:
            config[name] = parse(raw)
        except ValueError:
            raise SystemExit(f"environment variable {name}={raw!r} is not a valid {parse.__name__}") from None
    return config
