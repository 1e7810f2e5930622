"""A machine-failure table in the style of the AI4I 2020 predictive-maintenance dataset.

The generating rules follow the dataset's description in S. Matzka, "Explainable Artificial
Intelligence for Predictive Maintenance Applications", Third International Conference on
Artificial Intelligence for Industries (AI4I 2020), pp. 69-74, IEEE, 2020
(doi:10.1109/AI4I49448.2020.00023), and the UCI Machine Learning Repository entry
"AI4I 2020 Predictive Maintenance Dataset":

* product quality type L, M, H with shares 50 %, 30 %, 20 %;
* air temperature [K]: a random walk around 300 K with standard deviation 2 K;
* process temperature [K]: air temperature + 10 K plus a random walk with standard deviation 1 K;
* rotational speed [rpm]: from a power of 2860 W, overlaid with normal noise (here: a linear
  speed-torque curve through 1538 rpm at 40 Nm with 90 rpm noise, as the original's
  speed-torque correlation of about -0.88 suggests);
* torque [Nm]: normal around 40 Nm with standard deviation 10 Nm, never negative;
* tool wear [min]: grows by 5 / 3 / 2 minutes per process for H / M / L; the tool is replaced
  at a random wear between 200 and 240 min.

Failure modes (a process fails if any mode applies):

* TWF tool wear failure: at the replacement wear (200-240 min) the tool fails instead of
  being replaced, in 51 of 120 cases in the original;
* HDF heat dissipation failure: air-process temperature difference below 8.6 K and speed
  below 1380 rpm;
* PWF power failure: torque x angular speed below 3500 W or above 9000 W;
* OSF overstrain failure: tool wear x torque above 11,000 (L), 12,000 (M), 13,000 (H) min Nm;
* RNF random failure: 0.1 % chance per process, whatever the readings.

Exact noise parameters for speed are not published; the choices below reproduce the
dataset's ranges (speed about 1170-2890 rpm, torque 3.8-77 Nm) and failure share (~3-4 %).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

TYPES = ("L", "M", "H")
TYPE_SHARES = (0.5, 0.3, 0.2)
WEAR_PER_PROCESS = {"L": 2, "M": 3, "H": 5}
OVERSTRAIN_LIMIT = {"L": 11_000.0, "M": 12_000.0, "H": 13_000.0}
SPEED_PER_NM = 14.0  # rpm lost per Nm of torque (fit to the original's speed-torque correlation)
MODES = ("TWF", "HDF", "PWF", "OSF", "RNF")
#: Failure-type label when several modes apply at once: the first in this order.
MODE_PRIORITY = ("PWF", "OSF", "HDF", "TWF", "RNF")


@dataclass(frozen=True)
class MachineTable:
    """The generated table as columns."""

    product_type: np.ndarray  # str
    air_temperature_k: np.ndarray
    process_temperature_k: np.ndarray
    rotational_speed_rpm: np.ndarray
    torque_nm: np.ndarray
    tool_wear_min: np.ndarray
    modes: dict[str, np.ndarray]  # mode -> bool per row

    @property
    def machine_failure(self) -> np.ndarray:
        return np.any(np.column_stack([self.modes[m] for m in MODES]), axis=1)

    @property
    def failure_type(self) -> np.ndarray:
        """One label per row: "none" or the highest-priority mode that applies."""
        labels = np.full(len(self.torque_nm), "none", dtype=object)
        for mode in reversed(MODE_PRIORITY):
            labels[self.modes[mode]] = mode
        return labels.astype(str)

    def rows(self) -> list[list]:
        """Rows in model-schema order: type, air, process, speed, torque, wear."""
        return [[t, float(a), float(p), float(s), float(q), int(w)] for t, a, p, s, q, w in zip(
            self.product_type, self.air_temperature_k, self.process_temperature_k, self.rotational_speed_rpm,
            self.torque_nm, self.tool_wear_min)]

    def fingerprint(self) -> str:
        """sha256 over every column, to record which data a model was trained on."""
        h = hashlib.sha256()
        for column in (self.product_type.astype("U1"), self.air_temperature_k, self.process_temperature_k,
                       self.rotational_speed_rpm, self.torque_nm, self.tool_wear_min,
                       *(self.modes[m] for m in MODES)):
            h.update(np.ascontiguousarray(column).tobytes())
        return h.hexdigest()


def generate(n: int = 10_000, seed: int = 2020) -> MachineTable:
    """Generate ``n`` processes deterministically from ``seed``."""
    rng = np.random.default_rng(seed)
    product_type = rng.choice(np.array(TYPES), size=n, p=TYPE_SHARES)

    # Temperatures: slow random walks (mean-reverting so they stay near their set points).
    air = np.empty(n)
    process_offset = np.empty(n)
    a, p = 300.0, 0.0
    for i in range(n):
        a += rng.normal(0, 0.1) - 0.01 * (a - 300.0)
        p += rng.normal(0, 0.05) - 0.01 * p
        air[i], process_offset[i] = a, p
    air = 300.0 + (air - 300.0) * (2.0 / max(np.std(air), 1e-9))  # scale the walk to a 2 K spread
    process = air + 10.0 + process_offset * (1.0 / max(np.std(process_offset), 1e-9))

    torque = np.clip(rng.normal(40.0, 10.0, n), 3.8, None)
    # Speed falls as torque rises (the drive's power curve), with noise; bounded like the original.
    speed = np.clip(1538.0 - SPEED_PER_NM * (torque - 40.0) + rng.normal(0, 90.0, n), 1168.0, 2886.0)

    wear = np.empty(n, dtype=np.int64)
    twf = np.zeros(n, dtype=bool)
    current = 0
    replace_at = rng.uniform(200, 240)
    for i in range(n):
        current += WEAR_PER_PROCESS[product_type[i]]
        if current >= replace_at:
            if rng.random() < 51 / 120:
                twf[i] = True  # the tool fails at this wear
            wear[i] = current
            current = 0
            replace_at = rng.uniform(200, 240)
            continue
        wear[i] = current

    # Round to the published precision first, so the rules hold exactly on the table itself.
    air, process, speed, torque = np.round(air, 1), np.round(process, 1), np.round(speed), np.round(torque, 1)
    power = torque * speed * 2 * np.pi / 60.0
    overstrain_limit = np.array([OVERSTRAIN_LIMIT[t] for t in product_type])
    modes = {
        "TWF": twf,
        "HDF": ((process - air) < 8.6) & (speed < 1380.0),
        "PWF": (power < 3500.0) | (power > 9000.0),
        "OSF": wear * torque > overstrain_limit,
        "RNF": rng.random(n) < 0.001,
    }
    return MachineTable(product_type=product_type, air_temperature_k=air, process_temperature_k=process,
                        rotational_speed_rpm=speed, torque_nm=torque, tool_wear_min=wear, modes=modes)
