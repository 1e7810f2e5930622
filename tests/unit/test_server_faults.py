"""The server never answers null where a number belongs (host tier): a model whose answers are
not finite (a half-built or broken bundle) gets a 500 with the model_failed code, and no rows."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from py_pipeline import ModelFailed, Schema, load_model, write_bundle
from server_fallback import create_app

SCHEMA = Schema.from_list([{"name": "a", "type": "number", "minimum": 0, "maximum": 10},
                           {"name": "b", "type": "number", "minimum": 0, "maximum": 10}])


def broken_models(root):
    X, y = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 1.0], [2.0, 2.0]]), np.array([0, 1, 1, 0])
    regression = LinearRegression().fit(X, y.astype(float))
    regression.coef_ = np.array([np.nan, 1.0])
    classifier = LogisticRegression().fit(X, y)
    classifier.coef_ = np.array([[np.inf, -np.inf]])
    write_bundle(root / "value" / "1", regression, name="value", version="1", task="regression", schema=SCHEMA)
    write_bundle(root / "label" / "1", classifier, name="label", version="1", task="classification", schema=SCHEMA)


@pytest.mark.parametrize("name, what", [("value", "predictions"), ("label", "probabilities")])
def test_a_model_that_answers_nan_is_a_500_never_a_null(tmp_path, name, what):
    broken_models(tmp_path)
    with pytest.raises(ModelFailed, match=f"model '{name}' 1 gave a non-finite value in its {what} for row 1"):
        load_model(tmp_path / name / "1").predict([[1, 2]])
    client = create_app({"TESTING": True, "MODEL_DIR": str(tmp_path), "SITE_DIR": ""}).test_client()
    response = client.post(f"/api/v1/models/{name}/predict", json={"rows": [[1, 2], [3, 4]]})
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "model_failed" and b"null" not in response.data
