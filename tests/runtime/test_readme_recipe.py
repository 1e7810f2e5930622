"""The README's "Bring your own model" recipe, run as written: a DataFrame-fitted pipeline with
named columns and a may-be-missing feature is exported to the portable engine, runs in Pyodide
on it, and the server (either engine) answers the same as scikit-learn."""

from __future__ import annotations

import re
import types


from build_scripts import browser_check
from build_scripts.export import export_bundle
from build_scripts.recipes import Trained
from build_scripts.reference import sklearn_answer
from py_pipeline import write_bundle
from server_fallback import create_app

from ..support.parity import assert_same_predictions
from ..support.paths import ROOT


def readme_recipe() -> Trained:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### Bring your own model"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    code = code.replace("from . import Trained, recipe", "")
    registered = {}

    def recipe(name, version):
        def keep(fn):
            registered[(name, version)] = fn
            return fn
        return keep

    module = types.ModuleType("readme_recipe")
    module.__dict__.update(Trained=Trained, recipe=recipe)
    exec(compile(code, "README.md", "exec"), module.__dict__)
    ((key, train),) = registered.items()
    assert key == ("wine", "1.0.0")
    return train()


def test_readme_recipe_runs_everywhere_on_the_portable_engine(tmp_path):
    trained = readme_recipe()
    assert hasattr(trained.estimator, "feature_names_in_")  # fitted on a DataFrame
    bundle = tmp_path / "wine" / "1.0.0"
    write_bundle(bundle, trained.estimator, name="wine", version="1.0.0", task=trained.task, schema=trained.schema,
                 description=trained.description)
    exported = export_bundle(bundle)
    assert exported["portable"] is True, exported
    (verdict,) = browser_check.check(tmp_path)
    assert verdict["browser"] is True and verdict["engine"] == "portable" and verdict["imported"] == []
    names = trained.schema.names
    rows = [{n: 13.0 if n != "magnesium" else None for n in names}, {n: 1.5 for n in names}]
    expected = sklearn_answer(bundle, rows)
    for engine in ("portable", "sklearn"):
        client = create_app({"TESTING": True, "MODEL_DIR": str(tmp_path), "SITE_DIR": "",
                             "ENGINE": engine}).test_client()
        response = client.post("/api/v1/models/wine/predict", json={"rows": rows})
        assert response.status_code == 200, response.get_json()
        assert_same_predictions(response.get_json(), expected)
