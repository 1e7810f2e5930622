"""A loaded model: its manifest plus the engine that runs it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .bundle import Manifest, choose_engine, load_engine, read_manifest
from .engines import Engine
from .errors import ModelFailed
from .problems import JSON_ROWS, Locator


class Model:
    """A model ready to predict. Build one with :func:`load_model`."""

    def __init__(self, manifest: Manifest, engine: Engine, directory: str | os.PathLike[str] | None = None) -> None:
        self.manifest = manifest
        self.engine = engine
        self.directory = None if directory is None else Path(directory)  # where its bundle is, when loaded from one
        #: called with (model, validated rows, predictions) after every prediction (the server's drift counts)
        self.observer: Callable[[Model, np.ndarray, np.ndarray], None] | None = None

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def version(self) -> str:
        return self.manifest.version

    def predict(self, rows: Any, at: Locator = JSON_ROWS) -> dict[str, Any]:
        """Validate ``rows`` and predict.

        ``rows`` is a list of objects keyed by feature name or of arrays in schema order.
        Returns ``{"model", "predictions"}`` and, for classifiers, ``"classes"`` and
        ``"probabilities"`` (one list per row, in the order of ``classes``); with ``"warnings"``
        (``out_of_range`` problems, the first 100) and ``"warning_count"`` when values fall outside
        their feature's typical range (they are scored all the same). Raises
        :class:`~py_pipeline.errors.InvalidInput` for rows that do not fit the schema, each
        problem numbered by ``at`` (rows from 1 unless the caller's batch starts later).
        """
        X = self.manifest.schema.validate(rows, at)
        answer, predictions, proba = self.predict_arrays(X, at)
        result = {"model": answer["model"], "predictions": predictions.tolist()}
        if "classes" in answer:
            result["classes"] = answer["classes"]
        if proba is not None:
            result["probabilities"] = proba.tolist()
        result.update(self.warnings(X, at))
        return result

    def explain(self, rows: Any, at: Locator = JSON_ROWS, columns: bool = False, flat: bool = False) -> dict[str, Any]:
        """Validate ``rows`` (as :meth:`predict` does, with the same errors) and explain each one:
        exact, additive contributions per input feature, lines of their own for columns computed
        from several features, and the base values (``py_pipeline.explanations``). Raises
        :class:`~py_pipeline.errors.ExplanationUnavailable` for a model that cannot be explained;
        its predictions are unaffected. ``columns``, ``flat``: as ``explain_rows`` takes them."""
        from .explanations import explain_rows

        X = self.manifest.schema.validate(rows, at)
        return {**explain_rows(self, X, columns, flat), **self.warnings(X, at)}

    def warnings(self, X: np.ndarray, at: Locator = JSON_ROWS) -> dict[str, Any]:
        """``{"warnings", "warning_count"}`` for validated rows with values outside their typical
        range, or ``{}``: the one place an answer's warnings are made."""
        found, total = self.manifest.schema.warnings(X, at)
        return {"warnings": [p.to_dict() for p in found], "warning_count": total} if total else {}

    def predict_arrays(self, X: np.ndarray, at: Locator = JSON_ROWS) -> tuple[dict[str, Any], np.ndarray,
                                                                             np.ndarray | None]:
        """Predict validated rows; answer ``({"model", "classes"?}, predictions, probabilities)``
        as numpy arrays: labels or values, and per-class probabilities or None."""
        result: dict[str, Any] = {"model": {"name": self.name, "version": self.version}}
        if self.manifest.task != "classification":
            values = np.asarray(self.engine.predict(X))
            self._finite(values, "predictions", at)
            if self.observer is not None:
                self.observer(self, X, values)
            return result, values, None
        labels, proba = self.engine.classify(X)
        if proba is not None:
            self._finite(proba, "probabilities", at)
        result["classes"] = list(self.manifest.classes or [])
        if self.observer is not None:
            self.observer(self, X, labels)
        return result, labels, proba

    def _finite(self, values: np.ndarray, what: str, at: Locator) -> None:
        """Never answer NaN or infinity (JSON's null) where a number belongs."""
        if values.dtype.kind == "f" and not np.isfinite(values).all():
            i = int(np.flatnonzero(~np.isfinite(values).reshape(len(values), -1).all(axis=1))[0])
            raise ModelFailed(f"model '{self.name}' {self.version} gave a non-finite value in its {what} for "
                              f"row {at.row(i)}; no answer was sent",
                              [{"row": at.row(i), "field": what, "expected": "finite numbers"}])

    def class_indices(self, labels: np.ndarray) -> np.ndarray:
        """Each label's position in ``classes``, as int32 (for answers sent as typed arrays)."""
        classes = list(self.manifest.classes or [])
        if len(labels) < 64:  # np.unique's sort costs more than a lookup per label
            return np.array([classes.index(c) for c in labels.tolist()], dtype=np.int32)
        distinct, inverse = np.unique(labels, return_inverse=True)
        position = np.array([classes.index(c) for c in distinct.tolist()], dtype=np.int32)
        return position[inverse.reshape(-1)]


def load_model(directory: str | os.PathLike[str], engine: str | None = None, allow_pickle: bool = True,
               runtime: str = "server") -> Model:
    """Load the bundle in ``directory``: manifest, integrity checks, then the engine.

    The engine is the one the build chose for ``runtime`` unless ``engine`` (``"portable"`` or
    ``"sklearn"``) overrides it; ``allow_pickle=False`` refuses any model that would need
    unpickling (:func:`~py_pipeline.bundle.choose_engine`).
    """
    manifest = read_manifest(directory)
    return Model(manifest, load_engine(directory, manifest, choose_engine(manifest, runtime, engine, allow_pickle)),
                 directory)
