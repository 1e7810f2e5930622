"""Tree ensembles evaluated with numpy, vectorised over every (tree, row) pair at once.

The spec stores all trees of an ensemble as one set of flattened node arrays (children as
global node indices, leaves pointing at themselves). Three layouts, built at load, run them;
the first that fits is used:

* **bitvector** (QuickScorer's idea, vectorised): when every tree has at most 64 leaves
  (HistGradientBoosting's 31 by default), each node that sends a row right rules out the
  leaves of its left subtree. Per feature, the rows' values are ranked once among that
  feature's thresholds (``searchsorted``), and a table gives, for each rank, the AND of the
  masks of every node a value of that rank sends right, per tree: one contiguous row copy and
  one AND per feature, whatever the depth. The leaf is the lowest bit left.
* **perfect**: for shallow ensembles (trees x 2**depth small) each tree is padded to a complete
  binary tree, all trees laid out level by level, so a step is ``q = 2 q + go_right`` with no
  child lookups, compared in float32 where the inputs are float32 (half the bytes to gather);
* **pointer**: otherwise child lookups, and pairs that reached a leaf leave the working set, so
  unbalanced trees cost their real depth, not the deepest.

Comparisons are scikit-learn's: ``x <= threshold`` goes left, NaN follows the node's
``missing_go_to_left``, and inputs are first cast to float32 where scikit-learn's trees do
(``DecisionTree*``, forests, ``GradientBoosting*``; not ``HistGradientBoosting*``).
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Callable

import numpy as np

#: Most padded nodes (trees x 2**depth) the perfect layout may build at load: about 13 bytes
#: each, so at most ~13 MB. (failure_type's 150 trees of depth 14 would need 2.4 M: 37 MB for a
#: 1.6x faster batch; it takes the pointer layout instead.)
PERFECT_LIMIT = 1 << 20
#: (tree, row) pairs advanced together: bounds the memory the working arrays take (~40 MB).
PAIRS_PER_CHUNK = 1 << 20
#: Most leaves a tree may have for the bitvector layout (one uint64 mask per tree and row).
BITVECTOR_LEAVES = 64
ALL_LEAVES = np.uint64(0xFFFF_FFFF_FFFF_FFFF)
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
        ends = np.append(self.roots[1:], n_nodes) if len(self.roots) else self.roots
        leaves_per_tree = np.add.reduceat(self.is_leaf.astype(np.intp), self.roots) if len(self.roots) else self.roots
        if len(self.roots) and np.all(ends - self.roots > 0) and leaves_per_tree.max() <= BITVECTOR_LEAVES:
            self.layout, self._walk = "bitvector", self._bitvector
            self._build_bitvector(ends)
        elif len(self.roots) << self.depth <= PERFECT_LIMIT:
            self.layout, self._walk = "perfect", self._perfect
            self._pad()
        else:
            self.layout, self._walk = "pointer", self._pointer

    def _build_bitvector(self, ends: np.ndarray) -> None:
        """Leaf order and masks per tree, then per feature the rank tables (see the module doc)."""
        trees = len(self.roots)
        # the walk runs on Python lists and ints: indexing numpy arrays one node at a time costs 4x
        # (a 100-tree forest loads in 20 ms instead of 66 under Pyodide)
        is_leaf, left, right = self.is_leaf.tolist(), self.left.tolist(), self.right.tolist()
        bits = [0] * len(is_leaf)  # bits kept when the node sends a row right
        self.leaf_nodes = np.zeros((trees, BITVECTOR_LEAVES), dtype=np.intp)
        for t, root in enumerate(self.roots.tolist()):
            order: list[int] = []
            stack: list[tuple[int, int]] = [(root, 0)]  # (node, 0: enter, 1: after the left subtree)
            starts: dict[int, int] = {}
            while stack:
                node, state = stack.pop()
                if is_leaf[node]:
                    order.append(node)
                elif state == 0:
                    starts[node] = len(order)
                    stack.append((node, 1))
                    stack.append((left[node], 0))
                else:
                    lo, hi = starts[node], len(order)
                    bits[node] = ((1 << 64) - 1) ^ ((1 << hi) - (1 << lo))
                    stack.append((right[node], 0))
            self.leaf_nodes[t, :len(order)] = order
        masks = np.array(bits, dtype=np.uint64)
        internal = ~self.is_leaf
        tree_of = np.repeat(np.arange(trees), ends - self.roots)
        self.tables = []
        for f in np.unique(self.feature[internal]):
            nodes = np.flatnonzero(internal & (self.feature == f))
            cuts = np.unique(self.threshold[nodes])
            table = np.full((len(cuts) + 1, trees), ALL_LEAVES, dtype=np.uint64)
            # a value of rank r (r thresholds below it) goes right at every node whose rank is < r
            np.bitwise_and.at(table, (np.searchsorted(cuts, self.threshold[nodes]) + 1, tree_of[nodes]), masks[nodes])
            table = np.bitwise_and.accumulate(table, axis=0)
            missing = np.full(trees, ALL_LEAVES, dtype=np.uint64)  # a NaN goes right where the node says so
            right = nodes[self.missing_right[nodes]]
            np.bitwise_and.at(missing, tree_of[right], masks[right])
            self.tables.append((int(f), cuts, table, missing))
        # one row (a form's): the thresholds as Python floats, for bisect (numpy's cost per call dominates there)
        self.cut_lists = [cuts.tolist() for _, cuts, _, _ in self.tables]

    def _pad(self) -> None:
        """Complete binary trees, stored level by level across trees: level L holds every tree's
        2**L positions, tree after tree, so the child of position q is 2 q + go_right, whatever
        the tree. Leaves above the bottom point at themselves, so they repeat down to it."""
        nodes = self.roots
        self.p_feature, self.p_threshold, self.p_missing_right = [], [], []
        for _ in range(self.depth):
            self.p_feature.append(self.feature[nodes].astype(np.int32))  # 4 bytes: halves the padded memory
            self.p_threshold.append(_compare_as_inputs(self.threshold[nodes], self.float32_inputs))
            self.p_missing_right.append(self.missing_right[nodes])
            nodes = np.stack([self.left[nodes], self.right[nodes]], axis=-1).ravel()
        self.p_bottom = nodes.astype(np.int32)

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
        pairs = PAIRS_PER_CHUNK // 2 if self.layout == "bitvector" else PAIRS_PER_CHUNK
        step = max(1, pairs // max(1, len(self.roots)))
        parts = [combine(self._walk(X[start:start + step])) for start in range(0, n, step)]
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _bitvector(self, X: np.ndarray) -> np.ndarray:
        masks = np.full((len(X), len(self.roots)), ALL_LEAVES, dtype=np.uint64)
        if len(X) == 1:  # bisect_left counts the thresholds below x, as searchsorted does
            row = X[0].tolist()
            for (f, _, table, missing), cuts in zip(self.tables, self.cut_lists):
                x = row[f]
                masks[0] &= missing if x != x else table[bisect_left(cuts, x)]
            return self._leaves_of(masks)
        for f, cuts, table, missing in self.tables:
            column = X[:, f]
            kept = table[np.searchsorted(cuts, column)]  # searchsorted counts the thresholds below x
            nan = np.isnan(column)
            if nan.any():
                kept[nan] = missing
            masks &= kept
        return self._leaves_of(masks)

    def _leaves_of(self, masks: np.ndarray) -> np.ndarray:
        """Each row's leaf in each tree: the lowest bit its mask kept, shape (trees, rows)."""
        lowest = masks & (~masks + np.uint64(1))
        leaf = np.log2(lowest.astype(np.float64)).astype(np.intp)  # exact: a power of two
        return self.leaf_nodes[np.arange(len(self.roots)), leaf].T

    def _perfect(self, X: np.ndarray) -> np.ndarray:
        # Fancy indexing, not np.take(out=...): in Pyodide's numpy take is about 5x slower.
        n, width = X.shape
        flat = (X.astype(np.float32) if self.float32_inputs else X).ravel()  # 4-byte gathers where exact
        trees = len(self.roots)
        has_nan = bool(np.isnan(flat).any())
        row_base = np.tile(np.arange(n, dtype=np.intp) * width, trees)
        q = np.repeat(np.arange(trees, dtype=np.intp), n)
        for feature, threshold, missing_right in zip(self.p_feature, self.p_threshold, self.p_missing_right):
            x = flat[feature[q] + row_base]
            go_right = x > threshold[q]
            if has_nan:
                go_right |= np.isnan(x) & missing_right[q]
            q *= 2
            q += go_right
        return self.p_bottom[q].reshape(trees, n)

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


def _compare_as_inputs(threshold: np.ndarray, float32_inputs: bool) -> np.ndarray:
    """Thresholds to compare float32 inputs with in float32, exactly as scikit-learn compares the
    float32 value with the float64 threshold: the largest float32 not above it (for a float32
    x, x > t64 exactly when x > that float32). Float64 inputs keep float64 thresholds."""
    if not float32_inputs:
        return threshold
    rounded = threshold.astype(np.float32)
    above = rounded.astype(np.float64) > threshold
    rounded[above] = np.nextafter(rounded[above], np.float32(-np.inf))
    return rounded


def forest_from_arrays(arrays: dict[str, np.ndarray], spec: dict) -> Forest:
    """Build a :class:`Forest` from a spec node and its arrays."""
    return Forest(arrays[spec["feature"]], arrays[spec["threshold"]], arrays[spec["left"]], arrays[spec["right"]],
                  arrays[spec["missing_left"]], arrays[spec["roots"]], spec["depth"], spec["float32_inputs"])


def in_order_sum(columns: np.ndarray, leaves: np.ndarray) -> np.ndarray:
    """Sum over trees of each leaf's values, added strictly tree after tree; (rows, outputs).

    ``columns`` holds the leaf values one output per row (outputs, nodes): a 1-D gather per
    output is several times faster in Pyodide than gathering rows of a (nodes, outputs) table.
    Many rows: one vector add per tree and output. A few: one ``cumsum`` (sequential by
    definition) over all trees, where per-tree calls would cost more than the arithmetic.
    """
    n = leaves.shape[1]
    if n >= FEW_ROWS:
        total = np.zeros((len(columns), n))
        for tree_leaves in leaves:
            for out, column in zip(total, columns):
                out += column[tree_leaves]
        return total.T
    return np.cumsum(columns[:, leaves], axis=1)[:, -1].T


def mean_of_trees(forest: Forest, columns: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Tree outputs added tree by tree then divided by the tree count, as scikit-learn's forests do.

    Adding strictly in tree order (``sum`` may add pairwise) keeps the result bit-identical to
    scikit-learn's, so ties between classes break the same way. ``columns``: (outputs, nodes).
    """
    trees = len(forest.roots)

    def combine(leaves: np.ndarray) -> np.ndarray:
        total = in_order_sum(columns, leaves)
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
            raw = np.zeros((k, n))  # one contiguous row per score column
            raw += start[:, None]
            for stage in leaves.reshape(-1, k, n):
                for out, tree_leaves in zip(raw, stage):
                    out += scale * values[tree_leaves] if scale != 1.0 else values[tree_leaves]
            return raw.T
        steps = values[leaves]
        if scale != 1.0:
            steps *= scale
        stacked = np.empty((len(leaves) // k + 1, n, k))
        stacked[0] = start
        stacked[1:] = steps.reshape(-1, k, n).transpose(0, 2, 1)  # (stages, rows, columns)
        return np.cumsum(stacked, axis=0)[-1]

    return forest.each_chunk(X, combine)
