"""Screenshots of the demo page, of its element whole (the what-if chart included), of an answer's
"Why?" chart, of an answer flagged for a reading outside its typical range, of the demo after
scoring a CSV file with its explanations, of a drift report (``python -m scoring --drift-report``
on a month 5 K warmer than training), and of the
<model-predictor> example page, for review and the README: a phone (390x844) and a laptop
(1280x900), each after the first browser prediction. Written to dist/screenshots/ (generated);
the README's five small JPEG copies go to docs/screenshots/ (committed).

    .venv/bin/python -m build_scripts.screenshots     # needs `make build`; starts its own server
"""

from __future__ import annotations

import logging

from playwright.sync_api import sync_playwright

from server_fallback import create_app

from .chromium import launch
from .local_server import LiveServer
from .paths import DIST, MODELS, ROOT, SITE

SIZES = {"phone": (390, 844), "laptop": (1280, 900)}
DOCS = ROOT / "docs" / "screenshots"


def sample_file() -> str:
    """A month of made-up sensor readings for machine_failure, with two bad lines and a reading
    past its typical range (scored, and flagged)."""
    header = "Product type,Air temperature [K],Process temperature [K],Rotational speed [rpm],Torque [Nm],Tool wear [min]"
    rows = [f"{'LMH'[i % 3]},{296 + i % 7},{306 + i % 9},{1300 + 37 * (i % 40)},{20 + (i * 7) % 55},{(i * 13) % 240}"
            for i in range(720)]
    rows[100] = "L,298,308,fast,40,10"
    rows[400] = "Q,298,308,1500,40,10"
    rows[500] = "M,309,318,1500,40,10"
    return header + "\n" + "\n".join(rows) + "\n"


def drift_report(out) -> str:
    """A drift report of sample_file() made 5 K warmer, written by the command-line scorer."""
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from .data import machine_failures

    with tempfile.TemporaryDirectory() as tmp:
        header = sample_file().splitlines()[0]
        warm = [",".join(map(str, [r[0], round(r[1] + 5, 1), round(r[2] + 5, 1), *r[3:]]))
                for r in machine_failures.generate(1500, 11).rows()]
        (Path(tmp) / "hot-month.csv").write_text(header + "\n" + "\n".join(warm) + "\n")
        subprocess.run([sys.executable, "-m", "scoring", "machine_failure", str(Path(tmp) / "hot-month.csv"), "--out",
                        str(Path(tmp) / "scored.csv"), "--drift-report", str(out / "drift-report.html"), "--overwrite",
                        "--no-progress", "--models", str(MODELS)], cwd=ROOT, check=True, capture_output=True)
    return (out / "drift-report.html").as_uri()


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = create_app({"MODEL_DIR": str(MODELS), "SITE_DIR": str(SITE), "LOG_LEVEL": "WARNING"})
    server = LiveServer(app)
    out = DIST / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    DOCS.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = launch(p)
            for name, (width, height) in SIZES.items():
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(f"{server.url}/?model=machine_failure")
                page.wait_for_selector("body[data-ready=browser]", timeout=120_000)
                # a named example with something to see: overstrain, which tool wear decides (strain = torque x wear)
                page.select_option("#examples", label="Overstrain failure")
                page.wait_for_selector("#result:not([hidden])")
                page.screenshot(path=str(out / f"demo-{name}.png"))
                page.wait_for_selector("#why:not([hidden])", timeout=120_000)
                page.locator("#why").screenshot(path=str(out / f"why-{name}.png"))
                if name == "phone":  # the README's: why this answer, on a phone, small
                    page.locator("#why").screenshot(path=str(DOCS / "why.jpg"), type="jpeg", quality=60)
                page.wait_for_selector("#whatif-chart polyline", state="attached", timeout=120_000)
                page.select_option("#whatif-feature", "tool_wear_min")
                page.wait_for_timeout(1000)  # the new sweep: one 100-row batch
                page.locator("#predictor").screenshot(path=str(out / f"whatif-{name}.png"))  # the element, whole
                if name == "laptop":  # the README's: the answer and its what-if chart, small
                    page.locator("#result").screenshot(path=str(DOCS / "whatif.jpg"), type="jpeg", quality=60)
                if name == "phone":  # the README's: the form and its answer on a phone, small
                    page.screenshot(path=str(DOCS / "phone.jpg"), type="jpeg", quality=60)
                # a reading past the typical range: predicted, and flagged under the answer
                page.fill("#f-air_temperature_k", "312")
                page.click("#predict")
                page.wait_for_selector("#warnings:not([hidden])")
                page.locator("#result").screenshot(path=str(out / f"warning-{name}.png"))
                page.check("#explain-file")
                page.set_input_files("#file", files=[{"name": "sensor-log.csv", "mimeType": "text/csv",
                                                      "buffer": sample_file().encode()}])
                page.wait_for_selector("#file-result:not([hidden])", timeout=120_000)
                page.locator("#file-scoring").scroll_into_view_if_needed()
                page.screenshot(path=str(out / f"file-{name}.png"))
                if name == "laptop":  # the README's: the file-scoring view, small
                    page.screenshot(path=str(DOCS / "file-scoring.jpg"), type="jpeg", quality=60)
                page.goto(f"{server.url}/examples/element.html")
                page.wait_for_selector("#iris[data-ready=browser]", timeout=120_000)
                page.click("#iris #predict")
                page.wait_for_selector("#iris #result:not([hidden])")
                page.screenshot(path=str(out / f"element-{name}.png"), full_page=True)
                page.close()
            page = browser.new_page(viewport={"width": 1000, "height": 900})
            page.goto(drift_report(out))
            page.screenshot(path=str(out / "drift-report.png"))
            page.screenshot(path=str(DOCS / "drift-report.jpg"), type="jpeg", quality=60)
            page.close()
            browser.close()
    finally:
        server.stop()
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main()
