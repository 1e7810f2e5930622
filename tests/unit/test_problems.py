"""Problems as data (py_pipeline/problems.py): numbered where they are found, from the caller's
locator, and worded once; the JSON path and a file's path give the same row numbers."""

from __future__ import annotations

import pytest

from py_pipeline import Feature, InvalidInput, Schema, csv_io
from py_pipeline.problems import Locator, Problem, file_rows, starting_at, summary

SCHEMA = Schema((Feature("a", minimum=0, maximum=1), Feature("b", type="category", categories=("x", "y"))))


def test_a_locator_numbers_the_problems_where_they_are_found():
    with pytest.raises(InvalidInput) as caught:
        SCHEMA.validate([[0.5, "x"], [2, "x"], {"a": 0.5}], Locator(first_row=5001))
    assert [(p.code, p.row, p.line, p.field) for p in caught.value.problems] == [
        ("wrong_value", 5002, None, "a"), ("missing_field", 5003, None, "b")]
    assert caught.value.message == ("row 5002, field 'a': expected a number between 0 and 1, got 2, above the "
                                    "maximum (2 problems in all)")
    assert caught.value.details[1] == {"code": "missing_field", "row": 5003, "line": None, "field": "b",
                                       "expected": "one of 'x', 'y'", "got": "missing",
                                       "message": "row 5003, field 'b': expected one of 'x', 'y', missing"}


def test_a_file_names_line_and_row_and_an_empty_cell_as_such():
    table = csv_io.read_csv("a,b\n0.5,x\n\n,y\n", SCHEMA)
    (problem,) = csv_io.validate(table, SCHEMA)[2]
    assert (problem.row, problem.line) == (2, 4)  # the blank line 3 is no row
    assert problem.message() == "line 4 (row 2), field 'a': expected a number between 0 and 1, got an empty cell"
    # a part of a larger file, told where it sits, numbers its problems in the whole file
    part = csv_io.read_csv("a,b\n0.5,x\n9,y\n", SCHEMA, first_row=101, first_line=200)
    (problem,) = csv_io.validate(part, SCHEMA)[2]
    assert (problem.row, problem.line) == (102, 201)
    assert file_rows([7]).row(0) == 1 and file_rows(None, 3).line(0) is None


def test_the_first_row_must_be_a_whole_number_of_at_least_one():
    assert starting_at(711.0).first_row == 711
    for bad in (0, -1, 1.5, "3", True, None, float("nan"), float("inf")):
        with pytest.raises(InvalidInput) as caught:
            starting_at(bad)
        assert caught.value.details[0]["field"] == "first_row"


def test_a_summary_counts_what_it_does_not_list():
    problems = [Problem("wrong_value", "a number", "got 'q'", "a", row=r) for r in (1, 2, 3)]
    assert summary(problems[:1]) == "row 1, field 'a': expected a number, got 'q'"
    assert summary(problems[:2], total=3, rows=3) == \
        "row 1, field 'a': expected a number, got 'q' (3 problems in 3 rows; the first 2 are listed)"


def test_a_row_flagged_only_to_be_sure_is_kept_when_the_row_path_accepts_it():
    """A huge integer is sent to the row path (a float may not hold it exactly): one it accepts
    (10**20, exact) is scored, one it refuses (10**20 + 1) is listed, never silently dropped."""
    schema = Schema((Feature("n", type="integer", minimum=0),))
    table = csv_io.read_csv("n\n100000000000000000000\n100000000000000000001\n5\n", schema)
    valid, X, problems = csv_io.validate(table, schema)
    assert valid == [0, 2] and X[:, 0].tolist() == [1e20, 5.0]
    assert [(p.row, p.field) for p in problems] == [(2, "n")]
