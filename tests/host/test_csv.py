"""CSV in and out (py_pipeline/csv_io.py) and the server's text/csv predict routes: column
matching, line numbers, every problem kept, the result and error files, the limits."""

from __future__ import annotations

import csv
import io

import pytest

from py_pipeline import InvalidInput, Registry, csv_io
from server_fallback import create_app

PREDICT = "/api/v1/models/iris/predict"
HEADER = "sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm"
GOOD = [[2.5, 1.3, 4.0, 0.8], [5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]


@pytest.fixture(scope="module")
def iris(model_dir):
    return Registry.from_directory(model_dir).get("iris")


def lines(rows, header=HEADER, sep=","):
    return header.replace(",", sep) + "\n" + "".join(sep.join(map(str, r)) + "\n" for r in rows)


def post_csv(client, body, accept=None, path=PREDICT):
    headers = {"Content-Type": "text/csv"}
    if accept:
        headers["Accept"] = accept
    return client.post(path, data=body.encode() if isinstance(body, str) else body, headers=headers)


def test_a_csv_body_answers_as_the_same_rows_sent_as_json(client):
    as_json = client.post(PREDICT, json={"rows": GOOD}).get_json()
    as_csv = post_csv(client, lines(GOOD)).get_json()
    assert as_csv["predictions"] == as_json["predictions"]
    assert as_csv["probabilities"] == as_json["probabilities"]
    assert as_csv["columns"] == {name: name for name in HEADER.split(",")}


def test_accept_text_csv_answers_the_file_with_its_columns_untouched(client):
    body = ("id,Sepal Length (cm),SEPAL_WIDTH,petal length [cm],Petal width cm,comment\n"
            '7,2.5,1.3,4.0,0.8,"a note, with a comma"\n'
            '8,5.1,3.5,1.4,0.2,"two\nlines"\n')
    response = post_csv(client, body, accept="text/csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert table[0] == ["id", "Sepal Length (cm)", "SEPAL_WIDTH", "petal length [cm]", "Petal width cm", "comment",
                        "prediction", "probability_setosa", "probability_versicolor", "probability_virginica"]
    assert table[1][:6] == ["7", "2.5", "1.3", "4.0", "0.8", "a note, with a comma"]
    assert table[2][5] == "two\nlines"
    reference = client.post(PREDICT, json={"rows": GOOD[:2]}).get_json()
    assert [row[6] for row in table[1:]] == reference["predictions"]
    for row, probabilities in zip(table[1:], reference["probabilities"]):
        assert [float(v) for v in row[7:]] == pytest.approx(probabilities, abs=1e-6)
    assert post_csv(client, lines(GOOD), accept="application/json").mimetype == "application/json"
    assert post_csv(client, lines(GOOD), accept="*/*").mimetype == "application/json"


def test_bad_rows_are_named_by_their_row_and_the_line_a_person_sees(client):
    body = (HEADER + "\n"
            "2.5,1.3,4.0,0.8\n"
            "\n"                       # line 3: blank, no row
            "abc,1.3,4.0,99\n"         # line 4: two problems
            '5.1,3.5,"1.4",\n'         # line 5: petal width empty
            "1,2,3\n")                 # line 6: a cell short
    response = post_csv(client, body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input" and error["total"] == 4
    assert [(d["code"], d["row"], d["line"], d["field"]) for d in error["details"]] == [
        ("wrong_value", 2, 4, "sepal_length_cm"), ("wrong_value", 2, 4, "petal_width_cm"),
        ("wrong_value", 3, 5, "petal_width_cm"), ("wrong_cell_count", 4, 6, None)]
    assert error["details"][0]["message"] == ("line 4 (row 2), field 'sepal_length_cm': expected a number (cm) "
                                              "between 0 and 15, got the string 'abc'")
    assert error["details"][0]["got"] == "got the string 'abc'"
    assert error["details"][1]["message"].endswith("got 99, above the maximum")
    assert error["details"][2]["message"].endswith("got an empty cell")
    assert error["details"][3]["message"] == "line 6 (row 4): expected 4 cells, as the header has, got 3"
    assert error["message"].endswith("(4 problems in 3 rows)")


@pytest.mark.parametrize("name, body, words", [
    ("missing column", "sepal_length_cm,sepal_width_cm,petal_length_cm\n1,2,3\n",
     "the file has no column for petal_width_cm"),
    ("wrong delimiter", lines(GOOD, sep="|"), "the file has no column for sepal_length_cm, sepal_width_cm"),
    ("not UTF-8", (HEADER + "\n1,2,3,4\n").encode("utf-16"), "line 1: the file is not UTF-8 text"),
    ("Latin-1 deep in the file", lines(GOOD * 3000).encode() + "7,3,5,2.5 \xe9\n".encode("latin-1"),
     "line 9002: the file is not UTF-8 text"),
    ("empty", "", "the file is empty"),
    ("header only", HEADER + "\n", "the file has a header but no rows"),
])
def test_files_that_cannot_be_scored_get_a_clear_422(client, name, body, words):
    response = post_csv(client, body)
    assert response.status_code == 422, name
    assert words in response.get_json()["error"]["message"]


@pytest.mark.parametrize("name, body", [
    ("semicolons", lines(GOOD, sep=";")),
    ("tabs", lines(GOOD, sep="\t")),
    ("a BOM and CRLF", "\ufeff" + lines(GOOD).replace("\n", "\r\n")),
    ("quoted numbers", HEADER + "\n" + "".join(",".join(f'"{v}"' for v in r) + "\n" for r in GOOD)),
])
def test_common_spellings_of_a_csv_file_are_read(client, name, body):
    response = post_csv(client, body)
    assert response.status_code == 200, (name, response.get_json())
    assert response.get_json()["predictions"] == client.post(PREDICT, json={"rows": GOOD}).get_json()["predictions"]


def test_the_row_and_size_limits_hold_for_csv(model_dir):
    app = create_app({"TESTING": True, "MODEL_DIR": str(model_dir), "SITE_DIR": "", "MAX_ROWS": 2,
                      "MAX_CONTENT_LENGTH": 400})
    client = app.test_client()
    assert post_csv(client, lines(GOOD)).status_code == 413
    assert post_csv(client, lines(GOOD)).get_json()["error"]["code"] == "too_many_rows"
    big = lines(GOOD[:1]) + "#" * 500
    assert post_csv(client, big).get_json()["error"]["code"] == "payload_too_large"


def test_a_file_over_the_row_limit_is_refused_while_it_is_read(client, iris):
    """A million tiny rows just under the size limit: refused at row 10,001, never parsed whole;
    a byte that is not UTF-8 past the limit is never reached (bench/csv_limit.py measures the memory)."""
    body = (HEADER + "\n" + "1,1,1,1\n" * 1_000_000).encode()[:8 * 1024 * 1024 - 64] + b"\n1,1,1,\xe9\n"
    response = post_csv(client, body)
    assert response.status_code == 413, response.get_json()
    assert response.get_json()["error"]["message"] == "the file has more than 10000 rows; at most 10000 rows per request"
    table = csv_io.read_csv(body, iris.manifest.schema, max_rows=10)
    assert len(table.records) == 11 and table.lines[-1] == 12


def test_other_content_types_are_refused_naming_both(client):
    response = client.post(PREDICT, data="x", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert "application/json or text/csv" in response.get_json()["error"]["message"]


def test_scoring_keeps_the_good_rows_and_lists_every_bad_one(iris):
    """The page and the command line score what is valid and list the rest: nothing dropped or
    scored in silence. The result file has the scored rows, the error file every problem."""
    rows = [GOOD[0], ["x", 1, 1, 1], GOOD[1], [1, 1, 1, 50], GOOD[2]]
    table = csv_io.read_csv(lines(rows), iris.manifest.schema)
    scored = csv_io.score(table, iris)
    assert scored.valid == [0, 2, 4] and scored.invalid_rows == 2
    assert scored.predictions == iris.predict(GOOD)["predictions"]
    result = list(csv.reader(io.StringIO(csv_io.result_csv(table, scored))))
    assert [r[:4] for r in result[1:]] == [[str(v) for v in r] for r in GOOD]
    errors = list(csv.reader(io.StringIO(csv_io.errors_csv(scored))))
    assert errors[0] == ["row", "line", "field", "expected", "problem"]
    assert [tuple(r[:3]) for r in errors[1:]] == [("2", "3", "sepal_length_cm"), ("4", "5", "petal_width_cm")]


def test_a_column_two_headers_could_feed_is_refused(iris):
    with pytest.raises(InvalidInput, match="ambiguous"):
        csv_io.read_csv("sepal_length_cm,Sepal length,sepal_width_cm,petal_length_cm,petal_width_cm\n",
                        iris.manifest.schema)


def test_scoring_a_chunk_at_a_time_writes_the_files_of_the_whole(iris):
    """The page scores a file in chunks, holding one chunk at a time: the same result file, the
    same problems (with their lines and rows in the whole file) as scoring it at once."""
    rows = [GOOD[0], ["x", 1, 1, 1], GOOD[1], [1, 1, 1, 50], GOOD[2]] * 3
    text = lines(rows)
    whole = csv_io.score(csv_io.read_csv(text, iris.manifest.schema), iris)
    scoring = csv_io.Scoring(text.encode(), iris)  # the page passes bytes, read as they are decoded
    assert scoring.total == 15
    scoring.step(4)
    taken = scoring.take()  # the page takes the result as it grows
    while scoring.step(4)["done"] < 15:
        pass
    assert taken + scoring.result_csv() == csv_io.result_csv(csv_io.read_csv(text, iris.manifest.schema), whole)
    assert csv_io.errors_csv(scoring.scored) == csv_io.errors_csv(whole)
    assert [p.row for p in scoring.scored.problems] == [p.row for p in whole.problems] == [2, 4, 7, 9, 12, 14]
    assert [p.line for p in whole.problems] == [3, 5, 8, 10, 13, 15]
    assert scoring.counts == {c: whole.predictions.count(c) for c in whole.classes}
