"""The demo's drift report (issue 34, browser tier): a file scored in the browser with "Drift
report" gets a downloadable HTML report, made in the worker from the model's published profile
(counts only) with no request carrying a row, and judged exactly as ``python -m scoring
--drift-report`` judges the same file."""

from __future__ import annotations

import subprocess
import sys

from ..host.test_scoring_drift import shifted_file
from ..support.browser import LOAD_TIMEOUT_MS, Visit
from ..support.paths import ROOT
from .test_file_scoring import choose, downloaded


def test_a_file_scored_in_the_browser_gets_the_command_lines_drift_report(browser, live_server, model_dir, tmp_path):
    shifted_file(tmp_path / "hot.csv", rows=600)
    visit = Visit(browser, live_server.url)
    page = visit.open("/?mode=browser&model=machine_failure").page
    page.wait_for_selector("body[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
    posts = []
    page.on("request", lambda r: posts.append(r) if r.method != "GET" else None)
    page.check("#drift-file")
    choose(page, (tmp_path / "hot.csv").read_text(), "hot.csv")
    page.wait_for_selector("body[data-scored]", timeout=LOAD_TIMEOUT_MS)
    assert posts == []
    report = downloaded(page, "download-drift")
    done = subprocess.run([sys.executable, "-m", "scoring", "machine_failure", str(tmp_path / "hot.csv"), "--out",
                           str(tmp_path / "out.csv"), "--models", str(model_dir), "--drift-report",
                           str(tmp_path / "cli.html"), "--no-progress"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    cli = (tmp_path / "cli.html").read_text()
    assert "600 scored rows" in report and 'data-feature="air_temperature_k" data-drifted="true"' in report
    # the same verdict, statistics and histograms: only the line naming the source differs
    assert report.split('<p class="verdict')[1] == cli.split('<p class="verdict')[1]
    assert visit.errors == []
    visit.close()
