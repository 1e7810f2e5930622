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

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import ExplanationUnavailable


#: Leaves x (unique features on a path)^2 per row TreeSHAP may cost here, and how many of those a
#: second on this machine's CPython: about 0.07 s a row at most (a 100-tree forest: 1.4 M, 4.7 ms).
EXPLAIN_BUDGET = 20_000_000
COST_PER_SECOND = 300_000_000


class _TurnLock:
    """A lock taken in arrival order. Explanations are many short numpy calls that each let go of
    the GIL: several in one process only trade it back and forth (a server worker with 4 at once
    answered /explain at p99 260 ms, against 16 ms for one at a time), and a plain Lock lets a
    late thread overtake an early one."""

    def __init__(self) -> None:
        self._turns = threading.Condition()
        self._issued = self._serving = 0

    def __enter__(self) -> None:
        with self._turns:
            ticket, self._issued = self._issued, self._issued + 1
            self._turns.wait_for(lambda: self._serving == ticket)

    def __exit__(self, *exc: Any) -> None:
        with self._turns:
            self._serving += 1
            self._turns.notify_all()


_ONE_AT_A_TIME = _TurnLock()


def unavailable(model: Any) -> str | None:
    """Why ``model`` cannot be explained, or None when it can: read from its spec, without
    building anything (the OpenAPI document lists explain routes only where this is None)."""
    engine = model.engine
    if getattr(engine, "name", None) != "portable":
        return "it runs on the scikit-learn engine: only models on the portable engine are explained"
    if engine.explanation_refusal is None:  # read once: every explanation asks (36 us for the forest)
        engine.explanation_refusal = (_refusal(engine),)
    return engine.explanation_refusal[0]


def _refusal(engine: Any) -> str | None:
    from .portable.explain import TREES, why_not
    from .portable.provenance import UnknownProvenance, final_columns

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


def explain_rows(model: Any, X: np.ndarray, columns: bool = False, flat: bool = False) -> dict[str, Any]:
    """The explanation of validated rows ``X`` (see the module doc); ``columns``: also the
    column-level contributions, in the order the final estimator reads them; ``flat``: the
    contributions as one row-major list, with their ``shape`` (rows, lines, outputs)."""
    phi, by_line, base = _explained(model, X)
    lines = Lines.of(model)
    answer = {"model": {"name": model.name, "version": model.version}, "output": lines.output,
              "outputs": lines.outputs, "features": lines.features, "derived": lines.derived,
              "base_values": base.tolist(),
              "contributions": by_line.ravel().tolist() if flat else by_line.tolist()}
    if flat:
        answer["shape"] = list(by_line.shape)
    if columns:
        answer["column_contributions"] = phi.tolist()
    return answer


#: How a scored file explains its rows: the predicted class's contributions, or every output's.
FILE_MODES = ("predicted", "all")
CONTRIBUTION_PREFIX = "contribution_"
BASE_VALUE_COLUMN = "base_value"
EXPLAINED_CLASS_COLUMN = "explained_class"


def file_columns(model: Any, mode: str) -> list[str]:
    """The columns :func:`explanation_columns` adds to a scored file, in order (known before any
    row is scored: a file's header is written first). Raises ExplanationUnavailable."""
    _refuse_unavailable(model)
    lines = Lines.of(model)
    per_output = [f"{CONTRIBUTION_PREFIX}{name}" for name in lines.features] + [BASE_VALUE_COLUMN]
    if mode == "all" and len(lines.outputs) > 1:
        return [f"{name}_{o}" for o in lines.outputs for name in per_output]
    return per_output + ([EXPLAINED_CLASS_COLUMN] if model.manifest.task == "classification" else [])


def explanation_columns(model: Any, X: np.ndarray | None, predictions: np.ndarray | None,
                        mode: str) -> list[np.ndarray]:
    """A scored file's explanation columns for validated rows ``X`` and their ``predictions``, as
    :func:`file_columns` names them: ``mode`` "predicted" gives each row's contributions (one per
    input feature, then the derived lines) and base value for the class it was predicted (for a
    classifier with one output, that output's: the second class's margin), and which class that
    is; "all" gives them for every output. ``X`` None: the columns of no rows."""
    names = file_columns(model, mode)
    if X is None or len(X) == 0:
        return [np.empty(0, dtype=object if n == EXPLAINED_CLASS_COLUMN else np.float64) for n in names]
    _, by_line, base = _explained(model, X)
    outputs = Lines.of(model).outputs
    # (rows, lines + 1, outputs): each line's contribution, then the base value
    values = np.concatenate([by_line, np.broadcast_to(base, (len(X), 1, len(base)))], axis=1)
    if mode == "all" and len(outputs) > 1:
        return [values[:, j, k] for k in range(len(outputs)) for j in range(values.shape[1])]
    if len(outputs) == 1:
        picked, labels = values[:, :, 0], np.full(len(X), outputs[0], dtype=object)
    else:
        index = {label: k for k, label in enumerate(outputs)}
        which = np.fromiter((index[p] for p in np.asarray(predictions).tolist()), dtype=np.intp, count=len(X))
        picked, labels = values[np.arange(len(X)), :, which], np.asarray(predictions, dtype=object)
    columns = [picked[:, j] for j in range(picked.shape[1])]
    return columns + ([labels] if model.manifest.task == "classification" else [])


def contribution_sums(names: list[str], columns: list[Any]) -> dict[str, float]:
    """The sum of each line's absolute contribution over a scored chunk's explanation columns (as
    :func:`file_columns` names them), by line: a file's summary chart shows their mean."""
    return {name[len(CONTRIBUTION_PREFIX):]: float(np.abs(np.asarray(column, dtype=np.float64)).sum())
            for name, column in zip(names, columns) if name.startswith(CONTRIBUTION_PREFIX)}


def _refuse_unavailable(model: Any) -> None:
    reason = unavailable(model)
    if reason is not None:
        raise ExplanationUnavailable(f"model {model.name} {model.version}: {reason}")


def _explained(model: Any, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(column contributions (rows, columns, outputs), line contributions (rows, lines, outputs),
    base values (outputs,)) of validated rows ``X``; raises ExplanationUnavailable."""
    from .portable.explain import Unexplained

    _refuse_unavailable(model)
    try:
        with _ONE_AT_A_TIME:
            phi, base = model.engine.explain_columns(X)
    except Unexplained as exc:
        raise ExplanationUnavailable(f"model {model.name} {model.version}: {exc}") from None
    lines = Lines.of(model)
    if lines.columns != phi.shape[1]:
        raise ExplanationUnavailable(f"model {model.name} {model.version}: its columns' sources do not match the "
                                     "columns its estimator reads")
    by_line = np.zeros((phi.shape[0], len(lines.groups), phi.shape[2]))
    for i, cols in enumerate(lines.groups):
        by_line[:, i] = phi[:, cols].sum(axis=1)
    return phi, by_line, base


@dataclass(frozen=True)
class Lines:
    """What a model's explanation is made of, read from its spec: the estimator's columns grouped
    into lines (``groups``: column indices; ``features``: the lines' names, the input features
    then the derived lines), and what the contributions add up to (``output``, ``outputs``)."""

    groups: list[list[int]]
    features: list[str]
    derived: list[dict[str, Any]]
    columns: int
    output: str
    outputs: list[Any]

    @staticmethod
    def of(model: Any) -> "Lines":
        """The model's lines, read once and kept beside its engine (a page explains one row at a time)."""
        from .portable.provenance import UnknownProvenance, final_columns

        kept = getattr(model.engine, "explanation_lines", None)
        if kept is not None:
            return kept
        try:
            sources = final_columns(model.engine.spec)
        except UnknownProvenance as exc:
            raise ExplanationUnavailable(f"model {model.name} {model.version}: {exc}") from None
        groups, features, derived = _lines(sources, list(model.manifest.schema.names))
        output, outputs = _output(model.engine.spec["estimator"], model.manifest)
        model.engine.explanation_lines = Lines(groups, features, derived, len(sources), output, outputs)
        return model.engine.explanation_lines


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
