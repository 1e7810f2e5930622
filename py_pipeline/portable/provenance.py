"""Where each column the final estimator reads comes from: the set of input features (schema
positions) it was computed from, walked through the spec's preprocessing steps. A one-hot
column comes from its one feature; a scaled or imputed column from its own; a column computed
from several features (a product of ``PolynomialFeatures``, a registered function that declares
several sources, a row normalised by its norm) from all of them, and is explained as a line of
its own, never split between them. Only the standard library."""

from __future__ import annotations

import itertools
from typing import Any

Sources = frozenset[int]
#: Steps whose output column j comes from input column j alone.
ELEMENTWISE = {"passthrough", "center_scale", "minmax_scaler", "maxabs_scaler", "ordinal", "binarizer", "bins",
               "yeo_johnson", "quantile_uniform"}


class UnknownProvenance(Exception):
    """A step whose output columns' sources the spec does not say; the message names it."""


def final_columns(spec: dict[str, Any]) -> list[Sources]:
    """For each column the final estimator reads, the schema positions it comes from."""
    start = [frozenset([int(p)]) for p in spec["input_order"]]
    return _sources({"op": "pipeline", "steps": spec["transforms"]}, start)


def _sources(node: dict[str, Any], inputs: list[Sources]) -> list[Sources]:
    op = node.get("op")
    if op == "pipeline":
        for step in node["steps"]:
            inputs = _sources(step, inputs)
        return inputs
    if op == "columns":
        return [s for part in node["parts"] for s in _sources(part["step"], [inputs[c] for c in part["columns"]])]
    if op in ELEMENTWISE:
        return list(inputs)
    if op == "simple_imputer":
        return [inputs[k] for k in node["keep"]] + [inputs[i] for i in (node.get("indicator") or [])]
    if op == "one_hot":
        drop = node.get("drop") or [None] * len(node["categories"])
        return [inputs[j] for j, (c, d) in enumerate(zip(node["categories"], drop))
                for _ in range(len(c["values"]) + bool(c.get("nan")) - (d is not None))]
    if op == "normalizer":  # each column is divided by the row's norm: all of them
        every = frozenset().union(*inputs) if inputs else frozenset()
        return [every] * len(inputs)
    if op == "polynomial":
        return _polynomial(node, inputs)
    if op == "function":
        if node.get("sources") is None:
            raise UnknownProvenance(f"the function {node['name']} does not say where its columns come from")
        return [frozenset().union(*(inputs[i] for i in s)) if s else frozenset() for s in node["sources"]]
    raise UnknownProvenance(f"the {op} step's columns have no known sources")


def _polynomial(node: dict[str, Any], inputs: list[Sources]) -> list[Sources]:
    """PolynomialFeatures' column order: the bias, then each degree's combinations."""
    pick = itertools.combinations if node["interaction_only"] else itertools.combinations_with_replacement
    out = [frozenset()] if node["include_bias"] else []
    for degree in range(max(1, node["min_degree"]), node["max_degree"] + 1):
        out.extend(frozenset().union(*(inputs[i] for i in combo)) for combo in pick(range(len(inputs)), degree))
    return out
