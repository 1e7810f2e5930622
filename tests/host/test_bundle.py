"""Model bundles: round trip, integrity before unpickling, version and manifest checks."""

import json

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from py_pipeline import (Feature, IncompatibleModel, IntegrityError, InvalidBundle, Registry, Schema,
                         UnknownModel, load_model, write_bundle)
from py_pipeline.bundle import read_manifest


def tiny_bundle(directory, version="1.0.0", extra=None):
    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    y = np.array(["no", "yes", "no", "yes"])
    schema = Schema((Feature("a", minimum=0, maximum=1), Feature("b", minimum=0, maximum=1)))
    return write_bundle(directory / "tiny" / version, LogisticRegression().fit(X, y), name="tiny",
                        version=version, task="classification", schema=schema, extra=extra)


@pytest.mark.parametrize("extra, words", [
    ({"examples": [{"name": "Too big", "row": [2, 0]}]}, "example 'Too big' is not a valid row: field 'a': expected a number between 0 and 1, got 2"),
    ({"class_labels": {"maybe": "not sure"}}, "class_labels names maybe, which the model does not predict"),
])
def test_examples_and_class_labels_must_fit_the_model(tmp_path, extra, words):
    with pytest.raises(InvalidBundle, match=words):
        tiny_bundle(tmp_path, extra=extra)


def test_named_examples_and_class_labels_reach_the_manifest(model_dir):
    failure_type = read_manifest(model_dir / "failure_type" / "1.0.0").to_dict()
    assert failure_type["class_labels"]["TWF"] == "tool wear failure"
    names = [e["name"] for e in failure_type["examples"]]
    assert names[0] == "A healthy machine, new tool" and "Heat dissipation failure" in names


def test_bundle_round_trip(tmp_path):
    manifest = tiny_bundle(tmp_path)
    model = load_model(tmp_path / "tiny" / "1.0.0")
    assert model.manifest == manifest
    result = model.predict([{"a": 1, "b": 0}, [0, 0]])
    assert result["predictions"] == ["yes", "no"]
    assert result["classes"] == ["no", "yes"]
    assert all(abs(sum(p) - 1) < 1e-12 for p in result["probabilities"])


def test_the_manifest_records_features_classes_library_versions_and_the_artifact_sha256(iris_dir):
    data = json.loads((iris_dir / "manifest.json").read_text())
    assert [f["name"] for f in data["features"]] == [
        "sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"]
    assert data["classes"] == ["setosa", "versicolor", "virginica"]
    assert data["library_versions"]["scikit-learn"] == "1.6.1"
    assert len(data["artifact"]["sha256"]) == 64
    for key in ("name", "version", "task", "created_at"):
        assert data[key]


def test_tampered_artifact_is_refused_before_unpickling(bundle_copy, monkeypatch):
    artifact = bundle_copy / "model.joblib"
    artifact.write_bytes(artifact.read_bytes() + b"\0")
    unpickled = []
    monkeypatch.setattr("joblib.load", lambda *a, **k: unpickled.append(a))
    with pytest.raises(IntegrityError) as caught:
        load_model(bundle_copy, engine="sklearn")
    assert "refusing to load" in caught.value.message
    assert caught.value.code == "integrity_error"
    assert unpickled == []


@pytest.mark.parametrize("file", ["portable.json", "portable.bin"])
def test_tampered_portable_file_is_refused_before_parsing(bundle_copy, monkeypatch, file):
    path = bundle_copy / file
    path.write_bytes(path.read_bytes()[:-1] + b"\1")
    parsed = []
    monkeypatch.setattr("py_pipeline.portable.engine.PortableEngine.from_bytes", lambda *a: parsed.append(a))
    with pytest.raises(IntegrityError, match=f"{file} has sha256 .* refusing to load it"):
        load_model(bundle_copy)
    assert parsed == []


def test_portable_engine_is_the_default_and_needs_no_matching_scikit_learn(bundle_copy):
    path = bundle_copy / "manifest.json"
    data = json.loads(path.read_text())
    data["library_versions"]["scikit-learn"] = "0.24.2"  # a pickle would be refused; the spec is plain data
    path.write_text(json.dumps(data))
    model = load_model(bundle_copy)
    assert model.engine.name == "portable"
    assert model.predict([[2.5, 1.3, 4.0, 0.8]])["predictions"] == ["versicolor"]


@pytest.mark.parametrize("library, version, here", [("scikit-learn", "1.5.2", "1.6.1"), ("numpy", "1.26.4", "2.0.2")])
def test_other_library_version_is_refused(bundle_copy, monkeypatch, library, version, here):
    path = bundle_copy / "manifest.json"
    data = json.loads(path.read_text())
    data["library_versions"][library] = version
    path.write_text(json.dumps(data))
    unpickled = []
    monkeypatch.setattr("joblib.load", lambda *a, **k: unpickled.append(1))
    with pytest.raises(IncompatibleModel, match=f"built with {library} {version}, but this runtime has {here}") as caught:
        load_model(bundle_copy, engine="sklearn")
    assert caught.value.details == [{"field": f"library_versions.{library}", "expected": here, "actual": version}]
    assert unpickled == []  # refused before unpickling


@pytest.mark.parametrize("change, words", [
    (lambda d: d.pop("features"), "'features'"),
    (lambda d: d.update(task="clustering"), "'task'"),
    (lambda d: d["artifact"].update(file="../../etc/passwd"), "plain file name"),
    (lambda d: d["artifact"].update(sha256="abc"), "64 hex"),
    (lambda d: d.update(classes=["a", "b", "c"]), "classes"),
    (lambda d: d["features"].pop(), "features"),
    (lambda d: d.update(engines={"browser": "onnx"}), "'engines'"),
    (lambda d: d["portable"]["arrays"].update(file="/tmp/x.bin"), "'portable.arrays.file' must be a plain file name"),
    (lambda d: d.pop("portable"), "names the portable engine, but 'portable' lists no files"),
    (lambda d: d["features"][0].update(name="sepal_len"), "does not match the one the (artifact|portable spec) was"),
    (lambda d: d["features"][0].update(maximum=99), "differs in maximum"),
])
@pytest.mark.parametrize("engine", ["portable", "sklearn"])
def test_inconsistent_manifest_is_refused(bundle_copy, change, words, engine):
    path = bundle_copy / "manifest.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    with pytest.raises(InvalidBundle, match=words):
        load_model(bundle_copy, engine=engine)


@pytest.mark.parametrize("engine, source", [("portable", "portable spec"), ("sklearn", "artifact")])
def test_schema_mismatch_has_its_own_code(bundle_copy, engine, source):
    from py_pipeline import SchemaMismatch

    path = bundle_copy / "manifest.json"
    data = json.loads(path.read_text())
    data["features"][0]["unit"] = "mm"
    path.write_text(json.dumps(data))
    with pytest.raises(SchemaMismatch, match=f"the {source} was trained on") as caught:
        load_model(bundle_copy, engine=engine)
    assert caught.value.code == "schema_mismatch"
    assert "feature 0 ('sepal_length_cm') differs in unit" in caught.value.message


def test_missing_or_broken_manifest(tmp_path):
    with pytest.raises(InvalidBundle, match="no manifest.json"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(InvalidBundle, match="not valid JSON"):
        read_manifest(tmp_path)


def test_registry_serves_newest_version_and_names_unknowns(tmp_path):
    tiny_bundle(tmp_path, "1.9.0")
    tiny_bundle(tmp_path, "1.10.0")
    registry = Registry.from_directory(tmp_path)
    assert registry.versions("tiny") == ["1.9.0", "1.10.0"]
    assert registry.get("tiny").version == "1.10.0"
    assert registry.get("tiny", "1.9.0").version == "1.9.0"
    with pytest.raises(UnknownModel, match="no model named 'nope'; available: tiny"):
        registry.get("nope")
    with pytest.raises(UnknownModel, match="no version '2.0.0'"):
        registry.get("tiny", "2.0.0")


def test_iris_predicts_versicolor_for_a_medium_flower(iris_dir):
    result = load_model(iris_dir).predict([[2.5, 1.3, 4.0, 0.8]])
    assert result["predictions"] == ["versicolor"]
    assert result["model"] == {"name": "iris", "version": "1.0.0"}
