"""A CSV body of 1,000,000 tiny rows, just under the server's 8 MB limit, posted 8 times at once to
the Flask app (issue 21): peak Python memory of the requests, and what stays after them, when the
CSV route reads every row before the row limit refuses the file (the baseline, csv_io.read_csv
without max_rows, measured in the same run) and when it stops reading at row 10,001 (the route).

    .venv/bin/python bench/csv_limit.py   # needs `make build` (the iris bundle)
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
import tracemalloc
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from py_pipeline import csv_io  # noqa: E402
from server_fallback import create_app  # noqa: E402

HEADER = "sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm\n"
BODY = (HEADER + "1,1,1,1\n" * 1_000_000).encode()[:8 * 1024 * 1024 - 16]
BODY = BODY[:BODY.rindex(b"\n") + 1]


def measure(label: str, read_csv) -> None:
    client = create_app({"TESTING": True, "MODEL_DIR": str(ROOT / "dist" / "models"), "SITE_DIR": ""}).test_client()
    statuses: list[int] = []

    def post() -> None:
        statuses.append(client.post("/api/v1/models/iris/predict", data=BODY,
                                    headers={"Content-Type": "text/csv"}).status_code)

    gc.collect()
    tracemalloc.start()
    with mock.patch.object(csv_io, "read_csv", read_csv):
        threads = [threading.Thread(target=post) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    gc.collect()
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<44} 8 requests: peak {peak / 1e6:7.1f} MB, held after {held / 1e6:5.1f} MB, statuses {sorted(set(statuses))}")


def main() -> None:
    logging.disable(logging.INFO)  # the request log, once per request
    rows = BODY.count(b"\n") - 1
    print(f"body: {len(BODY) / 1e6:.2f} MB, {rows:,} rows (Python allocations, tracemalloc)")
    original = csv_io.read_csv
    measure("baseline: every row parsed, then refused", lambda data, schema, max_rows=None: original(data, schema))
    measure("now: reading stops at the row limit", original)


if __name__ == "__main__":
    main()
