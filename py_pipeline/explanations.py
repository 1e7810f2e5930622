"""Why a prediction: each row's exact, additive contributions in the user's own features.

The portable engine gives the contributions of the columns its final estimator reads
(``PortableEngine.explain_columns``); ``portable.provenance`` says which input features each
column comes from. A column from one feature adds to that feature's line (a category's one-hot
columns sum to the category feature; scalers, imputers and encoders pass through); columns
computed from several features add to a line of their own that names them, never split
between them by a guess. For every row and output: ``base_values + sum(contributions)`` is the
model's own output in scikit-learn's output space (``output``: probabilities for trees and
forests, the raw margin for boosting and linear classifiers, the value for regressors).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import ExplanationUnavailable


#: Leaves x (unique features on a path)^2 per row TreeSHAP may cost here, and how many of those a
#: second on this machine's CPython: about 0.1 s a row at most (a 100-tree forest: 1.4 M, 8 ms).
EXPLAIN_BUDGET = 20_000_000
COST_PER_SECOND = 170_000_000


def unavailable(model: Any) -> str | None:
    """Why ``model`` cannot be explained, or None when it can: read from its spec, without
    building anything (the OpenAPI document lists explain routes only where this is None)."""
    from .portable.explain import TREES, why_not
    from .portable.provenance import UnknownProvenance, final_columns

    engine = model.engine
    if getattr(engine, "name", None) != "portable":
        return "it runs on the scikit-learn engine: only models on the portable engine are explained"
    node = engine.spec["estimator"]
    reason = why_not(node)
    if reason is not None:
        return reason
    try:
        columns = len(final_columns(engine.spec))
    except UnknownProvenance as exc:
        return str(exc)
    if node["op"] not in TREES:
        return None
    trees = node["trees"]
    nodes, count = (engine.spec["arrays"][trees[k]]["shape"][0] for k in ("left", "roots"))
    leaves = (nodes + count) // 2  # binary trees
    cost = leaves * min(int(trees["depth"]), columns) ** 2
    if cost > EXPLAIN_BUDGET:
        return (f"it has {leaves:,} leaves: an exact explanation would take about {cost / COST_PER_SECOND:.1f} s a row, "
                f"over the explanation budget")
    return None


def explain_rows(model: Any, X: np.ndarray, columns: bool = False) -> dict[str, Any]:
    """The explanation of validated rows ``X`` (see the module doc); ``columns``: also the
    column-level contributions, in the order the final estimator reads them."""
    from .portable.explain import Unexplained
    from .portable.provenance import UnknownProvenance, final_columns

    engine = model.engine
    reason = unavailable(model)
    if reason is not None:
        raise ExplanationUnavailable(f"model {model.name} {model.version}: {reason}")
    try:
        phi, base = engine.explain_columns(X)
        sources = final_columns(engine.spec)
    except (Unexplained, UnknownProvenance) as exc:
        raise ExplanationUnavailable(f"model {model.name} {model.version}: {exc}") from None
    if len(sources) != phi.shape[1]:
        raise ExplanationUnavailable(f"model {model.name} {model.version}: its columns' sources do not match the "
                                     "columns its estimator reads")
    names = list(model.manifest.schema.names)
    lines, features, derived = _lines(sources, names)
    by_line = np.zeros((phi.shape[0], len(lines), phi.shape[2]))
    for i, cols in enumerate(lines):
        by_line[:, i] = phi[:, cols].sum(axis=1)
    output, outputs = _output(engine.spec["estimator"], model.manifest)
    answer = {"model": {"name": model.name, "version": model.version}, "output": output, "outputs": outputs,
              "features": features, "derived": derived, "base_values": base.tolist(),
              "contributions": by_line.tolist()}
    if columns:
        answer["column_contributions"] = phi.tolist()
    return answer


def _lines(sources: list[frozenset[int]], names: list[str]) -> tuple[list[list[int]], list[str], list[dict[str, Any]]]:
    """Columns grouped into lines: every input feature (schema order), then each set of several
    features some columns come from. Constant columns (a polynomial's bias) add nothing."""
    single: dict[int, list[int]] = {i: [] for i in range(len(names))}
    several: dict[frozenset[int], list[int]] = {}
    for col, src in enumerate(sources):
        if len(src) == 1:
            single[next(iter(src))].append(col)
        elif len(src) > 1:
            several.setdefault(src, []).append(col)
    groups = sorted(several, key=lambda s: sorted(s))
    lines = [single[i] for i in range(len(names))] + [several[s] for s in groups]
    derived = [{"name": " & ".join(names[i] for i in sorted(s)), "from": [names[i] for i in sorted(s)]} for s in groups]
    return lines, names + [d["name"] for d in derived], derived


def _output(node: dict[str, Any], manifest: Any) -> tuple[str, list[Any]]:
    """What the contributions add up to, and one label per output column."""
    classes = list(manifest.classes or [])
    if manifest.task != "classification":
        identity = node.get("op") == "forest" or node.get("link", "identity") == "identity"
        return ("value" if identity else "margin"), ["value"]
    if node.get("op") == "forest":
        return "probability", classes
    # boosting: log-odds of the second class for two classes, one margin per class otherwise
    return "margin", classes[1:] if len(classes) == 2 else classes
