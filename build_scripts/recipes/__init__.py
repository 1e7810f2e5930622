"""Model recipes: one module per model, each exposing ``NAME``, ``VERSION`` and ``train()``.

``train()`` returns a :class:`Recipe` result: the fitted estimator, its schema, task and
description. ``python -m build_scripts.train`` turns each into a bundle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from py_pipeline import Schema


@dataclass
class Trained:
    """What a recipe hands to the bundler."""

    estimator: Any
    schema: Schema
    task: str
    description: str
    extra: dict[str, Any] = field(default_factory=dict)
