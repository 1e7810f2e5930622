"""The portable engine: a fitted pipeline as a JSON spec plus one flat array buffer, run by numpy.

``engine`` loads and runs a spec (numpy only, no unpickling); ``transforms``, ``estimators`` and
``trees`` hold the numpy arithmetic of each step; ``user_steps`` registers your own numpy steps;
``export`` (build time, needs scikit-learn) writes a spec from a fitted pipeline.
"""

from .user_steps import ELEMENTWISE, PortableStep, portable_function

__all__ = ["ELEMENTWISE", "PortableStep", "portable_function"]
