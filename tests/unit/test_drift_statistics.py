"""Drift statistics (issue 33): the chi-square tail agrees with scipy; merged bins each expect at
least 5; PSI and the Jensen-Shannon distance stay finite with empty bins; a stream drawn from the
reference population raises a false alarm in at most 5% of 200 windows, and a +5 K shift of air
temperature raises the alarm within a few hundred rows."""

from __future__ import annotations

import numpy as np
import pytest

from build_scripts.data import machine_failures
from py_pipeline.drift.profile import bin_index, bins_for
from py_pipeline.drift.statistics import MIN_EXPECTED, chi2_sf, compare, merged, verdict

NUMBERS = ["air_temperature_k", "process_temperature_k", "rotational_speed_rpm", "torque_nm", "tool_wear_min"]


@pytest.mark.parametrize("df", [1, 2, 3, 7, 12, 40, 150])
def test_the_chi_square_tail_is_scipys(df):
    from scipy.stats import chi2

    for x in [1e-3, 0.3, 1.0, df - 0.5, df, df + 3.0, 2.0 * df + 10, 5.0 * df + 50]:
        assert chi2_sf(x, df) == pytest.approx(chi2.sf(x, df), rel=1e-12, abs=1e-300)


def test_merged_bins_each_expect_five_and_empty_bins_stay_finite():
    ref, obs = np.array([500, 3, 0, 2, 400, 1, 0]), np.array([40, 0, 0, 1, 20, 0, 2])
    r, o = merged(ref, obs)
    n = r.sum() + o.sum()
    assert r.sum() == ref.sum() and o.sum() == obs.sum() and len(r) >= 2
    assert min((r + o) * min(r.sum(), o.sum()) / n) >= MIN_EXPECTED
    result = compare(ref, obs)
    assert np.isfinite(result["psi"]) and 0 <= result["js_distance"] <= 1 and 0 <= result["p_value"] <= 1
    same = compare(ref, ref)
    assert same["p_value"] == pytest.approx(1.0) and same["psi"] < 1e-3


def _population(seeds: range) -> list:
    """Rows of many generator runs, pooled: the generator's population, not one run's random walk."""
    return [row for seed in seeds for row in machine_failures.generate(2000, seed).rows()]


def _profile(rows: list) -> dict:
    X = np.array(rows, dtype=object)
    out = {"product_type": bins_for(X[:, 0].tolist(), "category", ["L", "M", "H"])}
    for j, name in enumerate(NUMBERS, start=1):
        out[name] = bins_for(X[:, j].tolist(), "number")
    return out


def _window(reference: dict, rows: list) -> dict:
    X = np.array(rows, dtype=object)
    return {name: np.bincount(bin_index(spec, X[:, j].tolist()), minlength=len(spec["counts"]))
            for j, (name, spec) in enumerate(reference.items())}


def test_a_stream_from_the_reference_population_rarely_cries_wolf_and_a_shift_is_caught():
    reference = _profile(_population(range(100, 140)))
    stream = np.array(_population(range(500, 540)), dtype=object)
    rng = np.random.default_rng(0)
    alarms = 0
    for _ in range(200):  # windows of 500 fresh draws
        rows = stream[rng.integers(0, len(stream), 500)].tolist()
        alarms += verdict(reference, _window(reference, rows), 500)["alarm"]
    assert alarms / 200 <= 0.05
    shifted = stream[rng.integers(0, len(stream), 400)].copy()
    shifted[:, 1] = shifted[:, 1].astype(float) + 5.0
    judged = verdict(reference, _window(reference, shifted.tolist()), 400)
    assert judged["alarm"] and judged["ranked"][0] == "air_temperature_k"
    assert judged["features"]["air_temperature_k"]["drifted"]
