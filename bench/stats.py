"""How the benchmarks summarise repeated measurements."""

from __future__ import annotations

import statistics


def spread(values: list[float], unit: str = "", digits: int = 1) -> str:
    """``median [min-max] over n`` of several rounds."""
    return (f"{statistics.median(values):.{digits}f}{unit} [{min(values):.{digits}f}-{max(values):.{digits}f}]"
            f" over {len(values)}")


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0-1) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]
