"""Give every bundle a portable engine (numpy only), checked against scikit-learn itself.

For each bundle the fitted pipeline is exported to ``portable.json`` + ``portable.bin``
(``py_pipeline.portable.export``), loaded back from those bytes, and made to predict the
model's golden rows plus ``SAMPLED_ROWS`` rows drawn from its schema. The answers must match
the estimator's own ``predict`` and ``predict_proba`` on CPython (``reference.compare``:
labels identical, probabilities and values within 1e-9). Only then does the manifest list the
portable engine for both runtimes; otherwise the model keeps the scikit-learn engine and the
manifest says why (``portable_unavailable``). The build exports a bundle before its manifest is
written (:func:`export_manifest`), so the manifest is written once, complete.

    python -m build_scripts.export [NAME ...]
"""

from __future__ import annotations

import argparse
import json
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from py_pipeline.bundle import Manifest, read_manifest, with_portable, without_portable, write_manifest
from py_pipeline.errors import PipelineError
from py_pipeline.model import Model
from py_pipeline.portable.engine import PortableEngine, read_arrays, spec_bytes
from py_pipeline.portable.export import NotPortable, export, training_mean
from py_pipeline.portable.export_ensembles import training_rows
from py_pipeline.registry import scan_manifests, write_index

from .golden import rows_for, sampled_rows
from .paths import MODELS, PYODIDE_DIST
from .pyodide_dist import ROOT_PACKAGES, closure
from .reference import compare, load_estimator, sklearn_answer, spec_of, tolerance_for

SAMPLED_ROWS = 2000


def export_bundle(directory: Path, training: Any = None) -> dict[str, Any]:
    """Export and check a written bundle again; write its manifest with the outcome, and return it.
    Without ``training`` rows, a linear model keeps the training mean of its earlier export."""
    mean = _previous_mean(directory) if training is None else None
    manifest, verdict = export_manifest(directory, read_manifest(directory), training, mean)
    write_manifest(directory, manifest)
    return verdict


def export_manifest(directory: Path, manifest: Manifest, training: Any = None,
                    mean: np.ndarray | None = None) -> tuple[Manifest, dict[str, Any]]:
    """Export and check the bundle in ``directory`` (its artifact written, its manifest not yet):
    the portable files are written when they match scikit-learn; answer the manifest that says
    which engine the model got, and the verdict. ``training``: the rows the model was fitted on
    (or a sample of them, in schema order), whose mean a linear model is explained against;
    ``mean``: that mean, already known."""
    estimator = load_estimator(directory, manifest)
    verdict: dict[str, Any] = {"model": manifest.name, "version": manifest.version}
    if training is not None:
        try:
            mean = training_mean(estimator, manifest.schema, training)
        except (PipelineError, ValueError) as exc:  # e.g. a schema edited to refuse some of its sample's rows
            verdict["unexplained"] = f"no training mean for its explanations: {exc}"
    try:
        spec, buffer = export(estimator, manifest.schema, mean)
    except NotPortable as exc:
        manifest = without_portable(directory, manifest, str(exc))
        return manifest, {**verdict, "portable": False, "reason": str(exc), "browser_cost": browser_cost(manifest)}
    rows = rows_for(manifest, directory) + sampled_rows(manifest.schema, SAMPLED_ROWS, zlib.crc32(manifest.name.encode()))
    try:
        reference = sklearn_answer(directory, rows, estimator, manifest)
    except ValueError as exc:  # e.g. a feature marked may-be-missing that the model cannot take
        why = str(exc) if len(str(exc)) <= 300 else f"{str(exc)[:297]}..."
        raise SystemExit(f"{manifest.name} {manifest.version}: scikit-learn itself cannot predict rows drawn "
                         f"from the schema: {why}") from None
    engine = PortableEngine.from_bytes(spec_bytes(spec), buffer)  # the bytes a runtime will load
    same, why, worst = compare(Model(manifest, engine).predict(rows), reference, tolerance_for(spec))
    if not same:
        reason = f"the portable engine's answers differ from scikit-learn's: {why}"
        manifest = without_portable(directory, manifest, reason)
        return manifest, {**verdict, "portable": False, "reason": reason, "browser_cost": browser_cost(manifest)}
    manifest = with_portable(directory, manifest, spec, buffer, {"rows": len(rows), "max_abs_difference": worst})
    return manifest, {**verdict, "portable": True, "rows": len(rows), "max_abs_difference": worst,
                      "bytes": len(buffer), "training_rows": training_rows(spec)}


def _previous_mean(directory: Path) -> np.ndarray | None:
    """The training mean a bundle's earlier export stored (a linear model's), if any."""
    spec = spec_of(directory)
    key = spec["estimator"].get("mean") if spec else None
    if key is None:
        return None
    return read_arrays(spec["arrays"], (directory / spec["arrays_file"]).read_bytes())[key].copy()


#: What a scikit-learn engine in the page adds to the time to ready, on this machine: 9.6 s against
#: 3.6 s for the same model on the portable engine (issue 26's measurement, bench/page_ready.py).
SKLEARN_READY_SECONDS = 6.0


def browser_cost(manifest: Manifest) -> str:
    """What running this model on the scikit-learn engine costs a page that opens it: the Pyodide
    packages it downloads beyond numpy (their size, from the lock) and the time they take."""
    lock_file = PYODIDE_DIST / "pyodide-lock.json"
    if not lock_file.exists():
        return ""
    lock = json.loads(lock_file.read_text())
    names = closure(lock, tuple(p for p in manifest.packages_for("sklearn") if p in lock["packages"]))
    extra = [n for n in names if n not in closure(lock, ROOT_PACKAGES)]
    size = sum((PYODIDE_DIST / lock["packages"][n]["file_name"]).stat().st_size for n in extra)
    return (f"a page that opens it downloads {size / 1e6:.0f} MB more ({', '.join(extra)}) and is ready about "
            f"{SKLEARN_READY_SECONDS:.0f} s later; only that page (the service worker keeps these on demand). To "
            "avoid it, make the step portable: register your own step (portable_function, portable_step) or use "
            "one the portable engine runs (README, 'The portable engine')")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="models to export (default: all)")
    args = parser.parse_args(argv)
    for directory, manifest in scan_manifests(MODELS):
        if args.names and manifest.name not in args.names:
            continue
        report(export_bundle(directory))
    write_index(MODELS)


def report(v: dict[str, Any]) -> None:
    """Print which engine a model got, and why."""
    if v["portable"]:
        print(f"engine {v['model']} {v['version']}: portable (numpy only), matches scikit-learn on {v['rows']} "
              f"rows (max |difference| {v['max_abs_difference']:.2g}), {v['bytes'] / 1e6:.2f} MB of arrays"
              + (f", holding {v['training_rows']:,} training rows for k-neighbours (every visitor downloads them; "
                 "the browser size budget applies)" if v.get("training_rows") else ""), flush=True)
    else:
        print(f"engine {v['model']} {v['version']}: scikit-learn, because {v['reason']}", flush=True)
        if v.get("browser_cost"):
            print(f"  in the browser: {v['browser_cost']}", flush=True)
    if v.get("unexplained"):
        print(f"  {v['unexplained']}", flush=True)


if __name__ == "__main__":
    main()
