"""Row validation: good rows in both shapes, and a table of bad inputs with their messages."""

import math

import numpy as np
import pytest

from py_pipeline import Feature, InvalidBundle, InvalidInput, Schema

SCHEMA = Schema((
    Feature("length_cm", unit="cm", minimum=0, maximum=15),
    Feature("count", type="integer", minimum=0),
    Feature("kind", type="category", categories=("L", "M", "H")),
))


def test_objects_and_arrays_give_the_same_matrix():
    by_name = SCHEMA.validate([{"kind": "M", "length_cm": 1.5, "count": 3}])
    by_order = SCHEMA.validate([[1.5, 3, "M"]])
    assert by_name.tolist() == by_order.tolist() == [[1.5, 3, "M"]]


def test_numeric_schema_gives_float_matrix():
    schema = Schema((Feature("a"), Feature("b")))
    X = schema.validate([[1, 2.5], {"a": 0, "b": -1}])
    assert X.dtype == np.float64 and X.shape == (2, 2)


BAD_ROWS = [
    # (rows, field of the first problem, words the message must contain)
    ("not a list", "rows", "must be a list"),
    ({"length_cm": 1}, "rows", "must be a list"),
    ([], "rows", "empty"),
    (None, "rows", "got null"),
    ([[1.5, 3]], None, "array of 3 values"),
    ([[1.5, 3, "M", 9]], None, "got 4 values"),
    ([42], None, "got a number"),
    (["1.5,3,M"], None, "got a string"),
    ([{"length_cm": 1.5, "count": 3}], "kind", "missing"),
    ([{"length_cm": 1.5, "count": 3, "kind": "M", "colour": "red"}], "colour", "unknown field"),
    ([["1.5", 3, "M"]], "length_cm", "the string '1.5'"),
    ([[None, 3, "M"]], "length_cm", "got null"),
    ([[True, 3, "M"]], "length_cm", "got a boolean"),
    ([[math.nan, 3, "M"]], "length_cm", "NaN"),
    ([[math.inf, 3, "M"]], "length_cm", "Infinity"),
    ([[-math.inf, 3, "M"]], "length_cm", "-Infinity"),
    ([[-0.1, 3, "M"]], "length_cm", "below the minimum"),
    ([[15.01, 3, "M"]], "length_cm", "above the maximum"),
    ([[1e308 * 10, 3, "M"]], "length_cm", "Infinity"),
    ([[1.5, 2.5, "M"]], "count", "an integer"),
    ([[1.5, 3, "X"]], "kind", "one of 'L', 'M', 'H'"),
    ([[1.5, 3, 1]], "kind", "got 1"),
    ([[1.5, 3, ["M"]]], "kind", "got an array"),
    ([[{"v": 1.5}, 3, "M"]], "length_cm", "got an object"),
]


@pytest.mark.parametrize("rows, field, words", BAD_ROWS)
def test_bad_rows_are_refused_naming_the_field(rows, field, words):
    with pytest.raises(InvalidInput) as caught:
        SCHEMA.validate(rows)
    error = caught.value
    assert error.code == "invalid_input"
    first = error.details[0]
    assert first["field"] == field
    assert words in error.message
    if first.get("row") is not None:
        assert error.message.startswith(f"row {first['row']}")


def test_every_problem_is_reported_with_its_row():
    with pytest.raises(InvalidInput) as caught:
        SCHEMA.validate([[1, 1, "L"], [-1, 1, "L"], [1, -1, "Q"]])
    problems = [(d["row"], d["field"]) for d in caught.value.details]
    assert problems == [(2, "length_cm"), (3, "count"), (3, "kind")]  # rows count from 1
    assert "3 problems in all" in caught.value.message


def test_details_are_capped_but_the_total_is_given():
    rows = [[-1, 1, "L"]] * 250
    with pytest.raises(InvalidInput) as caught:
        SCHEMA.validate(rows)
    assert len(caught.value.details) == 100
    assert "250 problems in all; the first 100 are listed" in caught.value.message


@pytest.mark.parametrize("features", [
    [],
    [{"name": "a"}, {"name": "a"}],
    [{"name": "a", "type": "text"}],
    [{"type": "number"}],
])
def test_bad_schemas_are_refused(features):
    with pytest.raises(InvalidBundle):
        Schema.from_list(features)


def test_schema_round_trips_through_json():
    assert Schema.from_list(SCHEMA.to_list()) == SCHEMA


def _outcome(validate, rows):
    """What a validation gives: the array (dtype and each value's type and value) or the error."""
    try:
        X = validate(rows)
    except InvalidInput as error:
        return "error", error.to_dict()
    return "ok", X.dtype, [[(type(v).__name__, repr(v)) for v in row] for row in X.tolist()]


def test_the_column_path_gives_exactly_what_the_row_path_gives():
    """Valid batches take the vectorised column path; anything else falls back to the row path,
    which finds and words every problem (and checks small batches, where it is faster). On 1,200
    random batches (arrays and objects, some with
    one bad value of every kind) both paths agree value for value and error for error."""
    import random

    from build_scripts.golden import sampled_rows
    from py_pipeline.schema import COLUMN_PATH_ROWS

    schemas = [
        Schema((Feature("a", minimum=0, maximum=15), Feature("b", minimum=0, maximum=10))),
        Schema((Feature("t", type="category", categories=("L", "M", "H")), Feature("k", minimum=250, maximum=350),
                Feature("w", type="integer", minimum=0, maximum=500))),
        Schema((Feature("x", minimum=0, maximum=1, missing=True),
                Feature("c", type="category", categories=("a", "b"), missing=True),
                Feature("n", type="integer", minimum=-5, maximum=5))),
    ]
    bad = [None, float("nan"), float("inf"), "1", True, 10**400, 2**60, -1e9, 1e9, 0.5, 3, [1], {"a": 1}, "a", "zzz"]
    rng = random.Random(0)
    fast_taken = 0
    for schema in schemas:
        for trial in range(400):
            rows = sampled_rows(schema, rng.randint(COLUMN_PATH_ROWS, COLUMN_PATH_ROWS + 8), trial)
            if trial % 2:
                rows[rng.randrange(len(rows))][rng.randrange(len(schema.features))] = rng.choice(bad)
            if trial % 3 == 0:
                rows = [dict(zip(schema.names, row)) for row in rows]
            fast_taken += schema._valid_columns(rows) is not None
            assert _outcome(schema.validate, rows) == _outcome(schema._validate_each, rows), rows
    assert fast_taken > 600  # the column path did the work for the valid batches


def test_problems_past_the_cap_are_counted_not_built():
    """One row with 200,000 unknown keys: the error lists 100 and counts all, and validating it
    allocates a few MB, not one message per key (that cost ~400 MB per request on the server)."""
    import tracemalloc

    schema = Schema((Feature("x"), Feature("y")))
    row = {f"unknown_{i}": 1 for i in range(200_000)} | {"x": 1, "y": 2}
    tracemalloc.start()
    try:
        with pytest.raises(InvalidInput) as caught:
            schema.validate([row])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.total == 200_000 and len(caught.value.details) == 100
    assert peak < 10_000_000, f"validation allocated {peak / 1e6:.0f} MB"


def test_one_rows_warnings_are_the_batchs_row_by_row():
    """A single row's typical-range warnings take a path of their own (plain comparisons): the same
    problems as that row in a batch, missing values and the range's edges included."""
    schema = Schema((
        Feature("kind", "category", categories=("L", "M")),
        Feature("temp", "number", typical_minimum=295.0, typical_maximum=305.0, missing=True),
        Feature("speed", "number", typical_minimum=1000.0),
        Feature("wear", "integer", typical_maximum=200),
    ))
    values = [[kind, temp, speed, wear] for kind in ("L", "M") for temp in (None, 290.0, 295.0, 300.0, 305.0, 310.5)
              for speed in (999.5, 1000, 2000.0) for wear in (0, 200, 201)]
    X = schema.validate(values)
    batch, total = schema.warnings(X, most=None)
    assert total == len(batch) > 0
    for i in range(len(values)):
        one, count = schema.warnings(X[i:i + 1], most=None)
        expected = [p for p in batch if p.row == i + 1]
        assert [(p.field, p.got, p.expected) for p in one] == [(p.field, p.got, p.expected) for p in expected]
        assert count == len(expected)
