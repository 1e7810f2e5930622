"""Preprocessing steps that remap each value or each row: Normalizer, Binarizer, KBinsDiscretizer,
PowerTransformer (Yeo-Johnson) and QuantileTransformer (uniform output), each as its
``transform`` computes it. Only numpy is imported."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

Step = Callable[[np.ndarray], np.ndarray]
Arrays = dict[str, np.ndarray]

#: ``_handle_zeros_in_scale``: a norm this small counts as zero and divides by one.
_TINY = 10 * np.finfo(np.float64).eps


def normalizer(node: dict[str, Any], arrays: Arrays) -> Step:
    """``normalize(X, norm)``: each row over its l1, l2 or max norm (rows of norm zero kept)."""
    norm = node["norm"]

    def run(X: np.ndarray) -> np.ndarray:
        X = np.array(X, dtype=np.float64)
        if norm == "l1":
            norms = np.sum(np.abs(X), axis=1)
        elif norm == "l2":
            norms = np.sqrt(np.einsum("ij,ij->i", X, X))
        else:
            norms = np.max(np.abs(X), axis=1)
        norms[norms < _TINY] = 1.0
        X /= norms[:, None]
        return X

    return run


def binarizer(node: dict[str, Any], arrays: Arrays) -> Step:
    """``binarize``: 1 above the threshold, else 0."""
    threshold = float(node["threshold"])
    return lambda X: (np.asarray(X, dtype=np.float64) > threshold).astype(np.float64)


def bins(node: dict[str, Any], arrays: Arrays) -> Step:
    """KBinsDiscretizer's ordinal codes: ``np.searchsorted(edges[1:-1], x, side="right")`` per column
    (the one-hot encoding, when asked for, is a ``one_hot`` step after this one)."""
    edges = [arrays[name] for name in node["edges"]]

    def run(X: np.ndarray) -> np.ndarray:
        X = np.array(X, dtype=np.float64)
        for j, e in enumerate(edges):
            X[:, j] = np.searchsorted(e[1:-1], X[:, j], side="right")
        return X

    return run


def yeo_johnson(node: dict[str, Any], arrays: Arrays) -> Step:
    """PowerTransformer(method="yeo-johnson") before its scaler: scikit-learn's own formula with
    ``np.power`` up to 1.7, scipy's ``expm1``/``log1p`` form from 1.8 (``node["form"]``)."""
    lambdas = arrays[node["lambdas"]]
    scipy_form = node["form"] == "expm1"
    eps = np.spacing(1.0)

    def column(x: np.ndarray, lmbda: float) -> np.ndarray:
        out = np.zeros_like(x)
        pos = x >= 0
        if abs(lmbda) < eps:
            out[pos] = np.log1p(x[pos])
        elif scipy_form:
            out[pos] = np.expm1(lmbda * np.log1p(x[pos])) / lmbda
        else:
            out[pos] = (np.power(x[pos] + 1, lmbda) - 1) / lmbda
        if abs(lmbda - 2) <= eps:
            out[~pos] = -np.log1p(-x[~pos])
        elif scipy_form:
            out[~pos] = -np.expm1((2 - lmbda) * np.log1p(-x[~pos])) / (2 - lmbda)
        else:
            out[~pos] = -(np.power(-x[~pos] + 1, 2 - lmbda) - 1) / (2 - lmbda)
        return out

    def run(X: np.ndarray) -> np.ndarray:
        X = np.array(X, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            for i, lmbda in enumerate(lambdas.tolist()):
                X[:, i] = column(X[:, i], lmbda)
        return X

    return run


def quantile_uniform(node: dict[str, Any], arrays: Arrays) -> Step:
    """QuantileTransformer(output_distribution="uniform"): ``_transform_col``, the mean of an
    ascending and a descending interpolation (for repeated quantiles), the bounds pinned to 0 and 1."""
    quantiles, references = arrays[node["quantiles"]], arrays[node["references"]]

    def run(X: np.ndarray) -> np.ndarray:
        X = np.array(X, dtype=np.float64)
        for j in range(X.shape[1]):
            q, col = quantiles[:, j], X[:, j]
            with np.errstate(invalid="ignore"):
                lower, upper = col == q[0], col == q[-1]
            finite = ~np.isnan(col)
            values = col[finite]
            col[finite] = 0.5 * (np.interp(values, q, references) - np.interp(-values, -q[::-1], -references[::-1]))
            col[upper] = 1
            col[lower] = 0
        return X

    return run


BUILDERS: dict[str, Callable[[dict[str, Any], Arrays], Step]] = {
    "normalizer": normalizer, "binarizer": binarizer, "bins": bins, "yeo_johnson": yeo_johnson,
    "quantile_uniform": quantile_uniform,
}
