"""Train models into dist/models/<name>/<version>/, export and check each, refresh the site.

    python -m build_scripts.train [NAME ...]     # every recipe when no name is given

Recipes live in build_scripts/recipes/ (see its docstring). Each trained pipeline is bundled,
then exported to the portable engine and checked against scikit-learn (``export``; the build
prints which engine each model got and why). The runtime check then decides which runtimes
may use each model (one Pyodide run for them all). Only then is each manifest written, once,
complete, and the bundles moved into place together; if the site was built before, it is
assembled again so the new models are served both ways. ``--no-check`` skips the runtime
check (and the site): the manifests then say only what the export found.
"""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

from py_pipeline import write_index
from py_pipeline.bundle import pickle_bundle, write_manifest
from py_pipeline.files import staged_dir

from . import browser_check, export, feature_packages, profiles, site
from .paths import MODELS, PYODIDE_DIST
from .recipes import discover


def main(argv: list[str] | None = None) -> None:
    recipes = discover()
    names = sorted({name for name, _ in recipes})
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help=f"models to train (default: all of {', '.join(names)})")
    parser.add_argument("--no-check", action="store_true", help="skip the browser check and the site")
    parser.add_argument("--no-site", action="store_true", help="leave the site to `python -m build_scripts.site`")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(names))
    if unknown:
        parser.error(f"no recipe named {', '.join(unknown)}; available: {', '.join(names)}")
    checking = not args.no_check
    # every bundle is written, exported and checked beside its place, then all are moved in
    # together: a failed recipe or check leaves the bundles that were there, never a half-written one
    built: dict[Path, feature_packages.FeaturePackage] = {}  # each package built once per run
    with contextlib.ExitStack() as stack:
        staged = []
        for (name, version), train in recipes.items():
            if args.names and name not in args.names:
                continue
            trained = train()
            staging = stack.enter_context(staged_dir(MODELS / name / version))
            for path in trained.packages:
                if path not in built:
                    built[path] = feature_packages.build_package(path)
            packages = [built[path] for path in trained.packages]
            manifest = pickle_bundle(staging, trained.estimator, name=name, version=version, task=trained.task,
                                     schema=trained.schema, description=trained.description, extra=trained.extra,
                                     compress=trained.compress,
                                     feature_packages=feature_packages.add_to_bundle(staging, packages))
            print(f"trained {name} {version}: {manifest.artifact_size / 1e6:.2f} MB, sha256 "
                  f"{manifest.artifact_sha256[:12]}, {trained.extra.get('metrics', {})}", flush=True)
            if trained.training is not None:
                manifest = profiles.write_profile(staging, manifest, trained.estimator, trained.training)
            manifest, verdict = export.export_manifest(staging, manifest, trained.training)
            export.report(verdict)
            staged.append((staging, manifest))
        if checking:
            checked = browser_check.check_bundles(staged)
            for verdict in (v for _, v in checked):
                browser_check.report(verdict)
            staged = [(d, m) for (d, _), (m, _) in zip(staged, checked)]
        for directory, manifest in staged:
            write_manifest(directory, manifest)  # once, complete
    write_index(MODELS)
    if checking and not args.no_site and (PYODIDE_DIST / "pyodide-lock.json").exists():
        site.main()


if __name__ == "__main__":
    main()
