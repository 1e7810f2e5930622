"""The physics features as numpy functions: the arithmetic of the ``PhysicsFeatures`` step.

Only numpy (and the registration decorator) is imported, so the portable engine in the browser
runs them without scikit-learn.
"""

from __future__ import annotations

import numpy as np

from py_pipeline.portable import portable_function

RAD_PER_S_PER_RPM = 2.0 * np.pi / 60.0

#: Input columns the physics step expects, in order.
PHYSICS_INPUTS = ("air_temperature_k", "process_temperature_k", "rotational_speed_rpm", "torque_nm", "tool_wear_min")
#: Columns it adds after the inputs.
PHYSICS_OUTPUTS = ("temperature_difference_k", "mechanical_power_w", "strain_min_nm")


def temperature_difference(air_k: np.ndarray, process_k: np.ndarray) -> np.ndarray:
    """Process minus air temperature [K]: low values mean poor heat dissipation."""
    return np.asarray(process_k, dtype=np.float64) - np.asarray(air_k, dtype=np.float64)


def mechanical_power(torque_nm: np.ndarray, speed_rpm: np.ndarray) -> np.ndarray:
    """Mechanical power [W] = torque [Nm] x angular speed [rad/s]."""
    return np.asarray(torque_nm, dtype=np.float64) * np.asarray(speed_rpm, dtype=np.float64) * RAD_PER_S_PER_RPM


def strain(tool_wear_min: np.ndarray, torque_nm: np.ndarray) -> np.ndarray:
    """Tool strain [min Nm] = tool wear [min] x torque [Nm] (overstrain indicator)."""
    return np.asarray(tool_wear_min, dtype=np.float64) * np.asarray(torque_nm, dtype=np.float64)


def _physics_sources(n_inputs: int) -> list[list[int]]:
    # the five inputs pass through; then (air, process), (speed, torque), (wear, torque)
    return [[j] for j in range(n_inputs)] + [[0, 1], [2, 3], [3, 4]]


@portable_function(sources=_physics_sources)
def physics_features(X: np.ndarray) -> np.ndarray:
    """The five inputs (``PHYSICS_INPUTS`` order) followed by the three derived features."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != len(PHYSICS_INPUTS):
        raise ValueError(f"expected a 2-D array with {len(PHYSICS_INPUTS)} columns "
                         f"({', '.join(PHYSICS_INPUTS)}), got shape {X.shape}")
    air, process, speed, torque, wear = X.T
    derived = np.column_stack([temperature_difference(air, process), mechanical_power(torque, speed),
                               strain(wear, torque)])
    return np.hstack([X, derived])
