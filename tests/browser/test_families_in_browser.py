"""The model families of the portable engine in Chromium (browser tier): one matrix pipeline per
engine module (k-neighbours with their ties, stacking and voting over member pipelines, kernel
SVMs, MLPs, the value-remapping steps, LightGBM and XGBoost), put on a site of their own, answer
in the page (Pyodide in the worker, numpy alone) exactly as the pipeline's own ``predict`` does."""

from __future__ import annotations

import pytest

from build_scripts import site
from build_scripts.reference import sklearn_answer, spec_of, tolerance_for
from server_fallback import create_app

from ..support.browser import Visit, launch
from ..support.live import LiveServer
from ..support.parity import assert_same_predictions
from ..support.pipeline_matrix import write_matrix

KEYS = ["frame_knn_kd_tree_distance", "machine_knn_grid_ties", "frame_stacking_passthrough",
        "frame_voting_hard_no_proba", "frame_svc_rbf_no_proba", "frame_mlp_multiclass_relu",
        "frame_value_steps_logistic", "frame_lightgbm_multiclass", "frame_xgboost_binary"]


@pytest.fixture(scope="module")
def families_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("families")
    written = write_matrix(root / "models", KEYS)
    site.build(root / "site", models=root / "models")
    server = LiveServer(create_app({"MODEL_DIR": str(root / "models"), "SITE_DIR": str(root / "site")}))
    yield server, written
    server.stop()


def test_each_family_answers_in_the_page_as_scikit_learn_does(playwright, families_site):
    server, written = families_site
    browser = launch(playwright)
    visit = Visit(browser, server.url).open("/")
    jobs = [{"options": {"model": key, "mode": "browser", "allowPickle": False}, "rowSets": [written[key][1]]}
            for key in KEYS]
    for key, out in zip(KEYS, visit.run(jobs)):
        assert out["created"] and out["backend"] == "browser", (key, out)
        answer = out["answers"][0]
        assert answer["ok"], (key, answer)
        assert answer["result"]["backend"] == "browser"
        directory, rows = written[key]
        assert_same_predictions(answer["result"], sklearn_answer(directory, rows), tolerance_for(spec_of(directory)))
    assert visit.errors == []
    visit.close()
    browser.close()
