"""Comparing a window's bin counts with the reference's, without crying wolf.

Per feature (and for the predictions):

- a two-sample chi-square test on the 2 x bins table, bins merged (each with its neighbour of the
  smaller count) until every cell expects at least ``MIN_EXPECTED``; its p-value from the
  chi-square distribution (:func:`chi2_sf`, numpy and ``math`` only);
- the population stability index and the Jensen-Shannon distance (base 2, in [0, 1]) of the two
  distributions, each count smoothed by +0.5 so that an empty bin never gives infinity.

The alarm: some feature's test rejects at ``ALPHA`` with a Bonferroni correction across the
features (and the predictions), and that feature's PSI is at least ``PSI_ALARM``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

MIN_EXPECTED = 5.0
ALPHA = 0.01
PSI_ALARM = 0.1
#: Fewer rows than this in a window: no verdict yet.
MIN_ROWS = 100


def chi2_sf(x: float, df: int) -> float:
    """P(X > x) for X chi-square with ``df`` degrees of freedom: the regularized upper incomplete
    gamma function Q(df/2, x/2) (series below a + 1, continued fraction above; Numerical Recipes
    6.2). Written here because scipy is not in the page's runtime."""
    if x <= 0:
        return 1.0
    a, z = df / 2.0, x / 2.0
    log_front = a * math.log(z) - z - math.lgamma(a)
    if z < a + 1:  # P by its series, Q = 1 - P
        term = total = 1.0 / a
        n = a
        while abs(term) > abs(total) * 1e-15:
            n += 1
            term *= z / n
            total += term
        return max(0.0, 1.0 - total * math.exp(log_front))
    b, c = z + 1 - a, 1e300  # Q by its continued fraction (modified Lentz)
    d = 1 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = 1e-300 if abs(d) < 1e-300 else d
        c = b + an / c
        c = 1e-300 if abs(c) < 1e-300 else c
        d = 1 / d
        step = d * c
        h *= step
        if abs(step - 1) < 1e-15:
            break
    return min(1.0, math.exp(log_front) * h)


def merged(reference: np.ndarray, observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two count vectors with neighbouring bins merged until every cell of the 2 x bins table
    expects at least MIN_EXPECTED (a bin's column total must reach MIN_EXPECTED * N / the smaller
    sample); empty bins in both go first."""
    ref, obs = list(map(float, reference)), list(map(float, observed))
    keep = [i for i in range(len(ref)) if ref[i] + obs[i] > 0]
    ref, obs = [ref[i] for i in keep], [obs[i] for i in keep]
    smaller = min(sum(ref), sum(obs))
    if smaller <= 0:
        return np.asarray(ref), np.asarray(obs)
    need = MIN_EXPECTED * (sum(ref) + sum(obs)) / smaller
    while len(ref) > 1:
        totals = [r + o for r, o in zip(ref, obs)]
        j = int(np.argmin(totals))
        if totals[j] >= need:
            break
        k = j - 1 if j == len(ref) - 1 or (j > 0 and totals[j - 1] <= totals[j + 1]) else j + 1
        lo, hi = min(j, k), max(j, k)
        ref[lo:hi + 1] = [ref[lo] + ref[hi]]
        obs[lo:hi + 1] = [obs[lo] + obs[hi]]
    return np.asarray(ref), np.asarray(obs)


def compare(reference: Any, observed: Any) -> dict[str, Any]:
    """The test and the distances for one feature's counts: ``chi2``, ``df``, ``p_value``, ``psi``,
    ``js_distance``, and the bins the test used."""
    ref, obs = np.asarray(reference, dtype=np.float64), np.asarray(observed, dtype=np.float64)
    r, o = merged(ref, obs)
    chi2, df, p = 0.0, 0, 1.0
    if len(r) > 1 and r.sum() > 0 and o.sum() > 0:
        n = r.sum() + o.sum()
        column = r + o
        expected_r, expected_o = column * r.sum() / n, column * o.sum() / n
        chi2 = float(((r - expected_r) ** 2 / expected_r).sum() + ((o - expected_o) ** 2 / expected_o).sum())
        df = len(r) - 1
        p = chi2_sf(chi2, df)
    q = (ref + 0.5) / (ref.sum() + 0.5 * len(ref))
    s = (obs + 0.5) / (obs.sum() + 0.5 * len(obs))
    psi = float(((s - q) * np.log(s / q)).sum())
    m = (q + s) / 2
    js = float(np.sqrt(max(0.0, 0.5 * (q * np.log2(q / m)).sum() + 0.5 * (s * np.log2(s / m)).sum())))
    return {"chi2": chi2, "df": df, "p_value": p, "psi": psi, "js_distance": js, "bins_tested": int(len(r))}


def judge(binner: Any, counts: dict[str, np.ndarray], rows: int) -> dict[str, Any]:
    """A window (or a file) judged against a model's profile (``profile.Binner``): every line's bin
    labels, reference and observed counts and statistics, the features ranked, the alarm; the
    predictions' line apart (what the drift endpoint and the file report show)."""
    from .profile import PREDICTIONS

    reference = dict(zip(binner.lines, binner.specs))
    judged = verdict(reference, counts, rows)
    lines = {line: {"labels": spec["labels"], "reference": spec["counts"],
                    "observed": np.asarray(counts[line]).tolist(), **judged["features"][line]}
             for line, spec in reference.items()}
    return {"enough_rows": judged["enough_rows"], "alarm": judged["alarm"], "alpha": judged["alpha"],
            "corrected_alpha": judged["corrected_alpha"], "psi_alarm": judged["psi_alarm"],
            "ranked": judged["ranked"], "features": {k: v for k, v in lines.items() if k != PREDICTIONS},
            "predictions": lines[PREDICTIONS]}


def verdict(reference: dict[str, Any], observed: dict[str, np.ndarray], rows: int) -> dict[str, Any]:
    """Every feature's (and the predictions') comparison, ranked by PSI, and the alarm.
    ``reference``: name -> the profile's bins; ``observed``: name -> the window's counts."""
    results = {name: compare(bins["counts"], observed[name]) for name, bins in reference.items()}
    threshold = ALPHA / max(1, len(results))  # Bonferroni across the features and the predictions
    enough = rows >= MIN_ROWS
    for name, result in results.items():
        result["rejected"] = bool(enough and result["p_value"] < threshold)
        result["drifted"] = bool(result["rejected"] and result["psi"] >= PSI_ALARM)
    ranked = sorted(results, key=lambda name: -results[name]["psi"])
    return {"rows": rows, "enough_rows": enough, "alpha": ALPHA, "corrected_alpha": threshold,
            "psi_alarm": PSI_ALARM, "alarm": any(r["drifted"] for r in results.values()),
            "ranked": ranked, "features": results}
