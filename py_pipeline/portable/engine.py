"""The portable engine: a spec (JSON) plus its arrays (one flat little-endian buffer), run with numpy.

Loading parses JSON and slices the buffer with ``np.frombuffer``: no pickle, no import of
anything the spec names except registered functions (``user_steps``) and the modules holding them.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from . import estimators, transforms

FORMAT = "py_pipeline.portable/1"
SPEC_FILE = "portable.json"
ARRAYS_FILE = "portable.bin"
#: dtypes an array may have in the buffer (all little-endian, so any host reads them alike)
DTYPES = ("<f8", "<f4", "<i8", "<i4", "|u1", "|b1")


def spec_bytes(spec: dict[str, Any]) -> bytes:
    """The spec as ``portable.json`` holds it (the one serialisation: written and checked alike)."""
    return (json.dumps(spec, separators=(",", ":")) + "\n").encode()


def read_arrays(table: dict[str, Any], buffer: bytes) -> dict[str, np.ndarray]:
    """Slice the named arrays out of ``buffer`` (read-only views, no copy)."""
    arrays = {}
    for name, entry in table.items():
        dtype = np.dtype(entry["dtype"])
        if entry["dtype"] not in DTYPES:
            raise ValueError(f"portable spec: array {name!r} has dtype {entry['dtype']!r}, not one of {DTYPES}")
        shape = tuple(entry["shape"])
        count = int(np.prod(shape, dtype=np.int64))
        if entry["offset"] + count * dtype.itemsize > len(buffer):
            raise ValueError(f"portable spec: array {name!r} runs past the end of {ARRAYS_FILE}")
        arrays[name] = np.frombuffer(buffer, dtype=dtype, count=count, offset=entry["offset"]).reshape(shape)
    return arrays


class PortableEngine:
    """Runs a portable spec: the preprocessing steps, then the final estimator."""

    name = "portable"

    def __init__(self, spec: dict[str, Any], buffer: bytes) -> None:
        if spec.get("format") != FORMAT:
            raise ValueError(f"portable spec format is {spec.get('format')!r}, expected {FORMAT!r}")
        arrays = read_arrays(spec["arrays"], buffer)
        self.spec = spec
        self._order = np.asarray(spec["input_order"], dtype=np.intp)
        self._in_order = bool(np.array_equal(self._order, np.arange(len(self._order))))
        self._transform = transforms.build({"op": "pipeline", "steps": spec["transforms"]}, arrays)
        self._final = estimators.build(spec["estimator"], arrays)
        self._arrays = arrays
        self._explain: Any = None
        self.explanation_lines: Any = None  # explanations.Lines, kept by the first explanation
        self.explanation_refusal: Any = None  # (why it cannot be explained, or None,), kept likewise

    @classmethod
    def from_bytes(cls, spec_bytes: bytes, buffer: bytes) -> "PortableEngine":
        return cls(json.loads(spec_bytes), buffer)

    def _prepare(self, X: np.ndarray) -> np.ndarray:
        # Rows arrive in schema order; the pipeline reads columns in the order it was fitted on.
        return self._transform(X if self._in_order else X[:, self._order])

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self._final.predict(self._prepare(X))

    def predict_proba(self, X: np.ndarray) -> np.ndarray | None:
        return self._final.classify(self._prepare(X))[1]

    def classify(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        return self._final.classify(self._prepare(X))

    def explain_columns(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact contributions of the final estimator's input columns: (rows, columns, outputs),
        and the base values (outputs,); raises ``explain.Unexplained`` with the reason."""
        from .explain import explainer

        if self._explain is None:
            self._explain = explainer(self.spec["estimator"], self._arrays, self._final)
        return self._explain(self._prepare(X))

    @property
    def classes(self) -> list[Any] | None:
        return self.spec.get("classes")

    @property
    def n_features(self) -> int | None:
        return len(self._order)
