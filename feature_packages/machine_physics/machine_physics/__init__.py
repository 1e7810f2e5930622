"""Physics features of machine sensor readings, for the machine-failure models.

``functions`` holds the arithmetic (numpy only, registered for the portable engine);
``steps`` holds the scikit-learn transformer a pipeline is fitted with (imports scikit-learn).
"""

from .functions import PHYSICS_INPUTS, PHYSICS_OUTPUTS, physics_features

__all__ = ["PHYSICS_INPUTS", "PHYSICS_OUTPUTS", "physics_features"]
