"""Ready time of a model with its own code from a feature package, beside the same model without.

- custom: machine_failure 1.0.0 as `make build` makes it. Its physics step comes from the demo's
  feature package (feature_packages/machine_physics): one more wheel to fetch, install and import.
- plain: the same 100-tree random forest on the same data with scikit-learn's steps only (the
  physics step left out), trained, exported and checked here.

Both go into one site built in a temporary folder and served by the demo server. Each round
visits each model in a fresh Chromium profile (the order alternating), then again with the same
profile (the service worker serves it); browser-ready is when ``createPredictor`` resolved
(bench/pages/ours.js). Target: custom within 10% of plain, first and second visit.

    .venv/bin/python bench/feature_package_ready.py --runs 5
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from page_ready import TIMEOUT_MS, Profile  # noqa: E402
from servers import ROOT, free_port, start_server, stop  # noqa: E402
from stats import spread, write_figures  # noqa: E402

sys.path.insert(0, str(ROOT))

DIST = ROOT / "dist"
CUSTOM = ("machine_failure", "1.0.0")
PLAIN = ("machine_failure_plain", "1.0.0")
TARGET = 1.10  # custom's ready time at most 10% over plain's


def train_plain(models: Path) -> None:
    """The forest of machine_failure 1.0.0 without the physics step: bundled, exported, checked."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from build_scripts import browser_check, export
    from build_scripts.data.machine_failures import TYPES
    from build_scripts.golden import BUNDLE_GOLDEN
    from build_scripts.recipes._machine import EXAMPLE, SCHEMA, split, table
    from build_scripts.recipes.machine_failure import LABELS
    from py_pipeline.bundle import pickle_bundle, write_manifest

    data = table()
    X_train, _, y_train, _ = split(data, LABELS[data.machine_failure.astype(int)])
    numbers = [f.name for f in SCHEMA.features if f.name != "product_type"]
    model = Pipeline([
        ("features", ColumnTransformer([("type", OneHotEncoder(categories=[list(TYPES)], sparse_output=False),
                                         ["product_type"]), ("scale", StandardScaler(), numbers)])),
        ("classify", RandomForestClassifier(n_estimators=100, max_depth=12, min_samples_leaf=2,
                                            class_weight="balanced_subsample", random_state=0, n_jobs=1)),
    ]).fit(X_train, y_train)
    directory = models / PLAIN[0] / PLAIN[1]
    manifest = pickle_bundle(directory, model, name=PLAIN[0], version=PLAIN[1], task="classification",
                             schema=SCHEMA, description="machine failure, scikit-learn steps only",
                             extra={"example": EXAMPLE})
    (directory / BUNDLE_GOLDEN).write_text(json.dumps({"rows": [EXAMPLE]}) + "\n")
    manifest, verdict = export.export_manifest(directory, manifest)
    ((manifest, verdict),) = browser_check.check_bundles([(directory, manifest)])
    if "browser" not in manifest.runtimes or manifest.engine_for("browser") != "portable":
        raise SystemExit(f"the plain model did not get the portable engine in the browser: {verdict}")
    write_manifest(directory, manifest)


def page(origin: str, models: Path, name: str, version: str) -> str:
    manifest = json.loads((models / name / version / "manifest.json").read_text())
    query = {"model": name, "version": version, "row": json.dumps(manifest["example"]),
             "features": json.dumps([f["name"] for f in manifest["features"]]), "sw": "1"}
    return f"{origin}bench/ours.html?{urlencode(query)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="fresh-profile rounds per model (default 5)")
    args = parser.parse_args()
    if not (DIST / "models" / CUSTOM[0] / CUSTOM[1] / "manifest.json").exists():
        raise SystemExit("dist/models is missing: run `make build` first")
    from build_scripts import site
    from py_pipeline import write_index

    work = Path(tempfile.mkdtemp(prefix="bench-feature-package-"))
    models, root = work / "models", work / "site"
    shutil.copytree(DIST / "models" / CUSTOM[0] / CUSTOM[1], models / CUSTOM[0] / CUSTOM[1])
    train_plain(models)
    write_index(models)
    site.build(root, pages=True, models=models)
    (root / "bench").symlink_to(ROOT / "bench" / "pages")
    wheel_bytes = next((root / "pyodide").glob("machine_physics-*.whl")).stat().st_size
    port = free_port()
    server = start_server(port, WEB_CONCURRENCY="2", SITE_DIR=str(root), MODEL_DIR=str(models))
    origin = f"http://127.0.0.1:{port}/"
    got: dict[str, dict[str, list[float]]] = {"custom": {"first": [], "second": []},
                                              "plain": {"first": [], "second": []}}
    try:
        with sync_playwright() as p:
            for i in range(args.runs):
                order = [("custom", CUSTOM), ("plain", PLAIN)]
                for who, (name, version) in order if i % 2 == 0 else order[::-1]:
                    profile = Profile(p)
                    url = page(origin, models, name, version)
                    got[who]["first"].append(profile.visit(url)["created"])
                    profile.page.wait_for_function("() => navigator.serviceWorker.controller !== null",
                                                   timeout=TIMEOUT_MS)
                    got[who]["second"].append(profile.visit(url)["created"])
                    profile.close()
    finally:
        stop(server)
        shutil.rmtree(work, ignore_errors=True)
    print(f"headless Chromium, loopback, {args.runs} fresh profiles per model, median [min-max]; custom: "
          f"{CUSTOM[0]} {CUSTOM[1]} with the machine-physics wheel ({wheel_bytes / 1e3:.1f} kB); "
          f"plain: the same forest, scikit-learn steps only")
    figures: dict = {"runs": args.runs, "wheel_bytes": wheel_bytes, "visits": got}
    for visit, label in (("first", "browser-ready, first visit"), ("second", "browser-ready, second visit (service worker)")):
        custom, plain = statistics.median(got["custom"][visit]), statistics.median(got["plain"][visit])
        ratio = custom / plain
        figures[f"{visit}_ratio"] = ratio
        print(f"  {label:46s} custom {spread(got['custom'][visit], '', 0):24s} plain {spread(got['plain'][visit], '', 0):24s}"
              f" ms  custom/plain {ratio:.2f}  target <= {TARGET:.2f}: {'met' if ratio <= TARGET else 'MISSED'}")
    write_figures("feature_package_ready", figures)


if __name__ == "__main__":
    sys.exit(main())
