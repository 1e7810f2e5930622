"""The build's paths (``build_scripts/paths.py`` owns them) and the check that a built artifact a
test needs is there: a missing build fails, it is never skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from build_scripts.paths import DIST, MODELS, ROOT, SITE
from build_scripts.paths import PYODIDE_DIST as PYODIDE

IRIS = MODELS / "iris" / "1.0.0"

__all__ = ["DIST", "IRIS", "MODELS", "PYODIDE", "ROOT", "SITE", "require"]


def require(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make build` first", pytrace=False)
    return path
