"""Scoring a CSV file in the demo page (browser tier): privately in the browser (no request carries
a row), the same result and error files as the server's answers for the same file, Cancel within a
second, and the server backend for the same file."""

from __future__ import annotations

import time

import pytest
import requests

from ..support.browser import LOAD_TIMEOUT_MS, Visit

HEADER = "id,Sepal length (cm),Sepal width (cm),Petal length (cm),Petal width (cm)"
GOOD = ["1,2.5,1.3,4.0,0.8", "2,5.1,3.5,1.4,0.2", "3,6.7,3.0,5.2,2.3"]
BAD = ["4,abc,3.0,5.2,2.3", "5,5.0,3.0,5.2,99"]


def csv_text(rows: list[str]) -> str:
    return HEADER + "\r\n" + "".join(r + "\r\n" for r in rows)


def choose(page, text: str, name: str = "measurements.csv") -> None:
    page.set_input_files("#file", files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode()}])


def downloaded(page, link: str) -> str:
    """What the user gets from clicking a download link."""
    with page.expect_download() as info:
        page.click(f"#{link}")
    return open(info.value.path(), encoding="utf-8", newline="").read()


@pytest.fixture(scope="module")
def demo(browser, live_server):
    """The demo in browser mode, its runtime up, for the browser-mode tests (each chooses a file:
    choosing one clears the last one's result)."""
    visit = Visit(browser, live_server.url)
    visit.open("/?mode=browser").page.wait_for_selector("body[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
    yield visit
    visit.close()


def test_a_file_is_scored_in_the_browser_as_the_server_scores_it(demo, live_server):
    visit, page = demo, demo.page
    before = len(visit.requests)
    posts = []
    def post(r):
        if r.method != "GET":
            posts.append(r)

    page.on("request", post)
    rows = [GOOD[0], BAD[0], GOOD[1], BAD[1], GOOD[2]]
    choose(page, csv_text(rows))
    page.wait_for_selector("body[data-scored]", timeout=LOAD_TIMEOUT_MS)
    assert page.get_attribute("body", "data-scored") == "3"
    # private: scoring made no request at all (no POST, nothing with a row in it)
    assert posts == [] and all("abc" not in u and "2.5" not in u for u in visit.requests[before:])
    result, errors = downloaded(page, "download-result"), downloaded(page, "download-errors")
    # the server's answer for the same file: the same problems, by line ...
    server = requests.post(f"{live_server.url}/api/v1/models/iris/predict", data=csv_text(rows),
                           headers={"Content-Type": "text/csv"}, timeout=30)
    assert server.status_code == 422
    details = server.json()["error"]["details"]
    lines = errors.strip().split("\r\n")[1:]
    assert [line.split(",")[:2] for line in lines] == [[str(d["row"]), str(d["line"])] for d in details] \
        == [["2", "3"], ["4", "5"]]
    assert all(d["message"] in line for d, line in zip(details, lines))
    # ... and the same scored file for the rows it accepts
    good = requests.post(f"{live_server.url}/api/v1/models/iris/predict", data=csv_text(GOOD),
                         headers={"Content-Type": "text/csv", "Accept": "text/csv"}, timeout=30)
    assert result == good.text
    assert page.locator("#preview tr").count() == 4  # a header and the three scored rows
    assert page.locator("#histogram rect").count() == 10
    assert "Sepal length (cm) → sepal_length_cm" in page.inner_text("#file-status")
    assert visit.errors == []
    page.remove_listener("request", post)


def test_a_file_with_fewer_rows_than_lines_finishes(demo):
    """Blank lines and a quoted line break make the line count overestimate the rows: scoring
    still ends when the file does."""
    page = demo.page
    text = (HEADER + ",note\r\n" + "".join(f"{r},\r\n" for r in GOOD)
            + '6,5.0,3.4,1.5,0.2,"two\r\nlines"\r\n\r\n\r\n')  # 8 line breaks, 4 rows
    choose(page, text)
    page.wait_for_selector("body[data-scored]", timeout=30_000)
    assert page.get_attribute("body", "data-scored") == "4"
    assert demo.errors == []


@pytest.mark.timing
def test_cancel_stops_scoring_within_a_second(demo):
    page = demo.page
    choose(page, csv_text([GOOD[i % 3].replace(str(i % 3 + 1), "9", 1) for i in range(300_000)]), "big.csv")
    page.wait_for_function("() => document.getElementById('file-bar').value > 0", timeout=LOAD_TIMEOUT_MS)
    started = time.monotonic()
    page.click("#cancel")
    page.wait_for_selector("#file-error:not([hidden])", timeout=5_000)
    assert time.monotonic() - started < 1.0
    assert page.inner_text("#file-error") == "Cancelled: nothing was kept."
    assert page.get_attribute("body", "data-scored") is None


def test_the_server_backend_scores_the_same_file(browser, live_server):
    visit = Visit(browser, live_server.url)
    page = visit.open("/?mode=server").page
    page.wait_for_selector("body[data-ready=server]", timeout=LOAD_TIMEOUT_MS)
    choose(page, csv_text(GOOD))
    page.wait_for_selector("#file-result:not([hidden])", timeout=LOAD_TIMEOUT_MS)
    good = requests.post(f"{live_server.url}/api/v1/models/iris/predict", data=csv_text(GOOD),
                         headers={"Content-Type": "text/csv", "Accept": "text/csv"}, timeout=30)
    assert downloaded(page, "download-result") == good.text
    # a file with bad rows: scored as in the browser, each rejected row listed by its row and line
    choose(page, csv_text([GOOD[0], BAD[0], GOOD[1]]))
    page.wait_for_selector("body[data-scored='2']", timeout=LOAD_TIMEOUT_MS)
    assert "line 3 (row 2), field 'sepal_length_cm'" in page.inner_text("#file-problems")
    errors = downloaded(page, "download-errors").split("\r\n")
    assert errors[0] == "row,line,field,expected,problem" and errors[1].startswith("2,3,sepal_length_cm,")
    visit.close()
