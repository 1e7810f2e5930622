"""Issue 24's figures: one column path for every batch. Files scored by `python -m scoring` beside
the naive script a new user writes (`pandas.read_csv` + the pipeline's `predict` and
`predict_proba` + `to_csv`), both as whole processes, in alternating rounds of one run:

- the 31-feature pipeline (`wide_model.py`: breast cancer plus a category, imported with
  `import_model` as a user imports theirs) on 1,000,000 and 100,000 rows;
- machine_failure 1.1.0 on 1,000,000 rows (its file as `score_files.py` writes it);
- the server's `text/csv` route on 10,000 rows of each, in process (Flask's test client).

    .venv/bin/python bench/column_path.py [--rows 1000000] [--rounds 3]   # needs `make build`
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # the server, for its text/csv route
from score_files import BASELINE, BUNDLE, measure, write_file  # noqa: E402
from stats import spread, write_figures  # noqa: E402
from wide_model import import_wide_model, write_rows  # noqa: E402

#: The naive script for a DataFrame-fitted pipeline whose file's headers are the feature names.
NAIVE = BASELINE.replace('X = frame.set_axis(list(pipeline.feature_names_in_), axis=1)  '
                         '# the file\'s headers are display names', 'X = frame[list(pipeline.feature_names_in_)]')


def server_rate(models: Path, name: str, source: Path, rows: int = 10_000) -> float:
    """Rows/s of the server's text/csv route on the first ``rows`` rows of ``source`` (median of 7)."""
    from server_fallback.app import create_app

    with open(source) as f:
        body = "".join(line for _, line in zip(range(rows + 1), f))
    client = create_app({"TESTING": True, "MODEL_DIR": str(models), "SITE_DIR": "", "LOG_LEVEL": "WARNING"}).test_client()
    times = []
    for _ in range(7):
        started = time.perf_counter()
        answer = client.post(f"/api/v1/models/{name}/predict", data=body, content_type="text/csv",
                             headers={"Accept": "text/csv"})
        times.append(time.perf_counter() - started)
        if answer.status_code != 200:
            raise SystemExit(f"the server refused the file: {answer.get_data(as_text=True)[:300]}")
    return rows / statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    python = sys.executable
    figures: dict = {"rows": args.rows, "runs": {}}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        wide = import_wide_model(work)
        files = {"wide": work / "wide.csv", "wide_100k": work / "wide_100k.csv", "machine": work / "machine.csv"}
        write_rows(files["wide"], args.rows)
        write_rows(files["wide_100k"], 100_000, seed=1)
        write_file(files["machine"], args.rows)
        figures["server_csv_rows_per_s"] = {"31 features": server_rate(work / "models", "cancer", files["wide"]),
                                            "machine_failure": server_rate(BUNDLE.parent.parent, "machine_failure",
                                                                           files["machine"])}

        def score(bundle: Path, source: Path, out: str) -> list[str]:
            return [python, "-m", "scoring", str(bundle), str(source), "--out", f"{tmp}/{out}", "--no-progress",
                    "--overwrite"]

        runs = {
            f"31 features, {args.rows:,} rows: naive script": (args.rows, [python, "-c", NAIVE, str(files["wide"]),
                                                                            str(wide), f"{tmp}/naive.csv"]),
            f"31 features, {args.rows:,} rows: python -m scoring": (args.rows, score(wide, files["wide"], "w.csv")),
            "31 features, 100,000 rows: naive script": (100_000, [python, "-c", NAIVE, str(files["wide_100k"]),
                                                                 str(wide), f"{tmp}/naive100k.csv"]),
            "31 features, 100,000 rows: python -m scoring": (100_000, score(wide, files["wide_100k"], "w100k.csv")),
            f"machine_failure, {args.rows:,} rows: naive script": (args.rows, [python, "-c", BASELINE,
                                                                                str(files["machine"]), str(BUNDLE),
                                                                                f"{tmp}/naive_m.csv"]),
            f"machine_failure, {args.rows:,} rows: python -m scoring": (args.rows, score(BUNDLE, files["machine"],
                                                                                         "m.csv")),
        }
        for _ in range(args.rounds):  # alternating rounds: a slow moment of the machine hits every run alike
            for name, (rows, command) in runs.items():
                seconds, peak = measure(command)
                figures["runs"].setdefault(name, []).append({"seconds": seconds, "rows": rows, "peak_rss_mb": peak})
    print(f"Scoring files, whole processes (start-up included), 2 cores, {args.rounds} rounds; median [min-max]")
    rates = {}
    for name, rounds in figures["runs"].items():
        rates[name] = statistics.median(r["rows"] / r["seconds"] for r in rounds)
        peaks = [r["peak_rss_mb"] for r in rounds]
        print(f"  {name:<52} {spread([r['rows'] / r['seconds'] for r in rounds], digits=0)} rows/s; "
              f"peak RSS {statistics.median(peaks):,.0f} MB")
    names = list(rates)
    print(f"  target: 31 features, {args.rows:,} rows, at least 3x the naive script: "
          f"{rates[names[1]] / rates[names[0]]:.2f}x")
    print(f"  target: 31 features, 100,000 rows, faster than the naive script: {rates[names[3]] / rates[names[2]]:.2f}x")
    print(f"  target: machine_failure, {args.rows:,} rows, at least 2x the 67,000 rows/s of before: "
          f"{rates[names[5]]:,.0f} rows/s ({rates[names[5]] / 67_000:.2f}x)")
    for name, rate in figures["server_csv_rows_per_s"].items():
        print(f"  server text/csv, 10,000 rows, {name}: {rate:,.0f} rows/s")
    write_figures("column_path", figures)


if __name__ == "__main__":
    main()
