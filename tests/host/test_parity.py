"""Both our engines (portable and scikit-learn) against scikit-learn's own predict/predict_proba on
every shipped model (tests/unit/test_matrix_parity.py does the small-pipeline matrix)."""

from __future__ import annotations

import pytest

from build_scripts.golden import generated_rows, sampled_rows
from py_pipeline import load_model

from ..support.parity import all_models, assert_same_predictions, bundle_dir, golden_rows, reference

SHIPPED = {f"{m.name}@{m.version}": m for m in all_models()}


@pytest.mark.parametrize("engine", ["portable", "sklearn"])
@pytest.mark.parametrize("key", sorted(SHIPPED))
def test_shipped_model_matches_scikit_learn(key, engine):
    manifest = SHIPPED[key]
    rows = golden_rows(manifest) + generated_rows(manifest) + sampled_rows(manifest.schema, 2000, seed=5)
    model = load_model(bundle_dir(manifest), engine=engine)
    assert model.engine.name == engine
    ours = model.predict(rows)
    assert len(ours["predictions"]) == len(rows)
    assert_same_predictions(ours, reference(manifest, rows))


