"""CSV reading and writing without a model (py_pipeline/csv_io.py): cells a spreadsheet would run as
a formula are neutralised in result and error files unless raw cells are asked for, numbers never
are; reading stops one record past a row limit."""

from __future__ import annotations

import pytest

from py_pipeline import Schema, csv_io
from py_pipeline.problems import Problem

SCHEMA = Schema.from_list([{"name": "a", "type": "number"}, {"name": "b", "type": "number"}])


@pytest.mark.parametrize("cell, written", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1+2", "'+1+2"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("-1.5", "-1.5"), ("+3", "+3"), ("-1e-5", "-1e-5"),
    ("a=b", "a=b"), ("", ""), ("-", "'-"),
])
def test_formula_cells_get_a_leading_quote_and_numbers_never_do(cell, written):
    assert csv_io.safe_cell(cell) == written


@pytest.mark.parametrize("raw", [False, True])
def test_result_and_error_files_neutralise_every_cell_unless_raw(raw):
    scored = csv_io.Scored([0], ["=HYPERLINK(1)"], None, ["=HYPERLINK(1)"],
                           [Problem("wrong_value", "=x", "@got", "a", row=2, line=3)])
    table = csv_io.CsvTable(["a", "=b"], [["1", "+cmd"]], [2], ",", {"a": 0, "b": 1})
    result = csv_io.result_csv(table, scored, raw).splitlines()
    errors = csv_io.errors_csv(scored, raw).splitlines()
    if raw:
        assert result == ["a,=b,prediction", "1,+cmd,=HYPERLINK(1)"] and errors[1] == "2,3,a,=x,\"line 3 (row 2), field 'a': expected =x, @got\""
    else:
        assert result == ["a,'=b,prediction", "1,'+cmd,'=HYPERLINK(1)"] and errors[1] == "2,3,a,'=x,\"line 3 (row 2), field 'a': expected =x, @got\""


def test_reading_stops_one_record_past_the_row_limit():
    body = b"a,b\n" + b"1,2\n" * 10_000 + b"1,\xe9\n"  # a byte that is not UTF-8, never reached
    table = csv_io.read_csv(body, SCHEMA, max_rows=10)
    assert len(table.records) == 11 and table.lines[-1] == 12
    with pytest.raises(csv_io.InvalidInput, match="line 10002: the file is not UTF-8 text"):
        csv_io.read_csv(body, SCHEMA)


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_column_writer_writes_what_the_csv_module_writes(delimiter):
    """Result files are joined a column at a time (csv_io.result_text): byte for byte what
    Python's csv writer gives, for cells with delimiters, quotes, line breaks, tabs and nothing."""
    import csv
    import io
    import random

    rng = random.Random(7)
    alphabet = ["a", "1", ",", ";", "\t", '"', "\r", "\n", " ", "=", "é", ""]
    for _ in range(200):
        rows = [[("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4)))) for _ in range(3)]
                for _ in range(rng.randint(1, 6))]
        out = io.StringIO(newline="")
        csv_io.rows_writer(out, delimiter).writerows(rows)
        assert csv_io.result_text([list(c) for c in zip(*rows)], delimiter) == out.getvalue(), rows
    assert csv.QUOTE_MINIMAL == csv_io.rows_writer(io.StringIO()).dialect.quoting
