"""Exporters of model families (build time, needs scikit-learn): linear models, small neural
networks, naive Bayes, SVMs, and steps that remap values (``value_steps.py``). Each writes what
``estimators.py`` needs to answer as the estimator's own ``predict`` and ``predict_proba`` do;
``export.EXPORTERS`` lists them."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .spec_parts import Buffer, NotPortable, _classes, _name

#: The activations scikit-learn's MLPs use, as ``estimators.ACTIVATIONS`` runs them.
ACTIVATIONS = ("identity", "logistic", "tanh", "relu", "softmax", "exp")


def _linear(est: Any, buf: Buffer) -> dict[str, Any]:
    if np.ndim(est.coef_) != 1:
        raise NotPortable(f"{_name(est)} has several outputs; only single-output models are portable")
    return {"op": "linear", "kind": "regression", "coef": buf.put(est.coef_),
            "intercept": buf.put(np.asarray(est.intercept_, dtype=np.float64))}


def _logistic(est: Any, buf: Buffer) -> dict[str, Any]:
    # scikit-learn 1.8 removed multi_class: two classes are one-vs-rest, more are softmax
    multi = getattr(est, "multi_class", None)
    ovr = multi in ("ovr", "warn") or (multi in ("auto", "deprecated", None) and
                                      (len(est.classes_) <= 2 or (multi is not None and est.solver == "liblinear")))
    return {"op": "linear", "kind": "linear_ovr" if ovr else "linear_softmax", "classes": _classes(est),
            "coef": buf.put(est.coef_), "intercept": buf.put(np.asarray(est.intercept_, dtype=np.float64))}


def _mlp(est: Any, buf: Buffer) -> dict[str, Any]:
    """MLPClassifier and MLPRegressor: the layers' weights and biases, the hidden and output
    activations. A binary classifier has one logistic output (label: above 0.5), a multiclass
    one a softmax (label: its argmax), a regressor an identity output."""
    from sklearn.base import is_classifier

    binarizer = getattr(est, "_label_binarizer", None)
    if binarizer is not None and binarizer.y_type_ == "multilabel-indicator":
        raise NotPortable(f"{_name(est)} fitted on several labels per row is not portable")
    if est.activation not in ACTIVATIONS or est.out_activation_ not in ACTIVATIONS:
        raise NotPortable(f"{_name(est)} with activation {est.activation!r} is not portable")
    layers = [{"coef": buf.put(c), "intercept": buf.put(b)} for c, b in zip(est.coefs_, est.intercepts_)]
    node = {"op": "mlp", "layers": layers, "activation": est.activation, "out_activation": est.out_activation_}
    if not is_classifier(est):
        if est.n_outputs_ != 1:
            raise NotPortable(f"{_name(est)} has several outputs; only single-output models are portable")
        return {**node, "kind": "regression"}
    kind = "threshold_half" if est.out_activation_ == "logistic" else "proba"
    return {**node, "kind": kind, "classes": _classes(est)}


def _gaussian_nb(est: Any, buf: Buffer) -> dict[str, Any]:
    """GaussianNB: each class's prior, means and variances; the joint log-likelihood as
    ``_joint_log_likelihood`` sums it, probabilities through its log-sum-exp."""
    return {"op": "gaussian_nb", "kind": "log_proba", "classes": _classes(est),
            "prior": buf.put(est.class_prior_), "theta": buf.put(est.theta_), "var": buf.put(est.var_)}


def _linear_svc(est: Any, buf: Buffer) -> dict[str, Any]:
    """LinearSVC: a decision function, no probabilities (scikit-learn gives none); binary: a
    positive score is the second class, else the argmax, one-vs-rest."""
    return {"op": "linear", "kind": "decision", "classes": _classes(est), "coef": buf.put(est.coef_),
            "intercept": buf.put(np.asarray(est.intercept_, dtype=np.float64))}


#: Rows of ``export.EXPORTERS``: (module, class, role, how to export a fitted one).
FAMILIES: list[tuple[str, str, str, Callable[[Any, Buffer], dict[str, Any]]]] = [
    ("sklearn.neural_network", "MLPClassifier", "estimator", _mlp),
    ("sklearn.neural_network", "MLPRegressor", "estimator", _mlp),
    ("sklearn.naive_bayes", "GaussianNB", "estimator", _gaussian_nb),
    ("sklearn.svm", "LinearSVC", "estimator", _linear_svc),
]


def _svm(est: Any, buf: Buffer) -> dict[str, Any]:
    """SVC, NuSVC, SVR, NuSVR: the support vectors, their dual coefficients and intercepts, and
    the kernel, as libsvm's ``svm_predict_values`` uses them (a classifier's label by one-vs-one
    votes, the first class with the most on a tie)."""
    from sklearn.base import is_classifier

    if est.kernel not in ("linear", "poly", "rbf", "sigmoid"):
        raise NotPortable(f"{_name(est)} with kernel {est.kernel!r} is not portable")
    # scikit-learn 1.9 deprecated the parameter: its default is the string "deprecated", meaning False
    if is_classifier(est) and est.probability not in (False, "deprecated"):
        raise NotPortable(f"{_name(est)}(probability=True) is not portable: its probabilities come from libsvm's "
                          "pairwise coupling, which the portable engine does not reproduce; fit it with "
                          "probability=False, or it keeps the scikit-learn engine")
    if is_classifier(est) and est.break_ties:
        raise NotPortable(f"{_name(est)}(break_ties=True) is not portable")
    node = {"op": "svm", "kernel": est.kernel, "gamma": float(est._gamma), "coef0": float(est.coef0),
            "degree": int(est.degree), "support_vectors": buf.put(est.support_vectors_),
            "dual_coef": buf.put(est._dual_coef_), "intercept": buf.put(est._intercept_),
            "n_support": [int(n) for n in est._n_support]}
    if not is_classifier(est):
        return {**node, "kind": "regression"}
    return {**node, "kind": "votes", "classes": _classes(est)}


FAMILIES += [(("sklearn.svm", name, "estimator", _svm)) for name in ("SVC", "NuSVC", "SVR", "NuSVR")]


def _discrete_nb(est: Any, buf: Buffer) -> dict[str, Any]:
    """MultinomialNB, ComplementNB, BernoulliNB: the joint log-likelihood is linear in the (for
    Bernoulli, binarized) input: its weights and offset computed here as ``_joint_log_likelihood``
    computes them on each call."""
    log_prob = np.asarray(est.feature_log_prob_, dtype=np.float64)
    name = _name(est)
    binarize = None
    if name == "BernoulliNB":
        neg_prob = np.log(1 - np.exp(log_prob))
        weights, offset = log_prob - neg_prob, est.class_log_prior_ + neg_prob.sum(axis=1)
        binarize = None if est.binarize is None else float(est.binarize)
    elif name == "ComplementNB":
        weights = log_prob
        offset = est.class_log_prior_ if len(est.classes_) == 1 else np.zeros(len(est.classes_))
    else:
        weights, offset = log_prob, est.class_log_prior_
    return {"op": "linear", "kind": "log_proba", "classes": _classes(est), "coef": buf.put(weights),
            "intercept": buf.put(np.asarray(offset, dtype=np.float64)), "binarize": binarize}


def _sgd(est: Any, buf: Buffer) -> dict[str, Any]:
    """SGDClassifier, Perceptron, RidgeClassifier, PassiveAggressiveClassifier: a linear decision function. Probabilities as
    ``predict_proba`` gives them: log-loss one-vs-rest, modified Huber's clipped scores; none for
    the other losses (scikit-learn gives none)."""
    kind = {"log_loss": "linear_ovr", "modified_huber": "modified_huber"}.get(getattr(est, "loss", None), "decision")
    return {"op": "linear", "kind": kind, "classes": _classes(est), "coef": buf.put(est.coef_),
            "intercept": buf.put(np.atleast_1d(np.asarray(est.intercept_, dtype=np.float64)))}


#: Regressors whose predict is ``X @ coef_ + intercept_`` whatever their fit (StackingRegressor's
#: default final estimator is a RidgeCV)
LINEAR_REGRESSORS = ("RidgeCV", "Lasso", "LassoCV", "ElasticNet", "ElasticNetCV", "Lars", "LassoLars", "LassoLarsCV",
                     "LassoLarsIC", "BayesianRidge", "ARDRegression", "HuberRegressor", "QuantileRegressor",
                     "TheilSenRegressor", "OrthogonalMatchingPursuit")


FAMILIES += [("sklearn.linear_model", name, "estimator", _linear) for name in LINEAR_REGRESSORS]
FAMILIES += [("sklearn.linear_model", "LogisticRegressionCV", "estimator", _logistic),
             ("sklearn.linear_model", "RidgeClassifierCV", "estimator", _sgd)]
FAMILIES += [("sklearn.naive_bayes", name, "estimator", _discrete_nb)
             for name in ("MultinomialNB", "ComplementNB", "BernoulliNB")]
FAMILIES += [("sklearn.linear_model", name, "estimator", _sgd)
             for name in ("SGDClassifier", "Perceptron", "RidgeClassifier", "PassiveAggressiveClassifier")]


def _bins(est: Any, buf: Buffer) -> dict[str, Any]:
    """KBinsDiscretizer: the bin edges; one-hot output as its own encoder's step after the codes."""
    from .export import _one_hot

    node = {"op": "bins", "edges": [buf.put(np.asarray(e, dtype=np.float64)) for e in est.bin_edges_]}
    if est.encode == "ordinal":
        return node
    encoder = _one_hot(est._encoder)
    # transform encodes with the codes' own dtype, whatever the encoder was built with
    encoder["dtype"] = np.dtype(est.dtype or np.float64).str
    return {"op": "pipeline", "steps": [node, encoder]}


def _power(est: Any, buf: Buffer) -> dict[str, Any]:
    """PowerTransformer (Yeo-Johnson), then its standard scaler when ``standardize``."""
    from sklearn.preprocessing import PowerTransformer

    if est.method != "yeo-johnson":
        raise NotPortable(f"PowerTransformer(method={est.method!r}) is not portable (it refuses rows that are not "
                          "positive, one by one); method='yeo-johnson' is")
    # scikit-learn 1.8 moved the formula to scipy.stats.yeojohnson (expm1 and log1p)
    form = "power" if hasattr(PowerTransformer, "_yeo_johnson_transform") else "expm1"
    node = {"op": "yeo_johnson", "lambdas": buf.put(est.lambdas_), "form": form}
    if not est.standardize:
        return node
    scaler = est._scaler
    return {"op": "pipeline", "steps": [node, {"op": "center_scale", "center": buf.put(scaler.mean_),
                                               "scale": buf.put(scaler.scale_)}]}


def _quantile(est: Any, buf: Buffer) -> dict[str, Any]:
    if est.output_distribution != "uniform":
        raise NotPortable("QuantileTransformer(output_distribution='normal') is not portable: it needs the normal "
                          "distribution's inverse (scipy.special.ndtri); output_distribution='uniform' is")
    return {"op": "quantile_uniform", "quantiles": buf.put(est.quantiles_), "references": buf.put(est.references_)}


FAMILIES += [
    ("sklearn.preprocessing", "Normalizer", "exact step", lambda est, buf: {"op": "normalizer", "norm": est.norm}),
    ("sklearn.preprocessing", "Binarizer", "exact step",
     lambda est, buf: {"op": "binarizer", "threshold": float(est.threshold)}),
    ("sklearn.preprocessing", "KBinsDiscretizer", "exact step", _bins),
    ("sklearn.preprocessing", "PowerTransformer", "exact step", _power),
    ("sklearn.preprocessing", "QuantileTransformer", "exact step", _quantile),
]
