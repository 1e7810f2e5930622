"""Importing a handed-over model (runtime tier: the import runs the Pyodide check): a DataFrame-fitted
pipeline in a joblib file plus a CSV sample becomes a bundle whose schema is inferred as expected,
which predicts in Pyodide and on the server what the notebook's pipeline predicts and explains
against its sample's mean; the schema can
be written, edited and passed back; and a real local MLflow registry (SQLite) is imported from by
version and by alias, with the lineage in the manifest, and a bundle is logged back to it."""

from __future__ import annotations

import json

import joblib
import numpy as np
import pandas as pd
import pytest

from build_scripts import import_model
from py_pipeline import Registry
from py_pipeline.bundle import read_manifest

from ..support.notebook import PLANS


def test_a_handed_over_pipeline_becomes_a_bundle_that_predicts_as_in_the_notebook(notebook, tmp_path, capsys):
    folder, pipeline, data = notebook
    models = tmp_path / "models"
    code = import_model.main([str(folder / "churn.joblib"), "--sample", str(folder / "sample.csv"), "--target",
                              "churned", "--name", "churn", "--version", "1.0.0", "--models", str(models)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "runs code from it as it loads" in err  # said before the pickle is loaded
    assert "categories from the fitted encoder" in out and "widened by 10%" in out
    manifest = read_manifest(models / "churn" / "1.0.0").to_dict()
    features = {f["name"]: f for f in manifest["features"]}
    assert list(features) == ["plan", "monthly_fee", "support_calls", "tenure_months"]
    assert features["plan"] == {"name": "plan", "type": "category", "categories": PLANS}
    sample = data.iloc[:300]
    fee = sample.monthly_fee
    span = fee.max() - fee.min()
    assert features["monthly_fee"]["type"] == "number"
    # typical ranges, not limits: a value outside is scored and flagged
    assert "minimum" not in features["monthly_fee"] and "maximum" not in features["monthly_fee"]
    assert features["monthly_fee"]["typical_minimum"] <= fee.min() - 0.1 * span + 0.01
    assert features["monthly_fee"]["typical_maximum"] >= fee.max() + 0.1 * span - 0.01
    assert features["support_calls"]["type"] == "integer" and features["support_calls"]["typical_minimum"] == 0
    assert features["tenure_months"].get("missing") is True and "missing" not in features["monthly_fee"]
    assert manifest["lineage"]["source"] == "handoff" and manifest["lineage"]["artifact"] == "churn.joblib"
    assert manifest["training_data"]["rows"] == 300
    # the Pyodide check ran the golden rows (from the sample) in the browser's runtime
    assert manifest["runtimes"] == ["browser", "server"], manifest.get("browser_check")
    assert manifest["browser_check"]["golden_rows"] >= 50
    # the server's registry answers what the notebook's pipeline answers, for every row of the data
    model = Registry.from_directory(models).get("churn")
    rows = data.drop(columns="churned").astype(object).where(data.notna(), None).values.tolist()
    answer = model.predict(rows)
    assert answer["predictions"] == pipeline.predict(data.drop(columns="churned")).tolist()
    expected = pipeline.predict_proba(data.drop(columns="churned"))
    assert np.abs(np.array(answer["probabilities"]) - expected).max() < 1e-9
    # explained against the sample's mean of the columns the logistic regression reads
    shap = pytest.importorskip("shap")
    final, head = pipeline[-1], pipeline[:-1]
    theirs = shap.LinearExplainer(final, shap.maskers.Independent(head.transform(sample.drop(columns="churned")),
                                                                 max_samples=300))
    columns = np.asarray(model.explain(rows[:20], columns=True)["column_contributions"])[:, :, 0]
    assert np.abs(columns - theirs.shap_values(head.transform(data.drop(columns="churned").iloc[:20]))).max() < 1e-9


def test_the_schema_can_be_written_edited_and_passed_back(notebook, tmp_path, capsys):
    folder, _, _ = notebook
    schema_file = tmp_path / "churn.schema.json"
    common = ["--sample", str(folder / "sample.csv"), "--target", "churned", "--name", "churn", "--version",
              "1.1.0", "--models", str(tmp_path / "models"), "--no-check"]
    assert import_model.main([str(folder / "churn.joblib"), *common, "--write-schema", str(schema_file)]) == 0
    assert not (tmp_path / "models" / "churn").exists()  # stopped for review
    schema = json.loads(schema_file.read_text())
    schema[1].update(unit="EUR", description="Monthly fee", minimum=0, maximum=200)
    schema_file.write_text(json.dumps(schema))
    assert import_model.main([str(folder / "churn.joblib"), *common, "--schema", str(schema_file)]) == 0
    fee = read_manifest(tmp_path / "models" / "churn" / "1.1.0").schema.features[1]
    assert (fee.unit, fee.description, fee.minimum, fee.maximum) == ("EUR", "Monthly fee", 0, 200)
    # a schema that refuses the sample's own rows stops the import, naming the row and field
    schema[1].update(maximum=20)
    schema_file.write_text(json.dumps(schema))
    capsys.readouterr()
    assert import_model.main([str(folder / "churn.joblib"), *common, "--schema", str(schema_file), "--force"]) == 2
    assert "field 'monthly_fee'" in capsys.readouterr().err


def test_import_refuses_what_is_not_a_model(tmp_path, capsys):
    joblib.dump({"weights": [1, 2]}, tmp_path / "not-a-model.joblib")
    (tmp_path / "s.csv").write_text("a,b\n1,2\n")
    assert import_model.main([str(tmp_path / "not-a-model.joblib"), "--sample", str(tmp_path / "s.csv"), "--name",
                              "x", "--version", "1", "--models", str(tmp_path / "m")]) == 2
    assert "not a fitted estimator with predict()" in capsys.readouterr().err


@pytest.fixture(scope="module")
def mlflow_store(notebook, tmp_path_factory):
    """A real local MLflow registry (SQLite), with the notebook's pipeline registered as churn
    version 1, alias "champion", its signature and an input example logged."""
    import build_scripts.mlflow_registry  # noqa: F401  (telemetry off before mlflow is imported)
    import mlflow
    from mlflow.models import infer_signature
    from mlflow.tracking import MlflowClient

    _, pipeline, data = notebook
    folder = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{folder}/mlflow.db"
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    experiment = mlflow.create_experiment("churn", artifact_location=(folder / "artifacts").as_uri())
    mlflow.set_experiment(experiment_id=experiment)  # every run here, logged bundles too, stores under folder
    X = data.drop(columns="churned")
    with mlflow.start_run(experiment_id=experiment) as run:
        mlflow.sklearn.log_model(pipeline, name="model", registered_model_name="churn",
                                 signature=infer_signature(X, pipeline.predict(X)), input_example=X.iloc[:20],
                                 serialization_format="cloudpickle")
    MlflowClient().set_registered_model_alias("churn", "champion", "1")
    return uri, run.info.run_id


@pytest.mark.parametrize("uri, sample", [("models:/churn/1", True), ("models:/churn@champion", False)])
def test_a_registered_mlflow_model_is_imported_with_its_lineage(notebook, mlflow_store, tmp_path, uri, sample):
    folder, pipeline, data = notebook
    tracking, run_id = mlflow_store
    models = tmp_path / "models"
    extra = ["--sample", str(folder / "sample.csv"), "--target", "churned"] if sample else []
    assert import_model.main(["--mlflow", uri, "--tracking-uri", tracking, *extra, "--name", "churn", "--version",
                              "2.0.0", "--models", str(models)]) == 0
    manifest = read_manifest(models / "churn" / "2.0.0").to_dict()
    lineage = manifest["lineage"]
    assert (lineage["source"], lineage["uri"], lineage["name"], lineage["version"], lineage["run_id"]) == \
        ("mlflow", uri, "churn", "1", run_id)
    assert lineage.get("alias") == (None if sample else "champion")
    features = {f["name"]: f for f in manifest["features"]}
    assert features["support_calls"]["type"] == "integer" and features["plan"]["categories"] == PLANS
    assert manifest["runtimes"] == ["browser", "server"]
    model = Registry.from_directory(models).get("churn")
    rows = data.drop(columns="churned").astype(object).where(data.notna(), None).values.tolist()[:50]
    clean = [r for r in rows if all(v is not None for v in r[:3])]  # without a sample, ranges come from 20 rows
    within = [r for r in clean if model.manifest.schema.explain([(0, r)]) is None]
    assert within and model.predict(within)["predictions"] == pipeline.predict(
        pd.DataFrame(within, columns=model.manifest.schema.names)).tolist()


def test_a_bundle_is_logged_back_to_mlflow_as_a_model_version(notebook, mlflow_store, tmp_path):
    from mlflow.tracking import MlflowClient

    from build_scripts.mlflow_registry import log_bundle

    folder, _, _ = notebook
    tracking, _ = mlflow_store
    models = tmp_path / "models"
    assert import_model.main([str(folder / "churn.joblib"), "--sample", str(folder / "sample.csv"), "--target",
                              "churned", "--name", "churn", "--version", "3.0.0", "--models", str(models),
                              "--no-check"]) == 0
    logged = log_bundle(models / "churn" / "3.0.0", "churn_site", tracking)
    version = MlflowClient().get_model_version("churn_site", logged["version"])
    assert version.tags["py_pipeline.version"] == "3.0.0" and len(version.tags["py_pipeline.manifest_sha256"]) == 64
    files = {f.path for f in MlflowClient().list_artifacts(logged["run_id"], "py_pipeline_bundle")}
    assert "py_pipeline_bundle/manifest.json" in files
