"""The manifest's one description (py_pipeline/manifest_types.py): the JSON Schema and the client's
JSDoc typedef come from it, every manifest the build writes fits the schema, and a manifest is
written once, whole, by one writer."""

from __future__ import annotations

import json

import jsonschema_rs
import pytest
from sklearn.linear_model import LogisticRegression

from build_scripts import manifest_types as writer
from py_pipeline import Feature, InvalidBundle, Schema, write_bundle
from py_pipeline.bundle import choose_engine, read_manifest, without_portable
from py_pipeline.errors import ModelUnavailable
from py_pipeline.manifest_types import json_schema

SCHEMA = Schema((Feature("a", minimum=0, maximum=1), Feature("b", minimum=0, maximum=1)))


@pytest.fixture
def bundle(tmp_path):
    model = LogisticRegression().fit([[0, 0], [1, 1], [0, 1], [1, 0]], ["n", "y", "y", "n"])
    write_bundle(tmp_path, model, name="tiny", version="1", task="classification", schema=SCHEMA,
                 extra={"examples": [{"name": "zero", "row": [0, 0]}], "metrics": {"accuracy": 1.0}})
    return tmp_path


def test_the_client_typedef_is_what_the_description_writes():
    assert writer.TARGET.read_text() == writer.source(), "run: python -m build_scripts.manifest_types"


def test_a_written_manifest_fits_the_schema_and_a_wrong_one_does_not(bundle):
    validator = jsonschema_rs.validator_for(json_schema())
    written = json.loads((bundle / "manifest.json").read_text())
    assert validator.is_valid(written), [e.message for e in validator.iter_errors(written)]
    for broken in ({**written, "engines": {"browser": "onnx", "server": "sklearn"}},
                   {**written, "artifact": {"file": "model.joblib", "sha256": "x"}},
                   {**written, "examples": [{"name": "zero"}]}):
        assert not validator.is_valid(broken)


def test_engines_are_decided_at_build_and_overridden_in_one_place(bundle):
    manifest = read_manifest(bundle)
    assert manifest.engines == {"browser": "sklearn", "server": "sklearn"}
    assert choose_engine(manifest, "browser") == "sklearn"
    assert choose_engine(manifest, "server", override="portable") == "sklearn"  # it has no portable engine
    with pytest.raises(ModelUnavailable, match="refuses pickled models"):
        choose_engine(manifest, "server", allow_pickle=False)
    # a change that would not load is refused before anything is written
    with pytest.raises(InvalidBundle, match="engines"):
        manifest.with_fields({"engines": {"browser": "portable", "server": "portable"}})
    changed = without_portable(bundle, manifest, "a reason")
    assert changed.portable_unavailable == "a reason" and read_manifest(bundle).portable_unavailable is None
