"""scikit-learn transformers around the numpy functions of ``features`` (they need scikit-learn).

They live in the wheel because pickled pipelines refer to them by name and must find them
wherever the scikit-learn engine runs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .features import PHYSICS_INPUTS, PHYSICS_OUTPUTS, physics_features


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

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "n_features_in_")
        names = list(input_features) if input_features is not None else list(PHYSICS_INPUTS)
        return np.asarray(names + list(PHYSICS_OUTPUTS), dtype=object)
