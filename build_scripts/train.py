"""Train models into dist/models/<name>/<version>/ and write dist/models/index.json.

Usage: ``python -m build_scripts.train [NAME ...]`` (all recipes when no name is given).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import shutil

from py_pipeline import write_bundle, write_index

from . import recipes
from .paths import MODELS


def available() -> list[str]:
    """Names of the recipe modules in build_scripts/recipes/."""
    return sorted(m.name for m in pkgutil.iter_modules(recipes.__path__))


def train(name: str) -> None:
    recipe = importlib.import_module(f"{recipes.__name__}.{name}")
    trained = recipe.train()
    out = MODELS / recipe.NAME / recipe.VERSION
    shutil.rmtree(out, ignore_errors=True)
    manifest = write_bundle(out, trained.estimator, name=recipe.NAME, version=recipe.VERSION,
                            task=trained.task, schema=trained.schema, description=trained.description,
                            extra=trained.extra)
    print(f"trained {manifest.name} {manifest.version}: {manifest.artifact_size} bytes, "
          f"sha256 {manifest.artifact_sha256[:12]}, {trained.extra.get('metrics', {})}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help=f"recipes to train (default: all of {', '.join(available())})")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(available()))
    if unknown:
        parser.error(f"no recipe named {', '.join(unknown)}; available: {', '.join(available())}")
    for name in args.names or available():
        train(name)
    write_index(MODELS)


if __name__ == "__main__":
    main()
