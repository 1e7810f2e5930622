"""The demo's feature package (feature_packages/machine_physics): its numpy functions and the
scikit-learn transformer around them."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from machine_physics.functions import (PHYSICS_INPUTS, PHYSICS_OUTPUTS, mechanical_power, physics_features, strain,
                                       temperature_difference)
from machine_physics.steps import PhysicsFeatures

ROWS = np.array([[300.0, 310.0, 1500.0, 40.0, 100.0], [298.0, 306.0, 2000.0, 20.0, 0.0]])


def test_numpy_functions_compute_the_physics():
    assert temperature_difference(np.array([300.0]), np.array([308.6])) == pytest.approx([8.6])
    # 40 Nm at 1500 rpm: 40 * 1500 * 2 pi / 60 = 6283.19 W
    assert mechanical_power(np.array([40.0]), np.array([1500.0])) == pytest.approx([6283.185307])
    assert strain(np.array([200.0]), np.array([60.0])) == pytest.approx([12000.0])


def test_transformer_adds_the_three_features_after_the_inputs():
    out = PhysicsFeatures().fit(ROWS).transform(ROWS)
    assert out.shape == (2, 8)
    np.testing.assert_array_equal(out[:, :5], ROWS)
    np.testing.assert_allclose(out[0, 5:], [10.0, 40 * 1500 * 2 * np.pi / 60, 4000.0])
    np.testing.assert_array_equal(out, physics_features(ROWS))


def test_feature_names_out():
    names = PhysicsFeatures().fit(ROWS).get_feature_names_out()
    assert list(names) == list(PHYSICS_INPUTS) + list(PHYSICS_OUTPUTS)
    assert list(PhysicsFeatures().fit(ROWS).get_feature_names_out(list("abcde"))) == list("abcde") + list(PHYSICS_OUTPUTS)


def test_composes_with_pipeline_and_column_transformer():
    X = np.array([["L", *ROWS[0]], ["H", *ROWS[1]]], dtype=object)
    pre = ColumnTransformer([
        ("type", OneHotEncoder(categories=[["L", "M", "H"]], sparse_output=False), [0]),
        ("physics", Pipeline([("derive", PhysicsFeatures()), ("scale", StandardScaler())]), [1, 2, 3, 4, 5]),
    ])
    out = pre.fit_transform(X)
    assert out.shape == (2, 3 + 8)
    names = list(pre.get_feature_names_out())
    assert names[:3] == ["type__x0_L", "type__x0_M", "type__x0_H"]
    assert "physics__mechanical_power_w" in names
    assert clone(pre).fit(X).transform(X).tolist() == out.tolist()


@pytest.mark.parametrize("bad", [np.zeros((2, 4)), np.zeros(5)])
def test_wrong_shapes_are_refused(bad):
    with pytest.raises(ValueError, match="5 columns"):
        PhysicsFeatures().fit(bad)


def test_transform_before_fit_is_refused():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        PhysicsFeatures().transform(ROWS)
