"""The AI4I-style generator: deterministic, 10,000 rows, and every failure rule holds."""

import numpy as np
import pytest

from build_scripts.data.machine_failures import OVERSTRAIN_LIMIT, TYPES, generate


@pytest.fixture(scope="module")
def table():
    return generate()


def test_default_size_and_determinism(table):
    assert len(table.torque_nm) == 10_000
    assert generate().fingerprint() == table.fingerprint()
    assert generate(seed=1).fingerprint() != table.fingerprint()


def test_shares_and_ranges_are_like_the_original(table):
    shares = {t: float(np.mean(table.product_type == t)) for t in TYPES}
    assert shares["L"] == pytest.approx(0.5, abs=0.03) and shares["H"] == pytest.approx(0.2, abs=0.03)
    assert 295 < table.air_temperature_k.mean() < 305
    assert (table.process_temperature_k - table.air_temperature_k).mean() == pytest.approx(10, abs=0.5)
    assert table.torque_nm.min() >= 0
    assert table.tool_wear_min.max() <= 253
    assert 0.02 < table.machine_failure.mean() < 0.06


def test_failure_rules_hold(table):
    diff = table.process_temperature_k - table.air_temperature_k
    np.testing.assert_array_equal(table.modes["HDF"], (diff < 8.6) & (table.rotational_speed_rpm < 1380))
    power = table.torque_nm * table.rotational_speed_rpm * 2 * np.pi / 60
    np.testing.assert_array_equal(table.modes["PWF"], (power < 3500) | (power > 9000))
    limit = np.array([OVERSTRAIN_LIMIT[t] for t in table.product_type])
    np.testing.assert_array_equal(table.modes["OSF"], table.tool_wear_min * table.torque_nm > limit)
    assert table.tool_wear_min[table.modes["TWF"]].min() >= 200
    assert table.machine_failure.sum() == np.any(np.column_stack(list(table.modes.values())), axis=1).sum()


def test_failure_type_labels(table):
    labels = set(np.unique(table.failure_type))
    assert labels <= {"none", "TWF", "HDF", "PWF", "OSF", "RNF"}
    assert (table.failure_type == "none").sum() == (~table.machine_failure).sum()
