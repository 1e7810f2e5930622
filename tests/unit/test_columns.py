"""Column batches (web/lib/columns.js -> py_pipeline/columns.py) against the JSON row path.

Node encodes each case with the page's own encoder (tests/support/js/column_cases.mjs); every batch must
validate to the very array, or fail with the very error, that the same rows give as JSON.
"""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest

from py_pipeline.columns import ColumnBatch, validate_batch
from py_pipeline.errors import InvalidInput
from py_pipeline.schema import Schema

CASES_SCRIPT = Path(__file__).parent.parent / "support" / "js" / "column_cases.mjs"


@pytest.fixture(scope="module")
def encoded():
    out = subprocess.run(["node", "--no-warnings", str(CASES_SCRIPT)], capture_output=True, text=True, check=True, timeout=60)
    data = json.loads(out.stdout)
    return Schema.from_list(data["features"]), {c["name"]: c for c in data["cases"]}


def outcome(fn):
    try:
        return "ok", fn()
    except InvalidInput as exc:
        return "error", exc.to_dict()


def from_batch(schema, batch):
    numbers = base64.b64decode(batch["numbers"])
    codes = base64.b64decode(batch["codes"])
    return validate_batch(schema, ColumnBatch.from_wire(schema, json.loads(batch["meta"]), numbers, codes))


CASE_NAMES = ["arrays", "objects", "missing_allowed", "missing_allowed_objects", "many_valid", "many_with_two_bad",
              "nan_where_not_allowed", "null_where_not_allowed", "strings_and_booleans", "out_of_range",
              "unknown_category", "absent_and_unknown_keys", "wrong_shapes", "nested_values", "undefined_in_arrays",
              "big_integers", "many_bad", "only_scalars", "columns_typed", "columns_missing_column",
              "columns_extra_column", "columns_typed_nan_not_allowed"]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_a_column_batch_validates_as_the_same_rows_in_json(encoded, name):
    schema, cases = encoded
    case = cases[name]
    assert case["batch"] is not None, "the encoder should take this input"
    via_columns = outcome(lambda: from_batch(schema, case["batch"]))
    via_json = outcome(lambda: schema.validate(json.loads(case["rows_json"])))
    assert via_columns[0] == via_json[0], (via_columns, via_json)
    if via_json[0] == "error":
        assert via_columns[1] == via_json[1]
    else:
        a, b = via_columns[1], via_json[1]
        assert a.shape == b.shape
        for j in range(a.shape[1]):  # numbers compare as floats (JSON keeps 3 as an int), NaN equal to NaN
            left, right = list(a[:, j]), list(b[:, j])
            assert all(x == y or (x != x and y != y) for x, y in zip(left, right)), (j, left, right)


def test_nan_and_infinity_are_named_never_null(encoded):
    schema, cases = encoded
    _, error = outcome(lambda: from_batch(schema, cases["nan_where_not_allowed"]["batch"]))
    got = [d["message"].split(", got ")[1] for d in error["details"]]
    assert got == ["NaN, not a finite number", "Infinity, not a finite number", "-Infinity, not a finite number"]


def test_problems_are_capped_but_counted(encoded):
    schema, cases = encoded
    _, error = outcome(lambda: from_batch(schema, cases["many_bad"]["batch"]))
    assert error["total"] == 600 and len(error["details"]) == 100


def test_mixed_arrays_and_objects_take_the_json_path(encoded):
    assert encoded[1]["arrays_mixed_with_objects"]["batch"] is None


def test_a_batch_that_does_not_fit_the_schema_is_refused(encoded):
    schema, cases = encoded
    batch = cases["arrays"]["batch"]
    with pytest.raises(InvalidInput, match="does not fit the schema"):
        ColumnBatch.from_wire(schema, json.loads(batch["meta"]), base64.b64decode(batch["numbers"])[:8],
                              base64.b64decode(batch["codes"]))
