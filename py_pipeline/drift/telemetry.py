"""Drift telemetry: the per-bin counts a page may send about what it predicted, never its rows.

A page that opts in (the client's ``telemetry`` option) counts its predictions in the worker
against the model's reference profile (:class:`Counter`), and once at least ``every_rows`` rows
are counted hands over one report::

    {"format": "py_pipeline.telemetry/1", "profile": "<the profile's sha256>", "rows": 120,
     "counts": {"<feature>": [bin counts], ..., "(predictions)": [bin counts]}, "dropped_rows": 0}

No value, no label, no time: the bins are the profile's, which the server has too.
:func:`problems` is the server's check of a report against the profile.
"""

from __future__ import annotations

from typing import Any

from .profile import Binner, Tally

FORMAT = "py_pipeline.telemetry/1"
#: A report aggregates at least this many rows (the client's ``everyRows`` floor; the server refuses fewer).
MIN_ROWS = 20
#: What one report may carry at most (the server's ``TELEMETRY_MAX_ROWS`` unless set).
MAX_ROWS = 10_000
KEYS = {"format", "profile", "rows", "counts", "dropped_rows"}
#: Past this, ``dropped_rows`` is not a count a queue could have reached.
MAX_DROPPED = 10**12


class Counter:
    """Counts one model's predictions (as its ``observer`` during a counted call) until a report is due."""

    def __init__(self, model: Any) -> None:
        self.binner = Binner.of(model)  # DriftUnavailable: no profile, or not the manifest's
        self.tally = Tally(self.binner)

    def take(self, every_rows: int) -> dict[str, Any] | None:
        """The report of the rows counted so far, and a fresh count, once there are ``every_rows``
        (at least MIN_ROWS, at most MAX_ROWS per report)."""
        if self.tally.rows < max(MIN_ROWS, every_rows):
            return None
        counted = counts_report(self.tally)
        self.tally = Tally(self.binner)
        return counted


def counts_report(tally: Tally) -> dict[str, Any]:
    """The report of the rows ``tally`` counted (a page's telemetry, a piece of a file scored on the server)."""
    return {"format": FORMAT, "profile": tally.binner.sha256, "rows": tally.rows,
            "counts": {line: c.tolist() for line, c in tally.by_line().items()}}


def problems(body: Any, binner: Binner, profile: str, max_rows: int = MAX_ROWS,
             min_rows: int = MIN_ROWS) -> list[dict[str, Any]]:
    """What is wrong with a report for a model whose bins are ``binner`` and profile's sha256
    ``profile``, of ``min_rows`` to ``max_rows`` rows: one ``{field, expected, actual}`` per problem
    (none: it may be added)."""
    if not isinstance(body, dict):
        return [{"field": "body", "expected": "a JSON object", "actual": type(body).__name__}]
    found = [{"field": key, "expected": f"only the fields {sorted(KEYS)}", "actual": "an unknown field"}
             for key in sorted(set(body) - KEYS)]
    if body.get("format") != FORMAT:
        found.append({"field": "format", "expected": FORMAT, "actual": _shown(body.get("format"))})
    if body.get("profile") != profile:
        found.append({"field": "profile", "expected": "the sha256 of this model version's reference profile "
                      f"({profile})", "actual": _shown(body.get("profile"))})
    rows = body.get("rows")
    if not _count(rows) or not min_rows <= rows <= max_rows:
        found.append({"field": "rows", "expected": f"a whole number from {min_rows} to {max_rows}",
                      "actual": _shown(rows)})
        rows = None
    dropped = body.get("dropped_rows", 0)
    if not _count(dropped) or dropped > MAX_DROPPED:
        found.append({"field": "dropped_rows", "expected": f"a whole number from 0 to {MAX_DROPPED}",
                      "actual": _shown(dropped)})
    counts = body.get("counts")
    if not isinstance(counts, dict):
        return found + [{"field": "counts", "expected": "an object: each feature (and \"(predictions)\") -> its bin counts",
                         "actual": type(counts).__name__}]
    found += [{"field": f"counts.{line}", "expected": "one of the model's features or \"(predictions)\"",
               "actual": "an unknown line"} for line in sorted(set(counts) - set(binner.lines))]
    for line, size in zip(binner.lines, binner.sizes):
        values = counts.get(line)
        field = f"counts.{line}"
        if not isinstance(values, list) or len(values) != size:
            found.append({"field": field, "expected": f"a list of {size} bin counts",
                          "actual": f"a list of {len(values)}" if isinstance(values, list) else _shown(values)})
        elif not all(_count(v) for v in values):
            found.append({"field": field, "expected": "whole numbers, none negative", "actual": "another value"})
        elif rows is not None and sum(values) != rows:
            # every row falls in exactly one bin of every line
            found.append({"field": field, "expected": f"counts adding up to rows ({rows})", "actual": str(sum(values))})
    return found


def counted(body: dict[str, Any], binner: Binner) -> tuple[int, list[list[int]]]:
    """A checked report's rows and its counts per line, in the binner's order, as ints."""
    return int(body["rows"]), [[int(c) for c in body["counts"][line]] for line in binner.lines]


def _count(v: Any) -> bool:
    """A whole number, not negative (JSON's 20.0 is one too, as JSON Schema's "integer" says)."""
    if isinstance(v, float):
        return v.is_integer() and v >= 0
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _shown(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 80 else text[:77] + "..."
