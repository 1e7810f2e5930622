"""Train models into dist/models/<name>/<version>/, export and check each, refresh the site.

    python -m build_scripts.train [NAME ...]     # every recipe when no name is given

Recipes live in build_scripts/recipes/ (see its docstring). Each trained pipeline is bundled,
then exported to the portable engine and checked against scikit-learn (``export``; the build
prints which engine each model got and why). The runtime check then decides which runtimes
may use each model; if the site was built before, it is assembled again so the new model is
served both ways.
"""

from __future__ import annotations

import argparse

from py_pipeline import write_bundle, write_index
from py_pipeline.files import staged_dir

from . import browser_check, export, site
from .paths import MODELS, PYODIDE_DIST
from .recipes import discover


def main(argv: list[str] | None = None) -> None:
    recipes = discover()
    names = sorted({name for name, _ in recipes})
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help=f"models to train (default: all of {', '.join(names)})")
    parser.add_argument("--no-check", action="store_true", help="skip the browser check and the site")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(names))
    if unknown:
        parser.error(f"no recipe named {', '.join(unknown)}; available: {', '.join(names)}")
    for (name, version), train in recipes.items():
        if args.names and name not in args.names:
            continue
        trained = train()
        # written and exported beside its place, then moved in whole: a failed recipe leaves the
        # bundle that was there, and never a half-written one that would be listed
        with staged_dir(MODELS / name / version) as staging:
            manifest = write_bundle(staging, trained.estimator, name=name, version=version, task=trained.task,
                                    schema=trained.schema, description=trained.description, extra=trained.extra,
                                    compress=trained.compress)
            print(f"trained {name} {version}: {manifest.artifact_size / 1e6:.2f} MB, sha256 "
                  f"{manifest.artifact_sha256[:12]}, {trained.extra.get('metrics', {})}", flush=True)
            export.report(export.export_bundle(staging))
    write_index(MODELS)
    if args.no_check:
        return
    browser_check.main([])
    if (PYODIDE_DIST / "pyodide-lock.json").exists():
        site.main()


if __name__ == "__main__":
    main()
