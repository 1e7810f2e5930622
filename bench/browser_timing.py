"""Browser timing benchmark: first visit, reload, single-row latency, bytes downloaded.

Starts the demo server (gunicorn, the built site and API on a loopback port), drives Debian
Chromium with Playwright, prints the figures and writes them to dist/bench/browser_timing.json.
Loopback only; bounded (a fixed number of runs and predictions); stops by itself.

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
from servers import ROOT, free_port, start_gunicorn, stop  # noqa: E402

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-quic"]
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


def network_bytes(request) -> int:
    """Bytes a request moved over the network: none when the service worker answered it."""
    response = request.response()
    if response is not None and response.from_service_worker:
        return 0
    sizes = request.sizes()
    return sizes["responseBodySize"] + sizes["responseHeadersSize"]


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


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="first visits and reloads to time (default 3)")
    parser.add_argument("--predictions", type=int, default=200, help="single-row predictions to time (default 200)")
    args = parser.parse_args()
    if not (ROOT / "dist" / "site" / "index.html").exists():
        raise SystemExit("dist/site is missing: run `make build` first")

    precache = json.loads((ROOT / "dist" / "site" / "precache-manifest.json").read_text())
    port = free_port()
    server = start_gunicorn(port, WEB_CONCURRENCY="2")
    url = f"http://127.0.0.1:{port}/"
    figures: dict = {"runs": args.runs, "predictions": args.predictions}
    try:
        with sync_playwright() as p:
            first, reload, offline, first_bytes, first_total, reload_bytes, files = [], [], [], [], [], [], 0
            for _ in range(args.runs):
                # A new profile on disk per run: an empty HTTP cache on the first visit, and a real
                # disk cache on reload (an in-memory incognito cache drops the 10+ MB files).
                profile = tempfile.mkdtemp(prefix="bench-profile-")
                context = p.chromium.launch_persistent_context(profile, executable_path="/usr/bin/chromium",
                                                               args=FLAGS)
                sizes: list[int] = []
                context.on("requestfinished", lambda r: sizes.append(network_bytes(r)))
                page = context.pages[0] if context.pages else context.new_page()
                first.append(visit_until_prediction(page, url))
                first_bytes.append(sum(sizes))
                files = sum(1 for n in sizes if n)
                # the service worker finishes precaching and takes control before the reloads
                page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=180_000)
                first_total.append(sum(sizes))
                sizes.clear()
                reload.append(visit_until_prediction(page, url))  # same profile: served by the service worker
                reload_bytes.append(sum(sizes))
                context.set_offline(True)
                offline.append(visit_until_prediction(page, url))  # no network at all
                context.set_offline(False)
                context.close()
                shutil.rmtree(profile, ignore_errors=True)
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
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

    figures.update({
        "first_visit_ms_median": statistics.median(first), "first_visit_ms": first,
        "reload_ms_median": statistics.median(reload), "reload_ms": reload,
        "offline_reload_ms_median": statistics.median(offline), "offline_reload_ms": offline,
        "precache_files": len(precache["files"]), "precache_bytes": precache["total_bytes"],
        "first_visit_bytes": statistics.median(first_bytes), "first_visit_requests": files,
        "reload_bytes": statistics.median(reload_bytes),
        "first_visit_bytes_with_precache": statistics.median(first_total),
    })
    for mode, times in latency.items():
        figures[f"{mode}_predict_ms_p50"] = statistics.median(times)
        figures[f"{mode}_predict_ms_p95"] = percentile(times, 0.95)

    print(f"headless Chromium, demo server on loopback, {args.runs} runs, {args.predictions} predictions")
    print(f"  page load -> first browser prediction, first visit : {figures['first_visit_ms_median']:8.0f} ms"
          f"  (runs: {', '.join(f'{t:.0f}' for t in first)})")
    print(f"  page load -> first browser prediction, reload      : {figures['reload_ms_median']:8.0f} ms"
          f"  (runs: {', '.join(f'{t:.0f}' for t in reload)})")
    print(f"  page load -> first browser prediction, offline     : {figures['offline_reload_ms_median']:8.0f} ms"
          f"  (runs: {', '.join(f'{t:.0f}' for t in offline)})")
    print(f"  service worker precache                            : {precache['total_bytes'] / 1e6:8.2f} MB"
          f"  ({len(precache['files'])} files)")
    print(f"  bytes downloaded, first visit to first prediction  : {figures['first_visit_bytes'] / 1e6:8.2f} MB"
          f"  ({files} requests)")
    print(f"  bytes downloaded, first visit + offline precache   : "
          f"{figures['first_visit_bytes_with_precache'] / 1e6:8.2f} MB")
    print(f"  bytes over the network, reload                     : {figures['reload_bytes'] / 1e3:8.1f} kB")
    for mode in latency:
        print(f"  predictor.predict, 1 row, {mode:7s} backend         : "
              f"p50 {figures[f'{mode}_predict_ms_p50']:.2f} ms, p95 {figures[f'{mode}_predict_ms_p95']:.2f} ms")
    out = ROOT / "dist" / "bench" / "browser_timing.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"  written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
