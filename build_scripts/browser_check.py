"""Build-time runtime check: which runtimes may run each model, and on which engine?

For every bundle the check loads the model inside Pyodide (under Node, the same wheel and
lock file the browser uses, on the engine the browser uses: portable when the model has one),
predicts the model's golden rows, and compares with scikit-learn itself on CPython (the
estimator's own ``predict`` and ``predict_proba``, see ``build_scripts/reference.py``): same
classes, labels identical, probabilities present alike and within 1e-9. The server side is
checked the same way with both of its engines. It records the verdict in the manifest:
``runtimes`` (``["browser", "server"]`` or ``["server"]``), ``engines`` (which engine each
runtime uses), ``browser_check`` with the reason (over the size budget, failed to load,
predictions that differ) and ``server_check``. A model the server cannot run stops the build:
no runtime would predict with it. The build checks a bundle before its manifest is written
(:func:`check_bundles`, Pyodide given the manifest's text), so the manifest is written once,
complete; this command checks written bundles again and rewrites each manifest whole.

    python -m build_scripts.browser_check [--budget-mb 25]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from pathlib import Path
from typing import Any

from py_pipeline.bundle import RUNTIMES, Manifest, load_engine, write_manifest
from py_pipeline.model import Model
from py_pipeline.registry import scan_manifests, write_index

from .build_envs import pickle_runs_on_server
from .golden import rows_for
from .paths import MODELS, PYODIDE_DIST, ROOT
from .reference import compare, load_estimator, sklearn_answer, spec_of, tolerance_for

DEFAULT_BUDGET_MB = float(os.environ.get("BROWSER_SIZE_BUDGET_MB", 25))


def run_in_pyodide(bundles: dict[str, Path], calls: list[dict[str, Any]],
                   manifests: dict[str, Manifest] | None = None) -> dict[str, Any]:
    """Load ``bundles`` in Pyodide and make ``calls``; a bundle whose manifest is given is loaded
    with that manifest (not yet written to its folder)."""
    job = {"bundles": {k: str(v) for k, v in bundles.items()}, "calls": calls,
           "manifests": {k: json.dumps(m.to_dict()) for k, m in (manifests or {}).items()}}
    done = subprocess.run(["node", str(ROOT / "build_scripts" / "pyodide_run.mjs"), str(PYODIDE_DIST)],
                          input=json.dumps(job), capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise SystemExit(f"the Pyodide check could not run:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def check(root: Path = MODELS, budget_mb: float = DEFAULT_BUDGET_MB,
          only: tuple[str, str] | None = None) -> list[dict[str, Any]]:
    """Check every written bundle under ``root`` again (or only the ``(name, version)`` given),
    write each manifest whole with its verdict, and the index; return the verdicts."""
    bundles = [(d, m) for d, m in scan_manifests(root) if only is None or (m.name, m.version) == only]
    checked = check_bundles(bundles, budget_mb)
    for (directory, _), (manifest, _) in zip(bundles, checked):
        write_manifest(directory, manifest)
    write_index(root)
    return [verdict for _, verdict in checked]


def check_bundles(bundles: list[tuple[Path, Manifest]],
                  budget_mb: float = DEFAULT_BUDGET_MB) -> list[tuple[Manifest, dict[str, Any]]]:
    """Check each ``(directory, manifest)`` (its files written, its manifest perhaps not yet) in
    one Pyodide run and on the server's engines; answer each manifest with its verdict recorded,
    for the caller to write once, and the verdict."""
    if not (PYODIDE_DIST / "pyodide-lock.json").exists():
        raise SystemExit("dist/pyodide is missing: build the Pyodide distribution and the wheel first")
    budget = int(budget_mb * 1024 * 1024)
    keys = {f"{m.name}@{m.version}": (d, m) for d, m in bundles}
    sizes = {k: browser_bytes(m) for k, (d, m) in keys.items()}
    candidates = {k: d for k, (d, m) in keys.items() if sizes[k] <= budget}
    goldens = {k: rows_for(m, d) for k, (d, m) in keys.items()}
    if candidates:
        answers = run_in_pyodide(candidates, [{"bundle": k, "rows": goldens[k]} for k in candidates],
                                 {k: keys[k][1] for k in candidates})
    else:  # nothing fits the budget: no need to start Pyodide
        answers = {"load": {}, "calls": [], "pyodide": "not started", "python": "-", "engines": {}, "modules": []}
    by_key = dict(zip(candidates, answers["calls"]))
    reference = {k: sklearn_answer(d, goldens[k], load_estimator(d, m), m) for k, (d, m) in keys.items()}
    tolerances = {k: tolerance_for(spec_of(d)) for k, (d, _) in keys.items()}  # each spec read once
    checked = []
    for key, (directory, manifest) in keys.items():
        verdict: dict[str, Any] = {"model": manifest.name, "version": manifest.version,
                                   "engine": manifest.engine_for("browser"), "download_bytes": sizes[key],
                                   "golden_rows": len(goldens[key]),
                                   "runtime": f"Pyodide {answers['pyodide']} (Python {answers['python']})"}
        if key not in candidates:
            verdict["browser"] = False
            verdict["reason"] = (f"the {verdict['engine']} engine's files are {sizes[key] / 1e6:.1f} MB, over the "
                                 f"browser size budget of {budget_mb:g} MB")
        elif not answers["load"][key]["ok"]:
            verdict["browser"] = False
            verdict["reason"] = f"failed to load in Pyodide: {answers['load'][key]['error']['message']}"
        elif not by_key[key]["ok"]:
            verdict["browser"] = False
            verdict["reason"] = f"failed to predict in Pyodide: {by_key[key]['error']['message']}"
        else:
            same, why, worst = compare(by_key[key]["result"], reference[key], tolerances[key])
            verdict["browser"], verdict["reason"] = same, why
            verdict["max_abs_probability_difference"] = worst
            verdict["engine"] = answers["engines"][key]
            verdict["imported"] = answers["modules"]
        verdict["server"] = server_check(directory, manifest, goldens[key], reference[key], tolerances[key])
        checked.append((recorded(manifest, verdict), verdict))
    return checked


def browser_bytes(manifest: Manifest) -> int:
    """What the browser downloads to run the model (the files of its engine)."""
    return sum(f["size"] for f in manifest.files_for(manifest.engine_for("browser")))


def server_check(directory: Path, manifest: Manifest, rows: list[Any], reference: dict[str, Any],
                 tolerance: float) -> dict[str, Any]:
    """Predict ``rows`` with each engine the server may use; stop the build if one disagrees with scikit-learn.
    A pickle from another scikit-learn (imported in a build environment) has only its portable engine
    there: the server's scikit-learn is the project's."""
    checked = {}
    engines = (["portable"] if manifest.portable else []) + \
        (["sklearn"] if pickle_runs_on_server(manifest.library_versions) else [])
    for engine in engines:
        model = Model(manifest, load_engine(directory, manifest, engine))
        same, why, worst = compare(model.predict(rows), reference, tolerance)
        if not same:
            raise SystemExit(f"server check {manifest.name} {manifest.version} ({engine} engine): {why}; "
                             f"no runtime may serve this model")
        checked[engine] = {"rows": len(rows), "max_abs_difference": worst}
    return checked


def recorded(manifest: Manifest, verdict: dict[str, Any]) -> Manifest:
    """The manifest with the verdict: the runtimes that may run it, the engine the browser ran,
    and both checks (the files and their sha256 are untouched)."""
    changes = {"runtimes": ["browser", "server"] if verdict["browser"] else ["server"],
               "browser_check": {k: v for k, v in verdict.items() if k not in ("model", "version", "server")},
               "server_check": verdict["server"]}
    if verdict["browser"]:
        changes["engines"] = {**{r: manifest.engine_for(r) for r in RUNTIMES}, "browser": verdict["engine"]}
    return manifest.with_fields(changes)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget-mb", type=float, default=DEFAULT_BUDGET_MB,
                        help=f"largest artifact the browser may download (default {DEFAULT_BUDGET_MB:g} MB; "
                             "env BROWSER_SIZE_BUDGET_MB)")
    args = parser.parse_args(argv)
    for v in check(budget_mb=args.budget_mb):
        report(v)


def report(v: dict[str, Any]) -> None:
    """Print one model's verdict."""
    where = f"browser ({v['engine']} engine) + server" if v["browser"] else f"server only: {v['reason']}"
    diff = v.get("max_abs_probability_difference")
    extra = f", max |dp| {diff:.2g}" if diff is not None and v["browser"] else ""
    print(f"runtime check {v['model']} {v['version']}: {where} ({v['download_bytes'] / 1e6:.2f} MB, "
          f"{v['golden_rows']} golden rows{extra}; server engines {', '.join(v['server'])} agree)")


if __name__ == "__main__":
    main()
