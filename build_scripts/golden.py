"""Golden inputs: the rows every runtime must answer identically, one JSON file per model.

``build_scripts/golden/<name>.json`` holds ``{"rows": [...]}``. A model without a file gets
rows generated from its schema (deterministic): every feature at its range limits and each
category, plus seeded random rows inside the ranges, plus the manifest's example.

    python -m build_scripts.golden NAME [NAME ...]   # write (or rewrite) the files
"""

from __future__ import annotations

import argparse
import json
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from py_pipeline.bundle import Manifest
from py_pipeline.registry import scan_manifests

from .paths import MODELS

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
RANDOM_ROWS = 100


def generated_rows(manifest: Manifest) -> list[list[Any]]:
    features = manifest.schema.features
    base = list((manifest.extra or {}).get("example") or [_middle(f) for f in features])
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


def rows_for(manifest: Manifest) -> list[list[Any]]:
    path = GOLDEN_DIR / f"{manifest.name}.json"
    if path.exists():
        return json.loads(path.read_text())["rows"]
    return generated_rows(manifest)


def _middle(f) -> Any:
    if f.type == "category":
        return f.categories[0]
    lo = f.minimum if f.minimum is not None else 0.0
    hi = f.maximum if f.maximum is not None else lo + 1.0
    mid = (lo + hi) / 2
    return int(mid) if f.type == "integer" else mid


def _draw(f, rng: np.random.Generator) -> Any:
    if f.type == "category":
        return str(rng.choice(list(f.categories)))
    lo = f.minimum if f.minimum is not None else -1e3
    hi = f.maximum if f.maximum is not None else 1e3
    if f.type == "integer":
        return int(rng.integers(int(np.ceil(lo)), int(np.floor(hi)) + 1))
    return round(float(rng.uniform(lo, hi)), 3)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="+")
    args = parser.parse_args(argv)
    newest = {m.name: m for _, m in scan_manifests(MODELS)}
    GOLDEN_DIR.mkdir(exist_ok=True)
    for name in args.names:
        if name not in newest:
            parser.error(f"no trained model named {name}; run `make build` first")
        rows = generated_rows(newest[name])
        (GOLDEN_DIR / f"{name}.json").write_text(json.dumps({"rows": rows}) + "\n")
        print(f"golden/{name}.json: {len(rows)} rows")


if __name__ == "__main__":
    main()
