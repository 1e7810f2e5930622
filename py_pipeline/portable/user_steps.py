"""Your own steps on the portable engine: numpy functions registered by name, and transformers
that name the registered function (with their fitted state) that reproduces their ``transform``.

A spec can call only a registered function: nothing else it names runs, and nothing is
unpickled. Keep registered functions in a module that imports numpy alone (not scikit-learn),
so the browser loads nothing heavier to run them::

    # my_features/functions.py: numpy only
    from py_pipeline.portable import portable_function

    @portable_function(sources=lambda n: [[i] for i in range(n)] + [[0, 1]])
    def with_ratio(X):                      # the inputs, then input 0 over input 1
        return np.hstack([X, X[:, :1] / X[:, 1:2]])

    @portable_function()                    # elementwise: output j comes from input j
    def clip(X, *, low, high):
        return np.clip(X, low, high)

    # my_features/steps.py: the scikit-learn transformer a notebook fits
    class ClipOutliers(TransformerMixin, BaseEstimator):
        def fit(self, X, y=None): ...       # sets low_ and high_ (arrays)
        def transform(self, X):
            return clip(np.asarray(X, dtype=float), low=self.low_, high=self.high_)
        def portable_step(self):            # the protocol: a registered function and its state
            return clip, {"low": self.low_, "high": self.high_}

``FunctionTransformer(with_ratio)`` and ``FunctionTransformer(np.log1p)`` export alike. The
export checks every step against the fitted pipeline's own answers, as for scikit-learn's steps.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from typing import Any, Callable, Protocol, Union

import numpy as np

#: Which input columns each output column comes from: output j from input j.
ELEMENTWISE = "elementwise"
#: ``ELEMENTWISE``, or a function of the input width that lists, for each output column, the input
#: columns it is computed from.
Sources = Union[str, Callable[..., list[list[int]]]]


@dataclass(frozen=True)
class PortableFunction:
    """A registered function: its name in a spec, the function, where its outputs come from."""

    name: str
    function: Callable[..., Any]
    sources: Sources

    def sources_for(self, n_inputs: int) -> list[list[int]]:
        """Each output column's input columns, for a step with ``n_inputs`` input columns."""
        if self.sources == ELEMENTWISE:
            return [[j] for j in range(n_inputs)]
        listed = self.sources(n_inputs)  # type: ignore[operator]
        if not all(isinstance(s, (list, tuple)) and all(isinstance(i, int) and 0 <= i < n_inputs for i in s)
                   for s in listed):
            raise ValueError(f"{self.name}: sources must list, for each output column, input column indices "
                             f"below {n_inputs}")
        return [list(s) for s in listed]


#: name -> registered function. Filled by :func:`portable_function` as modules are imported.
REGISTERED: dict[str, PortableFunction] = {}


def function_name(fn: Any) -> str:
    """The name a spec calls ``fn`` by: ``module.qualified_name`` (numpy's ufuncs: ``numpy.log1p``)."""
    module = getattr(fn, "__module__", None) or type(fn).__module__  # ufuncs have no __module__
    return f"{module}.{getattr(fn, '__qualname__', None) or getattr(fn, '__name__', type(fn).__name__)}"


def portable_function(fn: Callable[..., Any] | None = None, *, sources: Sources = ELEMENTWISE) -> Any:
    """Register ``fn(X, **kwargs) -> array`` for the portable engine (as a decorator, with or
    without arguments). ``X`` is a 2-D float array; the answer must be 2-D, one column per entry
    of ``sources``. Answers the function unchanged."""
    if sources != ELEMENTWISE and not callable(sources):
        raise TypeError(f"sources must be {ELEMENTWISE!r} or a function of the input width, got {sources!r}")

    def register(f: Callable[..., Any]) -> Callable[..., Any]:
        name = function_name(f)
        REGISTERED[name] = PortableFunction(name, f, sources)  # a module imported again: the new one
        return f

    return register(fn) if fn is not None else register


class PortableStep(Protocol):
    """A transformer the portable engine runs: :meth:`portable_step` answers a registered function
    and the keyword arguments (its fitted state: numbers, strings, lists or numpy arrays) with
    which that function reproduces the transformer's ``transform``."""

    def portable_step(self) -> tuple[Callable[..., Any], dict[str, Any]]: ...


def lookup(name: str, module: str | None = None) -> PortableFunction:
    """The registered function ``name``; ``module`` (the spec's) is imported first when the name is
    not registered yet. A spec never imports the standard library or calls what is not registered."""
    if name not in REGISTERED and module and name.startswith(module + "."):
        top = module.split(".")[0]
        if top in sys.stdlib_module_names or top == "py_pipeline":
            raise ValueError(f"portable spec: {name} is not a registered function")
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise ModuleNotFoundError(f"portable spec: {name} needs module {module}, which is not installed "
                                      f"here ({exc})", name=exc.name) from None
    if name not in REGISTERED:
        raise ValueError(f"portable spec: {name} is not a registered function (only functions registered "
                         "with py_pipeline.portable.portable_function run)")
    return REGISTERED[name]


# numpy's own, as a FunctionTransformer calls them (np.log1p, np.clip with its kw_args, ...): the
# very same functions run, so the answers are numpy's
for _name in ("log1p", "expm1", "log", "log2", "log10", "exp", "sqrt", "square", "absolute", "clip", "tanh"):
    REGISTERED[f"numpy.{_name}"] = PortableFunction(f"numpy.{_name}", getattr(np, _name), ELEMENTWISE)
