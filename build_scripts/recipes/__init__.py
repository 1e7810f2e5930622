"""Model recipes: a recipe is a function that trains and returns a :class:`Trained`.

Register one with the :func:`recipe` decorator in any module of this package; then
``python -m build_scripts.train NAME`` bundles it, checks it in Pyodide and adds it to the site::

    from build_scripts.recipes import Trained, recipe

    @recipe("my_model", "1.0.0")
    def train() -> Trained:
        ...
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from py_pipeline import Schema


@dataclass
class Trained:
    """What a recipe hands to the bundler."""

    estimator: Any
    schema: Schema
    task: str
    description: str
    extra: dict[str, Any] = field(default_factory=dict)
    compress: int = 3  # joblib compression level of the artifact
    #: folders of the feature packages the pipeline's own code lives in (feature_packages/README.md)
    packages: tuple[Path, ...] = ()
    #: the rows it was fitted on (a DataFrame with the schema's columns, or rows in schema order):
    #: a linear model's explanations are measured against their mean
    training: Any = None


#: (name, version) -> recipe function, filled by the decorator as modules are imported.
REGISTRY: dict[tuple[str, str], Callable[[], Trained]] = {}


def recipe(name: str, version: str) -> Callable[[Callable[[], Trained]], Callable[[], Trained]]:
    """Register a training function for model ``name`` at ``version``."""

    def register(fn: Callable[[], Trained]) -> Callable[[], Trained]:
        if (name, version) in REGISTRY:
            raise ValueError(f"two recipes for {name} {version}")
        REGISTRY[(name, version)] = fn
        return fn

    return register


def discover() -> dict[tuple[str, str], Callable[[], Trained]]:
    """Import every module in this package and return all registered recipes."""
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")
    return dict(sorted(REGISTRY.items()))
