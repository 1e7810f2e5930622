"""Drift monitoring (issue 33), one run:

- rows until the alarm when air temperature shifts by +5 K, and when product type L's share moves
  20 points, counted as the server counts (``server_fallback.drift.Binner``) and judged as it judges;
- the false-alarm rate over 200 windows of 500 rows drawn from the reference population;
- single-row predict throughput on the production server with counting on against off (wrk,
  alternating rounds, the same run);
- memory per model version: a full window of one-minute buckets in a worker, and its shared file;
- Evidently's ``DataDriftPreset`` (a bench-only dependency, in its own venv, telemetry off) on the
  same reference and windows: how often the verdicts agree.

The machine data's temperatures are slow random walks: each run of the generator wanders its own
way, so a window from a fresh run differs from one training run by more than sampling. The
reference population is therefore many pooled runs; the shipped model's own profile (one run) is
measured too, and says how a real plant's slow wander reads.

    make bench-drift      # or: .venv/bin/python bench/drift.py (after make build, make wrk)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from servers import HOST, free_port, start_server, stop  # noqa: E402
from stats import spread, write_figures  # noqa: E402
from wrk import require_wrk, wrk  # noqa: E402

from build_scripts.data import machine_failures  # noqa: E402
from py_pipeline.drift.profile import Binner, bins_for  # noqa: E402
from py_pipeline.drift.statistics import verdict  # noqa: E402
from server_fallback.drift import Monitor  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "dist" / "models" / "machine_failure" / "1.0.0"
NAMES = ["product_type", "air_temperature_k", "process_temperature_k", "rotational_speed_rpm", "torque_nm",
         "tool_wear_min"]
WINDOW = 500
EVIDENTLY = ("evidently==0.7.23", "pandas==2.2.3")  # its pandas: 0.7.23 breaks on pandas 3


def population(seeds: range) -> np.ndarray:
    return np.array([row for seed in seeds for row in machine_failures.generate(2000, seed).rows()], dtype=object)


def pooled_profile(rows: np.ndarray) -> dict:
    """A profile of the population's rows (the predictions' line left out: they are the model's)."""
    return {name: bins_for(rows[:, j].tolist(), "category" if j == 0 else "number", ["L", "M", "H"] if j == 0 else None)
            for j, name in enumerate(NAMES)}


def counts(reference: dict, rows: np.ndarray) -> dict:
    binner = Binner({"features": {n: {"bins": s} for n, s in reference.items()},
                     "predictions": {"kind": "values", "values": [], "counts": [0, 0]}}, list(reference))
    return dict(zip(reference, binner.counts([rows[:, j] for j in range(len(reference))])))


def rows_until_alarm(reference: dict, stream: np.ndarray, step: int = 25) -> int | None:
    for n in range(step, len(stream) + 1, step):
        if verdict(reference, counts(reference, stream[:n]), n)["alarm"]:
            return n
    return None


def shifted_air(rows: np.ndarray) -> np.ndarray:
    out = rows.copy()
    out[:, 1] = out[:, 1].astype(float) + 5.0
    out[:, 2] = out[:, 2].astype(float) + 5.0  # the process runs 10 K above the air: it moves too
    return out


def more_l(rows: np.ndarray, rng: np.random.Generator, points: float = 0.2) -> np.ndarray:
    """Rows resampled so that product type L's share rises by ``points``."""
    is_l = rows[:, 0] == "L"
    share = is_l.mean() + points
    picks = np.where(rng.random(len(rows)) < share, rng.choice(np.flatnonzero(is_l), len(rows)),
                     rng.choice(np.flatnonzero(~is_l), len(rows)))
    return rows[picks]


def false_alarms(reference: dict, pool: np.ndarray, rng: np.random.Generator, windows: int = 200) -> float:
    alarms = sum(verdict(reference, counts(reference, pool[rng.integers(0, len(pool), WINDOW)]), WINDOW)["alarm"]
                 for _ in range(windows))
    return alarms / windows


def throughput(rounds: int = 5, seconds: float = 5) -> dict:
    require_wrk()
    row = [v.item() if hasattr(v, "item") else v for v in machine_failures.generate(100, 3).rows()[0]]
    ports = {"on": free_port(), "off": free_port()}
    procs = {k: start_server(p, SITE_DIR="", LOG_LEVEL="WARNING", DRIFT="true" if k == "on" else "false")
             for k, p in ports.items()}
    runs: dict[str, list] = {"on": [], "off": []}
    try:
        path = "/api/v1/models/machine_failure/versions/1.0.0/predict"
        for k, p in ports.items():
            wrk(f"http://{HOST}:{p}{path}", {"rows": [row]}, seconds=1)
        for _ in range(rounds):  # alternating: drift of the machine hits both alike
            for k, p in ports.items():
                runs[k].append(wrk(f"http://{HOST}:{p}{path}", {"rows": [row]}, seconds=seconds).throughput)
    finally:
        for proc in procs.values():
            stop(proc)
    return runs


def memory_per_version() -> dict:
    """A worker's buckets for one model version over a full hour (60 one-minute buckets)."""
    from py_pipeline import load_model

    with tempfile.TemporaryDirectory() as tmp:
        monitor = Monitor(tmp, 3600, 3600, 10_000)
        model = load_model(BUNDLE)
        monitor.watch(model)
        rows = population(range(1, 2))
        X = model.manifest.schema.validate(rows[:600].tolist())
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        key = (model.name, model.version)
        now = int(time.time()) // 60 * 60
        for minute in range(60):
            monitor.observe(model, X[minute * 10:(minute + 1) * 10], np.array(["no_failure"] * 10, dtype=object))
            buckets = monitor._buckets[key]
            buckets[now - 60 * minute] = buckets.pop(max(buckets))  # as if each came a minute apart
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        monitor._dirty = True
        monitor.flush()
        size = sum(p.stat().st_size for p in Path(tmp).glob("drift-*.json"))
    grown = sum(s.size_diff for s in after.compare_to(before, "filename"))
    return {"buckets": 60, "python_bytes": grown, "file_bytes": size}


def evidently_agreement(reference_rows: np.ndarray, windows: list[np.ndarray], ours: list[bool]) -> dict | None:
    """Evidently's DataDriftPreset dataset-drift verdict per window, in its own venv (telemetry off)."""
    venv = ROOT / ".venv-bench-evidently"
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        done = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", *EVIDENTLY],
                              capture_output=True, text=True)
        if done.returncode != 0:
            print(f"  Evidently could not be installed ({EVIDENTLY}): {done.stderr.strip()[-300:]}")
            return None
    job = {"names": NAMES, "reference": reference_rows.tolist(), "windows": [w.tolist() for w in windows]}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(job, f)
    script = Path(__file__).parent / "evidently_drift.py"
    done = subprocess.run([str(venv / "bin" / "python"), str(script), f.name], capture_output=True, text=True,
                          env={**os.environ, "DO_NOT_TRACK": "1", "EVIDENTLY_DISABLE_TELEMETRY": "1"}, timeout=1800)
    os.unlink(f.name)
    if done.returncode != 0:
        print(f"  Evidently failed: {done.stderr.strip()[-500:]}")
        return None
    theirs = json.loads(done.stdout)
    any_column = [count > 0 for _, count in theirs]
    return {"windows": len(ours), "agree_any_column": sum(a == b for a, b in zip(ours, any_column)),
            "agree_dataset": sum(a == b for a, (b, _) in zip(ours, theirs)), "ours_alarms": sum(ours),
            "evidently_any_column": sum(any_column), "evidently_dataset": sum(d for d, _ in theirs)}


def main() -> None:
    rng = np.random.default_rng(0)
    reference_rows = population(range(100, 140))
    pool = population(range(500, 540))
    pooled = pooled_profile(reference_rows)
    shipped = {name: json.loads((BUNDLE / "profile.json").read_text())["features"][name]["bins"] for name in NAMES}
    stream = pool[rng.permutation(len(pool))[:5000]]
    figures: dict = {"window_rows": WINDOW}
    print("machine_failure 1.0.0, drift as the server judges it (Bonferroni-corrected chi-square at 0.01 and PSI >= 0.1)")
    for label, reference in (("the pooled reference population", pooled), ("the shipped model's training profile", shipped)):
        f = {"air_+5K": rows_until_alarm(reference, shifted_air(stream)),
             "L_share_+20pts": rows_until_alarm(reference, more_l(stream, rng)),
             "unshifted": rows_until_alarm(reference, stream),
             "false_alarm_rate": false_alarms(reference, pool, rng)}
        figures[label] = f
        print(f"  against {label}:")
        print(f"    rows until the alarm: air temperature +5 K: {f['air_+5K']}; type L's share +20 points: "
              f"{f['L_share_+20pts']}; no shift: {f['unshifted'] or 'none in 5,000'}")
        print(f"    false alarms over 200 windows of {WINDOW} fresh rows: {f['false_alarm_rate']:.1%} (target <= 5%)")
    runs = throughput()
    on, off = np.median(runs["on"]), np.median(runs["off"])
    figures["throughput"] = runs
    print(f"  single-row predict, production server, wrk: counting on {spread(runs['on'], ' req/s', 0)}, "
          f"off {spread(runs['off'], ' req/s', 0)}: {on / off - 1:+.1%} (target within 5%)")
    memory = memory_per_version()
    figures["memory"] = memory
    print(f"  memory per model version, a full hour's window: {memory['python_bytes'] / 1024:.0f} KiB in a worker, "
          f"{memory['file_bytes'] / 1024:.0f} KiB shared file")
    windows = [pool[rng.integers(0, len(pool), WINDOW)] for _ in range(20)]
    windows += [shifted_air(pool[rng.integers(0, len(pool), WINDOW)]) for _ in range(10)]
    windows += [more_l(pool[rng.integers(0, len(pool), WINDOW)], rng) for _ in range(10)]
    ours = [bool(verdict(pooled, counts(pooled, w), WINDOW)["alarm"]) for w in windows]
    agreement = evidently_agreement(reference_rows[rng.integers(0, len(reference_rows), 8000)], windows, ours)
    figures["evidently"] = agreement
    if agreement:
        print(f"  Evidently DataDriftPreset on the same 40 windows (20 unshifted, 10 air +5 K, 10 L +20 points): "
              f"ours alarm on {agreement['ours_alarms']}; Evidently finds a drifted column on "
              f"{agreement['evidently_any_column']} (agreeing on {agreement['agree_any_column']} of 40) and dataset "
              f"drift (half the columns) on {agreement['evidently_dataset']} (agreeing on {agreement['agree_dataset']})")
    write_figures("drift", figures)


if __name__ == "__main__":
    main()
