"""One row through ``py_pipeline.bridge.predict``, as the browser's worker calls it, inside Pyodide
under Node and on CPython in the same run (issue 36, part 3): mean, median and p99 over 1,000
calls after 300, for iris and the 100-tree forest. The end-to-end figure in Chromium (the worker
hop, the page's promise) is ``bench/page_ready.py``'s "1 row".

    .venv/bin/python bench/one_row.py
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MODELS = {  # name, version, one JSON row as a page sends it
    "iris": ("1.0.0", [[6.1, 2.8, 4.7, 1.2]]),
    "machine_failure": ("1.1.0", [{"product_type": "M", "air_temperature_k": 300.1, "process_temperature_k": 310.2,
                                   "rotational_speed_rpm": 1500, "torque_nm": 40.5, "tool_wear_min": 120}]),
}
SCRIPT = """
import json, time
from py_pipeline import bridge
OUTPUT = {}
for key, rows in INPUT.items():
    directory, text = BUNDLES[key], json.dumps(rows)
    assert json.loads(bridge.load(directory, True))["ok"]
    for _ in range(300):
        bridge.predict(directory, text, 1, 0)
    times = []
    for _ in range(1000):
        start = time.perf_counter()
        bridge.predict(directory, text, 1, 0)
        times.append((time.perf_counter() - start) * 1000)
    OUTPUT[key] = times
"""


def main() -> None:
    bundles = {name: str(ROOT / "dist" / "models" / name / version) for name, (version, _) in MODELS.items()}
    job = {"bundles": bundles, "script": SCRIPT, "input": {name: rows for name, (_, rows) in MODELS.items()},
           "packages": ["machine-physics"]}
    pyodide = json.loads(subprocess.run(["node", str(ROOT / "bench" / "pyodide_python.mjs"), str(ROOT / "dist" / "site" / "pyodide")],
                                        input=json.dumps(job), capture_output=True, text=True, check=True).stdout)
    scope = {"INPUT": job["input"], "BUNDLES": bundles}
    exec(SCRIPT, scope)  # noqa: S102  the same script on CPython, the baseline of this run
    print("bridge.predict, one JSON row, 1,000 calls after 300 (ms): mean / median / p99")
    for name in MODELS:
        for where, times in (("Pyodide (Node)", pyodide[name]), ("CPython", scope["OUTPUT"][name])):
            ordered = sorted(times)
            print(f"  {name:16s} {where:15s} {statistics.fmean(times):.3f} / {statistics.median(times):.3f} / "
                  f"{ordered[int(len(ordered) * 0.99)]:.3f}")


if __name__ == "__main__":
    main()
