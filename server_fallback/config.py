"""Configuration: documented defaults, overridden by environment variables (same names),
then by the mapping given to ``create_app`` (tests)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Mapping

ROOT = Path(__file__).resolve().parent.parent


def _origins(raw: str) -> list[str]:
    return [o.strip().rstrip("/") for o in raw.split(",") if o.strip()]


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}")
        return raw

    parse.__name__ = "one of " + ", ".join(allowed)
    return parse


def _flag(raw: str) -> bool:
    value = raw.strip().lower()
    if value not in ("true", "false", "1", "0", "yes", "no"):
        raise ValueError("expected true or false")
    return value in ("true", "1", "yes")


_flag.__name__ = "true or false"


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise ValueError("expected a whole number of at least 1")
    return value


_positive_int.__name__ = "a whole number of at least 1"

#: name -> (default, parser, meaning). The README's deployment section lists the same.
SETTINGS: dict[str, tuple[Any, Callable[[str], Any], str]] = {
    "MODEL_DIR": (str(ROOT / "dist" / "models"), str, "directory of model bundles (<name>/<version>/)"),
    "SITE_DIR": (str(ROOT / "dist" / "site"), str, "built static site served at / ('' serves none)"),
    "SITE_PATH": ("/", str, "URL path the site is served under, e.g. /tools/predict/ (the API stays at /api/v1)"),
    "DEFAULT_MODEL": ("iris", str, "model the classic POST /predict uses"),
    "MAX_ROWS": (10_000, _positive_int, "most rows one request may carry (413 beyond)"),
    "MAX_EXPLAIN_ROWS": (1_000, _positive_int, "most rows one /explain request may carry (413 beyond): an "
                                               "explanation costs tens of predictions"),
    "DRIFT": (True, _flag, "count every predicted row against its model's reference profile (drift monitoring)"),
    "DRIFT_WINDOW_SECONDS": (3600, _positive_int, "drift statistics cover the rows of the last this many seconds"),
    "DRIFT_WINDOW_ROWS": (10_000, _positive_int, "... and at most about this many rows of them, the newest "
                                                 "(whole minutes)"),
    "DRIFT_FLUSH_SECONDS": (10, _positive_int, "how often each worker writes its drift counts where the workers "
                                               "share them"),
    "TELEMETRY": (True, _flag, "take the per-bin counts pages send about what they predicted (drift telemetry, "
                               "kept apart from the server's own drift and never in its alarm)"),
    "TELEMETRY_MAX_ROWS": (10_000, _positive_int, "most rows one telemetry report may count (a larger one is refused)"),
    "MAX_CONTENT_LENGTH": (8 * 1024 * 1024, _positive_int, "largest request body in bytes (413 beyond)"),
    "CORS_ORIGINS": ([], _origins, "comma-separated origins allowed to call the API from a browser; none by default"),
    "LOAD_MODELS": ("sync", _choice("sync", "background"),
                    "sync: load every model before serving; background: serve at once, /readyz is 503 until loaded"),
    "ENGINE": ("portable", _choice("portable", "sklearn"),
               "engine for models that have both: portable (numpy only, faster) or sklearn (the unpickled pipeline)"),
    "ALLOW_PICKLE": (True, _flag, "false: load portable models only (no unpickling, so a model file cannot run "
                                   "code); models without a portable engine answer 503 model_unavailable"),
    "LOG_LEVEL": ("INFO", str, "level of the JSON request log"),
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
        except ValueError as exc:
            raise SystemExit(f"environment variable {name}={raw!r} is invalid: {exc}") from None
    return config
