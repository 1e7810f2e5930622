"""predictor.predictBatch (browser tier): many rows or a CSV file a chunk at a time, in both modes,
answering what one call would (errors included, rows and lines numbered in the whole batch), with
progress per chunk and cancel; a file larger than the server's rows-per-request cap, in chunks."""

from __future__ import annotations

import pytest

from ..support.browser import Visit
from ..support.parity import assert_same_predictions

ROWS = 12_000  # over the server's 10,000 rows per request
HEADER = "id,sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm"

# Runs in the page: the same batch in each mode; each answer, error and progress report.
BATCH = """
async ({ rows, csv, chunkSize, cancelAfter }) => {
  const { createPredictor } = await import("./lib/predictor.js");
  const out = {};
  for (const mode of ["browser", "server"]) {
    const predictor = await createPredictor({ model: "iris", mode });
    const run = async (input, options = {}) => {
      const progress = [];
      const controller = new AbortController();
      try {
        const result = await predictor.predictBatch(input, { chunkSize, signal: controller.signal, ...options,
          onProgress: (p) => {
            progress.push({ done: p.done, total: p.total, start: p.start, rows: p.result?.predictions.length });
            if (cancelAfter && progress.length === cancelAfter) controller.abort();
          } });
        return { ok: true, progress, result: result.result ? await result.result.text() : result,
                 errors: result.errors ? await result.errors.text() : null, problems: result.problems,
                 shape: Object.keys(result).filter((k) => !["counts", "histogram"].includes(k)).sort() };
      } catch (e) {
        return { ok: false, progress, error: { code: e.code, message: e.message, details: e.details } };
      }
    };
    out[mode] = { rows: await run(rows), csv: await run(csv) };
    if (!cancelAfter) out[mode].whole = await predictor.predict(rows.slice(0, 3000)).then((r) => r.predictions);
    predictor.close();
  }
  return out;
}
"""


def rows(n: int) -> list[list[float]]:
    return [[4.3 + (i % 36) / 10, 2.0 + (i % 24) / 10, 1.0 + (i % 59) / 10, 0.1 + (i % 25) / 10] for i in range(n)]


def csv_of(data: list[list]) -> str:
    return HEADER + "\n" + "".join(f"{i},{','.join(map(str, r))}\n" for i, r in enumerate(data))


@pytest.fixture(scope="module")
def page(browser, live_server):
    """One page for the module's batches (the demo in server mode: its runtime is the batches'
    browser predictors', started once)."""
    visit = Visit(browser, live_server.url).open("/?mode=server")
    yield visit
    visit.close()


def run(page, data, chunk_size=5000, cancel_after=0):
    out = page.page.evaluate(BATCH, {"rows": data, "csv": csv_of(data), "chunkSize": chunk_size,
                                     "cancelAfter": cancel_after})
    assert page.errors == []
    return out


def test_a_batch_answers_as_one_call_in_both_modes(page):
    out = run(page, rows(ROWS))
    browser_rows, server_rows = out["browser"]["rows"], out["server"]["rows"]
    assert browser_rows["ok"] and server_rows["ok"], (browser_rows.get("error"), server_rows.get("error"))
    assert browser_rows["result"]["predictions"] == server_rows["result"]["predictions"]
    assert len(browser_rows["result"]["predictions"]) == ROWS
    assert_same_predictions(browser_rows["result"], server_rows["result"])  # probabilities within 1e-9
    # the first chunk's answers are those of one predict() call with the same rows
    assert browser_rows["result"]["predictions"][:3000] == out["browser"]["whole"] == out["server"]["whole"]
    # progress after each chunk, with that chunk's own result
    for mode in ("browser", "server"):
        progress = out[mode]["rows"]["progress"]
        assert [(p["start"], p["rows"], p["done"], p["total"]) for p in progress] == \
            [(0, 5000, 5000, ROWS), (5000, 5000, 10000, ROWS), (10000, 2000, ROWS, ROWS)]
    # a CSV file over the server's cap: scored in chunks there, the same file as in the browser
    browser_csv, server_csv = out["browser"]["csv"], out["server"]["csv"]
    assert browser_csv["ok"] and server_csv["ok"], (browser_csv.get("error"), server_csv.get("error"))
    assert server_csv["result"] == browser_csv["result"]
    assert server_csv["result"].count("\r\n") == ROWS + 1
    assert server_csv["progress"][-1]["done"] == ROWS


def test_bad_rows_reject_alike_numbered_in_the_whole_batch(page):
    data = rows(ROWS)
    data[7003][2] = "abc"
    out = run(page, data)
    errors = {mode: out[mode]["rows"]["error"] for mode in ("browser", "server")}
    assert errors["browser"] == errors["server"]
    assert errors["browser"]["code"] == "invalid_input"
    # the 7,004th row (rows count from 1): each chunk told the backend where it starts
    assert errors["browser"]["message"].startswith("row 7004, field 'petal_length_cm'")
    assert [d["row"] for d in errors["browser"]["details"]] == [7004]
    # the file: both modes score the good rows and list the bad one by its row and line in the
    # whole file (the server a piece at a time, partially), and write the same result file
    browser_csv, server_csv = out["browser"]["csv"], out["server"]["csv"]
    assert browser_csv["ok"] and server_csv["ok"], server_csv.get("error")
    for scored in (browser_csv, server_csv):
        assert [(p["row"], p["line"]) for p in scored["problems"]] == [(7004, 7005)]
        assert scored["problems"][0]["message"].startswith("line 7005 (row 7004), field 'petal_length_cm'")
    assert server_csv["result"] == browser_csv["result"] and server_csv["errors"] == browser_csv["errors"]
    assert server_csv["shape"] == browser_csv["shape"]


def test_cancel_stops_between_chunks(page):
    out = run(page, rows(ROWS), chunk_size=1000, cancel_after=2)
    for mode in ("browser", "server"):
        for kind in ("rows", "csv"):
            answer = out[mode][kind]
            assert not answer["ok"] and answer["error"]["code"] == "cancelled", (mode, kind)
            assert len(answer["progress"]) == 2, (mode, kind)  # nothing scored after the abort
