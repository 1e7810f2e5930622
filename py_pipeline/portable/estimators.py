"""Final estimators of a portable spec: labels by the rule the estimator's own ``predict``
uses, probabilities as its ``predict_proba`` computes them. Only numpy is imported."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .trees import boosted_sum, forest_from_arrays, mean_of_trees

Arrays = dict[str, np.ndarray]


def expit(x: np.ndarray) -> np.ndarray:
    """The logistic function, stable for large |x| (scipy.special.expit's two branches)."""
    out = np.empty_like(x, dtype=np.float64)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def softmax(x: np.ndarray) -> np.ndarray:
    """scikit-learn's softmax: subtract the row maximum, exponentiate, divide by the row sum."""
    x = x - x.max(axis=1, keepdims=True)
    np.exp(x, out=x)
    x /= x.sum(axis=1, keepdims=True)
    return x


def _two_columns(p: np.ndarray) -> np.ndarray:
    proba = np.empty((len(p), 2), dtype=np.float64)
    proba[:, 1] = p
    proba[:, 0] = 1 - proba[:, 1]
    return proba


class Estimator:
    """A final estimator: ``scores(X)`` plus the rules that turn scores into answers."""

    def __init__(self, node: dict[str, Any], arrays: Arrays, scores: Callable[[np.ndarray], np.ndarray]) -> None:
        self.kind = node["kind"]          # how labels and probabilities follow from the scores
        self.scores = scores
        classes = node.get("classes")
        self.classes = None if classes is None else np.asarray(classes)
        self.link = node.get("link", "identity")
        self.forest: Any = None  # a tree ensemble's trees.Forest

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.classify(X)[0]

    def decision(self, X: np.ndarray) -> np.ndarray:
        """``decision_function`` as scikit-learn shapes it: one column per class, a single
        column raveled; a kernel SVM's one-vs-one values turned one-vs-rest."""
        s = self.scores(X)
        if self.kind == "votes":
            if len(self.classes) == 2:
                return -s.ravel()  # libsvm's sign is flipped for two classes
            return _ovr_decision(s, len(self.classes))
        if self.kind not in ("decision", "modified_huber", "linear_ovr", "linear_softmax", "boosting_ge",
                             "boosting_gt"):
            raise ValueError(f"portable spec: a {self.kind!r} estimator has no decision_function")
        return s.ravel() if s.ndim == 2 and s.shape[1] == 1 else s

    def output(self, X: np.ndarray, method: str) -> np.ndarray:
        """What the estimator's ``method`` (predict, predict_proba, decision_function) returns."""
        if method == "decision_function":
            return self.decision(X)
        labels, proba = self.classify(X)
        return proba if method == "predict_proba" else labels

    def classify(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(labels or values, probabilities or None), each from one pass over the scores."""
        s = self.scores(X)
        kind = self.kind
        if kind == "regression":
            values = s[:, 0] if s.ndim == 2 else s
            return (np.exp(values) if self.link == "log" else values), None
        if kind == "proba":  # trees, forests, a softmax MLP: predict is the argmax of predict_proba
            return self.classes[np.argmax(s, axis=1)], s
        if kind == "threshold_half":  # a binary MLP: its one logistic output, the label above 0.5
            p = s.ravel()
            return self.classes[(p > 0.5).astype(np.intp)], _two_columns(p)
        if kind == "log_proba":  # naive Bayes: the joint log-likelihood, normalised by log-sum-exp
            return self.classes[np.argmax(s, axis=1)], np.exp(s - logsumexp(s)[:, None])
        if kind == "votes":  # a kernel SVM: one-vs-one votes, the first class with the most winning
            return self.classes[np.argmax(_ovo_votes(s, len(self.classes)), axis=1)], None
        # decision scores: linear models and boosting
        binary = s.ndim == 1 or s.shape[1] == 1
        d = s.ravel() if binary else s
        if kind in ("decision", "modified_huber"):  # linear SVMs, perceptrons, SGD: a positive score, or argmax
            labels = self.classes[(d > 0).astype(np.intp) if binary else np.argmax(d, axis=1)]
            # no probabilities where scikit-learn gives none; modified Huber's clipped scores
            return labels, (_modified_huber(d, binary) if kind == "modified_huber" else None)
        if kind == "linear_ovr":
            if binary:
                proba = _two_columns(expit(d))
            else:
                proba = expit(d)
                proba /= proba.sum(axis=1).reshape((proba.shape[0], -1))
        elif binary:  # multinomial logistic regression on two classes, boosting: expit of the score
            proba = softmax(np.c_[-d, d]) if kind == "linear_softmax" else _two_columns(expit(d))
        else:
            proba = softmax(d.copy())
        if binary:
            # LogisticRegression and HistGradientBoosting take score > 0; GradientBoosting >= 0
            positive = d >= 0 if kind == "boosting_ge" else d > 0
            return self.classes[positive.astype(np.intp)], proba
        return self.classes[np.argmax(d, axis=1)], proba


def _ovo_votes(dec: np.ndarray, n_classes: int) -> np.ndarray:
    """libsvm's votes: pair (i, j) votes for i when its value is positive, else for j."""
    votes = np.zeros((len(dec), n_classes))
    p = 0
    for i in range(n_classes):
        for j in range(i + 1, n_classes):
            votes[:, i] += dec[:, p] > 0
            votes[:, j] += ~(dec[:, p] > 0)
            p += 1
    return votes


def _ovr_decision(dec: np.ndarray, n_classes: int) -> np.ndarray:
    """scikit-learn's ``_ovr_decision_function(dec < 0, -dec, n_classes)``: votes plus the summed
    confidences squashed below one third."""
    votes = np.zeros((len(dec), n_classes))
    confidence = np.zeros((len(dec), n_classes))
    k = 0
    for i in range(n_classes):
        for j in range(i + 1, n_classes):
            confidence[:, i] -= -dec[:, k]
            confidence[:, j] += -dec[:, k]
            votes[~(dec[:, k] < 0), i] += 1
            votes[dec[:, k] < 0, j] += 1
            k += 1
    return votes + confidence / (3 * (np.abs(confidence) + 1))


def _modified_huber(d: np.ndarray, binary: bool) -> np.ndarray:
    prob = (np.clip(d, -1, 1) + 1.0) / 2.0
    if binary:
        return _two_columns(prob)
    total = prob.sum(axis=1)
    flat = total == 0  # every class clipped to zero: uniform, as scikit-learn does
    prob[flat, :] = 1
    total[flat] = prob.shape[1]
    return prob / total.reshape((prob.shape[0], -1))


def linear(node: dict[str, Any], arrays: Arrays) -> Estimator:
    """Linear models, and what is linear in its input: discrete naive Bayes (BernoulliNB binarizes
    the input first, as its ``predict`` does)."""
    coef, intercept = arrays[node["coef"]], arrays[node["intercept"]]
    threshold = node.get("binarize")

    def scores(X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if threshold is not None:
            X = (X > threshold).astype(np.float64)
        return X @ coef.T + intercept

    return Estimator(node, arrays, scores)


def forest(node: dict[str, Any], arrays: Arrays) -> Estimator:
    trees = forest_from_arrays(arrays, node["trees"])
    columns = np.ascontiguousarray(arrays[node["values"]].T)  # one row per output
    estimator = Estimator(node, arrays, lambda X: mean_of_trees(trees, columns, X))
    estimator.forest = trees  # what an explanation walks
    return estimator


def boosting(node: dict[str, Any], arrays: Arrays) -> Estimator:
    trees, values = forest_from_arrays(arrays, node["trees"]), arrays[node["values"]]
    start, scale = arrays[node["start"]], float(node["scale"])
    if len(trees.roots) % len(start):
        raise ValueError("portable spec: boosting trees do not fill whole stages")
    estimator = Estimator(node, arrays, lambda X: boosted_sum(trees, values, scale, start, X))
    estimator.forest = trees  # what an explanation walks
    return estimator


def logsumexp(a: np.ndarray) -> np.ndarray:
    """scipy.special.logsumexp along rows, as it computes it: the row maximum taken out first."""
    top = np.amax(a, axis=1, keepdims=True)
    top[~np.isfinite(top)] = 0
    with np.errstate(divide="ignore"):
        return np.log(np.sum(np.exp(a - top), axis=1)) + top[:, 0]


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0, out=x)


#: scikit-learn's MLP activations (sklearn.neural_network._base.ACTIVATIONS), in place.
ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "identity": lambda x: x, "logistic": expit, "tanh": lambda x: np.tanh(x, out=x), "relu": _relu,
    "softmax": softmax, "exp": lambda x: np.exp(x, out=x),  # exp: the Poisson loss's output (1.7 and later)
}


def mlp(node: dict[str, Any], arrays: Arrays) -> Estimator:
    """MLPClassifier and MLPRegressor: ``_forward_pass_fast``, layer by layer."""
    layers = [(arrays[layer["coef"]], arrays[layer["intercept"]]) for layer in node["layers"]]
    hidden, out = ACTIVATIONS[node["activation"]], ACTIVATIONS[node["out_activation"]]

    def scores(X: np.ndarray) -> np.ndarray:
        a = np.asarray(X, dtype=np.float64)
        for i, (coef, intercept) in enumerate(layers):
            a = a @ coef
            a += intercept
            if i != len(layers) - 1:
                a = hidden(a)
        return out(a)

    return Estimator(node, arrays, scores)


def gaussian_nb(node: dict[str, Any], arrays: Arrays) -> Estimator:
    """GaussianNB's ``_joint_log_likelihood``, class by class, summed in its order."""
    prior, theta, var = arrays[node["prior"]], arrays[node["theta"]], arrays[node["var"]]

    def scores(X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        columns = []
        for i in range(len(prior)):
            n_ij = -0.5 * np.sum(np.log(2.0 * np.pi * var[i, :]))
            n_ij = n_ij - 0.5 * np.sum(((X - theta[i, :]) ** 2) / (var[i, :]), 1)
            columns.append(np.log(prior[i]) + n_ij)
        return np.array(columns).T

    return Estimator(node, arrays, scores)


def _kernel(node: dict[str, Any], X: np.ndarray, sv: np.ndarray) -> np.ndarray:
    """libsvm's ``k_function`` between each row and each support vector (rbf: the squared
    differences summed, not the expanded dot products, as libsvm computes it)."""
    gamma, coef0, degree = node["gamma"], node["coef0"], node["degree"]
    if node["kernel"] == "rbf":
        out = np.empty((len(X), len(sv)))
        for start in range(0, len(X), 512):  # rows x vectors x features at a time: bounded memory
            d = X[start:start + 512, None, :] - sv[None, :, :]
            out[start:start + 512] = np.exp(-gamma * np.einsum("ijk,ijk->ij", d, d))
        return out
    dot = X @ sv.T
    if node["kernel"] == "linear":
        return dot
    if node["kernel"] == "poly":
        return (gamma * dot + coef0) ** degree
    return np.tanh(gamma * dot + coef0)


def svm(node: dict[str, Any], arrays: Arrays) -> Estimator:
    """SVC, NuSVC, SVR, NuSVR as libsvm's ``svm_predict_values``: each pair of classes (i, j) sums
    its coefficients times the kernel over both classes' support vectors, adds the intercept, and
    votes for i when positive, else for j. The scores are those values; a regressor's is the sum."""
    sv, coef, intercept = arrays[node["support_vectors"]], arrays[node["dual_coef"]], arrays[node["intercept"]]
    counts = node["n_support"]
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(int)

    def scores(X: np.ndarray) -> np.ndarray:
        K = _kernel(node, np.asarray(X, dtype=np.float64), sv)
        if node["kind"] == "regression":
            return K @ coef[0] + intercept[0]
        dec = np.empty((len(K), len(intercept)))
        p = 0
        for i in range(len(counts)):
            for j in range(i + 1, len(counts)):
                si, sj = slice(starts[i], starts[i + 1]), slice(starts[j], starts[j + 1])
                dec[:, p] = K[:, si] @ coef[j - 1, si] + K[:, sj] @ coef[i, sj] + intercept[p]
                p += 1
        return dec  # libsvm's decision values, one per pair of classes

    return Estimator(node, arrays, scores)


BUILDERS: dict[str, Callable[[dict[str, Any], Arrays], Estimator]] = {
    "linear": linear, "forest": forest, "boosting": boosting, "mlp": mlp, "gaussian_nb": gaussian_nb, "svm": svm,
}


def build(node: dict[str, Any], arrays: Arrays) -> Estimator:
    """The estimator for the spec's final node (or an ensemble's member)."""
    from .ensembles import BUILDERS as ensembles  # they build their members through this function

    op = node.get("op")
    if op in ensembles:
        return ensembles[op](node, arrays)
    if op not in BUILDERS:
        raise ValueError(f"portable spec: unknown estimator {op!r}")
    return BUILDERS[op](node, arrays)
