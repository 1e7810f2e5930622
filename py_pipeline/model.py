"""A loaded model: its manifest plus the engine that runs it."""

from __future__ import annotations

import os
from typing import Any

from .bundle import Manifest, load_engine, read_manifest
from .engines import Engine


class Model:
    """A model ready to predict. Build one with :func:`load_model`."""

    def __init__(self, manifest: Manifest, engine: Engine) -> None:
        self.manifest = manifest
        self.engine = engine

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def version(self) -> str:
        return self.manifest.version

    def predict(self, rows: Any) -> dict[str, Any]:
        """Validate ``rows`` and predict.

        ``rows`` is a list of objects keyed by feature name or of arrays in schema order.
        Returns ``{"model", "predictions"}`` and, for classifiers, ``"classes"`` and
        ``"probabilities"`` (one list per row, in the order of ``classes``). Raises
        :class:`~py_pipeline.errors.InvalidInput` for rows that do not fit the schema.
        """
        X = self.manifest.schema.validate(rows)
        result: dict[str, Any] = {"model": {"name": self.name, "version": self.version}}
        if self.manifest.task != "classification":
            result["predictions"] = self.engine.predict(X).tolist()
            return result
        labels, proba = self.engine.classify(X)
        result["predictions"] = labels.tolist()
        result["classes"] = list(self.manifest.classes or [])
        if proba is not None:
            result["probabilities"] = proba.tolist()
        return result


def load_model(directory: str | os.PathLike[str], engine: str | None = None, allow_pickle: bool = True) -> Model:
    """Load the bundle in ``directory``: manifest, integrity checks, then the engine.

    ``engine`` picks ``"portable"`` or ``"sklearn"`` (None: portable when the bundle has it);
    ``allow_pickle=False`` refuses any model that would need unpickling.
    """
    manifest = read_manifest(directory)
    return Model(manifest, load_engine(directory, manifest, engine, allow_pickle))
