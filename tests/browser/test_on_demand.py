"""Heavy packages on demand (issue 28): a site with one model on the scikit-learn engine installs
the same precache as without it; the service worker keeps scikit-learn, scipy, pandas and the
pickle, hash-checked, once a page opens that model, and that model then predicts offline (in a
runtime restored from this device's snapshot, issue 35). The site's runtime is trimmed to what
iris imports (issue 36): what scikit-learn imports beyond it comes from the full files, on demand."""

from __future__ import annotations

import json

from build_scripts import site
from py_pipeline.registry import write_index
from server_fallback import create_app

from ..support.browser import LOAD_TIMEOUT_MS, RECORD_START, Visit, wait_for_snapshot, wait_until_controlled
from ..support.live import LiveServer
from ..support.pipeline_matrix import write_frame_bundle_without_portable_engine

NUMPY = "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"
CACHED = """async () => {
  const cache = await caches.open((await caches.keys()).find((n) => n.startsWith("py-pipeline-")));
  return (await cache.keys()).map((r) => r.url);
}"""


def test_a_model_on_scikit_learn_is_kept_once_a_page_opens_it_and_then_predicts_offline(browser, iris_dir, tmp_path):
    import shutil

    models = tmp_path / "models"
    shutil.copytree(iris_dir, models / "iris" / "1.0.0")
    bundle = write_frame_bundle_without_portable_engine(models / "svc" / "1.0.0")
    write_index(models)
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["engines"]["browser"] == "sklearn"
    row = {"product_type": "L", "air": 300.0, "process": 310.0, "speed": 1500.0, "torque": 40.0, "wear": 100.0}
    row = {f["name"]: row[f["name"]] for f in manifest["features"]}
    site.build(tmp_path / "site", pages=True, models=models)
    server = LiveServer(create_app({"MODEL_DIR": str(models), "SITE_DIR": str(tmp_path / "site")}))
    visit = Visit(browser, server.url)
    try:
        page = visit.open().page
        wait_until_controlled(page)
        page.wait_for_selector("body[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
        before = page.evaluate(CACHED)
        assert not any("/scikit_learn-" in u or u.endswith("model.joblib") for u in before)  # not at install
        # the runtime's full files are kept at install (offline has everything), not downloaded to be ready
        assert {"pyodide/full/python_stdlib.zip", f"pyodide/full/{NUMPY}"} <= {u.split("/", 3)[3] for u in before}
        assert not any("/full/" in u for u in visit.requests)
        job = [{"options": {"model": "svc", "mode": "browser"}, "rowSets": [[row]]}]
        (online,) = visit.run(job)
        assert online["backend"] == "browser", online
        # scikit-learn imports what the site trimmed away (it traced iris alone): fetched whole, on demand
        assert {f"{server.url}/pyodide/full/python_stdlib.zip", f"{server.url}/pyodide/full/{NUMPY}"} <= set(visit.requests)
        after = page.evaluate(CACHED)
        for part in ("/scikit_learn-", "/scipy-", "/pandas-", "/svc/1.0.0/model.joblib"):
            assert any(part in u for u in after), part  # kept as the page fetched them
        # offline, the server gone: the page opens that model again from the cache, in a runtime
        # restored from the snapshot, where scikit-learn imports parts of numpy the snapshot had not
        # imported (their files written then, from the cached wheel: py_pipeline/snapshot_files.py)
        wait_for_snapshot(page)
        visit.context.add_init_script(RECORD_START)
        visit.context.set_offline(True)
        server.stop()
        page.reload()
        page.wait_for_selector("body[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
        assert page.evaluate("window.__started") == "restored from this device's snapshot"
        (offline,) = visit.run(job)
        assert offline["backend"] == "browser", offline
        assert offline["answers"][0]["result"]["probabilities"] == online["answers"][0]["result"]["probabilities"]
    finally:
        visit.close()
        server.stop()
