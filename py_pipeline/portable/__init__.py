"""The portable engine: a fitted pipeline as a JSON spec plus one flat array buffer, run by numpy.

``engine`` loads and runs a spec (numpy only, no unpickling); ``transforms``, ``estimators`` and
``trees`` hold the numpy arithmetic of each step; ``export`` (build time, needs scikit-learn)
writes a spec from a fitted pipeline.
"""
