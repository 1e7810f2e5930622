"""Run by bench/drift.py in its own venv (Evidently is a bench-only dependency; telemetry off by
the environment): Evidently's DataDriftPreset on each window against the reference. Prints, per
window, [dataset drift (at least half the columns drifted), how many columns drifted]."""

import json
import sys

import pandas as pd
from evidently import Report
from evidently.presets import DataDriftPreset

job = json.load(open(sys.argv[1]))
reference = pd.DataFrame(job["reference"], columns=job["names"])
out = []
for window in job["windows"]:
    snapshot = Report([DataDriftPreset()]).run(pd.DataFrame(window, columns=job["names"]), reference)
    metrics = snapshot.dict()["metrics"]
    drifted = next(m for m in metrics if str(m.get("metric_name", "")).startswith("DriftedColumnsCount"))["value"]
    out.append([bool(drifted["share"] >= 0.5), int(drifted["count"])])
print(json.dumps(out))
