"""An imported model in Chromium (browser tier): the handed-over pipeline of test_import_model,
imported and put on a site of its own, answers in the page (Pyodide in the worker) what the
notebook's pipeline answers, and the model card names where it came from."""

from __future__ import annotations

import numpy as np
import pytest

from build_scripts import import_model, site
from server_fallback import create_app

from ..support.browser import LOAD_TIMEOUT_MS, Visit, launch
from ..support.live import LiveServer


@pytest.fixture(scope="module")
def imported_site(notebook, tmp_path_factory):  # noqa: F811
    folder, pipeline, data = notebook
    root = tmp_path_factory.mktemp("imported")
    models = root / "models"
    assert import_model.main([str(folder / "churn.joblib"), "--sample", str(folder / "sample.csv"), "--target",
                              "churned", "--name", "churn", "--version", "1.0.0", "--models", str(models)]) == 0
    site.build(root / "site", models=models)
    # the sample's golden rows stay in the bundle: the site has the manifest and model files only
    assert (models / "churn" / "1.0.0" / "golden.json").exists()
    assert not (root / "site" / "models" / "churn" / "1.0.0" / "golden.json").exists()
    server = LiveServer(create_app({"MODEL_DIR": str(models), "SITE_DIR": str(root / "site")}))
    yield server, pipeline, data
    server.stop()


def test_the_imported_model_answers_in_the_page_as_in_the_notebook(playwright, imported_site):
    server, pipeline, data = imported_site
    X = data.drop(columns="churned").iloc[:200]
    rows = X.astype(object).where(X.notna(), None).values.tolist()
    browser = launch(playwright)
    visit = Visit(browser, server.url).open("/")
    out = visit.run([{"options": {"model": "churn", "mode": "browser"}, "rowSets": [rows]}])[0]
    assert out["backend"] == "browser", out
    answer = out["answers"][0]["result"]
    assert answer["backend"] == "browser"
    assert answer["predictions"] == pipeline.predict(X).tolist()
    assert np.abs(np.array(answer["probabilities"]) - pipeline.predict_proba(X)).max() < 1e-9
    # the element's model card says where the model came from
    page = visit.open("/examples/element.html").page
    page.evaluate("""() => { const el = document.createElement('model-predictor');
      el.id = 'churn'; el.setAttribute('model', 'churn'); document.body.append(el); }""")
    page.wait_for_selector("#churn[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
    page.locator("#churn #card summary").click()
    assert "handed over as churn.joblib" in page.locator("#churn #card").inner_text()
    assert visit.errors == []
    visit.close()
    browser.close()
