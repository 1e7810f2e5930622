"""What every exporter shares (build time): the refusal, the array buffer, and plain JSON values."""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from .engine import DTYPES


class NotPortable(Exception):
    """The pipeline holds something the portable engine cannot reproduce; the message says what."""


class Buffer:
    """Arrays collected into one flat little-endian buffer, 8-byte aligned, with a table of offsets."""

    def __init__(self) -> None:
        self.table: dict[str, dict[str, Any]] = {}
        self._chunks: list[bytes] = []
        self._size = 0

    def put(self, array: Any, dtype: str = "<f8") -> str:
        """Store ``array`` as ``dtype``; return its name in the table."""
        assert dtype in DTYPES
        data = np.ascontiguousarray(np.asarray(array).astype(dtype, copy=False))
        name = f"a{len(self.table)}"
        self.table[name] = {"dtype": dtype, "shape": list(data.shape), "offset": self._size}
        raw = data.tobytes()
        pad = (-len(raw)) % 8
        self._chunks.append(raw + b"\0" * pad)
        self._size += len(raw) + pad
        return name

    def bytes(self) -> bytes:
        return b"".join(self._chunks)


def spec_nodes(node: Any) -> Iterator[dict[str, Any]]:
    """Every node of a spec (or part of one), nested ones included; the array table is not walked."""
    if isinstance(node, list):
        for item in node:
            yield from spec_nodes(item)
    elif isinstance(node, dict):
        yield node
        for key, value in node.items():
            if key != "arrays":
                yield from spec_nodes(value)


def _name(obj: Any) -> str:
    return type(obj).__name__


def _jsonable(values: Any) -> list[Any]:
    out = []
    for v in np.asarray(values, dtype=object).tolist():
        if isinstance(v, (np.generic,)):
            v = v.item()
        if isinstance(v, float) and v != v:
            raise NotPortable("a category list holds NaN in an unexpected place")
        if not isinstance(v, (str, int, float)) or isinstance(v, bool):
            raise NotPortable(f"category {v!r} is not a string or a number")
        out.append(v)
    return out


def _classes(est: Any) -> list[Any] | None:
    classes = getattr(est, "classes_", None)
    return None if classes is None else _jsonable(classes)
