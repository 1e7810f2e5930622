"""Inference engines: the small interface every way of running a model implements.

``SklearnEngine`` runs the unpickled scikit-learn pipeline as it is (and imports scikit-learn
only when one is built); ``portable.PortableEngine`` runs the exported spec with numpy alone.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from .errors import ModelUnavailable
from .schema import Schema


class Engine(Protocol):
    """What a model needs from whatever runs it."""

    name: str

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted labels (classification) or values (regression), one per row."""
        ...

    def predict_proba(self, X: np.ndarray) -> np.ndarray | None:
        """Per-class probabilities in the order of ``classes``, or None if not a classifier."""
        ...

    def classify(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Labels (from the estimator's own ``predict``) and probabilities, in one call."""
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
    """Runs a fitted scikit-learn estimator or pipeline.

    Rows reach it already validated (finite, in range), so scikit-learn's own finiteness and
    parameter checks are skipped: they cost more than the prediction for a single row. The
    parity tests (``tests/host/test_parity.py`` and ``tests/unit/test_matrix_parity.py``, runtime and browser tiers) prove these shortcuts give
    exactly what the estimator's own ``predict`` and ``predict_proba`` give.
    """

    name = "sklearn"

    def __init__(self, estimator: Any, schema: Schema | None = None) -> None:
        from sklearn.pipeline import Pipeline

        if not hasattr(estimator, "predict"):
            raise TypeError(f"expected a fitted estimator with predict(), got {type(estimator).__name__}")
        self.estimator = estimator
        # A DataFrame-fitted pipeline selects columns by name: it is fed a DataFrame (pandas is
        # imported only for such a model).
        self._frame = None if schema is None or not hasattr(estimator, "feature_names_in_") \
            else FrameMaker(schema, list(estimator.feature_names_in_))
        # A top-level Pipeline is run step by step: the same transforms and final call that
        # Pipeline.predict_proba makes, without its per-call is-fitted and tag checks, which
        # cost more than the prediction itself for one row. The bundle was checked at load.
        steps = getattr(estimator, "steps", None)
        if isinstance(estimator, Pipeline) and steps:
            self._transforms = [step for _, step in steps[:-1] if step is not None and step != "passthrough"]
            self._final = steps[-1][1]
        else:
            self._transforms, self._final = [], estimator

    def _transform(self, X: np.ndarray) -> Any:
        if self._frame is not None:
            X = self._frame(X)
        for step in self._transforms:
            X = step.transform(X)
        return X

    def predict(self, X: np.ndarray) -> np.ndarray:
        with _validated_input():
            return np.asarray(self._final.predict(self._transform(X)))

    def predict_proba(self, X: np.ndarray) -> np.ndarray | None:
        if not hasattr(self._final, "predict_proba"):
            return None
        with _validated_input():
            return np.asarray(self._final.predict_proba(self._transform(X)), dtype=np.float64)

    def classify(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        # Labels come from the final estimator's own predict, never from the argmax of its
        # probabilities: they differ for FixedThresholdClassifier, SVC and ties. The input is
        # transformed once for both calls.
        with _validated_input():
            Xt = self._transform(X)
            labels = np.asarray(self._final.predict(Xt))
            if not hasattr(self._final, "predict_proba"):
                return labels, None
            return labels, np.asarray(self._final.predict_proba(Xt), dtype=np.float64)

    @property
    def classes(self) -> list[Any] | None:
        classes = getattr(self.estimator, "classes_", None)
        return None if classes is None else np.asarray(classes).tolist()

    @property
    def n_features(self) -> int | None:
        n = getattr(self.estimator, "n_features_in_", None)
        return None if n is None else int(n)


def _validated_input() -> Any:
    from sklearn import config_context

    return config_context(assume_finite=True, skip_parameter_validation=True)


class FrameMaker:
    """Turns validated rows (schema order) into the DataFrame a DataFrame-fitted pipeline expects:
    its columns in the fitted order, numbers as float64, integers as int64 (float64 when a value
    is missing), categories as object."""

    def __init__(self, schema: Schema, names: list[str]) -> None:
        self.names = [str(n) for n in names]
        self.positions = schema.positions(self.names)  # ValueError when the names do not match
        self.types = [schema.features[i].type for i in self.positions]

    def __call__(self, X: np.ndarray) -> Any:
        try:
            import pandas as pd
        except ImportError:
            raise ModelUnavailable("this model was fitted on a pandas DataFrame, and this runtime has no pandas "
                                   "to run it on the scikit-learn engine (its portable engine needs none)") from None

        columns = {}
        for name, i, kind in zip(self.names, self.positions, self.types):
            column = X[:, i]
            if kind == "category":
                columns[name] = pd.Series(column, dtype=object)
                continue
            values = np.asarray(column, dtype=np.float64)
            if kind == "integer" and not np.isnan(values).any():
                values = values.astype(np.int64)
            columns[name] = values
        return pd.DataFrame(columns)
