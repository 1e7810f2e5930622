"""Golden inputs: the rows every runtime must answer identically, one JSON file per model.

``build_scripts/golden/<name>.json`` holds ``{"rows": [...], "cases": [...]}``. ``rows`` are
generated from the schema (deterministic): the manifest's example, every feature at its range
limits and each category, plus seeded random rows inside the ranges. A model without a file
gets these rows all the same.

``cases`` are written by hand: a row, why it is there, and the ``truth`` when the data's rules
decide it (a real failure of each mode, a clearly healthy machine; ``null`` for range edges
and modes no model can foresee). A case with an ``example`` name is also an example row the
page offers (the recipe puts them in the manifest, :func:`named_examples`). ``expected`` pins, per model version, the label and
probabilities scikit-learn gave when the case was pinned; tests hold every build to them.

    python -m build_scripts.golden NAME [NAME ...]         # (re)write the rows, keep the cases
    python -m build_scripts.golden --pin NAME [NAME ...]   # pin the cases' expected answers
"""

from __future__ import annotations

import argparse
import json
import re
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from py_pipeline.bundle import Manifest
from py_pipeline.schema import Schema
from py_pipeline.registry import scan_manifests

from .paths import MODELS
from .reference import sklearn_answer

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
RANDOM_ROWS = 100
#: An imported model's golden rows (drawn from its sample), kept beside its manifest. The site
#: copies only the manifest and the model files, so the sample's rows are never published.
BUNDLE_GOLDEN = "golden.json"


def generated_rows(manifest: Manifest) -> list[list[Any]]:
    features = manifest.schema.features
    base = list((manifest.extra or {}).get("example") or [middle_value(f) for f in features])
    rows = [list(base)]
    for i, f in enumerate(features):
        values = list(f.categories or ()) if f.type == "category" else [v for v in (f.minimum, f.maximum) if v is not None]
        for value in values:
            row = list(base)
            row[i] = int(value) if f.type == "integer" else value
            rows.append(row)
    rng = np.random.default_rng(zlib.crc32(manifest.name.encode()))
    for _ in range(RANDOM_ROWS):
        rows.append([_draw(f, rng) for f in features])
    return rows


def sampled_rows(schema: Schema, n: int, seed: int) -> list[list[Any]]:
    """``n`` seeded rows drawn from the schema: values inside the ranges, each category, the range
    limits themselves (one value in ten) and, for features that may be missing, null (one in ten)."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        row = []
        for f in schema.features:
            roll = rng.random()
            if f.missing and roll < 0.1:
                row.append(None)
            elif f.type != "category" and roll > 0.9 and (f.minimum is not None or f.maximum is not None):
                edge = f.minimum if (f.maximum is None or (f.minimum is not None and roll > 0.95)) else f.maximum
                row.append(int(edge) if f.type == "integer" else edge)
            else:
                row.append(_draw(f, rng))
        rows.append(row)
    return rows


def read_golden(name: str, golden_dir: Path = GOLDEN_DIR) -> dict[str, Any]:
    """The golden file of model ``name`` (``{"rows": [], "cases": []}`` when there is none)."""
    path = golden_dir / f"{name}.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    return {"rows": data.get("rows", []), "cases": data.get("cases", [])}


def named_examples(name: str) -> list[dict[str, Any]]:
    """Model ``name``'s example rows a user can pick, ``{"name", "row"}`` each: its cases that carry
    an ``example`` name, so every one has answers the tests pin."""
    return [{"name": case["example"], "row": case["row"]} for case in read_golden(name)["cases"] if case.get("example")]


def rows_for(manifest: Manifest, directory: Path | None = None) -> list[list[Any]]:
    """The rows every runtime must answer alike. An imported model has its own, drawn from its
    sample and kept in its bundle's ``golden.json``: only those, even when a recipe's golden file
    has the same name. Otherwise the golden file's rows (or generated ones) and its cases."""
    bundle_rows = directory / BUNDLE_GOLDEN if directory is not None else None
    if bundle_rows is not None and bundle_rows.exists():
        return json.loads(bundle_rows.read_text())["rows"]
    golden = read_golden(manifest.name)
    rows = golden["rows"] or generated_rows(manifest)
    return rows + [case["row"] for case in golden["cases"]]


def pin_cases(cases: list[dict[str, Any]], bundles: list[tuple[Path, Manifest]]) -> list[str]:
    """Fill each case's ``expected`` from scikit-learn for every version; return the cases whose
    answer contradicts their ``truth`` (they are pinned all the same, for review)."""
    problems = []
    for directory, manifest in bundles:
        answer = sklearn_answer(directory, [case["row"] for case in cases])
        for i, case in enumerate(cases):
            label = answer["predictions"][i]
            pinned: dict[str, Any] = {"label": label}
            if "probabilities" in answer:
                pinned["probabilities"] = dict(zip(answer["classes"], answer["probabilities"][i]))
            case.setdefault("expected", {})[manifest.version] = pinned
            if case.get("truth") is not None and case["truth"] != label:
                problems.append(f"{manifest.name} {manifest.version}: case {case['why']!r} predicts {label!r}, "
                                f"truth is {case['truth']!r}")
    return problems


def _dump(golden: dict[str, Any]) -> str:
    """One row per line, cases indented: a file a person can review and edit."""
    rows = ",\n  ".join(json.dumps(row) for row in golden["rows"])
    cases = json.dumps(golden["cases"], indent=2).replace("\n", "\n ")
    cases = re.sub(r"\[\s+([^\[\]{}]*?)\s+\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", cases)
    return f'{{\n "rows": [\n  {rows}\n ],\n "cases": {cases}\n}}\n'


def middle_value(f) -> Any:
    """A value a feature always accepts: its first category, or the middle of its range."""
    if f.type == "category":
        return f.categories[0]
    lo = f.minimum if f.minimum is not None else 0.0
    hi = f.maximum if f.maximum is not None else lo + 1.0
    mid = (lo + hi) / 2
    return int(mid) if f.type == "integer" else mid


def _draw(f, rng: np.random.Generator) -> Any:
    if f.type == "category":
        return str(rng.choice(list(f.categories)))
    if f.values is not None:
        value = float(rng.choice(list(f.values)))
        return int(value) if f.type == "integer" else value
    lo, hi = _drawn_range(f)
    if f.type == "integer":
        return int(rng.integers(int(np.ceil(lo)), int(np.floor(hi)) + 1))
    return min(max(round(float(rng.uniform(lo, hi)), 3), lo), hi)  # rounding must not leave the range


def _drawn_range(f) -> tuple[float, float]:
    """Where a number is drawn: inside its limits; where only a typical range is known, that range
    widened by half its span on each side (past it, the model extrapolates: checked too), never
    below 0 when the typical range is not."""
    typical = (f.typical_minimum, f.typical_maximum)
    span = (typical[1] - typical[0]) if None not in typical else 0.0
    lo = f.minimum if f.minimum is not None else typical[0] - span / 2 if typical[0] is not None else -1e3
    if f.minimum is None and typical[0] is not None and typical[0] >= 0:
        lo = max(lo, 0.0)  # a sample with no negative value: nor are the drawn rows (a log of one would fail)
    hi = f.maximum if f.maximum is not None else typical[1] + span / 2 if typical[1] is not None else 1e3
    return lo, hi


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="+")
    parser.add_argument("--pin", action="store_true", help="pin the cases' expected answers from scikit-learn")
    parser.add_argument("--golden-dir", type=Path, default=GOLDEN_DIR, help=f"where the files live ({GOLDEN_DIR})")
    parser.add_argument("--models", type=Path, default=MODELS, help=f"trained bundles ({MODELS})")
    args = parser.parse_args(argv)
    bundles = scan_manifests(args.models)
    args.golden_dir.mkdir(parents=True, exist_ok=True)
    problems = []
    for name in args.names:
        versions = [(d, m) for d, m in bundles if m.name == name]
        if not versions:
            parser.error(f"no trained model named {name}; run `make build` first")
        golden = read_golden(name, args.golden_dir)
        if args.pin:
            problems += pin_cases(golden["cases"], versions)
        else:
            golden["rows"] = generated_rows(versions[-1][1])
        (args.golden_dir / f"{name}.json").write_text(_dump(golden))
        print(f"golden/{name}.json: {len(golden['rows'])} rows, {len(golden['cases'])} cases"
              + (f" pinned for {', '.join(m.version for _, m in versions)}" if args.pin else ""))
    for problem in problems:
        print(f"warning: {problem}")


if __name__ == "__main__":
    main()
