"""Tree ensembles evaluated with numpy, vectorised over every (tree, row) pair at once.

The spec stores all trees of an ensemble as one set of flattened node arrays (children as
global node indices, leaves pointing at themselves). Two layouts run them:

* **perfect**: for shallow ensembles (trees x 2**depth small) each tree is padded, at load, to a
  complete binary tree laid out level by level, so a step is ``pos = 2 * pos + 1 + go_right``
  with no child lookups;
* **pointer**: for deep trees, child lookups, and pairs that reached a leaf leave the working
  set, so unbalanced trees (HistGradientBoosting's) cost their real depth, not the deepest.

Comparisons are scikit-learn's: ``x <= threshold`` goes left, NaN follows the node's
``missing_go_to_left``, and inputs are first cast to float32 where scikit-learn's trees do
(``DecisionTree*``, forests, ``GradientBoosting*``; not ``HistGradientBoosting*``).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

#: Most padded nodes (trees x 2**depth) the perfect layout may build at load.
PERFECT_LIMIT = 1 << 20
#: (tree, row) pairs advanced together: bounds memory and keeps the working set in cache.
PAIRS_PER_CHUNK = 1 << 18
#: Below this many rows, per-tree numpy calls cost more than the arithmetic: use one cumsum.
FEW_ROWS = 64


class Forest:
    """Flattened node arrays of several trees, and the leaf each row reaches in each tree."""

    def __init__(self, feature: np.ndarray, threshold: np.ndarray, left: np.ndarray, right: np.ndarray,
                 missing_left: np.ndarray, roots: np.ndarray, depth: int, float32_inputs: bool) -> None:
        n_nodes = len(feature)
        for name, a in (("left", left), ("right", right), ("roots", roots)):
            if len(a) and (a.min() < 0 or a.max() >= n_nodes):
                raise ValueError(f"portable spec: tree {name} indices out of range")
        if len(threshold) != n_nodes or len(missing_left) != n_nodes or len(left) != n_nodes:
            raise ValueError("portable spec: tree node arrays differ in length")
        self.feature = feature.astype(np.intp)
        self.max_feature = int(self.feature.max()) if n_nodes else -1
        self.threshold = np.asarray(threshold, dtype=np.float64)
        self.left = left.astype(np.intp)
        self.right = right.astype(np.intp)
        self.missing_right = ~missing_left.astype(bool)
        self.is_leaf = self.left == np.arange(n_nodes)
        self.roots = roots.astype(np.intp)
        self.depth = int(depth)
        self.float32_inputs = float32_inputs
        self.perfect = len(self.roots) << self.depth <= PERFECT_LIMIT
        if self.perfect:
            self._pad()

    def _pad(self) -> None:
        """Complete binary trees, level by level: node arrays per padded position, leaves at the bottom."""
        nodes = self.roots[:, None]
        feature, threshold, missing_right = [], [], []
        for _ in range(self.depth):
            feature.append(self.feature[nodes])
            threshold.append(self.threshold[nodes])
            missing_right.append(self.missing_right[nodes])
            nodes = np.stack([self.left[nodes], self.right[nodes]], axis=-1).reshape(len(self.roots), -1)
        # per tree: internal positions 0 .. 2**depth - 2 in level order, then the bottom row
        self.p_feature = np.concatenate(feature, axis=1).ravel() if feature else np.zeros(0, np.intp)
        self.p_threshold = np.concatenate(threshold, axis=1).ravel() if threshold else np.zeros(0)
        self.p_missing_right = np.concatenate(missing_right, axis=1).ravel() if missing_right else np.zeros(0, bool)
        self.p_bottom = nodes.ravel()

    def leaves(self, X: np.ndarray) -> np.ndarray:
        """Leaf node index reached by each row in each tree, shape (trees, rows)."""
        return self.each_chunk(X, lambda leaves: leaves.T).T

    def each_chunk(self, X: np.ndarray, combine: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """``combine(leaves)`` for each chunk of rows (leaves of shape (trees, rows in chunk)),
        the chunks' results stacked by row. Chunks bound the memory the (tree, row) pairs take."""
        X = np.asarray(X, dtype=np.float64)
        if self.float32_inputs:  # scikit-learn's trees compare float32(x) with the float64 threshold
            X = X.astype(np.float32).astype(np.float64)
        X = np.ascontiguousarray(X)
        n, width = X.shape
        if self.max_feature >= width:
            raise ValueError(f"portable spec: a tree reads input column {self.max_feature}, "
                             f"but the input has {width} columns")
        step = max(1, PAIRS_PER_CHUNK // max(1, len(self.roots)))
        walk = self._perfect if self.perfect else self._pointer
        parts = [combine(walk(X[start:start + step])) for start in range(0, n, step)]
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _perfect(self, X: np.ndarray) -> np.ndarray:
        n, width = X.shape
        flat = X.ravel()
        trees = len(self.roots)
        internal = (1 << self.depth) - 1
        has_nan = bool(np.isnan(flat).any())
        row_base = np.tile(np.arange(n, dtype=np.intp) * width, trees)
        tree_base = np.repeat(np.arange(trees, dtype=np.intp) * internal, n)
        pos = np.zeros(trees * n, dtype=np.intp)
        index = np.empty_like(pos)
        x = np.empty(len(pos))
        threshold = np.empty(len(pos))
        go_right = np.empty(len(pos), dtype=bool)
        for _ in range(self.depth):
            np.add(tree_base, pos, out=index)
            np.take(self.p_threshold, index, out=threshold)
            if has_nan:
                missing_right = self.p_missing_right[index]
            np.take(self.p_feature, index, out=index)
            index += row_base
            np.take(flat, index, out=x)
            np.greater(x, threshold, out=go_right)
            if has_nan:
                go_right |= np.isnan(x) & missing_right
            pos *= 2
            pos += 1
            pos += go_right
        bottom = pos - internal + np.repeat(np.arange(trees, dtype=np.intp) << self.depth, n)
        return self.p_bottom[bottom].reshape(trees, n)

    def _pointer(self, X: np.ndarray) -> np.ndarray:
        n, width = X.shape
        flat = X.ravel()
        trees = len(self.roots)
        has_nan = bool(np.isnan(flat).any())
        result = np.repeat(self.roots, n)  # pairs already at a leaf keep their root (a one-node tree)
        pair = np.arange(trees * n, dtype=np.intp)
        pair = pair[~self.is_leaf[result]]
        row_base = (pair % n) * width
        node = result[pair]
        for _ in range(self.depth):
            if not len(pair):
                break
            x = flat[row_base + self.feature[node]]
            go_right = x > self.threshold[node]
            if has_nan:
                go_right |= np.isnan(x) & self.missing_right[node]
            node = np.where(go_right, self.right[node], self.left[node])
            done = self.is_leaf[node]
            if done.any():
                result[pair[done]] = node[done]
                keep = ~done
                pair, node, row_base = pair[keep], node[keep], row_base[keep]
        return result.reshape(trees, n)


def forest_from_arrays(arrays: dict[str, np.ndarray], spec: dict) -> Forest:
    """Build a :class:`Forest` from a spec node and its arrays."""
    return Forest(arrays[spec["feature"]], arrays[spec["threshold"]], arrays[spec["left"]], arrays[spec["right"]],
                  arrays[spec["missing_left"]], arrays[spec["roots"]], spec["depth"], spec["float32_inputs"])


def in_order_sum(values: np.ndarray, leaves: np.ndarray) -> np.ndarray:
    """Sum over trees of ``values[leaf]``, added strictly tree after tree: one vector add per tree
    for many rows, one ``cumsum`` (sequential by definition) over all trees for a few."""
    if leaves.shape[1] >= FEW_ROWS:
        total = np.zeros((leaves.shape[1],) + values.shape[1:])
        for tree_leaves in leaves:
            total += values[tree_leaves]
        return total
    return np.cumsum(values[leaves], axis=0)[-1]


def mean_of_trees(forest: Forest, values: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Tree outputs added tree by tree then divided by the tree count, as scikit-learn's forests do.

    Adding strictly in tree order (``sum`` may add pairwise) keeps the result bit-identical to
    scikit-learn's, so ties between classes break the same way.
    """
    trees = len(forest.roots)

    def combine(leaves: np.ndarray) -> np.ndarray:
        total = in_order_sum(values, leaves)
        total /= trees
        return total

    return forest.each_chunk(X, combine)


def boosted_sum(forest: Forest, values: np.ndarray, scale: float, start: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Raw boosting scores: ``start``, then ``scale * leaf value`` of each tree added in order.

    Trees come stage by stage, one per score column within a stage (``len(start)`` columns).
    HistGradientBoosting's leaves already carry the learning rate: its ``scale`` is 1.
    """
    k = len(start)

    def combine(leaves: np.ndarray) -> np.ndarray:
        n = leaves.shape[1]
        if n >= FEW_ROWS:
            raw = np.zeros((n, k))
            raw += start
            for stage in leaves.reshape(-1, k, n):
                for column, tree_leaves in enumerate(stage):
                    raw[:, column] += scale * values[tree_leaves] if scale != 1.0 else values[tree_leaves]
            return raw
        steps = values[leaves]
        if scale != 1.0:
            steps *= scale
        stacked = np.empty((len(leaves) // k + 1, n, k))
        stacked[0] = start
        stacked[1:] = steps.reshape(-1, k, n).transpose(0, 2, 1)  # (stages, rows, columns)
        return np.cumsum(stacked, axis=0)[-1]

    return forest.each_chunk(X, combine)
