"""Every shipped model has a checked portable engine, and loading one unpickles nothing (an
audit hook watches); an export that disagrees with scikit-learn is not used."""

from __future__ import annotations

import json
import pickle
import sys

import pytest

from build_scripts.export import SAMPLED_ROWS
from py_pipeline import load_model

from ..support.parity import all_models, assert_same_predictions, bundle_dir, golden_rows, reference


@pytest.mark.parametrize("manifest", all_models(), ids=lambda m: f"{m.name}@{m.version}")
def test_every_shipped_model_has_a_checked_portable_engine(manifest):
    data = json.loads((bundle_dir(manifest) / "manifest.json").read_text())
    assert data["engines"] == {"browser": "portable", "server": "portable"}
    assert set(data["portable"]) == {"spec", "arrays"} and "portable_unavailable" not in data
    assert data["portable_check"]["rows"] >= SAMPLED_ROWS + len(golden_rows(manifest))
    assert data["portable_check"]["max_abs_difference"] <= 1e-9
    for entry in data["portable"].values():
        assert (bundle_dir(manifest) / entry["file"]).stat().st_size == entry["size"]


def test_an_export_that_disagrees_with_scikit_learn_is_not_used(bundle_copy, monkeypatch):
    """Answers off by 1e-6 (as a faulty evaluator would give) fail the export's own check: the
    model keeps the scikit-learn engine, and the manifest says why."""
    from build_scripts.export import export_bundle
    from py_pipeline.portable.engine import PortableEngine

    real = PortableEngine.classify

    def off(self, X):
        labels, proba = real(self, X)
        return labels, proba + 1e-6

    monkeypatch.setattr(PortableEngine, "classify", off)
    verdict = export_bundle(bundle_copy)
    assert verdict["portable"] is False
    data = json.loads((bundle_copy / "manifest.json").read_text())
    assert "the portable engine's answers differ from scikit-learn's: probabilities differ" in data["portable_unavailable"]
    assert data["engines"] == {"browser": "sklearn", "server": "sklearn"} and data["portable"] is None
    assert not (bundle_copy / "portable.bin").exists()
    assert load_model(bundle_copy).engine.name == "sklearn"


def test_loading_a_portable_model_runs_no_pickle(monkeypatch):
    """With every unpickling entry point broken and an audit hook watching for any class lookup,
    every shipped model still loads and predicts."""
    def refuse(*args, **kwargs):
        raise AssertionError("a portable load must not unpickle")

    expected = [(m, reference(m, golden_rows(m)[:20])) for m in all_models()]  # scikit-learn unpickles here
    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    monkeypatch.setattr("joblib.load", refuse)
    watching, lookups = [True], []  # an audit hook cannot be removed: it records only while watching
    sys.addaudithook(lambda event, args: lookups.append(args) if event == "pickle.find_class" and watching else None)
    try:
        for manifest, answer in expected:
            model = load_model(bundle_dir(manifest))
            assert_same_predictions(model.predict(golden_rows(manifest)[:20]), answer)
    finally:
        watching.clear()
    assert lookups == []
