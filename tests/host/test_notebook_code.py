"""A pipeline with the user's own code, as a notebook makes one: a function and a transformer
class defined in the notebook itself (``__main__``), fitted on a DataFrame and pickled. The import
says what to do instead of a traceback; once the code lives in the user's own module, the import
maps it there (``--module __main__=...``) and the stored model names that module. A server
without that module refuses that model alone, with the reason; the others serve."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from py_pipeline import Feature, Schema
from py_pipeline.portable.engine import PortableEngine, spec_bytes
from py_pipeline.portable.export import export
from py_pipeline.registry import Registry, write_index
from server_fallback import create_app

from ..support.paths import ROOT

STEPS = textwrap.dedent('''
    import numpy as np
    from sklearn.base import BaseEstimator, TransformerMixin


    def log_area(X):
        return np.log1p(np.asarray(X, dtype=float))


    class ClipOutliers(BaseEstimator, TransformerMixin):
        def __init__(self, quantile=0.99):
            self.quantile = quantile

        def fit(self, X, y=None):
            self.high_ = np.quantile(np.asarray(X, dtype=float), self.quantile, axis=0)
            return self

        def transform(self, X):
            return np.minimum(np.asarray(X, dtype=float), self.high_)
''')

NOTEBOOK = STEPS + textwrap.dedent('''
    import sys
    import joblib
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"area": rng.uniform(1, 900, 400), "depth": rng.uniform(0, 50, 400)})
    frame["deep"] = np.where(frame.area * frame.depth > 9000, "yes", "no")
    prep = ColumnTransformer([("log", FunctionTransformer(log_area), ["area"]), ("clip", ClipOutliers(), ["depth"])])
    model = Pipeline([("prep", prep), ("fit", LogisticRegression())]).fit(frame[["area", "depth"]], frame.deep)
    joblib.dump(model, sys.argv[1] + "/pipeline.joblib")
    frame.to_csv(sys.argv[1] + "/sample.csv", index=False)
''')


def import_model(folder, models, *extra, path=None):
    env = {"PYTHONPATH": f"{path}:{ROOT}" if path else str(ROOT), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "build_scripts.import_model", str(folder / "pipeline.joblib"),
                           "--sample", str(folder / "sample.csv"), "--target", "deep", "--name", "deep",
                           "--version", "1.0.0", "--models", str(models), "--no-check", *extra],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def notebook(tmp_path_factory):
    folder = tmp_path_factory.mktemp("notebook")
    subprocess.run([sys.executable, "-c", NOTEBOOK, str(folder)], check=True, timeout=120)
    return folder


def test_notebook_code_is_named_and_mapped_to_the_users_module(notebook, tmp_path, iris_dir):
    models = tmp_path / "models"
    shutil.copytree(iris_dir, models / "iris" / "1.0.0")
    refused = import_model(notebook, models)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "needs log_area from the notebook or script that pickled it (__main__)" in refused.stderr
    assert "--module __main__=" in refused.stderr
    # the user moves the code into a module of their own, and says where it now lives
    package = tmp_path / "code" / "my_features"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "steps.py").write_text(STEPS)
    done = import_model(notebook, models, "--module", "__main__=my_features.steps", path=tmp_path / "code")
    assert done.returncode == 0, done.stderr
    # pickled again under the new name: the stored model loads where that module is importable
    named = subprocess.run([sys.executable, "-c", "import joblib, sys; m = joblib.load(sys.argv[1])['estimator']; "
                            "print(m.named_steps['prep'].transformers_[0][1].func.__module__)",
                            str(models / "deep" / "1.0.0" / "model.joblib")],
                           env={"PYTHONPATH": str(tmp_path / "code")}, capture_output=True, text=True, timeout=60)
    assert named.stdout.strip() == "my_features.steps", named.stderr
    write_index(models)
    # a server without the user's module: that model alone is refused, with the reason
    registry = Registry.from_directory(models)
    assert registry.names() == ["iris"]
    (why,) = registry.unavailable.values()
    assert "needs the module my_features" in why.message
    client = create_app({"TESTING": True, "MODEL_DIR": str(models), "SITE_DIR": ""}).test_client()
    answer = client.post("/api/v1/models/deep/predict", json={"rows": [[10.0, 3.0]]})
    assert answer.status_code == 503 and answer.get_json()["error"]["code"] == "model_unavailable"
    assert "my_features" in answer.get_json()["error"]["message"]
    assert client.post("/api/v1/models/iris/predict", json={"rows": [[5.1, 3.5, 1.4, 0.2]]}).status_code == 200


def test_a_bad_module_mapping_is_refused_by_the_command_line(notebook, tmp_path):
    bad = import_model(notebook, tmp_path / "models", "--module", "__main__")
    assert bad.returncode == 2 and "--module takes OLD=NEW" in bad.stderr


def test_numpy_functions_in_a_function_transformer_are_portable():
    """FunctionTransformer(np.log1p), np.clip with its arguments and np.sqrt run on the portable
    engine, with scikit-learn's answers."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    rng = np.random.default_rng(1)
    X = pd.DataFrame({"area": rng.uniform(1, 1000, 500), "x": rng.uniform(-5, 5, 500), "d": rng.uniform(0, 9, 500)})
    y = np.where(X.area * X.d > 2000, "big", "small")
    prep = ColumnTransformer([("log", FunctionTransformer(np.log1p), ["area"]),
                              ("clip", FunctionTransformer(np.clip, kw_args={"a_min": -1, "a_max": 1}), ["x"]),
                              ("sqrt", FunctionTransformer(np.sqrt), ["d"])])
    pipeline = Pipeline([("prep", prep), ("scale", StandardScaler()), ("fit", LogisticRegression())]).fit(X, y)
    schema = Schema((Feature("area", minimum=0, maximum=2000), Feature("x", minimum=-10, maximum=10),
                     Feature("d", minimum=0, maximum=10)))
    spec, buffer = export(pipeline, schema)
    labels, proba = PortableEngine.from_bytes(spec_bytes(spec), buffer).classify(X.to_numpy())
    assert (labels == pipeline.predict(X)).all()
    assert np.abs(proba - pipeline.predict_proba(X)).max() <= 1e-12


PACKAGE_FILES = {
    "pyproject.toml": textwrap.dedent('''
        [build-system]
        requires = ["setuptools>=75"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "My_Features"
        version = "0.1.0"
        dependencies = ["numpy"]

        [project.optional-dependencies]
        fit = ["scikit-learn"]

        [tool.setuptools]
        packages = ["my_features"]
    '''),
    "my_features/__init__.py": "",
    # numpy only, registered: what the portable engine runs in the browser
    "my_features/functions.py": textwrap.dedent('''
        import numpy as np
        from py_pipeline.portable import portable_function


        @portable_function()
        def log_area(X):
            return np.log1p(np.asarray(X, dtype=float))


        @portable_function()
        def clip_high(X, *, high):
            return np.minimum(np.asarray(X, dtype=float), high)
    '''),
    # the notebook's code, moved: the same names, the class with its portable step
    "my_features/steps.py": textwrap.dedent('''
        from sklearn.base import BaseEstimator, TransformerMixin

        from .functions import clip_high, log_area


        class ClipOutliers(BaseEstimator, TransformerMixin):
            def __init__(self, quantile=0.99):
                self.quantile = quantile

            def fit(self, X, y=None):
                import numpy as np
                self.high_ = np.quantile(np.asarray(X, dtype=float), self.quantile, axis=0)
                return self

            def transform(self, X):
                return clip_high(X, high=self.high_)

            def portable_step(self):
                return clip_high, {"high": self.high_}
    '''),
}


def test_a_feature_package_puts_notebook_code_on_the_portable_engine_everywhere(notebook, tmp_path, iris_dir):
    """The notebook's function and class move into a feature package; the import builds its wheel,
    checks the model in Pyodide on the portable engine and ships the wheel in the bundle. A server
    installs it from the bundle and answers as the pipeline itself; without it, that model alone
    is refused."""
    import joblib

    source = tmp_path / "my_features_package"
    for name, text in PACKAGE_FILES.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(text)
    models = tmp_path / "models"
    shutil.copytree(iris_dir, models / "iris" / "1.0.0")
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "PY_PIPELINE_DIST": str(ROOT / "dist")}
    done = subprocess.run([sys.executable, "-m", "build_scripts.import_model", str(notebook / "pipeline.joblib"),
                           "--sample", str(notebook / "sample.csv"), "--target", "deep", "--name", "deep",
                           "--version", "1.0.0", "--models", str(models), "--package", str(source),
                           "--module", "__main__=my_features.steps"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert not [p for p in source.rglob("*") if p.name.endswith(".egg-info") or p.name == "build"]  # built aside
    bundle = models / "deep" / "1.0.0"
    manifest = json.loads((bundle / "manifest.json").read_text())
    (package,) = manifest["feature_packages"]
    assert package["name"] == "my-features" and package["imports"] == ["my_features"]
    assert (bundle / package["file"]).is_file() and package["depends"] == ["numpy"]
    assert manifest["engines"] == {"browser": "portable", "server": "portable"}
    assert manifest["packages"]["portable"] == ["my-features"]  # numpy alone besides: no scikit-learn
    check = manifest["browser_check"]
    assert "browser" in manifest["runtimes"] and check["engine"] == "portable", check
    assert check["max_abs_probability_difference"] <= 1e-9 and check["imported"] == []

    # a server where the package is not installed and the bundle lost its wheel: that model alone is refused
    broken = tmp_path / "broken"
    shutil.copytree(models, broken)
    (broken / "deep" / "1.0.0" / package["file"]).unlink()
    registry = Registry.from_directory(broken)
    assert registry.names() == ["iris"]
    (why,) = registry.unavailable.values()
    assert "needs its feature package my-features 0.1.0" in why.message and "missing from the bundle" in why.message

    # the server installs the wheel from the bundle, and answers as the pipeline itself
    client = create_app({"TESTING": True, "MODEL_DIR": str(models), "SITE_DIR": ""}).test_client()
    sample = pd.read_csv(notebook / "sample.csv")
    rows = sample[["area", "depth"]].to_numpy().tolist()
    answer = client.post("/api/v1/models/deep/predict", json={"rows": rows})
    assert answer.status_code == 200, answer.get_json()
    result = answer.get_json()
    pipeline = joblib.load(bundle / "model.joblib")["estimator"]  # importable now: the wheel is on the path
    assert result["predictions"] == pipeline.predict(sample[["area", "depth"]]).tolist()
    expected = pipeline.predict_proba(sample[["area", "depth"]])
    assert np.abs(np.asarray(result["probabilities"]) - expected).max() <= 1e-9
