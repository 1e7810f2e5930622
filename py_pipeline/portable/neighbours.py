"""k-nearest neighbours on the portable engine: the training set is in the buffer, and each row
finds its k nearest as scikit-learn's ``kneighbors`` does. Only numpy is imported.

Distances are computed as scikit-learn computes them, so the same neighbours are found and
distance weights agree: a KD-tree or ball tree (and brute force for every metric but the
euclidean) sums the per-feature terms in feature order, and brute-force euclidean uses the
matrix-product form ``|x|² - 2 x·y + |y|²`` that scikit-learn's ``ArgKmin`` uses.

Which of several training rows at exactly the k-th distance is kept depends on the order
scikit-learn meets them and on its heap. Rows without such a tie are answered vectorised; a row
with one replays scikit-learn's search for it: the same visits (the KD-tree's or ball tree's
depth-first walk with its bounds; brute force in training order) pushed through the same heap
(``sklearn.utils._heap.heap_push``). The replay is plain Python, about a millisecond a row.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .estimators import Arrays, Estimator

#: Rows compared against the whole training set at a time: rows x training rows doubles of memory.
CHUNK = 256


def _distances(node: dict[str, Any], X: np.ndarray, train: np.ndarray, sq_train: np.ndarray | None,
               columns: np.ndarray) -> np.ndarray:
    """The reduced distance from each row to each training row (squared for the euclidean, the
    sum of |d|^p for Minkowski), as scikit-learn's metric objects compute ``rdist``. ``columns``:
    ``train`` transposed and contiguous (made once, at load)."""
    metric = node["metric"]
    if sq_train is not None:  # brute-force euclidean: ArgKmin's matrix-product form, clipped at zero
        d = -2.0 * (X @ train.T)
        d += (X * X).sum(axis=1)[:, None]
        d += sq_train[None, :]
        return np.maximum(d, 0.0, out=d)
    out = np.zeros((len(X), len(train)))
    diff = np.empty_like(out)
    for j in range(train.shape[1]):  # feature by feature, in order, as the metric's loop adds them
        np.subtract(X[:, j, None], columns[j][None, :], out=diff)
        if metric == "euclidean":
            np.multiply(diff, diff, out=diff)
            out += diff
        elif metric == "manhattan":
            out += np.abs(diff, out=diff)
        elif metric == "chebyshev":
            np.maximum(out, np.abs(diff, out=diff), out=out)
        else:
            out += np.power(np.abs(diff, out=diff), node["p"], out=diff)
    return out


def _to_distance(node: dict[str, Any], reduced: np.ndarray) -> np.ndarray:
    metric = node["metric"]
    if metric == "euclidean":
        return np.sqrt(reduced)
    if metric == "minkowski":
        return reduced ** (1.0 / node["p"])
    return reduced


def _weights(distances: np.ndarray) -> np.ndarray:
    """``_get_weights(dist, "distance")``: one over the distance; a row at distance zero from some
    training rows weighs those 1 and the others 0."""
    with np.errstate(divide="ignore"):
        w = 1.0 / distances
    inf = np.isinf(w)
    rows = inf.any(axis=1)
    w[rows] = inf[rows]
    return w


def heap_push(values: list[float], indices: list[int], val: float, index: int) -> None:
    """``sklearn.utils._heap.heap_push``: a max-heap of the k best so far, root first; a value
    not below the root is ignored."""
    size = len(values)
    if val >= values[0]:
        return
    current = 0
    while True:
        left = 2 * current + 1
        right = left + 1
        if left >= size:
            break
        if right >= size:
            if values[left] > val:
                swap = left
            else:
                break
        elif values[left] >= values[right]:
            if val < values[left]:
                swap = left
            else:
                break
        elif val < values[right]:
            swap = right
        else:
            break
        values[current], indices[current] = values[swap], indices[swap]
        current = swap
    values[current], indices[current] = val, index


def simultaneous_sort(values: list[float], indices: list[int], lo: int = 0, size: int | None = None) -> None:
    """``sklearn.utils._sorting.simultaneous_sort``: its quicksort, so that neighbours at equal
    distances come out in its order (a weighted vote's sum depends on the order)."""
    size = len(values) if size is None else size

    def swap(a: int, b: int) -> None:
        values[lo + a], values[lo + b] = values[lo + b], values[lo + a]
        indices[lo + a], indices[lo + b] = indices[lo + b], indices[lo + a]

    def v(i: int) -> float:
        return values[lo + i]

    if size == 2:
        if v(0) > v(1):
            swap(0, 1)
    elif size == 3:
        if v(0) > v(1):
            swap(0, 1)
        if v(1) > v(2):
            swap(1, 2)
            if v(0) > v(1):
                swap(0, 1)
    elif size > 3:
        pivot = size // 2
        if v(0) > v(size - 1):
            swap(0, size - 1)
        if v(size - 1) > v(pivot):
            swap(size - 1, pivot)
            if v(0) > v(size - 1):
                swap(0, size - 1)
        pivot_value, store = v(size - 1), 0
        for i in range(size - 1):
            if v(i) < pivot_value:
                swap(i, store)
                store += 1
        swap(store, size - 1)
        if store > 1:
            simultaneous_sort(values, indices, lo, store)
        if store + 2 < size:
            simultaneous_sort(values, indices, lo + store + 1, size - store - 1)


class _Tree:
    """A fitted KDTree or BallTree's arrays, and its depth-first query for one row."""

    def __init__(self, node: dict[str, Any], arrays: Arrays) -> None:
        self.node = node
        self.order = arrays[node["tree"]["order"]]
        self.start, self.end = arrays[node["tree"]["start"]], arrays[node["tree"]["end"]]
        self.leaf = arrays[node["tree"]["leaf"]]
        self.radius = arrays[node["tree"]["radius"]]
        self.bounds = arrays[node["tree"]["bounds"]]
        self.centres = np.ascontiguousarray(self.bounds[0].T)  # a ball tree's centroids, by feature

    def lower_bounds(self, pt: np.ndarray) -> np.ndarray:
        """``min_rdist`` from the row to every node: the KD-tree's box, the ball tree's ball."""
        metric, p = self.node["metric"], self.node["p"]
        if self.node["tree"]["kind"] == "kd_tree":
            out = np.zeros(self.bounds.shape[1])
            for j in range(len(pt)):
                d_lo = self.bounds[0, :, j] - pt[j]
                d_hi = pt[j] - self.bounds[1, :, j]
                d = 0.5 * ((d_lo + np.abs(d_lo)) + (d_hi + np.abs(d_hi)))
                out = np.maximum(out, d) if metric == "chebyshev" else out + np.power(d, p)
            return out
        centre = _to_distance(self.node, _distances(self.node, pt[None, :], self.bounds[0], None, self.centres))[0]
        dist = np.maximum(0.0, centre - self.radius)
        return dist ** p if metric in ("euclidean", "minkowski") else dist

    def query(self, pt: np.ndarray, reduced: np.ndarray, k: int) -> tuple[list[float], list[int]]:
        """The heap ``_query_single_depthfirst`` leaves for one row, given its distances."""
        bounds = self.lower_bounds(pt)
        values, indices = [np.inf] * k, [0] * k

        def visit(i: int) -> None:
            if bounds[i] > values[0]:
                return
            if self.leaf[i]:
                for j in self.order[self.start[i]:self.end[i]]:
                    heap_push(values, indices, reduced[j], int(j))
                return
            first, second = 2 * i + 1, 2 * i + 2
            if bounds[first] > bounds[second]:
                first, second = second, first
            visit(first)
            visit(second)

        visit(0)
        return values, indices


class Neighbours(Estimator):
    """KNeighborsClassifier and KNeighborsRegressor."""

    def __init__(self, node: dict[str, Any], arrays: Arrays) -> None:
        super().__init__(node, arrays, self.neighbours)
        self.node = node
        self.train = np.asarray(arrays[node["train"]], dtype=np.float64)
        self.y = arrays[node["y"]]
        self.k = int(node["k"])
        self.sq_train = (self.train * self.train).sum(axis=1) if node["gemm"] else None
        self.columns = np.ascontiguousarray(self.train.T)
        self.tree = _Tree(node, arrays) if node.get("tree") else None

    def neighbours(self, X: np.ndarray) -> np.ndarray:
        return self.kneighbors(X)[1]

    def kneighbors(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(distances, indices) of each row's k nearest training rows, nearest first."""
        X = np.asarray(X, dtype=np.float64)
        dist = np.empty((len(X), self.k))
        index = np.empty((len(X), self.k), dtype=np.intp)
        for start in range(0, len(X), CHUNK):
            reduced = _distances(self.node, X[start:start + CHUNK], self.train, self.sq_train, self.columns)
            # the k + 1 nearest (in any order), then sorted by distance and training position
            last = min(self.k + 1, len(self.train))
            candidates = np.argpartition(reduced, last - 1, axis=1)[:, :last] if last < len(self.train) \
                else np.broadcast_to(np.arange(last), (len(reduced), last))
            values = np.take_along_axis(reduced, candidates, axis=1)
            ranked = np.lexsort((candidates, values), axis=-1)
            order, first = np.take_along_axis(candidates, ranked, axis=1), np.take_along_axis(values, ranked, axis=1)
            nearest = np.ascontiguousarray(order[:, :self.k])
            # ties that scikit-learn's search decides: across the k-th place (which row is kept),
            # and, for distance weights, among the k (the order the weights are summed in)
            tied = first[:, 1:] == first[:, :-1]
            replay = tied[:, self.k - 1] if self.k < len(self.train) else np.zeros(len(first), dtype=bool)
            if self.node["weights"] == "distance":
                replay = replay | tied[:, :self.k - 1].any(axis=1)
            for row in np.flatnonzero(replay):
                nearest[row] = self._replay(X[start + row], reduced[row])
            index[start:start + CHUNK] = nearest
            dist[start:start + CHUNK] = _to_distance(self.node, np.take_along_axis(reduced, nearest, axis=1))
        return dist, index

    def _replay(self, pt: np.ndarray, reduced: np.ndarray) -> np.ndarray:
        """The k indices scikit-learn's search keeps for one row, in the order it returns them."""
        if self.tree is not None:
            values, kept = self.tree.query(pt, reduced, self.k)
        else:
            values, kept = [np.inf] * self.k, [0] * self.k
            for j, value in enumerate(reduced.tolist()):  # ArgKmin: training rows in order
                heap_push(values, kept, value, j)
        simultaneous_sort(values, kept)
        return np.asarray(kept, dtype=np.intp)

    def classify(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        dist, index = self.kneighbors(X)
        labels = self.y[index]
        distance = self.node["weights"] == "distance"
        w = _weights(dist) if distance else np.ones(index.shape, dtype=np.int64)
        if self.kind == "regression":
            if not distance:
                return np.mean(labels, axis=1), None
            return np.sum(labels * w, axis=1) / np.sum(w, axis=1), None
        n_classes = len(self.classes)
        rows = np.arange(len(X))
        proba = np.zeros((len(X), n_classes))
        for i in range(self.k):  # predict_proba's loop: the i-th neighbours' weights, in order
            proba[rows, labels[:, i]] += w[:, i]
        proba /= proba.sum(axis=1)[:, np.newaxis]
        if not distance:  # the mode; on a tie the first class
            return self.classes[np.argmax(proba, axis=1)], proba
        # weighted_mode: each class's weights summed as np.sum sums them, the first class on a tie
        votes = np.stack([np.sum(np.where(labels == c, w, 0.0), axis=1) for c in range(n_classes)], axis=1)
        return self.classes[np.argmax(votes, axis=1)], proba
