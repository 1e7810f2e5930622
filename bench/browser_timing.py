"""Browser timing benchmark: first visit, reload, single-row latency, bytes downloaded.

Two links, each timed over ``--runs`` fresh profiles (median with min and max):
- loopback: the demo server (our production server, the built site and API on a loopback port);
- throttled: the same site from a static server behind an emulated link (bench/throttled_static.py:
  20 Mbit/s shared by all responses, 40 ms per request), so that download size shows.
Drives Debian Chromium with Playwright, prints the figures and writes them to
dist/bench/browser_timing.json. Loopback only; bounded; stops by itself.

    make bench            # or: .venv/bin/python bench/browser_timing.py --runs 3 --predictions 200
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chromium import CHROMIUM, FLAGS, network_bytes  # noqa: E402
from servers import ROOT, free_port, start_server, stop  # noqa: E402
from throttled_static import ThrottledSite  # noqa: E402
from stats import percentile, spread, write_figures  # noqa: E402

ROW = [2.5, 1.3, 4.0, 0.8]

LATENCY = """
async ({mode, n}) => {
  const { createPredictor } = await import("./lib/predictor.js");
  const p = await createPredictor({ model: "iris", mode });
  for (let i = 0; i < 5; i++) await p.predict([[2.5, 1.3, 4.0, 0.8]]);
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await p.predict([[2.5, 1.3, 4.0, 0.8]]);
    times.push(performance.now() - t);
  }
  p.close();
  return { backend: p.backend, times };
}
"""


def visit_until_prediction(page, url: str) -> float:
    """Load (or reload) the demo page, click Predict; ms from navigation start to the result."""
    page.goto(url)
    page.wait_for_selector("body[data-ready]", timeout=180_000)
    for name, value in zip(["sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"], ROW):
        page.fill(f"#f-{name}", str(value))
    page.click("#predict")
    page.wait_for_selector("#result:not([hidden])")
    assert page.inner_text("#backend") == "browser", "the demo did not predict in the browser"
    return page.evaluate("performance.now()")


def time_visits(p, url: str, runs: int) -> dict[str, list[float]]:
    """First visit, reload (service worker) and offline reload, each in a fresh profile per run."""
    out: dict[str, list[float]] = {k: [] for k in ("first", "reload", "offline", "first_bytes", "first_total",
                                                   "reload_bytes", "first_requests")}
    for _ in range(runs):
        # A new profile on disk per run: an empty HTTP cache on the first visit, and a real
        # disk cache on reload (an in-memory incognito cache drops the 10+ MB files).
        profile = tempfile.mkdtemp(prefix="bench-profile-")
        context = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=FLAGS)
        sizes: list[int] = []
        context.on("requestfinished", lambda r: sizes.append(network_bytes(r)))
        page = context.pages[0] if context.pages else context.new_page()
        out["first"].append(visit_until_prediction(page, url))
        out["first_bytes"].append(sum(sizes))
        out["first_requests"].append(sum(1 for n in sizes if n))
        # the service worker finishes precaching and takes control before the reloads
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=600_000)
        out["first_total"].append(sum(sizes))
        sizes.clear()
        out["reload"].append(visit_until_prediction(page, url))  # same profile: served by the service worker
        out["reload_bytes"].append(sum(sizes))
        context.set_offline(True)
        out["offline"].append(visit_until_prediction(page, url))  # no network at all
        context.set_offline(False)
        context.close()
        shutil.rmtree(profile, ignore_errors=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="fresh profiles timed per link (default 3)")
    parser.add_argument("--predictions", type=int, default=200, help="single-row predictions to time (default 200)")
    parser.add_argument("--mbit", type=float, default=20, help="throttled link bandwidth (default 20 Mbit/s)")
    parser.add_argument("--rtt-ms", type=float, default=40, help="throttled link delay per request (default 40 ms)")
    args = parser.parse_args()
    site = ROOT / "dist" / "site"
    if not (site / "index.html").exists():
        raise SystemExit("dist/site is missing: run `make build` first")

    precache = json.loads((site / "precache-manifest.json").read_text())
    port = free_port()
    server = start_server(port, WEB_CONCURRENCY="2")
    throttled = ThrottledSite(site, mbit=args.mbit, rtt_ms=args.rtt_ms)
    url = f"http://127.0.0.1:{port}/"
    figures: dict = {"runs": args.runs, "predictions": args.predictions,
                     "throttle": {"mbit_per_s": args.mbit, "rtt_ms": args.rtt_ms}}
    try:
        with sync_playwright() as p:
            links = {"loopback": time_visits(p, url, args.runs),
                     "throttled": time_visits(p, throttled.url, args.runs)}
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            context = browser.new_context()
            page = context.new_page()
            page.goto(url)
            latency = {}
            for mode in ("browser", "server"):
                out = page.evaluate(LATENCY, {"mode": mode, "n": args.predictions})
                assert out["backend"] == mode
                latency[mode] = out["times"]
            context.close()
            browser.close()
    finally:
        stop(server)
        throttled.stop()

    figures.update({"links": links, "precache_files": len(precache["files"]), "precache_bytes": precache["total_bytes"]})
    for mode, times in latency.items():
        figures[f"{mode}_predict_ms"] = {"p50": statistics.median(times), "p95": percentile(times, 0.95),
                                         "min": min(times), "max": max(times)}

    print(f"headless Chromium, {args.runs} fresh profiles per link, median [min-max]; "
          f"throttled: {args.mbit:g} Mbit/s shared, {args.rtt_ms:g} ms per request")
    for name, t in links.items():
        print(f"  {name}")
        print(f"    page load -> first browser prediction, first visit : {spread(t['first'], ' ms', 0)}")
        print(f"    page load -> first browser prediction, reload      : {spread(t['reload'], ' ms', 0)}")
        print(f"    page load -> first browser prediction, offline     : {spread(t['offline'], ' ms', 0)}")
        print(f"    bytes downloaded, first visit to first prediction  : "
              f"{spread([b / 1e6 for b in t['first_bytes']], ' MB', 2)} ({statistics.median(t['first_requests']):.0f} requests)")
        print(f"    bytes downloaded, first visit + offline precache   : "
              f"{spread([b / 1e6 for b in t['first_total']], ' MB', 2)}")
        print(f"    bytes over the network, reload                     : "
              f"{spread([b / 1e3 for b in t['reload_bytes']], ' kB', 1)}")
    print(f"  service worker precache                              : {precache['total_bytes'] / 1e6:.2f} MB"
          f" ({len(precache['files'])} files)")
    for mode in latency:
        f = figures[f"{mode}_predict_ms"]
        print(f"  predictor.predict, 1 row, {mode:7s} backend           : p50 {f['p50']:.2f} ms, p95 {f['p95']:.2f} ms "
              f"[{f['min']:.2f}-{f['max']:.2f}] over {args.predictions}")
    write_figures("browser_timing", figures)


if __name__ == "__main__":
    sys.exit(main())
