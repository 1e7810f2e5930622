"""Exact path-dependent TreeSHAP (Lundberg et al., Algorithm 2: what ``shap.TreeExplainer``
computes with no background data), with numpy alone, vectorised over every (row, leaf) pair.

The recursion of Algorithm 2 reaches each leaf with a path of unique features, each carrying a
zero fraction (the product of the cover ratios of its splits on the path: the same for every
row) and a one fraction (1 when the row takes every one of its splits the path's way, else 0:
the only thing that depends on the row). A leaf's contribution to each feature on its path
depends on those alone. So the paths are laid out once, at load, grouped by their number of
unique features, and ``extend_path`` and ``unwound_path_sum`` run as array operations over all
rows and a group's leaves at once: about 3 d^2 numpy calls per group of paths of d unique
features, whatever the number of trees.
"""

from __future__ import annotations

import numpy as np

from .trees import Forest

#: (row, leaf) pairs worked on together: bounds memory (about 8 arrays of this many doubles).
PAIRS = 1 << 19


class Group:
    """The paths of one length: their leaves, unique features, zero fractions, and the splits that
    decide their one fractions (padding none: a path is worked at its own length)."""

    def __init__(self, depth: int, leaves: np.ndarray, paths: list[list[tuple[int, float, list]]]) -> None:
        self.depth, self.leaves = depth, leaves  # leaves: positions in Paths.leaves
        self.feature = np.array([[p[pos][0] for p in paths] for pos in range(depth)], dtype=np.intp).reshape(depth, -1)
        self.zero = np.array([[p[pos][1] for p in paths] for pos in range(depth)], dtype=np.float64).reshape(depth, -1)
        steps = [(pos, j, node, left) for j, p in enumerate(paths) for pos, (_, _, nodes) in enumerate(p)
                 for node, left in nodes]
        steps_a = np.asarray(steps, dtype=np.intp).reshape(-1, 4)
        self.step_pos, self.step_leaf, self.step_node = steps_a[:, 0], steps_a[:, 1], steps_a[:, 2]
        self.step_left = steps_a[:, 3].astype(bool)


class Paths:
    """Every root-to-leaf path of a set of flattened trees, as unique features and fractions,
    grouped by the number of unique features (a path is never worked at another's length)."""

    def __init__(self, forest: Forest, cover: np.ndarray) -> None:
        self.forest = forest
        parent = np.full(len(forest.feature), -1, dtype=np.intp)
        internal = np.flatnonzero(~forest.is_leaf)
        parent[forest.left[internal]] = internal
        parent[forest.right[internal]] = internal
        self.leaves = np.flatnonzero(forest.is_leaf)
        paths = [self._path(leaf, parent, cover) for leaf in self.leaves]
        lengths = np.asarray([len(p) for p in paths], dtype=np.intp)
        self.groups = [Group(int(d), np.flatnonzero(lengths == d), [paths[i] for i in np.flatnonzero(lengths == d)])
                       for d in np.unique(lengths) if d > 0]
        root_cover = cover[self._roots_of(parent)]
        self.leaf_weight = cover[self.leaves] / root_cover  # the probability of reaching each leaf

    def _roots_of(self, parent: np.ndarray) -> np.ndarray:
        node = self.leaves.copy()
        while True:
            up = parent[node]
            if (up < 0).all():
                return node
            node = np.where(up < 0, node, up)

    def _path(self, leaf: int, parent: np.ndarray, cover: np.ndarray) -> list[tuple[int, float, list]]:
        """The unique features on the way to ``leaf``, ordered as Algorithm 2 leaves them (a
        feature met again is unwound and extended anew: it moves to the end)."""
        chain = []
        node = leaf
        while parent[node] >= 0:
            chain.append((parent[node], node))
            node = parent[node]
        chain.reverse()
        order: list[int] = []
        zero: dict[int, float] = {}
        nodes: dict[int, list] = {}
        for up, child in chain:
            feature = int(self.forest.feature[up])
            ratio = float(cover[child] / cover[up]) if cover[up] > 0 else 0.0
            if feature in zero:
                order.remove(feature)
                zero[feature] *= ratio
            else:
                zero[feature] = ratio
                nodes[feature] = []
            order.append(feature)
            nodes[feature].append((up, bool(self.forest.left[up] == child)))
        return [(f, zero[f], nodes[f]) for f in order]


def _one_fractions(forest: Forest, group: Group, X: np.ndarray) -> np.ndarray:
    """(depth, rows, leaves): 1 where the row takes all of the feature's splits the path's way."""
    x = X[:, forest.feature[group.step_node]]  # (rows, steps)
    if forest.float32_inputs:
        x = x.astype(np.float32).astype(np.float64)
    with np.errstate(invalid="ignore"):
        goes_left = np.where(np.isnan(x), ~forest.missing_right[group.step_node], x <= forest.threshold[group.step_node])
    disagree = np.nonzero(goes_left != group.step_left)
    one = np.ones((group.depth, len(X), len(group.leaves)))
    one[group.step_pos[disagree[1]], disagree[0], group.step_leaf[disagree[1]]] = 0.0
    return one


def contributions(paths: Paths, leaf_values: np.ndarray, X: np.ndarray, n_features: int) -> np.ndarray:
    """(rows, features, outputs): the sum over the trees of each leaf's Shapley contributions.
    ``leaf_values``: (leaves, outputs), in the order of ``paths.leaves``."""
    rows = len(X)
    phi = np.zeros((rows, n_features, leaf_values.shape[1]))
    X = np.asarray(X, dtype=np.float64)
    for group in paths.groups:
        values = leaf_values[group.leaves]
        step = max(1, PAIRS // max(1, len(group.leaves)))
        for start in range(0, rows, step):
            phi[start:start + step] += _chunk(paths.forest, group, values, X[start:start + step], n_features)
    return phi


def _chunk(forest: Forest, group: Group, leaf_values: np.ndarray, X: np.ndarray, n_features: int) -> np.ndarray:
    depth = group.depth
    one = _one_fractions(forest, group, X)  # (D, R, L)
    zero = np.broadcast_to(group.zero[:, None, :], one.shape)
    # extend_path: the dummy root element (weight 1), then each unique feature in turn
    weight = np.zeros((depth + 1,) + one.shape[1:])
    weight[0] = 1.0
    for d in range(1, depth + 1):
        o, z = one[d - 1], zero[d - 1]
        for i in range(d - 1, -1, -1):
            weight[i + 1] += o * weight[i] * (i + 1) / (d + 1)
            weight[i] = z * weight[i] * (d - i) / (d + 1)
    rows = len(X)
    phi = np.zeros((rows, n_features, leaf_values.shape[1]))
    row_index = np.arange(rows)[:, None]
    for p in range(1, depth + 1):
        o, z = one[p - 1], zero[p - 1]
        # unwound_path_sum for element p: its one fraction is 1 or 0
        total_one = np.zeros_like(o)
        total_zero = np.zeros_like(o)
        next_one = weight[depth].copy()
        for i in range(depth - 1, -1, -1):
            tmp = next_one / (i + 1)
            total_one += tmp
            next_one = weight[i] - tmp * z * (depth - i)
            with np.errstate(divide="ignore", invalid="ignore"):
                total_zero += weight[i] / (z * (depth - i))
        w = np.where(o != 0, total_one, np.where(z != 0, total_zero, 0.0)) * (depth + 1)
        factor = w * (o - z)  # (R, L)
        flat = (row_index * n_features + group.feature[p - 1][None, :]).ravel()
        for k in range(leaf_values.shape[1]):
            phi[:, :, k] += np.bincount(flat, weights=(factor * leaf_values[:, k][None, :]).ravel(),
                                        minlength=rows * n_features).reshape(rows, n_features)
    return phi


def expected_value(paths: Paths, leaf_values: np.ndarray) -> np.ndarray:
    """Sum over trees of each tree's mean leaf value, weighted by cover: (outputs,)."""
    return (paths.leaf_weight[:, None] * leaf_values).sum(axis=0)
