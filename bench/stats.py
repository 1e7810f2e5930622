"""How the benchmarks summarise repeated measurements."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def spread(values: list[float], unit: str = "", digits: int = 1) -> str:
    """``median [min-max] over n`` of several rounds."""
    return (f"{statistics.median(values):.{digits}f}{unit} [{min(values):.{digits}f}-{max(values):.{digits}f}]"
            f" over {len(values)}")


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0-1) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def write_figures(name: str, figures: dict) -> None:
    """Write a benchmark's figures to dist/bench/<name>.json and say where."""
    out = ROOT / "dist" / "bench" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"  written to {out.relative_to(ROOT)}")
