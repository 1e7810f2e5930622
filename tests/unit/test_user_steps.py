"""Your own steps on the portable engine (py_pipeline/portable/user_steps.py): a registered numpy
function and a transformer of the portable-step protocol export with their fitted state, run with
scikit-learn's answers, and say where each output column comes from; nothing unregistered runs."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from py_pipeline import Feature, Schema
from py_pipeline.portable import portable_function
from py_pipeline.portable.engine import PortableEngine, spec_bytes
from py_pipeline.portable.export import NotPortable, export
from py_pipeline.portable.user_steps import lookup

SCHEMA = Schema((Feature("a", minimum=0, maximum=100), Feature("b", minimum=0, maximum=100),
                 Feature("c", minimum=0, maximum=100)))
RNG = np.random.default_rng(3)
X = RNG.uniform(0, 100, (300, 3))
Y = np.where(X[:, 0] * X[:, 1] > 2500, "hot", "cold")


@portable_function(sources=lambda n: [[j] for j in range(n)] + [[0, 1]])
def with_product(X):
    X = np.asarray(X, dtype=float)
    return np.hstack([X, X[:, :1] * X[:, 1:2]])


@portable_function()
def clip_high(X, *, high, scale=1.0):
    return np.minimum(np.asarray(X, dtype=float), high) * scale


class ClipOutliers(TransformerMixin, BaseEstimator):
    """A notebook's transformer: a fitted quantile per column (an array) and a plain number."""

    def __init__(self, quantile=0.9, scale=2.0):
        self.quantile, self.scale = quantile, scale

    def fit(self, X, y=None):
        self.high_ = np.quantile(np.asarray(X, dtype=float), self.quantile, axis=0)
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def transform(self, X):
        return clip_high(X, high=self.high_, scale=self.scale)

    def portable_step(self):
        return clip_high, {"high": self.high_, "scale": self.scale}


def test_registered_steps_export_with_their_state_and_match_scikit_learn():
    pipeline = make_pipeline(ClipOutliers(), FunctionTransformer(with_product), StandardScaler(),
                             LogisticRegression()).fit(X, Y)
    spec, buffer = export(pipeline, SCHEMA)
    clip, product = spec["transforms"][:2]
    assert clip["name"] == f"{__name__}.clip_high" and clip["kw_args"] == {"scale": 2.0}
    assert set(clip["array_args"]) == {"high"} and clip["sources"] == [[0], [1], [2]]
    assert product["sources"] == [[0], [1], [2], [0, 1]]
    labels, proba = PortableEngine.from_bytes(spec_bytes(spec), buffer).classify(X)
    assert (labels == pipeline.predict(X)).all()
    assert np.abs(proba - pipeline.predict_proba(X)).max() <= 1e-12


def test_an_unregistered_function_is_not_portable_and_says_what_to_do():
    def ratio(X):
        return X[:, :1] / (X[:, 1:2] + 1)

    pipeline = make_pipeline(FunctionTransformer(ratio), LogisticRegression()).fit(X, Y)
    with pytest.raises(NotPortable, match="not registered for the portable engine: decorate it with "
                                          "@py_pipeline.portable.portable_function"):
        export(pipeline, SCHEMA)


def test_state_that_is_not_numbers_or_json_is_refused():
    class Odd(ClipOutliers):
        def portable_step(self):
            return clip_high, {"high": object()}

    with pytest.raises(NotPortable, match="argument 'high' is object, not a number array or plain JSON"):
        export(make_pipeline(Odd(), LogisticRegression()).fit(X, Y), SCHEMA)


def test_a_spec_calls_only_registered_functions():
    with pytest.raises(ValueError, match="os.system is not a registered function"):
        lookup("os.system", "os")  # the standard library is never imported for a spec
    with pytest.raises(ValueError, match="py_pipeline.files.write_atomic is not a registered function"):
        lookup("py_pipeline.files.write_atomic", "py_pipeline.files")
    with pytest.raises(ModuleNotFoundError, match="needs module no_such_features.steps, which is not installed"):
        lookup("no_such_features.steps.f", "no_such_features.steps")
    assert lookup("numpy.log1p").function is np.log1p


def test_a_function_answering_other_columns_than_it_declares_is_caught_when_it_runs():
    spec, buffer = export(make_pipeline(FunctionTransformer(with_product), LogisticRegression()).fit(X, Y), SCHEMA)
    spec["transforms"][0]["sources"] = spec["transforms"][0]["sources"][:3]  # declares 3 columns, answers 4
    with pytest.raises(ValueError, match="answered shape \\(300, 4\\) for 300 rows; its spec declares 3"):
        PortableEngine.from_bytes(spec_bytes(spec), buffer).predict(X)
