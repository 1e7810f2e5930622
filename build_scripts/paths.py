"""Where the build reads and writes. Everything under dist/ and .cache/ is generated.

``PY_PIPELINE_DIST`` moves dist/ elsewhere (the tests build into a temporary one)."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache"
DIST = Path(os.environ.get("PY_PIPELINE_DIST", ROOT / "dist"))
MODELS = DIST / "models"
WHEEL_DIR = DIST / "wheel"
PYODIDE_DIST = DIST / "pyodide"
SITE = DIST / "site"
ASSETS = DIST / "assets"  # the site without its pages: what another site copies under any path
WEB = ROOT / "web"
EXAMPLES = ROOT / "examples"  # pages that use the client; the build serves them at examples/
NPM_PYODIDE = ROOT / "node_modules" / "pyodide"
OFFICIAL_LOCK = NPM_PYODIDE / "pyodide-lock.json"
