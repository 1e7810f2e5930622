"""Inference engines: the small interface every way of running a model implements.

The first engine runs the fitted scikit-learn pipeline as it is. A numpy-only engine
(no scikit-learn at predict time) can be added later behind the same interface.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np


class Engine(Protocol):
    """What a model needs from whatever runs it."""

    name: str

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted labels (classification) or values (regression), one per row."""
        ...

    def predict_proba(self, X: np.ndarray) -> np.ndarray | None:
        """Per-class probabilities in the order of ``classes``, or None if not a classifier."""
        ...

    @property
    def classes(self) -> list[Any] | None:
        """Class labels in probability-column order, or None for regression."""
        ...

    @property
    def n_features(self) -> int | None:
        """How many input columns the model was fitted on, when it says."""
        ...


class SklearnEngine:
    """Runs a fitted scikit-learn estimator or pipeline."""

    name = "sklearn"

    def __init__(self, estimator: Any) -> None:
        if not hasattr(estimator, "predict"):
            raise TypeError(f"expected a fitted estimator with predict(), got {type(estimator).__name__}")
        self.estimator = estimator

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self.estimator.predict(X))

    def predict_proba(self, X: np.ndarray) -> np.ndarray | None:
        if not hasattr(self.estimator, "predict_proba"):
            return None
        return np.asarray(self.estimator.predict_proba(X), dtype=np.float64)

    @property
    def classes(self) -> list[Any] | None:
        classes = getattr(self.estimator, "classes_", None)
        return None if classes is None else np.asarray(classes).tolist()

    @property
    def n_features(self) -> int | None:
        n = getattr(self.estimator, "n_features_in_", None)
        return None if n is None else int(n)


ENGINES = {"sklearn": SklearnEngine}
