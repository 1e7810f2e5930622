"""The scikit-learn transformer around ``functions.physics_features`` (imports scikit-learn).

It follows the portable-step protocol (``portable_step``), so the portable engine runs the
registered numpy function in its place.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .functions import PHYSICS_INPUTS, PHYSICS_OUTPUTS, physics_features


class PhysicsFeatures(TransformerMixin, BaseEstimator):
    """Adds temperature difference, mechanical power and strain to the five machine readings.

    Stateless: ``fit`` only records the input width so scikit-learn's checks and
    ``get_feature_names_out`` work.
    """

    def fit(self, X: Any, y: Any = None) -> "PhysicsFeatures":
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != len(PHYSICS_INPUTS):
            raise ValueError(f"PhysicsFeatures takes {len(PHYSICS_INPUTS)} columns ({', '.join(PHYSICS_INPUTS)}), "
                             f"got shape {X.shape}")
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "n_features_in_")
        return physics_features(X)

    def portable_step(self) -> tuple[Callable[..., np.ndarray], dict[str, Any]]:
        """The portable engine's equivalent: the registered function, with no fitted state."""
        return physics_features, {}

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "n_features_in_")
        names = list(input_features) if input_features is not None else list(PHYSICS_INPUTS)
        return np.asarray(names + list(PHYSICS_OUTPUTS), dtype=object)
