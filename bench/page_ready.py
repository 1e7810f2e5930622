"""Time to the first answer, beside the straightforward approach, for iris and the 100-tree forest.

Ours: a page that uses the client library (bench/pages/ours.js). Baseline: Pyodide on the main
thread, ``loadPackage(["scikit-learn"])`` (and pandas for a DataFrame-fitted model),
``joblib.load``, ``model.predict`` (bench/pages/baseline.js). Both pages are served from one
directory: the built site, the pages, the full Pyodide distribution (with compressed copies, as
the site has) and the pickled models.

Measured in headless Chromium on loopback (the demo server: site and API), each over ``--runs``
fresh profiles, median [min-max]:
- browser-ready (the model loaded, ready to predict) on a first visit, and on a second visit with
  the same profile: served by the service worker, and with service workers blocked (the HTTP
  cache and Chrome's compiled-wasm code cache alone); the second visit restores this device's
  snapshot of Python (issue 35), made once the first is quiet, and the same pair of visits with
  no snapshot made is the baseline measured in the same run;
- the first prediction in auto mode with the server-first warm-up on (and when the browser took
  over);
- single-row latency through ``predictor.predict`` (200 calls), 10,000 rows in one call;
- bytes over the network on a first visit; main-thread long tasks while loading and scoring;
- the first visit through an emulated 20 Mbit/s, 40 ms link (bench/throttled_static.py).

With ``--explain`` it measures explanations instead (issue 32): ``predictor.explain`` in browser
mode, one row (median of 50 calls) and 1,000 varied rows (median of 3) for iris, the forest and
HistGradientBoosting 1.1.0, with the main thread's longest task meanwhile.

    make bench-ready     # or: .venv/bin/python bench/page_ready.py --runs 3
    make bench-explain-page     # .venv/bin/python bench/page_ready.py --explain
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chromium import CHROMIUM, FLAGS, network_bytes  # noqa: E402
from servers import ROOT, free_port, start_server, stop  # noqa: E402
from stats import spread, write_figures  # noqa: E402
from throttled_static import ThrottledSite  # noqa: E402

sys.path.insert(0, str(ROOT))
from build_scripts import compress  # noqa: E402

DIST = ROOT / "dist"
MODELS = [("iris", "1.0.0"), ("machine_failure", "1.0.0")]  # logistic regression; the 100-tree forest
TIMEOUT_MS = 300_000


def bench_root() -> Path:
    """The site, the pages, the full Pyodide distribution and the pickles, as links in one folder."""
    root = Path(tempfile.mkdtemp(prefix="bench-ready-"))
    for entry in (DIST / "site").iterdir():
        (root / entry.name).symlink_to(entry)
    (root / "bench").symlink_to(ROOT / "bench" / "pages")
    full = root / "pyodide-full"
    full.mkdir()
    for entry in (DIST / "pyodide").iterdir():
        (full / entry.name).symlink_to(entry)
    compress.compress_site(full)  # the baseline gets compressed copies too, as a configured host sends
    pickles = root / "baseline-models"
    pickles.mkdir()
    for name, version in MODELS:
        (pickles / f"{name}-{version}.joblib").symlink_to(DIST / "models" / name / version / "model.joblib")
    return root


def page_url(origin: str, page: str, name: str, version: str, **extra: str) -> str:
    manifest = json.loads((DIST / "models" / name / version / "manifest.json").read_text())
    query = {"model": name, "version": version, "row": json.dumps(manifest["example"]),
             "features": json.dumps([f["name"] for f in manifest["features"]]), **extra}
    if page == "baseline" and manifest.get("fitted_on") == "dataframe":
        query["names"] = json.dumps([f["name"] for f in manifest["features"]])
    if page == "baseline":  # the pickle names its feature packages' code: their wheels, as the site serves them
        query["wheels"] = json.dumps([f"pyodide/{p['file']}" for p in manifest.get("feature_packages", [])])
    return f"{origin}bench/{page}.html?{urlencode(query)}"


class Profile:
    """A persistent Chromium profile on disk: a real HTTP cache and code cache across visits."""

    def __init__(self, p, service_workers: str = "allow") -> None:
        self.dir = tempfile.mkdtemp(prefix="bench-profile-")
        self.context = p.chromium.launch_persistent_context(self.dir, executable_path=CHROMIUM, args=FLAGS,
                                                            service_workers=service_workers)
        self.sizes: list[int] = []
        self.context.on("requestfinished", lambda r: self.sizes.append(network_bytes(r)))
        self.page = self.context.pages[0] if self.context.pages else self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)

    def visit(self, url: str) -> dict:
        self.sizes.clear()
        self.page.goto(url)
        self.errors.clear()
        for _ in range(TIMEOUT_MS // 250):
            if self.errors:
                raise SystemExit(f"{url.split('?')[0]} failed: {self.errors}")
            if self.page.evaluate("window.__bench !== undefined"):
                break
            self.page.wait_for_timeout(250)
        else:
            raise SystemExit(f"{url.split('?')[0]} gave no figures within {TIMEOUT_MS / 1000:.0f} s")
        out = self.page.evaluate("window.__bench")
        out["bytes"] = sum(self.sizes)
        return out

    def wait_snapshot(self) -> str:
        """Wait until this device's snapshot of Python is made for the next visit (issue 35), or why not."""
        self.page.wait_for_function("() => window.__snapshot !== undefined", timeout=TIMEOUT_MS)
        return self.page.evaluate("window.__snapshot")

    def close(self) -> None:
        self.context.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def run_model(p, origin: str, throttled: str | None, name: str, version: str) -> dict[str, list]:
    """One fresh-profile round of every scenario for one model."""
    got: dict[str, list] = {}

    def add(key: str, value) -> None:
        got.setdefault(key, []).append(value)

    def add_measured(who: str, first: dict) -> None:
        """What a first visit with ``measure=1`` gives either page."""
        add(f"{who}.first", first["created"])
        add(f"{who}.bytes", first["bytes"])
        add(f"{who}.single", first["singleMs"])
        add(f"{who}.batch", min(first["batchMs"]))
        add(f"{who}.load_long", max(first["loadLongTasks"], default=0))
        add(f"{who}.batch_long", max(first["batchLongTasks"], default=0))

    ours = Profile(p)  # first visit, then the second served by the service worker
    first = ours.visit(page_url(origin, "ours", name, version, measure="1", sw="1"))
    ours.page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=TIMEOUT_MS)
    made = ours.wait_snapshot()
    second = ours.visit(page_url(origin, "ours", name, version))
    ours.close()
    print(f"    {name}: snapshot {made}; second visit: {second['started']}", file=sys.stderr)
    add_measured("ours", first)
    add("ours.columns", min(first["columnsMs"]))
    add("ours.second_sw", second["created"])

    unsnapped = Profile(p)  # the same with no snapshot kept (configureRuntime): Python starts every visit
    unsnapped.visit(page_url(origin, "ours", name, version, sw="1", snapshot="0"))
    unsnapped.page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=TIMEOUT_MS)
    second = unsnapped.visit(page_url(origin, "ours", name, version, snapshot="0"))
    assert second["started"].startswith("no snapshot: turned off"), second["started"]
    add("ours.second_sw_no_snapshot", second["created"])
    unsnapped.close()

    plain = Profile(p, service_workers="block")  # the HTTP cache and code cache alone
    plain.visit(page_url(origin, "ours", name, version))
    plain.wait_snapshot()
    add("ours.second_http", plain.visit(page_url(origin, "ours", name, version))["created"])
    plain.close()

    warm = Profile(p)
    out = warm.visit(page_url(origin, "ours", name, version, warmup="1"))
    warm.close()
    assert out["firstBackend"] == "server", out
    add("ours.warm_first", out["first"])
    add("ours.warm_browser", out["browserReady"])

    base = Profile(p)
    first = base.visit(page_url(origin, "baseline", name, version, measure="1"))
    second = base.visit(page_url(origin, "baseline", name, version))
    base.close()
    add_measured("base", first)
    add("base.warm_first", first["first"])  # no server to warm up with: its first prediction
    add("base.second_http", second["created"])

    if throttled:
        for who, page in (("ours", "ours"), ("base", "baseline")):
            profile = Profile(p)
            add(f"{who}.throttled", profile.visit(page_url(throttled, page, name, version))["created"])
            profile.close()
    return got


ROWS = [  # (key, label, unit, target for ours per model or None, smaller is better)
    ("warm_first", "first prediction, auto + warm-up, server up", "ms", {"iris": 300, "machine_failure": 300}),
    ("first", "browser-ready, first visit", "ms", {"iris": 2000, "machine_failure": 2000}),  # issue 36
    ("warm_browser", "browser takes over, auto + warm-up", "ms", None),
    ("second_sw", "browser-ready, second visit (service worker)", "ms", {"iris": 1000, "machine_failure": 1000}),
    ("second_sw_no_snapshot", "browser-ready, second visit, no snapshot (sw)", "ms", None),
    ("second_http", "browser-ready, second visit (HTTP cache only)", "ms", None),
    ("throttled", "browser-ready, first visit, 20 Mbit/s + 40 ms", "ms", {"iris": 4500, "machine_failure": 4500}),
    ("single_median", "1 row, median", "ms", None),
    ("single_mean", "1 row, mean", "ms", {"iris": 0.25, "machine_failure": 0.4}),  # issue 36
    ("rows_per_s", "10,000 rows in one call", "rows/s", {"iris": 1_000_000, "machine_failure": 100_000}),
    ("columns_per_s", "10,000 rows, predictColumns (typed arrays)", "rows/s", None),
    ("bytes", "bytes over the network, first visit", "MB", {"iris": 6, "machine_failure": None}),  # issue 36
    ("load_long", "longest main-thread task while loading", "ms", {"iris": 50, "machine_failure": 50}),
    ("batch_long", "longest main-thread task, 10,000 rows", "ms", {"iris": 50, "machine_failure": 50}),
]


def summarise(got: dict[str, list], who: str) -> dict[str, list[float]]:
    """Per row key, one figure per run."""
    out: dict[str, list[float]] = {}
    for key, *_ in ROWS:
        if key == "single_median":
            values = [statistics.median(s) for s in got[f"{who}.single"]]
        elif key == "single_mean":
            values = [statistics.fmean(s) for s in got[f"{who}.single"]]
        elif key in ("rows_per_s", "columns_per_s"):
            batches = got.get(f"{who}.{'batch' if key == 'rows_per_s' else 'columns'}", [])
            values = [10_000 / (ms / 1000) for ms in batches]
        elif key == "bytes":
            values = [b / 1e6 for b in got[f"{who}.bytes"]]
        else:
            values = got.get(f"{who}.{key}", [])
        out[key] = values
    return out


EXPLAIN_MODELS = {("iris", "1.0.0"): 1, ("machine_failure", "1.0.0"): 20, ("machine_failure", "1.1.0"): 10}
EXPLAIN_BATCH_TARGET = {("machine_failure", "1.0.0"): 2000}  # 1,000 rows of the forest, ms


def explain_figures(p, origin: str, runs: int) -> dict:
    """``predictor.explain`` in the page (browser mode), for each model of EXPLAIN_MODELS."""
    out = {}
    for name, version in EXPLAIN_MODELS:
        got = []
        for _ in range(runs):
            profile = Profile(p)
            got.append(profile.visit(page_url(origin, "ours", name, version, measure="explain")))
            profile.close()
        out[f"{name} {version}"] = {"one_row_ms": [statistics.median(g["explainSingleMs"]) for g in got],
                                    "one_row_mean_ms": [statistics.fmean(g["explainSingleMs"]) for g in got],
                                    "batch_ms": [statistics.median(g["explainBatchMs"]) for g in got],
                                    "longest_task_ms": [max(g["explainLongTasks"], default=0) for g in got]}
    print(f"predictor.explain in headless Chromium (browser mode, loopback), {runs} fresh profile(s) per model, "
          "median [min-max]")
    for (name, version), target in EXPLAIN_MODELS.items():
        f = out[f"{name} {version}"]
        one = statistics.median(f["one_row_ms"])
        batch, longest = statistics.median(f["batch_ms"]), max(f["longest_task_ms"])
        mean = statistics.median(f["one_row_mean_ms"])
        print(f"  {name} {version}: 1 row {spread(f['one_row_ms'], ' ms', 2)} (mean {mean:.2f} ms), "
              f"target < {target} ms: {'met' if one < target else 'MISSED'}")
        batch_target = EXPLAIN_BATCH_TARGET.get((name, version))
        print(f"    1,000 rows {spread(f['batch_ms'], ' ms', 0)}"
              + (f", target < {batch_target} ms: {'met' if batch < batch_target else 'MISSED'}" if batch_target else "")
              + f"; longest main-thread task {longest:.0f} ms, target <= 50 ms: {'met' if longest <= 50 else 'MISSED'}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="fresh-profile rounds per model (default 3)")
    parser.add_argument("--throttled-runs", type=int, default=1, help="rounds that include the emulated link")
    parser.add_argument("--explain", action="store_true", help="measure predictor.explain instead (issue 32)")
    args = parser.parse_args()
    if not (DIST / "site" / "index.html").exists():
        raise SystemExit("dist/site is missing: run `make build` first")
    root = bench_root()
    port = free_port()
    server = start_server(port, WEB_CONCURRENCY="2", SITE_DIR=str(root))
    throttled = ThrottledSite(root, mbit=20, rtt_ms=40)
    origin = f"http://127.0.0.1:{port}/"
    results: dict[str, dict[str, list]] = {}
    try:
        with sync_playwright() as p:
            if args.explain:
                write_figures("page_explain", explain_figures(p, origin, args.runs))
                return
            for name, version in MODELS:
                merged: dict[str, list] = {}
                for i in range(args.runs):
                    link = throttled.url if i < args.throttled_runs else None
                    for key, values in run_model(p, origin, link, name, version).items():
                        merged.setdefault(key, []).extend(values)
                results[name] = merged
    finally:
        stop(server)
        throttled.stop()
        shutil.rmtree(root, ignore_errors=True)

    figures: dict = {"runs": args.runs, "throttled_runs": args.throttled_runs, "models": {}}
    print(f"headless Chromium, loopback, {args.runs} fresh profiles per model, median [min-max]; "
          f"ours: the client library (worker, portable engine); baseline: Pyodide on the main thread + "
          f"scikit-learn + joblib.load")
    for name, got in results.items():
        ours, base = summarise(got, "ours"), summarise(got, "base")
        figures["models"][name] = {"ours": ours, "baseline": base}
        print(f"  {name}")
        for key, label, unit, targets in ROWS:
            if not ours[key]:
                continue
            digits = 2 if unit == "MB" or key.startswith("single") else 0
            o, b = statistics.median(ours[key]), statistics.median(base[key]) if base[key] else None
            ratio = ""
            if b:
                ratio = f"  x{(o / b if key.endswith('_per_s') else b / o):.1f}" if o else ""
            target = (targets or {}).get(name)
            met = ""
            if target is not None:
                ok = o >= target if key == "rows_per_s" else o <= target
                met = f"  target {'>' if key == 'rows_per_s' else '<'} {target:g}: {'met' if ok else 'MISSED'}"
            shown_b = spread(base[key], "", digits) if b is not None else "n/a"
            print(f"    {label:48s} ours {spread(ours[key], '', digits):28s} baseline {shown_b:28s} {unit}{ratio}{met}")
    write_figures("page_ready", figures)


if __name__ == "__main__":
    sys.exit(main())
