"""Scoring 1,000,000 rows of machine_failure from the command line (issue 14's figures): rows/s and
peak resident memory of `python -m scoring` on one process and on a local Dask cluster of 2
workers, against the baseline of plain `pandas.read_csv` + the unpickled pipeline's `predict` and
`predict_proba` + `to_csv` in one process. Each run is a fresh process tree; its memory is the
peak of the sum of every process's RSS in the tree (Dask's workers included), sampled every 50 ms.

    .venv/bin/python bench/score_files.py [--rows 1000000] [--rounds 3]   # needs `make build`
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stats import spread, write_figures  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "dist" / "models" / "machine_failure" / "1.1.0"
HEADER = "Product type,Air temperature [K],Process temperature [K],Rotational speed [rpm],Torque [Nm],Tool wear [min]"

BASELINE = textwrap.dedent("""
    import sys, joblib, pandas as pd
    source, bundle, out = sys.argv[1:]
    pipeline = joblib.load(bundle + "/model.joblib")["estimator"]
    frame = pd.read_csv(source)
    X = frame.set_axis(list(pipeline.feature_names_in_), axis=1)  # the file's headers are display names
    frame["prediction"] = pipeline.predict(X)
    for k, c in enumerate(pipeline.classes_):
        frame[f"probability_{c}"] = pipeline.predict_proba(X)[:, k]
    frame.to_csv(out, index=False)
""")


def write_file(path: Path, rows: int) -> None:
    with open(path, "w") as f:
        f.write(HEADER + "\n")
        for start in range(0, rows, 100_000):
            f.write("".join(f"{'LMH'[i % 3]},{296 + i % 7},{306 + i % 9},{1300 + 37 * (i % 40)},{20 + (i * 7) % 55},"
                            f"{(i * 13) % 240}\n" for i in range(start, min(rows, start + 100_000))))


def measure(command: list[str]) -> tuple[float, float]:
    """Seconds and peak RSS (MB, the whole process tree) of one run."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    root = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{process.stderr.read()[-2000:]}")
    return seconds, peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    python = sys.executable
    figures: dict = {"rows": args.rows, "runs": {}}
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "sensors.csv"
        write_file(source, args.rows)
        figures["file_mb"] = source.stat().st_size / 1e6
        runs = {
            "baseline: pandas.read_csv + predict, 1 process": [python, "-c", BASELINE, str(source), str(BUNDLE),
                                                               f"{tmp}/baseline.csv"],
            "score, 1 process": [python, "-m", "scoring", str(BUNDLE), str(source), "--out", f"{tmp}/one.csv",
                                 "--no-progress", "--overwrite"],
            "score, local Dask cluster of 2 workers": [python, "-m", "scoring", str(BUNDLE), str(source), "--out",
                                                       f"{tmp}/dask.csv", "--local-cluster", "2", "--no-progress", "--overwrite"],
        }
        for _ in range(args.rounds):  # alternating rounds: a slow moment of the machine hits every run alike
            for name, command in runs.items():
                seconds, peak = measure(command)
                figures["runs"].setdefault(name, []).append({"seconds": seconds, "peak_rss_mb": peak})
        same = (Path(tmp) / "one.csv").read_bytes() == (Path(tmp) / "dask.csv").read_bytes()
    figures["dask_output_identical"] = same
    print(f"Scoring {args.rows:,} machine_failure rows ({figures['file_mb']:.1f} MB CSV) from the command line, "
          f"2 cores, {args.rounds} rounds")
    for name, rounds in figures["runs"].items():
        rates = [args.rows / r["seconds"] for r in rounds]
        peaks = [r["peak_rss_mb"] for r in rounds]
        print(f"  {name:<45} {spread(rates, digits=0)} rows/s; peak RSS {statistics.median(peaks):,.0f} MB "
              f"[{min(peaks):,.0f}-{max(peaks):,.0f}]")
    print(f"  one process and the Dask cluster wrote byte-identical files: {same}")
    write_figures("score_files", figures)


if __name__ == "__main__":
    main()
