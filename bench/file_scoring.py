"""Scoring a large CSV file in the demo page (issue 13's scale figures): 100,000 rows of
machine_failure in the browser backend and in the server backend, and 1,000,000 rows in the
browser. For each: rows/s, the longest main-thread task while scoring (PerformanceObserver
"longtask"), the page's JS heap (Chrome DevTools Protocol Performance.getMetrics) and the resident
memory of Chromium's processes (the process table: before, at the peak while scoring, and 1 s
after, once transient buffers are gone), beside the file's size.

    .venv/bin/python bench/file_scoring.py [--server-rows 2400000]   # needs `make build`; starts its own server

The page's JS heap is sampled while scoring (its peak) and after: in server mode the File is sent
in slices, so a 50 MB file (`--server-rows 2400000`) must never show as 50 MB of heap.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from chromium import launch  # noqa: E402
from stats import write_figures  # noqa: E402

from build_scripts.local_server import LiveServer  # noqa: E402
from server_fallback import create_app  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
HEADER = "Product type,Air temperature [K],Process temperature [K],Rotational speed [rpm],Torque [Nm],Tool wear [min]"
WATCH_LONG_TASKS = """() => { window.longTasks = []; new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.longTasks.push(e.duration); }).observe({type: "longtask"}); }"""


def sensor_file(rows: int) -> str:
    lines = [f"{'LMH'[i % 3]},{296 + i % 7},{306 + i % 9},{1300 + 37 * (i % 40)},{20 + (i * 7) % 55},{(i * 13) % 240}"
             for i in range(rows)]
    return HEADER + "\n" + "\n".join(lines) + "\n"


def chromium_rss_mb(browser_pid_hint: str = "chromium") -> float:
    """Resident memory of every Chromium process, in MB."""
    out = subprocess.run(["ps", "-eo", "rss,comm"], capture_output=True, text=True).stdout.splitlines()[1:]
    return sum(int(line.split()[0]) for line in out if browser_pid_hint in line) / 1024


def score(page, client, path: Path, mode: str, rows: int) -> dict:
    page.goto(f"{client}/?model=machine_failure&mode={mode}")
    page.wait_for_selector(f"body[data-ready={mode}]", timeout=120_000)
    page.evaluate(WATCH_LONG_TASKS)
    session = page.context.new_cdp_session(page)
    session.send("Performance.enable")
    idle_rss = chromium_rss_mb()
    started = time.perf_counter()
    page.set_input_files("#file", str(path))
    peak_rss = peak_heap = 0.0
    while not page.evaluate("() => !document.getElementById('file-result').hidden || "
                            "!document.getElementById('file-error').hidden"):
        peak_rss = max(peak_rss, chromium_rss_mb())
        heap = {m["name"]: m["value"] for m in session.send("Performance.getMetrics")["metrics"]}
        peak_heap = max(peak_heap, heap.get("JSHeapUsedSize", 0) / 1e6)
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    time.sleep(1)  # what stays once scoring's transient buffers are gone
    settled_rss = chromium_rss_mb()
    metrics = {m["name"]: m["value"] for m in session.send("Performance.getMetrics")["metrics"]}
    error = page.inner_text("#file-error") if page.is_visible("#file-error") else None
    long_tasks = page.evaluate("() => window.longTasks")
    return {"mode": mode, "rows": rows, "file_mb": path.stat().st_size / 1e6, "seconds": seconds,
            "rows_per_s": rows / seconds, "error": error, "longest_task_ms": max(long_tasks, default=0),
            "long_tasks": len(long_tasks), "page_js_heap_mb": metrics.get("JSHeapUsedSize", 0) / 1e6,
            "page_js_heap_peak_mb": peak_heap,
            "chromium_rss_idle_mb": idle_rss, "chromium_rss_peak_mb": peak_rss, "chromium_rss_settled_mb": settled_rss}


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--server-rows", type=int, default=100_000, help="rows of the server-mode run")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = create_app({"MODEL_DIR": str(ROOT / "dist" / "models"), "SITE_DIR": str(ROOT / "dist" / "site"),
                      "LOG_LEVEL": "WARNING", "MAX_ROWS": 1_000_000, "MAX_CONTENT_LENGTH": 100 * 1024 * 1024})
    server = LiveServer(app)
    url = server.url
    runs = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        files = {}
        for rows in sorted({100_000, 1_000_000, args.server_rows}):
            files[rows] = Path(tmp) / f"sensors-{rows}.csv"
            files[rows].write_text(sensor_file(rows))
        browser = launch(p)
        for mode, rows in (("browser", 100_000), ("server", args.server_rows), ("browser", 1_000_000)):
            page = browser.new_page()
            runs.append(score(page, url, files[rows], mode, rows))
            page.close()
        browser.close()
    server.stop()
    print("Scoring a CSV file in the demo page (machine_failure 1.1.0, 2 cores, loopback)")
    for r in runs:
        outcome = f"failed: {r['error']}" if r["error"] else f"{r['rows_per_s']:,.0f} rows/s"
        print(f"  {r['rows']:>9,} rows ({r['file_mb']:.1f} MB), {r['mode']:<7}: {r['seconds']:.1f} s, {outcome}; "
              f"longest main-thread task {r['longest_task_ms']:.0f} ms ({r['long_tasks']} over 50 ms); "
              f"page JS heap {r['page_js_heap_peak_mb']:.0f} MB at the peak, {r['page_js_heap_mb']:.0f} MB after; "
              f"Chromium RSS {r['chromium_rss_idle_mb']:.0f} MB before, "
              f"{r['chromium_rss_peak_mb']:.0f} MB at the peak, {r['chromium_rss_settled_mb']:.0f} MB 1 s after")
    write_figures("file_scoring", {"runs": runs})


if __name__ == "__main__":
    main()
